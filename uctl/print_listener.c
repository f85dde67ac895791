// SPDX-License-Identifier: GPL-2.0
/* The rows of listeners: listener add, list, show, and monitor's part. */
#include <linux/dpo.h>

#include "parse.h"
#include "print.h"
#include "printers.h"

void dpoctl_print_listener_attrs(const struct dpoctl_listener *l, bool text)
{
	int t = text ? 1 : 0;	/* width 0: JSON only */
	char addr[64];

	dpoctl_pr_str("family", NULL, 0, dpoctl_family_name(l->family));
	dpoctl_addr_str(addr, sizeof(addr), l->family, l->addr);
	dpoctl_pr_str("address", NULL, 0, addr);
	dpoctl_pr_u64("port", NULL, 0, l->port);
	dpoctl_pr_u64("accepted_original", NULL, 17 * t, l->accepted_original);
	dpoctl_pr_u64("accepted_patched", NULL, 16 * t, l->accepted_patched);
	dpoctl_pr_u64("accepted_other", NULL, 14 * t, l->accepted_other);
}

void dpoctl_print_listener(const struct dpoctl_listener *l)
{
	char addr[64];

	dpoctl_pr_row_begin();
	dpoctl_pr_u64("id", NULL, 4, l->id);
	dpoctl_pr_str("session", NULL, 12, l->session);
	dpoctl_addr_port_str(addr, sizeof(addr), l->family, l->addr, l->port);
	dpoctl_pr_str(NULL, "ADDRESS", 23, addr);
	dpoctl_print_listener_attrs(l, true);
	dpoctl_pr_row_end();
}
