// SPDX-License-Identifier: GPL-2.0
/*
 * Canary ownership: a fixed share of a listener's new connections goes to
 * the patched instance, the rest to the original, without losing any and
 * without holding the head of the queue for long when an instance is slow.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "dpo_harness.h"
#include "dpo_req.h"

#define SESSION "canary"

/* Accept forever, writing one byte per connection to @out; stop on @go. */
static pid_t spawn_acceptor(int lfd, int out, char tag, int go)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (go >= 0 && read(go, &c, 1) != 1)
		_exit(1);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			_exit(2);
		}
		close(fd);
		if (write(out, &tag, 1) != 1)
			_exit(3);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

FIXTURE(canary) {
	struct dt_sock nl;
	struct dt_ack ack;
	struct sockaddr_in addr;
	int lfd;
	int results[2];		/* acceptors -> test: 'O' or 'P' each */
	int go[2];		/* test -> patched: start accepting */
	pid_t original, patched;
	__u32 listener;
};

FIXTURE_SETUP(canary)
{
	socklen_t len = sizeof(self->addr);

	ASSERT_EQ(0, dt_connect(&self->nl));
	ASSERT_EQ(0, dt_reset(&self->nl, 2000));
	self->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->lfd);
	self->addr.sin_family = AF_INET;
	self->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&self->addr,
			  sizeof(self->addr)));
	ASSERT_EQ(0, listen(self->lfd, 256));
	ASSERT_EQ(0, getsockname(self->lfd, (struct sockaddr *)&self->addr,
				 &len));
	ASSERT_EQ(0, pipe(self->results));
	ASSERT_EQ(0, pipe(self->go));

	self->original = spawn_acceptor(self->lfd, self->results[1], 'O', -1);
	self->patched = spawn_acceptor(self->lfd, self->results[1], 'P',
				       self->go[0]);
	ASSERT_NL_OK(dt_session_pair(&self->nl, SESSION, self->original,
				     self->patched, self->lfd, &self->listener,
				     0, &self->ack), self->ack);
}

FIXTURE_TEARDOWN(canary)
{
	teardown_begin(_metadata);
	kill(self->original, SIGKILL);
	kill(self->patched, SIGKILL);
	waitpid(self->original, NULL, 0);
	waitpid(self->patched, NULL, 0);
	EXPECT_RESET(&self->nl);
	close(self->lfd);
	dt_close(&self->nl);
}

static int owner_canary(struct dt_sock *nl, int pct, struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, DPO_CMD_OWNER_SET, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESSION);
	nlm_put_u8(&m, DPO_A_OWNER, DPO_OWNER_CANARY);
	if (pct >= 0)
		nlm_put_u8(&m, DPO_A_CANARY_PCT, pct);
	return dt_request(nl, &m, ack, NULL);
}

/*
 * Open @n connections, at most @window not yet accepted at a time, and
 * count who accepted them. Returns how many were accepted in @timeout_s.
 */
static int run_clients(struct __test_metadata *_metadata,
		       FIXTURE_DATA(canary) * self, int n, int window,
		       double timeout_s, int *orig, int *patched)
{
	double end = now_s() + timeout_s;
	int sent = 0, got = 0;
	char buf[64];

	*orig = *patched = 0;
	while (got < n && now_s() < end) {
		while (sent < n && sent - got < window) {
			int c = socket(AF_INET, SOCK_STREAM, 0);

			ASSERT_LE(0, c);
			ASSERT_EQ(0, connect(c, (struct sockaddr *)&self->addr,
					     sizeof(self->addr)));
			close(c);
			sent++;
		}
		ssize_t r = read(self->results[0], buf,
				 n - got < (int)sizeof(buf) ? n - got :
							      (int)sizeof(buf));
		ASSERT_LT(0, r);
		for (int i = 0; i < r; i++)
			buf[i] == 'P' ? (*patched)++ : (*orig)++;
		got += r;
	}
	return got;
}

/* 20% over 2,000 connections: within +-5 points, none lost. */
TEST_F_TIMEOUT(canary, split_20_percent, 300)
{
	int n = 2000, orig, patched, got;
	struct dt_obj o;
	double t0;

	ASSERT_EQ(1, write(self->go[1], "g", 1));
	ASSERT_NL_OK(owner_canary(&self->nl, 20, &self->ack), self->ack);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESSION, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_OWNER_CANARY, o.owner);

	t0 = now_s();
	got = run_clients(_metadata, self, n, 32, 240, &orig, &patched);
	TH_LOG("%d connections in %.1f s: original %d, patched %d (%.1f%%)",
	       got, now_s() - t0, orig, patched, 100.0 * patched / got);
	ASSERT_EQ(n, got);
	EXPECT_LE(15 * n / 100, patched);
	EXPECT_GE(25 * n / 100, patched);

	ASSERT_NL_OK(dt_listener_get(&self->nl, self->listener, &o,
				      &self->ack), self->ack);
	EXPECT_EQ((__u64)orig, o.accepted_original);
	EXPECT_EQ((__u64)patched, o.accepted_patched);
}

/* The patched instance does not accept: the original takes each one late. */
TEST_F_TIMEOUT(canary, slow_turn_owner_bounded_wait, 120)
{
	int n = 40, orig, patched, got;
	double t0, took, base;

	/*
	 * What the same connections cost without any wait (owner BOTH, the
	 * patched one not accepting): a slow VM's share, not the wait's.
	 */
	t0 = now_s();
	got = run_clients(_metadata, self, n, 1, 60, &orig, &patched);
	base = now_s() - t0;
	ASSERT_EQ(n, got);

	ASSERT_NL_OK(owner_canary(&self->nl, 50, &self->ack), self->ack);
	t0 = now_s();
	got = run_clients(_metadata, self, n, 1, 60, &orig, &patched);
	took = now_s() - t0;
	TH_LOG("%d connections in %.2f s with the patched one stalled (%.1f ms each, %.1f ms without waits)",
	       got, took, 1000 * took / n, 1000 * base / n);
	ASSERT_EQ(n, got);
	EXPECT_EQ(n, orig);
	/* Half of them wait DPO_CANARY_WAIT_MS: far below a second each. */
	EXPECT_GT(n * 0.25, took - base);
}

/* With no patched instance left, the original gets everything at once. */
TEST_F_TIMEOUT(canary, missing_role_takes_nothing, 120)
{
	int n = 40, orig, patched, got;

	ASSERT_NL_OK(owner_canary(&self->nl, 50, &self->ack), self->ack);
	ASSERT_NL_OK(dt_instance_del(&self->nl, self->patched, &self->ack),
		     self->ack);
	got = run_clients(_metadata, self, n, 8, 60, &orig, &patched);
	ASSERT_EQ(n, got);
	EXPECT_EQ(n, orig);
}

TEST_F(canary, bad_input)
{
	struct dt_msg m;

	EXPECT_NL_ERR(owner_canary(&self->nl, -1, &self->ack), self->ack,
		      EINVAL, "missing attribute: canary percentage");
	EXPECT_NL_ERR(owner_canary(&self->nl, 0, &self->ack), self->ack,
		      ERANGE, NULL);
	EXPECT_NL_ERR(owner_canary(&self->nl, 100, &self->ack), self->ack,
		      ERANGE, NULL);

	dt_msg_dpo(&m, &self->nl, DPO_CMD_OWNER_SET, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESSION);
	nlm_put_u8(&m, DPO_A_OWNER, DPO_OWNER_ORIGINAL);
	nlm_put_u8(&m, DPO_A_CANARY_PCT, 10);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "a percentage is only for canary ownership");
}

TEST_HARNESS_MAIN
