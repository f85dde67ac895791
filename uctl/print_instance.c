// SPDX-License-Identifier: GPL-2.0
/* The rows of instances: instance show, and the samples in monitor's. */
#include <stdio.h>
#include <linux/dpo.h>

#include "core/lat_hist.h"
#include "parse.h"
#include "print.h"
#include "printers.h"

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

static void stat(const struct dpoctl_instance *in, const char *key, int width,
		 uint64_t v)
{
	if (in->has_stats)
		dpoctl_pr_u64(key, NULL, width, v);
	else
		dpoctl_pr_null(key, NULL, width);
}

void dpoctl_print_stats(const struct dpoctl_instance *in, bool text)
{
	const struct dpoctl_stats *s = &in->stats;
	int t = text ? 1 : 0;	/* width 0: JSON only */

	dpoctl_pr_nest_begin("stats");
	stat(in, "threads", 7 * t, s->threads);
	stat(in, "cpu_ns", 14 * t, s->cpu_ns);
	stat(in, "run_delay_ns", 13 * t, s->run_delay_ns);
	stat(in, "nvcsw", 8 * t, s->nvcsw);
	stat(in, "nivcsw", 8 * t, s->nivcsw);
	stat(in, "min_flt", 8 * t, s->min_flt);
	stat(in, "maj_flt", 7 * t, s->maj_flt);
	stat(in, "rss_bytes", 11 * t, s->rss_bytes);
	stat(in, "seq", 6 * t, s->seq);
	stat(in, "timestamp_ns", 16 * t, s->timestamp_ns);
	dpoctl_print_traffic(in, text);
	dpoctl_pr_nest_end();
}

void dpoctl_print_instance(const struct dpoctl_instance *in)
{
	dpoctl_pr_row_begin();
	dpoctl_pr_str("session", NULL, 12, in->session);
	dpoctl_pr_u64("pid", NULL, 7, in->pid);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(in->role));
	dpoctl_pr_u64("start_time_ns", NULL, 0, in->start_time_ns);
	dpoctl_print_stats(in, true);
	dpoctl_pr_row_end();
}
