// SPDX-License-Identifier: GPL-2.0
/*
 * dpo generic netlink interface: family, requests, malformed input, change
 * notifications and permissions.
 */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "dpo_harness.h"

#define SESS	"st-netlink"
#define SESS2	"st-netlink-2"

/* ---- family ------------------------------------------------------------- */

static const struct { __u32 id; bool admin; bool dump; } expected_ops[] = {
	{ DPO_CMD_STATUS_GET,	false,	false },
	{ DPO_CMD_SESSION_NEW,	true,	false },
	{ DPO_CMD_SESSION_SET,	true,	false },
	{ DPO_CMD_SESSION_DEL,	true,	false },
	{ DPO_CMD_SESSION_GET,	true,	true },
	{ DPO_CMD_INSTANCE_ADD,	true,	false },
	{ DPO_CMD_INSTANCE_DEL,	true,	false },
	{ DPO_CMD_INSTANCE_GET,	true,	true },
};

TEST(family_resolves)
{
	struct dt_sock nl;
	unsigned int i;
	int j;

	ASSERT_EQ(0, dt_open(&nl));
	ASSERT_EQ(0, dt_resolve(&nl)) {
		TH_LOG("family \"%s\" not found: is dpo.ko loaded?",
		       DPO_GENL_NAME);
	}
	EXPECT_NE(0, nl.family);
	EXPECT_EQ(DPO_GENL_VERSION, nl.version);
	EXPECT_NE(0, nl.grp_samples);
	EXPECT_NE(0, nl.grp_events);
	EXPECT_NE(nl.grp_samples, nl.grp_events);

	for (i = 0; i < ARRAY_SIZE(expected_ops); i++) {
		for (j = 0; j < nl.ops_count; j++)
			if (nl.ops[j].id == expected_ops[i].id)
				break;
		EXPECT_LT(j, nl.ops_count) {
			TH_LOG("command %s not registered",
			       dt_cmd_name(expected_ops[i].id));
		}
		if (j == nl.ops_count)
			continue;
		EXPECT_EQ(expected_ops[i].admin,
			  !!(nl.ops[j].flags & GENL_ADMIN_PERM)) {
			TH_LOG("%s: GENL_ADMIN_PERM %s",
			       dt_cmd_name(expected_ops[i].id),
			       expected_ops[i].admin ? "missing" : "set");
		}
		EXPECT_TRUE(nl.ops[j].flags & GENL_CMD_CAP_DO) {
			TH_LOG("%s: no doit", dt_cmd_name(expected_ops[i].id));
		}
		EXPECT_EQ(expected_ops[i].dump,
			  !!(nl.ops[j].flags & GENL_CMD_CAP_DUMP)) {
			TH_LOG("%s: dumpit %s", dt_cmd_name(expected_ops[i].id),
			       expected_ops[i].dump ? "missing" : "unexpected");
		}
	}
	/* Notifications are not requests. */
	for (j = 0; j < nl.ops_count; j++) {
		EXPECT_NE(DPO_CMD_SAMPLE_NTF, nl.ops[j].id);
		EXPECT_NE(DPO_CMD_INSTANCE_EXIT_NTF, nl.ops[j].id);
		EXPECT_NE(0, nl.ops[j].id);	/* no command 0 */
	}
	dt_close(&nl);
}

/* ---- fixture: one session, one untracked child ---------------------------- */

FIXTURE(nl) {
	struct dt_sock nl;
	struct child kid;
	struct dt_ack ack;
};

FIXTURE_SETUP(nl)
{
	struct child_cfg cfg = { .pages = 1 };

	self->kid.pid = self->kid.cmd_fd = self->kid.rep_fd = -1;
	self->nl.fd = -1;
	ASSERT_CONNECT_RESET(&self->nl);
	ASSERT_NL_OK(dt_session_new(&self->nl, SESS, 100, &self->ack),
		     self->ack);
	ASSERT_EQ(0, child_start(&self->kid, &cfg));
}

FIXTURE_TEARDOWN(nl)
{
	teardown_begin(_metadata);
	child_kill(&self->kid);
	EXPECT_RESET_CLOSE(&self->nl);
}

static void counts(struct __test_metadata *_metadata, struct dt_sock *nl,
		   __u32 *sessions, __u32 *instances)
{
	struct dt_obj st;
	struct dt_ack ack;

	ASSERT_NL_OK(dt_status(nl, &st, &ack), ack);
	*sessions = st.sessions;
	*instances = st.instances;
}

/* Wait (objects are freed after an RCU grace period) for @want instances. */
static __u32 wait_instances(struct dt_sock *nl, __u32 want)
{
	__u64 end = now_ns() + 10000000000ULL;
	struct dt_obj st = { 0 };

	for (;;) {
		if (dt_status(nl, &st, NULL))
			return ~0U;
		if (st.instances == want || now_ns() > end)
			break;
		sleep_ms(10);
	}
	return st.instances;
}

TEST_F(nl, status_get)
{
	struct dt_obj st;

	ASSERT_NL_OK(dt_status(&self->nl, &st, &self->ack), self->ack);
	EXPECT_TRUE(DPO_HAS(&st, DPO_A_VERSION));
	EXPECT_TRUE(DPO_HAS(&st, DPO_A_SESSIONS));
	EXPECT_TRUE(DPO_HAS(&st, DPO_A_INSTANCES));
	EXPECT_TRUE(DPO_HAS(&st, DPO_A_SAMPLES));
	EXPECT_TRUE(DPO_HAS(&st, DPO_A_SAMPLE_TIME_NS));
	EXPECT_NE(0, (int)strlen(st.version));
	EXPECT_EQ(1, st.sessions);
	EXPECT_EQ(0, st.instances);
	TH_LOG("version '%s', samples %llu, sample time %llu ns", st.version,
	       (unsigned long long)st.samples,
	       (unsigned long long)st.sample_time_ns);
}

/* ---- sessions --------------------------------------------------------------- */

TEST_F(nl, session_new_get_dump)
{
	const char *name31 = "0123456789012345678901234567890";
	struct dt_obj o, objs[8];
	__u32 s, i;
	int n, k, found = 0;

	ASSERT_EQ(31, (int)strlen(name31));
	ASSERT_NL_OK(dt_session_new(&self->nl, name31, 10, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-max", 10000, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-default", 0, &self->ack),
		     self->ack);

	ASSERT_NL_OK(dt_session_get(&self->nl, name31, &o, &self->ack),
		     self->ack);
	EXPECT_STREQ(name31, o.session);
	EXPECT_EQ(10, o.interval_ms);
	EXPECT_TRUE(DPO_HAS(&o, DPO_A_INSTANCES));
	EXPECT_EQ(0, o.instances);
	ASSERT_NL_OK(dt_session_get(&self->nl, "st-max", &o, &self->ack),
		     self->ack);
	EXPECT_EQ(10000, o.interval_ms);
	ASSERT_NL_OK(dt_session_get(&self->nl, "st-default", &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_INTERVAL_MS_DEFAULT, o.interval_ms);

	ASSERT_NL_OK(dt_session_dump(&self->nl, objs, 8, &n, &self->ack),
		     self->ack);
	EXPECT_EQ(4, n);
	for (k = 0; k < n && k < 8; k++) {
		if (!strcmp(objs[k].session, SESS)) {
			found++;
			EXPECT_EQ(100, objs[k].interval_ms);
		}
		EXPECT_TRUE(DPO_HAS(&objs[k], DPO_A_INTERVAL_MS));
	}
	EXPECT_EQ(1, found);
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(4, s);
	EXPECT_EQ(0, i);
}

TEST_F(nl, session_new_missing_name)
{
	struct dt_msg m;

	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	nlm_put_u32(&m, DPO_A_INTERVAL_MS, 100);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "missing attribute: session name");
	EXPECT_MISS(self->ack, DPO_A_SESSION_NAME);
}

TEST_F(nl, session_new_empty_name)
{
	__u32 s, i;

	EXPECT_NL_ERR(dt_session_new(&self->nl, "", 100, &self->ack),
		      self->ack, EINVAL, "session name is empty");
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(1, s);
}

TEST_F(nl, session_new_long_name)
{
	const char *name32 = "01234567890123456789012345678901";
	struct dt_msg m;
	__u32 off, s, i;

	ASSERT_EQ(DPO_SESSION_NAME_MAX, (int)strlen(name32));
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	off = dt_put_str(&m, DPO_A_SESSION_NAME, name32);
	nlm_put_u32(&m, DPO_A_INTERVAL_MS, 100);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(1, s);
}

TEST_F(nl, session_new_duplicate)
{
	struct dt_obj o;
	__u32 s, i;

	EXPECT_NL_ERR(dt_session_new(&self->nl, SESS, 500, &self->ack),
		      self->ack, EEXIST, "session already exists");
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(100, o.interval_ms);
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(1, s);
}

static void interval_rejected(struct __test_metadata *_metadata,
			      struct dt_sock *nl, __u8 cmd, __u32 interval)
{
	struct dt_ack ack;
	struct dt_msg m;
	__u32 off;

	dt_msg_dpo(&m, nl, cmd, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME,
		    cmd == DPO_CMD_SESSION_NEW ? "st-range" : SESS);
	off = nlm_put_u32(&m, DPO_A_INTERVAL_MS, interval);
	EXPECT_NL_ERR(dt_request(nl, &m, &ack, NULL), ack, ERANGE,
		      "integer out of range");
	if (ack.err) {
		EXPECT_OFFS(ack, off);
	}
	if (ack.err != ERANGE)
		TH_LOG("%s interval %u", dt_cmd_name(cmd), interval);
}

TEST_F(nl, session_interval_out_of_range)
{
	static const __u32 bad[] = {
		0, DPO_INTERVAL_MS_MIN - 1, DPO_INTERVAL_MS_MAX + 1, 0xffffffff,
	};
	struct dt_obj o;
	unsigned int k;
	__u32 s, i;

	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		interval_rejected(_metadata, &self->nl, DPO_CMD_SESSION_NEW, bad[k]);
		interval_rejected(_metadata, &self->nl, DPO_CMD_SESSION_SET, bad[k]);
	}
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(1, s);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(100, o.interval_ms);
}

TEST_F(nl, session_interval_wrong_size)
{
	struct dt_msg m;
	__u32 off;

	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-size");
	off = nlm_put_u16(&m, DPO_A_INTERVAL_MS, 100);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);

	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-size");
	off = nlm_put_u64(&m, DPO_A_INTERVAL_MS, 100);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);

	EXPECT_EQ(-ENOENT, dt_session_get(&self->nl, "st-size", NULL,
					   &self->ack));
}

/*
 * A drain's idle mark: 1 to DPO_DRAIN_IDLE_MARK_MAX bytes, checked by the
 * command (the policy takes any binary), before anything else is done.
 */
TEST_F(nl, drain_idle_mark_length)
{
	static const size_t bad[] = { 0, DPO_DRAIN_IDLE_MARK_MAX + 1, 64 };
	static const char mark[64];
	struct dt_obj o;
	struct dt_msg m;
	unsigned int k;
	__u32 off;

	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		dt_msg_dpo(&m, &self->nl, DPO_CMD_DRAIN, 0);
		dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
		nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_PATCHED);
		off = dt_put(&m, DPO_A_DRAIN_IDLE_MARK, mark, bad[k]);
		EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL),
			      self->ack, EINVAL, "idle mark of 1 to 16 bytes");
		EXPECT_OFFS(self->ack, off);
	}
	/* A good one goes on to the next check: no instance to drain to. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_DRAIN, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_PATCHED);
	dt_put(&m, DPO_A_DRAIN_IDLE_MARK, mark, DPO_DRAIN_IDLE_MARK_MAX);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "no original instance to take new connections");
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_OWNER_BOTH, o.owner);
}

/* drain-min-requests: a u32 the policy bounds (0 to the max). */
TEST_F(nl, drain_min_requests_range)
{
	struct dt_msg m;
	__u32 off;

	dt_msg_dpo(&m, &self->nl, DPO_CMD_DRAIN, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_PATCHED);
	off = nlm_put_u32(&m, DPO_A_MIN_REQUESTS,
			  DPO_DRAIN_MIN_REQUESTS_MAX + 1);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      ERANGE, NULL);
	EXPECT_OFFS(self->ack, off);
	/* In range: on to the next check, no instance to drain to. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_DRAIN, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_PATCHED);
	nlm_put_u32(&m, DPO_A_MIN_REQUESTS, DPO_DRAIN_MIN_REQUESTS_MAX);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "no original instance to take new connections");
}

TEST_F(nl, session_set)
{
	struct dt_obj o;
	struct dt_msg m;

	ASSERT_NL_OK(dt_session_set(&self->nl, SESS, 250, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(250, o.interval_ms);

	EXPECT_NL_ERR(dt_session_set(&self->nl, "st-nope", 250, &self->ack),
		      self->ack, ENOENT, "no such session");

	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_SET, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "missing attribute: interval");
	EXPECT_MISS(self->ack, DPO_A_INTERVAL_MS);

	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_SET, 0);
	nlm_put_u32(&m, DPO_A_INTERVAL_MS, 100);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "missing attribute: session name");
	EXPECT_MISS(self->ack, DPO_A_SESSION_NAME);

	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(250, o.interval_ms);
}

TEST_F(nl, session_del_and_get_unknown)
{
	struct dt_msg m;
	__u32 s, i;

	EXPECT_NL_ERR(dt_session_del(&self->nl, "st-nope", &self->ack),
		      self->ack, ENOENT, "no such session");
	EXPECT_NL_ERR(dt_session_get(&self->nl, "st-nope", NULL, &self->ack),
		      self->ack, ENOENT, "no such session");
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_DEL, 0);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "missing attribute: session name");
	EXPECT_MISS(self->ack, DPO_A_SESSION_NAME);
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(1, s);

	ASSERT_NL_OK(dt_session_del(&self->nl, SESS, &self->ack), self->ack);
	EXPECT_NL_ERR(dt_session_del(&self->nl, SESS, &self->ack), self->ack,
		      ENOENT, "no such session");
	EXPECT_NL_ERR(dt_session_get(&self->nl, SESS, NULL, &self->ack),
		      self->ack, ENOENT, "no such session");
}

TEST_F(nl, session_limit)
{
	struct dt_obj st;
	char name[32];
	int k, ret = 0;

	/* The limit is the module's business; it must exist and be clean. */
	for (k = 0; k < 4096; k++) {
		snprintf(name, sizeof(name), "st-limit-%d", k);
		ret = dt_session_new(&self->nl, name, 10000, &self->ack);
		if (ret)
			break;
	}
	EXPECT_NL_ERR(ret, self->ack, ENOSPC, "too many sessions");
	TH_LOG("%d sessions accepted besides the fixture's", k);
	EXPECT_LT(0, k);
	ASSERT_NL_OK(dt_status(&self->nl, &st, &self->ack), self->ack);
	EXPECT_EQ(k + 1, st.sessions);
	/* Room again once one is gone. */
	ASSERT_NL_OK(dt_session_del(&self->nl, "st-limit-0", &self->ack),
		     self->ack);
	EXPECT_NL_OK(dt_session_new(&self->nl, "st-limit-again", 10000,
				     &self->ack), self->ack);
}

/* ---- malformed messages ------------------------------------------------------ */

TEST_F(nl, unknown_attribute)
{
	static const __u16 types[] = { DPO_A_MAX + 1, 200, 0x3fff };
	struct dt_msg m;
	unsigned int k;
	__u32 off;

	for (k = 0; k < ARRAY_SIZE(types); k++) {
		dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
		dt_put_str(&m, DPO_A_SESSION_NAME, "st-unknown");
		off = nlm_put_u32(&m, types[k], 1);
		EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL),
			      self->ack, EINVAL, NULL);
		EXPECT_OFFS(self->ack, off);
	}
	/* Known to the family, but not used by this command. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-unknown");
	off = nlm_put_u32(&m, DPO_A_PID, self->kid.pid);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);
	dt_msg_dpo(&m, &self->nl, DPO_CMD_INSTANCE_DEL, 0);
	nlm_put_u32(&m, DPO_A_PID, self->kid.pid);
	off = dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);

	/* Also on a command that takes no attributes at all. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_STATUS_GET, 0);
	nlm_put_u32(&m, DPO_A_MAX + 1, 1);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_EQ(-ENOENT, dt_session_get(&self->nl, "st-unknown", NULL,
					   &self->ack));
}

TEST_F(nl, nested_flag_on_scalar)
{
	struct dt_msg m;
	__u32 off;

	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-nested");
	off = nlm_put_u32(&m, DPO_A_INTERVAL_MS | NLA_F_NESTED, 100);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);
	EXPECT_EQ(-ENOENT, dt_session_get(&self->nl, "st-nested", NULL,
					   &self->ack));
}

TEST_F(nl, truncated_and_trailing_bytes)
{
	struct nlattr bogus = { .nla_len = 64, .nla_type = DPO_A_INTERVAL_MS };
	static const char junk[3] = { 1, 2, 3 };
	struct dt_msg m;

	/* An attribute header claiming more bytes than the message has. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-trunc");
	dt_put_raw(&m, &bogus, sizeof(bogus));
	dt_put_raw(&m, "\0\0\0\0", 4);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);

	/* Three stray bytes after the last attribute. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-trunc");
	dt_put_raw(&m, junk, sizeof(junk));
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);

	EXPECT_EQ(-ENOENT, dt_session_get(&self->nl, "st-trunc", NULL,
					   &self->ack));
}

TEST_F(nl, unknown_command)
{
	static const __u8 cmds[] = {
		0, DPO_CMD_SAMPLE_NTF, DPO_CMD_INSTANCE_EXIT_NTF,
		DPO_CMD_SESSION_NEW_NTF, DPO_CMD_OWNER_SET_NTF,
		DPO_CMD_MAX + 1, 255,
	};
	struct dt_msg m;
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(cmds); k++) {
		dt_msg_dpo(&m, &self->nl, cmds[k], 0);
		EXPECT_EQ(-EOPNOTSUPP, dt_request(&self->nl, &m, &self->ack,
						  NULL)) {
			TH_LOG("cmd %u: errno %d '%s'", cmds[k], self->ack.err,
			       self->ack.msg);
		}
	}
	/* Dump of do-only commands. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_STATUS_GET, 0);
	EXPECT_EQ(-EOPNOTSUPP, dt_dump(&self->nl, &m, &self->ack, NULL, 0, NULL));
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	EXPECT_EQ(-EOPNOTSUPP, dt_dump(&self->nl, &m, &self->ack, NULL, 0, NULL));
}

TEST_F(nl, strict_header)
{
	struct genlmsghdr *g;
	struct dt_msg m;

	/* genlmsghdr.reserved must be zero. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, 0);
	g = NLMSG_DATA(&m.nlh);
	g->reserved = 1;
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-hdr");
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);

	/* No flags that mean nothing to generic netlink. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_SESSION_NEW, NLM_F_CREATE);
	dt_put_str(&m, DPO_A_SESSION_NAME, "st-hdr");
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);

	/* Truncated: no room for the generic netlink header. */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_STATUS_GET, 0);
	m.nlh.nlmsg_len = NLMSG_LENGTH(2);
	EXPECT_EQ(-EINVAL, dt_request(&self->nl, &m, &self->ack, NULL));

	EXPECT_EQ(-ENOENT, dt_session_get(&self->nl, "st-hdr", NULL,
					   &self->ack));
}

/* ---- instances --------------------------------------------------------------- */

TEST_F(nl, instance_add_get_del)
{
	struct dt_obj o, objs[4];
	__u32 s, i;
	int n;

	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS, self->kid.pid,
				      DPO_ROLE_PATCHED, &self->ack), self->ack);
	ASSERT_NL_OK(dt_instance_get(&self->nl, self->kid.pid, &o, &self->ack),
		     self->ack);
	EXPECT_STREQ(SESS, o.session);
	EXPECT_EQ((__u32)self->kid.pid, o.pid);
	EXPECT_EQ(DPO_ROLE_PATCHED, o.role);
	EXPECT_TRUE(DPO_HAS(&o, DPO_A_START_TIME_NS));
	EXPECT_TRUE(DPO_HAS(&o, DPO_A_STATS));
	EXPECT_LE(1, o.stats.seq);

	ASSERT_NL_OK(dt_instance_dump(&self->nl, objs, 4, &n, &self->ack),
		     self->ack);
	ASSERT_EQ(1, n);
	EXPECT_EQ((__u32)self->kid.pid, objs[0].pid);
	EXPECT_STREQ(SESS, objs[0].session);
	EXPECT_EQ(DPO_ROLE_PATCHED, objs[0].role);

	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(1, o.instances);
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(1, i);

	ASSERT_NL_OK(dt_instance_del(&self->nl, self->kid.pid, &self->ack),
		     self->ack);
	EXPECT_NL_ERR(dt_instance_get(&self->nl, self->kid.pid, NULL,
				       &self->ack),
		      self->ack, ENOENT, "process not tracked");
	EXPECT_NL_ERR(dt_instance_del(&self->nl, self->kid.pid, &self->ack),
		      self->ack, ENOENT, "process not tracked");
	ASSERT_NL_OK(dt_instance_dump(&self->nl, objs, 4, &n, &self->ack),
		     self->ack);
	EXPECT_EQ(0, n);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(0, o.instances);
	EXPECT_EQ(0, wait_instances(&self->nl, 0));
}

static void add_missing(struct __test_metadata *_metadata, struct dt_sock *nl,
			pid_t pid, int missing, const char *text)
{
	struct dt_ack ack;
	struct dt_msg m;

	dt_msg_dpo(&m, nl, DPO_CMD_INSTANCE_ADD, 0);
	if (missing != DPO_A_SESSION_NAME)
		dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	if (missing != DPO_A_PID)
		nlm_put_u32(&m, DPO_A_PID, pid);
	if (missing != DPO_A_ROLE)
		nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	EXPECT_NL_ERR(dt_request(nl, &m, &ack, NULL), ack, EINVAL, text);
	EXPECT_MISS(ack, missing);
}

TEST_F(nl, instance_add_missing_attrs)
{
	__u32 s, i;

	add_missing(_metadata, &self->nl, self->kid.pid, DPO_A_SESSION_NAME,
		    "missing attribute: session name");
	add_missing(_metadata, &self->nl, self->kid.pid, DPO_A_PID,
		    "missing attribute: pid");
	add_missing(_metadata, &self->nl, self->kid.pid, DPO_A_ROLE,
		    "missing attribute: role");
	counts(_metadata, &self->nl, &s, &i);
	EXPECT_EQ(0, i);
}

TEST_F(nl, instance_add_unknown_session)
{
	EXPECT_NL_ERR(dt_instance_add(&self->nl, "st-nope", self->kid.pid,
				       DPO_ROLE_ORIGINAL, &self->ack),
		      self->ack, ENOENT, "no such session");
	EXPECT_EQ(0, wait_instances(&self->nl, 0));
}

TEST_F(nl, instance_add_unknown_pid)
{
	pid_t gone = unused_pid();

	ASSERT_LT(0, gone);
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS, gone,
				       DPO_ROLE_ORIGINAL, &self->ack),
		      self->ack, ESRCH, "no such process");
	/* Above PID_MAX_LIMIT: cannot exist. */
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS, 0x7ffffff0,
				       DPO_ROLE_ORIGINAL, &self->ack),
		      self->ack, ESRCH, "no such process");
	EXPECT_EQ(0, wait_instances(&self->nl, 0));
}

TEST_F(nl, instance_add_thread_id)
{
	struct child_report r;
	struct child mt;
	struct child_cfg cfg = { .pages = 1, .threads = 2 };

	ASSERT_EQ(0, child_start(&mt, &cfg));
	ASSERT_EQ(0, child_cmd(&mt, 'S', &r, 10000)) {
		child_kill(&mt);
	}
	EXPECT_NE((__u32)mt.pid, r.tids[0]);
	EXPECT_NE(0, r.tids[0]);
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS, r.tids[0],
				       DPO_ROLE_ORIGINAL, &self->ack),
		      self->ack, EINVAL, "pid is a thread, not a process");
	EXPECT_NL_ERR(dt_instance_del(&self->nl, r.tids[1], &self->ack),
		      self->ack, ENOENT, "process not tracked");
	/* Its process is fine. */
	EXPECT_NL_OK(dt_instance_add(&self->nl, SESS, mt.pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);
	EXPECT_NL_OK(dt_instance_del(&self->nl, mt.pid, &self->ack), self->ack);
	child_kill(&mt);
}

TEST_F(nl, instance_add_kernel_thread)
{
	/* pid 2 is kthreadd */
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS, 2, DPO_ROLE_ORIGINAL,
				       &self->ack),
		      self->ack, EINVAL, NULL);
	EXPECT_EQ(0, wait_instances(&self->nl, 0));
}

TEST_F(nl, instance_add_zombie)
{
	__u64 end = now_ns() + 10000000000ULL;
	struct proc_stat ps;

	ASSERT_EQ(0, kill(self->kid.pid, SIGKILL));
	for (;;) {
		ASSERT_EQ(0, proc_stat_read(self->kid.pid, &ps));
		if (ps.state == 'Z' || now_ns() > end)
			break;
		sleep_ms(10);
	}
	ASSERT_EQ('Z', ps.state);
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS, self->kid.pid,
				       DPO_ROLE_ORIGINAL, &self->ack),
		      self->ack, ESRCH, "no such process");
	EXPECT_EQ(0, wait_instances(&self->nl, 0));
}

TEST_F(nl, instance_add_twice)
{
	struct dt_obj o;

	ASSERT_NL_OK(dt_session_new(&self->nl, SESS2, 100, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS, self->kid.pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS, self->kid.pid,
				       DPO_ROLE_ORIGINAL, &self->ack),
		      self->ack, EEXIST, "process already tracked");
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS, self->kid.pid,
				       DPO_ROLE_PATCHED, &self->ack),
		      self->ack, EEXIST, "process already tracked");
	EXPECT_NL_ERR(dt_instance_add(&self->nl, SESS2, self->kid.pid,
				       DPO_ROLE_PATCHED, &self->ack),
		      self->ack, EEXIST, "process already tracked");
	ASSERT_NL_OK(dt_instance_get(&self->nl, self->kid.pid, &o, &self->ack),
		     self->ack);
	EXPECT_STREQ(SESS, o.session);
	EXPECT_EQ(DPO_ROLE_ORIGINAL, o.role);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS2, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(0, o.instances);
	EXPECT_EQ(1, wait_instances(&self->nl, 1));
}

TEST_F(nl, instance_add_bad_role)
{
	static const __u8 bad[] = { DPO_ROLE_UNSPEC, DPO_ROLE_MAX + 1, 255 };
	struct dt_msg m;
	unsigned int k;
	__u32 off;

	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		dt_msg_dpo(&m, &self->nl, DPO_CMD_INSTANCE_ADD, 0);
		dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
		nlm_put_u32(&m, DPO_A_PID, self->kid.pid);
		off = nlm_put_u8(&m, DPO_A_ROLE, bad[k]);
		EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL),
			      self->ack, ERANGE, "integer out of range");
		EXPECT_OFFS(self->ack, off);
	}
	/* u32 instead of u8 */
	dt_msg_dpo(&m, &self->nl, DPO_CMD_INSTANCE_ADD, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	nlm_put_u32(&m, DPO_A_PID, self->kid.pid);
	off = nlm_put_u32(&m, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);
	EXPECT_EQ(0, wait_instances(&self->nl, 0));
	EXPECT_EQ(-ENOENT, dt_instance_get(&self->nl, self->kid.pid, NULL,
					    &self->ack));
}

TEST_F(nl, instance_pid_wrong_size)
{
	struct dt_msg m;
	__u32 off;

	dt_msg_dpo(&m, &self->nl, DPO_CMD_INSTANCE_ADD, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, SESS);
	off = nlm_put_u16(&m, DPO_A_PID, self->kid.pid & 0xffff);
	nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);

	dt_msg_dpo(&m, &self->nl, DPO_CMD_INSTANCE_DEL, 0);
	off = nlm_put_u64(&m, DPO_A_PID, self->kid.pid);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, NULL);
	EXPECT_OFFS(self->ack, off);
	EXPECT_EQ(0, wait_instances(&self->nl, 0));
}

TEST_F(nl, instance_del_untracked)
{
	struct dt_msg m;

	EXPECT_NL_ERR(dt_instance_del(&self->nl, self->kid.pid, &self->ack),
		      self->ack, ENOENT, "process not tracked");
	EXPECT_NL_ERR(dt_instance_del(&self->nl, getpid(), &self->ack),
		      self->ack, ENOENT, "process not tracked");
	EXPECT_NL_ERR(dt_instance_get(&self->nl, self->kid.pid, NULL,
				       &self->ack),
		      self->ack, ENOENT, "process not tracked");
	dt_msg_dpo(&m, &self->nl, DPO_CMD_INSTANCE_DEL, 0);
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      EINVAL, "missing attribute: pid");
	EXPECT_MISS(self->ack, DPO_A_PID);
	dt_msg_dpo(&m, &self->nl, DPO_CMD_INSTANCE_GET, 0);
	nlm_put_u32(&m, DPO_A_PID, unused_pid());
	EXPECT_NL_ERR(dt_request(&self->nl, &m, &self->ack, NULL), self->ack,
		      ENOENT, "process not tracked");
}

TEST_F(nl, session_del_untracks)
{
	struct dt_obj st;

	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS, self->kid.pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);
	ASSERT_NL_OK(dt_session_del(&self->nl, SESS, &self->ack), self->ack);
	EXPECT_NL_ERR(dt_instance_get(&self->nl, self->kid.pid, NULL,
				       &self->ack),
		      self->ack, ENOENT, "process not tracked");
	EXPECT_EQ(0, dt_wait_idle(&self->nl, 2000, &st)) {
		TH_LOG("sessions %u instances %u", st.sessions, st.instances);
	}
	/* The process can be tracked again. */
	ASSERT_NL_OK(dt_session_new(&self->nl, SESS, 100, &self->ack),
		     self->ack);
	EXPECT_NL_OK(dt_instance_add(&self->nl, SESS, self->kid.pid,
				      DPO_ROLE_PATCHED, &self->ack), self->ack);
}

/* ---- change notifications ------------------------------------------------------ */

static int next_event(struct dt_sock *ev, struct dt_obj *o, int timeout_ms)
{
	int ret;

	do {
		ret = dt_recv_ntf(ev, o, timeout_ms);
	} while (ret == -ENOBUFS);
	return ret;
}

TEST_F(nl, change_events)
{
	struct dt_sock ev;
	struct dt_obj o;
	pid_t pid = self->kid.pid;

	ASSERT_EQ(0, dt_listen(&ev, &self->nl, self->nl.grp_events));

	ASSERT_NL_OK(dt_session_new(&self->nl, SESS2, 20, &self->ack),
		     self->ack);
	ASSERT_EQ(0, next_event(&ev, &o, 10000));
	EXPECT_EQ(DPO_CMD_SESSION_NEW_NTF, o.cmd);
	EXPECT_STREQ(SESS2, o.session);
	EXPECT_EQ(20, o.interval_ms);

	/* Failed requests announce nothing. */
	dt_session_new(&self->nl, SESS2, 20, NULL);
	dt_instance_add(&self->nl, "st-nope", pid, DPO_ROLE_ORIGINAL, NULL);

	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS2, pid, DPO_ROLE_PATCHED,
				      &self->ack), self->ack);
	ASSERT_EQ(0, next_event(&ev, &o, 10000));
	EXPECT_EQ(DPO_CMD_INSTANCE_ADD_NTF, o.cmd) {
		TH_LOG("got %s", dt_cmd_name(o.cmd));
	}
	EXPECT_EQ((__u32)pid, o.pid);
	EXPECT_STREQ(SESS2, o.session);
	EXPECT_EQ(DPO_ROLE_PATCHED, o.role);

	ASSERT_NL_OK(dt_instance_del(&self->nl, pid, &self->ack), self->ack);
	ASSERT_EQ(0, next_event(&ev, &o, 10000));
	EXPECT_EQ(DPO_CMD_INSTANCE_DEL_NTF, o.cmd) {
		TH_LOG("got %s", dt_cmd_name(o.cmd));
	}
	EXPECT_EQ((__u32)pid, o.pid);
	EXPECT_STREQ(SESS2, o.session);

	ASSERT_NL_OK(dt_session_del(&self->nl, SESS2, &self->ack), self->ack);
	ASSERT_EQ(0, next_event(&ev, &o, 10000));
	EXPECT_EQ(DPO_CMD_SESSION_DEL_NTF, o.cmd) {
		TH_LOG("got %s", dt_cmd_name(o.cmd));
	}
	EXPECT_STREQ(SESS2, o.session);

	EXPECT_EQ(-ETIMEDOUT, next_event(&ev, &o, 200)) {
		TH_LOG("unexpected %s", dt_cmd_name(o.cmd));
	}
	EXPECT_EQ(0, ev.overruns);
	dt_close(&ev);
}

/* ---- pid namespaces ------------------------------------------------------------ */

struct pidns_result {
	int stage;		/* 100: done */
	int err;
	pid_t outer_pid;	/* the tracked process, in the initial namespace */
	__u32 add_err, get_err, get_pid;
	char msg[256];
};

/* In a new pid namespace (as its pid 1): track ourselves, read it back. */
static void pidns_inner(struct pidns_result *res)
{
	struct dt_sock nl;
	struct dt_ack ack;
	struct dt_obj o;

	res->stage = 2;
	if (dt_connect(&nl))
		return;
	res->add_err = -dt_instance_add(&nl, SESS, getpid(), DPO_ROLE_PATCHED,
					 &ack);
	snprintf(res->msg, sizeof(res->msg), "%s", ack.msg);
	res->get_err = -dt_instance_get(&nl, getpid(), &o, &ack);
	res->get_pid = o.pid;
	dt_close(&nl);
	res->stage = 100;
}

TEST_F(nl, pid_namespace)
{
	struct pidns_result *res;
	struct dt_obj o;
	struct dt_sock ev;
	bool add_seen = false, exit_seen = false;
	pid_t pid;
	int status;

	res = shared_mem(sizeof(*res));
	ASSERT_NE(MAP_FAILED, res);
	ASSERT_EQ(0, dt_listen(&ev, &self->nl, self->nl.grp_events));

	pid = fork_flushed();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pid_t inner;

		res->stage = 1;
		if (unshare(CLONE_NEWPID)) {
			res->err = errno;
			_exit(1);
		}
		inner = fork();
		if (inner == 0) {
			pidns_inner(res);
			_exit(0);
		}
		res->outer_pid = inner;
		waitpid(inner, NULL, 0);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (res->stage == 1 && res->err == EINVAL)
		SKIP(goto out, "no pid namespaces");
	ASSERT_EQ(100, res->stage) {
		TH_LOG("namespace child stopped at stage %d: %s", res->stage,
		       strerror(res->err));
	}
	EXPECT_EQ(0, res->add_err) {
		TH_LOG("add from a pid namespace: '%s'", res->msg);
	}
	EXPECT_EQ(0, res->get_err);
	/* Replies: the caller's namespace, where the process is pid 1. */
	EXPECT_EQ(1, res->get_pid);

	/* Notifications: the initial namespace, whoever caused them. */
	while (!(add_seen && exit_seen) && !dt_recv_ntf(&ev, &o, 10000)) {
		if (o.cmd == DPO_CMD_INSTANCE_ADD_NTF) {
			add_seen = true;
			EXPECT_EQ((__u32)res->outer_pid, o.pid) {
				TH_LOG("INSTANCE_ADD notification: pid %u, want %d",
				       o.pid, res->outer_pid);
			}
		} else if (o.cmd == DPO_CMD_INSTANCE_EXIT_NTF) {
			exit_seen = true;
			EXPECT_EQ((__u32)res->outer_pid, o.pid) {
				TH_LOG("exit notification: pid %u, want %d",
				       o.pid, res->outer_pid);
			}
		}
	}
	EXPECT_TRUE(add_seen);
	EXPECT_TRUE(exit_seen);
out:
	dt_close(&ev);
	munmap(res, sizeof(*res));
}

/* ---- permissions ---------------------------------------------------------------- */

#define NOBODY	65534

enum {
	U_SESSION_NEW, U_SESSION_SET, U_SESSION_DEL, U_SESSION_GET,
	U_SESSION_DUMP, U_INSTANCE_ADD, U_INSTANCE_DEL, U_INSTANCE_GET,
	U_INSTANCE_DUMP, U_JOIN_SAMPLES, U_JOIN_EVENTS, U_MAX
};

static const char *const u_names[U_MAX] = {
	"SESSION_NEW", "SESSION_SET", "SESSION_DEL", "SESSION_GET",
	"SESSION_GET dump", "INSTANCE_ADD", "INSTANCE_DEL", "INSTANCE_GET",
	"INSTANCE_GET dump", "join samples", "join events",
};

struct unpriv_result {
	int stage;		/* where the child got to; 100 = done */
	int setup_err;
	unsigned long long cap_eff;
	int status_err;
	struct dt_obj status;
	int err[U_MAX];
	char msg[U_MAX][256];
};

static unsigned long long cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long v = ~0ULL;
	char line[256];

	if (!f)
		return v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void unpriv_child(struct unpriv_result *res, pid_t victim)
{
	struct dt_sock nl;
	struct dt_ack ack;
	int k;

	res->stage = 1;
	if (drop_root(NOBODY)) {
		res->setup_err = errno;
		return;
	}
	res->cap_eff = cap_eff();
	res->stage = 2;
	res->setup_err = -dt_connect(&nl);
	if (res->setup_err)
		return;
	res->stage = 3;
	res->status_err = -dt_status(&nl, &res->status, NULL);

	for (k = 0; k < U_MAX; k++) {
		memset(&ack, 0, sizeof(ack));
		switch (k) {
		case U_SESSION_NEW:
			dt_session_new(&nl, "st-evil", 10, &ack);
			break;
		case U_SESSION_SET:
			dt_session_set(&nl, SESS, 10, &ack);
			break;
		case U_SESSION_DEL:
			dt_session_del(&nl, SESS, &ack);
			break;
		case U_SESSION_GET:
			dt_session_get(&nl, SESS, NULL, &ack);
			break;
		case U_SESSION_DUMP:
			dt_session_dump(&nl, NULL, 0, NULL, &ack);
			break;
		case U_INSTANCE_ADD:
			dt_instance_add(&nl, SESS, getpid(), DPO_ROLE_PATCHED,
					 &ack);
			break;
		case U_INSTANCE_DEL:
			dt_instance_del(&nl, victim, &ack);
			break;
		case U_INSTANCE_GET:
			dt_instance_get(&nl, victim, NULL, &ack);
			break;
		case U_INSTANCE_DUMP:
			dt_instance_dump(&nl, NULL, 0, NULL, &ack);
			break;
		case U_JOIN_SAMPLES:
			ack.err = -dt_join(&nl, nl.grp_samples);
			break;
		case U_JOIN_EVENTS:
			ack.err = -dt_join(&nl, nl.grp_events);
			break;
		}
		res->err[k] = ack.err;
		snprintf(res->msg[k], sizeof(res->msg[k]), "%s", ack.msg);
	}
	dt_close(&nl);
	res->stage = 100;
}

TEST_F(nl, unprivileged_cannot_change)
{
	struct unpriv_result *res;
	struct dt_obj o, st;
	int status, k;
	pid_t pid;

	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS, self->kid.pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);
	res = shared_mem(sizeof(*res));
	ASSERT_NE(MAP_FAILED, res);

	pid = fork_flushed();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		unpriv_child(res, self->kid.pid);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(100, res->stage) {
		TH_LOG("unprivileged child stopped at stage %d: %s",
		       res->stage, strerror(res->setup_err));
	}
	EXPECT_EQ(0ULL, res->cap_eff);

	/* STATUS_GET is open to everybody and shows only counts. */
	EXPECT_EQ(0, res->status_err);
	EXPECT_EQ(1, res->status.sessions);
	EXPECT_EQ(1, res->status.instances);

	for (k = 0; k < U_MAX; k++) {
		EXPECT_EQ(EPERM, res->err[k]) {
			TH_LOG("unprivileged %s: errno %d '%s'", u_names[k],
			       res->err[k], res->msg[k]);
		}
	}

	/* Nothing changed. */
	ASSERT_NL_OK(dt_status(&self->nl, &st, &self->ack), self->ack);
	EXPECT_EQ(1, st.sessions);
	EXPECT_EQ(1, st.instances);
	EXPECT_EQ(-ENOENT, dt_session_get(&self->nl, "st-evil", NULL,
					   &self->ack));
	ASSERT_NL_OK(dt_session_get(&self->nl, SESS, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(100, o.interval_ms);
	EXPECT_EQ(1, o.instances);
	ASSERT_NL_OK(dt_instance_get(&self->nl, self->kid.pid, &o, &self->ack),
		     self->ack);
	EXPECT_STREQ(SESS, o.session);
	EXPECT_EQ(DPO_ROLE_ORIGINAL, o.role);
	EXPECT_EQ(-ENOENT, dt_instance_get(&self->nl, pid, NULL, &self->ack));
	munmap(res, sizeof(*res));
}

TEST_HARNESS_MAIN
