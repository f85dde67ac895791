/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_NL_H
#define DPOCTL_NL_H

#include <stdint.h>
#include <netlink/netlink.h>

#include "nlerr.h"

/*
 * Handles one reply or notification: 0 to go on, 1 to stop early,
 * -errno when it cannot be used.
 */
typedef int (*dpoctl_nl_fn)(struct nlmsghdr *nlh, void *arg);

struct dpoctl_nl {
	struct nl_sock *sk;
	const char *name;	/* of the family: "dpo" */
	int family;		/* its id */
	const char *what;	/* "session new": prefix of error messages */
	int cmd;		/* dpo command of the last request, or 0 */
	struct dpoctl_nlerr err;	/* why the last call failed */
	dpoctl_nl_fn listen_fn;	/* notifications go there */
	void *listen_arg;
};

/* These print "dpoctl: <what>: <reason>" themselves when they fail. */
int dpoctl_nl_open(struct dpoctl_nl *nl, const char *what);
/* Any generic netlink family: for the tests */
int dpoctl_nl_open_family(struct dpoctl_nl *nl, const char *what, const char *name);
void dpoctl_nl_close(struct dpoctl_nl *nl);
/* A request: NLM_F_REQUEST | NLM_F_ACK | @flags, NULL without memory. */
struct nl_msg *dpoctl_nl_new(struct dpoctl_nl *nl, uint8_t cmd, int flags);
struct nl_msg *dpoctl_nl_new_raw(int family, uint8_t cmd, uint8_t version,
			      int flags);
/* A NULL @msg (failed to build) is reported as out of memory. */
int dpoctl_nl_request(struct dpoctl_nl *nl, struct nl_msg *msg,
		   dpoctl_nl_fn fn, void *arg);
int dpoctl_nl_join(struct dpoctl_nl *nl, const char *const *groups, int n);
void dpoctl_nl_listen(struct dpoctl_nl *nl, dpoctl_nl_fn fn, void *arg);
int dpoctl_nl_fd(struct dpoctl_nl *nl);
int dpoctl_nl_receive(struct dpoctl_nl *nl);
void dpoctl_nl_perror(struct dpoctl_nl *nl);

#endif
