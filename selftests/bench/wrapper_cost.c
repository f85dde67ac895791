// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (not a test): the cost of dpo's accept and poll wrappers on an
 * attached listener, against an untracked listener, in one run: poll()
 * with nothing queued, a non-blocking accept() that finds nothing, and a
 * connect + accept pair. Prints ns per call and the ratios.
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
	err = nl_request(nl, &m, &ack, NULL);
	if (err)
		fprintf(stderr, "request %u: %s (%s)\n", cmd, strerror(-err),
			ack.msg);
	return err;
}

int main(void)
{
	struct sockaddr_in a_dpo, a_plain;
	double p[2], e[2], c[2];
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
	request(&nl, DPO_CMD_SESSION_DEL, 0);

	printf("# wrapper_cost: poll, nothing queued: %.0f ns untracked, %.0f ns attached (%.2fx, +%.0f ns)\n",
	       p[0], p[1], p[1] / p[0], p[1] - p[0]);
	printf("# wrapper_cost: accept -> EAGAIN: %.0f ns untracked, %.0f ns attached (%.2fx, +%.0f ns)\n",
	       e[0], e[1], e[1] / e[0], e[1] - e[0]);
	printf("# wrapper_cost: connect + accept + close: %.0f ns untracked, %.0f ns attached (%.2fx)\n",
	       c[0], c[1], c[1] / c[0]);
	nl_close(&nl);
	close(fd_dpo);
	close(fd_plain);
	return 0;
}
