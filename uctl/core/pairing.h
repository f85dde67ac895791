/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_CORE_PAIRING_H
#define DPOCTL_CORE_PAIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/interval.h"

/*
 * The engine's steps from a session's samples, one at a time, in the order
 * they arrive (live from the multicast group, or replayed from a
 * recording). Pure: no clock, no I/O; the same samples in the same order
 * give the same steps.
 *
 * Per role (original, patched) the last sample of one instance is kept;
 * a sample of another pid, or of the same pid with another start time,
 * starts that role over (a new patched instance after a rollback, a reused
 * pid): its first sample bounds no interval. Samples of other sessions are
 * ignored. One instance per role: two patched instances sampled in turn
 * keep starting each other over, and give no intervals.
 *
 * One step per original interval (the original's sample ends it), at the
 * original's sample time, with the patched interval paired to it or none.
 * The module samples a session's instances in the same timer tick, so the
 * two intervals of a tick end close together, in either order. The rule:
 *
 *  - the window of an original interval ending at T is T +- half its
 *    length (both ends included);
 *  - when an original interval ends and patched intervals that end in its
 *    window were received, it is paired at once with the one ending
 *    closest to T (on a tie, the earlier one);
 *  - otherwise, when the patched instance's last sample is older than the
 *    window (its sample of this tick may still come), the step waits: the
 *    next patched interval pairs with it if it ends in the window; the
 *    step goes without a patched interval when that one ends after the
 *    window, when the next original sample comes, when either instance is
 *    forgotten (exit) or at dpoctl_pairing_flush();
 *  - otherwise (no patched instance, or it has no interval that can end
 *    in the window) the step goes at once without a patched interval.
 *
 * A patched interval pairs with one original interval at most; those that
 * end before the window of the latest original interval are dropped (a
 * missed original sample, or a patched instance sampled more often).
 * Steps come out in time order, each at most one original sample late.
 */
struct dpoctl_step {
	uint64_t now_ns;		/* the original's sample time */
	struct dpoctl_interval orig;
	bool has_patched;
	struct dpoctl_interval patched;
	uint64_t patched_ns;		/* the end of the patched interval */
	/* what orig.lat_hist and patched.lat_hist point at */
	struct dpoctl_lat_bucket orig_hist[DPO_LAT_BUCKETS];
	struct dpoctl_lat_bucket patched_hist[DPO_LAT_BUCKETS];
};

/* The most steps one call returns. */
#define DPOCTL_PAIRING_MAX_STEPS	2
#define DPOCTL_PAIRING_QUEUE		4

struct dpoctl_pairing {
	char session[DPO_SESSION_NAME_MAX];
	struct dpoctl_pairing_role {
		bool valid;	/* @prev holds the last sample of @pid */
		uint32_t pid;
		uint64_t start_time_ns;
		struct dpoctl_stats prev;
	} role[2];		/* original, patched */
	bool pending;		/* @step waits for its patched interval */
	struct dpoctl_step step;
	uint64_t half_ns;	/* half the pending original interval */
	size_t nq;		/* patched intervals not paired yet, oldest first */
	struct dpoctl_pairing_entry {
		uint64_t end_ns;
		struct dpoctl_interval iv;
		struct dpoctl_lat_bucket hist[DPO_LAT_BUCKETS];
	} q[DPOCTL_PAIRING_QUEUE];
};

/* Pairs the samples of session @session (1 to DPO_SESSION_NAME_MAX - 1 bytes). */
void dpoctl_pairing_init(struct dpoctl_pairing *p, const char *session);

/*
 * One sample (@in->has_stats; instances without are ignored): the number of
 * steps it completed, written to @out (at most DPOCTL_PAIRING_MAX_STEPS,
 * oldest first), or -EINVAL (a role other than original or patched, or a
 * sample that does not follow the instance's previous one) or -ERANGE (a
 * counter went back), see dpoctl_interval_from_stats(); on error nothing
 * changed.
 */
int dpoctl_pairing_add(struct dpoctl_pairing *p, const struct dpoctl_instance *in,
		       struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS]);

/*
 * The instance @in (pid and start time) is gone (exit, removed): its role
 * starts over, and a step waiting for it goes. Steps written to @out: 0 or 1.
 */
int dpoctl_pairing_forget(struct dpoctl_pairing *p,
			  const struct dpoctl_instance *in,
			  struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS]);

/* No more samples: the waiting step, if any (0 or 1). */
int dpoctl_pairing_flush(struct dpoctl_pairing *p,
			 struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS]);

#endif
