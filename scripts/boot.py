#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel built by kunit.py in QEMU with an initramfs.

The machine comes from the kernel tree's own kunit.py qemu_configs/<arch>.py
(QEMU binary, machine, CPU, console, kernel image path), exactly as
`kunit.py run --arch=<arch>` would start it; only the initrd, the CPU count
and the command line are added here.  The console is written to --console;
the boot is bounded by --timeout, after which QEMU is killed and the tail
of the console printed.

Exit status: 0 when the guest powered off by itself, 2 on timeout, 3 when
the console never matched --alive within --alive-timeout (a boot that
stalled before user space: TCG does that, rarely), 4 when the kernel
panicked (with panic=-1 and -no-reboot QEMU then exits 0, as from a clean
power-off), 1 on any other error.

QEMU gets kunit.py's accelerators, KVM first and TCG last: which one runs
is whether the toolchain root has a /dev/kvm (scripts/enter-root.sh).
--probe-accel=kvm is the probe that decides it (scripts/lib.sh,
kvm_probe): the same machine with KVM alone, which must reach --alive
within --alive-timeout seconds; QEMU is stopped there.  Exit status 0
when it did, 5 when not (QEMU refused KVM, the guest hung or died), with
why on stderr.
"""
import argparse
import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time

# A console line that says the kernel panicked.
PANIC = re.compile(r'Kernel panic - not syncing|---\[ end Kernel panic')


def qemu_params(src, arch, extra_qemu_args):
    """The QemuArchParams of the tree's qemu_configs/<arch>.py (the format of
    kunit.py --qemu_config), with @extra_qemu_args added."""
    kunit_dir = os.path.join(src, 'tools', 'testing', 'kunit')
    sys.path.insert(0, kunit_dir)
    path = os.path.join(kunit_dir, 'qemu_configs', arch + '.py')
    # Loaded under the name kunit.py gives it: the file imports
    # ..qemu_config relative to that name.
    spec = importlib.util.spec_from_file_location(
        '.' + os.path.join('qemu_configs', os.path.basename(path)), path)
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    # This boot disables the built-in suites (kunit.enable=0); kunit.py's
    # default kunit_shutdown=reboot would then reboot before init ran.  An
    # unknown action ('none') does nothing.
    return dataclasses.replace(
        config.QEMU_ARCH,
        kernel_command_line=config.QEMU_ARCH.kernel_command_line + ' kunit_shutdown=none',
        extra_qemu_params=list(config.QEMU_ARCH.extra_qemu_params) + extra_qemu_args)


def interactive(params, build_dir, cmdline):
    """QEMU on this terminal (console and monitor on stdio): kunit.py's
    command line for the machine, which its own start() keeps on pipes."""
    os.execvp('qemu-system-' + params.qemu_arch, [
        'qemu-system-' + params.qemu_arch, '-nodefaults', '-m', '1024',
        '-kernel', os.path.join(build_dir, params.kernel_path),
        '-append', ' '.join(cmdline + [params.kernel_command_line]),
        '-no-reboot', '-nographic', '-serial', 'mon:stdio'] + params.extra_qemu_params)


def probe_accel(params, args, cmdline):
    """Start the machine as kunit.py's start() does, but with the one
    accelerator args.probe_accel, and wait for args.alive: 0 when the guest
    reached it within args.alive_timeout seconds, 5 when not."""
    cmd = ['qemu-system-' + params.qemu_arch, '-nodefaults', '-m', '1024',
           '-kernel', os.path.join(args.build_dir, params.kernel_path),
           '-append', ' '.join(cmdline + [params.kernel_command_line]),
           '-no-reboot', '-nographic', '-accel', args.probe_accel,
           '-serial', getattr(params, 'serial', 'stdio')] + list(params.extra_qemu_params)
    alive_re = re.compile(args.alive)
    start = time.monotonic()
    with open(args.console, 'w', encoding='utf-8', errors='replace') as log:
        log.write('$ ' + ' '.join(cmd) + '\n')
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, errors='replace')
        except OSError as e:
            sys.stderr.write(f'{args.probe_accel}: cannot start QEMU: {e}\n')
            return 5
        lines, alive = [], threading.Event()

        def pump():
            for line in proc.stdout:
                log.write(line)
                lines.append(line.strip())
                if alive_re.search(line):
                    alive.set()
                    return

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        reader.join(args.alive_timeout)
        hung = reader.is_alive()
        proc.kill()
        proc.wait()
        secs = time.monotonic() - start
        log.write(f'# boot.py: probe of {args.probe_accel} ended after {secs:.1f}s\n')
    if alive.is_set():
        return 0
    if hung:
        why = f'the guest did not reach user space in {args.alive_timeout}s'
    else:
        last = [line for line in lines if line]
        why = f"QEMU ended after {secs:.1f}s: {last[-1] if last else 'no output'}"
    sys.stderr.write(why + '\n')
    return 5


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--src', required=True, help='kernel source tree')
    ap.add_argument('--build-dir', required=True, help='kunit.py --build_dir')
    ap.add_argument('--arch', required=True, help='kunit.py arch name')
    ap.add_argument('--cross-compile', default=None)
    ap.add_argument('--initrd', required=True)
    ap.add_argument('--append', default='', help='extra kernel parameters')
    ap.add_argument('--smp', type=int, default=2)
    ap.add_argument('--timeout', type=int, default=600, help='seconds')
    ap.add_argument('--alive', help='regex of the console line that shows the boot reached '
                    'user space')
    ap.add_argument('--alive-timeout', type=int, default=120,
                    help='seconds within which --alive must appear')
    ap.add_argument('--console', help='console log file (required unless --interactive)')
    ap.add_argument('--interactive', action='store_true',
                    help='QEMU on this terminal, no timeout, no log')
    ap.add_argument('--probe-accel', metavar='ACCEL',
                    help='only whether the guest reaches --alive under ACCEL (kvm) alone')
    args = ap.parse_args()

    params = qemu_params(args.src, args.arch, ['-initrd', args.initrd, '-smp', str(args.smp)])
    cmdline = ['kunit.enable=0', 'panic=-1'] + args.append.split()
    if args.interactive:
        interactive(params, args.build_dir, cmdline)
    if not args.console:
        ap.error('--console is required')
    if args.probe_accel:
        if not args.alive:
            ap.error('--probe-accel needs --alive')
        return probe_accel(params, args, cmdline)
    import kunit_kernel  # pylint: disable=import-outside-toplevel
    ops = kunit_kernel.LinuxSourceTreeOperationsQemu(params, cross_compile=args.cross_compile)

    with open(args.console, 'w', encoding='utf-8', errors='replace') as log:
        proc = ops.start(cmdline, args.build_dir)
        tail = []
        alive, panicked = threading.Event(), threading.Event()
        alive_re = re.compile(args.alive) if args.alive else None

        def pump():
            for line in proc.stdout:
                log.write(line)
                log.flush()
                tail.append(line)
                del tail[:-40]
                if alive_re and alive_re.search(line):
                    alive.set()
                if PANIC.search(line):
                    panicked.set()

        def give_up(status, what):
            proc.kill()
            proc.wait()
            sys.stderr.write(f'error: {what}; console tail ({args.console}):\n')
            sys.stderr.write(''.join(tail[-20:]))
            return status

        reader = threading.Thread(target=pump, daemon=True)
        start = time.monotonic()
        reader.start()
        if alive_re and not alive.wait(min(args.alive_timeout, args.timeout)) \
                and reader.is_alive():
            return give_up(3, f'QEMU boot did not reach user space in {args.alive_timeout}s')
        reader.join(max(0, args.timeout - (time.monotonic() - start)))
        if reader.is_alive():
            return give_up(2, f'QEMU boot did not finish in {args.timeout}s')
        proc.wait()
        log.write(f'# boot.py: guest ran {time.monotonic() - start:.1f}s, '
                  f'qemu exit {proc.returncode}\n')
    if panicked.is_set():
        sys.stderr.write(f'error: the guest kernel panicked (qemu exit {proc.returncode}); '
                         f'console: {args.console}\n')
        return 4
    return 0 if proc.returncode == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
