// SPDX-License-Identifier: GPL-2.0
/* dpoctl patch on a terminal: the whole state, redrawn once a second. */
#include <math.h>
#include <stdio.h>

#include "parse.h"
#include "patch.h"

/* "1.23k" style in 9 columns: the metrics span ns to GiB */
static void cell(double v)
{
	if (!isfinite(v))
		printf(" %9s", "-");
	else if (fabs(v) >= 1e7)
		printf(" %9.3g", v);
	else
		printf(" %9.2f", v);
}

static void row(const struct dpoctl_patch *p, int m, uint64_t now)
{
	const struct dpoctl_metric_state *s = dpoctl_engine_metric(p->e, m);
	struct dpoctl_metric_point pt;
	double thr;

	if (!p->ecfg.m[m].enabled || !s)
		return;
	/* while the baseline is built: the original's last interval */
	dpoctl_engine_point(p->e, m, &pt);
	thr = s->valid ? fmin(s->thr_baseline, s->thr_original) : pt.threshold;
	if (dpoctl_metric_lower_is_worse(m) && s->valid)
		thr = fmax(s->thr_baseline, s->thr_original);
	printf("%-16s", dpoctl_metric_name(m));
	cell(s->baseline.n ? s->baseline.mean : pt.baseline);
	cell(s->valid ? s->original : pt.original);
	cell(s->valid ? s->patched : NAN);
	cell(thr);
	if (s->breach)
		printf("  BREACH %5.1fs",
		       (double)(now - s->breach_since_ns) / 1e9);
	else
		printf("  %-13s", s->valid ? "ok" : "");
	if (s->seq_n)
		printf("  n %4u logBF %6.2f\n", s->seq_n, s->log_bf_worse);
	else
		printf("\n");
}

void dpoctl_patch_view(const struct dpoctl_patch *p)
{
	uint64_t now = dpoctl_now_ns();
	int m;

	if (!p->e)
		return;
	/* home and clear: the whole picture each time */
	printf("\033[H\033[2J");
	printf("dpo patch %s   %-9s %7.1fs   owner %s", p->session,
	       p->phase_name, (double)(now - p->t0_ns) / 1e9,
	       dpoctl_owner_name(p->owner));
	if (p->canary_pct)
		printf(" %u%%", p->canary_pct);
	printf("   score %.2f\n", dpoctl_engine_score(p->e));
	printf("original pid %u: %llu requests   patched pid %u: %llu requests\n\n",
	       p->orig.pid, (unsigned long long)p->orig.requests,
	       p->patched.pid, (unsigned long long)p->patched.requests);
	printf("%-16s %9s %9s %9s %9s  %-13s  %s\n", "METRIC", "BASELINE",
	       "ORIGINAL", "PATCHED", "THRESHOLD", "STATE", "TEST");
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		row(p, m, now);
	if (p->verdict != DPOCTL_V_NONE)
		printf("\nverdict: %s\n", dpoctl_engine_decision(p->e)->why);
	fflush(stdout);
}
