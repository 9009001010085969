#!/bin/bash
# build-bpf-selftests.sh TREE ARCH: build upstream's own BPF selftests
# (tools/testing/selftests/bpf of TREE) for the bpf_selftests suite: a
# test_progs with only the tests that exercise arenas and streams, and
# bpf_testmod.ko against the TREE/ARCH kernel (the harness's one kernel,
# which takes the tree's selftests/bpf/config: configs/kernel.config).
# Dynamically linked: the
# initramfs gets the target's shared libraries it needs from the toolchain
# root (a static link would also reach the host tools the Makefile builds
# with the same flags).  Packs it with busybox and
# scripts/guest-init.sh into <build dir>/bpf-selftests.cpio.gz.
#
# Which tests: those bpf_selftests_select (scripts/lib.sh) picks for
# $BPF_SELFTESTS_MATCH (default 'arena|stream'): every prog_tests/*.c
# and one-line test of prog_tests/verifier.c whose name matches it,
# taken from the tree, never from a list kept here, and their BPF
# programs.  Building all of test_progs takes far longer here and tests
# nothing more about arenas.  The selected names go to <build dir>/
# bpfsel/tests.txt: a test that reports no result is a failure
# (scripts/results.py test-progs).
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
[ -f "$out/vmlinux" ] || die "no kernel built at $out (run: scripts/build-kernel.sh $tree $ARCH_NAME)"
match=${BPF_SELFTESTS_MATCH:-arena|stream}
sel=$out/bpfsel
bpf_selftests_select "$src" "$sel" "$match"
[ -s "$sel/tests.txt" ] || die "no selftests/bpf test of $tree matches '$match'"
echo "selected $(wc -l <"$sel/tests.txt") tests: $(tr '\n' ' ' <"$sel/tests.txt")"
rm -f "$sel"/*.test.o "$sel"/*.test.d "$sel/test_progs"
bpf_selftests_make "$src" "$out" "$sel" "$sel/test_progs"
cd "$src"

# The initramfs: busybox, test_progs, the BPF objects tests open by
# name, bpf_testmod.ko and the init script.
stage=$sel/initramfs
initramfs_stage "$stage"
mkdir -p "$stage/bpf"
cp "$sel/test_progs" "$sel/bpf_testmod.ko" "$sel/tests.txt" "$stage/bpf/"
# test_progs' interpreter and shared libraries, for the target, by their
# ELF headers (ldd cannot read a foreign arch's binary).
libdirs="/lib/$ARCH_CLANG /usr/lib/$ARCH_CLANG /lib /usr/lib"
todo=$sel/test_progs seen=
interp=$(in_root readelf -l "$sel/test_progs" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
mkdir -p "$stage$(dirname "$interp")"
cp -L "$ROOT$interp" "$stage$interp"
while [ -n "$todo" ]; do
	set -- $todo
	todo=
	for bin in "$@"; do
		# glibc loads libgcc_s.so.1 itself when a thread exits
		for lib in $(in_root readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') \
			   $([ "$bin" = "$sel/test_progs" ] && echo libgcc_s.so.1); do
			case " $seen " in *" $lib "*) continue ;; esac
			seen="$seen $lib"
			for d in $libdirs; do
				[ -e "$ROOT$d/$lib" ] || continue
				mkdir -p "$stage$d"
				cp -L "$ROOT$d/$lib" "$stage$d/$lib"
				todo="$todo $ROOT$d/$lib"
				break
			done
			[ -e "$stage$d/$lib" ] || die "no $lib for $ARCH_CLANG in the toolchain root"
		done
	done
done
cp "$sel"/*.bpf.o "$stage/bpf/" 2>/dev/null || true
initramfs_pack "$stage" "$out/bpf-selftests.cpio.gz"
