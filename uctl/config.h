/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_CONFIG_H
#define DPOCTL_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/dpo.h>

#include "core/interval.h"	/* engine.h, beside model.h */

#define DPOCTL_RAMP_MAX	8

/* dpoctl patch's own settings: the [patch] section. */
struct dpoctl_patch_cfg {
	uint8_t owner;		/* exposure: DPO_OWNER_BOTH, _PATCHED, _CANARY */
	uint32_t nsteps;	/* canary: the ramp's percentages, increasing */
	uint8_t ramp[DPOCTL_RAMP_MAX];
	double step_s;		/* each canary step held this long, calm */
	double drain_deadline_s;	/* phase 2: then the rest are reset */
	/* phase 2: close a connection only after a write ending with these */
	uint8_t drain_idle_mark[DPO_DRAIN_IDLE_MARK_MAX];
	uint8_t drain_idle_mark_len;	/* 0: no mark */
	uint32_t drain_min_requests;	/* phase 2: not before so many answers */
	double stop_grace_s;	/* phase 3: SIGTERM, this long, SIGKILL */
	double keep_original_s;	/* promotion: the original kept idle */
};

void dpoctl_patch_cfg_default(struct dpoctl_patch_cfg *p);
/* "both", "patched" or "canary:P1,P2,..." into @p: 0 or -EINVAL */
int dpoctl_parse_exposure(const char *s, struct dpoctl_patch_cfg *p);
void dpoctl_exposure_str(const struct dpoctl_patch_cfg *p, char *buf,
			 size_t len);

/*
 * The engine's settings, and dpoctl patch's, from an INI file and the
 * command line.
 *
 *   [baseline]   window_s, min_samples
 *   [rule]       smooth_s, duration_s
 *   [severity]   threshold, duration_s
 *   [predictive] alpha
 *   [promote]    after_s, tolerance_pct, alpha, min_s
 *   [METRIC]     enabled, sequential, deviation_pct, floor, weight
 *                (one section per dpoctl_metric_name(): lat_p99, ...)
 *   [patch]      exposure, step_s, drain_deadline_s, drain_idle_mark,
 *                stop_grace_s, keep_original_s (into @patch; NULL:
 *                checked, not kept)
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
int dpoctl_config_load(struct dpoctl_engine_cfg *cfg,
		       struct dpoctl_patch_cfg *patch, const char *path,
		       char *err, size_t len);

/* One "section.key=value" (--set): 0, or -EINVAL with the reason in @err. */
int dpoctl_config_set(struct dpoctl_engine_cfg *cfg,
		      struct dpoctl_patch_cfg *patch, const char *assignment,
		      char *err, size_t len);

/* One setting by name: 0, or -EINVAL with "section.key: reason" in @err. */
int dpoctl_config_apply(struct dpoctl_engine_cfg *cfg,
			struct dpoctl_patch_cfg *patch, const char *section,
			const char *key, const char *value, char *err,
			size_t len);

/* As a file dpoctl_config_load() reads back to the same settings (@patch NULL: no [patch]). */
void dpoctl_config_write(FILE *f, const struct dpoctl_engine_cfg *cfg,
			 const struct dpoctl_patch_cfg *patch);

#endif
