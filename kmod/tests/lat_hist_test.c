// SPDX-License-Identifier: GPL-2.0
/* Host tests of kmod/lat_hist.h: buckets and percentiles, by hand. */
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

static void test_buckets(void)
{
	static const struct {
		u64 us;
		unsigned int bucket;
	} cases[] = {
		{ 0, 0 }, { 1, 0 }, { 2, 1 }, { 3, 1 }, { 4, 2 }, { 7, 2 },
		{ 8, 3 }, { 1023, 9 }, { 1024, 10 }, { (1ULL << 31) - 1, 30 },
		{ 1ULL << 31, 31 }, { 1ULL << 40, 31 }, { ~0ULL, 31 },
	};
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "bucket of %llu us is %u",
			 (unsigned long long)cases[i].us, cases[i].bucket);
		expect(dpo_lat_bucket(cases[i].us), cases[i].bucket, name);
	}
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
	/* One request in [8, 16): the middle of the bucket. */
	{ "one in [8,16): p50 12", 3, 0, 1, 0, 50, 12 },
	{ "one in [8,16): p99 12", 3, 0, 1, 0, 99, 12 },
	/* Bucket 0 is [0, 2): ranks 2 and 4 of 4 at 3/8 and 7/8 of it. */
	{ "four in [0,2): p50 0", 0, 0, 4, 0, 50, 0 },
	{ "four in [0,2): p99 1", 0, 0, 4, 0, 99, 1 },
	/* Two in [2, 4), two in [4, 8): the edge is between ranks 2 and 3. */
	{ "edge: p25 (rank 1) 2", 1, 2, 2, 2, 25, 2 },
	{ "edge: p50 (rank 2, last below the edge) 3", 1, 2, 2, 2, 50, 3 },
	{ "edge: p51 (rank 3, first above the edge) 5", 1, 2, 2, 2, 51, 5 },
	{ "edge: p99 (rank 4) 7", 1, 2, 2, 2, 99, 7 },
	/* 1024 + 1024 * 99/200, and 1024 + 1024 * 197/200. */
	{ "100 in [1024,2048): p50 1530", 10, 0, 100, 0, 50, 1530 },
	{ "100 in [1024,2048): p99 2032", 10, 0, 100, 0, 99, 2032 },
	/* 90 in [16, 32), 10 in [4096, 8192). */
	{ "90+10: p50 24", 4, 12, 90, 10, 50, 24 },
	{ "90+10: p90 (last of the low bucket) 31", 4, 12, 90, 10, 90, 31 },
	{ "90+10: p91 (first of the high bucket) 4300", 4, 12, 90, 10, 91,
	  4300 },
	{ "90+10: p99 7577", 4, 12, 90, 10, 99, 7577 },
	/* The top bucket is open-ended: [2^31, ...) is read as [2^31, 2^32). */
	{ "one in the top bucket: p50 3 * 2^30", DPO_LAT_BUCKETS - 1, 0, 1, 0,
	  50, 3ULL << 30 },
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

	/* Fewer counts than n: the top bucket's lower edge. */
	memset(hist, 0, sizeof(hist));
	expect(dpo_lat_percentile_us(hist, 10, 50), 1ULL << 31,
	       "counts short of n: p50 is the top bucket's edge");
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
			hist[b] = (seed >> 16) % 4 ? 0 : (seed >> 8) % 1000;
			n += hist[b];
		}
		if (!n)
			continue;
		for (pct = 1; pct <= 100; pct++) {
			u64 p = dpo_lat_percentile_us(hist, n, pct);
			u64 rank = (n * pct + 99) / 100, below = 0;

			for (b = 0; below + hist[b] < rank; b++)
				below += hist[b];
			if (p < (b ? 1ULL << b : 0) ||
			    p >= (b ? 2ULL << b : 2) || p < prev)
				bad++;
			prev = p;
		}
	}
	ksft_test_result(!bad,
			 "random histograms: in the rank's bucket, monotonic\n");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(32);
	test_buckets();
	test_percentiles();
	test_percentile_properties();
	ksft_finished();
}
