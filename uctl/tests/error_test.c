// SPDX-License-Identifier: GPL-2.0
/* Tests of extack.c and nlerr.c: why a request failed, in words. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/dpo.h>

#include "error.h"
#include "test.h"

struct buf {
	size_t len;
	union {
		struct nlmsghdr nlh;
		char raw[512];
	};
};

static void put(struct buf *b, const void *data, size_t len)
{
	memcpy(b->raw + b->len, data, len);
	b->len = NLMSG_ALIGN(b->len + len);
}

static void put_attr(struct buf *b, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	put(b, &nla, sizeof(nla));
	b->len -= NLA_ALIGN(sizeof(nla));
	b->len += NLA_HDRLEN;
	put(b, data, len);
}

/* An NLMSG_ERROR as the kernel builds it for a request of @req_len. */
static void error_msg(struct buf *b, int err, int flags, size_t req_len)
{
	struct nlmsgerr e = { .error = -err };

	memset(b, 0, sizeof(*b));
	b->len = NLMSG_HDRLEN;
	b->nlh.nlmsg_type = NLMSG_ERROR;
	b->nlh.nlmsg_flags = flags;
	e.msg.nlmsg_len = req_len;
	e.msg.nlmsg_type = 0x20;
	put(b, &e, sizeof(e));
	if (!(flags & NLM_F_CAPPED))
		b->len += NLMSG_ALIGN(req_len - NLMSG_HDRLEN);
}

/* Parses @b from a heap copy of its exact size: valgrind sees overreads. */
static void parse_error(struct buf *b, struct dpoctl_error *e, bool done)
{
	struct nlmsghdr *nlh = malloc(b->len);

	b->nlh.nlmsg_len = b->len;
	memcpy(nlh, b->raw, b->len);
	if (done)
		dpoctl_error_from_done(e, nlh);
	else
		dpoctl_error_from_nlmsgerr(e, nlh);
	free(nlh);
}

/* The reason given for @e when the request was @cmd */
static void check_reason(const char *name, const struct dpoctl_error *e, int cmd,
			 const char *want)
{
	struct dpoctl_error copy = *e;
	char buf[320];

	copy.cmd = cmd;
	check_str(name, dpoctl_error_str(&copy, buf, sizeof(buf)), want);
}

static void test_nlerr(void)
{
	static const char tracked[] = "process already tracked";
	static const char range[] = "integer out of range";
	static const char pct_only[] = "a percentage is only for canary ownership";
	uint32_t u32 = 24;
	struct dpoctl_error e;
	struct buf b;
	int err;

	error_msg(&b, EEXIST, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, tracked, sizeof(tracked));
	put_attr(&b, NLMSGERR_ATTR_OFFS, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	result(e.err == EEXIST && !strcmp(e.msg, tracked) && !e.policy &&
	       e.miss_type == -1, "extack: capped error with message");
	check_reason("reason: the kernel's message", &e, DPO_CMD_INSTANCE_ADD,
		     tracked);

	error_msg(&b, ENOENT, NLM_F_ACK_TLVS, 44);
	put_attr(&b, NLMSGERR_ATTR_MSG, "boom", 5);
	parse_error(&b, &e, false);
	result(e.err == ENOENT && !strcmp(e.msg, "boom"),
	       "extack: uncapped error skips the request copy");

	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, range, sizeof(range));
	put_attr(&b, NLMSGERR_ATTR_OFFS, &u32, sizeof(u32));
	put_attr(&b, NLMSGERR_ATTR_POLICY | NLA_F_NESTED, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	result(e.policy, "extack: policy rejection seen");
	check_reason("reason: policy rejection is a bad value", &e,
		     DPO_CMD_SESSION_NEW, "bad value: integer out of range");

	u32 = DPO_A_PID;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "missing attribute: pid", 23);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	result(e.miss_type == DPO_A_PID, "extack: missing attribute type");
	check_reason("reason: the kernel's words on a missing attribute", &e,
		     DPO_CMD_INSTANCE_DEL, "missing attribute: pid");
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute by name", &e,
		     DPO_CMD_INSTANCE_DEL, "missing attribute pid");
	u32 = 99;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute by number", &e,
		     DPO_CMD_INSTANCE_DEL, "missing attribute 99");

	error_msg(&b, EEXIST, NLM_F_CAPPED, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "ignored", 8);
	parse_error(&b, &e, false);
	result(e.err == EEXIST && !e.msg[0],
	       "extack: TLVs only with NLM_F_ACK_TLVS");
	check_reason("reason: documented error without message", &e,
		     DPO_CMD_INSTANCE_ADD, tracked);

	error_msg(&b, ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "abcd", 4);
	parse_error(&b, &e, false);
	check_str("extack: message without NUL", e.msg, "abcd");

	error_msg(&b, ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "ok", 3);
	put_attr(&b, NLMSGERR_ATTR_OFFS, &u32, sizeof(u32));
	((struct nlattr *)(b.raw + b.len - 8))->nla_len = 64;
	parse_error(&b, &e, false);
	result(e.err == ENOENT && !strcmp(e.msg, "ok"),
	       "extack: TLV past the end ignored, others kept");

	error_msg(&b, ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	b.len = NLMSG_HDRLEN + 8;
	parse_error(&b, &e, false);
	check_int("extack: truncated error -> EPROTO", e.err, EPROTO);

	memset(&b, 0, sizeof(b));
	b.nlh.nlmsg_type = NLMSG_DONE;
	b.nlh.nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	b.len = NLMSG_HDRLEN;
	err = -EPERM;
	put(&b, &err, sizeof(err));
	put_attr(&b, NLMSGERR_ATTR_MSG, "dump failed", 12);
	parse_error(&b, &e, true);
	result(e.err == EPERM && !strcmp(e.msg, "dump failed"),
	       "extack: failed dump in NLMSG_DONE");
	err = 0;
	b.len = NLMSG_HDRLEN;
	put(&b, &err, sizeof(err));
	parse_error(&b, &e, true);
	check_int("extack: successful NLMSG_DONE", e.err, 0);

	dpoctl_error_clear(&e);
	e.err = EPERM;
	check_reason("reason: EPERM needs CAP_NET_ADMIN", &e,
		     DPO_CMD_INSTANCE_ADD, "not permitted (needs CAP_NET_ADMIN)");
	e.err = EEXIST;
	check_reason("reason: session exists", &e, DPO_CMD_SESSION_NEW,
		     "session exists");
	e.err = ENOENT;
	check_reason("reason: process not tracked", &e, DPO_CMD_INSTANCE_DEL,
		     "process not tracked");
	check_reason("reason: no such session", &e, DPO_CMD_SESSION_SET,
		     "no such session");
	e.err = ESRCH;
	check_reason("reason: no such process", &e, DPO_CMD_INSTANCE_ADD,
		     "no such process");
	e.err = ENOENT;
	check_reason("reason: strerror for other commands", &e, 0,
		     strerror(ENOENT));
	e.err = EIO;
	check_reason("reason: strerror for other errors", &e,
		     DPO_CMD_INSTANCE_ADD, strerror(EIO));
	e.err = EEXIST;
	check_reason("reason: listener already attached", &e,
		     DPO_CMD_LISTENER_ADD, "socket already attached");
	e.err = EINVAL;
	check_reason("reason: not a listening socket", &e,
		     DPO_CMD_LISTENER_ADD, "not a listening TCP socket");
	e.err = ENOENT;
	check_reason("reason: no such listener", &e, DPO_CMD_LISTENER_DEL,
		     "no such listener");
	check_reason("reason: owner of no such session", &e,
		     DPO_CMD_OWNER_SET, "no such session");

	u32 = DPO_A_FD;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute fd", &e, DPO_CMD_LISTENER_ADD,
		     "missing attribute fd");
	u32 = DPO_A_OWNER;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute owner", &e, DPO_CMD_OWNER_SET,
		     "missing attribute owner");

	/* the module's own words win over the table and strerror */
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 44);
	put_attr(&b, NLMSGERR_ATTR_MSG, pct_only, sizeof(pct_only));
	parse_error(&b, &e, false);
	result(e.err == EINVAL, "extack: EINVAL of owner set");
	check_reason("reason: the kernel's words on canary", &e,
		     DPO_CMD_OWNER_SET, pct_only);

	dpoctl_error_clear(&e);
	e.err = ENOENT;
	check_reason("reason: drain of no such session", &e, DPO_CMD_DRAIN,
		     "no such session");
	/* conn-get documents no error: an unknown session lists nothing */
	check_reason("reason: an error the spec does not document", &e,
		     DPO_CMD_CONN_GET, strerror(ENOENT));
	e.err = EINVAL;
	check_reason("reason: drain without the other role", &e, DPO_CMD_DRAIN,
		     "no instance of the other role to take new connections");
	e.err = EBUSY;
	check_reason("reason: drain already running", &e, DPO_CMD_DRAIN,
		     "a drain of this session is running");
	u32 = DPO_A_ROLE;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: drain without a role", &e, DPO_CMD_DRAIN,
		     "missing attribute role");
	u32 = DPO_A_DEADLINE_MS;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: a missing attribute, by its name in the spec",
		     &e, DPO_CMD_DRAIN, "missing attribute deadline-ms");
}

int main(void)
{
	test_nlerr();
	return test_done();
}
