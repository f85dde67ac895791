// SPDX-License-Identifier: GPL-2.0
/* The listening sockets of the test servers: inherited, or their own. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "listeners.h"

int listeners_passed(int *fds, int max, bool nonblock, const char *prog,
		     int status)
{
	const char *e = getenv("LISTEN_FDS"), *p = getenv("LISTEN_PID");
	unsigned long n, pid;
	char *end;
	int i;

	if (!e || !p)
		return 0;
	errno = 0;
	pid = strtoul(p, &end, 10);
	if (errno || *end || !*p || pid != (unsigned long)getpid())
		return 0;
	n = strtoul(e, &end, 10);
	if (errno || *end || !*e || n == 0 || n > (unsigned long)max) {
		fprintf(stderr, "%s: bad LISTEN_FDS '%s'\n", prog, e);
		exit(status);
	}
	/* not for our children, were there any */
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	for (i = 0; i < (int)n; i++) {
		struct stat st;
		int fl;

		fds[i] = 3 + i;
		if (fstat(fds[i], &st) || !S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "%s: LISTEN_FDS: fd %d is not a socket\n",
				prog, fds[i]);
			exit(status);
		}
		fl = fcntl(fds[i], F_GETFL);
		if (fcntl(fds[i], F_SETFD, FD_CLOEXEC) || fl < 0 ||
		    (nonblock && fcntl(fds[i], F_SETFL, fl | O_NONBLOCK))) {
			fprintf(stderr, "%s: LISTEN_FDS: fd %d: %s\n", prog,
				fds[i], strerror(errno));
			exit(status);
		}
	}
	return (int)n;
}

int listener_on_loopback(unsigned short port, bool nonblock, int backlog)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd, one = 1, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
		    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, backlog)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}
