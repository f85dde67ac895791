/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_SESSION_H
#define _DPO_SESSION_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/workqueue.h>
#include <uapi/linux/dpo.h>

#include "drain.h"

#define DPO_SESSIONS_MAX	64

/*
 * A named group of instances, sampled together by one timer. Sessions and
 * instances are changed only under dpo_lock; the exit probe finds instances
 * under RCU.
 */
struct dpo_session {
	struct list_head node;		/* in dpo_sessions */
	struct list_head instances;	/* struct dpo_instance.node */
	unsigned int ninstances;
	unsigned int nrole[DPO_ROLE_MAX + 1];	/* instances by role */
	struct list_head listeners;	/* struct dpo_listener.node */
	struct list_head conns;		/* struct dpo_conn.node, dpo_conn_lock */
	struct dpo_drain *drain;	/* &drain_obj while one runs, or NULL */
	struct dpo_drain drain_obj;
	u8 owner;			/* enum dpo_owner */
	u8 canary_pct;			/* with DPO_OWNER_CANARY */
	u64 switch_time_ns;		/* CLOCK_MONOTONIC, 0: never */
	u32 controller_portid;		/* claimed by this socket, 0: none */
	u8 failsafe_owner;		/* when the controller goes away */
	char name[DPO_SESSION_NAME_MAX];
	u32 interval_ms;
	bool dead;
	struct hrtimer timer;
	struct work_struct sample_work;
	struct rcu_work free_work;
};

extern struct mutex dpo_lock;
extern struct list_head dpo_sessions;
extern unsigned int dpo_generation;

struct dpo_session *dpo_session_find(const char *name);
int dpo_session_new(const char *name, u32 interval_ms,
		    struct netlink_ext_ack *extack,
		    struct dpo_session **out);
void dpo_session_set_interval(struct dpo_session *s, u32 interval_ms);
void dpo_session_del(struct dpo_session *s);
void dpo_session_kick(struct dpo_session *s);
void dpo_session_set_owner(struct dpo_session *s, enum dpo_owner owner,
			   u8 canary_pct);
void dpo_session_instance_gone(struct dpo_session *s, enum dpo_role role);
void dpo_sessions_controller_lost(u32 portid);
unsigned int dpo_session_objects(void);

int dpo_session_init(void);
void dpo_session_exit(void);

#endif /* _DPO_SESSION_H */
