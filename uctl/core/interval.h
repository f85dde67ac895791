/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_CORE_INTERVAL_H
#define DPOCTL_CORE_INTERVAL_H

#include "model.h"
/*
 * engine.h and model.h both define a struct dpoctl_event (the engine's
 * state changes, the module's notifications). Until engine.h renames its
 * own, it is struct dpoctl_engine_event wherever both are included: here,
 * and in the files that include this header instead of engine.h.
 */
#define dpoctl_event dpoctl_engine_event
#include "core/engine.h"
#undef dpoctl_event

/*
 * The engine's interval of one process from two of its samples: 0 and
 * @out filled, -EINVAL when @cur does not follow @prev (seq and time must
 * both advance), -ERANGE when a counter went back (CPU, run delay, faults,
 * connections accepted, requests; they never do for one process).
 *
 * Traffic counters the module did not send (older modules, or a sample
 * without a listener) count as none: no requests, no connections. The
 * latencies are the module's of the interval ending at @cur: has_lat when
 * @cur has all three and requests completed in the interval.
 */
int dpoctl_interval_from_stats(const struct dpoctl_stats *prev,
			       const struct dpoctl_stats *cur,
			       struct dpoctl_interval *out);

#endif
