/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels dpo builds against (Debian 6.1 and
 * 6.12, and the debug kernel's configuration) lives here, so that the rest
 * of the module reads the same on all of them. Force-included by Kbuild.
 */
#ifndef _DPO_COMPAT_H
#define _DPO_COMPAT_H

/* Before any header: printk.h takes the first definition it sees. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/transp_v6.h>
#include <linux/sched/signal.h>
#include <linux/taskstats.h>

/* Time a live thread has spent runnable but waiting for a CPU. */
static inline u64 dpo_task_run_delay(const struct task_struct *t)
{
#ifdef CONFIG_SCHED_INFO
	return READ_ONCE(t->sched_info.run_delay);
#else
	return 0;
#endif
}

/*
 * Run delay of the threads of @sig that already exited: taskstats adds it
 * to sig->stats when a thread of a multi-threaded process exits.
 */
static inline u64 dpo_exited_run_delay(struct signal_struct *sig)
{
#if defined(CONFIG_TASKSTATS) && defined(CONFIG_TASK_DELAY_ACCT)
	/* Pairs with smp_store_release() in taskstats_tgid_alloc(). */
	struct taskstats *stats = smp_load_acquire(&sig->stats);

	return stats ? READ_ONCE(stats->cpu_delay_total) : 0;
#else
	return 0;
#endif
}

/* Resident pages of @mm: the exact sum where the kernel has it (6.12). */
static inline unsigned long dpo_mm_rss_pages(struct mm_struct *mm)
{
#ifdef DPO_HAVE_MM_COUNTER_SUM
	return get_mm_counter_sum(mm, MM_FILEPAGES) +
	       get_mm_counter_sum(mm, MM_ANONPAGES) +
	       get_mm_counter_sum(mm, MM_SHMEMPAGES);
#else
	return get_mm_rss(mm);
#endif
}

/*
 * Resident pages a live thread counted but has not yet added to its mm:
 * with SPLIT_RSS_COUNTING (6.1) each thread batches up to 64 events, so a
 * process that faults little would show almost no RSS without them.
 */
static inline long dpo_task_rss_cached(const struct task_struct *t)
{
#ifdef SPLIT_RSS_COUNTING
	return READ_ONCE(t->rss_stat.count[MM_FILEPAGES]) +
	       READ_ONCE(t->rss_stat.count[MM_ANONPAGES]) +
	       READ_ONCE(t->rss_stat.count[MM_SHMEMPAGES]);
#else
	return 0;
#endif
}

/*
 * proto_ops.accept takes (flags, kern) on 6.1 and a struct proto_accept_arg
 * on 6.12. The wrapper is written once against struct dpo_accept_call, and
 * dpo_ops_accept() is the entry point of the running kernel's shape.
 */
#ifdef DPO_HAVE_PROTO_ACCEPT_ARG
struct dpo_accept_call {
	struct proto_accept_arg *arg;
};

static inline int dpo_accept_flags(const struct dpo_accept_call *c)
{
	return c->arg->flags;
}

/* kernel_accept(): the new socket gets its ops only after the call. */
static inline bool dpo_accept_kern(const struct dpo_accept_call *c)
{
	return c->arg->kern;
}

static inline int dpo_accept_orig(const struct proto_ops *ops,
				  struct socket *sock, struct socket *newsock,
				  struct dpo_accept_call *c, int flags)
{
	int saved = c->arg->flags, err;

	c->arg->flags = flags;
	err = ops->accept(sock, newsock, c->arg);
	c->arg->flags = saved;
	return err;
}

int dpo_accept(struct socket *sock, struct socket *newsock,
	       struct dpo_accept_call *c);

static inline int dpo_ops_accept(struct socket *sock, struct socket *newsock,
				 struct proto_accept_arg *arg)
{
	struct dpo_accept_call c = { .arg = arg };

	return dpo_accept(sock, newsock, &c);
}
#else
struct dpo_accept_call {
	int flags;
	bool kern;
};

static inline int dpo_accept_flags(const struct dpo_accept_call *c)
{
	return c->flags;
}

static inline bool dpo_accept_kern(const struct dpo_accept_call *c)
{
	return c->kern;
}

static inline int dpo_accept_orig(const struct proto_ops *ops,
				  struct socket *sock, struct socket *newsock,
				  struct dpo_accept_call *c, int flags)
{
	return ops->accept(sock, newsock, flags, c->kern);
}

int dpo_accept(struct socket *sock, struct socket *newsock,
	       struct dpo_accept_call *c);

static inline int dpo_ops_accept(struct socket *sock, struct socket *newsock,
				 int flags, bool kern)
{
	struct dpo_accept_call c = { .flags = flags, .kern = kern };

	return dpo_accept(sock, newsock, &c);
}
#endif

/* A dump's request attributes, parsed by the family's policy. */
static inline struct nlattr **dpo_dump_attrs(struct netlink_callback *cb)
{
#ifdef DPO_HAVE_DUMPIT_INFO_INFO
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* IPv6 may be a module or absent: then no socket can be IPv6. */
static inline bool dpo_is_tcpv6_prot(const struct proto *prot)
{
#if IS_BUILTIN(CONFIG_IPV6)
	return prot == &tcpv6_prot;
#else
	return false;
#endif
}

static inline void dpo_copy_v6_rcv_saddr(const struct sock *sk, u8 addr[16])
{
#if IS_ENABLED(CONFIG_IPV6)
	memcpy(addr, &sk->sk_v6_rcv_saddr, 16);
#endif
}

static inline void dpo_copy_v6_daddr(const struct sock *sk, u8 addr[16])
{
#if IS_ENABLED(CONFIG_IPV6)
	memcpy(addr, &sk->sk_v6_daddr, 16);
#endif
}

/*
 * sendfile() reaches TCP through proto_ops.sendpage on 6.1, and through
 * sendmsg (MSG_SPLICE_PAGES) on 6.12, which has no sendpage. Asked for
 * more than the file holds, it sends the last chunk with MSG_MORE, and
 * where there is a proto_ops.splice_eof (6.5 on, and Debian's 6.1) pushes
 * it with that at the end of the file.
 */
struct dpo_conn;
struct dpo_conn *dpo_conn_get(const struct sock *sk);
void dpo_conn_wrote(struct dpo_conn *c, int n, bool more, int unread,
		    u32 seq);
int dpo_conn_unread(const struct sock *sk, u32 *seq);
void dpo_conn_put(struct dpo_conn *c);
const struct proto_ops *dpo_listener_orig_ops(int ipv6);

#ifdef DPO_HAVE_OPS_SENDPAGE
static inline ssize_t dpo_conn_sendpage(struct socket *sock, struct page *page,
					int offset, size_t size, int flags)
{
	const struct proto_ops *orig =
		dpo_listener_orig_ops(READ_ONCE(sock->ops)->family == PF_INET6);
	struct dpo_conn *c = dpo_conn_get(sock->sk);
	u32 seq = 0;
	int unread = c ? dpo_conn_unread(sock->sk, &seq) : 0;
	bool more = (flags & (MSG_MORE | MSG_SENDPAGE_NOTLAST)) ||
		    (tcp_sk(sock->sk)->nonagle & TCP_NAGLE_CORK);
	ssize_t ret = orig->sendpage(sock, page, offset, size, flags);

	if (c) {
		if (ret > 0)
			dpo_conn_wrote(c, ret, more, unread, seq);
		dpo_conn_put(c);
	}
	return ret;
}

/* A macro: the copy it fills is the one non-const proto_ops there is. */
#define dpo_conn_wrap_sendpage(ops)	((ops)->sendpage = dpo_conn_sendpage)
#else
#define dpo_conn_wrap_sendpage(ops)	do { } while (0)
#endif

#ifdef DPO_HAVE_OPS_SPLICE_EOF
/* The end of a sendfile(): the answer is complete, as at an uncork. */
static inline void dpo_conn_splice_eof(struct socket *sock)
{
	const struct proto_ops *orig =
		dpo_listener_orig_ops(READ_ONCE(sock->ops)->family == PF_INET6);
	struct dpo_conn *c = dpo_conn_get(sock->sk);
	u32 seq = 0;
	int unread = c ? dpo_conn_unread(sock->sk, &seq) : 0;

	orig->splice_eof(sock);
	if (c) {
		/* Under TCP_CORK the push sends full segments only. */
		if (!(tcp_sk(sock->sk)->nonagle & TCP_NAGLE_CORK))
			dpo_conn_wrote(c, 0, false, unread, seq);
		dpo_conn_put(c);
	}
}

#define dpo_conn_wrap_splice_eof(ops)	((ops)->splice_eof = dpo_conn_splice_eof)
#else
#define dpo_conn_wrap_splice_eof(ops)	do { } while (0)
#endif

#endif /* _DPO_COMPAT_H */
