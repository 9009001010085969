#!/bin/bash
# check-series.sh: what a maintainer (and the bpf patchwork bots) run on
# kernel-patches/$SERIES/ before it goes to the list.  SERIES is a tree of
# configs/trees.conf that is sent: series (the default: applied on v7.3
# minus upstream's implementation, kernel-patches/base/) or fixes (applied
# on v7.3 as released); the base is the source with the tree's patch
# directories before its own.  Each check prints PASS or FAIL, and its
# report on FAIL:
#   tags         Signed-off-by: is the author, Fixes: format (and, with
#                FIXES_GIT_DIR=<kernel tree with history>, sha and subject)
#   checkpatch   scripts/checkpatch.pl --strict on every patch
#   apply        git am of the series, in order, on a git copy of the base
#   bisect       every patch builds on its own with gcc: the objects it
#                touches plus arena.o, memory.o, vmalloc.o, fault.o, per arch
#   bisect-clang the same with clang (LLVM=-NN, the toolchain root's clang-NN)
#   kernel-doc   scripts/kernel-doc -none on every touched C file and header:
#                no new warnings
#   sparse       C=2 on the touched objects: no new sparse warnings
#   w1           W=1 on the touched objects: no new warnings
#   maintainers  scripts/get_maintainer.pl for the cover letter
# Arches: $CHECK_ARCHES (default: every arch of configs/arches.conf).  Exit
# status: number of failed checks (0 = ready to send).
set -eu
. "$(dirname "$0")/lib.sh"

arches=${CHECK_ARCHES:-$(known_arches)}
series=${SERIES:-series}
load_sent_tree "$series"
series_dir=$PATCH_DIR/$series
out=$WORK/check
wt=$out/src
logs=$LOGS/check-series-$series
mkdir -p "$logs"
failed=0

patches=()
for p in "$series_dir"/[0-9]*.patch; do
	[ ! -f "$p" ] || [ "${p##*/}" = 0000-cover-letter.patch ] || patches+=("$p")
done
[ ${#patches[@]} -gt 0 ] || die "no patches in $series_dir"

# report NAME STATUS LOG: one line per check, the log's tail on failure.
report() {
	if [ "$2" = 0 ]; then
		printf 'PASS  %s\n' "$1"
	else
		printf 'FAIL  %s  (log: %s)\n' "$1" "${3#"$REPO"/}"
		tail -n 25 "$3" | sed 's/^/      | /'
		failed=$((failed + 1))
	fi
}

# The base: pristine, plus the tree's patch directories before its own (for
# the series, base/: minus upstream's implementation, if the source has it).
[ -d "$SRC/.git" ] || die "no kernel source at $SRC (run: scripts/fetch-tree.sh)"
tree_dirs "$series" "$SRC"
if [ ! -e "$wt/.git" ]; then
	mkdir -p "$out"
	git -C "$SRC" worktree prune
	git -C "$SRC" worktree add -q --detach "$wt" pristine
fi
git -C "$wt" am --abort >/dev/null 2>&1 || true
git -C "$wt" checkout -q -f --detach pristine
git -C "$wt" clean -q -fd
for d in $TREE_DIRS; do
	[ "$d" != "$series" ] || break
	for p in "$PATCH_DIR/$d"/[0-9]*.patch; do
		[ "${p##*/}" != 0000-cover-letter.patch ] || continue
		git -C "$wt" -c user.name=check -c user.email=check@localhost am -q "$p" ||
			die "base patch $p does not apply"
	done
done
base=$(git -C "$wt" rev-parse HEAD)
# checkpatch and friends run in the toolchain root: let it see the patches.
export ROOT_BINDS="${ROOT_BINDS:-} $PATCH_DIR"

# --- tags ---
log=$logs/tags.log
rc=0
python3 "$REPO/scripts/check-tags.py" ${FIXES_GIT_DIR:+--git-dir "$FIXES_GIT_DIR"} \
	"${patches[@]}" >"$log" 2>&1 || rc=$?
report tags "$rc" "$log"
[ "$rc" = 0 ] && grep -E '^(identity|warning):' "$log" | sed 's/^/      /'

# --- checkpatch ---
log=$logs/checkpatch.log
: >"$log"
rc=0
waivers=$PATCH_DIR/checkpatch-waivers.conf
for p in "${patches[@]}"; do
	num=${p##*/}
	num=${num%%-*}
	ignore=$(awk -v n="$series/$num" '$1 == n { printf "%s%s", sep, $2; sep = "," }' "$waivers")
	# The Debian source has no history for checkpatch to look Fixes: shas up
	# in; the tags check verifies them (FIXES_GIT_DIR).
	ignore=${ignore:+$ignore,}UNKNOWN_COMMIT_ID
	if ! (cd "$wt" && in_root perl scripts/checkpatch.pl --strict --show-types -q \
			--ignore "$ignore" "$p") >>"$log" 2>&1; then
		echo "^^^ ${p##*/}" >>"$log"
		rc=1
	fi
done
report checkpatch "$rc" "$log"
awk -v s="$series/" '!/^#/ && index($1, s) == 1 { $1 = "      waived in " $1 ":"; print }' "$waivers"

# --- apply ---
log=$logs/apply.log
rc=0
for p in "${patches[@]}"; do
	echo "applying ${p##*/}" >>"$log"
	if ! git -C "$wt" -c user.name=check -c user.email=check@localhost \
			am -q "$p" >>"$log" 2>&1; then
		git -C "$wt" am --abort >/dev/null 2>&1 || true
		echo "patch ${p##*/} does not apply" >>"$log"
		rc=1
		break
	fi
done
report apply "$rc" "$log"
[ "$rc" = 0 ] || exit "$failed"
mapfile -t commits < <(git -C "$wt" rev-list --reverse "$base..HEAD")

# Objects a commit touches, plus the users of the headers the series adds to.
objects_of() {
	local arch=$1 commit=$2 f
	git -C "$wt" diff --name-only "$commit~1" "$commit" -- '*.c' |
		while read -r f; do
			case $f in
			arch/*) [ "${f#arch/"$3"/}" != "$f" ] || continue ;;
			tools/*) continue ;;	# user space: not a kernel object
			esac
			echo "${f%.c}.o"
		done
	printf '%s\n' kernel/bpf/arena.o mm/memory.o mm/vmalloc.o "arch/$3/mm/fault.o"
}

# A defconfig with the arena, once per arch and compiler (CC: gcc or clang);
# only named objects get built.
configure() {
	local arch=$1 cc=${CC_KIND:-gcc} b=$out/$1
	load_arch "$arch"
	[ "$cc" = clang ] && b=$out/$1-clang
	mkdir -p "$b"
	make_args=(-C "$wt" O="$b" ARCH="$ARCH_KARCH" -j"${JOBS:-$(nproc)}" -s)
	if [ "$cc" = clang ]; then
		# the versioned LLVM tools of the toolchain root (clang-NN, llvm-ar-NN)
		make_args+=(LLVM=-"$(sed -n 's/^clang-\([0-9]*\)$/\1/p' "$REPO/configs/toolchain.packages")")
	elif [ -n "$ARCH_CROSS" ]; then
		make_args+=(CROSS_COMPILE="$ARCH_CROSS")
	fi
	if [ ! -f "$b/.config" ]; then
		in_root make "${make_args[@]}" defconfig
		in_root sh -c "cd '$wt' && scripts/config --file '$b/.config' \
			-e BPF_SYSCALL -e BPF_JIT -e DEBUG_KERNEL -e KFENCE"
		in_root make "${make_args[@]}" olddefconfig
	fi
	in_root make "${make_args[@]}" prepare
}

# --- bisect: each commit, each arch, with gcc and with clang ---
for CC_KIND in gcc clang; do
	name=bisect
	[ "$CC_KIND" = clang ] && name=bisect-clang
	log=$logs/$name.log
	: >"$log"
	rc=0
	for arch in $arches; do
		load_arch "$arch"
		srcarch=$ARCH_SRCARCH
		git -C "$wt" checkout -q -f "$base"
		configure "$arch" >>"$log" 2>&1 || { echo "cannot configure $arch" >>"$log"; rc=1; continue; }
		for c in "${commits[@]}"; do
			git -C "$wt" checkout -q -f "$c"
			objs=$(objects_of "$arch" "$c" "$srcarch" | sort -u | tr '\n' ' ')
			echo "== $arch $(git -C "$wt" log -1 --format=%s "$c"): $objs" >>"$log"
			# shellcheck disable=SC2086
			if ! in_root make "${make_args[@]}" $objs >>"$log" 2>&1; then
				echo "^^^ does not build on $arch ($CC_KIND)" >>"$log"
				rc=1
			fi
		done
	done
	report "$name" "$rc" "$log"
done
CC_KIND=gcc

# --- kernel-doc: nothing new against the base ---
kdoc() {
	local f files
	files=$(git -C "$wt" diff --name-only "$base" "${commits[-1]}" -- '*.c' '*.h' ':!tools')
	for f in $files; do
		[ -f "$wt/$f" ] || continue
		# without line numbers ("file:123:" or "file:123 "), which the
		# series shifts
		(cd "$wt" && in_root python3 scripts/kernel-doc -none "$f") 2>&1 |
			sed -E 's/:[0-9]+([: ])/\1/' || true
	done | sort -u
}
log=$logs/kernel-doc.log
git -C "$wt" checkout -q -f "$base"
kdoc >"$log.base"
git -C "$wt" checkout -q -f "${commits[-1]}"
kdoc >"$log.tip"
rc=0
if new=$(comm -13 "$log.base" "$log.tip") && [ -n "$new" ]; then
	printf 'new kernel-doc warnings:\n%s\n' "$new" >"$log"
	rc=1
else
	: >"$log"
fi
rm -f "$log.base" "$log.tip"
report kernel-doc "$rc" "$log"

# Warnings of a build of the touched objects, without line numbers.
touched_objs=$(git -C "$wt" diff --name-only "$base" HEAD -- '*.c' ':!tools' | sed 's/\.c$/.o/')
touched_files=$(git -C "$wt" diff --name-only "$base" HEAD | tr '\n' '|')
warnings() {
	local arch=$1 extra=$2 objs=""
	load_arch "$arch"
	for o in $touched_objs; do
		case $o in arch/*) [ "${o#arch/"$ARCH_SRCARCH"/}" != "$o" ] || continue ;; esac
		objs="$objs $o"
	done
	configure "$arch" >/dev/null 2>&1
	# shellcheck disable=SC2086
	in_root make "${make_args[@]}" $extra $objs 2>&1 |
		grep -E "^[^ ]+:[0-9]+:[0-9]+: (warning|error)|: (warning|error): " |
		grep -E "${touched_files%|}" | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u || true
}

# --- sparse and W=1: nothing new against the base ---
for check in sparse w1; do
	case $check in
	sparse) extra="C=2 CHECK=sparse" ;;
	w1) extra="W=1" ;;
	esac
	log=$logs/$check.log
	: >"$log"
	rc=0
	for arch in $arches; do
		git -C "$wt" checkout -q -f "$base"
		warnings "$arch" "$extra" >"$log.base"
		git -C "$wt" checkout -q -f "${commits[-1]}"
		warnings "$arch" "$extra" >"$log.tip"
		if new=$(comm -13 "$log.base" "$log.tip") && [ -n "$new" ]; then
			printf '%s: new warnings:\n%s\n' "$arch" "$new" >>"$log"
			rc=1
		fi
	done
	rm -f "$log.base" "$log.tip"
	report "$check" "$rc" "$log"
done

# --- maintainers: get_maintainer.pl must find someone to send it to ---
log=$logs/maintainers.log
rc=0
(cd "$wt" && in_root perl scripts/get_maintainer.pl --no-git --no-git-fallback \
	--no-rolestats "${patches[@]}") >"$log" 2>&1 || rc=$?
[ "$rc" != 0 ] || grep -q '@' "$log" || { echo "no maintainer or list found" >>"$log"; rc=1; }
report maintainers "$rc" "$log"
[ "$rc" = 0 ] && sed 's/^/      /' "$log"

exit "$failed"
