// SPDX-License-Identifier: GPL-2.0
/*
 * dpo drain (DPO_CMD_DRAIN): validation and permissions; idle, busy and
 * stuck connections of the drained role and what their clients see (EOF,
 * the full response then EOF, a reset at the deadline), with the progress
 * and done events; the guarantee that a drained connection never carries
 * a request the server read and did not answer, under continuous load; a
 * drain ending early, a drain with nothing to drain, a second drain while
 * one runs; a drain with an idle mark (closing only at the end of a
 * response that says the session is idle).
 *
 * Two request/response servers (conn_util.h), an original and a patched
 * instance, accept on one IPv4 loopback listener. A session starts with
 * DPO_OWNER_PATCHED (as after a promotion) unless a test says otherwise.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "dpo_harness.h"
#include "conn_util.h"

#define SESS	"st-drain"
#define ORIG	DPO_ROLE_ORIGINAL
#define PATCH	DPO_ROLE_PATCHED
#define NOBODY	65534
#define MAXC	128
#define MAXOBJ	256
#define MS	1000000ULL

static struct dt_obj objs[MAXOBJ];

FIXTURE(dr) {
	struct dt_sock nl, ev;
	struct dt_ack ack;
	struct srv srv[2];	/* original, patched */
	int lfd;
	__u16 port;
	__u32 lid;
	int cfd[MAXC];
	int ncfd;
	__u32 next_id;
};

FIXTURE_SETUP(dr)
{
	int i;

	self->nl.fd = self->ev.fd = -1;
	self->lfd = -1;
	for (i = 0; i < 2; i++)
		self->srv[i].pid = self->srv[i].cmd_fd = self->srv[i].rep_fd = -1;
	self->ncfd = 0;
	self->next_id = 1;
	ASSERT_CONNECT_RESET(&self->nl);
	ASSERT_EQ(0, srv_log_init());
	self->lfd = tcp_listener(AF_INET, &self->port);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, srv_start(&self->srv[0], &self->lfd, 1, 0, ORIG));
	ASSERT_EQ(0, srv_start(&self->srv[1], &self->lfd, 1, 1, PATCH));
	ASSERT_EQ(0, dt_listen(&self->ev, &self->nl, self->nl.grp_events));
	ASSERT_NL_OK(dt_session_pair(&self->nl, SESS, self->srv[0].pid,
				     self->srv[1].pid, self->lfd, &self->lid,
				     DPO_OWNER_PATCHED, &self->ack), self->ack);
	ASSERT_EQ(0, srv_go(&self->srv[0]));
	ASSERT_EQ(0, srv_go(&self->srv[1]));
}

FIXTURE_TEARDOWN(dr)
{
	int i;

	teardown_begin(_metadata);
	for (i = 0; i < 2; i++)
		srv_stop(&self->srv[i]);
	close_fds(self->cfd, self->ncfd);
	if (self->lfd >= 0)
		close(self->lfd);
	dt_close(&self->ev);
	EXPECT_RESET_CLOSE(&self->nl);
}

/* ---- helpers --------------------------------------------------------------- */

static int cconnect(FIXTURE_DATA(dr) *self)
{
	return keep_fd(self->cfd, &self->ncfd, MAXC,
		       cli_connect(AF_INET, self->port));
}

static void cclose(FIXTURE_DATA(dr) *self, int fd)
{
	drop_fd(self->cfd, self->ncfd, fd);
}

static int conns_of(struct dt_sock *nl, __u32 pid, int *states);

/*
 * Every connection of @s idle in the registry too: the client can have
 * the answer before the server's send() has returned (slow kernels show
 * it).
 */
static void wait_idle(struct __test_metadata *_metadata,
		      FIXTURE_DATA(dr) *self, struct srv *s)
{
	int states[DPO_CONN_MAX + 1] = { 0 };
	__u64 end;

	for (end = now_ns() + 10000 * MS; now_ns() < end; sleep_ms(2))
		if (conns_of(&self->nl, s->pid, states) >= 0 &&
		    !states[DPO_CONN_BUSY])
			break;
	EXPECT_EQ(0, states[DPO_CONN_BUSY]);
}

/* @n clients, each accepted by @s and answered once (idle). */
static void idle_clients(struct __test_metadata *_metadata,
			 FIXTURE_DATA(dr) *self, struct srv *s, int *fd, int n)
{
	int i, before = s->naccepted;

	for (i = 0; i < n; i++) {
		fd[i] = cconnect(self);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, cli_exchange(fd[i], self->next_id++, 40, 100, 0,
					  NULL, 3000));
	}
	srv_pump(s, 3000, before + n);
	ASSERT_EQ(before + n, s->naccepted);
	for (i = 0; i < n; i++)
		ASSERT_TRUE(srv_took(s, sock_port(fd[i])));
	wait_idle(_metadata, self, s);
}

/* Registered connections of @pid (states counted into @states if not NULL). */
static int conns_of(struct dt_sock *nl, __u32 pid, int *states)
{
	int i, n = 0;

	if (states)
		memset(states, 0, (DPO_CONN_MAX + 1) * sizeof(*states));
	if (dt_conn_dump(nl, SESS, pid, objs, MAXOBJ, &n, NULL))
		return -1;
	for (i = 0; states && i < n && i < MAXOBJ; i++)
		if (objs[i].conn_state <= DPO_CONN_MAX)
			states[objs[i].conn_state]++;
	return n;
}

/* What the events socket said about one drain. */
struct drain_ev {
	int owner_sets;
	__u8 owner;			/* of the last OWNER_SET */
	int nprog;
	__u32 prog[256];		/* DRAIN_REMAINING of each progress */
	bool prog_bad;			/* a progress of another drain */
	bool done;
	struct dt_obj d;		/* DRAIN_DONE_NTF */
	__u64 t_done;			/* when it was received */
};

/*
 * Events until the DRAIN_DONE_NTF of @sess, or @ms. It returns at the DONE:
 * callers give a slow debug VM seconds beyond the drain's deadline.
 */
static void drain_events(struct dt_sock *ev, const char *sess, __u8 role,
			 struct drain_ev *de, int ms)
{
	__u64 end = now_ns() + (__u64)ms * MS;
	struct dt_obj o;

	memset(de, 0, sizeof(*de));
	while (!de->done) {
		int ret = dt_recv_ntf_until(ev, &o, end);

		if (ret == -ETIMEDOUT)
			return;
		if (ret)
			continue;
		switch (o.cmd) {
		case DPO_CMD_OWNER_SET_NTF:
			if (!strcmp(o.session, sess)) {
				de->owner_sets++;
				de->owner = o.owner;
			}
			break;
		case DPO_CMD_DRAIN_PROGRESS_NTF:
			if (strcmp(o.session, sess) || o.role != role ||
			    !DPO_HAS(&o, DPO_A_DRAIN_REMAINING))
				de->prog_bad = true;
			if (de->nprog < 256)
				de->prog[de->nprog++] = o.drain_remaining;
			break;
		case DPO_CMD_DRAIN_DONE_NTF:
			if (strcmp(o.session, sess))
				break;
			de->done = true;
			de->d = o;
			de->t_done = now_ns();
			break;
		}
	}
}

static void log_done(struct __test_metadata *_metadata, const char *what,
		     const struct drain_ev *de)
{
	TH_LOG("%s: done %d: remaining %u, closed idle %u, busy %u, reset %u, gone %u, elapsed %.1f ms; %d progress events",
	       what, de->done, de->d.drain_remaining, de->d.drain_closed_idle,
	       de->d.drain_closed_busy, de->d.drain_reset, de->d.drain_gone,
	       de->d.drain_elapsed_ns / 1e6, de->nprog);
}

static void expect_drain_attrs(struct __test_metadata *_metadata,
			       const struct dt_obj *o, __u8 role,
			       __u32 deadline_ms)
{
	EXPECT_STREQ(SESS, o->session);
	EXPECT_EQ(role, o->role);
	EXPECT_EQ(deadline_ms, o->deadline_ms);
	EXPECT_TRUE(DPO_HAS(o, DPO_A_DRAIN_REMAINING) &&
		    DPO_HAS(o, DPO_A_DRAIN_CLOSED_IDLE) &&
		    DPO_HAS(o, DPO_A_DRAIN_CLOSED_BUSY) &&
		    DPO_HAS(o, DPO_A_DRAIN_RESET) &&
		    DPO_HAS(o, DPO_A_DRAIN_GONE) &&
		    DPO_HAS(o, DPO_A_DRAIN_ELAPSED_NS) &&
		    DPO_HAS(o, DPO_A_DEADLINE_MS));
}

/* Progress events: strictly decreasing remaining counts. */
static void expect_decreasing(struct __test_metadata *_metadata,
			      const struct drain_ev *de)
{
	int k;

	EXPECT_FALSE(de->prog_bad);
	/* Braces: the harness runs an EXPECT's block after its statement. */
	for (k = 1; k < de->nprog; k++) {
		EXPECT_GT(de->prog[k - 1], de->prog[k]) {
			TH_LOG("progress #%d: remaining %u after %u", k,
			       de->prog[k], de->prog[k - 1]);
		}
	}
}

/* ---- 1. validation and permissions ------------------------------------------ */

TEST_F(dr, validation)
{
	static const __u8 bad_roles[] = { DPO_ROLE_UNSPEC, DPO_ROLE_MAX + 1, 255 };
	static const __u32 bad_deadlines[] = {
		0, DPO_DRAIN_DEADLINE_MS_MAX + 1, 0xffffffff,
	};
	struct drain_ev de;
	struct dt_obj o;
	struct dt_msg m;
	unsigned int k;
	__u32 off;

	EXPECT_NL_ERR(dt_drain(&self->nl, "st-drain-none", PATCH, 1000, NULL,
				&self->ack), self->ack, ENOENT,
		      "no such session");
	EXPECT_NL_ERR(dt_drain(&self->nl, NULL, PATCH, 1000, NULL, &self->ack),
		      self->ack, EINVAL, "missing attribute: session name");
	EXPECT_MISS(self->ack, DPO_A_SESSION_NAME);
	EXPECT_NL_ERR(dt_drain(&self->nl, SESS, 0, 1000, NULL, &self->ack),
		      self->ack, EINVAL, "missing attribute: role");
	EXPECT_MISS(self->ack, DPO_A_ROLE);

	/* Out of the policy's ranges, like every other ranged attribute. */
	for (k = 0; k < sizeof(bad_roles); k++) {
		dt_msg_dpo(&m, &self->nl, DPO_CMD_DRAIN, 0);
		dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
		off = nlm_put_u8(&m, DPO_A_ROLE, bad_roles[k]);
		EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL),
			      self->ack, ERANGE, "integer out of range");
		EXPECT_OFFS(self->ack, off);
	}
	for (k = 0; k < sizeof(bad_deadlines) / sizeof(bad_deadlines[0]); k++) {
		dt_msg_dpo(&m, &self->nl, DPO_CMD_DRAIN, 0);
		dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
		nlm_put_u8(&m, DPO_A_ROLE, PATCH);
		off = nlm_put_u32(&m, DPO_A_DEADLINE_MS, bad_deadlines[k]);
		EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL),
			      self->ack, ERANGE, "integer out of range");
		EXPECT_OFFS(self->ack, off);
	}
	/* An idle mark of 0 or more than 16 bytes: checked by the command. */
	for (k = 0; k < 2; k++) {
		static const char mark[DPO_DRAIN_IDLE_MARK_MAX + 1];

		dt_msg_dpo(&m, &self->nl, DPO_CMD_DRAIN, 0);
		dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
		nlm_put_u8(&m, DPO_A_ROLE, PATCH);
		off = dt_put(&m, DPO_A_DRAIN_IDLE_MARK, mark,
			     k ? sizeof(mark) : 0);
		EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL),
			      self->ack, EINVAL, "idle mark of 1 to 16 bytes");
		EXPECT_OFFS(self->ack, off);
	}
	/* Nothing happened: no switch, and no drain runs. */
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_OWNER_PATCHED, o.owner);

	/* No original instance to take the new connections. */
	ASSERT_NL_OK(dt_instance_del(&self->nl, self->srv[0].pid, &self->ack),
		     self->ack);
	EXPECT_NL_ERR(dt_drain(&self->nl, SESS, PATCH, 1000, NULL, &self->ack),
		      self->ack, EINVAL, NULL);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_OWNER_PATCHED, o.owner);

	/* The largest deadline is accepted (nothing to drain: ends at once). */
	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS, self->srv[0].pid, ORIG,
				      &self->ack), self->ack);
	dt_flush_ntf(&self->ev);
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH,
			       DPO_DRAIN_DEADLINE_MS_MAX, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_DRAIN_DEADLINE_MS_MAX, o.deadline_ms);
	drain_events(&self->ev, SESS, PATCH, &de, 10000);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(DPO_DRAIN_DEADLINE_MS_MAX, de.d.deadline_ms);
	EXPECT_FALSE(DPO_HAS(&de.d, DPO_A_DRAIN_IDLE_MARK));
	/* Without a deadline: the default; the longest mark, echoed. */
	ASSERT_NL_OK(dt_drain_mark(&self->nl, SESS, ORIG, 0, "0123456789abcdef",
				    DPO_DRAIN_IDLE_MARK_MAX, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_DRAIN_DEADLINE_MS_DEFAULT, o.deadline_ms);
	EXPECT_EQ(DPO_DRAIN_IDLE_MARK_MAX, o.drain_idle_mark_len);
	EXPECT_EQ(0, memcmp("0123456789abcdef", o.drain_idle_mark,
			    DPO_DRAIN_IDLE_MARK_MAX));
	drain_events(&self->ev, SESS, ORIG, &de, 10000);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(DPO_DRAIN_IDLE_MARK_MAX, de.d.drain_idle_mark_len);
}

struct unpriv_result {
	int stage;		/* 100 = done */
	int setup_err;
	int err;
	char msg[256];
};

TEST_F(dr, unprivileged_eperm)
{
	struct unpriv_result *res;
	struct dt_obj o;
	int status, fd;
	pid_t pid;

	idle_clients(_metadata, self, &self->srv[1], &fd, 1);
	res = shared_mem(sizeof(*res));
	ASSERT_NE(MAP_FAILED, res);
	pid = fork_flushed();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dt_sock nl;
		struct dt_ack ack = { 0 };

		res->stage = 1;
		if (drop_root(NOBODY)) {
			res->setup_err = errno;
			_exit(0);
		}
		res->setup_err = -dt_connect(&nl);
		if (res->setup_err)
			_exit(0);
		dt_drain(&nl, SESS, PATCH, 1000, NULL, &ack);
		res->err = ack.err;
		snprintf(res->msg, sizeof(res->msg), "%s", ack.msg);
		dt_close(&nl);
		res->stage = 100;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(100, res->stage) {
		TH_LOG("unprivileged child stopped at stage %d: %s",
		       res->stage, strerror(res->setup_err));
	}
	EXPECT_EQ(EPERM, res->err) TH_LOG("errno %d '%s'", res->err, res->msg);
	/* Nothing happened: same owner, the connection still served. */
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_OWNER_PATCHED, o.owner);
	EXPECT_EQ(0, cli_exchange(fd, self->next_id++, 40, 100, 0, NULL, 3000));
	munmap(res, sizeof(*res));
}

/* ---- 2. idle, busy and stuck connections ------------------------------------- */

#define N_IDLE	5
#define N_BUSY	3
#define N_STUCK	2
#define BUSY_US	300000
#define DEADLINE_MS	1500

TEST_F_TIMEOUT(dr, idle_busy_stuck, 60)
{
	struct srv *so = &self->srv[0], *sp = &self->srv[1];
	int fd[N_IDLE + N_BUSY + N_STUCK], st[DPO_CONN_MAX + 1];
	__u64 t0, t_reply, t, worst_idle = 0, t_busy[N_BUSY], t_reset[N_STUCK];
	__u32 busy_id[N_BUSY];
	struct srv_resp r;
	struct drain_ev de;
	struct dt_obj o;
	int i, n, nf, reads, ret;

	idle_clients(_metadata, self, sp, fd, N_IDLE + N_BUSY + N_STUCK);
	reads = srv_log->slot[1].reads;
	/* Busy: answered after 300 ms. Stuck: never answered. */
	for (i = 0; i < N_BUSY; i++) {
		busy_id[i] = self->next_id++;
		ASSERT_EQ(0, cli_send(fd[N_IDLE + i], busy_id[i], 40, 1000,
				      BUSY_US, 0));
	}
	for (i = 0; i < N_STUCK; i++)
		ASSERT_EQ(0, cli_send(fd[N_IDLE + N_BUSY + i], self->next_id++,
				      40, 100, 0, SRV_F_HOLD));
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[1].reads,
				    reads + N_BUSY + N_STUCK, 3000));
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[1].held, N_STUCK, 3000));
	ASSERT_EQ(N_IDLE + N_BUSY + N_STUCK, conns_of(&self->nl, sp->pid, st));
	EXPECT_EQ(N_IDLE, st[DPO_CONN_IDLE]);
	EXPECT_EQ(N_BUSY + N_STUCK, st[DPO_CONN_BUSY]);

	dt_flush_ntf(&self->ev);
	t0 = now_ns();
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH, DEADLINE_MS, &o,
			       &self->ack), self->ack);
	t_reply = now_ns();
	EXPECT_EQ(DPO_CMD_DRAIN, o.cmd);
	expect_drain_attrs(_metadata, &o, PATCH, DEADLINE_MS);
	TH_LOG("reply (%.1f ms): remaining %u, closed idle %u, busy %u",
	       (t_reply - t0) / 1e6, o.drain_remaining, o.drain_closed_idle,
	       o.drain_closed_busy);
	/* The state at the start: the idle ones may be counted closed already. */
	EXPECT_EQ(N_IDLE + N_BUSY + N_STUCK,
		  o.drain_remaining + o.drain_closed_idle);
	EXPECT_EQ(0, o.drain_closed_busy + o.drain_reset + o.drain_gone);

	/* Idle: EOF at once, no reset. */
	for (i = 0; i < N_IDLE; i++) {
		ret = cli_wait_eof(fd[i], 2000);
		t = now_ns() - t0;
		EXPECT_EQ(0, ret) TH_LOG("idle client %d: %s", i, strerror(-ret));
		if (t > worst_idle)
			worst_idle = t;
	}
	TH_LOG("idle clients: EOF within %.1f ms", worst_idle / 1e6);
	/* At once, not at a tick near the deadline (slow VMs: hundreds of ms). */
	EXPECT_GT(DEADLINE_MS / 3 * MS, worst_idle);

	/* The registry: nothing of the patched idle or busy any more. */
	n = conns_of(&self->nl, sp->pid, st);
	EXPECT_EQ(0, st[DPO_CONN_IDLE] + st[DPO_CONN_BUSY]) {
		TH_LOG("after the drain started: %d idle, %d busy of %d",
		       st[DPO_CONN_IDLE], st[DPO_CONN_BUSY], n);
	}
	EXPECT_LE(N_BUSY + N_STUCK, st[DPO_CONN_DRAINING]);

	/* New connections: the original's. */
	nf = cconnect(self);
	ASSERT_LE(0, nf);
	ASSERT_EQ(0, cli_exchange(nf, self->next_id++, 40, 100, 0, &r, 3000));
	EXPECT_EQ(ORIG, r.role);
	srv_pump(so, 1000, 1);
	EXPECT_TRUE(srv_took(so, sock_port(nf)));

	/* Busy: the whole response, then EOF. */
	for (i = 0; i < N_BUSY; i++) {
		int c = fd[N_IDLE + i];

		ret = cli_recv(c, 1000, &r, 3000);
		t_busy[i] = now_ns() - t0;
		EXPECT_EQ(0, ret) TH_LOG("busy client %d: %s", i, strerror(-ret));
		EXPECT_EQ(busy_id[i], r.id);
		EXPECT_EQ(0, cli_wait_eof(c, 1000)) TH_LOG("busy client %d", i);
	}
	TH_LOG("busy clients: answered and closed at %.1f, %.1f, %.1f ms",
	       t_busy[0] / 1e6, t_busy[1] / 1e6, t_busy[2] / 1e6);

	/* Stuck: reset at the deadline. */
	for (i = 0; i < N_STUCK; i++) {
		ret = cli_recv(fd[N_IDLE + N_BUSY + i], 100, &r, 4000);
		t_reset[i] = now_ns() - t0;
		EXPECT_EQ(-ECONNRESET, ret) {
			TH_LOG("stuck client %d: %s after %.1f ms", i,
			       strerror(-ret), t_reset[i] / 1e6);
		}
		/* Not before the deadline; after it by a slow VM's delay. */
		EXPECT_LE((DEADLINE_MS - 50) * MS, t_reset[i]);
		EXPECT_GE((DEADLINE_MS + 1000) * MS, t_reset[i]);
	}
	TH_LOG("stuck clients: reset at %.1f, %.1f ms", t_reset[0] / 1e6,
	       t_reset[1] / 1e6);

	drain_events(&self->ev, SESS, PATCH, &de, 10000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_LE(1, de.owner_sets);
	EXPECT_EQ(DPO_OWNER_ORIGINAL, de.owner);
	expect_drain_attrs(_metadata, &de.d, PATCH, DEADLINE_MS);
	EXPECT_EQ(0, de.d.drain_remaining);
	EXPECT_EQ(N_IDLE, de.d.drain_closed_idle);
	EXPECT_EQ(N_BUSY, de.d.drain_closed_busy);
	EXPECT_EQ(N_STUCK, de.d.drain_reset);
	EXPECT_EQ(0, de.d.drain_gone);
	EXPECT_LE(DEADLINE_MS * MS, de.d.drain_elapsed_ns);
	EXPECT_GE((DEADLINE_MS + 1000) * MS, de.d.drain_elapsed_ns);
	/* Progress: decreasing, and the two stuck ones waited for a while. */
	expect_decreasing(_metadata, &de);
	EXPECT_LE(1, de.nprog);
	for (i = 0; i < de.nprog && de.prog[i] != N_STUCK; i++)
		;
	EXPECT_LT(i, de.nprog) TH_LOG("no progress event with %d remaining",
				      N_STUCK);

	/* No reset reached the clients that were closed cleanly. */
	for (i = 0; i < N_IDLE + N_BUSY; i++) {
		char c;

		EXPECT_EQ(0, sock_error(fd[i])) TH_LOG("client %d", i);
		EXPECT_EQ(0, recv(fd[i], &c, 1, MSG_DONTWAIT))
			TH_LOG("client %d: %s", i, strerror(errno));
	}
	/* Every answer the server started was written in full. */
	EXPECT_EQ(0, srv_log->slot[1].write_err);

	/* The reset ones stay registered until the server closes them. */
	n = conns_of(&self->nl, sp->pid, st);
	EXPECT_EQ(N_STUCK, n);
	EXPECT_EQ(N_STUCK, st[DPO_CONN_RESET]);
	ASSERT_EQ(0, srv_release(sp, 'c'));
	for (t = now_ns() + 10000 * MS;
	     conns_of(&self->nl, sp->pid, NULL) > 0 && now_ns() < t;)
		usleep(5000);
	EXPECT_EQ(0, conns_of(&self->nl, sp->pid, NULL));
}

/* The same from the other side: promotion's phase 2 drains the original. */
TEST_F(dr, drain_original)
{
	struct srv *so = &self->srv[0];
	struct drain_ev de;
	struct srv_resp r;
	int fd[2], i, nf;

	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	idle_clients(_metadata, self, so, fd, 2);
	dt_flush_ntf(&self->ev);
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, ORIG, 1000, NULL, &self->ack),
		     self->ack);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, cli_wait_eof(fd[i], 1000));
	nf = cconnect(self);
	ASSERT_LE(0, nf);
	ASSERT_EQ(0, cli_exchange(nf, self->next_id++, 40, 100, 0, &r, 3000));
	EXPECT_EQ(PATCH, r.role);
	drain_events(&self->ev, SESS, ORIG, &de, 10000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(DPO_OWNER_PATCHED, de.owner);
	EXPECT_EQ(2, de.d.drain_closed_idle);
	EXPECT_EQ(0, de.d.drain_closed_busy + de.d.drain_reset +
		     de.d.drain_gone + de.d.drain_remaining);
	/* Before the 1 s deadline: nothing was waited for. */
	EXPECT_GT(1000 * MS, de.d.drain_elapsed_ns);
}

/*
 * A server reading a fixed-size header with recv(MSG_WAITALL) sleeps in
 * recv() with the first bytes of a request already copied to it: the
 * server has read part of a request, the connection is busy, and a drain
 * must wait for the answer rather than shut the connection down.
 */
TEST_F(dr, waitall_partial_request)
{
	struct srv *sp = &self->srv[1];
	struct srv_req h = {
		.magic = SRV_MAGIC, .req_len = sizeof(h), .resp_len = 100,
	};
	int fd, n, ret, st[DPO_CONN_MAX + 1];
	struct drain_ev de;
	struct srv_resp r;
	bool taken = false;
	__u64 end;

	/* The patched instance again, now reading headers with MSG_WAITALL. */
	ASSERT_NL_OK(dt_instance_del(&self->nl, sp->pid, &self->ack),
		     self->ack);
	srv_stop(sp);
	ASSERT_EQ(0, srv_start_opts(sp, &self->lfd, 1, 1, PATCH,
				    SRV_O_WAITALL));
	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS, sp->pid, PATCH,
				      &self->ack), self->ack);
	/* (The fail-safe gave the original everything meanwhile.) */
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_PATCHED,
				   &self->ack), self->ack);
	ASSERT_EQ(0, srv_go(sp));
	idle_clients(_metadata, self, sp, &fd, 1);

	/* 10 bytes of a request: the server's recv() takes them and waits. */
	h.id = self->next_id++;
	ASSERT_EQ(10, send(fd, &h, 10, MSG_NOSIGNAL));
	/*
	 * Wait until the server has them: the client's 10 bytes are acked
	 * (tx_queue 0) and the server's socket has none unread (rx_queue
	 * 0). A MSG_WAITALL recv() still running has not returned them, so
	 * the registry's bytes_in does not move yet.
	 */
	for (end = now_ns() + 10000 * MS; !taken && now_ns() < end;
	     sleep_ms(2)) {
		unsigned int lp, rp, tst, txq, rxq, cport = sock_port(fd);
		int sent = -1, unread = -1;
		char line[256];
		FILE *f = fopen("/proc/net/tcp", "re");

		while (f && fgets(line, sizeof(line), f)) {
			if (sscanf(line, " %*u: %*x:%x %*x:%x %x %x:%x", &lp,
				   &rp, &tst, &txq, &rxq) != 5)
				continue;
			if (lp == cport && rp == self->port)
				sent = txq;
			else if (lp == self->port && rp == cport)
				unread = rxq;
		}
		if (f)
			fclose(f);
		taken = !sent && !unread;
	}
	EXPECT_TRUE(taken) {
		TH_LOG("the server did not read the 10 bytes within 10 s");
	}
	n = conns_of(&self->nl, sp->pid, st);
	TH_LOG("10 bytes of a request read: %d connection(s), %d idle, %d busy",
	       n, st[DPO_CONN_IDLE], st[DPO_CONN_BUSY]);
	dt_flush_ntf(&self->ev);
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH, 5000, NULL, &self->ack),
		     self->ack);
	sleep_ms(100);
	/* The rest of it: the server answers, then the connection closes. */
	ret = send(fd, (char *)&h + 10, sizeof(h) - 10, MSG_NOSIGNAL);
	EXPECT_EQ((int)sizeof(h) - 10, ret) TH_LOG("send: %s", strerror(errno));
	ret = cli_recv(fd, 100, &r, 10000);
	EXPECT_EQ(0, ret) {
		TH_LOG("the server read part of a request, the drain cut the connection: %s; server: %d partial requests",
		       strerror(-ret), srv_log->slot[1].partial);
	}
	EXPECT_EQ(h.id, r.id);
	EXPECT_EQ(0, cli_wait_eof(fd, 10000));
	drain_events(&self->ev, SESS, PATCH, &de, 15000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(1, de.d.drain_closed_busy);
	EXPECT_EQ(0, de.d.drain_closed_idle + de.d.drain_reset +
		     de.d.drain_gone);
	EXPECT_EQ(0, srv_log->slot[1].partial);
}

/*
 * An answer written in two parts, the first with MSG_MORE (or both under
 * TCP_CORK): the drain waits for the whole answer.
 */
static void answer_in_two_not_cut(struct __test_metadata *_metadata,
				  FIXTURE_DATA(dr) *self, __u32 flags)
{
	struct srv *sp = &self->srv[1];
	struct drain_ev de;
	struct srv_resp r;
	__u64 end;
	__u32 id;
	int fd, n, ret;

	idle_clients(_metadata, self, sp, &fd, 1);
	id = self->next_id++;
	ASSERT_EQ(0, cli_send(fd, id, 40, 2000, 300000, flags));
	/* The first 1000 bytes are written (after the first answer's 100). */
	end = now_ns() + 10000 * MS;
	do {
		n = conns_of(&self->nl, sp->pid, NULL);
	} while (n == 1 && objs[0].bytes_out < 1100 && now_ns() < end);
	ASSERT_EQ(1, n);
	ASSERT_EQ(1100, objs[0].bytes_out);
	dt_flush_ntf(&self->ev);
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH, 2000, NULL, &self->ack),
		     self->ack);
	ret = cli_recv(fd, 2000, &r, 3000);
	EXPECT_EQ(0, ret) TH_LOG("client: %s", strerror(-ret));
	EXPECT_EQ(id, r.id);
	EXPECT_EQ(0, cli_wait_eof(fd, 1000));
	drain_events(&self->ev, SESS, PATCH, &de, 10000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(1, de.d.drain_closed_busy);
	EXPECT_EQ(0, de.d.drain_closed_idle + de.d.drain_reset +
		     de.d.drain_gone);
	EXPECT_EQ(0, srv_log->slot[1].write_err);
}

TEST_F(dr, msg_more_answer_not_cut)
{
	answer_in_two_not_cut(_metadata, self, SRV_F_MORE);
}

/* Plain writes under TCP_CORK: the answer ends when the cork comes off. */
TEST_F(dr, tcp_cork_answer_not_cut)
{
	answer_in_two_not_cut(_metadata, self, SRV_F_CORK);
}

/* ---- 3. no request read and left unanswered, under load ------------------------ */

#define G_THREADS	20
#define G_ROUNDS	8

struct gshared {
	__u16 port;
	volatile int stop;
	__u32 next_id;
	/* the role new connections must be answered by, once a request was
	 * refused or the drain's reply came (0: no check yet) */
	volatile __u8 expect_role;
	volatile int drain_replied;
	__u8 got[SRV_MAX_IDS];	/* 1 answered, 2 refused, 3 failed */
};

struct gclient {
	pthread_t th;
	int idx;
	struct gshared *g;
	int replies, refused, errors, partial, last_err;
	int wrong_role, checked;
};

static void *gclient_run(void *arg)
{
	struct gclient *c = arg;
	struct gshared *g = c->g;
	unsigned int seed = 77 + c->idx;
	bool check = false, refused = false;
	__u8 want = 0;
	int fd = -1;

	while (!g->stop) {
		struct srv_resp r;
		__u32 id;
		int ret;

		if (fd < 0) {
			/* Known before connecting: who must take it. */
			want = g->expect_role;
			check = want && (refused || g->drain_replied);
			fd = cli_connect(AF_INET, g->port);
			if (fd < 0) {
				c->errors++;
				c->last_err = -fd;
				sleep_ms(1);
				continue;
			}
			refused = false;
		}
		id = __atomic_fetch_add(&g->next_id, 1, __ATOMIC_SEQ_CST);
		if (id >= SRV_MAX_IDS)
			break;
		/*
		 * Think a little, so that drains find connections idle as
		 * requests arrive; the server answers after a little too.
		 */
		usleep(rand_r(&seed) % 1000);
		ret = cli_send(fd, id, 24, 16, rand_r(&seed) % 500, 0);
		if (!ret)
			ret = cli_recv(fd, 16, &r, 5000);
		if (!ret && r.id != id)
			ret = -EPROTO;
		if (!ret) {
			g->got[id] = 1;
			c->replies++;
			if (check) {
				c->checked++;
				if (r.role != want)
					c->wrong_role++;
				check = false;
			}
			continue;
		}
		close(fd);
		fd = -1;
		if (ret == -EPIPE || ret == -ECONNRESET) {
			/* Refused: EOF or reset before any byte of a reply. */
			g->got[id] = 2;
			c->refused++;
			refused = true;
			continue;
		}
		g->got[id] = 3;
		if (ret == -EPROTO)
			c->partial++;
		else
			c->errors++;
		c->last_err = -ret;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

TEST_F_TIMEOUT(dr, no_read_request_lost, 90)
{
	struct srv *srv = self->srv;
	struct gclient cl[G_THREADS];
	struct gshared *g;
	struct drain_ev de;
	struct dt_obj o;
	int i, round, refused = 0, replies = 0, errors = 0, partial = 0;
	int wrong_role = 0, checked = 0, lost = 0, unknown = 0, n;
	__u64 t;
	__u32 id;

	g = calloc(1, sizeof(*g));
	ASSERT_NE(NULL, g);
	g->port = self->port;
	g->next_id = 1;
	for (i = 0; i < G_THREADS; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		cl[i].idx = i;
		cl[i].g = g;
		ASSERT_EQ(0, pthread_create(&cl[i].th, NULL, gclient_run,
					    &cl[i]));
	}

	/* Patched, original, patched: each drain moves all the clients. */
	for (round = 0; round < G_ROUNDS; round++) {
		__u8 role = round & 1 ? ORIG : PATCH;
		__u8 other = role == ORIG ? PATCH : ORIG;
		struct srv *s = &srv[role == ORIG ? 0 : 1];
		__u32 id0 = g->next_id;

		/* Every client (re)connected to the role drained next. */
		sleep_ms(250);
		for (t = now_ns() + 10000 * MS;;) {
			n = conns_of(&self->nl, s->pid, NULL);
			if (n >= G_THREADS || now_ns() > t)
				break;
			sleep_ms(10);
		}
		EXPECT_EQ(G_THREADS, n) TH_LOG("round %d: connections", round);
		dt_flush_ntf(&self->ev);
		g->drain_replied = 0;
		g->expect_role = other;
		ASSERT_NL_OK(dt_drain(&self->nl, SESS, role, 5000, &o,
				       &self->ack), self->ack);
		g->drain_replied = 1;
		drain_events(&self->ev, SESS, role, &de, 15000);
		log_done(_metadata, role == PATCH ? "drain patched" :
			 "drain original", &de);
		EXPECT_TRUE(de.done);
		EXPECT_EQ(0, de.d.drain_remaining);
		EXPECT_EQ(0, de.d.drain_reset);
		EXPECT_EQ((__u32)n, de.d.drain_closed_idle +
			  de.d.drain_closed_busy + de.d.drain_gone +
			  de.d.drain_reset);
		expect_decreasing(_metadata, &de);
		TH_LOG("round %d: %u requests during the round so far",
		       round, g->next_id - id0);
	}
	sleep_ms(300);
	g->stop = 1;
	for (i = 0; i < G_THREADS; i++) {
		pthread_join(cl[i].th, NULL);
		refused += cl[i].refused;
		replies += cl[i].replies;
		errors += cl[i].errors;
		partial += cl[i].partial;
		wrong_role += cl[i].wrong_role;
		checked += cl[i].checked;
		if (cl[i].errors || cl[i].partial)
			TH_LOG("client %d: %d errors, %d cut answers, last %s",
			       i, cl[i].errors, cl[i].partial,
			       strerror(cl[i].last_err));
	}

	/* Every request the servers read was answered to its client. */
	for (id = 1; id < g->next_id && id < SRV_MAX_IDS; id++) {
		__u8 rb = srv_log->read_by[id];

		if (!g->got[id])
			unknown++;
		if (rb && g->got[id] != 1) {
			if (lost < 10)
				TH_LOG("request %u: read by the %s, answer %s, client saw %s",
				       id, rb == 1 ? "original" : "patched",
				       srv_log->answered[id] ? "written" :
							       "not written",
				       g->got[id] == 2 ? "EOF/RST" : "an error");
			lost++;
		}
	}
	TH_LOG("%u requests: %d answered, %d refused (EOF/RST before any byte of the answer, never read by the server), %d errors; %d new connections checked",
	       g->next_id - 1, replies, refused, errors, checked);
	EXPECT_EQ(0, lost) TH_LOG("read by the server and not answered");
	EXPECT_EQ(0, partial) TH_LOG("answers cut short");
	EXPECT_EQ(0, errors);
	EXPECT_EQ(0, unknown);
	EXPECT_EQ(0, wrong_role) TH_LOG("new connections taken by the drained role");
	EXPECT_LT(0, replies);
	/* At most one refused request per drained connection. */
	EXPECT_GE(G_ROUNDS * G_THREADS, refused);
	EXPECT_EQ(0, srv_log->slot[0].partial + srv_log->slot[1].partial);
	EXPECT_EQ(0, srv_log->slot[0].write_err + srv_log->slot[1].write_err);
	free(g);
}

/* ---- 4. ending early, nothing to drain, one at a time ---------------------------- */

TEST_F(dr, ends_early)
{
	struct srv *sp = &self->srv[1];
	struct drain_ev de;
	struct srv_resp r;
	int fd[4], i, reads;
	__u64 t0;

	idle_clients(_metadata, self, sp, fd, 4);
	reads = srv_log->slot[1].reads;
	/* Two busy for 200 ms, two held until the server closes them. */
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, cli_send(fd[i], self->next_id++, 40, 100, 200000, 0));
	for (i = 2; i < 4; i++)
		ASSERT_EQ(0, cli_send(fd[i], self->next_id++, 40, 100, 0,
				      SRV_F_HOLD));
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[1].reads, reads + 4, 3000));
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[1].held, 2, 3000));

	dt_flush_ntf(&self->ev);
	t0 = now_ns();
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH, 10000, NULL, &self->ack),
		     self->ack);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, cli_recv(fd[i], 100, &r, 3000));
		EXPECT_EQ(0, cli_wait_eof(fd[i], 1000));
	}
	/* One held client gives up, then the server closes both. */
	sleep_ms(100);
	cclose(self, fd[3]);
	sleep_ms(100);
	ASSERT_EQ(0, srv_release(sp, 'c'));
	EXPECT_EQ(-EPIPE, cli_recv(fd[2], 100, &r, 2000));

	drain_events(&self->ev, SESS, PATCH, &de, 10000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(2, de.d.drain_closed_busy);
	EXPECT_EQ(2, de.d.drain_gone);
	EXPECT_EQ(0, de.d.drain_closed_idle + de.d.drain_reset +
		     de.d.drain_remaining);
	/* Far before the 10 s deadline (about 0.4 s; slow VMs more). */
	EXPECT_GT(5000 * MS, de.d.drain_elapsed_ns);
	EXPECT_GT(6000 * MS, de.t_done - t0);
	expect_decreasing(_metadata, &de);
}

TEST_F(dr, nothing_to_drain)
{
	struct drain_ev de;
	struct srv_resp r;
	struct dt_obj o;
	__u64 t0;
	int fd;

	/* The patched has nothing; the original has one (not drained). */
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	idle_clients(_metadata, self, &self->srv[0], &fd, 1);
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_PATCHED,
				   &self->ack), self->ack);
	dt_flush_ntf(&self->ev);
	t0 = now_ns();
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH, 5000, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(0, o.drain_remaining);
	drain_events(&self->ev, SESS, PATCH, &de, 10000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(0, de.d.drain_remaining + de.d.drain_closed_idle +
		     de.d.drain_closed_busy + de.d.drain_reset +
		     de.d.drain_gone);
	/* At once, not at the 5 s deadline. */
	EXPECT_GT(1000 * MS, de.d.drain_elapsed_ns);
	EXPECT_GT(2500 * MS, de.t_done - t0);
	EXPECT_EQ(DPO_OWNER_ORIGINAL, de.owner);
	/* The original's connection was left alone. */
	EXPECT_EQ(0, cli_exchange(fd, self->next_id++, 40, 100, 0, &r, 3000));
	EXPECT_EQ(ORIG, r.role);
}

TEST_F(dr, one_drain_at_a_time)
{
	struct srv *sp = &self->srv[1];
	struct drain_ev de;
	struct dt_obj o;
	int fd, reads;
	__u64 t;

	idle_clients(_metadata, self, sp, &fd, 1);
	reads = srv_log->slot[1].reads;
	ASSERT_EQ(0, cli_send(fd, self->next_id++, 40, 100, 0, SRV_F_HOLD));
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[1].reads, reads + 1, 3000));
	dt_flush_ntf(&self->ev);
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH, 800, NULL, &self->ack),
		     self->ack);
	EXPECT_NL_ERR(dt_drain(&self->nl, SESS, PATCH, 800, NULL, &self->ack),
		      self->ack, EBUSY, NULL);
	EXPECT_NL_ERR(dt_drain(&self->nl, SESS, ORIG, 800, NULL, &self->ack),
		      self->ack, EBUSY, NULL);
	drain_events(&self->ev, SESS, PATCH, &de, 10000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(1, de.d.drain_reset);
	/* Finished (and the server closed the reset connection): the next
	 * one is accepted. */
	ASSERT_EQ(0, srv_release(sp, 'c'));
	for (t = now_ns() + 10000 * MS;
	     conns_of(&self->nl, sp->pid, NULL) > 0 && now_ns() < t;)
		usleep(5000);
	EXPECT_EQ(0, conns_of(&self->nl, sp->pid, NULL));
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, PATCH, 800, &o, &self->ack),
		     self->ack);
	drain_events(&self->ev, SESS, PATCH, &de, 10000);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(0, de.d.drain_reset + de.d.drain_closed_idle +
		     de.d.drain_closed_busy + de.d.drain_gone);
}

/*
 * A sweep looks at every pending connection once per tick: connections
 * with a request nobody has read (claimed, found busy, pending again)
 * that come first in the registry must not hide the idle ones behind
 * them until the deadline. Here the test process is the original of a
 * session of its own, and never reads.
 */
#define SESS_SWEEP	"st-drain-sweep"
#define NUNREAD		70	/* more than a sweep's batch (64) */
#define NIDLE		4

TEST_F_TIMEOUT(dr, sweep_reaches_every_connection, 60)
{
	int cfd[NUNREAD + NIDLE], afd[NUNREAD + NIDLE], lfd, i;
	struct drain_ev de;
	pid_t other;
	__u16 port;
	__u64 t0;

	lfd = tcp_listener(AF_INET, &port);
	ASSERT_LE(0, lfd);
	other = fork();
	ASSERT_LE(0, other);
	if (other == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	ASSERT_NL_OK(own_session(&self->nl, SESS_SWEEP, lfd, other,
				 &self->ack), self->ack);
	for (i = 0; i < NUNREAD + NIDLE; i++) {
		cfd[i] = cli_connect(AF_INET, port);
		ASSERT_LE(0, cfd[i]);
		if (i < NUNREAD)
			ASSERT_EQ(1, write(cfd[i], "q", 1));
		afd[i] = accept_wait(lfd, 3000);
		ASSERT_LE(0, afd[i]);
	}
	sleep_ms(50);

	dt_flush_ntf(&self->ev);
	t0 = now_ns();
	ASSERT_NL_OK(dt_drain(&self->nl, SESS_SWEEP, ORIG, 5000, NULL,
			       &self->ack), self->ack);
	/* The idle ones at once, long before the deadline (t0 + 5 s). */
	for (i = NUNREAD; i < NUNREAD + NIDLE; i++) {
		__u64 left = t0 + 3500 * MS - now_ns();

		EXPECT_EQ(0, cli_wait_eof(cfd[i], left < 3500 * MS ?
						  left / MS + 1 : 1)) {
			TH_LOG("idle client %d: no EOF %.0f ms into the drain",
			       i - NUNREAD, (now_ns() - t0) / 1e6);
		}
	}
	drain_events(&self->ev, SESS_SWEEP, ORIG, &de, 15000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(NIDLE, de.d.drain_closed_idle);
	EXPECT_EQ(NUNREAD, de.d.drain_reset);
	EXPECT_EQ(0, de.d.drain_remaining);

	for (i = 0; i < NUNREAD + NIDLE; i++) {
		close(afd[i]);
		close(cfd[i]);
	}
	close(lfd);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
}

/*
 * A promotion's drain of the original (owner patched) is cut short when
 * the original must take new connections again: the patched exits, the
 * controller's socket closes (fail-safe owner original), or an operator
 * switches back. Before, the drain went on shutting down every connection
 * of the only role serving and reset the busy ones at its deadline.
 */
enum cut { CUT_PATCHED_EXITS, CUT_CONTROLLER_LOST, CUT_OWNER_SET };

/* Far beyond the cut, even on a slow debug VM. */
#define CUT_DEADLINE_MS	4000

static void promotion_cut_short(struct __test_metadata *_metadata,
				FIXTURE_DATA(dr) *self, enum cut how)
{
	struct srv *so = &self->srv[0], *sp = &self->srv[1];
	struct dt_sock ctl = { .fd = -1 };
	int fd[2], busy, nf, ret, i;
	__u32 busy_id;
	struct drain_ev de;
	struct srv_resp r;
	__u64 t0;

	if (how == CUT_CONTROLLER_LOST) {
		ASSERT_EQ(0, dt_connect(&ctl));
		ASSERT_NL_OK(dt_session_claim(&ctl, SESS, DPO_OWNER_ORIGINAL,
					       &self->ack), self->ack);
	}
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	idle_clients(_metadata, self, so, fd, 2);
	/* One busy connection of the original: its request is held. */
	busy = cconnect(self);
	ASSERT_LE(0, busy);
	busy_id = self->next_id++;
	ASSERT_EQ(0, cli_send(busy, busy_id, 40, 100, 0, SRV_F_HOLD));
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[0].held, 1, 10000));

	dt_flush_ntf(&self->ev);
	t0 = now_ns();
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, ORIG, CUT_DEADLINE_MS, NULL,
			       &self->ack), self->ack);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(0, cli_wait_eof(fd[i], 10000));

	switch (how) {
	case CUT_PATCHED_EXITS:
		srv_stop(sp);
		break;
	case CUT_CONTROLLER_LOST:
		dt_close(&ctl);
		break;
	case CUT_OWNER_SET:
		ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
					   &self->ack), self->ack);
		break;
	}
	drain_events(&self->ev, SESS, ORIG, &de, 10000);
	log_done(_metadata, "drain cut short", &de);
	ASSERT_TRUE(de.done);
	EXPECT_TRUE(DPO_HAS(&de.d, DPO_A_DRAIN_CANCELLED));
	EXPECT_EQ(DPO_OWNER_ORIGINAL, de.owner);
	EXPECT_EQ(2, de.d.drain_closed_idle);
	EXPECT_EQ(1, de.d.drain_remaining);
	EXPECT_EQ(0, de.d.drain_reset);

	/* The busy connection gets its answer and stays open... */
	ASSERT_EQ(0, srv_release(so, 'r'));
	ASSERT_EQ(0, cli_recv(busy, 100, &r, 10000));
	EXPECT_EQ(busy_id, r.id);
	/* ...past the old deadline, for more requests. */
	while (now_ns() < t0 + (CUT_DEADLINE_MS + 500) * MS)
		sleep_ms(50);
	ret = cli_exchange(busy, self->next_id++, 40, 100, 0, &r, 10000);
	EXPECT_EQ(0, ret) {
		TH_LOG("the original's connection after the drain was cut short: %s",
		       strerror(-ret));
	}
	EXPECT_EQ(ORIG, r.role);
	/* New connections go to the original and are served. */
	nf = cconnect(self);
	ASSERT_LE(0, nf);
	ret = cli_exchange(nf, self->next_id++, 40, 100, 0, &r, 10000);
	EXPECT_EQ(0, ret) TH_LOG("new connection: %s", strerror(-ret));
	EXPECT_EQ(ORIG, r.role);
	EXPECT_EQ(0, cli_exchange(nf, self->next_id++, 40, 100, 0, &r, 10000));
	dt_close(&ctl);
}

TEST_F_TIMEOUT(dr, promotion_cut_short_patched_exits, 60)
{
	promotion_cut_short(_metadata, self, CUT_PATCHED_EXITS);
}

TEST_F_TIMEOUT(dr, promotion_cut_short_controller_lost, 60)
{
	promotion_cut_short(_metadata, self, CUT_CONTROLLER_LOST);
}

TEST_F_TIMEOUT(dr, promotion_cut_short_owner_set, 60)
{
	promotion_cut_short(_metadata, self, CUT_OWNER_SET);
}

/* ---- 5. idle mark ---------------------------------------------------------------- */

/*
 * A drain with an idle mark (here PostgreSQL's ReadyForQuery, idle)
 * closes a connection only when the server's last bytes end with it: a
 * session in a transaction (answers ending with ReadyForQuery 'T') spans
 * several requests, and closing it at a request boundary would abort the
 * client's transaction.
 */

/* Never reached: the mark ends the drain. */
#define MARK_DEADLINE_MS	30000

/* One request answered with 100 bytes ending as @flags say; 0 or -errno. */
static int mark_exchange(FIXTURE_DATA(dr) *self, int fd, __u32 flags, int ms)
{
	__u32 id = self->next_id++;
	struct srv_resp r;
	int ret;

	ret = cli_send(fd, id, 40, 100, 0, flags);
	if (!ret)
		ret = cli_recv(fd, 100, &r, ms);
	if (!ret && r.id != id)
		ret = -EPROTO;
	return ret;
}

TEST_F_TIMEOUT(dr, idle_mark_waits_for_mark, 90)
{
	struct srv *sp = &self->srv[1];
	struct drain_ev de;
	struct dt_obj o;
	int fd[2], ret;

	idle_clients(_metadata, self, sp, fd, 2);
	/* fd[0] in a transaction, fd[1] idle at the protocol level. */
	ASSERT_EQ(0, mark_exchange(self, fd[0], SRV_F_IN_TX, 3000));
	ASSERT_EQ(0, mark_exchange(self, fd[1], SRV_F_IDLE, 3000));
	wait_idle(_metadata, self, sp);
	dt_flush_ntf(&self->ev);
	ASSERT_NL_OK(dt_drain_mark(&self->nl, SESS, PATCH, MARK_DEADLINE_MS,
				    SRV_IDLE_MARK, SRV_MARK_LEN, &o,
				    &self->ack), self->ack);
	EXPECT_EQ(2, o.drain_remaining);
	EXPECT_EQ(SRV_MARK_LEN, o.drain_idle_mark_len);
	EXPECT_EQ(0, memcmp(SRV_IDLE_MARK, o.drain_idle_mark, SRV_MARK_LEN));

	/* Idle at the mark: shut down at once. */
	EXPECT_EQ(0, cli_wait_eof(fd[1], 10000));
	/*
	 * In a transaction: it stays open, through sweeps (given time to
	 * run, not asserted on) and answers that do not end with the mark.
	 */
	sleep_ms(10 * DPO_DRAIN_TICK_MS);
	ret = mark_exchange(self, fd[0], SRV_F_IN_TX, 10000);
	EXPECT_EQ(0, ret) TH_LOG("in a transaction: %s", strerror(-ret));
	ret = mark_exchange(self, fd[0], 0, 10000);
	EXPECT_EQ(0, ret) TH_LOG("an answer without the mark: %s",
				 strerror(-ret));
	/* The answer that ends the transaction: all of it, then EOF. */
	ret = mark_exchange(self, fd[0], SRV_F_IDLE, 10000);
	EXPECT_EQ(0, ret) TH_LOG("the answer with the mark: %s",
				 strerror(-ret));
	EXPECT_EQ(0, cli_wait_eof(fd[0], 10000));

	drain_events(&self->ev, SESS, PATCH, &de, 15000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(1, de.d.drain_closed_idle);
	EXPECT_EQ(1, de.d.drain_closed_busy);
	EXPECT_EQ(0, de.d.drain_reset + de.d.drain_gone +
		     de.d.drain_remaining);
	EXPECT_GT(MARK_DEADLINE_MS * MS, de.d.drain_elapsed_ns);
	EXPECT_EQ(SRV_MARK_LEN, de.d.drain_idle_mark_len);
	EXPECT_EQ(0, srv_log->slot[1].write_err);
}

#define MARK_RESET_MS	1500

/* Idle short of the mark until the deadline: reset then, as a busy one. */
TEST_F_TIMEOUT(dr, idle_mark_deadline_resets, 60)
{
	struct srv *sp = &self->srv[1];
	struct drain_ev de;
	__u64 t0, t;
	int fd, ret;

	idle_clients(_metadata, self, sp, &fd, 1);
	ASSERT_EQ(0, mark_exchange(self, fd, SRV_F_IN_TX, 3000));
	wait_idle(_metadata, self, sp);
	dt_flush_ntf(&self->ev);
	t0 = now_ns();
	ASSERT_NL_OK(dt_drain_mark(&self->nl, SESS, PATCH, MARK_RESET_MS,
				    SRV_IDLE_MARK, SRV_MARK_LEN, NULL,
				    &self->ack), self->ack);
	ret = cli_wait_eof(fd, MARK_RESET_MS + 10000);
	t = now_ns() - t0;
	EXPECT_EQ(-ECONNRESET, ret) TH_LOG("client: %s after %.1f ms",
					   strerror(-ret), t / 1e6);
	/* Not before the deadline. */
	EXPECT_LE((MARK_RESET_MS - 50) * MS, t);
	drain_events(&self->ev, SESS, PATCH, &de, 15000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(1, de.d.drain_reset);
	EXPECT_EQ(0, de.d.drain_closed_idle + de.d.drain_closed_busy +
		     de.d.drain_gone + de.d.drain_remaining);
}

/*
 * A login is several requests (PostgreSQL: the SSL request, the startup,
 * then the first query): a drain with drain-min-requests leaves a
 * connection that answered fewer alone, idle or not, and closes it after
 * the answer that reaches the count (with the mark, if it has one).
 */
TEST_F_TIMEOUT(dr, min_requests_spares_a_login, 90)
{
	struct srv *sp = &self->srv[1];
	struct drain_ev de;
	struct dt_obj o;
	int fd[2], ret;

	/* Each answered one request (its "SSL request"); fd[1] 2 more. */
	idle_clients(_metadata, self, sp, fd, 2);
	ASSERT_EQ(0, mark_exchange(self, fd[1], 0, 3000));
	ASSERT_EQ(0, mark_exchange(self, fd[1], SRV_F_IDLE, 3000));
	wait_idle(_metadata, self, sp);
	dt_flush_ntf(&self->ev);
	ASSERT_NL_OK(dt_drain_when(&self->nl, SESS, PATCH, MARK_DEADLINE_MS,
				    SRV_IDLE_MARK, SRV_MARK_LEN, 3, &o,
				    &self->ack), self->ack);
	EXPECT_EQ(2, o.drain_remaining);
	EXPECT_EQ(3, o.drain_min_requests);

	/* Past its login and idle at the mark: shut down at once. */
	EXPECT_EQ(0, cli_wait_eof(fd[1], 10000));
	/* In its login: the second answer ends at the mark, yet too soon. */
	sleep_ms(10 * DPO_DRAIN_TICK_MS);
	ret = mark_exchange(self, fd[0], SRV_F_IDLE, 10000);
	EXPECT_EQ(0, ret) TH_LOG("the login's end: %s", strerror(-ret));
	/* Its first query: answered whole, then EOF. */
	ret = mark_exchange(self, fd[0], SRV_F_IDLE, 10000);
	EXPECT_EQ(0, ret) TH_LOG("the first query: %s", strerror(-ret));
	EXPECT_EQ(0, cli_wait_eof(fd[0], 10000));

	drain_events(&self->ev, SESS, PATCH, &de, 15000);
	log_done(_metadata, "drain", &de);
	ASSERT_TRUE(de.done);
	EXPECT_EQ(1, de.d.drain_closed_idle);
	EXPECT_EQ(1, de.d.drain_closed_busy);
	EXPECT_EQ(0, de.d.drain_reset + de.d.drain_gone +
		     de.d.drain_remaining);
	EXPECT_EQ(3, de.d.drain_min_requests);
	EXPECT_EQ(0, srv_log->slot[1].write_err);
}

TEST_HARNESS_MAIN
