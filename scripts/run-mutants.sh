#!/bin/bash
# run-mutants.sh [ARCH]: prove the suites have teeth.  Each
# kernel-patches/series/mutants/*.patch breaks the series in one way; apply
# it on top of the series tree, rebuild (incrementally), run the KUnit
# suite, the kselftests and must_oops and expect at least one case to fail.
# The unmutated series runs first and must be green.  A mutant is killed
# only when every suite produced results and a case FAILed (the kill says
# whether it was one of the header's "Killed by:" cases); a build failure,
# a crash or missing results is INCONCLUSIVE.  Exit status: mutants that
# survived or were inconclusive.  The series tree is restored afterwards.
# MUTANTS="name ..." runs only those; SUITES="kunit" (or "kselftest",
# "kselftest must_oops") runs only those suites.  run-mutants.sh --list
# prints the mutants it would run (MUTANTS applied) and does nothing else.
# (kernel-patches/fixes/mutants/ holds the fixes tree's mutants; this
# script runs the series' only.)
set -eu
. "$(dirname "$0")/lib.sh"

# mutants: the mutant patches to run, one per line (MUTANTS="name ...":
# only those).
mutants() {
	local m name
	for m in "$PATCH_DIR"/series/mutants/*.patch; do
		[ -f "$m" ] || continue
		name=$(basename "$m" .patch)
		if [ -n "${MUTANTS:-}" ] && [ "${MUTANTS#*"$name"}" = "$MUTANTS" ]; then
			continue
		fi
		echo "$m"
	done
}
if [ "${1:-}" = --list ]; then
	mutants
	exit 0
fi

arch=${1:-$(known_arches | cut -d" " -f1)}
load_arch "$arch"
out=$RESULTS/mutants
suites=${SUITES:-kunit kselftest must_oops}
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
	must_oops)	# after kselftest, whose initramfs it boots
		env "${env[@]}" "$REPO/scripts/run-must-oops.sh" series "$arch" ;;
	esac
}

restore() {
	"$REPO/scripts/prepare-tree.sh" series >/dev/null
}
trap restore EXIT

# verdict RESULTS MUTANT-FILE: killed / survived / inconclusive line.
verdict() {
	python3 "$REPO/scripts/results.py" mutant-verdict --results "$1" --arch "$arch" \
		--suites "$suites" ${2:+--mutant "$2"}
}

# The unmutated series must pass first: a kill only means something against
# a green baseline.
printf '%-28s %-12s %s\n' mutant result "failed cases" >&2
base_res=$out/baseline-$arch
rm -rf "$base_res"
mkdir -p "$base_res"
log=$LOGS/mutants/baseline-$arch.log
if ! { "$REPO/scripts/prepare-tree.sh" series && "$REPO/scripts/build-kernel.sh" series "$arch"; } \
		>"$log" 2>&1; then
	die "the unmutated series does not build (log: ${log#"$REPO"/})"
fi
for s in $suites; do run_suite "$s" "$base_res" >>"$log" 2>&1 || true; done
line=$(verdict "$base_res") || true
case $line in
survived*) printf '%-28s %-12s %s\n' baseline green "" >&2 ;;
*) die "the unmutated series is not green, no mutant can be judged: $line" ;;
esac

inconclusive=0
mapfile -t list < <(mutants)
for m in "${list[@]}"; do
	name=$(basename "$m" .patch)
	arches=$(sed -n 's/^Arches: //p' "$m")
	if [ -n "$arches" ] && [ "${arches#*"$arch"}" = "$arches" ]; then
		printf '%-28s %-12s %s\n' "$name" n/a "(only for $arches)" >&2
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
		printf '%-28s %-12s %s\n' "$name" INCONCLUSIVE "$what (log: ${log#"$REPO"/})" >&2
		inconclusive=$((inconclusive + 1))
		continue
	fi
	for s in $suites; do
		run_suite "$s" "$res" >>"$log" 2>&1 || true
	done
	line=$(verdict "$res" "$m") || true
	case $line in
	killed*) printf '%-28s %-12s %s\n' "$name" killed "${line#killed: }" >&2 ;;
	survived*)
		printf '%-28s %-12s %s\n' "$name" SURVIVED "expected: $(sed -n 's/^Killed by: //p' "$m")" >&2
		survived=$((survived + 1)) ;;
	*)
		printf '%-28s %-12s %s\n' "$name" INCONCLUSIVE "${line#inconclusive: }" >&2
		inconclusive=$((inconclusive + 1)) ;;
	esac
done
[ "$inconclusive" = 0 ] || warn "$inconclusive mutant(s) inconclusive: no verdict, see their logs"
exit $((survived + inconclusive))
