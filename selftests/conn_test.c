// SPDX-License-Identifier: GPL-2.0
/*
 * dpo connection registry (DPO_CMD_CONN_GET) and the per-instance traffic
 * of the samples: what is registered (and what is not), each connection's
 * addresses, counters and state, the registry against the kernel's own
 * socket table (what ss(8) shows, queried with inet_diag), traffic totals,
 * rates and latency histograms in the samples, dump filters, permissions.
 *
 * Three request/response servers (conn_util.h) accept on an IPv4 and an
 * IPv6 loopback listener: an original and a patched instance of the
 * session, and a process that is not an instance.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/userfaultfd.h>

#include "dpo_harness.h"
#include "conn_util.h"

#define SESS	"st-conn"
#define SESS2	"st-conn-2"
#define ORIG	DPO_ROLE_ORIGINAL
#define PATCH	DPO_ROLE_PATCHED
#define NOBODY	65534
#define MAXC	128
#define MAXOBJ	256
#define MAXSMP	512

#define TCPS_ESTABLISHED	1
#define TCPS_CLOSE_WAIT		8

static struct dt_obj objs[MAXOBJ];
static struct dt_obj smp_buf[MAXSMP];

static const int fam_of[2] = { AF_INET, AF_INET6 };

FIXTURE(ct) {
	struct dt_sock nl, smp;
	struct dt_ack ack;
	struct srv srv[3];	/* original, patched, not an instance */
	int lfd[2];		/* IPv4, IPv6 */
	__u16 port[2];
	__u32 lid[2];
	int cfd[MAXC];
	int ncfd;
	__u32 next_id;
};

FIXTURE_SETUP(ct)
{
	struct dt_obj o;
	int i;

	self->nl.fd = self->smp.fd = -1;
	self->lfd[0] = self->lfd[1] = -1;
	for (i = 0; i < 3; i++)
		self->srv[i].pid = self->srv[i].cmd_fd = self->srv[i].rep_fd = -1;
	self->ncfd = 0;
	self->next_id = 1;
	ASSERT_CONNECT_RESET(&self->nl);
	ASSERT_EQ(0, srv_log_init());
	for (i = 0; i < 2; i++) {
		self->lfd[i] = tcp_listener(fam_of[i], &self->port[i]);
		ASSERT_LE(0, self->lfd[i]) {
			TH_LOG("listener (family %d): %s", fam_of[i],
			       strerror(-self->lfd[i]));
		}
	}
	ASSERT_EQ(0, srv_start(&self->srv[0], self->lfd, 2, 0, ORIG));
	ASSERT_EQ(0, srv_start(&self->srv[1], self->lfd, 2, 1, PATCH));
	ASSERT_EQ(0, srv_start(&self->srv[2], self->lfd, 2, 2, 0));
	/* Joined before the instances are added: their first samples too. */
	ASSERT_EQ(0, dt_listen(&self->smp, &self->nl, self->nl.grp_samples));
	/*
	 * Samples are read after seconds of load: a default buffer overflowed
	 * on the debug kernel (one sample of 43 missed).
	 */
	dt_set_rcvbuf(&self->smp, 8 << 20);
	ASSERT_NL_OK(dt_session_pair(&self->nl, SESS, self->srv[0].pid,
				     self->srv[1].pid, self->lfd[0],
				     &self->lid[0], 0, &self->ack), self->ack);
	ASSERT_NL_OK(dt_listener_add(&self->nl, SESS, self->lfd[1], &o,
				      &self->ack), self->ack);
	self->lid[1] = o.listener_id;
}

FIXTURE_TEARDOWN(ct)
{
	int i;

	teardown_begin(_metadata);
	for (i = 0; i < 3; i++)
		srv_stop(&self->srv[i]);
	close_fds(self->cfd, self->ncfd);
	close_fds(self->lfd, 2);
	dt_close(&self->smp);
	EXPECT_RESET_CLOSE(&self->nl);
}

/* ---- helpers --------------------------------------------------------------- */

/* A client of listener @fi (0: IPv4, 1: IPv6), kept for the teardown. */
static int cconnect(FIXTURE_DATA(ct) *self, int fi)
{
	return keep_fd(self->cfd, &self->ncfd, MAXC,
		       cli_connect(fam_of[fi], self->port[fi]));
}

static void cclose(FIXTURE_DATA(ct) *self, int fd)
{
	drop_fd(self->cfd, self->ncfd, fd);
}

/*
 * Dump @sess until the connection of client port @port has answered
 * @requests requests (@requests < 0: until it is gone). 0 and *@out, or
 * -ETIMEDOUT with the last entry seen in *@out (cmd 0 if none).
 */
static int conn_wait(struct dt_sock *nl, const char *sess, __u16 port,
		     long long requests, struct dt_obj *out, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;

	for (;;) {
		const struct dt_obj *e;
		int n = 0, ret;

		ret = dt_conn_dump(nl, sess, 0, objs, MAXOBJ, &n, NULL);
		if (ret)
			return ret;
		e = conn_find(objs, n < MAXOBJ ? n : MAXOBJ, port);
		memset(out, 0, sizeof(*out));
		if (e)
			*out = *e;
		if (requests < 0 ? !e : e && e->requests >= (__u64)requests)
			return 0;
		if (now_ns() > end)
			return -ETIMEDOUT;
		usleep(2000);
	}
}

static void expect_loopback(struct __test_metadata *_metadata, int family,
			    const __u8 *addr, int len, const char *what)
{
	if (family == AF_INET) {
		__u32 lo = htonl(INADDR_LOOPBACK);

		EXPECT_EQ(4, len) TH_LOG("%s length", what);
		EXPECT_EQ(0, memcmp(addr, &lo, 4)) TH_LOG("%s not 127.0.0.1", what);
	} else {
		EXPECT_EQ(16, len) TH_LOG("%s length", what);
		EXPECT_EQ(0, memcmp(addr, &in6addr_loopback, 16))
			TH_LOG("%s not ::1", what);
	}
}

struct expect {
	const char *sess;
	__u32 pid;
	__u8 role;
	int family;
	__u16 port, peer_port;
	__u8 state;
	__u64 bytes_in, bytes_out, requests;
};

static void expect_conn(struct __test_metadata *_metadata,
			const struct dt_obj *o, const struct expect *x)
{
	EXPECT_EQ(DPO_CMD_CONN_GET, o->cmd);
	EXPECT_STREQ(x->sess, o->session);
	EXPECT_EQ(x->pid, o->pid);
	EXPECT_EQ(x->role, o->role);
	EXPECT_EQ(x->family, o->family);
	EXPECT_EQ(x->port, o->port);
	EXPECT_EQ(x->peer_port, o->peer_port);
	expect_loopback(_metadata, x->family, o->addr, o->addr_len, "ADDR");
	expect_loopback(_metadata, x->family, o->peer_addr, o->peer_addr_len,
			"PEER_ADDR");
	EXPECT_EQ(x->state, o->conn_state) {
		TH_LOG("client port %u: state %s, want %s", x->peer_port,
		       conn_state_name(o->conn_state),
		       conn_state_name(x->state));
	}
	EXPECT_EQ(x->bytes_in, o->bytes_in) TH_LOG("port %u", x->peer_port);
	EXPECT_EQ(x->bytes_out, o->bytes_out) TH_LOG("port %u", x->peer_port);
	EXPECT_EQ(x->requests, o->requests) TH_LOG("port %u", x->peer_port);
	EXPECT_TRUE(DPO_HAS(o, DPO_A_ACCEPT_TIME_NS) &&
		    DPO_HAS(o, DPO_A_LAST_ACTIVITY_NS) &&
		    DPO_HAS(o, DPO_A_BYTES_IN) && DPO_HAS(o, DPO_A_BYTES_OUT) &&
		    DPO_HAS(o, DPO_A_REQUESTS) && DPO_HAS(o, DPO_A_CONN_STATE));
	EXPECT_LE(o->accept_time_ns, o->last_activity_ns);
	EXPECT_GE(now_ns(), o->last_activity_ns);
}

/* ---- 1. what a registry entry says ------------------------------------------ */

static void registry_family(struct __test_metadata *_metadata,
			    FIXTURE_DATA(ct) *self, int fi)
{
	static const struct { __u32 req, resp; } xa[] = {
		{ 100, 1000 }, { 5000, 16 }, { 24, 65536 },
	}, xb[] = {
		{ 300, 200 }, { 64, 16 },
	};
	struct srv *so = &self->srv[0], *sp = &self->srv[1];
	struct expect ea = {
		.sess = SESS, .pid = so->pid, .role = ORIG,
		.family = fam_of[fi], .port = self->port[fi],
		.state = DPO_CONN_IDLE,
	}, eb = ea;
	struct dt_obj o;
	__u64 t0, t1, last;
	unsigned int k;
	int a, b, n, closed;

	eb.pid = sp->pid;
	eb.role = PATCH;
	ASSERT_EQ(0, srv_go(so));
	ASSERT_EQ(0, srv_go(sp));

	/* One connection to each instance. */
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	t0 = now_ns();
	a = cconnect(self, fi);
	ASSERT_LE(0, a);
	ea.peer_port = sock_port(a);
	srv_pump(so, 3000, 1);
	ASSERT_TRUE(srv_took(so, ea.peer_port));
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_PATCHED,
				   &self->ack), self->ack);
	b = cconnect(self, fi);
	ASSERT_LE(0, b);
	eb.peer_port = sock_port(b);
	srv_pump(sp, 3000, 1);
	ASSERT_TRUE(srv_took(sp, eb.peer_port));
	t1 = now_ns();

	/* Accepted, nothing read yet: idle, all zero. */
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	ASSERT_EQ(2, n);
	ASSERT_NE(NULL, conn_find(objs, n, ea.peer_port));
	ASSERT_NE(NULL, conn_find(objs, n, eb.peer_port));
	expect_conn(_metadata, conn_find(objs, n, ea.peer_port), &ea);
	expect_conn(_metadata, conn_find(objs, n, eb.peer_port), &eb);
	o = *conn_find(objs, n, ea.peer_port);
	EXPECT_LE(t0, o.accept_time_ns);
	EXPECT_GE(t1, o.accept_time_ns);

	/* Exchanges: exact byte counts, one request each. */
	for (k = 0; k < sizeof(xa) / sizeof(xa[0]); k++) {
		ASSERT_EQ(0, cli_exchange(a, self->next_id++, xa[k].req,
					  xa[k].resp, 0, NULL, 5000));
		ea.bytes_in += xa[k].req;
		ea.bytes_out += xa[k].resp;
		ea.requests++;
	}
	for (k = 0; k < sizeof(xb) / sizeof(xb[0]); k++) {
		ASSERT_EQ(0, cli_exchange(b, self->next_id++, xb[k].req,
					  xb[k].resp, 0, NULL, 5000));
		eb.bytes_in += xb[k].req;
		eb.bytes_out += xb[k].resp;
		eb.requests++;
	}
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, ea.peer_port, ea.requests,
			       &o, 10000));
	expect_conn(_metadata, &o, &ea);
	last = o.last_activity_ns;
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, eb.peer_port, eb.requests,
			       &o, 10000));
	expect_conn(_metadata, &o, &eb);

	/* The server read a request and holds it: busy until answered. */
	ASSERT_EQ(0, cli_send(a, self->next_id++, 50, 16, 0, SRV_F_HOLD));
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[0].held, 1, 10000));
	ea.bytes_in += 50;
	ea.state = DPO_CONN_BUSY;
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	ASSERT_NE(NULL, conn_find(objs, n, ea.peer_port));
	expect_conn(_metadata, conn_find(objs, n, ea.peer_port), &ea);
	EXPECT_LT(last, conn_find(objs, n, ea.peer_port)->last_activity_ns);
	ASSERT_NE(NULL, conn_find(objs, n, eb.peer_port));
	expect_conn(_metadata, conn_find(objs, n, eb.peer_port), &eb);
	ASSERT_EQ(0, srv_release(so, 'r'));
	ASSERT_EQ(0, cli_recv(a, 16, &(struct srv_resp){ 0 }, 10000));
	ea.bytes_out += 16;
	ea.requests++;
	ea.state = DPO_CONN_IDLE;
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, ea.peer_port, ea.requests,
			       &o, 10000));
	expect_conn(_metadata, &o, &ea);

	/* The server answers and closes: the entry goes. */
	ASSERT_EQ(0, cli_send(a, self->next_id++, 24, 16, 0, SRV_F_CLOSE));
	ASSERT_EQ(0, cli_recv(a, 16, &(struct srv_resp){ 0 }, 10000));
	EXPECT_EQ(0, cli_wait_eof(a, 10000));
	EXPECT_EQ(0, conn_wait(&self->nl, SESS, ea.peer_port, -1, &o, 10000)) {
		TH_LOG("server closed client port %u: still registered (%s)",
		       ea.peer_port, conn_state_name(o.conn_state));
	}

	/* The client closes, the server closes at EOF: the entry goes. */
	closed = srv_log->slot[1].closed;
	cclose(self, b);
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[1].closed, closed + 1, 10000));
	EXPECT_EQ(0, conn_wait(&self->nl, SESS, eb.peer_port, -1, &o, 10000)) {
		TH_LOG("client closed port %u: still registered (%s)",
		       eb.peer_port, conn_state_name(o.conn_state));
	}
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(0, n);
}

TEST_F(ct, registry_ipv4)
{
	registry_family(_metadata, self, 0);
}

TEST_F(ct, registry_ipv6)
{
	registry_family(_metadata, self, 1);
}

/*
 * What one request is: two requests pipelined in one write, answered one
 * after the other, count as one (the first answer leaves the second
 * unread); an answer in two writes, the first with MSG_MORE, counts once,
 * and the connection is busy between them.
 */
TEST_F(ct, pipelined_and_msg_more)
{
	struct srv_req two[2];
	struct srv_resp r;
	struct dt_obj o;
	__u64 end;
	__u16 port;
	int c, k;

	ASSERT_EQ(0, srv_go(&self->srv[0]));
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	c = cconnect(self, 0);
	ASSERT_LE(0, c);
	port = sock_port(c);

	for (k = 0; k < 2; k++)
		two[k] = (struct srv_req){
			.magic = SRV_MAGIC, .id = self->next_id++,
			.req_len = sizeof(two[0]), .resp_len = 16,
		};
	ASSERT_EQ((int)sizeof(two), send(c, two, sizeof(two), MSG_NOSIGNAL));
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, cli_recv(c, 16, &r, 10000));
		EXPECT_EQ(two[k].id, r.id);
	}
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, port, 1, &o, 10000));
	sleep_ms(50);
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, port, 1, &o, 10000));
	EXPECT_EQ(1, o.requests);
	EXPECT_EQ(2 * sizeof(two[0]), o.bytes_in);
	EXPECT_EQ(32, o.bytes_out);
	EXPECT_EQ(DPO_CONN_IDLE, o.conn_state);

	/*
	 * 64 bytes: 32 with MSG_MORE, 1 s, 32. The registry is read in that
	 * second (a slow VM can take a few hundred ms to see the first part).
	 */
	ASSERT_EQ(0, cli_send(c, self->next_id, 24, 64, 1000000, SRV_F_MORE));
	end = now_ns() + 10000000000ULL;
	do {
		ASSERT_EQ(0, conn_wait(&self->nl, SESS, port, 1, &o, 10000));
	} while (o.bytes_out < 64 && now_ns() < end);
	EXPECT_EQ(64, o.bytes_out);
	EXPECT_EQ(1, o.requests);
	EXPECT_EQ(DPO_CONN_BUSY, o.conn_state) {
		TH_LOG("between the two writes: %s",
		       conn_state_name(o.conn_state));
	}
	ASSERT_EQ(0, cli_recv(c, 64, &r, 10000));
	EXPECT_EQ(self->next_id, r.id);
	self->next_id++;
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, port, 2, &o, 10000));
	EXPECT_EQ(2, o.requests);
	EXPECT_EQ(96, o.bytes_out);
	EXPECT_EQ(DPO_CONN_IDLE, o.conn_state);
}

/* ---- 2. what is not registered --------------------------------------------------- */

TEST_F(ct, not_registered)
{
	struct srv *so = &self->srv[0], *sx = &self->srv[2];
	struct dt_obj o;
	int c1, c2, c3, n, port;

	/* Accepted by an instance while the listener is not attached. */
	ASSERT_NL_OK(dt_listener_del(&self->nl, self->lid[0], &self->ack),
		     self->ack);
	c1 = cconnect(self, 0);
	ASSERT_LE(0, c1);
	port = srv_accept_one(so);
	ASSERT_EQ(sock_port(c1), port);
	ASSERT_EQ(0, cli_exchange(c1, self->next_id++, 100, 200, 0, NULL, 10000));
	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(0, n);

	/* Attached again: that connection stays unregistered. */
	ASSERT_NL_OK(dt_listener_add(&self->nl, SESS, self->lfd[0], &o,
				      &self->ack), self->ack);
	self->lid[0] = o.listener_id;
	ASSERT_EQ(0, cli_exchange(c1, self->next_id++, 100, 200, 0, NULL, 10000));
	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(0, n);

	/* Accepted through the attached listener by a process that is not
	 * an instance. */
	c2 = cconnect(self, 0);
	ASSERT_LE(0, c2);
	port = srv_accept_one(sx);
	ASSERT_EQ(sock_port(c2), port);
	ASSERT_EQ(0, cli_exchange(c2, self->next_id++, 100, 200, 0, NULL, 10000));
	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(0, n);

	/* By the instance: registered, alone. */
	c3 = cconnect(self, 0);
	ASSERT_LE(0, c3);
	port = srv_accept_one(so);
	ASSERT_EQ(sock_port(c3), port);
	ASSERT_EQ(0, cli_exchange(c3, self->next_id++, 100, 200, 0, NULL, 10000));
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, sock_port(c3), 1, &o, 10000));
	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(1, n);
	EXPECT_EQ(so->pid, objs[0].pid);
	EXPECT_EQ(sock_port(c3), objs[0].peer_port);

	/* The samples count that one only. */
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, so->pid, now_ns(), &o,
					   3000));
	EXPECT_EQ(1, o.stats.conns_accepted);
	EXPECT_EQ(1, o.stats.conns_active);
	EXPECT_EQ(1, o.stats.requests);
	EXPECT_EQ(100, o.stats.bytes_in);
	EXPECT_EQ(200, o.stats.bytes_out);
	ASSERT_NL_OK(dt_listener_get(&self->nl, self->lid[0], &o, &self->ack),
		     self->ack);
	EXPECT_EQ(1, o.accepted_original);
	EXPECT_EQ(1, o.accepted_other);
}

/* Deleting the session forgets its connections; they keep working. */
TEST_F(ct, session_del_unregisters)
{
	struct dt_obj o;
	int c, n;

	ASSERT_EQ(0, srv_go(&self->srv[0]));
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	c = cconnect(self, 1);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, cli_exchange(c, self->next_id++, 30, 40, 0, NULL, 10000));
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, sock_port(c), 1, &o, 10000));
	ASSERT_NL_OK(dt_session_del(&self->nl, SESS, &self->ack), self->ack);
	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, cli_exchange(c, self->next_id++, 30, 40, 0, NULL, 10000));
}

/*
 * A listener of SESS2, whose original is the test process, and one
 * connection to it: the listener, the client's and the accepted fd.
 */
static void own_connection(struct __test_metadata *_metadata,
			   FIXTURE_DATA(ct) *self, int *lfd, int *cfd,
			   int *afd)
{
	__u16 port;

	*lfd = tcp_listener(AF_INET, &port);
	ASSERT_LE(0, *lfd);
	ASSERT_NL_OK(own_session(&self->nl, SESS2, *lfd, 0, &self->ack),
		     self->ack);
	*cfd = cli_connect(AF_INET, port);
	ASSERT_LE(0, *cfd);
	*afd = accept_wait(*lfd, 10000);
	ASSERT_LE(0, *afd);
}

/* TCP_ULP is refused (EBUSY) only on a socket with dpo's ops. */
static bool has_dpo_ops(int fd)
{
	return setsockopt(fd, SOL_TCP, TCP_ULP, "", 0) && errno == EBUSY;
}

/*
 * A registered connection made a listener of its own (connect(AF_UNSPEC),
 * listen()): the connections it accepts inherit its ops, and would keep
 * them, and a module reference, invisible to the registry. They get the
 * original ops back; every reference returns after SESSION_DEL.
 */
TEST_F(ct, relistened_connection)
{
	struct sockaddr sa_unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	long base = kmod_refcnt();
	int lfd, cfd, afd, c2, a2, n;

	ASSERT_LE(0, base);
	own_connection(_metadata, self, &lfd, &cfd, &afd);
	EXPECT_TRUE(has_dpo_ops(afd));
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS2, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(1, n);

	ASSERT_EQ(0, connect(afd, &sa_unspec, sizeof(sa_unspec)));
	ASSERT_EQ(0, listen(afd, 4));
	ASSERT_EQ(0, getsockname(afd, (struct sockaddr *)&sin, &len));
	c2 = cli_connect(AF_INET, ntohs(sin.sin_port));
	ASSERT_LE(0, c2);
	a2 = accept_wait(afd, 10000);
	ASSERT_LE(0, a2);
	EXPECT_FALSE(has_dpo_ops(a2)) {
		TH_LOG("a connection of the re-listened socket kept dpo's ops");
	}
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS2, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(1, n);

	close(a2);
	close(c2);
	close(cfd);
	ASSERT_NL_OK(dt_session_del(&self->nl, SESS2, &self->ack), self->ack);
	close(afd);
	close(lfd);
	EXPECT_EQ(base, kmod_refcnt_settle(base, 15000));
}

struct sockopt_call {
	int fd;
	void *optval;
	int ret;
};

static void *sockopt_thread(void *arg)
{
	struct sockopt_call *sc = arg;

	sc->ret = setsockopt(sc->fd, IPPROTO_TCP, TCP_NODELAY, sc->optval,
			     sizeof(int));
	return NULL;
}

/*
 * A setsockopt() in flight on a registered connection runs in dpo's
 * wrapper: SESSION_DEL gives the connection its original ops back, but
 * the module must stay until that call has returned. The call is held in
 * the kernel by a userfaultfd page as its option value.
 */
TEST_F_TIMEOUT(ct, setsockopt_in_flight_holds_module, 60)
{
	struct sockopt_call sc = { .ret = -1 };
	int lfd, cfd, uffd, ret;
	__u64 end;
	char c;
	void *page;
	pthread_t th;

	uffd = uffd_page(&page);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(-uffd));

	own_connection(_metadata, self, &lfd, &cfd, &sc.fd);
	sc.optval = page;

	/* In flight: the kernel waits for the option's page. */
	ASSERT_EQ(0, pthread_create(&th, NULL, sockopt_thread, &sc));
	ASSERT_EQ(0, uffd_wait_fault(uffd, 10000));

	/* Every session gone: only that call can hold the module now. */
	ASSERT_EQ(0, dt_reset(&self->nl, 3000));
	ret = kmod_unload();
	EXPECT_EQ(-EWOULDBLOCK, ret) {
		TH_LOG("delete_module with a setsockopt() in dpo's wrapper: %s",
		       ret ? strerror(-ret) : "unloaded");
	}

	ASSERT_EQ(0, uffd_release(uffd, page));
	pthread_join(th, NULL);
	EXPECT_EQ(0, sc.ret);
	/* Returned: the module can go (and comes back for the rest). */
	for (end = now_ns() + 10000000000ULL; ret && now_ns() < end;) {
		ret = kmod_unload();
		if (ret)
			sleep_ms(10);
	}
	EXPECT_EQ(0, ret);
	if (!kmod_loaded())
		ASSERT_EQ(0, kmod_load());
	ASSERT_EQ(0, dt_resolve(&self->nl));
	/* The connection, restored, still carries data. */
	EXPECT_EQ(1, write(cfd, "x", 1));
	EXPECT_EQ(1, recv(sc.fd, &c, 1, 0));
	close(sc.fd);
	close(cfd);
	close(lfd);
	uffd_close(uffd, page);
}

/* ---- 3. the registry against the kernel's socket table ----------------------------- */

struct peer {
	__u8 addr[16];
	__u16 port;
};

static int peer_cmp(const void *a, const void *b)
{
	const struct peer *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

/*
 * What `ss -tn state established state close-wait sport = :@lport` shows:
 * the server side of every connection of the listener, accepted or not.
 * The peers go to @out, sorted; their number or -errno.
 */
static int diag_peers(int family, __u16 lport, struct peer *out, int max)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char buf[65536];
	int fd, n = 0, err = 0;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = 1;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = (1 << TCPS_ESTABLISHED) | (1 << TCPS_CLOSE_WAIT);
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	while (!done && !err) {
		struct nlmsghdr *nlh;
		ssize_t len = recv(fd, buf, sizeof(buf), 0);

		if (len < 0) {
			err = errno == EINTR ? 0 : -errno;
			continue;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			struct inet_diag_msg *m = NLMSG_DATA(nlh);

			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				err = -((struct nlmsgerr *)m)->error;
				err = err ? -err : -EPROTO;
				break;
			}
			if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    ntohs(m->id.idiag_sport) != lport)
				continue;
			if (n < max) {
				memset(&out[n], 0, sizeof(out[n]));
				memcpy(out[n].addr, m->id.idiag_dst,
				       family == AF_INET ? 4 : 16);
				out[n].port = ntohs(m->id.idiag_dport);
			}
			n++;
		}
	}
	close(fd);
	if (err)
		return err;
	if (n > max)
		return -E2BIG;
	qsort(out, n, sizeof(*out), peer_cmp);
	return n;
}

/* The registry's peers of @family in @sess, sorted; number or -errno. */
static int registry_peers(struct dt_sock *nl, int family, struct peer *out,
			  int max)
{
	int i, n = 0, k = 0, ret;

	ret = dt_conn_dump(nl, SESS, 0, objs, MAXOBJ, &n, NULL);
	if (ret)
		return ret;
	for (i = 0; i < n && i < MAXOBJ; i++) {
		if (objs[i].family != family)
			continue;
		if (k >= max)
			return -E2BIG;
		memset(&out[k], 0, sizeof(out[k]));
		memcpy(out[k].addr, objs[i].peer_addr,
		       objs[i].peer_addr_len <= 16 ? objs[i].peer_addr_len : 16);
		out[k].port = objs[i].peer_port;
		k++;
	}
	qsort(out, k, sizeof(*out), peer_cmp);
	return k;
}

/* Poll until both views agree with @want entries; then compare them. */
static void expect_agree(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ct) *self, int fi, int want)
{
	static struct peer d[MAXC], r[MAXC];
	__u64 end = now_ns() + 10000000000ULL;
	int nd, nr, i;

	for (;;) {
		nd = diag_peers(fam_of[fi], self->port[fi], d, MAXC);
		nr = registry_peers(&self->nl, fam_of[fi], r, MAXC);
		if ((nd == want && nr == want &&
		     !memcmp(d, r, want * sizeof(*d))) || now_ns() > end)
			break;
		usleep(5000);
	}
	ASSERT_LE(0, nd) TH_LOG("inet_diag: %s", strerror(-nd));
	ASSERT_LE(0, nr) TH_LOG("CONN_GET: %s", strerror(-nr));
	EXPECT_EQ(want, nd) TH_LOG("family %d: sockets in the table", fam_of[fi]);
	EXPECT_EQ(want, nr) TH_LOG("family %d: registry entries", fam_of[fi]);
	for (i = 0; i < nd && i < nr; i++) {
		EXPECT_EQ(d[i].port, r[i].port) {
			TH_LOG("family %d, #%d: socket table peer port %u, registry %u",
			       fam_of[fi], i, d[i].port, r[i].port);
			break;
		}
		EXPECT_EQ(0, memcmp(d[i].addr, r[i].addr, 16))
			TH_LOG("peer port %u: addresses differ", d[i].port);
	}
}

TEST_F_TIMEOUT(ct, agrees_with_sock_diag, 60)
{
	struct srv *so = &self->srv[0], *sp = &self->srv[1];
	int fd[2][20], fi, i, n, closed;
	__u64 end;

	ASSERT_EQ(0, srv_go(so));
	ASSERT_EQ(0, srv_go(sp));
	for (fi = 0; fi < 2; fi++) {
		for (i = 0; i < 20; i++) {
			if (i == 0 || i == 10)
				ASSERT_NL_OK(dt_owner_set(&self->nl, SESS,
					i ? DPO_OWNER_PATCHED :
					    DPO_OWNER_ORIGINAL, &self->ack),
					self->ack);
			fd[fi][i] = cconnect(self, fi);
			ASSERT_LE(0, fd[fi][i]);
			/* Half of them with traffic. */
			if (i & 1)
				ASSERT_EQ(0, cli_exchange(fd[fi][i],
					self->next_id++, 64, 64, 0, NULL, 10000));
		}
	}
	/* Every connection accepted (none left in the accept queue). */
	end = now_ns() + 15000000000ULL;
	while (so->naccepted + sp->naccepted < 40 && now_ns() < end) {
		srv_pump(so, 10, 0);
		srv_pump(sp, 10, 0);
	}
	ASSERT_EQ(40, so->naccepted + sp->naccepted);
	TH_LOG("40 connections: %d accepted by the original, %d by the patched",
	       so->naccepted, sp->naccepted);
	EXPECT_LT(0, so->naccepted);
	EXPECT_LT(0, sp->naccepted);
	for (fi = 0; fi < 2; fi++)
		expect_agree(_metadata, self, fi, 20);

	/* Each entry names the process that accepted it. */
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	ASSERT_EQ(40, n);
	for (i = 0; i < n; i++) {
		int f = objs[i].family;
		struct srv *s = srv_took_from(so, f, objs[i].peer_port) ?
				so : sp;

		EXPECT_TRUE(srv_took_from(s, f, objs[i].peer_port));
		EXPECT_EQ(s->pid, objs[i].pid);
		EXPECT_EQ(s->role, objs[i].role);
	}

	/* Per family: 5 closed by the client, 3 by the server. */
	closed = srv_log->slot[0].closed + srv_log->slot[1].closed;
	for (fi = 0; fi < 2; fi++) {
		for (i = 0; i < 5; i++)
			cclose(self, fd[fi][i * 4]);
		for (i = 0; i < 3; i++) {
			int c = fd[fi][i * 4 + 1];

			ASSERT_EQ(0, cli_send(c, self->next_id++, 24, 16, 0,
					      SRV_F_CLOSE));
			ASSERT_EQ(0, cli_recv(c, 16, &(struct srv_resp){ 0 },
					      3000));
			EXPECT_EQ(0, cli_wait_eof(c, 10000));
		}
	}
	end = now_ns() + 10000000000ULL;
	while (srv_log->slot[0].closed + srv_log->slot[1].closed < closed + 16 &&
	       now_ns() < end)
		usleep(2000);
	EXPECT_EQ(closed + 16, srv_log->slot[0].closed + srv_log->slot[1].closed);
	for (fi = 0; fi < 2; fi++)
		expect_agree(_metadata, self, fi, 12);
}

/* ---- 4. traffic in the samples ------------------------------------------------------ */

/*
 * SAMPLE_NTFs of @pid with a sequence number in (@after, @upto] (@upto 0:
 * any) from @smp during up to @ms, or until @upto is seen; how many.
 */
static int collect(struct dt_sock *smp, __u32 pid, __u64 after, __u64 upto,
		   int ms, struct dt_obj *out, int max)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	struct dt_obj o;
	int n = 0;

	for (;;) {
		int ret = dt_recv_ntf_until(smp, &o, end);

		if (ret == -ETIMEDOUT)
			break;
		if (ret || o.cmd != DPO_CMD_SAMPLE_NTF || o.pid != pid ||
		    o.stats.seq <= after || (upto && o.stats.seq > upto))
			continue;
		if (n < max)
			out[n++] = o;
		if (upto && o.stats.seq == upto)
			break;
	}
	return n;
}

/*
 * The SAMPLE_NTFs of two processes in one pass: those of @pid[i] with a
 * sequence number in (@after[i], @upto[i]] go to @out[i] (@n[i] of them),
 * until both @upto are seen or @ms passed.
 */
static void collect2(struct dt_sock *smp, const __u32 *pid, const __u64 *after,
		     const __u64 *upto, int ms, struct dt_obj *out[2], int max,
		     int *n)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	bool seen[2] = { false, false };
	struct dt_obj o;
	int i;

	n[0] = n[1] = 0;
	while (!seen[0] || !seen[1]) {
		int ret = dt_recv_ntf_until(smp, &o, end);

		if (ret == -ETIMEDOUT)
			break;
		if (ret || o.cmd != DPO_CMD_SAMPLE_NTF)
			continue;
		for (i = 0; i < 2; i++) {
			if (o.pid != pid[i] || o.stats.seq <= after[i] ||
			    o.stats.seq > upto[i])
				continue;
			if (n[i] < max)
				out[i][n[i]++] = o;
			if (o.stats.seq == upto[i])
				seen[i] = true;
		}
	}
}

TEST_F(ct, sample_totals)
{
	static const struct { __u32 req, resp; } xo[] = {
		{ 100, 1000 }, { 24, 16 },
	}, xp[] = {
		{ 2000, 300 }, { 24, 5000 }, { 77, 16 },
	};
	struct srv *so = &self->srv[0], *sp = &self->srv[1];
	__u64 in_o = 0, out_o = 0, in_p = 0, out_p = 0;
	struct dt_obj o, first;
	int c[5], i, k, n;

	/* The first sample (at INSTANCE_ADD) has totals but no rates. */
	n = collect(&self->smp, so->pid, 0, 1, 10000, &first, 1);
	ASSERT_EQ(1, n);
	EXPECT_EQ(1, first.stats.seq);
	EXPECT_TRUE(DPO_STATS_HAS(&first.stats, DPO_STATS_A_CONNS_ACCEPTED) &&
		    DPO_STATS_HAS(&first.stats, DPO_STATS_A_CONNS_ACTIVE) &&
		    DPO_STATS_HAS(&first.stats, DPO_STATS_A_REQUESTS) &&
		    DPO_STATS_HAS(&first.stats, DPO_STATS_A_BYTES_IN) &&
		    DPO_STATS_HAS(&first.stats, DPO_STATS_A_BYTES_OUT));
	EXPECT_FALSE(DPO_STATS_HAS(&first.stats, DPO_STATS_A_ACCEPTED_PER_S) ||
		     DPO_STATS_HAS(&first.stats, DPO_STATS_A_REQUESTS_PER_S) ||
		     DPO_STATS_HAS(&first.stats, DPO_STATS_A_BYTES_IN_PER_S) ||
		     DPO_STATS_HAS(&first.stats, DPO_STATS_A_BYTES_OUT_PER_S));
	EXPECT_FALSE(DPO_STATS_HAS(&first.stats, DPO_STATS_A_LAT_HIST) ||
		     DPO_STATS_HAS(&first.stats, DPO_STATS_A_LAT_P50_US));
	EXPECT_EQ(0, first.stats.conns_accepted + first.stats.requests);
	/* The second one has rates. */
	ASSERT_EQ(1, collect(&self->smp, so->pid, 1, 2, 10000, &o, 1));
	EXPECT_TRUE(DPO_STATS_HAS(&o.stats, DPO_STATS_A_ACCEPTED_PER_S) &&
		    DPO_STATS_HAS(&o.stats, DPO_STATS_A_REQUESTS_PER_S) &&
		    DPO_STATS_HAS(&o.stats, DPO_STATS_A_BYTES_IN_PER_S) &&
		    DPO_STATS_HAS(&o.stats, DPO_STATS_A_BYTES_OUT_PER_S));
	/* No request completed: no latency. */
	EXPECT_FALSE(DPO_STATS_HAS(&o.stats, DPO_STATS_A_LAT_P50_US));

	ASSERT_EQ(0, srv_go(so));
	ASSERT_EQ(0, srv_go(sp));
	/* Three connections to the original, two to the patched. */
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	for (i = 0; i < 3; i++) {
		c[i] = cconnect(self, i & 1);
		ASSERT_LE(0, c[i]);
		for (k = 0; k < 2; k++) {
			ASSERT_EQ(0, cli_exchange(c[i], self->next_id++,
						  xo[k].req, xo[k].resp, 0,
						  NULL, 10000));
			in_o += xo[k].req;
			out_o += xo[k].resp;
		}
	}
	srv_pump(so, 3000, 3);
	ASSERT_EQ(3, so->naccepted);
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_PATCHED,
				   &self->ack), self->ack);
	for (i = 3; i < 5; i++) {
		c[i] = cconnect(self, i & 1);
		ASSERT_LE(0, c[i]);
		for (k = 0; k < 3; k++) {
			ASSERT_EQ(0, cli_exchange(c[i], self->next_id++,
						  xp[k].req, xp[k].resp, 0,
						  NULL, 10000));
			in_p += xp[k].req;
			out_p += xp[k].resp;
		}
	}
	srv_pump(sp, 3000, 2);
	ASSERT_EQ(2, sp->naccepted);
	/* One of the original's closed (client first, then the server). */
	cclose(self, c[0]);
	ASSERT_EQ(0, srv_wait_count(&srv_log->slot[0].closed, 1, 10000));

	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, so->pid, now_ns(), &o,
					   3000));
	EXPECT_EQ(3, o.stats.conns_accepted);
	EXPECT_EQ(2, o.stats.conns_active);
	EXPECT_EQ(6, o.stats.requests);
	EXPECT_EQ(in_o, o.stats.bytes_in);
	EXPECT_EQ(out_o, o.stats.bytes_out);
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, sp->pid, now_ns(), &o,
					   3000));
	EXPECT_EQ(2, o.stats.conns_accepted);
	EXPECT_EQ(2, o.stats.conns_active);
	EXPECT_EQ(6, o.stats.requests);
	EXPECT_EQ(in_p, o.stats.bytes_in);
	EXPECT_EQ(out_p, o.stats.bytes_out);
}

/* Client load for the rate and latency tests. */
struct load {
	int family;
	__u16 port;
	__u32 id0;		/* first request id */
	int requests;		/* stop after that many (0: until stop) */
	int ms;			/* or after that long */
	int per_conn;		/* requests per connection (0: one for all) */
	__u32 req, resp, delay_us;
	volatile int stop;
	/* results */
	int done, conns, err;
	__u64 bytes_in, bytes_out;	/* as the server sees them */
};

static void *load_run(void *arg)
{
	struct load *l = arg;
	__u64 end = now_ns() + (__u64)l->ms * 1000000;
	int fd = -1, on_conn = 0;

	while (!l->stop && (!l->requests || l->done < l->requests) &&
	       (!l->ms || now_ns() < end)) {
		if (fd < 0 || (l->per_conn && on_conn >= l->per_conn)) {
			if (fd >= 0)
				close(fd);
			fd = cli_connect(l->family, l->port);
			if (fd < 0) {
				l->err = -fd;
				break;
			}
			l->conns++;
			on_conn = 0;
		}
		l->err = -cli_exchange(fd, l->id0 + l->done, l->req, l->resp,
				       l->delay_us, NULL, 5000);
		if (l->err)
			break;
		l->done++;
		on_conn++;
		l->bytes_in += l->req;
		l->bytes_out += l->resp;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static bool rate_ok(__u64 rate, __u64 delta, __u64 dt_ns)
{
	double want = (double)delta * 1e9 / (double)dt_ns;

	return rate >= 0.7 * want - 20 && rate <= 1.4 * want + 20;
}

TEST_F_TIMEOUT(ct, sample_rates, 60)
{
	struct srv *so = &self->srv[0];
	struct load l = {
		.family = AF_INET, .port = self->port[0], .id0 = 1000,
		.ms = 1500, .per_conn = 10, .req = 200, .resp = 300,
	};
	struct dt_obj o;
	pthread_t th;
	int n, k, pairs = 0, busy = 0;
	__u64 s0;

	ASSERT_EQ(0, srv_go(so));
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	ASSERT_NL_OK(dt_instance_get(&self->nl, so->pid, &o, &self->ack),
		     self->ack);
	s0 = o.stats.seq;
	dt_flush_ntf(&self->smp);
	ASSERT_EQ(0, pthread_create(&th, NULL, load_run, &l));
	n = collect(&self->smp, so->pid, s0, 0, 1800, smp_buf, MAXSMP);
	pthread_join(th, NULL);
	ASSERT_EQ(0, l.err) TH_LOG("load: %s", strerror(l.err));
	TH_LOG("%d requests on %d connections, %d samples", l.done, l.conns, n);
	ASSERT_LE(10, n);
	for (k = 1; k < n; k++) {
		const struct dt_stats *a = &smp_buf[k - 1].stats;
		const struct dt_stats *b = &smp_buf[k].stats;
		__u64 dt = b->timestamp_ns - a->timestamp_ns;

		if (b->seq != a->seq + 1)
			continue;
		pairs++;
		ASSERT_TRUE(DPO_STATS_HAS(b, DPO_STATS_A_REQUESTS_PER_S));
		if (b->requests > a->requests)
			busy++;
#define RATE(f, r) EXPECT_TRUE(rate_ok(b->r, b->f - a->f, dt)) {	\
		TH_LOG("seq %llu: " #r " %llu, but " #f " grew by %llu in %.1f ms",\
		       (unsigned long long)b->seq, (unsigned long long)b->r,\
		       (unsigned long long)(b->f - a->f), dt / 1e6);	\
	}
		RATE(requests, requests_per_s);
		RATE(bytes_in, bytes_in_per_s);
		RATE(bytes_out, bytes_out_per_s);
		RATE(conns_accepted, accepted_per_s);
#undef RATE
	}
	EXPECT_LE(8, pairs);
	EXPECT_LE(5, busy);
	/*
	 * Totals: everything the load did (requests within 5%: exact counts
	 * of back-to-back requests are requests_counted_back_to_back's).
	 */
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, so->pid, now_ns(), &o,
					   3000));
	EXPECT_GE((__u64)l.done, o.stats.requests);
	EXPECT_LE((__u64)l.done * 95, o.stats.requests * 100)
		TH_LOG("%d requests made, %llu counted", l.done,
		       (unsigned long long)o.stats.requests);
	EXPECT_EQ((__u64)l.conns, o.stats.conns_accepted);
	EXPECT_EQ(l.bytes_in, o.stats.bytes_in);
	EXPECT_EQ(l.bytes_out, o.stats.bytes_out);
}

/*
 * A client that sends its next request as soon as it has the answer: each
 * exchange is one request (the server's write left nothing unread when it
 * was made; the next request cannot exist before the client has read it).
 */
TEST_F_TIMEOUT(ct, requests_counted_back_to_back, 60)
{
	struct srv *so = &self->srv[0];
	struct load l = {
		.family = AF_INET, .port = self->port[0], .id0 = 1000,
		.requests = 4000, .req = 24, .resp = 16,
	};
	struct dt_obj o;
	pthread_t th;

	ASSERT_EQ(0, srv_go(so));
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	ASSERT_EQ(0, pthread_create(&th, NULL, load_run, &l));
	pthread_join(th, NULL);
	ASSERT_EQ(0, l.err) TH_LOG("load: %s", strerror(l.err));
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, so->pid, now_ns(), &o,
					   3000));
	TH_LOG("%d exchanges, %llu requests counted", l.done,
	       (unsigned long long)o.stats.requests);
	EXPECT_EQ(4000 * 24, o.stats.bytes_in);
	EXPECT_EQ(4000 * 16, o.stats.bytes_out);
	EXPECT_EQ(4000, o.stats.requests);
}

/* The power of two of bucket @b: k for the buckets of [2^k, 2^(k+1)). */
static int lat_pow2(int b)
{
	int k = 0;

	if (b >= 16)
		return b / 16 + 3;
	while (b >> (k + 1))
		k++;
	return k;
}

/* Requests in the buckets of [2^k, 2^(k+1)). */
static __u64 hist_pow2(const __u64 *hist, int k)
{
	__u64 n = 0;
	int b;

	for (b = 0; b < DPO_LAT_BUCKETS; b++)
		if (lat_pow2(b) == k)
			n += hist[b];
	return n;
}

/*
 * The samples of @pid in (@s0, @s1], all of them (@n == @s1 - @s0): sum
 * their histograms into @hist; check each sample's percentiles against its
 * histogram; return the requests counted.
 */
static __u64 sum_hist(struct __test_metadata *_metadata,
		      const struct dt_obj *smp, int n, __u64 *hist)
{
	__u64 total = 0;
	int k, b;

	memset(hist, 0, DPO_LAT_BUCKETS * sizeof(*hist));
	for (k = 0; k < n; k++) {
		const struct dt_stats *s = &smp[k].stats;
		__u64 cnt = 0;

		for (b = 0; b < DPO_LAT_BUCKETS; b++) {
			hist[b] += s->lat_hist[b];
			cnt += s->lat_hist[b];
			if (s->lat_have[b / 64] & (1ULL << (b % 64)))
				EXPECT_NE(0, s->lat_hist[b])
					TH_LOG("seq %llu: empty bucket %d sent",
					       (unsigned long long)s->seq, b);
		}
		total += cnt;
		if (!cnt) {
			EXPECT_FALSE(DPO_STATS_HAS(s, DPO_STATS_A_LAT_P50_US))
				TH_LOG("seq %llu: p50 without requests",
				       (unsigned long long)s->seq);
			continue;
		}
		EXPECT_TRUE(DPO_STATS_HAS(s, DPO_STATS_A_LAT_P50_US) &&
			    DPO_STATS_HAS(s, DPO_STATS_A_LAT_P99_US) &&
			    DPO_STATS_HAS(s, DPO_STATS_A_LAT_MEAN_US));
		EXPECT_LE(s->lat_p50_us, s->lat_p99_us);
	}
	return total;
}

static int median_bucket(const __u64 *hist, __u64 total)
{
	__u64 acc = 0;
	int b;

	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		acc += hist[b];
		if (acc * 2 >= total)
			return b;
	}
	return -1;
}

/*
 * A sample's p50 lies in the bucket of its own histogram's median, p99 at
 * or above it, and the exact mean is at least @min_mean_us.
 */
static void expect_p50_consistent(struct __test_metadata *_metadata,
				  const char *what, const struct dt_stats *s,
				  __u64 min_mean_us)
{
	__u64 n = 0;
	int b;

	if (!DPO_STATS_HAS(s, DPO_STATS_A_LAT_P50_US))
		return;
	for (b = 0; b < DPO_LAT_BUCKETS; b++)
		n += s->lat_hist[b];
	TH_LOG("%s, seq %llu: %llu requests, p50 %llu us, p99 %llu us, mean %llu us",
	       what, (unsigned long long)s->seq, (unsigned long long)n,
	       (unsigned long long)s->lat_p50_us,
	       (unsigned long long)s->lat_p99_us,
	       (unsigned long long)s->lat_mean_us);
	EXPECT_EQ(median_bucket(s->lat_hist, n), dt_lat_bucket(s->lat_p50_us));
	EXPECT_LE(s->lat_p50_us, s->lat_p99_us);
	EXPECT_LE(min_mean_us, s->lat_mean_us);
}

/* Non-empty buckets, by lower bound in us: " 4864:12 5120:80 ..." */
static void print_hist(struct __test_metadata *_metadata, const char *what,
		       const __u64 *hist)
{
	char line[2048];
	size_t len = 0;
	int b;

	line[0] = '\0';
	for (b = 0; b < DPO_LAT_BUCKETS && len < sizeof(line) - 1; b++)
		if (hist[b])
			len += snprintf(line + len, sizeof(line) - len,
					" %llu:%llu",
					(unsigned long long)dt_lat_bucket_lo_us(b),
					(unsigned long long)hist[b]);
	TH_LOG("%s:%s", what, line);
}

TEST_F_TIMEOUT(ct, latency_histogram, 60)
{
	struct srv *so = &self->srv[0], *sp = &self->srv[1];
	struct load slow = {
		.family = AF_INET, .port = self->port[0], .id0 = 1000,
		.requests = 60, .req = 24, .resp = 16, .delay_us = 5000,
	}, fast = {
		.family = AF_INET6, .port = self->port[1], .id0 = 5000,
		.ms = 400, .req = 24, .resp = 16,
	};
	static struct dt_obj sp_smp[64], so_smp[64];
	struct dt_obj *out[2] = { sp_smp, so_smp };
	__u64 hist[DPO_LAT_BUCKETS], s0[2], s1[2], r0[2], total;
	int slow_median;
	__u32 pid[2] = { sp->pid, so->pid };
	struct dt_obj o, p1, o1;
	pthread_t th;
	int n[2], k;

	ASSERT_EQ(0, srv_go(so));
	ASSERT_EQ(0, srv_go(sp));
	for (k = 0; k < 2; k++) {
		ASSERT_NL_OK(dt_instance_get(&self->nl, pid[k], &o, &self->ack),
			     self->ack);
		s0[k] = o.stats.seq;
		r0[k] = o.stats.requests;
	}
	dt_flush_ntf(&self->smp);

	/* 60 requests answered after 5 ms by the patched instance... */
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_PATCHED,
				   &self->ack), self->ack);
	ASSERT_EQ(0, pthread_create(&th, NULL, load_run, &slow));
	pthread_join(th, NULL);
	ASSERT_EQ(0, slow.err) TH_LOG("slow load: %s", strerror(slow.err));
	/* ... then as fast as possible by the original. */
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	ASSERT_EQ(0, pthread_create(&th, NULL, load_run, &fast));
	pthread_join(th, NULL);
	ASSERT_EQ(0, fast.err) TH_LOG("fast load: %s", strerror(fast.err));
	TH_LOG("%d slow requests, %d fast ones", slow.done, fast.done);

	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, sp->pid, now_ns(), &p1,
					   3000));
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, so->pid, now_ns(), &o1,
					   3000));
	/*
	 * Every request the clients made (within 5%: exact counts are
	 * requests_counted_back_to_back's).
	 */
	EXPECT_GE(60, p1.stats.requests - r0[0]);
	EXPECT_LE(57, p1.stats.requests - r0[0]);
	EXPECT_GE((__u64)fast.done, o1.stats.requests - r0[1]);
	EXPECT_LE((__u64)fast.done * 95, (o1.stats.requests - r0[1]) * 100);
	s1[0] = p1.stats.seq;
	s1[1] = o1.stats.seq;
	collect2(&self->smp, pid, s0, s1, 10000, out, 64, n);
	ASSERT_EQ(s1[0] - s0[0], n[0]) TH_LOG("patched: samples missed");
	ASSERT_EQ(s1[1] - s0[1], n[1]) TH_LOG("original: samples missed");

	/*
	 * Slow: the histograms hold every request, most in [4096, 16384), and
	 * so does the median's bucket: 5 ms slept plus the guest's own time,
	 * which on the debug kernel under TCG reaches 3 to 4 ms and moves a
	 * good part of the requests past 8192. Each sample's p50 lies in the
	 * bucket of that sample's own median (a busy host may push a whole
	 * interval up a bucket: per-sample values are checked for
	 * consistency, not timing), and its exact mean cannot be below the
	 * 5 ms slept.
	 */
	total = sum_hist(_metadata, sp_smp, n[0], hist);
	print_hist(_metadata, "5 ms server", hist);
	EXPECT_EQ(p1.stats.requests - r0[0], total);
	EXPECT_LT(total, (hist_pow2(hist, 12) + hist_pow2(hist, 13)) * 2)
		TH_LOG("[4096, 16384): %llu of %llu",
		       (unsigned long long)(hist_pow2(hist, 12) +
					    hist_pow2(hist, 13)),
		       (unsigned long long)total);
	EXPECT_EQ(12, lat_pow2(dt_lat_bucket(5000)));
	slow_median = lat_pow2(median_bucket(hist, total));
	EXPECT_TRUE(slow_median == 12 || slow_median == 13)
		TH_LOG("median in [2^%d, 2^%d)", slow_median, slow_median + 1);
	for (k = 0; k < n[0]; k++)
		expect_p50_consistent(_metadata, "5 ms server", &sp_smp[k].stats,
				      4900);

	/*
	 * Fast: the median below the 5 ms server's bucket. (Natively it is
	 * tens of microseconds; a TCG VM whose host is busy gets its vCPUs
	 * descheduled for a host tick, ~4 ms, which shows up in [2048, 4096)
	 * for a good part of the requests.)
	 */
	total = sum_hist(_metadata, so_smp, n[1], hist);
	print_hist(_metadata, "no-delay server", hist);
	EXPECT_EQ(o1.stats.requests - r0[1], total);
	EXPECT_GE(11, lat_pow2(median_bucket(hist, total)));
	EXPECT_LT(lat_pow2(median_bucket(hist, total)), slow_median);
	for (k = 0; k < n[1]; k++)
		expect_p50_consistent(_metadata, "no-delay server",
				      &so_smp[k].stats, 0);
}

/*
 * Resolving a +20% latency regression: the original answers in 5 ms, the
 * patched in 6 ms, each on persistent connections under steady load, and
 * the module's samples over many intervals must show p50 and p99 20%
 * apart (with log2 buckets both were in [4096, 8192) and looked equal).
 */
#define RES_CONNS	1	/* persistent connections per server */
#define RES_MS		4000	/* of steady load */
#define RES_MAX		20000	/* requests per connection, at most */
#define RES_SMP		128	/* samples per server, at most */

struct steady {
	int fd;
	__u32 id0, delay_us;
	/* results */
	int done, err;
	__u64 *lat_us;		/* each request's round trip, client side */
};

static void *steady_run(void *arg)
{
	struct steady *l = arg;
	__u64 end = now_ns() + (__u64)RES_MS * 1000000, t;

	while ((t = now_ns()) < end && l->done < RES_MAX) {
		l->err = -cli_exchange(l->fd, l->id0 + l->done, 24, 16,
				       l->delay_us, NULL, 5000);
		if (l->err)
			break;
		l->lat_us[l->done++] = (now_ns() - t) / 1000;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* The value of rank ceil(@n * @pct / 100) of @v (sorted in place). */
static __u64 exact_pct(__u64 *v, int n, unsigned int pct)
{
	__u64 rank = ((__u64)n * pct + 99) / 100;

	qsort(v, n, sizeof(*v), cmp_u64);
	return v[rank ? rank - 1 : 0];
}

TEST_F_TIMEOUT(ct, latency_resolves_20pct, 120)
{
	/* [0]: the original, 5 ms; [1]: the patched, 6 ms (+20%) */
	static const __u32 delay[2] = { 5000, 6000 };
	static const __u8 owner[2] = { DPO_OWNER_ORIGINAL, DPO_OWNER_PATCHED };
	static const unsigned int pcts[2] = { 50, 99 };
	static struct dt_obj smp[2][RES_SMP];
	static __u64 lat[2 * RES_CONNS][RES_MAX], cli[2][RES_CONNS * RES_MAX];
	static __u64 hist[2][DPO_LAT_BUCKETS];
	struct dt_obj *out[2] = { smp[0], smp[1] };
	__u32 pid[2] = { self->srv[0].pid, self->srv[1].pid };
	struct steady load[2 * RES_CONNS];
	pthread_t th[2 * RES_CONNS];
	__u64 s0[2], s1[2], n[2] = { 0, 0 }, sum_us[2] = { 0, 0 };
	__u64 mod[2][2], exact_cli[2][2], mean[2];
	double eb = 1.0 / 16, extra, lo, hi, ratio;
	int nsmp[2], ncli[2] = { 0, 0 }, i, k, j, b;
	struct srv_resp r;
	struct dt_obj o;

	ASSERT_EQ(0, srv_go(&self->srv[0]));
	ASSERT_EQ(0, srv_go(&self->srv[1]));
	/* Connection i goes to server i % 2: its owner while it connects. */
	for (i = 0; i < 2 * RES_CONNS; i++) {
		k = i % 2;
		ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, owner[k],
					   &self->ack), self->ack);
		load[i] = (struct steady){
			.fd = cconnect(self, 0), .id0 = 20000 * (i + 1),
			.delay_us = delay[k], .lat_us = lat[i],
		};
		ASSERT_LE(0, load[i].fd);
		ASSERT_EQ(0, cli_exchange(load[i].fd, load[i].id0 - 1, 24, 16,
					  delay[k], &r, 5000));
		ASSERT_EQ(k ? PATCH : ORIG, r.role);
	}
	for (k = 0; k < 2; k++) {
		ASSERT_NL_OK(dt_instance_get(&self->nl, pid[k], &o, &self->ack),
			     self->ack);
		s0[k] = o.stats.seq;
	}
	dt_flush_ntf(&self->smp);

	for (i = 0; i < 2 * RES_CONNS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, steady_run,
					    &load[i]));
	for (i = 0; i < 2 * RES_CONNS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 2 * RES_CONNS; i++) {
		ASSERT_EQ(0, load[i].err)
			TH_LOG("connection %d: %s", i, strerror(load[i].err));
		k = i % 2;
		memcpy(cli[k] + ncli[k], lat[i], load[i].done * sizeof(__u64));
		ncli[k] += load[i].done;
	}
	for (k = 0; k < 2; k++) {
		ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, pid[k], now_ns(),
						   &o, 3000));
		s1[k] = o.stats.seq;
	}
	collect2(&self->smp, pid, s0, s1, 10000, out, RES_SMP, nsmp);

	for (k = 0; k < 2; k++) {
		ASSERT_EQ(s1[k] - s0[k], nsmp[k]) TH_LOG("samples missed");
		ASSERT_LE(10, nsmp[k]) TH_LOG("fewer than 10 intervals");
		/* Every sample: p50 in its own median's bucket, mean >= delay */
		for (j = 0; j < nsmp[k]; j++) {
			const struct dt_stats *st = &smp[k][j].stats;
			__u64 c = 0;

			for (b = 0; b < DPO_LAT_BUCKETS; b++) {
				hist[k][b] += st->lat_hist[b];
				c += st->lat_hist[b];
			}
			n[k] += c;
			if (!c)
				continue;
			sum_us[k] += st->lat_mean_us * c;
			EXPECT_EQ(median_bucket(st->lat_hist, c),
				  dt_lat_bucket(st->lat_p50_us));
			EXPECT_LE(st->lat_p50_us, st->lat_p99_us);
			EXPECT_LE(delay[k], st->lat_mean_us);
		}
		/* The module saw every request (and the warm-up ones). */
		EXPECT_LE((__u64)ncli[k], n[k]);
		EXPECT_GE((__u64)ncli[k] + RES_CONNS, n[k]);
		ASSERT_LT(0, n[k]);
		mean[k] = sum_us[k] / n[k];
		for (j = 0; j < 2; j++) {
			mod[k][j] = dt_lat_percentile_us(hist[k], n[k], pcts[j]);
			exact_cli[k][j] = exact_pct(cli[k], ncli[k], pcts[j]);
		}
		print_hist(_metadata, k ? "6 ms server" : "5 ms server",
			   hist[k]);
		TH_LOG("%s: %llu requests in %d samples; module p50 %llu p99 %llu mean %llu us; client p50 %llu p99 %llu us",
		       k ? "6 ms" : "5 ms", (unsigned long long)n[k], nsmp[k],
		       (unsigned long long)mod[k][0],
		       (unsigned long long)mod[k][1],
		       (unsigned long long)mean[k],
		       (unsigned long long)exact_cli[k][0],
		       (unsigned long long)exact_cli[k][1]);
	}

	/*
	 * The tolerance. A percentile read from the histogram lies in the
	 * bucket of the exact one, so within 1/16 of it (eb): a factor
	 * (1 + eb) / (1 - eb) on a ratio, either way. The exact one is the
	 * delay plus what the VM adds (timer wakeups, vCPUs descheduled by a
	 * busy host), which is at least 0 and at most what the client
	 * measured at the same percentile (a request's time in the server is
	 * inside its round trip): extra = max over both servers of client
	 * percentile - delay.
	 * - p50: both servers run side by side on the same CPUs, so their
	 *   medians get the same extra x, and the ratio (6000 + x) /
	 *   (5000 + x) is between (6000 + extra) / (5000 + extra) and 1.2.
	 * - p99 is the VM's tail (a few requests delayed by host ticks of
	 *   4 ms or more, not the same ones on both servers): the extras are
	 *   independent, in [0, extra], and the ratio between 6000 /
	 *   (5000 + extra) and (6000 + extra) / 5000. Each p99 also lies
	 *   between the delay and the client's p99.
	 * Natively (or with KVM) the extra is tens of microseconds and both
	 * bands are 1.2 within the bucket error; under TCG on a busy host the
	 * client's extra reaches milliseconds and the bands widen.
	 */
	for (j = 0; j < 2; j++) {
		extra = 0;
		for (k = 0; k < 2; k++)
			if (exact_cli[k][j] > delay[k] &&
			    exact_cli[k][j] - delay[k] > extra)
				extra = exact_cli[k][j] - delay[k];
		if (j == 0)
			lo = (delay[1] + extra) / (delay[0] + extra);
		else
			lo = delay[1] / (delay[0] + extra);
		hi = (delay[1] + (j ? extra : 0)) / delay[0];
		lo *= (1 - eb) / (1 + eb);
		hi *= (1 + eb) / (1 - eb);
		ratio = (double)mod[1][j] / mod[0][j];
		TH_LOG("p%u: %llu / %llu us = %.3f, allowed [%.3f, %.3f] (VM extra <= %.0f us)",
		       pcts[j], (unsigned long long)mod[1][j],
		       (unsigned long long)mod[0][j], ratio, lo, hi, extra);
		EXPECT_TRUE(ratio >= lo && ratio <= hi);
		for (k = 0; k < 2; k++) {
			EXPECT_LE(delay[k] * (1 - eb), mod[k][j]);
			EXPECT_GE(exact_cli[k][j] * (1 + eb), mod[k][j]);
		}
		/* The exact means: 1000 us apart, give or take the tail. */
		if (j == 1) {
			EXPECT_LE(mean[0] + 1000 - extra, mean[1]);
			EXPECT_GE(mean[0] + 1000 + extra, mean[1]);
		}
		/*
		 * What log2 buckets could not do (both medians in [4096,
		 * 8192), read as the same): 5 and 6 ms at p50 in different
		 * buckets. (On a quiet host the band also excludes 1.)
		 */
		if (j == 0) {
			EXPECT_LT(dt_lat_bucket(mod[0][0]),
				  dt_lat_bucket(mod[1][0]));
			if (lo <= 1.0)
				TH_LOG("p50 band includes 1: a busy host");
		}
	}
}

/* ---- 5. dump filters and permissions ----------------------------------------------- */

static int count_if(const struct dt_obj *o, int n, const char *sess,
		    __u32 pid)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		if ((!sess || !strcmp(o[i].session, sess)) &&
		    (!pid || o[i].pid == pid))
			k++;
	return k;
}

TEST_F(ct, dump_filters)
{
	struct srv *so = &self->srv[0], *sp = &self->srv[1], *s2 = &self->srv[2];
	struct dt_obj o;
	int i, n, c, ret;

	/* The IPv6 listener goes to a second session, served by srv[2]. */
	ASSERT_NL_OK(dt_listener_del(&self->nl, self->lid[1], &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_new(&self->nl, SESS2, 100, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS2, s2->pid, ORIG,
				      &self->ack), self->ack);
	ASSERT_NL_OK(dt_listener_add(&self->nl, SESS2, self->lfd[1], &o,
				      &self->ack), self->ack);
	self->lid[1] = o.listener_id;

	/* SESS: 2 original + 1 patched; SESS2: 2. */
	for (i = 0; i < 5; i++) {
		struct srv *s = i < 2 ? so : i < 3 ? sp : s2;

		c = cconnect(self, i < 3 ? 0 : 1);
		ASSERT_LE(0, c);
		ASSERT_EQ(sock_port(c), srv_accept_one(s));
		ASSERT_EQ(0, cli_exchange(c, self->next_id++, 24, 16, 0, NULL,
					  3000));
	}

	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(5, n);
	EXPECT_EQ(3, count_if(objs, n, SESS, 0));
	EXPECT_EQ(2, count_if(objs, n, SESS2, s2->pid));

	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(3, n);
	EXPECT_EQ(3, count_if(objs, n, SESS, 0));
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS2, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(2, n);
	EXPECT_EQ(2, count_if(objs, n, SESS2, s2->pid));
	for (i = 0; i < n; i++)
		EXPECT_EQ(AF_INET6, objs[i].family);

	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, so->pid, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(2, n);
	EXPECT_EQ(2, count_if(objs, n, SESS, so->pid));
	ASSERT_NL_OK(dt_conn_dump(&self->nl, NULL, sp->pid, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(1, n);
	EXPECT_EQ(1, count_if(objs, n, SESS, sp->pid));
	/* Both filters: and. */
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS2, s2->pid, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(2, n);
	ASSERT_NL_OK(dt_conn_dump(&self->nl, SESS, s2->pid, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(0, n);

	/* Filters that match nothing: an empty dump (as dpo.h says). */
	n = 0;
	ret = dt_conn_dump(&self->nl, "st-conn-none", 0, objs, MAXOBJ, &n,
			    &self->ack);
	EXPECT_EQ(0, ret) TH_LOG("unknown session filter: %d '%s'", ret,
				 self->ack.msg);
	EXPECT_EQ(0, n);
	n = 0;
	ret = dt_conn_dump(&self->nl, NULL, unused_pid(), objs, MAXOBJ, &n,
			    &self->ack);
	EXPECT_EQ(0, ret) TH_LOG("unknown pid filter: %d '%s'", ret,
				 self->ack.msg);
	EXPECT_EQ(0, n);
}

struct unpriv_result {
	int stage;		/* 100 = done */
	int setup_err;
	int err[2];
	int n[2];
	char msg[2][256];
};

TEST_F(ct, unprivileged_eperm)
{
	struct unpriv_result *res;
	struct dt_obj o;
	int status, k, c;
	pid_t pid;

	/* One registered connection that must not be shown. */
	ASSERT_EQ(0, srv_go(&self->srv[0]));
	ASSERT_NL_OK(dt_owner_set(&self->nl, SESS, DPO_OWNER_ORIGINAL,
				   &self->ack), self->ack);
	c = cconnect(self, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, cli_exchange(c, self->next_id++, 24, 16, 0, NULL, 10000));
	ASSERT_EQ(0, conn_wait(&self->nl, SESS, sock_port(c), 1, &o, 10000));

	res = shared_mem(sizeof(*res));
	ASSERT_NE(MAP_FAILED, res);
	pid = fork_flushed();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct dt_sock nl;
		struct dt_ack ack;

		res->stage = 1;
		if (drop_root(NOBODY)) {
			res->setup_err = errno;
			_exit(0);
		}
		res->setup_err = -dt_connect(&nl);
		if (res->setup_err)
			_exit(0);
		for (k = 0; k < 2; k++) {
			memset(&ack, 0, sizeof(ack));
			dt_conn_dump(&nl, k ? SESS : NULL, 0, objs, MAXOBJ,
				      &res->n[k], &ack);
			res->err[k] = ack.err;
			snprintf(res->msg[k], sizeof(res->msg[k]), "%s", ack.msg);
		}
		dt_close(&nl);
		res->stage = 100;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(100, res->stage) {
		TH_LOG("unprivileged child stopped at stage %d: %s",
		       res->stage, strerror(res->setup_err));
	}
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(EPERM, res->err[k]) {
			TH_LOG("unprivileged CONN_GET%s: errno %d '%s'",
			       k ? " (session filter)" : "", res->err[k],
			       res->msg[k]);
		}
		EXPECT_EQ(0, res->n[k]);
	}
	munmap(res, sizeof(*res));
}

TEST_HARNESS_MAIN
