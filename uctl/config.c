// SPDX-License-Identifier: GPL-2.0
/* The engine's settings: an INI file (libinih), then --set overrides. */
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/dpo.h>

#include "config.h"
#include "parse.h"

#define HOUR_S	3600.0
#define DAY_S	86400.0

enum type { T_SECONDS, T_NUMBER, T_U32, T_BOOL, T_EXPOSURE, T_IDLE_MARK };

/* Where keys go: the engine's settings, a metric's, or dpoctl patch's. */
enum base { B_ENGINE, B_METRIC, B_PATCH };

/* One key: where it goes, its type and range. */
struct key {
	const char *section;	/* NULL: every metric's section */
	const char *name;
	enum type type;
	enum base base;
	size_t off;		/* in the cfg, or in its metric's cfg */
	double min, max;
	bool min_open;		/* > min rather than >= */
	bool max_open;		/* < max rather than <= */
};

#define G(f) B_ENGINE, offsetof(struct dpoctl_engine_cfg, f)
#define M(f) B_METRIC, offsetof(struct dpoctl_metric_cfg, f)
#define P(f) B_PATCH, offsetof(struct dpoctl_patch_cfg, f)

/* The ranges are dpoctl_engine_cfg_check()'s, for messages naming the line. */
static const struct key keys[] = {
	{ "baseline", "window_s", T_SECONDS, G(baseline_s), 0, HOUR_S, true, false },
	{ "baseline", "min_samples", T_U32, G(baseline_min), 2, 100000, false, false },
	{ "rule", "smooth_s", T_SECONDS, G(smooth_s), 0, HOUR_S, false, false },
	{ "rule", "duration_s", T_SECONDS, G(duration_s), 0, HOUR_S, true, false },
	{ "severity", "threshold", T_NUMBER, G(severity), 0, 1000, false, false },
	{ "severity", "duration_s", T_SECONDS, G(severity_s), 0, HOUR_S, true, false },
	{ "predictive", "alpha", T_NUMBER, G(alpha), 0, 0.5, false, true },
	{ "predictive", "block_s", T_SECONDS, G(block_s), 0, 60, false, false },
	{ "promote", "after_s", T_SECONDS, G(promote_s), 0, DAY_S, true, false },
	{ "promote", "tolerance_pct", T_NUMBER, G(promote_tol_pct), 0, 100, false, true },
	{ "promote", "alpha", T_NUMBER, G(promote_alpha), 0, 0.5, false, true },
	{ "promote", "min_s", T_SECONDS, G(promote_min_s), 0, DAY_S, false, false },
	{ "patch", "exposure", T_EXPOSURE, P(owner), 0, 0, false, false },
	{ "patch", "step_s", T_SECONDS, P(step_s), 0, DAY_S, true, false },
	{ "patch", "drain_deadline_s", T_SECONDS, P(drain_deadline_s), 0.001, HOUR_S, false, false },
	{ "patch", "drain_idle_mark", T_IDLE_MARK, P(drain_idle_mark), 0, 0, false, false },
	{ "patch", "drain_min_requests", T_U32, P(drain_min_requests), 0, DPO_DRAIN_MIN_REQUESTS_MAX, false, false },
	{ "patch", "stop_grace_s", T_SECONDS, P(stop_grace_s), 0, HOUR_S, false, false },
	{ "patch", "keep_original_s", T_SECONDS, P(keep_original_s), 0, DAY_S, false, false },
	{ NULL, "enabled", T_BOOL, M(enabled), 0, 0, false, false },
	{ NULL, "sequential", T_BOOL, M(sequential), 0, 0, false, false },
	{ NULL, "deviation_pct", T_NUMBER, M(deviation_pct), 0, 10000, false, true },
	{ NULL, "floor", T_NUMBER, M(floor), 0, 1e15, false, false },
	{ NULL, "weight", T_NUMBER, M(weight), 0, 100, false, false },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const sections[] = {
	"baseline", "rule", "severity", "predictive", "promote", "patch",
};

/* -1: not a section of ours; else the metric, or DPOCTL_M_COUNT for none */
static int section_metric(const char *section)
{
	size_t i;
	int m;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(section, sections[i]))
			return DPOCTL_M_COUNT;
	m = dpoctl_metric_by_name(section);
	return m >= 0 && m < DPOCTL_M_COUNT ? m : -1;
}

static const struct key *find_key(const char *section, int metric,
				  const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].name, name))
			continue;
		if (metric < DPOCTL_M_COUNT ? !keys[i].section :
		    keys[i].section && !strcmp(keys[i].section, section))
			return &keys[i];
	}
	return NULL;
}

/* A decimal number, the whole string: no hex, inf or nan, no spaces. */
static int parse_number(const char *s, double *v)
{
	char *end;

	if (!*s || strspn(s, "0123456789.eE+-") != strlen(s))
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (*end || errno || !isfinite(*v))
		return -EINVAL;
	return 0;
}

static int parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i])) {
			*v = !strcmp(s, yes[i]);
			return 0;
		}
	}
	return -EINVAL;
}

static const char *kind(enum type t)
{
	switch (t) {
	case T_SECONDS:
		return "seconds";
	case T_U32:
		return "a whole number";
	default:
		return "a number";
	}
}

/* "0 < x <= 86400" */
static void range_str(char *buf, size_t len, const struct key *k)
{
	snprintf(buf, len, "%g %s x %s %g", k->min, k->min_open ? "<" : "<=",
		 k->max_open ? "<" : "<=", k->max);
}

/* "both", "patched" or "canary:P1,P2,..." (each 1 to 99, increasing) */
int dpoctl_parse_exposure(const char *s, struct dpoctl_patch_cfg *p)
{
	const char *c = s + strlen("canary:");
	uint32_t n = 0, v, prev = 0;
	char buf[8];
	size_t w;

	if (!strcmp(s, "both") || !strcmp(s, "patched")) {
		p->owner = s[0] == 'b' ? DPO_OWNER_BOTH : DPO_OWNER_PATCHED;
		p->nsteps = 0;
		return 0;
	}
	if (strncmp(s, "canary:", strlen("canary:")))
		return -EINVAL;
	for (;;) {
		w = strcspn(c, ",");
		if (!w || w >= sizeof(buf) || n == DPOCTL_RAMP_MAX)
			return -EINVAL;
		memcpy(buf, c, w);
		buf[w] = '\0';
		if (dpoctl_parse_u32(buf, DPO_CANARY_PCT_MIN, DPO_CANARY_PCT_MAX,
				     &v) || v <= prev)
			return -EINVAL;
		p->ramp[n++] = (uint8_t)v;
		prev = v;
		if (!c[w])
			break;
		c += w + 1;
	}
	p->owner = DPO_OWNER_CANARY;
	p->nsteps = n;
	return 0;
}

void dpoctl_exposure_str(const struct dpoctl_patch_cfg *p, char *buf,
			 size_t len)
{
	size_t n;
	uint32_t i;

	if (p->owner != DPO_OWNER_CANARY) {
		snprintf(buf, len, "%s", p->owner == DPO_OWNER_PATCHED ?
			 "patched" : "both");
		return;
	}
	n = (size_t)snprintf(buf, len, "canary:");
	for (i = 0; i < p->nsteps && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u", i ? "," : "",
				      p->ramp[i]);
}

void dpoctl_patch_cfg_default(struct dpoctl_patch_cfg *p)
{
	*p = (struct dpoctl_patch_cfg){
		.owner = DPO_OWNER_BOTH,
		.step_s = 30,
		.drain_deadline_s = DPO_DRAIN_DEADLINE_MS_DEFAULT / 1000.0,
		.stop_grace_s = 10,
		.keep_original_s = 0,
	};
}

static int apply(struct dpoctl_engine_cfg *cfg, struct dpoctl_patch_cfg *patch,
		 const char *section, const char *name, const char *value,
		 char *err, size_t len)
{
	struct dpoctl_patch_cfg scratch;
	const struct key *k;
	char range[64];
	uint32_t u;
	double v;
	void *dst;
	bool b;
	int m;

	m = section_metric(section);
	if (m < 0) {
		snprintf(err, len, "unknown section [%s]", section);
		return -EINVAL;
	}
	k = find_key(section, m, name);
	if (!k) {
		snprintf(err, len, "unknown key %s.%s", section, name);
		return -EINVAL;
	}
	/* without @patch, [patch] is checked and left to dpoctl patch */
	if (!patch) {
		dpoctl_patch_cfg_default(&scratch);
		patch = &scratch;
	}
	dst = k->base == B_METRIC ? (char *)&cfg->m[m] + k->off :
	      k->base == B_PATCH ? (char *)patch + k->off :
	      (char *)cfg + k->off;
	range_str(range, sizeof(range), k);
	switch (k->type) {
	case T_EXPOSURE:
		if (dpoctl_parse_exposure(value, patch)) {
			snprintf(err, len, "%s.%s: bad value \"%s\" (both, patched or canary:P1,P2,... with percentages 1 to 99, increasing)",
				 section, name, value);
			return -EINVAL;
		}
		return 0;
	case T_IDLE_MARK:
		if (dpoctl_parse_idle_mark(value, patch->drain_idle_mark,
					   &patch->drain_idle_mark_len)) {
			snprintf(err, len, "%s.%s: bad value \"%s\" (2 to %d hex digits, an even number: 5a0000000549)",
				 section, name, value,
				 2 * DPO_DRAIN_IDLE_MARK_MAX);
			return -EINVAL;
		}
		return 0;
	case T_BOOL:
		if (parse_bool(value, &b)) {
			snprintf(err, len, "%s.%s: bad boolean \"%s\" (yes, no, true, false, 1 or 0)",
				 section, name, value);
			return -EINVAL;
		}
		*(bool *)dst = b;
		return 0;
	case T_U32:
		switch (dpoctl_parse_u32(value, (uint32_t)k->min,
					 (uint32_t)k->max, &u)) {
		case 0:
			*(uint32_t *)dst = u;
			return 0;
		case -ERANGE:
			goto out_of_range;
		default:
			goto bad;
		}
	default:
		if (parse_number(value, &v))
			goto bad;
		if (v < k->min || v > k->max || (k->min_open && v == k->min) ||
		    (k->max_open && v == k->max))
			goto out_of_range;
		*(double *)dst = v;
		return 0;
	}
bad:
	snprintf(err, len, "%s.%s: bad value \"%s\" (%s, %s)", section, name,
		 value, kind(k->type), range);
	return -EINVAL;
out_of_range:
	snprintf(err, len, "%s.%s: \"%s\" out of range (%s)", section, name,
		 value, range);
	return -EINVAL;
}

int dpoctl_config_apply(struct dpoctl_engine_cfg *cfg,
			struct dpoctl_patch_cfg *patch, const char *section,
			const char *key, const char *value, char *err,
			size_t len)
{
	return apply(cfg, patch, section, key, value, err, len);
}

int dpoctl_config_set(struct dpoctl_engine_cfg *cfg,
		      struct dpoctl_patch_cfg *patch, const char *assignment,
		      char *err, size_t len)
{
	char buf[256], *dot, *eq;

	if (strlen(assignment) >= sizeof(buf))
		goto bad;
	strcpy(buf, assignment);
	eq = strchr(buf, '=');
	dot = strchr(buf, '.');
	if (!eq || !dot || dot > eq || dot == buf || dot + 1 == eq)
		goto bad;
	*eq = '\0';
	*dot = '\0';
	return apply(cfg, patch, buf, dot + 1, eq + 1, err, len);
bad:
	snprintf(err, len, "want SECTION.KEY=VALUE");
	return -EINVAL;
}

/* ---- files ---- */

struct load {
	struct dpoctl_engine_cfg *cfg;
	struct dpoctl_patch_cfg *patch;
	FILE *f;
	int line;		/* of the text handed to inih last */
	bool partial;		/* the last fgets() ended inside a line */
	int err_line;		/* the first error's, 0: none */
	char err[200];
	/* the line each key was set on: [metric or DPOCTL_M_COUNT][key] */
	int seen[DPOCTL_M_COUNT + 1][NKEYS];
};

static void fail(struct load *l, const char *msg)
{
	if (l->err_line)
		return;
	l->err_line = l->line;
	snprintf(l->err, sizeof(l->err), "%s", msg);
}

/* fgets() for inih, counting lines; a line too long for it stops it. */
static char *reader(char *str, int num, void *stream)
{
	struct load *l = stream;
	char *s = fgets(str, num, l->f);
	size_t n;

	if (!s)
		return NULL;
	if (!l->partial)
		l->line++;
	n = strlen(s);
	l->partial = !n || s[n - 1] != '\n';
	if (l->partial && !feof(l->f)) {
		fail(l, "line too long");
		return NULL;
	}
	return s;
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct load *l = user;
	const struct key *k;
	char msg[200];
	int m;

	if (!section[0]) {
		snprintf(msg, sizeof(msg), "key \"%s\" outside a section", name);
		fail(l, msg);
		return 0;
	}
	m = section_metric(section);
	k = m < 0 ? NULL : find_key(section, m, name);
	if (k && l->seen[m][k - keys]) {
		snprintf(msg, sizeof(msg), "%s.%s given twice (first on line %d)",
			 section, name, l->seen[m][k - keys]);
		fail(l, msg);
		return 0;
	}
	if (apply(l->cfg, l->patch, section, name, value, msg, sizeof(msg))) {
		fail(l, msg);
		return 0;
	}
	l->seen[m][k - keys] = l->line;
	return 1;
}

int dpoctl_config_load(struct dpoctl_engine_cfg *cfg,
		       struct dpoctl_patch_cfg *patch, const char *path,
		       char *err, size_t len)
{
	struct load *l;
	int ret;

	l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(err, len, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	l->cfg = cfg;
	l->patch = patch;
	l->f = fopen(path, "r");
	if (!l->f) {
		ret = -errno;
		snprintf(err, len, "%s: %s", path, strerror(-ret));
		free(l);
		return ret;
	}
	ret = ini_parse_stream(reader, l, handler, l);
	if (ferror(l->f)) {
		snprintf(err, len, "%s: %s", path, strerror(EIO));
		ret = -EIO;
	} else if (ret > 0 && (!l->err_line || ret < l->err_line)) {
		/* inih's own: neither [section] nor key = value */
		snprintf(err, len, "%s:%d: syntax error (want [section] or key = value)",
			 path, ret);
		ret = -EINVAL;
	} else if (ret || l->err_line) {
		snprintf(err, len, "%s:%d: %s", path, l->err_line, l->err);
		ret = -EINVAL;
	}
	fclose(l->f);
	free(l);
	return ret;
}

/* The shortest text strtod() reads back to @v. */
static void write_number(FILE *f, double v)
{
	char buf[32];
	int prec;

	if (v == floor(v) && fabs(v) < 1e15) {
		fprintf(f, "%.0f", v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, v);
	fputs(buf, f);
}

static void write_key(FILE *f, const struct key *k, const void *base)
{
	const char *p = (const char *)base + k->off;
	const struct dpoctl_patch_cfg *pc = base;
	char buf[64];

	/* No mark is the key left out: an empty value is refused. */
	if (k->type == T_IDLE_MARK && !pc->drain_idle_mark_len)
		return;
	fprintf(f, "%s = ", k->name);
	if (k->type == T_IDLE_MARK) {
		dpoctl_idle_mark_str(buf, sizeof(buf), pc->drain_idle_mark,
				     pc->drain_idle_mark_len);
		fputs(buf, f);
	} else if (k->type == T_EXPOSURE) {
		dpoctl_exposure_str(base, buf, sizeof(buf));
		fputs(buf, f);
	} else if (k->type == T_BOOL)
		fputs(*(const bool *)p ? "yes" : "no", f);
	else if (k->type == T_U32)
		fprintf(f, "%u", *(const uint32_t *)p);
	else
		write_number(f, *(const double *)p);
	fputc('\n', f);
}

void dpoctl_config_write(FILE *f, const struct dpoctl_engine_cfg *cfg,
			 const struct dpoctl_patch_cfg *patch)
{
	const char *last = NULL;
	size_t i;
	int m;

	for (i = 0; i < NKEYS && keys[i].section; i++) {
		if (!last || strcmp(last, keys[i].section))
			fprintf(f, "%s[%s]\n", last ? "\n" : "", keys[i].section);
		last = keys[i].section;
		if (keys[i].base == B_PATCH && !patch)
			continue;
		write_key(f, &keys[i], keys[i].base == B_PATCH ?
			  (const void *)patch : (const void *)cfg);
	}
	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		fprintf(f, "\n[%s]\n", dpoctl_metric_name(m));
		for (i = 0; i < NKEYS; i++)
			if (!keys[i].section)
				write_key(f, &keys[i], &cfg->m[m]);
	}
}
