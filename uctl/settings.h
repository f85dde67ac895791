/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_SETTINGS_H
#define DPOCTL_SETTINGS_H

#include "config.h"
#include "dpoctl.h"

#define DPOCTL_MAX_OVERRIDES	64

/*
 * The settings options analyze and patch share: --config FILE, --set
 * S.K=V and the shorthands (--alpha, --duration, --baseline,
 * --promote-after), kept in order and applied after the file.
 */
struct dpoctl_override {
	const char *flag;	/* "--set", "--alpha", ... */
	const char *arg;	/* as given */
	const char *section, *key, *value;	/* NULL section: --set */
};

struct dpoctl_settings {
	const char *config;
	int noverrides;
	struct dpoctl_override o[DPOCTL_MAX_OVERRIDES];
};

/*
 * "--flag VALUE" or "--flag=VALUE" at argv[*i]: 1 with *@v (and *@i past
 * it), 0 when argv[*i] is not @flag, -1 after a usage error (no value).
 */
int dpoctl_opt_value(struct dpoctl_ctx *ctx, int argc, char **argv, int *i,
		     const char *flag, const char **v);

/* One of the settings options at argv[*i]: 1 taken, 0 not ours, -1 usage */
int dpoctl_settings_option(struct dpoctl_ctx *ctx, int argc, char **argv,
			   int *i, struct dpoctl_settings *s);

/*
 * The defaults, the file, the overrides in order, then the checks across
 * them: 0, or -1 with the error printed. @patch may be NULL.
 */
int dpoctl_settings_load(struct dpoctl_ctx *ctx, const struct dpoctl_settings *s,
			 struct dpoctl_engine_cfg *cfg,
			 struct dpoctl_patch_cfg *patch);

/* The options' help lines, for a command's usage. */
#define DPOCTL_SETTINGS_HELP \
	"[--config FILE] [--set S.K=V]... [--alpha A] [--duration S] [--baseline S] [--promote-after S]"

#endif
