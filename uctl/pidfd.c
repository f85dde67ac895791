// SPDX-License-Identifier: GPL-2.0
/* Other processes by pidfd: their descriptors and signals. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "pidfd.h"

int dpoctl_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int dpoctl_pidfd_getfd(int pidfd, int targetfd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, targetfd, 0);
}

int dpoctl_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

const char *dpoctl_sys_strerror(int err, const char *since)
{
	static char buf[128];

	if (err != ENOSYS)
		return strerror(err);
	snprintf(buf, sizeof(buf), "%s (needs Linux %s or later)",
		 strerror(err), since);
	return buf;
}

int dpoctl_take_fds(uint32_t pid, const int *targets, size_t n, int *fds,
		    char *why, size_t len)
{
	size_t i, j;
	int pidfd;

	pidfd = dpoctl_pidfd_open((pid_t)pid);
	if (pidfd < 0) {
		snprintf(why, len, "pidfd_open(%u): %s", pid,
			 dpoctl_sys_strerror(errno, "5.3"));
		return -1;
	}
	for (i = 0; i < n; i++) {
		fds[i] = dpoctl_pidfd_getfd(pidfd, targets[i]);
		if (fds[i] < 0) {
			snprintf(why, len, "pidfd_getfd(%u, %d): %s", pid,
				 targets[i], dpoctl_sys_strerror(errno, "5.6"));
			for (j = 0; j < i; j++) {
				close(fds[j]);
				fds[j] = -1;
			}
			close(pidfd);
			return -1;
		}
	}
	close(pidfd);
	return 0;
}
