// SPDX-License-Identifier: GPL-2.0
/*
 * arena_oops_trigger CASE: make one kernel access to arena memory that the
 * kernel must not recover (must-oops.list), after printing the address it
 * must oops at, on stdout and in the kernel log:
 *   must-oops: CASE: address 0123456789abcdef
 * Meant for a sacrificial boot with oops=panic (scripts/run-must-oops.sh).
 * If the kernel survives, it says so and exits 1.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arena_kfault_util.h"
#include "arena_kfault_noarena.skel.h"

static unsigned long long kaddr_of(struct arena_kfault *skel, unsigned long p, long off)
{
	struct kfault_args a = { .target = p, .offset = off };

	if (akf_run(skel->progs.kaddr_of, &a))
		return 0;
	return a.result;
}

/*
 * Into the kernel log as well: a panic can cut off what is still queued
 * for the console's tty, never what printk already has.
 */
static void announce(const char *name, unsigned long long kaddr)
{
	char line[128];
	int fd, n;

	n = snprintf(line, sizeof(line), "must-oops: %s: address %016llx\n", name, kaddr);
	printf("# %s", line);
	fflush(stdout);
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd >= 0) {
		dprintf(fd, "<2>%.*s", n, line);
		close(fd);
	}
}

int main(int argc, char **argv)
{
	struct kfault_args a = { .value = 1 };
	struct arena_kfault_noarena *noarena;
	unsigned long base, last;
	struct arena_kfault *skel;
	const char *name = argc > 1 ? argv[1] : "";
	long psz = sysconf(_SC_PAGESIZE);
	size_t size;
	int err;

	err = akf_load_test_module();
	if (err) {
		printf("# must-oops: cannot load the test module: %s\n", strerror(-err));
		return 2;
	}
	skel = arena_kfault__open_and_load();
	if (!skel) {
		printf("# must-oops: cannot load the BPF object\n");
		return 2;
	}
	base = (unsigned long)bpf_map__initial_value(skel->maps.arena, &size);
	last = (base & ~(ARENA_SPAN - 1)) + ARENA_SPAN - psz;

	if (!strcmp(name, "lower_guard")) {
		announce(name, kaddr_of(skel, base, -8));
		akf_kwrite(skel, base, -8, 1);
	} else if (!strcmp(name, "beyond_upper_guard")) {
		announce(name, kaddr_of(skel, last, psz + KFAULT_HALF_GUARD));
		akf_kwrite(skel, last, psz + KFAULT_HALF_GUARD, 1);
	} else if (!strcmp(name, "no_bpf_program")) {
		a.target = base + 2 * psz;
		announce(name, kaddr_of(skel, a.target, 0));
		akf_run(skel->progs.write_from_work, &a);
	} else if (!strcmp(name, "no_arena")) {
		noarena = arena_kfault_noarena__open_and_load();
		if (!noarena) {
			printf("# must-oops: cannot load the arena-less BPF object\n");
			return 2;
		}
		a.target = kaddr_of(skel, base + 2 * psz, 0);
		announce(name, a.target);
		akf_run(noarena->progs.write_addr, &a);
	} else {
		printf("# must-oops: unknown case '%s'\n", name);
		return 2;
	}
	printf("# must-oops: %s: survived\n", name);
	return 1;
}
