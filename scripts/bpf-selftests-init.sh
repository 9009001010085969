#!/bin/sh
# /init of the bpf_selftests initramfs (scripts/build-bpf-selftests.sh):
# runs test_progs (built with the selected tests only) on the console,
# then prints the kernel log for the host to scan (scripts/results.py
# test-progs, log-check), then ends the VM.  test_progs loads
# bpf_testmod.ko from its directory itself.  Parameter (kernel command
# line): bpf_timeout=SECONDS for the whole test_progs run (default 900).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
timeout=900
for p in $(cat /proc/cmdline); do
	case $p in bpf_timeout=*) timeout=${p#bpf_timeout=} ;; esac
done

cd /bpf || exec reboot -f
echo "# bpf_selftests: test_progs begin"
timeout "$timeout" ./test_progs 2>&1	# every test it has is selected
echo "# bpf_selftests: test_progs exit $?"
echo "# bpf_selftests: kernel log begin"
dmesg
echo "# bpf_selftests: kernel log end"
reboot -f
