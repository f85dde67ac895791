// SPDX-License-Identifier: GPL-2.0
/*
 * The event log of dpoctl patch, its syslog copy and its alert command.
 *
 * Alert commands run with posix_spawn (no copy of the controller's memory)
 * and are never waited for while patching: each later event reaps those
 * that ended, with waitpid() on their own pids only, so that other
 * children of dpoctl are left to their owner.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "patch_log.h"

struct dpoctl_patch_log {
	char *session;
	char *path;		/* for messages */
	FILE *out;		/* NULL: no file */
	bool use_syslog;
	char *alert_exec;
	uint64_t t0_ns;
	bool write_failed;	/* reported: once is enough */
	int n_alerts;
	pid_t alerts[DPOCTL_ALERTS_MAX];
};

extern char **environ;

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int dpoctl_patch_log_open(struct dpoctl_patch_log **logp,
			  const struct dpoctl_patch_log_cfg *cfg, char *why,
			  size_t len)
{
	struct dpoctl_patch_log *log = calloc(1, sizeof(*log));
	int fd, err;

	*logp = NULL;
	if (!log)
		goto nomem;
	log->session = strdup(cfg->session ? cfg->session : "");
	log->path = strdup(cfg->path ? cfg->path : "");
	log->alert_exec = cfg->alert_exec ? strdup(cfg->alert_exec) : NULL;
	if (!log->session || !log->path || (cfg->alert_exec && !log->alert_exec))
		goto nomem;
	log->t0_ns = cfg->t0_ns;
	if (cfg->path && !strcmp(cfg->path, "-")) {
		log->out = stdout;
	} else if (cfg->path) {
		/* close-on-exec: alert commands must not hold the log */
		fd = open(cfg->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
			  0644);
		if (fd < 0 || !(log->out = fdopen(fd, "a"))) {
			err = errno;
			if (fd >= 0)
				close(fd);
			snprintf(why, len, "cannot open the log %s: %s",
				 cfg->path, strerror(err));
			free(log->session);
			free(log->path);
			free(log->alert_exec);
			free(log);
			return -err;
		}
	}
	log->use_syslog = cfg->use_syslog;
	if (log->use_syslog)
		openlog("dpoctl", LOG_PID, LOG_DAEMON);
	*logp = log;
	return 0;

nomem:
	if (log) {
		free(log->session);
		free(log->path);
		free(log->alert_exec);
		free(log);
	}
	snprintf(why, len, "out of memory");
	return -ENOMEM;
}

static void write_line(struct dpoctl_patch_log *log, const char *line, int prio)
{
	if (log->out) {
		fputs(line, log->out);
		putc('\n', log->out);
		if ((fflush(log->out) || ferror(log->out)) && !log->write_failed) {
			log->write_failed = true;
			fprintf(stderr,
				"dpoctl: log %s: write failed: %s (events are still tried, not reported again)\n",
				log->path, strerror(errno));
		}
		clearerr(log->out);
	}
	if (log->use_syslog && prio >= 0)
		syslog(prio, "%s", line);
}

/* The line of @ev (put): the four stamps first. NULL on failure. */
static json_object *stamp(struct dpoctl_patch_log *log, json_object *ev)
{
	static const char *const ours[] = { "time", "mono_ns", "t", "session" };
	uint64_t real = clock_ns(CLOCK_REALTIME);
	uint64_t mono = clock_ns(CLOCK_MONOTONIC);
	time_t sec = (time_t)(real / 1000000000ULL);
	json_object *o = json_object_new_object();
	char ts[40], t[32];
	struct tm tm;
	size_t i, n;

	if (!o)
		return NULL;
	gmtime_r(&sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03uZ",
		 (unsigned int)(real / 1000000ULL % 1000));
	/* "t" as written with 3 decimals, not the double's 17 digits */
	snprintf(t, sizeof(t), "%.3f", ((double)mono - (double)log->t0_ns) / 1e9);
	json_object_object_add(o, "time", json_object_new_string(ts));
	json_object_object_add(o, "mono_ns", json_object_new_int64((int64_t)mono));
	json_object_object_add(o, "t", json_object_new_double_s(strtod(t, NULL), t));
	json_object_object_add(o, "session", json_object_new_string(log->session));
	json_object_object_foreach(ev, key, val) {
		for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
			if (!strcmp(key, ours[i]))
				break;
		if (i == sizeof(ours) / sizeof(ours[0]))
			json_object_object_add(o, key, json_object_get(val));
	}
	return o;
}

/* Writes @ev (put) to the file and syslog; the line, valid until @line is put. */
static const char *emit(struct dpoctl_patch_log *log, json_object *ev, int prio,
			json_object **line)
{
	const char *s;

	*line = stamp(log, ev);
	json_object_put(ev);
	if (!*line) {
		fprintf(stderr, "dpoctl: log: out of memory, an event is lost\n");
		return NULL;
	}
	s = json_object_to_json_string_ext(*line, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s)
		write_line(log, s, prio);
	return s;
}

/* The end of an alert command: reported and logged when it failed. */
static void alert_ended(struct dpoctl_patch_log *log, pid_t pid, int status)
{
	json_object *ev, *line;

	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return;
	ev = json_object_new_object();
	if (!ev)
		return;
	json_object_object_add(ev, "event", json_object_new_string("alert_failed"));
	json_object_object_add(ev, "pid", json_object_new_int(pid));
	if (WIFEXITED(status)) {
		fprintf(stderr, "dpoctl: alert command exited with status %d\n",
			WEXITSTATUS(status));
		json_object_object_add(ev, "status",
				       json_object_new_int(WEXITSTATUS(status)));
	} else {
		fprintf(stderr, "dpoctl: alert command killed by signal %d\n",
			WTERMSIG(status));
		json_object_object_add(ev, "signal",
				       json_object_new_int(WTERMSIG(status)));
	}
	/* emit(), not dpoctl_patch_log_event(): no reaping, no alert, no loop */
	emit(log, ev, LOG_WARNING, &line);
	json_object_put(line);
}

/* Reaps the alert commands that ended; how many still run. */
static int reap(struct dpoctl_patch_log *log)
{
	int i = 0, status;
	pid_t r;

	while (i < log->n_alerts) {
		r = waitpid(log->alerts[i], &status, WNOHANG);
		if (r == 0) {
			i++;
			continue;
		}
		/* gone, or reaped by someone else (ECHILD): nothing to tell */
		log->alerts[i] = log->alerts[--log->n_alerts];
		if (r > 0)
			alert_ended(log, r, status);
	}
	return log->n_alerts;
}

/*
 * Runs the alert command with @line on its stdin. The line is written into
 * the pipe before the command starts, while we hold its read end: the write
 * cannot block (O_NONBLOCK, a bounded pipe) nor raise SIGPIPE, so the
 * process-wide SIGPIPE disposition is left alone.
 */
static void alert(struct dpoctl_patch_log *log, const char *line)
{
	size_t len = strlen(line);
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int p[2], err;
	ssize_t n;
	pid_t pid;
	char *argv[] = { "sh", "-c", log->alert_exec, NULL };

	if (log->n_alerts == DPOCTL_ALERTS_MAX) {
		fprintf(stderr,
			"dpoctl: alert skipped: %d alert commands still running\n",
			DPOCTL_ALERTS_MAX);
		return;
	}
	if (pipe2(p, O_CLOEXEC)) {
		fprintf(stderr, "dpoctl: alert skipped: pipe: %s\n", strerror(errno));
		return;
	}
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	n = write(p[1], line, len);
	if (n == (ssize_t)len)
		n += write(p[1], "\n", 1) == 1;
	if (n < (ssize_t)len + 1)
		fprintf(stderr,
			"dpoctl: alert command gets %zd of the line's %zu bytes\n",
			n < 0 ? 0 : n, len + 1);
	close(p[1]);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	/* dpoctl's stdout may carry JSON lines: the command's goes to stderr */
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	/* dpoctl blocks SIGINT and SIGTERM while it waits: the command must not */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (err) {
		fprintf(stderr, "dpoctl: alert command: /bin/sh: %s\n",
			strerror(err));
		return;
	}
	log->alerts[log->n_alerts++] = pid;
}

void dpoctl_patch_log_event(struct dpoctl_patch_log *log, json_object *ev,
			    int prio, bool want_alert)
{
	json_object *line;
	const char *s;

	if (!log || !json_object_is_type(ev, json_type_object)) {
		json_object_put(ev);
		return;
	}
	reap(log);
	s = emit(log, ev, prio, &line);
	if (s && want_alert && log->alert_exec)
		alert(log, s);
	json_object_put(line);
}

void dpoctl_patch_log_close(struct dpoctl_patch_log *log, int wait_ms)
{
	uint64_t end = clock_ns(CLOCK_MONOTONIC) +
		       (uint64_t)(wait_ms > 0 ? wait_ms : 0) * 1000000ULL;
	const struct timespec tick = { .tv_nsec = 10 * 1000000L };
	int i;

	if (!log)
		return;
	while (reap(log) && clock_ns(CLOCK_MONOTONIC) < end)
		nanosleep(&tick, NULL);
	for (i = 0; i < log->n_alerts; i++)
		fprintf(stderr,
			"dpoctl: alert command (pid %d) still running after %d ms, left running\n",
			(int)log->alerts[i], wait_ms);
	if (log->out && log->out != stdout) {
		if (fclose(log->out) && !log->write_failed)
			fprintf(stderr, "dpoctl: log %s: write failed: %s\n",
				log->path, strerror(errno));
	}
	if (log->use_syslog)
		closelog();
	free(log->session);
	free(log->path);
	free(log->alert_exec);
	free(log);
}
