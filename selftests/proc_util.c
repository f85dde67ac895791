// SPDX-License-Identifier: GPL-2.0
/* Workload children, /proc readers and module control for the selftests. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "proc_util.h"

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void *shared_mem(size_t len)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

pid_t fork_flushed(void)
{
	fflush(stdout);
	fflush(stderr);
	return fork();
}

pid_t fork_piped(int *cmd_fd, int *rep_fd)
{
	int cmd[2], rep[2], err;
	pid_t pid;

	if (pipe2(cmd, O_CLOEXEC))
		return -errno;
	if (pipe2(rep, O_CLOEXEC)) {
		err = -errno;
		close(cmd[0]);
		close(cmd[1]);
		return err;
	}
	pid = fork_flushed();
	if (pid < 0) {
		err = -errno;
		close(cmd[0]);
		close(cmd[1]);
		close(rep[0]);
		close(rep[1]);
		return err;
	}
	close(pid ? cmd[0] : cmd[1]);
	close(pid ? rep[1] : rep[0]);
	*cmd_fd = pid ? cmd[1] : cmd[0];
	*rep_fd = pid ? rep[0] : rep[1];
	return pid;
}

void kill_piped(pid_t *pid, int *cmd_fd, int *rep_fd)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	if (*cmd_fd >= 0)
		close(*cmd_fd);
	if (*rep_fd >= 0)
		close(*rep_fd);
	*pid = *cmd_fd = *rep_fd = -1;
}

int drop_root(uid_t id)
{
	if (setgroups(0, NULL) || setresgid(id, id, id) ||
	    setresuid(id, id, id))
		return -1;
	return 0;
}

void close_fds(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int keep_fd(int *fds, int *n, int max, int fd)
{
	if (fd >= 0 && *n < max)
		fds[(*n)++] = fd;
	return fd;
}

void drop_fd(int *fds, int n, int fd)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] == fd)
			fds[i] = -1;
	close(fd);
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- the workload child -------------------------------------------------- */

static volatile unsigned long sink;

static void burn(unsigned int ms)
{
	__u64 end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ms * 1000000ULL;
	unsigned long x = 1;

	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end) {
		int i;

		for (i = 0; i < 10000; i++)
			x = x * 6364136223846793005UL + 1442695040888963407UL;
		sink = x;
	}
}

static char *map_pages(unsigned int pages)
{
	size_t len = (size_t)(pages ? pages : 1) * getpagesize();
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	/* Debian backs big anonymous mappings with THP: one fault per 2 MiB. */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void touch(char *p, unsigned int pages)
{
	long ps = getpagesize();
	unsigned int i;

	for (i = 0; i < pages; i++)
		((volatile char *)p)[i * ps] = 1;
}

static const struct child_cfg *ccfg;
static pthread_mutex_t go_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go, started;
static __u32 ctids[8];

static void *worker(void *arg)
{
	char *p = map_pages(ccfg->pages);

	pthread_mutex_lock(&go_lock);
	ctids[(long)arg] = syscall(SYS_gettid);
	started++;
	pthread_cond_broadcast(&go_cond);
	while (!go)
		pthread_cond_wait(&go_cond, &go_lock);
	pthread_mutex_unlock(&go_lock);
	burn(ccfg->burn_ms);
	if (p) {
		touch(p, ccfg->pages);
		munmap(p, (size_t)ccfg->pages * getpagesize());
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	pthread_mutex_lock(&go_lock);
	ctids[(long)arg] = syscall(SYS_gettid);
	started++;
	pthread_cond_broadcast(&go_cond);
	pthread_mutex_unlock(&go_lock);
	for (;;)
		pause();
	return NULL;
}

static unsigned int nthreads(void)
{
	struct proc_stat ps;

	if (proc_stat_read(getpid(), &ps))
		return 0;
	return ps.num_threads;
}

static int start_threads(pthread_t *th, void *(*fn)(void *))
{
	unsigned int i, n = ccfg->threads > 8 ? 8 : ccfg->threads;

	started = 0;
	go = 0;
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, fn, (void *)(long)i))
			return -1;
	pthread_mutex_lock(&go_lock);
	while (started < (int)n)
		pthread_cond_wait(&go_cond, &go_lock);
	pthread_mutex_unlock(&go_lock);
	return n;
}

static void __attribute__((noreturn))
child_main(const struct child_cfg *cfg, int cmd_fd, int rep_fd)
{
	pthread_t th[8];
	int nth = 0, i;
	__u64 deadline;
	char *p;

	ccfg = cfg;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	p = map_pages(cfg->pages);
	if (!p)
		_exit(100);
	for (;;) {
		struct child_report r = { 0 };
		struct rusage ru;
		char c, out[1 + sizeof(r)];

		if (read(cmd_fd, &c, 1) != 1)
			_exit(0);
		switch (c) {
		case 'p':
			break;
		case 'b':
			burn(cfg->burn_ms);
			break;
		case 't':
			touch(p, cfg->pages);
			break;
		case 'T':
		case 'S':
			nth = start_threads(th, c == 'T' ? worker : sleeper);
			if (nth < 0)
				_exit(101);
			memcpy(r.tids, ctids, sizeof(r.tids));
			break;
		case 'g':
			pthread_mutex_lock(&go_lock);
			go = 1;
			pthread_cond_broadcast(&go_cond);
			pthread_mutex_unlock(&go_lock);
			for (i = 0; i < nth; i++)
				pthread_join(th[i], NULL);
			nth = 0;
			/*
			 * A joined thread can still be on the thread list for
			 * a moment (the tid is cleared before it is reaped):
			 * on a slow debug kernel, more than a moment. The
			 * answer reports what is left after 15 s.
			 */
			deadline = now_ns() + 15000000000ULL;
			while (nthreads() > 1 && now_ns() < deadline)
				usleep(2000);
			break;
		case 'x':
			exit(3);
		case 'k':
			raise(SIGKILL);
			break;
		default:
			_exit(102);
		}
		r.cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		getrusage(RUSAGE_SELF, &ru);
		r.minflt = ru.ru_minflt;
		r.threads = nthreads();
		out[0] = c;
		memcpy(out + 1, &r, sizeof(r));
		if (write(rep_fd, out, sizeof(out)) != sizeof(out))
			_exit(103);
	}
}

int read_within(int fd, void *buf, size_t len, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		__u64 now = now_ns();
		ssize_t n;

		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&p, 1, (end - now) / 1000000 + 1) < 0 && errno != EINTR)
			return -errno;
		if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		/* Readable: read() does not block (pipes and sockets). */
		n = read(fd, (char *)buf + got, len - got);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		got += n;
	}
	return 0;
}

int child_start(struct child *c, const struct child_cfg *cfg)
{
	struct child_report r;
	int cmd_fd, rep_fd;
	pid_t pid;

	c->pid = -1;
	c->cmd_fd = c->rep_fd = -1;
	pid = fork_piped(&cmd_fd, &rep_fd);
	if (pid < 0)
		return pid;
	if (pid == 0)
		child_main(cfg, cmd_fd, rep_fd);
	c->pid = pid;
	c->cmd_fd = cmd_fd;
	c->rep_fd = rep_fd;
	return child_cmd(c, 'p', &r, 10000);
}

int child_send(struct child *c, char cmd)
{
	if (write(c->cmd_fd, &cmd, 1) != 1)
		return -errno;
	return 0;
}

int child_cmd(struct child *c, char cmd, struct child_report *r, int timeout_ms)
{
	char in[1 + sizeof(*r)];
	int ret;

	ret = child_send(c, cmd);
	if (ret)
		return ret;
	ret = read_within(c->rep_fd, in, sizeof(in), timeout_ms);
	if (ret)
		return ret;
	if (in[0] != cmd)
		return -EPROTO;
	if (r)
		memcpy(r, in + 1, sizeof(*r));
	return 0;
}

int child_reap(struct child *c, int *status, int timeout_ms)
{
	__u64 deadline = now_ns() + (__u64)timeout_ms * 1000000;
	int st;

	if (c->pid <= 0)
		return -ECHILD;
	for (;;) {
		pid_t ret = waitpid(c->pid, &st, WNOHANG);

		if (ret == c->pid) {
			if (status)
				*status = st;
			c->pid = -1;
			return 0;
		}
		if (ret < 0)
			return -errno;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}

void child_kill(struct child *c)
{
	kill_piped(&c->pid, &c->cmd_fd, &c->rep_fd);
}

pid_t unused_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/* ---- /proc ---------------------------------------------------------------- */

int proc_stat_read(pid_t pid, struct proc_stat *ps)
{
	char path[64], buf[2048], *p;
	unsigned long long v[52] = { 0 };
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	memset(ps, 0, sizeof(*ps));
	ps->state = *p;
	p++;
	/* v[i] is field i (1-based as in proc(5)); field 3 is the state. */
	for (i = 4; i < 52 && *p; i++) {
		char *end;

		v[i] = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
	ps->minflt = v[10];
	ps->majflt = v[12];
	ps->utime = v[14];
	ps->stime = v[15];
	ps->num_threads = v[20];
	ps->starttime = v[22];
	ps->rss_pages = v[24];
	return 0;
}

long long slab_bytes(void)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	char line[512];
	long long total = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		unsigned long long active, num, size;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%127s %llu %llu %llu", name, &active, &num,
			   &size) == 4)
			total += (long long)(active * size);
	}
	fclose(f);
	return total;
}

long long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = atoll(line + klen + 1);
			break;
		}
	}
	fclose(f);
	return v;
}

/* ---- module ---------------------------------------------------------------- */

const char *kmod_path(void)
{
	const char *p = getenv("DPO_KO");

	return p && *p ? p : "/lib/dpo.ko";
}

bool kmod_loaded(void)
{
	struct stat st;

	return !stat("/sys/module/dpo", &st);
}

long read_long(const char *path)
{
	char buf[64];

	return read_text(path, buf, sizeof(buf)) > 0 ? atol(buf) : -1;
}

ssize_t read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

int for_each_thread(pid_t pid, void (*fn)(pid_t pid, pid_t tid, void *arg),
		    void *arg)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			fn(pid, atoi(de->d_name), arg);
	closedir(d);
	return 0;
}

struct asleep_walk {
	bool (*match)(long nr, const void *arg);
	const void *arg;
	int n;
	pid_t tid;
};

static void asleep_one(pid_t pid, pid_t tid, void *arg)
{
	struct asleep_walk *w = arg;
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	if (!w->match(read_long(path), w->arg))
		return;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_text(path, buf, sizeof(buf)) < 0 || !strstr(buf, ") S "))
		return;
	w->n++;
	w->tid = tid;
}

int threads_asleep_in(pid_t pid, bool (*match)(long nr, const void *arg),
		      const void *arg, pid_t *tid)
{
	struct asleep_walk w = { .match = match, .arg = arg };

	for_each_thread(pid, asleep_one, &w);
	if (w.n && tid)
		*tid = w.tid;
	return w.n;
}

long kmod_refcnt(void)
{
	return read_long("/sys/module/dpo/refcnt");
}

long kmod_refcnt_settle(long want, int timeout_ms)
{
	long ref = kmod_refcnt();
	int waited;

	for (waited = 0; ref != want && waited < timeout_ms; waited += 10) {
		usleep(10000);
		ref = kmod_refcnt();
	}
	return ref;
}

int kmod_load(void)
{
	int fd, ret;

	fd = open(kmod_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int kmod_unload(void)
{
	if (syscall(SYS_delete_module, "dpo", O_NONBLOCK))
		return -errno;
	return 0;
}

int uffd_page(void **page)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	long pg = sysconf(_SC_PAGESIZE);
	int uffd, err;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		return -errno;
	*page = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*page == MAP_FAILED) {
		err = -errno;
		close(uffd);
		return err;
	}
	reg.range.start = (unsigned long)*page;
	reg.range.len = pg;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_API, &api) ||
	    ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		err = -errno;
		uffd_close(uffd, *page);
		return err;
	}
	return uffd;
}

int uffd_wait_fault(int uffd, int ms)
{
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	return msg.event == UFFD_EVENT_PAGEFAULT ? 0 : -EPROTO;
}

int uffd_release(int uffd, void *page)
{
	struct uffdio_zeropage zp = { 0 };

	zp.range.start = (unsigned long)page;
	zp.range.len = sysconf(_SC_PAGESIZE);
	return ioctl(uffd, UFFDIO_ZEROPAGE, &zp) ? -errno : 0;
}

void uffd_close(int uffd, void *page)
{
	close(uffd);
	munmap(page, sysconf(_SC_PAGESIZE));
}
