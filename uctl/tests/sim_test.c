// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of bench/sim.c, the engine benchmark's sample generator: that it
 * is deterministic, and produces the noise, the split and the regressions
 * it is configured for, so the benchmark's numbers rest on a tested model.
 */
#include <string.h>

#include "bench/sim.h"
#include "test.h"

struct acc {
	double n, sum, sq;
};

static void add(struct acc *a, double x)
{
	a->n++;
	a->sum += x;
	a->sq += x * x;
}

static double mean(const struct acc *a)
{
	return a->sum / a->n;
}

static double cv(const struct acc *a)
{
	double m = mean(a);

	return sqrt(fmax(0, a->sq / a->n - m * m)) / m;
}

static void check_within(const char *name, double got, double lo, double hi)
{
	bool ok = got >= lo && got <= hi;

	result(ok, "%s", name);
	if (!ok)
		printf("#   got %.6g, want [%.6g, %.6g]\n", got, lo, hi);
}

/* noise only: flat load, no bursts */
static void quiet(struct dpoctl_sim_cfg *c)
{
	dpoctl_sim_cfg_default(c);
	c->load_amp = 0;
	c->shared_burst_per_s = 0;
	c->role_burst_per_s = 0;
}

static bool same(const struct dpoctl_interval *a, const struct dpoctl_interval *b)
{
	return a->dt_s == b->dt_s && a->cpu_s == b->cpu_s &&
	       a->run_delay_s == b->run_delay_s && a->min_flt == b->min_flt &&
	       a->maj_flt == b->maj_flt &&
	       a->rss_delta_bytes == b->rss_delta_bytes &&
	       a->requests == b->requests && a->conns_held == b->conns_held &&
	       a->has_lat == b->has_lat && a->lat_p50_us == b->lat_p50_us &&
	       a->lat_p99_us == b->lat_p99_us &&
	       a->lat_mean_us == b->lat_mean_us;
}

static void test_determinism(void)
{
	struct dpoctl_sim_cfg c;
	struct dpoctl_sim a, b, d;
	struct dpoctl_interval ao, ap, bo, bp, dox, dp;
	uint64_t ta, tb, td, want;
	bool eq = true, differ = false, times = true, phases = true;
	uint64_t k;

	dpoctl_sim_cfg_default(&c);
	dpoctl_sim_init(&a, &c, 42);
	dpoctl_sim_init(&b, &c, 42);
	dpoctl_sim_init(&d, &c, 43);
	for (k = 1; k <= 1200; k++) {
		bool ea = dpoctl_sim_next(&a, &ta, &ao, &ap);
		bool eb = dpoctl_sim_next(&b, &tb, &bo, &bp);
		bool ed = dpoctl_sim_next(&d, &td, &dox, &dp);

		eq &= ea == eb && ta == tb && same(&ao, &bo) &&
		      (!ea || same(&ap, &bp));
		differ |= !same(&ao, &dox);
		want = k * 100000000ULL;
		times &= ta == want && td == want;
		phases &= ea == (k > 600) && ed == ea;
	}
	result(eq, "determinism: the same seed gives the same stream");
	result(differ, "determinism: another seed gives another stream");
	result(times, "intervals end every dt_s, the first at dt_s");
	result(phases, "the patched instance appears after baseline_s");
	check_near("exposed time after 1200 intervals",
		   dpoctl_sim_exposed_s(&a), 60);
}

static void test_distributions(void)
{
	struct dpoctl_rng r;
	static const double lams[] = { 3, 50, 500 };

	dpoctl_rng_seed(&r, 7);
	for (size_t i = 0; i < sizeof(lams) / sizeof(lams[0]); i++) {
		struct acc a = { 0 };
		double l = lams[i], var;

		for (int k = 0; k < 20000; k++)
			add(&a, dpoctl_rng_poisson(&r, l));
		var = a.sq / a.n - mean(&a) * mean(&a);
		check_within("poisson: mean", mean(&a) / l, 0.98, 1.02);
		check_within("poisson: variance = mean", var / l, 0.94, 1.06);
	}
	for (double c = 0.1; c < 0.35; c += 0.1) {
		struct acc a = { 0 };

		for (int k = 0; k < 20000; k++)
			add(&a, dpoctl_rng_lognormal(&r, c));
		check_within("lognormal: mean 1", mean(&a), 0.99, 1.01);
		check_within("lognormal: CV as asked", cv(&a) / c, 0.96, 1.04);
	}
}

/* The per-interval CV the generator produces is the configured one. */
static void test_cv(void)
{
	static const double cvs[] = { 0.1, 0.2, 0.3 };

	for (size_t i = 0; i < sizeof(cvs) / sizeof(cvs[0]); i++) {
		struct acc p50 = { 0 }, p99 = { 0 }, cpu = { 0 };
		struct dpoctl_sim_cfg c;
		struct dpoctl_interval o, p;
		struct dpoctl_sim s;
		bool order = true;
		uint64_t t;

		quiet(&c);
		c.cv_lat = c.cv_cpu = cvs[i];
		c.baseline_s = 1000;	/* the original alone, all the load */
		dpoctl_sim_init(&s, &c, 1 + i);
		for (int k = 0; k < 5000; k++) {
			dpoctl_sim_next(&s, &t, &o, &p);
			add(&p50, o.lat_p50_us);
			add(&p99, o.lat_p99_us);
			add(&cpu, o.cpu_s / o.requests);
			order &= o.lat_p50_us <= o.lat_mean_us &&
				 o.lat_mean_us <= o.lat_p99_us;
		}
		printf("# cv %.2f: p50 %.4f p99 %.4f cpu/req %.4f\n", cvs[i],
		       cv(&p50), cv(&p99), cv(&cpu));
		check_within("cv: p99 as configured", cv(&p99) / cvs[i], 0.95, 1.05);
		check_within("cv: p50 half of it", cv(&p50) / cvs[i], 0.45, 0.55);
		check_within("cv: cpu per request as configured",
			     cv(&cpu) / cvs[i], 0.95, 1.05);
		check_within("cv: p99's level", mean(&p99) / c.lat_p99_us,
			     0.97, 1.03);
		check_within("cv: p50's level", mean(&p50) / c.lat_p50_us,
			     0.98, 1.02);
		result(order, "cv: p50 <= mean <= p99 in every interval");
	}
}

/*
 * Load swings and bursts add to the per-interval noise: with everything
 * on, p99's CV over a run is above the configured one, but within twice.
 */
static void test_cv_all_noise(void)
{
	struct acc p99 = { 0 };
	struct dpoctl_sim_cfg c;
	struct dpoctl_interval o, p;
	struct dpoctl_sim s;
	uint64_t t;

	dpoctl_sim_cfg_default(&c);
	c.baseline_s = 1e6;
	dpoctl_sim_init(&s, &c, 3);
	for (int k = 0; k < 30000; k++) {
		dpoctl_sim_next(&s, &t, &o, &p);
		add(&p99, o.lat_p99_us);
	}
	printf("# all noise kinds: p99 cv %.4f (configured %.2f)\n", cv(&p99),
	       c.cv_lat);
	check_within("cv: all noise kinds: p99 in [cv, 2 cv]",
		     cv(&p99) / c.cv_lat, 1, 2);
}

/*
 * The canary split: the patched instance's connections, requests, CPU and
 * faults are its share of the total; its per-request values are the
 * original's (A/A).
 */
static void test_share(void)
{
	static const double shares[] = { 0.2, 0.5 };

	for (size_t i = 0; i < sizeof(shares) / sizeof(shares[0]); i++) {
		struct acc conn[2] = { 0 }, req[2] = { 0 }, cpu[2] = { 0 };
		struct acc flt[2] = { 0 }, p99[2] = { 0 }, cpr[2] = { 0 };
		double sh = shares[i];
		struct dpoctl_sim_cfg c;
		struct dpoctl_interval o, p;
		struct dpoctl_sim s;
		uint64_t t;

		dpoctl_sim_cfg_default(&c);
		c.share = sh;
		c.baseline_s = 0;
		dpoctl_sim_init(&s, &c, 11 + i);
		for (int k = 0; k < 10000; k++) {
			const struct dpoctl_interval *v[2] = { &o, &p };

			dpoctl_sim_next(&s, &t, &o, &p);
			for (int r = 0; r < 2; r++) {
				add(&conn[r], v[r]->conns_held);
				add(&req[r], v[r]->requests);
				add(&cpu[r], v[r]->cpu_s);
				add(&flt[r], v[r]->min_flt);
				add(&p99[r], v[r]->lat_p99_us);
				add(&cpr[r], v[r]->cpu_s / v[r]->requests);
			}
		}
#define SHARE(a) (a[1].sum / (a[0].sum + a[1].sum) / sh)
		check_within("share: connections", SHARE(conn), 0.99, 1.01);
		check_within("share: requests", SHARE(req), 0.98, 1.02);
		check_within("share: CPU time", SHARE(cpu), 0.98, 1.02);
		check_within("share: minor faults", SHARE(flt), 0.98, 1.02);
#undef SHARE
		check_within("share: p99 the same", mean(&p99[1]) / mean(&p99[0]),
			     0.98, 1.02);
		check_within("share: CPU per request the same",
			     mean(&cpr[1]) / mean(&cpr[0]), 0.99, 1.01);
	}
}

/* The regressions: what they change, by how much, and only on the patched. */
static void test_regression(void)
{
	struct acc v[2][6] = { 0 };
	struct dpoctl_sim_cfg c;
	struct dpoctl_interval o, p;
	struct dpoctl_sim s;
	double ramp_at_10 = 0, ramp_at_60 = 0;
	uint64_t t;

	quiet(&c);
	c.share = 0.5;
	c.baseline_s = 0;
	c.reg.lat_p50 = 1.05;
	c.reg.lat_p99 = 1.2;
	c.reg.cpu_per_req = 1.2;
	c.reg.min_flt_per_req = 2;
	c.reg.req_per_conn = 0.85;
	c.maj_flt_per_req = 0.005;
	dpoctl_sim_init(&s, &c, 5);
	for (int k = 0; k < 10000; k++) {
		const struct dpoctl_interval *iv[2] = { &o, &p };

		dpoctl_sim_next(&s, &t, &o, &p);
		for (int r = 0; r < 2; r++) {
			add(&v[r][0], iv[r]->lat_p50_us);
			add(&v[r][1], iv[r]->lat_p99_us);
			add(&v[r][2], iv[r]->cpu_s / iv[r]->requests);
			add(&v[r][3], iv[r]->min_flt / iv[r]->requests);
			add(&v[r][4], iv[r]->requests / iv[r]->conns_held);
			add(&v[r][5], iv[r]->maj_flt / iv[r]->requests);
		}
	}
#define RATIO(i) (mean(&v[1][i]) / mean(&v[0][i]))
	check_within("regression: p50 x 1.05", RATIO(0), 1.04, 1.06);
	check_within("regression: p99 x 1.2", RATIO(1), 1.18, 1.22);
	check_within("regression: CPU per request x 1.2", RATIO(2), 1.19, 1.21);
	check_within("regression: minor faults per request x 2", RATIO(3),
		     1.98, 2.02);
	check_within("regression: requests per connection x 0.85", RATIO(4),
		     0.84, 0.86);
	check_within("regression: major faults untouched", RATIO(5), 0.9, 1.1);
#undef RATIO

	/* a ramp: p99 +1%/s to +50%, judged without noise */
	quiet(&c);
	c.cv_lat = 0;
	c.baseline_s = 0;
	c.reg.lat_p99 = 1.5;
	c.reg.ramp_s = 50;
	dpoctl_sim_init(&s, &c, 6);
	for (int k = 1; k <= 600; k++) {
		dpoctl_sim_next(&s, &t, &o, &p);
		if (k == 100)
			ramp_at_10 = p.lat_p99_us / o.lat_p99_us;
		if (k == 600)
			ramp_at_60 = p.lat_p99_us / o.lat_p99_us;
	}
	check_within("ramp: +10% after 10 s", ramp_at_10, 1.0999, 1.1001);
	check_within("ramp: +50% at most", ramp_at_60, 1.4999, 1.5001);
}

/* Bursts come as often and last as long as configured, of each kind. */
static void test_bursts(void)
{
	struct dpoctl_sim_cfg c;
	struct dpoctl_interval o, p;
	struct dpoctl_sim s;
	uint64_t t, on[3] = { 0 }, both = 0, n = 100000;
	double mean_len, want;

	quiet(&c);
	c.baseline_s = 0;
	c.shared_burst_per_s = 1.0 / 60;
	c.role_burst_per_s = 1.0 / 120;
	dpoctl_sim_init(&s, &c, 9);
	for (uint64_t k = 0; k < n; k++) {
		bool r0, r1;

		dpoctl_sim_next(&s, &t, &o, &p);
		on[0] += s.shared_last == k;
		r0 = s.role_last[DPOCTL_SIM_ORIG] == k;
		r1 = s.role_last[DPOCTL_SIM_PATCHED] == k;
		on[1] += r0;
		on[2] += r1;
		both += r0 && r1;
	}
	/* the share of time in a burst: rate x length / (1 + rate x length) */
	mean_len = (c.shared_burst_min_s + c.shared_burst_max_s) / 2;
	want = mean_len / 60 / (1 + mean_len / 60);
	check_within("bursts: shared, share of time", on[0] / (double)n / want,
		     0.85, 1.15);
	mean_len = (c.role_burst_min_s + c.role_burst_max_s) / 2;
	want = mean_len / 120 / (1 + mean_len / 120);
	check_within("bursts: original's, share of time",
		     on[1] / (double)n / want, 0.85, 1.15);
	check_within("bursts: patched's, share of time",
		     on[2] / (double)n / want, 0.85, 1.15);
	result(both < on[1] / 10, "bursts: per-role bursts are independent");
}

/* RSS is flat: its deltas add up to the difference of two noisy levels. */
static void test_rss(void)
{
	struct dpoctl_sim_cfg c;
	struct dpoctl_interval o, p;
	struct dpoctl_sim s;
	double sum = 0;
	uint64_t t;

	dpoctl_sim_cfg_default(&c);
	dpoctl_sim_init(&s, &c, 4);
	for (int k = 0; k < 10000; k++) {
		dpoctl_sim_next(&s, &t, &o, &p);
		sum += o.rss_delta_bytes;
	}
	check_within("rss: no growth over 1000 s", fabs(sum),
		     0, 6 * c.rss_sd_bytes);
}

int main(void)
{
	test_determinism();
	test_distributions();
	test_cv();
	test_cv_all_noise();
	test_share();
	test_regression();
	test_bursts();
	test_rss();
	return test_done();
}
