#!/bin/bash
# run-bench.sh TREE ARCH: boot the TREE/ARCH kernel with the kselftest
# initramfs and bench=ITERATIONS (the guest runs arena_bench, see
# selftests/arena_kfault/arena_bench.c) and keep its "# bench:" lines in
# build/results/TREE-ARCH-bench.txt.  A benchmark, not a test: it fails
# only when the guest printed no figures.  BENCH_ITERATIONS (default 1000).
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
boot_setup bench
boot_guest "$img" "$LOGS/$name.console" "${BOOT_TIMEOUT:-$(scaled 900)}" \
	"quiet bench=${BENCH_ITERATIONS:-1000}" || true
grep "^# bench:" "$LOGS/$name.console" | sed 's/^# bench: //' >"$RESULTS/$name.txt" || true
grep -q "^done$" "$RESULTS/$name.txt" ||
	die "arena_bench printed no figures, console: $LOGS/$name.console"
cat "$RESULTS/$name.txt"
