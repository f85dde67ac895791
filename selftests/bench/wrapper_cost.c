// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (not a test): the cost of dpo's accept and poll wrappers on an
 * attached listener, against an untracked listener, in one run: poll()
 * with nothing queued, a non-blocking accept() that finds nothing, and a
 * connect + accept pair. Then, as an instance of the session, the cost of
 * a registered connection: connect + accept (registration) + close, and a
 * request/response round trip (the server's recv and send go through the
 * registry's wrappers). Prints ns per call and the ratios.
 *
 * Last, the per-call cost of a registered connection with 10,000 and
 * 100,000 other registered connections open (the registry looks each
 * call's socket up among them), against the same with none, in one run:
 * the round trip, and a read of an idle connection (one wrapped call that
 * does little else). The connections go
 * to 127.0.0.1, 127.0.0.2, ... (the listeners are bound to any address),
 * so that the ephemeral ports of one address do not run out. Opening
 * stops early when the VM runs short of memory, file descriptors or
 * time: the line then says how many were open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "../dpo_nl.h"

#define POLLS	200000
#define PAIRS	3000
#define ROUNDS	100000

/* Loaded: the best of REPEATS interleaved runs of LROUNDS and LCALLS. */
#define LROUNDS		10000
#define LCALLS		50000
#define REPEATS		5
#define NLOADS		2
static const int loads[NLOADS] = { 10000, 100000 };
/*
 * Connections per 127.0.0.x: connect() picks the even ports of 32768-60999
 * first, and past those each one searches the range for a free port.
 */
#define PER_ADDR	10000
#define MIN_AVAIL_KB	(96 * 1024)	/* stop opening below this */
#define OPEN_BUDGET_S	120	/* and after this long in all */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int listener(struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_ANY);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) ||
	    listen(fd, 1024) || getsockname(fd, (struct sockaddr *)a, &len))
		return -1;
	/* Bound to any address (see the top); connect to loopback. */
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return fd;
}

static double poll_ns(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double t0 = now_ns();

	for (int i = 0; i < POLLS; i++)
		poll(&p, 1, 0);
	return (now_ns() - t0) / POLLS;
}

static double eagain_ns(int fd)
{
	double t0 = now_ns();

	for (int i = 0; i < POLLS; i++)
		if (accept(fd, NULL, NULL) >= 0 || errno != EAGAIN)
			return -1;
	return (now_ns() - t0) / POLLS;
}

/*
 * A connected pair through listener @fd: client *c, accepted *s. The
 * listener does not block, and on a busy VM the client's ACK may not have
 * reached its accept queue yet when connect() returns: wait for it, or
 * the next pair would accept this one's connection.
 */
static int connect_pair(int fd, struct sockaddr_in *a, int *c, int *s)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	*s = -1;
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (struct sockaddr *)a, sizeof(*a)))
		return -1;
	*s = accept(fd, NULL, NULL);
	while (*s < 0 && errno == EAGAIN && poll(&p, 1, 5000) == 1)
		*s = accept(fd, NULL, NULL);
	return *s < 0 ? -1 : 0;
}

static double pair_ns(int fd, struct sockaddr_in *a)
{
	double t0 = now_ns();

	for (int i = 0; i < PAIRS; i++) {
		int c, s;

		if (connect_pair(fd, a, &c, &s))
			return -1;
		close(s);
		close(c);
	}
	return (now_ns() - t0) / PAIRS;
}

/* One byte each way: client send, server recv, server send, client recv. */
static double rounds_on(int c, int s, int rounds)
{
	char b = 'x';
	double t0 = now_ns();

	for (int i = 0; i < rounds; i++) {
		if (send(c, &b, 1, 0) != 1 || recv(s, &b, 1, 0) != 1 ||
		    send(s, &b, 1, 0) != 1 || recv(c, &b, 1, 0) != 1)
			return -1;
	}
	return (now_ns() - t0) / rounds;
}

static double round_trip_ns(int fd, struct sockaddr_in *a)
{
	double ns;
	int c, s;

	if (connect_pair(fd, a, &c, &s))
		return -1;
	ns = rounds_on(c, s, ROUNDS);
	close(s);
	close(c);
	return ns;
}

/* The server reads an idle connection: one wrapped call, -EAGAIN. */
static double empty_reads_on(int s, int calls)
{
	double t0 = now_ns();
	char b;

	for (int i = 0; i < calls; i++)
		if (recv(s, &b, 1, MSG_DONTWAIT) >= 0 || errno != EAGAIN)
			return -1;
	return (now_ns() - t0) / calls;
}

/* What the loaded lines compare: [0] plain, [1] registered. */
struct loaded_cost {
	double rt[2];		/* 1-byte round trip */
	double empty[2];	/* server's recv on an idle connection */
};

/*
 * The best of REPEATS interleaved runs on the pairs @c[i], @s[i] (0 plain,
 * 1 registered), which stay open from before the load on: a chained hash
 * adds at the head of a bucket, so the connection opened first walks every
 * connection opened after it in its bucket (a random one walks half).
 */
static int measure_loaded(const int c[2], const int s[2],
			  struct loaded_cost *lc)
{
	for (int i = 0; i < REPEATS; i++) {
		for (int k = 0; k < 2; k++) {
			double rt = rounds_on(c[k], s[k], LROUNDS);
			double e = empty_reads_on(s[k], LCALLS);

			if (rt < 0 || e < 0)
				return -1;
			if (!i || rt < lc->rt[k])
				lc->rt[k] = rt;
			if (!i || e < lc->empty[k])
				lc->empty[k] = e;
		}
	}
	return 0;
}

static long mem_available_kb(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Open registered connections through @fd until *@n reach @target. */
static const char *open_load(int fd, const struct sockaddr_in *a, int *fds,
			     int *n, int target, double deadline)
{
	struct sockaddr_in to = *a;

	while (*n < target) {
		if (*n % 500 == 0) {
			long kb = mem_available_kb();

			if (kb >= 0 && kb < MIN_AVAIL_KB)
				return "memory";
			if (now_ns() > deadline)
				return "time";
		}
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK + *n / PER_ADDR);
		if (connect_pair(fd, &to, &fds[2 * *n], &fds[2 * *n + 1])) {
			int err = errno;

			if (fds[2 * *n] >= 0)
				close(fds[2 * *n]);
			return strerror(err);
		}
		(*n)++;
	}
	return NULL;
}

/*
 * Both sides with a reset, a pair at a time: no FIN_WAIT or TIME_WAIT
 * sockets to allocate while the VM is nearly out of memory.
 */
static void close_load(int *fds, int n)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	for (int i = 0; i < 2 * n; i++) {
		setsockopt(fds[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fds[i]);
	}
}

static void print_loaded(int n, const struct loaded_cost *lc,
			 const struct loaded_cost *none)
{
	printf("# wrapper_cost: %d other registered connections: round trip %.0f ns plain, %.0f ns registered (+%.0f ns per wrapped call; %.2fx the registered round trip with none); empty read %.0f ns plain, %.0f ns registered (+%.0f ns; %.2fx the registered one with none)\n",
	       n, lc->rt[0], lc->rt[1], (lc->rt[1] - lc->rt[0]) / 2,
	       lc->rt[1] / none->rt[1], lc->empty[0], lc->empty[1],
	       lc->empty[1] - lc->empty[0], lc->empty[1] / none->empty[1]);
}

/*
 * The per-call cost with 0 and then loads[] other registered connections
 * open, against the one with none, in the same run.
 */
static void loaded(int fd_plain, struct sockaddr_in *a_plain, int fd_dpo,
		   struct sockaddr_in *a_dpo)
{
	int max = loads[NLOADS - 1], n = 0, c[2], s[2];
	struct rlimit rl = { 2 * max + 256, 2 * max + 256 };
	double deadline = now_ns() + OPEN_BUDGET_S * 1e9;
	struct loaded_cost none, lc;
	const char *stop = NULL;
	int *fds;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		fprintf(stderr, "wrapper_cost: RLIMIT_NOFILE %d: %s\n",
			2 * max + 256, strerror(errno));
	fds = calloc(2 * max, sizeof(*fds));
	if (!fds || connect_pair(fd_plain, a_plain, &c[0], &s[0]) ||
	    connect_pair(fd_dpo, a_dpo, &c[1], &s[1]) ||
	    measure_loaded(c, s, &none)) {
		printf("# wrapper_cost: loaded: setup failed\n");
		free(fds);
		return;
	}
	printf("# wrapper_cost: loaded: best of %d runs of %d round trips and %d empty reads\n",
	       REPEATS, LROUNDS, LCALLS);
	print_loaded(0, &none, &none);
	for (int l = 0; l < NLOADS && !stop; l++) {
		double t0 = now_ns();
		int had = n;

		stop = open_load(fd_dpo, a_dpo, fds, &n, loads[l], deadline);
		if (stop && n == had) {
			printf("# wrapper_cost: could not open more than %d registered connections: %s\n",
			       n, stop);
			break;
		}
		printf("# wrapper_cost: opened %d registered connections in %.1f s (%.0f us each), MemAvailable %ld MiB%s%s%s\n",
		       n, (now_ns() - t0) / 1e9,
		       (now_ns() - t0) / 1e3 / (n - had),
		       mem_available_kb() / 1024,
		       stop ? ", stopped short: " : "", stop ? stop : "",
		       stop ? " (the largest load that fits)" : "");
		if (measure_loaded(c, s, &lc)) {
			printf("# wrapper_cost: loaded: %s\n", strerror(errno));
			break;
		}
		print_loaded(n, &lc, &none);
	}
	close_load(fds, n);
	for (int k = 0; k < 2; k++) {
		close(s[k]);
		close(c[k]);
	}
	free(fds);
}

static int request(struct dt_sock *nl, __u8 cmd, __u32 fd)
{
	struct dt_msg m;
	struct dt_ack ack;
	int err;

	dt_msg_dpo(&m, nl, cmd, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, "wbench");
	if (cmd == DPO_CMD_SESSION_NEW)
		nlm_put_u32(&m, DPO_A_INTERVAL_MS, 1000);
	if (cmd == DPO_CMD_LISTENER_ADD)
		nlm_put_u32(&m, DPO_A_FD, fd);
	if (cmd == DPO_CMD_INSTANCE_ADD) {
		nlm_put_u32(&m, DPO_A_PID, getpid());
		nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	}
	err = dt_request(nl, &m, &ack, NULL);
	if (err)
		fprintf(stderr, "request %u: %s (%s)\n", cmd, strerror(-err),
			ack.msg);
	return err;
}

int main(void)
{
	struct sockaddr_in a_dpo, a_plain;
	double p[2], e[2], c[2], r[2], cr;
	int fd_dpo, fd_plain;
	struct dt_sock nl;

	if (dt_open(&nl) || dt_resolve(&nl)) {
		fprintf(stderr, "wrapper_cost: dpo module not loaded\n");
		return 1;
	}
	fd_dpo = listener(&a_dpo);
	fd_plain = listener(&a_plain);
	if (fd_dpo < 0 || fd_plain < 0 ||
	    request(&nl, DPO_CMD_SESSION_NEW, 0) ||
	    request(&nl, DPO_CMD_LISTENER_ADD, fd_dpo))
		return 1;

	/* Interleaved, so that a slower period of the VM hits both. */
	p[0] = poll_ns(fd_plain);
	p[1] = poll_ns(fd_dpo);
	e[0] = eagain_ns(fd_plain);
	e[1] = eagain_ns(fd_dpo);
	c[0] = pair_ns(fd_plain, &a_plain);
	c[1] = pair_ns(fd_dpo, &a_dpo);

	/* Now as an instance: what this process accepts is registered. */
	if (request(&nl, DPO_CMD_INSTANCE_ADD, 0))
		return 1;
	cr = pair_ns(fd_dpo, &a_dpo);
	r[0] = round_trip_ns(fd_plain, &a_plain);
	r[1] = round_trip_ns(fd_dpo, &a_dpo);

	printf("# wrapper_cost: poll, nothing queued: %.0f ns untracked, %.0f ns attached (%.2fx, +%.0f ns)\n",
	       p[0], p[1], p[1] / p[0], p[1] - p[0]);
	printf("# wrapper_cost: accept -> EAGAIN: %.0f ns untracked, %.0f ns attached (%.2fx, +%.0f ns)\n",
	       e[0], e[1], e[1] / e[0], e[1] - e[0]);
	printf("# wrapper_cost: connect + accept + close: %.0f ns untracked, %.0f ns attached (%.2fx), %.0f ns registered (%.2fx)\n",
	       c[0], c[1], c[1] / c[0], cr, cr / c[0]);
	printf("# wrapper_cost: 1-byte round trip (server recv + send wrapped): %.0f ns plain, %.0f ns registered (%.2fx, +%.0f ns per wrapped call)\n",
	       r[0], r[1], r[1] / r[0], (r[1] - r[0]) / 2);
	fflush(stdout);

	loaded(fd_plain, &a_plain, fd_dpo, &a_dpo);
	request(&nl, DPO_CMD_SESSION_DEL, 0);
	dt_close(&nl);
	close(fd_dpo);
	close(fd_plain);
	return 0;
}
