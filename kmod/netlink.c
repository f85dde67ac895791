// SPDX-License-Identifier: GPL-2.0
/* The "dpo" generic netlink family (protocol: include/uapi/linux/dpo.h). */
#include <linux/pid.h>
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "conn.h"
#include "drain.h"
#include "instance.h"
#include "listener.h"
#include "netlink.h"
#include "session.h"
#include "version.h"

static struct genl_family dpo_family;

enum dpo_mcgrp_index {
	DPO_MCGRP_SAMPLES_IDX,
	DPO_MCGRP_EVENTS_IDX,
};

/* Samples and events describe other users' processes: admin only. */
static const struct genl_multicast_group dpo_mcgrps[] = {
	[DPO_MCGRP_SAMPLES_IDX] = { .name = DPO_MCGRP_SAMPLES,
				    .flags = GENL_MCAST_CAP_NET_ADMIN },
	[DPO_MCGRP_EVENTS_IDX] = { .name = DPO_MCGRP_EVENTS,
				   .flags = GENL_MCAST_CAP_NET_ADMIN },
};

#define DPO_POLICY_SESSION_NAME \
	{ .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_MAX - 1 }
#define DPO_POLICY_INTERVAL \
	NLA_POLICY_RANGE(NLA_U32, DPO_INTERVAL_MS_MIN, DPO_INTERVAL_MS_MAX)
#define DPO_POLICY_PID NLA_POLICY_MIN(NLA_U32, 1)

/* One policy per command: an attribute a command does not use is refused. */
static const struct nla_policy session_interval_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_INTERVAL_MS]	= DPO_POLICY_INTERVAL,
};

static const struct nla_policy session_name_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
};

static const struct nla_policy instance_add_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_PID]		= DPO_POLICY_PID,
	[DPO_A_ROLE]		= NLA_POLICY_RANGE(NLA_U8, DPO_ROLE_ORIGINAL,
						   DPO_ROLE_MAX),
};

static const struct nla_policy instance_pid_policy[DPO_A_MAX + 1] = {
	[DPO_A_PID]		= DPO_POLICY_PID,
};

static const struct nla_policy listener_add_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_FD]		= { .type = NLA_U32 },
};

static const struct nla_policy listener_id_policy[DPO_A_MAX + 1] = {
	[DPO_A_LISTENER_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy session_claim_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_OWNER]		= NLA_POLICY_RANGE(NLA_U8, DPO_OWNER_ORIGINAL,
						   DPO_OWNER_BOTH),
};

static const struct nla_policy owner_set_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_OWNER]		= NLA_POLICY_RANGE(NLA_U8, DPO_OWNER_ORIGINAL,
						   DPO_OWNER_MAX),
	[DPO_A_CANARY_PCT]	= NLA_POLICY_RANGE(NLA_U8, 1, 99),
};

static const struct nla_policy conn_get_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_PID]		= DPO_POLICY_PID,
};

/* Not const: 6.1 points at it without const. */
static struct netlink_range_validation drain_deadline_range = {
	.min = 1,
	.max = DPO_DRAIN_DEADLINE_MS_MAX,
};

static const struct nla_policy drain_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_ROLE]		= NLA_POLICY_RANGE(NLA_U8, DPO_ROLE_ORIGINAL,
						   DPO_ROLE_MAX),
	[DPO_A_DEADLINE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&drain_deadline_range),
};

/*
 * Missing attributes are reported by type (for tools) and in words. The
 * local is not named __info: GENL_REQ_ATTR_CHECK() declares that one.
 */
#define dpo_attr_missing(info, attr, what) ({				\
	struct genl_info *__dpo_info = (info);				\
	bool __missing = GENL_REQ_ATTR_CHECK(__dpo_info, attr);		\
									\
	if (__missing)							\
		NL_SET_ERR_MSG(__dpo_info->extack,			\
			       "missing attribute: " what);		\
	__missing;							\
})

static size_t instance_msg_size(void)
{
	return nla_total_size(DPO_SESSION_NAME_MAX) +	/* SESSION_NAME */
	       nla_total_size(sizeof(u32)) +		/* PID */
	       nla_total_size(sizeof(u8)) +		/* ROLE */
	       nla_total_size_64bit(sizeof(u64)) +	/* START_TIME_NS */
	       nla_total_size(sizeof(u32)) +		/* EXIT_CODE */
	       nla_total_size(0) +			/* STATS */
	       9 * nla_total_size_64bit(sizeof(u64)) +	/* STATS_A_* u64 */
	       nla_total_size(sizeof(u32)) +		/* STATS_A_THREADS */
	       12 * nla_total_size_64bit(sizeof(u64)) +	/* traffic */
	       nla_total_size(0) +			/* LAT_HIST */
	       DPO_LAT_BUCKETS * nla_total_size_64bit(sizeof(u64));
}

static size_t drain_msg_size(void)
{
	return nla_total_size(DPO_SESSION_NAME_MAX) +	/* SESSION_NAME */
	       nla_total_size(sizeof(u8)) +		/* ROLE */
	       6 * nla_total_size(sizeof(u32)) +	/* DEADLINE, counts */
	       nla_total_size_64bit(sizeof(u64)) +	/* ELAPSED_NS */
	       nla_total_size(0);			/* CANCELLED */
}

static size_t session_msg_size(void)
{
	return nla_total_size(DPO_SESSION_NAME_MAX) +	/* SESSION_NAME */
	       nla_total_size(sizeof(u32)) +		/* INTERVAL_MS */
	       nla_total_size(sizeof(u32)) +		/* INSTANCES */
	       nla_total_size(sizeof(u8)) +		/* OWNER */
	       nla_total_size(sizeof(u8)) +		/* CANARY_PCT */
	       nla_total_size_64bit(sizeof(u64));	/* SWITCH_TIME_NS */
}

static size_t listener_msg_size(void)
{
	return nla_total_size(sizeof(u32)) +		/* LISTENER_ID */
	       nla_total_size(DPO_SESSION_NAME_MAX) +	/* SESSION_NAME */
	       nla_total_size(sizeof(u16)) +		/* FAMILY */
	       nla_total_size(16) +			/* ADDR */
	       nla_total_size(sizeof(u16)) +		/* PORT */
	       3 * nla_total_size_64bit(sizeof(u64));	/* ACCEPTED_* */
}

static int put_u64s(struct sk_buff *skb, const int *types, const u64 *vals,
		    int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(skb, types[i], vals[i], DPO_STATS_A_PAD))
			return -EMSGSIZE;
	return 0;
}

/* Non-empty buckets only: attribute type B + 1 is bucket B. */
static int put_lat_hist(struct sk_buff *skb, const u64 *hist)
{
	struct nlattr *nest = nla_nest_start(skb, DPO_STATS_A_LAT_HIST);
	int b;

	if (!nest)
		return -EMSGSIZE;
	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		if (hist[b] && nla_put_u64_64bit(skb, b + 1, hist[b], 0)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_traffic(struct sk_buff *skb, const struct dpo_traffic_sample *tr)
{
	static const int total_types[] = {
		DPO_STATS_A_CONNS_ACCEPTED, DPO_STATS_A_CONNS_ACTIVE,
		DPO_STATS_A_REQUESTS, DPO_STATS_A_BYTES_IN,
		DPO_STATS_A_BYTES_OUT,
	};
	static const int rate_types[] = {
		DPO_STATS_A_ACCEPTED_PER_S, DPO_STATS_A_REQUESTS_PER_S,
		DPO_STATS_A_BYTES_IN_PER_S, DPO_STATS_A_BYTES_OUT_PER_S,
	};
	static const int lat_types[] = {
		DPO_STATS_A_LAT_P50_US, DPO_STATS_A_LAT_P99_US,
		DPO_STATS_A_LAT_MEAN_US,
	};
	const u64 totals[] = {
		tr->accepted, tr->active, tr->requests, tr->bytes_in,
		tr->bytes_out,
	};
	const u64 rates[] = {
		tr->accepted_per_s, tr->requests_per_s, tr->bytes_in_per_s,
		tr->bytes_out_per_s,
	};
	const u64 lat[] = { tr->lat_p50_us, tr->lat_p99_us, tr->lat_mean_us };

	if (!tr->valid)
		return 0;
	if (put_u64s(skb, total_types, totals, ARRAY_SIZE(totals)))
		return -EMSGSIZE;
	if (!tr->have_interval)
		return 0;
	if (put_u64s(skb, rate_types, rates, ARRAY_SIZE(rates)) ||
	    put_lat_hist(skb, tr->lat_hist))
		return -EMSGSIZE;
	if (tr->interval_requests &&
	    put_u64s(skb, lat_types, lat, ARRAY_SIZE(lat)))
		return -EMSGSIZE;
	return 0;
}

static int put_stats(struct sk_buff *skb, const struct dpo_stats *st,
		     const struct dpo_traffic_sample *tr)
{
	struct nlattr *nest = nla_nest_start(skb, DPO_A_STATS);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, DPO_STATS_A_TIMESTAMP_NS, st->timestamp_ns,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_SEQ, st->seq,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_CPU_NS, st->cpu_ns,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_RUN_DELAY_NS, st->run_delay_ns,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_NVCSW, st->nvcsw,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_NIVCSW, st->nivcsw,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_MIN_FLT, st->min_flt,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_MAJ_FLT, st->maj_flt,
			      DPO_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_STATS_A_RSS_BYTES, st->rss_bytes,
			      DPO_STATS_A_PAD) ||
	    nla_put_u32(skb, DPO_STATS_A_THREADS, st->threads) ||
	    put_traffic(skb, tr)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int fill_instance(struct sk_buff *skb, const struct dpo_instance *inst,
			 u32 portid, u32 seq, int flags, u8 cmd,
			 struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_family, flags, cmd);
	/* Replies: the caller's pid namespace; notifications: the initial. */
	pid_t nr = cmd == DPO_CMD_INSTANCE_GET ? pid_vnr(inst->pid) :
						 pid_nr(inst->pid);

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, DPO_A_SESSION_NAME, inst->session->name) ||
	    nla_put_u32(skb, DPO_A_PID, nr) ||
	    nla_put_u8(skb, DPO_A_ROLE, inst->role) ||
	    nla_put_u64_64bit(skb, DPO_A_START_TIME_NS, inst->start_time_ns,
			      DPO_A_PAD) ||
	    put_stats(skb, &inst->last, &inst->traffic_last) ||
	    (cmd == DPO_CMD_INSTANCE_EXIT_NTF &&
	     nla_put_u32(skb, DPO_A_EXIT_CODE, inst->exit_code))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_session(struct sk_buff *skb, const struct dpo_session *s,
			u32 portid, u32 seq, int flags, u8 cmd,
			struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, DPO_A_SESSION_NAME, s->name) ||
	    nla_put_u32(skb, DPO_A_INTERVAL_MS, s->interval_ms) ||
	    nla_put_u32(skb, DPO_A_INSTANCES, s->ninstances) ||
	    nla_put_u8(skb, DPO_A_OWNER, s->owner) ||
	    nla_put_u8(skb, DPO_A_CANARY_PCT, s->canary_pct) ||
	    nla_put_u64_64bit(skb, DPO_A_SWITCH_TIME_NS, s->switch_time_ns,
			      DPO_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_listener(struct sk_buff *skb, const struct dpo_listener *l,
			 u32 portid, u32 seq, int flags, u8 cmd,
			 struct netlink_callback *cb)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_family, flags, cmd);
	u16 family, port;
	u8 addr[16];

	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	dpo_listener_addr(l, &family, addr, &port);
	if (nla_put_u32(skb, DPO_A_LISTENER_ID, l->id) ||
	    nla_put_string(skb, DPO_A_SESSION_NAME, l->session->name) ||
	    nla_put_u16(skb, DPO_A_FAMILY, family) ||
	    nla_put(skb, DPO_A_ADDR, family == AF_INET ? 4 : 16, addr) ||
	    nla_put_u16(skb, DPO_A_PORT, port) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPTED_ORIGINAL,
			      atomic64_read(&l->accepted[DPO_ROLE_ORIGINAL]),
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPTED_PATCHED,
			      atomic64_read(&l->accepted[DPO_ROLE_PATCHED]),
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPTED_OTHER,
			      atomic64_read(&l->accepted[DPO_ROLE_UNSPEC]),
			      DPO_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int put_addr(struct sk_buff *skb, int type, u16 family, const u8 *addr)
{
	return nla_put(skb, type, family == AF_INET ? 4 : 16, addr);
}

struct conn_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const char *session;
};

static int fill_conn(const struct dpo_conn_info *ci, void *arg)
{
	struct conn_dump *d = arg;
	struct sk_buff *skb = d->skb;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(d->cb->skb).portid,
			  d->cb->nlh->nlmsg_seq, &dpo_family, NLM_F_MULTI,
			  DPO_CMD_CONN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DPO_A_SESSION_NAME, d->session) ||
	    nla_put_u32(skb, DPO_A_PID, pid_vnr(ci->pid)) ||
	    nla_put_u8(skb, DPO_A_ROLE, ci->role) ||
	    nla_put_u16(skb, DPO_A_FAMILY, ci->family) ||
	    put_addr(skb, DPO_A_ADDR, ci->family, ci->addr) ||
	    nla_put_u16(skb, DPO_A_PORT, ci->port) ||
	    put_addr(skb, DPO_A_PEER_ADDR, ci->family, ci->peer_addr) ||
	    nla_put_u16(skb, DPO_A_PEER_PORT, ci->peer_port) ||
	    nla_put_u8(skb, DPO_A_CONN_STATE, ci->state) ||
	    nla_put_u64_64bit(skb, DPO_A_ACCEPT_TIME_NS, ci->accept_ns,
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_LAST_ACTIVITY_NS,
			      ci->last_activity_ns, DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_BYTES_IN, ci->bytes_in, DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_BYTES_OUT, ci->bytes_out,
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(skb, DPO_A_REQUESTS, ci->requests, DPO_A_PAD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int fill_drain(struct sk_buff *skb, const struct dpo_drain_info *di,
		      u32 portid, u32 seq, u8 cmd)
{
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_family, 0, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DPO_A_SESSION_NAME, di->session) ||
	    nla_put_u8(skb, DPO_A_ROLE, di->role) ||
	    nla_put_u32(skb, DPO_A_DEADLINE_MS, di->deadline_ms) ||
	    nla_put_u32(skb, DPO_A_DRAIN_REMAINING, di->remaining) ||
	    nla_put_u32(skb, DPO_A_DRAIN_CLOSED_IDLE, di->closed_idle) ||
	    nla_put_u32(skb, DPO_A_DRAIN_CLOSED_BUSY, di->closed_busy) ||
	    nla_put_u32(skb, DPO_A_DRAIN_RESET, di->reset) ||
	    nla_put_u32(skb, DPO_A_DRAIN_GONE, di->gone) ||
	    nla_put_u64_64bit(skb, DPO_A_DRAIN_ELAPSED_NS, di->elapsed_ns,
			      DPO_A_PAD) ||
	    (di->cancelled && nla_put_flag(skb, DPO_A_DRAIN_CANCELLED))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static void multicast(struct sk_buff *skb, enum dpo_mcgrp_index group)
{
	genlmsg_multicast(&dpo_family, skb, 0, group, GFP_KERNEL);
}

void dpo_nl_notify_instance(const struct dpo_instance *inst, u8 cmd)
{
	enum dpo_mcgrp_index group = cmd == DPO_CMD_SAMPLE_NTF ?
		DPO_MCGRP_SAMPLES_IDX : DPO_MCGRP_EVENTS_IDX;
	struct sk_buff *skb;

	if (!genl_has_listeners(&dpo_family, &init_net, group))
		return;
	skb = genlmsg_new(instance_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	if (fill_instance(skb, inst, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	multicast(skb, group);
}

void dpo_nl_notify_session(const struct dpo_session *s, u8 cmd)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&dpo_family, &init_net, DPO_MCGRP_EVENTS_IDX))
		return;
	skb = genlmsg_new(session_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	if (fill_session(skb, s, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	multicast(skb, DPO_MCGRP_EVENTS_IDX);
}

void dpo_nl_notify_drain(const struct dpo_drain_info *di, u8 cmd)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&dpo_family, &init_net, DPO_MCGRP_EVENTS_IDX))
		return;
	skb = genlmsg_new(drain_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	if (fill_drain(skb, di, 0, 0, cmd)) {
		nlmsg_free(skb);
		return;
	}
	multicast(skb, DPO_MCGRP_EVENTS_IDX);
}

static void notify_listener(const struct dpo_listener *l, u8 cmd)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&dpo_family, &init_net, DPO_MCGRP_EVENTS_IDX))
		return;
	skb = genlmsg_new(listener_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	if (fill_listener(skb, l, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	multicast(skb, DPO_MCGRP_EVENTS_IDX);
}

/* Send the reply built in @msg, or drop it and return the error. */
static int reply_or_free(struct sk_buff *msg, struct genl_info *info, int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int status_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &dpo_family, 0, DPO_CMD_STATUS_GET);
	if (!hdr ||
	    nla_put_string(msg, DPO_A_VERSION, DPO_VERSION) ||
	    nla_put_u32(msg, DPO_A_SESSIONS, dpo_session_objects()) ||
	    nla_put_u32(msg, DPO_A_INSTANCES, dpo_instance_objects()) ||
	    nla_put_u64_64bit(msg, DPO_A_SAMPLES, dpo_samples_total(),
			      DPO_A_PAD) ||
	    nla_put_u64_64bit(msg, DPO_A_SAMPLE_TIME_NS,
			      dpo_sample_time_total_ns(), DPO_A_PAD) ||
	    nla_put_u32(msg, DPO_A_LISTENERS, dpo_listener_count())) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* The session named in the request, or NULL with the error reported. */
static struct dpo_session *session_from_info(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DPO_A_SESSION_NAME];
	struct dpo_session *s;

	if (!nla_len(attr) || !*(char *)nla_data(attr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "session name is empty");
		return ERR_PTR(-EINVAL);
	}
	s = dpo_session_find(nla_data(attr));
	if (!s || !dpo_session_visible(s)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such session");
		return ERR_PTR(-ENOENT);
	}
	return s;
}

static int session_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DPO_A_SESSION_NAME];
	u32 interval_ms = DPO_INTERVAL_MS_DEFAULT;
	struct dpo_session *s;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;
	if (!*(char *)nla_data(attr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "session name is empty");
		return -EINVAL;
	}
	if (info->attrs[DPO_A_INTERVAL_MS])
		interval_ms = nla_get_u32(info->attrs[DPO_A_INTERVAL_MS]);

	mutex_lock(&dpo_objects_lock);
	err = dpo_session_new(nla_data(attr), interval_ms, info->extack, &s);
	if (err)
		NL_SET_BAD_ATTR(info->extack, attr);
	else
		dpo_nl_notify_session(s, DPO_CMD_SESSION_NEW);
	mutex_unlock(&dpo_objects_lock);
	return err;
}

static int session_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_session *s;
	u32 interval_ms;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_INTERVAL_MS, "interval"))
		return -EINVAL;
	interval_ms = nla_get_u32(info->attrs[DPO_A_INTERVAL_MS]);

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		dpo_session_set_interval(s, interval_ms);
	mutex_unlock(&dpo_objects_lock);
	return err;
}

static int session_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_instance *inst;
	struct dpo_listener *l;
	struct dpo_session *s;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s)) {
		err = PTR_ERR(s);
	} else {
		list_for_each_entry(l, &s->listeners, node)
			notify_listener(l, DPO_CMD_LISTENER_DEL);
		list_for_each_entry(inst, &s->instances, node)
			dpo_nl_notify_instance(inst, DPO_CMD_INSTANCE_DEL);
		dpo_nl_notify_session(s, DPO_CMD_SESSION_DEL);
		dpo_session_del(s);
	}
	mutex_unlock(&dpo_objects_lock);
	/* Documented: the module can go once the sessions are gone. */
	dpo_listener_wait_released();
	return err;
}

static int session_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_session *s;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;
	msg = genlmsg_new(session_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		err = fill_session(msg, s, info->snd_portid, info->snd_seq, 0,
				   DPO_CMD_SESSION_GET, NULL);
	mutex_unlock(&dpo_objects_lock);

	return reply_or_free(msg, info, err);
}

static int session_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct dpo_session *s;

	mutex_lock(&dpo_objects_lock);
	cb->seq = dpo_generation;
	list_for_each_entry(s, &dpo_sessions, node) {
		if (!dpo_session_visible(s))
			continue;
		if (idx < start) {
			idx++;
			continue;
		}
		if (fill_session(skb, s, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI,
				 DPO_CMD_SESSION_GET, cb))
			break;
		idx++;
	}
	mutex_unlock(&dpo_objects_lock);
	cb->args[0] = idx;
	return skb->len;
}

static int instance_add(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_instance *inst;
	struct dpo_session *s;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_PID, "pid") ||
	    dpo_attr_missing(info, DPO_A_ROLE, "role"))
		return -EINVAL;

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s)) {
		err = PTR_ERR(s);
		goto out;
	}
	err = dpo_instance_add(s, nla_get_u32(info->attrs[DPO_A_PID]),
			       nla_get_u8(info->attrs[DPO_A_ROLE]),
			       info->extack, &inst);
	if (err) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[DPO_A_PID]);
		goto out;
	}
	dpo_nl_notify_instance(inst, DPO_CMD_INSTANCE_ADD);
	dpo_nl_notify_instance(inst, DPO_CMD_SAMPLE_NTF);
out:
	mutex_unlock(&dpo_objects_lock);
	return err;
}

/* The tracked instance named by DPO_A_PID, or NULL with the error set. */
static struct dpo_instance *instance_from_info(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DPO_A_PID];
	struct dpo_instance *inst = NULL;
	struct pid *pid;

	pid = find_get_pid(nla_get_u32(attr));
	if (pid) {
		inst = dpo_instance_find(pid);
		put_pid(pid);
	}
	if (inst && !dpo_session_visible(inst->session))
		inst = NULL;
	if (!inst)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "process not tracked");
	return inst;
}

static int instance_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_instance *inst;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_PID, "pid"))
		return -EINVAL;

	mutex_lock(&dpo_objects_lock);
	inst = instance_from_info(info);
	if (inst) {
		struct dpo_session *s = inst->session;
		enum dpo_role role = inst->role;

		dpo_nl_notify_instance(inst, DPO_CMD_INSTANCE_DEL);
		dpo_instance_del(inst);
		dpo_session_instance_gone(s, role);
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&dpo_objects_lock);
	return err;
}

static int instance_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_instance *inst;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_PID, "pid"))
		return -EINVAL;
	msg = genlmsg_new(instance_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	inst = instance_from_info(info);
	if (inst)
		err = fill_instance(msg, inst, info->snd_portid, info->snd_seq,
				    0, DPO_CMD_INSTANCE_GET, NULL);
	else
		err = -ENOENT;
	mutex_unlock(&dpo_objects_lock);

	return reply_or_free(msg, info, err);
}

static int instance_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct dpo_instance *inst;
	struct dpo_session *s;

	mutex_lock(&dpo_objects_lock);
	cb->seq = dpo_generation;
	list_for_each_entry(s, &dpo_sessions, node) {
		if (!dpo_session_visible(s))
			continue;
		list_for_each_entry(inst, &s->instances, node) {
			if (idx < start) {
				idx++;
				continue;
			}
			if (fill_instance(skb, inst,
					  NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI,
					  DPO_CMD_INSTANCE_GET, cb))
				goto out;
			idx++;
		}
	}
out:
	mutex_unlock(&dpo_objects_lock);
	cb->args[0] = idx;
	return skb->len;
}

static int listener_add(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_listener *l;
	struct dpo_session *s;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_FD, "fd"))
		return -EINVAL;
	msg = genlmsg_new(listener_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s)) {
		err = PTR_ERR(s);
		goto out;
	}
	err = dpo_listener_add(s, nla_get_u32(info->attrs[DPO_A_FD]),
			       info->extack, &l);
	if (err) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[DPO_A_FD]);
		goto out;
	}
	err = fill_listener(msg, l, info->snd_portid, info->snd_seq, 0,
			    DPO_CMD_LISTENER_ADD, NULL);
	if (!err)
		err = genlmsg_reply(msg, info);
	else
		nlmsg_free(msg);
	msg = NULL;
	/* Who sees an error must find the socket as it was. */
	if (err)
		dpo_listener_del(l);
	else
		notify_listener(l, DPO_CMD_LISTENER_ADD);
out:
	mutex_unlock(&dpo_objects_lock);
	if (msg)
		nlmsg_free(msg);
	return err;
}

/* The listener named by DPO_A_LISTENER_ID, or NULL with the error set. */
static struct dpo_listener *listener_from_info(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DPO_A_LISTENER_ID];
	struct dpo_listener *l = dpo_listener_find_id(nla_get_u32(attr));

	if (l && !dpo_session_visible(l->session))
		l = NULL;
	if (!l)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such listener");
	return l;
}

static int listener_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_listener *l;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_LISTENER_ID, "listener id"))
		return -EINVAL;

	mutex_lock(&dpo_objects_lock);
	l = listener_from_info(info);
	if (l) {
		notify_listener(l, DPO_CMD_LISTENER_DEL);
		dpo_listener_del(l);
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&dpo_objects_lock);
	return err;
}

static int listener_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_listener *l;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_LISTENER_ID, "listener id"))
		return -EINVAL;
	msg = genlmsg_new(listener_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	l = listener_from_info(info);
	if (l)
		err = fill_listener(msg, l, info->snd_portid, info->snd_seq, 0,
				    DPO_CMD_LISTENER_GET, NULL);
	else
		err = -ENOENT;
	mutex_unlock(&dpo_objects_lock);

	return reply_or_free(msg, info, err);
}

static int listener_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct dpo_listener *l;
	struct dpo_session *s;

	mutex_lock(&dpo_objects_lock);
	cb->seq = dpo_generation;
	list_for_each_entry(s, &dpo_sessions, node) {
		if (!dpo_session_visible(s))
			continue;
		list_for_each_entry(l, &s->listeners, node) {
			if (idx < start) {
				idx++;
				continue;
			}
			if (fill_listener(skb, l, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI,
					  DPO_CMD_LISTENER_GET, cb))
				goto out;
			idx++;
		}
	}
out:
	mutex_unlock(&dpo_objects_lock);
	cb->args[0] = idx;
	return skb->len;
}

static int owner_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *pct = info->attrs[DPO_A_CANARY_PCT];
	struct dpo_session *s;
	int err = 0;
	u8 owner;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_OWNER, "owner"))
		return -EINVAL;
	owner = nla_get_u8(info->attrs[DPO_A_OWNER]);
	if (owner == DPO_OWNER_CANARY &&
	    dpo_attr_missing(info, DPO_A_CANARY_PCT, "canary percentage"))
		return -EINVAL;
	if (owner != DPO_OWNER_CANARY && pct) {
		NL_SET_ERR_MSG_ATTR(info->extack, pct,
				    "a percentage is only for canary ownership");
		return -EINVAL;
	}

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		dpo_session_set_owner(s, owner, pct ? nla_get_u8(pct) : 0);
	mutex_unlock(&dpo_objects_lock);
	/* Documented: once acked, every connection goes to the new owner. */
	if (!err)
		dpo_listeners_switched();
	return err;
}

static int session_claim(struct sk_buff *skb, struct genl_info *info)
{
	u8 owner = DPO_OWNER_ORIGINAL;
	struct dpo_session *s;
	int err = 0;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name"))
		return -EINVAL;
	if (info->attrs[DPO_A_OWNER])
		owner = nla_get_u8(info->attrs[DPO_A_OWNER]);

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		err = dpo_session_claim(s, info->snd_portid, owner,
					info->extack);
	mutex_unlock(&dpo_objects_lock);
	return err;
}

/*
 * cb->args: [0] the session to resume in (by position), [1] the position
 * in its connection list.
 */
static int conn_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = dpo_dump_attrs(cb);
	struct nlattr *name = attrs[DPO_A_SESSION_NAME];
	struct pid *pid = NULL;
	struct dpo_session *s;
	struct conn_dump d = { .skb = skb, .cb = cb };
	unsigned long idx = 0, pos;
	int err = 0;

	if (attrs[DPO_A_PID]) {
		pid = find_get_pid(nla_get_u32(attrs[DPO_A_PID]));
		if (!pid)
			return skb->len;	/* nobody: an empty list */
	}
	mutex_lock(&dpo_objects_lock);
	list_for_each_entry(s, &dpo_sessions, node) {
		if (idx++ < cb->args[0])
			continue;
		if ((name && strcmp(s->name, nla_data(name))) ||
		    !dpo_session_visible(s))
			goto next;
		d.session = s->name;
		pos = cb->args[1];
		err = dpo_conn_walk(s, pid, &pos, fill_conn, &d);
		cb->args[1] = pos;
		if (err)
			break;
next:
		cb->args[0] = idx;
		cb->args[1] = 0;
	}
	mutex_unlock(&dpo_objects_lock);
	put_pid(pid);
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int drain(struct sk_buff *skb, struct genl_info *info)
{
	u32 deadline_ms = DPO_DRAIN_DEADLINE_MS_DEFAULT;
	struct dpo_drain_info di;
	struct dpo_session *s;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_ROLE, "role"))
		return -EINVAL;
	if (info->attrs[DPO_A_DEADLINE_MS])
		deadline_ms = nla_get_u32(info->attrs[DPO_A_DEADLINE_MS]);
	msg = genlmsg_new(drain_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dpo_objects_lock);
	s = session_from_info(info);
	if (IS_ERR(s))
		err = PTR_ERR(s);
	else
		err = dpo_drain_start(s, nla_get_u8(info->attrs[DPO_A_ROLE]),
				      deadline_ms, info->extack, &di);
	if (!err)
		err = fill_drain(msg, &di, info->snd_portid, info->snd_seq,
				 DPO_CMD_DRAIN);
	mutex_unlock(&dpo_objects_lock);

	return reply_or_free(msg, info, err);
}

/*
 * A claiming controller's socket is released: apply the fail-safe. Called
 * for every netlink socket released on the host, so it takes no sleeping
 * lock: a session's lock holder must never hold up the host's sockets.
 */
static int controller_notify(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net) || !n->portid)
		return NOTIFY_DONE;
	dpo_sessions_portid_released(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block controller_notifier = {
	.notifier_call = controller_notify,
};

static const struct genl_ops dpo_ops[] = {
	{
		/* No policy: any attribute is refused. Open to all users. */
		.cmd = DPO_CMD_STATUS_GET,
		.doit = status_get,
	}, {
		.cmd = DPO_CMD_SESSION_NEW,
		.doit = session_new,
		.policy = session_interval_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_SET,
		.doit = session_set,
		.policy = session_interval_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_DEL,
		.doit = session_del,
		.policy = session_name_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_GET,
		.doit = session_get,
		.dumpit = session_dump,
		.policy = session_name_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_INSTANCE_ADD,
		.doit = instance_add,
		.policy = instance_add_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_INSTANCE_DEL,
		.doit = instance_del,
		.policy = instance_pid_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_INSTANCE_GET,
		.doit = instance_get,
		.dumpit = instance_dump,
		.policy = instance_pid_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_LISTENER_ADD,
		.doit = listener_add,
		.policy = listener_add_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_LISTENER_DEL,
		.doit = listener_del,
		.policy = listener_id_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_LISTENER_GET,
		.doit = listener_get,
		.dumpit = listener_dump,
		.policy = listener_id_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_OWNER_SET,
		.doit = owner_set,
		.policy = owner_set_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_CLAIM,
		.doit = session_claim,
		.policy = session_claim_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_CONN_GET,
		.dumpit = conn_dump,
		.policy = conn_get_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_DRAIN,
		.doit = drain,
		.policy = drain_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family dpo_family __ro_after_init = {
	.name = DPO_GENL_NAME,
	.version = DPO_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = dpo_ops,
	.n_ops = ARRAY_SIZE(dpo_ops),
	.mcgrps = dpo_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dpo_mcgrps),
	/* Strict validation of every command, reserved header fields too. */
	.resv_start_op = 0,
	/*
	 * Not under genl_mutex: dpo_objects_lock serialises what needs it, and a
	 * command that waits (OWNER_SET for an accept in flight) must not
	 * hold up the other generic netlink families of the host.
	 */
	.parallel_ops = true,
	/* Pids and sockets are named in the initial namespaces only. */
	.netnsok = false,
};

int __init dpo_nl_init(void)
{
	int err = netlink_register_notifier(&controller_notifier);

	if (err)
		return err;
	err = genl_register_family(&dpo_family);
	if (err)
		netlink_unregister_notifier(&controller_notifier);
	return err;
}

void dpo_nl_exit(void)
{
	genl_unregister_family(&dpo_family);
	netlink_unregister_notifier(&controller_notifier);
}
