// SPDX-License-Identifier: GPL-2.0
/* The rows of conn list: the connections instances accepted. */
#include <linux/dpo.h>

#include "parse.h"
#include "print.h"
#include "printers.h"

/* A connection accepted during the dump may be younger than @now. */
static uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

void dpoctl_print_conn(const struct dpoctl_conn *c, uint64_t now_ns)
{
	/* the kernel starts the activity at the accept; be safe with 0 */
	uint64_t last = c->last_activity_ns > c->accept_time_ns ?
		c->last_activity_ns : c->accept_time_ns;
	char addr[64];

	dpoctl_pr_row_begin();
	dpoctl_pr_str("session", NULL, 12, c->session);
	dpoctl_pr_u64("pid", NULL, 7, c->pid);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(c->role));
	dpoctl_pr_str("family", NULL, 0, dpoctl_family_name(c->family));
	dpoctl_addr_port_str(addr, sizeof(addr), c->family, c->addr, c->port);
	dpoctl_pr_str(NULL, "LOCAL", 23, addr);
	dpoctl_addr_str(addr, sizeof(addr), c->family, c->addr);
	dpoctl_pr_str("address", NULL, 0, addr);
	dpoctl_pr_u64("port", NULL, 0, c->port);
	dpoctl_addr_port_str(addr, sizeof(addr), c->family, c->peer_addr,
			  c->peer_port);
	dpoctl_pr_str(NULL, "PEER", 25, addr);
	dpoctl_addr_str(addr, sizeof(addr), c->family, c->peer_addr);
	dpoctl_pr_str("peer_address", NULL, 0, addr);
	dpoctl_pr_u64("peer_port", NULL, 0, c->peer_port);
	dpoctl_pr_str("state", NULL, 8, dpoctl_conn_state_name(c->state));
	dpoctl_pr_duration("age_ns", "AGE", 6, since(now_ns, c->accept_time_ns));
	dpoctl_pr_u64("bytes_in", NULL, 12, c->bytes_in);
	dpoctl_pr_u64("bytes_out", NULL, 12, c->bytes_out);
	dpoctl_pr_u64("requests", NULL, 8, c->requests);
	dpoctl_pr_duration("idle_ns", "IDLE", 6, since(now_ns, last));
	dpoctl_pr_u64("accept_time_ns", NULL, 0, c->accept_time_ns);
	dpoctl_pr_u64("last_activity_ns", NULL, 0, c->last_activity_ns);
	dpoctl_pr_row_end();
}

