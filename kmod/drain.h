/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_DRAIN_H
#define _DPO_DRAIN_H

#include <linux/netlink.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/linux/dpo.h>

#include "conn.h"

struct dpo_session;

/* A drain of one role of a session (one at a time); counts under dpo_conn_lock. */
/*
 * When a drained connection may be closed, besides idle: once the server's
 * last bytes on it end with @mark (a protocol's "session idle"), and once
 * it answered @min_requests requests (its handshake is over).
 */
struct dpo_drain_when {
	u8 mark[DPO_DRAIN_IDLE_MARK_MAX];
	u8 mark_len;			/* 0: no mark */
	u32 min_requests;		/* 0: from the first */
};

struct dpo_drain {
	struct dpo_session *session;
	enum dpo_role role;
	u32 deadline_ms;
	u64 start_ns, deadline_ns;	/* CLOCK_MONOTONIC */
	u32 remaining, closed_idle, closed_busy, reset, gone;
	u32 reported;			/* remaining in the last event */
	u32 seq;			/* this drain's number in the session */
	u32 sweep;			/* the current sweep's number */
	struct dpo_drain_when when;	/* set under dpo_conn_lock */
	struct delayed_work work;
};

/* What an event or the reply says. */
struct dpo_drain_info {
	const char *session;
	enum dpo_role role;
	u32 deadline_ms;
	u32 remaining, closed_idle, closed_busy, reset, gone;
	u64 elapsed_ns;
	bool cancelled;		/* cut short, not done */
	struct dpo_drain_when when;
};

int dpo_drain_start(struct dpo_session *s, enum dpo_role role,
		    u32 deadline_ms, const struct dpo_drain_when *when,
		    struct netlink_ext_ack *extack,
		    struct dpo_drain_info *info);
void dpo_drain_init(struct dpo_session *s);
void dpo_drain_cancel(struct dpo_session *s);

/* From the registry, under dpo_conn_lock. */
void dpo_drain_conn_added(struct dpo_session *s, struct dpo_conn *c);
void dpo_drain_note_locked(struct dpo_conn *c, enum dpo_conn_drain result);
enum dpo_conn_drain dpo_drain_unclaimed_locked(struct dpo_conn *c);

/* Under @c's socket lock. */
bool dpo_drain_may_close(struct dpo_conn *c);

#endif /* _DPO_DRAIN_H */
