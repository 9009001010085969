#!/bin/sh
# /init of both initramfs images.  With /bpf (scripts/build-bpf-selftests.sh)
# it runs each test of /bpf/tests.txt in a test_progs of its own, so that a
# test killed by an oops takes no other result with it (scripts/results.py
# test-progs).  Otherwise, the kselftest initramfs: it runs every test of
# /kselftest/kselftest-list.txt (written by 'make kselftest-install') and
# prints one KTAP document: each test program's own KTAP nested four spaces
# deep, then a last case, kmemleak_clean, which fails on objects kmemleak
# finds unreferenced, or on a kernel without a working kmemleak.  Both runs
# then print the kernel log (kernel_log), last: the host judges the whole
# console, this log included, for kernel_log_clean (scripts/results.py
# log-check; these boots are quiet, so the console alone would miss what
# printk kept below the console level, every WARNING; from the dump on,
# warnings reach the console too, up to the power-off).  Then ends the VM
# (reboot -f; QEMU has -no-reboot).  Parameters (kernel command line):
#   ksft_timeout=SECONDS   per test program (default 300)
#   must_oops=CASE         instead of the tests, run arena_oops_trigger CASE
#                          (scripts/run-must-oops.sh: a boot that must oops)
#   stress=SECONDS[:ROLES] instead of the tests, run arena_stress SECONDS
#                          [ROLES] (scripts/run-stress.sh)
#   bench=ITERATIONS       instead of the tests, run arena_bench ITERATIONS
#                          (scripts/run-bench.sh)
#   ksft_only=CASE,...     run only these cases (fixture.test or
#                          fixture.variant.test; run_tests.sh --filter)
#   shell=1                a shell on the console instead (run_tests.sh --shell)
#   bpf_timeout=SECONDS    per test_progs test (default 300)
#   bpf_from=N             start at the Nth test of /bpf/tests.txt (the host
#                          boots again after a test that oopsed the kernel)
#   timeout_factor=N       the tests' time bounds are N times their own (a
#                          slow debug kernel; ARENA_KFAULT_TIMEOUT_FACTOR)
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
# Never cleared: whatever leaked since boot counts.
kmemleak=/sys/kernel/debug/kmemleak
# Seconds since boot, for the time each step took (run_tests.sh --timings
# reads these lines from the console).
uptime_s() { cut -d' ' -f1 /proc/uptime; }
took() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }
# The host's sign that the boot reached user space (scripts/boot.py --alive).
echo "# arena-kfault: /init started at $(uptime_s) s"
# The kernel log, for the host's kernel_log_clean.  From here on to the
# power-off, warnings reach the console too (these boots are quiet): what
# the kernel prints after the dump is judged as well.
kernel_log() {
	dmesg -n 5
	echo "# arena-kfault: kernel log begin"
	dmesg
	echo "# arena-kfault: kernel log end"
}

timeout=300 must_oops='' stress='' bench='' only='' shell='' bpf_timeout=300 bpf_from=1
for p in $(cat /proc/cmdline); do
	case $p in
	ksft_timeout=*) timeout=${p#ksft_timeout=} ;;
	must_oops=*) must_oops=${p#must_oops=} ;;
	stress=*) stress=${p#stress=} ;;
	bench=*) bench=${p#bench=} ;;
	ksft_only=*) only=${p#ksft_only=} ;;
	shell=*) shell=1 ;;
	bpf_timeout=*) bpf_timeout=${p#bpf_timeout=} ;;
	bpf_from=*) bpf_from=${p#bpf_from=} ;;
	timeout_factor=*) export ARENA_KFAULT_TIMEOUT_FACTOR=${p#timeout_factor=} ;;
	esac
done
if [ -f /bpf/tests.txt ]; then
	cd /bpf || exit 1
	n=0
	while read -r t; do
		n=$((n + 1))
		[ "$n" -ge "$bpf_from" ] || continue
		echo "# bpf_selftests: $t begin"
		# -v: each subtest's result as it ends (test_progs otherwise holds
		# them all to its test's end): a test the kernel dies under keeps
		# the subtests it ran before (scripts/results.py test-progs)
		timeout "$bpf_timeout" ./test_progs -v -a "$t" 2>&1	# loads bpf_testmod.ko itself
		echo "# bpf_selftests: $t exit $?"
	done <tests.txt
	echo "# bpf_selftests: done"
	kernel_log
	reboot -f
fi
if [ -n "$shell" ]; then
	echo "# arena-kfault: kselftests in /kselftest; the test module loads with"
	echo "# insmod /kselftest/arena_kfault/arena_kfault_kmod/arena_kfault_kmod.ko;"
	echo "# 'reboot -f' ends the VM"
	setsid cttyhack sh
	reboot -f
fi
if [ -n "$must_oops" ]; then
	/kselftest/arena_kfault/arena_oops_trigger "$must_oops"
	reboot -f
fi
if [ -n "$bench" ]; then
	/kselftest/arena_kfault/arena_bench "$bench"
	reboot -f
fi
if [ -n "$stress" ]; then
	case $stress in
	*:*) /kselftest/arena_kfault/arena_stress "${stress%%:*}" "${stress#*:}" ;;
	*) /kselftest/arena_kfault/arena_stress "$stress" ;;
	esac
	echo "# arena-kfault: guest done"
	reboot -f
fi

cd /kselftest || exec reboot -f
n=$(grep -c : kselftest-list.txt)
args=
for c in $(echo "$only" | tr , ' '); do args="$args -r $c"; done
echo "KTAP version 1"
echo "1..$((n + 1))"
i=0
while IFS=: read -r collection test; do
	i=$((i + 1))
	echo "    # running $collection:$test"
	t0=$(uptime_s)
	# shellcheck disable=SC2086 # one word per -r argument
	(cd "$collection" && timeout "$timeout" "./$test" $args 2>&1; echo "rc=$?" >/tmp/rc) |
		tee /tmp/out | sed 's/^/    /'
	rc=$(sed -n 's/^rc=//p' /tmp/rc)
	echo "    # arena-kfault: $test took $(took "$t0") s"
	# with ksft_only, a program none of whose cases was picked runs none
	[ -n "$only" ] && [ "$rc" = 0 ] && grep -qx "1\.\.0" /tmp/out && rc=4
	case $rc in
	0) echo "ok $i $collection:$test" ;;
	4) echo "ok $i $collection:$test # SKIP" ;;
	*) echo "not ok $i $collection:$test # exit status $rc" ;;
	esac
done <kselftest-list.txt

# kmemleak only reports an object that is older than its minimum age (5 s)
# when a scan finds it unreferenced: scan, let the youngest objects of the
# tests age past it, scan again, then read.  A kernel without a working
# kmemleak fails this case: the kernel config asks for one.
i=$((i + 1))
t0=$(uptime_s)
if [ ! -w $kmemleak ] || dmesg | grep -q "memory leak detector disabled" ||
		! echo scan 2>/dev/null >$kmemleak; then
	echo "not ok $i kmemleak_clean # kmemleak is missing or disabled itself"
else
	sleep 6
	echo scan >$kmemleak
	echo "# arena-kfault: kmemleak took $(took "$t0") s (6 s of it the minimum age)"
	if grep -q unreferenced $kmemleak; then
		# the first reports in full, then every object's line: a known
		# failure judges them all
		{ head -n 80 $kmemleak; tail -n +81 $kmemleak | grep unreferenced; } | sed 's/^/    # /'
		echo "not ok $i kmemleak_clean # $(grep -c unreferenced $kmemleak) unreferenced object(s)"
	else
		echo "ok $i kmemleak_clean"
	fi
fi
kernel_log
echo "# arena-kfault: guest done"
# QEMU runs with -no-reboot: a reboot ends it on every arch.
reboot -f
