#!/bin/bash
# setup.sh: install what the harness needs, from Debian's archive only.
#   - on the host: debootstrap (the only host package we need);
#   - in $CACHE/root: a $TOOLCHAIN_SUITE root with clang-19, pahole >= 1.26,
#     gcc, QEMU and the kernel build dependencies (configs/toolchain.packages).
# The host's apt configuration and libc are left alone.  A second run with
# everything present only checks and returns.
set -eu
. "$(dirname "$0")/lib.sh"
[ -n "$DEBIAN_MIRROR" ] || die "no Debian archive in the host's apt configuration: set DEBIAN_MIRROR"

[ "$(id -u)" = 0 ] || die "setup needs root (debootstrap, chroot, mounts)"

list() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$1"
}

# Debian arches of configs/arches.conf (read by lib.sh's load_arch) other
# than the host's.
foreign_arches() {
	local host a
	host=$(dpkg --print-architecture)
	for a in $(known_arches); do
		load_arch "$a"
		[ "$ARCH_DEB" = "$host" ] || echo "$ARCH_DEB"
	done
}

packages() {
	local a
	list "$REPO/configs/toolchain.packages"
	# per arch: QEMU and the cross compiler (configs/arches.conf)
	for a in $(known_arches); do
		load_arch "$a"
		echo "$ARCH_QEMU_PKG"
		[ -z "$ARCH_CROSS_PKG" ] || echo "$ARCH_CROSS_PKG"
	done | sort -u
	for a in $(foreign_arches); do
		list "$REPO/configs/toolchain-target.packages" | sed "s/\$/:$a/"
	done
}

# The harness's own checks lint its shell scripts with the host's shellcheck
# (scripts/tests/test_harness.py ShellLint).
if ! command -v shellcheck >/dev/null 2>&1; then
	info "installing shellcheck on the host"
	apt-get update -qq >/dev/null || die "apt-get update failed on the host"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck \
		>/dev/null || die "cannot install shellcheck on the host"
fi

stamp=$ROOT/.arena-kfault-packages
want=$(packages | sort | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	info "toolchain root up to date: $ROOT"
	exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
	info "installing debootstrap on the host"
	apt-get update -qq >/dev/null || die "apt-get update failed on the host"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
		>/dev/null || die "cannot install debootstrap on the host"
fi

mkdir -p "$CACHE"
if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
	info "debootstrap $TOOLCHAIN_SUITE into $ROOT"
	rm -rf "$ROOT.tmp"
	debootstrap --variant=minbase "$TOOLCHAIN_SUITE" "$ROOT.tmp" \
		"$DEBIAN_MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
		die "debootstrap failed, see $CACHE/debootstrap.log"
	mv "$ROOT.tmp" "$ROOT"
fi

info "installing $(packages | wc -l) packages into the toolchain root"
in_root_raw() {
	REPO_BIND=$REPO CACHE_BIND=$CACHE unshare --mount --propagation private \
		-- "$REPO/scripts/enter-root.sh" "$ROOT" / "$@"
}
for a in $(foreign_arches); do
	in_root_raw dpkg --add-architecture "$a"
done
# shellcheck disable=SC2046
in_root_raw sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -qq --no-install-recommends "$@"' sh $(packages) \
	>"$CACHE/apt-root.log" 2>&1 ||
	die "package install in the toolchain root failed, see $CACHE/apt-root.log"
in_root_raw sh -c 'for t in clang llc llvm-strip llvm-objcopy ld.lld; do
	ln -sf /usr/bin/$t-19 /usr/local/bin/$t; done; update-ccache-symlinks'
echo "$want" >"$stamp"
in_root_raw sh -c 'clang --version | head -1; pahole --version; ls /usr/bin/qemu-system-*'
