/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event log of dpoctl patch: one JSON object per line to a file or
 * stdout, the same to syslog, and an alert command run on chosen events.
 */
#ifndef DPOCTL_PATCH_LOG_H
#define DPOCTL_PATCH_LOG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* alert commands running at once; more are skipped, with a message */
#define DPOCTL_ALERTS_MAX 8

struct dpoctl_patch_log_cfg {
	const char *session;
	const char *path;	/* JSON lines file (appended), "-" stdout, NULL none */
	bool use_syslog;	/* openlog("dpoctl", LOG_PID, LOG_DAEMON) */
	const char *alert_exec;	/* sh -c CMD per alert, NULL none */
	uint64_t t0_ns;		/* CLOCK_MONOTONIC of the start, for "t" */
};

struct dpoctl_patch_log;

/* 0, or -errno with the reason (naming the path) in @why */
int dpoctl_patch_log_open(struct dpoctl_patch_log **log,
			  const struct dpoctl_patch_log_cfg *cfg, char *why,
			  size_t len);

/*
 * Takes @ev, a json-c object with "event" set by the caller (NULL @log:
 * dropped). Writes one line: "time" (UTC, ms), "mono_ns", "t" (seconds
 * since t0) and "session" first, then the caller's keys (theirs of those
 * four names are dropped). Syslog at @prio (< 0: not to syslog); with @alert, the alert command
 * gets the line on its stdin and runs in the background: never waited for
 * here. Failures of earlier alert commands are reported on stderr and
 * logged as "alert_failed" events first (these never alert).
 * A write error is reported once on stderr; later events are still tried.
 */
void dpoctl_patch_log_event(struct dpoctl_patch_log *log, json_object *ev,
			    int prio, bool alert);

/*
 * Waits at most @wait_ms for alert commands still running, reports those
 * that failed or still run (they are left running), closes and frees.
 */
void dpoctl_patch_log_close(struct dpoctl_patch_log *log, int wait_ms);

#endif
