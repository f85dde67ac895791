// SPDX-License-Identifier: GPL-2.0
/*
 * dpo_refdb: the reference engine of the selftests, a small key-value
 * server shaped like a database engine: N worker threads, each with its
 * own epoll, all waiting on the listeners (EPOLLEXCLUSIVE); a connection
 * stays with the worker that accepted it; answers written in parts.
 *
 * Protocol, one request a line, '\n' terminated (PID: the answering
 * process's getpid(), so that a client tells the instances apart):
 *   GET <key>                    VALUE <pid> <len>\n<len bytes>\n
 *                                or NOTFOUND <pid>\n
 *   SET <key> <len>\n<bytes>\n   STORED <pid>\n
 *   PING                         PONG <pid>\n
 *   anything else                ERROR <pid> <reason>\n, connection kept
 * A line over 4096 bytes or a value over 1 MiB closes the connection.
 * VALUE goes out as two sends, the header with MSG_MORE: dpo takes
 * MSG_MORE as "answer not finished", so the request ends at the body.
 *
 * Regressions, injected per request (PING included) before answering:
 * --cpu-us, --fault-kb, --grow-kb, --delay-us as in dpo_patch_srv;
 * --crash-after N aborts on reading the Nth request (it is in flight when
 * the process dies), --hang-after N stops every worker from the Nth on.
 * A good patch is the same binary with none of them; an improved one has
 * less of the base cost (e.g. --cpu-us 200 patched by --cpu-us 150).
 *
 * SIGTERM/SIGINT: close the listeners, answer the requests read, close
 * the connections between requests, exit 0 (after 5 s grace at most).
 * SIGUSR2 with --upgrade-cmd: fork and exec the command with the
 * listeners as fds 3.. (LISTEN_FDS), like nginx; both keep serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "inject.h"
#include "listeners.h"

#define PROG		"dpo_refdb"
#define MAX_LISTENERS	16
#define MAX_THREADS	256
#define MAX_LINE	4096
#define MAX_VALUE	(1024 * 1024)
#define NSTRIPES	64
#define STOP_GRACE_MS	5000	/* 1 s was short for 32 busy clients on the debug kernel */
#define WRITE_MS	10000	/* a client that does not read is dropped */
#define MAX_UPGRADE_ARGS 32

static struct {
	unsigned long threads, keys, value_size;
	unsigned long delay_us, cpu_us, fault_kb, grow_kb;
	unsigned long crash_after, hang_after;	/* 0: never */
	const char *pidfile, *upgrade_pidfile;
	char *upgrade_argv[MAX_UPGRADE_ARGS + 1];
} opt = { .threads = 4, .keys = 10000, .value_size = 100 };

static int lfds[MAX_LISTENERS], nlfd;
static int stop_efd;
static volatile bool stopping;
static unsigned long nreq;		/* requests read, all workers */
static pid_t self;

static void die(const char *what)
{
	fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- the store: a chained hash table, one lock per stripe of buckets ---- */

struct item {
	struct item *next;
	char *val;
	size_t vlen;
	char key[];
};

static struct item **table;
static size_t nbuckets;
static pthread_mutex_t stripes[NSTRIPES];

static size_t bucket_of(const char *key, size_t klen)
{
	unsigned long h = 14695981039346656037ul;	/* FNV-1a */

	while (klen--)
		h = (h ^ (unsigned char)*key++) * 1099511628211ul;
	return h & (nbuckets - 1);
}

static struct item *lookup(size_t b, const char *key, size_t klen)
{
	struct item *it;

	for (it = table[b]; it; it = it->next)
		if (!strncmp(it->key, key, klen) && !it->key[klen])
			return it;
	return NULL;
}

/* Takes @val (malloc'ed). */
static void store_set(const char *key, size_t klen, char *val, size_t vlen)
{
	size_t b = bucket_of(key, klen);
	pthread_mutex_t *m = &stripes[b % NSTRIPES];
	struct item *it, *fresh = NULL;
	char *old = NULL;

	pthread_mutex_lock(m);
	it = lookup(b, key, klen);
	if (!it) {
		pthread_mutex_unlock(m);
		fresh = malloc(sizeof(*fresh) + klen + 1);
		if (!fresh)
			die("malloc");
		memcpy(fresh->key, key, klen);
		fresh->key[klen] = 0;
		fresh->val = NULL;
		pthread_mutex_lock(m);
		it = lookup(b, key, klen);	/* raced with another SET? */
		if (!it) {
			it = fresh;
			it->next = table[b];
			table[b] = it;
			fresh = NULL;
		}
	}
	old = it->val;
	it->val = val;
	it->vlen = vlen;
	pthread_mutex_unlock(m);
	free(old);
	free(fresh);
}

/*
 * Copy the value of @key after @off bytes of *@buf (grown as needed);
 * its length, or -1 when there is no such key.
 */
static ssize_t store_get(const char *key, size_t klen, char **buf,
			 size_t *cap, size_t off)
{
	size_t b = bucket_of(key, klen);
	pthread_mutex_t *m = &stripes[b % NSTRIPES];
	struct item *it;
	ssize_t len = -1;

	pthread_mutex_lock(m);
	it = lookup(b, key, klen);
	if (it) {
		len = it->vlen;
		if (off + len + 1 > *cap) {
			char *p = realloc(*buf, off + len + 1);

			if (!p)
				die("realloc");
			*buf = p;
			*cap = off + len + 1;
		}
		memcpy(*buf + off, it->val, len);
	}
	pthread_mutex_unlock(m);
	return len;
}

static void store_init(void)
{
	char key[32];
	unsigned long i;
	int n;

	for (nbuckets = 1024; nbuckets < opt.keys; nbuckets <<= 1)
		;
	table = calloc(nbuckets, sizeof(*table));
	if (!table)
		die("calloc");
	for (i = 0; i < NSTRIPES; i++)
		pthread_mutex_init(&stripes[i], NULL);
	for (i = 0; i < opt.keys; i++) {
		char *val = malloc(opt.value_size ? opt.value_size : 1);

		if (!val)
			die("malloc");
		memset(val, 'a' + i % 26, opt.value_size);
		n = snprintf(key, sizeof(key), "k%lu", i);
		store_set(key, n, val, opt.value_size);
	}
}

/* ---- connections ---- */

struct conn {
	int fd;
	char *in;		/* read, not yet handled */
	size_t in_len, in_cap;
	struct conn *next, **pprev;	/* the worker's list */
};

struct worker {
	pthread_t th;
	int epfd;
	struct conn *conns;
	char *out;		/* the answer being written */
	size_t out_cap;
};

static struct worker *workers;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static unsigned long nworkers_done;

/* All of @len, the last part with @flags; waits for room (answers are small). */
static int write_full(int fd, const char *buf, size_t len, int flags)
{
	while (len) {
		ssize_t n = send(fd, buf, len, flags | MSG_NOSIGNAL);

		if (n < 0) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			if (poll(&p, 1, WRITE_MS) <= 0)
				return -1;
			continue;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static int answer_short(int fd, const char *fmt, const char *reason)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), fmt, self, reason);

	return write_full(fd, buf, n, 0);
}

static int answer_value(struct worker *w, int fd, const char *key, size_t klen)
{
	char hdr[64];
	ssize_t len = store_get(key, klen, &w->out, &w->out_cap, 0);
	int n;

	if (len < 0)
		return answer_short(fd, "NOTFOUND %d\n", NULL);
	w->out[len] = '\n';
	n = snprintf(hdr, sizeof(hdr), "VALUE %d %zd\n", self, len);
	if (write_full(fd, hdr, n, MSG_MORE))
		return -1;
	return write_full(fd, w->out, len + 1, 0);
}

static void inject(void)
{
	unsigned long n = __atomic_add_fetch(&nreq, 1, __ATOMIC_SEQ_CST);

	if (opt.crash_after && n >= opt.crash_after)
		abort();
	if (opt.hang_after && n >= opt.hang_after)
		inject_hang();
	if (opt.cpu_us)
		inject_cpu(opt.cpu_us);
	if (opt.fault_kb && inject_faults(opt.fault_kb, false))
		die("mmap");
	if (opt.grow_kb && inject_faults(opt.grow_kb, true))
		die("mmap");
	if (opt.delay_us)
		inject_sleep(opt.delay_us);
}

/*
 * Handle the first complete request of @c's input: its length (consumed),
 * 0 when it is not all there yet, -1 to close the connection.
 */
static ssize_t handle_one(struct worker *w, struct conn *c)
{
	char line[MAX_LINE + 1], *nl, *sp, *end, *val;
	size_t llen, used;
	unsigned long vlen;
	const char *body;

	nl = memchr(c->in, '\n', c->in_len);
	if (!nl)
		return c->in_len > MAX_LINE ? -1 : 0;
	llen = nl - c->in;
	if (llen > MAX_LINE)
		return -1;
	used = llen + 1;
	memcpy(line, c->in, llen);
	if (llen && line[llen - 1] == '\r')
		llen--;
	line[llen] = 0;

	if (strncmp(line, "SET ", 4)) {
		inject();
		if (!strncmp(line, "GET ", 4) && line[4] &&
		    !strchr(line + 4, ' ')) {
			if (answer_value(w, c->fd, line + 4, llen - 4))
				return -1;
		} else if (!strcmp(line, "PING")) {
			if (answer_short(c->fd, "PONG %d\n", NULL))
				return -1;
		} else if (answer_short(c->fd, "ERROR %d %s\n",
					"unknown request")) {
			return -1;
		}
		return used;
	}

	sp = strchr(line + 4, ' ');
	errno = 0;
	vlen = sp ? strtoul(sp + 1, &end, 10) : 0;
	if (!sp || sp == line + 4 || !sp[1] || sp[1] == '-' || errno || *end) {
		inject();
		if (answer_short(c->fd, "ERROR %d %s\n",
				 "usage: SET <key> <len>"))
			return -1;
		return used;
	}
	if (vlen > MAX_VALUE) {
		inject();
		answer_short(c->fd, "ERROR %d %s\n", "value too long");
		return -1;	/* the body cannot be skipped safely */
	}
	if (c->in_len < used + vlen + 1)
		return 0;	/* the rest of the body comes later */
	body = c->in + used;
	inject();
	if (body[vlen] != '\n') {
		answer_short(c->fd, "ERROR %d %s\n", "value not followed by newline");
		return -1;
	}
	val = malloc(vlen ? vlen : 1);
	if (!val)
		die("malloc");
	memcpy(val, body, vlen);
	store_set(line + 4, sp - (line + 4), val, vlen);
	if (answer_short(c->fd, "STORED %d\n", NULL))
		return -1;
	return used + vlen + 1;
}

static void conn_close(struct conn *c)
{
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	close(c->fd);	/* leaves the epoll too: nobody else holds it */
	free(c->in);
	free(c);
}

/* Read what is there and handle every complete request; -1: close it. */
static int conn_readable(struct worker *w, struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_cap - c->in_len < MAX_LINE) {
			size_t cap = c->in_cap * 2;
			char *p = realloc(c->in, cap);

			if (!p)
				die("realloc");
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		c->in_len += n;
		while (c->in_len) {
			ssize_t used = handle_one(w, c);

			if (used < 0)
				return -1;
			if (!used)
				break;
			c->in_len -= used;
			memmove(c->in, c->in + used, c->in_len);
		}
		/*
		 * Stopping: what was read is answered, and then the caller
		 * closes the connection at this boundary; reading on would
		 * serve a fast client's next requests for ever.
		 */
		if (stopping)
			return 0;
	}
}

static void accept_all(struct worker *w, int lfd)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct conn *c;
		int fd, one = 1;

		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				inject_sleep(10000);
			/* EAGAIN; EBADF/EINVAL: closed by stop() just now */
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c || !(c->in = malloc(2 * MAX_LINE)))
			die("malloc");
		c->fd = fd;
		c->in_cap = 2 * MAX_LINE;
		c->next = w->conns;
		if (w->conns)
			w->conns->pprev = &c->next;
		c->pprev = &w->conns;
		w->conns = c;
		ev.data.ptr = c;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev))
			die("epoll_ctl");
	}
}

/*
 * Stopping: each connection answers what it has read, and is closed as
 * soon as it holds no partial request.
 */
static void close_idle(struct worker *w)
{
	struct conn *c, *next;

	for (c = w->conns; c; c = next) {
		next = c->next;
		if (conn_readable(w, c) || !c->in_len)
			conn_close(c);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];
	bool stop_seen = false;

	while (!stop_seen || w->conns) {
		int i, n = epoll_wait(w->epfd, evs, 64, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &stop_efd) {
				if (!stop_seen) {
					/* level-triggered: every worker sees it once */
					epoll_ctl(w->epfd, EPOLL_CTL_DEL, stop_efd, NULL);
					stop_seen = true;
				}
			} else if ((int *)p >= lfds && (int *)p < lfds + nlfd) {
				if (!stopping)
					accept_all(w, *(int *)p);
			} else if (conn_readable(w, p) ||
				   (stop_seen && !((struct conn *)p)->in_len)) {
				conn_close(p);
			}
		}
		if (stop_seen)
			close_idle(w);
	}
	pthread_mutex_lock(&done_lock);
	nworkers_done++;
	pthread_cond_broadcast(&done_cond);
	pthread_mutex_unlock(&done_lock);
	return NULL;
}

static void start_workers(void)
{
	unsigned long i;
	int j;

	workers = calloc(opt.threads, sizeof(*workers));
	if (!workers)
		die("calloc");
	for (i = 0; i < opt.threads; i++) {
		struct worker *w = &workers[i];
		struct epoll_event ev = { .events = EPOLLIN };

		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epfd < 0)
			die("epoll_create1");
		ev.data.ptr = &stop_efd;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, stop_efd, &ev))
			die("epoll_ctl");
		for (j = 0; j < nlfd; j++) {
			/* one worker woken a connection, not all (thundering herd) */
			ev.events = EPOLLIN | EPOLLEXCLUSIVE;
			ev.data.ptr = &lfds[j];
			if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, lfds[j], &ev))
				die("epoll_ctl listener");
		}
		if (pthread_create(&w->th, NULL, worker_main, w))
			die("pthread_create");
	}
}

/*
 * Close the listeners (first out of every epoll: a dup in an upgraded
 * child would keep them registered), wake the workers, and wait for them
 * for the grace period plus one injected delay.
 */
static void stop(void)
{
	unsigned long ms = STOP_GRACE_MS + opt.delay_us / 1000;
	struct timespec ts;
	unsigned long i;
	int j;

	stopping = true;
	for (i = 0; i < opt.threads; i++)
		for (j = 0; j < nlfd; j++)
			epoll_ctl(workers[i].epfd, EPOLL_CTL_DEL, lfds[j], NULL);
	for (j = 0; j < nlfd; j++)
		close(lfds[j]);
	if (eventfd_write(stop_efd, 1))
		die("eventfd_write");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&done_lock);
	while (nworkers_done < opt.threads &&
	       pthread_cond_timedwait(&done_cond, &done_lock, &ts) != ETIMEDOUT)
		;
	if (nworkers_done < opt.threads)
		fprintf(stderr, PROG ": %lu worker(s) still busy at exit\n",
			opt.threads - nworkers_done);
	pthread_mutex_unlock(&done_lock);
}

/* ---- listeners, pid files, the upgrade ---- */

/* @path holds @pid, or not at all: written aside, then renamed. */
static void write_pidfile(const char *path, pid_t pid)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
	f = fopen(tmp, "we");
	if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f) ||
	    rename(tmp, path)) {
		fprintf(stderr, PROG ": pid file %s: %s\n", path,
			strerror(errno));
		unlink(tmp);
	}
}

/* The environment of the upgrade: ours without LISTEN_*, plus 2 entries. */
static char **upgrade_env(char *fds, char *pid)
{
	extern char **environ;
	char **env;
	int n = 0, i;

	while (environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	for (i = n = 0; environ[i]; i++)
		if (strncmp(environ[i], "LISTEN_", 7))
			env[n++] = environ[i];
	env[n++] = fds;
	env[n++] = pid;
	return env;
}

/* Fork the upgrade: the child holds the listeners at 3.. and execs. */
static void upgrade(void)
{
	char fds[32], pidenv[32];
	char **env;
	sigset_t none;
	pid_t pid;
	int i, tmp[MAX_LISTENERS];

	if (!opt.upgrade_argv[0]) {
		fprintf(stderr, PROG ": SIGUSR2 without --upgrade-cmd: ignored\n");
		return;
	}
	snprintf(fds, sizeof(fds), "LISTEN_FDS=%d", nlfd);
	env = upgrade_env(fds, pidenv);	/* before fork: no malloc after */
	if (!env) {
		fprintf(stderr, PROG ": upgrade: out of memory\n");
		return;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": upgrade: fork: %s\n", strerror(errno));
		free(env);
		return;
	}
	if (!pid) {
		/* out of the way first, then in place: 3.. may be taken */
		for (i = 0; i < nlfd; i++) {
			tmp[i] = fcntl(lfds[i], F_DUPFD_CLOEXEC, 3 + MAX_LISTENERS);
			if (tmp[i] < 0)
				_exit(127);
		}
		for (i = 0; i < nlfd; i++)
			if (dup2(tmp[i], 3 + i) < 0 || fcntl(3 + i, F_SETFD, 0))
				_exit(127);
		snprintf(pidenv, sizeof(pidenv), "LISTEN_PID=%d", getpid());
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvpe(opt.upgrade_argv[0], opt.upgrade_argv, env);
		_exit(127);
	}
	free(env);
	fprintf(stderr, PROG ": upgrade: pid %d runs %s\n", pid,
		opt.upgrade_argv[0]);
	if (opt.upgrade_pidfile)
		write_pidfile(opt.upgrade_pidfile, pid);
}

static void reap(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
			fprintf(stderr, PROG ": upgrade: pid %d could not exec %s\n",
				pid, opt.upgrade_argv[0]);
		else if (WIFEXITED(st))
			fprintf(stderr, PROG ": upgrade: pid %d exited %d\n",
				pid, WEXITSTATUS(st));
		else if (WIFSIGNALED(st))
			fprintf(stderr, PROG ": upgrade: pid %d killed by signal %d\n",
				pid, WTERMSIG(st));
	}
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [--port PORT] [--threads N] [--keys N] [--value-size B]\n"
"                 [--delay-us N] [--cpu-us N] [--fault-kb N] [--grow-kb N]\n"
"                 [--crash-after N] [--hang-after N] [--pidfile FILE]\n"
"                 [--upgrade-cmd \"PATH [ARGS...]\"] [--upgrade-pidfile FILE]\n"
"A key-value server for the dpo selftests. Listens on the sockets passed by\n"
"LISTEN_FDS/LISTEN_PID, else on 127.0.0.1:PORT (then --port is required).\n"
"  --threads N        worker threads, each with its own epoll (default 4)\n"
"  --keys N           keys k0..k{N-1} loaded at start (default 10000)\n"
"  --value-size B     bytes of each loaded value (default 100)\n"
"Per request (PING too), before the answer:\n"
"  --cpu-us N         burn N us of CPU      --fault-kb N  N KiB of minor faults\n"
"  --grow-kb N        leak N KiB (RSS)      --delay-us N  sleep N us\n"
"  --crash-after N    abort on reading the Nth request\n"
"  --hang-after N     from the Nth request on, never answer\n"
"  --pidfile FILE     our pid, once listening\n"
"  --upgrade-cmd CMD  on SIGUSR2, fork and exec CMD (split on spaces) with the\n"
"                     listeners as fds 3.. (LISTEN_FDS); both keep serving\n"
"  --upgrade-pidfile FILE  the pid of that child\n"
"Requests: GET <key> | SET <key> <len>\\n<bytes> | PING, one a line.\n"
"SIGTERM/SIGINT: stop accepting, answer the requests read, exit 0.\n");
}

static unsigned long num_arg(const char *name, const char *s,
			     unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v < min || v > max) {
		fprintf(stderr, PROG ": --%s: want a number from %lu to %lu, got '%s'\n",
			name, min, max, s);
		exit(1);
	}
	return v;
}

static void split_cmd(char *cmd)
{
	int n = 0;
	char *tok, *save;

	for (tok = strtok_r(cmd, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (n == MAX_UPGRADE_ARGS) {
			fprintf(stderr, PROG ": --upgrade-cmd: over %d words\n",
				MAX_UPGRADE_ARGS);
			exit(1);
		}
		opt.upgrade_argv[n++] = tok;
	}
	if (!n) {
		fprintf(stderr, PROG ": --upgrade-cmd: empty command\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 't' },
		{ "keys", required_argument, NULL, 'k' },
		{ "value-size", required_argument, NULL, 'v' },
		{ "delay-us", required_argument, NULL, 'd' },
		{ "cpu-us", required_argument, NULL, 'c' },
		{ "fault-kb", required_argument, NULL, 'f' },
		{ "grow-kb", required_argument, NULL, 'g' },
		{ "crash-after", required_argument, NULL, 'C' },
		{ "hang-after", required_argument, NULL, 'H' },
		{ "pidfile", required_argument, NULL, 'P' },
		{ "upgrade-cmd", required_argument, NULL, 'u' },
		{ "upgrade-pidfile", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long port = -1;
	sigset_t sigs;
	int c, i, sig;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *name = NULL;

		for (i = 0; opts[i].name; i++)
			if (opts[i].val == c)
				name = opts[i].name;
		switch (c) {
		case 'p':
			port = num_arg(name, optarg, 1, 65535);
			break;
		case 't':
			opt.threads = num_arg(name, optarg, 1, MAX_THREADS);
			break;
		case 'k':
			opt.keys = num_arg(name, optarg, 0, 100000000);
			break;
		case 'v':
			opt.value_size = num_arg(name, optarg, 0, MAX_VALUE);
			break;
		case 'd':
			opt.delay_us = num_arg(name, optarg, 0, 60000000);
			break;
		case 'c':
			opt.cpu_us = num_arg(name, optarg, 0, 10000000);
			break;
		case 'f':
			opt.fault_kb = num_arg(name, optarg, 0, 1024 * 1024);
			break;
		case 'g':
			opt.grow_kb = num_arg(name, optarg, 0, 1024 * 1024);
			break;
		case 'C':
			opt.crash_after = num_arg(name, optarg, 1, ULONG_MAX);
			break;
		case 'H':
			opt.hang_after = num_arg(name, optarg, 1, ULONG_MAX);
			break;
		case 'P':
			opt.pidfile = optarg;
			break;
		case 'u':
			split_cmd(optarg);
			break;
		case 'U':
			opt.upgrade_pidfile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:	/* getopt said what */
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	self = getpid();
	nlfd = listeners_passed(lfds, MAX_LISTENERS, true, PROG, 1);
	if (!nlfd && port < 0) {
		fprintf(stderr, PROG ": no listener: --port is required without LISTEN_FDS\n");
		usage(stderr);
		return 1;
	}
	if (!nlfd) {
		lfds[nlfd] = listener_on_loopback(port, true, 1024);
		if (lfds[nlfd++] < 0)
			die("listen");
	}
	store_init();

	/* only sigwaitinfo() below sees these; threads inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR2);
	sigaddset(&sigs, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (stop_efd < 0)
		die("eventfd");
	start_workers();
	if (opt.pidfile)
		write_pidfile(opt.pidfile, self);
	fprintf(stderr, PROG ": pid %d serving %d listener(s) with %lu thread(s)\n",
		self, nlfd, opt.threads);

	for (;;) {
		sig = sigwaitinfo(&sigs, NULL);
		if (sig == SIGUSR2)
			upgrade();
		else if (sig == SIGCHLD)
			reap();
		else if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	stop();
	return 0;
}
