// SPDX-License-Identifier: GPL-2.0
/* instance add, del and show. */
#include <linux/dpo.h>

#include "client.h"
#include "dpoctl.h"
#include "print.h"
#include "printers.h"

static int instance_add(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	uint32_t pid;
	uint8_t role;
	int ret;

	if (argc < 3)
		return dpoctl_usage(ctx, "missing %s", argc == 0 ? "SESSION" :
				    argc == 1 ? "PID" : "role");
	if (argc > 3)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[3]);
	if (dpoctl_arg_session(ctx, argv[0]) ||
	    dpoctl_arg_pid(ctx, argv[1], &pid) ||
	    dpoctl_arg_role(ctx, argv[2], &role))
		return DPOCTL_EXIT_USAGE;

	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	ret = dpoctl_instance_add(&c, argv[0], pid, role, &err);
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

static int instance_del(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	uint32_t pid;
	int ret;

	if (dpoctl_arg_one(ctx, argc, argv, "PID") ||
	    dpoctl_arg_pid(ctx, argv[0], &pid))
		return DPOCTL_EXIT_USAGE;

	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	ret = dpoctl_instance_del(&c, pid, &err);
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

static int print_row(const struct dpoctl_instance *in, void *arg)
{
	(void)arg;
	dpoctl_print_instance(in);
	return 0;
}

/* One PID: a JSON object; all: an array. */
static int instance_show(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	uint32_t pid = 0;
	int ret;

	if (argc > 1)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	if (argc && dpoctl_arg_pid(ctx, argv[0], &pid))
		return DPOCTL_EXIT_USAGE;

	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	dpoctl_pr_begin(DPOCTL_PR_TABLE, !pid);
	ret = dpoctl_instance_dump(&c, pid, print_row, NULL, &err);
	dpoctl_client_close(&c);
	if (ret)
		return dpoctl_result(ctx, ret, &err);
	dpoctl_pr_end();
	return DPOCTL_EXIT_OK;
}

const struct dpoctl_cmd dpoctl_instance_cmds[] = {
	{ .name = "add", .fn = instance_add,
	  .args = "SESSION PID original|patched",
	  .help = "track a process in a session" },
	{ .name = "del", .fn = instance_del, .args = "PID",
	  .help = "stop tracking a process" },
	{ .name = "show", .fn = instance_show, .args = "[PID]",
	  .help = "show the latest sample of instances" },
	{ }
};
