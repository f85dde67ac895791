// SPDX-License-Identifier: GPL-2.0
/* A time window of metric values with running sums: O(1) per point. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "window.h"

void dpoctl_window_init(struct dpoctl_window *w, uint64_t span_ns)
{
	memset(w, 0, sizeof(*w));
	w->span_ns = span_ns;
}

void dpoctl_window_free(struct dpoctl_window *w)
{
	free(w->ring);
	w->ring = NULL;
	w->cap = w->len = w->head = 0;
}

static void account(struct dpoctl_window *w, const struct dpoctl_point *p,
		    int sign)
{
	int m;

	w->dt_sum += sign * p->dt_s;
	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		if (!p->has[m])
			continue;
		w->n[m] += sign;
		w->sum[m] += sign * p->v[m];
		w->sumsq[m] += sign * p->v[m] * p->v[m];
	}
}

/* Recomputed from scratch when the window empties: no drift carried on. */
static void reset_sums(struct dpoctl_window *w)
{
	memset(w->n, 0, sizeof(w->n));
	memset(w->sum, 0, sizeof(w->sum));
	memset(w->sumsq, 0, sizeof(w->sumsq));
	w->dt_sum = 0;
}

static int grow(struct dpoctl_window *w)
{
	size_t cap = w->cap ? 2 * w->cap : 64, i;
	struct dpoctl_point *ring = malloc(cap * sizeof(*ring));

	if (!ring)
		return -ENOMEM;
	for (i = 0; i < w->len; i++)
		ring[i] = w->ring[(w->head + i) % w->cap];
	free(w->ring);
	w->ring = ring;
	w->cap = cap;
	w->head = 0;
	return 0;
}

int dpoctl_window_push(struct dpoctl_window *w, const struct dpoctl_point *p)
{
	while (w->len) {
		const struct dpoctl_point *old = &w->ring[w->head];

		if (p->end_ns - old->end_ns < w->span_ns)
			break;
		account(w, old, -1);
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
	if (!w->len)
		reset_sums(w);
	if (w->len == w->cap && grow(w))
		return -ENOMEM;
	w->ring[(w->head + w->len) % w->cap] = *p;
	w->len++;
	account(w, p, 1);
	return 0;
}

struct dpoctl_stat dpoctl_window_stat(const struct dpoctl_window *w,
				      enum dpoctl_metric m)
{
	struct dpoctl_stat s = { .n = w->n[m] };
	double var;

	if (!s.n)
		return s;
	s.mean = w->sum[m] / s.n;
	if (s.n > 1) {
		var = (w->sumsq[m] - s.n * s.mean * s.mean) / (s.n - 1);
		s.sd = var > 0 ? sqrt(var) : 0;
	}
	return s;
}

double dpoctl_window_noise_sd(const struct dpoctl_window *w,
			      enum dpoctl_metric m)
{
	double sum = 0, prev = 0;
	bool have_prev = false;
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < w->len; i++) {
		const struct dpoctl_point *p = &w->ring[(w->head + i) % w->cap];

		if (!p->has[m])
			continue;
		if (have_prev) {
			sum += (p->v[m] - prev) * (p->v[m] - prev);
			n++;
		}
		prev = p->v[m];
		have_prev = true;
	}
	return n ? sqrt(sum / (2.0 * n)) : 0;
}

double dpoctl_window_mean_dt(const struct dpoctl_window *w)
{
	return w->len ? w->dt_sum / w->len : 0;
}
