/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers of the dpoctl patch tests (patch_util.c). */
#ifndef DPO_SELFTEST_PATCH_UTIL_H
#define DPO_SELFTEST_PATCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json.h>

#define MAX_ARGS	64
#define MAX_EVENTS	16384

/* ---- processes ---- */

/*
 * Start @argv (NULL-terminated, by PATH) with stdout to @out and stderr to
 * @err (NULL: inherited; "-" : appended to @out's file); with @lfd >= 0,
 * as a socket-activated child holding @lfd as fd 3. The pid or -errno.
 */
pid_t spawn(const char *const *argv, const char *out, const char *err,
	    int lfd);
/* Exit status (128 + signal if killed) within @ms, or -1 (still running). */
int wait_exit(pid_t pid, int ms);
/* Gone, or a zombie nobody reaped (a child of a dead dpoctl). */
bool proc_gone(pid_t pid);
bool wait_gone(pid_t pid, int ms);
void kill_wait(pid_t *pid);
/* dpoctl with the NULL-terminated arguments (stdout to @out); its status. */
int dpoctl(const char *out, const char *arg, ...);
/* The same with stderr to /dev/null: cleanups of what may not be there. */
int dpoctl_quiet(const char *arg, ...);
char *slurp(const char *path);
/* A port nobody listens on now (the kernel's choice, then freed). */
unsigned short free_port(void);
int connect_port(unsigned short port);

/* ---- dpoctl patch's event log (JSON lines) ---- */

struct evlog {
	int n;
	int bad;		/* lines that are not a JSON object */
	int bad_line;		/* the first of them (1-based) */
	json_object *ev[MAX_EVENTS];
};

void evlog_free(struct evlog *l);
/* The complete lines of @path (a last line without its newline waits). */
int evlog_load(struct evlog *l, const char *path);
const char *jstr(json_object *o, const char *key);
bool jhas(json_object *o, const char *key);
long long jint(json_object *o, const char *key, long long dflt);
bool streq(const char *a, const char *b);
/*
 * The first event @event (after index @from) whose string fields match the
 * NULL-terminated KEY, VALUE pairs; its index or -1.
 */
int evlog_find(const struct evlog *l, int from, const char *event, ...);
/* A phase event: action, name, state. */
int evlog_phase(const struct evlog *l, const char *action, const char *name,
		const char *state);
/*
 * Poll @path until it holds a phase event (@name, @state; @name NULL: an
 * "exposure" event whose owner is not the original) or @dpoctl exits.
 */
bool wait_event(struct evlog *l, const char *path, pid_t dpoctl,
		const char *name, const char *state, int ms);
/* The owner of @session ("" if it does not exist), or NULL on error. */
const char *session_owner(char *buf, size_t len, const char *session);

/* ---- the engine's settings ---- */

int write_ini(const char *path, const char *const *on);

#endif /* DPO_SELFTEST_PATCH_UTIL_H */
