#!/bin/bash
# run-kselftest.sh TREE ARCH: boot the TREE/ARCH kernel in QEMU with the
# kselftest initramfs (machine from kunit.py's qemu_configs/ARCH.py, see
# scripts/boot.py), then parse the KTAP it printed with 'kunit.py parse' and
# add kernel_log_clean from the whole console (log_check).
# Writes build/results/TREE-ARCH-kselftest.{json,ktap} and
# build/logs/TREE-ARCH-kselftest.console.  KSFT_ONLY=CASE,... (run_tests.sh
# --filter) runs only those cases.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
boot_setup kselftest
console=$LOGS/$name.console
boot_rc=0
retry_stalled_boot "$console" "^KTAP version" boot_guest "$img" "$console" "${BOOT_TIMEOUT:-$(scaled 900)}" \
	"quiet timeout_factor=$(scaled 1) ksft_timeout=${KSFT_TIMEOUT:-$(scaled 600)}${KSFT_ONLY:+ ksft_only=$KSFT_ONLY}" || boot_rc=$?
ktap_results "$console" "$name"
log_check "$name"
[ "$boot_rc" = 0 ] || die "kselftest boot failed (exit $boot_rc), console: $console"
