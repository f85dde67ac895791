// SPDX-License-Identifier: GPL-2.0
/* Per-second rates between two samples; the last sample of each process. */
#include <errno.h>
#include <stdlib.h>

#include "rate.h"

/*
 * 0 and @r filled, or -EINVAL when @cur does not follow @prev in time,
 * -ERANGE when a counter went back (they never do for one process).
 */
int dpoctl_rates(const struct dpoctl_stats *prev, const struct dpoctl_stats *cur,
	      struct dpoctl_rates *r)
{
	double dt;

	if (cur->seq <= prev->seq || cur->timestamp_ns <= prev->timestamp_ns)
		return -EINVAL;
	if (cur->cpu_ns < prev->cpu_ns ||
	    cur->run_delay_ns < prev->run_delay_ns ||
	    cur->nvcsw < prev->nvcsw || cur->nivcsw < prev->nivcsw ||
	    cur->min_flt < prev->min_flt || cur->maj_flt < prev->maj_flt)
		return -ERANGE;

	dt = (double)(cur->timestamp_ns - prev->timestamp_ns);
	r->cpu_pct = (double)(cur->cpu_ns - prev->cpu_ns) * 100.0 / dt;
	r->run_delay_ms_per_s =
		(double)(cur->run_delay_ns - prev->run_delay_ns) * 1e3 / dt;
	r->csw_per_s = (double)(cur->nvcsw - prev->nvcsw +
				cur->nivcsw - prev->nivcsw) * 1e9 / dt;
	r->flt_per_s = (double)(cur->min_flt - prev->min_flt +
				cur->maj_flt - prev->maj_flt) * 1e9 / dt;
	return 0;
}

/* The start time tells a reused pid from the process we saw before. */
static struct dpoctl_track *find(struct dpoctl_tracker *t,
			      const struct dpoctl_instance *in)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pid == in->pid &&
		    t->v[i].start_time_ns == in->start_time_ns)
			return &t->v[i];
	return NULL;
}

/*
 * Remembers the sample of @in. Returns 1 with @r filled when there was a
 * usable previous one, 0 when not, -ENOMEM.
 */
int dpoctl_tracker_update(struct dpoctl_tracker *t, const struct dpoctl_instance *in,
		       struct dpoctl_rates *r)
{
	struct dpoctl_track *tr;
	int ret = 0;

	if (!in->has_stats)
		return 0;
	tr = find(t, in);
	if (tr) {
		ret = dpoctl_rates(&tr->stats, &in->stats, r) ? 0 : 1;
	} else {
		if (t->n == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 8;
			struct dpoctl_track *v = realloc(t->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			t->v = v;
			t->cap = cap;
		}
		tr = &t->v[t->n++];
		tr->pid = in->pid;
		tr->start_time_ns = in->start_time_ns;
	}
	tr->stats = in->stats;
	return ret;
}

void dpoctl_tracker_forget(struct dpoctl_tracker *t, const struct dpoctl_instance *in)
{
	struct dpoctl_track *tr = find(t, in);

	if (tr)
		*tr = t->v[--t->n];
}

void dpoctl_tracker_free(struct dpoctl_tracker *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
	t->cap = 0;
}
