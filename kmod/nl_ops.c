// SPDX-License-Identifier: GPL-2.0
/*
 * The family's operations: one policy per command and the ops table.
 *
 * An attribute a command does not use is refused (strict validation, see
 * the family in netlink.c). Policies are named dpo_<op>_nl_policy and the
 * handlers dpo_nl_<op>_doit/_dumpit, as the kernel's YNL generator names
 * them, so that this file can be replaced by one generated from a spec.
 */
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "nl_ops.h"

#define DPO_POLICY_SESSION_NAME \
	{ .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_MAX - 1 }
#define DPO_POLICY_INTERVAL \
	NLA_POLICY_RANGE(NLA_U32, DPO_INTERVAL_MS_MIN, DPO_INTERVAL_MS_MAX)
#define DPO_POLICY_PID NLA_POLICY_MIN(NLA_U32, 1)
#define DPO_POLICY_ROLE \
	NLA_POLICY_RANGE(NLA_U8, DPO_ROLE_ORIGINAL, DPO_ROLE_MAX)

/* Not const: 6.1 points at it without const. */
static struct netlink_range_validation drain_deadline_range = {
	.min = 1,
	.max = DPO_DRAIN_DEADLINE_MS_MAX,
};

static const struct nla_policy dpo_session_new_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_INTERVAL_MS]	= DPO_POLICY_INTERVAL,
};

static const struct nla_policy dpo_session_set_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_INTERVAL_MS]	= DPO_POLICY_INTERVAL,
};

static const struct nla_policy dpo_session_del_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
};

static const struct nla_policy dpo_session_get_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
};

static const struct nla_policy dpo_instance_add_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_PID]		= DPO_POLICY_PID,
	[DPO_A_ROLE]		= DPO_POLICY_ROLE,
};

static const struct nla_policy dpo_instance_del_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_PID]		= DPO_POLICY_PID,
};

static const struct nla_policy dpo_instance_get_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_PID]		= DPO_POLICY_PID,
};

static const struct nla_policy dpo_listener_add_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_FD]		= { .type = NLA_U32 },
};

static const struct nla_policy dpo_listener_del_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_LISTENER_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy dpo_listener_get_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_LISTENER_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy dpo_owner_set_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_OWNER]		= NLA_POLICY_RANGE(NLA_U8, DPO_OWNER_ORIGINAL,
						   DPO_OWNER_MAX),
	[DPO_A_CANARY_PCT]	= NLA_POLICY_RANGE(NLA_U8, 1, 99),
};

static const struct nla_policy dpo_session_claim_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_OWNER]		= NLA_POLICY_RANGE(NLA_U8, DPO_OWNER_ORIGINAL,
						   DPO_OWNER_BOTH),
};

static const struct nla_policy dpo_conn_get_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_PID]		= DPO_POLICY_PID,
};

static const struct nla_policy dpo_drain_nl_policy[DPO_A_MAX + 1] = {
	[DPO_A_SESSION_NAME]	= DPO_POLICY_SESSION_NAME,
	[DPO_A_ROLE]		= DPO_POLICY_ROLE,
	[DPO_A_DEADLINE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&drain_deadline_range),
};

const struct genl_ops dpo_nl_ops[] = {
	{
		/* No policy: any attribute is refused. Open to all users. */
		.cmd = DPO_CMD_STATUS_GET,
		.doit = dpo_nl_status_get_doit,
	}, {
		.cmd = DPO_CMD_SESSION_NEW,
		.doit = dpo_nl_session_new_doit,
		.policy = dpo_session_new_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_SET,
		.doit = dpo_nl_session_set_doit,
		.policy = dpo_session_set_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_DEL,
		.doit = dpo_nl_session_del_doit,
		.policy = dpo_session_del_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_GET,
		.doit = dpo_nl_session_get_doit,
		.dumpit = dpo_nl_session_get_dumpit,
		.policy = dpo_session_get_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_INSTANCE_ADD,
		.doit = dpo_nl_instance_add_doit,
		.policy = dpo_instance_add_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_INSTANCE_DEL,
		.doit = dpo_nl_instance_del_doit,
		.policy = dpo_instance_del_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_INSTANCE_GET,
		.doit = dpo_nl_instance_get_doit,
		.dumpit = dpo_nl_instance_get_dumpit,
		.policy = dpo_instance_get_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_LISTENER_ADD,
		.doit = dpo_nl_listener_add_doit,
		.policy = dpo_listener_add_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_LISTENER_DEL,
		.doit = dpo_nl_listener_del_doit,
		.policy = dpo_listener_del_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_LISTENER_GET,
		.doit = dpo_nl_listener_get_doit,
		.dumpit = dpo_nl_listener_get_dumpit,
		.policy = dpo_listener_get_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_OWNER_SET,
		.doit = dpo_nl_owner_set_doit,
		.policy = dpo_owner_set_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_SESSION_CLAIM,
		.doit = dpo_nl_session_claim_doit,
		.policy = dpo_session_claim_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_CONN_GET,
		.dumpit = dpo_nl_conn_get_dumpit,
		.policy = dpo_conn_get_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = DPO_CMD_DRAIN,
		.doit = dpo_nl_drain_doit,
		.policy = dpo_drain_nl_policy,
		.maxattr = DPO_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

const size_t dpo_nl_n_ops = ARRAY_SIZE(dpo_nl_ops);
