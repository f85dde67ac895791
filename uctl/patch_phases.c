// SPDX-License-Identifier: GPL-2.0
/*
 * The phases that end a patch. Rollback: (1) every listener to the
 * original, (2) the patched instance's connections drained between
 * requests, (3) the patched instance stopped (SIGTERM, a grace period,
 * SIGKILL) and none of its connections left, (4) the session ended: the
 * original serves alone. Promotion is the same the other way round, the
 * original kept idle for keep_original_s before it is stopped. Each step
 * can be repeated: a phase already done (by an operator, the fail-safe or
 * a dpoctl that died) passes at once.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/wait.h>

#include "parse.h"
#include "patch.h"
#include "pidfd.h"

#define NS_PER_MS	1000000ULL
#define KILL_WAIT_MS	5000	/* after SIGKILL: the exit is the kernel's */
#define DRAIN_SLACK_MS	5000	/* past the deadline: the reset is immediate */

static const char *const phase_names[DPOCTL_NPHASES] = {
	"switch", "drain", "stop", "end",
};

/* The error's reason, for one message at a time */
static const char *estr(const struct dpoctl_error *e)
{
	static char buf[320];

	return dpoctl_error_str(e, buf, sizeof(buf));
}

static const char *action_name(enum dpoctl_action a)
{
	return a == DPOCTL_A_PROMOTE ? "promote" : "rollback";
}

static json_object *phase_ev(struct dpoctl_patch *p, int ph, const char *state)
{
	json_object *o = dpoctl_patch_ev("phase");
	uint64_t now = dpoctl_now_ns();

	json_object_object_add(o, "action",
			       json_object_new_string(action_name(p->action)));
	json_object_object_add(o, "phase", json_object_new_int(ph + 1));
	json_object_object_add(o, "name", json_object_new_string(phase_names[ph]));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_object_add(o, "since_decision_ms",
			       json_object_new_int64((int64_t)((now - p->decision_ns) /
							       NS_PER_MS)));
	return o;
}

static void phase_start(struct dpoctl_patch *p, int ph)
{
	p->phase[ph].ran = true;
	p->phase[ph].start_ns = dpoctl_now_ns();
	dpoctl_patch_event(p, phase_ev(p, ph, "start"), LOG_NOTICE, false);
}

/* The end event, with @o's keys (taken) added. */
static void phase_end(struct dpoctl_patch *p, int ph, bool failed,
		      json_object *extra)
{
	json_object *o;

	p->phase[ph].end_ns = dpoctl_now_ns();
	p->phase[ph].failed = failed;
	p->failed |= failed;
	o = phase_ev(p, ph, failed ? "failed" : "end");
	json_object_object_add(o, "duration_ms", json_object_new_int64(
		(int64_t)((p->phase[ph].end_ns - p->phase[ph].start_ns) /
			  NS_PER_MS)));
	if (extra) {
		json_object_object_foreach(extra, k, v)
			json_object_object_add(o, k, json_object_get(v));
		json_object_put(extra);
	}
	dpoctl_patch_event(p, o, failed ? LOG_ERR : LOG_NOTICE, failed);
}

/* Phase 1: new connections to @owner. */
static int phase_switch(struct dpoctl_patch *p, uint8_t owner)
{
	struct dpoctl_error err;
	int ret;

	phase_start(p, DPOCTL_PHASE_SWITCH);
	if (p->owner != owner && !p->session_gone) {
		dpoctl_patch_expect_owner(p, owner);
		ret = dpoctl_owner_set(&p->req, p->session, owner, 0, &err);
		if (ret) {
			dpoctl_patch_unexpect_owner(p);
			dpoctl_patch_error(p, "nothing was switched: set the owner with dpoctl session owner, or run dpoctl rollback again",
					   "setting the owner to %s: %s",
					   dpoctl_owner_name(owner), estr(&err));
			phase_end(p, DPOCTL_PHASE_SWITCH, true, NULL);
			return -1;
		}
		p->owner = owner;
		p->canary_pct = 0;
	}
	phase_end(p, DPOCTL_PHASE_SWITCH, false, NULL);
	return 0;
}

/* The instance that is to serve alone at the end. */
static const struct dpoctl_proc *survivor(const struct dpoctl_patch *p)
{
	return p->action == DPOCTL_A_PROMOTE ? &p->patched : &p->orig;
}

static bool drain_over(const struct dpoctl_patch *p)
{
	return p->drain_done || p->session_gone || survivor(p)->exited;
}

/* The survivor died: stop here rather than stop the only server left. */
static bool survivor_died(struct dpoctl_patch *p, int ph)
{
	const struct dpoctl_proc *s = survivor(p);

	if (!s->exited)
		return false;
	dpoctl_patch_error(p, "the other instance is the only server left: it is not stopped; check it, then dpoctl session del",
			   "the %s instance (pid %u) exited during the %s",
			   s == &p->orig ? "original" : "patched", s->pid,
			   ph == DPOCTL_PHASE_DRAIN ? "drain" : "phases");
	return true;
}

/* Phase 2: the connections of @role closed between requests. */
static int phase_drain(struct dpoctl_patch *p, uint8_t role,
		       const struct dpoctl_proc *proc)
{
	uint32_t deadline_ms = (uint32_t)(p->cfg.drain_deadline_s * 1000);
	struct dpoctl_drain_when when;
	struct dpoctl_error err;
	struct dpoctl_drain d;
	json_object *o;
	uint8_t target;
	int ret;

	phase_start(p, DPOCTL_PHASE_DRAIN);
	if (proc->exited || p->session_gone) {
		/* its connections went with it, or dpo holds none any more */
		o = json_object_new_object();
		json_object_object_add(o, "skipped", json_object_new_string(
			proc->exited ? "the process exited" :
			"the session was ended"));
		phase_end(p, DPOCTL_PHASE_DRAIN, false, o);
		return 0;
	}
	p->drain_done = false;
	p->drain.cancelled = false;
	/* a drain gives new connections to the other role, if not theirs yet */
	target = role == DPO_ROLE_PATCHED ? DPO_OWNER_ORIGINAL : DPO_OWNER_PATCHED;
	if (p->owner != target)
		dpoctl_patch_expect_owner(p, target);
	memcpy(when.mark, p->cfg.drain_idle_mark, sizeof(when.mark));
	when.mark_len = p->cfg.drain_idle_mark_len;
	when.min_requests = p->cfg.drain_min_requests;
	ret = dpoctl_drain(&p->req, p->session, role, deadline_ms, &when,
			   &d, &err);
	if (ret && p->owner != target)
		dpoctl_patch_unexpect_owner(p);
	if (ret && ret != -EBUSY) {
		dpoctl_patch_error(p, "new connections go to the other instance; close the drained instance's connections or stop it by hand (dpoctl rollback finishes the rest)",
				   "draining the %s instance: %s",
				   dpoctl_role_name(role), estr(&err));
		phase_end(p, DPOCTL_PHASE_DRAIN, true, NULL);
		return -1;
	}
	/* EBUSY: one is running (an operator's, or before a crash): wait for it */
	ret = dpoctl_patch_wait(p, drain_over, dpoctl_now_ns() +
				(deadline_ms + DRAIN_SLACK_MS) * NS_PER_MS);
	o = json_object_new_object();
	json_object_object_add(o, "closed_idle",
			       json_object_new_int64(p->drain.closed_idle));
	json_object_object_add(o, "closed_busy",
			       json_object_new_int64(p->drain.closed_busy));
	json_object_object_add(o, "reset", json_object_new_int64(p->drain.reset));
	json_object_object_add(o, "gone", json_object_new_int64(p->drain.gone));
	json_object_object_add(o, "cancelled",
			       json_object_new_boolean(p->drain.cancelled));
	p->drained += p->drain.closed_idle + p->drain.closed_busy;
	p->reset += p->drain.reset;
	if (survivor_died(p, DPOCTL_PHASE_DRAIN) || (ret && ret != -ETIMEDOUT)) {
		phase_end(p, DPOCTL_PHASE_DRAIN, true, o);
		return -1;
	}
	if (p->drain.cancelled) {
		dpoctl_patch_error(p, "someone changed the owner back (dpoctl session owner, or another dpoctl): nothing is stopped; see dpoctl session list",
				   "the drain of the %s instance was cancelled",
				   dpoctl_role_name(role));
		phase_end(p, DPOCTL_PHASE_DRAIN, true, o);
		return -1;
	}
	if (ret == -ETIMEDOUT) {
		dpoctl_patch_error(p, "the stop phase follows; check dpoctl conn list",
				   "the drain did not end %u ms after its deadline",
				   DRAIN_SLACK_MS);
		phase_end(p, DPOCTL_PHASE_DRAIN, true, o);
		return 0;	/* stopping the process ends its connections */
	}
	phase_end(p, DPOCTL_PHASE_DRAIN, false, o);
	return 0;
}

static bool proc_gone(const struct dpoctl_proc *proc)
{
	return proc->exited;
}

static bool patched_gone(const struct dpoctl_patch *p)
{
	return proc_gone(&p->patched);
}

static bool orig_gone(const struct dpoctl_patch *p)
{
	return proc_gone(&p->orig);
}

/* How long phase 3 waits for a stopped process's connections to go. */
#define CONNS_GONE_TRIES	20
#define CONNS_GONE_STEP_MS	100

struct conn_count {
	uint8_t role;
	uint32_t n;
};

static int count_conn(const struct dpoctl_conn *c, void *arg)
{
	struct conn_count *cc = arg;

	cc->n += c->role == cc->role;
	return 0;
}

/* Phase 3: the process stopped, and none of its connections left. */
static int phase_stop(struct dpoctl_patch *p, struct dpoctl_proc *proc)
{
	bool (*gone)(const struct dpoctl_patch *p) =
		proc == &p->patched ? patched_gone : orig_gone;
	struct conn_count left = {
		.role = proc == &p->patched ? DPO_ROLE_PATCHED : DPO_ROLE_ORIGINAL,
	};
	const char *sig = "none";
	struct dpoctl_error err;
	json_object *o;
	int ret, i;

	phase_start(p, DPOCTL_PHASE_STOP);
	if (survivor_died(p, DPOCTL_PHASE_STOP)) {
		phase_end(p, DPOCTL_PHASE_STOP, true, NULL);
		return -1;
	}
	if (!proc->exited && proc->pidfd >= 0) {
		sig = "SIGTERM";
		if (dpoctl_pidfd_send_signal(proc->pidfd, SIGTERM) &&
		    errno != ESRCH) {
			dpoctl_patch_error(p, "stop the process by hand (kill -TERM), then run dpoctl rollback or dpoctl session del",
					   "SIGTERM to pid %u: %s", proc->pid,
					   strerror(errno));
			phase_end(p, DPOCTL_PHASE_STOP, true, NULL);
			return -1;
		}
		ret = dpoctl_patch_wait(p, gone, dpoctl_now_ns() +
					(uint64_t)(p->cfg.stop_grace_s * 1000) *
					NS_PER_MS);
		if (ret == -ETIMEDOUT) {
			sig = "SIGKILL";
			dpoctl_pidfd_send_signal(proc->pidfd, SIGKILL);
			ret = dpoctl_patch_wait(p, gone, dpoctl_now_ns() +
						KILL_WAIT_MS * NS_PER_MS);
		}
		if (ret && ret != -ETIMEDOUT) {
			phase_end(p, DPOCTL_PHASE_STOP, true, NULL);
			return -1;	/* the module's socket failed: said */
		}
		if (ret) {
			dpoctl_patch_error(p, "find out why the process does not exit (ps, /proc/PID/stack); the session is left as it is",
					   "pid %u did not exit after SIGKILL",
					   proc->pid);
			phase_end(p, DPOCTL_PHASE_STOP, true, NULL);
			return -1;
		}
	}
	/*
	 * By role: the pid of a process that is gone filters nothing. A
	 * process that crashed may still be closing its sockets when its exit
	 * is seen (seen on the debug kernel): give them a moment.
	 */
	for (i = 0; ; i++) {
		left.n = 0;
		ret = dpoctl_conn_dump(&p->req, p->session, 0, count_conn,
				       &left, &err);
		if (ret || !left.n || i == CONNS_GONE_TRIES)
			break;
		poll(NULL, 0, CONNS_GONE_STEP_MS);
	}
	o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int64(proc->pid));
	json_object_object_add(o, "signal", json_object_new_string(sig));
	if (proc->child && WIFEXITED(proc->wstatus))
		json_object_object_add(o, "exit_status", json_object_new_int(
			WEXITSTATUS(proc->wstatus)));
	else if (proc->child && WIFSIGNALED(proc->wstatus))
		json_object_object_add(o, "exit_signal", json_object_new_string(
			strsignal(WTERMSIG(proc->wstatus))));
	json_object_object_add(o, "conns_left", ret ? NULL :
			       json_object_new_int64(left.n));
	p->conns_left = left.n;
	if (!ret && left.n)
		dpoctl_patch_error(p, "dpoctl conn list shows them",
				   "%u connection(s) of the %s instance still registered",
				   left.n, dpoctl_role_name(left.role));
	phase_end(p, DPOCTL_PHASE_STOP, !ret && left.n, o);
	return 0;
}

/* Phase 4: the session ended; the survivor serves unrestricted. */
static int phase_end_session(struct dpoctl_patch *p)
{
	struct dpoctl_error err;
	int ret = 0;

	phase_start(p, DPOCTL_PHASE_END);
	if (!p->session_gone)
		ret = dpoctl_session_del(&p->req, p->session, &err);
	if (ret && ret != -ENOENT) {
		dpoctl_patch_error(p, "run dpoctl session del for it",
				   "deleting session %s: %s", p->session,
				   estr(&err));
		phase_end(p, DPOCTL_PHASE_END, true, NULL);
		return -1;
	}
	p->session_gone = true;
	phase_end(p, DPOCTL_PHASE_END, false, NULL);
	return 0;
}

static void begin(struct dpoctl_patch *p, enum dpoctl_action a)
{
	p->action = a;
	if (!p->decision_ns)
		p->decision_ns = dpoctl_now_ns();
	p->phase_name = action_name(a);
}

int dpoctl_patch_rollback(struct dpoctl_patch *p)
{
	begin(p, DPOCTL_A_ROLLBACK);
	if (phase_switch(p, DPO_OWNER_ORIGINAL))
		return -1;
	if (phase_drain(p, DPO_ROLE_PATCHED, &p->patched) ||
	    phase_stop(p, &p->patched))
		return -1;
	if (phase_end_session(p))
		return -1;
	p->phase_name = "done";
	return p->failed ? -1 : 0;
}

static bool fallback_over(const struct dpoctl_patch *p)
{
	return p->operator == DPOCTL_A_ROLLBACK || p->session_gone ||
	       p->patched.exited || p->signalled;
}

/*
 * The fail-safe owner: the module's choice should dpoctl die now. A
 * session already gone (an operator's dpoctl rollback ended it first)
 * needs none.
 */
static void claim(struct dpoctl_patch *p, uint8_t owner)
{
	struct dpoctl_error err;

	if (p->claimed && !p->session_gone &&
	    dpoctl_session_claim(&p->req, p->session, owner, &err) &&
	    err.err != ENOENT)
		dpoctl_patch_error(p, NULL, "claiming %s for the %s: %s (should dpoctl die now, the module's fail-safe picks the wrong instance)",
				   p->session, dpoctl_owner_name(owner),
				   estr(&err));
}

int dpoctl_patch_promote(struct dpoctl_patch *p)
{
	begin(p, DPOCTL_A_PROMOTE);
	/* should dpoctl die from now on, the patched instance keeps the traffic */
	claim(p, DPO_OWNER_PATCHED);
	if (phase_switch(p, DPO_OWNER_PATCHED) ||
	    phase_drain(p, DPO_ROLE_ORIGINAL, &p->orig))
		return -1;
	if (p->cfg.keep_original_s > 0 && !p->orig.exited) {
		/* the warm fallback: an operator's rollback may still come */
		p->operator = DPOCTL_A_NONE;
		dpoctl_patch_wait(p, fallback_over, dpoctl_now_ns() +
				  (uint64_t)(p->cfg.keep_original_s * 1e9));
		if (p->patched.exited || p->operator == DPOCTL_A_ROLLBACK) {
			/* back to the original, which is still there */
			claim(p, DPO_OWNER_ORIGINAL);
			dpoctl_patch_error(p, NULL, "%s during the warm fallback: back to the original",
					   p->patched.exited ? "the patched instance exited" :
					   "an operator rolled back");
			p->trigger = p->patched.exited ? DPOCTL_T_PATCHED_DIED :
				DPOCTL_T_OPERATOR;
			if (p->patched.exited)
				return dpoctl_patch_rollback(p) ? -1 : 1;
			return dpoctl_patch_follow(p, DPOCTL_A_ROLLBACK) ? -1 : 1;
		}
	}
	if (phase_stop(p, &p->orig) || phase_end_session(p))
		return -1;
	p->phase_name = "done";
	return p->failed ? -1 : 0;
}

static bool operator_done(const struct dpoctl_patch *p)
{
	const struct dpoctl_proc *loser = p->action == DPOCTL_A_PROMOTE ?
		&p->orig : &p->patched;

	return p->session_gone && loser->exited;
}

int dpoctl_patch_follow(struct dpoctl_patch *p, enum dpoctl_action a)
{
	uint64_t patience_ns = (uint64_t)((p->cfg.drain_deadline_s +
					   p->cfg.stop_grace_s) * 1e9) +
			       (KILL_WAIT_MS + DRAIN_SLACK_MS) * NS_PER_MS;
	int ret;

	begin(p, a);
	claim(p, a == DPOCTL_A_PROMOTE ? DPO_OWNER_PATCHED : DPO_OWNER_ORIGINAL);
	/* as long as the operator's phases move (a warm fallback is quiet: its end is the session's) */
	p->activity_ns = dpoctl_now_ns();
	do {
		ret = dpoctl_patch_wait(p, operator_done,
					p->activity_ns + patience_ns);
	} while (ret == -ETIMEDOUT && !p->session_gone &&
		 dpoctl_now_ns() < p->activity_ns + patience_ns);
	if (!ret) {
		p->phase_name = "done";
		return 0;
	}
	if (ret != -ETIMEDOUT)
		return -1;
	if (a == DPOCTL_A_PROMOTE && !p->orig.exited && p->owner == DPO_OWNER_PATCHED) {
		/* a warm fallback of the operator's: theirs to end */
		dpoctl_patch_error(p, "end it with dpoctl promote or dpoctl rollback",
				   "the operator's promotion keeps the original (pid %u) idle: leaving it so",
				   p->orig.pid);
		return 0;
	}
	/* the operator's dpoctl stopped half way: finish the job */
	dpoctl_patch_error(p, NULL, "the operator's %s made no progress for %llu ms: finishing it",
			   action_name(a),
			   (unsigned long long)(patience_ns / NS_PER_MS));
	return a == DPOCTL_A_PROMOTE ? dpoctl_patch_promote(p) :
		dpoctl_patch_rollback(p);
}

const char *dpoctl_trigger_name(const struct dpoctl_patch *p)
{
	switch (p->trigger) {
	case DPOCTL_T_ENGINE:
		return p->e ? dpoctl_reason_name(dpoctl_engine_decision(p->e)->reason) :
			"engine";
	case DPOCTL_T_PATCHED_DIED:
		return "patched_died";
	case DPOCTL_T_ORIGINAL_DIED:
		return "original_died";
	case DPOCTL_T_OPERATOR:
		return "operator";
	case DPOCTL_T_SIGNAL:
		return "signal";
	case DPOCTL_T_ERROR:
		return "error";
	default:
		return "none";
	}
}

void dpoctl_patch_summary(struct dpoctl_patch *p, int exit_code)
{
	json_object *o = dpoctl_patch_ev("summary"), *ph, *req, *one;
	const struct dpoctl_decision *d = p->e ? dpoctl_engine_decision(p->e) :
		NULL;
	uint64_t end = 0;
	int i;

	json_object_object_add(o, "verdict", json_object_new_string(
		p->action == DPOCTL_A_PROMOTE ? "promoted" :
		p->action == DPOCTL_A_ROLLBACK ? "rolled_back" : "none"));
	json_object_object_add(o, "trigger",
			       json_object_new_string(dpoctl_trigger_name(p)));
	json_object_object_add(o, "metric",
			       p->trigger == DPOCTL_T_ENGINE && d && d->metric >= 0 ?
			       json_object_new_string(dpoctl_metric_name(d->metric)) :
			       NULL);
	json_object_object_add(o, "exit_code", json_object_new_int(exit_code));
	json_object_object_add(o, "detection_s",
			       p->exposed_ns && p->decision_ns > p->exposed_ns ?
			       json_object_new_double((double)(p->decision_ns -
							       p->exposed_ns) / 1e9) :
			       NULL);
	ph = json_object_new_array();
	for (i = 0; i < DPOCTL_NPHASES; i++) {
		if (!p->phase[i].ran)
			continue;
		one = json_object_new_object();
		json_object_object_add(one, "name",
				       json_object_new_string(phase_names[i]));
		json_object_object_add(one, "duration_ms", json_object_new_int64(
			(int64_t)((p->phase[i].end_ns - p->phase[i].start_ns) /
				  NS_PER_MS)));
		json_object_object_add(one, "failed",
				       json_object_new_boolean(p->phase[i].failed));
		json_object_array_add(ph, one);
		end = p->phase[i].end_ns;
	}
	json_object_object_add(o, "phases", ph);
	json_object_object_add(o, "total_ms", end && p->decision_ns ?
			       json_object_new_int64((int64_t)((end - p->decision_ns) /
							       NS_PER_MS)) : NULL);
	json_object_object_add(o, "drained", json_object_new_int64(p->drained));
	json_object_object_add(o, "reset", json_object_new_int64(p->reset));
	req = json_object_new_object();
	json_object_object_add(req, "original",
			       json_object_new_int64((int64_t)p->orig.requests));
	json_object_object_add(req, "patched",
			       json_object_new_int64((int64_t)p->patched.requests));
	json_object_object_add(o, "requests", req);
	dpoctl_patch_event(p, o, p->failed ? LOG_ERR : LOG_NOTICE, true);
	/* the metrics file and the view as they end */
	dpoctl_patch_tick(p);
}
