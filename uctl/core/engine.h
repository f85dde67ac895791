/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The decision engine: from one interval's samples of the original and the
 * patched instance to a verdict (keep observing, roll back, promote).
 *
 * Pure: no libnl, no stdio, no clock. Time comes in with each step, so the
 * same samples and settings give the same decisions, live or replayed.
 * The formulas are documented in uctl/core/ENGINE.md.
 */
#ifndef DPOCTL_CORE_ENGINE_H
#define DPOCTL_CORE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the engine judges, per role and interval. */
enum dpoctl_metric {
	DPOCTL_M_LAT_P50,	/* us */
	DPOCTL_M_LAT_P99,	/* us */
	DPOCTL_M_LAT_MEAN,	/* us */
	DPOCTL_M_CPU_PER_REQ,	/* CPU us per request */
	DPOCTL_M_CPU,		/* % of a core, per traffic share */
	DPOCTL_M_RUN_DELAY,	/* run-queue ms per s, per traffic share */
	DPOCTL_M_MIN_FLT_PER_REQ,
	DPOCTL_M_MAJ_FLT_PER_REQ,
	DPOCTL_M_MIN_FLT,	/* per s, per traffic share */
	DPOCTL_M_MAJ_FLT,	/* per s, per traffic share */
	DPOCTL_M_RSS_GROWTH,	/* bytes per s */
	DPOCTL_M_THROUGHPUT,	/* requests per s, per traffic share */
	DPOCTL_M_COUNT
};

/* A latency histogram bucket: @count requests took [lo_us, hi_us). */
struct dpoctl_lat_bucket {
	double lo_us;
	double hi_us;
	uint64_t count;
};

/* One role's interval: what the two samples that bound it tell. */
struct dpoctl_interval {
	double dt_s;		/* length, > 0 */
	double cpu_s;		/* CPU time used */
	double run_delay_s;	/* time spent runnable, waiting for a CPU */
	double min_flt;
	double maj_flt;
	double rss_delta_bytes;	/* RSS at the end minus at the start */
	double requests;	/* completed */
	/* connections the role held: active at the start + accepted */
	double conns_held;
	bool has_lat;		/* requests completed: the latencies are set */
	double lat_p50_us;
	double lat_p99_us;
	double lat_mean_us;
	/* the interval's histogram (non-empty buckets), NULL when unknown */
	const struct dpoctl_lat_bucket *lat_hist;
	uint32_t lat_hist_len;
};

struct dpoctl_metric_cfg {
	bool enabled;		/* judged at all */
	bool sequential;	/* also in the predictive test */
	double deviation_pct;	/* threshold = baseline x (1 +- pct/100) */
	double floor;		/* the threshold's margin is at least this */
	double weight;		/* in the severity score */
};

struct dpoctl_engine_cfg {
	double baseline_s;		/* moving-average window */
	uint32_t baseline_min;		/* intervals needed per metric */
	double smooth_s;		/* window the rule and score average over */
	double duration_s;		/* a metric beyond its threshold this long */
	double severity;		/* score threshold, 0: off */
	double severity_s;		/* ... held this long */
	double alpha;			/* false-rollback bound, 0: no predictive */
	double block_s;			/* the predictive test's unit of data */
	double promote_s;		/* promoted after this long without trigger */
	double promote_tol_pct;		/* early promotion: not worse than this */
	double promote_alpha;		/* ... wrong at most this often, 0: off */
	double promote_min_s;		/* no early promotion before */
	struct dpoctl_metric_cfg m[DPOCTL_M_COUNT];
};

/* Name in configuration files and output, "lat_p99"; NULL when invalid. */
const char *dpoctl_metric_name(enum dpoctl_metric m);
int dpoctl_metric_by_name(const char *name);	/* -1: unknown */
const char *dpoctl_metric_unit(enum dpoctl_metric m);
bool dpoctl_metric_lower_is_worse(enum dpoctl_metric m);

void dpoctl_engine_cfg_default(struct dpoctl_engine_cfg *cfg);
/* 0, or -EINVAL with the reason (naming the setting) in @why */
int dpoctl_engine_cfg_check(const struct dpoctl_engine_cfg *cfg, char *why,
			    size_t len);

enum dpoctl_phase {
	DPOCTL_PHASE_BASELINE,	/* only the original runs */
	DPOCTL_PHASE_OBSERVE,	/* both run, the patched one is judged */
	DPOCTL_PHASE_DONE,	/* a verdict was given; steps are ignored */
};

enum dpoctl_verdict {
	DPOCTL_V_NONE,		/* keep going */
	DPOCTL_V_ROLLBACK,
	DPOCTL_V_PROMOTE,
	DPOCTL_V_INSUFFICIENT,	/* cannot judge: too little or too noisy data */
};

enum dpoctl_reason {
	DPOCTL_R_NONE,
	DPOCTL_R_RULE,		/* a metric beyond its threshold for duration */
	DPOCTL_R_SEVERITY,	/* the score beyond its threshold for severity_s */
	DPOCTL_R_SEQUENTIAL,	/* the test shows the patch worse, at alpha */
	DPOCTL_R_TIME,		/* promote_s without a trigger */
	DPOCTL_R_NOT_WORSE,	/* the test shows it not worse than tol */
	DPOCTL_R_BASELINE,	/* baseline too short or too noisy */
	DPOCTL_R_NO_TRAFFIC,	/* the patched instance served too little */
};

/* A moving mean and its spread. */
struct dpoctl_stat {
	uint32_t n;
	double mean;
	double sd;
};

/* Where one metric stands after the last step. */
struct dpoctl_metric_state {
	bool valid;		/* both roles had it, and the baseline */
	struct dpoctl_stat baseline;	/* live: the original's, moving */
	struct dpoctl_stat frozen;	/* the original's when observation began */
	double patched;		/* smoothed over smooth_s */
	double original;	/* smoothed, same intervals */
	double thr_baseline;	/* threshold from the baseline */
	double thr_original;	/* threshold from the live original */
	double deviation;	/* relative, + is worse: min of both references */
	double excess;		/* how many threshold margins beyond, >= 0 */
	bool breach;		/* beyond both thresholds (or held, see below) */
	uint64_t breach_since_ns;	/* start of the streak, when breach */
	uint64_t hold_since_ns;	/* held by a stall of the original, 0: not */
	/*
	 * The predictive test, on blocks of paired intervals: their number,
	 * the mean and sd of the blocks' values (log ratios, + is worse; for
	 * lat_p99 with histograms, the patched share of requests beyond
	 * tail_us minus the original's) and the log Bayes factors.
	 */
	double tail_us;		/* lat_p99: the frozen baseline's p99, 0: none */
	uint32_t seq_n;
	double seq_mean;
	double seq_sd;
	double log_bf_worse;	/* rollback when >= log(m / alpha) */
	double log_bf_ok;	/* promotion when all >= log(1 / promote.alpha) */
};

/* A state change, for the log: what started, stopped or was decided. */
enum dpoctl_event_kind {
	DPOCTL_EV_OBSERVE,	/* the patched instance appeared */
	DPOCTL_EV_BREACH,	/* metric beyond both thresholds */
	DPOCTL_EV_RECOVER,	/* metric back within, streak ended */
	DPOCTL_EV_SEVERE,	/* score at or beyond its threshold */
	DPOCTL_EV_CALM,		/* score back below */
	DPOCTL_EV_VERDICT,
};

struct dpoctl_engine_event {
	enum dpoctl_event_kind kind;
	int metric;		/* -1: none */
	uint64_t time_ns;
	double value;		/* the metric or score */
	double threshold;
	double lasted_s;	/* RECOVER / CALM: how long it had been beyond */
};

#define DPOCTL_MAX_EVENTS (2 * DPOCTL_M_COUNT + 4)

/* Everything a verdict rests on, enough to check it by hand. */
struct dpoctl_decision {
	enum dpoctl_verdict verdict;
	enum dpoctl_reason reason;
	int metric;			/* the metric that fired, -1: none */
	uint64_t time_ns;
	double observed_s;		/* since the patched instance appeared */
	double lasted_s;		/* RULE / SEVERITY: how long beyond */
	double score;			/* severity score at the decision */
	double seq_statistic;		/* log Bayes factor of the metric */
	double seq_threshold;		/* log(m / alpha), log(1 / promote.alpha) */
	char why[320];			/* one sentence for people */
};

struct dpoctl_engine;

/* NULL on allocation failure or bad settings (see dpoctl_engine_cfg_check) */
struct dpoctl_engine *dpoctl_engine_new(const struct dpoctl_engine_cfg *cfg);
void dpoctl_engine_free(struct dpoctl_engine *e);

/*
 * One interval ending at @now_ns: @orig is the original's, @patched the
 * patched instance's or NULL while it does not run yet. Returns the verdict
 * (DPOCTL_V_NONE while undecided); after one, further steps change nothing.
 */
enum dpoctl_verdict dpoctl_engine_step(struct dpoctl_engine *e, uint64_t now_ns,
				       const struct dpoctl_interval *orig,
				       const struct dpoctl_interval *patched);

/*
 * Whether the baseline could judge a patch now: 0, or -EAGAIN (too few
 * samples) or -ERANGE (too noisy for a threshold) with the reason in @why.
 */
int dpoctl_engine_ready(const struct dpoctl_engine *e, char *why, size_t len);

enum dpoctl_phase dpoctl_engine_phase(const struct dpoctl_engine *e);
const struct dpoctl_metric_state *
dpoctl_engine_metric(const struct dpoctl_engine *e, enum dpoctl_metric m);
double dpoctl_engine_score(const struct dpoctl_engine *e);

/*
 * One metric at the last step, for a log or a plot: each role's value in
 * that interval as the engine judged it, the live baseline's mean and its
 * threshold; NAN where there is none (no step, no patched instance, no
 * data). The baseline and threshold of a disabled metric are still given.
 */
struct dpoctl_metric_point {
	double original;
	double patched;
	double baseline;
	double threshold;
};

void dpoctl_engine_point(const struct dpoctl_engine *e, enum dpoctl_metric m,
			 struct dpoctl_metric_point *out);
/*
 * The baseline window of the original's values as it stands (the metric
 * states have it only once both roles are observed): for the log.
 */
struct dpoctl_stat dpoctl_engine_baseline(const struct dpoctl_engine *e,
					  enum dpoctl_metric m);
const struct dpoctl_decision *dpoctl_engine_decision(const struct dpoctl_engine *e);

/* The state changes of the last step, oldest first. */
size_t dpoctl_engine_events(const struct dpoctl_engine *e,
			    const struct dpoctl_engine_event **ev);

const char *dpoctl_verdict_name(enum dpoctl_verdict v);
const char *dpoctl_reason_name(enum dpoctl_reason r);
const char *dpoctl_event_name(enum dpoctl_event_kind k);

#endif
