// SPDX-License-Identifier: GPL-2.0
/* The listening TCP sockets of a process, found through /proc. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "procnet.h"

/* sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode */
#define TCP_COLS	10

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly @n hex digits at @s. */
static int parse_hex(const char *s, size_t n, uint32_t *v)
{
	size_t i;
	int d;

	*v = 0;
	for (i = 0; i < n; i++) {
		d = hexval(s[i]);
		if (d < 0)
			return -EINVAL;
		*v = *v << 4 | (uint32_t)d;
	}
	return 0;
}

/*
 * "0100007F:1538": the address is printed as 32-bit words, each the
 * network-order bytes read as a host integer ("%08X" of a __be32). So
 * the host's own layout of the word gives the bytes back.
 */
static int parse_endpoint(const char *s, size_t len, int family,
			  uint8_t addr[16], uint16_t *port)
{
	size_t words = family == AF_INET ? 1 : 4, i;
	uint32_t v;

	if (len != words * 8 + 5 || s[words * 8] != ':')
		return -EINVAL;
	for (i = 0; i < words; i++) {
		if (parse_hex(s + i * 8, 8, &v))
			return -EINVAL;
		memcpy(addr + i * 4, &v, sizeof(v));
	}
	if (parse_hex(s + words * 8 + 1, 4, &v))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int dpoctl_tcp_parse_row(const char *line, int family, struct dpoctl_tcp_row *row)
{
	const char *tok[TCP_COLS], *p = line;
	size_t len[TCP_COLS], i;
	uint64_t inode = 0;
	uint32_t st;

	memset(row, 0, sizeof(*row));
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	for (i = 0; i < TCP_COLS; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			return -EINVAL;
		tok[i] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		len[i] = (size_t)(p - tok[i]);
	}

	/* "12:": the slot number, which also tells the header line apart */
	if (len[0] < 2 || tok[0][len[0] - 1] != ':')
		return -EINVAL;
	for (i = 0; i < len[0] - 1; i++)
		if (tok[0][i] < '0' || tok[0][i] > '9')
			return -EINVAL;
	if (parse_endpoint(tok[1], len[1], family, row->addr, &row->port))
		return -EINVAL;
	if (len[3] != 2 || parse_hex(tok[3], 2, &st))
		return -EINVAL;
	for (i = 0; i < len[9]; i++) {
		if (tok[9][i] < '0' || tok[9][i] > '9' ||
		    inode > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		inode = inode * 10 + (uint64_t)(tok[9][i] - '0');
	}
	row->family = family;
	row->state = (uint8_t)st;
	row->inode = inode;
	return 0;
}

/* A socket of the process: its inode, and the first descriptor of it. */
struct fdsock {
	int fd;
	uint64_t inode;
};

static int cmp_fd(const void *a, const void *b)
{
	const struct fdsock *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* The sockets of /proc/PID/fd/, by ascending descriptor. */
static int socket_fds(const char *dir, struct fdsock **out, size_t *n)
{
	struct fdsock *v = NULL, *nv;
	size_t cap = 0;
	char link[64];
	unsigned long long ino;
	struct dirent *de;
	int err = 0, fd;
	char end;
	ssize_t len;
	DIR *d;

	*n = 0;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((errno = 0, de = readdir(d))) {
		if (sscanf(de->d_name, "%d%c", &fd, &end) != 1 || fd < 0)
			continue;
		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (len < 0)
			continue;	/* closed meanwhile */
		link[len] = '\0';
		if (sscanf(link, "socket:[%llu]%c", &ino, &end) != 1)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
		}
		v[*n].fd = fd;
		v[*n].inode = ino;
		(*n)++;
	}
	if (!err && errno)
		err = -errno;
	closedir(d);
	if (err) {
		free(v);
		*n = 0;
		return err;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_fd);
	*out = v;
	return 0;
}

static const struct fdsock *find_inode(const struct fdsock *v, size_t n,
				       uint64_t inode)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].inode == inode)
			return &v[i];
	return NULL;
}

/* Appends the matching LISTEN rows of one table to @socks. */
static int scan_table(const char *path, int family, uint16_t port,
		      const struct fdsock *fds, size_t nfds,
		      struct dpoctl_sock **socks, size_t *n, size_t *cap)
{
	const struct fdsock *f;
	struct dpoctl_tcp_row row;
	struct dpoctl_sock *nv;
	size_t size = 0, i;
	char *line = NULL;
	bool dup;
	int err = 0;
	FILE *fp;

	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (getline(&line, &size, fp) > 0) {
		if (dpoctl_tcp_parse_row(line, family, &row) ||
		    row.state != DPOCTL_TCP_LISTEN || (port && row.port != port) ||
		    !row.inode)
			continue;
		f = find_inode(fds, nfds, row.inode);
		if (!f)
			continue;
		for (dup = false, i = 0; i < *n; i++)
			dup |= (*socks)[i].inode == row.inode;
		if (dup)
			continue;
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 4;
			nv = realloc(*socks, *cap * sizeof(**socks));
			if (!nv) {
				err = -ENOMEM;
				break;
			}
			*socks = nv;
		}
		(*socks)[*n] = (struct dpoctl_sock){
			.fd = f->fd, .inode = row.inode, .family = family,
			.port = row.port,
		};
		memcpy((*socks)[*n].addr, row.addr, sizeof(row.addr));
		(*n)++;
	}
	if (!err && ferror(fp))
		err = -EIO;
	free(line);
	fclose(fp);
	return err;
}

int dpoctl_find_listeners(uint32_t pid, uint16_t port, struct dpoctl_sock **socks,
		       size_t *n, char *where, size_t wlen)
{
	static const struct {
		const char *name;
		int family;
	} tables[] = { { "tcp", AF_INET }, { "tcp6", AF_INET6 } };
	struct fdsock *fds = NULL;
	size_t nfds, cap = 0, i;
	char path[64];
	int err;

	*socks = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%u/fd", pid);
	snprintf(where, wlen, "%s", path);
	err = socket_fds(path, &fds, &nfds);
	if (err)
		return err;
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]) && nfds; i++) {
		snprintf(path, sizeof(path), "/proc/%u/net/%s", pid,
			 tables[i].name);
		snprintf(where, wlen, "%s", path);
		err = scan_table(path, tables[i].family, port, fds, nfds,
				 socks, n, &cap);
		/* no tcp6 without IPv6 */
		if (err == -ENOENT && tables[i].family == AF_INET6)
			err = 0;
		if (err)
			break;
	}
	free(fds);
	if (err) {
		free(*socks);
		*socks = NULL;
		*n = 0;
	}
	return err;
}
