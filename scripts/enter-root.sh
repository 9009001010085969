#!/bin/bash
# enter-root.sh ROOT CWD CMD...: run CMD chrooted into the toolchain root.
# Called by in_root() (scripts/lib.sh) inside a private mount namespace, so
# nothing mounted here is seen outside and nothing needs unmounting.
set -eu
root=$1 cwd=$2
shift 2

bind() {
	[ -e "$1" ] || return 0
	mkdir -p "$root$1"
	mount --rbind "$1" "$root$1"
}

mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"

# A /dev of our own: the usual nodes, and /dev/kvm only when the run's KVM
# probe passed (ARENA_KFAULT_ACCEL=kvm, scripts/lib.sh boot_accel): KVM
# guests hang on machines without nested virtualisation, and kunit.py asks
# QEMU for '-accel kvm' first; without the node QEMU falls back to TCG.
mount -t tmpfs -o mode=755 dev "$root/dev"
nodes="null zero full random urandom tty"
[ "${ARENA_KFAULT_ACCEL:-}" != kvm ] || [ ! -c /dev/kvm ] || nodes="$nodes kvm"
for n in $nodes; do
	touch "$root/dev/$n"
	mount --bind "/dev/$n" "$root/dev/$n"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs shm "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
mount -t tmpfs tmp "$root/tmp"

cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

for p in "$REPO_BIND" "$CACHE_BIND" ${ROOT_BINDS:-}; do
	bind "$p"
done

# ccache in depend mode: on a miss it takes the headers from the compiler's
# own -MMD output instead of running the preprocessor first, which cost a
# fifth of a cold kernel build here (kernel/fork.c: 1.8 s to compile, 2.3 s
# through ccache's default mode, 1.8-2.2 s in depend mode).  Kbuild always
# passes -Wp,-MMD; a compile without it falls back to the default mode.
# shellcheck disable=SC2016	# expanded by that sh
exec chroot "$root" /usr/bin/env -i \
	HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
	PATH=/usr/lib/ccache:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
	PYTHONUNBUFFERED=1 CCACHE_DIR="${CCACHE_DIR:-}" CCACHE_BASEDIR="${CCACHE_BASEDIR:-}" CCACHE_NOHASHDIR=1 CCACHE_DEPEND=1 CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}" \
	/bin/sh -c 'cd "$0" && exec "$@"' "$cwd" "$@"
