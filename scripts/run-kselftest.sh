#!/bin/bash
# run-kselftest.sh TREE ARCH: boot the TREE/ARCH kernel in QEMU with the
# kselftest initramfs (machine from kunit.py's qemu_configs/ARCH.py, see
# scripts/boot.py), then parse the KTAP it printed with 'kunit.py parse'.
# Writes build/results/TREE-ARCH-kselftest.{json,ktap} and
# build/logs/TREE-ARCH-kselftest.console.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
img=$out/kselftest-initramfs.cpio.gz
name=$tree-$ARCH_NAME-kselftest
[ -f "$img" ] || die "no initramfs at $img (run: scripts/make-initramfs.sh $tree $ARCH_NAME)"
mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS/$name".* "$LOGS/$name.console"

cd "$src"
# A boot that stalls before the tests start (no KTAP: a rare TCG stall in
# early boot) is retried once; one that reached the tests never is.
for attempt in 1 2; do
	boot_rc=0
	in_root python3 "$REPO/scripts/boot.py" --src="$src" --build-dir="$out" \
		--arch="$ARCH_KARCH" ${ARCH_CROSS:+--cross-compile="$ARCH_CROSS"} \
		--initrd="$img" --timeout="${BOOT_TIMEOUT:-900}" \
		--append="quiet ksft_timeout=${KSFT_TIMEOUT:-600}" \
		--console="$LOGS/$name.console" || boot_rc=$?
	grep -q "^KTAP version" "$LOGS/$name.console" && break
	[ "$attempt" = 1 ] && warn "boot never reached the kselftests, retrying once" &&
		cp "$LOGS/$name.console" "$LOGS/$name.console.stalled"
done
in_root python3 tools/testing/kunit/kunit.py parse --raw_output=kunit \
	"$LOGS/$name.console" >"$RESULTS/$name.ktap" || true
# Non-zero when tests failed: results.py judges those, from the JSON.
in_root python3 tools/testing/kunit/kunit.py parse --json="$RESULTS/$name.json" \
	"$LOGS/$name.console" || true
[ "$boot_rc" = 0 ] || die "kselftest boot failed (exit $boot_rc), console: $LOGS/$name.console"
[ -s "$RESULTS/$name.json" ] || die "kunit.py parse left no results"
