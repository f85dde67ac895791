/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_INSTANCE_H
#define _DPO_INSTANCE_H

#include <linux/list.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <uapi/linux/dpo.h>

#include "stats.h"
#include "traffic.h"

#define DPO_INSTANCES_MAX	1024

struct dpo_session;
struct pid;

/* A tracked process (thread group) with its role in a session. */
struct dpo_instance {
	struct hlist_node hnode;	/* in the pid hash, RCU */
	struct list_head node;		/* in session->instances */
	struct dpo_session *session;
	struct pid *pid;
	enum dpo_role role;
	u64 start_time_ns;		/* CLOCK_BOOTTIME */
	struct dpo_stats last;		/* latest sample */
	struct dpo_traffic *traffic;	/* of its connections */
	struct dpo_traffic_counters traffic_prev;	/* at the latest sample */
	u64 traffic_prev_ns;		/* when, 0: none yet */
	struct dpo_traffic_sample traffic_last;
	bool exited;			/* set by the exit probe */
	int exit_code;
	struct rcu_head rcu;
};

struct dpo_instance *dpo_instance_find(struct pid *pid);
struct dpo_instance *dpo_instance_find_rcu(struct pid *pid);
int dpo_instance_add(struct dpo_session *s, u32 nr, enum dpo_role role,
		     struct netlink_ext_ack *extack,
		     struct dpo_instance **out);
void dpo_instance_del(struct dpo_instance *inst);
int dpo_instance_sample(struct dpo_instance *inst);
void dpo_instance_final_sample(struct dpo_instance *inst);
bool dpo_instances_tracked(void);
unsigned int dpo_instance_objects(void);
u64 dpo_samples_total(void);
u64 dpo_sample_time_total_ns(void);

#endif /* _DPO_INSTANCE_H */
