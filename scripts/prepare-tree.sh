#!/bin/bash
# prepare-tree.sh TREE: make the source tree for TREE (a tree of
# configs/trees.conf: upstream, series, fixes, base, ...) and print its path.
# The tree is a git worktree of the pristine source ($SRC: the Debian source
# or a --kdir snapshot) with, in order, the patches of the tree's directories
# of kernel-patches/ (its "patches" column; what the tree needs of the source
# is checked first, and a directory marked "?" is left out on a pre-feature
# source) and, for a tree with "fixes-tests", the fixes' regression tests
# (the patches of kernel-patches/fixes/ that only touch
# tools/testing/selftests/); then kunit/ and selftests/ are copied in.
# On a --kdir tree that lacks the tests a selftests-only patch (of fixes/
# or test/) changes, the patch is left out and listed in
# .arena-kfault-unapplied, and bpf_selftests does not run
# (scripts/check-fit.py); on the Debian source every patch must apply.
# A worktree whose patch stack is unchanged is left alone, so that make only
# rebuilds what changed.  MUTANT=FILE applies one more diff (a mutant,
# kernel-patches/<tree>/mutants/, which the patch globs here never pick up)
# on top, uncommitted, for scripts/run-mutants.sh.
set -eu
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: prepare-tree.sh TREE (one of: $(known_trees))}
src=$SRC
load_tree "$tree"
wt=$(tree_src "$tree")
# A mutant that is not there must not leave the tree unmutated unseen.
if [ -n "${MUTANT:-}" ] && { [ ! -f "$MUTANT" ] || [ ! -r "$MUTANT" ]; }; then
	die "MUTANT=$MUTANT: no such file (or not readable)"
fi
# git apply runs in the worktree: a path relative to where it was given
# would not be found there.
if [ -n "${MUTANT:-}" ]; then
	MUTANT=$(realpath "$MUTANT")
fi
[ -d "$src/.git" ] || die "no kernel source at $src (run: scripts/fetch-tree.sh)"

# The tree's patches, in the order they are applied.
patches() {
	local d p
	for d in $TREE_DIRS; do
		for p in "$PATCH_DIR/$d"/[0-9]*.patch; do
			[ ! -f "$p" ] || [ "${p##*/}" = 0000-cover-letter.patch ] || echo "$p"
		done
	done
	[ "$TREE_FIXES_TESTS" = no ] || fixes_tests
}

# The patches of kernel-patches/fixes/ that touch only selftests.
fixes_tests() {
	local p
	for p in "$PATCH_DIR"/fixes/[0-9]*.patch; do
		[ "${p##*/}" != 0000-cover-letter.patch ] || continue
		case $p in "$PATCH_DIR"/fixes/*) is_selftests_patch "$p" && echo "$p" ;; esac
	done
	return 0
}

# is_selftests_patch PATCH: a patch of fixes/ or test/ that only touches
# tools/testing/selftests/.
is_selftests_patch() {
	case $1 in "$PATCH_DIR"/fixes/*|"$PATCH_DIR"/test/*) ;; *) return 1 ;; esac
	[ -f "$1" ] && ! grep '^diff --git ' "$1" | grep -qv ' a/tools/testing/selftests/'
}

# why_not PATCH OUTPUT: why git apply -v refused PATCH, in one line, from
# its OUTPUT: the file and the first hunk that did not match (with the
# first line git looked for), else git's first error.
why_not() {
	local patch=$1 out=$2 at file line hunk want
	at=$(echo "$out" | sed -n 's/^error: patch failed: \(.*:[0-9][0-9]*\)$/\1/p' | head -1)
	if [ -z "$at" ]; then
		echo "$out" | sed -n 's/^error: //p' | head -1 |
			sed -e 's/does not exist in index$/not in the tree/' \
			    -e 's/already exists in index$/already in the tree/'
		return
	fi
	file=${at%:*} line=${at##*:}
	hunk=$(awk -v f="$file" -v l="$line" '
		/^diff --git / { here = ($3 == "a/" f || $4 == "b/" f) }
		/^\+\+\+ / { here = ($2 == "b/" f) }
		here && /^@@ / { split($2, a, ","); if (a[1] == "-" l) { print; exit } }' "$patch")
	want=$(echo "$out" | sed -n '/^error: while searching for:$/,/^error: patch failed/p' |
		sed '1d;$d' | grep -m1 '[^[:space:]]' | sed 's/^[[:space:]]*//' | cut -c1-60 || true)
	echo "$file: its hunk ${hunk:-at line $line} does not match the tree${want:+ (no \"$want\" there)}"
}

tree_dirs "$tree" "$src"
list=$(patches)
stack_id=$( (git -C "$src" rev-parse pristine
	for p in $list; do sha1sum <"$p"; done) | sha1sum | cut -c1-12)

if [ ! -d "$wt/.git" ] && [ ! -f "$wt/.git" ]; then
	mkdir -p "$(dirname "$wt")"
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$wt" pristine ||
		die "cannot create worktree $wt"
fi

if [ "$(cat "$wt/.arena-kfault-stack" 2>/dev/null)" != "$stack_id" ]; then
	info "applying $(echo "$list" | grep -c . || true) patches to $tree tree"
	# Build the stack as one commit in a scratch index, then check it out:
	# git rewrites only the files whose content changes, so make rebuilds
	# only what the new stack really changes.
	idx=$(mktemp)
	trap 'rm -f "$idx"' EXIT
	GIT_INDEX_FILE=$idx git -C "$wt" read-tree pristine
	: >"$wt/.arena-kfault-unapplied"
	for p in $list; do
		if ! out=$(GIT_INDEX_FILE=$idx git -C "$wt" apply -v --cached "$p" 2>&1); then
			why=$(why_not "$p" "$out")
			# A selftests patch on a tree of your own (--kdir) that
			# lacks the tests it changes: only bpf_selftests, which
			# runs them, cannot run (scripts/check-fit.py says so).
			if is_selftests_patch "$p" && [ "$SRC_ID" != debian ]; then
				printf '%s\t%s\n' "${p#"$PATCH_DIR"/}" "$why" >>"$wt/.arena-kfault-unapplied"
				warn "not applied to the $tree tree: ${p#"$PATCH_DIR"/}: $why"
				continue
			fi
			die "patch ${p#"$PATCH_DIR"/} does not apply to the $tree tree: $why"
		fi
	done
	commit=$(git -C "$wt" -c user.name=arena-kfault -c user.email=arena-kfault@localhost \
		commit-tree "$(GIT_INDEX_FILE=$idx git -C "$wt" write-tree)" -p pristine \
		-m "arena-kfault $tree stack $stack_id")
	git -C "$wt" am --abort >/dev/null 2>&1 || true
	git -C "$wt" checkout -q -f --detach "$commit"
	echo "$stack_id" >"$wt/.arena-kfault-stack"
	rm -f "$wt/.arena-kfault-mutant"
fi

# A mutant is the only uncommitted change to tracked files.  Undo the last
# one (git rewrites only the files that differ, so make rebuilds only what
# the mutants touched) and apply the new one, if any.
mutant_id=$(if [ -n "${MUTANT:-}" ]; then sha1sum <"$MUTANT" | cut -c1-12; fi)
if [ "$(cat "$wt/.arena-kfault-mutant" 2>/dev/null)" != "$mutant_id" ]; then
	git -C "$wt" checkout -q -f HEAD -- .
	if [ -n "$mutant_id" ]; then
		out=$(git -C "$wt" apply -v "$MUTANT" 2>&1) ||
			die "mutant ${MUTANT##*/} does not apply to the $tree tree: $(why_not "$MUTANT" "$out")"
	fi
	echo "$mutant_id" >"$wt/.arena-kfault-mutant"
fi

# The test sources live in this repo; copy them in, touching only files whose
# content changed so incremental builds stay incremental: install_changed
# FROM TO [FIND-ARGS...].
install_changed() {
	local from=$1 to=$2 f
	shift 2
	mkdir -p "$to"
	(cd "$from" && find . "$@" -type f ! -name '.*' ! -name 'README*') | while read -r f; do
		mkdir -p "$to/$(dirname "$f")"
		cmp -s "$from/$f" "$to/$f" || cp "$from/$f" "$to/$f"
	done
}
install_changed "$REPO/kunit" "$wt/kernel/bpf" -maxdepth 1
install_changed "$REPO/selftests/arena_kfault" "$wt/tools/testing/selftests/arena_kfault"
echo "$wt"
