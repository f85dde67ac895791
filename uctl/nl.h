/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPO_NL_H
#define DPO_NL_H

#include <stdint.h>
#include <netlink/netlink.h>

#include "nlerr.h"

/*
 * Handles one reply or notification: 0 to go on, 1 to stop early,
 * -errno when it cannot be used.
 */
typedef int (*dpo_nl_fn)(struct nlmsghdr *nlh, void *arg);

struct dpo_nl {
	struct nl_sock *sk;
	const char *name;	/* of the family: "dpo" */
	int family;		/* its id */
	const char *what;	/* "session new": prefix of error messages */
	int cmd;		/* dpo command of the last request, or 0 */
	struct dpo_nlerr err;	/* why the last call failed */
	dpo_nl_fn listen_fn;	/* notifications go there */
	void *listen_arg;
};

/* These print "dpoctl: <what>: <reason>" themselves when they fail. */
int dpo_nl_open(struct dpo_nl *nl, const char *what);
/* Any generic netlink family: for the tests */
int dpo_nl_open_family(struct dpo_nl *nl, const char *what, const char *name);
void dpo_nl_close(struct dpo_nl *nl);
/* A request: NLM_F_REQUEST | NLM_F_ACK | @flags, NULL without memory. */
struct nl_msg *dpo_nl_new(struct dpo_nl *nl, uint8_t cmd, int flags);
struct nl_msg *dpo_nl_new_raw(int family, uint8_t cmd, uint8_t version,
			      int flags);
/* A NULL @msg (failed to build) is reported as out of memory. */
int dpo_nl_request(struct dpo_nl *nl, struct nl_msg *msg,
		   dpo_nl_fn fn, void *arg);
int dpo_nl_join(struct dpo_nl *nl, const char *const *groups, int n);
void dpo_nl_listen(struct dpo_nl *nl, dpo_nl_fn fn, void *arg);
int dpo_nl_fd(struct dpo_nl *nl);
int dpo_nl_receive(struct dpo_nl *nl);
void dpo_nl_perror(struct dpo_nl *nl);

#endif
