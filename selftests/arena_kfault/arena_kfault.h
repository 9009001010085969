/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the BPF programs and the arena_kfault selftests. */
#ifndef ARENA_KFAULT_H
#define ARENA_KFAULT_H

#define KFAULT_ARENA_PAGES	64
/* 4 GiB aligned, so that arena offsets are the low 32 bits of addresses. */
#define KFAULT_ARENA_BASE	(1ULL << 40)
/* GUARD_SZ / 2 in kernel/bpf/arena.c: how far past the arena is recovered. */
#define KFAULT_HALF_GUARD	(32 * 1024)

/* BPF_PROG_TEST_RUN context of every program (in and out). */
struct kfault_args {
	__u64 target;		/* arena user address handed to the kfunc */
	__u64 offset;		/* byte offset the kfunc adds to it */
	__u64 value;		/* value to write */
	__u64 result;		/* value read, or allocation address */
	__u32 page_cnt;		/* pages to allocate or free at target */
	__u32 pad;
};

#endif
