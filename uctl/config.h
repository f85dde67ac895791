/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_CONFIG_H
#define DPOCTL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "core/interval.h"	/* engine.h, beside model.h */

/*
 * The engine's settings from an INI file and the command line.
 *
 *   [baseline]   window_s, min_samples
 *   [rule]       smooth_s, duration_s
 *   [severity]   threshold, duration_s
 *   [predictive] alpha
 *   [promote]    after_s, tolerance_pct, alpha, min_s
 *   [METRIC]     enabled, sequential, deviation_pct, floor, weight
 *                (one section per dpoctl_metric_name(): lat_p99, ...)
 *
 * Every value is checked on its own (a whole number, in range; booleans
 * yes/no/true/false/1/0); unknown sections and keys, keys outside a
 * section and keys given twice in a file are refused. Settings the file
 * leaves out keep the value @cfg had (the defaults, normally). The checks
 * across settings are dpoctl_engine_cfg_check()'s, once everything is in.
 *
 * Errors: -EINVAL with the reason in @err: "FILE:LINE: section.key: ..."
 * for a file; -errno when the file cannot be read ("FILE: reason").
 */
int dpoctl_config_load(struct dpoctl_engine_cfg *cfg, const char *path,
		       char *err, size_t len);

/* One "section.key=value" (--set): 0, or -EINVAL with the reason in @err. */
int dpoctl_config_set(struct dpoctl_engine_cfg *cfg, const char *assignment,
		      char *err, size_t len);

/* One setting by name: 0, or -EINVAL with "section.key: reason" in @err. */
int dpoctl_config_apply(struct dpoctl_engine_cfg *cfg, const char *section,
			const char *key, const char *value, char *err,
			size_t len);

/* @cfg as a file dpoctl_config_load() reads back to the same settings. */
void dpoctl_config_write(FILE *f, const struct dpoctl_engine_cfg *cfg);

#endif
