// SPDX-License-Identifier: GPL-2.0
/*
 * Drains: closing one role's connections at request boundaries.
 *
 * Drain (phase 2 of a rollback or a promotion): the drained role gets no
 * new connections; its idle connections are shut down at once, busy ones
 * at the write that makes them idle (in the registry's sendmsg wrapper),
 * and what is left at the deadline is reset. With an idle mark, a
 * connection is closed only once the last bytes the server wrote on it
 * end with the mark (a protocol's "session idle", between transactions;
 * kmod/DESIGN.md G5). A work item sweeps every
 * DPO_DRAIN_TICK_MS: it closes connections that went idle without a write
 * (a request whose answer was written before the drain, say), sends
 * progress events, and applies the deadline.
 */
#include <linux/jiffies.h>

#include "conn.h"
#include "drain.h"
#include "netlink.h"
#include "session.h"

#define SWEEP_BATCH	64
/* Past the deadline, how long connections being closed may take. */
#define LATE_NS		(1000 * NSEC_PER_MSEC)

static void drain_info(struct dpo_drain *d, struct dpo_drain_info *info)
{
	lockdep_assert_held(&dpo_conn_lock);
	info->session = d->session->name;
	info->role = d->role;
	info->deadline_ms = d->deadline_ms;
	info->remaining = d->remaining;
	info->closed_idle = d->closed_idle;
	info->closed_busy = d->closed_busy;
	info->reset = d->reset;
	info->gone = d->gone;
	info->elapsed_ns = ktime_get_ns() - d->start_ns;
	info->cancelled = false;
	info->when = d->when;
}

/* The running drain of @c's session that is about @c, if any. */
static struct dpo_drain *drain_of(const struct dpo_conn *c)
{
	struct dpo_drain *d = c->session ? c->session->drain : NULL;

	lockdep_assert_held(&dpo_conn_lock);
	return d && d->role == c->role ? d : NULL;
}

void dpo_drain_conn_added(struct dpo_session *s, struct dpo_conn *c)
{
	struct dpo_drain *d = s->drain;

	lockdep_assert_held(&dpo_conn_lock);
	if (!d || d->role != c->role)
		return;
	spin_lock(&c->lock);
	if (c->drain == DPO_DRAIN_NONE) {
		c->drain = DPO_DRAIN_PENDING;
		c->drain_seq = d->seq;
		d->remaining++;
	}
	spin_unlock(&c->lock);
}

/*
 * A claimed connection was not idle after all: pending again for the
 * drain that runs now (counted in it if it is a newer one), or left
 * alone if the drain is over.
 */
enum dpo_conn_drain dpo_drain_unclaimed_locked(struct dpo_conn *c)
{
	struct dpo_drain *d = drain_of(c);

	if (!d)
		return DPO_DRAIN_NONE;
	if (c->drain_seq != d->seq) {
		c->drain_seq = d->seq;
		d->remaining++;
	}
	return DPO_DRAIN_PENDING;
}

void dpo_drain_note_locked(struct dpo_conn *c, enum dpo_conn_drain result)
{
	struct dpo_drain *d = drain_of(c);

	if (!d || c->drain_seq != d->seq || !d->remaining)
		return;
	d->remaining--;
	switch (result) {
	case DPO_DRAIN_CLOSED_IDLE:
		d->closed_idle++;
		break;
	case DPO_DRAIN_CLOSED_BUSY:
		d->closed_busy++;
		break;
	case DPO_DRAIN_RESET:
		d->reset++;
		break;
	default:
		d->gone++;
		break;
	}
}

static bool may_close_locked(const struct dpo_drain *d, struct dpo_conn *c)
{
	const struct dpo_drain_when *w = &d->when;
	bool may;

	lockdep_assert_held(&dpo_conn_lock);
	if (!w->mark_len && !w->min_requests)
		return true;
	spin_lock(&c->lock);
	may = c->requests >= w->min_requests &&
	      (!w->mark_len ||
	       dpo_conn_tail_ends_with(c, w->mark, w->mark_len));
	spin_unlock(&c->lock);
	return may;
}

/*
 * Whether @c, idle, may be closed by the drain that claimed it: past its
 * handshake (min_requests) and at the idle mark, when the drain has them.
 * That is the session's last drain of @c's role even once it is over: a
 * connection claimed by such a drain is never closed elsewhere in a
 * transaction or a handshake.
 */
bool dpo_drain_may_close(struct dpo_conn *c)
{
	const struct dpo_drain *d;
	bool may = true;

	spin_lock(&dpo_conn_lock);
	d = c->session ? &c->session->drain_obj : NULL;
	if (d && d->role == c->role)
		may = may_close_locked(d, c);
	spin_unlock(&dpo_conn_lock);
	return may;
}

/*
 * Claim up to SWEEP_BATCH pending connections that are idle (all of them
 * past the deadline), with a reference each. Returns how many.
 */
static int collect(struct dpo_drain *d, bool all, struct dpo_conn **batch)
{
	struct dpo_conn *c;
	int n = 0;

	spin_lock(&dpo_conn_lock);
	list_for_each_entry(c, &d->session->conns, node) {
		/*
		 * Busy, or idle short of the mark: a hint only (the write
		 * that reaches the mark closes it); dpo_conn_close_idle()
		 * decides, locked.
		 */
		if (c->role != d->role || c->swept == d->sweep ||
		    (!all && (READ_ONCE(c->busy) || !may_close_locked(d, c))))
			continue;
		if (!dpo_conn_claim(c))
			continue;
		c->swept = d->sweep;	/* once per sweep */
		refcount_inc(&c->ref);
		batch[n++] = c;
		if (n == SWEEP_BATCH)
			break;
	}
	spin_unlock(&dpo_conn_lock);
	return n;
}

static void sweep(struct dpo_drain *d, bool deadline)
{
	struct dpo_conn *batch[SWEEP_BATCH];
	int n, i;

	d->sweep++;
	do {
		n = collect(d, deadline, batch);
		for (i = 0; i < n; i++) {
			/* Past the deadline, what is still busy is reset. */
			if (!dpo_conn_close_idle(batch[i], DPO_DRAIN_CLOSED_IDLE) &&
			    deadline && dpo_conn_claim(batch[i]))
				dpo_conn_reset(batch[i]);
			dpo_conn_put(batch[i]);
		}
	} while (n == SWEEP_BATCH);
}

/*
 * The drain is over (done or cancelled): connections still pending go
 * back to normal; one being closed right now is left to its closer
 * (dpo_drain_unclaimed_locked() tells it there is no drain any more).
 */
static void drain_end_locked(struct dpo_drain *d, struct dpo_drain_info *info)
{
	struct dpo_conn *c;

	lockdep_assert_held(&dpo_conn_lock);
	drain_info(d, info);
	d->session->drain = NULL;
	list_for_each_entry(c, &d->session->conns, node) {
		spin_lock(&c->lock);
		if (c->drain == DPO_DRAIN_PENDING)
			c->drain = DPO_DRAIN_NONE;
		spin_unlock(&c->lock);
	}
}

/*
 * The drain's tick. It runs without dpo_objects_lock (a connection's
 * socket lock, which a server can hold, may make it wait), so a drain can
 * end under it (cancelled): then there is nothing to do. The session's
 * memory lives until its free work has waited for this one.
 */
static void drain_work(struct work_struct *work)
{
	struct dpo_drain *d = container_of(to_delayed_work(work),
					   struct dpo_drain, work);
	u64 now = ktime_get_ns();
	bool deadline = now >= d->deadline_ns;
	struct dpo_drain_info info;
	bool done;

	if (READ_ONCE(d->session->drain) != d)
		return;
	sweep(d, deadline);

	/*
	 * Past the deadline, what is left is being closed by a server's
	 * write right now (or went back to pending meanwhile, for the next
	 * tick to reset): wait for those, for a second at most.
	 */
	spin_lock(&dpo_conn_lock);
	if (d->session->drain != d) {
		spin_unlock(&dpo_conn_lock);
		return;			/* cancelled meanwhile */
	}
	done = !d->remaining || (deadline && now >= d->deadline_ns + LATE_NS);
	if (done)
		drain_end_locked(d, &info);
	else
		drain_info(d, &info);
	spin_unlock(&dpo_conn_lock);

	if (done) {
		dpo_nl_notify_drain(&info, DPO_CMD_DRAIN_DONE_NTF);
		return;
	}
	if (info.remaining != d->reported) {
		d->reported = info.remaining;
		dpo_nl_notify_drain(&info, DPO_CMD_DRAIN_PROGRESS_NTF);
	}
	queue_delayed_work(dpo_wq, &d->work,
			   msecs_to_jiffies(DPO_DRAIN_TICK_MS));
}

int dpo_drain_start(struct dpo_session *s, enum dpo_role role,
		    u32 deadline_ms, const struct dpo_drain_when *when,
		    struct netlink_ext_ack *extack,
		    struct dpo_drain_info *info)
{
	enum dpo_role other = role == DPO_ROLE_ORIGINAL ? DPO_ROLE_PATCHED :
							  DPO_ROLE_ORIGINAL;
	enum dpo_owner owner = other == DPO_ROLE_ORIGINAL ? DPO_OWNER_ORIGINAL :
							    DPO_OWNER_PATCHED;
	struct dpo_drain *d;
	struct dpo_conn *c;

	lockdep_assert_held(&dpo_objects_lock);
	if (!s->nrole[other]) {
		if (other == DPO_ROLE_ORIGINAL)
			NL_SET_ERR_MSG(extack, "no original instance to take new connections");
		else
			NL_SET_ERR_MSG(extack, "no patched instance to take new connections");
		return -EINVAL;
	}
	if (READ_ONCE(s->drain)) {
		NL_SET_ERR_MSG(extack, "a drain of this session is running");
		return -EBUSY;
	}
	/* The session's one drain: its work is idle (s->drain was NULL). */
	d = &s->drain_obj;
	d->session = s;
	d->deadline_ms = deadline_ms;
	d->remaining = 0;
	d->closed_idle = 0;
	d->closed_busy = 0;
	d->reset = 0;
	d->gone = 0;
	d->start_ns = ktime_get_ns();
	d->deadline_ns = d->start_ns + (u64)deadline_ms * NSEC_PER_MSEC;
	d->seq++;

	/* First no new connection for the drained role, then mark the rest. */
	if (s->owner != owner)
		dpo_session_set_owner(s, owner, 0);
	spin_lock(&dpo_conn_lock);
	/* Read by dpo_drain_may_close() even for a drain that is over. */
	d->role = role;
	d->when = *when;
	s->drain = d;
	list_for_each_entry(c, &s->conns, node)
		dpo_drain_conn_added(s, c);
	d->reported = d->remaining;
	drain_info(d, info);
	spin_unlock(&dpo_conn_lock);
	/* A tick of a cancelled drain may still run: it sees this one. */
	mod_delayed_work(dpo_wq, &d->work, 0);
	return 0;
}

void dpo_drain_init(struct dpo_session *s)
{
	INIT_DELAYED_WORK(&s->drain_obj.work, drain_work);
}

/*
 * Cut the drain of @s short (the session ends, or the drained role may
 * accept again), telling who waits for the end. Its work is not waited
 * for: it may be in a connection's socket lock; it sees the drain is over.
 */
void dpo_drain_cancel(struct dpo_session *s)
{
	struct dpo_drain_info info;
	bool running;

	lockdep_assert_held(&dpo_objects_lock);
	cancel_delayed_work(&s->drain_obj.work);
	spin_lock(&dpo_conn_lock);
	running = s->drain;
	if (running)
		drain_end_locked(s->drain, &info);
	spin_unlock(&dpo_conn_lock);
	if (running) {
		info.cancelled = true;
		dpo_nl_notify_drain(&info, DPO_CMD_DRAIN_DONE_NTF);
	}
}
