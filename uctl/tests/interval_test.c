// SPDX-License-Identifier: GPL-2.0
/* Tests of core/interval.c: the engine's interval from two samples. */
#include <errno.h>
#include <linux/dpo.h>

#include "core/interval.h"
#include "test.h"

#define TRAFFIC (DPOCTL_STAT_BIT(DPO_STATS_A_CONNS_ACCEPTED) | \
		 DPOCTL_STAT_BIT(DPO_STATS_A_CONNS_ACTIVE) | \
		 DPOCTL_STAT_BIT(DPO_STATS_A_REQUESTS))
#define LAT (DPOCTL_STAT_BIT(DPO_STATS_A_LAT_P50_US) | \
	     DPOCTL_STAT_BIT(DPO_STATS_A_LAT_P99_US) | \
	     DPOCTL_STAT_BIT(DPO_STATS_A_LAT_MEAN_US))

/* The first sample of a process: traffic counters, no latency yet. */
static const struct dpoctl_stats s0 = {
	.timestamp_ns = 10000000000ULL, .seq = 7, .cpu_ns = 1000000000,
	.run_delay_ns = 2000000, .min_flt = 100, .maj_flt = 3,
	.rss_bytes = 8 << 20, .present = TRAFFIC, .conns_accepted = 10,
	.conns_active = 4, .requests = 500,
};

/* 100 ms later, with the latencies of the interval */
static const struct dpoctl_stats s1 = {
	.timestamp_ns = 10100000000ULL, .seq = 8, .cpu_ns = 1050000000,
	.run_delay_ns = 3000000, .min_flt = 160, .maj_flt = 4,
	.rss_bytes = 7 << 20, .present = TRAFFIC | LAT, .conns_accepted = 13,
	.conns_active = 6, .requests = 700, .lat_p50_us = 900,
	.lat_p99_us = 4000, .lat_mean_us = 1100,
};

struct case_ {
	const char *name;
	void (*edit)(struct dpoctl_stats *prev, struct dpoctl_stats *cur);
	int ret;
	bool has_lat;
	double requests, conns_held;
};

static void none(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	(void)p;
	(void)c;
}

static void same_time(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->timestamp_ns = p->timestamp_ns;
}

static void same_seq(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->seq = p->seq;
}

static void swapped(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	struct dpoctl_stats t = *p;

	*p = *c;
	*c = t;
}

static void cpu_back(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->cpu_ns = p->cpu_ns - 1;
}

static void delay_back(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->run_delay_ns = p->run_delay_ns - 1;
}

static void faults_back(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->maj_flt = p->maj_flt - 1;
}

static void accepted_back(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->conns_accepted = p->conns_accepted - 1;
}

static void requests_back(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->requests = p->requests - 1;
}

static void requests_lost(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	(void)p;
	c->present &= ~DPOCTL_STAT_BIT(DPO_STATS_A_REQUESTS);
}

static void no_requests(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	c->requests = p->requests;
}

static void no_p99(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	(void)p;
	c->present &= ~DPOCTL_STAT_BIT(DPO_STATS_A_LAT_P99_US);
}

static void old_module(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	p->present = 0;
	c->present = 0;
}

/* the first sample with traffic: no listener before */
static void traffic_starts(struct dpoctl_stats *p, struct dpoctl_stats *c)
{
	(void)c;
	p->present = 0;
}

static const struct case_ cases[] = {
	{ "normal", none, 0, true, 200, 4 + 3 },
	{ "same time -> EINVAL", same_time, -EINVAL, false, 0, 0 },
	{ "same seq -> EINVAL", same_seq, -EINVAL, false, 0, 0 },
	{ "swapped samples -> EINVAL", swapped, -EINVAL, false, 0, 0 },
	{ "cpu back -> ERANGE", cpu_back, -ERANGE, false, 0, 0 },
	{ "run delay back -> ERANGE", delay_back, -ERANGE, false, 0, 0 },
	{ "faults back -> ERANGE", faults_back, -ERANGE, false, 0, 0 },
	{ "conns accepted back -> ERANGE", accepted_back, -ERANGE, false, 0, 0 },
	{ "requests back -> ERANGE", requests_back, -ERANGE, false, 0, 0 },
	{ "requests no longer sent -> ERANGE", requests_lost, -ERANGE, false, 0, 0 },
	{ "no requests: no latency", no_requests, 0, false, 0, 7 },
	{ "a latency missing: none", no_p99, 0, false, 200, 7 },
	{ "older module: no traffic", old_module, 0, false, 0, 0 },
	{ "first sample with traffic", traffic_starts, 0, true, 700, 13 },
};

static void test_cases(void)
{
	struct dpoctl_stats p, c;
	struct dpoctl_interval iv;
	char name[96];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		p = s0;
		c = s1;
		cases[i].edit(&p, &c);
		ret = dpoctl_interval_from_stats(&p, &c, &iv, NULL);
		snprintf(name, sizeof(name), "%s: result", cases[i].name);
		check_int(name, ret, cases[i].ret);
		if (ret)
			continue;
		snprintf(name, sizeof(name), "%s: has_lat", cases[i].name);
		check_int(name, iv.has_lat, cases[i].has_lat);
		snprintf(name, sizeof(name), "%s: requests", cases[i].name);
		check_near(name, iv.requests, cases[i].requests);
		snprintf(name, sizeof(name), "%s: conns held", cases[i].name);
		check_near(name, iv.conns_held, cases[i].conns_held);
	}
}

static void test_values(void)
{
	struct dpoctl_interval iv;

	dpoctl_interval_from_stats(&s0, &s1, &iv, NULL);
	check_near("values: dt", iv.dt_s, 0.1);
	check_near("values: cpu", iv.cpu_s, 0.05);
	check_near("values: run delay", iv.run_delay_s, 0.001);
	check_near("values: minor faults", iv.min_flt, 60);
	check_near("values: major faults", iv.maj_flt, 1);
	check_near("values: rss shrank", iv.rss_delta_bytes, -(1 << 20));
	check_near("values: p50", iv.lat_p50_us, 900);
	check_near("values: p99", iv.lat_p99_us, 4000);
	check_near("values: mean", iv.lat_mean_us, 1100);
}

int main(void)
{
	test_cases();
	test_values();
	return test_done();
}
