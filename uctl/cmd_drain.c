// SPDX-License-Identifier: GPL-2.0
/* drain: close a role's connections between requests, and follow it. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <linux/dpo.h>

#include "client.h"
#include "dpoctl.h"
#include "parse.h"
#include "print.h"
#include "printers.h"
#include "settings.h"

/* How long past the deadline we wait for the done event before giving up. */
#define DRAIN_GRACE_MS	10000

struct drain_args {
	const char *session;
	uint8_t role;
	uint32_t deadline_ms;	/* 0: the module's default */
	struct dpoctl_drain_when when;	/* zero: whenever idle */
	bool wait;
};

struct drain_wait {
	bool armed;		/* false: the events from before our request */
	const struct dpoctl_drain *start;	/* the reply: which drain is ours */
	bool done;
	bool cancelled;		/* cut short: ownership changed, session gone */
	bool bad;
};

static int parse_deadline(struct dpoctl_ctx *ctx, const char *s, uint32_t *ms)
{
	int ret;

	if (*ms)
		return dpoctl_usage(ctx, "--deadline given twice");
	ret = dpoctl_parse_deadline(s, ms);
	if (ret == -ERANGE)
		return dpoctl_usage(ctx, "deadline \"%s\" out of range (1ms to 60m)",
				 s);
	if (ret)
		return dpoctl_usage(ctx, "bad deadline \"%s\" (e.g. 500ms, 30s, 2m)",
				 s);
	return 0;
}

/* HEX once */
static int parse_mark(struct dpoctl_ctx *ctx, const char *s,
		      struct drain_args *a)
{
	if (a->when.mark_len)
		return dpoctl_usage(ctx, "--idle-mark given twice");
	return dpoctl_arg_idle_mark(ctx, "--idle-mark", s, a->when.mark,
				    &a->when.mark_len);
}

/*
 * SESSION ROLE, with --deadline DUR, --idle-mark HEX, --min-requests N and
 * --wait anywhere
 */
static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      struct drain_args *a)
{
	const char *pos[2] = { NULL, NULL }, *v;
	int i, r, npos = 0;
	bool opts = true;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (opts && !strcmp(s, "--")) {
			opts = false;
		} else if (opts && !strcmp(s, "--wait")) {
			a->wait = true;
		} else if (opts && !strcmp(s, "--deadline")) {
			if (i + 1 == argc)
				return dpoctl_usage(ctx, "missing DUR after --deadline");
			if (parse_deadline(ctx, argv[++i], &a->deadline_ms))
				return DPOCTL_EXIT_USAGE;
		} else if (opts && !strncmp(s, "--deadline=", 11)) {
			if (parse_deadline(ctx, s + 11, &a->deadline_ms))
				return DPOCTL_EXIT_USAGE;
		} else if (opts && (r = dpoctl_opt_value(ctx, argc, argv, &i,
							 "--idle-mark", &v))) {
			if (r < 0 || parse_mark(ctx, v, a))
				return DPOCTL_EXIT_USAGE;
		} else if (opts && (r = dpoctl_opt_value(ctx, argc, argv, &i,
							 "--min-requests", &v))) {
			if (r < 0 || dpoctl_arg_min_requests(ctx, "--min-requests",
							     v, &a->when.min_requests))
				return DPOCTL_EXIT_USAGE;
		} else if (opts && s[0] == '-' && s[1]) {
			return dpoctl_usage(ctx, "unknown option \"%s\"", s);
		} else if (npos < 2) {
			pos[npos++] = s;
		} else {
			return dpoctl_usage(ctx, "unexpected \"%s\"", s);
		}
	}
	if (npos < 2)
		return dpoctl_usage(ctx, "missing %s", npos ? "role" : "SESSION");
	if (dpoctl_arg_session(ctx, pos[0]) ||
	    dpoctl_arg_role(ctx, pos[1], &a->role))
		return DPOCTL_EXIT_USAGE;
	a->session = pos[0];
	return 0;
}

static int on_event(const struct dpoctl_event *ev, void *arg)
{
	const struct dpoctl_drain *d = &ev->drain;
	struct drain_wait *w = arg;

	if (!w->armed)
		return 0;
	if (ev->cmd != DPO_CMD_DRAIN_PROGRESS_NTF &&
	    ev->cmd != DPO_CMD_DRAIN_DONE_NTF)
		return 0;
	if (ev->malformed) {
		dpoctl_err("drain: malformed notification ignored");
		return 0;
	}
	/* only one drain of a session runs at a time: this one is ours */
	if (strcmp(d->session, w->start->session) || d->role != w->start->role)
		return 0;
	if (ev->cmd == DPO_CMD_DRAIN_DONE_NTF) {
		dpoctl_print_drain(d->cancelled ? "cancelled" : "done", d);
		w->done = true;
		w->cancelled = d->cancelled;
	} else {
		dpoctl_print_drain("progress", d);
	}
	fflush(stdout);
	return w->done;
}

/*
 * Reads what is already queued, without printing it: a drain of the same
 * session that ended just before ours was accepted must not end our wait.
 */
static int discard_queued(struct dpoctl_client *ev, struct dpoctl_error *err)
{
	struct pollfd pfd = { .fd = dpoctl_client_fd(ev), .events = POLLIN };
	int ret;

	while (poll(&pfd, 1, 0) > 0) {
		ret = dpoctl_receive(ev, err);
		if (ret < 0 && ret != -ENOBUFS)
			return ret;
	}
	return 0;
}

/* Until the done event, or the deadline and a grace period have passed. */
static int wait_done(struct dpoctl_ctx *ctx, struct dpoctl_client *ev,
		     struct drain_wait *w)
{
	struct dpoctl_error err;
	uint64_t end = dpoctl_now_ns() +
		((uint64_t)w->start->deadline_ms + DRAIN_GRACE_MS) * 1000000;
	struct pollfd pfd = { .fd = dpoctl_client_fd(ev), .events = POLLIN };
	uint64_t now;
	int ret;

	while (!w->done) {
		now = dpoctl_now_ns();
		if (now >= end) {
			dpoctl_err("drain: no end of the drain %us after its deadline%s",
				DRAIN_GRACE_MS / 1000,
				w->bad ? " (notifications were lost)" : "");
			return DPOCTL_EXIT_ERR;
		}
		ret = poll(&pfd, 1, (int)((end - now + 999999) / 1000000));
		if (ret < 0 && errno != EINTR) {
			dpoctl_err("drain: %s", strerror(errno));
			return DPOCTL_EXIT_ERR;
		}
		if (ret <= 0)
			continue;
		ret = dpoctl_receive(ev, &err);
		if (ret == -ENOBUFS) {
			dpoctl_err("drain: notifications lost (receive queue full)");
			w->bad = true;
		} else if (ret < 0) {
			return dpoctl_result(ctx, ret, &err);
		}
	}
	if (w->cancelled) {
		dpoctl_err("drain: cut short: the session's owner changed so that the drained role takes connections again, or the session was deleted");
		return DPOCTL_EXIT_ERR;
	}
	return DPOCTL_EXIT_OK;
}

int dpoctl_cmd_drain(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_drain start;
	struct drain_wait w = { .start = &start };
	struct dpoctl_client c, ev;
	struct dpoctl_error err;
	struct drain_args a;
	int ret, rc;

	if (parse_args(ctx, argc, argv, &a))
		return DPOCTL_EXIT_USAGE;
	/*
	 * --wait: a socket of its own joins the events first, so that none
	 * of our drain's is missed and none mixes with the reply.
	 */
	if (a.wait) {
		if (dpoctl_open(ctx, &ev))
			return DPOCTL_EXIT_ERR;
		ret = dpoctl_subscribe(&ev, DPOCTL_GROUP_EVENTS, on_event, &w,
				       &err);
		if (!ret)
			ret = discard_queued(&ev, &err);
		if (ret) {
			dpoctl_client_close(&ev);
			return dpoctl_result(ctx, ret, &err);
		}
		w.armed = true;
	}

	rc = DPOCTL_EXIT_ERR;
	if (dpoctl_open(ctx, &c))
		goto out;
	ret = dpoctl_drain(&c, a.session, a.role, a.deadline_ms, &a.when,
			   &start, &err);
	dpoctl_client_close(&c);
	if (ret) {
		dpoctl_perror(ctx->what, &err);
		goto out;
	}
	if (!start.deadline_ms)		/* an older reply: what we asked for */
		start.deadline_ms = a.deadline_ms ? a.deadline_ms :
			DPO_DRAIN_DEADLINE_MS_DEFAULT;

	/* one object, or with --wait one per line until the end */
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_drain("start", &start);
	fflush(stdout);
	rc = a.wait ? wait_done(ctx, &ev, &w) : DPOCTL_EXIT_OK;
	dpoctl_pr_end();
out:
	if (a.wait)
		dpoctl_client_close(&ev);
	return rc;
}
