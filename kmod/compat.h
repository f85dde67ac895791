/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels dpo builds against (Debian 6.1 and
 * 6.12, and the debug kernel's configuration) lives here, so that the rest
 * of the module reads the same on all of them. Force-included by Kbuild.
 */
#ifndef _DPO_COMPAT_H
#define _DPO_COMPAT_H

#include <linux/sched.h>
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

#endif /* _DPO_COMPAT_H */
