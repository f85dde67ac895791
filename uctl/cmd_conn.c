// SPDX-License-Identifier: GPL-2.0
/*
 * conn list: the connection registry, every connection that an instance
 * accepted through one of its session's listeners.
 */
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/dpo.h>

#include "dpoctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"
#include "traffic.h"

static int print_conn(struct nlmsghdr *nlh, void *arg)
{
	struct dpoctl_conn c;

	(void)arg;
	if (dpoctl_msg_conn(nlh, &c))
		return -EPROTO;
	/* per row: a long dump must not age its last rows */
	dpoctl_print_conn(&c, dpoctl_now_ns());
	return 0;
}

static int parse_pid(struct dpoctl_ctx *ctx, const char *s, uint32_t *pid)
{
	if (*pid)
		return dpoctl_usage(ctx, "--pid given twice");
	if (dpoctl_parse_pid(s, pid))
		return dpoctl_usage(ctx, "bad PID \"%s\"", s);
	return 0;
}

/* [SESSION] [--pid PID]: both optional, in any order */
static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      const char **session, uint32_t *pid)
{
	bool opts = true;
	int i;

	*session = NULL;
	*pid = 0;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && !strcmp(a, "--pid")) {
			if (i + 1 == argc)
				return dpoctl_usage(ctx, "missing PID after --pid");
			if (parse_pid(ctx, argv[++i], pid))
				return DPOCTL_EXIT_USAGE;
		} else if (opts && !strncmp(a, "--pid=", 6)) {
			if (parse_pid(ctx, a + 6, pid))
				return DPOCTL_EXIT_USAGE;
		} else if (opts && a[0] == '-' && a[1]) {
			return dpoctl_usage(ctx, "unknown option \"%s\"", a);
		} else if (!*session) {
			if (dpoctl_check_session_name(a))
				return dpoctl_usage(ctx, "session name must be 1 to %d bytes",
						 DPO_SESSION_NAME_MAX - 1);
			*session = a;
		} else {
			return dpoctl_usage(ctx, "unexpected \"%s\"", a);
		}
	}
	return 0;
}

static int conn_list(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	const char *session;
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	uint32_t pid;
	int ret;

	if (parse_args(ctx, argc, argv, &session, &pid))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	/* The dump filters silently: a misspelt session is an error here. */
	if (session) {
		msg = dpoctl_nl_new(&nl, DPO_CMD_SESSION_GET, 0);
		if (msg && nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0) {
			nlmsg_free(msg);
			msg = NULL;
		}
		if (dpoctl_nl_request(&nl, msg, NULL, NULL)) {
			dpoctl_nl_close(&nl);
			return DPOCTL_EXIT_ERR;
		}
	}
	msg = dpoctl_nl_new(&nl, DPO_CMD_CONN_GET, NLM_F_DUMP);
	/* the filters travel with the dump request */
	if (msg && ((session &&
		     nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0) ||
		    (pid && nla_put_u32(msg, DPO_A_PID, pid) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	ret = dpoctl_nl_request(&nl, msg, print_conn, NULL);
	if (!ret)
		dpoctl_pr_end();
	dpoctl_nl_close(&nl);
	return ret ? DPOCTL_EXIT_ERR : DPOCTL_EXIT_OK;
}

const struct dpoctl_cmd dpoctl_conn_cmds[] = {
	{ .name = "list", .fn = conn_list, .args = "[SESSION] [--pid PID]",
	  .help = "list the connections instances accepted, with their traffic" },
	{ }
};
