#!/bin/bash
# run-mutants.sh [ARCH]: prove the suites have teeth.  Each
# kunit/mutants/*.patch breaks the series in one way; apply it on top of the
# series tree, rebuild (incrementally), run the KUnit suite and the
# kselftests and expect at least one case to fail.  Prints which cases
# killed which mutant; exit status is the number of mutants that survived.
# The series tree is restored afterwards.  MUTANTS="name ..." runs only
# those; SUITES="kunit" (or "kselftest") runs only that suite.
set -eu
. "$(dirname "$0")/lib.sh"

arch=${1:-$(known_arches | cut -d" " -f1)}
load_arch "$arch"
out=$RESULTS/mutants
suites=${SUITES:-kunit kselftest}
mkdir -p "$out" "$LOGS/mutants"
survived=0

# run_suite SUITE RESULTS: one suite against the mutated kernel.
run_suite() {
	local env=(ARENA_KFAULT_RESULTS="$2" ARENA_KFAULT_LOGS="$2")
	case $1 in
	kunit)
		env KUNIT_TIMEOUT="${KUNIT_TIMEOUT:-120}" "${env[@]}" \
			"$REPO/scripts/run-kunit.sh" series "$arch" ;;
	kselftest)
		"$REPO/scripts/build-kselftest.sh" series "$arch" &&
		"$REPO/scripts/make-initramfs.sh" series "$arch" &&
		env BOOT_TIMEOUT="${BOOT_TIMEOUT:-600}" "${env[@]}" \
			"$REPO/scripts/run-kselftest.sh" series "$arch" ;;
	esac
}

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
		what="does not build"
		grep -q "does not apply" "$log" && what="does not apply to the series"
		printf '%-26s %-8s %s\n' "$name" ERROR "$what (log: ${log#"$REPO"/})" >&2
		survived=$((survived + 1))
		continue
	fi
	for s in $suites; do
		run_suite "$s" "$res" >>"$log" 2>&1 || true
	done
	killed=$(python3 - "$REPO/scripts" "$res" "$arch" $suites <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from results import case_label, walk_cases
res, arch, suites = sys.argv[2], sys.argv[3], sys.argv[4:]
words = []
for suite in suites:
    tag = '' if suite == 'kunit' else suite + ' '
    try:
        group = json.load(open(f'{res}/series-{arch}-{suite}.json'))
    except (OSError, ValueError):
        words.append(f'{suite}: no results (the kernel crashed or hung)')
        continue
    cases = list(walk_cases(group))
    words += [tag + case_label(n) for n, st in cases if st == 'FAIL']
    crashed = sum(1 for n, st in cases if st not in ('PASS', 'SKIP', 'FAIL'))
    if crashed:
        words.append(f'{crashed} {suite} case(s) crashed')
    if not cases:
        words.append(f'{suite}: no test case ran')
print(', '.join(words))
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
