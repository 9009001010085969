#!/bin/bash
# build-kernel.sh TREE ARCH: configure and build the kernel of TREE for ARCH
# with kunit.py, out of tree, inside the toolchain root.  One kernel serves
# every suite; its kunitconfig is, later files overriding earlier ones:
#   configs/kunit/*.kunitconfig      the KUnit suite (kunit.py takes it alone)
#   selftests/arena_kfault/config    the kselftests
#   configs/kernel.config            the guest, upstream's BPF selftests, trims
#   configs/kunit/<arch>.config      one arch's options
#   configs/flavours/<name>.config, then <name>.<arch>.config, per $FLAVOURS
# Any of them may also take options from the tree under test, with the
# directives of scripts/lib.sh (config_directive):
#   # arena-kfault: tree-config PATH    merge the tree's PATH (a fragment)
#   # arena-kfault: drop-options REGEX  and leave the CONFIG_<REGEX>
#                                       options it names to Kconfig,
#                                       whichever file set them
# scripts/check-config.py checks the configured .config before make runs.
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
[ -f "$src/Makefile" ] || die "no $tree tree at $src (run: scripts/prepare-tree.sh $tree)"
mkdir -p "$out"

args=(--build_dir="$out" --arch="$ARCH_KARCH")
[ -n "$ARCH_CROSS" ] && args+=(--cross_compile="$ARCH_CROSS")
# KUNITCONFIGS replaces configs/kunit/*.kunitconfig (prove-base-oopses.sh).
fragments=()
for f in ${KUNITCONFIGS:-"$REPO"/configs/kunit/*.kunitconfig} "$REPO/selftests/arena_kfault/config" \
	"$REPO/configs/kernel.config" "$REPO/configs/kunit/$ARCH_NAME.config"; do
	[ -f "$f" ] && fragments+=("$f")
done
for fl in ${FLAVOURS:-}; do
	f=$REPO/configs/flavours/$fl.config
	[ -f "$f" ] || die "unknown flavour '$fl' (no $f)"
	fragments+=("$f")
	f=${f%.config}.$ARCH_NAME.config
	[ -f "$f" ] && fragments+=("$f")
done
files=() drops=
for f in "${fragments[@]}"; do
	config_directive tree-config "$f" >/dev/null	# checks them all, here
	while read -r tree_cfg; do
		[ -f "$src/$tree_cfg" ] || die "${f#"$REPO"/}: the $tree tree has no $tree_cfg"
		t=$out/tree-$(basename "$tree_cfg" | tr -c 'A-Za-z0-9_.\n' _).config
		cp "$src/$tree_cfg" "$t"
		files+=("$t")
	done < <(config_directive tree-config "$f")
	files+=("$f")
	while read -r d; do
		drops="${drops:+$drops|}$d"
	done < <(config_directive drop-options "$f")
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
# takes tens of seconds per kernel to find that out.
stamp=$out/.arena-kfault-inputs
id=$(kernel_inputs_id "${args[@]}" "$(cat "$merged")")
if [ -f "$out/vmlinux" ] && up_to_date "$stamp" "$id"; then
	info "$tree/$ARCH_NAME${FLAVOURS:+ ($FLAVOURS)}: tree, config and toolchain unchanged since the last build; make skipped"
	exit 0
fi
cd "$src"
in_root python3 tools/testing/kunit/kunit.py config "${args[@]}"
python3 "$REPO/scripts/check-config.py" --src "$src" --fragment "$merged" "$out/.config"
in_root python3 tools/testing/kunit/kunit.py build "${args[@]}" --jobs="${JOBS:-$(nproc)}"
built "$stamp" "$id"
