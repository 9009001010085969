#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load the test kfuncs, run the arena kernel-fault tests, unload.
dir=$(dirname "$(readlink -f "$0")")
loaded=

if ! grep -q '^arena_kfault_kmod ' /proc/modules; then
	if ! insmod "$dir/arena_kfault_kmod/arena_kfault_kmod.ko"; then
		echo "# cannot load arena_kfault_kmod.ko"
		exit 1
	fi
	loaded=1
fi

"$dir/arena_kfault_test"
rc=$?

# Programs free their module references asynchronously: unload if we can.
[ -n "$loaded" ] && rmmod arena_kfault_kmod 2>/dev/null
exit $rc
