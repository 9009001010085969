// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the arena_kfault selftests.  Each program hands an arena
 * address to a kfunc of arena_kfault_kmod, which touches it from kernel
 * text.  User space picks the address and offset through .bss.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define __arena __attribute__((address_space(1)))

#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif

#define ARENA_PAGES 64

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ARENA_PAGES);
} arena SEC(".maps");

u64 bpf_kfault_read(void *p__arena, u64 off) __ksym;
void bpf_kfault_write(void *p__arena, u64 off, u64 val) __ksym;
void __arena *bpf_arena_alloc_pages(void *map, void __arena *addr, __u32 page_cnt,
				    int node_id, __u64 flags) __ksym __weak;
void bpf_arena_free_pages(void *map, void __arena *ptr, __u32 page_cnt) __ksym __weak;

/* Inputs (__u64 and friends: the skeleton exposes them to user space) */
__u64 target;		/* arena user address handed to the kfunc */
__u64 offset;		/* byte offset the kfunc adds */
__u64 value;		/* value to write */
__u32 page_cnt;		/* pages to allocate or free at target */
/* Outputs */
__u64 result;

/*
 * A kfunc taking an __arena argument needs a program that uses the arena;
 * this reference is what ties the program to the map.
 */
static __always_inline u64 arena_user_base(void)
{
	struct bpf_arena *ar = (void *)&arena;

	asm volatile("" : "+r"(ar));
	return ar->user_vm_start;
}

SEC("syscall")
int kfunc_write(void *ctx)
{
	result = arena_user_base();
	bpf_kfault_write((void *)target, offset, value);
	return 0;
}

SEC("syscall")
int kfunc_read(void *ctx)
{
	arena_user_base();
	result = bpf_kfault_read((void *)target, offset);
	return 0;
}

SEC("syscall")
int alloc_pages(void *ctx)
{
	result = (u64)bpf_arena_alloc_pages(&arena, (void __arena *)target,
					    page_cnt, NUMA_NO_NODE, 0);
	return 0;
}

SEC("syscall")
int free_pages(void *ctx)
{
	bpf_arena_free_pages(&arena, (void __arena *)target, page_cnt);
	return 0;
}

char _license[] SEC("license") = "GPL";
