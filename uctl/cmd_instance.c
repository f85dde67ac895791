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
#include "traffic.h"

static int parse_pid(struct dpoctl_ctx *ctx, const char *s, uint32_t *pid)
{
	if (dpoctl_parse_pid(s, pid))
		return dpoctl_usage(ctx, "bad PID \"%s\"", s);
	return 0;
}

static int instance_add(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	uint32_t pid;
	uint8_t role;
	int ret;

	if (argc < 3)
		return dpoctl_usage(ctx, "missing %s", argc == 0 ? "SESSION" :
				 argc == 1 ? "PID" : "role");
	if (argc > 3)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[3]);
	if (dpoctl_check_session_name(argv[0]))
		return dpoctl_usage(ctx, "session name must be 1 to %d bytes",
				 DPO_SESSION_NAME_MAX - 1);
	if (parse_pid(ctx, argv[1], &pid))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_parse_role(argv[2], &role))
		return dpoctl_usage(ctx, "bad role \"%s\" (original or patched)",
				 argv[2]);

	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	msg = dpoctl_nl_new(&nl, DPO_CMD_INSTANCE_ADD, 0);
	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, argv[0]) < 0 ||
		    nla_put_u32(msg, DPO_A_PID, pid) < 0 ||
		    nla_put_u8(msg, DPO_A_ROLE, role) < 0)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = dpoctl_nl_request(&nl, msg, NULL, NULL);
	dpoctl_nl_close(&nl);
	return ret ? DPOCTL_EXIT_ERR : DPOCTL_EXIT_OK;
}

static int instance_del(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	uint32_t pid;
	int ret;

	if (argc < 1)
		return dpoctl_usage(ctx, "missing PID");
	if (argc > 1)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	if (parse_pid(ctx, argv[0], &pid))
		return DPOCTL_EXIT_USAGE;

	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	msg = dpoctl_nl_new(&nl, DPO_CMD_INSTANCE_DEL, 0);
	if (msg && nla_put_u32(msg, DPO_A_PID, pid) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = dpoctl_nl_request(&nl, msg, NULL, NULL);
	dpoctl_nl_close(&nl);
	return ret ? DPOCTL_EXIT_ERR : DPOCTL_EXIT_OK;
}

static void stat(const struct dpoctl_instance *in, const char *key, int width,
		 uint64_t v)
{
	if (in->has_stats)
		dpoctl_pr_u64(key, NULL, width, v);
	else
		dpoctl_pr_null(key, NULL, width);
}

/*
 * The latest sample: table columns in instance show (@text), JSON only in
 * monitor, whose table shows rates instead.
 */
void dpoctl_print_stats(const struct dpoctl_instance *in, bool text)
{
	const struct dpoctl_stats *s = &in->stats;
	int t = text ? 1 : 0;	/* width 0: JSON only */

	dpoctl_pr_nest_begin("stats");
	stat(in, "threads", 7 * t, s->threads);
	stat(in, "cpu_ns", 14 * t, s->cpu_ns);
	stat(in, "run_delay_ns", 13 * t, s->run_delay_ns);
	stat(in, "nvcsw", 8 * t, s->nvcsw);
	stat(in, "nivcsw", 8 * t, s->nivcsw);
	stat(in, "min_flt", 8 * t, s->min_flt);
	stat(in, "maj_flt", 7 * t, s->maj_flt);
	stat(in, "rss_bytes", 11 * t, s->rss_bytes);
	stat(in, "seq", 6 * t, s->seq);
	stat(in, "timestamp_ns", 16 * t, s->timestamp_ns);
	dpoctl_print_traffic(in, text);
	dpoctl_pr_nest_end();
}

static int print_instance(struct nlmsghdr *nlh, void *arg)
{
	struct dpoctl_instance in;
	int *rows = arg;

	if (dpoctl_msg_instance(nlh, &in))
		return -EPROTO;
	(*rows)++;
	dpoctl_pr_row_begin();
	dpoctl_pr_str("session", NULL, 12, in.session);
	dpoctl_pr_u64("pid", NULL, 7, in.pid);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(in.role));
	dpoctl_pr_u64("start_time_ns", NULL, 0, in.start_time_ns);
	dpoctl_print_stats(&in, true);
	dpoctl_pr_row_end();
	return 0;
}

static int instance_show(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	uint32_t pid = 0;
	int ret, rows = 0;

	if (argc > 1)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	if (argc && parse_pid(ctx, argv[0], &pid))
		return DPOCTL_EXIT_USAGE;

	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	msg = dpoctl_nl_new(&nl, DPO_CMD_INSTANCE_GET, pid ? 0 : NLM_F_DUMP);
	if (msg && pid && nla_put_u32(msg, DPO_A_PID, pid) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	/* one PID: a JSON object; all: an array */
	dpoctl_pr_begin(DPOCTL_PR_TABLE, !pid);
	ret = dpoctl_nl_request(&nl, msg, print_instance, &rows);
	dpoctl_nl_close(&nl);
	if (ret)
		return DPOCTL_EXIT_ERR;
	if (pid && !rows) {
		dpoctl_err("%s: no reply from the kernel", ctx->what);
		return DPOCTL_EXIT_ERR;
	}
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
