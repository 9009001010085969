# SPDX-License-Identifier: GPL-2.0
"""Checks of the harness itself: argument handling, error paths, parsing.

Run by scripts/run-harness-tests.py (which `make check` calls).  Checks that
need the kernel's kunit.py use the tree run_tests.sh fetched; they fail,
not skip, when it is missing.
"""
import configparser
import contextlib
import glob
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import types
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
DATA = os.path.join(REPO, 'scripts', 'tests', 'data')
CACHE = os.environ.get('ARENA_KFAULT_CACHE',
                       os.path.expanduser('~/.cache/arena-kfault'))
KSRC = os.path.join(CACHE, 'src', 'debian')
RESULTS_PY = os.path.join(REPO, 'scripts', 'results.py')


def run(cmd, env=None, **kw):
    """Run @cmd, return CompletedProcess with text stdout/stderr.  A python3
    command runs in this interpreter (no version-manager shim on the way),
    scripts/results.py in this process (results_cli)."""
    if cmd[:2] == ['python3', RESULTS_PY] and not env:
        return results_cli(*cmd[2:])
    full_env = dict(os.environ)
    full_env.update(env or {})
    if cmd[0] == 'python3':
        cmd = [sys.executable] + list(cmd[1:])
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env,
                          timeout=kw.pop('timeout', 120), check=False, **kw)


def one_error_line(test, proc):
    """@proc failed with exactly one 'error: ' line and no traceback."""
    test.assertNotEqual(proc.returncode, 0, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith('error: ')]
    test.assertEqual(len(errors), 1, f'stderr was:\n{proc.stderr}')
    test.assertNotIn('Traceback', proc.stderr)
    return errors[0]


class ShellLint(unittest.TestCase):
    """Every shell script of the harness is shellcheck-clean at warning
    level, following what it sources (scripts/setup.sh installs shellcheck
    on the host)."""

    def test_scripts_are_shellcheck_clean(self):
        exe = shutil.which('shellcheck')
        self.assertIsNotNone(exe, 'no shellcheck on the host: scripts/setup.sh installs it')
        scripts = [os.path.join(REPO, 'run_tests.sh'), os.path.join(REPO, '.ci', 'run')]
        for d in ('scripts', os.path.join('scripts', 'tests')):
            scripts += sorted(glob.glob(os.path.join(REPO, d, '*.sh')))
        proc = run([exe, '-x', '-P', 'SCRIPTDIR', '-S', 'warning', '-f', 'gcc'] + scripts,
                   cwd=os.path.join(REPO, 'scripts'))
        self.assertEqual(proc.stdout + proc.stderr, '',
                         f'shellcheck found (exit {proc.returncode}):')
        self.assertEqual(proc.returncode, 0)


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

    def test_unknown_flavour(self):
        self.check(['--flavour', 'kasan'], "unknown flavour 'kasan' (known: debug nothp)")

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


def table_rows(name):
    """The rows of configs/@name (a whitespace table, "#" comments), as lists
    of fields."""
    with open(os.path.join(REPO, 'configs', name), encoding='utf-8') as f:
        return [line.split() for line in f if line.strip() and not line.startswith('#')]


def copy_harness(d):
    """A copy of the harness (what a run reads) in the directory @d: its path."""
    copy = os.path.join(d, 'repo')
    os.makedirs(copy)
    for sub in ('run_tests.sh', 'scripts', 'configs', 'kernel-patches', 'kunit',
                'selftests', 'README.md'):
        subprocess.run(['cp', '-r', os.path.join(REPO, sub), copy], check=True)
    return copy


def names_in(paths_and_patterns):
    """{name: 'file: match'} of every group 1 of the (path, regex) pairs,
    searched in the repo's files."""
    found = {}
    for path, pattern in paths_and_patterns:
        with open(os.path.join(REPO, path), encoding='utf-8') as f:
            for m in re.finditer(pattern, f.read(), re.M):
                found.setdefault(m.group(1), f'{path}: {m.group(0)!r}')
    return found


class TreesTable(unittest.TestCase):
    """configs/trees.conf is the one place a tree is described: each row is
    well-formed, every tree a script or config names is in it, and lib.sh
    is its reader."""

    def trees(self):
        return [row[0] for row in table_rows('trees.conf')]

    def test_rows_well_formed(self):
        dirs = set()
        for row in table_rows('trees.conf'):
            name, default, source, fixes_tests, patches, *subject = row
            self.assertRegex(name, r'^[a-z][a-z0-9_]*$', row)
            self.assertIn(default, ('yes', 'no'), row)
            self.assertIn(source, ('feature', 'pre-feature', 'either'), row)
            self.assertIn(fixes_tests, ('yes', 'no'), row)
            self.assertTrue(subject, f'{name}: no subject column ("-": not sent)')
            for d in patches.split(','):
                d = d.rstrip('?')
                dirs.add(d)
                self.assertTrue(os.path.isdir(os.path.join(REPO, 'kernel-patches', d)),
                                f'{name}: no kernel-patches/{d}/')
            if subject != ['-']:
                self.assertIn(name, [d.rstrip('?') for d in patches.split(',')],
                              f'{name} is sent: kernel-patches/{name}/ must be among its patches')
        on_disk = {e.name for e in os.scandir(os.path.join(REPO, 'kernel-patches')) if e.is_dir()}
        self.assertEqual(on_disk - dirs, set(), 'patch directories no tree applies')
        # lib.sh reads the same table: every tree loads, in this order
        self.assertEqual(lib_sh('known_trees').split(), self.trees())
        self.assertEqual(lib_sh('for t in $(known_trees); do load_tree $t; echo $TREE_NAME; done')
                         .split(), self.trees())

    def test_malformed_row_refused(self):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, 'trees.conf')
            with open(conf, 'w', encoding='utf-8') as f:
                f.write('good  yes  either   yes  test  -\n'
                        'bad1  yes  sometimes yes test  -\n'
                        'bad2  yes  either   yes  ../test -\n'
                        'bad3  yes  either   yes  test\n'
                        'bad4  no   either   no   test  PATCH bpf\n')
            out = lib_sh(f'TREES_CONF={conf}; load_tree good; echo ok; '
                         'for t in bad1 bad2 bad3 bad4; do (load_tree $t) 2>&1 || true; done')
        self.assertEqual(out.splitlines(), [
            'ok',
            f"error: {conf}: tree bad1: source is feature, pre-feature or either, not 'sometimes'",
            f"error: {conf}: tree bad2: patches are directory names of kernel-patches/, not '../test'",
            f'error: {conf}: tree bad3: want name, default, source, fixes-tests, patches and subject',
            f'error: {conf}: tree bad4: a tree that is sent sends kernel-patches/bad4/, '
            'which it does not apply'])

    def test_names_used_are_trees(self):
        used = names_in([
            ('.ci/run', r'--cell (\w+):'),
            ('.ci/run', r'(\w+):(?:x86_64|arm64)\b'),
            ('Makefile', r'--tree (\w+)'),
            ('Makefile', r'^SERIES \?= (\w+)'),
            ('README.md', r'--tree (\w+)'),
            ('README.md', r'--cell (\w+):'),
            ('README.md', r'SERIES=(\w+)'),
            ('README.md', r'prepare-tree\.sh (\w+)'),
            ('run_tests.sh', r'trees=(\w+)'),
            ('scripts/check-series.sh', r'SERIES:-(\w+)'),
            ('scripts/export-series.sh', r'SERIES:-(\w+)'),
            ('scripts/format-series.sh', r'SERIES:-(\w+)'),
            ('scripts/prove-base-oopses.sh', r'prepare-tree\.sh" (\w+)'),
            ('scripts/run-mutants.sh', r'run-kunit\.sh" (\w+)'),
            ('scripts/results_report.py', r"f'(\w+)-\{arch\}"),
            ('configs/expected-cases', r'skip-ok (\w+) '),
        ])
        self.assertIn('series', used, 'the scan finds the names it looks for')
        unknown = {n: where for n, where in used.items()
                   if n not in self.trees() + ['all', 'any'] and not n.isupper()}
        self.assertEqual(unknown, {}, 'trees named outside configs/trees.conf')

    def test_known_failures_name_trees_arches_suites(self):
        """Every entry, its lists expanded, names a tree, an arch and a
        suite the harness has."""
        judge = judge_module()
        bad = sorted({f"{e['tree']} {e['arch']} {e['suite']}"
                      for e in judge.read_known_failures(KNOWN_FAILURES)
                      if e['tree'] not in judge.first_column('trees')
                      or e['arch'] not in judge.first_column('arches')
                      or e['suite'] not in judge.read_suites()})
        self.assertEqual(bad, [], 'configs/known-failures.conf names these')

    def test_adding_a_tree_is_one_line(self):
        """A copy of the harness with one more line in configs/trees.conf
        and its patch directory: --help, the cell matrix and
        prepare-tree.sh (on a small source of its own) know the tree."""
        with tempfile.TemporaryDirectory() as d:
            copy = copy_harness(d)
            with open(os.path.join(copy, 'configs', 'trees.conf'), 'a', encoding='utf-8') as f:
                f.write('newtree     yes      either   no           newtree           -\n')
            write_tree(os.path.join(copy, 'kernel-patches', 'newtree'), {
                '0001-new.patch': textwrap.dedent('''\
                    From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
                    From: T <t@t>
                    Subject: [PATCH] new

                    ---
                    --- a/kernel/bpf/arena.c
                    +++ b/kernel/bpf/arena.c
                    @@ -1,2 +1,3 @@
                     int bpf_arena_handle_page_fault;
                    +int newtree;
                     int b;
                    ''')})
            proc = run([os.path.join(copy, 'run_tests.sh'), '--help'])
            self.assertRegex(proc.stdout, r'(?m)^ +trees: upstream series fixes base newtree$')
            self.assertRegex(proc.stdout, r'(?m)^ +all: +upstream series fixes newtree$')
            proc = run([os.path.join(copy, 'run_tests.sh'), '--list', '--arch', 'x86_64',
                        '--only', 'kunit'])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual([line.split()[0] for line in proc.stdout.splitlines()],
                             ['cell', 'upstream/x86_64', 'series/x86_64', 'fixes/x86_64',
                              'newtree/x86_64'])
            src = os.path.join(d, 'cache', 'src', 'debian')
            write_tree(src, {'kernel/bpf/arena.c': 'int bpf_arena_handle_page_fault;\nint b;\n'})
            git = ['git', '-C', src, '-c', 'user.name=t', '-c', 'user.email=t@t']
            for cmd in (['init', '-q'], ['add', '-A'], ['commit', '-qm', 'x'], ['tag', 'pristine']):
                subprocess.run(git + cmd, check=True)
            proc = run([os.path.join(copy, 'scripts', 'prepare-tree.sh'), 'newtree'],
                       env={'ARENA_KFAULT_CACHE': os.path.join(d, 'cache')})
            self.assertEqual(proc.returncode, 0, proc.stderr)
            wt = proc.stdout.strip()
            self.assertEqual(wt, os.path.join(d, 'cache', 'work', 'debian', 'newtree', 'src'))
            with open(os.path.join(wt, 'kernel', 'bpf', 'arena.c'), encoding='utf-8') as f:
                self.assertIn('int newtree;', f.read())
            self.assertIn('applying 1 patches to newtree tree', proc.stderr)

    def test_help_lists_the_trees(self):
        proc = run([os.path.join(REPO, 'run_tests.sh'), '--help'])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        trees = re.search(r'^ +trees: (.*)$', proc.stdout, re.M).group(1).split()
        self.assertEqual(trees, self.trees())
        default = re.search(r'^ +all: +(.*)$', proc.stdout, re.M).group(1).split()
        self.assertEqual(default, [r[0] for r in table_rows('trees.conf') if r[1] == 'yes'])


class SuitesTable(unittest.TestCase):
    """configs/suites is the one place a suite is described: each row is
    well-formed, lib.sh and results_judge.py read it alike, every suite a
    script or config names is in it, and --help lists it."""

    COLUMNS = ('name', 'default', 'kind', 'cells', 'boots', 'build', 'cases', 'needs', 'what')

    def rows(self):
        return [dict(zip(self.COLUMNS, row[:8] + [' '.join(row[8:])]))
                for row in table_rows('suites')]

    def test_rows_well_formed(self):
        names = [r['name'] for r in self.rows()]
        self.assertEqual(len(names), len(set(names)), 'a suite listed twice')
        for r in self.rows():
            self.assertTrue(r['what'], f"{r['name']}: no what column")
            self.assertIn(r['default'], ('yes', 'no'), r)
            self.assertIn(r['kind'], ('test', 'benchmark'), r)
            self.assertIn(r['cells'], ('every', 'last'), r)
            self.assertIn(r['boots'], ('cell', 'own'), r)
            self.assertIn(r['build'], ('-', 'initramfs', 'bpf'), r)
            self.assertIn(r['cases'], ['-'] + names, r)
            for need in r['needs'].split(','):
                self.assertIn(need, ('-', 'filter', 'seconds', 'alone'), r)
            self.assertLessEqual(len(r['what']), 43, f"{r['name']}: what is too long for --help")
            script = os.path.join(REPO, 'scripts', f"run-{r['name'].replace('_', '-')}.sh")
            self.assertTrue(os.access(script, os.X_OK), f'no {script}')
        # every suite script is a suite's
        scripts = {n[4:-3].replace('-', '_') for n in os.listdir(os.path.join(REPO, 'scripts'))
                   if n.startswith('run-') and n.endswith('.sh')}
        self.assertEqual(scripts - set(names) - {'mutants'}, set(), 'run-*.sh of no suite')
        # lib.sh checks and reads each row as this check does
        self.assertEqual(lib_sh('for s in $(known_suites); do load_suite $s; '
                                'echo "$SUITE_NAME|$SUITE_CASES|$SUITE_WHAT"; done').splitlines(),
                         [f"{r['name']}|{r['cases']}|{r['what']}" for r in self.rows()])
        self.assertEqual(lib_sh('default_suites').split(),
                         [r['name'] for r in self.rows() if r['default'] == 'yes'])
        # and so does results_judge.py, which knows the steps of each build
        table = judge_module().read_suites()
        self.assertEqual(list(table), names)
        self.assertEqual(list(table.values()), self.rows())
        self.assertEqual(set(judge_module().BUILD_STEPS), {'-', 'initramfs', 'bpf'})

    def test_malformed_row_refused(self):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, 'suites')
            with open(conf, 'w', encoding='utf-8') as f:
                f.write('kunit  yes  test  every  cell  -  -  filter  good\n'
                        'bench  yes  bench every  cell  -  -  -  bad kind\n'
                        'stress yes  test  every  cell  -  nosuch -  bad cases\n'
                        'nothing yes test  every  cell  -  -  -  no script\n'
                        'kselftest yes test every cell  -  -  fast  bad need\n'
                        'must_oops yes test every cell  -  -  -\n')
            out = lib_sh(f'SUITES_CONF={conf}; load_suite kunit; echo ok; '
                         'for s in bench stress nothing kselftest must_oops; do '
                         '(load_suite $s) 2>&1 || true; done')
        self.assertEqual(out.splitlines(), [
            'ok',
            f"error: {conf}: suite bench: kind is test or benchmark, not 'bench'",
            f"error: {conf}: suite stress: cases names no suite: 'nosuch'",
            f'error: {conf}: suite nothing: no scripts/run-nothing.sh',
            f"error: {conf}: suite kselftest: needs are filter, seconds or alone, not 'fast'",
            f'error: {conf}: suite must_oops: want name, default, kind, cells, boots, build, '
            'cases, needs and what'])

    def test_names_used_are_suites(self):
        used = names_in([
            ('Makefile', r'--only (\w+)'),
            ('Makefile', r'--only [\w,]*,(\w+)'),
            ('README.md', r'--only ([a-z]\w*)'),
            ('.ci/run', r'--only (\w+)'),
            ('.ci/run', r'extra_suites=(\w+)'),
            ('.ci/run', r'extra_suites=[\w,]*,(\w+)'),
            ('run_tests.sh', r'only="\$\{only:-\$\(default_suites\)\} (\w+)"'),
            ('run_tests.sh', r"\^(\w+) //p"),
            ('scripts/run-mutants.sh', r'SUITES:-(\w+)'),
            ('scripts/run-mutants.sh', r'^\t(\w+)\)'),
            ('scripts/check-fit.py', r"UNAPPLIED_SUITES = \('(\w+)'"),
            ('scripts/results_report.py', r"BOOT_STEPS = \('(\w+)'"),
            ('scripts/results_report.py', r"BOOT_STEPS = \('\w+', '(\w+)'"),
            ('scripts/results_report.py', r"BOOT_STEPS = \('\w+', '\w+', '(\w+)'"),
            ('configs/suite-requirements', r'^([a-z_]+)[, ]'),
            ('configs/expected-cases', r'^(\w+) '),
        ])
        self.assertIn('must_oops', used, 'the scan finds the names it looks for')
        unknown = {n: where for n, where in used.items()
                   if n not in [r['name'] for r in self.rows()] + list(judge_module().HOST_SUITES)}
        self.assertEqual(unknown, {}, 'suites named outside configs/suites')

    def test_help_lists_the_suites(self):
        proc = run([os.path.join(REPO, 'run_tests.sh'), '--help'])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        listed = re.findall(r'^ {19}([* ]) (\w+) +(.*)$', proc.stdout, re.M)
        self.assertEqual([(mark == '*', name, what) for mark, name, what in listed],
                         [(r['default'] == 'yes', r['name'], r['what']) for r in self.rows()])
        for line in proc.stdout.splitlines():
            self.assertLessEqual(len(line), 79, line)

    def test_adding_a_suite_is_one_line(self):
        """A copy of the harness with one more line in configs/suites, its
        script and its case: --help and the cell matrix know the suite, a
        run asked for it expects its result, and results.py judges what
        its script leaves (a missing case fails)."""
        with tempfile.TemporaryDirectory() as d:
            copy = copy_harness(d)
            with open(os.path.join(copy, 'configs', 'suites'), 'a', encoding='utf-8') as f:
                f.write('new_suite       no       test       every  own    -          -      -'
                        '        a suite of its own\n')
            with open(os.path.join(copy, 'configs', 'expected-cases'), 'a',
                      encoding='utf-8') as f:
                f.write('new_suite  it_works\n')
            script = os.path.join(copy, 'scripts', 'run-new-suite.sh')
            with open(script, 'w', encoding='utf-8') as f:
                f.write('#!/bin/bash\n# run-new-suite.sh TREE ARCH\n'
                        'echo \'{"name": "new", "test_cases": [], "sub_groups": [{"name": '
                        '"new", "sub_groups": [], "test_cases": [{"name": "it_works", '
                        '"status": "PASS"}]}]}\' >"$RESULTS/$1-$2-new_suite.json"\n')
            os.chmod(script, 0o755)
            proc = run([os.path.join(copy, 'run_tests.sh'), '--help'])
            self.assertIn('new_suite', proc.stdout)
            self.assertIn('a suite of its own', proc.stdout)
            proc = run([os.path.join(copy, 'run_tests.sh'), '--list', '--cell',
                        'fixes:x86_64:kunit,new_suite'])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(proc.stdout.split('\n')[0].split(), ['cell', 'kunit', 'new_suite'])
            self.assertEqual(proc.stdout.split('\n')[1].split(), ['fixes/x86_64', 'yes', 'yes'])
            build = os.path.join(d, 'build')
            proc = run([os.path.join(copy, 'run_tests.sh'), '--cell', 'fixes:x86_64:new_suite',
                        '--kdir', '/nonexistent/linux'], env={'ARENA_KFAULT_BUILD': build})
            self.assertNotEqual(proc.returncode, 0, 'the run dies at --kdir')
            res = os.path.join(build, 'results')
            with open(os.path.join(res, '.expected.tsv'), encoding='utf-8') as f:
                self.assertEqual(f.read().split(), ['fixes', 'x86_64', 'new_suite'])
            steps = os.path.join(d, 'steps.tsv')
            with open(steps, 'w', encoding='utf-8') as f:
                f.write(''.join(f'{t}\t{a}\t{s}\t1\t0\n' for t, a, s in (
                    ('-', '-', 'setup'), ('-', '-', 'fetch-tree'), ('fixes', '-', 'prepare'),
                    ('fixes', 'x86_64', 'fit'), ('fixes', 'x86_64', 'new_suite'))))
            summary = [sys.executable, os.path.join(copy, 'scripts', 'results.py'), 'summary',
                       '--results', res, '--steps', steps,
                       '--expected', os.path.join(res, '.expected.tsv'),
                       '--expected-cases', os.path.join(copy, 'configs', 'expected-cases')]
            self.assertEqual(run([script, 'fixes', 'x86_64'], env={'RESULTS': res}).returncode, 0)
            proc = run(summary)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
            self.assertRegex(proc.stdout, r'fixes +x86_64 +new_suite +1 +0 +0 +ok')
            with open(os.path.join(copy, 'configs', 'expected-cases'), 'a',
                      encoding='utf-8') as f:
                f.write('new_suite  it_also_works\n')
            proc = run(summary)
            self.assertEqual(proc.returncode, 1, 'a case the suite did not report fails')

    def test_run_follows_the_table(self):
        """The table decides which cells run a suite and which results a
        run expects: a suite of cells "last" on the last cell only, a
        benchmark never, and --only's default is the "default" column."""
        with tempfile.TemporaryDirectory() as d:
            proc = run([os.path.join(REPO, 'run_tests.sh'), '--cell', 'fixes:x86_64',
                        '--cell', 'fixes:arm64', '--bench', '--kdir', '/nonexistent/linux'],
                       env={'ARENA_KFAULT_BUILD': d})
            self.assertNotEqual(proc.returncode, 0, 'the run dies at --kdir')
            with open(os.path.join(d, 'results', '.expected.tsv'), encoding='utf-8') as f:
                rows = [tuple(line.split()) for line in f]
        want = []
        for arch in ('x86_64', 'arm64'):
            for r in self.rows():
                if r['default'] == 'yes' and r['kind'] == 'test' and \
                        (r['cells'] == 'every' or arch == 'arm64'):
                    want.append(('fixes', arch, r['name']))
        self.assertEqual(rows, want)
        self.assertEqual(judge_module().asked_rows(
            ['trees=fixes', 'arches=x86_64 arm64', 'cells=',
             'suites=' + ' '.join(r['name'] for r in self.rows() if r['default'] == 'yes') +
             ' bench']), want)


class CellSuites(unittest.TestCase):
    """--cell TREE:ARCH:SUITE,... gives a cell suites of its own (the others
    keep --only's); a suite that runs once goes to the last cell that has
    it; what runs, what the run expects and what results.py summary takes
    as asked for (results_judge.py's asked_rows) agree."""

    ARGS = ['--cell', 'upstream:x86_64', '--cell', 'fixes:x86_64',
            '--cell', 'fixes:arm64:kunit,kselftest,must_oops']

    def plan(self, *args):
        """run_tests.sh --list's cell matrix for @args, a list per line."""
        proc = run([os.path.join(REPO, 'run_tests.sh'), '--list', *args])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return [line.split() for line in proc.stdout.splitlines()]

    def test_cell_matrix(self):
        self.assertEqual(self.plan(*self.ARGS), [
            ['cell', 'kunit', 'kselftest', 'must_oops', 'bpf_selftests', 'kunit_tool'],
            ['upstream/x86_64', 'yes', 'yes', 'yes', 'yes', '-'],
            ['fixes/x86_64', 'yes', 'yes', 'yes', 'yes', 'yes'],
            ['fixes/arm64', 'yes', 'yes', 'yes', '-', '-']])
        # --filter keeps of --only's suites (here none) and of a cell's own
        # list those it selects cases of: a cell without a list of its own
        # runs what is left of --only's, nothing, not the default suites
        self.assertEqual(self.plan('--only', 'bpf_selftests', '--filter', 'lower_guard*',
                                   '--cell', 'fixes:x86_64:kunit,must_oops',
                                   '--cell', 'fixes:arm64'), [
            ['cell', 'must_oops'], ['fixes/x86_64', 'yes']])

    def test_expected_and_asked_agree(self):
        with tempfile.TemporaryDirectory() as d:
            proc = run([os.path.join(REPO, 'run_tests.sh'), '--only', 'kunit,kunit_tool',
                        '--cell', 'upstream:x86_64:bpf_selftests,kunit',
                        '--cell', 'fixes:x86_64:kunit_tool', '--cell', 'fixes:arm64',
                        '--kdir', '/nonexistent/linux'], env={'ARENA_KFAULT_BUILD': d})
            self.assertNotEqual(proc.returncode, 0, 'the run dies at --kdir')
            with open(os.path.join(d, 'results', '.expected.tsv'), encoding='utf-8') as f:
                rows = [tuple(line.split()) for line in f]
        # fixes/x86_64's one suite runs once: on the cell that names it,
        # not on fixes/arm64, which has it from --only
        self.assertEqual(rows, [('upstream', 'x86_64', 'kunit'),
                                ('upstream', 'x86_64', 'bpf_selftests'),
                                ('fixes', 'x86_64', 'kunit_tool'), ('fixes', 'arm64', 'kunit')])
        self.assertEqual(judge_module().asked_rows(
            ['trees=upstream fixes', 'arches=x86_64 arm64',
             'cells=upstream:x86_64:kunit,bpf_selftests fixes:x86_64:kunit_tool fixes:arm64',
             'suites=kunit kunit_tool']), rows)

    def test_once_suite_where_a_cell_names_it(self):
        # CI's shape of cells: kunit_tool runs on the upstream cell, which
        # names it, and on neither fixes cell, which have it among the
        # default suites
        ci = ['--cell', 'fixes:x86_64', '--cell', 'fixes:arm64',
              '--cell', 'upstream:x86_64:kunit_tool']
        self.assertEqual(self.plan(*ci), [
            ['cell', 'kunit', 'kselftest', 'must_oops', 'bpf_selftests', 'kunit_tool'],
            ['upstream/x86_64', '-', '-', '-', '-', 'yes'],
            ['fixes/x86_64', 'yes', 'yes', 'yes', 'yes', '-'],
            ['fixes/arm64', 'yes', 'yes', 'yes', 'yes', '-']])
        rows = judge_module().asked_rows(
            ['trees=fixes upstream', 'arches=x86_64 arm64',
             'cells=fixes:x86_64 fixes:arm64 upstream:x86_64:kunit_tool',
             'suites=kunit kselftest must_oops bpf_selftests kunit_tool'])
        self.assertEqual([r for r in rows if r[2] == 'kunit_tool'],
                         [('upstream', 'x86_64', 'kunit_tool')])

    def test_cell_given_bare_and_with_suites(self):
        # fixes:x86_64 runs the default suites and the kunit it names; the
        # judge reads the two forms as the shell writes them, and agrees
        # that kunit_tool, named only by upstream:arm64, runs there
        with tempfile.TemporaryDirectory() as d:
            proc = run([os.path.join(REPO, 'run_tests.sh'), '--cell', 'upstream:arm64:kunit_tool',
                        '--cell', 'fixes:x86_64', '--cell', 'fixes:x86_64:kunit',
                        '--kdir', '/nonexistent/linux'], env={'ARENA_KFAULT_BUILD': d})
            self.assertNotEqual(proc.returncode, 0, 'the run dies at --kdir')
            with open(os.path.join(d, 'results', '.expected.tsv'), encoding='utf-8') as f:
                rows = [tuple(line.split()) for line in f]
        self.assertIn(('upstream', 'arm64', 'kunit_tool'), rows)
        self.assertNotIn(('fixes', 'x86_64', 'kunit_tool'), rows)
        self.assertEqual(judge_module().asked_rows(
            ['trees=upstream fixes', 'arches=arm64 x86_64',
             'cells=upstream:arm64:kunit_tool fixes:x86_64 fixes:x86_64:kunit',
             'suites=kunit kselftest must_oops bpf_selftests kunit_tool']), rows)

    def test_filter_with_a_named_suite_it_cannot_select(self):
        proc = run([os.path.join(REPO, 'run_tests.sh'), '--list', '--filter', 'clear_cb*',
                    '--cell', 'fixes:x86_64', '--cell', 'upstream:arm64:kunit_tool'])
        self.assertIn('names the kunit_tool suite, which --filter cannot select cases of',
                      one_error_line(self, proc))

    def test_bad_cell_suites(self):
        for cell, error in (('fixes:arm64:', "bad --cell 'fixes:arm64:'"),
                            ('fixes:arm64:kunit:x', "bad --cell 'fixes:arm64:kunit:x'"),
                            ('fixes:arm64:kunit,ltp', "unknown suite 'ltp' for --cell fixes:arm64"),
                            ('fixes:arm64:stress', 'the stress suite needs --stress SECONDS')):
            proc = run([os.path.join(REPO, 'run_tests.sh'), '--list', '--cell', cell])
            self.assertIn(error, one_error_line(self, proc))


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

    def debian_source(self, files):
        """A fetched Debian source in the test's cache, holding @files."""
        deb = os.path.join(self.cache, 'src', 'debian')
        write_tree(deb, dict(files, **{'.arena-kfault-version': '7.3.4-1\n'}))
        git = ['git', '-c', 'user.name=t', '-c', 'user.email=t@t', '-C', deb]
        for cmd in (['init', '-q'], ['add', '-f'] + sorted(files), ['commit', '-q', '-m', 's'],
                    ['tag', 'pristine']):
            self.assertEqual(run(git + cmd, env={'GIT_CONFIG_GLOBAL': '/dev/null'}).returncode, 0)

    def test_debian_source_is_recognised(self):
        """The same files as the fetched Debian source, dot-files aside: the
        run uses that source (its builds, its known failures)."""
        self.debian_source({k: v for k, v in self.SOURCES.items()
                            if not os.path.basename(k).startswith('.')})
        proc = self.import_tree()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.strip(), 'debian')
        self.assertIn('as the harness fetches it', proc.stderr)

    def test_another_tree_is_not_the_debian_source(self):
        self.debian_source({k: (v + 'x' if k == 'include/linux/bpf.h' else v)
                            for k, v in self.SOURCES.items()
                            if not os.path.basename(k).startswith('.')})
        proc = self.import_tree()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout.strip(), r'^kdir-[0-9a-f]{10}$')

    def test_attributes_do_not_rewrite_the_files(self):
        """CRLF sources with a .gitattributes that turns them into LF blobs
        are not the LF Debian source: the snapshot takes the files as they
        are."""
        lf = {k: v for k, v in self.SOURCES.items() if not os.path.basename(k).startswith('.')}
        self.debian_source(lf)
        crlf = {k: v.replace('\n', '\r\n') for k, v in lf.items()}
        crlf['.gitattributes'] = '* text eol=crlf\n'
        proc = self.import_tree(crlf)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout.strip(), r'^kdir-[0-9a-f]{10}$')

    def test_rule_hiding_the_kunit_copy(self):
        proc = self.import_tree({'kernel/.gitignore': '*.c\n'})
        line = one_error_line(self, proc)
        self.assertIn('kernel/.gitignore:1:*.c', line)
        self.assertIn('hides kernel/bpf/arena_kfault_test.c', line)


class SuiteFit(unittest.TestCase):
    """scripts/check-fit.py: configs/suite-requirements against a tree; a
    suite the tree lacks something for gets one line, the others stay."""

    SUITES = [row[0] for row in table_rows('suites')]

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
        known = lib_sh('known_suites').split()
        self.assertEqual(known, self.SUITES)
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

    def test_unapplied_fixes_test(self):
        self.assertTrue(os.path.isdir(KSRC), f'no kernel tree at {KSRC} (run: make deps)')
        with tempfile.TemporaryDirectory() as d:
            for _, path, *_ in self.requirements():
                path = path.replace('$SRCARCH', 'x86')
                os.makedirs(os.path.dirname(os.path.join(d, path)), exist_ok=True)
                shutil.copy(os.path.join(KSRC, path), os.path.join(d, path))
            # what prepare-tree.sh leaves when a fixes selftests patch does
            # not apply to a --kdir tree (7.2.y has no arena_kfunc.c)
            write_tree(d, {'.arena-kfault-unapplied':
                           'fixes/0009-selftests-bpf-x.patch\t'
                           'tools/testing/selftests/bpf/progs/arena_kfunc.c: not in the tree\n'})
            proc = self.check(d, 'x86_64', ['kunit', 'kselftest', 'bpf_selftests'])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertEqual(proc.stdout.splitlines(), [
                'upstream/x86_64: this tree lacks the tests fixes/0009 changes '
                '(tools/testing/selftests/bpf/progs/arena_kfunc.c: not in the tree), '
                'which the bpf_selftests suite needs: not run'])

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

    def summarise(self, not_run, source='kdir-0123456789', may_not_fit=None):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 't-a-kselftest.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': [
                    {'name': 'a', 'status': 'PASS'}]}, f)
            write_tree(d, {'expected.tsv': 't\ta\tkunit\nt\ta\tkselftest\n',
                           'notrun.tsv': not_run})
            proc = run(['python3', os.path.join(REPO, 'scripts', 'results.py'), 'summary',
                        '--results', d, '--expected', os.path.join(d, 'expected.tsv'),
                        '--not-run', os.path.join(d, 'notrun.tsv'), '--source', source]
                       + (['--may-not-fit', may_not_fit] if may_not_fit is not None else []))
            path = os.path.join(d, 'summary.json')
            if not os.path.exists(path):	# refused before judging
                return proc, None
            with open(path, encoding='utf-8') as f:
                return proc, json.load(f)

    def test_skip_with_reason(self):
        proc, summary = self.summarise(f't\ta\tkunit\t{self.WHY}\tunfit\n'
                                       't\ta\tkunit\tbuild failed\n')
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(summary['totals'], {'passed': 1, 'failed': 0, 'skipped': 1,
                                             'failed_steps': 0, 'missing_steps': 0})
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
        proc, summary = self.summarise(f't\ta\tkunit\t{self.WHY}\tunfit\n', source='debian',
                                       may_not_fit='base other')
        self.assertEqual(proc.returncode, 1, proc.stdout)
        for bad in ('', ' ', 't,base'):		# refused, never read as "every tree"
            proc, _ = self.summarise('', source='debian', may_not_fit=bad)
            self.assertNotEqual(proc.returncode, 0, f'--may-not-fit {bad!r}: {proc.stdout}')
            self.assertIn('--may-not-fit', proc.stderr)

    def test_debian_source_tree_not_run_by_default_may_not_fit(self):
        """base (not a default tree) lacks the feature by design: --tree base
        runs what fits it and says what it lacks for the rest."""
        proc, summary = self.summarise(f't\ta\tkunit\t{self.WHY}\tunfit\n', source='debian',
                                       may_not_fit='base t')
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(summary['suites'][0]['not_run'], self.WHY)
        self.assertIn(f'SKIPPED: t/a/kunit: not run: {self.WHY}', proc.stdout)


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
        proc = run(['python3', RESULTS_PY, 'summary',
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
        self.assertEqual(names.get('kmemleak_clean'), 'PASS')

    def test_case_matrix(self):
        proc, _ = self.summarise('kselftest-console.txt')
        rows = {line.split()[0]: line.split()[1:] for line in proc.stdout.splitlines()
                if line.strip()}
        self.assertEqual(rows.get('s'), ['t/a'], proc.stdout)
        self.assertEqual(rows.get('arena.two'), ['FAIL'], proc.stdout)
        self.assertEqual(rows.get('kmemleak_clean'), ['ok'], proc.stdout)

    def test_crash_counts_as_failure(self):
        _, summary = self.summarise('kunit-crash-console.txt')
        rec = summary['suites'][0]
        self.assertEqual(rec['passed'], 1)
        self.assertGreaterEqual(rec['failed'], 1, rec)

    def test_missing_suite_fails(self):
        expected = os.path.join(self.tmp.name, 'expected.tsv')
        with open(expected, 'w', encoding='utf-8') as f:
            f.write('t\ta\tnever-ran\n')
        proc = run(['python3', RESULTS_PY, 'summary',
                    '--results', self.tmp.name, '--expected', expected])
        self.assertEqual(proc.returncode, 1)
        self.assertIn('did not run', proc.stdout)

    def test_counts_line(self):
        self.summarise('kselftest-console.txt')
        proc = run(['python3', RESULTS_PY, 'counts',
                    os.path.join(self.tmp.name, 'summary.json')])
        self.assertEqual(proc.stdout.strip(), '2 passed, 1 failed, 0 skipped')


def fake_source(d, arena_c='int a;\nint b;\nint c;\n'):
    """A pristine kernel source of one file, kernel/bpf/arena.c, in the cache
    @d/cache: (the cache, an empty PATCH_DIR @d/patches, the source)."""
    cache, patches = os.path.join(d, 'cache'), os.path.join(d, 'patches')
    src = os.path.join(cache, 'src', 'debian')
    write_tree(src, {'kernel/bpf/arena.c': arena_c})
    os.makedirs(patches)
    git = ['git', '-C', src, '-c', 'user.name=t', '-c', 'user.email=t@t']
    for cmd in (['init', '-q'], ['add', '-A'], ['commit', '-qm', 'x'], ['tag', 'pristine']):
        subprocess.run(git + cmd, check=True)
    return cache, patches, src


def arena_diff(old, new, subject='x'):
    """A format-patch that changes line 2 of fake_source()'s arena.c from
    @old to @new."""
    return textwrap.dedent(f'''\
        From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
        From: T <t@t>
        Subject: [PATCH] {subject}

        ---
        --- a/kernel/bpf/arena.c
        +++ b/kernel/bpf/arena.c
        @@ -1,3 +1,3 @@
         int a;
        -{old}
        +{new}
         int c;
        ''')


class Mutants(unittest.TestCase):
    """The mutants sit beside the patches they break,
    kernel-patches/<series>/mutants/, and still apply to their tree; nothing
    that takes a series' patches takes them too."""

    def index_of(self, env, dirs):
        """A scratch index (@env) of the pristine source with the patches
        of kernel-patches/@dirs applied, as prepare-tree.sh stacks them."""
        git = ['git', '-C', KSRC]
        proc = run(git + ['read-tree', 'pristine'], env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for sub in dirs:
            pdir = os.path.join(REPO, 'kernel-patches', sub)
            for name in sorted(os.listdir(pdir)):
                if name.endswith('.patch') and not name.startswith('0000-'):
                    proc = run(git + ['apply', '--cached', os.path.join(pdir, name)], env=env)
                    self.assertEqual(proc.returncode, 0, f'{sub}/{name}: {proc.stderr}')

    def check_apply(self, series, dirs):
        self.assertTrue(os.path.isdir(os.path.join(KSRC, '.git')),
                        f'{KSRC} missing: run ./run_tests.sh once first')
        mdir = os.path.join(REPO, 'kernel-patches', series, 'mutants')
        names = sorted(n for n in os.listdir(mdir) if n.endswith('.patch'))
        self.assertTrue(names, f'no mutants in {mdir}')
        with tempfile.TemporaryDirectory() as d:
            env = {'GIT_INDEX_FILE': os.path.join(d, 'index')}
            self.index_of(env, dirs)
            stale = []
            for name in names:
                proc = run(['git', '-C', KSRC, 'apply', '--check', '--cached',
                            os.path.join(mdir, name)], env=env)
                if proc.returncode:
                    stale.append(f'{name}: {proc.stderr.strip()}')
            self.assertEqual(stale, [], 'mutants that no longer apply')

    def test_mutants_apply(self):
        """Every kernel-patches/series/mutants/*.patch applies to the series tree."""
        self.check_apply('series', ('base', 'series', 'test'))

    def test_fixes_mutants_apply(self):
        """Every kernel-patches/fixes/mutants/*.patch applies to the fixes tree."""
        self.check_apply('fixes', ('fixes', 'test'))

    def test_mutants_beside_their_series(self):
        """No mutant is left in kunit/; run-mutants.sh runs exactly the
        series' mutants; each names its break and what kills it."""
        self.assertFalse(os.path.exists(os.path.join(REPO, 'kunit', 'mutants')))
        series = os.path.join(REPO, 'kernel-patches', 'series', 'mutants')
        want = sorted(os.path.join(series, n) for n in os.listdir(series) if n.endswith('.patch'))
        proc = run([os.path.join(REPO, 'scripts', 'run-mutants.sh'), '--list'])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.split(), want)
        proc = run([os.path.join(REPO, 'scripts', 'run-mutants.sh'), '--list'],
                   env={'MUTANTS': 'handler-off-by-one'})
        self.assertEqual(proc.stdout.split(), [os.path.join(series, 'handler-off-by-one.patch')])
        for mdir in glob.glob(os.path.join(REPO, 'kernel-patches', '*', 'mutants')):
            for path in glob.glob(os.path.join(mdir, '*.patch')):
                with open(path, encoding='utf-8') as f:
                    head = f.read().split('\ndiff --git ', 1)[0]
                for key in ('Mutant:', 'Killed by:'):
                    self.assertIn('\n' + key, '\n' + head, f'{path}: no "{key}" line')

    def test_patch_globs_skip_mutants(self):
        """prepare-tree.sh stacks a series' numbered patches and the fixes'
        selftests, never a mutants/ patch, though it is numbered like them
        and would not apply; export-series.sh keeps mutants/ when it
        rewrites a series."""
        with tempfile.TemporaryDirectory() as d:
            cache, patches, src = fake_source(d)
            write_tree(patches, {
                'series/0001-good.patch': arena_diff('int b;', 'int series;'),
                'series/mutants/0002-bad.patch': arena_diff('int nothing;', 'int mutant;'),
                'fixes/mutants/0002-bad.patch': textwrap.dedent('''\
                    --- a/tools/testing/selftests/bpf/none.c
                    +++ b/tools/testing/selftests/bpf/none.c
                    @@ -1 +1 @@
                    -int nothing;
                    +int mutant;
                    '''),
            })
            env = {'ARENA_KFAULT_CACHE': cache, 'PATCH_DIR': patches}
            for tree, line in (('series', 'int series;'), ('upstream', 'int b;')):
                proc = run([os.path.join(REPO, 'scripts', 'prepare-tree.sh'), tree], env=env)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                with open(os.path.join(proc.stdout.strip(), 'kernel', 'bpf', 'arena.c'),
                          encoding='utf-8') as f:
                    self.assertIn(line, f.read().splitlines(), tree)
            # export-series.sh: a series regenerated from a git tree
            git = ['git', '-C', src, '-c', 'user.name=t', '-c', 'user.email=t@t']
            with open(os.path.join(src, 'kernel', 'bpf', 'arena.c'), 'a', encoding='utf-8') as f:
                f.write('int d;\n')
            subprocess.run(git + ['commit', '-qam', 'bpf: add d'], check=True)
            proc = run([os.path.join(REPO, 'scripts', 'export-series.sh'), src, 'pristine'],
                       env=env)
            self.assertEqual(proc.returncode, 0, proc.stderr)
            sdir = os.path.join(patches, 'series')
            self.assertEqual(sorted(os.listdir(sdir)),
                             ['0000-cover-letter.patch', '0001-bpf-add-d.patch', 'mutants'])
            self.assertEqual(os.listdir(os.path.join(sdir, 'mutants')), ['0002-bad.patch'])

    def test_missing_mutant_named(self):
        """prepare-tree.sh MUTANT=FILE applies FILE on top of the tree; a
        FILE that is not there is an error that names it, not the
        unmutated tree."""
        with tempfile.TemporaryDirectory() as d:
            cache, patches, _ = fake_source(d)
            os.makedirs(os.path.join(patches, 'series'))
            mutant = os.path.join(d, 'mutant.patch')
            with open(mutant, 'w', encoding='utf-8') as f:
                f.write(arena_diff('int b;', 'int mutant;'))
            env = {'ARENA_KFAULT_CACHE': cache, 'PATCH_DIR': patches}
            prepare = os.path.join(REPO, 'scripts', 'prepare-tree.sh')
            proc = run([prepare, 'series'], env=dict(env, MUTANT=mutant))
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(os.path.join(proc.stdout.strip(), 'kernel', 'bpf', 'arena.c'),
                      encoding='utf-8') as f:
                self.assertIn('int mutant;', f.read().splitlines())
            missing = os.path.join(d, 'no-such-mutant.patch')
            proc = run([prepare, 'series'], env=dict(env, MUTANT=missing))
            line = one_error_line(self, proc)
            self.assertIn(missing, line)
            self.assertIn('no such file', line)
            self.assertEqual(proc.stdout, '')


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


class CiRun(unittest.TestCase):
    """.ci/run, with make and run_tests.sh stubbed: its closing line is the
    sum of every run's counts, its exit status agrees with it, and the
    four cells after make check run only as its time and cache allow,
    each left out counted as skipped."""

    MAKE = textwrap.dedent("""\
        #!/bin/bash
        echo "make $*" >>"$CI_TEST_LOG"
        [ -z "$MAKE_TOTALS" ] || { mkdir -p build/results; echo "$MAKE_TOTALS" >build/results/summary.json; }
        exit "${MAKE_RC:-0}"
        """)
    RUN_TESTS = textwrap.dedent("""\
        #!/bin/bash
        echo "run_tests.sh $*" >>"$CI_TEST_LOG"
        [ -z "$CELL_SLEEP" ] || exec sleep "$CELL_SLEEP"
        mkdir -p "$ARENA_KFAULT_RESULTS"
        echo "$CELL_TOTALS" >"$ARENA_KFAULT_RESULTS/summary.json"
        exit "${CELL_RC:-0}"
        """)

    @staticmethod
    def totals(passed, failed, skipped):
        return json.dumps({'totals': {'passed': passed, 'failed': failed, 'skipped': skipped}})

    def ci(self, cached=(), **env):
        """(closing line, exit status, the make and run_tests.sh calls) of
        .ci/run with the kernels of the cells @cached in its cache."""
        with tempfile.TemporaryDirectory() as d:
            repo = os.path.join(d, 'repo')
            os.makedirs(os.path.join(repo, '.ci'))
            os.makedirs(os.path.join(repo, 'scripts'))
            shutil.copy(os.path.join(REPO, '.ci', 'run'), os.path.join(repo, '.ci'))
            for py in glob.glob(os.path.join(REPO, 'scripts', 'results*.py')):
                shutil.copy(py, os.path.join(repo, 'scripts'))
            shutil.copytree(os.path.join(REPO, 'configs'), os.path.join(repo, 'configs'))
            os.makedirs(os.path.join(repo, 'selftests', 'arena_kfault'))
            shutil.copy(os.path.join(REPO, 'selftests', 'arena_kfault', 'splat-patterns'),
                        os.path.join(repo, 'selftests', 'arena_kfault'))
            stubs = os.path.join(d, 'bin')
            os.makedirs(stubs)
            for path, text in ((os.path.join(stubs, 'make'), self.MAKE),
                               (os.path.join(repo, 'run_tests.sh'), self.RUN_TESTS)):
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(text)
                os.chmod(path, 0o755)
            for cell in cached:
                tree, arch = cell.split(':')
                kdir = os.path.join(d, 'cache', 'work', 'debian', tree, arch)
                write_tree(kdir, {'vmlinux': '', '.arena-kfault-inputs': 'id\n'})
            log = os.path.join(d, 'calls')
            open(log, 'w', encoding='utf-8').close()
            full = dict(os.environ, PATH=f'{stubs}:{os.environ["PATH"]}', CI_TEST_LOG=log,
                        ARENA_KFAULT_CACHE=os.path.join(d, 'cache'),
                        MAKE_TOTALS=self.totals(300, 0, 10), CELL_TOTALS=self.totals(50, 0, 1),
                        CELL_SLEEP='')
            full.pop('CI_RUN_ARGS', None)
            full.update(env)
            proc = subprocess.run([os.path.join(repo, '.ci', 'run')], env=full, text=True,
                                  capture_output=True, timeout=120, check=False)
            with open(log, encoding='utf-8') as f:
                calls = f.read().splitlines()
        return proc.stdout.splitlines()[-1], proc.returncode, calls, proc.stdout

    FIXES = ('fixes:x86_64', 'fixes:arm64')
    EXTRA = ('series:x86_64', 'series:arm64', 'upstream:x86_64', 'upstream:arm64')

    def test_warm_runs_six_cells_and_sums_them(self):
        line, rc, calls, _ = self.ci(cached=self.FIXES + self.EXTRA)
        self.assertEqual((line, rc), ('500 passed, 0 failed, 14 skipped', 0))
        self.assertEqual(calls[0].split()[:2], ['make', 'check'])
        self.assertIn('--cell fixes:x86_64 --cell fixes:arm64', calls[0])
        self.assertEqual([c.split()[2] for c in calls[1:]],
                         [f'{c}:kunit,kselftest,must_oops' for c in self.EXTRA])

    def test_a_failing_cell_fails_the_run(self):
        line, rc, _, _ = self.ci(cached=self.FIXES + self.EXTRA,
                                 CELL_TOTALS=self.totals(49, 1, 1), CELL_RC='1')
        self.assertEqual((line, rc), ('496 passed, 4 failed, 14 skipped', 1))

    def test_cold_builds_one_kernel_and_names_the_rest(self):
        line, rc, calls, out = self.ci(cached=self.FIXES)
        self.assertEqual((line, rc), ('350 passed, 0 failed, 14 skipped', 0))
        self.assertEqual([c.split()[2] for c in calls[1:]], ['series:x86_64:kunit,kselftest,must_oops'])
        for cell in self.EXTRA[1:]:
            self.assertIn(f'ci: {cell} skipped: not started: its kernel is not in the cache', out)

    def test_late_run_starts_no_cell(self):
        line, rc, calls, out = self.ci(cached=self.FIXES + self.EXTRA, CI_START_BEFORE='0',
                                       CI_COLD_BEFORE='0')
        self.assertEqual((line, rc, len(calls)), ('300 passed, 0 failed, 14 skipped', 0, 1))
        self.assertIn("ci: upstream:arm64 skipped: not started: 0 of CI's minutes are gone", out)

    def test_a_cell_past_the_deadline_is_cut_off_and_skipped(self):
        # bash's SECONDS counts second boundaries: a deadline of 1 s can
        # pass before the first cell starts
        line, rc, calls, out = self.ci(cached=self.FIXES + self.EXTRA[:1], CELL_SLEEP='60',
                                       CI_DEADLINE='5')
        self.assertEqual((line, rc), ('300 passed, 0 failed, 14 skipped', 0))
        self.assertIn("ci: series:x86_64 skipped: cut off at CI's deadline", out)
        self.assertIn("ci: series:arm64 skipped: not started: CI's deadline has passed", out)
        self.assertEqual(len(calls), 2, 'make check and the cell cut off')

    def test_make_check_without_summary_fails_and_runs_nothing_more(self):
        line, rc, calls, _ = self.ci(cached=self.FIXES + self.EXTRA, MAKE_TOTALS='', MAKE_RC='2')
        self.assertEqual((line, rc, len(calls)), ('0 passed, 1 failed, 0 skipped', 2, 1))

    def test_failed_status_with_no_failed_case_counts_one(self):
        line, rc, _, _ = self.ci(cached=self.FIXES, MAKE_RC='2', CI_RUN_ARGS='--cell fixes:x86_64')
        self.assertEqual((line, rc), ('300 passed, 1 failed, 10 skipped', 2))

    def test_unreadable_counts_fail(self):
        line, rc, _, _ = self.ci(CI_RUN_ARGS='--cell fixes:x86_64', MAKE_TOTALS='{"totals": {}}')
        self.assertEqual((line, rc), ('0 passed, 1 failed, 0 skipped', 1))

    def test_ci_run_args_replace_every_cell(self):
        _, _, calls, _ = self.ci(cached=self.FIXES + self.EXTRA, CI_RUN_ARGS='--cell series:arm64')
        self.assertEqual(calls, ['make check RUN_ARGS=--cell series:arm64'])


class KvmProbe(unittest.TestCase):
    """The boots use KVM only when a bounded boot under KVM alone reached
    user space, probed once per run and arch; without KVM the probe fails
    fast and the boots use TCG."""

    def fake_qemu(self, d, body):
        qemu = os.path.join(d, 'qemu-system-x86_64')
        with open(qemu, 'w', encoding='utf-8') as f:
            f.write(f'#!/bin/sh\necho "$@" >{d}/args\n{body}\n')
        os.chmod(qemu, 0o755)

    def probe(self, d, alive_timeout=5):
        self.assertTrue(os.path.isdir(os.path.join(KSRC, 'tools', 'testing', 'kunit')),
                        'kernel source missing: run ./run_tests.sh once first')
        start = time.monotonic()
        proc = run(['python3', os.path.join(REPO, 'scripts', 'boot.py'), '--src', KSRC,
                    '--build-dir', d, '--arch', 'x86_64', '--initrd', '/dev/null',
                    '--console', os.path.join(d, 'console'), '--probe-accel', 'kvm',
                    '--alive', '# arena-kfault: /init started',
                    '--alive-timeout', str(alive_timeout)],
                   env={'PATH': d + os.pathsep + os.environ['PATH']})
        return proc, time.monotonic() - start

    def test_reaching_user_space_is_kvm(self):
        with tempfile.TemporaryDirectory() as d:
            self.fake_qemu(d, 'echo "# arena-kfault: /init started at 0.90 s"; exec sleep 60')
            proc, secs = self.probe(d)
            with open(os.path.join(d, 'args'), encoding='utf-8') as f:
                args = f.read().split()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertLess(secs, 5, 'QEMU is stopped once the guest reached user space')
        self.assertEqual([args[i + 1] for i, a in enumerate(args) if a == '-accel'], ['kvm'],
                         'the probe asks for KVM alone, no fallback')

    def test_qemu_refusing_kvm_fails_fast(self):
        with tempfile.TemporaryDirectory() as d:
            self.fake_qemu(d, 'echo "qemu-system-x86_64: -accel kvm: Could not access KVM kernel '
                           'module: No such file or directory"; exit 1')
            proc, secs = self.probe(d, alive_timeout=30)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertLess(secs, 10)
        self.assertIn('Could not access KVM kernel module', proc.stderr)

    def test_hanging_guest_is_bounded(self):
        with tempfile.TemporaryDirectory() as d:
            self.fake_qemu(d, 'echo "early boot"; exec sleep 60')
            proc, secs = self.probe(d, alive_timeout=2)
        self.assertEqual(proc.returncode, 5, proc.stderr)
        self.assertLess(secs, 10)
        self.assertIn('did not reach user space in 2s', proc.stderr)

    def test_no_kvm_here_is_tcg_at_once(self):
        start = time.monotonic()
        out = lib_sh('load_arch x86_64; kvm_probe; load_arch arm64; kvm_probe',
                     KVM_DEVICE='/nonexistent/kvm')
        self.assertLess(time.monotonic() - start, 5)
        host = subprocess.run(['dpkg', '--print-architecture'], capture_output=True, text=True,
                              check=False).stdout.strip()
        lines = out.splitlines()
        self.assertTrue(all(line.startswith('tcg: ') for line in lines), lines)
        if host == 'amd64':
            self.assertEqual(lines, ['tcg: no /nonexistent/kvm',
                                     'tcg: KVM runs no arm64 guest on this amd64 host'])

    def test_probed_once_per_run(self):
        with tempfile.TemporaryDirectory() as d:
            script = (f'kvm_probe() {{ echo probe >>{d}/calls; echo "tcg: no /dev/kvm"; }}; '
                      'load_arch x86_64; boot_accel; echo "$ARENA_KFAULT_ACCEL $ACCEL_WHY"; '
                      'boot_accel; echo "$ARENA_KFAULT_ACCEL"')
            out = lib_sh(script, ARENA_KFAULT_RESULTS=d)
            with open(os.path.join(d, 'calls'), encoding='utf-8') as f:
                calls = f.read().split()
            self.assertEqual(out.splitlines(), ['tcg tcg: no /dev/kvm', 'tcg'])
            self.assertEqual(calls, ['probe'], 'the second boot reads the first probe')
            self.assertEqual(lib_sh(script, ARENA_KFAULT_RESULTS=d, ARENA_KFAULT_ACCEL='kvm')
                             .splitlines(), ['kvm ARENA_KFAULT_ACCEL=kvm', 'kvm'])
        proc = run(['bash', '-c', f'. {REPO}/scripts/lib.sh; load_arch x86_64; boot_accel'],
                   env={'ARENA_KFAULT_ACCEL': 'hvf'})
        self.assertIn("ARENA_KFAULT_ACCEL is kvm or tcg, not 'hvf'", one_error_line(self, proc))

    def test_root_has_kvm_only_for_kvm(self):
        with open(os.path.join(REPO, 'scripts', 'enter-root.sh'), encoding='utf-8') as f:
            text = f.read()
        self.assertIn('[ "${ARENA_KFAULT_ACCEL:-}" != kvm ] || [ ! -c /dev/kvm ] || '
                      'nodes="$nodes kvm"', text)
        self.assertNotRegex(text, r'for n in [^$\n]*kvm')


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

    def test_directives_read_by_one_reader(self):
        """Every fragment's directives are "# arena-kfault: KEY VALUE" lines
        lib.sh's config_directive accepts; none is left in the old "#KEY"
        form, which it would not read."""
        fragments = [os.path.join(dp, n) for dp, _, names in os.walk(os.path.join(REPO, 'configs'))
                     for n in names if n.endswith(('.config', '.kunitconfig'))]
        fragments.append(os.path.join(REPO, 'selftests', 'arena_kfault', 'config'))
        found = {}
        for path in fragments:
            with open(path, encoding='utf-8') as f:
                text = f.read()
            self.assertNotRegex(text, r'(?m)^#(timeout-factor|tree-config|drop-options)\b', path)
            for key in ('timeout-factor', 'tree-config', 'drop-options'):
                values = lib_sh(f'config_directive {key} {path}').split()
                self.assertEqual(values, re.findall(rf'(?m)^# arena-kfault: {key} (\S+)$', text))
                for v in values:
                    found[(os.path.relpath(path, REPO), key)] = v
        self.assertEqual(found[('configs/flavours/debug.config', 'timeout-factor')], '3')
        self.assertEqual(found[('configs/flavours/debug.arm64.config', 'drop-options')],
                         'KASAN_(GENERIC|VMALLOC)')
        self.assertEqual(found[('configs/kernel.config', 'tree-config')],
                         'tools/testing/selftests/bpf/config')

    def test_bad_directive_refused(self):
        with tempfile.TemporaryDirectory() as d:
            frag = os.path.join(d, 'x.config')
            for text, error in (('#timeout-factor 2\n', 'x.config:1: write "# arena-kfault: '
                                 'timeout-factor 2"'),
                                ('CONFIG_A=y\n# arena-kfault: timeout-factor two\n',
                                 'x.config:2: not a directive'),
                                ('# arena-kfault: boot-faster 2\n', 'x.config:1: not a directive'),
                                ('# arena-kfault: drop-options A B\n', 'x.config:1: not a directive')):
                with open(frag, 'w', encoding='utf-8') as f:
                    f.write(text)
                proc = run(['bash', '-c', f'. {REPO}/scripts/lib.sh; '
                            f'config_directive timeout-factor {frag}'])
                self.assertIn(error, one_error_line(self, proc))


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

    KNOWN = ('# flaky: EXPECTATION FAILED at kernel/bpf/arena_kfault_test.c:100',
             'Expected seen == 1, but', 'seen == 0 (0x0)', 'the known bug happened')
    NEW = ('# flaky: EXPECTATION FAILED at kernel/bpf/arena_kfault_test.c:200',
           'Expected other == 1, but', 'other == 0 (0x0)', 'a new bug')

    def summarise(self, status, entry, log=KNOWN, extra_args=(), extra_conf='', cases=None):
        with tempfile.TemporaryDirectory() as d:
            cases = cases or [{'name': 'flaky', 'status': status},
                              {'name': 'fine', 'status': 'PASS'}]
            with open(os.path.join(d, 't-a-kunit.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'test_cases': [], 'sub_groups': [
                    {'name': 'suite', 'sub_groups': [], 'test_cases': cases}]}, f)
            # the KTAP as the kernel prints it: the cases in their suite
            with open(os.path.join(d, 't-a-kunit.ktap'), 'w', encoding='utf-8') as f:
                f.write('\n'.join(['KTAP version 1', '1..1', '    KTAP version 1',
                                   '    # Subtest: suite', '    1..2']
                                  + ['    ' + line for line in log]
                                  + [f"    {'ok' if status == 'PASS' else 'not ok'} 1 flaky",
                                     '    ok 2 fine',
                                     f"{'ok' if status == 'PASS' else 'not ok'} 1 suite"])
                        + '\n')
            with open(os.path.join(d, 'expected.tsv'), 'w', encoding='utf-8') as f:
                f.write('t\ta\tkunit\n')
            with open(os.path.join(d, 'known.conf'), 'w', encoding='utf-8') as f:
                f.write(f'# comment\n{entry}\n{extra_conf}\n')
            proc = run(['python3', RESULTS_PY, 'summary',
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
        proc, rec = self.summarise('FAIL', self.ENTRY, log=self.NEW)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertEqual(rec['failed'], 1)
        self.assertIn('not with its known signature', proc.stdout)

    def test_error_is_never_known(self):
        proc, rec = self.summarise('ERROR', self.ENTRY)
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)
        self.assertIn('ended in ERROR', proc.stdout)

    def test_timeout_is_never_known(self):
        proc, rec = self.summarise('FAIL', self.ENTRY, log=self.KNOWN + (
            '# flaky: Test terminated by timeout',))
        self.assertEqual((proc.returncode, rec['failed']), (1, 1), proc.stdout)

    def test_xpass_fails(self):
        proc, rec = self.summarise('PASS', self.ENTRY)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((rec['passed'], rec['failed']), (1, 1))
        self.assertIn('passes but is listed', proc.stdout)

    def test_sometimes(self):
        entry = self.ENTRY + '\nsometimes = yes\nrate = 3 of 10 runs'
        proc, rec = self.summarise('PASS', entry)
        self.assertEqual((proc.returncode, rec['passed'], rec['failed']), (0, 2, 0), proc.stdout)
        proc, rec = self.summarise('FAIL', entry)
        self.assertEqual((proc.returncode, rec['xfail']), (0, 1), proc.stdout)
        proc, rec = self.summarise('FAIL', entry, log=self.NEW)
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
        entries = judge_module().read_known_failures(KNOWN_FAILURES)
        self.assertTrue(entries)
        self.assertEqual(entry_policy_problems(entries), [])
        for e in entries:
            self.assertTrue(e['signature'].pattern.strip())

    def test_policy_refuses_the_fixes_failing_their_own_tests(self):
        """A list header is one token away from covering the fixes' own
        regression tests, or a splat, on the trees that must pass."""
        with open(KNOWN_FAILURES, encoding='utf-8') as f:
            conf = f.read()
        for old, new, why in (
                ('[upstream x86_64 bpf_selftests arena_scratch_replace/sleepable]',
                 '[upstream,fixes x86_64 bpf_selftests arena_scratch_replace/sleepable]',
                 "the fixes' own regression test"),
                ('[upstream arm64 bpf_selftests kernel_log_clean]',
                 '[upstream,series arm64 bpf_selftests kernel_log_clean]', 'or a splat'),
                ('[upstream x86_64 kunit handler_retries_only_filled_slot]',
                 '[upstream,base x86_64 kunit handler_retries_only_filled_slot]',
                 'outside bpf_selftests')):
            self.assertIn(old, conf)
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, 'known.conf')
                with open(path, 'w', encoding='utf-8') as f:
                    f.write(conf.replace(old, new))
                problems = entry_policy_problems(judge_module().read_known_failures(path))
            self.assertTrue(any(why in p for p in problems), f'{new}: {problems}')

    def test_policy_refuses_an_entry_not_the_same_as_upstreams(self):
        entries = judge_module().read_known_failures(KNOWN_FAILURES)
        copy = dict(next(e for e in entries if e['tree'] == 'series'))
        copy['also'] = [frozenset({'debug'})]
        problems = entry_policy_problems([e for e in entries if e['tree'] == 'upstream'] + [copy])
        self.assertTrue(any('not listed the same' in p for p in problems), problems)


KNOWN_FAILURES = os.path.join(REPO, 'configs', 'known-failures.conf')


def fixes_selftests():
    """The selftests/bpf programs kernel-patches/fixes/ adds or changes."""
    names = set()
    for patch in glob.glob(os.path.join(REPO, 'kernel-patches', 'fixes', '*.patch')):
        with open(patch, encoding='utf-8') as f:
            names |= set(re.findall(r'^\+\+\+ b/tools/testing/selftests/bpf/'
                                    r'(?:prog_tests|progs)/(\w+)\.c$', f.read(), re.M))
    return names


def entry_policy_problems(entries):
    """What known-failures @entries list that they must not.  Every tree but
    upstream must pass everything, except upstream's own selftests/bpf
    failures that are not the tree's: those are listed for it exactly as
    for upstream (every field but the tree), and never a splat or a test
    the fixes add or change (their failure is the bug the fixes fix)."""
    def same(e):
        return {k: getattr(v, 'pattern', v) for k, v in e.items() if k != 'tree'}

    judge, fixed, problems = judge_module(), fixes_selftests(), []
    for e in entries:
        if e['tree'] == 'upstream':
            continue
        where = f"[{e['tree']} {e['arch']} {e['suite']} {e['case']}]"
        if e['suite'] != 'bpf_selftests':
            problems.append(f'{where}: a tree that must pass everything, outside bpf_selftests')
        if e['case'] in judge.ALWAYS_RUN or e['case'].split('/')[0] in fixed:
            problems.append(f"{where}: the fixes' own regression test or a splat")
        if not any(u['tree'] == 'upstream' and same(u) == same(e) for u in entries):
            problems.append(f'{where}: not listed the same for upstream')
    return problems


class Accounting(unittest.TestCase):
    """Every expected case reports, no case skips unless allowed, failed
    steps and cells that never ran count as failures."""

    # the steps a run of the kunit suite on t/a leaves
    STEPS = ''.join('\t'.join(row) + '\t1\t0\n' for row in (
        ('-', '-', 'setup'), ('-', '-', 'fetch-tree'), ('t', '-', 'prepare'), ('t', 'a', 'fit'),
        ('t', 'a', 'build'), ('t', 'a', 'kunit')))

    def summarise(self, cases, expected_cases, steps=STEPS, not_run=''):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 't-a-kunit.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'test_cases': [], 'sub_groups': [
                    {'name': 'suite', 'sub_groups': [], 'test_cases': cases}]}, f)
            files = {'expected.tsv': 't\ta\tkunit\n', 'cases': expected_cases,
                     'steps.tsv': steps, 'notrun.tsv': not_run}
            for name, text in files.items():
                with open(os.path.join(d, name), 'w', encoding='utf-8') as f:
                    f.write(text)
            proc = run(['python3', RESULTS_PY, 'summary',
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
        proc, summary = self.summarise(cases,
                                       'kunit a\nkunit b skip-ok any any: no such hardware\n')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((summary['totals']['failed'], summary['totals']['skipped']), (1, 1))

    def test_skip_pattern_allows_but_is_not_a_case(self):
        cases = [{'name': 'jit/x', 'status': 'SKIP'}, {'name': 'other', 'status': 'SKIP'}]
        proc, summary = self.summarise(cases, 'kunit jit/* skip-ok t any: no disassembler\n')
        self.assertEqual(proc.returncode, 1)
        self.assertEqual((summary['totals']['failed'], summary['totals']['skipped']), (1, 1))
        self.assertNotIn('did not report', proc.stdout)

    def test_failed_step_counts(self):
        proc, summary = self.summarise([{'name': 'a', 'status': 'PASS'}], 'kunit a\n',
                                       steps=self.STEPS + 't\ta\tkselftest\t5\t2\n')
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
        proc = run(['python3', RESULTS_PY, 'filter-cases',
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
        text = ''
        for script in ('build-kernel.sh', 'lib.sh'):   # kernel_config_merge is in lib.sh
            with open(os.path.join(REPO, 'scripts', script), encoding='utf-8') as f:
                text += f.read()
        for frag in ('configs/kunit/*.kunitconfig', 'selftests/arena_kfault/config',
                     'configs/kernel.config', 'check-config.py', 'kernel_config_merge'):
            self.assertIn(frag, text)


class KunitToolBlock(unittest.TestCase):
    """The kunit_tool suite runs the README's kunit.py command, read from the
    README: one command, for the cell's arch, with the repo's kunitconfig."""

    def test_arm64_command(self):
        proc = run([os.path.join(REPO, 'scripts', 'run-kunit-tool.sh'), '--print', 'fixes', 'arm64'])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        cmd = proc.stdout.strip()
        self.assertTrue(cmd.startswith('$ tools/testing/kunit/kunit.py run --arch=arm64 '
                                       '--cross_compile=aarch64-linux-gnu- '), cmd)
        for part in ('--build_dir=.kunit-arm64', '--qemu_args="-smp 2"',
                     f'--kunitconfig={REPO}/configs/kunit/arena_kfault.kunitconfig'):
            self.assertIn(part, cmd)
        self.assertNotIn('<repo>', cmd)


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
            proc = run(['python3', RESULTS_PY, 'mutant-verdict',
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


class CheckSeries(unittest.TestCase):
    """check-series.sh refuses an unknown check or arch before any work."""

    SCRIPT = os.path.join(REPO, 'scripts', 'check-series.sh')

    def test_unknown_check(self):
        proc = run([self.SCRIPT], env={'CHECKS': 'tags bisekt'})
        self.assertIn("unknown check 'bisekt'", one_error_line(self, proc))

    def test_unknown_arch(self):
        proc = run([self.SCRIPT], env={'CHECKS': 'tags', 'CHECK_ARCHES': 'sparc'})
        self.assertIn("unknown arch 'sparc'", one_error_line(self, proc))


class Submission(unittest.TestCase):
    """submission-checks.sh turns check-series.sh's report into cases: a FAIL,
    a check that never reported and an exit status at odds with the report
    are failed cases, never a pass."""

    SCRIPT = os.path.join(REPO, 'scripts', 'submission-checks.sh')

    def submit(self, body):
        with tempfile.TemporaryDirectory() as d:
            stub = os.path.join(d, 'check-series.sh')
            with open(stub, 'w', encoding='utf-8') as f:
                f.write('#!/bin/bash\n' + textwrap.dedent(body))
            os.chmod(stub, 0o755)
            out = os.path.join(d, 'out.json')
            proc = run([self.SCRIPT, out], env={'CHECK_SERIES': stub, 'SUBMISSION_CHECKS': 'tags apply'})
            with open(out, encoding='utf-8') as f:
                cases = {c['name']: c for c in json.load(f)['sub_groups'][0]['test_cases']}
        return proc, cases

    def judged(self, body):
        """The exit status of results.py summary over the row the stub's
        report makes, with configs/expected-cases (every check, both trees)."""
        with tempfile.TemporaryDirectory() as d:
            stub = os.path.join(d, 'check-series.sh')
            with open(stub, 'w', encoding='utf-8') as f:
                f.write('#!/bin/bash\n' + textwrap.dedent(body))
            os.chmod(stub, 0o755)
            run([self.SCRIPT, os.path.join(d, 'repo-host-submission.json')],
                env={'CHECK_SERIES': stub})
            proc, _ = summary_of(d, [('repo', 'host', 'submission')], '--expected-cases',
                                 os.path.join(REPO, 'configs', 'expected-cases'))
        return proc.returncode

    def test_judged_green_only_when_every_check_passed(self):
        every = 'for c in tags checkpatch apply kernel-doc; do echo "PASS  $c"; done\n'
        self.assertEqual(self.judged(every), 0, 'every check of both trees passed')
        self.assertEqual(self.judged(every.replace('PASS', 'FAIL') + 'exit 4\n'), 1)
        self.assertEqual(self.judged('echo "PASS  tags"\n'), 1, 'three checks never reported')

    def test_all_pass(self):
        proc, cases = self.submit('echo "PASS  tags"; echo "PASS  apply"\n')
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual({n: c['status'] for n, c in cases.items()},
                         {f'{t}/{c}': 'PASS' for t in ('series', 'fixes') for c in ('tags', 'apply')})

    def test_failed_check_keeps_its_report(self):
        proc, cases = self.submit('''\
            echo "PASS  tags"
            echo "FAIL  apply  (log: x)"
            echo "      | patch does not apply"
            exit 1
            ''')
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(cases['fixes/apply']['status'], 'FAILURE')
        self.assertEqual(cases['fixes/apply']['log'], ['| patch does not apply'])
        self.assertEqual(cases['fixes/tags']['status'], 'PASS')

    def test_check_that_never_reported_fails(self):
        proc, cases = self.submit('echo "PASS  tags"; echo "error: no kernel source" >&2; exit 1\n')
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(cases['series/apply']['status'], 'FAILURE')
        self.assertIn('error: no kernel source', '\n'.join(cases['series/apply']['log']))

    def test_exit_status_at_odds_with_report_fails(self):
        proc, cases = self.submit('echo "PASS  tags"; echo "PASS  apply"; exit 3\n')
        self.assertNotEqual(proc.returncode, 0)
        self.assertEqual(cases['fixes/exit-status']['status'], 'FAILURE')


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
    """A boot's console is scanned with selftests/arena_kfault/splat-patterns."""

    def check(self, console_lines):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ('console', 'j.json')}
            with open(paths['console'], 'w', encoding='utf-8') as f:
                f.write('\n'.join(console_lines) + '\n')
            with open(paths['j.json'], 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': []}, f)
            run(['python3', RESULTS_PY, 'log-check',
                 '--console', paths['console'], '--json', paths['j.json']])
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
            proc = run(['python3', RESULTS_PY, 'timings',
                        '--logs', d, os.path.join(d, 'summary.json')])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('fixes/x86_64 kselftest boot: kernel boot 9 s, arena_kfault_test 21 s, '
                      'kmemleak 8 s, QEMU 50 s in all', proc.stdout)


class TestProgsOutput(unittest.TestCase):
    """test_progs' console output becomes KTAP: every selected test is a
    case, a test that never reported is 'not ok', a failed subtest carries
    the log printed before it."""

    CONSOLE = textwrap.dedent('''\
        # bpf_selftests: arena_htab begin
        #1/1     arena_htab/arena_htab_llvm:OK
        #1/2     arena_htab/arena_htab_asm:OK
        #1       arena_htab:OK
        # bpf_selftests: arena_htab exit 0
        # bpf_selftests: stream begin
        test_stream_errors:FAIL:stream read unexpected stream read: actual 0 <= expected 0
        #2/3     stream/stream_errors:FAIL
        #2       stream:FAIL
        # bpf_selftests: stream exit 1
        # bpf_selftests: arena_atomics begin
        #3       arena_atomics:SKIP
        # bpf_selftests: arena_atomics exit 0
        ''')

    def convert(self, console, tests):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ('console', 'tests', 'out.ktap')}
            with open(paths['console'], 'w', encoding='utf-8') as f:
                f.write(console)
            with open(paths['tests'], 'w', encoding='utf-8') as f:
                f.write('\n'.join(tests) + '\n')
            proc = results_cli('test-progs', '--console', paths['console'],
                               '--tests', paths['tests'], '--ktap', paths['out.ktap'])
            self.assertEqual(proc.returncode, 0)
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
            # bpf_selftests: arena_list begin
            #1/1     arena_list/arena_list_1:OK
            test_arena_list:FAIL:skel unexpected error: -22
            #1       arena_list:FAIL
            # bpf_selftests: arena_list exit 1
            ''')
        ktap = self.convert(console, ['arena_list'])
        self.assertIn('        not ok 2 whole_test', ktap)
        self.assertIn('    not ok 1 arena_list', ktap)

    def test_error_summary_counted_once(self):
        summary = '\n'.join(['All error logs:', 'test_stream_errors:FAIL:stream read unexpected',
                              '#2/3     stream/stream_errors:FAIL', '#2       stream:FAIL',
                              '# bpf_selftests: stream exit 1'])
        console = self.CONSOLE.replace('# bpf_selftests: stream exit 1', summary)
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


# ---- verdicts: every way a broken run could still read green ----



def results_module():
    """scripts/results.py (the command line), imported."""
    sys.path.insert(0, os.path.join(REPO, 'scripts'))
    import results  # pylint: disable=import-outside-toplevel
    return results


def judge_module():
    """scripts/results_judge.py (the judge behind results.py), imported."""
    sys.path.insert(0, os.path.join(REPO, 'scripts'))
    import results_judge  # pylint: disable=import-outside-toplevel
    return results_judge


def results_cli(*argv):
    """scripts/results.py ARGV, run in this process (a new interpreter per
    call would make these checks slow): its exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = results_module().main(list(argv))
        except SystemExit as e:		# argparse, or a config it refuses
            rc = e.code if isinstance(e.code, int) else 1
            err.write(f'{e.code}\n' if isinstance(e.code, str) else '')
    return types.SimpleNamespace(returncode=rc, stdout=out.getvalue(), stderr=err.getvalue())


def summary_of(d, rows, *args):
    """results.py summary over the results in @d, expecting the (tree, arch,
    suite) @rows: (exit status and stdout, summary.json)."""
    with open(os.path.join(d, 'expected.tsv'), 'w', encoding='utf-8') as f:
        f.write(''.join('\t'.join(r) + '\n' for r in rows))
    proc = results_cli('summary', '--results', d, '--expected', os.path.join(d, 'expected.tsv'),
                       *args)
    with open(os.path.join(d, 'summary.json'), encoding='utf-8') as f:
        return proc, json.load(f)


def kunit_parse(test, console, json_path):
    """kunit.py's parse of @console (text), as scripts/lib.sh ktap_results
    makes it from a console: the KTAP lines beside @json_path, the JSON in
    it.  kunit.py's own modules, in this process (kunit.py parse is what
    the harness runs; a new interpreter per check would make them slow)."""
    kdir = os.path.join(KSRC, 'tools', 'testing', 'kunit')
    test.assertTrue(os.path.exists(os.path.join(kdir, 'kunit.py')),
                    f'{kdir}/kunit.py missing: run ./run_tests.sh once first')
    if kdir not in sys.path:
        sys.path.insert(0, kdir)
    # pylint: disable=import-outside-toplevel,import-error
    import kunit_json
    import kunit_parser
    import kunit_printer
    lines = console.splitlines(keepends=True)
    with open(os.path.splitext(json_path)[0] + '.ktap', 'w', encoding='utf-8') as f:
        f.writelines(line.rstrip() + '\n' for line in kunit_parser.extract_tap_lines(lines))
    parsed = kunit_parser.parse_run_tests(lines, kunit_printer.null_printer)
    with open(json_path, 'w', encoding='utf-8') as f:
        f.write(kunit_json.get_json_result(test=parsed, metadata=kunit_json.Metadata()))


# What a kselftest boot's guest prints after the programs (scripts/guest-init.sh):
# its checks ({i} the number of each result line), then the kernel log.
GUEST_CHECKS = ('ok {i} kmemleak_clean',)
KERNEL_LOG = ['[    0.000000] Linux version 7.3.0 (arena-kfault) #1 SMP PREEMPT_DYNAMIC',
              '[    9.100000] arena_kfault_kmod: loading out-of-tree module taints kernel.']


def ksft_boot(*programs, checks=GUEST_CHECKS, kernel_log=tuple(KERNEL_LOG)):
    """A kselftest boot's console (scripts/guest-init.sh) that ran @programs,
    each (collection:test, [the lines it printed, unindented], exit status):
    each program's KTAP nested four spaces deep and its result line, then
    the guest's @checks, then the kernel log (dmesg) @kernel_log."""
    out = ['[    1.234] Run /init as init process', '# arena-kfault: /init started at 1.30 s',
           'KTAP version 1', f'1..{len(programs) + len(checks)}']
    for i, (name, lines, rc) in enumerate(programs, 1):
        planned = sum(bool(re.match(r'(not )?ok \d', line)) for line in lines)
        out += [f'    # running {name}', '    TAP version 13', f'    1..{planned}']
        out += ['    ' + line for line in lines]
        out += [f"    # arena-kfault: {name.split(':')[-1]} took 0.2 s",
                f'ok {i} {name}' if rc == 0 else f'not ok {i} {name} # exit status {rc}']
    out += [check.format(i=len(programs) + j) for j, check in enumerate(checks, 1)]
    out += ['# arena-kfault: kernel log begin'] + list(kernel_log)
    return '\n'.join(out + ['# arena-kfault: kernel log end', '# arena-kfault: guest done']) + '\n'


def ksft_run(tests, passed=None):
    """What kselftest_harness prints for @tests, each (name, [its result line
    and the lines before it]); @passed: how many passed (default: all)."""
    lines = [f'# Starting {len(tests)} tests from 1 test cases.']
    for name, result in tests:
        lines += [f'#  RUN           {name} ...', f'#            OK  {name}'] + result
    passed = len(tests) if passed is None else passed
    verdict = 'PASSED' if passed == len(tests) else 'FAILED'
    return lines + [f'# {verdict}: {passed} / {len(tests)} tests passed.',
                    f'# Totals: pass:{passed} fail:{len(tests) - passed} xfail:0 xpass:0 '
                    'skip:0 error:0']


def ksft_console(rc=0, two='ok 2 arena.two'):
    """A boot of one program, arena_kfault:arena_kfault_test, with exit
    status @rc: case one passes, case two prints @two (lines; its result
    line last)."""
    return ksft_boot(('arena_kfault:arena_kfault_test',
                      ksft_run([('arena.one', ['ok 1 arena.one']),
                                ('arena.two', two.splitlines())]), rc))


class ProgramExitStatus(unittest.TestCase):
    """Hole 1: a test program's own failure fails the suite, even when every
    case it printed passed, and a case's XFAIL or XPASS is no pass."""

    def judge(self, console, *args):
        with tempfile.TemporaryDirectory() as d:
            kunit_parse(self, console, os.path.join(d, 't-a-kselftest.json'))
            proc, summary = summary_of(d, [('t', 'a', 'kselftest')], *args)
        return proc, {c['name']: c for c in summary['suites'][0]['cases']}

    def assert_red(self, proc, cases, name, note):
        self.assertEqual(proc.returncode, 1, f'expected a red run, saw:\n{proc.stdout}')
        self.assertIn(name, cases, f'expected a failing case {name}, saw {sorted(cases)}')
        self.assertEqual(cases[name]['status'], 'FAIL')
        self.assertIn(note, cases[name]['note'])

    def test_all_cases_ok_then_timeout(self):
        proc, cases = self.judge(ksft_console(rc=124))
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena_kfault_test.exit_status',
                        'timed out (exit status 124) with no failing case')

    def test_all_cases_ok_then_crash(self):
        proc, cases = self.judge(ksft_console(rc=139))
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena_kfault_test.exit_status',
                        'was killed by signal 11')

    def test_all_cases_ok_then_nonzero(self):
        proc, cases = self.judge(ksft_console(rc=1))
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena_kfault_test.exit_status',
                        'failed (exit status 1) with no failing case')

    def test_timeout_not_hidden_by_a_known_failure(self):
        two = ('# arena_kfault_test.c:90:two:Expected 0 (0) == run_prog(...) (-14)\n'
               '# two: Test failed\nnot ok 2 arena.two')
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, 'known.conf')
            with open(conf, 'w', encoding='utf-8') as f:
                f.write('[t a kselftest arena.two]\nsignature = Expected 0 \\(0\\) == run_prog\n'
                        'reason = a known bug\n')
            proc, cases = self.judge(ksft_console(rc=124, two=two), '--known-failures', conf)
        self.assertEqual(cases['arena_kfault:arena_kfault_test/arena.two']['status'], 'XFAIL',
                         'the control: the case itself is its known failure')
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena_kfault_test.exit_status',
                        'timed out (exit status 124)')

    def test_skipped_program_after_passing_cases(self):
        console = ksft_console().replace('ok 1 arena_kfault:arena_kfault_test',
                                         'ok 1 arena_kfault:arena_kfault_test # SKIP')
        proc, cases = self.judge(console)
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena_kfault_test.exit_status',
                        'reported itself skipped (SKIP) after cases that passed')

    def test_case_reported_twice(self):
        console = ksft_console(two='ok 2 arena.one').replace('1..2\n    #', '1..2\n    #')
        proc, cases = self.judge(console)
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena.one.duplicate',
                        'reported 2 times')

    def test_known_failure_that_never_reported(self):
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, 'known.conf')
            with open(conf, 'w', encoding='utf-8') as f:
                f.write('[t a kselftest arena.gone]\nsignature = lost its data\n'
                        'reason = a regression test that must fail here\n')
            proc, cases = self.judge(ksft_console(), '--known-failures', conf)
        self.assert_red(proc, cases, 'kselftest/arena.gone', 'reported no result')

    def test_failed_case_and_exit_1_is_only_that_case(self):
        two = '# two: Test failed\nnot ok 2 arena.two'
        proc, cases = self.judge(ksft_console(rc=1, two=two))
        self.assertEqual(proc.returncode, 1)
        self.assertEqual([n for n, c in cases.items() if c['status'] != 'PASS'],
                         ['arena_kfault:arena_kfault_test/arena.two'],
                         'exit 1 after a failed case is that case, nothing more')

    def test_xfail_directive_is_no_pass(self):
        proc, cases = self.judge(ksft_console(two='ok 2 arena.two # XFAIL flaky on TCG'))
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena.two',
                        'reported ok # XFAIL')

    def test_xpass_directive_is_no_pass(self):
        proc, cases = self.judge(ksft_console(two='ok 2 arena.two # XPASS'))
        self.assert_red(proc, cases, 'arena_kfault:arena_kfault_test/arena.two',
                        'reported ok # XPASS')

    def test_clean_program_is_green(self):
        proc, cases = self.judge(ksft_console())
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual({c['status'] for c in cases.values()}, {'PASS'})


class TestProgsExitStatus(unittest.TestCase):
    """Hole 1: test_progs' exit status counts even when the test printed a
    result: a crash, a timeout or a kernel that died after "OK" is red."""

    def judge(self, console, tests):
        proc, text, cases = judge_test_progs(self, console, tests)
        return proc, text, {name: c['status'] for name, c in cases.items()}

    @staticmethod
    def console(exit_line, after_ok=''):
        return textwrap.dedent('''\
            # bpf_selftests: arena_list begin
            #1/1     arena_list/arena_list_1:OK
            #1/2     arena_list/arena_list_2:OK
            #1       arena_list:OK
            ''') + after_ok + exit_line + '# bpf_selftests: done\n'

    def assert_red(self, proc, ktap, statuses, why):
        self.assertEqual(proc.returncode, 1, f'expected a red run, saw:\n{proc.stdout}')
        self.assertEqual(statuses.get('test_progs/arena_list/exit_status'), 'FAIL', statuses)
        self.assertIn(why, ktap)

    def test_crash_after_ok(self):
        proc, ktap, st = self.judge(self.console('# bpf_selftests: arena_list exit 139\n'),
                                    ['arena_list'])
        self.assert_red(proc, ktap, st, 'test_progs exit status 139 after the test reported OK: '
                        'killed by signal 11')

    def test_timeout_after_ok(self):
        proc, ktap, st = self.judge(self.console('# bpf_selftests: arena_list exit 124\n'),
                                    ['arena_list'])
        self.assert_red(proc, ktap, st, 'timed out after its result')

    def test_kernel_died_after_ok(self):
        oops = ('Unable to handle kernel paging request at virtual address ffff800082000010\n'
                'pc : bpf_kfunc_arena_arg_test+0xc/0x28 [bpf_testmod]\n'
                'Kernel panic - not syncing: Oops: Fatal exception\n')
        proc, ktap, st = self.judge(self.console('', after_ok=oops), ['arena_list'])
        self.assert_red(proc, ktap, st, 'exit status none: the kernel died after the test '
                        'reported OK')
        self.assertIn('pc : bpf_kfunc_arena_arg_test', ktap, 'the oops is the log')

    def test_exit_line_with_a_kernel_message_in_it(self):
        """The boot shows warnings live (loglevel=5): one printed into the
        exit line of a test that crashed leaves 'exit 1...' there, which is
        no exit status at all (nor the 1 of a failed test)."""
        garbled = '# bpf_selftests: arena_list exit 1hrtimer: interrupt took 2150488 ns\n'
        proc, ktap, st = self.judge(self.console(garbled), ['arena_list'])
        self.assert_red(proc, ktap, st, 'test_progs exit status ? (garbled:')

    def test_clean_exit_is_green(self):
        proc, _, st = self.judge(self.console('# bpf_selftests: arena_list exit 0\n'),
                                 ['arena_list'])
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertNotIn('test_progs/arena_list/exit_status', st)


def judge_test_progs(test, console, tests, *args, cell=('t', 'a')):
    """The summary of test_progs' @console for the selected @tests, made
    as run-bpf-selftests.sh makes it (results.py test-progs, kunit.py
    parse), for the (tree, arch) @cell: (exit status and stdout, the KTAP,
    {case name: case})."""
    base = '-'.join(cell) + '-bpf_selftests'
    with tempfile.TemporaryDirectory() as d:
        paths = {n: os.path.join(d, n) for n in ('console', 'tests')}
        with open(paths['console'], 'w', encoding='utf-8') as f:
            f.write(console)
        with open(paths['tests'], 'w', encoding='utf-8') as f:
            f.write('\n'.join(tests) + '\n')
        ktap = os.path.join(d, base + '.ktap')
        proc = results_cli('test-progs', '--console', paths['console'],
                           '--tests', paths['tests'], '--ktap', ktap)
        test.assertEqual(proc.returncode, 0)
        with open(ktap, encoding='utf-8') as f:
            text = f.read()
        kunit_parse(test, text, os.path.join(d, base + '.json'))
        proc, summary = summary_of(d, [cell + ('bpf_selftests',)], *args)
    return proc, text, {c['name']: c for c in summary['suites'][0]['cases']}


def case_files(d, tree, arch, suite, label, log, status='FAIL'):
    """The result files of suite @suite with one case @label (the name the
    case matrix prints) that ended @status after printing @log, nested as
    the real ones are: KUnit cases in bpf_arena_kfault, kselftest cases in
    their program, bpf_selftests in test_progs, the stress case at the top;
    kernel_log_clean as results.py log-check adds it, its log in the JSON."""
    if label == 'kernel_log_clean':
        root = {'name': 'root', 'sub_groups': [], 'test_cases': [
            {'name': label, 'status': status, 'log': list(log)}]}
        ktap = ['KTAP version 1', '1..0']
    else:
        group = {'kunit': 'bpf_arena_kfault', 'kselftest': 'arena_kfault:arena_kfault_test',
                 'bpf_selftests': 'test_progs'}.get(suite)
        parts = ([group] if group else []) + label.split('/')
        root = node = {'name': 'root', 'sub_groups': [], 'test_cases': []}
        for part in parts[:-1]:
            node['sub_groups'].append({'name': part, 'sub_groups': [], 'test_cases': []})
            node = node['sub_groups'][-1]
        node['test_cases'].append({'name': parts[-1], 'status': status})
        pad = '    ' * (len(parts) - 1)
        word = 'ok' if status == 'PASS' else 'not ok'
        ktap = ['KTAP version 1', '1..1']
        ktap += ['    ' * i + f'# Subtest: {p}' for i, p in enumerate(parts[:-1], 1)]
        ktap += [pad + line for line in log] + [f'{pad}{word} 1 {parts[-1]}']
        ktap += ['    ' * i + f'{word} 1 {p}' for i, p in reversed(list(enumerate(parts[:-1])))]
    base = os.path.join(d, f'{tree}-{arch}-{suite}')
    with open(base + '.json', 'w', encoding='utf-8') as f:
        json.dump(root, f)
    with open(base + '.ktap', 'w', encoding='utf-8') as f:
        f.write('\n'.join(ktap) + '\n')


def judge_entry(entry, log):
    """The status the judge gives the case of known failure @entry when it
    fails with @log (real-shaped result files, judged in this process)."""
    judge = judge_module()
    with tempfile.TemporaryDirectory() as d:
        case_files(d, entry['tree'], entry['arch'], entry['suite'], entry['case'], log)
        rec = judge.suite_record(
            os.path.join(d, f"{entry['tree']}-{entry['arch']}-{entry['suite']}.json"),
            entry['tree'], entry['arch'], entry['suite'], [entry], 'debian',
            set() if entry['flavours'] == ['any'] else set(entry['flavours']))
    case = next(c for c in rec['cases'] if judge.case_label(c['name']) == entry['case'])
    return case['status'], case.get('note', '')


def kunit_report(case, line, expected, message):
    """A KUnit expectation failure as the judge reads it from the KTAP."""
    return [f'# {case}: EXPECTATION FAILED at kernel/bpf/arena_kfault_test.c:{line}'] + \
        expected + [message]


def ksft_report(test, line, expected, message):
    """A kselftest_harness EXPECT failure and its TH_LOG line."""
    return [f'# arena_kfault_test.c:{line}:{test}:Expected {expected}',
            f'# arena_kfault_test.c:{line}:{test}:{message}']


def arm64_oops(addr, func, stamp='48.20'):
    """The lines of an arm64 oops, as the console shows them."""
    return [f'[   {stamp}1234] Unable to handle kernel paging request at virtual address {addr}',
            f'[   {stamp}1301] Mem abort info:',
            f'[   {stamp}1302]   ESR = 0x0000000096000047',
            f'[   {stamp}4000] Internal error: Oops: 0000000096000047 [#1]  SMP',
            f'[   {stamp}4100] Modules linked in: arena_kfault_kmod(O)',
            f'[   {stamp}4500] pc : {func}',
            f'[   {stamp}4600] lr : bpf_prog_5f1c9a0b4c22c7d1_kfunc_write_leaf+0x5c/0x80',
            f'[   {stamp}4700] Call trace:',
            f'[   {stamp}4800]  {func} (P)',
            f'[   {stamp}5000] ---[ end trace 0000000000000000 ]---']


ARM64_WARN = ['[   52.100000] WARNING: arch/arm64/mm/fault.c:422 at __do_kernel_fault+0x2c4/0x2d8, '
              'CPU#1: arena_kfault_t/170',
              '[   52.100100] pc : __do_kernel_fault+0x2c4/0x2d8']


def logged(console_lines):
    """Console lines as a kernel_log_clean case lists them ('# ' + line)."""
    return ['# ' + line for line in console_lines]


def stress_figures(**changes):
    """arena_stress's figures of an upstream/x86_64 run (README), with
    @changes: NAME=VALUE replaces a figure's value."""
    figures = [('seconds', '60'), ('threads', '16 (2 CPUs, 4 faulters, 4 allocators, '
                                              '4 touchers, 4 churners)'),
               ('iterations', '491997'), ('recovered_faults', '441500'),
               ('allocs_over_scratch', '9935'), ('frees', '28528'), ('user_segv', '9870'),
               ('user_reads', '8723'), ('arenas_created', '148'), ('errors', '0'),
               ('lost_data', '8891'), ('splats', '0'),
               ('mem_available_kb', '846064 -> 842976 (page tables counted apart: 8600 -> 75000)')]
    return [f'# stress: {k} {changes.get(k, v)}' for k, v in figures]


# What each known failure of configs/known-failures.conf looks like when its
# bug shows, as the judge reads it (the KTAP lines since the previous
# result), and edits that turn it into another failure: (old, new) on the
# sample.  Shapes: KUnit's assert.c, kselftest_harness.h, test_progs'
# ASSERT_*, arena_stress, the README's examples.
LEAF_KUNIT = (arm64_oops('ffff800081209008', 'kfault_test_leaf_write+0x8/0x18', '3.10')
              + ['# real_fault_in_leaf_function_recovers: try faulted: last line seen '
                 'kernel/bpf/arena_kfault_test.c:810',
                 '# real_fault_in_leaf_function_recovers: internal error occurred preventing '
                 'test case from running: -4'])
LEAF_KSFT = (['#  RUN           arena.write_from_leaf_kfunc ...']
             + arm64_oops('ffff800088009008', 'bpf_kfault_write_leaf+0x8/0x18 [arena_kfault_kmod]')
             + ['# write_from_leaf_kfunc: Test terminated unexpectedly by signal 11',
                '#          FAIL  arena.write_from_leaf_kfunc'])
BPF_LEAF = ['# ' + line for line in arm64_oops(
    'ffff800082000010', 'bpf_kfunc_arena_arg_test+0xc/0x28 [bpf_testmod]', '61.11')] + \
    ['# [   61.120000] Kernel panic - not syncing: Oops: Fatal exception',
     '# [   61.121000] ---[ end Kernel panic - not syncing: Oops: Fatal exception ]---']
OOPS_LINES = [line for line in arm64_oops('ffff800088009008', 'X')
              if 'Unable' in line or 'Internal' in line or 'pc :' in line]


def nothp_assert(case):
    """The nothp cases' stop before their real fault."""
    return [f'# {case}: ASSERTION FAILED at kernel/bpf/arena_kfault_test.c:684',
            'Expected installed to be true, but is false',
            'ptep_try_set() installed nothing into an empty kernel PTE: a real fault would be '
            'retried forever']


RANGE_NOTHP = (kunit_report('handler_range_boundaries', 759,
                            ['Expected test_mapped_page(addr) == ctx->arena->scratch_page, but',
                             'test_mapped_page(addr) == 0000000000000000',
                             'ctx->arena->scratch_page == fffffdffc0b8a2c0'],
                            'scratch page not installed'),
               [('scratch page not installed', 'handler changed a PTE outside the recovery range')])
NOTHP = ([], [('installed nothing into an empty kernel PTE', 'installed a page it should not')])
TEARDOWN = (kunit_report('teardown_frees_page_tables', 554,
                         ['Expected freed >= want, but', 'freed == -12 (0xfffffffffffffff4)',
                          'want == 7672 (0x1df8)'],
                         'destroying 8 arenas freed -12 page-table pages, want at least 7672 '
                         '(the PTE tables of half of them)'),
            [('freed -12', f'freed {v}') for v in ('-49', '-96', '-512', '1', '12', '3000')])
OTHER_CPU = (kunit_report('alloc_over_scratch_other_cpu_sees_page', 1073,
                          ['Expected o.after == 0xa110cULL, but',
                           'o.after == 96970692 (0x5c7a7c4)', '0xa110cULL == 659724 (0xa110c)'],
                          'CPU 1 still reads 0x5c7a7c4 (the scratch page) through the allocated '
                          'address: its TLB was not flushed'),
             [('still reads 0x5c7a7c4', 'still reads 0x0')])
STREAM = (['# verify_stderr:FAIL:stderr stream read unexpected stderr stream read: '
           'actual 0 <= expected 0'],
          [('stream read unexpected stderr stream read: actual 0',
            'stream content unexpected stderr stream content: actual 0')])
SCRATCH_REPLACE = (['# check_store:FAIL:store after allocation unexpected store after '
                    'allocation: actual 0 != expected 4242'],
                   [('actual 0 !=', 'actual 17 !=')])
SPMC_RESIZE = (['# parallel_test_spmc_resize__0 returned -34',
                '# run_libarena_parallel_test:FAIL:parallel_test_spmc_resize unexpected error: '
                '-34 (errno 2)'],
               [('unexpected error: -34', 'unexpected error: -22'),
                ('__0 returned -34', '__0 returned -22')])
SPMC_SINGLEVAL = (['# parallel_test_spmc_singleval__1 returned -110',
                   '# run_libarena_parallel_test:FAIL:parallel_test_spmc_singleval unexpected '
                   'error: -110 (errno 2)'],
                  [('unexpected error: -110', 'unexpected error: -22'),
                   ('__1 returned -110', '__1 returned -22')])
SAMPLES = {
    'upstream x86_64 bpf_selftests libarena/parallel_test_spmc_singleval': SPMC_SINGLEVAL,
    'series x86_64 bpf_selftests libarena/parallel_test_spmc_singleval': SPMC_SINGLEVAL,
    'fixes x86_64 bpf_selftests libarena/parallel_test_spmc_singleval': SPMC_SINGLEVAL,
    'upstream x86_64 bpf_selftests libarena/parallel_test_spmc_resize': SPMC_RESIZE,
    'series x86_64 bpf_selftests libarena/parallel_test_spmc_resize': SPMC_RESIZE,
    'fixes x86_64 bpf_selftests libarena/parallel_test_spmc_resize': SPMC_RESIZE,
    'upstream arm64 bpf_selftests libarena/parallel_test_spmc_resize': SPMC_RESIZE,
    'series arm64 bpf_selftests libarena/parallel_test_spmc_resize': SPMC_RESIZE,
    'fixes arm64 bpf_selftests libarena/parallel_test_spmc_resize': SPMC_RESIZE,
    'upstream x86_64 kunit alloc_over_scratch_maps_fresh_page': (
        kunit_report('alloc_over_scratch_maps_fresh_page', 895,
                     ['Expected val == 0ULL, but', 'val == 57005 (0xdead)', '0ULL == 0 (0x0)'],
                     'the kernel still sees the scratch page (read 0xdead) after the allocation'),
        [('(read 0xdead)', '(read 0xbeef)')]),
    'upstream x86_64 kunit alloc_over_scratch_nonsleepable_same_cpu': (
        kunit_report('alloc_over_scratch_nonsleepable_same_cpu', 945,
                     ['Expected after == 0ULL, but', 'after == 2989 (0xbad)', '0ULL == 0 (0x0)'],
                     'this CPU still sees the scratch page (read 0xbad)'),
        [('(read 0xbad)', '(read 0x5a5a)')]),
    'upstream x86_64 kunit alloc_over_scratch_other_cpu_sees_page/sleepable': OTHER_CPU,
    'upstream x86_64 kunit alloc_over_scratch_other_cpu_sees_page/non_sleepable': OTHER_CPU,
    'upstream x86_64 kunit alloc_over_scratch_nonsleepable_repeated': (
        kunit_report('alloc_over_scratch_nonsleepable_repeated', 1330,
                     ['Expected after == 0ULL, but', 'after == 23674 (0x5c7a)', '0ULL == 0 (0x0)'],
                     'non-sleepable allocation 1 got the scratched page, but this CPU still '
                     'reads 0x5c7a (the scratch page) there'),
        [('still reads 0x5c7a', 'still reads 0xffff'), ('allocation 1 got', 'allocation 2 got')]),
    'upstream x86_64 kunit handler_retries_only_filled_slot': (
        kunit_report('handler_retries_only_filled_slot', 1112,
                     ['Expected pte_present(pte) to be true, but is false'],
                     'the handler asked for a retry, but the slot maps nothing (0x60): a real '
                     'fault would fault again forever'),
        [('maps nothing (0x60)', 'maps nothing (0x0)')]),
    'upstream x86_64 kselftest arena.alloc_over_scratched_page': (
        ['#  RUN           arena.alloc_over_scratched_page ...']
        + ksft_report('alloc_over_scratched_page', 156, '0 (0) == val (3735928559)',
                      'kernel reads 0xdeadbeef: still the scratch page?')
        + ksft_report('alloc_over_scratched_page', 160,
                      '77 (77) == ((volatile __u64 *)page)[1] (0)',
                      'kernel and user see different pages')
        + ['# alloc_over_scratched_page: Test failed',
           '#            FAIL  arena.alloc_over_scratched_page'],
        [('kernel reads 0xdeadbeef: still the scratch page?',
          'bpf_arena_alloc_pages() over a scratched page failed')]),
    'upstream x86_64 kselftest arena.concurrent_faults_allocs_frees': (
        ['#  RUN           arena.concurrent_faults_allocs_frees ...']
        + [f'# arena_kfault_test.c:538:concurrent_faults_allocs_frees:thread {i} (faulter): '
           f'2000 done, 0 freed, 0 errors' for i in (0, 1)]
        + ksft_report('concurrent_faults_allocs_frees', 531, '0 (0) == st[i].bad_data (2)',
                      'thread 2: 2 allocations lost their data')
        + ['# arena_kfault_test.c:538:concurrent_faults_allocs_frees:thread 2 (allocator): '
           '1998 done, 1998 freed, 0 errors',
           '# concurrent_faults_allocs_frees: Test failed',
           '#            FAIL  arena.concurrent_faults_allocs_frees'],
        # the issue's examples: failed runs, a thread that did nothing
        [('thread 2: 2 allocations lost their data', 'thread 1: 297 program runs failed'),
         ('thread 2: 2 allocations lost their data', 'thread 1 (faulter) never succeeded')]),
    'upstream x86_64 bpf_selftests arena_scratch_replace/sleepable': SCRATCH_REPLACE,
    'upstream x86_64 bpf_selftests arena_scratch_replace/non_sleepable': SCRATCH_REPLACE,
    'upstream x86_64 stress stress': (
        stress_figures(),
        [('errors 0', 'errors 48211'), ('recovered_faults 441500', 'recovered_faults 0'),
         ('846064 -> 842976', '846064 -> 436064'), ('lost_data 8891', 'lost_data 0'),
         ('splats 0', 'splats 1: 4,1200,3000,-;WARNING: CPU: 0 PID: 9 at mm/vmalloc.c:3300')]),
    'upstream arm64 bpf_selftests arena_scratch_replace': (
        BPF_LEAF, [('bpf_kfunc_arena_arg_test+0xc', 'bpf_arena_handle_page_fault+0x64'),
                   ('paging request at virtual address ffff800082000010',
                    'NULL pointer dereference at virtual address 0000000000000010')]),
    'upstream arm64 bpf_selftests arena_kfunc': (
        BPF_LEAF, [('bpf_kfunc_arena_arg_test+0xc', 'bpf_arena_handle_page_fault+0x64')]),
    'upstream arm64 bpf_selftests kernel_log_clean': (
        BPF_LEAF, [('bpf_kfunc_arena_arg_test+0xc', 'bpf_arena_handle_page_fault+0x64')]),
    'upstream x86_64 bpf_selftests stream_success/stream_arena_callback_fault': STREAM,
    'series x86_64 bpf_selftests stream_success/stream_arena_callback_fault': STREAM,
    'fixes x86_64 bpf_selftests stream_success/stream_arena_callback_fault': STREAM,
    'upstream arm64 bpf_selftests stream_success/stream_arena_callback_fault': STREAM,
    'series arm64 bpf_selftests stream_success/stream_arena_callback_fault': STREAM,
    'fixes arm64 bpf_selftests stream_success/stream_arena_callback_fault': STREAM,
    'upstream arm64 kunit real_fault_in_leaf_function_recovers': (
        LEAF_KUNIT, [('pc : kfault_test_leaf_write', 'pc : bpf_arena_handle_page_fault'),
                     ('-4', '-5')]),
    'upstream arm64 kunit kernel_log_clean': (
        logged([line for line in LEAF_KUNIT if not line.startswith('#')]),
        [('pc : kfault_test_leaf_write', 'pc : bpf_arena_handle_page_fault')]),
    'upstream arm64 kselftest arena.write_from_leaf_kfunc': (
        LEAF_KSFT, [('pc : bpf_kfault_write_leaf', 'pc : bpf_arena_handle_page_fault'),
                    ('by signal 11', 'by signal 9')]),
    'upstream arm64 kselftest kernel_log_clean': (
        logged(arm64_oops('ffff800088009008', 'bpf_kfault_write_leaf+0x8/0x18 [arena_kfault_kmod]')
               + ARM64_WARN),
        [('pc : bpf_kfault_write_leaf', 'pc : bpf_arena_handle_page_fault'),
         ('pc : __do_kernel_fault', 'pc : vfree')]),
    'upstream arm64 stress stress': (
        stress_figures(lost_data='0', splats='25: 4,1432,61234567,-;WARNING: '
                       'arch/arm64/mm/fault.c:422 at __do_kernel_fault+0x2c4/0x2d8, '
                       'CPU#1: arena_stress/301'),
        [('fault.c:422 at __do_kernel_fault', 'vmalloc.c:3300 at vfree'),
         ('errors 0', 'errors 3')]),
    'upstream arm64 stress kernel_log_clean': (
        logged(ARM64_WARN * 3),
        [('pc : __do_kernel_fault', 'pc : vfree')]),
    'upstream arm64 kselftest arena.concurrent_faults_allocs_frees': (
        ['#  RUN           arena.concurrent_faults_allocs_frees ...',
         '# arena_fixture.h:54:concurrent_faults_allocs_frees:Expected 0 (0) == '
         'akf_kmsg_bad_lines(e->kmsg, first, sizeof(first)) (3)',
         '# arena_fixture.h:55:concurrent_faults_allocs_frees:kernel log: 4,1432,61234567,-;'
         'WARNING: arch/arm64/mm/fault.c:422 at __do_kernel_fault+0x2c4/0x2d8, '
         'CPU#0: arena_kfault_t/212', '',
         '# concurrent_faults_allocs_frees: Test failed'],
        [('WARNING: arch/arm64/mm/fault.c:422 at __do_kernel_fault',
          'BUG: KASAN: slab-use-after-free in arena_free_pages')]),
    'upstream arm64 kunit handler_range_boundaries/kbase nothp': RANGE_NOTHP,
    'upstream arm64 kunit handler_range_boundaries/arena_last_byte nothp': RANGE_NOTHP,
    'upstream arm64 kunit handler_range_boundaries/upper_guard_first_byte nothp': RANGE_NOTHP,
    'upstream arm64 kunit handler_range_boundaries/upper_guard_last_byte nothp': RANGE_NOTHP,
    'upstream arm64 kunit real_fault_write_recovers nothp': NOTHP,
    'upstream arm64 kunit real_fault_in_leaf_function_recovers nothp': NOTHP,
    'upstream arm64 kunit real_fault_read_upper_guard_recovers nothp': NOTHP,
    'upstream arm64 kunit alloc_over_scratch_maps_fresh_page nothp': NOTHP,
    'upstream arm64 kunit alloc_over_scratch_nonsleepable_same_cpu nothp': NOTHP,
    'upstream arm64 kunit alloc_over_scratch_other_cpu_sees_page/sleepable nothp': NOTHP,
    'upstream arm64 kunit alloc_over_scratch_other_cpu_sees_page/non_sleepable nothp': NOTHP,
    'upstream arm64 kselftest kmemleak_clean': (
        ['# unreferenced object 0xffff000004b2e780 (size 64):',
         '#   comm "arena_leaf_kfun", pid 187, jiffies 4294904455',
         '#   backtrace (crc 8d1e7f3b):', '#     memdup_user+0x34/0xd0',
         '#     bpf_prog_test_run_syscall+0x9c/0x1e8'],
        [('(size 64)', '(size 4096)'), ('"arena_leaf_kfun"', '"arena_kfault_t"'),
         ('memdup_user+0x34/0xd0', 'bpf_map_kmalloc_node+0x44/0x1c0')]),
    'upstream arm64 kunit clear_cb_atomic_against_installer nothp': (
        ['# clear_cb_atomic_against_installer: 200 clears, 0 installs of the real page']
        + kunit_report('clear_cb_atomic_against_installer', 413,
                       ['Expected rc->installed_real > 0L, but',
                        'rc->installed_real == 0 (0x0)', '0L == 0 (0x0)'],
                       'installer never won'),
        [('installer never won', 'scratch page collected')]),
    'upstream x86_64 kunit teardown_frees_page_tables': TEARDOWN,
    'upstream arm64 kunit teardown_frees_page_tables': TEARDOWN,
}


def section(entry):
    """An entry's section name, as configs/known-failures.conf spells it."""
    return ' '.join([entry['tree'], entry['arch'], entry['suite'], entry['case']]
                    + entry['flavours'])


def sample(entry):
    """(log, edits) of an entry: SAMPLES, with the nothp ASSERT of its case."""
    log, edits = SAMPLES[section(entry)]
    if not log:		# NOTHP: the stop before the real fault, of this case
        log = nothp_assert(entry['case'].split('/')[0])
    return log, edits


def foreign_failure(entry):
    """A failure of another bug in the case of @entry, as it would print it."""
    if entry['flag']:
        return ['# unreferenced object 0xffff000004c00000 (size 4096):']
    if entry['match'] == 'every-line':	# an oops in another function
        return logged([line.replace('X', 'vfree+0x1c/0x40') for line in OOPS_LINES])
    return {
        'kunit': kunit_report(entry['case'].split('/')[0], 1063,
                              ['Expected o.timed_out to be false, but is true'],
                              'observer on CPU 1 gave up waiting'),
        'kselftest': ksft_report(entry['case'].split('.')[-1], 529, '0 (0) == st[i].errors (297)',
                                 'thread 1: 297 program runs failed'),
        'bpf_selftests': ['# check_free:FAIL:free unexpected free: actual -22 != expected 0'],
        'stress': ['# stress: errors 48211'],
    }[entry['suite']]


class RepoKnownFailures(unittest.TestCase):
    """Holes 2 and 3, on every entry of configs/known-failures.conf: its bug's
    failure is XFAIL; that failure beside another one, another failure in
    its place (an oops in another function, another value) is FAIL."""

    @classmethod
    def setUpClass(cls):
        cls.entries = judge_module().read_known_failures(
            os.path.join(REPO, 'configs', 'known-failures.conf'))

    def test_every_entry_has_a_sample(self):
        missing = [section(e) for e in self.entries if section(e) not in SAMPLES]
        self.assertEqual(missing, [], 'entries without a sample in SAMPLES: add one')

    def test_own_failure_is_xfail(self):
        for e in self.entries:
            status, note = judge_entry(e, sample(e)[0])
            self.assertEqual(status, 'XFAIL', f'[{section(e)}]: expected XFAIL, saw {status} '
                             f'({note})')

    def test_another_failure_beside_it_fails(self):
        for e in self.entries:
            for log in (sample(e)[0] + foreign_failure(e), foreign_failure(e) + sample(e)[0]):
                status, _ = judge_entry(e, log)
                self.assertEqual(status, 'FAIL', f'[{section(e)}]: expected FAIL with '
                                 f'{foreign_failure(e)} beside its failure, saw {status}')

    def test_another_failure_in_its_place_fails(self):
        for e in self.entries:
            log, edits = sample(e)
            self.assertTrue(edits, f'[{section(e)}]: no edit makes another failure of it')
            for old, new in edits:
                self.assertTrue(any(old in line for line in log), f'[{section(e)}]: {old!r}')
                other = [line.replace(old, new) for line in log]
                status, _ = judge_entry(e, other)
                self.assertEqual(status, 'FAIL', f'[{section(e)}]: expected FAIL with {old!r} '
                                 f'made {new!r}, saw {status}')
            status, _ = judge_entry(e, foreign_failure(e))
            self.assertEqual(status, 'FAIL', f'[{section(e)}]: expected FAIL with only '
                             f'{foreign_failure(e)}, saw {status}')

    def test_teardown_accepts_only_nothing_freed(self):
        entry = next(e for e in self.entries if e['case'] == 'teardown_frees_page_tables')
        log = TEARDOWN[0]
        for freed, want in (('0', 'XFAIL'), ('-24', 'XFAIL'), ('-48', 'XFAIL'), ('-49', 'FAIL'),
                            ('-480', 'FAIL'), ('5', 'FAIL'), ('100', 'FAIL')):
            status, _ = judge_entry(entry, [line.replace('freed -12', f'freed {freed}')
                                            for line in log])
            self.assertEqual(status, want, f'freed {freed}: expected {want}, saw {status}')


def read_known(conf):
    """The entries of the known-failures text @conf."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'known.conf')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(conf)
        return judge_module().read_known_failures(path)


def entry_of(conf):
    """The one entry of the known-failures text @conf."""
    return read_known(conf)[0]


class KnownFailureReports(unittest.TestCase):
    """Hole 2: a known failure accounts for every failure report of its case
    (its signature, or its companion), not just one line."""

    CONF = '[t a kunit other_cpu/sleepable]\nsignature = still reads 0x5c7a7c4\nreason = r\n'
    OBSERVER = kunit_report('other_cpu', 1063, ['Expected o.timed_out to be false, but is true'],
                            'observer on CPU 1 gave up waiting')

    def test_signature_alone_is_xfail(self):
        status, note = judge_entry(entry_of(self.CONF), OTHER_CPU[0])
        self.assertEqual(status, 'XFAIL', note)

    def test_another_report_beside_the_signature_fails(self):
        status, note = judge_entry(entry_of(self.CONF), OTHER_CPU[0] + self.OBSERVER)
        self.assertEqual(status, 'FAIL', 'expected FAIL with "observer gave up waiting" beside '
                         f'the known failure, saw {status}')
        self.assertIn('observer on CPU 1 gave up waiting', note)

    def test_companion_accounts_for_its_report(self):
        conf = self.CONF + 'companion = observer on CPU [0-9]+ gave up waiting\n'
        status, note = judge_entry(entry_of(conf), OTHER_CPU[0] + self.OBSERVER)
        self.assertEqual(status, 'XFAIL', note)

    def test_companion_alone_fails(self):
        conf = self.CONF + 'companion = observer on CPU [0-9]+ gave up waiting\n'
        status, note = judge_entry(entry_of(conf), self.OBSERVER)
        self.assertEqual(status, 'FAIL', f'expected FAIL without the signature, saw {status}')
        self.assertIn('not with its known signature', note)

    def test_oops_beside_the_signature_fails(self):
        status, note = judge_entry(entry_of(self.CONF), OTHER_CPU[0] + OOPS_LINES)
        self.assertEqual(status, 'FAIL', f'expected FAIL with an oops beside, saw {status}')
        self.assertIn('Unable to handle', note)

    EVERY_LINE = ('[t a kunit kernel_log_clean]\nsignature = pc : leaf\\+\nmatch = every-line\n'
                  'reason = r\ncompanion = Unable to handle kernel paging request')
    LEAF_OOPS = logged([line.replace('X', 'leaf+0x8/0x18') for line in OOPS_LINES])

    def test_every_line_companion_accounts(self):
        status, note = judge_entry(entry_of(self.EVERY_LINE + '|Internal error: Oops:'),
                                   self.LEAF_OOPS)
        self.assertEqual(status, 'XFAIL', note)

    def test_every_line_unaccounted_line_fails(self):
        status, note = judge_entry(entry_of(self.EVERY_LINE), self.LEAF_OOPS)
        self.assertEqual(status, 'FAIL', f'expected FAIL: "Internal error" is in neither, saw '
                         f'{status}')
        self.assertIn('Internal error: Oops', note)


class SometimesRate(unittest.TestCase):
    """Hole 7: a "sometimes" entry says how often it was seen to fail."""

    BASE = '[t a kunit x]\nsignature = s\nreason = r\nsometimes = yes\n'

    def refused(self, conf):
        with self.assertRaises(SystemExit) as cm:
            entry_of(conf)
        return str(cm.exception)

    def test_rate_required(self):
        self.assertIn('a sometimes entry needs a rate', self.refused(self.BASE))

    def test_every_run_is_not_sometimes(self):
        self.assertIn('failed every run', self.refused(self.BASE + 'rate = 5 of 5 runs'))

    def test_rate_says_numbers_or_why_not(self):
        self.assertIn('must read', self.refused(self.BASE + 'rate = often'))

    def test_rate_without_sometimes(self):
        self.assertIn('rate is for sometimes entries',
                      self.refused('[t a kunit x]\nsignature = s\nreason = r\nrate = 1 of 3 runs'))

    def test_rates_count_the_kept_runs(self):
        """make rates: each run's status of a sometimes entry's case, from
        the runs history-add kept (a run judged again counts once)."""
        conf = self.BASE + 'rate = 1 of 2 runs\n'
        with tempfile.TemporaryDirectory() as d:
            known = os.path.join(d, 'known.conf')
            with open(known, 'w', encoding='utf-8') as f:
                f.write(conf)
            history = os.path.join(d, 'history')
            for i, status in enumerate(('XFAIL', 'PASS', 'PASS', 'FAIL')):
                summary = os.path.join(d, f'{i}.json')
                with open(summary, 'w', encoding='utf-8') as f:
                    json.dump({'run': {'started': f'2026-01-0{min(i, 2) + 1}T00:00:00Z',
                                       'flavours': ''},
                               'suites': [{'tree': 't', 'arch': 'a', 'suite': 'kunit',
                                           'cases': [{'name': 'suite/x', 'status': status},
                                                     {'name': 'suite/y', 'status': 'FAIL'}]}]},
                              f)
                proc = run(['python3', RESULTS_PY, 'history-add', summary, '--source', 'debian',
                            '--history', history])
                self.assertEqual(proc.returncode, 0, proc.stderr)
            proc = run(['python3', RESULTS_PY, 'rates', '--history', history,
                        '--known-failures', known])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.splitlines()[-1].split(), ['t', 'a', 'kunit', 'x', '1', '1', '1'],
                         'runs 3 and 4 share a start: the later replaces the earlier')

    def test_history_never_fails_a_run(self):
        """A summary that cannot be kept, a history that cannot be
        written or read: a warning, never a failed run or a dead rates."""
        with tempfile.TemporaryDirectory() as d:
            summary = os.path.join(d, 'summary.json')
            with open(summary, 'w', encoding='utf-8') as f:
                f.write('{"run": ')
            blocked = os.path.join(d, 'file')
            open(blocked, 'w', encoding='utf-8').close()
            for history in (os.path.join(d, 'h'), os.path.join(blocked, 'h')):
                proc = run(['python3', RESULTS_PY, 'history-add', summary, '--source', 'debian',
                            '--history', history])
                self.assertEqual(proc.returncode, 0, proc.stderr)
                self.assertIn('not kept', proc.stderr)
            os.makedirs(os.path.join(d, 'h'))
            with open(os.path.join(d, 'h', 'cut.json'), 'w', encoding='utf-8') as f:
                f.write('{"source": "deb')
            known = os.path.join(d, 'known.conf')
            with open(known, 'w', encoding='utf-8') as f:
                f.write(self.BASE + 'rate = 1 of 2 runs\n')
            proc = run(['python3', RESULTS_PY, 'rates', '--history', os.path.join(d, 'h'),
                        '--known-failures', known])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('skipped cut.json: unreadable', proc.stdout)

    def test_good_rates(self):
        for rate in ('3 of 10 runs of the full matrix', 'unknown: counts not recorded'):
            self.assertEqual(entry_of(self.BASE + f'rate = {rate}')['rate'], rate)


class KnownFailureLists(unittest.TestCase):
    """An entry's TREE and ARCH may be lists or "*": an entry per pair."""

    @staticmethod
    def entries(header):
        return [(e['tree'], e['arch'])
                for e in read_known(f'[{header} kunit x]\nsignature = s\nreason = r\n')]

    def test_lists_give_an_entry_per_pair(self):
        self.assertEqual(self.entries('upstream,fixes x86_64,arm64'),
                         [('upstream', 'x86_64'), ('upstream', 'arm64'),
                          ('fixes', 'x86_64'), ('fixes', 'arm64')])

    def test_star_is_every_tree_and_arch(self):
        got = self.entries('* *')
        trees = [row[0] for row in table_rows('trees.conf')]
        self.assertEqual(sorted({t for t, _ in got}), sorted(trees))
        self.assertEqual(sorted({a for _, a in got}), ['arm64', 'x86_64'])
        self.assertEqual(len(got), 2 * len(trees))

    def test_repeats_and_overlaps_are_refused(self):
        two = '[{}]\nsignature = s\nreason = r\n{}\n[{}]\nsignature = t\nreason = r\n'
        for conf in ('[a,a b kunit x]\nsignature = s\nreason = r\n',
                     '[a, b kunit x]\nsignature = s\nreason = r\n',
                     two.format('a,b c kunit x', '', 'b c kunit x'),
                     two.format('u a kunit x', 'also = debug\n', 'u a kunit x debug'),
                     two.format('u a kunit x any', '', 'u a kunit x'),
                     two.format('u a kunit x debug nothp', '', 'u a kunit x nothp debug')):
            with self.assertRaises(SystemExit, msg=conf):
                entry_of(conf)

    def test_entries_of_other_runs_may_share_a_case(self):
        two = '[{}]\nsignature = s\nreason = r\n{}\n[{}]\nsignature = t\nreason = r\n'
        for conf in (two.format('u a kunit x', '', 'u a kunit x debug'),
                     two.format('u a kunit x', 'also = nothp\n', 'u a kunit x debug')):
            self.assertEqual(len(read_known(conf)), 2, conf)


class StressVerdicts(unittest.TestCase):
    """Hole 4: the stress suite's verdicts."""

    def test_stress_needs_its_case(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 't-a-stress.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': [
                    {'name': 'kernel_log_clean', 'status': 'PASS'}]}, f)
            proc, _ = summary_of(d, [('t', 'a', 'stress')], '--expected-cases',
                                 os.path.join(REPO, 'configs', 'expected-cases'))
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertIn('stress (did not report a result)', proc.stdout)

    def test_memory_bound_is_arena_stress_s(self):
        with open(os.path.join(REPO, 'selftests', 'arena_kfault', 'arena_stress.c'),
                  encoding='utf-8') as f:
            m = re.search(r'#define MEM_SLACK_KB\s+\((\d+) \* 1024\)', f.read())
        self.assertIsNotNone(m, 'arena_stress.c: no MEM_SLACK_KB')
        self.assertEqual(int(m.group(1)) * 1024, judge_module().STRESS_MEM_SLACK_KB)

    def boot(self, console, boot_rc):
        """scripts/run-stress.sh with a boot that prints @console and ends
        with @boot_rc: (exit status, its stderr, the kernel parameters)."""
        with tempfile.TemporaryDirectory() as d:
            return boot_script(d, 'run-stress.sh', ['t', 'x86_64', '60'], console, boot_rc)

    CONSOLE = '\n'.join(['[    1.2] Run /init as init process',
                         '# arena-kfault: /init started at 1.30 s', 'KTAP version 1', '1..1']
                        + stress_figures(lost_data='0') + ['ok 1 stress',
                                                           '# arena-kfault: guest done']) + '\n'

    def test_boot_failure_fails(self):
        rc, err, _ = self.boot(self.CONSOLE, 4)
        self.assertNotEqual(rc, 0, 'a boot that failed (a panic: 4) must fail the step')
        self.assertIn('stress boot failed (exit 4)', err)

    def test_boot_not_quiet(self):
        rc, err, params = self.boot(self.CONSOLE, 0)
        self.assertEqual(rc, 0, err)
        self.assertNotIn('quiet', params, 'WARNINGs must reach the console the host scans')


def boot_script(d, script, args, console, boot_rc=0, out_files=(), env=None, stubs=''):
    """Run scripts/@script @args (TREE ARCH ...) in @d with a boot that
    prints @console and ends with @boot_rc, and no toolchain root (the
    Debian source; results in @d/results, consoles in @d/logs; @out_files:
    (path, text) of files of the build directory; @env: more of its
    environment; @stubs: more shell functions in place of lib.sh's):
    (exit status, its stderr, the kernel parameters of the boot)."""
    os.makedirs(os.path.join(d, 'scripts'))
    src = os.path.join(d, 'cache', 'work', 'debian', args[0], 'src')
    os.makedirs(os.path.dirname(src))
    os.symlink(KSRC, src)
    out = os.path.join(d, 'cache', 'work', 'debian', args[0], args[1])
    os.makedirs(out)
    for path, text in [('kselftest-initramfs.cpio.gz', ''), ('bpf-selftests.cpio.gz', '')] + \
            list(out_files):
        os.makedirs(os.path.dirname(os.path.join(out, path)), exist_ok=True)
        with open(os.path.join(out, path), 'w', encoding='utf-8') as f:
            f.write(text)
    subprocess.run(['cp', os.path.join(REPO, 'scripts', script), os.path.join(d, 'scripts')],
                   check=True)
    with open(os.path.join(d, 'console'), 'w', encoding='utf-8') as f:
        f.write(console)
    # lib.sh with the boot and the toolchain root replaced
    with open(os.path.join(d, 'scripts', 'lib.sh'), 'w', encoding='utf-8') as f:
        f.write(textwrap.dedent(f'''\
            . {REPO}/scripts/lib.sh
            in_root() {{ "$@"; }}
            boot_guest() {{ echo "$4" >{d}/params; cp {d}/console "$2"; return {boot_rc}; }}
            ''') + stubs)
    proc = run(['bash', os.path.join(d, 'scripts', script)] + args,
               env={'ARENA_KFAULT_CACHE': os.path.join(d, 'cache'),
                    'ARENA_KFAULT_RESULTS': os.path.join(d, 'results'),
                    'ARENA_KFAULT_LOGS': os.path.join(d, 'logs'), **(env or {})})
    if not os.path.exists(os.path.join(d, 'params')):
        return proc.returncode, proc.stderr, []
    with open(os.path.join(d, 'params'), encoding='utf-8') as f:
        return proc.returncode, proc.stderr, f.read().split()


class BootFailures(unittest.TestCase):
    """Hole 5: a panic is a failure, however QEMU exits; a boot that crashed
    before its tests is not retried as if it had only stalled."""

    def test_panic_with_qemu_exit_0(self):
        self.assertTrue(os.path.isdir(os.path.join(KSRC, 'tools', 'testing', 'kunit')),
                        'kernel source missing: run ./run_tests.sh once first')
        with tempfile.TemporaryDirectory() as d:
            qemu = os.path.join(d, 'qemu-system-x86_64')
            with open(qemu, 'w', encoding='utf-8') as f:
                f.write('#!/bin/sh\necho "# arena-kfault: /init started at 1.30 s"\n'
                        'echo "Kernel panic - not syncing: Attempted to kill init! '
                        'exitcode=0x0000000b"\nexit 0\n')
            os.chmod(qemu, 0o755)
            proc = run(['python3', os.path.join(REPO, 'scripts', 'boot.py'), '--src', KSRC,
                        '--build-dir', d, '--arch', 'x86_64', '--initrd', '/dev/null',
                        '--timeout', '50', '--console', os.path.join(d, 'console.log')],
                       env={'PATH': d + os.pathsep + os.environ['PATH']})
        self.assertEqual(proc.returncode, 4, f'expected 4 (panicked), saw {proc.returncode}: '
                         f'{proc.stderr}')
        self.assertIn('the guest kernel panicked (qemu exit 0)', proc.stderr)

    RETRY = '''
        n=0
        boot() {{ n=$((n + 1)); if [ $n = 1 ]; then printf '%s\\n' {first} >{c}; else
                  echo "KTAP version 1" >{c}; fi; }}
        rc=0; retry_stalled_boot {c} "KTAP version" boot || rc=$?
        echo "rc=$rc boots=$n"
        '''

    def retry(self, first):
        with tempfile.TemporaryDirectory() as d:
            c = os.path.join(d, 'console')
            out = lib_sh(self.RETRY.format(first=first, c=c))
            return out.split(), os.path.exists(c + '.stalled')

    def test_crash_in_early_boot_fails(self):
        (rc, boots), kept = self.retry("'[ 0.9] Kernel panic - not syncing: VFS: Unable to mount "
                                       "root fs on unknown-block(0,0)'")
        self.assertEqual((rc, boots), ('rc=1', 'boots=1'),
                         'expected a failure and no second boot after an early panic')
        self.assertTrue(kept, 'the console of the crashed boot is kept as .stalled')

    def test_stall_is_retried(self):
        (rc, boots), _ = self.retry("'[ 0.9] Freeing unused kernel image memory: 2048K'")
        self.assertEqual((rc, boots), ('rc=0', 'boots=2'), 'expected one retry after a stall')


class RunContents(unittest.TestCase):
    """Hole 6: what the run must contain does not come from the loop that
    runs it alone."""

    def pass_result(self, d, tree, arch, suite):
        with open(os.path.join(d, f'{tree}-{arch}-{suite}.json'), 'w', encoding='utf-8') as f:
            json.dump({'name': 'x', 'sub_groups': [], 'test_cases': [
                {'name': 'a', 'status': 'PASS'}]}, f)

    def test_asked_cell_never_expected_fails(self):
        with tempfile.TemporaryDirectory() as d:
            self.pass_result(d, 'fixes', 'x86_64', 'kunit')
            proc, _ = summary_of(d, [('fixes', 'x86_64', 'kunit')],
                                 '--asked', 'cells=fixes:x86_64 fixes:arm64',
                                 '--asked', 'suites=kunit')
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertIn('fixes/arm64/kunit: asked for on the command line, but the run never '
                      'expected it', proc.stdout)

    def test_trees_times_arches_and_self_test(self):
        rows = judge_module().asked_rows(['trees=upstream fixes', 'arches=x86_64 arm64',
                                            'cells=', 'suites= kunit bench', 'self_test=1'])
        self.assertEqual(rows, [('upstream', 'x86_64', 'kunit'), ('upstream', 'arm64', 'kunit'),
                                ('fixes', 'x86_64', 'kunit'), ('fixes', 'arm64', 'kunit'),
                                ('repo', 'host', 'harness'), ('repo', 'host', 'submission')])

    def test_unexpected_result_is_judged(self):
        with tempfile.TemporaryDirectory() as d:
            self.pass_result(d, 'fixes', 'x86_64', 'kunit')
            with open(os.path.join(d, 'fixes-arm64-kunit.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': [
                    {'name': 'a', 'status': 'FAIL'}]}, f)
            proc, _ = summary_of(d, [('fixes', 'x86_64', 'kunit')])
        self.assertEqual(proc.returncode, 1, 'a failed result the run did not expect is red')

    def test_expectation_written_before_any_step(self):
        with tempfile.TemporaryDirectory() as d:
            proc = run([os.path.join(REPO, 'run_tests.sh'), '--cell', 'fixes:arm64', '--only',
                        'kunit,kselftest', '--self-test', '--kdir', '/nonexistent/linux'],
                       env={'ARENA_KFAULT_BUILD': d})
            self.assertNotEqual(proc.returncode, 0, 'the run dies at --kdir')
            with open(os.path.join(d, 'results', '.expected.tsv'), encoding='utf-8') as f:
                rows = [line.split() for line in f]
        self.assertEqual(rows, [['fixes', 'arm64', 'kunit'], ['fixes', 'arm64', 'kselftest'],
                                ['repo', 'host', 'harness'], ['repo', 'host', 'submission']])

    def test_log_check_keeps_every_flagged_line(self):
        warn = ARM64_WARN * 60
        warn[101] = '[   52.2] WARNING: CPU: 1 PID: 9 at kernel/locking/lockdep.c:4800 lock_acquire'
        conf = ('[t a stress kernel_log_clean]\nsignature = fault\\.c:422 at __do_kernel_fault\n'
                'companion = pc : __do_kernel_fault\\+\nmatch = every-line\nreason = r\n')
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'console'), 'w', encoding='utf-8') as f:
                f.write('\n'.join(warn) + '\n')
            with open(os.path.join(d, 't-a-stress.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': []}, f)
            results_cli('log-check', '--console', os.path.join(d, 'console'),
                        '--json', os.path.join(d, 't-a-stress.json'))
            with open(os.path.join(d, 'known.conf'), 'w', encoding='utf-8') as f:
                f.write(conf)
            proc, summary = summary_of(d, [('t', 'a', 'stress')],
                                       '--known-failures', os.path.join(d, 'known.conf'))
        case = summary['suites'][0]['cases'][0]
        self.assertEqual(case['status'], 'FAIL', 'expected FAIL for the 102nd flagged line, '
                         f"saw {case['status']}")
        self.assertIn('lockdep.c:4800', case['note'])
        self.assertLessEqual(len(proc.stdout.splitlines()), 20, 'the print stays short')


class HarnessCheckList(unittest.TestCase):
    """Hole 6: the self-checks have a list; a check that did not run, a
    skipped one or one not listed fails the run."""

    TESTS = textwrap.dedent('''\
        import unittest
        class A(unittest.TestCase):
            def test_one(self):
                pass
            def test_two(self):
                pass
        ''')

    def runner(self, listed, tests=TESTS):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'test_x.py'), 'w', encoding='utf-8') as f:
                f.write(tests)
            with open(os.path.join(d, 'cases'), 'w', encoding='utf-8') as f:
                f.write(''.join(f'harness  {c}\n' for c in listed))
            proc = run(['python3', os.path.join(REPO, 'scripts', 'run-harness-tests.py'),
                        '--tests-dir', d, '--expected-cases', os.path.join(d, 'cases'),
                        '--json', os.path.join(d, 'out.json')])
            with open(os.path.join(d, 'out.json'), encoding='utf-8') as f:
                return proc, {c['name']: c['status'] for c in json.load(f)['test_cases']}

    def test_all_listed_and_passing(self):
        proc, cases = self.runner(['A.test_one', 'A.test_two'])
        self.assertEqual((proc.returncode, set(cases.values())), (0, {'PASS'}), proc.stdout)

    def test_listed_check_that_did_not_run(self):
        proc, cases = self.runner(['A.test_one', 'A.test_two', 'A.test_removed'])
        self.assertEqual(proc.returncode, 1, 'expected red when a listed check is gone')
        self.assertEqual(cases.get('A.test_removed'), 'FAIL', cases)

    def test_unlisted_check(self):
        proc, cases = self.runner(['A.test_one'])
        self.assertEqual(proc.returncode, 1, 'expected red for a check missing from the list')
        self.assertEqual(cases.get('A.test_two'), 'FAIL', cases)

    def test_skipped_check(self):
        tests = self.TESTS.replace('def test_two(self):\n        pass',
                                   'def test_two(self):\n        self.skipTest("no")')
        proc, cases = self.runner(['A.test_one', 'A.test_two'], tests)
        self.assertEqual(proc.returncode, 1, 'expected red for a skipped check')
        self.assertEqual(cases.get('A.test_two'), 'SKIP', cases)

    def test_summary_fails_a_missing_check(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'repo-host-harness.json'), 'w', encoding='utf-8') as f:
                json.dump({'name': 'harness', 'sub_groups': [], 'test_cases': [
                    {'name': 'RunContents.test_trees_times_arches_and_self_test',
                     'status': 'PASS'}]}, f)
            proc, _ = summary_of(d, [('repo', 'host', 'harness')], '--expected-cases',
                                 os.path.join(REPO, 'configs', 'expected-cases'),
                                 '--filter', 'no_such*')
        self.assertEqual(proc.returncode, 1, 'expected red: one check of many reported')
        self.assertIn('HarnessCheckList.test_summary_fails_a_missing_check (did not report',
                      proc.stdout)


# ---- verdicts, second round: holes an adversarial audit found open ----


def judge_ksft(test, console, *args):
    """The summary of one kselftest boot's @console, parsed by kunit.py as
    run-kselftest.sh does: (exit status and stdout, {case name: case})."""
    with tempfile.TemporaryDirectory() as d:
        kunit_parse(test, console, os.path.join(d, 't-a-kselftest.json'))
        proc, summary = summary_of(d, [('t', 'a', 'kselftest')], *args)
    return proc, {c['name']: c for c in summary['suites'][0]['cases']}


def known_conf(d, text):
    """A known-failures file in @d holding @text; its path."""
    path = os.path.join(d, 'known.conf')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


TWO_KNOWN = '[t a kselftest arena.two]\nsignature = Expected 0 \\(0\\) == run_prog\nreason = r\n'


class DuplicateNames(unittest.TestCase):
    """Hole 5: two test programs that print the same case name leave two
    results, judged apart, and a run in which a case name is ambiguous is
    red: the case list and the known failures name cases without their
    program, so they could not tell the two apart."""

    PROG = 'arena_kfault:arena_kfault_test'
    OTHER = 'arena_kfault:arena_other_test'

    def test_namesake_in_another_program_fails(self):
        proc, cases = judge_ksft(self, ksft_boot(
            (self.PROG, ksft_run([('arena.one', ['ok 1 arena.one']),
                                  ('arena.two', ['ok 2 arena.two'])]), 0),
            (self.OTHER, ksft_run([('arena.two', ['ok 1 arena.two'])]), 0)))
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        dup = cases.get(f'{self.PROG}/arena.two.duplicate', {})
        self.assertEqual(dup.get('status'), 'FAIL', sorted(cases))
        self.assertIn(f'{self.OTHER}/arena.two', dup.get('note', ''))

    def test_directive_not_lost_to_namesake(self):
        proc, cases = judge_ksft(self, ksft_boot(
            (self.PROG, ksft_run([('arena.two', ['ok 1 arena.two # XPASS'])]), 0),
            (self.OTHER, ksft_run([('arena.two', ['ok 1 arena.two'])]), 0)))
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(cases[f'{self.PROG}/arena.two']['status'], 'FAIL',
                         "the first program's XPASS was read from the second's line")
        self.assertEqual(cases[f'{self.OTHER}/arena.two']['status'], 'PASS')

    def test_known_failure_log_not_shared(self):
        known = ['# arena_kfault_test.c:90:two:Expected 0 (0) == run_prog(...) (-14)',
                 '# two: Test failed', 'not ok 1 arena.two']
        with tempfile.TemporaryDirectory() as d:
            proc, cases = judge_ksft(self, ksft_boot(
                (self.PROG, ksft_run([('arena.two', known)], passed=0), 1),
                (self.OTHER, ksft_run([('arena.two', ['# two: Test failed', 'not ok 1 arena.two'])],
                                      passed=0), 1)),
                '--known-failures', known_conf(d, TWO_KNOWN))
        self.assertEqual(cases[f'{self.PROG}/arena.two']['status'], 'XFAIL')
        other = cases[f'{self.OTHER}/arena.two']
        self.assertEqual(other['status'], 'FAIL', "the second program's failure passed for the "
                         "known one on the first program's log")
        self.assertIn('not with its known signature', other['note'])


class KtapPlans(unittest.TestCase):
    """Hole 6: a plan ("1..N") that promises more results than were printed
    is output cut short, a failure, at every level: a program's plan as well
    as the boot's."""

    PROG = 'arena_kfault:arena_kfault_test'

    def test_program_printing_fewer_results_than_planned(self):
        # a program that exits 0 after one of its two tests (exit() in a
        # helper): the guest calls it ok, kunit.py reads its result line as
        # the program's second test
        console = ksft_boot(
            (self.PROG, ksft_run([('arena.one', ['ok 1 arena.one'])]), 0),
            ('arena_kfault:arena_leaf_kfunc_test',
             ksft_run([('arena.write_from_leaf_kfunc', ['ok 1 arena.write_from_leaf_kfunc'])]), 0))
        console = console.replace('    1..1\n    # Starting 1 tests', '    1..2\n    # Starting 2 tests', 1)
        proc, cases = judge_ksft(self, console)
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        name = f'{self.PROG}/arena_kfault_test.plan'
        self.assertEqual(cases.get(name, {}).get('status'), 'FAIL', sorted(cases))
        self.assertIn('planned 2 results (1..2), printed 1', cases[name]['note'])

    def test_boot_cut_short(self):
        # the guest's plan says two results; the console ends after one
        console = ksft_console().split('ok 2 kmemleak_clean')[0]
        proc, cases = judge_ksft(self, console)
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertEqual(cases.get('ktap.plan', {}).get('status'), 'FAIL', sorted(cases))
        self.assertIn('planned 2 results (1..2), printed 1', cases['ktap.plan']['note'])

    def test_plans_kept_are_green(self):
        proc, cases = judge_ksft(self, ksft_console())
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertNotIn('ktap.plan', cases)


KUNIT_PARAM_CONSOLE = '''\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: bpf_arena_kfault
    # module: arena
    1..2
    ok 1 clear_cb_empty_pte_is_noop
        KTAP version 1
        # Subtest: other_cpu
    # other_cpu: EXPECTATION FAILED at kernel/bpf/arena_kfault_test.c:1073
    Expected o.after == 0xa110cULL, but
        o.after == 96970692 (0x5c7a7c4)
        0xa110cULL == 659724 (0xa110c)
CPU 1 still reads 0x5c7a7c4 (the scratch page) through the allocated address: its TLB was not flushed
        not ok 1 sleepable
{own}
    # other_cpu: pass:0 fail:1 skip:0 total:1
    not ok 2 other_cpu
# bpf_arena_kfault: pass:1 fail:1 skip:0 total:2
# Totals: pass:1 fail:1 skip:0 total:2
not ok 1 bpf_arena_kfault
'''


class GroupOwnFailures(unittest.TestCase):
    """Hole 4: a group whose result is "not ok" and that printed a failure
    report of its own (after its last case: a program's teardown, a
    parameterised KUnit case's own expectation) fails for it, even when
    one of its cases failed (a known failure) too."""

    PROG = 'arena_kfault:arena_kfault_test'
    TEARDOWN = ['# arena_kfault_test.c:900:global_teardown:Expected 0 (0) == leaked_arenas (4)',
                '# arena_kfault_test.c:900:global_teardown:4 arenas still mapped after every '
                'test: the module leaks them']
    TWO = ['# arena_kfault_test.c:90:two:Expected 0 (0) == run_prog(...) (-14)',
           '# two: Test failed', 'not ok 2 arena.two']

    def ksft(self, own, conf=TWO_KNOWN):
        run_lines = ksft_run([('arena.one', ['ok 1 arena.one']), ('arena.two', self.TWO)],
                             passed=1)
        console = ksft_boot((self.PROG, run_lines + own, 1))
        with tempfile.TemporaryDirectory() as d:
            return judge_ksft(self, console, '--known-failures', known_conf(d, conf))

    def test_program_teardown_beside_a_known_failure(self):
        proc, cases = self.ksft(self.TEARDOWN)
        self.assertEqual(cases[f'{self.PROG}/arena.two']['status'], 'XFAIL', 'the control')
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        own = cases.get(f'{self.PROG}/arena_kfault_test.exit_status', {})
        self.assertEqual(own.get('status'), 'FAIL', sorted(cases))
        self.assertIn('leaked_arenas (4)', '\n'.join(own.get('diagnostics', [])))

    def test_own_failure_is_judged_like_a_case(self):
        conf = TWO_KNOWN + ('[t a kselftest arena_kfault_test.exit_status]\n'
                            'signature = [0-9]+ arenas still mapped after every test\n'
                            'reason = r\n')
        proc, cases = self.ksft(self.TEARDOWN, conf)
        self.assertEqual(cases[f'{self.PROG}/arena_kfault_test.exit_status']['status'], 'XFAIL')
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_parameterised_case_own_failure_beside_known_params(self):
        own = '\n'.join(['    # other_cpu: EXPECTATION FAILED at kernel/bpf/arena_kfault_test.c:1290',
                         '    Expected leaked_pages == 0, but', '        leaked_pages == 17',
                         'the observer thread never exited: 17 arena pages leaked'])
        conf = '[t a kunit other_cpu/sleepable]\nsignature = still reads 0x5c7a7c4\nreason = r\n'
        with tempfile.TemporaryDirectory() as d:
            kunit_parse(self, KUNIT_PARAM_CONSOLE.format(own=own),
                        os.path.join(d, 't-a-kunit.json'))
            proc, summary = summary_of(d, [('t', 'a', 'kunit')],
                                       '--known-failures', known_conf(d, conf))
        cases = {c['name']: c for c in summary['suites'][0]['cases']}
        self.assertEqual(cases['bpf_arena_kfault/other_cpu/sleepable']['status'], 'XFAIL')
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        own_case = cases.get('bpf_arena_kfault/other_cpu/other_cpu.result', {})
        self.assertEqual(own_case.get('status'), 'FAIL', sorted(cases))

    def test_group_without_reports_of_its_own_is_its_cases(self):
        with tempfile.TemporaryDirectory() as d:
            kunit_parse(self, KUNIT_PARAM_CONSOLE.format(own=''), os.path.join(d, 't-a-kunit.json'))
            proc, summary = summary_of(d, [('t', 'a', 'kunit')], '--known-failures', known_conf(
                d, '[t a kunit other_cpu/sleepable]\nsignature = still reads 0x5c7a7c4\nreason = r\n'))
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(len(summary['suites'][0]['cases']), 2)


class Directives(unittest.TestCase):
    """Hole 8: KTAP directives in any case.  ktap.rst lists SKIP, TODO,
    XFAIL, TIMEOUT and ERROR in upper case and has a parser fall back to
    "ok" / "not ok" for a directive it does not support; TAP, which KTAP
    extends, reads them in any case.  The judge takes the stricter reading:
    "ok # skip" is a skip (which must be allowed), "not ok # skip" stays a
    failure, and "ok" with XFAIL, XPASS, TODO, TIMEOUT or ERROR, in any
    case, is no pass."""

    PROG = 'arena_kfault:arena_kfault_test'

    def two(self, line, *args):
        proc, cases = judge_ksft(self, ksft_console(two=line), *args)
        return proc, cases[f'{self.PROG}/arena.two']

    def test_lowercase_xfail_is_no_pass(self):
        for directive in ('xfail', 'Xfail flaky', 'xpass', 'todo', 'TODO not yet', 'timeout',
                          'error -5'):
            proc, case = self.two(f'ok 2 arena.two # {directive}')
            self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'),
                             f'"ok 2 arena.two # {directive}" read as {case}')

    def test_lowercase_skip_after_ok_is_a_skip(self):
        proc, case = self.two('ok 2 arena.two # skip no arena support')
        self.assertEqual(case['status'], 'SKIP', 'a skip read as a pass')
        with tempfile.TemporaryDirectory() as d:
            cases = os.path.join(d, 'cases')
            with open(cases, 'w', encoding='utf-8') as f:
                f.write('kselftest arena.one\nkselftest arena.two\n')
            proc, case = self.two('ok 2 arena.two # skip no arena support',
                                  '--expected-cases', cases)
        self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'),
                         'a skip nothing allows, in lower case')

    def test_lowercase_skip_after_not_ok_stays_a_failure(self):
        proc, case = self.two('# two: Test failed\nnot ok 2 arena.two # skip')
        self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'))

    def test_todo_failure_is_not_a_known_failure(self):
        two = ('# arena_kfault_test.c:90:two:Expected 0 (0) == run_prog(...) (-14)\n'
               '# two: Test failed\nnot ok 2 arena.two # TODO')
        with tempfile.TemporaryDirectory() as d:
            proc, case = self.two(two, '--known-failures', known_conf(d, TWO_KNOWN))
        self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'),
                         "the program's own TODO verdict passed for a known failure")


class TestProgsTestLevel(unittest.TestCase):
    """Hole 1: a test_progs test that fails outside its subtests fails
    (TEST/whole_test) even when a subtest of it is a known failure: that
    entry accounts for its subtest, not for the test.  test_progs prints a
    failed test's own log first, then each subtest's log (failed ones only)
    and result line, then the test's result."""

    STORE = ('run_test:FAIL:store after allocation unexpected store after allocation: '
             'actual 0 != expected 6676521496340841709')
    TEARDOWN = ('test_arena_scratch_replace:FAIL:arena teardown unexpected arena teardown: '
                'actual -14 != expected 0')
    KNOWN = ('[t a bpf_selftests arena_scratch_replace/non_sleepable]\n'
             'signature = store after allocation unexpected store after allocation: actual 0 !=\n'
             'reason = r\n')

    def judge(self, test_log, first='OK', after_last=(), conf=KNOWN):
        first_log = [self.STORE] if first == 'FAIL' else []
        lines = (['# bpf_selftests: arena_scratch_replace begin'] + list(test_log) + first_log
                 + [f'#8/1     arena_scratch_replace/sleepable:{first}',
                    'run_test:PASS:open_and_load 0 nsec', self.STORE,
                    '#8/2     arena_scratch_replace/non_sleepable:FAIL']
                 + list(after_last) + ['#8       arena_scratch_replace:FAIL',
                                       'Summary: 0/1 PASSED, 0 SKIPPED, 1/2 FAILED',
                                       '# bpf_selftests: arena_scratch_replace exit 1',
                                       '# bpf_selftests: done'])
        with tempfile.TemporaryDirectory() as d:
            return judge_test_progs(self, '\n'.join(lines) + '\n', ['arena_scratch_replace'],
                                    '--known-failures', known_conf(d, conf))

    def assert_whole_test_fails(self, proc, cases):
        self.assertEqual(cases['test_progs/arena_scratch_replace/non_sleepable']['status'],
                         'XFAIL', 'the control: the subtest is its known failure')
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        whole = cases.get('test_progs/arena_scratch_replace/whole_test', {})
        self.assertEqual(whole.get('status'), 'FAIL', sorted(cases))
        self.assertIn('arena teardown unexpected', '\n'.join(whole.get('diagnostics', [])))

    def test_test_log_before_a_passing_subtest(self):
        self.assert_whole_test_fails(*self.judge([self.TEARDOWN])[::2])

    def test_test_log_after_the_last_subtest(self):
        self.assert_whole_test_fails(*self.judge([], after_last=[self.TEARDOWN])[::2])

    def test_whole_test_is_judged_like_a_case(self):
        conf = self.KNOWN + ('[t a bpf_selftests arena_scratch_replace/whole_test]\n'
                             'signature = arena teardown unexpected arena teardown: actual -14\n'
                             'reason = r\n')
        proc, _, cases = self.judge([self.TEARDOWN], conf=conf)
        self.assertEqual(cases['test_progs/arena_scratch_replace/whole_test']['status'], 'XFAIL')
        self.assertEqual(proc.returncode, 0, proc.stdout)

    def test_test_log_before_a_failed_subtest_is_its_log(self):
        # test_progs' order cannot tell the test's log from the first
        # failed subtest's: the subtest's known failure must account for it
        conf = self.KNOWN + self.KNOWN.replace('non_sleepable', 'sleepable')
        proc, _, cases = self.judge([self.TEARDOWN], first='FAIL', conf=conf)
        self.assertEqual(proc.returncode, 1, proc.stdout)
        self.assertEqual(cases['test_progs/arena_scratch_replace/sleepable']['status'], 'FAIL')
        self.assertIn('arena teardown', cases['test_progs/arena_scratch_replace/sleepable']['note'])

    def test_subtest_failures_alone_are_their_known_failures(self):
        proc, _, cases = self.judge([])
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertNotIn('test_progs/arena_scratch_replace/whole_test', cases)


class TestProgsSubtests(unittest.TestCase):
    """Hole 2: a bpf_selftests test reports at least as many subtests as
    configs/expected-cases lists for it ("TEST subtests: N"): a subtest that
    stops reporting (a program the compiler dropped from a BPF object, a
    renamed test__start_subtest, a test that gives up half way) fails the
    test, TEST.subtests, though every subtest it still prints passes."""

    @staticmethod
    def console(subtests, status='OK'):
        lines = ['# bpf_selftests: stream_success begin']
        lines += [f'#15/{i}   stream_success/{name}:OK' for i, name in enumerate(subtests, 1)]
        return '\n'.join(lines + [f'#15      stream_success:{status}',
                                  '# bpf_selftests: stream_success exit 0',
                                  '# bpf_selftests: done']) + '\n'

    def judge(self, subtests, listed='bpf_selftests  stream_success  subtests: 3\n'):
        with tempfile.TemporaryDirectory() as d:
            cases = os.path.join(d, 'cases')
            with open(cases, 'w', encoding='utf-8') as f:
                f.write(listed)
            return judge_test_progs(self, self.console(subtests), ['stream_success'],
                                    '--expected-cases', cases)

    def test_missing_subtest_fails(self):
        proc, _, cases = self.judge(['stream_exhaust', 'stream_cond_break'])
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        case = cases.get('stream_success.subtests', {})
        self.assertEqual(case.get('status'), 'FAIL', sorted(cases))
        self.assertIn('reported 2 subtests, configs/expected-cases lists 3', case['note'])

    def test_test_without_its_subtests_fails(self):
        proc, _, cases = self.judge([])
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertEqual(cases.get('stream_success.subtests', {}).get('status'), 'FAIL')

    def test_listed_count_or_more_is_green(self):
        for subtests in (['a', 'b', 'c'], ['a', 'b', 'c', 'new_one']):
            proc, _, cases = self.judge(subtests)
            self.assertEqual(proc.returncode, 0, proc.stdout)
            self.assertNotIn('stream_success.subtests', cases)

    def test_count_line_is_not_a_case(self):
        entries = judge_module().read_expected_cases(
            os.path.join(REPO, 'configs', 'expected-cases'))
        counts = judge_module().read_subtest_counts(
            os.path.join(REPO, 'configs', 'expected-cases'))
        self.assertTrue(counts.get('bpf_selftests'), 'no bpf_selftests subtest counts listed')
        self.assertEqual(set(counts['bpf_selftests']) & set(entries.get('bpf_selftests', {})),
                         set())

    # stream_success's subtests as upstream/x86_64 printed them
    STREAM_SUCCESS = ['stream_exhaust', 'stream_cond_break', 'stream_deadlock', 'stream_syscall',
                      'stream_arena_write_fault', 'stream_arena_read_fault',
                      'stream_arena_load_acquire_fault', 'stream_arena_xchg_fault',
                      'stream_arena_cmpxchg_fault', 'stream_arena_subprog_fault',
                      'stream_arena_callback_fault', 'stream_print_stack_kfunc',
                      'stream_print_stack_invalid_id', 'stream_print_kfuncs_locked']

    def test_repo_list_catches_a_dropped_subtest(self):
        with open(os.path.join(REPO, 'configs', 'expected-cases'), encoding='utf-8') as f:
            listed = ''.join(line for line in f
                             if line.split()[:2] == ['bpf_selftests', 'stream_success'])
        proc, _, cases = self.judge(self.STREAM_SUCCESS, listed)
        self.assertEqual(proc.returncode, 0, f'the control, every subtest:\n{proc.stdout}')
        dropped = [s for s in self.STREAM_SUCCESS if s != 'stream_arena_callback_fault']
        proc, _, cases = self.judge(dropped, listed)
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertEqual(cases.get('stream_success.subtests', {}).get('status'), 'FAIL')


class SplatPatterns(unittest.TestCase):
    """Hole 7: every kernel failure marker is a line of
    selftests/arena_kfault/splat-patterns, as the kernel prints it; read as
    Python regular expressions by the host's kernel_log_clean and as POSIX
    extended ones by grep (scripts/lib.sh splats_in) and the selftests'
    regcomp().  Console lines of a healthy boot stay unflagged."""

    MARKERS = {
        'hard LOCKUP': '[  101.234567] watchdog: CPU1: Watchdog detected hard LOCKUP on cpu 0',
        'hard LOCKUP (perf NMI)': 'NMI watchdog: Watchdog detected hard LOCKUP on cpu 1',
        'soft lockup': 'watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [arena_kfault_t:171]',
        'RCU stall': 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
        'RCU self-detected stall': 'rcu: INFO: rcu_preempt self-detected stall on CPU',
        'RCU expedited stall': 'rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {',
        'RCU tasks stall': 'INFO: rcu_tasks detected stalls on tasks:',
        'hung task': 'INFO: task kworker/0:1:12 blocked for more than 122 seconds.',
        'WARNING': 'WARNING: CPU: 1 PID: 5 at kernel/bpf/arena.c:300 arena_free_pages+0x1/0x2',
        'lockdep': 'WARNING: possible circular locking dependency detected',
        'lockdep non-static key': 'INFO: trying to register non-static key.',
        'BUG': 'BUG: unable to handle page fault for address: ffffc90000a00000',
        'KASAN': 'BUG: KASAN: slab-use-after-free in arena_free_pages+0x50/0x120',
        'KFENCE': 'BUG: KFENCE: out-of-bounds read in arena_map_free+0x52/0x120',
        'UBSAN': 'UBSAN: array-index-out-of-bounds in kernel/bpf/arena.c:212:9',
        'general protection fault': 'Oops: general protection fault, probably for '
                                    'non-canonical address 0xdead000000000100: 0000 [#1] SMP',
        'Oops': 'Oops: Oops: 0000 [#1] SMP NOPTI',
        'kernel BUG at': 'kernel BUG at mm/vmalloc.c:4889!',
        'arm64 oops': 'Unable to handle kernel paging request at virtual address ffff800082000010',
        'arm64 internal error': 'Internal error: Oops: 0000000096000047 [#1]  SMP',
        'Kernel panic': 'Kernel panic - not syncing: Fatal exception',
        'list corruption (add)': 'list_add corruption. prev->next should be next '
                                 '(ffff888004f2c0a8), but was 0000000000000000. '
                                 '(prev=ffff888004f2c0a8).',
        'list corruption (del)': 'list_del corruption, ffff888004f2c0a8->next is LIST_POISON1 '
                                 '(dead000000000100)',
        'refcount_t': 'refcount_t: underflow; use-after-free.',
        'SLUB': 'BUG kmalloc-64 (Not tainted): Poison overwritten',
        'SLUB, tainted': 'BUG kmalloc-4k (Tainted: G    B   O      ): Object already free',
        'debugobjects': 'ODEBUG: free active (active state 0) object: 0000 object type: '
                        'timer_list hint: 0x0',
    }
    # lines of the real upstream/x86_64 consoles, and the like
    NOISE = ['clocksource: Watchdog remote CPU 1 read timed out',
             'SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=2, Nodes=1',
             'rcu: RCU calculated value of scheduler-enlistment delay is 25 jiffies.',
             'WATCHDOG: test case libarena executes for 10 seconds...',
             'NMI watchdog: Perf NMI watchdog permanently disabled',
             'watchdog: Disabling watchdog on nohz_full cores by default',
             'ACPI Error: AE_BAD_PARAMETER, During Region initialization (20260408/tbxfload-52)',
             '#6/4     arena_list/arena_list_1000_nonsleepable:OK',
             '    ok 5 clear_cb_atomic_against_installer']

    @staticmethod
    def flagged(lines):
        """The lines of @lines that the host (results.py) and grep -E
        (lib.sh splats_in) each flag."""
        host = [line for line in lines if any(p.search(line) for p in judge_module().SPLATS)]
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'console')
            with open(path, 'w', encoding='utf-8') as f:
                f.write('\n'.join(lines) + '\n')
            proc = run(['bash', '-c', f'. {REPO}/scripts/lib.sh; splats_in {path} || true'])
        return host, proc.stdout.splitlines()

    def test_kernel_failure_markers(self):
        lines = list(self.MARKERS.values())
        host, grep = self.flagged(lines)
        for name, line in self.MARKERS.items():
            with self.subTest(marker=name):
                self.assertTrue(line in host, f'{name}: results.py does not flag {line!r}')
                self.assertTrue(line in grep, f'{name}: grep -E does not flag {line!r}')

    def test_console_noise_is_not_flagged(self):
        self.assertEqual(self.flagged(self.NOISE), ([], []))

    def test_list_fits_the_selftests_loader(self):
        # arena_kfault_util.c load_splat_patterns() stops, silently, at
        # MAX_SPLATS patterns, a line that does not fit its buffer or one
        # regcomp() refuses: every pattern must reach the selftests too
        with open(os.path.join(REPO, 'selftests', 'arena_kfault', 'arena_kfault_util.c'),
                  encoding='utf-8') as f:
            text = f.read()
        most = int(re.search(r'#define MAX_SPLATS (\d+)', text).group(1))
        size = int(re.search(r'char path\[PATH_MAX\], line\[(\d+)\];', text).group(1))
        with open(os.path.join(REPO, 'selftests', 'arena_kfault', 'splat-patterns'),
                  encoding='utf-8') as f:
            patterns = [line.rstrip('\n') for line in f if line.strip() and line[0] != '#']
        self.assertLessEqual(len(patterns), most)
        for p in patterns:
            self.assertLess(len(p) + 1, size, p)
            self.assertEqual(p, p.strip(), 'grep and regcomp() keep the spaces results.py strips')
            proc = subprocess.run(['grep', '-E', '-e', p], input='', capture_output=True,
                                  text=True, check=False)
            self.assertEqual(proc.returncode, 1, f'not a POSIX extended regex: {p}: {proc.stderr}')


class KernelLogOnHost(unittest.TestCase):
    """Hole 3: kernel_log_clean is one check, on the host, of a boot's whole
    console (results.py log-check): for the kselftest boot too, whose guest
    only prints the kernel log (dmesg: the boot is quiet) after its last
    step.  A splat anywhere on the console fails it, one printed after the
    guest's own steps included."""

    SPLAT = ['[   30.100000] BUG: unable to handle page fault for address: ffffc90000a00000',
             '[   30.100100] Oops: Oops: 0000 [#1] SMP NOPTI',
             '[   30.100200] RIP: 0010:arena_map_free+0x52/0x120']

    def kselftest(self, console):
        """scripts/run-kselftest.sh over a boot that printed @console, then
        the summary: (exit status, [cases named kernel_log_clean])."""
        with tempfile.TemporaryDirectory() as d:
            rc, err, _ = boot_script(d, 'run-kselftest.sh', ['t', 'x86_64'], console)
            self.assertEqual(rc, 0, err)
            proc, summary = summary_of(os.path.join(d, 'results'), [('t', 'x86_64', 'kselftest')])
        return proc, [c for c in summary['suites'][0]['cases'] if c['name'] == 'kernel_log_clean']

    def assert_flagged(self, proc, logs):
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        failed = [c for c in logs if c['status'] == 'FAIL']
        self.assertTrue(failed, f'kernel_log_clean did not fail: {logs}')
        self.assertIn('RIP: 0010:arena_map_free', '\n'.join(failed[0].get('diagnostics', [])))

    def test_splat_after_the_guests_last_line(self):
        self.assert_flagged(*self.kselftest(ksft_console() + '\n'.join(self.SPLAT) + '\n'))

    def test_splat_after_the_old_guest_check(self):
        # the guest's own kernel_log_clean (the one it no longer prints)
        # said ok, then the kernel oopsed
        console = ksft_boot(('arena_kfault:arena_kfault_test',
                             ksft_run([('arena.one', ['ok 1 arena.one'])]), 0),
                            checks=('ok {i} kernel_log_clean', 'ok {i} kmemleak_clean'),
                            kernel_log=())
        console = console.replace('ok 3 kmemleak_clean',
                                  '\n'.join(self.SPLAT) + '\nok 3 kmemleak_clean')
        self.assert_flagged(*self.kselftest(console))

    def test_splat_in_the_kernel_log_only(self):
        # quiet: a WARNING during kmemleak's scan reaches only dmesg
        kernel_log = KERNEL_LOG + ['[   28.000000] WARNING: CPU: 0 PID: 9 at mm/vmalloc.c:3300 '
                                   'vfree+0x1c/0x40'] + self.SPLAT[2:]
        console = ksft_boot(('arena_kfault:arena_kfault_test',
                             ksft_run([('arena.one', ['ok 1 arena.one'])]), 0),
                            kernel_log=kernel_log)
        self.assert_flagged(*self.kselftest(console))

    def test_clean_console_is_green(self):
        proc, logs = self.kselftest(ksft_console())
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual([c['status'] for c in logs], ['PASS'])

    def test_one_check_on_the_host(self):
        with open(os.path.join(REPO, 'scripts', 'guest-init.sh'), encoding='utf-8') as f:
            guest = f.read()
        self.assertIsNone(re.search(r'echo .*kernel_log_clean', guest),
                          'the guest judges its kernel log')
        self.assertNotIn('splat-patterns', guest.split('\n/bin/busybox', 1)[1],
                         'the guest reads the splat patterns')
        for script in ('run-kselftest.sh', 'run-stress.sh', 'run-bpf-selftests.sh'):
            with open(os.path.join(REPO, 'scripts', script), encoding='utf-8') as f:
                self.assertRegex(f.read(), r'\nlog_check "\$name"', script)
        body = lib_sh('declare -f kunit_collect')
        self.assertRegex(body, r'log_check "\$name"', 'lib.sh kunit_collect')

    def test_log_check_writes_no_result_line(self):
        with tempfile.TemporaryDirectory() as d:
            paths = {n: os.path.join(d, n) for n in ('console', 't-a-s.json', 't-a-s.ktap')}
            with open(paths['console'], 'w', encoding='utf-8') as f:
                f.write('\n'.join(['KTAP version 1', '1..1', 'ok 1 x'] + self.SPLAT) + '\n')
            with open(paths['t-a-s.json'], 'w', encoding='utf-8') as f:
                json.dump({'name': 'x', 'sub_groups': [], 'test_cases': [
                    {'name': 'x', 'status': 'PASS'}]}, f)
            with open(paths['t-a-s.ktap'], 'w', encoding='utf-8') as f:
                f.write('KTAP version 1\n1..1\nok 1 x\n')
            proc = results_cli('log-check', '--console', paths['console'],
                               '--json', paths['t-a-s.json'])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            with open(paths['t-a-s.ktap'], encoding='utf-8') as f:
                self.assertEqual(f.read(), 'KTAP version 1\n1..1\nok 1 x\n',
                                 'a result line made up in the KTAP')
            proc, summary = summary_of(d, [('t', 'a', 's')])
        case = next(c for c in summary['suites'][0]['cases'] if c['name'] == 'kernel_log_clean')
        self.assertEqual(case['status'], 'FAIL')
        self.assertIn('RIP: 0010:arena_map_free', '\n'.join(case['diagnostics']))


# ---- verdicts, third round: real results, tampered the way a broken run
# would leave them (scripts/tests/data/real/README.md) ----


def real(name):
    """The text of scripts/tests/data/real/@name, a result file of a real run."""
    with open(os.path.join(DATA, 'real', name), encoding='utf-8') as f:
        return f.read()


def tampered(text, old, new):
    """@text with its one @old replaced by @new (a tampering that finds
    nothing to change would prove nothing)."""
    if text.count(old) != 1:
        raise AssertionError(f'{old!r} is in the real result {text.count(old)} times, not once')
    return text.replace(old, new)


class PlanOverflow(unittest.TestCase):
    """Hole 6: results beyond a KTAP plan ("1..5", then a sixth result)
    fail: kunit.py's parser drops them (the document's level) or files
    them under another test (a program's level)."""

    CONSOLE = real('fixes-x86_64-kselftest.console')

    def test_real_boot_keeps_its_plans(self):
        proc, cases = judge_ksft(self, self.CONSOLE)
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertFalse([n for n in cases if n.endswith('.plan')])

    def test_result_beyond_the_boots_plan(self):
        proc, cases = judge_ksft(self, tampered(
            self.CONSOLE, 'ok 5 kmemleak_clean\n',
            'ok 5 kmemleak_clean\nnot ok 6 arena_kfault:arena_extra_test # exit status 1\n'))
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertIn('planned 5 results (1..5), printed 6: results beyond the plan',
                      cases.get('ktap.plan', {}).get('note', ''), sorted(cases))

    def test_result_beyond_a_programs_plan(self):
        proc, cases = judge_ksft(self, tampered(
            self.CONSOLE, '    ok 1 arena.write_from_leaf_kfunc\n',
            '    ok 1 arena.write_from_leaf_kfunc\n    not ok 2 arena.write_twice\n'))
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        name = 'arena_kfault:arena_leaf_kfunc_test/arena_leaf_kfunc_test.plan'
        self.assertIn('planned 1 results (1..1), printed 2', cases.get(name, {}).get('note', ''),
                      sorted(cases))


class CutShortNames(unittest.TestCase):
    """Hole 8: a boot cut short in a program (its timeout, the boot's) is
    red, and every failure names the program or case it concerns: kunit.py
    leaves the program whose result line never came nameless, and adds a
    nameless ERROR case for each result the plans promised."""

    def test_every_failure_named(self):
        # the real boot cut where CI's timed out: in the first program
        console = real('fixes-x86_64-kselftest.console')
        console = console[:console.index('    #  RUN           window_edge.last_arena_page')]
        proc, cases = judge_ksft(self, console)
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        prog = 'arena_kfault:arena_kfault_test'
        self.assertEqual(cases[f'{prog}/arena.concurrent_faults_allocs_frees']['status'], 'PASS')
        self.assertIn('printed 8: the output was cut short',
                      cases.get(f'{prog}/arena_kfault_test.plan', {}).get('note', ''), sorted(cases))
        self.assertIn(f'printed 0: the output was cut short in {prog}',
                      cases.get('ktap.plan', {}).get('note', ''), sorted(cases))
        for name, case in cases.items():
            self.assertTrue(all(name.split('/')), f'a nameless case: {name!r} {case}')
        failed = [line for line in proc.stdout.splitlines() if line.startswith('FAILED: ')]
        self.assertEqual(len(failed), 2, failed)


REAL_BPF_TESTS = real('bpf_selftests.tests').split()
REPO_CASES = ('--expected-cases', os.path.join(REPO, 'configs', 'expected-cases'))


class SkipsPerArch(unittest.TestCase):
    """Hole 5: a skip-ok line names the tree and arch it holds for, as a
    known failure does: verifier_arena's x86_64-only subtest may skip on
    arm64, not on x86_64."""

    SUBTEST = 'verifier_arena/arena and stack atomic at the same instruction'

    def judge(self, arch, console):
        return judge_test_progs(self, console, REAL_BPF_TESTS, *REPO_CASES,
                                cell=('fixes', arch))

    def test_real_runs_are_green(self):
        for arch in ('x86_64', 'arm64'):
            proc, _, cases = self.judge(arch, real(f'fixes-{arch}-bpf_selftests.console'))
            self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(cases[f'test_progs/{self.SUBTEST}']['status'], 'SKIP')

    def test_skip_on_another_arch_fails(self):
        proc, _, cases = self.judge('x86_64', tampered(
            real('fixes-x86_64-bpf_selftests.console'),
            f'{self.SUBTEST}:OK', f'{self.SUBTEST}:SKIP'))
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertEqual(cases[f'test_progs/{self.SUBTEST}']['status'], 'FAIL')

    def test_skip_ok_needs_tree_and_arch(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'cases')
            with open(path, 'w', encoding='utf-8') as f:
                f.write('kunit b skip-ok: no such hardware\n')
            with self.assertRaises(SystemExit) as e:
                judge_module().read_expected_cases(path)
        self.assertIn('want "skip-ok TREE ARCH: why"', str(e.exception))


def repo_known(d, *sections):
    """A known-failures file in @d holding the entries @sections of
    configs/known-failures.conf (a run judged as another tree's is judged
    by those entries alone); its path."""
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(os.path.join(REPO, 'configs', 'known-failures.conf'), encoding='utf-8')
    some = configparser.ConfigParser(interpolation=None)
    for section in sections:
        some[section] = conf[section]
    path = os.path.join(d, 'known.conf')
    with open(path, 'w', encoding='utf-8') as f:
        some.write(f)
    return path


def bpf_boot(test, console, tree, arch, *sections):
    """scripts/run-bpf-selftests.sh TREE ARCH over a boot that printed
    @console (the real tests selected), then the summary with the repo's
    case list and its known failures (@sections of them, if given): (exit
    status and stdout, {case name: case})."""
    with tempfile.TemporaryDirectory() as d:
        rc, err, _ = boot_script(d, 'run-bpf-selftests.sh', [tree, arch], console,
                                 out_files=[('bpfsel/tests.txt', real('bpf_selftests.tests'))])
        test.assertEqual(rc, 0, err)
        known = (repo_known(d, *sections) if sections else
                 os.path.join(REPO, 'configs', 'known-failures.conf'))
        proc, summary = summary_of(os.path.join(d, 'results'), [(tree, arch, 'bpf_selftests')],
                                   '--known-failures', known, *REPO_CASES)
    return proc, {c['name']: c for c in summary['suites'][0]['cases']}


class DiedTestSubtests(unittest.TestCase):
    """Hole 2: a test_progs test the kernel died under (on upstream/arm64
    arena_kfunc oopses in its fifth subtest: a known failure of the test)
    keeps the subtests it reported before (the guest runs test_progs -v,
    which prints each as it ends): one that failed stays a FAIL unless it
    is listed itself.  The real upstream/arm64 boot, and the same with the
    first four subtests printed before the oops."""

    CONSOLE = real('upstream-arm64-bpf_selftests.console')
    BEGIN = '# bpf_selftests: arena_kfunc begin\n'
    SUBTESTS = ['#4/1     arena_kfunc/arena_arg_forms:OK', '#4/2     arena_kfunc/arena_arg_rebase:OK',
                '#4/3     arena_kfunc/arena_args5:OK', '#4/4     arena_kfunc/arena_arg_mixed:OK']

    def died_after(self, subtests):
        return tampered(self.CONSOLE, self.BEGIN, self.BEGIN + ''.join(l + '\n' for l in subtests))

    def test_real_death_is_xfail(self):
        for console in (self.CONSOLE, self.died_after(self.SUBTESTS)):
            proc, cases = bpf_boot(self, console, 'upstream', 'arm64')
            self.assertEqual(proc.returncode, 0, proc.stdout)
            self.assertEqual(cases['test_progs/arena_kfunc']['status'], 'XFAIL')
        self.assertEqual(cases['test_progs/arena_kfunc/arena_arg_forms']['status'], 'PASS')

    def test_earlier_failed_subtest_stays_a_failure(self):
        subtests = list(self.SUBTESTS)
        subtests[1:2] = ['run_arena_arg_rebase:FAIL:rebase unexpected rebase: actual -14 != '
                         'expected 0', '#4/2     arena_kfunc/arena_arg_rebase:FAIL']
        proc, cases = bpf_boot(self, self.died_after(subtests), 'upstream', 'arm64')
        self.assertEqual(cases['test_progs/arena_kfunc']['status'], 'XFAIL', 'the control')
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        case = cases.get('test_progs/arena_kfunc/arena_arg_rebase', {})
        self.assertEqual(case.get('status'), 'FAIL', sorted(cases))
        self.assertIn('unexpected rebase: actual -14', '\n'.join(case.get('diagnostics', [])))

    def test_guest_prints_each_subtest_as_it_ends(self):
        with open(os.path.join(REPO, 'scripts', 'guest-init.sh'), encoding='utf-8') as f:
            self.assertRegex(f.read(), r'\./test_progs -v -a "\$t"')


class KmemleakPinned(unittest.TestCase):
    """Hole 9: upstream/arm64's kmemleak_clean known failure holds for the
    one leak it exists for, the context of the syscall whose leaf kfunc
    oopsed, matched against each object's whole report: the real
    upstream/arm64 boot is XFAIL; a leak of another size, task or
    allocation path beside or instead of it is red."""

    CONSOLE = real('upstream-arm64-kselftest.console')
    KNOWN = ('upstream arm64 kselftest kmemleak_clean',
             'upstream arm64 kselftest arena.write_from_leaf_kfunc')
    REPORT = CONSOLE[CONSOLE.index('    # unreferenced object'):
                     CONSOLE.index('not ok 5 kmemleak_clean')]

    def judge(self, console):
        with tempfile.TemporaryDirectory() as d:
            kunit_parse(self, console, os.path.join(d, 'upstream-arm64-kselftest.json'))
            proc, summary = summary_of(d, [('upstream', 'arm64', 'kselftest')],
                                       '--known-failures', repo_known(d, *self.KNOWN))
        return proc, {c['name']: c for c in summary['suites'][0]['cases']}['kmemleak_clean']

    def test_the_known_leak_is_xfail(self):
        proc, case = self.judge(self.CONSOLE)
        self.assertEqual((proc.returncode, case['status']), (0, 'XFAIL'), proc.stdout)
        self.assertEqual(case['diagnostics'],
                         ['# unreferenced object 0xfff0000002094900 (size 64):'])

    def test_another_leak_fails(self):
        others = {
            'size': ('(size 64)', '(size 128)'),
            'task': ('"arena_leaf_kfun"', '"arena_kfault_t"'),
            'path': ('memdup_user+0x40/0x128', 'bpf_map_kmalloc_node+0x44/0x1c0')}
        for what, (old, new) in others.items():
            for beside in (True, False):
                with self.subTest(what=what, beside=beside):
                    other = tampered(self.REPORT, old, new)
                    proc, case = self.judge(tampered(self.CONSOLE, self.REPORT,
                                                     (self.REPORT if beside else '') + other))
                    self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'),
                                     proc.stdout)
        # a second object, past the lines the guest prints whole
        proc, case = self.judge(tampered(self.CONSOLE, self.REPORT, self.REPORT + self.REPORT
                                         .splitlines(keepends=True)[0]))
        self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'), proc.stdout)


class FilteredKnown(unittest.TestCase):
    """kernel_log_clean and kmemleak_clean report in every run, --filter or
    not, but their upstream/arm64 entries are the oops and the leak of one
    case (of = arena.write_from_leaf_kfunc).  A --filter run that leaves that
    case out is judged without them: its clean log is no XPASS, and the
    oops, had it happened anyway, no XFAIL."""

    FILTERED = real('upstream-arm64-kselftest-filtered.console')
    FULL = real('upstream-arm64-kselftest.console')
    KNOWN = ('upstream arm64 kselftest kernel_log_clean',
             'upstream arm64 kselftest kmemleak_clean',
             'upstream arm64 kselftest arena.write_from_leaf_kfunc')

    def judge(self, console, glob):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'console'), 'w', encoding='utf-8') as f:
                f.write(console)
            json_path = os.path.join(d, 'upstream-arm64-kselftest.json')
            kunit_parse(self, console, json_path)
            results_cli('log-check', '--console', os.path.join(d, 'console'),
                        '--json', json_path)
            proc, summary = summary_of(d, [('upstream', 'arm64', 'kselftest')],
                                       '--known-failures', repo_known(d, *self.KNOWN),
                                       *(['--filter', glob] if glob else []))
        return proc, {judge_module().case_label(c['name']): c['status'] for c in summary['suites'][0]['cases']}

    def test_filtered_run_is_green(self):
        proc, cases = self.judge(self.FILTERED, 'arena.teardown_leaks_nothing')
        self.assertEqual((proc.returncode, cases['kernel_log_clean'],
                          cases['arena.teardown_leaks_nothing']), (0, 'PASS', 'PASS'), proc.stdout)

    def test_entries_hold_when_their_case_runs(self):
        proc, cases = self.judge(self.FULL, None)
        self.assertEqual((proc.returncode, cases['kernel_log_clean'], cases['kmemleak_clean']),
                         (0, 'XFAIL', 'XFAIL'), proc.stdout)
        proc, cases = self.judge(self.FULL, 'arena.write_from_leaf_kfunc')
        self.assertEqual(cases['kernel_log_clean'], 'XFAIL', proc.stdout)

    def test_config_refuses_what_of_cannot_do(self):
        # a misspelt case, none at all, and "of" on an ordinary case
        entry = ('[upstream arm64 kselftest kernel_log_clean]\n{of}signature = x\n'
                 'match = every-line\nreason = r\n')
        other = ('[upstream arm64 kselftest arena.write_from_leaf_kfunc]\n'
                 'of = arena.write_from_leaf_kfunc\nsignature = x\nreason = r\n')
        for conf, why in ((entry.format(of='of = arena.write_from_leaf_kfnuc\n'), 'not a case'),
                          (entry.format(of=''), "needs 'of'"),
                          (other, "'of' is for")):
            with self.subTest(why=why), tempfile.TemporaryDirectory() as d:
                with open(os.path.join(d, 'known.conf'), 'w', encoding='utf-8') as f:
                    f.write(conf)
                kunit_parse(self, self.FILTERED, os.path.join(d, 'upstream-arm64-kselftest.json'))
                with open(os.path.join(d, 'expected.tsv'), 'w', encoding='utf-8') as f:
                    f.write('upstream\tarm64\tkselftest\n')
                proc = results_cli('summary', '--results', d, '--expected',
                                   os.path.join(d, 'expected.tsv'), '--known-failures',
                                   os.path.join(d, 'known.conf'), '--expected-cases',
                                   os.path.join(REPO, 'configs', 'expected-cases'))
                self.assertNotEqual(proc.returncode, 0, proc.stdout)
                self.assertIn(why, proc.stdout + proc.stderr)

    def test_oops_in_a_run_that_left_its_case_out_fails(self):
        proc, cases = self.judge(self.FULL, 'arena.teardown_leaks_nothing')
        self.assertEqual((proc.returncode, cases['kernel_log_clean']), (1, 'FAIL'), proc.stdout)

    def concurrent_only(self, warning):
        """The filtered run as if it had selected arena.concurrent_faults_allocs_frees,
        with @warning (console lines) in its kernel log."""
        console = self.FILTERED.replace('teardown_leaks_nothing', 'concurrent_faults_allocs_frees')
        return console.replace('# arena-kfault: kernel log end\n',
                               ''.join(l + '\n' for l in warning) + '# arena-kfault: kernel log end\n')

    def test_race_warning_in_a_run_of_its_case_only_is_xfail(self):
        """The other bug the entry names (of): the spurious-fault WARNING of a
        lost install race (fixes 0005), in a --filter run of its case alone."""
        glob = 'arena.concurrent_faults_allocs_frees'
        proc, cases = self.judge(self.concurrent_only(ARM64_WARN), glob)
        self.assertEqual((proc.returncode, cases['kernel_log_clean']), (0, 'XFAIL'), proc.stdout)
        proc, cases = self.judge(self.concurrent_only([]), glob)
        self.assertEqual((proc.returncode, cases['kernel_log_clean']), (0, 'PASS'), proc.stdout)
        other = [l.replace('fault.c:422 at __do_kernel_fault', 'vmalloc.c:3300 at vfree')
                 .replace('pc : __do_kernel_fault', 'pc : vfree') for l in ARM64_WARN]
        proc, cases = self.judge(self.concurrent_only(other), glob)
        self.assertEqual((proc.returncode, cases['kernel_log_clean']), (1, 'FAIL'), proc.stdout)


class MissingSteps(unittest.TestCase):
    """Hole 7: a step the suites needed that left no row in the steps table
    (it never ended, or its row was lost) fails the run: the real
    fixes/x86_64 run with one row deleted."""

    def judge(self, steps):
        with tempfile.TemporaryDirectory() as d:
            kunit_parse(self, real('fixes-x86_64-kselftest.console'),
                        os.path.join(d, 'fixes-x86_64-kselftest.json'))
            for name, text in (('console', real('fixes-x86_64-bpf_selftests.console')),
                               ('tests', real('bpf_selftests.tests')), ('steps.tsv', steps),
                               ('expected.tsv', real('fixes-x86_64.expected.tsv'))):
                with open(os.path.join(d, name), 'w', encoding='utf-8') as f:
                    f.write(text)
            ktap = os.path.join(d, 'fixes-x86_64-bpf_selftests.ktap')
            results_cli('test-progs', '--console', os.path.join(d, 'console'),
                        '--tests', os.path.join(d, 'tests'), '--ktap', ktap)
            with open(ktap, encoding='utf-8') as f:
                kunit_parse(self, f.read(), os.path.join(d, 'fixes-x86_64-bpf_selftests.json'))
            proc = results_cli('summary', '--results', d,
                               '--expected', os.path.join(d, 'expected.tsv'),
                               '--steps', os.path.join(d, 'steps.tsv'))
            with open(os.path.join(d, 'summary.json'), encoding='utf-8') as f:
                return proc, json.load(f)

    def test_real_steps_are_green(self):
        proc, summary = self.judge(real('fixes-x86_64.steps.tsv'))
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertEqual(summary['run']['missing_steps'], [])

    def test_deleted_row_fails(self):
        rows = real('fixes-x86_64.steps.tsv').splitlines(keepends=True)
        for row in rows:
            tree, arch, step = row.split('\t')[:3]
            with self.subTest(step=step):
                proc, summary = self.judge(''.join(r for r in rows if r != row))
                self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
                self.assertEqual(summary['run']['missing_steps'],
                                 [{'tree': tree, 'arch': arch, 'step': 'fetch-tree|import-tree'
                                   if step == 'fetch-tree' else step}])
                self.assertIn(f'FAILED step: {tree}/{arch}/', proc.stdout)


    def test_own_kernel_suite_needs_no_cell_build(self):
        # CI's upstream:arm64:kunit_tool: kunit.py builds and boots its own
        # kernel, so the cell has no build step; a kunit row there would
        steps = [{'tree': t, 'arch': a, 'step': s, 'exit': 0} for t, a, s in (
            ('-', '-', 'setup'), ('-', '-', 'fetch-tree'), ('upstream', '-', 'prepare'),
            ('upstream', 'arm64', 'fit'), ('upstream', 'arm64', 'kunit_tool'))]
        missing = judge_module().missing_steps
        self.assertEqual(missing(steps, [('upstream', 'arm64', 'kunit_tool')], {}), [])
        self.assertEqual(missing(steps, [('upstream', 'arm64', 'kunit')], {}),
                         [('upstream', 'arm64', 'build')])


class MustOopsSplats(unittest.TestCase):
    """Hole 1: a must_oops boot passes on its one expected oops alone: any
    other kernel splat on its console (a second oops, a WARNING, KASAN,
    lockdep, an RCU stall, a list corruption) fails the case, and the boot
    shows warnings (it panics before any dmesg)."""

    FIRST = {'x86_64': 'BUG: unable to handle page fault for address: ffffb8788021a000',
             'arm64': 'Unable to handle kernel paging request at virtual address ffff80008153f000'}

    def boot(self, arch, console):
        """scripts/run-must-oops.sh's no_arena case over @console, then the
        summary: (exit status and stdout, the case, the kernel parameters)."""
        with tempfile.TemporaryDirectory() as d:
            rc, err, params = boot_script(d, 'run-must-oops.sh', ['fixes', arch], console,
                                          env={'OOPS_ONLY': 'no_arena'})
            self.assertEqual(rc, 0, err)
            proc, summary = summary_of(os.path.join(d, 'results'), [('fixes', arch, 'must_oops')])
        return proc, summary['suites'][0]['cases'][0], params

    def console(self, arch, before='', after=''):
        """The real no_arena console of @arch, @before its oops and @after
        its first line."""
        first = self.FIRST[arch]
        return tampered(real(f'fixes-{arch}-must_oops-no_arena.console'), first + '\n',
                        before + first + '\n' + after)

    def test_real_boots_pass(self):
        for arch in self.FIRST:
            proc, case, params = self.boot(arch, self.console(arch))
            self.assertEqual((proc.returncode, case['status']), (0, 'PASS'), proc.stdout)
            self.assertIn('loglevel=5', params, 'warnings must reach the console')
            self.assertNotIn('quiet', params)

    def test_another_splat_fails(self):
        markers = SplatPatterns.MARKERS
        splats = {'x86_64': [markers[m] for m in ('WARNING', 'KASAN', 'lockdep', 'RCU stall',
                                                   'list corruption (del)')],
                  'arm64': [markers['WARNING']]}
        for arch, lines in splats.items():
            for splat in lines:
                with self.subTest(arch=arch, splat=splat):
                    proc, case, _ = self.boot(arch, self.console(arch, before=splat + '\n'))
                    self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'), proc.stdout)
                    self.assertIn(f'no_arena (a kernel splat beside the oops: {splat})',
                                  proc.stdout)
                    self.assertIn(f'| # {splat}', proc.stdout)

    def test_second_oops_fails(self):
        proc, case, _ = self.boot('x86_64', self.console(
            'x86_64', after='Oops: Oops: 0002 [#2] SMP NOPTI\n' + self.FIRST['x86_64'] + '\n'))
        self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'), proc.stdout)

    def test_line_printk_replayed_counts_once(self):
        cut = 'BUG: unable to handle page fa** replaying previous printk message **\n'
        proc, case, _ = self.boot('x86_64', self.console('x86_64', before=cut))
        self.assertEqual((proc.returncode, case['status']), (0, 'PASS'), proc.stdout)


class LateSplats(unittest.TestCase):
    """Hole 4: a splat the kernel prints after the guest's dump of its log,
    up to the power-off, fails kernel_log_clean: the host judges the whole
    console (bpf_selftests too), and from the dump on the quiet boot shows
    warnings on the console."""

    SPLATS = [SplatPatterns.MARKERS['WARNING'], SplatPatterns.MARKERS['kernel BUG at']]

    def judge(self, console):
        proc, cases = bpf_boot(self, console, 'fixes', 'arm64')
        return proc, cases['kernel_log_clean']

    def test_real_boot_is_clean(self):
        proc, case = self.judge(real('fixes-arm64-bpf_selftests.console'))
        self.assertEqual((proc.returncode, case['status']), (0, 'PASS'), proc.stdout)

    def test_splat_after_the_dump_fails(self):
        console = real('fixes-arm64-bpf_selftests.console')
        for where in ('# arena-kfault: kernel log end\n', 'reboot: Restarting system\n'):
            for splat in self.SPLATS:
                with self.subTest(after=where, splat=splat):
                    proc, case = self.judge(tampered(console, where, where + splat + '\n'))
                    self.assertEqual((proc.returncode, case['status']), (1, 'FAIL'), proc.stdout)
                    self.assertIn(splat, '\n'.join(case.get('diagnostics', [])))

    def test_guest_shows_warnings_from_its_dump_on(self):
        with open(os.path.join(REPO, 'scripts', 'guest-init.sh'), encoding='utf-8') as f:
            body = re.search(r'^kernel_log\(\) \{\n.*?^\}\n', f.read(), re.M | re.S).group(0)
        out = run(['sh', '-c', 'dmesg() { echo "dmesg $*"; }\n' + body + 'kernel_log'])
        self.assertEqual(out.stdout.splitlines()[0], 'dmesg -n 5',
                         'the console level is not raised to warnings before the dump')


class KunitEnd(unittest.TestCase):
    """Hole 3: a KUnit kernel that hangs or dies after its last result line
    leaves every result, and kunit.py exits 0 (its --timeout only prints
    "timed out after"): scripts/run-kunit.sh fails its step then, and the
    summary is red.  The real fixes/x86_64 run, its console and kunit.py's
    output tampered as a hang leaves them."""

    CONSOLE = real('fixes-x86_64-kunit.console')
    OUTPUT = real('fixes-x86_64-kunit.kunit-py.log').split('\nkernel_log_clean:')[0]
    REBOOT = 'reboot: Restarting system\nreboot: machine restart\n'
    TIMEOUT = ("Command '['qemu-system-x86_64', '-nodefaults', '-m', '1024']' timed out after "
               '300 seconds\n')
    # kunit.py exec, in place of the toolchain root's: the console, the
    # JSON and the output of the real run, and exit status {rc}
    STUB = textwrap.dedent('''\
        in_root() {{
            case " $* " in
            *" tools/testing/kunit/kunit.py exec "*)
                for a; do case $a in --build_dir=*) b=${{a#*=}} ;; --json=*) j=${{a#*=}} ;; esac; done
                cp {d}/console "$b/test.log"; cp {d}/kunit.json "$j"; cat {d}/output; return {rc} ;;
            esac
            "$@"
        }}
        ''')

    def run_kunit(self, console, output, kunit_rc=0):
        """scripts/run-kunit.sh over a kunit.py exec that left @console and
        printed @output, then the summary with its step's exit status:
        (its exit status, its stderr, the summary's exit status and stdout)."""
        steps = [('-', '-', 'setup'), ('-', '-', 'fetch-tree'), ('fixes', '-', 'prepare'),
                 ('fixes', 'x86_64', 'fit'), ('fixes', 'x86_64', 'build')]
        with tempfile.TemporaryDirectory() as d:
            kunit_parse(self, console, os.path.join(d, 'kunit.json'))
            with open(os.path.join(d, 'output'), 'w', encoding='utf-8') as f:
                f.write(output)
            rc, err, _ = boot_script(d, 'run-kunit.sh', ['fixes', 'x86_64'], console,
                                     stubs=self.STUB.format(d=d, rc=kunit_rc))
            with open(os.path.join(d, 'steps.tsv'), 'w', encoding='utf-8') as f:
                f.write(''.join(f'{t}\t{a}\t{s}\t1\t0\n' for t, a, s in steps)
                        + f'fixes\tx86_64\tkunit\t60\t{rc}\n')
            proc, _ = summary_of(os.path.join(d, 'results'), [('fixes', 'x86_64', 'kunit')],
                                 '--steps', os.path.join(d, 'steps.tsv'))
        return rc, err, proc

    def test_real_run_is_green(self):
        rc, err, proc = self.run_kunit(self.CONSOLE, self.OUTPUT)
        self.assertEqual((rc, proc.returncode), (0, 0), err + proc.stdout)

    def assert_red(self, why, *run_args):
        rc, err, proc = self.run_kunit(*run_args)
        self.assertNotEqual(rc, 0, 'run-kunit.sh passed')
        self.assertIn(why, err)
        self.assertEqual(proc.returncode, 1, f'expected red, saw:\n{proc.stdout}')
        self.assertIn('FAILED step: fixes/x86_64/kunit', proc.stdout)

    def test_hang_after_the_last_result(self):
        self.assert_red('kunit.py: the kernel did not end by itself after its tests',
                        tampered(self.CONSOLE, self.REBOOT, ''),
                        tampered(self.OUTPUT, '[03:17:09] Testing complete',
                                 self.TIMEOUT + '[03:17:09] Testing complete'))

    def test_death_without_a_splat(self):
        self.assert_red('the kernel never shut down after its tests',
                        tampered(self.CONSOLE, self.REBOOT, ''), self.OUTPUT)

    def test_kunit_py_killed(self):
        self.assert_red('kunit.py exited 137', self.CONSOLE, self.OUTPUT, 137)

    def test_kunit_tool_ends_the_same(self):
        # run-kunit-tool.sh builds in the kernel tree, which this check
        # must not write to: it ends in the same kunit_collect, with
        # kunit.py's output where kunit_collect reads it
        with open(os.path.join(REPO, 'scripts', 'run-kunit-tool.sh'), encoding='utf-8') as f:
            text = f.read()
        self.assertIn('| tee "$LOGS/$name.kunit-py.log"\nrc=${PIPESTATUS[0]}\nkunit_collect ', text)
