# shellcheck shell=bash
# Common helpers for the harness scripts: paths, logging, errors.
# Sourced, never executed.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../configs/source.conf
. "$REPO/configs/source.conf"

# Downloads, the toolchain root, kernel sources and build trees live here,
# outside the clone, so that later runs (CI included) reuse them.
CACHE=${ARENA_KFAULT_CACHE:-$HOME/.cache/arena-kfault}
ROOT=$CACHE/root                # debootstrap'd toolchain root
# Which kernel source: "debian" ($KERNEL_PACKAGE) or "kdir-<hash>", a
# snapshot of the user's --kdir tree (scripts/import-tree.sh).
# The identity the patch series are kept under until a submitter re-signs
# them (scripts/format-series.sh).
# shellcheck disable=SC2034	# for the scripts that source this
PLACEHOLDER_NAME="arena-kfault developers"
# shellcheck disable=SC2034
PLACEHOLDER_EMAIL=dev@arena-kfault.invalid

# use_source ID: point SRC (the pristine kernel source, a git repository)
# and WORK (per-tree worktrees and per-arch build dirs) at source ID.
use_source() {
	SRC_ID=$1
	# shellcheck disable=SC2034	# for the scripts that source this
	SRC=$CACHE/src/$SRC_ID
	WORK=$CACHE/work/$SRC_ID
	export SRC_ID
}
use_source "${SRC_ID:-debian}"
BUILD=${ARENA_KFAULT_BUILD:-$REPO/build}   # results and logs of this clone
RESULTS=${ARENA_KFAULT_RESULTS:-$BUILD/results}
PATCH_DIR=${PATCH_DIR:-$REPO/kernel-patches}   # base/, series/, test/
LOGS=${ARENA_KFAULT_LOGS:-$BUILD/logs}
# The toolchain root sees the clone and the cache; results and logs kept
# elsewhere are bound in too (in_root), at the same paths.
for _d in "$RESULTS" "$LOGS"; do
	case $_d in
	/*) ;;
	*) echo "error: ARENA_KFAULT_RESULTS and ARENA_KFAULT_LOGS must be absolute paths, not '$_d'" >&2
	   exit 1 ;;
	esac
	case $_d/ in
	"$REPO"/*|"$CACHE"/*) ;;
	*) case " ${ROOT_BINDS:-} " in *" $_d "*) ;; *) ROOT_BINDS="${ROOT_BINDS:-} $_d" ;; esac ;;
	esac
done
unset _d
export ROOT_BINDS

die() {
	echo "error: $*" >&2
	exit 1
}

warn() {
	echo "warning: $*" >&2
}

info() {
	echo "  $*" >&2
}

# need CMD...: fail with one clear line when a host tool is missing.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "required host tool '$c' not found (run: make deps)"
	done
}

# in_root CMD...: run CMD inside the toolchain root, with the clone, the
# cache and $ROOT_BINDS (space separated) visible at their host paths, and
# no /dev/kvm unless ARENA_KFAULT_ACCEL=kvm (boot_accel: QEMU falls back to
# TCG without it, see README).
in_root() {
	[ -x "$ROOT/usr/bin/clang-19" ] ||
		die "toolchain root $ROOT is missing or incomplete (run: make deps)"
	REPO_BIND=$REPO CACHE_BIND=$CACHE CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$CACHE/work \
		unshare --mount --propagation private -- \
		"$REPO/scripts/enter-root.sh" "$ROOT" "$PWD" "$@"
}

# Read the per-arch table (configs/arches.conf) into ARCH_* variables.
load_arch() {
	local arch=$1 line
	line=$(awk -v a="$arch" '$1 == a' "$REPO/configs/arches.conf")
	[ -n "$line" ] || die "unknown arch '$arch' (known: $(known_arches))"
	# shellcheck disable=SC2034
	read -r ARCH_NAME ARCH_KARCH ARCH_SRCARCH ARCH_CROSS ARCH_DEB ARCH_CLANG \
		ARCH_QEMU_PKG ARCH_CROSS_PKG ARCH_OOPS <<<"$line"
	[ "$ARCH_CROSS" = "-" ] && ARCH_CROSS=
	[ "$ARCH_CROSS_PKG" = "-" ] && ARCH_CROSS_PKG=
	return 0
}

known_arches() {
	awk '!/^#/ && NF { printf "%s%s", sep, $1; sep = " " }' \
		"$REPO/configs/arches.conf"
}

# The trees (configs/trees.conf), read here only.  load_tree NAME: its line
# into TREE_* variables (TREE_PATCHES comma-separated, TREE_SUBJECT "-"
# when it is not sent); an unknown name or a malformed line is an error.
TREES_CONF=$REPO/configs/trees.conf
load_tree() {
	local line why
	line=$(awk -v t="$1" '!/^#/ && $1 == t' "$TREES_CONF")
	[ -n "$line" ] || die "unknown tree '$1' (known: $(known_trees))"
	# shellcheck disable=SC2034
	read -r TREE_NAME TREE_DEFAULT TREE_SOURCE TREE_FIXES_TESTS TREE_PATCHES TREE_SUBJECT <<<"$line"
	why=$(tree_row_problems)
	[ -z "$why" ] || die "${TREES_CONF#"$REPO"/}: tree $1: $why"
}

# tree_row_problems: what is wrong with the loaded tree's line, if anything.
tree_row_problems() {
	local d
	case $TREE_DEFAULT in yes|no) ;; *) echo "default is yes or no, not '$TREE_DEFAULT'"; return ;; esac
	case $TREE_SOURCE in feature|pre-feature|either) ;;
	*) echo "source is feature, pre-feature or either, not '$TREE_SOURCE'"; return ;; esac
	case $TREE_FIXES_TESTS in yes|no) ;; *) echo "fixes-tests is yes or no, not '$TREE_FIXES_TESTS'"; return ;; esac
	[ -n "$TREE_SUBJECT" ] || { echo "want name, default, source, fixes-tests, patches and subject"; return; }
	# (a directory that is not there applies nothing: a PATCH_DIR of one's
	# own may hold only some; the self-checks see that the repo's are there)
	for d in ${TREE_PATCHES//,/ }; do
		case ${d%\?} in
		''|*[!a-z0-9_-]*) echo "patches are directory names of kernel-patches/, not '$d'"; return ;;
		esac
	done
	if [ "$TREE_SUBJECT" != - ]; then
		case ,$TREE_PATCHES, in *,"$TREE_NAME",*) ;;
		*) echo "a tree that is sent sends kernel-patches/$TREE_NAME/, which it does not apply"; return ;; esac
	fi
}

# known_trees, default_trees: every tree, the trees of "all"; in the
# table's order, which is the run's.
known_trees() {
	awk '!/^#/ && NF { printf "%s%s", sep, $1; sep = " " }' "$TREES_CONF"
}
default_trees() {
	awk '!/^#/ && NF && $2 == "yes" { printf "%s%s", sep, $1; sep = " " }' "$TREES_CONF"
}
# optional_trees: the others, run only when named (base).
optional_trees() {
	awk '!/^#/ && NF && $2 != "yes" { printf "%s%s", sep, $1; sep = " " }' "$TREES_CONF"
}
# sent_trees: the trees whose own patch directory is sent (a subject).
sent_trees() {
	awk '!/^#/ && NF && $6 != "-" { printf "%s%s", sep, $1; sep = " " }' "$TREES_CONF"
}
# load_sent_tree NAME: load_tree for a tree whose kernel-patches/NAME/ is
# sent (SERIES=NAME of the *-series.sh scripts).
load_sent_tree() {
	load_tree "$1"
	[ "$TREE_SUBJECT" != - ] ||
		die "the $1 tree is not sent (configs/trees.conf; sent: $(sent_trees))"
}
# all_patch_dirs: every patch directory of the table, each once, in an
# order each tree's own agrees with (base series fixes test).
all_patch_dirs() {
	awk '!/^#/ && NF {
		n = split($5, d, ",")
		for (i = n; i >= 1; i--) {
			sub(/\?$/, "", d[i])
			if (d[i] in seen) continue
			seen[d[i]] = 1
			# before the next directory of this line already listed
			at = len + 1
			for (j = i + 1; j <= n && at > len; j++)
				for (k = 1; k <= len; k++) if (dirs[k] == d[j]) { at = k; break }
			for (k = ++len; k > at; k--) dirs[k] = dirs[k - 1]
			dirs[at] = d[i]
		}
	} END { for (k = 1; k <= len; k++) printf "%s%s", (k > 1 ? " " : ""), dirs[k] }' "$TREES_CONF"
}

# The suites (configs/suites), read here for the scripts (and by
# results_judge.py's read_suites for its verdicts).  load_suite NAME: its
# line into SUITE_* variables; an unknown name or a malformed line is an
# error.
SUITES_CONF=$REPO/configs/suites
load_suite() {
	local line why
	line=$(awk -v s="$1" '!/^#/ && $1 == s' "$SUITES_CONF")
	[ -n "$line" ] || die "unknown suite '$1' (known: $(known_suites))"
	# shellcheck disable=SC2034
	read -r SUITE_NAME SUITE_DEFAULT SUITE_KIND SUITE_CELLS SUITE_BOOTS SUITE_BUILD \
		SUITE_CASES SUITE_NEEDS SUITE_WHAT <<<"$line"
	why=$(suite_row_problems)
	[ -z "$why" ] || die "${SUITES_CONF#"$REPO"/}: suite $1: $why"
}

# suite_row_problems: what is wrong with the loaded suite's line, if anything.
suite_row_problems() {
	local n
	[ -n "$SUITE_WHAT" ] || { echo "want name, default, kind, cells, boots, build, cases, needs and what"; return; }
	case $SUITE_DEFAULT in yes|no) ;; *) echo "default is yes or no, not '$SUITE_DEFAULT'"; return ;; esac
	case $SUITE_KIND in test|benchmark) ;; *) echo "kind is test or benchmark, not '$SUITE_KIND'"; return ;; esac
	case $SUITE_CELLS in every|last) ;; *) echo "cells is every or last, not '$SUITE_CELLS'"; return ;; esac
	case $SUITE_BOOTS in cell|own) ;; *) echo "boots is cell or own, not '$SUITE_BOOTS'"; return ;; esac
	case $SUITE_BUILD in -|initramfs|bpf) ;; *) echo "build is -, initramfs or bpf, not '$SUITE_BUILD'"; return ;; esac
	[ "$SUITE_CASES" = - ] || awk -v s="$SUITE_CASES" '!/^#/ && $1 == s { f = 1 } END { exit !f }' "$SUITES_CONF" ||
		{ echo "cases names no suite: '$SUITE_CASES'"; return; }
	for n in ${SUITE_NEEDS//,/ }; do
		case $n in -|filter|seconds|alone) ;; *) echo "needs are filter, seconds or alone, not '$n'"; return ;; esac
	done
	[ -x "$REPO/scripts/run-${SUITE_NAME//_/-}.sh" ] || echo "no scripts/run-${SUITE_NAME//_/-}.sh"
}

# known_suites, default_suites: every suite, the suites run when --only
# does not say; in the table's order, which is the run's.
known_suites() {
	awk '!/^#/ && NF { printf "%s%s", sep, $1; sep = " " }' "$SUITES_CONF"
}
default_suites() {
	awk '!/^#/ && NF && $2 == "yes" { printf "%s%s", sep, $1; sep = " " }' "$SUITES_CONF"
}
# suite_is NAME COLUMN VALUE: whether NAME's COLUMN (default, kind, cells,
# boots, build, cases) is VALUE.
suite_is() {
	local col
	case $2 in
	default) col=2 ;; kind) col=3 ;; cells) col=4 ;; boots) col=5 ;; build) col=6 ;; cases) col=7 ;;
	*) die "suite_is: no column '$2' in configs/suites" ;;
	esac
	awk -v s="$1" -v c="$col" -v v="$3" '!/^#/ && $1 == s { found = ($c == v) }
		END { exit !found }' "$SUITES_CONF"
}
# suite_needs NAME NEED: whether NAME's needs include NEED.
suite_needs() {
	awk -v s="$1" -v n="$2" '!/^#/ && $1 == s { found = index("," $8 ",", "," n ",") }
		END { exit !found }' "$SUITES_CONF"
}
# suites_needing NEED: the suites whose needs include NEED.
suites_needing() {
	awk -v n="$1" '!/^#/ && NF && index("," $8 ",", "," n ",") { printf "%s%s", sep, $1; sep = " " }' \
		"$SUITES_CONF"
}
# suites_help INDENT: a line per suite for --help: "*" when it runs by
# default, its name and what it is (what is said of it in its columns on
# a line of its own when the line would be too long).
suites_help() {
	awk -v indent="$1" '!/^#/ && NF {
		what = $0
		for (i = 1; i <= 8; i++) sub(/^[ \t]*[^ \t]+/, "", what)
		sub(/^[ \t]+/, "", what)
		more = ""
		if ($4 == "last") more = more "; once, on the last cell"
		if ($3 == "benchmark") more = more "; not a test"
		line = sprintf("%s%s %-14s %s", indent, ($2 == "yes" ? "*" : " "), $1, what)
		if (more != "" && length(line more) > 79)
			more = sprintf("\n%" length(indent) + 17 "s%s", "", substr(more, 3))
		print line more
	}' "$SUITES_CONF"
}

# has_feature SRC: whether the kernel source at SRC has the merged feature.
has_feature() {
	grep -q bpf_arena_handle_page_fault "$1/kernel/bpf/arena.c"
}

# tree_dirs TREE SRC: TREE_DIRS, the patch directories of TREE to apply to
# the source SRC, in order, after checking what the tree needs of the
# source (its "source" column: an error when SRC does not have it).
tree_dirs() {
	local d skipped=''
	TREE_DIRS=
	load_tree "$1"
	if has_feature "$2"; then
		[ "$TREE_SOURCE" != pre-feature ] ||
			die "the $1 tree needs a source from before the feature, and $2 has it"
	else
		[ "$TREE_SOURCE" != feature ] ||
			die "the $1 tree needs the merged feature, and $2 has none"
	fi
	for d in ${TREE_PATCHES//,/ }; do
		case $d in
		*\?) if has_feature "$2"; then TREE_DIRS="$TREE_DIRS ${d%\?}"; else skipped="$skipped ${d%\?}"; fi ;;
		*) TREE_DIRS="$TREE_DIRS $d" ;;
		esac
	done
	if ! has_feature "$2"; then
		if [ -n "$skipped" ]; then
			for d in $skipped; do info "source predates the feature: skipping kernel-patches/$d/"; done
		else
			warn "$1 tree requested, but $2 has no arena kernel-fault recovery"
		fi
	fi
	TREE_DIRS=${TREE_DIRS# }
}

# busybox_for DEBIAN_ARCH: the path of Debian's busybox-static for that
# arch, downloaded once into the cache.
busybox_for() {
	local bb=$CACHE/busybox/$1/usr/bin/busybox bb_debs
	if [ ! -x "$bb" ]; then
		mkdir -p "$CACHE/debs" "$CACHE/busybox/$1"
		(cd "$CACHE/debs" && in_root apt-get -o APT::Sandbox::User=root download -q "busybox-static:$1") \
			>/dev/null || die "cannot download busybox-static:$1"
		bb_debs=("$CACHE"/debs/busybox-static_*_"$1".deb)
		dpkg-deb -x "${bb_debs[-1]}" "$CACHE/busybox/$1"
	fi
	echo "$bb"
}

# kernel_inputs_id TEXT...: an id of what a kernel build of $src is made
# from: the tree's commit, its uncommitted changes, its untracked files (the
# kunit/ copies; not tools/testing/selftests/, where the test builds also
# write), the toolchain root's packages and TEXT (kunit.py's arguments and
# config).
kernel_inputs_id() {
	{
		git -C "$src" rev-parse HEAD
		git -C "$src" diff --binary HEAD -- . ':!:tools/testing/selftests/'
		git -C "$src" ls-files -z --others --exclude-standard -- . \
			':!:tools/testing/selftests/' ':!:*/__pycache__/*' ':!:.kunit-*' |
			(cd "$src" && xargs -0r sha1sum)
		sha1sum <"$ROOT/var/lib/dpkg/status"
		printf '%s\n' "$@"
	} | sha1sum | cut -c1-16
}

# up_to_date STAMP ID: whether the build that wrote STAMP had the inputs
# ID (run_tests.sh --rebuild, REBUILD=1: never).  Otherwise STAMP goes, to
# be written again only when the new build succeeds (built STAMP ID).
up_to_date() {
	[ -z "${REBUILD:-}" ] && [ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0
	rm -f "$1"
	return 1
}
built() { echo "$2" >"$1"; }

# boot_setup SUITE [bpf]: for the scripts that boot a suite: $img (the
# kselftest initramfs of $out, or with "bpf" the bpf_selftests one), $name
# (TREE-ARCH-SUITE) with its earlier results and consoles removed, and the
# kernel source as the working directory.
boot_setup() {
	name=$tree-$ARCH_NAME-$1
	if [ "${2:-}" = bpf ]; then
		img=$out/bpf-selftests.cpio.gz
		[ -f "$img" ] || die "no initramfs at $img (run: scripts/build-bpf-selftests.sh $tree $ARCH_NAME)"
	else
		img=$out/kselftest-initramfs.cpio.gz
		[ -f "$img" ] || die "no initramfs at $img (run: scripts/make-initramfs.sh $tree $ARCH_NAME)"
	fi
	mkdir -p "$RESULTS" "$LOGS"
	rm -f "$RESULTS/$name".* "$LOGS/$name".console "$LOGS/$name"-*.console
	cd "$src" || die "no kernel source at $src"
}

# boot_guest INITRD CONSOLE TIMEOUT PARAMS: boot the $out kernel of $src for
# the loaded arch in QEMU (scripts/boot.py: kunit.py's machine for it) with
# INITRD and the kernel parameters PARAMS, the console into CONSOLE, for at
# most TIMEOUT seconds, and given up (status 3) when the guest's /init has
# not started within BOOT_ALIVE_TIMEOUT seconds (default: 120, scaled).
# Run from the kernel source.  boot.py's status (4: the kernel panicked).
boot_guest() {
	in_root python3 "$REPO/scripts/boot.py" --src="$src" --build-dir="$out" \
		--arch="$ARCH_KARCH" ${ARCH_CROSS:+--cross-compile="$ARCH_CROSS"} \
		--initrd="$1" --console="$2" --timeout="$3" --append="$4" \
		--alive="$GUEST_ALIVE" --alive-timeout="${BOOT_ALIVE_TIMEOUT:-$(scaled 120)}"
}
# The line scripts/guest-init.sh prints first.
GUEST_ALIVE='# arena-kfault: /init started at'

# kvm_probe: whether QEMU runs a guest of the loaded arch under KVM here:
# "kvm", or "tcg: WHY".  Fails fast without a KVM for the arch (a foreign
# arch, no usable /dev/kvm: $KVM_DEVICE); else boots the $out kernel of
# $src with a tiny initramfs (busybox and scripts/guest-init.sh) with
# -accel kvm alone (scripts/boot.py --probe-accel), which must reach the
# init's first line within KVM_PROBE_TIMEOUT seconds (default 10): a KVM
# without nested virtualisation can hang a guest instead of refusing it.
# Console: $LOGS/ARCH-kvm-probe.console.
kvm_probe() {
	local host dev=${KVM_DEVICE:-/dev/kvm} img why
	host=$(dpkg --print-architecture 2>/dev/null || uname -m)
	[ "$ARCH_DEB" = "$host" ] || { echo "tcg: KVM runs no $ARCH_NAME guest on this $host host"; return; }
	[ -c "$dev" ] || { echo "tcg: no $dev"; return; }
	if [ ! -r "$dev" ] || [ ! -w "$dev" ]; then echo "tcg: $dev is not ours to use"; return; fi
	[ -f "$out/vmlinux" ] || { echo "tcg: no kernel to probe with at $out"; return; }
	mkdir -p "$LOGS"
	img=$CACHE/kvm-probe/$ARCH_NAME.cpio.gz
	if [ ! -f "$img" ] || [ "$REPO/scripts/guest-init.sh" -nt "$img" ]; then
		if ! (initramfs_stage "$CACHE/kvm-probe/$ARCH_NAME" &&
			initramfs_pack "$CACHE/kvm-probe/$ARCH_NAME" "$img") >"$LOGS/$ARCH_NAME-kvm-probe.log" 2>&1; then
			echo "tcg: cannot make the probe's initramfs ($LOGS/$ARCH_NAME-kvm-probe.log)"
			return
		fi
	fi
	if why=$(cd "$src" && ARENA_KFAULT_ACCEL=kvm in_root python3 "$REPO/scripts/boot.py" \
		--src="$src" --build-dir="$out" --arch="$ARCH_KARCH" \
		${ARCH_CROSS:+--cross-compile="$ARCH_CROSS"} --initrd="$img" --append=quiet \
		--console="$LOGS/$ARCH_NAME-kvm-probe.console" --probe-accel=kvm \
		--alive="$GUEST_ALIVE" --alive-timeout="${KVM_PROBE_TIMEOUT:-10}" 2>&1); then
		echo kvm
	else
		echo "tcg: ${why##*$'\n'}"
	fi
}

# boot_accel: ARENA_KFAULT_ACCEL (exported), the accelerator of this run's
# boots of the loaded arch, "kvm" or "tcg", and ACCEL_WHY: kvm_probe's,
# run once per run and arch (kept in $RESULTS/.accel-ARCH, which a new run
# of run_tests.sh clears), unless ARENA_KFAULT_ACCEL was set.  The toolchain
# root has a /dev/kvm only with kvm (scripts/enter-root.sh); kunit.py and
# boot.py ask QEMU for KVM first and fall back to TCG without it.
boot_accel() {
	local cache=$RESULTS/.accel-$ARCH_NAME
	if [ -n "${ARENA_KFAULT_ACCEL:-}" ]; then
		ACCEL_WHY="ARENA_KFAULT_ACCEL=$ARENA_KFAULT_ACCEL"
	else
		[ -s "$cache" ] || { mkdir -p "$RESULTS" && kvm_probe >"$cache"; }
		ACCEL_WHY=$(cat "$cache")
		ARENA_KFAULT_ACCEL=${ACCEL_WHY%%:*}
	fi
	case $ARENA_KFAULT_ACCEL in
	kvm|tcg) ;;
	*) die "ARENA_KFAULT_ACCEL is kvm or tcg, not '$ARENA_KFAULT_ACCEL'" ;;
	esac
	export ARENA_KFAULT_ACCEL
}

# retry_stalled_boot CONSOLE PATTERN CMD...: run CMD, a boot that writes
# CONSOLE.  A boot that never reached user space or whose console never
# matched PATTERN (a rare TCG stall in early boot, before any test ran) is
# retried once, its console kept as CONSOLE.stalled; one that reached the
# tests never is, and neither is one whose console shows a splat (a panic
# or an oops in early boot is a failure, not a stall): that one returns
# non-zero, its console left in place.  Returns CMD's exit status of the
# last attempt.
retry_stalled_boot() {
	local console=$1 pattern=$2 attempt rc
	shift 2
	for attempt in 1 2; do
		rc=0
		"$@" || rc=$?
		grep -q "$pattern" "$console" 2>/dev/null && break
		[ "$attempt" = 1 ] || break
		cp "$console" "$console.stalled" 2>/dev/null || true
		if splats_in "$console.stalled" >/dev/null; then
			warn "boot crashed before its tests, not retried: $console"
			splats_in "$console.stalled" | head -n 5 | sed 's/^/    /' >&2
			[ "$rc" != 0 ] || rc=1
			break
		fi
		warn "boot never reached its tests, retrying once"
	done
	return "$rc"
}

# splats_in FILE: print the lines of FILE that mean a kernel bug
# (selftests/arena_kfault/splat-patterns); false when there are none.
splats_in() {
	grep -E -f <(grep -v '^#' "$REPO/selftests/arena_kfault/splat-patterns") "$1" 2>/dev/null
}

# ktap_extract CONSOLE NAME: $RESULTS/NAME.ktap, the KTAP lines of CONSOLE
# (kunit.py's extraction).  Run from the kernel source.
ktap_extract() {
	in_root python3 tools/testing/kunit/kunit.py parse --raw_output=kunit "$1" \
		>"$RESULTS/$2.ktap" || true
}

# log_check NAME: add kernel_log_clean to $RESULTS/NAME.json, the one check
# of a boot's kernel log (scripts/results.py log-check): every line of the
# whole console $LOGS/NAME.console that matches
# selftests/arena_kfault/splat-patterns fails it, whichever case, or no
# case, caused it.  Every boot of a suite is checked here, none in the guest.
log_check() {
	python3 "$REPO/scripts/results.py" log-check --console "$LOGS/$1.console" \
		--json "$RESULTS/$1.json"
}

# kunit_collect TEST_LOG NAME RC: after a kunit.py exec or run that ended
# with RC, wrote its JSON to $RESULTS/NAME.json and its own output to
# $LOGS/NAME.kunit-py.log: keep its console log as $LOGS/NAME.console,
# extract the KTAP, and add kernel_log_clean (log_check).  Failed tests are
# results.py's to judge; no log or no JSON is an error, and so is a kernel
# that did not end by itself after its results: kunit.py judges what the
# kernel printed, not how its run ended, so a kernel that hung after its
# last result (kunit.py's --timeout killed it) or died without a splat
# leaves them all, and kunit.py exits 0.
kunit_collect() {
	local log=$1 name=$2 rc=$3
	[ -f "$log" ] || die "kunit.py (exit $rc) left no console log ($log)"
	cp "$log" "$LOGS/$name.console"
	[ -s "$RESULTS/$name.json" ] || die "kunit.py failed (exit $rc) and left no results"
	ktap_extract "$LOGS/$name.console" "$name"
	[ "$rc" = 0 ] || echo "kunit.py: some tests failed (exit $rc); see the summary" >&2
	log_check "$name"
	grep -E "^Command '.*' timed out after|seems to have crashed" "$LOGS/$name.kunit-py.log" >&2 &&
		die "kunit.py: the kernel did not end by itself after its tests"
	[ "$rc" -le 1 ] || die "kunit.py exited $rc"
	grep -qE "reboot: (Restarting system|Power down)" "$LOGS/$name.console" ||
		die "the kernel never shut down after its tests (kunit_shutdown): it hung or died"
}

# ktap_results CONSOLE NAME: ktap_extract, then $RESULTS/NAME.json, kunit.py's
# parse of the KTAP.  Failed tests are not an error here: results.py judges
# them from the JSON.
ktap_results() {
	ktap_extract "$1" "$2"
	json_results "$2"
}

# json_results NAME: $RESULTS/NAME.json from $RESULTS/NAME.ktap.
json_results() {
	in_root python3 tools/testing/kunit/kunit.py parse --json="$RESULTS/$1.json" \
		"$RESULTS/$1.ktap" >/dev/null || true
	[ -s "$RESULTS/$1.json" ] || die "kunit.py parse left no results for $1"
}

# initramfs_stage STAGE: a fresh STAGE directory with busybox for the
# loaded arch and scripts/guest-init.sh as /init (both images use it).
initramfs_stage() {
	rm -rf "$1"
	mkdir -p "$1"/{bin,dev,proc,sys,tmp}
	cp "$(busybox_for "$ARCH_DEB")" "$1/bin/busybox"
	ln -s busybox "$1/bin/sh"	# for /init's #!; the rest is made by busybox --install
	cp "$REPO/scripts/guest-init.sh" "$1/init"
	chmod 755 "$1/init"
}

# initramfs_pack STAGE IMAGE: STAGE as a gzipped newc cpio, in a stable order.
initramfs_pack() {
	# shellcheck disable=SC2016	# expanded by that sh
	in_root sh -c 'cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1 >"$2"' \
		sh "$1" "$2"
}

# Directives: lines of a config fragment (configs/kernel.config, a
# flavour's configs/flavours/NAME.config and NAME.ARCH.config, any file
# scripts/build-kernel.sh merges) for the harness, which Kconfig and
# kunit.py read as comments.  One per line, one value each:
#   # arena-kfault: timeout-factor N    the boots and tests of this kernel
#                                       get N times their timeouts (a slow
#                                       flavour: scaled)
#   # arena-kfault: tree-config PATH    also merge PATH of the tree under
#                                       test, just before this file
#   # arena-kfault: drop-options REGEX  leave the CONFIG_<REGEX> options to
#                                       Kconfig, whichever file set them
# config_directive KEY FILE: the values of FILE's KEY directives, one per
# line (none when FILE does not exist).  A directive that is not one of
# these, and one written the old way ("#KEY VALUE"), is an error.
config_directive() {
	local bad
	[ -f "$2" ] || return 0
	bad=$(awk '
		/^#[ \t]*arena-kfault:/ {
			line = $0
			sub(/^#[ \t]*arena-kfault:[ \t]*/, "", line)
			n = split(line, w, /[ \t]+/)
			if ($0 ~ /^# arena-kfault: [a-z-]+ [^ \t]+$/ && n == 2 &&
			    (w[1] == "timeout-factor" && w[2] ~ /^[1-9][0-9]*$/ ||
			     w[1] == "tree-config" || w[1] == "drop-options")) next
			print FILENAME ":" FNR ": not a directive: " $0; exit
		}
		/^#(timeout-factor|tree-config|drop-options)[ \t]/ {
			print FILENAME ":" FNR ": write \"# arena-kfault: " substr($0, 2) "\""; exit
		}' "$2")
	[ -z "$bad" ] || die "${bad#"$REPO"/} (the directives: scripts/lib.sh, config_directive)"
	sed -n "s/^# arena-kfault: $1 //p" "$2"
}

# known_flavours: the flavours of configs/flavours/ (NAME.config).
known_flavours() {
	local f sep=
	for f in "$REPO"/configs/flavours/*.config; do
		f=${f##*/}
		f=${f%.config}
		case $f in *.*) continue ;; esac
		printf '%s%s' "$sep" "$f"
		sep=' '
	done
}

# flavour_directive KEY: the values of the KEY directives in the fragments
# of this run's flavours (configs/flavours/<f>.config and, once an arch is
# loaded, <f>.<arch>.config), one per line.
flavour_directive() {
	local f
	for f in ${FLAVOURS:-}; do
		f=$REPO/configs/flavours/$f
		config_directive "$1" "$f.config"
		[ -z "${ARCH_NAME:-}" ] || config_directive "$1" "$f.$ARCH_NAME.config"
	done
}

# scaled SECONDS: a default timeout for a boot of this run's kernel, times
# the timeout-factor of its flavours (a debug kernel runs its tests
# several times slower under TCG).
scaled() {
	local f factor=1
	for f in $(flavour_directive timeout-factor); do
		factor=$((factor * f))
	done
	echo $(($1 * factor))
}

# source_listing SRC: the files of SRC's pristine snapshot with their
# contents, dot-files aside, for import-tree.sh to tell whether a --kdir
# tree is the Debian source.
source_listing() {
	git -C "$1" ls-tree -r pristine | grep -Ev $'\t(.*/)?\\.[^/]*$' | sha1sum
}

# Directories of one (tree, arch) pair.
tree_src() { echo "$WORK/$1/src"; }
# A flavoured kernel (--flavour) gets a build directory of its own.
tree_build() {
	local fl IFS=' '
	read -r -a fl <<<"${FLAVOURS:-}"
	IFS=+
	echo "$WORK/$1/$2${fl[*]:++${fl[*]}}"
}

# Any command that fails under 'set -e' ends the script with one line naming
# the script, the line and the command, rather than silently.
trap 'rc=$?; echo "error: ${BASH_SOURCE[0]##*/}:$LINENO: \"$BASH_COMMAND\" failed (exit $rc)" >&2; exit $rc' ERR

# tree_arch_args TREE ARCH: the arguments of the per-(tree, arch) step
# scripts.  Sets $tree, the ARCH_* variables, $src (source) and $out (build).
tree_arch_args() {
	[ $# -eq 2 ] || die "usage: ${0##*/} TREE ARCH"
	tree=$1
	load_arch "$2"
	src=$(tree_src "$tree")
	out=$(tree_build "$tree" "$ARCH_NAME")
}

# kernel_config_merge SRC DIR [REV]: the harness's kernel config for the
# loaded arch as one kunitconfig, DIR/arena-kfault.kunitconfig; prints its
# path.  Later files override earlier ones:
#   configs/kunit/*.kunitconfig      the KUnit suite (kunit.py takes it alone;
#                                    $KUNITCONFIGS replaces them, as
#                                    prove-base-oopses.sh does)
#   selftests/arena_kfault/config    the kselftests
#   configs/kernel.config            the guest, upstream's BPF selftests, trims
#   configs/kunit/<arch>.config      one arch's options
#   configs/flavours/<name>.config, then <name>.<arch>.config, per $FLAVOURS
# Any of them may also take options from the tree SRC (at commit REV when
# given, else as checked out), with the directives of config_directive:
#   # arena-kfault: tree-config PATH    merge SRC's PATH (a fragment)
#   # arena-kfault: drop-options REGEX  and leave the CONFIG_<REGEX>
#                                       options it names to Kconfig,
#                                       whichever file set them
kernel_config_merge() {
	local src=$1 dir=$2 rev=${3:-} f fl tree_cfg t d drops='' fragments=() files=()

	for f in ${KUNITCONFIGS:-"$REPO"/configs/kunit/*.kunitconfig} "$REPO/selftests/arena_kfault/config" \
		"$REPO/configs/kernel.config" "$REPO/configs/kunit/$ARCH_NAME.config"; do
		[ -f "$f" ] && fragments+=("$f")
	done
	for fl in ${FLAVOURS:-}; do
		f=$REPO/configs/flavours/$fl.config
		[ -f "$f" ] || die "unknown flavour '$fl' (no $f)"
		fragments+=("$f")
		f=${f%.config}.$ARCH_NAME.config
		[ -f "$f" ] && fragments+=("$f")
	done
	for f in "${fragments[@]}"; do
		config_directive tree-config "$f" >/dev/null	# checks them all, here
		while read -r tree_cfg; do
			t=$dir/tree-$(basename "$tree_cfg" | tr -c 'A-Za-z0-9_.\n' _).config
			if [ -n "$rev" ]; then
				git -C "$src" show "$rev:$tree_cfg" >"$t" 2>/dev/null ||
					die "${f#"$REPO"/}: $rev of $src has no $tree_cfg"
			else
				[ -f "$src/$tree_cfg" ] || die "${f#"$REPO"/}: the tree $src has no $tree_cfg"
				cp "$src/$tree_cfg" "$t" || return
			fi
			files+=("$t")
		done < <(config_directive tree-config "$f")
		files+=("$f")
		while read -r d; do
			drops="${drops:+$drops|}$d"
		done < <(config_directive drop-options "$f")
	done
	# One kunitconfig, in which a later file (a flavour) overrides what an
	# earlier one sets: kunit.py refuses conflicting values across files.
	awk '{
		name = ""
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) name = substr($0, 1, RLENGTH - 1)
		else if (match($0, /^# CONFIG_[A-Za-z0-9_]+ is not set/)) name = $2
		if (name != "") { if (!(name in pos)) order[++n] = name; pos[name] = $0 }
	} END { for (i = 1; i <= n; i++) print pos[order[i]] }' "${files[@]}" |
		grep -vE "^(# )?CONFIG_(${drops:-NONE})[= ]" >"$dir/arena-kfault.kunitconfig" || true
	echo "$dir/arena-kfault.kunitconfig"
}

# bpf_selftests_select SRC SEL MATCH [PROG...]: the part of SRC's
# tools/testing/selftests/bpf that the harness builds.  The Makefile builds
# every .c of its test and prog directories: give it directories holding
# only the selection, SRC's ak_prog_tests/ and ak_progs/ (copies, not links:
# its dependency files must not point through symlinks).  Selected: every
# prog_tests/*.c whose name matches the ERE MATCH, the one-line test
# functions of prog_tests/verifier.c whose name matches it (verifier_arena,
# arena_kfunc, ...), the BPF programs their skeletons name and the progs/
# PROG.c named.  The selected tests' names go to SEL/tests.txt (empty when
# none matches), and prog_tests/tests.h declares them.
bpf_selftests_select() {
	local src=$1 sel=$2 match=$3 f n p h progs
	local bpf=$src/tools/testing/selftests/bpf
	local tdir=$bpf/ak_prog_tests pdir=$bpf/ak_progs
	shift 3

	mkdir -p "$sel"
	rm -rf "$tdir" "$pdir"
	mkdir -p "$tdir" "$pdir"
	for f in "$bpf"/prog_tests/*.c; do
		n=${f##*/}
		[ "$n" != verifier.c ] && echo "${n%.c}" | grep -qE "$match" && cp "$f" "$tdir/"
	done
	# verifier.c: its preamble (helpers, the RUN macros), the skeleton
	# includes of the selected tests and their one-line test functions.
	awk -v re="$match" '
		/^#include ".*\.skel\.h"/ { s = $2; gsub(/"|\.skel\.h/, "", s); if (s ~ re) print; next }
		/^void test_[a-z0-9_]+\(void\)[ \t]*\{ *RUN.*\}$/ {
			t = $2; sub(/^test_/, "", t); sub(/\(void\).*/, "", t); inrun = 1
			if (t ~ re) print
			next
		}
		inrun && NF { exit }
		{ print }' "$bpf/prog_tests/verifier.c" >"$tdir/verifier_selected.c"
	grep -q '^void test_' "$tdir/verifier_selected.c" || rm "$tdir/verifier_selected.c"
	# Their BPF programs: the skeletons the tests include, the objects they
	# open by name.
	progs=$({
		cat "$tdir"/*.c 2>/dev/null | grep -ohE '"[A-Za-z0-9_]+\.(skel\.h|lskel\.h|bpf\.o)"' |
			sed -E 's/"([A-Za-z0-9_]+)\..*/\1/'
		printf '%s\n' "$@"
	} | sort -u)
	for p in $progs; do
		[ -f "$bpf/progs/$p.c" ] && cp "$bpf/progs/$p.c" "$pdir/"
	done
	for h in "$bpf"/progs/*.h; do ln -sf "../progs/${h##*/}" "$pdir/"; done
	cat "$tdir"/*.c 2>/dev/null |
		sed -n -E 's/^void (serial_)?test_([a-zA-Z0-9_]+)\((void)?\).*/\2/p' | sort >"$sel/tests.txt"
	# test_progs.c includes <prog_tests/tests.h>: the selection's.
	sed 's/.*/DEFINE_TEST(&)/' "$sel/tests.txt" | { echo '/* Generated header, do not edit */'; cat; } \
		>"$bpf/prog_tests/tests.h"
}

# bpf_selftests_make SRC OUT SEL [VAR=VALUE...] TARGET...: make TARGETs
# (test_progs, X.test.o, X.bpf.o, in SEL) of the selection of SRC's
# selftests/bpf (bpf_selftests_select) for the loaded arch, against the
# kernel built in OUT, inside the toolchain root.  The VARs (LLVM=...) go
# to the kernel's make too: they must be the ones OUT was configured with.
bpf_selftests_make() {
	local src=$1 out=$2 sel=$3 a vars=() targets=() libarena=()
	local bpf=$src/tools/testing/selftests/bpf
	shift 3

	for a in "$@"; do
		case $a in
		*=*) vars+=("$a") ;;
		*) targets+=("$a") ;;
		esac
	done
	# libarena's skeletons only when a selected test includes them.  No
	# bpftool for the target (TRUNNER_BPFTOOL): no selected test runs it,
	# and cross-building it needs the target's OpenSSL headers.
	grep -qs 'libarena/libarena\.skel\.h' "$bpf"/ak_prog_tests/*.c || libarena+=(LIBARENA_SKEL=)
	grep -qs 'libarena/libarena_asan\.skel\.h' "$bpf"/ak_prog_tests/*.c || libarena+=(LIBARENA_ASAN_SKEL=)
	[ -n "$ARCH_CROSS" ] && vars+=(CROSS_COMPILE="$ARCH_CROSS")
	# The test modules (test_kmods/) and libarena's objects are built in the
	# source tree, which every arch of this tree shares, and the Makefile
	# only rebuilds them when they are older than the kernel: drop the last
	# arch's.
	rm -f "$bpf"/test_kmods/*.ko "$bpf"/libarena/*.bpf.o "$bpf"/libarena/*.skel.h
	# libarena's objects take LLVM's default BPF CPU and need v4 (signed
	# division, 32-bit atomics): newer LLVMs default to it, clang-19 to v1.
	# test_progs' own objects name their CPU after BPF_TARGET_ENDIAN, so
	# it carries the CPU.
	(
		cd "$src" || exit
		in_root make -s -C "$src" O="$out" ARCH="$ARCH_KARCH" "${vars[@]}" headers
		in_root make -C "$bpf" O="$out" OUTPUT="$sel" -j"${JOBS:-$(nproc)}" \
			ARCH="$ARCH_KARCH" SRCARCH="$ARCH_SRCARCH" VMLINUX_BTF="$out/vmlinux" \
			TRUNNER_TESTS_DIR=ak_prog_tests TRUNNER_BPF_PROGS_DIR=ak_progs \
			'TRUNNER_EXTRA_FILES=$(OUTPUT)/bpf_testmod.ko' TRUNNER_BPFTOOL= \
			LINKED_SKELS= LSKELS= LSKELS_EXTRA= LSKELS_SIGNED= "${libarena[@]}" \
			"BPF_TARGET_ENDIAN=--target=bpfel -mcpu=v4" "${vars[@]}" "${targets[@]}"
	)
}
