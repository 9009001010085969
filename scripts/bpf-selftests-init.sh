#!/bin/sh
# /init of the bpf_selftests initramfs (scripts/build-bpf-selftests.sh):
# runs each selected test (/bpf/tests.txt) in a test_progs of its own, so
# that a test killed by an oops takes no other test's result with it;
# then prints the kernel log for the host to scan (scripts/results.py
# test-progs, log-check) and ends the VM.  test_progs loads bpf_testmod.ko
# from its directory itself.  Parameter (kernel command line):
# bpf_timeout=SECONDS per test (default 300).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
timeout=300
for p in $(cat /proc/cmdline); do
	case $p in bpf_timeout=*) timeout=${p#bpf_timeout=} ;; esac
done

cd /bpf || exec reboot -f
while read -r t; do
	echo "# bpf_selftests: $t begin"
	timeout "$timeout" ./test_progs -a "$t" 2>&1
	echo "# bpf_selftests: $t exit $?"
done <tests.txt
echo "# bpf_selftests: done"
echo "# bpf_selftests: kernel log begin"
dmesg
echo "# bpf_selftests: kernel log end"
reboot -f
