// SPDX-License-Identifier: GPL-2.0
/* The module's replies and notifications decoded into model structs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/genl/genl.h>
#include <linux/genetlink.h>

#include "decode.h"
#include "policy.h"

_Static_assert(DPO_STATS_A_MAX < 64, "struct dpoctl_stats.present is 64 bits");

static const struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]	= { .type = NLA_U16 },
	[CTRL_ATTR_FAMILY_NAME]	= { .type = NLA_STRING },
	[CTRL_ATTR_VERSION]	= { .type = NLA_U32 },
};

static int parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (genlmsg_parse(nlh, 0, tb, DPO_A_MAX, dpoctl_policy()) < 0)
		return -EPROTO;
	return 0;
}

static void get_str(char *dst, size_t size, const struct nlattr *nla)
{
	if (nla)
		snprintf(dst, size, "%s", (const char *)nla_data(nla));
}

static uint32_t get_u32(const struct nlattr *nla)
{
	return nla ? nla_get_u32(nla) : 0;
}

static uint64_t get_u64(const struct nlattr *nla)
{
	return nla ? nla_get_u64(nla) : 0;
}

int dpoctl_decode_cmd(struct nlmsghdr *nlh)
{
	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	return genlmsg_hdr(nlh)->cmd;
}

int dpoctl_decode_status(struct nlmsghdr *nlh, struct dpoctl_status *st)
{
	struct nlattr *tb[DPO_A_MAX + 1];

	memset(st, 0, sizeof(*st));
	if (parse(nlh, tb) || !tb[DPO_A_VERSION])
		return -EPROTO;
	get_str(st->version, sizeof(st->version), tb[DPO_A_VERSION]);
	st->sessions = get_u32(tb[DPO_A_SESSIONS]);
	st->instances = get_u32(tb[DPO_A_INSTANCES]);
	st->samples = get_u64(tb[DPO_A_SAMPLES]);
	st->sample_time_ns = get_u64(tb[DPO_A_SAMPLE_TIME_NS]);
	st->has_listeners = tb[DPO_A_LISTENERS] != NULL;
	st->listeners = get_u32(tb[DPO_A_LISTENERS]);
	return 0;
}

int dpoctl_decode_session(struct nlmsghdr *nlh, struct dpoctl_session *s)
{
	struct nlattr *tb[DPO_A_MAX + 1];

	memset(s, 0, sizeof(*s));
	if (parse(nlh, tb) || !tb[DPO_A_SESSION_NAME])
		return -EPROTO;
	get_str(s->name, sizeof(s->name), tb[DPO_A_SESSION_NAME]);
	s->interval_ms = get_u32(tb[DPO_A_INTERVAL_MS]);
	s->instances = get_u32(tb[DPO_A_INSTANCES]);
	if (tb[DPO_A_OWNER])
		s->owner = nla_get_u8(tb[DPO_A_OWNER]);
	if (tb[DPO_A_CANARY_PCT])
		s->canary_pct = nla_get_u8(tb[DPO_A_CANARY_PCT]);
	s->switch_time_ns = get_u64(tb[DPO_A_SWITCH_TIME_NS]);
	return 0;
}

/* An address attribute: it must be one of the family. */
static int get_addr(uint8_t dst[16], const struct nlattr *nla,
		    uint16_t family)
{
	int alen;

	if (!nla)
		return 0;
	alen = nla_len(nla);
	if ((family == AF_INET && alen != 4) ||
	    (family == AF_INET6 && alen != 16))
		return -EPROTO;
	memcpy(dst, nla_data(nla), (size_t)alen);
	return 0;
}

int dpoctl_decode_listener(struct nlmsghdr *nlh, struct dpoctl_listener *l)
{
	struct nlattr *tb[DPO_A_MAX + 1];

	memset(l, 0, sizeof(*l));
	if (parse(nlh, tb) || !tb[DPO_A_LISTENER_ID])
		return -EPROTO;
	l->id = get_u32(tb[DPO_A_LISTENER_ID]);
	get_str(l->session, sizeof(l->session), tb[DPO_A_SESSION_NAME]);
	if (tb[DPO_A_FAMILY])
		l->family = nla_get_u16(tb[DPO_A_FAMILY]);
	if (get_addr(l->addr, tb[DPO_A_ADDR], l->family))
		return -EPROTO;
	if (tb[DPO_A_PORT])
		l->port = nla_get_u16(tb[DPO_A_PORT]);
	l->accepted_original = get_u64(tb[DPO_A_ACCEPTED_ORIGINAL]);
	l->accepted_patched = get_u64(tb[DPO_A_ACCEPTED_PATCHED]);
	l->accepted_other = get_u64(tb[DPO_A_ACCEPTED_OTHER]);
	return 0;
}

int dpoctl_decode_conn(struct nlmsghdr *nlh, struct dpoctl_conn *c)
{
	struct nlattr *tb[DPO_A_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (parse(nlh, tb) || !tb[DPO_A_SESSION_NAME] || !tb[DPO_A_PID])
		return -EPROTO;
	get_str(c->session, sizeof(c->session), tb[DPO_A_SESSION_NAME]);
	c->pid = get_u32(tb[DPO_A_PID]);
	if (tb[DPO_A_ROLE])
		c->role = nla_get_u8(tb[DPO_A_ROLE]);
	if (tb[DPO_A_CONN_STATE])
		c->state = nla_get_u8(tb[DPO_A_CONN_STATE]);
	if (tb[DPO_A_FAMILY])
		c->family = nla_get_u16(tb[DPO_A_FAMILY]);
	if (get_addr(c->addr, tb[DPO_A_ADDR], c->family) ||
	    get_addr(c->peer_addr, tb[DPO_A_PEER_ADDR], c->family))
		return -EPROTO;
	if (tb[DPO_A_PORT])
		c->port = nla_get_u16(tb[DPO_A_PORT]);
	if (tb[DPO_A_PEER_PORT])
		c->peer_port = nla_get_u16(tb[DPO_A_PEER_PORT]);
	c->accept_time_ns = get_u64(tb[DPO_A_ACCEPT_TIME_NS]);
	c->last_activity_ns = get_u64(tb[DPO_A_LAST_ACTIVITY_NS]);
	c->bytes_in = get_u64(tb[DPO_A_BYTES_IN]);
	c->bytes_out = get_u64(tb[DPO_A_BYTES_OUT]);
	c->requests = get_u64(tb[DPO_A_REQUESTS]);
	return 0;
}

int dpoctl_decode_drain(struct nlmsghdr *nlh, struct dpoctl_drain *d)
{
	struct nlattr *tb[DPO_A_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (parse(nlh, tb) || !tb[DPO_A_SESSION_NAME])
		return -EPROTO;
	get_str(d->session, sizeof(d->session), tb[DPO_A_SESSION_NAME]);
	if (tb[DPO_A_ROLE])
		d->role = nla_get_u8(tb[DPO_A_ROLE]);
	d->deadline_ms = get_u32(tb[DPO_A_DEADLINE_MS]);
	d->remaining = get_u32(tb[DPO_A_DRAIN_REMAINING]);
	d->closed_idle = get_u32(tb[DPO_A_DRAIN_CLOSED_IDLE]);
	d->closed_busy = get_u32(tb[DPO_A_DRAIN_CLOSED_BUSY]);
	d->reset = get_u32(tb[DPO_A_DRAIN_RESET]);
	d->gone = get_u32(tb[DPO_A_DRAIN_GONE]);
	d->elapsed_ns = get_u64(tb[DPO_A_DRAIN_ELAPSED_NS]);
	d->cancelled = tb[DPO_A_DRAIN_CANCELLED] != NULL;
	if (tb[DPO_A_DRAIN_IDLE_MARK]) {
		int n = nla_len(tb[DPO_A_DRAIN_IDLE_MARK]);

		if (n < 1 || n > DPO_DRAIN_IDLE_MARK_MAX)
			return -EPROTO;
		memcpy(d->idle_mark, nla_data(tb[DPO_A_DRAIN_IDLE_MARK]), n);
		d->idle_mark_len = (uint8_t)n;
	}
	d->min_requests = get_u32(tb[DPO_A_MIN_REQUESTS]);
	return 0;
}

/*
 * LAT_HIST: one BUCKET nest {INDEX, COUNT} per non-empty bucket. A bucket
 * without both, with an index past DPO_LAT_BUCKETS, a count of 0 or an
 * index seen before is malformed; other attribute types (newer) are
 * skipped.
 */
static int parse_lat_hist(struct nlattr *nest, uint64_t *hist)
{
	uint64_t seen[(DPO_LAT_BUCKETS + 63) / 64] = { 0 };
	struct nlattr *tb[DPO_LAT_BUCKET_A_MAX + 1];
	struct nlattr *nla;
	uint32_t index;
	uint64_t count;
	int rem;

	nla_for_each_nested(nla, nest, rem) {
		if (nla_type(nla) != DPO_LAT_HIST_A_BUCKET)
			continue;
		if (nla_parse_nested(tb, DPO_LAT_BUCKET_A_MAX, nla,
				     dpoctl_lat_bucket_policy()) < 0 ||
		    !tb[DPO_LAT_BUCKET_A_INDEX] || !tb[DPO_LAT_BUCKET_A_COUNT])
			return -EPROTO;
		index = nla_get_u32(tb[DPO_LAT_BUCKET_A_INDEX]);
		count = nla_get_u64(tb[DPO_LAT_BUCKET_A_COUNT]);
		if (index >= DPO_LAT_BUCKETS || !count ||
		    seen[index / 64] & (1ULL << (index % 64)))
			return -EPROTO;
		seen[index / 64] |= 1ULL << (index % 64);
		hist[index] = count;
	}
	return 0;
}

/* The u64 traffic attributes and where they go. */
static uint64_t *traffic_field(struct dpoctl_stats *s, int attr)
{
	switch (attr) {
	case DPO_STATS_A_CONNS_ACCEPTED:	return &s->conns_accepted;
	case DPO_STATS_A_CONNS_ACTIVE:		return &s->conns_active;
	case DPO_STATS_A_REQUESTS:		return &s->requests;
	case DPO_STATS_A_BYTES_IN:		return &s->bytes_in;
	case DPO_STATS_A_BYTES_OUT:		return &s->bytes_out;
	case DPO_STATS_A_ACCEPTED_PER_S:	return &s->accepted_per_s;
	case DPO_STATS_A_REQUESTS_PER_S:	return &s->requests_per_s;
	case DPO_STATS_A_BYTES_IN_PER_S:	return &s->bytes_in_per_s;
	case DPO_STATS_A_BYTES_OUT_PER_S:	return &s->bytes_out_per_s;
	case DPO_STATS_A_LAT_P50_US:		return &s->lat_p50_us;
	case DPO_STATS_A_LAT_P99_US:		return &s->lat_p99_us;
	case DPO_STATS_A_LAT_MEAN_US:		return &s->lat_mean_us;
	}
	return NULL;
}

static int parse_stats(struct nlattr *nest, struct dpoctl_stats *s)
{
	struct nlattr *tb[DPO_STATS_A_MAX + 1];
	uint64_t *field;
	int i;

	if (nla_parse_nested(tb, DPO_STATS_A_MAX, nest,
			     dpoctl_stats_policy()) < 0)
		return -EPROTO;
	s->timestamp_ns = get_u64(tb[DPO_STATS_A_TIMESTAMP_NS]);
	s->seq = get_u64(tb[DPO_STATS_A_SEQ]);
	s->cpu_ns = get_u64(tb[DPO_STATS_A_CPU_NS]);
	s->run_delay_ns = get_u64(tb[DPO_STATS_A_RUN_DELAY_NS]);
	s->nvcsw = get_u64(tb[DPO_STATS_A_NVCSW]);
	s->nivcsw = get_u64(tb[DPO_STATS_A_NIVCSW]);
	s->min_flt = get_u64(tb[DPO_STATS_A_MIN_FLT]);
	s->maj_flt = get_u64(tb[DPO_STATS_A_MAJ_FLT]);
	s->rss_bytes = get_u64(tb[DPO_STATS_A_RSS_BYTES]);
	s->threads = get_u32(tb[DPO_STATS_A_THREADS]);
	for (i = 1; i <= DPO_STATS_A_MAX; i++) {
		if (!tb[i])
			continue;
		s->present |= DPOCTL_STAT_BIT(i);
		field = traffic_field(s, i);
		if (field)
			*field = nla_get_u64(tb[i]);
	}
	if (tb[DPO_STATS_A_LAT_HIST] &&
	    parse_lat_hist(tb[DPO_STATS_A_LAT_HIST], s->lat_hist))
		return -EPROTO;
	return 0;
}

int dpoctl_decode_instance(struct nlmsghdr *nlh, struct dpoctl_instance *in)
{
	struct nlattr *tb[DPO_A_MAX + 1];

	memset(in, 0, sizeof(*in));
	if (parse(nlh, tb) || !tb[DPO_A_PID])
		return -EPROTO;
	get_str(in->session, sizeof(in->session), tb[DPO_A_SESSION_NAME]);
	in->pid = get_u32(tb[DPO_A_PID]);
	if (tb[DPO_A_ROLE])
		in->role = nla_get_u8(tb[DPO_A_ROLE]);
	in->start_time_ns = get_u64(tb[DPO_A_START_TIME_NS]);
	if (tb[DPO_A_STATS]) {
		if (parse_stats(tb[DPO_A_STATS], &in->stats))
			return -EPROTO;
		in->has_stats = true;
	}
	if (tb[DPO_A_EXIT_CODE]) {
		in->exit_code = get_u32(tb[DPO_A_EXIT_CODE]);
		in->has_exit_code = true;
	}
	return 0;
}

/* CTRL_CMD_GETFAMILY reply of the genetlink controller */
int dpoctl_decode_family(struct nlmsghdr *nlh, struct dpoctl_family *f)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	memset(f, 0, sizeof(*f));
	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, ctrl_policy) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	get_str(f->name, sizeof(f->name), tb[CTRL_ATTR_FAMILY_NAME]);
	f->id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	f->version = get_u32(tb[CTRL_ATTR_VERSION]);
	return 0;
}

int dpoctl_decode_event(struct nlmsghdr *nlh, struct dpoctl_event *ev)
{
	int ret;

	memset(ev, 0, sizeof(*ev));
	ev->cmd = dpoctl_decode_cmd(nlh);
	switch (ev->cmd) {
	case DPO_CMD_SAMPLE_NTF:
	case DPO_CMD_INSTANCE_EXIT_NTF:
	case DPO_CMD_INSTANCE_ADD_NTF:
	case DPO_CMD_INSTANCE_DEL_NTF:
		ret = dpoctl_decode_instance(nlh, &ev->instance);
		break;
	case DPO_CMD_SESSION_NEW_NTF:
	case DPO_CMD_SESSION_DEL_NTF:
	case DPO_CMD_OWNER_SET_NTF:
	case DPO_CMD_CONTROLLER_LOST_NTF:
		ret = dpoctl_decode_session(nlh, &ev->session);
		break;
	case DPO_CMD_LISTENER_ADD_NTF:
	case DPO_CMD_LISTENER_DEL_NTF:
		ret = dpoctl_decode_listener(nlh, &ev->listener);
		break;
	case DPO_CMD_DRAIN_PROGRESS_NTF:
	case DPO_CMD_DRAIN_DONE_NTF:
		ret = dpoctl_decode_drain(nlh, &ev->drain);
		break;
	default:
		return -ENOENT;
	}
	ev->malformed = ret != 0;
	return ret;
}
