#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reports over a run's results (scripts/results.py timings, bench-table,
mutant-verdict, history-add, rates): what they print is for people and
for scripts/run-mutants.sh, not a verdict of the run (results_judge.py's).
"""
import datetime
import fnmatch
import hashlib
import json
import os
import re
import sys

from results_judge import case_label, find_known, read_known_failures, walk_cases

# The turnaround targets (README, "Quick start"), in seconds.
TARGETS = {'cold_ci': 45 * 60, 'cold_full_matrix': 75 * 60, 'warm_revalidation': 6 * 60,
           'boot_and_tests_per_cell': 60}
BOOT_STEPS = ('kunit', 'kselftest', 'must_oops')
# Lines of a kselftest console that time a part of the boot: the guest's
# /init (scripts/guest-init.sh) and boot.py.  The last group is the seconds.
BOOT_PHASES = (
    (re.compile(r'# arena-kfault: /init started at ([0-9.]+) s'), 'kernel boot {s} s'),
    (re.compile(r'# arena-kfault: (\S+) took ([0-9.]+) s'), '{} {s} s'),
    (re.compile(r'# boot\.py: guest ran ([0-9.]+)s'), 'QEMU {s} s in all'),
)


def timings(summary, logs):
    """Per cell of the summary.json @summary: the seconds of each step, and
    the run against the targets; where each kselftest boot spent its time,
    from its console in @logs."""
    with open(summary, encoding='utf-8') as f:
        run = json.load(f)['run']
    cells, names = {}, []
    for st in run['steps']:
        if st['tree'] in ('-', 'repo'):
            continue
        cells.setdefault((st['tree'], st['arch']), {})[st['step']] = st['seconds']
        if st['step'] not in names and st['arch'] != '-':
            names.append(st['step'])
    rows = [['cell'] + names + ['boot+tests', 'total']]
    worst = 0
    for (tree, arch), steps in cells.items():
        if arch == '-':
            continue
        boots = sum(steps.get(n, 0) for n in BOOT_STEPS)
        worst = max(worst, boots)
        rows.append([f'{tree}/{arch}'] + [str(steps.get(n, '-')) for n in names] +
                    [str(boots), str(sum(steps.values()) + cells.get((tree, '-'), {}).get('prepare', 0))])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print('  '.join(c.rjust(w) if i and j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))))
    # Where a kselftest boot's time goes, from the lines the guest's /init
    # prints (scripts/guest-init.sh) and boot.py's last line.
    where = []
    for tree, arch in cells:
        console = os.path.join(logs, f'{tree}-{arch}-kselftest.console')
        if arch == '-' or not os.path.exists(console):
            continue
        parts = []
        with open(console, encoding='utf-8', errors='replace') as f:
            for line in f:
                for pattern, label in BOOT_PHASES:
                    m = pattern.search(line)
                    if m:
                        *name, secs = m.groups()
                        parts.append(label.format(*name, s=f'{float(secs):.0f}'))
                        break
        if parts:
            where.append(f'{tree}/{arch} kselftest boot: ' + ', '.join(parts))
    if where:
        print('\n' + '\n'.join(where))
    busy = sum(st['seconds'] for st in run['steps'])
    try:
        wall = int((datetime.datetime.fromisoformat(run['finished'].replace('Z', '+00:00')) -
                    datetime.datetime.fromisoformat(run['started'].replace('Z', '+00:00')))
                   .total_seconds())
    except (KeyError, ValueError):
        wall = busy
    t = TARGETS['boot_and_tests_per_cell']
    if any(n in steps for steps in cells.values() for n in BOOT_STEPS):
        print(f"\nboot + tests ({' + '.join(BOOT_STEPS)}), slowest cell: {worst} s "
              f"(target {t} s: {'met' if worst <= t else 'missed'})")
    else:
        print(f"\nboot + tests ({' + '.join(BOOT_STEPS)}): not run")
    print(f'this run: {wall} s ({wall / 60:.1f} min; {busy} s of steps, boots overlapping '
          f'builds); targets: cold CI '
          f"{TARGETS['cold_ci'] // 60} min, cold full matrix {TARGETS['cold_full_matrix'] // 60} min, "
          f"one edited patch re-validated warm {TARGETS['warm_revalidation'] // 60} min")
    return 0


def read_bench(path):
    """{op: (median_ns, p10, p90, ratio) or a note} from a TREE-ARCH-bench.txt."""
    ops = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            w = line.split()
            if len(w) == 5 and w[1].isdigit():
                ops[w[0]] = (int(w[1]), int(w[2]), int(w[3]), float(w[4]))
            elif len(w) > 1 and w[1] == 'refused':
                ops[w[0]] = ' '.join(w[1:])
    return ops


def bench_table(results, trees):
    """Per arch: each operation's median (and spread) as a ratio to a kfunc
    store to an allocated page, per tree, and each tree's ratio against the
    reference's, the first of @trees (every tree in configs/trees.conf's
    order: upstream, so what the fixes and the series cost).  Trees are
    compared through their ratios, not their nanoseconds: each tree runs in
    a boot of its own, and under TCG one boot can run everything 1.5x
    slower than the next."""
    runs = {}
    for name in sorted(os.listdir(results)):
        m = re.match(r'(\w+)-(\w+)-bench\.txt$', name)
        if m:
            runs.setdefault(m.group(2), {})[m.group(1)] = read_bench(
                os.path.join(results, name))
    order = trees.split()
    ref = order[0]
    for arch, trees in sorted(runs.items()):
        names = sorted(trees, key=lambda t: order.index(t) if t in order else len(order))
        ops = list(dict.fromkeys(op for t in names for op in trees[t]))
        cols = [f'{t} x' for t in names] + [f'{t}/{ref}' for t in names
                                            if t != ref and ref in trees]
        rows = [[f'{arch}: op (ratio to kfunc_write_allocated, p10-p90)'] + cols]
        for op in ops:
            row = [op]
            for t in names:
                v = trees[t].get(op)
                if isinstance(v, tuple):
                    base = trees[t]['kfunc_write_allocated'][0]
                    row.append(f'{v[3]:.2f} ({v[1] / base:.2f}-{v[2] / base:.2f})')
                else:
                    row.append(v or '-')
            for t in names:
                if t == ref or ref not in trees:
                    continue
                a, b = trees[t].get(op), trees[ref].get(op)
                row.append(f'{a[3] / b[3]:.2f}' if isinstance(a, tuple) and isinstance(b, tuple)
                           else '-')
            rows.append(row)
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for i, r in enumerate(rows):
            print('  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
            if i == 0:
                print('  '.join('-' * w for w in widths))
        print()
    return 0


def mutant_verdict(results, arch, suites, mutant=None):
    """One line: "killed: <cases>", "survived" or "inconclusive: <why>", for
    the results of the series tree with a mutant applied in the directory
    @results (arch @arch, the suites @suites, space separated); @mutant: the
    mutant patch, for its "Killed by:" line."""
    expected = []
    if mutant:
        with open(mutant, encoding='utf-8') as f:
            for line in f:
                if line.startswith('Killed by:'):
                    expected = [w.strip() for w in line.split(':', 1)[1].split(',')]
    failed, problems = [], []
    for suite in suites.split():
        path = os.path.join(results, f'series-{arch}-{suite}.json')
        try:
            with open(path, encoding='utf-8') as f:
                cases = list(walk_cases(json.load(f)))
        except (OSError, ValueError):
            problems.append(f'{suite}: no results (the kernel crashed or hung)')
            continue
        if not cases:
            problems.append(f'{suite}: no test case ran')
        tag = '' if suite == 'kunit' else suite + ' '
        for name, status in cases:
            if status == 'FAIL':
                failed.append(tag + case_label(name))
            elif status not in ('PASS', 'SKIP'):
                problems.append(f'{suite}: {case_label(name)} {status}')
    if problems:
        print('inconclusive: ' + '; '.join(problems))
    elif failed:
        hit = [c for c in failed if any(fnmatch.fnmatch(c.split(' ')[-1], e.split(' ')[-1])
                                         for e in expected)]
        note = '' if not expected else (' (expected case among them)' if hit
                                        else ' (none of the expected cases)')
        print('killed: ' + ', '.join(failed) + note)
    else:
        print('survived')
    return 0



# How many runs scripts/results.py history-add keeps.
HISTORY_KEEP = 300


def history_add(summary, source, history):
    """Keep what the rates need of the summary.json @summary (the run's
    flavours, @source, each case's status) in the directory @history, one
    file per run (a run judged again replaces its file), the newest
    HISTORY_KEEP runs by start time.  Never fails the run: a problem is one
    line on stderr."""
    try:
        with open(summary, encoding='utf-8') as f:
            data = json.load(f)
        run = data['run']
        kept = {'started': run.get('started', ''), 'source': source,
                'flavours': run.get('flavours', '').split(),
                'suites': [{'tree': r['tree'], 'arch': r['arch'], 'suite': r['suite'],
                            'cases': {c['name']: c['status'] for c in r.get('cases', [])}}
                           for r in data['suites']]}
        text = json.dumps(kept, sort_keys=True)
        name = (re.sub(r'[^0-9A-Za-z]', '', kept['started']) or
                'unstarted-' + hashlib.sha1(text.encode()).hexdigest()[:12])
        os.makedirs(history, exist_ok=True)
        path = os.path.join(history, f'{name}.json')
        with open(path + '.tmp', 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(path + '.tmp', path)
        runs = sorted((os.path.getmtime(os.path.join(history, n)), n)
                      for n in os.listdir(history) if n.endswith('.json'))
        for _, old in runs[:-HISTORY_KEEP]:
            os.remove(os.path.join(history, old))
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f'warning: history-add: {summary} not kept in {history}: {e}', file=sys.stderr)
    return 0


def rates(history, known_failures):
    """For each "sometimes" entry of @known_failures: in how many of the
    runs kept in @history its case failed as listed (XFAIL), passed, or
    failed another way, over the runs the entry held in."""
    entries = [e for e in read_known_failures(known_failures) if e['sometimes']]
    runs = []
    for name in sorted(os.listdir(history)) if os.path.isdir(history) else []:
        if not name.endswith('.json'):
            continue
        try:
            with open(os.path.join(history, name), encoding='utf-8') as f:
                run = json.load(f)
            runs.append({'source': run['source'], 'flavours': list(run['flavours']),
                         'suites': [dict(r, cases=dict(r['cases'])) for r in run['suites']]})
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f'skipped {name}: unreadable ({e})')
    print(f'{len(runs)} runs kept in {history}')
    print(f"{'entry':<72} {'xfail':>5} {'pass':>5} {'other':>5}")
    for e in entries:
        seen = {'XFAIL': 0, 'PASS': 0, 'other': 0}
        for run in runs:
            for rec in run['suites']:
                for name, status in rec['cases'].items():
                    label = case_label(name)
                    if find_known([e], rec, label, run['source'], set(run['flavours'])):
                        seen[status if status in seen else 'other'] += 1
        label = f"{e['tree']} {e['arch']} {e['suite']} {e['case']} {' '.join(e['flavours'])}"
        print(f"{label.strip():<72} {seen['XFAIL']:>5} {seen['PASS']:>5} {seen['other']:>5}")
    return 0
