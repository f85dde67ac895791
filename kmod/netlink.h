/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_NETLINK_H
#define _DPO_NETLINK_H

#include <linux/types.h>

struct dpo_drain_info;
struct dpo_instance;
struct dpo_session;

int dpo_nl_init(void);
void dpo_nl_exit(void);
void dpo_nl_notify_instance(const struct dpo_instance *inst, u8 cmd);
void dpo_nl_notify_session(const struct dpo_session *s, u8 cmd);
void dpo_nl_notify_drain(const struct dpo_drain_info *di, u8 cmd);

#endif /* _DPO_NETLINK_H */
