// SPDX-License-Identifier: GPL-2.0
/*
 * A kfunc write to an unallocated page from a kfunc that is a leaf
 * function.  A binary of its own, run after the others (the Makefile's
 * TEST_GEN_PROGS order): where this is broken (v7.3 arm64) the kernel
 * oopses inside an RCU read-side section, and what runs after that on the
 * same kernel is not worth testing.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "arena_fixture.h"

/*
 * On arm64 a leaf stores no frame record, so the fault handler must find
 * the calling program through the saved LR; the kfunc's data must land as
 * before.
 */
TEST_F(arena, write_from_leaf_kfunc)
{
	struct kfault_args a = { .offset = 32, .value = 0x1eaf };
	unsigned long page = self->env.base + 4 * self->env.psz;
	__u64 val = 0;
	char *log;

	a.target = page;
	ASSERT_EQ(0, akf_run(self->env.skel->progs.kfunc_write_leaf, &a));
	log = akf_read_stderr(self->env.skel->progs.kfunc_write_leaf);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, akf_reports(log, "WRITE", page))
		TH_LOG("want one WRITE report at %#lx, stream:\n%s", page, log);
	free(log);
	ASSERT_EQ(0, akf_kread(self->env.skel, page, 32, &val));
	EXPECT_EQ(0x1eaf, val) TH_LOG("read back %#llx from the scratch page",
				      (unsigned long long)val);
}

TEST_HARNESS_MAIN
