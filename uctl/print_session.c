// SPDX-License-Identifier: GPL-2.0
/* The rows of sessions: session list, and their part of monitor's. */
#include <stdio.h>
#include <linux/dpo.h>

#include "parse.h"
#include "print.h"
#include "printers.h"

const char *dpoctl_session_owner_str(char *buf, size_t len,
				     const struct dpoctl_session *s)
{
	if (s->owner == DPO_OWNER_CANARY && s->canary_pct)
		snprintf(buf, len, "%s:%u", dpoctl_owner_name(s->owner),
			 s->canary_pct);
	else
		snprintf(buf, len, "%s", dpoctl_owner_name(s->owner));
	return buf;
}

void dpoctl_print_session_attrs(const struct dpoctl_session *s, bool text)
{
	int t = text ? 1 : 0;	/* width 0: JSON only */
	char owner[16];

	dpoctl_pr_u64("interval_ms", NULL, 11 * t, s->interval_ms);
	dpoctl_pr_u64("instances", NULL, 9 * t, s->instances);
	/* text: "canary:20"; JSON: "owner":"canary","canary_pct":20 */
	if (text)
		dpoctl_pr_str(NULL, "OWNER", 9,
			      dpoctl_session_owner_str(owner, sizeof(owner), s));
	dpoctl_pr_str("owner", NULL, 0, dpoctl_owner_name(s->owner));
	dpoctl_pr_u64("canary_pct", NULL, 0, s->canary_pct);
	dpoctl_pr_u64("switch_time_ns", NULL, 0, s->switch_time_ns);
}

void dpoctl_print_session(const struct dpoctl_session *s)
{
	dpoctl_pr_row_begin();
	dpoctl_pr_str("name", NULL, 16, s->name);
	dpoctl_print_session_attrs(s, true);
	dpoctl_pr_row_end();
}
