// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of BPF arena kernel-fault recovery: BPF programs hand
 * arena addresses to kfuncs of arena_kfault_kmod, the kfuncs touch pages the
 * program never allocated, and the kernel must recover (no oops), let the
 * program finish, and report each access on the program's stderr stream.
 *
 * Needs root; loads arena_kfault_kmod.ko itself.  Every test also fails if
 * the kernel log gained an oops, BUG or WARNING (arena_fixture.h).  The
 * creation failure paths and the leaf-kfunc case have binaries of their own
 * (arena_create_failures_test.c, arena_leaf_kfunc_test.c).
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"
#include "arena_fixture.h"

/*
 * A kfunc writes into a page the program never allocated: the program
 * returns normally and its stderr stream names one WRITE at that page.
 */
TEST_F(arena, write_unallocated_page)
{
	unsigned long page = self->env.base + 3 * self->env.psz;
	char *log;

	ASSERT_EQ(0, akf_kwrite(self->env.skel, page, 16, 0x5eed));
	log = akf_read_stderr(self->env.skel->progs.kfunc_write);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, akf_reports(log, "WRITE", page))
		TH_LOG("want one WRITE report at %#lx, stream:\n%s", page, log);
	EXPECT_EQ(1, akf_count(log, "Arena ")) TH_LOG("stream:\n%s", log);
	free(log);
}

/*
 * A kfunc reads a page the program never allocated: it reads the scratch
 * page, shared by all unallocated slots of the arena, so it sees what an
 * earlier stray write to another slot left there.  One READ report.
 */
TEST_F(arena, read_unallocated_page_sees_scratch)
{
	unsigned long a = self->env.base + 5 * self->env.psz, b = self->env.base + 9 * self->env.psz;
	char *log;
	__u64 val = 0;

	ASSERT_EQ(0, akf_kwrite(self->env.skel, a, 40, 0xabcdef0123ULL));
	ASSERT_EQ(0, akf_kread(self->env.skel, b, 40, &val));
	EXPECT_EQ(0xabcdef0123ULL, val) TH_LOG("read %#llx, not the scratch page's content",
					       (unsigned long long)val);
	log = akf_read_stderr(self->env.skel->progs.kfunc_read);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, akf_reports(log, "READ", b))
		TH_LOG("want one READ report at %#lx, stream:\n%s", b, log);
	free(log);
}

/*
 * The ends of the recovery range: the last page of the 4 GiB arena window,
 * and every page of the upper half-guard (a kfunc handed a pointer to the
 * last arena page may reach GUARD_SZ / 2 past the end of the arena).  Each
 * page's last u64 is written and read back by kfuncs handed that pointer,
 * and each write is reported once at its page.
 */
FIXTURE(window_edge)
{
	struct arena_env env;
};

FIXTURE_VARIANT(window_edge)
{
	long first;	/* first byte, from the end of the arena window */
	long end;	/* end of the range, from the end of the window */
};

FIXTURE_VARIANT_ADD(window_edge, last_arena_page)
{
	.first = -4096,
	.end = 0,
};

FIXTURE_VARIANT_ADD(window_edge, upper_half_guard)
{
	.first = 0,
	.end = KFAULT_HALF_GUARD,
};

FIXTURE_SETUP(window_edge)
{
	arena_env_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN(window_edge)
{
	arena_env_teardown(_metadata, &self->env);
}

TEST_F(window_edge, kfunc_accesses_recover)
{
	unsigned long last = self->env.window + ARENA_SPAN - self->env.psz;
	unsigned long end = last + self->env.psz + variant->end;
	/* the variant names 4 KiB: on larger pages, the page that holds it */
	unsigned long first = (last + self->env.psz + variant->first) & ~(self->env.psz - 1);
	unsigned long page;
	char *log;
	__u64 val;

	for (page = first; page < end; page += self->env.psz) {
		ASSERT_EQ(0, akf_kwrite(self->env.skel, last, page - last + self->env.psz - 8, page))
			TH_LOG("write at %#lx", page);
		ASSERT_EQ(0, akf_kread(self->env.skel, last, page - last + self->env.psz - 8, &val));
		EXPECT_EQ(page, val) TH_LOG("read back %#llx at %#lx", (unsigned long long)val, page);
	}
	log = akf_read_stderr(self->env.skel->progs.kfunc_write);
	ASSERT_NE(NULL, log);
	for (page = first; page < end; page += self->env.psz)
		EXPECT_EQ(1, akf_reports(log, "WRITE", page))
			TH_LOG("want one WRITE report at %#lx, stream:\n%s", page, log);
	free(log);
}

/*
 * After a kernel fault scratched a page, allocating it maps a fresh zeroed
 * page that both the kernel and user space see.
 */
TEST_F(arena, alloc_over_scratched_page)
{
	unsigned long page = self->env.base + 7 * self->env.psz;
	__u64 val = ~0ULL;
	cpu_set_t one;
	char *log;

	/*
	 * All on one CPU: the one whose TLB may still hold the scratch
	 * page's translation when the allocation replaces it.
	 */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, akf_kwrite(self->env.skel, page, 0, 0xdeadbeef));
	/* the slot really holds the scratch page now */
	log = akf_read_stderr(self->env.skel->progs.kfunc_write);
	EXPECT_EQ(1, akf_reports(log, "WRITE", page)) TH_LOG("stream:\n%s", log);
	free(log);
	EXPECT_EQ(SIGSEGV, akf_user_read_signal(page))
		TH_LOG("user read of the scratched page did not SIGSEGV");
	ASSERT_EQ(page, akf_alloc_at(self->env.skel, page, 1))
		TH_LOG("bpf_arena_alloc_pages() over a scratched page failed");
	ASSERT_EQ(0, akf_kread(self->env.skel, page, 0, &val));
	EXPECT_EQ(0, val) TH_LOG("kernel reads %#llx: still the scratch page?",
				 (unsigned long long)val);
	EXPECT_EQ(0, *(volatile __u64 *)page) TH_LOG("user space does not see a zeroed page");
	ASSERT_EQ(0, akf_kwrite(self->env.skel, page, 8, 77));
	EXPECT_EQ(77, ((volatile __u64 *)page)[1]) TH_LOG("kernel and user see different pages");
}

/*
 * Freeing a range that holds scratched slots clears them and leaves the
 * scratch page alone.  Cleared: a kfunc store to a freed slot faults again
 * (and is reported again), and user space, which gets SIGSEGV on a
 * scratched slot, faults a fresh zeroed page in.  Left alone: the scratch
 * page keeps what the kfuncs wrote into it, before the free and after, and
 * it is not the page user space got.  (An allocation by BPF over a slot
 * succeeds whether or not the free cleared it, as it replaces the scratch
 * page, so it cannot tell; nor can a free that returns nothing.)
 */
TEST_F(arena, free_over_scratched_pages)
{
	unsigned long a = self->env.base + 10 * self->env.psz, b = a + self->env.psz;
	unsigned long probe = self->env.base + 20 * self->env.psz;
	__u64 val = ~0ULL;
	char *log;

	/* a and b scratched, each store in its own u64 of the scratch page */
	ASSERT_EQ(0, akf_kwrite(self->env.skel, a, 24, 0x1234));
	ASSERT_EQ(0, akf_kwrite(self->env.skel, b, 32, 0x5678));
	log = akf_read_stderr(self->env.skel->progs.kfunc_write);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, akf_reports(log, "WRITE", a)) TH_LOG("stream:\n%s", log);
	EXPECT_EQ(1, akf_reports(log, "WRITE", b)) TH_LOG("stream:\n%s", log);
	free(log);
	ASSERT_EQ(SIGSEGV, akf_user_read_signal(a))
		TH_LOG("user read of %#lx did not SIGSEGV: the slot is not scratched", a);

	/* a, b and two slots nobody touched */
	ASSERT_EQ(0, akf_free_at(self->env.skel, a, 4));

	/* b is empty again: a store faults, into the scratch page, and is reported */
	ASSERT_EQ(0, akf_kwrite(self->env.skel, b, 40, 0x9abc));
	log = akf_read_stderr(self->env.skel->progs.kfunc_write);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, akf_reports(log, "WRITE", b))
		TH_LOG("want one WRITE report at %#lx after the free (none: the slot still maps the scratch page), stream:\n%s",
		       b, log);
	free(log);

	/* a is empty again: user space faults a fresh zeroed page in */
	ASSERT_EQ(0, akf_user_read_signal(a))
		TH_LOG("user read of %#lx after the free raised a signal: the slot still maps the scratch page",
		       a);
	EXPECT_EQ(0, ((volatile __u64 *)a)[3])
		TH_LOG("user space reads %#llx at %#lx + 24, want 0: not a fresh page",
		       (unsigned long long)((volatile __u64 *)a)[3], a);
	((volatile __u64 *)a)[6] = 0xfeed;
	ASSERT_EQ(0, akf_kread(self->env.skel, a, 48, &val));
	EXPECT_EQ(0xfeed, val) TH_LOG("kernel reads %#llx at %#lx + 48, user space wrote 0xfeed",
				      (unsigned long long)val, a);

	/*
	 * An unallocated slot still gets the same scratch page: the stores
	 * from before the free and from after it, and a zero where user space
	 * wrote into its new page.
	 */
	ASSERT_EQ(0, akf_kread(self->env.skel, probe, 24, &val));
	EXPECT_EQ(0x1234, val) TH_LOG("scratch page reads %#llx at 24, want 0x1234: freed or replaced?",
				      (unsigned long long)val);
	ASSERT_EQ(0, akf_kread(self->env.skel, probe, 32, &val));
	EXPECT_EQ(0x5678, val) TH_LOG("scratch page reads %#llx at 32, want 0x5678: freed or replaced?",
				      (unsigned long long)val);
	ASSERT_EQ(0, akf_kread(self->env.skel, probe, 40, &val));
	EXPECT_EQ(0x9abc, val)
		TH_LOG("scratch page reads %#llx at 40, want 0x9abc (stored through %#lx after the free)",
		       (unsigned long long)val, b);
	ASSERT_EQ(0, akf_kread(self->env.skel, probe, 48, &val));
	EXPECT_EQ(0, val)
		TH_LOG("scratch page reads %#llx at 48, want 0: it is the page user space got at %#lx",
		       (unsigned long long)val, a);
}

/*
 * User space touching a scratched address gets SIGSEGV; an untouched
 * unallocated address still faults in a fresh page.
 */
TEST_F(arena, user_access_to_scratched_page_segfaults)
{
	unsigned long scratched = self->env.base + 12 * self->env.psz;
	unsigned long untouched = self->env.base + 13 * self->env.psz;

	ASSERT_EQ(0, akf_kwrite(self->env.skel, scratched, 0, 1));
	EXPECT_EQ(SIGSEGV, akf_user_read_signal(scratched))
		TH_LOG("user read of a scratched page did not SIGSEGV");
	EXPECT_EQ(0, akf_user_read_signal(untouched))
		TH_LOG("user read of an untouched page did not fault in a page");
	EXPECT_EQ(0, *(volatile __u64 *)untouched);
}

/* A fault in one arena leaves another arena's same slot untouched. */
TEST_F(arena, arenas_are_isolated)
{
	unsigned long page = 14 * self->env.psz;
	struct arena_kfault *other;
	unsigned long obase;
	char *log;
	size_t size;

	other = arena_kfault__open();
	ASSERT_NE(NULL, other);
	ASSERT_EQ(0, bpf_map__set_map_extra(other->maps.arena, KFAULT_ARENA_BASE * 2));
	ASSERT_EQ(0, arena_kfault__load(other));
	obase = (unsigned long)bpf_map__initial_value(other->maps.arena, &size);

	/* Each arena scratches its own page, seen by its own program only. */
	ASSERT_EQ(0, akf_kwrite(self->env.skel, self->env.base + page, 0, 42));
	EXPECT_EQ(SIGSEGV, akf_user_read_signal(self->env.base + page));
	EXPECT_EQ(0, akf_user_read_signal(obase + page))
		TH_LOG("the other arena's slot was scratched too");
	ASSERT_EQ(0, akf_kwrite(other, obase + page + self->env.psz, 0, 43));
	EXPECT_EQ(0, akf_user_read_signal(self->env.base + page + self->env.psz))
		TH_LOG("this arena's slot was scratched by the other arena's fault");

	log = akf_read_stderr(self->env.skel->progs.kfunc_write);
	EXPECT_EQ(1, akf_reports(log, "WRITE", self->env.base + page))
		TH_LOG("stream of this arena:\n%s", log);
	EXPECT_EQ(1, akf_count(log, "Arena ")) TH_LOG("stream of this arena:\n%s", log);
	free(log);
	log = akf_read_stderr(other->progs.kfunc_write);
	EXPECT_EQ(1, akf_reports(log, "WRITE", obase + page + self->env.psz))
		TH_LOG("stream of the other arena:\n%s", log);
	EXPECT_EQ(1, akf_count(log, "Arena ")) TH_LOG("stream of the other arena:\n%s", log);
	free(log);
	arena_kfault__destroy(other);
}

/*
 * The test module's pins (arena_kfault_kmod.c): a reference it takes on an
 * arena page, so that whether the arena still holds the page shows exactly,
 * in the page's count, whatever else the system allocates.  pin_at() runs
 * in the arena's own skeleton (the kfunc takes the arena pointer); the
 * other two use no arena and run in any loaded skeleton.
 */
static int pin_at(struct arena_kfault *s, unsigned long p)
{
	struct kfault_args a = { .target = p };
	int err = akf_run(s->progs.pin_page, &a);

	return err ? err : (int)a.result;
}

/* How many pinned pages someone else still references, or -errno. */
static int shared_pins(struct arena_kfault *probe)
{
	struct kfault_args a = {};
	int err = akf_run(probe->progs.pins_shared, &a);

	return err ? err : (int)a.result;
}

/* Drop every pin: how many there were, or -errno. */
static int unpin_all_pages(struct arena_kfault *probe)
{
	struct kfault_args a = {};
	int err = akf_run(probe->progs.unpin_all, &a);

	return err ? err : (int)a.result;
}

/* Bound of the waits for deferred frees (workqueue, RCU) to give pages back. */
#define LEAK_WAIT_SEC	20

/*
 * Wait, bounded, until no pinned page is referenced by anyone but its pin;
 * returns how many still are (or -errno).
 */
static int wait_pins_released(struct arena_kfault *probe)
{
	time_t deadline = time(NULL) + akf_scaled_seconds(LEAK_WAIT_SEC);
	int shared;

	while ((shared = shared_pins(probe)) > 0 && time(NULL) < deadline)
		sched_yield();
	return shared;
}

/*
 * One arena's life: kfunc faults on every page and beyond the window, an
 * allocation over the scratched pages, writes.  With @free_pages the pages
 * are freed before the arena is destroyed; without, the teardown must free
 * them.  Every allocated page is pinned (@probe's programs count and drop
 * the pins), so what the free gives back is counted exactly: each page
 * must be back to the one reference of its pin, right after the free (or
 * once the arena is gone).  Returns NULL, or the step that failed.
 *
 * bpf_arena_alloc_pages() takes its pages with alloc_pages_nolock() under
 * the arena lock, in every context, so it fails whenever the zone lock is
 * contended - as it was by the previous cycle's teardown, still running in
 * a workqueue, while it freed that arena's 2048 page tables.  Such a
 * failure changes nothing in the arena, so the allocation is tried again,
 * for up to ALLOC_RETRY_SEC, and counted in *@retried: the contention
 * lasts as long as the other teardown, and a count of immediate tries can
 * run out inside it.  A refusal that outlasts that is a failure.
 */
#define ALLOC_RETRY_SEC	5

/* A kfunc write at @off into each page of the cycle; *@page: the one that failed. */
static int kwrite_each_page(struct arena_kfault *s, unsigned long base, long psz,
			    unsigned long off, unsigned long *page)
{
	int err;

	for (*page = 0; *page < KFAULT_ARENA_PAGES; (*page)++) {
		err = akf_kwrite(s, base + *page * psz, off, base + *page * psz);
		if (err)
			return err;
	}
	return 0;
}

static const char *arena_cycle(struct arena_kfault *probe, long psz, bool free_pages,
			       int *retried)
{
	static char why[192];
	struct arena_kfault *s = arena_kfault__open();
	struct bpf_program *prog;
	unsigned long base, page, got;
	int err, tries, shared, pinned = 0;
	time_t give_up;
	size_t size;

	if (!s)
		return "skeleton open failed";
	/* Verify and load only the four programs a cycle runs. */
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, prog == s->progs.kfunc_write ||
					  prog == s->progs.alloc_pages ||
					  prog == s->progs.free_pages ||
					  prog == s->progs.pin_page);
	why[0] = '\0';
	err = arena_kfault__load(s);
	if (err) {
		snprintf(why, sizeof(why), "load (arena creation, programs): %s", strerror(-err));
		goto out;
	}
	base = (unsigned long)bpf_map__initial_value(s->maps.arena, &size);
	err = kwrite_each_page(s, base, psz, 0, &page);
	if (err) {
		snprintf(why, sizeof(why), "kfunc write to unallocated page %lu: %d", page, err);
		goto out;
	}
	err = akf_kwrite(s, (base & ~(ARENA_SPAN - 1)) + ARENA_SPAN - psz, psz + 8, 1);
	if (err) {
		snprintf(why, sizeof(why), "kfunc write into the upper half-guard: %d", err);
		goto out;
	}
	give_up = time(NULL) + akf_scaled_seconds(ALLOC_RETRY_SEC);
	for (tries = 1; (got = akf_alloc_at(s, base, KFAULT_ARENA_PAGES)) != base; tries++) {
		if (got || time(NULL) >= give_up) {
			snprintf(why, sizeof(why),
				 "allocation over the scratched pages, try %d (%d s): got %#lx, want %#lx",
				 tries, akf_scaled_seconds(ALLOC_RETRY_SEC), got, base);
			goto out;
		}
		(*retried)++;
		sched_yield();
	}
	for (page = 0; page < KFAULT_ARENA_PAGES; page++, pinned++) {
		err = pin_at(s, base + page * psz);
		if (err) {
			snprintf(why, sizeof(why), "pinning allocated page %lu: %d", page, err);
			goto out;
		}
	}
	err = kwrite_each_page(s, base, psz, 8, &page);
	if (err) {
		snprintf(why, sizeof(why), "kfunc write to allocated page %lu: %d", page, err);
		goto out;
	}
	if (free_pages) {
		err = akf_free_at(s, base, KFAULT_ARENA_PAGES);
		if (err) {
			snprintf(why, sizeof(why), "free of the pages: %d", err);
			goto out;
		}
		/* Done when the program returns, unless the free was deferred. */
		shared = wait_pins_released(probe);
		if (shared)
			snprintf(why, sizeof(why),
				 "%d of the %d pages still referenced %d s after their free (<0: reading the pins failed)",
				 shared, pinned, akf_scaled_seconds(LEAK_WAIT_SEC));
	}
out:
	arena_kfault__destroy(s);
	if (!pinned)
		return why[0] ? why : NULL;
	if (!free_pages && !why[0]) {
		/* The teardown frees them, from a workqueue. */
		shared = wait_pins_released(probe);
		if (shared)
			snprintf(why, sizeof(why),
				 "%d of the %d pages still referenced %d s after the arena was destroyed (<0: reading the pins failed)",
				 shared, pinned, akf_scaled_seconds(LEAK_WAIT_SEC));
	}
	err = unpin_all_pages(probe);
	if (err != pinned && !why[0])
		snprintf(why, sizeof(why), "dropped %d pins, want %d", err, pinned);
	return why[0] ? why : NULL;
}

/*
 * Creating, scratching, filling and destroying arenas gives everything back.
 *
 * What one arena's pages amount to: a cycle maps KFAULT_ARENA_PAGES pages
 * (64, 256 KiB) over scratched slots.  MemFree alone (kernel page tables
 * counted apart) moved by -18 to +18 MiB over 100 cycles with nothing lost:
 * free pages wait on the per-CPU lists (most after a burst of frees, such
 * as the 8 MiB of page tables a kernel that frees them frees at once)
 * before MemFree counts them, empty slabs stay with their caches, and a
 * KASAN kernel holds freed objects in its quarantine.  So the measure adds
 * the per-CPU lists back (/proc/zoneinfo) and shrinks every slab cache
 * (which empties the quarantine of each) before it reads: then it moved by
 * less than 0.3 MiB on x86_64, plain or KASAN.  That would tell a page lost
 * a cycle (400 KiB over the rounds) but not one arena's pages lost once
 * (256 KiB), and its two reads race with pages moving between the per-CPU
 * and buddy lists.  So the pages are
 * counted exactly, as the live-page part below does: each cycle pins its 64
 * pages, and once bpf_arena_free_pages() has returned each must be back to
 * its pin alone.  The bound is zero pages: a single page kept by a single
 * free fails the case.  (The scratch page, 4 KiB, is checked exactly by
 * KUnit's teardown_frees_scratch_once.)
 *
 * MemFree still bounds, within its noise, the kernel memory an arena holds
 * besides pages; an arena that is kept whole also keeps its 8 MiB of page
 * tables, which the PageTables bound catches.  Freed arenas and their vmap
 * areas are released lazily (workqueue, lazy vmap purge), so measure after
 * a warm-up that reaches the steady state, and wait - bounded, on the
 * condition itself - for the memory to come back.
 */
#define LEAK_ROUNDS	100
/*
 * An arena whose vmap area lands in a fresh part of vmalloc space allocates
 * its 8 MiB+ of kernel page tables anew, which v7.3 never frees: they are
 * bounded on their own and counted back into MemFree.  What is left is
 * noise (see above).  The slack is the bound of MemFree alone, kept while
 * the noise of the measure is known for x86_64 only; the exact page count
 * is what catches a lost page.
 */
#define LEAK_SLACK_KB	(10 * 1024)
/*
 * A freed arena's range is purged lazily, so an arena now and then lands on a
 * fresh range (about twice in 100 rounds): allow four arenas' page tables
 * (2048 PTE pages for 4 GiB, a few more, each).  Ranges that are never
 * reused would cost 100 of them.
 */
#define LEAK_PT_SLACK_KB	(4 * (8 * 1024 + 64))

/*
 * Free memory: MemFree and the per-CPU lists, after every slab cache has
 * been shrunk, with what kernel page tables took since @pt_base added back.
 */
static long free_but_tables_kb(long pt_base)
{
	long pcp;

	akf_shrink_slab_caches();
	pcp = akf_pcp_kb();
	return akf_meminfo_kb("MemFree") + (pcp > 0 ? pcp : 0) +
	       (akf_meminfo_kb("PageTables") - pt_base);
}
#define LIVE_PAGES	(KFAULT_ARENA_PAGES - 1)
TEST_F_TIMEOUT(arena, teardown_leaks_nothing, akf_scaled_seconds(600))
{
	long before, after, per_round, pt_before, pt_after;
	struct arena_kfault *s, *probe;
	struct timespec t0, t1;
	int retried = 0;
	const char *why;
	unsigned long base, p;
	time_t deadline;
	size_t size;
	int i, shared;

	/*
	 * An arena destroyed while it still has pages (allocated by BPF over
	 * scratched slots, half of them also mapped into user space, after a
	 * slot that still maps the scratch page) gives every one back.  The
	 * test module pins each page, so the check is exact: once the deferred
	 * map free ran, a page's only reference left is the pin.  (No free
	 * memory measure can tell one arena's pages: see above.)
	 */
	s = arena_kfault__open_and_load();
	ASSERT_NE(NULL, s);
	base = (unsigned long)bpf_map__initial_value(s->maps.arena, &size);
	for (p = base; p < base + KFAULT_ARENA_PAGES * self->env.psz; p += self->env.psz)
		ASSERT_EQ(0, akf_kwrite(s, p, 0, p));
	ASSERT_EQ(base + self->env.psz, akf_alloc_at(s, base + self->env.psz, LIVE_PAGES));
	for (i = 1; i <= LIVE_PAGES; i++) {
		p = base + i * self->env.psz;
		if (i % 2)
			*(volatile __u64 *)(p + 16) = p;
		ASSERT_EQ(0, pin_at(s, p)) TH_LOG("pinning page %d", i);
	}
	arena_kfault__destroy(s);
	probe = arena_kfault__open_and_load();
	ASSERT_NE(NULL, probe);
	shared = wait_pins_released(probe);
	EXPECT_EQ(LIVE_PAGES, unpin_all_pages(probe));
	arena_kfault__destroy(probe);
	EXPECT_EQ(0, shared)
		TH_LOG("%d of %d live pages still referenced %d s after their arena was destroyed",
		       shared, LIVE_PAGES, akf_scaled_seconds(LEAK_WAIT_SEC));

	/*
	 * Arenas whose pages were freed first, many of them: each free counted
	 * exactly (arena_cycle()), then MemFree over all of them.
	 */
	ASSERT_LE(0, akf_pcp_kb()) TH_LOG("no per-CPU list counts in /proc/zoneinfo");
	if (!akf_shrink_slab_caches())
		TH_LOG("no slab cache could be shrunk (/sys/kernel/slab): free memory is noisier");
	pt_before = akf_meminfo_kb("PageTables");
	for (i = 0; i < 20; i++) {
		why = arena_cycle(self->env.skel, self->env.psz, true, &retried);
		ASSERT_EQ(NULL, why) TH_LOG("warm-up arena %d: %s", i, why);
	}
	/*
	 * The baseline must not count tables of warm-up arenas whose deferred
	 * free has not run yet: they would be freed during the measurement and
	 * blur it.  Wait, bounded, until at most one arena's worth is left.
	 */
	deadline = time(NULL) + akf_scaled_seconds(LEAK_WAIT_SEC);
	while (akf_meminfo_kb("PageTables") > pt_before + LEAK_PT_SLACK_KB / 4 &&
	       time(NULL) < deadline)
		sched_yield();
	pt_before = akf_meminfo_kb("PageTables");
	before = free_but_tables_kb(pt_before);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < LEAK_ROUNDS; i++) {
		why = arena_cycle(self->env.skel, self->env.psz, true, &retried);
		ASSERT_EQ(NULL, why) TH_LOG("arena %d: %s", i, why);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%d arena lifecycles in %.1f s, every page back after its free; allocations tried again: %d",
	       LEAK_ROUNDS, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, retried);
	/*
	 * Each destroyed arena is freed by a work item (bpf_map_free_deferred()),
	 * which can fall behind a loop like this one: wait, bounded, for both
	 * MemFree and the page tables to come back.
	 */
	deadline = time(NULL) + akf_scaled_seconds(LEAK_WAIT_SEC);
	while (((after = free_but_tables_kb(pt_before)) < before - LEAK_SLACK_KB ||
		akf_meminfo_kb("PageTables") > pt_before + LEAK_PT_SLACK_KB) &&
	       time(NULL) < deadline)
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	TH_LOG("waited %.1f s for the memory of the destroyed arenas",
	       (t0.tv_sec - t1.tv_sec) + (t0.tv_nsec - t1.tv_nsec) / 1e9);
	per_round = (before - after) * 1024 / LEAK_ROUNDS;
	TH_LOG("%d arenas of %d pages: free memory (page tables counted apart) %ld -> %ld kB (%ld bytes/arena)",
	       LEAK_ROUNDS, KFAULT_ARENA_PAGES, before, after, per_round);
	EXPECT_GE(after, before - LEAK_SLACK_KB)
		TH_LOG("%ld bytes lost per arena", per_round);
	/*
	 * Kernel page tables of a vmalloc range outlive it, but later arenas
	 * reuse the range: only a few arenas' tables may be new.
	 */
	pt_after = akf_meminfo_kb("PageTables");
	TH_LOG("PageTables %ld -> %ld kB", pt_before, pt_after);
	EXPECT_LE(pt_after, pt_before + LEAK_PT_SLACK_KB)
		TH_LOG("page tables grew by %ld kB over %d arenas", pt_after - pt_before,
		       LEAK_ROUNDS);
}

#define STRESS_PAGES	8
#define STRESS_ITERS	300
#define NR_FAULTERS	2
#define NR_ALLOCATORS	2
#define NR_STRESS	(NR_FAULTERS + NR_ALLOCATORS)

/* How an iteration of a stress thread ended: each ends in exactly one. */
enum stress_outcome {
	/* faulter: read back an explained value; allocator: allocated, round-tripped, freed */
	ST_DONE,
	ST_ERRORS,	/* a program run failed */
	ST_BAD_VALUE,	/* faulter: read a value that no write explains */
	ST_BAD_DATA,	/* allocator: its marker did not read back */
	ST_TAKEN,	/* allocator: refused while the other allocator held the page */
	ST_LOST,	/* allocator: refused for ALLOC_RETRY_SEC, the page free */
	ST_NOT_RUN,	/* allocator: an iteration after a lost allocation */
	NR_ST_OUTCOMES
};

/* What the threads publish for each other's checks. */
struct stress_shared {
	/* the iteration each faulter writes (or wrote last); -1 before its first */
	int writing[NR_FAULTERS];
	/* odd while an allocator holds a page: from its allocation to its free */
	unsigned int held[NR_ALLOCATORS][STRESS_PAGES];
};

struct stress {
	struct arena_kfault *skel;
	struct stress_shared *sh;
	unsigned long base;
	long psz;
	int id;		/* faulters 0 .. NR_FAULTERS - 1, then the allocators */
	int iters;
	int n[NR_ST_OUTCOMES];
	int read_own;	/* faulter: ST_DONE reads of the value just written */
	int read_zero;	/* faulter: ST_DONE reads of 0 */
	__u64 first_bad;	/* faulter: the first ST_BAD_VALUE read */
	int first_bad_iter;
	int retried;	/* allocator: allocations tried again */
	int lost_page;	/* allocator: the page of its ST_LOST allocation */
};

/*
 * What faulter @id stores in iteration @i: a tag, its id and the iteration,
 * so that a value read back names the store it came from.
 */
#define FAULT_TAG		0xfa17ULL
#define FAULT_VAL(id, i)	((FAULT_TAG << 48) | ((__u64)(id) << 32) | (__u32)(i))

/*
 * Whether a faulter's read of offset 0 in iteration @i may return @val.
 * Only faulters store at offset 0, and only their FAULT_VAL()s; what the
 * slot maps changes under them (scratch page, an allocator's fresh page,
 * empty again, ...).  So the read returns 0 (a page allocated since the
 * store, zeroed, or the scratch page before anyone stored into it), or a
 * value some faulter stored already: this faulter's, from this iteration or
 * an earlier one, or the other faulter's, from an iteration it has reached.
 * Anything else (a page not zeroed, another page's data, the scratch page
 * freed and reused) is a bug.
 */
static bool fault_value_explained(struct stress *st, int i, __u64 val)
{
	int id = (int)((val >> 32) & 0xffff), idx = (int)(__u32)val;

	if (!val)
		return true;
	if (val >> 48 != FAULT_TAG || id >= NR_FAULTERS)
		return false;
	if (id == st->id)
		return idx <= i;
	return idx <= __atomic_load_n(&st->sh->writing[id], __ATOMIC_SEQ_CST);
}

/* Faulters store from kernel text at offset 0 of pages that come and go, and read back. */
static void *stress_faulter(void *arg)
{
	struct stress *st = arg;
	int i;

	for (i = 0; i < st->iters; i++) {
		unsigned long page = st->base + ((i * (st->id + 1)) % STRESS_PAGES) * st->psz;
		__u64 val = 0;

		__atomic_store_n(&st->sh->writing[st->id], i, __ATOMIC_SEQ_CST);
		if (akf_kwrite(st->skel, page, 0, FAULT_VAL(st->id, i)) ||
		    akf_kread(st->skel, page, 0, &val)) {
			st->n[ST_ERRORS]++;
		} else if (!fault_value_explained(st, i, val)) {
			if (!st->n[ST_BAD_VALUE]++) {
				st->first_bad = val;
				st->first_bad_iter = i;
			}
		} else {
			st->n[ST_DONE]++;
			st->read_own += val == FAULT_VAL(st->id, i);
			st->read_zero += !val;
		}
	}
	return NULL;
}

static unsigned int held_gen(struct stress *st, int alloc, int p)
{
	return __atomic_load_n(&st->sh->held[alloc][p], __ATOMIC_SEQ_CST);
}

static void held_step(struct stress *st, int p)
{
	__atomic_add_fetch(&st->sh->held[st->id - NR_FAULTERS][p], 1, __ATOMIC_SEQ_CST);
}

/*
 * Allocators allocate a page of the same range, check through the kernel
 * that a marker at offset 64 (which no faulter touches) reads back, free it.
 *
 * An allocation of the page is refused while the other allocator holds it:
 * that is the contention the case is after, and it shows in the other's
 * held[] count (odd, or changed, around the refused try).  It also fails,
 * changing nothing, when alloc_pages_nolock() finds the zone lock
 * contended (see arena_cycle()), or the arena's lock times out: brief,
 * and gone on a later try.  Any other refusal is tried again, for
 * ALLOC_RETRY_SEC: one that lasts that long with the page free is lost
 * (say, a free that never gave the slot back), and ends the thread.
 */

static void *stress_allocator(void *arg)
{
	struct stress *st = arg;
	int peer = NR_ALLOCATORS - 1 - (st->id - NR_FAULTERS);
	int i;

	for (i = 0; i < st->iters; i++) {
		int p = (i + st->id) % STRESS_PAGES;
		unsigned long page = st->base + p * st->psz;
		__u64 marker = ((__u64)st->id << 32) | i, val = 0;
		time_t give_up = time(NULL) + akf_scaled_seconds(ALLOC_RETRY_SEC);
		enum stress_outcome res;
		struct kfault_args a;
		bool held = false;
		unsigned int seen;
		int err;

		for (;;) {
			seen = held_gen(st, peer, p);
			a = (struct kfault_args){ .target = page, .page_cnt = 1 };
			err = akf_run(st->skel->progs.alloc_pages, &a);
			if (err || a.result)
				break;
			held = (seen & 1) || held_gen(st, peer, p) != seen;
			if (held || time(NULL) >= give_up)
				break;
			st->retried++;
			sched_yield();
		}
		if (err) {
			res = ST_ERRORS;
		} else if (!a.result) {
			res = held ? ST_TAKEN : ST_LOST;
		} else if (a.result != page) {
			akf_free_at(st->skel, a.result, 1);
			res = ST_ERRORS;	/* an allocation at an address not asked for */
		} else {
			held_step(st, p);	/* odd: this allocator holds the page */
			if (akf_kwrite(st->skel, page, 64, marker) || akf_kread(st->skel, page, 64, &val))
				res = ST_ERRORS;
			else if (val != marker)
				res = ST_BAD_DATA;
			else
				res = ST_DONE;
			held_step(st, p);	/* even: about to free it */
			if (akf_free_at(st->skel, page, 1))
				res = ST_ERRORS;
		}
		st->n[res]++;
		if (res == ST_LOST) {
			st->lost_page = p;
			st->n[ST_NOT_RUN] = st->iters - i - 1;
			break;
		}
	}
	return NULL;
}

/*
 * Two threads fault on the same and on different pages while two others
 * allocate and free the same pages, wherever the scheduler puts them (the
 * guest has two CPUs).  Every iteration of every thread is accounted for.
 */
TEST_F_TIMEOUT(arena, concurrent_faults_allocs_frees, akf_scaled_seconds(180))
{
	struct stress_shared sh = { .writing = { -1, -1 } };
	struct stress st[NR_STRESS];
	pthread_t t[NR_STRESS];
	int i, k, sum;

	for (i = 0; i < NR_STRESS; i++) {
		st[i] = (struct stress){ .skel = self->env.skel, .sh = &sh,
					 .base = self->env.base + 32 * self->env.psz,
					 .psz = self->env.psz, .id = i, .iters = STRESS_ITERS };
		ASSERT_EQ(0, pthread_create(&t[i], NULL,
					    i < NR_FAULTERS ? stress_faulter : stress_allocator,
					    &st[i]));
	}
	for (i = 0; i < NR_STRESS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < NR_STRESS; i++) {
		const int *n = st[i].n;

		for (sum = 0, k = 0; k < NR_ST_OUTCOMES; k++)
			sum += n[k];
		EXPECT_EQ(st[i].iters, sum)
			TH_LOG("thread %d: %d iterations, %d accounted for", i, st[i].iters, sum);
		EXPECT_EQ(0, n[ST_ERRORS])
			TH_LOG("thread %d: %d program runs failed", i, n[ST_ERRORS]);
		if (i < NR_FAULTERS) {
			TH_LOG("faulter %d: %d iterations: %d read back an explained value (%d its own store, %d zero, %d an earlier store), %d a value no store explains, %d failed",
			       i, st[i].iters, n[ST_DONE], st[i].read_own, st[i].read_zero,
			       n[ST_DONE] - st[i].read_own - st[i].read_zero, n[ST_BAD_VALUE],
			       n[ST_ERRORS]);
			EXPECT_EQ(0, n[ST_BAD_VALUE])
				TH_LOG("faulter %d: %d reads returned a value no store explains, the first %#llx in iteration %d (explained: 0, its own stores up to that iteration, the other faulter's so far)",
				       i, n[ST_BAD_VALUE], (unsigned long long)st[i].first_bad,
				       st[i].first_bad_iter);
			continue;
		}
		TH_LOG("allocator %d: %d iterations: %d allocated, round-tripped and freed; %d refused while the other allocator held the page; %d lost their data; %d failed; %d refused for %d s with the page free, %d not run after; %d allocations tried again",
		       i, st[i].iters, n[ST_DONE], n[ST_TAKEN], n[ST_BAD_DATA], n[ST_ERRORS],
		       n[ST_LOST], akf_scaled_seconds(ALLOC_RETRY_SEC), n[ST_NOT_RUN], st[i].retried);
		EXPECT_EQ(0, n[ST_BAD_DATA])
			TH_LOG("thread %d: %d allocations lost their data", i, n[ST_BAD_DATA]);
		EXPECT_EQ(0, n[ST_LOST])
			TH_LOG("allocator %d: allocating page %d was refused for %d s while the other allocator did not hold it (zone lock contention passes in far less): was the slot never given back?",
			       i, st[i].lost_page, akf_scaled_seconds(ALLOC_RETRY_SEC));
		/* a run where the other allocator always had the page tests nothing */
		EXPECT_LT(0, n[ST_DONE]) TH_LOG("thread %d (allocator) never succeeded", i);
	}
}

TEST_HARNESS_MAIN
