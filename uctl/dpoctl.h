/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_H
#define DPOCTL_H

#include <stdbool.h>

#include "msg.h"

#define DPOCTL_VERSION	"0.1.0"

/* as ip(8) */
enum {
	DPOCTL_EXIT_OK = 0,
	DPOCTL_EXIT_USAGE = 1,
	DPOCTL_EXIT_ERR = 2,
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

/* "dpoctl: ..." on stderr */
void dpoctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "dpoctl: <what>: ... (usage: ...)"; returns DPOCTL_EXIT_USAGE */
/* A session's row of `session list`, a callback of dpoctl_nl_dump(). */
int dpoctl_session_print_row(struct nlmsghdr *nlh, void *arg);
/* dpoctl monitor's header, and its row for one notification. */
void dpoctl_monitor_print_header(void);
void dpoctl_monitor_print(struct nlmsghdr *nlh, int family);
int dpoctl_usage(struct dpoctl_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Shared by instance show and monitor. */
void dpoctl_print_stats(const struct dpoctl_instance *in, bool text);

#endif
