// SPDX-License-Identifier: GPL-2.0
/*
 * dpoctl patch end to end: an original dpo_patch_srv under a closed-loop
 * load (patch_load.c), patched by dpoctl patch with another dpo_patch_srv
 * (good, or with a regression injected), then judged and promoted or
 * rolled back while the clients keep working; dpoctl killed, interrupted
 * or overruled by an operator on the way.
 *
 * The same under 32 connections of the reference engine, for a good
 * build, CPU, page-fault and crash regressions and dpoctl killed while
 * observing, is e2e_test.c; this file keeps what is about dpoctl patch's
 * own behaviour: its outputs, canaries, operators, signals and failures.
 *
 * The "srv" tests check the fixture itself on the module without dpoctl
 * patch: the server's flags, and a handover done by hand (dpoctl session,
 * listener, owner and drain) under the same load. The "patch" tests are
 * skipped while dpoctl has no patch command.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <json.h>

#include "dpo_harness.h"
#include "patch_load.h"
#include "patch_util.h"

#define SRV		"dpo_patch_srv"
#define SESSION		"ptest"
#define INI		"/tmp/patch.ini"
#define LOG		"/tmp/patch.log"	/* --log */
#define OUT		"/tmp/patch.out"	/* dpoctl patch's stdout */
#define ERR		"/tmp/patch.err"
#define ALERTS		"/tmp/alerts"
#define PROM		"/tmp/patch.prom"	/* --metrics-file */

/* One request on @fd: the answering pid, or -errno (-ETIMEDOUT, -EPIPE). */
static int request(int fd, __u32 id, __u32 resp_len, int ms)
{
	static char buf[sizeof(struct pl_resp) + PL_MAX_RESP];
	struct pl_req q = { PL_MAGIC, id, resp_len, 0 };
	struct pl_resp *r = (struct pl_resp *)buf;
	int ret;

	if (send(fd, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q))
		return -errno;
	ret = read_within(fd, buf, sizeof(*r) + resp_len, ms);
	if (ret)
		return ret;
	if (r->magic != PL_MAGIC || r->id != id || r->resp_len != resp_len)
		return -EPROTO;
	return (int)r->pid;
}

/* Start dpo_patch_srv --port @port ARGS... and wait until it answers. */
static pid_t start_srv(unsigned short port, const char *const *args)
{
	const char *argv[MAX_ARGS] = { SRV, "--port" };
	char portstr[8];
	int i, n = 3, fd;
	pid_t pid;

	snprintf(portstr, sizeof(portstr), "%u", port);
	argv[2] = portstr;
	for (i = 0; args && args[i] && n < MAX_ARGS - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid = spawn(argv, NULL, NULL, -1);
	if (pid < 0)
		return pid;
	for (i = 0; i < 250; i++) {
		fd = connect_port(port);
		if (fd >= 0) {
			close(fd);
			return pid;
		}
		if (wait_exit(pid, 0) >= 0)
			return -ECHILD;
		sleep_ms(20);
	}
	kill_wait(&pid);
	return -ETIMEDOUT;
}

static const char *const ini_lat[] = { "lat_mean", NULL };

/* ---- the fixture of the dpoctl patch tests ---- */

static int have_patch = -1;

static bool patch_available(void)
{
	if (have_patch < 0)
		have_patch = dpoctl_quiet("patch", "--help", NULL) == 0;
	return have_patch;
}

#define NEED_PATCH() do {						\
	if (!patch_available())						\
		SKIP(return, "dpoctl has no patch command yet");	\
} while (0)

FIXTURE(patch) {
	unsigned short port;
	char portstr[8], origstr[16];
	pid_t orig;		/* our child */
	pid_t dpoctl;		/* dpoctl patch, our child */
	pid_t patched;		/* from the log: dpoctl patch's child */
	struct pl *pl;
	struct evlog log;
	__u64 t_exit;		/* CLOCK_MONOTONIC when dpoctl patch ended */
};

FIXTURE_SETUP(patch)
{
	unlink(LOG);
	unlink(OUT);
	unlink(ERR);
	unlink(ALERTS);
	unlink(PROM);
	self->port = free_port();
	ASSERT_NE(0, self->port);
	snprintf(self->portstr, sizeof(self->portstr), "%u", self->port);
	dpoctl_quiet("session", "del", SESSION, NULL);
}

FIXTURE_TEARDOWN(patch)
{
	teardown_begin(_metadata);
	kill_wait(&self->dpoctl);
	if (self->pl) {
		pl_free(self->pl);
		self->pl = NULL;
	}
	dpoctl_quiet("session", "del", SESSION, NULL);
	if (self->patched > 0 && !proc_gone(self->patched))
		kill(self->patched, SIGKILL);
	kill_wait(&self->orig);
	evlog_free(&self->log);
	if (_metadata->passed == 0 || getenv("DPO_PATCH_VERBOSE")) {
		char *s = slurp(ERR);

		if (s && *s)
			TH_LOG("dpoctl patch stderr:\n%s", s);
		free(s);
	}
}

/* Original with @orig_args, the load, then dpoctl patch (not waited for). */
static int begin(FIXTURE_DATA(patch) *self, const char *const *ini,
		 const char *const *orig_args, const char *const *opts,
		 const char *const *patched_args, int threads)
{
	struct pl_cfg cfg = {
		.port = self->port, .threads = threads,
		.reconnect_every = 20, .resp_len = 256,
	};
	const char *argv[MAX_ARGS] = {
		"dpoctl", "patch", SESSION, "--pid", NULL, "--port",
		self->portstr, "--config", INI, "--baseline", "4",
		"--duration", "3", "--log", LOG,
		"--alert-exec", "cat >> " ALERTS,
	};
	int n = 17, i, ret;

	ret = write_ini(INI, ini);
	if (ret)
		return ret;
	self->orig = start_srv(self->port, orig_args);
	if (self->orig < 0)
		return self->orig;
	snprintf(self->origstr, sizeof(self->origstr), "%d", self->orig);
	argv[4] = self->origstr;
	self->pl = pl_start(&cfg);
	if (!self->pl)
		return -errno;
	for (i = 0; opts && opts[i] && n < MAX_ARGS - 8; i++)
		argv[n++] = opts[i];
	argv[n++] = "--";
	argv[n++] = SRV;
	for (i = 0; patched_args && patched_args[i] && n < MAX_ARGS - 1; i++)
		argv[n++] = patched_args[i];
	argv[n] = NULL;
	self->dpoctl = spawn(argv, OUT, ERR, -1);
	return self->dpoctl < 0 ? self->dpoctl : 0;
}

/* Wait for dpoctl patch's exit status; note the patched pid and the time. */
static int finish(FIXTURE_DATA(patch) *self, int ms)
{
	int rc = wait_exit(self->dpoctl, ms);
	int i;

	if (rc < 0)
		return rc;
	self->dpoctl = 0;
	self->t_exit = now_ns();
	evlog_load(&self->log, LOG);
	i = evlog_find(&self->log, 0, "patched", NULL);
	if (i >= 0)
		self->patched = jint(self->log.ev[i], "pid", 0);
	return rc;
}

/* The patched pid once the log names it (within @ms), else 0. */
static pid_t patched_pid(FIXTURE_DATA(patch) *self, int ms)
{
	__u64 end = now_ns() + ms * 1000000ull;

	do {
		int i;

		evlog_load(&self->log, LOG);
		i = evlog_find(&self->log, 0, "patched", NULL);
		if (i >= 0)
			return self->patched = jint(self->log.ev[i], "pid", 0);
		sleep_ms(20);
	} while (now_ns() < end);
	return 0;
}

static void log_load_stats(struct __test_metadata *_metadata,
			   FIXTURE_DATA(patch) *self, struct pl_stats *st)
{
	char buf[512];

	pl_stats(self->pl, st);
	pl_format(st, buf, sizeof(buf));
	TH_LOG("load: %s", buf);
}

static void log_events(struct __test_metadata *_metadata,
		       const struct evlog *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		const char *e = jstr(l->ev[i], "event");

		if (streq(e, "verdict") || streq(e, "summary") ||
		    streq(e, "error") || streq(e, "operator"))
			TH_LOG("%s", json_object_to_json_string(l->ev[i]));
	}
}

/* The verdict event's field @key, or "". */
static const char *verdict_field(const struct evlog *l, const char *key)
{
	int i = evlog_find(l, 0, "verdict", NULL);

	return i < 0 ? "" : (jstr(l->ev[i], key) ?: "");
}

/* After the end: new connections reach @pid only (load for a while). */
static void expect_new_conns_to(struct __test_metadata *_metadata,
				FIXTURE_DATA(patch) *self, pid_t pid)
{
	__u64 t = now_ns();

	sleep_ms(1500);
	EXPECT_LT(0, pl_conns_since(self->pl, t, pid));
	EXPECT_EQ(0, pl_conns_since_not(self->pl, t, pid));
}

/* Every line of the log: a JSON object with the common fields. */
static void expect_log_well_formed(struct __test_metadata *_metadata,
				   const struct evlog *l)
{
	int i;

	EXPECT_EQ(0, l->bad) {
		TH_LOG("line %d of the log is not a JSON object", l->bad_line);
	}
	for (i = 0; i < l->n; i++) {
		json_object *e = l->ev[i];
		const char *time = jstr(e, "time");

		EXPECT_TRUE(jstr(e, "event") && time && jhas(e, "mono_ns") &&
			    jhas(e, "t") && streq(jstr(e, "session"), SESSION)) {
			TH_LOG("event %d: %s", i, json_object_to_json_string(e));
		}
		/* ISO 8601 UTC: 2026-01-02T03:04:05[.fff]Z */
		EXPECT_TRUE(time && strlen(time) >= 20 && time[10] == 'T' &&
			    time[strlen(time) - 1] == 'Z') {
			TH_LOG("time '%s'", time ?: "(none)");
		}
	}
	EXPECT_LE(0, evlog_find(l, 0, "start", NULL));
	EXPECT_LE(0, evlog_find(l, 0, "summary", NULL));
}

/* Phases 1-4 of @action started and ended, the ends with durations. */
static void expect_phases(struct __test_metadata *_metadata,
			  const struct evlog *l, const char *action)
{
	static const char *const names[] = { "switch", "drain", "stop", "end" };
	int i, s, e;

	for (i = 0; i < 4; i++) {
		s = evlog_phase(l, action, names[i], "start");
		e = evlog_phase(l, action, names[i], "end");
		EXPECT_LE(0, s) {
			TH_LOG("no %s phase %s start", action, names[i]);
		}
		EXPECT_LE(0, e) {
			TH_LOG("no %s phase %s end", action, names[i]);
		}
		if (s < 0 || e < 0)
			continue;
		EXPECT_LT(s, e);
		EXPECT_EQ(i + 1, jint(l->ev[e], "phase", -1));
		EXPECT_LE(0, jint(l->ev[e], "duration_ms", -1));
		EXPECT_LE(0, jint(l->ev[e], "since_decision_ms", -1));
	}
}

/* The summary's exit_code is @rc. */
static void expect_summary(struct __test_metadata *_metadata,
			   const struct evlog *l, int rc)
{
	int i = evlog_find(l, 0, "summary", NULL);

	EXPECT_LE(0, i);
	if (i >= 0)
		EXPECT_EQ(rc, jint(l->ev[i], "exit_code", -1));
}

/* The original's base load: 2 ms per request keeps its latency steady. */
static const char *const base[] = { "--delay-us", "2000", NULL };

TEST_F_TIMEOUT(patch, latency_regression_rolled_back, 180)
{
	const char *const slow[] = { "--delay-us", "20000", NULL };
	struct evlog alerts = { 0 }, out = { 0 };
	const char *metric;
	struct pl_stats st;
	__u64 t_switch;
	int rc, i;

	NEED_PATCH();
	const char *const opts[] = { "--metrics-file", PROM, NULL };
	json_object *rec, *ms, *m;
	char *prom;

	ASSERT_EQ(0, begin(self, ini_lat, base, opts, slow, 4));
	rc = finish(self, 90000);
	log_events(_metadata, &self->log);
	log_load_stats(_metadata, self, &st);
	ASSERT_EQ(3, rc);
	EXPECT_STREQ("rollback", verdict_field(&self->log, "verdict"));
	metric = verdict_field(&self->log, "metric");
	EXPECT_TRUE(streq(metric, "lat_mean") || streq(metric, "lat_p50") ||
		    streq(metric, "lat_p99")) {
		TH_LOG("metric '%s'", metric);
	}
	ASSERT_LT(0, self->patched);
	EXPECT_TRUE(wait_gone(self->patched, 5000));
	EXPECT_FALSE(proc_gone(self->orig));
	EXPECT_EQ(0, st.failed);

	/* no connection made after the switch reached the patched instance */
	i = evlog_phase(&self->log, "rollback", "switch", "end");
	ASSERT_LE(0, i);
	t_switch = jint(self->log.ev[i], "mono_ns", 0);
	ASSERT_LT(0, t_switch);
	EXPECT_EQ(0, pl_conns_since(self->pl, t_switch, self->patched));
	expect_new_conns_to(_metadata, self, self->orig);

	expect_log_well_formed(_metadata, &self->log);
	expect_phases(_metadata, &self->log, "rollback");
	expect_summary(_metadata, &self->log, 3);
	/* stdout is not a terminal: the same JSON lines */
	evlog_load(&out, OUT);
	EXPECT_EQ(0, out.bad);
	EXPECT_EQ(self->log.n, out.n);
	evlog_free(&out);
	/* the alert command got the verdict and the summary */
	ASSERT_EQ(0, evlog_load(&alerts, ALERTS));
	EXPECT_EQ(0, alerts.bad);
	EXPECT_LE(0, evlog_find(&alerts, 0, "verdict", "verdict", "rollback",
				NULL));
	EXPECT_LE(0, evlog_find(&alerts, 0, "summary", NULL));
	evlog_free(&alerts);
	/* the decision record: the metric's values and both thresholds */
	i = evlog_find(&self->log, 0, "verdict", NULL);
	ASSERT_LE(0, i);
	EXPECT_TRUE(json_object_object_get_ex(self->log.ev[i], "record", &rec) &&
		    json_object_object_get_ex(rec, "metrics", &ms) &&
		    json_object_object_get_ex(ms, metric, &m) &&
		    jhas(m, "patched") && jhas(m, "original") &&
		    jhas(m, "threshold_baseline") &&
		    jhas(m, "threshold_original")) {
		TH_LOG("verdict: %s", json_object_to_json_string(self->log.ev[i]));
	}
	/* the metrics file, as it ended (promtool checks the format on the host) */
	prom = slurp(PROM);
	ASSERT_NE(NULL, prom);
	EXPECT_NE(NULL, strstr(prom, "dpo_patch_phase{session=\"" SESSION
			       "\",phase=\"done\"} 1")) {
		TH_LOG("%s", prom);
	}
	EXPECT_NE(NULL, strstr(prom, "dpo_patch_verdict{session=\"" SESSION
			       "\",verdict=\"rollback\"} 1"));
	EXPECT_NE(NULL, strstr(prom, "metric=\"lat_mean\",role=\"patched\""));
	free(prom);
}

/*
 * dpoctl patch SIGKILLed at @phase (NULL: during the observation): the
 * module gives the listeners back to the original (the claim's socket
 * closed); dpoctl rollback then finishes the job.
 */
static void killed_then_rollback(struct __test_metadata *_metadata,
				 FIXTURE_DATA(patch) *self, const char *phase,
				 const char *const *patched_args)
{
	const char *const opts[] = { "--drain-deadline", "10s", NULL };
	char owner[32];
	struct pl_stats st;
	__u64 t_kill;
	int i;

	ASSERT_EQ(0, begin(self, ini_lat, base, opts, patched_args, 12));
	ASSERT_TRUE(wait_event(&self->log, LOG, self->dpoctl, phase,
			       phase ? "start" : NULL, 90000)) {
		evlog_load(&self->log, LOG);
		log_events(_metadata, &self->log);
	}
	if (!phase)
		sleep_ms(500);	/* well into the observation */
	ASSERT_LT(0, patched_pid(self, 1000));
	kill(self->dpoctl, SIGKILL);
	t_kill = now_ns();
	ASSERT_EQ(128 + SIGKILL, wait_exit(self->dpoctl, 5000));
	self->dpoctl = 0;
	evlog_load(&self->log, LOG);
	if (phase && evlog_phase(&self->log, "rollback", phase, "end") >= 0)
		TH_LOG("note: the %s phase ended before the kill", phase);

	/* generous for slow guests: one interval is 100 ms */
	for (i = 0; i < 50; i++) {
		if (streq(session_owner(owner, sizeof(owner), SESSION),
			  "original"))
			break;
		sleep_ms(100);
	}
	EXPECT_STREQ("original", owner);
	TH_LOG("owner original %.0f ms after the kill",
	       (now_ns() - t_kill) / 1e6);

	EXPECT_EQ(0, dpoctl(NULL, "rollback", SESSION, "--drain-deadline",
			    "10s", NULL));
	EXPECT_TRUE(wait_gone(self->patched, 5000));
	EXPECT_FALSE(proc_gone(self->orig));
	EXPECT_STREQ("", session_owner(owner, sizeof(owner), SESSION));
	expect_new_conns_to(_metadata, self, self->orig);
	log_load_stats(_metadata, self, &st);
	EXPECT_EQ(0, st.failed);
}

/* A slow patch rolled back: its busy connections keep the drain going. */
TEST_F_TIMEOUT(patch, killed_in_drain, 180)
{
	const char *const slow[] = { "--delay-us", "1000000", NULL };

	NEED_PATCH();
	killed_then_rollback(_metadata, self, "drain", slow);
}

/* A good patch under the base load, half a second into its observation. */
static void observing(struct __test_metadata *_metadata,
		      FIXTURE_DATA(patch) *self)
{
	ASSERT_EQ(0, begin(self, ini_lat, base, NULL, base, 4));
	ASSERT_TRUE(wait_event(&self->log, LOG, self->dpoctl, NULL, NULL,
			       90000));
	sleep_ms(500);
	ASSERT_LT(0, patched_pid(self, 1000));
}

/* dpoctl @action from another process during the observation. */
static void operator_action(struct __test_metadata *_metadata,
			    FIXTURE_DATA(patch) *self, const char *action,
			    int want_rc)
{
	struct pl_stats st;
	int rc;

	observing(_metadata, self);
	EXPECT_EQ(0, dpoctl(NULL, action, SESSION, NULL));
	rc = finish(self, 30000);
	log_events(_metadata, &self->log);
	log_load_stats(_metadata, self, &st);
	EXPECT_EQ(want_rc, rc);
	EXPECT_LE(0, evlog_find(&self->log, 0, "operator", "action", action,
				NULL));
	/* following the operator's phases is not an error (it claimed a
	 * session the operator had ended: "no such session")
	 */
	EXPECT_GT(0, evlog_find(&self->log, 0, "error", NULL));
	EXPECT_EQ(0, st.failed);
}

/* A canary ramp: each step held 2 s, then promoted. */
TEST_F_TIMEOUT(patch, canary_ramp_promoted, 180)
{
	const char *const opts[] = { "--exposure", "canary:20,50", "--step",
				     "2s", "--promote-after", "8", NULL };
	struct pl_stats st;
	int rc, i, j;

	NEED_PATCH();
	ASSERT_EQ(0, begin(self, ini_lat, base, opts, base, 4));
	rc = finish(self, 90000);
	log_events(_metadata, &self->log);
	log_load_stats(_metadata, self, &st);
	ASSERT_EQ(0, rc);
	i = evlog_find(&self->log, 0, "exposure", "owner", "canary", NULL);
	ASSERT_LE(0, i);
	EXPECT_EQ(20, jint(self->log.ev[i], "canary_pct", -1));
	j = evlog_find(&self->log, i + 1, "exposure", "owner", "canary", NULL);
	ASSERT_LT(i, j);
	EXPECT_EQ(50, jint(self->log.ev[j], "canary_pct", -1));
	/* the patched instance took some of the connections, not all */
	EXPECT_LT(0, pl_pid_ok(self->pl, self->patched));
	EXPECT_LE(0, wait_exit(self->orig, 5000));
	self->orig = 0;
	expect_new_conns_to(_metadata, self, self->patched);
	expect_phases(_metadata, &self->log, "promote");
	EXPECT_EQ(0, st.failed);
}

/* The original dies: the patched instance is kept as the only server. */
TEST_F_TIMEOUT(patch, original_died_patched_kept, 180)
{
	char owner[32];
	struct pl_stats st;
	int rc;

	NEED_PATCH();
	observing(_metadata, self);
	kill(self->orig, SIGKILL);
	rc = finish(self, 30000);
	log_events(_metadata, &self->log);
	log_load_stats(_metadata, self, &st);
	EXPECT_EQ(6, rc);
	EXPECT_STREQ("original_died", verdict_field(&self->log, "trigger"));
	EXPECT_FALSE(proc_gone(self->patched));
	EXPECT_STREQ("", session_owner(owner, sizeof(owner), SESSION));
	expect_new_conns_to(_metadata, self, self->patched);
	expect_summary(_metadata, &self->log, 6);
}

/* A patched command that cannot run: exit 2, the session gone, nothing else. */
TEST_F_TIMEOUT(patch, missing_command_changes_nothing, 120)
{
	char owner[32], *err;
	const char *argv[] = {
		"dpoctl", "patch", SESSION, "--pid", NULL, "--port",
		self->portstr, "--config", INI, "--baseline", "4",
		"--log", LOG, "--", "/nonexistent/dpo-patched", NULL,
	};
	struct pl_stats st;
	int rc;

	NEED_PATCH();
	ASSERT_EQ(0, write_ini(INI, ini_lat));
	self->orig = start_srv(self->port, base);
	ASSERT_LT(0, self->orig);
	snprintf(self->origstr, sizeof(self->origstr), "%d", self->orig);
	argv[4] = self->origstr;
	{
		struct pl_cfg cfg = { .port = self->port, .threads = 4,
				      .reconnect_every = 20, .resp_len = 256 };

		self->pl = pl_start(&cfg);
		ASSERT_NE(NULL, self->pl);
	}
	self->dpoctl = spawn(argv, OUT, ERR, -1);
	ASSERT_LT(0, self->dpoctl);
	rc = wait_exit(self->dpoctl, 60000);
	self->dpoctl = 0;
	EXPECT_EQ(2, rc);
	err = slurp(ERR);
	EXPECT_TRUE(err && strstr(err, "cannot run /nonexistent/dpo-patched: No such file or directory")) {
		TH_LOG("stderr: %s", err ?: "");
	}
	free(err);
	EXPECT_STREQ("", session_owner(owner, sizeof(owner), SESSION));
	expect_new_conns_to(_metadata, self, self->orig);
	log_load_stats(_metadata, self, &st);
	EXPECT_EQ(0, st.failed);
}

/*
 * Promoted with the original kept idle as a warm fallback, then an
 * operator rolls back during it: the original serves again, dpoctl patch
 * follows (exit 4) and does not hand the listeners to the patched
 * instance as it exits.
 */
TEST_F_TIMEOUT(patch, warm_fallback_rolled_back, 180)
{
	/* promoted by time, whatever the slow guest's noise: no rule can fire */
	const char *const opts[] = { "--promote-after", "8",
				     "--keep-original", "60s",
				     "--set", "lat_mean.deviation_pct=1000",
				     "--set", "lat_mean.sequential=no", NULL };
	char owner[32];
	struct pl_stats st;
	int rc;

	NEED_PATCH();
	ASSERT_EQ(0, begin(self, ini_lat, base, opts, base, 4));
	ASSERT_TRUE(wait_event(&self->log, LOG, self->dpoctl, "drain", "end",
			       90000)) {
		evlog_load(&self->log, LOG);
		log_events(_metadata, &self->log);
	}
	ASSERT_LT(0, patched_pid(self, 1000));
	EXPECT_STREQ("patched", session_owner(owner, sizeof(owner), SESSION));
	EXPECT_EQ(0, dpoctl(NULL, "rollback", SESSION, NULL));
	rc = finish(self, 30000);
	log_events(_metadata, &self->log);
	log_load_stats(_metadata, self, &st);
	EXPECT_EQ(4, rc);
	EXPECT_TRUE(wait_gone(self->patched, 5000));
	EXPECT_FALSE(proc_gone(self->orig));
	EXPECT_STREQ("", session_owner(owner, sizeof(owner), SESSION));
	expect_new_conns_to(_metadata, self, self->orig);
	EXPECT_EQ(0, st.failed);
}

TEST_F_TIMEOUT(patch, operator_rollback, 180)
{
	NEED_PATCH();
	operator_action(_metadata, self, "rollback", 4);
	EXPECT_TRUE(wait_gone(self->patched, 5000));
	EXPECT_FALSE(proc_gone(self->orig));
}

TEST_F_TIMEOUT(patch, operator_promote, 180)
{
	NEED_PATCH();
	operator_action(_metadata, self, "promote", 0);
	EXPECT_LE(0, wait_exit(self->orig, 5000));
	self->orig = 0;
	EXPECT_FALSE(proc_gone(self->patched));
}

TEST_F_TIMEOUT(patch, sigterm_rolls_back, 180)
{
	struct pl_stats st;
	int rc;

	NEED_PATCH();
	observing(_metadata, self);
	kill(self->dpoctl, SIGTERM);
	rc = finish(self, 30000);
	log_events(_metadata, &self->log);
	log_load_stats(_metadata, self, &st);
	EXPECT_EQ(4, rc);
	EXPECT_STREQ("signal", verdict_field(&self->log, "trigger"));
	EXPECT_TRUE(wait_gone(self->patched, 5000));
	EXPECT_FALSE(proc_gone(self->orig));
	expect_phases(_metadata, &self->log, "rollback");
	EXPECT_EQ(0, st.failed);
}

/* ---- the fixture alone ---- */

FIXTURE(srv) {
	unsigned short port;
	pid_t pid[2];
	struct pl *pl;
};

FIXTURE_SETUP(srv)
{
	self->port = free_port();
	ASSERT_NE(0, self->port);
	dpoctl_quiet("session", "del", SESSION, NULL);
}

FIXTURE_TEARDOWN(srv)
{
	teardown_begin(_metadata);
	if (self->pl)
		pl_free(self->pl);
	dpoctl_quiet("session", "del", SESSION, NULL);
	kill_wait(&self->pid[0]);
	kill_wait(&self->pid[1]);
}

static int run_srv(const char *const *argv)
{
	pid_t pid = spawn(argv, "/dev/null", "/dev/null", -1);

	return pid < 0 ? -1 : wait_exit(pid, 5000);
}

TEST_F(srv, usage)
{
	const char *const help[] = { SRV, "--help", NULL };
	const char *const bad[] = { SRV, "--frobnicate", NULL };
	const char *const badnum[] = { SRV, "--delay-us", "12x", NULL };
	const char *const neg[] = { SRV, "--port", "-1", NULL };
	const char *const none[] = { SRV, NULL };
	const char *const extra[] = { SRV, "--port", "1", "foo", NULL };

	EXPECT_EQ(0, run_srv(help));
	EXPECT_EQ(2, run_srv(bad));
	EXPECT_EQ(2, run_srv(badnum));
	EXPECT_EQ(2, run_srv(neg));
	EXPECT_EQ(2, run_srv(none));
	EXPECT_EQ(2, run_srv(extra));
}

/* Per request: CPU, minor faults, memory growth; then hang and crash. */
TEST_F(srv, injected_work)
{
	const char *const work[] = { "--cpu-us", "2000", "--fault-kb", "256",
				     "--grow-kb", "256", "--hang-after", "50",
				     NULL };
	const char *const crash[] = { "--crash-after", "5", NULL };
	struct proc_stat a, b;
	long tck = sysconf(_SC_CLK_TCK);
	int fd, i, pid, rc;

	self->pid[0] = start_srv(self->port, work);
	ASSERT_LT(0, self->pid[0]);
	fd = connect_port(self->port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(self->pid[0], request(fd, 0, 100, 5000));
	ASSERT_EQ(0, proc_stat_read(self->pid[0], &a));
	for (i = 1; i < 50; i++)
		ASSERT_EQ(self->pid[0], request(fd, i, 1000, 5000));
	ASSERT_EQ(0, proc_stat_read(self->pid[0], &b));
	TH_LOG("49 requests: %llu minor faults, %llu ticks, RSS +%llu KiB",
	       b.minflt - a.minflt, b.utime + b.stime - a.utime - a.stime,
	       (b.rss_pages - a.rss_pages) * getpagesize() / 1024);
	/* 512 KiB touched per request: 128 faults */
	EXPECT_LE(49 * 128 * 9 / 10, b.minflt - a.minflt);
	/* 98 ms of CPU at least */
	EXPECT_LE(98 * tck / 1000 * 8 / 10,
		  b.utime + b.stime - a.utime - a.stime);
	/* 49 x 256 KiB leaked */
	EXPECT_LE(49 * 256 * 8 / 10,
		  (b.rss_pages - a.rss_pages) * getpagesize() / 1024);
	/* the 51st is never answered, on any connection */
	EXPECT_EQ(-ETIMEDOUT, request(fd, 50, 0, 500));
	close(fd);
	fd = connect_port(self->port);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ETIMEDOUT, request(fd, 51, 0, 500));
	/* SIGTERM: the hung requests hold it for the grace period only */
	kill(self->pid[0], SIGTERM);
	rc = wait_exit(self->pid[0], 3000);
	EXPECT_EQ(0, rc);
	if (rc >= 0)
		self->pid[0] = 0;
	close(fd);

	self->pid[1] = start_srv(self->port, crash);
	ASSERT_LT(0, self->pid[1]);
	fd = connect_port(self->port);
	ASSERT_LE(0, fd);
	for (i = 0; i < 5; i++) {
		pid = request(fd, i, 10, 5000);
		EXPECT_EQ(self->pid[1], pid);
	}
	EXPECT_EQ(128 + SIGABRT, wait_exit(self->pid[1], 5000));
	self->pid[1] = 0;
	close(fd);
}

/*
 * SIGTERM under load: the request in flight answered, nothing failed, exit
 * 0 (clients whose connection was queued but not accepted are reset: the
 * server never read their request, they retry).
 */
TEST_F(srv, sigterm_under_load)
{
	const char *const args[] = { "--delay-us", "200000", NULL };
	struct pl_cfg cfg = { .port = self->port, .threads = 4,
			      .reconnect_every = 3, .resp_len = 4096 };
	struct pl_req q = { PL_MAGIC, 2, 0, 0 };
	struct pl_resp r;
	struct pl_stats st;
	char buf[512];
	int rc, fd;
	__u64 t;

	self->pid[0] = start_srv(self->port, args);
	ASSERT_LT(0, self->pid[0]);
	self->pl = pl_start(&cfg);
	ASSERT_NE(NULL, self->pl);
	/* one request of our own surely in flight at the signal */
	fd = connect_port(self->port);
	ASSERT_LE(0, fd);
	ASSERT_EQ(self->pid[0], request(fd, 1, 10, 5000));
	sleep_ms(1100);
	ASSERT_EQ(sizeof(q), send(fd, &q, sizeof(q), MSG_NOSIGNAL));
	sleep_ms(50);
	t = now_ns();
	kill(self->pid[0], SIGTERM);
	/* answered, then closed */
	ASSERT_EQ(0, read_within(fd, &r, sizeof(r), 5000));
	EXPECT_EQ(2, r.id);
	EXPECT_EQ(self->pid[0], r.pid);
	EXPECT_EQ(-EPIPE, read_within(fd, &r, 1, 5000));
	close(fd);
	rc = wait_exit(self->pid[0], 5000);
	EXPECT_EQ(0, rc);
	if (rc >= 0)
		self->pid[0] = 0;
	TH_LOG("exited %.0f ms after SIGTERM", (now_ns() - t) / 1e6);
	EXPECT_GT(1500, (now_ns() - t) / 1000000);
	/* before the clients' 2 s of connect retries run out */
	pl_stop(self->pl);
	pl_stats(self->pl, &st);
	pl_format(&st, buf, sizeof(buf));
	TH_LOG("load: %s", buf);
	EXPECT_LT(0, st.ok);
	EXPECT_EQ(0, st.failed);
}

static int pidfd_getfd_of(pid_t pid, int target)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), fd;

	if (pidfd < 0)
		return -errno;
	fd = syscall(SYS_pidfd_getfd, pidfd, target, 0);
	if (fd < 0)
		fd = -errno;
	close(pidfd);
	return fd;
}

/* The listening socket of @pid (a copy in our table), or -errno. */
static int steal_listener(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int fd = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (fd == -ENOENT && (d = readdir(dir))) {
		int acc = 0, cfd;
		socklen_t len = sizeof(acc);

		if (d->d_name[0] == '.')
			continue;
		cfd = pidfd_getfd_of(pid, atoi(d->d_name));
		if (cfd < 0)
			continue;
		if (!getsockopt(cfd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) &&
		    acc)
			fd = cfd;
		else
			close(cfd);
	}
	closedir(dir);
	return fd;
}

/*
 * What dpoctl patch does, by hand: the listener handed to a socket-activated
 * patched server, both serving; then the original owns new connections and
 * the patched one is drained: no new connection reaches it, no request
 * fails (those on drained connections are retried), SIGTERM ends it.
 */
TEST_F_TIMEOUT(srv, handover_by_hand, 120)
{
	const char *const argv[] = { SRV, "--delay-us", "2000", NULL };
	struct pl_cfg cfg = { .port = self->port, .threads = 6,
			      .reconnect_every = 500, .resp_len = 256 };
	char o[16], p[16], portstr[8], buf[512], *drain;
	struct pl_stats st;
	__u64 t;
	int lfd, i, rc;

	self->pid[0] = start_srv(self->port, argv + 1);
	ASSERT_LT(0, self->pid[0]);
	snprintf(o, sizeof(o), "%d", self->pid[0]);
	snprintf(portstr, sizeof(portstr), "%u", self->port);
	ASSERT_EQ(0, dpoctl(NULL, "session", "new", SESSION, NULL));
	ASSERT_EQ(0, dpoctl(NULL, "instance", "add", SESSION, o, "original",
			    NULL));
	ASSERT_EQ(0, dpoctl(NULL, "listener", "add", SESSION, o, "port",
			    portstr, NULL));

	lfd = steal_listener(self->pid[0]);
	ASSERT_LE(0, lfd);
	self->pid[1] = spawn(argv, NULL, NULL, lfd);
	close(lfd);
	ASSERT_LT(0, self->pid[1]);
	snprintf(p, sizeof(p), "%d", self->pid[1]);
	ASSERT_EQ(0, dpoctl(NULL, "instance", "add", SESSION, p, "patched",
			    NULL));
	/* every client on the patched instance, for long: the drain has work */
	ASSERT_EQ(0, dpoctl(NULL, "session", "owner", SESSION, "patched",
			    NULL));
	self->pl = pl_start(&cfg);
	ASSERT_NE(NULL, self->pl);
	for (i = 0; i < 100 && pl_pid_ok(self->pl, self->pid[1]) < 50; i++)
		sleep_ms(100);
	ASSERT_LE(50, pl_pid_ok(self->pl, self->pid[1]));

	ASSERT_EQ(0, dpoctl(NULL, "session", "owner", SESSION, "original",
			    NULL));
	t = now_ns();
	ASSERT_EQ(0, dpoctl("/tmp/patch.drain", "drain", SESSION, "patched",
			    "--deadline", "10s", "--wait", NULL));
	sleep_ms(1000);
	EXPECT_EQ(0, pl_conns_since(self->pl, t, self->pid[1]));
	EXPECT_LT(0, pl_conns_since(self->pl, t, self->pid[0]));
	kill(self->pid[1], SIGTERM);
	rc = wait_exit(self->pid[1], 3000);
	EXPECT_EQ(0, rc);
	if (rc >= 0)
		self->pid[1] = 0;
	sleep_ms(500);
	pl_stop(self->pl);
	pl_stats(self->pl, &st);
	pl_format(&st, buf, sizeof(buf));
	TH_LOG("load: %s", buf);
	EXPECT_EQ(0, st.failed);
	EXPECT_LT(0, st.retried);
	drain = slurp("/tmp/patch.drain");
	TH_LOG("drain: %s", drain ?: "?");
	free(drain);
}

TEST_HARNESS_MAIN
