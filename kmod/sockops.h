/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_SOCKOPS_H
#define _DPO_SOCKOPS_H

#include <linux/net.h>
#include <linux/sockptr.h>
#include <linux/types.h>

struct dpo_accept_call;
struct dpo_conn;
struct pipe_inode_info;
struct poll_table_struct;

/* The copies of the TCP proto_ops that dpo puts on sockets. */
enum dpo_sockops_kind {
	DPO_SOCKOPS_LISTENER,	/* an attached listener's (listener.c) */
	DPO_SOCKOPS_CONN,	/* a registered connection's (conn.c) */
	DPO_SOCKOPS_KINDS,
};

/* A write seen around the original call, for the connection registry. */
struct dpo_sock_write {
	struct dpo_conn *conn;	/* held, or NULL: not registered */
	u32 seq;		/* copied_seq before the write */
	int unread;		/* bytes unread before the write */
	bool more;		/* more of the answer is coming */
	const u8 *tail;		/* the last bytes sent, or NULL: unknown */
	int tail_len;
};

/*
 * What a copy wraps, in one shape for every kernel; NULL members keep the
 * original's. Accept is always wrapped: see dpo_sockops_wrap().
 */
struct dpo_sock_wrappers {
	int (*accept)(struct socket *sock, struct socket *newsock,
		      struct dpo_accept_call *c);
	__poll_t (*poll)(struct file *file, struct socket *sock,
			 struct poll_table_struct *wait);
	int (*setsockopt)(struct socket *sock, int level, int optname,
			  sockptr_t optval, unsigned int optlen);
	int (*getsockopt)(struct socket *sock, int level, int optname,
			  char __user *optval, int __user *optlen);
	int (*recvmsg)(struct socket *sock, struct msghdr *msg, size_t size,
		       int flags);
	int (*sendmsg)(struct socket *sock, struct msghdr *msg, size_t size);
	ssize_t (*splice_read)(struct socket *sock, loff_t *ppos,
			       struct pipe_inode_info *pipe, size_t len,
			       unsigned int flags);
	int (*release)(struct socket *sock);
	/*
	 * Around the writes that do not go through sendmsg on every kernel:
	 * 6.1's sendpage (sendfile), and splice_eof (the end of a sendfile,
	 * which pushes what is left of the answer). Connections only.
	 */
	void (*write_begin)(struct socket *sock, bool more,
			    struct dpo_sock_write *w);
	void (*write_end)(struct dpo_sock_write *w, ssize_t sent);
	void (*write_pushed)(struct socket *sock, struct dpo_sock_write *w);
};

int dpo_sockops_init(void);
void dpo_sockops_wrap(enum dpo_sockops_kind kind,
		      const struct dpo_sock_wrappers *w);
const struct proto_ops *dpo_sockops_orig(int ipv6);
const struct proto_ops *dpo_sockops_copy(enum dpo_sockops_kind kind,
					 int ipv6);
bool dpo_sockopt_replaces_ops(int level, int optname);

#endif /* _DPO_SOCKOPS_H */
