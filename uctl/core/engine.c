// SPDX-License-Identifier: GPL-2.0
/*
 * The decision engine. The formulas, and why, are in uctl/core/ENGINE.md;
 * the comments here only point at its sections.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "seqtest.h"
#include "window.h"

#define NS_PER_S 1000000000.0
/* Per-interval log ratios are winsorized at +-1 (a factor of e). */
#define D_MAX 1.0
/* The sequential t-test's mixture width, in sds of a block's value. */
#define SEQ_G 4.0
/* A threshold margin must be this many sd of the smoothed noise. */
#define NOISE_SDS 2.0
/* A streak holds through a stall of the original this long at most. */
#define HOLD_MAX_NS (2 * 1000000000ULL)
/* One metric adds at most this many threshold margins to the score. */
#define EXCESS_CAP 5.0

/*
 * A percentile of few requests is biased (the p99 of 26 requests is about
 * the largest, the p99 of 104 the second largest): the predictive test
 * pairs a percentile only when both roles completed enough requests for
 * five or more of them to lie beyond it (ENGINE.md, "Predictive trigger").
 */
#define TAIL_REQUESTS 5

static const struct {
	const char *name, *unit;
	bool lower_is_worse;
	double tail;		/* share of requests beyond, percentiles */
	struct dpoctl_metric_cfg def;
} metrics[DPOCTL_M_COUNT] = {
	/*                             enabled seq   pct  floor  weight */
	[DPOCTL_M_LAT_P50] = { "lat_p50", "us", false, 0.5,
		{ true, true, 20, 50, 0.5 } },
	[DPOCTL_M_LAT_P99] = { "lat_p99", "us", false, 0.01,
		{ true, true, 20, 100, 1 } },
	[DPOCTL_M_LAT_MEAN] = { "lat_mean", "us", false, 0,
		{ true, true, 20, 50, 0.5 } },
	[DPOCTL_M_CPU_PER_REQ] = { "cpu_per_req", "us", false, 0,
		{ true, true, 20, 2, 1 } },
	[DPOCTL_M_CPU] = { "cpu", "%", false, 0,
		{ true, false, 25, 1, 0.5 } },
	[DPOCTL_M_RUN_DELAY] = { "run_delay", "ms/s", false, 0,
		{ true, false, 50, 5, 0.5 } },
	[DPOCTL_M_MIN_FLT_PER_REQ] = { "min_flt_per_req", "", false, 0,
		{ true, true, 50, 0.05, 1 } },
	[DPOCTL_M_MAJ_FLT_PER_REQ] = { "maj_flt_per_req", "", false, 0,
		{ true, true, 50, 0.01, 1 } },
	[DPOCTL_M_MIN_FLT] = { "min_flt", "/s", false, 0,
		{ true, false, 50, 100, 0.5 } },
	[DPOCTL_M_MAJ_FLT] = { "maj_flt", "/s", false, 0,
		{ true, false, 50, 1, 0.5 } },
	[DPOCTL_M_RSS_GROWTH] = { "rss_growth", "B/s", false, 0,
		{ true, false, 50, 4194304, 0.5 } },
	[DPOCTL_M_THROUGHPUT] = { "throughput", "req/s", true, 0,
		{ true, true, 10, 1, 1 } },
};

const char *dpoctl_metric_name(enum dpoctl_metric m)
{
	return (unsigned int)m < DPOCTL_M_COUNT ? metrics[m].name : NULL;
}

int dpoctl_metric_by_name(const char *name)
{
	int m;

	for (m = 0; m < DPOCTL_M_COUNT; m++)
		if (!strcmp(name, metrics[m].name))
			return m;
	return -1;
}

const char *dpoctl_metric_unit(enum dpoctl_metric m)
{
	return (unsigned int)m < DPOCTL_M_COUNT ? metrics[m].unit : NULL;
}

bool dpoctl_metric_lower_is_worse(enum dpoctl_metric m)
{
	return (unsigned int)m < DPOCTL_M_COUNT && metrics[m].lower_is_worse;
}

void dpoctl_engine_cfg_default(struct dpoctl_engine_cfg *cfg)
{
	int m;

	*cfg = (struct dpoctl_engine_cfg){
		.baseline_s = 60,
		.baseline_min = 30,
		.smooth_s = 2,
		.duration_s = 60,
		.severity = 3,
		.severity_s = 15,
		.alpha = 0.001,
		.block_s = 0.5,
		.promote_s = 300,
		.promote_tol_pct = 5,
		.promote_alpha = 0.01,
		.promote_min_s = 30,
	};
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		cfg->m[m] = metrics[m].def;
}

static int bad(char *why, size_t len, const char *fmt, const char *name,
	       double v)
{
	snprintf(why, len, fmt, name, v);
	return -EINVAL;
}

int dpoctl_engine_cfg_check(const struct dpoctl_engine_cfg *c, char *why,
			    size_t len)
{
	int m, enabled = 0;

	if (!(c->baseline_s > 0 && c->baseline_s <= 3600))
		return bad(why, len, "%s %g: must be in (0, 3600]",
			   "baseline.window_s", c->baseline_s);
	if (c->baseline_min < 2)
		return bad(why, len, "%s %g: must be 2 or more",
			   "baseline.min_samples", c->baseline_min);
	if (!(c->duration_s > 0 && c->duration_s <= 3600))
		return bad(why, len, "%s %g: must be in (0, 3600]",
			   "rule.duration_s", c->duration_s);
	if (!(c->smooth_s >= 0 && c->smooth_s <= c->duration_s))
		return bad(why, len, "%s %g: must be in [0, rule.duration_s]",
			   "rule.smooth_s", c->smooth_s);
	if (!(c->severity >= 0 && c->severity <= 1000))
		return bad(why, len, "%s %g: must be in [0, 1000] (0: off)",
			   "severity.threshold", c->severity);
	if (!(c->severity_s > 0 && c->severity_s <= 3600))
		return bad(why, len, "%s %g: must be in (0, 3600]",
			   "severity.duration_s", c->severity_s);
	if (!(c->alpha >= 0 && c->alpha < 0.5))
		return bad(why, len, "%s %g: must be in [0, 0.5) (0: off)",
			   "predictive.alpha", c->alpha);
	if (!(c->block_s >= 0 && c->block_s <= 60))
		return bad(why, len, "%s %g: must be in [0, 60] (0: one interval)",
			   "predictive.block_s", c->block_s);
	if (!(c->promote_s > 0 && c->promote_s <= 86400))
		return bad(why, len, "%s %g: must be in (0, 86400]",
			   "promote.after_s", c->promote_s);
	if (!(c->promote_tol_pct >= 0 && c->promote_tol_pct < 100))
		return bad(why, len, "%s %g: must be in [0, 100)",
			   "promote.tolerance_pct", c->promote_tol_pct);
	if (!(c->promote_alpha >= 0 && c->promote_alpha < 0.5))
		return bad(why, len, "%s %g: must be in [0, 0.5) (0: off)",
			   "promote.alpha", c->promote_alpha);
	if (!(c->promote_min_s >= 0 && c->promote_min_s <= c->promote_s))
		return bad(why, len, "%s %g: must be in [0, promote.after_s]",
			   "promote.min_s", c->promote_min_s);
	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		const struct dpoctl_metric_cfg *mc = &c->m[m];
		char key[48];

		if (!mc->enabled)
			continue;
		enabled++;
		snprintf(key, sizeof(key), "%s.deviation_pct", metrics[m].name);
		if (!(mc->deviation_pct >= 0 &&
		      mc->deviation_pct < (metrics[m].lower_is_worse ? 100 : 10000)))
			return bad(why, len, metrics[m].lower_is_worse ?
				   "%s %g: must be in [0, 100)" :
				   "%s %g: must be in [0, 10000)",
				   key, mc->deviation_pct);
		snprintf(key, sizeof(key), "%s.floor", metrics[m].name);
		if (!(mc->floor >= 0 && isfinite(mc->floor)))
			return bad(why, len, "%s %g: must be 0 or more", key,
				   mc->floor);
		if (!mc->floor && !mc->deviation_pct)
			return bad(why, len,
				   "%s %g: a metric with deviation_pct 0 needs a floor above 0",
				   key, mc->floor);
		snprintf(key, sizeof(key), "%s.weight", metrics[m].name);
		if (!(mc->weight >= 0 && mc->weight <= 100))
			return bad(why, len, "%s %g: must be in [0, 100]", key,
				   mc->weight);
	}
	if (!enabled) {
		snprintf(why, len, "no metric is enabled");
		return -EINVAL;
	}
	return 0;
}

/*
 * The predictive test of one metric (ENGINE.md, "Predictive trigger"):
 * the block being filled, and the tests of the blocks so far.
 */
struct seq_metric {
	uint32_t n;			/* paired intervals in the block */
	double sum_d;			/* log ratios: their sum */
	double kp, np, ko, no;		/* tail: requests beyond, requests */
	double rp, sp, ro, so;		/* throughput: requests, share x s */
	struct dpoctl_seqtest worse;	/* "the patch is worse" */
	struct dpoctl_seqtest ok;	/* "not worse than the tolerance" */
};

struct dpoctl_engine {
	struct dpoctl_engine_cfg cfg;
	enum dpoctl_phase phase;
	uint64_t last_ns;		/* end of the previous step, 0: none */
	uint64_t observe_ns;		/* the patched instance's first step */
	struct dpoctl_window base;	/* the original, baseline_s */
	struct dpoctl_window smooth_o;	/* the original, smooth_s */
	struct dpoctl_window smooth_p;	/* the patched one, smooth_s */
	uint32_t patched_with_data;	/* observed intervals with requests */
	int n_sequential;		/* metrics in the predictive test */
	struct dpoctl_metric_state st[DPOCTL_M_COUNT];
	struct seq_metric seq[DPOCTL_M_COUNT];
	uint32_t block_n;		/* paired intervals per block */
	bool saw_hist;			/* the original's intervals had histograms */
	double score;
	bool severe;
	uint64_t severe_since_ns;
	struct dpoctl_decision decision;
	struct dpoctl_engine_event ev[DPOCTL_MAX_EVENTS];
	size_t n_ev;
	/* the last step's points, for dpoctl_engine_point() */
	struct dpoctl_point last_o, last_p;
};

struct dpoctl_engine *dpoctl_engine_new(const struct dpoctl_engine_cfg *cfg)
{
	struct dpoctl_engine *e;
	char why[128];
	int m;

	if (dpoctl_engine_cfg_check(cfg, why, sizeof(why)))
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	dpoctl_window_init(&e->base, (uint64_t)llround(cfg->baseline_s * NS_PER_S));
	dpoctl_window_init(&e->smooth_o, (uint64_t)llround(cfg->smooth_s * NS_PER_S));
	dpoctl_window_init(&e->smooth_p, (uint64_t)llround(cfg->smooth_s * NS_PER_S));
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		if (cfg->m[m].enabled && cfg->m[m].sequential)
			e->n_sequential++;
	e->decision.metric = -1;
	return e;
}

void dpoctl_engine_free(struct dpoctl_engine *e)
{
	if (!e)
		return;
	dpoctl_window_free(&e->base);
	dpoctl_window_free(&e->smooth_o);
	dpoctl_window_free(&e->smooth_p);
	free(e);
}

/*
 * The share of the session's connections a role held in the interval
 * (ENGINE.md, "Load independence"); 0 when neither held any.
 */
static double share_of(const struct dpoctl_interval *r,
		       const struct dpoctl_interval *other)
{
	double total;

	if (!other)
		return 1;
	total = r->conns_held + other->conns_held;
	if (total > 0)
		return r->conns_held / total;
	total = r->requests + other->requests;
	return total > 0 ? r->requests / total : 0;
}

static void set(struct dpoctl_point *p, enum dpoctl_metric m, double v)
{
	if (isfinite(v)) {
		p->has[m] = true;
		p->v[m] = v;
	}
}

/* One role's metrics for one interval (ENGINE.md, "Metrics"). */
static void metrics_of(const struct dpoctl_interval *r,
		       const struct dpoctl_interval *other, uint64_t now_ns,
		       struct dpoctl_point *p)
{
	double share = share_of(r, other), per_s = 1 / r->dt_s;

	memset(p, 0, sizeof(*p));
	p->end_ns = now_ns;
	p->dt_s = r->dt_s;
	p->requests = r->requests;
	p->share = share;
	if (r->has_lat) {
		set(p, DPOCTL_M_LAT_P50, r->lat_p50_us);
		set(p, DPOCTL_M_LAT_P99, r->lat_p99_us);
		set(p, DPOCTL_M_LAT_MEAN, r->lat_mean_us);
	}
	if (r->requests > 0) {
		set(p, DPOCTL_M_CPU_PER_REQ, r->cpu_s * 1e6 / r->requests);
		set(p, DPOCTL_M_MIN_FLT_PER_REQ, r->min_flt / r->requests);
		set(p, DPOCTL_M_MAJ_FLT_PER_REQ, r->maj_flt / r->requests);
	}
	if (share > 0) {
		set(p, DPOCTL_M_CPU, r->cpu_s * 100 * per_s / share);
		set(p, DPOCTL_M_RUN_DELAY, r->run_delay_s * 1e3 * per_s / share);
		set(p, DPOCTL_M_MIN_FLT, r->min_flt * per_s / share);
		set(p, DPOCTL_M_MAJ_FLT, r->maj_flt * per_s / share);
		set(p, DPOCTL_M_THROUGHPUT, r->requests * per_s / share);
	}
	set(p, DPOCTL_M_RSS_GROWTH, r->rss_delta_bytes * per_s);
}

static bool valid_interval(const struct dpoctl_interval *r)
{
	return r && r->dt_s > 0 && isfinite(r->dt_s);
}

static void event(struct dpoctl_engine *e, enum dpoctl_event_kind kind,
		  int metric, uint64_t now_ns, double value, double threshold,
		  double lasted_s)
{
	if (e->n_ev == DPOCTL_MAX_EVENTS)
		return;
	e->ev[e->n_ev++] = (struct dpoctl_engine_event){
		.kind = kind, .metric = metric, .time_ns = now_ns,
		.value = value, .threshold = threshold, .lasted_s = lasted_s,
	};
}

/* The threshold's margin around reference @ref (ENGINE.md, "Thresholds"). */
static double margin(const struct dpoctl_metric_cfg *mc, double ref)
{
	double rel = fabs(ref) * mc->deviation_pct / 100;

	return rel > mc->floor ? rel : mc->floor;
}

/* + is worse, in units of the metric */
static double worse_by(enum dpoctl_metric m, double value, double ref)
{
	return metrics[m].lower_is_worse ? ref - value : value - ref;
}

static double threshold(enum dpoctl_metric m, double ref, double marg)
{
	return metrics[m].lower_is_worse ? ref - marg : ref + marg;
}

int dpoctl_engine_ready(const struct dpoctl_engine *e, char *why, size_t len)
{
	const struct dpoctl_engine_cfg *c = &e->cfg;
	double dt = dpoctl_window_mean_dt(&e->base), k, noise, marg;
	int m;

	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		struct dpoctl_stat s = dpoctl_window_stat(&e->base, m);

		if (!c->m[m].enabled)
			continue;
		if (s.n < c->baseline_min) {
			snprintf(why, len,
				 "baseline too short: %s has %u of the %u intervals it needs in the last %gs (wait, or disable it)",
				 metrics[m].name, s.n, c->baseline_min,
				 c->baseline_s);
			return -EAGAIN;
		}
		/* the rule judges averages over smooth_s: k intervals */
		k = dt > 0 ? floor(c->smooth_s / dt + 0.5) : 1;
		if (k < 1)
			k = 1;
		noise = dpoctl_window_noise_sd(&e->base, m, (uint32_t)k);
		marg = margin(&c->m[m], s.mean);
		if (marg < NOISE_SDS * noise) {
			snprintf(why, len,
				 "baseline too noisy for %s: its average over rule.smooth_s (%.4g %s) varies by sd %.3g, more than half the threshold's margin %.3g; raise %s.deviation_pct to %.0f or more, smooth longer, or disable it",
				 metrics[m].name, s.mean,
				 metrics[m].unit, noise, marg, metrics[m].name,
				 ceil(NOISE_SDS * noise * 100 /
				      (fabs(s.mean) > 0 ? fabs(s.mean) : 1)));
			return -ERANGE;
		}
	}
	return 0;
}

/*
 * The duration rule and the score (ENGINE.md, "Deviation", "Duration rule",
 * "Severity score"). Returns the metric whose streak reached duration_s,
 * or -1.
 */
static int judge_thresholds(struct dpoctl_engine *e, uint64_t now_ns)
{
	const struct dpoctl_engine_cfg *c = &e->cfg;
	uint64_t duration_ns = (uint64_t)llround(c->duration_s * NS_PER_S);
	int m, fired = -1;
	double score = 0;

	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		const struct dpoctl_metric_cfg *mc = &c->m[m];
		struct dpoctl_metric_state *st = &e->st[m];
		struct dpoctl_stat p, o;
		double mb, mo, xb, xo, rb, ro;
		bool breach, hold;

		if (!mc->enabled)
			continue;
		st->baseline = dpoctl_window_stat(&e->base, m);
		p = dpoctl_window_stat(&e->smooth_p, m);
		o = dpoctl_window_stat(&e->smooth_o, m);
		st->valid = p.n && st->baseline.n;
		if (!st->valid)
			continue;	/* no data: a streak neither grows nor ends */
		st->patched = p.mean;
		mb = margin(mc, st->baseline.mean);
		st->thr_baseline = threshold(m, st->baseline.mean, mb);
		xb = worse_by(m, p.mean, st->baseline.mean) / mb;
		rb = worse_by(m, p.mean, st->baseline.mean) /
		     (fabs(st->baseline.mean) > mc->floor ?
		      fabs(st->baseline.mean) : (mc->floor ? mc->floor : 1));
		if (o.n) {
			st->original = o.mean;
			mo = margin(mc, o.mean);
			st->thr_original = threshold(m, o.mean, mo);
			xo = worse_by(m, p.mean, o.mean) / mo;
			ro = worse_by(m, p.mean, o.mean) /
			     (fabs(o.mean) > mc->floor ? fabs(o.mean) :
			      (mc->floor ? mc->floor : 1));
		} else {
			/* the original served nothing: the baseline alone */
			st->original = NAN;
			st->thr_original = NAN;
			xo = xb;
			ro = rb;
		}
		st->excess = xb < xo ? xb : xo;
		st->deviation = rb < ro ? rb : ro;
		breach = st->excess > 1;
		/*
		 * A streak holds while the original is beyond the baseline's
		 * threshold too: then the interval cannot tell (a stall of
		 * the original), it does not show the patch recovered.
		 */
		hold = !breach && st->breach && xb > 1 && o.n &&
		       worse_by(m, o.mean, st->baseline.mean) / mb > 1;
		if (!hold)
			st->hold_since_ns = 0;
		else if (!st->hold_since_ns)
			st->hold_since_ns = e->last_ns;
		/* ... for a stall's length: a longer change is the load's */
		if (hold && now_ns - st->hold_since_ns <= HOLD_MAX_NS)
			breach = true;
		if (breach && !st->breach) {
			st->breach_since_ns = e->last_ns;
			event(e, DPOCTL_EV_BREACH, m, now_ns, p.mean,
			      st->thr_baseline, 0);
		} else if (!breach && st->breach) {
			event(e, DPOCTL_EV_RECOVER, m, now_ns, p.mean,
			      st->thr_baseline,
			      (now_ns - st->breach_since_ns) / NS_PER_S);
		}
		st->breach = breach;
		if (st->excess > 0)
			score += mc->weight * (st->excess < EXCESS_CAP ?
					       st->excess : EXCESS_CAP);
	}
	e->score = score;

	/* streaks are checked after all states are updated: first one wins */
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		if (c->m[m].enabled && e->st[m].breach && fired < 0 &&
		    now_ns - e->st[m].breach_since_ns >= duration_ns)
			fired = m;
	return fired;
}

/* Requests of @r beyond @q us; a bucket straddling q counts pro rata. */
static double beyond(const struct dpoctl_interval *r, double q, double *total)
{
	double n = 0, k = 0;
	uint32_t i;

	for (i = 0; i < r->lat_hist_len; i++) {
		const struct dpoctl_lat_bucket *b = &r->lat_hist[i];

		n += b->count;
		if (b->lo_us >= q)
			k += b->count;
		else if (b->hi_us > q)
			k += b->count * (b->hi_us - q) / (b->hi_us - b->lo_us);
	}
	*total = n;
	return k;
}

static bool has_hist(const struct dpoctl_interval *r)
{
	return r && r->lat_hist && r->lat_hist_len;
}

/*
 * Adds one paired interval to metric @m's block; false when the interval
 * does not pair (ENGINE.md, "Predictive trigger": what pairs).
 */
static bool seq_pair(struct dpoctl_engine *e, enum dpoctl_metric m,
		     const struct dpoctl_point *po, const struct dpoctl_point *pp,
		     const struct dpoctl_interval *io,
		     const struct dpoctl_interval *ip)
{
	const struct dpoctl_metric_cfg *mc = &e->cfg.m[m];
	struct seq_metric *sq = &e->seq[m];
	double kp, np, ko, no, d;

	if (m == DPOCTL_M_LAT_P99 && e->st[m].tail_us > 0) {
		if (!has_hist(io) || !has_hist(ip))
			return false;
		kp = beyond(ip, e->st[m].tail_us, &np);
		ko = beyond(io, e->st[m].tail_us, &no);
		if (!(np > 0 && no > 0))
			return false;
		sq->kp += kp;
		sq->np += np;
		sq->ko += ko;
		sq->no += no;
		return true;
	}
	if (m == DPOCTL_M_THROUGHPUT) {
		if (!(pp->share > 0 && po->share > 0))
			return false;
		sq->rp += pp->requests;
		sq->sp += pp->share * pp->dt_s;
		sq->ro += po->requests;
		sq->so += po->share * po->dt_s;
		return true;
	}
	if (!pp->has[m] || !po->has[m] ||
	    (metrics[m].tail &&
	     fmin(pp->requests, po->requests) * metrics[m].tail < TAIL_REQUESTS))
		return false;
	/* the floor keeps near-zero values from making ratios */
	d = log((pp->v[m] + mc->floor) / (po->v[m] + mc->floor));
	if (!isfinite(d))
		return false;
	if (metrics[m].lower_is_worse)
		d = -d;
	sq->sum_d += fmax(-D_MAX, fmin(D_MAX, d));
	return true;
}

/* A full block becomes one value of each test. */
static void seq_block_done(struct dpoctl_engine *e, enum dpoctl_metric m)
{
	struct seq_metric *sq = &e->seq[m];
	double tol = log1p(e->cfg.promote_tol_pct / 100), rp, ro, d;

	if (sq->np > 0 || sq->no > 0) {
		/* the tail: shares beyond, unbiased whatever the counts */
		rp = sq->kp / sq->np;
		ro = sq->ko / sq->no;
		dpoctl_seqtest_add(&sq->worse, rp - ro);
		dpoctl_seqtest_add(&sq->ok, ro * (1 + e->cfg.promote_tol_pct / 100) - rp);
	} else {
		if (m == DPOCTL_M_THROUGHPUT)
			/* log(k + 1/2): a Poisson count's log without its bias */
			d = log((sq->ro + 0.5) / sq->so) -
			    log((sq->rp + 0.5) / sq->sp);
		else
			d = sq->sum_d / sq->n;
		dpoctl_seqtest_add(&sq->worse, d);
		dpoctl_seqtest_add(&sq->ok, tol - d);
	}
	memset(sq, 0, offsetof(struct seq_metric, worse));
}

/*
 * The predictive test (ENGINE.md, "Predictive trigger"). Returns the
 * metric with the largest Bayes factor when it reached m / alpha, or -1;
 * sets *all_ok when every tested metric showed "not worse than the
 * tolerance" at promote.alpha.
 */
static int judge_sequential(struct dpoctl_engine *e,
			    const struct dpoctl_point *po,
			    const struct dpoctl_point *pp,
			    const struct dpoctl_interval *io,
			    const struct dpoctl_interval *ip, bool *all_ok)
{
	const struct dpoctl_engine_cfg *c = &e->cfg;
	double thr_ok = c->promote_alpha > 0 ? -log(c->promote_alpha) : 0;
	double top = 0;
	int m, best = -1;

	*all_ok = e->n_sequential > 0 && c->promote_alpha > 0;
	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		struct dpoctl_metric_state *st = &e->st[m];
		struct seq_metric *sq = &e->seq[m];

		if (!c->m[m].enabled || !c->m[m].sequential)
			continue;
		if (ip && seq_pair(e, m, po, pp, io, ip) &&
		    ++sq->n == e->block_n)
			seq_block_done(e, m);
		st->seq_n = sq->worse.n;
		st->seq_mean = dpoctl_seqtest_mean(&sq->worse);
		st->seq_sd = dpoctl_seqtest_sd(&sq->worse);
		st->log_bf_worse = dpoctl_seqtest_log_bf(&sq->worse, SEQ_G);
		st->log_bf_ok = dpoctl_seqtest_log_bf(&sq->ok, SEQ_G);
		if (st->log_bf_worse > top) {
			top = st->log_bf_worse;
			best = m;
		}
		if (st->log_bf_ok < thr_ok)
			*all_ok = false;
	}
	/* Bonferroni over the m metrics tested */
	return c->alpha > 0 && best >= 0 &&
	       top >= log(e->n_sequential / c->alpha) ? best : -1;
}

static void decide(struct dpoctl_engine *e, uint64_t now_ns,
		   enum dpoctl_verdict v, enum dpoctl_reason r, int metric,
		   double lasted_s, double seq_thr)
{
	struct dpoctl_decision *d = &e->decision;
	const struct dpoctl_metric_state *st = metric >= 0 ? &e->st[metric] : NULL;

	d->verdict = v;
	d->reason = r;
	d->metric = metric;
	d->time_ns = now_ns;
	d->observed_s = e->observe_ns ? (now_ns - e->observe_ns) / NS_PER_S : 0;
	d->lasted_s = lasted_s;
	d->score = e->score;
	d->seq_threshold = seq_thr;
	d->seq_statistic = st && seq_thr > 0 ? st->log_bf_worse : 0;
	switch (r) {
	case DPOCTL_R_RULE:
		snprintf(d->why, sizeof(d->why),
			 "%s %.4g %s beyond its thresholds %.4g (baseline) and %.4g (original) for %.1fs",
			 metrics[metric].name, st->patched, metrics[metric].unit,
			 st->thr_baseline, st->thr_original, lasted_s);
		break;
	case DPOCTL_R_SEVERITY:
		snprintf(d->why, sizeof(d->why),
			 "severity score %.2f at or beyond %.2f for %.1fs",
			 e->score, e->cfg.severity, lasted_s);
		break;
	case DPOCTL_R_SEQUENTIAL:
		if (st->tail_us > 0 && metric == DPOCTL_M_LAT_P99)
			snprintf(d->why, sizeof(d->why),
				 "lat_p99: the patched instance has %+.2f%% more of its requests beyond the baseline's p99 (%.0f us) than the original, over %u blocks (sd %.2f%%): log Bayes factor %.2f >= %.2f (alpha %g)",
				 st->seq_mean * 100, st->tail_us, st->seq_n,
				 st->seq_sd * 100, st->log_bf_worse, seq_thr,
				 e->cfg.alpha);
		else
			snprintf(d->why, sizeof(d->why),
				 "%s worse than the original's by %+.1f%% on average over %u blocks (sd of the log ratio %.3f): log Bayes factor %.2f >= %.2f (alpha %g)",
				 metrics[metric].name, expm1(st->seq_mean) * 100,
				 st->seq_n, st->seq_sd, st->log_bf_worse, seq_thr,
				 e->cfg.alpha);
		break;
	case DPOCTL_R_TIME:
		snprintf(d->why, sizeof(d->why),
			 "no trigger in %.1fs of observation", d->observed_s);
		break;
	case DPOCTL_R_NOT_WORSE:
		snprintf(d->why, sizeof(d->why),
			 "every tested metric shown not worse than the original by %g%% or more (alpha %g) after %.1fs",
			 e->cfg.promote_tol_pct, e->cfg.promote_alpha,
			 d->observed_s);
		break;
	case DPOCTL_R_NO_TRAFFIC:
		snprintf(d->why, sizeof(d->why),
			 "the patched instance completed requests in only %u intervals of %.1fs (needs %u)",
			 e->patched_with_data, d->observed_s,
			 e->cfg.baseline_min);
		break;
	default:
		break;	/* DPOCTL_R_BASELINE: why was set by the caller */
	}
	e->phase = DPOCTL_PHASE_DONE;
	event(e, DPOCTL_EV_VERDICT, metric, now_ns, r == DPOCTL_R_SEVERITY ?
	      e->score : st ? st->patched : 0, 0, lasted_s);
}

static bool start_observing(struct dpoctl_engine *e, uint64_t now_ns)
{
	struct dpoctl_decision *d = &e->decision;
	double dt;
	int m;

	e->phase = DPOCTL_PHASE_OBSERVE;
	e->observe_ns = e->last_ns ? e->last_ns : now_ns;
	event(e, DPOCTL_EV_OBSERVE, -1, now_ns, 0, 0, 0);
	if (dpoctl_engine_ready(e, d->why, sizeof(d->why))) {
		decide(e, now_ns, DPOCTL_V_INSUFFICIENT, DPOCTL_R_BASELINE, -1,
		       0, 0);
		return false;
	}
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		e->st[m].frozen = dpoctl_window_stat(&e->base, m);
	dt = dpoctl_window_mean_dt(&e->base);
	e->block_n = dt > 0 ? (uint32_t)llround(e->cfg.block_s / dt) : 1;
	if (e->block_n < 1)
		e->block_n = 1;
	/* the tail test counts requests beyond the p99 the original had */
	if (e->saw_hist)
		e->st[DPOCTL_M_LAT_P99].tail_us =
			e->st[DPOCTL_M_LAT_P99].frozen.mean;
	return true;
}

static void observe(struct dpoctl_engine *e, uint64_t now_ns,
		    const struct dpoctl_point *po, const struct dpoctl_point *pp,
		    const struct dpoctl_interval *io,
		    const struct dpoctl_interval *ip)
{
	const struct dpoctl_engine_cfg *c = &e->cfg;
	double observed = (now_ns - e->observe_ns) / NS_PER_S, seq_thr;
	int rule, seq;
	bool all_ok, severe;

	if (pp->has[DPOCTL_M_CPU_PER_REQ])
		e->patched_with_data++;
	rule = judge_thresholds(e, now_ns);
	seq = judge_sequential(e, po, pp, io, ip, &all_ok);

	severe = c->severity > 0 && e->score >= c->severity;
	if (severe && !e->severe) {
		e->severe_since_ns = e->last_ns;
		event(e, DPOCTL_EV_SEVERE, -1, now_ns, e->score, c->severity, 0);
	} else if (!severe && e->severe) {
		event(e, DPOCTL_EV_CALM, -1, now_ns, e->score, c->severity,
		      (now_ns - e->severe_since_ns) / NS_PER_S);
	}
	e->severe = severe;

	if (rule >= 0) {
		decide(e, now_ns, DPOCTL_V_ROLLBACK, DPOCTL_R_RULE, rule,
		       (now_ns - e->st[rule].breach_since_ns) / NS_PER_S, 0);
	} else if (severe && now_ns - e->severe_since_ns >=
		   (uint64_t)llround(c->severity_s * NS_PER_S)) {
		decide(e, now_ns, DPOCTL_V_ROLLBACK, DPOCTL_R_SEVERITY, -1,
		       (now_ns - e->severe_since_ns) / NS_PER_S, 0);
	} else if (seq >= 0) {
		seq_thr = log(e->n_sequential / c->alpha);
		decide(e, now_ns, DPOCTL_V_ROLLBACK, DPOCTL_R_SEQUENTIAL, seq,
		       0, seq_thr);
	} else if (all_ok && observed >= c->promote_min_s &&
		   e->patched_with_data >= c->baseline_min) {
		seq_thr = -log(c->promote_alpha);
		decide(e, now_ns, DPOCTL_V_PROMOTE, DPOCTL_R_NOT_WORSE, -1, 0,
		       seq_thr);
	} else if (observed >= c->promote_s) {
		if (e->patched_with_data < c->baseline_min)
			decide(e, now_ns, DPOCTL_V_INSUFFICIENT,
			       DPOCTL_R_NO_TRAFFIC, -1, 0, 0);
		else
			decide(e, now_ns, DPOCTL_V_PROMOTE, DPOCTL_R_TIME, -1,
			       0, 0);
	}
}

enum dpoctl_verdict dpoctl_engine_step(struct dpoctl_engine *e, uint64_t now_ns,
				       const struct dpoctl_interval *orig,
				       const struct dpoctl_interval *patched)
{
	struct dpoctl_point po, pp;

	e->n_ev = 0;
	e->last_o.dt_s = 0;
	e->last_p.dt_s = 0;
	if (e->phase == DPOCTL_PHASE_DONE)
		return e->decision.verdict;
	/* time must go forward; a bad interval is no data */
	if ((e->last_ns && now_ns <= e->last_ns) || !valid_interval(orig))
		return DPOCTL_V_NONE;
	if (patched && !valid_interval(patched))
		patched = NULL;

	/* the baseline judged is the one from before the patched instance */
	if (patched && e->phase == DPOCTL_PHASE_BASELINE &&
	    !start_observing(e, now_ns))
		goto out;
	e->saw_hist |= has_hist(orig);
	metrics_of(orig, patched, now_ns, &po);
	if (dpoctl_window_push(&e->base, &po) ||
	    dpoctl_window_push(&e->smooth_o, &po))
		return DPOCTL_V_NONE;	/* out of memory: this interval is lost */
	e->last_o = po;
	if (patched) {
		metrics_of(patched, orig, now_ns, &pp);
		if (dpoctl_window_push(&e->smooth_p, &pp))
			return DPOCTL_V_NONE;
		e->last_p = pp;
		observe(e, now_ns, &po, &pp, orig, patched);
	} else if (e->phase == DPOCTL_PHASE_OBSERVE) {
		/* the patched instance skipped a sample: time still counts */
		memset(&pp, 0, sizeof(pp));
		pp.end_ns = now_ns;
		observe(e, now_ns, &po, &pp, orig, NULL);
	}
out:
	e->last_ns = now_ns;
	return e->decision.verdict;
}

enum dpoctl_phase dpoctl_engine_phase(const struct dpoctl_engine *e)
{
	return e->phase;
}

const struct dpoctl_metric_state *
dpoctl_engine_metric(const struct dpoctl_engine *e, enum dpoctl_metric m)
{
	return (unsigned int)m < DPOCTL_M_COUNT ? &e->st[m] : NULL;
}

static double point_value(const struct dpoctl_point *pt, enum dpoctl_metric m)
{
	return pt->dt_s > 0 && pt->has[m] ? pt->v[m] : NAN;
}

void dpoctl_engine_point(const struct dpoctl_engine *e, enum dpoctl_metric m,
			 struct dpoctl_metric_point *out)
{
	struct dpoctl_stat b;

	out->original = out->patched = out->baseline = out->threshold = NAN;
	if ((unsigned int)m >= DPOCTL_M_COUNT)
		return;
	out->original = point_value(&e->last_o, m);
	out->patched = point_value(&e->last_p, m);
	b = dpoctl_window_stat(&e->base, m);
	if (b.n) {
		out->baseline = b.mean;
		out->threshold = threshold(m, b.mean, margin(&e->cfg.m[m], b.mean));
	}
}

struct dpoctl_stat dpoctl_engine_baseline(const struct dpoctl_engine *e,
					  enum dpoctl_metric m)
{
	struct dpoctl_stat none = { 0 };

	if ((unsigned int)m >= DPOCTL_M_COUNT)
		return none;
	return dpoctl_window_stat(&e->base, m);
}

double dpoctl_engine_score(const struct dpoctl_engine *e)
{
	return e->score;
}

const struct dpoctl_decision *dpoctl_engine_decision(const struct dpoctl_engine *e)
{
	return &e->decision;
}

size_t dpoctl_engine_events(const struct dpoctl_engine *e,
			    const struct dpoctl_engine_event **ev)
{
	*ev = e->ev;
	return e->n_ev;
}

const char *dpoctl_verdict_name(enum dpoctl_verdict v)
{
	static const char *const names[] = {
		[DPOCTL_V_NONE] = "none",
		[DPOCTL_V_ROLLBACK] = "rollback",
		[DPOCTL_V_PROMOTE] = "promote",
		[DPOCTL_V_INSUFFICIENT] = "insufficient",
	};

	return (unsigned int)v < sizeof(names) / sizeof(names[0]) ?
	       names[v] : "?";
}

const char *dpoctl_reason_name(enum dpoctl_reason r)
{
	static const char *const names[] = {
		[DPOCTL_R_NONE] = "none",
		[DPOCTL_R_RULE] = "rule",
		[DPOCTL_R_SEVERITY] = "severity",
		[DPOCTL_R_SEQUENTIAL] = "sequential",
		[DPOCTL_R_TIME] = "time",
		[DPOCTL_R_NOT_WORSE] = "not_worse",
		[DPOCTL_R_BASELINE] = "baseline",
		[DPOCTL_R_NO_TRAFFIC] = "no_traffic",
	};

	return (unsigned int)r < sizeof(names) / sizeof(names[0]) ?
	       names[r] : "?";
}

const char *dpoctl_event_name(enum dpoctl_event_kind k)
{
	static const char *const names[] = {
		[DPOCTL_EV_OBSERVE] = "observe",
		[DPOCTL_EV_BREACH] = "breach",
		[DPOCTL_EV_RECOVER] = "recover",
		[DPOCTL_EV_SEVERE] = "severe",
		[DPOCTL_EV_CALM] = "calm",
		[DPOCTL_EV_VERDICT] = "verdict",
	};

	return (unsigned int)k < sizeof(names) / sizeof(names[0]) ?
	       names[k] : "?";
}
