// SPDX-License-Identifier: GPL-2.0
/*
 * launch: the patched command gets the listeners at 3, 4, ... with
 * LISTEN_FDS, LISTEN_PID (its own pid) and LISTEN_FDNAMES, stdin from
 * /dev/null, no other descriptor of ours, its own process group; it waits
 * at the gate until exec is allowed; a missing command is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "launch.h"
#include "test.h"

#define OUT	"/tmp/dpoctl-launch-test.out"

static char *slurp(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static void test_inherits(void)
{
	/* what the child sees, from its own shell */
	char *argv[] = { "sh", "-c",
		"echo fds=$LISTEN_FDS names=$LISTEN_FDNAMES; "
		"[ \"$LISTEN_PID\" = \"$$\" ] && echo pid=ok; "
		"[ -S /proc/self/fd/3 ] || [ -e /proc/$$/fd/3 ] && echo fd3=yes; "
		"[ -e /proc/$$/fd/4 ] && echo fd4=yes; "
		"[ -e /proc/$$/fd/5 ] && echo fd5=yes; "
		"[ $(ps -o pgid= -p $$ 2>/dev/null || cut -d' ' -f5 /proc/$$/stat) = $$ ] && echo pgrp=own; "
		"read x || echo stdin=eof", NULL };
	struct dpoctl_launch s = { .gate_fd = -1, .err_fd = -1 };
	int sv[2], stray, status;
	char why[256];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	stray = open("/dev/null", O_RDONLY);	/* must not reach the child */
	unlink(OUT);
	{
		struct dpoctl_launch_cfg cfg = {
			.argv = argv, .fds = sv, .nfds = 2, .output = OUT,
		};

		check_int("fork", dpoctl_launch_fork(&cfg, &s, why, sizeof(why)), 0);
	}
	/* at the gate: nothing written yet */
	usleep(100000);
	check_str("waits at the gate", slurp(OUT), "");
	check_int("exec", dpoctl_launch_exec(&s, "sh", why, sizeof(why)), 0);
	waitpid(s.pid, &status, 0);
	check_str("what the child saw", slurp(OUT),
		  "fds=2 names=listen:listen\npid=ok\nfd3=yes\nfd4=yes\npgrp=own\nstdin=eof\n");
	close(sv[0]);
	close(sv[1]);
	close(stray);
	unlink(OUT);
}

static void test_missing_command(void)
{
	char *argv[] = { "/nonexistent/dpo-patched", NULL };
	struct dpoctl_launch_cfg cfg = { .argv = argv };
	struct dpoctl_launch s = { .gate_fd = -1, .err_fd = -1 };
	char why[256] = "";

	check_int("fork", dpoctl_launch_fork(&cfg, &s, why, sizeof(why)), 0);
	check_int("missing command: -1",
		  dpoctl_launch_exec(&s, argv[0], why, sizeof(why)), -1);
	check_str("missing command: why", why,
		  "cannot run /nonexistent/dpo-patched: No such file or directory");
	check_int("missing command: reaped", waitpid(s.pid, NULL, WNOHANG), -1);
}

static void test_abort(void)
{
	char *argv[] = { "true", NULL };
	struct dpoctl_launch_cfg cfg = { .argv = argv };
	struct dpoctl_launch s = { .gate_fd = -1, .err_fd = -1 };
	char why[256];

	check_int("fork", dpoctl_launch_fork(&cfg, &s, why, sizeof(why)), 0);
	dpoctl_launch_abort(&s);
	check_int("abort: reaped", waitpid(s.pid, NULL, WNOHANG), -1);
}

/* the credentials and directory of a process: our own here */
static void test_credentials(void)
{
	char *argv[] = { "sh", "-c", "pwd; id -u", NULL };
	struct dpoctl_launch_cfg cfg = { .argv = argv, .output = OUT,
		.cred_pid = (uint32_t)getpid() };
	struct dpoctl_launch s = { .gate_fd = -1, .err_fd = -1 };
	char why[256], want[128];

	unlink(OUT);
	check_int("credentials: fork", dpoctl_launch_fork(&cfg, &s, why,
							  sizeof(why)), 0);
	check_int("credentials: exec", dpoctl_launch_exec(&s, "sh", why,
							  sizeof(why)), 0);
	waitpid(s.pid, NULL, 0);
	snprintf(want, sizeof(want), "%s\n%u\n", getcwd(why, sizeof(why)),
		 (unsigned int)geteuid());
	check_str("credentials: its directory and user", slurp(OUT), want);
	unlink(OUT);
}

int main(void)
{
	test_inherits();
	test_missing_command();
	test_abort();
	test_credentials();
	return test_done();
}
