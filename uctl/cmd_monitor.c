// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/dpo.h>

#include "dpoctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"
#include "rate.h"
#include "traffic.h"

struct monitor {
	int family;
	struct dpoctl_tracker tracker;
	uint32_t count;		/* stop after that many, 0: never */
	uint32_t seen;
	bool done;
	int err;
};

static const char *const event_names[] = {
	[DPO_CMD_SAMPLE_NTF]		= "sample",
	[DPO_CMD_INSTANCE_EXIT_NTF]	= "instance_exit",
	[DPO_CMD_INSTANCE_ADD]		= "instance_add",
	[DPO_CMD_INSTANCE_DEL]		= "instance_del",
	[DPO_CMD_SESSION_NEW]		= "session_new",
	[DPO_CMD_SESSION_DEL]		= "session_del",
	[DPO_CMD_LISTENER_ADD]		= "listener_add",
	[DPO_CMD_LISTENER_DEL]		= "listener_del",
	[DPO_CMD_OWNER_SET]		= "owner_set",
	[DPO_CMD_CONTROLLER_LOST_NTF]	= "controller_lost",
	[DPO_CMD_DRAIN_PROGRESS_NTF]	= "drain_progress",
	[DPO_CMD_DRAIN_DONE_NTF]	= "drain_done",
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Samples carry their CLOCK_MONOTONIC time; events get the local one. */
static void print_head(uint64_t time_ns, int cmd)
{
	dpoctl_pr_double(NULL, "TIME", 12, 3, (double)time_ns / 1e9);
	dpoctl_pr_u64("time_ns", NULL, 0, time_ns);
	dpoctl_pr_str("event", NULL, 15, event_names[cmd]);
}

/* A traffic value of the sample, "-" when it had none. */
static void traffic(const struct dpoctl_stats *s, int attr, const char *title,
		    int width, int prec, double v)
{
	if (DPOCTL_STAT_HAS(s, attr))
		dpoctl_pr_double(NULL, title, width, prec, v);
	else
		dpoctl_pr_null(NULL, title, width);
}

/* Text only: the module's own rates and latencies (JSON: in "stats"). */
static void print_traffic(const struct dpoctl_stats *s)
{
	traffic(s, DPO_STATS_A_CONNS_ACTIVE, "ACTIVE", 6, 0,
		(double)s->conns_active);
	traffic(s, DPO_STATS_A_REQUESTS_PER_S, "REQ/S", 7, 0,
		(double)s->requests_per_s);
	traffic(s, DPO_STATS_A_BYTES_IN_PER_S, "IN_KIB/S", 9, 1,
		(double)s->bytes_in_per_s / 1024);
	traffic(s, DPO_STATS_A_BYTES_OUT_PER_S, "OUT_KIB/S", 9, 1,
		(double)s->bytes_out_per_s / 1024);
	traffic(s, DPO_STATS_A_LAT_P50_US, "P50_US", 7, 0,
		(double)s->lat_p50_us);
	traffic(s, DPO_STATS_A_LAT_P99_US, "P99_US", 7, 0,
		(double)s->lat_p99_us);
	traffic(s, DPO_STATS_A_LAT_MEAN_US, "MEAN_US", 7, 0,
		(double)s->lat_mean_us);
}

static void print_rates(const struct dpoctl_instance *in,
			const struct dpoctl_rates *r)
{
	dpoctl_pr_nest_begin("rates");
	if (r) {
		dpoctl_pr_double("cpu_pct", "CPU%", 6, 1, r->cpu_pct);
		dpoctl_pr_double("run_delay_ms_per_s", "RUNQ_MS/S", 9, 2,
			  r->run_delay_ms_per_s);
		dpoctl_pr_double("csw_per_s", "CSW/S", 8, 0, r->csw_per_s);
		dpoctl_pr_double("flt_per_s", "FLT/S", 8, 0, r->flt_per_s);
	} else {
		dpoctl_pr_null("cpu_pct", "CPU%", 6);
		dpoctl_pr_null("run_delay_ms_per_s", "RUNQ_MS/S", 9);
		dpoctl_pr_null("csw_per_s", "CSW/S", 8);
		dpoctl_pr_null("flt_per_s", "FLT/S", 8);
	}
	dpoctl_pr_nest_end();
	/* raw values are in "stats" for JSON */
	dpoctl_pr_double(NULL, "RSS_MIB", 8, 1, (double)in->stats.rss_bytes / 1048576);
	dpoctl_pr_u64(NULL, "THR", 4, in->stats.threads);
	print_traffic(&in->stats);
}

static void print_instance(int cmd, const struct dpoctl_instance *in,
			   const struct dpoctl_rates *r)
{
	char status[64];

	dpoctl_pr_row_begin();
	print_head(cmd == DPO_CMD_SAMPLE_NTF ? in->stats.timestamp_ns :
		   dpoctl_now_ns(), cmd);
	dpoctl_pr_str("session", NULL, 12, in->session);
	dpoctl_pr_u64("pid", NULL, 7, in->pid);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(in->role));
	dpoctl_pr_u64("start_time_ns", NULL, 0, in->start_time_ns);
	if (cmd == DPO_CMD_SAMPLE_NTF)
		print_rates(in, r);
	if (in->has_exit_code) {
		dpoctl_exit_str(status, sizeof(status), in->exit_code);
		dpoctl_pr_str("status", "", 1, status);
		dpoctl_pr_u64("exit_code", NULL, 0, in->exit_code);
	}
	dpoctl_print_stats(in, false);
	dpoctl_pr_row_end();
}

/* The columns of events that concern no process. */
static void print_no_process(void)
{
	dpoctl_pr_null(NULL, "PID", 7);
	dpoctl_pr_str(NULL, "ROLE", 8, "-");
}

static void print_session(int cmd, const struct dpoctl_session *s)
{
	char detail[32], owner[16];

	dpoctl_pr_row_begin();
	/* a switch is shown at the moment it took effect */
	print_head(cmd == DPO_CMD_OWNER_SET && s->switch_time_ns ?
		   s->switch_time_ns : dpoctl_now_ns(), cmd);
	dpoctl_pr_str("session", NULL, 12, s->name);
	print_no_process();
	if (cmd == DPO_CMD_SESSION_NEW) {
		snprintf(detail, sizeof(detail), "interval %ums",
			 s->interval_ms);
		dpoctl_pr_str(NULL, "", 1, detail);
	} else if (cmd == DPO_CMD_OWNER_SET ||
		   cmd == DPO_CMD_CONTROLLER_LOST_NTF) {
		/* lost: the owner then; the fail-safe's owner_set follows */
		snprintf(detail, sizeof(detail), "owner %s",
			 dpoctl_session_owner_str(owner, sizeof(owner), s));
		dpoctl_pr_str(NULL, "", 1, detail);
	}
	dpoctl_pr_u64("interval_ms", NULL, 0, s->interval_ms);
	dpoctl_pr_u64("instances", NULL, 0, s->instances);
	dpoctl_pr_str("owner", NULL, 0, dpoctl_owner_name(s->owner));
	dpoctl_pr_u64("canary_pct", NULL, 0, s->canary_pct);
	dpoctl_pr_u64("switch_time_ns", NULL, 0, s->switch_time_ns);
	dpoctl_pr_row_end();
}

static void print_listener(int cmd, const struct dpoctl_listener *l)
{
	char addr[64], detail[96];

	dpoctl_pr_row_begin();
	print_head(dpoctl_now_ns(), cmd);
	dpoctl_pr_str("session", NULL, 12, l->session);
	print_no_process();
	dpoctl_addr_port_str(addr, sizeof(addr), l->family, l->addr, l->port);
	snprintf(detail, sizeof(detail), "listener %u %s", l->id, addr);
	dpoctl_pr_str(NULL, "", 1, detail);
	dpoctl_pr_u64("id", NULL, 0, l->id);
	dpoctl_pr_str("family", NULL, 0, dpoctl_family_name(l->family));
	dpoctl_addr_str(addr, sizeof(addr), l->family, l->addr);
	dpoctl_pr_str("address", NULL, 0, addr);
	dpoctl_pr_u64("port", NULL, 0, l->port);
	dpoctl_pr_u64("accepted_original", NULL, 0, l->accepted_original);
	dpoctl_pr_u64("accepted_patched", NULL, 0, l->accepted_patched);
	dpoctl_pr_u64("accepted_other", NULL, 0, l->accepted_other);
	dpoctl_pr_row_end();
}

static void print_drain(int cmd, const struct dpoctl_drain *d)
{
	char detail[160], elapsed[32];

	dpoctl_pr_row_begin();
	print_head(dpoctl_now_ns(), cmd);
	dpoctl_pr_str("session", NULL, 12, d->session);
	dpoctl_pr_null(NULL, "PID", 7);
	dpoctl_pr_str("role", NULL, 8, dpoctl_role_name(d->role));
	dpoctl_duration_str(elapsed, sizeof(elapsed), d->elapsed_ns);
	snprintf(detail, sizeof(detail),
		 "remaining %u closed_idle %u closed_busy %u reset %u gone %u "
		 "after %s%s", d->remaining, d->closed_idle, d->closed_busy,
		 d->reset, d->gone, elapsed,
		 d->cancelled ? " (cancelled)" : "");
	dpoctl_pr_str(NULL, "", 1, detail);
	dpoctl_pr_u64("deadline_ms", NULL, 0, d->deadline_ms);
	dpoctl_pr_u64("remaining", NULL, 0, d->remaining);
	dpoctl_pr_u64("closed_idle", NULL, 0, d->closed_idle);
	dpoctl_pr_u64("closed_busy", NULL, 0, d->closed_busy);
	dpoctl_pr_u64("reset", NULL, 0, d->reset);
	dpoctl_pr_u64("gone", NULL, 0, d->gone);
	dpoctl_pr_u64("elapsed_ns", NULL, 0, d->elapsed_ns);
	dpoctl_pr_u64("cancelled", NULL, 0, d->cancelled);
	dpoctl_pr_row_end();
}

static int on_notification(struct nlmsghdr *nlh, void *arg)
{
	struct monitor *m = arg;
	struct dpoctl_listener l;
	struct dpoctl_instance in;
	struct dpoctl_drain d;
	struct dpoctl_session s;
	struct dpoctl_rates r;
	int cmd, ret = 0;

	if (nlh->nlmsg_type != m->family)
		return 0;
	cmd = dpoctl_msg_cmd(nlh);
	switch (cmd) {
	case DPO_CMD_SAMPLE_NTF:
	case DPO_CMD_INSTANCE_EXIT_NTF:
	case DPO_CMD_INSTANCE_ADD:
	case DPO_CMD_INSTANCE_DEL:
		if (dpoctl_msg_instance(nlh, &in))
			goto bad;
		if (cmd == DPO_CMD_SAMPLE_NTF)
			ret = dpoctl_tracker_update(&m->tracker, &in, &r);
		else if (cmd != DPO_CMD_INSTANCE_ADD)
			dpoctl_tracker_forget(&m->tracker, &in);
		if (ret < 0) {
			m->err = -ret;
			m->done = true;
			return 1;
		}
		print_instance(cmd, &in, ret == 1 ? &r : NULL);
		break;
	case DPO_CMD_SESSION_NEW:
	case DPO_CMD_SESSION_DEL:
	case DPO_CMD_OWNER_SET:
	case DPO_CMD_CONTROLLER_LOST_NTF:
		if (dpoctl_msg_session(nlh, &s))
			goto bad;
		print_session(cmd, &s);
		break;
	case DPO_CMD_LISTENER_ADD:
	case DPO_CMD_LISTENER_DEL:
		if (dpoctl_msg_listener(nlh, &l))
			goto bad;
		print_listener(cmd, &l);
		break;
	case DPO_CMD_DRAIN_PROGRESS_NTF:
	case DPO_CMD_DRAIN_DONE_NTF:
		if (dpoctl_msg_drain(nlh, &d))
			goto bad;
		print_drain(cmd, &d);
		break;
	default:
		return 0;	/* from a newer module */
	}
	fflush(stdout);
	if (m->count && ++m->seen >= m->count) {
		m->done = true;
		return 1;
	}
	return 0;
bad:
	dpoctl_err("monitor: malformed notification ignored");
	return 0;
}

/* For the unit tests: the row dpoctl monitor prints for one message. */
void dpoctl_monitor_print(struct nlmsghdr *nlh, int family)
{
	struct monitor m = { .family = family };

	on_notification(nlh, &m);
}

/* The text header comes from a sample row, the widest kind. */
void dpoctl_monitor_print_header(void)
{
	struct dpoctl_instance in = { .has_stats = true };
	struct dpoctl_rates r = { 0 };

	if (dpoctl_pr_header_only())
		print_instance(DPO_CMD_SAMPLE_NTF, &in, &r);
	fflush(stdout);
}

static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      struct monitor *m, const char *const **groups, int *n)
{
	static const char *const all[] = { DPO_MCGRP_SAMPLES, DPO_MCGRP_EVENTS };
	int i = 0;

	*groups = all;
	*n = 2;
	if (i < argc && !strcmp(argv[i], "samples")) {
		*n = 1;
		i++;
	} else if (i < argc && !strcmp(argv[i], "events")) {
		*groups = all + 1;
		*n = 1;
		i++;
	} else if (i < argc && !strcmp(argv[i], "all")) {
		i++;
	}
	if (i < argc && !strcmp(argv[i], "count")) {
		if (i + 1 == argc)
			return dpoctl_usage(ctx, "missing N after count");
		if (dpoctl_parse_u32(argv[i + 1], 1, UINT32_MAX, &m->count))
			return dpoctl_usage(ctx, "bad count \"%s\" (1 or more)",
					 argv[i + 1]);
		i += 2;
	}
	if (i < argc)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[i]);
	return 0;
}

int dpoctl_cmd_monitor(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor m = { .count = 0 };
	const char *const *groups;
	sigset_t block, old, wait_mask;
	struct pollfd pfd;
	struct dpoctl_nl nl;
	int n, ret, rc = DPOCTL_EXIT_OK;

	if (parse_args(ctx, argc, argv, &m, &groups, &n))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	if (dpoctl_nl_join(&nl, groups, n)) {
		dpoctl_nl_close(&nl);
		return DPOCTL_EXIT_ERR;
	}
	m.family = nl.family;
	dpoctl_nl_listen(&nl, on_notification, &m);

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

	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_monitor_print_header();
	while (!stop && !m.done) {
		pfd = (struct pollfd){ .fd = dpoctl_nl_fd(&nl), .events = POLLIN };
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			dpoctl_err("monitor: %s", strerror(errno));
			rc = DPOCTL_EXIT_ERR;
			break;
		}
		ret = dpoctl_nl_receive(&nl);
		if (ret == -ENOBUFS) {
			/* rates stay right: counters are cumulative */
			dpoctl_err("monitor: notifications lost (receive queue full)");
		} else if (ret < 0) {
			rc = DPOCTL_EXIT_ERR;
			break;
		}
	}
	if (m.err) {
		dpoctl_err("monitor: %s", strerror(m.err));
		rc = DPOCTL_EXIT_ERR;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	dpoctl_tracker_free(&m.tracker);
	dpoctl_nl_close(&nl);
	return rc;
}
