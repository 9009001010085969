# SPDX-License-Identifier: GPL-2.0
"""Checks of the harness itself: argument handling, error paths, parsing.

Run by scripts/run-harness-tests.py (which `make check` calls).  Checks that
need the kernel's kunit.py use the tree run_tests.sh fetched; they fail,
not skip, when it is missing.
"""
import json
import os
import subprocess
import tempfile
import textwrap
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.path.join(REPO, 'scripts', 'tests', 'data')
CACHE = os.environ.get('ARENA_KFAULT_CACHE',
                       os.path.expanduser('~/.cache/arena-kfault'))
KSRC = os.path.join(CACHE, 'src', 'debian')


def run(cmd, env=None, **kw):
    """Run @cmd, return CompletedProcess with text stdout/stderr."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env,
                          timeout=kw.pop('timeout', 120), check=False, **kw)


def one_error_line(test, proc):
    """@proc failed with exactly one 'error: ' line and no traceback."""
    test.assertNotEqual(proc.returncode, 0, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith('error: ')]
    test.assertEqual(len(errors), 1, f'stderr was:\n{proc.stderr}')
    test.assertNotIn('Traceback', proc.stderr)
    return errors[0]


class RunTestsArguments(unittest.TestCase):
    """run_tests.sh rejects bad input before doing any work."""

    def check(self, args, expect):
        proc = run([os.path.join(REPO, 'run_tests.sh')] + args)
        self.assertIn(expect, one_error_line(self, proc))

    def test_unknown_arch(self):
        self.check(['--arch', 'sparc'], "unknown arch 'sparc'")

    def test_unknown_tree(self):
        self.check(['--tree', 'mainline'], "unknown tree 'mainline'")

    def test_unknown_suite(self):
        self.check(['--only', 'ltp'], "unknown suite 'ltp'")

    def test_bad_jobs(self):
        self.check(['-j', 'many'], "-j needs a positive number")

    def test_unknown_option(self):
        self.check(['--frobnicate'], "unknown option '--frobnicate'")

    def test_bad_cell(self):
        self.check(['--cell', 'mainline:x86_64'], "bad --cell 'mainline:x86_64'")

    def test_cell_unknown_arch(self):
        self.check(['--cell', 'series:sparc'], "unknown arch 'sparc'")

    def test_cell_with_tree(self):
        self.check(['--cell', 'series:arm64', '--tree', 'upstream'],
                   '--cell replaces --tree and --arch')

    def test_help(self):
        proc = run([os.path.join(REPO, 'run_tests.sh'), '--help'])
        self.assertEqual(proc.returncode, 0)
        for flag in ('--arch', '--tree', '--cell', '--kdir', '--only', '-j'):
            self.assertIn(flag, proc.stdout)


class KdirValidation(unittest.TestCase):
    """--kdir must name a kernel tree; the error says why it is not one."""

    def test_missing_dir(self):
        proc = run([os.path.join(REPO, 'scripts', 'import-tree.sh'), '/nonexistent/linux'])
        self.assertIn('no such directory', one_error_line(self, proc))

    def test_not_a_kernel_tree(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'Makefile'), 'w', encoding='utf-8') as f:
                f.write('all:\n')
            proc = run([os.path.join(REPO, 'scripts', 'import-tree.sh'), d])
            self.assertIn('is not a kernel source tree', one_error_line(self, proc))


class PatchApplication(unittest.TestCase):
    """A patch that does not apply is named, with the file it failed on."""

    def test_bad_patch_named(self):
        with tempfile.TemporaryDirectory() as d:
            cache, patches = os.path.join(d, 'cache'), os.path.join(d, 'patches')
            src = os.path.join(cache, 'src', 'debian')
            os.makedirs(os.path.join(src, 'kernel', 'bpf'))
            os.makedirs(os.path.join(patches, 'test'))
            with open(os.path.join(src, 'kernel', 'bpf', 'arena.c'), 'w', encoding='utf-8') as f:
                f.write('int a;\nint b;\nint c;\n')
            git = ['git', '-C', src, '-c', 'user.name=t', '-c', 'user.email=t@t']
            for cmd in (['init', '-q'], ['add', '-A'], ['commit', '-qm', 'x'], ['tag', 'pristine']):
                subprocess.run(git + cmd, check=True)
            with open(os.path.join(patches, 'test', '0001-bad.patch'), 'w', encoding='utf-8') as f:
                f.write(textwrap.dedent('''\
                    From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
                    From: T <t@t>
                    Subject: [PATCH] bad

                    ---
                    --- a/kernel/bpf/arena.c
                    +++ b/kernel/bpf/arena.c
                    @@ -1,3 +1,3 @@
                     int x;
                    -int y;
                    +int z;
                     int w;
                    '''))
            proc = run([os.path.join(REPO, 'scripts', 'prepare-tree.sh'), 'upstream'],
                       env={'ARENA_KFAULT_CACHE': cache, 'PATCH_DIR': patches})
            line = one_error_line(self, proc)
            self.assertIn('patch test/0001-bad.patch does not apply', line)
            self.assertIn('kernel/bpf/arena.c', line)


class ResultParsing(unittest.TestCase):
    """kunit.py parses the guest's KTAP; results.py counts it right."""

    def setUp(self):
        self.kunit = os.path.join(KSRC, 'tools', 'testing', 'kunit', 'kunit.py')
        self.assertTrue(os.path.exists(self.kunit),
                        f'{self.kunit} missing: run ./run_tests.sh once first')
        self.tmp = tempfile.TemporaryDirectory()  # pylint: disable=consider-using-with
        self.addCleanup(self.tmp.cleanup)

    def summarise(self, console, tree='t', arch='a', suite='s'):
        out = os.path.join(self.tmp.name, f'{tree}-{arch}-{suite}.json')
        run(['python3', self.kunit, 'parse', '--json=' + out, os.path.join(DATA, console)])
        expected = os.path.join(self.tmp.name, 'expected.tsv')
        with open(expected, 'w', encoding='utf-8') as f:
            f.write(f'{tree}\t{arch}\t{suite}\n')
        proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'summary',
                    '--results', self.tmp.name, '--expected', expected])
        with open(os.path.join(self.tmp.name, 'summary.json'), encoding='utf-8') as f:
            return proc, json.load(f)

    def test_nested_kselftest_ktap(self):
        proc, summary = self.summarise('kselftest-console.txt')
        self.assertEqual(proc.returncode, 1, 'a failed case must fail the run')
        rec = summary['suites'][0]
        self.assertEqual((rec['passed'], rec['failed'], rec['skipped']), (2, 1, 0))
        names = {c['name']: c['status'] for c in rec['cases']}
        self.assertEqual(names.get('arena_kfault:run_arena_kfault.sh/arena.two'), 'FAIL')
        self.assertEqual(names.get('kernel_log_clean'), 'PASS')

    def test_case_matrix(self):
        proc, _ = self.summarise('kselftest-console.txt')
        rows = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()
                if line.strip()}
        self.assertEqual(rows.get('s'), ['t/a'], proc.stdout)
        self.assertEqual(rows.get('arena.two'), ['FAIL'], proc.stdout)
        self.assertEqual(rows.get('kernel_log_clean'), ['ok'], proc.stdout)

    def test_crash_counts_as_failure(self):
        _, summary = self.summarise('kunit-crash-console.txt')
        rec = summary['suites'][0]
        self.assertEqual(rec['passed'], 1)
        self.assertGreaterEqual(rec['failed'], 1, rec)

    def test_missing_suite_fails(self):
        expected = os.path.join(self.tmp.name, 'expected.tsv')
        with open(expected, 'w', encoding='utf-8') as f:
            f.write('t\ta\tnever-ran\n')
        proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'summary',
                    '--results', self.tmp.name, '--expected', expected])
        self.assertEqual(proc.returncode, 1)
        self.assertIn('did not run', proc.stdout)

    def test_counts_line(self):
        self.summarise('kselftest-console.txt')
        proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'counts',
                    os.path.join(self.tmp.name, 'summary.json')])
        self.assertEqual(proc.stdout.strip(), '2 passed, 1 failed, 0 skipped')


class Mutants(unittest.TestCase):
    """Every kunit/mutants/*.patch still applies to the series tree."""

    def test_mutants_apply(self):
        self.assertTrue(os.path.isdir(os.path.join(KSRC, '.git')),
                        f'{KSRC} missing: run ./run_tests.sh once first')
        with tempfile.TemporaryDirectory() as d:
            env = {'GIT_INDEX_FILE': os.path.join(d, 'index')}
            git = ['git', '-C', KSRC]
            proc = run(git + ['read-tree', 'pristine'], env=env)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            for sub in ('base', 'series', 'test'):
                pdir = os.path.join(REPO, 'kernel-patches', sub)
                for name in sorted(os.listdir(pdir)):
                    if name.endswith('.patch') and not name.startswith('0000-'):
                        proc = run(git + ['apply', '--cached', os.path.join(pdir, name)],
                                   env=env)
                        self.assertEqual(proc.returncode, 0, f'{sub}/{name}: {proc.stderr}')
            mdir = os.path.join(REPO, 'kunit', 'mutants')
            stale = []
            for name in sorted(os.listdir(mdir)):
                if name.endswith('.patch'):
                    proc = run(git + ['apply', '--check', '--cached',
                                      os.path.join(mdir, name)], env=env)
                    if proc.returncode:
                        stale.append(f'{name}: {proc.stderr.strip()}')
            self.assertEqual(stale, [], 'mutants that no longer apply')


class BootTimeout(unittest.TestCase):
    """A guest that never powers off is killed and its console tail shown."""

    def test_hung_boot(self):
        self.assertTrue(os.path.isdir(os.path.join(KSRC, 'tools', 'testing', 'kunit')),
                        'kernel source missing: run ./run_tests.sh once first')
        with tempfile.TemporaryDirectory() as d:
            qemu = os.path.join(d, 'qemu-system-x86_64')
            with open(qemu, 'w', encoding='utf-8') as f:
                f.write('#!/bin/sh\necho "fake kernel: hanging here"\nexec sleep 60\n')
            os.chmod(qemu, 0o755)
            console = os.path.join(d, 'console.log')
            proc = run(['python3', os.path.join(REPO, 'scripts', 'boot.py'), '--src', KSRC,
                        '--build-dir', d, '--arch', 'x86_64', '--initrd', '/dev/null',
                        '--timeout', '3', '--console', console],
                       env={'PATH': d + os.pathsep + os.environ['PATH']})
            self.assertEqual(proc.returncode, 2, proc.stderr)
            self.assertIn('did not finish in 3s', proc.stderr)
            self.assertIn('fake kernel: hanging here', proc.stderr)


class KnownFailures(unittest.TestCase):
    """Listed failures are XFAIL (skipped); a listed case that passes fails the run."""

    def summarise(self, status, reason='a known bug'):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 't-a-kunit.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'test_cases': [], 'sub_groups': [
                    {'name': 'suite', 'sub_groups': [], 'test_cases': [
                        {'name': 'flaky', 'status': status},
                        {'name': 'fine', 'status': 'PASS'}]}]}, f)
            with open(os.path.join(d, 'expected.tsv'), 'w', encoding='utf-8') as f:
                f.write('t\ta\tkunit\n')
            with open(os.path.join(d, 'known.conf'), 'w', encoding='utf-8') as f:
                f.write(f'# comment\nt  a  kunit  suite/flaky  {reason}\n')
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'summary',
                        '--results', d, '--expected', os.path.join(d, 'expected.tsv'),
                        '--known-failures', os.path.join(d, 'known.conf')])
            with open(os.path.join(d, 'summary.json'), encoding='utf-8') as f:
                return proc, json.load(f)['suites'][0]

    def test_xfail(self):
        proc, rec = self.summarise('FAIL')
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual((rec['passed'], rec['failed'], rec['skipped'], rec['xfail']), (1, 0, 1, 1))
        self.assertIn('XFAIL: t/a/kunit: suite/flaky (known: a known bug)', proc.stdout)

    def test_xpass_fails(self):
        proc, rec = self.summarise('PASS')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((rec['passed'], rec['failed']), (1, 1))
        self.assertIn('passes but is listed', proc.stdout)

    def test_sometimes_may_pass(self):
        proc, rec = self.summarise('PASS', 'sometimes: a race')
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual((rec['passed'], rec['failed'], rec['skipped']), (2, 0, 0))
        proc, rec = self.summarise('FAIL', 'sometimes: a race')
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual((rec['passed'], rec['failed'], rec['xfail']), (1, 0, 1))
