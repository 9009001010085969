// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for BPF arena kernel-fault recovery.
 *
 * This file is #included at the end of kernel/bpf/arena.c (see
 * CONFIG_BPF_ARENA_KFAULT_KUNIT_TEST) so that it can reach the static
 * page-table callbacks and struct bpf_arena.  It relies only on what both
 * implementations of the feature share: struct bpf_arena::scratch_page,
 * struct clear_range_data { arena, free_pages }, apply_range_clear_cb(),
 * existing_page_cb(), arena_map_alloc()/arena_map_free() and
 * bpf_arena_handle_page_fault().
 */
#include <kunit/test.h>
#include <linux/llist.h>
#include <linux/mm.h>

#define TEST_ARENA_PAGES 16

struct arena_kfault_ctx {
	struct bpf_arena *arena;
	unsigned long kbase;
};

static struct bpf_arena *test_arena_create(struct kunit *test, u32 pages)
{
	union bpf_attr attr = {
		.map_type = BPF_MAP_TYPE_ARENA,
		.max_entries = pages,
		.map_flags = BPF_F_MMAPABLE,
	};
	struct bpf_map *map;

	map = arena_map_alloc(&attr);
	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, map, "arena_map_alloc() failed: %ld",
					 PTR_ERR_OR_ZERO(map));
	return container_of(map, struct bpf_arena, map);
}

static int arena_kfault_test_init(struct kunit *test)
{
	struct arena_kfault_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->arena = test_arena_create(test, TEST_ARENA_PAGES);
	ctx->kbase = bpf_arena_get_kern_vm_start(ctx->arena);
	test->priv = ctx;
	return 0;
}

static void arena_kfault_test_exit(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;

	if (ctx && ctx->arena)
		arena_map_free(&ctx->arena->map);
}

/* Write @data (a struct page *) into the PTE, whatever it held before. */
static int test_set_pte_cb(pte_t *ptep, unsigned long addr, void *data)
{
	set_pte_at(&init_mm, addr, ptep, mk_pte(data, PAGE_KERNEL));
	return 0;
}

static void test_map_page(struct kunit *test, unsigned long kaddr, struct page *page)
{
	KUNIT_ASSERT_EQ(test, 0, apply_to_page_range(&init_mm, kaddr, PAGE_SIZE,
						     test_set_pte_cb, page));
}

static int test_read_pte_cb(pte_t *ptep, unsigned long addr, void *data)
{
	*(pte_t *)data = ptep_get(ptep);
	return 0;
}

/* The PTE at @kaddr; the page tables above it exist from map creation. */
static pte_t test_get_pte(struct kunit *test, unsigned long kaddr)
{
	pte_t pte = __pte(0);

	KUNIT_ASSERT_EQ(test, 0, apply_to_page_range(&init_mm, kaddr, PAGE_SIZE,
						     test_read_pte_cb, &pte));
	return pte;
}

static int llist_count(struct llist_head *head)
{
	struct llist_node *n;
	int count = 0;

	llist_for_each(n, head->first)
		count++;
	return count;
}

/*
 * A free of a range holding a real page and the scratch page: the real page
 * is collected for freeing and its PTE cleared; the scratch PTE is cleared
 * too but the scratch page is not collected, so it cannot be freed while
 * the arena still uses it.
 */
static void clear_cb_collects_real_skips_scratch(struct kunit *test)
{
	struct arena_kfault_ctx *ctx = test->priv;
	struct bpf_arena *arena = ctx->arena;
	struct page *scratch = arena->scratch_page;
	unsigned long real_addr = ctx->kbase, scratch_addr = ctx->kbase + PAGE_SIZE;
	int scratch_refs = page_ref_count(scratch);
	LLIST_HEAD(free_pages);
	struct clear_range_data data = {
		.arena = arena,
		.free_pages = &free_pages,
	};
	struct page *real;

	real = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, real);
	test_map_page(test, real_addr, real);
	WRITE_ONCE(arena->nr_pages, arena->nr_pages + 1);
	test_map_page(test, scratch_addr, scratch);

	KUNIT_ASSERT_EQ(test, 0, apply_to_existing_page_range(&init_mm, real_addr,
							      2 * PAGE_SIZE,
							      apply_range_clear_cb,
							      &data));

	KUNIT_EXPECT_EQ_MSG(test, llist_count(&free_pages), 1,
			    "expected only the real page to be collected");
	if (!llist_empty(&free_pages))
		KUNIT_EXPECT_PTR_EQ_MSG(test,
					llist_entry(free_pages.first, struct page, pcp_llist),
					real, "collected page is not the real page");
	KUNIT_EXPECT_TRUE_MSG(test, pte_none(test_get_pte(test, real_addr)),
			      "real page PTE not cleared");
	KUNIT_EXPECT_TRUE_MSG(test, pte_none(test_get_pte(test, scratch_addr)),
			      "scratch page PTE not cleared");
	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(scratch), scratch_refs,
			    "scratch page reference count changed");
	KUNIT_EXPECT_EQ_MSG(test, READ_ONCE(arena->nr_pages), 0ULL,
			    "nr_pages must count the real page only");

	__free_page(real);
}

static struct kunit_case arena_kfault_test_cases[] = {
	KUNIT_CASE(clear_cb_collects_real_skips_scratch),
	{}
};

static struct kunit_suite arena_kfault_test_suite = {
	.name = "bpf_arena_kfault",
	.init = arena_kfault_test_init,
	.exit = arena_kfault_test_exit,
	.test_cases = arena_kfault_test_cases,
};
kunit_test_suite(arena_kfault_test_suite);
