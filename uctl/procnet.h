/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_PROCNET_H
#define DPOCTL_PROCNET_H

#include <stddef.h>
#include <stdint.h>

/* The "st" column of a TCP socket in LISTEN (TCP_LISTEN in the kernel). */
#define DPOCTL_TCP_LISTEN	0x0a

/* One row of /proc/net/tcp (@family AF_INET) or /proc/net/tcp6 (AF_INET6). */
struct dpoctl_tcp_row {
	int family;
	uint8_t addr[16];	/* local address, network order */
	uint16_t port;		/* local port */
	uint8_t state;
	uint64_t inode;
};

/* 0, or -EINVAL for the header line and anything malformed. */
int dpoctl_tcp_parse_row(const char *line, int family, struct dpoctl_tcp_row *row);

/* A listening TCP socket of another process. */
struct dpoctl_sock {
	int fd;			/* a descriptor of it in that process */
	uint64_t inode;
	int family;
	uint8_t addr[16];
	uint16_t port;
};

/*
 * The listening TCP sockets of process @pid on @port (0: any port): the
 * socket inodes of /proc/PID/fd/ matched with the LISTEN rows of
 * /proc/PID/net/tcp and tcp6 (the process's own network namespace). One entry per socket, however
 * many descriptors point to it, in the order IPv4 then IPv6. Returns 0 with
 * *@socks (free() it) and *@n, maybe 0, or -errno with the file that could
 * not be read in @where.
 */
int dpoctl_find_listeners(uint32_t pid, uint16_t port, struct dpoctl_sock **socks,
		       size_t *n, char *where, size_t wlen);

#endif
