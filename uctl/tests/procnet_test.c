// SPDX-License-Identifier: GPL-2.0
/* Tests of procnet.c: /proc/net/tcp rows, and our own listening sockets. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "parse.h"
#include "procnet.h"
#include "test.h"

/*
 * Rows as the kernel prints them: each 32-bit word of the address is its
 * network-order bytes read as a host integer, so the text depends on the
 * host's byte order.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LO4	"0100007F"			/* 127.0.0.1 */
#define A10	"0F02000A"			/* 10.0.2.15 */
#define G10	"0202000A"			/* 10.0.2.2 */
#define LO6	"00000000000000000000000001000000"	/* ::1 */
#define DOC6	"B80D0120000000000000000001000000"	/* 2001:db8::1 */
#define MAP6	"0000000000000000FFFF00000A01A8C0"	/* ::ffff:192.168.1.10 */
#else
#define LO4	"7F000001"
#define A10	"0A00020F"
#define G10	"0A000202"
#define LO6	"00000000000000000000000000000001"
#define DOC6	"20010DB8000000000000000000000001"
#define MAP6	"00000000000000000000FFFFC0A8010A"
#endif
#define ANY6	"00000000000000000000000000000000"

static void test_tcp_rows(void)
{
	static const struct {
		const char *name, *line;
		int family, ret;
		const char *addr;
		uint16_t port;
		uint8_t state;
		uint64_t inode;
	} c[] = {
		{ "tcp: listening on 127.0.0.1:5432",
		  "   0: " LO4 ":1538 00000000:0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0 23456 1 "
		  "0000000000000000 100 0 0 10 0\n",
		  AF_INET, 0, "127.0.0.1", 5432, 0x0a, 23456 },
		{ "tcp: established 10.0.2.15:22",
		  "  12: " A10 ":0016 " G10 ":C822 01 00000000:00000000 "
		  "02:000A7B4C 00000000     0        0 34567 4 "
		  "0000000000000000 20 4 31 10 -1\n",
		  AF_INET, 0, "10.0.2.15", 22, 0x01, 34567 },
		{ "tcp: time-wait, inode 0",
		  "   2: " LO4 ":1538 " LO4 ":D2F0 06 00000000:00000000 "
		  "03:00001770 00000000     0        0 0 3 0000000000000000\n",
		  AF_INET, 0, "127.0.0.1", 5432, 0x06, 0 },
		{ "tcp: lowercase hex, no newline",
		  "0: 0100007f:1f90 00000000:0000 0a 00000000:00000000 "
		  "00:00000000 00000000 0 0 99",
		  AF_INET, 0, NULL, 8080, 0x0a, 99 },
		{ "tcp6: listening on [::]:5432",
		  "   0: " ANY6 ":1538 " ANY6 ":0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0 23457 1 "
		  "0000000000000000 100 0 0 10 0\n",
		  AF_INET6, 0, "::", 5432, 0x0a, 23457 },
		{ "tcp6: listening on [::1]:8080",
		  "   1: " LO6 ":1F90 " ANY6 ":0000 0A 00000000:00000000 "
		  "00:00000000 00000000  1000        0 4242 1 "
		  "0000000000000000 100 0 0 10 0\n",
		  AF_INET6, 0, "::1", 8080, 0x0a, 4242 },
		{ "tcp6: established [2001:db8::1]:443",
		  "   2: " DOC6 ":01BB " LO6 ":A1B2 01 00000000:00000000 "
		  "02:00000D05 00000000    33        0 777 2 "
		  "0000000000000000 20 4 30 10 -1\n",
		  AF_INET6, 0, "2001:db8::1", 443, 0x01, 777 },
		{ "tcp6: v4-mapped, close-wait",
		  "   3: " MAP6 ":0016 " LO6 ":A1B2 08 00000000:00000000 "
		  "00:00000000 00000000     0        0 778 1 "
		  "0000000000000000 20 4 30 10 -1\n",
		  AF_INET6, 0, "::ffff:192.168.1.10", 22, 0x08, 778 },
		{ "tcp: header line rejected",
		  "  sl  local_address rem_address   st tx_queue rx_queue tr "
		  "tm->when retrnsmt   uid  timeout inode\n",
		  AF_INET, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp6: header line rejected",
		  "  sl  local_address                         remote_address"
		  "                        st tx_queue rx_queue tr tm->when "
		  "retrnsmt   uid  timeout inode\n",
		  AF_INET6, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp row read as tcp6 rejected",
		  "   0: " LO4 ":1538 00000000:0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0 23456 1\n",
		  AF_INET6, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp6 row read as tcp rejected",
		  "   0: " LO6 ":1F90 " ANY6 ":0000 0A 00000000:00000000 "
		  "00:00000000 00000000  1000        0 4242 1\n",
		  AF_INET, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp: no inode column rejected",
		  "   0: " LO4 ":1538 00000000:0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0\n",
		  AF_INET, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp: bad hex rejected",
		  "   0: 0100007G:1538 00000000:0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0 23456 1\n",
		  AF_INET, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp: short port rejected",
		  "   0: " LO4 ":153 00000000:0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0 23456 1\n",
		  AF_INET, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp: bad inode rejected",
		  "   0: " LO4 ":1538 00000000:0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0 23x56 1\n",
		  AF_INET, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp: slot without colon rejected",
		  "   0 " LO4 ":1538 00000000:0000 0A 00000000:00000000 "
		  "00:00000000 00000000   106        0 23456 1\n",
		  AF_INET, -EINVAL, NULL, 0, 0, 0 },
		{ "tcp: empty line rejected", "\n", AF_INET, -EINVAL,
		  NULL, 0, 0, 0 },
	};
	struct dpoctl_tcp_row row;
	char addr[64];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int ret = dpoctl_tcp_parse_row(c[i].line, c[i].family, &row);
		bool ok = ret == c[i].ret;

		if (ok && !ret) {
			dpoctl_addr_str(addr, sizeof(addr), row.family, row.addr);
			ok = row.family == c[i].family &&
			     (!c[i].addr || !strcmp(addr, c[i].addr)) &&
			     row.port == c[i].port &&
			     row.state == c[i].state &&
			     row.inode == c[i].inode;
			if (!ok)
				printf("#   got %s port %u state %02x inode %llu\n",
				       addr, row.port, row.state,
				       (unsigned long long)row.inode);
		}
		result(ok, "%s", c[i].name);
		if (ret != c[i].ret)
			printf("#   got %d, want %d\n", ret, c[i].ret);
	}
	result(dpoctl_tcp_parse_row(c[0].line, AF_UNIX, &row) == -EINVAL,
	       "tcp: unknown family rejected");
}

/* A listening socket of ours on @addr:@port (0: any), -1 if unavailable. */
static int listen_on(int family, const char *addr, uint16_t *port,
		     bool do_listen)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		inet_pton(AF_INET, addr, &sin->sin_addr);
		sin->sin_port = htons(*port);
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		sin6->sin6_port = htons(*port);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    (do_listen && listen(fd, 4)) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port);
	return fd;
}

/* Against our own sockets: /proc/PID/fd and /proc/PID/net/tcp{,6}. */
static void test_find_listeners(void)
{
	uint16_t port = 0, port2 = 0;
	int fd4, fd6, dup4, bound;
	struct dpoctl_sock *socks;
	char where[64], addr[64];
	size_t n = 99;
	int ret;

	fd4 = listen_on(AF_INET, "127.0.0.1", &port, true);
	if (fd4 < 0) {
		tests++;
		printf("ok %d - find listeners # SKIP no IPv4 socket\n", tests);
		return;
	}
	dup4 = dup(fd4);	/* one socket, two descriptors */
	fd6 = listen_on(AF_INET6, "::1", &port, true);
	bound = listen_on(AF_INET, "127.0.0.1", &port2, false);

	ret = dpoctl_find_listeners((uint32_t)getpid(), port, &socks, &n,
				 where, sizeof(where));
	result(!ret && n == (fd6 < 0 ? 1u : 2u),
	       "find listeners: IPv4%s on port %u", fd6 < 0 ? "" : " and IPv6",
	       port);
	if (!ret && n >= 1) {
		dpoctl_addr_str(addr, sizeof(addr), socks[0].family, socks[0].addr);
		result(socks[0].fd == fd4 && socks[0].family == AF_INET &&
		       socks[0].port == port && !strcmp(addr, "127.0.0.1"),
		       "find listeners: IPv4 first, lowest descriptor, once");
	}
	if (!ret && n >= 2) {
		dpoctl_addr_str(addr, sizeof(addr), socks[1].family, socks[1].addr);
		result(socks[1].fd == fd6 && socks[1].family == AF_INET6 &&
		       socks[1].port == port && !strcmp(addr, "::1"),
		       "find listeners: then IPv6");
	}
	if (!ret)
		free(socks);

	if (bound >= 0) {
		ret = dpoctl_find_listeners((uint32_t)getpid(), port2, &socks, &n,
					 where, sizeof(where));
		result(!ret && n == 0 && !socks,
		       "find listeners: bound but not listening -> none");
	}
	ret = dpoctl_find_listeners(4194304, port, &socks, &n, where,
				 sizeof(where));
	result(ret == -ENOENT && n == 0 && !socks &&
	       !strcmp(where, "/proc/4194304/fd"),
	       "find listeners: no such process -> ENOENT, file named");

	close(fd4);
	close(dup4);
	if (fd6 >= 0)
		close(fd6);
	if (bound >= 0)
		close(bound);
	ret = dpoctl_find_listeners((uint32_t)getpid(), port, &socks, &n, where,
				 sizeof(where));
	result(!ret && n == 0, "find listeners: closed -> none");
}

int main(void)
{
	test_tcp_rows();
	test_find_listeners();
	return test_done();
}
