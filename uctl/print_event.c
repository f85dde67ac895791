// SPDX-License-Identifier: GPL-2.0
/* The rows of monitor: one notification each, under one header. */
#include <stdio.h>
#include <linux/dpo.h>

#include "parse.h"
#include "print.h"
#include "printers.h"

static const char *const event_names[] = {
	[DPO_CMD_SAMPLE_NTF]		= "sample",
	[DPO_CMD_INSTANCE_EXIT_NTF]	= "instance_exit",
	[DPO_CMD_INSTANCE_ADD_NTF]		= "instance_add",
	[DPO_CMD_INSTANCE_DEL_NTF]		= "instance_del",
	[DPO_CMD_SESSION_NEW_NTF]		= "session_new",
	[DPO_CMD_SESSION_DEL_NTF]		= "session_del",
	[DPO_CMD_LISTENER_ADD_NTF]		= "listener_add",
	[DPO_CMD_LISTENER_DEL_NTF]		= "listener_del",
	[DPO_CMD_OWNER_SET_NTF]		= "owner_set",
	[DPO_CMD_CONTROLLER_LOST_NTF]	= "controller_lost",
	[DPO_CMD_DRAIN_PROGRESS_NTF]	= "drain_progress",
	[DPO_CMD_DRAIN_DONE_NTF]	= "drain_done",
};

/* Samples carry their CLOCK_MONOTONIC time; events get the local one. */
static void print_head(uint64_t time_ns, int cmd)
{
	dpoctl_pr_double(NULL, "TIME", 12, 3, (double)time_ns / 1e9);
	dpoctl_pr_u64("time_ns", NULL, 0, time_ns);
	dpoctl_pr_str("event", NULL, 15, event_names[cmd]);
}

/* A traffic value of the sample, "-" when it had none. */
static void traffic_column(const struct dpoctl_stats *s, int attr, const char *title,
		    int width, int prec, double v)
{
	if (DPOCTL_STAT_HAS(s, attr))
		dpoctl_pr_double(NULL, title, width, prec, v);
	else
		dpoctl_pr_null(NULL, title, width);
}

/* Text only: the module's own rates and latencies (JSON: in "stats"). */
static void traffic_columns(const struct dpoctl_stats *s)
{
	traffic_column(s, DPO_STATS_A_CONNS_ACTIVE, "ACTIVE", 6, 0,
		(double)s->conns_active);
	traffic_column(s, DPO_STATS_A_REQUESTS_PER_S, "REQ/S", 7, 0,
		(double)s->requests_per_s);
	traffic_column(s, DPO_STATS_A_BYTES_IN_PER_S, "IN_KIB/S", 9, 1,
		(double)s->bytes_in_per_s / 1024);
	traffic_column(s, DPO_STATS_A_BYTES_OUT_PER_S, "OUT_KIB/S", 9, 1,
		(double)s->bytes_out_per_s / 1024);
	traffic_column(s, DPO_STATS_A_LAT_P50_US, "P50_US", 7, 0,
		(double)s->lat_p50_us);
	traffic_column(s, DPO_STATS_A_LAT_P99_US, "P99_US", 7, 0,
		(double)s->lat_p99_us);
	traffic_column(s, DPO_STATS_A_LAT_MEAN_US, "MEAN_US", 7, 0,
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
	traffic_columns(&in->stats);
}

static void print_instance(int cmd, const struct dpoctl_instance *in,
			   const struct dpoctl_rates *r, uint64_t now_ns)
{
	char status[64];

	dpoctl_pr_row_begin();
	print_head(cmd == DPO_CMD_SAMPLE_NTF ? in->stats.timestamp_ns : now_ns,
		   cmd);
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

static void print_session(int cmd, const struct dpoctl_session *s,
			  uint64_t now_ns)
{
	char detail[32], owner[16];

	dpoctl_pr_row_begin();
	/* a switch is shown at the moment it took effect */
	print_head(cmd == DPO_CMD_OWNER_SET_NTF && s->switch_time_ns ?
		   s->switch_time_ns : now_ns, cmd);
	dpoctl_pr_str("session", NULL, 12, s->name);
	print_no_process();
	if (cmd == DPO_CMD_SESSION_NEW_NTF) {
		snprintf(detail, sizeof(detail), "interval %ums",
			 s->interval_ms);
		dpoctl_pr_str(NULL, "", 1, detail);
	} else if (cmd == DPO_CMD_OWNER_SET_NTF ||
		   cmd == DPO_CMD_CONTROLLER_LOST_NTF) {
		/* lost: the owner then; the fail-safe's owner_set follows */
		snprintf(detail, sizeof(detail), "owner %s",
			 dpoctl_session_owner_str(owner, sizeof(owner), s));
		dpoctl_pr_str(NULL, "", 1, detail);
	}
	dpoctl_print_session_attrs(s, false);
	dpoctl_pr_row_end();
}

static void print_listener(int cmd, const struct dpoctl_listener *l,
			   uint64_t now_ns)
{
	char addr[64], detail[96];

	dpoctl_pr_row_begin();
	print_head(now_ns, cmd);
	dpoctl_pr_str("session", NULL, 12, l->session);
	print_no_process();
	dpoctl_addr_port_str(addr, sizeof(addr), l->family, l->addr, l->port);
	snprintf(detail, sizeof(detail), "listener %u %s", l->id, addr);
	dpoctl_pr_str(NULL, "", 1, detail);
	dpoctl_pr_u64("id", NULL, 0, l->id);
	dpoctl_print_listener_attrs(l, false);
	dpoctl_pr_row_end();
}

static void print_drain(int cmd, const struct dpoctl_drain *d,
			uint64_t now_ns)
{
	char detail[160], elapsed[32];

	dpoctl_pr_row_begin();
	print_head(now_ns, cmd);
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
	dpoctl_print_drain_counts(d, false);
	dpoctl_pr_u64("elapsed_ns", NULL, 0, d->elapsed_ns);
	dpoctl_pr_u64("cancelled", NULL, 0, d->cancelled);
	dpoctl_pr_row_end();
}

/* The text header comes from a sample row, the widest kind. */
void dpoctl_print_event_header(void)
{
	struct dpoctl_instance in = { .has_stats = true };
	struct dpoctl_rates r = { 0 };

	if (dpoctl_pr_header_only())
		print_instance(DPO_CMD_SAMPLE_NTF, &in, &r, 0);
}

void dpoctl_print_event(const struct dpoctl_event *ev,
			const struct dpoctl_rates *r, uint64_t now_ns)
{
	switch (ev->cmd) {
	case DPO_CMD_SAMPLE_NTF:
	case DPO_CMD_INSTANCE_EXIT_NTF:
	case DPO_CMD_INSTANCE_ADD_NTF:
	case DPO_CMD_INSTANCE_DEL_NTF:
		print_instance(ev->cmd, &ev->instance, r, now_ns);
		break;
	case DPO_CMD_SESSION_NEW_NTF:
	case DPO_CMD_SESSION_DEL_NTF:
	case DPO_CMD_OWNER_SET_NTF:
	case DPO_CMD_CONTROLLER_LOST_NTF:
		print_session(ev->cmd, &ev->session, now_ns);
		break;
	case DPO_CMD_LISTENER_ADD_NTF:
	case DPO_CMD_LISTENER_DEL_NTF:
		print_listener(ev->cmd, &ev->listener, now_ns);
		break;
	case DPO_CMD_DRAIN_PROGRESS_NTF:
	case DPO_CMD_DRAIN_DONE_NTF:
		print_drain(ev->cmd, &ev->drain, now_ns);
		break;
	}
}
