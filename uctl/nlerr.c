// SPDX-License-Identifier: GPL-2.0
/* The reasons given for failed requests, as dpo.h documents them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/dpo.h>

#include "error.h"

/* The errors documented in dpo.h, for a kernel that sent no message. */
static const struct {
	int cmd;
	int err;
	const char *msg;
} known[] = {
	{ DPO_CMD_SESSION_NEW, EEXIST, "session exists" },
	{ DPO_CMD_SESSION_NEW, ENOSPC, "too many sessions" },
	{ DPO_CMD_SESSION_SET, ENOENT, "no such session" },
	{ DPO_CMD_SESSION_DEL, ENOENT, "no such session" },
	{ DPO_CMD_SESSION_GET, ENOENT, "no such session" },
	{ DPO_CMD_INSTANCE_ADD, ENOENT, "no such session" },
	{ DPO_CMD_INSTANCE_ADD, ESRCH, "no such process" },
	{ DPO_CMD_INSTANCE_ADD, EINVAL,
	  "not a process (a thread of one, or a kernel thread)" },
	{ DPO_CMD_INSTANCE_ADD, EEXIST, "process already tracked" },
	{ DPO_CMD_INSTANCE_ADD, ENOSPC, "too many instances" },
	{ DPO_CMD_INSTANCE_DEL, ENOENT, "process not tracked" },
	{ DPO_CMD_INSTANCE_GET, ENOENT, "process not tracked" },
	{ DPO_CMD_LISTENER_ADD, ENOENT, "no such session" },
	{ DPO_CMD_LISTENER_ADD, EBADF, "bad file descriptor" },
	{ DPO_CMD_LISTENER_ADD, ENOTSOCK, "not a socket" },
	{ DPO_CMD_LISTENER_ADD, EINVAL, "not a listening TCP socket" },
	{ DPO_CMD_LISTENER_ADD, EOPNOTSUPP,
	  "socket with a ULP (kTLS) or MPTCP not supported" },
	{ DPO_CMD_LISTENER_ADD, EEXIST, "socket already attached" },
	{ DPO_CMD_LISTENER_ADD, ENOSPC, "too many listeners" },
	{ DPO_CMD_LISTENER_DEL, ENOENT, "no such listener" },
	{ DPO_CMD_LISTENER_GET, ENOENT, "no such listener" },
	{ DPO_CMD_OWNER_SET, ENOENT, "no such session" },
	{ DPO_CMD_CONN_GET, ENOENT, "no such session" },
	{ DPO_CMD_DRAIN, ENOENT, "no such session" },
	{ DPO_CMD_DRAIN, EINVAL,
	  "no instance of the other role to take new connections" },
	{ DPO_CMD_DRAIN, EBUSY, "a drain of this session is running" },
};

static const char *const attr_names[] = {
	[DPO_A_SESSION_NAME] = "session name",
	[DPO_A_INTERVAL_MS] = "interval",
	[DPO_A_PID] = "pid",
	[DPO_A_ROLE] = "role",
	[DPO_A_FD] = "fd",
	[DPO_A_LISTENER_ID] = "listener id",
	[DPO_A_OWNER] = "owner",
	[DPO_A_DEADLINE_MS] = "deadline",
};

/*
 * The reason part of "dpoctl: <what>: <reason>": the kernel's own words
 * when it sent some, else the missing attribute it named, else what dpo.h
 * documents for its command, else strerror.
 */
const char *dpoctl_error_str(const struct dpoctl_error *e, char *buf,
			     size_t len)
{
	size_t n_attr_names = sizeof(attr_names) / sizeof(attr_names[0]);
	size_t i;

	if (e->msg[0]) {
		snprintf(buf, len, "%s%s", e->policy ? "bad value: " : "",
			 e->msg);
		return buf;
	}
	if (e->miss_type > 0) {
		if ((size_t)e->miss_type < n_attr_names &&
		    attr_names[e->miss_type])
			snprintf(buf, len, "missing attribute %s",
				 attr_names[e->miss_type]);
		else
			snprintf(buf, len, "missing attribute %d", e->miss_type);
		return buf;
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (known[i].cmd == e->cmd && known[i].err == e->err) {
			snprintf(buf, len, "%s", known[i].msg);
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
