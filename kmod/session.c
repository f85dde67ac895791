// SPDX-License-Identifier: GPL-2.0
/* Sessions: their instances' sampling, ownership and the fail-safes. */
#include <linux/capability.h>
#include <linux/ktime.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "conn.h"
#include "drain.h"
#include "instance.h"
#include "listener.h"
#include "netlink.h"
#include "session.h"

/* Guards every session and instance, and the lists that hold them. */
DEFINE_MUTEX(dpo_objects_lock);
LIST_HEAD(dpo_sessions);
/* Bumped on every change to the object lists, for dump consistency. */
unsigned int dpo_generation = 1;

static unsigned int nsessions;		/* listed, under dpo_objects_lock */
static atomic_t session_objects;	/* allocated, until freed */
struct workqueue_struct *dpo_wq;

/*
 * Claimed sessions, for the netlink release notifier: it runs for every
 * netlink socket closed on the host, so it only looks here, under a
 * spinlock, and leaves the fail-safe to a work item that takes
 * dpo_objects_lock.
 */
static DEFINE_SPINLOCK(dpo_claim_lock);
static LIST_HEAD(claimed_sessions);
static void failsafe_work_fn(struct work_struct *work);
static DECLARE_WORK(failsafe_work, failsafe_work_fn);

struct dpo_session *dpo_session_find(const char *name)
{
	struct dpo_session *s;

	lockdep_assert_held(&dpo_objects_lock);
	list_for_each_entry(s, &dpo_sessions, node)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* Sample every instance of @s; the ones that exited are reported and go. */
static void session_sample(struct dpo_session *s)
{
	struct dpo_instance *inst, *tmp;
	enum dpo_role role;

	list_for_each_entry_safe(inst, tmp, &s->instances, node) {
		/* Pairs with smp_store_release() in the exit probe. */
		if (!smp_load_acquire(&inst->exited) &&
		    !dpo_instance_sample(inst)) {
			dpo_nl_notify_instance(inst, DPO_CMD_SAMPLE_NTF);
			continue;
		}
		dpo_instance_final_sample(inst);
		dpo_nl_notify_instance(inst, DPO_CMD_INSTANCE_EXIT_NTF);
		role = inst->role;
		dpo_instance_del(inst);
		dpo_session_instance_gone(s, role);
	}
}

static void session_sample_work(struct work_struct *work)
{
	struct dpo_session *s = container_of(work, struct dpo_session,
					     sample_work);

	mutex_lock(&dpo_objects_lock);
	if (!s->dead)
		session_sample(s);
	mutex_unlock(&dpo_objects_lock);
}

/* The timer only queues the work: sampling sleeps (mmput, the lock). */
static enum hrtimer_restart session_timer(struct hrtimer *timer)
{
	struct dpo_session *s = container_of(timer, struct dpo_session, timer);

	queue_work(dpo_wq, &s->sample_work);
	hrtimer_forward_now(timer, ms_to_ktime(READ_ONCE(s->interval_ms)));
	return HRTIMER_RESTART;
}

void dpo_session_kick(struct dpo_session *s)
{
	queue_work(dpo_wq, &s->sample_work);
}

int dpo_session_new(const char *name, u32 interval_ms,
		    struct netlink_ext_ack *extack, struct dpo_session **out)
{
	struct dpo_session *s;

	lockdep_assert_held(&dpo_objects_lock);
	if (dpo_session_find(name)) {
		NL_SET_ERR_MSG(extack, "session already exists");
		return -EEXIST;
	}
	if (nsessions >= DPO_SESSIONS_MAX) {
		NL_SET_ERR_MSG(extack, "too many sessions");
		return -ENOSPC;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	atomic_inc(&session_objects);
	refcount_set(&s->ref, 1);
	INIT_LIST_HEAD(&s->claim_node);
	s->pid_ns = get_pid_ns(task_active_pid_ns(current));
	s->net = get_net(current->nsproxy->net_ns);
	strscpy(s->name, name, sizeof(s->name));
	s->interval_ms = interval_ms;
	INIT_LIST_HEAD(&s->instances);
	INIT_LIST_HEAD(&s->listeners);
	INIT_LIST_HEAD(&s->conns);
	dpo_drain_init(s);
	s->owner = DPO_OWNER_BOTH;
	INIT_WORK(&s->sample_work, session_sample_work);
	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	s->timer.function = session_timer;
	list_add_tail(&s->node, &dpo_sessions);
	nsessions++;
	dpo_generation++;
	hrtimer_start(&s->timer, ms_to_ktime(interval_ms), HRTIMER_MODE_REL);
	*out = s;
	return 0;
}

void dpo_session_set_interval(struct dpo_session *s, u32 interval_ms)
{
	lockdep_assert_held(&dpo_objects_lock);
	WRITE_ONCE(s->interval_ms, interval_ms);
	/* Not while its callback forwards it on another CPU. */
	hrtimer_cancel(&s->timer);
	hrtimer_start(&s->timer, ms_to_ktime(interval_ms), HRTIMER_MODE_REL);
}

/*
 * The exit probe may still hold an instance of @s under RCU and kick its
 * work, so the session is freed only after a grace period, from a work
 * that can wait for the sample work to finish.
 */
static void session_free_work(struct work_struct *work)
{
	struct dpo_session *s = container_of(to_rcu_work(work),
					     struct dpo_session, free_work);

	cancel_work_sync(&s->sample_work);
	/* Its drain's work may still be in a connection's socket lock. */
	cancel_delayed_work_sync(&s->drain_obj.work);
	put_pid_ns(s->pid_ns);
	put_net(s->net);
	kfree(s);
	atomic_dec(&session_objects);
}

/*
 * Whether the calling process may see and act on @s: it must be in the
 * network namespace the session was made in, and in its creator's pid
 * namespace or an ancestor of it (a host-network container with
 * CAP_NET_ADMIN sees its own sessions only), unless it has CAP_SYS_ADMIN.
 */
bool dpo_session_visible(const struct dpo_session *s)
{
	struct pid_namespace *mine = task_active_pid_ns(current);
	const struct pid_namespace *ns;

	if (ns_capable_noaudit(&init_user_ns, CAP_SYS_ADMIN))
		return true;
	if (!net_eq(current->nsproxy->net_ns, s->net))
		return false;
	for (ns = s->pid_ns; ns; ns = ns->parent)
		if (ns == mine)
			return true;
	return false;
}

void dpo_session_get(struct dpo_session *s)
{
	refcount_inc(&s->ref);
}

void dpo_session_put(struct dpo_session *s)
{
	if (!refcount_dec_and_test(&s->ref))
		return;
	INIT_RCU_WORK(&s->free_work, session_free_work);
	queue_rcu_work(dpo_wq, &s->free_work);
}

/* Whether instances of @role may accept new connections under @owner. */
static bool owner_admits(enum dpo_owner owner, enum dpo_role role)
{
	switch (owner) {
	case DPO_OWNER_ORIGINAL:
		return role == DPO_ROLE_ORIGINAL;
	case DPO_OWNER_PATCHED:
		return role == DPO_ROLE_PATCHED;
	default:
		return true;
	}
}

/*
 * Switch every listener of @s: decisions taken from now on follow the new
 * owner (dpo_listener_switched() waits for the ones already taken). A
 * running drain of a role that may accept again is over: the fail-safes
 * (an instance gone, the controller gone) and an operator's switch back
 * win over it, or it would shut down every new connection of the only
 * role left serving.
 */
void dpo_session_set_owner(struct dpo_session *s, enum dpo_owner owner,
			   u8 canary_pct)
{
	struct dpo_listener *l;

	lockdep_assert_held(&dpo_objects_lock);
	if (owner != DPO_OWNER_CANARY)
		canary_pct = 0;
	list_for_each_entry(l, &s->listeners, node)
		dpo_listener_set_owner(l, owner, canary_pct);
	s->owner = owner;
	s->canary_pct = canary_pct;
	s->switch_time_ns = ktime_get_ns();
	dpo_nl_notify_session(s, DPO_CMD_OWNER_SET_NTF);
	if (s->drain && owner_admits(owner, s->drain->role))
		dpo_drain_cancel(s);
}

/*
 * Fail-safe: when an instance that takes new connections (as the owner, or
 * in a canary split) goes away and no other of its role is left, the
 * other role gets them all, if it is there.
 */
void dpo_session_instance_gone(struct dpo_session *s, enum dpo_role role)
{
	enum dpo_role other = role == DPO_ROLE_ORIGINAL ? DPO_ROLE_PATCHED :
							  DPO_ROLE_ORIGINAL;
	enum dpo_owner mine = role == DPO_ROLE_ORIGINAL ? DPO_OWNER_ORIGINAL :
							  DPO_OWNER_PATCHED;

	lockdep_assert_held(&dpo_objects_lock);
	if (s->owner != mine && s->owner != DPO_OWNER_CANARY)
		return;
	if (s->nrole[role] || !s->nrole[other])
		return;
	dpo_session_set_owner(s, other == DPO_ROLE_ORIGINAL ?
			      DPO_OWNER_ORIGINAL : DPO_OWNER_PATCHED, 0);
}

int dpo_session_claim(struct dpo_session *s, u32 portid, u8 failsafe_owner,
		      struct netlink_ext_ack *extack)
{
	int err = 0;

	lockdep_assert_held(&dpo_objects_lock);
	spin_lock(&dpo_claim_lock);
	if (s->controller_portid && s->controller_portid != portid) {
		NL_SET_ERR_MSG(extack, "session is claimed by another controller");
		err = -EBUSY;
	} else {
		s->controller_portid = portid;
		s->failsafe_owner = failsafe_owner;
		if (list_empty(&s->claim_node))
			list_add_tail(&s->claim_node, &claimed_sessions);
	}
	spin_unlock(&dpo_claim_lock);
	return err;
}

u32 dpo_session_controller(struct dpo_session *s)
{
	return READ_ONCE(s->controller_portid);
}

/*
 * A netlink socket was released (any on the host; process context, but
 * callers hold locks of their own): if it claimed sessions, their
 * fail-safe runs from a work item.
 */
void dpo_sessions_portid_released(u32 portid)
{
	struct dpo_session *s, *tmp;
	bool lost = false;

	spin_lock(&dpo_claim_lock);
	list_for_each_entry_safe(s, tmp, &claimed_sessions, claim_node) {
		if (s->controller_portid != portid)
			continue;
		WRITE_ONCE(s->controller_portid, 0);
		s->controller_lost = true;
		list_del_init(&s->claim_node);
		lost = true;
	}
	spin_unlock(&dpo_claim_lock);
	if (lost)
		queue_work(dpo_wq, &failsafe_work);
}

/* Fail-safe: the controller's socket is gone while it held sessions. */
static void failsafe_work_fn(struct work_struct *work)
{
	struct dpo_session *s;
	bool lost;

	mutex_lock(&dpo_objects_lock);
	list_for_each_entry(s, &dpo_sessions, node) {
		spin_lock(&dpo_claim_lock);
		lost = s->controller_lost;
		s->controller_lost = false;
		spin_unlock(&dpo_claim_lock);
		if (!lost)
			continue;
		dpo_nl_notify_session(s, DPO_CMD_CONTROLLER_LOST_NTF);
		if (s->owner != s->failsafe_owner)
			dpo_session_set_owner(s, s->failsafe_owner, 0);
	}
	mutex_unlock(&dpo_objects_lock);
}

void dpo_session_del(struct dpo_session *s)
{
	struct dpo_instance *inst, *tmp;
	struct dpo_listener *l, *ltmp;

	lockdep_assert_held(&dpo_objects_lock);
	spin_lock(&dpo_claim_lock);
	list_del_init(&s->claim_node);
	s->controller_portid = 0;
	s->controller_lost = false;
	spin_unlock(&dpo_claim_lock);
	list_for_each_entry_safe(l, ltmp, &s->listeners, node)
		dpo_listener_del(l);
	/* No connection is registered any more: let go of the open ones. */
	dpo_drain_cancel(s);
	dpo_conn_session_end(s);
	list_for_each_entry_safe(inst, tmp, &s->instances, node)
		dpo_instance_del(inst);
	list_del(&s->node);
	nsessions--;
	dpo_generation++;
	s->dead = true;
	hrtimer_cancel(&s->timer);
	dpo_session_put(s);
}

unsigned int dpo_session_objects(void)
{
	return atomic_read(&session_objects);
}

int dpo_session_init(void)
{
	dpo_wq = alloc_workqueue("dpo", WQ_UNBOUND, 0);
	return dpo_wq ? 0 : -ENOMEM;
}

void dpo_session_exit(void)
{
	struct dpo_session *s, *tmp;

	mutex_lock(&dpo_objects_lock);
	list_for_each_entry_safe(s, tmp, &dpo_sessions, node)
		dpo_session_del(s);
	mutex_unlock(&dpo_objects_lock);
	/* Let every RCU callback queue its free work, then run them all. */
	rcu_barrier();
	destroy_workqueue(dpo_wq);
}
