// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel page-table dump (ptdump, debugfs) walked while arenas are
 * created and destroyed.  ptdump walks init_mm's page tables, which it does
 * not own, under init_mm's mmap lock taken for writing; an arena's teardown
 * that frees the PTE tables of its range (fixes "bpf: Free the page tables
 * of a destroyed arena", series 0010) must take that lock too, or a dump can
 * walk a freed table: a KASAN use-after-free report on a KASAN kernel, an
 * oops or garbage on others.  The case passes when the kernel log stays
 * clean (arena_fixture.h).
 *
 * A binary of its own: it needs CONFIG_PTDUMP_DEBUGFS and skips without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "arena_fixture.h"

/* Where CONFIG_PTDUMP_DEBUGFS puts the dump of init_mm's page tables. */
static const char *const ptdump_files[] = {
	"/sys/kernel/debug/page_tables/kernel",	/* x86: arch/x86/mm/debug_pagetables.c */
	"/sys/kernel/debug/kernel_page_tables",	/* arm64: arch/arm64/mm/ptdump.c */
};

#define PT_WORKERS	2	/* threads that create and destroy arenas */
#define PT_ROUNDS	3	/* arena lifecycles per worker */
#define PT_TAIL_DUMPS	3	/* dumps after the last arena was closed */
#define PT_ALLOC_TRIES	8
#define PT_DUMP_BUF	65536

struct pt_worker {
	pthread_t thread;
	int id;
	long psz;
	int rounds;		/* lifecycles that went through */
	int allocs;		/* allocations that succeeded */
	int alloc_retries;	/* allocations tried again */
	char why[160];		/* the step that failed, if one did */
};

static atomic_int workers_running;

/*
 * One arena's life: created with the three programs it runs, a kfunc store
 * into a page the program never allocated (recovered with the scratch
 * page), four pages allocated, two of them freed, the arena destroyed with
 * the other two.  The map is freed later, from a workqueue: that is where
 * its page tables go.  An allocation that fails (alloc_pages_nolock() gives
 * up when the zone lock is contended) changes nothing and is tried again.
 */
static int lifecycle(struct pt_worker *w)
{
	unsigned long base, got, at;
	struct arena_kfault *s;
	struct bpf_program *prog;
	size_t size;
	int err, tries;

	s = arena_kfault__open();
	if (!s) {
		snprintf(w->why, sizeof(w->why), "skeleton open failed");
		return -1;
	}
	bpf_object__for_each_program(prog, s->obj)
		bpf_program__set_autoload(prog, prog == s->progs.kfunc_write ||
					  prog == s->progs.alloc_pages ||
					  prog == s->progs.free_pages);
	/* A 4 GiB user window per worker: libbpf maps map_extra fixed. */
	err = bpf_map__set_map_extra(s->maps.arena, KFAULT_ARENA_BASE * (2 + w->id));
	if (!err)
		err = arena_kfault__load(s);
	if (err) {
		snprintf(w->why, sizeof(w->why), "load: %s", strerror(-err));
		goto out;
	}
	base = (unsigned long)bpf_map__initial_value(s->maps.arena, &size);
	err = akf_kwrite(s, base + 3 * w->psz, 0, w->rounds);
	if (err) {
		snprintf(w->why, sizeof(w->why), "kfunc write to an unallocated page: %d", err);
		goto out;
	}
	at = base + 8 * w->psz;
	for (tries = 1; (got = akf_alloc_at(s, at, 4)) != at && tries < PT_ALLOC_TRIES; tries++)
		w->alloc_retries++;
	if (got == at) {
		w->allocs++;
		err = akf_free_at(s, at, 2);
		if (err) {
			snprintf(w->why, sizeof(w->why), "free of two pages: %d", err);
			goto out;
		}
	}
out:
	arena_kfault__destroy(s);
	return w->why[0] ? -1 : 0;
}

static void *pt_worker_fn(void *arg)
{
	struct pt_worker *w = arg;

	while (w->rounds < PT_ROUNDS && !lifecycle(w))
		w->rounds++;
	atomic_fetch_sub(&workers_running, 1);
	return NULL;
}

/* Read all of @path once: the bytes read, or -errno. */
static long read_dump(const char *path, char *buf)
{
	long total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, PT_DUMP_BUF)) > 0)
		total += n;
	if (n < 0)
		total = -errno;
	close(fd);
	return total;
}

TEST_F_TIMEOUT(arena, ptdump_during_teardown, akf_scaled_seconds(180))
{
	struct pt_worker w[PT_WORKERS] = {};
	int i, dumps_during = 0, dumps_after = 0, rounds = 0, allocs = 0, retries = 0;
	const char *path = NULL;
	struct timespec t0, t1;
	long bytes;
	char *buf;

	for (i = 0; i < (int)(sizeof(ptdump_files) / sizeof(ptdump_files[0])); i++) {
		if (!access(ptdump_files[i], R_OK)) {
			path = ptdump_files[i];
			break;
		}
	}
	if (!path)
		SKIP(return, "no kernel page-table dump: neither %s nor %s (debugfs mounted? CONFIG_PTDUMP_DEBUGFS?)",
		     ptdump_files[0], ptdump_files[1]);
	buf = malloc(PT_DUMP_BUF);
	ASSERT_NE(NULL, buf);
	bytes = read_dump(path, buf);
	ASSERT_LT(0, bytes) TH_LOG("reading %s: %s", path, bytes ? strerror(-bytes) : "empty");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	atomic_store(&workers_running, PT_WORKERS);
	for (i = 0; i < PT_WORKERS; i++) {
		w[i].id = i;
		w[i].psz = self->env.psz;
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, pt_worker_fn, &w[i]));
	}
	/* Dump while any worker runs, then a few more for the last teardowns. */
	while (atomic_load(&workers_running) > 0 || dumps_after < PT_TAIL_DUMPS) {
		/*
		 * A dump started while arenas come and go walks their tables
		 * as they are freed (a dump of populated arenas may well take
		 * longer than all the lifecycles).
		 */
		bool during = atomic_load(&workers_running) > 0;

		bytes = read_dump(path, buf);
		if (bytes <= 0)
			break;
		if (during)
			dumps_during++;
		else
			dumps_after++;
	}
	for (i = 0; i < PT_WORKERS; i++)
		pthread_join(w[i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(buf);

	for (i = 0; i < PT_WORKERS; i++) {
		EXPECT_EQ(PT_ROUNDS, w[i].rounds)
			TH_LOG("worker %d stopped after %d rounds: %s", i, w[i].rounds, w[i].why);
		rounds += w[i].rounds;
		allocs += w[i].allocs;
		retries += w[i].alloc_retries;
	}
	TH_LOG("%d arena lifecycles in %.1f s with %d dumps of %s started meanwhile and %d after; allocations: %d of %d, tried again %d times",
	       rounds, (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       dumps_during, path, dumps_after, allocs, rounds, retries);
	EXPECT_LT(0, bytes) TH_LOG("reading %s failed: %s", path,
				   bytes ? strerror(-bytes) : "empty");
	/* No dump while arenas came and went tests nothing. */
	EXPECT_LT(0, dumps_during);
	EXPECT_LT(0, allocs) TH_LOG("no allocation went through");
}

TEST_HARNESS_MAIN
