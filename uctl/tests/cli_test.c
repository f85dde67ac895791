// SPDX-License-Identifier: GPL-2.0
/* dpoctl itself, without the module: help, usage errors, exit status. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

struct cli_case {
	const char *args[12];	/* NULL-terminated */
	int rc;
	const char *out;	/* stdout contains it; "": stdout empty */
	const char *err;	/* likewise for stderr */
};

static const char name32[] = "n0123456789012345678901234567890";

static const struct cli_case cli_cases[] = {
	{ { "--help" }, 0, "Usage: dpoctl [-j|--json]", "" },
	{ { "-h" }, 0, "Exit status: 0 success, 1 usage error, 2 kernel", "" },
	{ { "help" }, 0, "monitor [samples|events|all] [count N]", "" },
	{ { "-j", "help" }, 0, "instance add SESSION PID original|patched", "" },
	{ { "help", "session" }, 0, "session new NAME [interval DUR]", "" },
	{ { "help", "instance", "show" }, 0, "instance show [PID]", "" },
	{ { "session", "--help" }, 0, "session list", "" },
	{ { "session", "help" }, 0, "session del NAME", "" },
	{ { "session", "new", "--help" }, 0,
	  "Usage: dpoctl [OPTIONS] session new NAME [interval DUR]", "" },
	{ { "instance", "-h" }, 0, "instance del PID", "" },
	{ { "instance", "add", "x", "-h" }, 0, "original|patched", "" },
	{ { "monitor", "--help" }, 0, "monitor [samples|events|all]", "" },
	{ { "version", "-h" }, 0, "Usage: dpoctl [OPTIONS] version", "" },
	{ { "help" }, 0, "listener add SESSION PID FD|port PORT", "" },
	{ { "help", "listener" }, 0, "listener show ID", "" },
	{ { "listener", "help" }, 0, "listener del ID", "" },
	{ { "listener", "list", "-h" }, 0,
	  "Usage: dpoctl [OPTIONS] listener list\n", "" },
	{ { "session", "help" }, 0,
	  "session owner NAME original|patched|both|canary:PCT", "" },
	{ { "help", "session", "owner" }, 0, "canary:PCT (PCT 1 to 99)", "" },
	{ { "help" }, 0, "conn list [SESSION] [--pid PID]", "" },
	{ { "help" }, 0,
	  "drain SESSION original|patched [--deadline DUR] [--idle-mark HEX] [--min-requests N] [--wait]", "" },
	{ { "help", "drain" }, 0, "5a0000000549", "" },
	{ { "rollback", "--help" }, 0, "[--drain-idle-mark HEX]", "" },
	/* the list has every synopsis whole, however long */
	{ { "help" }, 0,
	  "[--keep-original DUR] [--log FILE] [--alert-exec CMD] [--no-syslog]\n",
	  "" },
	{ { "session", "help" }, 0, "session end NAME", "" },
	{ { "help", "session", "end" }, 0, "the same as del", "" },
	{ { "conn", "--help" }, 0, "conn list [SESSION]", "" },
	{ { "conn", "list", "-h" }, 0,
	  "Usage: dpoctl [OPTIONS] conn list [SESSION] [--pid PID]\n", "" },
	{ { "drain", "-h" }, 0, "Usage: dpoctl [OPTIONS] drain SESSION", "" },
	{ { "help", "drain" }, 0, "1ms to 60m", "" },
	{ { "drain", "s", "original", "--help" }, 0, "drain --wait print one",
	  "" },
	{ { "help" }, 0, "analyze [--config FILE] [--set S.K=V]...", "" },
	{ { "analyze", "--help" }, 0, "analyze: 0 promote, 1 usage or settings error, 2 unreadable", "" },
	{ { "-V" }, 0, "dpoctl 0.1.0\n", "" },
	{ { "--version" }, 0, "dpoctl 0.1.0\n", "" },
	/* without the module */
	{ { "version" }, 2, "",
	  "dpoctl: dpo module not loaded (family \"dpo\" not found)\n" },
	{ { "status" }, 2, "", "dpo module not loaded" },
	{ { "-j", "session", "list" }, 2, "", "dpo module not loaded" },
	{ { "-j", "instance", "show", "1" }, 2, "", "dpo module not loaded" },
	{ { "session", "new", "demo", "interval", "1.5s" }, 2, "",
	  "dpo module not loaded" },
	{ { "monitor", "events", "count", "1" }, 2, "",
	  "dpo module not loaded" },
	{ { "listener", "list" }, 2, "", "dpo module not loaded" },
	{ { "-j", "listener", "show", "1" }, 2, "", "dpo module not loaded" },
	{ { "listener", "del", "1" }, 2, "", "dpo module not loaded" },
	/* nothing of the process is touched before the module is found */
	{ { "listener", "add", "s", "1", "3" }, 2, "",
	  "dpoctl: dpo module not loaded" },
	{ { "listener", "add", "s", "4194304", "port", "80" }, 2, "",
	  "dpoctl: dpo module not loaded" },
	{ { "session", "owner", "s", "patched" }, 2, "",
	  "dpo module not loaded" },
	{ { "session", "owner", "s", "canary:5" }, 2, "",
	  "dpo module not loaded" },
	{ { "conn", "list" }, 2, "", "dpo module not loaded" },
	{ { "-j", "conn", "list", "s", "--pid", "1" }, 2, "",
	  "dpo module not loaded" },
	{ { "conn", "list", "--pid=7", "s" }, 2, "", "dpo module not loaded" },
	{ { "drain", "s", "original" }, 2, "", "dpo module not loaded" },
	{ { "drain", "s", "patched", "--deadline", "2m", "--wait" }, 2, "",
	  "dpo module not loaded" },
	{ { "-j", "drain", "--wait", "s", "original", "--deadline=1" }, 2, "",
	  "dpo module not loaded" },
	{ { "drain", "--", "-s", "original" }, 2, "", "dpo module not loaded" },
	{ { "drain", "s", "original", "--idle-mark", "5A0000000549" }, 2, "",
	  "dpo module not loaded" },
	{ { "drain", "s", "original", "--idle-mark=00112233445566778899aabbccddeeff" },
	  2, "", "dpo module not loaded" },
	{ { "drain", "s", "original", "--min-requests", "3", "--idle-mark",
	    "5a0000000549" }, 2, "", "dpo module not loaded" },
	{ { "rollback", "s", "--drain-min-requests=65535" }, 2, "",
	  "dpo module not loaded" },
	{ { "session", "end", "s" }, 2, "", "dpo module not loaded" },
	/* usage errors, before anything is sent */
	{ { NULL }, 1, "", "dpoctl: missing OBJECT" },
	{ { "bogus" }, 1, "", "dpoctl: unknown object \"bogus\"" },
	{ { "-x", "status" }, 1, "", "dpoctl: unknown option \"-x\"" },
	{ { "--bogus" }, 1, "", "dpoctl: unknown option \"--bogus\"" },
	{ { "session" }, 1, "", "dpoctl: session: missing COMMAND" },
	{ { "session", "frob" }, 1, "", "unknown command \"frob\"" },
	{ { "help", "bogus" }, 1, "", "unknown object \"bogus\"" },
	{ { "status", "now" }, 1, "", "dpoctl: status: unexpected \"now\"" },
	{ { "session", "new" }, 1, "",
	  "dpoctl: session new: missing NAME (usage: dpoctl session new NAME [interval DUR])\n" },
	{ { "session", "new", "x", "interval", "5ms" }, 1, "",
	  "interval \"5ms\" out of range (10ms to 10s)" },
	{ { "session", "new", "x", "interval", "11s" }, 1, "",
	  "out of range" },
	{ { "session", "new", "x", "interval", "fast" }, 1, "",
	  "bad interval \"fast\"" },
	{ { "session", "new", "x", "interval" }, 1, "", "missing DUR" },
	{ { "session", "new", "x", "every", "1s" }, 1, "",
	  "unexpected \"every\"" },
	{ { "session", "new", name32 }, 1, "", "1 to 31 bytes" },
	{ { "session", "new", "" }, 1, "", "1 to 31 bytes" },
	{ { "session", "set", "x" }, 1, "", "missing interval" },
	{ { "session", "del" }, 1, "", "missing NAME" },
	{ { "session", "del", "a", "b" }, 1, "", "unexpected \"b\"" },
	{ { "session", "list", "all" }, 1, "", "unexpected \"all\"" },
	{ { "instance", "add", "s", "12" }, 1, "", "missing role" },
	{ { "instance", "add", "s", "abc", "original" }, 1, "",
	  "bad PID \"abc\"" },
	{ { "instance", "add", "s", "12", "both" }, 1, "",
	  "bad role \"both\" (original or patched)" },
	{ { "instance", "del", "0" }, 1, "", "bad PID \"0\"" },
	{ { "instance", "show", "1", "2" }, 1, "", "unexpected \"2\"" },
	{ { "monitor", "count", "0" }, 1, "", "bad count \"0\"" },
	{ { "monitor", "count" }, 1, "", "missing N after count" },
	{ { "monitor", "bogus" }, 1, "", "unexpected \"bogus\"" },
	{ { "monitor", "samples", "events" }, 1, "", "unexpected \"events\"" },
	{ { "listener" }, 1, "", "dpoctl: listener: missing COMMAND" },
	{ { "listener", "frob" }, 1, "", "unknown command \"frob\"" },
	{ { "listener", "add" }, 1, "",
	  "dpoctl: listener add: missing SESSION (usage: dpoctl listener add SESSION PID FD|port PORT)\n" },
	{ { "listener", "add", "s" }, 1, "", "missing PID" },
	{ { "listener", "add", "s", "12" }, 1, "", "missing FD or port PORT" },
	{ { "listener", "add", name32, "12", "3" }, 1, "", "1 to 31 bytes" },
	{ { "listener", "add", "s", "abc", "3" }, 1, "", "bad PID \"abc\"" },
	{ { "listener", "add", "s", "0", "3" }, 1, "", "bad PID \"0\"" },
	{ { "listener", "add", "s", "12", "x" }, 1, "", "bad FD \"x\"" },
	{ { "listener", "add", "s", "12", "-1" }, 1, "", "bad FD \"-1\"" },
	{ { "listener", "add", "s", "12", "2147483648" }, 1, "",
	  "bad FD \"2147483648\"" },
	{ { "listener", "add", "s", "12", "3", "4" }, 1, "",
	  "unexpected \"4\"" },
	{ { "listener", "add", "s", "12", "port" }, 1, "",
	  "missing PORT after port" },
	{ { "listener", "add", "s", "12", "port", "0" }, 1, "",
	  "bad port \"0\" (1 to 65535)" },
	{ { "listener", "add", "s", "12", "port", "65536" }, 1, "",
	  "bad port \"65536\"" },
	{ { "listener", "add", "s", "12", "port", "http" }, 1, "",
	  "bad port \"http\"" },
	{ { "listener", "add", "s", "12", "port", "80", "x" }, 1, "",
	  "unexpected \"x\"" },
	{ { "listener", "del" }, 1, "",
	  "dpoctl: listener del: missing ID (usage: dpoctl listener del ID)\n" },
	{ { "listener", "del", "0" }, 1, "", "bad ID \"0\"" },
	{ { "listener", "del", "1", "2" }, 1, "", "unexpected \"2\"" },
	{ { "listener", "show" }, 1, "", "missing ID" },
	{ { "listener", "show", "x1" }, 1, "", "bad ID \"x1\"" },
	{ { "listener", "show", "1", "2" }, 1, "", "unexpected \"2\"" },
	{ { "listener", "list", "all" }, 1, "", "unexpected \"all\"" },
	{ { "session", "owner" }, 1, "",
	  "dpoctl: session owner: missing NAME (usage: dpoctl session owner NAME original|patched|both|canary:PCT)\n" },
	{ { "session", "owner", "s" }, 1, "", "missing owner" },
	{ { "session", "owner", name32, "both" }, 1, "", "1 to 31 bytes" },
	{ { "session", "owner", "s", "all" }, 1, "",
	  "bad owner \"all\" (original, patched, both or canary:PCT)" },
	{ { "session", "owner", "s", "canary" }, 1, "",
	  "canary needs a share: canary:PCT (1 to 99)" },
	{ { "session", "owner", "s", "canary:" }, 1, "",
	  "bad owner \"canary:\"" },
	{ { "session", "owner", "s", "canary:0" }, 1, "",
	  "canary share \"canary:0\" out of range (1 to 99)" },
	{ { "session", "owner", "s", "canary:100" }, 1, "",
	  "out of range (1 to 99)" },
	{ { "session", "owner", "s", "patched", "now" }, 1, "",
	  "unexpected \"now\"" },
	{ { "session", "end" }, 1, "",
	  "dpoctl: session end: missing NAME (usage: dpoctl session end NAME)\n" },
	{ { "session", "end", "a", "b" }, 1, "", "unexpected \"b\"" },
	{ { "conn" }, 1, "", "dpoctl: conn: missing COMMAND" },
	{ { "conn", "frob" }, 1, "", "unknown command \"frob\"" },
	{ { "conn", "list", "a", "b" }, 1, "", "unexpected \"b\"" },
	{ { "conn", "list", "--pid" }, 1, "",
	  "dpoctl: conn list: missing PID after --pid (usage: dpoctl conn list [SESSION] [--pid PID])\n" },
	{ { "conn", "list", "--pid", "0" }, 1, "", "bad PID \"0\"" },
	{ { "conn", "list", "--pid=x" }, 1, "", "bad PID \"x\"" },
	{ { "conn", "list", "--pid", "1", "--pid", "2" }, 1, "",
	  "--pid given twice" },
	{ { "conn", "list", "--bogus" }, 1, "", "unknown option \"--bogus\"" },
	{ { "conn", "list", name32 }, 1, "", "1 to 31 bytes" },
	{ { "drain" }, 1, "",
	  "dpoctl: drain: missing SESSION (usage: dpoctl drain SESSION original|patched [--deadline DUR] [--idle-mark HEX] [--min-requests N] [--wait])\n" },
	{ { "drain", "s" }, 1, "", "missing role" },
	{ { "drain", "s", "both" }, 1, "",
	  "bad role \"both\" (original or patched)" },
	{ { "drain", name32, "original" }, 1, "", "1 to 31 bytes" },
	{ { "drain", "s", "original", "--deadline" }, 1, "",
	  "missing DUR after --deadline" },
	{ { "drain", "s", "original", "--deadline", "0" }, 1, "",
	  "deadline \"0\" out of range (1ms to 60m)" },
	{ { "drain", "s", "original", "--deadline", "61m" }, 1, "",
	  "deadline \"61m\" out of range" },
	{ { "drain", "s", "original", "--deadline=1h" }, 1, "",
	  "bad deadline \"1h\" (e.g. 500ms, 30s, 2m)" },
	{ { "drain", "s", "original", "--deadline", "1s", "--deadline", "2s" },
	  1, "", "--deadline given twice" },
	{ { "drain", "s", "original", "now" }, 1, "", "unexpected \"now\"" },
	{ { "drain", "s", "original", "--idle-mark" }, 1, "",
	  "missing value after --idle-mark" },
	{ { "drain", "s", "original", "--idle-mark", "5a0" }, 1, "",
	  "bad --idle-mark \"5a0\" (2 to 32 hex digits, an even number: 5a0000000549)" },
	{ { "drain", "s", "original", "--idle-mark=" }, 1, "",
	  "bad --idle-mark \"\"" },
	{ { "drain", "s", "original", "--idle-mark", "0x5a" }, 1, "",
	  "bad --idle-mark \"0x5a\"" },
	{ { "drain", "s", "original", "--idle-mark",
	    "00112233445566778899aabbccddeeff00" }, 1, "",
	  "bad --idle-mark \"00112233445566778899aabbccddeeff00\"" },
	{ { "drain", "s", "original", "--idle-mark", "5a", "--idle-mark",
	    "49" }, 1, "", "--idle-mark given twice" },
	{ { "drain", "s", "original", "--now" }, 1, "",
	  "unknown option \"--now\"" },
	{ { "analyze" }, 1, "", "dpoctl: analyze: missing FILE" },
	{ { "analyze", "--set" }, 1, "", "missing value after --set" },
	{ { "analyze", "--session", name32, "x" }, 1, "", "1 to 31 bytes" },
	{ { "analyze", "a", "b" }, 1, "", "unexpected \"b\"" },
	{ { "analyze", "--config", "a", "--config", "b", "x" }, 1, "",
	  "--config given twice" },
	{ { "analyze", "--live" }, 1, "", "--live needs --session NAME" },
	{ { "patch" }, 1, "", "dpoctl: patch: missing SESSION" },
	{ { "patch", "s", "--", "true" }, 1, "", "missing --pid ORIG_PID" },
	{ { "patch", "s", "--pid", "1" }, 1, "",
	  "missing -- PATCHED_CMD or --patched-pid PID" },
	{ { "patch", "s", "--pid", "1", "--patched-pid", "2", "--", "true" }, 1,
	  "", "-- PATCHED_CMD and --patched-pid exclude each other" },
	{ { "patch", "s", "--pid", "1", "--patched-pid", "1" }, 1, "",
	  "--patched-pid is the original's pid" },
	{ { "patch", "s", "--pid", "1", "--port", "0", "--", "true" }, 1, "",
	  "bad port \"0\" (1 to 65535)" },
	{ { "patch", "s", "--pid", "1", "--port", "80", "--port", "80", "--",
	    "true" }, 1, "", "port 80 given twice" },
	{ { "patch", "s", "--pid", "1", "--exposure", "canary:50,20", "--",
	    "true" }, 1, "", "bad --exposure \"canary:50,20\"" },
	{ { "patch", "s", "--pid", "1", "--stop-grace", "2h", "--", "true" }, 1,
	  "", "bad --stop-grace \"2h\" (1ms to 60m)" },
	{ { "patch", "s", "--pid", "1", "--set", "patch.exposure=all", "--",
	    "true" }, 1, "", "patch.exposure: bad value \"all\"" },
	{ { "patch", "s", "--pid", "1", "--output", "f", "--patched-pid", "2" },
	  1, "", "--output is for PATCHED_CMD's output" },
	{ { "patch", "s", "--pid", "1", "--bogus", "--", "true" }, 1, "",
	  "unknown option \"--bogus\"" },
	{ { "rollback" }, 1, "", "dpoctl: rollback: missing SESSION" },
	{ { "drain", "s", "original", "--min-requests", "65536" }, 1, "",
	  "bad --min-requests \"65536\" (0 to 65535 requests)" },
	{ { "drain", "s", "original", "--min-requests", "-1" }, 1, "",
	  "bad --min-requests \"-1\"" },
	{ { "promote", "s", "--drain-min-requests", "x" }, 1, "",
	  "bad --drain-min-requests \"x\"" },
	{ { "patch", "s", "--pid", "1", "--set", "patch.drain_min_requests=70000",
	    "--", "true" }, 1, "", "patch.drain_min_requests" },
	{ { "rollback", "s", "--drain-idle-mark", "zz" }, 1, "",
	  "bad --drain-idle-mark \"zz\" (2 to 32 hex digits" },
	{ { "promote", "s", "--drain-idle-mark", "" }, 1, "",
	  "bad --drain-idle-mark \"\"" },
	{ { "patch", "s", "--pid", "1", "--drain-idle-mark", "5", "--",
	    "true" }, 1, "", "bad --drain-idle-mark \"5\"" },
	{ { "patch", "s", "--pid", "1", "--set", "patch.drain_idle_mark=5g",
	    "--", "true" }, 1, "", "patch.drain_idle_mark: bad value \"5g\"" },
	{ { "rollback", "s", "--keep-original", "1s" }, 1, "",
	  "unknown option \"--keep-original\"" },
	{ { "promote", "s", "--drain-deadline", "0" }, 1, "",
	  "bad --drain-deadline \"0\" (1ms to 60m)" },
	{ { "analyze", "--session", "db", "--live", "rec.json" }, 1, "",
	  "--live reads the module: no FILE" },
	{ { "analyze", "--set", "predictive.block_s=61", "x" }, 1, "",
	  "predictive.block_s: \"61\" out of range" },
};

/* @cmd: the command running dpoctl, @args: its arguments */
static int run(char **cmd, int ncmd, const char *const *args,
	       char **out, char **err)
{
	const char *argv[32];
	int i, n = 0, fo, fe, status;
	pid_t pid;

	for (i = 0; i < ncmd; i++)
		argv[n++] = cmd[i];
	for (i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	fflush(stdout);
	fo = memfd_create("stdout", 0);
	fe = memfd_create("stderr", 0);
	pid = fork();
	if (!pid) {
		dup2(fo, 1);
		dup2(fe, 2);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	*out = read_fd(fo);
	*err = read_fd(fe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool matches(const char *got, const char *want)
{
	return want[0] ? strstr(got, want) != NULL : !got[0];
}

static void test_cli(char **cmd, int ncmd)
{
	bool loaded = access("/sys/module/dpo", F_OK) == 0;
	char name[160], *out, *err, *nl;
	size_t i, j;
	int rc, ok;

	for (i = 0; i < sizeof(cli_cases) / sizeof(cli_cases[0]); i++) {
		const struct cli_case *c = &cli_cases[i];

		strcpy(name, "dpoctl");
		for (j = 0; c->args[j]; j++)
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 " %s", c->args[j][0] ? c->args[j] : "\"\"");
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
			 " -> exit %d", c->rc);
		if (c->rc == 2 && loaded) {
			tests++;
			printf("ok %d - %s # SKIP dpo module loaded\n", tests,
			       name);
			continue;
		}
		rc = run(cmd, ncmd, c->args, &out, &err);
		/* errors: exactly one line */
		nl = strchr(err, '\n');
		ok = rc == c->rc && matches(out, c->out) &&
		     matches(err, c->err) &&
		     (!rc || (nl && !nl[1] && !strncmp(err, "dpoctl: ", 8)));
		result(ok, "%s", name);
		if (!ok)
			printf("#   exit %d\n#   stdout: %.200s\n#   stderr: %s\n",
			       rc, out, err);
		free(out);
		free(err);
	}
}

/* The arguments are the command that runs dpoctl (e.g. "valgrind ... dpoctl"). */
int main(int argc, char **argv)
{
	if (argc > 1)
		test_cli(argv + 1, argc - 1);
	else
		skip("dpoctl command line", "no dpoctl command given");
	return test_done();
}
