// SPDX-License-Identifier: GPL-2.0
/* The "dpo" generic netlink family: its definition, replies, multicast. */
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "netlink.h"
#include "nl_ops.h"
#include "session.h"

/* Samples and events describe other users' processes: admin only. */
static const struct genl_multicast_group dpo_mcgrps[] = {
	[DPO_NLGRP_SAMPLES] = { .name = DPO_MCGRP_SAMPLES,
				    .flags = GENL_MCAST_CAP_NET_ADMIN },
	[DPO_NLGRP_EVENTS] = { .name = DPO_MCGRP_EVENTS,
				   .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family dpo_nl_family __ro_after_init = {
	.name = DPO_GENL_NAME,
	.version = DPO_GENL_VERSION,
	.module = THIS_MODULE,
	/* The ops: nl_ops.c's generated table, set by dpo_nl_init(). */
	.mcgrps = dpo_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dpo_mcgrps),
	/* Strict validation of every command, reserved header fields too. */
	.resv_start_op = 0,
	/*
	 * Not under genl_mutex: dpo_objects_lock serialises what needs it,
	 * and a command that waits (OWNER_SET for an accept in flight) must
	 * not hold up the other generic netlink families of the host.
	 */
	.parallel_ops = true,
	/* Pids and sockets are named in the initial namespaces only. */
	.netnsok = false,
};

/* A notification for @group, or NULL: nobody listens, or no memory. */
struct sk_buff *dpo_nl_ntf_new(unsigned int group, size_t size)
{
	if (!genl_has_listeners(&dpo_nl_family, &init_net, group))
		return NULL;
	return genlmsg_new(size, GFP_KERNEL);
}

/* Multicast a notification that was filled in (@err 0), or drop it. */
void dpo_nl_ntf_send(struct sk_buff *skb, unsigned int group, int err)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast(&dpo_nl_family, skb, 0, group, GFP_KERNEL);
}

/* Send the reply built in @msg, or drop it and return the error. */
int dpo_nl_reply_or_free(struct sk_buff *msg, struct genl_info *info, int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* The session named in the request, or an ERR_PTR with the error reported. */
struct dpo_session *dpo_nl_session_from_info(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DPO_A_SESSION_NAME];
	struct dpo_session *s;

	if (!nla_len(attr) || !*(char *)nla_data(attr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "session name is empty");
		return ERR_PTR(-EINVAL);
	}
	s = dpo_session_find(nla_data(attr));
	if (!s || !dpo_session_visible(s)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such session");
		return ERR_PTR(-ENOENT);
	}
	return s;
}

/*
 * A claiming controller's socket is released: apply the fail-safe. Called
 * for every netlink socket released on the host, so it takes no sleeping
 * lock: a session's lock holder must never hold up the host's sockets.
 */
static int controller_notify(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net) || !n->portid)
		return NOTIFY_DONE;
	dpo_sessions_portid_released(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block controller_notifier = {
	.notifier_call = controller_notify,
};

int __init dpo_nl_init(void)
{
	int err = netlink_register_notifier(&controller_notifier);

	if (err)
		return err;
	err = dpo_genl_set_ops(&dpo_nl_family, dpo_nl_ops,
			       ARRAY_SIZE(dpo_nl_ops));
	if (!err)
		err = genl_register_family(&dpo_nl_family);
	if (err) {
		dpo_genl_free_ops(&dpo_nl_family);
		netlink_unregister_notifier(&controller_notifier);
	}
	return err;
}

void dpo_nl_exit(void)
{
	genl_unregister_family(&dpo_nl_family);
	dpo_genl_free_ops(&dpo_nl_family);
	netlink_unregister_notifier(&controller_notifier);
}
