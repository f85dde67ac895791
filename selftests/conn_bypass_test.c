// SPDX-License-Identifier: GPL-2.0
/*
 * dpo connection registry: reads and writes that do not go through
 * recvmsg/sendmsg. A server answering with sendfile() (the whole file, or
 * asked for more than the file holds, as servers looping until sendfile()
 * returns 0 do: its last chunk then goes out with MSG_MORE and only
 * splice_eof pushes it), a server sending with MSG_ZEROCOPY and reading
 * the completions (and transmit timestamps) from the error queue, and a
 * server reading with getsockopt(TCP_ZEROCOPY_RECEIVE). Each must count
 * every request and only the request bytes, be idle after its answer,
 * and be shut down as idle by a drain (not reset at the deadline).
 *
 * The test process is the original instance of a session of its own and
 * serves the one connection it accepts from a thread; a paused child is
 * the patched instance, which a drain needs.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>

#include "dpo_harness.h"
#include "conn_util.h"

#define SESS		"st-bypass"
#define MAXOBJ		64
#define NREQ		3
#define REQ_LEN		300
#define DEADLINE_MS	3000
#define MS		1000000ULL

/* Not a multiple of a page, and more than a pipe (64 KiB): two chunks. */
#define FILE_LEN	(17 * 4096 + 1234)
#define ZC_RESP_LEN	20000

/* The full UAPI struct (glibc's netinet/tcp.h has only its start). */
struct zc_rx {
	__u64 address;
	__u32 length;
	__u32 recv_skip_hint;
	__u32 inq;
	__s32 err;
	__u64 copybuf_address;
	__s32 copybuf_len;
	__u32 flags;
	__u64 msg_control;
	__u64 msg_controllen;
	__u32 msg_flags;
	__u32 reserved;
};

static struct dt_obj objs[MAXOBJ];

enum srv_mode { SRV_SENDFILE, SRV_ZC_SEND, SRV_ZC_RECV };

/* What the server thread does with the accepted connection. */
struct job {
	int fd;
	enum srv_mode mode;
	size_t resp_len;
	int file_fd;		/* SRV_SENDFILE */
	bool past_eof;		/* SRV_SENDFILE: ask for more than the file */
	bool tstamp;		/* SRV_ZC_SEND: transmit timestamps too */
	/* results */
	int err;		/* 0 or -errno of the first failure */
	char what[96];
	long errq_bytes;	/* data returned by MSG_ERRQUEUE reads */
	int completions, tstamps;
	long zc_copied;		/* TCP_ZEROCOPY_RECEIVE: copybuf bytes */
	long zc_other;		/* ... mapped or left to recvmsg (unused) */
};

FIXTURE(bp) {
	struct dt_sock nl, ev;
	struct dt_ack ack;
	pid_t other;
	int lfd, cfd, afd;
	__u16 port;
};

FIXTURE_SETUP(bp)
{
	self->nl.fd = self->ev.fd = -1;
	self->lfd = self->cfd = self->afd = -1;
	self->other = -1;
	ASSERT_CONNECT_RESET(&self->nl);
	ASSERT_EQ(0, dt_listen(&self->ev, &self->nl, self->nl.grp_events));
	self->lfd = tcp_listener(AF_INET, &self->port);
	ASSERT_LE(0, self->lfd);
	self->other = fork();
	ASSERT_LE(0, self->other);
	if (self->other == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pause();
		_exit(0);
	}
	ASSERT_NL_OK(own_session(&self->nl, SESS, self->lfd, self->other,
				 &self->ack), self->ack);
	self->cfd = cli_connect(AF_INET, self->port);
	ASSERT_LE(0, self->cfd);
	self->afd = accept_wait(self->lfd, 3000);
	ASSERT_LE(0, self->afd);
}

FIXTURE_TEARDOWN(bp)
{
	teardown_begin(_metadata);
	if (self->afd >= 0)
		close(self->afd);
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->other > 0) {
		kill(self->other, SIGKILL);
		waitpid(self->other, NULL, 0);
	}
	dt_close(&self->ev);
	EXPECT_RESET_CLOSE(&self->nl);
}

/* ---- the server ------------------------------------------------------------ */

static int fail(struct job *j, const char *what, int err)
{
	if (!j->err) {
		j->err = err ? err : -EPROTO;
		snprintf(j->what, sizeof(j->what), "%s", what);
	}
	return j->err;
}

static int wait_ev(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int ret = poll(&p, 1, ms);

	if (ret < 0)
		return -errno;
	return ret ? p.revents : -ETIMEDOUT;
}

static int recv_full(struct job *j, size_t len)
{
	char buf[REQ_LEN];
	size_t got = 0;

	while (got < len) {
		ssize_t n;
		int ev = wait_ev(j->fd, POLLIN, 3000);

		if (ev < 0)
			return fail(j, "request: poll", ev);
		n = recv(j->fd, buf, len - got, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return fail(j, "request: recv", n ? -errno : -EPIPE);
		got += n;
	}
	return 0;
}

/* Read a request with TCP_ZEROCOPY_RECEIVE: small, so into the copybuf. */
static int zc_recv_full(struct job *j, void *map, size_t map_len, size_t len)
{
	char buf[4096];
	size_t got = 0;

	while (got < len) {
		struct zc_rx zc = {
			.address = (unsigned long)map,
			.length = map_len,
			.copybuf_address = (unsigned long)buf,
			.copybuf_len = sizeof(buf),
		};
		socklen_t zl = sizeof(zc);
		int ev = wait_ev(j->fd, POLLIN, 3000);

		if (ev < 0)
			return fail(j, "request: poll", ev);
		if (getsockopt(j->fd, IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE, &zc,
			       &zl))
			return fail(j, "TCP_ZEROCOPY_RECEIVE", -errno);
		if (zc.err)
			return fail(j, "TCP_ZEROCOPY_RECEIVE: err", -zc.err);
		if (zc.copybuf_len < 0)
			return fail(j, "copybuf_len", zc.copybuf_len);
		got += zc.copybuf_len;
		j->zc_copied += zc.copybuf_len;
		/* Not expected for a few hundred bytes; never left unread. */
		if (zc.length || zc.recv_skip_hint) {
			j->zc_other += zc.length + zc.recv_skip_hint;
			return fail(j, "TCP_ZEROCOPY_RECEIVE mapped or skipped",
				    -EPROTO);
		}
	}
	return 0;
}

static int send_file(struct job *j)
{
	off_t off = 0;

	while (off < FILE_LEN) {
		size_t want = FILE_LEN - off;
		ssize_t n;

		/* As `while (sendfile(fd, f, NULL, BIG) > 0)` servers do. */
		if (j->past_eof)
			want += 4096;
		n = sendfile(j->fd, j->file_fd, &off, want);
		if (n <= 0)
			return fail(j, "sendfile", n ? -errno : -EPIPE);
	}
	return 0;
}

/*
 * MSG_ZEROCOPY send @id (from 0), then read the error queue until its
 * completion (and, with timestamps, one more timestamp) came.
 */
static int send_zc(struct job *j, unsigned int id)
{
	static char resp[ZC_RESP_LEN];
	size_t sent = 0;
	__u64 end;

	memset(resp, 'a' + id, sizeof(resp));
	while (sent < j->resp_len) {
		ssize_t n = send(j->fd, resp + sent, j->resp_len - sent,
				 MSG_ZEROCOPY);

		if (n <= 0)
			return fail(j, "send(MSG_ZEROCOPY)", n ? -errno : -EPIPE);
		sent += n;
		/* One send, one notification id: keep the count simple. */
		if (sent < j->resp_len)
			return fail(j, "send(MSG_ZEROCOPY) short", -EPROTO);
	}
	end = now_ns() + 3000 * MS;
	while (j->completions <= (int)id ||
	       (j->tstamp && j->tstamps <= (int)id)) {
		char data[2048], ctl[1024];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof(ctl),
		};
		struct cmsghdr *cm;
		ssize_t n;

		if (now_ns() > end)
			return fail(j, "error queue: nothing", -ETIMEDOUT);
		n = recvmsg(j->fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN) {
			wait_ev(j->fd, 0, 100);	/* POLLERR */
			continue;
		}
		if (n < 0)
			return fail(j, "recvmsg(MSG_ERRQUEUE)", -errno);
		j->errq_bytes += n;
		for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
			struct sock_extended_err ee;

			if (!(cm->cmsg_level == SOL_IP &&
			      cm->cmsg_type == IP_RECVERR))
				continue;
			memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
			if (ee.ee_origin == SO_EE_ORIGIN_ZEROCOPY)
				j->completions = ee.ee_data + 1;
			else if (ee.ee_origin == SO_EE_ORIGIN_TIMESTAMPING)
				j->tstamps++;
		}
	}
	return 0;
}

static void *serve(void *arg)
{
	struct job *j = arg;
	size_t map_len = 16 * 4096;
	void *map = NULL;
	unsigned int i;

	if (j->mode == SRV_ZC_RECV) {
		map = mmap(NULL, map_len, PROT_READ, MAP_SHARED, j->fd, 0);
		if (map == MAP_FAILED) {
			fail(j, "mmap of the socket", -errno);
			return NULL;
		}
	}
	for (i = 0; i < NREQ && !j->err; i++) {
		if (j->mode == SRV_ZC_RECV ?
		    zc_recv_full(j, map, map_len, REQ_LEN) :
		    recv_full(j, REQ_LEN))
			break;
		switch (j->mode) {
		case SRV_SENDFILE:
			send_file(j);
			break;
		case SRV_ZC_SEND:
			send_zc(j, i);
			break;
		case SRV_ZC_RECV: {
			static char resp[ZC_RESP_LEN];
			ssize_t n = send(j->fd, resp, j->resp_len, 0);

			if (n != (ssize_t)j->resp_len)
				fail(j, "send", n < 0 ? -errno : -EPROTO);
			break;
		}
		}
	}
	if (map)
		munmap(map, map_len);
	return NULL;
}

/* ---- the client and the checks ---------------------------------------------- */

static int recv_answer(int fd, size_t len)
{
	static char buf[65536];
	size_t got = 0;

	while (got < len) {
		size_t want = len - got < sizeof(buf) ? len - got : sizeof(buf);
		int ev = wait_ev(fd, POLLIN, 3000);
		ssize_t n;

		if (ev < 0)
			return ev;
		n = recv(fd, buf, want, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		got += n;
	}
	return 0;
}

/* NREQ requests of REQ_LEN bytes, each answered with @j->resp_len. */
static void run(struct __test_metadata *_metadata,
		FIXTURE_DATA(bp) *self, struct job *j)
{
	char req[REQ_LEN];
	pthread_t t;
	int i;

	memset(req, 'q', sizeof(req));
	j->fd = self->afd;
	ASSERT_EQ(0, pthread_create(&t, NULL, serve, j));
	for (i = 0; i < NREQ; i++) {
		int ret;

		if (write(self->cfd, req, sizeof(req)) != sizeof(req)) {
			EXPECT_TRUE(false) TH_LOG("request %d: %m", i);
			break;
		}
		ret = recv_answer(self->cfd, j->resp_len);
		EXPECT_EQ(0, ret) TH_LOG("answer %d: %s", i, strerror(-ret));
		if (ret)
			break;
	}
	pthread_join(t, NULL);
	EXPECT_EQ(0, j->err) TH_LOG("server: %s: %s", j->what,
				    strerror(-j->err));
}

/* The registry entry of our one connection, once it counted @want. */
static int entry(FIXTURE_DATA(bp) *self, __u64 want, struct dt_obj *out,
		 int ms)
{
	__u64 end = now_ns() + (__u64)ms * MS;
	__u16 port = sock_port(self->cfd);

	for (;;) {
		const struct dt_obj *e;
		int n = 0, ret;

		ret = dt_conn_dump(&self->nl, SESS, 0, objs, MAXOBJ, &n, NULL);
		if (ret)
			return ret;
		e = conn_find(objs, n < MAXOBJ ? n : MAXOBJ, port);
		memset(out, 0, sizeof(*out));
		if (e)
			*out = *e;
		if (e && e->requests >= want && e->conn_state == DPO_CONN_IDLE)
			return 0;
		if (now_ns() > end)
			return e ? -ETIMEDOUT : -ENOENT;
		sleep_ms(5);
	}
}

/*
 * Every request counted, only the request bytes read, idle; the instance
 * counted them too; a drain shuts the connection down as idle at once.
 */
static void check_idle_and_drain(struct __test_metadata *_metadata,
				 FIXTURE_DATA(bp) *self, size_t resp_len)
{
	struct dt_obj e, o;
	__u64 t0;
	int ret;

	ret = entry(self, NREQ, &e, 2000);
	EXPECT_EQ(0, ret) {
		TH_LOG("registry: %s; requests %llu, state %s, in %llu, out %llu",
		       strerror(-ret), (unsigned long long)e.requests,
		       conn_state_name(e.conn_state),
		       (unsigned long long)e.bytes_in,
		       (unsigned long long)e.bytes_out);
	}
	EXPECT_EQ(NREQ, e.requests);
	EXPECT_EQ(DPO_CONN_IDLE, e.conn_state)
		TH_LOG("state %s", conn_state_name(e.conn_state));
	EXPECT_EQ(NREQ * REQ_LEN, e.bytes_in);
	EXPECT_EQ(NREQ * resp_len, e.bytes_out);

	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, getpid(), now_ns(), &o,
					   3000));
	EXPECT_EQ(NREQ, o.stats.requests);
	EXPECT_EQ(NREQ * REQ_LEN, o.stats.bytes_in);

	t0 = now_ns();
	ASSERT_NL_OK(dt_drain(&self->nl, SESS, DPO_ROLE_ORIGINAL, DEADLINE_MS,
			       NULL, &self->ack), self->ack);
	ret = cli_wait_eof(self->cfd, DEADLINE_MS / 2);
	EXPECT_EQ(0, ret) {
		TH_LOG("client: no EOF %.0f ms into the drain: %s",
		       (now_ns() - t0) / 1e6, strerror(-ret));
	}
	ASSERT_EQ(0, dt_wait_ntf(&self->ev, DPO_CMD_DRAIN_DONE_NTF, 0, &o,
				 DEADLINE_MS + 3000));
	EXPECT_EQ(1, o.drain_closed_idle);
	EXPECT_EQ(0, o.drain_closed_busy);
	EXPECT_EQ(0, o.drain_reset);
	EXPECT_EQ(0, o.drain_remaining);
	EXPECT_GT(DEADLINE_MS / 2 * MS, o.drain_elapsed_ns)
		TH_LOG("drain took %.0f ms", o.drain_elapsed_ns / 1e6);
}

static int make_file(void)
{
	static char buf[FILE_LEN];
	int fd = memfd_create("bypass-file", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(buf, 'f', sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static void sendfile_test(struct __test_metadata *_metadata,
			  FIXTURE_DATA(bp) *self, bool past_eof)
{
	struct job j = {
		.mode = SRV_SENDFILE, .resp_len = FILE_LEN,
		.past_eof = past_eof,
	};

	j.file_fd = make_file();
	ASSERT_LE(0, j.file_fd);
	run(_metadata, self, &j);
	check_idle_and_drain(_metadata, self, FILE_LEN);
	close(j.file_fd);
}

/* ---- tests ------------------------------------------------------------------ */

/* sendfile() of the whole file: its last chunk ends the answer. */
TEST_F(bp, sendfile_whole_file)
{
	sendfile_test(_metadata, self, false);
}

/*
 * sendfile() asked for more than the file holds: the last chunk goes
 * with MSG_MORE, and splice_eof (6.5 on; Debian's 6.1 has it too) ends
 * the answer.
 */
TEST_F(bp, sendfile_past_eof)
{
	sendfile_test(_metadata, self, true);
}

static void zerocopy_test(struct __test_metadata *_metadata,
			  FIXTURE_DATA(bp) *self, bool tstamp)
{
	struct job j = {
		.mode = SRV_ZC_SEND, .resp_len = ZC_RESP_LEN, .tstamp = tstamp,
	};
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->afd, SOL_SOCKET, SO_ZEROCOPY, &one,
				sizeof(one)));
	if (tstamp) {
		/* No OPT_TSONLY: each timestamp comes with the packet. */
		int ts = SOF_TIMESTAMPING_TX_SOFTWARE |
			 SOF_TIMESTAMPING_SOFTWARE;

		ASSERT_EQ(0, setsockopt(self->afd, SOL_SOCKET, SO_TIMESTAMPING,
					&ts, sizeof(ts)));
	}
	run(_metadata, self, &j);
	TH_LOG("error queue: %d completions, %d timestamps, %ld bytes",
	       j.completions, j.tstamps, j.errq_bytes);
	EXPECT_LE(NREQ, j.completions);
	if (tstamp)
		EXPECT_LT(0, j.errq_bytes);
	check_idle_and_drain(_metadata, self, ZC_RESP_LEN);
}

/* MSG_ZEROCOPY: the completions read from the error queue are not reads. */
TEST_F(bp, zerocopy_send_completions)
{
	zerocopy_test(_metadata, self, false);
}

/*
 * The same with transmit timestamps, which come with a copy of the packet:
 * reading them returns data, which must not count as request bytes, nor
 * start a request on an idle connection.
 */
TEST_F(bp, zerocopy_send_timestamps)
{
	zerocopy_test(_metadata, self, true);
}

/*
 * getsockopt(TCP_ZEROCOPY_RECEIVE) reads without recvmsg; small requests
 * come through its copybuf.
 */
TEST_F(bp, zerocopy_receive)
{
	struct job j = { .mode = SRV_ZC_RECV, .resp_len = ZC_RESP_LEN };

	run(_metadata, self, &j);
	TH_LOG("TCP_ZEROCOPY_RECEIVE: %ld bytes copied, %ld mapped or skipped",
	       j.zc_copied, j.zc_other);
	EXPECT_EQ(NREQ * REQ_LEN, j.zc_copied);
	check_idle_and_drain(_metadata, self, ZC_RESP_LEN);
}

TEST_HARNESS_MAIN
