// SPDX-License-Identifier: GPL-2.0
/* version and status: what the module and its family say of themselves. */
#include "client.h"
#include "dpoctl.h"
#include "print.h"

/* The module's status, and with @fam its family: 0 or the exit status */
static int get(struct dpoctl_ctx *ctx, int argc, char **argv,
	       struct dpoctl_family *fam, struct dpoctl_status *st)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	int ret = 0;

	if (dpoctl_arg_none(ctx, argc, argv))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	if (fam)
		ret = dpoctl_family_get(&c, fam, &err);
	if (!ret)
		ret = dpoctl_status_get(&c, st, &err);
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

int dpoctl_cmd_status(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_status st;
	int rc = get(ctx, argc, argv, NULL, &st);

	if (rc)
		return rc;

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
		dpoctl_pr_u64("avg_sample_ns", NULL, 1,
			      st.sample_time_ns / st.samples);
	else
		dpoctl_pr_null("avg_sample_ns", NULL, 1);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
	return DPOCTL_EXIT_OK;
}

int dpoctl_cmd_version(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_family fam;
	struct dpoctl_status st;
	int rc = get(ctx, argc, argv, &fam, &st);

	if (rc)
		return rc;

	dpoctl_pr_begin(DPOCTL_PR_RECORD, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("dpoctl", NULL, 1, DPO_VERSION);
	dpoctl_pr_str("module", NULL, 1, st.version);
	dpoctl_pr_str("family", NULL, 1, fam.name);
	dpoctl_pr_u64("family_version", NULL, 1, fam.version);
	dpoctl_pr_u64("family_id", NULL, 1, fam.id);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
	return DPOCTL_EXIT_OK;
}
