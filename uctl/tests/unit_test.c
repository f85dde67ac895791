// SPDX-License-Identifier: GPL-2.0
/*
 * dpoctl's host tests, one TAP line per case. The pure logic first, then
 * the netlink layer against the host's genetlink controller (the dpo
 * module is not loaded on the host). Any arguments are the command that
 * runs dpoctl (e.g. "valgrind ... build/dpoctl"): then the command line
 * itself is tested too, without the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "dpoctl.h"
#include "msg.h"
#include "nl.h"
#include "nlerr.h"
#include "parse.h"
#include "print.h"
#include "procnet.h"
#include "rate.h"
#include "traffic.h"

static int tests, failed;

static void result(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	failed += !ok;
	printf("%sok %d - ", ok ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void check_str(const char *name, const char *got, const char *want)
{
	result(!strcmp(got, want), "%s", name);
	if (strcmp(got, want))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got, want);
}

static void check_int(const char *name, long long got, long long want)
{
	result(got == want, "%s", name);
	if (got != want)
		printf("#   got %lld, want %lld\n", got, want);
}

static void check_near(const char *name, double got, double want)
{
	bool ok = fabs(got - want) < 1e-9 * (fabs(want) + 1);

	result(ok, "%s", name);
	if (!ok)
		printf("#   got %.12g, want %.12g\n", got, want);
}

/* nl.c reports through dpoctl_err(): keep the last message to check it */
static char last_err[512];

void dpoctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
	va_end(ap);
}

/* ---- parse.c ---- */

static void test_interval(void)
{
	static const struct {
		const char *in;
		int ret;
		uint32_t ms;
	} c[] = {
		{ "100", 0, 100 }, { "100ms", 0, 100 }, { "2s", 0, 2000 },
		{ "1s", 0, 1000 }, { "1.5s", 0, 1500 }, { "10", 0, 10 },
		{ "10ms", 0, 10 }, { "10s", 0, 10000 }, { "10000", 0, 10000 },
		{ "0.01s", 0, 10 }, { "2.25s", 0, 2250 }, { "1.000s", 0, 1000 },
		{ "100.0ms", 0, 100 }, { "0100", 0, 100 },
		{ "9", -ERANGE, 0 }, { "9ms", -ERANGE, 0 }, { "0", -ERANGE, 0 },
		{ "0s", -ERANGE, 0 }, { "10001", -ERANGE, 0 }, { "10.001s", -ERANGE, 0 },
		{ "11s", -ERANGE, 0 }, { "0.009s", -ERANGE, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "99999999999999999999s", -ERANGE, 0 },
		{ "", -EINVAL, 0 }, { "ms", -EINVAL, 0 }, { "s", -EINVAL, 0 },
		{ "abc", -EINVAL, 0 }, { "1.5ms", -EINVAL, 0 }, { "0.0105s", -EINVAL, 0 },
		{ "1.0005s", -EINVAL, 0 }, { "-100", -EINVAL, 0 }, { "+100", -EINVAL, 0 },
		{ " 100", -EINVAL, 0 }, { "100 ", -EINVAL, 0 }, { "1.", -EINVAL, 0 },
		{ ".5s", -EINVAL, 0 }, { "1.5.0s", -EINVAL, 0 }, { "100us", -EINVAL, 0 },
		{ "1m", -EINVAL, 0 }, { "1S", -EINVAL, 0 }, { "1e3", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 }, { "100msx", -EINVAL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint32_t ms = 0;
		int ret = dpoctl_parse_interval(c[i].in, &ms);
		int ok = ret == c[i].ret && (ret || ms == c[i].ms);

		result(ok, "interval \"%s\" -> %s", c[i].in,
		       c[i].ret == -EINVAL ? "bad value" :
		       c[i].ret == -ERANGE ? "out of range" : "ok");
		if (!ok)
			printf("#   got %d (%u ms), want %d (%u ms)\n", ret, ms,
			       c[i].ret, c[i].ms);
	}
}

static void test_deadline(void)
{
	static const struct {
		const char *in;
		int ret;
		uint32_t ms;
	} c[] = {
		{ "1", 0, 1 }, { "1ms", 0, 1 }, { "500ms", 0, 500 },
		{ "30s", 0, 30000 }, { "0.5s", 0, 500 }, { "1.5s", 0, 1500 },
		{ "0.001s", 0, 1 }, { "2m", 0, 120000 }, { "1.5m", 0, 90000 },
		{ "0.001m", 0, 60 }, { "60m", 0, 3600000 },
		{ "3600000", 0, 3600000 }, { "3600s", 0, 3600000 },
		{ "0", -ERANGE, 0 }, { "0ms", -ERANGE, 0 }, { "0m", -ERANGE, 0 },
		{ "0.0s", -ERANGE, 0 }, { "3600001", -ERANGE, 0 },
		{ "60.001m", -ERANGE, 0 }, { "61m", -ERANGE, 0 },
		{ "3601s", -ERANGE, 0 }, { "99999999999999999999m", -ERANGE, 0 },
		{ "", -EINVAL, 0 }, { "m", -EINVAL, 0 }, { "1h", -EINVAL, 0 },
		{ "1M", -EINVAL, 0 }, { "1min", -EINVAL, 0 }, { "0.0001s", -EINVAL, 0 },
		{ "0.5ms", -EINVAL, 0 }, { "0.00001m", -EINVAL, 0 },
		{ "-1s", -EINVAL, 0 }, { "1 s", -EINVAL, 0 }, { "1ms ", -EINVAL, 0 },
		{ "1.m", -EINVAL, 0 }, { "1us", -EINVAL, 0 }, { "1e3", -EINVAL, 0 },
	};
	uint32_t ms;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int ret;
		int ok;

		ms = 0;
		ret = dpoctl_parse_deadline(c[i].in, &ms);
		ok = ret == c[i].ret && (ret || ms == c[i].ms);
		result(ok, "deadline \"%s\" -> %s", c[i].in,
		       c[i].ret == -EINVAL ? "bad value" :
		       c[i].ret == -ERANGE ? "out of range" : "ok");
		if (!ok)
			printf("#   got %d (%u ms), want %d (%u ms)\n", ret, ms,
			       c[i].ret, c[i].ms);
	}
	/* minutes are for deadlines only: intervals stay as they were */
	result(dpoctl_parse_interval("1m", &ms) == -EINVAL,
	       "interval \"1m\" still a bad value");
}

static void test_conn_words(void)
{
	static const struct {
		uint64_t ns;
		const char *want;
	} d[] = {
		{ 0, "0ms" }, { 999999, "0ms" }, { 1000000, "1ms" },
		{ 999999999ULL, "999ms" }, { 1000000000ULL, "1.0s" },
		{ 12345000000ULL, "12.3s" }, { 59999999999ULL, "59.9s" },
		{ 60000000000ULL, "1m00s" }, { 303000000000ULL, "5m03s" },
		{ 3599999999999ULL, "59m59s" }, { 3600000000000ULL, "1h00m" },
		{ 7260000000000ULL, "2h01m" }, { 86399000000000ULL, "23h59m" },
		{ 86400000000000ULL, "1d00h" }, { 273600000000000ULL, "3d04h" },
		{ UINT64_MAX, "213503d23h" },
	};
	static const char *const states[] = {
		"unknown", "idle", "busy", "draining", "closed", "reset",
	};
	char buf[32], name[64];
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		snprintf(name, sizeof(name), "conn state %zu", i);
		check_str(name, dpoctl_conn_state_name((uint8_t)i), states[i]);
	}
	check_str("conn state past the enum", dpoctl_conn_state_name(DPO_CONN_MAX + 1),
		  "unknown");
	check_str("conn state 255", dpoctl_conn_state_name(255), "unknown");
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		dpoctl_duration_str(buf, sizeof(buf), d[i].ns);
		snprintf(name, sizeof(name), "duration %lluns",
			 (unsigned long long)d[i].ns);
		check_str(name, buf, d[i].want);
	}
	dpoctl_duration_str(buf, 4, 12345000000ULL);
	check_str("duration truncated", buf, "12.");
	check_int("latency bucket 0 from 0us", (long long)dpoctl_lat_bucket_lo_us(0), 0);
	check_int("latency bucket 1 from 2us", (long long)dpoctl_lat_bucket_lo_us(1), 2);
	check_int("latency bucket 10 from 1024us",
		  (long long)dpoctl_lat_bucket_lo_us(10), 1024);
	check_int("latency bucket 31 from 2^31us",
		  (long long)dpoctl_lat_bucket_lo_us(DPO_LAT_BUCKETS - 1),
		  1LL << 31);
}

static void test_numbers(void)
{
	static const struct {
		const char *in;
		uint32_t min, max;
		int ret;
		uint32_t v;
	} c[] = {
		{ "1", 1, UINT32_MAX, 0, 1 },
		{ "4294967295", 1, UINT32_MAX, 0, UINT32_MAX },
		{ "4294967296", 1, UINT32_MAX, -ERANGE, 0 },
		{ "0", 1, UINT32_MAX, -ERANGE, 0 },
		{ "5", 1, 4, -ERANGE, 0 },
		{ "007", 0, 10, 0, 7 },
		{ "", 0, 10, -EINVAL, 0 },
		{ "-0", 0, 10, -EINVAL, 0 },
		{ "3 ", 0, 10, -EINVAL, 0 },
	};
	static const struct {
		const char *in;
		int ret;
	} pids[] = {
		{ "1", 0 }, { "4194304", 0 }, { "0", -ERANGE },
		{ "4194305", -ERANGE }, { "99999999999999999999", -ERANGE },
		{ "-1", -EINVAL }, { "12a", -EINVAL }, { "", -EINVAL },
		{ "0x10", -EINVAL }, { " 1", -EINVAL },
	};
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int ret;

		v = 12345;
		ret = dpoctl_parse_u32(c[i].in, c[i].min, c[i].max, &v);
		result(ret == c[i].ret && (ret || v == c[i].v),
		       "u32 \"%s\" in %u..%u -> %d", c[i].in, c[i].min,
		       c[i].max, c[i].ret);
	}
	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++)
		result(dpoctl_parse_pid(pids[i].in, &v) == pids[i].ret,
		       "pid \"%s\" -> %d", pids[i].in, pids[i].ret);
}

static void test_role_name(void)
{
	static const char *const bad[] = {
		"Original", "orig", "", "unspec", "patched ",
	};
	char name[40];
	uint8_t r = 0;
	size_t i;

	result(!dpoctl_parse_role("original", &r) && r == DPO_ROLE_ORIGINAL,
	       "role \"original\"");
	result(!dpoctl_parse_role("patched", &r) && r == DPO_ROLE_PATCHED,
	       "role \"patched\"");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		result(dpoctl_parse_role(bad[i], &r) == -EINVAL,
		       "role \"%s\" rejected", bad[i]);
	check_str("role name 1", dpoctl_role_name(DPO_ROLE_ORIGINAL), "original");
	check_str("role name 2", dpoctl_role_name(DPO_ROLE_PATCHED), "patched");
	check_str("role name 0", dpoctl_role_name(0), "unknown");
	check_str("role name 9", dpoctl_role_name(9), "unknown");

	memset(name, 'n', sizeof(name));
	name[31] = '\0';
	result(!dpoctl_check_session_name(name), "session name of 31 bytes");
	name[31] = 'n';
	name[32] = '\0';
	result(dpoctl_check_session_name(name) == -ERANGE,
	       "session name of 32 bytes rejected");
	result(dpoctl_check_session_name("") == -ERANGE,
	       "empty session name rejected");
	result(!dpoctl_check_session_name("a"), "session name of 1 byte");
}

static void test_exit_str(void)
{
	static const struct {
		uint32_t status;
		const char *want;
	} c[] = {
		{ 0x0000, "exited 0" },
		{ 0x0300, "exited 3" },
		{ 0xff00, "exited 255" },
		{ 9, "killed by SIGKILL" },
		{ 15, "killed by SIGTERM" },
		{ 11 | 0x80, "killed by SIGSEGV (core dumped)" },
		{ 34, "killed by signal 34" },
		{ 0x137f, "status 0x137f" },	/* stopped: not an exit */
	};
	char buf[64], name[32];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		dpoctl_exit_str(buf, sizeof(buf), c[i].status);
		snprintf(name, sizeof(name), "exit status 0x%x", c[i].status);
		check_str(name, buf, c[i].want);
	}
}

static void test_owner(void)
{
	static const struct {
		const char *in;
		int ret;
		uint8_t owner;
		uint32_t pct;
	} c[] = {
		{ "original", 0, DPO_OWNER_ORIGINAL, 0 },
		{ "patched", 0, DPO_OWNER_PATCHED, 0 },
		{ "both", 0, DPO_OWNER_BOTH, 0 },
		{ "canary", 0, DPO_OWNER_CANARY, 0 },
		{ "canary:1", 0, DPO_OWNER_CANARY, 1 },
		{ "canary:10", 0, DPO_OWNER_CANARY, 10 },
		{ "canary:99", 0, DPO_OWNER_CANARY, 99 },
		{ "canary:0", -ERANGE, 0, 0 },
		{ "canary:100", -ERANGE, 0, 0 },
		{ "canary:", -EINVAL, 0, 0 },
		{ "canary:x", -EINVAL, 0, 0 },
		{ "canary:-5", -EINVAL, 0, 0 },
		{ "canary:10%", -EINVAL, 0, 0 },
		{ "canary10", -EINVAL, 0, 0 },
		{ "Both", -EINVAL, 0, 0 },
		{ "all", -EINVAL, 0, 0 },
		{ "unspec", -EINVAL, 0, 0 },
		{ "unknown", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },
		{ "patched ", -EINVAL, 0, 0 },
	};
	uint32_t pct, id;
	uint16_t port;
	uint8_t o;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int ret;
		bool ok;

		o = 0;
		pct = 77;
		ret = dpoctl_parse_owner(c[i].in, &o, &pct);
		ok = ret == c[i].ret &&
		     (ret || (o == c[i].owner && pct == c[i].pct));
		result(ok, "owner \"%s\" -> %s", c[i].in,
		       c[i].ret == -EINVAL ? "bad value" :
		       c[i].ret == -ERANGE ? "out of range" : "ok");
		if (!ok)
			printf("#   got %d (owner %u, %u%%)\n", ret, o, pct);
	}
	check_str("owner name 1", dpoctl_owner_name(DPO_OWNER_ORIGINAL), "original");
	check_str("owner name 2", dpoctl_owner_name(DPO_OWNER_PATCHED), "patched");
	check_str("owner name 3", dpoctl_owner_name(DPO_OWNER_BOTH), "both");
	check_str("owner name 4", dpoctl_owner_name(DPO_OWNER_CANARY), "canary");
	check_str("owner name 0", dpoctl_owner_name(DPO_OWNER_UNSPEC), "unknown");
	check_str("owner name 200", dpoctl_owner_name(200), "unknown");

	result(!dpoctl_parse_port("1", &port) && port == 1, "port \"1\"");
	result(!dpoctl_parse_port("65535", &port) && port == 65535,
	       "port \"65535\"");
	result(dpoctl_parse_port("0", &port) == -ERANGE, "port \"0\" rejected");
	result(dpoctl_parse_port("65536", &port) == -ERANGE,
	       "port \"65536\" rejected");
	result(dpoctl_parse_port("http", &port) == -EINVAL,
	       "port \"http\" rejected");
	result(!dpoctl_parse_fd("0", &fd) && fd == 0, "fd \"0\"");
	result(!dpoctl_parse_fd("2147483647", &fd) && fd == 2147483647,
	       "fd \"2147483647\"");
	result(dpoctl_parse_fd("2147483648", &fd) == -ERANGE,
	       "fd \"2147483648\" rejected");
	result(dpoctl_parse_fd("-1", &fd) == -EINVAL, "fd \"-1\" rejected");
	result(!dpoctl_parse_listener_id("4294967295", &id) && id == UINT32_MAX,
	       "listener id \"4294967295\"");
	result(dpoctl_parse_listener_id("0", &id) == -ERANGE,
	       "listener id \"0\" rejected");
}

static void test_addr_str(void)
{
	static const struct {
		int family;
		const char *bin;	/* network order */
		uint16_t port;
		const char *addr, *addr_port;
	} c[] = {
		{ AF_INET, "\x7f\x00\x00\x01", 5432, "127.0.0.1",
		  "127.0.0.1:5432" },
		{ AF_INET, "\x00\x00\x00\x00", 80, "0.0.0.0", "0.0.0.0:80" },
		{ AF_INET, "\xff\xff\xff\xff", 65535, "255.255.255.255",
		  "255.255.255.255:65535" },
		{ AF_INET6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 8080, "::1",
		  "[::1]:8080" },
		{ AF_INET6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 5432, "::",
		  "[::]:5432" },
		{ AF_INET6, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 443,
		  "2001:db8::1", "[2001:db8::1]:443" },
		{ AF_INET6, "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\xa8\x01\x0a", 22,
		  "::ffff:192.168.1.10", "[::ffff:192.168.1.10]:22" },
		{ AF_INET6, "\xfe\x80\0\0\0\0\0\0\x12\x34\x56\xff\xfe\x78\x9a\xbc",
		  1, "fe80::1234:56ff:fe78:9abc", "[fe80::1234:56ff:fe78:9abc]:1" },
		{ AF_UNIX, "\0\0\0\0", 7, "?", "?:7" },
	};
	char buf[64], name[64];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		dpoctl_addr_str(buf, sizeof(buf), c[i].family, c[i].bin);
		snprintf(name, sizeof(name), "address %s", c[i].addr);
		check_str(name, buf, c[i].addr);
		dpoctl_addr_port_str(buf, sizeof(buf), c[i].family, c[i].bin,
				  c[i].port);
		snprintf(name, sizeof(name), "address:port %s", c[i].addr_port);
		check_str(name, buf, c[i].addr_port);
	}
	dpoctl_addr_port_str(buf, 8, AF_INET6, c[3].bin, 8080);
	check_str("address:port truncated", buf, "[::1]:8");
	check_str("family inet", dpoctl_family_name(AF_INET), "inet");
	check_str("family inet6", dpoctl_family_name(AF_INET6), "inet6");
	check_str("family other", dpoctl_family_name(AF_UNIX), "unknown");
}

/* ---- procnet.c ---- */

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

/* ---- print.c ---- */

static void test_json_escape(void)
{
	static const struct {
		const char *name, *in, *want;
	} c[] = {
		{ "plain", "demo-1", "demo-1" },
		{ "quote, backslash", "a\"b\\c", "a\\\"b\\\\c" },
		{ "newline, tab", "l1\nl2\t", "l1\\nl2\\t" },
		{ "cr, bs, ff", "\r\b\f", "\\r\\b\\f" },
		{ "other controls", "\x01\x1f", "\\u0001\\u001f" },
		{ "DEL stays", "\x7f", "\x7f" },
		{ "2-byte UTF-8", "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "3-byte UTF-8", "\xe2\x82\xac", "\xe2\x82\xac" },
		{ "4-byte UTF-8", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "bad byte", "a\xff" "b", "a\\ufffdb" },
		{ "cut sequence", "a\xc3", "a\\ufffd" },
		{ "overlong", "\xc0\xaf", "\\ufffd\\ufffd" },
		{ "overlong 3-byte", "\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd" },
		{ "surrogate", "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd" },
		{ "above U+10FFFF", "\xf4\x90\x80\x80",
		  "\\ufffd\\ufffd\\ufffd\\ufffd" },
		{ "lone continuation", "\x80" "x", "\\ufffdx" },
	};
	char buf[64], name[64];
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = dpoctl_json_escape(buf, sizeof(buf), c[i].in);
		snprintf(name, sizeof(name), "json escape: %s", c[i].name);
		check_str(name, buf, c[i].want);
		if (n != strlen(c[i].want))
			printf("#   length %zu, want %zu\n", n, strlen(c[i].want));
	}
	n = dpoctl_json_escape(buf, 5, "ab\"cd");
	result(n == 6 && !strcmp(buf, "ab\\\""),
	       "json escape: truncated like snprintf");
	n = dpoctl_json_escape(buf, 4, "ab\"cd");
	result(n == 6 && !strcmp(buf, "ab"),
	       "json escape: never half an escape");
	result(dpoctl_json_escape(NULL, 0, "\n") == 2, "json escape: size 0 measures");

	dpoctl_text_sanitize(buf, sizeof(buf), "a\nb\x1b[31m\x7f");
	check_str("text sanitize: controls", buf, "a?b?[31m?");
	dpoctl_text_sanitize(buf, 3, "abcdef");
	check_str("text sanitize: truncates", buf, "ab");
}

/* Runs @fn with the printer writing to a string. */
static char *capture(bool json, void (*fn)(void))
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	dpoctl_pr_init(f, json);
	fn();
	fclose(f);
	return out;
}

static void two_sessions(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("name", NULL, 16, "alpha");
	dpoctl_pr_u64("interval_ms", NULL, 11, 100);
	dpoctl_pr_u64("instances", NULL, 9, 2);
	dpoctl_pr_row_end();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("name", NULL, 16, "b\"q");
	dpoctl_pr_u64("interval_ms", NULL, 11, 10000);
	dpoctl_pr_u64("instances", NULL, 9, 0);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
}

static void empty_list(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_pr_end();
}

static void mixed_row(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("a", "A", 3, "v");
	dpoctl_pr_nest_begin("n");
	dpoctl_pr_u64("x", NULL, 3, 1);
	dpoctl_pr_null("y", NULL, 3);
	dpoctl_pr_nest_end();
	dpoctl_pr_double("d", NULL, 5, 2, 1.5);
	dpoctl_pr_double("inf", NULL, 4, 1, INFINITY);
	dpoctl_pr_str(NULL, "T", 1, "text-only");
	dpoctl_pr_u64("j", NULL, 0, 7);
	dpoctl_pr_row_end();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("a", "A", 3, "w\n");
	dpoctl_pr_nest_begin("n");
	dpoctl_pr_u64("x", NULL, 3, 22);
	dpoctl_pr_null("y", NULL, 3);
	dpoctl_pr_nest_end();
	dpoctl_pr_double("d", NULL, 5, 2, 0.125);
	dpoctl_pr_double("inf", NULL, 4, 1, NAN);
	dpoctl_pr_str(NULL, "T", 1, "t");
	dpoctl_pr_u64("j", NULL, 0, 8);
	dpoctl_pr_row_end();
}

static void record(void)
{
	dpoctl_pr_begin(DPOCTL_PR_RECORD, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("version", NULL, 1, "0.1.0");
	dpoctl_pr_u64("sessions", NULL, 1, 3);
	dpoctl_pr_null("avg_sample_ns", NULL, 1);
	dpoctl_pr_u64("hidden", NULL, 0, 1);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
}

static bool header_only_result;

static void header_then_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	header_only_result = dpoctl_pr_header_only();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("k", NULL, 4, "fake");
	dpoctl_pr_row_end();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("k", NULL, 4, "real");
	dpoctl_pr_row_end();
}

static void test_print(void)
{
	char *s;

	s = capture(false, two_sessions);
	check_str("text table: header once, aligned", s,
		  "NAME              INTERVAL_MS  INSTANCES\n"
		  "alpha                     100          2\n"
		  "b\"q                     10000          0\n");
	free(s);
	s = capture(true, two_sessions);
	check_str("json list: one array", s,
		  "[{\"name\":\"alpha\",\"interval_ms\":100,\"instances\":2},"
		  "{\"name\":\"b\\\"q\",\"interval_ms\":10000,\"instances\":0}]\n");
	free(s);
	s = capture(false, empty_list);
	check_str("text empty list: nothing", s, "");
	free(s);
	s = capture(true, empty_list);
	check_str("json empty list: []", s, "[]\n");
	free(s);
	s = capture(true, mixed_row);
	check_str("json rows: nest, null, double, one object per line", s,
		  "{\"a\":\"v\",\"n\":{\"x\":1,\"y\":null},\"d\":1.50,"
		  "\"inf\":null,\"j\":7}\n"
		  "{\"a\":\"w\\n\",\"n\":{\"x\":22,\"y\":null},\"d\":0.12,"
		  "\"inf\":null,\"j\":8}\n");
	free(s);
	s = capture(false, mixed_row);
	check_str("text rows: text-only and JSON-only fields", s,
		  "A      X    Y      D   INF  T\n"
		  "v      1    -   1.50     -  text-only\n"
		  "w?    22    -   0.12     -  t\n");
	free(s);
	s = capture(false, record);
	check_str("text record: name value lines", s,
		  "version         0.1.0\n"
		  "sessions        3\n"
		  "avg_sample_ns   -\n");
	free(s);
	s = capture(true, record);
	check_str("json record: one object", s,
		  "{\"version\":\"0.1.0\",\"sessions\":3,\"avg_sample_ns\":null,"
		  "\"hidden\":1}\n");
	free(s);
	s = capture(false, header_then_rows);
	result(header_only_result && !strcmp(s, "K\nreal\n"),
	       "text header only: first row swallowed");
	free(s);
	s = capture(true, header_then_rows);
	result(!header_only_result, "json header only: refused");
	free(s);
}

/* ---- rate.c ---- */

static const struct dpoctl_stats s0 = {
	.timestamp_ns = 1000000000, .seq = 1, .cpu_ns = 0,
	.run_delay_ns = 0, .nvcsw = 10, .nivcsw = 5, .min_flt = 100,
	.maj_flt = 1, .rss_bytes = 1 << 20, .threads = 1,
};

/* half a second later */
static const struct dpoctl_stats s1 = {
	.timestamp_ns = 1500000000, .seq = 2, .cpu_ns = 250000000,
	.run_delay_ns = 5000000, .nvcsw = 20, .nivcsw = 10, .min_flt = 150,
	.maj_flt = 2, .rss_bytes = 2 << 20, .threads = 2,
};

static void test_rates(void)
{
	struct dpoctl_stats s = s1;
	struct dpoctl_rates r;

	result(!dpoctl_rates(&s0, &s1, &r), "rates: two samples");
	check_near("rates: cpu % of one core", r.cpu_pct, 50.0);
	check_near("rates: run delay ms/s", r.run_delay_ms_per_s, 10.0);
	check_near("rates: context switches/s", r.csw_per_s, 30.0);
	check_near("rates: faults/s", r.flt_per_s, 102.0);
	s.cpu_ns = 1000000000;
	dpoctl_rates(&s0, &s, &r);
	check_near("rates: several cores above 100%", r.cpu_pct, 200.0);

	s = s1;
	s.timestamp_ns = s0.timestamp_ns;
	check_int("rates: same time -> EINVAL", dpoctl_rates(&s0, &s, &r), -EINVAL);
	s = s1;
	s.seq = s0.seq;
	check_int("rates: same seq -> EINVAL", dpoctl_rates(&s0, &s, &r), -EINVAL);
	check_int("rates: swapped samples -> EINVAL", dpoctl_rates(&s1, &s0, &r),
		  -EINVAL);
	s = s1;
	s.cpu_ns = 0;
	s.run_delay_ns = 0;
	check_int("rates: no change is fine", dpoctl_rates(&s0, &s, &r), 0);
	s = s1;
	s.nivcsw = 4;
	check_int("rates: counter back -> ERANGE", dpoctl_rates(&s0, &s, &r),
		  -ERANGE);
	s = s1;
	s.maj_flt = 0;
	check_int("rates: faults back -> ERANGE", dpoctl_rates(&s0, &s, &r),
		  -ERANGE);
}

static void test_tracker(void)
{
	struct dpoctl_instance a = { .pid = 10, .start_time_ns = 5,
				  .has_stats = true, .stats = s0 };
	struct dpoctl_instance b = { .pid = 11, .start_time_ns = 6,
				  .has_stats = true, .stats = s0 };
	struct dpoctl_tracker t = { 0 };
	struct dpoctl_rates r = { 0 };
	int i, ok = 1;

	check_int("tracker: first sample, no rates",
		  dpoctl_tracker_update(&t, &a, &r), 0);
	check_int("tracker: other pid, no rates",
		  dpoctl_tracker_update(&t, &b, &r), 0);
	a.stats = s1;
	check_int("tracker: second sample, rates",
		  dpoctl_tracker_update(&t, &a, &r), 1);
	check_near("tracker: rates from its own previous sample", r.cpu_pct,
		   50.0);
	a.start_time_ns = 7;
	a.stats = s0;
	check_int("tracker: reused pid starts over",
		  dpoctl_tracker_update(&t, &a, &r), 0);
	dpoctl_tracker_forget(&t, &b);
	b.stats = s1;
	check_int("tracker: forgotten pid starts over",
		  dpoctl_tracker_update(&t, &b, &r), 0);
	a.has_stats = false;
	a.pid = 99;
	check_int("tracker: instance without sample ignored",
		  dpoctl_tracker_update(&t, &a, &r), 0);
	check_int("tracker: entries", (long long)t.n, 3);
	for (i = 0; i < 100; i++) {
		a.pid = 1000 + i;
		a.has_stats = true;
		a.stats = s0;
		ok &= dpoctl_tracker_update(&t, &a, &r) == 0;
	}
	for (i = 0; i < 100; i++) {
		a.pid = 1000 + i;
		a.stats = s1;
		ok &= dpoctl_tracker_update(&t, &a, &r) == 1;
	}
	result(ok && t.n == 103, "tracker: grows to 100 more processes");
	dpoctl_tracker_free(&t);
	result(!t.v && !t.n, "tracker: freed");
}

/* ---- nlerr.c ---- */

struct buf {
	size_t len;
	union {
		struct nlmsghdr nlh;
		char raw[512];
	};
};

static void put(struct buf *b, const void *data, size_t len)
{
	memcpy(b->raw + b->len, data, len);
	b->len = NLMSG_ALIGN(b->len + len);
}

static void put_attr(struct buf *b, uint16_t type, const void *data,
		     size_t len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	put(b, &nla, sizeof(nla));
	b->len -= NLA_ALIGN(sizeof(nla));
	b->len += NLA_HDRLEN;
	put(b, data, len);
}

/* An NLMSG_ERROR as the kernel builds it for a request of @req_len. */
static void error_msg(struct buf *b, int err, int flags, size_t req_len)
{
	struct nlmsgerr e = { .error = -err };

	memset(b, 0, sizeof(*b));
	b->len = NLMSG_HDRLEN;
	b->nlh.nlmsg_type = NLMSG_ERROR;
	b->nlh.nlmsg_flags = flags;
	e.msg.nlmsg_len = req_len;
	e.msg.nlmsg_type = 0x20;
	put(b, &e, sizeof(e));
	if (!(flags & NLM_F_CAPPED))
		b->len += NLMSG_ALIGN(req_len - NLMSG_HDRLEN);
}

/* Parses @b from a heap copy of its exact size: valgrind sees overreads. */
static void parse_error(struct buf *b, struct dpoctl_nlerr *e, bool done)
{
	struct nlmsghdr *nlh = malloc(b->len);

	b->nlh.nlmsg_len = b->len;
	memcpy(nlh, b->raw, b->len);
	if (done)
		dpoctl_nlerr_from_done(e, nlh);
	else
		dpoctl_nlerr_from_error(e, nlh);
	free(nlh);
}

static void check_reason(const char *name, const struct dpoctl_nlerr *e, int cmd,
			 const char *want)
{
	char buf[320];

	check_str(name, dpoctl_nlerr_str(e, cmd, buf, sizeof(buf)), want);
}

static void test_nlerr(void)
{
	static const char tracked[] = "process already tracked";
	static const char range[] = "integer out of range";
	uint32_t u32 = 24;
	struct dpoctl_nlerr e;
	struct buf b;
	int err;

	error_msg(&b, EEXIST, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, tracked, sizeof(tracked));
	put_attr(&b, NLMSGERR_ATTR_OFFS, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	result(e.err == EEXIST && !strcmp(e.msg, tracked) && !e.policy &&
	       e.miss_type == -1, "extack: capped error with message");
	check_reason("reason: the kernel's message", &e, DPO_CMD_INSTANCE_ADD,
		     tracked);

	error_msg(&b, ENOENT, NLM_F_ACK_TLVS, 44);
	put_attr(&b, NLMSGERR_ATTR_MSG, "boom", 5);
	parse_error(&b, &e, false);
	result(e.err == ENOENT && !strcmp(e.msg, "boom"),
	       "extack: uncapped error skips the request copy");

	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, range, sizeof(range));
	put_attr(&b, NLMSGERR_ATTR_OFFS, &u32, sizeof(u32));
	put_attr(&b, NLMSGERR_ATTR_POLICY | NLA_F_NESTED, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	result(e.policy, "extack: policy rejection seen");
	check_reason("reason: policy rejection is a bad value", &e,
		     DPO_CMD_SESSION_NEW, "bad value: integer out of range");

	u32 = DPO_A_PID;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "missing attribute: pid", 23);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	result(e.miss_type == DPO_A_PID, "extack: missing attribute type");
	check_reason("reason: the kernel's words on a missing attribute", &e,
		     DPO_CMD_INSTANCE_DEL, "missing attribute: pid");
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute by name", &e,
		     DPO_CMD_INSTANCE_DEL, "missing attribute pid");
	u32 = 99;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute by number", &e,
		     DPO_CMD_INSTANCE_DEL, "missing attribute 99");

	error_msg(&b, EEXIST, NLM_F_CAPPED, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "ignored", 8);
	parse_error(&b, &e, false);
	result(e.err == EEXIST && !e.msg[0],
	       "extack: TLVs only with NLM_F_ACK_TLVS");
	check_reason("reason: documented error without message", &e,
		     DPO_CMD_INSTANCE_ADD, tracked);

	error_msg(&b, ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "abcd", 4);
	parse_error(&b, &e, false);
	check_str("extack: message without NUL", e.msg, "abcd");

	error_msg(&b, ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MSG, "ok", 3);
	put_attr(&b, NLMSGERR_ATTR_OFFS, &u32, sizeof(u32));
	((struct nlattr *)(b.raw + b.len - 8))->nla_len = 64;
	parse_error(&b, &e, false);
	result(e.err == ENOENT && !strcmp(e.msg, "ok"),
	       "extack: TLV past the end ignored, others kept");

	error_msg(&b, ENOENT, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	b.len = NLMSG_HDRLEN + 8;
	parse_error(&b, &e, false);
	check_int("extack: truncated error -> EPROTO", e.err, EPROTO);

	memset(&b, 0, sizeof(b));
	b.nlh.nlmsg_type = NLMSG_DONE;
	b.nlh.nlmsg_flags = NLM_F_MULTI | NLM_F_ACK_TLVS;
	b.len = NLMSG_HDRLEN;
	err = -EPERM;
	put(&b, &err, sizeof(err));
	put_attr(&b, NLMSGERR_ATTR_MSG, "dump failed", 12);
	parse_error(&b, &e, true);
	result(e.err == EPERM && !strcmp(e.msg, "dump failed"),
	       "extack: failed dump in NLMSG_DONE");
	err = 0;
	b.len = NLMSG_HDRLEN;
	put(&b, &err, sizeof(err));
	parse_error(&b, &e, true);
	check_int("extack: successful NLMSG_DONE", e.err, 0);

	dpoctl_nlerr_clear(&e);
	e.err = EPERM;
	check_reason("reason: EPERM needs CAP_NET_ADMIN", &e,
		     DPO_CMD_INSTANCE_ADD, "not permitted (needs CAP_NET_ADMIN)");
	e.err = EEXIST;
	check_reason("reason: session exists", &e, DPO_CMD_SESSION_NEW,
		     "session exists");
	e.err = ENOENT;
	check_reason("reason: process not tracked", &e, DPO_CMD_INSTANCE_DEL,
		     "process not tracked");
	check_reason("reason: no such session", &e, DPO_CMD_SESSION_SET,
		     "no such session");
	e.err = ESRCH;
	check_reason("reason: no such process", &e, DPO_CMD_INSTANCE_ADD,
		     "no such process");
	e.err = ENOENT;
	check_reason("reason: strerror for other commands", &e, 0,
		     strerror(ENOENT));
	e.err = EIO;
	check_reason("reason: strerror for other errors", &e,
		     DPO_CMD_INSTANCE_ADD, strerror(EIO));
	e.err = EEXIST;
	check_reason("reason: listener already attached", &e,
		     DPO_CMD_LISTENER_ADD, "socket already attached");
	e.err = EINVAL;
	check_reason("reason: not a listening socket", &e,
		     DPO_CMD_LISTENER_ADD, "not a listening TCP socket");
	e.err = ENOENT;
	check_reason("reason: no such listener", &e, DPO_CMD_LISTENER_DEL,
		     "no such listener");
	check_reason("reason: owner of no such session", &e,
		     DPO_CMD_OWNER_SET, "no such session");

	u32 = DPO_A_FD;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute fd", &e, DPO_CMD_LISTENER_ADD,
		     "missing attribute fd");
	u32 = DPO_A_OWNER;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute owner", &e, DPO_CMD_OWNER_SET,
		     "missing attribute owner");

	/* the module's own words win over the table, whatever they are */
	error_msg(&b, EOPNOTSUPP, NLM_F_CAPPED | NLM_F_ACK_TLVS, 44);
	put_attr(&b, NLMSGERR_ATTR_MSG, "canary ownership is not implemented yet",
		 40);
	parse_error(&b, &e, false);
	result(e.err == EOPNOTSUPP, "extack: EOPNOTSUPP of owner set");
	check_reason("reason: the kernel's words on canary", &e,
		     DPO_CMD_OWNER_SET, "canary ownership is not implemented yet");

	dpoctl_nlerr_clear(&e);
	e.err = ENOENT;
	check_reason("reason: drain of no such session", &e, DPO_CMD_DRAIN,
		     "no such session");
	check_reason("reason: conn list of no such session", &e,
		     DPO_CMD_CONN_GET, "no such session");
	e.err = EINVAL;
	check_reason("reason: drain without the other role", &e, DPO_CMD_DRAIN,
		     "no instance of the other role to take new connections");
	e.err = EBUSY;
	check_reason("reason: drain already running", &e, DPO_CMD_DRAIN,
		     "a drain of this session is running");
	u32 = DPO_A_ROLE;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: drain without a role", &e, DPO_CMD_DRAIN,
		     "missing attribute role");
	u32 = DPO_A_DEADLINE_MS;
	error_msg(&b, EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, 40);
	put_attr(&b, NLMSGERR_ATTR_MISS_TYPE, &u32, sizeof(u32));
	parse_error(&b, &e, false);
	check_reason("reason: missing attribute deadline", &e, DPO_CMD_DRAIN,
		     "missing attribute deadline");
}

/* ---- msg.c ---- */

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 0, 0x20, 0, 0, cmd, DPO_GENL_VERSION);
	return msg;
}

static void test_msg(void)
{
	struct dpoctl_listener l;
	struct dpoctl_instance in;
	struct dpoctl_session s;
	struct dpoctl_status st;
	struct dpoctl_family f;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint16_t u16 = 7;

	msg = genl_msg(DPO_CMD_STATUS_GET);
	nla_put_string(msg, DPO_A_VERSION, "0.1.0");
	nla_put_u32(msg, DPO_A_SESSIONS, 2);
	nla_put_u32(msg, DPO_A_INSTANCES, 4);
	nla_put(msg, DPO_A_PAD, 0, NULL);
	nla_put_u64(msg, DPO_A_SAMPLES, 1ULL << 40);
	nla_put_u64(msg, DPO_A_SAMPLE_TIME_NS, 123456789012ULL);
	result(!dpoctl_msg_status(nlmsg_hdr(msg), &st) &&
	       !strcmp(st.version, "0.1.0") && st.sessions == 2 &&
	       st.instances == 4 && st.samples == 1ULL << 40 &&
	       st.sample_time_ns == 123456789012ULL, "msg: status");
	check_int("msg: command of a message", dpoctl_msg_cmd(nlmsg_hdr(msg)),
		  DPO_CMD_STATUS_GET);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_STATUS_GET);
	nla_put_u32(msg, DPO_A_SESSIONS, 2);
	check_int("msg: status without version -> EPROTO",
		  dpoctl_msg_status(nlmsg_hdr(msg), &st), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SESSION_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "demo");
	nla_put_u32(msg, DPO_A_INTERVAL_MS, 250);
	nla_put_u32(msg, DPO_A_INSTANCES, 2);
	result(!dpoctl_msg_session(nlmsg_hdr(msg), &s) &&
	       !strcmp(s.name, "demo") && s.interval_ms == 250 &&
	       s.instances == 2, "msg: session");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	nla_put_string(msg, DPO_A_SESSION_NAME, "demo");
	nla_put_u32(msg, DPO_A_PID, 4242);
	nla_put_u8(msg, DPO_A_ROLE, DPO_ROLE_PATCHED);
	nla_put_u64(msg, DPO_A_START_TIME_NS, 99);
	nla_put_u32(msg, DPO_A_MAX + 10, 1);	/* from a newer module */
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put(msg, DPO_STATS_A_PAD, 0, NULL);
	nla_put_u64(msg, DPO_STATS_A_TIMESTAMP_NS, 1);
	nla_put_u64(msg, DPO_STATS_A_SEQ, 2);
	nla_put_u64(msg, DPO_STATS_A_CPU_NS, 3);
	nla_put_u64(msg, DPO_STATS_A_RUN_DELAY_NS, 4);
	nla_put_u64(msg, DPO_STATS_A_NVCSW, 5);
	nla_put_u64(msg, DPO_STATS_A_NIVCSW, 6);
	nla_put_u64(msg, DPO_STATS_A_MIN_FLT, 7);
	nla_put_u64(msg, DPO_STATS_A_MAJ_FLT, 8);
	nla_put_u64(msg, DPO_STATS_A_RSS_BYTES, 9);
	nla_put_u32(msg, DPO_STATS_A_THREADS, 10);
	nla_put_u64(msg, DPO_STATS_A_MAX + 3, 11);	/* newer, too */
	nla_nest_end(msg, nest);
	result(!dpoctl_msg_instance(nlmsg_hdr(msg), &in) &&
	       !strcmp(in.session, "demo") && in.pid == 4242 &&
	       in.role == DPO_ROLE_PATCHED && in.start_time_ns == 99 &&
	       in.has_stats && !in.has_exit_code &&
	       in.stats.timestamp_ns == 1 && in.stats.seq == 2 &&
	       in.stats.cpu_ns == 3 && in.stats.run_delay_ns == 4 &&
	       in.stats.nvcsw == 5 && in.stats.nivcsw == 6 &&
	       in.stats.min_flt == 7 && in.stats.maj_flt == 8 &&
	       in.stats.rss_bytes == 9 && in.stats.threads == 10,
	       "msg: instance with stats, unknown attributes ignored");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_EXIT_NTF);
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put_u32(msg, DPO_A_EXIT_CODE, 0x8b);
	result(!dpoctl_msg_instance(nlmsg_hdr(msg), &in) && !in.has_stats &&
	       in.has_exit_code && in.exit_code == 0x8b && !in.session[0],
	       "msg: exit notification without stats");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "demo");
	check_int("msg: instance without pid -> EPROTO",
		  dpoctl_msg_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put(msg, DPO_A_PID, sizeof(u16), &u16);
	check_int("msg: short u32 -> EPROTO",
		  dpoctl_msg_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put(msg, DPO_A_SESSION_NAME, 4, "demo");
	check_int("msg: string without NUL -> EPROTO",
		  dpoctl_msg_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put_u32(msg, DPO_A_PID, 1);
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put_u32(msg, DPO_STATS_A_CPU_NS, 1);
	nla_nest_end(msg, nest);
	check_int("msg: short u64 in stats -> EPROTO",
		  dpoctl_msg_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SESSION_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_INTERVAL_MS, 100);
	nla_put_u32(msg, DPO_A_INSTANCES, 2);
	nla_put_u8(msg, DPO_A_OWNER, DPO_OWNER_PATCHED);
	nla_put_u64(msg, DPO_A_SWITCH_TIME_NS, 5000000000123ULL);
	result(!dpoctl_msg_session(nlmsg_hdr(msg), &s) &&
	       s.owner == DPO_OWNER_PATCHED &&
	       s.switch_time_ns == 5000000000123ULL,
	       "msg: session with owner and switch time");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SESSION_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	result(!dpoctl_msg_session(nlmsg_hdr(msg), &s) && !s.owner &&
	       !s.switch_time_ns, "msg: session of an older module");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_STATUS_GET);
	nla_put_string(msg, DPO_A_VERSION, "0.2.0");
	nla_put_u32(msg, DPO_A_LISTENERS, 3);
	result(!dpoctl_msg_status(nlmsg_hdr(msg), &st) && st.has_listeners &&
	       st.listeners == 3, "msg: status with listeners");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 7);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET6);
	nla_put(msg, DPO_A_ADDR, 16,
		"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01");
	nla_put_u16(msg, DPO_A_PORT, 5432);
	nla_put_u64(msg, DPO_A_ACCEPTED_ORIGINAL, 10);
	nla_put_u64(msg, DPO_A_ACCEPTED_PATCHED, 20);
	nla_put_u64(msg, DPO_A_ACCEPTED_OTHER, 1ULL << 33);
	result(!dpoctl_msg_listener(nlmsg_hdr(msg), &l) && l.id == 7 &&
	       !strcmp(l.session, "db") && l.family == AF_INET6 &&
	       l.addr[0] == 0x20 && l.addr[15] == 1 && l.port == 5432 &&
	       l.accepted_original == 10 && l.accepted_patched == 20 &&
	       l.accepted_other == 1ULL << 33, "msg: IPv6 listener");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_ADD);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 8);
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET);
	nla_put(msg, DPO_A_ADDR, 4, "\x7f\0\0\x01");
	nla_put_u16(msg, DPO_A_PORT, 80);
	result(!dpoctl_msg_listener(nlmsg_hdr(msg), &l) && l.id == 8 &&
	       l.family == AF_INET && !memcmp(l.addr, "\x7f\0\0\x01\0", 5) &&
	       l.port == 80 && !l.accepted_original,
	       "msg: IPv4 listener, counters missing");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 8);
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET);
	nla_put(msg, DPO_A_ADDR, 16, "0123456789abcdef");
	check_int("msg: IPv4 listener with 16-byte address -> EPROTO",
		  dpoctl_msg_listener(nlmsg_hdr(msg), &l), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 8);
	nla_put(msg, DPO_A_ADDR, 17, "0123456789abcdefg");
	check_int("msg: address over 16 bytes -> EPROTO",
		  dpoctl_msg_listener(nlmsg_hdr(msg), &l), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	check_int("msg: listener without id -> EPROTO",
		  dpoctl_msg_listener(nlmsg_hdr(msg), &l), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(CTRL_CMD_NEWFAMILY);
	nla_put_u16(msg, CTRL_ATTR_FAMILY_ID, 0x1d);
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "dpo");
	nla_put_u32(msg, CTRL_ATTR_VERSION, 1);
	result(!dpoctl_msg_family(nlmsg_hdr(msg), &f) && f.id == 0x1d &&
	       f.version == 1 && !strcmp(f.name, "dpo"), "msg: family");
	nlmsg_free(msg);
}

/* ---- msg.c and traffic.c: connections, drains, traffic ---- */

static const uint8_t lo4[4] = { 127, 0, 0, 1 };
static const uint8_t lo6[16] = { [15] = 1 };
static const uint8_t doc6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* A CONN_GET reply as the module sends it. */
static struct nl_msg *conn_msg(int family, const void *addr,
			       const void *peer, uint8_t state)
{
	struct nl_msg *msg = genl_msg(DPO_CMD_CONN_GET);
	int alen = family == AF_INET ? 4 : 16;

	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 4242);
	nla_put_u8(msg, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	nla_put_u16(msg, DPO_A_FAMILY, family);
	nla_put(msg, DPO_A_ADDR, alen, addr);
	nla_put_u16(msg, DPO_A_PORT, family == AF_INET ? 5432 : 8080);
	nla_put(msg, DPO_A_PEER_ADDR, alen, peer);
	nla_put_u16(msg, DPO_A_PEER_PORT, family == AF_INET ? 40000 : 55555);
	nla_put_u8(msg, DPO_A_CONN_STATE, state);
	nla_put_u64(msg, DPO_A_ACCEPT_TIME_NS, 1000000000ULL);
	nla_put_u64(msg, DPO_A_LAST_ACTIVITY_NS, 3000000000ULL);
	nla_put_u64(msg, DPO_A_BYTES_IN, 100);
	nla_put_u64(msg, DPO_A_BYTES_OUT, 1ULL << 32);
	nla_put_u64(msg, DPO_A_REQUESTS, 3);
	return msg;
}

static struct nl_msg *drain_msg(uint8_t cmd)
{
	struct nl_msg *msg = genl_msg(cmd);

	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u8(msg, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	nla_put_u32(msg, DPO_A_DEADLINE_MS, 30000);
	nla_put_u32(msg, DPO_A_DRAIN_REMAINING, 3);
	nla_put_u32(msg, DPO_A_DRAIN_CLOSED_IDLE, 2);
	nla_put_u32(msg, DPO_A_DRAIN_CLOSED_BUSY, 1);
	nla_put_u32(msg, DPO_A_DRAIN_RESET, 0);
	nla_put_u32(msg, DPO_A_DRAIN_GONE, 4);
	nla_put_u64(msg, DPO_A_DRAIN_ELAPSED_NS, 1500000000ULL);
	return msg;
}

/*
 * A sample: @level 0 as an older module sends it, 1 the first sample
 * with traffic (totals only), 2 a later one with rates and latencies.
 */
static struct nl_msg *traffic_msg(int level)
{
	struct nl_msg *msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	struct nlattr *nest, *hist;

	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 4242);
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put_u64(msg, DPO_STATS_A_SEQ, 2);
	nla_put_u32(msg, DPO_STATS_A_THREADS, 4);
	if (level >= 1) {
		nla_put_u64(msg, DPO_STATS_A_CONNS_ACCEPTED, 10);
		nla_put_u64(msg, DPO_STATS_A_CONNS_ACTIVE, 2);
		nla_put_u64(msg, DPO_STATS_A_REQUESTS, 500);
		nla_put_u64(msg, DPO_STATS_A_BYTES_IN, 1000000);
		nla_put_u64(msg, DPO_STATS_A_BYTES_OUT, 2000000);
	}
	if (level >= 2) {
		nla_put_u64(msg, DPO_STATS_A_ACCEPTED_PER_S, 1);
		nla_put_u64(msg, DPO_STATS_A_REQUESTS_PER_S, 50);
		nla_put_u64(msg, DPO_STATS_A_BYTES_IN_PER_S, 2048);
		nla_put_u64(msg, DPO_STATS_A_BYTES_OUT_PER_S, 4096);
		hist = nla_nest_start(msg, DPO_STATS_A_LAT_HIST);
		nla_put(msg, 1, 0, NULL);	/* padding, if the type is 1 */
		nla_put_u64(msg, 1, 7);		/* bucket 0: [0, 2) us */
		nla_put(msg, 0, 0, NULL);	/* padding of type 0 */
		nla_put_u64(msg, 4, 5);		/* bucket 3: [8, 16) us */
		nla_put_u64(msg, DPO_LAT_BUCKETS, 1);	/* the last */
		nla_put_u64(msg, DPO_LAT_BUCKETS + 1, 9);	/* newer: ignored */
		nla_nest_end(msg, hist);
		nla_put_u64(msg, DPO_STATS_A_LAT_P50_US, 12);
		nla_put_u64(msg, DPO_STATS_A_LAT_P99_US, 900);
		nla_put_u64(msg, DPO_STATS_A_LAT_MEAN_US, 40);
	}
	nla_nest_end(msg, nest);
	return msg;
}

static void test_msg_traffic(void)
{
	struct dpoctl_instance in;
	struct dpoctl_drain d;
	struct dpoctl_conn c;
	struct nlattr *nest, *hist;
	struct nl_msg *msg;

	msg = conn_msg(AF_INET, lo4, lo4, DPO_CONN_BUSY);
	result(!dpoctl_msg_conn(nlmsg_hdr(msg), &c) && !strcmp(c.session, "db") &&
	       c.pid == 4242 && c.role == DPO_ROLE_ORIGINAL &&
	       c.family == AF_INET && !memcmp(c.addr, lo4, 4) &&
	       c.port == 5432 && !memcmp(c.peer_addr, lo4, 4) &&
	       c.peer_port == 40000 && c.state == DPO_CONN_BUSY &&
	       c.accept_time_ns == 1000000000ULL &&
	       c.last_activity_ns == 3000000000ULL && c.bytes_in == 100 &&
	       c.bytes_out == 1ULL << 32 && c.requests == 3,
	       "msg: IPv4 connection");
	nlmsg_free(msg);

	msg = conn_msg(AF_INET6, lo6, doc6, DPO_CONN_DRAINING);
	result(!dpoctl_msg_conn(nlmsg_hdr(msg), &c) && c.family == AF_INET6 &&
	       !memcmp(c.addr, lo6, 16) && !memcmp(c.peer_addr, doc6, 16) &&
	       c.port == 8080 && c.peer_port == 55555 &&
	       c.state == DPO_CONN_DRAINING, "msg: IPv6 connection");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET);
	nla_put(msg, DPO_A_PEER_ADDR, 16, doc6);
	check_int("msg: IPv4 connection with a 16-byte peer -> EPROTO",
		  dpoctl_msg_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	check_int("msg: connection without pid -> EPROTO",
		  dpoctl_msg_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_u32(msg, DPO_A_PID, 1);
	check_int("msg: connection without session -> EPROTO",
		  dpoctl_msg_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put_u32(msg, DPO_A_BYTES_IN, 1);
	check_int("msg: short u64 in a connection -> EPROTO",
		  dpoctl_msg_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = drain_msg(DPO_CMD_DRAIN_DONE_NTF);
	result(!dpoctl_msg_drain(nlmsg_hdr(msg), &d) && !strcmp(d.session, "db") &&
	       d.role == DPO_ROLE_ORIGINAL && d.deadline_ms == 30000 &&
	       d.remaining == 3 && d.closed_idle == 2 && d.closed_busy == 1 &&
	       d.reset == 0 && d.gone == 4 && d.elapsed_ns == 1500000000ULL &&
	       !d.cancelled,
	       "msg: drain");
	check_int("msg: drain done command", dpoctl_msg_cmd(nlmsg_hdr(msg)),
		  DPO_CMD_DRAIN_DONE_NTF);
	nlmsg_free(msg);

	msg = drain_msg(DPO_CMD_DRAIN_DONE_NTF);
	nla_put_flag(msg, DPO_A_DRAIN_CANCELLED);
	result(!dpoctl_msg_drain(nlmsg_hdr(msg), &d) && d.cancelled &&
	       d.remaining == 3, "msg: drain cut short");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_DRAIN_PROGRESS_NTF);
	nla_put_u32(msg, DPO_A_DRAIN_REMAINING, 1);
	check_int("msg: drain without session -> EPROTO",
		  dpoctl_msg_drain(nlmsg_hdr(msg), &d), -EPROTO);
	nlmsg_free(msg);

	msg = traffic_msg(0);
	result(!dpoctl_msg_instance(nlmsg_hdr(msg), &in) && in.has_stats &&
	       in.stats.present == (DPOCTL_STAT_BIT(DPO_STATS_A_SEQ) |
				    DPOCTL_STAT_BIT(DPO_STATS_A_THREADS)) &&
	       !in.stats.conns_accepted,
	       "msg: sample of an older module: no traffic");
	nlmsg_free(msg);

	msg = traffic_msg(1);
	result(!dpoctl_msg_instance(nlmsg_hdr(msg), &in) &&
	       DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_CONNS_ACCEPTED) &&
	       DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_BYTES_OUT) &&
	       !DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_REQUESTS_PER_S) &&
	       !DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_LAT_HIST) &&
	       in.stats.conns_accepted == 10 && in.stats.conns_active == 2 &&
	       in.stats.requests == 500 && in.stats.bytes_in == 1000000 &&
	       in.stats.bytes_out == 2000000,
	       "msg: first sample: traffic totals, no rates");
	nlmsg_free(msg);

	msg = traffic_msg(2);
	result(!dpoctl_msg_instance(nlmsg_hdr(msg), &in) &&
	       in.stats.accepted_per_s == 1 && in.stats.requests_per_s == 50 &&
	       in.stats.bytes_in_per_s == 2048 &&
	       in.stats.bytes_out_per_s == 4096 &&
	       in.stats.lat_p50_us == 12 && in.stats.lat_p99_us == 900 &&
	       in.stats.lat_mean_us == 40 &&
	       DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_LAT_HIST),
	       "msg: later sample: rates and latencies");
	result(in.stats.lat_hist[0] == 7 && in.stats.lat_hist[1] == 0 &&
	       in.stats.lat_hist[3] == 5 &&
	       in.stats.lat_hist[DPO_LAT_BUCKETS - 1] == 1,
	       "msg: histogram buckets, padding and newer types skipped");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	nla_put_u32(msg, DPO_A_PID, 1);
	nest = nla_nest_start(msg, DPO_A_STATS);
	hist = nla_nest_start(msg, DPO_STATS_A_LAT_HIST);
	nla_put_u32(msg, 3, 5);
	nla_nest_end(msg, hist);
	nla_nest_end(msg, nest);
	check_int("msg: 4-byte histogram bucket -> EPROTO",
		  dpoctl_msg_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	nla_put_u32(msg, DPO_A_PID, 1);
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put_u32(msg, DPO_STATS_A_REQUESTS_PER_S, 5);
	nla_nest_end(msg, nest);
	check_int("msg: 4-byte rate -> EPROTO",
		  dpoctl_msg_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);
}

static struct dpoctl_conn pc;
static struct dpoctl_drain pd;
static struct dpoctl_instance pi;

/* 65 s after the accept, 63 s after the last activity */
static void conn_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_print_conn(&pc, 66000000000ULL);
	pc.accept_time_ns = 70000000000ULL;	/* accepted during the dump */
	dpoctl_print_conn(&pc, 66000000000ULL);
	pc.accept_time_ns = 1000000000ULL;
	dpoctl_pr_end();
}

static void drain_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_drain("start", &pd);
	dpoctl_print_drain("done", &pd);
	dpoctl_pr_end();
}

static void traffic_row(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_nest_begin("stats");
	dpoctl_print_traffic(&pi, true);
	dpoctl_pr_nest_end();
	dpoctl_pr_row_end();
	dpoctl_pr_end();
}

static void parse_into(struct nl_msg *msg, int (*fn)(struct nlmsghdr *, void *),
		       void *obj)
{
	if (fn(nlmsg_hdr(msg), obj))
		printf("# cannot parse the fake message\n");
	nlmsg_free(msg);
}

static int conn_fn(struct nlmsghdr *nlh, void *obj)
{
	return dpoctl_msg_conn(nlh, obj);
}

static int drain_fn(struct nlmsghdr *nlh, void *obj)
{
	return dpoctl_msg_drain(nlh, obj);
}

static int instance_fn(struct nlmsghdr *nlh, void *obj)
{
	return dpoctl_msg_instance(nlh, obj);
}

static void test_print_traffic(void)
{
	char *s;

	parse_into(conn_msg(AF_INET, lo4, lo4, DPO_CONN_BUSY), conn_fn, &pc);
	s = capture(true, conn_rows);
	check_str("json conn list: raw values, addresses as strings", s,
		  "[{\"session\":\"db\",\"pid\":4242,\"role\":\"original\","
		  "\"family\":\"inet\",\"address\":\"127.0.0.1\",\"port\":5432,"
		  "\"peer_address\":\"127.0.0.1\",\"peer_port\":40000,"
		  "\"state\":\"busy\",\"age_ns\":65000000000,"
		  "\"bytes_in\":100,\"bytes_out\":4294967296,\"requests\":3,"
		  "\"idle_ns\":63000000000,\"accept_time_ns\":1000000000,"
		  "\"last_activity_ns\":3000000000},"
		  "{\"session\":\"db\",\"pid\":4242,\"role\":\"original\","
		  "\"family\":\"inet\",\"address\":\"127.0.0.1\",\"port\":5432,"
		  "\"peer_address\":\"127.0.0.1\",\"peer_port\":40000,"
		  "\"state\":\"busy\",\"age_ns\":0,"
		  "\"bytes_in\":100,\"bytes_out\":4294967296,\"requests\":3,"
		  "\"idle_ns\":0,\"accept_time_ns\":70000000000,"
		  "\"last_activity_ns\":3000000000}]\n");
	free(s);
	s = capture(false, conn_rows);
	check_str("text conn list: header, ages, one line per connection", s,
		  "SESSION           PID  ROLE      LOCAL                    "
		  "PEER                       STATE     AGE         BYTES_IN"
		  "     BYTES_OUT  REQUESTS  IDLE\n"
		  "db               4242  original  127.0.0.1:5432           "
		  "127.0.0.1:40000            busy      1m05s            100"
		  "    4294967296         3  1m03s\n"
		  "db               4242  original  127.0.0.1:5432           "
		  "127.0.0.1:40000            busy      0ms              100"
		  "    4294967296         3  0ms\n");
	free(s);

	parse_into(conn_msg(AF_INET6, lo6, doc6, DPO_CONN_DRAINING), conn_fn,
		   &pc);
	s = capture(false, conn_rows);
	result(strstr(s, "[::1]:8080") && strstr(s, "[2001:db8::1]:55555") &&
	       strstr(s, "draining"), "text conn list: IPv6 in brackets");
	free(s);
	s = capture(true, conn_rows);
	result(strstr(s, "\"family\":\"inet6\",\"address\":\"::1\",\"port\":8080,"
		      "\"peer_address\":\"2001:db8::1\",\"peer_port\":55555,"
		      "\"state\":\"draining\"") != NULL,
	       "json conn list: IPv6 addresses without brackets");
	free(s);

	parse_into(drain_msg(DPO_CMD_DRAIN), drain_fn, &pd);
	s = capture(true, drain_rows);
	check_str("json drain: one object per line", s,
		  "{\"event\":\"start\",\"session\":\"db\",\"role\":\"original\","
		  "\"elapsed_ns\":1500000000,\"remaining\":3,\"closed_idle\":2,"
		  "\"closed_busy\":1,\"reset\":0,\"gone\":4,"
		  "\"deadline_ms\":30000}\n"
		  "{\"event\":\"done\",\"session\":\"db\",\"role\":\"original\","
		  "\"elapsed_ns\":1500000000,\"remaining\":3,\"closed_idle\":2,"
		  "\"closed_busy\":1,\"reset\":0,\"gone\":4,"
		  "\"deadline_ms\":30000}\n");
	free(s);
	s = capture(false, drain_rows);
	check_str("text drain: a table of events", s,
		  "EVENT     SESSION       ROLE      ELAPSED  REMAINING  "
		  "CLOSED_IDLE  CLOSED_BUSY  RESET   GONE  DEADLINE\n"
		  "start     db            original  1.5s             3  "
		  "          2            1      0      4  30.0s\n"
		  "done      db            original  1.5s             3  "
		  "          2            1      0      4  30.0s\n");
	free(s);

	parse_into(traffic_msg(2), instance_fn, &pi);
	s = capture(true, traffic_row);
	check_str("json sample traffic: values and non-empty buckets", s,
		  "{\"stats\":{\"conns_accepted\":10,\"conns_active\":2,"
		  "\"requests\":500,\"bytes_in\":1000000,\"bytes_out\":2000000,"
		  "\"accepted_per_s\":1,\"requests_per_s\":50,"
		  "\"bytes_in_per_s\":2048,\"bytes_out_per_s\":4096,"
		  "\"lat_p50_us\":12,\"lat_p99_us\":900,\"lat_mean_us\":40,"
		  "\"lat_hist\":{\"0\":7,\"8\":5,\"2147483648\":1}}}\n");
	free(s);
	s = capture(false, traffic_row);
	check_str("text sample traffic: instance show columns", s,
		  "  CONNS  ACTIVE    REQ/S      IN_B/S     OUT_B/S   P50_US"
		  "   P99_US  MEAN_US\n"
		  "     10       2       50        2048        4096       12"
		  "      900       40\n");
	free(s);

	parse_into(traffic_msg(1), instance_fn, &pi);
	s = capture(true, traffic_row);
	check_str("json first sample: rates and histogram null", s,
		  "{\"stats\":{\"conns_accepted\":10,\"conns_active\":2,"
		  "\"requests\":500,\"bytes_in\":1000000,\"bytes_out\":2000000,"
		  "\"accepted_per_s\":null,\"requests_per_s\":null,"
		  "\"bytes_in_per_s\":null,\"bytes_out_per_s\":null,"
		  "\"lat_p50_us\":null,\"lat_p99_us\":null,\"lat_mean_us\":null,"
		  "\"lat_hist\":null}}\n");
	free(s);

	/* an interval without requests: rates, but no latency */
	pi.stats.present |= DPOCTL_STAT_BIT(DPO_STATS_A_REQUESTS_PER_S);
	s = capture(true, traffic_row);
	result(strstr(s, "\"requests_per_s\":0,") &&
	       strstr(s, "\"lat_p50_us\":null,") &&
	       strstr(s, "\"lat_hist\":{}}"),
	       "json idle interval: empty histogram, no percentiles");
	free(s);

	parse_into(traffic_msg(0), instance_fn, &pi);
	s = capture(false, traffic_row);
	check_str("text sample of an older module: dashes", s,
		  "  CONNS  ACTIVE    REQ/S      IN_B/S     OUT_B/S   P50_US"
		  "   P99_US  MEAN_US\n"
		  "      -       -        -           -           -        -"
		  "        -        -\n");
	free(s);
	pi.has_stats = false;
	s = capture(true, traffic_row);
	result(strstr(s, "\"conns_accepted\":null,") &&
	       strstr(s, "\"lat_hist\":null}"),
	       "json instance without a sample: nulls");
	free(s);
}

/* ---- cmd_monitor.c and cmd_session.c: rows of fake notifications ---- */

/* dpoctl.c is not in the test library: its usage message, stubbed. */
int dpoctl_usage(struct dpoctl_ctx *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
	return DPOCTL_EXIT_USAGE;
}

/* A session's attributes as the module sends them (GET, events). */
static struct nl_msg *session_msg(uint8_t cmd, const char *name,
				  uint8_t owner, uint8_t pct)
{
	struct nl_msg *msg = genl_msg(cmd);

	nla_put_string(msg, DPO_A_SESSION_NAME, name);
	nla_put_u32(msg, DPO_A_INTERVAL_MS, 50);
	nla_put_u32(msg, DPO_A_INSTANCES, 2);
	nla_put_u8(msg, DPO_A_OWNER, owner);
	nla_put_u8(msg, DPO_A_CANARY_PCT, pct);
	nla_put_u64(msg, DPO_A_SWITCH_TIME_NS, 1234500000000ULL);
	return msg;
}

static struct nl_msg *ntf[2];

/* What dpoctl monitor prints for ntf[]: its header, then a row each. */
static void monitor_rows(void)
{
	size_t i;

	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_monitor_print_header();
	for (i = 0; i < sizeof(ntf) / sizeof(ntf[0]) && ntf[i]; i++)
		dpoctl_monitor_print(nlmsg_hdr(ntf[i]),
				  nlmsg_hdr(ntf[0])->nlmsg_type);
}

/* What dpoctl session list prints for ntf[]. */
static void session_rows(void)
{
	size_t i;

	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	for (i = 0; i < sizeof(ntf) / sizeof(ntf[0]) && ntf[i]; i++)
		dpoctl_session_print_row(nlmsg_hdr(ntf[i]), NULL);
	dpoctl_pr_end();
}

static void free_ntf(void)
{
	size_t i;

	for (i = 0; i < sizeof(ntf) / sizeof(ntf[0]); i++) {
		if (ntf[i])
			nlmsg_free(ntf[i]);
		ntf[i] = NULL;
	}
}

/* What follows the first @sep in @s, less @skip more bytes (a time) */
static const char *after(const char *s, const char *sep, size_t skip)
{
	const char *p = strstr(s, sep);

	return p && strlen(p + strlen(sep)) >= skip ?
		p + strlen(sep) + skip : "";
}

static void test_session_rows(void)
{
	static const char head[] = "        TIME  EVENT            SESSION ";
	struct dpoctl_session s;
	char buf[16], *out;
	double t;

	ntf[0] = session_msg(DPO_CMD_SESSION_GET, "e2e", DPO_OWNER_CANARY, 20);
	result(!dpoctl_msg_session(nlmsg_hdr(ntf[0]), &s) &&
	       s.owner == DPO_OWNER_CANARY && s.canary_pct == 20,
	       "msg: session with a canary share");
	check_str("owner text: canary with its share",
		  dpoctl_session_owner_str(buf, sizeof(buf), &s), "canary:20");
	s.canary_pct = 0;	/* an older module: no share sent */
	check_str("owner text: canary without a share",
		  dpoctl_session_owner_str(buf, sizeof(buf), &s), "canary");
	s.owner = DPO_OWNER_ORIGINAL;
	check_str("owner text: original",
		  dpoctl_session_owner_str(buf, sizeof(buf), &s), "original");
	s.owner = 0;
	check_str("owner text: unknown owner",
		  dpoctl_session_owner_str(buf, sizeof(buf), &s), "unknown");

	ntf[1] = session_msg(DPO_CMD_SESSION_GET, "db", DPO_OWNER_ORIGINAL, 0);
	out = capture(false, session_rows);
	check_str("text session list: canary share in the owner column", out,
		  "NAME              INTERVAL_MS  INSTANCES  OWNER\n"
		  "e2e                        50          2  canary:20\n"
		  "db                         50          2  original\n");
	free(out);
	out = capture(true, session_rows);
	check_str("json session list: owner name and numeric canary_pct", out,
		  "[{\"name\":\"e2e\",\"interval_ms\":50,\"instances\":2,"
		  "\"owner\":\"canary\",\"canary_pct\":20,"
		  "\"switch_time_ns\":1234500000000},"
		  "{\"name\":\"db\",\"interval_ms\":50,\"instances\":2,"
		  "\"owner\":\"original\",\"canary_pct\":0,"
		  "\"switch_time_ns\":1234500000000}]\n");
	free(out);
	free_ntf();

	/* a switch is shown at its own time: the whole row is known */
	ntf[0] = session_msg(DPO_CMD_OWNER_SET, "e2e", DPO_OWNER_CANARY, 20);
	out = capture(false, monitor_rows);
	check_str("text monitor: owner_set with the canary share",
		  after(out, "\n", 0),
		  "    1234.500  owner_set        e2e                 -  -"
		  "         owner canary:20\n");
	free(out);
	out = capture(true, monitor_rows);
	check_str("json monitor: owner_set with canary_pct", out,
		  "{\"time_ns\":1234500000000,\"event\":\"owner_set\","
		  "\"session\":\"e2e\",\"interval_ms\":50,\"instances\":2,"
		  "\"owner\":\"canary\",\"canary_pct\":20,"
		  "\"switch_time_ns\":1234500000000}\n");
	free(out);
	free_ntf();

	/* controller_lost is shown at the time it is received */
	ntf[0] = session_msg(DPO_CMD_CONTROLLER_LOST_NTF, "e2e",
			     DPO_OWNER_PATCHED, 0);
	ntf[1] = session_msg(DPO_CMD_MAX + 1, "e2e", DPO_OWNER_PATCHED, 0);
	out = capture(false, monitor_rows);
	result(!strncmp(out, head, strlen(head)) &&
	       sscanf(after(out, "\n", 0), "%lf", &t) == 1 && t > 0 &&
	       after(out, "\n", 0)[8] == '.',
	       "text monitor: header, then controller_lost at its time");
	check_str("text monitor: controller_lost, newer command ignored",
		  after(out, "\n", 12),
		  "  controller_lost  e2e                 -  -         "
		  "owner patched\n");
	free(out);
	out = capture(true, monitor_rows);
	result(!strncmp(out, "{\"time_ns\":", 11) &&
	       strspn(out + 11, "0123456789") > 0,
	       "json monitor: controller_lost at its time");
	check_str("json monitor: controller_lost, newer command ignored",
		  after(out, ",", 0),
		  "\"event\":\"controller_lost\",\"session\":\"e2e\","
		  "\"interval_ms\":50,\"instances\":2,\"owner\":\"patched\","
		  "\"canary_pct\":0,\"switch_time_ns\":1234500000000}\n");
	free(out);
	free_ntf();
}

/* ---- nl.c, against the host's genetlink controller ---- */

static int count_families(struct nlmsghdr *nlh, void *arg)
{
	int *n = arg;
	struct dpoctl_family f;

	if (dpoctl_msg_family(nlh, &f))
		return -EPROTO;
	if (!strcmp(f.name, "nlctrl"))
		n[1] = (int)f.version;
	n[0]++;
	return 0;
}

static struct nl_msg *getfamily(int flags, int type, const void *data,
				size_t len)
{
	struct nl_msg *msg = dpoctl_nl_new_raw(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
					    1, flags);

	if (type)
		nla_put(msg, type, (int)len, data);
	return msg;
}

static int on_ntf(struct nlmsghdr *nlh, void *arg)
{
	struct dpoctl_instance in;
	int *n = arg;

	if (dpoctl_msg_cmd(nlh) == DPO_CMD_SAMPLE_NTF &&
	    !dpoctl_msg_instance(nlh, &in) && in.pid == 77)
		(*n)++;
	return 0;
}

/*
 * A notification that comes from another socket of ours (unicast between
 * user sockets needs root): no sequence number the listener expects.
 */
static void test_listen(void)
{
	struct dpoctl_nl a, b;
	struct nl_msg *msg;
	int n = 0, ret;

	if (dpoctl_nl_open_family(&a, "test", "nlctrl"))
		return;
	if (dpoctl_nl_open_family(&b, "test", "nlctrl")) {
		dpoctl_nl_close(&a);
		return;
	}
	dpoctl_nl_listen(&a, on_ntf, &n);
	msg = dpoctl_nl_new_raw(a.family, DPO_CMD_SAMPLE_NTF, 1, 0);
	nla_put_u32(msg, DPO_A_PID, 77);
	nl_socket_set_peer_port(b.sk, nl_socket_get_local_port(a.sk));
	nl_complete_msg(b.sk, msg);
	nlmsg_hdr(msg)->nlmsg_seq = 0;	/* as the kernel's */
	ret = nl_send(b.sk, msg);
	nlmsg_free(msg);
	if (ret == -NLE_PERM) {
		tests++;
		printf("ok %d - nl: listener gets notifications # SKIP not root\n",
		       tests);
	} else {
		ret = dpoctl_nl_receive(&a);
		result(!ret && n == 1, "nl: listener gets notifications");
	}
	dpoctl_nl_close(&b);
	dpoctl_nl_close(&a);
}

static void test_nl(void)
{
	static const char missing[] =
		"dpo module not loaded (family \"dpo-no-such\" not found)";
	static const char *const notify[] = { "notify" };
	static const char *const nosuch[] = { "nosuch" };
	int n[2] = { 0, 0 };
	struct dpoctl_nl nl;
	uint8_t u8 = 1;
	int ret;

	last_err[0] = '\0';
	ret = dpoctl_nl_open_family(&nl, "test", "dpo-no-such");
	result(ret == -ENOENT && !strcmp(last_err, missing),
	       "nl: missing family reported");
	if (last_err[0])
		printf("#   %s\n", last_err);

	ret = dpoctl_nl_open_family(&nl, "test", "nlctrl");
	result(!ret && nl.family == GENL_ID_CTRL, "nl: open nlctrl");
	if (ret)
		return;

	ret = dpoctl_nl_request(&nl, getfamily(NLM_F_DUMP, 0, NULL, 0),
			     count_families, n);
	result(!ret && n[0] >= 1 && n[1] >= 1, "nl: dump until NLMSG_DONE");

	n[0] = 0;
	n[1] = 0;
	ret = dpoctl_nl_request(&nl, getfamily(0, CTRL_ATTR_FAMILY_NAME,
					    "nlctrl", 7),
			     count_families, n);
	result(!ret && n[0] == 1 && n[1] >= 1, "nl: doit, reply then ACK");

	last_err[0] = '\0';
	ret = dpoctl_nl_request(&nl, getfamily(0, CTRL_ATTR_FAMILY_NAME,
					    "dpo-no-such", 12),
			     count_families, n);
	result(ret == -ENOENT && nl.err.err == ENOENT && last_err[0],
	       "nl: error keeps the raw errno");
	printf("#   %s\n", last_err);

	ret = dpoctl_nl_request(&nl, getfamily(0, CTRL_ATTR_FAMILY_ID, &u8, 1),
			     count_families, n);
	result(ret < 0 && nl.err.msg[0] && nl.err.policy &&
	       !strncmp(last_err, "test: bad value: ", 17),
	       "nl: policy rejection with the kernel's message");
	printf("#   %s\n", last_err);

	ret = dpoctl_nl_request(&nl, dpoctl_nl_new_raw(GENL_ID_CTRL, 250, 1, 0),
			     NULL, NULL);
	result(ret == -EOPNOTSUPP, "nl: unknown command");

	ret = dpoctl_nl_request(&nl, NULL, NULL, NULL);
	result(ret == -ENOMEM && !strcmp(last_err, "test: Cannot allocate memory"),
	       "nl: unbuilt request reported");

	result(!dpoctl_nl_join(&nl, notify, 1), "nl: join a multicast group");
	last_err[0] = '\0';
	result(dpoctl_nl_join(&nl, nosuch, 1) == -ENOENT &&
	       !strcmp(last_err, "test: multicast group \"nosuch\" not found"),
	       "nl: unknown multicast group reported");
	dpoctl_nl_close(&nl);
}

/* ---- the command line ---- */

struct cli_case {
	const char *args[8];
	int rc;
	const char *out;	/* stdout contains it; "": stdout empty */
	const char *err;	/* likewise for stderr */
};

static const char name32[] = "n0123456789012345678901234567890";

static const struct cli_case cli_cases[] = {
	{ { "--help" }, 0, "Usage: dpoctl [-j|--json]", "" },
	{ { "-h" }, 0, "Exit status: 0 success, 1 usage error, 2 kernel", "" },
	{ { "help" }, 0, "monitor [samples|events|all] [count N]", "" },
	{ { "-j", "help" }, 0, "instance add SESSION PID original|patched", "" },
	{ { "help", "session" }, 0, "session new NAME [interval DUR]", "" },
	{ { "help", "instance", "show" }, 0, "instance show [PID]", "" },
	{ { "session", "--help" }, 0, "session list", "" },
	{ { "session", "help" }, 0, "session del NAME", "" },
	{ { "session", "new", "--help" }, 0,
	  "Usage: dpoctl [OPTIONS] session new NAME [interval DUR]", "" },
	{ { "instance", "-h" }, 0, "instance del PID", "" },
	{ { "instance", "add", "x", "-h" }, 0, "original|patched", "" },
	{ { "monitor", "--help" }, 0, "monitor [samples|events|all]", "" },
	{ { "version", "-h" }, 0, "Usage: dpoctl [OPTIONS] version", "" },
	{ { "help" }, 0, "listener add SESSION PID FD|port PORT", "" },
	{ { "help", "listener" }, 0, "listener show ID", "" },
	{ { "listener", "help" }, 0, "listener del ID", "" },
	{ { "listener", "list", "-h" }, 0,
	  "Usage: dpoctl [OPTIONS] listener list\n", "" },
	{ { "session", "help" }, 0,
	  "session owner NAME original|patched|both|canary:PCT", "" },
	{ { "help", "session", "owner" }, 0, "canary:PCT (PCT 1 to 99)", "" },
	{ { "help" }, 0, "conn list [SESSION] [--pid PID]", "" },
	{ { "help" }, 0,
	  "drain SESSION original|patched [--deadline DUR] [--wait]", "" },
	{ { "session", "help" }, 0, "session end NAME", "" },
	{ { "help", "session", "end" }, 0, "the same as del", "" },
	{ { "conn", "--help" }, 0, "conn list [SESSION]", "" },
	{ { "conn", "list", "-h" }, 0,
	  "Usage: dpoctl [OPTIONS] conn list [SESSION] [--pid PID]\n", "" },
	{ { "drain", "-h" }, 0, "Usage: dpoctl [OPTIONS] drain SESSION", "" },
	{ { "help", "drain" }, 0, "1ms to 60m", "" },
	{ { "drain", "s", "original", "--help" }, 0, "drain --wait print one",
	  "" },
	{ { "-V" }, 0, "dpoctl 0.1.0\n", "" },
	{ { "--version" }, 0, "dpoctl 0.1.0\n", "" },
	/* without the module */
	{ { "version" }, 2, "",
	  "dpoctl: dpo module not loaded (family \"dpo\" not found)\n" },
	{ { "status" }, 2, "", "dpo module not loaded" },
	{ { "-j", "session", "list" }, 2, "", "dpo module not loaded" },
	{ { "-j", "instance", "show", "1" }, 2, "", "dpo module not loaded" },
	{ { "session", "new", "demo", "interval", "1.5s" }, 2, "",
	  "dpo module not loaded" },
	{ { "monitor", "events", "count", "1" }, 2, "",
	  "dpo module not loaded" },
	{ { "listener", "list" }, 2, "", "dpo module not loaded" },
	{ { "-j", "listener", "show", "1" }, 2, "", "dpo module not loaded" },
	{ { "listener", "del", "1" }, 2, "", "dpo module not loaded" },
	/* nothing of the process is touched before the module is found */
	{ { "listener", "add", "s", "1", "3" }, 2, "",
	  "dpoctl: dpo module not loaded" },
	{ { "listener", "add", "s", "4194304", "port", "80" }, 2, "",
	  "dpoctl: dpo module not loaded" },
	{ { "session", "owner", "s", "patched" }, 2, "",
	  "dpo module not loaded" },
	{ { "session", "owner", "s", "canary:5" }, 2, "",
	  "dpo module not loaded" },
	{ { "conn", "list" }, 2, "", "dpo module not loaded" },
	{ { "-j", "conn", "list", "s", "--pid", "1" }, 2, "",
	  "dpo module not loaded" },
	{ { "conn", "list", "--pid=7", "s" }, 2, "", "dpo module not loaded" },
	{ { "drain", "s", "original" }, 2, "", "dpo module not loaded" },
	{ { "drain", "s", "patched", "--deadline", "2m", "--wait" }, 2, "",
	  "dpo module not loaded" },
	{ { "-j", "drain", "--wait", "s", "original", "--deadline=1" }, 2, "",
	  "dpo module not loaded" },
	{ { "drain", "--", "-s", "original" }, 2, "", "dpo module not loaded" },
	{ { "session", "end", "s" }, 2, "", "dpo module not loaded" },
	/* usage errors, before anything is sent */
	{ { NULL }, 1, "", "dpoctl: missing OBJECT" },
	{ { "bogus" }, 1, "", "dpoctl: unknown object \"bogus\"" },
	{ { "-x", "status" }, 1, "", "dpoctl: unknown option \"-x\"" },
	{ { "--bogus" }, 1, "", "dpoctl: unknown option \"--bogus\"" },
	{ { "session" }, 1, "", "dpoctl: session: missing COMMAND" },
	{ { "session", "frob" }, 1, "", "unknown command \"frob\"" },
	{ { "help", "bogus" }, 1, "", "unknown object \"bogus\"" },
	{ { "status", "now" }, 1, "", "dpoctl: status: unexpected \"now\"" },
	{ { "session", "new" }, 1, "",
	  "dpoctl: session new: missing NAME (usage: dpoctl session new NAME [interval DUR])\n" },
	{ { "session", "new", "x", "interval", "5ms" }, 1, "",
	  "interval \"5ms\" out of range (10ms to 10s)" },
	{ { "session", "new", "x", "interval", "11s" }, 1, "",
	  "out of range" },
	{ { "session", "new", "x", "interval", "fast" }, 1, "",
	  "bad interval \"fast\"" },
	{ { "session", "new", "x", "interval" }, 1, "", "missing DUR" },
	{ { "session", "new", "x", "every", "1s" }, 1, "",
	  "unexpected \"every\"" },
	{ { "session", "new", name32 }, 1, "", "1 to 31 bytes" },
	{ { "session", "new", "" }, 1, "", "1 to 31 bytes" },
	{ { "session", "set", "x" }, 1, "", "missing interval" },
	{ { "session", "del" }, 1, "", "missing NAME" },
	{ { "session", "del", "a", "b" }, 1, "", "unexpected \"b\"" },
	{ { "session", "list", "all" }, 1, "", "unexpected \"all\"" },
	{ { "instance", "add", "s", "12" }, 1, "", "missing role" },
	{ { "instance", "add", "s", "abc", "original" }, 1, "",
	  "bad PID \"abc\"" },
	{ { "instance", "add", "s", "12", "both" }, 1, "",
	  "bad role \"both\" (original or patched)" },
	{ { "instance", "del", "0" }, 1, "", "bad PID \"0\"" },
	{ { "instance", "show", "1", "2" }, 1, "", "unexpected \"2\"" },
	{ { "monitor", "count", "0" }, 1, "", "bad count \"0\"" },
	{ { "monitor", "count" }, 1, "", "missing N after count" },
	{ { "monitor", "bogus" }, 1, "", "unexpected \"bogus\"" },
	{ { "monitor", "samples", "events" }, 1, "", "unexpected \"events\"" },
	{ { "listener" }, 1, "", "dpoctl: listener: missing COMMAND" },
	{ { "listener", "frob" }, 1, "", "unknown command \"frob\"" },
	{ { "listener", "add" }, 1, "",
	  "dpoctl: listener add: missing SESSION (usage: dpoctl listener add SESSION PID FD|port PORT)\n" },
	{ { "listener", "add", "s" }, 1, "", "missing PID" },
	{ { "listener", "add", "s", "12" }, 1, "", "missing FD or port PORT" },
	{ { "listener", "add", name32, "12", "3" }, 1, "", "1 to 31 bytes" },
	{ { "listener", "add", "s", "abc", "3" }, 1, "", "bad PID \"abc\"" },
	{ { "listener", "add", "s", "0", "3" }, 1, "", "bad PID \"0\"" },
	{ { "listener", "add", "s", "12", "x" }, 1, "", "bad FD \"x\"" },
	{ { "listener", "add", "s", "12", "-1" }, 1, "", "bad FD \"-1\"" },
	{ { "listener", "add", "s", "12", "2147483648" }, 1, "",
	  "bad FD \"2147483648\"" },
	{ { "listener", "add", "s", "12", "3", "4" }, 1, "",
	  "unexpected \"4\"" },
	{ { "listener", "add", "s", "12", "port" }, 1, "",
	  "missing PORT after port" },
	{ { "listener", "add", "s", "12", "port", "0" }, 1, "",
	  "bad port \"0\" (1 to 65535)" },
	{ { "listener", "add", "s", "12", "port", "65536" }, 1, "",
	  "bad port \"65536\"" },
	{ { "listener", "add", "s", "12", "port", "http" }, 1, "",
	  "bad port \"http\"" },
	{ { "listener", "add", "s", "12", "port", "80", "x" }, 1, "",
	  "unexpected \"x\"" },
	{ { "listener", "del" }, 1, "",
	  "dpoctl: listener del: missing ID (usage: dpoctl listener del ID)\n" },
	{ { "listener", "del", "0" }, 1, "", "bad ID \"0\"" },
	{ { "listener", "del", "1", "2" }, 1, "", "unexpected \"2\"" },
	{ { "listener", "show" }, 1, "", "missing ID" },
	{ { "listener", "show", "x1" }, 1, "", "bad ID \"x1\"" },
	{ { "listener", "show", "1", "2" }, 1, "", "unexpected \"2\"" },
	{ { "listener", "list", "all" }, 1, "", "unexpected \"all\"" },
	{ { "session", "owner" }, 1, "",
	  "dpoctl: session owner: missing NAME (usage: dpoctl session owner NAME original|patched|both|canary:PCT)\n" },
	{ { "session", "owner", "s" }, 1, "", "missing owner" },
	{ { "session", "owner", name32, "both" }, 1, "", "1 to 31 bytes" },
	{ { "session", "owner", "s", "all" }, 1, "",
	  "bad owner \"all\" (original, patched, both or canary:PCT)" },
	{ { "session", "owner", "s", "canary" }, 1, "",
	  "canary needs a share: canary:PCT (1 to 99)" },
	{ { "session", "owner", "s", "canary:" }, 1, "",
	  "bad owner \"canary:\"" },
	{ { "session", "owner", "s", "canary:0" }, 1, "",
	  "canary share \"canary:0\" out of range (1 to 99)" },
	{ { "session", "owner", "s", "canary:100" }, 1, "",
	  "out of range (1 to 99)" },
	{ { "session", "owner", "s", "patched", "now" }, 1, "",
	  "unexpected \"now\"" },
	{ { "session", "end" }, 1, "",
	  "dpoctl: session end: missing NAME (usage: dpoctl session end NAME)\n" },
	{ { "session", "end", "a", "b" }, 1, "", "unexpected \"b\"" },
	{ { "conn" }, 1, "", "dpoctl: conn: missing COMMAND" },
	{ { "conn", "frob" }, 1, "", "unknown command \"frob\"" },
	{ { "conn", "list", "a", "b" }, 1, "", "unexpected \"b\"" },
	{ { "conn", "list", "--pid" }, 1, "",
	  "dpoctl: conn list: missing PID after --pid (usage: dpoctl conn list [SESSION] [--pid PID])\n" },
	{ { "conn", "list", "--pid", "0" }, 1, "", "bad PID \"0\"" },
	{ { "conn", "list", "--pid=x" }, 1, "", "bad PID \"x\"" },
	{ { "conn", "list", "--pid", "1", "--pid", "2" }, 1, "",
	  "--pid given twice" },
	{ { "conn", "list", "--bogus" }, 1, "", "unknown option \"--bogus\"" },
	{ { "conn", "list", name32 }, 1, "", "1 to 31 bytes" },
	{ { "drain" }, 1, "",
	  "dpoctl: drain: missing SESSION (usage: dpoctl drain SESSION original|patched [--deadline DUR] [--wait])\n" },
	{ { "drain", "s" }, 1, "", "missing role" },
	{ { "drain", "s", "both" }, 1, "",
	  "bad role \"both\" (original or patched)" },
	{ { "drain", name32, "original" }, 1, "", "1 to 31 bytes" },
	{ { "drain", "s", "original", "--deadline" }, 1, "",
	  "missing DUR after --deadline" },
	{ { "drain", "s", "original", "--deadline", "0" }, 1, "",
	  "deadline \"0\" out of range (1ms to 60m)" },
	{ { "drain", "s", "original", "--deadline", "61m" }, 1, "",
	  "deadline \"61m\" out of range" },
	{ { "drain", "s", "original", "--deadline=1h" }, 1, "",
	  "bad deadline \"1h\" (e.g. 500ms, 30s, 2m)" },
	{ { "drain", "s", "original", "--deadline", "1s", "--deadline", "2s" },
	  1, "", "--deadline given twice" },
	{ { "drain", "s", "original", "now" }, 1, "", "unexpected \"now\"" },
	{ { "drain", "s", "original", "--now" }, 1, "",
	  "unknown option \"--now\"" },
};

static char *read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, s + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap)
			s = realloc(s, cap *= 2);
	}
	s[len] = '\0';
	close(fd);
	return s;
}

/* @cmd: the command running dpoctl, @args: its arguments */
static int run(char **cmd, int ncmd, const char *const *args,
	       char **out, char **err)
{
	const char *argv[32];
	int i, n = 0, fo, fe, status;
	pid_t pid;

	for (i = 0; i < ncmd; i++)
		argv[n++] = cmd[i];
	for (i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	fflush(stdout);
	fo = memfd_create("stdout", 0);
	fe = memfd_create("stderr", 0);
	pid = fork();
	if (!pid) {
		dup2(fo, 1);
		dup2(fe, 2);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	*out = read_fd(fo);
	*err = read_fd(fe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool matches(const char *got, const char *want)
{
	return want[0] ? strstr(got, want) != NULL : !got[0];
}

static void test_cli(char **cmd, int ncmd)
{
	bool loaded = access("/sys/module/dpo", F_OK) == 0;
	char name[160], *out, *err, *nl;
	size_t i, j;
	int rc, ok;

	for (i = 0; i < sizeof(cli_cases) / sizeof(cli_cases[0]); i++) {
		const struct cli_case *c = &cli_cases[i];

		strcpy(name, "dpoctl");
		for (j = 0; c->args[j]; j++)
			snprintf(name + strlen(name), sizeof(name) - strlen(name),
				 " %s", c->args[j][0] ? c->args[j] : "\"\"");
		snprintf(name + strlen(name), sizeof(name) - strlen(name),
			 " -> exit %d", c->rc);
		if (c->rc == 2 && loaded) {
			tests++;
			printf("ok %d - %s # SKIP dpo module loaded\n", tests,
			       name);
			continue;
		}
		rc = run(cmd, ncmd, c->args, &out, &err);
		/* errors: exactly one line */
		nl = strchr(err, '\n');
		ok = rc == c->rc && matches(out, c->out) &&
		     matches(err, c->err) &&
		     (!rc || (nl && !nl[1] && !strncmp(err, "dpoctl: ", 8)));
		result(ok, "%s", name);
		if (!ok)
			printf("#   exit %d\n#   stdout: %.200s\n#   stderr: %s\n",
			       rc, out, err);
		free(out);
		free(err);
	}
}

int main(int argc, char **argv)
{
	test_interval();
	test_deadline();
	test_numbers();
	test_role_name();
	test_exit_str();
	test_owner();
	test_conn_words();
	test_addr_str();
	test_tcp_rows();
	test_find_listeners();
	test_json_escape();
	test_print();
	test_rates();
	test_tracker();
	test_nlerr();
	test_msg();
	test_msg_traffic();
	test_print_traffic();
	test_session_rows();
	test_nl();
	test_listen();
	if (argc > 1)
		test_cli(argv + 1, argc - 1);
	printf("1..%d\n", tests);
	if (failed)
		printf("# %d of %d failed\n", failed, tests);
	return failed ? 1 : 0;
}
