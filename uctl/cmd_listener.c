// SPDX-License-Identifier: GPL-2.0
/* listener add, del, list and show: the sockets dpo hands out accepts of. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/dpo.h>

#include "client.h"
#include "dpoctl.h"
#include "parse.h"
#include "print.h"
#include "printers.h"
#include "pidfd.h"
#include "procnet.h"

static int print_row(const struct dpoctl_listener *l, void *arg)
{
	(void)arg;
	dpoctl_print_listener(l);
	return 0;
}

/* ID, the one argument */
static int parse_id(struct dpoctl_ctx *ctx, int argc, char **argv, uint32_t *id)
{
	if (dpoctl_arg_one(ctx, argc, argv, "ID"))
		return DPOCTL_EXIT_USAGE;
	if (dpoctl_parse_listener_id(argv[0], id))
		return dpoctl_usage(ctx, "bad ID \"%s\"", argv[0]);
	return 0;
}

/* The process's listening sockets: one FD, or all of them on a port. */
static int find_socks(struct dpoctl_ctx *ctx, uint32_t pid, int fd,
		      uint16_t port, struct dpoctl_sock **socks, size_t *n)
{
	char where[64];
	int err;

	if (!port) {
		*socks = calloc(1, sizeof(**socks));
		if (!*socks) {
			dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
			return -ENOMEM;
		}
		(*socks)->fd = fd;
		*n = 1;
		return 0;
	}
	err = dpoctl_find_listeners(pid, port, socks, n, where, sizeof(where));
	if (err) {
		dpoctl_err("%s: %s: %s", ctx->what, where, strerror(-err));
		return err;
	}
	if (!*n) {
		dpoctl_err("%s: no listening TCP socket on port %u in process %u",
			ctx->what, port, pid);
		free(*socks);
		*socks = NULL;
		return -ENOENT;
	}
	return 0;
}

/*
 * Copies the descriptors into our own table, all of them before anything
 * is attached: a process we may not take from changes nothing.
 */
static int take_fds(struct dpoctl_ctx *ctx, uint32_t pid,
		    const struct dpoctl_sock *socks, size_t n, int *fds)
{
	int *targets = malloc(n * sizeof(*targets));
	char why[128];
	size_t i;
	int ret;

	if (!targets) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		return -1;
	}
	for (i = 0; i < n; i++)
		targets[i] = socks[i].fd;
	ret = dpoctl_take_fds(pid, targets, n, fds, why, sizeof(why));
	if (ret)
		dpoctl_err("%s: %s", ctx->what, why);
	free(targets);
	return ret;
}

static int parse_add(struct dpoctl_ctx *ctx, int argc, char **argv,
		     uint32_t *pid, int *fd, uint16_t *port)
{
	*fd = -1;
	*port = 0;
	if (argc < 3)
		return dpoctl_usage(ctx, "missing %s", argc == 0 ? "SESSION" :
				 argc == 1 ? "PID" : "FD or port PORT");
	if (dpoctl_arg_session(ctx, argv[0]) ||
	    dpoctl_arg_pid(ctx, argv[1], pid))
		return DPOCTL_EXIT_USAGE;
	if (!strcmp(argv[2], "port")) {
		if (argc == 3)
			return dpoctl_usage(ctx, "missing PORT after port");
		if (argc > 4)
			return dpoctl_usage(ctx, "unexpected \"%s\"", argv[4]);
		if (dpoctl_parse_port(argv[3], port))
			return dpoctl_usage(ctx, "bad port \"%s\" (1 to 65535)",
					 argv[3]);
		return 0;
	}
	if (argc > 3)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[3]);
	if (dpoctl_parse_fd(argv[2], fd))
		return dpoctl_usage(ctx, "bad FD \"%s\"", argv[2]);
	return 0;
}

static int listener_add(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_listener *added = NULL;
	struct dpoctl_sock *socks = NULL;
	size_t n = 0, nadded = 0, i;
	int *fds = NULL, fd, ret, rc = DPOCTL_EXIT_ERR;
	struct dpoctl_client c;
	struct dpoctl_error err;
	uint16_t port;
	uint32_t pid;

	if (parse_add(ctx, argc, argv, &pid, &fd, &port))
		return DPOCTL_EXIT_USAGE;
	/* the module first: no other process is touched without it */
	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	if (find_socks(ctx, pid, fd, port, &socks, &n))
		goto out;
	fds = malloc(n * sizeof(*fds));
	added = calloc(n, sizeof(*added));
	if (!fds || !added) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < n; i++)
		fds[i] = -1;
	if (take_fds(ctx, pid, socks, n, fds))
		goto out;

	for (i = 0; i < n; i++) {
		ret = dpoctl_listener_add(&c, argv[0], fds[i], &added[nadded],
					  &err);
		/* dpo holds its own reference now */
		close(fds[i]);
		fds[i] = -1;
		if (ret) {
			dpoctl_perror(ctx->what, &err);
			break;
		}
		nadded++;
	}
	if (nadded < n) {
		/* all or nothing: detach what this command attached */
		for (i = 0; i < nadded; i++)
			if (dpoctl_listener_del(&c, added[i].id, &err))
				dpoctl_perror(ctx->what, &err);
		goto out;
	}

	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	for (i = 0; i < nadded; i++)
		dpoctl_print_listener(&added[i]);
	dpoctl_pr_end();
	rc = DPOCTL_EXIT_OK;
out:
	for (i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	free(added);
	free(socks);
	dpoctl_client_close(&c);
	return rc;
}

static int listener_del(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	uint32_t id;
	int ret;

	if (parse_id(ctx, argc, argv, &id))
		return DPOCTL_EXIT_USAGE;

	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	ret = dpoctl_listener_del(&c, id, &err);
	dpoctl_client_close(&c);
	return dpoctl_result(ctx, ret, &err);
}

/* All listeners (an array in JSON), or the one of @id (an object). */
static int get(struct dpoctl_ctx *ctx, uint32_t id)
{
	struct dpoctl_client c;
	struct dpoctl_error err;
	int ret;

	if (dpoctl_open(ctx, &c))
		return DPOCTL_EXIT_ERR;
	dpoctl_pr_begin(DPOCTL_PR_TABLE, !id);
	ret = dpoctl_listener_dump(&c, id, print_row, NULL, &err);
	dpoctl_client_close(&c);
	if (ret)
		return dpoctl_result(ctx, ret, &err);
	dpoctl_pr_end();
	return DPOCTL_EXIT_OK;
}

static int listener_list(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	if (dpoctl_arg_none(ctx, argc, argv))
		return DPOCTL_EXIT_USAGE;
	return get(ctx, 0);
}

static int listener_show(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	uint32_t id;

	if (parse_id(ctx, argc, argv, &id))
		return DPOCTL_EXIT_USAGE;
	return get(ctx, id);
}

const struct dpoctl_cmd dpoctl_listener_cmds[] = {
	{ .name = "add", .fn = listener_add,
	  .args = "SESSION PID FD|port PORT",
	  .help = "attach a listening TCP socket of PID" },
	{ .name = "del", .fn = listener_del, .args = "ID",
	  .help = "detach a listener, unrestricting it" },
	{ .name = "list", .fn = listener_list, .args = "",
	  .help = "list listeners and their accept counters" },
	{ .name = "show", .fn = listener_show, .args = "ID",
	  .help = "show one listener" },
	{ }
};
