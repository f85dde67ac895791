// SPDX-License-Identifier: GPL-2.0
/* What the commands share: argument checks, the client, results. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/dpo.h>

#include "client.h"
#include "dpoctl.h"
#include "parse.h"

int dpoctl_arg_session(struct dpoctl_ctx *ctx, const char *s)
{
	if (dpoctl_check_session_name(s))
		return dpoctl_usage(ctx, "session name must be 1 to %d bytes",
				    DPO_SESSION_NAME_MAX - 1);
	return 0;
}

int dpoctl_arg_pid(struct dpoctl_ctx *ctx, const char *s, uint32_t *pid)
{
	if (dpoctl_parse_pid(s, pid))
		return dpoctl_usage(ctx, "bad PID \"%s\"", s);
	return 0;
}

int dpoctl_arg_role(struct dpoctl_ctx *ctx, const char *s, uint8_t *role)
{
	if (dpoctl_parse_role(s, role))
		return dpoctl_usage(ctx, "bad role \"%s\" (original or patched)",
				    s);
	return 0;
}

int dpoctl_arg_seconds(struct dpoctl_ctx *ctx, const char *flag,
		       const char *v, double *s)
{
	uint32_t ms;

	if (!v)
		return 0;
	if (dpoctl_parse_deadline(v, &ms))
		return dpoctl_usage(ctx, "bad %s \"%s\" (1ms to 60m)", flag, v);
	*s = ms / 1000.0;
	return 0;
}

int dpoctl_arg_idle_mark(struct dpoctl_ctx *ctx, const char *flag,
			 const char *v, uint8_t *mark, uint8_t *len)
{
	if (v && dpoctl_parse_idle_mark(v, mark, len))
		return dpoctl_usage(ctx, "bad %s \"%s\" (2 to %d hex digits, an even number: 5a0000000549)",
				    flag, v, 2 * DPO_DRAIN_IDLE_MARK_MAX);
	return 0;
}

int dpoctl_arg_min_requests(struct dpoctl_ctx *ctx, const char *flag,
			    const char *v, uint32_t *n)
{
	if (v && dpoctl_parse_u32(v, 0, DPO_DRAIN_MIN_REQUESTS_MAX, n))
		return dpoctl_usage(ctx, "bad %s \"%s\" (0 to %d requests)",
				    flag, v, DPO_DRAIN_MIN_REQUESTS_MAX);
	return 0;
}

int dpoctl_arg_none(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	return argc ? dpoctl_usage(ctx, "unexpected \"%s\"", argv[0]) : 0;
}

int dpoctl_arg_one(struct dpoctl_ctx *ctx, int argc, char **argv,
		   const char *name)
{
	if (argc < 1)
		return dpoctl_usage(ctx, "missing %s", name);
	if (argc > 1)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	return 0;
}

int dpoctl_open(struct dpoctl_ctx *ctx, struct dpoctl_client *c)
{
	struct dpoctl_error err;
	int ret = dpoctl_client_open(c, &err);

	if (ret)
		dpoctl_perror(ctx->what, &err);
	return ret;
}

int dpoctl_result(struct dpoctl_ctx *ctx, int ret,
		  const struct dpoctl_error *err)
{
	if (!ret)
		return DPOCTL_EXIT_OK;
	dpoctl_perror(ctx->what, err);
	return DPOCTL_EXIT_ERR;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int dpoctl_receive_until(struct dpoctl_ctx *ctx, struct dpoctl_client *c,
			 const bool *done)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, old, wait_mask;
	struct dpoctl_error err;
	struct pollfd pfd;
	int ret, rc = DPOCTL_EXIT_OK;

	/*
	 * SIGINT and SIGTERM are only let in while waiting in ppoll(), so
	 * they neither cut a line in half nor slip in before the wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	wait_mask = old;
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	while (!stop && !*done) {
		pfd = (struct pollfd){ .fd = dpoctl_client_fd(c), .events = POLLIN };
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			dpoctl_err("%s: %s", ctx->what, strerror(errno));
			rc = DPOCTL_EXIT_ERR;
			break;
		}
		ret = dpoctl_receive(c, &err);
		if (ret == -ENOBUFS) {
			/* counters are cumulative: what follows spans the gap */
			dpoctl_err("%s: notifications lost (receive queue full)",
				   ctx->what);
		} else if (ret < 0) {
			rc = dpoctl_result(ctx, ret, &err);
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
