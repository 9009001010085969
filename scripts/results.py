#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Collect per-suite results into build/results/summary.json and print them.

Every suite run leaves build/results/<tree>-<arch>-<suite>.json in the
KernelCI-style JSON that `kunit.py exec/parse --json` writes (the harness
self-checks write the same shape).  `summary` folds them, with the run
metadata, into summary.json (format: README.md, "Results"), prints the table
and exits non-zero when anything failed or an expected suite left no result.
`counts` prints the closing line CI reads: "N passed, N failed, N skipped".
"""
import argparse
import hashlib
import json
import os
import sys

SCHEMA_VERSION = 1


def walk_cases(group, prefix=''):
    """Yield (name, status) for every leaf case of a kunit.py JSON group."""
    for case in group.get('test_cases', []):
        yield prefix + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from walk_cases(sub, prefix + sub['name'] + '/')


def read_known_failures(path):
    """{(tree, arch, suite, case): reason} from configs/known-failures.conf."""
    known = {}
    if not path:
        return known
    with open(path, encoding='utf-8') as f:
        for line in f:
            fields = line.split(None, 4)
            if not fields or fields[0].startswith('#'):
                continue
            tree, arch, suite, case, reason = fields
            known[(tree, arch, suite, case)] = reason.strip()
    return known


def classify(status, reason):
    """Final status and counter of one case, given its known-failure reason.

    A reason starting with "sometimes:" marks a failure that depends on
    timing: such a case may pass without that being an XPASS.
    """
    if reason is None or (status == 'PASS' and reason.startswith('sometimes:')):
        return status, {'PASS': 'passed', 'SKIP': 'skipped'}.get(status, 'failed')
    if status == 'PASS':
        return 'XPASS', 'failed'
    if status == 'SKIP':
        return status, 'skipped'
    return 'XFAIL', 'skipped'


def suite_record(path, tree, arch, suite, known=None):
    """One summary record from one kunit.py JSON file (or its absence)."""
    known = known or {}
    rec = {'tree': tree, 'arch': arch, 'suite': suite,
           'passed': 0, 'failed': 0, 'skipped': 0, 'xfail': 0, 'cases': [], 'error': None}
    try:
        with open(path, encoding='utf-8') as f:
            group = json.load(f)
    except FileNotFoundError:
        rec['error'] = 'no result (suite did not run to completion)'
    except json.JSONDecodeError as e:
        rec['error'] = f'unreadable result: {e}'
    else:
        for name, status in walk_cases(group):
            reason = known.get((tree, arch, suite, name))
            status, key = classify(status, reason)
            rec[key] += 1
            case = {'name': name, 'status': status}
            if reason is not None:
                case['known_failure'] = reason
            if status == 'XFAIL':
                rec['xfail'] += 1
            rec['cases'].append(case)
        if not rec['cases']:
            rec['error'] = 'no test case ran'
    if rec['error']:
        rec['failed'] += 1
    return rec


def read_tsv(path):
    """Rows of a tab-separated file, as lists of strings."""
    with open(path, encoding='utf-8') as f:
        return [line.rstrip('\n').split('\t') for line in f if line.strip()]


def run_metadata(args):
    """The "run" object of summary.json, from --info, --patch and --steps."""
    run = dict(kv.split('=', 1) for kv in args.info)
    run['patches'] = []
    for path in args.patch:
        with open(path, 'rb') as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        rel = os.path.relpath(path, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        run['patches'].append({'file': rel, 'sha256': digest})
    run['steps'] = [{'tree': t, 'arch': a, 'step': s, 'seconds': int(sec), 'exit': int(rc)}
                    for t, a, s, sec, rc in read_tsv(args.steps)] if args.steps else []
    return run


def cmd_summary(args):
    known = read_known_failures(args.known_failures)
    records = [suite_record(os.path.join(args.results, f'{tree}-{arch}-{suite}.json'),
                            tree, arch, suite, known)
               for tree, arch, suite in read_tsv(args.expected)]
    run = run_metadata(args)
    summary = {'schema_version': SCHEMA_VERSION, 'run': run, 'suites': records,
               'totals': {k: sum(r[k] for r in records)
                          for k in ('passed', 'failed', 'skipped')}}
    failed_steps = [s for s in run['steps'] if s['exit']]
    out = os.path.join(args.results, 'summary.json')
    with open(out, 'w', encoding='utf-8') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    print_cases(summary)
    print_table(summary)
    for s in failed_steps:
        print(f"FAILED step: {s['tree']}/{s['arch']}/{s['step']} (exit {s['exit']})")
    print(f'results: {out}')
    return 1 if summary['totals']['failed'] or failed_steps else 0


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
            for c in r['cases']:
                label = case_label(c['name'])
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
        status = 'FAIL' if r['failed'] else 'ok'
        rows.append((r['tree'], r['arch'], r['suite'], str(r['passed']),
                     str(r['failed']), str(r['skipped']), status))
    t = summary['totals']
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
            elif c['status'] == 'XPASS':
                print(f"FAILED: {where} passes but is listed in configs/known-failures.conf")
            elif c['status'] not in ('PASS', 'SKIP'):
                print(f"FAILED: {where} ({c['status']})")
        if r['error']:
            print(f"FAILED: {r['tree']}/{r['arch']}/{r['suite']}: {r['error']}")


def cmd_counts(args):
    with open(args.summary, encoding='utf-8') as f:
        t = json.load(f)['totals']
    print(f"{t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('summary', help='write summary.json, print the table')
    p.add_argument('--results', required=True, help='results directory')
    p.add_argument('--expected', required=True,
                   help='TSV of the suites that should have run: tree, arch, suite')
    p.add_argument('--steps', help='TSV of steps: tree, arch, step, seconds, exit')
    p.add_argument('--patch', action='append', default=[], help='patch applied (hashed)')
    p.add_argument('--known-failures', help='configs/known-failures.conf')
    p.add_argument('--info', action='append', default=[], metavar='KEY=VALUE',
                   help='run metadata')
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser('counts', help='print "N passed, N failed, N skipped"')
    p.add_argument('summary', help='summary.json')
    p.set_defaults(func=cmd_counts)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
