// SPDX-License-Identifier: GPL-2.0
/* Tests of core/lat_hist.c: the module's histogram layout. */
#include <linux/dpo.h>

#include "core/lat_hist.h"
#include "test.h"

static void test_bounds(void)
{
	static const struct {
		unsigned int bucket;
		long long lo, hi;
	} cases[] = {
		{ 0, 0, 1 }, { 15, 15, 16 }, { 16, 16, 17 }, { 31, 31, 32 },
		{ 32, 32, 34 }, { 33, 34, 36 }, { 48, 64, 68 },
		{ 152, 6144, 6400 },
		{ DPO_LAT_BUCKETS - 1, 31LL << 27, 1LL << 32 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "bucket %u: lower bound",
			 cases[i].bucket);
		check_int(name, (long long)dpoctl_lat_bucket_lo_us(cases[i].bucket),
			  cases[i].lo);
		snprintf(name, sizeof(name), "bucket %u: upper bound",
			 cases[i].bucket);
		check_int(name, (long long)dpoctl_lat_bucket_hi_us(cases[i].bucket),
			  cases[i].hi);
	}
}

/* Every bucket's bounds map back to it; widths at most 1/16 of the bound. */
static void test_round_trip(void)
{
	unsigned int b, bad = 0, wide = 0;

	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		uint64_t lo = dpoctl_lat_bucket_lo_us(b);
		uint64_t hi = dpoctl_lat_bucket_hi_us(b);

		bad += dpoctl_lat_bucket_of(lo) != b ||
		       dpoctl_lat_bucket_of(hi - 1) != b;
		wide += b >= 16 && (hi - lo) * 16 > lo;
	}
	check_int("every bound maps back to its bucket", bad, 0);
	check_int("no bucket wider than 1/16 of its lower bound", wide, 0);
	check_int("beyond 2^32 us: the last bucket",
		  dpoctl_lat_bucket_of(1ULL << 40), DPO_LAT_BUCKETS - 1);
}

int main(void)
{
	test_bounds();
	test_round_trip();
	return test_done();
}
