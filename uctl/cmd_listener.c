// SPDX-License-Identifier: GPL-2.0
/*
 * listener add/del/list/show: the listening sockets that a session's
 * instances share, whose accepts dpo hands to the owner (session owner).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <linux/dpo.h>

#include "dpoctl.h"
#include "nl.h"
#include "parse.h"
#include "print.h"
#include "procnet.h"

/*
 * The raw system calls: glibc has wrappers only since 2.36, valgrind
 * (3.19) does not know either call.
 */
static int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int sys_pidfd_getfd(int pidfd, int targetfd, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, targetfd, flags);
}

static const char *sys_strerror(int err, const char *since)
{
	static char buf[128];

	if (err != ENOSYS)
		return strerror(err);
	snprintf(buf, sizeof(buf), "%s (needs Linux %s or later)",
		 strerror(err), since);
	return buf;
}

static void print_listener(const struct dpoctl_listener *l)
{
	char addr[64];

	dpoctl_pr_row_begin();
	dpoctl_pr_u64("id", NULL, 4, l->id);
	dpoctl_pr_str("session", NULL, 12, l->session);
	dpoctl_addr_port_str(addr, sizeof(addr), l->family, l->addr, l->port);
	dpoctl_pr_str(NULL, "ADDRESS", 23, addr);
	dpoctl_pr_str("family", NULL, 0, dpoctl_family_name(l->family));
	dpoctl_addr_str(addr, sizeof(addr), l->family, l->addr);
	dpoctl_pr_str("address", NULL, 0, addr);
	dpoctl_pr_u64("port", NULL, 0, l->port);
	dpoctl_pr_u64("accepted_original", NULL, 17, l->accepted_original);
	dpoctl_pr_u64("accepted_patched", NULL, 16, l->accepted_patched);
	dpoctl_pr_u64("accepted_other", NULL, 14, l->accepted_other);
	dpoctl_pr_row_end();
}

/* Keeps the reply: struct dpoctl_listener, id 0 until one came. */
static int get_listener(struct nlmsghdr *nlh, void *arg)
{
	return dpoctl_msg_listener(nlh, arg);
}

static int show_listener(struct nlmsghdr *nlh, void *arg)
{
	struct dpoctl_listener l;
	int *rows = arg;

	if (dpoctl_msg_listener(nlh, &l))
		return -EPROTO;
	(*rows)++;
	print_listener(&l);
	return 0;
}

static int parse_id(struct dpoctl_ctx *ctx, const char *s, uint32_t *id)
{
	if (dpoctl_parse_listener_id(s, id))
		return dpoctl_usage(ctx, "bad ID \"%s\"", s);
	return 0;
}

static int del_request(struct dpoctl_nl *nl, uint32_t id)
{
	struct nl_msg *msg = dpoctl_nl_new(nl, DPO_CMD_LISTENER_DEL, 0);

	if (msg && nla_put_u32(msg, DPO_A_LISTENER_ID, id) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return dpoctl_nl_request(nl, msg, NULL, NULL);
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
	int pidfd, err = 0;
	size_t i;

	pidfd = sys_pidfd_open((pid_t)pid, 0);
	if (pidfd < 0) {
		dpoctl_err("%s: pidfd_open(%u): %s", ctx->what, pid,
			sys_strerror(errno, "5.3"));
		return -1;
	}
	for (i = 0; i < n; i++) {
		fds[i] = sys_pidfd_getfd(pidfd, socks[i].fd, 0);
		if (fds[i] < 0) {
			dpoctl_err("%s: pidfd_getfd(%u, %d): %s", ctx->what, pid,
				socks[i].fd, sys_strerror(errno, "5.6"));
			err = -1;
			break;
		}
	}
	close(pidfd);
	return err;
}

static int parse_add(struct dpoctl_ctx *ctx, int argc, char **argv,
		     uint32_t *pid, int *fd, uint16_t *port)
{
	*fd = -1;
	*port = 0;
	if (argc < 3)
		return dpoctl_usage(ctx, "missing %s", argc == 0 ? "SESSION" :
				 argc == 1 ? "PID" : "FD or port PORT");
	if (dpoctl_check_session_name(argv[0]))
		return dpoctl_usage(ctx, "session name must be 1 to %d bytes",
				 DPO_SESSION_NAME_MAX - 1);
	if (dpoctl_parse_pid(argv[1], pid))
		return dpoctl_usage(ctx, "bad PID \"%s\"", argv[1]);
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
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	uint16_t port;
	uint32_t pid;

	if (parse_add(ctx, argc, argv, &pid, &fd, &port))
		return DPOCTL_EXIT_USAGE;
	/* the module first: no other process is touched without it */
	if (dpoctl_nl_open(&nl, ctx->what))
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
		msg = dpoctl_nl_new(&nl, DPO_CMD_LISTENER_ADD, 0);
		if (msg && (nla_put_string(msg, DPO_A_SESSION_NAME, argv[0]) < 0 ||
			    nla_put_u32(msg, DPO_A_FD, (uint32_t)fds[i]) < 0)) {
			nlmsg_free(msg);
			msg = NULL;
		}
		ret = dpoctl_nl_request(&nl, msg, get_listener, &added[nadded]);
		/* dpo holds its own reference now */
		close(fds[i]);
		fds[i] = -1;
		if (ret)
			break;
		if (!added[nadded].id) {
			dpoctl_err("%s: no reply from the kernel", ctx->what);
			break;
		}
		nadded++;
	}
	if (nadded < n) {
		/* all or nothing: detach what this command attached */
		for (i = 0; i < nadded; i++)
			del_request(&nl, added[i].id);
		goto out;
	}

	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	for (i = 0; i < nadded; i++)
		print_listener(&added[i]);
	dpoctl_pr_end();
	rc = DPOCTL_EXIT_OK;
out:
	for (i = 0; fds && i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	free(added);
	free(socks);
	dpoctl_nl_close(&nl);
	return rc;
}

static int listener_del(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	struct dpoctl_nl nl;
	uint32_t id;
	int ret;

	if (argc < 1)
		return dpoctl_usage(ctx, "missing ID");
	if (argc > 1)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	if (parse_id(ctx, argv[0], &id))
		return DPOCTL_EXIT_USAGE;

	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	ret = del_request(&nl, id);
	dpoctl_nl_close(&nl);
	return ret ? DPOCTL_EXIT_ERR : DPOCTL_EXIT_OK;
}

/* All listeners (an array in JSON), or the one of @id (an object). */
static int get(struct dpoctl_ctx *ctx, uint32_t id)
{
	struct nl_msg *msg;
	struct dpoctl_nl nl;
	int ret, rows = 0;

	if (dpoctl_nl_open(&nl, ctx->what))
		return DPOCTL_EXIT_ERR;
	msg = dpoctl_nl_new(&nl, DPO_CMD_LISTENER_GET, id ? 0 : NLM_F_DUMP);
	if (msg && id && nla_put_u32(msg, DPO_A_LISTENER_ID, id) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	dpoctl_pr_begin(DPOCTL_PR_TABLE, !id);
	ret = dpoctl_nl_request(&nl, msg, show_listener, &rows);
	dpoctl_nl_close(&nl);
	if (ret)
		return DPOCTL_EXIT_ERR;
	if (id && !rows) {
		dpoctl_err("%s: no reply from the kernel", ctx->what);
		return DPOCTL_EXIT_ERR;
	}
	dpoctl_pr_end();
	return DPOCTL_EXIT_OK;
}

static int listener_list(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	if (argc)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[0]);
	return get(ctx, 0);
}

static int listener_show(struct dpoctl_ctx *ctx, int argc, char **argv)
{
	uint32_t id;

	if (argc < 1)
		return dpoctl_usage(ctx, "missing ID");
	if (argc > 1)
		return dpoctl_usage(ctx, "unexpected \"%s\"", argv[1]);
	if (parse_id(ctx, argv[0], &id))
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
