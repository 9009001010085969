// SPDX-License-Identifier: GPL-2.0
/*
 * Arena creation failure paths free what they allocated, the scratch page
 * included: fail-nth fault injection on BPF_MAP_CREATE of an arena, and the
 * kmem page allocation/free trace events to see what a failed creation
 * kept.  A binary of its own: it needs debugfs and tracefs knobs set for
 * the whole run, which the fixture sets up and always restores.  Needs
 * root, CONFIG_FAIL_PAGE_ALLOC, FAILSLAB, FAULT_INJECTION_DEBUG_FS and
 * tracing; without them it fails (the harness's kernels have them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#include "kselftest_harness.h"
#include "arena_kfault_util.h"

#define DEBUGFS		"/sys/kernel/debug"
#define TRACEFS		"/sys/kernel/tracing"
/* include/uapi/linux/kernel-page-flags.h */
#define KPF_LRU		5
#define KPF_SLAB	7
#define KPF_MMAP	11
#define KPF_ANON	12
#define KPF_PGTABLE	26
/* Written to the trace after each attempt: later allocations are not its. */
#define ATTEMPT_END	"arena_kfault: attempt done"
#define MAX_PAGES	4096

/* BPF_MAP_CREATE of an arena like the other tests', without a BPF object. */
static int create_arena(const char *name)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);

	return bpf_map_create(BPF_MAP_TYPE_ARENA, name, 0, 0, KFAULT_ARENA_PAGES, &opts);
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The fault-injection and tracing knobs the test sets, in this order. */
static const struct {
	const char *path;
	const char *val;	/* NULL: the pid filter, filled in at run time */
} knobs[] = {
	/* fail-nth ignores probability; these filters would still apply */
	{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
	{ DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N" },
	{ DEBUGFS "/fail_page_alloc/min-order", "0" },
	{ DEBUGFS "/fail_page_alloc/verbose", "0" },
	{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
	{ DEBUGFS "/failslab/verbose", "0" },
	/* every page the creating thread allocates, and every page freed */
	{ TRACEFS "/tracing_on", "0" },
	{ TRACEFS "/events/kmem/mm_page_alloc/filter", NULL },
	{ TRACEFS "/events/kmem/mm_page_alloc/enable", "1" },
	{ TRACEFS "/events/kmem/mm_page_free/enable", "1" },
	{ TRACEFS "/events/kmem/mm_page_free_batched/enable", "1" },
};

#define N_KNOBS ARRAY_SIZE(knobs)

struct traced_page {
	unsigned long pfn;
	char gfp[64];
};

FIXTURE(create_failures)
{
	char old[N_KNOBS][64];	/* "": not changed, nothing to restore */
	struct traced_page *pages;
	int kpageflags;
	int kmsg;
};

/*
 * Mount debugfs and tracefs if needed, save every knob and set it.  The
 * teardown puts back what was saved, however the test ended.
 */
FIXTURE_SETUP(create_failures)
{
	char filter[64];
	size_t i;
	int ret;

	self->kpageflags = -1;
	self->kmsg = -1;
	ASSERT_EQ(0, akf_load_splat_patterns()) TH_LOG("no splat-patterns next to the test binary");
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg) TH_LOG("cannot open /dev/kmsg: %s", strerror(errno));
	lseek(self->kmsg, 0, SEEK_END);
	if (access(DEBUGFS "/fail_page_alloc", F_OK))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	if (access(TRACEFS "/events/kmem", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	ASSERT_EQ(0, access(DEBUGFS "/fail_page_alloc", F_OK) ||
		     access(DEBUGFS "/failslab", F_OK) ||
		     access(TRACEFS "/events/kmem", F_OK) ||
		     access("/proc/thread-self/fail-nth", F_OK))
		TH_LOG("needs FAIL_PAGE_ALLOC, FAILSLAB, FAULT_INJECTION_DEBUG_FS and tracing");
	self->kpageflags = open("/proc/kpageflags", O_RDONLY);
	ASSERT_LE(0, self->kpageflags) TH_LOG("/proc/kpageflags: %s", strerror(errno));
	self->pages = calloc(MAX_PAGES, sizeof(*self->pages));
	ASSERT_NE(NULL, self->pages);

	snprintf(filter, sizeof(filter), "common_pid == %ld", syscall(SYS_gettid));
	for (i = 0; i < N_KNOBS; i++) {
		char old[64];

		ret = read_str(knobs[i].path, old, sizeof(old));
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", knobs[i].path, strerror(-ret));
		if (!strcmp(old, "none"))	/* an empty filter reads so */
			strcpy(old, "0");
		ret = write_str(knobs[i].path, knobs[i].val ?: filter);
		ASSERT_EQ(0, ret) TH_LOG("%s: %s", knobs[i].path, strerror(-ret));
		strcpy(self->old[i], old);
	}
}

FIXTURE_TEARDOWN(create_failures)
{
	char first[2048];
	size_t i;

	for (i = N_KNOBS; i-- > 0;)
		if (self->old[i][0])
			write_str(knobs[i].path, self->old[i]);
	write_str(TRACEFS "/trace", "");
	free(self->pages);
	if (self->kpageflags >= 0)
		close(self->kpageflags);
	if (self->kmsg >= 0) {
		EXPECT_EQ(0, akf_kmsg_bad_lines(self->kmsg, first, sizeof(first)))
			TH_LOG("kernel log: %s", first);
		close(self->kmsg);
	}
}

/*
 * Pages that the traced thread allocated between the clearing of the trace
 * and ATTEMPT_END, and that were not freed since.  Slab and page-table
 * pages do not count (slab caches and vmalloc page tables legitimately
 * outlive a failed creation), nor do pages mapped to user space (this
 * test's own memory) or kmemleak's bookkeeping.  Returns their number, or -errno; @what describes
 * the first one.
 */
static int kept_pages(FIXTURE_DATA(create_failures) *self, char *what, size_t len,
		      int *pgtables)
{
	static const unsigned long ignore = 1UL << KPF_SLAB | 1UL << KPF_PGTABLE |
					    1UL << KPF_LRU | 1UL << KPF_MMAP | 1UL << KPF_ANON;
	struct traced_page *pages = self->pages;
	char line[1024];
	unsigned long pfn, flags;
	int n = 0, i, j, order, done = 0;
	FILE *f = fopen(TRACEFS "/trace", "r");
	char *ev;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (strstr(line, ATTEMPT_END))
			done = 1;
		else if (!done && (ev = strstr(line, " mm_page_alloc: ")) && (ev = strstr(ev, "pfn=")) &&
		    sscanf(ev, "pfn=%lx order=%d", &pfn, &order) == 2) {
			if (pfn == ~0UL)	/* the injected failure */
				continue;
			/*
			 * kmemleak's own allocations (gfp_kmemleak_mask), among
			 * them the never-freed stack depot pools it records
			 * call stacks in: never an arena allocation.
			 */
			if (strstr(ev, "__GFP_NOMEMALLOC"))
				continue;
			for (j = 0; j < (1 << order) && n < MAX_PAGES; j++, n++) {
				pages[n].pfn = pfn + j;
				snprintf(pages[n].gfp, sizeof(pages[n].gfp), "%s",
					 strstr(ev, "gfp_flags=") ?: "");
				pages[n].gfp[strcspn(pages[n].gfp, "\n")] = '\0';
			}
		} else if ((ev = strstr(line, " mm_page_free")) && (ev = strstr(ev, "pfn=")) &&
			   sscanf(ev, "pfn=%lx order=%d", &pfn, &order) == 2) {
			for (i = 0; i < n; i++)
				if (pages[i].pfn >= pfn && pages[i].pfn < pfn + (1UL << order))
					pages[i--] = pages[--n];
		}
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		if (pread(self->kpageflags, &flags, sizeof(flags), pages[i].pfn * sizeof(flags)) !=
		    sizeof(flags))
			return -EIO;
		if (flags & 1UL << KPF_PGTABLE)
			(*pgtables)++;
		if (flags & ignore)
			pages[i--] = pages[--n];
		else if (!what[0])
			snprintf(what, len, "pfn %#lx %s kpageflags %#lx",
				 pages[i].pfn, pages[i].gfp, flags);
	}
	return n;
}

/*
 * The pages a failed creation kept.  Once the map had a reference of its
 * own (a failure after ->map_alloc()), it is freed from a workqueue, so
 * wait for those frees - on the condition, bounded - before calling a
 * page kept.
 */
static int kept_after_frees(FIXTURE_DATA(create_failures) *self, char *what, size_t len,
			    int *pgtables)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	int kept, tries;

	for (tries = 0; tries < 500; tries++) {
		what[0] = '\0';
		*pgtables = 0;
		kept = kept_pages(self, what, len, pgtables);
		if (kept <= 0)
			return kept;
		nanosleep(&tick, NULL);
	}
	return kept;
}

enum attempt { ATTEMPT_DONE, ATTEMPT_TOLERATED, ATTEMPT_FAILED, ATTEMPT_FAILED_IN_PGTABLES };

/*
 * Create an arena with its @nth allocation failing (fail-nth: page
 * allocator and slab).  A failed creation must give back each page it
 * took - the scratch page above all - as seen in the kmem trace events.
 * ATTEMPT_DONE: creation made fewer than @nth allocations.  An arena
 * created is closed, or left open in *@keep.
 */
static enum attempt attempt(struct __test_metadata *_metadata,
			    FIXTURE_DATA(create_failures) *self, int nth, int *keep)
{
	char left[16], val[16], what[160];
	int fd, kept, err_no, pgtables;

	snprintf(val, sizeof(val), "%d", nth);
	write_str(TRACEFS "/trace", "");
	write_str(TRACEFS "/tracing_on", "1");
	if (write_str("/proc/thread-self/fail-nth", val))
		return ATTEMPT_DONE;
	fd = create_arena("kfault_fi");
	err_no = errno;
	write_str(TRACEFS "/trace_marker", ATTEMPT_END);
	read_str("/proc/thread-self/fail-nth", left, sizeof(left));
	write_str("/proc/thread-self/fail-nth", "0");
	if (fd >= 0) {
		write_str(TRACEFS "/tracing_on", "0");
		if (keep)
			*keep = fd;
		else
			close(fd);
		/* a non-zero count left: the injection never happened */
		return strcmp(left, "0") ? ATTEMPT_DONE : ATTEMPT_TOLERATED;
	}
	kept = kept_after_frees(self, what, sizeof(what), &pgtables);
	write_str(TRACEFS "/tracing_on", "0");
	EXPECT_EQ(0, kept)
		TH_LOG("failing allocation #%d: creation failed (%s) and kept %d page(s), first: %s",
		       nth, strerror(err_no), kept, what);
	return pgtables ? ATTEMPT_FAILED_IN_PGTABLES : ATTEMPT_FAILED;
}

/*
 * Hold arenas open until one of them had to populate page tables for a
 * vmalloc range never used before, so that the next arena most likely
 * lands on a fresh range too.  Returns how many are held (close them), or
 * -1 with errno set when a creation failed, 0 when none was fresh; *@tables
 * is the number of page-table pages the fresh range took.
 */
static int hold_until_fresh_range(int *fds, int max, long *tables)
{
	long before;
	int n, err = 0;

	for (n = 0; n < max; n++) {
		before = akf_meminfo_kb("PageTables");
		fds[n] = create_arena("kfault_hold");
		if (fds[n] < 0) {
			err = errno;
			break;
		}
		/* 4 GiB of PTE tables is 8 MiB; a reused range needs none */
		*tables = (akf_meminfo_kb("PageTables") - before) / 4;
		if (*tables >= 1024)
			return n + 1;
	}
	while (n-- > 0)
		close(fds[n]);
	errno = err;
	return err ? -1 : 0;
}

#define HOLD_MAX	32
#define FRESH_TRIES	8
#define FAIL_NTH_MAX	64
#define COLD_SLACK	16
#define COUNT_NTH	1000000

/*
 * The fault-injection points (page and slab allocations) one arena
 * creation passes, from what fail-nth has left to count down; -1 if the
 * creation failed.
 */
static int creation_allocations(void)
{
	char val[16], left[16];
	int fd;

	snprintf(val, sizeof(val), "%d", COUNT_NTH);
	if (write_str("/proc/thread-self/fail-nth", val))
		return -1;
	fd = create_arena("kfault_count");
	read_str("/proc/thread-self/fail-nth", left, sizeof(left));
	write_str("/proc/thread-self/fail-nth", "0");
	if (fd < 0)
		return -1;
	close(fd);
	return COUNT_NTH - atoi(left);
}

/*
 * Arena creation failure paths free what they allocated, the scratch page
 * included.  First a fail-nth sweep over a vmalloc range whose page tables
 * exist: the 1st, 2nd, ... allocation of BPF_MAP_CREATE fails until
 * creation no longer reaches the injection.  That covers every allocation
 * but the page tables, which arena_map_alloc() populates last, after the
 * scratch page - and the page tables are the only allocations after the
 * scratch page that fault injection reaches (range_tree_set() uses
 * kmalloc_nolock(), which it skips).  So then one creation on a fresh
 * range fails halfway through its page tables.  (A sweep attempt that
 * happens to get a fresh range fails in its page tables, which is checked
 * the same way.)
 *
 * A kernel that frees a destroyed arena's page tables (the fixes) has no
 * warm range: every creation populates its 2048+ tables anew.  There the
 * sweep takes the first and the last FAIL_NTH_MAX / 2 allocations of a
 * creation, which leaves out only the middle of the population.
 */
TEST_F_TIMEOUT(create_failures, free_everything, akf_scaled_seconds(300))
{
	int held, fds[HOLD_MAX + 1], n, nth, at, try, total, failed = 0;
	enum attempt res = ATTEMPT_DONE;
	long tables = 0;
	bool cold;

	/* Warm up: the page tables of the range the sweep will use. */
	total = creation_allocations();
	ASSERT_LT(0, total) TH_LOG("arena creation without injection: %s", strerror(errno));
	total = creation_allocations();
	cold = total > FAIL_NTH_MAX;
	TH_LOG("an arena creation passed %d fault-injection points%s", total,
	       cold ? ": its page tables were populated anew (no warm range)" : "");

	for (nth = 1; nth <= FAIL_NTH_MAX + (cold ? COLD_SLACK : 0); nth++) {
		/*
		 * cold: the first half, then on to the end and past it (the
		 * tables a creation needs vary by a few: those at the ends of
		 * its range may exist, kept by a neighbour)
		 */
		at = cold && nth > FAIL_NTH_MAX / 2 ? total + 1 - FAIL_NTH_MAX + nth : nth;
		res = attempt(_metadata, self, at, NULL);
		if (res == ATTEMPT_DONE)
			break;
		failed += res != ATTEMPT_TOLERATED;
	}
	EXPECT_EQ(ATTEMPT_DONE, res) TH_LOG("creation still failing after %d injected failures (last at allocation %d)",
					    nth - 1, at);
	EXPECT_LT(0, failed) TH_LOG("no injected failure made arena creation fail");
	TH_LOG("%s range: %d allocations tried, %d of whose failures failed creation",
	       cold ? "cold" : "warm", nth - 1, failed);

	/*
	 * On a fresh range the page tables come after the sweep's nth - 1
	 * allocations (less those made after ->map_alloc()): failing one
	 * half-way through them lands inside the population.  An already
	 * populated range may turn up instead (lazily purged, or kept for
	 * reuse by the kernel): then creation passes no injection; retry.
	 * The page tables a failed creation allocated may be kept by the
	 * kernel (ATTEMPT_FAILED_IN_PGTABLES) or freed (ATTEMPT_FAILED).
	 */
	for (try = 0, held = 0, res = ATTEMPT_DONE; try < FRESH_TRIES; try++) {
		/*
		 * Arenas closed earlier are freed from a workqueue and may give
		 * their range back for reuse at any time, also after the hold:
		 * keep holding what the earlier tries held and created, so that
		 * no try hands a range back for the next one to find.
		 */
		n = hold_until_fresh_range(fds + held, HOLD_MAX - held, &tables);
		if (n <= 0) {
			if (n < 0)
				TH_LOG("creating an arena to hold: %s", strerror(errno));
			else
				TH_LOG("%d arenas held, none on a fresh vmalloc range", HOLD_MAX);
			break;
		}
		held += n;
		fds[held] = -1;
		/* cold: the sweep did not count the allocations before the tables */
		res = attempt(_metadata, self, cold ? total - tables / 2 : nth - 1 + tables / 2,
			      &fds[held]);
		if (res == ATTEMPT_FAILED_IN_PGTABLES || res == ATTEMPT_FAILED)
			break;
		/* it got a range with page tables: hold it as well */
		if (fds[held] >= 0)
			held++;
		if (held >= HOLD_MAX)
			break;
	}
	while (held-- > 0)
		close(fds[held]);
	EXPECT_TRUE(res == ATTEMPT_FAILED_IN_PGTABLES || res == ATTEMPT_FAILED)
		TH_LOG("no failure inside the page-table population of a fresh range in %d tries (%ld tables)",
		       try, tables);
}

TEST_HARNESS_MAIN
