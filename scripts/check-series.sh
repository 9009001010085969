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
# CHECKS: the checks to run, by these names (default: all of them; they run
# in this order whatever the order given).  apply runs, unreported, for the
# checks that need the series applied.  Arches: $CHECK_ARCHES (default:
# every arch of configs/arches.conf).  Exit status: number of failed checks
# (0 = ready to send).
set -eu
. "$(dirname "$0")/lib.sh"

all_checks="tags checkpatch apply bisect bisect-clang kernel-doc sparse w1 maintainers"
# The bisect checks and the compiler each builds with.
declare -A bisect_compiler=([bisect]=gcc [bisect-clang]=clang)
checks=${CHECKS:-$all_checks}
for c in $checks; do
	case " $all_checks " in
	*" $c "*) ;;
	*) die "unknown check '$c' in CHECKS (known: $all_checks)" ;;
	esac
done
arches=${CHECK_ARCHES:-$(known_arches)}
for a in $arches; do load_arch "$a"; done	# an unknown one is an error now
series=${SERIES:-series}
load_sent_tree "$series"
series_dir=$PATCH_DIR/$series
out=$WORK/check
wt=$out/src
logs=$LOGS/check-series-$series
mkdir -p "$logs" "$out"
# One check at a time per cache: they share the worktree and its builds
# (make check's submission row beside a make check-series, or two clones).
exec 9>"$out/.lock"
if ! flock -n 9; then
	info "waiting for another check-series.sh on this cache ($out)"
	flock 9
fi
failed=0
applied=	# ok or failed, once apply_series ran
commits=()

patches=()
for p in "$series_dir"/[0-9]*.patch; do
	[ ! -f "$p" ] || [ "${p##*/}" = 0000-cover-letter.patch ] || patches+=("$p")
done
[ ${#patches[@]} -gt 0 ] || die "no patches in $series_dir"
# checkpatch and friends run in the toolchain root: let it see the patches.
export ROOT_BINDS="${ROOT_BINDS:-} $PATCH_DIR"

# report NAME STATUS LOG [shown]: one line per check, the log's tail on
# failure unless the check has shown its report already.
report() {
	if [ "$2" = 0 ]; then
		printf 'PASS  %s\n' "$1"
	else
		printf 'FAIL  %s  (log: %s)\n' "$1" "${3#"$REPO"/}"
		[ -n "${4:-}" ] || tail -n 25 "$3" | sed 's/^/      | /'
		failed=$((failed + 1))
	fi
}

# prepare_base: the worktree at the base: pristine, plus the tree's patch
# directories before its own (for the series, base/: minus upstream's
# implementation, if the source has it).  Sets $base.
prepare_base() {
	local d p
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
			am "$p" || die "base patch $p does not apply"
		done
	done
	base=$(git -C "$wt" rev-parse HEAD)
}

# am PATCH: git am in the worktree, as the same committer at the author's
# date: the same patches on the same base make the same commits.
am() {
	git -C "$wt" -c user.name=check -c user.email=check@localhost \
		am -q --committer-date-is-author-date "$1"
}

check_tags() {
	local log=$logs/tags.log rc=0
	python3 "$REPO/scripts/check-tags.py" ${FIXES_GIT_DIR:+--git-dir "$FIXES_GIT_DIR"} \
		"${patches[@]}" >"$log" 2>&1 || rc=$?
	report tags "$rc" "$log"
	[ "$rc" = 0 ] && grep -E '^(identity|warning):' "$log" | sed 's/^/      /'
	return 0
}

check_checkpatch() {
	local log=$logs/checkpatch.log rc=0 waivers=$PATCH_DIR/checkpatch-waivers.conf p num ignore
	: >"$log"
	for p in "${patches[@]}"; do
		num=${p##*/}
		num=${num%%-*}
		ignore=$(awk -v n="$series/$num" '$1 == n { printf "%s%s", sep, $2; sep = "," }' "$waivers")
		# The Debian source has no history for checkpatch to look Fixes:
		# shas up in; the tags check verifies them (FIXES_GIT_DIR).
		ignore=${ignore:+$ignore,}UNKNOWN_COMMIT_ID
		if ! (cd "$wt" && in_root perl scripts/checkpatch.pl --strict --show-types -q \
				--ignore "$ignore" "$p") >>"$log" 2>&1; then
			echo "^^^ ${p##*/}" >>"$log"
			rc=1
		fi
	done
	report checkpatch "$rc" "$log"
	awk -v s="$series/" '!/^#/ && index($1, s) == 1 { $1 = "      waived in " $1 ":"; print }' "$waivers"
}

# apply_series: git am of every patch on the base, once; sets $commits.
apply_series() {
	local log=$logs/apply.log p
	[ -z "$applied" ] || return 0
	applied=failed
	: >"$log"
	for p in "${patches[@]}"; do
		echo "applying ${p##*/}" >>"$log"
		if ! am "$p" >>"$log" 2>&1; then
			git -C "$wt" am --abort >/dev/null 2>&1 || true
			echo "patch ${p##*/} does not apply" >>"$log"
			return 1
		fi
	done
	mapfile -t commits < <(git -C "$wt" rev-list --reverse "$base..HEAD")
	applied=ok
}

check_apply() {
	local rc=0
	apply_series || rc=1
	report apply "$rc" "$logs/apply.log"
}

# need_series NAME: the series applied for check NAME; when it is not, NAME
# fails saying so.
need_series() {
	apply_series && return 0
	echo "the series does not apply (see apply.log)" >"$logs/$1.log"
	report "$1" 1 "$logs/$1.log"
	return 1
}

# objects_of COMMIT: the objects COMMIT touches for the loaded arch, plus
# the users of the headers the series adds to.
objects_of() {
	local f
	git -C "$wt" diff --name-only "$1~1" "$1" -- '*.c' |
		while read -r f; do
			case $f in
			arch/*) [ "${f#arch/"$ARCH_SRCARCH"/}" != "$f" ] || continue ;;
			tools/*) continue ;;	# user space: not a kernel object
			esac
			echo "${f%.c}.o"
		done
	printf '%s\n' kernel/bpf/arena.o mm/memory.o mm/vmalloc.o "arch/$ARCH_SRCARCH/mm/fault.o"
}

# check_bisect NAME: every commit builds the objects it touches, per arch.
check_bisect() {
	local name=$1 log=$logs/$1.log rc=0 arch c objs
	need_series "$name" || return 0
	: >"$log"
	for arch in $arches; do
		git -C "$wt" checkout -q -f "$base"
		configure_defconfig "$arch" "${bisect_compiler[$name]}" >>"$log" 2>&1 ||
			{ echo "cannot configure $arch" >>"$log"; rc=1; continue; }
		for c in "${commits[@]}"; do
			git -C "$wt" checkout -q -f "$c"
			objs=$(objects_of "$c" | sort -u | tr '\n' ' ')
			echo "== $arch $(git -C "$wt" log -1 --format=%s "$c"): $objs" >>"$log"
			# shellcheck disable=SC2086
			if ! in_root make "${make_args[@]}" $objs >>"$log" 2>&1; then
				echo "^^^ does not build on $arch (${bisect_compiler[$name]})" >>"$log"
				rc=1
			fi
		done
	done
	report "$name" "$rc" "$log"
}

# kdoc: kernel-doc's warnings on the files the series touches, without line
# numbers ("file:123:" or "file:123 "), which the series shifts.
kdoc() {
	local f files
	files=$(git -C "$wt" diff --name-only "$base" "${commits[-1]}" -- '*.c' '*.h' ':!tools')
	for f in $files; do
		[ -f "$wt/$f" ] || continue
		(cd "$wt" && in_root python3 scripts/kernel-doc -none "$f") 2>&1 |
			sed -E 's/:[0-9]+([: ])/\1/' || true
	done | sort -u
}

check_kernel_doc() {
	local log=$logs/kernel-doc.log rc=0 new
	need_series kernel-doc || return 0
	git -C "$wt" checkout -q -f "$base"
	kdoc >"$log.base"
	git -C "$wt" checkout -q -f "${commits[-1]}"
	kdoc >"$log.tip"
	: >"$log"
	if new=$(comm -13 "$log.base" "$log.tip") && [ -n "$new" ]; then
		printf 'new kernel-doc warnings:\n%s\n' "$new" >"$log"
		rc=1
	fi
	rm -f "$log.base" "$log.tip"
	report kernel-doc "$rc" "$log"
}

# configure_defconfig ARCH [COMPILER]: a defconfig with the arena in
# $out/ARCH (with clang: $out/ARCH-clang), of which the checks build only
# named objects; sets $make_args.
configure_defconfig() {
	local cc=${2:-gcc} b=$out/$1
	load_arch "$1"
	[ "$cc" = gcc ] || b=$out/$1-$cc
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

# touched_warnings ARCH MAKEVAR...: the warnings of a build of the objects
# the series touches, without line numbers.
touched_warnings() {
	local arch=$1 o objs=() objects files
	shift
	objects=$(git -C "$wt" diff --name-only "$base" "${commits[-1]}" -- '*.c' ':!tools' | sed 's/\.c$/.o/')
	files=$(git -C "$wt" diff --name-only "$base" "${commits[-1]}" | tr '\n' '|')
	configure_defconfig "$arch" >/dev/null 2>&1
	for o in $objects; do
		case $o in arch/*) [ "${o#arch/"$ARCH_SRCARCH"/}" != "$o" ] || continue ;; esac
		objs+=("$o")
	done
	in_root make "${make_args[@]}" "$@" "${objs[@]}" 2>&1 |
		grep -E "^[^ ]+:[0-9]+:[0-9]+: (warning|error)|: (warning|error): " |
		grep -E "${files%|}" | sed -E 's/:[0-9]+:[0-9]+:/:/' | sort -u || true
}

# check_warnings NAME MAKEVAR...: no warning of a build with MAKEVARs of
# the touched objects that the base did not have, on any arch.
check_warnings() {
	local name=$1 log=$logs/$1.log rc=0 arch new
	shift
	need_series "$name" || return 0
	: >"$log"
	for arch in $arches; do
		git -C "$wt" checkout -q -f "$base"
		touched_warnings "$arch" "$@" >"$log.base"
		git -C "$wt" checkout -q -f "${commits[-1]}"
		touched_warnings "$arch" "$@" >"$log.tip"
		if new=$(comm -13 "$log.base" "$log.tip") && [ -n "$new" ]; then
			printf '%s: new warnings:\n%s\n' "$arch" "$new" >>"$log"
			rc=1
		fi
	done
	rm -f "$log.base" "$log.tip"
	report "$name" "$rc" "$log"
}

check_maintainers() {
	local log=$logs/maintainers.log rc=0
	(cd "$wt" && in_root perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats "${patches[@]}") >"$log" 2>&1 || rc=$?
	[ "$rc" != 0 ] || grep -q '@' "$log" || { echo "no maintainer or list found" >>"$log"; rc=1; }
	report maintainers "$rc" "$log"
	[ "$rc" = 0 ] && sed 's/^/      /' "$log"
	return 0
}

# run_check NAME: one check.
run_check() {
	case $1 in
	tags) check_tags ;;
	checkpatch) check_checkpatch ;;
	apply) check_apply ;;
	bisect|bisect-clang) check_bisect "$1" ;;
	kernel-doc) check_kernel_doc ;;
	sparse) check_warnings sparse C=2 CHECK=sparse ;;
	w1) check_warnings w1 W=1 ;;
	maintainers) check_maintainers ;;
	esac
}

prepare_base
for c in $all_checks; do
	case " $checks " in *" $c "*) run_check "$c" ;; esac
done
exit "$failed"
