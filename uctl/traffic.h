/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_TRAFFIC_H
#define DPOCTL_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include "msg.h"

/*
 * The rows of what connections do: registry entries, drains, and the
 * traffic part of a sample. Printers only (print.h), so that the tests
 * check them on decoded fake messages.
 */

/* One row of conn list; ages are taken against @now_ns (CLOCK_MONOTONIC). */
void dpoctl_print_conn(const struct dpoctl_conn *c, uint64_t now_ns);
/* One row of drain: @event is "start" (the reply), "progress" or "done". */
void dpoctl_print_drain(const char *event, const struct dpoctl_drain *d);
/*
 * The traffic members of a sample's "stats" object, null when the module
 * did not send them; with @text also the instance show columns.
 */
void dpoctl_print_traffic(const struct dpoctl_instance *in, bool text);

/* CLOCK_MONOTONIC now, the clock of the module's timestamps */
uint64_t dpoctl_now_ns(void);

#endif
