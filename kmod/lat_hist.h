/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The log2 latency histogram's arithmetic, with nothing of the kernel's
 * but types and 64-bit division: kmod/tests runs it on the host.
 */
#ifndef _DPO_LAT_HIST_H
#define _DPO_LAT_HIST_H

#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/types.h>
#include <uapi/linux/dpo.h>

/* Bucket B holds [2^B, 2^(B+1)) microseconds; bucket 0 also holds 0..1. */
static inline unsigned int dpo_lat_bucket(u64 us)
{
	return us < 2 ? 0 : min_t(unsigned int, ilog2(us), DPO_LAT_BUCKETS - 1);
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
	lo = b ? 1ULL << b : 0;
	width = b ? 1ULL << b : 2;
	if (!hist[b])
		return lo;
	/* The middle of the rank's share: strictly inside the bucket. */
	return lo + div64_u64(width * (2 * (rank - below) - 1), 2 * hist[b]);
}

#endif /* _DPO_LAT_HIST_H */
