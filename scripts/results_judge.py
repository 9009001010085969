#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The judge of a run's results (scripts/results.py's summary, counts,
log-check, oops-extras and filter-cases).

Every suite run leaves build/results/<tree>-<arch>-<suite>.json in the
KernelCI-style JSON that `kunit.py exec/parse --json` writes (the harness
self-checks write the same shape), beside the KTAP it was parsed from.
summarise() reads both, judges every case against configs/expected-cases
and configs/known-failures.conf, folds them with the run metadata into
summary.json (format: README.md, "Results"), prints the table and returns
non-zero when anything failed or an expected suite left no result.
counts_line() is the closing line CI reads: "N passed, N failed, N
skipped".  log_check() adds kernel_log_clean, the check of a boot's
kernel log, to a suite's JSON; oops_extras() is its like for a must_oops
boot, whose log holds the oops it exists for.

Beside it, as kunit.py keeps kunit_parser.py and kunit_json.py:
results_convert.py turns raw output into KTAP, results_report.py makes the
reports (bench ratio table, timings, mutant verdict); results.py is the
command line over the three.
"""
import configparser
import fnmatch
import functools
import hashlib
import itertools
import json
import os
import re

SCHEMA_VERSION = 1

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITE_COLUMNS = ('name', 'default', 'kind', 'cells', 'boots', 'build', 'cases', 'needs', 'what')


@functools.lru_cache(maxsize=None)
def read_suites(path=os.path.join(REPO, 'configs', 'suites')):
    """{name: {column: value}} of configs/suites, in its order (the columns
    its header describes; "what" is the rest of the line)."""
    suites = {}
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith('#'):
                continue
            fields = line.split(None, len(SUITE_COLUMNS) - 1)
            if len(fields) != len(SUITE_COLUMNS):
                raise SystemExit(f'{path}:{n}: want {", ".join(SUITE_COLUMNS)}')
            suites[fields[0]] = dict(zip(SUITE_COLUMNS, [*fields[:-1], fields[-1].strip()]))
    return suites


def case_suite(suite):
    """The suite whose case list and known failures @suite uses: its own, or
    the one its "cases" column names (kunit_tool: the KUnit suite, through
    the README's kunit.py command)."""
    cases = read_suites().get(suite, {}).get('cases', '-')
    return suite if cases == '-' else cases


# What run_tests.sh --self-test runs on the host, beside the cells: the
# harness's self-checks and the sent series' cheap submission checks.
HOST_SUITES = ('harness', 'submission')


def walk_cases(group, prefix='', field='status'):
    """Yield (name, @field) for every leaf case of a kunit.py JSON group
    (field 'log': the lines a case added by results.py log-check carries,
    or None)."""
    for case in group.get('test_cases', []):
        yield prefix + case['name'], case.get(field)
    for sub in group.get('sub_groups', []):
        yield from walk_cases(sub, prefix + sub['name'] + '/', field)


def read_known_failures(path):
    """The entries of configs/known-failures.conf, as a list of dicts.

    Each section "[TREE ARCH SUITE CASE [FLAVOUR...]]" names one case (CASE
    as the case matrix shows it) in runs with exactly these config flavours
    (none: the plain config; "any": whatever the flavours); TREE and ARCH
    may be comma-separated lists or "*" (every tree of configs/trees.conf,
    every arch of configs/arches.conf), an entry per pair.  It holds:
      signature  regular expression the case's failure output must match
      companion  regular expression of the other failure reports the same
                 bug makes in the case (optional); a failure report that
                 neither matches fails the case (failure_reports)
      reason     why it fails (the bug, and where it is fixed)
      sometimes  yes: the failure depends on timing and the case may pass
      rate       with sometimes (required): how often it was seen to fail,
                 "N of M runs ..." (0 < N < M: a case that failed every run
                 is not "sometimes") or "unknown: why"
      match      any (default): every failure report of the case matches
                 the signature or the companion, one the signature;
                 every-line: every flagged line does (kernel_log_clean)
      flag       with every-line: which lines are flagged (default: the
                 lines of selftests/arena_kfault/splat-patterns); a line it
                 flags is matched with the lines after it, up to the next
                 (a kmemleak object: its comm, hex dump and backtrace)
      source     the kernel source the failure was found on (default
                 debian); a --kdir run does not inherit it
      also       more flavour sets the entry holds in, space separated, a
                 set's flavours joined by '+' ("debug": the same failure
                 on the debug kernel)
      of         the cases whose failure this is, space separated (for
                 kernel_log_clean and kmemleak_clean, which every run
                 reports): under --filter the entry holds only when the
                 filter selects one of them, so that a run that left them
                 out neither XPASSes the entry nor hides a splat behind it
    """
    entries = []
    if not path:
        return entries
    cp = configparser.ConfigParser(interpolation=None)
    with open(path, encoding='utf-8') as f:
        cp.read_file(f)
    for section in cp.sections():
        fields = section.split()
        if len(fields) < 4:
            raise SystemExit(f'{path}: [{section}]: want [TREE ARCH SUITE CASE [FLAVOUR...]]')
        sec = cp[section]
        for key in ('signature', 'reason'):
            if not sec.get(key, '').strip():
                raise SystemExit(f'{path}: [{section}]: no {key}')
        match = sec.get('match', 'any')
        if match not in ('any', 'every-line'):
            raise SystemExit(f'{path}: [{section}]: match must be any or every-line')
        sometimes = sec.getboolean('sometimes', fallback=False)
        rate_error = check_rate(sec.get('rate'), sometimes)
        if rate_error:
            raise SystemExit(f'{path}: [{section}]: {rate_error}')
        for tree, arch in itertools.product(expand_names(path, section, fields[0], 'trees'),
                                            expand_names(path, section, fields[1], 'arches')):
            entries.append(known_entry(sec, tree, arch, fields, sometimes, match))
    overlap = overlapping(entries)
    if overlap:
        raise SystemExit(f'{path}: {overlap}: two entries hold in the same runs '
                         '(the first would hide the second)')
    return entries


def overlapping(entries):
    """The case two of @entries would both hold for in some run (the same
    tree, arch, suite, case and source, and a flavour set in common, "any"
    meeting every set), or None."""
    held = {}
    for e in entries:
        key = (e['tree'], e['arch'], e['suite'], e['case'], e['source'])
        sets = ({'any'} if e['flavours'] == ['any']
                else {frozenset(e['flavours']), *e['also']})
        for other in held.get(key, []):
            if 'any' in sets or 'any' in other or sets & other:
                return ' '.join(key[:4])
        held.setdefault(key, []).append(sets)
    return None


def first_column(name):
    """The names of configs/NAME.conf (its first column)."""
    with open(os.path.join(REPO, 'configs', f'{name}.conf'), encoding='utf-8') as f:
        return [line.split()[0] for line in f if line.strip() and not line.startswith('#')]


def expand_names(path, section, field, table):
    """The trees or arches (@table) a known-failures header field names: a
    comma-separated list, or "*" (every name of configs/@table.conf).
    Whether each name is a tree or an arch is the self-checks' to hold
    (scripts/tests: test_names_used_are_trees)."""
    if field == '*':
        return first_column(table)
    names = field.split(',')
    if '' in names or len(set(names)) != len(names):
        raise SystemExit(f'{path}: [{section}]: {field!r}: want "*" or a list of '
                         'names without repeats')
    return names


def known_entry(sec, tree, arch, fields, sometimes, match):
    """One entry of read_known_failures, for @tree and @arch."""
    return {
        'tree': tree, 'arch': arch, 'suite': fields[2], 'case': fields[3],
        'signature': re.compile(sec['signature']),
        'companion': re.compile(sec['companion']) if sec.get('companion') else None,
        'reason': ' '.join(sec['reason'].split()),
        'sometimes': sometimes,
        'rate': ' '.join(sec.get('rate', '').split()),
        'match': match,
        'flag': re.compile(sec['flag']) if sec.get('flag') else None,
        'source': sec.get('source', 'debian'),
        'flavours': fields[4:],
        'also': [frozenset(a.split('+')) for a in sec.get('also', '').split()],
        'of': sec.get('of', '').split(),
    }


def check_of(known, cases):
    """Refuse "of" where it cannot work: every kernel_log_clean or
    kmemleak_clean entry of a suite that takes --filter names the cases of
    that suite (configs/expected-cases, @cases) whose failure it is; no
    other entry has "of".  A misspelt case would make the entry vanish
    under every --filter that selects the real one."""
    filtered = {n for n, col in read_suites().items() if 'filter' in col['needs'].split(',')}
    for e in known:
        where = f"configs/known-failures.conf: [{e['tree']} {e['arch']} {e['suite']} {e['case']}]"
        takes_of = e['case'] in ALWAYS_RUN and e['suite'] in filtered
        if not takes_of:
            if e['of']:
                raise SystemExit(f"{where}: 'of' is for {' and '.join(ALWAYS_RUN)} of a "
                                 'suite that takes --filter')
            continue
        if not e['of']:
            raise SystemExit(f"{where}: needs 'of', the cases whose failure it is")
        bad = [c for c in e['of'] if is_pattern(c) or c in ALWAYS_RUN
               or (cases and c not in cases.get(e['suite'], {}))]
        if bad:
            raise SystemExit(f"{where}: of {' '.join(bad)}: not a case of {e['suite']} "
                             'in configs/expected-cases')


def check_rate(rate, sometimes):
    """What is wrong with the rate of an entry (None: nothing)."""
    if not sometimes:
        return 'rate is for sometimes entries' if rate else None
    rate = ' '.join((rate or '').split())
    if not rate:
        return 'a sometimes entry needs a rate ("N of M runs ..." or "unknown: why")'
    m = re.match(r'(\d+) of (\d+) runs\b', rate)
    if m:
        seen, runs = int(m.group(1)), int(m.group(2))
        if not 0 < seen < runs:
            return (f'rate {seen} of {runs}: a case that failed every run is not '
                    '"sometimes", one that never failed is not a known failure')
        return None
    if not re.match(r'unknown: \S', rate):
        return f'rate must read "N of M runs ..." or "unknown: why", not {rate!r}'
    return None


def find_known(entries, rec, label, source, flavours, glob=None):
    """The entry for case @label of suite record @rec in this run, or None;
    @glob: run_tests.sh --filter (an entry whose "of" cases it leaves out
    does not hold)."""
    for e in entries:
        if ((e['tree'], e['arch'], e['suite'], e['case']) ==
                (rec['tree'], rec['arch'], case_suite(rec['suite']), label)
                and e['source'] == source
                and (e['flavours'] == ['any'] or set(e['flavours']) == flavours
                     or flavours in e['also'])
                and not (glob and e['of']
                         and not any(filter_matches(c, glob) for c in e['of']))):
            if glob and not all(filter_matches(c, glob) for c in e['of']):
                # some of its cases left out: its failure may not happen
                return dict(e, sometimes=True)
            return e
    return None


def read_patterns(path):
    """The compiled regular expressions of a splat-patterns file."""
    with open(path, encoding='utf-8') as f:
        return [re.compile(line.strip()) for line in f
                if line.strip() and not line.startswith('#')]


# Kernel log lines that make kernel_log_clean fail.
SPLATS = read_patterns(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    '..', 'selftests', 'arena_kfault', 'splat-patterns'))

# What a case prints when it was stopped rather than failed: never a known failure.
TIMEOUT_MARKS = re.compile(
    r'terminated by timeout|try timed out|test case timed out|timed out after')

# Where a kernel oops or WARNING happened: arm64's "pc : FUNC+off", x86's
# kernel-mode "RIP: 0010:FUNC+off".  Flagged with the splats: an entry
# names the function its bug oopses in.
OOPS_AT = re.compile(r'\bpc : \S|\bRIP: 0010:\S')

# Lines that are a failure report by themselves (beside splats and OOPS_AT).
FAILURE_LINES = re.compile('|'.join((
    # KUnit: the case died or hung
    r'try faulted|try timed out|test case timed out|internal error occurred|Unknown error: ',
    # kselftest_harness: the test process ended another way than by its checks
    r'Test terminated unexpectedly by signal|Test terminated by timeout',
    r'Test ended in some other way|Test exited normally instead of by signal',
    # test_progs: ASSERT_*() and PRINT_FAIL(); its exit status (test_progs_ktap)
    r'^(?:# )?\w+:FAIL:', r'test_progs exit status',
    # libarena's parallel tests: each worker program that failed, beside the
    # first error the test asserts
    r'^(?:# )?\w+__\d+ returned -\d+$',
    # arena_stress: a figure that fails the run (the memory one: stress_memory_lost)
    r'^# stress: (?:errors|lost_data|splats) [1-9]', r'^# stress: unexpected signal',
    r'^# stress: (?:recovered_faults|allocs_over_scratch|frees|arenas_created) 0$',
)))

# A failure report of several lines: a KUnit expectation ("# CASE:
# EXPECTATION FAILED at FILE:LINE", then the values and the message) or a
# kselftest_harness EXPECT/ASSERT ("# FILE:LINE:TEST:Expected ...", then its
# TH_LOG lines).
KUNIT_REPORT = re.compile(r'(?:EXPECTATION|ASSERTION) FAILED at ')
TH_LOG_LINE = re.compile(r'^# [^\s:]+:\d+:[^:]*:')
KSFT_REPORT = re.compile(r'^# [^\s:]+:\d+:[^:]*:Expected ')
RESULT_LINE = re.compile(r'^(?:not )?ok \d+')

# arena_stress fails when MemAvailable (page tables counted apart) ends more
# than this below where it started (MEM_SLACK_KB of arena_stress.c).
STRESS_MEM_SLACK_KB = 16 * 1024


def stress_memory_lost(line):
    """Is @line arena_stress's memory figure, out of its bound?"""
    m = re.match(r'# stress: mem_available_kb (\d+) -> (\d+)', line)
    return bool(m) and int(m.group(2)) < int(m.group(1)) - STRESS_MEM_SLACK_KB


def is_failure_line(line):
    """Is @line a failure report by itself?"""
    return (any(p.search(line) for p in SPLATS) or bool(OOPS_AT.search(line))
            or bool(FAILURE_LINES.search(line)) or stress_memory_lost(line))


def failure_reports(log):
    """The failures that a case's output @log reports, each a list of lines:
    a KUnit expectation or a kselftest_harness EXPECT/ASSERT with the lines
    that belong to it (its values, its message, its TH_LOG lines, which may
    quote a kernel log line), or one line that is a failure by itself (a
    splat, where an oops happened, a test killed by a signal, a test_progs
    ASSERT, a stress figure)."""
    reports, current = [], None
    for line in log:
        if KUNIT_REPORT.search(line) or KSFT_REPORT.search(line):
            current = [line]
            reports.append(current)
        elif (current is not None and TH_LOG_LINE.search(current[0])
              and TH_LOG_LINE.search(line)):
            current.append(line)
        elif is_failure_line(line):
            reports.append([line])
            current = None
        elif current is not None and not line.startswith('#') and not RESULT_LINE.match(line):
            current.append(line)
        else:
            current = None
    return reports


# A KTAP result line as kunit.py's parser reads it (kunit_parser.TEST_RESULT
# and TEST_RESULT_SKIP), so that a name here is the name in its JSON; group 1,
# the indentation, says how deep it is nested.
KTAP_RESULT = re.compile(r'^(\s*)(ok|not ok) ([0-9]+) ?(:?- )?([^#]*)( # .*)?$')
KTAP_SKIP_NAME = re.compile(r'^\s*(?:ok|not ok) [0-9]+ ?(?::?- )?(.*) # SKIP')
# A group's name before its result line: KTAP's "# Subtest: NAME", or the
# "# running COLLECTION:TEST" line scripts/guest-init.sh prints before each
# kselftest program (kunit.py names a group only by the first, and leaves
# one whose result line never came nameless).
KTAP_HEADER = re.compile(r'^(\s*)# (?:Subtest: |running )(.*)$')
KTAP_PLAN = re.compile(r'^(\s*)1\.\.([0-9]+)')


def read_ktap(path):
    """({test path: (ok, directive, log)}, [(group path, planned, printed)],
    {path: group name}) of the KTAP file @path.  A test's path is the names
    of the groups it is nested in and its own, joined by '/' (the case
    names of walk_cases); ok: whether it said ok; directive: the text after
    ' # ' ("SKIP", "XFAIL ...", "exit status 124"); log: the lines printed
    since the previous result line.  Nesting is read from the indentation of the result and
    plan lines (KTAP indents a subtest's lines four spaces more than its
    parent's), not from the order alone: the other lines may be anything
    (a console's kernel messages are not indented), and a result that looks
    like a sibling's stays apart from it.  A path reported twice keeps its
    last result and both logs.  The second list: each level whose plan
    ("1..N") is not what it printed, fewer results (output cut short) or
    more (results the plan does not hold, which kunit.py's parser drops or
    files under another test); the whole document's path is ''.  The
    third: the name, by its header (KTAP_HEADER), of each group whose own
    result line never came (output cut short), which kunit.py leaves
    nameless, by the path of the group it is in."""
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return {}, [], {}
    # The open levels, outermost first, each the entries printed at one
    # indentation: a test ({'names': of its path, 'ok', 'directive', 'log'})
    # or, when the level closes, a plan it did not keep ({'names',
    # 'planned', 'printed'}) or that its group's result line never came
    # ({'names', 'unnamed'}).  Their names are relative to the level until
    # the result line of the group they belong to names it.
    levels, pending = [], []

    def adopt(group, name, parent):
        for entry in group['entries']:
            entry['names'].insert(0, name)
        parent['entries'].extend(group['entries'])

    def close_deeper(indent):
        # The levels deeper than @indent, done: the shallowest of them (or
        # None), the deeper ones in it under the name of their header
        # (groups whose own result line never came).
        done = None
        while levels and levels[-1]['indent'] > indent:
            level = levels.pop()
            if level['plan'] is not None and level['plan'] != level['printed']:
                level['entries'].append({'names': [], 'planned': level['plan'],
                                         'printed': level['printed']})
            if done:
                done['entries'].append({'names': [], 'unnamed': True})
                adopt(done, done['header'], level)
            done = level
        return done

    def level_at(indent):
        if not levels or levels[-1]['indent'] < indent:
            levels.append({'indent': indent, 'header': '', 'plan': None, 'printed': 0,
                           'entries': []})
        return levels[-1]

    for line in lines:
        # a header or plan line belongs to the level at its indentation
        # (none while a deeper one is open: a group left without its result)
        for pattern, key in ((KTAP_HEADER, 'header'), (KTAP_PLAN, 'plan')):
            m = pattern.match(line)
            if m and level_at(len(m.group(1)))['indent'] == len(m.group(1)):
                levels[-1][key] = m.group(2) if key == 'header' else int(m.group(2))
        m = KTAP_RESULT.match(line)
        if not m:
            pending.append(line.strip())
            continue
        indent = len(m.group(1))
        skip = KTAP_SKIP_NAME.match(line)
        name = skip.group(1) if skip else m.group(5)
        subtests = close_deeper(indent)
        here = level_at(indent)
        if subtests:
            adopt(subtests, name, here)
        here['entries'].append({'names': [name], 'ok': m.group(2) == 'ok',
                                'directive': (m.group(6) or '')[3:].strip(), 'log': pending})
        here['printed'] += 1
        pending = []
    outermost = close_deeper(-1)
    tests, plans, unnamed = {}, [], {}
    for entry in outermost['entries'] if outermost else []:
        key = '/'.join(entry['names'])
        if 'planned' in entry:
            plans.append((key, entry['planned'], entry['printed']))
        elif 'unnamed' in entry:
            unnamed['/'.join(entry['names'][:-1])] = entry['names'][-1]
        else:
            log = (tests[key][2] if key in tests else []) + entry['log']
            tests[key] = (entry['ok'], entry['directive'], log)
    return tests, plans, unnamed


def name_groups(group, unnamed, prefix=''):
    """Name each group of kunit.py's JSON @group that it left nameless as
    read_ktap names it (@unnamed; @prefix: the path of @group, '' or ending
    in '/')."""
    for sub in group.get('sub_groups', []):
        if not sub['name']:
            sub['name'] = unnamed.get(prefix[:-1], '')
        name_groups(sub, unnamed, prefix + sub['name'] + '/')


def own_case(path, what):
    """The name of a case that fails group @path itself: PATH/SHORT.WHAT
    (SHORT its last name, without a kselftest collection), or ktap.WHAT for
    the whole KTAP document (@path '')."""
    if not path:
        return f'ktap.{what}'
    return f"{path}/{path.rsplit('/', 1)[-1].rsplit(':', 1)[-1]}.{what}"


def accounts(entry, line):
    """Does @line match the signature or the companion of @entry?"""
    return bool(entry['signature'].search(line) or
                (entry['companion'] and entry['companion'].search(line)))


def judge_known(status, entry, log):
    """(status, counter, note) of a listed case with output @log."""
    if status == 'PASS':
        if entry['sometimes']:
            return 'PASS', 'passed', None
        return 'XPASS', 'failed', 'passes but is listed in configs/known-failures.conf'
    if status == 'SKIP':
        return 'SKIP', 'skipped', None
    if status != 'FAIL':
        return status, 'failed', f'ended in {status}, not in its known failure'
    if any(TIMEOUT_MARKS.search(line) for line in log):
        return 'FAIL', 'failed', 'timed out, not its known failure'
    sig = entry['signature']
    if entry['match'] == 'every-line':
        flags = [entry['flag']] if entry['flag'] else SPLATS + [OOPS_AT]
        flagged = []
        for line in log:
            if any(p.search(line) for p in flags):
                flagged.append(line)
            elif entry['flag'] and flagged:
                flagged[-1] += ' ' + line
        bad = [line for line in flagged if not accounts(entry, line)]
        if bad:
            return 'FAIL', 'failed', ('a flagged line matches neither the known signature '
                                      'nor its companion: ' + bad[0][:300])
        if not any(sig.search(line) for line in flagged):
            return 'FAIL', 'failed', ('no flagged line matches the known signature '
                                      f'/{sig.pattern}/')
        return 'XFAIL', 'skipped', None
    reports = failure_reports(log)
    if not any(sig.search(line) for report in reports for line in report):
        return 'FAIL', 'failed', f'failed, but not with its known signature /{sig.pattern}/'
    bad = [r for r in reports if not any(accounts(entry, line) for line in r)]
    if bad:
        return 'FAIL', 'failed', ('a failure its known signature does not account for: '
                                  + ' | '.join(bad[0][:3]))
    return 'XFAIL', 'skipped', None


def classify(status, entry, log):
    """(status, counter, note) of one case; @entry is its known failure or None."""
    if entry is None:
        return status, {'PASS': 'passed', 'SKIP': 'skipped'}.get(status, 'failed'), None
    return judge_known(status, entry, log)


def diagnostics(log, limit=6):
    """The lines of @log worth showing for a failure: KTAP diagnostics."""
    diag = [line for line in log if line.startswith('#') and not line.startswith('# Subtest')]
    return (diag or log)[-limit:]


def program_failures(group, ktap, prefix=''):
    """(name, KTAP path, note) of a failing case for each group of a kunit.py
    JSON @group whose own KTAP result line (@ktap, read_ktap) is a failure
    its cases do not show: kunit.py keeps no status for a group with
    subtests, so a test program that exits non-zero with every case ok
    would be green.  A program that timed out (exit status 124) or died of
    a signal (128 + N) fails even when a case failed too: a known failure
    of that case must not hide it.  A "not ok" group that printed a failure
    report of its own (after its last case: a program's teardown, a
    parameterised KUnit case's own expectation) fails for it beside its
    cases: that case has no note (None) and is judged like any case, a
    known failure only if an entry names it.  The case is PROGRAM.exit_status
    for a kselftest program (COLLECTION:TEST), GROUP.result for another
    group."""
    for sub in group.get('sub_groups', []):
        path = prefix + sub['name']
        ok, directive, log = ktap.get(path, (True, '', []))
        m = re.match(r'exit status (\d+)', directive)
        code = int(m.group(1)) if m else None
        what, who = ('exit_status', 'program') if ':' in sub['name'] else ('result', 'group')
        case_failed = any(st not in ('PASS', 'SKIP') for _, st in walk_cases(sub))
        killed = code is not None and (code == 124 or code >= 128)
        case_passed = any(st == 'PASS' for _, st in walk_cases(sub))
        if ok and directive.upper().startswith('SKIP') and case_passed:
            # kselftest's exit code 4 after cases that ran and passed
            yield (own_case(path, what), path,
                   f'the {who} reported itself skipped ({directive}) after cases that passed')
        elif not ok and (killed or not case_failed):
            why = ('timed out' if code == 124 else
                   f'was killed by signal {code - 128}' if killed else 'failed')
            yield (own_case(path, what), path,
                   f"the {who} {why} ({directive or 'not ok'})"
                   + ('' if case_failed else ' with no failing case'))
        elif not ok and failure_reports(log):
            yield own_case(path, what), path, None
        yield from program_failures(sub, ktap, path + '/')


# KTAP directives (the word after ' # '), read in any case: TAP, which KTAP
# extends, reads them so, while ktap.rst lists them in upper case and has a
# parser fall back to "ok" / "not ok" for one it does not support; of the two
# readings the stricter holds.  A case that ran is no pass with NOT_A_PASS,
# its program's own verdict: its expected-failure ones (kselftest's XFAIL
# and XPASS, exit codes 2 and 3; TAP's TODO) and a result it says timed out
# or erred; such a case is never a known failure either.  "ok # skip" is a
# skip (kunit.py reads only an upper-case SKIP); "not ok # skip" stays the
# failure kunit.py reads.
NOT_A_PASS = re.compile(r'(XFAIL|XPASS|TODO|TIMEOUT|ERROR)\b', re.I)
SKIP_DIRECTIVE = re.compile(r'SKIP\b', re.I)


def duplicate_cases(cases):
    """A failing case (name, KTAP path, status, why) for each name that more
    than one of @cases has as the case matrix, configs/expected-cases and
    the known failures read it (case_label): a case its program reported
    twice (which result counts is unknown), or one that two programs or
    groups report (a case list line or a known failure would stand for
    both, and a pass of one could answer for the other)."""
    by_label = {}
    for name, *_ in cases:
        by_label.setdefault(case_label(name), []).append(name)
    for label, names in by_label.items():
        if len(names) == 1:
            continue
        if len(set(names)) == 1:
            why = f'{names[0]} reported {len(names)} times: which result counts is unknown'
        else:
            why = (f"{label} reported by {len(names)} programs or groups ({', '.join(names)}): "
                   'the case list and the known failures cannot tell them apart')
        yield f'{names[0]}.duplicate', names[0], 'FAIL', why


def suite_record(path, tree, arch, suite, known=None, source='debian', flavours=frozenset(),
                 glob=None):
    """One summary record from one kunit.py JSON file (or its absence);
    @glob: run_tests.sh --filter."""
    known = known or []
    rec = {'tree': tree, 'arch': arch, 'suite': suite,
           'passed': 0, 'failed': 0, 'skipped': 0, 'xfail': 0, 'cases': [], 'error': None}
    ktap, plans, unnamed = read_ktap(os.path.splitext(path)[0] + '.ktap')
    try:
        with open(path, encoding='utf-8') as f:
            group = json.load(f)
    except FileNotFoundError:
        rec['error'] = 'no result (suite did not run to completion)'
    except json.JSONDecodeError as e:
        rec['error'] = f'unreadable result: {e}'
    else:
        name_groups(group, unnamed)
        # (name, its path in the KTAP, status, why it fails whatever the
        # known failures say).  kunit.py adds a nameless case for each
        # result a plan promised and the output never printed: the group's
        # plan case (below) names them.
        cases = [(name, name, status, None) for name, status in walk_cases(group)
                 if name.rpartition('/')[2]]
        missing = {name[:-1] for name, _ in walk_cases(group) if not name.rpartition('/')[2]}
        # a group's own failure: forced (a note), or judged (None)
        cases += [(name, at, 'FAIL', why) for name, at, why in program_failures(group, ktap)]
        cases += [(own_case(at, 'plan'), at, 'FAIL', f'planned {planned} results (1..{planned}), '
                   f'printed {printed}: ' + ('results beyond the plan' if printed > planned else
                                             'the output was cut short'
                                             + (f' in {unnamed[at]}' if unnamed.get(at) else '')))
                  for at, planned, printed in plans]
        cases += [(own_case(at, 'plan'), at, 'FAIL', 'kunit.py found results the plan promised '
                   'missing') for at in sorted(missing - {at for at, *_ in plans})]
        cases += list(duplicate_cases(cases))
        # a case log-check added has its log in the JSON, not in the KTAP
        json_logs = {name: log for name, log in walk_cases(group, field='log') if log is not None}
        for name, at, status, why in cases:
            label = case_label(name)
            ok, said, log = ktap.get(at, (True, '', []))
            log = json_logs.get(at, log)
            directive = None if why else NOT_A_PASS.match(said)
            if why or directive:
                # never a known failure: the test program's own verdict
                entry, key = None, 'failed'
                note = why or (f"reported {'ok' if ok else 'not ok'} # {directive.group(1)}, "
                               "which is not a pass")
                status = 'FAIL'
            else:
                if status == 'PASS' and SKIP_DIRECTIVE.match(said):
                    status = 'SKIP'
                entry = find_known(known, rec, label, source, set(flavours), glob)
                status, key, note = classify(status, entry, log)
                if status == 'FAIL' and not note and said:
                    note = said	# why the test said it failed (must_oops)
            rec[key] += 1
            case = {'name': name, 'status': status}
            if entry is not None:
                case['known_failure'] = entry['reason']
                case['signature'] = entry['signature'].pattern
            if note:
                case['note'] = note
            if status not in ('PASS', 'SKIP', 'XFAIL') and log:
                case['diagnostics'] = diagnostics(log)
            if status == 'XFAIL':
                rec['xfail'] += 1
                # (an entry with flag=: the lines it flags, whose reports
                # the signature matched)
                case['diagnostics'] = [line for line in log if entry['signature'].search(line)
                                       or (entry['flag'] and entry['flag'].search(line))][:3]
            rec['cases'].append(case)
        if not rec['cases']:
            rec['error'] = 'no test case ran'
    if rec['error']:
        rec['failed'] += 1
    return rec


def expected_lines(path):
    """(suite, case, rest of the line) of each line of configs/expected-cases."""
    if not path:
        return
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                suite, case, *rest = line.split(None, 2)
                yield suite, case, (rest or [''])[0].strip()


def read_expected_cases(path):
    """{suite: {case: [(tree, arch, why), ...]}} from configs/expected-cases:
    each case and where its "skip-ok TREE ARCH: why" lines allow it to skip
    (TREE, ARCH: a name or "any"; none: nowhere).  Its "subtests:" lines are
    read_subtest_counts'."""
    cases = {}
    for suite, case, rest in expected_lines(path):
        if rest.startswith('subtests:'):
            continue
        where = cases.setdefault(suite, {}).setdefault(case, [])
        if rest.startswith('skip-ok'):
            m = re.match(r'skip-ok (\S+) (\S+): (\S.*)$', rest)
            if not m:
                raise SystemExit(f'{path}: {suite} {case}: want "skip-ok TREE ARCH: why" '
                                 f'(TREE, ARCH: a name or any), not {rest!r}')
            where.append(m.groups())
    return cases


def read_subtest_counts(path):
    """{suite: {test: N}} from the "TEST subtests: N" lines of
    configs/expected-cases: how many subtests TEST reports at least."""
    counts = {}
    for suite, test, rest in expected_lines(path):
        if rest.startswith('subtests:'):
            n = rest[len('subtests:'):].strip()
            if not n.isdigit():
                raise SystemExit(f'{path}: {suite} {test}: "subtests: N" wants a number, not {n!r}')
            counts.setdefault(suite, {})[test] = int(n)
    return counts


ALWAYS_RUN = ('kernel_log_clean', 'kmemleak_clean')


def filter_matches(label, glob):
    """Does run_tests.sh --filter GLOB select case @label?  GLOB is matched
    against the name as the case matrix prints it, against it without its
    KUnit parameter (/param), and against its last dotted component (the
    kselftest test, without fixture and variant)."""
    names = {label, label.split('/')[0], label.split('/')[0].split('.')[-1]}
    return any(fnmatch.fnmatchcase(n, glob) for n in names)


def filter_cases(expected_cases, glob):
    """The cases of configs/expected-cases (@expected_cases) that --filter
    @glob selects, one suite per line: "SUITE CASE,CASE,..."."""
    for suite, cases in read_expected_cases(expected_cases).items():
        if suite in HOST_SUITES:
            continue	# the self-checks all run, whatever the filter
        picked = [c for c in cases if not is_pattern(c) and c not in ALWAYS_RUN
                  and filter_matches(c, glob)]
        if picked:
            yield f"{suite} {','.join(picked)}"


def is_pattern(label):
    """A glob in configs/expected-cases: it allows skips, it is not a case."""
    return any(ch in label for ch in '*?[')


def account_cases(rec, expected, glob=None):
    """Fail the cases of @rec that did not report, or skipped when they may not."""
    if rec['error'] or case_suite(rec['suite']) not in expected:
        return
    want = expected[case_suite(rec['suite'])]
    if glob and rec['suite'] in HOST_SUITES:
        glob = None	# the self-checks all run, whatever the filter
    if glob:
        want = {c: where for c, where in want.items()
                if c in ALWAYS_RUN or is_pattern(c) or filter_matches(c, glob)}
    seen = {case_label(c['name']) for c in rec['cases']}

    def may_skip(label):
        # a skip-ok line of the case, or of a pattern it matches, for this
        # run's tree and arch
        return any(tree in ('any', rec['tree']) and arch in ('any', rec['arch'])
                   for pat, where in want.items()
                   if pat == label or (is_pattern(pat) and fnmatch.fnmatchcase(label, pat))
                   for tree, arch, _ in where)

    for c in rec['cases']:
        label = case_label(c['name'])
        if glob and c['status'] == 'SKIP' and label not in want:
            continue	# --filter left it out
        if c['status'] == 'SKIP' and not may_skip(label):
            c['status'] = 'FAIL'
            c['note'] = 'skipped, and nothing allows this case to skip'
            rec['skipped'] -= 1
            rec['failed'] += 1
    for label in want:
        if label not in seen and not is_pattern(label):
            rec['cases'].append({'name': label, 'status': 'FAIL',
                                 'note': 'did not report a result'})
            rec['failed'] += 1


# The cases the judge adds rather than a test reports (own_case(),
# duplicate_cases(), test_progs_ktap()'s whole_test and exit_status): no
# subtests of a test.
JUDGE_CASE = re.compile(r'\.(exit_status|result|plan|duplicate|subtests)$'
                        r'|^(whole_test|exit_status)$')


def account_subtests(rec, counts):
    """Fail each test of @counts ({test: N}, read_subtest_counts) that
    reported fewer than N subtests, as a group or as a case that passed
    with none (TEST.subtests).  A test that reported itself as a case that
    failed, skipped or never ran is judged as that case."""
    if rec['error']:
        return
    labels = [case_label(c['name']) for c in rec['cases']]
    for test, want in counts.items():
        whole = [c['status'] for c, label in zip(rec['cases'], labels) if label == test]
        if whole and whole != ['PASS']:
            continue
        got = sum(1 for label in labels if label.startswith(test + '/')
                  and not JUDGE_CASE.search(label[len(test) + 1:]))
        if got < want:
            rec['cases'].append({
                'name': f'{test}.subtests', 'status': 'FAIL',
                'note': f'reported {got} subtests, configs/expected-cases lists {want}: one '
                        'stopped reporting (a program dropped from its BPF object, a renamed '
                        'subtest, a test that gave up half way)'})
            rec['failed'] += 1


def account_known(rec, known, source, flavours, glob=None):
    """Fail every known failure listed for this suite and run that did not
    report: a test that fails on purpose (a regression test on the tree it
    was written for) must not vanish, be renamed or stop running unseen."""
    if rec['error'] or rec.get('not_run'):
        return
    seen = {case_label(c['name']) for c in rec['cases']}
    for e in known:
        if find_known([e], rec, e['case'], source, set(flavours)) is None:
            continue
        if e['case'] in seen or (glob and not filter_matches(e['case'], glob)):
            continue
        rec['cases'].append({'name': f"{rec['suite']}/{e['case']}", 'status': 'FAIL',
                             'note': 'listed in configs/known-failures.conf for this run, '
                                     'but it reported no result'})
        rec['failed'] += 1


def read_tsv(path):
    """Rows of a tab-separated file, as lists of strings."""
    with open(path, encoding='utf-8') as f:
        return [line.rstrip('\n').split('\t') for line in f if line.strip()]


def run_metadata(info, patches, steps):
    """The "run" object of summary.json, from @info (KEY=VALUE), @patches
    (the patch files applied, hashed) and @steps (the steps TSV, or None)."""
    run = dict(kv.split('=', 1) for kv in info)
    run['patches'] = []
    for path in patches:
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        rel = os.path.relpath(path, REPO)
        run['patches'].append({'file': rel, 'sha256': digest})
    run['steps'] = [{'tree': t, 'arch': a, 'step': s, 'seconds': int(sec), 'exit': int(rc)}
                    for t, a, s, sec, rc in read_tsv(steps)] if steps else []
    return run


# The steps run_tests.sh runs for a suite of a cell, in order, after the
# run's setup and kernel source (either step) and the tree's prepare: the
# cell's fit and build, the suite's own build steps (its "build" in
# configs/suites, made by run_tests.sh's build_for), then its boot, a step
# named as the suite (scripts/run-SUITE.sh).  The self-checks' suite is one
# step, harness.
BUILD_STEPS = {'-': (), 'initramfs': ('kselftest-build', 'initramfs'),
               'bpf': ('bpf-selftests-build',)}


def suite_steps(suite):
    """The build steps of @suite (BUILD_STEPS of its "build" column; none
    for a suite the table does not have, the self-checks')."""
    return BUILD_STEPS[read_suites().get(suite, {}).get('build', '-')]


def missing_steps(steps, rows, not_run):
    """The steps (tree, arch, step) the run must have run for the suites of
    @rows that were not left out (@not_run) and that have no row in the
    steps table @steps (run_metadata's): a step that never ended, or whose
    row was lost.  Each suite's steps are followed up to the first one
    that failed or is missing (what comes after it never ran)."""
    ended = {(s['tree'], s['arch'], s['step']): s['exit'] for s in steps}
    missing = []
    for tree, arch, suite in rows:
        if (tree, arch, suite) in not_run:
            continue
        chain = [('-', '-', 'setup'), ('-', '-', 'fetch-tree|import-tree')]
        if tree != 'repo':
            chain += [(tree, '-', 'prepare'), (tree, arch, 'fit')]
            # the cell's kernel, unless the suite builds and boots its own
            # (a cell of kunit_tool alone builds none)
            if read_suites().get(suite, {}).get('boots', 'cell') == 'cell':
                chain.append((tree, arch, 'build'))
            chain += [(tree, arch, step) for step in suite_steps(suite)]
        for t, a, names in chain + [(tree, arch, suite)]:
            exits = [ended[(t, a, n)] for n in names.split('|') if (t, a, n) in ended]
            if not exits:
                if (t, a, names) not in missing:
                    missing.append((t, a, names))
                break
            if exits[0]:
                break
    return missing


def asked_rows(asked):
    """The (tree, arch, suite) rows that run_tests.sh's command line asks
    for (@asked: KEY=VALUE, keys trees, arches, cells, suites, self_test),
    worked out apart from the loop that runs them.  A cell is TREE:ARCH,
    with the suites, or TREE:ARCH:SUITE,... with its own."""
    want = dict(kv.split('=', 1) for kv in asked)
    trees, arches = want.get('trees', '').split(), want.get('arches', '').split()
    # A cell may be given bare (the run's suites) and with suites it names:
    # it runs the union, and a suite that runs once goes where it is named.
    suites = read_suites()
    order = list(suites)
    own, named = {}, set()
    for c in want.get('cells', '').split():
        tree, arch, *given = c.split(':', 2)
        names = given[0].split(',') if given else want.get('suites', '').split()
        union = set(own.get((tree, arch), [])) | set(names)
        own[(tree, arch)] = sorted(union, key=lambda s: (order.index(s) if s in order
                                                         else len(order), s))
        named |= {(tree, arch, s) for s in (given[0].split(',') if given else [])}
    # The run's order (trees, then arches); a suite that runs once
    # (configs/suites: cells "last") runs on the last cell that has it (that
    # names it, when a cell does), and a benchmark leaves no result to
    # expect.
    cells = [(t, a) for t in trees for a in arches if not own or (t, a) in own]
    cells += sorted(set(own) - set(cells))
    lists = [(t, a, own.get((t, a), want.get('suites', '').split())) for t, a in cells]
    rows = []
    for n, (t, a, names) in enumerate(lists):
        for s in names:
            if not s or suites.get(s, {}).get('kind') == 'benchmark':
                continue
            if suites.get(s, {}).get('cells') == 'last':
                by_name = any(s == x for _, _, x in named)
                if by_name and (t, a, s) not in named:
                    continue
                if any(s in later and (not by_name or (lt, la, s) in named)
                       for lt, la, later in lists[n + 1:]):
                    continue
            rows.append((t, a, s))
    if want.get('self_test'):
        rows += [('repo', 'host', s) for s in HOST_SUITES]
    return rows


def result_rows(results):
    """The (tree, arch, suite) of every suite result in @results."""
    return [tuple(m.groups()) for m in
            (re.match(r'(\w+)-(\w+)-(\w+)\.json$', n) for n in sorted(os.listdir(results)))
            if m]


def read_not_run(path):
    """{(tree, arch, suite): (why, kind)} from run_tests.sh's not-run table;
    kind is 'unfit' for a suite the tree lacks something for
    (scripts/check-fit.py), else ''.  The first row of a suite counts: a
    suite found unfit stays so when its cell's build fails later."""
    rows = {}
    for row in read_tsv(path) if path else []:
        rows.setdefault(tuple(row[:3]), (row[3], row[4] if len(row) > 4 else ''))
    return rows


def not_run_record(tree, arch, suite, why, kind, source, may_not_fit=()):
    """The record of a suite that did not run.  One the tree does not fit is
    a skip with its reason on a --kdir tree, and on a tree of @may_not_fit
    (trees not run by default, base: the pre-feature tree, which lacks what
    the suites test); anything else, and any other tree of the Debian
    source (the project's own, which must fit every suite), fails."""
    rec = {'tree': tree, 'arch': arch, 'suite': suite, 'passed': 0, 'failed': 1,
           'skipped': 0, 'xfail': 0, 'cases': [], 'error': f'not run: {why}'}
    if kind == 'unfit' and (source != 'debian' or tree in may_not_fit):
        rec.update(failed=0, skipped=1, error=None, not_run=why)
    return rec


def summarise(results, expected, steps=None, not_run=None, expected_cases=None, patches=(),
              known_failures=None, source='debian', flavours=(), glob=None, asked=(),
              info=(), may_not_fit=()):
    """Judge the suite results in the directory @results, write its
    summary.json, print the case matrix, the table and every failure, and
    return the exit status: 1 when anything failed.  @expected: the TSV of
    the suites that should have run (tree, arch, suite); @steps: the TSV of
    steps (tree, arch, step, seconds, exit); @not_run: the TSV of suites
    that could not run; @expected_cases, @known_failures: the configs;
    @source, @flavours: this run's kernel source and config flavours;
    @may_not_fit: the trees not run by default (not_run_record);
    @glob: run_tests.sh --filter; @asked: the command line's request
    (KEY=VALUE, asked_rows); @info: run metadata (KEY=VALUE); @patches:
    the patch files applied (summary.json hashes them)."""
    known = read_known_failures(known_failures)
    flavours = frozenset(flavours)
    not_run = read_not_run(not_run)
    cases = read_expected_cases(expected_cases)
    check_of(known, cases)
    subtest_counts = read_subtest_counts(expected_cases)
    records = []
    rows = [tuple(row) for row in read_tsv(expected)]
    # What was asked for but never expected, and what left a result though
    # it was not expected: a harness bug must not leave a cell out unseen.
    missing = [row for row in asked_rows(asked) if row not in rows]
    rows += missing + [row for row in result_rows(results) if row not in rows]
    for tree, arch, suite in rows:
        if (tree, arch, suite) in missing:
            rec = {'tree': tree, 'arch': arch, 'suite': suite, 'passed': 0, 'failed': 1,
                   'skipped': 0, 'xfail': 0, 'cases': [],
                   'error': 'asked for on the command line, but the run never expected it'}
        elif (tree, arch, suite) in not_run:
            rec = not_run_record(tree, arch, suite, *not_run[(tree, arch, suite)], source,
                                     may_not_fit)
        else:
            rec = suite_record(os.path.join(results, f'{tree}-{arch}-{suite}.json'),
                               tree, arch, suite, known, source, flavours, glob)
            account_cases(rec, cases, glob)
            account_subtests(rec, subtest_counts.get(case_suite(suite), {}))
            account_known(rec, known, source, flavours, glob)
        records.append(rec)
    run = run_metadata(info, patches, steps)
    failed_steps = [s for s in run['steps'] if s['exit']]
    # A step the suites needed that left no row in the steps table fails
    # the run too: a build or boot whose record was lost must not vanish.
    run['missing_steps'] = [{'tree': t, 'arch': a, 'step': s} for t, a, s in missing_steps(
        run['steps'], [row for row in rows if row not in missing], not_run)] if steps else []
    totals = {k: sum(r[k] for r in records) for k in ('passed', 'failed', 'skipped')}
    # A failed step is a failure even when the suites it fed left results.
    totals['failed'] += len(failed_steps) + len(run['missing_steps'])
    totals['failed_steps'] = len(failed_steps)
    totals['missing_steps'] = len(run['missing_steps'])
    # A run in which the tree fits none of the kernel suites asked for
    # tested nothing: that is no pass.
    kernel = [r for r in records if r['tree'] != 'repo']
    if kernel and all(r.get('not_run') for r in kernel):
        totals['failed'] += 1
        totals['nothing_fits'] = True
    summary = {'schema_version': SCHEMA_VERSION, 'run': run, 'suites': records,
               'totals': totals}
    out = os.path.join(results, 'summary.json')
    with open(out, 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    print_cases(summary)
    print_table(summary)
    for s in failed_steps:
        print(f"FAILED step: {s['tree']}/{s['arch']}/{s['step']} (exit {s['exit']})")
    for s in run['missing_steps']:
        print(f"FAILED step: {s['tree']}/{s['arch']}/{s['step']} left no row in the steps "
              "table (it never ended, or its row was lost)")
    if totals.get('nothing_fits'):
        print('FAILED: no suite asked for could run: the tree fits none of them (SKIPPED above)')
    print(f'results: {out}')
    return 1 if summary['totals']['failed'] else 0


CELL_MARK = {'PASS': 'ok', 'FAIL': 'FAIL', 'SKIP': 'skip', 'XFAIL': 'xfail', 'XPASS': 'XPASS'}


def case_label(name):
    """A case name without its top-level group (suite or test program)."""
    return name.split('/', 1)[1] if '/' in name else name


def print_cases(summary):
    """Per suite, one row per case and one column per tree/arch that ran it."""
    suites = {}
    for r in summary['suites']:
        suites.setdefault(r['suite'], []).append(r)
    for suite, records in suites.items():
        cols = [f"{r['tree']}/{r['arch']}" for r in records]
        names, cells = [], {}
        for col, r in zip(cols, records):
            labels = [case_label(c['name']) for c in r['cases']]
            for c in r['cases']:
                # a name two cases share: each its row, by its whole name
                label = case_label(c['name'])
                label = label if labels.count(label) == 1 else c['name']
                if label not in cells:
                    names.append(label)
                    cells[label] = {}
                cells[label][col] = CELL_MARK.get(c['status'], c['status'])
        if not names:
            continue
        rows = [[suite] + cols] + [[n] + [cells[n].get(col, '-') for col in cols] for n in names]
        widths = [max(len(row[i]) for row in rows) for i in range(len(cols) + 1)]
        for n, row in enumerate(rows):
            print('  '.join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            if n == 0:
                print('  '.join('-' * w for w in widths))
        print()


def print_table(summary):
    rows = [('tree', 'arch', 'suite', 'passed', 'failed', 'skipped', 'status')]
    for r in summary['suites']:
        status = 'FAIL' if r['failed'] else 'skip' if r.get('not_run') else 'ok'
        rows.append((r['tree'], r['arch'], r['suite'], str(r['passed']),
                     str(r['failed']), str(r['skipped']), status))
    t = summary['totals']
    if t.get('failed_steps'):
        rows.append(('steps', '', 'failed', '0', str(t['failed_steps']), '0', 'FAIL'))
    if t.get('missing_steps'):
        rows.append(('steps', '', 'missing', '0', str(t['missing_steps']), '0', 'FAIL'))
    if t.get('nothing_fits'):
        rows.append(('run', '', 'none fits', '0', '1', '0', 'FAIL'))
    rows.append(('total', '', '', str(t['passed']), str(t['failed']),
                 str(t['skipped']), 'FAIL' if t['failed'] else 'ok'))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        if n in (1, len(rows) - 1):
            print('  '.join('-' * w for w in widths))
        print('  '.join(c.ljust(w) if i < 3 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))).rstrip())
    for r in summary['suites']:
        for c in r['cases']:
            where = f"{r['tree']}/{r['arch']}/{r['suite']}: {c['name']}"
            if c['status'] == 'XFAIL':
                print(f"XFAIL: {where} (known: {c['known_failure']})")
                for line in c.get('diagnostics', [])[:1]:
                    print(f'    | {line}')
            elif c['status'] not in ('PASS', 'SKIP'):
                print(f"FAILED: {where} ({c.get('note') or c['status']})")
                for line in c.get('diagnostics', []):
                    print(f'    | {line}')
        if r['error']:
            print(f"FAILED: {r['tree']}/{r['arch']}/{r['suite']}: {r['error']}")
        if r.get('not_run'):
            print(f"SKIPPED: {r['tree']}/{r['arch']}/{r['suite']}: not run: {r['not_run']}")


def log_check(console, json_path):
    """Add kernel_log_clean, the one check of a boot's kernel log, to a
    suite's JSON: it fails on every line of the whole console that matches
    a splat pattern, wherever it was printed (the guest prints its kernel
    log last, scripts/guest-init.sh).  The case carries every one of them,
    and where each oops or WARNING happened (OOPS_AT), as its log: the judge
    of a known failure reads them all (only the summary's print is cut
    short).  The KTAP is left as the guest printed it."""
    with open(console, encoding='utf-8', errors='replace') as f:
        lines = [line.strip() for line in f]
    listed = [line for line in lines if any(p.search(line) for p in SPLATS + [OOPS_AT])]
    bad = [line for line in listed if any(p.search(line) for p in SPLATS)]
    with open(json_path, encoding='utf-8') as f:
        group = json.load(f)
    group.setdefault('test_cases', []).append(
        {'name': 'kernel_log_clean', 'status': 'FAIL' if bad else 'PASS',
         'log': listed if bad else []})
    with open(json_path, 'w', encoding='utf-8') as f:
        json.dump(group, f, indent=4)
    print(f'kernel_log_clean: {len(bad)} flagged line(s) in {console}')
    return 0

# printk's mark before a line it prints again whole after cutting it short
# (console_prepend_replay): the cut copy ends on the mark's line.
REPLAYED = '** replaying previous printk message **'


def oops_extras(console, address, oops):
    """Print the splat lines of a must_oops boot's @console beside the one
    oops the boot exists for (scripts/run-must-oops.sh): its first line
    (@oops, how the arch's oops for a kernel page fault begins, at
    @address), its "Oops: ... [#1]" line and the panic oops=panic makes of
    it (that line and its end marker), each once.  A second oops, a
    WARNING, KASAN, lockdep, an RCU stall, a list corruption ... is
    printed, one line each.  A line printk cut short is read as the copy it
    printed again whole (REPLAYED)."""
    with open(console, encoding='utf-8', errors='replace') as f:
        lines = [line.rstrip('\n') for line in f]
    panic = re.compile(r'Kernel panic - not syncing: (Oops: )?Fatal exception')
    allowed = [re.compile(re.escape(oops) + '.*' + re.escape(address)),
               re.compile(r'\bOops: .*\[#1\]'), panic, panic]
    for line, after in zip(lines, lines[1:] + ['']):
        if (REPLAYED in line or after.startswith(REPLAYED)
                or not any(p.search(line) for p in SPLATS)):
            continue
        part = next((p for p in allowed if p.search(line)), None)
        if part:
            allowed.remove(part)
        else:
            print(line)
    return 0


def counts_line(summary):
    """The closing line CI reads, from the summary.json @summary: "N
    passed, N failed, N skipped"."""
    with open(summary, encoding='utf-8') as f:
        t = json.load(f)['totals']
    return f"{t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped"
