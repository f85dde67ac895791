/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/netlink/specs/dpo.yaml */
/* by include/netlink/ynl-desc.py: `make regen` */

#ifndef DPO_DESC_H
#define DPO_DESC_H

#include <errno.h>
#include <linux/dpo.h>

enum dpo_desc_type {
	DPO_DESC_UNUSED,
	DPO_DESC_PAD,
	DPO_DESC_FLAG,
	DPO_DESC_U8,
	DPO_DESC_U16,
	DPO_DESC_U32,
	DPO_DESC_U64,
	DPO_DESC_STRING,
	DPO_DESC_BINARY,
	DPO_DESC_NEST,
};

/* One attribute of a set; sets are indexed by attribute type. */
struct dpo_desc_attr {
	const char *name;		/* NULL: no such attribute */
	enum dpo_desc_type type;
	unsigned int max_len;		/* strings: longest, without the NUL */
	const struct dpo_desc_attr *nested;	/* NEST: its set */
	unsigned int nested_cnt;	/* NEST: highest type + 1 */
};

/* What a command's doc lists under "Errors:". */
struct dpo_desc_error {
	unsigned int cmd;
	int err;
	const char *msg;
};

static const struct dpo_desc_attr dpo_desc_lat_bucket_attrs[__DPO_LAT_BUCKET_A_MAX] __attribute__((unused)) = {
	[DPO_LAT_BUCKET_A_UNSPEC] = { .name = "unspec", .type = DPO_DESC_UNUSED },
	[DPO_LAT_BUCKET_A_PAD] = { .name = "pad", .type = DPO_DESC_PAD },
	[DPO_LAT_BUCKET_A_INDEX] = { .name = "index", .type = DPO_DESC_U32 },
	[DPO_LAT_BUCKET_A_COUNT] = { .name = "count", .type = DPO_DESC_U64 },
};

static const struct dpo_desc_attr dpo_desc_lat_hist_attrs[__DPO_LAT_HIST_A_MAX] __attribute__((unused)) = {
	[DPO_LAT_HIST_A_UNSPEC] = { .name = "unspec", .type = DPO_DESC_UNUSED },
	[DPO_LAT_HIST_A_BUCKET] = { .name = "bucket", .type = DPO_DESC_NEST, .nested = dpo_desc_lat_bucket_attrs, .nested_cnt = __DPO_LAT_BUCKET_A_MAX },
};

static const struct dpo_desc_attr dpo_desc_stats_attrs[__DPO_STATS_A_MAX] __attribute__((unused)) = {
	[DPO_STATS_A_UNSPEC] = { .name = "unspec", .type = DPO_DESC_UNUSED },
	[DPO_STATS_A_PAD] = { .name = "pad", .type = DPO_DESC_PAD },
	[DPO_STATS_A_TIMESTAMP_NS] = { .name = "timestamp-ns", .type = DPO_DESC_U64 },
	[DPO_STATS_A_SEQ] = { .name = "seq", .type = DPO_DESC_U64 },
	[DPO_STATS_A_CPU_NS] = { .name = "cpu-ns", .type = DPO_DESC_U64 },
	[DPO_STATS_A_RUN_DELAY_NS] = { .name = "run-delay-ns", .type = DPO_DESC_U64 },
	[DPO_STATS_A_NVCSW] = { .name = "nvcsw", .type = DPO_DESC_U64 },
	[DPO_STATS_A_NIVCSW] = { .name = "nivcsw", .type = DPO_DESC_U64 },
	[DPO_STATS_A_MIN_FLT] = { .name = "min-flt", .type = DPO_DESC_U64 },
	[DPO_STATS_A_MAJ_FLT] = { .name = "maj-flt", .type = DPO_DESC_U64 },
	[DPO_STATS_A_RSS_BYTES] = { .name = "rss-bytes", .type = DPO_DESC_U64 },
	[DPO_STATS_A_THREADS] = { .name = "threads", .type = DPO_DESC_U32 },
	[DPO_STATS_A_CONNS_ACCEPTED] = { .name = "conns-accepted", .type = DPO_DESC_U64 },
	[DPO_STATS_A_CONNS_ACTIVE] = { .name = "conns-active", .type = DPO_DESC_U64 },
	[DPO_STATS_A_REQUESTS] = { .name = "requests", .type = DPO_DESC_U64 },
	[DPO_STATS_A_BYTES_IN] = { .name = "bytes-in", .type = DPO_DESC_U64 },
	[DPO_STATS_A_BYTES_OUT] = { .name = "bytes-out", .type = DPO_DESC_U64 },
	[DPO_STATS_A_ACCEPTED_PER_S] = { .name = "accepted-per-s", .type = DPO_DESC_U64 },
	[DPO_STATS_A_REQUESTS_PER_S] = { .name = "requests-per-s", .type = DPO_DESC_U64 },
	[DPO_STATS_A_BYTES_IN_PER_S] = { .name = "bytes-in-per-s", .type = DPO_DESC_U64 },
	[DPO_STATS_A_BYTES_OUT_PER_S] = { .name = "bytes-out-per-s", .type = DPO_DESC_U64 },
	[DPO_STATS_A_LAT_HIST] = { .name = "lat-hist", .type = DPO_DESC_NEST, .nested = dpo_desc_lat_hist_attrs, .nested_cnt = __DPO_LAT_HIST_A_MAX },
	[DPO_STATS_A_LAT_P50_US] = { .name = "lat-p50-us", .type = DPO_DESC_U64 },
	[DPO_STATS_A_LAT_P99_US] = { .name = "lat-p99-us", .type = DPO_DESC_U64 },
	[DPO_STATS_A_LAT_MEAN_US] = { .name = "lat-mean-us", .type = DPO_DESC_U64 },
};

static const struct dpo_desc_attr dpo_desc_dpo_attrs[__DPO_A_MAX] __attribute__((unused)) = {
	[DPO_A_UNSPEC] = { .name = "unspec", .type = DPO_DESC_UNUSED },
	[DPO_A_PAD] = { .name = "pad", .type = DPO_DESC_PAD },
	[DPO_A_VERSION] = { .name = "version", .type = DPO_DESC_STRING },
	[DPO_A_SESSIONS] = { .name = "sessions", .type = DPO_DESC_U32 },
	[DPO_A_INSTANCES] = { .name = "instances", .type = DPO_DESC_U32 },
	[DPO_A_SAMPLES] = { .name = "samples", .type = DPO_DESC_U64 },
	[DPO_A_SAMPLE_TIME_NS] = { .name = "sample-time-ns", .type = DPO_DESC_U64 },
	[DPO_A_SESSION_NAME] = { .name = "session-name", .type = DPO_DESC_STRING, .max_len = 31 },
	[DPO_A_INTERVAL_MS] = { .name = "interval-ms", .type = DPO_DESC_U32 },
	[DPO_A_PID] = { .name = "pid", .type = DPO_DESC_U32 },
	[DPO_A_ROLE] = { .name = "role", .type = DPO_DESC_U8 },
	[DPO_A_START_TIME_NS] = { .name = "start-time-ns", .type = DPO_DESC_U64 },
	[DPO_A_STATS] = { .name = "stats", .type = DPO_DESC_NEST, .nested = dpo_desc_stats_attrs, .nested_cnt = __DPO_STATS_A_MAX },
	[DPO_A_EXIT_CODE] = { .name = "exit-code", .type = DPO_DESC_U32 },
	[DPO_A_FD] = { .name = "fd", .type = DPO_DESC_U32 },
	[DPO_A_LISTENER_ID] = { .name = "listener-id", .type = DPO_DESC_U32 },
	[DPO_A_FAMILY] = { .name = "family", .type = DPO_DESC_U16 },
	[DPO_A_ADDR] = { .name = "addr", .type = DPO_DESC_BINARY },
	[DPO_A_PORT] = { .name = "port", .type = DPO_DESC_U16 },
	[DPO_A_OWNER] = { .name = "owner", .type = DPO_DESC_U8 },
	[DPO_A_SWITCH_TIME_NS] = { .name = "switch-time-ns", .type = DPO_DESC_U64 },
	[DPO_A_ACCEPTED_ORIGINAL] = { .name = "accepted-original", .type = DPO_DESC_U64 },
	[DPO_A_ACCEPTED_PATCHED] = { .name = "accepted-patched", .type = DPO_DESC_U64 },
	[DPO_A_ACCEPTED_OTHER] = { .name = "accepted-other", .type = DPO_DESC_U64 },
	[DPO_A_LISTENERS] = { .name = "listeners", .type = DPO_DESC_U32 },
	[DPO_A_CANARY_PCT] = { .name = "canary-pct", .type = DPO_DESC_U8 },
	[DPO_A_PEER_ADDR] = { .name = "peer-addr", .type = DPO_DESC_BINARY },
	[DPO_A_PEER_PORT] = { .name = "peer-port", .type = DPO_DESC_U16 },
	[DPO_A_CONN_STATE] = { .name = "conn-state", .type = DPO_DESC_U8 },
	[DPO_A_ACCEPT_TIME_NS] = { .name = "accept-time-ns", .type = DPO_DESC_U64 },
	[DPO_A_LAST_ACTIVITY_NS] = { .name = "last-activity-ns", .type = DPO_DESC_U64 },
	[DPO_A_BYTES_IN] = { .name = "bytes-in", .type = DPO_DESC_U64 },
	[DPO_A_BYTES_OUT] = { .name = "bytes-out", .type = DPO_DESC_U64 },
	[DPO_A_REQUESTS] = { .name = "requests", .type = DPO_DESC_U64 },
	[DPO_A_DEADLINE_MS] = { .name = "deadline-ms", .type = DPO_DESC_U32 },
	[DPO_A_DRAIN_REMAINING] = { .name = "drain-remaining", .type = DPO_DESC_U32 },
	[DPO_A_DRAIN_CLOSED_IDLE] = { .name = "drain-closed-idle", .type = DPO_DESC_U32 },
	[DPO_A_DRAIN_CLOSED_BUSY] = { .name = "drain-closed-busy", .type = DPO_DESC_U32 },
	[DPO_A_DRAIN_RESET] = { .name = "drain-reset", .type = DPO_DESC_U32 },
	[DPO_A_DRAIN_GONE] = { .name = "drain-gone", .type = DPO_DESC_U32 },
	[DPO_A_DRAIN_ELAPSED_NS] = { .name = "drain-elapsed-ns", .type = DPO_DESC_U64 },
	[DPO_A_DRAIN_CANCELLED] = { .name = "drain-cancelled", .type = DPO_DESC_FLAG },
	[DPO_A_DRAIN_IDLE_MARK] = { .name = "drain-idle-mark", .type = DPO_DESC_BINARY },
	[DPO_A_MIN_REQUESTS] = { .name = "min-requests", .type = DPO_DESC_U32 },
};

/* Command names, as the spec and ynl spell them. */
static const char *const dpo_desc_cmd_names[] __attribute__((unused)) = {
	[DPO_CMD_STATUS_GET] = "status-get",
	[DPO_CMD_SESSION_NEW] = "session-new",
	[DPO_CMD_SESSION_SET] = "session-set",
	[DPO_CMD_SESSION_DEL] = "session-del",
	[DPO_CMD_SESSION_GET] = "session-get",
	[DPO_CMD_INSTANCE_ADD] = "instance-add",
	[DPO_CMD_INSTANCE_DEL] = "instance-del",
	[DPO_CMD_INSTANCE_GET] = "instance-get",
	[DPO_CMD_SAMPLE_NTF] = "sample-ntf",
	[DPO_CMD_INSTANCE_EXIT_NTF] = "instance-exit-ntf",
	[DPO_CMD_LISTENER_ADD] = "listener-add",
	[DPO_CMD_LISTENER_DEL] = "listener-del",
	[DPO_CMD_LISTENER_GET] = "listener-get",
	[DPO_CMD_OWNER_SET] = "owner-set",
	[DPO_CMD_SESSION_CLAIM] = "session-claim",
	[DPO_CMD_CONTROLLER_LOST_NTF] = "controller-lost-ntf",
	[DPO_CMD_CONN_GET] = "conn-get",
	[DPO_CMD_DRAIN] = "drain",
	[DPO_CMD_DRAIN_PROGRESS_NTF] = "drain-progress-ntf",
	[DPO_CMD_DRAIN_DONE_NTF] = "drain-done-ntf",
	[DPO_CMD_SESSION_NEW_NTF] = "session-new-ntf",
	[DPO_CMD_SESSION_DEL_NTF] = "session-del-ntf",
	[DPO_CMD_INSTANCE_ADD_NTF] = "instance-add-ntf",
	[DPO_CMD_INSTANCE_DEL_NTF] = "instance-del-ntf",
	[DPO_CMD_LISTENER_ADD_NTF] = "listener-add-ntf",
	[DPO_CMD_LISTENER_DEL_NTF] = "listener-del-ntf",
	[DPO_CMD_OWNER_SET_NTF] = "owner-set-ntf",
};

static const struct dpo_desc_error dpo_desc_errors[] __attribute__((unused)) = {
	{ DPO_CMD_SESSION_NEW, EEXIST, "session exists" },
	{ DPO_CMD_SESSION_NEW, ENOSPC, "too many sessions" },
	{ DPO_CMD_SESSION_SET, ENOENT, "no such session" },
	{ DPO_CMD_SESSION_DEL, ENOENT, "no such session" },
	{ DPO_CMD_SESSION_GET, ENOENT, "no such session" },
	{ DPO_CMD_INSTANCE_ADD, ENOENT, "no such session" },
	{ DPO_CMD_INSTANCE_ADD, ESRCH, "no such process" },
	{ DPO_CMD_INSTANCE_ADD, EINVAL, "not a process (a thread of one, or a kernel thread)" },
	{ DPO_CMD_INSTANCE_ADD, EEXIST, "process already tracked" },
	{ DPO_CMD_INSTANCE_ADD, ENOSPC, "too many instances" },
	{ DPO_CMD_INSTANCE_DEL, ENOENT, "process not tracked" },
	{ DPO_CMD_INSTANCE_GET, ENOENT, "process not tracked" },
	{ DPO_CMD_LISTENER_ADD, ENOENT, "no such session" },
	{ DPO_CMD_LISTENER_ADD, EBADF, "bad file descriptor" },
	{ DPO_CMD_LISTENER_ADD, ENOTSOCK, "not a socket" },
	{ DPO_CMD_LISTENER_ADD, EINVAL, "not a listening TCP socket" },
	{ DPO_CMD_LISTENER_ADD, EOPNOTSUPP, "socket with a ULP (kTLS) or MPTCP not supported" },
	{ DPO_CMD_LISTENER_ADD, EEXIST, "socket already attached" },
	{ DPO_CMD_LISTENER_ADD, ENOSPC, "too many listeners" },
	{ DPO_CMD_LISTENER_DEL, ENOENT, "no such listener" },
	{ DPO_CMD_LISTENER_GET, ENOENT, "no such listener" },
	{ DPO_CMD_OWNER_SET, ENOENT, "no such session" },
	{ DPO_CMD_OWNER_SET, EINVAL, "canary needs a percentage, and a percentage needs canary" },
	{ DPO_CMD_SESSION_CLAIM, ENOENT, "no such session" },
	{ DPO_CMD_SESSION_CLAIM, EBUSY, "session claimed by another controller" },
	{ DPO_CMD_SESSION_CLAIM, ERANGE, "the fail-safe owner cannot be canary" },
	{ DPO_CMD_DRAIN, ENOENT, "no such session" },
	{ DPO_CMD_DRAIN, EINVAL, "no instance of the other role to take new connections" },
	{ DPO_CMD_DRAIN, EINVAL, "idle mark of 1 to 16 bytes" },
	{ DPO_CMD_DRAIN, EBUSY, "a drain of this session is running" },
	{ DPO_CMD_DRAIN, ERANGE, "role or deadline out of range" },
};

#endif /* DPO_DESC_H */
