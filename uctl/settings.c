// SPDX-License-Identifier: GPL-2.0
/* The engine's settings on the command line: analyze and patch share them. */
#include <string.h>

#include "settings.h"

static const struct shorthand {
	const char *flag, *section, *key;
} shorthands[] = {
	{ "--alpha", "predictive", "alpha" },
	{ "--duration", "rule", "duration_s" },
	{ "--baseline", "baseline", "window_s" },
	{ "--promote-after", "promote", "after_s" },
};

#define NSHORTHANDS (sizeof(shorthands) / sizeof(shorthands[0]))

int dpoctl_opt_value(struct dpoctl_ctx *ctx, int argc, char **argv, int *i,
		     const char *flag, const char **v)
{
	size_t n = strlen(flag);
	const char *a = argv[*i];

	if (strncmp(a, flag, n))
		return 0;
	if (a[n] == '=') {
		*v = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc) {
		dpoctl_usage(ctx, "missing value after %s", flag);
		return -1;
	}
	*v = argv[++*i];
	return 1;
}

static int add_override(struct dpoctl_ctx *ctx, struct dpoctl_settings *s,
			const char *flag, const char *arg,
			const struct shorthand *sh)
{
	struct dpoctl_override *o;

	if (s->noverrides == DPOCTL_MAX_OVERRIDES) {
		dpoctl_usage(ctx, "more than %d settings", DPOCTL_MAX_OVERRIDES);
		return -1;
	}
	o = &s->o[s->noverrides++];
	*o = (struct dpoctl_override){ .flag = flag, .arg = arg };
	if (sh) {
		o->section = sh->section;
		o->key = sh->key;
		o->value = arg;
	}
	return 0;
}

int dpoctl_settings_option(struct dpoctl_ctx *ctx, int argc, char **argv,
			   int *i, struct dpoctl_settings *s)
{
	const char *v;
	size_t k;
	int r;

	r = dpoctl_opt_value(ctx, argc, argv, i, "--config", &v);
	if (r > 0 && s->config) {
		dpoctl_usage(ctx, "--config given twice");
		return -1;
	}
	if (r > 0)
		s->config = v;
	if (r)
		return r;
	r = dpoctl_opt_value(ctx, argc, argv, i, "--set", &v);
	if (r > 0 && add_override(ctx, s, "--set", v, NULL))
		return -1;
	if (r)
		return r;
	for (k = 0; k < NSHORTHANDS; k++) {
		r = dpoctl_opt_value(ctx, argc, argv, i, shorthands[k].flag, &v);
		if (r > 0 && add_override(ctx, s, shorthands[k].flag, v,
					  &shorthands[k]))
			return -1;
		if (r)
			return r;
	}
	return 0;
}

int dpoctl_settings_load(struct dpoctl_ctx *ctx, const struct dpoctl_settings *s,
			 struct dpoctl_engine_cfg *cfg,
			 struct dpoctl_patch_cfg *patch)
{
	char err[320];
	int i, ret;

	dpoctl_engine_cfg_default(cfg);
	if (patch)
		dpoctl_patch_cfg_default(patch);
	if (s->config &&
	    dpoctl_config_load(cfg, patch, s->config, err, sizeof(err))) {
		dpoctl_err("%s: %s", ctx->what, err);
		return -1;
	}
	for (i = 0; i < s->noverrides; i++) {
		const struct dpoctl_override *o = &s->o[i];

		ret = o->section ?
			dpoctl_config_apply(cfg, patch, o->section, o->key,
					    o->value, err, sizeof(err)) :
			dpoctl_config_set(cfg, patch, o->arg, err, sizeof(err));
		if (ret) {
			dpoctl_err("%s: %s %s: %s", ctx->what, o->flag, o->arg,
				   err);
			return -1;
		}
	}
	if (dpoctl_engine_cfg_check(cfg, err, sizeof(err))) {
		dpoctl_err("%s: bad settings: %s", ctx->what, err);
		return -1;
	}
	return 0;
}
