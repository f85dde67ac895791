/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The latency histogram's arithmetic, with nothing of the kernel's but
 * types and 64-bit division: kmod/tests runs it on the host.
 *
 * Log-linear (HdrHistogram-style) buckets in microseconds, as the spec's
 * lat-sub-buckets describes: width 1 below 16 us, then 16 linear
 * sub-buckets per power of two, so a bucket is at most 1/16 of its lower
 * bound wide (a percentile read from the middle of its bucket is within
 * about 3% of the exact value). From 2^32 us on, the last bucket.
 */
#ifndef _DPO_LAT_HIST_H
#define _DPO_LAT_HIST_H

#include <linux/build_bug.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/types.h>
#include <uapi/linux/dpo.h>

#define DPO_LAT_SUB_SHIFT	4	/* ilog2(DPO_LAT_SUB_BUCKETS) */
#define DPO_LAT_TOP_US		0x100000000ULL	/* 2^32: end of the last */

/* Buckets 0..15, then 16 per power of two from 2^4 to 2^31. */
static_assert(DPO_LAT_SUB_BUCKETS == 1 << DPO_LAT_SUB_SHIFT);
static_assert(DPO_LAT_BUCKETS ==
	      (32 - DPO_LAT_SUB_SHIFT + 1) * DPO_LAT_SUB_BUCKETS);

/* Bucket v below 16; else (k - 3) * 16 + the 4 bits after the top one. */
static inline unsigned int dpo_lat_bucket(u64 us)
{
	unsigned int k;

	if (us < DPO_LAT_SUB_BUCKETS)
		return us;
	if (us >= DPO_LAT_TOP_US)
		return DPO_LAT_BUCKETS - 1;
	k = ilog2(us);
	return (k - DPO_LAT_SUB_SHIFT + 1) * DPO_LAT_SUB_BUCKETS +
	       ((us >> (k - DPO_LAT_SUB_SHIFT)) & (DPO_LAT_SUB_BUCKETS - 1));
}

/* The lower bound of bucket @b (< DPO_LAT_BUCKETS), in microseconds. */
static inline u64 dpo_lat_bucket_lo_us(unsigned int b)
{
	if (b < DPO_LAT_SUB_BUCKETS)
		return b;
	return (u64)(DPO_LAT_SUB_BUCKETS + b % DPO_LAT_SUB_BUCKETS) <<
	       (b / DPO_LAT_SUB_BUCKETS - 1);
}

/* Its width: the next bucket's lower bound minus its own. */
static inline u64 dpo_lat_bucket_width_us(unsigned int b)
{
	if (b < DPO_LAT_SUB_BUCKETS)
		return 1;
	return 1ULL << (b / DPO_LAT_SUB_BUCKETS - 1);
}

/*
 * The latency under which a fraction @pct of @n requests fall: the bucket
 * holding that rank, interpolated linearly by rank inside it.
 */
static inline u64 dpo_lat_percentile_us(const u64 *hist, u64 n,
					unsigned int pct)
{
	u64 rank = div_u64(n * pct + 99, 100), below = 0, lo, width;
	unsigned int b;

	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		if (below + hist[b] >= rank)
			break;
		below += hist[b];
	}
	if (b == DPO_LAT_BUCKETS)
		b = DPO_LAT_BUCKETS - 1;
	lo = dpo_lat_bucket_lo_us(b);
	width = dpo_lat_bucket_width_us(b);
	if (!hist[b])
		return lo;
	/* The middle of the rank's share: strictly inside the bucket. */
	return lo + div64_u64(width * (2 * (rank - below) - 1), 2 * hist[b]);
}

#endif /* _DPO_LAT_HIST_H */
