/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dpoctl patch's state as a Prometheus text file, for node_exporter's
 * textfile collector (name it *.prom in the collector's directory).
 */
#ifndef DPOCTL_METRICS_FILE_H
#define DPOCTL_METRICS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"

struct dpoctl_patch_status {
	const char *session;
	const char *phase;	/* "baseline", "observe", "rollback", "promote", "done" */
	uint8_t owner;		/* enum dpo_owner (linux/dpo.h) */
	uint8_t canary_pct;
	enum dpoctl_verdict verdict;
	uint32_t orig_pid, patched_pid;	/* 0: none */
	double elapsed_s;	/* since the start of the patch */
	uint64_t requests_original, requests_patched;	/* since the start */
	/*
	 * The engine's: its settings (NULL: the predictive test's and the
	 * score's thresholds are left out) and the time of its last step
	 * (for how long a metric has been beyond its thresholds).
	 */
	const struct dpoctl_engine_cfg *cfg;
	uint64_t now_ns;
};

/*
 * Writes @path atomically: @path.tmp.PID in the same directory, renamed
 * over it. 0, or -errno with the reason in @why (-EINVAL: an unknown
 * phase). @e may be NULL: no metric state yet.
 */
int dpoctl_metrics_file_write(const char *path,
			      const struct dpoctl_patch_status *st,
			      const struct dpoctl_engine *e, char *why,
			      size_t len);

#endif
