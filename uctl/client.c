// SPDX-License-Identifier: GPL-2.0
/* dpoctl's typed requests to the module, and its notifications. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/genetlink.h>
#include <linux/dpo.h>

#include "client.h"
#include "decode.h"
#include "nl.h"

/* What a reply decodes into, and who gets each object of a dump. */
enum kind {
	K_STATUS, K_FAMILY, K_SESSION, K_INSTANCE, K_LISTENER, K_CONN, K_DRAIN,
};

struct reply {
	enum kind kind;
	void *obj;		/* NULL: each object of a dump goes into @buf */
	union {
		struct dpoctl_session session;
		struct dpoctl_instance instance;
		struct dpoctl_listener listener;
		struct dpoctl_conn conn;
	} buf;
	union {
		dpoctl_session_fn session;
		dpoctl_instance_fn instance;
		dpoctl_listener_fn listener;
		dpoctl_conn_fn conn;
	} fn;			/* NULL: keep the one object in @obj */
	void *arg;
	bool got;
};

static int decode(enum kind kind, struct nlmsghdr *nlh, void *obj)
{
	switch (kind) {
	case K_STATUS:		return dpoctl_decode_status(nlh, obj);
	case K_FAMILY:		return dpoctl_decode_family(nlh, obj);
	case K_SESSION:		return dpoctl_decode_session(nlh, obj);
	case K_INSTANCE:	return dpoctl_decode_instance(nlh, obj);
	case K_LISTENER:	return dpoctl_decode_listener(nlh, obj);
	case K_CONN:		return dpoctl_decode_conn(nlh, obj);
	case K_DRAIN:		return dpoctl_decode_drain(nlh, obj);
	}
	return -EPROTO;
}

static int on_reply(struct nlmsghdr *nlh, void *arg)
{
	struct reply *r = arg;

	if (decode(r->kind, nlh, r->obj))
		return -EPROTO;
	r->got = true;
	if (!r->fn.session)
		return 0;
	switch (r->kind) {
	case K_SESSION:		return r->fn.session(r->obj, r->arg);
	case K_INSTANCE:	return r->fn.instance(r->obj, r->arg);
	case K_LISTENER:	return r->fn.listener(r->obj, r->arg);
	case K_CONN:		return r->fn.conn(r->obj, r->arg);
	default:		return 0;
	}
}

/* A message whose attributes did not fit: reported as out of memory. */
static struct nl_msg *unbuilt(struct nl_msg *msg)
{
	nlmsg_free(msg);
	return NULL;
}

/* An ACK without the reply it should have come with */
static int no_reply(struct dpoctl_error *err)
{
	return dpoctl_error_set(err, ENODATA, "no reply from the kernel");
}

/*
 * Sends the dump request @msg, or the request of one object by @key, and
 * hands each object to @r's callback (the one object must come).
 */
static int dump(struct dpoctl_client *c, struct nl_msg *msg, uint32_t key,
		struct reply *r, struct dpoctl_error *err)
{
	int ret;

	r->obj = &r->buf;
	ret = dpoctl_nl_request(c->nl, msg, on_reply, r, err);
	if (!ret && key && !r->got)
		ret = no_reply(err);
	return ret;
}

/* Sends @msg and decodes its one reply into @r->obj, which must come. */
static int get_one(struct dpoctl_client *c, struct nl_msg *msg,
		   struct reply *r, struct dpoctl_error *err)
{
	int ret = dpoctl_nl_request(c->nl, msg, on_reply, r, err);

	if (!ret && !r->got)
		ret = no_reply(err);
	return ret;
}

int dpoctl_client_open(struct dpoctl_client *c, struct dpoctl_error *err)
{
	int ret;

	memset(c, 0, sizeof(*c));
	dpoctl_error_clear(err);
	c->nl = calloc(1, sizeof(*c->nl));
	if (!c->nl)
		return dpoctl_error_set(err, ENOMEM, "");
	ret = dpoctl_nl_open(c->nl, DPO_GENL_NAME, err);
	if (ret) {
		free(c->nl);
		c->nl = NULL;
	}
	return ret;
}

void dpoctl_client_close(struct dpoctl_client *c)
{
	if (!c->nl)
		return;
	dpoctl_nl_close(c->nl);
	free(c->nl);
	c->nl = NULL;
}

int dpoctl_status_get(struct dpoctl_client *c, struct dpoctl_status *st,
		      struct dpoctl_error *err)
{
	struct reply r = { .kind = K_STATUS, .obj = st };

	return get_one(c, dpoctl_nl_new(c->nl, DPO_CMD_STATUS_GET, 0), &r,
		       err);
}

int dpoctl_family_get(struct dpoctl_client *c, struct dpoctl_family *f,
		      struct dpoctl_error *err)
{
	struct reply r = { .kind = K_FAMILY, .obj = f };
	struct nl_msg *msg;

	/* the family's version is only known to the genetlink controller */
	msg = dpoctl_nl_new_raw(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	if (msg && nla_put_string(msg, CTRL_ATTR_FAMILY_NAME,
				  c->nl->name) < 0)
		msg = unbuilt(msg);
	return get_one(c, msg, &r, err);
}

/* NEW, SET and DEL: a name and maybe an interval, ACK only */
static int session_cmd(struct dpoctl_client *c, uint8_t cmd, const char *name,
		       uint32_t interval_ms, struct dpoctl_error *err)
{
	struct nl_msg *msg = dpoctl_nl_new(c->nl, cmd, 0);

	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, name) < 0 ||
		    (interval_ms &&
		     nla_put_u32(msg, DPO_A_INTERVAL_MS, interval_ms) < 0)))
		msg = unbuilt(msg);
	return dpoctl_nl_request(c->nl, msg, NULL, NULL, err);
}

int dpoctl_session_new(struct dpoctl_client *c, const char *name,
		       uint32_t interval_ms, struct dpoctl_error *err)
{
	return session_cmd(c, DPO_CMD_SESSION_NEW, name, interval_ms, err);
}

int dpoctl_session_set(struct dpoctl_client *c, const char *name,
		       uint32_t interval_ms, struct dpoctl_error *err)
{
	return session_cmd(c, DPO_CMD_SESSION_SET, name, interval_ms, err);
}

int dpoctl_session_del(struct dpoctl_client *c, const char *name,
		       struct dpoctl_error *err)
{
	return session_cmd(c, DPO_CMD_SESSION_DEL, name, 0, err);
}

int dpoctl_session_get(struct dpoctl_client *c, const char *name,
		       struct dpoctl_session *s, struct dpoctl_error *err)
{
	struct reply r = { .kind = K_SESSION, .obj = s };
	struct nl_msg *msg = dpoctl_nl_new(c->nl, DPO_CMD_SESSION_GET, 0);

	if (msg && nla_put_string(msg, DPO_A_SESSION_NAME, name) < 0)
		msg = unbuilt(msg);
	if (!s)
		return dpoctl_nl_request(c->nl, msg, NULL, NULL, err);
	return get_one(c, msg, &r, err);
}

int dpoctl_session_dump(struct dpoctl_client *c, dpoctl_session_fn fn,
			void *arg, struct dpoctl_error *err)
{
	struct reply r = { .kind = K_SESSION, .fn.session = fn, .arg = arg };

	return dump(c, dpoctl_nl_new(c->nl, DPO_CMD_SESSION_GET, NLM_F_DUMP),
		    0, &r, err);
}

int dpoctl_owner_set(struct dpoctl_client *c, const char *session,
		     uint8_t owner, uint32_t pct, struct dpoctl_error *err)
{
	struct nl_msg *msg = dpoctl_nl_new(c->nl, DPO_CMD_OWNER_SET, 0);

	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0 ||
		    nla_put_u8(msg, DPO_A_OWNER, owner) < 0 ||
		    (pct && nla_put_u8(msg, DPO_A_CANARY_PCT, pct) < 0)))
		msg = unbuilt(msg);
	return dpoctl_nl_request(c->nl, msg, NULL, NULL, err);
}

int dpoctl_session_claim(struct dpoctl_client *c, const char *session,
			 uint8_t owner, struct dpoctl_error *err)
{
	struct nl_msg *msg = dpoctl_nl_new(c->nl, DPO_CMD_SESSION_CLAIM, 0);

	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0 ||
		    nla_put_u8(msg, DPO_A_OWNER, owner) < 0))
		msg = unbuilt(msg);
	return dpoctl_nl_request(c->nl, msg, NULL, NULL, err);
}

int dpoctl_instance_add(struct dpoctl_client *c, const char *session,
			uint32_t pid, uint8_t role, struct dpoctl_error *err)
{
	struct nl_msg *msg = dpoctl_nl_new(c->nl, DPO_CMD_INSTANCE_ADD, 0);

	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0 ||
		    nla_put_u32(msg, DPO_A_PID, pid) < 0 ||
		    nla_put_u8(msg, DPO_A_ROLE, role) < 0))
		msg = unbuilt(msg);
	return dpoctl_nl_request(c->nl, msg, NULL, NULL, err);
}

/* A request about one object, by its u32 key, or a dump of all (@key 0) */
static struct nl_msg *by_key(struct dpoctl_client *c, uint8_t cmd, int attr,
			     uint32_t key)
{
	struct nl_msg *msg = dpoctl_nl_new(c->nl, cmd, key ? 0 : NLM_F_DUMP);

	if (msg && key && nla_put_u32(msg, attr, key) < 0)
		msg = unbuilt(msg);
	return msg;
}

int dpoctl_instance_del(struct dpoctl_client *c, uint32_t pid,
			struct dpoctl_error *err)
{
	return dpoctl_nl_request(c->nl, by_key(c, DPO_CMD_INSTANCE_DEL,
						DPO_A_PID, pid),
				 NULL, NULL, err);
}

int dpoctl_instance_dump(struct dpoctl_client *c, uint32_t pid,
			 dpoctl_instance_fn fn, void *arg,
			 struct dpoctl_error *err)
{
	struct reply r = { .kind = K_INSTANCE, .fn.instance = fn, .arg = arg };

	return dump(c, by_key(c, DPO_CMD_INSTANCE_GET, DPO_A_PID, pid), pid,
		    &r, err);
}

int dpoctl_listener_add(struct dpoctl_client *c, const char *session, int fd,
			struct dpoctl_listener *l, struct dpoctl_error *err)
{
	struct reply r = { .kind = K_LISTENER, .obj = l };
	struct nl_msg *msg = dpoctl_nl_new(c->nl, DPO_CMD_LISTENER_ADD, 0);

	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0 ||
		    nla_put_u32(msg, DPO_A_FD, (uint32_t)fd) < 0))
		msg = unbuilt(msg);
	return get_one(c, msg, &r, err);
}

int dpoctl_listener_del(struct dpoctl_client *c, uint32_t id,
			struct dpoctl_error *err)
{
	return dpoctl_nl_request(c->nl, by_key(c, DPO_CMD_LISTENER_DEL,
						DPO_A_LISTENER_ID, id),
				 NULL, NULL, err);
}

int dpoctl_listener_dump(struct dpoctl_client *c, uint32_t id,
			 dpoctl_listener_fn fn, void *arg,
			 struct dpoctl_error *err)
{
	struct reply r = { .kind = K_LISTENER, .fn.listener = fn, .arg = arg };

	return dump(c, by_key(c, DPO_CMD_LISTENER_GET, DPO_A_LISTENER_ID, id),
		    id, &r, err);
}

int dpoctl_conn_dump(struct dpoctl_client *c, const char *session,
		     uint32_t pid, dpoctl_conn_fn fn, void *arg,
		     struct dpoctl_error *err)
{
	struct reply r = { .kind = K_CONN, .fn.conn = fn, .arg = arg };
	struct nl_msg *msg = dpoctl_nl_new(c->nl, DPO_CMD_CONN_GET,
					   NLM_F_DUMP);

	/* the filters travel with the dump request */
	if (msg && ((session &&
		     nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0) ||
		    (pid && nla_put_u32(msg, DPO_A_PID, pid) < 0)))
		msg = unbuilt(msg);
	return dump(c, msg, 0, &r, err);
}

int dpoctl_drain(struct dpoctl_client *c, const char *session, uint8_t role,
		 uint32_t deadline_ms, const struct dpoctl_drain_when *when,
		 struct dpoctl_drain *d,
		 struct dpoctl_error *err)
{
	static const struct dpoctl_drain_when whenever;
	struct reply r = { .kind = K_DRAIN, .obj = d };
	struct nl_msg *msg = dpoctl_nl_new(c->nl, DPO_CMD_DRAIN, 0);

	if (!when)
		when = &whenever;
	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0 ||
		    nla_put_u8(msg, DPO_A_ROLE, role) < 0 ||
		    (deadline_ms &&
		     nla_put_u32(msg, DPO_A_DEADLINE_MS, deadline_ms) < 0) ||
		    (when->mark_len &&
		     nla_put(msg, DPO_A_DRAIN_IDLE_MARK, when->mark_len,
			     when->mark) < 0) ||
		    (when->min_requests &&
		     nla_put_u32(msg, DPO_A_MIN_REQUESTS,
				 when->min_requests) < 0)))
		msg = unbuilt(msg);
	return get_one(c, msg, &r, err);
}

static int on_notification(struct nlmsghdr *nlh, void *arg)
{
	struct dpoctl_client *c = arg;
	struct dpoctl_event ev;

	if (nlh->nlmsg_type != c->nl->family ||
	    dpoctl_decode_event(nlh, &ev) == -ENOENT)
		return 0;	/* not dpo's, or from a newer module */
	return c->event_fn(&ev, c->event_arg);
}

int dpoctl_subscribe(struct dpoctl_client *c, unsigned int groups,
		     dpoctl_event_fn fn, void *arg, struct dpoctl_error *err)
{
	const char *names[2];
	int n = 0, ret;

	if (groups & DPOCTL_GROUP_SAMPLES)
		names[n++] = DPO_MCGRP_SAMPLES;
	if (groups & DPOCTL_GROUP_EVENTS)
		names[n++] = DPO_MCGRP_EVENTS;
	ret = dpoctl_nl_join(c->nl, names, n, err);
	if (ret)
		return ret;
	c->event_fn = fn;
	c->event_arg = arg;
	dpoctl_nl_listen(c->nl, on_notification, c);
	return 0;
}

int dpoctl_client_fd(struct dpoctl_client *c)
{
	return dpoctl_nl_fd(c->nl);
}

int dpoctl_receive(struct dpoctl_client *c, struct dpoctl_error *err)
{
	return dpoctl_nl_receive(c->nl, err);
}
