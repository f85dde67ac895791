/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_POLICY_H
#define DPOCTL_POLICY_H

#include <netlink/attr.h>
#include <linux/dpo.h>

/*
 * Every attribute of a reply or notification (decode.c checks them), as
 * the spec describes it: DPO_A_MAX + 1 entries ...
 */
const struct nla_policy *dpoctl_policy(void);
/* ... and of its DPO_A_STATS nest: DPO_STATS_A_MAX + 1 entries */
const struct nla_policy *dpoctl_stats_policy(void);
/* ... and of a bucket of its DPO_STATS_A_LAT_HIST: DPO_LAT_BUCKET_A_MAX + 1 */
const struct nla_policy *dpoctl_lat_bucket_policy(void);

#endif
