/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_CLIENT_H
#define DPOCTL_CLIENT_H

#include <stdint.h>

#include "error.h"
#include "model.h"

struct dpoctl_nl;

/*
 * dpoctl's requests to the module, typed: each builds its message in this
 * one place and decodes the reply into model structs. Every call returns
 * 0 or -errno with @err filled (error.h); none prints anything.
 */
/* The callbacks of notifications. */
typedef int (*dpoctl_event_fn)(const struct dpoctl_event *ev, void *arg);

struct dpoctl_client {
	struct dpoctl_nl *nl;	/* the transport (nl.h), hidden from callers */
	dpoctl_event_fn event_fn;
	void *event_arg;
};

/*
 * The callbacks of dumps, one object each: 0 to go on, -errno to fail
 * the dump. Notifications: 0 to go on, 1 to stop reading.
 */
typedef int (*dpoctl_session_fn)(const struct dpoctl_session *s, void *arg);
typedef int (*dpoctl_instance_fn)(const struct dpoctl_instance *in,
				  void *arg);
typedef int (*dpoctl_listener_fn)(const struct dpoctl_listener *l, void *arg);
typedef int (*dpoctl_conn_fn)(const struct dpoctl_conn *c, void *arg);

/* -ENOENT with the whole message in @err when the module is not loaded */
int dpoctl_client_open(struct dpoctl_client *c, struct dpoctl_error *err);
void dpoctl_client_close(struct dpoctl_client *c);

/* Replies that must carry an object fail with "no reply from the kernel". */
int dpoctl_status_get(struct dpoctl_client *c, struct dpoctl_status *st,
		      struct dpoctl_error *err);
/* dpo's family as the genetlink controller knows it (its version) */
int dpoctl_family_get(struct dpoctl_client *c, struct dpoctl_family *f,
		      struct dpoctl_error *err);

/* @interval_ms 0: the module's default */
int dpoctl_session_new(struct dpoctl_client *c, const char *name,
		       uint32_t interval_ms, struct dpoctl_error *err);
int dpoctl_session_set(struct dpoctl_client *c, const char *name,
		       uint32_t interval_ms, struct dpoctl_error *err);
int dpoctl_session_del(struct dpoctl_client *c, const char *name,
		       struct dpoctl_error *err);
/* @s NULL: only whether it exists */
int dpoctl_session_get(struct dpoctl_client *c, const char *name,
		       struct dpoctl_session *s, struct dpoctl_error *err);
int dpoctl_session_dump(struct dpoctl_client *c, dpoctl_session_fn fn,
			void *arg, struct dpoctl_error *err);
/* @pct: the patched instance's share with DPO_OWNER_CANARY, else 0 */
int dpoctl_owner_set(struct dpoctl_client *c, const char *session,
		     uint8_t owner, uint32_t pct, struct dpoctl_error *err);
/*
 * This client's socket becomes the session's controller: when it is
 * closed (dpoctl exits or dies), the module sets the owner to @owner.
 */
int dpoctl_session_claim(struct dpoctl_client *c, const char *session,
			 uint8_t owner, struct dpoctl_error *err);

int dpoctl_instance_add(struct dpoctl_client *c, const char *session,
			uint32_t pid, uint8_t role, struct dpoctl_error *err);
int dpoctl_instance_del(struct dpoctl_client *c, uint32_t pid,
			struct dpoctl_error *err);
/* Every instance, or the one of @pid (0: all), which must then come */
int dpoctl_instance_dump(struct dpoctl_client *c, uint32_t pid,
			 dpoctl_instance_fn fn, void *arg,
			 struct dpoctl_error *err);

/* @fd: a descriptor of ours; the module takes its own reference */
int dpoctl_listener_add(struct dpoctl_client *c, const char *session, int fd,
			struct dpoctl_listener *l, struct dpoctl_error *err);
int dpoctl_listener_del(struct dpoctl_client *c, uint32_t id,
			struct dpoctl_error *err);
/* Every listener, or the one of @id (0: all), which must then come */
int dpoctl_listener_dump(struct dpoctl_client *c, uint32_t id,
			 dpoctl_listener_fn fn, void *arg,
			 struct dpoctl_error *err);

/* Filters, both optional: @session NULL, @pid 0 for all. */
int dpoctl_conn_dump(struct dpoctl_client *c, const char *session,
		     uint32_t pid, dpoctl_conn_fn fn, void *arg,
		     struct dpoctl_error *err);

/* When a drained connection may be closed, besides idle (kmod/drain.h). */
struct dpoctl_drain_when {
	uint8_t mark[DPO_DRAIN_IDLE_MARK_MAX];	/* after a write ending so */
	uint8_t mark_len;			/* 0: no idle mark */
	uint32_t min_requests;			/* 0: from the first */
};

/*
 * @deadline_ms 0: the module's default; @when NULL: whenever idle; @d: the
 * drain at its start
 */
int dpoctl_drain(struct dpoctl_client *c, const char *session, uint8_t role,
		 uint32_t deadline_ms, const struct dpoctl_drain_when *when,
		 struct dpoctl_drain *d,
		 struct dpoctl_error *err);

/*
 * Notifications: join the groups (needs CAP_NET_ADMIN), then each
 * dpoctl_receive() hands what one read brings to @fn, decoded (a known
 * notification that does not decode comes with ev->malformed). Once
 * subscribed, the client is for notifications only.
 */
enum {
	DPOCTL_GROUP_SAMPLES = 1 << 0,
	DPOCTL_GROUP_EVENTS = 1 << 1,
};

int dpoctl_subscribe(struct dpoctl_client *c, unsigned int groups,
		     dpoctl_event_fn fn, void *arg, struct dpoctl_error *err);
int dpoctl_client_fd(struct dpoctl_client *c);
/* 0, -ENOBUFS when notifications were lost, or -errno */
int dpoctl_receive(struct dpoctl_client *c, struct dpoctl_error *err);

#endif
