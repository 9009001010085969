#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the harness self-checks (scripts/tests/test_*.py).

Prints KTAP to stdout and, with --json, writes the same KernelCI-style JSON
that kunit.py does, so results.py folds the checks into summary.json like any
kernel suite.  The checks that must run are the "harness" lines of
configs/expected-cases: a listed check that did not run is a failure (a
"not ok" case of its own), and so is a check that ran but is not listed,
or one that skipped.  Exit status 0 only when every listed check ran and
passed, and nothing else ran.
"""
import argparse
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class KtapResult(unittest.TestResult):
    """Collects (name, status, message) and prints a KTAP line per test."""

    def __init__(self, unlisted=()):
        super().__init__()
        self.cases = []
        self.n = 0
        self.unlisted = set(unlisted)

    def done(self, name, status, detail=''):
        """Print and keep one case's result."""
        self.n += 1
        for line in detail.rstrip().splitlines():
            print(f'    # {line}')
        ok = 'ok' if status in ('PASS', 'SKIP') else 'not ok'
        print(f"{ok} {self.n} {name}{' # SKIP ' + detail if status == 'SKIP' else ''}",
              flush=True)
        self.cases.append({'name': name, 'status': status})

    def _done(self, test, status, detail=''):
        name = test.id().split('.', 1)[-1]
        if name in self.unlisted:
            status, detail = 'FAIL', (detail if status == 'FAIL' else '') + \
                f'\n{name} ran but is not listed in configs/expected-cases'
        self.done(name, status, detail)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._done(test, 'PASS')

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._done(test, 'FAIL', self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._done(test, 'FAIL', self._exc_info_to_string(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._done(test, 'SKIP', reason)


def listed_checks(path):
    """The "harness" cases of configs/expected-cases, in their order."""
    with open(path, encoding='utf-8') as f:
        return [line.split()[1] for line in f
                if line.split()[:1] == ['harness'] and len(line.split()) > 1]


def test_ids(suite):
    """The Class.test_name of every test in a (nested) unittest suite."""
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from test_ids(t)
        else:
            yield t.id().split('.', 1)[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    ap.add_argument('--json', help='write kunit.py-style JSON here')
    ap.add_argument('--tests-dir', default=os.path.join(HERE, 'tests'),
                    help='where the test_*.py files are')
    ap.add_argument('--expected-cases',
                    default=os.path.join(HERE, '..', 'configs', 'expected-cases'),
                    help='the list of checks that must run (its "harness" lines)')
    args = ap.parse_args()

    listed = listed_checks(args.expected_cases)
    suite = unittest.defaultTestLoader.discover(args.tests_dir, pattern='test_*.py',
                                                top_level_dir=args.tests_dir)
    found = list(test_ids(suite))
    missing = [c for c in listed if c not in found]
    unlisted = [c for c in found if c not in listed]
    print('KTAP version 1')
    print(f'1..{len(found) + len(missing)}', flush=True)
    result = KtapResult(unlisted)
    suite.run(result)
    for name in missing:
        result.done(name, 'FAIL', f'{name} is listed in configs/expected-cases but did not run')
    group = {'name': 'harness', 'sub_groups': [], 'test_cases': result.cases}
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(group, f, indent=2)
    ran_all = (result.wasSuccessful() and not result.skipped and not missing and not unlisted)
    return 0 if ran_all else 1


if __name__ == '__main__':
    sys.exit(main())
