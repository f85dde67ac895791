// SPDX-License-Identifier: GPL-2.0
/* Netlink commands on instances (add, del, get) and their samples. */
#include <linux/pid.h>
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "instance.h"
#include "netlink.h"
#include "nl_ops.h"
#include "session.h"

/* One bucket of DPO_STATS_A_LAT_HIST: a nest of its index and count. */
#define LAT_BUCKET_SIZE	(nla_total_size(0) + nla_total_size(sizeof(u32)) + \
			 nla_total_size_64bit(sizeof(u64)))

/*
 * A message about an instance whose histogram has @buckets non-empty
 * buckets: with DPO_LAT_BUCKETS of them, about 13 KB. Notifications and
 * replies are sized for the sample they carry (a multicast skb counts
 * against every receiver's buffer), dumps for the worst case.
 */
static size_t instance_msg_size(unsigned int buckets)
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
	       buckets * LAT_BUCKET_SIZE;
}

static size_t inst_msg_size(const struct dpo_instance *inst)
{
	return instance_msg_size(inst->traffic_last.lat_buckets_used);
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

/* Non-empty buckets only, by increasing index. */
static int put_lat_hist(struct sk_buff *skb, const u64 *hist)
{
	struct nlattr *nest = nla_nest_start(skb, DPO_STATS_A_LAT_HIST);
	struct nlattr *bucket;
	u32 b;

	if (!nest)
		return -EMSGSIZE;
	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		if (!hist[b])
			continue;
		bucket = nla_nest_start(skb, DPO_LAT_HIST_A_BUCKET);
		if (!bucket ||
		    nla_put_u32(skb, DPO_LAT_BUCKET_A_INDEX, b) ||
		    nla_put_u64_64bit(skb, DPO_LAT_BUCKET_A_COUNT, hist[b],
				      DPO_LAT_BUCKET_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, bucket);
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
	void *hdr = genlmsg_put(skb, portid, seq, &dpo_nl_family, flags, cmd);
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

void dpo_nl_notify_instance(const struct dpo_instance *inst, u8 cmd)
{
	unsigned int group = cmd == DPO_CMD_SAMPLE_NTF ?
		DPO_NLGRP_SAMPLES : DPO_NLGRP_EVENTS;
	struct sk_buff *skb = dpo_nl_ntf_new(group, inst_msg_size(inst));

	if (skb)
		dpo_nl_ntf_send(skb, group,
				fill_instance(skb, inst, 0, 0, 0, cmd, NULL));
}

int dpo_nl_instance_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_instance *inst;
	struct dpo_session *s;
	int err;

	if (dpo_attr_missing(info, DPO_A_SESSION_NAME, "session name") ||
	    dpo_attr_missing(info, DPO_A_PID, "pid") ||
	    dpo_attr_missing(info, DPO_A_ROLE, "role"))
		return -EINVAL;

	mutex_lock(&dpo_objects_lock);
	s = dpo_nl_session_from_info(info);
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
	dpo_nl_notify_instance(inst, DPO_CMD_INSTANCE_ADD_NTF);
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

int dpo_nl_instance_del_doit(struct sk_buff *skb, struct genl_info *info)
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

		dpo_nl_notify_instance(inst, DPO_CMD_INSTANCE_DEL_NTF);
		dpo_instance_del(inst);
		dpo_session_instance_gone(s, role);
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&dpo_objects_lock);
	return err;
}

int dpo_nl_instance_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dpo_instance *inst;
	struct sk_buff *msg;
	int err;

	if (dpo_attr_missing(info, DPO_A_PID, "pid"))
		return -EINVAL;

	/* Sized for the sample it carries: allocated under the lock. */
	mutex_lock(&dpo_objects_lock);
	inst = instance_from_info(info);
	if (!inst) {
		mutex_unlock(&dpo_objects_lock);
		return -ENOENT;
	}
	msg = genlmsg_new(inst_msg_size(inst), GFP_KERNEL);
	err = msg ? fill_instance(msg, inst, info->snd_portid, info->snd_seq,
				  0, DPO_CMD_INSTANCE_GET, NULL) : -ENOMEM;
	mutex_unlock(&dpo_objects_lock);
	if (!msg)
		return err;

	return dpo_nl_reply_or_free(msg, info, err);
}

/* Every dump skb takes one instance with its fullest histogram. */
int dpo_nl_instance_get_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = nlmsg_total_size(GENL_HDRLEN +
					      instance_msg_size(DPO_LAT_BUCKETS));
	return 0;
}

int dpo_nl_instance_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	long idx = 0, start = cb->args[0];
	struct dpo_instance *inst;
	struct dpo_session *s;
	int err = 0;

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
			err = fill_instance(skb, inst,
					    NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    DPO_CMD_INSTANCE_GET, cb);
			if (err)
				goto out;
			idx++;
		}
	}
out:
	mutex_unlock(&dpo_objects_lock);
	cb->args[0] = idx;
	/* One that fits no skb ends the dump with an error, not silently. */
	return err && !skb->len ? err : skb->len;
}
