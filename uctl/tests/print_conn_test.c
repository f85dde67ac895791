// SPDX-License-Identifier: GPL-2.0
/* Tests of print_conn.c: the rows of conn list. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/dpo.h>

#include "capture.h"
#include "print.h"
#include "printers.h"
#include "test.h"

static const uint8_t lo4[4] = { 127, 0, 0, 1 };
static const uint8_t lo6[16] = { [15] = 1 };
static const uint8_t doc6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* A connection as the module describes it */
static struct dpoctl_conn pc = {
	.session = "db", .pid = 4242, .role = DPO_ROLE_ORIGINAL,
	.family = AF_INET, .addr = { 127, 0, 0, 1 }, .port = 5432,
	.peer_addr = { 127, 0, 0, 1 }, .peer_port = 40000,
	.state = DPO_CONN_BUSY, .accept_time_ns = 1000000000ULL,
	.last_activity_ns = 3000000000ULL, .bytes_in = 100,
	.bytes_out = 1ULL << 32, .requests = 3,
};

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

static void test_conn(void)
{
	char *s;

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

	pc.family = AF_INET6;
	memcpy(pc.addr, lo6, 16);
	memcpy(pc.peer_addr, doc6, 16);
	pc.port = 8080;
	pc.peer_port = 55555;
	pc.state = DPO_CONN_DRAINING;
	(void)lo4;
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

}

int main(void)
{
	test_conn();
	return test_done();
}
