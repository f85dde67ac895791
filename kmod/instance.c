// SPDX-License-Identifier: GPL-2.0
/* Tracked processes (instances): lookup by pid, sampling, exit. */
#include <linux/hashtable.h>
#include <linux/netlink.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "instance.h"
#include "session.h"

/* Tracked processes by struct pid: the exit probe looks them up under RCU. */
static DEFINE_HASHTABLE(instances_by_pid, 8);
static unsigned int ninstances;		/* hashed, under dpo_objects_lock */
static atomic_t instance_objects;	/* allocated, until freed after RCU */
static atomic64_t samples_total;
static atomic64_t sample_time_ns;

struct dpo_instance *dpo_instance_find(struct pid *pid)
{
	struct dpo_instance *inst;

	lockdep_assert_held(&dpo_objects_lock);
	hash_for_each_possible(instances_by_pid, inst, hnode, (unsigned long)pid)
		if (inst->pid == pid)
			return inst;
	return NULL;
}

struct dpo_instance *dpo_instance_find_rcu(struct pid *pid)
{
	struct dpo_instance *inst;

	hash_for_each_possible_rcu(instances_by_pid, inst, hnode,
				   (unsigned long)pid)
		if (inst->pid == pid)
			return inst;
	return NULL;
}

/* Check that @pid names a live user process; returns its start time. */
static int check_process(struct pid *pid, struct netlink_ext_ack *extack,
			 u64 *start_time_ns)
{
	struct task_struct *task;
	int err = 0;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	if (!task) {
		if (pid_task(pid, PIDTYPE_PID)) {
			NL_SET_ERR_MSG(extack, "pid is a thread, not a process");
			err = -EINVAL;
		} else {
			NL_SET_ERR_MSG(extack, "no such process");
			err = -ESRCH;
		}
	} else if (task->flags & PF_KTHREAD) {
		NL_SET_ERR_MSG(extack, "pid is a kernel thread");
		err = -EINVAL;
	} else if (!atomic_read(&task->signal->live)) {
		NL_SET_ERR_MSG(extack, "no such process");
		err = -ESRCH;
	} else {
		*start_time_ns = task->start_boottime;
	}
	rcu_read_unlock();
	return err;
}

int dpo_instance_add(struct dpo_session *s, u32 nr, enum dpo_role role,
		     struct netlink_ext_ack *extack, struct dpo_instance **out)
{
	struct dpo_instance *inst;
	struct pid *pid;
	u64 start_time_ns;
	int err;

	lockdep_assert_held(&dpo_objects_lock);
	pid = find_get_pid(nr);
	if (!pid) {
		NL_SET_ERR_MSG(extack, "no such process");
		return -ESRCH;
	}
	err = check_process(pid, extack, &start_time_ns);
	if (err)
		goto err_put;
	if (dpo_instance_find(pid)) {
		NL_SET_ERR_MSG(extack, "process already tracked");
		err = -EEXIST;
		goto err_put;
	}
	if (ninstances >= DPO_INSTANCES_MAX) {
		NL_SET_ERR_MSG(extack, "too many instances");
		err = -ENOSPC;
		goto err_put;
	}
	inst = kzalloc(sizeof(*inst), GFP_KERNEL);
	if (!inst) {
		err = -ENOMEM;
		goto err_put;
	}
	inst->traffic = dpo_traffic_new();
	if (!inst->traffic) {
		kfree(inst);
		err = -ENOMEM;
		goto err_put;
	}
	atomic_inc(&instance_objects);
	inst->session = s;
	inst->pid = pid;
	inst->role = role;
	inst->start_time_ns = start_time_ns;
	hash_add_rcu(instances_by_pid, &inst->hnode, (unsigned long)pid);
	list_add_tail(&inst->node, &s->instances);
	s->ninstances++;
	WRITE_ONCE(s->nrole[role], s->nrole[role] + 1);
	WRITE_ONCE(ninstances, ninstances + 1);
	dpo_generation++;

	/* A first sample now, so GET has data before the first tick. */
	dpo_instance_sample(inst);
	*out = inst;
	return 0;

err_put:
	put_pid(pid);
	return err;
}

/* Totals of its connections, and rates since the previous sample. */
static void sample_traffic(struct dpo_instance *inst)
{
	u64 t = ktime_get_ns();

	dpo_traffic_sample(inst->traffic, &inst->traffic_prev,
			   inst->traffic_prev_ns, t - inst->traffic_prev_ns,
			   &inst->traffic_last);
	inst->traffic_prev_ns = t;
}

/* Take a sample; -ESRCH when the process has exited. */
int dpo_instance_sample(struct dpo_instance *inst)
{
	struct dpo_stats now;
	u64 t0 = ktime_get_ns();
	int err;

	err = dpo_stats_read(inst->pid, false, &now);
	atomic64_add(ktime_get_ns() - t0, &sample_time_ns);
	atomic64_inc(&samples_total);
	if (err)
		return err;
	dpo_stats_merge(&inst->last, &now);
	sample_traffic(inst);
	return 0;
}

/* After the exit: the totals of a zombie are still there, take them. */
void dpo_instance_final_sample(struct dpo_instance *inst)
{
	struct task_struct *task;
	struct dpo_stats now;

	if (!dpo_stats_read(inst->pid, true, &now))
		dpo_stats_merge(&inst->last, &now);
	sample_traffic(inst);

	/* Pairs with smp_store_release() in the exit probe. */
	if (smp_load_acquire(&inst->exited))
		return;
	rcu_read_lock();
	task = pid_task(inst->pid, PIDTYPE_TGID);
	if (task)
		inst->exit_code = READ_ONCE(task->exit_code);
	rcu_read_unlock();
}

static void instance_free_rcu(struct rcu_head *rcu)
{
	struct dpo_instance *inst = container_of(rcu, struct dpo_instance, rcu);

	put_pid(inst->pid);
	dpo_traffic_put(inst->traffic);
	kfree(inst);
	atomic_dec(&instance_objects);
}

void dpo_instance_del(struct dpo_instance *inst)
{
	lockdep_assert_held(&dpo_objects_lock);
	hash_del_rcu(&inst->hnode);
	list_del(&inst->node);
	inst->session->ninstances--;
	WRITE_ONCE(inst->session->nrole[inst->role],
		   inst->session->nrole[inst->role] - 1);
	WRITE_ONCE(ninstances, ninstances - 1);
	dpo_generation++;
	call_rcu(&inst->rcu, instance_free_rcu);
}

bool dpo_instances_tracked(void)
{
	return READ_ONCE(ninstances) != 0;
}

unsigned int dpo_instance_objects(void)
{
	return atomic_read(&instance_objects);
}

u64 dpo_samples_total(void)
{
	return atomic64_read(&samples_total);
}

u64 dpo_sample_time_total_ns(void)
{
	return atomic64_read(&sample_time_ns);
}
