#!/bin/bash
# prove-base-oopses.sh [ARCH]: the sacrificial boot of issue #3.  Builds the
# "base" tree (v7.3 + kernel-patches/base/ only: upstream's recovery taken
# out, nothing put back), boots the arena_kfault kselftests on it and checks
# that the first kfunc write to an unallocated arena page oopses in the
# kfunc, which is what a pre-feature kernel does.  Exit 0 when it does.
set -eu
. "$(dirname "$0")/lib.sh"

arch=${1:-$(known_arches | cut -d" " -f1)}
load_arch "$arch"
"$REPO/scripts/prepare-tree.sh" base >/dev/null

# The KUnit suite needs the feature; build base without it.
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
grep -v BPF_ARENA_KFAULT_KUNIT_TEST "$REPO/configs/kunit/arena_kfault.kunitconfig" \
	>"$cfg/base.kunitconfig"
KUNITCONFIGS="$cfg/base.kunitconfig" ROOT_BINDS="$cfg" \
	"$REPO/scripts/build-kernel.sh" base "$arch"
"$REPO/scripts/build-kselftest.sh" base "$arch"
"$REPO/scripts/make-initramfs.sh" base "$arch" >/dev/null
"$REPO/scripts/run-kselftest.sh" base "$arch" || true

console=$LOGS/base-$arch-kselftest.console
oops=$ARCH_OOPS		# configs/arches.conf
if grep -qF "$oops" "$console" && grep -q "bpf_kfault_write" "$console"; then
	echo "base $arch: the kfunc write to an unallocated arena page oopses, as before the feature:"
	grep -m1 -A2 -F "$oops" "$console"
	grep -m1 "bpf_kfault_write" "$console"
	exit 0
fi
die "base $arch: no oops in bpf_kfault_write (console: $console)"
