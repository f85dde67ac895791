// SPDX-License-Identifier: GPL-2.0
/*
 * dpoctl patch's state in the Prometheus text format (0.0.4).
 *
 * The engine's metrics have different units, and a Prometheus name has
 * one: their values, thresholds and baselines go to one family per unit,
 * in base units (dpo_patch_metric_value_seconds{metric="lat_p99"}), the
 * unitless rest to one family for all (dpo_patch_metric_breach{metric}).
 * Non-finite values are written as the format's NaN, +Inf and -Inf rather
 * than left out, so that a series never vanishes because of its value.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/dpo.h>

#include "metrics_file.h"

#define NS_PER_S 1e9

/* The families' unit suffixes, in the order written. */
static const struct {
	const char *suffix;	/* of the family's name */
	const char *help;	/* appended to its HELP */
} suffixes[] = {
	{ "_seconds", "in seconds" },
	{ "_ratio", "as a ratio (cpu: cores, run_delay: s waited per s)" },
	{ "_per_second", "per second" },
	{ "_bytes_per_second", "in bytes per second" },
	{ "_requests_per_second", "in requests per second" },
	{ "", "per request" },
};

/* dpoctl_metric_unit() to a suffix and the factor to its unit */
static const struct {
	const char *unit;
	unsigned int suffix;
	double scale;
} units[] = {
	{ "us", 0, 1e-6 },
	{ "%", 1, 0.01 },	/* of one core */
	{ "ms/s", 1, 1e-3 },
	{ "/s", 2, 1 },
	{ "B/s", 3, 1 },
	{ "req/s", 4, 1 },
	{ "", 5, 1 },
};

static const char *const phases[] = {
	"baseline", "observe", "rollback", "promote", "done",
};

static const char *const owners[] = {
	[DPO_OWNER_ORIGINAL] = "original",
	[DPO_OWNER_PATCHED] = "patched",
	[DPO_OWNER_BOTH] = "both",
	[DPO_OWNER_CANARY] = "canary",
};

struct out {
	FILE *f;
	const char *session;
	const struct dpoctl_patch_status *st;
	const struct dpoctl_engine *e;
};

/* The unit of @m in units[], or -1: a unit not known here is left out. */
static int unit_of(int m)
{
	const char *u = dpoctl_metric_unit(m);
	unsigned int i;

	for (i = 0; u && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(u, units[i].unit))
			return (int)i;
	return -1;
}

static void header(struct out *o, const char *name, const char *suffix,
		   const char *type, const char *help, const char *help2)
{
	fprintf(o->f, "# HELP %s%s %s%s%s\n# TYPE %s%s %s\n", name, suffix, help,
		help2 ? ", " : "", help2 ? help2 : "", name, suffix, type);
}

/* A label value escaped as the format wants: \\, \" and \n. */
static void escaped(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			putc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			putc(*v, f);
	}
}

static void label(FILE *f, const char *name, const char *v)
{
	fprintf(f, ",%s=\"", name);
	escaped(f, v);
	putc('"', f);
}

static void number(FILE *f, double v)
{
	char s[32];

	if (isnan(v)) {
		fputs("NaN", f);
		return;
	}
	if (isinf(v)) {
		fputs(v > 0 ? "+Inf" : "-Inf", f);
		return;
	}
	/* the shortest of the two that reads back the same */
	snprintf(s, sizeof(s), "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof(s), "%.17g", v);
	fputs(s, f);
}

/* One sample: the session's label, then up to two more (NULL: none). */
static void sample(struct out *o, const char *name, const char *suffix,
		   const char *l1, const char *v1, const char *l2,
		   const char *v2, double v)
{
	fprintf(o->f, "%s%s{session=\"", name, suffix);
	escaped(o->f, o->session);
	putc('"', o->f);
	if (l1)
		label(o->f, l1, v1);
	if (l2)
		label(o->f, l2, v2);
	fputs("} ", o->f);
	number(o->f, v);
	putc('\n', o->f);
}

static bool judged(const struct out *o, int m)
{
	const struct dpoctl_metric_state *ms = dpoctl_engine_metric(o->e, m);

	return o->st->cfg ? o->st->cfg->m[m].enabled : ms->valid;
}

static bool tested(const struct out *o, int m)
{
	const struct dpoctl_engine_cfg *c = o->st->cfg;

	return c && c->m[m].enabled && c->m[m].sequential;
}

/* The per-unit families: smoothed values, thresholds, baseline means. */
static void write_unit_families(struct out *o)
{
	static const struct {
		const char *name, *help;
	} kinds[] = {
		{ "dpo_patch_metric_value",
		  "The engine's metric per role, smoothed over rule.smooth_s" },
		{ "dpo_patch_metric_threshold",
		  "The patched instance's threshold from the baseline and from the live original" },
		{ "dpo_patch_metric_baseline",
		  "The mean of the original's metric over baseline.window_s" },
	};
	const struct dpoctl_metric_state *ms;
	const char *n, *sf;
	unsigned int k, s;
	bool any;
	double x;
	int m, u;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (s = 0; s < sizeof(suffixes) / sizeof(suffixes[0]); s++) {
			any = false;
			for (m = 0; m < DPOCTL_M_COUNT; m++) {
				ms = dpoctl_engine_metric(o->e, m);
				u = unit_of(m);
				if (u < 0 || units[u].suffix != s || !ms->valid)
					continue;
				if (!any)
					header(o, kinds[k].name,
					       suffixes[s].suffix, "gauge",
					       kinds[k].help, suffixes[s].help);
				any = true;
				x = units[u].scale;
				n = dpoctl_metric_name(m);
				sf = suffixes[s].suffix;

				switch (k) {
				case 0:
					sample(o, kinds[k].name, sf, "metric", n,
					       "role", "patched", ms->patched * x);
					sample(o, kinds[k].name, sf, "metric", n,
					       "role", "original", ms->original * x);
					break;
				case 1:
					sample(o, kinds[k].name, sf, "metric", n,
					       "reference", "baseline",
					       ms->thr_baseline * x);
					sample(o, kinds[k].name, sf, "metric", n,
					       "reference", "original",
					       ms->thr_original * x);
					break;
				default:
					sample(o, kinds[k].name, sf, "metric", n,
					       NULL, NULL, ms->baseline.mean * x);
				}
			}
		}
	}
}

/* The unitless per-metric families and the engine's totals. */
static void write_engine(struct out *o)
{
	const struct dpoctl_engine_cfg *c = o->st->cfg;
	const struct dpoctl_metric_state *ms;
	int m, n_seq = 0;
	double s;

	write_unit_families(o);

	header(o, "dpo_patch_metric_deviation", "_ratio", "gauge",
	       "The patched instance's relative deviation from the nearer reference, positive is worse",
	       NULL);
	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		ms = dpoctl_engine_metric(o->e, m);
		if (ms->valid)
			sample(o, "dpo_patch_metric_deviation", "_ratio",
			       "metric", dpoctl_metric_name(m), NULL, NULL,
			       ms->deviation);
	}
	header(o, "dpo_patch_metric_breach", "", "gauge",
	       "1 while the metric is beyond both thresholds", NULL);
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		if (judged(o, m))
			sample(o, "dpo_patch_metric_breach", "", "metric",
			       dpoctl_metric_name(m), NULL, NULL,
			       dpoctl_engine_metric(o->e, m)->breach);
	header(o, "dpo_patch_metric_breach", "_seconds", "gauge",
	       "How long the metric has been beyond both thresholds, 0 when it is not",
	       NULL);
	for (m = 0; m < DPOCTL_M_COUNT; m++) {
		ms = dpoctl_engine_metric(o->e, m);
		if (!judged(o, m))
			continue;
		s = ms->breach && o->st->now_ns > ms->breach_since_ns ?
		    (double)(o->st->now_ns - ms->breach_since_ns) / NS_PER_S : 0;
		sample(o, "dpo_patch_metric_breach", "_seconds", "metric",
		       dpoctl_metric_name(m), NULL, NULL, s);
	}

	for (m = 0; m < DPOCTL_M_COUNT; m++)
		n_seq += tested(o, m);
	if (n_seq) {
		header(o, "dpo_patch_metric_log_bayes_factor", "", "gauge",
		       "The predictive test's log Bayes factor: the patch worse, or not worse than promote.tolerance_pct",
		       NULL);
		for (m = 0; m < DPOCTL_M_COUNT; m++) {
			if (!tested(o, m))
				continue;
			ms = dpoctl_engine_metric(o->e, m);
			sample(o, "dpo_patch_metric_log_bayes_factor", "",
			       "metric", dpoctl_metric_name(m), "test", "worse",
			       ms->log_bf_worse);
			sample(o, "dpo_patch_metric_log_bayes_factor", "",
			       "metric", dpoctl_metric_name(m), "test",
			       "not_worse", ms->log_bf_ok);
		}
		header(o, "dpo_patch_metric_sequential_blocks", "", "gauge",
		       "Blocks of paired intervals in the predictive test", NULL);
		for (m = 0; m < DPOCTL_M_COUNT; m++)
			if (tested(o, m))
				sample(o, "dpo_patch_metric_sequential_blocks",
				       "", "metric", dpoctl_metric_name(m), NULL,
				       NULL, dpoctl_engine_metric(o->e, m)->seq_n);
	}
	/* as the engine decides: rollback at log(m / alpha), Bonferroni */
	if (n_seq && (c->alpha > 0 || c->promote_alpha > 0)) {
		header(o, "dpo_patch_log_bayes_factor_threshold", "", "gauge",
		       "The log Bayes factor a test must reach: rollback (worse, any metric) or early promotion (not_worse, every metric)",
		       NULL);
		if (c->alpha > 0)
			sample(o, "dpo_patch_log_bayes_factor_threshold", "",
			       "test", "worse", NULL, NULL,
			       log(n_seq / c->alpha));
		if (c->promote_alpha > 0)
			sample(o, "dpo_patch_log_bayes_factor_threshold", "",
			       "test", "not_worse", NULL, NULL,
			       -log(c->promote_alpha));
	}

	header(o, "dpo_patch_severity_score", "", "gauge",
	       "The weighted sum of the metrics' excesses beyond their thresholds",
	       NULL);
	sample(o, "dpo_patch_severity_score", "", NULL, NULL, NULL, NULL,
	       dpoctl_engine_score(o->e));
	if (c && c->severity > 0) {
		header(o, "dpo_patch_severity_threshold", "", "gauge",
		       "The score that, held severity.duration_s, rolls back",
		       NULL);
		sample(o, "dpo_patch_severity_threshold", "", NULL, NULL, NULL,
		       NULL, c->severity);
	}
}

static void write_status(struct out *o)
{
	const struct dpoctl_patch_status *st = o->st;
	unsigned int i;
	double share = -1;

	header(o, "dpo_patch_phase", "", "gauge",
	       "1 for the phase dpoctl patch is in, 0 for the others", NULL);
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		sample(o, "dpo_patch_phase", "", "phase", phases[i], NULL, NULL,
		       !strcmp(st->phase, phases[i]));
	header(o, "dpo_patch_verdict", "", "gauge",
	       "1 for the engine's verdict, 0 for the others", NULL);
	for (i = DPOCTL_V_NONE; i <= DPOCTL_V_INSUFFICIENT; i++)
		sample(o, "dpo_patch_verdict", "", "verdict",
		       dpoctl_verdict_name(i), NULL, NULL, st->verdict == i);
	header(o, "dpo_patch_owner", "", "gauge",
	       "1 for who accepts new connections, 0 for the others", NULL);
	for (i = DPO_OWNER_ORIGINAL; i <= DPO_OWNER_CANARY; i++)
		sample(o, "dpo_patch_owner", "", "owner", owners[i], NULL, NULL,
		       st->owner == i);
	/* with both accepting, the kernel does not choose: no share to tell */
	if (st->owner == DPO_OWNER_ORIGINAL)
		share = 0;
	else if (st->owner == DPO_OWNER_PATCHED)
		share = 1;
	else if (st->owner == DPO_OWNER_CANARY)
		share = st->canary_pct / 100.0;
	if (share >= 0) {
		header(o, "dpo_patch_patched_share", "_ratio", "gauge",
		       "The share of new connections sent to the patched instance",
		       NULL);
		sample(o, "dpo_patch_patched_share", "_ratio", NULL, NULL, NULL,
		       NULL, share);
	}
	if (st->orig_pid || st->patched_pid) {
		header(o, "dpo_patch_instance_pid", "", "gauge",
		       "The process id of each running instance", NULL);
		if (st->orig_pid)
			sample(o, "dpo_patch_instance_pid", "", "role",
			       "original", NULL, NULL, st->orig_pid);
		if (st->patched_pid)
			sample(o, "dpo_patch_instance_pid", "", "role",
			       "patched", NULL, NULL, st->patched_pid);
	}
	header(o, "dpo_patch_elapsed", "_seconds", "gauge",
	       "Time since the start of the patch", NULL);
	sample(o, "dpo_patch_elapsed", "_seconds", NULL, NULL, NULL, NULL,
	       st->elapsed_s);
	header(o, "dpo_patch_requests", "_total", "counter",
	       "Requests completed by each instance since the start of the patch",
	       NULL);
	sample(o, "dpo_patch_requests", "_total", "role", "original", NULL,
	       NULL, (double)st->requests_original);
	sample(o, "dpo_patch_requests", "_total", "role", "patched", NULL,
	       NULL, (double)st->requests_patched);
}

int dpoctl_metrics_file_write(const char *path,
			      const struct dpoctl_patch_status *st,
			      const struct dpoctl_engine *e, char *why,
			      size_t len)
{
	struct out o = { .session = st->session ? st->session : "", .st = st,
			 .e = e };
	char *tmp = NULL;
	unsigned int i;
	int fd, err;

	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		if (st->phase && !strcmp(st->phase, phases[i]))
			break;
	if (i == sizeof(phases) / sizeof(phases[0])) {
		snprintf(why, len, "unknown phase \"%s\"",
			 st->phase ? st->phase : "(null)");
		return -EINVAL;
	}
	/* the collector reads *.prom only: it never sees the temporary file */
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(o.f = fdopen(fd, "w"))) {
		err = errno;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		goto fail;
	}
	errno = 0;
	write_status(&o);
	if (e)
		write_engine(&o);
	err = fflush(o.f) || ferror(o.f) ? (errno ? errno : EIO) : 0;
	if (fclose(o.f) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		goto fail;
	}
	free(tmp);
	return 0;

fail:
	snprintf(why, len, "%s: %s", tmp, strerror(err));
	free(tmp);
	return -err;
}
