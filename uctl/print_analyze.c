// SPDX-License-Identifier: GPL-2.0
/* analyze's rows: the engine's events, its decision, its metrics. */
#include <math.h>
#include <stdio.h>

#include "core/interval.h"	/* engine.h, beside model.h */
#include "print.h"
#include "printers.h"

/* Values and thresholds: enough digits for faults per request and us. */
#define PREC	3

/* Its name, or none: "-" in text (left-aligned as names are), null in JSON. */
static void metric_name(const char *title, int width, int metric)
{
	const char *name = metric >= 0 ? dpoctl_metric_name(metric) : NULL;

	dpoctl_pr_str(name ? "metric" : NULL, title, width, name ? name : "-");
	if (!name)
		dpoctl_pr_null("metric", NULL, 0);
}

static void event_row(uint64_t rel_ns, uint64_t abs_ns, const char *event,
		      int metric, double value, double threshold,
		      double lasted_s, const char *detail)
{
	dpoctl_pr_row_begin();
	dpoctl_pr_double("time_s", "TIME", 9, PREC, (double)rel_ns / 1e9);
	dpoctl_pr_u64("time_ns", NULL, 0, abs_ns);
	dpoctl_pr_str("event", NULL, 8, event);
	metric_name("METRIC", 15, metric);
	dpoctl_pr_double("value", NULL, 12, PREC, value);
	dpoctl_pr_double("threshold", NULL, 12, PREC, threshold);
	dpoctl_pr_double("lasted_s", "LASTED", 7, PREC, lasted_s);
	dpoctl_pr_str("detail", "DETAIL", 1, detail);
	dpoctl_pr_row_end();
}

void dpoctl_print_analyze_header(void)
{
	if (dpoctl_pr_header_only())
		event_row(0, 0, "", 0, NAN, NAN, NAN, "");
}

void dpoctl_print_analyze_event(uint64_t rel_ns, uint64_t abs_ns,
				const char *event, int metric, double value,
				double threshold, double lasted_s,
				const char *detail)
{
	event_row(rel_ns, abs_ns, event, metric, value, threshold, lasted_s,
		  detail);
}

/* "mean 812.000 sd 40.100 n 57" in text, an object in JSON */
static void stat(const char *key, const struct dpoctl_stat *s, bool valid)
{
	char t[96];

	if (!valid) {
		dpoctl_pr_null(key, NULL, 1);
		return;
	}
	snprintf(t, sizeof(t), "mean %.*f sd %.*f n %u", PREC, s->mean, PREC,
		 s->sd, s->n);
	dpoctl_pr_str(NULL, key, 1, t);
	dpoctl_pr_nest_begin(key);
	dpoctl_pr_double("mean", NULL, 0, PREC, s->mean);
	dpoctl_pr_double("sd", NULL, 0, PREC, s->sd);
	dpoctl_pr_u64("n", NULL, 0, s->n);
	dpoctl_pr_nest_end();
}

void dpoctl_print_decision(const struct dpoctl_decision *d,
			   const char *verdict, const char *reason,
			   const struct dpoctl_metric_state *ms, double score,
			   double seq_thr, uint64_t t0_ns)
{
	char t[128], thr[32];
	bool has = ms && ms->valid;

	dpoctl_pr_begin(DPOCTL_PR_RECORD, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("event", NULL, 0, "decision");
	dpoctl_pr_str("verdict", NULL, 1, verdict);
	dpoctl_pr_str("reason", NULL, 1, reason);
	metric_name("metric", 1, has ? d->metric : -1);
	if (d->time_ns >= t0_ns) {
		dpoctl_pr_double("time_s", "time", 1, PREC,
				 (double)(d->time_ns - t0_ns) / 1e9);
		dpoctl_pr_u64("time_ns", NULL, 0, d->time_ns);
	} else {
		dpoctl_pr_null("time_s", "time", 1);
		dpoctl_pr_null("time_ns", NULL, 0);
	}
	dpoctl_pr_double("observed_s", "observed", 1, PREC, d->observed_s);
	dpoctl_pr_double("lasted_s", "lasted", 1, PREC, d->lasted_s);
	if (has) {
		dpoctl_pr_double("value", "value", 1, PREC, ms->patched);
		dpoctl_pr_double("original", NULL, 1, PREC, ms->original);
		dpoctl_pr_double("thr_baseline", "thr_baseline", 1, PREC,
				 ms->thr_baseline);
		dpoctl_pr_double("thr_original", "thr_original", 1, PREC,
				 ms->thr_original);
		dpoctl_pr_double("deviation", NULL, 1, PREC, ms->deviation);
		dpoctl_pr_double("excess", NULL, 1, PREC, ms->excess);
		stat("baseline", &ms->baseline, true);
		stat("frozen", &ms->frozen, true);
		if (isfinite(seq_thr))
			snprintf(thr, sizeof(thr), "%.*f", PREC, seq_thr);
		else
			snprintf(thr, sizeof(thr), "-");
		snprintf(t, sizeof(t), "%.*f (rollback at %s); %s log BF %.*f, n %u",
			 PREC, d->seq_statistic, thr,
			 dpoctl_metric_name(d->metric), PREC,
			 ms->log_bf_worse, ms->seq_n);
		dpoctl_pr_str(NULL, "sequential", 1, t);
		dpoctl_pr_nest_begin("sequential");
		dpoctl_pr_double("statistic", NULL, 0, PREC, d->seq_statistic);
		dpoctl_pr_double("log_bf_worse", NULL, 0, PREC, ms->log_bf_worse);
		dpoctl_pr_double("log_bf_ok", NULL, 0, PREC, ms->log_bf_ok);
		dpoctl_pr_double("threshold", NULL, 0, PREC, seq_thr);
		dpoctl_pr_u64("n", NULL, 0, ms->seq_n);
		dpoctl_pr_nest_end();
	} else {
		dpoctl_pr_null("value", "value", 1);
		dpoctl_pr_null("original", NULL, 1);
		dpoctl_pr_null("thr_baseline", "thr_baseline", 1);
		dpoctl_pr_null("thr_original", "thr_original", 1);
		dpoctl_pr_null("deviation", NULL, 1);
		dpoctl_pr_null("excess", NULL, 1);
		stat("baseline", NULL, false);
		stat("frozen", NULL, false);
		dpoctl_pr_null("sequential", NULL, 1);
	}
	dpoctl_pr_double("score", NULL, 1, PREC, score);
	dpoctl_pr_str("why", NULL, 1, d->why);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
}

void dpoctl_print_metric_state(int metric, const struct dpoctl_metric_state *s)
{
	dpoctl_pr_row_begin();
	dpoctl_pr_str("event", NULL, 0, "metric");
	metric_name("METRIC", 15, metric);
	if (!s->valid) {
		dpoctl_pr_null("patched", NULL, 12);
		dpoctl_pr_null("original", NULL, 12);
		dpoctl_pr_null("baseline", NULL, 12);
		dpoctl_pr_null("baseline_sd", "SD", 10);
		dpoctl_pr_null("baseline_n", "N", 5);
		dpoctl_pr_null("thr_baseline", "THR_BASE", 12);
		dpoctl_pr_null("thr_original", "THR_ORIG", 12);
		dpoctl_pr_null("deviation", "DEV", 7);
		dpoctl_pr_null("breach", NULL, 6);
		dpoctl_pr_null("log_bf_worse", "SEQ", 7);
		dpoctl_pr_row_end();
		return;
	}
	dpoctl_pr_double("patched", NULL, 12, PREC, s->patched);
	dpoctl_pr_double("original", NULL, 12, PREC, s->original);
	dpoctl_pr_double("baseline", NULL, 12, PREC, s->baseline.mean);
	dpoctl_pr_double("baseline_sd", "SD", 10, PREC, s->baseline.sd);
	dpoctl_pr_u64("baseline_n", "N", 5, s->baseline.n);
	dpoctl_pr_double("thr_baseline", "THR_BASE", 12, PREC, s->thr_baseline);
	dpoctl_pr_double("thr_original", "THR_ORIG", 12, PREC, s->thr_original);
	dpoctl_pr_double("deviation", "DEV", 7, PREC, s->deviation);
	dpoctl_pr_str(NULL, "BREACH", 6, s->breach ? "yes" : "no");
	dpoctl_pr_u64("breach", NULL, 0, s->breach);
	dpoctl_pr_double("log_bf_worse", "SEQ", 7, PREC, s->log_bf_worse);
	dpoctl_pr_row_end();
}
