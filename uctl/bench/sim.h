/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A seeded, deterministic stream of the intervals the decision engine
 * judges: an original instance alone for a baseline, then the original
 * and a patched instance side by side on a canary split, with noise,
 * slow load swings, bursts and an optional regression of the patched one.
 *
 * Pure: its own PRNG (xoshiro256**, seeded by splitmix64), no clock, no
 * stdio. The same configuration and seed give the same stream everywhere.
 * The model is described at the top of sim.c.
 */
#ifndef DPOCTL_BENCH_SIM_H
#define DPOCTL_BENCH_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"

struct dpoctl_rng {
	uint64_t s[4];
	bool has_spare;		/* a second normal deviate is waiting */
	double spare;
};

void dpoctl_rng_seed(struct dpoctl_rng *r, uint64_t seed);
uint64_t dpoctl_rng_next(struct dpoctl_rng *r);
double dpoctl_rng_uniform(struct dpoctl_rng *r);	/* [0, 1) */
double dpoctl_rng_normal(struct dpoctl_rng *r);		/* N(0, 1) */
/* exp(N(-s^2/2, s^2)) with s^2 = ln(1 + cv^2): mean 1, CV @cv */
double dpoctl_rng_lognormal(struct dpoctl_rng *r, double cv);
double dpoctl_rng_poisson(struct dpoctl_rng *r, double lambda);

/*
 * What the patched instance does worse, at full effect: factors on its
 * per-request values (1: unchanged). The effect starts at exposure and
 * grows linearly to full over @ramp_s (0: a step).
 */
struct dpoctl_sim_regression {
	double lat_p50;
	double lat_p99;
	double cpu_per_req;
	double min_flt_per_req;
	double maj_flt_per_req;
	double req_per_conn;	/* requests per held connection */
	double ramp_s;
};

struct dpoctl_sim_cfg {
	double dt_s;		/* sampling interval */
	double baseline_s;	/* the original alone before exposure */
	double share;		/* patched's share of connections, (0, 1) */

	/* both roles together, at load 1 */
	double req_per_s;
	double conns;
	/* per request, of either role, at load 1 */
	double lat_p50_us;
	double lat_p99_us;	/* the mean follows from p50 and p99 */
	double cpu_per_req_us;
	double run_delay_frac;	/* run-queue wait per CPU time */
	double min_flt_per_req;
	double maj_flt_per_req;
	double rss_sd_bytes;	/* RSS level noise; its deltas are judged */

	/* per-interval noise, each role independently */
	double cv_lat;		/* CV of p99 per interval; p50: half of it */
	double cv_cpu;		/* CV of CPU time per request per interval */

	/* the shared load: 1 + amp * tanh(x), x an AR(1) with time constant */
	double load_amp;
	double load_tau_s;
	double lat_load_exp;	/* latency ~ load^exp */

	/* shared bursts: load and latency of both roles up, same factors */
	double shared_burst_per_s;
	double shared_burst_min_s, shared_burst_max_s;
	double shared_burst_load_max;	/* load x U(1, max) */
	double shared_burst_p99_max;	/* p99 x U(1.5, max); p50 x its root */
	/* per-role bursts (a stall of one instance): p99 x U(1.5, max),
	 * p50 x its cube root, completed requests x 0.7, run delay x 3 */
	double role_burst_per_s;	/* per role */
	double role_burst_min_s, role_burst_max_s;
	double role_burst_p99_max;

	struct dpoctl_sim_regression reg;

	/*
	 * Latency histograms (true by default): each interval's requests
	 * drawn into the kernel's log-linear buckets, and its p50, p99 and
	 * mean read from them as the kernel does. False: no histogram
	 * (lat_hist NULL), the percentiles of the model reported as such.
	 */
	bool lat_hist;
};

/*
 * The kernel's latency buckets (kmod/lat_hist.h): width 1 us below 16 us,
 * then 16 linear sub-buckets per power of two; the last ends at 2^32 us.
 */
#define DPOCTL_SIM_HIST_BUCKETS 464
unsigned int dpoctl_sim_bucket(double us);
double dpoctl_sim_bucket_lo(unsigned int b);
double dpoctl_sim_bucket_hi(unsigned int b);
/* the kernel's percentile of a histogram: linear by rank in the bucket */
double dpoctl_sim_hist_percentile(const struct dpoctl_lat_bucket *h,
				  uint32_t len, unsigned int pct);

/* The standard normal's CDF, cubic Hermite from a table: error < 2e-9. */
#define DPOCTL_SIM_PHI_Z 8.5	/* the table covers [-z, z] */
#define DPOCTL_SIM_PHI_PER 32	/* points per unit of z */
#define DPOCTL_SIM_PHI_N (17 * DPOCTL_SIM_PHI_PER + 1)	/* 2 z x per + 1 */

enum { DPOCTL_SIM_ORIG, DPOCTL_SIM_PATCHED, DPOCTL_SIM_ROLES };

struct dpoctl_sim {
	struct dpoctl_sim_cfg cfg;
	struct dpoctl_rng rng;
	uint64_t k;		/* intervals generated */
	double load_x;		/* the AR(1) behind the shared load */
	/* intervals left in the current burst; its factors */
	uint32_t shared_left;
	double shared_load, shared_p99;
	uint32_t role_left[DPOCTL_SIM_ROLES];
	double role_p99[DPOCTL_SIM_ROLES];
	double rss[DPOCTL_SIM_ROLES];	/* RSS level noise, last interval */
	/* the last interval each burst kind was on, UINT64_MAX: never */
	uint64_t shared_last, role_last[DPOCTL_SIM_ROLES];
	/*
	 * The last interval's latency per role: the lognormal its requests
	 * were drawn from (median and 99th percentile, us), and the
	 * histogram its lat_hist points to, valid until the next call.
	 */
	double lat_p50_us[DPOCTL_SIM_ROLES], lat_p99_us[DPOCTL_SIM_ROLES];
	struct dpoctl_lat_bucket hist[DPOCTL_SIM_ROLES][DPOCTL_SIM_HIST_BUCKETS];
	/* log of each bucket's lower bound; Phi and phi on a grid */
	double ln_lo[DPOCTL_SIM_HIST_BUCKETS + 1];
	double phi_tab[DPOCTL_SIM_PHI_N][2];
};

void dpoctl_sim_cfg_default(struct dpoctl_sim_cfg *cfg);
void dpoctl_sim_regression_none(struct dpoctl_sim_regression *reg);
void dpoctl_sim_init(struct dpoctl_sim *s, const struct dpoctl_sim_cfg *cfg,
		     uint64_t seed);

/*
 * The next interval: its end in @now_ns (the first ends at dt_s),
 * the original's in @orig, the patched instance's in @patched. Returns
 * false while in the baseline (@patched untouched), true after exposure.
 */
bool dpoctl_sim_next(struct dpoctl_sim *s, uint64_t *now_ns,
		     struct dpoctl_interval *orig,
		     struct dpoctl_interval *patched);

/* Seconds since exposure at the end of the last interval (< 0: before). */
double dpoctl_sim_exposed_s(const struct dpoctl_sim *s);

#endif
