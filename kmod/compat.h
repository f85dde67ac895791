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
#include <linux/slab.h>
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
 * on 6.12. The wrappers are written once against struct dpo_accept_call
 * (kmod/sockops.c has the entry point of the running kernel's shape).
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

/*
 * Split ops (6.2): kmod/nl_ops.c, generated from the spec, is a table of
 * struct genl_split_ops, one entry per do and per dump. 6.1 takes
 * struct genl_ops, one entry per command: there the generated table is
 * declared as genl_ops (the fields it sets are the same) and
 * dpo_genl_set_ops() merges the do and dump entries of each command into
 * a copy (they share one policy in dpo's spec).
 */
#ifdef DPO_HAVE_GENL_SPLIT_OPS
static inline int dpo_genl_set_ops(struct genl_family *family,
				   const struct genl_split_ops *ops,
				   unsigned int n)
{
	family->split_ops = ops;
	family->n_split_ops = n;
	return 0;
}

static inline void dpo_genl_free_ops(struct genl_family *family)
{
}
#else
#define genl_split_ops genl_ops

static inline int dpo_genl_set_ops(struct genl_family *family,
				   const struct genl_ops *ops, unsigned int n)
{
	struct genl_ops *merged = kcalloc(n, sizeof(*merged), GFP_KERNEL);
	unsigned int i, j, m = 0;

	if (!merged)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		for (j = 0; j < m && merged[j].cmd != ops[i].cmd; j++)
			;
		if (j == m) {
			merged[m].cmd = ops[i].cmd;
			merged[m].flags = ops[i].flags &
				~(GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP);
			merged[m].policy = ops[i].policy;
			merged[m].maxattr = ops[i].maxattr;
			m++;
		}
		if (ops[i].doit)
			merged[j].doit = ops[i].doit;
		if (ops[i].dumpit) {
			merged[j].start = ops[i].start;
			merged[j].dumpit = ops[i].dumpit;
			merged[j].done = ops[i].done;
		}
	}
	family->ops = merged;
	family->n_ops = m;
	return 0;
}

static inline void dpo_genl_free_ops(struct genl_family *family)
{
	kfree(family->ops);
}
#endif

/*
 * 6.1's nla_policy points at a range without const; the generated
 * policies point at const ranges.
 */
#ifndef DPO_HAVE_CONST_POLICY_RANGE
#undef NLA_POLICY_FULL_RANGE
#define NLA_POLICY_FULL_RANGE(tp, _range) {				\
	.type = NLA_ENSURE_UINT_OR_BINARY_TYPE(tp),			\
	.validation_type = NLA_VALIDATE_RANGE_PTR,			\
	.range = (struct netlink_range_validation *)(_range),		\
}
#endif

/*
 * 6.5 on, sendfile and splice reach sendmsg with the file's pages
 * (MSG_SPLICE_PAGES); 6.1 passes them to sendpage instead.
 */
#ifndef MSG_SPLICE_PAGES
#define MSG_SPLICE_PAGES	0
#endif

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

#endif /* _DPO_COMPAT_H */
