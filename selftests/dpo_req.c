// SPDX-License-Identifier: GPL-2.0
/* Typed dpo requests and state helpers for the selftests. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dpo_req.h"
#include "proc_util.h"

/*
 * A request of @cmd with the session @name (if not NULL) and the u32
 * attribute @type = @v (if @type is not 0).
 */
static int dt_req(struct dt_sock *nl, __u8 cmd, const char *name, __u16 type,
		  __u32 v, struct dt_obj *o, struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, cmd, 0);
	if (name)
		dt_put_str(&m, DPO_A_SESSION_NAME, name);
	if (type)
		nlm_put_u32(&m, type, v);
	return dt_request(nl, &m, ack, o);
}

/* An unfiltered dump of @cmd. */
static int dt_req_dump(struct dt_sock *nl, __u8 cmd, struct dt_obj *objs,
		       int max, int *n, struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, cmd, 0);
	return dt_dump(nl, &m, ack, objs, max, n);
}

int dt_status(struct dt_sock *nl, struct dt_obj *o, struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_STATUS_GET, NULL, 0, 0, o, ack);
}

int dt_session_new(struct dt_sock *nl, const char *name, __u32 interval_ms,
		    struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_SESSION_NEW, name,
		      interval_ms ? DPO_A_INTERVAL_MS : 0, interval_ms,
		      NULL, ack);
}

int dt_session_set(struct dt_sock *nl, const char *name, __u32 interval_ms,
		    struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_SESSION_SET, name, DPO_A_INTERVAL_MS,
		      interval_ms, NULL, ack);
}

int dt_session_del(struct dt_sock *nl, const char *name, struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_SESSION_DEL, name, 0, 0, NULL, ack);
}

int dt_session_get(struct dt_sock *nl, const char *name, struct dt_obj *o,
		    struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_SESSION_GET, name, 0, 0, o, ack);
}

int dt_session_dump(struct dt_sock *nl, struct dt_obj *objs, int max, int *n,
		     struct dt_ack *ack)
{
	return dt_req_dump(nl, DPO_CMD_SESSION_GET, objs, max, n, ack);
}

int dt_instance_add(struct dt_sock *nl, const char *name, __u32 pid,
		     __u8 role, struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, DPO_CMD_INSTANCE_ADD, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, name);
	nlm_put_u32(&m, DPO_A_PID, pid);
	nlm_put_u8(&m, DPO_A_ROLE, role);
	return dt_request(nl, &m, ack, NULL);
}

int dt_instance_del(struct dt_sock *nl, __u32 pid, struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_INSTANCE_DEL, NULL, DPO_A_PID, pid, NULL,
		      ack);
}

int dt_instance_get(struct dt_sock *nl, __u32 pid, struct dt_obj *o,
		     struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_INSTANCE_GET, NULL, DPO_A_PID, pid, o, ack);
}

int dt_instance_dump(struct dt_sock *nl, struct dt_obj *objs, int max,
		      int *n, struct dt_ack *ack)
{
	return dt_req_dump(nl, DPO_CMD_INSTANCE_GET, objs, max, n, ack);
}

int dt_listener_add(struct dt_sock *nl, const char *name, __u32 fd,
		     struct dt_obj *o, struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_LISTENER_ADD, name, DPO_A_FD, fd, o, ack);
}

int dt_listener_del(struct dt_sock *nl, __u32 id, struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_LISTENER_DEL, NULL, DPO_A_LISTENER_ID, id,
		      NULL, ack);
}

int dt_listener_get(struct dt_sock *nl, __u32 id, struct dt_obj *o,
		     struct dt_ack *ack)
{
	return dt_req(nl, DPO_CMD_LISTENER_GET, NULL, DPO_A_LISTENER_ID, id,
		      o, ack);
}

int dt_listener_dump(struct dt_sock *nl, struct dt_obj *objs, int max,
		      int *n, struct dt_ack *ack)
{
	return dt_req_dump(nl, DPO_CMD_LISTENER_GET, objs, max, n, ack);
}

int dt_owner_set(struct dt_sock *nl, const char *name, __u8 owner,
		  struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, DPO_CMD_OWNER_SET, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, name);
	nlm_put_u8(&m, DPO_A_OWNER, owner);
	return dt_request(nl, &m, ack, NULL);
}

int dt_session_claim(struct dt_sock *nl, const char *name, __u8 owner,
		      struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, DPO_CMD_SESSION_CLAIM, 0);
	dt_put_str(&m, DPO_A_SESSION_NAME, name);
	if (owner)
		nlm_put_u8(&m, DPO_A_OWNER, owner);
	return dt_request(nl, &m, ack, NULL);
}

int dt_session_pair(struct dt_sock *nl, const char *name, __u32 orig,
		    __u32 patched, int lfd, __u32 *lid, __u8 owner,
		    struct dt_ack *ack)
{
	struct dt_obj o;
	int ret;

	ret = dt_session_new(nl, name, 100, ack);
	if (!ret)
		ret = dt_instance_add(nl, name, orig, DPO_ROLE_ORIGINAL, ack);
	if (!ret)
		ret = dt_instance_add(nl, name, patched, DPO_ROLE_PATCHED, ack);
	if (!ret)
		ret = dt_listener_add(nl, name, lfd, &o, ack);
	if (!ret && lid)
		*lid = o.listener_id;
	if (!ret && owner)
		ret = dt_owner_set(nl, name, owner, ack);
	return ret;
}

int dt_wait_idle(struct dt_sock *nl, int timeout_ms, struct dt_obj *last)
{
	__u64 deadline = now_ns() + (__u64)timeout_ms * 1000000;
	struct dt_obj st;
	int ret;

	for (;;) {
		ret = dt_status(nl, &st, NULL);
		if (last)
			*last = st;
		if (ret)
			return ret;
		if (!st.sessions && !st.instances)
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		usleep(10000);
	}
}

int dt_reset(struct dt_sock *nl, int timeout_ms)
{
	static struct dt_obj objs[256];
	int i, n, round, ret;

	/* Dumps are capped at 256 objects here: go round until none is left. */
	for (round = 0; round < 64; round++) {
		n = 0;
		ret = dt_session_dump(nl, objs, 256, &n, NULL);
		if (ret)
			return ret;
		for (i = 0; i < n && i < 256; i++)
			dt_session_del(nl, objs[i].session, NULL);
		if (n)
			continue;
		ret = dt_instance_dump(nl, objs, 256, &n, NULL);
		if (ret)
			return ret;
		for (i = 0; i < n && i < 256; i++)
			dt_instance_del(nl, objs[i].pid, NULL);
		if (!n)
			break;
	}
	return dt_wait_idle(nl, timeout_ms, NULL);
}

int dt_wait_fresh_sample(struct dt_sock *nl, __u32 pid, __u64 after_ns,
			  struct dt_obj *o, int timeout_ms)
{
	__u64 deadline = now_ns() + (__u64)timeout_ms * 1000000;
	__u64 first_seq = 0;
	int ret;

	for (;;) {
		ret = dt_instance_get(nl, pid, o, NULL);
		if (ret)
			return ret;
		if (!first_seq && o->stats.timestamp_ns > after_ns)
			first_seq = o->stats.seq;
		if (first_seq && o->stats.seq > first_seq)
			return 0;
		if (now_ns() > deadline)
			return -ETIMEDOUT;
		usleep(5000);
	}
}

int dt_recv_ntf_until(struct dt_sock *nl, struct dt_obj *o, __u64 end)
{
	__u64 now = now_ns();

	if (now >= end)
		return -ETIMEDOUT;
	return dt_recv_ntf(nl, o, (end - now) / 1000000 + 1);
}

int dt_wait_ntf(struct dt_sock *ev, __u8 cmd, __u32 pid, struct dt_obj *o,
		int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	int ret;

	for (;;) {
		ret = dt_recv_ntf_until(ev, o, end);
		if (ret == -ENOBUFS)
			continue;
		if (ret)
			return ret;
		if (o->cmd == cmd && (!pid || o->pid == pid))
			return 0;
	}
}

void dt_flush_ntf(struct dt_sock *nl)
{
	struct dt_obj o;

	while (dt_recv_ntf(nl, &o, 0) != -ETIMEDOUT)
		;
}

int dt_connect(struct dt_sock *nl)
{
	int ret = dt_open(nl);

	if (ret)
		return ret;
	ret = dt_resolve(nl);
	if (ret)
		dt_close(nl);
	return ret;
}

int dt_listen(struct dt_sock *nl, const struct dt_sock *ref, __u32 group)
{
	int ret = dt_open(nl);

	if (ret)
		return ret;
	nl->family = ref->family;
	nl->grp_samples = ref->grp_samples;
	nl->grp_events = ref->grp_events;
	dt_set_rcvbuf(nl, 8 << 20);
	ret = dt_join(nl, group);
	if (ret)
		dt_close(nl);
	return ret;
}
