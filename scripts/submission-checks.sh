#!/bin/bash
# submission-checks.sh JSON: the cheap submission checks of scripts/check-series.sh
# (SUBMISSION_CHECKS, default: tags checkpatch apply kernel-doc) on every
# sent tree of configs/trees.conf, so that make check (and CI) sees a series
# that no longer applies, or a patch checkpatch or kernel-doc now rejects,
# on every run, without the build checks' cost.  Writes kunit.py-style JSON
# to JSON, a case per tree and check ("fixes/checkpatch"), each with the
# check's report; the console gets check-series.sh's own output.  Exit
# status: 0 when every check passed.  CHECK_SERIES replaces check-series.sh
# (the self-checks' stand-in).
set -eu
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || die "usage: $0 JSON"
json=$1
checks=${SUBMISSION_CHECKS:-tags checkpatch apply kernel-doc}
out=$(mktemp)
trap 'rm -f "$out" "$out.cases" "$out.all"' EXIT

rc=0
: >"$out.all"
for series in $(sent_trees); do
	echo "== make check-series SERIES=$series CHECKS=\"$checks\""
	status=0
	CHECKS=$checks SERIES=$series "${CHECK_SERIES:-$REPO/scripts/check-series.sh}" >"$out" 2>&1 ||
		status=$?
	cat "$out"
	[ "$status" = 0 ] || rc=1
	# Each "PASS  name" / "FAIL  name" line starts a check; the indented
	# lines after it are its report.  A check-series.sh that stopped before
	# reporting (an error) is a failed case of its own.
	python3 - "$series" "$status" "$checks" "$out" >"$out.cases" <<'EOF'
import json, re, sys
series, status, checks, path = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4]
cases, cur = [], None
for line in open(path, encoding='utf-8', errors='replace'):
    m = re.match(r'(PASS|FAIL)  (\S+)', line)
    if m:
        cur = {'name': f'{series}/{m.group(2)}',
               'status': 'PASS' if m.group(1) == 'PASS' else 'FAILURE', 'log': []}
        cases.append(cur)
    elif cur is not None and line.startswith('      '):
        cur['log'].append(line.strip())
seen = {c['name'].split('/', 1)[1] for c in cases}
failed = sum(c['status'] != 'PASS' for c in cases)
for c in checks:
    if c not in seen:
        cases.append({'name': f'{series}/{c}', 'status': 'FAILURE',
                      'log': [f'check-series.sh reported no result for {c} (exit {status})']
                      + [l.rstrip() for l in open(path, encoding='utf-8', errors='replace')][-15:]})
if status != failed and all(c in seen for c in checks):
    cases.append({'name': f'{series}/exit-status', 'status': 'FAILURE',
                  'log': [f'check-series.sh exited {status} with {failed} failed checks']})
json.dump(cases, sys.stdout)
EOF
	cat "$out.cases" >>"$out.all"
	echo >>"$out.all"
	rm -f "$out.cases"
done
# kunit.py's shape: the top group is the suite, so a case is named
# "submission/fixes/tags" and judged as "fixes/tags".  Any failed case
# fails the step, whatever check-series.sh's exit status said.
python3 - "$out.all" "$json" <<'EOF' || rc=1
import json, sys
cases = [c for line in open(sys.argv[1]) if line.strip() for c in json.loads(line)]
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    json.dump({'name': 'submission', 'test_cases': [],
               'sub_groups': [{'name': 'submission', 'sub_groups': [], 'test_cases': cases}]},
              f, indent=2)
sys.exit(1 if not cases or any(c['status'] != 'PASS' for c in cases) else 0)
EOF
rm -f "$out.all"
exit "$rc"
