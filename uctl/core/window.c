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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The sd of the noise in @v[0..n) from its successive differences, robust
 * to a few outliers (a burst): the median absolute difference over
 * sqrt(2) x 0.6745, which is the sd for normal noise. Reorders @v.
 */
static double diff_sd(double *v, size_t n)
{
	size_t i;

	if (n < 2)
		return 0;
	for (i = 1; i < n; i++)
		v[i - 1] = fabs(v[i] - v[i - 1]);
	qsort(v, n - 1, sizeof(*v), cmp_double);
	n--;
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) /
	       (M_SQRT2 * 0.6744897501960817);
}

double dpoctl_window_noise_sd(const struct dpoctl_window *w,
			      enum dpoctl_metric m, uint32_t k)
{
	double *v = malloc((w->len + 1) * sizeof(*v)), sd, group = 0;
	size_t i, n = 0, groups = 0;
	uint32_t in_group = 0;

	if (!v || !k)
		goto fail;
	for (i = 0; i < w->len; i++) {
		const struct dpoctl_point *p = &w->ring[(w->head + i) % w->cap];

		if (p->has[m])
			v[n++] = p->v[m];
	}
	/* the group means overwrite the values they were made from */
	for (i = 0; i < n; i++) {
		group += v[i];
		if (++in_group == k) {
			v[groups++] = group / k;
			group = 0;
			in_group = 0;
		}
	}
	if (groups >= 3) {
		sd = diff_sd(v, groups);
	} else {
		for (i = 0, n = 0; i < w->len; i++) {
			const struct dpoctl_point *p =
				&w->ring[(w->head + i) % w->cap];

			if (p->has[m])
				v[n++] = p->v[m];
		}
		sd = diff_sd(v, n) / sqrt(k);
	}
	free(v);
	return sd;
fail:
	free(v);
	return 0;
}

double dpoctl_window_mean_dt(const struct dpoctl_window *w)
{
	return w->len ? w->dt_sum / w->len : 0;
}
