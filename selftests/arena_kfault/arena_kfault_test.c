// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of BPF arena kernel-fault recovery: a BPF program hands
 * an arena address to a kfunc of arena_kfault_kmod, the kfunc touches a page
 * the program never allocated, and the kernel must recover (no oops), let
 * the program finish, and report the access on the program's stderr stream.
 *
 * Needs arena_kfault_kmod.ko loaded (run_arena_kfault.sh does it).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "arena_kfault.skel.h"

#define STREAM_BUF_SZ 16384

FIXTURE(arena)
{
	struct arena_kfault *skel;
	unsigned long base;	/* user address of arena page 0 */
	size_t size;
	long page_size;
};

FIXTURE_SETUP(arena)
{
	void *base;

	self->page_size = sysconf(_SC_PAGESIZE);
	self->skel = arena_kfault__open_and_load();
	ASSERT_NE(NULL, self->skel)
		TH_LOG("cannot load the BPF object (is arena_kfault_kmod loaded?)");
	base = bpf_map__initial_value(self->skel->maps.arena, &self->size);
	ASSERT_NE(NULL, base) TH_LOG("arena is not mmap()ed");
	self->base = (unsigned long)base;
}

FIXTURE_TEARDOWN(arena)
{
	arena_kfault__destroy(self->skel);
}

/* Run @prog once with BPF_PROG_TEST_RUN; returns its return value or -errno. */
static int run_prog(struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	return err ? err : (int)opts.retval;
}

/* Drain @prog's stderr stream into @buf (NUL-terminated); returns length. */
static int read_stderr_stream(struct bpf_program *prog, char *buf, size_t len)
{
	int n, total = 0;

	do {
		n = bpf_prog_stream_read(bpf_program__fd(prog), BPF_STREAM_STDERR,
					 buf + total, len - 1 - total, NULL);
		if (n > 0)
			total += n;
	} while (n > 0 && total < (int)len - 1);
	buf[total] = '\0';
	return n < 0 ? n : total;
}

/*
 * A kfunc writes into a page the program never allocated: the program
 * returns normally and its stderr stream names a WRITE at that page.
 */
TEST_F(arena, kfunc_write_unallocated_page_is_reported)
{
	unsigned long page = self->base + 3 * self->page_size;
	char *log, want[128];
	int n;

	self->skel->bss->target = page;
	self->skel->bss->offset = 16;
	self->skel->bss->value = 0x5eed;

	ASSERT_EQ(0, run_prog(self->skel->progs.kfunc_write))
		TH_LOG("kfunc_write program did not return 0");

	log = calloc(1, STREAM_BUF_SZ);
	ASSERT_NE(NULL, log);
	n = read_stderr_stream(self->skel->progs.kfunc_write, log, STREAM_BUF_SZ);
	ASSERT_GT(n, 0) TH_LOG("stderr stream empty (read returned %d)", n);

	snprintf(want, sizeof(want), "Arena WRITE access at unmapped address 0x%lx\n", page);
	EXPECT_NE(NULL, strstr(log, want))
		TH_LOG("expected \"%.*s\" in the stream, got:\n%s",
		       (int)strlen(want) - 1, want, log);
	free(log);
}

TEST_HARNESS_MAIN
