// SPDX-License-Identifier: GPL-2.0
/* session new, set, del, end, list and owner. */
#include <errno.h>
#include <string.h>
#include <linux/dpo.h>

#include "client.h"
#include "dpoctl.h"
#include "parse.h"
#include "print.h"
#include "printers.h"

/* NAME [interval DUR], the interval being required or not */
static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      bool need_interval, uint32_t *ms)
{
	int ret;

	*ms = 0;
	if (argc < 1)
		return dpoctl_usage(ctx, "missing NAME");
	if (dpoctl_arg_session(ctx, argv[0]))
		return DPOCTL_EXIT_USAGE;
	if (argc == 1 && !need_interval)
		return 0;
	if (argc == 1 || strcmp(argv[1], "interval"))
		return argc == 1 ? dpoctl_usage(ctx, "missing interval") :
			dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	if (argc == 2)
		return dpoctl_usage(ctx, "missing DUR after interval");
	if (argc > 3)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[3]);
	ret = dpoctl_parse_interval(argv[2], ms);
	if (ret == -ERANGE)
		return dpoctl_usage(ctx, "interval \"%s\" out of range (10ms to 10s)",
				 argv[2]);
	if (ret)
		return dpoctl_usage(ctx, "bad interval \"%s\" (e.g. 100, 100ms, 1.5s)",
				 argv[2]);
	return 0;
}

/* NEW, SET and DEL: a name and maybe an interval */
static int name_interval_cmd(struct dpoctl_ctx *ctx, int argc, char **argv,
			     uint8_t cmd, bool need_interval)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	uint32_t ms;
	int ret;

	ret = parse_args(ctx, argc, argv, need_interval, &ms);
	if (ret)
		return ret;
	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	if (cmd == DPO_CMD_SESSION_NEW)
		ret = dpoctl_session_new(&c, argv[0], ms, &err);
	else if (cmd == DPO_CMD_SESSION_SET)
		ret = dpoctl_session_set(&c, argv[0], ms, &err);
	else
		ret = dpoctl_session_del(&c, argv[0], &err);
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

static int session_new(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	return name_interval_cmd(ctx, argc, argv, DPO_CMD_SESSION_NEW, false);
}

static int session_set(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	return name_interval_cmd(ctx, argc, argv, DPO_CMD_SESSION_SET, true);
}

static int session_del(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	if (dpoctl_arg_one(ctx, argc, argv, "NAME"))
		return DPOCTL_EXIT_USAGE;
	return name_interval_cmd(ctx, argc, argv, DPO_CMD_SESSION_DEL, false);
}

static int print_row(const struct dpoctl_session *s, void *arg)
{
	(void)arg;
	dpoctl_print_session(s);
	return 0;
}

static int session_list(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	int ret;

	if (dpoctl_arg_none(ctx, argc, argv))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	ret = dpoctl_session_dump(&c, print_row, NULL, &err);
	if (!ret)
		dpoctl_pr_end();
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

/* NAME OWNER: who accepts on the session's listeners from now on */
static int session_owner(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	uint8_t owner;
	uint32_t pct;
	int ret;

	if (argc < 2)
		return dpoctl_usage(ctx, "missing %s", argc ? "owner" : "NAME");
	if (argc > 2)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[2]);
	if (dpoctl_arg_session(ctx, argv[0]))
		return DPOCTL_EXIT_USAGE;
	ret = dpoctl_parse_owner(argv[1], &owner, &pct);
	if (ret == -ERANGE)
		return dpoctl_usage(ctx, "canary share \"%s\" out of range (1 to 99)",
				 argv[1]);
	if (ret)
		return dpoctl_usage(ctx, "bad owner \"%s\" (original, patched, "
				 "both or canary:PCT)", argv[1]);
	if (owner == DPO_OWNER_CANARY && !pct)
		return dpoctl_usage(ctx, "canary needs a share: canary:PCT (1 to 99)");

	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	ret = dpoctl_owner_set(&c, argv[0], owner, pct, &err);
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

const struct dpoctl_cmd dpoctl_session_cmds[] = {
	{ .name = "new", .fn = session_new, .args = "NAME [interval DUR]",
	  .help = "create a session (default interval 100ms)" },
	{ .name = "set", .fn = session_set, .args = "NAME interval DUR",
	  .help = "change the sampling interval of a session" },
	{ .name = "del", .fn = session_del, .args = "NAME",
	  .help = "delete a session, untracking its instances" },
	{ .name = "end", .fn = session_del, .args = "NAME",
	  .help = "end a session (the same as del)" },
	{ .name = "list", .fn = session_list, .args = "",
	  .help = "list sessions" },
	{ .name = "owner", .fn = session_owner,
	  .args = "NAME original|patched|both|canary:PCT",
	  .help = "switch who accepts on the session's listeners" },
	{ }
};
