// SPDX-License-Identifier: GPL-2.0
/* Tests of core/engine.c and core/window.c, piece by piece. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/engine.h"
#include "core/seqtest.h"
#include "core/window.h"
#include "test.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define STEP (100 * MS)
#define MAD_SD (M_SQRT2 * 0.6744897501960817)

/* A steady role: 100 ms, 1000 requests, 5 ms latency, 10 connections. */
static struct dpoctl_interval steady(void)
{
	return (struct dpoctl_interval){
		.dt_s = 0.1, .cpu_s = 0.01, .run_delay_s = 0.001,
		.min_flt = 500, .maj_flt = 0, .rss_delta_bytes = 0,
		.requests = 1000, .conns_held = 10, .has_lat = true,
		.lat_p50_us = 5000, .lat_p99_us = 8000, .lat_mean_us = 5500,
	};
}

/* Only the latencies judged: the other metrics stay out of the way. */
static void latency_only(struct dpoctl_engine_cfg *c)
{
	int m;

	dpoctl_engine_cfg_default(c);
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		c->m[m].enabled = m == DPOCTL_M_LAT_P99;
	c->baseline_s = 10;
	c->baseline_min = 10;
	c->smooth_s = 0;
	c->duration_s = 1;
	c->severity = 0;
	c->alpha = 0;
	c->promote_alpha = 0;
	c->promote_s = 100;
	c->promote_min_s = 0;
}

struct run {
	struct dpoctl_engine *e;
	uint64_t now;
};

static void run_start(struct run *r, const struct dpoctl_engine_cfg *c)
{
	r->e = dpoctl_engine_new(c);
	r->now = 10 * SEC;
}

/* @n steps of the given intervals; returns the verdict of the last. */
static enum dpoctl_verdict steps(struct run *r, int n,
				 const struct dpoctl_interval *o,
				 const struct dpoctl_interval *p)
{
	enum dpoctl_verdict v = DPOCTL_V_NONE;

	while (n-- > 0) {
		r->now += STEP;
		v = dpoctl_engine_step(r->e, r->now, o, p);
	}
	return v;
}

/* Steps until a verdict, at most @max; the number taken, or -1. */
static int steps_to_verdict(struct run *r, int max,
			    const struct dpoctl_interval *o,
			    const struct dpoctl_interval *p)
{
	int i;

	for (i = 1; i <= max; i++)
		if (steps(r, 1, o, p) != DPOCTL_V_NONE)
			return i;
	return -1;
}

static void test_window(void)
{
	struct dpoctl_window w;
	struct dpoctl_point p = { .dt_s = 0.1 };
	struct dpoctl_stat s;
	int i;

	dpoctl_window_init(&w, 1 * SEC);
	p.has[0] = true;
	for (i = 1; i <= 10; i++) {
		p.end_ns = i * STEP;
		p.v[0] = i;
		dpoctl_window_push(&w, &p);
	}
	s = dpoctl_window_stat(&w, 0);
	check_int("window: 10 points in 1s", s.n, 10);
	check_near("window: mean", s.mean, 5.5);
	check_near("window: sample sd", s.sd, sqrt(55.0 / 6));
	/* the point that ended exactly span_ns before is dropped */
	p.end_ns = 11 * STEP;
	p.v[0] = 11;
	dpoctl_window_push(&w, &p);
	s = dpoctl_window_stat(&w, 0);
	check_int("window: the oldest drops at exactly the span", s.n, 10);
	check_near("window: mean moves", s.mean, 6.5);
	p.has[0] = false;
	p.end_ns = 12 * STEP;
	dpoctl_window_push(&w, &p);
	s = dpoctl_window_stat(&w, 0);
	check_int("window: a point without the metric counts no value", s.n, 9);
	check_int("window: metric 1 never had any", dpoctl_window_stat(&w, 1).n, 0);
	dpoctl_window_free(&w);

	/* more points than the first allocation, all kept */
	dpoctl_window_init(&w, 1000 * SEC);
	p.has[0] = true;
	for (i = 1; i <= 1000; i++) {
		p.end_ns = i * STEP;
		p.v[0] = 2;
		dpoctl_window_push(&w, &p);
	}
	s = dpoctl_window_stat(&w, 0);
	check_int("window: grows past its first size", s.n, 1000);
	check_near("window: constant: sd 0", s.sd, 0);
	check_near("window: mean interval", dpoctl_window_mean_dt(&w), 0.1);
	dpoctl_window_free(&w);

	/* the noise of averages over k: groups, and their differences */
	dpoctl_window_init(&w, 1000 * SEC);
	for (i = 1; i <= 60; i++) {
		p.end_ns = i * STEP;
		p.v[0] = i;
		p.v[1] = i & 1 ? 1 : -1;	/* deltas of a flat, noisy level */
		p.has[1] = true;
		dpoctl_window_push(&w, &p);
	}
	/* normal noise: sd = median |difference| / (sqrt 2 x 0.6745) */
	check_near("window: noise of 10-averages of 1..60: differences of 10",
		   dpoctl_window_noise_sd(&w, 0, 10), 10 / MAD_SD);
	check_near("window: alternating deltas average out over 10",
		   dpoctl_window_noise_sd(&w, 1, 10), 0);
	check_near("window: ... not over 1: differences of 2",
		   dpoctl_window_noise_sd(&w, 1, 1), 2 / MAD_SD);
	check_near("window: fewer than 3 groups: values' differences / sqrt k",
		   dpoctl_window_noise_sd(&w, 1, 30), 2 / MAD_SD / sqrt(30));
	/* a burst among quiet values does not count */
	dpoctl_window_free(&w);
	dpoctl_window_init(&w, 1000 * SEC);
	for (i = 1; i <= 60; i++) {
		p.end_ns = i * STEP;
		p.v[0] = (i & 1 ? 1 : -1) + (i == 30 ? 100 : 0);
		dpoctl_window_push(&w, &p);
	}
	check_near("window: one burst does not move the noise",
		   dpoctl_window_noise_sd(&w, 0, 1), 2 / MAD_SD);
	dpoctl_window_free(&w);
}

static void test_names(void)
{
	int m, ok = 1;

	for (m = 0; m < DPOCTL_M_COUNT; m++)
		ok &= dpoctl_metric_by_name(dpoctl_metric_name(m)) == m;
	result(ok, "names: every metric's name finds it back");
	check_int("names: unknown", dpoctl_metric_by_name("lat_p42"), -1);
	result(dpoctl_metric_name(DPOCTL_M_COUNT) == NULL, "names: out of range");
	result(dpoctl_metric_lower_is_worse(DPOCTL_M_THROUGHPUT) &&
	       !dpoctl_metric_lower_is_worse(DPOCTL_M_LAT_P99),
	       "names: throughput is the one where lower is worse");
}

/* Case @i's change to the defaults; false past the last case. */
static bool cfg_case(int i, struct dpoctl_engine_cfg *c, const char **want)
{
	int m;

	switch (i) {
	case 0:
		c->baseline_s = 0;
		*want = "baseline.window_s 0: must be in (0, 3600]";
		return true;
	case 1:
		c->baseline_min = 1;
		*want = "baseline.min_samples 1: must be 2 or more";
		return true;
	case 2:
		c->smooth_s = 61;
		*want = "rule.smooth_s 61: must be in [0, rule.duration_s]";
		return true;
	case 3:
		c->alpha = 0.5;
		*want = "predictive.alpha 0.5: must be in [0, 0.5) (0: off)";
		return true;
	case 4:
		c->alpha = NAN;
		*want = "predictive.alpha nan: must be in [0, 0.5) (0: off)";
		return true;
	case 5:
		c->promote_min_s = 301;
		*want = "promote.min_s 301: must be in [0, promote.after_s]";
		return true;
	case 6:
		c->m[DPOCTL_M_THROUGHPUT].deviation_pct = 100;
		*want = "throughput.deviation_pct 100: must be in [0, 100)";
		return true;
	case 7:
		c->m[DPOCTL_M_LAT_P99].floor = -1;
		*want = "lat_p99.floor -1: must be 0 or more";
		return true;
	case 8:
		c->m[DPOCTL_M_CPU].floor = 0;
		c->m[DPOCTL_M_CPU].deviation_pct = 0;
		*want = "cpu.floor 0: a metric with deviation_pct 0 needs a floor above 0";
		return true;
	case 9:
		for (m = 0; m < DPOCTL_M_COUNT; m++)
			c->m[m].enabled = false;
		*want = "no metric is enabled";
		return true;
	case 10:
		c->severity_s = 0;
		*want = "severity.duration_s 0: must be in (0, 3600]";
		return true;
	case 11:
		c->m[DPOCTL_M_LAT_P50].weight = 101;
		*want = "lat_p50.weight 101: must be in [0, 100]";
		return true;
	case 12:
		c->block_s = -1;
		*want = "predictive.block_s -1: must be in [0, 60] (0: one interval)";
		return true;
	}
	return false;
}

static void test_cfg(void)
{
	struct dpoctl_engine_cfg c;
	const char *want;
	char why[160];
	int i;

	dpoctl_engine_cfg_default(&c);
	check_int("cfg: defaults are valid", dpoctl_engine_cfg_check(&c, why, sizeof(why)), 0);
	for (i = 0;; i++) {
		char name[48];

		dpoctl_engine_cfg_default(&c);
		if (!cfg_case(i, &c, &want))
			break;
		snprintf(name, sizeof(name), "cfg: case %d refused", i);
		why[0] = 0;
		check_int(name, dpoctl_engine_cfg_check(&c, why, sizeof(why)),
			  -EINVAL);
		check_str(name, why, want);
		result(dpoctl_engine_new(&c) == NULL, "%s: no engine", name);
	}
	/* a metric off is not checked */
	dpoctl_engine_cfg_default(&c);
	c.m[DPOCTL_M_CPU].enabled = false;
	c.m[DPOCTL_M_CPU].floor = -5;
	check_int("cfg: a disabled metric's values do not matter",
		  dpoctl_engine_cfg_check(&c, why, sizeof(why)), 0);
}

/* Threshold, floor, direction: one interval judged with smooth_s 0. */
static void test_thresholds(void)
{
	static const struct {
		const char *name;
		int metric;
		double base, patched;
		bool breach;
	} cases[] = {
		/* p99 8000 us, 20%: threshold 9600 */
		{ "p99 at the threshold", DPOCTL_M_LAT_P99, 8000, 9600, false },
		{ "p99 just beyond", DPOCTL_M_LAT_P99, 8000, 9601, true },
		{ "p99 better", DPOCTL_M_LAT_P99, 8000, 4000, false },
		/* 20% of 100 us is under the 100 us floor: threshold 200 */
		{ "floor: small p99 +80%", DPOCTL_M_LAT_P99, 100, 180, false },
		{ "floor: small p99 +101%", DPOCTL_M_LAT_P99, 100, 201, true },
		{ "floor: from zero", DPOCTL_M_MAJ_FLT_PER_REQ, 0, 0.009, false },
		{ "floor: from zero, beyond", DPOCTL_M_MAJ_FLT_PER_REQ, 0, 0.011, true },
		/* throughput 1000 req/s, lower is worse by 10%: threshold 900 */
		{ "throughput at -10%", DPOCTL_M_THROUGHPUT, 1000, 900, false },
		{ "throughput at -10.1%", DPOCTL_M_THROUGHPUT, 1000, 899, true },
		{ "throughput higher", DPOCTL_M_THROUGHPUT, 1000, 2000, false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dpoctl_interval o = steady(), p;
		const struct dpoctl_metric_state *st;
		struct dpoctl_engine_cfg c;
		struct run r;
		int m = cases[i].metric;

		latency_only(&c);
		c.m[DPOCTL_M_LAT_P99].enabled = false;
		c.m[m].enabled = true;
		/* both roles hold equal shares: rates compare as they are */
		o.lat_p99_us = cases[i].base;
		o.requests = m == DPOCTL_M_THROUGHPUT ? cases[i].base / 10 : 1000;
		o.maj_flt = cases[i].base * o.requests;
		run_start(&r, &c);
		steps(&r, 20, &o, NULL);
		/* from now on each holds half the connections and traffic */
		o.conns_held /= 2;
		o.requests /= 2;
		o.maj_flt /= 2;
		p = o;
		if (m == DPOCTL_M_LAT_P99)
			p.lat_p99_us = cases[i].patched;
		else if (m == DPOCTL_M_MAJ_FLT_PER_REQ)
			p.maj_flt = cases[i].patched * p.requests;
		else
			p.requests = cases[i].patched / 20;
		/* the original stays at its baseline: the patched one moved */
		steps(&r, 1, &o, &p);
		st = dpoctl_engine_metric(r.e, m);
		result(st->valid && st->breach == cases[i].breach,
		       "threshold: %s (%g vs %g): %s", cases[i].name,
		       cases[i].patched, cases[i].base,
		       cases[i].breach ? "breach" : "within");
		if (st->breach != cases[i].breach)
			printf("#   thresholds %g %g, excess %g\n",
			       st->thr_baseline, st->thr_original, st->excess);
		dpoctl_engine_free(r.e);
	}
}

/* What the "interval" events of dpoctl patch --log-intervals plot. */
static void test_point(void)
{
	struct dpoctl_interval o = steady(), p = steady();
	struct dpoctl_metric_point pt;
	struct dpoctl_engine_cfg c;
	struct run r;

	latency_only(&c);
	run_start(&r, &c);
	dpoctl_engine_point(r.e, DPOCTL_M_LAT_P99, &pt);
	result(isnan(pt.original) && isnan(pt.patched) && isnan(pt.baseline) &&
	       isnan(pt.threshold), "point: nothing before the first step");
	steps(&r, 20, &o, NULL);
	dpoctl_engine_point(r.e, DPOCTL_M_LAT_P99, &pt);
	result(pt.original == 8000 && isnan(pt.patched) &&
	       pt.baseline == 8000 && pt.threshold == 9600,
	       "point: baseline: the original, the baseline, 20%% above it (%g %g %g %g)",
	       pt.original, pt.patched, pt.baseline, pt.threshold);
	p.lat_p99_us = 12000;
	steps(&r, 1, &o, &p);
	dpoctl_engine_point(r.e, DPOCTL_M_LAT_P99, &pt);
	result(pt.original == 8000 && pt.patched == 12000 &&
	       pt.threshold == 9600, "point: observing: both roles (%g %g)",
	       pt.original, pt.patched);
	result(dpoctl_engine_baseline(r.e, DPOCTL_M_LAT_P99).n == 21 &&
	       dpoctl_engine_baseline(r.e, DPOCTL_M_LAT_P99).mean == 8000 &&
	       dpoctl_engine_baseline(r.e, DPOCTL_M_COUNT).n == 0,
	       "baseline: the window as it stands (n %u)",
	       (unsigned int)dpoctl_engine_baseline(r.e, DPOCTL_M_LAT_P99).n);
	dpoctl_engine_point(r.e, DPOCTL_M_COUNT, &pt);
	result(isnan(pt.original) && isnan(pt.threshold),
	       "point: an unknown metric has none");
	dpoctl_engine_free(r.e);
}

/* Against the baseline AND the live original. */
static void test_two_references(void)
{
	struct dpoctl_interval o = steady(), p = steady(), o2;
	const struct dpoctl_metric_state *st;
	struct dpoctl_engine_cfg c;
	struct run r;

	latency_only(&c);
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	/* a load spike: both instances 50% slower than the baseline */
	o2 = o;
	o2.lat_p99_us = 12000;
	p.lat_p99_us = 12000;
	steps(&r, 1, &o2, &p);
	st = dpoctl_engine_metric(r.e, DPOCTL_M_LAT_P99);
	result(!st->breach, "references: a spike on both is not the patch's");
	check_near("references: deviation is the smaller one (vs original)",
		   st->deviation, 0);
	/* the patched one alone */
	o2.lat_p99_us = 8000;
	steps(&r, 1, &o2, &p);
	result(st->breach, "references: the patched instance alone: breach");
	result(st->baseline.n == 22 && st->frozen.n == 20,
	       "references: the baseline moves (n %u), the frozen one not (n %u)",
	       st->baseline.n, st->frozen.n);
	dpoctl_engine_free(r.e);
}

/* A good patch at 20% canary must not look like an 80% throughput drop. */
static void test_canary_shares(void)
{
	struct dpoctl_interval o = steady(), oc, pc;
	const struct dpoctl_metric_state *st;
	struct dpoctl_engine_cfg c;
	struct run r;
	int m;

	dpoctl_engine_cfg_default(&c);
	c.baseline_s = 10;
	c.baseline_min = 10;
	c.smooth_s = 0;
	c.alpha = 0;
	c.severity = 0;
	run_start(&r, &c);
	steps(&r, 30, &o, NULL);
	/* 80/20: every rate of the patched one is a quarter of the other's */
	oc = o;
	oc.conns_held = 8;
	oc.requests = 800;
	oc.cpu_s = 0.008;
	oc.run_delay_s = 0.0008;
	oc.min_flt = 400;
	pc = oc;
	pc.conns_held = 2;
	pc.requests = 200;
	pc.cpu_s = 0.002;
	pc.run_delay_s = 0.0002;
	pc.min_flt = 100;
	steps(&r, 5, &oc, &pc);
	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		st = dpoctl_engine_metric(r.e, m);
		result(st->valid && !st->breach && fabs(st->deviation) < 1e-9,
		       "canary 20%%: %s compares equal (deviation %g)",
		       dpoctl_metric_name(m), st->deviation);
	}
	st = dpoctl_engine_metric(r.e, DPOCTL_M_THROUGHPUT);
	check_near("canary 20%: throughput per share = the baseline's",
		   st->patched, 10000);
	/* a patched instance 15% slower per connection */
	pc.requests = 170;
	steps(&r, 1, &oc, &pc);
	result(st->breach, "canary 20%%: -15%% per connection is a breach (%g)",
	       st->deviation);
	dpoctl_engine_free(r.e);
}

/* The duration rule: exactly at, just under, interrupted. */
static void test_duration(void)
{
	struct dpoctl_interval o = steady(), bad = steady();
	const struct dpoctl_decision *d;
	struct dpoctl_engine_cfg c;
	struct run r;

	bad.lat_p99_us = 10000;
	latency_only(&c);	/* duration 1 s = 10 intervals of 100 ms */

	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	check_int("duration: 9 breaching intervals: none",
		  steps(&r, 9, &o, &bad), DPOCTL_V_NONE);
	check_int("duration: the 10th: rollback", steps(&r, 1, &o, &bad),
		  DPOCTL_V_ROLLBACK);
	d = dpoctl_engine_decision(r.e);
	check_int("duration: reason rule", d->reason, DPOCTL_R_RULE);
	check_int("duration: metric p99", d->metric, DPOCTL_M_LAT_P99);
	check_near("duration: lasted exactly 1 s", d->lasted_s, 1.0);
	check_int("duration: later steps change nothing",
		  steps(&r, 5, &o, &o), DPOCTL_V_ROLLBACK);
	dpoctl_engine_free(r.e);

	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 9, &o, &bad);
	steps(&r, 1, &o, &o);	/* interrupted: starts again */
	check_int("duration: interrupted at 9, then 9 more: none",
		  steps(&r, 9, &o, &bad), DPOCTL_V_NONE);
	check_int("duration: interrupted, 10th of the new streak: rollback",
		  steps(&r, 1, &o, &bad), DPOCTL_V_ROLLBACK);
	dpoctl_engine_free(r.e);

	/* the original beyond the baseline too: the streak holds */
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 5, &o, &bad);
	{
		struct dpoctl_interval stalled = o;

		stalled.lat_p99_us = 12000;
		steps(&r, 2, &stalled, &bad);
	}
	check_int("duration: a stall of the original does not end a streak",
		  steps(&r, 3, &o, &bad), DPOCTL_V_ROLLBACK);
	dpoctl_engine_free(r.e);

	/* ... but a change of both longer than a stall (2 s) does */
	c.duration_s = 10;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 5, &o, &bad);
	{
		struct dpoctl_interval stalled = o;

		stalled.lat_p99_us = 12000;
		steps(&r, 20, &stalled, &bad);
		result(!dpoctl_engine_metric(r.e, DPOCTL_M_LAT_P99)->breach,
		       "duration: the original beyond the baseline for 2 s: streak over");
		check_int("duration: ... and no rollback at 10 s",
			  steps(&r, 75, &stalled, &bad), DPOCTL_V_NONE);
	}
	dpoctl_engine_free(r.e);
	c.duration_s = 1;

	/* a skipped sample of the patched one neither ends nor grows it */
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 5, &o, &bad);
	steps(&r, 4, &o, NULL);
	check_int("duration: time without a patched sample still counts",
		  steps(&r, 1, &o, &bad), DPOCTL_V_ROLLBACK);
	dpoctl_engine_free(r.e);
}

static void test_severity(void)
{
	struct dpoctl_interval o = steady(), p = steady();
	const struct dpoctl_decision *d;
	struct dpoctl_engine_cfg c;
	struct run r;

	latency_only(&c);
	c.m[DPOCTL_M_LAT_P50].enabled = true;
	c.m[DPOCTL_M_LAT_P50].weight = 1;
	c.m[DPOCTL_M_LAT_P99].weight = 1;
	c.duration_s = 60;
	c.severity = 2;
	c.severity_s = 2;
	/* both half-way between baseline and threshold x 2: 1.5 margins */
	p.lat_p50_us = 5000 * 1.3;
	p.lat_p99_us = 8000 * 1.3;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 1, &o, &p);
	check_near("severity: score = sum of weight x margins beyond",
		   dpoctl_engine_score(r.e), 3.0);
	check_int("severity: 20 intervals at 3 >= 2: rollback",
		  steps_to_verdict(&r, 100, &o, &p), 19);
	d = dpoctl_engine_decision(r.e);
	check_int("severity: reason", d->reason, DPOCTL_R_SEVERITY);
	check_near("severity: lasted 2 s", d->lasted_s, 2.0);
	dpoctl_engine_free(r.e);

	/* one metric only half-way: 0.5, under 2 */
	p.lat_p50_us = 5000;
	p.lat_p99_us = 8000 * 1.1;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 1, &o, &p);
	check_near("severity: half a margin", dpoctl_engine_score(r.e), 0.5);
	check_int("severity: below its threshold: none",
		  steps(&r, 100, &o, &p), DPOCTL_V_NONE);
	dpoctl_engine_free(r.e);
}

static void test_seqtest(void)
{
	struct dpoctl_seqtest t = { 0 };
	int i;

	dpoctl_seqtest_add(&t, 1);
	check_near("seqtest: one value: no evidence yet",
		   dpoctl_seqtest_log_bf(&t, 4), 0);
	for (i = 2; i <= 4; i++)
		dpoctl_seqtest_add(&t, i);
	check_near("seqtest: mean", dpoctl_seqtest_mean(&t), 2.5);
	check_near("seqtest: sd", dpoctl_seqtest_sd(&t), sqrt(5.0 / 3));
	/* by hand: t^2 = 15, nu = 3, 1 + ng = 17 */
	check_near("seqtest: log BF of 1, 2, 3, 4 at g = 4",
		   dpoctl_seqtest_log_bf(&t, 4), 1.6512540478238025);
	t = (struct dpoctl_seqtest){ 0 };
	for (i = 0; i < 4; i++)
		dpoctl_seqtest_add(&t, -i);
	check_near("seqtest: one-sided: a mean below 0 is no evidence",
		   dpoctl_seqtest_log_bf(&t, 4), 0);
	t = (struct dpoctl_seqtest){ 0 };
	for (i = 0; i < 6; i++)
		dpoctl_seqtest_add(&t, 0.3);
	check_near("seqtest: equal values: the limit (n - 1) / 2 log(1 + ng)",
		   dpoctl_seqtest_log_bf(&t, 4), 2.5 * log(25));
}

/*
 * The predictive test on a known sequence: the patched p99 twice the
 * original's in every interval. Blocks of 0.5 s are 5 intervals; equal
 * block values give log BF = (n - 1) / 2 log(1 + 4n): 6.09 after 5
 * blocks, 8.05 after 6, the first at or above log(1 / 0.001) = 6.91.
 */
static void test_sequential(void)
{
	struct dpoctl_interval o = steady(), p = steady();
	const struct dpoctl_metric_state *st;
	const struct dpoctl_decision *d;
	struct dpoctl_engine_cfg c;
	struct run r;
	int i, n;

	latency_only(&c);
	c.duration_s = 60;
	c.alpha = 0.001;
	p.lat_p99_us = 8000 * 2;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	check_int("sequential: 29 intervals: not yet", steps(&r, 29, &o, &p),
		  DPOCTL_V_NONE);
	st = dpoctl_engine_metric(r.e, DPOCTL_M_LAT_P99);
	check_int("sequential: 5 blocks", st->seq_n, 5);
	check_near("sequential: log BF after 5 blocks", st->log_bf_worse,
		   2 * log(21));
	check_near("sequential: mean log ratio", st->seq_mean,
		   log(16100.0 / 8100));
	check_int("sequential: the 30th: rollback", steps(&r, 1, &o, &p),
		  DPOCTL_V_ROLLBACK);
	d = dpoctl_engine_decision(r.e);
	check_int("sequential: reason", d->reason, DPOCTL_R_SEQUENTIAL);
	check_near("sequential: threshold log(m / alpha)", d->seq_threshold,
		   log(1 / 0.001));
	check_near("sequential: statistic", d->seq_statistic, 2.5 * log(25));
	dpoctl_engine_free(r.e);

	/* two metrics tested: Bonferroni, log(2 / 0.001) = 7.6: still 6 */
	c.m[DPOCTL_M_LAT_MEAN].enabled = true;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	check_int("sequential: m = 2: the 30th", steps_to_verdict(&r, 100, &o, &p),
		  30);
	check_near("sequential: m = 2: threshold",
		   dpoctl_engine_decision(r.e)->seq_threshold, log(2 / 0.001));
	dpoctl_engine_free(r.e);
	c.m[DPOCTL_M_LAT_MEAN].enabled = false;

	/* a p99 of 100 requests is not paired: too few beyond it */
	o.requests = p.requests = 100;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 50, &o, &p);
	st = dpoctl_engine_metric(r.e, DPOCTL_M_LAT_P99);
	check_int("sequential: p99 of 100 requests: not tested", st->seq_n, 0);
	dpoctl_engine_free(r.e);
	o.requests = p.requests = 1000;

	/* alpha 0: off */
	c.alpha = 0;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	check_int("sequential: off with alpha 0", steps(&r, 50, &o, &p),
		  DPOCTL_V_NONE);
	dpoctl_engine_free(r.e);

	/*
	 * No effect: patched and original swap +-10% each interval, a fixed
	 * seeded shuffle. The evidence must stay far under 1 / alpha.
	 */
	c.alpha = 0.001;
	c.m[DPOCTL_M_LAT_P99].deviation_pct = 1000;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	srand(1);
	for (i = 0, n = 0; i < 3000; i++) {
		struct dpoctl_interval a = o, b = o;
		int up = rand() & 1;

		a.lat_p99_us = up ? 8800 : 7200;
		b.lat_p99_us = up ? 7200 : 8800;
		n += steps(&r, 1, &a, &b) == DPOCTL_V_ROLLBACK;
	}
	st = dpoctl_engine_metric(r.e, DPOCTL_M_LAT_P99);
	result(!n && st->log_bf_worse < log(1000),
	       "sequential: 3000 intervals of pure noise: no rollback (log BF %.2f)",
	       st->log_bf_worse);
	dpoctl_engine_free(r.e);
}

/*
 * With histograms, p99 is tested on the share of requests beyond the
 * baseline's p99 (8000 us): 1% for the original, 10% for the patched
 * one (50 of the 100 in [7000, 9000) count, pro rata), 0.09 per block.
 */
static void test_tail(void)
{
	static const struct dpoctl_lat_bucket ho[] = {
		{ 5000, 6000, 990 }, { 9000, 10000, 10 },
	}, hp[] = {
		{ 5000, 6000, 850 }, { 7000, 9000, 100 }, { 9000, 10000, 50 },
	};
	struct dpoctl_interval o = steady(), p = steady();
	const struct dpoctl_metric_state *st;
	const struct dpoctl_decision *d;
	struct dpoctl_engine_cfg c;
	struct run r;

	latency_only(&c);
	c.duration_s = 60;
	c.alpha = 0.001;
	o.lat_hist = ho;
	o.lat_hist_len = 2;
	p.lat_hist = hp;
	p.lat_hist_len = 3;
	p.requests = 1000;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps(&r, 29, &o, &p);
	st = dpoctl_engine_metric(r.e, DPOCTL_M_LAT_P99);
	check_near("tail: beyond the baseline's p99", st->tail_us, 8000);
	check_near("tail: 10% - 1% beyond, per block", st->seq_mean, 0.09);
	check_int("tail: the 30th interval: rollback", steps(&r, 1, &o, &p),
		  DPOCTL_V_ROLLBACK);
	d = dpoctl_engine_decision(r.e);
	result(d->reason == DPOCTL_R_SEQUENTIAL &&
	       strstr(d->why, "+9.00% more of its requests beyond the baseline's p99 (8000 us)"),
	       "tail: the decision says it: %s", d->why);
	dpoctl_engine_free(r.e);

	/* the same histograms: no evidence */
	p.lat_hist = ho;
	p.lat_hist_len = 2;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	check_int("tail: the same tail: none", steps(&r, 300, &o, &p),
		  DPOCTL_V_NONE);
	dpoctl_engine_free(r.e);
}

static void test_promotion(void)
{
	struct dpoctl_interval o = steady(), p = steady(), idle = steady();
	const struct dpoctl_decision *d;
	struct dpoctl_engine_cfg c;
	struct run r;
	int n;

	latency_only(&c);
	c.promote_s = 10;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	check_int("promote: after promote_s without a trigger",
		  steps_to_verdict(&r, 1000, &o, &p), 100);
	d = dpoctl_engine_decision(r.e);
	check_int("promote: reason time", d->reason, DPOCTL_R_TIME);
	check_near("promote: observed 10 s", d->observed_s, 10);
	dpoctl_engine_free(r.e);

	/* early: equal values are not worse than 5% */
	c.promote_alpha = 0.01;
	c.promote_min_s = 2;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	n = steps_to_verdict(&r, 1000, &o, &p);
	d = dpoctl_engine_decision(r.e);
	result(d->verdict == DPOCTL_V_PROMOTE && d->reason == DPOCTL_R_NOT_WORSE &&
	       n >= 20 && n < 100,
	       "promote: early when shown not worse (%d intervals)", n);
	dpoctl_engine_free(r.e);

	/* a patched one 10% worse is never shown "not worse than 5%" */
	p.lat_p99_us = 8000 * 1.1;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	n = steps_to_verdict(&r, 1000, &o, &p);
	d = dpoctl_engine_decision(r.e);
	result(d->reason == DPOCTL_R_TIME,
	       "promote: 10%% worse waits for promote_s (%s after %d)",
	       dpoctl_reason_name(d->reason), n);
	dpoctl_engine_free(r.e);

	/* served nothing: insufficient */
	idle.requests = 0;
	idle.has_lat = false;
	idle.conns_held = 0;
	latency_only(&c);
	c.promote_s = 10;
	run_start(&r, &c);
	steps(&r, 20, &o, NULL);
	steps_to_verdict(&r, 1000, &o, &idle);
	d = dpoctl_engine_decision(r.e);
	result(d->verdict == DPOCTL_V_INSUFFICIENT &&
	       d->reason == DPOCTL_R_NO_TRAFFIC,
	       "promote: a patched instance without requests is insufficient");
	dpoctl_engine_free(r.e);
}

static void test_baseline_refused(void)
{
	struct dpoctl_interval o = steady(), noisy;
	const struct dpoctl_decision *d;
	struct dpoctl_engine_cfg c;
	struct run r;
	char why[256];
	int i;

	latency_only(&c);
	run_start(&r, &c);
	steps(&r, 9, &o, NULL);
	check_int("baseline: 9 of 10 intervals: not ready",
		  dpoctl_engine_ready(r.e, why, sizeof(why)), -EAGAIN);
	check_str("baseline: says what is missing", why,
		  "baseline too short: lat_p99 has 9 of the 10 intervals it needs in the last 10s (wait, or disable it)");
	check_int("baseline: patched too early: insufficient",
		  steps(&r, 1, &o, &o), DPOCTL_V_INSUFFICIENT);
	d = dpoctl_engine_decision(r.e);
	check_int("baseline: reason baseline", d->reason, DPOCTL_R_BASELINE);
	check_str("baseline: the decision says why", d->why, why);
	dpoctl_engine_free(r.e);

	/* +-50% every other interval: sd ~4000 us vs a margin of 1600 */
	run_start(&r, &c);
	for (i = 0; i < 20; i++) {
		noisy = o;
		noisy.lat_p99_us = i & 1 ? 12000 : 4000;
		steps(&r, 1, &noisy, NULL);
	}
	check_int("baseline: too noisy for the threshold",
		  dpoctl_engine_ready(r.e, why, sizeof(why)), -ERANGE);
	result(strstr(why, "baseline too noisy for lat_p99") &&
	       strstr(why, "raise lat_p99.deviation_pct to 210 or more"),
	       "baseline: names the metric and the fix: %s", why);
	dpoctl_engine_free(r.e);
}

/* The same stream twice: the same decision, field for field. */
static void test_replayable(void)
{
	struct dpoctl_decision d[2];
	struct dpoctl_engine_cfg c;
	int k, i;

	dpoctl_engine_cfg_default(&c);
	c.baseline_s = 10;
	for (k = 0; k < 2; k++) {
		struct run r;

		run_start(&r, &c);
		srand(7);
		for (i = 0; i < 2000; i++) {
			struct dpoctl_interval a = steady(), b = steady();

			a.lat_p99_us *= 0.8 + 0.4 * rand() / RAND_MAX;
			b.lat_p99_us *= (i > 300 ? 1.3 : 1) *
					(0.8 + 0.4 * rand() / RAND_MAX);
			steps(&r, 1, &a, i >= 150 ? &b : NULL);
		}
		d[k] = *dpoctl_engine_decision(r.e);
		dpoctl_engine_free(r.e);
	}
	result(d[0].verdict == DPOCTL_V_ROLLBACK, "replay: a +30%% p99 is rolled back (%s: %s)",
	       dpoctl_reason_name(d[0].reason), d[0].why);
	result(!memcmp(&d[0], &d[1], sizeof(d[0])), "replay: same stream, same decision");
}

int main(void)
{
	test_window();
	test_names();
	test_cfg();
	test_thresholds();
	test_two_references();
	test_canary_shares();
	test_duration();
	test_severity();
	test_seqtest();
	test_sequential();
	test_tail();
	test_promotion();
	test_baseline_refused();
	test_replayable();
	test_point();
	return test_done();
}
