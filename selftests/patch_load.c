// SPDX-License-Identifier: GPL-2.0
/* A closed-loop load generator for dpo_patch_srv; see patch_load.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
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

#include "patch_load.h"

struct conn_ent {
	__u64 t_ns;
	__u32 pid;
};

struct pl {
	struct pl_cfg cfg;
	volatile int stop;
	int nth;
	pthread_t *th;
	pthread_mutex_t lock;
	struct pl_stats st;
	/* ring of (connect time, pid of the first answer) */
	struct conn_ent log[PL_CONN_LOG];
	__u64 nlog;
	__u32 next_id;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const char *pl_fail_name(enum pl_fail kind)
{
	static const char *const names[PL_F_NR] = {
		[PL_F_CONNECT] = "connect", [PL_F_PARTIAL] = "partial",
		[PL_F_PROTO] = "proto", [PL_F_TIMEOUT] = "timeout",
		[PL_F_RETRIES] = "retries", [PL_F_OTHER] = "other",
	};

	return kind < PL_F_NR ? names[kind] : "?";
}

/* Under pl->lock. */
static struct pl_pid_stats *pid_slot(struct pl *pl, __u32 pid)
{
	struct pl_stats *st = &pl->st;
	int i;

	for (i = 0; i < st->npids; i++)
		if (st->pids[i].pid == pid)
			return &st->pids[i];
	if (st->npids == PL_MAX_PIDS)
		return NULL;
	st->pids[st->npids].pid = pid;
	return &st->pids[st->npids++];
}

static void count_ok(struct pl *pl, __u32 pid, bool first, __u64 conn_ns)
{
	struct pl_pid_stats *ps;

	pthread_mutex_lock(&pl->lock);
	pl->st.ok++;
	ps = pid_slot(pl, pid);
	if (ps) {
		ps->ok++;
		ps->conns += first;
	}
	if (first) {
		struct conn_ent *e = &pl->log[pl->nlog % PL_CONN_LOG];

		if (pl->nlog >= PL_CONN_LOG)
			pl->st.conn_log_lost++;
		e->t_ns = conn_ns;
		e->pid = pid;
		pl->nlog++;
	}
	pthread_mutex_unlock(&pl->lock);
}

static void count(struct pl *pl, __u64 *field)
{
	pthread_mutex_lock(&pl->lock);
	(*field)++;
	pthread_mutex_unlock(&pl->lock);
}

static void count_fail(struct pl *pl, enum pl_fail kind)
{
	pthread_mutex_lock(&pl->lock);
	pl->st.failed++;
	pl->st.fail[kind]++;
	pthread_mutex_unlock(&pl->lock);
}

/* A connection to the server, retried for connect_ms; fd or -1. */
static int pl_connect(struct pl *pl, __u64 *t_ns)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(pl->cfg.port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	__u64 end = mono_ns() + pl->cfg.connect_ms * 1000000ull;

	while (!pl->stop) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;

		if (fd < 0)
			return -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* before connect(): a connection logged after T began after T */
		*t_ns = mono_ns();
		if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
			count(pl, &pl->st.conns);
			return fd;
		}
		close(fd);
		if (mono_ns() > end)
			return -1;
		usleep(20000);
	}
	return -1;
}

enum { XCH_OK, XCH_RETRY, XCH_FAIL };

/*
 * One request on @fd: XCH_OK and the answering pid in *@pid, XCH_RETRY when
 * the connection was closed before any byte of the answer, or XCH_FAIL
 * with *@kind.
 */
static int exchange(struct pl *pl, int fd, __u32 id, char *buf, __u32 *pid,
		    enum pl_fail *kind)
{
	struct pl_req q = { PL_MAGIC, id, pl->cfg.resp_len, 0 };
	size_t want = sizeof(struct pl_resp) + pl->cfg.resp_len, got = 0;
	__u64 end = mono_ns() + pl->cfg.timeout_ms * 1000000ull;
	struct pl_resp *r = (struct pl_resp *)buf;
	ssize_t n;

	n = send(fd, &q, sizeof(q), MSG_NOSIGNAL);
	if (n != sizeof(q)) {
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			return XCH_RETRY;
		*kind = PL_F_OTHER;
		return XCH_FAIL;
	}
	while (got < want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		__s64 left = (__s64)(end - mono_ns()) / 1000000;
		int ret;

		if (left <= 0) {
			*kind = PL_F_TIMEOUT;
			return XCH_FAIL;
		}
		ret = poll(&p, 1, left > 100 ? 100 : (int)left);
		if (ret < 0 && errno != EINTR) {
			*kind = PL_F_OTHER;
			return XCH_FAIL;
		}
		if (ret <= 0)
			continue;
		n = recv(fd, buf + got, want - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!got && (n == 0 || errno == ECONNRESET))
				return XCH_RETRY;
			*kind = n == 0 || errno == ECONNRESET ?
				PL_F_PARTIAL : PL_F_OTHER;
			return XCH_FAIL;
		}
		got += n;
		if (got >= sizeof(*r) &&
		    (r->magic != PL_MAGIC || r->id != id ||
		     r->resp_len != pl->cfg.resp_len)) {
			*kind = PL_F_PROTO;
			return XCH_FAIL;
		}
	}
	*pid = r->pid;
	return XCH_OK;
}

static void *pl_thread(void *arg)
{
	struct pl *pl = arg;
	char *buf = malloc(sizeof(struct pl_resp) + PL_MAX_RESP);
	int fd = -1, done = 0;
	__u64 conn_ns = 0;
	bool first = false;

	if (!buf)
		return NULL;
	while (!pl->stop) {
		__u32 id = __atomic_add_fetch(&pl->next_id, 1, __ATOMIC_RELAXED);
		enum pl_fail kind = PL_F_OTHER;
		__u64 retry_end = 0;
		__u32 pid = 0;
		int ret;

		for (;;) {
			if (fd < 0) {
				fd = pl_connect(pl, &conn_ns);
				if (fd < 0) {
					if (!pl->stop)
						count_fail(pl, PL_F_CONNECT);
					break;
				}
				first = true;
				done = 0;
			}
			ret = exchange(pl, fd, id, buf, &pid, &kind);
			if (ret == XCH_OK) {
				count_ok(pl, pid, first, conn_ns);
				first = false;
				done++;
				break;
			}
			close(fd);
			fd = -1;
			if (ret == XCH_FAIL) {
				count_fail(pl, kind);
				break;
			}
			count(pl, &pl->st.retried);
			/* closed between requests: fine, unless it goes on */
			if (!retry_end)
				retry_end = mono_ns() +
					    pl->cfg.connect_ms * 1000000ull;
			else if (mono_ns() > retry_end) {
				count_fail(pl, PL_F_RETRIES);
				break;
			}
			if (pl->stop)
				break;
		}
		if (fd >= 0 && pl->cfg.reconnect_every &&
		    done >= pl->cfg.reconnect_every) {
			close(fd);
			fd = -1;
		}
		if (fd < 0 && !pl->stop)
			usleep(1000);	/* after a failure: do not spin */
		if (pl->cfg.think_us)
			usleep(pl->cfg.think_us);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

struct pl *pl_start(const struct pl_cfg *cfg)
{
	struct pl *pl = calloc(1, sizeof(*pl));
	int i;

	if (!pl)
		return NULL;
	pl->cfg = *cfg;
	if (pl->cfg.timeout_ms <= 0)
		pl->cfg.timeout_ms = 5000;
	if (pl->cfg.connect_ms <= 0)
		pl->cfg.connect_ms = 2000;
	if (pl->cfg.resp_len > PL_MAX_RESP || cfg->threads <= 0) {
		free(pl);
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_init(&pl->lock, NULL);
	pl->th = calloc(cfg->threads, sizeof(*pl->th));
	if (!pl->th) {
		free(pl);
		return NULL;
	}
	for (i = 0; i < cfg->threads; i++) {
		int ret = pthread_create(&pl->th[i], NULL, pl_thread, pl);

		if (ret) {
			pl_stop(pl);
			pl_free(pl);
			errno = ret;
			return NULL;
		}
		pl->nth++;
	}
	return pl;
}

void pl_stop(struct pl *pl)
{
	int i;

	if (!pl)
		return;
	pl->stop = 1;
	for (i = 0; i < pl->nth; i++)
		pthread_join(pl->th[i], NULL);
	pl->nth = 0;
}

void pl_free(struct pl *pl)
{
	if (!pl)
		return;
	pl_stop(pl);
	pthread_mutex_destroy(&pl->lock);
	free(pl->th);
	free(pl);
}

void pl_stats(struct pl *pl, struct pl_stats *st)
{
	pthread_mutex_lock(&pl->lock);
	*st = pl->st;
	pthread_mutex_unlock(&pl->lock);
}

__u64 pl_pid_ok(struct pl *pl, __u32 pid)
{
	__u64 n = 0;
	int i;

	pthread_mutex_lock(&pl->lock);
	for (i = 0; i < pl->st.npids; i++)
		if (pl->st.pids[i].pid == pid)
			n = pl->st.pids[i].ok;
	pthread_mutex_unlock(&pl->lock);
	return n;
}

static __u64 conns_since(struct pl *pl, __u64 t_ns, __u32 pid, bool not)
{
	__u64 i, n = 0, first;

	pthread_mutex_lock(&pl->lock);
	first = pl->nlog > PL_CONN_LOG ? pl->nlog - PL_CONN_LOG : 0;
	for (i = first; i < pl->nlog; i++) {
		const struct conn_ent *e = &pl->log[i % PL_CONN_LOG];

		if (e->t_ns < t_ns)
			continue;
		if (not ? e->pid != pid : (!pid || e->pid == pid))
			n++;
	}
	pthread_mutex_unlock(&pl->lock);
	return n;
}

__u64 pl_conns_since(struct pl *pl, __u64 t_ns, __u32 pid)
{
	return conns_since(pl, t_ns, pid, false);
}

__u64 pl_conns_since_not(struct pl *pl, __u64 t_ns, __u32 pid)
{
	return conns_since(pl, t_ns, pid, true);
}

void pl_format(const struct pl_stats *st, char *buf, size_t len)
{
	size_t off;
	int i;

	off = snprintf(buf, len, "ok %llu retried %llu failed %llu",
		       (unsigned long long)st->ok,
		       (unsigned long long)st->retried,
		       (unsigned long long)st->failed);
	for (i = 0; i < PL_F_NR && off < len; i++)
		if (st->fail[i])
			off += snprintf(buf + off, len - off, " %s=%llu",
					pl_fail_name(i),
					(unsigned long long)st->fail[i]);
	for (i = 0; i < st->npids && off < len; i++)
		off += snprintf(buf + off, len - off,
				"; pid %u: %llu answers, %llu conns",
				st->pids[i].pid,
				(unsigned long long)st->pids[i].ok,
				(unsigned long long)st->pids[i].conns);
	if (off < len)
		snprintf(buf + off, len - off, "; %llu connections",
			 (unsigned long long)st->conns);
}
