/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_NETLINK_H
#define _DPO_NETLINK_H

#include <linux/types.h>
#include <net/genetlink.h>

/* The generated part: handlers, policies, multicast group indexes. */
#include "nl_ops.h"

struct dpo_drain_info;
struct dpo_instance;
struct dpo_listener;
struct dpo_session;

int dpo_nl_init(void);
void dpo_nl_exit(void);
void dpo_nl_notify_instance(const struct dpo_instance *inst, u8 cmd);
void dpo_nl_notify_session(const struct dpo_session *s, u8 cmd);
void dpo_nl_notify_listener(const struct dpo_listener *l, u8 cmd);
void dpo_nl_notify_drain(const struct dpo_drain_info *di, u8 cmd);

/* For the command handlers (nl_*.c): the family and what they share. */
extern struct genl_family dpo_nl_family;

struct sk_buff *dpo_nl_ntf_new(unsigned int group, size_t size);
void dpo_nl_ntf_send(struct sk_buff *skb, unsigned int group, int err);
int dpo_nl_reply_or_free(struct sk_buff *msg, struct genl_info *info, int err);
struct dpo_session *dpo_nl_session_from_info(struct genl_info *info);

/*
 * Missing attributes are reported by type (for tools) and in words. The
 * local is not named __info: GENL_REQ_ATTR_CHECK() declares that one.
 */
#define dpo_attr_missing(info, attr, what) ({				\
	struct genl_info *__dpo_info = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__dpo_info, attr);		\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__dpo_info->extack,			\
			       "missing attribute: " what);		\
	__missing;							\
})

#endif /* _DPO_NETLINK_H */
