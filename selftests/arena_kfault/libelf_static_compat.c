// SPDX-License-Identifier: GPL-2.0
/*
 * Debian's libelf.a (elfutils 0.192) calls the eu_* search-tree wrappers of
 * elfutils' internal libeu, which it does not ship, so a static link of
 * libbpf fails with undefined eu_tsearch & co.  Provide them on top of the
 * libc tsearch() family.  Only linked into STATIC=1 builds.
 *
 * elfutils' search_tree starts with the tsearch() root pointer, followed by
 * a lock that only these wrappers use; the caller zero-allocates the tree,
 * so touching the root alone is enough.  libbpf uses an Elf handle from one
 * thread at a time.
 */
#include <search.h>
#include <stddef.h>

struct eu_search_tree {
	void *root;
};

void eu_search_tree_init(struct eu_search_tree *tree)
{
	tree->root = NULL;
}

void eu_search_tree_fini(struct eu_search_tree *tree)
{
}

void *eu_tsearch(const void *key, struct eu_search_tree *tree,
		 int (*compar)(const void *, const void *))
{
	return tsearch(key, &tree->root, compar);
}

void *eu_tfind(const void *key, struct eu_search_tree *tree,
	       int (*compar)(const void *, const void *))
{
	return tfind(key, &tree->root, compar);
}

void *eu_tdelete(const void *key, struct eu_search_tree *tree,
		 int (*compar)(const void *, const void *))
{
	return tdelete(key, &tree->root, compar);
}
