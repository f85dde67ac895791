/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_PRINTERS_H
#define DPOCTL_PRINTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rate.h"
#include "model.h"

/*
 * The rows of dpoctl's output, one model struct each, through the print
 * engine (print.h). Where a row also appears in monitor, the part both
 * share takes @text: its text columns too, or JSON members only.
 */

/* print_session.c: a row of session list */
void dpoctl_print_session(const struct dpoctl_session *s);
/* interval, instances, owner, switch time */
void dpoctl_print_session_attrs(const struct dpoctl_session *s, bool text);
/* A session's owner as text: "canary:20" for a canary split, else its name. */
const char *dpoctl_session_owner_str(char *buf, size_t len,
				     const struct dpoctl_session *s);

/* print_instance.c: a row of instance show */
void dpoctl_print_instance(const struct dpoctl_instance *in);
/*
 * The latest sample ("stats"): table columns in instance show (@text),
 * JSON only in monitor, whose table shows rates instead.
 */
void dpoctl_print_stats(const struct dpoctl_instance *in, bool text);
/*
 * The traffic members of a sample's "stats" object, null when the module
 * did not send them; with @text also the instance show columns.
 */
void dpoctl_print_traffic(const struct dpoctl_instance *in, bool text);

/* print_listener.c: a row of listener list, show and add */
void dpoctl_print_listener(const struct dpoctl_listener *l);
/* address and accept counters */
void dpoctl_print_listener_attrs(const struct dpoctl_listener *l, bool text);

/* print_conn.c: a row of conn list; ages against @now_ns (CLOCK_MONOTONIC) */
void dpoctl_print_conn(const struct dpoctl_conn *c, uint64_t now_ns);

/* print_drain.c: a row of drain: @event "start" (the reply), "progress"... */
void dpoctl_print_drain(const char *event, const struct dpoctl_drain *d);
/* the counts of connections: remaining, closed, reset, gone */
void dpoctl_print_drain_counts(const struct dpoctl_drain *d, bool text);

/*
 * print_event.c: monitor's header, and its row for one notification, with
 * @r the rates of a sample (NULL: none yet). Events without a time of
 * their own are shown at @now_ns.
 */
void dpoctl_print_event_header(void);
void dpoctl_print_event(const struct dpoctl_event *ev,
			const struct dpoctl_rates *r, uint64_t now_ns);

/*
 * print_analyze.c: analyze's rows. One row per event (the engine's and
 * analyze's own "ready"), at @rel_ns from the first sample (@abs_ns in
 * JSON too); @metric -1 and NAN values print as none.
 */
struct dpoctl_decision;
struct dpoctl_metric_state;
void dpoctl_print_analyze_header(void);
void dpoctl_print_analyze_event(uint64_t rel_ns, uint64_t abs_ns,
				const char *event, int metric, double value,
				double threshold, double lasted_s,
				const char *detail);
/*
 * The decision record: @verdict and @reason by name ("undecided" at the
 * end of the input), the firing metric's state @ms (NULL: none) and the
 * severity @score, the sequential test's threshold @seq_thr (NAN: none,
 * another trigger fired); times from @t0_ns.
 */
void dpoctl_print_decision(const struct dpoctl_decision *d,
			   const char *verdict, const char *reason,
			   const struct dpoctl_metric_state *ms, double score,
			   double seq_thr, uint64_t t0_ns);
/* A row of the metrics' table that follows it. */
void dpoctl_print_metric_state(int metric, const struct dpoctl_metric_state *s);

#endif
