// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (not a test): the cost of dpo's accept and poll wrappers on an
 * attached listener, against an untracked listener, in one run: poll()
 * with nothing queued, a non-blocking accept() that finds nothing, and a
 * connect + accept pair. Then, as an instance of the session, the cost of
 * a registered connection: connect + accept (registration) + close, and a
 * request/response round trip (the server's recv and send go through the
 * registry's wrappers). Prints ns per call and the ratios.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../dpo_nl.h"

#define POLLS	200000
#define PAIRS	3000
#define ROUNDS	100000

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
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) ||
	    listen(fd, 1024) || getsockname(fd, (struct sockaddr *)a, &len))
		return -1;
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

static double pair_ns(int fd, struct sockaddr_in *a)
{
	double t0 = now_ns();

	for (int i = 0; i < PAIRS; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0), s;

		if (c < 0 || connect(c, (struct sockaddr *)a, sizeof(*a)))
			return -1;
		s = accept(fd, NULL, NULL);
		if (s < 0)
			return -1;
		close(s);
		close(c);
	}
	return (now_ns() - t0) / PAIRS;
}

/* A connected pair through listener @fd: client *c, accepted *s. */
static int connect_pair(int fd, struct sockaddr_in *a, int *c, int *s)
{
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (struct sockaddr *)a, sizeof(*a)))
		return -1;
	for (int tries = 0; tries < 1000; tries++) {
		*s = accept(fd, NULL, NULL);
		if (*s >= 0)
			return 0;
		usleep(1000);
	}
	return -1;
}

/* One byte each way: client send, server recv, server send, client recv. */
static double round_trip_ns(int fd, struct sockaddr_in *a)
{
	char b = 'x';
	double t0;
	int c, s;

	if (connect_pair(fd, a, &c, &s))
		return -1;
	t0 = now_ns();
	for (int i = 0; i < ROUNDS; i++) {
		if (send(c, &b, 1, 0) != 1 || recv(s, &b, 1, 0) != 1 ||
		    send(s, &b, 1, 0) != 1 || recv(c, &b, 1, 0) != 1)
			return -1;
	}
	t0 = (now_ns() - t0) / ROUNDS;
	close(s);
	close(c);
	return t0;
}

static int request(struct nl_sock *nl, __u8 cmd, __u32 fd)
{
	struct nl_msg m;
	struct nl_ack ack;
	int err;

	nlm_dpo(&m, nl, cmd, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, "wbench");
	if (cmd == DPO_CMD_SESSION_NEW)
		nlm_put_u32(&m, DPO_A_INTERVAL_MS, 1000);
	if (cmd == DPO_CMD_LISTENER_ADD)
		nlm_put_u32(&m, DPO_A_FD, fd);
	if (cmd == DPO_CMD_INSTANCE_ADD) {
		nlm_put_u32(&m, DPO_A_PID, getpid());
		nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	}
	err = nl_request(nl, &m, &ack, NULL);
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
	struct nl_sock nl;

	if (nl_open(&nl) || nl_resolve(&nl)) {
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
	request(&nl, DPO_CMD_SESSION_DEL, 0);

	printf("# wrapper_cost: poll, nothing queued: %.0f ns untracked, %.0f ns attached (%.2fx, +%.0f ns)\n",
	       p[0], p[1], p[1] / p[0], p[1] - p[0]);
	printf("# wrapper_cost: accept -> EAGAIN: %.0f ns untracked, %.0f ns attached (%.2fx, +%.0f ns)\n",
	       e[0], e[1], e[1] / e[0], e[1] - e[0]);
	printf("# wrapper_cost: connect + accept + close: %.0f ns untracked, %.0f ns attached (%.2fx), %.0f ns registered (%.2fx)\n",
	       c[0], c[1], c[1] / c[0], cr, cr / c[0]);
	printf("# wrapper_cost: 1-byte round trip (server recv + send wrapped): %.0f ns plain, %.0f ns registered (%.2fx, +%.0f ns per wrapped call)\n",
	       r[0], r[1], r[1] / r[0], (r[1] - r[0]) / 2);
	nl_close(&nl);
	close(fd_dpo);
	close(fd_plain);
	return 0;
}
