#!/bin/bash
# import-tree.sh PATH: snapshot the user's kernel tree PATH (for --kdir) into
# $CACHE/src/kdir-<hash of PATH> as a git repository tagged "pristine", the
# same shape fetch-tree.sh gives the Debian source.  PATH itself is never
# written to.  Prints the SRC_ID to use ("debian" when PATH is the Debian
# source the harness fetches, see the end).
#
# The snapshot takes every file of PATH, whatever its ignore rules say
# (Debian's linux-source ships a top-level .gitignore "/*", which hides the
# whole tree from git) and whatever the user's git configuration says
# (global excludes, hooks, signing, autocrlf: none of it is read here).
# Left out, by the explicit list below and nothing else:
#   - version control: .git at any depth (a nested one would make git take
#     its directory as a submodule, without its files);
#   - what a kernel build in the tree made: the files `make mrproper`
#     removes (an in-tree .config, include/config and the generated headers
#     would break the out-of-tree builds and shadow their headers), every
#     file with kbuild's command record .NAME.cmd beside it (vmlinux, the
#     boot images, generated sources), and a top-level directory holding a
#     build of its own (O=DIR, kunit.py's .kunit*: a .config or
#     include/generated/autoconf.h in it);
#   - Python byte-code caches (kunit.py rewrites them in the build tree);
#   - the harness's own markers (.arena-kfault-*).
# Other build output (of tools/ or the selftests) is taken; the harness
# builds those into directories of its own.  The snapshot is then checked:
# everything copied is committed, and the kernel's top-level Makefile and
# kernel/bpf/arena.c are in it.
set -eu
. "$(dirname "$0")/lib.sh"

kdir=${1:?usage: import-tree.sh PATH}
[ -d "$kdir" ] || die "--kdir $kdir: no such directory"
kdir=$(cd "$kdir" && pwd)
[ -f "$kdir/Makefile" ] && grep -q '^VERSION = ' "$kdir/Makefile" &&
	[ -f "$kdir/tools/testing/kunit/kunit.py" ] ||
	die "--kdir $kdir is not a kernel source tree (no top Makefile or kunit.py)"
[ -f "$kdir/kernel/bpf/arena.c" ] ||
	die "--kdir $kdir has no BPF arena (kernel/bpf/arena.c): too old for this feature"
[ -f "$kdir/.config" ] && [ -z "${ALLOW_CONFIGURED:-}" ] &&
	warn "--kdir $kdir has an in-tree build; only sources are imported"

# Git as it comes, never the user's or the system's configuration.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

id=kdir-$(echo "$kdir" | sha1sum | cut -c1-10)
dst=$CACHE/src/$id
mkdir -p "$dst"

# import_excludes: the rsync exclude patterns of what is left out (above).
import_excludes() {
	local d
	# make mrproper's files and directories, and make clean's patterns.
	printf '%s\n' .git '/.arena-kfault-*' __pycache__ '*.pyc' \
		/.config /.config.old /.version /Module.symvers /modules-only.symvers \
		/vmlinux /vmlinux.* /.vmlinux.* /System.map /vmlinux-gdb.py \
		/modules.builtin /modules.builtin.* /builtin.order /compile_commands.json \
		/.builtin-dtbs-list /.builtin-dtbs.S /include/config/ /include/generated/ \
		'/arch/*/include/generated/' /certs/signing_key.pem /certs/x509.genkey \
		'*.[aios]' '*.ko' '*.ko.*' '*.mod' '*.mod.c' '.*.cmd' '.*.d' '.*.tmp' '.tmp_*' \
		'*.o.thinlto.bc' '*.rsi' '*.rmeta' '*.dtb' '*.dtbo' '*.dtb.S' '*.dtbo.S' \
		'*.dwo' '*.lst' '*.su' '*.symtypes' modules.order '*.lex.c' '*.tab.[ch]' \
		'*.asn1.[ch]' '*.gcno' '*.ll' '*.c.[012]*.*' '*.long-type-*.txt'
	# What kbuild made: it keeps the command of each target in .NAME.cmd
	# (those the patterns above cover left out: rsync tries every pattern
	# on every file).
	(cd "$kdir" && find . -name .git -prune -o -type f -name '.?*.cmd' -print) |
		sed -n 's|^\.\(.*/\)\.\(.*\)\.cmd$|\1\2|p' |
		grep -Ev '\.([aios]|ko|mod|mod\.c|dtbo?|symtypes|lst|su)$|^/include/(generated|config)/|^/arch/[^/]*/include/generated/' ||
		true
	# A build directory of its own.
	for d in "$kdir"/* "$kdir"/.[!.]*; do
		[ -d "$d" ] && [ ! -L "$d" ] || continue
		if [ -f "$d/.config" ] || [ -f "$d/include/generated/autoconf.h" ]; then
			info "not importing ${d##*/}/: a kernel build directory"
			echo "/${d##*/}/"
		fi
	done
	return 0
}

# The copy: unchanged files are not copied again, and what the rules
# above now leave out goes from an earlier snapshot too (but not its .git).
(cd "$dst" && import_excludes | ROOT_BINDS=$kdir in_root rsync -a --delete \
	--delete-excluded --filter='P /.git' --exclude-from=- "$kdir/" "$dst/") ||
	die "cannot copy $kdir into $dst"

(
	cd "$dst"
	[ -d .git ] || { git init -q -b source . && git config gc.auto 0; }
	# Later git commands in it and its worktrees (prepare-tree.sh,
	# kernel_inputs_id) run with the user's configuration: not with the
	# user's excludes, hooks, signing or line-ending conversion.
	git config core.excludesFile /dev/null
	git config core.hooksPath /dev/null
	git config commit.gpgSign false
	git config core.autocrlf false
	: >.git/info/exclude
	# The files as they are: no attribute of the tree's own .gitattributes
	# (line endings, filters, ident) rewrites what is committed.
	echo '* -text -eol -ident -filter -working-tree-encoding' >.git/info/attributes
	# Debian's packaging block hides everything but debian/ from git (as
	# in fetch-tree.sh): drop it, keep upstream's rules.
	if [ -f .gitignore ] && grep -qx '/\*' .gitignore; then
		info "dropping Debian's packaging rules ('/*', '!/debian/') from .gitignore"
		sed -i -e '\|^/\*$|d' -e '\|^!/debian/$|d' .gitignore
	fi
	git add -A -f .
	git -c user.name=arena-kfault -c user.email=arena-kfault@localhost \
		commit -q --no-verify --allow-empty -m "snapshot of $kdir"
	git tag -f pristine >/dev/null
) || die "cannot snapshot $kdir into $dst"

# The check: never an empty or partial snapshot handed on.
left=$(git -C "$dst" ls-files --others | head -3 | tr '\n' ' ')
[ -z "$left" ] ||
	die "the snapshot of $kdir in $dst left files out of its commit (${left% }): git add did not take them"
for f in Makefile kernel/bpf/arena.c; do
	git -C "$dst" cat-file -e "pristine:$f" 2>/dev/null && continue
	if [ -e "$dst/$f" ]; then
		why="git did not commit it"
	else
		why="the copy left it out as build output"
	fi
	die "the snapshot of $kdir has no $f: $why (the snapshot has $(git -C "$dst" ls-tree -r --name-only pristine | wc -l) files, in $dst)"
done
# The harness adds the KUnit source untracked next to arena.c, and decides
# whether a kernel needs building again from the untracked files git shows:
# the tree's ignore rules must not hide it.
for f in "$REPO"/kunit/*.c; do
	f=kernel/bpf/${f##*/}
	if git -C "$dst" check-ignore -q --no-index "$f"; then
		rule=$(git -C "$dst" check-ignore --no-index -v "$f" | cut -f1)
		die "the ignore rule $rule of $kdir hides $f, which the harness adds to the tree"
	fi
done
# A copy of the source the harness fetches itself (Debian's linux-source,
# scripts/fetch-tree.sh) is that source: the run takes its worktrees and
# build trees, and its known failures apply.  Same source: the same files
# with the same contents, dot-files aside (fetch-tree.sh's snapshot leaves
# them out, as Debian's .gitignore hides them; no build reads them).
deb=$CACHE/src/debian
if [ -f "$deb/.arena-kfault-version" ] &&
	[ "$(source_listing "$deb")" = "$(source_listing "$dst")" ]; then
	info "$kdir is $KERNEL_PACKAGE $(cat "$deb/.arena-kfault-version"), as the harness fetches it: using that source, its trees, builds and known failures"
	id=debian
fi
echo "$id"
