// SPDX-License-Identifier: GPL-2.0
/* dpoctl's command line: options, the command table, help and messages. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dpoctl.h"
#include "print.h"

static int cmd_help(struct dpoctl_ctx *ctx, int argc, char **argv);

static const struct dpoctl_cmd top_cmds[] = {
	{ .name = "version", .fn = dpoctl_cmd_version, .args = "",
	  .help = "show dpoctl, module and family versions" },
	{ .name = "status", .fn = dpoctl_cmd_status, .args = "",
	  .help = "show the module's counters" },
	{ .name = "session", .args = "COMMAND", .help = "manage sessions",
	  .sub = dpoctl_session_cmds },
	{ .name = "instance", .args = "COMMAND", .help = "manage instances",
	  .sub = dpoctl_instance_cmds },
	{ .name = "listener", .args = "COMMAND",
	  .help = "manage listening sockets", .sub = dpoctl_listener_cmds },
	{ .name = "conn", .args = "COMMAND",
	  .help = "inspect accepted connections", .sub = dpoctl_conn_cmds },
	{ .name = "drain", .fn = dpoctl_cmd_drain,
	  .args = "SESSION original|patched [--deadline DUR] [--idle-mark HEX] [--min-requests N] [--wait]",
	  .help = "close a role's connections between requests" },
	{ .name = "monitor", .fn = dpoctl_cmd_monitor,
	  .args = "[samples|events|all] [count N]",
	  .help = "print notifications as they arrive" },
	{ .name = "analyze", .fn = dpoctl_cmd_analyze,
	  .args = "[--config FILE] [--set S.K=V]... [--session NAME] FILE|-|--live",
	  .help = "a recording (dpoctl -j monitor), or the module's samples live, through the decision engine" },
	{ .name = "patch", .fn = dpoctl_cmd_patch,
	  .args = "SESSION --pid PID [--port PORT]... [options] (-- PATCHED_CMD [ARGS] | --patched-pid PID)",
	  .help = "a whole patch: baseline, the patched instance on the original's listeners, judged, then rolled back or promoted in phases" },
	{ .name = "rollback", .fn = dpoctl_cmd_rollback,
	  .args = "SESSION [--drain-deadline DUR] [--drain-idle-mark HEX] [--drain-min-requests N] [--stop-grace DUR] [--log FILE] [--alert-exec CMD] [--no-syslog]",
	  .help = "end a patch for the original: switch, drain, stop the patched instance, end the session" },
	{ .name = "promote", .fn = dpoctl_cmd_promote,
	  .args = "SESSION [--drain-deadline DUR] [--drain-idle-mark HEX] [--drain-min-requests N] [--stop-grace DUR] [--keep-original DUR] [--log FILE] [--alert-exec CMD] [--no-syslog]",
	  .help = "end a patch for the patched instance, the same way round" },
	{ .name = "help", .fn = cmd_help, .args = "[OBJECT [COMMAND]]",
	  .help = "show this help" },
	{ }
};

static const char usage_tail[] =
	"\n"
	"Options:\n"
	"  -j, --json      JSON output: an array for lists, an object for single\n"
	"                  results; monitor and drain --wait print one object\n"
	"                  per line\n"
	"  -h, --help      show this help (also: help, OBJECT help, ... --help)\n"
	"  -V, --version   show dpoctl's version\n"
	"\n"
	"DUR is milliseconds (100, 100ms) or seconds (1s, 1.5s), 10ms to 10s;\n"
	"a drain's --deadline DUR, and the DUR options of patch, rollback and\n"
	"promote, also take minutes (2m), 1ms to 60m.\n"
	"NAME and SESSION are session names of 1 to 31 bytes.\n"
	"FD is a descriptor number in process PID (as in /proc/PID/fd), PORT\n"
	"1 to 65535, ID a listener id (listener list). A new session's owner\n"
	"is both; canary:PCT (PCT 1 to 99) gives PCT percent of new connections\n"
	"to the patched instance.\n"
	"drain gives new connections to the other role at once, shuts the\n"
	"role's idle connections down at once, busy ones after their response,\n"
	"and resets what is left at the deadline. It prints the state at the\n"
	"start; --wait then prints each progress event and the end, and exits 0\n"
	"at the end. Counts: closed_idle (shut down while idle), closed_busy\n"
	"(after their response), reset (at the deadline), gone (closed by the\n"
	"server or the client first). With --idle-mark HEX (2 to 32 hex\n"
	"digits: 1 to 16 bytes), a connection is closed only when the last\n"
	"bytes the server wrote on it end with these, the end of a response\n"
	"that leaves the session idle (PostgreSQL's ReadyForQuery, idle:\n"
	"5a0000000549): never inside a transaction; the rest is reset at the\n"
	"deadline. With --min-requests N, a connection is closed only once it\n"
	"has answered N requests: never during a login (PostgreSQL with SSL\n"
	"negotiation answers 2 before the first query: N 3).\n"
	"conn list shows ages: AGE since the accept, IDLE since the last read or\n"
	"write; JSON has them in ns with the raw CLOCK_MONOTONIC times.\n"
	"In samples, lat_hist counts the requests of the interval by latency,\n"
	"non-empty buckets only, keyed by their lower bound in microseconds:\n"
	"buckets are 1 us wide up to 32 us, then 16 per power of two (at most\n"
	"1/16 of their bound wide: 4096, 4352, 4608, ... 7936, 8192, 8704...).\n"
	"P50_US and P99_US are interpolated inside their bucket (within about\n"
	"3%), MEAN_US is exact.\n"
	"Every command but version, status and analyze of a recording needs\n"
	"CAP_NET_ADMIN; listener add also needs the right to ptrace PID\n"
	"(pidfd_getfd(2)).\n"
	"analyze reads the JSON lines of dpoctl -j monitor (a file, or - for\n"
	"stdin) and prints the engine's events (ready, observe, breach, recover,\n"
	"severe, calm, verdict) with their time from the first sample, then the\n"
	"decision and the metrics it rests on; it stops at the verdict. The\n"
	"settings are the defaults, then --config FILE (INI: [baseline],\n"
	"[rule], [severity], [predictive], [promote], one section per metric),\n"
	"then --set SECTION.KEY=VALUE and the shorthands --alpha A (predictive.\n"
	"alpha), --duration S (rule.duration_s), --baseline S (baseline.\n"
	"window_s) and --promote-after S (promote.after_s), in order;\n"
	"--print-config prints the result as a file. A recording of several\n"
	"sessions needs --session NAME. With --live, the session's samples come\n"
	"from the module as they are taken, until the verdict (or SIGINT/\n"
	"SIGTERM: the decision so far, exit 5); the same samples give the same\n"
	"output as analyzing their recording.\n"
	"patch creates SESSION, takes the listening TCP sockets of the\n"
	"original (--port PORT..., default all of them), claims the session\n"
	"(if dpoctl dies, new connections go back to the original), builds the\n"
	"baseline, then starts PATCHED_CMD with the listeners inherited\n"
	"(LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES) as the original's user, in\n"
	"its directory and its own process group (--own-credentials: as\n"
	"dpoctl's; --output FILE: its stdout and stderr), or attaches\n"
	"--patched-pid PID. The patched instance is exposed (--exposure both,\n"
	"patched or canary:P1,P2,..., each step held --step DUR) and judged by\n"
	"the engine (the settings of analyze, and [patch] in the file). A\n"
	"regression, its death, an operator's dpoctl rollback, SIGINT or\n"
	"SIGTERM roll it back: (1) every listener to the original, (2) its\n"
	"connections drained between requests (--drain-deadline DUR, default\n"
	"30s; --drain-idle-mark HEX: only at that mark, as drain's --idle-mark;\n"
	"--drain-min-requests N: only after N answers, as drain's --min-requests),\n"
	"(3) SIGTERM, --stop-grace DUR (10s), SIGKILL, (4) the session\n"
	"ended. Promotion is the same the other way round, the original kept\n"
	"idle --keep-original DUR first. Events are JSON lines: --log FILE, and\n"
	"stdout when it is not a terminal or with --json (else a live view);\n"
	"syslog too (--no-syslog); --alert-exec CMD gets verdicts, failures\n"
	"and the summary on stdin; --log-intervals adds each sampled interval's\n"
	"values, baseline and thresholds (for plots; not to syslog);\n"
	"--metrics-file PATH is rewritten each second\n"
	"in Prometheus' text format. rollback and promote do the phases for a\n"
	"session from anywhere, a running patch following them.\n"
	"\n"
	"Exit status: 0 success, 1 usage error, 2 kernel or netlink error.\n"
	"patch: 0 promoted, 3 rolled back, 4 aborted by an operator (rollback\n"
	"or a signal), 5 the patched instance died (rolled back), 6 the\n"
	"original died (the patched instance serves alone), 7 a phase failed\n"
	"(the error events say what was done and what is left to do), 2 an\n"
	"error before the patched instance took traffic (nothing left\n"
	"changed). rollback and promote: 0 done, 7 a phase failed.\n"
	"analyze: 0 promote, 1 usage or settings error, 2 unreadable or\n"
	"malformed recording, 3 rollback, 4 insufficient data, 5 undecided at\n"
	"the end of the input.\n";

void dpoctl_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("dpoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void dpoctl_perror(const char *what, const struct dpoctl_error *e)
{
	char buf[320];

	if (e->whole)
		dpoctl_err("%s", e->msg);
	else
		dpoctl_err("%s: %s", what, dpoctl_error_str(e, buf, sizeof(buf)));
}

int dpoctl_usage(struct dpoctl_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "dpoctl: %s: ", ctx->what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (usage: dpoctl %s%s%s)\n", ctx->what,
		ctx->args[0] ? " " : "", ctx->args);
	return DPOCTL_EXIT_USAGE;
}

/* The synopsis whole (a long one on a line of its own), then the help. */
static void print_cmd(const char *prefix, const struct dpoctl_cmd *c)
{
	int n = printf("  %s%s%s%s", prefix, c->name, c->args[0] ? " " : "",
		       c->args) - 2;

	if (n > 32)
		printf("\n  %-32s  %s\n", "", c->help);
	else
		printf("%*s  %s\n", 32 - n, "", c->help);
}

static void print_cmds(const struct dpoctl_cmd *obj, const struct dpoctl_cmd *table)
{
	char prefix[32];
	const struct dpoctl_cmd *c;

	snprintf(prefix, sizeof(prefix), "%s%s", obj ? obj->name : "",
		 obj ? " " : "");
	for (c = table; c->name; c++) {
		if (c->sub)
			print_cmds(c, c->sub);
		else
			print_cmd(prefix, c);
	}
}

/* Help of dpoctl (@obj NULL), of an object, or of one command. */
static int help(const struct dpoctl_cmd *obj, const struct dpoctl_cmd *c)
{
	if (c) {
		printf("Usage: dpoctl [OPTIONS] %s%s%s%s%s\n\n  %s\n%s",
		       obj ? obj->name : "", obj ? " " : "", c->name,
		       c->args[0] ? " " : "", c->args, c->help, usage_tail);
	} else if (obj) {
		printf("Usage: dpoctl [OPTIONS] %s COMMAND [ARGS]\n\n"
		       "Commands:\n", obj->name);
		print_cmds(obj, obj->sub);
		fputs(usage_tail, stdout);
	} else {
		printf("Usage: dpoctl [-j|--json] [-h|--help] [-V|--version] "
		       "OBJECT COMMAND [ARGS]\n\nCommands:\n");
		print_cmds(NULL, top_cmds);
		fputs(usage_tail, stdout);
	}
	return DPOCTL_EXIT_OK;
}

static const struct dpoctl_cmd *find(const struct dpoctl_cmd *table,
				     const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

static bool is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "-h") || !strcmp(s, "--help");
}

static int cmd_help(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	const struct dpoctl_cmd *obj = NULL, *c = NULL;

	if (argc > 2)
		return dpoctl_usage(ctx, "too many arguments");
	if (argc >= 1) {
		c = find(top_cmds, argv[0]);
		if (!c)
			return dpoctl_usage(ctx, "unknown object \"%s\"", argv[0]);
		if (c->sub) {
			obj = c;
			c = NULL;
		}
	}
	if (argc == 2) {
		c = obj ? find(obj->sub, argv[1]) : NULL;
		if (!c)
			return dpoctl_usage(ctx, "unknown command \"%s\"", argv[1]);
	}
	return help(obj, c);
}

/*
 * OBJECT [COMMAND] ARGS: "help", "-h" and "--help" work at every level
 * and never need the module.
 */
static int dispatch(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	const struct dpoctl_cmd *obj = NULL, *c;
	int i;

	c = find(top_cmds, argv[0]);
	if (!c) {
		dpoctl_err("unknown object \"%s\" (try \"dpoctl help\")", argv[0]);
		return DPOCTL_EXIT_USAGE;
	}
	argc--;
	argv++;
	if (c->sub) {
		obj = c;
		if (!argc) {
			dpoctl_err("%s: missing COMMAND (try \"dpoctl %s help\")",
				obj->name, obj->name);
			return DPOCTL_EXIT_USAGE;
		}
		if (is_help(argv[0]))
			return help(obj, NULL);
		c = find(obj->sub, argv[0]);
		if (!c) {
			dpoctl_err("%s: unknown command \"%s\" (try \"dpoctl %s help\")",
				obj->name, argv[0], obj->name);
			return DPOCTL_EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return help(obj, c);

	snprintf(ctx->what, sizeof(ctx->what), "%s%s%s", obj ? obj->name : "",
		 obj ? " " : "", c->name);
	ctx->args = c->args;
	return c->fn(ctx, argc, argv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ .name = "json", .has_arg = no_argument, .val = 'j' },
		{ .name = "help", .has_arg = no_argument, .val = 'h' },
		{ .name = "version", .has_arg = no_argument, .val = 'V' },
		{ }
	};
	struct dpoctl_ctx ctx = { .args = "" };
	int opt, ret;

	opterr = 0;	/* our own one-line message */
	while ((opt = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctx.json = true;
			break;
		case 'h':
			return help(NULL, NULL);
		case 'V':
			printf("dpoctl %s\n", DPO_VERSION);
			return DPOCTL_EXIT_OK;
		default:
			if (optopt)
				dpoctl_err("unknown option \"-%c\" (try \"dpoctl help\")",
					optopt);
			else
				dpoctl_err("unknown option \"%s\" (try \"dpoctl help\")",
					argv[optind - 1]);
			return DPOCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		dpoctl_err("missing OBJECT (try \"dpoctl help\")");
		return DPOCTL_EXIT_USAGE;
	}

	dpoctl_pr_init(stdout, ctx.json);
	ret = dispatch(&ctx, argc - optind, argv + optind);
	if (fflush(stdout) || ferror(stdout)) {
		dpoctl_err("cannot write the output");
		ret = DPOCTL_EXIT_ERR;
	}
	return ret;
}
