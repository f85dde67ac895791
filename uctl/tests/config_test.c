// SPDX-License-Identifier: GPL-2.0
/* Tests of config.c: the engine's settings from a file and --set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/dpo.h>

#include "config.h"
#include "test.h"

static char dir[] = "/tmp/dpoctl-config-test.XXXXXX";
static char path[64];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/* Loads @text over the defaults: the result, the message in @err. */
static int load(const char *text, struct dpoctl_engine_cfg *cfg, char *err,
		size_t len)
{
	write_file(text);
	dpoctl_engine_cfg_default(cfg);
	err[0] = '\0';
	return dpoctl_config_load(cfg, NULL, path, err, len);
}

static char *written(const struct dpoctl_engine_cfg *cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	dpoctl_config_write(f, cfg, NULL);
	fclose(f);
	return out;
}

struct err_case {
	const char *name, *text, *msg;	/* @msg after "PATH:" */
};

static const struct err_case err_cases[] = {
	{ "unknown section", "[baseline]\nwindow_s = 5\n[bogus]\nx = 1\n",
	  "4: unknown section [bogus]" },
	{ "unknown key", "[rule]\nduration = 5\n",
	  "2: unknown key rule.duration" },
	{ "a metric's key in a general section", "[rule]\nweight = 5\n",
	  "2: unknown key rule.weight" },
	{ "a general key in a metric's section", "[lat_p99]\nalpha = 0.1\n",
	  "2: unknown key lat_p99.alpha" },
	{ "key outside a section", "window_s = 5\n",
	  "1: key \"window_s\" outside a section" },
	{ "not a number", "; comment\n[baseline]\nwindow_s = 5s\n",
	  "3: baseline.window_s: bad value \"5s\" (seconds, 0 < x <= 3600)" },
	{ "hex refused", "[rule]\nsmooth_s = 0x10\n",
	  "2: rule.smooth_s: bad value \"0x10\" (seconds, 0 <= x <= 3600)" },
	{ "nan refused", "[rule]\nsmooth_s = nan\n",
	  "2: rule.smooth_s: bad value \"nan\" (seconds, 0 <= x <= 3600)" },
	{ "inf refused", "[severity]\nthreshold = inf\n",
	  "2: severity.threshold: bad value \"inf\" (a number, 0 <= x <= 1000)" },
	{ "huge refused", "[severity]\nthreshold = 1e999\n",
	  "2: severity.threshold: bad value \"1e999\" (a number, 0 <= x <= 1000)" },
	{ "empty value", "[rule]\nduration_s =\n",
	  "2: rule.duration_s: bad value \"\" (seconds, 0 < x <= 3600)" },
	{ "two numbers", "[rule]\nduration_s = 1 2\n",
	  "2: rule.duration_s: bad value \"1 2\" (seconds, 0 < x <= 3600)" },
	{ "zero for an open range", "[baseline]\nwindow_s = 0\n",
	  "2: baseline.window_s: \"0\" out of range (0 < x <= 3600)" },
	{ "negative", "[rule]\nduration_s = -1\n",
	  "2: rule.duration_s: \"-1\" out of range (0 < x <= 3600)" },
	{ "alpha too large", "[predictive]\nalpha = 0.6\n",
	  "2: predictive.alpha: \"0.6\" out of range (0 <= x < 0.5)" },
	{ "promote alpha", "[promote]\nalpha = 0.5\n",
	  "2: promote.alpha: \"0.5\" out of range (0 <= x < 0.5)" },
	{ "whole number wanted", "[baseline]\nmin_samples = 2.5\n",
	  "2: baseline.min_samples: bad value \"2.5\" (a whole number, 2 <= x <= 100000)" },
	{ "whole number out of range", "[baseline]\nmin_samples = 1\n",
	  "2: baseline.min_samples: \"1\" out of range (2 <= x <= 100000)" },
	{ "bad boolean", "[lat_p99]\nenabled = maybe\n",
	  "2: lat_p99.enabled: bad boolean \"maybe\" (yes, no, true, false, 1 or 0)" },
	{ "boolean case matters", "[throughput]\nsequential = Yes\n",
	  "2: throughput.sequential: bad boolean \"Yes\" (yes, no, true, false, 1 or 0)" },
	{ "metric deviation", "[cpu]\ndeviation_pct = 10000\n",
	  "2: cpu.deviation_pct: \"10000\" out of range (0 <= x < 10000)" },
	{ "given twice", "[rule]\nduration_s = 1\n\n[rule]\nduration_s = 2\n",
	  "5: rule.duration_s given twice (first on line 2)" },
	{ "continuation line", "[rule]\nduration_s = 1\n  2\n",
	  "3: rule.duration_s given twice (first on line 2)" },
	{ "syntax error", "[rule]\nduration_s 1\n",
	  "2: syntax error (want [section] or key = value)" },
	{ "unclosed section", "[rule\nduration_s = 1\n",
	  "1: syntax error (want [section] or key = value)" },
	{ "the first error counts", "[rule]\nbogus = 1\nduration_s 1\n",
	  "2: unknown key rule.bogus" },
	{ "a syntax error first", "[rule]\nduration_s 1\nbogus = 1\n",
	  "2: syntax error (want [section] or key = value)" },
};

static void test_errors(void)
{
	struct dpoctl_engine_cfg cfg;
	char err[256], want[300], name[128];
	size_t i;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		snprintf(name, sizeof(name), "error: %s: -EINVAL",
			 err_cases[i].name);
		check_int(name, load(err_cases[i].text, &cfg, err, sizeof(err)),
			  -EINVAL);
		snprintf(name, sizeof(name), "error: %s: message",
			 err_cases[i].name);
		snprintf(want, sizeof(want), "%s:%s", path, err_cases[i].msg);
		check_str(name, err, want);
	}
}

static void test_long_line(void)
{
	struct dpoctl_engine_cfg cfg;
	char text[600], err[256], want[300];

	memset(text, 0, sizeof(text));
	strcpy(text, "[rule]\n; ");
	memset(text + strlen(text), 'x', 500);
	strcat(text, "\nduration_s = 1\n");
	check_int("long line: -EINVAL", load(text, &cfg, err, sizeof(err)),
		  -EINVAL);
	snprintf(want, sizeof(want), "%s:2: line too long", path);
	check_str("long line: message", err, want);
}

static void test_unreadable(void)
{
	struct dpoctl_engine_cfg cfg;
	char err[256], want[300];

	dpoctl_engine_cfg_default(&cfg);
	check_int("missing file: -ENOENT",
		  dpoctl_config_load(&cfg, NULL, "/nonexistent/dpo.ini", err,
				     sizeof(err)), -ENOENT);
	check_str("missing file: message", err,
		  "/nonexistent/dpo.ini: No such file or directory");
	check_int("a directory: -EIO or -EISDIR",
		  dpoctl_config_load(&cfg, NULL, dir, err, sizeof(err)) < 0, 1);
	snprintf(want, sizeof(want), "%s: ", dir);
	result(!strncmp(err, want, strlen(want)), "a directory: message names it");
}

static void test_values(void)
{
	struct dpoctl_engine_cfg cfg, def;
	char err[256];
	int p99 = dpoctl_metric_by_name("lat_p99");
	int tp = dpoctl_metric_by_name("throughput");

	check_int("values: a full file loads",
		  load("# dpo engine\n[baseline]\nwindow_s = 12.5 ; inline\n"
		       "min_samples = 7\n[rule]\nsmooth_s=0\nduration_s : 2\n"
		       "[severity]\nthreshold = 2.5\nduration_s = 0.5\n"
		       "[predictive]\nalpha = 0\n[promote]\nafter_s = 600\n"
		       "tolerance_pct = 3\nalpha = 0.1\nmin_s = 60\n"
		       "[lat_p99]\nenabled = no\nsequential = true\n"
		       "deviation_pct = 50\nfloor = 100\nweight = 2\n"
		       "[throughput]\nenabled = 0\nsequential = false\n",
		       &cfg, err, sizeof(err)), 0);
	check_near("values: baseline.window_s", cfg.baseline_s, 12.5);
	check_int("values: baseline.min_samples", cfg.baseline_min, 7);
	check_near("values: rule.smooth_s", cfg.smooth_s, 0);
	check_near("values: rule.duration_s (key : value)", cfg.duration_s, 2);
	check_near("values: severity.threshold", cfg.severity, 2.5);
	check_near("values: severity.duration_s", cfg.severity_s, 0.5);
	check_near("values: predictive.alpha", cfg.alpha, 0);
	check_near("values: promote.after_s", cfg.promote_s, 600);
	check_near("values: promote.tolerance_pct", cfg.promote_tol_pct, 3);
	check_near("values: promote.alpha", cfg.promote_alpha, 0.1);
	check_near("values: promote.min_s", cfg.promote_min_s, 60);
	check_int("values: lat_p99.enabled", cfg.m[p99].enabled, 0);
	check_int("values: lat_p99.sequential", cfg.m[p99].sequential, 1);
	check_near("values: lat_p99.deviation_pct", cfg.m[p99].deviation_pct, 50);
	check_near("values: lat_p99.floor", cfg.m[p99].floor, 100);
	check_near("values: lat_p99.weight", cfg.m[p99].weight, 2);
	check_int("values: throughput.enabled", cfg.m[tp].enabled, 0);
	check_int("values: throughput.sequential", cfg.m[tp].sequential, 0);

	/* what the file leaves out keeps its value */
	dpoctl_engine_cfg_default(&def);
	check_near("values: untouched key keeps the default",
		   cfg.m[tp].deviation_pct, def.m[tp].deviation_pct);
	check_int("values: an empty file", load("", &cfg, err, sizeof(err)), 0);
	check_int("values: an empty unknown section is harmless",
		  load("[nothing]\n", &cfg, err, sizeof(err)), 0);
}

static void test_set(void)
{
	struct dpoctl_engine_cfg cfg;
	char err[256];
	int p50 = dpoctl_metric_by_name("lat_p50");

	check_int("set: after a file",
		  load("[rule]\nduration_s = 2\n", &cfg, err, sizeof(err)), 0);
	check_int("set: rule.duration_s=4",
		  dpoctl_config_set(&cfg, NULL, "rule.duration_s=4", err, sizeof(err)), 0);
	check_near("set: overrides the file", cfg.duration_s, 4);
	dpoctl_config_set(&cfg, NULL, "rule.duration_s=5", err, sizeof(err));
	check_near("set: the later one wins", cfg.duration_s, 5);
	check_int("set: a metric's key",
		  dpoctl_config_set(&cfg, NULL, "lat_p50.weight=0.5", err, sizeof(err)), 0);
	check_near("set: lat_p50.weight", cfg.m[p50].weight, 0.5);
	check_int("set: value with '='",
		  dpoctl_config_set(&cfg, NULL, "rule.duration_s==4", err, sizeof(err)),
		  -EINVAL);
	check_str("set: value with '=': message", err,
		  "rule.duration_s: bad value \"=4\" (seconds, 0 < x <= 3600)");
	check_int("set: no '='",
		  dpoctl_config_set(&cfg, NULL, "rule.duration_s", err, sizeof(err)),
		  -EINVAL);
	check_str("set: no '=': message", err, "want SECTION.KEY=VALUE");
	check_int("set: no section",
		  dpoctl_config_set(&cfg, NULL, "duration_s=4", err, sizeof(err)), -EINVAL);
	check_str("set: no section: message", err, "want SECTION.KEY=VALUE");
	check_int("set: no key",
		  dpoctl_config_set(&cfg, NULL, "rule.=4", err, sizeof(err)), -EINVAL);
	check_int("set: unknown",
		  dpoctl_config_set(&cfg, NULL, "lat_p98.weight=1", err, sizeof(err)),
		  -EINVAL);
	check_str("set: unknown: message", err, "unknown section [lat_p98]");
	check_int("set: bad value",
		  dpoctl_config_set(&cfg, NULL, "promote.after_s=0", err, sizeof(err)),
		  -EINVAL);
	check_str("set: bad value: message", err,
		  "promote.after_s: \"0\" out of range (0 < x <= 86400)");
	check_near("set: a refused value changes nothing", cfg.promote_s,
		   cfg.promote_s);
}

static void test_round_trip(void)
{
	struct dpoctl_engine_cfg def, cfg;
	char *a, *b, err[256];
	int m, ok = 1;

	dpoctl_engine_cfg_default(&def);
	a = written(&def);
	write_file(a);
	memset(&cfg, 0, sizeof(cfg));
	check_int("round trip: the defaults written load",
		  dpoctl_config_load(&cfg, NULL, path, err, sizeof(err)), 0);
	b = written(&cfg);
	check_str("round trip: written again the same", b, a);
	ok &= cfg.baseline_s == def.baseline_s && cfg.baseline_min == def.baseline_min &&
	      cfg.smooth_s == def.smooth_s && cfg.duration_s == def.duration_s &&
	      cfg.severity == def.severity && cfg.severity_s == def.severity_s &&
	      cfg.alpha == def.alpha && cfg.promote_s == def.promote_s &&
	      cfg.promote_tol_pct == def.promote_tol_pct &&
	      cfg.promote_alpha == def.promote_alpha &&
	      cfg.promote_min_s == def.promote_min_s;
	for (m = 0; m < DPOCTL_M_COUNT; m++)
		ok &= cfg.m[m].enabled == def.m[m].enabled &&
		      cfg.m[m].sequential == def.m[m].sequential &&
		      cfg.m[m].deviation_pct == def.m[m].deviation_pct &&
		      cfg.m[m].floor == def.m[m].floor &&
		      cfg.m[m].weight == def.m[m].weight;
	result(ok, "round trip: every setting the same");
	check_int("round trip: the defaults pass the engine's check",
		  dpoctl_engine_cfg_check(&cfg, err, sizeof(err)), 0);
	result(strstr(a, "[lat_p99]\nenabled = ") != NULL,
	       "round trip: one section per metric");
	free(a);
	free(b);
}

/* [patch]: dpoctl patch's own settings, checked for analyze too */
static void test_patch(void)
{
	struct dpoctl_engine_cfg cfg;
	struct dpoctl_patch_cfg p;
	char err[320], buf[64];
	FILE *f;

	dpoctl_engine_cfg_default(&cfg);
	dpoctl_patch_cfg_default(&p);
	f = fopen(path, "w");
	fputs("[patch]\nexposure = canary:5,25,50\nstep_s = 20\n"
	      "drain_deadline_s = 12\nstop_grace_s = 3\nkeep_original_s = 60\n", f);
	fclose(f);
	check_int("patch: loads", dpoctl_config_load(&cfg, &p, path, err,
						     sizeof(err)), 0);
	check_int("patch: canary", p.owner, DPO_OWNER_CANARY);
	check_int("patch: three steps", p.nsteps, 3);
	check_int("patch: the last step", p.ramp[2], 50);
	check_near("patch: step_s", p.step_s, 20);
	check_near("patch: drain_deadline_s", p.drain_deadline_s, 12);
	check_near("patch: keep_original_s", p.keep_original_s, 60);
	dpoctl_exposure_str(&p, buf, sizeof(buf));
	check_str("patch: exposure written back", buf, "canary:5,25,50");
	check_int("patch: analyze accepts the file",
		  dpoctl_config_load(&cfg, NULL, path, err, sizeof(err)), 0);
	check_int("patch: decreasing ramp refused",
		  dpoctl_config_set(&cfg, &p, "patch.exposure=canary:50,25",
				    err, sizeof(err)), -EINVAL);
	check_str("patch: its message", err,
		  "patch.exposure: bad value \"canary:50,25\" (both, patched or canary:P1,P2,... with percentages 1 to 99, increasing)");
	check_int("patch: 100% is not a canary",
		  dpoctl_config_set(&cfg, &p, "patch.exposure=canary:100", err,
				    sizeof(err)), -EINVAL);
	check_int("patch: both",
		  dpoctl_config_set(&cfg, &p, "patch.exposure=both", err,
				    sizeof(err)), 0);
	check_int("patch: both is both", p.owner, DPO_OWNER_BOTH);
	check_int("patch: unknown key",
		  dpoctl_config_set(&cfg, &p, "patch.grace=1", err, sizeof(err)),
		  -EINVAL);
}

/* [patch] drain_idle_mark: HEX, left out when unset */
static void test_idle_mark(void)
{
	struct dpoctl_engine_cfg cfg;
	struct dpoctl_patch_cfg p, q;
	char err[320], *s;
	size_t n;
	FILE *f;

	dpoctl_engine_cfg_default(&cfg);
	dpoctl_patch_cfg_default(&p);
	check_int("idle mark: none by default", p.drain_idle_mark_len, 0);
	f = open_memstream(&s, &n);
	dpoctl_config_write(f, &cfg, &p);
	fclose(f);
	result(!strstr(s, "drain_idle_mark"), "idle mark: unset, not written");
	free(s);

	f = fopen(path, "w");
	fputs("[patch]\ndrain_idle_mark = 5A0000000549\n", f);
	fclose(f);
	check_int("idle mark: loads", dpoctl_config_load(&cfg, &p, path, err,
							 sizeof(err)), 0);
	check_int("idle mark: 6 bytes", p.drain_idle_mark_len, 6);
	result(!memcmp(p.drain_idle_mark, "\x5a\0\0\0\x05\x49", 6),
	       "idle mark: its bytes");
	f = open_memstream(&s, &n);
	dpoctl_config_write(f, &cfg, &p);
	fclose(f);
	result(strstr(s, "\ndrain_idle_mark = 5a0000000549\n") != NULL,
	       "idle mark: written back in lower case");
	f = fopen(path, "w");
	fputs(s, f);
	fclose(f);
	free(s);
	dpoctl_patch_cfg_default(&q);
	check_int("idle mark: round trip loads",
		  dpoctl_config_load(&cfg, &q, path, err, sizeof(err)), 0);
	result(q.drain_idle_mark_len == 6 &&
	       !memcmp(q.drain_idle_mark, p.drain_idle_mark, 6),
	       "idle mark: round trip the same");

	check_int("idle mark: odd digits refused",
		  dpoctl_config_set(&cfg, &p, "patch.drain_idle_mark=5a0", err,
				    sizeof(err)), -EINVAL);
	check_str("idle mark: its message", err,
		  "patch.drain_idle_mark: bad value \"5a0\" (2 to 32 hex digits, an even number: 5a0000000549)");
	check_int("idle mark: empty refused",
		  dpoctl_config_set(&cfg, &p, "patch.drain_idle_mark=", err,
				    sizeof(err)), -EINVAL);
	check_int("idle mark: 17 bytes refused",
		  dpoctl_config_set(&cfg, &p,
				    "patch.drain_idle_mark=00112233445566778899aabbccddeeff00",
				    err, sizeof(err)), -EINVAL);
	check_int("idle mark: a refused value changes nothing",
		  p.drain_idle_mark_len, 6);
	check_int("idle mark: 16 bytes",
		  dpoctl_config_set(&cfg, &p,
				    "patch.drain_idle_mark=00112233445566778899aabbccddeeff",
				    err, sizeof(err)), 0);
	check_int("idle mark: 16 bytes long", p.drain_idle_mark_len, 16);
	check_int("idle mark: analyze checks it too",
		  dpoctl_config_set(&cfg, NULL, "patch.drain_idle_mark=zz", err,
				    sizeof(err)), -EINVAL);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/dpo.ini", dir);
	test_errors();
	test_long_line();
	test_idle_mark();
	test_unreadable();
	test_values();
	test_set();
	test_round_trip();
	test_patch();
	unlink(path);
	rmdir(dir);
	return test_done();
}
