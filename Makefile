# arena-kfault: the harness steps as make targets.  run_tests.sh is the
# main entry; these are conveniences over it and over scripts/.
#   make check          harness self-checks + the default suites
#                       (configs/suites) on the default trees
#                       (configs/trees.conf) and every arch (.ci/run:
#                       three cells, then the other four as time allows)
#   make test           the same, no self-checks (= ./run_tests.sh)
#   make harness-check  only the harness self-checks (fast; needs a fetched tree)
#   make check-series   submission checks of kernel-patches/$(SERIES)/ (tags,
#                       checkpatch, git am, per-patch gcc and clang builds for
#                       every arch, kernel-doc, sparse, W=1, maintainers);
#                       SERIES: a tree of configs/trees.conf that is sent,
#                       series (default) or fixes
#   make format-series  re-sign kernel-patches/$(SERIES)/ with your git
#                       user.name and user.email (they ship with a placeholder)
#   make mutants        apply each kernel-patches/series/mutants/*.patch to
#                       the series tree and check that the KUnit suite, the
#                       kselftests or must_oops kill it
#                       (ARCH=: default the first arch of configs/arches.conf;
#                       SUITES=kunit for KUnit only)
#   make bench          arena_bench on every tree and arch (builds what is
#                       missing), then the ratio table; RUN_ARGS narrows it
#   make prove-oops     only the must_oops boots, every tree and arch
#   make prove-base-oopses
#                       v7.3 with kernel-patches/base/ only (the recovery
#                       taken out) oopses on a kfunc store to an unallocated
#                       arena page (scripts/prove-base-oopses.sh; ARCH= as
#                       for make mutants)
#   make stress         only the stress suite, STRESS_SECONDS (default 180)
#                       per cell; with FLAVOUR=debug on the debug kernels
#   make debug          KUnit, kselftests and must_oops on the debug kernels
#   make rates          how often each "sometimes" known failure failed in
#                       the runs kept in the cache (its history/), for the
#                       entries' rate lines
#   make deps           toolchain root + kernel source, nothing else
#   make clean          drop build/ (results, logs); the cache stays
#   make distclean      also drop the cache (~/.cache/arena-kfault)
# RUN_ARGS passes options through, e.g. make check RUN_ARGS="--arch arm64".

RUN_ARGS ?=
CACHE ?= $(or $(ARENA_KFAULT_CACHE),$(HOME)/.cache/arena-kfault)
# The arch of the targets that run one: ARCH=, else the first arch of
# configs/arches.conf (as scripts/lib.sh reads it).
ONE_ARCH = $(or $(ARCH),$(firstword $(shell bash -c '. scripts/lib.sh && known_arches')))

.PHONY: check test bench prove-oops prove-base-oopses stress debug harness-check check-series \
	format-series mutants rates deps clean distclean

SERIES ?= series

check:
	./run_tests.sh --self-test $(RUN_ARGS)

test:
	./run_tests.sh $(RUN_ARGS)

bench:
	./run_tests.sh --only bench $(RUN_ARGS)

prove-oops:
	./run_tests.sh --only must_oops $(RUN_ARGS)

prove-base-oopses:
	scripts/setup.sh
	scripts/fetch-tree.sh >/dev/null
	scripts/prove-base-oopses.sh $(ONE_ARCH)

STRESS_SECONDS ?= 180
stress:
	./run_tests.sh --only stress --stress $(STRESS_SECONDS) $(if $(FLAVOUR),--flavour $(FLAVOUR)) $(RUN_ARGS)

debug:
	./run_tests.sh --flavour debug --only kunit,kselftest,must_oops $(RUN_ARGS)

harness-check:
	python3 scripts/run-harness-tests.py

check-series:
	scripts/setup.sh
	scripts/fetch-tree.sh >/dev/null
	SERIES=$(SERIES) scripts/check-series.sh

format-series:
	SERIES=$(SERIES) scripts/format-series.sh

mutants:
	./run_tests.sh --tree series --arch $(ONE_ARCH)
	scripts/run-mutants.sh $(ONE_ARCH)

deps:
	scripts/setup.sh
	scripts/fetch-tree.sh

rates:
	python3 scripts/results.py rates --history $(CACHE)/history \
		--known-failures configs/known-failures.conf

clean:
	rm -rf build

distclean: clean
	rm -rf $(CACHE)
