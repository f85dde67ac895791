// SPDX-License-Identifier: GPL-2.0
/* A patch's events: the log lines, the decision record, the periodic output. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "metrics_file.h"
#include "patch.h"
#include "patch_log.h"

json_object *dpoctl_patch_ev(const char *name)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(name));
	return o;
}

/* On a terminal after the live view: "  12.345s phase action=rollback ..." */
static void text_line(const struct dpoctl_patch *p, json_object *ev)
{
	printf("%9.3fs", (double)(dpoctl_now_ns() - p->t0_ns) / 1e9);
	json_object_object_foreach(ev, k, v) {
		if (!strcmp(k, "record"))
			continue;	/* the decision record: in the log */
		if (!strcmp(k, "event"))
			printf(" %-8s", json_object_get_string(v));
		else
			printf(" %s=%s", k, v ? json_object_to_json_string_ext(
				v, JSON_C_TO_STRING_PLAIN) : "null");
	}
	putchar('\n');
	fflush(stdout);
}

void dpoctl_patch_event(struct dpoctl_patch *p, json_object *ev, int prio,
			bool alert)
{
	/* prio < 0: data for the log (intervals), not a line on a terminal */
	if (p->text && prio >= 0)
		text_line(p, ev);
	/* stdout's copy beside --log: no syslog, no alert twice */
	if (p->out)
		dpoctl_patch_log_event(p->out, json_object_get(ev), prio, false);
	if (p->log)
		dpoctl_patch_log_event(p->log, ev, prio, alert);
	else
		json_object_put(ev);
}

void dpoctl_patch_error(struct dpoctl_patch *p, const char *todo,
			const char *fmt, ...)
{
	json_object *o = dpoctl_patch_ev("error");
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dpoctl_err("%s: %s%s%s", p->ctx->what, msg, todo ? "; " : "",
		   todo ? todo : "");
	json_object_object_add(o, "message", json_object_new_string(msg));
	json_object_object_add(o, "phase",
			       json_object_new_string(p->phase_name));
	json_object_object_add(o, "todo", todo ? json_object_new_string(todo) :
			       NULL);
	dpoctl_patch_event(p, o, LOG_ERR, true);
}

/* NaN and infinities are not JSON: null */
static json_object *num(double v)
{
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *stat_json(const struct dpoctl_stat *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "n", json_object_new_int64(s->n));
	json_object_object_add(o, "mean", num(s->mean));
	json_object_object_add(o, "sd", num(s->sd));
	return o;
}

static json_object *metric_json(const struct dpoctl_metric_state *m)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "patched", num(m->patched));
	json_object_object_add(o, "original", num(m->original));
	json_object_object_add(o, "threshold_baseline", num(m->thr_baseline));
	json_object_object_add(o, "threshold_original", num(m->thr_original));
	json_object_object_add(o, "baseline", stat_json(&m->baseline));
	json_object_object_add(o, "frozen", stat_json(&m->frozen));
	json_object_object_add(o, "deviation", num(m->deviation));
	json_object_object_add(o, "breach", json_object_new_boolean(m->breach));
	json_object_object_add(o, "seq_n", json_object_new_int64(m->seq_n));
	json_object_object_add(o, "seq_mean", num(m->seq_mean));
	json_object_object_add(o, "seq_sd", num(m->seq_sd));
	json_object_object_add(o, "log_bf_worse", num(m->log_bf_worse));
	json_object_object_add(o, "log_bf_ok", num(m->log_bf_ok));
	return o;
}

json_object *dpoctl_decision_json(const struct dpoctl_engine *e)
{
	const struct dpoctl_decision *d = dpoctl_engine_decision(e);
	json_object *o = json_object_new_object(), *ms;
	const struct dpoctl_metric_state *m;
	int i;

	json_object_object_add(o, "verdict",
			       json_object_new_string(dpoctl_verdict_name(d->verdict)));
	json_object_object_add(o, "reason",
			       json_object_new_string(dpoctl_reason_name(d->reason)));
	json_object_object_add(o, "metric", d->metric < 0 ? NULL :
			       json_object_new_string(dpoctl_metric_name(d->metric)));
	json_object_object_add(o, "observed_s", num(d->observed_s));
	json_object_object_add(o, "lasted_s", num(d->lasted_s));
	json_object_object_add(o, "score", num(d->score));
	json_object_object_add(o, "seq_statistic", num(d->seq_statistic));
	json_object_object_add(o, "seq_threshold", num(d->seq_threshold));
	json_object_object_add(o, "why", json_object_new_string(d->why));
	ms = json_object_new_object();
	for (i = 0; i < DPOCTL_M_COUNT; i++) {
		m = dpoctl_engine_metric(e, i);
		if (m && m->valid)
			json_object_object_add(ms, dpoctl_metric_name(i),
					       metric_json(m));
	}
	json_object_object_add(o, "metrics", ms);
	return o;
}

/*
 * The engine's last step, for plots: per enabled metric each role's value,
 * the live baseline and its threshold. Not to syslog: 10 lines a second.
 */
void dpoctl_patch_interval_event(struct dpoctl_patch *p)
{
	json_object *o = dpoctl_patch_ev("interval"), *ms, *m;
	struct dpoctl_metric_point pt;
	int i;

	json_object_object_add(o, "phase", json_object_new_string(
		dpoctl_engine_phase(p->e) == DPOCTL_PHASE_BASELINE ?
		"baseline" : "observe"));
	ms = json_object_new_object();
	for (i = 0; i < DPOCTL_M_COUNT; i++) {
		if (!p->ecfg.m[i].enabled)
			continue;
		dpoctl_engine_point(p->e, i, &pt);
		m = json_object_new_object();
		json_object_object_add(m, "original", num(pt.original));
		json_object_object_add(m, "patched", num(pt.patched));
		json_object_object_add(m, "baseline", num(pt.baseline));
		json_object_object_add(m, "threshold", num(pt.threshold));
		json_object_object_add(ms, dpoctl_metric_name(i), m);
	}
	json_object_object_add(o, "metrics", ms);
	dpoctl_patch_event(p, o, -1, false);
}

void dpoctl_patch_tick(struct dpoctl_patch *p)
{
	struct dpoctl_patch_status st = {
		.session = p->session,
		.phase = p->phase_name,
		.owner = p->owner,
		.canary_pct = p->canary_pct,
		.verdict = p->verdict,
		.orig_pid = p->orig.exited ? 0 : p->orig.pid,
		.patched_pid = p->patched.exited ? 0 : p->patched.pid,
		.elapsed_s = (double)(dpoctl_now_ns() - p->t0_ns) / 1e9,
		.requests_original = p->orig.requests,
		.requests_patched = p->patched.requests,
		.cfg = &p->ecfg,
		.now_ns = dpoctl_now_ns(),
	};
	char why[256];

	if (p->view)
		dpoctl_patch_view(p);
	if (!p->metrics_path)
		return;
	if (dpoctl_metrics_file_write(p->metrics_path, &st, p->e, why,
				      sizeof(why))) {
		/* once, not every second; the event log has the rest */
		if (!p->metrics_failed)
			dpoctl_err("%s: %s", p->ctx->what, why);
		p->metrics_failed = true;
	} else {
		p->metrics_failed = false;
	}
}
