#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Collect per-suite results into build/results/summary.json and print them.

Every suite run leaves build/results/<tree>-<arch>-<suite>.json in the
KernelCI-style JSON that `kunit.py exec/parse --json` writes (the harness
self-checks write the same shape).  `summary` folds them, with the run
metadata, into summary.json (format: README.md, "Results"), prints the table
and exits non-zero when anything failed or an expected suite left no result.
`counts` prints the closing line CI reads: "N passed, N failed, N skipped".

This is the command line only, as kunit.py is over kunit_parser.py and
kunit_json.py: results_judge.py judges (summary, counts, log-check,
oops-extras, filter-cases), results_convert.py turns raw output into KTAP
(test-progs), results_report.py makes the reports (timings, bench-table,
mutant-verdict).
"""
import argparse
import re
import sys

import results_convert
import results_judge
import results_report


def tree_names(value):
    """--may-not-fit: one or more tree names, space-separated; anything else
    (empty, commas) is refused rather than read as no tree or one."""
    names = value.split()
    if not names or any(not re.fullmatch(r'[a-z][a-z0-9_-]*', n) for n in names):
        raise argparse.ArgumentTypeError(f'want space-separated tree names, not {value!r}')
    return tuple(names)


def cmd_summary(args):
    return results_judge.summarise(
        args.results, args.expected, steps=args.steps, not_run=args.not_run,
        expected_cases=args.expected_cases, patches=args.patch,
        known_failures=args.known_failures, source=args.source, flavours=args.flavour,
        glob=args.filter, asked=args.asked, info=args.info,
        may_not_fit=args.may_not_fit)


def cmd_counts(args):
    print(results_judge.counts_line(args.summary))
    return 0


def cmd_log_check(args):
    return results_judge.log_check(args.console, args.json)


def cmd_oops_extras(args):
    return results_judge.oops_extras(args.console, args.address, args.oops)


def cmd_filter_cases(args):
    for line in results_judge.filter_cases(args.expected_cases, args.glob):
        print(line)
    return 0


def cmd_test_progs(args):
    return results_convert.convert_test_progs(args.console, args.tests, args.ktap)


def cmd_timings(args):
    return results_report.timings(args.summary, args.logs)


def cmd_bench_table(args):
    return results_report.bench_table(args.results, args.trees)


def cmd_mutant_verdict(args):
    return results_report.mutant_verdict(args.results, args.arch, args.suites, args.mutant)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('summary', help='write summary.json, print the table')
    p.add_argument('--results', required=True, help='results directory')
    p.add_argument('--expected', required=True,
                   help='TSV of the suites that should have run: tree, arch, suite')
    p.add_argument('--steps', help='TSV of steps: tree, arch, step, seconds, exit')
    p.add_argument('--not-run', help='TSV of suites that could not run: tree, arch, suite, why'
                   ' and, for one the tree does not fit, "unfit"')
    p.add_argument('--expected-cases', help='configs/expected-cases')
    p.add_argument('--patch', action='append', default=[], help='patch applied (hashed)')
    p.add_argument('--known-failures', help='configs/known-failures.conf')
    p.add_argument('--source', default='debian',
                   help='kernel source of this run (known failures are per source)')
    p.add_argument('--flavour', action='append', default=[],
                   help='config flavour of this run; repeatable')
    p.add_argument('--filter', help='run_tests.sh --filter GLOB: only those cases are expected')
    p.add_argument('--may-not-fit', type=tree_names, default=(),
                   help='space-separated trees that are not run by default '
                   '(configs/trees.conf, base): a suite such a tree of the Debian source '
                   'does not fit is a skip, not a failure')
    p.add_argument('--asked', action='append', default=[], metavar='KEY=VALUE',
                   help="the command line's request (trees, arches, cells, suites, "
                   'self_test): every suite it implies must have a result')
    p.add_argument('--info', action='append', default=[], metavar='KEY=VALUE',
                   help='run metadata')
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser('log-check', help='add a kernel_log_clean case from a console log')
    p.add_argument('--console', required=True)
    p.add_argument('--json', required=True, help="the suite's kunit.py JSON")
    p.set_defaults(func=cmd_log_check)
    p = sub.add_parser('oops-extras', help="a must_oops console's splats beside its oops")
    p.add_argument('--console', required=True)
    p.add_argument('--address', required=True, help='where the trigger said it would oops')
    p.add_argument('--oops', required=True, help="how the arch's oops line begins "
                   '(configs/arches.conf)')
    p.set_defaults(func=cmd_oops_extras)
    p = sub.add_parser('test-progs', help="KTAP from test_progs' console output")
    p.add_argument('--console', required=True)
    p.add_argument('--tests', required=True, help='the selected test names, one per line')
    p.add_argument('--ktap', required=True, help='KTAP file to write')
    p.set_defaults(func=cmd_test_progs)
    p = sub.add_parser('timings', help='per-cell step times against the targets')
    p.add_argument('summary', help='summary.json')
    p.add_argument('--logs', default='build/logs',
                   help='the consoles, for where each kselftest boot spent its time')
    p.set_defaults(func=cmd_timings)
    p = sub.add_parser('filter-cases', help='the expected cases --filter GLOB selects')
    p.add_argument('--expected-cases', required=True)
    p.add_argument('--glob', required=True)
    p.set_defaults(func=cmd_filter_cases)
    p = sub.add_parser('bench-table', help='ratio tables of the TREE-ARCH-bench.txt files')
    p.add_argument('--results', required=True, help='results directory')
    p.add_argument('--trees', required=True,
                   help="every tree, in configs/trees.conf's order; the first is the reference")
    p.set_defaults(func=cmd_bench_table)
    p = sub.add_parser('mutant-verdict', help='judge one mutant run')
    p.add_argument('--results', required=True)
    p.add_argument('--arch', required=True)
    p.add_argument('--suites', required=True)
    p.add_argument('--mutant', help='the mutant patch (for its "Killed by:" line)')
    p.set_defaults(func=cmd_mutant_verdict)
    p = sub.add_parser('history-add', help="keep a run's case statuses for rates")
    p.add_argument('summary', help='summary.json')
    p.add_argument('--source', required=True, help='kernel source of the run')
    p.add_argument('--history', required=True, help='the directory of kept runs')
    p.set_defaults(func=lambda a: results_report.history_add(a.summary, a.source, a.history))
    p = sub.add_parser('rates', help='how often each "sometimes" known failure failed')
    p.add_argument('--history', required=True, help='the directory of kept runs')
    p.add_argument('--known-failures', required=True, help='configs/known-failures.conf')
    p.set_defaults(func=lambda a: results_report.rates(a.history, a.known_failures))
    p = sub.add_parser('counts', help='print "N passed, N failed, N skipped"')
    p.add_argument('summary', help='summary.json')
    p.set_defaults(func=cmd_counts)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
