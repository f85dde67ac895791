// SPDX-License-Identifier: GPL-2.0
/* The generic netlink transport: socket, requests and ACKs, dumps, groups. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/dpo.h>

#include "nl.h"

/* Replies can be large dumps; notifications come in bursts. */
#define DPOCTL_NL_RCVBUF	(1 << 20)

struct request {
	dpoctl_nl_fn fn;
	void *arg;
	struct dpoctl_error *err;
	bool done;
};

int dpoctl_nl_open(struct dpoctl_nl *nl, const char *name,
		   struct dpoctl_error *err)
{
	char msg[96];
	int one = 1, fd, ret;

	memset(nl, 0, sizeof(*nl));
	dpoctl_error_clear(err);
	nl->name = name;
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return dpoctl_error_set(err, ENOMEM, "");
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = dpoctl_error_set(err, EIO, nl_geterror(ret));
		goto err;
	}
	/*
	 * Best effort: without these (kernels before 4.12) errors only lose
	 * their message, and every error carries a copy of our request.
	 */
	fd = nl_socket_get_fd(nl->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(nl->sk, DPOCTL_NL_RCVBUF, 0);

	nl->family = genl_ctrl_resolve(nl->sk, name);
	if (nl->family == -NLE_OBJ_NOTFOUND) {
		snprintf(msg, sizeof(msg),
			 "dpo module not loaded (family \"%s\" not found)", name);
		ret = dpoctl_error_set(err, ENOENT, msg);
		err->whole = true;
		goto err;
	}
	if (nl->family < 0) {
		ret = dpoctl_error_set(err, EIO, nl_geterror(nl->family));
		goto err;
	}
	return 0;
err:
	dpoctl_nl_close(nl);
	return ret;
}

void dpoctl_nl_close(struct dpoctl_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

int dpoctl_nl_fd(struct dpoctl_nl *nl)
{
	return nl_socket_get_fd(nl->sk);
}

struct nl_msg *dpoctl_nl_new_raw(int family, uint8_t cmd, uint8_t version,
			      int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				NLM_F_REQUEST | NLM_F_ACK | flags, cmd,
				version)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

struct nl_msg *dpoctl_nl_new(struct dpoctl_nl *nl, uint8_t cmd, int flags)
{
	return dpoctl_nl_new_raw(nl->family, cmd, DPO_GENL_VERSION, flags);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *ne, void *arg)
{
	struct request *rq = arg;
	int cmd = rq->err->cmd;

	(void)nla;
	/* libnl hands us the payload; the TLV flags are in the header */
	dpoctl_error_from_nlmsgerr(rq->err,
				   (struct nlmsghdr *)((char *)ne - NLMSG_HDRLEN));
	rq->err->cmd = cmd;
	rq->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;

	(void)msg;
	rq->done = true;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;
	struct dpoctl_error e;

	/* a dump that failed half-way says so in NLMSG_DONE */
	dpoctl_error_from_done(&e, nlmsg_hdr(msg));
	if (e.err && !rq->err->err) {
		e.cmd = rq->err->cmd;
		*rq->err = e;
	}
	rq->done = true;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;
	int ret;

	if (!rq->fn || rq->err->err)
		return NL_OK;
	ret = rq->fn(nlmsg_hdr(msg), rq->arg);
	if (ret < 0) {
		dpoctl_error_set(rq->err, -ret, ret == -EPROTO ?
				 "malformed reply from the kernel" : "");
		rq->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

/*
 * Sends @msg (and frees it), hands every reply to @fn and waits for the
 * ACK, the error or the end of the dump: errors are never silent.
 */
int dpoctl_nl_request(struct dpoctl_nl *nl, struct nl_msg *msg,
		      dpoctl_nl_fn fn, void *arg, struct dpoctl_error *err)
{
	struct request rq = { .fn = fn, .arg = arg, .err = err };
	struct nlmsghdr *nlh;
	struct nl_cb *cb;
	int ret;

	dpoctl_error_clear(err);
	if (!msg)
		return dpoctl_error_set(err, ENOMEM, "");
	nlh = nlmsg_hdr(msg);
	/* what dpo.h documents for the command, if it is one of dpo's */
	err->cmd = nlh->nlmsg_type == nl->family &&
		   !strcmp(nl->name, DPO_GENL_NAME) ? genlmsg_hdr(nlh)->cmd : 0;
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return dpoctl_error_set(err, EIO, nl_geterror(ret));

	/* our own callbacks: libnl's defaults would map the error away */
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return dpoctl_error_set(err, ENOMEM, "");
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &rq);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &rq);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &rq);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &rq);
	while (!rq.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret == -NLE_DUMP_INTR && !err->err) {
			dpoctl_error_set(err, EAGAIN,
					 "dump interrupted by a concurrent change, try again");
		} else if (ret < 0 && !rq.done) {
			dpoctl_error_set(err, EIO, nl_geterror(ret));
			break;
		}
	}
	nl_cb_put(cb);
	return -err->err;
}

/*
 * Joins multicast groups of the family (needs CAP_NET_ADMIN). All are
 * resolved first: once joined, notifications would mix with the replies.
 */
int dpoctl_nl_join(struct dpoctl_nl *nl, const char *const *groups, int n,
		   struct dpoctl_error *err)
{
	char msg[64];
	int grp[4];
	int i;

	dpoctl_error_clear(err);
	for (i = 0; i < n && i < 4; i++) {
		grp[i] = genl_ctrl_resolve_grp(nl->sk, nl->name, groups[i]);
		if (grp[i] < 0) {
			snprintf(msg, sizeof(msg),
				 "multicast group \"%s\" not found", groups[i]);
			return dpoctl_error_set(err, ENOENT, msg);
		}
	}
	/* setsockopt() itself, to keep the errno libnl would translate */
	for (i = 0; i < n && i < 4; i++) {
		if (setsockopt(dpoctl_nl_fd(nl), SOL_NETLINK,
			       NETLINK_ADD_MEMBERSHIP, &grp[i], sizeof(grp[i])))
			return dpoctl_error_set(err, errno, "");
	}
	return 0;
}

static int on_notification(struct nl_msg *msg, void *arg)
{
	struct dpoctl_nl *nl = arg;

	return nl->listen_fn(nlmsg_hdr(msg), nl->listen_arg) ? NL_STOP : NL_OK;
}

/* After the joins: notifications carry no sequence number of ours. */
void dpoctl_nl_listen(struct dpoctl_nl *nl, dpoctl_nl_fn fn, void *arg)
{
	nl->listen_fn = fn;
	nl->listen_arg = arg;
	nl_socket_disable_seq_check(nl->sk);
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM,
			    on_notification, nl);
}

/* One read: 0, -ENOBUFS when notifications were lost, or -errno. */
int dpoctl_nl_receive(struct dpoctl_nl *nl, struct dpoctl_error *err)
{
	int ret = nl_recvmsgs_default(nl->sk);

	dpoctl_error_clear(err);
	if (ret >= 0)
		return 0;
	/* libnl turns the socket's ENOBUFS (receive queue overrun) into this */
	if (ret == -NLE_NOMEM)
		return -ENOBUFS;
	return dpoctl_error_set(err, EIO, nl_geterror(ret));
}
