#!/bin/bash
# run_tests.sh: build, boot and test BPF arena kernel-fault recovery.
#
# For each tree and arch: prepare the source tree (patches from
# kernel-patches/), build it with kunit.py, run the KUnit suites in QEMU,
# build the kselftests, boot them in QEMU, and collect every result into
# build/results/summary.json.  Installs its toolchain and downloads the
# kernel on first use.  Exit status 0 only when every suite passed.
set -eu
. "$(dirname "$0")/scripts/lib.sh"

usage() {
	cat <<USAGE
usage: run_tests.sh [options]
  --arch ARCH      one of: $(known_arches); repeatable (default: all)
  --tree TREE      a tree, or all; repeatable (default: all; series with a
                   pre-feature --kdir tree); configs/trees.conf:
                     trees: $(known_trees)
                     all:   $(default_trees)
  --cell TREE:ARCH[:SUITE,...]
                   run only these (tree, arch) pairs, each with these
                   suites (default: those of --only); repeatable, replaces
                   --tree and --arch (CI: see .ci/run)
  --kdir PATH      use the kernel tree at PATH instead of Debian's
                   $KERNEL_PACKAGE (it is copied, never modified)
  --only SUITES    comma-separated; repeatable (default: those marked *);
                   configs/suites:
$(suites_help "                   ")
  --stress SECONDS also run the stress suite (arena_stress in the guest for
                   SECONDS per cell; best with --flavour debug)
  --timings        after the summary, each cell's step times and the run
                   against the README's turnaround targets
  --bench          also run arena_bench per cell and print the ratio table
                   (a benchmark, not a test: --only bench runs only it)
  --filter GLOB    run only the cases GLOB selects (matched against the name
                   the case matrix prints, and its last component) of the
                   suites that take it: $(suites_needing filter)
  --list           print the run's cells and their suites, run nothing
  --shell          boot the (one) cell's kernel with its kselftest initramfs
                   to a shell on this terminal instead of testing
  --flavour NAME   add configs/flavours/NAME.config (one of: $(known_flavours));
                   repeatable
  -j N             parallel build jobs (default: $(nproc))
  --rebuild        run make even for a kernel whose tree, config and
                   toolchain are unchanged since its last build (skipped
                   by default)
  --self-test      also run the harness's own checks (scripts/tests/) and
                   the sent series' cheap submission checks
                   (scripts/submission-checks.sh)
  -v, --verbose    show step output instead of logging it only
  -h, --help       this text
Results: build/results/ (summary.json, *.ktap, *.json); logs: build/logs/.
Environment: ARENA_KFAULT_CACHE (default ~/.cache/arena-kfault);
  DEBIAN_MIRROR, TOOLCHAIN_SUITE, KERNEL_PACKAGE, KERNEL_SUITE
  (configs/source.conf); KUNIT_TIMEOUT, BOOT_TIMEOUT, KSFT_TIMEOUT,
  BOOT_ALIVE_TIMEOUT, KVM_PROBE_TIMEOUT (seconds); ARENA_KFAULT_ACCEL
  (kvm or tcg: no probe).
USAGE
}

arches=() trees='' kdir='' only='' verbose='' flavours='' self_test='' cells='' stress='' bench=''
filter='' shell='' timings='' list=''
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arches+=("${2:?--arch needs a value}"); shift ;;
	--arch=*) arches+=("${1#*=}") ;;
	--tree) trees="$trees ${2:?--tree needs a value}"; shift ;;
	--tree=*) trees="$trees ${1#*=}" ;;
	--cell) cells="$cells ${2:?--cell needs TREE:ARCH[:SUITE,...]}"; shift ;;
	--cell=*) cells="$cells ${1#*=}" ;;
	--kdir) kdir=${2:?--kdir needs a value}; shift ;;
	--kdir=*) kdir=${1#*=} ;;
	--only) only="$only ${2:?--only needs a value}"; shift ;;
	--only=*) only="$only ${1#*=}" ;;
	--bench) bench=1 ;;
	--timings) timings=1 ;;
	--filter) filter=${2:?--filter needs a glob}; shift ;;
	--filter=*) filter=${1#*=} ;;
	--shell) shell=1 ;;
	--list) list=1 ;;
	--stress) stress=${2:?--stress needs SECONDS}; shift ;;
	--stress=*) stress=${1#*=} ;;
	--flavour) flavours="$flavours ${2:?--flavour needs a value}"; shift ;;
	--flavour=*) flavours="$flavours ${1#*=}" ;;
	-j) JOBS=${2:?-j needs a value}; shift ;;
	-j*) JOBS=${1#-j} ;;
	--self-test) self_test=1 ;;
	--rebuild) export REBUILD=1 ;;
	-v|--verbose) verbose=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown option '$1'" ;;
	esac
	shift
done
# --cell TREE:ARCH[:SUITE,...]: the cell, and the suites it was given
# (cell_given; checked with the other suites below).  A cell without a
# list runs --only's (cell_default).
declare -A cell_given=() cell_default=()
if [ -n "$cells" ]; then
	if [ ${#arches[@]} -gt 0 ] || [ -n "$trees" ]; then die "--cell replaces --tree and --arch"; fi
	given=$cells cells=
	for c in $given; do
		IFS=: read -r t a l extra <<<"$c"
		if [ -z "$t" ] || [ -z "$a" ] || [ -n "$extra" ] || [ "$c" != "${c%:}" ]; then
			die "bad --cell '$c' (want TREE:ARCH[:SUITE,...], e.g. fixes:arm64 or fixes:arm64:kunit,kselftest)"
		fi
		case " $cells " in *" $t:$a "*) ;; *) cells="$cells $t:$a" ;; esac
		if [ -n "$l" ]; then
			cell_given[$t:$a]="${cell_given[$t:$a]:-} ${l//,/ }"
		else
			cell_default[$t:$a]=1
		fi
		case " $trees " in *" $t "*) ;; *) trees="$trees $t" ;; esac
		case " ${arches[*]} " in *" $a "*) ;; *) arches+=("$a") ;; esac
	done
fi
# Every tree, in the order of configs/trees.conf: upstream is the reference
# the others are read against; "all" is the trees run by default.
all_trees=$(known_trees)
[ ${#arches[@]} -gt 0 ] || read -r -a arches <<<"$(known_arches)"
# Your own tree (--kdir) is usually pre-feature: test the series on it.
[ -n "$trees" ] || { [ -n "$kdir" ] && trees=series || trees=all; }
for a in "${arches[@]}"; do load_arch "$a"; done
for f in $flavours; do
	case " $(known_flavours) " in
	*" $f "*) ;;
	*) die "unknown flavour '$f' (known: $(known_flavours))" ;;
	esac
done
picked=
for t in $trees; do
	case " $all_trees all " in
	*" $t "*) ;;
	*) die "unknown tree '$t' (known: $all_trees all)" ;;
	esac
	if [ "$t" = all ]; then picked="$picked $(default_trees)"; else picked="$picked $t"; fi
done
trees=
for t in $all_trees; do	# canonical order, each once
	case " $picked " in *" $t "*) trees="$trees $t" ;; esac
done
trees=${trees# }
# The suites (configs/suites), in their order; what runs when --only does
# not say is their "default" column.
all_suites=$(known_suites)
only=$(echo "$only" | tr ',' ' ')
for s in $only; do
	case " $all_suites " in
	*" $s "*) ;;
	*) die "unknown suite '$s' for --only (known: $all_suites)" ;;
	esac
done
for c in "${!cell_given[@]}"; do
	for s in ${cell_given[$c]}; do
		case " $all_suites " in
		*" $s "*) ;;
		*) die "unknown suite '$s' for --cell $c (known: $all_suites)" ;;
		esac
	done
done
case ${stress:-1} in
''|*[!0-9]*|0) die "--stress needs a positive number of seconds, not '$stress'" ;;
esac
[ -z "$stress" ] || only="${only:-$(default_suites)} stress"
[ -z "$bench" ] || only="${only:-$(default_suites)} bench"
# --filter: the suites with a selected case, and the cases, for the steps
if [ -n "$filter" ]; then
	picks=$(python3 "$REPO/scripts/results.py" filter-cases \
		--expected-cases "$REPO/configs/expected-cases" --glob "$filter")
	[ -n "$picks" ] || die "--filter '$filter' selects no case of configs/expected-cases"
	wanted=" ${only:-$(suites_needing filter)} " only=
	for s in $(echo "$picks" | cut -d' ' -f1); do
		case $wanted in *" $s "*) only="$only $s" ;; esac
	done
	[ -n "$only" ] || [ ${#cell_given[@]} -gt 0 ] ||
		die "--filter '$filter' selects no case of the suites asked for"
	# A suite a cell names must be one --filter selects cases of: any
	# other would be dropped without a word.
	for c in "${!cell_given[@]}"; do
		for s in ${cell_given[$c]}; do
			suite_needs "$s" filter || die "--cell $c names the $s suite, which --filter" \
				"cannot select cases of (those it can: $(suites_needing filter | tr '\n' ' '| sed 's/ $//'))"
		done
	done
	# the suites a cell's own list keeps
	filtered=
	for s in $(echo "$picks" | cut -d' ' -f1 | sort -u); do
		if suite_needs "$s" filter; then filtered="$filtered $s"; fi
	done
	KUNIT_FILTER="bpf_arena_kfault.$filter"
	KSFT_ONLY=$(echo "$picks" | sed -n 's/^kselftest //p')
	OOPS_ONLY=$(echo "$picks" | sed -n 's/^must_oops //p')
	export KUNIT_FILTER KSFT_ONLY OOPS_ONLY
fi
# A --filter that kept none of --only's leaves nothing to the cells
# without a list of their own (not the default suites).
suites=
if [ -z "$filter" ] || [ -n "$only" ]; then
	for s in $all_suites; do	# canonical order, each once
		case " ${only:-$(default_suites)} " in *" $s "*) suites="$suites $s" ;; esac
	done
fi
suites=${suites# }
# The cells of the run, in order (trees, then arches), and their suites.
# cell_list TREE ARCH: the suites given to the cell, in the table's order:
# --only's, unless --cell gave it its own (and --filter keeps its
# suites).
cell_list() {
	local s c=$1:$2
	for s in $all_suites; do
		if [ -z "${cell_given[$c]:-}" ] || [ -n "${cell_default[$c]:-}" ]; then
			case " $suites " in *" $s "*) echo "$s"; continue ;; esac
		fi
		case " ${cell_given[$c]:-} " in *" $s "*) ;; *) continue ;; esac
		[ -z "$filter" ] || case " $filtered " in *" $s "*) ;; *) continue ;; esac
		echo "$s"
	done
}
run_cells=
for tree in $trees; do
	for arch in "${arches[@]}"; do
		[ -z "$cells" ] || case " $cells " in *" $tree:$arch "*) ;; *) continue ;; esac
		[ -n "$(cell_list "$tree" "$arch")" ] || continue
		run_cells="$run_cells $tree:$arch"
	done
done
run_cells=${run_cells# }
[ -n "$run_cells" ] || die "no cell to run (no cell has a suite to run)"
# cell_suites TREE ARCH: the suites the cell runs: its list, but a suite
# that runs once (configs/suites: cells "last") only on the last cell that
# has it; when a --cell names that suite, on the last cell that names it
# (CI's upstream:arm64:kunit_tool beside cells of the default suites).
names_suite() {
	case " ${cell_given[$1]:-} " in *" $2 "*) return 0 ;; esac
	return 1
}
cell_suites() {
	local s c later named
	for s in $(cell_list "$1" "$2"); do
		if suite_is "$s" cells last; then
			named=
			for c in $run_cells; do
				if names_suite "$c" "$s"; then named=1; fi
			done
			if [ -n "$named" ] && ! names_suite "$1:$2" "$s"; then continue; fi
			later=" $run_cells "
			for c in ${later#*" $1:$2 "}; do
				if [ -n "$named" ] && ! names_suite "$c" "$s"; then continue; fi
				case " $(cell_list "${c%%:*}" "${c#*:}" | tr '\n' ' ') " in *" $s "*) continue 2 ;; esac
			done
		fi
		echo "$s"
	done
}
# tested_suites TREE ARCH: those of them that leave a result (no benchmark).
tested_suites() {
	local s
	for s in $(cell_suites "$1" "$2"); do
		if suite_is "$s" kind test; then echo "$s"; fi
	done
}
# A cell whose one suite runs on a later cell runs nothing.
for c in $run_cells; do
	[ -n "$(cell_suites "${c%%:*}" "${c#*:}")" ] || run_cells=$(echo " $run_cells " | sed "s| $c | |; s|^ ||; s| $||")
done
# Every suite any cell runs, each once: what --stress, a timing and the
# benchmark table depend on; the --cell values as the run understood
# them, for the summary.
run_suites='' asked_cells=''
for c in $run_cells; do
	run_suites="$run_suites $(cell_suites "${c%%:*}" "${c#*:}" | tr '\n' ' ')"
	# as given: bare (the run's suites), and with the suites it names
	if [ -n "$cells" ] && { [ -z "${cell_given[$c]:-}" ] || [ -n "${cell_default[$c]:-}" ]; }; then
		asked_cells="$asked_cells $c"
	fi
	named=$(for s in $(cell_list "${c%%:*}" "${c#*:}"); do
		if names_suite "$c" "$s"; then echo "$s"; fi
	done | paste -sd, -)
	[ -z "$named" ] || asked_cells="$asked_cells $c:$named"
done
for s in $all_suites; do
	case " $run_suites " in *" $s "*) ;; *) continue ;; esac
	! suite_needs "$s" seconds || [ -n "$stress" ] || die "the $s suite needs --stress SECONDS"
done
# A suite that wants the machine to itself (a benchmark): nothing boots
# beside another cell's boots in a run that has one.
run_alone=
for s in $run_suites; do
	if suite_needs "$s" alone; then run_alone=1; fi
done

if [ -n "$list" ]; then
	# The cell matrix: a row per cell, a column per suite any cell runs.
	set --
	for s in $all_suites; do case " $run_suites " in *" $s "*) set -- "$@" "$s" ;; esac; done
	for c in $run_cells; do
		printf '%s/%s' "${c%%:*}" "${c#*:}"
		for s in "$@"; do
			case " $(cell_suites "${c%%:*}" "${c#*:}" | tr '\n' ' ') " in
			*" $s "*) printf '\t%s' yes ;; *) printf '\t-' ;;
			esac
		done
		echo
	done | { printf 'cell'; printf '\t%s' "$@"; echo; cat; } |
		awk -F'\t' '{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
			END { for (r = 1; r <= NR; r++) { line = ""
				for (i = 1; i <= NF; i++) line = line sprintf("%-" w[i] + 2 "s", cell[r, i])
				sub(/ +$/, "", line); print line } }'
	exit 0
fi

case ${JOBS:-1} in
''|*[!0-9]*|0) die "-j needs a positive number, not '${JOBS}'" ;;
esac
export JOBS FLAVOURS=$flavours

if [ -n "$shell" ]; then
	read -r -a shell_trees <<<"$trees"
	if [ ${#shell_trees[@]} -ne 1 ] || [ ${#arches[@]} -ne 1 ]; then
		die "--shell boots one cell: give one --tree and one --arch (or one --cell)"
	fi
	t=${shell_trees[0]} a=${arches[0]}
	if ! { "$REPO/scripts/setup.sh" && "$REPO/scripts/fetch-tree.sh" &&
	       "$REPO/scripts/prepare-tree.sh" "$t" && "$REPO/scripts/build-kernel.sh" "$t" "$a" &&
	       "$REPO/scripts/build-kselftest.sh" "$t" "$a" &&
	       "$REPO/scripts/make-initramfs.sh" "$t" "$a"; } >/dev/null; then
		die "could not make the $t/$a kernel and initramfs (run without --shell to see why)"
	fi
	exec "$REPO/scripts/shell.sh" "$t" "$a"
fi

mkdir -p "$RESULTS" "$LOGS"
find "$RESULTS" -maxdepth 1 -type f -delete	# results of earlier runs; not mutants/
steps=$RESULTS/.steps.tsv expected=$RESULTS/.expected.tsv notrun=$RESULTS/.notrun.tsv
: >"$steps"
: >"$expected"
: >"$notrun"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
failed=0
# Every suite the run must leave a result for, written before anything
# runs: a run that dies half way still fails each one it never got to.
for c in $run_cells; do
	for s in $(tested_suites "${c%%:*}" "${c#*:}"); do
		printf '%s\t%s\t%s\n' "${c%%:*}" "${c#*:}" "$s" >>"$expected"
	done
done
fit_any='' fit_none=''
[ -z "$self_test" ] || printf 'repo\thost\t%s\n' harness submission >>"$expected"

# step NAME TREE ARCH CMD...: run one step, log it, and print one line
# when it ends (steps of two cells may overlap, see boots), with
# $step_note after the time if set.
step_note=
step() {
	local name=$1 tree=$2 arch=$3 log t0 start rc=0 line
	shift 3
	log=$LOGS/${tree:+$tree-}${arch:+$arch-}$name.log
	start=$(date +%H:%M:%S)
	line=$(printf '%-8s %-9s %-7s %-16s ' "$start" "${tree:--}" "${arch:--}" "$name")
	t0=$(date +%s)
	if [ -n "$verbose" ]; then
		echo "$line started" >&2
		# The step's status, not tee's: a failed step must never look ok.
		"$@" 2>&1 | tee "$log" >&2
		rc=${PIPESTATUS[0]}
	else
		"$@" >"$log" 2>&1 || rc=$?
	fi
	local secs=$(($(date +%s) - t0))
	printf '%s\t%s\t%s\t%s\t%s\n' "${tree:--}" "${arch:--}" "$name" "$secs" "$rc" >>"$steps"
	if [ "$rc" = 0 ]; then
		printf '%sok     %5ss%s\n' "$line" "$secs" "${step_note:+  $step_note}" >&2
	else
		{ printf '%sFAILED %5ss%s  (log: %s)\n' "$line" "$secs" "${step_note:+  $step_note}" \
			"${log#"$REPO"/}"
		  tail -n 15 "$log" | sed 's/^/    | /'; } >&2
	fi
	return "$rc"
}

# boots TREE ARCH STEP...: the steps that boot a cell's kernel (each STEP
# a suite, run by scripts/run-<suite>.sh TREE ARCH), in the background once
# the previous cell's boots ended: one cell boots while the next one
# builds.  wait_boots waits for them and fails the run if one failed.
# They run under KVM when the arch's probe, once per run, says it works
# (lib.sh boot_accel), else under TCG; each step line says which.
boots_pid=
boots() {
	local tree=$1 arch=$2 s
	shift 2
	wait_boots
	(
		rc=0
		load_arch "$arch"
		src=$(tree_src "$tree") out=$(tree_build "$tree" "$arch")
		boot_accel
		step_note="($ARENA_KFAULT_ACCEL)"
		for s in "$@"; do
			set -- "$tree" "$arch"
			! suite_needs "$s" seconds || set -- "$@" "$stress"
			step "$s" "$tree" "$arch" "$REPO/scripts/run-${s//_/-}.sh" "$@" || rc=1
		done
		exit $rc
	) &
	boots_pid=$!
	[ -z "$run_alone" ] || wait_boots
}
wait_boots() {
	[ -n "$boots_pid" ] || return 0
	wait "$boots_pid" || failed=1
	boots_pid=
}
# A background job ignores SIGINT: stop its QEMU ourselves.
# shellcheck disable=SC2317	# called from the trap
kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do kill_tree "$c"; done
	kill "$1" 2>/dev/null || true
}
setup_pid=
trap '[ -z "$boots_pid" ] || kill_tree "$boots_pid"; [ -z "$setup_pid" ] || kill_tree "$setup_pid"; exit 130' INT TERM

if [ -n "$kdir" ]; then
	step setup "" "" "$REPO/scripts/setup.sh" || die "toolchain setup failed"
	step import-tree "" "" "$REPO/scripts/import-tree.sh" "$kdir" ||
		die "cannot use --kdir $kdir"
	SRC_ID=$(tail -1 "$LOGS/import-tree.log")
	kernel_version="kdir:$kdir"
	if [ "$SRC_ID" = debian ]; then
		kernel_version+=" (= $KERNEL_PACKAGE $(cat "$CACHE/src/debian/.arena-kfault-version"))"
		info "--kdir $kdir is $KERNEL_PACKAGE as the harness fetches it: its trees, build trees and known failures apply"
	fi
else
	# Debian's source package needs nothing of the toolchain root (the
	# import of a --kdir tree does): on a cold cache both download at once.
	step setup "" "" "$REPO/scripts/setup.sh" &
	setup_pid=$!
	fetch_rc=0
	step fetch-tree "" "" "$REPO/scripts/fetch-tree.sh" || fetch_rc=$?
	wait "$setup_pid" || die "toolchain setup failed"
	[ "$fetch_rc" = 0 ] || die "cannot get the kernel source"
	kernel_version="$KERNEL_PACKAGE $(tail -1 "$LOGS/fetch-tree.log")"
fi
use_source "$SRC_ID"

# build_for BUILD TREE ARCH: the steps that make what a boot needs besides
# the cell's kernel (configs/suites, "build").
build_for() {
	case $1 in
	-) ;;
	# The kselftests' initramfs also carries the must-oops trigger, the
	# stress and the benchmark programs.
	initramfs)
		step kselftest-build "$2" "$3" "$REPO/scripts/build-kselftest.sh" "$2" "$3" &&
		step initramfs "$2" "$3" "$REPO/scripts/make-initramfs.sh" "$2" "$3" ;;
	# Upstream's own selftests/bpf boot the same kernel with an initramfs
	# of their own.
	bpf) step bpf-selftests-build "$2" "$3" "$REPO/scripts/build-bpf-selftests.sh" "$2" "$3" ;;
	esac
}

# not_run TREE ARCH WHY SUITE...: the suites will leave no result, and why.
not_run() {
	local tree=$1 arch=$2 why=$3 s
	shift 3
	for s in "$@"; do printf '%s\t%s\t%s\t%s\n' "$tree" "$arch" "$s" "$why" >>"$notrun"; done
}

# run_cell TREE ARCH: one cell of a prepared tree: what the tree fits, the
# kernel, what the boots need besides it, then the boots (in the
# background: the next cell builds meanwhile).  A cell whose kernel could
# not be made boots nothing of it: its build directory may hold an older
# kernel, which must not be tested.
run_cell() {
	local tree=$1 arch=$2 runs fits s build cell_kernel cell_boots=
	# What the tree fits (scripts/check-fit.py reads
	# configs/suite-requirements): a suite it does not is not run, and
	# one line says what the tree lacks (a skip on a --kdir tree).
	runs=$(cell_suites "$tree" "$arch" | tr '\n' ' ')
	# shellcheck disable=SC2086
	if step fit "$tree" "$arch" python3 "$REPO/scripts/check-fit.py" --src "$(tree_src "$tree")" \
		--tree "$tree" --arch "$arch" --not-run "$notrun" $runs; then
		[ -n "$verbose" ] || sed 's/^/    /' "$LOGS/$tree-$arch-fit.log" >&2
	else
		failed=1
	fi
	fits=
	for s in $runs; do
		awk -F'\t' -v k="$tree:$arch:$s" '$1":"$2":"$3 == k && $5 == "unfit" { f = 1 }
			END { exit !f }' "$notrun" || fits="$fits $s"
	done
	[ -n "$fits" ] || { fit_none=1; return 0; }
	fit_any=1
	# The cell's kernel only when a suite boots it (a cell of kunit_tool
	# alone builds none: it configures and builds its own).
	cell_kernel=
	for s in $fits; do
		if suite_is "$s" boots cell; then cell_kernel=1; fi
	done
	if [ -z "$cell_kernel" ]; then
		:
	elif step build "$tree" "$arch" "$REPO/scripts/build-kernel.sh" "$tree" "$arch"; then
		for build in - initramfs bpf; do
			set --
			for s in $fits; do
				if suite_is "$s" boots cell && suite_is "$s" build "$build"; then set -- "$@" "$s"; fi
			done
			[ $# -gt 0 ] || continue
			if build_for "$build" "$tree" "$arch"; then
				cell_boots="$cell_boots $*"
			else
				failed=1
				not_run "$tree" "$arch" "build failed" "$@"
			fi
		done
	else
		failed=1
		for s in $(tested_suites "$tree" "$arch"); do
			if suite_is "$s" boots cell; then not_run "$tree" "$arch" "build failed" "$s"; fi
		done
	fi
	# A suite that builds a kernel of its own runs whatever became of
	# the cell's.
	for s in $fits; do
		if suite_is "$s" boots own; then cell_boots="$cell_boots $s"; fi
	done
	# shellcheck disable=SC2086
	[ -z "$cell_boots" ] || boots "$tree" "$arch" $cell_boots
}

for tree in $trees; do
	tree_arches=()
	for arch in "${arches[@]}"; do
		case " $run_cells " in *" $tree:$arch "*) tree_arches+=("$arch") ;; esac
	done
	[ ${#tree_arches[@]} -gt 0 ] || continue
	if ! step prepare "$tree" "" "$REPO/scripts/prepare-tree.sh" "$tree"; then
		failed=1
		for arch in "${tree_arches[@]}"; do
			# shellcheck disable=SC2046
			not_run "$tree" "$arch" "prepare failed" $(tested_suites "$tree" "$arch")
		done
		continue
	fi
	for arch in "${tree_arches[@]}"; do
		run_cell "$tree" "$arch"
	done
done
wait_boots
# A run whose tree fits nothing it asked for tested nothing: no pass.
[ -n "$fit_any" ] || [ -z "$fit_none" ] || failed=1

if [ -n "$self_test" ]; then
	step harness repo host python3 "$REPO/scripts/run-harness-tests.py" \
		--json "$RESULTS/repo-host-harness.json" || failed=1
	step submission repo host "$REPO/scripts/submission-checks.sh" \
		"$RESULTS/repo-host-submission.json" || failed=1
fi

benchmark=
for s in $run_suites; do
	if suite_is "$s" kind benchmark; then benchmark=1; fi
done
if [ -n "$benchmark" ]; then
	echo >&2
	python3 "$REPO/scripts/results.py" bench-table --results "$RESULTS" \
		--trees "$all_trees" >&2 || failed=1
fi

flavour_args=()
for f in $flavours; do flavour_args+=(--flavour "$f"); done
patches=()
for d in $(all_patch_dirs); do
	for p in "$REPO/kernel-patches/$d"/*.patch; do
		if [ -f "$p" ]; then patches+=(--patch "$p"); fi
	done
done
echo >&2
# Trees not run by default (base) may lack what a suite needs: a skip there.
may_not_fit=$(optional_trees)
python3 "$REPO/scripts/results.py" summary --results "$RESULTS" \
	--steps "$steps" --expected "$expected" "${patches[@]}" \
	--known-failures "$REPO/configs/known-failures.conf" --source "$SRC_ID" \
	${may_not_fit:+--may-not-fit "$may_not_fit"} \
	"${flavour_args[@]}" \
	--not-run "$notrun" --expected-cases "$REPO/configs/expected-cases" \
	--info started="$started" --info finished="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--info kernel="$kernel_version" --info source="$SRC_ID" --info trees="$trees" \
	--info arches="${arches[*]}" --info flavours="${flavours# }" \
	--info accel="$(for a in "${arches[@]}"; do
		[ ! -s "$RESULTS/.accel-$a" ] || printf '%s: %s; ' "$a" "$(cat "$RESULTS/.accel-$a")"
	done)" \
	--asked trees="$trees" --asked arches="${arches[*]}" --asked cells="${asked_cells# }" \
	--asked suites="$suites" ${self_test:+--asked self_test=1} \
	${filter:+--filter "$filter"} || failed=1
# Each case's status, kept in the cache for the rates of the known failures
# that happen only at times (make rates).
if [ -f "$RESULTS/summary.json" ]; then
	python3 "$REPO/scripts/results.py" history-add "$RESULTS/summary.json" \
		--source "$SRC_ID" --history "$CACHE/history" ||
		warn "this run's statuses were not kept in $CACHE/history"
fi
if [ -n "$timings" ]; then
	echo >&2
	python3 "$REPO/scripts/results.py" timings --logs "$LOGS" "$RESULTS/summary.json" >&2
fi
exit $failed
