// SPDX-License-Identifier: GPL-2.0
/* A patch's event loop: the module's events, the processes, the signals. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "parse.h"
#include "patch.h"
#include "pidfd.h"

#define TICK_NS		1000000000ULL	/* the view and the metrics file */

static void engine_events(struct dpoctl_patch *p)
{
	const struct dpoctl_engine_event *ev;
	json_object *o;
	size_t i, n;

	n = dpoctl_engine_events(p->e, &ev);
	for (i = 0; i < n; i++) {
		/* the verdict is logged with its decision record */
		if (ev[i].kind == DPOCTL_EV_VERDICT)
			continue;
		o = dpoctl_patch_ev("engine");
		json_object_object_add(o, "kind", json_object_new_string(
			dpoctl_event_name(ev[i].kind)));
		json_object_object_add(o, "metric", ev[i].metric < 0 ? NULL :
			json_object_new_string(dpoctl_metric_name(ev[i].metric)));
		if (ev[i].kind != DPOCTL_EV_OBSERVE) {
			json_object_object_add(o, "value",
				json_object_new_double(ev[i].value));
			json_object_object_add(o, "threshold",
				json_object_new_double(ev[i].threshold));
		}
		if (ev[i].kind == DPOCTL_EV_RECOVER || ev[i].kind == DPOCTL_EV_CALM)
			json_object_object_add(o, "lasted_s",
				json_object_new_double(ev[i].lasted_s));
		dpoctl_patch_event(p, o, LOG_INFO, false);
	}
}

static void steps(struct dpoctl_patch *p, const struct dpoctl_step *st, int n)
{
	int i;

	for (i = 0; i < n && p->verdict == DPOCTL_V_NONE; i++) {
		p->verdict = dpoctl_engine_step(p->e, st[i].now_ns, &st[i].orig,
						st[i].has_patched ?
						&st[i].patched : NULL);
		if (p->log_intervals)
			dpoctl_patch_interval_event(p);
		engine_events(p);
	}
}

static struct dpoctl_proc *proc_of(struct dpoctl_patch *p, uint32_t pid)
{
	if (pid && pid == p->orig.pid)
		return &p->orig;
	if (pid && pid == p->patched.pid)
		return &p->patched;
	return NULL;
}

static void on_sample(struct dpoctl_patch *p, const struct dpoctl_instance *in)
{
	struct dpoctl_step st[DPOCTL_PAIRING_MAX_STEPS];
	struct dpoctl_proc *proc = proc_of(p, in->pid);
	int n;

	if (!proc || !in->has_stats)
		return;
	proc->has_stats = true;
	proc->last = in->stats;
	proc->requests = in->stats.requests;
	if (!p->judging || p->verdict != DPOCTL_V_NONE)
		return;
	n = dpoctl_pairing_add(p->pairing, in, st);
	if (n < 0) {
		/* a counter went back: a new process under an old pid */
		dpoctl_err("%s: sample of pid %u does not follow the last one: ignored",
			   p->ctx->what, in->pid);
		return;
	}
	steps(p, st, n);
}

static void on_gone(struct dpoctl_patch *p, const struct dpoctl_instance *in)
{
	struct dpoctl_step st[DPOCTL_PAIRING_MAX_STEPS];
	struct dpoctl_proc *proc = proc_of(p, in->pid);

	if (!proc)
		return;
	p->activity_ns = dpoctl_now_ns();
	if (in->has_exit_code) {
		proc->has_exit_code = true;
		proc->exit_code = in->exit_code;
		proc->exited = true;
	}
	if (p->judging && p->verdict == DPOCTL_V_NONE)
		steps(p, st, dpoctl_pairing_forget(p->pairing, in, st));
}

/*
 * An owner change: ours (expected), the module's fail-safe after an
 * instance died (the survivor gets everything), or an operator's.
 */
static void on_owner(struct dpoctl_patch *p, const struct dpoctl_session *s)
{
	json_object *o;
	int i;

	p->owner = s->owner;
	p->canary_pct = s->canary_pct;
	p->activity_ns = dpoctl_now_ns();
	if ((s->owner == DPO_OWNER_ORIGINAL && p->patched.exited) ||
	    (s->owner == DPO_OWNER_PATCHED && p->orig.exited))
		return;
	for (i = 0; i < p->nowner_q; i++) {
		if (p->owner_q[i] != s->owner)
			continue;
		/* ours: this one and any older ones are behind us */
		p->nowner_q -= i + 1;
		memmove(p->owner_q, p->owner_q + i + 1, (size_t)p->nowner_q);
		return;
	}
	o = dpoctl_patch_ev("operator");
	json_object_object_add(o, "owner",
			       json_object_new_string(dpoctl_owner_name(s->owner)));
	if (s->owner == DPO_OWNER_ORIGINAL || s->owner == DPO_OWNER_PATCHED) {
		p->operator = s->owner == DPO_OWNER_ORIGINAL ?
			DPOCTL_A_ROLLBACK : DPOCTL_A_PROMOTE;
		json_object_object_add(o, "action", json_object_new_string(
			p->operator == DPOCTL_A_ROLLBACK ? "rollback" : "promote"));
	}
	dpoctl_patch_event(p, o, LOG_WARNING, true);
}

static int on_event(const struct dpoctl_event *ev, void *arg)
{
	struct dpoctl_patch *p = arg;

	if (ev->malformed)
		return 0;
	switch (ev->cmd) {
	case DPO_CMD_SAMPLE_NTF:
		if (!strcmp(ev->instance.session, p->session))
			on_sample(p, &ev->instance);
		break;
	case DPO_CMD_INSTANCE_EXIT_NTF:
	case DPO_CMD_INSTANCE_DEL_NTF:
		if (!strcmp(ev->instance.session, p->session))
			on_gone(p, &ev->instance);
		break;
	case DPO_CMD_OWNER_SET_NTF:
		if (!strcmp(ev->session.name, p->session))
			on_owner(p, &ev->session);
		break;
	case DPO_CMD_SESSION_DEL_NTF:
		if (!strcmp(ev->session.name, p->session))
			p->session_gone = true;
		p->activity_ns = dpoctl_now_ns();
		break;
	case DPO_CMD_DRAIN_PROGRESS_NTF:
	case DPO_CMD_DRAIN_DONE_NTF:
		if (strcmp(ev->drain.session, p->session))
			break;
		p->drain = ev->drain;
		p->activity_ns = dpoctl_now_ns();
		p->drain_running = ev->cmd == DPO_CMD_DRAIN_PROGRESS_NTF;
		p->drain_done |= ev->cmd == DPO_CMD_DRAIN_DONE_NTF;
		break;
	default:
		break;
	}
	return 0;
}

int dpoctl_patch_init(struct dpoctl_patch *p, struct dpoctl_ctx *ctx,
		      const char *session)
{
	struct dpoctl_error err;
	sigset_t set;

	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	snprintf(p->session, sizeof(p->session), "%s", session);
	p->sig_fd = -1;
	p->orig.pidfd = p->patched.pidfd = -1;
	p->t0_ns = dpoctl_now_ns();
	p->phase_name = "baseline";
	dpoctl_patch_cfg_default(&p->cfg);
	p->pairing = calloc(1, sizeof(*p->pairing));
	if (!p->pairing) {
		dpoctl_err("%s: %s", ctx->what, strerror(ENOMEM));
		return -1;
	}
	dpoctl_pairing_init(p->pairing, session);
	if (dpoctl_open(ctx, &p->req))
		return -1;
	p->req_open = true;
	/*
	 * Samples (of every session on the host) and events on sockets of
	 * their own: a burst of samples cannot crowd out an owner change.
	 */
	if (dpoctl_open(ctx, &p->ntf))
		return -1;
	p->ntf_open = true;
	if (dpoctl_open(ctx, &p->evt))
		return -1;
	p->evt_open = true;
	if (dpoctl_subscribe(&p->ntf, DPOCTL_GROUP_SAMPLES, on_event, p, &err) ||
	    dpoctl_subscribe(&p->evt, DPOCTL_GROUP_EVENTS, on_event, p, &err)) {
		dpoctl_perror(ctx->what, &err);
		return -1;
	}
	/* a reader of our JSON lines that went away is a write error, not death */
	signal(SIGPIPE, SIG_IGN);
	/* signals become events; the child unblocks them before exec */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	p->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p->sig_fd < 0) {
		dpoctl_err("%s: signalfd: %s", ctx->what, strerror(errno));
		return -1;
	}
	return 0;
}

void dpoctl_patch_fini(struct dpoctl_patch *p)
{
	if (p->orig.pidfd >= 0)
		close(p->orig.pidfd);
	if (p->patched.pidfd >= 0)
		close(p->patched.pidfd);
	if (p->sig_fd >= 0)
		close(p->sig_fd);
	if (p->ntf_open)
		dpoctl_client_close(&p->ntf);
	if (p->evt_open)
		dpoctl_client_close(&p->evt);
	if (p->req_open)
		dpoctl_client_close(&p->req);
	dpoctl_engine_free(p->e);
	free(p->pairing);
}

int dpoctl_patch_watch(struct dpoctl_patch *p, struct dpoctl_proc *proc,
		       uint32_t pid, bool child)
{
	proc->pid = pid;
	proc->child = child;
	proc->pidfd = dpoctl_pidfd_open((pid_t)pid);
	if (proc->pidfd < 0) {
		if (errno == ESRCH) {
			proc->exited = true;
			return 0;
		}
		dpoctl_err("%s: pidfd_open(%u): %s", p->ctx->what, pid,
			   dpoctl_sys_strerror(errno, "5.3"));
		return -1;
	}
	return 0;
}

void dpoctl_patch_unexpect_owner(struct dpoctl_patch *p)
{
	if (p->nowner_q)
		p->nowner_q--;
}

void dpoctl_patch_expect_owner(struct dpoctl_patch *p, uint8_t owner)
{
	if (p->nowner_q == DPOCTL_OWNER_QUEUE) {
		p->nowner_q--;
		memmove(p->owner_q, p->owner_q + 1, (size_t)p->nowner_q);
	}
	p->owner_q[p->nowner_q++] = owner;
}

static void proc_exited(struct dpoctl_proc *proc)
{
	proc->exited = true;
	close(proc->pidfd);
	proc->pidfd = -1;
	if (proc->child && waitpid((pid_t)proc->pid, &proc->wstatus, 0) < 0)
		proc->child = false;
}

static void on_signal(struct dpoctl_patch *p)
{
	/* the first one decides; later ones only hear where things stand */
	if (p->signalled && p->action && !p->signal_told) {
		dpoctl_err("%s: already %s; SIGKILL abandons it (the module's fail-safe then serves the original, dpoctl rollback finishes)",
			   p->ctx->what, p->action == DPOCTL_A_PROMOTE ?
			   "promoting" : "rolling back");
		p->signal_told = true;
	}
	p->signalled = true;
}

/* What the module says now, after events were lost. */
static void resync(struct dpoctl_patch *p)
{
	struct dpoctl_session s;
	struct dpoctl_error err;

	if (dpoctl_session_get(&p->req, p->session, &s, &err)) {
		p->session_gone |= err.err == ENOENT;
		return;
	}
	if (s.owner != p->owner)
		on_owner(p, &s);
}

static int receive(struct dpoctl_patch *p, struct dpoctl_client *c,
		   bool events)
{
	struct dpoctl_error err;
	int ret = dpoctl_receive(c, &err);

	if (ret == -ENOBUFS) {
		dpoctl_err("%s: %s lost (receive queue full)%s", p->ctx->what,
			   events ? "events" : "samples",
			   events ? ": asking the module where things stand" :
			   "");
		/* samples' counters are cumulative: the next one spans it */
		if (events)
			resync(p);
		return 0;
	}
	if (ret < 0)
		dpoctl_perror(p->ctx->what, &err);
	return ret < 0 ? ret : 0;
}

int dpoctl_patch_wait(struct dpoctl_patch *p,
		      bool (*done)(const struct dpoctl_patch *p),
		      uint64_t deadline_ns)
{
	struct dpoctl_proc *procs[2] = { &p->orig, &p->patched };
	struct signalfd_siginfo si;
	struct pollfd pfd[5];
	uint64_t now, until;
	int n, i, ret, timeout;

	for (;;) {
		if (done && done(p))
			return 0;
		now = dpoctl_now_ns();
		if (now >= p->next_tick_ns) {
			dpoctl_patch_tick(p);
			p->next_tick_ns = now + TICK_NS;
		}
		if (deadline_ns && now >= deadline_ns)
			return -ETIMEDOUT;
		until = p->next_tick_ns;
		if (deadline_ns && deadline_ns < until)
			until = deadline_ns;
		timeout = (int)((until - now + 999999) / 1000000);
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = dpoctl_client_fd(&p->ntf),
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = p->sig_fd, .events = POLLIN };
		for (i = 0; i < 2; i++)
			pfd[n++] = (struct pollfd){ .fd = procs[i]->pidfd,
						    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = dpoctl_client_fd(&p->evt),
					    .events = POLLIN };
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			dpoctl_err("%s: poll: %s", p->ctx->what, strerror(errno));
			return -errno;
		}
		if (pfd[1].revents & POLLIN) {
			while (read(p->sig_fd, &si, sizeof(si)) == sizeof(si))
				on_signal(p);
		}
		/* exits first: the module's fail-safe that follows is not an operator */
		for (i = 0; i < 2; i++)
			if (pfd[2 + i].revents & (POLLIN | POLLHUP))
				proc_exited(procs[i]);
		if ((pfd[4].revents & POLLIN) && (ret = receive(p, &p->evt, true)))
			return ret;
		if ((pfd[0].revents & POLLIN) && (ret = receive(p, &p->ntf, false)))
			return ret;
	}
}

void dpoctl_patch_sleep(struct dpoctl_patch *p, uint64_t ms)
{
	dpoctl_patch_wait(p, NULL, dpoctl_now_ns() + ms * 1000000ULL);
}
