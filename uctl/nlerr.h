/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPO_NLERR_H
#define DPO_NLERR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>

/*
 * A failed request: the raw errno and what the kernel said about it in
 * the extended ACK. libnl maps errors to its own codes and drops the
 * extack, so we keep both here.
 */
struct dpo_nlerr {
	int err;		/* positive errno, 0: no error */
	char msg[256];		/* NLMSGERR_ATTR_MSG (or ours), "" if none */
	bool policy;		/* NLMSGERR_ATTR_POLICY: rejected by a policy */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
};

void dpo_nlerr_clear(struct dpo_nlerr *e);
void dpo_nlerr_from_error(struct dpo_nlerr *e, const struct nlmsghdr *nlh);
void dpo_nlerr_from_done(struct dpo_nlerr *e, const struct nlmsghdr *nlh);
const char *dpo_nlerr_str(const struct dpo_nlerr *e, int cmd,
			  char *buf, size_t len);

#endif
