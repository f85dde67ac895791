// SPDX-License-Identifier: GPL-2.0
/* Typed dpo requests and state helpers for the selftests. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dpo_req.h"
#include "proc_util.h"

int dpo_status(struct nl_sock *nl, struct dpo_obj *o, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_STATUS_GET, 0);
	return nl_request(nl, &m, ack, o);
}

int dpo_session_new(struct nl_sock *nl, const char *name, __u32 interval_ms,
		    struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_SESSION_NEW, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	if (interval_ms)
		nlm_put_u32(&m, DPO_A_INTERVAL_MS, interval_ms);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_session_set(struct nl_sock *nl, const char *name, __u32 interval_ms,
		    struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_SESSION_SET, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	nlm_put_u32(&m, DPO_A_INTERVAL_MS, interval_ms);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_session_del(struct nl_sock *nl, const char *name, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_SESSION_DEL, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_session_get(struct nl_sock *nl, const char *name, struct dpo_obj *o,
		    struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_SESSION_GET, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	return nl_request(nl, &m, ack, o);
}

int dpo_session_dump(struct nl_sock *nl, struct dpo_obj *objs, int max, int *n,
		     struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_SESSION_GET, 0);
	return nl_dump(nl, &m, ack, objs, max, n);
}

int dpo_instance_add(struct nl_sock *nl, const char *name, __u32 pid,
		     __u8 role, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_INSTANCE_ADD, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	nlm_put_u32(&m, DPO_A_PID, pid);
	nlm_put_u8(&m, DPO_A_ROLE, role);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_instance_del(struct nl_sock *nl, __u32 pid, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_INSTANCE_DEL, 0);
	nlm_put_u32(&m, DPO_A_PID, pid);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_instance_get(struct nl_sock *nl, __u32 pid, struct dpo_obj *o,
		     struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_INSTANCE_GET, 0);
	nlm_put_u32(&m, DPO_A_PID, pid);
	return nl_request(nl, &m, ack, o);
}

int dpo_instance_dump(struct nl_sock *nl, struct dpo_obj *objs, int max,
		      int *n, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_INSTANCE_GET, 0);
	return nl_dump(nl, &m, ack, objs, max, n);
}

int dpo_listener_add(struct nl_sock *nl, const char *name, __u32 fd,
		     struct dpo_obj *o, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_LISTENER_ADD, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	nlm_put_u32(&m, DPO_A_FD, fd);
	return nl_request(nl, &m, ack, o);
}

int dpo_listener_del(struct nl_sock *nl, __u32 id, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_LISTENER_DEL, 0);
	nlm_put_u32(&m, DPO_A_LISTENER_ID, id);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_listener_get(struct nl_sock *nl, __u32 id, struct dpo_obj *o,
		     struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_LISTENER_GET, 0);
	nlm_put_u32(&m, DPO_A_LISTENER_ID, id);
	return nl_request(nl, &m, ack, o);
}

int dpo_listener_dump(struct nl_sock *nl, struct dpo_obj *objs, int max,
		      int *n, struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_LISTENER_GET, 0);
	return nl_dump(nl, &m, ack, objs, max, n);
}

int dpo_owner_set(struct nl_sock *nl, const char *name, __u8 owner,
		  struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_OWNER_SET, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	nlm_put_u8(&m, DPO_A_OWNER, owner);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_session_claim(struct nl_sock *nl, const char *name, __u8 owner,
		      struct nl_ack *ack)
{
	struct nl_msg m;

	nlm_dpo(&m, nl, DPO_CMD_SESSION_CLAIM, 0);
	nlm_put_str(&m, DPO_A_SESSION_NAME, name);
	if (owner)
		nlm_put_u8(&m, DPO_A_OWNER, owner);
	return nl_request(nl, &m, ack, NULL);
}

int dpo_wait_idle(struct nl_sock *nl, int timeout_ms, struct dpo_obj *last)
{
	__u64 deadline = now_ns() + (__u64)timeout_ms * 1000000;
	struct dpo_obj st;
	int ret;

	for (;;) {
		ret = dpo_status(nl, &st, NULL);
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

int dpo_reset(struct nl_sock *nl, int timeout_ms)
{
	static struct dpo_obj objs[256];
	int i, n, round, ret;

	/* Dumps are capped at 256 objects here: go round until none is left. */
	for (round = 0; round < 64; round++) {
		n = 0;
		ret = dpo_session_dump(nl, objs, 256, &n, NULL);
		if (ret)
			return ret;
		for (i = 0; i < n && i < 256; i++)
			dpo_session_del(nl, objs[i].session, NULL);
		if (n)
			continue;
		ret = dpo_instance_dump(nl, objs, 256, &n, NULL);
		if (ret)
			return ret;
		for (i = 0; i < n && i < 256; i++)
			dpo_instance_del(nl, objs[i].pid, NULL);
		if (!n)
			break;
	}
	return dpo_wait_idle(nl, timeout_ms, NULL);
}

int dpo_wait_fresh_sample(struct nl_sock *nl, __u32 pid, __u64 after_ns,
			  struct dpo_obj *o, int timeout_ms)
{
	__u64 deadline = now_ns() + (__u64)timeout_ms * 1000000;
	__u64 first_seq = 0;
	int ret;

	for (;;) {
		ret = dpo_instance_get(nl, pid, o, NULL);
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

int dpo_connect(struct nl_sock *nl)
{
	int ret = nl_open(nl);

	if (ret)
		return ret;
	ret = nl_resolve(nl);
	if (ret)
		nl_close(nl);
	return ret;
}

int dpo_listen(struct nl_sock *nl, const struct nl_sock *ref, __u32 group)
{
	int ret = nl_open(nl);

	if (ret)
		return ret;
	nl->family = ref->family;
	nl->grp_samples = ref->grp_samples;
	nl->grp_events = ref->grp_events;
	nl_set_rcvbuf(nl, 8 << 20);
	ret = nl_join(nl, group);
	if (ret)
		nl_close(nl);
	return ret;
}
