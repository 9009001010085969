#!/bin/bash
# fetch-tree.sh: download $KERNEL_PACKAGE from $KERNEL_SUITE with a private
# apt configuration (the host's is not touched), keep the .deb in the cache,
# and unpack it into $SRC as a git repository with one commit tagged
# "pristine".  Prints the package version.  Reruns reuse everything.
# (SRC_ID=debian: this is the default source; --kdir uses import-tree.sh.)
set -eu
. "$(dirname "$0")/lib.sh"
[ -n "$DEBIAN_MIRROR" ] || die "no Debian archive in the host's apt configuration: set DEBIAN_MIRROR"

apt_dir=$CACHE/apt
debs=$CACHE/debs
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$debs"

apt_private() {
	apt-get -q \
		-o Dir::Etc::SourceList="$apt_dir/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::State::Lists="$apt_dir/lists" \
		-o Dir::Cache="$apt_dir/cache" \
		-o Dir::State::status=/dev/null \
		-o APT::Get::List-Cleanup=0 \
		-o Debug::NoLocking=1 "$@"
}

echo "deb $DEBIAN_MIRROR $KERNEL_SUITE main" >"$apt_dir/sources.list"

deb=$(ls "$debs/${KERNEL_PACKAGE}"_*.deb 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$deb" ] || [ "${REFRESH:-0}" = 1 ]; then
	need apt-get
	info "apt: looking up $KERNEL_PACKAGE in $KERNEL_SUITE"
	apt_private update >"$apt_dir/update.log" 2>&1 ||
		die "apt update of $KERNEL_SUITE failed, see $apt_dir/update.log"
	ver=$(apt-cache -o Dir::State::Lists="$apt_dir/lists" \
		-o Dir::Etc::SourceList="$apt_dir/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::Cache="$apt_dir/cache" -o Dir::State::status=/dev/null \
		show "$KERNEL_PACKAGE" 2>/dev/null |
		awk '/^Version:/ { print $2 }' | sort -V | tail -1)
	[ -n "$ver" ] || die "$KERNEL_PACKAGE not found in $KERNEL_SUITE"
	deb=$(ls "$debs/${KERNEL_PACKAGE}_${ver}"_*.deb 2>/dev/null || true)
	if [ -z "$deb" ]; then
		info "apt: downloading $KERNEL_PACKAGE $ver"
		(cd "$debs" && apt_private download "$KERNEL_PACKAGE=$ver" \
			>"$apt_dir/download.log" 2>&1) ||
			die "download of $KERNEL_PACKAGE failed, see $apt_dir/download.log"
		deb=$(ls "$debs/${KERNEL_PACKAGE}_"*.deb | sort -V | tail -1)
	fi
fi
version=$(dpkg-deb -f "$deb" Version)

if [ "$(cat "$SRC/.arena-kfault-version" 2>/dev/null)" != "$version" ]; then
	info "unpacking $(basename "$deb") into $SRC"
	rm -rf "$SRC" "$SRC.tmp" "$SRC.deb"
	mkdir -p "$SRC.tmp" "$SRC.deb"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$SRC.deb" --wildcards './usr/src/*.tar.*'
	tarball=$(ls "$SRC.deb"/usr/src/linux-source-*.tar.*)
	tar -xf "$tarball" -C "$SRC.tmp" --strip-components=1
	rm -rf "$SRC.deb"
	(
		cd "$SRC.tmp"
		# Debian's packaging adds "/*" to .gitignore, which would hide
		# the whole tree from git: drop that block, keep upstream's rules.
		sed -i -e '\|^/\*$|d' -e '\|^!/debian/$|d' .gitignore
		git init -q -b source .
		git config gc.auto 0
		git add -A .
		git -c user.name=arena-kfault -c user.email=arena-kfault@localhost \
			commit -q -m "$KERNEL_PACKAGE $version"
		git tag pristine
	) || die "cannot make a git repository of the kernel source"
	mv "$SRC.tmp" "$SRC"
	echo "$version" >"$SRC/.arena-kfault-version"
fi
echo "$version"
