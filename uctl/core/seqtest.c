// SPDX-License-Identifier: GPL-2.0
/* The sequential t-test's Bayes factor (see seqtest.h and ENGINE.md). */
#include <math.h>

#include "seqtest.h"

void dpoctl_seqtest_add(struct dpoctl_seqtest *t, double x)
{
	t->n++;
	t->sum += x;
	t->sumsq += x * x;
}

double dpoctl_seqtest_mean(const struct dpoctl_seqtest *t)
{
	return t->n ? t->sum / t->n : 0;
}

double dpoctl_seqtest_sd(const struct dpoctl_seqtest *t)
{
	double mean = dpoctl_seqtest_mean(t), var;

	if (t->n < 2)
		return 0;
	var = (t->sumsq - t->n * mean * mean) / (t->n - 1);
	return var > 0 ? sqrt(var) : 0;
}

/*
 * BF = (1 + n g)^(-1/2) [(nu + t^2) / (nu + t^2 / (1 + n g))]^((nu + 1) / 2)
 * with nu = n - 1 and t the one-sample t statistic. When every value was
 * the same, t is infinite and the bracket is its limit, 1 + n g.
 */
double dpoctl_seqtest_log_bf(const struct dpoctl_seqtest *t, double g)
{
	double n = t->n, nu = n - 1, mean = dpoctl_seqtest_mean(t);
	double sd = dpoctl_seqtest_sd(t), ng = 1 + n * g, t2;

	if (t->n < 2 || !(mean > 0))
		return 0;
	if (sd <= 1e-12 * mean)
		return -0.5 * log(ng) + (nu + 1) / 2 * log(ng);
	t2 = n * mean * mean / (sd * sd);
	return -0.5 * log(ng) + (nu + 1) / 2 * log((nu + t2) / (nu + t2 / ng));
}
