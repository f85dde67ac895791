/* SPDX-License-Identifier: GPL-2.0 */
/* The listening sockets of the test servers (listeners.c). */
#ifndef DPO_SELFTEST_LISTENERS_H
#define DPO_SELFTEST_LISTENERS_H

#include <stdbool.h>

/*
 * sd_listen_fds(): the listeners passed by LISTEN_FDS/LISTEN_PID (fds 3..,
 * at most @max, into @fds, close-on-exec, non-blocking with @nonblock), or
 * 0 when none were passed to us. The variables are then unset. A bad
 * LISTEN_FDS, or an fd there that is not a socket, ends the program with
 * @status after a message naming @prog.
 */
int listeners_passed(int *fds, int max, bool nonblock, const char *prog,
		     int status);
/* A socket listening on 127.0.0.1:@port (SO_REUSEADDR), or -1 (errno). */
int listener_on_loopback(unsigned short port, bool nonblock, int backlog);

#endif /* DPO_SELFTEST_LISTENERS_H */
