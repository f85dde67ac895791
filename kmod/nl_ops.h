/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The family's operations (nl_ops.c): the table, and the handlers it
 * names, as the kernel's YNL generator declares them.
 */
#ifndef _DPO_NL_OPS_H
#define _DPO_NL_OPS_H

#include <linux/types.h>
#include <net/genetlink.h>

extern const struct genl_ops dpo_nl_ops[];
extern const size_t dpo_nl_n_ops;

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

#endif /* _DPO_NL_OPS_H */
