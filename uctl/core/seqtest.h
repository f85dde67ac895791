/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A one-sided sequential t-test: the Bayes factor of "the mean is above 0"
 * against "it is 0", with a normal mixture of width @g over the effect in
 * units of the (unknown) standard deviation and the scale-invariant prior
 * on that deviation (Rouder et al. 2009; anytime-valid as an e-process:
 * Perez-Ortiz et al. 2024). It may be looked at after every observation.
 */
#ifndef DPOCTL_CORE_SEQTEST_H
#define DPOCTL_CORE_SEQTEST_H

#include <stdint.h>

struct dpoctl_seqtest {
	uint32_t n;
	double sum;
	double sumsq;
};

void dpoctl_seqtest_add(struct dpoctl_seqtest *t, double x);
double dpoctl_seqtest_mean(const struct dpoctl_seqtest *t);
double dpoctl_seqtest_sd(const struct dpoctl_seqtest *t);
/* log BF; 0 while n < 2 or the mean is not above 0 (one-sided) */
double dpoctl_seqtest_log_bf(const struct dpoctl_seqtest *t, double g);

#endif
