#!/bin/bash
# run-kunit.sh TREE ARCH: run the KUnit suites of the TREE/ARCH kernel with
# 'kunit.py exec' in QEMU (TCG).  Writes
#   build/results/TREE-ARCH-kunit.json   kunit.py's JSON
#   build/results/TREE-ARCH-kunit.ktap   the KTAP the kernel printed
#   build/logs/TREE-ARCH-kunit.console   the whole console
#   build/logs/TREE-ARCH-kunit.kunit-py.log  kunit.py's own output
# Test failures are judged by results.py (known failures included); the exit
# status is non-zero when kunit.py left no results, or when the kernel did
# not end by itself after them (it hung or died: results.py fails the step).
# KUNIT_FILTER (run_tests.sh --filter): kunit.py's filter_glob.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
name=$tree-$ARCH_NAME-kunit
mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS/$name".* "$LOGS/$name.console" "$LOGS/$name.kunit-py.log"

exec_kunit() {
	rm -f "$out/test.log"
	in_root python3 tools/testing/kunit/kunit.py exec --build_dir="$out" \
		--arch="$ARCH_KARCH" --qemu_args="-smp 2" \
		--timeout="${KUNIT_TIMEOUT:-$(scaled 300)}" --json="$RESULTS/$name.json" \
		${KUNIT_FILTER:+"$KUNIT_FILTER"} 2>&1 | tee "$LOGS/$name.kunit-py.log"
	return "${PIPESTATUS[0]}"
}

cd "$src"
rc=0
retry_stalled_boot "$out/test.log" "KTAP version\|TAP version" exec_kunit || rc=$?
kunit_collect "$out/test.log" "$name" "$rc"
