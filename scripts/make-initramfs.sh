#!/bin/bash
# make-initramfs.sh TREE ARCH: pack busybox (Debian's busybox-static for the
# arch), the installed kselftests and scripts/guest-init.sh as /init into
# <build dir>/kselftest-initramfs.cpio.gz.  Prints its path.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
inst=$out/kselftest_install
[ -f "$inst/kselftest-list.txt" ] || die "no kselftests installed in $inst (run: scripts/build-kselftest.sh $tree $ARCH_NAME)"

bb=$(busybox_for "$ARCH_DEB")

stage=$out/initramfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp}
cp "$bb" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"	# for /init's #!; the rest is made by busybox --install
cp "$REPO/scripts/guest-init.sh" "$stage/init"
chmod 755 "$stage/init"
cp -a "$inst" "$stage/kselftest"
img=$out/kselftest-initramfs.cpio.gz
in_root sh -c 'cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1 >"$2"' \
	sh "$stage" "$img"
echo "$img"
