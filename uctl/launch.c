// SPDX-License-Identifier: GPL-2.0
/* The patched instance, forked and exec'd with the original's listeners. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "launch.h"

#define MAX_GROUPS	256
#define MAX_FDS		DPOCTL_LAUNCH_MAX_FDS

struct creds {
	bool set;		/* switch to these (another user's process) */
	uid_t uid;
	gid_t gid;
	size_t ngroups;
	gid_t groups[MAX_GROUPS];
	int cwd_fd;		/* -1: keep ours */
};

/* "Uid:\tR\tE\tS\tF" of /proc/PID/status: the effective one */
static int status_id(const char *line, const char *key, unsigned long *id)
{
	size_t n = strlen(key);
	char *end;

	if (strncmp(line, key, n))
		return 0;
	errno = 0;
	strtoul(line + n, &end, 10);		/* real */
	*id = strtoul(end, &end, 10);		/* effective */
	return errno ? -1 : 1;
}

static int read_creds(uint32_t pid, struct creds *c, char *why, size_t len)
{
	unsigned long uid = 0, gid = 0;
	char path[64], *line = NULL, *p, *end;
	size_t cap = 0;
	int got = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		if (status_id(line, "Uid:", &uid) > 0)
			got |= 1;
		else if (status_id(line, "Gid:", &gid) > 0)
			got |= 2;
		else if (!strncmp(line, "Groups:", 7)) {
			got |= 4;
			for (p = line + 7; c->ngroups < MAX_GROUPS; p = end) {
				unsigned long g = strtoul(p, &end, 10);

				if (end == p)
					break;
				c->groups[c->ngroups++] = (gid_t)g;
			}
		}
	}
	free(line);
	fclose(f);
	if (got != 7) {
		snprintf(why, len, "%s: no Uid, Gid or Groups line", path);
		return -1;
	}
	c->uid = (uid_t)uid;
	c->gid = (gid_t)gid;
	c->set = true;
	snprintf(path, sizeof(path), "/proc/%u/cwd", pid);
	c->cwd_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->cwd_fd < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* What the child was doing when it failed, for the message. */
enum step { S_FDS, S_CWD, S_STDIO, S_CREDS, S_ENV, S_EXEC };

static const char *const step_names[] = {
	"moving the listeners to 3, 4, ...", "entering the original's directory",
	"redirecting its output", "taking the original's credentials",
	"setting LISTEN_*", "exec",
};

static void report(int fd, enum step step, int err)
{
	int msg[2] = { (int)step, err };
	ssize_t n = write(fd, msg, sizeof(msg));

	(void)n;
	_exit(127);
}

/* In the child: never returns. */
static void child(const struct dpoctl_launch_cfg *cfg, const struct creds *c,
		  int gate, int errfd, int outfd)
{
	char nbuf[16], pbuf[16], *names;
	int fd, hi, cwd, out, high[MAX_FDS];
	/* above the listeners' places 3 .. 3 + n and the error pipe's */
	int low = 4 + (int)cfg->nfds;
	sigset_t none;
	size_t i;
	char go;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < NSIG; i++)
		signal((int)i, SIG_DFL);
	setpgid(0, 0);
	if (read(gate, &go, 1) != 1)
		_exit(127);		/* dpoctl gave up on us */
	/*
	 * Everything we keep out of the way first (any may sit where a
	 * listener goes), then the listeners to 3, 4, ... and the error pipe
	 * right after them.
	 */
	errfd = fcntl(errfd, F_DUPFD_CLOEXEC, low);
	if (errfd < 0)
		_exit(127);
	cwd = c->cwd_fd < 0 ? -1 : fcntl(c->cwd_fd, F_DUPFD_CLOEXEC, low);
	out = outfd < 0 ? -1 : fcntl(outfd, F_DUPFD_CLOEXEC, low);
	if ((c->cwd_fd >= 0 && cwd < 0) || (outfd >= 0 && out < 0))
		report(errfd, S_FDS, errno);
	for (i = 0; i < cfg->nfds && i < MAX_FDS; i++) {
		high[i] = fcntl(cfg->fds[i], F_DUPFD_CLOEXEC, low);
		if (high[i] < 0)
			report(errfd, S_FDS, errno);
	}
	for (i = 0; i < cfg->nfds && i < MAX_FDS; i++)
		if (dup2(high[i], 3 + (int)i) < 0)
			report(errfd, S_FDS, errno);
	hi = 3 + (int)cfg->nfds;
	if (dup3(errfd, hi, O_CLOEXEC) < 0)
		report(errfd, S_FDS, errno);
	errfd = hi;
	if (cwd >= 0 && fchdir(cwd) < 0)
		report(errfd, S_CWD, errno);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, 0) < 0)
		report(errfd, S_STDIO, errno);
	if (out >= 0 && (dup2(out, 1) < 0 || dup2(out, 2) < 0))
		report(errfd, S_STDIO, errno);
	if (out < 0 && cfg->stdout_to_stderr && dup2(2, 1) < 0)
		report(errfd, S_STDIO, errno);
	/* nothing of ours beyond the listeners (and the error pipe, CLOEXEC) */
	syscall(SYS_close_range, hi + 1, ~0U, 0);
	if (c->set && geteuid() == 0 &&
	    (setgroups(c->ngroups, c->groups) || setgid(c->gid) ||
	     setuid(c->uid)))
		report(errfd, S_CREDS, errno);
	snprintf(nbuf, sizeof(nbuf), "%zu", cfg->nfds);
	snprintf(pbuf, sizeof(pbuf), "%d", getpid());
	names = calloc(cfg->nfds ? cfg->nfds : 1, sizeof("listen:"));
	for (i = 0; names && i < cfg->nfds; i++)
		strcat(names, i ? ":listen" : "listen");
	if (!names || setenv("LISTEN_FDS", nbuf, 1) ||
	    setenv("LISTEN_PID", pbuf, 1) ||
	    setenv("LISTEN_FDNAMES", names, 1)) {
		free(names);
		report(errfd, S_ENV, ENOMEM);
	}
	execvp(cfg->argv[0], cfg->argv);
	fd = errno;
	free(names);
	report(errfd, S_EXEC, fd);
}

int dpoctl_launch_fork(const struct dpoctl_launch_cfg *cfg, struct dpoctl_launch *s,
		      char *why, size_t len)
{
	struct creds *c = calloc(1, sizeof(*c));
	int gate[2] = { -1, -1 }, err[2] = { -1, -1 };
	int ret = -1, outfd = -1;

	if (!c) {
		snprintf(why, len, "%s", strerror(ENOMEM));
		return -1;
	}
	c->cwd_fd = -1;
	if (cfg->cred_pid && read_creds(cfg->cred_pid, c, why, len))
		goto out;
	if (c->set && geteuid() != 0 && c->uid != geteuid()) {
		snprintf(why, len, "the original runs as uid %u: starting the patched instance as that user needs root (or --own-credentials)",
			 (unsigned int)c->uid);
		goto out;
	}
	/* in dpoctl's directory, as root: not where the service user writes */
	if (cfg->output) {
		outfd = open(cfg->output, O_WRONLY | O_CREAT | O_APPEND |
			     O_CLOEXEC | O_NOFOLLOW, 0640);
		if (outfd < 0) {
			snprintf(why, len, "--output %s: %s", cfg->output,
				 strerror(errno));
			goto out;
		}
	}
	if (pipe2(gate, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		goto out;
	}
	if (!s->pid) {
		close(gate[1]);
		close(err[0]);
		child(cfg, c, gate[0], err[1], outfd);
	}
	s->gate_fd = gate[1];
	s->err_fd = err[0];
	gate[1] = -1;
	err[0] = -1;
	ret = 0;
out:
	if (gate[0] >= 0)
		close(gate[0]);
	if (gate[1] >= 0)
		close(gate[1]);
	if (err[0] >= 0)
		close(err[0]);
	if (err[1] >= 0)
		close(err[1]);
	if (c->cwd_fd >= 0)
		close(c->cwd_fd);
	if (outfd >= 0)
		close(outfd);
	free(c);
	return ret;
}

int dpoctl_launch_exec(struct dpoctl_launch *s, const char *cmd, char *why,
		       size_t len)
{
	int msg[2] = { 0, 0 };
	ssize_t n;

	n = write(s->gate_fd, "g", 1);
	close(s->gate_fd);
	s->gate_fd = -1;
	if (n == 1) {
		do
			n = read(s->err_fd, msg, sizeof(msg));
		while (n < 0 && errno == EINTR);
	}
	close(s->err_fd);
	s->err_fd = -1;
	if (n == 0)
		return 0;
	if (n != sizeof(msg))
		snprintf(why, len, "cannot run %s: the child died before exec",
			 cmd);
	else if (msg[0] == S_EXEC)
		snprintf(why, len, "cannot run %s: %s", cmd, strerror(msg[1]));
	else
		snprintf(why, len, "cannot run %s: %s: %s", cmd,
			 step_names[msg[0] % (S_EXEC + 1)], strerror(msg[1]));
	waitpid(s->pid, NULL, 0);
	return -1;
}

void dpoctl_launch_abort(struct dpoctl_launch *s)
{
	if (s->gate_fd >= 0)
		close(s->gate_fd);
	if (s->err_fd >= 0)
		close(s->err_fd);
	s->gate_fd = s->err_fd = -1;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}
