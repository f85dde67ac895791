// SPDX-License-Identifier: GPL-2.0
/* Tests of core/rate.c: rates between samples, and the tracker. */
#include <errno.h>

#include "core/rate.h"
#include "test.h"

static const struct dpoctl_stats s0 = {
	.timestamp_ns = 1000000000, .seq = 1, .cpu_ns = 0,
	.run_delay_ns = 0, .nvcsw = 10, .nivcsw = 5, .min_flt = 100,
	.maj_flt = 1, .rss_bytes = 1 << 20, .threads = 1,
};

/* half a second later */
static const struct dpoctl_stats s1 = {
	.timestamp_ns = 1500000000, .seq = 2, .cpu_ns = 250000000,
	.run_delay_ns = 5000000, .nvcsw = 20, .nivcsw = 10, .min_flt = 150,
	.maj_flt = 2, .rss_bytes = 2 << 20, .threads = 2,
};

static void test_rates(void)
{
	struct dpoctl_stats s = s1;
	struct dpoctl_rates r;

	result(!dpoctl_rates(&s0, &s1, &r), "rates: two samples");
	check_near("rates: cpu % of one core", r.cpu_pct, 50.0);
	check_near("rates: run delay ms/s", r.run_delay_ms_per_s, 10.0);
	check_near("rates: context switches/s", r.csw_per_s, 30.0);
	check_near("rates: faults/s", r.flt_per_s, 102.0);
	s.cpu_ns = 1000000000;
	dpoctl_rates(&s0, &s, &r);
	check_near("rates: several cores above 100%", r.cpu_pct, 200.0);

	s = s1;
	s.timestamp_ns = s0.timestamp_ns;
	check_int("rates: same time -> EINVAL", dpoctl_rates(&s0, &s, &r), -EINVAL);
	s = s1;
	s.seq = s0.seq;
	check_int("rates: same seq -> EINVAL", dpoctl_rates(&s0, &s, &r), -EINVAL);
	check_int("rates: swapped samples -> EINVAL", dpoctl_rates(&s1, &s0, &r),
		  -EINVAL);
	s = s1;
	s.cpu_ns = 0;
	s.run_delay_ns = 0;
	check_int("rates: no change is fine", dpoctl_rates(&s0, &s, &r), 0);
	s = s1;
	s.nivcsw = 4;
	check_int("rates: counter back -> ERANGE", dpoctl_rates(&s0, &s, &r),
		  -ERANGE);
	s = s1;
	s.maj_flt = 0;
	check_int("rates: faults back -> ERANGE", dpoctl_rates(&s0, &s, &r),
		  -ERANGE);
}

static void test_tracker(void)
{
	struct dpoctl_instance a = { .pid = 10, .start_time_ns = 5,
				  .has_stats = true, .stats = s0 };
	struct dpoctl_instance b = { .pid = 11, .start_time_ns = 6,
				  .has_stats = true, .stats = s0 };
	struct dpoctl_tracker t = { 0 };
	struct dpoctl_rates r = { 0 };
	int i, ok = 1;

	check_int("tracker: first sample, no rates",
		  dpoctl_tracker_update(&t, &a, &r), 0);
	check_int("tracker: other pid, no rates",
		  dpoctl_tracker_update(&t, &b, &r), 0);
	a.stats = s1;
	check_int("tracker: second sample, rates",
		  dpoctl_tracker_update(&t, &a, &r), 1);
	check_near("tracker: rates from its own previous sample", r.cpu_pct,
		   50.0);
	a.start_time_ns = 7;
	a.stats = s0;
	check_int("tracker: reused pid starts over",
		  dpoctl_tracker_update(&t, &a, &r), 0);
	dpoctl_tracker_forget(&t, &b);
	b.stats = s1;
	check_int("tracker: forgotten pid starts over",
		  dpoctl_tracker_update(&t, &b, &r), 0);
	a.has_stats = false;
	a.pid = 99;
	check_int("tracker: instance without sample ignored",
		  dpoctl_tracker_update(&t, &a, &r), 0);
	check_int("tracker: entries", (long long)t.n, 3);
	for (i = 0; i < 100; i++) {
		a.pid = 1000 + i;
		a.has_stats = true;
		a.stats = s0;
		ok &= dpoctl_tracker_update(&t, &a, &r) == 0;
	}
	for (i = 0; i < 100; i++) {
		a.pid = 1000 + i;
		a.stats = s1;
		ok &= dpoctl_tracker_update(&t, &a, &r) == 1;
	}
	result(ok && t.n == 103, "tracker: grows to 100 more processes");
	dpoctl_tracker_free(&t);
	result(!t.v && !t.n, "tracker: freed");
}

int main(void)
{
	test_rates();
	test_tracker();
	return test_done();
}
