#!/bin/bash
# run-bpf-selftests.sh TREE ARCH: boot the TREE/ARCH kernel of the
# bpf-selftests flavour with the initramfs of scripts/build-bpf-selftests.sh,
# turn test_progs' output into KTAP (one case per selected test, subtests
# nested) and JSON, and add kernel_log_clean from the console.
# Writes build/results/TREE-ARCH-bpf_selftests.{json,ktap} and
# build/logs/TREE-ARCH-bpf_selftests.console.
set -eu
. "$(dirname "$0")/lib.sh"

case " ${FLAVOURS:-} " in *" bpf-selftests "*) ;; *) FLAVOURS="${FLAVOURS:-} bpf-selftests" ;; esac
tree_arch_args "$@"
boot_setup bpf_selftests bpf
boot_rc=0
boot_guest "$img" "$LOGS/$name.console" "${BOOT_TIMEOUT:-1200}" \
	"quiet bpf_timeout=${BPF_TIMEOUT:-300}" || boot_rc=$?
python3 "$REPO/scripts/results.py" test-progs --console "$LOGS/$name.console" \
	--tests "$out/bpfsel/tests.txt" --ktap "$RESULTS/$name.ktap"
json_results "$name"
python3 "$REPO/scripts/results.py" log-check --console "$LOGS/$name.console" \
	--json "$RESULTS/$name.json" --ktap "$RESULTS/$name.ktap"
grep -q "^# bpf_selftests: done" "$LOGS/$name.console" ||
	die "the tests never finished (boot exit $boot_rc), console: $LOGS/$name.console"
[ "$boot_rc" = 0 ] || die "bpf_selftests boot failed (exit $boot_rc), console: $LOGS/$name.console"
