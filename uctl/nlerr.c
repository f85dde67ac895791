// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/dpo.h>

#include "nlerr.h"

void dpoctl_nlerr_clear(struct dpoctl_nlerr *e)
{
	memset(e, 0, sizeof(*e));
	e->miss_type = -1;
}

/* Walks the TLVs by hand: one malformed TLV must not hide the others. */
static void parse_tlvs(struct dpoctl_nlerr *e, const void *head, size_t len)
{
	const struct nlattr *nla = head;
	size_t alen, step;

	while (len >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= len) {
		alen = nla->nla_len - NLA_HDRLEN;
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			alen = strnlen((const char *)nla + NLA_HDRLEN, alen);
			if (alen >= sizeof(e->msg))
				alen = sizeof(e->msg) - 1;
			memcpy(e->msg, (const char *)nla + NLA_HDRLEN, alen);
			e->msg[alen] = '\0';
			break;
		case NLMSGERR_ATTR_POLICY:
			e->policy = true;
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (alen >= sizeof(uint32_t)) {
				uint32_t t;

				memcpy(&t, (const char *)nla + NLA_HDRLEN,
				       sizeof(t));
				e->miss_type = (int)t;
			}
			break;
		}
		step = NLA_ALIGN((size_t)nla->nla_len);
		if (step >= len)
			break;
		len -= step;
		nla = (const void *)((const char *)nla + step);
	}
}

/* Calls parse_tlvs() on the TLVs at @off bytes into the payload, if any. */
static void parse_tlvs_at(struct dpoctl_nlerr *e, const struct nlmsghdr *nlh,
			  size_t off)
{
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;

	off = NLMSG_ALIGN(off);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen)
		parse_tlvs(e, (const char *)NLMSG_DATA(nlh) + off, plen - off);
}

/*
 * NLMSG_ERROR: struct nlmsgerr, whose copy of the request is only the
 * header with NETLINK_CAP_ACK (NLM_F_CAPPED), then the TLVs.
 */
void dpoctl_nlerr_from_error(struct dpoctl_nlerr *e, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *ne = NLMSG_DATA(nlh);
	size_t off = sizeof(*ne);

	dpoctl_nlerr_clear(e);
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ne))) {
		e->err = EPROTO;
		return;
	}
	e->err = -ne->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    ne->msg.nlmsg_len > NLMSG_HDRLEN)
		off += ne->msg.nlmsg_len - NLMSG_HDRLEN;
	parse_tlvs_at(e, nlh, off);
}

/* NLMSG_DONE of a dump: an int, negative if the dump failed, then TLVs. */
void dpoctl_nlerr_from_done(struct dpoctl_nlerr *e, const struct nlmsghdr *nlh)
{
	int err;

	dpoctl_nlerr_clear(e);
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return;
	memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (err >= 0)
		return;
	e->err = -err;
	parse_tlvs_at(e, nlh, sizeof(int));
}

/* The errors documented in dpo.h, for a kernel that sent no message. */
static const struct {
	int cmd;
	int err;
	const char *msg;
} known[] = {
	{ DPO_CMD_SESSION_NEW, EEXIST, "session exists" },
	{ DPO_CMD_SESSION_NEW, ENOSPC, "too many sessions" },
	{ DPO_CMD_SESSION_SET, ENOENT, "no such session" },
	{ DPO_CMD_SESSION_DEL, ENOENT, "no such session" },
	{ DPO_CMD_SESSION_GET, ENOENT, "no such session" },
	{ DPO_CMD_INSTANCE_ADD, ENOENT, "no such session" },
	{ DPO_CMD_INSTANCE_ADD, ESRCH, "no such process" },
	{ DPO_CMD_INSTANCE_ADD, EINVAL,
	  "not a process (a thread of one, or a kernel thread)" },
	{ DPO_CMD_INSTANCE_ADD, EEXIST, "process already tracked" },
	{ DPO_CMD_INSTANCE_ADD, ENOSPC, "too many instances" },
	{ DPO_CMD_INSTANCE_DEL, ENOENT, "process not tracked" },
	{ DPO_CMD_INSTANCE_GET, ENOENT, "process not tracked" },
	{ DPO_CMD_LISTENER_ADD, ENOENT, "no such session" },
	{ DPO_CMD_LISTENER_ADD, EBADF, "bad file descriptor" },
	{ DPO_CMD_LISTENER_ADD, ENOTSOCK, "not a socket" },
	{ DPO_CMD_LISTENER_ADD, EINVAL, "not a listening TCP socket" },
	{ DPO_CMD_LISTENER_ADD, EOPNOTSUPP,
	  "socket with a ULP (kTLS) or MPTCP not supported" },
	{ DPO_CMD_LISTENER_ADD, EEXIST, "socket already attached" },
	{ DPO_CMD_LISTENER_ADD, ENOSPC, "too many listeners" },
	{ DPO_CMD_LISTENER_DEL, ENOENT, "no such listener" },
	{ DPO_CMD_LISTENER_GET, ENOENT, "no such listener" },
	{ DPO_CMD_OWNER_SET, ENOENT, "no such session" },
	{ DPO_CMD_CONN_GET, ENOENT, "no such session" },
	{ DPO_CMD_DRAIN, ENOENT, "no such session" },
	{ DPO_CMD_DRAIN, EINVAL,
	  "no instance of the other role to take new connections" },
	{ DPO_CMD_DRAIN, EBUSY, "a drain of this session is running" },
};

static const char *const attr_names[] = {
	[DPO_A_SESSION_NAME] = "session name",
	[DPO_A_INTERVAL_MS] = "interval",
	[DPO_A_PID] = "pid",
	[DPO_A_ROLE] = "role",
	[DPO_A_FD] = "fd",
	[DPO_A_LISTENER_ID] = "listener id",
	[DPO_A_OWNER] = "owner",
	[DPO_A_DEADLINE_MS] = "deadline",
};

/*
 * The reason part of "dpoctl: <what>: <reason>": the kernel's own words
 * when it sent some, else the missing attribute it named, else what dpo.h
 * documents for @cmd, else strerror.
 */
const char *dpoctl_nlerr_str(const struct dpoctl_nlerr *e, int cmd,
			  char *buf, size_t len)
{
	size_t n_attr_names = sizeof(attr_names) / sizeof(attr_names[0]);
	size_t i;

	if (e->msg[0]) {
		snprintf(buf, len, "%s%s", e->policy ? "bad value: " : "",
			 e->msg);
		return buf;
	}
	if (e->miss_type > 0) {
		if ((size_t)e->miss_type < n_attr_names &&
		    attr_names[e->miss_type])
			snprintf(buf, len, "missing attribute %s",
				 attr_names[e->miss_type]);
		else
			snprintf(buf, len, "missing attribute %d", e->miss_type);
		return buf;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i].cmd == cmd && known[i].err == e->err) {
			snprintf(buf, len, "%s", known[i].msg);
			return buf;
		}
	}
	/* genetlink's GENL_ADMIN_PERM check fails without a message */
	if (e->err == EPERM)
		snprintf(buf, len, "not permitted (needs CAP_NET_ADMIN)");
	else
		snprintf(buf, len, "%s", strerror(e->err));
	return buf;
}
