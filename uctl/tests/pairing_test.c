// SPDX-License-Identifier: GPL-2.0
/* Tests of core/pairing.c: samples in, the engine's steps out. */
#include <errno.h>
#include <linux/dpo.h>

#include "core/pairing.h"
#include "test.h"

#define MS 1000000ULL

static struct dpoctl_pairing p;
static struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS];

/* A sample of @role's instance @pid at @t_ms; the counters grow with time. */
static struct dpoctl_instance sample(uint8_t role, uint32_t pid, uint64_t t_ms)
{
	struct dpoctl_instance in = {
		.session = "db", .pid = pid, .role = role,
		.start_time_ns = pid * 1000ULL, .has_stats = true,
	};

	in.stats.timestamp_ns = t_ms * MS;
	in.stats.seq = t_ms + 1;
	in.stats.cpu_ns = t_ms * MS / 2;
	in.stats.min_flt = t_ms * role;
	return in;
}

static int add(uint8_t role, uint32_t pid, uint64_t t_ms)
{
	struct dpoctl_instance in = sample(role, pid, t_ms);

	return dpoctl_pairing_add(&p, &in, out);
}

#define O DPO_ROLE_ORIGINAL
#define P DPO_ROLE_PATCHED

/* out[@i] is the step at @t_ms, with the patched interval ending at @p_ms (0: none) */
static void check_step(const char *name, int i, uint64_t t_ms, uint64_t p_ms)
{
	bool ok = out[i].now_ns == t_ms * MS &&
		  out[i].has_patched == (p_ms != 0) &&
		  (!p_ms || out[i].patched_ns == p_ms * MS);

	result(ok, "%s", name);
	if (!ok)
		printf("#   got step at %llu ms, patched %d at %llu ms\n",
		       (unsigned long long)(out[i].now_ns / MS),
		       out[i].has_patched,
		       (unsigned long long)(out[i].patched_ns / MS));
}

/* With traffic: the interval's histogram has @n requests in bucket @b. */
static int add_hist(uint8_t role, uint32_t pid, uint64_t t_ms, unsigned int b,
		    uint64_t n)
{
	struct dpoctl_instance in = sample(role, pid, t_ms);

	in.stats.requests = t_ms;
	in.stats.lat_p50_us = in.stats.lat_p99_us = in.stats.lat_mean_us = 100;
	in.stats.lat_hist[b] = n;
	in.stats.present = DPOCTL_STAT_BIT(DPO_STATS_A_REQUESTS) |
			   DPOCTL_STAT_BIT(DPO_STATS_A_LAT_P50_US) |
			   DPOCTL_STAT_BIT(DPO_STATS_A_LAT_P99_US) |
			   DPOCTL_STAT_BIT(DPO_STATS_A_LAT_MEAN_US) |
			   DPOCTL_STAT_BIT(DPO_STATS_A_LAT_HIST);
	return dpoctl_pairing_add(&p, &in, out);
}

/* out[@i]'s interval @iv has its own one-bucket histogram of @n in @lo_us */
static void check_hist(const char *name, const struct dpoctl_interval *iv,
		       const struct dpoctl_lat_bucket *own, double lo_us,
		       uint64_t n)
{
	result(iv->lat_hist == own && iv->lat_hist_len == 1 &&
	       own[0].lo_us == lo_us && own[0].count == n, "%s", name);
}

/* The histograms travel with their intervals, queued or not. */
static void test_histograms(void)
{
	dpoctl_pairing_init(&p, "db");
	add_hist(O, 10, 0, 0, 0);
	add_hist(P, 20, 1, 0, 0);
	add_hist(P, 20, 99, 48, 7);	/* queued: bucket 48 is [64, 68) */
	check_int("histograms: paired from the queue", add_hist(O, 10, 100, 152, 9), 1);
	check_hist("histograms: the original's, its own copy", &out[0].orig,
		   out[0].orig_hist, 6144, 9);
	check_hist("histograms: the patched one's, from the queue",
		   &out[0].patched, out[0].patched_hist, 64, 7);
	/* the original first: the step waits, then pairs directly */
	check_int("histograms: the original waits", add_hist(O, 10, 200, 16, 3), 0);
	check_int("histograms: paired at once", add_hist(P, 20, 201, 33, 5), 1);
	check_hist("histograms: the waiting original's", &out[0].orig,
		   out[0].orig_hist, 16, 3);
	check_hist("histograms: the patched one's, direct", &out[0].patched,
		   out[0].patched_hist, 34, 5);
}

static void test_original_only(void)
{
	dpoctl_pairing_init(&p, "db");
	check_int("original only: first sample, no step", add(O, 10, 0), 0);
	check_int("original only: second, one step", add(O, 10, 100), 1);
	check_step("original only: at once, without patched", 0, 100, 0);
	check_near("original only: its interval", out[0].orig.dt_s, 0.1);
	check_near("original only: its cpu", out[0].orig.cpu_s, 0.05);
	check_int("original only: flush has nothing", dpoctl_pairing_flush(&p, out), 0);
}

static void test_patched_first(void)
{
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 1);
	check_int("patched first: its second sample, no step", add(P, 20, 99), 0);
	check_int("patched first: the original's, paired", add(O, 10, 100), 1);
	check_step("patched first: the patched interval of the tick", 0, 100, 99);
	check_near("patched first: patched dt", out[0].patched.dt_s, 0.098);
	check_near("patched first: patched faults", out[0].patched.min_flt, 98 * 2);
	check_near("patched first: original faults", out[0].orig.min_flt, 100);
}

static void test_original_first(void)
{
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 2);
	check_int("original first: the step waits", add(O, 10, 100), 0);
	check_int("original first: the patched sample completes it",
		  add(P, 20, 102), 1);
	check_step("original first: paired", 0, 100, 102);
	check_int("original first: flush has nothing", dpoctl_pairing_flush(&p, out), 0);
}

static void test_orders_mixed(void)
{
	int i, ok = 1;

	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	for (i = 1; i <= 20; i++) {
		uint64_t t = 100 * i;

		if (i % 3) {
			ok &= add(P, 20, t + 1) == 0;
			ok &= add(O, 10, t) == 1;
		} else {
			ok &= add(O, 10, t) == 0;
			ok &= add(P, 20, t + 1) == 1;
		}
		ok &= out[0].now_ns == t * MS && out[0].has_patched &&
		      out[0].patched_ns == (t + 1) * MS;
	}
	result(ok, "mixed orders: every tick paired, one step each");
}

static void test_patched_appears(void)
{
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(O, 10, 100);
	check_int("patched appears: its first sample, no step", add(P, 20, 120), 0);
	check_int("patched appears: not sampled since: waits", add(O, 10, 200), 0);
	check_int("patched appears: interval in the window", add(P, 20, 220), 1);
	check_step("patched appears: paired", 0, 200, 220);
	/* its first sample in the window: its next one comes a tick later */
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(O, 10, 100);
	check_int("patched appears in the window: no step", add(P, 20, 150), 0);
	check_int("patched appears in the window: no need to wait",
		  add(O, 10, 200), 1);
	check_step("patched appears in the window: without patched", 0, 200, 0);
}

static void test_window(void)
{
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	check_int("window: waiting", add(O, 10, 100), 0);
	check_int("window: patched ends after it", add(P, 20, 151), 1);
	check_step("window: step without patched", 0, 100, 0);
	check_int("window: next original pairs the queued one", add(O, 10, 200), 1);
	check_step("window: 49 ms away is in", 0, 200, 151);

	/* on the edge: half the interval away is in */
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	add(O, 10, 100);
	check_int("window: edge", add(P, 20, 150), 1);
	check_step("window: edge, paired", 0, 100, 150);

	/* two queued: the closest */
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	add(P, 20, 70);
	add(P, 20, 95);
	check_int("window: two patched intervals queued", add(O, 10, 100), 1);
	check_step("window: the closest", 0, 100, 95);
	check_int("window: the other older one is dropped", (long long)p.nq, 0);

	/* too old for the window */
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	add(P, 20, 40);
	check_int("window: a queued one too old: wait", add(O, 10, 100), 0);
	check_int("window: too old, dropped", (long long)p.nq, 0);
	check_int("window: flush", dpoctl_pairing_flush(&p, out), 1);
	check_step("window: flushed without patched", 0, 100, 0);
}

static void test_gaps(void)
{
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	check_int("gap: waiting for the patched sample", add(O, 10, 100), 0);
	/* the patched sample of tick 100 was lost */
	check_int("gap: next original: the waiting one goes", add(O, 10, 200), 1);
	check_step("gap: the waiting one goes without", 0, 100, 0);
	check_int("gap: patched spanning two ticks", add(P, 20, 201), 1);
	check_step("gap: paired with the current one", 0, 200, 201);
	check_near("gap: its interval is two ticks", out[0].patched.dt_s, 0.201);

	/* a missed original sample: a longer interval, a wider window */
	add(P, 20, 299);
	check_int("gap: original missed a tick", add(O, 10, 400), 0);
	check_int("gap: patched pairs with the long interval", add(P, 20, 399), 1);
	check_step("gap: closest of the window", 0, 400, 399);
	check_near("gap: the original's long interval", out[0].orig.dt_s, 0.2);
	check_int("gap: the older one was dropped", (long long)p.nq, 0);
}

static void test_resets(void)
{
	struct dpoctl_instance in;

	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	check_int("reset: waiting", add(O, 10, 100), 0);
	check_int("reset: a new patched pid: the waiting step goes",
		  add(P, 21, 101), 1);
	check_step("reset: without patched", 0, 100, 0);
	check_int("reset: the new instance's next original waits", add(O, 10, 200), 0);
	check_int("reset: its second sample pairs", add(P, 21, 201), 1);
	check_step("reset: paired with the new one", 0, 200, 201);
	check_near("reset: the new one's interval only", out[0].patched.dt_s, 0.1);

	/* same pid, new start time: a new process */
	in = sample(P, 21, 301);
	in.start_time_ns++;
	add(O, 10, 300);
	check_int("reset: reused pid", dpoctl_pairing_add(&p, &in, out), 1);
	check_step("reset: reused pid, without", 0, 300, 0);

	/* a new original instance starts over too */
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	check_int("reset: new original: no step", add(O, 11, 100), 0);
	check_int("reset: new original: its second", add(O, 11, 200), 1);
	check_near("reset: new original's interval", out[0].orig.dt_s, 0.1);

	/* forget: the patched instance exited */
	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(P, 20, 0);
	add(O, 10, 100);
	in = sample(P, 20, 0);
	check_int("forget: the waiting step goes",
		  dpoctl_pairing_forget(&p, &in, out), 1);
	check_step("forget: without patched", 0, 100, 0);
	check_int("forget: the next original at once", add(O, 10, 200), 1);
	in = sample(P, 99, 0);
	check_int("forget: another instance: nothing",
		  dpoctl_pairing_forget(&p, &in, out), 0);
}

static void test_errors(void)
{
	struct dpoctl_instance in;

	dpoctl_pairing_init(&p, "db");
	add(O, 10, 0);
	add(O, 10, 100);
	check_int("errors: a repeated sample", add(O, 10, 100), -EINVAL);
	check_int("errors: an older one", add(O, 10, 50), -EINVAL);
	in = sample(O, 10, 200);
	in.stats.cpu_ns = 0;
	check_int("errors: a counter back", dpoctl_pairing_add(&p, &in, out),
		  -ERANGE);
	check_int("errors: nothing changed", add(O, 10, 200), 1);
	check_near("errors: interval from the last good sample",
		   out[0].orig.dt_s, 0.1);
	in = sample(0, 10, 300);
	check_int("errors: no role", dpoctl_pairing_add(&p, &in, out), -EINVAL);
	in = sample(O, 10, 300);
	strcpy(in.session, "other");
	check_int("errors: other session ignored", dpoctl_pairing_add(&p, &in, out), 0);
	in = sample(O, 10, 300);
	in.has_stats = false;
	check_int("errors: no stats ignored", dpoctl_pairing_add(&p, &in, out), 0);
	check_int("errors: still going", add(O, 10, 300), 1);
}

int main(void)
{
	test_original_only();
	test_histograms();
	test_patched_first();
	test_original_first();
	test_orders_mixed();
	test_patched_appears();
	test_window();
	test_gaps();
	test_resets();
	test_errors();
	return test_done();
}
