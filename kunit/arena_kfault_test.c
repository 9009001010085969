// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for BPF arena kernel-fault recovery.
 *
 * This file is #included at the end of kernel/bpf/arena.c (see
 * CONFIG_BPF_ARENA_KFAULT_KUNIT_TEST) so that it can reach the static
 * page-table callbacks and struct bpf_arena.  It relies only on what every
 * implementation of the feature shares, so the same source tests upstream's
 * and this project's: struct bpf_arena::scratch_page and ::nr_pages,
 * struct clear_range_data { arena, free_pages }, apply_range_clear_cb(),
 * existing_page_cb() (called with the arena), arena_map_alloc(),
 * arena_map_free(), arena_alloc_pages(), ptep_try_set() and
 * bpf_arena_handle_page_fault().  The one interface only some trees have,
 * the fixes' bpf_arena_handle_fault() with a candidate caller, is looked up
 * by name at run time (test_handler_with_caller()), so that the file builds
 * everywhere; the cases that use it check the stack walk alone where it is
 * missing.
 *
 * The fault-handler cases run the handler the way the kernel does: from a
 * function called by a JITed BPF program whose aux->arena is the test arena,
 * so that bpf_prog_find_from_stack() finds it.  Accesses inside the recovery
 * range are real faults from kernel text.  Accesses outside it would oops
 * the test thread, so for those the same function calls the handler
 * directly and checks that it declines.
 *
 * Whatever a case sets up is released by a KUnit action, registered as soon
 * as it exists (pages, threads, arenas, the slots a case maps its own pages
 * at), so that a failed assertion, which ends the case at once, leaves
 * nothing behind; waits for other threads are bounded.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/filter.h>
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#define TEST_ARENA_PAGES	16
/* user_vm_start of test arenas: 4 GiB aligned, as for a real mmap() */
#define TEST_USER_VM_START	(1ULL << 32)

struct arena_kfault_ctx {
	struct bpf_arena *arena;
	unsigned long kbase;
};

/* A test arena of @pages pages, or an ERR_PTR. */
static struct bpf_map *test_arena_alloc(u32 pages)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARENA,
		.max_entries = pages,
		.map_flags = BPF_F_MMAPABLE,
		.map_extra = TEST_USER_VM_START,
	};

	return arena_map_alloc(&attr);
}

static void test_arena_free_action(void *arena)
{
	arena_map_free(&((struct bpf_arena *)arena)->map);
}

/*
 * A test arena, freed by a KUnit action when the case ends (or earlier, by
 * kunit_release_action(test, test_arena_free_action, arena)).
 */
static struct bpf_arena *test_arena_create(struct kunit *test, u32 pages)
{
	struct bpf_map *map = test_arena_alloc(pages);
	struct bpf_arena *arena;

	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, map, "arena_map_alloc() failed: %d",
					 PTR_ERR_OR_ZERO(map));
	arena = container_of(map, struct bpf_arena, map);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_arena_free_action, arena));
	return arena;
}

/*
 * The test arena is freed by a KUnit action, so that it goes after the
 * programs, pages and threads of the case (actions run last-registered
 * first), also when a case stops at a failed assertion.
 */
static int arena_kfault_test_init(struct kunit *test)
{
	struct arena_kfault_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->arena = test_arena_create(test, TEST_ARENA_PAGES);
	ctx->kbase = bpf_arena_get_kern_vm_start(ctx->arena);
	test->priv = ctx;
	return 0;
}

/* ---- page-table helpers (they never allocate page tables) ---- */

static int test_set_pte_cb(pte_t *ptep, unsigned long addr, void *data)
{
	set_pte_at(&init_mm, addr, ptep, data ? mk_pte(data, PAGE_KERNEL) : __pte(0));
	return 0;
}

/*
 * Map @page at @kaddr (NULL: clear the PTE), whatever was there.  Only for
 * the recovery range, whose page tables exist: nothing is allocated.
 */
static void test_set_pte(struct kunit *test, unsigned long kaddr, struct page *page)
{
	KUNIT_ASSERT_EQ(test, 0, apply_to_page_range(&init_mm, kaddr, PAGE_SIZE,
						     test_set_pte_cb, page));
}

static int test_get_pte_cb(pte_t *ptep, unsigned long addr, void *data)
{
	*(pte_t **)data = ptep;
	return 0;
}

/* The PTE slot of @kaddr in the recovery range, whose page tables exist. */
static pte_t *test_ptep(unsigned long kaddr)
{
	pte_t *ptep = NULL;

	apply_to_page_range(&init_mm, kaddr, PAGE_SIZE, test_get_pte_cb, &ptep);
	return ptep;
}

/*
 * The page mapped at @kaddr, NULL if none.  Walks existing entries only
 * (empty PTEs are skipped), so it is safe anywhere, guards included.
 */
static struct page *test_mapped_page(unsigned long kaddr)
{
	pte_t *ptep = NULL;
	pte_t pte;

	apply_to_existing_page_range(&init_mm, kaddr, PAGE_SIZE, test_get_pte_cb, &ptep);
	if (!ptep)
		return NULL;
	pte = ptep_get(ptep);
	return pte_present(pte) ? pte_page(pte) : NULL;
}

/* Clear @npages PTEs from @kaddr with apply_range_clear_cb(); returns collected pages. */
static struct llist_node *test_clear(struct kunit *test, struct bpf_arena *arena,
				     unsigned long kaddr, int npages)
{
	LLIST_HEAD(free_pages);
	struct clear_range_data data = {
		.arena = arena,
		.free_pages = &free_pages,
	};

	KUNIT_EXPECT_EQ(test, 0, apply_to_existing_page_range(&init_mm, kaddr,
							      npages * PAGE_SIZE,
							      apply_range_clear_cb, &data));
	return __llist_del_all(&free_pages);
}

static u64 arena_nr_pages(struct bpf_arena *arena)
{
	return READ_ONCE(arena->nr_pages);
}

static int llist_count(struct llist_node *first)
{
	struct llist_node *n;
	int count = 0;

	llist_for_each(n, first)
		count++;
	return count;
}

static bool llist_has_page(struct llist_node *first, struct page *page)
{
	struct llist_node *n;

	llist_for_each(n, first)
		if (llist_entry(n, struct page, pcp_llist) == page)
			return true;
	return false;
}

static void test_free_page_action(void *page)
{
	__free_page(page);
}

/*
 * A zeroed page of the case, freed when the case ends.  Arena PTEs that
 * the case points at it hold no reference: map it with test_map_page(),
 * which unmaps it first, or the arena's teardown would free it again.
 */
static struct page *test_alloc_page(struct kunit *test)
{
	struct page *page = alloc_page(GFP_KERNEL | __GFP_ZERO);

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_free_page_action, page));
	return page;
}

struct test_mapping {
	unsigned long kaddr;
	struct page *page;
};

static int test_unmap_cb(pte_t *ptep, unsigned long addr, void *data)
{
	struct test_mapping *m = data;
	pte_t pte = ptep_get(ptep);

	if (pte_present(pte) && pte_page(pte) == m->page)
		ptep_get_and_clear(&init_mm, addr, ptep);
	return 0;
}

/* Clear @m->kaddr if it still maps the case's @m->page. */
static void test_unmap_action(void *arg)
{
	struct test_mapping *m = arg;

	apply_to_existing_page_range(&init_mm, m->kaddr, PAGE_SIZE, test_unmap_cb, m);
	flush_tlb_kernel_range(m->kaddr, m->kaddr + PAGE_SIZE);
}

/*
 * When the case ends, before @page (from test_alloc_page(), which registered
 * its free earlier) is freed: clear @kaddr if it maps @page then.  For a
 * slot that something other than the case may point at @page.
 */
static struct test_mapping *test_unmap_at_end(struct kunit *test, unsigned long kaddr,
					      struct page *page)
{
	struct test_mapping *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->kaddr = kaddr;
	m->page = page;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_unmap_action, m));
	return m;
}

/* Map the case's @page at @kaddr until the case clears the slot, or ends. */
static struct test_mapping *test_map_page(struct kunit *test, unsigned long kaddr,
					  struct page *page)
{
	struct test_mapping *m = test_unmap_at_end(test, kaddr, page);

	test_set_pte(test, kaddr, page);
	return m;
}

/* ---- apply_range_clear_cb ---- */

/*
 * apply_to_existing_page_range() skips empty PTEs, so the callback is called
 * on the empty slot directly: nothing collected, nothing counted, still empty.
 */
static void clear_cb_empty_pte_is_noop(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	u64 nr_pages = READ_ONCE(ctx->arena->nr_pages);
	pte_t *ptep = test_ptep(ctx->kbase);
	LLIST_HEAD(free_pages);
	struct clear_range_data data = {
		.arena = ctx->arena,
		.free_pages = &free_pages,
	};

	KUNIT_ASSERT_NOT_NULL(test, ptep);
	KUNIT_ASSERT_TRUE(test, pte_none(ptep_get(ptep)));
	KUNIT_EXPECT_EQ(test, apply_range_clear_cb(ptep, ctx->kbase, &data), 0);
	KUNIT_EXPECT_EQ_MSG(test, llist_count(__llist_del_all(&free_pages)), 0,
			    "pages collected from an empty PTE");
	KUNIT_EXPECT_TRUE(test, pte_none(ptep_get(ptep)));
	KUNIT_EXPECT_EQ(test, arena_nr_pages(ctx->arena), nr_pages);
}

static void clear_cb_collects_real_page(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct page *real = test_alloc_page(test);
	struct llist_node *freed;

	test_map_page(test, ctx->kbase, real);
	WRITE_ONCE(ctx->arena->nr_pages, ctx->arena->nr_pages + 1);

	freed = test_clear(test, ctx->arena, ctx->kbase, 1);
	KUNIT_EXPECT_EQ_MSG(test, llist_count(freed), 1, "real page not collected");
	KUNIT_EXPECT_TRUE(test, llist_has_page(freed, real));
	KUNIT_EXPECT_NULL_MSG(test, test_mapped_page(ctx->kbase), "real page PTE not cleared");
	KUNIT_EXPECT_EQ(test, arena_nr_pages(ctx->arena), 0ULL);
}

static void clear_cb_skips_scratch_page(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct page *scratch = ctx->arena->scratch_page;
	int refs = page_ref_count(scratch);
	struct llist_node *freed;

	test_set_pte(test, ctx->kbase, scratch);
	freed = test_clear(test, ctx->arena, ctx->kbase, 1);
	KUNIT_EXPECT_EQ_MSG(test, llist_count(freed), 0,
			    "scratch page collected for freeing");
	KUNIT_EXPECT_NULL_MSG(test, test_mapped_page(ctx->kbase), "scratch PTE not cleared");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(scratch), refs,
			    "scratch page reference count changed");
	KUNIT_EXPECT_EQ_MSG(test, arena_nr_pages(ctx->arena), 0ULL,
			    "scratch page counted in nr_pages");
}

/* [none, real, scratch, real, scratch]: both reals collected, all cleared. */
static void clear_cb_mixed_range(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct page *scratch = ctx->arena->scratch_page;
	struct page *a = test_alloc_page(test), *b = test_alloc_page(test);
	struct llist_node *freed;
	int i;

	test_map_page(test, ctx->kbase + 1 * PAGE_SIZE, a);
	test_set_pte(test, ctx->kbase + 2 * PAGE_SIZE, scratch);
	test_map_page(test, ctx->kbase + 3 * PAGE_SIZE, b);
	test_set_pte(test, ctx->kbase + 4 * PAGE_SIZE, scratch);
	WRITE_ONCE(ctx->arena->nr_pages, 2);

	freed = test_clear(test, ctx->arena, ctx->kbase, 5);
	KUNIT_EXPECT_EQ(test, llist_count(freed), 2);
	KUNIT_EXPECT_TRUE(test, llist_has_page(freed, a));
	KUNIT_EXPECT_TRUE(test, llist_has_page(freed, b));
	KUNIT_EXPECT_FALSE(test, llist_has_page(freed, scratch));
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_NULL_MSG(test, test_mapped_page(ctx->kbase + i * PAGE_SIZE),
				      "PTE %d not cleared", i);
	KUNIT_EXPECT_EQ(test, arena_nr_pages(ctx->arena), 0ULL);
}

/*
 * A clearer and a lock-free installer on two CPUs hammer one slot.  The
 * clearer clears it RACE_ROUNDS times, and goes on until the installer has
 * won RACE_MIN_REAL times (a vCPU of a loaded host can be descheduled for
 * the whole of RACE_ROUNDS), for at most RACE_TIMEOUT; meanwhile the
 * installer keeps refilling the slot with ptep_try_set(), alternating the
 * scratch page and a real page after each success, as the fault path and
 * an allocation would.
 * Every install of the real page must be collected exactly once, and the
 * scratch page never.  (A read-then-clear would pass too: installers only
 * fill empty slots, so a slot the clearer read as full cannot change under
 * it; kernel-patches/series/mutants/README explains why that mutant is left
 * out.)
 */
#define RACE_ROUNDS	20000
#define RACE_MIN_REAL	100
#define RACE_TIMEOUT	(20 * HZ)
/* How long the case waits for the clearer: its rounds on a slow (debug) kernel */
#define RACE_WAIT	(120 * HZ)

struct race_ctx {
	struct kunit *test;
	struct bpf_arena *arena;
	struct page *real;
	pte_t *ptep;
	unsigned long addr;
	atomic_t ready;
	int clear_rounds;
	bool stop;
	long installed_real;
	long collected_real;
	long collected_scratch;
	long collected_other;
	struct task_struct *task[2];	/* installer, clearer */
	struct completion done[2];
};

/* Both threads start together, unless the case is ending. */
static void race_start(struct race_ctx *rc)
{
	atomic_inc(&rc->ready);
	while (atomic_read(&rc->ready) < 2 && !READ_ONCE(rc->stop))
		cpu_relax();
}

static int race_installer(void *arg)
{
	struct race_ctx *rc = arg;
	int i;

	race_start(rc);
	for (i = 0; !READ_ONCE(rc->stop); ) {
		struct page *page = (i & 1) ? rc->real : rc->arena->scratch_page;

		if (ptep_try_set(rc->ptep, mk_pte(page, PAGE_KERNEL))) {
			if (page == rc->real)
				WRITE_ONCE(rc->installed_real, rc->installed_real + 1);
			i++;
		}
		cond_resched();
	}
	complete(&rc->done[0]);
	return 0;
}

static void race_collect(struct race_ctx *rc, struct llist_node *freed)
{
	struct llist_node *n;

	llist_for_each(n, freed) {
		struct page *page = llist_entry(n, struct page, pcp_llist);

		if (page == rc->real)
			rc->collected_real++;
		else if (page == rc->arena->scratch_page)
			rc->collected_scratch++;
		else
			rc->collected_other++;
	}
}

static int race_clearer(void *arg)
{
	unsigned long end = jiffies + RACE_TIMEOUT;
	struct race_ctx *rc = arg;
	int i;

	race_start(rc);
	for (i = 0; i < RACE_ROUNDS || (READ_ONCE(rc->installed_real) < RACE_MIN_REAL &&
					time_before(jiffies, end)); i++) {
		if (READ_ONCE(rc->stop))	/* the case is ending */
			break;
		race_collect(rc, test_clear(rc->test, rc->arena, rc->addr, 1));
		cond_resched();
	}
	rc->clear_rounds = i;
	WRITE_ONCE(rc->stop, true);
	complete(&rc->done[1]);
	return 0;
}

/*
 * When the case ends, however it ends: stop the threads (they finish their
 * round and exit; one never woken exits at once) and drop them.
 */
static void race_stop_action(void *arg)
{
	struct race_ctx *rc = arg;
	unsigned int i;

	WRITE_ONCE(rc->stop, true);
	for (i = 0; i < ARRAY_SIZE(rc->task); i++)
		if (rc->task[i])
			kthread_stop_put(rc->task[i]);
}

static void clear_cb_atomic_against_installer(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct page *scratch = ctx->arena->scratch_page;
	int scratch_refs = page_ref_count(scratch);
	struct task_struct *t;
	unsigned int cpu[2];
	struct race_ctx *rc;

	cpu[0] = cpumask_first(cpu_online_mask);
	cpu[1] = cpumask_next(cpu[0], cpu_online_mask);
	KUNIT_ASSERT_LT_MSG(test, cpu[1], nr_cpu_ids, "needs two online CPUs");

	rc = kunit_kzalloc(test, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rc);
	rc->test = test;
	rc->arena = ctx->arena;
	rc->real = test_alloc_page(test);
	rc->addr = ctx->kbase;
	rc->ptep = test_ptep(rc->addr);
	KUNIT_ASSERT_NOT_NULL(test, rc->ptep);
	/* the installer maps rc->real there */
	test_unmap_at_end(test, rc->addr, rc->real);
	init_completion(&rc->done[0]);
	init_completion(&rc->done[1]);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, race_stop_action, rc));

	t = kthread_create_on_cpu(race_installer, rc, cpu[0], "kfault_inst/%u");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "cannot create the installer: %ld", PTR_ERR(t));
	rc->task[0] = get_task_struct(t);
	t = kthread_create_on_cpu(race_clearer, rc, cpu[1], "kfault_clr/%u");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "cannot create the clearer: %ld", PTR_ERR(t));
	rc->task[1] = get_task_struct(t);
	wake_up_process(rc->task[0]);
	wake_up_process(rc->task[1]);
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&rc->done[1], RACE_WAIT), 0UL,
			    "the clearer did not finish within %d s", RACE_WAIT / HZ);
	KUNIT_ASSERT_NE_MSG(test, wait_for_completion_timeout(&rc->done[0], 10 * HZ), 0UL,
			    "the installer did not stop within 10 s of the clearer");

	/* What the last install left in the slot. */
	race_collect(rc, test_clear(test, ctx->arena, rc->addr, 1));
	WRITE_ONCE(ctx->arena->nr_pages, 0);

	kunit_info(test, "%d clears, %ld installs of the real page\n", rc->clear_rounds,
		   rc->installed_real);
	KUNIT_EXPECT_GT_MSG(test, rc->installed_real, 0L, "installer never won");
	KUNIT_EXPECT_EQ_MSG(test, rc->collected_real, rc->installed_real,
			    "real page installed %ld times but collected %ld times",
			    rc->installed_real, rc->collected_real);
	KUNIT_EXPECT_EQ_MSG(test, rc->collected_scratch, 0L, "scratch page collected");
	KUNIT_EXPECT_EQ(test, rc->collected_other, 0L);
	KUNIT_EXPECT_NULL(test, test_mapped_page(rc->addr));
	KUNIT_EXPECT_EQ(test, page_ref_count(scratch), scratch_refs);
}

/* ---- existing_page_cb and teardown ---- */

/*
 * existing_page_cb() frees real pages and leaves the scratch page alone.
 * An extra reference makes the free observable: a freed page drops to 1.
 */
static void existing_cb_frees_real_only(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct page *scratch = ctx->arena->scratch_page;
	int scratch_refs = page_ref_count(scratch);
	struct page *real = test_alloc_page(test);

	test_map_page(test, ctx->kbase, real);
	test_set_pte(test, ctx->kbase + PAGE_SIZE, scratch);

	/* The reference the walk drops: nothing can end the case before the walk. */
	get_page(real);
	KUNIT_EXPECT_EQ(test, 0, apply_to_existing_page_range(&init_mm, ctx->kbase,
							      2 * PAGE_SIZE,
							      existing_page_cb, ctx->arena));
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(real), 1, "real page not freed");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(scratch), scratch_refs,
			    "scratch page freed by the teardown walk");

	/* existing_page_cb() leaves PTEs in place; the real page's goes at the end. */
	test_set_pte(test, ctx->kbase + PAGE_SIZE, NULL);
}

/*
 * The scratch page is what a faulting kfunc reads, and what user space and
 * BPF see through it: it must start zeroed, or it leaks kernel memory.  A
 * fresh guest's free pages are mostly zero already, so first put dirty pages
 * on this CPU's free lists, where the next order-0 allocations come from.
 */
#define DIRTY_PAGES 16

static void scratch_page_is_zeroed(struct kunit *test)
{
	struct page *dirty[DIRTY_PAGES];
	struct bpf_arena *arena;
	u8 *scratch, *nonzero;
	struct bpf_map *map;
	int i;

	migrate_disable();
	for (i = 0; i < DIRTY_PAGES; i++) {
		dirty[i] = alloc_page(GFP_KERNEL);
		if (dirty[i])
			memset(page_address(dirty[i]), 0xa5, PAGE_SIZE);
	}
	for (i = DIRTY_PAGES - 1; i >= 0; i--)
		if (dirty[i])
			__free_page(dirty[i]);
	map = test_arena_alloc(TEST_ARENA_PAGES);
	migrate_enable();
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	arena = container_of(map, struct bpf_arena, map);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_arena_free_action, arena));

	scratch = page_address(arena->scratch_page);
	nonzero = memchr_inv(scratch, 0, PAGE_SIZE);
	KUNIT_EXPECT_NULL_MSG(test, nonzero,
			      "scratch page of a new arena has %#x at offset %td",
			      nonzero ? *nonzero : 0, nonzero ? nonzero - scratch : 0);
}

/*
 * Destroying an arena frees every real page it maps, in the arena and in the
 * upper half-guard, and the scratch page exactly once, however many slots
 * map it.
 */
static void teardown_frees_scratch_once(struct kunit *test)
{
	struct bpf_arena *arena = test_arena_create(test, TEST_ARENA_PAGES);
	unsigned long kbase = bpf_arena_get_kern_vm_start(arena);
	struct page *scratch = arena->scratch_page;
	struct page *real = test_alloc_page(test);
	struct test_mapping *m;

	m = test_map_page(test, kbase, real);
	test_set_pte(test, kbase + PAGE_SIZE, scratch);
	test_set_pte(test, kbase + 7 * PAGE_SIZE, scratch);
	test_set_pte(test, kbase + SZ_4G, scratch);	/* upper half-guard */
	WRITE_ONCE(arena->nr_pages, 1);

	/*
	 * The references the teardown drops, taken where nothing can end the
	 * case before it: the real page's (as if allocated) and one on the
	 * scratch page, which keeps it for the check.  The arena is freed
	 * now, and its range with it: no slot to clear at the end.
	 */
	get_page(real);
	get_page(scratch);
	kunit_release_action(test, test_arena_free_action, arena);
	kunit_remove_action(test, test_unmap_action, m);

	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(real), 1, "real page not freed");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(scratch), 1,
			    "scratch page must be freed exactly once (refcount %d, want 1)",
			    page_ref_count(scratch));
	put_page(scratch);
}

/*
 * Creating an arena populates the PTE tables of its whole range (2048 of
 * them with 4 KiB pages), and vmalloc never frees kernel page tables, so
 * destroyed arenas must give theirs back, or every arena placed on a range
 * of its own keeps 8 MiB for good.  A kernel may keep a few destroyed
 * arenas' tables for the next arenas to reuse: of TEARDOWN_ARENAS destroyed
 * together, at least half must give theirs back, but for the two tables at
 * the ends of each range, which may map a neighbour.  Kernel page tables
 * count in NR_PAGETABLE; TEARDOWN_SLACK covers the per-CPU counter deltas
 * not yet folded in (a few hundred pages on a small VM).
 */
#define TEARDOWN_ARENAS	8
#define TEARDOWN_SLACK	512
static void teardown_frees_page_tables(struct kunit *test)
{
	const long tables = SZ_4G / PMD_SIZE;
	struct bpf_map *maps[TEARDOWN_ARENAS];
	long live, freed, want;
	int n, i;

	for (n = 0; n < TEARDOWN_ARENAS; n++) {
		maps[n] = test_arena_alloc(TEST_ARENA_PAGES);
		if (IS_ERR_OR_NULL(maps[n]))
			break;
	}
	live = global_node_page_state(NR_PAGETABLE);
	for (i = 0; i < n; i++)
		arena_map_free(maps[i]);
	freed = live - (long)global_node_page_state(NR_PAGETABLE);
	KUNIT_ASSERT_EQ_MSG(test, n, TEARDOWN_ARENAS, "arena_map_alloc() of arena %d failed: %d",
			    n, n < TEARDOWN_ARENAS ? (int)PTR_ERR_OR_ZERO(maps[n]) : 0);
	want = TEARDOWN_ARENAS / 2 * (tables - 2) - TEARDOWN_SLACK;
	KUNIT_EXPECT_GE_MSG(test, freed, want,
			    "destroying %d arenas freed %ld page-table pages, want at least %ld (the PTE tables of half of them)",
			    TEARDOWN_ARENAS, freed, want);
}

/* ---- the fault handler, with a JITed program on the stack ---- */

enum kfault_op { KFAULT_PROBE, KFAULT_READ, KFAULT_WRITE };

/*
 * bpf_arena_handle_fault(addr, is_write, fault_ip, caller_ip) of the fixes:
 * the handler with the faulting function's return address as a candidate
 * caller, which arm64's fault path passes from LR.  Upstream and the series
 * have no such interface (there the stack walk alone finds the program), so
 * it is found by name: NULL where it does not exist.
 */
typedef bool (*arena_fault_with_caller_fn)(unsigned long addr, bool is_write,
					   unsigned long fault_ip, unsigned long caller_ip);

static arena_fault_with_caller_fn test_handler_with_caller(void)
{
	return (arena_fault_with_caller_fn)kallsyms_lookup_name("bpf_arena_handle_fault");
}

struct kfault_call {
	enum kfault_op op;
	unsigned long addr;
	bool write;
	u64 val;
	bool handled;
	/* KFAULT_PROBE through it, with caller_ip, if set */
	arena_fault_with_caller_fn with_caller;
	unsigned long caller_ip;
};

/* Kernel text called by the JITed test program, like a kfunc. */
static noinline u64 kfault_test_call(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	struct kfault_call *c = (struct kfault_call *)(unsigned long)r1;

	switch (c->op) {
	case KFAULT_PROBE:
		if (c->with_caller)
			c->handled = c->with_caller(c->addr, c->write, _THIS_IP_, c->caller_ip);
		else
			c->handled = bpf_arena_handle_page_fault(c->addr, c->write, _THIS_IP_);
		break;
	case KFAULT_READ:
		c->val = READ_ONCE(*(u64 *)c->addr);
		break;
	case KFAULT_WRITE:
		WRITE_ONCE(*(u64 *)c->addr, c->val);
		break;
	}
	return 0;
}

/*
 * A leaf: no calls, so on arm64 it stores no frame record and, when the
 * store faults, the JITed caller is named only by the saved LR.  Kfuncs
 * that just load or store through their argument look like this.
 */
static noinline u64 kfault_test_leaf_write(u64 addr, u64 val, u64 r3, u64 r4, u64 r5)
{
	WRITE_ONCE(*(u64 *)(unsigned long)addr, val);
	return 0;
}

/* Something to call, so that its caller is not a leaf. */
static noinline void kfault_test_nop(void)
{
	barrier();
}

/*
 * Not a leaf: its return address into the JITed caller is in its frame
 * record.  On arm64 it then puts @lr in x30 before the store, as a function
 * that reuses x30 as a scratch register after saving it may, so that when
 * the store faults LR names whatever @lr points to.
 */
static noinline u64 kfault_test_stale_lr_write(u64 addr, u64 val, u64 lr, u64 r4, u64 r5)
{
	kfault_test_nop();
#ifdef CONFIG_ARM64
	if (lr)
		asm volatile("mov x30, %0" : : "r" (lr) : "x30", "memory");
#endif
	WRITE_ONCE(*(u64 *)(unsigned long)addr, val);
	return 0;
}

static void test_prog_destroy(void *prog)
{
	struct bpf_prog *fp = prog;

	bpf_prog_kallsyms_del(fp);
	bpf_prog_free(fp);
}

/*
 * JIT @insns with @arena as the program's arena.  The program is destroyed
 * when the case ends, however it ends: a failed assertion must not leave a
 * JITed program in kallsyms.
 */
static struct bpf_prog *test_prog_jit(struct kunit *test, struct bpf_arena *arena,
				      const struct bpf_insn *insns, u32 len)
{
	struct bpf_prog *fp;
	int err = 0;

	fp = bpf_prog_alloc(bpf_prog_size(len), 0);
	KUNIT_ASSERT_NOT_NULL(test, fp);
	memcpy(fp->insnsi, insns, len * sizeof(*insns));
	fp->len = len;
	fp->type = BPF_PROG_TYPE_SYSCALL;
	fp->aux->arena = arena;
	fp = bpf_prog_select_runtime(fp, &err);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "JIT failed");
	KUNIT_ASSERT_TRUE_MSG(test, fp->jited, "program not JITed");
	/* bpf_prog_find_from_stack() looks programs up by address. */
	bpf_prog_kallsyms_add(fp);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, test_prog_destroy, fp));
	return fp;
}

/* JIT "call kfault_test_call(ctx); exit". */
static struct bpf_prog *test_prog_create(struct kunit *test, struct bpf_arena *arena)
{
	const struct bpf_insn insns[] = {
		BPF_EMIT_CALL(kfault_test_call),
		BPF_EXIT_INSN(),
	};

	return test_prog_jit(test, arena, insns, ARRAY_SIZE(insns));
}

/* JIT "call kfault_test_leaf_write(ctx->addr, ctx->val); exit". */
static struct bpf_prog *test_prog_create_leaf(struct kunit *test, struct bpf_arena *arena)
{
	const struct bpf_insn insns[] = {
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, offsetof(struct kfault_call, val)),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_1, offsetof(struct kfault_call, addr)),
		BPF_EMIT_CALL(kfault_test_leaf_write),
		BPF_EXIT_INSN(),
	};

	return test_prog_jit(test, arena, insns, ARRAY_SIZE(insns));
}

/* JIT "call kfault_test_stale_lr_write(ctx->addr, ctx->val, ctx->caller_ip); exit". */
static struct bpf_prog *test_prog_create_stale_lr(struct kunit *test, struct bpf_arena *arena)
{
	const struct bpf_insn insns[] = {
		BPF_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_1, offsetof(struct kfault_call, caller_ip)),
		BPF_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1, offsetof(struct kfault_call, val)),
		BPF_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_1, offsetof(struct kfault_call, addr)),
		BPF_EMIT_CALL(kfault_test_stale_lr_write),
		BPF_EXIT_INSN(),
	};

	return test_prog_jit(test, arena, insns, ARRAY_SIZE(insns));
}

static void test_prog_call(struct bpf_prog *fp, struct kfault_call *c)
{
	bpf_prog_run_pin_on_cpu(fp, c);
}

/*
 * Run @fp for a real fault on an empty slot of @arena.  The handler asks for
 * a retry whether or not ptep_try_set() installed anything, so an installer
 * that never installs (the generic stub, which v7.3 arm64 falls back to
 * without CONFIG_ARM64_CONTPTE) turns the fault into an endless loop.  Try
 * the installer on a spare slot first and fail the case instead of hanging.
 */
static void test_prog_fault(struct kunit *test, struct bpf_arena *arena,
			    struct bpf_prog *fp, struct kfault_call *c)
{
	unsigned long spare = bpf_arena_get_kern_vm_start(arena) +
			      (TEST_ARENA_PAGES - 1) * PAGE_SIZE;
	pte_t *ptep = test_ptep(spare);
	bool installed;

	KUNIT_ASSERT_NOT_NULL(test, ptep);
	KUNIT_ASSERT_TRUE(test, pte_none(ptep_get(ptep)));
	installed = ptep_try_set(ptep, mk_pte(arena->scratch_page, PAGE_KERNEL));
	if (installed)
		test_set_pte(test, spare, NULL);	/* never accessed: no TLB entry */
	KUNIT_ASSERT_TRUE_MSG(test, installed,
			      "ptep_try_set() installed nothing into an empty kernel PTE: a real fault would be retried forever");
	test_prog_call(fp, c);
}

/* Drain @fp's stderr stream into a NUL-terminated kunit allocation. */
static char *test_read_stderr(struct kunit *test, struct bpf_prog *fp)
{
	unsigned long ubuf;
	char *buf;
	int n;

	ubuf = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, ubuf, 0UL, "no user buffer for the stream");
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	n = bpf_prog_stream_read(fp, BPF_STDERR, (void __user *)ubuf, PAGE_SIZE - 1);
	KUNIT_ASSERT_GE_MSG(test, n, 0, "stream read failed: %d", n);
	KUNIT_ASSERT_EQ(test, 0UL, copy_from_user(buf, (void __user *)ubuf, n));
	buf[n] = '\0';
	return buf;
}

/* The stderr stream must report @kind at the user address of @kaddr's page. */
static void expect_report(struct kunit *test, struct bpf_prog *fp,
			  unsigned long kbase, unsigned long kaddr, const char *kind)
{
	unsigned long uaddr = TEST_USER_VM_START + ((kaddr & PAGE_MASK) - kbase);
	char *log = test_read_stderr(test, fp);
	char want[96];

	snprintf(want, sizeof(want), "Arena %s access at unmapped address 0x%lx\n",
		 kind, uaddr);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(log, want),
				  "expected \"%s\" in the stderr stream, got:\n%s", want, log);
}

struct range_case {
	const char *name;
	long offset;		/* from kbase */
	bool recovers;
};

static const struct range_case range_cases[] = {
	{ "lower_guard_last_byte",	-1,				false },
	{ "lower_guard_first_byte",	-(long)(GUARD_SZ / 2),		false },
	{ "kbase",			0,				true },
	{ "arena_last_byte",		SZ_4G - 1,			true },
	{ "upper_guard_first_byte",	SZ_4G,				true },
	{ "upper_guard_last_byte",	SZ_4G + GUARD_SZ / 2 - 1,	true },
	{ "beyond_upper_guard",		SZ_4G + GUARD_SZ / 2,		false },
	{ "far_away",			8 * (long)SZ_1G,		false },
};

KUNIT_ARRAY_PARAM_DESC(range, range_cases, name);

/*
 * The handler's range check at each boundary.  In range: returns true, the
 * slot maps the scratch page, the program's stream reports the access.  Out
 * of range: returns false and installs nothing.
 */
static void handler_range_boundaries(struct kunit *test)
{
	const struct range_case *rc = test->param_value;
	struct arena_kfault_ctx *ctx = test->priv;
	unsigned long addr = ctx->kbase + rc->offset;
	struct kfault_call c = { .op = KFAULT_PROBE, .addr = addr, .write = true };
	struct page *before = rc->recovers ? NULL : test_mapped_page(addr);
	struct bpf_prog *fp = test_prog_create(test, ctx->arena);

	test_prog_call(fp, &c);
	KUNIT_EXPECT_EQ_MSG(test, c.handled, rc->recovers,
			    "handler returned %d for kbase%+ld", c.handled, rc->offset);
	if (rc->recovers) {
		KUNIT_EXPECT_PTR_EQ_MSG(test, test_mapped_page(addr), ctx->arena->scratch_page,
					"scratch page not installed");
		expect_report(test, fp, ctx->kbase, addr, "WRITE");
	} else {
		KUNIT_EXPECT_PTR_EQ_MSG(test, test_mapped_page(addr), before,
					"handler changed a PTE outside the recovery range");
		KUNIT_EXPECT_STREQ(test, test_read_stderr(test, fp), "");
	}
}

static void handler_ignores_prog_without_arena(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct kfault_call c = { .op = KFAULT_PROBE, .addr = ctx->kbase };
	struct bpf_prog *fp = test_prog_create(test, NULL);

	test_prog_call(fp, &c);
	KUNIT_EXPECT_FALSE_MSG(test, c.handled, "recovered for a program without an arena");
	KUNIT_EXPECT_NULL(test, test_mapped_page(ctx->kbase));
}

static void handler_ignores_no_prog_on_stack(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;

	KUNIT_EXPECT_FALSE(test, bpf_arena_handle_page_fault(ctx->kbase, true, _THIS_IP_));
	KUNIT_EXPECT_NULL(test, test_mapped_page(ctx->kbase));
}

/*
 * A real access from kernel text at @offset from kbase, an unallocated
 * page: the fault installs the scratch page, the access completes through
 * it (a store lands in it, a load reads what it holds) and the program's
 * stream reports it.  @leaf: make the access from a leaf function, which
 * on arm64 has no frame record, so only the saved LR names the program.
 */
static void expect_real_fault_recovers(struct kunit *test, unsigned long offset,
				       bool write, bool leaf)
{
	const u64 val = write ? 0xfeedfacecafebeefULL : 0x5c7a7c4ULL;
	struct arena_kfault_ctx *ctx = test->priv;
	unsigned long addr = ctx->kbase + offset;
	u64 *scratch = page_address(ctx->arena->scratch_page);
	u64 *slot = scratch + offset_in_page(addr) / sizeof(u64);
	struct kfault_call c = {
		.op = write ? KFAULT_WRITE : KFAULT_READ,
		.addr = addr,
		.val = write ? val : 0,
	};
	struct bpf_prog *fp;

	KUNIT_ASSERT_TRUE(test, write || !leaf);	/* the leaf only stores */
	fp = leaf ? test_prog_create_leaf(test, ctx->arena) : test_prog_create(test, ctx->arena);
	if (!write)
		WRITE_ONCE(*slot, val);
	test_prog_fault(test, ctx->arena, fp, &c);
	KUNIT_EXPECT_PTR_EQ(test, test_mapped_page(addr), ctx->arena->scratch_page);
	if (write)
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(*slot), val,
				    "the store did not land in the scratch page");
	else
		KUNIT_EXPECT_EQ_MSG(test, c.val, val, "the load did not read the scratch page");
	expect_report(test, fp, ctx->kbase, addr, write ? "WRITE" : "READ");
}

static void real_fault_write_recovers(struct kunit *test)
{
	expect_real_fault_recovers(test, 5 * PAGE_SIZE + 64, true, false);
}

static void real_fault_in_leaf_function_recovers(struct kunit *test)
{
	expect_real_fault_recovers(test, 9 * PAGE_SIZE + 8, true, true);
}

/* In the upper half-guard, its last u64. */
static void real_fault_read_upper_guard_recovers(struct kunit *test)
{
	expect_real_fault_recovers(test, SZ_4G + GUARD_SZ / 2 - 8, false, false);
}

/*
 * The candidate caller (arm64: LR at the fault) names a live BPF program
 * whose arena does not contain the address: a function that is not a leaf
 * may hold anything in x30.  The handler must not take that program; the
 * stack walk finds the caller, whose arena it is.
 */
struct caller_case {
	const char *name;
	bool real_fault;
};

static const struct caller_case caller_cases[] = {
	/* the handler, called directly with the other program as candidate */
	{ "probe",	false },
	/* a real fault from a non-leaf function whose x30 names the other program */
	{ "real_fault",	true },
};

KUNIT_ARRAY_PARAM_DESC(caller, caller_cases, name);

static void caller_candidate_outside_arena(struct kunit *test)
{
	const bool real_fault = ((const struct caller_case *)test->param_value)->real_fault;
	arena_fault_with_caller_fn with_caller = test_handler_with_caller();
	struct arena_kfault_ctx *ctx = test->priv;
	unsigned long addr = ctx->kbase + 11 * PAGE_SIZE + 16;
	u64 *scratch = page_address(ctx->arena->scratch_page);
	struct kfault_call c = {
		.op = real_fault ? KFAULT_WRITE : KFAULT_PROBE,
		.addr = addr,
		.write = true,
		.val = 0x0dd1ca11e5ULL,
	};
	struct bpf_arena *other_arena;
	struct bpf_prog *fp, *other;

	/* freed by its action, after the program made for it */
	other_arena = test_arena_create(test, TEST_ARENA_PAGES);
	other = test_prog_create(test, other_arena);
	fp = real_fault ? test_prog_create_stale_lr(test, ctx->arena) :
			  test_prog_create(test, ctx->arena);

	if (with_caller) {
		/* a plausible return address: just past a call at its start */
		c.caller_ip = (unsigned long)other->bpf_func + 4;
		c.with_caller = real_fault ? NULL : with_caller;
	} else {
		kunit_info(test, "no candidate-caller interface in this tree: stack walk only\n");
	}

	if (real_fault) {
		test_prog_fault(test, ctx->arena, fp, &c);
		KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(scratch[offset_in_page(addr) / sizeof(u64)]),
				    c.val, "the store did not land in the scratch page");
	} else {
		test_prog_call(fp, &c);
		KUNIT_EXPECT_TRUE_MSG(test, c.handled,
				      "the handler declined an access to its caller's arena because the candidate caller names another program, whose arena does not contain it");
	}
	KUNIT_EXPECT_PTR_EQ(test, test_mapped_page(addr), ctx->arena->scratch_page);
	expect_report(test, fp, ctx->kbase, addr, "WRITE");
	KUNIT_EXPECT_STREQ_MSG(test, test_read_stderr(test, other), "",
			       "the fault was reported to the program the candidate caller names");
}

/* ---- install semantics ---- */

/* A fault on a populated slot (lost race) leaves the slot alone. */
static void handler_keeps_populated_pte(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct kfault_call c = { .op = KFAULT_PROBE, .addr = ctx->kbase };
	struct page *real = test_alloc_page(test);
	struct bpf_prog *fp = test_prog_create(test, ctx->arena);

	test_map_page(test, ctx->kbase, real);
	test_prog_call(fp, &c);
	KUNIT_EXPECT_TRUE_MSG(test, c.handled, "retry refused on a populated slot");
	KUNIT_EXPECT_PTR_EQ_MSG(test, test_mapped_page(ctx->kbase), real,
				"handler replaced a populated PTE");
}

/*
 * The handler may only ask for a retry once the slot maps a page: an access
 * to a slot that ptep_try_set() cannot fill would fault again forever, and
 * must oops instead.  x86's pte_none() also accepts the accessed and dirty
 * bits that Knights Landing may leave in a cleared PTE, which a cmpxchg
 * against zero cannot replace: such a slot must be filled or refused.  On
 * arm64 only zero is empty, and this checks that the installer installs
 * (the generic ptep_try_set() never does).
 */
static void handler_retries_only_filled_slot(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	unsigned long kaddr = ctx->kbase + 2 * PAGE_SIZE;
	struct kfault_call c = { .op = KFAULT_PROBE, .addr = kaddr, .write = true };
	struct bpf_prog *fp = test_prog_create(test, ctx->arena);
	pte_t *ptep = test_ptep(kaddr);
	pte_t empty = __pte(0);
	pte_t pte;

	KUNIT_ASSERT_NOT_NULL(test, ptep);
#ifdef _PAGE_KNL_ERRATUM_MASK
	empty = __pte(_PAGE_KNL_ERRATUM_MASK);
#endif
	KUNIT_ASSERT_TRUE(test, pte_none(empty));
	set_pte_at(&init_mm, kaddr, ptep, empty);	/* not present: nothing cached */

	test_prog_call(fp, &c);
	pte = ptep_get(ptep);
	if (c.handled) {
		KUNIT_EXPECT_TRUE_MSG(test, pte_present(pte),
				      "the handler asked for a retry, but the slot maps nothing (%#llx): a real fault would fault again forever",
				      (unsigned long long)pte_val(pte));
		if (pte_present(pte))
			KUNIT_EXPECT_PTR_EQ(test, pte_page(pte), ctx->arena->scratch_page);
	} else {
		KUNIT_EXPECT_EQ_MSG(test, (u64)pte_val(pte), (u64)pte_val(empty),
				    "a slot the handler refused was changed");
		kunit_info(test, "slot %#llx refused: the access would oops\n",
			   (unsigned long long)pte_val(empty));
	}
	test_set_pte(test, kaddr, NULL);
}

/* bpf_arena_alloc_pages() over a scratched slot maps a fresh zeroed page. */
static void alloc_over_scratch_maps_fresh_page(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	unsigned long kaddr = ctx->kbase + 3 * PAGE_SIZE;
	struct kfault_call c = { .op = KFAULT_WRITE, .addr = kaddr, .val = 0xdead };
	struct bpf_prog *fp = test_prog_create(test, ctx->arena);
	struct page *page;
	u64 before, val;
	long uaddr;

	test_prog_fault(test, ctx->arena, fp, &c);
	KUNIT_ASSERT_PTR_EQ(test, test_mapped_page(kaddr), ctx->arena->scratch_page);

	/*
	 * One CPU from the access that caches the scratch translation to the
	 * check: after a migration the check would read through another TLB.
	 */
	migrate_disable();
	before = READ_ONCE(*(u64 *)kaddr);
	uaddr = arena_alloc_pages(ctx->arena, TEST_USER_VM_START + 3 * PAGE_SIZE, 1,
				  NUMA_NO_NODE, true);
	val = uaddr ? READ_ONCE(*(u64 *)kaddr) : ~0ULL;
	migrate_enable();

	KUNIT_EXPECT_EQ(test, before, 0xdeadULL);
	KUNIT_ASSERT_EQ_MSG(test, uaddr, (long)(TEST_USER_VM_START + 3 * PAGE_SIZE),
			    "allocation over a scratched slot failed");
	page = test_mapped_page(kaddr);
	KUNIT_EXPECT_NOT_NULL(test, page);
	KUNIT_EXPECT_PTR_NE_MSG(test, page, ctx->arena->scratch_page,
				"slot still maps the scratch page");
	KUNIT_EXPECT_TRUE_MSG(test, page && !memchr_inv(page_address(page), 0, PAGE_SIZE),
			      "the new page is not zeroed");
	/* Through the arena's kernel mapping, on the CPU that saw the scratch page. */
	KUNIT_EXPECT_EQ_MSG(test, val, 0ULL,
			    "the kernel still sees the scratch page (read %#llx) after the allocation",
			    val);
}

/*
 * Whether a non-sleepable allocation may be refused a scratched slot.  The
 * scratch page's translation, which other CPUs may have cached, must be
 * gone from every TLB before the allocation returns.  arm64 breaks before
 * make with a broadcast TLBI, an instruction, no IPI: every implementation
 * replaces the scratch page there in any context (v7.3's
 * flush_tlb_before_set(), which the fixes keep; the series'
 * ptep_try_replace(), ptep_try_replace_is_global()), so a refusal is a bug.
 * x86 needs IPIs, which a caller with interrupts off cannot send: the fixes
 * and the series refuse (v7.3 replaces the PTE and flushes nothing, bug 1).
 * Told by the arch: the implementations share no symbol for it.
 */
static bool nonsleepable_replace_may_be_refused(void)
{
	return !IS_ENABLED(CONFIG_ARM64);
}

/*
 * bpf_arena_alloc_pages() of the one page at @uaddr, *@tries: how many tries
 * it took.  It takes its page with alloc_pages_nolock(), which also fails
 * when it cannot take a contended zone lock at once (for as long as another
 * CPU allocates, not for a number of tries), and its own lock may time out:
 * such a failure changes nothing in the arena, and the next try is a new
 * chance.  So an allocation that must succeed is tried until it does, or
 * both ALLOC_TRIES tries and ALLOC_TRY_MS have gone by (ALLOC_TRIES_MAX
 * bounds it should the clock not advance).  One this arch may refuse, whose
 * refusal repeats on every try, gets ALLOC_TRIES: a caller may have
 * interrupts off, and spinning on a known answer would keep them off.
 */
#define ALLOC_TRIES	8
#define ALLOC_TRY_MS	50
#define ALLOC_TRIES_MAX	100000

static long test_alloc_tries(struct bpf_arena *arena, long uaddr, bool sleepable, int *tries)
{
	bool may_refuse = !sleepable && nonsleepable_replace_may_be_refused();
	u64 deadline = ktime_get_ns() + ALLOC_TRY_MS * NSEC_PER_MSEC;
	long got;

	for (*tries = 1; ; (*tries)++) {
		got = arena_alloc_pages(arena, uaddr, 1, NUMA_NO_NODE, sleepable);
		if (got || *tries == ALLOC_TRIES_MAX)
			return got;
		if (*tries >= ALLOC_TRIES && (may_refuse || ktime_get_ns() > deadline))
			return got;
		cpu_relax();
	}
}

/*
 * A refused allocation leaves the slot as it was: the scratch page mapped,
 * nr_pages unchanged, and the slot free, so that a sleepable allocation,
 * which may flush, gets it (not refused for good: the allocator keeps
 * finding the same free range).
 */
static void expect_refused_cleanly(struct kunit *test, struct bpf_arena *arena,
				   unsigned long kaddr, long uaddr, u64 nr_pages, int refusals)
{
	long got;
	int tries;

	KUNIT_EXPECT_PTR_EQ_MSG(test, test_mapped_page(kaddr), arena->scratch_page,
				"a refused allocation changed the slot");
	KUNIT_EXPECT_EQ_MSG(test, arena_nr_pages(arena), nr_pages,
			    "a refused allocation changed nr_pages");
	kunit_info(test, "non-sleepable allocation over the scratch page refused (%d tries)\n",
		   refusals);
	got = test_alloc_tries(arena, uaddr, true, &tries);
	KUNIT_EXPECT_EQ_MSG(test, got, uaddr,
			    "after the refusal a sleepable allocation of the slot got %#lx in %d tries, want %#lx: the refusal kept the slot",
			    (unsigned long)got, tries, (unsigned long)uaddr);
}

/*
 * An allocation over the scratched slot @kaddr, at @want, returned @uaddr
 * after @tries tries.  True when it mapped the slot, for the caller to check
 * what the CPUs see; otherwise checks that a refusal was allowed and clean.
 */
static bool expect_allocated(struct kunit *test, struct bpf_arena *arena, unsigned long kaddr,
			     long want, long uaddr, int tries, bool sleepable, u64 nr_pages)
{
	if (uaddr == want) {
		if (tries > 1)
			kunit_info(test, "allocation over the scratch page took %d tries\n",
				   tries);
		return true;
	}
	if (uaddr) {
		KUNIT_FAIL(test, "allocation at %#lx returned %#lx",
			   (unsigned long)want, (unsigned long)uaddr);
	} else if (sleepable) {
		KUNIT_FAIL(test, "sleepable allocation over a scratched slot failed (%d tries)",
			   tries);
	} else if (!nonsleepable_replace_may_be_refused()) {
		KUNIT_FAIL(test,
			   "non-sleepable allocation over a scratched slot refused (%d tries): this arch replaces the scratch page with a broadcast TLB invalidation, no IPI, in any context",
			   tries);
	} else {
		expect_refused_cleanly(test, arena, kaddr, want, nr_pages, tries);
	}
	return false;
}

/*
 * The same from a non-sleepable allocation, on the CPU that cached the
 * scratch page's translation: preemption stays off from the access that
 * caches it to the check, so nothing else can flush it in between.  A
 * fresh page this CPU sees, or, where that needs IPIs (x86), the slot
 * refused and left as it was.
 */
static void alloc_over_scratch_nonsleepable_same_cpu(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	unsigned long kaddr = ctx->kbase + 6 * PAGE_SIZE;
	long want = (long)(TEST_USER_VM_START + 6 * PAGE_SIZE);
	struct kfault_call c = { .op = KFAULT_WRITE, .addr = kaddr, .val = 0xbad };
	struct bpf_prog *fp = test_prog_create(test, ctx->arena);
	u64 before, after, nr_pages;
	long uaddr;
	int tries;

	test_prog_fault(test, ctx->arena, fp, &c);
	KUNIT_ASSERT_PTR_EQ(test, test_mapped_page(kaddr), ctx->arena->scratch_page);
	nr_pages = arena_nr_pages(ctx->arena);

	preempt_disable();
	before = READ_ONCE(*(u64 *)kaddr);	/* caches the scratch translation */
	uaddr = test_alloc_tries(ctx->arena, want, false, &tries);
	after = uaddr ? READ_ONCE(*(u64 *)kaddr) : ~0ULL;
	preempt_enable();

	KUNIT_EXPECT_EQ(test, before, 0xbadULL);
	if (expect_allocated(test, ctx->arena, kaddr, want, uaddr, tries, false, nr_pages))
		KUNIT_EXPECT_EQ_MSG(test, after, 0ULL,
				    "this CPU still sees the scratch page (read %#llx)", after);
}

/*
 * Allocations without an address start at the best-fitting free range: here
 * the first page, which a kfunc scratched.  On x86-64 a non-sleepable
 * allocation cannot flush other CPUs' TLBs and is refused that page, and as
 * a refusal changes nothing the next one picks it again, until a sleepable
 * allocation takes it (Documentation/bpf/kfuncs.rst states the limit).
 * arm64 flushes with a broadcast TLBI in any context: there every
 * allocation succeeds, the first on the scratched page.  No allocation may
 * hand out the page while this CPU still sees the scratch page there.
 */
#define REPEATED_ALLOCS	8

static void alloc_over_scratch_nonsleepable_repeated(struct kunit *test)
{
	const bool refuses = !IS_ENABLED(CONFIG_ARM64);
	const long first = TEST_USER_VM_START;	/* the page at kbase */
	struct arena_kfault_ctx *ctx = test->priv;
	u64 *kaddr = (u64 *)ctx->kbase;
	struct kfault_call c = { .op = KFAULT_WRITE, .addr = ctx->kbase, .val = 0x5c7a };
	struct bpf_prog *fp = test_prog_create(test, ctx->arena);
	long uaddr, got[REPEATED_ALLOCS];
	int i, refused = 0;
	unsigned long flags;
	u64 nr_pages, after;

	test_prog_fault(test, ctx->arena, fp, &c);
	KUNIT_ASSERT_PTR_EQ(test, test_mapped_page(ctx->kbase), ctx->arena->scratch_page);
	nr_pages = arena_nr_pages(ctx->arena);

	for (i = 0; i < REPEATED_ALLOCS; i++) {
		int tries;

		/* as a program running with interrupts off: no IPIs */
		local_irq_save(flags);
		(void)READ_ONCE(*kaddr);	/* this CPU caches what the slot maps */
		/* tried again: alloc_pages_nolock() may fail on a busy zone lock */
		got[i] = test_alloc_tries(ctx->arena, 0, false, &tries);
		after = got[i] == first ? READ_ONCE(*kaddr) : 0;
		local_irq_restore(flags);

		if (!got[i])
			refused++;
		KUNIT_EXPECT_EQ_MSG(test, after, 0ULL,
				    "non-sleepable allocation %d got the scratched page, but this CPU still reads %#llx (the scratch page) there",
				    i + 1, after);
	}
	kunit_info(test, "%d of %d non-sleepable allocations refused\n", refused,
		   REPEATED_ALLOCS);

	if (!refuses) {
		KUNIT_EXPECT_EQ_MSG(test, refused, 0,
				    "%d of %d non-sleepable allocations refused: arm64 replaces the scratch page in any context",
				    refused, REPEATED_ALLOCS);
		KUNIT_EXPECT_EQ_MSG(test, got[0], first,
				    "the first allocation did not take the first free page (got %#lx)",
				    got[0]);
		return;
	}

	/*
	 * Without IPIs an implementation may refuse the scratched slot (the
	 * fixes, documented in kfuncs.rst) or map it and make this CPU see the
	 * new page (checked above).  A refusal must last and stay clean until
	 * a sleepable allocation takes the page.
	 */
	if (!refused)
		return;
	KUNIT_ASSERT_EQ_MSG(test, refused, REPEATED_ALLOCS,
			    "%d of %d non-sleepable allocations refused: a refusal of the scratched slot lasts until it is allocated sleepably or freed",
			    refused, REPEATED_ALLOCS);
	KUNIT_EXPECT_PTR_EQ_MSG(test, test_mapped_page(ctx->kbase), ctx->arena->scratch_page,
				"the refused allocations changed the slot");
	KUNIT_EXPECT_EQ_MSG(test, arena_nr_pages(ctx->arena), nr_pages,
			    "the refused allocations changed nr_pages");

	/* A sleepable allocation takes the page, and the refusals stop. */
	migrate_disable();
	(void)READ_ONCE(*kaddr);
	uaddr = test_alloc_tries(ctx->arena, 0, true, &i);
	after = uaddr == first ? READ_ONCE(*kaddr) : ~0ULL;
	migrate_enable();
	KUNIT_EXPECT_EQ_MSG(test, uaddr, first,
			    "a sleepable allocation did not take the scratched page (got %#lx)", uaddr);
	KUNIT_EXPECT_EQ_MSG(test, after, 0ULL,
			    "this CPU reads %#llx from the page a sleepable allocation mapped", after);

	local_irq_save(flags);
	uaddr = test_alloc_tries(ctx->arena, 0, false, &i);
	local_irq_restore(flags);
	KUNIT_EXPECT_NE_MSG(test, uaddr, 0L,
			    "a non-sleepable allocation still failed once the scratched page was allocated");
}

/*
 * Another CPU caches the scratch page's translation, then the slot is
 * allocated.  Once the allocation has returned, that CPU must read what is
 * written to the new page, not the scratch page: the replaced PTE is global,
 * and only a TLB flush on that CPU drops the stale entry.  The observer
 * spins with preemption off between its two reads, so only a flush of its
 * TLB (an IPI or a broadcast TLBI) can make it see the new page.
 */
#define OBSERVER_TIMEOUT	(10 * HZ)

struct tlb_observer {
	unsigned long kaddr;
	struct task_struct *task;
	atomic_t cached;	/* observer: read the slot, its translation is cached */
	atomic_t go;		/* case: allocated (or ending), read the slot again */
	u64 before;
	u64 after;
	bool timed_out;
};

/* Wait, bounded, for @flag to be set. */
static bool flag_wait(atomic_t *flag)
{
	unsigned long end = jiffies + OBSERVER_TIMEOUT;

	while (!atomic_read_acquire(flag)) {
		if (time_after(jiffies, end))
			return false;
		cpu_relax();
	}
	return true;
}

static int tlb_observer_fn(void *arg)
{
	struct tlb_observer *o = arg;

	preempt_disable();
	o->before = READ_ONCE(*(u64 *)o->kaddr);
	atomic_set_release(&o->cached, 1);
	o->timed_out = !flag_wait(&o->go);
	o->after = READ_ONCE(*(u64 *)o->kaddr);
	preempt_enable();
	return 0;
}

/*
 * When the case ends, however it ends (or earlier, through
 * kunit_release_action()): let the observer read again and return, wait
 * for it, drop it.  Its wait is bounded, and so is this one.
 */
static void tlb_observer_stop(void *arg)
{
	struct tlb_observer *o = arg;

	atomic_set_release(&o->go, 1);
	kthread_stop_put(o->task);
}

/* The other online CPU with the lowest number, or nr_cpu_ids if none. */
static unsigned int other_online_cpu(unsigned int cpu)
{
	unsigned int other;

	for_each_online_cpu(other)
		if (other != cpu)
			return other;
	return nr_cpu_ids;
}

struct alloc_context {
	const char *name;
	bool sleepable;
};

static const struct alloc_context alloc_contexts[] = {
	{ "sleepable",		true },
	{ "non_sleepable",	false },
};

KUNIT_ARRAY_PARAM_DESC(alloc_context, alloc_contexts, name);

static void alloc_over_scratch_other_cpu_sees_page(struct kunit *test)
{
	const bool sleepable = ((const struct alloc_context *)test->param_value)->sleepable;
	struct arena_kfault_ctx *ctx = test->priv;
	unsigned long kaddr = ctx->kbase + 7 * PAGE_SIZE;
	long want = (long)(TEST_USER_VM_START + 7 * PAGE_SIZE);
	struct kfault_call c = { .op = KFAULT_WRITE, .addr = kaddr, .val = 0x5c7a7c4 };
	struct bpf_prog *fp = test_prog_create(test, ctx->arena);
	struct tlb_observer *o;
	struct task_struct *t;
	unsigned long flags;
	unsigned int cpu;
	struct page *page;
	u64 nr_pages;
	long uaddr;
	int tries;

	test_prog_fault(test, ctx->arena, fp, &c);
	KUNIT_ASSERT_PTR_EQ(test, test_mapped_page(kaddr), ctx->arena->scratch_page);
	nr_pages = arena_nr_pages(ctx->arena);

	migrate_disable();
	cpu = other_online_cpu(smp_processor_id());
	migrate_enable();
	KUNIT_ASSERT_LT_MSG(test, cpu, nr_cpu_ids, "needs two online CPUs");
	/* Not on this stack: the observer is stopped after the case returns. */
	o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	o->kaddr = kaddr;
	t = kthread_create(tlb_observer_fn, o, "arena_tlb_observer");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "cannot create the observer: %ld", PTR_ERR(t));
	kthread_bind(t, cpu);
	o->task = get_task_struct(t);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, tlb_observer_stop, o));
	wake_up_process(t);
	KUNIT_ASSERT_TRUE_MSG(test, flag_wait(&o->cached), "observer on CPU %u never ran", cpu);

	if (sleepable) {
		uaddr = test_alloc_tries(ctx->arena, want, true, &tries);
	} else {
		/* as from a program that runs with interrupts off: no IPIs */
		local_irq_save(flags);
		uaddr = test_alloc_tries(ctx->arena, want, false, &tries);
		local_irq_restore(flags);
	}
	page = uaddr ? test_mapped_page(kaddr) : NULL;
	if (page && page != ctx->arena->scratch_page)
		WRITE_ONCE(*(u64 *)page_address(page), 0xa110cULL);
	/* The observer reads again and returns; o->after is final then. */
	kunit_release_action(test, tlb_observer_stop, o);

	KUNIT_EXPECT_FALSE_MSG(test, o->timed_out, "observer on CPU %u gave up waiting", cpu);
	KUNIT_EXPECT_EQ_MSG(test, o->before, 0x5c7a7c4ULL,
			    "CPU %u did not read the scratch page before the allocation", cpu);
	if (!expect_allocated(test, ctx->arena, kaddr, want, uaddr, tries, sleepable, nr_pages))
		return;
	KUNIT_EXPECT_PTR_NE_MSG(test, page, ctx->arena->scratch_page,
				"slot still maps the scratch page");
	KUNIT_EXPECT_EQ_MSG(test, o->after, 0xa110cULL,
			    "CPU %u still reads %#llx (the scratch page) through the allocated address: its TLB was not flushed",
			    cpu, o->after);
}

static struct kunit_case arena_kfault_test_cases[] = {
	KUNIT_CASE(clear_cb_empty_pte_is_noop),
	KUNIT_CASE(clear_cb_collects_real_page),
	KUNIT_CASE(clear_cb_skips_scratch_page),
	KUNIT_CASE(clear_cb_mixed_range),
	KUNIT_CASE_SLOW(clear_cb_atomic_against_installer),
	KUNIT_CASE(existing_cb_frees_real_only),
	KUNIT_CASE(scratch_page_is_zeroed),
	KUNIT_CASE(teardown_frees_scratch_once),
	KUNIT_CASE(teardown_frees_page_tables),
	KUNIT_CASE_PARAM(handler_range_boundaries, range_gen_params),
	KUNIT_CASE(handler_ignores_prog_without_arena),
	KUNIT_CASE(handler_ignores_no_prog_on_stack),
	KUNIT_CASE(real_fault_write_recovers),
	KUNIT_CASE(real_fault_in_leaf_function_recovers),
	KUNIT_CASE(real_fault_read_upper_guard_recovers),
	KUNIT_CASE_PARAM(caller_candidate_outside_arena, caller_gen_params),
	KUNIT_CASE(handler_keeps_populated_pte),
	KUNIT_CASE(handler_retries_only_filled_slot),
	KUNIT_CASE(alloc_over_scratch_maps_fresh_page),
	KUNIT_CASE(alloc_over_scratch_nonsleepable_same_cpu),
	KUNIT_CASE(alloc_over_scratch_nonsleepable_repeated),
	KUNIT_CASE_PARAM(alloc_over_scratch_other_cpu_sees_page, alloc_context_gen_params),
	{}
};

static struct kunit_suite arena_kfault_test_suite = {
	.name = "bpf_arena_kfault",
	.init = arena_kfault_test_init,
	.test_cases = arena_kfault_test_cases,
};
kunit_test_suite(arena_kfault_test_suite);
