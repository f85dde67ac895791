/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPO_RATE_H
#define DPO_RATE_H

#include <stddef.h>

#include "msg.h"

/* Per-second rates between two samples of the same process. */
struct dpo_rates {
	double cpu_pct;			/* % of one CPU */
	double run_delay_ms_per_s;	/* run-queue wait */
	double csw_per_s;		/* voluntary + involuntary */
	double flt_per_s;		/* minor + major */
};

int dpo_rates(const struct dpo_stats *prev, const struct dpo_stats *cur,
	      struct dpo_rates *r);

/* The last sample of every process seen, to compute rates against. */
struct dpo_tracker {
	struct dpo_track {
		uint32_t pid;
		uint64_t start_time_ns;
		struct dpo_stats stats;
	} *v;
	size_t n, cap;
};

int dpo_tracker_update(struct dpo_tracker *t, const struct dpo_instance *in,
		       struct dpo_rates *r);
void dpo_tracker_forget(struct dpo_tracker *t, const struct dpo_instance *in);
void dpo_tracker_free(struct dpo_tracker *t);

#endif
