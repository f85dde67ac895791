// SPDX-License-Identifier: GPL-2.0
/* Tests of print_event.c: the rows of monitor. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/dpo.h>

#include "capture.h"
#include "print.h"
#include "printers.h"
#include "test.h"

static struct dpoctl_event ev;

/* What monitor prints for ev: its header, then its row, at 1240.2 s. */
static void monitor_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_event_header();
	dpoctl_print_event(&ev, NULL, 1240200000000ULL);
}

static void session_event(int cmd, uint8_t owner, uint8_t pct)
{
	ev = (struct dpoctl_event){
		.cmd = cmd,
		.session = { .name = "e2e", .interval_ms = 50, .instances = 2,
			     .owner = owner, .canary_pct = pct,
			     .switch_time_ns = 1234500000000ULL },
	};
}

/* What follows the first @sep in @s */
static const char *after(const char *s, const char *sep)
{
	const char *p = strstr(s, sep);

	return p ? p + strlen(sep) : "";
}

static void test_session_events(void)
{
	static const char head[] = "        TIME  EVENT            SESSION ";
	char *out;

	/* a switch is shown at its own time: the whole row is known */
	session_event(DPO_CMD_OWNER_SET_NTF, DPO_OWNER_CANARY, 20);
	out = capture(false, monitor_rows);
	result(!strncmp(out, head, strlen(head)), "text monitor: header first");
	check_str("text monitor: owner_set with the canary share",
		  after(out, "\n"),
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

	/* controller_lost is shown at the time it is received */
	session_event(DPO_CMD_CONTROLLER_LOST_NTF, DPO_OWNER_PATCHED, 0);
	out = capture(false, monitor_rows);
	check_str("text monitor: controller_lost at its time", after(out, "\n"),
		  "    1240.200  controller_lost  e2e                 -  -"
		  "         owner patched\n");
	free(out);
	out = capture(true, monitor_rows);
	check_str("json monitor: controller_lost at its time", out,
		  "{\"time_ns\":1240200000000,"
		  "\"event\":\"controller_lost\",\"session\":\"e2e\","
		  "\"interval_ms\":50,\"instances\":2,\"owner\":\"patched\","
		  "\"canary_pct\":0,\"switch_time_ns\":1234500000000}\n");
	free(out);
}

/* The lines selftests/dpoctl_e2e.sh greps for */
static void test_e2e_lines(void)
{
	char *out;

	ev = (struct dpoctl_event){
		.cmd = DPO_CMD_DRAIN_DONE_NTF,
		.drain = { .session = "e2ec", .role = DPO_ROLE_ORIGINAL,
			   .deadline_ms = 5000, .closed_idle = 1,
			   .elapsed_ns = 2000000 },
	};
	out = capture(false, monitor_rows);
	check_str("text monitor: drain_done", after(out, "\n"),
		  "    1240.200  drain_done       e2ec                -  original"
		  "  remaining 0 closed_idle 1 closed_busy 0 reset 0 gone 0 after 2ms\n");
	free(out);
	out = capture(true, monitor_rows);
	check_str("json monitor: drain_done", out,
		  "{\"time_ns\":1240200000000,\"event\":\"drain_done\","
		  "\"session\":\"e2ec\",\"role\":\"original\","
		  "\"deadline_ms\":5000,\"remaining\":0,\"closed_idle\":1,"
		  "\"closed_busy\":0,\"reset\":0,\"gone\":0,"
		  "\"elapsed_ns\":2000000,\"cancelled\":0}\n");
	free(out);

	ev = (struct dpoctl_event){
		.cmd = DPO_CMD_INSTANCE_EXIT_NTF,
		.instance = { .session = "e2e", .pid = 1202,
			      .role = DPO_ROLE_PATCHED, .has_exit_code = true,
			      .exit_code = 9 },
	};
	out = capture(false, monitor_rows);
	check_str("text monitor: instance_exit", after(out, "\n"),
		  "    1240.200  instance_exit    e2e              1202  patched"
		  "   killed by SIGKILL\n");
	free(out);

	ev = (struct dpoctl_event){
		.cmd = DPO_CMD_LISTENER_ADD_NTF,
		.listener = { .session = "e2e", .id = 4, .family = AF_INET,
			      .addr = { 127, 0, 0, 1 }, .port = 5555 },
	};
	out = capture(true, monitor_rows);
	check_str("json monitor: listener_add", out,
		  "{\"time_ns\":1240200000000,\"event\":\"listener_add\","
		  "\"session\":\"e2e\",\"id\":4,\"family\":\"inet\","
		  "\"address\":\"127.0.0.1\",\"port\":5555,"
		  "\"accepted_original\":0,\"accepted_patched\":0,"
		  "\"accepted_other\":0}\n");
	free(out);
}

int main(void)
{
	test_session_events();
	test_e2e_lines();
	return test_done();
}
