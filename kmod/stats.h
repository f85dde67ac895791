/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_STATS_H
#define _DPO_STATS_H

#include <linux/types.h>

struct pid;

/* One sample of a process, summed over all its threads, dead ones too. */
struct dpo_stats {
	u64 timestamp_ns;	/* CLOCK_MONOTONIC */
	u64 seq;
	u64 cpu_ns;
	u64 run_delay_ns;
	u64 nvcsw;
	u64 nivcsw;
	u64 min_flt;
	u64 maj_flt;
	u64 rss_bytes;
	u32 threads;
};

int dpo_stats_read(struct pid *pid, bool allow_dead, struct dpo_stats *st);
void dpo_stats_merge(struct dpo_stats *last, const struct dpo_stats *now);

#endif /* _DPO_STATS_H */
