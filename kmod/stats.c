// SPDX-License-Identifier: GPL-2.0
/*
 * One sample of a thread group's counters, dead threads included.
 *
 * Per-process counters, read the way thread_group_cputime() reads them: the
 * totals of exited threads in signal_struct plus every thread still on the
 * thread list, under the stats_lock seqlock that __exit_signal() takes when
 * it moves a thread from the list into the totals.
 */
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/timekeeping.h>

#include "stats.h"

static struct mm_struct *thread_group_mm(struct task_struct *leader)
{
	struct task_struct *t;
	struct mm_struct *mm;

	/* The leader may have exited (mm == NULL) while other threads run. */
	for_each_thread(leader, t) {
		mm = get_task_mm(t);
		if (mm)
			return mm;
	}
	return NULL;
}

/* The totals of the exited threads plus every thread still listed. */
static void sum_threads(struct signal_struct *sig, struct dpo_stats *st,
			long *rss_cached)
{
	struct task_struct *t;

	st->cpu_ns = sig->sum_sched_runtime;
	st->nvcsw = sig->nvcsw;
	st->nivcsw = sig->nivcsw;
	st->min_flt = sig->min_flt;
	st->maj_flt = sig->maj_flt;
	st->run_delay_ns = dpo_exited_run_delay(sig);
	st->threads = 0;
	*rss_cached = 0;
	__for_each_thread(sig, t) {
		st->cpu_ns += READ_ONCE(t->se.sum_exec_runtime);
		st->nvcsw += READ_ONCE(t->nvcsw);
		st->nivcsw += READ_ONCE(t->nivcsw);
		st->min_flt += READ_ONCE(t->min_flt);
		st->maj_flt += READ_ONCE(t->maj_flt);
		/* taskstats moved an exiting thread's delay already. */
		if (!(READ_ONCE(t->flags) & PF_EXITING))
			st->run_delay_ns += dpo_task_run_delay(t);
		if (!READ_ONCE(t->exit_state))
			st->threads++;
		*rss_cached += dpo_task_rss_cached(t);
	}
}

/*
 * Fill @st (all but seq) for the process @pid. Returns -ESRCH when the
 * process is gone, or when all its threads exited unless @allow_dead.
 */
int dpo_stats_read(struct pid *pid, bool allow_dead, struct dpo_stats *st)
{
	struct signal_struct *sig;
	struct task_struct *task;
	struct mm_struct *mm;
	unsigned long flags;
	unsigned int seq;
	long rss_cached;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (!task || (!allow_dead && !atomic_read(&task->signal->live))) {
		rcu_read_unlock();
		return -ESRCH;
	}
	sig = task->signal;

	/* Lockless first; take the lock if a thread exited meanwhile. */
	seq = read_seqbegin(&sig->stats_lock);
	sum_threads(sig, st, &rss_cached);
	if (read_seqretry(&sig->stats_lock, seq)) {
		read_seqlock_excl_irqsave(&sig->stats_lock, flags);
		sum_threads(sig, st, &rss_cached);
		read_sequnlock_excl_irqrestore(&sig->stats_lock, flags);
	}

	mm = thread_group_mm(task);
	rcu_read_unlock();

	st->rss_bytes = 0;
	if (mm) {
		long pages = dpo_mm_rss_pages(mm) + rss_cached;

		st->rss_bytes = (u64)max(pages, 0L) << PAGE_SHIFT;
		/* Not the last put here: exit_mmap() would run under dpo_objects_lock. */
		mmput_async(mm);
	}
	st->timestamp_ns = ktime_get_ns();
	return 0;
}

/*
 * Counters only grow. A thread can briefly count twice or not at all while
 * it exits (taskstats and the signal totals are updated at different
 * points of do_exit()), so never let a counter go backwards.
 */
void dpo_stats_merge(struct dpo_stats *last, const struct dpo_stats *now)
{
	last->timestamp_ns = now->timestamp_ns;
	last->seq++;
	last->cpu_ns = max(last->cpu_ns, now->cpu_ns);
	last->run_delay_ns = max(last->run_delay_ns, now->run_delay_ns);
	last->nvcsw = max(last->nvcsw, now->nvcsw);
	last->nivcsw = max(last->nivcsw, now->nivcsw);
	last->min_flt = max(last->min_flt, now->min_flt);
	last->maj_flt = max(last->maj_flt, now->maj_flt);
	last->rss_bytes = now->rss_bytes;
	last->threads = now->threads;
}
