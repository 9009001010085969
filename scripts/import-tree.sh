#!/bin/bash
# import-tree.sh PATH: snapshot the user's kernel tree PATH (for --kdir) into
# $CACHE/src/kdir-<hash of PATH> as a git repository tagged "pristine", the
# same shape fetch-tree.sh gives the Debian source.  PATH itself is never
# written to.  Prints the SRC_ID to use.
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

id=kdir-$(echo "$kdir" | sha1sum | cut -c1-10)
dst=$CACHE/src/$id
mkdir -p "$dst"
ROOT_BINDS=$kdir in_root rsync -a --delete --exclude=/.git \
	--exclude='*.o' --exclude='*.ko' --exclude='*.cmd' --exclude=/.config \
	--exclude='/.arena-kfault-*' "$kdir/" "$dst/"
(
	cd "$dst"
	[ -d .git ] || { git init -q -b source . && git config gc.auto 0; }
	git add -A .
	git -c user.name=arena-kfault -c user.email=arena-kfault@localhost \
		commit -q --allow-empty -m "snapshot of $kdir"
	git tag -f pristine >/dev/null
) || die "cannot snapshot $kdir into $dst"
echo "$id"
