// SPDX-License-Identifier: GPL-2.0
/* Tests of metrics_file.c: the Prometheus text file of dpoctl patch. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/dpo.h>

#include "metrics_file.h"
#include "test.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define STEP (200 * MS)
/* a session name with every character the format escapes */
#define SESSION "we\"b\\1\n"
#define SL "session=\"we\\\"b\\\\1\\n\""

static char dir[] = "/tmp/dpoctl-metrics-file-test.XXXXXX";
static char path[128];

/* Each role's interval: 200 ms, 400 requests, 10% of a core. */
static const struct dpoctl_interval base = {
	.dt_s = 0.2, .requests = 400, .conns_held = 4, .has_lat = true,
	.lat_p50_us = 2000, .lat_p99_us = 6000, .lat_mean_us = 2500,
	.cpu_s = 0.02, .run_delay_s = 0.002, .min_flt = 100,
};

static char *slurp(const char *p)
{
	int fd = open(p, O_RDONLY);

	return fd < 0 ? strdup("") : read_fd(fd);
}

/* @s without its newlines, for a test's name */
static const char *one_line(const char *s)
{
	static char buf[256];
	size_t i;

	snprintf(buf, sizeof(buf), "%s", s + (*s == '\n'));
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\n')
			buf[i] = i + 1 == strlen(buf) ? '\0' : '|';
	return buf;
}

static void has(const char *text, const char *line)
{
	result(strstr(text, line) != NULL, "has %s", one_line(line));
}

static void lacks(const char *text, const char *what)
{
	result(strstr(text, what) == NULL, "lacks %s", one_line(what));
}

/* as metrics_file.c writes a number: %.15g, or %.17g to read back exactly */
static const char *num(double v)
{
	static char s[32];

	snprintf(s, sizeof(s), "%.15g", v);
	if (strtod(s, NULL) != v)
		snprintf(s, sizeof(s), "%.17g", v);
	return s;
}

/* Only the file itself in dir: no temporary one left. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* promtool's parse and lint of the file: silent, or the test fails. */
static void promtool(const char *what)
{
	char cmd[512], out[160];
	char *report;
	int rc;

	if (system("command -v promtool >/dev/null 2>&1")) {
		printf("# skipped promtool: not installed\n");
		skip(what, "skipped promtool: not installed");
		return;
	}
	snprintf(out, sizeof(out), "%s/promtool.out", dir);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s > %s 2>&1",
		 path, out);
	rc = system(cmd);
	report = slurp(out);
	unlink(out);
	result(rc == 0 && !*report, "%s", what);
	if (rc || *report)
		printf("# promtool (status %d):\n%s", rc, report);
	free(report);
}

static struct dpoctl_engine *engine(struct dpoctl_engine_cfg *cfg,
				    uint64_t *now)
{
	struct dpoctl_interval o = base, p = base;
	struct dpoctl_engine *e;
	int i;

	dpoctl_engine_cfg_default(cfg);
	cfg->baseline_s = 10;
	cfg->baseline_min = 10;
	cfg->duration_s = 100;
	cfg->promote_s = 1000;
	e = dpoctl_engine_new(cfg);
	*now = 10 * SEC;
	for (i = 0; i < 80; i++) {
		o.lat_p99_us = 6000 + (i % 4) * 150;	/* some noise */
		*now += STEP;
		dpoctl_engine_step(e, *now, &o, NULL);
	}
	/* the patched instance: its p99 twice the original's */
	p.lat_p99_us = 12000;
	for (i = 0; i < 30; i++) {
		o.lat_p99_us = 6000 + (i % 4) * 150;
		*now += STEP;
		dpoctl_engine_step(e, *now, &o, &p);
	}
	return e;
}

static void test_content(void)
{
	struct dpoctl_engine_cfg cfg;
	uint64_t now;
	struct dpoctl_engine *e = engine(&cfg, &now);
	const struct dpoctl_metric_state *ms =
		dpoctl_engine_metric(e, DPOCTL_M_LAT_P99);
	struct dpoctl_patch_status st = {
		.session = SESSION, .phase = "observe",
		.owner = DPO_OWNER_CANARY, .canary_pct = 10,
		.verdict = dpoctl_engine_decision(e)->verdict,
		.orig_pid = 100, .patched_pid = 200, .elapsed_s = 20.5,
		.requests_original = 200000, .requests_patched = 50000,
		.cfg = &cfg, .now_ns = now,
	};
	char why[256], line[256];
	char *text;

	result(ms->valid && ms->breach, "the engine sees lat_p99 beyond");
	check_int("write", dpoctl_metrics_file_write(path, &st, e, why,
						     sizeof(why)), 0);
	text = slurp(path);
	check_int("no temporary file left", entries(), 1);
	has(text, "# HELP dpo_patch_phase ");
	has(text, "# TYPE dpo_patch_phase gauge\n");
	has(text, "\ndpo_patch_phase{" SL ",phase=\"observe\"} 1\n");
	has(text, "\ndpo_patch_phase{" SL ",phase=\"baseline\"} 0\n");
	/* 6 s of a doubled p99: beyond, not yet judged */
	check_int("the engine has not decided", st.verdict, DPOCTL_V_NONE);
	has(text, "\ndpo_patch_verdict{" SL ",verdict=\"none\"} 1\n");
	has(text, "\ndpo_patch_verdict{" SL ",verdict=\"rollback\"} 0\n");
	has(text, "\ndpo_patch_owner{" SL ",owner=\"canary\"} 1\n");
	has(text, "\ndpo_patch_owner{" SL ",owner=\"both\"} 0\n");
	has(text, "\ndpo_patch_patched_share_ratio{" SL "} 0.1\n");
	has(text, "\ndpo_patch_instance_pid{" SL ",role=\"patched\"} 200\n");
	has(text, "\ndpo_patch_elapsed_seconds{" SL "} 20.5\n");
	has(text, "# TYPE dpo_patch_requests_total counter\n");
	has(text, "\ndpo_patch_requests_total{" SL ",role=\"original\"} 200000\n");
	/*
	 * the engine's: in base units, one family per unit; rates per
	 * traffic share, the patched instance having half of it
	 */
	has(text, "# TYPE dpo_patch_metric_value_seconds gauge\n");
	has(text, "\ndpo_patch_metric_value_seconds{" SL
		  ",metric=\"lat_p99\",role=\"patched\"} 0.012\n");
	has(text, "\ndpo_patch_metric_value_seconds{" SL
		  ",metric=\"lat_p50\",role=\"original\"} 0.002\n");
	snprintf(line, sizeof(line),
		 "\ndpo_patch_metric_threshold_seconds{" SL
		 ",metric=\"lat_p99\",reference=\"baseline\"} %s\n",
		 num(ms->thr_baseline * 1e-6));
	has(text, line);
	has(text, "\ndpo_patch_metric_value_requests_per_second{" SL
		  ",metric=\"throughput\",role=\"patched\"} 4000\n");
	has(text, "\ndpo_patch_metric_baseline_seconds{" SL
		  ",metric=\"lat_p50\"} 0.002\n");
	has(text, "\ndpo_patch_metric_value{" SL
		  ",metric=\"min_flt_per_req\",role=\"patched\"} 0.25\n");
	has(text, "\ndpo_patch_metric_value_ratio{" SL
		  ",metric=\"cpu\",role=\"patched\"} 0.2\n");
	has(text, "\ndpo_patch_metric_breach{" SL ",metric=\"lat_p99\"} 1\n");
	has(text, "\ndpo_patch_metric_breach{" SL ",metric=\"lat_p50\"} 0\n");
	snprintf(line, sizeof(line),
		 "\ndpo_patch_metric_breach_seconds{" SL ",metric=\"lat_p99\"} %s\n",
		 num((double)(now - ms->breach_since_ns) / 1e9));
	has(text, line);
	snprintf(line, sizeof(line),
		 "\ndpo_patch_metric_log_bayes_factor{" SL
		 ",metric=\"lat_p99\",test=\"worse\"} %s\n",
		 num(ms->log_bf_worse));
	has(text, line);
	snprintf(line, sizeof(line),
		 "\ndpo_patch_log_bayes_factor_threshold{" SL ",test=\"worse\"} %s\n",
		 num(log(7 / cfg.alpha)));	/* 7 metrics in the test */
	has(text, line);
	lacks(text, "metric=\"cpu\",test=");	/* not in the predictive test */
	has(text, "\ndpo_patch_severity_threshold{" SL "} 3\n");
	has(text, "\ndpo_patch_severity_score{" SL "} ");
	free(text);
	promtool("promtool check metrics: silent on the whole file");

	/* replaced, not appended; a share only where the kernel picks */
	st.phase = "rollback";
	st.owner = DPO_OWNER_BOTH;
	st.patched_pid = 0;
	st.elapsed_s = NAN;
	check_int("rewrite", dpoctl_metrics_file_write(path, &st, NULL, why,
						       sizeof(why)), 0);
	text = slurp(path);
	check_int("still no temporary file", entries(), 1);
	has(text, "\ndpo_patch_phase{" SL ",phase=\"rollback\"} 1\n");
	has(text, "\ndpo_patch_phase{" SL ",phase=\"observe\"} 0\n");
	lacks(text, "dpo_patch_patched_share");
	lacks(text, "role=\"patched\"} 200");
	lacks(text, "dpo_patch_metric");
	has(text, "\ndpo_patch_elapsed_seconds{" SL "} NaN\n");
	free(text);
	promtool("promtool check metrics: silent without the engine");

	st.phase = "judging";
	check_int("an unknown phase: -EINVAL",
		  dpoctl_metrics_file_write(path, &st, e, why, sizeof(why)),
		  -EINVAL);
	check_str("... the reason", why, "unknown phase \"judging\"");
	st.phase = "done";
	check_int("a missing directory: -ENOENT",
		  dpoctl_metrics_file_write("/nonexistent-dpoctl/x.prom", &st,
					    e, why, sizeof(why)), -ENOENT);
	snprintf(line, sizeof(line),
		 "/nonexistent-dpoctl/x.prom.tmp.%d: No such file or directory",
		 (int)getpid());
	check_str("... the reason", why, line);
	dpoctl_engine_free(e);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/dpoctl.prom", dir);
	test_content();
	unlink(path);
	rmdir(dir);
	return test_done();
}
