// SPDX-License-Identifier: GPL-2.0
/*
 * Process exit, seen as it happens: a probe on sched_process_exit.
 *
 * The tracepoint is not exported to modules, so it is found by
 * name. Without it, the sampler still sees the exit one interval later.
 */
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "exit_watch.h"
#include "instance.h"
#include "session.h"

static struct tracepoint *exit_tp;

static void find_exit_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_exit"))
		*(struct tracepoint **)priv = tp;
}

/* Runs for every exiting thread on the host: keep the common path short. */
static void exit_probe(void *data, struct task_struct *p)
{
	struct dpo_instance *inst;

	if (!dpo_instances_tracked() || atomic_read(&p->signal->live))
		return;

	rcu_read_lock();
	inst = dpo_instance_find_rcu(task_tgid(p));
	if (inst) {
		WRITE_ONCE(inst->exit_code, p->exit_code);
		/* Pairs with smp_load_acquire() in the sampler. */
		smp_store_release(&inst->exited, true);
		dpo_session_kick(inst->session);
	}
	rcu_read_unlock();
}

int dpo_exit_watch_init(void)
{
	for_each_kernel_tracepoint(find_exit_tp, &exit_tp);
	if (!exit_tp) {
		pr_warn("no sched_process_exit tracepoint; exits are seen at the next sample\n");
		return 0;
	}
	return tracepoint_probe_register(exit_tp, exit_probe, NULL);
}

void dpo_exit_watch_exit(void)
{
	if (!exit_tp)
		return;
	tracepoint_probe_unregister(exit_tp, exit_probe, NULL);
	tracepoint_synchronize_unregister();
}
