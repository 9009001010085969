#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the harness self-checks (scripts/tests/test_*.py).

Prints KTAP to stdout and, with --json, writes the same KernelCI-style JSON
that kunit.py does, so results.py folds the checks into summary.json like any
kernel suite.  Exit status 0 only when every check passed.
"""
import argparse
import json
import os
import sys
import unittest


class KtapResult(unittest.TestResult):
    """Collects (name, status, message) and prints a KTAP line per test."""

    def __init__(self):
        super().__init__()
        self.cases = []
        self.n = 0

    def _done(self, test, status, detail=''):
        self.n += 1
        name = test.id().split('.', 1)[-1]
        for line in detail.rstrip().splitlines():
            print(f'    # {line}')
        ok = 'ok' if status in ('PASS', 'SKIP') else 'not ok'
        print(f"{ok} {self.n} {name}{' # SKIP ' + detail if status == 'SKIP' else ''}",
              flush=True)
        self.cases.append({'name': name, 'status': status})

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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    ap.add_argument('--json', help='write kunit.py-style JSON here')
    args = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(os.path.join(here, 'tests'),
                                                pattern='test_*.py')
    print('KTAP version 1')
    print(f'1..{suite.countTestCases()}', flush=True)
    result = KtapResult()
    suite.run(result)
    group = {'name': 'harness', 'sub_groups': [], 'test_cases': result.cases}
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(group, f, indent=2)
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
