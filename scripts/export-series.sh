#!/bin/bash
# export-series.sh GITDIR BASE [HEAD]: regenerate kernel-patches/$SERIES/
# (a tree of configs/trees.conf that is sent: series, the default, or fixes)
# from the commits BASE..HEAD of the kernel git tree GITDIR (git
# format-patch, numbered, cover letter).  The subject and text of the
# existing cover letter are carried over, so edit them in
# 0000-cover-letter.patch itself.  The subject prefix is the tree's
# "subject" (the tree the patches are meant for: bpf-next for the series,
# bpf for the fixes); SUBJECT_PREFIX replaces it.
set -eu
. "$(dirname "$0")/lib.sh"

gitdir=${1:?usage: export-series.sh GITDIR BASE [HEAD]}
base=${2:?usage: export-series.sh GITDIR BASE [HEAD]}
head=${3:-HEAD}
series=${SERIES:-series}
load_sent_tree "$series"
prefix=$TREE_SUBJECT
dir=$PATCH_DIR/$series
old=$dir/0000-cover-letter.patch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git -C "$gitdir" -c user.name="$PLACEHOLDER_NAME" \
	-c user.email="$PLACEHOLDER_EMAIL" format-patch -q --zero-commit -N --numbered --cover-letter \
	--subject-prefix="${SUBJECT_PREFIX:-$prefix}" -o "$tmp" "$base..$head"
if [ -f "$old" ]; then
	python3 - "$old" "$tmp/0000-cover-letter.patch" <<'PY'
import re, sys
old, new = (open(p).read() for p in sys.argv[1:])
subject = re.search(r'^Subject: \[[^\]]*\] (.*)$', old, re.M).group(1)
# The text: after the headers' blank line, up to the shortlog.
body = old.split('\n\n', 1)[1]
blurb = re.split(r'\n\n[^\n]+ \(\d+\):\n', body, maxsplit=1)[0]
new = new.replace('*** SUBJECT HERE ***', subject).replace('*** BLURB HERE ***', blurb)
open(sys.argv[2], 'w').write(new)
PY
fi
mkdir -p "$dir"
rm -f "$dir"/*.patch
cp "$tmp"/*.patch "$dir"/
ls "$dir"
