/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_H
#define DPOCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "dpo/version.h"
#include "error.h"

/* as ip(8) */
enum {
	DPOCTL_EXIT_OK = 0,
	DPOCTL_EXIT_USAGE = 1,
	DPOCTL_EXIT_ERR = 2,
	/* the engine's verdicts (analyze; promote is DPOCTL_EXIT_OK) */
	DPOCTL_EXIT_ROLLBACK = 3,
	DPOCTL_EXIT_INSUFFICIENT = 4,
	DPOCTL_EXIT_UNDECIDED = 5,	/* the input ended first */
};

struct dpoctl_ctx;

struct dpoctl_cmd {
	const char *name;
	int (*fn)(struct dpoctl_ctx *ctx, int argc, char **argv);
	const char *args;		/* synopsis after the name */
	const char *help;		/* one line */
	const struct dpoctl_cmd *sub;	/* an object's commands, or NULL */
};

struct dpoctl_ctx {
	bool json;
	char what[48];			/* "session new": message prefix */
	const char *args;		/* its synopsis, for usage errors */
};

extern const struct dpoctl_cmd dpoctl_session_cmds[];
extern const struct dpoctl_cmd dpoctl_instance_cmds[];
extern const struct dpoctl_cmd dpoctl_listener_cmds[];
extern const struct dpoctl_cmd dpoctl_conn_cmds[];
int dpoctl_cmd_version(struct dpoctl_ctx *ctx, int argc, char **argv);
int dpoctl_cmd_status(struct dpoctl_ctx *ctx, int argc, char **argv);
int dpoctl_cmd_monitor(struct dpoctl_ctx *ctx, int argc, char **argv);
int dpoctl_cmd_drain(struct dpoctl_ctx *ctx, int argc, char **argv);
int dpoctl_cmd_analyze(struct dpoctl_ctx *ctx, int argc, char **argv);
int dpoctl_cmd_patch(struct dpoctl_ctx *ctx, int argc, char **argv);
int dpoctl_cmd_rollback(struct dpoctl_ctx *ctx, int argc, char **argv);
int dpoctl_cmd_promote(struct dpoctl_ctx *ctx, int argc, char **argv);

/* "dpoctl: ..." on stderr */
void dpoctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "dpoctl: <what>: <reason>", or the whole message the error carries */
void dpoctl_perror(const char *what, const struct dpoctl_error *e);
/* "dpoctl: <what>: ... (usage: ...)"; returns DPOCTL_EXIT_USAGE */
int dpoctl_usage(struct dpoctl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* cmd_common.c: argument checks the commands share: 0 or a usage error */
int dpoctl_arg_session(struct dpoctl_ctx *ctx, const char *s);
int dpoctl_arg_pid(struct dpoctl_ctx *ctx, const char *s, uint32_t *pid);
int dpoctl_arg_role(struct dpoctl_ctx *ctx, const char *s, uint8_t *role);
/* A DUR option's value in seconds (as drain's --deadline); @v NULL: unset */
int dpoctl_arg_seconds(struct dpoctl_ctx *ctx, const char *flag,
		       const char *v, double *s);
/* An idle mark option's HEX (@v NULL: unset, *@len left alone) */
int dpoctl_arg_idle_mark(struct dpoctl_ctx *ctx, const char *flag,
			 const char *v, uint8_t *mark, uint8_t *len);
/* N, 0 to DPO_DRAIN_MIN_REQUESTS_MAX (NULL @v: none given) */
int dpoctl_arg_min_requests(struct dpoctl_ctx *ctx, const char *flag,
			    const char *v, uint32_t *n);
int dpoctl_arg_none(struct dpoctl_ctx *ctx, int argc, char **argv);
/* exactly one argument, @name in the usage message when it is missing */
int dpoctl_arg_one(struct dpoctl_ctx *ctx, int argc, char **argv,
		   const char *name);
/* The client, or an error printed: 0 or -errno */
struct dpoctl_client;
int dpoctl_open(struct dpoctl_ctx *ctx, struct dpoctl_client *c);
/* The exit status of a request's result @ret, its error printed */
int dpoctl_result(struct dpoctl_ctx *ctx, int ret,
		  const struct dpoctl_error *err);
/*
 * Notifications to the callback of dpoctl_subscribe() until it sets *@done,
 * or SIGINT or SIGTERM: 0 or the exit status of an error (printed).
 */
int dpoctl_receive_until(struct dpoctl_ctx *ctx, struct dpoctl_client *c,
			 const bool *done);

/* CLOCK_MONOTONIC now, the clock of the module's timestamps */
static inline uint64_t dpoctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
