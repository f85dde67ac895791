// SPDX-License-Identifier: GPL-2.0
/*
 * rollback and promote: an operator ends a patch from anywhere, with or
 * without a dpoctl patch running for the session (which follows), and
 * after one was killed (the module's fail-safe gave new connections back
 * to the original; this finishes the job). The same phases as dpoctl
 * patch, each skipped when already done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "patch.h"
#include "patch_log.h"
#include "settings.h"

struct end_args {
	const char *session;
	const char *drain_deadline, *drain_idle_mark, *drain_min_requests;
	const char *stop_grace, *keep;
	const char *log, *alert_exec;
	bool no_syslog;
};

static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      struct end_args *a, bool promote)
{
	const struct {
		const char *flag;
		const char **dst;
	} opts[] = {
		{ "--drain-deadline", &a->drain_deadline },
		{ "--drain-idle-mark", &a->drain_idle_mark },
		{ "--drain-min-requests", &a->drain_min_requests },
		{ "--stop-grace", &a->stop_grace },
		{ "--log", &a->log },
		{ "--alert-exec", &a->alert_exec },
		{ "--keep-original", &a->keep },	/* promote only: last */
	};
	size_t k, nopts = sizeof(opts) / sizeof(opts[0]) - !promote;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--no-syslog")) {
			a->no_syslog = true;
			continue;
		}
		for (k = 0, r = 0; !r && k < nopts; k++)
			r = dpoctl_opt_value(ctx, argc, argv, &i, opts[k].flag,
					     opts[k].dst);
		if (r < 0)
			return -1;
		if (r)
			continue;
		if (argv[i][0] == '-')
			return dpoctl_usage(ctx, "unknown option \"%s\"", argv[i]);
		if (a->session)
			return dpoctl_usage(ctx, "unexpected \"%s\"", argv[i]);
		if (dpoctl_arg_session(ctx, argv[i]))
			return -1;
		a->session = argv[i];
	}
	if (!a->session)
		return dpoctl_usage(ctx, "missing SESSION");
	return 0;
}

static int options(struct dpoctl_ctx *ctx, const struct end_args *a,
		   struct dpoctl_patch_cfg *cfg)
{
	return dpoctl_arg_seconds(ctx, "--drain-deadline", a->drain_deadline,
				  &cfg->drain_deadline_s) ||
	       dpoctl_arg_idle_mark(ctx, "--drain-idle-mark",
				    a->drain_idle_mark, cfg->drain_idle_mark,
				    &cfg->drain_idle_mark_len) ||
	       dpoctl_arg_min_requests(ctx, "--drain-min-requests",
				       a->drain_min_requests,
				       &cfg->drain_min_requests) ||
	       dpoctl_arg_seconds(ctx, "--stop-grace", a->stop_grace,
				  &cfg->stop_grace_s) ||
	       dpoctl_arg_seconds(ctx, "--keep-original", a->keep,
				  &cfg->keep_original_s);
}

static int note_instance(const struct dpoctl_instance *in, void *arg)
{
	struct dpoctl_patch *p = arg;
	struct dpoctl_proc *proc;

	if (strcmp(in->session, p->session))
		return 0;
	proc = in->role == DPO_ROLE_ORIGINAL ? &p->orig : &p->patched;
	if (proc->pid)
		return 0;	/* one per role is what dpoctl patch makes */
	proc->pid = in->pid;
	return 0;
}

static int end_patch(struct dpoctl_ctx *ctx, int argc, char **argv,
		     enum dpoctl_action act)
{
	struct dpoctl_patch_log_cfg lc = { 0 };
	struct end_args a = { 0 };
	struct dpoctl_patch_cfg pcfg;
	struct dpoctl_session s;
	struct dpoctl_error err;
	struct dpoctl_patch *p;
	char why[256];
	int rc = DPOCTL_EXIT_ERR;

	if (parse_args(ctx, argc, argv, &a, act == DPOCTL_A_PROMOTE))
		return DPOCTL_EXIT_USAGE;
	p = calloc(1, sizeof(*p));
	if (!p) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		return DPOCTL_EXIT_ERR;
	}
	/* usage errors before the module is asked anything */
	dpoctl_patch_cfg_default(&pcfg);
	if (options(ctx, &a, &pcfg)) {
		free(p);
		return DPOCTL_EXIT_USAGE;
	}
	if (dpoctl_patch_init(p, ctx, a.session))
		goto out;
	p->cfg = pcfg;
	if (dpoctl_session_get(&p->req, a.session, &s, &err)) {
		dpoctl_perror(ctx->what, &err);
		goto out;
	}
	p->owner = s.owner;
	if (dpoctl_instance_dump(&p->req, 0, note_instance, p, &err)) {
		dpoctl_perror(ctx->what, &err);
		goto out;
	}
	if (act == DPOCTL_A_PROMOTE && !p->patched.pid) {
		dpoctl_err("%s: session %s has no patched instance to promote",
			   ctx->what, a.session);
		goto out;
	}
	if ((p->orig.pid && dpoctl_patch_watch(p, &p->orig, p->orig.pid, false)) ||
	    (p->patched.pid &&
	     dpoctl_patch_watch(p, &p->patched, p->patched.pid, false)))
		goto out;
	if (!p->orig.pid)
		p->orig.exited = true;
	if (!p->patched.pid)
		p->patched.exited = true;
	if (act == DPOCTL_A_ROLLBACK && p->orig.exited) {
		dpoctl_err("%s: session %s has no original instance left to roll back to (dpoctl promote, or session del)",
			   ctx->what, a.session);
		goto out;
	}
	lc = (struct dpoctl_patch_log_cfg){
		.session = a.session,
		.path = a.log ? a.log : isatty(STDOUT_FILENO) ? NULL : "-",
		.use_syslog = !a.no_syslog,
		.alert_exec = a.alert_exec,
		.t0_ns = p->t0_ns,
	};
	if (dpoctl_patch_log_open(&p->log, &lc, why, sizeof(why))) {
		dpoctl_err("%s: %s", ctx->what, why);
		goto out;
	}
	p->trigger = DPOCTL_T_OPERATOR;
	p->decision_ns = dpoctl_now_ns();
	if (act == DPOCTL_A_PROMOTE)
		rc = dpoctl_patch_promote(p);
	else
		rc = dpoctl_patch_rollback(p);
	rc = rc ? DPOCTL_EXIT_INCOMPLETE : DPOCTL_EXIT_OK;
	dpoctl_patch_summary(p, rc);
	if (!rc && isatty(STDOUT_FILENO))
		printf("%s %s: done in %.3f s\n", a.session,
		       act == DPOCTL_A_PROMOTE ? "promoted" : "rolled back",
		       (double)(dpoctl_now_ns() - p->decision_ns) / 1e9);
out:
	if (p->log)
		dpoctl_patch_log_close(p->log, 2000);
	dpoctl_patch_fini(p);
	free(p);
	return rc;
}

int dpoctl_cmd_rollback(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	return end_patch(ctx, argc, argv, DPOCTL_A_ROLLBACK);
}

int dpoctl_cmd_promote(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	return end_patch(ctx, argc, argv, DPOCTL_A_PROMOTE);
}
