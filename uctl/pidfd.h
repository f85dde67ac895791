/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_PIDFD_H
#define DPOCTL_PIDFD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Processes by pidfd: the raw system calls (glibc has wrappers only since
 * 2.36, valgrind 3.19 knows none of them). Each returns what the system
 * call does: -1 with errno.
 */
int dpoctl_pidfd_open(pid_t pid);
int dpoctl_pidfd_getfd(int pidfd, int targetfd);
int dpoctl_pidfd_send_signal(int pidfd, int sig);

/* strerror(), naming the kernel a missing call needs ("5.6") */
const char *dpoctl_sys_strerror(int err, const char *since);

/*
 * Copies the descriptors @targets[@n] of process @pid into @fds, all of
 * them or none: 0, or -1 with the reason in @why.
 */
int dpoctl_take_fds(uint32_t pid, const int *targets, size_t n, int *fds,
		    char *why, size_t len);

#endif
