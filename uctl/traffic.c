// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <time.h>
#include <linux/dpo.h>

#include "parse.h"
#include "print.h"
#include "traffic.h"

uint64_t dpoctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A connection accepted during the dump may be younger than @now. */
static uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

/* Text: an age for people; JSON: the nanoseconds. */
static void duration(const char *key, const char *title, int width,
		     uint64_t ns)
{
	char t[32];

	dpoctl_duration_str(t, sizeof(t), ns);
	dpoctl_pr_str(NULL, title, width, t);
	dpoctl_pr_u64(key, NULL, 0, ns);
}

void dpoctl_print_conn(const struct dpoctl_conn *c, uint64_t now_ns)
{
	/* the kernel starts the activity at the accept; be safe with 0 */
	uint64_t last = c->last_activity_ns > c->accept_time_ns ?
		c->last_activity_ns : c->accept_time_ns;
	char addr[64];

	dpoctl_pr_row_begin();
	dpoctl_pr_str("session", NULL, 12, c->session);
	dpoctl_pr_u64("pid", NULL, 7, c->pid);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(c->role));
	dpoctl_pr_str("family", NULL, 0, dpoctl_family_name(c->family));
	dpoctl_addr_port_str(addr, sizeof(addr), c->family, c->addr, c->port);
	dpoctl_pr_str(NULL, "LOCAL", 23, addr);
	dpoctl_addr_str(addr, sizeof(addr), c->family, c->addr);
	dpoctl_pr_str("address", NULL, 0, addr);
	dpoctl_pr_u64("port", NULL, 0, c->port);
	dpoctl_addr_port_str(addr, sizeof(addr), c->family, c->peer_addr,
			  c->peer_port);
	dpoctl_pr_str(NULL, "PEER", 25, addr);
	dpoctl_addr_str(addr, sizeof(addr), c->family, c->peer_addr);
	dpoctl_pr_str("peer_address", NULL, 0, addr);
	dpoctl_pr_u64("peer_port", NULL, 0, c->peer_port);
	dpoctl_pr_str("state", NULL, 8, dpoctl_conn_state_name(c->state));
	duration("age_ns", "AGE", 6, since(now_ns, c->accept_time_ns));
	dpoctl_pr_u64("bytes_in", NULL, 12, c->bytes_in);
	dpoctl_pr_u64("bytes_out", NULL, 12, c->bytes_out);
	dpoctl_pr_u64("requests", NULL, 8, c->requests);
	duration("idle_ns", "IDLE", 6, since(now_ns, last));
	dpoctl_pr_u64("accept_time_ns", NULL, 0, c->accept_time_ns);
	dpoctl_pr_u64("last_activity_ns", NULL, 0, c->last_activity_ns);
	dpoctl_pr_row_end();
}

void dpoctl_print_drain(const char *event, const struct dpoctl_drain *d)
{
	char t[32];

	dpoctl_pr_row_begin();
	dpoctl_pr_str("event", NULL, 8, event);
	dpoctl_pr_str("session", NULL, 12, d->session);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(d->role));
	duration("elapsed_ns", "ELAPSED", 7, d->elapsed_ns);
	dpoctl_pr_u64("remaining", NULL, 9, d->remaining);
	dpoctl_pr_u64("closed_idle", NULL, 11, d->closed_idle);
	dpoctl_pr_u64("closed_busy", NULL, 11, d->closed_busy);
	dpoctl_pr_u64("reset", NULL, 5, d->reset);
	dpoctl_pr_u64("gone", NULL, 5, d->gone);
	dpoctl_duration_str(t, sizeof(t), (uint64_t)d->deadline_ms * 1000000);
	dpoctl_pr_str(NULL, "DEADLINE", 8, t);
	dpoctl_pr_u64("deadline_ms", NULL, 0, d->deadline_ms);
	dpoctl_pr_row_end();
}

/* A member of the sample, or null (older module, or the first sample). */
static void member(const struct dpoctl_instance *in, int attr, const char *key,
		 const char *title, int width, uint64_t v)
{
	if (in->has_stats && DPOCTL_STAT_HAS(&in->stats, attr))
		dpoctl_pr_u64(key, title, width, v);
	else
		dpoctl_pr_null(key, title, width);
}

/* Non-empty buckets, keyed by their lower bound in microseconds. */
static void lat_hist(const struct dpoctl_instance *in)
{
	const struct dpoctl_stats *s = &in->stats;
	char key[24];
	unsigned int b;

	/* an interval without requests has none, the first has no interval */
	if (!in->has_stats || !(DPOCTL_STAT_HAS(s, DPO_STATS_A_LAT_HIST) ||
				DPOCTL_STAT_HAS(s, DPO_STATS_A_REQUESTS_PER_S))) {
		dpoctl_pr_null("lat_hist", NULL, 0);
		return;
	}
	dpoctl_pr_nest_begin("lat_hist");
	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		if (!s->lat_hist[b])
			continue;
		snprintf(key, sizeof(key), "%llu",
			 (unsigned long long)dpoctl_lat_bucket_lo_us(b));
		dpoctl_pr_u64(key, NULL, 0, s->lat_hist[b]);
	}
	dpoctl_pr_nest_end();
}

void dpoctl_print_traffic(const struct dpoctl_instance *in, bool text)
{
	const struct dpoctl_stats *s = &in->stats;
	int t = text ? 1 : 0;	/* width 0: JSON only */

	member(in, DPO_STATS_A_CONNS_ACCEPTED, "conns_accepted", "CONNS", 7 * t,
	     s->conns_accepted);
	member(in, DPO_STATS_A_CONNS_ACTIVE, "conns_active", "ACTIVE", 6 * t,
	     s->conns_active);
	member(in, DPO_STATS_A_REQUESTS, "requests", NULL, 0, s->requests);
	member(in, DPO_STATS_A_BYTES_IN, "bytes_in", NULL, 0, s->bytes_in);
	member(in, DPO_STATS_A_BYTES_OUT, "bytes_out", NULL, 0, s->bytes_out);
	member(in, DPO_STATS_A_ACCEPTED_PER_S, "accepted_per_s", NULL, 0,
	     s->accepted_per_s);
	member(in, DPO_STATS_A_REQUESTS_PER_S, "requests_per_s", "REQ/S", 7 * t,
	     s->requests_per_s);
	member(in, DPO_STATS_A_BYTES_IN_PER_S, "bytes_in_per_s", "IN_B/S",
	     10 * t, s->bytes_in_per_s);
	member(in, DPO_STATS_A_BYTES_OUT_PER_S, "bytes_out_per_s", "OUT_B/S",
	     10 * t, s->bytes_out_per_s);
	member(in, DPO_STATS_A_LAT_P50_US, "lat_p50_us", "P50_US", 7 * t,
	     s->lat_p50_us);
	member(in, DPO_STATS_A_LAT_P99_US, "lat_p99_us", "P99_US", 7 * t,
	     s->lat_p99_us);
	member(in, DPO_STATS_A_LAT_MEAN_US, "lat_mean_us", "MEAN_US", 7 * t,
	     s->lat_mean_us);
	lat_hist(in);
}
