/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_CONN_H
#define _DPO_CONN_H

#include <linux/list.h>
#include <linux/net.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/dpo.h>

struct dpo_session;
struct dpo_traffic;
struct file;
struct pid;
struct sock;

/* Where a drain stands with one connection. */
enum dpo_conn_drain {
	DPO_DRAIN_NONE,
	DPO_DRAIN_PENDING,	/* shut it down at its next idle moment */
	DPO_DRAIN_CLOSING,	/* being shut down or reset right now */
	DPO_DRAIN_CLOSED_IDLE,
	DPO_DRAIN_CLOSED_BUSY,
	DPO_DRAIN_RESET,
	DPO_DRAIN_GONE,		/* closed by the server or the client first */
};

/*
 * A connection accepted by an instance through one of its session's
 * listeners. It keeps dpo's connection ops (and the module reference that
 * do_accept() took for them) until its socket is released, or until the
 * session ends and the original ops are put back.
 */
struct dpo_conn {
	struct rhash_head hnode;	/* in conns_by_sk, RCU */
	struct list_head node;		/* in session->conns, dpo_conn_lock */
	struct dpo_session *session;	/* NULL once off the session */
	struct socket *sock;
	struct sock *sk;		/* with a reference */
	struct pid *pid;		/* the accepting process */
	enum dpo_role role;
	struct dpo_traffic *traffic;	/* the accepting instance's */
	refcount_t ref;			/* the registry's, and calls in flight */
	bool owns_module_ref;		/* ops put back: the last put drops it */
	bool restoring;			/* the session ended: its ops put back */
	/* Under dpo_conn_lock: the drain (dpo_drain.seq) counting it, and
	 * the last sweep of it that looked at it.
	 */
	u32 drain_seq, swept;

	spinlock_t lock;		/* the fields below */
	bool busy;			/* a request is being read or answered */
	u32 idle_seq;			/* copied_seq when it last went idle */
	u8 drain;			/* enum dpo_conn_drain */
	bool answered;			/* a request ended while claimed */
	u64 accept_ns, first_read_ns, last_activity_ns;	/* CLOCK_MONOTONIC */
	u64 bytes_in, bytes_out, requests;
	/* The last bytes written, for a drain's idle mark: 0 if unknown. */
	u8 tail_len;
	u8 tail[DPO_DRAIN_IDLE_MARK_MAX];
	struct rcu_head rcu;
};

/* A consistent copy of a connection, for a dump. */
struct dpo_conn_info {
	struct pid *pid;		/* valid while the walk's lock is held */
	enum dpo_role role;
	enum dpo_conn_state state;
	u16 family, port, peer_port;
	u8 addr[16], peer_addr[16];
	u64 accept_ns, last_activity_ns, bytes_in, bytes_out, requests;
};

/* Session conn lists, the sock hash and drain bookkeeping. */
extern spinlock_t dpo_conn_lock;

bool dpo_conn_adopt(struct dpo_session *s, struct socket *newsock);
void dpo_conn_session_end(struct dpo_session *s);
int dpo_conn_walk(struct dpo_session *s, struct pid *pid, unsigned long *pos,
		  int (*fn)(const struct dpo_conn_info *ci, void *arg),
		  void *arg);
unsigned int dpo_conn_count(void);
unsigned int dpo_conn_objects(void);

/* For the drain: hold a connection, and shut it down or reset it. */
void dpo_conn_put(struct dpo_conn *c);
bool dpo_conn_claim(struct dpo_conn *c);
bool dpo_conn_close_idle(struct dpo_conn *c, enum dpo_conn_drain closed_as);
void dpo_conn_reset(struct dpo_conn *c);
bool dpo_conn_tail_ends_with(const struct dpo_conn *c, const u8 *mark,
			     u8 len);

int dpo_conn_init(void);
void dpo_conn_exit(void);

#endif /* _DPO_CONN_H */
