// SPDX-License-Identifier: GPL-2.0
/*
 * arena_stress SECONDS [ROLE,...]: the concurrency workload of arena_kfault_test,
 * scaled up and bounded in time, for scripts/run-stress.sh.  Threads, two
 * per role and CPU, each pinned so that every pair of CPUs races:
 *   faulter    kfunc stores and loads on pages that come and go
 *   allocator  scratches a slot with a kfunc store, allocates over it,
 *              checks a marker through the kernel and user space, frees it
 *   toucher    a user-space read of a slot (a scratched one must SIGSEGV,
 *              an empty one faults a page in), then frees the slot
 * Allocators and touchers take a slot for the whole sequence (so that one
 * does not free the other's page under its check); faulters never do, and
 * race with both.
 *   churner    creates an arena, faults in it, allocates, destroys it
 * (ROLE,...: only these roles; default all.)  After SECONDS every thread
 * stops; it prints its figures as
 *   # stress: NAME VALUE
 * and a KTAP result: ok only with no error, no lost data, no kernel splat
 * and MemAvailable (kernel page tables counted apart) back within a bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena_kfault_util.h"

#define STRESS_PAGES	16
#define MEM_SLACK_KB	(16 * 1024)

enum role { FAULTER, ALLOCATOR, TOUCHER, CHURNER, NR_ROLES };
static const char *const role_names[NR_ROLES] = { "faulter", "allocator", "toucher", "churner" };

static struct {
	atomic_long iterations;
	atomic_long recovered_faults;
	atomic_long allocs_over_scratch;
	atomic_long frees;
	atomic_long user_segv;
	atomic_long user_reads;
	atomic_long arenas_created;
	atomic_long errors;
	atomic_long lost_data;
} fig;

static atomic_bool stop;
static atomic_int owner[STRESS_PAGES];	/* 0, or the worker id + 1 */
static struct arena_kfault *skel;
static unsigned long base;
static long psz;

struct worker {
	pthread_t thread;
	enum role role;
	int id;
	int cpu;
};

static __thread sigjmp_buf segv_jmp;
static __thread bool segv_expected;

/* A SIGSEGV is only expected from a toucher's read; any other kills us. */
static void segv_handler(int sig, siginfo_t *si, void *uc)
{
	char msg[96];

	if (segv_expected)
		siglongjmp(segv_jmp, sig);
	snprintf(msg, sizeof(msg), "# stress: unexpected signal %d at %p\n", sig, si->si_addr);
	write(1, msg, strlen(msg));
	signal(sig, SIG_DFL);
}

static unsigned long page_of(long i)
{
	return base + (unsigned long)(i % STRESS_PAGES) * psz;
}

static bool take(struct worker *w, long i)
{
	int free_slot = 0;

	return atomic_compare_exchange_strong(&owner[i % STRESS_PAGES], &free_slot, w->id + 1);
}

static void release(long i)
{
	atomic_store(&owner[i % STRESS_PAGES], 0);
}

static void fault(struct worker *w, long i)
{
	unsigned long page = page_of(i * (w->id + 1));
	__u64 val;

	if (akf_kwrite(skel, page, 8 * (w->id % 4), i) || akf_kread(skel, page, 8 * (w->id % 4), &val))
		fig.errors++;
	else
		fig.recovered_faults++;
}

static void allocate(struct worker *w, long i)
{
	unsigned long page = page_of(i + w->id);
	__u64 marker = ((__u64)w->id << 32) | (__u32)i, val = 0;

	if (!take(w, i + w->id))
		return;
	akf_kwrite(skel, page, 0, marker);	/* the slot holds the scratch page */
	if (akf_alloc_at(skel, page, 1) != page) {
		fig.errors++;
		release(i + w->id);
		return;
	}
	fig.allocs_over_scratch++;
	if (akf_kwrite(skel, page, 64, marker) || akf_kread(skel, page, 64, &val))
		fig.errors++;
	else if (val != marker || ((volatile __u64 *)page)[8] != marker)
		fig.lost_data++;
	if (akf_free_at(skel, page, 1))
		fig.errors++;
	else
		fig.frees++;
	release(i + w->id);
}

static void touch(struct worker *w, long i)
{
	unsigned long page = page_of(i * 3 + w->id);

	if (!take(w, i * 3 + w->id))
		return;
	segv_expected = true;
	if (sigsetjmp(segv_jmp, 1)) {
		fig.user_segv++;
	} else {
		(void)*(volatile __u64 *)(page + 128);
		fig.user_reads++;
	}
	segv_expected = false;
	if (akf_free_at(skel, page, 1))
		fig.errors++;
	else
		fig.frees++;
	release(i * 3 + w->id);
}

/* Each churner has a 4 GiB window of its own: libbpf maps map_extra fixed. */
static void churn(struct worker *w, long i)
{
	struct arena_kfault *s = arena_kfault__open();
	unsigned long b;
	size_t size;

	if (!s || bpf_map__set_map_extra(s->maps.arena, KFAULT_ARENA_BASE * (2 + w->id)) ||
	    arena_kfault__load(s)) {
		arena_kfault__destroy(s);
		fig.errors++;
		return;
	}
	fig.arenas_created++;
	b = (unsigned long)bpf_map__initial_value(s->maps.arena, &size);
	if (akf_kwrite(s, b + (i % 4) * psz, 0, i) || akf_alloc_at(s, b + 5 * psz, 2) != b + 5 * psz)
		fig.errors++;
	arena_kfault__destroy(s);
}

static void *worker_fn(void *arg)
{
	static void (*const step[NR_ROLES])(struct worker *, long) = {
		fault, allocate, touch, churn,
	};
	struct worker *w = arg;
	cpu_set_t one;
	long i;

	CPU_ZERO(&one);
	CPU_SET(w->cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		fig.errors++;
	for (i = 0; !atomic_load(&stop); i++) {
		step[w->role](w, i);
		fig.iterations++;
	}
	return NULL;
}

/*
 * MemAvailable with the kernel page tables taken since @pt_base added back:
 * an arena on a fresh part of vmalloc space populates 8 MiB of them, which
 * are never freed (the teardown kselftest bounds them).
 */
static long mem_kb(long pt_base)
{
	return akf_meminfo_kb("MemAvailable") + akf_meminfo_kb("PageTables") - pt_base;
}

/* mem_kb(), after the deferred frees of destroyed arenas had a chance. */
static long settled_mem_kb(long before, long pt_base)
{
	time_t deadline = time(NULL) + akf_scaled_seconds(20);
	long kb;

	for (;;) {
		akf_shrink_slab_caches();
		kb = mem_kb(pt_base);
		if (kb >= before - MEM_SLACK_KB || time(NULL) >= deadline)
			return kb;
		sched_yield();
	}
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 60;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), n = 0, i, r, kmsg, splats;
	struct sigaction sa = { .sa_sigaction = segv_handler, .sa_flags = SA_SIGINFO };
	struct timespec t0, t1;
	long mem_before, mem_after, pt_before;
	struct worker *w;
	char first[2048];
	size_t size;
	bool ok;

	printf("KTAP version 1\n1..1\n");
	psz = sysconf(_SC_PAGESIZE);
	if (akf_load_splat_patterns() || akf_load_test_module()) {
		printf("not ok 1 stress # cannot load splat-patterns or the test module\n");
		return 1;
	}
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	lseek(kmsg, 0, SEEK_END);
	skel = arena_kfault__open_and_load();
	if (!skel || kmsg < 0) {
		printf("not ok 1 stress # cannot load the BPF object or open /dev/kmsg\n");
		return 1;
	}
	base = (unsigned long)bpf_map__initial_value(skel->maps.arena, &size);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	pt_before = akf_meminfo_kb("PageTables");
	akf_shrink_slab_caches();
	mem_before = mem_kb(pt_before);

	/* two threads per role and CPU: more threads than CPUs, every pair meets */
	w = calloc(NR_ROLES * 2 * ncpu, sizeof(*w));
	for (r = 0; r < NR_ROLES; r++)
		for (i = 0; i < 2 * ncpu && (argc < 3 || strstr(argv[2], role_names[r])); i++, n++) {
			w[n] = (struct worker){ .role = r, .id = n, .cpu = i % ncpu };
			if (pthread_create(&w[n].thread, NULL, worker_fn, &w[n]))
				fig.errors++;
		}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t1);
	} while (t1.tv_sec - t0.tv_sec < seconds);
	atomic_store(&stop, true);
	for (i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	arena_kfault__destroy(skel);
	mem_after = settled_mem_kb(mem_before, pt_before);
	splats = akf_kmsg_bad_lines(kmsg, first, sizeof(first));

	printf("# stress: seconds %d\n# stress: threads %d (%d CPUs", seconds, n, ncpu);
	for (r = 0; r < NR_ROLES; r++)
		if (argc < 3 || strstr(argv[2], role_names[r]))
			printf(", %d %ss", 2 * ncpu, role_names[r]);
	printf(")\n");
	printf("# stress: iterations %ld\n", (long)fig.iterations);
	printf("# stress: recovered_faults %ld\n", (long)fig.recovered_faults);
	printf("# stress: allocs_over_scratch %ld\n", (long)fig.allocs_over_scratch);
	printf("# stress: frees %ld\n", (long)fig.frees);
	printf("# stress: user_segv %ld\n", (long)fig.user_segv);
	printf("# stress: user_reads %ld\n", (long)fig.user_reads);
	printf("# stress: arenas_created %ld\n", (long)fig.arenas_created);
	printf("# stress: errors %ld\n", (long)fig.errors);
	printf("# stress: lost_data %ld\n", (long)fig.lost_data);
	printf("# stress: splats %d%s%s\n", splats, splats ? ": " : "", splats ? first : "");
	printf("# stress: mem_available_kb %ld -> %ld (page tables counted apart: %ld -> %ld)\n",
	       mem_before, mem_after, pt_before, akf_meminfo_kb("PageTables"));
	ok = !fig.errors && !fig.lost_data && !splats && mem_after >= mem_before - MEM_SLACK_KB &&
	     (argc > 2 || (fig.recovered_faults && fig.allocs_over_scratch && fig.frees &&
			   fig.arenas_created));
	printf("%s 1 stress\n", ok ? "ok" : "not ok");
	return ok ? 0 : 1;
}
