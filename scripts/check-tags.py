#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the tags of git format-patch files the way the bpf patchwork bots do.

For every patch (not the cover letter):
  - Signed-off-by: present, and the last one is the From: author;
  - every Fixes: tag reads 'Fixes: <12+ hex> ("<subject>")' on one line;
  - with --git-dir (a kernel tree with history), the sha resolves to a commit
    whose subject is the quoted one; without, each Fixes: is "not verified".
Prints the identity the patches will be sent as, and warns when it is a
placeholder (an .invalid address).  Exit status: number of problems.
"""
import argparse
import email
import re
import subprocess
import sys

FIXES = re.compile(r'^Fixes: ([0-9a-f]{12,40}) \("(.+)"\)$')


def check_patch(path, git_dir):
    """Problems and notes of one patch file."""
    with open(path, encoding='utf-8', errors='replace') as f:
        msg = email.message_from_file(f)
    body = msg.get_payload()
    if isinstance(body, list):
        body = body[0].get_payload()
    text = body.split('\n---\n', 1)[0]
    author = msg['From'].strip()
    problems, notes = [], []
    sobs = re.findall(r'^Signed-off-by: (.+)$', text, re.M)
    if not sobs:
        problems.append('no Signed-off-by:')
    elif sobs[-1].strip() != author:
        problems.append(f'last Signed-off-by: {sobs[-1]!r} is not the author {author!r}')
    for line in re.findall(r'^Fixes:.*$', text, re.M | re.I):
        m = FIXES.match(line)
        if not m:
            problems.append(f'malformed tag: {line!r} (want: Fixes: <12 hex> ("subject"))')
            continue
        sha, subject = m.groups()
        if not git_dir:
            notes.append(f'{line}: not verified (give --git-dir, FIXES_GIT_DIR in check-series, a tree with history)')
            continue
        res = subprocess.run(['git', '-C', git_dir, 'log', '-1', '--format=%s', sha],
                             capture_output=True, text=True, check=False)
        if res.returncode:
            problems.append(f'{line}: no commit {sha} in {git_dir}')
        elif res.stdout.strip() != subject:
            problems.append(f'{line}: {sha} is "{res.stdout.strip()}"')
        else:
            notes.append(f'{line}: verified')
    return author, problems, notes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    ap.add_argument('--git-dir', help='kernel tree with history, to verify Fixes: tags')
    ap.add_argument('patches', nargs='+')
    args = ap.parse_args()
    total, authors = 0, set()
    for path in args.patches:
        author, problems, notes = check_patch(path, args.git_dir)
        authors.add(author)
        name = path.rsplit('/', 1)[-1]
        for p in problems:
            print(f'{name}: {p}')
        for n in notes:
            print(f'{name}: {n}')
        total += len(problems)
    for a in sorted(authors):
        print(f'identity: {a}')
        if re.search(r'\.invalid>?$', a):
            print(f'warning: {a} is a placeholder: run "make format-series" with your '
                  'git user.name and user.email set before sending')
    return min(total, 125)


if __name__ == '__main__':
    sys.exit(main())
