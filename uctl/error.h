/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_ERROR_H
#define DPOCTL_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/netlink.h>

/*
 * Why a request failed: the raw errno and what the kernel said about it
 * in the extended ACK. libnl maps errors to its own codes and drops the
 * extack, so we keep both here.
 */
struct dpoctl_error {
	int err;		/* positive errno, 0: no error */
	int cmd;		/* the dpo command of the request, 0 if none */
	char msg[256];		/* NLMSGERR_ATTR_MSG (or ours), "" if none */
	bool policy;		/* NLMSGERR_ATTR_POLICY: rejected by a policy */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, -1 if none */
	bool whole;		/* @msg is the whole line, not a reason */
};

/* extack.c */
void dpoctl_error_clear(struct dpoctl_error *e);
/* Our own error (@cmd kept); returns -@err. */
int dpoctl_error_set(struct dpoctl_error *e, int err, const char *msg);
void dpoctl_error_from_nlmsgerr(struct dpoctl_error *e,
				const struct nlmsghdr *nlh);
void dpoctl_error_from_done(struct dpoctl_error *e, const struct nlmsghdr *nlh);

/*
 * nlerr.c: the reason part of "dpoctl: <what>: <reason>": the kernel's own
 * words when it sent some, else the missing attribute it named, else what
 * dpo.h documents for the command, else strerror.
 */
const char *dpoctl_error_str(const struct dpoctl_error *e, char *buf,
			     size_t len);

#endif
