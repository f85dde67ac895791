/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The layout of the module's latency histogram (the spec's lat-sub-buckets,
 * kmod/lat_hist.h): bucket B below 16 is [B, B + 1) us; above, with
 * k = B / 16 + 3, it starts at (16 + B % 16) << (k - 4) and is 2^(k - 4)
 * wide. The last one ends at 2^32 us and holds everything beyond.
 */
#ifndef DPOCTL_CORE_LAT_HIST_H
#define DPOCTL_CORE_LAT_HIST_H

#include <stdint.h>

/* The lower bound in us of bucket @bucket (< DPO_LAT_BUCKETS). */
uint64_t dpoctl_lat_bucket_lo_us(unsigned int bucket);
/* Its upper bound (the next one's lower bound; 2^32 for the last). */
uint64_t dpoctl_lat_bucket_hi_us(unsigned int bucket);
/* The bucket holding @us microseconds. */
unsigned int dpoctl_lat_bucket_of(uint64_t us);

#endif
