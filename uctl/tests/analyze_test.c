// SPDX-License-Identifier: GPL-2.0
/*
 * dpoctl analyze on recordings the test writes: verdicts and exit codes,
 * byte-identical output, and errors naming the line.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static char **cmd;	/* the command that runs dpoctl */
static int ncmd;
static char dir[] = "/tmp/dpoctl-analyze-test.XXXXXX";

/* ---- recordings ---- */

/* A deterministic noise source: the same recording every run. */
static uint64_t rng = 1;

static double noise(void)	/* in [-1, 1) */
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / (double)(1ULL << 52) - 1.0;
}

struct proc {
	const char *session, *role;
	uint32_t pid;
	uint64_t seq, cpu_ns, delay_ns, min_flt, req, acc;
	double lat_scale;	/* 1: like the original */
};

/* @share: of the traffic, and of the connections (of 8) */
static void sample(FILE *f, struct proc *p, uint64_t t_ns, bool traffic,
		   double share)
{
	double p50 = (500 + 25 * noise()) * p->lat_scale;
	uint64_t n = (uint64_t)((100 + 10 * noise() + 10) * share);

	p->seq++;
	p->cpu_ns += n * 200000 + (uint64_t)(1e6 * (1 + noise()));
	p->delay_ns += 100000 + (uint64_t)(5e4 * (1 + noise()));
	p->min_flt += n / 10;
	if (traffic) {
		p->req += n;
		if (p->seq % 10 == 0)
			p->acc++;
	}
	fprintf(f, "{\"time_ns\":%llu,\"event\":\"sample\",\"session\":\"%s\","
		"\"pid\":%u,\"role\":\"%s\",\"start_time_ns\":%u,"
		"\"rates\":{\"cpu_pct\":null,\"run_delay_ms_per_s\":null,"
		"\"csw_per_s\":null,\"flt_per_s\":null},"
		"\"stats\":{\"threads\":4,\"cpu_ns\":%llu,\"run_delay_ns\":%llu,"
		"\"nvcsw\":10,\"nivcsw\":2,\"min_flt\":%llu,\"maj_flt\":0,"
		"\"rss_bytes\":104857600,\"seq\":%llu,\"timestamp_ns\":%llu,"
		"\"conns_accepted\":%llu,\"conns_active\":%u,\"requests\":%llu,"
		"\"bytes_in\":0,\"bytes_out\":0,\"accepted_per_s\":null,"
		"\"requests_per_s\":null,\"bytes_in_per_s\":null,"
		"\"bytes_out_per_s\":null,",
		(unsigned long long)t_ns, p->session, p->pid, p->role,
		p->pid * 1000, (unsigned long long)p->cpu_ns,
		(unsigned long long)p->delay_ns, (unsigned long long)p->min_flt,
		(unsigned long long)p->seq, (unsigned long long)t_ns,
		(unsigned long long)p->acc, (unsigned)(8 * share),
		(unsigned long long)p->req);
	if (traffic && p->seq > 1)
		fprintf(f, "\"lat_p50_us\":%.0f,\"lat_p99_us\":%.0f,"
			"\"lat_mean_us\":%.0f,\"lat_hist\":{\"256\":%llu}}}\n",
			p50, p50 * 4 + 100 * noise(), p50 * 1.3,
			(unsigned long long)n);
	else
		fprintf(f, "\"lat_p50_us\":null,\"lat_p99_us\":null,"
			"\"lat_mean_us\":null,\"lat_hist\":null}}\n");
}

/*
 * @secs of samples every 100 ms: the original from the start, the patched
 * instance (latencies times @scale) from @patched_s on, sampled in the
 * same tick in alternating order; an owner_set line between.
 */
static void recording(const char *path, int secs, int patched_s, double scale,
		      const char *other_session)
{
	struct proc o = { .session = "db", .role = "original", .pid = 100,
			  .lat_scale = 1 };
	struct proc p = { .session = "db", .role = "patched", .pid = 200,
			  .lat_scale = scale };
	struct proc x = { .role = "original", .pid = 300, .lat_scale = 1 };
	FILE *f = fopen(path, "w");
	uint64_t t0 = 5000000000ULL, t;
	double share;
	int i;

	rng = 1;
	x.session = other_session;
	for (i = 0; i < secs * 10; i++) {
		t = t0 + (uint64_t)i * 100000000ULL;
		if (i == patched_s * 10)
			fprintf(f, "{\"time_ns\":%llu,\"event\":\"owner_set\","
				"\"session\":\"db\",\"interval_ms\":100,"
				"\"instances\":2,\"owner\":\"both\","
				"\"switch_time_ns\":%llu}\n",
				(unsigned long long)t, (unsigned long long)t);
		/* the patch takes half of the traffic: the load stays the same */
		share = i >= patched_s * 10 ? 0.5 : 1;
		if (i >= patched_s * 10 && i % 2)
			sample(f, &p, t + 20000, true, share);
		sample(f, &o, t, true, share);
		if (i >= patched_s * 10 && !(i % 2))
			sample(f, &p, t + 20000, true, share);
		if (other_session && i == 3)
			sample(f, &x, t, true, 1);
	}
	fclose(f);
}

/* ---- running dpoctl ---- */

/*
 * dpoctl with @args; @pipe_from: a file written to its stdin through a
 * pipe (NULL: stdin is /dev/null). Its exit status.
 */
static int run(const char *const *args, const char *pipe_from, char **out,
	       char **err)
{
	const char *argv[40];
	int i, n = 0, fo, fe, status, pfd[2] = { -1, -1 };
	pid_t pid, feeder = -1;

	for (i = 0; i < ncmd; i++)
		argv[n++] = cmd[i];
	for (i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	fflush(stdout);
	fo = memfd_create("stdout", 0);
	fe = memfd_create("stderr", 0);
	if (pipe_from) {
		if (pipe(pfd))
			return -1;
		feeder = fork();
		if (!feeder) {
			/* cat: not this test, which valgrind checks at exit */
			close(pfd[0]);
			dup2(pfd[1], 1);
			execlp("cat", "cat", pipe_from, (char *)NULL);
			_exit(127);
		}
		close(pfd[1]);
	}
	pid = fork();
	if (!pid) {
		int in = pipe_from ? pfd[0] : open("/dev/null", O_RDONLY);

		dup2(in, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	if (pipe_from)
		close(pfd[0]);
	waitpid(pid, &status, 0);
	if (feeder > 0)
		waitpid(feeder, NULL, 0);
	*out = read_fd(fo);
	*err = read_fd(fe);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char aa[64], bad_p[64], multi[64], broken[64], ini[64];

/* settings for 20 s recordings: a short baseline, a quick promotion */
#define SHORT "--baseline", "3", "--set", "baseline.min_samples=10", \
	"--set", "rule.smooth_s=1", \
	"--duration", "1", "--promote-after", "8", "--set", "promote.min_s=4"

static void check_run(const char *name, const char *const *args,
		      const char *pipe_from, int want_rc, const char *want_out,
		      const char *want_err, char **keep)
{
	char *out, *err;
	int rc = run(args, pipe_from, &out, &err);
	bool ok = rc == want_rc && (!want_out || strstr(out, want_out)) &&
		  (want_err ? strstr(err, want_err) != NULL : !err[0]);

	result(ok, "%s", name);
	if (!ok)
		printf("#   exit %d (want %d)\n#   stdout: %.2000s\n#   stderr: %s\n",
		       rc, want_rc, out, err);
	if (keep)
		*keep = out;
	else
		free(out);
	free(err);
}

static void test_verdicts(void)
{
	const char *aa_args[] = { "analyze", SHORT, aa, NULL };
	const char *bad_args[] = { "analyze", SHORT, bad_p, NULL };
	const char *bad_json[] = { "-j", "analyze", SHORT, bad_p, NULL };
	const char *bad_stdin[] = { "analyze", SHORT, "-", NULL };
	char *a, *b;

	recording(aa, 20, 5, 1.0, NULL);
	recording(bad_p, 20, 5, 2.0, NULL);
	check_run("a/a: not a rollback", aa_args, NULL, 0, "\nverdict ", NULL,
		  &a);
	result(!strstr(a, "rollback"), "a/a: no rollback anywhere");
	result(strstr(a, "     TIME  EVENT ") == a, "a/a: the events' header first");
	result(strstr(a, " ready ") != NULL, "a/a: the baseline got ready");
	result(strstr(a, " observe ") != NULL, "a/a: the patched instance observed");
	check_run("a/a twice: byte-identical", aa_args, NULL, 0, NULL, NULL, &b);
	check_str("a/a twice: the same output", b, a);
	free(a);
	free(b);

	check_run("2x latency: rollback, exit 3", bad_args, NULL, 3,
		  "\nverdict         rollback\n", NULL, &a);
	result(strstr(a, " breach ") != NULL, "2x latency: a breach first");
	result(strstr(a, " verdict  ") != NULL, "2x latency: the verdict event");
	result(strstr(a, "\nwhy ") != NULL, "2x latency: the sentence why");
	check_run("2x latency twice: byte-identical", bad_args, NULL, 3, NULL,
		  NULL, &b);
	check_str("2x latency twice: the same output", b, a);
	free(b);
	check_run("2x latency from a pipe: the same", bad_stdin, bad_p, 3,
		  NULL, NULL, &b);
	check_str("2x latency from a pipe: the same output", b, a);
	free(a);
	free(b);
	check_run("2x latency, JSON: rollback", bad_json, NULL, 3,
		  "{\"event\":\"decision\",\"verdict\":\"rollback\"", NULL, &a);
	result(a[0] == '{' && !strstr(a, "\n\n") && !strstr(a, "}{"),
	       "2x latency, JSON: one object per line");
	check_run("2x latency, JSON twice: byte-identical", bad_json, NULL, 3,
		  NULL, NULL, &b);
	check_str("2x latency, JSON twice: the same output", b, a);
	free(a);
	free(b);
}

static void test_undecided(void)
{
	const char *args[] = { "analyze", SHORT, broken, NULL };
	const char *none[] = { "analyze", "--session", "nosuch", aa, NULL };

	/* 3 s of the original alone: the baseline never judged anything */
	recording(broken, 3, 100, 1.0, NULL);
	check_run("original only: undecided, exit 5", args, NULL, 5,
		  "\nverdict         undecided\nreason          end_of_input\n",
		  NULL, NULL);
	check_run("no samples of the session: exit 2", none, NULL, 2, "",
		  "dpoctl: analyze: ", NULL);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

#define S1 "{\"event\":\"sample\",\"session\":\"db\",\"pid\":1,\"role\":\"original\"," \
	"\"start_time_ns\":1,\"stats\":{\"cpu_ns\":1,\"run_delay_ns\":1,\"min_flt\":1," \
	"\"maj_flt\":0,\"rss_bytes\":1,\"seq\":1,\"timestamp_ns\":100000000}}\n"

struct bad_case {
	const char *name, *text, *err;	/* @err after "FILE:" */
};

static const struct bad_case bad_cases[] = {
	{ "not JSON", S1 "TIME EVENT\n", ":2: not JSON: " },
	{ "truncated", S1 S1 "{\"event\":\"sample\"\n", ":3: not JSON: truncated" },
	{ "empty line", "\n", ":1: not JSON: empty line" },
	{ "text after", S1 "{\"event\":\"x\"} x\n", ":2: not JSON: " },
	{ "an array", "[1]\n", ":1: not a JSON object" },
	{ "no event", "{}\n", ":1: line: no event string" },
	{ "no stats", "{\"event\":\"sample\",\"session\":\"db\",\"pid\":1,"
	  "\"role\":\"original\",\"start_time_ns\":1}\n",
	  ":1: sample: stats is not an object" },
	{ "missing counter", "{\"event\":\"sample\",\"session\":\"db\",\"pid\":1,"
	  "\"role\":\"original\",\"start_time_ns\":1,\"stats\":{\"cpu_ns\":1}}\n",
	  ":1: sample: no timestamp_ns" },
	{ "negative counter", "{\"event\":\"sample\",\"session\":\"db\",\"pid\":1,"
	  "\"role\":\"original\",\"start_time_ns\":1,\"stats\":{\"timestamp_ns\":-1}}\n",
	  ":1: sample: timestamp_ns is not a whole number >= 0" },
	{ "string counter", "{\"event\":\"sample\",\"session\":\"db\",\"pid\":1,"
	  "\"role\":\"original\",\"start_time_ns\":\"1\",\"stats\":{}}\n",
	  ":1: sample: start_time_ns is not a whole number >= 0" },
	{ "bad role", "{\"event\":\"sample\",\"session\":\"db\",\"pid\":1,"
	  "\"role\":\"both\",\"start_time_ns\":1,\"stats\":{}}\n",
	  ":1: sample: bad role \"both\" (original or patched)" },
	{ "pid 0", "{\"event\":\"sample\",\"session\":\"db\",\"pid\":0,"
	  "\"role\":\"original\",\"start_time_ns\":1,\"stats\":{}}\n",
	  ":1: sample: bad pid 0" },
	{ "repeated sample", S1 S1, ":2: sample of original pid 1 does not follow its previous one" },
#define SH(h) "{\"event\":\"sample\",\"session\":\"db\",\"pid\":1," \
	"\"role\":\"original\",\"start_time_ns\":1,\"stats\":{\"cpu_ns\":1," \
	"\"run_delay_ns\":1,\"min_flt\":1,\"maj_flt\":0,\"rss_bytes\":1," \
	"\"seq\":1,\"timestamp_ns\":1,\"lat_hist\":" h "}}\n"
	{ "histogram key inside a bucket", SH("{\"33\":1}"),
	  ":1: sample: lat_hist: \"33\" is no bucket's lower bound" },
	{ "histogram key not a number", SH("{\"x\":1}"),
	  ":1: sample: lat_hist: \"x\" is no bucket's lower bound" },
	{ "histogram count negative", SH("{\"34\":-1}"),
	  ":1: sample: lat_hist: 34: not a whole number >= 0" },
	{ "histogram not an object", SH("[1]"),
	  ":1: sample: lat_hist is not an object" },
#undef SH
};

static void test_bad_input(void)
{
	const char *args[] = { "analyze", broken, NULL };
	char name[128], want[256];
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		write_text(broken, bad_cases[i].text);
		snprintf(name, sizeof(name), "bad input: %s: exit 2 and the line",
			 bad_cases[i].name);
		snprintf(want, sizeof(want), "dpoctl: analyze: %s%s", broken,
			 bad_cases[i].err);
		check_run(name, args, NULL, 2, "", want, NULL);
	}
	args[1] = "/nonexistent/rec.json";
	check_run("bad input: missing file", args, NULL, 2, "",
		  "dpoctl: analyze: /nonexistent/rec.json: No such file or directory\n",
		  NULL);
}

static void test_sessions(void)
{
	const char *all[] = { "analyze", multi, NULL };
	const char *one[] = { "analyze", SHORT, "--session", "db", multi, NULL };
	const char *piped[] = { "analyze", "-", NULL };

	recording(multi, 20, 5, 2.0, "other");
	check_run("two sessions: usage error listing them", all, NULL, 1, "",
		  "has samples of several sessions (db, other): choose one with --session",
		  NULL);
	check_run("two sessions: --session db rolls back", one, NULL, 3,
		  "rollback", NULL, NULL);
	check_run("two sessions from a pipe: error at the line", piped, multi, 2,
		  NULL, "dpoctl: analyze: stdin:5: samples of several sessions (db, other)",
		  NULL);
}

static void test_settings(void)
{
	const char *bad_set[] = { "analyze", "--set", "rule.duration_s=x", aa, NULL };
	const char *bad_short[] = { "analyze", "--alpha", "2", aa, NULL };
	const char *bad_form[] = { "analyze", "--set", "duration=1", aa, NULL };
	const char *missing[] = { "analyze", "--config", "/nonexistent.ini", aa, NULL };
	const char *bad_file[] = { "analyze", "--config", ini, aa, NULL };
	const char *no_file[] = { "analyze", NULL };
	const char *unknown[] = { "analyze", "--frob", aa, NULL };
	const char *print[] = { "analyze", "--print-config", "--duration=7",
				"--set", "rule.duration_s=9", NULL };
	const char *reread[] = { "analyze", "--config", ini, "--print-config", NULL };
	const char *order[] = { "analyze", "--set", "rule.duration_s=9",
				"--config", ini, "--print-config", NULL };
	char *a, *b, want[128];

	check_run("settings: --set bad value names the flag", bad_set, NULL, 1,
		  "", "dpoctl: analyze: --set rule.duration_s=x: rule.duration_s: bad value \"x\"",
		  NULL);
	check_run("settings: a shorthand names the flag", bad_short, NULL, 1, "",
		  "dpoctl: analyze: --alpha 2: predictive.alpha: \"2\" out of range",
		  NULL);
	check_run("settings: --set without a section", bad_form, NULL, 1, "",
		  "dpoctl: analyze: --set duration=1: want SECTION.KEY=VALUE",
		  NULL);
	check_run("settings: missing config file", missing, NULL, 1, "",
		  "dpoctl: analyze: /nonexistent.ini: No such file or directory",
		  NULL);
	write_text(ini, "[rule]\nduration_s = 2\n[lat_p99]\nweight = -1\n");
	snprintf(want, sizeof(want), "dpoctl: analyze: %s:4: lat_p99.weight: \"-1\" out of range",
		 ini);
	check_run("settings: bad file names FILE:LINE", bad_file, NULL, 1, "",
		  want, NULL);
	check_run("settings: no FILE", no_file, NULL, 1, "", "missing FILE", NULL);
	check_run("settings: unknown option", unknown, NULL, 1, "",
		  "unknown option \"--frob\"", NULL);

	check_run("settings: --print-config, later wins", print, NULL, 0,
		  "[rule]\nsmooth_s = ", NULL, &a);
	result(strstr(a, "\nduration_s = 9\n") != NULL,
	       "settings: the later override wins");
	write_text(ini, a);
	check_run("settings: printed config reads back", reread, NULL, 0, NULL,
		  NULL, &b);
	check_str("settings: round trip through the file", b, a);
	free(b);
	write_text(ini, "[rule]\nduration_s = 2\n");
	check_run("settings: overrides after the file whatever the order",
		  order, NULL, 0, "\nduration_s = 9\n", NULL, NULL);
	free(a);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		skip("dpoctl analyze", "no dpoctl command given");
		return test_done();
	}
	cmd = argv + 1;
	ncmd = argc - 1;
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(aa, sizeof(aa), "%s/aa.json", dir);
	snprintf(bad_p, sizeof(bad_p), "%s/bad.json", dir);
	snprintf(multi, sizeof(multi), "%s/multi.json", dir);
	snprintf(broken, sizeof(broken), "%s/broken.json", dir);
	snprintf(ini, sizeof(ini), "%s/dpo.ini", dir);
	test_verdicts();
	test_undecided();
	test_bad_input();
	test_sessions();
	test_settings();
	unlink(aa);
	unlink(bad_p);
	unlink(multi);
	unlink(broken);
	unlink(ini);
	rmdir(dir);
	return test_done();
}
