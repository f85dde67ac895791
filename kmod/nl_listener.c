// SPDX-License-Identifier: GPL-2.0
/* Netlink commands on listeners: add (attach), del (detach), get. */
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "listener.h"
#include "netlink.h"
#include "nl_ops.h"
#include "session.h"

static size_t listener_msg_size(void)
{
	return nla_total_size(sizeof(u32)) +		/* LISTENER_ID */
	       nla_total_size(DPO_SESSION_NAME_MAX) +	/* SESSION_NAME */
	       nla_total_size(sizeof(u16)) +		/* FAMILY */
	       nla_total_size(16) +			/* ADDR */
	       nla_total_size(sizeof(u16)) +		/* PORT */
	       3 * nla_total_size_64bit(sizeof(u64));	/* ACCEPTED_* */
}

static int fill_listener(struct sk_buff *skb, const struct dpo_listener *l,
			 u32 portid, u32 seq, int flags, u8 cmd,
			 struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_nl_family, flags, cmd);
	u16 family, port;
	u8 addr[16];

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	dpo_listener_addr(l, &family, addr, &port);
	if (nla_put_u32(skb, DPO_A_LISTENER_ID, l->id) ||
	    nla_put_string(skb, DPO_A_SESSION_NAME, l->session->name) ||
	    nla_put_u16(skb, DPO_A_FAMILY, family) ||
	    nla_put(skb, DPO_A_ADDR, family == AF_INET ? 4 : 16, addr) ||
	    nla_put_u16(skb, DPO_A_PORT, port) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPTED_ORIGINAL,
			      atomic64_read(&l->accepted[DPO_ROLE_ORIGINAL]),
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPTED_PATCHED,
			      atomic64_read(&l->accepted[DPO_ROLE_PATCHED]),
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPTED_OTHER,
			      atomic64_read(&l->accepted[DPO_ROLE_UNSPEC]),
			      DPO_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

void dpo_nl_notify_listener(const struct dpo_listener *l, u8 cmd)
{
	struct sk_buff *skb = dpo_nl_ntf_new(DPO_NLGRP_EVENTS,
					     listener_msg_size());

	if (skb)
		dpo_nl_ntf_send(skb, DPO_NLGRP_EVENTS,
				fill_listener(skb, l, 0, 0, 0, cmd, NULL));
}

int dpo_nl_listener_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_listener *l;
	struct dpo_session *s;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_FD, "fd"))
		return -EINVAL;
	msg = genlmsg_new(listener_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
	if (IS_ERR(s)) {
		err = PTR_ERR(s);
		goto out;
	}
	err = dpo_listener_add(s, nla_get_u32(info->attrs[DPO_A_FD]),
			       info->extack, &l);
	if (err) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[DPO_A_FD]);
		goto out;
	}
	err = fill_listener(msg, l, info->snd_portid, info->snd_seq, 0,
			    DPO_CMD_LISTENER_ADD, NULL);
	if (!err)
		err = genlmsg_reply(msg, info);
	else
		nlmsg_free(msg);
	msg = NULL;
	/* Who sees an error must find the socket as it was. */
	if (err)
		dpo_listener_del(l);
	else
		dpo_nl_notify_listener(l, DPO_CMD_LISTENER_ADD_NTF);
out:
	mutex_unlock(&dpo_objects_lock);
	if (msg)
		nlmsg_free(msg);
	return err;
}

/* The listener named by DPO_A_LISTENER_ID, or NULL with the error set. */
static struct dpo_listener *listener_from_info(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DPO_A_LISTENER_ID];
	struct dpo_listener *l = dpo_listener_find_id(nla_get_u32(attr));

	if (l && !dpo_session_visible(l->session))
		l = NULL;
	if (!l)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such listener");
	return l;
}

int dpo_nl_listener_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_listener *l;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_LISTENER_ID, "listener id"))
		return -EINVAL;

	mutex_lock(&dpo_objects_lock);
	l = listener_from_info(info);
	if (l) {
		dpo_nl_notify_listener(l, DPO_CMD_LISTENER_DEL_NTF);
		dpo_listener_del(l);
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&dpo_objects_lock);
	return err;
}

int dpo_nl_listener_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_listener *l;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_LISTENER_ID, "listener id"))
		return -EINVAL;
	msg = genlmsg_new(listener_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	l = listener_from_info(info);
	if (l)
		err = fill_listener(msg, l, info->snd_portid, info->snd_seq, 0,
				    DPO_CMD_LISTENER_GET, NULL);
	else
		err = -ENOENT;
	mutex_unlock(&dpo_objects_lock);

	return dpo_nl_reply_or_free(msg, info, err);
}

int dpo_nl_listener_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct dpo_listener *l;
	struct dpo_session *s;

	mutex_lock(&dpo_objects_lock);
	cb->seq = dpo_generation;
	list_for_each_entry(s, &dpo_sessions, node) {
		if (!dpo_session_visible(s))
			continue;
		list_for_each_entry(l, &s->listeners, node) {
			if (idx < start) {
				idx++;
				continue;
			}
			if (fill_listener(skb, l, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI,
					  DPO_CMD_LISTENER_GET, cb))
				goto out;
			idx++;
		}
	}
out:
	mutex_unlock(&dpo_objects_lock);
	cb->args[0] = idx;
	return skb->len;
}
