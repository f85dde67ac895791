// SPDX-License-Identifier: GPL-2.0
/* Tests of print_session.c: owners as text, the rows of session list. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/dpo.h>

#include "capture.h"
#include "print.h"
#include "printers.h"
#include "test.h"

/* A session as the module describes it */
static void session(struct dpoctl_session *s, const char *name, uint8_t owner,
		    uint8_t pct)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->interval_ms = 50;
	s->instances = 2;
	s->owner = owner;
	s->canary_pct = pct;
	s->switch_time_ns = 1234500000000ULL;
}

static struct dpoctl_session rows[2];

static void session_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_print_session(&rows[0]);
	dpoctl_print_session(&rows[1]);
	dpoctl_pr_end();
}

static void test_session_rows(void)
{
	struct dpoctl_session s;
	char buf[16], *out;

	session(&s, "e2e", DPO_OWNER_CANARY, 20);
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

	session(&rows[0], "e2e", DPO_OWNER_CANARY, 20);
	session(&rows[1], "db", DPO_OWNER_ORIGINAL, 0);
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
}

int main(void)
{
	test_session_rows();
	return test_done();
}
