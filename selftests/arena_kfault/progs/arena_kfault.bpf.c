// SPDX-License-Identifier: GPL-2.0
/*
 * BPF side of the arena_kfault selftests.  Each program takes its arguments
 * from the BPF_PROG_TEST_RUN context (so that threads can run them
 * concurrently) and hands an arena address to a kfunc of arena_kfault_kmod,
 * which touches it from kernel text, or allocates and frees arena pages.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpf_arena_common.h"	/* selftests/bpf's: __arena, arena kfuncs */
#include "arena_kfault.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, KFAULT_ARENA_PAGES);
	__ulong(map_extra, KFAULT_ARENA_BASE);
} arena SEC(".maps");

__u64 bpf_kfault_read(void *p__arena, __u64 off) __ksym;
void bpf_kfault_write(void *p__arena, __u64 off, __u64 val) __ksym;
void bpf_kfault_write_leaf(void *p__arena, __u64 off, __u64 val) __ksym;
__u64 bpf_kfault_kaddr(void *p__arena, __u64 off) __ksym;
void bpf_kfault_write_from_work(void *p__arena, __u64 off) __ksym;
int bpf_kfault_pin(void *p__arena) __ksym;
int bpf_kfault_pins_shared(void) __ksym;
int bpf_kfault_unpin_all(void) __ksym;

/*
 * A kfunc taking an __arena argument needs a program that uses the arena;
 * reading the map's user_vm_start is what ties these programs to it.
 */
static __always_inline __u64 arena_user_base(void)
{
	struct bpf_arena *ar = (void *)&arena;

	barrier_var(ar);
	return ar->user_vm_start;
}

SEC("syscall")
int kfunc_write(struct kfault_args *args)
{
	arena_user_base();
	bpf_kfault_write((void *)args->target, args->offset, args->value);
	return 0;
}

SEC("syscall")
int kfunc_write_leaf(struct kfault_args *args)
{
	arena_user_base();
	bpf_kfault_write_leaf((void *)args->target, args->offset, args->value);
	return 0;
}

SEC("syscall")
int kfunc_read(struct kfault_args *args)
{
	arena_user_base();
	args->result = bpf_kfault_read((void *)args->target, args->offset);
	return 0;
}

SEC("syscall")
int alloc_pages(struct kfault_args *args)
{
	args->result = (__u64)bpf_arena_alloc_pages(&arena, (void __arena *)args->target,
						    args->page_cnt, NUMA_NO_NODE, 0);
	return 0;
}

SEC("syscall")
int free_pages(struct kfault_args *args)
{
	bpf_arena_free_pages(&arena, (void __arena *)args->target, args->page_cnt);
	return 0;
}

SEC("syscall")
int kaddr_of(struct kfault_args *args)
{
	arena_user_base();
	args->result = bpf_kfault_kaddr((void *)args->target, args->offset);
	return 0;
}

SEC("syscall")
int write_from_work(struct kfault_args *args)
{
	arena_user_base();
	bpf_kfault_write_from_work((void *)args->target, args->offset);
	return 0;
}

SEC("syscall")
int pin_page(struct kfault_args *args)
{
	arena_user_base();
	args->result = bpf_kfault_pin((void *)args->target);
	return 0;
}

SEC("syscall")
int pins_shared(struct kfault_args *args)
{
	args->result = bpf_kfault_pins_shared();
	return 0;
}

SEC("syscall")
int unpin_all(struct kfault_args *args)
{
	args->result = bpf_kfault_unpin_all();
	return 0;
}

/*
 * A non-sleepable allocation (arena_bench): tc programs run with
 * preemption off.  Arguments and result through globals: a tc program's
 * context is the packet.
 */
__u64 nonsleepable_target;
__u64 nonsleepable_result;

SEC("tc")
int alloc_pages_nonsleepable(struct __sk_buff *skb)
{
	nonsleepable_result = (__u64)bpf_arena_alloc_pages(&arena,
							   (void __arena *)nonsleepable_target,
							   1, NUMA_NO_NODE, 0);
	return 0;
}

char _license[] SEC("license") = "GPL";
