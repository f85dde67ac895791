// SPDX-License-Identifier: GPL-2.0
/* Tests of print_listener.c: the rows of listener add, list, show. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capture.h"
#include "print.h"
#include "printers.h"
#include "test.h"

static const struct dpoctl_listener l4 = {
	.id = 7, .session = "db", .family = AF_INET,
	.addr = { 127, 0, 0, 1 }, .port = 5432, .accepted_original = 10,
	.accepted_patched = 20, .accepted_other = 1ULL << 33,
};

static const struct dpoctl_listener l6 = {
	.id = 8, .session = "e2e", .family = AF_INET6, .port = 5555,
};

static void listener_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_print_listener(&l4);
	dpoctl_print_listener(&l6);
	dpoctl_pr_end();
}

static void test_listener_rows(void)
{
	char *s;

	s = capture(false, listener_rows);
	check_str("text listener list: one row each, IPv6 in brackets", s,
		  "  ID  SESSION       ADDRESS                  ACCEPTED_ORIGINAL"
		  "  ACCEPTED_PATCHED  ACCEPTED_OTHER\n"
		  "   7  db            127.0.0.1:5432                          10"
		  "                20      8589934592\n"
		  "   8  e2e           [::]:5555                                0"
		  "                 0               0\n");
	free(s);
	s = capture(true, listener_rows);
	check_str("json listener list: addresses without brackets", s,
		  "[{\"id\":7,\"session\":\"db\",\"family\":\"inet\","
		  "\"address\":\"127.0.0.1\",\"port\":5432,"
		  "\"accepted_original\":10,\"accepted_patched\":20,"
		  "\"accepted_other\":8589934592},"
		  "{\"id\":8,\"session\":\"e2e\",\"family\":\"inet6\","
		  "\"address\":\"::\",\"port\":5555,\"accepted_original\":0,"
		  "\"accepted_patched\":0,\"accepted_other\":0}]\n");
	free(s);
}

int main(void)
{
	test_listener_rows();
	return test_done();
}
