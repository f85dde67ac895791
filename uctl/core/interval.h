/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_CORE_INTERVAL_H
#define DPOCTL_CORE_INTERVAL_H

#include "model.h"
#include "core/engine.h"

/*
 * The engine's interval of one process from two of its samples: 0 and
 * @out filled, -EINVAL when @cur does not follow @prev (seq and time must
 * both advance), -ERANGE when a counter went back (CPU, run delay, faults,
 * connections accepted, requests; they never do for one process).
 *
 * Traffic counters the module did not send (older modules, or a sample
 * without a listener) count as none: no requests, no connections. The
 * latencies are the module's of the interval ending at @cur: has_lat when
 * @cur has all three and requests completed in the interval; then its
 * histogram's non-empty buckets go to @hist (may be NULL: none), which
 * out->lat_hist points at.
 */
int dpoctl_interval_from_stats(const struct dpoctl_stats *prev,
			       const struct dpoctl_stats *cur,
			       struct dpoctl_interval *out,
			       struct dpoctl_lat_bucket hist[DPO_LAT_BUCKETS]);

#endif
