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
# Which tests: every prog_tests/*.c whose name matches $BPF_SELFTESTS_MATCH
# (default 'arena|stream'), plus the one-line test functions of
# prog_tests/verifier.c whose name matches it (verifier_arena, arena_kfunc,
# ...), taken from the tree, never from a list kept here.  Their BPF
# programs are the progs/*.c their skeletons name.  Building all of
# test_progs takes far longer here and tests nothing more about arenas.
# The selected names go to <build dir>/bpfsel/tests.txt: a test that
# reports no result is a failure (scripts/results.py test-progs).
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
[ -f "$out/vmlinux" ] || die "no kernel built at $out (run: scripts/build-kernel.sh $tree $ARCH_NAME)"
match=${BPF_SELFTESTS_MATCH:-arena|stream}
bpf=$src/tools/testing/selftests/bpf
sel=$out/bpfsel
tdir=$bpf/ak_prog_tests pdir=$bpf/ak_progs
mkdir -p "$sel"

# The Makefile builds every .c of its test and prog directories: give it
# directories holding only the selection (copies, not links: its
# dependency files must not point through symlinks).
rm -rf "$tdir" "$pdir"
mkdir -p "$tdir" "$pdir"
for f in "$bpf"/prog_tests/*.c; do
	n=${f##*/}
	[ "$n" != verifier.c ] && echo "${n%.c}" | grep -qE "$match" && cp "$f" "$tdir/"
done
# verifier.c: its preamble (helpers, the RUN macros), the skeleton
# includes of the selected tests and their one-line test functions.
awk -v re="$match" '
	/^#include ".*\.skel\.h"/ { s = $2; gsub(/"|\.skel\.h/, "", s); if (s ~ re) print; next }
	/^void test_[a-z0-9_]+\(void\)[ \t]*\{ *RUN.*\}$/ {
		t = $2; sub(/^test_/, "", t); sub(/\(void\).*/, "", t); inrun = 1
		if (t ~ re) print
		next
	}
	inrun && NF { exit }
	{ print }' "$bpf/prog_tests/verifier.c" >"$tdir/verifier_selected.c"
grep -q '^void test_' "$tdir/verifier_selected.c" || rm "$tdir/verifier_selected.c"
# Their BPF programs: the skeletons the tests include, the objects they
# open by name.
progs=$(grep -ohE '"[A-Za-z0-9_]+\.(skel\.h|lskel\.h|bpf\.o)"' "$tdir"/*.c |
	sed -E 's/"([A-Za-z0-9_]+)\..*/\1/' | sort -u)
for p in $progs; do
	[ -f "$bpf/progs/$p.c" ] && cp "$bpf/progs/$p.c" "$pdir/"
done
for h in "$bpf"/progs/*.h; do ln -sf "../progs/${h##*/}" "$pdir/"; done
sed -n -E 's/^void (serial_)?test_([a-zA-Z0-9_]+)\((void)?\).*/\2/p' "$tdir"/*.c | sort >"$sel/tests.txt"
[ -s "$sel/tests.txt" ] || die "no selftests/bpf test of $tree matches '$match'"
# test_progs.c includes <prog_tests/tests.h>: the selection's.
sed 's/.*/DEFINE_TEST(&)/' "$sel/tests.txt" | { echo '/* Generated header, do not edit */'; cat; } \
	>"$bpf/prog_tests/tests.h"
echo "selected $(wc -l <"$sel/tests.txt") tests: $(tr '\n' ' ' <"$sel/tests.txt")"

# libarena's skeletons only when a selected test includes them.  No
# bpftool for the target (TRUNNER_BPFTOOL): no selected test runs it, and
# cross-building it needs the target's OpenSSL headers.
libarena=()
grep -q 'libarena/libarena\.skel\.h' "$tdir"/*.c || libarena+=(LIBARENA_SKEL=)
grep -q 'libarena/libarena_asan\.skel\.h' "$tdir"/*.c || libarena+=(LIBARENA_ASAN_SKEL=)
make_args=(-C "$bpf" O="$out" OUTPUT="$sel" -j"${JOBS:-$(nproc)}"
	ARCH="$ARCH_KARCH" SRCARCH="$ARCH_SRCARCH" VMLINUX_BTF="$out/vmlinux"
	TRUNNER_TESTS_DIR=ak_prog_tests TRUNNER_BPF_PROGS_DIR=ak_progs
	'TRUNNER_EXTRA_FILES=$(OUTPUT)/bpf_testmod.ko' TRUNNER_BPFTOOL=
	LINKED_SKELS= LSKELS= LSKELS_EXTRA= LSKELS_SIGNED= "${libarena[@]}"
	# libarena's objects take LLVM's default BPF CPU and need v4 (signed
	# division, 32-bit atomics): newer LLVMs default to it, clang-19 to v1.
	# test_progs' own objects name their CPU after this flag, so keep it.
	"BPF_TARGET_ENDIAN=--target=bpfel -mcpu=v4")
[ -n "$ARCH_CROSS" ] && make_args+=(CROSS_COMPILE="$ARCH_CROSS")
rm -f "$sel"/*.test.o "$sel"/*.test.d "$sel/test_progs"
# The test modules (test_kmods/) and libarena's objects are built in the
# source tree, which every arch of this tree shares, and the Makefile only
# rebuilds them when they are older than the kernel: drop the last arch's.
rm -f "$bpf"/test_kmods/*.ko "$bpf"/libarena/*.bpf.o "$bpf"/libarena/*.skel.h
cd "$src"
in_root make -s -C "$src" O="$out" ARCH="$ARCH_KARCH" ${ARCH_CROSS:+CROSS_COMPILE=$ARCH_CROSS} headers
in_root make "${make_args[@]}" "$sel/test_progs"

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
