#!/bin/bash
# run-mutants.sh [ARCH]: prove the KUnit suite has teeth.  Each
# kunit/mutants/*.patch breaks the series in one way; apply it on top of the
# series tree, rebuild (incrementally), run the KUnit suite and expect at
# least one case to fail.  Prints which cases killed which mutant; exit
# status is the number of mutants that survived.  The series tree is
# restored afterwards.  MUTANTS="name ..." runs only those.
set -eu
. "$(dirname "$0")/lib.sh"

arch=${1:-x86_64}
load_arch "$arch"
out=$RESULTS/mutants
mkdir -p "$out" "$LOGS/mutants"
survived=0

restore() {
	"$REPO/scripts/prepare-tree.sh" series >/dev/null
}
trap restore EXIT

printf '%-26s %-8s %s\n' mutant result "failed cases" >&2
for m in "$REPO"/kunit/mutants/*.patch; do
	name=$(basename "$m" .patch)
	if [ -n "${MUTANTS:-}" ] && [ "${MUTANTS#*"$name"}" = "$MUTANTS" ]; then
		continue
	fi
	arches=$(sed -n 's/^Arches: //p' "$m")
	if [ -n "$arches" ] && [ "${arches#*"$arch"}" = "$arches" ]; then
		printf '%-26s %-8s %s\n' "$name" n/a "(only for $arches)" >&2
		continue
	fi
	log=$LOGS/mutants/$name-$arch.log
	res=$out/$name-$arch
	rm -rf "$res"
	mkdir -p "$res"
	if ! { MUTANT=$m "$REPO/scripts/prepare-tree.sh" series &&
	       "$REPO/scripts/build-kernel.sh" series "$arch"; } >"$log" 2>&1; then
		printf '%-26s %-8s %s\n' "$name" ERROR "does not build (log: ${log#"$REPO"/})" >&2
		survived=$((survived + 1))
		continue
	fi
	KUNIT_TIMEOUT=${KUNIT_TIMEOUT:-120} ARENA_KFAULT_RESULTS=$res ARENA_KFAULT_LOGS=$res \
		"$REPO/scripts/run-kunit.sh" series "$arch" >>"$log" 2>&1 || true
	killed=$(python3 - "$res/series-$arch-kunit.json" <<'PY'
import json, sys
try:
    group = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print('(no results: the kernel crashed or hung)')
    sys.exit()
def walk(g, prefix=''):
    for c in g.get('test_cases', []):
        yield prefix + c['name'], c['status']
    for s in g.get('sub_groups', []):
        yield from walk(s, prefix + s['name'] + '/')
cases = list(walk(group))
failed = [n.split('/', 1)[-1] for n, st in cases if st == 'FAIL']
crashed = sum(1 for n, st in cases if st not in ('PASS', 'SKIP', 'FAIL'))
words = [n for n in failed if n]
if crashed:
    words.append(f'{crashed} case(s) crashed')
print(', '.join(words) if words or cases else '(no test case ran)')
PY
)
	if [ -n "$killed" ]; then
		printf '%-26s %-8s %s\n' "$name" killed "$killed" >&2
	else
		printf '%-26s %-8s %s\n' "$name" SURVIVED "expected: $(sed -n 's/^Killed by: //p' "$m")" >&2
		survived=$((survived + 1))
	fi
done
exit "$survived"
