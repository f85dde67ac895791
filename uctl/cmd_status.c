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
	return dpo_msg_status(nlh, arg);
}

static int get_family(struct nlmsghdr *nlh, void *arg)
{
	return dpo_msg_family(nlh, arg);
}

static int no_args(struct dpo_ctx *ctx, int argc, char **argv)
{
	return argc ? dpo_usage(ctx, "unexpected \"%s\"", argv[0]) : 0;
}

/* an ACK without the reply it should have come with */
static int no_reply(struct dpo_ctx *ctx)
{
	dpo_err("%s: no reply from the kernel", ctx->what);
	return DPO_EXIT_ERR;
}

int dpo_cmd_status(struct dpo_ctx *ctx, int argc, char **argv)
{
	struct dpo_status st = { .version = "" };
	struct dpo_nl nl;
	int ret;

	if (no_args(ctx, argc, argv))
		return DPO_EXIT_USAGE;
	if (dpo_nl_open(&nl, ctx->what))
		return DPO_EXIT_ERR;
	ret = dpo_nl_request(&nl, dpo_nl_new(&nl, DPO_CMD_STATUS_GET, 0),
			     get_status, &st);
	dpo_nl_close(&nl);
	if (ret)
		return DPO_EXIT_ERR;
	if (!st.version[0])
		return no_reply(ctx);

	pr_begin(PR_RECORD, false);
	pr_row_begin();
	pr_str("version", NULL, 1, st.version);
	pr_u64("sessions", NULL, 1, st.sessions);
	pr_u64("instances", NULL, 1, st.instances);
	if (st.has_listeners)
		pr_u64("listeners", NULL, 1, st.listeners);
	pr_u64("samples", NULL, 1, st.samples);
	pr_u64("sample_time_ns", NULL, 1, st.sample_time_ns);
	if (st.samples)
		pr_u64("avg_sample_ns", NULL, 1, st.sample_time_ns / st.samples);
	else
		pr_null("avg_sample_ns", NULL, 1);
	pr_row_end();
	pr_end();
	return DPO_EXIT_OK;
}

int dpo_cmd_version(struct dpo_ctx *ctx, int argc, char **argv)
{
	struct dpo_family fam = { .id = 0 };
	struct dpo_status st = { .version = "" };
	struct nl_msg *msg;
	struct dpo_nl nl;
	int ret;

	if (no_args(ctx, argc, argv))
		return DPO_EXIT_USAGE;
	if (dpo_nl_open(&nl, ctx->what))
		return DPO_EXIT_ERR;
	/* the family's version is only known to the genetlink controller */
	msg = dpo_nl_new_raw(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	if (msg && nla_put_string(msg, CTRL_ATTR_FAMILY_NAME,
				  DPO_GENL_NAME) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = dpo_nl_request(&nl, msg, get_family, &fam);
	if (!ret)
		ret = dpo_nl_request(&nl, dpo_nl_new(&nl, DPO_CMD_STATUS_GET, 0),
				     get_status, &st);
	dpo_nl_close(&nl);
	if (ret)
		return DPO_EXIT_ERR;
	if (!fam.id || !st.version[0])
		return no_reply(ctx);

	pr_begin(PR_RECORD, false);
	pr_row_begin();
	pr_str("dpoctl", NULL, 1, DPOCTL_VERSION);
	pr_str("module", NULL, 1, st.version);
	pr_str("family", NULL, 1, fam.name);
	pr_u64("family_version", NULL, 1, fam.version);
	pr_u64("family_id", NULL, 1, fam.id);
	pr_row_end();
	pr_end();
	return DPO_EXIT_OK;
}
