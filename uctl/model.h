/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_MODEL_H
#define DPOCTL_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/dpo.h>

/*
 * What the module reports, as plain structs: the client fills them from
 * replies and notifications, printers and the core read them. No netlink
 * here (dpo.h only for its sizes and enums).
 */
struct dpoctl_status {
	char version[64];
	uint32_t sessions;
	uint32_t instances;
	uint64_t samples;
	uint64_t sample_time_ns;
	bool has_listeners;	/* older modules do not count them */
	uint32_t listeners;
};

struct dpoctl_session {
	char name[DPO_SESSION_NAME_MAX];
	uint32_t interval_ms;
	uint32_t instances;
	uint8_t owner;		/* enum dpo_owner, 0 from older modules */
	uint8_t canary_pct;	/* the patched one's share, 0 unless canary */
	uint64_t switch_time_ns;	/* CLOCK_MONOTONIC, 0: never switched */
};

struct dpoctl_listener {
	uint32_t id;
	char session[DPO_SESSION_NAME_MAX];
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order, 4 bytes used for AF_INET */
	uint16_t port;
	uint64_t accepted_original;
	uint64_t accepted_patched;
	uint64_t accepted_other;
};

struct dpoctl_stats {
	uint64_t timestamp_ns;
	uint64_t seq;
	uint64_t cpu_ns;
	uint64_t run_delay_ns;
	uint64_t nvcsw;
	uint64_t nivcsw;
	uint64_t min_flt;
	uint64_t maj_flt;
	uint64_t rss_bytes;
	uint32_t threads;
	/*
	 * Traffic of the connections accepted through the session's
	 * listeners: newer modules only, and the rates and latencies only
	 * from the second sample on, hence the presence bits.
	 */
	uint64_t present;	/* DPOCTL_STAT_HAS(attr): the sample had it */
	uint64_t conns_accepted;
	uint64_t conns_active;
	uint64_t requests;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t accepted_per_s;
	uint64_t requests_per_s;
	uint64_t bytes_in_per_s;
	uint64_t bytes_out_per_s;
	uint64_t lat_p50_us;
	uint64_t lat_p99_us;
	uint64_t lat_mean_us;
	/* counts of bucket B (dpoctl_lat_bucket_lo_us() in parse.h) */
	uint64_t lat_hist[DPO_LAT_BUCKETS];
};

/* The presence bit of DPO_STATS_A_<attr> in struct dpoctl_stats.present */
#define DPOCTL_STAT_BIT(attr)	(1ULL << (attr))
#define DPOCTL_STAT_HAS(s, attr)	(((s)->present & DPOCTL_STAT_BIT(attr)) != 0)

struct dpoctl_instance {
	char session[DPO_SESSION_NAME_MAX];
	uint32_t pid;
	uint8_t role;
	uint64_t start_time_ns;
	bool has_stats;
	struct dpoctl_stats stats;
	bool has_exit_code;
	uint32_t exit_code;
};

/* A connection of the registry (DPO_CMD_CONN_GET). */
struct dpoctl_conn {
	char session[DPO_SESSION_NAME_MAX];
	uint32_t pid;		/* the accepting process, 0: not visible */
	uint8_t role;
	uint8_t state;		/* enum dpo_conn_state */
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* local, network order */
	uint16_t port;
	uint8_t peer_addr[16];
	uint16_t peer_port;
	uint64_t accept_time_ns;	/* CLOCK_MONOTONIC */
	uint64_t last_activity_ns;	/* CLOCK_MONOTONIC */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t requests;
};

/* The DRAIN reply and the DRAIN_PROGRESS / DRAIN_DONE notifications. */
struct dpoctl_drain {
	char session[DPO_SESSION_NAME_MAX];
	uint8_t role;		/* the role drained */
	uint32_t deadline_ms;
	uint32_t remaining;
	uint32_t closed_idle;
	uint32_t closed_busy;	/* shut down after their response */
	uint32_t reset;
	uint32_t gone;
	uint64_t elapsed_ns;
	uint8_t idle_mark[DPO_DRAIN_IDLE_MARK_MAX];	/* close only after these */
	uint8_t idle_mark_len;				/* 0: no mark */
	uint32_t min_requests;		/* not before so many answers; 0: none */
	bool cancelled;		/* DONE: cut short (ownership, session end) */
};

/* A generic netlink family, as the genetlink controller describes it. */
struct dpoctl_family {
	char name[32];
	uint32_t id;
	uint32_t version;
};

/* A notification (dpoctl_subscribe()): @cmd says which member is filled. */
struct dpoctl_event {
	int cmd;		/* DPO_CMD_* of the notification */
	bool malformed;		/* a known notification that did not decode */
	union {
		/* SAMPLE_NTF, INSTANCE_EXIT_NTF, INSTANCE_ADD, INSTANCE_DEL */
		struct dpoctl_instance instance;
		/* SESSION_NEW, SESSION_DEL, OWNER_SET, CONTROLLER_LOST_NTF */
		struct dpoctl_session session;
		/* LISTENER_ADD, LISTENER_DEL */
		struct dpoctl_listener listener;
		/* DRAIN_PROGRESS_NTF, DRAIN_DONE_NTF */
		struct dpoctl_drain drain;
	};
};

#endif
