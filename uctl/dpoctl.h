/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_H
#define DPOCTL_H

#include <stdbool.h>

#include "msg.h"

#define DPOCTL_VERSION	"0.1.0"

/* as ip(8) */
enum {
	DPO_EXIT_OK = 0,
	DPO_EXIT_USAGE = 1,
	DPO_EXIT_ERR = 2,
};

struct dpo_ctx;

struct dpoctl_cmd {
	const char *name;
	int (*fn)(struct dpo_ctx *ctx, int argc, char **argv);
	const char *args;		/* synopsis after the name */
	const char *help;		/* one line */
	const struct dpoctl_cmd *sub;	/* an object's commands, or NULL */
};

struct dpo_ctx {
	bool json;
	char what[48];			/* "session new": message prefix */
	const char *args;		/* its synopsis, for usage errors */
};

extern const struct dpoctl_cmd dpo_session_cmds[];
extern const struct dpoctl_cmd dpo_instance_cmds[];
extern const struct dpoctl_cmd dpo_listener_cmds[];
extern const struct dpoctl_cmd dpo_conn_cmds[];
int dpo_cmd_version(struct dpo_ctx *ctx, int argc, char **argv);
int dpo_cmd_status(struct dpo_ctx *ctx, int argc, char **argv);
int dpo_cmd_monitor(struct dpo_ctx *ctx, int argc, char **argv);
int dpo_cmd_drain(struct dpo_ctx *ctx, int argc, char **argv);

/* "dpoctl: ..." on stderr */
void dpo_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "dpoctl: <what>: ... (usage: ...)"; returns DPO_EXIT_USAGE */
/* A session's row of `session list`, a callback of dpo_nl_dump(). */
int dpo_session_print_row(struct nlmsghdr *nlh, void *arg);
/* dpoctl monitor's header, and its row for one notification. */
void dpo_monitor_print_header(void);
void dpo_monitor_print(struct nlmsghdr *nlh, int family);
int dpo_usage(struct dpo_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Shared by instance show and monitor. */
void dpo_print_stats(const struct dpo_instance *in, bool text);

#endif
