#!/bin/bash
# make-initramfs.sh TREE ARCH: pack busybox (Debian's busybox-static for the
# arch), the installed kselftests and scripts/guest-init.sh as /init into
# <build dir>/kselftest-initramfs.cpio.gz.  Prints its path.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
inst=$out/kselftest_install
[ -f "$inst/kselftest-list.txt" ] || die "no kselftests installed in $inst (run: scripts/build-kselftest.sh $tree $ARCH_NAME)"

stage=$out/initramfs
initramfs_stage "$stage"
cp -a "$inst" "$stage/kselftest"
img=$out/kselftest-initramfs.cpio.gz
initramfs_pack "$stage" "$img"
echo "$img"
