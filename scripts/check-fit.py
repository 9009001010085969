#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Which suites a kernel tree fits, by what they need from it.

check-fit.py --src TREE --arch ARCH [--tree NAME --not-run TSV] SUITE...

Looks for every line of configs/suite-requirements that names one of the
SUITEs in the prepared tree TREE (for ARCH), and prints one line for each
suite the tree lacks something for: "this tree lacks X, which the Y suite
needs".  With --not-run, also appends a row per such suite to run_tests.sh's
not-run table (tree, arch, suite, why, "unfit"), which scripts/results.py
turns into a skip on a --kdir tree.  Exit status 0 whether or not every
suite fits; 2 when the table or the arguments are wrong.
"""
import argparse
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_requirements(path):
    """[(suites, file, regex, what)] from configs/suite-requirements."""
    rows = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith('#'):
                continue
            fields = line.split(None, 3)
            if len(fields) != 4:
                raise ValueError(f'{path}:{n}: want suites, file, regex and what')
            suites, file, regex, what = fields
            try:
                pattern = re.compile(regex, re.MULTILINE)
            except re.error as e:
                raise ValueError(f'{path}:{n}: bad regex {regex!r}: {e}') from e
            rows.append((suites.split(','), file, pattern, what.strip()))
    return rows


def srcarch_of(arch, arches_conf):
    """The arch-dir column of configs/arches.conf for @arch."""
    with open(arches_conf, encoding='utf-8') as f:
        for line in f:
            fields = line.split()
            if fields and not line.startswith('#') and fields[0] == arch:
                return fields[2]
    raise ValueError(f"unknown arch '{arch}' (not in {arches_conf})")


def lacks(src, srcarch, rows, suite):
    """What @suite needs that the tree at @src does not have: [(what, file)],
    file with ": no such file" when it is missing."""
    missing, texts = [], {}
    for suites, file, pattern, what in rows:
        if suite not in suites:
            continue
        file = file.replace('$SRCARCH', srcarch)
        what = what.replace('$SRCARCH', srcarch)
        if file not in texts:
            try:
                with open(os.path.join(src, file), encoding='utf-8', errors='replace') as f:
                    texts[file] = f.read()
            except FileNotFoundError:
                texts[file] = None
        if texts[file] is None:
            missing.append((what, f'{file}: no such file'))
        elif not pattern.search(texts[file]):
            missing.append((what, file))
    return missing


# The fixes' selftests patches prepare-tree.sh could not apply to a --kdir
# tree; bpf_selftests runs the tests they change.
UNAPPLIED = '.arena-kfault-unapplied'
UNAPPLIED_SUITES = ('bpf_selftests',)


def unapplied(src, suite):
    """[(what, why)] for the patches prepare-tree.sh left out of @src, if
    @suite needs them."""
    if suite not in UNAPPLIED_SUITES:
        return []
    try:
        with open(os.path.join(src, UNAPPLIED), encoding='utf-8') as f:
            rows = [line.rstrip('\n').split('\t', 1) for line in f if line.strip()]
    except FileNotFoundError:
        return []
    return [(f"the tests {patch.split('-', 1)[0]} changes", why if why else 'does not apply')
            for patch, why in (row + [''] if len(row) == 1 else row for row in rows)]


def explain(suite, missing):
    """The one line for a suite the tree does not fit: what it lacks, each
    file named once, after what it lacks there."""
    files = {}
    for what, file in missing:
        files.setdefault(file, []).append(what)
    items = '; '.join(f'{and_list(whats)} ({file})' for file, whats in files.items())
    return f'this tree lacks {items}, which the {suite} suite needs'


def and_list(words):
    """"a", "a and b", "a, b and c"."""
    return words[0] if len(words) == 1 else ', '.join(words[:-1]) + ' and ' + words[-1]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    ap.add_argument('--src', required=True, help='the prepared kernel tree')
    ap.add_argument('--arch', required=True, help='arch name, as in configs/arches.conf')
    ap.add_argument('--tree', default='-', help='tree name, for the not-run table')
    ap.add_argument('--not-run', help="append the suites that do not fit to this TSV")
    ap.add_argument('--requirements', default=os.path.join(REPO, 'configs', 'suite-requirements'))
    ap.add_argument('--arches', default=os.path.join(REPO, 'configs', 'arches.conf'))
    ap.add_argument('suites', nargs='*')
    args = ap.parse_args(argv)
    try:
        rows = read_requirements(args.requirements)
        srcarch = srcarch_of(args.arch, args.arches)
    except (OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    if not os.path.isdir(args.src):
        print(f'error: no kernel tree at {args.src}', file=sys.stderr)
        return 2
    unfit = []
    for suite in args.suites:
        missing = lacks(args.src, srcarch, rows, suite) + unapplied(args.src, suite)
        if missing:
            unfit.append((suite, explain(suite, missing)))
            where = args.arch if args.tree == '-' else f'{args.tree}/{args.arch}'
            print(f'{where}: {unfit[-1][1]}: not run')
    if args.not_run and unfit:
        with open(args.not_run, 'a', encoding='utf-8') as f:
            for suite, why in unfit:
                f.write(f'{args.tree}\t{args.arch}\t{suite}\t{why}\tunfit\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
