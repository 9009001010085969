#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check a configured kernel .config against what the harness asked for.

    check-config.py --src TREE --fragment MERGED.kunitconfig BUILD/.config

Fails (exit 1, one line per problem) when
  - an option of the merged fragment is not set as asked in .config (the
    options of selftests/arena_kfault/config and of the tree's
    tools/testing/selftests/bpf/config are in the fragment, minus the ones
    a drop-options directive of configs/ leaves to Kconfig, each with its
    reason beside it), or
  - EXPERT=y has turned off an option whose Kconfig default is "!EXPERT"
    (or that is selected "if !EXPERT") and the fragment does not say so:
    EXPERT=y only exists to make a few options visible, and must not take
    away silently what a default kernel has (NAMESPACES, which every
    test_progs test needs, is one).  Such an option is either set back in
    the fragment or listed there as "is not set", with a reason.
"""
import argparse
import os
import re
import sys

SET = re.compile(r'^(CONFIG_[A-Za-z0-9_]+)=(.*)$')
UNSET = re.compile(r'^# (CONFIG_[A-Za-z0-9_]+) is not set$')


def read_config(path):
    """{CONFIG_X: value} of a .config or fragment; 'n' for "is not set"."""
    opts = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            m = SET.match(line)
            if m:
                opts[m.group(1)] = m.group(2)
                continue
            m = UNSET.match(line)
            if m:
                opts[m.group(1)] = 'n'
    return opts


def expert_defaults(src):
    """{CONFIG_X: 'file:line'} for every symbol that EXPERT=y turns off by
    default: "default !EXPERT", "default y if !EXPERT" in its own entry, or
    "select X if !EXPERT" (and "imply") in another one."""
    found = {}
    sym_re = re.compile(r'^\s*(?:menu)?config\s+([A-Za-z0-9_]+)')
    dflt_re = re.compile(r'^\s*default\s+.*!\s*EXPERT\b')
    sel_re = re.compile(r'^\s*(?:select|imply)\s+([A-Za-z0-9_]+)\s+if\s+.*!\s*EXPERT\b')
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if not d.startswith('.') and d not in ('Documentation', 'tools')]
        for name in files:
            if not name.startswith('Kconfig'):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            sym = None
            with open(path, encoding='utf-8', errors='replace') as f:
                for n, line in enumerate(f, 1):
                    m = sym_re.match(line)
                    if m:
                        sym = m.group(1)
                        continue
                    m = sel_re.match(line)
                    if m:
                        found.setdefault('CONFIG_' + m.group(1), f'{rel}:{n}')
                    elif sym and dflt_re.match(line):
                        found.setdefault('CONFIG_' + sym, f'{rel}:{n}')
    return found


def check(config, fragment, expert_syms):
    """The problems, as lines of text (none: the config is what was asked)."""
    problems = []
    for opt, want in fragment.items():
        have = config.get(opt, 'n')
        if have != want:
            shown = 'not set' if have == 'n' else have
            problems.append(f'{opt}: asked for {"not set" if want == "n" else want}, '
                            f'the configured kernel has {shown}')
    if config.get('CONFIG_EXPERT') == 'y':
        for opt, where in sorted(expert_syms.items()):
            if opt in fragment or config.get(opt) != 'n':
                continue
            problems.append(f'{opt}: off only because EXPERT=y changes its default '
                            f'({where}); set it, or list it as not set with the reason')
    return problems


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--src', required=True, help='the kernel tree (its Kconfig files)')
    ap.add_argument('--fragment', required=True, help='the merged kunitconfig')
    ap.add_argument('config', help='the configured .config')
    args = ap.parse_args(argv)
    problems = check(read_config(args.config), read_config(args.fragment),
                     expert_defaults(args.src))
    for p in problems:
        print(f'check-config: {p}', file=sys.stderr)
    if problems:
        print(f'check-config: {len(problems)} problem(s) in {args.config}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
