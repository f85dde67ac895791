/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_SESSION_H
#define _DPO_SESSION_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>
#include <uapi/linux/dpo.h>

#include "drain.h"

#define DPO_SESSIONS_MAX	64

/*
 * A named group of instances, sampled together by one timer. Sessions and
 * instances are changed only under dpo_objects_lock; the exit probe finds
 * instances under RCU. dpo_objects_lock is never held across a wait that a
 * process can hold up (a socket lock, a section a user call runs in): such
 * waits happen after it is dropped, on objects held by reference. A session
 * lives until its last reference (the list's, each listener's) is put.
 */
struct net;
struct pid_namespace;

struct dpo_session {
	struct list_head node;		/* in dpo_sessions */
	refcount_t ref;
	struct list_head instances;	/* struct dpo_instance.node */
	unsigned int ninstances;
	unsigned int nrole[DPO_ROLE_MAX + 1];	/* instances by role */
	struct list_head listeners;	/* struct dpo_listener.node */
	struct list_head conns;		/* struct dpo_conn.node, dpo_conn_lock */
	bool conns_ended;		/* no more, dpo_conn_lock */
	struct dpo_drain *drain;	/* &drain_obj while one runs, or NULL */
	struct dpo_drain drain_obj;
	u8 owner;			/* enum dpo_owner */
	u8 canary_pct;			/* with DPO_OWNER_CANARY */
	u64 switch_time_ns;		/* CLOCK_MONOTONIC, 0: never */
	/* Under dpo_claim_lock: the netlink notifier must not sleep. */
	struct list_head claim_node;	/* in the claimed list, or empty */
	u32 controller_portid;		/* claimed by this socket, 0: none */
	bool controller_lost;		/* fail-safe to apply, by work */
	u8 failsafe_owner;		/* when the controller goes away */
	/* Who may see and act on it: see dpo_session_visible(). */
	struct pid_namespace *pid_ns;
	struct net *net;
	char name[DPO_SESSION_NAME_MAX];
	u32 interval_ms;
	bool dead;
	struct hrtimer timer;
	struct work_struct sample_work;
	struct rcu_work free_work;
};

extern struct mutex dpo_objects_lock;
extern struct list_head dpo_sessions;
extern unsigned int dpo_generation;
extern struct workqueue_struct *dpo_wq;

struct dpo_session *dpo_session_find(const char *name);
int dpo_session_new(const char *name, u32 interval_ms,
		    struct netlink_ext_ack *extack,
		    struct dpo_session **out);
bool dpo_session_visible(const struct dpo_session *s);
void dpo_session_set_interval(struct dpo_session *s, u32 interval_ms);
void dpo_session_del(struct dpo_session *s);
void dpo_session_get(struct dpo_session *s);
void dpo_session_put(struct dpo_session *s);
int dpo_session_claim(struct dpo_session *s, u32 portid, u8 failsafe_owner,
		      struct netlink_ext_ack *extack);
u32 dpo_session_controller(struct dpo_session *s);
void dpo_session_kick(struct dpo_session *s);
void dpo_session_set_owner(struct dpo_session *s, enum dpo_owner owner,
			   u8 canary_pct);
void dpo_session_instance_gone(struct dpo_session *s, enum dpo_role role);
void dpo_sessions_portid_released(u32 portid);
unsigned int dpo_session_objects(void);

int dpo_session_init(void);
void dpo_session_exit(void);

#endif /* _DPO_SESSION_H */
