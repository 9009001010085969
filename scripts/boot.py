#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel built by kunit.py in QEMU with an initramfs.

The machine comes from the kernel tree's own kunit.py qemu_configs/<arch>.py
(QEMU binary, machine, CPU, console, kernel image path), exactly as
`kunit.py run --arch=<arch>` would start it; only the initrd, the CPU count
and the command line are added here.  The console is written to --console;
the boot is bounded by --timeout, after which QEMU is killed and the tail
of the console printed.

Exit status: 0 when the guest powered off by itself, 2 on timeout, 1 on
any other error.
"""
import argparse
import os
import sys
import threading
import time


def qemu_ops(src, arch, cross_compile, extra_qemu_args):
    """kunit.py's QEMU operations for @arch, from the tree's qemu_configs."""
    sys.path.insert(0, os.path.join(src, 'tools', 'testing', 'kunit'))
    import kunit_kernel  # pylint: disable=import-outside-toplevel
    # The same two calls kunit.py makes for --arch (with extra --qemu_args).
    path = kunit_kernel._default_qemu_config_path(arch)  # pylint: disable=protected-access
    _, ops = kunit_kernel._get_qemu_ops(path, extra_qemu_args,  # pylint: disable=protected-access
                                        cross_compile)
    # kunit.py appends kunit_shutdown=reboot; this boot disables the built-in
    # suites (kunit.enable=0) and the executor would then reboot before init
    # ran.  An unknown action ('none') does nothing.
    ops._kernel_command_line = ops._kernel_command_line.replace(  # pylint: disable=protected-access
        'kunit_shutdown=reboot', 'kunit_shutdown=none')
    return ops


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
    ap.add_argument('--console', required=True, help='console log file')
    args = ap.parse_args()

    ops = qemu_ops(args.src, args.arch, args.cross_compile,
                   ['-initrd', args.initrd, '-smp', str(args.smp)])

    cmdline = ['kunit.enable=0', 'panic=-1'] + args.append.split()
    with open(args.console, 'w', encoding='utf-8', errors='replace') as log:
        proc = ops.start(cmdline, args.build_dir)
        tail = []

        def pump():
            for line in proc.stdout:
                log.write(line)
                log.flush()
                tail.append(line)
                del tail[:-40]

        reader = threading.Thread(target=pump, daemon=True)
        start = time.monotonic()
        reader.start()
        reader.join(args.timeout)
        if reader.is_alive():
            proc.kill()
            proc.wait()
            sys.stderr.write(f'error: QEMU boot did not finish in {args.timeout}s; '
                             f'console tail ({args.console}):\n')
            sys.stderr.write(''.join(tail[-20:]))
            return 2
        proc.wait()
        log.write(f'# boot.py: guest ran {time.monotonic() - start:.1f}s, '
                  f'qemu exit {proc.returncode}\n')
    return 0 if proc.returncode == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
