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
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

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

/*
 * For the boots in which a kernel access must oops (arena_oops_trigger.c):
 * the kernel address of an arena pointer, a store to a kernel address from
 * a program that need not have an arena, and a store from a workqueue,
 * with no BPF program on the stack at all.
 */

/**
 * bpf_kfault_kaddr - the kernel address @off bytes past an arena pointer
 * @p__arena: arena pointer, rebased to the kernel mapping by the JIT
 * @off: byte offset from @p__arena
 *
 * Return: the address, for a later bpf_kfault_write_addr().
 */
__bpf_kfunc u64 bpf_kfault_kaddr(void *p__arena, u64 off)
{
	return (unsigned long)p__arena + off;
}

/**
 * bpf_kfault_write_addr - store a u64 at a kernel address
 * @kaddr: address from bpf_kfault_kaddr()
 * @val: value to store
 */
__bpf_kfunc void bpf_kfault_write_addr(u64 kaddr, u64 val)
{
	kfault_store((void *)(unsigned long)kaddr, val);
}

struct kfault_work {
	struct work_struct work;
	void *addr;
};

static void kfault_work_fn(struct work_struct *work)
{
	struct kfault_work *kw = container_of(work, struct kfault_work, work);

	kfault_store(kw->addr, 1);
}

/**
 * bpf_kfault_write_from_work - store @off bytes past an arena pointer from
 *	a workqueue, and wait for it
 * @p__arena: arena pointer, rebased to the kernel mapping by the JIT
 * @off: byte offset from @p__arena
 */
__bpf_kfunc void bpf_kfault_write_from_work(void *p__arena, u64 off)
{
	struct kfault_work kw = { .addr = p__arena + off };

	INIT_WORK_ONSTACK(&kw.work, kfault_work_fn);
	schedule_work(&kw.work);
	flush_work(&kw.work);
	destroy_work_on_stack(&kw.work);
}

/*
 * Pins: references this module takes on arena pages so that a test can see,
 * exactly, whether destroying the arena dropped the arena's own references
 * (a page count back to our one pin) or leaked them.  While pinned, a page
 * cannot be freed and reused, so the answer does not depend on what else
 * the system allocates.
 */
#define KFAULT_MAX_PINS	256
static struct page *kfault_pins[KFAULT_MAX_PINS];
static int kfault_nr_pins;
static DEFINE_SPINLOCK(kfault_pin_lock);

/**
 * bpf_kfault_pin - take a reference on the arena page at an arena pointer
 * @p__arena: arena pointer, rebased to the kernel mapping by the JIT; its
 *	page must be allocated
 *
 * Return: 0, -ENOENT when nothing is mapped there, -ENOSPC when full.
 */
__bpf_kfunc int bpf_kfault_pin(void *p__arena)
{
	struct page *page = vmalloc_to_page(p__arena);
	int ret = -ENOSPC;

	if (!page)
		return -ENOENT;
	spin_lock(&kfault_pin_lock);
	if (kfault_nr_pins < KFAULT_MAX_PINS) {
		get_page(page);
		kfault_pins[kfault_nr_pins++] = page;
		ret = 0;
	}
	spin_unlock(&kfault_pin_lock);
	return ret;
}

/**
 * bpf_kfault_pins_shared - count pinned pages that others still reference
 *
 * Return: how many pinned pages have a reference count above our one pin.
 */
__bpf_kfunc int bpf_kfault_pins_shared(void)
{
	int i, shared = 0;

	spin_lock(&kfault_pin_lock);
	for (i = 0; i < kfault_nr_pins; i++)
		shared += page_ref_count(kfault_pins[i]) > 1;
	spin_unlock(&kfault_pin_lock);
	return shared;
}

static int kfault_unpin(void)
{
	int n;

	spin_lock(&kfault_pin_lock);
	n = kfault_nr_pins;
	while (kfault_nr_pins)
		put_page(kfault_pins[--kfault_nr_pins]);
	spin_unlock(&kfault_pin_lock);
	return n;
}

/**
 * bpf_kfault_unpin_all - drop every pin taken by bpf_kfault_pin()
 *
 * Return: the number of pins dropped.
 */
__bpf_kfunc int bpf_kfault_unpin_all(void)
{
	return kfault_unpin();
}

__bpf_kfunc_end_defs();

BTF_KFUNCS_START(arena_kfault_kfunc_ids)
BTF_ID_FLAGS(func, bpf_kfault_read)
BTF_ID_FLAGS(func, bpf_kfault_write)
BTF_ID_FLAGS(func, bpf_kfault_write_leaf)
BTF_ID_FLAGS(func, bpf_kfault_pin)
BTF_ID_FLAGS(func, bpf_kfault_pins_shared)
BTF_ID_FLAGS(func, bpf_kfault_unpin_all)
BTF_ID_FLAGS(func, bpf_kfault_kaddr)
BTF_ID_FLAGS(func, bpf_kfault_write_addr)
BTF_ID_FLAGS(func, bpf_kfault_write_from_work, KF_SLEEPABLE)
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

static void __exit arena_kfault_kmod_exit(void)
{
	kfault_unpin();
}
module_exit(arena_kfault_kmod_exit);

MODULE_DESCRIPTION("BPF arena kernel-fault recovery selftest kfuncs");
MODULE_LICENSE("GPL");
