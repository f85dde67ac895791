// SPDX-License-Identifier: GPL-2.0
/*
 * dpo_patch_srv: the "database" of the dpoctl patch tests. A request/response
 * TCP server (protocol in patch_load.h), socket-activation aware, with
 * regressions to inject per request. One acceptor thread per listener, one
 * thread per connection; the main thread waits for SIGTERM/SIGINT.
 *
 *   dpo_patch_srv [--port PORT] [--delay-us N] [--cpu-us N] [--fault-kb N]
 *                 [--grow-kb N] [--crash-after N] [--hang-after N]
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
#include <sys/socket.h>

#include "inject.h"
#include "listeners.h"
#include "patch_load.h"

#define MAX_LISTENERS	16
#define STOP_GRACE_MS	1000

static struct {
	unsigned long delay_us, cpu_us, fault_kb, grow_kb;
	unsigned long crash_after, hang_after;	/* 0: never */
} opt;

static int lfds[MAX_LISTENERS], nlfd;
static int stop_pipe[2];
static unsigned long served;		/* requests answered, all threads */

/* Open connections, so that SIGTERM can end the idle ones. */
struct conn {
	int fd;
	bool busy;		/* between reading a request and answering */
	bool stopping;
	struct conn *next, **pprev;
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conns_cond = PTHREAD_COND_INITIALIZER;
static struct conn *conns;
static int nconns;
static bool stopping;

static void die(const char *what)
{
	fprintf(stderr, "dpo_patch_srv: %s: %s\n", what, strerror(errno));
	exit(1);
}

static __u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- connections ---- */

/* Exactly @len bytes: 0, 1 on EOF before any byte, -1 otherwise. */
static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n == 0)
			return got ? -1 : 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += n;
	}
	return 0;
}

/*
 * The whole answer in one send(), so that dpo counts one request (a
 * blocking send with no signal to catch returns short only on an error).
 */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

static void conn_unlink(struct conn *c)
{
	pthread_mutex_lock(&conns_lock);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	nconns--;
	pthread_cond_broadcast(&conns_cond);
	pthread_mutex_unlock(&conns_lock);
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	char *out = malloc(sizeof(struct pl_resp) + PL_MAX_RESP);

	if (!out)
		die("malloc");
	memset(out, 'x', sizeof(struct pl_resp) + PL_MAX_RESP);
	for (;;) {
		struct pl_resp *r = (struct pl_resp *)out;
		struct pl_req q;
		unsigned long n;

		if (read_full(c->fd, &q, sizeof(q)))
			break;
		pthread_mutex_lock(&conns_lock);
		c->busy = true;
		pthread_mutex_unlock(&conns_lock);
		if (q.magic != PL_MAGIC || q.resp_len > PL_MAX_RESP) {
			fprintf(stderr, "dpo_patch_srv: bad request (magic %#x, resp_len %u)\n",
				q.magic, q.resp_len);
			break;
		}
		if (opt.hang_after &&
		    __atomic_load_n(&served, __ATOMIC_SEQ_CST) >= opt.hang_after)
			inject_hang();
		if (opt.cpu_us)
			inject_cpu(opt.cpu_us);
		if (opt.fault_kb && inject_faults(opt.fault_kb, false))
			die("mmap");
		if (opt.grow_kb && inject_faults(opt.grow_kb, true))
			die("mmap");
		if (opt.delay_us)
			inject_sleep(opt.delay_us);
		r->magic = PL_MAGIC;
		r->id = q.id;
		r->pid = getpid();
		r->resp_len = q.resp_len;
		if (write_all(c->fd, out, sizeof(*r) + q.resp_len))
			break;
		n = __atomic_add_fetch(&served, 1, __ATOMIC_SEQ_CST);
		if (opt.crash_after && n >= opt.crash_after)
			abort();
		pthread_mutex_lock(&conns_lock);
		c->busy = false;
		if (c->stopping) {
			pthread_mutex_unlock(&conns_lock);
			break;
		}
		pthread_mutex_unlock(&conns_lock);
	}
	close(c->fd);
	conn_unlink(c);
	free(c);
	free(out);
	return NULL;
}

static void *acceptor(void *arg)
{
	int lfd = (int)(long)arg;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = lfd, .events = POLLIN },
			{ .fd = stop_pipe[0], .events = POLLIN },
		};
		struct conn *c;
		pthread_t th;
		int fd, one = 1;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[1].revents)
			break;
		/* non-blocking: another process may have taken it (both) */
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				inject_sleep(10000);
				continue;
			}
			die("accept");
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c)
			die("calloc");
		c->fd = fd;
		pthread_mutex_lock(&conns_lock);
		if (stopping) {
			pthread_mutex_unlock(&conns_lock);
			close(fd);
			free(c);
			break;
		}
		c->next = conns;
		if (conns)
			conns->pprev = &c->next;
		c->pprev = &conns;
		conns = c;
		nconns++;
		pthread_mutex_unlock(&conns_lock);
		if (pthread_create(&th, &attr, serve, c)) {
			close(fd);
			conn_unlink(c);
			free(c);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

/* ---- start and stop ---- */

/*
 * Stop accepting; end the idle connections (SHUT_RD wakes their recv with
 * EOF, and leaves a request read just now to be answered); the busy ones
 * end after their answer. Waits for them at most the grace period plus
 * one injected delay.
 */
static void stop(void)
{
	__u64 deadline = clock_ns(CLOCK_MONOTONIC) +
			 (STOP_GRACE_MS * 1000ull + opt.delay_us) * 1000ull;
	struct conn *c;

	pthread_mutex_lock(&conns_lock);
	stopping = true;
	pthread_mutex_unlock(&conns_lock);
	/* the acceptors stop; the listeners stay open until exit */
	if (write(stop_pipe[1], "s", 1) != 1)
		die("write");
	pthread_mutex_lock(&conns_lock);
	for (c = conns; c; c = c->next) {
		c->stopping = true;
		if (!c->busy)
			shutdown(c->fd, SHUT_RD);
	}
	while (nconns) {
		__u64 now = clock_ns(CLOCK_REALTIME);
		__u64 left = deadline - clock_ns(CLOCK_MONOTONIC);
		struct timespec ts;

		if ((__s64)left <= 0)
			break;
		now += left < 50000000 ? left : 50000000;
		ts.tv_sec = now / 1000000000;
		ts.tv_nsec = now % 1000000000;
		pthread_cond_timedwait(&conns_cond, &conns_lock, &ts);
	}
	if (nconns)
		fprintf(stderr, "dpo_patch_srv: %d connection(s) still busy at exit\n",
			nconns);
	pthread_mutex_unlock(&conns_lock);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dpo_patch_srv [--port PORT] [--delay-us N] [--cpu-us N] [--fault-kb N]\n"
		"                     [--grow-kb N] [--crash-after N] [--hang-after N]\n"
		"Listens on the sockets passed by LISTEN_FDS/LISTEN_PID, else on\n"
		"127.0.0.1:PORT. Per request: --cpu-us burns N us of CPU, --fault-kb maps and\n"
		"touches N KiB (minor faults), --grow-kb leaks N KiB, --delay-us sleeps;\n"
		"--crash-after aborts after N answers in all, --hang-after stops answering.\n"
		"SIGTERM: stop accepting, answer the requests in flight, exit 0.\n");
}

static unsigned long num_arg(const char *name, const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v > max) {
		fprintf(stderr, "dpo_patch_srv: --%s: want a number from 0 to %lu, got '%s'\n",
			name, max, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "delay-us", required_argument, NULL, 'd' },
		{ "cpu-us", required_argument, NULL, 'c' },
		{ "fault-kb", required_argument, NULL, 'f' },
		{ "grow-kb", required_argument, NULL, 'g' },
		{ "crash-after", required_argument, NULL, 'C' },
		{ "hang-after", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	long port = -1;
	sigset_t sigs;
	pthread_t th;
	int c, i, sig;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *name = NULL;

		for (i = 0; opts[i].name; i++)
			if (opts[i].val == c)
				name = opts[i].name;
		switch (c) {
		case 'p':
			port = num_arg(name, optarg, 65535);
			break;
		case 'd':
			opt.delay_us = num_arg(name, optarg, 60000000);
			break;
		case 'c':
			opt.cpu_us = num_arg(name, optarg, 10000000);
			break;
		case 'f':
			opt.fault_kb = num_arg(name, optarg, 1024 * 1024);
			break;
		case 'g':
			opt.grow_kb = num_arg(name, optarg, 1024 * 1024);
			break;
		case 'C':
			opt.crash_after = num_arg(name, optarg, ULONG_MAX);
			break;
		case 'H':
			opt.hang_after = num_arg(name, optarg, ULONG_MAX);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:	/* getopt said what */
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dpo_patch_srv: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}

	nlfd = listeners_passed(lfds, MAX_LISTENERS, false, "dpo_patch_srv", 2);
	if (!nlfd && port >= 0) {
		lfds[nlfd] = listener_on_loopback(port, false, 128);
		if (lfds[nlfd++] < 0)
			die("listen");
	}
	if (!nlfd) {
		fprintf(stderr, "dpo_patch_srv: no listener: neither LISTEN_FDS nor --port\n");
		usage(stderr);
		return 2;
	}

	/* every thread inherits the mask: only sigwait() below sees them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (pipe2(stop_pipe, O_CLOEXEC))
		die("pipe");
	for (i = 0; i < nlfd; i++) {
		/*
		 * Non-blocking, so that a connection another instance took
		 * between poll and accept does not block us (the file is
		 * shared with the other instance: both use poll).
		 */
		if (fcntl(lfds[i], F_SETFL,
			  fcntl(lfds[i], F_GETFL) | O_NONBLOCK))
			die("listener");
		if (pthread_create(&th, NULL, acceptor, (void *)(long)lfds[i]))
			die("pthread_create");
		pthread_detach(th);
	}
	fprintf(stderr, "dpo_patch_srv: pid %d serving %d listener(s)\n",
		getpid(), nlfd);

	while (sigwait(&sigs, &sig))
		;
	stop();
	return 0;
}
