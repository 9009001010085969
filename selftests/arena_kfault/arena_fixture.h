/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixtures of the arena_kfault selftests: a loaded arena_kfault BPF
 * object (its arena mmap()ed), the test module, and /dev/kmsg opened at its
 * end so that every case also fails on a kernel splat it caused.  Include
 * after kselftest_harness.h.
 */
#ifndef ARENA_FIXTURE_H
#define ARENA_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "arena_kfault_util.h"

struct arena_env {
	struct arena_kfault *skel;
	unsigned long base;	/* user address of arena page 0 */
	unsigned long window;	/* start of the arena's 4 GiB window */
	long psz;
	int kmsg;
};

static void arena_env_setup(struct __test_metadata *_metadata, struct arena_env *e)
{
	size_t size;
	void *base;
	int err;

	e->kmsg = -1;
	e->psz = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, akf_load_splat_patterns()) TH_LOG("no splat-patterns next to the test binary");
	e->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, e->kmsg) TH_LOG("cannot open /dev/kmsg: %s", strerror(errno));
	lseek(e->kmsg, 0, SEEK_END);
	err = akf_load_test_module();
	ASSERT_EQ(0, err) TH_LOG("cannot load arena_kfault_kmod.ko: %s", strerror(-err));
	e->skel = arena_kfault__open_and_load();
	ASSERT_NE(NULL, e->skel) TH_LOG("cannot load the BPF object");
	base = bpf_map__initial_value(e->skel->maps.arena, &size);
	ASSERT_NE(NULL, base) TH_LOG("arena is not mmap()ed");
	e->base = (unsigned long)base;
	e->window = e->base & ~(ARENA_SPAN - 1);
}

static void arena_env_teardown(struct __test_metadata *_metadata, struct arena_env *e)
{
	char first[2048];

	arena_kfault__destroy(e->skel);
	if (e->kmsg >= 0) {
		EXPECT_EQ(0, akf_kmsg_bad_lines(e->kmsg, first, sizeof(first)))
			TH_LOG("kernel log: %s", first);
		close(e->kmsg);
	}
}

FIXTURE(arena)
{
	struct arena_env env;
};

FIXTURE_SETUP(arena)
{
	arena_env_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN(arena)
{
	arena_env_teardown(_metadata, &self->env);
}

#endif
