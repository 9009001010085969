#!/bin/bash
# run-stress.sh TREE ARCH SECONDS: boot the TREE/ARCH kernel with the
# kselftest initramfs and stress=SECONDS (the guest runs arena_stress:
# faults, allocations and frees over scratched slots, user touches and
# arena churn from pinned threads, scripts/guest-init.sh), then check the
# whole console for splats (the boot is not quiet: every WARNING, lockdep's
# included, reaches the console).  Writes
# build/results/TREE-ARCH-stress.{ktap,json} (its figures are the
# "# stress:" lines) and prints the figures.  Fails when the boot did (a
# timeout, a panic, QEMU's own error), after writing what results it left.
# STRESS_ROLES=faulter,allocator,... runs only those roles (diagnosis).
set -eu
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: ${0##*/} TREE ARCH SECONDS"
seconds=$3
tree_arch_args "$1" "$2"
boot_setup stress
boot_rc=0
boot_guest "$img" "$LOGS/$name.console" "$((seconds + ${BOOT_TIMEOUT:-$(scaled 600)}))" \
	"timeout_factor=$(scaled 1) stress=$seconds${STRESS_ROLES:+:$STRESS_ROLES}" || boot_rc=$?
grep -q "^KTAP version" "$LOGS/$name.console" ||
	die "no stress result (boot exit $boot_rc), console: $LOGS/$name.console"
ktap_results "$LOGS/$name.console" "$name"
log_check "$name"
grep "^# stress:" "$RESULTS/$name.ktap" || true
[ "$boot_rc" = 0 ] || die "stress boot failed (exit $boot_rc), console: $LOGS/$name.console"
