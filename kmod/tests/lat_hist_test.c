// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of kmod/lat_hist.h: the log-linear buckets at every edge,
 * their bounds, percentiles by hand, and the error bound over a sweep.
 */
#include <stdio.h>
#include <string.h>

#include "kselftest.h"

#include "../lat_hist.h"

static u64 hist[DPO_LAT_BUCKETS];

static void expect(u64 got, u64 want, const char *name)
{
	ksft_test_result(got == want, "%s\n", name);
	if (got != want)
		ksft_print_msg("got %llu, want %llu\n",
			       (unsigned long long)got,
			       (unsigned long long)want);
}

/* The layout of the spec, by hand. */
static void test_buckets(void)
{
	static const struct {
		u64 us;
		unsigned int bucket;
	} cases[] = {
		{ 0, 0 }, { 1, 1 }, { 15, 15 }, { 16, 16 }, { 17, 17 },
		{ 31, 31 }, { 32, 32 }, { 33, 32 }, { 34, 33 }, { 63, 47 },
		{ 64, 48 }, { 67, 48 }, { 68, 49 }, { 127, 63 }, { 128, 64 },
		/* 5 ms and 6 ms: k = 12, widths of 256 us */
		{ 5000, 9 * 16 + 3 }, { 6000, 9 * 16 + 7 },
		{ (1ULL << 31) - 1, 28 * 16 - 1 }, { 1ULL << 31, 28 * 16 },
		{ (1ULL << 32) - 1, 463 }, { 1ULL << 32, 463 },
		{ 1ULL << 40, 463 }, { ~0ULL, 463 },
	};
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "bucket of %llu us is %u",
			 (unsigned long long)cases[i].us, cases[i].bucket);
		expect(dpo_lat_bucket(cases[i].us), cases[i].bucket, name);
	}
}

static void test_bounds(void)
{
	static const struct {
		unsigned int bucket;
		u64 lo, width;
	} cases[] = {
		{ 0, 0, 1 }, { 15, 15, 1 }, { 16, 16, 1 }, { 31, 31, 1 },
		{ 32, 32, 2 }, { 47, 62, 2 }, { 48, 64, 4 },
		{ 463, 31ULL << 27, 1ULL << 27 },
	};
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "bucket %u is [%llu, +%llu)",
			 cases[i].bucket, (unsigned long long)cases[i].lo,
			 (unsigned long long)cases[i].width);
		ksft_test_result(dpo_lat_bucket_lo_us(cases[i].bucket) ==
					 cases[i].lo &&
				 dpo_lat_bucket_width_us(cases[i].bucket) ==
					 cases[i].width, "%s\n", name);
	}
}

/*
 * Every power of two and every sub-bucket edge from 1 to 2^32: the edge
 * and the value below it land in adjacent buckets, each bucket's lower
 * bound maps back to it, the buckets tile [0, 2^32) without a gap, and
 * none is wider than 1/16 of its lower bound (from 16 us on).
 */
static void test_edges(void)
{
	unsigned int b, k, sub, bad_pow = 0, bad_sub = 0, bad_tile = 0;
	unsigned int bad_width = 0;

	for (k = 1; k < 32; k++) {
		u64 v = 1ULL << k;

		if (dpo_lat_bucket(v) != dpo_lat_bucket(v - 1) + 1 ||
		    dpo_lat_bucket_lo_us(dpo_lat_bucket(v)) != v)
			bad_pow++;
	}
	for (k = 4; k < 32; k++) {
		for (sub = 0; sub < 16; sub++) {
			u64 v = (u64)(16 + sub) << (k - 4);

			if (dpo_lat_bucket(v) != (k - 3) * 16 + sub ||
			    dpo_lat_bucket(v - 1) + 1 != dpo_lat_bucket(v))
				bad_sub++;
		}
	}
	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		u64 lo = dpo_lat_bucket_lo_us(b), w = dpo_lat_bucket_width_us(b);
		u64 next = b + 1 < DPO_LAT_BUCKETS ?
			dpo_lat_bucket_lo_us(b + 1) : DPO_LAT_TOP_US;

		if (dpo_lat_bucket(lo) != b || dpo_lat_bucket(lo + w - 1) != b ||
		    lo + w != next)
			bad_tile++;
		if (lo >= 16 && w * 16 > lo)
			bad_width++;
	}
	ksft_test_result(!bad_pow, "powers of two start a new bucket\n");
	ksft_test_result(!bad_sub, "every sub-bucket edge starts its bucket\n");
	ksft_test_result(!bad_tile,
			 "lower bounds round-trip, buckets tile [0, 2^32)\n");
	ksft_test_result(!bad_width, "no bucket wider than 1/16 of its start\n");
}

/* Percentiles of histograms of at most two buckets, computed by hand. */
static const struct {
	const char *name;
	unsigned int b1, b2;	/* the buckets */
	u64 n1, n2;		/* their counts */
	unsigned int pct;
	u64 want;
} percentiles[] = {
	{ "empty: p50 is 0", 0, 0, 0, 0, 50, 0 },
	{ "empty: p99 is 0", 0, 0, 0, 0, 99, 0 },
	/* One request in [64, 68) (bucket 48): the middle of the bucket. */
	{ "one in [64,68): p50 66", 48, 0, 1, 0, 50, 66 },
	{ "one in [64,68): p99 66", 48, 0, 1, 0, 99, 66 },
	/* Width 1 below 32: the lower bound, whatever the rank. */
	{ "four in [7,8): p50 7", 7, 0, 4, 0, 50, 7 },
	{ "four in [7,8): p99 7", 7, 0, 4, 0, 99, 7 },
	/* Two in [32, 34), two in [34, 36): the edge between ranks 2 and 3. */
	{ "edge: p25 (rank 1) 32", 32, 33, 2, 2, 25, 32 },
	{ "edge: p50 (rank 2, last below the edge) 33", 32, 33, 2, 2, 50, 33 },
	{ "edge: p51 (rank 3, first above the edge) 34", 32, 33, 2, 2, 51,
	  34 },
	{ "edge: p99 (rank 4) 35", 32, 33, 2, 2, 99, 35 },
	/*
	 * 100 in [4864, 5120) (bucket 147): 4864 + 256 * 99/200 and
	 * 4864 + 256 * 197/200.
	 */
	{ "100 in [4864,5120): p50 4990", 147, 0, 100, 0, 50, 4990 },
	{ "100 in [4864,5120): p99 5116", 147, 0, 100, 0, 99, 5116 },
	/* 90 in [16, 17), 10 in [6144, 6400) (bucket 152). */
	{ "90+10: p50 16", 16, 152, 90, 10, 50, 16 },
	{ "90+10: p90 (last of the low bucket) 16", 16, 152, 90, 10, 90, 16 },
	{ "90+10: p91 (first of the high bucket) 6156", 16, 152, 90, 10, 91,
	  6156 },
	{ "90+10: p99 6361", 16, 152, 90, 10, 99, 6361 },
	/* The last bucket is read as [31 << 27, 2^32). */
	{ "one in the last bucket: p50 (31 << 27) + 2^26",
	  DPO_LAT_BUCKETS - 1, 0, 1, 0, 50, (31ULL << 27) + (1ULL << 26) },
};

static void test_percentiles(void)
{
	size_t i;

	for (i = 0; i < sizeof(percentiles) / sizeof(percentiles[0]); i++) {
		memset(hist, 0, sizeof(hist));
		hist[percentiles[i].b1] += percentiles[i].n1;
		hist[percentiles[i].b2] += percentiles[i].n2;
		expect(dpo_lat_percentile_us(hist, percentiles[i].n1 +
					     percentiles[i].n2,
					     percentiles[i].pct),
		       percentiles[i].want, percentiles[i].name);
	}

	/* Fewer counts than n: the last bucket's lower edge. */
	memset(hist, 0, sizeof(hist));
	expect(dpo_lat_percentile_us(hist, 10, 50), 31ULL << 27,
	       "counts short of n: p50 is the last bucket's edge");
}

/*
 * Over pseudo-random histograms: every percentile lies in the bucket that
 * holds its rank, and percentiles never decrease with pct.
 */
static void test_percentile_properties(void)
{
	unsigned int seed = 1, round, pct, b, bad = 0;

	for (round = 0; round < 200; round++) {
		u64 n = 0, prev = 0;

		for (b = 0; b < DPO_LAT_BUCKETS; b++) {
			seed = seed * 1103515245 + 12345;
			hist[b] = (seed >> 16) % 16 ? 0 : (seed >> 8) % 1000;
			n += hist[b];
		}
		if (!n)
			continue;
		for (pct = 1; pct <= 100; pct++) {
			u64 p = dpo_lat_percentile_us(hist, n, pct);
			u64 rank = (n * pct + 99) / 100, below = 0;

			for (b = 0; below + hist[b] < rank; b++)
				below += hist[b];
			if (p < dpo_lat_bucket_lo_us(b) ||
			    p >= dpo_lat_bucket_lo_us(b) +
				 dpo_lat_bucket_width_us(b) || p < prev)
				bad++;
			prev = p;
		}
	}
	ksft_test_result(!bad,
			 "random histograms: in the rank's bucket, monotonic\n");
}

/*
 * The error bound over a sweep of values from 16 us to 2^32 us (about
 * 1% apart): one value alone, read back as the p50 of its histogram (the
 * middle of its bucket), is within half a bucket, 1/32 of the value.
 * And 1000 values spread evenly over [v, 1.2 v): p50 and p99 stay in the
 * exact value's bucket, so within 1/16 of it (plus one microsecond of
 * rounding); interpolation makes it much less where a bucket is full.
 */
static void test_error_bound(void)
{
	unsigned int i, bad_one = 0, bad_spread = 0;
	double worst = 0, worst_spread = 0, exact, err;
	u64 v, p;

	for (v = 16; v < DPO_LAT_TOP_US; v += v / 100 + 1) {
		memset(hist, 0, sizeof(hist));
		hist[dpo_lat_bucket(v)] = 1;
		p = dpo_lat_percentile_us(hist, 1, 50);
		err = p > v ? (double)(p - v) / v : (double)(v - p) / v;
		if (err > worst)
			worst = err;
		if (err > 1.0 / 32)
			bad_one++;
	}
	for (v = 100; v < (DPO_LAT_TOP_US / 6) * 5; v += v / 7 + 1) {
		static const unsigned int pcts[] = { 50, 99 };
		size_t j;

		memset(hist, 0, sizeof(hist));
		for (i = 0; i < 1000; i++)
			hist[dpo_lat_bucket(v + v / 5 * i / 1000)]++;
		for (j = 0; j < 2; j++) {
			/* rank r of 1000 is the value v + v/5 * (r-1)/1000 */
			exact = v + (double)(v / 5) * (pcts[j] * 10 - 1) / 1000;
			p = dpo_lat_percentile_us(hist, 1000, pcts[j]);
			err = (p > exact ? p - exact : exact - p) / exact;
			if (err > worst_spread)
				worst_spread = err;
			if (p > exact * (1 + 1.0 / 16) + 1 ||
			    p < exact * (1 - 1.0 / 16) - 1)
				bad_spread++;
		}
	}
	ksft_test_result(!bad_one,
			 "one value: p50 within 1/32 (worst %.4f)\n", worst);
	ksft_test_result(!bad_spread,
			 "spread values: p50 and p99 within 1/16 (worst %.4f)\n",
			 worst_spread);
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(23 + 8 + 4 + 18 + 1 + 2);
	test_buckets();
	test_bounds();
	test_edges();
	test_percentiles();
	test_percentile_properties();
	test_error_bound();
	ksft_finished();
}
