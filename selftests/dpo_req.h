/* SPDX-License-Identifier: GPL-2.0 */
/* Typed dpo requests and state helpers for the selftests. */
#ifndef DPO_SELFTEST_REQ_H
#define DPO_SELFTEST_REQ_H

#include "dpo_nl.h"

/* All return the ack's -errno (0 on success); @ack and @o may be NULL. */
int dt_status(struct dt_sock *nl, struct dt_obj *o, struct dt_ack *ack);
/* @interval_ms 0: attribute omitted */
int dt_session_new(struct dt_sock *nl, const char *name, __u32 interval_ms,
		    struct dt_ack *ack);
int dt_session_set(struct dt_sock *nl, const char *name, __u32 interval_ms,
		    struct dt_ack *ack);
int dt_session_del(struct dt_sock *nl, const char *name, struct dt_ack *ack);
int dt_session_get(struct dt_sock *nl, const char *name, struct dt_obj *o,
		    struct dt_ack *ack);
int dt_session_dump(struct dt_sock *nl, struct dt_obj *objs, int max, int *n,
		     struct dt_ack *ack);
int dt_instance_add(struct dt_sock *nl, const char *name, __u32 pid,
		     __u8 role, struct dt_ack *ack);
int dt_instance_del(struct dt_sock *nl, __u32 pid, struct dt_ack *ack);
int dt_instance_get(struct dt_sock *nl, __u32 pid, struct dt_obj *o,
		     struct dt_ack *ack);
int dt_instance_dump(struct dt_sock *nl, struct dt_obj *objs, int max,
		      int *n, struct dt_ack *ack);
int dt_listener_add(struct dt_sock *nl, const char *name, __u32 fd,
		     struct dt_obj *o, struct dt_ack *ack);
int dt_listener_del(struct dt_sock *nl, __u32 id, struct dt_ack *ack);
int dt_listener_get(struct dt_sock *nl, __u32 id, struct dt_obj *o,
		     struct dt_ack *ack);
int dt_listener_dump(struct dt_sock *nl, struct dt_obj *objs, int max,
		      int *n, struct dt_ack *ack);
int dt_owner_set(struct dt_sock *nl, const char *name, __u8 owner,
		  struct dt_ack *ack);
/* The socket @nl becomes the controller; @owner 0: attribute omitted. */
int dt_session_claim(struct dt_sock *nl, const char *name, __u8 owner,
		      struct dt_ack *ack);

/*
 * Session @name (interval 100 ms) with @orig and @patched as its original
 * and patched instances, the listener @lfd attached (its id to *@lid if
 * not NULL), then OWNER_SET @owner if not 0. 0 or the -errno of the first
 * request that failed, with @ack filled in.
 */
int dt_session_pair(struct dt_sock *nl, const char *name, __u32 orig,
		    __u32 patched, int lfd, __u32 *lid, __u8 owner,
		    struct dt_ack *ack);

/* Delete every session and instance, then dt_wait_idle(). */
int dt_reset(struct dt_sock *nl, int timeout_ms);
/*
 * Poll STATUS_GET until no session and no instance object is left (objects
 * are freed after an RCU grace period). 0, -ETIMEDOUT or -errno; the last
 * status goes to @last if not NULL.
 */
int dt_wait_idle(struct dt_sock *nl, int timeout_ms, struct dt_obj *last);

/*
 * Poll INSTANCE_GET until a sample with TIMESTAMP_NS > @after_ns is seen,
 * then until one more sample is taken (so the counters were certainly read
 * after @after_ns). 0, -ETIMEDOUT or the request's -errno.
 */
int dt_wait_fresh_sample(struct dt_sock *nl, __u32 pid, __u64 after_ns,
			  struct dt_obj *o, int timeout_ms);

/*
 * dt_recv_ntf() until the now_ns() time @end: -ETIMEDOUT once it passed,
 * otherwise what dt_recv_ntf() returns.
 */
int dt_recv_ntf_until(struct dt_sock *nl, struct dt_obj *o, __u64 end);
/*
 * Next notification @cmd (of @pid, if not 0) within @ms, others and
 * overruns skipped; 0 or -errno.
 */
int dt_wait_ntf(struct dt_sock *ev, __u8 cmd, __u32 pid, struct dt_obj *o,
		int ms);

/* Drop the notifications @nl holds now (until one would have to wait). */
void dt_flush_ntf(struct dt_sock *nl);

/* Open a socket and resolve the family; 0 or -errno. */
int dt_connect(struct dt_sock *nl);
/* Socket joined to @group ("samples" or "events" id), big receive buffer. */
int dt_listen(struct dt_sock *nl, const struct dt_sock *ref, __u32 group);

#endif /* DPO_SELFTEST_REQ_H */
