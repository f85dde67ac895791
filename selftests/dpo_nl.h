/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink for the dpo selftests: no libnl, so that requests can
 * be malformed on purpose and the ack (errno, extack message, offset,
 * missing attribute) is seen exactly as the kernel sent it.
 */
#ifndef DPO_SELFTEST_NL_H
#define DPO_SELFTEST_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/dpo.h>

#define NL_MSG_MAX	4096

/* A request under construction. */
struct dt_msg {
	union {
		struct nlmsghdr nlh;
		char buf[NL_MSG_MAX];
	};
	int nests;
	__u32 nest_off[4];
};

/* What the kernel said about one request. */
struct dt_ack {
	int err;		/* positive errno, 0 on success */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" when absent */
	bool has_offs;
	__u32 offs;		/* NLMSGERR_ATTR_OFFS: from the request's nlmsghdr */
	bool has_miss_type;
	__u32 miss_type;	/* NLMSGERR_ATTR_MISS_TYPE */
	bool has_miss_nest;
	__u32 miss_nest;
};

struct dt_stats {
	__u64 have;		/* bit n set: DPO_STATS_A_n present */
	__u64 timestamp_ns, seq, cpu_ns, run_delay_ns, nvcsw, nivcsw;
	__u64 min_flt, maj_flt, rss_bytes;
	__u32 threads;
	/* traffic of the connections accepted through the listeners */
	__u64 conns_accepted, conns_active, requests, bytes_in, bytes_out;
	__u64 accepted_per_s, requests_per_s, bytes_in_per_s, bytes_out_per_s;
	/*
	 * DPO_STATS_A_LAT_HIST: lat_hist[B] = count of bucket B (see
	 * dt_lat_bucket_lo_us()); bit B of lat_have set when the kernel sent
	 * bucket B.
	 */
	__u64 lat_hist[DPO_LAT_BUCKETS];
	__u64 lat_have[(DPO_LAT_BUCKETS + 63) / 64];
	__u64 lat_p50_us, lat_p99_us, lat_mean_us;
};

/* Any dpo message (reply or notification), parsed. */
struct dt_obj {
	__u8 cmd;
	__u64 have;		/* bit n set: DPO_A_n present */
	char version[64];
	__u32 sessions, instances;
	__u64 samples, sample_time_ns;
	__u32 listeners;
	char session[64];
	__u32 interval_ms, pid, exit_code;
	__u8 role;
	__u64 start_time_ns;
	struct dt_stats stats;
	/* listeners and ownership */
	__u32 listener_id;
	__u16 family, port;	/* DPO_A_FAMILY, DPO_A_PORT (host order) */
	__u8 addr[16];		/* DPO_A_ADDR, network order */
	int addr_len;
	__u8 owner;		/* enum dpo_owner */
	__u8 canary_pct;
	__u64 switch_time_ns;
	__u64 accepted_original, accepted_patched, accepted_other;
	/* connections (DPO_CMD_CONN_GET) */
	__u8 peer_addr[16];	/* DPO_A_PEER_ADDR, network order */
	int peer_addr_len;
	__u16 peer_port;	/* host order */
	__u8 conn_state;	/* enum dpo_conn_state */
	__u64 accept_time_ns, last_activity_ns;
	__u64 bytes_in, bytes_out, requests;
	/* drains */
	__u32 deadline_ms;
	__u32 drain_remaining, drain_closed_idle, drain_closed_busy;
	__u32 drain_reset, drain_gone;
	__u32 drain_min_requests;
	__u64 drain_elapsed_ns;
	__u8 drain_idle_mark[DPO_DRAIN_IDLE_MARK_MAX];
	int drain_idle_mark_len;
};

/* The presence bitmasks hold one bit per attribute type. */
_Static_assert(DPO_A_MAX < 64, "struct dt_obj.have: DPO_A_MAX >= 64");
_Static_assert(DPO_STATS_A_MAX < 64,
	       "struct dt_stats.have: DPO_STATS_A_MAX >= 64");

#define DPO_HAS(o, a)		(!!((o)->have & (1ULL << (a))))
#define DPO_STATS_HAS(s, a)	(!!((s)->have & (1ULL << (a))))

struct dt_sock {
	int fd;
	__u32 portid;
	__u32 seq;
	__u16 family;		/* 0 until resolved */
	__u32 version;
	__u32 grp_samples, grp_events;
	__u32 maxattr;
	int ops_count;
	struct { __u32 id, flags; } ops[32];
	int overruns;		/* ENOBUFS seen while receiving */
};

/* Socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK; 0 or -errno. */
int dt_open(struct dt_sock *nl);
void dt_close(struct dt_sock *nl);
int dt_set_rcvbuf(struct dt_sock *nl, int bytes);

/*
 * CTRL_CMD_GETFAMILY for "dpo": fills family, version, group ids, ops.
 * 0 or -errno (-ENOENT when the module is not loaded).
 */
int dt_resolve(struct dt_sock *nl);

/* Request building. Offsets returned are from the start of the nlmsghdr. */
void dt_msg_init(struct dt_msg *m, __u16 type, __u16 flags, __u8 cmd, __u8 ver);
void dt_msg_dpo(struct dt_msg *m, const struct dt_sock *nl, __u8 cmd, __u16 flags);
__u32 dt_put(struct dt_msg *m, __u16 type, const void *data, size_t len);
__u32 nlm_put_u8(struct dt_msg *m, __u16 type, __u8 v);
__u32 nlm_put_u16(struct dt_msg *m, __u16 type, __u16 v);
__u32 nlm_put_u32(struct dt_msg *m, __u16 type, __u32 v);
__u32 nlm_put_u64(struct dt_msg *m, __u16 type, __u64 v);
__u32 dt_put_str(struct dt_msg *m, __u16 type, const char *s);
/* Raw bytes after the last attribute (for truncated or garbage tails). */
void dt_put_raw(struct dt_msg *m, const void *data, size_t len);
void dt_nest_start(struct dt_msg *m, __u16 type);
void dt_nest_end(struct dt_msg *m);

/*
 * Send @m (NLM_F_ACK is added) and wait for its ack. Replies carrying the
 * request's sequence number are parsed: the first into @reply (if not
 * NULL), up to @max into @replies for dumps (pass @nreplies). Returns the
 * ack's -errno (0 on success); a transport failure is returned as -errno
 * with ack->msg naming it.
 */
int dt_request(struct dt_sock *nl, struct dt_msg *m, struct dt_ack *ack,
	       struct dt_obj *reply);
int dt_dump(struct dt_sock *nl, struct dt_msg *m, struct dt_ack *ack,
	    struct dt_obj *replies, int max, int *nreplies);

/*
 * Send several requests back to back in one sendmsg() and collect one ack
 * per request into @acks (must be @n long). 0 or -errno (transport).
 */
int dt_batch(struct dt_sock *nl, struct dt_msg *const *m, int n,
	     struct dt_ack *acks);

/* Join / leave a multicast group by id; 0 or -errno. */
int dt_join(struct dt_sock *nl, __u32 group);
int dt_leave(struct dt_sock *nl, __u32 group);

/*
 * Wait up to @timeout_ms for one dpo message on a socket that joined
 * groups. 0 and @o filled, -ETIMEDOUT, -ENOBUFS (overrun, counted in
 * nl->overruns; call again), or another -errno.
 */
int dt_recv_ntf(struct dt_sock *nl, struct dt_obj *o, int timeout_ms);

/* Parse the attributes of one generic netlink message of the dpo family. */
int dt_parse(const struct nlmsghdr *nlh, struct dt_obj *o);

const char *dt_cmd_name(__u8 cmd);

/*
 * The latency histogram's layout (the spec's lat-sub-buckets), written
 * again from the spec rather than taken from kmod/lat_hist.h: the bucket
 * of @us, a bucket's lower bound and width in us, and the percentile of
 * a histogram of @n requests as the module interpolates it.
 */
unsigned int dt_lat_bucket(__u64 us);
__u64 dt_lat_bucket_lo_us(unsigned int b);
__u64 dt_lat_bucket_width_us(unsigned int b);
__u64 dt_lat_percentile_us(const __u64 *hist, __u64 n, unsigned int pct);

#endif /* DPO_SELFTEST_NL_H */
