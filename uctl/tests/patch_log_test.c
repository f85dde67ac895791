// SPDX-License-Identifier: GPL-2.0
/* Tests of patch_log.c: the lines, the file, and the alert command. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "patch_log.h"
#include "test.h"

static char dir[] = "/tmp/dpoctl-patch-log-test.XXXXXX";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

static char *path_of(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);

	return fd < 0 ? strdup("") : read_fd(fd);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Where fd @fd goes while captured, and where it went before. */
struct capture {
	int fd, saved, tmp;
};

static void capture_start(struct capture *c, int fd)
{
	char name[] = "/tmp/dpoctl-patch-log-cap.XXXXXX";

	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	c->saved = dup(fd);
	c->tmp = mkstemp(name);
	unlink(name);
	dup2(c->tmp, fd);
}

static char *capture_end(struct capture *c)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	return read_fd(c->tmp);
}

static json_object *event(const char *name)
{
	json_object *ev = json_object_new_object();

	json_object_object_add(ev, "event", json_object_new_string(name));
	return ev;
}

static struct dpoctl_patch_log *open_log(const char *path, const char *alert)
{
	struct dpoctl_patch_log_cfg cfg = {
		.session = "web", .path = path, .alert_exec = alert,
		.t0_ns = now_ns(),
	};
	struct dpoctl_patch_log *log;
	char why[256];

	if (dpoctl_patch_log_open(&log, &cfg, why, sizeof(why))) {
		printf("# open %s: %s\n", path ? path : "(none)", why);
		return NULL;
	}
	return log;
}

/*
 * @n alerting events with @cmd as the alert command, then a close waiting
 * @wait_ms: what went to stderr (free it), and how long the first event and
 * the close took (NULL: not wanted).
 */
static char *alerts(const char *cmd, int n, int wait_ms, uint64_t *ev_ns,
		    uint64_t *close_ns)
{
	struct dpoctl_patch_log *log = open_log(NULL, cmd);
	struct capture err;
	uint64_t t;
	int i;

	capture_start(&err, STDERR_FILENO);
	for (i = 0; i < n; i++) {
		t = now_ns();
		dpoctl_patch_log_event(log, event("rollback"), LOG_ALERT, true);
		if (ev_ns && !i)
			*ev_ns = now_ns() - t;
	}
	t = now_ns();
	dpoctl_patch_log_close(log, wait_ms);
	if (close_ns)
		*close_ns = now_ns() - t;
	return capture_end(&err);
}

/* "2026-12-06T19:40:01.123Z" */
static bool iso_time(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t i;

	if (strlen(s) != strlen(shape))
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return false;
	return true;
}

static void test_lines(void)
{
	struct dpoctl_patch_log_cfg cfg = {
		.session = "we\"b", .path = path_of("log.jsonl"),
		.use_syslog = true, .t0_ns = now_ns() - 1500000000ULL,
	};
	struct dpoctl_patch_log *log;
	char keys[128] = "", why[256];
	json_object *ev, *o, *v;
	char *text, *second;
	const char *t;

	check_int("open", dpoctl_patch_log_open(&log, &cfg, why, sizeof(why)), 0);
	ev = event("start");
	json_object_object_add(ev, "pid", json_object_new_int(42));
	dpoctl_patch_log_event(log, ev, LOG_INFO, false);
	ev = event("other");
	json_object_object_add(ev, "time", json_object_new_string("bogus"));
	json_object_object_add(ev, "session", json_object_new_string("bogus"));
	dpoctl_patch_log_event(log, ev, LOG_NOTICE, false);
	dpoctl_patch_log_close(log, 0);

	text = slurp(cfg.path);
	check_int("two lines", count_lines(text), 2);
	o = json_tokener_parse(text);
	result(o != NULL, "the first line parses");
	json_object_object_foreach(o, key, val) {
		(void)val;
		strcat(keys, key);
		strcat(keys, ",");
	}
	check_str("the stamps first, then the caller's keys", keys,
		  "time,mono_ns,t,session,event,pid,");
	json_object_object_get_ex(o, "time", &v);
	result(iso_time(json_object_get_string(v)), "time: ISO 8601 UTC, ms (%s)",
	       json_object_get_string(v));
	json_object_object_get_ex(o, "t", &v);
	result(json_object_get_double(v) >= 1.5 &&
	       json_object_get_double(v) < 10, "t: seconds since t0");
	t = strstr(text, "\"t\":");
	result(t && strchr(t, '.') && strchr(t, '.')[4] == ',',
	       "t: three decimals");
	json_object_object_get_ex(o, "mono_ns", &v);
	result(json_object_get_int64(v) > 0, "mono_ns");
	json_object_object_get_ex(o, "session", &v);
	check_str("session, escaped and back", json_object_get_string(v), "we\"b");
	json_object_object_get_ex(o, "pid", &v);
	check_int("the caller's key", json_object_get_int(v), 42);
	json_object_put(o);

	second = strchr(text, '\n') + 1;
	o = json_tokener_parse(second);
	json_object_object_get_ex(o, "time", &v);
	result(iso_time(json_object_get_string(v)),
	       "the caller's \"time\" is dropped");
	json_object_object_get_ex(o, "session", &v);
	check_str("... and its \"session\"", json_object_get_string(v), "we\"b");
	json_object_put(o);
	free(text);

	/* appended, not truncated */
	check_int("reopen", dpoctl_patch_log_open(&log, &cfg, why, sizeof(why)), 0);
	dpoctl_patch_log_event(log, event("again"), LOG_INFO, false);
	dpoctl_patch_log_close(log, 0);
	text = slurp(cfg.path);
	check_int("appended: three lines", count_lines(text), 3);
	free(text);

	/* without a log, the event is dropped (and freed) */
	dpoctl_patch_log_event(NULL, event("nowhere"), LOG_INFO, false);
}

static void test_open_errors(void)
{
	struct dpoctl_patch_log_cfg cfg = { .session = "web" };
	struct dpoctl_patch_log *log = (void *)1;
	char why[256], want[256];

	cfg.path = "/nonexistent-dpoctl-dir/log.jsonl";
	check_int("missing directory: -ENOENT",
		  dpoctl_patch_log_open(&log, &cfg, why, sizeof(why)), -ENOENT);
	check_str("... the reason", why,
		  "cannot open the log /nonexistent-dpoctl-dir/log.jsonl: No such file or directory");
	result(log == NULL, "... no log");
	cfg.path = dir;
	snprintf(want, sizeof(want), "cannot open the log %s: Is a directory", dir);
	check_int("a directory: -EISDIR",
		  dpoctl_patch_log_open(&log, &cfg, why, sizeof(why)), -EISDIR);
	check_str("... the reason", why, want);
}

static void test_stdout(void)
{
	struct dpoctl_patch_log *log = open_log("-", NULL);
	struct capture c;
	json_object *o, *v;
	char *out;

	capture_start(&c, STDOUT_FILENO);
	dpoctl_patch_log_event(log, event("to-stdout"), LOG_INFO, false);
	dpoctl_patch_log_close(log, 0);
	out = capture_end(&c);
	check_int("\"-\": one line on stdout", count_lines(out), 1);
	o = json_tokener_parse(out);
	json_object_object_get_ex(o, "event", &v);
	check_str("... the event", v ? json_object_get_string(v) : "", "to-stdout");
	json_object_put(o);
	free(out);
}

static void test_alert_line(void)
{
	char cmd[256];
	struct dpoctl_patch_log *log;
	struct capture out, err;
	char *text, *got, *o, *e;

	snprintf(cmd, sizeof(cmd), "cat > %s; echo on-its-stdout",
		 path_of("alert.out"));
	log = open_log(path_of("alert.jsonl"), cmd);
	capture_start(&out, STDOUT_FILENO);
	capture_start(&err, STDERR_FILENO);
	dpoctl_patch_log_event(log, event("quiet"), LOG_INFO, false);
	dpoctl_patch_log_close(log, 3000);
	log = open_log(path_of("alert.jsonl"), cmd);
	dpoctl_patch_log_event(log, event("rollback"), LOG_ALERT, true);
	dpoctl_patch_log_close(log, 3000);
	e = capture_end(&err);
	o = capture_end(&out);
	text = slurp(path_of("alert.jsonl"));
	got = slurp(path_of("alert.out"));
	check_str("the alert command gets the line, newline ended",
		  got, strchr(text, '\n') + 1);
	check_str("its stdout goes to dpoctl's stderr", e, "on-its-stdout\n");
	check_str("... not to dpoctl's stdout", o, "");
	free(text);
	free(got);
	free(o);
	free(e);
}

static void test_alert_failure(void)
{
	struct dpoctl_patch_log *log;
	json_object *line, *v;
	struct capture err;
	char *e, *text;

	log = open_log(path_of("fail.jsonl"), "exit 3");
	capture_start(&err, STDERR_FILENO);
	dpoctl_patch_log_event(log, event("rollback"), LOG_ALERT, true);
	sleep_ms(300);
	dpoctl_patch_log_event(log, event("next"), LOG_INFO, false);
	e = capture_end(&err);
	check_str("a failure is reported at the next event", e,
		  "dpoctl: alert command exited with status 3\n");
	free(e);
	dpoctl_patch_log_close(log, 0);
	text = slurp(path_of("fail.jsonl"));
	check_int("... and logged before it", count_lines(text), 3);
	line = json_tokener_parse(strchr(text, '\n') + 1);
	json_object_object_get_ex(line, "event", &v);
	check_str("... as alert_failed", v ? json_object_get_string(v) : "",
		  "alert_failed");
	json_object_object_get_ex(line, "status", &v);
	check_int("... with its status", v ? json_object_get_int(v) : -1, 3);
	json_object_put(line);
	free(text);

	/* SIGINT blocked here (as dpoctl does while it waits): not in the command */
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	e = alerts("kill -INT $$; sleep 5", 1, 3000, NULL, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	check_str("a signal is reported at close, the command's mask is clear", e,
		  "dpoctl: alert command killed by signal 2\n");
	free(e);
}

static void test_alert_slow(void)
{
	uint64_t ev_ns, close_ns;
	char *e;

	e = alerts("sleep 1", 1, 50, &ev_ns, NULL);
	result(ev_ns < 100000000ULL,
	       "a 1 s alert command: the event takes %.1f ms", ev_ns / 1e6);
	result(strstr(e, "still running after 50 ms, left running\n") != NULL,
	       "close reports one still running");
	free(e);

	e = alerts("sleep 1", 1, 5000, NULL, &close_ns);
	result(close_ns > 500000000ULL && close_ns < 4000000000ULL,
	       "close waits for it (%.2f s)", close_ns / 1e9);
	check_str("... which succeeded: nothing to report", e, "");
	free(e);

	e = alerts("sleep 1", DPOCTL_ALERTS_MAX + 1, 5000, NULL, NULL);
	check_str("one alert beyond the limit is skipped", e,
		  "dpoctl: alert skipped: 8 alert commands still running\n");
	free(e);
}

static void test_write_error(void)
{
	struct dpoctl_patch_log *log;
	struct capture err;
	char *e;

	if (access("/dev/full", W_OK)) {
		skip("write error reported once", "no /dev/full");
		return;
	}
	log = open_log("/dev/full", NULL);
	capture_start(&err, STDERR_FILENO);
	dpoctl_patch_log_event(log, event("one"), LOG_INFO, false);
	dpoctl_patch_log_event(log, event("two"), LOG_INFO, false);
	dpoctl_patch_log_close(log, 0);
	e = capture_end(&err);
	check_str("a write error is reported once", e,
		  "dpoctl: log /dev/full: write failed: No space left on device (events are still tried, not reported again)\n");
	free(e);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	test_lines();
	test_open_errors();
	test_stdout();
	test_alert_line();
	test_alert_failure();
	test_alert_slow();
	test_write_error();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		printf("# could not remove %s\n", dir);
	return test_done();
}
