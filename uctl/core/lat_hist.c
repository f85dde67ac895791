// SPDX-License-Identifier: GPL-2.0
/* The module's latency histogram layout, for userspace. */
#include <linux/dpo.h>

#include "lat_hist.h"

uint64_t dpoctl_lat_bucket_lo_us(unsigned int bucket)
{
	unsigned int sub = DPO_LAT_SUB_BUCKETS;

	if (bucket < sub)
		return bucket;
	return (uint64_t)(sub + bucket % sub) << (bucket / sub - 1);
}

uint64_t dpoctl_lat_bucket_hi_us(unsigned int bucket)
{
	if (bucket + 1 >= DPO_LAT_BUCKETS)
		return 1ULL << 32;
	return dpoctl_lat_bucket_lo_us(bucket + 1);
}

unsigned int dpoctl_lat_bucket_of(uint64_t us)
{
	unsigned int sub = DPO_LAT_SUB_BUCKETS, k = 0, b;

	if (us < sub)
		return (unsigned int)us;
	while (us >> (k + 1))
		k++;
	/* k = ilog2(us) >= 4: sub-bucket by the 4 bits below the top one */
	b = (k - 3) * sub + (unsigned int)((us >> (k - 4)) & (sub - 1));
	return b < DPO_LAT_BUCKETS ? b : DPO_LAT_BUCKETS - 1;
}
