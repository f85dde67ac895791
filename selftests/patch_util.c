// SPDX-License-Identifier: GPL-2.0
/*
 * What the dpoctl patch tests (patch_test.c, e2e_test.c) share: child
 * processes, dpoctl runs, dpoctl patch's event log, the engine's settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "patch_util.h"
#include "proc_util.h"

/* ---- processes ---- */

/*
 * Start @argv (NULL-terminated, by PATH) with stdout to @out and stderr to
 * @err (NULL: inherited; "-" : appended to @out's file); with @lfd >= 0,
 * as a socket-activated child holding @lfd as fd 3. The pid or -errno.
 */
pid_t spawn(const char *const *argv, const char *out, const char *err,
	    int lfd)
{
	pid_t pid = fork_flushed();

	if (pid < 0)
		return -errno;
	if (pid)
		return pid;
	if (out) {
		int fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(126);
	}
	if (err) {
		int fd = strcmp(err, "-") ? open(err, O_WRONLY | O_CREAT |
						  O_APPEND, 0644) : 1;

		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(126);
	}
	if (lfd >= 0) {
		char pidstr[16];

		if (lfd != 3 && dup2(lfd, 3) < 0)
			_exit(126);
		fcntl(3, F_SETFD, 0);
		snprintf(pidstr, sizeof(pidstr), "%d", getpid());
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", pidstr, 1);
	}
	execvp(argv[0], (char **)argv);
	_exit(127);
}

/* Exit status (128 + signal if killed) within @ms, or -1 (still running). */
int wait_exit(pid_t pid, int ms)
{
	__u64 end = now_ns() + ms * 1000000ull;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) :
			       128 + WTERMSIG(st);
		if (r < 0 || now_ns() > end)
			return -1;
		sleep_ms(20);
	}
}

/* Gone, or a zombie nobody reaped (a child of a dead dpoctl). */
bool proc_gone(pid_t pid)
{
	struct proc_stat ps;

	if (pid <= 0)
		return true;
	if (kill(pid, 0) && errno == ESRCH)
		return true;
	return proc_stat_read(pid, &ps) || ps.state == 'Z' || ps.state == 'X';
}

bool wait_gone(pid_t pid, int ms)
{
	__u64 end = now_ns() + ms * 1000000ull;

	waitpid(pid, NULL, WNOHANG);	/* ours: reap it */
	while (!proc_gone(pid)) {
		if (now_ns() > end)
			return false;
		sleep_ms(20);
		waitpid(pid, NULL, WNOHANG);
	}
	return true;
}

void kill_wait(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

/* dpoctl with the NULL-terminated arguments; its exit status. */
static int dpoctl_v(const char *out, const char *err, const char *arg,
		    va_list ap)
{
	const char *argv[MAX_ARGS] = { "dpoctl" };
	int n = 1;
	pid_t pid;

	for (; arg && n < MAX_ARGS - 1; arg = va_arg(ap, const char *))
		argv[n++] = arg;
	argv[n] = NULL;
	pid = spawn(argv, out ? out : "/dev/null", err, -1);
	if (pid < 0)
		return -1;
	return wait_exit(pid, 30000);
}

int dpoctl(const char *out, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = dpoctl_v(out, NULL, arg, ap);
	va_end(ap);
	return ret;
}

/* The same with stderr to /dev/null: cleanups of what may not be there. */
int dpoctl_quiet(const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = dpoctl_v(NULL, "/dev/null", arg, ap);
	va_end(ap);
	return ret;
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (s && fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	fclose(f);
	return s;
}

/* A port nobody listens on now (the kernel's choice, then freed). */
unsigned short free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	unsigned short port = 0;

	if (fd < 0)
		return 0;
	if (!bind(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &len))
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

int connect_port(unsigned short port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* ---- dpoctl patch's event log (JSON lines) ---- */


void evlog_free(struct evlog *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		json_object_put(l->ev[i]);
	l->n = 0;
	l->bad = 0;
	l->bad_line = 0;
}

/* The complete lines of @path (a last line without its newline waits). */
int evlog_load(struct evlog *l, const char *path)
{
	char *s = slurp(path), *line, *nl;
	int lineno = 0;

	evlog_free(l);
	if (!s)
		return -1;
	for (line = s; (nl = strchr(line, '\n')); line = nl + 1) {
		json_object *o;

		*nl = '\0';
		lineno++;
		o = json_tokener_parse(line);
		if (!o || !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			if (!l->bad++)
				l->bad_line = lineno;
			continue;
		}
		if (l->n < MAX_EVENTS)
			l->ev[l->n++] = o;
		else
			json_object_put(o);
	}
	free(s);
	return 0;
}

const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool jhas(json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

long long jint(json_object *o, const char *key, long long dflt)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    (!json_object_is_type(v, json_type_int) &&
	     !json_object_is_type(v, json_type_double)))
		return dflt;
	return json_object_get_int64(v);
}

bool streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/*
 * The first event @event (after index @from) whose string fields match the
 * NULL-terminated KEY, VALUE pairs; its index or -1.
 */
int evlog_find(const struct evlog *l, int from, const char *event, ...)
{
	int i;

	for (i = from; i < l->n; i++) {
		const char *k, *v;
		bool match = streq(jstr(l->ev[i], "event"), event);
		va_list ap;

		va_start(ap, event);
		while (match && (k = va_arg(ap, const char *))) {
			v = va_arg(ap, const char *);
			match = streq(jstr(l->ev[i], k), v);
		}
		va_end(ap);
		if (match)
			return i;
	}
	return -1;
}

/* A phase event: action, name, state. */
int evlog_phase(const struct evlog *l, const char *action, const char *name,
		const char *state)
{
	return evlog_find(l, 0, "phase", "action", action, "name", name,
			  "state", state, NULL);
}

/*
 * Poll @path until it holds a phase event (@name, @state; @name NULL: an
 * "exposure" event whose owner is not the original) or @dpoctl exits.
 */
bool wait_event(struct evlog *l, const char *path, pid_t dpoctl,
		const char *name, const char *state, int ms)
{
	__u64 end = now_ns() + ms * 1000000ull;

	do {
		int i;

		evlog_load(l, path);
		for (i = 0; i < l->n; i++) {
			json_object *e = l->ev[i];

			if (name && streq(jstr(e, "event"), "phase") &&
			    streq(jstr(e, "name"), name) &&
			    streq(jstr(e, "state"), state))
				return true;
			if (!name && streq(jstr(e, "event"), "exposure") &&
			    jstr(e, "owner") &&
			    !streq(jstr(e, "owner"), "original"))
				return true;
		}
		if (kill(dpoctl, 0) || proc_gone(dpoctl))
			return false;
		sleep_ms(10);
	} while (now_ns() < end);
	return false;
}

/* ---- sessions, as dpoctl -j session list shows them ---- */

/* The owner of @session ("" if it does not exist), or NULL on error. */
const char *session_owner(char *buf, size_t len, const char *session)
{
	const char *out = "/tmp/patch.sessions";
	json_object *arr;
	char *s;
	size_t i;

	unlink(out);
	if (dpoctl(out, "-j", "session", "list", NULL))
		return NULL;
	s = slurp(out);
	arr = s ? json_tokener_parse(s) : NULL;
	free(s);
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return NULL;
	}
	buf[0] = '\0';
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);

		if (streq(jstr(o, "name"), session))
			snprintf(buf, len, "%s", jstr(o, "owner") ?: "?");
	}
	json_object_put(arr);
	return buf;
}

/* ---- the engine's settings ---- */

static const char *const all_metrics[] = {
	"lat_p50", "lat_p99", "lat_mean", "cpu_per_req", "cpu", "run_delay",
	"min_flt_per_req", "maj_flt_per_req", "min_flt", "maj_flt",
	"rss_growth", "throughput", NULL
};

/*
 * An engine settings file at @path, as analyze_replay_test: the metrics @on only, with a 50% margin, 20
 * samples, 2 s smoothing (the slow guest's figures are noisy); early
 * promotion allowed after 4 s, so that --promote-after 8 is valid.
 */
int write_ini(const char *path, const char *const *on)
{
	FILE *f = fopen(path, "w");
	int i, j;

	if (!f)
		return -errno;
	fputs("[baseline]\nmin_samples = 20\n[rule]\nsmooth_s = 2\n"
	      "[promote]\nmin_s = 4\n", f);
	for (i = 0; all_metrics[i]; i++) {
		bool enabled = false;

		for (j = 0; on[j]; j++)
			enabled |= !strcmp(on[j], all_metrics[i]);
		fprintf(f, "[%s]\n", all_metrics[i]);
		if (enabled)
			fputs("deviation_pct = 50\n", f);
		else
			fputs("enabled = no\n", f);
	}
	return fclose(f) ? -errno : 0;
}

