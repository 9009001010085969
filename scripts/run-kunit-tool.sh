#!/bin/bash
# run-kunit-tool.sh TREE ARCH: the KUnit suite the way the README tells a
# kernel developer to run it: its `kunit.py run` command, taken from the
# README's "kunit-tool" block (so that the documented command cannot rot),
# with the arch put in and <repo> replaced.  It configures, builds and boots
# a kernel of its own from configs/kunit/arena_kfault.kunitconfig alone
# (build directory .kunit-ARCH in the tree).  Only --json and --timeout are
# added.  Writes build/results/TREE-ARCH-kunit_tool.{json,ktap},
# build/logs/TREE-ARCH-kunit_tool.console and .kunit-py.log (kunit.py's
# output); judged like the kunit suite, and fails like scripts/run-kunit.sh
# when the kernel did not end by itself after its results.
# --print: only print the command.
set -eu
. "$(dirname "$0")/lib.sh"

print=
[ "${1:-}" = --print ] && { print=1; shift; }
tree_arch_args "$@"
name=$tree-$ARCH_NAME-kunit_tool

# The README's block: its one command, continuation lines joined.
cmd=$(sed -n '/^<!-- kunit-tool -->$/,/^<!-- \/kunit-tool -->$/p' "$REPO/README.md" |
	sed -n '/^```sh$/,/^```$/p' | grep -v '^```' | sed -e ':a' -e '/\\$/N; s/\\\n *//; ta')
[ "$(printf '%s\n' "$cmd" | grep -c .)" = 1 ] ||
	die "README.md: the kunit-tool block must hold exactly one command, not: $cmd"
case $cmd in
"tools/testing/kunit/kunit.py run --arch=x86_64 "*) ;;
*) die "README.md: the kunit-tool block must be a kunit.py run for --arch=x86_64, not: $cmd" ;;
esac
arch_args="--arch=$ARCH_KARCH${ARCH_CROSS:+ --cross_compile=$ARCH_CROSS}"
cmd=${cmd//--arch=x86_64/$arch_args}
cmd=${cmd//.kunit-x86_64/.kunit-$ARCH_NAME}
cmd=${cmd//<repo>/$REPO}
cmd="$cmd --json=$RESULTS/$name.json --timeout=${KUNIT_TIMEOUT:-$(scaled 300)}"
echo "\$ $cmd"
[ -z "$print" ] || exit 0

mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS/$name".* "$LOGS/$name.console" "$LOGS/$name.kunit-py.log"
cd "$src"
in_root bash -c "$cmd" 2>&1 | tee "$LOGS/$name.kunit-py.log"
rc=${PIPESTATUS[0]}
kunit_collect "$src/.kunit-$ARCH_NAME/test.log" "$name" "$rc"
