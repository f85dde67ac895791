// SPDX-License-Identifier: GPL-2.0
/* The rows of drains: drain and drain --wait, and monitor's part. */
#include <linux/dpo.h>

#include "parse.h"
#include "print.h"
#include "printers.h"

void dpoctl_print_drain_counts(const struct dpoctl_drain *d, bool text)
{
	int t = text ? 1 : 0;	/* width 0: JSON only */

	dpoctl_pr_u64("remaining", NULL, 9 * t, d->remaining);
	dpoctl_pr_u64("closed_idle", NULL, 11 * t, d->closed_idle);
	dpoctl_pr_u64("closed_busy", NULL, 11 * t, d->closed_busy);
	dpoctl_pr_u64("reset", NULL, 5 * t, d->reset);
	dpoctl_pr_u64("gone", NULL, 5 * t, d->gone);
}

void dpoctl_print_drain(const char *event, const struct dpoctl_drain *d)
{
	char t[32];

	dpoctl_pr_row_begin();
	dpoctl_pr_str("event", NULL, 8, event);
	dpoctl_pr_str("session", NULL, 12, d->session);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(d->role));
	dpoctl_pr_duration("elapsed_ns", "ELAPSED", 7, d->elapsed_ns);
	dpoctl_print_drain_counts(d, true);
	dpoctl_duration_str(t, sizeof(t), (uint64_t)d->deadline_ms * 1000000);
	dpoctl_pr_str(NULL, "DEADLINE", 8, t);
	dpoctl_pr_u64("deadline_ms", NULL, 0, d->deadline_ms);
	if (d->idle_mark_len) {
		dpoctl_idle_mark_str(t, sizeof(t), d->idle_mark,
				     d->idle_mark_len);
		dpoctl_pr_str("idle_mark", "IDLE_MARK", 9, t);
	}
	if (d->min_requests)
		dpoctl_pr_u64("min_requests", "MIN_REQ", 7, d->min_requests);
	dpoctl_pr_row_end();
}
