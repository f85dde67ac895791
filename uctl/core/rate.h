/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_CORE_RATE_H
#define DPOCTL_CORE_RATE_H

#include <stddef.h>

#include "model.h"

/* Per-second rates between two samples of the same process. */
struct dpoctl_rates {
	double cpu_pct;			/* % of one CPU */
	double run_delay_ms_per_s;	/* run-queue wait */
	double csw_per_s;		/* voluntary + involuntary */
	double flt_per_s;		/* minor + major */
};

int dpoctl_rates(const struct dpoctl_stats *prev, const struct dpoctl_stats *cur,
	      struct dpoctl_rates *r);

/* The last sample of every process seen, to compute rates against. */
struct dpoctl_tracker {
	struct dpoctl_track {
		uint32_t pid;
		uint64_t start_time_ns;
		struct dpoctl_stats stats;
	} *v;
	size_t n, cap;
};

int dpoctl_tracker_update(struct dpoctl_tracker *t, const struct dpoctl_instance *in,
		       struct dpoctl_rates *r);
void dpoctl_tracker_forget(struct dpoctl_tracker *t, const struct dpoctl_instance *in);
void dpoctl_tracker_free(struct dpoctl_tracker *t);

#endif
