/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_NL_H
#define DPOCTL_NL_H

#include <stdint.h>
#include <netlink/netlink.h>

#include "error.h"

/*
 * Handles one reply or notification: 0 to go on, 1 to stop early,
 * -errno when it cannot be used.
 */
typedef int (*dpoctl_nl_fn)(struct nlmsghdr *nlh, void *arg);

struct dpoctl_nl {
	struct nl_sock *sk;
	const char *name;	/* of the family: "dpo" */
	int family;		/* its id */
	dpoctl_nl_fn listen_fn;	/* notifications go there */
	void *listen_arg;
};

/*
 * Each returns 0 or -errno with @err filled; none prints anything. A
 * missing family is -ENOENT with the whole message in @err.
 */
int dpoctl_nl_open(struct dpoctl_nl *nl, const char *name,
		   struct dpoctl_error *err);
void dpoctl_nl_close(struct dpoctl_nl *nl);
/* A request: NLM_F_REQUEST | NLM_F_ACK | @flags, NULL without memory. */
struct nl_msg *dpoctl_nl_new(struct dpoctl_nl *nl, uint8_t cmd, int flags);
struct nl_msg *dpoctl_nl_new_raw(int family, uint8_t cmd, uint8_t version,
				 int flags);
/* A NULL @msg (failed to build) is reported as out of memory. */
int dpoctl_nl_request(struct dpoctl_nl *nl, struct nl_msg *msg,
		      dpoctl_nl_fn fn, void *arg, struct dpoctl_error *err);
int dpoctl_nl_join(struct dpoctl_nl *nl, const char *const *groups, int n,
		   struct dpoctl_error *err);
void dpoctl_nl_listen(struct dpoctl_nl *nl, dpoctl_nl_fn fn, void *arg);
int dpoctl_nl_fd(struct dpoctl_nl *nl);
/* One read: 0, -ENOBUFS when notifications were lost, or -errno. */
int dpoctl_nl_receive(struct dpoctl_nl *nl, struct dpoctl_error *err);

#endif
