/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_LISTENER_H
#define _DPO_LISTENER_H

#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/types.h>
#include <uapi/linux/dpo.h>

#define DPO_LISTENERS_MAX	256

struct dpo_session;
struct socket;

/* A listening socket shared by a session's instances, and who may accept. */
struct dpo_listener {
	struct hlist_node hnode;	/* in the sock hash: attach lock, SRCU */
	struct list_head node;		/* in session->listeners, dpo_objects_lock */
	struct dpo_session *session;	/* with a reference */
	struct socket *sock;		/* with a file reference, till detached */
	struct wait_queue_head *wq;	/* the socket's */
	u32 id;
	/* Attached, each accept call in it, a pending kick: see listener.c. */
	refcount_t ref;
	bool detached;
	atomic64_t accepted[DPO_ROLE_MAX + 1];	/* by enum dpo_role */

	spinlock_t lock;		/* who may accept: the fields below */
	u8 owner;			/* enum dpo_owner */
	u8 canary_pct;
	/* Canary split: whose turn the head of the queue is. */
	u8 turn;			/* enum dpo_role */
	bool canary_busy;		/* a canary accept is running */
	u32 credit;			/* smooth weighted round robin */
	u64 head_seen_ns;		/* the other role first waited */
	struct hrtimer wait_timer;	/* wakes it DPO_CANARY_WAIT_MS later */

	/* Wakeups the kernel would give to one exclusive waiter only. */
	struct wait_queue_entry tap;
	struct irq_work wake_all_work;
	struct delayed_work kick_work;	/* tasks of the original accept */
	unsigned int kick_tries;	/* by kick_work only */

	struct rcu_head rcu;		/* frees it, puts its module reference */
};

int dpo_listener_add(struct dpo_session *s, int fd,
		     struct netlink_ext_ack *extack, struct dpo_listener **out);
void dpo_listener_del(struct dpo_listener *l);
void dpo_listener_get(struct dpo_listener *l);
void dpo_listener_put(struct dpo_listener *l);
void dpo_listeners_switched(void);
void dpo_listener_wait_released(void);
struct dpo_listener *dpo_listener_find_id(u32 id);
unsigned int dpo_listener_count(void);
void dpo_listener_set_owner(struct dpo_listener *l, enum dpo_owner owner,
			    u8 canary_pct);
void dpo_listener_addr(const struct dpo_listener *l, u16 *family,
		       u8 addr[16], u16 *port);

int dpo_listener_init(void);
void dpo_listener_exit(void);

#endif /* _DPO_LISTENER_H */
