// SPDX-License-Identifier: GPL-2.0
/* Tests of print_drain.c: the rows of drain. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/dpo.h>

#include "capture.h"
#include "print.h"
#include "printers.h"
#include "test.h"

static const struct dpoctl_drain pd = {
	.session = "db", .role = DPO_ROLE_ORIGINAL, .deadline_ms = 30000,
	.remaining = 3, .closed_idle = 2, .closed_busy = 1, .reset = 0,
	.gone = 4, .elapsed_ns = 1500000000ULL,
};

static void drain_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_drain("start", &pd);
	dpoctl_print_drain("done", &pd);
	dpoctl_pr_end();
}

static void test_drain(void)
{
	char *s;

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
}

static const struct dpoctl_drain pm = {
	.session = "db", .role = DPO_ROLE_PATCHED, .deadline_ms = 30000,
	.remaining = 1, .elapsed_ns = 2000000ULL,
	.idle_mark = { 0x5a, 0, 0, 0, 5, 0x49 }, .idle_mark_len = 6,
};

static void mark_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_drain("start", &pm);
	dpoctl_pr_end();
}

/* With an idle mark: one more field, its hex digits. */
static void test_drain_mark(void)
{
	char *s;

	s = capture(true, mark_rows);
	check_str("json drain: the idle mark", s,
		  "{\"event\":\"start\",\"session\":\"db\",\"role\":\"patched\","
		  "\"elapsed_ns\":2000000,\"remaining\":1,\"closed_idle\":0,"
		  "\"closed_busy\":0,\"reset\":0,\"gone\":0,"
		  "\"deadline_ms\":30000,\"idle_mark\":\"5a0000000549\"}\n");
	free(s);
	s = capture(false, mark_rows);
	check_str("text drain: the idle mark", s,
		  "EVENT     SESSION       ROLE      ELAPSED  REMAINING  "
		  "CLOSED_IDLE  CLOSED_BUSY  RESET   GONE  DEADLINE  IDLE_MARK\n"
		  "start     db            patched   2ms              1  "
		  "          0            0      0      0  30.0s     5a0000000549\n");
	free(s);
}

int main(void)
{
	test_drain();
	test_drain_mark();
	return test_done();
}
