// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/genetlink.h>
#include <linux/dpo.h>

#include "dpoctl.h"
#include "nl.h"
#include "print.h"

static int get_status(struct nlmsghdr *nlh, void *arg)
{
	return dpoctl_msg_status(nlh, arg);
}

static int get_family(struct nlmsghdr *nlh, void *arg)
{
	return dpoctl_msg_family(nlh, arg);
}

static int no_args(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	return argc ? dpoctl_usage(ctx, "unexpected \"%s\"", argv[0]) : 0;
}

/* an ACK without the reply it should have come with */
static int no_reply(struct dpoctl_ctx *ctx)
{
	dpoctl_err("%s: no reply from the kernel", ctx->what);
	return DPOCTL_EXIT_ERR;
}

int dpoctl_cmd_status(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_status st = { .version = "" };
	struct dpoctl_nl nl;
	int ret;

	if (no_args(ctx, argc, argv))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	ret = dpoctl_nl_request(&nl, dpoctl_nl_new(&nl, DPO_CMD_STATUS_GET, 0),
			     get_status, &st);
	dpoctl_nl_close(&nl);
	if (ret)
		return DPOCTL_EXIT_ERR;
	if (!st.version[0])
		return no_reply(ctx);

	dpoctl_pr_begin(DPOCTL_PR_RECORD, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("version", NULL, 1, st.version);
	dpoctl_pr_u64("sessions", NULL, 1, st.sessions);
	dpoctl_pr_u64("instances", NULL, 1, st.instances);
	if (st.has_listeners)
		dpoctl_pr_u64("listeners", NULL, 1, st.listeners);
	dpoctl_pr_u64("samples", NULL, 1, st.samples);
	dpoctl_pr_u64("sample_time_ns", NULL, 1, st.sample_time_ns);
	if (st.samples)
		dpoctl_pr_u64("avg_sample_ns", NULL, 1, st.sample_time_ns / st.samples);
	else
		dpoctl_pr_null("avg_sample_ns", NULL, 1);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
	return DPOCTL_EXIT_OK;
}

int dpoctl_cmd_version(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_family fam = { .id = 0 };
	struct dpoctl_status st = { .version = "" };
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	int ret;

	if (no_args(ctx, argc, argv))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	/* the family's version is only known to the genetlink controller */
	msg = dpoctl_nl_new_raw(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	if (msg && nla_put_string(msg, CTRL_ATTR_FAMILY_NAME,
				  DPO_GENL_NAME) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = dpoctl_nl_request(&nl, msg, get_family, &fam);
	if (!ret)
		ret = dpoctl_nl_request(&nl, dpoctl_nl_new(&nl, DPO_CMD_STATUS_GET, 0),
				     get_status, &st);
	dpoctl_nl_close(&nl);
	if (ret)
		return DPOCTL_EXIT_ERR;
	if (!fam.id || !st.version[0])
		return no_reply(ctx);

	dpoctl_pr_begin(DPOCTL_PR_RECORD, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("dpoctl", NULL, 1, DPOCTL_VERSION);
	dpoctl_pr_str("module", NULL, 1, st.version);
	dpoctl_pr_str("family", NULL, 1, fam.name);
	dpoctl_pr_u64("family_version", NULL, 1, fam.version);
	dpoctl_pr_u64("family_id", NULL, 1, fam.id);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
	return DPOCTL_EXIT_OK;
}
