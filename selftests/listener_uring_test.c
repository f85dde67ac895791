// SPDX-License-Identifier: GPL-2.0
/*
 * dpo listening-socket ownership with io_uring accept (IORING_OP_ACCEPT).
 *
 * io_uring accepts through do_accept(), so dpo's accept and poll wrappers
 * apply: io_uring first tries a non-blocking accept (dpo answers -EAGAIN
 * to a non-owner), then arms poll (dpo hides EPOLLIN from a non-owner) and
 * tries again when woken. With IOSQE_ASYNC ("async" variants) the accept
 * is issued from an io-wq worker thread of the process instead (which, for
 * a pollable file, also tries non-blocking and then arms poll).
 *
 * No liburing: a small ring helper on the raw syscalls, one ACCEPT SQE at
 * a time. The instances are children forked after the listener was
 * created (they inherit it); each reports every connection it takes (the
 * client's index, the first four bytes it sent) and every failed accept
 * on a pipe, which the test reads with a deadline, so that an accept that
 * never completes cannot hang the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "dpo_harness.h"
#include "conn_util.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup	425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter	426
#endif

#define SESS	"st-uring"
#define ORIG	DPO_ROLE_ORIGINAL
#define PATCH	DPO_ROLE_PATCHED
#define NIDX	64

/* ---- a minimal io_uring ---------------------------------------------------- */

struct uring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* 0 or -errno (-ENOSYS / -EPERM: io_uring not available). */
static int uring_init(struct uring *u, unsigned int entries)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	void *sq, *cq, *sqes;

	memset(&p, 0, sizeof(p));
	u->fd = syscall(__NR_io_uring_setup, entries, &p);
	if (u->fd < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_len > sq_len)
			sq_len = cq_len;
		cq_len = sq_len;
	}
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		return -errno;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		cq = sq;
	} else {
		cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			return -errno;
	}
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
		    IORING_OFF_SQES);
	if (sqes == MAP_FAILED)
		return -errno;
	u->sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	u->sq_mask = (unsigned int *)((char *)sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	u->cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	u->cq_tail = (unsigned int *)((char *)cq + p.cq_off.tail);
	u->cq_mask = (unsigned int *)((char *)cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
	u->sqes = sqes;
	return 0;
}

/* Queue one IORING_OP_ACCEPT on @lfd (not yet submitted). */
static void uring_prep_accept(struct uring *u, int lfd, bool async)
{
	unsigned int tail = *u->sq_tail, i = tail & *u->sq_mask;
	struct io_uring_sqe *sqe = &u->sqes[i];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_ACCEPT;
	sqe->fd = lfd;
	sqe->accept_flags = SOCK_CLOEXEC;
	sqe->flags = async ? IOSQE_ASYNC : 0;
	sqe->user_data = 0x75726e67;
	u->sq_array[i] = i;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Reap one CQE if there is one: 1 (result in *res) or 0. */
static int uring_reap(struct uring *u, int *res)
{
	unsigned int head = *u->cq_head;

	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return 0;
	*res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return 1;
}

/* Submit the queued SQE and wait for its completion; its res, or -errno. */
static int uring_accept_wait(struct uring *u, int lfd, bool async)
{
	int ret, res;

	uring_prep_accept(u, lfd, async);
	do {
		ret = syscall(__NR_io_uring_enter, u->fd, 1, 1,
			      IORING_ENTER_GETEVENTS, NULL, 0);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (ret != 1)
		return -EIO;
	while (!uring_reap(u, &res)) {
		ret = syscall(__NR_io_uring_enter, u->fd, 0, 1,
			      IORING_ENTER_GETEVENTS, NULL, 0);
		if (ret < 0 && errno != EINTR)
			return -errno;
	}
	return res;
}

/* ---- the instances ------------------------------------------------------------ */

enum style {
	ST_IDLE,	/* accepts nothing */
	ST_BLOCK,	/* blocking accept4() */
	ST_URING,	/* io_uring ACCEPT, one at a time, re-submitted */
};

enum rep_kind {
	R_SETUP = 1,	/* err: io_uring_setup's errno (0: ready) */
	R_ACCEPT,	/* idx */
	R_ERR,		/* err: the accept's error (positive errno) */
};

struct rep {
	__s32 kind, idx, err;
};

struct kid {
	pid_t pid;
	int cmd_fd, rep_fd;
	__u8 role;
};

static int c_rep;

static void c_report(int kind, int idx, int err)
{
	struct rep r = { kind, idx, err };

	if (write(c_rep, &r, sizeof(r)) != sizeof(r))
		_exit(110);
}

static void c_take(int cfd)
{
	__s32 idx = -1;

	if (read_within(cfd, &idx, sizeof(idx), 3000))
		idx = -1;
	close(cfd);
	c_report(R_ACCEPT, idx, 0);
}

static void __attribute__((noreturn))
kid_main(int lfd, int style, bool async, int cmd_fd)
{
	struct uring u = { .fd = -1 };
	int ret;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (style == ST_URING) {
		ret = uring_init(&u, 4);
		c_report(R_SETUP, 0, -ret);
		if (ret)
			_exit(0);
	} else {
		c_report(R_SETUP, 0, 0);
	}
	/* 'g': start accepting. */
	if (read(cmd_fd, &c, 1) != 1)
		_exit(0);
	for (;;) {
		switch (style) {
		case ST_BLOCK:
			ret = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (ret < 0)
				ret = -errno;
			break;
		case ST_URING:
			ret = uring_accept_wait(&u, lfd, async);
			break;
		default:
			pause();
			continue;
		}
		if (ret >= 0) {
			c_take(ret);
			continue;
		}
		c_report(R_ERR, -1, -ret);
		if (ret != -EINTR && ret != -EAGAIN)
			sleep_ms(100);
	}
}

/* 0, or the child's io_uring_setup errno (positive), or -errno. */
static int kid_start(struct kid *k, __u8 role, int style, bool async, int lfd)
{
	int cmd_fd, rep_fd;
	struct rep r;

	k->role = role;
	k->pid = fork_piped(&cmd_fd, &rep_fd);
	if (k->pid < 0)
		return k->pid;
	if (k->pid == 0) {
		c_rep = rep_fd;
		kid_main(lfd, style, async, cmd_fd);
	}
	k->cmd_fd = cmd_fd;
	k->rep_fd = rep_fd;
	if (read_within(k->rep_fd, &r, sizeof(r), 15000) || r.kind != R_SETUP)
		return -EPROTO;
	return r.err;
}

static int kid_go(struct kid *k)
{
	return write(k->cmd_fd, "g", 1) == 1 ? 0 : -errno;
}

static void kid_kill(struct kid *k)
{
	kill_piped(&k->pid, &k->cmd_fd, &k->rep_fd);
}

/* Is @pid's main thread asleep in io_uring_enter() / accept4()? */
static bool asleep_in(pid_t pid, long nr)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	if (read_long(path) != nr)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return read_text(path, buf, sizeof(buf)) >= 0 &&
	       strstr(buf, ") S ") != NULL;
}

static bool wait_asleep(pid_t pid, long nr, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;

	while (!asleep_in(pid, nr)) {
		if (now_ns() > end)
			return false;
		sleep_ms(5);
	}
	return true;
}

/* The accept queue of listener @lfd once it holds @want, or after @ms. */
static int wait_backlog(int lfd, int want, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	struct tcp_info ti;
	socklen_t len;

	for (;;) {
		len = sizeof(ti);
		memset(&ti, 0, sizeof(ti));
		if (getsockopt(lfd, SOL_TCP, TCP_INFO, &ti, &len))
			return -errno;
		/* A listener's tcpi_unacked is its sk_ack_backlog. */
		if ((int)ti.tcpi_unacked >= want || now_ns() > end)
			return ti.tcpi_unacked;
		sleep_ms(2);
	}
}

/* ---- what the instances reported ---------------------------------------------- */

struct tally {
	int accepts[3];		/* by role */
	int count[NIDX];	/* times index i was taken */
	int bad_idx;
	int errs[3], last_err[3];
};

/*
 * Read the reports for up to @ms, or until @until accepts were counted in
 * all (0: the whole @ms).
 */
static void pump(struct kid *kids, int n, struct tally *t, int ms, int until)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;

	for (;;) {
		struct pollfd p[2];
		__u64 now = now_ns();
		int i, ret;

		if (until && t->accepts[ORIG] + t->accepts[PATCH] >= until)
			return;
		for (i = 0; i < n; i++) {
			p[i].fd = kids[i].rep_fd;
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		ret = poll(p, n, now >= end ? 0 : (end - now) / 1000000 + 1);
		if (ret <= 0) {
			if (now >= end)
				return;
			continue;
		}
		for (i = 0; i < n; i++) {
			struct rep r;

			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			if (!(p[i].revents & POLLIN) ||
			    read(kids[i].rep_fd, &r, sizeof(r)) != sizeof(r)) {
				close(kids[i].rep_fd);
				kids[i].rep_fd = -1;
				continue;
			}
			if (r.kind == R_ACCEPT) {
				t->accepts[kids[i].role]++;
				if (r.idx >= 0 && r.idx < NIDX)
					t->count[r.idx]++;
				else
					t->bad_idx++;
			} else if (r.kind == R_ERR) {
				t->errs[kids[i].role]++;
				t->last_err[kids[i].role] = r.err;
			}
		}
	}
}

/* ---- fixture ------------------------------------------------------------------- */

FIXTURE(ur) {
	struct dt_sock nl;
	struct dt_ack ack;
	struct kid kid[2];	/* 0: original (io_uring), 1: patched */
	int lfd;
	__u16 port;
	__u32 lid;
	int cfd[NIDX];
	int ncfd;
	struct tally t;
};

FIXTURE_VARIANT(ur) {
	bool async;		/* IOSQE_ASYNC: issued from an io-wq worker */
};

FIXTURE_VARIANT_ADD(ur, poll) {
	.async = false,
};

FIXTURE_VARIANT_ADD(ur, async) {
	.async = true,
};

FIXTURE_SETUP(ur)
{
	int i;

	memset(&self->t, 0, sizeof(self->t));
	self->ncfd = 0;
	self->lfd = -1;
	for (i = 0; i < 2; i++)
		self->kid[i].pid = self->kid[i].cmd_fd =
			self->kid[i].rep_fd = -1;
	self->nl.fd = -1;
	ASSERT_CONNECT_RESET(&self->nl);
	self->lfd = tcp_listener_ex(AF_INET, false, 256, &self->port);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(ur)
{
	int i;

	teardown_begin(_metadata);
	for (i = 0; i < 2; i++)
		kid_kill(&self->kid[i]);
	for (i = 0; i < self->ncfd; i++)
		close(self->cfd[i]);
	if (self->lfd >= 0)
		close(self->lfd);
	EXPECT_RESET_CLOSE(&self->nl);
}

/*
 * The original accepts with io_uring, the patched in @patched_style; both
 * instances of SESS, the listener attached, @owner set. Returns false
 * (after SKIP) if io_uring is not available.
 */
static bool ur_pair(struct __test_metadata *_metadata,
		    FIXTURE_DATA(ur) * self, bool async, int patched_style,
		    __u8 owner)
{
	int ret;

	ret = kid_start(&self->kid[0], ORIG, ST_URING, async, self->lfd);
	if (ret == ENOSYS || ret == EPERM) {
		SKIP(return false, "io_uring_setup: %s", strerror(ret));
	}
	EXPECT_EQ(0, ret) {
		TH_LOG("io_uring child: %d (%s)", ret, strerror(abs(ret)));
	}
	if (ret)
		return false;
	EXPECT_EQ(0, kid_start(&self->kid[1], PATCH, patched_style, false,
			       self->lfd));
	EXPECT_NL_OK(dt_session_pair(&self->nl, SESS, self->kid[0].pid,
				     self->kid[1].pid, self->lfd, &self->lid,
				     owner, &self->ack), self->ack);
	return _metadata->passed;
}

static int ur_connect(FIXTURE_DATA(ur) * self, int idx)
{
	return keep_fd(self->cfd, &self->ncfd, NIDX,
		       cli_connect_idx(AF_INET, self->port, idx));
}

/* ---- 1. ownership, then a switch, with a waiting io_uring accept -------------- */

TEST_F_TIMEOUT(ur, owner_switch, 60)
{
	struct tally *t = &self->t;
	struct dt_obj o;
	__u64 t0;
	int i;

	if (!ur_pair(_metadata, self, variant->async, ST_BLOCK,
		     DPO_OWNER_PATCHED))
		return;
	ASSERT_EQ(0, kid_go(&self->kid[0]));
	ASSERT_EQ(0, kid_go(&self->kid[1]));
	ASSERT_TRUE(wait_asleep(self->kid[0].pid, __NR_io_uring_enter, 10000));
	ASSERT_TRUE(wait_asleep(self->kid[1].pid, __NR_accept4, 10000));
	sleep_ms(50);

	/* Owner PATCHED: the patched takes all 20. */
	t0 = now_ns();
	for (i = 0; i < 20; i++)
		ASSERT_LE(0, ur_connect(self, i));
	pump(self->kid, 2, t, 15000, 20);
	TH_LOG("owner PATCHED: 20 connections taken in %.1f ms: patched %d, original (io_uring%s) %d",
	       (now_ns() - t0) / 1e6, t->accepts[PATCH],
	       variant->async ? ", IOSQE_ASYNC" : "", t->accepts[ORIG]);
	pump(self->kid, 2, t, 300, 0);	/* anything more must not come */
	EXPECT_EQ(20, t->accepts[PATCH]);
	EXPECT_EQ(0, t->accepts[ORIG]);
	EXPECT_EQ(0, t->errs[ORIG]) {
		TH_LOG("io_uring accept failed %d times, last: %s",
		       t->errs[ORIG], strerror(t->last_err[ORIG]));
	}
	/*
	 * The io_uring accept is still pending (a retry after a wakeup runs
	 * for a moment: look for the sleep for a while, not once).
	 */
	EXPECT_TRUE(wait_asleep(self->kid[0].pid, __NR_io_uring_enter, 10000));

	/* OWNER_SET ORIGINAL: the pending io_uring accept takes the next 20. */
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	sleep_ms(20);
	t0 = now_ns();
	for (i = 20; i < 40; i++)
		ASSERT_LE(0, ur_connect(self, i));
	pump(self->kid, 2, t, 15000, 40);
	TH_LOG("owner ORIGINAL: 20 connections taken in %.1f ms: original (io_uring) %d, patched %d",
	       (now_ns() - t0) / 1e6, t->accepts[ORIG], t->accepts[PATCH] - 20);
	pump(self->kid, 2, t, 300, 0);
	EXPECT_EQ(20, t->accepts[ORIG]);
	EXPECT_EQ(20, t->accepts[PATCH]);
	/* A switch must not fail the pending accept (no -EINTR either). */
	EXPECT_EQ(0, t->errs[ORIG]) {
		TH_LOG("io_uring accept failed %d times, last: %d (%s)",
		       t->errs[ORIG], t->last_err[ORIG],
		       strerror(t->last_err[ORIG]));
	}
	EXPECT_EQ(0, t->errs[PATCH]);
	EXPECT_EQ(0, t->bad_idx);
	for (i = 0; i < 40; i++)
		EXPECT_EQ(1, t->count[i]);

	ASSERT_NL_OK(dt_listener_get(&self->nl, self->lid, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(20, o.accepted_original);
	EXPECT_EQ(20, o.accepted_patched);
	EXPECT_EQ(0, o.accepted_other);
}

/* ---- 2. a backlog queued before the io_uring accept starts -------------------- */

TEST_F_TIMEOUT(ur, queued_backlog, 60)
{
	struct tally *t = &self->t;
	struct dt_obj o;
	__u64 t0;
	int i;

	if (!ur_pair(_metadata, self, variant->async, ST_BLOCK,
		     DPO_OWNER_ORIGINAL))
		return;
	/* The patched (not the owner) waits in accept4() meanwhile. */
	ASSERT_EQ(0, kid_go(&self->kid[1]));
	ASSERT_TRUE(wait_asleep(self->kid[1].pid, __NR_accept4, 10000));
	for (i = 0; i < 10; i++)
		ASSERT_LE(0, ur_connect(self, i));
	/* All 10 queued, none taken by the patched. */
	EXPECT_EQ(10, wait_backlog(self->lfd, 10, 10000));
	pump(self->kid, 2, t, 0, 0);
	EXPECT_EQ(0, t->accepts[PATCH]);

	t0 = now_ns();
	ASSERT_EQ(0, kid_go(&self->kid[0]));
	pump(self->kid, 2, t, 15000, 10);
	TH_LOG("10 queued connections: original (io_uring%s) took %d in %.1f ms, patched %d",
	       variant->async ? ", IOSQE_ASYNC" : "", t->accepts[ORIG],
	       (now_ns() - t0) / 1e6, t->accepts[PATCH]);
	pump(self->kid, 2, t, 300, 0);
	EXPECT_EQ(10, t->accepts[ORIG]);
	EXPECT_EQ(0, t->accepts[PATCH]);
	EXPECT_EQ(0, t->errs[ORIG]) {
		TH_LOG("io_uring accept failed %d times, last: %d (%s)",
		       t->errs[ORIG], t->last_err[ORIG],
		       strerror(t->last_err[ORIG]));
	}
	EXPECT_EQ(0, t->bad_idx);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(1, t->count[i]);
	/* Then it waits again, with nothing left. */
	EXPECT_TRUE(wait_asleep(self->kid[0].pid, __NR_io_uring_enter, 10000));

	ASSERT_NL_OK(dt_listener_get(&self->nl, self->lid, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(10, o.accepted_original);
	EXPECT_EQ(0, o.accepted_patched);
}

/* ---- 3. detach while a non-owner's io_uring accept is pending ----------------- */

TEST_F_TIMEOUT(ur, detach_while_pending, 60)
{
	struct tally *t = &self->t;
	__u64 t0, dt;

	if (!ur_pair(_metadata, self, variant->async, ST_IDLE,
		     DPO_OWNER_PATCHED))
		return;
	ASSERT_EQ(0, kid_go(&self->kid[0]));
	ASSERT_TRUE(wait_asleep(self->kid[0].pid, __NR_io_uring_enter, 10000));
	/* A connection the original may not take: it stays queued. */
	ASSERT_LE(0, ur_connect(self, 0));
	/* Queued (the original's accept had its chance), then a while. */
	EXPECT_EQ(1, wait_backlog(self->lfd, 1, 10000));
	sleep_ms(200);
	pump(self->kid, 2, t, 0, 0);
	ASSERT_EQ(0, t->accepts[ORIG]);
	ASSERT_EQ(0, t->errs[ORIG]);

	t0 = now_ns();
	ASSERT_NL_OK(dt_listener_del(&self->nl, self->lid, &self->ack),
		     self->ack);
	dt = now_ns() - t0;
	TH_LOG("LISTENER_DEL with an io_uring accept%s pending in the non-owner: %.2f ms",
	       variant->async ? " (IOSQE_ASYNC)" : "", dt / 1e6);
	/* Bounded (not waiting for the accept): 5 s for a slow VM. */
	EXPECT_GT(5000000000ULL, dt);

	/*
	 * Detached: the original is unrestricted. The pending accept may
	 * fail once (-EINTR), or take the connection queued before.
	 */
	pump(self->kid, 2, t, 1000, 1);
	dt = now_ns() - t0;
	TH_LOG("%.1f ms after the detach: %d accepted (the one queued before), %d failed (last errno %d)",
	       dt / 1e6, t->accepts[ORIG], t->errs[ORIG], t->last_err[ORIG]);
	ASSERT_LE(0, ur_connect(self, 1));
	pump(self->kid, 2, t, 10000, 2);
	TH_LOG("after one more client: original took %d of 2, %d failed accepts in all",
	       t->accepts[ORIG], t->errs[ORIG]);
	EXPECT_EQ(0, t->accepts[PATCH]);
}

/*
 * ---- 4. io_uring accept in both instances -------------------------------------
 *
 * io_uring polls for an accept with an exclusive wait entry: a new
 * connection wakes one of them. If that is the instance that may not
 * accept, its retry sees -EAGAIN and it waits again, and before dpo woke
 * every waiter in that case, the owner's accept stayed pending with the
 * connection queued. The non-owner waits first; owner flips; each
 * connection is waited for before the next (a lull after every one).
 */
#define UB_ROUNDS	4
#define UB_SINGLE	4
#define UB_BURST	8

TEST_F_TIMEOUT(ur, both_uring_owner_flips, 120)
{
	struct tally *t = &self->t;
	int round, k, idx = 0, stuck = 0, want, before;
	struct dt_obj o;
	int ret;

	ret = kid_start(&self->kid[0], ORIG, ST_URING, variant->async,
			self->lfd);
	if (ret == ENOSYS || ret == EPERM)
		SKIP(return, "io_uring_setup: %s", strerror(ret));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, kid_start(&self->kid[1], PATCH, ST_URING, variant->async,
			       self->lfd));
	ASSERT_NL_OK(dt_session_new(&self->nl, SESS, 100, &self->ack),
		     self->ack);
	for (k = 0; k < 2; k++)
		ASSERT_NL_OK(dt_instance_add(&self->nl, SESS,
					      self->kid[k].pid,
					      self->kid[k].role, &self->ack),
			     self->ack);
	ASSERT_NL_OK(dt_listener_add(&self->nl, SESS, self->lfd, &o,
				      &self->ack), self->ack);
	self->lid = o.listener_id;
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	/* The non-owner's poll entry first. */
	ASSERT_EQ(0, kid_go(&self->kid[1]));
	ASSERT_TRUE(wait_asleep(self->kid[1].pid, __NR_io_uring_enter, 10000));
	sleep_ms(50);
	ASSERT_EQ(0, kid_go(&self->kid[0]));
	ASSERT_TRUE(wait_asleep(self->kid[0].pid, __NR_io_uring_enter, 10000));
	sleep_ms(50);

	for (round = 0; round < UB_ROUNDS; round++) {
		int role = round % 2 ? PATCH : ORIG;

		if (round)
			ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, round % 2 ?
						   DPO_OWNER_PATCHED :
						   DPO_OWNER_ORIGINAL,
						   &self->ack), self->ack);
		before = t->accepts[role];
		for (k = 0; k < UB_SINGLE; k++, idx++) {
			ASSERT_LE(0, ur_connect(self, idx));
			pump(self->kid, 2, t, stuck ? 500 : 5000, idx + 1);
			if (!t->count[idx])
				stuck++;
		}
		for (k = 0; k < UB_BURST; k++)
			ASSERT_LE(0, ur_connect(self, idx + k));
		want = idx + UB_BURST;
		pump(self->kid, 2, t, 10000, want);
		for (; idx < want; idx++)
			if (!t->count[idx])
				stuck++;
		pump(self->kid, 2, t, 100, 0);
		EXPECT_EQ(UB_SINGLE + UB_BURST, t->accepts[role] - before) {
			TH_LOG("round %d: the owner (%s) took %d of %d",
			       round, role == ORIG ? "original" : "patched",
			       t->accepts[role] - before,
			       UB_SINGLE + UB_BURST);
		}
	}
	TH_LOG("io_uring%s in both: %d connections, original %d, patched %d, %d stuck",
	       variant->async ? " (IOSQE_ASYNC)" : "", idx, t->accepts[ORIG],
	       t->accepts[PATCH], stuck);
	EXPECT_EQ(0, stuck) {
		TH_LOG("connections left queued while the owner's accept was pending");
	}
	EXPECT_EQ(idx, t->accepts[ORIG] + t->accepts[PATCH]);
	EXPECT_EQ(0, t->errs[ORIG] + t->errs[PATCH]) {
		TH_LOG("accepts failed: original %d, patched %d (last %s)",
		       t->errs[ORIG], t->errs[PATCH],
		       strerror(t->last_err[ORIG] ?: t->last_err[PATCH]));
	}
}

TEST_HARNESS_MAIN
