#!/bin/bash
# shell.sh TREE ARCH: boot the TREE/ARCH kernel with its kselftest
# initramfs to a shell on this terminal (run_tests.sh --shell): the
# machine of kunit.py's qemu_configs/ARCH.py, as for the tests.  The
# kselftests are in /kselftest; 'reboot -f' (or Ctrl-a x) ends the VM.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
img=$out/kselftest-initramfs.cpio.gz
[ -f "$img" ] || die "no initramfs at $img (run: scripts/make-initramfs.sh $tree $ARCH_NAME)"
cd "$src"
in_root python3 "$REPO/scripts/boot.py" --src="$src" --build-dir="$out" \
	--arch="$ARCH_KARCH" ${ARCH_CROSS:+--cross-compile="$ARCH_CROSS"} \
	--initrd="$img" --append="shell=1" --interactive
