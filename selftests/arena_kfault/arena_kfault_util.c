// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the arena_kfault selftests: see arena_kfault_util.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#include "arena_kfault_util.h"

/* @name in the directory of this binary, where the tests are installed. */
static int beside_binary(char *path, size_t len, const char *name)
{
	ssize_t n = readlink("/proc/self/exe", path, len);
	char *dir_end;

	if (n < 0 || (size_t)n >= len)
		return -1;
	path[n] = '\0';
	dir_end = strrchr(path, '/') + 1;
	if (snprintf(dir_end, len - (dir_end - path), "%s", name) >= (int)(len - (dir_end - path)))
		return -1;
	return 0;
}

/*
 * Load arena_kfault_kmod.ko, installed in arena_kfault_kmod/ next to this
 * binary, unless it is loaded already.  0 or -errno.
 */
int akf_load_test_module(void)
{
	char path[PATH_MAX];
	int fd, err = 0;

	if (beside_binary(path, sizeof(path), "arena_kfault_kmod/arena_kfault_kmod.ko"))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		err = -errno;
	close(fd);
	return err;
}

/* Run @prog with @args as its context; returns its return value or -errno. */
int akf_run(struct bpf_program *prog, struct kfault_args *args)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.ctx_in = args,
		.ctx_size_in = sizeof(*args),
	);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	return err ? -errno : (int)opts.retval;
}

/* Drain @prog's stderr stream into a malloc()ed NUL-terminated string. */
char *akf_read_stderr(struct bpf_program *prog)
{
	char *buf = calloc(1, STREAM_BUF_SZ);
	int n, total = 0;

	if (!buf)
		return NULL;
	do {
		n = bpf_prog_stream_read(bpf_program__fd(prog), BPF_STREAM_STDERR,
					 buf + total, STREAM_BUF_SZ - 1 - total, NULL);
		if (n > 0)
			total += n;
	} while (n > 0 && total < STREAM_BUF_SZ - 1);
	buf[total] = '\0';
	return buf;
}

int akf_count(const char *haystack, const char *needle)
{
	int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

/* How many times @log reports a @kind ("READ"/"WRITE") access at @page. */
int akf_reports(const char *log, const char *kind, unsigned long page)
{
	char want[128];

	snprintf(want, sizeof(want), "Arena %s access at unmapped address 0x%lx\n",
		 kind, page);
	return akf_count(log, want);
}

/*
 * The patterns of kernel log lines that mean a kernel bug: splat-patterns,
 * installed next to this binary.  Missing is an error, not "no patterns".
 */
#define MAX_SPLATS 32
static regex_t splats[MAX_SPLATS];
static int nr_splats;

int akf_load_splat_patterns(void)
{
	char path[PATH_MAX], line[256];
	FILE *f;

	if (nr_splats)
		return 0;
	if (beside_binary(path, sizeof(path), "splat-patterns"))
		return -1;
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (nr_splats < MAX_SPLATS && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (regcomp(&splats[nr_splats], line, REG_EXTENDED | REG_NOSUB))
			break;
		nr_splats++;
	}
	fclose(f);
	return nr_splats ? 0 : -1;
}

/* New kernel log records since @fd was opened that look like a kernel bug. */
int akf_kmsg_bad_lines(int fd, char *first, size_t len)
{
	char rec[2048];
	int found = 0;
	ssize_t n;
	int i;

	first[0] = '\0';
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		rec[n] = '\0';
		for (i = 0; i < nr_splats; i++) {
			if (!regexec(&splats[i], rec, 0, NULL, 0)) {
				if (!found++)
					snprintf(first, len, "%s", rec);
				break;
			}
		}
	}
	return found;
}

/* kfunc store of @val at @target + @off; the program must return 0. */
int akf_kwrite(struct arena_kfault *skel, unsigned long target, unsigned long off,
		  __u64 val)
{
	struct kfault_args a = { .target = target, .offset = off, .value = val };

	return akf_run(skel->progs.kfunc_write, &a);
}

int akf_kread(struct arena_kfault *skel, unsigned long target, unsigned long off,
		 __u64 *val)
{
	struct kfault_args a = { .target = target, .offset = off };
	int ret = akf_run(skel->progs.kfunc_read, &a);

	*val = a.result;
	return ret;
}

unsigned long akf_alloc_at(struct arena_kfault *skel, unsigned long target, __u32 n)
{
	struct kfault_args a = { .target = target, .page_cnt = n };

	if (akf_run(skel->progs.alloc_pages, &a))
		return 0;
	return a.result;
}

int akf_free_at(struct arena_kfault *skel, unsigned long target, __u32 n)
{
	struct kfault_args a = { .target = target, .page_cnt = n };

	return akf_run(skel->progs.free_pages, &a);
}

static sigjmp_buf segv_jmp;

static void segv_handler(int sig)
{
	siglongjmp(segv_jmp, sig);
}

/*
 * Read @addr from user space.  Returns the signal the read raised, or 0.
 * (The arena mapping is not inherited by fork(), so this stays in-process.)
 */
int akf_user_read_signal(unsigned long addr)
{
	struct sigaction sa = { .sa_handler = segv_handler }, old_segv, old_bus;
	volatile int sig;

	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	sig = sigsetjmp(segv_jmp, 1);
	if (!sig)
		(void)*(volatile __u64 *)addr;
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return sig;
}

/* A /proc/meminfo field, in kB; -1 if missing. */
long akf_meminfo_kb(const char *field)
{
	char line[128], name[64];
	long kb = -1, v;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %ld kB", name, &v) == 2 && !strcmp(name, field)) {
			kb = v;
			break;
		}
	fclose(f);
	return kb;
}

long akf_pcp_kb(void)
{
	char line[128];
	long pages = 0, v;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &v) == 1)
			pages += v;
	fclose(f);
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

int akf_shrink_slab_caches(void)
{
	DIR *d = opendir("/sys/kernel/slab");
	char path[PATH_MAX];
	struct dirent *e;
	int fd, shrunk = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		/* a merged cache's aliases are links to it: shrink it once */
		if (e->d_name[0] == '.' || e->d_type == DT_LNK)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		if (write(fd, "1", 1) == 1)
			shrunk++;
		close(fd);
	}
	closedir(d);
	return shrunk;
}

int akf_scaled_seconds(int seconds)
{
	const char *f = getenv("ARENA_KFAULT_TIMEOUT_FACTOR");
	int n = f ? atoi(f) : 1;

	return seconds * (n > 0 ? n : 1);
}
