/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/netlink/specs/dpo.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_DPO_GEN_H
#define _LINUX_DPO_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/dpo.h>

/* Ops table for dpo */
extern const struct genl_split_ops dpo_nl_ops[18];

int dpo_nl_instance_get_dump_start(struct netlink_callback *cb);

int dpo_nl_status_get_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_session_new_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_session_set_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_session_del_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_session_get_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_session_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int dpo_nl_instance_add_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_instance_del_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_instance_get_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_instance_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int dpo_nl_listener_add_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_listener_del_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_listener_get_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_listener_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int dpo_nl_owner_set_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_session_claim_doit(struct sk_buff *skb, struct genl_info *info);
int dpo_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int dpo_nl_drain_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	DPO_NLGRP_SAMPLES,
	DPO_NLGRP_EVENTS,
};

#endif /* _LINUX_DPO_GEN_H */
