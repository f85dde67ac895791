// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink fuzzer for the dpo family: seeded, reproducible. It throws valid
 * requests in random order (sessions, instances, listeners handed over
 * and taken back, ownership switches, connection dumps, drains of
 * connections it keeps open and talks on), random and malformed ones (unknown commands,
 * random, missing, duplicated, oversized and wrongly nested attributes,
 * wrong header flags, bad lengths, several messages per send) at the
 * module, while the processes it tracks exit and its sockets close with
 * requests and dumps still pending. It checks that every reply is a proper
 * ack, error, dump part or reply, and that the module's object counts
 * return to zero after the cleanup. Kernel warnings are the VM harness's
 * job (it fails the run on any).
 *
 * Environment: DPO_FUZZ_COUNT messages per test (default 100000),
 * DPO_FUZZ_SEED (default 1). The seed is printed; rerun with it to
 * reproduce a failure.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "dpo_nl.h"
#include "proc_util.h"

#define NSOCKS		4
#define NTARGETS	6
#define NNAMES		5
#define NFDS		6	/* sockets offered to LISTENER_ADD */
#define NCONNS		8	/* accepted connections kept open */

struct fuzz {
	__u64 rng;
	struct dt_sock socks[NSOCKS];
	struct dt_sock ref;		/* resolved copy: family id, groups */
	pid_t targets[NTARGETS];
	int fds[NFDS];
	int conns[NCONNS][2];		/* client, accepted; -1 when free */
	bool priv;
	unsigned long sent, replies, acks, errors, dump_parts, closes, exits;
	char bad[256];			/* first malformed reply, if any */
};

static const char *const names[NNAMES] = {
	"db", "fuzz-1", "a", "0123456789012345678901234567890", "x y",
};

static __u64 rnd(struct fuzz *f)
{
	/* xorshift64*: small, fast, and the same sequence for a seed. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return f->rng * 0x2545F4914F6CDD1DULL;
}

static unsigned int below(struct fuzz *f, unsigned int n)
{
	return n ? rnd(f) % n : 0;
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* A target: single- or multi-threaded-looking sleeper that we may kill. */
static pid_t spawn_target(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static void churn_targets(struct fuzz *f)
{
	int i = below(f, NTARGETS);

	if (f->targets[i] > 0) {
		kill(f->targets[i], SIGKILL);
		waitpid(f->targets[i], NULL, 0);
		f->exits++;
	}
	f->targets[i] = spawn_target();
}

/* A socket of some kind: TCP listeners (v4, v6), UDP, unconnected TCP. */
static int make_socket(struct fuzz *f)
{
	int kind = below(f, 4), fd, one = 1;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	/* Non-blocking: the fuzzer's accepts must never wait (it may not own). */
	fd = socket(kind == 1 ? AF_INET6 : AF_INET,
		    (kind == 2 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
	if (fd < 0 || kind >= 2)
		return fd;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (kind == 1 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6)) :
			bind(fd, (struct sockaddr *)&a4, sizeof(a4)))
		return fd;
	listen(fd, 16);
	return fd;
}

static void churn_fds(struct fuzz *f)
{
	int i = below(f, NFDS);

	if (f->fds[i] >= 0)
		close(f->fds[i]);	/* attached ones stay open in dpo */
	f->fds[i] = make_socket(f);
}

/* Connect to a listener and try to take the connection (wrappers). */
static void poke_listener(struct fuzz *f)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = f->fds[below(f, NFDS)], c, a;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len))
		return;
	c = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c < 0)
		return;
	connect(c, (struct sockaddr *)&ss, len);
	a = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
	if (a >= 0 && below(f, 2)) {
		/* Keep it (registered if we are an instance): talk on it. */
		int k = below(f, NCONNS);

		if (f->conns[k][0] >= 0) {
			close(f->conns[k][0]);
			close(f->conns[k][1]);
		}
		f->conns[k][0] = c;
		f->conns[k][1] = a;
		return;
	}
	if (a >= 0)
		close(a);
	close(c);
}

/* A request and maybe its answer on a kept connection, or a close. */
static void talk(struct fuzz *f)
{
	int k = below(f, NCONNS), *p = f->conns[k];
	char buf[64] = "q";

	if (p[0] < 0)
		return;
	switch (below(f, 6)) {
	case 0:
		/* Either side first: server close, or client close first. */
		k = below(f, 2);
		close(p[k]);
		close(p[!k]);
		p[0] = p[1] = -1;
		return;
	case 1:
		send(p[0], buf, 1 + below(f, 63), MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	case 2:
		recv(p[1], buf, below(f, 64), MSG_DONTWAIT);
		break;
	case 3:
		send(p[1], buf, 1 + below(f, 63), MSG_DONTWAIT | MSG_NOSIGNAL |
		     (below(f, 4) ? 0 : MSG_MORE));
		break;
	default:
		recv(p[0], buf, sizeof(buf), MSG_DONTWAIT);
		break;
	}
}

static __u32 some_pid(struct fuzz *f)
{
	switch (below(f, 8)) {
	case 0:
		return getpid();
	case 1:
		return 1;
	case 2:
		return below(f, 1 << 22);
	case 3:
		return 0;
	default:
		return f->targets[below(f, NTARGETS)];
	}
}

/*
 * Payload bytes an attribute may still take: six oversized attributes
 * nested three deep would not fit in one dt_msg. 64 bytes stay free for
 * the headers of nests and attributes that follow.
 */
static size_t room(const struct dt_msg *m)
{
	size_t used = NLMSG_ALIGN(m->nlh.nlmsg_len) + 64;

	return used < sizeof(m->buf) ? sizeof(m->buf) - used : 0;
}

static void put_random_attr(struct fuzz *f, struct dt_msg *m, int depth)
{
	unsigned char data[512];
	__u16 type = below(f, DPO_A_MAX + 4);
	size_t len;
	unsigned int i;

	if (!room(m))
		return;
	if (depth < 2 && !below(f, 8)) {
		dt_nest_start(m, type | (below(f, 2) ? NLA_F_NESTED : 0));
		for (i = below(f, 4); i; i--)
			put_random_attr(f, m, depth + 1);
		dt_nest_end(m);
		return;
	}
	switch (below(f, 6)) {
	case 0:
		len = 0;
		break;
	case 1:
		len = 1 << below(f, 4);		/* 1..8: right and wrong sizes */
		break;
	case 2:
		len = sizeof(data);		/* oversized */
		break;
	default:
		len = below(f, 40);
		break;
	}
	if (len > room(m))
		len = room(m);
	for (i = 0; i < len; i++)
		data[i] = below(f, 4) ? rnd(f) : 0;
	if (below(f, 16) == 0)
		type |= NLA_F_NET_BYTEORDER;
	dt_put(m, type, data, len);
}

/* A well-formed request of the family, with plausible values. */
static void valid_request(struct fuzz *f, struct dt_msg *m)
{
	static const __u8 cmds[] = {
		DPO_CMD_STATUS_GET, DPO_CMD_SESSION_NEW, DPO_CMD_SESSION_SET,
		DPO_CMD_SESSION_DEL, DPO_CMD_SESSION_GET, DPO_CMD_INSTANCE_ADD,
		DPO_CMD_INSTANCE_DEL, DPO_CMD_INSTANCE_GET,
		DPO_CMD_LISTENER_ADD, DPO_CMD_LISTENER_DEL,
		DPO_CMD_LISTENER_GET, DPO_CMD_OWNER_SET,
		DPO_CMD_SESSION_CLAIM, DPO_CMD_CONN_GET, DPO_CMD_DRAIN,
	};
	__u8 cmd = cmds[below(f, sizeof(cmds))];
	__u16 flags = below(f, 4) ? 0 : NLM_F_DUMP;
	const char *name = names[below(f, NNAMES)];

	dt_msg_dpo(m, &f->ref, cmd, flags);
	switch (cmd) {
	case DPO_CMD_SESSION_NEW:
	case DPO_CMD_SESSION_SET:
		dt_put_str(m, DPO_A_SESSION_NAME, name);
		if (below(f, 4))
			nlm_put_u32(m, DPO_A_INTERVAL_MS,
				    below(f, 3) ? 10 + below(f, 200) :
						  below(f, 20000));
		break;
	case DPO_CMD_SESSION_DEL:
	case DPO_CMD_SESSION_GET:
		if (below(f, 4))
			dt_put_str(m, DPO_A_SESSION_NAME, name);
		break;
	case DPO_CMD_INSTANCE_ADD:
		dt_put_str(m, DPO_A_SESSION_NAME, name);
		nlm_put_u32(m, DPO_A_PID, some_pid(f));
		nlm_put_u8(m, DPO_A_ROLE, below(f, 4));
		break;
	case DPO_CMD_INSTANCE_DEL:
	case DPO_CMD_INSTANCE_GET:
		if (below(f, 4))
			nlm_put_u32(m, DPO_A_PID, some_pid(f));
		break;
	case DPO_CMD_LISTENER_ADD:
		dt_put_str(m, DPO_A_SESSION_NAME, name);
		nlm_put_u32(m, DPO_A_FD, below(f, 8) ? (__u32)f->fds[below(f, NFDS)] :
						       below(f, 64));
		break;
	case DPO_CMD_LISTENER_DEL:
	case DPO_CMD_LISTENER_GET:
		if (below(f, 4))
			nlm_put_u32(m, DPO_A_LISTENER_ID, below(f, 64));
		break;
	case DPO_CMD_OWNER_SET:
	case DPO_CMD_SESSION_CLAIM:
		dt_put_str(m, DPO_A_SESSION_NAME, name);
		if (cmd == DPO_CMD_OWNER_SET || below(f, 2))
			nlm_put_u8(m, DPO_A_OWNER, below(f, DPO_OWNER_MAX + 2));
		break;
	case DPO_CMD_CONN_GET:
		if (below(f, 2))
			dt_put_str(m, DPO_A_SESSION_NAME, name);
		if (!below(f, 4))
			nlm_put_u32(m, DPO_A_PID, some_pid(f));
		break;
	case DPO_CMD_DRAIN:
		dt_put_str(m, DPO_A_SESSION_NAME, name);
		nlm_put_u8(m, DPO_A_ROLE, below(f, 4));
		if (below(f, 2))
			nlm_put_u32(m, DPO_A_DEADLINE_MS,
				    below(f, 4) ? below(f, 300) : rnd(f));
		if (!below(f, 4)) {
			unsigned char mark[DPO_DRAIN_IDLE_MARK_MAX + 4];
			size_t i, len = below(f, sizeof(mark) + 1);

			for (i = 0; i < len; i++)
				mark[i] = rnd(f);
			dt_put(m, DPO_A_DRAIN_IDLE_MARK, mark, len);
		}
		if (!below(f, 4))
			nlm_put_u32(m, DPO_A_MIN_REQUESTS,
				    below(f, 2) ? below(f, 5) : rnd(f));
		break;
	}
}

/* Anything: random command, flags, version, attributes. */
static void random_request(struct fuzz *f, struct dt_msg *m)
{
	/* Our family, or a control type, or a family that does not exist. */
	static const __u16 others[] = { 0, NLMSG_NOOP, NLMSG_ERROR,
					NLMSG_DONE, NLMSG_OVERRUN, 0x7ff0 };

	dt_msg_init(m, below(f, 16) ? f->ref.family : others[below(f, 6)],
		 rnd(f) & (below(f, 2) ? 0xffff : NLM_F_DUMP | NLM_F_ACK),
		 below(f, 2) ? below(f, DPO_CMD_MAX + 3) : rnd(f),
		 below(f, 4) ? DPO_GENL_VERSION : rnd(f));
	for (unsigned int i = below(f, 6); i; i--)
		put_random_attr(f, m, 0);
	/* A duplicated attribute now and then. */
	if (!below(f, 8))
		nlm_put_u32(m, DPO_A_PID, some_pid(f));
	if (!below(f, 8))
		nlm_put_u32(m, DPO_A_PID, some_pid(f));
}

/* Bend a built message: wrong lengths, reserved bits, truncation. */
static size_t mangle(struct fuzz *f, struct dt_msg *m)
{
	struct genlmsghdr *g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	size_t len = m->nlh.nlmsg_len;

	switch (below(f, 10)) {
	case 0:
		m->nlh.nlmsg_len = below(f, len + 64);	/* lies about length */
		break;
	case 1:
		g->reserved = rnd(f);
		break;
	case 2:
		len = below(f, len + 1);		/* truncated on the wire */
		break;
	case 3:
		m->nlh.nlmsg_len = 0;
		break;
	default:
		break;
	}
	return len;
}

/* Every message the kernel sends us must be well formed and expected. */
static void check_replies(struct fuzz *f, struct dt_sock *nl)
{
	char buf[65536];
	ssize_t n;

	while ((n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int left = n;

		for (; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			f->replies++;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
				    e->error > 0 || e->error < -4095)
					snprintf(f->bad, sizeof(f->bad),
						 "bad error message: len %u error %d",
						 nlh->nlmsg_len, e->error);
				e->error ? f->errors++ : f->acks++;
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				f->dump_parts++;
			} else if (nlh->nlmsg_type == f->ref.family) {
				struct dt_obj o;

				if (dt_parse(nlh, &o))
					snprintf(f->bad, sizeof(f->bad),
						 "unparsable reply, cmd %u",
						 o.cmd);
				f->dump_parts += !!(nlh->nlmsg_flags & NLM_F_MULTI);
			} else {
				snprintf(f->bad, sizeof(f->bad),
					 "unexpected message type %u",
					 nlh->nlmsg_type);
			}
		}
		if (left)
			snprintf(f->bad, sizeof(f->bad),
				 "%d trailing bytes in a reply", left);
	}
}

static void reopen(struct fuzz *f, int i)
{
	/* Closing drops whatever is queued and any dump in progress. */
	dt_close(&f->socks[i]);
	f->closes++;
	if (dt_open(&f->socks[i]) == 0)
		dt_set_rcvbuf(&f->socks[i], 1 << 20);
}

static void fuzz_one(struct fuzz *f)
{
	int i = below(f, NSOCKS);
	struct dt_sock *nl = &f->socks[i];
	struct dt_msg m[3];
	char wire[3 * NL_MSG_MAX];
	size_t len = 0;
	int k, n = below(f, 8) ? 1 : 2 + below(f, 2);

	for (k = 0; k < n; k++) {
		size_t l;

		if (below(f, 2))
			valid_request(f, &m[k]);
		else
			random_request(f, &m[k]);
		m[k].nlh.nlmsg_seq = ++nl->seq;
		m[k].nlh.nlmsg_pid = 0;
		if (below(f, 4))
			m[k].nlh.nlmsg_flags |= NLM_F_ACK;
		l = below(f, 4) ? m[k].nlh.nlmsg_len : mangle(f, &m[k]);
		memcpy(wire + len, m[k].buf, l);
		len += NLMSG_ALIGN(l);
	}
	if (send(nl->fd, wire, len, 0) >= 0)
		f->sent += n;
	else
		f->sent += n;	/* a refused send is an answer too */

	if (below(f, 3))
		check_replies(f, nl);
	if (!below(f, 64))
		reopen(f, i);
	if (!below(f, 32))
		churn_targets(f);
	if (!below(f, 32))
		churn_fds(f);
	if (!below(f, 8))
		poke_listener(f);
	if (!below(f, 2))
		talk(f);
}

static int count_objects(struct dt_sock *nl, __u32 *sessions, __u32 *instances)
{
	struct dt_msg m;
	struct dt_ack ack;
	struct dt_obj o;
	int err;

	dt_msg_dpo(&m, nl, DPO_CMD_STATUS_GET, 0);
	err = dt_request(nl, &m, &ack, &o);
	if (err)
		return err;
	*sessions = o.sessions;
	*instances = o.instances;
	return 0;
}

/* Delete every session (as root); the counts must then drain to zero. */
static int cleanup_and_count(struct dt_sock *nl, __u32 *sessions,
			     __u32 *instances)
{
	struct dt_obj list[64];
	struct dt_msg m;
	struct dt_ack ack;
	int i, n = 0;
	__u64 end;

	dt_msg_dpo(&m, nl, DPO_CMD_SESSION_GET, NLM_F_DUMP);
	if (dt_dump(nl, &m, &ack, list, 64, &n))
		return -1;
	for (i = 0; i < n; i++) {
		dt_msg_dpo(&m, nl, DPO_CMD_SESSION_DEL, 0);
		dt_put_str(&m, DPO_A_SESSION_NAME, list[i].session);
		dt_request(nl, &m, &ack, NULL);
	}
	/*
	 * Objects are freed after an RCU grace period: seconds, after a
	 * fuzz run on a slow debug kernel.
	 */
	for (end = now_ns() + 15000000000ULL;;) {
		if (count_objects(nl, sessions, instances))
			return -1;
		if ((!*sessions && !*instances) || now_ns() > end)
			break;
		usleep(20000);
	}
	/* Every listener went with its session. */
	dt_msg_dpo(&m, nl, DPO_CMD_LISTENER_GET, NLM_F_DUMP);
	if (dt_dump(nl, &m, &ack, list, 64, &n) || n)
		return -1;
	return 0;
}

static void run_fuzz(struct __test_metadata *_metadata, bool priv)
{
	unsigned long count = env_ul("DPO_FUZZ_COUNT", 100000);
	unsigned long seed = env_ul("DPO_FUZZ_SEED", 1) + (priv ? 0 : 7);
	struct fuzz *f = calloc(1, sizeof(*f));
	struct timespec t0, t1;
	unsigned long i;
	double secs;
	int k;

	ASSERT_NE(NULL, f);
	f->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	f->priv = priv;
	ASSERT_EQ(0, dt_open(&f->ref));
	ASSERT_EQ(0, dt_resolve(&f->ref));
	for (k = 0; k < NSOCKS; k++) {
		ASSERT_EQ(0, dt_open(&f->socks[k]));
		dt_set_rcvbuf(&f->socks[k], 1 << 20);
	}
	for (k = 0; k < NTARGETS; k++)
		f->targets[k] = spawn_target();
	for (k = 0; k < NFDS; k++)
		f->fds[k] = make_socket(f);
	memset(f->conns, -1, sizeof(f->conns));

	TH_LOG("seed %lu, %lu messages, %s", seed, count,
	       priv ? "root" : "uid 65534");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count && !f->bad[0]; ) {
		unsigned long before = f->sent;

		fuzz_one(f);
		i += f->sent - before;
	}
	for (k = 0; k < NSOCKS; k++)
		check_replies(f, &f->socks[k]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	TH_LOG("%lu messages in %.1f s (%.0f/s): %lu replies, %lu acks, %lu errors, %lu dump parts, %lu socket closes, %lu process exits",
	       f->sent, secs, f->sent / secs, f->replies, f->acks, f->errors,
	       f->dump_parts, f->closes, f->exits);
	EXPECT_STREQ("", f->bad);

	for (k = 0; k < NTARGETS; k++) {
		kill(f->targets[k], SIGKILL);
		waitpid(f->targets[k], NULL, 0);
	}
	for (k = 0; k < NSOCKS; k++)
		dt_close(&f->socks[k]);
	for (k = 0; k < NFDS; k++)
		if (f->fds[k] >= 0)
			close(f->fds[k]);
	for (k = 0; k < NCONNS; k++) {
		if (f->conns[k][0] >= 0) {
			close(f->conns[k][0]);
			close(f->conns[k][1]);
		}
	}
	dt_close(&f->ref);
	free(f);
}

static void drop_privileges(void)
{
	gid_t gid = 65534;

	if (setgroups(1, &gid) || setresgid(gid, gid, gid) ||
	    setresuid(65534, 65534, 65534))
		exit(KSFT_FAIL);
}

FIXTURE(fuzz) {
	struct dt_sock nl;
};

FIXTURE_SETUP(fuzz)
{
	ASSERT_EQ(0, dt_open(&self->nl));
	ASSERT_EQ(0, dt_resolve(&self->nl));
}

FIXTURE_TEARDOWN(fuzz)
{
	__u32 sessions, instances;

	cleanup_and_count(&self->nl, &sessions, &instances);
	dt_close(&self->nl);
}

/* Long runs (make fuzz N=...) take hours under TCG: the VM harness bounds it. */
TEST_F_TIMEOUT(fuzz, as_root, 86400)
{
	__u32 sessions = ~0U, instances = ~0U;

	run_fuzz(_metadata, true);
	ASSERT_EQ(0, cleanup_and_count(&self->nl, &sessions, &instances));
	EXPECT_EQ(0U, sessions);
	EXPECT_EQ(0U, instances);
}

TEST_F_TIMEOUT(fuzz, unprivileged_changes_nothing, 86400)
{
	__u32 s0 = ~0U, i0 = ~0U, s1 = ~0U, i1 = ~0U;
	struct dt_sock *nl = &self->nl;
	pid_t child;
	int status;

	ASSERT_EQ(0, cleanup_and_count(nl, &s0, &i0));

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		drop_privileges();
		run_fuzz(_metadata, false);
		exit(_metadata->passed ? KSFT_PASS : KSFT_FAIL);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(KSFT_PASS, WEXITSTATUS(status));

	ASSERT_EQ(0, count_objects(nl, &s1, &i1));
	EXPECT_EQ(s0, s1);
	EXPECT_EQ(i0, i1);
}

TEST_HARNESS_MAIN
