/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_PATCH_H
#define DPOCTL_PATCH_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "config.h"
#include "core/pairing.h"
#include "dpoctl.h"

/*
 * One patch of a session, from dpoctl patch or dpoctl rollback/promote:
 * what dpoctl knows of the session, its two processes and the module's
 * events, and the phases that end it. One thread: the event loop
 * (patch_loop.c) runs inside each wait.
 */

/* dpoctl patch's exit status (dpoctl.h's 0, 1, 2, 3 included) */
enum {
	DPOCTL_EXIT_ABORTED = 4,	/* an operator: rollback, or a signal */
	DPOCTL_EXIT_PATCHED_DIED = 5,
	DPOCTL_EXIT_ORIGINAL_DIED = 6,
	DPOCTL_EXIT_INCOMPLETE = 7,	/* a phase failed: see the error events */
};

/* Why the patch ends the way it does. */
enum dpoctl_trigger {
	DPOCTL_T_NONE,
	DPOCTL_T_ENGINE,	/* the engine's verdict: see its reason */
	DPOCTL_T_PATCHED_DIED,
	DPOCTL_T_ORIGINAL_DIED,
	DPOCTL_T_OPERATOR,	/* dpoctl rollback/promote elsewhere */
	DPOCTL_T_SIGNAL,	/* SIGINT or SIGTERM to dpoctl patch */
	DPOCTL_T_ERROR,		/* dpoctl could not go on observing */
};

enum dpoctl_action { DPOCTL_A_NONE, DPOCTL_A_ROLLBACK, DPOCTL_A_PROMOTE };

struct dpoctl_proc {
	uint32_t pid;
	int pidfd;		/* -1: none (not known, or closed) */
	bool child;		/* ours to reap */
	bool exited;
	int wstatus;		/* waitpid()'s, when child and exited */
	bool has_exit_code;	/* the module's INSTANCE_EXIT_NTF */
	uint32_t exit_code;
	uint64_t requests;	/* served, as of its last sample */
	bool has_stats;
	struct dpoctl_stats last;	/* its last sample */
};

enum { DPOCTL_PHASE_SWITCH, DPOCTL_PHASE_DRAIN, DPOCTL_PHASE_STOP,
       DPOCTL_PHASE_END, DPOCTL_NPHASES };

struct dpoctl_phase_rec {
	bool ran;
	bool failed;
	uint64_t start_ns, end_ns;
};

#define DPOCTL_OWNER_QUEUE	8

struct dpoctl_patch_log;

struct dpoctl_patch {
	struct dpoctl_ctx *ctx;
	char session[DPO_SESSION_NAME_MAX];
	struct dpoctl_patch_cfg cfg;
	struct dpoctl_client req;	/* requests; its socket holds the claim */
	struct dpoctl_client ntf;	/* samples */
	struct dpoctl_client evt;	/* events */
	bool req_open, ntf_open, evt_open;
	bool claimed;			/* @req is the session's controller */
	bool created;			/* the session is ours to remove */
	int sig_fd;			/* signalfd of SIGINT and SIGTERM */
	struct dpoctl_proc orig, patched;

	/* owner changes asked for and not yet seen notified, oldest first */
	uint8_t owner_q[DPOCTL_OWNER_QUEUE];
	int nowner_q;
	uint8_t owner;			/* as last notified (or set) */
	uint8_t canary_pct;
	enum dpoctl_action operator;	/* an owner change that was not ours */
	bool signalled;
	bool signal_told;		/* "already rolling back" said */
	uint64_t activity_ns;		/* the session's last event */
	bool session_gone;
	bool drain_running;
	bool drain_done;
	struct dpoctl_drain drain;	/* the last drain notification */

	/* the engine, fed while @judging */
	bool judging;
	struct dpoctl_engine_cfg ecfg;
	struct dpoctl_engine *e;
	struct dpoctl_pairing *pairing;
	enum dpoctl_verdict verdict;

	/* output */
	struct dpoctl_patch_log *log;	/* --log, or stdout's JSON lines */
	struct dpoctl_patch_log *out;	/* stdout's JSON lines beside --log */
	bool view;			/* the live view on a terminal */
	bool text;			/* then the events as lines on it */
	bool log_intervals;		/* an "interval" event per step */
	const char *metrics_path;
	bool metrics_failed;		/* reported; again once it works */
	uint64_t t0_ns;			/* the start */
	uint64_t exposed_ns;		/* the patched instance took traffic */
	uint64_t ready_after_ns;	/* the baseline's window is full */
	uint64_t decision_ns;
	uint64_t next_tick_ns;		/* the view and the metrics file */
	const char *phase_name;		/* "baseline", "observe", ... */

	/* the end */
	enum dpoctl_action action;
	enum dpoctl_trigger trigger;
	struct dpoctl_phase_rec phase[DPOCTL_NPHASES];
	uint32_t drained, reset, conns_left;
	bool failed;			/* a phase failed: see the error events */
};

/* patch_loop.c */
int dpoctl_patch_init(struct dpoctl_patch *p, struct dpoctl_ctx *ctx,
		      const char *session);
void dpoctl_patch_fini(struct dpoctl_patch *p);
/* Watches @pid's exit through a pidfd (@child: reap it too). */
int dpoctl_patch_watch(struct dpoctl_patch *p, struct dpoctl_proc *proc,
		       uint32_t pid, bool child);
/* An owner change of ours is coming: not an operator's. */
void dpoctl_patch_expect_owner(struct dpoctl_patch *p, uint8_t owner);
/* ... it is not: the request failed */
void dpoctl_patch_unexpect_owner(struct dpoctl_patch *p);
/*
 * Runs the event loop until @done(p) or CLOCK_MONOTONIC @deadline_ns (0:
 * none): 0, -ETIMEDOUT, or -errno of the notification socket (printed).
 */
int dpoctl_patch_wait(struct dpoctl_patch *p,
		      bool (*done)(const struct dpoctl_patch *p),
		      uint64_t deadline_ns);
/* Sleeps @ms in the event loop (signals noted, not acted on). */
void dpoctl_patch_sleep(struct dpoctl_patch *p, uint64_t ms);

/* patch_events.c: the event log (takes @ev) */
void dpoctl_patch_event(struct dpoctl_patch *p, json_object *ev, int prio,
			bool alert);
json_object *dpoctl_patch_ev(const char *name);
/* an error event: what failed, what was done, what the operator must do */
void dpoctl_patch_error(struct dpoctl_patch *p, const char *todo,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));
json_object *dpoctl_decision_json(const struct dpoctl_engine *e);
void dpoctl_patch_tick(struct dpoctl_patch *p);	/* view, metrics file */
void dpoctl_patch_interval_event(struct dpoctl_patch *p);

/* patch_phases.c: 0, or -1 when a phase failed (reported) */
int dpoctl_patch_rollback(struct dpoctl_patch *p);
int dpoctl_patch_promote(struct dpoctl_patch *p);
/* An operator's action seen: wait for it to end, finish it if it stalls. */
int dpoctl_patch_follow(struct dpoctl_patch *p, enum dpoctl_action a);
void dpoctl_patch_summary(struct dpoctl_patch *p, int exit_code);
const char *dpoctl_trigger_name(const struct dpoctl_patch *p);

/* patch_view.c: the live view of a terminal */
void dpoctl_patch_view(const struct dpoctl_patch *p);

#endif
