#!/bin/bash
# run-kunit.sh TREE ARCH: run the KUnit suites of the TREE/ARCH kernel with
# 'kunit.py exec' in QEMU (TCG).  Writes
#   build/results/TREE-ARCH-kunit.json   kunit.py's JSON
#   build/results/TREE-ARCH-kunit.ktap   the KTAP the kernel printed
#   build/logs/TREE-ARCH-kunit.console   the whole console
# Test failures are judged by results.py (known failures included); the exit
# status is non-zero only when kunit.py left no results.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
name=$tree-$ARCH_NAME-kunit
mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS/$name".* "$LOGS/$name.console"

cd "$src"
# Under TCG a boot very rarely stalls before the first test (seen once in
# early timer setup).  Such a run has no KTAP at all: retry it once, and say
# so; a run that reached the tests is never retried.
for attempt in 1 2; do
	rm -f "$out/test.log"
	rc=0
	in_root python3 tools/testing/kunit/kunit.py exec --build_dir="$out" \
		--arch="$ARCH_KARCH" --qemu_args="-smp 2" \
		--timeout="${KUNIT_TIMEOUT:-300}" --json="$RESULTS/$name.json" || rc=$?
	[ -f "$out/test.log" ] || die "kunit.py produced no console log ($out/test.log)"
	grep -q "KTAP version\|TAP version" "$out/test.log" && break
	[ "$attempt" = 1 ] && warn "boot never reached the KUnit tests, retrying once" &&
		cp "$out/test.log" "$LOGS/$name.console.stalled"
done
cp "$out/test.log" "$LOGS/$name.console"
in_root python3 tools/testing/kunit/kunit.py parse --raw_output=kunit \
	"$LOGS/$name.console" >"$RESULTS/$name.ktap" || true
[ -s "$RESULTS/$name.json" ] || die "kunit.py exec failed (exit $rc) and left no results"
[ "$rc" = 0 ] || echo "kunit.py: some tests failed (exit $rc); see the summary" >&2
# The console of the whole boot must be free of splats, whichever case (or
# no case) caused them.
python3 "$REPO/scripts/results.py" log-check --console "$LOGS/$name.console" \
	--json "$RESULTS/$name.json" --ktap "$RESULTS/$name.ktap"
