// SPDX-License-Identifier: GPL-2.0
/* The attribute policies dpoctl checks the module's replies against. */
#include <stdbool.h>
#include <netlink/attr.h>
#include <linux/dpo.h>

#include "netlink/dpo-desc.h"
#include "policy.h"

/*
 * libnl's policy for one attribute set of the spec's description
 * (include/netlink/dpo-desc.h, generated from the spec): scalars by size,
 * strings with their longest length (and the NUL), addresses and other
 * binaries at most 16 bytes.
 */
static void from_desc(struct nla_policy *pol, const struct dpo_desc_attr *set,
		      unsigned int cnt)
{
	static const uint16_t nla_type[] = {
		[DPO_DESC_FLAG] = NLA_FLAG, [DPO_DESC_U8] = NLA_U8,
		[DPO_DESC_U16] = NLA_U16, [DPO_DESC_U32] = NLA_U32,
		[DPO_DESC_U64] = NLA_U64, [DPO_DESC_STRING] = NLA_STRING,
		[DPO_DESC_BINARY] = NLA_UNSPEC, [DPO_DESC_NEST] = NLA_NESTED,
	};
	unsigned int i;

	for (i = 0; i < cnt; i++) {
		if (!set[i].name || set[i].type == DPO_DESC_PAD ||
		    set[i].type == DPO_DESC_UNUSED)
			continue;
		pol[i].type = nla_type[set[i].type];
		if (set[i].type == DPO_DESC_STRING && set[i].max_len)
			pol[i].maxlen = set[i].max_len + 1;
		else if (set[i].type == DPO_DESC_BINARY)
			pol[i].maxlen = 16;
	}
}

const struct nla_policy *dpoctl_policy(void)
{
	static struct nla_policy pol[__DPO_A_MAX];
	static bool done;

	if (!done)
		from_desc(pol, dpo_desc_dpo_attrs, __DPO_A_MAX);
	done = true;
	return pol;
}

const struct nla_policy *dpoctl_stats_policy(void)
{
	static struct nla_policy pol[__DPO_STATS_A_MAX];
	static bool done;

	if (!done)
		from_desc(pol, dpo_desc_stats_attrs, __DPO_STATS_A_MAX);
	done = true;
	return pol;
}

const struct nla_policy *dpoctl_lat_bucket_policy(void)
{
	static struct nla_policy pol[__DPO_LAT_BUCKET_A_MAX];
	static bool done;

	if (!done)
		from_desc(pol, dpo_desc_lat_bucket_attrs,
			  __DPO_LAT_BUCKET_A_MAX);
	done = true;
	return pol;
}
