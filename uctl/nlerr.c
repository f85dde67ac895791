// SPDX-License-Identifier: GPL-2.0
/* The reasons given for failed requests, as the protocol's spec documents them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/dpo.h>

#include "error.h"
#include "netlink/dpo-desc.h"

/*
 * The reason part of "dpoctl: <what>: <reason>": the kernel's own words
 * when it sent some, else the missing attribute it named (by its name in
 * the spec), else what the spec documents for the command's error, else
 * strerror.
 */
const char *dpoctl_error_str(const struct dpoctl_error *e, char *buf,
			     size_t len)
{
	size_t n_errors = sizeof(dpo_desc_errors) / sizeof(dpo_desc_errors[0]);
	size_t i;

	if (e->msg[0]) {
		snprintf(buf, len, "%s%s", e->policy ? "bad value: " : "",
			 e->msg);
		return buf;
	}
	if (e->miss_type > 0) {
		if (e->miss_type < __DPO_A_MAX &&
		    dpo_desc_dpo_attrs[e->miss_type].name)
			snprintf(buf, len, "missing attribute %s",
				 dpo_desc_dpo_attrs[e->miss_type].name);
		else
			snprintf(buf, len, "missing attribute %d", e->miss_type);
		return buf;
	}
	for (i = 0; i < n_errors; i++) {
		if ((int)dpo_desc_errors[i].cmd == e->cmd &&
		    dpo_desc_errors[i].err == e->err) {
			snprintf(buf, len, "%s", dpo_desc_errors[i].msg);
			return buf;
		}
	}
	/* genetlink's GENL_ADMIN_PERM check fails without a message */
	if (e->err == EPERM)
		snprintf(buf, len, "not permitted (needs CAP_NET_ADMIN)");
	else
		snprintf(buf, len, "%s", strerror(e->err));
	return buf;
}
