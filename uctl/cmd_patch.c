// SPDX-License-Identifier: GPL-2.0
/*
 * patch: one whole fork/exec patch. The session, the original's listeners
 * and the claim (the module's fail-safe should dpoctl die); the baseline;
 * the patched instance started on the inherited listeners (or attached);
 * its exposure; the engine on every sample until a verdict, a death, an
 * operator or a signal; then the phases of rollback or promotion
 * (patch_phases.c) and the summary.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/wait.h>

#include "parse.h"
#include "patch.h"
#include "patch_log.h"
#include "pidfd.h"
#include "procnet.h"
#include "settings.h"
#include "launch.h"

#define MAX_PORTS	16
#define NS_PER_S	1000000000ULL

struct patch_args {
	const char *session;
	uint32_t orig_pid;
	uint16_t ports[MAX_PORTS];
	int nports;
	uint32_t patched_pid;	/* the second form */
	char **cmd;		/* the first: after -- */
	struct dpoctl_settings settings;
	const char *exposure, *step, *drain_deadline, *drain_idle_mark;
	const char *drain_min_requests;
	const char *stop_grace, *keep;
	uint32_t interval_ms;
	const char *log, *alert_exec, *metrics_file, *output;
	bool json, no_syslog, own_creds, log_intervals;
};

static int opt_u32(struct dpoctl_ctx *ctx, const char *flag, const char *v,
		   int (*parse)(const char *, uint32_t *), uint32_t *out)
{
	if (!parse(v, out))
		return 0;
	dpoctl_usage(ctx, "bad %s \"%s\"", flag, v);
	return -1;
}

static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      struct patch_args *a)
{
	static const struct {
		const char *flag;
		size_t off;
	} strs[] = {
		{ "--exposure", offsetof(struct patch_args, exposure) },
		{ "--step", offsetof(struct patch_args, step) },
		{ "--drain-deadline", offsetof(struct patch_args, drain_deadline) },
		{ "--drain-idle-mark", offsetof(struct patch_args, drain_idle_mark) },
		{ "--drain-min-requests", offsetof(struct patch_args, drain_min_requests) },
		{ "--stop-grace", offsetof(struct patch_args, stop_grace) },
		{ "--keep-original", offsetof(struct patch_args, keep) },
		{ "--log", offsetof(struct patch_args, log) },
		{ "--alert-exec", offsetof(struct patch_args, alert_exec) },
		{ "--metrics-file", offsetof(struct patch_args, metrics_file) },
		{ "--output", offsetof(struct patch_args, output) },
	};
	const char *v;
	size_t k;
	int i, r;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--")) {
			if (i + 1 == argc)
				return dpoctl_usage(ctx, "missing PATCHED_CMD after --");
			a->cmd = &argv[i + 1];
			break;
		}
		if (!strcmp(arg, "--json")) {
			a->json = true;
			continue;
		}
		if (!strcmp(arg, "--no-syslog")) {
			a->no_syslog = true;
			continue;
		}
		if (!strcmp(arg, "--log-intervals")) {
			a->log_intervals = true;
			continue;
		}
		if (!strcmp(arg, "--own-credentials")) {
			a->own_creds = true;
			continue;
		}
		r = dpoctl_settings_option(ctx, argc, argv, &i, &a->settings);
		if (r < 0)
			return DPOCTL_EXIT_USAGE;
		if (r)
			continue;
		if ((r = dpoctl_opt_value(ctx, argc, argv, &i, "--pid", &v))) {
			if (r < 0 || dpoctl_arg_pid(ctx, v, &a->orig_pid))
				return DPOCTL_EXIT_USAGE;
			continue;
		}
		if ((r = dpoctl_opt_value(ctx, argc, argv, &i, "--patched-pid",
					  &v))) {
			if (r < 0 || dpoctl_arg_pid(ctx, v, &a->patched_pid))
				return DPOCTL_EXIT_USAGE;
			continue;
		}
		if ((r = dpoctl_opt_value(ctx, argc, argv, &i, "--port", &v))) {
			if (r < 0)
				return DPOCTL_EXIT_USAGE;
			if (a->nports == MAX_PORTS)
				return dpoctl_usage(ctx, "more than %d ports",
						    MAX_PORTS);
			if (dpoctl_parse_port(v, &a->ports[a->nports]))
				return dpoctl_usage(ctx, "bad port \"%s\" (1 to 65535)",
						    v);
			for (k = 0; k < (size_t)a->nports; k++)
				if (a->ports[k] == a->ports[a->nports])
					return dpoctl_usage(ctx, "port %s given twice",
							    v);
			a->nports++;
			continue;
		}
		if ((r = dpoctl_opt_value(ctx, argc, argv, &i, "--interval",
					  &v))) {
			if (r < 0 || opt_u32(ctx, "--interval", v,
					     dpoctl_parse_interval,
					     &a->interval_ms))
				return DPOCTL_EXIT_USAGE;
			continue;
		}
		for (k = 0, r = 0; !r && k < sizeof(strs) / sizeof(strs[0]); k++)
			r = dpoctl_opt_value(ctx, argc, argv, &i, strs[k].flag,
					     (const char **)((char *)a +
							     strs[k].off));
		if (r < 0)
			return DPOCTL_EXIT_USAGE;
		if (r)
			continue;
		if (arg[0] == '-')
			return dpoctl_usage(ctx, "unknown option \"%s\"", arg);
		if (a->session)
			return dpoctl_usage(ctx, "unexpected \"%s\"", arg);
		if (dpoctl_arg_session(ctx, arg))
			return DPOCTL_EXIT_USAGE;
		a->session = arg;
	}
	if (!a->session)
		return dpoctl_usage(ctx, "missing SESSION");
	if (!a->orig_pid)
		return dpoctl_usage(ctx, "missing --pid ORIG_PID");
	if (!a->cmd == !a->patched_pid)
		return dpoctl_usage(ctx, a->cmd ?
				    "-- PATCHED_CMD and --patched-pid exclude each other" :
				    "missing -- PATCHED_CMD or --patched-pid PID");
	if (a->patched_pid == a->orig_pid)
		return dpoctl_usage(ctx, "--patched-pid is the original's pid");
	if (a->output && !a->cmd)
		return dpoctl_usage(ctx, "--output is for PATCHED_CMD's output");
	return 0;
}

/* The [patch] settings the options override: 0, or a usage error. */
static int patch_options(struct dpoctl_ctx *ctx, const struct patch_args *a,
			 struct dpoctl_patch_cfg *cfg)
{
	if (a->exposure && dpoctl_parse_exposure(a->exposure, cfg))
		return dpoctl_usage(ctx, "bad --exposure \"%s\" (both, patched or canary:P1,P2,... with percentages 1 to 99, increasing)",
				    a->exposure);
	return dpoctl_arg_seconds(ctx, "--step", a->step, &cfg->step_s) ||
	       dpoctl_arg_seconds(ctx, "--drain-deadline", a->drain_deadline,
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

/* ---- the run ---- */

static bool engine_ready(const struct dpoctl_patch *p)
{
	return p->signalled || p->orig.exited || p->operator ||
	       p->session_gone ||
	       (p->ready_after_ns && dpoctl_now_ns() >= p->ready_after_ns &&
		!dpoctl_engine_ready(p->e, NULL, 0));
}

static bool observe_over(const struct dpoctl_patch *p)
{
	return p->verdict != DPOCTL_V_NONE || p->signalled || p->operator ||
	       p->patched.exited || p->orig.exited || p->session_gone;
}

static void log_start(struct dpoctl_patch *p, const struct patch_args *a,
		      const struct dpoctl_listener *ls, size_t n)
{
	json_object *o = dpoctl_patch_ev("start"), *arr, *l;
	char exp[64];
	size_t i;

	json_object_object_add(o, "orig_pid", json_object_new_int64(a->orig_pid));
	if (a->cmd) {
		arr = json_object_new_array();
		for (i = 0; a->cmd[i]; i++)
			json_object_array_add(arr, json_object_new_string(a->cmd[i]));
		json_object_object_add(o, "patched_cmd", arr);
	} else {
		json_object_object_add(o, "patched_pid",
				       json_object_new_int64(a->patched_pid));
	}
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		l = json_object_new_object();
		json_object_object_add(l, "id", json_object_new_int64(ls[i].id));
		json_object_object_add(l, "port", json_object_new_int(ls[i].port));
		json_object_array_add(arr, l);
	}
	json_object_object_add(o, "listeners", arr);
	dpoctl_exposure_str(&p->cfg, exp, sizeof(exp));
	json_object_object_add(o, "exposure", json_object_new_string(exp));
	dpoctl_patch_event(p, o, LOG_NOTICE, false);
}

static void log_baseline(struct dpoctl_patch *p)
{
	json_object *o = dpoctl_patch_ev("baseline"), *ms, *m;
	struct dpoctl_stat b;
	int i;

	json_object_object_add(o, "window_s",
			       json_object_new_double(p->ecfg.baseline_s));
	ms = json_object_new_object();
	for (i = 0; i < DPOCTL_M_COUNT; i++) {
		if (!p->ecfg.m[i].enabled)
			continue;
		b = dpoctl_engine_baseline(p->e, i);
		m = json_object_new_object();
		json_object_object_add(m, "n", json_object_new_int64(b.n));
		json_object_object_add(m, "mean", json_object_new_double(b.mean));
		json_object_object_add(m, "sd", json_object_new_double(b.sd));
		json_object_object_add(ms, dpoctl_metric_name(i), m);
	}
	json_object_object_add(o, "metrics", ms);
	dpoctl_patch_event(p, o, LOG_NOTICE, false);
}

static int set_exposure(struct dpoctl_patch *p, uint8_t owner, uint32_t pct)
{
	struct dpoctl_error err;
	json_object *o;
	char buf[320];

	dpoctl_patch_expect_owner(p, owner);
	if (dpoctl_owner_set(&p->req, p->session, owner, pct, &err)) {
		dpoctl_patch_unexpect_owner(p);
		dpoctl_patch_error(p, "rolling back", "exposing the patched instance: %s",
				   dpoctl_error_str(&err, buf, sizeof(buf)));
		return -1;
	}
	p->owner = owner;
	p->canary_pct = (uint8_t)pct;
	o = dpoctl_patch_ev("exposure");
	json_object_object_add(o, "owner",
			       json_object_new_string(dpoctl_owner_name(owner)));
	json_object_object_add(o, "canary_pct", pct ? json_object_new_int((int)pct) :
			       NULL);
	dpoctl_patch_event(p, o, LOG_NOTICE, false);
	return 0;
}

/* The listeners of the original, attached; their fds kept for the child. */
static int take_listeners(struct dpoctl_patch *p, const struct patch_args *a,
			  int *fds, struct dpoctl_listener *ls, size_t *n)
{
	struct dpoctl_sock *more;
	int targets[DPOCTL_LAUNCH_MAX_FDS];
	struct dpoctl_error err;
	size_t m, i, j;
	char why[160];
	int k;

	*n = 0;
	for (k = 0; k < (a->nports ? a->nports : 1); k++) {
		if (dpoctl_find_listeners(a->orig_pid, a->nports ? a->ports[k] : 0,
					  &more, &m, why, sizeof(why))) {
			dpoctl_err("%s: %s: %s", p->ctx->what, why, strerror(errno));
			return -1;
		}
		if (!m) {
			free(more);
			if (a->nports)
				dpoctl_err("%s: no listening TCP socket on port %u in process %u",
					   p->ctx->what, a->ports[k], a->orig_pid);
			else
				dpoctl_err("%s: process %u has no listening TCP socket",
					   p->ctx->what, a->orig_pid);
			return -1;
		}
		if (*n + m > DPOCTL_LAUNCH_MAX_FDS) {
			dpoctl_err("%s: more than %d listening sockets", p->ctx->what,
				   DPOCTL_LAUNCH_MAX_FDS);
			free(more);
			return -1;
		}
		for (i = 0; i < m; i++)
			targets[(*n)++] = more[i].fd;
		free(more);
	}
	if (dpoctl_take_fds(a->orig_pid, targets, *n, fds, why, sizeof(why))) {
		dpoctl_err("%s: %s", p->ctx->what, why);
		*n = 0;
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if (dpoctl_listener_add(&p->req, p->session, fds[i], &ls[i], &err)) {
			dpoctl_perror(p->ctx->what, &err);
			for (j = 0; j < *n; j++)
				close(fds[j]);
			*n = 0;
			return -1;
		}
	}
	return 0;
}

static int setup(struct dpoctl_patch *p, const struct patch_args *a, int *fds,
		 size_t *nfds)
{
	struct dpoctl_listener ls[DPOCTL_LAUNCH_MAX_FDS];
	struct dpoctl_error err;

	if (dpoctl_session_get(&p->req, p->session, NULL, &err) == 0) {
		dpoctl_err("%s: session %s exists: end it (dpoctl rollback or session del) or choose another name",
			   p->ctx->what, p->session);
		return -1;
	}
	if (dpoctl_patch_watch(p, &p->orig, a->orig_pid, false))
		return -1;
	if (p->orig.exited) {
		dpoctl_err("%s: no process %u", p->ctx->what, a->orig_pid);
		return -1;
	}
	if (dpoctl_session_new(&p->req, p->session, a->interval_ms, &err))
		goto fail;
	p->created = true;
	/* the original alone until the patched instance is judged fit */
	dpoctl_patch_expect_owner(p, DPO_OWNER_ORIGINAL);
	if (dpoctl_owner_set(&p->req, p->session, DPO_OWNER_ORIGINAL, 0, &err) ||
	    dpoctl_session_claim(&p->req, p->session, DPO_OWNER_ORIGINAL, &err))
		goto fail;
	p->claimed = true;
	p->owner = DPO_OWNER_ORIGINAL;
	if (dpoctl_instance_add(&p->req, p->session, a->orig_pid,
				DPO_ROLE_ORIGINAL, &err))
		goto fail;
	if (take_listeners(p, a, fds, ls, nfds))
		return -1;
	log_start(p, a, ls, *nfds);
	return 0;
fail:
	dpoctl_perror(p->ctx->what, &err);
	return -1;
}

/* Undo what setup did (an error before anything changed for clients). */
static void undo(struct dpoctl_patch *p)
{
	struct dpoctl_error err;

	if (p->created && dpoctl_session_del(&p->req, p->session, &err) &&
	    err.err != ENOENT)
		dpoctl_perror(p->ctx->what, &err);
}

static int baseline(struct dpoctl_patch *p)
{
	char why[256];
	int ret;

	p->phase_name = "baseline";
	p->judging = true;
	p->ready_after_ns = dpoctl_now_ns() + (uint64_t)(p->ecfg.baseline_s * 1e9);
	/* twice the window, then it is too noisy or too quiet to judge */
	ret = dpoctl_patch_wait(p, engine_ready, p->ready_after_ns +
				(uint64_t)(p->ecfg.baseline_s * 1e9) +
				5 * NS_PER_S);
	if (p->signalled || p->operator || p->session_gone) {
		dpoctl_err("%s: stopped during the baseline; nothing changed",
			   p->ctx->what);
		return DPOCTL_EXIT_ABORTED;
	}
	if (p->orig.exited) {
		dpoctl_err("%s: the original exited during the baseline",
			   p->ctx->what);
		return DPOCTL_EXIT_ERR;
	}
	if (ret) {
		dpoctl_engine_ready(p->e, why, sizeof(why));
		dpoctl_err("%s: no baseline: %s", p->ctx->what, why);
		return DPOCTL_EXIT_ERR;
	}
	log_baseline(p);
	return 0;
}

static int start_patched(struct dpoctl_patch *p, const struct patch_args *a,
			 const int *fds, size_t nfds)
{
	struct dpoctl_launch_cfg sc = {
		.argv = a->cmd, .fds = fds, .nfds = nfds,
		.cred_pid = a->own_creds ? 0 : a->orig_pid,
		.output = a->output,
		.stdout_to_stderr = !p->view,
	};
	struct dpoctl_launch s = { .gate_fd = -1, .err_fd = -1 };
	struct dpoctl_error err;
	uint32_t pid = a->patched_pid;
	char why[320];
	json_object *o;

	if (a->cmd) {
		if (dpoctl_launch_fork(&sc, &s, why, sizeof(why))) {
			dpoctl_err("%s: %s", p->ctx->what, why);
			return -1;
		}
		pid = (uint32_t)s.pid;
	}
	/* tracked before it runs a line: it accepts only when exposed */
	if (dpoctl_instance_add(&p->req, p->session, pid, DPO_ROLE_PATCHED,
				&err)) {
		dpoctl_perror(p->ctx->what, &err);
		if (a->cmd)
			dpoctl_launch_abort(&s);
		return -1;
	}
	if (dpoctl_patch_watch(p, &p->patched, pid, a->cmd != NULL))
		return -1;
	if (a->cmd && dpoctl_launch_exec(&s, a->cmd[0], why, sizeof(why))) {
		dpoctl_err("%s: %s", p->ctx->what, why);
		p->patched.child = false;	/* reaped */
		return -1;
	}
	o = dpoctl_patch_ev("patched");
	json_object_object_add(o, "pid", json_object_new_int64(pid));
	dpoctl_patch_event(p, o, LOG_NOTICE, false);
	return 0;
}

/* A metric beyond its thresholds, or the score beyond its own */
static bool any_breach(const struct dpoctl_patch *p)
{
	const struct dpoctl_metric_state *s;
	int m;

	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		s = dpoctl_engine_metric(p->e, m);
		if (p->ecfg.m[m].enabled && s && s->breach)
			return true;
	}
	return p->ecfg.severity > 0 &&
	       dpoctl_engine_score(p->e) >= p->ecfg.severity;
}

/*
 * Exposure, then the ramp's steps, each once step_s has passed calm: a
 * breach holds the step until it recovers (or becomes the verdict).
 */
static void observe(struct dpoctl_patch *p)
{
	uint32_t step = 0;
	int ret;

	p->phase_name = "observe";
	if (p->cfg.owner == DPO_OWNER_CANARY)
		ret = set_exposure(p, DPO_OWNER_CANARY, p->cfg.ramp[0]);
	else
		ret = set_exposure(p, p->cfg.owner, 0);
	if (ret)
		return;		/* decide(): an error, rolled back */
	p->exposed_ns = dpoctl_now_ns();
	for (;;) {
		bool last = p->cfg.owner != DPO_OWNER_CANARY ||
			    step + 1 >= p->cfg.nsteps;

		ret = dpoctl_patch_wait(p, observe_over, last ? 0 :
					dpoctl_now_ns() +
					(uint64_t)(p->cfg.step_s * 1e9));
		while (ret == -ETIMEDOUT && any_breach(p))
			ret = dpoctl_patch_wait(p, observe_over,
						dpoctl_now_ns() + NS_PER_S);
		if (ret != -ETIMEDOUT)
			break;
		step++;
		if (set_exposure(p, DPO_OWNER_CANARY, p->cfg.ramp[step]))
			break;
	}
}

/* What ends the observation, and the exit status it gives. */
static int decide(struct dpoctl_patch *p)
{
	json_object *o;
	const struct dpoctl_decision *d;
	enum dpoctl_action act = DPOCTL_A_ROLLBACK;
	int rc = DPOCTL_EXIT_ROLLBACK;

	p->decision_ns = dpoctl_now_ns();
	/* deaths first: the module's fail-safe after one is no operator */
	if (p->patched.exited) {
		p->trigger = DPOCTL_T_PATCHED_DIED;
		rc = DPOCTL_EXIT_PATCHED_DIED;
	} else if (p->orig.exited) {
		p->trigger = DPOCTL_T_ORIGINAL_DIED;
		act = DPOCTL_A_PROMOTE;
		rc = DPOCTL_EXIT_ORIGINAL_DIED;
	} else if (p->operator) {
		p->trigger = DPOCTL_T_OPERATOR;
		act = p->operator;
		rc = act == DPOCTL_A_PROMOTE ? DPOCTL_EXIT_OK : DPOCTL_EXIT_ABORTED;
	} else if (p->session_gone) {
		p->trigger = DPOCTL_T_OPERATOR;
		rc = DPOCTL_EXIT_ABORTED;
	} else if (p->verdict != DPOCTL_V_NONE) {
		p->trigger = DPOCTL_T_ENGINE;
		if (p->verdict == DPOCTL_V_PROMOTE) {
			act = DPOCTL_A_PROMOTE;
			rc = DPOCTL_EXIT_OK;
		}
	} else if (p->signalled) {
		p->trigger = DPOCTL_T_SIGNAL;
		rc = DPOCTL_EXIT_ABORTED;
	} else {
		/* the exposure failed, or the module's socket: said already */
		p->trigger = DPOCTL_T_ERROR;
	}
	p->action = act;
	o = dpoctl_patch_ev("verdict");
	json_object_object_add(o, "verdict", json_object_new_string(
		act == DPOCTL_A_PROMOTE ? "promote" : "rollback"));
	json_object_object_add(o, "trigger",
			       json_object_new_string(dpoctl_trigger_name(p)));
	d = dpoctl_engine_decision(p->e);
	if (p->trigger == DPOCTL_T_ENGINE) {
		json_object_object_add(o, "engine_verdict", json_object_new_string(
			dpoctl_verdict_name(p->verdict)));
		json_object_object_add(o, "metric", d->metric < 0 ? NULL :
			json_object_new_string(dpoctl_metric_name(d->metric)));
		json_object_object_add(o, "why", json_object_new_string(d->why));
	} else {
		json_object_object_add(o, "metric", NULL);
		json_object_object_add(o, "why", json_object_new_string(
			p->trigger == DPOCTL_T_PATCHED_DIED ? "the patched instance exited" :
			p->trigger == DPOCTL_T_ORIGINAL_DIED ? "the original exited: the patched instance is kept as the only server" :
			p->trigger == DPOCTL_T_OPERATOR ? "an operator's action" :
			p->trigger == DPOCTL_T_SIGNAL ?
			"dpoctl patch was interrupted (SIGINT or SIGTERM)" :
			"dpoctl could not go on observing (see the error)"));
	}
	json_object_object_add(o, "record", dpoctl_decision_json(p->e));
	dpoctl_patch_event(p, o, p->trigger == DPOCTL_T_ENGINE &&
			   act == DPOCTL_A_PROMOTE ? LOG_NOTICE : LOG_WARNING, true);
	return rc;
}

static int open_logs(struct dpoctl_patch *p, const struct patch_args *a)
{
	struct dpoctl_patch_log_cfg lc = {
		.session = p->session,
		.use_syslog = !a->no_syslog,
		.alert_exec = a->alert_exec,
		.t0_ns = p->t0_ns,
	};
	bool tty = isatty(STDOUT_FILENO);
	char why[256];

	p->view = tty && !a->json;
	p->log_intervals = a->log_intervals;
	lc.path = a->log ? a->log : p->view ? NULL : "-";
	if (dpoctl_patch_log_open(&p->log, &lc, why, sizeof(why))) {
		dpoctl_err("%s: %s", p->ctx->what, why);
		return -1;
	}
	if (a->log && !p->view) {
		/* stdout carries the same lines, nothing else */
		lc = (struct dpoctl_patch_log_cfg){ .session = p->session,
			.path = "-", .t0_ns = p->t0_ns };
		if (dpoctl_patch_log_open(&p->out, &lc, why, sizeof(why))) {
			dpoctl_err("%s: %s", p->ctx->what, why);
			return -1;
		}
	}
	return 0;
}

static int run(struct dpoctl_patch *p, const struct patch_args *a)
{
	int fds[DPOCTL_LAUNCH_MAX_FDS];
	size_t nfds = 0, i;
	int rc, ret;

	if (setup(p, a, fds, &nfds)) {
		undo(p);
		return DPOCTL_EXIT_ERR;
	}
	rc = baseline(p);
	if (!rc && start_patched(p, a, fds, nfds))
		rc = DPOCTL_EXIT_ERR;
	/* dpo and the child hold the listeners now */
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (rc) {
		/* nothing exposed yet: the original kept everything */
		if (p->patched.child && !p->patched.exited) {
			kill((pid_t)p->patched.pid, SIGKILL);
			waitpid((pid_t)p->patched.pid, NULL, 0);
		}
		undo(p);
		return rc;
	}
	observe(p);
	rc = decide(p);
	if (p->trigger == DPOCTL_T_ERROR && !p->exposed_ns)
		rc = DPOCTL_EXIT_ERR;	/* never exposed: nothing changed */
	if (p->view) {
		/* the phases as lines from here, not a redrawn screen */
		dpoctl_patch_view(p);
		p->view = false;
		p->text = true;
	}
	if (p->trigger == DPOCTL_T_OPERATOR)
		ret = dpoctl_patch_follow(p, p->action);
	else if (p->action == DPOCTL_A_PROMOTE)
		ret = dpoctl_patch_promote(p);
	else
		ret = dpoctl_patch_rollback(p);
	if (ret > 0)	/* a promotion turned into a rollback */
		rc = p->trigger == DPOCTL_T_PATCHED_DIED ?
			DPOCTL_EXIT_PATCHED_DIED : DPOCTL_EXIT_ABORTED;
	if (ret < 0 || p->failed)
		rc = DPOCTL_EXIT_INCOMPLETE;
	if (p->trigger == DPOCTL_T_ORIGINAL_DIED)
		dpoctl_err("%s: the original (pid %u) exited: the patched instance (pid %u) serves alone",
			   p->ctx->what, p->orig.pid, p->patched.pid);
	dpoctl_patch_summary(p, rc);
	return rc;
}

int dpoctl_cmd_patch(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct patch_args a = { 0 };
	struct dpoctl_engine_cfg ecfg;
	struct dpoctl_patch_cfg pcfg;
	struct dpoctl_patch *p;
	int rc;

	if (parse_args(ctx, argc, argv, &a))
		return DPOCTL_EXIT_USAGE;
	a.json |= ctx->json;
	p = calloc(1, sizeof(*p));
	if (!p) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		return DPOCTL_EXIT_ERR;
	}
	/* bad settings are usage errors, before the module is asked anything */
	if (dpoctl_settings_load(ctx, &a.settings, &ecfg, &pcfg) ||
	    patch_options(ctx, &a, &pcfg)) {
		free(p);
		return DPOCTL_EXIT_USAGE;
	}
	rc = DPOCTL_EXIT_ERR;
	if (dpoctl_patch_init(p, ctx, a.session))
		goto out;
	p->ecfg = ecfg;
	p->cfg = pcfg;
	p->e = dpoctl_engine_new(&p->ecfg);
	if (!p->e) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		goto out;
	}
	p->metrics_path = a.metrics_file;
	if (open_logs(p, &a))
		goto out;
	rc = run(p, &a);
out:
	if (p->log)
		dpoctl_patch_log_close(p->log, 2000);
	if (p->out)
		dpoctl_patch_log_close(p->out, 0);
	dpoctl_patch_fini(p);
	free(p);
	return rc;
}
