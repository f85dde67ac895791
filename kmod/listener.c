// SPDX-License-Identifier: GPL-2.0
/*
 * Listening-socket ownership: which instance of a session may accept.
 *
 * An attached listener gets a copy of its proto_ops whose accept and poll
 * ask, for the calling process, whether it may take a connection now; the
 * rest of the copy is the original. The socket layer swaps sock->ops at
 * run time itself (kTLS, MPTCP, IPV6_ADDRFORM), and follows the rules that
 * make it sound (see shared/design/KERNEL.md, section 1):
 *
 * - The copies live as long as the module; every wrapper runs inside an
 *   SRCU read section, or for the accept loop's sleep, holds a count on
 *   the listener that detach waits for; wrappers work on sockets they do
 *   not know (any socket may have loaded our ops just before they were
 *   restored).
 * - The original accept is only ever called non-blocking: waiting is a
 *   loop of ours on the socket's wait queue, woken on detach, so that
 *   detach and module unload are bounded.
 * - dpo holds the listener's file while attached, so the socket cannot be
 *   released under it, and a module reference, so the module is in use
 *   (delete_module fails) until every listener is detached.
 * - Accepted sockets inherit the listener's ops (and a module reference)
 *   in do_accept(); the accept wrapper hands an instance's connection to
 *   the registry (conn.c) and gives any other the original ops back.
 */
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/transp_v6.h>

#include "conn.h"
#include "instance.h"
#include "listener.h"
#include "session.h"

DEFINE_STATIC_SRCU(sock_srcu);

/* Attached listeners by struct sock: read under sock_srcu by wrappers. */
static DEFINE_HASHTABLE(listeners_by_sk, 6);
static unsigned int nlisteners;		/* under dpo_lock */
static u32 next_id = 1;			/* under dpo_lock */

/* Index 0: IPv4, 1: IPv6 (NULL without IPv6). Set at init. */
static const struct proto_ops *orig_ops[2] __ro_after_init;
/* Copies of them, filled in at init, read-only after. */
static struct proto_ops wrapped_ops[2] __ro_after_init;

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
					 lockdep_is_held(&dpo_lock))
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
 * Under the socket lock, which attach and detach hold while they change
 * the hash and the ops: a wrapper's lookup that just failed (a detach)
 * may be followed by a new attach of the very same socket, whose ops and
 * module reference belong to that listener, not to a straggler.
 */
static bool repair_straggler_locked(struct socket *sock)
{
	int i = family_index(sock->sk);

	if (listener_find(sock->sk) ||
	    cmpxchg(&sock->ops, &wrapped_ops[i], orig_ops[i]) !=
	    &wrapped_ops[i])
		return false;
	module_put(THIS_MODULE);
	return true;
}

static bool repair_straggler(struct socket *sock)
{
	bool repaired;

	lock_sock(sock->sk);
	repaired = repair_straggler_locked(sock);
	release_sock(sock->sk);
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

/* Smooth weighted round robin: pct 20 gives O O O O P, again and again. */
static void canary_next_turn(struct dpo_listener *l)
{
	l->credit += l->canary_pct;
	if (l->credit >= 100) {
		l->credit -= 100;
		WRITE_ONCE(l->turn, DPO_ROLE_PATCHED);
	} else {
		WRITE_ONCE(l->turn, DPO_ROLE_ORIGINAL);
	}
	WRITE_ONCE(l->head_seen_ns, 0);
	hrtimer_try_to_cancel(&l->wait_timer);
}

static enum hrtimer_restart canary_wait_over(struct hrtimer *timer)
{
	struct dpo_listener *l = container_of(timer, struct dpo_listener,
					      wait_timer);

	wake_up_interruptible_poll(sk_sleep(l->sock->sk), EPOLLIN | EPOLLRDNORM);
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
	if (cmpxchg(&newsock->ops, &wrapped_ops[i], orig_ops[i]) ==
	    &wrapped_ops[i])
		module_put(THIS_MODULE);
}

/*
 * Take one connection if the caller may. A new socket comes with our ops
 * and a module reference from do_accept(): an instance's connection is
 * registered (and keeps both, with the registry's ops), any other gets
 * the original ops back.
 */
static int try_accept(struct dpo_listener *l, struct socket *sock,
		      struct socket *newsock, struct dpo_accept_call *c)
{
	int i = family_index(sock->sk);
	enum dpo_role role = caller_role(l);
	bool canary;
	int err = -EAGAIN;

	down_read(&l->switch_sem);
	canary = READ_ONCE(l->owner) == DPO_OWNER_CANARY;
	if (canary)
		mutex_lock(&l->turn_lock);
	if (may_accept(l, role)) {
		err = dpo_accept_orig(orig_ops[i], sock, newsock, c,
				      dpo_accept_flags(c) | O_NONBLOCK);
		if (!err && canary)
			canary_next_turn(l);
	}
	if (canary)
		mutex_unlock(&l->turn_lock);
	up_read(&l->switch_sem);

	if (!err) {
		atomic64_inc(&l->accepted[role]);
		if (role == DPO_ROLE_UNSPEC ||
		    !dpo_conn_adopt(l->session, newsock))
			give_back_ops(newsock, i);
		/* The next one may be the other role's turn: wake it. */
		if (canary)
			wake_up_interruptible_poll(sk_sleep(sock->sk),
						   EPOLLIN | EPOLLRDNORM);
	}
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

/*
 * Accept for a listener of ours: a loop around the non-blocking original.
 * While it sleeps it holds no SRCU read section (that would hold up every
 * detach on the host) but a count on the listener, which detach wakes and
 * waits for.
 */
static int accept_loop(struct dpo_listener *l, struct socket *sock,
		       struct socket *newsock, struct dpo_accept_call *c)
{
	struct sock *sk = sock->sk;
	long timeo = sock_rcvtimeo(sk, dpo_accept_flags(c) & O_NONBLOCK);
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err;

	add_wait_queue(sk_sleep(sk), &wait);
	for (;;) {
		if (READ_ONCE(l->detached)) {
			err = restart_accept(sock, c);
			break;
		}
		err = try_accept(l, sock, newsock, c);
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
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

static int listener_accept(struct socket *sock, struct socket *newsock,
			   struct dpo_accept_call *c)
{
	struct dpo_listener *l;
	int idx, err;

	idx = srcu_read_lock(&sock_srcu);
	l = listener_find(sock->sk);
	if (l)
		atomic_inc(&l->waiters);
	else
		repair_straggler(sock);
	srcu_read_unlock(&sock_srcu, idx);
	/* Detached meanwhile, or repaired: enter again, through the ops. */
	if (!l)
		return restart_accept(sock, c);

	err = accept_loop(l, sock, newsock, c);
	/* Last use of @l: detach may free it from here on. */
	if (atomic_dec_and_test(&l->waiters))
		wake_up_var(&l->waiters);
	return err;
}

/*
 * The accept of both copies of ours: a listener's, or a registered
 * connection's that was made a listener of its own (see conn.c).
 */
int dpo_accept(struct socket *sock, struct socket *newsock,
	       struct dpo_accept_call *c)
{
	if (dpo_conn_ops(READ_ONCE(sock->ops)))
		return dpo_conn_accept(sock, newsock, c);
	return listener_accept(sock, newsock, c);
}

/* A listener is readable only for the processes that may accept. */
static __poll_t wrapped_poll(struct file *file, struct socket *sock,
			     poll_table *wait)
{
	struct sock *sk = sock->sk;
	struct dpo_listener *l;
	__poll_t mask;
	int idx;

	idx = srcu_read_lock(&sock_srcu);
	mask = orig_ops[family_index(sk)]->poll(file, sock, wait);
	l = listener_find(sk);
	if (!l)
		repair_straggler(sock);
	else if ((mask & (EPOLLIN | EPOLLRDNORM)) &&
		 !may_accept(l, caller_role(l)))
		mask &= ~(EPOLLIN | EPOLLRDNORM);
	srcu_read_unlock(&sock_srcu, idx);
	return mask;
}

/* A ULP or an address-family change would replace our ops (R9). */
bool dpo_sockopt_replaces_ops(int level, int optname)
{
	return (level == SOL_TCP && optname == TCP_ULP) ||
	       (level == SOL_IPV6 && optname == IPV6_ADDRFORM);
}

static int wrapped_setsockopt(struct socket *sock, int level, int optname,
			      sockptr_t optval, unsigned int optlen)
{
	bool blocked = dpo_sockopt_replaces_ops(level, optname);
	int idx, err = -EBUSY;

	idx = srcu_read_lock(&sock_srcu);
	if (!listener_find(sock->sk) && repair_straggler(sock))
		blocked = false;	/* the original ops from now on */
	if (!blocked)
		err = orig_ops[family_index(sock->sk)]->setsockopt(sock, level,
								  optname,
								  optval,
								  optlen);
	srcu_read_unlock(&sock_srcu, idx);
	return err;
}

static void __init build_wrapped_ops(int i, const struct proto_ops *orig)
{
	wrapped_ops[i] = *orig;
	wrapped_ops[i].owner = THIS_MODULE;
	wrapped_ops[i].accept = dpo_ops_accept;
	wrapped_ops[i].poll = wrapped_poll;
	wrapped_ops[i].setsockopt = wrapped_setsockopt;
	orig_ops[i] = orig;
}

/* Only plain TCP listeners: no ULP, no MPTCP, the kernel's own ops. */
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
	if (!orig_ops[i] || sock->ops != orig_ops[i]) {
		NL_SET_ERR_MSG(extack, "socket operations are already replaced by another module");
		return -EOPNOTSUPP;
	}
	return 0;
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

/*
 * Tasks asleep in the original accept (entered before the swap) would take
 * the next connection whatever the owner: make them leave with a pending
 * "signal" (TWA_SIGNAL), so the syscall restarts through the new ops.
 */
static void kick_accept_sleepers(struct sock *sk)
{
	struct wait_queue_head *wq = sk_sleep(sk);
	struct task_struct *tasks[16];
	struct wait_queue_entry *e;
	struct accept_kick *kick;
	int n = 0, i;

	spin_lock_irq(&wq->lock);
	list_for_each_entry(e, &wq->head, entry) {
		if (e->func != autoremove_wake_function || !e->private)
			continue;
		if (n == ARRAY_SIZE(tasks))
			break;
		tasks[n] = e->private;
		get_task_struct(tasks[n++]);
	}
	spin_unlock_irq(&wq->lock);

	for (i = 0; i < n; i++) {
		kick = kzalloc(sizeof(*kick), GFP_KERNEL);
		if (kick) {
			init_task_work(&kick->work, accept_kick_done);
			__module_get(THIS_MODULE);
			if (task_work_add(tasks[i], &kick->work, TWA_SIGNAL)) {
				module_put(THIS_MODULE);
				kfree(kick);
			}
		}
		put_task_struct(tasks[i]);
	}
}

int dpo_listener_add(struct dpo_session *s, int fd,
		     struct netlink_ext_ack *extack, struct dpo_listener **out)
{
	struct dpo_listener *l;
	struct socket *sock;
	struct sock *sk;
	int err, i;

	lockdep_assert_held(&dpo_lock);
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
	init_rwsem(&l->switch_sem);
	mutex_init(&l->turn_lock);
	hrtimer_init(&l->wait_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	l->wait_timer.function = canary_wait_over;
	set_owner(l, s->owner, s->canary_pct);

	lock_sock(sk);
	err = check_socket(sock, extack);
	if (err)
		goto err_unlock;
	i = family_index(sk);
	l->id = next_id++;
	hash_add_rcu(listeners_by_sk, &l->hnode, (unsigned long)sk);
	__module_get(THIS_MODULE);
	WRITE_ONCE(sock->ops, &wrapped_ops[i]);
	release_sock(sk);

	list_add_tail(&l->node, &s->listeners);
	WRITE_ONCE(nlisteners, nlisteners + 1);
	dpo_generation++;
	kick_accept_sleepers(sk);
	*out = l;
	return 0;

err_unlock:
	release_sock(sk);
	kfree(l);
err_put:
	sockfd_put(sock);
	return err;
}

/*
 * The listener's module reference goes one RCU-tasks grace period after
 * its ops were put back: a task may have copied our ops in do_accept()
 * and not yet taken its own reference for them, or may be about to enter
 * a wrapper; neither sleeps before it has (KERNEL.md R4). module_exit()
 * waits for this callback to return.
 */
static atomic_t listeners_releasing;

static void listener_free(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct dpo_listener, rcu));
	module_put(THIS_MODULE);
	atomic_dec(&listeners_releasing);
}

void dpo_listener_del(struct dpo_listener *l)
{
	struct sock *sk = l->sock->sk;
	int i = family_index(sk);

	lockdep_assert_held(&dpo_lock);
	lock_sock(sk);
	/* Only if still ours: never undo someone else's replacement. */
	cmpxchg(&l->sock->ops, &wrapped_ops[i], orig_ops[i]);
	hash_del_rcu(&l->hnode);
	release_sock(sk);
	list_del(&l->node);
	WRITE_ONCE(nlisteners, nlisteners - 1);
	dpo_generation++;

	/* Our accept loops on this socket see it and restart. */
	WRITE_ONCE(l->detached, true);
	wake_up_interruptible_all(sk_sleep(sk));
	/*
	 * The short wrapper sections first (lookups, poll, setsockopt): an
	 * accept that found @l counts itself in @l->waiters inside its
	 * section, so only after this is the count complete.
	 */
	synchronize_srcu_expedited(&sock_srcu);
	wait_var_event(&l->waiters, !atomic_read(&l->waiters));
	hrtimer_cancel(&l->wait_timer);
	sockfd_put(l->sock);
	atomic_inc(&listeners_releasing);
	call_rcu_tasks(&l->rcu, listener_free);
}

/* For SESSION_DEL: the module can be unloaded as soon as it returns. */
void dpo_listener_wait_released(void)
{
	if (atomic_read(&listeners_releasing))
		rcu_barrier_tasks();
}

const struct proto_ops *dpo_listener_orig_ops(int ipv6)
{
	return orig_ops[ipv6];
}

unsigned int dpo_listener_count(void)
{
	return READ_ONCE(nlisteners);
}

struct dpo_listener *dpo_listener_find_id(u32 id)
{
	struct dpo_listener *l;
	struct dpo_session *s;

	lockdep_assert_held(&dpo_lock);
	list_for_each_entry(s, &dpo_sessions, node)
		list_for_each_entry(l, &s->listeners, node)
			if (l->id == id)
				return l;
	return NULL;
}

/*
 * Once this returns, no accept decided under the old owner is still in
 * flight; then the new owner's waiters are woken for what is queued
 * (epoll in edge-triggered mode would otherwise wait for the next SYN).
 */
void dpo_listener_set_owner(struct dpo_listener *l, enum dpo_owner owner,
			    u8 canary_pct)
{
	down_write(&l->switch_sem);
	set_owner(l, owner, canary_pct);
	up_write(&l->switch_sem);
	wake_up_interruptible_poll(sk_sleep(l->sock->sk), EPOLLIN | EPOLLRDNORM);
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

/*
 * inet6_stream_ops is not exported: take it from a socket of our own,
 * before any other module could have replaced it on a user's socket.
 */
int __init dpo_listener_init(void)
{
	struct socket *sock;
	int err;

	build_wrapped_ops(0, &inet_stream_ops);
	if (!IS_ENABLED(CONFIG_IPV6))
		return 0;
	err = sock_create_kern(&init_net, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err == -EAFNOSUPPORT)
		return 0;		/* IPv6 disabled at boot */
	if (err)
		return err;
	build_wrapped_ops(1, sock->ops);
	sock_release(sock);
	return 0;
}

void dpo_listener_exit(void)
{
	/* listener_free() returning (it held a module reference till then). */
	rcu_barrier_tasks();
	/* Wrappers still returning, and task works queued by kicks. */
	synchronize_srcu(&sock_srcu);
	synchronize_rcu_tasks();
}
