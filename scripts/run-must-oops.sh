#!/bin/bash
# run-must-oops.sh TREE ARCH: the accesses that must still oops.  For each
# case of selftests/arena_kfault/must-oops.list, boot the TREE/ARCH kernel
# with the kselftest initramfs, oops=panic and must_oops=CASE (the
# guest runs arena_oops_trigger CASE, scripts/guest-init.sh), and pass the
# case only when the kernel oopsed at the address the trigger named, in the
# function the list names, and no other kernel splat on the console (a
# second oops, a WARNING, KASAN, lockdep ...: results.py oops-extras; the
# boot panics before any dmesg, so it shows warnings live, loglevel=5).  A
# recovered access, an oops elsewhere or none is a failure.  Writes
# build/results/TREE-ARCH-must_oops.{ktap,json} and
# build/logs/TREE-ARCH-must_oops-CASE.console.  OOPS_ONLY=CASE,...
# (run_tests.sh --filter) boots only those; OOPS_JOBS boots at once (default:
# the number of CPUs).
set -eu
. "$(dirname "$0")/lib.sh"

tree_arch_args "$@"
list=$REPO/selftests/arena_kfault/must-oops.list
boot_setup must_oops

cases=$(awk -v only=",${OOPS_ONLY:-}," '!/^#/ && NF && (only == ",," || index(only, "," $1 ",")) {
	print $1 ":" $2 }' "$list")
ktap=$RESULTS/$name.ktap
{ echo "KTAP version 1"; echo "1..$(echo "$cases" | wc -l)"; } >"$ktap"
# The boots are independent (each oopses on its own): OOPS_JOBS of them at
# a time, by default one per host CPU, then one verdict per console.
for c in $cases; do
	case=${c%%:*}
	info "must_oops $case"
	retry_stalled_boot "$LOGS/$name-$case.console" "$GUEST_ALIVE" \
		boot_guest "$img" "$LOGS/$name-$case.console" "${OOPS_TIMEOUT:-$(scaled 300)}" \
		"loglevel=5 oops=panic panic=-1 must_oops=$case" >/dev/null 2>&1 &
	while [ "$(jobs -rp | wc -l)" -ge "${OOPS_JOBS:-$(nproc)}" ]; do wait -n || true; done
done
wait || true
i=0
for c in $cases; do
	i=$((i + 1)) case=${c%%:*} func=${c#*:}
	console=$LOGS/$name-$case.console
	addr=$(sed -n "s/.*must-oops: $case: address \([0-9a-f]\{16\}\).*/\1/p" "$console" | head -1)
	# printk may cut a line short and replay it ("** replaying previous
	# printk message **"): the oops line is any that names the address.
	oopses=$(grep -F "$ARCH_OOPS" "$console" || true)
	oops=$(echo "$oopses" | grep -F -m1 "${addr:-none}" || echo "$oopses" | head -n 1)
	extras=$(python3 "$REPO/scripts/results.py" oops-extras --console "$console" \
		--address "${addr:-none}" --oops "$ARCH_OOPS") || extras="(results.py oops-extras failed)"
	why=
	if [ -z "$addr" ]; then
		why="the trigger never named its address"
	elif grep -q "^# must-oops: $case: survived" "$console"; then
		why="the kernel recovered the access at $addr"
	elif [ -z "$oops" ]; then
		why="no oops ('$ARCH_OOPS')"
	elif ! echo "$oops" | grep -q "$addr"; then
		why="the oops is not at $addr"
	elif ! grep -qE "(RIP: [0-9a-f]{4}:|pc : )$func\+" "$console"; then
		why="the oops is not in $func"
	elif [ -n "$extras" ]; then
		why="a kernel splat beside the oops: ${extras%%$'\n'*}"
	fi
	if [ -z "$why" ]; then
		{ echo "# $oops"; echo "ok $i $case"; } >>"$ktap"
	else
		{ case $why in
		  "a kernel splat"*) echo "$extras" ;;
		  *) grep -E -A3 "$ARCH_OOPS|must-oops" "$console" ;;
		  esac | head -n 12 | sed 's/^/# /'
		  echo "not ok $i $case # $why"; } >>"$ktap"
	fi
done
json_results "$name"
