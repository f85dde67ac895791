// SPDX-License-Identifier: GPL-2.0
/* Tests of print_instance.c: samples and their traffic. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/dpo.h>

#include "capture.h"
#include "print.h"
#include "printers.h"
#include "test.h"

static struct dpoctl_instance pi;

/* What the sample of each level adds, and which presence bits */
static const int totals[] = {
	DPO_STATS_A_CONNS_ACCEPTED, DPO_STATS_A_CONNS_ACTIVE,
	DPO_STATS_A_REQUESTS, DPO_STATS_A_BYTES_IN, DPO_STATS_A_BYTES_OUT,
};
static const int rates[] = {
	DPO_STATS_A_ACCEPTED_PER_S, DPO_STATS_A_REQUESTS_PER_S,
	DPO_STATS_A_BYTES_IN_PER_S, DPO_STATS_A_BYTES_OUT_PER_S,
	DPO_STATS_A_LAT_HIST, DPO_STATS_A_LAT_P50_US, DPO_STATS_A_LAT_P99_US,
	DPO_STATS_A_LAT_MEAN_US,
};

static void present(const int *attrs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		pi.stats.present |= DPOCTL_STAT_BIT(attrs[i]);
}

/*
 * A sample: @level 0 as an older module sends it, 1 the first sample
 * with traffic (totals only), 2 a later one with rates and latencies.
 */
static void sample(int level)
{
	static const struct dpoctl_stats first = {
		.conns_accepted = 10, .conns_active = 2, .requests = 500,
		.bytes_in = 1000000, .bytes_out = 2000000, .seq = 2, .threads = 4,
	};
	static const struct dpoctl_stats later = {
		.conns_accepted = 10, .conns_active = 2, .requests = 500,
		.bytes_in = 1000000, .bytes_out = 2000000,
		.accepted_per_s = 1, .requests_per_s = 50,
		.bytes_in_per_s = 2048, .bytes_out_per_s = 4096,
		.lat_hist = { [0] = 7, [152] = 5, [DPO_LAT_BUCKETS - 1] = 1 },
		.lat_p50_us = 12, .lat_p99_us = 900, .lat_mean_us = 40,
		.seq = 2, .threads = 4,
	};
	struct dpoctl_stats *s = &pi.stats;

	memset(&pi, 0, sizeof(pi));
	snprintf(pi.session, sizeof(pi.session), "db");
	pi.pid = 4242;
	pi.has_stats = true;
	*s = level >= 2 ? later : first;
	s->present = DPOCTL_STAT_BIT(DPO_STATS_A_SEQ) |
		     DPOCTL_STAT_BIT(DPO_STATS_A_THREADS);
	if (level >= 1)
		present(totals, sizeof(totals) / sizeof(totals[0]));
	if (level >= 2)
		present(rates, sizeof(rates) / sizeof(rates[0]));
}

static void traffic_row(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_nest_begin("stats");
	dpoctl_print_traffic(&pi, true);
	dpoctl_pr_nest_end();
	dpoctl_pr_row_end();
	dpoctl_pr_end();
}

static void instance_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_print_instance(&pi);
	dpoctl_pr_end();
}

static void test_traffic(void)
{
	char *s;

	sample(2);
	s = capture(true, traffic_row);
	check_str("json sample traffic: values and non-empty buckets", s,
		  "{\"stats\":{\"conns_accepted\":10,\"conns_active\":2,"
		  "\"requests\":500,\"bytes_in\":1000000,\"bytes_out\":2000000,"
		  "\"accepted_per_s\":1,\"requests_per_s\":50,"
		  "\"bytes_in_per_s\":2048,\"bytes_out_per_s\":4096,"
		  "\"lat_p50_us\":12,\"lat_p99_us\":900,\"lat_mean_us\":40,"
		  "\"lat_hist\":{\"0\":7,\"6144\":5,\"4160749568\":1}}}\n");
	free(s);
	s = capture(false, traffic_row);
	check_str("text sample traffic: instance show columns", s,
		  "  CONNS  ACTIVE    REQ/S      IN_B/S     OUT_B/S   P50_US"
		  "   P99_US  MEAN_US\n"
		  "     10       2       50        2048        4096       12"
		  "      900       40\n");
	free(s);

	sample(1);
	s = capture(true, traffic_row);
	check_str("json first sample: rates and histogram null", s,
		  "{\"stats\":{\"conns_accepted\":10,\"conns_active\":2,"
		  "\"requests\":500,\"bytes_in\":1000000,\"bytes_out\":2000000,"
		  "\"accepted_per_s\":null,\"requests_per_s\":null,"
		  "\"bytes_in_per_s\":null,\"bytes_out_per_s\":null,"
		  "\"lat_p50_us\":null,\"lat_p99_us\":null,\"lat_mean_us\":null,"
		  "\"lat_hist\":null}}\n");
	free(s);

	/* an interval without requests: rates, but no latency */
	pi.stats.present |= DPOCTL_STAT_BIT(DPO_STATS_A_REQUESTS_PER_S);
	s = capture(true, traffic_row);
	result(strstr(s, "\"requests_per_s\":0,") &&
	       strstr(s, "\"lat_p50_us\":null,") &&
	       strstr(s, "\"lat_hist\":{}}"),
	       "json idle interval: empty histogram, no percentiles");
	free(s);

	sample(0);
	s = capture(false, traffic_row);
	check_str("text sample of an older module: dashes", s,
		  "  CONNS  ACTIVE    REQ/S      IN_B/S     OUT_B/S   P50_US"
		  "   P99_US  MEAN_US\n"
		  "      -       -        -           -           -        -"
		  "        -        -\n");
	free(s);
	pi.has_stats = false;
	s = capture(true, traffic_row);
	result(strstr(s, "\"conns_accepted\":null,") &&
	       strstr(s, "\"lat_hist\":null}"),
	       "json instance without a sample: nulls");
	free(s);
}

static void test_instance(void)
{
	char *s;

	sample(0);
	pi.role = DPO_ROLE_ORIGINAL;
	pi.stats.cpu_ns = 9900000000ULL;
	pi.stats.timestamp_ns = 1234500000000ULL;
	s = capture(false, instance_rows);
	check_str("text instance show: one row under the header", s,
		  "SESSION           PID  ROLE      THREADS          CPU_NS"
		  "   RUN_DELAY_NS     NVCSW    NIVCSW   MIN_FLT  MAJ_FLT"
		  "    RSS_BYTES     SEQ      TIMESTAMP_NS    CONNS  ACTIVE"
		  "    REQ/S      IN_B/S     OUT_B/S   P50_US   P99_US  MEAN_US\n"
		  "db               4242  original        4      9900000000"
		  "              0         0         0         0        0"
		  "            0       2     1234500000000        -       -"
		  "        -           -           -        -        -        -\n");
	free(s);
	pi.has_stats = false;
	s = capture(true, instance_rows);
	result(strstr(s, "\"role\":\"original\",\"start_time_ns\":0,"
		      "\"stats\":{\"threads\":null,") != NULL,
	       "json instance without a sample: null stats");
	free(s);
}

int main(void)
{
	sample(2);
	test_traffic();
	test_instance();
	return test_done();
}
