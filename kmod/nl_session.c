// SPDX-License-Identifier: GPL-2.0
/* Netlink commands on sessions: status, new, set, del, get, owner, claim. */
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "instance.h"
#include "listener.h"
#include "netlink.h"
#include "nl_ops.h"
#include "session.h"
#include "dpo/version.h"

static size_t session_msg_size(void)
{
	return nla_total_size(DPO_SESSION_NAME_MAX) +	/* SESSION_NAME */
	       nla_total_size(sizeof(u32)) +		/* INTERVAL_MS */
	       nla_total_size(sizeof(u32)) +		/* INSTANCES */
	       nla_total_size(sizeof(u8)) +		/* OWNER */
	       nla_total_size(sizeof(u8)) +		/* CANARY_PCT */
	       nla_total_size_64bit(sizeof(u64));	/* SWITCH_TIME_NS */
}

static int fill_session(struct sk_buff *skb, const struct dpo_session *s,
			u32 portid, u32 seq, int flags, u8 cmd,
			struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_nl_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, DPO_A_SESSION_NAME, s->name) ||
	    nla_put_u32(skb, DPO_A_INTERVAL_MS, s->interval_ms) ||
	    nla_put_u32(skb, DPO_A_INSTANCES, s->ninstances) ||
	    nla_put_u8(skb, DPO_A_OWNER, s->owner) ||
	    nla_put_u8(skb, DPO_A_CANARY_PCT, s->canary_pct) ||
	    nla_put_u64_64bit(skb, DPO_A_SWITCH_TIME_NS, s->switch_time_ns,
			      DPO_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

void dpo_nl_notify_session(const struct dpo_session *s, u8 cmd)
{
	struct sk_buff *skb = dpo_nl_ntf_new(DPO_NLGRP_EVENTS,
					     session_msg_size());

	if (skb)
		dpo_nl_ntf_send(skb, DPO_NLGRP_EVENTS,
				fill_session(skb, s, 0, 0, 0, cmd, NULL));
}

int dpo_nl_status_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	/*
	 * The generator gives a command without request attributes no
	 * policy, and split ops without one take any attribute: refuse them
	 * here, as the family refused them before.
	 */
	if (nlmsg_attrlen(info->nlhdr, GENL_HDRLEN)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    nlmsg_attrdata(info->nlhdr, GENL_HDRLEN),
				    "status-get takes no attributes");
		return -EINVAL;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	/* kmod/debugfs.c prints the same: keep the two in step. */
	hdr = genlmsg_put_reply(msg, info, &dpo_nl_family, 0, DPO_CMD_STATUS_GET);
	if (!hdr ||
	    nla_put_string(msg, DPO_A_VERSION, DPO_VERSION) ||
	    nla_put_u32(msg, DPO_A_SESSIONS, dpo_session_objects()) ||
	    nla_put_u32(msg, DPO_A_INSTANCES, dpo_instance_objects()) ||
	    nla_put_u64_64bit(msg, DPO_A_SAMPLES, dpo_samples_total(),
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(msg, DPO_A_SAMPLE_TIME_NS,
			      dpo_sample_time_total_ns(), DPO_A_PAD) ||
	    nla_put_u32(msg, DPO_A_LISTENERS, dpo_listener_count())) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int dpo_nl_session_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DPO_A_SESSION_NAME];
	u32 interval_ms = DPO_INTERVAL_MS_DEFAULT;
	struct dpo_session *s;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;
	if (!*(char *)nla_data(attr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "session name is empty");
		return -EINVAL;
	}
	if (info->attrs[DPO_A_INTERVAL_MS])
		interval_ms = nla_get_u32(info->attrs[DPO_A_INTERVAL_MS]);

	mutex_lock(&dpo_objects_lock);
	err = dpo_session_new(nla_data(attr), interval_ms, info->extack, &s);
	if (err)
		NL_SET_BAD_ATTR(info->extack, attr);
	else
		dpo_nl_notify_session(s, DPO_CMD_SESSION_NEW_NTF);
	mutex_unlock(&dpo_objects_lock);
	return err;
}

int dpo_nl_session_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_session *s;
	u32 interval_ms;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_INTERVAL_MS, "interval"))
		return -EINVAL;
	interval_ms = nla_get_u32(info->attrs[DPO_A_INTERVAL_MS]);

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		dpo_session_set_interval(s, interval_ms);
	mutex_unlock(&dpo_objects_lock);
	return err;
}

int dpo_nl_session_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_instance *inst;
	struct dpo_listener *l;
	struct dpo_session *s;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
	if (IS_ERR(s)) {
		err = PTR_ERR(s);
	} else {
		list_for_each_entry(l, &s->listeners, node)
			dpo_nl_notify_listener(l, DPO_CMD_LISTENER_DEL_NTF);
		list_for_each_entry(inst, &s->instances, node)
			dpo_nl_notify_instance(inst, DPO_CMD_INSTANCE_DEL_NTF);
		dpo_nl_notify_session(s, DPO_CMD_SESSION_DEL_NTF);
		dpo_session_del(s);
	}
	mutex_unlock(&dpo_objects_lock);
	/* Documented: the module can go once the sessions are gone. */
	dpo_listener_wait_released();
	return err;
}

int dpo_nl_session_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_session *s;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;
	msg = genlmsg_new(session_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		err = fill_session(msg, s, info->snd_portid, info->snd_seq, 0,
				   DPO_CMD_SESSION_GET, NULL);
	mutex_unlock(&dpo_objects_lock);

	return dpo_nl_reply_or_free(msg, info, err);
}

int dpo_nl_session_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct dpo_session *s;

	mutex_lock(&dpo_objects_lock);
	cb->seq = dpo_generation;
	list_for_each_entry(s, &dpo_sessions, node) {
		if (!dpo_session_visible(s))
			continue;
		if (idx < start) {
			idx++;
			continue;
		}
		if (fill_session(skb, s, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI,
				 DPO_CMD_SESSION_GET, cb))
			break;
		idx++;
	}
	mutex_unlock(&dpo_objects_lock);
	cb->args[0] = idx;
	return skb->len;
}

int dpo_nl_owner_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *pct = info->attrs[DPO_A_CANARY_PCT];
	struct dpo_session *s;
	int err = 0;
	u8 owner;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_OWNER, "owner"))
		return -EINVAL;
	owner = nla_get_u8(info->attrs[DPO_A_OWNER]);
	if (owner == DPO_OWNER_CANARY &&
	    dpo_attr_missing(info, DPO_A_CANARY_PCT, "canary percentage"))
		return -EINVAL;
	if (owner != DPO_OWNER_CANARY && pct) {
		NL_SET_ERR_MSG_ATTR(info->extack, pct,
				    "a percentage is only for canary ownership");
		return -EINVAL;
	}

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		dpo_session_set_owner(s, owner, pct ? nla_get_u8(pct) : 0);
	mutex_unlock(&dpo_objects_lock);
	/* Documented: once acked, every connection goes to the new owner. */
	if (!err)
		dpo_listeners_switched();
	return err;
}

int dpo_nl_session_claim_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 owner = DPO_OWNER_ORIGINAL;
	struct dpo_session *s;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;
	if (info->attrs[DPO_A_OWNER])
		owner = nla_get_u8(info->attrs[DPO_A_OWNER]);
	/* The spec's owner check is the same for every command: refine it. */
	if (owner == DPO_OWNER_CANARY) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DPO_A_OWNER],
				    "the fail-safe owner cannot be canary");
		return -ERANGE;
	}

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		err = dpo_session_claim(s, info->snd_portid, owner,
					info->extack);
	mutex_unlock(&dpo_objects_lock);
	return err;
}
