// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (not a test) of the decision engine on generated samples
 * (bench/sim.c): for each scenario, many seeded runs of a baseline and an
 * observation, each judged by the engine with the predictive trigger off
 * (rules: alpha = 0) and on (the defaults). Prints the false rollbacks of
 * a patch that is as good as the original (A/A), with a 95% Clopper-Pearson
 * interval and the trigger that fired, the promotions, the time from
 * exposure to rollback for each regression, and what a step costs.
 *
 * Deterministic given the seed, but for the ns columns. Runs are split
 * over --jobs processes; run i uses the same seed in every scenario and
 * both modes, so the modes judge the same streams.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "core/engine.h"
#include "sim.h"

struct scenario {
	const char *name;
	struct dpoctl_sim_regression reg;	/* factors; 0 taken as 1 */
};

/* p50 moves a quarter as much as p99: these regressions fatten the tail */
static const struct scenario scenarios[] = {
	{ .name = "A/A" },
	{ "p99 +10%", { .lat_p99 = 1.10, .lat_p50 = 1.025 } },
	{ "p99 +20%", { .lat_p99 = 1.20, .lat_p50 = 1.05 } },
	{ "p99 +50%", { .lat_p99 = 1.50, .lat_p50 = 1.125 } },
	/* a slower code path: the whole distribution, as 5 ms -> 6 ms */
	{ "latency +20%", { .lat_p99 = 1.20, .lat_p50 = 1.20 } },
	{ "CPU/req +20%", { .cpu_per_req = 1.20 } },
	{ "min_flt x2", { .min_flt_per_req = 2 } },
	{ "tput/conn -15%", { .req_per_conn = 0.85 } },
	{ "p99 ramp 1%/s", { .lat_p99 = 1.50, .lat_p50 = 1.125, .ramp_s = 50 } },
};
#define N_SCEN (sizeof(scenarios) / sizeof(scenarios[0]))

enum { MODE_RULES, MODE_DEFAULT, N_MODES };
static const char *const mode_names[N_MODES] = { "rules", "predict" };

/* noise kinds active in the BURST_WINDOW_S before a verdict */
enum {
	B_SHARED = 1,		/* a shared burst */
	B_PATCHED = 2,		/* the patched instance stalled */
	B_ORIG = 4,		/* the original stalled */
};
#define BURST_WINDOW_S 5.0

struct run {
	uint8_t verdict;
	uint8_t reason;
	int8_t metric;
	uint8_t bursts;
	float t_s;		/* from exposure to the verdict or the cap */
	float score;
	char why[sizeof(((struct dpoctl_decision *)0)->why)];
};

struct opts {
	uint32_t aa_runs, runs, jobs, timing_runs, list;
	uint64_t seed;
	double share, cv, max_s;
	bool shared_bursts, role_bursts, no_hist;
	const char *only;
};

static struct dpoctl_sim_cfg sim_cfg;
static struct dpoctl_engine_cfg eng_cfg[N_MODES];
static struct opts o = {
	.aa_runs = 4000, .runs = 400, .jobs = 2, .timing_runs = 10,
	.list = 10, .seed = 1, .share = 20, .cv = 20, .max_s = 0,
	.shared_bursts = true, .role_bursts = true,
};

/* --set NAME=VALUE, with the names of the configuration file */
#define MAX_SETS 32
static const char *sets[MAX_SETS];
static unsigned int n_sets;

static uint64_t run_seed(uint32_t i)
{
	uint64_t z = o.seed * 0x9e3779b97f4a7c15ULL + i;

	z = (z ^ (z >> 33)) * 0xff51afd7ed558ccdULL;
	z = (z ^ (z >> 33)) * 0xc4ceb9fe1a85ec53ULL;
	return z ^ (z >> 33);
}

static void scenario_cfg(const struct scenario *sc, struct dpoctl_sim_cfg *c)
{
	const struct dpoctl_sim_regression *r = &sc->reg;

	*c = sim_cfg;
	dpoctl_sim_regression_none(&c->reg);
#define SET(f) do { if (r->f) c->reg.f = r->f; } while (0)
	SET(lat_p50);
	SET(lat_p99);
	SET(cpu_per_req);
	SET(min_flt_per_req);
	SET(maj_flt_per_req);
	SET(req_per_conn);
#undef SET
	c->reg.ramp_s = r->ramp_s;
}

static bool within(uint64_t last, uint64_t k, double dt)
{
	return last != UINT64_MAX && (double)(k - last) * dt <= BURST_WINDOW_S;
}

static void fill(struct run *out, enum dpoctl_verdict v,
		 const struct dpoctl_engine *e, const struct dpoctl_sim *s)
{
	const struct dpoctl_decision *d = dpoctl_engine_decision(e);
	double dt = s->cfg.dt_s;

	memset(out, 0, sizeof(*out));
	out->verdict = (uint8_t)v;
	out->t_s = (float)dpoctl_sim_exposed_s(s);
	out->metric = -1;
	if (v != DPOCTL_V_NONE && d) {
		out->reason = (uint8_t)d->reason;
		out->metric = (int8_t)d->metric;
		out->score = (float)d->score;
		snprintf(out->why, sizeof(out->why), "%s", d->why);
	}
	if (within(s->shared_last, s->k - 1, dt))
		out->bursts |= B_SHARED;
	if (within(s->role_last[DPOCTL_SIM_PATCHED], s->k - 1, dt))
		out->bursts |= B_PATCHED;
	if (within(s->role_last[DPOCTL_SIM_ORIG], s->k - 1, dt))
		out->bursts |= B_ORIG;
}

/* Run @i of a scenario, judged by both modes on the same stream. */
static void one_run(const struct scenario *sc, uint32_t i,
		    struct run *out[N_MODES])
{
	struct dpoctl_engine *e[N_MODES];
	enum dpoctl_verdict v[N_MODES];
	struct dpoctl_interval io = { 0 }, ip = { 0 };
	struct dpoctl_sim_cfg c;
	struct dpoctl_sim s;
	int open = N_MODES;
	bool exposed = false;
	uint64_t now;

	scenario_cfg(sc, &c);
	dpoctl_sim_init(&s, &c, run_seed(i));
	for (int m = 0; m < N_MODES; m++) {
		e[m] = dpoctl_engine_new(&eng_cfg[m]);
		v[m] = DPOCTL_V_NONE;
		if (!e[m]) {
			fprintf(stderr, "engine_bench: dpoctl_engine_new failed\n");
			exit(2);
		}
	}
	while (open && (!exposed || dpoctl_sim_exposed_s(&s) < o.max_s)) {
		exposed = dpoctl_sim_next(&s, &now, &io, &ip);
		for (int m = 0; m < N_MODES; m++) {
			if (v[m] != DPOCTL_V_NONE)
				continue;
			v[m] = dpoctl_engine_step(e[m], now, &io,
						  exposed ? &ip : NULL);
			if (v[m] != DPOCTL_V_NONE) {
				fill(out[m], v[m], e[m], &s);
				open--;
			}
		}
	}
	for (int m = 0; m < N_MODES; m++) {
		if (v[m] == DPOCTL_V_NONE)
			fill(out[m], v[m], e[m], &s);
		dpoctl_engine_free(e[m]);
	}
}

static uint32_t runs_of(size_t sc)
{
	return sc == 0 ? o.aa_runs : o.runs;
}

static bool selected(size_t sc)
{
	return !o.only || strstr(scenarios[sc].name, o.only);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * What a step of the observation costs: the samples of a run generated
 * first, then the engine timed over them: the observation as a whole,
 * best of three (the mean per step), then step by step (the 99th
 * percentile, with a clock read's cost in it).
 */
struct cost {
	double mean_ns, p99_ns;
};

static int cmp_double(const void *a, const void *b);

static uint64_t observe(const struct dpoctl_engine_cfg *cfg, size_t nb,
			size_t n, const uint64_t *ts,
			const struct dpoctl_interval *vo,
			const struct dpoctl_interval *vp, double *each,
			size_t *steps)
{
	struct dpoctl_engine *e = dpoctl_engine_new(cfg);
	enum dpoctl_verdict v = DPOCTL_V_NONE;
	uint64_t t0, t1;
	size_t k;

	for (k = 0; k < nb && v == DPOCTL_V_NONE; k++)
		v = dpoctl_engine_step(e, ts[k], &vo[k], NULL);
	*steps = 0;
	t0 = now_ns();
	for (; k < n && v == DPOCTL_V_NONE; k++) {
		uint64_t a = each ? now_ns() : 0;

		v = dpoctl_engine_step(e, ts[k], &vo[k], &vp[k]);
		if (each)
			each[*steps] = (double)(now_ns() - a);
		(*steps)++;
	}
	t1 = now_ns();
	dpoctl_engine_free(e);
	return t1 - t0;
}

/*
 * A stored interval's histogram: the generator's buffer is overwritten by
 * the next interval, so time_steps() copies each into a pool, and points
 * the intervals into it once the pool is complete (it moves as it grows).
 */
struct hist_pool {
	struct dpoctl_lat_bucket *b;
	size_t len, cap;
};

static size_t keep_hist(struct hist_pool *p, const struct dpoctl_interval *iv)
{
	size_t off = p->len;

	if (!iv->lat_hist)
		return SIZE_MAX;
	if (p->len + iv->lat_hist_len > p->cap) {
		p->cap = 2 * (p->len + iv->lat_hist_len);
		p->b = realloc(p->b, p->cap * sizeof(*p->b));
		if (!p->b) {
			fprintf(stderr, "engine_bench: out of memory\n");
			exit(2);
		}
	}
	memcpy(p->b + off, iv->lat_hist, iv->lat_hist_len * sizeof(*p->b));
	p->len += iv->lat_hist_len;
	return off;
}

static struct cost time_steps(const struct scenario *sc, int mode)
{
	size_t cap = (size_t)((sim_cfg.baseline_s + o.max_s) / sim_cfg.dt_s) + 2;
	struct dpoctl_interval *vo = calloc(cap, sizeof(*vo));
	struct dpoctl_interval *vp = calloc(cap, sizeof(*vp));
	uint64_t *ts = calloc(cap, sizeof(*ts));
	size_t *ho = calloc(2 * cap, sizeof(*ho));	/* pool offsets */
	double *each = calloc(cap * o.timing_runs, sizeof(*each));
	size_t nb = (size_t)llround(sim_cfg.baseline_s / sim_cfg.dt_s);
	size_t n_each = 0;
	struct cost c = { 0, 0 };
	double total_ns = 0, steps = 0;

	if (!vo || !vp || !ts || !ho || !each) {
		fprintf(stderr, "engine_bench: out of memory\n");
		exit(2);
	}
	/* runs refused at the baseline (one step) are not timed: the next */
	for (uint32_t i = 0, timed = 0; timed < o.timing_runs &&
	     i < runs_of(sc - scenarios); i++) {
		struct dpoctl_sim_cfg cfg;
		struct dpoctl_sim *s = malloc(sizeof(*s));
		struct hist_pool pool = { 0 };
		uint64_t best = UINT64_MAX;
		size_t n = 0, st = 0;

		if (!s) {
			fprintf(stderr, "engine_bench: out of memory\n");
			exit(2);
		}
		scenario_cfg(sc, &cfg);
		dpoctl_sim_init(s, &cfg, run_seed(i));
		while (n < cap) {
			vp[n] = (struct dpoctl_interval){ 0 };
			dpoctl_sim_next(s, &ts[n], &vo[n], &vp[n]);
			ho[2 * n] = keep_hist(&pool, &vo[n]);
			ho[2 * n + 1] = keep_hist(&pool, &vp[n]);
			n++;
			if (n > nb && dpoctl_sim_exposed_s(s) >= o.max_s)
				break;
		}
		for (size_t k = 0; k < n; k++) {
			if (ho[2 * k] != SIZE_MAX)
				vo[k].lat_hist = pool.b + ho[2 * k];
			if (ho[2 * k + 1] != SIZE_MAX)
				vp[k].lat_hist = pool.b + ho[2 * k + 1];
		}
		free(s);
		for (int rep = 0; rep < 3; rep++) {
			uint64_t t = observe(&eng_cfg[mode], nb, n, ts, vo, vp,
					     NULL, &st);

			best = t < best ? t : best;
		}
		if (st <= 1) {
			free(pool.b);
			continue;
		}
		timed++;
		total_ns += (double)best;
		steps += (double)st;
		observe(&eng_cfg[mode], nb, n, ts, vo, vp, each + n_each, &st);
		n_each += st;
		free(pool.b);
	}
	c.mean_ns = steps ? total_ns / steps : 0;
	qsort(each, n_each, sizeof(double), cmp_double);
	c.p99_ns = n_each ? each[(size_t)ceil(0.99 * (double)n_each) - 1] : 0;
	free(vo);
	free(vp);
	free(ts);
	free(ho);
	free(each);
	return c;
}

/* The regularized incomplete beta function, by Lentz's continued fraction */
static double betacf(double a, double b, double x)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
	h = d;
	for (int m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
		c = 1 + aa / c;
		c = fabs(c) < 1e-300 ? 1e-300 : c;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + aa * d;
		d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
		c = 1 + aa / c;
		c = fabs(c) < 1e-300 ? 1e-300 : c;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

static double ibeta(double a, double b, double x)
{
	double lbt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
	      b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lbt) * betacf(a, b, x) / a;
	return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

static double beta_quantile(double a, double b, double p)
{
	double lo = 0, hi = 1;

	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (ibeta(a, b, mid) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* the exact (Clopper-Pearson) 95% interval of k successes in n */
static void clopper_pearson(uint32_t k, uint32_t n, double *lo, double *hi)
{
	*lo = k ? beta_quantile(k, n - k + 1, 0.025) : 0;
	*hi = k < n ? beta_quantile(k + 1, n - k, 0.975) : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the q quantile (nearest rank) of n sorted values */
static double quantile(const double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return NAN;
	i = (size_t)ceil(q * (double)n);
	return v[i ? i - 1 : 0];
}

static void fmt_time(char *buf, size_t len, double t)
{
	if (isnan(t))
		snprintf(buf, len, "-");
	else if (isinf(t))
		snprintf(buf, len, ">%.0fs", o.max_s);
	else
		snprintf(buf, len, "%.1fs", t);
}

static void print_row(size_t sc, int mode, const struct run *r, uint32_t n,
		      struct cost cost)
{
	uint32_t rb = 0, promo = 0, early = 0, insuf = 0, refused = 0, judged;
	uint32_t trig[3] = { 0 };
	uint32_t by_metric[DPOCTL_M_COUNT] = { 0 }, top = 0;
	double *det = calloc(n, sizeof(double)), *prom = calloc(n, sizeof(double));
	size_t np = 0, nd = 0;
	double lo, hi;
	char med[16], p95[16], tp[16], mname[40];

	if (!det || !prom) {
		fprintf(stderr, "engine_bench: out of memory\n");
		exit(2);
	}
	for (uint32_t i = 0; i < n; i++) {
		/* refused at the baseline: never observed, not judged */
		if (r[i].verdict == DPOCTL_V_INSUFFICIENT &&
		    r[i].reason == DPOCTL_R_BASELINE) {
			refused++;
			continue;
		}
		det[nd] = INFINITY;
		switch (r[i].verdict) {
		case DPOCTL_V_ROLLBACK:
			rb++;
			det[nd] = r[i].t_s;
			if (r[i].reason == DPOCTL_R_RULE)
				trig[0]++;
			else if (r[i].reason == DPOCTL_R_SEVERITY)
				trig[1]++;
			else if (r[i].reason == DPOCTL_R_SEQUENTIAL)
				trig[2]++;
			if (r[i].metric >= 0 && r[i].metric < DPOCTL_M_COUNT)
				by_metric[(int)r[i].metric]++;
			break;
		case DPOCTL_V_PROMOTE:
			promo++;
			early += r[i].reason == DPOCTL_R_NOT_WORSE;
			prom[np++] = r[i].t_s;
			break;
		case DPOCTL_V_INSUFFICIENT:
			insuf++;
			break;
		default:
			break;
		}
		nd++;
	}
	judged = n - refused;
	qsort(det, nd, sizeof(double), cmp_double);
	qsort(prom, np, sizeof(double), cmp_double);
	if (judged)
		clopper_pearson(rb, judged, &lo, &hi);
	else
		lo = hi = NAN;
	/* A/A: no detection to time; its false rollbacks are listed below */
	fmt_time(med, sizeof(med), rb && sc ? quantile(det, nd, 0.5) : NAN);
	fmt_time(p95, sizeof(p95), rb && sc ? quantile(det, nd, 0.95) : NAN);
	fmt_time(tp, sizeof(tp), quantile(prom, np, 0.5));
	for (int m = 0; m < DPOCTL_M_COUNT; m++)
		if (by_metric[m] > by_metric[top])
			top = m;
	if (by_metric[top])
		snprintf(mname, sizeof(mname), "%s %.0f%%",
			 dpoctl_metric_name(top), 100.0 * by_metric[top] / rb);
	else
		snprintf(mname, sizeof(mname), "-");
	if (!judged) {
		printf("%-15s %-7s %6u %5.1f%%  (every run refused at the baseline)\n",
		       scenarios[sc].name, mode_names[mode], n, 100.0);
		free(det);
		free(prom);
		return;
	}
	printf("%-15s %-7s %6u %5.1f%% %7.4f [%6.4f,%6.4f] %5u %5u %5u  %-18s %6.1f%% %5u %7s %5u %7s %7s %7.0f %7.0f\n",
	       scenarios[sc].name, mode_names[mode], n, 100.0 * refused / n,
	       judged ? (double)rb / judged : NAN, lo, hi, trig[0], trig[1],
	       trig[2], mname, judged ? 100.0 * promo / judged : NAN, early,
	       tp, insuf,
	       med, p95, cost.mean_ns, cost.p99_ns);
	free(det);
	free(prom);
}

static const char *burst_names(uint8_t b, char *buf, size_t len)
{
	static const char *const names[] = {
		"shared-burst", "patched-stall", "original-stall",
	};
	size_t n = 0;

	buf[0] = 0;
	for (int k = 0; k < 3; k++)
		if (b & (1 << k))
			n += snprintf(buf + n, len - n, "%s%s", n ? "+" : "",
				      names[k]);
	if (!n)
		snprintf(buf, len, "quiet");
	return buf;
}

/* The metric a refusal names: "too noisy for lat_p99: ..." */
static int refused_metric(const char *why)
{
	char pat[48];

	for (int m = 0; m < DPOCTL_M_COUNT; m++) {
		snprintf(pat, sizeof(pat), "for %s:", dpoctl_metric_name(m));
		if (strstr(why, pat))
			return m;
		snprintf(pat, sizeof(pat), ": %s has", dpoctl_metric_name(m));
		if (strstr(why, pat))
			return m;
	}
	return -1;
}

/*
 * Why runs ended as insufficient: the baselines refused, by the metric
 * named (the same in every scenario: run i has the same baseline in all),
 * and any insufficient verdict after observing, with its first sentence.
 */
static void print_insufficient(size_t sc, int mode, const struct run *r,
			       uint32_t n)
{
	uint32_t by[DPOCTL_M_COUNT + 1] = { 0 }, k = 0, first = n, refused = 0;
	uint32_t ex = n;

	for (uint32_t i = 0; i < n; i++) {
		if (r[i].verdict != DPOCTL_V_INSUFFICIENT)
			continue;
		if (r[i].reason == DPOCTL_R_BASELINE) {
			int m = refused_metric(r[i].why);

			by[m < 0 ? DPOCTL_M_COUNT : m]++;
			ex = refused++ ? ex : i;
		} else if (!k++) {
			first = i;
		}
	}
	if (refused && sc == 0 && mode == MODE_DEFAULT) {
		printf("\nbaselines refused: %u of %u, for", refused, n);
		for (int m = 0; m <= DPOCTL_M_COUNT; m++)
			if (by[m])
				printf(" %s %u", m < DPOCTL_M_COUNT ?
				       dpoctl_metric_name(m) : "other", by[m]);
		printf("; e.g. run %u: %s\n", ex, r[ex].why);
	}
	if (k)
		printf("  %s, %s: %u insufficient after observing, e.g. run %u at %.1fs (%s): %s\n",
		       scenarios[sc].name, mode_names[mode], k, first,
		       r[first].t_s, dpoctl_reason_name(r[first].reason),
		       r[first].why);
}

/* The A/A false rollbacks: when, why, and which noise came just before. */
static void print_false(const struct run *r, uint32_t n, int mode)
{
	uint32_t kinds[8] = { 0 }, shown = 0, total = 0;
	uint32_t by[DPOCTL_M_COUNT][4] = { { 0 } };
	const char *sep = " ";
	char b[64];

	for (uint32_t i = 0; i < n; i++) {
		if (r[i].verdict != DPOCTL_V_ROLLBACK)
			continue;
		total++;
		kinds[r[i].bursts & 7]++;
		if (r[i].metric >= 0 && r[i].metric < DPOCTL_M_COUNT &&
		    r[i].reason >= DPOCTL_R_RULE && r[i].reason <= DPOCTL_R_SEQUENTIAL)
			by[(int)r[i].metric][r[i].reason]++;
	}
	if (!total)
		return;
	printf("\nA/A false rollbacks, %s: %u; noise in the %.0f s before:",
	       mode_names[mode], total, BURST_WINDOW_S);
	for (int k = 0; k < 8; k++)
		if (kinds[k]) {
			printf("%s%s %u", sep, burst_names(k, b, sizeof(b)),
			       kinds[k]);
			sep = ", ";
		}
	printf("\n  by trigger and metric:");
	for (int m = 0; m < DPOCTL_M_COUNT; m++)
		for (int t = DPOCTL_R_RULE; t <= DPOCTL_R_SEQUENTIAL; t++)
			if (by[m][t])
				printf(" %s %s %u", dpoctl_reason_name(t),
				       dpoctl_metric_name(m), by[m][t]);
	printf("\n");
	for (uint32_t i = 0; i < n && shown < o.list; i++) {
		if (r[i].verdict != DPOCTL_V_ROLLBACK)
			continue;
		shown++;
		printf("  run %-6u t=%6.1fs %-10s %-16s %-28s %s\n", i, r[i].t_s,
		       dpoctl_reason_name(r[i].reason),
		       r[i].metric >= 0 ? dpoctl_metric_name(r[i].metric) : "-",
		       burst_names(r[i].bursts, b, sizeof(b)), r[i].why);
	}
}

static void print_settings(void)
{
	const struct dpoctl_sim_cfg *c = &sim_cfg;
	const struct dpoctl_engine_cfg *e = &eng_cfg[MODE_DEFAULT];

	printf("engine_bench: seed %llu, %u A/A runs, %u runs per regression, observation up to %.0f s after %.0f s of baseline, %u jobs\n",
	       (unsigned long long)o.seed, o.aa_runs, o.runs, o.max_s,
	       c->baseline_s, o.jobs);
	printf("samples: every %.0f ms; patched share %.0f%% of %.0f connections; %.0f req/s in all; p50 %.0f us, p99 %.0f us, CPU %.0f us/req, %.1f minor faults/req\n",
	       c->dt_s * 1e3, c->share * 100, c->conns, c->req_per_s,
	       c->lat_p50_us, c->lat_p99_us, c->cpu_per_req_us,
	       c->min_flt_per_req);
	printf("noise: per-interval CV %.0f%% on p99 and CPU/req (p50 %.0f%%); shared load +-%.0f%% (tau %.0f s)\n",
	       c->cv_lat * 100, c->cv_lat * 50, c->load_amp * 100, c->load_tau_s);
	printf("latency: %s\n", c->lat_hist ?
	       "each interval's requests drawn into the kernel's log-linear histogram, p50/p99/mean read from it" :
	       "no histograms: the model's p50/p99/mean reported as such");
	printf("bursts: shared every %.0f s on average (%.1f-%.1f s, load x1-%.1f, p99 x1.5-%.1f); per-role stalls every %.0f s per role (%.1f-%.1f s, p99 x1.5-%.1f)\n",
	       c->shared_burst_per_s > 0 ? 1 / c->shared_burst_per_s : 0,
	       c->shared_burst_min_s, c->shared_burst_max_s,
	       c->shared_burst_load_max, c->shared_burst_p99_max,
	       c->role_burst_per_s > 0 ? 1 / c->role_burst_per_s : 0,
	       c->role_burst_min_s, c->role_burst_max_s, c->role_burst_p99_max);
	printf("engine (defaults%s", n_sets ? ", with" : "");
	for (unsigned int i = 0; i < n_sets; i++)
		printf(" %s", sets[i]);
	printf("): baseline %.0f s, smooth %.1f s, duration %.1f s, severity %.2f for %.1f s, alpha %g (rules: 0), promote %.0f s, early promotion tol %.1f%% alpha %g after %.0f s\n",
	       e->baseline_s, e->smooth_s, e->duration_s, e->severity,
	       e->severity_s, e->alpha, e->promote_s, e->promote_tol_pct,
	       e->promote_alpha, e->promote_min_s);
	printf("metrics:");
	for (int m = 0; m < DPOCTL_M_COUNT; m++)
		if (e->m[m].enabled)
			printf(" %s %+.0f%%%s", dpoctl_metric_name(m),
			       dpoctl_metric_lower_is_worse(m) ?
			       -e->m[m].deviation_pct : e->m[m].deviation_pct,
			       e->m[m].sequential ? "*" : "");
	printf(" (* also in the predictive test)\n\n");
}

/* --set NAME=VALUE, with the names of the configuration file */
static int apply_set(struct dpoctl_engine_cfg *c, const char *arg)
{
	static const struct {
		const char *name;
		size_t off;
	} top[] = {
#define F(n, f) { n, offsetof(struct dpoctl_engine_cfg, f) }
		F("baseline.window_s", baseline_s),
		F("rule.smooth_s", smooth_s),
		F("rule.duration_s", duration_s),
		F("severity.threshold", severity),
		F("severity.duration_s", severity_s),
		F("predictive.alpha", alpha),
		F("predictive.block_s", block_s),
		F("promote.after_s", promote_s),
		F("promote.tolerance_pct", promote_tol_pct),
		F("promote.alpha", promote_alpha),
		F("promote.min_s", promote_min_s),
#undef F
	};
	const char *eq = strchr(arg, '='), *dot;
	char name[64], *end;
	double v;
	int m;

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return -1;
	memcpy(name, arg, eq - arg);
	name[eq - arg] = 0;
	v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end)
		return -1;
	if (!strcmp(name, "baseline.min_samples")) {
		c->baseline_min = (uint32_t)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (!strcmp(name, top[i].name)) {
			*(double *)((char *)c + top[i].off) = v;
			return 0;
		}
	dot = strchr(name, '.');
	if (!dot)
		return -1;
	name[dot - name] = 0;
	m = dpoctl_metric_by_name(name);
	if (m < 0)
		return -1;
	dot++;
	if (!strcmp(dot, "enabled"))
		c->m[m].enabled = v != 0;
	else if (!strcmp(dot, "sequential"))
		c->m[m].sequential = v != 0;
	else if (!strcmp(dot, "deviation_pct"))
		c->m[m].deviation_pct = v;
	else if (!strcmp(dot, "floor"))
		c->m[m].floor = v;
	else if (!strcmp(dot, "weight"))
		c->m[m].weight = v;
	else
		return -1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: engine_bench [--aa-runs N] [--runs N] [--seed S] [--share PCT] [--cv PCT]\n"
"                    [--max-s S] [--jobs N] [--timing-runs N] [--list N]\n"
"                    [--bursts both|shared|role|none] [--only SCENARIO] [--no-hist]\n"
"                    [--set NAME=VALUE]...\n"
"  --aa-runs N      A/A runs (default 4000)\n"
"  --runs N         runs per regression scenario (default 400)\n"
"  --seed S         first seed (default 1); run i of every scenario uses seed S's i-th\n"
"  --share PCT      patched instance's share of connections (default 20)\n"
"  --cv PCT         per-interval CV of p99 and CPU per request (default 20)\n"
"  --max-s S        observation cap in seconds (default: the engine's promote_s + 10)\n"
"  --jobs N         processes (default 2)\n"
"  --timing-runs N  runs timed per row for the ns columns (default 10)\n"
"  --list N         A/A false rollbacks listed (default 10)\n"
"  --bursts KIND    noise bursts generated (default both)\n"
"  --only NAME      the scenarios whose name contains NAME\n"
"  --no-hist        no latency histograms: the model's p50, p99 and mean reported as such\n"
"  --set NAME=VALUE an engine setting, named as in the configuration file:\n"
"                   rule.duration_s=10, lat_p99.deviation_pct=30, rss_growth.enabled=0\n"
"                   (both modes; the rules mode then sets predictive.alpha=0)\n");
}

static void parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "aa-runs", 1, 0, 'a' }, { "runs", 1, 0, 'r' },
		{ "seed", 1, 0, 's' }, { "share", 1, 0, 'S' },
		{ "cv", 1, 0, 'c' }, { "max-s", 1, 0, 'm' },
		{ "jobs", 1, 0, 'j' }, { "timing-runs", 1, 0, 't' },
		{ "list", 1, 0, 'l' }, { "bursts", 1, 0, 'b' },
		{ "only", 1, 0, 'o' }, { "set", 1, 0, 'x' },
		{ "no-hist", 0, 0, 'H' },
		{ "help", 0, 0, 'h' }, { 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 'a': o.aa_runs = strtoul(optarg, NULL, 0); break;
		case 'r': o.runs = strtoul(optarg, NULL, 0); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'S': o.share = strtod(optarg, NULL); break;
		case 'c': o.cv = strtod(optarg, NULL); break;
		case 'm': o.max_s = strtod(optarg, NULL); break;
		case 'j': o.jobs = strtoul(optarg, NULL, 0); break;
		case 't': o.timing_runs = strtoul(optarg, NULL, 0); break;
		case 'l': o.list = strtoul(optarg, NULL, 0); break;
		case 'b':
			o.shared_bursts = !strcmp(optarg, "both") ||
					  !strcmp(optarg, "shared");
			o.role_bursts = !strcmp(optarg, "both") ||
					!strcmp(optarg, "role");
			if (!o.shared_bursts && !o.role_bursts &&
			    strcmp(optarg, "none")) {
				usage(stderr);
				exit(1);
			}
			break;
		case 'o': o.only = optarg; break;
		case 'H': o.no_hist = true; break;
		case 'x':
			if (n_sets == MAX_SETS) {
				usage(stderr);
				exit(1);
			}
			sets[n_sets++] = optarg;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(1);
		}
	}
	if (optind != argc || !o.aa_runs || !o.runs || !o.jobs ||
	    o.share <= 0 || o.share >= 100 || o.cv < 0 || o.max_s < 0) {
		usage(stderr);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t total = 0, off[N_SCEN][N_MODES];
	struct run *res;
	char why[sizeof(((struct dpoctl_decision *)0)->why)];
	double t0 = now_s();

	parse(argc, argv);
	dpoctl_sim_cfg_default(&sim_cfg);
	sim_cfg.share = o.share / 100;
	sim_cfg.cv_lat = sim_cfg.cv_cpu = o.cv / 100;
	if (!o.shared_bursts)
		sim_cfg.shared_burst_per_s = 0;
	if (!o.role_bursts)
		sim_cfg.role_burst_per_s = 0;
	sim_cfg.lat_hist = !o.no_hist;
	for (int m = 0; m < N_MODES; m++) {
		dpoctl_engine_cfg_default(&eng_cfg[m]);
		for (unsigned int i = 0; i < n_sets; i++)
			if (apply_set(&eng_cfg[m], sets[i])) {
				fprintf(stderr, "engine_bench: --set %s: unknown setting or bad value\n",
					sets[i]);
				return 1;
			}
	}
	eng_cfg[MODE_RULES].alpha = 0;
	for (int m = 0; m < N_MODES; m++)
		if (dpoctl_engine_cfg_check(&eng_cfg[m], why, sizeof(why))) {
			fprintf(stderr, "engine_bench: settings: %s\n", why);
			return 1;
		}
	sim_cfg.baseline_s = eng_cfg[MODE_DEFAULT].baseline_s;
	if (!o.max_s)
		o.max_s = eng_cfg[MODE_DEFAULT].promote_s > 0 ?
			  eng_cfg[MODE_DEFAULT].promote_s + 10 : 300;

	for (size_t sc = 0; sc < N_SCEN; sc++)
		for (int m = 0; m < N_MODES; m++) {
			off[sc][m] = total;
			if (selected(sc))
				total += runs_of(sc);
		}
	res = mmap(NULL, total * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		perror("engine_bench: mmap");
		return 2;
	}
	print_settings();
	fflush(stdout);

	for (uint32_t j = 0; j < o.jobs; j++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("engine_bench: fork");
			return 2;
		}
		if (pid)
			continue;
		for (size_t sc = 0; sc < N_SCEN; sc++) {
			if (!selected(sc))
				continue;
			for (uint32_t i = j; i < runs_of(sc); i += o.jobs) {
				struct run *out[N_MODES];

				for (int m = 0; m < N_MODES; m++)
					out[m] = &res[off[sc][m] + i];
				one_run(&scenarios[sc], i, out);
			}
		}
		_exit(0);
	}
	for (uint32_t j = 0; j < o.jobs; j++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "engine_bench: a worker failed\n");
			return 2;
		}
	}

	printf("%-15s %-7s %6s %6s %7s %-15s %5s %5s %5s  %-18s %7s %5s %7s %5s %7s %7s %7s %7s\n",
	       "scenario", "mode", "runs", "refus", "rollbk", "95% CI", "rule", "sev",
	       "seq", "top metric", "promote", "early", "t_prom", "insuf", "t_med",
	       "t_p95", "ns/step", "p99_ns");
	for (size_t sc = 0; sc < N_SCEN; sc++) {
		if (!selected(sc))
			continue;
		for (int m = 0; m < N_MODES; m++)
			print_row(sc, m, &res[off[sc][m]], runs_of(sc),
				  time_steps(&scenarios[sc], m));
	}
	printf("\nrefus: runs the engine refused at the end of the baseline (insufficient: baseline too noisy); the rest are judged:\n"
	       "rollbk: share of judged runs rolled back (A/A: false rollbacks), 95%% Clopper-Pearson; rule/sev/seq: the trigger that fired;\n"
	       "promote: share promoted (regressions: wrongly), early: of them before promote_s (not worse), t_prom: median time; insuf: insufficient after observing;\n"
	       "t_med/t_p95: from exposure to rollback over judged runs (>cap: not rolled back within the observation);\n"
	       "ns/step: mean cost of an observation step, p99_ns: its 99th percentile (with a clock read)\n");
	for (size_t sc = 0; sc < N_SCEN; sc++)
		for (int m = 0; m < N_MODES && selected(sc); m++)
			print_insufficient(sc, m, &res[off[sc][m]], runs_of(sc));
	if (selected(0))
		for (int m = 0; m < N_MODES; m++)
			print_false(&res[off[0][m]], o.aa_runs, m);
	printf("\nengine_bench: %.1f s\n", now_s() - t0);
	munmap(res, total * sizeof(*res));
	return 0;
}
