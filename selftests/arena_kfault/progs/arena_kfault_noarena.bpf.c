// SPDX-License-Identifier: GPL-2.0
/*
 * A program without an arena that stores to a kernel address through a
 * kfunc: when that address is an unallocated page of some arena, the
 * fault must not be recovered (arena_oops_trigger.c, case no_arena).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "arena_kfault.h"

void bpf_kfault_write_addr(__u64 kaddr, __u64 val) __ksym;

SEC("syscall")
int write_addr(struct kfault_args *args)
{
	bpf_kfault_write_addr(args->target, args->value);
	return 0;
}

char _license[] SEC("license") = "GPL";
