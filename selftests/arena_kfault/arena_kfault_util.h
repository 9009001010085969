/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the arena_kfault selftests (arena_kfault_util.c).  They
 * are linked into every test binary beside its own code and the libraries',
 * so each is prefixed akf_.
 */
#ifndef ARENA_KFAULT_UTIL_H
#define ARENA_KFAULT_UTIL_H

#include <stddef.h>
#include <bpf/libbpf.h>

#include "arena_kfault.h"
#include "arena_kfault.skel.h"

#define STREAM_BUF_SZ	65536
#define ARENA_SPAN	(1ULL << 32)

int akf_load_test_module(void);

/* Run @prog with @args as its context; returns its return value or -errno. */
int akf_run(struct bpf_program *prog, struct kfault_args *args);
/* Drain @prog's stderr stream into a malloc()ed NUL-terminated string. */
char *akf_read_stderr(struct bpf_program *prog);
/* How many times @needle occurs in @haystack. */
int akf_count(const char *haystack, const char *needle);
/* How many times @log reports a @kind ("READ"/"WRITE") access at @page. */
int akf_reports(const char *log, const char *kind, unsigned long page);

/* splat-patterns, installed next to the binary: 0, or -1 when missing. */
int akf_load_splat_patterns(void);
/* New records of /dev/kmsg @fd that match a splat pattern; @first: the first. */
int akf_kmsg_bad_lines(int fd, char *first, size_t len);

/* The test module's kfuncs and bpf_arena_{alloc,free}_pages(), through BPF. */
int akf_kwrite(struct arena_kfault *skel, unsigned long target, unsigned long off, __u64 val);
int akf_kread(struct arena_kfault *skel, unsigned long target, unsigned long off, __u64 *val);
unsigned long akf_alloc_at(struct arena_kfault *skel, unsigned long target, __u32 n);
int akf_free_at(struct arena_kfault *skel, unsigned long target, __u32 n);

/* Read @addr from user space: the signal the read raised, or 0. */
int akf_user_read_signal(unsigned long addr);
/* A /proc/meminfo field, in kB; -1 if missing. */
long akf_meminfo_kb(const char *field);
/*
 * The free pages on the per-CPU lists (/proc/zoneinfo's pagesets "count"),
 * in kB: free, but not in MemFree until they go back to the buddy lists.
 */
long akf_pcp_kb(void);

/*
 * Shrink every slab cache (/sys/kernel/slab/<cache>/shrink): frees empty
 * slabs and, on a KASAN kernel, the objects its quarantine holds back, so
 * that MemAvailable before and after a workload compare what was kept.
 * Returns how many caches were shrunk.
 */
int akf_shrink_slab_caches(void);

/*
 * @seconds times $ARENA_KFAULT_TIMEOUT_FACTOR (default 1): the bound of a
 * wait or of a test's run time, for kernels that run everything several
 * times slower (KASAN and lockdep under QEMU TCG).  Only bounds scale; what
 * a test checks does not.
 */
int akf_scaled_seconds(int seconds);

#endif
