// SPDX-License-Identifier: GPL-2.0
/* Tests of parse.c: command-line values, and values as text. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/dpo.h>

#include "parse.h"
#include "test.h"

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

static void test_idle_mark(void)
{
	static const struct {
		const char *in;
		int ret;
		const char *bytes;	/* what it parses to */
		int len;
	} c[] = {
		{ "5a0000000549", 0, "\x5a\0\0\0\x05\x49", 6 },
		{ "5A0000000549", 0, "\x5a\0\0\0\x05\x49", 6 },
		{ "00", 0, "\0", 1 }, { "fF", 0, "\xff", 1 },
		{ "00112233445566778899aabbccddeeff", 0,
		  "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff",
		  16 },
		{ "", -ERANGE, NULL, 0 },
		{ "00112233445566778899aabbccddeeff00", -ERANGE, NULL, 0 },
		{ "5", -EINVAL, NULL, 0 }, { "5a0", -EINVAL, NULL, 0 },
		{ "0x5a", -EINVAL, NULL, 0 }, { "5g", -EINVAL, NULL, 0 },
		{ "5a 49", -EINVAL, NULL, 0 }, { " 5a", -EINVAL, NULL, 0 },
		{ "-5a", -EINVAL, NULL, 0 },
	};
	uint8_t mark[DPO_DRAIN_IDLE_MARK_MAX];
	char buf[40];
	uint8_t len;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int ret;

		len = 0;
		ret = dpoctl_parse_idle_mark(c[i].in, mark, &len);
		result(ret == c[i].ret && (ret || (len == c[i].len &&
				!memcmp(mark, c[i].bytes, len))),
		       "idle mark \"%s\" -> %s", c[i].in,
		       c[i].ret == -EINVAL ? "bad value" :
		       c[i].ret == -ERANGE ? "out of range" : "ok");
	}
	dpoctl_parse_idle_mark("5A0000000549", mark, &len);
	dpoctl_idle_mark_str(buf, sizeof(buf), mark, len);
	check_str("idle mark as text: lower case", buf, "5a0000000549");
	dpoctl_idle_mark_str(buf, sizeof(buf), mark, 0);
	check_str("no idle mark: empty", buf, "");
	dpoctl_idle_mark_str(buf, 6, mark, len);
	check_str("idle mark truncated: whole bytes", buf, "5a00");
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

int main(void)
{
	test_interval();
	test_deadline();
	test_idle_mark();
	test_numbers();
	test_role_name();
	test_exit_str();
	test_owner();
	test_conn_words();
	test_addr_str();
	return test_done();
}
