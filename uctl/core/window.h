/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A time window of per-interval metric values: the mean and spread of each
 * metric over the intervals that ended in the last span_ns. The engine's
 * baseline and its smoothing are windows.
 */
#ifndef DPOCTL_CORE_WINDOW_H
#define DPOCTL_CORE_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* One interval's metrics; has[m] when the interval defined metric m. */
struct dpoctl_point {
	uint64_t end_ns;
	double dt_s;
	double requests;	/* completed in the interval */
	double share;		/* of the session's traffic, 0: none */
	bool has[DPOCTL_M_COUNT];
	double v[DPOCTL_M_COUNT];
};

struct dpoctl_window {
	uint64_t span_ns;
	struct dpoctl_point *ring;
	size_t cap, head, len;	/* oldest at head */
	/* sums over the points held, per metric */
	uint32_t n[DPOCTL_M_COUNT];
	double sum[DPOCTL_M_COUNT];
	double sumsq[DPOCTL_M_COUNT];
	double dt_sum;
};

void dpoctl_window_init(struct dpoctl_window *w, uint64_t span_ns);
void dpoctl_window_free(struct dpoctl_window *w);
/* Adds @p and drops the points that ended span_ns or more before it. */
int dpoctl_window_push(struct dpoctl_window *w, const struct dpoctl_point *p);
/* Mean and sample standard deviation of metric @m (n = 0: none). */
struct dpoctl_stat dpoctl_window_stat(const struct dpoctl_window *w,
				      enum dpoctl_metric m);
/*
 * The noise of metric @m's average over @k consecutive values: the sd of
 * the means of successive groups of k, estimated from the differences
 * between neighbouring groups, so that a slow drift of load over the
 * window is not taken for noise, and by their median, so that a burst or
 * two is not either (0: no value). With fewer than 3 groups,
 * the values' own successive differences, over sqrt(k). O(points): for
 * occasional use.
 */
double dpoctl_window_noise_sd(const struct dpoctl_window *w,
			      enum dpoctl_metric m, uint32_t k);
/* The mean interval length, 0 when empty. */
double dpoctl_window_mean_dt(const struct dpoctl_window *w);

#endif
