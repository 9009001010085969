// SPDX-License-Identifier: GPL-2.0
/*
 * arena_bench ITERATIONS: what recovery and the allocation paths cost, for
 * scripts/run-bench.sh.  A benchmark, not a test: it prints, per operation,
 * the median and the 10th/90th percentiles of ITERATIONS wall-clock
 * timings of one system call (BPF_PROG_TEST_RUN, or a user-space access),
 * and the median's ratio to a kfunc store to an allocated page:
 *   # bench: OP median_ns p10_ns p90_ns ratio
 * Everything not timed (freeing a slot before the next first fault, ...)
 * happens between timings.  The timings are taken in rounds, each of which
 * times every operation once, so that a slow spell of the host (a TCG
 * guest shares the machine's cores) weighs on all operations alike rather
 * than on the one that happened to be running.  Under QEMU TCG only the
 * ratios mean anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "kselftest.h"
#include "arena_kfault_util.h"

static struct arena_kfault *skel;
static unsigned long page;
static long psz;
static double base_median;
static char pkt[64];	/* an Ethernet frame's worth, for the tc program */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Untimed: drain the kfunc programs' stderr streams, which faults fill. */
static void drain_streams(void)
{
	free(akf_read_stderr(skel->progs.kfunc_write));
}

static void slot_empty(void)
{
	akf_free_at(skel, page, 1);
}

static void slot_scratched(void)
{
	akf_free_at(skel, page, 1);
	akf_kwrite(skel, page, 0, 1);
	drain_streams();
}

static void slot_allocated(void)
{
	akf_free_at(skel, page, 1);
	akf_alloc_at(skel, page, 1);
}

static int op_kwrite(void)
{
	return akf_kwrite(skel, page, 0, 7);
}

static int op_user_touch(void)
{
	return *(volatile long *)page == 0 ? 0 : -1;
}

static int op_alloc(void)
{
	return akf_alloc_at(skel, page, 1) == page ? 0 : -1;
}

/* 1: refused (x86 with the fixes: no remote TLB flush without IPIs). */
static int op_alloc_nonsleepable(void)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));

	skel->bss->nonsleepable_target = page;
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.alloc_pages_nonsleepable), &opts))
		return -1;
	return skel->bss->nonsleepable_result == page ? 0 : 1;
}

static int op_free(void)
{
	return akf_free_at(skel, page, 1);
}

static const struct bench {
	const char *name;
	void (*before)(void);	/* untimed, before each timing */
	int (*op)(void);
} benches[] = {
	{ "kfunc_write_allocated",		slot_allocated,	op_kwrite },
	{ "kfunc_write_first_fault",		slot_empty,	op_kwrite },
	{ "kfunc_write_scratched",		slot_scratched,	op_kwrite },
	{ "user_fault_in",			slot_empty,	op_user_touch },
	{ "alloc_fresh_sleepable",		slot_empty,	op_alloc },
	{ "alloc_over_scratch_sleepable",	slot_scratched,	op_alloc },
	{ "alloc_fresh_nonsleepable",		slot_empty,	op_alloc_nonsleepable },
	{ "alloc_over_scratch_nonsleepable",	slot_scratched,	op_alloc_nonsleepable },
	{ "free",				slot_allocated,	op_free },
};

#define NR_BENCHES ARRAY_SIZE(benches)

static void report(const struct bench *b, int n, long long *t, int refused, int errors)
{
	double median;

	if (refused || errors) {
		printf("# bench: %s refused %d errors %d of %d\n", b->name, refused, errors, n);
		return;
	}
	qsort(t, n, sizeof(*t), cmp_ll);
	median = t[n / 2];
	if (!base_median)
		base_median = median;
	printf("# bench: %s %lld %lld %lld %.2f\n", b->name, t[n / 2], t[n / 10],
	       t[n * 9 / 10], median / base_median);
}

/*
 * t[b * n + i]: round i of benches[b].  The stream reports of a round's
 * first faults are drained by the next slot_scratched(), in the same round.
 */
static void run_benches(int n, long long *t)
{
	int refused[NR_BENCHES] = {}, errors[NR_BENCHES] = {};
	long long t0;
	size_t b;
	int i, ret;

	for (i = 0; i < n; i++) {
		for (b = 0; b < NR_BENCHES; b++) {
			benches[b].before();
			t0 = now_ns();
			ret = benches[b].op();
			t[b * n + i] = now_ns() - t0;
			refused[b] += ret == 1;
			errors[b] += ret < 0;
		}
	}
	for (b = 0; b < NR_BENCHES; b++)
		report(&benches[b], n, t + b * n, refused[b], errors[b]);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, err;
	long long *t;
	size_t size;

	psz = sysconf(_SC_PAGESIZE);
	err = akf_load_test_module();
	skel = err ? NULL : arena_kfault__open_and_load();
	t = calloc(n > 0 ? n * NR_BENCHES : 1, sizeof(*t));
	if (!skel || !t || n < 10) {
		printf("# bench: cannot set up (module %d, BPF object %s)\n", err,
		       skel ? "ok" : "failed");
		return 1;
	}
	page = (unsigned long)bpf_map__initial_value(skel->maps.arena, &size) + 3 * psz;
	printf("# bench: op median_ns p10_ns p90_ns ratio_to_kfunc_write_allocated (%d rounds)\n",
	       n);
	run_benches(n, t);
	printf("# bench: done\n");
	arena_kfault__destroy(skel);
	return 0;
}
