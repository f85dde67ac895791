// SPDX-License-Identifier: GPL-2.0
/*
 * Listening-socket ownership: which instance of a session may accept.
 *
 * An attached listener gets a copy of its proto_ops (sockops.c) whose
 * accept and poll ask, for the calling process, whether it may take a
 * connection now; the rest of the copy is the original. The socket layer
 * swaps sock->ops at run time itself (kTLS, MPTCP, IPV6_ADDRFORM), and
 * follows the rules that make it sound (kmod/DESIGN.md L3, L6, A1):
 *
 * - The copies live as long as the module; every wrapper runs inside an
 *   SRCU read section, or, where it may sleep (the accept loop, the
 *   original setsockopt), holds a reference on the listener or the module
 *   instead; wrappers work on sockets they do not know (any socket may
 *   have loaded our ops just before they were restored).
 * - The original accept is only ever called non-blocking: waiting is a
 *   loop of ours on the socket's wait queue, woken on detach, so that
 *   detach and module unload are bounded. Nothing under dpo_objects_lock waits
 *   for a process: not for a socket lock, not for a wrapper's call.
 * - Every new connection reaches a waiter that may take it: see
 *   accept_wake() and tap_wake().
 * - dpo holds the listener's file while attached, so the socket cannot be
 *   released under it, and a module reference, so the module is in use
 *   (delete_module fails) until every listener is detached.
 * - Accepted sockets inherit the listener's ops (and a module reference)
 *   in do_accept(); the accept wrapper hands an instance's connection to
 *   the registry (conn.c) and gives any other the original ops back.
 */
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/transp_v6.h>

#include "canary.h"
#include "conn.h"
#include "instance.h"
#include "listener.h"
#include "session.h"
#include "sockops.h"

/* Wrapper bodies: detach and unload wait for them (never for a user). */
DEFINE_STATIC_SRCU(sock_srcu);
/*
 * Accepts that decided to take a connection: a switch of owner waits for
 * the ones decided under the old owner (outside dpo_objects_lock: one may
 * wait for the listener's socket lock, which a server can hold).
 */
DEFINE_STATIC_SRCU(decide_srcu);

/*
 * The sock hash and every swap of a listener's ops. A spinlock, not the
 * socket lock: attach and detach run under dpo_objects_lock, and a process can
 * hold its socket's lock for as long as it likes.
 */
static DEFINE_SPINLOCK(attach_lock);
/* Attached listeners by struct sock: read under sock_srcu by wrappers. */
static DEFINE_HASHTABLE(listeners_by_sk, 6);
/* By id, under dpo_objects_lock; ids are handed out cyclically, never 0. */
static DEFINE_XARRAY_ALLOC1(listener_ids);
static u32 next_id;			/* under dpo_objects_lock */
static unsigned int nlisteners;		/* under dpo_objects_lock */

/* By family index: 0 IPv4, 1 IPv6 (NULL without IPv6). */
static const struct proto_ops *orig_ops(int i)
{
	return dpo_sockops_orig(i);
}

static const struct proto_ops *wrapped_ops(int i)
{
	return dpo_sockops_copy(DPO_SOCKOPS_LISTENER, i);
}

/*
 * Poll bit in the key of dpo's own wakeups of a listener, which the tap
 * leaves alone. No socket reports EPOLLMSG; every waker and waiter of a
 * socket only looks at the bits it knows.
 */
#define DPO_WAKE_MARK	EPOLLMSG

/* How long SESSION_DEL waits for accept calls to leave its listeners. */
#define DPO_RELEASE_WAIT_MS	1000

static int family_index(const struct sock *sk)
{
	return sk->sk_family == AF_INET6;
}

static struct dpo_listener *listener_find(const struct sock *sk)
{
	struct dpo_listener *l;

	hlist_for_each_entry_srcu(l, &listeners_by_sk[hash_min((unsigned long)sk,
							       HASH_BITS(listeners_by_sk))],
				  hnode, srcu_read_lock_held(&sock_srcu) ||
					 lockdep_is_held(&attach_lock))
		if (l->sock->sk == sk)
			return l;
	return NULL;
}

/*
 * A socket with our ops that is not an attached listener: on 6.1,
 * do_accept() reads the listener's ops twice, so a detach between the two
 * reads leaves the new socket with our ops and a module reference, while
 * the original accept, not ours, ran. Give it back the original ops, on
 * its first call through a wrapper. Called in an SRCU read section, which
 * module unload waits for, so dropping what may be the last module
 * reference here is safe. Returns true if it repaired @sock.
 *
 * Under the attach lock, which attach and detach hold while they change
 * the hash and the ops: a wrapper's lookup that just failed (a detach)
 * may be followed by a new attach of the very same socket, whose ops and
 * module reference belong to that listener, not to a straggler.
 */
static bool repair_straggler_locked(struct socket *sock)
{
	int i = family_index(sock->sk);

	if (listener_find(sock->sk) ||
	    cmpxchg(&sock->ops, wrapped_ops(i), orig_ops(i)) !=
	    wrapped_ops(i))
		return false;
	module_put(THIS_MODULE);
	return true;
}

static bool repair_straggler(struct socket *sock)
{
	bool repaired;

	spin_lock(&attach_lock);
	repaired = repair_straggler_locked(sock);
	spin_unlock(&attach_lock);
	return repaired;
}

/* The caller's role in the listener's session (UNSPEC: not an instance). */
static enum dpo_role caller_role(const struct dpo_listener *l)
{
	enum dpo_role role = DPO_ROLE_UNSPEC;
	struct dpo_instance *inst;

	rcu_read_lock();
	inst = dpo_instance_find_rcu(task_tgid(current));
	if (inst && inst->session == l->session)
		role = inst->role;
	rcu_read_unlock();
	return role;
}

/*
 * Canary: the head of the queue belongs to the role whose turn it is; the
 * other role may take it once it has waited DPO_CANARY_WAIT_MS for it (the
 * timer then wakes it), or at once if no instance has the turn's role.
 */
static bool canary_allows(struct dpo_listener *l, enum dpo_role role)
{
	enum dpo_role turn = READ_ONCE(l->turn);
	struct sock *sk = l->sock->sk;
	u64 now, seen;

	if (role == DPO_ROLE_UNSPEC || role == turn ||
	    !READ_ONCE(l->session->nrole[turn]))
		return true;
	if (reqsk_queue_empty(&inet_csk(sk)->icsk_accept_queue))
		return false;
	now = ktime_get_ns();
	seen = READ_ONCE(l->head_seen_ns);
	if (!seen) {
		if (!cmpxchg(&l->head_seen_ns, 0, now))
			hrtimer_start(&l->wait_timer,
				      ms_to_ktime(DPO_CANARY_WAIT_MS),
				      HRTIMER_MODE_REL);
		return false;
	}
	return now - seen >= DPO_CANARY_WAIT_MS * NSEC_PER_MSEC;
}

static bool may_accept(struct dpo_listener *l, enum dpo_role role)
{
	switch (READ_ONCE(l->owner)) {
	case DPO_OWNER_ORIGINAL:
		return role != DPO_ROLE_PATCHED;
	case DPO_OWNER_PATCHED:
		return role != DPO_ROLE_ORIGINAL;
	case DPO_OWNER_CANARY:
		return canary_allows(l, role);
	default:
		return true;
	}
}

/* The next connection's turn (kmod/canary.h), waited for afresh. */
static void canary_next_turn(struct dpo_listener *l)
{
	WRITE_ONCE(l->turn, dpo_canary_next_turn(&l->credit, l->canary_pct));
	WRITE_ONCE(l->head_seen_ns, 0);
	hrtimer_try_to_cancel(&l->wait_timer);
}

/* dpo's own wakeup of every waiter: the tap leaves it alone. */
static void wake_all(struct dpo_listener *l)
{
	__wake_up(l->wq, TASK_INTERRUPTIBLE, 0,
		  poll_to_key(EPOLLIN | EPOLLRDNORM | DPO_WAKE_MARK));
}

/*
 * A connection is (still) queued that its waker's one exclusive wakeup
 * may have spent on a waiter who may not take it: wake one more, as a
 * new connection would (the tap sees to exclusive waiters of others).
 */
static void pass_on(struct dpo_listener *l)
{
	if (!reqsk_queue_empty(&inet_csk(l->sock->sk)->icsk_accept_queue))
		__wake_up(l->wq, TASK_INTERRUPTIBLE, 1,
			  poll_to_key(EPOLLIN | EPOLLRDNORM));
}

static enum hrtimer_restart canary_wait_over(struct hrtimer *timer)
{
	struct dpo_listener *l = container_of(timer, struct dpo_listener,
					      wait_timer);

	/* Detached: the socket may be gone (a late start after the cancel). */
	if (!READ_ONCE(l->detached))
		wake_all(l);
	return HRTIMER_NORESTART;
}

static void set_owner(struct dpo_listener *l, enum dpo_owner owner,
		      u8 canary_pct)
{
	WRITE_ONCE(l->owner, owner);
	l->canary_pct = canary_pct;
	if (owner == DPO_OWNER_CANARY) {
		l->credit = 0;
		canary_next_turn(l);
	}
}

/* A new socket that is not registered gets the original ops back. */
static void give_back_ops(struct socket *newsock, int i)
{
	if (cmpxchg(&newsock->ops, wrapped_ops(i), orig_ops(i)) ==
	    wrapped_ops(i))
		module_put(THIS_MODULE);
}

/*
 * Take one connection if the caller may. The decision and the dequeue run
 * in a decide_srcu section that an owner switch waits for; no lock of
 * ours is held across the original accept (it takes the socket lock). In
 * canary mode one accept at a time, so that the turns stay exact.
 *
 * A new socket comes with our ops and a module reference from
 * do_accept(): an instance's connection is registered (and keeps both,
 * with the registry's ops), any other gets the original ops back.
 */
static int try_accept(struct dpo_listener *l, struct socket *sock,
		      struct socket *newsock, struct dpo_accept_call *c,
		      enum dpo_role role)
{
	int i = family_index(sock->sk);
	int idx, err;
	bool canary;

	idx = srcu_read_lock(&decide_srcu);
	spin_lock(&l->lock);
	canary = l->owner == DPO_OWNER_CANARY;
	if (!may_accept(l, role) || (canary && l->canary_busy)) {
		spin_unlock(&l->lock);
		srcu_read_unlock(&decide_srcu, idx);
		return -EAGAIN;
	}
	l->canary_busy = canary;
	spin_unlock(&l->lock);

	err = dpo_accept_orig(orig_ops(i), sock, newsock, c,
			      dpo_accept_flags(c) | O_NONBLOCK);

	if (canary) {
		spin_lock(&l->lock);
		l->canary_busy = false;
		if (!err && l->owner == DPO_OWNER_CANARY)
			canary_next_turn(l);
		spin_unlock(&l->lock);
	}
	srcu_read_unlock(&decide_srcu, idx);

	if (!err) {
		atomic64_inc(&l->accepted[role]);
		if (role == DPO_ROLE_UNSPEC ||
		    !dpo_conn_adopt(l->session, newsock))
			give_back_ops(newsock, i);
	}
	/* The next one may be the other role's turn, or found us busy. */
	if (canary)
		pass_on(l);
	return err;
}

/*
 * The listener was detached (or the socket repaired) under the caller:
 * enter again through the original ops. A blocking syscall restarts
 * transparently. io_uring has no restart (it would pass -ERESTARTNOINTR
 * on): its worker threads get -EINTR, as for a signal; non-blocking
 * callers get -EAGAIN and a wakeup, so that poll, epoll (edge-triggered
 * too) and io_uring's poll retry come back for what is queued.
 */
static int restart_accept(struct socket *sock, const struct dpo_accept_call *c)
{
	bool io_worker = current->flags & PF_IO_WORKER;

	if (!(dpo_accept_flags(c) & O_NONBLOCK) && !io_worker)
		return restart_syscall();
	wake_up_interruptible_poll(sk_sleep(sock->sk), EPOLLIN | EPOLLRDNORM);
	return io_worker ? -EINTR : -EAGAIN;
}

/* A task asleep in our accept loop, for its wake function. */
struct accept_waiter {
	struct wait_queue_entry entry;
	struct dpo_listener *l;
	enum dpo_role role;
};

/*
 * Accept loops wait exclusively, so that a new connection wakes one task
 * (no thundering herd), and one that may take it: a waiter that may not
 * refuses the wakeup, which then goes on to the next waiter.
 */
static int accept_wake(struct wait_queue_entry *entry, unsigned int mode,
		       int sync, void *key)
{
	struct accept_waiter *w = container_of(entry, struct accept_waiter,
					       entry);

	if (key && (key_to_poll(key) & EPOLLIN) && !may_accept(w->l, w->role))
		return 0;
	return woken_wake_function(entry, mode, sync, key);
}

/*
 * Accept for a listener of ours: a loop around the non-blocking original.
 * It holds a reference on the listener (detach wakes it and does not wait
 * for it) and no SRCU read section while it sleeps.
 */
static int accept_loop(struct dpo_listener *l, struct socket *sock,
		       struct socket *newsock, struct dpo_accept_call *c)
{
	struct sock *sk = sock->sk;
	long timeo = sock_rcvtimeo(sk, dpo_accept_flags(c) & O_NONBLOCK);
	struct accept_waiter w = { .l = l, .role = caller_role(l) };
	int err;

	init_waitqueue_func_entry(&w.entry, accept_wake);
	w.entry.private = current;
	add_wait_queue_exclusive(l->wq, &w.entry);
	for (;;) {
		if (READ_ONCE(l->detached)) {
			err = restart_accept(sock, c);
			break;
		}
		/* It may have become (or stopped being) an instance. */
		WRITE_ONCE(w.role, caller_role(l));
		err = try_accept(l, sock, newsock, c, w.role);
		if (err != -EAGAIN)
			break;
		if (READ_ONCE(sk->sk_state) != TCP_LISTEN) {
			err = -EINVAL;
			break;
		}
		if (!timeo)
			break;
		if (signal_pending(current)) {
			err = sock_intr_errno(timeo);
			break;
		}
		timeo = wait_woken(&w.entry, TASK_INTERRUPTIBLE, timeo);
	}
	remove_wait_queue(l->wq, &w.entry);
	/* Woken for a connection and leaving without it: hand it on. */
	if (err && err != -EAGAIN)
		pass_on(l);
	return err;
}

/*
 * kernel_accept() (kern: the new socket has no ops during the call, and
 * gets the listener's afterwards): no owner, no registry, no restart. The
 * original, with a module reference held across it.
 */
static int kern_accept(struct socket *sock, struct socket *newsock,
		       struct dpo_accept_call *c)
{
	const struct proto_ops *orig = orig_ops(family_index(sock->sk));
	int idx, err;

	/* No sleep yet since the ops were loaded: RCU-tasks covers this. */
	if (try_module_get(THIS_MODULE)) {
		err = dpo_accept_orig(orig, sock, newsock, c,
				      dpo_accept_flags(c));
		module_put(THIS_MODULE);
		return err;
	}
	/* Unloading: all restored; stay in a section the unload waits for. */
	idx = srcu_read_lock(&sock_srcu);
	err = dpo_accept_orig(orig, sock, newsock, c, dpo_accept_flags(c));
	srcu_read_unlock(&sock_srcu, idx);
	return err;
}

static int listener_accept(struct socket *sock, struct socket *newsock,
			   struct dpo_accept_call *c)
{
	struct dpo_listener *l;
	int idx, err;

	if (dpo_accept_kern(c))
		return kern_accept(sock, newsock, c);

	idx = srcu_read_lock(&sock_srcu);
	l = listener_find(sock->sk);
	if (l)
		dpo_listener_get(l);	/* detach puts its own after SRCU */
	else
		repair_straggler(sock);
	srcu_read_unlock(&sock_srcu, idx);
	/* Detached meanwhile, or repaired: enter again, through the ops. */
	if (!l)
		return restart_accept(sock, c);

	err = accept_loop(l, sock, newsock, c);
	dpo_listener_put(l);
	return err;
}

/*
 * A listener is readable only for the processes that may accept. A socket
 * that stopped listening (shut down, then connected) is left alone.
 */
static __poll_t wrapped_poll(struct file *file, struct socket *sock,
			     poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct dpo_listener *l;
	__poll_t mask;
	int idx;

	idx = srcu_read_lock(&sock_srcu);
	mask = orig_ops(family_index(sk))->poll(file, sock, wait);
	l = listener_find(sk);
	if (!l)
		repair_straggler(sock);
	else if ((mask & (EPOLLIN | EPOLLRDNORM)) &&
		 READ_ONCE(sk->sk_state) == TCP_LISTEN &&
		 !may_accept(l, caller_role(l)))
		mask &= ~(EPOLLIN | EPOLLRDNORM);
	srcu_read_unlock(&sock_srcu, idx);
	return mask;
}

/*
 * The original setsockopt may sleep as long as the caller likes (on the
 * socket lock, or copying from a page that never arrives): it runs
 * outside any section a detach waits for, with a module reference, so
 * that it returns into loaded code. If the module is already on its way
 * out, the ops are the original again: enter through them.
 */
static int wrapped_setsockopt(struct socket *sock, int level, int optname,
			      sockptr_t optval, unsigned int optlen)
{
	bool blocked = dpo_sockopt_replaces_ops(level, optname);
	int idx, err = -EBUSY;
	bool held;

	idx = srcu_read_lock(&sock_srcu);
	if (!listener_find(sock->sk) && repair_straggler(sock))
		blocked = false;	/* the original ops from now on */
	held = try_module_get(THIS_MODULE);
	srcu_read_unlock(&sock_srcu, idx);
	if (!held)
		return restart_syscall();
	if (!blocked) {
		const struct proto_ops *orig = orig_ops(family_index(sock->sk));

		err = orig->setsockopt(sock, level, optname, optval, optlen);
	}
	module_put(THIS_MODULE);
	return err;
}

static const struct dpo_sock_wrappers listener_wrappers = {
	.accept = listener_accept,
	.poll = wrapped_poll,
	.setsockopt = wrapped_setsockopt,
};

/*
 * Only plain TCP listeners: no ULP, no MPTCP, the kernel's own ops. Under
 * the attach lock, not the socket lock (see attach_lock): the state may
 * change under us, but no user can put a ULP on a listener (TCP refuses
 * ULPs without a clone op there), and what matters, the ops, is ours.
 */
static int check_socket(struct socket *sock, struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	int i;

	if (!sk || sk->sk_type != SOCK_STREAM ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG(extack, "not a TCP socket");
		return -EINVAL;
	}
	if (sk->sk_protocol == IPPROTO_MPTCP) {
		NL_SET_ERR_MSG(extack, "MPTCP sockets are not supported");
		return -EOPNOTSUPP;
	}
	if (sk->sk_protocol != IPPROTO_TCP) {
		NL_SET_ERR_MSG(extack, "not a TCP socket");
		return -EINVAL;
	}
	if (inet_csk_has_ulp(sk)) {
		NL_SET_ERR_MSG(extack, "socket has a ULP (kTLS): not supported");
		return -EOPNOTSUPP;
	}
	if (READ_ONCE(sk->sk_prot) != &tcp_prot &&
	    !dpo_is_tcpv6_prot(READ_ONCE(sk->sk_prot))) {
		NL_SET_ERR_MSG(extack, "socket protocol is wrapped (BPF sockmap?): not supported");
		return -EOPNOTSUPP;
	}
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN) {
		NL_SET_ERR_MSG(extack, "socket is not listening");
		return -EINVAL;
	}
	i = family_index(sk);
	if (listener_find(sk)) {
		NL_SET_ERR_MSG(extack, "listener already attached");
		return -EEXIST;
	}
	repair_straggler_locked(sock);	/* our ops, not ours (6.1 race) */
	if (!orig_ops(i) || sock->ops != orig_ops(i)) {
		NL_SET_ERR_MSG(extack, "socket operations are already replaced by another module");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Tasks of the original accept: they entered it before the ops were ours
 * (asleep in it at attach, or on their way to sleep), would take the next
 * connection whatever the owner, and it would never be registered. Their
 * wait entries get orig_sleeper_wake() instead of the kernel's, which
 * refuses new-connection wakeups (they go on to the next waiter); then
 * each is made to leave with a pending "signal" (TWA_SIGNAL), so that its
 * syscall restarts through our ops. The original accept takes a queued
 * connection before it looks at signals, so the kick waits until the
 * queue is empty.
 */
static int orig_sleeper_wake(struct wait_queue_entry *entry, unsigned int mode,
			     int sync, void *key)
{
	if (key && (key_to_poll(key) & EPOLLIN))
		return 0;
	/* Off the queue with the kernel's function: never with ours. */
	entry->func = autoremove_wake_function;
	return autoremove_wake_function(entry, mode, sync, key);
}

static bool is_orig_sleeper(const struct wait_queue_entry *e)
{
	return e->func == autoremove_wake_function ||
	       e->func == orig_sleeper_wake;
}

struct accept_kick {
	struct callback_head work;
};

static void accept_kick_done(struct callback_head *work)
{
	kfree(container_of(work, struct accept_kick, work));
	/* module_exit() waits for RCU-tasks: the return below is safe. */
	module_put(THIS_MODULE);
}

static void kick_task(struct task_struct *task)
{
	struct accept_kick *kick = kzalloc(sizeof(*kick), GFP_ATOMIC);

	if (!kick)
		return;		/* it leaves at its next signal or wakeup */
	init_task_work(&kick->work, accept_kick_done);
	__module_get(THIS_MODULE);
	if (task_work_add(task, &kick->work, TWA_SIGNAL)) {
		module_put(THIS_MODULE);
		kfree(kick);
	}
}

/* Refuse wakeups to the original's sleepers; kick them if @kick. */
static bool catch_orig_sleepers(struct dpo_listener *l, bool kick)
{
	struct wait_queue_entry *e;
	bool found = false;

	lockdep_assert_held(&l->wq->lock);
	list_for_each_entry(e, &l->wq->head, entry) {
		if (!is_orig_sleeper(e) || !e->private)
			continue;
		e->func = orig_sleeper_wake;
		found = true;
		if (kick)
			kick_task(e->private);
	}
	return found;
}

/* How long a kick waits for the accept queue to empty: 4 x 5 ms. */
#define KICK_TRIES	4
#define KICK_RETRY_MS	5

static void kick_later(struct dpo_listener *l, unsigned long delay)
{
	if (!refcount_inc_not_zero(&l->ref))
		return;
	if (!queue_delayed_work(dpo_wq, &l->kick_work, delay))
		dpo_listener_put(l);
}

static void kick_work_fn(struct work_struct *work)
{
	struct dpo_listener *l = container_of(to_delayed_work(work),
					      struct dpo_listener, kick_work);
	struct sock *sk = l->sock->sk;

	if (!READ_ONCE(l->detached)) {
		/*
		 * The owner takes what is queued; kick them after. Not for
		 * ever: if nobody else accepts, a sleeper had better take a
		 * connection than leave it queued.
		 */
		if (!reqsk_queue_empty(&inet_csk(sk)->icsk_accept_queue) &&
		    ++l->kick_tries < KICK_TRIES) {
			kick_later(l, msecs_to_jiffies(KICK_RETRY_MS));
		} else {
			l->kick_tries = 0;
			spin_lock_irq(&l->wq->lock);
			catch_orig_sleepers(l, true);
			spin_unlock_irq(&l->wq->lock);
		}
	}
	dpo_listener_put(l);
}

static void wake_all_work_fn(struct irq_work *work)
{
	wake_all(container_of(work, struct dpo_listener, wake_all_work));
}

/*
 * The tap: a non-exclusive entry at the head of the listener's wait queue,
 * called (under the queue's lock) for every wakeup before any exclusive
 * waiter. A new connection wakes one exclusive waiter only, and dpo cannot
 * tell whose an EPOLLEXCLUSIVE or io_uring entry is: if it is a process
 * that may not accept, its poll hides the connection and the owner sleeps
 * on. So when such waiters are there and not everyone may accept, every
 * waiter is woken (from an irq_work: not under this lock); who may not
 * accept polls, sees nothing and sleeps again, without a new wakeup, so
 * nothing loops. Tasks of the original accept found here are caught.
 */
static int tap_wake(struct wait_queue_entry *tap, unsigned int mode, int sync,
		    void *key)
{
	struct dpo_listener *l = container_of(tap, struct dpo_listener, tap);
	__poll_t mask = key_to_poll(key);
	struct wait_queue_entry *e;
	bool others = false;

	if (!(mask & EPOLLIN) || (mask & DPO_WAKE_MARK))
		return 0;
	list_for_each_entry(e, &l->wq->head, entry) {
		if ((e->flags & WQ_FLAG_EXCLUSIVE) && e->func != accept_wake &&
		    !is_orig_sleeper(e))
			others = true;
	}
	if (others && READ_ONCE(l->owner) != DPO_OWNER_BOTH)
		irq_work_queue(&l->wake_all_work);
	if (catch_orig_sleepers(l, false))
		kick_later(l, 0);
	return 0;
}

int dpo_listener_add(struct dpo_session *s, int fd,
		     struct netlink_ext_ack *extack, struct dpo_listener **out)
{
	struct dpo_listener *l;
	struct socket *sock;
	struct sock *sk;
	bool sleepers;
	int err, i;

	lockdep_assert_held(&dpo_objects_lock);
	if (nlisteners >= DPO_LISTENERS_MAX) {
		NL_SET_ERR_MSG(extack, "too many listeners");
		return -ENOSPC;
	}
	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		NL_SET_ERR_MSG(extack, "fd is not an open socket of the caller");
		return err;
	}
	sk = sock->sk;
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l) {
		err = -ENOMEM;
		goto err_put;
	}
	l->session = s;
	l->sock = sock;
	refcount_set(&l->ref, 1);
	spin_lock_init(&l->lock);
	hrtimer_init(&l->wait_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	l->wait_timer.function = canary_wait_over;
	init_waitqueue_func_entry(&l->tap, tap_wake);
	init_irq_work(&l->wake_all_work, wake_all_work_fn);
	INIT_DELAYED_WORK(&l->kick_work, kick_work_fn);
	set_owner(l, s->owner, s->canary_pct);
	err = xa_alloc_cyclic(&listener_ids, &l->id, l, xa_limit_32b,
			      &next_id, GFP_KERNEL);
	if (err < 0)
		goto err_free;

	l->wq = sk_sleep(sk);
	dpo_session_get(s);

	spin_lock(&attach_lock);
	err = check_socket(sock, extack);
	if (err) {
		spin_unlock(&attach_lock);
		xa_erase(&listener_ids, l->id);
		dpo_session_put(s);
		goto err_free;
	}
	/* Complete before a wrapper can find it. */
	add_wait_queue(l->wq, &l->tap);
	i = family_index(sk);
	hash_add_rcu(listeners_by_sk, &l->hnode, (unsigned long)sk);
	__module_get(THIS_MODULE);
	WRITE_ONCE(sock->ops, wrapped_ops(i));
	spin_unlock(&attach_lock);

	list_add_tail(&l->node, &s->listeners);
	WRITE_ONCE(nlisteners, nlisteners + 1);
	dpo_generation++;

	spin_lock_irq(&l->wq->lock);
	sleepers = catch_orig_sleepers(l, false);
	spin_unlock_irq(&l->wq->lock);
	if (sleepers)
		kick_later(l, 0);
	*out = l;
	return 0;

err_free:
	kfree(l);
err_put:
	sockfd_put(sock);
	return err;
}

void dpo_listener_get(struct dpo_listener *l)
{
	refcount_inc(&l->ref);
}

/*
 * The listener's module reference goes one RCU-tasks grace period after
 * its last reference: a task may have copied our ops in do_accept() and
 * not yet taken its own reference for them, or may be about to enter a
 * wrapper; neither sleeps before it has (kmod/DESIGN.md L3). module_exit()
 * waits for this callback to return.
 */
static atomic_t listeners_held;		/* detached, still referenced */
static atomic_t listeners_releasing;	/* listener_free() pending */

static void listener_free(struct rcu_head *rcu)
{
	struct dpo_listener *l = container_of(rcu, struct dpo_listener, rcu);

	hrtimer_cancel(&l->wait_timer);
	dpo_session_put(l->session);
	kfree(l);
	module_put(THIS_MODULE);
	atomic_dec(&listeners_releasing);
}

void dpo_listener_put(struct dpo_listener *l)
{
	if (!refcount_dec_and_test(&l->ref))
		return;
	atomic_inc(&listeners_releasing);
	call_rcu_tasks(&l->rcu, listener_free);
	/* Only a detached listener's last reference can go. */
	if (atomic_dec_and_test(&listeners_held))
		wake_up_var(&listeners_held);
}

/*
 * Detach: the socket gets its ops back at once; nothing here waits for a
 * process (accept calls still in the listener hold a reference and leave
 * when woken).
 */
void dpo_listener_del(struct dpo_listener *l)
{
	struct sock *sk = l->sock->sk;
	int i = family_index(sk);
	struct wait_queue_entry *e;

	lockdep_assert_held(&dpo_objects_lock);
	spin_lock(&attach_lock);
	/* Only if still ours: never undo someone else's replacement. */
	cmpxchg(&l->sock->ops, wrapped_ops(i), orig_ops(i));
	hash_del_rcu(&l->hnode);
	spin_unlock(&attach_lock);
	list_del(&l->node);
	xa_erase(&listener_ids, l->id);
	WRITE_ONCE(nlisteners, nlisteners - 1);
	dpo_generation++;

	/* The original's sleepers get their wakeups back; no more taps. */
	spin_lock_irq(&l->wq->lock);
	__remove_wait_queue(l->wq, &l->tap);
	list_for_each_entry(e, &l->wq->head, entry)
		if (e->func == orig_sleeper_wake)
			e->func = autoremove_wake_function;
	spin_unlock_irq(&l->wq->lock);
	irq_work_sync(&l->wake_all_work);

	/* Our accept loops on this socket see it and restart. */
	WRITE_ONCE(l->detached, true);
	hrtimer_cancel(&l->wait_timer);
	if (cancel_delayed_work_sync(&l->kick_work))
		dpo_listener_put(l);	/* the pending kick's: not the last */
	wake_up_interruptible_all(l->wq);
	/* A wrapper that found @l holds its reference once this returns. */
	synchronize_srcu_expedited(&sock_srcu);
	/*
	 * The socket goes now if dpo held the last file reference: accept
	 * calls still in @l hold the file themselves, and nothing else of
	 * @l's touches the socket once detached.
	 */
	sockfd_put(l->sock);
	atomic_inc(&listeners_held);
	dpo_listener_put(l);
}

/*
 * For SESSION_DEL, without dpo_objects_lock: the module can be unloaded as soon
 * as it returns. Accept calls woken by the detach leave at once; one held
 * up in a listener's socket lock by a process is not waited for beyond
 * DPO_RELEASE_WAIT_MS (unload refuses until it returns).
 */
void dpo_listener_wait_released(void)
{
	wait_var_event_timeout(&listeners_held, !atomic_read(&listeners_held),
			       msecs_to_jiffies(DPO_RELEASE_WAIT_MS));
	if (atomic_read(&listeners_releasing))
		rcu_barrier_tasks();
}

/*
 * For OWNER_SET, without dpo_objects_lock: once this returns, no accept decided
 * under an earlier owner is still taking its connection. It waits for an
 * accept that waits for its listener's socket lock.
 */
void dpo_listeners_switched(void)
{
	/* Expedited: the switch is phase 1 of a rollback. */
	synchronize_srcu_expedited(&decide_srcu);
}

unsigned int dpo_listener_count(void)
{
	return READ_ONCE(nlisteners);
}

struct dpo_listener *dpo_listener_find_id(u32 id)
{
	lockdep_assert_held(&dpo_objects_lock);
	return xa_load(&listener_ids, id);
}

/*
 * Decisions taken from now on follow the new owner; every waiter is woken
 * for the connections already queued (epoll in edge-triggered mode would
 * otherwise wait for the next SYN; exclusive waiters may be the wrong
 * ones). dpo_listeners_switched() waits for decisions already taken.
 */
void dpo_listener_set_owner(struct dpo_listener *l, enum dpo_owner owner,
			    u8 canary_pct)
{
	spin_lock(&l->lock);
	set_owner(l, owner, canary_pct);
	spin_unlock(&l->lock);
	wake_all(l);
}

void dpo_listener_addr(const struct dpo_listener *l, u16 *family,
		       u8 addr[16], u16 *port)
{
	const struct sock *sk = l->sock->sk;

	*family = sk->sk_family;
	*port = ntohs(inet_sk(sk)->inet_sport);
	memset(addr, 0, 16);
	if (sk->sk_family == AF_INET)
		memcpy(addr, &sk->sk_rcv_saddr, 4);
	else
		dpo_copy_v6_rcv_saddr(sk, addr);
}

int __init dpo_listener_init(void)
{
	dpo_sockops_wrap(DPO_SOCKOPS_LISTENER, &listener_wrappers);
	return 0;
}

void dpo_listener_exit(void)
{
	/* Who loaded our ops is in a wrapper's section, or holds a ref. */
	synchronize_rcu_tasks();
	/* listener_free() returning (it held a module reference till then). */
	rcu_barrier_tasks();
	/* Wrappers still returning, and task works queued by kicks. */
	synchronize_srcu(&sock_srcu);
	synchronize_srcu(&decide_srcu);
	synchronize_rcu_tasks();
	xa_destroy(&listener_ids);
}
