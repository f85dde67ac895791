/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_DECODE_H
#define DPOCTL_DECODE_H

#include <linux/netlink.h>

#include "model.h"

/*
 * Replies and notifications decoded into model structs. Each decoder
 * checks the message against the policy (policy.h), ignores attributes it
 * does not know (newer modules) and returns 0 or -EPROTO (malformed).
 */
int dpoctl_decode_cmd(struct nlmsghdr *nlh);
int dpoctl_decode_status(struct nlmsghdr *nlh, struct dpoctl_status *st);
int dpoctl_decode_session(struct nlmsghdr *nlh, struct dpoctl_session *s);
int dpoctl_decode_instance(struct nlmsghdr *nlh, struct dpoctl_instance *in);
int dpoctl_decode_listener(struct nlmsghdr *nlh, struct dpoctl_listener *l);
int dpoctl_decode_conn(struct nlmsghdr *nlh, struct dpoctl_conn *c);
int dpoctl_decode_drain(struct nlmsghdr *nlh, struct dpoctl_drain *d);
/* CTRL_CMD_GETFAMILY reply of the genetlink controller */
int dpoctl_decode_family(struct nlmsghdr *nlh, struct dpoctl_family *f);
/*
 * A notification: 0 with @ev filled, -EPROTO with @ev->cmd set and
 * @ev->malformed, -ENOENT when it is none dpoctl knows (a newer module's).
 */
int dpoctl_decode_event(struct nlmsghdr *nlh, struct dpoctl_event *ev);

#endif
