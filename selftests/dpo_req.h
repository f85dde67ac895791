/* SPDX-License-Identifier: GPL-2.0 */
/* Typed dpo requests and state helpers for the selftests. */
#ifndef DPO_SELFTEST_REQ_H
#define DPO_SELFTEST_REQ_H

#include "dpo_nl.h"

/* All return the ack's -errno (0 on success); @ack and @o may be NULL. */
int dpo_status(struct nl_sock *nl, struct dpo_obj *o, struct nl_ack *ack);
/* @interval_ms 0: attribute omitted */
int dpo_session_new(struct nl_sock *nl, const char *name, __u32 interval_ms,
		    struct nl_ack *ack);
int dpo_session_set(struct nl_sock *nl, const char *name, __u32 interval_ms,
		    struct nl_ack *ack);
int dpo_session_del(struct nl_sock *nl, const char *name, struct nl_ack *ack);
int dpo_session_get(struct nl_sock *nl, const char *name, struct dpo_obj *o,
		    struct nl_ack *ack);
int dpo_session_dump(struct nl_sock *nl, struct dpo_obj *objs, int max, int *n,
		     struct nl_ack *ack);
int dpo_instance_add(struct nl_sock *nl, const char *name, __u32 pid,
		     __u8 role, struct nl_ack *ack);
int dpo_instance_del(struct nl_sock *nl, __u32 pid, struct nl_ack *ack);
int dpo_instance_get(struct nl_sock *nl, __u32 pid, struct dpo_obj *o,
		     struct nl_ack *ack);
int dpo_instance_dump(struct nl_sock *nl, struct dpo_obj *objs, int max,
		      int *n, struct nl_ack *ack);
int dpo_listener_add(struct nl_sock *nl, const char *name, __u32 fd,
		     struct dpo_obj *o, struct nl_ack *ack);
int dpo_listener_del(struct nl_sock *nl, __u32 id, struct nl_ack *ack);
int dpo_listener_get(struct nl_sock *nl, __u32 id, struct dpo_obj *o,
		     struct nl_ack *ack);
int dpo_listener_dump(struct nl_sock *nl, struct dpo_obj *objs, int max,
		      int *n, struct nl_ack *ack);
int dpo_owner_set(struct nl_sock *nl, const char *name, __u8 owner,
		  struct nl_ack *ack);
/* The socket @nl becomes the controller; @owner 0: attribute omitted. */
int dpo_session_claim(struct nl_sock *nl, const char *name, __u8 owner,
		      struct nl_ack *ack);

/* Delete every session and instance, then dpo_wait_idle(). */
int dpo_reset(struct nl_sock *nl, int timeout_ms);
/*
 * Poll STATUS_GET until no session and no instance object is left (objects
 * are freed after an RCU grace period). 0, -ETIMEDOUT or -errno; the last
 * status goes to @last if not NULL.
 */
int dpo_wait_idle(struct nl_sock *nl, int timeout_ms, struct dpo_obj *last);

/*
 * Poll INSTANCE_GET until a sample with TIMESTAMP_NS > @after_ns is seen,
 * then until one more sample is taken (so the counters were certainly read
 * after @after_ns). 0, -ETIMEDOUT or the request's -errno.
 */
int dpo_wait_fresh_sample(struct nl_sock *nl, __u32 pid, __u64 after_ns,
			  struct dpo_obj *o, int timeout_ms);

/* Open a socket and resolve the family; 0 or -errno. */
int dpo_connect(struct nl_sock *nl);
/* Socket joined to @group ("samples" or "events" id), big receive buffer. */
int dpo_listen(struct nl_sock *nl, const struct nl_sock *ref, __u32 group);

#endif /* DPO_SELFTEST_REQ_H */
