// SPDX-License-Identifier: GPL-2.0
/* conn list: the connections instances accepted through their listeners. */
#include <stdbool.h>
#include <string.h>

#include "client.h"
#include "dpoctl.h"
#include "print.h"
#include "printers.h"

static int print_conn(const struct dpoctl_conn *c, void *arg)
{
	(void)arg;
	/* per row: a long dump must not age its last rows */
	dpoctl_print_conn(c, dpoctl_now_ns());
	return 0;
}

static int parse_pid(struct dpoctl_ctx *ctx, const char *s, uint32_t *pid)
{
	if (*pid)
		return dpoctl_usage(ctx, "--pid given twice");
	return dpoctl_arg_pid(ctx, s, pid);
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
			if (dpoctl_arg_session(ctx, a))
				return DPOCTL_EXIT_USAGE;
			*session = a;
		} else {
			return dpoctl_usage(ctx, "unexpected \"%s\"", a);
		}
	}
	return 0;
}

static int conn_list(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	const char *session;
	uint32_t pid;
	int ret = 0;

	if (parse_args(ctx, argc, argv, &session, &pid))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	/* The dump filters silently: a misspelt session is an error here. */
	if (session)
		ret = dpoctl_session_get(&c, session, NULL, &err);
	if (!ret) {
		dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
		ret = dpoctl_conn_dump(&c, session, pid, print_conn, NULL, &err);
		if (!ret)
			dpoctl_pr_end();
	}
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

const struct dpoctl_cmd dpoctl_conn_cmds[] = {
	{ .name = "list", .fn = conn_list, .args = "[SESSION] [--pid PID]",
	  .help = "list the connections instances accepted, with their traffic" },
	{ }
};
