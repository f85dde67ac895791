/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPO_MSG_H
#define DPO_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/dpo.h>

/*
 * Replies and notifications decoded into plain structs. Each parser
 * checks the message against our own policy, ignores attributes it does
 * not know (newer modules) and returns 0 or -EPROTO (malformed).
 */
struct dpo_status {
	char version[64];
	uint32_t sessions;
	uint32_t instances;
	uint64_t samples;
	uint64_t sample_time_ns;
	bool has_listeners;	/* older modules do not count them */
	uint32_t listeners;
};

struct dpo_session {
	char name[DPO_SESSION_NAME_MAX];
	uint32_t interval_ms;
	uint32_t instances;
	uint8_t owner;		/* enum dpo_owner, 0 from older modules */
	uint64_t switch_time_ns;	/* CLOCK_MONOTONIC, 0: never switched */
};

struct dpo_listener {
	uint32_t id;
	char session[DPO_SESSION_NAME_MAX];
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order, 4 bytes used for AF_INET */
	uint16_t port;
	uint64_t accepted_original;
	uint64_t accepted_patched;
	uint64_t accepted_other;
};

struct dpo_stats {
	uint64_t timestamp_ns;
	uint64_t seq;
	uint64_t cpu_ns;
	uint64_t run_delay_ns;
	uint64_t nvcsw;
	uint64_t nivcsw;
	uint64_t min_flt;
	uint64_t maj_flt;
	uint64_t rss_bytes;
	uint32_t threads;
};

struct dpo_instance {
	char session[DPO_SESSION_NAME_MAX];
	uint32_t pid;
	uint8_t role;
	uint64_t start_time_ns;
	bool has_stats;
	struct dpo_stats stats;
	bool has_exit_code;
	uint32_t exit_code;
};

struct dpo_family {
	char name[32];
	uint32_t id;
	uint32_t version;
};

int dpo_msg_cmd(struct nlmsghdr *nlh);
int dpo_msg_status(struct nlmsghdr *nlh, struct dpo_status *st);
int dpo_msg_session(struct nlmsghdr *nlh, struct dpo_session *s);
int dpo_msg_instance(struct nlmsghdr *nlh, struct dpo_instance *in);
int dpo_msg_listener(struct nlmsghdr *nlh, struct dpo_listener *l);
int dpo_msg_family(struct nlmsghdr *nlh, struct dpo_family *f);

#endif
