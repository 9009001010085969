#!/bin/bash
# build-kernel.sh TREE ARCH: configure and build the kernel of TREE for ARCH
# with kunit.py, out of tree, inside the toolchain root.  One kernel serves
# every suite; its kunitconfig is kernel_config_merge's (scripts/lib.sh),
# later files overriding earlier ones:
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
merged=$(kernel_config_merge "$src" "$out")
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
