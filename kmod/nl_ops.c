// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	include/netlink/specs/dpo.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "nl_ops.h"

#include <uapi/linux/dpo.h>

/* Integer value ranges */
static const struct netlink_range_validation dpo_a_deadline_ms_range = {
	.min	= 1ULL,
	.max	= DPO_DRAIN_DEADLINE_MS_MAX,
};

static const struct netlink_range_validation dpo_a_min_requests_range = {
	.max	= DPO_DRAIN_MIN_REQUESTS_MAX,
};

/* DPO_CMD_SESSION_NEW - do */
static const struct nla_policy dpo_session_new_nl_policy[DPO_A_INTERVAL_MS + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_INTERVAL_MS] = NLA_POLICY_RANGE(NLA_U32, DPO_INTERVAL_MS_MIN, DPO_INTERVAL_MS_MAX),
};

/* DPO_CMD_SESSION_SET - do */
static const struct nla_policy dpo_session_set_nl_policy[DPO_A_INTERVAL_MS + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_INTERVAL_MS] = NLA_POLICY_RANGE(NLA_U32, DPO_INTERVAL_MS_MIN, DPO_INTERVAL_MS_MAX),
};

/* DPO_CMD_SESSION_DEL - do */
static const struct nla_policy dpo_session_del_nl_policy[DPO_A_SESSION_NAME + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
};

/* DPO_CMD_SESSION_GET - do */
static const struct nla_policy dpo_session_get_do_nl_policy[DPO_A_SESSION_NAME + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
};

/* DPO_CMD_SESSION_GET - dump */
static const struct nla_policy dpo_session_get_dump_nl_policy[DPO_A_SESSION_NAME + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
};

/* DPO_CMD_INSTANCE_ADD - do */
static const struct nla_policy dpo_instance_add_nl_policy[DPO_A_ROLE + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
	[DPO_A_ROLE] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
};

/* DPO_CMD_INSTANCE_DEL - do */
static const struct nla_policy dpo_instance_del_nl_policy[DPO_A_PID + 1] = {
	[DPO_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* DPO_CMD_INSTANCE_GET - do */
static const struct nla_policy dpo_instance_get_do_nl_policy[DPO_A_PID + 1] = {
	[DPO_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* DPO_CMD_INSTANCE_GET - dump */
static const struct nla_policy dpo_instance_get_dump_nl_policy[DPO_A_PID + 1] = {
	[DPO_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* DPO_CMD_LISTENER_ADD - do */
static const struct nla_policy dpo_listener_add_nl_policy[DPO_A_FD + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_FD] = { .type = NLA_U32, },
};

/* DPO_CMD_LISTENER_DEL - do */
static const struct nla_policy dpo_listener_del_nl_policy[DPO_A_LISTENER_ID + 1] = {
	[DPO_A_LISTENER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* DPO_CMD_LISTENER_GET - do */
static const struct nla_policy dpo_listener_get_do_nl_policy[DPO_A_LISTENER_ID + 1] = {
	[DPO_A_LISTENER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* DPO_CMD_LISTENER_GET - dump */
static const struct nla_policy dpo_listener_get_dump_nl_policy[DPO_A_LISTENER_ID + 1] = {
	[DPO_A_LISTENER_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* DPO_CMD_OWNER_SET - do */
static const struct nla_policy dpo_owner_set_nl_policy[DPO_A_CANARY_PCT + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_OWNER] = NLA_POLICY_RANGE(NLA_U8, 1, 4),
	[DPO_A_CANARY_PCT] = NLA_POLICY_RANGE(NLA_U8, DPO_CANARY_PCT_MIN, DPO_CANARY_PCT_MAX),
};

/* DPO_CMD_SESSION_CLAIM - do */
static const struct nla_policy dpo_session_claim_nl_policy[DPO_A_OWNER + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_OWNER] = NLA_POLICY_RANGE(NLA_U8, 1, 4),
};

/* DPO_CMD_CONN_GET - dump */
static const struct nla_policy dpo_conn_get_nl_policy[DPO_A_PID + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_PID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* DPO_CMD_DRAIN - do */
static const struct nla_policy dpo_drain_nl_policy[DPO_A_MIN_REQUESTS + 1] = {
	[DPO_A_SESSION_NAME] = { .type = NLA_NUL_STRING, .len = DPO_SESSION_NAME_LEN_MAX, },
	[DPO_A_ROLE] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
	[DPO_A_DEADLINE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dpo_a_deadline_ms_range),
	[DPO_A_DRAIN_IDLE_MARK] = { .type = NLA_BINARY, },
	[DPO_A_MIN_REQUESTS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dpo_a_min_requests_range),
};

/* Ops table for dpo */
const struct genl_split_ops dpo_nl_ops[18] = {
	{
		.cmd	= DPO_CMD_STATUS_GET,
		.doit	= dpo_nl_status_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_SESSION_NEW,
		.doit		= dpo_nl_session_new_doit,
		.policy		= dpo_session_new_nl_policy,
		.maxattr	= DPO_A_INTERVAL_MS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_SESSION_SET,
		.doit		= dpo_nl_session_set_doit,
		.policy		= dpo_session_set_nl_policy,
		.maxattr	= DPO_A_INTERVAL_MS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_SESSION_DEL,
		.doit		= dpo_nl_session_del_doit,
		.policy		= dpo_session_del_nl_policy,
		.maxattr	= DPO_A_SESSION_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_SESSION_GET,
		.doit		= dpo_nl_session_get_doit,
		.policy		= dpo_session_get_do_nl_policy,
		.maxattr	= DPO_A_SESSION_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_SESSION_GET,
		.dumpit		= dpo_nl_session_get_dumpit,
		.policy		= dpo_session_get_dump_nl_policy,
		.maxattr	= DPO_A_SESSION_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DPO_CMD_INSTANCE_ADD,
		.doit		= dpo_nl_instance_add_doit,
		.policy		= dpo_instance_add_nl_policy,
		.maxattr	= DPO_A_ROLE,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_INSTANCE_DEL,
		.doit		= dpo_nl_instance_del_doit,
		.policy		= dpo_instance_del_nl_policy,
		.maxattr	= DPO_A_PID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_INSTANCE_GET,
		.doit		= dpo_nl_instance_get_doit,
		.policy		= dpo_instance_get_do_nl_policy,
		.maxattr	= DPO_A_PID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_INSTANCE_GET,
		.start		= dpo_nl_instance_get_dump_start,
		.dumpit		= dpo_nl_instance_get_dumpit,
		.policy		= dpo_instance_get_dump_nl_policy,
		.maxattr	= DPO_A_PID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DPO_CMD_LISTENER_ADD,
		.doit		= dpo_nl_listener_add_doit,
		.policy		= dpo_listener_add_nl_policy,
		.maxattr	= DPO_A_FD,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_LISTENER_DEL,
		.doit		= dpo_nl_listener_del_doit,
		.policy		= dpo_listener_del_nl_policy,
		.maxattr	= DPO_A_LISTENER_ID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_LISTENER_GET,
		.doit		= dpo_nl_listener_get_doit,
		.policy		= dpo_listener_get_do_nl_policy,
		.maxattr	= DPO_A_LISTENER_ID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_LISTENER_GET,
		.dumpit		= dpo_nl_listener_get_dumpit,
		.policy		= dpo_listener_get_dump_nl_policy,
		.maxattr	= DPO_A_LISTENER_ID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DPO_CMD_OWNER_SET,
		.doit		= dpo_nl_owner_set_doit,
		.policy		= dpo_owner_set_nl_policy,
		.maxattr	= DPO_A_CANARY_PCT,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_SESSION_CLAIM,
		.doit		= dpo_nl_session_claim_doit,
		.policy		= dpo_session_claim_nl_policy,
		.maxattr	= DPO_A_OWNER,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DPO_CMD_CONN_GET,
		.dumpit		= dpo_nl_conn_get_dumpit,
		.policy		= dpo_conn_get_nl_policy,
		.maxattr	= DPO_A_PID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DPO_CMD_DRAIN,
		.doit		= dpo_nl_drain_doit,
		.policy		= dpo_drain_nl_policy,
		.maxattr	= DPO_A_MIN_REQUESTS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group dpo_nl_mcgrps[] = {
	[DPO_NLGRP_SAMPLES] = { "samples", },
	[DPO_NLGRP_EVENTS] = { "events", },
};
