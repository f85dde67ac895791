/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_NLERR_H
#define DPOCTL_NLERR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>

/*
 * A failed request: the raw errno and what the kernel said about it in
 * the extended ACK. libnl maps errors to its own codes and drops the
 * extack, so we keep both here.
 */
struct dpoctl_nlerr {
	int err;		/* positive errno, 0: no error */
	char msg[256];		/* NLMSGERR_ATTR_MSG (or ours), "" if none */
	bool policy;		/* NLMSGERR_ATTR_POLICY: rejected by a policy */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
};

void dpoctl_nlerr_clear(struct dpoctl_nlerr *e);
void dpoctl_nlerr_from_error(struct dpoctl_nlerr *e, const struct nlmsghdr *nlh);
void dpoctl_nlerr_from_done(struct dpoctl_nlerr *e, const struct nlmsghdr *nlh);
const char *dpoctl_nlerr_str(const struct dpoctl_nlerr *e, int cmd,
			  char *buf, size_t len);

#endif
