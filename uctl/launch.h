/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_LAUNCH_H
#define DPOCTL_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The patched instance started the way the original would have forked it:
 * its listening sockets inherited by the systemd socket-activation
 * convention (LISTEN_FDS descriptors from 3, LISTEN_PID its own pid,
 * LISTEN_FDNAMES), the original's credentials and working directory, its
 * own process group, stdin from /dev/null.
 *
 * In two steps, so that the process can be tracked before it runs a line
 * of the new binary: dpoctl_launch_fork() leaves the child waiting at a
 * gate, dpoctl_launch_exec() opens it and reports whether exec worked.
 */
#define DPOCTL_LAUNCH_MAX_FDS	64

struct dpoctl_launch_cfg {
	char *const *argv;	/* the command, looked up in PATH */
	const int *fds;		/* the listeners, in order: fd 3, 4, ... */
	size_t nfds;		/* at most DPOCTL_LAUNCH_MAX_FDS */
	uint32_t cred_pid;	/* credentials and cwd of this process, 0: ours */
	const char *output;	/* stdout and stderr appended here, NULL: ours */
	bool stdout_to_stderr;	/* without @output: ours carries JSON lines */
};

struct dpoctl_launch {
	pid_t pid;
	int gate_fd;		/* the child execs once this is written */
	int err_fd;		/* exec's errno, or EOF when it worked */
};

/* 0, or -1 with the reason in @why (nothing left running) */
int dpoctl_launch_fork(const struct dpoctl_launch_cfg *cfg, struct dpoctl_launch *s,
		      char *why, size_t len);
/* 0 once the command runs, or -1 with the reason (the child reaped) */
int dpoctl_launch_exec(struct dpoctl_launch *s, const char *cmd, char *why,
		      size_t len);
/* The child never runs the command: killed at the gate and reaped. */
void dpoctl_launch_abort(struct dpoctl_launch *s);

#endif
