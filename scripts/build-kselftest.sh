#!/bin/bash
# build-kselftest.sh TREE ARCH: build and install the arena_kfault kselftests
# (test module against the TREE/ARCH kernel build, BPF objects and skeletons
# with the tree's libbpf and bpftool, static test binaries) with the tree's
# own 'make kselftest-install', inside the toolchain root.  Installs into
# <build dir>/kselftest_install.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
[ -f "$out/vmlinux" ] || die "no kernel built at $out (run: scripts/build-kernel.sh $tree $ARCH_NAME)"

make_args=(-C "$src" O="$out" ARCH="$ARCH_KARCH" -j"${JOBS:-$(nproc)}")
[ -n "$ARCH_CROSS" ] && make_args+=(CROSS_COMPILE="$ARCH_CROSS")

cd "$src"
rm -rf "$out/kselftest_install"	# nothing left over from another version
in_root make -s "${make_args[@]}" headers
in_root make "${make_args[@]}" TARGETS=arena_kfault STATIC=1 \
	KSFT_INSTALL_PATH="$out/kselftest_install" kselftest-install
