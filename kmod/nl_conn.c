// SPDX-License-Identifier: GPL-2.0
/* Netlink commands on connections: the registry's dump, and drains. */
#include <linux/pid.h>
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "conn.h"
#include "drain.h"
#include "netlink.h"
#include "nl_ops.h"
#include "session.h"

static int put_addr(struct sk_buff *skb, int type, u16 family, const u8 *addr)
{
	return nla_put(skb, type, family == AF_INET ? 4 : 16, addr);
}

struct conn_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const char *session;
};

static int fill_conn(const struct dpo_conn_info *ci, void *arg)
{
	struct conn_dump *d = arg;
	struct sk_buff *skb = d->skb;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &dpo_nl_family, NLM_F_MULTI,
			  DPO_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DPO_A_SESSION_NAME, d->session) ||
	    nla_put_u32(skb, DPO_A_PID, pid_vnr(ci->pid)) ||
	    nla_put_u8(skb, DPO_A_ROLE, ci->role) ||
	    nla_put_u16(skb, DPO_A_FAMILY, ci->family) ||
	    put_addr(skb, DPO_A_ADDR, ci->family, ci->addr) ||
	    nla_put_u16(skb, DPO_A_PORT, ci->port) ||
	    put_addr(skb, DPO_A_PEER_ADDR, ci->family, ci->peer_addr) ||
	    nla_put_u16(skb, DPO_A_PEER_PORT, ci->peer_port) ||
	    nla_put_u8(skb, DPO_A_CONN_STATE, ci->state) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPT_TIME_NS, ci->accept_ns,
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_LAST_ACTIVITY_NS,
			      ci->last_activity_ns, DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_BYTES_IN, ci->bytes_in, DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_BYTES_OUT, ci->bytes_out,
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_REQUESTS, ci->requests, DPO_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * cb->args: [0] the session to resume in (by position), [1] the position
 * in its connection list.
 */
int dpo_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = dpo_dump_attrs(cb);
	struct nlattr *name = attrs[DPO_A_SESSION_NAME];
	struct pid *pid = NULL;
	struct dpo_session *s;
	struct conn_dump d = { .skb = skb, .cb = cb };
	unsigned long idx = 0, pos;
	int err = 0;

	if (attrs[DPO_A_PID]) {
		pid = find_get_pid(nla_get_u32(attrs[DPO_A_PID]));
		if (!pid)
			return skb->len;	/* nobody: an empty list */
	}
	mutex_lock(&dpo_objects_lock);
	list_for_each_entry(s, &dpo_sessions, node) {
		if (idx++ < cb->args[0])
			continue;
		if ((name && strcmp(s->name, nla_data(name))) ||
		    !dpo_session_visible(s))
			goto next;
		d.session = s->name;
		pos = cb->args[1];
		err = dpo_conn_walk(s, pid, &pos, fill_conn, &d);
		cb->args[1] = pos;
		if (err)
			break;
next:
		cb->args[0] = idx;
		cb->args[1] = 0;
	}
	mutex_unlock(&dpo_objects_lock);
	put_pid(pid);
	if (err && !skb->len)
		return err;
	return skb->len;
}

static size_t drain_msg_size(void)
{
	return nla_total_size(DPO_SESSION_NAME_MAX) +	/* SESSION_NAME */
	       nla_total_size(sizeof(u8)) +		/* ROLE */
	       7 * nla_total_size(sizeof(u32)) +	/* DEADLINE, counts, MIN_REQ */
	       nla_total_size_64bit(sizeof(u64)) +	/* ELAPSED_NS */
	       nla_total_size(0) +			/* CANCELLED */
	       nla_total_size(DPO_DRAIN_IDLE_MARK_MAX);	/* IDLE_MARK */
}

static int fill_drain(struct sk_buff *skb, const struct dpo_drain_info *di,
		      u32 portid, u32 seq, u8 cmd)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_nl_family, 0, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DPO_A_SESSION_NAME, di->session) ||
	    nla_put_u8(skb, DPO_A_ROLE, di->role) ||
	    nla_put_u32(skb, DPO_A_DEADLINE_MS, di->deadline_ms) ||
	    nla_put_u32(skb, DPO_A_DRAIN_REMAINING, di->remaining) ||
	    nla_put_u32(skb, DPO_A_DRAIN_CLOSED_IDLE, di->closed_idle) ||
	    nla_put_u32(skb, DPO_A_DRAIN_CLOSED_BUSY, di->closed_busy) ||
	    nla_put_u32(skb, DPO_A_DRAIN_RESET, di->reset) ||
	    nla_put_u32(skb, DPO_A_DRAIN_GONE, di->gone) ||
	    nla_put_u64_64bit(skb, DPO_A_DRAIN_ELAPSED_NS, di->elapsed_ns,
			      DPO_A_PAD) ||
	    (di->cancelled && nla_put_flag(skb, DPO_A_DRAIN_CANCELLED)) ||
	    (di->when.mark_len &&
	     nla_put(skb, DPO_A_DRAIN_IDLE_MARK, di->when.mark_len,
		     di->when.mark)) ||
	    (di->when.min_requests &&
	     nla_put_u32(skb, DPO_A_MIN_REQUESTS,
			 di->when.min_requests))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

void dpo_nl_notify_drain(const struct dpo_drain_info *di, u8 cmd)
{
	struct sk_buff *skb = dpo_nl_ntf_new(DPO_NLGRP_EVENTS,
					     drain_msg_size());

	if (skb)
		dpo_nl_ntf_send(skb, DPO_NLGRP_EVENTS,
				fill_drain(skb, di, 0, 0, cmd));
}

int dpo_nl_drain_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *mark = info->attrs[DPO_A_DRAIN_IDLE_MARK];
	u32 deadline_ms = DPO_DRAIN_DEADLINE_MS_DEFAULT;
	struct dpo_drain_when when = { 0 };
	struct dpo_drain_info di;
	struct dpo_session *s;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_ROLE, "role"))
		return -EINVAL;
	/* Not in the policy: the 6.12 generator has no length range for binary. */
	if (mark && (!nla_len(mark) ||
		     nla_len(mark) > DPO_DRAIN_IDLE_MARK_MAX)) {
		NL_SET_ERR_MSG_ATTR(info->extack, mark,
				    "idle mark of 1 to 16 bytes");
		return -EINVAL;
	}
	if (info->attrs[DPO_A_DEADLINE_MS])
		deadline_ms = nla_get_u32(info->attrs[DPO_A_DEADLINE_MS]);
	if (mark) {
		when.mark_len = nla_len(mark);
		memcpy(when.mark, nla_data(mark), when.mark_len);
	}
	if (info->attrs[DPO_A_MIN_REQUESTS])
		when.min_requests =
			nla_get_u32(info->attrs[DPO_A_MIN_REQUESTS]);
	msg = genlmsg_new(drain_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		err = dpo_drain_start(s, nla_get_u8(info->attrs[DPO_A_ROLE]),
				      deadline_ms, &when, info->extack, &di);
	if (!err)
		err = fill_drain(msg, &di, info->snd_portid, info->snd_seq,
				 DPO_CMD_DRAIN);
	mutex_unlock(&dpo_objects_lock);

	return dpo_nl_reply_or_free(msg, info, err);
}
