// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/dpo.h>

#include "dpoctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"

static int check_name(struct dpoctl_ctx *ctx, const char *name)
{
	if (dpoctl_check_session_name(name))
		return dpoctl_usage(ctx, "session name must be 1 to %d bytes",
				 DPO_SESSION_NAME_MAX - 1);
	return 0;
}

/* NAME [interval DUR], the interval being required or not */
static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      bool need_interval, uint32_t *ms)
{
	int ret;

	*ms = 0;
	if (argc < 1)
		return dpoctl_usage(ctx, "missing NAME");
	if (check_name(ctx, argv[0]))
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

/* NEW and SET: a name and maybe an interval, ACK only */
static int name_interval_cmd(struct dpoctl_ctx *ctx, int argc, char **argv,
			     uint8_t cmd, bool need_interval)
{
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	uint32_t ms;
	int ret;

	ret = parse_args(ctx, argc, argv, need_interval, &ms);
	if (ret)
		return ret;
	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	msg = dpoctl_nl_new(&nl, cmd, 0);
	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, argv[0]) < 0 ||
		    (ms && nla_put_u32(msg, DPO_A_INTERVAL_MS, ms) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = dpoctl_nl_request(&nl, msg, NULL, NULL);
	dpoctl_nl_close(&nl);
	return ret ? DPOCTL_EXIT_ERR : DPOCTL_EXIT_OK;
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
	if (argc < 1)
		return dpoctl_usage(ctx, "missing NAME");
	if (argc > 1)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	return name_interval_cmd(ctx, argc, argv, DPO_CMD_SESSION_DEL, false);
}

int dpoctl_session_print_row(struct nlmsghdr *nlh, void *arg)
{
	struct dpoctl_session s;
	char owner[16];

	(void)arg;
	if (dpoctl_msg_session(nlh, &s))
		return -EPROTO;
	dpoctl_pr_row_begin();
	dpoctl_pr_str("name", NULL, 16, s.name);
	dpoctl_pr_u64("interval_ms", NULL, 11, s.interval_ms);
	dpoctl_pr_u64("instances", NULL, 9, s.instances);
	/* text: "canary:20"; JSON: "owner":"canary","canary_pct":20 */
	dpoctl_session_owner_str(owner, sizeof(owner), &s);
	dpoctl_pr_str(NULL, "OWNER", 9, owner);
	dpoctl_pr_str("owner", NULL, 0, dpoctl_owner_name(s.owner));
	dpoctl_pr_u64("canary_pct", NULL, 0, s.canary_pct);
	dpoctl_pr_u64("switch_time_ns", NULL, 0, s.switch_time_ns);
	dpoctl_pr_row_end();
	return 0;
}

static int session_list(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_nl nl;
	int ret;

	if (argc)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[0]);
	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	ret = dpoctl_nl_request(&nl, dpoctl_nl_new(&nl, DPO_CMD_SESSION_GET,
					     NLM_F_DUMP),
			     dpoctl_session_print_row, NULL);
	if (!ret)
		dpoctl_pr_end();
	dpoctl_nl_close(&nl);
	return ret ? DPOCTL_EXIT_ERR : DPOCTL_EXIT_OK;
}

/* NAME OWNER: who accepts on the session's listeners from now on */
static int session_owner(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	uint8_t owner;
	uint32_t pct;
	int ret;

	if (argc < 2)
		return dpoctl_usage(ctx, "missing %s", argc ? "owner" : "NAME");
	if (argc > 2)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[2]);
	if (check_name(ctx, argv[0]))
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

	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	msg = dpoctl_nl_new(&nl, DPO_CMD_OWNER_SET, 0);
	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, argv[0]) < 0 ||
		    nla_put_u8(msg, DPO_A_OWNER, owner) < 0 ||
		    (pct && nla_put_u8(msg, DPO_A_CANARY_PCT, pct) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = dpoctl_nl_request(&nl, msg, NULL, NULL);
	dpoctl_nl_close(&nl);
	return ret ? DPOCTL_EXIT_ERR : DPOCTL_EXIT_OK;
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
