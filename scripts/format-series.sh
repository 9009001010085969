#!/bin/bash
# format-series.sh: re-sign kernel-patches/$SERIES/ (a tree that is sent,
# configs/trees.conf: series, the default, or fixes) as the person who
# sends it.  The patches are kept with a placeholder identity
# ($PLACEHOLDER_NAME <$PLACEHOLDER_EMAIL>, scripts/lib.sh); this rewrites From:
# and the placeholder Signed-off-by: to `git config user.name/user.email`
# of this clone.  Run it, then `make check-series` (which prints the identity
# it will be sent as), then git send-email.
set -eu
. "$(dirname "$0")/lib.sh"

series=${SERIES:-series}
load_sent_tree "$series"
dir=$PATCH_DIR/$series
name=$(git -C "$REPO" config user.name) || die "git config user.name is not set"
email=$(git -C "$REPO" config user.email) || die "git config user.email is not set"
case $email in *.invalid) die "user.email $email is a placeholder too" ;; esac
placeholder="$PLACEHOLDER_NAME <$PLACEHOLDER_EMAIL>"
for p in "$dir"/*.patch; do
	NEW="$name <$email>" OLD="$placeholder" perl -i -pe '
		s/^From: \Q$ENV{OLD}\E$/From: $ENV{NEW}/;
		s/^Signed-off-by: \Q$ENV{OLD}\E$/Signed-off-by: $ENV{NEW}/' "$p"
done
patches=("$dir"/*.patch)
echo "re-signed ${#patches[@]} patches in ${dir#"$REPO"/} as $name <$email>"
