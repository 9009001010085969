// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end tests of BPF arena kernel-fault recovery: BPF programs hand
 * arena addresses to kfuncs of arena_kfault_kmod, the kfuncs touch pages the
 * program never allocated, and the kernel must recover (no oops), let the
 * program finish, and report each access on the program's stderr stream.
 *
 * Needs arena_kfault_kmod.ko loaded (run_arena_kfault.sh does it) and root.
 * Every test also fails if the kernel log gained an oops, BUG or WARNING.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <regex.h>
#include <setjmp.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "arena_kfault.h"
#include "arena_kfault.skel.h"

#define STREAM_BUF_SZ	65536
#define ARENA_SPAN	(1ULL << 32)

/* ---- helpers ---- */

/* Run @prog with @args as its context; returns its return value or -errno. */
static int run(struct bpf_program *prog, struct kfault_args *args)
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
static char *read_stderr(struct bpf_program *prog)
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

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

/* How many times @log reports a @kind ("READ"/"WRITE") access at @page. */
static int reports(const char *log, const char *kind, unsigned long page)
{
	char want[128];

	snprintf(want, sizeof(want), "Arena %s access at unmapped address 0x%lx\n",
		 kind, page);
	return count(log, want);
}

/*
 * The patterns of kernel log lines that mean a kernel bug: splat-patterns,
 * installed next to this binary.  Missing is an error, not "no patterns".
 */
#define MAX_SPLATS 32
static regex_t splats[MAX_SPLATS];
static int nr_splats;

static int load_splat_patterns(void)
{
	char path[PATH_MAX], line[256];
	ssize_t n;
	FILE *f;

	if (nr_splats)
		return 0;
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n < 0)
		return -1;
	path[n] = '\0';
	strcpy(strrchr(path, '/') + 1, "splat-patterns");
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
static int kmsg_bad_lines(int fd, char *first, size_t len)
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

FIXTURE(arena)
{
	struct arena_kfault *skel;
	unsigned long base;	/* user address of arena page 0 */
	unsigned long hi;	/* base with the low 32 bits cleared */
	long psz;
	int kmsg;
	struct kfault_args args;
};

FIXTURE_SETUP(arena)
{
	size_t size;
	void *base;

	self->psz = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, load_splat_patterns()) TH_LOG("no splat-patterns next to the test binary");
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg) TH_LOG("cannot open /dev/kmsg: %s", strerror(errno));
	lseek(self->kmsg, 0, SEEK_END);

	self->skel = arena_kfault__open_and_load();
	ASSERT_NE(NULL, self->skel)
		TH_LOG("cannot load the BPF object (is arena_kfault_kmod loaded?)");
	base = bpf_map__initial_value(self->skel->maps.arena, &size);
	ASSERT_NE(NULL, base) TH_LOG("arena is not mmap()ed");
	self->base = (unsigned long)base;
	self->hi = self->base & ~(ARENA_SPAN - 1);
	memset(&self->args, 0, sizeof(self->args));
}

FIXTURE_TEARDOWN(arena)
{
	char first[2048];

	arena_kfault__destroy(self->skel);
	if (self->kmsg >= 0) {
		EXPECT_EQ(0, kmsg_bad_lines(self->kmsg, first, sizeof(first)))
			TH_LOG("kernel log: %s", first);
		close(self->kmsg);
	}
}

/* kfunc store of @val at @target + @off; the program must return 0. */
static int kwrite(struct arena_kfault *skel, unsigned long target, unsigned long off,
		  __u64 val)
{
	struct kfault_args a = { .target = target, .offset = off, .value = val };

	return run(skel->progs.kfunc_write, &a);
}

static int kread(struct arena_kfault *skel, unsigned long target, unsigned long off,
		 __u64 *val)
{
	struct kfault_args a = { .target = target, .offset = off };
	int ret = run(skel->progs.kfunc_read, &a);

	*val = a.result;
	return ret;
}

static unsigned long alloc_at(struct arena_kfault *skel, unsigned long target, __u32 n)
{
	struct kfault_args a = { .target = target, .page_cnt = n };

	if (run(skel->progs.alloc_pages, &a))
		return 0;
	return a.result;
}

static int free_at(struct arena_kfault *skel, unsigned long target, __u32 n)
{
	struct kfault_args a = { .target = target, .page_cnt = n };

	return run(skel->progs.free_pages, &a);
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
static int user_read_signal(unsigned long addr)
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

/* ---- tests ---- */

/*
 * A kfunc writes into a page the program never allocated: the program
 * returns normally and its stderr stream names one WRITE at that page.
 */
TEST_F(arena, write_unallocated_page)
{
	unsigned long page = self->base + 3 * self->psz;
	char *log;

	ASSERT_EQ(0, kwrite(self->skel, page, 16, 0x5eed));
	log = read_stderr(self->skel->progs.kfunc_write);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, reports(log, "WRITE", page))
		TH_LOG("want one WRITE report at %#lx, stream:\n%s", page, log);
	EXPECT_EQ(1, count(log, "Arena ")) TH_LOG("stream:\n%s", log);
	free(log);
}

/*
 * A kfunc reads a page the program never allocated: it reads the scratch
 * page, shared by all unallocated slots of the arena, so it sees what an
 * earlier stray write to another slot left there.  One READ report.
 */
TEST_F(arena, read_unallocated_page_sees_scratch)
{
	unsigned long a = self->base + 5 * self->psz, b = self->base + 9 * self->psz;
	char *log;
	__u64 val = 0;

	ASSERT_EQ(0, kwrite(self->skel, a, 40, 0xabcdef0123ULL));
	ASSERT_EQ(0, kread(self->skel, b, 40, &val));
	EXPECT_EQ(0xabcdef0123ULL, val) TH_LOG("read %#llx, not the scratch page's content",
					       (unsigned long long)val);
	log = read_stderr(self->skel->progs.kfunc_read);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, reports(log, "READ", b))
		TH_LOG("want one READ report at %#lx, stream:\n%s", b, log);
	free(log);
}

/* The last bytes of the 4 GiB arena window recover and are reported. */
TEST_F(arena, last_page_of_arena_window)
{
	unsigned long last = self->hi + ARENA_SPAN - self->psz;
	char *log;
	__u64 val;

	ASSERT_EQ(0, kwrite(self->skel, last, self->psz - 8, 1));
	ASSERT_EQ(0, kread(self->skel, last, self->psz - 8, &val));
	EXPECT_EQ(1, val);
	log = read_stderr(self->skel->progs.kfunc_write);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, reports(log, "WRITE", last))
		TH_LOG("want one WRITE report at %#lx, stream:\n%s", last, log);
	free(log);
}

/*
 * Every page of the upper half-guard: a kfunc handed a pointer to the last
 * arena page may reach GUARD_SZ / 2 past the end of the arena.
 */
TEST_F(arena, whole_upper_half_guard)
{
	unsigned long last = self->hi + ARENA_SPAN - self->psz;
	unsigned long off;
	char *log;

	for (off = self->psz; off < self->psz + KFAULT_HALF_GUARD; off += self->psz)
		ASSERT_EQ(0, kwrite(self->skel, last, off + self->psz - 8, off))
			TH_LOG("offset %#lx", off);
	log = read_stderr(self->skel->progs.kfunc_write);
	ASSERT_NE(NULL, log);
	for (off = self->psz; off < self->psz + KFAULT_HALF_GUARD; off += self->psz) {
		EXPECT_EQ(1, reports(log, "WRITE", last + off))
			TH_LOG("no report for guard page %#lx:\n%s", last + off, log);
	}
	free(log);
}

/*
 * After a kernel fault scratched a page, allocating it maps a fresh zeroed
 * page that both the kernel and user space see.
 */
TEST_F(arena, alloc_over_scratched_page)
{
	unsigned long page = self->base + 7 * self->psz;
	__u64 val = ~0ULL;
	cpu_set_t one;
	char *log;

	/*
	 * All on one CPU: the one whose TLB may still hold the scratch
	 * page's translation when the allocation replaces it.
	 */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ASSERT_EQ(0, kwrite(self->skel, page, 0, 0xdeadbeef));
	/* the slot really holds the scratch page now */
	log = read_stderr(self->skel->progs.kfunc_write);
	EXPECT_EQ(1, reports(log, "WRITE", page)) TH_LOG("stream:\n%s", log);
	free(log);
	EXPECT_EQ(SIGSEGV, user_read_signal(page))
		TH_LOG("user read of the scratched page did not SIGSEGV");
	ASSERT_EQ(page, alloc_at(self->skel, page, 1))
		TH_LOG("bpf_arena_alloc_pages() over a scratched page failed");
	ASSERT_EQ(0, kread(self->skel, page, 0, &val));
	EXPECT_EQ(0, val) TH_LOG("kernel reads %#llx: still the scratch page?",
				 (unsigned long long)val);
	EXPECT_EQ(0, *(volatile __u64 *)page) TH_LOG("user space does not see a zeroed page");
	ASSERT_EQ(0, kwrite(self->skel, page, 8, 77));
	EXPECT_EQ(77, ((volatile __u64 *)page)[1]) TH_LOG("kernel and user see different pages");
}

/*
 * Freeing a range that holds scratched slots works and leaves the scratch
 * page alone: later faults still get it, with its content.
 */
TEST_F(arena, free_over_scratched_pages)
{
	unsigned long a = self->base + 10 * self->psz;
	__u64 val = 0;

	ASSERT_EQ(0, kwrite(self->skel, a, 24, 0x1234));
	ASSERT_EQ(0, kwrite(self->skel, a + self->psz, 24, 0x1234));
	ASSERT_EQ(0, free_at(self->skel, a, 4));
	ASSERT_EQ(0, kread(self->skel, self->base + 20 * self->psz, 24, &val));
	EXPECT_EQ(0x1234, val) TH_LOG("scratch page lost its content: freed?");
	/* The freed slots can be allocated and are zeroed. */
	ASSERT_EQ(a, alloc_at(self->skel, a, 2));
	EXPECT_EQ(0, ((volatile __u64 *)a)[3]);
}

/*
 * User space touching a scratched address gets SIGSEGV; an untouched
 * unallocated address still faults in a fresh page.
 */
TEST_F(arena, user_access_to_scratched_page_segfaults)
{
	unsigned long scratched = self->base + 12 * self->psz;
	unsigned long untouched = self->base + 13 * self->psz;

	ASSERT_EQ(0, kwrite(self->skel, scratched, 0, 1));
	EXPECT_EQ(SIGSEGV, user_read_signal(scratched))
		TH_LOG("user read of a scratched page did not SIGSEGV");
	EXPECT_EQ(0, user_read_signal(untouched))
		TH_LOG("user read of an untouched page did not fault in a page");
	EXPECT_EQ(0, *(volatile __u64 *)untouched);
}

/* A fault in one arena leaves another arena's same slot untouched. */
TEST_F(arena, arenas_are_isolated)
{
	unsigned long page = 14 * self->psz;
	struct arena_kfault *other;
	unsigned long obase;
	char *log;
	size_t size;

	other = arena_kfault__open();
	ASSERT_NE(NULL, other);
	ASSERT_EQ(0, bpf_map__set_map_extra(other->maps.arena, KFAULT_ARENA_BASE * 2));
	ASSERT_EQ(0, arena_kfault__load(other));
	obase = (unsigned long)bpf_map__initial_value(other->maps.arena, &size);

	/* Each arena scratches its own page, seen by its own program only. */
	ASSERT_EQ(0, kwrite(self->skel, self->base + page, 0, 42));
	EXPECT_EQ(SIGSEGV, user_read_signal(self->base + page));
	EXPECT_EQ(0, user_read_signal(obase + page))
		TH_LOG("the other arena's slot was scratched too");
	ASSERT_EQ(0, kwrite(other, obase + page + self->psz, 0, 43));
	EXPECT_EQ(0, user_read_signal(self->base + page + self->psz))
		TH_LOG("this arena's slot was scratched by the other arena's fault");

	log = read_stderr(self->skel->progs.kfunc_write);
	EXPECT_EQ(1, reports(log, "WRITE", self->base + page))
		TH_LOG("stream of this arena:\n%s", log);
	EXPECT_EQ(1, count(log, "Arena ")) TH_LOG("stream of this arena:\n%s", log);
	free(log);
	log = read_stderr(other->progs.kfunc_write);
	EXPECT_EQ(1, reports(log, "WRITE", obase + page + self->psz))
		TH_LOG("stream of the other arena:\n%s", log);
	EXPECT_EQ(1, count(log, "Arena ")) TH_LOG("stream of the other arena:\n%s", log);
	free(log);
	arena_kfault__destroy(other);
}

/* A /proc/meminfo field, in kB; -1 if missing. */
static long meminfo_kb(const char *field)
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

/* ---- arena creation failure paths ---- */

#define DEBUGFS		"/sys/kernel/debug"
#define TRACEFS		"/sys/kernel/tracing"
/* include/uapi/linux/kernel-page-flags.h */
#define KPF_LRU		5
#define KPF_SLAB	7
#define KPF_MMAP	11
#define KPF_ANON	12
#define KPF_PGTABLE	26
#define FAIL_NTH_MAX	512
/* Written to the trace after each attempt: later allocations are not its. */
#define ATTEMPT_END	"arena_kfault: attempt done"
#define MAX_PAGES	4096

/* BPF_MAP_CREATE of an arena like the test's, without a BPF object. */
static int create_arena(const char *name)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);

	return bpf_map_create(BPF_MAP_TYPE_ARENA, name, 0, 0, KFAULT_ARENA_PAGES, &opts);
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Fault-injection and tracing knobs the test sets, and what it restores. */
struct knob {
	const char *path;
	const char *val;	/* NULL: the pid filter, filled in at run time */
	char old[64];
};

static struct knob fi_knobs[] = {
	/* fail-nth ignores probability; these filters would still apply */
	{ DEBUGFS "/fail_page_alloc/ignore-gfp-wait", "N" },
	{ DEBUGFS "/fail_page_alloc/ignore-gfp-highmem", "N" },
	{ DEBUGFS "/fail_page_alloc/min-order", "0" },
	{ DEBUGFS "/fail_page_alloc/verbose", "0" },
	{ DEBUGFS "/failslab/ignore-gfp-wait", "N" },
	{ DEBUGFS "/failslab/verbose", "0" },
	/* every page the creating thread allocates, and every page freed */
	{ TRACEFS "/tracing_on", "0" },
	{ TRACEFS "/events/kmem/mm_page_alloc/filter", NULL },
	{ TRACEFS "/events/kmem/mm_page_alloc/enable", "1" },
	{ TRACEFS "/events/kmem/mm_page_free/enable", "1" },
	{ TRACEFS "/events/kmem/mm_page_free_batched/enable", "1" },
};

#define N_KNOBS (sizeof(fi_knobs) / sizeof(fi_knobs[0]))

static void knobs_restore(void)
{
	size_t i;

	for (i = N_KNOBS; i-- > 0;)
		if (fi_knobs[i].old[0])
			write_str(fi_knobs[i].path, fi_knobs[i].old);
}

static int knobs_set(char *err, size_t len)
{
	char filter[64];
	size_t i;
	int ret;

	snprintf(filter, sizeof(filter), "common_pid == %ld", syscall(SYS_gettid));
	for (i = 0; i < N_KNOBS; i++) {
		struct knob *k = &fi_knobs[i];

		ret = read_str(k->path, k->old, sizeof(k->old));
		if (!ret) {
			if (!strcmp(k->old, "none"))	/* an empty filter reads so */
				strcpy(k->old, "0");
			ret = write_str(k->path, k->val ? k->val : filter);
		}
		if (ret) {
			snprintf(err, len, "%s: %s", k->path, strerror(-ret));
			k->old[0] = '\0';
			return ret;
		}
	}
	return 0;
}

/*
 * Pages that the traced thread allocated between the clearing of the trace
 * and ATTEMPT_END, and that were not freed since.  Slab and page-table
 * pages do not count (slab caches and vmalloc page tables legitimately
 * outlive a failed creation), nor do pages mapped to user space (this
 * test's own memory) or kmemleak's bookkeeping.  Returns their number, or -errno; @what describes
 * the first one.
 */
static int kept_pages(int kpageflags, char *what, size_t len, int *pgtables)
{
	static const unsigned long ignore = 1UL << KPF_SLAB | 1UL << KPF_PGTABLE |
					    1UL << KPF_LRU | 1UL << KPF_MMAP | 1UL << KPF_ANON;
	static struct {
		unsigned long pfn;
		char gfp[64];
	} pages[MAX_PAGES];
	static char line[1024];
	unsigned long pfn, flags;
	int n = 0, i, j, order, done = 0;
	FILE *f = fopen(TRACEFS "/trace", "r");
	char *ev;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (strstr(line, ATTEMPT_END))
			done = 1;
		else if (!done && (ev = strstr(line, " mm_page_alloc: ")) && (ev = strstr(ev, "pfn=")) &&
		    sscanf(ev, "pfn=%lx order=%d", &pfn, &order) == 2) {
			if (pfn == ~0UL)	/* the injected failure */
				continue;
			/*
			 * kmemleak's own allocations (gfp_kmemleak_mask), among
			 * them the never-freed stack depot pools it records
			 * call stacks in: never an arena allocation.
			 */
			if (strstr(ev, "__GFP_NOMEMALLOC"))
				continue;
			for (j = 0; j < (1 << order) && n < MAX_PAGES; j++, n++) {
				pages[n].pfn = pfn + j;
				snprintf(pages[n].gfp, sizeof(pages[n].gfp), "%s",
					 strstr(ev, "gfp_flags=") ?: "");
				pages[n].gfp[strcspn(pages[n].gfp, "\n")] = '\0';
			}
		} else if ((ev = strstr(line, " mm_page_free")) && (ev = strstr(ev, "pfn=")) &&
			   sscanf(ev, "pfn=%lx order=%d", &pfn, &order) == 2) {
			for (i = 0; i < n; i++)
				if (pages[i].pfn >= pfn && pages[i].pfn < pfn + (1UL << order))
					pages[i--] = pages[--n];
		}
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		if (pread(kpageflags, &flags, sizeof(flags), pages[i].pfn * sizeof(flags)) !=
		    sizeof(flags))
			return -EIO;
		if (flags & 1UL << KPF_PGTABLE)
			(*pgtables)++;
		if (flags & ignore)
			pages[i--] = pages[--n];
		else if (!what[0])
			snprintf(what, len, "pfn %#lx %s kpageflags %#lx",
				 pages[i].pfn, pages[i].gfp, flags);
	}
	return n;
}

/*
 * The pages a failed creation kept.  Once the map had a reference of its
 * own (a failure after ->map_alloc()), it is freed from a workqueue, so
 * wait for those frees - on the condition, bounded - before calling a
 * page kept.
 */
static int kept_after_frees(int kpageflags, char *what, size_t len, int *pgtables)
{
	struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	int kept, tries;

	for (tries = 0; tries < 500; tries++) {
		what[0] = '\0';
		*pgtables = 0;
		kept = kept_pages(kpageflags, what, len, pgtables);
		if (kept <= 0)
			return kept;
		nanosleep(&tick, NULL);
	}
	return kept;
}

enum attempt { ATTEMPT_DONE, ATTEMPT_TOLERATED, ATTEMPT_FAILED, ATTEMPT_FAILED_IN_PGTABLES };

/*
 * Create an arena with its @nth allocation failing (fail-nth: page
 * allocator and slab).  A failed creation must give back each page it
 * took - the scratch page above all - as seen in the kmem trace events.
 * ATTEMPT_DONE: creation made fewer than @nth allocations.
 */
static enum attempt attempt(struct __test_metadata *_metadata, int kpageflags, int nth)
{
	char left[16], val[16], what[160];
	int fd, kept, err_no, pgtables;

	snprintf(val, sizeof(val), "%d", nth);
	write_str(TRACEFS "/trace", "");
	write_str(TRACEFS "/tracing_on", "1");
	if (write_str("/proc/thread-self/fail-nth", val))
		return ATTEMPT_DONE;
	fd = create_arena("kfault_fi");
	err_no = errno;
	write_str(TRACEFS "/trace_marker", ATTEMPT_END);
	read_str("/proc/thread-self/fail-nth", left, sizeof(left));
	write_str("/proc/thread-self/fail-nth", "0");
	if (fd >= 0) {
		write_str(TRACEFS "/tracing_on", "0");
		close(fd);
		/* a non-zero count left: the injection never happened */
		return strcmp(left, "0") ? ATTEMPT_DONE : ATTEMPT_TOLERATED;
	}
	kept = kept_after_frees(kpageflags, what, sizeof(what), &pgtables);
	write_str(TRACEFS "/tracing_on", "0");
	EXPECT_EQ(0, kept)
		TH_LOG("failing allocation #%d: creation failed (%s) and kept %d page(s), first: %s",
		       nth, strerror(err_no), kept, what);
	return pgtables ? ATTEMPT_FAILED_IN_PGTABLES : ATTEMPT_FAILED;
}

/*
 * Hold arenas open until one of them had to populate page tables for a
 * vmalloc range never used before, so that the next arena most likely
 * lands on a fresh range too.  Returns how many are held (close them), or
 * -1; *@tables is the number of page-table pages the fresh range took.
 */
static int hold_until_fresh_range(int *fds, int max, long *tables)
{
	long before;
	int n;

	for (n = 0; n < max; n++) {
		before = meminfo_kb("PageTables");
		fds[n] = create_arena("kfault_hold");
		if (fds[n] < 0)
			break;
		/* 4 GiB of PTE tables is 8 MiB; a reused range needs none */
		*tables = (meminfo_kb("PageTables") - before) / 4;
		if (*tables >= 1024)
			return n + 1;
	}
	while (n-- > 0)
		close(fds[n]);
	return -1;
}

#define HOLD_MAX	32
#define FRESH_TRIES	5

/*
 * Arena creation failure paths free what they allocated, the scratch page
 * included.  First a fail-nth sweep over a vmalloc range whose page tables
 * exist: the 1st, 2nd, ... allocation of BPF_MAP_CREATE fails until
 * creation no longer reaches the injection.  That covers every allocation
 * but the page tables, which arena_map_alloc() populates last, after the
 * scratch page - and the page tables are the only allocations after the
 * scratch page that fault injection reaches (range_tree_set() uses
 * kmalloc_nolock(), which it skips).  So then one creation on a fresh
 * range fails halfway through its page tables.
 */
TEST_F_TIMEOUT(arena, create_failures_free_everything, 300)
{
	int fd, kpageflags, held, fds[HOLD_MAX], nth, try, failed = 0;
	enum attempt res = ATTEMPT_DONE;
	long tables = 0;
	char err[256];

	if (access(DEBUGFS "/fail_page_alloc", F_OK))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	if (access(TRACEFS "/events/kmem", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(DEBUGFS "/fail_page_alloc", F_OK) || access(TRACEFS "/events/kmem", F_OK) ||
	    access("/proc/thread-self/fail-nth", F_OK))
		SKIP(return, "needs FAIL_PAGE_ALLOC, FAILSLAB, FAULT_INJECTION_DEBUG_FS, TRACING");
	kpageflags = open("/proc/kpageflags", O_RDONLY);
	ASSERT_LE(0, kpageflags) TH_LOG("/proc/kpageflags: %s", strerror(errno));

	/* Warm up: the page tables of the range the sweep will use. */
	fd = create_arena("kfault_fi");
	ASSERT_LE(0, fd) TH_LOG("arena creation without injection: %s", strerror(errno));
	close(fd);

	if (knobs_set(err, sizeof(err))) {
		knobs_restore();
		ASSERT_TRUE(false) TH_LOG("cannot set up fault injection: %s", err);
	}
	for (nth = 1; nth <= FAIL_NTH_MAX; nth++) {
		res = attempt(_metadata, kpageflags, nth);
		if (res == ATTEMPT_DONE)
			break;
		failed += res != ATTEMPT_TOLERATED;
	}
	EXPECT_EQ(ATTEMPT_DONE, res) TH_LOG("creation still failing after %d injected failures",
					    FAIL_NTH_MAX);
	EXPECT_LT(0, failed) TH_LOG("no injected failure made arena creation fail");
	TH_LOG("warm range: %d allocations, %d of whose failures failed creation", nth - 1, failed);

	/*
	 * On a fresh range the page tables come after the sweep's nth - 1
	 * allocations (less those made after ->map_alloc()): failing one
	 * half-way through them lands inside the population.  A lazily
	 * purged, already populated range may turn up instead: retry.
	 */
	for (try = 0, res = ATTEMPT_DONE; try < FRESH_TRIES; try++) {
		held = hold_until_fresh_range(fds, HOLD_MAX, &tables);
		if (held < 0)
			break;
		res = attempt(_metadata, kpageflags, nth - 1 + tables / 2);
		while (held-- > 0)
			close(fds[held]);
		if (res == ATTEMPT_FAILED_IN_PGTABLES)
			break;
	}
	knobs_restore();
	write_str(TRACEFS "/trace", "");
	close(kpageflags);
	EXPECT_EQ(ATTEMPT_FAILED_IN_PGTABLES, res)
		TH_LOG("no failure inside the page-table population of a fresh range in %d tries (%ld tables)",
		       try, tables);
}

/*
 * One arena's life: every page of it scratched by a kfunc, then allocated
 * over (fresh pages replace the scratch page), written, and freed, plus a
 * scratched upper-guard page.
 */
/*
 * One arena's life: kfunc faults on every page and beyond the window, an
 * allocation over the scratched pages, writes.  With @free_pages the pages
 * are freed before the arena is destroyed; without, the teardown must free
 * them.
 */
static int arena_cycle(long psz, bool free_pages)
{
	struct arena_kfault *s = arena_kfault__open_and_load();
	unsigned long base, p;
	size_t size;
	int err = -1;

	if (!s)
		return -1;
	base = (unsigned long)bpf_map__initial_value(s->maps.arena, &size);
	for (p = base; p < base + KFAULT_ARENA_PAGES * psz; p += psz)
		if (kwrite(s, p, 0, p))
			goto out;
	if (kwrite(s, (base & ~(ARENA_SPAN - 1)) + ARENA_SPAN - psz, psz + 8, 1))
		goto out;
	if (alloc_at(s, base, KFAULT_ARENA_PAGES) != base)
		goto out;
	for (p = base; p < base + KFAULT_ARENA_PAGES * psz; p += psz)
		if (kwrite(s, p, 8, p))
			goto out;
	if (!free_pages || !free_at(s, base, KFAULT_ARENA_PAGES))
		err = 0;
out:
	arena_kfault__destroy(s);
	return err;
}

/*
 * Creating, scratching, filling and destroying arenas gives the memory back:
 * each cycle maps KFAULT_ARENA_PAGES real pages over scratched slots, so a
 * free path that mistook them for the scratch page, or kept the arena, loses
 * 256 KiB+ per cycle.  Freed arenas and their vmap areas are released
 * lazily (workqueue, lazy vmap purge), so measure after a warm-up that
 * reaches the steady state, and wait - bounded, on the condition itself -
 * for the memory to come back.  (The scratch page alone, 4 KiB, is below
 * this noise; KUnit's teardown_frees_scratch_once checks it exactly.)
 */
#define LEAK_ROUNDS	100
/*
 * An arena whose vmap area lands in a fresh part of vmalloc space allocates
 * its 8 MiB+ of kernel page tables anew, and kernel page tables are never
 * freed: allow for one such arena on top of the noise.  A free path that
 * loses the real pages costs 100 * 256 KiB = 25 MiB.
 */
#define LEAK_SLACK_KB	(10 * 1024)
/* one arena's kernel page tables: 2048 PTE pages for 4 GiB, a few more */
#define LEAK_PT_SLACK_KB	(8 * 1024 + 64)
#define LEAK_WAIT_SEC	20
#define LIVE_PAGES	(KFAULT_ARENA_PAGES - 1)
TEST_F_TIMEOUT(arena, teardown_leaks_nothing, 300)
{
	long before, after, per_round, pt_before, pt_after;
	struct arena_kfault *s, *probe;
	unsigned long base, p;
	struct kfault_args a;
	time_t deadline;
	size_t size;
	int i, shared;

	/*
	 * An arena destroyed while it still has pages (allocated by BPF over
	 * scratched slots, half of them also mapped into user space, after a
	 * slot that still maps the scratch page) gives every one back.  The
	 * test module pins each page, so the check is exact: once the deferred
	 * map free ran, a page's only reference left is the pin.  (MemFree
	 * cannot tell this: freed pages sit on per-CPU lists, 80-110 KB per
	 * arena here, before they count as free.)
	 */
	s = arena_kfault__open_and_load();
	ASSERT_NE(NULL, s);
	base = (unsigned long)bpf_map__initial_value(s->maps.arena, &size);
	for (p = base; p < base + KFAULT_ARENA_PAGES * self->psz; p += self->psz)
		ASSERT_EQ(0, kwrite(s, p, 0, p));
	ASSERT_EQ(base + self->psz, alloc_at(s, base + self->psz, LIVE_PAGES));
	for (i = 1; i <= LIVE_PAGES; i++) {
		p = base + i * self->psz;
		if (i % 2)
			*(volatile __u64 *)(p + 16) = p;
		a = (struct kfault_args){ .target = p };
		ASSERT_EQ(0, run(s->progs.pin_page, &a));
		ASSERT_EQ(0, (int)a.result) TH_LOG("pinning page %d: %d", i, (int)a.result);
	}
	arena_kfault__destroy(s);
	probe = arena_kfault__open_and_load();
	ASSERT_NE(NULL, probe);
	deadline = time(NULL) + LEAK_WAIT_SEC;
	for (;;) {
		a = (struct kfault_args){};
		ASSERT_EQ(0, run(probe->progs.pins_shared, &a));
		shared = (int)a.result;
		if (!shared || time(NULL) >= deadline)
			break;
		sched_yield();
	}
	a = (struct kfault_args){};
	EXPECT_EQ(0, run(probe->progs.unpin_all, &a));
	EXPECT_EQ(LIVE_PAGES, (int)a.result);
	arena_kfault__destroy(probe);
	EXPECT_EQ(0, shared)
		TH_LOG("%d of %d live pages still referenced %d s after their arena was destroyed",
		       shared, LIVE_PAGES, LEAK_WAIT_SEC);

	/* Arenas whose pages were freed first, many of them: MemFree. */
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, arena_cycle(self->psz, true));
	before = meminfo_kb("MemFree");
	pt_before = meminfo_kb("PageTables");
	for (i = 0; i < LEAK_ROUNDS; i++)
		ASSERT_EQ(0, arena_cycle(self->psz, true)) TH_LOG("round %d", i);
	deadline = time(NULL) + LEAK_WAIT_SEC;
	while ((after = meminfo_kb("MemFree")) < before - LEAK_SLACK_KB &&
	       time(NULL) < deadline)
		sched_yield();
	per_round = (before - after) * 1024 / LEAK_ROUNDS;
	TH_LOG("%d arenas of %d pages: MemFree %ld -> %ld kB (%ld bytes/arena)",
	       LEAK_ROUNDS, KFAULT_ARENA_PAGES, before, after, per_round);
	EXPECT_GE(after, before - LEAK_SLACK_KB)
		TH_LOG("%ld bytes lost per arena", per_round);
	/*
	 * Kernel page tables of a vmalloc range outlive it, but the next arena
	 * reuses the range: at most one arena's tables may be new.
	 */
	pt_after = meminfo_kb("PageTables");
	TH_LOG("PageTables %ld -> %ld kB", pt_before, pt_after);
	EXPECT_LE(pt_after, pt_before + LEAK_PT_SLACK_KB)
		TH_LOG("page tables grew by %ld kB over %d arenas", pt_after - pt_before,
		       LEAK_ROUNDS);
}

struct stress {
	struct arena_kfault *skel;
	unsigned long base;
	long psz;
	int id;
	int iters;
	int errors;
	int bad_data;
	int done;	/* faults recovered, or allocations that round-tripped */
	int freed;
};

#define STRESS_PAGES	8
#define STRESS_ITERS	300

/* Faulters write from kernel text at offset 0 of pages that come and go. */
static void *stress_faulter(void *arg)
{
	struct stress *st = arg;
	int i;

	for (i = 0; i < st->iters; i++) {
		unsigned long page = st->base + ((i * (st->id + 1)) % STRESS_PAGES) * st->psz;
		__u64 val;

		if (kwrite(st->skel, page, 0, i) || kread(st->skel, page, 0, &val))
			st->errors++;
		else
			st->done++;
	}
	return NULL;
}

/*
 * Allocators allocate a page of the same range, check through the kernel
 * that a marker at offset 64 (which no faulter touches) reads back, free it.
 */
static void *stress_allocator(void *arg)
{
	struct stress *st = arg;
	int i;

	for (i = 0; i < st->iters; i++) {
		unsigned long page = st->base + ((i + st->id) % STRESS_PAGES) * st->psz;
		__u64 marker = ((__u64)st->id << 32) | i, val = 0;

		if (alloc_at(st->skel, page, 1) != page)
			continue;	/* the other allocator has it */
		if (kwrite(st->skel, page, 64, marker) || kread(st->skel, page, 64, &val))
			st->errors++;
		else if (val != marker)
			st->bad_data++;
		else
			st->done++;
		if (free_at(st->skel, page, 1))
			st->errors++;
		else
			st->freed++;
	}
	return NULL;
}

/*
 * Two threads fault on the same and on different pages while two others
 * allocate and free the same pages, on whatever CPUs they land.
 */
TEST_F_TIMEOUT(arena, concurrent_faults_allocs_frees, 180)
{
	struct stress st[4];
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++) {
		st[i] = (struct stress){ .skel = self->skel, .base = self->base + 32 * self->psz,
					 .psz = self->psz, .id = i, .iters = STRESS_ITERS };
		ASSERT_EQ(0, pthread_create(&t[i], NULL,
					    i < 2 ? stress_faulter : stress_allocator, &st[i]));
	}
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, st[i].errors) TH_LOG("thread %d: %d program runs failed",
						  i, st[i].errors);
		EXPECT_EQ(0, st[i].bad_data) TH_LOG("thread %d: %d allocations lost their data",
						    i, st[i].bad_data);
		/* a run where nothing happened tests nothing */
		EXPECT_LT(0, st[i].done) TH_LOG("thread %d (%s) never succeeded", i,
						i < 2 ? "faulter" : "allocator");
		if (i >= 2)
			EXPECT_LT(0, st[i].freed) TH_LOG("thread %d freed nothing", i);
		TH_LOG("thread %d (%s): %d done, %d freed, %d errors", i,
		       i < 2 ? "faulter" : "allocator", st[i].done, st[i].freed, st[i].errors);
	}
}

/*
 * A kfunc write to an unallocated page, from a kfunc that is a leaf
 * function.  On arm64 a leaf stores no frame record, so the fault handler
 * must find the calling program through the saved LR; the kfunc's data
 * must land as before.  Last on purpose: where this is broken the kernel
 * oopses inside an RCU read-side section, and what runs after that is not
 * worth testing.
 */
TEST_F(arena, write_from_leaf_kfunc)
{
	struct kfault_args a = { .offset = 32, .value = 0x1eaf };
	unsigned long page = self->base + 4 * self->psz;
	__u64 val = 0;
	char *log;

	a.target = page;
	ASSERT_EQ(0, run(self->skel->progs.kfunc_write_leaf, &a));
	log = read_stderr(self->skel->progs.kfunc_write_leaf);
	ASSERT_NE(NULL, log);
	EXPECT_EQ(1, reports(log, "WRITE", page))
		TH_LOG("want one WRITE report at %#lx, stream:\n%s", page, log);
	free(log);
	ASSERT_EQ(0, kread(self->skel, page, 32, &val));
	EXPECT_EQ(0x1eaf, val) TH_LOG("read back %#llx from the scratch page",
				      (unsigned long long)val);
}

TEST_HARNESS_MAIN
