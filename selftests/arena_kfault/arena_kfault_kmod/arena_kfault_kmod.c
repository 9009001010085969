// SPDX-License-Identifier: GPL-2.0
/*
 * Test kfuncs for the arena_kfault selftests: kernel text that reads and
 * writes BPF arena memory at an offset past the arena pointer it is handed,
 * the way a kfunc author may under the kfunc contract.  A page that the BPF
 * program never allocated faults in here, not in JITed code.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/module.h>

/*
 * The kfuncs below access arena memory through these out-of-line helpers,
 * so that they call something and keep a frame record on every arch; the
 * faulting function is then a callee of the kfunc, as in most real kfuncs.
 * bpf_kfault_write_leaf() is the other shape: the access in the kfunc
 * itself, a leaf with no frame record of its own on arm64.
 */
static noinline u64 kfault_load(const void *p)
{
	return READ_ONCE(*(const u64 *)p);
}

static noinline void kfault_store(void *p, u64 val)
{
	WRITE_ONCE(*(u64 *)p, val);
}

__bpf_kfunc_start_defs();

/**
 * bpf_kfault_read - load a u64 at @off bytes past an arena pointer
 * @p__arena: arena pointer, rebased to the kernel mapping by the JIT
 * @off: byte offset from @p__arena
 */
__bpf_kfunc u64 bpf_kfault_read(void *p__arena, u64 off)
{
	return kfault_load(p__arena + off);
}

/**
 * bpf_kfault_write - store a u64 at @off bytes past an arena pointer
 * @p__arena: arena pointer, rebased to the kernel mapping by the JIT
 * @off: byte offset from @p__arena
 * @val: value to store
 */
__bpf_kfunc void bpf_kfault_write(void *p__arena, u64 off, u64 val)
{
	kfault_store(p__arena + off, val);
}

/**
 * bpf_kfault_write_leaf - bpf_kfault_write() as a leaf function
 * @p__arena: arena pointer, rebased to the kernel mapping by the JIT
 * @off: byte offset from @p__arena
 * @val: value to store
 */
__bpf_kfunc void bpf_kfault_write_leaf(void *p__arena, u64 off, u64 val)
{
	WRITE_ONCE(*(u64 *)(p__arena + off), val);
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(arena_kfault_kfunc_ids)
BTF_ID_FLAGS(func, bpf_kfault_read)
BTF_ID_FLAGS(func, bpf_kfault_write)
BTF_ID_FLAGS(func, bpf_kfault_write_leaf)
BTF_KFUNCS_END(arena_kfault_kfunc_ids)

static const struct btf_kfunc_id_set arena_kfault_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &arena_kfault_kfunc_ids,
};

static int __init arena_kfault_kmod_init(void)
{
	return register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL,
					 &arena_kfault_kfunc_set);
}
module_init(arena_kfault_kmod_init);

MODULE_DESCRIPTION("BPF arena kernel-fault recovery selftest kfuncs");
MODULE_LICENSE("GPL");
