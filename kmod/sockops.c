// SPDX-License-Identifier: GPL-2.0
/*
 * The socket operations dpo puts on sockets: copies of the TCP proto_ops.
 *
 * One copy per kind (an attached listener's, a registered connection's)
 * and address family, built at init from the original ops with the
 * wrappers listener.c and conn.c hand in, read-only after. This unit knows
 * no dpo object: it holds the originals and the copies, dispatches accept
 * (both kinds share one entry, see ops_accept()), and turns the proto_ops
 * members whose shape depends on the kernel (accept's arguments, 6.1's
 * sendpage, splice_eof; probed in kmod/Makefile) into calls of the
 * wrappers' one shape.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <net/inet_common.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "sockops.h"

/* Index 0: IPv4, 1: IPv6 (NULL without IPv6). Set at init. */
static const struct proto_ops *orig_ops[2] __ro_after_init;
/* Copies of them, filled in at init, read-only after. */
static struct proto_ops listener_ops[2] __ro_after_init;
static struct proto_ops conn_ops[2] __ro_after_init;
static struct proto_ops *const copies[DPO_SOCKOPS_KINDS] = {
	[DPO_SOCKOPS_LISTENER] = listener_ops,
	[DPO_SOCKOPS_CONN] = conn_ops,
};

static const struct dpo_sock_wrappers *wrappers[DPO_SOCKOPS_KINDS]
	__ro_after_init;

static const struct proto_ops *orig_of(const struct socket *sock)
{
	return orig_ops[READ_ONCE(sock->ops)->family == PF_INET6];
}

/*
 * The accept of both kinds: a listener's, or a registered connection's
 * that was made a listener of its own (see conn.c). The ops are read
 * again: a listener detached meanwhile has its original ops back, and its
 * accept restarts through them.
 */
static int accept_call(struct socket *sock, struct socket *newsock,
		       struct dpo_accept_call *c)
{
	const struct proto_ops *ops = READ_ONCE(sock->ops);

	if (ops == &conn_ops[0] || ops == &conn_ops[1])
		return wrappers[DPO_SOCKOPS_CONN]->accept(sock, newsock, c);
	return wrappers[DPO_SOCKOPS_LISTENER]->accept(sock, newsock, c);
}

/* proto_ops.accept takes (flags, kern) on 6.1, a proto_accept_arg on 6.12. */
#ifdef DPO_HAVE_PROTO_ACCEPT_ARG
static int ops_accept(struct socket *sock, struct socket *newsock,
		      struct proto_accept_arg *arg)
{
	struct dpo_accept_call c = { .arg = arg };

	return accept_call(sock, newsock, &c);
}
#else
static int ops_accept(struct socket *sock, struct socket *newsock, int flags,
		      bool kern)
{
	struct dpo_accept_call c = { .flags = flags, .kern = kern };

	return accept_call(sock, newsock, &c);
}
#endif

/*
 * sendfile() reaches TCP through proto_ops.sendpage on 6.1, and through
 * sendmsg (MSG_SPLICE_PAGES) on 6.12, which has no sendpage. Asked for
 * more than the file holds, it sends the last chunk with MSG_MORE, and
 * where there is a proto_ops.splice_eof (6.5 on, and Debian's 6.1) pushes
 * it with that at the end of the file. Only connections wrap them.
 */
#ifdef DPO_HAVE_OPS_SENDPAGE
static ssize_t ops_sendpage(struct socket *sock, struct page *page,
			    int offset, size_t size, int flags)
{
	const struct dpo_sock_wrappers *h = wrappers[DPO_SOCKOPS_CONN];
	const struct proto_ops *orig = orig_of(sock);
	struct dpo_sock_write w;
	ssize_t ret;

	h->write_begin(sock, flags & (MSG_MORE | MSG_SENDPAGE_NOTLAST), &w);
	ret = orig->sendpage(sock, page, offset, size, flags);
	h->write_end(&w, ret);
	return ret;
}

static void wrap_sendpage(struct proto_ops *ops)
{
	ops->sendpage = ops_sendpage;
}
#else
static void wrap_sendpage(struct proto_ops *ops)
{
}
#endif

#ifdef DPO_HAVE_OPS_SPLICE_EOF
/* The end of a sendfile(): the answer is complete, as at an uncork. */
static void ops_splice_eof(struct socket *sock)
{
	const struct dpo_sock_wrappers *h = wrappers[DPO_SOCKOPS_CONN];
	const struct proto_ops *orig = orig_of(sock);
	struct dpo_sock_write w;

	h->write_begin(sock, false, &w);
	orig->splice_eof(sock);
	h->write_pushed(sock, &w);
}

static void wrap_splice_eof(struct proto_ops *ops)
{
	ops->splice_eof = ops_splice_eof;
}
#else
static void wrap_splice_eof(struct proto_ops *ops)
{
}
#endif

/*
 * A ULP or an address-family change would replace our ops
 * (kmod/DESIGN.md G4).
 */
bool dpo_sockopt_replaces_ops(int level, int optname)
{
	return (level == SOL_TCP && optname == TCP_ULP) ||
	       (level == SOL_IPV6 && optname == IPV6_ADDRFORM);
}

const struct proto_ops *dpo_sockops_orig(int ipv6)
{
	return orig_ops[ipv6];
}

const struct proto_ops *dpo_sockops_copy(enum dpo_sockops_kind kind,
					 int ipv6)
{
	return &copies[kind][ipv6];
}

/* Build @kind's copies: every member the original's, but what @w wraps. */
void __init dpo_sockops_wrap(enum dpo_sockops_kind kind,
			     const struct dpo_sock_wrappers *w)
{
	int i;

	wrappers[kind] = w;
	for (i = 0; i < 2; i++) {
		struct proto_ops *ops = &copies[kind][i];

		if (!orig_ops[i])
			continue;
		*ops = *orig_ops[i];
		ops->owner = THIS_MODULE;
		ops->accept = ops_accept;
		if (w->poll)
			ops->poll = w->poll;
		if (w->setsockopt)
			ops->setsockopt = w->setsockopt;
		if (w->getsockopt)
			ops->getsockopt = w->getsockopt;
		if (w->recvmsg)
			ops->recvmsg = w->recvmsg;
		if (w->sendmsg)
			ops->sendmsg = w->sendmsg;
		if (w->splice_read)
			ops->splice_read = w->splice_read;
		if (w->release)
			ops->release = w->release;
		if (kind == DPO_SOCKOPS_CONN) {
			wrap_sendpage(ops);
			wrap_splice_eof(ops);
		}
	}
}

/*
 * inet6_stream_ops is not exported: take it from a socket of our own,
 * before any other module could have replaced it on a user's socket.
 */
int __init dpo_sockops_init(void)
{
	struct socket *sock;
	int err;

	orig_ops[0] = &inet_stream_ops;
	if (!IS_ENABLED(CONFIG_IPV6))
		return 0;
	err = sock_create_kern(&init_net, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err == -EAFNOSUPPORT)
		return 0;		/* IPv6 disabled at boot */
	if (err)
		return err;
	orig_ops[1] = sock->ops;
	sock_release(sock);
	return 0;
}
