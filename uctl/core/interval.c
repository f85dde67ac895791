// SPDX-License-Identifier: GPL-2.0
/* One process's interval, for the engine, from two of its samples. */
#include <errno.h>
#include <string.h>

#include "interval.h"
#include "lat_hist.h"

/* A traffic counter, 0 when the sample did not carry it. */
static uint64_t counter(const struct dpoctl_stats *s, int attr, uint64_t v)
{
	return DPOCTL_STAT_HAS(s, attr) ? v : 0;
}

/* The sample's histogram (the interval's, from the module) into @hist. */
static uint32_t histogram(const struct dpoctl_stats *cur,
			  struct dpoctl_lat_bucket *hist)
{
	uint32_t n = 0;
	unsigned int b;

	if (!hist || !DPOCTL_STAT_HAS(cur, DPO_STATS_A_LAT_HIST))
		return 0;
	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		if (!cur->lat_hist[b])
			continue;
		hist[n++] = (struct dpoctl_lat_bucket){
			.lo_us = (double)dpoctl_lat_bucket_lo_us(b),
			.hi_us = (double)dpoctl_lat_bucket_hi_us(b),
			.count = cur->lat_hist[b],
		};
	}
	return n;
}

int dpoctl_interval_from_stats(const struct dpoctl_stats *prev,
			       const struct dpoctl_stats *cur,
			       struct dpoctl_interval *out,
			       struct dpoctl_lat_bucket hist[DPO_LAT_BUCKETS])
{
	uint64_t acc0 = counter(prev, DPO_STATS_A_CONNS_ACCEPTED,
				prev->conns_accepted);
	uint64_t acc1 = counter(cur, DPO_STATS_A_CONNS_ACCEPTED,
				cur->conns_accepted);
	uint64_t req0 = counter(prev, DPO_STATS_A_REQUESTS, prev->requests);
	uint64_t req1 = counter(cur, DPO_STATS_A_REQUESTS, cur->requests);
	uint64_t active0 = counter(prev, DPO_STATS_A_CONNS_ACTIVE,
				   prev->conns_active);

	if (cur->seq <= prev->seq || cur->timestamp_ns <= prev->timestamp_ns)
		return -EINVAL;
	/* a counter the previous sample had and this one lacks went back too */
	if (cur->cpu_ns < prev->cpu_ns ||
	    cur->run_delay_ns < prev->run_delay_ns ||
	    cur->min_flt < prev->min_flt || cur->maj_flt < prev->maj_flt ||
	    acc1 < acc0 || req1 < req0)
		return -ERANGE;

	memset(out, 0, sizeof(*out));
	out->dt_s = (double)(cur->timestamp_ns - prev->timestamp_ns) / 1e9;
	out->cpu_s = (double)(cur->cpu_ns - prev->cpu_ns) / 1e9;
	out->run_delay_s = (double)(cur->run_delay_ns - prev->run_delay_ns) / 1e9;
	out->min_flt = (double)(cur->min_flt - prev->min_flt);
	out->maj_flt = (double)(cur->maj_flt - prev->maj_flt);
	out->rss_delta_bytes = (double)cur->rss_bytes - (double)prev->rss_bytes;
	out->requests = (double)(req1 - req0);
	out->conns_held = (double)active0 + (double)(acc1 - acc0);
	out->has_lat = req1 > req0 &&
		DPOCTL_STAT_HAS(cur, DPO_STATS_A_LAT_P50_US) &&
		DPOCTL_STAT_HAS(cur, DPO_STATS_A_LAT_P99_US) &&
		DPOCTL_STAT_HAS(cur, DPO_STATS_A_LAT_MEAN_US);
	if (out->has_lat) {
		out->lat_p50_us = (double)cur->lat_p50_us;
		out->lat_p99_us = (double)cur->lat_p99_us;
		out->lat_mean_us = (double)cur->lat_mean_us;
		out->lat_hist_len = histogram(cur, hist);
		out->lat_hist = out->lat_hist_len ? hist : NULL;
	}
	return 0;
}
