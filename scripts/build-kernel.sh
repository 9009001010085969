#!/bin/bash
# build-kernel.sh TREE ARCH: configure and build the kernel of TREE for ARCH
# with kunit.py, out of tree, inside the toolchain root.  The kunitconfig is
# configs/kunit/*.kunitconfig plus selftests/arena_kfault/config (the
# kselftests' needs) plus configs/kunit/<arch>.config when present
# plus the fragments named in $FLAVOURS (configs/flavours/<name>.config,
# then configs/flavours/<name>.<arch>.config when present).
# A flavour may also take options from the tree under test:
#   #tree-config PATH      merge the tree's PATH (a config fragment)
#   #drop-options REGEX    and leave the CONFIG_<REGEX> options it names to
#                          Kconfig, whichever file set them
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
[ -f "$src/Makefile" ] || die "no $tree tree at $src (run: scripts/prepare-tree.sh $tree)"
mkdir -p "$out"

args=(--build_dir="$out" --arch="$ARCH_KARCH" --jobs="${JOBS:-$(nproc)}")
[ -n "$ARCH_CROSS" ] && args+=(--cross_compile="$ARCH_CROSS")
# KUNITCONFIGS replaces configs/kunit/*.kunitconfig (prove-base-oopses.sh).
files=() drops=
for f in ${KUNITCONFIGS:-"$REPO"/configs/kunit/*.kunitconfig} "$REPO/selftests/arena_kfault/config" \
	"$REPO/configs/kunit/$ARCH_NAME.config"; do
	[ -f "$f" ] && files+=("$f")
done
for fl in ${FLAVOURS:-}; do
	f=$REPO/configs/flavours/$fl.config
	[ -f "$f" ] || die "unknown flavour '$fl' (no $f)"
	for f in "$f" "${f%.config}.$ARCH_NAME.config"; do
		[ -f "$f" ] || continue
		tree_cfg=$(sed -n 's/^#tree-config //p' "$f")
		if [ -n "$tree_cfg" ]; then
			[ -f "$src/$tree_cfg" ] || die "flavour $fl: the $tree tree has no $tree_cfg"
			cp "$src/$tree_cfg" "$out/flavour-$fl-tree.config"
			files+=("$out/flavour-$fl-tree.config")
		fi
		files+=("$f")
		d=$(sed -n 's/^#drop-options //p' "$f")
		[ -z "$d" ] || drops="${drops:+$drops|}$d"
	done
done
# One kunitconfig, in which a later file (a flavour) overrides what an
# earlier one sets: kunit.py refuses conflicting values across files.
merged=$out/arena-kfault.kunitconfig
awk '{
	name = ""
	if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) name = substr($0, 1, RLENGTH - 1)
	else if (match($0, /^# CONFIG_[A-Za-z0-9_]+ is not set/)) name = $2
	if (name != "") { if (!(name in pos)) order[++n] = name; pos[name] = $0 }
} END { for (i = 1; i <= n; i++) print pos[order[i]] }' "${files[@]}" |
	grep -vE "^(# )?CONFIG_(${drops:-NONE})[= ]" >"$merged" || true
args+=(--kunitconfig="$merged")

# An unchanged tree, config and toolchain: make would rebuild nothing, but
# takes 10-90 s here to find that out.
stamp=$out/.arena-kfault-inputs
id=$(kernel_inputs_id "${args[@]/--jobs=*/}" "$(cat "$merged")")
if [ -f "$out/vmlinux" ] && up_to_date "$stamp" "$id"; then
	info "$tree/$ARCH_NAME${FLAVOURS:+ ($FLAVOURS)}: tree, config and toolchain unchanged since the last build; make skipped"
	exit 0
fi
cd "$src"
in_root python3 tools/testing/kunit/kunit.py build "${args[@]}"
built "$stamp" "$id"
