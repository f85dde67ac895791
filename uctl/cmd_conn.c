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
	struct dpo_conn c;

	(void)arg;
	if (dpo_msg_conn(nlh, &c))
		return -EPROTO;
	/* per row: a long dump must not age its last rows */
	dpo_print_conn(&c, dpo_now_ns());
	return 0;
}

static int parse_pid(struct dpo_ctx *ctx, const char *s, uint32_t *pid)
{
	if (*pid)
		return dpo_usage(ctx, "--pid given twice");
	if (dpo_parse_pid(s, pid))
		return dpo_usage(ctx, "bad PID \"%s\"", s);
	return 0;
}

/* [SESSION] [--pid PID]: both optional, in any order */
static int parse_args(struct dpo_ctx *ctx, int argc, char **argv,
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
				return dpo_usage(ctx, "missing PID after --pid");
			if (parse_pid(ctx, argv[++i], pid))
				return DPO_EXIT_USAGE;
		} else if (opts && !strncmp(a, "--pid=", 6)) {
			if (parse_pid(ctx, a + 6, pid))
				return DPO_EXIT_USAGE;
		} else if (opts && a[0] == '-' && a[1]) {
			return dpo_usage(ctx, "unknown option \"%s\"", a);
		} else if (!*session) {
			if (dpo_check_session_name(a))
				return dpo_usage(ctx, "session name must be 1 to %d bytes",
						 DPO_SESSION_NAME_MAX - 1);
			*session = a;
		} else {
			return dpo_usage(ctx, "unexpected \"%s\"", a);
		}
	}
	return 0;
}

static int conn_list(struct dpo_ctx *ctx, int argc, char **argv)
{
	const char *session;
	struct nl_msg *msg;
	struct dpo_nl nl;
	uint32_t pid;
	int ret;

	if (parse_args(ctx, argc, argv, &session, &pid))
		return DPO_EXIT_USAGE;
	if (dpo_nl_open(&nl, ctx->what))
		return DPO_EXIT_ERR;
	/* The dump filters silently: a misspelt session is an error here. */
	if (session) {
		msg = dpo_nl_new(&nl, DPO_CMD_SESSION_GET, 0);
		if (msg && nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0) {
			nlmsg_free(msg);
			msg = NULL;
		}
		if (dpo_nl_request(&nl, msg, NULL, NULL)) {
			dpo_nl_close(&nl);
			return DPO_EXIT_ERR;
		}
	}
	msg = dpo_nl_new(&nl, DPO_CMD_CONN_GET, NLM_F_DUMP);
	/* the filters travel with the dump request */
	if (msg && ((session &&
		     nla_put_string(msg, DPO_A_SESSION_NAME, session) < 0) ||
		    (pid && nla_put_u32(msg, DPO_A_PID, pid) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	pr_begin(PR_TABLE, true);
	ret = dpo_nl_request(&nl, msg, print_conn, NULL);
	if (!ret)
		pr_end();
	dpo_nl_close(&nl);
	return ret ? DPO_EXIT_ERR : DPO_EXIT_OK;
}

const struct dpoctl_cmd dpo_conn_cmds[] = {
	{ .name = "list", .fn = conn_list, .args = "[SESSION] [--pid PID]",
	  .help = "list the connections instances accepted, with their traffic" },
	{ }
};
