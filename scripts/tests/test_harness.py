# SPDX-License-Identifier: GPL-2.0
"""Checks of the harness itself: argument handling, error paths, parsing.

Run by scripts/run-harness-tests.py (which `make check` calls).  Checks that
need the kernel's kunit.py use the tree run_tests.sh fetched; they fail,
not skip, when it is missing.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
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
        self.check(['--cell', 'x86_64'], "bad --cell 'x86_64'")

    def test_cell_unknown_tree(self):
        self.check(['--cell', 'mainline:x86_64'], "unknown tree 'mainline'")

    def test_cell_unknown_arch(self):
        self.check(['--cell', 'series:sparc'], "unknown arch 'sparc'")

    def test_filter_selects_nothing(self):
        self.check(['--filter', 'no_such_case*'], "selects no case")

    def test_stress_needs_seconds(self):
        self.check(['--stress', 'long'], "--stress needs a positive number")

    def test_shell_needs_one_cell(self):
        self.check(['--shell'], "--shell boots one cell")

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


def write_tree(root, files):
    """Write {relative path: text} under @root."""
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)


class KdirImport(unittest.TestCase):
    """import-tree.sh takes every file of a --kdir tree, whatever its own
    ignore rules and the user's git configuration say, leaves out only what
    a build made, and checks what it took.  Each test imports a small tree
    into a cache of its own (rsync runs in the toolchain root)."""

    SOURCES = {
        'Makefile': 'VERSION = 7\nPATCHLEVEL = 3\n',
        'tools/testing/kunit/kunit.py': '# kunit.py\n',
        'kernel/bpf/arena.c': 'struct bpf_arena {\n\tu64 nr_pages;\n};\n',
        # Debian's linux-source: everything but debian/ is ignored
        '.gitignore': '/*\n!/debian/\n',
        'debian/rules': 'rules\n',
        'include/.gitignore': '*.h\n',
        'include/linux/bpf.h': 'int bpf;\n',
        'drivers/foo/foo.c': 'int foo;\n',
    }
    BUILT = {
        '.config': 'CONFIG_BPF=y\n',
        'include/generated/autoconf.h': '#define CONFIG_BPF 1\n',
        'arch/x86/include/generated/asm/syscalls.h': '\n',
        'kernel/bpf/arena.o': 'ELF\n',
        'kernel/bpf/.arena.o.cmd': 'cmd\n',
        'vmlinux': 'ELF\n',
        '.vmlinux.cmd': 'cmd\n',
        '.kunit/.config': 'CONFIG_KUNIT=y\n',
        '.kunit/vmlinux': 'ELF\n',
        'tools/testing/kunit/__pycache__/kunit.cpython-311.pyc': 'pyc\n',
        'drivers/foo/.git/HEAD': 'ref: refs/heads/main\n',	# a nested repository
    }

    def setUp(self):
        root = os.path.join(CACHE, 'root')
        self.assertTrue(os.path.isfile(os.path.join(root, 'usr', 'bin', 'clang-19')),
                        f'no toolchain root at {root} (run: make deps)')
        self.tmp = tempfile.TemporaryDirectory()  # pylint: disable=consider-using-with
        self.addCleanup(self.tmp.cleanup)
        self.kdir = os.path.join(self.tmp.name, 'linux')
        self.cache = os.path.join(self.tmp.name, 'cache')
        os.makedirs(self.cache)
        os.symlink(root, os.path.join(self.cache, 'root'))
        # The user's git configuration hides sources, runs a failing hook
        # on commit and signs commits.
        home = os.path.join(self.tmp.name, 'home')
        write_tree(home, {'excludes': '*.c\n*.py\nMakefile\n',
                          'hooks/pre-commit': '#!/bin/sh\nexit 1\n',
                          'gitconfig': f'[core]\n\texcludesFile = {home}/excludes\n'
                                       f'\thooksPath = {home}/hooks\n[commit]\n\tgpgSign = true\n'})
        os.chmod(os.path.join(home, 'hooks', 'pre-commit'), 0o755)
        self.gitconfig = os.path.join(home, 'gitconfig')

    def import_tree(self, extra=None):
        write_tree(self.kdir, dict(self.SOURCES, **self.BUILT, **(extra or {})))
        return run([os.path.join(REPO, 'scripts', 'import-tree.sh'), self.kdir],
                   env={'ARENA_KFAULT_CACHE': self.cache, 'GIT_CONFIG_GLOBAL': self.gitconfig})

    def test_ignored_tree_imported_whole(self):
        proc = self.import_tree()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        snap = os.path.join(self.cache, 'src', proc.stdout.strip())
        files = run(['git', '-C', snap, 'ls-tree', '-r', '--name-only', 'pristine']).stdout.split()
        self.assertEqual(sorted(files), sorted(self.SOURCES), 'every source, no build output')
        with open(os.path.join(snap, '.gitignore'), encoding='utf-8') as f:
            self.assertNotIn('/*', f.read().split(), "Debian's packaging rule stays out")
        for key in ('core.excludesFile', 'core.hooksPath'):
            self.assertEqual(run(['git', '-C', snap, 'config', key]).stdout.strip(), '/dev/null',
                             f"the snapshot's worktrees never read the user's {key}")

    def test_snapshot_checked(self):
        # kbuild's command record beside arena.c: the copy takes it for
        # build output, and the check refuses the snapshot without it.
        proc = self.import_tree({'kernel/bpf/.arena.c.cmd': 'cmd\n'})
        line = one_error_line(self, proc)
        self.assertIn('has no kernel/bpf/arena.c', line)
        self.assertIn('left it out as build output', line)

    def test_rule_hiding_the_kunit_copy(self):
        proc = self.import_tree({'kernel/.gitignore': '*.c\n'})
        line = one_error_line(self, proc)
        self.assertIn('kernel/.gitignore:1:*.c', line)
        self.assertIn('hides kernel/bpf/arena_kfault_test.c', line)


class SuiteFit(unittest.TestCase):
    """scripts/check-fit.py: configs/suite-requirements against a tree; a
    suite the tree lacks something for gets one line, the others stay."""

    SUITES = ['kunit', 'kselftest', 'must_oops', 'bpf_selftests', 'kunit_tool', 'stress', 'bench']

    @staticmethod
    def requirements():
        """The rows of configs/suite-requirements: [suites, file, regex, what]."""
        rows = []
        with open(os.path.join(REPO, 'configs', 'suite-requirements'), encoding='utf-8') as f:
            for line in f:
                if line.strip() and not line.startswith('#'):
                    rows.append(line.split(None, 3))
        return rows

    def check(self, src, arch, suites, not_run=None):
        cmd = ['python3', os.path.join(REPO, 'scripts', 'check-fit.py'), '--src', src,
               '--arch', arch, '--tree', 'upstream']
        return run(cmd + (['--not-run', not_run] if not_run else []) + suites)

    def test_suites_are_run_tests_suites(self):
        with open(os.path.join(REPO, 'run_tests.sh'), encoding='utf-8') as f:
            known = re.search(r'^all_suites="([^"]*)"', f.read(), re.M).group(1).split()
        for suites, *_ in self.requirements():
            self.assertEqual(set(suites.split(',')) - set(known), set(), suites)

    def test_debian_source_fits_every_suite(self):
        self.assertTrue(os.path.isdir(KSRC), f'no kernel tree at {KSRC} (run: make deps)')
        for arch in ('x86_64', 'arm64'):
            proc = self.check(KSRC, arch, self.SUITES)
            self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, '', ''), arch)

    def test_tree_without_nr_pages(self):
        self.assertTrue(os.path.isdir(KSRC), f'no kernel tree at {KSRC} (run: make deps)')
        with tempfile.TemporaryDirectory() as d:
            # The files the table reads, from the Debian source, but an
            # arena.c without nr_pages (as 7.2.y's).
            for _, path, *_ in self.requirements():
                path = path.replace('$SRCARCH', 'x86')
                os.makedirs(os.path.dirname(os.path.join(d, path)), exist_ok=True)
                with open(os.path.join(KSRC, path), encoding='utf-8') as f:
                    text = f.read()
                if path == 'kernel/bpf/arena.c':
                    self.assertIn('\tu64 nr_pages;\n', text)
                    text = text.replace('\tu64 nr_pages;\n', '')
                with open(os.path.join(d, path), 'w', encoding='utf-8') as f:
                    f.write(text)
            not_run = os.path.join(d, 'notrun.tsv')
            proc = self.check(d, 'x86_64', ['kunit', 'kselftest', 'must_oops', 'bpf_selftests'],
                              not_run)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(proc.stdout.splitlines(), [
                'upstream/x86_64: this tree lacks struct bpf_arena::nr_pages '
                '(kernel/bpf/arena.c), which the kunit suite needs: not run'])
            with open(not_run, encoding='utf-8') as f:
                rows = [line.rstrip('\n').split('\t') for line in f]
            self.assertEqual([(r[2], r[4]) for r in rows], [('kunit', 'unfit')],
                             'the other suites are still run')

    def test_arch_specific_line(self):
        with tempfile.TemporaryDirectory() as d:
            proc = self.check(d, 'arm64', ['must_oops'])
            self.assertIn('__arena kfunc arguments in the arm64 JIT '
                          '(arch/arm64/net/bpf_jit_comp.c: no such file)', proc.stdout)


class UnfitSuites(unittest.TestCase):
    """A suite the tree does not fit is a skip with its reason on a --kdir
    tree, never a silent pass; a run that fits nothing fails, and so does
    the Debian source not fitting."""

    WHY = 'this tree lacks struct bpf_arena::nr_pages (kernel/bpf/arena.c), which the kunit suite needs'

    def summarise(self, not_run, source='kdir-0123456789'):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 't-a-kselftest.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': [
                    {'name': 'a', 'status': 'PASS'}]}, f)
            write_tree(d, {'expected.tsv': 't\ta\tkunit\nt\ta\tkselftest\n',
                           'notrun.tsv': not_run})
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'summary',
                        '--results', d, '--expected', os.path.join(d, 'expected.tsv'),
                        '--not-run', os.path.join(d, 'notrun.tsv'), '--source', source])
            with open(os.path.join(d, 'summary.json'), encoding='utf-8') as f:
                return proc, json.load(f)

    def test_skip_with_reason(self):
        proc, summary = self.summarise(f't\ta\tkunit\t{self.WHY}\tunfit\n'
                                       't\ta\tkunit\tbuild failed\n')
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(summary['totals'], {'passed': 1, 'failed': 0, 'skipped': 1,
                                             'failed_steps': 0})
        self.assertEqual(summary['suites'][0]['not_run'], self.WHY)
        self.assertIn(f'SKIPPED: t/a/kunit: not run: {self.WHY}', proc.stdout)
        row = next(l.split() for l in proc.stdout.splitlines() if l.startswith('t ') and 'kunit' in l)
        self.assertEqual(row[-1], 'skip')

    def test_nothing_fits_fails(self):
        why = self.WHY.replace('kunit suite', 'kselftest suite')
        proc, summary = self.summarise(f't\ta\tkunit\t{self.WHY}\tunfit\n'
                                       f't\ta\tkselftest\t{why}\tunfit\n')
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertEqual(summary['totals']['failed'], 1)
        self.assertIn('no suite asked for could run', proc.stdout)

    def test_debian_source_must_fit(self):
        proc, summary = self.summarise(f't\ta\tkunit\t{self.WHY}\tunfit\n', source='debian')
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertEqual(summary['suites'][0]['error'], f'not run: {self.WHY}')


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
            self.assertIn('kernel/bpf/arena.c: its hunk @@ -1,3 +1,3 @@ does not match', line)
            self.assertIn('(no "int x;" there)', line)


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
        self.assertEqual(names.get('arena_kfault:arena_kfault_test/arena.two'), 'FAIL')
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

    def test_stall_before_user_space(self):
        """A guest whose /init never starts is given up at --alive-timeout
        (status 3, which scripts retry once), not at --timeout."""
        with tempfile.TemporaryDirectory() as d:
            qemu = os.path.join(d, 'qemu-system-x86_64')
            with open(qemu, 'w', encoding='utf-8') as f:
                f.write('#!/bin/sh\necho "fake kernel: stuck early"\nexec sleep 60\n')
            os.chmod(qemu, 0o755)
            start = time.monotonic()
            proc = run(['python3', os.path.join(REPO, 'scripts', 'boot.py'), '--src', KSRC,
                        '--build-dir', d, '--arch', 'x86_64', '--initrd', '/dev/null',
                        '--timeout', '50', '--alive', '/init started', '--alive-timeout', '2',
                        '--console', os.path.join(d, 'console.log')],
                       env={'PATH': d + os.pathsep + os.environ['PATH']})
            self.assertEqual(proc.returncode, 3, proc.stderr)
            self.assertIn('did not reach user space in 2s', proc.stderr)
            self.assertLess(time.monotonic() - start, 20)


def lib_sh(script, **env):
    """Run @script in bash after sourcing scripts/lib.sh; its stdout."""
    proc = run(['bash', '-c', f'. {REPO}/scripts/lib.sh; {script}'], env=env)
    if proc.returncode:
        raise AssertionError(f'lib.sh script failed: {proc.stderr}')
    return proc.stdout


class FlavourDirectives(unittest.TestCase):
    """A flavour's "#NAME N" lines, from its fragment and its per-arch one."""

    def test_per_arch_fragment(self):
        with open(os.path.join(REPO, 'configs', 'flavours', 'debug.arm64.config'),
                  encoding='utf-8') as f:
            self.assertIn('# CONFIG_KASAN is not set', f.read())

    def test_timeout_factor(self):
        self.assertEqual(lib_sh('load_arch arm64; scaled 10', FLAVOURS='debug'), '30\n')
        self.assertEqual(lib_sh('scaled 10', FLAVOURS='nothp'), '10\n')


class BuildSkip(unittest.TestCase):
    """build-kernel.sh skips make only when the tree, the config and the
    toolchain are what its last successful build had."""

    def test_inputs_id_sees_every_change(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, 'src')
            os.makedirs(os.path.join(src, 'tools', 'testing', 'selftests'))
            root = os.path.join(d, 'root')
            os.makedirs(os.path.join(root, 'var', 'lib', 'dpkg'))
            for path, text in (('Makefile', 'all:\n'), ('var/lib/dpkg/status', 'gcc 14\n')):
                with open(os.path.join(src if path == 'Makefile' else root, path), 'w',
                          encoding='utf-8') as f:
                    f.write(text)
            git = ['git', '-C', src, '-c', 'user.name=t', '-c', 'user.email=t@t']
            run(git[:3] + ['init', '-q'])
            run(git + ['add', '.'])
            run(git + ['commit', '-qm', 'base'])

            def ident(*extra):
                return lib_sh(f'src={src} ROOT={root}; kernel_inputs_id config {" ".join(extra)}')

            base = ident()
            self.assertEqual(ident(), base)
            self.assertNotEqual(ident('other-config'), base)
            with open(os.path.join(src, 'tools', 'testing', 'selftests', 'out.o'), 'w',
                      encoding='utf-8') as f:
                f.write('written by a test build\n')
            self.assertEqual(ident(), base, 'test build output is not a kernel input')
            with open(os.path.join(src, 'kunit_test.c'), 'w', encoding='utf-8') as f:
                f.write('int x;\n')
            untracked = ident()
            self.assertNotEqual(untracked, base)
            with open(os.path.join(src, 'Makefile'), 'a', encoding='utf-8') as f:
                f.write('# edited\n')
            edited = ident()
            self.assertNotEqual(edited, untracked)
            with open(os.path.join(root, 'var', 'lib', 'dpkg', 'status'), 'a',
                      encoding='utf-8') as f:
                f.write('pahole 1.30\n')
            self.assertNotEqual(ident(), edited)

    def test_stamp(self):
        with tempfile.TemporaryDirectory() as d:
            stamp = os.path.join(d, 'stamp')
            check = f'up_to_date {stamp} ID && echo skip || echo build'
            self.assertEqual(lib_sh(check), 'build\n')
            lib_sh(f'built {stamp} ID')
            self.assertEqual(lib_sh(check), 'skip\n')
            self.assertEqual(lib_sh(check, REBUILD='1'), 'build\n')
            self.assertEqual(lib_sh(check), 'build\n', '--rebuild dropped the stamp')


class KnownFailures(unittest.TestCase):
    """A listed case is XFAIL only when it fails with its signature."""

    def summarise(self, status, entry, log=('# flaky: the known bug happened',),
                  extra_args=(), extra_conf='', cases=None):
        with tempfile.TemporaryDirectory() as d:
            cases = cases or [{'name': 'flaky', 'status': status},
                              {'name': 'fine', 'status': 'PASS'}]
            with open(os.path.join(d, 't-a-kunit.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'test_cases': [], 'sub_groups': [
                    {'name': 'suite', 'sub_groups': [], 'test_cases': cases}]}, f)
            with open(os.path.join(d, 't-a-kunit.ktap'), 'w', encoding='utf-8') as f:
                f.write('\n'.join(list(log) + [f"{'ok' if status == 'PASS' else 'not ok'} 1 flaky",
                                               'ok 2 fine']) + '\n')
            with open(os.path.join(d, 'expected.tsv'), 'w', encoding='utf-8') as f:
                f.write('t\ta\tkunit\n')
            with open(os.path.join(d, 'known.conf'), 'w', encoding='utf-8') as f:
                f.write(f'# comment\n{entry}\n{extra_conf}\n')
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'summary',
                        '--results', d, '--expected', os.path.join(d, 'expected.tsv'),
                        '--known-failures', os.path.join(d, 'known.conf')] + list(extra_args))
            with open(os.path.join(d, 'summary.json'), encoding='utf-8') as f:
                return proc, json.load(f)['suites'][0]

    ENTRY = '[t a kunit flaky]\nsignature = the known bug\nreason = a known bug'

    def test_xfail(self):
        proc, rec = self.summarise('FAIL', self.ENTRY)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual((rec['passed'], rec['failed'], rec['skipped'], rec['xfail']), (1, 0, 1, 1))
        self.assertIn('XFAIL: t/a/kunit: suite/flaky (known: a known bug)', proc.stdout)

    def test_other_failure_fails(self):
        proc, rec = self.summarise('FAIL', self.ENTRY, log=('# flaky: a new bug',))
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertEqual(rec['failed'], 1)
        self.assertIn('not with its known signature', proc.stdout)

    def test_error_is_never_known(self):
        proc, rec = self.summarise('ERROR', self.ENTRY)
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)
        self.assertIn('ended in ERROR', proc.stdout)

    def test_timeout_is_never_known(self):
        proc, rec = self.summarise('FAIL', self.ENTRY, log=(
            '# flaky: the known bug happened', '# flaky: Test terminated by timeout'))
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)

    def test_xpass_fails(self):
        proc, rec = self.summarise('PASS', self.ENTRY)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((rec['passed'], rec['failed']), (1, 1))
        self.assertIn('passes but is listed', proc.stdout)

    def test_sometimes(self):
        entry = self.ENTRY + '\nsometimes = yes'
        proc, rec = self.summarise('PASS', entry)
        self.assertEqual((proc.returncode, rec['passed'], rec['failed']), (0, 2, 0), proc.stdout)
        proc, rec = self.summarise('FAIL', entry)
        self.assertEqual((proc.returncode, rec['xfail']), (0, 1), proc.stdout)
        proc, rec = self.summarise('FAIL', entry, log=('# flaky: a new bug',))
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)

    def test_every_line(self):
        entry = ('[t a kunit flaky]\nsignature = Oops: known\nmatch = every-line\n'
                 'reason = r')
        proc, rec = self.summarise('FAIL', entry, log=('# Oops: known', '# Oops: known'))
        self.assertEqual((proc.returncode, rec['xfail']), (0, 1), proc.stdout)
        proc, rec = self.summarise('FAIL', entry, log=('# Oops: known', '# WARNING: new'))
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)
        self.assertIn('WARNING: new', proc.stdout)

    def test_source_not_inherited(self):
        proc, rec = self.summarise('FAIL', self.ENTRY, extra_args=['--source', 'kdir-1234'])
        self.assertEqual((proc.returncode, rec['failed'], rec['xfail']), (1, 1, 0), proc.stdout)

    def test_flavours_exact(self):
        entry = self.ENTRY.replace('[t a kunit flaky]', '[t a kunit flaky nothp]')
        proc, rec = self.summarise('FAIL', entry)
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)
        proc, rec = self.summarise('FAIL', entry, extra_args=['--flavour', 'nothp'])
        self.assertEqual((proc.returncode, rec['xfail']), (0, 1), proc.stdout)

    def test_also_under_a_flavour(self):
        entry = self.ENTRY.replace('[t a kunit flaky]', '[t a kunit flaky]\nalso = debug')
        proc, rec = self.summarise('FAIL', entry, extra_args=['--flavour', 'debug'])
        self.assertEqual((proc.returncode, rec['xfail']), (0, 1), proc.stdout)
        proc, rec = self.summarise('FAIL', entry, extra_args=['--flavour', 'nothp'])
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)

    def test_repo_entries_have_signatures(self):
        sys.path.insert(0, os.path.join(REPO, 'scripts'))
        import results  # pylint: disable=import-outside-toplevel
        entries = results.read_known_failures(
            os.path.join(REPO, 'configs', 'known-failures.conf'))
        self.assertTrue(entries)
        def same_on_upstream(e):
            return any(u['tree'] == 'upstream' and
                       (u['arch'], u['suite'], u['case'], u['signature'].pattern, u['flavours'])
                       == (e['arch'], e['suite'], e['case'], e['signature'].pattern,
                           e['flavours']) for u in entries)

        for e in entries:
            # series and fixes pass everything but upstream's own selftests'
            # failures that are not the tree's (the same on upstream)
            if e['tree'] in ('series', 'fixes'):
                self.assertEqual(e['suite'], 'bpf_selftests',
                                 f'{e} lists a failure on a tree that must pass everything')
                self.assertTrue(same_on_upstream(e), f'{e} is not listed the same for upstream')
            self.assertTrue(e['signature'].pattern.strip())


class Accounting(unittest.TestCase):
    """Every expected case reports, no case skips unless allowed, failed
    steps and cells that never ran count as failures."""

    def summarise(self, cases, expected_cases, steps='', not_run=''):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 't-a-kunit.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'test_cases': [], 'sub_groups': [
                    {'name': 'suite', 'sub_groups': [], 'test_cases': cases}]}, f)
            files = {'expected.tsv': 't\ta\tkunit\n', 'cases': expected_cases,
                     'steps.tsv': steps, 'notrun.tsv': not_run}
            for name, text in files.items():
                with open(os.path.join(d, name), 'w', encoding='utf-8') as f:
                    f.write(text)
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'summary',
                        '--results', d, '--expected', os.path.join(d, 'expected.tsv'),
                        '--expected-cases', os.path.join(d, 'cases'),
                        '--steps', os.path.join(d, 'steps.tsv'),
                        '--not-run', os.path.join(d, 'notrun.tsv')])
            with open(os.path.join(d, 'summary.json'), encoding='utf-8') as f:
                return proc, json.load(f)

    def test_missing_case_fails(self):
        proc, summary = self.summarise([{'name': 'a', 'status': 'PASS'}],
                                       'kunit a\nkunit b\n')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(summary['totals']['failed'], 1)
        self.assertIn('b (did not report a result)', proc.stdout)

    def test_skip_fails_unless_allowed(self):
        cases = [{'name': 'a', 'status': 'SKIP'}, {'name': 'b', 'status': 'SKIP'}]
        proc, summary = self.summarise(cases, 'kunit a\nkunit b skip-ok: no such hardware\n')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((summary['totals']['failed'], summary['totals']['skipped']), (1, 1))

    def test_skip_pattern_allows_but_is_not_a_case(self):
        cases = [{'name': 'jit/x', 'status': 'SKIP'}, {'name': 'other', 'status': 'SKIP'}]
        proc, summary = self.summarise(cases, 'kunit jit/* skip-ok: no disassembler\n')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((summary['totals']['failed'], summary['totals']['skipped']), (1, 1))
        self.assertNotIn('did not report', proc.stdout)

    def test_failed_step_counts(self):
        proc, summary = self.summarise([{'name': 'a', 'status': 'PASS'}], 'kunit a\n',
                                       steps='t\ta\tkselftest\t5\t2\n')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(summary['totals']['failed'], 1)

    def test_not_run_cell_says_why(self):
        proc, summary = self.summarise([{'name': 'a', 'status': 'PASS'}], 'kunit a\n',
                                       not_run='t\ta\tkunit\tbuild failed\n')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(summary['suites'][0]['error'], 'not run: build failed')

    def test_list_matches_sources(self):
        with open(os.path.join(REPO, 'configs', 'expected-cases'), encoding='utf-8') as f:
            listed = {tuple(line.split()[:2]) for line in f
                      if line.strip() and not line.startswith('#')}
        with open(os.path.join(REPO, 'kunit', 'arena_kfault_test.c'), encoding='utf-8') as f:
            kunit = set(re.findall(r'KUNIT_CASE\w*\((\w+)', f.read()))
        ksft = set()
        sdir = os.path.join(REPO, 'selftests', 'arena_kfault')
        for name in os.listdir(sdir):
            if not name.endswith('_test.c'):
                continue
            with open(os.path.join(sdir, name), encoding='utf-8') as f:
                text = f.read()
            # fixture.test, or fixture.variant.test for each variant
            for fixture, test in re.findall(r'^TEST_F\w*\((\w+), (\w+)', text, re.M):
                variants = re.findall(r'^FIXTURE_VARIANT_ADD\(%s, (\w+)\)' % fixture, text, re.M)
                ksft |= {'.'.join([fixture] + ([v] if v else []) + [test])
                         for v in variants or ['']}
        self.assertEqual({c.split('/')[0] for s, c in listed if s == 'kunit'},
                         kunit | {'kernel_log_clean'})
        self.assertEqual({c for s, c in listed if s == 'kselftest'},
                         ksft | {'kernel_log_clean', 'kmemleak_clean'})
        with open(os.path.join(sdir, 'must-oops.list'), encoding='utf-8') as f:
            oops = {l.split()[0] for l in f if l.strip() and not l.startswith('#')}
        self.assertEqual({c for s, c in listed if s == 'must_oops'}, oops)


class Filter(unittest.TestCase):
    """--filter GLOB picks cases by name or by their last component, and
    a run with a filter expects only the cases it picked."""

    def picks(self, glob):
        proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'filter-cases',
                    '--expected-cases', os.path.join(REPO, 'configs', 'expected-cases'),
                    '--glob', glob])
        return dict(line.split(' ', 1) for line in proc.stdout.splitlines())

    def test_by_last_component(self):
        self.assertEqual(self.picks('kfunc_accesses_recover'), {'kselftest': (
            'window_edge.last_arena_page.kfunc_accesses_recover,'
            'window_edge.upper_half_guard.kfunc_accesses_recover')})

    def test_kunit_params_and_must_oops(self):
        picks = self.picks('handler_range_boundaries')
        self.assertEqual(set(picks), {'kunit'})
        self.assertIn('handler_range_boundaries/kbase', picks['kunit'])
        self.assertEqual(self.picks('no_arena'), {'must_oops': 'no_arena'})


class OneConfigList(unittest.TestCase):
    """The KUnit kunitconfig and the kselftests' config each stand alone
    (kunit.py and `make kselftest-merge` read them on their own), so they
    may share options, never with different values; configs/kernel.config
    only adds what neither of them needs."""

    @staticmethod
    def options(path):
        opts = {}
        with open(path, encoding='utf-8') as f:
            for line in f:
                m = re.match(r'(CONFIG_\w+)=(.*)|# (CONFIG_\w+) is not set', line)
                if m:
                    opts[m.group(1) or m.group(3)] = m.group(2) if m.group(1) else 'n'
        return opts

    def setUp(self):
        self.kunit = self.options(os.path.join(REPO, 'configs', 'kunit', 'arena_kfault.kunitconfig'))
        self.ksft = self.options(os.path.join(REPO, 'selftests', 'arena_kfault', 'config'))
        self.kernel = self.options(os.path.join(REPO, 'configs', 'kernel.config'))

    def test_shared_options_agree(self):
        differ = {o: (self.kunit[o], self.ksft[o]) for o in self.kunit.keys() & self.ksft.keys()
                  if self.kunit[o] != self.ksft[o]}
        self.assertEqual(differ, {})

    def test_kernel_config_only_adds(self):
        self.assertEqual(self.kernel.keys() & (self.kunit.keys() | self.ksft.keys()), set())

    def test_build_merges_every_fragment(self):
        with open(os.path.join(REPO, 'scripts', 'build-kernel.sh'), encoding='utf-8') as f:
            text = f.read()
        for frag in ('configs/kunit/*.kunitconfig', 'selftests/arena_kfault/config',
                     'configs/kernel.config', 'check-config.py'):
            self.assertIn(frag, text)


class ConfigCheck(unittest.TestCase):
    """scripts/check-config.py: a configured kernel has every option the
    merged fragment asks for, and nothing is off only because EXPERT is on
    (how NAMESPACES, which test_progs needs, once went missing)."""

    @classmethod
    def setUpClass(cls):
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            'check_config', os.path.join(REPO, 'scripts', 'check-config.py'))
        cls.cc = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cls.cc)

    def kconfig_tree(self, d):
        os.makedirs(os.path.join(d, 'init'))
        with open(os.path.join(d, 'init', 'Kconfig'), 'w', encoding='utf-8') as f:
            f.write('menuconfig NAMESPACES\n\tbool "Namespaces support" if EXPERT\n'
                    '\tdefault !EXPERT\n\nconfig NET_NS\n\tbool "Network namespace"\n'
                    '\tdefault y\n\nconfig FOO\n\tbool "foo"\n\tselect BAR if !EXPERT\n')
        return d

    def test_finds_expert_defaults(self):
        with tempfile.TemporaryDirectory() as d:
            syms = self.cc.expert_defaults(self.kconfig_tree(d))
        self.assertEqual(set(syms), {'CONFIG_NAMESPACES', 'CONFIG_BAR'})

    def test_expert_turned_off_is_reported(self):
        problems = self.cc.check({'CONFIG_EXPERT': 'y', 'CONFIG_NAMESPACES': 'n'},
                                 {'CONFIG_EXPERT': 'y'}, {'CONFIG_NAMESPACES': 'init/Kconfig:3'})
        self.assertEqual(len(problems), 1, problems)
        self.assertIn('CONFIG_NAMESPACES: off only because EXPERT=y', problems[0])

    def test_expert_off_listed_is_accepted(self):
        self.assertEqual(self.cc.check({'CONFIG_EXPERT': 'y', 'CONFIG_NAMESPACES': 'n'},
                                       {'CONFIG_EXPERT': 'y', 'CONFIG_NAMESPACES': 'n'},
                                       {'CONFIG_NAMESPACES': 'init/Kconfig:3'}), [])

    def test_option_not_as_asked(self):
        problems = self.cc.check({'CONFIG_NET': 'y'}, {'CONFIG_NET_NS': 'y'}, {})
        self.assertEqual(problems, ['CONFIG_NET_NS: asked for y, the configured kernel has not set'])

    def test_repo_config_sets_back_what_expert_drops(self):
        """configs/kernel.config against the tree's real Kconfig: every
        "default !EXPERT" option a guest kernel can see is set or listed,
        and the fragment without NAMESPACES (the trim as first written)
        fails."""
        self.assertTrue(os.path.isdir(KSRC), f'no kernel tree at {KSRC} (run: make deps)')
        syms = self.cc.expert_defaults(KSRC)
        frag = OneConfigList.options(os.path.join(REPO, 'configs', 'kernel.config'))
        visible = {s: 'n' for s in ('CONFIG_NAMESPACES', 'CONFIG_DEBUG_MEMORY_INIT')}
        configured = dict(visible, **frag)
        self.assertEqual(self.cc.check(configured, frag, syms), [])
        trimmed = {o: v for o, v in frag.items() if o not in visible}
        problems = self.cc.check(dict(visible, **trimmed), trimmed, syms)
        self.assertEqual(sorted(p.split(':')[0] for p in problems), sorted(visible))


class NoGreenFromFailure(unittest.TestCase):
    """Failures of the harness itself are never reported as a pass."""

    def test_verbose_step_failure_stops(self):
        # Its own results and logs: the run that called the self-checks
        # (make check) is using the clone's.
        with tempfile.TemporaryDirectory() as d:
            proc = run([os.path.join(REPO, 'run_tests.sh'), '-v', '--kdir', '/nonexistent/linux'],
                       env={'ARENA_KFAULT_BUILD': d})
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn('cannot use --kdir', proc.stderr)

    def test_relative_results_dir_refused(self):
        proc = run([os.path.join(REPO, 'run_tests.sh'), '--help'],
                   env={'ARENA_KFAULT_RESULTS': 'relative/dir'})
        self.assertIn('must be absolute paths', one_error_line(self, proc))

    def test_outside_results_dir_bound(self):
        proc = run(['bash', '-c', f'. {REPO}/scripts/lib.sh; echo "$ROOT_BINDS"'],
                   env={'ARENA_KFAULT_RESULTS': '/tmp/elsewhere/results'})
        self.assertIn('/tmp/elsewhere/results', proc.stdout.split())

    def test_ci_never_prints_a_stale_summary(self):
        with tempfile.TemporaryDirectory() as d:
            clone = os.path.join(d, 'clone')
            subprocess.run(['git', 'clone', '-q', REPO, clone], check=True)
            for sub in ('.ci', 'scripts', 'run_tests.sh', 'Makefile', 'configs'):
                subprocess.run(['cp', '-r', os.path.join(REPO, sub), clone], check=True)
            os.makedirs(os.path.join(clone, 'build', 'results'))
            with open(os.path.join(clone, 'build', 'results', 'summary.json'), 'w',
                      encoding='utf-8') as f:
                json.dump({'totals': {'passed': 99, 'failed': 0, 'skipped': 0}}, f)
            proc = run(['bash', os.path.join(clone, '.ci', 'run')], env={'CI_RUN_ARGS': '-h'})
            self.assertNotEqual(proc.returncode, 0)
            self.assertEqual(proc.stdout.strip().splitlines()[-1], '0 passed, 1 failed, 0 skipped')


class MutantVerdict(unittest.TestCase):
    """A mutant is killed only by a FAIL in complete results."""

    def verdict(self, suites):
        with tempfile.TemporaryDirectory() as d:
            for suite, cases in suites.items():
                if cases is None:
                    continue
                with open(os.path.join(d, f'series-a-{suite}.json'), 'w', encoding='utf-8') as f:
                    json.dump({'name': 'x', 'sub_groups': [], 'test_cases': [
                        {'name': n, 'status': st} for n, st in cases]}, f)
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'mutant-verdict',
                        '--results', d, '--arch', 'a', '--suites', ' '.join(suites)])
            return proc.stdout.strip()

    def test_killed(self):
        self.assertTrue(self.verdict({'kunit': [('x', 'FAIL')], 'kselftest': [('y', 'PASS')]})
                        .startswith('killed: x'))

    def test_missing_results_inconclusive(self):
        self.assertTrue(self.verdict({'kunit': [('x', 'FAIL')], 'kselftest': None})
                        .startswith('inconclusive:'))

    def test_crash_inconclusive(self):
        self.assertTrue(self.verdict({'kunit': [('x', 'ERROR')]}).startswith('inconclusive:'))

    def test_survived(self):
        self.assertEqual(self.verdict({'kunit': [('x', 'PASS')]}), 'survived')


class PatchTags(unittest.TestCase):
    """check-tags.py fails a patch without a matching Signed-off-by or with a
    malformed Fixes: tag, and passes the fixes series as shipped."""

    PATCH = textwrap.dedent('''\
        From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
        From: A U Thor <author@example.org>
        Subject: [PATCH bpf 1/1] bpf: Fix it

        Because.

        {tags}
        ---
         kernel/bpf/arena.c | 1 +
        ''')

    def check(self, tags):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, '0001-fix.patch')
            with open(path, 'w', encoding='utf-8') as f:
                f.write(self.PATCH.format(tags=tags))
            return run(['python3', os.path.join(REPO, 'scripts', 'check-tags.py'), path])

    def test_good(self):
        proc = self.check('Fixes: 0123456789ab ("bpf: Break it")\n'
                          'Signed-off-by: A U Thor <author@example.org>')
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn('not verified', proc.stdout)

    def test_no_signoff(self):
        self.assertNotEqual(self.check('Fixes: 0123456789ab ("bpf: Break it")').returncode, 0)

    def test_signoff_not_author(self):
        proc = self.check('Signed-off-by: Someone Else <else@example.org>')
        self.assertNotEqual(proc.returncode, 0)

    def test_short_fixes_sha(self):
        proc = self.check('Fixes: 0123456 ("bpf: Break it")\n'
                          'Signed-off-by: A U Thor <author@example.org>')
        self.assertIn('malformed', proc.stdout)
        self.assertNotEqual(proc.returncode, 0)

    def test_shipped_fixes(self):
        pdir = os.path.join(REPO, 'kernel-patches', 'fixes')
        patches = sorted(os.path.join(pdir, n) for n in os.listdir(pdir)
                         if n.endswith('.patch') and not n.startswith('0000-'))
        proc = run(['python3', os.path.join(REPO, 'scripts', 'check-tags.py')] + patches)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn('placeholder', proc.stdout)


class KernelLogCheck(unittest.TestCase):
    """The KUnit boot's console is scanned with selftests/arena_kfault/splat-patterns."""

    def check(self, console_lines):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ('console', 'j.json', 'k.ktap')}
            with open(paths['console'], 'w', encoding='utf-8') as f:
                f.write('\n'.join(console_lines) + '\n')
            with open(paths['j.json'], 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': []}, f)
            open(paths['k.ktap'], 'w', encoding='utf-8').close()
            run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'log-check',
                 '--console', paths['console'], '--json', paths['j.json'],
                 '--ktap', paths['k.ktap']])
            with open(paths['j.json'], encoding='utf-8') as f:
                return json.load(f)['test_cases'][-1]

    def test_clean(self):
        self.assertEqual(self.check(['ok 1 bpf_arena_kfault'])['status'], 'PASS')

    def test_splats(self):
        for line in ('WARNING: CPU: 1 PID: 5 at kernel/foo.c:1 bar+0x0/0x10',
                     'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
                     'INFO: task kworker/0:1 blocked for more than 120 seconds.',
                     'BUG: KASAN: slab-use-after-free in baz+0x1/0x2',
                     'INFO: trying to register non-static key.',
                     '[   12.3] ODEBUG: free active (active state 0) object: 0000 object type: timer_list'):
            self.assertEqual(self.check(['ok 1 x', line])['status'], 'FAIL', line)


class Timings(unittest.TestCase):
    """--timings says where a kselftest boot spent its time."""

    def test_kselftest_boot_breakdown(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'summary.json'), 'w', encoding='utf-8') as f:
                json.dump({'run': {'steps': [
                    {'tree': 'fixes', 'arch': 'x86_64', 'step': 'kselftest', 'seconds': 50, 'rc': 0}]}}, f)
            with open(os.path.join(d, 'fixes-x86_64-kselftest.console'), 'w', encoding='utf-8') as f:
                f.write('# arena-kfault: /init started at 9.40 s\n'
                        '    # arena-kfault: arena_kfault_test took 21.2 s\n'
                        '# arena-kfault: kmemleak took 8.0 s (6 s of it the minimum age)\n'
                        '# boot.py: guest ran 49.6s, qemu exit 0\n')
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'timings',
                        '--logs', d, os.path.join(d, 'summary.json')])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('fixes/x86_64 kselftest boot: kernel boot 9 s, arena_kfault_test 21 s, '
                      'kmemleak 8 s, QEMU 50 s in all', proc.stdout)


class TestProgsOutput(unittest.TestCase):
    """test_progs' console output becomes KTAP: every selected test is a
    case, a test that never reported is 'not ok', a failed subtest carries
    the log printed before it."""

    CONSOLE = textwrap.dedent('''\
        # bpf_selftests: test_progs begin
        #1/1     arena_htab/arena_htab_llvm:OK
        #1/2     arena_htab/arena_htab_asm:OK
        #1       arena_htab:OK
        test_stream_errors:FAIL:stream read unexpected stream read: actual 0 <= expected 0
        #2/3     stream/stream_errors:FAIL
        #2       stream:FAIL
        #3       arena_atomics:SKIP
        # bpf_selftests: test_progs exit 1
        ''')

    def convert(self, console, tests):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ('console', 'tests', 'out.ktap')}
            with open(paths['console'], 'w', encoding='utf-8') as f:
                f.write(console)
            with open(paths['tests'], 'w', encoding='utf-8') as f:
                f.write('\n'.join(tests) + '\n')
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'test-progs',
                        '--console', paths['console'], '--tests', paths['tests'],
                        '--ktap', paths['out.ktap']])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(paths['out.ktap'], encoding='utf-8') as f:
                return f.read().splitlines()

    def test_results_and_missing_test(self):
        ktap = self.convert(self.CONSOLE, ['arena_htab', 'stream', 'arena_atomics', 'arena_list'])
        self.assertIn('    1..4', ktap)
        self.assertIn('    ok 1 arena_htab', ktap)
        self.assertIn('        ok 2 arena_htab_asm', ktap)
        self.assertIn('    not ok 2 stream', ktap)
        self.assertIn('    ok 3 arena_atomics # SKIP', ktap)
        self.assertTrue(any(l.startswith('    not ok 4 arena_list # no result') for l in ktap),
                        ktap)
        self.assertEqual(ktap[-1], 'not ok 1 test_progs')

    def test_failure_outside_subtests_is_a_case(self):
        console = textwrap.dedent('''\
            #1/1     arena_list/arena_list_1:OK
            test_arena_list:FAIL:skel unexpected error: -22
            #1       arena_list:FAIL
            ''')
        ktap = self.convert(console, ['arena_list'])
        self.assertIn('        not ok 2 whole_test', ktap)
        self.assertIn('    not ok 1 arena_list', ktap)

    def test_error_summary_counted_once(self):
        summary = '\n'.join(['All error logs:', 'test_stream_errors:FAIL:stream read unexpected',
                              '#2/3     stream/stream_errors:FAIL', '#2       stream:FAIL',
                              '# bpf_selftests: stream exit 1'])
        console = self.CONSOLE.replace('# bpf_selftests: test_progs exit 1', summary)
        ktap = self.convert(console, ['stream'])
        self.assertEqual(sum('stream_errors' in l and 'not ok' in l for l in ktap), 1, ktap)

    def test_test_that_killed_the_kernel(self):
        console = '\n'.join(['# bpf_selftests: arena_scratch_replace begin',
                              'Unable to handle kernel paging request at virtual address ffff8',
                              'pc : bpf_kfunc_arena_arg_test+0xc/0x28 [bpf_testmod]',
                              'Kernel panic - not syncing: Oops: Fatal exception',
                              '# bpf_selftests: stream begin', '#2       stream:OK',
                              '# bpf_selftests: stream exit 0', '# bpf_selftests: done'])
        ktap = self.convert(console, ['arena_scratch_replace', 'stream'])
        i = next(i for i, l in enumerate(ktap) if 'not ok 1 arena_scratch_replace' in l)
        self.assertIn('the kernel died', ktap[i])
        self.assertTrue(any('pc : bpf_kfunc_arena_arg_test' in l for l in ktap[:i]), ktap)
        self.assertIn('    ok 2 stream', ktap)

    def test_failed_subtest_carries_its_log(self):
        ktap = self.convert(self.CONSOLE, ['stream'])
        i = ktap.index('        not ok 1 stream_errors')
        self.assertIn('stream read unexpected', ktap[i - 1])
