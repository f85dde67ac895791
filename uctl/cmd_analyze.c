// SPDX-License-Identifier: GPL-2.0
/* analyze: a recording of dpoctl -j monitor through the decision engine. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/dpo.h>

#include "client.h"
#include "config.h"
#include "core/lat_hist.h"
#include "core/pairing.h"
#include "dpoctl.h"
#include "parse.h"
#include "print.h"
#include "printers.h"
#include "settings.h"

#define MAX_SESSIONS	8	/* named in the "choose one" message */

struct args {
	struct dpoctl_settings settings;
	const char *session;
	const char *input;
	bool live;		/* from the module, not a recording */
	bool print_config;
};

/* What a line of the recording is. */
enum rec_kind { REC_OTHER, REC_SAMPLE, REC_GONE };

struct analyze {
	const char *name;	/* the input in messages */
	FILE *in;
	unsigned long line;
	char session[DPO_SESSION_NAME_MAX];	/* "": not chosen yet */
	bool fixed;		/* chosen by --session or the scan */
	/* the scan: every session with samples, in order of appearance */
	char sessions[MAX_SESSIONS][DPO_SESSION_NAME_MAX];
	int nsessions;
	bool more_sessions;
	struct dpoctl_engine_cfg cfg;
	struct dpoctl_engine *e;
	struct dpoctl_pairing pairing;
	bool started;		/* a sample of the session was seen */
	uint64_t t0_ns;		/* its time */
	bool ready;		/* "ready" printed */
	enum dpoctl_verdict verdict;
	bool live_failed;	/* a sample the pairing refused */
	bool live_done;		/* the verdict, or live_failed */
	json_tokener *tok;
};

/* ---- command line ---- */

static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      struct args *a)
{
	bool opts = true;
	const char *v;
	int i, r;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (opts && !strcmp(arg, "--")) {
			opts = false;
			continue;
		}
		if (opts && !strcmp(arg, "--print-config")) {
			a->print_config = true;
			continue;
		}
		if (opts && !strcmp(arg, "--live")) {
			a->live = true;
			continue;
		}
		if (opts && (r = dpoctl_settings_option(ctx, argc, argv, &i,
							&a->settings))) {
			if (r < 0)
				return -1;
			continue;
		}
		if (opts && (r = dpoctl_opt_value(ctx, argc, argv, &i,
						  "--session", &v))) {
			if (r < 0)
				return -1;
			if (a->session)
				return dpoctl_usage(ctx, "--session given twice");
			if (dpoctl_arg_session(ctx, v))
				return -1;
			a->session = v;
			continue;
		}
		if (opts && arg[0] == '-' && arg[1])
			return dpoctl_usage(ctx, "unknown option \"%s\"", arg);
		if (a->input)
			return dpoctl_usage(ctx, "unexpected \"%s\"", arg);
		a->input = arg;
	}
	if (a->live && a->input)
		return dpoctl_usage(ctx, "--live reads the module: no FILE");
	if (a->live && !a->session && !a->print_config)
		return dpoctl_usage(ctx, "--live needs --session NAME");
	if (!a->input && !a->live && !a->print_config)
		return dpoctl_usage(ctx, "missing FILE (a recording, or - for stdin)");
	return 0;
}

/* ---- the recording ---- */

static int bad(struct analyze *an, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct analyze *an, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dpoctl_err("analyze: %s:%lu: %s", an->name, an->line, msg);
	return -1;
}

/*
 * Member @key of @obj as an unsigned integer: 1 and *v set, 0 when absent
 * or null (if @optional), -1 (reported) otherwise.
 */
static int get_u64(struct analyze *an, json_object *obj, const char *what,
		   const char *key, bool optional, uint64_t *v)
{
	json_object *m = NULL;

	if (!json_object_object_get_ex(obj, key, &m) || !m) {
		if (optional)
			return 0;
		return bad(an, "%s: no %s", what, key);
	}
	if (!json_object_is_type(m, json_type_int) ||
	    json_object_get_int64(m) < 0)
		return bad(an, "%s: %s is not a whole number >= 0", what, key);
	errno = 0;
	*v = json_object_get_uint64(m);
	if (errno)
		return bad(an, "%s: %s out of range", what, key);
	return 1;
}

static int get_str(struct analyze *an, json_object *obj, const char *what,
		   const char *key, const char **v)
{
	json_object *m = NULL;

	if (!json_object_object_get_ex(obj, key, &m) ||
	    !json_object_is_type(m, json_type_string))
		return bad(an, "%s: no %s string", what, key);
	*v = json_object_get_string(m);
	return 0;
}

/*
 * "lat_hist": {"<bucket's lower bound, us>": count, ...}, or null. A key
 * that is no bucket's bound, or a bucket twice, is malformed.
 */
static int parse_lat_hist(struct analyze *an, json_object *stats,
			  struct dpoctl_stats *s)
{
	json_object *h = NULL;
	char *end;

	if (!json_object_object_get_ex(stats, "lat_hist", &h) || !h)
		return 0;
	if (!json_object_is_type(h, json_type_object))
		return bad(an, "sample: lat_hist is not an object");
	json_object_object_foreach(h, key, val) {
		unsigned long long lo;
		unsigned int b;
		int64_t n;

		errno = 0;
		lo = strtoull(key, &end, 10);
		b = dpoctl_lat_bucket_of(lo);
		if (errno || end == key || *end || key[0] == '-' ||
		    dpoctl_lat_bucket_lo_us(b) != lo)
			return bad(an, "sample: lat_hist: \"%s\" is no bucket's lower bound",
				   key);
		if (!json_object_is_type(val, json_type_int) ||
		    (n = json_object_get_int64(val)) < 0)
			return bad(an, "sample: lat_hist: %s: not a whole number >= 0",
				   key);
		if (s->lat_hist[b])
			return bad(an, "sample: lat_hist: %s twice", key);
		s->lat_hist[b] = (uint64_t)n;
	}
	s->present |= DPOCTL_STAT_BIT(DPO_STATS_A_LAT_HIST);
	return 0;
}

/* The counters of "stats", with the presence bits of the traffic ones. */
static int parse_stats(struct analyze *an, json_object *stats,
		       struct dpoctl_stats *s)
{
	static const struct {
		const char *key;
		size_t off;
	} required[] = {
		{ "timestamp_ns", offsetof(struct dpoctl_stats, timestamp_ns) },
		{ "seq", offsetof(struct dpoctl_stats, seq) },
		{ "cpu_ns", offsetof(struct dpoctl_stats, cpu_ns) },
		{ "run_delay_ns", offsetof(struct dpoctl_stats, run_delay_ns) },
		{ "min_flt", offsetof(struct dpoctl_stats, min_flt) },
		{ "maj_flt", offsetof(struct dpoctl_stats, maj_flt) },
		{ "rss_bytes", offsetof(struct dpoctl_stats, rss_bytes) },
	};
	static const struct {
		const char *key;
		int attr;
		size_t off;
	} traffic[] = {
		{ "conns_accepted", DPO_STATS_A_CONNS_ACCEPTED,
		  offsetof(struct dpoctl_stats, conns_accepted) },
		{ "conns_active", DPO_STATS_A_CONNS_ACTIVE,
		  offsetof(struct dpoctl_stats, conns_active) },
		{ "requests", DPO_STATS_A_REQUESTS,
		  offsetof(struct dpoctl_stats, requests) },
		{ "lat_p50_us", DPO_STATS_A_LAT_P50_US,
		  offsetof(struct dpoctl_stats, lat_p50_us) },
		{ "lat_p99_us", DPO_STATS_A_LAT_P99_US,
		  offsetof(struct dpoctl_stats, lat_p99_us) },
		{ "lat_mean_us", DPO_STATS_A_LAT_MEAN_US,
		  offsetof(struct dpoctl_stats, lat_mean_us) },
	};
	size_t i;
	int r;

	if (!stats || !json_object_is_type(stats, json_type_object))
		return bad(an, "sample: stats is not an object");
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (get_u64(an, stats, "sample", required[i].key, false,
			    (uint64_t *)((char *)s + required[i].off)) < 0)
			return -1;
	for (i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++) {
		r = get_u64(an, stats, "sample", traffic[i].key, true,
			    (uint64_t *)((char *)s + traffic[i].off));
		if (r < 0)
			return -1;
		if (r)
			s->present |= DPOCTL_STAT_BIT(traffic[i].attr);
	}
	return parse_lat_hist(an, stats, s);
}

/* session, pid, role and start time: what names an instance */
static int parse_instance(struct analyze *an, json_object *obj,
			  const char *what, struct dpoctl_instance *in)
{
	const char *session, *role;
	uint64_t pid;

	if (get_str(an, obj, what, "session", &session))
		return -1;
	if (dpoctl_check_session_name(session))
		return bad(an, "%s: bad session name", what);
	strcpy(in->session, session);
	if (get_u64(an, obj, what, "pid", false, &pid) < 0 ||
	    get_u64(an, obj, what, "start_time_ns", false,
		    &in->start_time_ns) < 0)
		return -1;
	if (!pid || pid > UINT32_MAX)
		return bad(an, "%s: bad pid %llu", what, (unsigned long long)pid);
	in->pid = (uint32_t)pid;
	if (get_str(an, obj, what, "role", &role))
		return -1;
	if (dpoctl_parse_role(role, &in->role))
		return bad(an, "%s: bad role \"%s\" (original or patched)",
			   what, role);
	return 0;
}

/* One line: a sample, an instance gone, or something else. */
static int parse_line(struct analyze *an, const char *line, size_t len,
		      struct dpoctl_instance *in, enum rec_kind *kind)
{
	enum json_tokener_error jerr;
	json_object *obj, *stats = NULL;
	const char *event;
	size_t end;
	int ret = -1;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	json_tokener_reset(an->tok);
	obj = json_tokener_parse_ex(an->tok, line, (int)len);
	jerr = json_tokener_get_error(an->tok);
	if (!obj) {
		if (jerr == json_tokener_continue)
			return bad(an, "not JSON: %s",
				   len ? "truncated" : "empty line");
		return bad(an, "not JSON: %s (record with dpoctl -j monitor)",
			   json_tokener_error_desc(jerr));
	}
	for (end = json_tokener_get_parse_end(an->tok); end < len; end++)
		if (line[end] != ' ' && line[end] != '\t')
			break;
	if (end < len) {
		bad(an, "not JSON: text after the object");
		goto out;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		bad(an, "not a JSON object");
		goto out;
	}
	if (get_str(an, obj, "line", "event", &event))
		goto out;
	memset(in, 0, sizeof(*in));
	*kind = REC_OTHER;
	if (!strcmp(event, "sample")) {
		*kind = REC_SAMPLE;
		if (parse_instance(an, obj, "sample", in))
			goto out;
		json_object_object_get_ex(obj, "stats", &stats);
		if (parse_stats(an, stats, &in->stats))
			goto out;
		in->has_stats = true;
	} else if (!strcmp(event, "instance_exit") ||
		   !strcmp(event, "instance_del")) {
		*kind = REC_GONE;
		if (parse_instance(an, obj, event, in))
			goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

/* ---- the engine's steps ---- */

static void print_ready(struct analyze *an, uint64_t now_ns)
{
	char why[160];

	if (an->ready || dpoctl_engine_ready(an->e, why, sizeof(why)))
		return;
	an->ready = true;
	dpoctl_print_analyze_event(now_ns - an->t0_ns, now_ns, "ready", -1,
				   NAN, NAN, NAN, "baseline ready");
}

static void print_events(struct analyze *an)
{
	const struct dpoctl_engine_event *ev;
	const struct dpoctl_decision *d;
	char detail[96];
	bool values;
	size_t i, n;

	n = dpoctl_engine_events(an->e, &ev);
	for (i = 0; i < n; i++) {
		detail[0] = '\0';
		/* the verdict's numbers are in the decision record */
		values = ev[i].kind != DPOCTL_EV_OBSERVE &&
			 ev[i].kind != DPOCTL_EV_VERDICT;
		if (ev[i].kind == DPOCTL_EV_VERDICT) {
			d = dpoctl_engine_decision(an->e);
			snprintf(detail, sizeof(detail), "%s (%s)",
				 dpoctl_verdict_name(d->verdict),
				 dpoctl_reason_name(d->reason));
		}
		dpoctl_print_analyze_event(ev[i].time_ns - an->t0_ns,
					   ev[i].time_ns,
					   dpoctl_event_name(ev[i].kind),
					   ev[i].metric,
					   values ? ev[i].value : NAN,
					   values ? ev[i].threshold : NAN,
					   ev[i].kind == DPOCTL_EV_RECOVER ||
					   ev[i].kind == DPOCTL_EV_CALM ?
					   ev[i].lasted_s : NAN, detail);
	}
}

static void steps(struct analyze *an, const struct dpoctl_step *st, int n)
{
	int i;

	for (i = 0; i < n && an->verdict == DPOCTL_V_NONE; i++) {
		an->verdict = dpoctl_engine_step(an->e, st[i].now_ns, &st[i].orig,
						 st[i].has_patched ?
						 &st[i].patched : NULL);
		print_ready(an, st[i].now_ns);
		print_events(an);
	}
}

/* ---- the passes over the input ---- */

static void note_session(struct analyze *an, const char *s)
{
	int i;

	for (i = 0; i < an->nsessions; i++)
		if (!strcmp(an->sessions[i], s))
			return;
	if (an->nsessions == MAX_SESSIONS) {
		an->more_sessions = true;
		return;
	}
	strcpy(an->sessions[an->nsessions++], s);
}

static void sessions_str(const struct analyze *an, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < an->nsessions && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
				      an->sessions[i]);
	if (an->more_sessions && n < len)
		snprintf(buf + n, len - n, ", ...");
}

/* One sample or exit of the chosen session into the pairing. */
static int feed(struct analyze *an, const struct dpoctl_instance *in,
		enum rec_kind kind)
{
	struct dpoctl_step st[DPOCTL_PAIRING_MAX_STEPS];
	int n;

	if (kind == REC_GONE) {
		n = dpoctl_pairing_forget(&an->pairing, in, st);
		steps(an, st, n);
		return 0;
	}
	if (!an->started) {
		an->started = true;
		an->t0_ns = in->stats.timestamp_ns;
	}
	n = dpoctl_pairing_add(&an->pairing, in, st);
	if (n == -ERANGE)
		return bad(an, "sample of %s pid %u: a counter went back",
			   dpoctl_role_name(in->role), in->pid);
	if (n < 0)
		return bad(an, "sample of %s pid %u does not follow its previous one (seq and timestamp_ns must grow)",
			   dpoctl_role_name(in->role), in->pid);
	steps(an, st, n);
	return 0;
}

/*
 * Every line of the input: with @run, the chosen session's samples go to
 * the engine until it decides; without, the sessions are only noted.
 */
static int pass(struct analyze *an, bool run)
{
	struct dpoctl_instance in;
	enum rec_kind kind = REC_OTHER;
	char *line = NULL, names[160];
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	an->line = 0;
	while (!ret && (!run || an->verdict == DPOCTL_V_NONE) &&
	       (len = getline(&line, &cap, an->in)) >= 0) {
		an->line++;
		ret = parse_line(an, line, (size_t)len, &in, &kind);
		if (ret || kind == REC_OTHER)
			continue;
		if (kind == REC_SAMPLE)
			note_session(an, in.session);
		if (!run)
			continue;
		if (!an->session[0] && kind == REC_SAMPLE) {
			/* from a pipe: the first sample's session */
			strcpy(an->session, in.session);
			dpoctl_pairing_init(&an->pairing, an->session);
		}
		if (strcmp(in.session, an->session)) {
			if (!an->fixed && kind == REC_SAMPLE) {
				sessions_str(an, names, sizeof(names));
				ret = bad(an, "samples of several sessions (%s): choose one with --session",
					  names);
			}
			continue;
		}
		ret = feed(an, &in, kind);
	}
	if (!ret && ferror(an->in)) {
		dpoctl_err("analyze: %s: %s", an->name, strerror(errno));
		ret = -1;
	}
	free(line);
	return ret;
}

/* ---- results ---- */

static int exit_code(enum dpoctl_verdict v)
{
	switch (v) {
	case DPOCTL_V_ROLLBACK:
		return DPOCTL_EXIT_ROLLBACK;
	case DPOCTL_V_PROMOTE:
		return DPOCTL_EXIT_OK;
	case DPOCTL_V_INSUFFICIENT:
		return DPOCTL_EXIT_INSUFFICIENT;
	default:
		return DPOCTL_EXIT_UNDECIDED;
	}
}

static void print_result(struct analyze *an)
{
	const struct dpoctl_decision *d = dpoctl_engine_decision(an->e);
	struct dpoctl_decision end;
	char why[96];
	int m;

	if (an->verdict == DPOCTL_V_NONE) {
		/* the input ended first: where things stood */
		end = *d;
		end.metric = -1;
		if (dpoctl_engine_ready(an->e, why, sizeof(why)))
			snprintf(end.why, sizeof(end.why),
				 "The input ended before a verdict; baseline not ready: %.90s.",
				 why);
		else if (dpoctl_engine_phase(an->e) == DPOCTL_PHASE_BASELINE)
			snprintf(end.why, sizeof(end.why),
				 "The input ended before a verdict; no patched instance was observed.");
		else
			snprintf(end.why, sizeof(end.why),
				 "The input ended before a verdict.");
		d = &end;
	}
	if (!dpoctl_pr_json())
		putchar('\n');
	dpoctl_print_decision(d, an->verdict == DPOCTL_V_NONE ? "undecided" :
			      dpoctl_verdict_name(d->verdict),
			      an->verdict == DPOCTL_V_NONE ? "end_of_input" :
			      dpoctl_reason_name(d->reason),
			      d->metric >= 0 && d->metric < DPOCTL_M_COUNT ?
			      dpoctl_engine_metric(an->e, d->metric) : NULL,
			      dpoctl_engine_score(an->e),
			      d->seq_threshold > 0 ? d->seq_threshold : NAN,
			      an->t0_ns);
	if (!dpoctl_pr_json())
		putchar('\n');
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		if (an->cfg.m[m].enabled)
			dpoctl_print_metric_state(m, dpoctl_engine_metric(an->e, m));
	dpoctl_pr_end();
}

static int run(struct dpoctl_ctx *ctx, const struct args *a, struct analyze *an)
{
	char names[160];
	struct stat st;
	int n;
	struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS];

	if (a->session) {
		strcpy(an->session, a->session);
		an->fixed = true;
	} else if (!fstat(fileno(an->in), &st) && S_ISREG(st.st_mode)) {
		/* a file: its sessions first, so that no output comes before */
		if (pass(an, false))
			return DPOCTL_EXIT_ERR;
		if (an->nsessions > 1) {
			sessions_str(an, names, sizeof(names));
			dpoctl_err("%s: %s has samples of several sessions (%s): choose one with --session",
				   ctx->what, an->name, names);
			return DPOCTL_EXIT_USAGE;
		}
		if (an->nsessions == 1) {
			strcpy(an->session, an->sessions[0]);
			an->fixed = true;
		}
		rewind(an->in);
		an->nsessions = 0;
	}
	dpoctl_pairing_init(&an->pairing, an->session);
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_analyze_header();
	if (pass(an, true))
		return DPOCTL_EXIT_ERR;
	if (an->verdict == DPOCTL_V_NONE) {
		n = dpoctl_pairing_flush(&an->pairing, out);
		steps(an, out, n);
	}
	if (!an->started) {
		if (an->fixed && a->session)
			dpoctl_err("%s: %s: no samples of session \"%s\"",
				   ctx->what, an->name, a->session);
		else
			dpoctl_err("%s: %s: no samples", ctx->what, an->name);
		return DPOCTL_EXIT_ERR;
	}
	print_result(an);
	return exit_code(an->verdict);
}

/* ---- live, from the module's notifications ---- */

/* A notification: the session's samples and exits go where a line's would. */
static int on_live_event(const struct dpoctl_event *ev, void *arg)
{
	struct analyze *an = arg;
	enum rec_kind kind;

	if (ev->malformed) {
		dpoctl_err("analyze: malformed notification ignored");
		return 0;
	}
	if (ev->cmd == DPO_CMD_SAMPLE_NTF)
		kind = REC_SAMPLE;
	else if (ev->cmd == DPO_CMD_INSTANCE_EXIT_NTF ||
		 ev->cmd == DPO_CMD_INSTANCE_DEL_NTF)
		kind = REC_GONE;
	else
		return 0;
	if (strcmp(ev->instance.session, an->session))
		return 0;
	an->line++;
	if (feed(an, &ev->instance, kind)) {
		an->live_failed = true;
		an->live_done = true;
		return 1;
	}
	fflush(stdout);
	an->live_done = an->verdict != DPOCTL_V_NONE;
	return an->live_done;
}

/*
 * The same engine on the samples as the module sends them, until the
 * verdict, SIGINT or SIGTERM. Given the same samples, the same output as
 * analyzing a recording of them (dpoctl -j monitor).
 */
static int run_live(struct dpoctl_ctx *ctx, struct analyze *an)
{
	struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS];
	struct dpoctl_error err;
	struct dpoctl_client c;
	int ret, rc, n;

	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	ret = dpoctl_subscribe(&c, DPOCTL_GROUP_SAMPLES | DPOCTL_GROUP_EVENTS,
			       on_live_event, an, &err);
	if (ret) {
		dpoctl_client_close(&c);
		return dpoctl_result(ctx, ret, &err);
	}
	dpoctl_pairing_init(&an->pairing, an->session);
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_analyze_header();
	fflush(stdout);
	rc = dpoctl_receive_until(ctx, &c, &an->live_done);
	dpoctl_client_close(&c);
	if (rc)
		return rc;
	if (an->live_failed)
		return DPOCTL_EXIT_ERR;
	if (an->verdict == DPOCTL_V_NONE) {
		n = dpoctl_pairing_flush(&an->pairing, out);
		steps(an, out, n);
	}
	if (!an->started) {
		dpoctl_err("%s: no samples of session \"%s\"", ctx->what,
			   an->session);
		return DPOCTL_EXIT_UNDECIDED;
	}
	print_result(an);
	return exit_code(an->verdict);
}

int dpoctl_cmd_analyze(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct analyze *an;
	struct args a = { 0 };
	int rc;

	if (parse_args(ctx, argc, argv, &a))
		return DPOCTL_EXIT_USAGE;
	an = calloc(1, sizeof(*an));
	if (!an) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		return DPOCTL_EXIT_ERR;
	}
	if (dpoctl_settings_load(ctx, &a.settings, &an->cfg, NULL)) {
		free(an);
		return DPOCTL_EXIT_USAGE;
	}
	if (a.print_config) {
		dpoctl_config_write(stdout, &an->cfg, NULL);
		free(an);
		return DPOCTL_EXIT_OK;
	}
	if (a.live) {
		strcpy(an->session, a.session);
		an->fixed = true;
		an->name = "live";
		an->e = dpoctl_engine_new(&an->cfg);
		rc = an->e ? run_live(ctx, an) : DPOCTL_EXIT_ERR;
		if (!an->e)
			dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		dpoctl_engine_free(an->e);
		free(an);
		return rc;
	}
	if (!strcmp(a.input, "-")) {
		an->in = stdin;
		an->name = "stdin";
	} else {
		an->in = fopen(a.input, "r");
		an->name = a.input;
		if (!an->in) {
			dpoctl_err("%s: %s: %s", ctx->what, a.input,
				   strerror(errno));
			free(an);
			return DPOCTL_EXIT_ERR;
		}
	}
	an->e = dpoctl_engine_new(&an->cfg);
	an->tok = json_tokener_new();
	if (!an->e || !an->tok) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		rc = DPOCTL_EXIT_ERR;
	} else {
		json_tokener_set_flags(an->tok, JSON_TOKENER_STRICT);
		rc = run(ctx, &a, an);
	}
	if (an->tok)
		json_tokener_free(an->tok);
	if (an->e)
		dpoctl_engine_free(an->e);
	if (an->in != stdin)
		fclose(an->in);
	free(an);
	return rc;
}
