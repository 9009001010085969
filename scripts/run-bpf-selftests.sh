#!/bin/bash
# run-bpf-selftests.sh TREE ARCH: boot the TREE/ARCH kernel with the
# initramfs of scripts/build-bpf-selftests.sh,
# turn test_progs' output into KTAP (one case per selected test, subtests
# nested) and JSON, and add kernel_log_clean from the console.
# Writes build/results/TREE-ARCH-bpf_selftests.{json,ktap} and
# build/logs/TREE-ARCH-bpf_selftests.console.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
boot_setup bpf_selftests bpf
# An oops panics the guest (oops=panic): the kernel is not to be trusted
# after it, and a test_progs stuck in it could not be killed.  The test it
# happened in is left without a result (with the oops as its log), and a
# new boot starts at the next test; the consoles are kept one after the
# other.  A panic also stops the guest before its dmesg dump, so the boot
# shows warnings live (loglevel=5, as run-must-oops.sh): a WARNING that came
# before the oops is then on the console for kernel_log_clean.
tests=$out/bpfsel/tests.txt
from=1 boot_rc=0
while :; do
	# A boot that stalls before /init (a TCG rarity) is tried once more.
	retry_stalled_boot "$LOGS/$name.console.part" "# arena-kfault: /init started" \
		boot_guest "$img" "$LOGS/$name.console.part" "${BOOT_TIMEOUT:-$(scaled 1200)}" \
		"loglevel=5 oops=panic bpf_timeout=${BPF_TIMEOUT:-$(scaled 300)} bpf_from=$from" || boot_rc=$?
	cat "$LOGS/$name.console.part" >>"$LOGS/$name.console"
	grep -q "^# bpf_selftests: done" "$LOGS/$name.console.part" && break
	last=$(sed -n 's/^# bpf_selftests: \(.*\) begin$/\1/p' "$LOGS/$name.console.part" | tail -1)
	[ -n "$last" ] || break
	from=$(($(grep -nxF "$last" "$tests" | cut -d: -f1) + 1))
	[ "$from" -le "$(wc -l <"$tests")" ] || { echo "# bpf_selftests: done" >>"$LOGS/$name.console"; break; }
	warn "the kernel died in $last; booting again from test $from"
	boot_rc=0
done
rm -f "$LOGS/$name.console.part"
python3 "$REPO/scripts/results.py" test-progs --console "$LOGS/$name.console" \
	--tests "$tests" --ktap "$RESULTS/$name.ktap"
json_results "$name"
log_check "$name"
grep -q "^# bpf_selftests: done" "$LOGS/$name.console" ||
	die "the tests never finished (boot exit $boot_rc), console: $LOGS/$name.console"
[ "$boot_rc" = 0 ] || die "bpf_selftests boot failed (exit $boot_rc), console: $LOGS/$name.console"
