// SPDX-License-Identifier: GPL-2.0
/*
 * The reference engine (dpo_refdb) and its load generator (dpo_loadgen)
 * on their own, without dpo.ko: the protocol, each injected regression
 * seen where a monitor would see it (/proc/PID/stat, client latency),
 * a graceful stop and an nginx-style upgrade under load with no failed
 * request, a crash made visible, and the three load modes.
 *
 * Bounds are generous and relative, for a slow debug kernel under TCG.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <json.h>

#include "dpo_harness.h"

#define REFDB		"dpo_refdb"
#define LOADGEN		"dpo_loadgen"
#define ERRF		"/tmp/refdb_test.err"
#define JSONF		"/tmp/refdb_test.json"
#define SERIESF		"/tmp/refdb_test.tsv"
#define CONNLOGF	"/tmp/refdb_test.conns"
#define MAX_ARGS	32

/* ---- processes ---- */

/*
 * Start @argv (by PATH), stderr to @err (NULL: inherited), stdout to
 * /dev/null; with @lfd >= 0 socket-activated, @lfd as fd 3. Pid or -1.
 */
static pid_t start(const char *const *argv, const char *err, int lfd)
{
	pid_t pid = fork_flushed();
	char env[16];
	int fd;

	if (pid)
		return pid;
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	if (err) {
		fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
	}
	if (lfd >= 0) {
		if (lfd != 3)
			dup2(lfd, 3);
		fcntl(3, F_SETFD, 0);
		snprintf(env, sizeof(env), "%d", getpid());
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", env, 1);
	}
	execvp(argv[0], (char **)argv);
	_exit(127);
}

/* Exit status (128 + signal if killed) within @ms, or -1. */
static int status_within(pid_t pid, int ms)
{
	__u64 end = now_ns() + ms * 1000000ull;
	int st;

	while (waitpid(pid, &st, WNOHANG) != pid) {
		if (now_ns() > end)
			return -1;
		sleep_ms(10);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run @argv to its end (within 30 s), stderr to ERRF; its status. */
static int run(const char *const *argv)
{
	pid_t pid = start(argv, ERRF, -1);
	int st = status_within(pid, 30000);

	if (st < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return st;
}

static bool err_has(const char *text)
{
	char buf[4096];

	return read_text(ERRF, buf, sizeof(buf)) > 0 && strstr(buf, text);
}

/* The pid in @path once it is there (within @ms), or 0. */
static pid_t pidfile_within(const char *path, int ms)
{
	__u64 end = now_ns() + ms * 1000000ull;
	long pid;

	while ((pid = read_long(path)) <= 0 && now_ns() < end)
		sleep_ms(10);
	return pid > 0 ? pid : 0;
}

/* Gone, or a zombie (an upgraded child is not ours to reap). */
static bool gone_within(pid_t pid, int ms)
{
	__u64 end = now_ns() + ms * 1000000ull;
	struct proc_stat ps;

	while (!proc_stat_read(pid, &ps) && ps.state != 'Z') {
		if (now_ns() > end)
			return false;
		sleep_ms(10);
	}
	return true;
}

/*
 * dpo_refdb on @port (or on @lfd, if >= 0) with the NULL-terminated
 * extra @args, once listening (its pid file is there); pid or 0.
 */
static pid_t start_refdb(unsigned short port, int lfd, const char *const *args)
{
	const char *argv[MAX_ARGS] = { REFDB, "--pidfile", "/tmp/refdb_test.pid" };
	char portstr[8];
	int n = 3;
	pid_t pid;

	unlink("/tmp/refdb_test.pid");
	if (lfd < 0) {
		snprintf(portstr, sizeof(portstr), "%u", port);
		argv[n++] = "--port";
		argv[n++] = portstr;
	}
	while (args && *args && n < MAX_ARGS - 1)
		argv[n++] = *args++;
	pid = start(argv, NULL, lfd);
	if (pid > 0 && pidfile_within("/tmp/refdb_test.pid", 10000) == pid)
		return pid;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

static void stop_refdb(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* dpo_loadgen on @port with the extra @args, JSON to JSONF, in the background. */
static pid_t start_loadgen(unsigned short port, const char *const *args)
{
	const char *argv[MAX_ARGS] = { LOADGEN, "--json", JSONF, "--port" };
	char portstr[8];
	int n = 4;

	unlink(JSONF);
	snprintf(portstr, sizeof(portstr), "%u", port);
	argv[n++] = portstr;
	while (args && *args && n < MAX_ARGS - 1)
		argv[n++] = *args++;
	return start(argv, ERRF, -1);
}

/* A listener on 127.0.0.1:@port for socket activation, or -1. */
static int listener(unsigned short port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, 1024)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- the summary ---- */

/* The number at @path ("a.b"), or -1. */
static long long jnum(json_object *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		if (!json_object_object_get_ex(o, key, &o))
			return -1;
		path = dot + 1;
	}
	if (!o || !json_object_object_get_ex(o, path, &o) ||
	    !(json_object_is_type(o, json_type_int) ||
	      json_object_is_type(o, json_type_double)))
		return -1;
	return json_object_get_int64(o);
}

/* The answers of @pid, -1 if it is not in "pids". */
static long long pid_ok(json_object *o, pid_t pid, const char *what)
{
	json_object *arr;
	size_t i;

	if (!json_object_object_get_ex(o, "pids", &arr))
		return -1;
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		if (jnum(p, "pid") == pid)
			return jnum(p, what);
	}
	return -1;
}

#define ASSERT_SUMMARY(o) do {						\
	(o) = json_object_from_file(JSONF);				\
	ASSERT_NE(NULL, (o)) TH_LOG("no JSON summary in " JSONF);	\
	TH_LOG("%s", json_object_to_json_string(o));			\
} while (0)

/* ---- a client by hand ---- */

static int cli_connect(unsigned short port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send @q, read until @want bytes or a pause; NUL-terminated, length. */
static ssize_t cli_ask(int fd, const char *q, char *buf, size_t len,
		       size_t want)
{
	size_t got = 0;

	if (q && send(fd, q, strlen(q), MSG_NOSIGNAL) != (ssize_t)strlen(q))
		return -1;
	while (got < want && got < len - 1) {
		ssize_t n = recv(fd, buf + got, len - 1 - got, 0);

		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = 0;
	return got;
}

/* ---- usage ---- */

TEST(refdb_usage)
{
	const char *noport[] = { REFDB, NULL };
	const char *badnum[] = { REFDB, "--port", "7x", NULL };
	const char *bogus[] = { REFDB, "--port", "1", "--bogus", NULL };
	const char *extra[] = { REFDB, "--port", "1", "what", NULL };
	const char *cmd[] = { REFDB, "--port", "1", "--upgrade-cmd", " ", NULL };
	const char *help[] = { REFDB, "--help", NULL };

	EXPECT_EQ(1, run(noport));
	EXPECT_TRUE(err_has("--port is required"));
	EXPECT_EQ(1, run(badnum));
	EXPECT_TRUE(err_has("--port: want a number"));
	EXPECT_EQ(1, run(bogus));
	EXPECT_TRUE(err_has("usage:"));
	EXPECT_EQ(1, run(extra));
	EXPECT_TRUE(err_has("unexpected argument 'what'"));
	EXPECT_EQ(1, run(cmd));
	EXPECT_TRUE(err_has("--upgrade-cmd: empty command"));
	EXPECT_EQ(0, run(help));
}

TEST(loadgen_usage)
{
	const char *noport[] = { LOADGEN, NULL };
	const char *pct[] = { LOADGEN, "--port", "1", "--set-pct", "101", NULL };
	const char *dur[] = { LOADGEN, "--port", "1", "--duration", "-1", NULL };
	const char *nobody[] = { LOADGEN, "--port", "17409", "--connect-ms",
				 "100", NULL };
	const char *help[] = { LOADGEN, "--help", NULL };

	EXPECT_EQ(1, run(noport));
	EXPECT_TRUE(err_has("--port is required"));
	EXPECT_EQ(1, run(pct));
	EXPECT_TRUE(err_has("--set-pct: want a whole number from 0 to 100"));
	EXPECT_EQ(1, run(dur));
	EXPECT_TRUE(err_has("--duration: want a number"));
	/* could not start: exit 2, and says why */
	EXPECT_EQ(2, run(nobody));
	EXPECT_TRUE(err_has("nothing listening"));
	EXPECT_EQ(0, run(help));
}

/* ---- the protocol ---- */

TEST(get_set_pid)
{
	pid_t pid = start_refdb(17410, -1, NULL);
	char buf[8192], want[64];
	int fd;

	ASSERT_NE(0, pid);
	fd = cli_connect(17410);
	ASSERT_LE(0, fd);
	snprintf(want, sizeof(want), "PONG %d\n", pid);
	cli_ask(fd, "PING\n", buf, sizeof(buf), strlen(want));
	EXPECT_STREQ(want, buf);
	snprintf(want, sizeof(want), "VALUE %d 100\n", pid);
	cli_ask(fd, "GET k7\n", buf, sizeof(buf), strlen(want) + 101);
	EXPECT_EQ(0, strncmp(want, buf, strlen(want)));
	EXPECT_EQ('\n', buf[strlen(want) + 100]);
	/* a request in pieces: the server waits for the rest */
	snprintf(want, sizeof(want), "STORED %d\n", pid);
	send(fd, "SET k7 5\nhe", 11, 0);
	sleep_ms(50);
	cli_ask(fd, "llo\n", buf, sizeof(buf), strlen(want));
	EXPECT_STREQ(want, buf);
	snprintf(want, sizeof(want), "VALUE %d 5\nhello\n", pid);
	send(fd, "GE", 2, 0);
	sleep_ms(50);
	cli_ask(fd, "T k7\n", buf, sizeof(buf), strlen(want));
	EXPECT_STREQ(want, buf);
	snprintf(want, sizeof(want), "NOTFOUND %d\n", pid);
	cli_ask(fd, "GET nokey\n", buf, sizeof(buf), strlen(want));
	EXPECT_STREQ(want, buf);
	/* an error keeps the connection */
	snprintf(want, sizeof(want), "ERROR %d unknown request\n", pid);
	cli_ask(fd, "FLY\n", buf, sizeof(buf), strlen(want));
	EXPECT_STREQ(want, buf);
	snprintf(want, sizeof(want), "PONG %d\n", pid);
	cli_ask(fd, "PING\n", buf, sizeof(buf), strlen(want));
	EXPECT_STREQ(want, buf);
	/* a line over 4096 bytes ends it */
	memset(buf, 'x', 5000);
	buf[5000] = 0;
	EXPECT_EQ(0, cli_ask(fd, buf, buf, sizeof(buf), 1));
	close(fd);
	stop_refdb(pid);
}

/* ---- the regressions ---- */

/* /proc/PID/stat of a server with @flag @val before and after @n PINGs. */
static int per_request(const char *flag, const char *val, int n,
		       struct proc_stat *d)
{
	const char *args[] = { "--threads", "1", flag, val, NULL };
	struct proc_stat a, b;
	char buf[64];
	pid_t pid;
	int fd, i, ret = -1;

	pid = start_refdb(17411, -1, flag ? args : NULL);
	if (!pid)
		return -1;
	fd = cli_connect(17411);
	if (fd < 0 || cli_ask(fd, "PING\n", buf, sizeof(buf), 6) < 6)
		goto out;
	if (proc_stat_read(pid, &a))
		goto out;
	for (i = 0; i < n; i++)
		if (cli_ask(fd, "PING\n", buf, sizeof(buf), 6) < 6 ||
		    strncmp(buf, "PONG ", 5))
			goto out;
	if (proc_stat_read(pid, &b))
		goto out;
	d->utime = b.utime + b.stime - a.utime - a.stime;
	d->minflt = b.minflt - a.minflt;
	d->rss_pages = b.rss_pages - a.rss_pages;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	stop_refdb(pid);
	return ret;
}

TEST(cpu_us)
{
	long hz = sysconf(_SC_CLK_TCK);
	struct proc_stat base, reg;

	ASSERT_EQ(0, per_request(NULL, NULL, 40, &base));
	ASSERT_EQ(0, per_request("--cpu-us", "5000", 40, &reg));
	TH_LOG("CPU for 40 requests: %llu ticks, %llu with --cpu-us 5000 (HZ %ld)",
	       base.utime, reg.utime, hz);
	/*
	 * 200 ms of CPU more, give or take accounting; the requests' own cost
	 * is what the base run took (90 ms on the debug kernel).
	 */
	EXPECT_GE(reg.utime * 1000 / hz, 160);
	EXPECT_GE((long long)(reg.utime - base.utime) * 1000 / hz, 140);
}

TEST(fault_kb)
{
	struct proc_stat base, reg;

	ASSERT_EQ(0, per_request(NULL, NULL, 20, &base));
	ASSERT_EQ(0, per_request("--fault-kb", "1024", 20, &reg));
	TH_LOG("minor faults for 20 requests: %llu, %llu with --fault-kb 1024",
	       base.minflt, reg.minflt);
	EXPECT_GE(reg.minflt, 20 * 256 * 9 / 10);
	EXPECT_LT(base.minflt, 20 * 256 / 4);
	/* given back: no growth */
	EXPECT_LT(reg.rss_pages, 20 * 256 / 4);
}

TEST(grow_kb)
{
	struct proc_stat base, reg;

	ASSERT_EQ(0, per_request(NULL, NULL, 20, &base));
	ASSERT_EQ(0, per_request("--grow-kb", "1024", 20, &reg));
	TH_LOG("RSS growth for 20 requests: %lld pages, %lld with --grow-kb 1024",
	       (long long)base.rss_pages, (long long)reg.rss_pages);
	EXPECT_GE((long long)reg.rss_pages, 20 * 256 * 9 / 10);
	EXPECT_LT((long long)base.rss_pages, 20 * 256 / 4);
}

TEST(delay_us)
{
	const char *delay[] = { "--delay-us", "20000", NULL };
	const char *load[] = { "--conns", "1", "--duration", "0.5", NULL };
	long long p50[2];
	json_object *o;
	int i;

	for (i = 0; i < 2; i++) {
		pid_t pid = start_refdb(17412, -1, i ? delay : NULL);

		ASSERT_NE(0, pid);
		EXPECT_EQ(0, status_within(start_loadgen(17412, load), 20000));
		stop_refdb(pid);
		ASSERT_SUMMARY(o);
		p50[i] = jnum(o, "latency_us.p50");
		EXPECT_LT(0, jnum(o, "requests.ok"));
		json_object_put(o);
	}
	/* a bucket is 1/16 of its power of two wide: 19968 is 20 ms */
	EXPECT_GE(p50[1], 20000 * 15 / 16);
	EXPECT_LT(p50[0], p50[1] / 2);
}

/* ---- stop, upgrade, crash under load ---- */

TEST(sigterm_under_load)
{
	const char *load[] = { "--conns", "32", "--duration", "3", NULL };
	int lfd = listener(17413);
	pid_t a, b, lg;
	json_object *o;

	ASSERT_LE(0, lfd);
	a = start_refdb(0, lfd, NULL);
	ASSERT_NE(0, a);
	lg = start_loadgen(17413, load);
	sleep_ms(1000);
	/* idle connections closed, the requests read answered */
	kill(a, SIGTERM);
	EXPECT_EQ(0, status_within(a, 10000));
	/* the next instance on the same listener takes the retries */
	b = start_refdb(0, lfd, NULL);
	ASSERT_NE(0, b);
	EXPECT_EQ(0, status_within(lg, 20000));
	kill(b, SIGTERM);
	EXPECT_EQ(0, status_within(b, 10000));
	close(lfd);
	ASSERT_SUMMARY(o);
	EXPECT_EQ(0, jnum(o, "requests.failed"));
	EXPECT_LT(0, pid_ok(o, a, "ok"));
	EXPECT_LT(0, pid_ok(o, b, "ok"));
	json_object_put(o);
}

TEST(upgrade_sigusr2)
{
	const char *args[] = {
		"--upgrade-cmd", REFDB " --pidfile /tmp/refdb_test.child",
		"--upgrade-pidfile", "/tmp/refdb_test.up", NULL };
	const char *load[] = { "--conns", "32", "--duration", "3",
			       "--series", SERIESF, "--tick-ms", "100", NULL };
	pid_t a, up, child, lg;
	json_object *o;

	unlink("/tmp/refdb_test.child");
	unlink("/tmp/refdb_test.up");
	a = start_refdb(17414, -1, args);
	ASSERT_NE(0, a);
	lg = start_loadgen(17414, load);
	sleep_ms(800);
	kill(a, SIGUSR2);
	up = pidfile_within("/tmp/refdb_test.up", 5000);
	child = pidfile_within("/tmp/refdb_test.child", 5000);
	EXPECT_NE(0, child);
	EXPECT_EQ(up, child);
	sleep_ms(300);
	/* the old one goes, the new one holds the listener */
	kill(a, SIGTERM);
	EXPECT_EQ(0, status_within(a, 10000));
	EXPECT_EQ(0, status_within(lg, 20000));
	ASSERT_SUMMARY(o);
	EXPECT_EQ(0, jnum(o, "requests.failed"));
	EXPECT_LT(0, pid_ok(o, a, "ok"));
	EXPECT_LT(0, pid_ok(o, child, "ok"));
	EXPECT_LE(20, jnum(o, "series_ticks"));
	json_object_put(o);
	if (child > 0) {
		kill(child, SIGTERM);
		EXPECT_TRUE(gone_within(child, 5000));
	}
}

TEST(upgrade_exec_fails)
{
	const char *argv[] = { REFDB, "--port", "17415", "--upgrade-cmd",
			       "/nonexistent/refdb", NULL };
	pid_t pid = start(argv, ERRF, -1);
	__u64 end = now_ns() + 5000000000ull;

	ASSERT_LT(0, pid);
	sleep_ms(300);
	kill(pid, SIGUSR2);
	while (!err_has("could not exec") && now_ns() < end)
		sleep_ms(20);
	EXPECT_TRUE(err_has("could not exec /nonexistent/refdb"));
	/* the parent serves on */
	kill(pid, SIGTERM);
	EXPECT_EQ(0, status_within(pid, 5000));
}

TEST(crash_after)
{
	const char *args[] = { "--crash-after", "300", NULL };
	const char *load[] = { "--conns", "8", "--duration", "1.5",
			       "--connect-ms", "300", "--timeout-ms", "2000",
			       NULL };
	pid_t pid = start_refdb(17416, -1, args);
	json_object *o;
	int st;

	ASSERT_NE(0, pid);
	st = status_within(start_loadgen(17416, load), 20000);
	EXPECT_EQ(128 + SIGABRT, status_within(pid, 5000));
	ASSERT_SUMMARY(o);
	/* nothing listens after the crash: connects fail */
	EXPECT_EQ(3, st);
	EXPECT_LT(0, jnum(o, "requests.retried") + jnum(o, "requests.failed"));
	EXPECT_LT(0, pid_ok(o, pid, "ok"));
	/* the 300th request was read, never answered */
	EXPECT_GE(299, pid_ok(o, pid, "ok"));
	json_object_put(o);
}

/* ---- load modes ---- */

TEST(per_request_conn)
{
	const char *load[] = { "--per-request-conn", "--conns", "4",
			       "--duration", "1", "--conn-log", CONNLOGF, NULL };
	pid_t pid = start_refdb(17417, -1, NULL);
	long long ok, conns, lines = 0;
	json_object *o;
	FILE *f;
	int ch;

	ASSERT_NE(0, pid);
	EXPECT_EQ(0, status_within(start_loadgen(17417, load), 20000));
	stop_refdb(pid);
	ASSERT_SUMMARY(o);
	ok = jnum(o, "requests.ok");
	conns = jnum(o, "connections");
	EXPECT_LT(0, ok);
	EXPECT_EQ(0, jnum(o, "requests.failed"));
	EXPECT_EQ(ok + jnum(o, "requests.retried"), conns);
	EXPECT_EQ(ok, pid_ok(o, pid, "conns"));
	f = fopen(CONNLOGF, "r");
	ASSERT_NE(NULL, f);
	while ((ch = fgetc(f)) != EOF)
		lines += ch == '\n';
	fclose(f);
	EXPECT_EQ(conns, lines);
	json_object_put(o);
}

TEST(open_loop_rate)
{
	/* 8 connections at 12.5 requests/s each: 80 ms for each answer, which
	 * even a busy debug guest gives (4 at 50/s left it 20 ms)
	 */
	const char *load[] = { "--rate", "100", "--conns", "8", "--duration",
			       "2", NULL };
	pid_t pid = start_refdb(17418, -1, NULL);
	json_object *o, *mode;
	long long rps;

	ASSERT_NE(0, pid);
	EXPECT_EQ(0, status_within(start_loadgen(17418, load), 20000));
	stop_refdb(pid);
	ASSERT_SUMMARY(o);
	rps = jnum(o, "throughput_rps");
	EXPECT_EQ(0, jnum(o, "requests.failed"));
	EXPECT_LE(80, rps);
	EXPECT_GE(120, rps);
	EXPECT_TRUE(json_object_object_get_ex(o, "mode", &mode) &&
		    !strcmp(json_object_get_string(mode), "open"));
	json_object_put(o);
}

TEST_HARNESS_MAIN
