#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Converters of raw test output into KTAP, for the judge (scripts/results.py
test-progs).

kunit.py parses KUnit's and the kselftests' KTAP on its own; test_progs
prints a format of its own.  test_progs_ktap() turns its console output
into KTAP that kunit.py parse reads like any other suite's, keeping the
lines the judge (results_judge.py) needs to see.
"""
import re

from results_judge import failure_reports, is_failure_line

TP_TEST = re.compile(r'^#(\d+)\s+(\S+):(OK|FAIL|SKIP)\b')
TP_SUBTEST = re.compile(r'^#(\d+)/(\d+)\s+([^/\s]+)/(.*):(OK|FAIL|SKIP)\s*$')
TP_EXIT = re.compile(r'^# bpf_selftests: (\S+) exit (\d+)$')
TP_DONE = '# bpf_selftests: done'
TP_BEGIN = re.compile(r'^# bpf_selftests: (\S+) begin$')


def judged_part(log, n, first=False):
    """The lines of @log that the KTAP keeps: its last @n (with @first, its
    first @n) and every failure line besides, which the judge of a known
    failure must see (failure_reports)."""
    keep = range(n) if first else range(len(log) - n, len(log))
    return [line for i, line in enumerate(log) if i in keep or is_failure_line(line)]


def ktap_result(indent, n, name, status):
    """The KTAP result line of a test_progs result (OK, FAIL or SKIP)."""
    word = 'not ok' if status == 'FAIL' else 'ok'
    return f"{indent}{word} {n} {name}{' # SKIP' if status == 'SKIP' else ''}"


def test_progs_ktap(lines, tests):
    """KTAP for the test_progs output in @lines: one group, test_progs, with
    a case per test of @tests, its subtests nested.  A test or subtest that
    failed carries the log test_progs printed before its result line; a
    selected test with no result line is 'not ok' (# no result), beside
    the subtests it reported before (TEST/SUBTEST)."""
    results, pending, exits, summary, running = {}, [], {}, False, None

    def died():
        # a test that began and never exited: the kernel died under it
        # (scripts/run-bpf-selftests.sh boots again); its log is what came
        # first after it began, the oops
        if running and running not in exits:
            exits[running] = ('none: the kernel died', judged_part(pending, 30, first=True))

    for line in lines:
        line = line.rstrip('\n')
        m = TP_BEGIN.match(line)
        if m:
            died()
            running, pending, summary = m.group(1), [], False
            continue
        m = TP_EXIT.match(line)
        if m:
            exits[m.group(1)] = (m.group(2), judged_part(pending, 20))
            pending, summary = [], False
            continue
        if line.startswith('# bpf_selftests:') and line != TP_DONE:
            # A marker line something else was printed into (a kernel
            # message on the console, loglevel=5): if it was the running
            # test's exit line, its status is lost, which is no status of 0.
            if running and running not in exits:
                exits[running] = (f'? (garbled: {line!r})', judged_part(pending, 20))
            continue
        # test_progs repeats failed results after this line: counted once
        if summary or line == TP_DONE:
            continue
        if line == 'All error logs:':
            summary = True
            continue
        m = TP_SUBTEST.match(line)
        if m:
            rec = results.setdefault(m.group(3), {'status': None, 'log': [], 'subs': []})
            failed = m.group(5) == 'FAIL'
            rec['subs'].append((m.group(4), m.group(5), pending if failed else []))
            if not failed:
                # A subtest that passed or skipped prints no log: what came
                # before it is its test's own (test_progs prints a failed
                # test's log first, then its subtests').
                rec['log'] += pending
            pending = []
            continue
        m = TP_TEST.match(line)
        if m:
            rec = results.setdefault(m.group(2), {'status': None, 'log': [], 'subs': []})
            rec['status'] = m.group(3)
            rec['log'] = rec['log'] + pending if m.group(3) == 'FAIL' else []
            pending = []
            continue
        pending.append(line)
    died()
    out, i = [], 0
    for name in tests:
        rec = results.get(name)
        if rec is None or rec['status'] is None:
            # The subtests it reported before the kernel died under it are
            # cases beside it, named as if nested (TEST/SUBTEST): the test
            # is the case its known failure names, and a subtest that failed
            # before stays a failure of its own.
            for sub, status, log in rec['subs'] if rec else []:
                i += 1
                out += [f'    # {l}' for l in judged_part(log, 40)]
                out.append(ktap_result('    ', i, f"{name}/{sub.replace('#', '_')}", status))
            code, tail = exits.get(name, ('?', []))
            i += 1
            out += [f'    # {l}' for l in judged_part(rec['log'] if rec else [], 40) + tail]
            out.append(f'    not ok {i} {name} # no result (test_progs never reported it, exit {code})')
            continue
        i += 1
        # A test that failed outside its subtests gets a case for that,
        # whole_test (kunit.py's JSON keeps no status for a test with
        # subtests): when no subtest failed, or its own log holds a failure
        # report.  It is judged like any case: the known failure of one of
        # its subtests does not account for it.
        # One subtest named like its test (arena_strsearch): the test is the
        # case (kunit.py's parser cannot nest a case under its own name).
        if len(rec['subs']) == 1 and rec['subs'][0][0] == name:
            rec['log'] = rec['subs'][0][2] + rec['log']
            rec['subs'] = []
        if rec['subs'] and rec['status'] == 'FAIL' and (
                not any(st == 'FAIL' for _, st, _ in rec['subs'])
                or failure_reports(rec['log'])):
            rec['subs'].append(('whole_test', 'FAIL', rec['log']))
            rec['log'] = []
        # test_progs' exit status must agree with the result it printed: a
        # test that then timed out (124), crashed (128 + N), took the kernel
        # down with it or exited non-zero without a failure fails.
        code, tail = exits.get(name, ('? (no exit line)', []))
        if code != '0' and not (code == '1' and rec['status'] == 'FAIL'):
            why = {'124': ': timed out after its result'}.get(code, '')
            if code.isdigit() and int(code) >= 128:
                why = f': killed by signal {int(code) - 128}'
            note = [f'test_progs exit status {code} after the test reported '
                    f"{rec['status']}{why}"]
            if rec['subs']:
                rec['subs'].append(('exit_status', 'FAIL', tail + note))
            else:
                rec['status'], rec['log'] = 'FAIL', rec['log'] + tail + note
        if rec['subs']:
            out += ['        KTAP version 1', f'        # Subtest: {name}',
                    f"        1..{len(rec['subs'])}"]
            for j, (sub, status, log) in enumerate(rec['subs'], 1):
                out += [f'        # {l}' for l in judged_part(log, 40)]
                out.append(ktap_result('        ', j, sub.replace('#', '_'), status))
        out += [f'    # {l}' for l in judged_part(rec['log'], 40)]
        out.append(ktap_result('    ', i, name, rec['status']))
    failed = any(l.lstrip().startswith('not ok') for l in out)
    return (['KTAP version 1', '1..1', '    KTAP version 1', '    # Subtest: test_progs',
             f'    1..{i}'] + out + [f"{'not ok' if failed else 'ok'} 1 test_progs"])


def convert_test_progs(console, tests, ktap):
    """Turn test_progs' console output (the file @console; @tests: the file
    of the selected test names, one per line) into the KTAP file @ktap
    (kunit.py parse makes the JSON, as for the other suites)."""
    with open(tests, encoding='utf-8') as f:
        names = [t.strip() for t in f if t.strip()]
    with open(console, encoding='utf-8', errors='replace') as f:
        lines = f.readlines()
    out = test_progs_ktap(lines, names)
    with open(ktap, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')
    return 0

