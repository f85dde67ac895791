// SPDX-License-Identifier: GPL-2.0
/*
 * drain: close the connections of one role of a session without cutting
 * a request (the kernel decides each shutdown under the socket lock), and
 * optionally follow the drain to its end.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/dpo.h>

#include "dpoctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"
#include "traffic.h"

/* How long past the deadline we wait for the done event before giving up. */
#define DRAIN_GRACE_MS	10000

struct drain_args {
	const char *session;
	uint8_t role;
	uint32_t deadline_ms;	/* 0: the module's default */
	bool wait;
};

struct drain_wait {
	int family;
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

/* SESSION ROLE, with --deadline DUR and --wait anywhere */
static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      struct drain_args *a)
{
	const char *pos[2] = { NULL, NULL };
	int i, npos = 0;
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
	if (dpoctl_check_session_name(pos[0]))
		return dpoctl_usage(ctx, "session name must be 1 to %d bytes",
				 DPO_SESSION_NAME_MAX - 1);
	if (dpoctl_parse_role(pos[1], &a->role))
		return dpoctl_usage(ctx, "bad role \"%s\" (original or patched)",
				 pos[1]);
	a->session = pos[0];
	return 0;
}

/* Keeps the reply: struct dpoctl_drain, no session name until one came. */
static int get_drain(struct nlmsghdr *nlh, void *arg)
{
	return dpoctl_msg_drain(nlh, arg);
}

static int on_event(struct nlmsghdr *nlh, void *arg)
{
	struct drain_wait *w = arg;
	struct dpoctl_drain d;
	int cmd;

	if (!w->armed || nlh->nlmsg_type != w->family)
		return 0;
	cmd = dpoctl_msg_cmd(nlh);
	if (cmd != DPO_CMD_DRAIN_PROGRESS_NTF && cmd != DPO_CMD_DRAIN_DONE_NTF)
		return 0;
	if (dpoctl_msg_drain(nlh, &d)) {
		dpoctl_err("drain: malformed notification ignored");
		return 0;
	}
	/* only one drain of a session runs at a time: this one is ours */
	if (strcmp(d.session, w->start->session) || d.role != w->start->role)
		return 0;
	if (cmd == DPO_CMD_DRAIN_DONE_NTF) {
		dpoctl_print_drain(d.cancelled ? "cancelled" : "done", &d);
		w->done = true;
		w->cancelled = d.cancelled;
	} else {
		dpoctl_print_drain("progress", &d);
	}
	fflush(stdout);
	return w->done;
}

/*
 * Reads what is already queued, without printing it: a drain of the same
 * session that ended just before ours was accepted must not end our wait.
 */
static int discard_queued(struct dpoctl_nl *ev)
{
	struct pollfd pfd = { .fd = dpoctl_nl_fd(ev), .events = POLLIN };
	int ret;

	while (poll(&pfd, 1, 0) > 0) {
		ret = dpoctl_nl_receive(ev);
		if (ret < 0 && ret != -ENOBUFS)
			return ret;
	}
	return 0;
}

/* Until the done event, or the deadline and a grace period have passed. */
static int wait_done(struct dpoctl_nl *ev, struct drain_wait *w)
{
	uint64_t end = dpoctl_now_ns() +
		((uint64_t)w->start->deadline_ms + DRAIN_GRACE_MS) * 1000000;
	struct pollfd pfd = { .fd = dpoctl_nl_fd(ev), .events = POLLIN };
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
		ret = dpoctl_nl_receive(ev);
		if (ret == -ENOBUFS) {
			dpoctl_err("drain: notifications lost (receive queue full)");
			w->bad = true;
		} else if (ret < 0) {
			return DPOCTL_EXIT_ERR;
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
	static const char *const events[] = { DPO_MCGRP_EVENTS };
	struct dpoctl_drain start = { .session = "" };
	struct drain_wait w = { .start = &start };
	struct dpoctl_nl nl, ev;
	struct drain_args a;
	struct nl_msg *msg;
	int ret, rc;

	if (parse_args(ctx, argc, argv, &a))
		return DPOCTL_EXIT_USAGE;
	/*
	 * --wait: a socket of its own joins the events first, so that none
	 * of our drain's is missed and none mixes with the reply.
	 */
	if (a.wait) {
		if (dpoctl_nl_open(&ev, ctx->what))
			return DPOCTL_EXIT_ERR;
		if (dpoctl_nl_join(&ev, events, 1)) {
			dpoctl_nl_close(&ev);
			return DPOCTL_EXIT_ERR;
		}
		w.family = ev.family;
		dpoctl_nl_listen(&ev, on_event, &w);
		if (discard_queued(&ev)) {
			dpoctl_nl_close(&ev);
			return DPOCTL_EXIT_ERR;
		}
		w.armed = true;
	}

	rc = DPOCTL_EXIT_ERR;
	if (dpoctl_nl_open(&nl, ctx->what))
		goto out;
	msg = dpoctl_nl_new(&nl, DPO_CMD_DRAIN, 0);
	if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, a.session) < 0 ||
		    nla_put_u8(msg, DPO_A_ROLE, a.role) < 0 ||
		    (a.deadline_ms &&
		     nla_put_u32(msg, DPO_A_DEADLINE_MS, a.deadline_ms) < 0))) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = dpoctl_nl_request(&nl, msg, get_drain, &start);
	dpoctl_nl_close(&nl);
	if (ret)
		goto out;
	if (!start.session[0]) {
		dpoctl_err("%s: no reply from the kernel", ctx->what);
		goto out;
	}
	if (!start.deadline_ms)		/* an older reply: what we asked for */
		start.deadline_ms = a.deadline_ms ? a.deadline_ms :
			DPO_DRAIN_DEADLINE_MS_DEFAULT;

	/* one object, or with --wait one per line until the end */
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_drain("start", &start);
	fflush(stdout);
	rc = a.wait ? wait_done(&ev, &w) : DPOCTL_EXIT_OK;
	dpoctl_pr_end();
out:
	if (a.wait)
		dpoctl_nl_close(&ev);
	return rc;
}
