// SPDX-License-Identifier: GPL-2.0
/*
 * dpo listening-socket ownership: attaching a listener (and what is
 * refused), which instance may accept for each owner and accept style,
 * switches under continuous load, connections queued before a switch,
 * tasks already asleep in accept() when the listener is attached, detach
 * and module pinning, the fail-safe, and TCP_ULP on an attached listener.
 *
 * The two instances are children forked after the listener was created
 * (they inherit it). Each accepts in one style, in threads of its own, and
 * reports every connection it takes on a pipe: the client's index (the
 * first four bytes the client sent) and CLOCK_MONOTONIC just before the
 * accept call and just after it returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "dpo_harness.h"
#include "conn_util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif
#ifndef TCP_ULP
#define TCP_ULP		31
#endif
#ifndef EPOLLEXCLUSIVE
#define EPOLLEXCLUSIVE	(1U << 28)
#endif

#define SESS	"st-lst"
#define SESS2	"st-lst-2"
#define MAXC	2048		/* connections per test */
#define NOBODY	65534

#define ORIG	DPO_ROLE_ORIGINAL
#define PATCH	DPO_ROLE_PATCHED

static const char *const role_name[] = { "other", "original", "patched" };
static const char *const owner_name[] = {
	"?", "ORIGINAL", "PATCHED", "BOTH", "CANARY",
};

/* ---- acceptor children ----------------------------------------------------- */

enum style {
	ST_CMD,		/* accept only on command ('a'); listener non-blocking */
	ST_BLOCK,	/* one thread in blocking accept() */
	ST_BLOCK_MT,	/* two threads in blocking accept() */
	ST_POLL,	/* poll() + accept4(SOCK_NONBLOCK) until EAGAIN */
	ST_EPOLL_LT,	/* epoll level-triggered, one accept per event */
	ST_EPOLL_ET,	/* epoll edge-triggered, accept until EAGAIN */
	ST_EPOLL_EXCL,	/* EPOLLEXCLUSIVE (level), accept until EAGAIN */
	ST_BLOCK_64,	/* 64 threads in blocking accept() (prefork) */
	ST_EPOLL_EXCL_ALL,	/* EPOLLEXCLUSIVE, the non-owner too */
};

static const char *const style_name[] = {
	"cmd", "blocking accept", "blocking accept x2 threads", "poll",
	"epoll LT", "epoll ET", "epoll EXCLUSIVE",
	"blocking accept x64 threads", "epoll EXCLUSIVE in both",
};

static bool style_blocking(int style)
{
	return style == ST_BLOCK || style == ST_BLOCK_MT ||
	       style == ST_BLOCK_64;
}

enum rep_kind {
	R_READY = 1,	/* 'g' done: the accept threads run */
	R_ACCEPT,	/* idx: the client's index (-1: could not read it) */
	R_AGAIN,	/* 'a': accept4() failed with EAGAIN */
	R_ERR,		/* accept failed with err */
	R_SPURIOUS,	/* readiness reported, nothing to accept */
	R_POLL,		/* 'P': err = revents */
	R_ECHO,		/* 'e': idx = connections written to, err = errno */
};

struct rep {
	__s32 kind, idx, err, tid;
	__u64 t_enter, t_exit;
};

struct acc {
	pid_t pid;
	int cmd_fd, rep_fd;
	__u8 role;
	int style;
};

/* Child side. */
static int c_lfd, c_rep, c_style;
static int c_held[MAXC], c_nheld;
static pthread_mutex_t c_lock = PTHREAD_MUTEX_INITIALIZER;

static void c_report(int kind, int idx, int err, __u64 t0, __u64 t1)
{
	struct rep r = { kind, idx, err, (int)gettid(), t0, t1 };

	/* Less than PIPE_BUF: atomic even with several threads. */
	if (write(c_rep, &r, sizeof(r)) != sizeof(r))
		_exit(110);
}

/* A connection was accepted: learn whose it is, report it, keep it. */
static void c_take(int cfd, __u64 t0, __u64 t1)
{
	__s32 idx = -1;

	if (read_within(cfd, &idx, sizeof(idx), 3000))
		idx = -1;
	c_report(R_ACCEPT, idx, 0, t0, t1);
	pthread_mutex_lock(&c_lock);
	if (c_nheld < MAXC)
		c_held[c_nheld++] = cfd;
	else
		close(cfd);
	pthread_mutex_unlock(&c_lock);
}

/* accept4() once; 1 = took one, 0 = EAGAIN, -1 = other error (reported). */
static int c_accept_once(void)
{
	__u64 t0 = now_ns(), t1;
	int cfd = accept4(c_lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	t1 = now_ns();
	if (cfd >= 0) {
		c_take(cfd, t0, t1);
		return 1;
	}
	if (errno == EAGAIN)
		return 0;
	c_report(R_ERR, -1, errno, t0, t1);
	return -1;
}

static void *c_block_loop(void *arg)
{
	for (;;) {
		__u64 t0 = now_ns(), t1;
		int cfd = accept4(c_lfd, NULL, NULL, SOCK_CLOEXEC);

		t1 = now_ns();
		if (cfd >= 0) {
			c_take(cfd, t0, t1);
			continue;
		}
		c_report(R_ERR, -1, errno, t0, t1);
		if (errno != EINTR && errno != EAGAIN)
			sleep_ms(100);
	}
	return arg;
}

static void *c_poll_loop(void *arg)
{
	for (;;) {
		struct pollfd p = { .fd = c_lfd, .events = POLLIN };
		int got = 0, r;

		if (poll(&p, 1, -1) <= 0 || !(p.revents & POLLIN))
			continue;
		while ((r = c_accept_once()) > 0)
			got++;
		if (!got && !r)
			c_report(R_SPURIOUS, -1, 0, 0, now_ns());
	}
	return arg;
}

static void *c_epoll_loop(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (c_style == ST_EPOLL_ET)
		ev.events |= EPOLLET;
	if (c_style == ST_EPOLL_EXCL || c_style == ST_EPOLL_EXCL_ALL)
		ev.events |= EPOLLEXCLUSIVE;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c_lfd, &ev)) {
		c_report(R_ERR, -1, errno, 0, 0);
		return arg;
	}
	for (;;) {
		struct epoll_event out;
		int got = 0, r;

		if (epoll_wait(ep, &out, 1, -1) != 1)
			continue;
		if (c_style == ST_EPOLL_LT) {
			r = c_accept_once();
			got = r > 0;
		} else {
			while ((r = c_accept_once()) > 0)
				got++;
		}
		if (!got && !r)
			c_report(R_SPURIOUS, -1, 0, 0, now_ns());
	}
	return arg;
}

static void c_start_threads(void)
{
	void *(*fn)(void *) = c_epoll_loop;
	pthread_t th;
	int i, n = c_style == ST_BLOCK_MT ? 2 : c_style == ST_BLOCK_64 ? 64 : 1;

	if (style_blocking(c_style))
		fn = c_block_loop;
	else if (c_style == ST_POLL)
		fn = c_poll_loop;
	for (i = 0; i < n; i++)
		if (pthread_create(&th, NULL, fn, NULL))
			_exit(111);
}

static void __attribute__((noreturn))
acc_main(int lfd, int style, int cmd_fd, int rep_fd)
{
	bool started = false;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	c_lfd = lfd;
	c_style = style;
	c_rep = rep_fd;
	for (;;) {
		struct pollfd p = { .fd = c_lfd, .events = POLLIN };
		__u32 pong = 0x676e6f70;	/* "pong" */
		int i, n, err;
		char c;

		if (read(cmd_fd, &c, 1) != 1)
			_exit(0);
		switch (c) {
		case 'g':
			if (!started && style != ST_CMD)
				c_start_threads();
			started = true;
			c_report(R_READY, 0, 0, 0, 0);
			break;
		case 'a':
			if (c_accept_once() == 0)
				c_report(R_AGAIN, -1, EAGAIN, 0, 0);
			break;
		case 'P':
			poll(&p, 1, 0);
			c_report(R_POLL, -1, p.revents, 0, 0);
			break;
		case 'e':
			pthread_mutex_lock(&c_lock);
			for (i = n = err = 0; i < c_nheld; i++) {
				if (write(c_held[i], &pong, 4) == 4)
					n++;
				else
					err = errno;
			}
			pthread_mutex_unlock(&c_lock);
			c_report(R_ECHO, n, err, 0, 0);
			break;
		default:
			_exit(112);
		}
	}
}

static int acc_start(struct acc *a, __u8 role, int style, int lfd)
{
	int cmd_fd, rep_fd;
	pid_t pid;

	a->pid = -1;
	a->cmd_fd = a->rep_fd = -1;
	a->role = role;
	a->style = style;
	pid = fork_piped(&cmd_fd, &rep_fd);
	if (pid < 0)
		return pid;
	if (pid == 0)
		acc_main(lfd, style, cmd_fd, rep_fd);
	a->pid = pid;
	a->cmd_fd = cmd_fd;
	a->rep_fd = rep_fd;
	return 0;
}

static void acc_kill(struct acc *a)
{
	kill_piped(&a->pid, &a->cmd_fd, &a->rep_fd);
}

static int acc_send(struct acc *a, char c)
{
	return write(a->cmd_fd, &c, 1) == 1 ? 0 : -errno;
}

/* For ST_CMD children (no reports of their own): command and its answer. */
static int acc_cmd(struct acc *a, char c, struct rep *r)
{
	int ret = acc_send(a, c);

	if (ret)
		return ret;
	do {
		ret = read_within(a->rep_fd, r, sizeof(*r), 15000);
	} while (!ret && r->kind == R_READY && c != 'g');
	return ret;
}

/* x86-64 syscalls a thread of an acceptor child waits in (@polls: bool). */
static bool waits_in(long nr, const void *polls)
{
	if (nr == 43 || nr == 288)			/* accept, accept4 */
		return true;
	if (!*(const bool *)polls)
		return false;
	return nr == 7 || nr == 271 ||			/* poll, ppoll */
	       nr == 232 || nr == 281 || nr == 441 ||	/* epoll_wait... */
	       nr == 23 || nr == 270;			/* select, pselect6 */
}

/*
 * Threads of @pid asleep in accept()/accept4() (@polls: or in poll(),
 * epoll_wait() or select()), and one's wchan.
 */
static int in_accept(pid_t pid, bool polls, char *wchan, size_t len)
{
	char path[64];
	pid_t tid;
	int n;

	n = threads_asleep_in(pid, waits_in, &polls, &tid);
	if (n && wchan) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid,
			 tid);
		read_text(path, wchan, len);
	}
	return n;
}

static int wait_asleep(pid_t pid, int want, bool polls, int ms, char *wchan,
		       size_t len)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	int n;

	while ((n = in_accept(pid, polls, wchan, len)) < want &&
	       now_ns() < end)
		sleep_ms(10);
	return n;
}

static int wait_in_accept(pid_t pid, int want, int ms, char *wchan, size_t len)
{
	return wait_asleep(pid, want, false, ms, wchan, len);
}

/*
 * After 'g': wait (up to @ms) until the accept threads of @a are asleep
 * in their accept(), poll() or epoll_wait(); how many are.
 */
static int acc_wait_asleep(struct acc *a, int ms)
{
	int n = a->style == ST_BLOCK_MT ? 2 : a->style == ST_BLOCK_64 ? 64 : 1;

	return wait_asleep(a->pid, n, !style_blocking(a->style), ms, NULL, 0);
}

/* Connections in the accept queue of listener @lfd, or -errno. */
static int backlog_of(int lfd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(lfd, SOL_TCP, TCP_INFO, &ti, &len))
		return -errno;
	return ti.tcpi_unacked;		/* sk_ack_backlog of a listener */
}

/* The accept queue of @lfd once it holds @want, or after @ms. */
static int wait_backlog(int lfd, int want, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	int n;

	while ((n = backlog_of(lfd)) >= 0 && n < want && now_ns() < end)
		sleep_ms(2);
	return n;
}

/* ---- what the children reported -------------------------------------------- */

struct tally {
	int accepts;			/* R_ACCEPT reports with a valid index */
	int bad_idx;			/* accepted, but no index read */
	int by[MAXC];			/* role that took index i (last one) */
	int count[MAXC];		/* how many times index i was taken */
	__u64 t_enter[MAXC], t_exit[MAXC];
	int per_role[3];
	int spurious[3], errs[3], last_err[3];
};

static struct tally T;

static void tally_reset(void)
{
	memset(&T, 0, sizeof(T));
}

static void tally_one(const struct acc *a, const struct rep *r)
{
	switch (r->kind) {
	case R_ACCEPT:
		if (r->idx < 0 || r->idx >= MAXC) {
			T.bad_idx++;
			break;
		}
		T.accepts++;
		T.count[r->idx]++;
		T.by[r->idx] = a->role;
		T.t_enter[r->idx] = r->t_enter;
		T.t_exit[r->idx] = r->t_exit;
		T.per_role[a->role]++;
		break;
	case R_SPURIOUS:
		T.spurious[a->role]++;
		break;
	case R_ERR:
		T.errs[a->role]++;
		T.last_err[a->role] = r->err;
		break;
	}
}

/*
 * Take the children's reports for up to @ms, or until @until accepts were
 * counted in all (0: for the whole @ms).
 */
static void pump(struct acc *kids, int nkids, int ms, int until)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;

	for (;;) {
		struct pollfd p[4];
		__u64 now = now_ns();
		int i, n = 0, ret;

		if (until && T.accepts >= until)
			return;
		for (i = 0; i < nkids && n < 4; i++) {
			if (kids[i].rep_fd < 0)
				continue;
			p[n].fd = kids[i].rep_fd;
			p[n].events = POLLIN;
			p[n].revents = 0;
			n++;
		}
		/* Past the end: only what is already there. */
		ret = poll(p, n, now >= end ? 0 : (end - now) / 1000000 + 1);
		if (ret <= 0) {
			if (now >= end || (ret < 0 && errno != EINTR))
				return;
			continue;
		}
		for (i = 0; i < nkids; i++) {
			struct rep r;
			int k;

			for (k = 0; k < n; k++)
				if (p[k].fd == kids[i].rep_fd)
					break;
			if (k == n || !(p[k].revents & (POLLIN | POLLHUP)))
				continue;
			if (!(p[k].revents & POLLIN) ||
			    read(kids[i].rep_fd, &r, sizeof(r)) != sizeof(r)) {
				/* child gone: stop watching it */
				close(kids[i].rep_fd);
				kids[i].rep_fd = -1;
				continue;
			}
			tally_one(&kids[i], &r);
		}
	}
}

/* ---- events ------------------------------------------------------------------ */

/* ---- the common fixture state ------------------------------------------------ */

struct ctx {
	struct dt_sock nl, ev;
	struct dt_ack ack;
	struct acc kid[3];
	int lfd[2];
	__u16 port[2];
	__u32 lid[2];
	int family;
	int cfd[MAXC];
	int ncfd;
	pid_t helper;
};

static void ctx_setup(struct __test_metadata *_metadata, struct ctx *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 3; i++)
		c->kid[i].pid = c->kid[i].cmd_fd = c->kid[i].rep_fd = -1;
	c->lfd[0] = c->lfd[1] = -1;
	c->nl.fd = c->ev.fd = -1;
	c->helper = -1;
	c->family = AF_INET;
	tally_reset();
	ASSERT_CONNECT_RESET(&c->nl);
}

static void ctx_teardown(struct __test_metadata *_metadata, struct ctx *c)
{
	int i;

	teardown_begin(_metadata);
	/* The children first: a task asleep in accept() holds up a detach. */
	for (i = 0; i < 3; i++)
		acc_kill(&c->kid[i]);
	if (c->helper > 0) {
		kill(c->helper, SIGKILL);
		waitpid(c->helper, NULL, 0);
	}
	close_fds(c->cfd, c->ncfd);
	close_fds(c->lfd, 2);
	dt_close(&c->ev);
	if (c->nl.fd >= 0) {
		if (!kmod_loaded()) {
			EXPECT_EQ(0, kmod_load());
			dt_resolve(&c->nl);
		}
		EXPECT_RESET(&c->nl);
		dt_close(&c->nl);
	}
}

/* The setup and teardown of a fixture that is one struct ctx c. */
#define CTX_FIXTURE_HOOKS(name)						\
	FIXTURE_SETUP(name)						\
	{								\
		ctx_setup(_metadata, &self->c);				\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		ctx_teardown(_metadata, &self->c);			\
	}

/* Connect client @idx to listener 0 and keep its fd. */
static int ctx_connect(struct ctx *c, int idx)
{
	return keep_fd(c->cfd, &c->ncfd, MAXC,
		       cli_connect_idx(c->family, c->port[0], idx));
}

/* SESS with children 0 and 1 as instances, listener 0 attached, @owner. */
static void ctx_session(struct __test_metadata *_metadata, struct ctx *c,
			__u8 owner)
{
	ASSERT_NL_OK(dt_session_pair(&c->nl, SESS, c->kid[0].pid, c->kid[1].pid,
				     c->lfd[0], &c->lid[0], owner, &c->ack),
		     c->ack);
}

/*
 * ctx_connect(), then wait (10 s at most) until the connection is in the
 * accept queue: for when nobody accepts meanwhile. fd, or -errno.
 */
static int ctx_connect_queued(struct ctx *c, int idx)
{
	int before = backlog_of(c->lfd[0]), fd;

	if (before < 0)
		return before;
	fd = ctx_connect(c, idx);
	if (fd < 0)
		return fd;
	return wait_backlog(c->lfd[0], before + 1, 10000) > before ?
	       fd : -ETIMEDOUT;
}

/*
 * Listener 0 (non-blocking unless a child accepts in blocking style), two
 * children (original, patched) in @style (the non-owner of an EXCLUSIVE
 * variant waits with plain epoll), session SESS with both as instances,
 * the listener attached and @owner set. The children are not started.
 */
static void ctx_pair(struct __test_metadata *_metadata, struct ctx *c,
		     int family, int style, __u8 owner)
{
	int s0 = style, s1 = style;

	c->family = family;
	c->lfd[0] = tcp_listener_ex(family, !style_blocking(style), 1024,
				     &c->port[0]);
	ASSERT_LE(0, c->lfd[0]) {
		TH_LOG("listener: %s", strerror(-c->lfd[0]));
	}
	if (style == ST_EPOLL_EXCL && owner == DPO_OWNER_ORIGINAL)
		s1 = ST_EPOLL_LT;
	if (style == ST_EPOLL_EXCL && owner == DPO_OWNER_PATCHED)
		s0 = ST_EPOLL_LT;
	ASSERT_EQ(0, acc_start(&c->kid[0], ORIG, s0, c->lfd[0]));
	ASSERT_EQ(0, acc_start(&c->kid[1], PATCH, s1, c->lfd[0]));
	ctx_session(_metadata, c, owner);
}

static bool owner_allows(__u8 owner, int role)
{
	if (owner == DPO_OWNER_ORIGINAL)
		return role != PATCH;
	if (owner == DPO_OWNER_PATCHED)
		return role != ORIG;
	return true;
}

/* ---- 1. attaching, refusals, GET and dump -------------------------------------- */

FIXTURE(lt) {
	struct ctx c;
};

CTX_FIXTURE_HOOKS(lt)

static void expect_listener(struct __test_metadata *_metadata,
			    const struct dt_obj *o, __u32 id, int family,
			    __u16 port, const char *sess)
{
	EXPECT_EQ(id, o->listener_id);
	EXPECT_STREQ(sess, o->session);
	EXPECT_EQ(family, o->family);
	EXPECT_EQ(port, o->port);
	EXPECT_TRUE(DPO_HAS(o, DPO_A_ACCEPTED_ORIGINAL) &&
		    DPO_HAS(o, DPO_A_ACCEPTED_PATCHED) &&
		    DPO_HAS(o, DPO_A_ACCEPTED_OTHER));
	if (family == AF_INET) {
		__u32 lo = htonl(INADDR_LOOPBACK);

		EXPECT_EQ(4, o->addr_len);
		EXPECT_EQ(0, memcmp(o->addr, &lo, 4));
	} else {
		EXPECT_EQ(16, o->addr_len);
		EXPECT_EQ(0, memcmp(o->addr, &in6addr_loopback, 16));
	}
}

/* A listening AF_UNIX stream socket (abstract name); fd or -errno. */
static int unix_listener(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "dpo-lst-%d",
		 getpid());
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 4)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

TEST_F(lt, attach_and_refusals)
{
	struct ctx *c = &self->c;
	struct dt_obj o, o6, objs[8];
	struct sockaddr_storage ss;
	struct dt_msg m;
	int fd, fds[2], udp, unx, tcp, conn, dupfd, i, n, found, ret;
	__u16 port6;

	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS2, 100, &c->ack), c->ack);

	/* Not a descriptor, not a socket. */
	fd = 1000;
	ASSERT_EQ(-1, fcntl(fd, F_GETFD));
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, fd, NULL, &c->ack),
		      c->ack, EBADF, "fd is not an open socket of the caller");
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, 0xffffffffu, NULL,
				       &c->ack),
		      c->ack, EBADF, "fd is not an open socket of the caller");
	ASSERT_EQ(0, pipe2(fds, O_CLOEXEC));
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, fds[0], NULL, &c->ack),
		      c->ack, ENOTSOCK, "fd is not an open socket of the caller");
	close(fds[0]);
	close(fds[1]);

	/* Sockets that are not TCP. */
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, udp);
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, udp, NULL, &c->ack),
		      c->ack, EINVAL, "not a TCP socket");
	close(udp);
	unx = unix_listener();
	ASSERT_LE(0, unx);
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, unx, NULL, &c->ack),
		      c->ack, EINVAL, "not a TCP socket");
	close(unx);

	/* TCP, but not listening: fresh, bound, connected. */
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tcp);
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, tcp, NULL, &c->ack),
		      c->ack, EINVAL, "socket is not listening");
	ASSERT_EQ(0, bind(tcp, (struct sockaddr *)&ss,
			  loopback(AF_INET, 0, &ss)));
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, tcp, NULL, &c->ack),
		      c->ack, EINVAL, "socket is not listening");
	close(tcp);

	/* IPv4 listener: accepted. */
	c->lfd[0] = tcp_listener(AF_INET, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	conn = cli_connect_idx(AF_INET, c->port[0], 0);
	ASSERT_LE(0, conn);
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, conn, NULL, &c->ack),
		      c->ack, EINVAL, "socket is not listening");
	close(conn);
	EXPECT_NL_ERR(dt_listener_add(&c->nl, "st-lst-none", c->lfd[0], NULL,
				       &c->ack),
		      c->ack, ENOENT, "no such session");
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[0], &o, &c->ack),
		     c->ack);
	EXPECT_EQ(DPO_CMD_LISTENER_ADD, o.cmd);
	EXPECT_NE(0, o.listener_id);
	expect_listener(_metadata, &o, o.listener_id, AF_INET, c->port[0], SESS);
	EXPECT_EQ(0, o.accepted_original + o.accepted_patched +
		     o.accepted_other);
	c->lid[0] = o.listener_id;

	/* Twice: same fd, another fd of it, another session. */
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, c->lfd[0], NULL, &c->ack),
		      c->ack, EEXIST, "listener already attached");
	dupfd = fcntl(c->lfd[0], F_DUPFD_CLOEXEC, 0);
	ASSERT_LE(0, dupfd);
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS2, dupfd, NULL, &c->ack),
		      c->ack, EEXIST, "listener already attached");
	close(dupfd);

	/* IPv6 listener on ::1: accepted. */
	c->lfd[1] = tcp_listener(AF_INET6, &port6);
	ASSERT_LE(0, c->lfd[1]) {
		TH_LOG("IPv6 listener on ::1: %s", strerror(-c->lfd[1]));
	}
	c->port[1] = port6;
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS2, c->lfd[1], &o6, &c->ack),
		     c->ack);
	expect_listener(_metadata, &o6, o6.listener_id, AF_INET6, port6, SESS2);
	EXPECT_NE(0, o6.listener_id);
	EXPECT_NE(c->lid[0], o6.listener_id);
	c->lid[1] = o6.listener_id;

	/* GET and dump. */
	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[0], &o, &c->ack), c->ack);
	EXPECT_EQ(DPO_CMD_LISTENER_GET, o.cmd);
	expect_listener(_metadata, &o, c->lid[0], AF_INET, c->port[0], SESS);
	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[1], &o, &c->ack), c->ack);
	expect_listener(_metadata, &o, c->lid[1], AF_INET6, port6, SESS2);
	ASSERT_NL_OK(dt_listener_dump(&c->nl, objs, 8, &n, &c->ack), c->ack);
	EXPECT_EQ(2, n);
	for (i = found = 0; i < n && i < 8; i++) {
		if (objs[i].listener_id == c->lid[0]) {
			expect_listener(_metadata, &objs[i], c->lid[0], AF_INET,
					c->port[0], SESS);
			found |= 1;
		} else if (objs[i].listener_id == c->lid[1]) {
			expect_listener(_metadata, &objs[i], c->lid[1],
					AF_INET6, port6, SESS2);
			found |= 2;
		}
	}
	EXPECT_EQ(3, found);

	/* Unknown ids, id 0. */
	i = (c->lid[0] > c->lid[1] ? c->lid[0] : c->lid[1]) + 1000;
	EXPECT_NL_ERR(dt_listener_get(&c->nl, i, NULL, &c->ack), c->ack,
		      ENOENT, "no such listener");
	EXPECT_NL_ERR(dt_listener_del(&c->nl, i, &c->ack), c->ack, ENOENT,
		      "no such listener");
	EXPECT_NL_ERR(dt_listener_get(&c->nl, 0, NULL, &c->ack), c->ack,
		      ERANGE, NULL);

	/* Missing attributes. */
	dt_msg_dpo(&m, &c->nl, DPO_CMD_LISTENER_ADD, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	EXPECT_NL_ERR(dt_request(&c->nl, &m, &c->ack, NULL), c->ack, EINVAL,
		      "missing attribute: fd");
	EXPECT_MISS(c->ack, DPO_A_FD);
	dt_msg_dpo(&m, &c->nl, DPO_CMD_LISTENER_ADD, 0);
	nlm_put_u32(&m, DPO_A_FD, c->lfd[0]);
	EXPECT_NL_ERR(dt_request(&c->nl, &m, &c->ack, NULL), c->ack, EINVAL,
		      "missing attribute: session name");
	EXPECT_MISS(c->ack, DPO_A_SESSION_NAME);
	dt_msg_dpo(&m, &c->nl, DPO_CMD_LISTENER_DEL, 0);
	EXPECT_NL_ERR(dt_request(&c->nl, &m, &c->ack, NULL), c->ack, EINVAL,
		      "missing attribute: listener id");
	EXPECT_MISS(c->ack, DPO_A_LISTENER_ID);
	dt_msg_dpo(&m, &c->nl, DPO_CMD_LISTENER_GET, 0);
	EXPECT_NL_ERR(dt_request(&c->nl, &m, &c->ack, NULL), c->ack, EINVAL,
		      "missing attribute: listener id");
	EXPECT_MISS(c->ack, DPO_A_LISTENER_ID);
	dt_msg_dpo(&m, &c->nl, DPO_CMD_OWNER_SET, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	EXPECT_NL_ERR(dt_request(&c->nl, &m, &c->ack, NULL), c->ack, EINVAL,
		      "missing attribute: owner");
	EXPECT_MISS(c->ack, DPO_A_OWNER);
	dt_msg_dpo(&m, &c->nl, DPO_CMD_OWNER_SET, 0);
	nlm_put_u8(&m, DPO_A_OWNER, DPO_OWNER_PATCHED);
	EXPECT_NL_ERR(dt_request(&c->nl, &m, &c->ack, NULL), c->ack, EINVAL,
		      "missing attribute: session name");
	EXPECT_MISS(c->ack, DPO_A_SESSION_NAME);

	/* Owners. */
	/*
	 * CANARY alone is refused: EOPNOTSUPP while canary ownership is not
	 * implemented, EINVAL (no DPO_A_CANARY_PCT) once it is. Canary
	 * itself is not tested here.
	 */
	ret = dt_owner_set(&c->nl, SESS, DPO_OWNER_CANARY, &c->ack);
	EXPECT_TRUE(ret == -EOPNOTSUPP || ret == -EINVAL) {
		TH_LOG("OWNER_SET CANARY without a percentage: errno %d '%s'",
		       c->ack.err, c->ack.msg);
	}
	EXPECT_NE(0, (int)strlen(c->ack.msg));
	/* Out of the policy's range. */
	EXPECT_NL_ERR(dt_owner_set(&c->nl, SESS, DPO_OWNER_UNSPEC, &c->ack),
		      c->ack, ERANGE, NULL);
	EXPECT_NL_ERR(dt_owner_set(&c->nl, SESS, DPO_OWNER_MAX + 1, &c->ack),
		      c->ack, ERANGE, NULL);
	EXPECT_NL_ERR(dt_owner_set(&c->nl, "st-lst-none", DPO_OWNER_PATCHED,
				    &c->ack),
		      c->ack, ENOENT, "no such session");
	ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack), c->ack);
	EXPECT_EQ(DPO_OWNER_BOTH, o.owner);
	EXPECT_EQ(0, o.switch_time_ns);
}

TEST_F(lt, mptcp_refused)
{
	struct ctx *c = &self->c;
	struct sockaddr_storage ss;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (fd < 0)
		SKIP(return, "no MPTCP in this kernel: %s", strerror(errno));
	c->lfd[0] = fd;
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&ss, loopback(AF_INET, 0, &ss)));
	ASSERT_EQ(0, listen(fd, 16));
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 100, &c->ack), c->ack);
	EXPECT_NL_ERR(dt_listener_add(&c->nl, SESS, fd, NULL, &c->ack),
		      c->ack, EOPNOTSUPP, "MPTCP sockets are not supported");
}

/* ---- permissions ---------------------------------------------------------------- */

enum { U_ADD, U_DEL, U_GET, U_DUMP, U_OWNER, U_MAX };
static const char *const u_names[U_MAX] = {
	"LISTENER_ADD", "LISTENER_DEL", "LISTENER_GET", "LISTENER_GET dump",
	"OWNER_SET",
};

struct unpriv_result {
	int stage;		/* 100 = done */
	int setup_err;
	int err[U_MAX];
	char msg[U_MAX][256];
};

static void unpriv_child(struct unpriv_result *res, __u32 id)
{
	struct dt_sock nl;
	struct dt_ack ack;
	__u16 port;
	int k, lfd;

	res->stage = 1;
	if (drop_root(NOBODY)) {
		res->setup_err = errno;
		return;
	}
	res->stage = 2;
	lfd = tcp_listener(AF_INET, &port);
	if (lfd < 0) {
		res->setup_err = -lfd;
		return;
	}
	res->setup_err = -dt_connect(&nl);
	if (res->setup_err)
		return;
	res->stage = 3;
	for (k = 0; k < U_MAX; k++) {
		memset(&ack, 0, sizeof(ack));
		switch (k) {
		case U_ADD:
			dt_listener_add(&nl, SESS, lfd, NULL, &ack);
			break;
		case U_DEL:
			dt_listener_del(&nl, id, &ack);
			break;
		case U_GET:
			dt_listener_get(&nl, id, NULL, &ack);
			break;
		case U_DUMP:
			dt_listener_dump(&nl, NULL, 0, NULL, &ack);
			break;
		case U_OWNER:
			dt_owner_set(&nl, SESS, DPO_OWNER_PATCHED, &ack);
			break;
		}
		res->err[k] = ack.err;
		snprintf(res->msg[k], sizeof(res->msg[k]), "%s", ack.msg);
	}
	dt_close(&nl);
	res->stage = 100;
}

TEST_F(lt, unprivileged_eperm)
{
	struct ctx *c = &self->c;
	struct unpriv_result *res;
	struct dt_obj o, objs[4];
	int status, k, n;
	pid_t pid;

	c->lfd[0] = tcp_listener(AF_INET, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[0], &o, &c->ack),
		     c->ack);
	c->lid[0] = o.listener_id;

	res = shared_mem(sizeof(*res));
	ASSERT_NE(MAP_FAILED, res);
	pid = fork_flushed();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unpriv_child(res, c->lid[0]);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(100, res->stage) {
		TH_LOG("unprivileged child stopped at stage %d: %s",
		       res->stage, strerror(res->setup_err));
	}
	for (k = 0; k < U_MAX; k++) {
		EXPECT_EQ(EPERM, res->err[k]) {
			TH_LOG("unprivileged %s: errno %d '%s'", u_names[k],
			       res->err[k], res->msg[k]);
		}
	}
	/* Nothing changed. */
	ASSERT_NL_OK(dt_listener_dump(&c->nl, objs, 4, &n, &c->ack), c->ack);
	EXPECT_EQ(1, n);
	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[0], &o, &c->ack), c->ack);
	ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack), c->ack);
	EXPECT_EQ(DPO_OWNER_BOTH, o.owner);
	munmap(res, sizeof(*res));
}

/* ---- owner state and notifications ----------------------------------------------- */

TEST_F(lt, owner_state_and_events)
{
	struct ctx *c = &self->c;
	struct dt_obj o, ntf;
	__u64 t0, t1;
	int ret;

	ASSERT_EQ(0, dt_listen(&c->ev, &c->nl, c->nl.grp_events));
	c->lfd[0] = tcp_listener(AF_INET, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack), c->ack);
	EXPECT_TRUE(DPO_HAS(&o, DPO_A_OWNER));
	EXPECT_TRUE(DPO_HAS(&o, DPO_A_SWITCH_TIME_NS));
	EXPECT_EQ(DPO_OWNER_BOTH, o.owner);
	EXPECT_EQ(0, o.switch_time_ns);

	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[0], &o, &c->ack),
		     c->ack);
	c->lid[0] = o.listener_id;
	ASSERT_EQ(0, dt_wait_ntf(&c->ev, DPO_CMD_LISTENER_ADD_NTF, 0, &ntf,
				 10000)) {
		TH_LOG("no LISTENER_ADD notification");
	}
	expect_listener(_metadata, &ntf, c->lid[0], AF_INET, c->port[0], SESS);

	t0 = now_ns();
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_PATCHED, &c->ack),
		     c->ack);
	t1 = now_ns();
	ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack), c->ack);
	EXPECT_EQ(DPO_OWNER_PATCHED, o.owner);
	EXPECT_LE(t0, o.switch_time_ns);
	EXPECT_GE(t1, o.switch_time_ns);
	ASSERT_EQ(0, dt_wait_ntf(&c->ev, DPO_CMD_OWNER_SET_NTF, 0, &ntf,
				 10000)) {
		TH_LOG("no OWNER_SET notification");
	}
	EXPECT_STREQ(SESS, ntf.session);
	EXPECT_EQ(DPO_OWNER_PATCHED, ntf.owner);
	EXPECT_EQ(o.switch_time_ns, ntf.switch_time_ns);

	/* A session without listeners has an owner too. */
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS2, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS2, DPO_OWNER_ORIGINAL, &c->ack),
		     c->ack);
	ASSERT_NL_OK(dt_session_get(&c->nl, SESS2, &o, &c->ack), c->ack);
	EXPECT_EQ(DPO_OWNER_ORIGINAL, o.owner);
	EXPECT_NE(0, o.switch_time_ns);
	/* The first session is unchanged. */
	ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack), c->ack);
	EXPECT_EQ(DPO_OWNER_PATCHED, o.owner);

	ASSERT_NL_OK(dt_listener_del(&c->nl, c->lid[0], &c->ack), c->ack);
	ASSERT_EQ(0, dt_wait_ntf(&c->ev, DPO_CMD_LISTENER_DEL_NTF, 0, &ntf,
				 10000)) {
		TH_LOG("no LISTENER_DEL notification");
	}
	EXPECT_EQ(c->lid[0], ntf.listener_id);
	EXPECT_NL_ERR(dt_listener_get(&c->nl, c->lid[0], NULL, &c->ack),
		      c->ack, ENOENT, "no such listener");

	/* Observation only: is a detach by SESSION_DEL notified? */
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[0], &o, &c->ack),
		     c->ack);
	ASSERT_NL_OK(dt_session_del(&c->nl, SESS, &c->ack), c->ack);
	ret = dt_wait_ntf(&c->ev, DPO_CMD_LISTENER_DEL_NTF, 0, &ntf, 300);
	TH_LOG("SESSION_DEL with a listener attached: %s LISTENER_DEL notification",
	       ret ? "no" : "a");
}

/* ---- who accepts: the counters, non-instances -------------------------------------- */

static int cmd_accept(struct __test_metadata *_metadata, struct acc *a)
{
	struct rep r;

	EXPECT_EQ(0, acc_cmd(a, 'a', &r));
	if (r.kind == R_ACCEPT)
		return r.idx;
	if (r.kind == R_AGAIN)
		return -EAGAIN;
	TH_LOG("%s: accept: kind %d errno %d", role_name[a->role], r.kind,
	       r.err);
	return -1000 - r.err;
}

static int cmd_poll(struct __test_metadata *_metadata, struct acc *a)
{
	struct rep r;

	EXPECT_EQ(0, acc_cmd(a, 'P', &r));
	EXPECT_EQ(R_POLL, r.kind);
	return r.err;
}

TEST_F(lt, who_may_accept_and_counters)
{
	struct ctx *c = &self->c;
	struct dt_obj o;
	struct rep r;
	__u32 pong;
	int fd;

	c->lfd[0] = tcp_listener(AF_INET, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	ASSERT_EQ(0, acc_start(&c->kid[0], ORIG, ST_CMD, c->lfd[0]));
	ASSERT_EQ(0, acc_start(&c->kid[1], PATCH, ST_CMD, c->lfd[0]));
	/* An instance of another session: never restricted here. */
	ASSERT_EQ(0, acc_start(&c->kid[2], PATCH, ST_CMD, c->lfd[0]));
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS2, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_instance_add(&c->nl, SESS, c->kid[0].pid, ORIG,
				      &c->ack), c->ack);
	ASSERT_NL_OK(dt_instance_add(&c->nl, SESS, c->kid[1].pid, PATCH,
				      &c->ack), c->ack);
	ASSERT_NL_OK(dt_instance_add(&c->nl, SESS2, c->kid[2].pid, PATCH,
				      &c->ack), c->ack);
	/* The owner is set before the attach: the listener takes it over. */
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_ORIGINAL, &c->ack),
		     c->ack);
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[0], &o, &c->ack),
		     c->ack);
	c->lid[0] = o.listener_id;

	/* Each connection is in the accept queue before anyone tries. */
	ASSERT_LE(0, ctx_connect_queued(c, 0));
	EXPECT_EQ(0, cmd_poll(_metadata, &c->kid[1]) & POLLIN);
	EXPECT_EQ(-EAGAIN, cmd_accept(_metadata, &c->kid[1]));
	EXPECT_NE(0, cmd_poll(_metadata, &c->kid[0]) & POLLIN);
	EXPECT_NE(0, cmd_poll(_metadata, &c->kid[2]) & POLLIN);
	EXPECT_EQ(0, cmd_accept(_metadata, &c->kid[0]));

	/* The test process is no instance: it may accept. */
	ASSERT_LE(0, ctx_connect_queued(c, 1));
	fd = accept4(c->lfd[0], NULL, NULL, SOCK_CLOEXEC);
	EXPECT_LE(0, fd) {
		TH_LOG("accept by a non-instance: %s", strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	ASSERT_LE(0, ctx_connect_queued(c, 2));
	EXPECT_EQ(2, cmd_accept(_metadata, &c->kid[2]));

	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_PATCHED, &c->ack),
		     c->ack);
	ASSERT_LE(0, ctx_connect_queued(c, 3));
	EXPECT_EQ(0, cmd_poll(_metadata, &c->kid[0]) & POLLIN);
	EXPECT_EQ(-EAGAIN, cmd_accept(_metadata, &c->kid[0]));
	EXPECT_NE(0, cmd_poll(_metadata, &c->kid[1]) & POLLIN);
	EXPECT_EQ(3, cmd_accept(_metadata, &c->kid[1]));

	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_BOTH, &c->ack),
		     c->ack);
	ASSERT_LE(0, ctx_connect_queued(c, 4));
	ASSERT_LE(0, ctx_connect_queued(c, 5));
	EXPECT_EQ(4, cmd_accept(_metadata, &c->kid[0]));
	EXPECT_EQ(5, cmd_accept(_metadata, &c->kid[1]));
	EXPECT_EQ(-EAGAIN, cmd_accept(_metadata, &c->kid[1]));

	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[0], &o, &c->ack), c->ack);
	EXPECT_EQ(2, o.accepted_original);
	EXPECT_EQ(2, o.accepted_patched);
	EXPECT_EQ(2, o.accepted_other);

	/* The accepted connections work: the original answers client 0. */
	ASSERT_EQ(0, acc_cmd(&c->kid[0], 'e', &r));
	EXPECT_EQ(2, r.idx);
	ASSERT_EQ(0, read_within(c->cfd[0], &pong, 4, 3000));
	EXPECT_EQ(0x676e6f70, pong);
}

/* ---- 2. ownership for each accept style --------------------------------------------- */

FIXTURE(own) {
	struct ctx c;
};

FIXTURE_VARIANT(own) {
	int style;
	__u8 owner;
	int family;
};

#define OWN_VARIANT(name, st, ow, fam)			\
	FIXTURE_VARIANT_ADD(own, name) {		\
		.style = st, .owner = ow, .family = fam,	\
	}

OWN_VARIANT(block_original, ST_BLOCK, DPO_OWNER_ORIGINAL, AF_INET);
OWN_VARIANT(block_patched, ST_BLOCK, DPO_OWNER_PATCHED, AF_INET);
OWN_VARIANT(block_both, ST_BLOCK, DPO_OWNER_BOTH, AF_INET);
OWN_VARIANT(block_mt_original, ST_BLOCK_MT, DPO_OWNER_ORIGINAL, AF_INET);
OWN_VARIANT(block_mt_patched, ST_BLOCK_MT, DPO_OWNER_PATCHED, AF_INET);
OWN_VARIANT(block_mt_both, ST_BLOCK_MT, DPO_OWNER_BOTH, AF_INET);
OWN_VARIANT(poll_original, ST_POLL, DPO_OWNER_ORIGINAL, AF_INET);
OWN_VARIANT(poll_patched, ST_POLL, DPO_OWNER_PATCHED, AF_INET);
OWN_VARIANT(poll_both, ST_POLL, DPO_OWNER_BOTH, AF_INET);
OWN_VARIANT(epoll_lt_original, ST_EPOLL_LT, DPO_OWNER_ORIGINAL, AF_INET);
OWN_VARIANT(epoll_lt_patched, ST_EPOLL_LT, DPO_OWNER_PATCHED, AF_INET);
OWN_VARIANT(epoll_lt_both, ST_EPOLL_LT, DPO_OWNER_BOTH, AF_INET);
OWN_VARIANT(epoll_et_original, ST_EPOLL_ET, DPO_OWNER_ORIGINAL, AF_INET);
OWN_VARIANT(epoll_et_patched, ST_EPOLL_ET, DPO_OWNER_PATCHED, AF_INET);
OWN_VARIANT(epoll_et_both, ST_EPOLL_ET, DPO_OWNER_BOTH, AF_INET);
OWN_VARIANT(epoll_excl_original, ST_EPOLL_EXCL, DPO_OWNER_ORIGINAL, AF_INET);
OWN_VARIANT(epoll_excl_patched, ST_EPOLL_EXCL, DPO_OWNER_PATCHED, AF_INET);
OWN_VARIANT(epoll_excl_both, ST_EPOLL_EXCL, DPO_OWNER_BOTH, AF_INET);
OWN_VARIANT(block_patched_v6, ST_BLOCK, DPO_OWNER_PATCHED, AF_INET6);
OWN_VARIANT(poll_original_v6, ST_POLL, DPO_OWNER_ORIGINAL, AF_INET6);
OWN_VARIANT(epoll_et_patched_v6, ST_EPOLL_ET, DPO_OWNER_PATCHED, AF_INET6);

CTX_FIXTURE_HOOKS(own)

#define OWN_N	50

TEST_F_TIMEOUT(own, accepted_by_owner_only, 60)
{
	struct ctx *c = &self->c;
	__u64 t0, t1;
	struct dt_obj o;
	int i, lost = 0, dup = 0, wrong = 0;

	ctx_pair(_metadata, c, variant->family, variant->style, variant->owner);
	ASSERT_EQ(0, acc_send(&c->kid[0], 'g'));
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	/* Both wait in accept(), poll() or epoll_wait() before the first. */
	EXPECT_EQ(variant->style == ST_BLOCK_MT ? 2 : 1,
		  acc_wait_asleep(&c->kid[0], 10000));
	EXPECT_EQ(variant->style == ST_BLOCK_MT ? 2 : 1,
		  acc_wait_asleep(&c->kid[1], 10000));

	t0 = now_ns();
	for (i = 0; i < OWN_N; i++) {
		ASSERT_LE(0, ctx_connect(c, i));
		pump(c->kid, 2, 0, 0);
	}
	pump(c->kid, 2, 15000, OWN_N);
	t1 = now_ns();
	pump(c->kid, 2, 200, 0);	/* anything beyond N: duplicates */

	for (i = 0; i < OWN_N; i++) {
		if (!T.count[i])
			lost++;
		else if (T.count[i] > 1)
			dup++;
		else if (!owner_allows(variant->owner, T.by[i]))
			wrong++;
	}
	TH_LOG("%s, owner %s, %s: %d connections in %.0f ms; original %d, patched %d; spurious wakeups %d/%d",
	       style_name[variant->style], owner_name[variant->owner],
	       variant->family == AF_INET ? "IPv4" : "IPv6", OWN_N,
	       (t1 - t0) / 1e6, T.per_role[ORIG], T.per_role[PATCH],
	       T.spurious[ORIG], T.spurious[PATCH]);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, wrong) {
		TH_LOG("%d connections accepted by the non-owner", wrong);
	}
	EXPECT_EQ(0, T.bad_idx);
	EXPECT_EQ(OWN_N, T.accepts);
	EXPECT_EQ(0, T.errs[ORIG] + T.errs[PATCH]) {
		TH_LOG("accept errors: original %d (last %s), patched %d (last %s)",
		       T.errs[ORIG], strerror(T.last_err[ORIG]),
		       T.errs[PATCH], strerror(T.last_err[PATCH]));
	}
	if (variant->owner == DPO_OWNER_ORIGINAL) {
		EXPECT_EQ(0, T.spurious[PATCH]);
	}
	if (variant->owner == DPO_OWNER_PATCHED) {
		EXPECT_EQ(0, T.spurious[ORIG]);
	}
	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[0], &o, &c->ack), c->ack);
	EXPECT_EQ(T.per_role[ORIG], o.accepted_original);
	EXPECT_EQ(T.per_role[PATCH], o.accepted_patched);
	EXPECT_EQ(0, o.accepted_other);
}

/* ---- 3. switches under continuous load ------------------------------------------------ */

struct load {
	volatile int stop;
	volatile int n;			/* connections attempted */
	__u64 c_start[MAXC];		/* before connect() */
	int ok[MAXC];			/* connected and index sent */
	int err[MAXC];
};

static void __attribute__((noreturn))
load_main(struct load *ld, int family, __u16 port, unsigned int period_us)
{
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < MAXC && !ld->stop; i++) {
		int fd;

		ld->c_start[i] = now_ns();
		fd = cli_connect_idx(family, port, i);
		ld->ok[i] = fd >= 0;
		ld->err[i] = fd < 0 ? -fd : 0;
		if (fd >= 0)
			close(fd);
		__sync_synchronize();
		ld->n = i + 1;
		usleep(period_us);
	}
	_exit(0);
}

FIXTURE(sw) {
	struct ctx c;
};

FIXTURE_VARIANT(sw) {
	int style;
	int family;
};

FIXTURE_VARIANT_ADD(sw, block) { .style = ST_BLOCK, .family = AF_INET };
FIXTURE_VARIANT_ADD(sw, poll) { .style = ST_POLL, .family = AF_INET };
FIXTURE_VARIANT_ADD(sw, epoll_lt) { .style = ST_EPOLL_LT, .family = AF_INET };
FIXTURE_VARIANT_ADD(sw, epoll_et) { .style = ST_EPOLL_ET, .family = AF_INET };
FIXTURE_VARIANT_ADD(sw, epoll_et_v6) { .style = ST_EPOLL_ET, .family = AF_INET6 };
FIXTURE_VARIANT_ADD(sw, epoll_excl_all) { .style = ST_EPOLL_EXCL_ALL, .family = AF_INET };

CTX_FIXTURE_HOOKS(sw)

#define SW_PHASES	8
#define SW_PHASE_MS	350
#define SW_PHASE_MIN	8	/* connections attempted in each phase */

/*
 * One phase: SW_PHASE_MS, and on a slow machine longer (5 s at most),
 * until the loader has attempted SW_PHASE_MIN connections in it.
 */
static void sw_phase(struct ctx *c, struct load *ld)
{
	__u64 end = now_ns() + 5000000000ULL;
	int n0 = ld->n;

	pump(c->kid, 2, SW_PHASE_MS, 0);
	while (ld->n - n0 < SW_PHASE_MIN && now_ns() < end)
		pump(c->kid, 2, 10, 0);
}

TEST_F_TIMEOUT(sw, switch_under_load, 90)
{
	static const __u8 owners[SW_PHASES] = {
		DPO_OWNER_ORIGINAL, DPO_OWNER_PATCHED, DPO_OWNER_ORIGINAL,
		DPO_OWNER_BOTH, DPO_OWNER_PATCHED, DPO_OWNER_ORIGINAL,
		DPO_OWNER_PATCHED, DPO_OWNER_ORIGINAL,
	};
	struct ctx *c = &self->c;
	__u64 t_send[SW_PHASES + 1], t_ack[SW_PHASES + 1];
	__u64 rtt_max = 0, rtt_sum = 0, wake_max = 0, wake_sum = 0;
	int phase_acc[SW_PHASES][3] = { { 0 } };
	int nwake = 0, nok = 0, lost = 0, dup = 0, viol = 0, ghost = 0;
	struct dt_obj o;
	struct load *ld;
	__u64 t_begin, t_end;
	int i, k, n, status;

	ld = shared_mem(sizeof(*ld));
	ASSERT_NE(MAP_FAILED, ld);

	t_send[0] = now_ns();
	ctx_pair(_metadata, c, variant->family, variant->style, owners[0]);
	t_ack[0] = now_ns();
	ASSERT_EQ(0, acc_send(&c->kid[0], 'g'));
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	EXPECT_EQ(1, acc_wait_asleep(&c->kid[0], 10000));
	EXPECT_EQ(1, acc_wait_asleep(&c->kid[1], 10000));

	c->helper = fork_flushed();
	ASSERT_LE(0, c->helper);
	if (c->helper == 0)
		load_main(ld, variant->family, c->port[0], 4000);

	t_begin = now_ns();
	sw_phase(c, ld);
	for (k = 1; k < SW_PHASES; k++) {
		t_send[k] = now_ns();
		ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, owners[k], &c->ack),
			     c->ack);
		t_ack[k] = now_ns();
		rtt_sum += t_ack[k] - t_send[k];
		if (t_ack[k] - t_send[k] > rtt_max)
			rtt_max = t_ack[k] - t_send[k];
		sw_phase(c, ld);
	}
	t_send[SW_PHASES] = ~0ULL;
	ld->stop = 1;
	ASSERT_EQ(c->helper, waitpid(c->helper, &status, 0));
	c->helper = -1;
	t_end = now_ns();
	n = ld->n;
	for (i = 0; i < n; i++)
		nok += ld->ok[i];
	/* The last owner takes what is still queued. */
	pump(c->kid, 2, 15000, nok);
	pump(c->kid, 2, 200, 0);

	ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack), c->ack);
	EXPECT_EQ(owners[SW_PHASES - 1], o.owner);
	EXPECT_LE(t_send[SW_PHASES - 1], o.switch_time_ns);
	EXPECT_GE(t_ack[SW_PHASES - 1], o.switch_time_ns);

	for (i = 0; i < n; i++) {
		__u64 lo, hi;
		int role = T.by[i];

		if (!ld->ok[i]) {
			ghost += T.count[i];
			continue;
		}
		if (!T.count[i]) {
			lost++;
			continue;
		}
		if (T.count[i] > 1) {
			dup++;
			continue;
		}
		/* The dequeue happened within [lo, hi]. */
		lo = T.t_enter[i] > ld->c_start[i] ? T.t_enter[i] :
						      ld->c_start[i];
		hi = T.t_exit[i];
		for (k = SW_PHASES - 1; k > 0 && t_ack[k] > hi; k--)
			;
		phase_acc[k][role]++;
		for (k = 0; k < SW_PHASES; k++) {
			if (owner_allows(owners[k], role))
				continue;
			if (lo >= t_ack[k] && hi <= t_send[k + 1]) {
				if (viol < 5)
					TH_LOG("connection %d (connect at +%.1f ms) accepted by the %s in [+%.1f, +%.1f] ms, owner %s since +%.1f ms",
					       i, (ld->c_start[i] - t_begin) / 1e6,
					       role_name[role], (lo - t_begin) / 1e6,
					       (hi - t_begin) / 1e6,
					       owner_name[owners[k]],
					       ((__s64)t_ack[k] - (__s64)t_begin) / 1e6);
				viol++;
			}
		}
	}
	/* Time from a switch's ack to the first accept by the new owner. */
	for (k = 1; k < SW_PHASES; k++) {
		__u64 first = ~0ULL;
		int role;

		if (owners[k] == DPO_OWNER_BOTH)
			continue;
		role = owners[k] == DPO_OWNER_ORIGINAL ? ORIG : PATCH;
		if (owner_allows(owners[k - 1], role))
			continue;
		for (i = 0; i < n; i++)
			if (T.count[i] && T.by[i] == role &&
			    T.t_exit[i] >= t_ack[k] && T.t_exit[i] < first)
				first = T.t_exit[i];
		if (first == ~0ULL || first > t_send[k + 1])
			continue;
		wake_sum += first - t_ack[k];
		if (first - t_ack[k] > wake_max)
			wake_max = first - t_ack[k];
		nwake++;
	}
	TH_LOG("%s %s: %d connects in %.0f ms (%.0f/s), %d ok, %d accepted; %d switches: OWNER_SET round trip avg %.2f ms max %.2f ms; first accept by the new owner after the ack: avg %.2f ms max %.2f ms (%d switches)",
	       style_name[variant->style],
	       variant->family == AF_INET ? "IPv4" : "IPv6", n,
	       (t_end - t_begin) / 1e6, n * 1e9 / (t_end - t_begin), nok,
	       T.accepts, SW_PHASES - 1, rtt_sum / 1e6 / (SW_PHASES - 1),
	       rtt_max / 1e6, nwake ? wake_sum / 1e6 / nwake : 0.0,
	       wake_max / 1e6, nwake);
	for (k = 0; k < SW_PHASES; k++)
		TH_LOG("phase %d owner %-8s: original %3d patched %3d",
		       k, owner_name[owners[k]], phase_acc[k][ORIG],
		       phase_acc[k][PATCH]);
	EXPECT_LE(50, n) {
		TH_LOG("too few connections for the test to mean much");
	}
	EXPECT_EQ(n, nok) {
		TH_LOG("%d connects failed (first errno %d)", n - nok,
		       ld->err[0]);
	}
	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, ghost);
	EXPECT_EQ(0, viol);
	EXPECT_EQ(0, T.bad_idx);
	EXPECT_EQ(0, T.errs[ORIG] + T.errs[PATCH]);
	munmap(ld, sizeof(*ld));
}

/* ---- 4. connections queued before a switch ------------------------------------------------ */

FIXTURE(queued) {
	struct ctx c;
};

FIXTURE_VARIANT(queued) {
	int style;
	int family;
};

FIXTURE_VARIANT_ADD(queued, epoll_et) { .style = ST_EPOLL_ET, .family = AF_INET };
FIXTURE_VARIANT_ADD(queued, epoll_et_v6) { .style = ST_EPOLL_ET, .family = AF_INET6 };
FIXTURE_VARIANT_ADD(queued, epoll_lt) { .style = ST_EPOLL_LT, .family = AF_INET };
FIXTURE_VARIANT_ADD(queued, epoll_excl) { .style = ST_EPOLL_EXCL, .family = AF_INET };
FIXTURE_VARIANT_ADD(queued, poll) { .style = ST_POLL, .family = AF_INET };
FIXTURE_VARIANT_ADD(queued, block) { .style = ST_BLOCK, .family = AF_INET };

CTX_FIXTURE_HOOKS(queued)

#define QUEUED_K	20

TEST_F_TIMEOUT(queued, woken_by_switch, 45)
{
	struct ctx *c = &self->c;
	__u64 t_send, t_ack, first = ~0ULL, last = 0;
	int i, lost = 0;

	/* The patched waits with EPOLLEXCLUSIVE (it will be the owner). */
	ctx_pair(_metadata, c, variant->family, variant->style,
		 DPO_OWNER_PATCHED);
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_ORIGINAL, &c->ack),
		     c->ack);
	/* Only the patched waits; the original (the owner) is paused. */
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	EXPECT_EQ(1, acc_wait_asleep(&c->kid[1], 10000));
	for (i = 0; i < QUEUED_K; i++)
		ASSERT_LE(0, ctx_connect(c, i));
	/* All queued (none taken) before the switch. */
	EXPECT_EQ(QUEUED_K, wait_backlog(c->lfd[0], QUEUED_K, 10000));
	pump(c->kid, 2, 300, 0);
	EXPECT_EQ(0, T.per_role[PATCH]) {
		TH_LOG("the patched accepted while the original owns");
	}
	EXPECT_EQ(0, T.spurious[PATCH]);

	/* No new SYN from here on. */
	t_send = now_ns();
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_PATCHED, &c->ack),
		     c->ack);
	t_ack = now_ns();
	pump(c->kid, 2, 15000, QUEUED_K);
	for (i = 0; i < QUEUED_K; i++) {
		if (!T.count[i]) {
			lost++;
			continue;
		}
		if (T.t_exit[i] < first)
			first = T.t_exit[i];
		if (T.t_exit[i] > last)
			last = T.t_exit[i];
	}
	TH_LOG("%s %s: %d queued; OWNER_SET round trip %.2f ms; patched accepted %d, first %.2f ms after the ack, last %.2f ms",
	       style_name[variant->style],
	       variant->family == AF_INET ? "IPv4" : "IPv6", QUEUED_K,
	       (t_ack - t_send) / 1e6, T.per_role[PATCH],
	       first == ~0ULL ? -1.0 : ((__s64)first - (__s64)t_ack) / 1e6,
	       last ? ((__s64)last - (__s64)t_ack) / 1e6 : -1.0);
	EXPECT_EQ(0, lost) {
		TH_LOG("%d queued connections not taken by the new owner", lost);
	}
	EXPECT_EQ(QUEUED_K, T.per_role[PATCH]);
	EXPECT_EQ(0, T.bad_idx);
	EXPECT_EQ(0, T.errs[PATCH]);

	/* The original, started now, finds nothing (and may not take any). */
	ASSERT_EQ(0, acc_send(&c->kid[0], 'g'));
	ASSERT_LE(0, ctx_connect(c, QUEUED_K));
	pump(c->kid, 2, 10000, QUEUED_K + 1);
	pump(c->kid, 2, 100, 0);
	EXPECT_EQ(0, T.per_role[ORIG]);
	EXPECT_EQ(QUEUED_K + 1, T.per_role[PATCH]);
}

/* ---- 5. a task asleep in accept() when the listener is attached ------------------------------ */

TEST_F_TIMEOUT(lt, sleeper_in_accept_is_kicked, 45)
{
	struct ctx *c = &self->c;
	char wbefore[64] = "", wafter[64] = "";

	c->lfd[0] = tcp_listener_ex(AF_INET, false, 1024, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	/* Two threads of the original asleep in the kernel's own accept. */
	ASSERT_EQ(0, acc_start(&c->kid[0], ORIG, ST_BLOCK_MT, c->lfd[0]));
	ASSERT_EQ(0, acc_start(&c->kid[1], PATCH, ST_BLOCK, c->lfd[0]));
	ASSERT_EQ(0, acc_send(&c->kid[0], 'g'));
	ASSERT_EQ(2, wait_in_accept(c->kid[0].pid, 2, 10000, wbefore,
				    sizeof(wbefore)));
	sleep_ms(100);

	ASSERT_NL_OK(dt_session_pair(&c->nl, SESS, c->kid[0].pid, c->kid[1].pid,
				     c->lfd[0], &c->lid[0], DPO_OWNER_PATCHED,
				     &c->ack), c->ack);
	/* Still (or again) asleep in accept, without having failed. */
	EXPECT_EQ(2, wait_in_accept(c->kid[0].pid, 2, 10000, wafter,
				    sizeof(wafter)));
	TH_LOG("original's accept sleeps in '%s' before the attach, '%s' after",
	       wbefore, wafter);

	ASSERT_LE(0, ctx_connect(c, 0));
	/* Queued: the original had it in reach (it must not take it). */
	EXPECT_EQ(1, wait_backlog(c->lfd[0], 1, 10000));
	pump(c->kid, 2, 800, 0);
	EXPECT_EQ(0, T.per_role[ORIG]) {
		TH_LOG("a task asleep in accept() before the attach took a connection the patched owns");
	}
	/* The patched, started now, gets it. */
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	pump(c->kid, 2, 10000, 1);
	EXPECT_EQ(1, T.per_role[PATCH]);
	EXPECT_EQ(1, T.count[0]);

	/* The kicked accept() still works (it restarted, did not fail). */
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_ORIGINAL, &c->ack),
		     c->ack);
	ASSERT_LE(0, ctx_connect(c, 1));
	pump(c->kid, 2, 10000, 2);
	EXPECT_EQ(1, T.count[1]);
	EXPECT_EQ(ORIG, T.by[1]);
	EXPECT_EQ(0, T.errs[ORIG]) {
		TH_LOG("the original's accept failed %d times (last: %s)",
		       T.errs[ORIG], strerror(T.last_err[ORIG]));
	}
}

/* A non-owner asleep in our accept loop leaves it at the detach. */
TEST_F_TIMEOUT(lt, detach_frees_blocked_non_owner, 45)
{
	struct ctx *c = &self->c;

	ctx_pair(_metadata, c, AF_INET, ST_BLOCK, DPO_OWNER_ORIGINAL);
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	ASSERT_EQ(1, wait_in_accept(c->kid[1].pid, 1, 10000, NULL, 0));
	ASSERT_LE(0, ctx_connect(c, 0));
	EXPECT_EQ(1, wait_backlog(c->lfd[0], 1, 10000));
	pump(c->kid, 2, 500, 0);
	EXPECT_EQ(0, T.accepts);
	ASSERT_NL_OK(dt_listener_del(&c->nl, c->lid[0], &c->ack), c->ack);
	pump(c->kid, 2, 10000, 1);
	EXPECT_EQ(1, T.count[0]);
	EXPECT_EQ(PATCH, T.by[0]);
	EXPECT_EQ(0, T.errs[PATCH]) {
		TH_LOG("the patched's accept failed (last: %s)",
		       strerror(T.last_err[PATCH]));
	}
}

/*
 * Detaching one listener must not wait for a task asleep in accept() on
 * another one (detach is meant to be bounded).
 */
struct del_result {
	volatile int done;
	int err;
	char msg[256];
	__u64 t0, t1;
};

TEST_F_TIMEOUT(lt, detach_not_held_up_by_other_listener, 45)
{
	struct ctx *c = &self->c;
	struct del_result *res;
	struct dt_obj o;
	__u64 end;
	int status;

	ctx_pair(_metadata, c, AF_INET, ST_BLOCK, DPO_OWNER_ORIGINAL);
	c->lfd[1] = tcp_listener_ex(AF_INET, false, 1024, &c->port[1]);
	ASSERT_LE(0, c->lfd[1]);
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS2, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS2, c->lfd[1], &o, &c->ack),
		     c->ack);
	c->lid[1] = o.listener_id;
	/* The patched (no owner) sleeps in accept() on listener 0. */
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	ASSERT_EQ(1, wait_in_accept(c->kid[1].pid, 1, 10000, NULL, 0));
	sleep_ms(100);

	res = shared_mem(sizeof(*res));
	ASSERT_NE(MAP_FAILED, res);
	c->helper = fork_flushed();
	ASSERT_LE(0, c->helper);
	if (c->helper == 0) {
		struct dt_sock nl;
		struct dt_ack ack = { 0 };

		if (dt_connect(&nl))
			_exit(1);
		res->t0 = now_ns();
		dt_listener_del(&nl, c->lid[1], &ack);
		res->t1 = now_ns();
		res->err = ack.err;
		snprintf(res->msg, sizeof(res->msg), "%s", ack.msg);
		__sync_synchronize();
		res->done = 1;
		_exit(0);
	}
	/* Held up, it would wait for as long as the sleeper sleeps. */
	end = now_ns() + 10000000000ULL;
	while (!res->done && now_ns() < end)
		sleep_ms(5);
	EXPECT_TRUE(res->done) {
		TH_LOG("LISTENER_DEL of listener %u still waits after 10 s: held up by a task asleep in accept() on listener %u",
		       c->lid[1], c->lid[0]);
	}
	if (!res->done) {
		/* Let the sleeper go: then the detach finishes. */
		acc_kill(&c->kid[1]);
		end = now_ns() + 10000000000ULL;
		while (!res->done && now_ns() < end)
			sleep_ms(5);
		TH_LOG("after the sleeper was killed: %s",
		       res->done ? "done" : "still waiting");
	}
	if (res->done) {
		EXPECT_EQ(0, res->err) {
			TH_LOG("LISTENER_DEL: errno %d '%s'", res->err,
			       res->msg);
		}
		TH_LOG("LISTENER_DEL took %.2f ms", (res->t1 - res->t0) / 1e6);
	}
	ASSERT_EQ(c->helper, waitpid(c->helper, &status, 0));
	c->helper = -1;
	munmap(res, sizeof(*res));
}

/* SO_RCVTIMEO bounds a blocking accept() of the owner and of the non-owner. */
TEST_F_TIMEOUT(lt, rcvtimeo_honoured, 30)
{
	struct ctx *c = &self->c;
	struct timeval tv = { .tv_usec = 300000 };
	__u64 t0, dt;
	struct rep r;
	int ret;

	ctx_pair(_metadata, c, AF_INET, ST_BLOCK, DPO_OWNER_ORIGINAL);
	/* The children accept only on command ('a'): blocking, with a timeout. */
	ASSERT_EQ(0, setsockopt(c->lfd[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	ASSERT_LE(0, ctx_connect_queued(c, 0));
	/*
	 * Measured here, the command's round trip adds to the accept: the
	 * lower bounds hold, the upper ones (that it ends at all) are
	 * generous for a slow VM.
	 */
	t0 = now_ns();
	ret = cmd_accept(_metadata, &c->kid[1]);
	dt = now_ns() - t0;
	EXPECT_EQ(-EAGAIN, ret);
	EXPECT_LE(250000000ULL, dt);
	EXPECT_GE(5000000000ULL, dt);
	TH_LOG("non-owner's accept with a queued connection: EAGAIN after %.1f ms (SO_RCVTIMEO 300 ms)",
	       dt / 1e6);
	/* The owner takes it at once: measured around the accept call. */
	EXPECT_EQ(0, acc_cmd(&c->kid[0], 'a', &r));
	EXPECT_EQ(R_ACCEPT, r.kind);
	EXPECT_EQ(0, r.idx);
	EXPECT_GE(250000000ULL, r.t_exit - r.t_enter);
	t0 = now_ns();
	EXPECT_EQ(-EAGAIN, cmd_accept(_metadata, &c->kid[0]));
	dt = now_ns() - t0;
	EXPECT_LE(250000000ULL, dt);
	EXPECT_GE(5000000000ULL, dt);
}

/* A non-owner asleep in accept() learns that the listener was shut down. */
TEST_F_TIMEOUT(lt, shutdown_wakes_non_owner, 30)
{
	struct ctx *c = &self->c;
	struct dt_obj o;
	__u64 end;

	ctx_pair(_metadata, c, AF_INET, ST_BLOCK, DPO_OWNER_ORIGINAL);
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	ASSERT_EQ(1, wait_in_accept(c->kid[1].pid, 1, 10000, NULL, 0));
	sleep_ms(50);
	ASSERT_EQ(0, shutdown(c->lfd[0], SHUT_RDWR));
	/* Until the failed accept is reported (10 s at most), then a bit. */
	for (end = now_ns() + 10000000000ULL;
	     !T.errs[PATCH] && now_ns() < end;)
		pump(c->kid, 2, 50, 0);
	pump(c->kid, 2, 200, 0);
	EXPECT_LE(1, T.errs[PATCH]);
	EXPECT_EQ(EINVAL, T.last_err[PATCH]);
	EXPECT_EQ(0, T.accepts);
	/* Still attached, no longer listening: GET and DEL work. */
	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[0], &o, &c->ack), c->ack);
	ASSERT_NL_OK(dt_listener_del(&c->nl, c->lid[0], &c->ack), c->ack);
}

/* ---- 6. detach, module pinning, the socket held open ------------------------------------------- */

static void expect_pong(struct __test_metadata *_metadata, struct acc *a,
			int conns, int cfd)
{
	struct rep r;
	__u32 pong = 0;

	ASSERT_EQ(0, acc_cmd(a, 'e', &r));
	EXPECT_EQ(conns, r.idx);
	EXPECT_EQ(0, r.err);
	EXPECT_EQ(0, read_within(cfd, &pong, 4, 3000));
	EXPECT_EQ(0x676e6f70, pong);
}

TEST_F_TIMEOUT(lt, detach_restores_and_module_pinned, 60)
{
	struct ctx *c = &self->c;
	long base, ref;
	struct dt_obj o;
	__u32 old_id;
	int ret, fd;

	ASSERT_TRUE(kmod_loaded());
	base = kmod_refcnt();
	ASSERT_LE(0, base);
	ctx_pair(_metadata, c, AF_INET, ST_CMD, DPO_OWNER_ORIGINAL);
	ref = kmod_refcnt();
	EXPECT_LT(base, ref) {
		TH_LOG("refcnt %ld with a listener attached, %ld before", ref,
		       base);
	}
	ret = kmod_unload();
	EXPECT_EQ(-EWOULDBLOCK, ret) {
		TH_LOG("delete_module with a listener attached: %s",
		       strerror(-ret));
	}
	if (!ret) {
		ASSERT_EQ(0, kmod_load());
		ASSERT_EQ(0, dt_resolve(&c->nl));
		return;
	}

	ASSERT_LE(0, ctx_connect_queued(c, 0));
	ASSERT_LE(0, ctx_connect_queued(c, 1));
	EXPECT_EQ(0, cmd_accept(_metadata, &c->kid[0]));
	EXPECT_EQ(-EAGAIN, cmd_accept(_metadata, &c->kid[1]));
	/* The instance's connection is registered: it holds one. */
	EXPECT_EQ(ref + 1, kmod_refcnt());

	/* Detach: no restriction any more; the connection stays registered. */
	ASSERT_NL_OK(dt_listener_del(&c->nl, c->lid[0], &c->ack), c->ack);
	EXPECT_NL_ERR(dt_listener_get(&c->nl, c->lid[0], NULL, &c->ack),
		      c->ack, ENOENT, "no such listener");
	/* One RCU-tasks grace period: seconds on a slow debug kernel. */
	EXPECT_EQ(base + 1, kmod_refcnt_settle(base + 1, 15000));
	EXPECT_NE(0, cmd_poll(_metadata, &c->kid[1]) & POLLIN);
	EXPECT_EQ(1, cmd_accept(_metadata, &c->kid[1]));
	expect_pong(_metadata, &c->kid[0], 1, c->cfd[0]);
	expect_pong(_metadata, &c->kid[1], 1, c->cfd[1]);

	/* Attached again: a new id, and the session's owner applies. */
	old_id = c->lid[0];
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[0], &o, &c->ack),
		     c->ack);
	c->lid[0] = o.listener_id;
	EXPECT_NE(old_id, c->lid[0]);
	ASSERT_LE(0, ctx_connect_queued(c, 2));
	EXPECT_EQ(-EAGAIN, cmd_accept(_metadata, &c->kid[1]));
	EXPECT_EQ(0, cmd_poll(_metadata, &c->kid[1]) & POLLIN);

	/*
	 * SESSION_DEL detaches and gives the registered connection its
	 * original ops back; then the module can go.
	 */
	ASSERT_NL_OK(dt_session_del(&c->nl, SESS, &c->ack), c->ack);
	EXPECT_EQ(0, dt_wait_idle(&c->nl, 10000, NULL));
	EXPECT_EQ(base, kmod_refcnt_settle(base, 15000));
	ret = kmod_unload();
	EXPECT_EQ(0, ret) {
		TH_LOG("delete_module after SESSION_DEL: %s", strerror(-ret));
	}
	if (!ret) {
		EXPECT_FALSE(kmod_loaded());
		/* Without the module: the connections and the listener work. */
		expect_pong(_metadata, &c->kid[0], 1, c->cfd[0]);
		expect_pong(_metadata, &c->kid[1], 1, c->cfd[1]);
		EXPECT_EQ(2, cmd_accept(_metadata, &c->kid[1]));
		ASSERT_LE(0, ctx_connect_queued(c, 3));
		fd = accept4(c->lfd[0], NULL, NULL, SOCK_CLOEXEC);
		EXPECT_LE(0, fd);
		if (fd >= 0)
			close(fd);
		ASSERT_EQ(0, kmod_load());
		ASSERT_EQ(0, dt_resolve(&c->nl));
	}
}

TEST_F(lt, socket_held_while_attached)
{
	struct ctx *c = &self->c;
	struct dt_obj o;
	int fd, lfd;
	__u16 port;
	__u64 end;

	lfd = tcp_listener(AF_INET, &port);
	ASSERT_LE(0, lfd);
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 100, &c->ack), c->ack);
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, lfd, &o, &c->ack), c->ack);
	c->lid[0] = o.listener_id;
	close(lfd);		/* our only descriptor */
	fd = cli_connect_idx(AF_INET, port, 0);
	EXPECT_LE(0, fd) {
		TH_LOG("connect after close(): %s", strerror(-fd));
	}
	if (fd >= 0)
		close(fd);
	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[0], &o, &c->ack), c->ack);
	EXPECT_EQ(port, o.port);
	ASSERT_NL_OK(dt_listener_del(&c->nl, c->lid[0], &c->ack), c->ack);
	/* The socket goes once dpo lets it go: within 10 s, not never. */
	end = now_ns() + 10000000000ULL;
	while ((fd = cli_connect_idx(AF_INET, port, 1)) >= 0 &&
	       now_ns() < end) {
		close(fd);
		sleep_ms(20);
	}
	EXPECT_EQ(-ECONNREFUSED, fd);
	if (fd >= 0)
		close(fd);
}

/* ---- 7. fail-safe ------------------------------------------------------------------------------ */

FIXTURE(failsafe) {
	struct ctx c;
};

FIXTURE_VARIANT(failsafe) {
	__u8 owner;
	int victim;		/* kid index 0 (original) or 1 (patched) */
	bool by_del;		/* INSTANCE_DEL instead of SIGKILL */
	bool no_other;		/* the other role is not an instance */
	__u8 expect;		/* owner afterwards */
};

FIXTURE_VARIANT_ADD(failsafe, kill_patched_owner) {
	.owner = DPO_OWNER_PATCHED, .victim = 1, .expect = DPO_OWNER_ORIGINAL,
};
FIXTURE_VARIANT_ADD(failsafe, kill_original_owner) {
	.owner = DPO_OWNER_ORIGINAL, .victim = 0, .expect = DPO_OWNER_PATCHED,
};
FIXTURE_VARIANT_ADD(failsafe, del_patched_owner) {
	.owner = DPO_OWNER_PATCHED, .victim = 1, .by_del = true,
	.expect = DPO_OWNER_ORIGINAL,
};
FIXTURE_VARIANT_ADD(failsafe, kill_non_owner) {
	.owner = DPO_OWNER_PATCHED, .victim = 0, .expect = DPO_OWNER_PATCHED,
};
FIXTURE_VARIANT_ADD(failsafe, kill_owner_alone) {
	.owner = DPO_OWNER_PATCHED, .victim = 1, .no_other = true,
	.expect = DPO_OWNER_PATCHED,
};

CTX_FIXTURE_HOOKS(failsafe)

TEST_F_TIMEOUT(failsafe, owner_exit, 45)
{
	struct ctx *c = &self->c;
	struct acc *victim = &c->kid[variant->victim];
	struct acc *other = &c->kid[!variant->victim];
	__u64 t_kill, t_seen = 0, end;
	struct dt_obj o, ntf;
	int ret, got;

	ASSERT_EQ(0, dt_listen(&c->ev, &c->nl, c->nl.grp_events));
	c->lfd[0] = tcp_listener(AF_INET, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	ASSERT_EQ(0, acc_start(&c->kid[0], ORIG, ST_CMD, c->lfd[0]));
	ASSERT_EQ(0, acc_start(&c->kid[1], PATCH, ST_CMD, c->lfd[0]));
	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 50, &c->ack), c->ack);
	ASSERT_NL_OK(dt_instance_add(&c->nl, SESS, victim->pid, victim->role,
				      &c->ack), c->ack);
	if (!variant->no_other) {
		ASSERT_NL_OK(dt_instance_add(&c->nl, SESS, other->pid,
					      other->role, &c->ack), c->ack);
	}
	ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[0], &o, &c->ack),
		     c->ack);
	c->lid[0] = o.listener_id;
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, variant->owner, &c->ack),
		     c->ack);
	ASSERT_EQ(0, dt_wait_ntf(&c->ev, DPO_CMD_OWNER_SET_NTF, 0, &ntf,
				 10000));
	sleep_ms(120);	/* a couple of samples */
	dt_flush_ntf(&c->ev);

	t_kill = now_ns();
	if (variant->by_del) {
		ASSERT_NL_OK(dt_instance_del(&c->nl, victim->pid, &c->ack),
			     c->ack);
	} else {
		ASSERT_EQ(0, kill(victim->pid, SIGKILL));
	}
	end = t_kill + 10000000000ULL;
	while (variant->owner != variant->expect) {
		ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack),
			     c->ack);
		if (o.owner != variant->owner) {
			t_seen = now_ns();
			break;
		}
		if (now_ns() > end)
			break;
		sleep_ms(2);
	}
	if (variant->owner == variant->expect) {
		/* Nothing may change: look for 6 intervals. */
		while (now_ns() < t_kill + 300000000ULL) {
			ASSERT_NL_OK(dt_session_get(&c->nl, SESS, &o, &c->ack),
				     c->ack);
			if (o.owner != variant->owner)
				break;
			sleep_ms(10);
		}
		EXPECT_EQ(variant->expect, o.owner);
		ret = dt_wait_ntf(&c->ev, DPO_CMD_OWNER_SET_NTF, 0, &ntf, 100);
		EXPECT_EQ(-ETIMEDOUT, ret) {
			TH_LOG("OWNER_SET notification: owner %s",
			       owner_name[ntf.owner & 7]);
		}
	} else {
		EXPECT_EQ(variant->expect, o.owner) {
			TH_LOG("owner still %s 10 s after the owner's exit",
			       owner_name[o.owner & 7]);
		}
		ret = dt_wait_ntf(&c->ev, DPO_CMD_OWNER_SET_NTF, 0, &ntf,
				  10000);
		EXPECT_EQ(0, ret) {
			TH_LOG("no OWNER_SET notification for the fail-safe");
		}
		if (!ret) {
			EXPECT_STREQ(SESS, ntf.session);
			EXPECT_EQ(variant->expect, ntf.owner);
			EXPECT_EQ(o.switch_time_ns, ntf.switch_time_ns);
			TH_LOG("owner %s -> %s: switched %.2f ms after the %s, seen by SESSION_GET after %.2f ms (interval 50 ms)",
			       owner_name[variant->owner],
			       owner_name[ntf.owner & 7],
			       ((__s64)ntf.switch_time_ns - (__s64)t_kill) / 1e6,
			       variant->by_del ? "INSTANCE_DEL" : "SIGKILL",
			       t_seen ? (t_seen - t_kill) / 1e6 : -1.0);
			/*
			 * One interval after the exit, plus slack for a slow
			 * VM (the exit itself takes time after SIGKILL); a
			 * missing fail-safe fails above.
			 */
			EXPECT_GE(t_kill + 1000000000ULL, ntf.switch_time_ns);
		}
	}

	/* Who accepts now. */
	ASSERT_LE(0, ctx_connect_queued(c, 0));
	got = cmd_accept(_metadata, other);
	if (variant->no_other || !owner_allows(variant->expect, other->role)) {
		EXPECT_EQ(variant->no_other ? 0 : -EAGAIN, got);
	} else {
		EXPECT_EQ(0, got);
	}
	if (variant->by_del) {
		/* Not an instance any more: unrestricted. */
		ASSERT_LE(0, ctx_connect_queued(c, 1));
		EXPECT_EQ(1, cmd_accept(_metadata, victim));
	}
}

/* ---- 8. TCP_ULP and IPV6_ADDRFORM are refused while attached -------------------------------------- */

TEST_F(lt, ulp_refused_while_attached)
{
	struct ctx *c = &self->c;
	int one = 1, v = 0, i, ret, f;
	socklen_t len = sizeof(v);
	struct dt_obj o;

	ASSERT_NL_OK(dt_session_new(&c->nl, SESS, 100, &c->ack), c->ack);
	for (i = 0; i < 2; i++) {
		f = i ? AF_INET6 : AF_INET;
		c->lfd[i] = tcp_listener(f, &c->port[i]);
		ASSERT_LE(0, c->lfd[i]);
		ASSERT_NL_OK(dt_listener_add(&c->nl, SESS, c->lfd[i], &o,
					      &c->ack), c->ack);
		c->lid[i] = o.listener_id;
		errno = 0;
		ret = setsockopt(c->lfd[i], SOL_TCP, TCP_ULP, "tls", 3);
		EXPECT_EQ(-1, ret);
		EXPECT_EQ(EBUSY, errno) {
			TH_LOG("%s: TCP_ULP tls: %s", i ? "IPv6" : "IPv4",
			       strerror(errno));
		}
		/* Other options pass through. */
		EXPECT_EQ(0, setsockopt(c->lfd[i], SOL_TCP, TCP_NODELAY, &one,
					sizeof(one)));
		EXPECT_EQ(0, getsockopt(c->lfd[i], SOL_TCP, TCP_NODELAY, &v,
					&len));
		EXPECT_NE(0, v);
	}
	errno = 0;
	ret = setsockopt(c->lfd[1], SOL_IPV6, IPV6_ADDRFORM, &(int){ AF_INET },
			 sizeof(int));
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EBUSY, errno);

	/* Detached: the kernel's own answers (not connected, no tls). */
	for (i = 0; i < 2; i++) {
		ASSERT_NL_OK(dt_listener_del(&c->nl, c->lid[i], &c->ack),
			     c->ack);
		errno = 0;
		ret = setsockopt(c->lfd[i], SOL_TCP, TCP_ULP, "tls", 3);
		EXPECT_EQ(-1, ret);
		EXPECT_NE(EBUSY, errno);
	}
	errno = 0;
	ret = setsockopt(c->lfd[1], SOL_IPV6, IPV6_ADDRFORM, &(int){ AF_INET },
			 sizeof(int));
	EXPECT_EQ(-1, ret);
	EXPECT_NE(EBUSY, errno);
}

/* ---- 7. exclusive waiters of both roles ------------------------------------------ */

/*
 * Both instances wait with EPOLLEXCLUSIVE (nginx-style workers). A new
 * connection wakes one exclusive waiter only: if that is the instance
 * that may not accept, its poll hides the connection, and before dpo
 * woke every waiter in that case, the owner slept on and the connection
 * stayed queued. Registered in either order; owner flips; each connection
 * is waited for before the next (a lull after every one), then bursts.
 */
FIXTURE(excl) {
	struct ctx c;
};

FIXTURE_VARIANT(excl) {
	int first;		/* the child that waits first: 0 original */
};

FIXTURE_VARIANT_ADD(excl, original_waits_first) { .first = 0 };
FIXTURE_VARIANT_ADD(excl, patched_waits_first) { .first = 1 };

CTX_FIXTURE_HOOKS(excl)

#define EXCL_ROUNDS	4
#define EXCL_SINGLE	5	/* one at a time, each waited for */
#define EXCL_BURST	15

TEST_F_TIMEOUT(excl, owner_gets_every_connection, 180)
{
	struct ctx *c = &self->c;
	int round, k, idx = 0, stuck = 0, wrong = 0, want, i;

	c->lfd[0] = tcp_listener(AF_INET, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	ASSERT_EQ(0, acc_start(&c->kid[0], ORIG, ST_EPOLL_EXCL, c->lfd[0]));
	ASSERT_EQ(0, acc_start(&c->kid[1], PATCH, ST_EPOLL_EXCL, c->lfd[0]));
	ctx_session(_metadata, c, DPO_OWNER_ORIGINAL);
	/* Wait entries in a known order: the first child's is first. */
	for (i = 0; i < 2; i++) {
		int kid = i ? !variant->first : variant->first;

		ASSERT_EQ(0, acc_send(&c->kid[kid], 'g'));
		ASSERT_EQ(1, acc_wait_asleep(&c->kid[kid], 10000));
	}

	for (round = 0; round < EXCL_ROUNDS; round++) {
		int role = round % 2 ? PATCH : ORIG;

		ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, round % 2 ?
					   DPO_OWNER_PATCHED :
					   DPO_OWNER_ORIGINAL, &c->ack),
			     c->ack);
		for (k = 0; k < EXCL_SINGLE; k++, idx++) {
			ASSERT_LE(0, ctx_connect(c, idx));
			pump(c->kid, 2, stuck ? 500 : 5000, idx + 1);
			if (!T.count[idx])
				stuck++;
			else if (T.by[idx] != role)
				wrong++;
		}
		for (k = 0; k < EXCL_BURST; k++)
			ASSERT_LE(0, ctx_connect(c, idx + k));
		want = idx + EXCL_BURST;
		pump(c->kid, 2, 10000, want);
		for (; idx < want; idx++) {
			if (!T.count[idx])
				stuck++;
			else if (T.by[idx] != role)
				wrong++;
		}
		/* Whatever was stuck comes out now, if ever: not counted. */
		pump(c->kid, 2, 100, 0);
	}
	TH_LOG("%s waits first: %d connections, %d taken (original %d, patched %d), %d stuck, %d by the non-owner; spurious wakeups: original %d, patched %d",
	       variant->first ? "patched" : "original", idx, T.accepts,
	       T.per_role[ORIG], T.per_role[PATCH], stuck, wrong,
	       T.spurious[ORIG], T.spurious[PATCH]);
	EXPECT_EQ(0, stuck) {
		TH_LOG("connections left queued while the owner slept");
	}
	EXPECT_EQ(0, wrong);
	EXPECT_EQ(idx, T.accepts);
	EXPECT_EQ(0, T.errs[ORIG] + T.errs[PATCH]);
}

/* ---- 8. many tasks asleep in the original accept at attach (prefork) ------------------ */

TEST_F_TIMEOUT(lt, sixty_four_sleepers_kicked, 120)
{
	struct ctx *c = &self->c;
	int n, i;
	struct dt_obj o;

	c->lfd[0] = tcp_listener_ex(AF_INET, false, 1024, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	ASSERT_EQ(0, acc_start(&c->kid[0], ORIG, ST_BLOCK_64, c->lfd[0]));
	ASSERT_EQ(0, acc_start(&c->kid[1], PATCH, ST_BLOCK, c->lfd[0]));
	ASSERT_EQ(0, acc_send(&c->kid[0], 'g'));
	ASSERT_EQ(64, wait_in_accept(c->kid[0].pid, 64, 20000, NULL, 0));
	sleep_ms(100);	/* past the syscall entry: asleep in the kernel's */

	ctx_session(_metadata, c, DPO_OWNER_PATCHED);
	/* All 64 restarted into dpo's accept, none failed. */
	n = wait_in_accept(c->kid[0].pid, 64, 20000, NULL, 0);
	EXPECT_EQ(64, n);

	for (i = 0; i < 32; i++)
		ASSERT_LE(0, ctx_connect(c, i));
	pump(c->kid, 2, 1500, 0);
	EXPECT_EQ(0, T.per_role[ORIG]) {
		TH_LOG("%d connections the patched owns taken by sleepers of the original accept",
		       T.per_role[ORIG]);
	}
	/* The patched, started now, gets them all. */
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	pump(c->kid, 2, 10000, 32);
	EXPECT_EQ(32, T.per_role[PATCH]);

	/* The original's 64 threads still accept, through dpo. */
	ASSERT_NL_OK(dt_owner_set(&c->nl, SESS, DPO_OWNER_ORIGINAL, &c->ack),
		     c->ack);
	for (i = 32; i < 64; i++)
		ASSERT_LE(0, ctx_connect(c, i));
	pump(c->kid, 2, 10000, 64);
	EXPECT_EQ(32, T.per_role[ORIG]);
	EXPECT_EQ(32, T.per_role[PATCH]);
	EXPECT_EQ(0, T.errs[ORIG]) {
		TH_LOG("the original's accept failed %d times (last: %s)",
		       T.errs[ORIG], strerror(T.last_err[ORIG]));
	}
	ASSERT_NL_OK(dt_listener_get(&c->nl, c->lid[0], &o, &c->ack), c->ack);
	EXPECT_EQ(32, o.accepted_original);
	EXPECT_EQ(32, o.accepted_patched);
}

/* ---- 9. a process holding its listener's socket lock ------------------------------ */

struct sockopt_call {
	int fd;
	void *optval;
	int ret;
};

/* IP_OPTIONS copies its value under the socket lock: it waits there. */
static void *ip_options_thread(void *arg)
{
	struct sockopt_call *sc = arg;

	sc->ret = setsockopt(sc->fd, IPPROTO_IP, IP_OPTIONS, sc->optval, 4);
	if (sc->ret)
		sc->ret = -errno;
	return NULL;
}

/* In a child, with a deadline: SESSION_DEL, or open + close a genl socket. */
enum nl_job { JOB_SESSION_DEL, JOB_GENL_OPEN_CLOSE };

static int timed_job(enum nl_job job, int ms, double *took_ms)
{
	__u64 t0 = now_ns();
	struct pollfd p = { .events = POLLIN };
	int rep[2], ret = -ETIMEDOUT;
	pid_t pid;

	if (pipe2(rep, O_CLOEXEC))
		return -errno;
	pid = fork_flushed();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct dt_sock nl;
		int r = dt_connect(&nl);

		if (!r && job == JOB_SESSION_DEL)
			r = dt_session_del(&nl, SESS, NULL);
		if (!r)
			dt_close(&nl);	/* URELEASE: the host's notifier */
		if (write(rep[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(rep[1]);
	p.fd = rep[0];
	if (poll(&p, 1, ms) == 1 && read(rep[0], &ret, sizeof(ret)) !=
	    sizeof(ret))
		ret = -EPROTO;
	*took_ms = (now_ns() - t0) / 1e6;
	close(rep[0]);
	/* A child stuck in the kernel is reaped when it gets out. */
	if (ret == -ETIMEDOUT)
		kill(pid, SIGKILL);
	else
		waitpid(pid, NULL, 0);
	return ret;
}

/*
 * A server holds its listener's socket lock as long as it likes (here a
 * setsockopt copying its value from a userfaultfd page; a FUSE mapping
 * does the same), and the owner's accept waits for that lock inside dpo.
 * Before, SESSION_DEL waited for the lock under dpo_lock, and the netlink
 * release notifier took dpo_lock: every generic netlink socket closed on
 * the host hung. Now: SESSION_DEL returns, other sockets open and close.
 */
TEST_F_TIMEOUT(lt, socket_lock_holder_stalls_nothing, 90)
{
	struct ctx *c = &self->c;
	struct sockopt_call sc = { .ret = 1 };
	double took_del, took_nl[3];
	int uffd, ret, ret_nl[3], i;
	struct dt_obj st;
	void *page;
	pthread_t th;

	uffd = uffd_page(&page);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(-uffd));

	ctx_pair(_metadata, c, AF_INET, ST_BLOCK, DPO_OWNER_ORIGINAL);
	ASSERT_EQ(0, acc_send(&c->kid[0], 'g'));
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	ASSERT_EQ(1, wait_in_accept(c->kid[0].pid, 1, 10000, NULL, 0));
	ASSERT_EQ(1, wait_in_accept(c->kid[1].pid, 1, 10000, NULL, 0));

	/* The lock is held: the setsockopt waits for its page. */
	sc.fd = c->lfd[0];
	sc.optval = page;
	ASSERT_EQ(0, pthread_create(&th, NULL, ip_options_thread, &sc));
	ASSERT_EQ(0, uffd_wait_fault(uffd, 10000));
	/* The owner's accept is woken and waits for the lock in dpo. */
	ASSERT_LE(0, ctx_connect(c, 0));
	sleep_ms(200);

	ret = timed_job(JOB_SESSION_DEL, 10000, &took_del);
	for (i = 0; i < 3; i++)
		ret_nl[i] = timed_job(JOB_GENL_OPEN_CLOSE, 5000, &took_nl[i]);
	TH_LOG("listener's socket lock held: SESSION_DEL %s in %.1f ms; genl socket open+close %.1f / %.1f / %.1f ms",
	       ret ? strerror(-ret) : "ok", took_del, took_nl[0], took_nl[1],
	       took_nl[2]);
	EXPECT_EQ(0, ret);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, ret_nl[i]);
	/* dpo commands still work meanwhile: the listener is gone. */
	EXPECT_EQ(0, dt_listener_dump(&c->nl, &st, 1, &i, NULL));
	EXPECT_EQ(0, i);

	/* The page arrives: the setsockopt ends, the accept takes its own. */
	ASSERT_EQ(0, uffd_release(uffd, page));
	pthread_join(th, NULL);
	EXPECT_EQ(0, sc.ret) TH_LOG("setsockopt: %s", strerror(-sc.ret));
	pump(c->kid, 2, 10000, 1);
	EXPECT_EQ(1, T.accepts);
	uffd_close(uffd, page);
}

/* ---- 10. what a new connection wakes; a listener that stopped listening ---------- */

static void add_vol_switches(pid_t pid, pid_t tid, void *sum)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	if (read_text(path, buf, sizeof(buf)) < 0)
		return;
	p = strstr(buf, "voluntary_ctxt_switches:");
	if (p && (p == buf || p[-1] == '\n'))
		*(long *)sum += atol(p + strlen("voluntary_ctxt_switches:"));
}

/* Voluntary context switches of all threads of @pid. */
static long vol_switches(pid_t pid)
{
	long sum = 0;

	if (for_each_thread(pid, add_vol_switches, &sum))
		return -1;
	return sum;
}

/*
 * 64 threads of the non-owner asleep in dpo's accept: a new connection for
 * the owner wakes none of them (before, every connection woke every
 * blocked acceptor of both roles: 64 wakeups each).
 */
#define HERD_N	40

TEST_F_TIMEOUT(lt, non_owner_sleepers_not_woken, 120)
{
	struct ctx *c = &self->c;
	long before, after;
	int i;

	c->lfd[0] = tcp_listener_ex(AF_INET, false, 1024, &c->port[0]);
	ASSERT_LE(0, c->lfd[0]);
	ASSERT_EQ(0, acc_start(&c->kid[0], ORIG, ST_BLOCK, c->lfd[0]));
	ASSERT_EQ(0, acc_start(&c->kid[1], PATCH, ST_BLOCK_64, c->lfd[0]));
	ctx_session(_metadata, c, DPO_OWNER_ORIGINAL);
	ASSERT_EQ(0, acc_send(&c->kid[0], 'g'));
	ASSERT_EQ(0, acc_send(&c->kid[1], 'g'));
	ASSERT_EQ(1, wait_in_accept(c->kid[0].pid, 1, 10000, NULL, 0));
	ASSERT_EQ(64, wait_in_accept(c->kid[1].pid, 64, 20000, NULL, 0));
	sleep_ms(200);

	before = vol_switches(c->kid[1].pid);
	for (i = 0; i < HERD_N; i++) {
		ASSERT_LE(0, ctx_connect(c, i));
		pump(c->kid, 2, 5000, i + 1);
	}
	after = vol_switches(c->kid[1].pid);
	TH_LOG("%d connections for the owner: the non-owner's 64 sleeping threads switched %ld times",
	       HERD_N, after - before);
	EXPECT_EQ(HERD_N, T.per_role[ORIG]);
	EXPECT_EQ(0, T.per_role[PATCH]);
	/* Each connection woke all 64 before: 2,560; a few are noise. */
	EXPECT_GT(HERD_N * 64 / 8, after - before);
}

/*
 * A listener shut down and connected somewhere (it keeps dpo's ops until
 * detached) is an ordinary connection: data makes it readable for every
 * process, the non-owner too.
 */
TEST_F(lt, stopped_listening_not_masked)
{
	struct ctx *c = &self->c;
	struct sockaddr_storage ss;
	socklen_t len;
	__u16 port;
	int other, peer;

	ctx_pair(_metadata, c, AF_INET, ST_CMD, DPO_OWNER_ORIGINAL);
	other = tcp_listener_ex(AF_INET, false, 1024, &port);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, shutdown(c->lfd[0], SHUT_RDWR));
	len = loopback(AF_INET, port, &ss);
	ASSERT_EQ(0, fcntl(c->lfd[0], F_SETFL, 0));
	ASSERT_EQ(0, connect(c->lfd[0], (struct sockaddr *)&ss, len)) {
		TH_LOG("connect after shutdown: %s", strerror(errno));
	}
	peer = accept(other, NULL, NULL);
	ASSERT_LE(0, peer);
	ASSERT_EQ(1, write(peer, "x", 1));
	sleep_ms(50);
	/* The patched may not accept; this is not a listener any more. */
	EXPECT_TRUE(cmd_poll(_metadata, &c->kid[1]) & POLLIN);
	EXPECT_TRUE(cmd_poll(_metadata, &c->kid[0]) & POLLIN);
	close(peer);
	close(other);
}

TEST_HARNESS_MAIN
