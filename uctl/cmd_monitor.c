// SPDX-License-Identifier: GPL-2.0
/* monitor: samples and events as they arrive, with per-second rates. */
#include <stdio.h>
#include <string.h>
#include <linux/dpo.h>

#include "client.h"
#include "core/rate.h"
#include "dpoctl.h"
#include "parse.h"
#include "print.h"
#include "printers.h"

struct monitor {
	struct dpoctl_tracker tracker;
	uint32_t count;		/* stop after that many, 0: never */
	uint32_t seen;
	bool done;
	int err;
};

static int on_event(const struct dpoctl_event *ev, void *arg)
{
	struct monitor *m = arg;
	struct dpoctl_rates r;
	int ret = 0;

	if (ev->malformed) {
		dpoctl_err("monitor: malformed notification ignored");
		return 0;
	}
	if (ev->cmd == DPO_CMD_SAMPLE_NTF)
		ret = dpoctl_tracker_update(&m->tracker, &ev->instance, &r);
	else if (ev->cmd == DPO_CMD_INSTANCE_EXIT_NTF ||
		 ev->cmd == DPO_CMD_INSTANCE_DEL_NTF)
		dpoctl_tracker_forget(&m->tracker, &ev->instance);
	if (ret < 0) {
		m->err = -ret;
		m->done = true;
		return 1;
	}
	dpoctl_print_event(ev, ret == 1 ? &r : NULL, dpoctl_now_ns());
	fflush(stdout);
	if (m->count && ++m->seen >= m->count) {
		m->done = true;
		return 1;
	}
	return 0;
}

static int parse_args(struct dpoctl_ctx *ctx, int argc, char **argv,
		      struct monitor *m, unsigned int *groups)
{
	int i = 0;

	*groups = DPOCTL_GROUP_SAMPLES | DPOCTL_GROUP_EVENTS;
	if (i < argc && !strcmp(argv[i], "samples")) {
		*groups = DPOCTL_GROUP_SAMPLES;
		i++;
	} else if (i < argc && !strcmp(argv[i], "events")) {
		*groups = DPOCTL_GROUP_EVENTS;
		i++;
	} else if (i < argc && !strcmp(argv[i], "all")) {
		i++;
	}
	if (i < argc && !strcmp(argv[i], "count")) {
		if (i + 1 == argc)
			return dpoctl_usage(ctx, "missing N after count");
		if (dpoctl_parse_u32(argv[i + 1], 1, UINT32_MAX, &m->count))
			return dpoctl_usage(ctx, "bad count \"%s\" (1 or more)",
					 argv[i + 1]);
		i += 2;
	}
	if (i < argc)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[i]);
	return 0;
}

int dpoctl_cmd_monitor(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct monitor m = { .count = 0 };
	struct dpoctl_error err;
	struct dpoctl_client c;
	unsigned int groups;
	int ret, rc;

	if (parse_args(ctx, argc, argv, &m, &groups))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	ret = dpoctl_subscribe(&c, groups, on_event, &m, &err);
	if (ret) {
		dpoctl_client_close(&c);
		return dpoctl_result(ctx, ret, &err);
	}

	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_print_event_header();
	fflush(stdout);
	rc = dpoctl_receive_until(ctx, &c, &m.done);
	if (m.err) {
		dpoctl_err("monitor: %s", strerror(m.err));
		rc = DPOCTL_EXIT_ERR;
	}
	dpoctl_tracker_free(&m.tracker);
	dpoctl_client_close(&c);
	return rc;
}
