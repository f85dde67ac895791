// SPDX-License-Identifier: GPL-2.0
/*
 * The connection registry: what each instance's accepted connections do.
 *
 * Every connection an instance accepts through a session's listener, with
 * what it read and wrote, whether it is busy with a request, and the
 * latency of each request.
 *
 * The accept wrapper gives the new socket a copy of the original proto_ops
 * (sockops.c) with recvmsg, sendmsg, splice_read (and sendpage and
 * splice_eof where the kernel has them), setsockopt, getsockopt, release
 * and accept wrapped. do_accept() took a module reference for the listener's ops
 * the socket inherited (on 6.1 it may not have: see dpo_conn_adopt()); it
 * stays with the socket and __sock_release() drops it. Lifetime rules
 * (kmod/DESIGN.md L5, L6):
 *
 * - A wrapper call holds a reference on its entry: the entry, and when the
 *   ops were put back the module, live until the last call returns.
 * - Putting the ops back (the session ends) swaps them under
 *   dpo_conn_lock and marks the entry as being restored, then, in an
 *   RCU-tasks callback, when every task that loaded our ops has entered
 *   the wrapper and holds its entry, unhashes it; the last reference drops
 *   the socket's module reference (module_exit waits for RCU-tasks
 *   callbacks and grace periods, which covers the return after that put). It never pins
 *   the file: a pin would keep a socket the process closed meanwhile in
 *   its epoll sets, reporting events for an fd it freed (kmod/DESIGN.md
 *   L5). A release that read our ops before the swap still calls our
 *   wrapper, which leaves a restored entry to the session's end and gives
 *   the module reference back to __sock_release().
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "drain.h"
#include "instance.h"
#include "session.h"
#include "sockops.h"
#include "traffic.h"

DEFINE_SPINLOCK(dpo_conn_lock);

/*
 * Every registered connection by its sock, looked up on each wrapped call:
 * lookups under RCU, inserts and removals under dpo_conn_lock. It grows
 * and shrinks with the number of connections.
 */
static struct rhashtable conns_by_sk;
static const struct rhashtable_params conn_params = {
	.head_offset = offsetof(struct dpo_conn, hnode),
	.key_offset = offsetof(struct dpo_conn, sk),
	.key_len = sizeof_field(struct dpo_conn, sk),
	.automatic_shrinking = true,
};

static unsigned int nconns;			/* hashed, dpo_conn_lock */
static atomic_t conn_objects;			/* allocated, until freed */

static int ops_index(const struct socket *sock)
{
	return READ_ONCE(sock->ops)->family == PF_INET6;
}

static const struct proto_ops *orig_ops(const struct socket *sock)
{
	return dpo_sockops_orig(ops_index(sock));
}

/* Ours, by family index: 0 IPv4, 1 IPv6. */
static const struct proto_ops *conn_ops(int i)
{
	return dpo_sockops_copy(DPO_SOCKOPS_CONN, i);
}

static struct dpo_conn *conn_find(const struct sock *sk)
{
	return rhashtable_lookup_fast(&conns_by_sk, &sk, conn_params);
}

static struct dpo_conn *conn_get(const struct sock *sk)
{
	struct dpo_conn *c;

	rcu_read_lock();
	c = conn_find(sk);
	if (c && !refcount_inc_not_zero(&c->ref))
		c = NULL;
	rcu_read_unlock();
	return c;
}

void dpo_conn_put(struct dpo_conn *c)
{
	bool put_module;

	if (!refcount_dec_and_test(&c->ref))
		return;
	put_module = c->owns_module_ref;
	dpo_traffic_put(c->traffic);
	put_pid(c->pid);
	sock_put(c->sk);
	kfree_rcu(c, rcu);
	atomic_dec(&conn_objects);
	/* Last: module_exit() waits for RCU-tasks, so our return is safe. */
	if (put_module)
		module_put(THIS_MODULE);
}

static void conn_read(struct dpo_conn *c, int n)
{
	u64 now = ktime_get_ns();

	this_cpu_add(c->traffic->pcpu->bytes_in, n);
	spin_lock(&c->lock);
	c->bytes_in += n;
	c->last_activity_ns = now;
	if (!c->busy) {
		c->busy = true;
		c->first_read_ns = now;
	}
	spin_unlock(&c->lock);
}

/*
 * Bytes received and not read yet, and in *@seq how far the server has
 * read (copied_seq first: a read in between only makes it look busier).
 */
static int conn_unread(const struct sock *sk, u32 *seq)
{
	*seq = READ_ONCE(tcp_sk(sk)->copied_seq);
	return tcp_inq((struct sock *)sk);
}

/*
 * Whether the server is in the middle of a request: it said so (a read
 * returned data, no answer yet), or it has read bytes since it last went
 * idle (a read that is still running, MSG_WAITALL say), or bytes wait.
 */
static bool conn_busy(const struct dpo_conn *c)
{
	u32 seq;

	return READ_ONCE(c->busy) || conn_unread(c->sk, &seq) ||
	       seq != READ_ONCE(c->idle_seq);
}

/*
 * The last bytes written, @len of them (NULL: unknown, from a page the
 * wrapper did not read), after the ones kept from before.
 */
static void conn_tail_add(struct dpo_conn *c, const u8 *tail, int len)
{
	int keep;

	lockdep_assert_held(&c->lock);
	if (!tail) {
		c->tail_len = 0;
		return;
	}
	keep = min_t(int, c->tail_len, DPO_DRAIN_IDLE_MARK_MAX - len);
	memmove(c->tail, c->tail + c->tail_len - keep, keep);
	memcpy(c->tail + keep, tail, len);
	c->tail_len = keep + len;
}

/* Whether the last bytes written are known and end with @mark. */
bool dpo_conn_tail_ends_with(const struct dpo_conn *c, const u8 *mark, u8 len)
{
	lockdep_assert_held(&c->lock);
	return c->tail_len >= len &&
	       !memcmp(c->tail + c->tail_len - len, mark, len);
}

/*
 * A write that starts with nothing unread ends the request: the
 * connection is idle, its latency is counted, and a pending drain shuts
 * it down now. Unread data is looked at before the write, not after: by
 * then a fast client may already have sent its next request.
 *
 * Reads that bypass the wrappers (sockmap, kTLS) move copied_seq too:
 * such a request ends the same way and is counted, without a latency
 * (when it started is unknown), or the connection would stay busy.
 */
static void conn_wrote(struct dpo_conn *c, int n, bool more, int unread,
		       u32 seq, const u8 *tail, int tail_len)
{
	u64 now = ktime_get_ns(), latency = 0;
	bool done = false, timed = false, close = false;

	this_cpu_add(c->traffic->pcpu->bytes_out, n);
	spin_lock(&c->lock);
	/* Before the decision: a drain's idle mark looks at it. */
	if (n > 0)
		conn_tail_add(c, tail, tail_len);
	c->bytes_out += n;
	c->last_activity_ns = now;
	if ((c->busy || seq != c->idle_seq) && !more && !unread) {
		timed = c->busy;
		if (timed)
			latency = now - c->first_read_ns;
		c->busy = false;
		WRITE_ONCE(c->idle_seq, seq);
		c->requests++;
		done = true;
		if (c->drain == DPO_DRAIN_PENDING) {
			c->drain = DPO_DRAIN_CLOSING;
			close = true;
		} else if (c->drain == DPO_DRAIN_CLOSING) {
			/* The sweep's: it closes it after this answer. */
			c->answered = true;
		}
	}
	spin_unlock(&c->lock);
	if (timed)
		dpo_traffic_request_done(c->traffic, latency);
	else if (done)
		this_cpu_add(c->traffic->pcpu->requests, 1);
	if (close)
		dpo_conn_close_idle(c, DPO_DRAIN_CLOSED_BUSY);
}

/* Take a pending connection for shutting down or resetting it. */
bool dpo_conn_claim(struct dpo_conn *c)
{
	bool mine;

	spin_lock(&c->lock);
	mine = c->drain == DPO_DRAIN_PENDING;
	if (mine) {
		c->drain = DPO_DRAIN_CLOSING;
		c->answered = false;
	}
	spin_unlock(&c->lock);
	return mine;
}

/* A request ended since the claim: closed after its response, not idle. */
static bool conn_answered(struct dpo_conn *c)
{
	bool answered;

	spin_lock(&c->lock);
	answered = c->answered;
	spin_unlock(&c->lock);
	return answered;
}

/*
 * The drain is over for @c: whoever moves it out of PENDING or CLOSING
 * counts it, exactly once. Under dpo_conn_lock, so that the count reaches
 * the session's drain even if the socket is released right after.
 */
static void conn_finish_locked(struct dpo_conn *c,
			       enum dpo_conn_drain result)
{
	bool mine;

	lockdep_assert_held(&dpo_conn_lock);
	spin_lock(&c->lock);
	mine = c->drain == DPO_DRAIN_PENDING || c->drain == DPO_DRAIN_CLOSING;
	if (mine)
		c->drain = result;
	spin_unlock(&c->lock);
	if (mine)
		dpo_drain_note_locked(c, result);
}

static void conn_finish(struct dpo_conn *c, enum dpo_conn_drain result)
{
	spin_lock(&dpo_conn_lock);
	conn_finish_locked(c, result);
	spin_unlock(&dpo_conn_lock);
}

static void conn_unclaim(struct dpo_conn *c)
{
	spin_lock(&dpo_conn_lock);
	spin_lock(&c->lock);
	if (c->drain == DPO_DRAIN_CLOSING)
		c->drain = dpo_drain_unclaimed_locked(c);
	spin_unlock(&c->lock);
	spin_unlock(&dpo_conn_lock);
}

/*
 * Shut a claimed connection down (FIN both ways) if nothing is unread, the
 * server is not answering a request and its last bytes end with the
 * drain's idle mark, if it has one. Decided under the socket lock:
 * data that arrives later finds RCV_SHUTDOWN and TCP answers it with a
 * RST (tcp_rcv_state_process()), so the server can never read a request
 * it is not allowed to answer. This is inet_shutdown() with that check.
 * Returns false if the connection is not idle (it stays pending).
 */
bool dpo_conn_close_idle(struct dpo_conn *c, enum dpo_conn_drain closed_as)
{
	struct sock *sk = c->sk;
	enum dpo_conn_drain result;

	lock_sock(sk);
	/* SYN_RECV: a Fast Open connection, accepted before the handshake. */
	if (!((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | TCPF_SYN_RECV))) {
		result = DPO_DRAIN_GONE;
	} else if (conn_busy(c) || !dpo_drain_may_close(c)) {
		result = DPO_DRAIN_PENDING;
	} else {
		/* Counted first: the server may close as soon as it sees EOF. */
		result = conn_answered(c) ? DPO_DRAIN_CLOSED_BUSY : closed_as;
		conn_finish(c, result);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SHUTDOWN_MASK);
		sk->sk_prot->shutdown(sk, SHUTDOWN_MASK);
		sk->sk_state_change(sk);
	}
	release_sock(sk);
	if (result == DPO_DRAIN_PENDING) {
		conn_unclaim(c);
		return false;
	}
	if (result == DPO_DRAIN_GONE)
		conn_finish(c, result);
	return true;
}

/* The deadline: reset a claimed connection (RST), as `ss -K` does. */
void dpo_conn_reset(struct dpo_conn *c)
{
	conn_finish(c, DPO_DRAIN_RESET);
	tcp_abort(c->sk, ECONNABORTED);
}

/* Unhash and unlist; the caller owns the registry's reference after. */
static void conn_unlink(struct dpo_conn *c)
{
	lockdep_assert_held(&dpo_conn_lock);
	WARN_ON_ONCE(rhashtable_remove_fast(&conns_by_sk, &c->hnode,
					    conn_params));
	list_del_init(&c->node);
	c->session = NULL;
	nconns--;
	this_cpu_add(c->traffic->pcpu->closed, 1);
}

bool dpo_conn_adopt(struct dpo_session *s, struct socket *newsock)
{
	struct dpo_instance *inst;
	struct dpo_conn *c;
	int i = ops_index(newsock);

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return false;
	rcu_read_lock();
	inst = dpo_instance_find_rcu(task_tgid(current));
	if (!inst || inst->session != s) {
		rcu_read_unlock();
		kfree(c);
		return false;
	}
	/* The instance drops its reference only after a grace period. */
	c->traffic = dpo_traffic_get(inst->traffic);
	c->pid = get_pid(inst->pid);
	c->role = inst->role;
	rcu_read_unlock();

	atomic_inc(&conn_objects);
	c->sock = newsock;
	c->sk = newsock->sk;
	sock_hold(c->sk);
	refcount_set(&c->ref, 1);
	spin_lock_init(&c->lock);
	c->idle_seq = READ_ONCE(tcp_sk(c->sk)->copied_seq);
	c->accept_ns = ktime_get_ns();
	c->last_activity_ns = c->accept_ns;
	INIT_LIST_HEAD(&c->node);

	spin_lock(&dpo_conn_lock);
	/*
	 * The session ended while we accepted (detach does not wait), or
	 * the table could not grow (atomic), or a duplicate: not ours.
	 */
	if (s->conns_ended ||
	    rhashtable_lookup_insert_fast(&conns_by_sk, &c->hnode,
					  conn_params)) {
		spin_unlock(&dpo_conn_lock);
		dpo_conn_put(c);
		return false;
	}
	list_add_tail(&c->node, &s->conns);
	c->session = s;
	nconns++;
	dpo_drain_conn_added(s, c);
	spin_unlock(&dpo_conn_lock);
	this_cpu_add(c->traffic->pcpu->accepted, 1);

	/*
	 * Nobody else can see the new socket yet: do_accept() installs it.
	 * Our ops come with the module reference do_accept() took for the
	 * listener's, except on 6.1 when the listener was attached between
	 * its two reads of them: then the socket has the original ops and
	 * no reference, and its release will put one for ours. (Ops of ours
	 * of any kind come with exactly one.)
	 */
	if (READ_ONCE(newsock->ops)->owner != THIS_MODULE)
		__module_get(THIS_MODULE);
	WRITE_ONCE(newsock->ops, conn_ops(i));
	return true;
}

/* A session's connections being given back (see the rules at the top). */
struct conn_restore {
	struct rcu_head rcu;
	struct list_head conns;
};

/* Every task that loaded our ops for them holds its entry: unhash them. */
static void conn_restore_entries(struct list_head *conns)
{
	struct dpo_conn *c, *tmp;

	list_for_each_entry_safe(c, tmp, conns, node) {
		spin_lock(&dpo_conn_lock);
		list_del_init(&c->node);
		WARN_ON_ONCE(rhashtable_remove_fast(&conns_by_sk, &c->hnode,
						    conn_params));
		nconns--;
		spin_unlock(&dpo_conn_lock);
		this_cpu_add(c->traffic->pcpu->closed, 1);
		dpo_conn_put(c);
	}
}

static void conn_restore_done(struct rcu_head *head)
{
	struct conn_restore *r = container_of(head, struct conn_restore, rcu);

	conn_restore_entries(&r->conns);
	kfree(r);
	/* Last: dpo_conn_exit() waits for RCU-tasks callbacks. */
	module_put(THIS_MODULE);
}

/*
 * The session ends: every connection still open gets its original ops
 * back, and dpo lets go of it after an RCU-tasks grace period (see the
 * rules at the top). The wait runs as a callback: a session's end takes
 * a few ms instead of a grace period (5 to 8 s on a busy debug kernel)
 * under dpo_objects_lock; without memory for it, it is waited for here.
 */
void dpo_conn_session_end(struct dpo_session *s)
{
	struct conn_restore *r = kmalloc(sizeof(*r), GFP_KERNEL);
	struct dpo_conn *c, *tmp;
	LIST_HEAD(restore);

	spin_lock(&dpo_conn_lock);
	s->conns_ended = true;
	/*
	 * A listed entry's socket is alive: its release unlinks it under
	 * this lock before the socket goes.
	 */
	list_for_each_entry_safe(c, tmp, &s->conns, node) {
		int i = ops_index(c->sock);

		c->session = NULL;
		c->restoring = true;
		if (cmpxchg(&c->sock->ops, conn_ops(i),
			    dpo_sockops_orig(i)) == conn_ops(i))
			c->owns_module_ref = true;
		list_move_tail(&c->node, &restore);
	}
	spin_unlock(&dpo_conn_lock);
	if (list_empty(&restore)) {
		kfree(r);
		return;
	}
	if (r) {
		list_replace(&restore, &r->conns);
		__module_get(THIS_MODULE);
		call_rcu_tasks(&r->rcu, conn_restore_done);
		return;
	}
	synchronize_rcu_tasks();
	conn_restore_entries(&restore);
}

static enum dpo_conn_state conn_state(const struct dpo_conn *c)
{
	switch (c->drain) {
	case DPO_DRAIN_PENDING:
	case DPO_DRAIN_CLOSING:
		return DPO_CONN_DRAINING;
	case DPO_DRAIN_CLOSED_IDLE:
	case DPO_DRAIN_CLOSED_BUSY:
	case DPO_DRAIN_GONE:
		return DPO_CONN_CLOSED;
	case DPO_DRAIN_RESET:
		return DPO_CONN_RESET;
	default:
		return conn_busy(c) ? DPO_CONN_BUSY : DPO_CONN_IDLE;
	}
}

static void conn_info(struct dpo_conn *c, struct dpo_conn_info *ci)
{
	const struct sock *sk = c->sk;
	const struct inet_sock *inet = inet_sk(sk);

	memset(ci, 0, sizeof(*ci));
	ci->pid = c->pid;
	ci->role = c->role;
	ci->family = sk->sk_family;
	ci->port = ntohs(inet->inet_sport);
	ci->peer_port = ntohs(inet->inet_dport);
	if (sk->sk_family == AF_INET) {
		memcpy(ci->addr, &inet->inet_rcv_saddr, 4);
		memcpy(ci->peer_addr, &inet->inet_daddr, 4);
	} else {
		dpo_copy_v6_rcv_saddr(sk, ci->addr);
		dpo_copy_v6_daddr(sk, ci->peer_addr);
	}
	spin_lock(&c->lock);
	ci->state = conn_state(c);
	ci->accept_ns = c->accept_ns;
	ci->last_activity_ns = c->last_activity_ns;
	ci->bytes_in = c->bytes_in;
	ci->bytes_out = c->bytes_out;
	ci->requests = c->requests;
	spin_unlock(&c->lock);
}

/*
 * Call @fn for the connections of @s (of @pid if not NULL) from position
 * *@pos on, until it returns non-zero; *@pos is where to resume. Runs
 * under a spinlock: @fn must not sleep.
 */
int dpo_conn_walk(struct dpo_session *s, struct pid *pid, unsigned long *pos,
		  int (*fn)(const struct dpo_conn_info *ci, void *arg),
		  void *arg)
{
	struct dpo_conn_info ci;
	struct dpo_conn *c;
	unsigned long idx = 0;
	int err = 0;

	spin_lock(&dpo_conn_lock);
	list_for_each_entry(c, &s->conns, node) {
		if (pid && c->pid != pid)
			continue;
		if (idx++ < *pos)
			continue;
		conn_info(c, &ci);
		err = fn(&ci, arg);
		if (err)
			break;
		(*pos)++;
	}
	spin_unlock(&dpo_conn_lock);
	return err;
}

unsigned int dpo_conn_count(void)
{
	return READ_ONCE(nconns);
}

unsigned int dpo_conn_objects(void)
{
	return atomic_read(&conn_objects);
}

/* The wrappers. A socket we do not know is passed through. */

static int conn_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
			int flags)
{
	struct dpo_conn *c = conn_get(sock->sk);
	int ret = orig_ops(sock)->recvmsg(sock, msg, size, flags);

	if (c) {
		/* MSG_ERRQUEUE: completions and timestamps, not the stream. */
		if (ret > 0 && !(flags & (MSG_PEEK | MSG_ERRQUEUE)))
			conn_read(c, ret);
		dpo_conn_put(c);
	}
	return ret;
}

static ssize_t conn_splice_read(struct socket *sock, loff_t *ppos,
				struct pipe_inode_info *pipe, size_t len,
				unsigned int flags)
{
	struct dpo_conn *c = conn_get(sock->sk);
	ssize_t ret = orig_ops(sock)->splice_read(sock, ppos, pipe, len, flags);

	if (c) {
		if (ret > 0)
			conn_read(c, ret);
		dpo_conn_put(c);
	}
	return ret;
}

/*
 * TCP_ZEROCOPY_RECEIVE maps or copies received data without recvmsg: what
 * copied_seq moved during the call was read (a concurrent recvmsg of
 * another thread may be counted twice).
 */
static int conn_getsockopt(struct socket *sock, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	/* Held across the original, which may sleep (see the top). */
	struct dpo_conn *c = conn_get(sock->sk);
	bool zc = c && level == SOL_TCP && optname == TCP_ZEROCOPY_RECEIVE;
	u32 seq = zc ? READ_ONCE(tcp_sk(sock->sk)->copied_seq) : 0;
	int err = orig_ops(sock)->getsockopt(sock, level, optname, optval,
					     optlen);

	if (c) {
		/* Even on error: the data may be consumed already. */
		if (zc) {
			int n = READ_ONCE(tcp_sk(sock->sk)->copied_seq) - seq;

			if (n > 0)
				conn_read(c, n);
		}
		dpo_conn_put(c);
	}
	return err;
}

/* TCP_CORK set: the server says more of its answer is coming. */
static bool conn_corked(const struct sock *sk)
{
	return tcp_sk(sk)->nonagle & TCP_NAGLE_CORK;
}

/* Before a write: the server's unread data, and whether more will follow. */
static void conn_write_begin(struct socket *sock, bool more,
			     struct dpo_sock_write *w)
{
	w->conn = conn_get(sock->sk);
	w->seq = 0;
	w->unread = w->conn ? conn_unread(sock->sk, &w->seq) : 0;
	w->more = more || conn_corked(sock->sk);
	w->tail = NULL;
	w->tail_len = 0;
}

static void conn_write_end(struct dpo_sock_write *w, ssize_t sent)
{
	if (!w->conn)
		return;
	if (sent > 0)
		conn_wrote(w->conn, sent, w->more, w->unread, w->seq, w->tail,
			   w->tail_len);
	dpo_conn_put(w->conn);
}

/* What was held back is pushed: the answer ends, unless still corked. */
static void conn_write_pushed(struct socket *sock, struct dpo_sock_write *w)
{
	if (!w->conn)
		return;
	/* Under TCP_CORK the push sends full segments only. */
	if (!conn_corked(sock->sk))
		conn_wrote(w->conn, 0, false, w->unread, w->seq, NULL, 0);
	dpo_conn_put(w->conn);
}

/*
 * The last bytes of what a sendmsg sent, read from a copy of its iterator
 * taken before (the original consumed it), for a drain's idle mark: at
 * most DPO_DRAIN_IDLE_MARK_MAX bytes per write. Spliced pages
 * (MSG_SPLICE_PAGES) are not read: the tail becomes unknown, as with
 * sendpage. The copy may fault: no lock is held.
 */
static void conn_read_tail(struct dpo_sock_write *w, struct iov_iter *from,
			   int flags, int sent, u8 *buf)
{
	int len = min(sent, DPO_DRAIN_IDLE_MARK_MAX);

	if (flags & MSG_SPLICE_PAGES)
		return;
	iov_iter_advance(from, sent - len);
	if (copy_from_iter(buf, len, from) != (size_t)len)
		return;
	w->tail = buf;
	w->tail_len = len;
}

static int conn_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	u8 tail[DPO_DRAIN_IDLE_MARK_MAX];
	struct dpo_sock_write w;
	struct iov_iter from;
	int flags = msg->msg_flags;
	int ret;

	conn_write_begin(sock, flags & MSG_MORE, &w);
	if (w.conn)
		from = msg->msg_iter;
	ret = orig_ops(sock)->sendmsg(sock, msg, size);
	if (w.conn && ret > 0)
		conn_read_tail(&w, &from, flags, ret, tail);
	conn_write_end(&w, ret);
	return ret;
}

/*
 * A ULP or an address-family change would replace our ops
 * (kmod/DESIGN.md G4). Taking TCP_CORK off ends a corked answer, as a
 * last write would.
 */
static int conn_setsockopt(struct socket *sock, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	/* Held across the original, which may sleep (see the top). */
	struct dpo_conn *c = conn_get(sock->sk);
	bool uncork = level == SOL_TCP && optname == TCP_CORK &&
		      conn_corked(sock->sk);
	int unread = 0, err = -EBUSY;
	u32 seq = 0;

	if (c && uncork)
		unread = conn_unread(sock->sk, &seq);
	if (!dpo_sockopt_replaces_ops(level, optname))
		err = orig_ops(sock)->setsockopt(sock, level, optname, optval,
						 optlen);
	if (c) {
		if (!err && uncork && !conn_corked(sock->sk))
			conn_wrote(c, 0, false, unread, seq, NULL, 0);
		dpo_conn_put(c);
	}
	return err;
}

/*
 * A registered connection made a listener of its own (connect(AF_UNSPEC),
 * listen()): its connections inherit these ops and a module reference in
 * do_accept(). They are nobody's: give them the original ops back.
 */
static int conn_accept(struct socket *sock, struct socket *newsock,
		       struct dpo_accept_call *call)
{
	struct dpo_conn *c = conn_get(sock->sk);
	int i = ops_index(sock);
	int err = dpo_accept_orig(orig_ops(sock), sock, newsock, call,
				  dpo_accept_flags(call));

	if (!err && cmpxchg(&newsock->ops, conn_ops(i),
			    dpo_sockops_orig(i)) == conn_ops(i))
		module_put(THIS_MODULE);
	if (c)
		dpo_conn_put(c);
	return err;
}

static int conn_release(struct socket *sock)
{
	const struct proto_ops *orig = orig_ops(sock);
	struct dpo_conn *c = NULL;
	int err;

	if (sock->sk) {
		spin_lock(&dpo_conn_lock);
		c = conn_find(sock->sk);
		if (c && c->restoring) {
			/*
			 * The session's end swapped the ops after our caller
			 * read them: it unhashes the entry, and our caller
			 * puts the module reference.
			 */
			c->owns_module_ref = false;
			c = NULL;
		} else if (c) {
			conn_finish_locked(c, DPO_DRAIN_GONE);
			conn_unlink(c);
		}
		spin_unlock(&dpo_conn_lock);
	}
	err = orig->release(sock);
	/* __sock_release() drops the socket's module reference after us. */
	if (c)
		dpo_conn_put(c);
	return err;
}

static const struct dpo_sock_wrappers conn_wrappers = {
	.accept = conn_accept,
	.setsockopt = conn_setsockopt,
	.getsockopt = conn_getsockopt,
	.recvmsg = conn_recvmsg,
	.sendmsg = conn_sendmsg,
	.splice_read = conn_splice_read,
	.release = conn_release,
	.write_begin = conn_write_begin,
	.write_end = conn_write_end,
	.write_pushed = conn_write_pushed,
};

int __init dpo_conn_init(void)
{
	int err;

	err = rhashtable_init(&conns_by_sk, &conn_params);
	if (err)
		return err;

	dpo_sockops_wrap(DPO_SOCKOPS_CONN, &conn_wrappers);
	return 0;
}

void dpo_conn_exit(void)
{
	/* Sessions' ends still returning from conn_restore_done(). */
	rcu_barrier_tasks();
	/* Every connection holds a module reference: none is left here. */
	WARN_ON(dpo_conn_objects());
	rhashtable_destroy(&conns_by_sk);
}
