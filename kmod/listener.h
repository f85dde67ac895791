/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_LISTENER_H
#define _DPO_LISTENER_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <uapi/linux/dpo.h>

#define DPO_LISTENERS_MAX	256

struct dpo_session;
struct socket;

/* A listening socket shared by a session's instances, and who may accept. */
struct dpo_listener {
	struct hlist_node hnode;	/* in the sock hash, SRCU */
	struct list_head node;		/* in session->listeners */
	struct dpo_session *session;
	struct socket *sock;		/* with a file reference */
	u32 id;
	u8 owner;			/* enum dpo_owner */
	u8 canary_pct;
	/* Held for reading across the owner check and the dequeue. */
	struct rw_semaphore switch_sem;
	atomic64_t accepted[DPO_ROLE_MAX + 1];	/* by enum dpo_role */
	atomic_t waiters;		/* in the accept loop; detach waits */
	bool detached;

	/* Canary split: whose turn the head of the queue is. */
	struct mutex turn_lock;		/* check, dequeue, next turn */
	u8 turn;			/* enum dpo_role */
	u32 credit;			/* smooth weighted round robin */
	u64 head_seen_ns;		/* the other role first waited */
	struct hrtimer wait_timer;	/* wakes it DPO_CANARY_WAIT_MS later */

	struct rcu_head rcu;		/* frees it, puts its module reference */
};

int dpo_listener_add(struct dpo_session *s, int fd,
		     struct netlink_ext_ack *extack, struct dpo_listener **out);
void dpo_listener_del(struct dpo_listener *l);
void dpo_listener_wait_released(void);
struct dpo_listener *dpo_listener_find_id(u32 id);
unsigned int dpo_listener_count(void);
void dpo_listener_set_owner(struct dpo_listener *l, enum dpo_owner owner,
			    u8 canary_pct);
void dpo_listener_addr(const struct dpo_listener *l, u16 *family,
		       u8 addr[16], u16 *port);

const struct proto_ops *dpo_listener_orig_ops(int ipv6);
bool dpo_sockopt_replaces_ops(int level, int optname);

int dpo_listener_init(void);
void dpo_listener_exit(void);

#endif /* _DPO_LISTENER_H */
