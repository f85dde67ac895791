// SPDX-License-Identifier: GPL-2.0
/* Tests of decode.c: replies and notifications into model structs. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "decode.h"
#include "test.h"

static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 0, 0x20, 0, 0, cmd, DPO_GENL_VERSION);
	return msg;
}

static void test_msg(void)
{
	struct dpoctl_listener l;
	struct dpoctl_instance in;
	struct dpoctl_session s;
	struct dpoctl_status st;
	struct dpoctl_family f;
	struct nlattr *nest;
	struct nl_msg *msg;
	uint16_t u16 = 7;

	msg = genl_msg(DPO_CMD_STATUS_GET);
	nla_put_string(msg, DPO_A_VERSION, "0.1.0");
	nla_put_u32(msg, DPO_A_SESSIONS, 2);
	nla_put_u32(msg, DPO_A_INSTANCES, 4);
	nla_put(msg, DPO_A_PAD, 0, NULL);
	nla_put_u64(msg, DPO_A_SAMPLES, 1ULL << 40);
	nla_put_u64(msg, DPO_A_SAMPLE_TIME_NS, 123456789012ULL);
	result(!dpoctl_decode_status(nlmsg_hdr(msg), &st) &&
	       !strcmp(st.version, "0.1.0") && st.sessions == 2 &&
	       st.instances == 4 && st.samples == 1ULL << 40 &&
	       st.sample_time_ns == 123456789012ULL, "msg: status");
	check_int("msg: command of a message", dpoctl_decode_cmd(nlmsg_hdr(msg)),
		  DPO_CMD_STATUS_GET);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_STATUS_GET);
	nla_put_u32(msg, DPO_A_SESSIONS, 2);
	check_int("msg: status without version -> EPROTO",
		  dpoctl_decode_status(nlmsg_hdr(msg), &st), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SESSION_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "demo");
	nla_put_u32(msg, DPO_A_INTERVAL_MS, 250);
	nla_put_u32(msg, DPO_A_INSTANCES, 2);
	result(!dpoctl_decode_session(nlmsg_hdr(msg), &s) &&
	       !strcmp(s.name, "demo") && s.interval_ms == 250 &&
	       s.instances == 2, "msg: session");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	nla_put_string(msg, DPO_A_SESSION_NAME, "demo");
	nla_put_u32(msg, DPO_A_PID, 4242);
	nla_put_u8(msg, DPO_A_ROLE, DPO_ROLE_PATCHED);
	nla_put_u64(msg, DPO_A_START_TIME_NS, 99);
	nla_put_u32(msg, DPO_A_MAX + 10, 1);	/* from a newer module */
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put(msg, DPO_STATS_A_PAD, 0, NULL);
	nla_put_u64(msg, DPO_STATS_A_TIMESTAMP_NS, 1);
	nla_put_u64(msg, DPO_STATS_A_SEQ, 2);
	nla_put_u64(msg, DPO_STATS_A_CPU_NS, 3);
	nla_put_u64(msg, DPO_STATS_A_RUN_DELAY_NS, 4);
	nla_put_u64(msg, DPO_STATS_A_NVCSW, 5);
	nla_put_u64(msg, DPO_STATS_A_NIVCSW, 6);
	nla_put_u64(msg, DPO_STATS_A_MIN_FLT, 7);
	nla_put_u64(msg, DPO_STATS_A_MAJ_FLT, 8);
	nla_put_u64(msg, DPO_STATS_A_RSS_BYTES, 9);
	nla_put_u32(msg, DPO_STATS_A_THREADS, 10);
	nla_put_u64(msg, DPO_STATS_A_MAX + 3, 11);	/* newer, too */
	nla_nest_end(msg, nest);
	result(!dpoctl_decode_instance(nlmsg_hdr(msg), &in) &&
	       !strcmp(in.session, "demo") && in.pid == 4242 &&
	       in.role == DPO_ROLE_PATCHED && in.start_time_ns == 99 &&
	       in.has_stats && !in.has_exit_code &&
	       in.stats.timestamp_ns == 1 && in.stats.seq == 2 &&
	       in.stats.cpu_ns == 3 && in.stats.run_delay_ns == 4 &&
	       in.stats.nvcsw == 5 && in.stats.nivcsw == 6 &&
	       in.stats.min_flt == 7 && in.stats.maj_flt == 8 &&
	       in.stats.rss_bytes == 9 && in.stats.threads == 10,
	       "msg: instance with stats, unknown attributes ignored");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_EXIT_NTF);
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put_u32(msg, DPO_A_EXIT_CODE, 0x8b);
	result(!dpoctl_decode_instance(nlmsg_hdr(msg), &in) && !in.has_stats &&
	       in.has_exit_code && in.exit_code == 0x8b && !in.session[0],
	       "msg: exit notification without stats");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "demo");
	check_int("msg: instance without pid -> EPROTO",
		  dpoctl_decode_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put(msg, DPO_A_PID, sizeof(u16), &u16);
	check_int("msg: short u32 -> EPROTO",
		  dpoctl_decode_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put(msg, DPO_A_SESSION_NAME, 4, "demo");
	check_int("msg: string without NUL -> EPROTO",
		  dpoctl_decode_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_GET);
	nla_put_u32(msg, DPO_A_PID, 1);
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put_u32(msg, DPO_STATS_A_CPU_NS, 1);
	nla_nest_end(msg, nest);
	check_int("msg: short u64 in stats -> EPROTO",
		  dpoctl_decode_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SESSION_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_INTERVAL_MS, 100);
	nla_put_u32(msg, DPO_A_INSTANCES, 2);
	nla_put_u8(msg, DPO_A_OWNER, DPO_OWNER_PATCHED);
	nla_put_u64(msg, DPO_A_SWITCH_TIME_NS, 5000000000123ULL);
	result(!dpoctl_decode_session(nlmsg_hdr(msg), &s) &&
	       s.owner == DPO_OWNER_PATCHED &&
	       s.switch_time_ns == 5000000000123ULL,
	       "msg: session with owner and switch time");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_SESSION_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	result(!dpoctl_decode_session(nlmsg_hdr(msg), &s) && !s.owner &&
	       !s.switch_time_ns, "msg: session of an older module");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_STATUS_GET);
	nla_put_string(msg, DPO_A_VERSION, "0.2.0");
	nla_put_u32(msg, DPO_A_LISTENERS, 3);
	result(!dpoctl_decode_status(nlmsg_hdr(msg), &st) && st.has_listeners &&
	       st.listeners == 3, "msg: status with listeners");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 7);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET6);
	nla_put(msg, DPO_A_ADDR, 16,
		"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01");
	nla_put_u16(msg, DPO_A_PORT, 5432);
	nla_put_u64(msg, DPO_A_ACCEPTED_ORIGINAL, 10);
	nla_put_u64(msg, DPO_A_ACCEPTED_PATCHED, 20);
	nla_put_u64(msg, DPO_A_ACCEPTED_OTHER, 1ULL << 33);
	result(!dpoctl_decode_listener(nlmsg_hdr(msg), &l) && l.id == 7 &&
	       !strcmp(l.session, "db") && l.family == AF_INET6 &&
	       l.addr[0] == 0x20 && l.addr[15] == 1 && l.port == 5432 &&
	       l.accepted_original == 10 && l.accepted_patched == 20 &&
	       l.accepted_other == 1ULL << 33, "msg: IPv6 listener");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_ADD);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 8);
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET);
	nla_put(msg, DPO_A_ADDR, 4, "\x7f\0\0\x01");
	nla_put_u16(msg, DPO_A_PORT, 80);
	result(!dpoctl_decode_listener(nlmsg_hdr(msg), &l) && l.id == 8 &&
	       l.family == AF_INET && !memcmp(l.addr, "\x7f\0\0\x01\0", 5) &&
	       l.port == 80 && !l.accepted_original,
	       "msg: IPv4 listener, counters missing");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 8);
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET);
	nla_put(msg, DPO_A_ADDR, 16, "0123456789abcdef");
	check_int("msg: IPv4 listener with 16-byte address -> EPROTO",
		  dpoctl_decode_listener(nlmsg_hdr(msg), &l), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 8);
	nla_put(msg, DPO_A_ADDR, 17, "0123456789abcdefg");
	check_int("msg: address over 16 bytes -> EPROTO",
		  dpoctl_decode_listener(nlmsg_hdr(msg), &l), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	check_int("msg: listener without id -> EPROTO",
		  dpoctl_decode_listener(nlmsg_hdr(msg), &l), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(CTRL_CMD_NEWFAMILY);
	nla_put_u16(msg, CTRL_ATTR_FAMILY_ID, 0x1d);
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, "dpo");
	nla_put_u32(msg, CTRL_ATTR_VERSION, 1);
	result(!dpoctl_decode_family(nlmsg_hdr(msg), &f) && f.id == 0x1d &&
	       f.version == 1 && !strcmp(f.name, "dpo"), "msg: family");
	nlmsg_free(msg);
}

static const uint8_t lo4[4] = { 127, 0, 0, 1 };
static const uint8_t lo6[16] = { [15] = 1 };
static const uint8_t doc6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

/* A CONN_GET reply as the module sends it. */
static struct nl_msg *conn_msg(int family, const void *addr,
			       const void *peer, uint8_t state)
{
	struct nl_msg *msg = genl_msg(DPO_CMD_CONN_GET);
	int alen = family == AF_INET ? 4 : 16;

	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 4242);
	nla_put_u8(msg, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	nla_put_u16(msg, DPO_A_FAMILY, family);
	nla_put(msg, DPO_A_ADDR, alen, addr);
	nla_put_u16(msg, DPO_A_PORT, family == AF_INET ? 5432 : 8080);
	nla_put(msg, DPO_A_PEER_ADDR, alen, peer);
	nla_put_u16(msg, DPO_A_PEER_PORT, family == AF_INET ? 40000 : 55555);
	nla_put_u8(msg, DPO_A_CONN_STATE, state);
	nla_put_u64(msg, DPO_A_ACCEPT_TIME_NS, 1000000000ULL);
	nla_put_u64(msg, DPO_A_LAST_ACTIVITY_NS, 3000000000ULL);
	nla_put_u64(msg, DPO_A_BYTES_IN, 100);
	nla_put_u64(msg, DPO_A_BYTES_OUT, 1ULL << 32);
	nla_put_u64(msg, DPO_A_REQUESTS, 3);
	return msg;
}

static struct nl_msg *drain_msg(uint8_t cmd)
{
	struct nl_msg *msg = genl_msg(cmd);

	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u8(msg, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	nla_put_u32(msg, DPO_A_DEADLINE_MS, 30000);
	nla_put_u32(msg, DPO_A_DRAIN_REMAINING, 3);
	nla_put_u32(msg, DPO_A_DRAIN_CLOSED_IDLE, 2);
	nla_put_u32(msg, DPO_A_DRAIN_CLOSED_BUSY, 1);
	nla_put_u32(msg, DPO_A_DRAIN_RESET, 0);
	nla_put_u32(msg, DPO_A_DRAIN_GONE, 4);
	nla_put_u64(msg, DPO_A_DRAIN_ELAPSED_NS, 1500000000ULL);
	return msg;
}

/* One LAT_HIST bucket; @pad: with a pad before the count, as some arches. */
static void put_bucket(struct nl_msg *msg, uint32_t index, uint64_t count,
		       bool pad)
{
	struct nlattr *b = nla_nest_start(msg, DPO_LAT_HIST_A_BUCKET);

	nla_put_u32(msg, DPO_LAT_BUCKET_A_INDEX, index);
	if (pad)
		nla_put(msg, DPO_LAT_BUCKET_A_PAD, 0, NULL);
	nla_put_u64(msg, DPO_LAT_BUCKET_A_COUNT, count);
	nla_nest_end(msg, b);
}

/* A sample whose histogram holds a malformed bucket of @kind. */
static struct nl_msg *bad_hist_msg(int kind)
{
	struct nl_msg *msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	struct nlattr *nest, *hist, *b;

	nla_put_u32(msg, DPO_A_PID, 1);
	nest = nla_nest_start(msg, DPO_A_STATS);
	hist = nla_nest_start(msg, DPO_STATS_A_LAT_HIST);
	switch (kind) {
	case 0:		/* index past the last bucket */
		put_bucket(msg, DPO_LAT_BUCKETS, 1, false);
		break;
	case 1:		/* the same index twice */
		put_bucket(msg, 3, 1, false);
		put_bucket(msg, 3, 2, false);
		break;
	case 2:		/* no count */
		b = nla_nest_start(msg, DPO_LAT_HIST_A_BUCKET);
		nla_put_u32(msg, DPO_LAT_BUCKET_A_INDEX, 3);
		nla_nest_end(msg, b);
		break;
	case 3:		/* a 4-byte count */
		b = nla_nest_start(msg, DPO_LAT_HIST_A_BUCKET);
		nla_put_u32(msg, DPO_LAT_BUCKET_A_INDEX, 3);
		nla_put_u32(msg, DPO_LAT_BUCKET_A_COUNT, 5);
		nla_nest_end(msg, b);
		break;
	case 4:		/* an empty bucket */
		put_bucket(msg, 3, 0, false);
		break;
	}
	nla_nest_end(msg, hist);
	nla_nest_end(msg, nest);
	return msg;
}

/*
 * A sample: @level 0 as an older module sends it, 1 the first sample
 * with traffic (totals only), 2 a later one with rates and latencies.
 */
static struct nl_msg *traffic_msg(int level)
{
	struct nl_msg *msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	struct nlattr *nest, *hist;

	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 4242);
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put_u64(msg, DPO_STATS_A_SEQ, 2);
	nla_put_u32(msg, DPO_STATS_A_THREADS, 4);
	if (level >= 1) {
		nla_put_u64(msg, DPO_STATS_A_CONNS_ACCEPTED, 10);
		nla_put_u64(msg, DPO_STATS_A_CONNS_ACTIVE, 2);
		nla_put_u64(msg, DPO_STATS_A_REQUESTS, 500);
		nla_put_u64(msg, DPO_STATS_A_BYTES_IN, 1000000);
		nla_put_u64(msg, DPO_STATS_A_BYTES_OUT, 2000000);
	}
	if (level >= 2) {
		nla_put_u64(msg, DPO_STATS_A_ACCEPTED_PER_S, 1);
		nla_put_u64(msg, DPO_STATS_A_REQUESTS_PER_S, 50);
		nla_put_u64(msg, DPO_STATS_A_BYTES_IN_PER_S, 2048);
		nla_put_u64(msg, DPO_STATS_A_BYTES_OUT_PER_S, 4096);
		hist = nla_nest_start(msg, DPO_STATS_A_LAT_HIST);
		put_bucket(msg, 0, 7, true);		/* [0, 1) us, padded */
		put_bucket(msg, 152, 5, false);		/* [6144, 6400) us */
		nla_put_u64(msg, DPO_LAT_HIST_A_MAX + 1, 9);	/* newer */
		put_bucket(msg, DPO_LAT_BUCKETS - 1, 1, false);	/* the last */
		nla_nest_end(msg, hist);
		nla_put_u64(msg, DPO_STATS_A_LAT_P50_US, 12);
		nla_put_u64(msg, DPO_STATS_A_LAT_P99_US, 900);
		nla_put_u64(msg, DPO_STATS_A_LAT_MEAN_US, 40);
	}
	nla_nest_end(msg, nest);
	return msg;
}

static void test_msg_traffic(void)
{
	struct dpoctl_instance in;
	struct dpoctl_drain d;
	struct dpoctl_conn c;
	struct nlattr *nest;
	int i;
	struct nl_msg *msg;

	msg = conn_msg(AF_INET, lo4, lo4, DPO_CONN_BUSY);
	result(!dpoctl_decode_conn(nlmsg_hdr(msg), &c) && !strcmp(c.session, "db") &&
	       c.pid == 4242 && c.role == DPO_ROLE_ORIGINAL &&
	       c.family == AF_INET && !memcmp(c.addr, lo4, 4) &&
	       c.port == 5432 && !memcmp(c.peer_addr, lo4, 4) &&
	       c.peer_port == 40000 && c.state == DPO_CONN_BUSY &&
	       c.accept_time_ns == 1000000000ULL &&
	       c.last_activity_ns == 3000000000ULL && c.bytes_in == 100 &&
	       c.bytes_out == 1ULL << 32 && c.requests == 3,
	       "msg: IPv4 connection");
	nlmsg_free(msg);

	msg = conn_msg(AF_INET6, lo6, doc6, DPO_CONN_DRAINING);
	result(!dpoctl_decode_conn(nlmsg_hdr(msg), &c) && c.family == AF_INET6 &&
	       !memcmp(c.addr, lo6, 16) && !memcmp(c.peer_addr, doc6, 16) &&
	       c.port == 8080 && c.peer_port == 55555 &&
	       c.state == DPO_CONN_DRAINING, "msg: IPv6 connection");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put_u16(msg, DPO_A_FAMILY, AF_INET);
	nla_put(msg, DPO_A_PEER_ADDR, 16, doc6);
	check_int("msg: IPv4 connection with a 16-byte peer -> EPROTO",
		  dpoctl_decode_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	check_int("msg: connection without pid -> EPROTO",
		  dpoctl_decode_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_u32(msg, DPO_A_PID, 1);
	check_int("msg: connection without session -> EPROTO",
		  dpoctl_decode_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_CONN_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	nla_put_u32(msg, DPO_A_PID, 1);
	nla_put_u32(msg, DPO_A_BYTES_IN, 1);
	check_int("msg: short u64 in a connection -> EPROTO",
		  dpoctl_decode_conn(nlmsg_hdr(msg), &c), -EPROTO);
	nlmsg_free(msg);

	msg = drain_msg(DPO_CMD_DRAIN_DONE_NTF);
	result(!dpoctl_decode_drain(nlmsg_hdr(msg), &d) && !strcmp(d.session, "db") &&
	       d.role == DPO_ROLE_ORIGINAL && d.deadline_ms == 30000 &&
	       d.remaining == 3 && d.closed_idle == 2 && d.closed_busy == 1 &&
	       d.reset == 0 && d.gone == 4 && d.elapsed_ns == 1500000000ULL &&
	       !d.cancelled,
	       "msg: drain");
	check_int("msg: drain done command", dpoctl_decode_cmd(nlmsg_hdr(msg)),
		  DPO_CMD_DRAIN_DONE_NTF);
	nlmsg_free(msg);

	msg = drain_msg(DPO_CMD_DRAIN_DONE_NTF);
	nla_put_flag(msg, DPO_A_DRAIN_CANCELLED);
	result(!dpoctl_decode_drain(nlmsg_hdr(msg), &d) && d.cancelled &&
	       d.remaining == 3, "msg: drain cut short");
	nlmsg_free(msg);

	msg = drain_msg(DPO_CMD_DRAIN);
	nla_put(msg, DPO_A_DRAIN_IDLE_MARK, 6, "\x5a\0\0\0\x05\x49");
	result(!dpoctl_decode_drain(nlmsg_hdr(msg), &d) &&
	       d.idle_mark_len == 6 && !memcmp(d.idle_mark, "\x5a\0\0\0\x05\x49", 6),
	       "msg: drain with an idle mark");
	nlmsg_free(msg);
	msg = drain_msg(DPO_CMD_DRAIN);
	result(!dpoctl_decode_drain(nlmsg_hdr(msg), &d) && !d.idle_mark_len,
	       "msg: drain without an idle mark");
	nlmsg_free(msg);
	msg = drain_msg(DPO_CMD_DRAIN);
	nla_put(msg, DPO_A_DRAIN_IDLE_MARK, 0, NULL);
	check_int("msg: empty idle mark -> EPROTO",
		  dpoctl_decode_drain(nlmsg_hdr(msg), &d), -EPROTO);
	nlmsg_free(msg);
	msg = drain_msg(DPO_CMD_DRAIN);
	nla_put(msg, DPO_A_DRAIN_IDLE_MARK, 17, "0123456789abcdefg");
	check_int("msg: 17-byte idle mark -> EPROTO",
		  dpoctl_decode_drain(nlmsg_hdr(msg), &d), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_DRAIN_PROGRESS_NTF);
	nla_put_u32(msg, DPO_A_DRAIN_REMAINING, 1);
	check_int("msg: drain without session -> EPROTO",
		  dpoctl_decode_drain(nlmsg_hdr(msg), &d), -EPROTO);
	nlmsg_free(msg);

	msg = traffic_msg(0);
	result(!dpoctl_decode_instance(nlmsg_hdr(msg), &in) && in.has_stats &&
	       in.stats.present == (DPOCTL_STAT_BIT(DPO_STATS_A_SEQ) |
				    DPOCTL_STAT_BIT(DPO_STATS_A_THREADS)) &&
	       !in.stats.conns_accepted,
	       "msg: sample of an older module: no traffic");
	nlmsg_free(msg);

	msg = traffic_msg(1);
	result(!dpoctl_decode_instance(nlmsg_hdr(msg), &in) &&
	       DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_CONNS_ACCEPTED) &&
	       DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_BYTES_OUT) &&
	       !DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_REQUESTS_PER_S) &&
	       !DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_LAT_HIST) &&
	       in.stats.conns_accepted == 10 && in.stats.conns_active == 2 &&
	       in.stats.requests == 500 && in.stats.bytes_in == 1000000 &&
	       in.stats.bytes_out == 2000000,
	       "msg: first sample: traffic totals, no rates");
	nlmsg_free(msg);

	msg = traffic_msg(2);
	result(!dpoctl_decode_instance(nlmsg_hdr(msg), &in) &&
	       in.stats.accepted_per_s == 1 && in.stats.requests_per_s == 50 &&
	       in.stats.bytes_in_per_s == 2048 &&
	       in.stats.bytes_out_per_s == 4096 &&
	       in.stats.lat_p50_us == 12 && in.stats.lat_p99_us == 900 &&
	       in.stats.lat_mean_us == 40 &&
	       DPOCTL_STAT_HAS(&in.stats, DPO_STATS_A_LAT_HIST),
	       "msg: later sample: rates and latencies");
	result(in.stats.lat_hist[0] == 7 && in.stats.lat_hist[1] == 0 &&
	       in.stats.lat_hist[152] == 5 &&
	       in.stats.lat_hist[DPO_LAT_BUCKETS - 1] == 1,
	       "msg: histogram buckets, padding and newer types skipped");
	nlmsg_free(msg);

	for (i = 0; i < 5; i++) {
		static const char *const what[] = {
			"index past the last", "repeated index", "no count",
			"4-byte count", "count 0",
		};
		char name[80];

		msg = bad_hist_msg(i);
		snprintf(name, sizeof(name), "msg: histogram bucket, %s -> EPROTO",
			 what[i]);
		check_int(name, dpoctl_decode_instance(nlmsg_hdr(msg), &in),
			  -EPROTO);
		nlmsg_free(msg);
	}

	msg = genl_msg(DPO_CMD_SAMPLE_NTF);
	nla_put_u32(msg, DPO_A_PID, 1);
	nest = nla_nest_start(msg, DPO_A_STATS);
	nla_put_u32(msg, DPO_STATS_A_REQUESTS_PER_S, 5);
	nla_nest_end(msg, nest);
	check_int("msg: 4-byte rate -> EPROTO",
		  dpoctl_decode_instance(nlmsg_hdr(msg), &in), -EPROTO);
	nlmsg_free(msg);
}

/* Notifications: each kind into its member, newer ones told apart. */
static void test_event(void)
{
	struct dpoctl_event ev;
	struct nl_msg *msg;

	msg = genl_msg(DPO_CMD_OWNER_SET_NTF);
	nla_put_string(msg, DPO_A_SESSION_NAME, "e2e");
	nla_put_u8(msg, DPO_A_OWNER, DPO_OWNER_CANARY);
	nla_put_u8(msg, DPO_A_CANARY_PCT, 20);
	result(!dpoctl_decode_event(nlmsg_hdr(msg), &ev) &&
	       ev.cmd == DPO_CMD_OWNER_SET_NTF && !ev.malformed &&
	       !strcmp(ev.session.name, "e2e") &&
	       ev.session.owner == DPO_OWNER_CANARY &&
	       ev.session.canary_pct == 20,
	       "event: session with a canary share");
	nlmsg_free(msg);

	msg = drain_msg(DPO_CMD_DRAIN_PROGRESS_NTF);
	result(!dpoctl_decode_event(nlmsg_hdr(msg), &ev) &&
	       ev.cmd == DPO_CMD_DRAIN_PROGRESS_NTF && ev.drain.remaining == 3,
	       "event: drain progress");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_LISTENER_ADD_NTF);
	nla_put_u32(msg, DPO_A_LISTENER_ID, 3);
	result(!dpoctl_decode_event(nlmsg_hdr(msg), &ev) &&
	       ev.cmd == DPO_CMD_LISTENER_ADD_NTF && ev.listener.id == 3,
	       "event: listener added");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_INSTANCE_EXIT_NTF);
	nla_put_string(msg, DPO_A_SESSION_NAME, "db");
	check_int("event: instance without pid -> EPROTO",
		  dpoctl_decode_event(nlmsg_hdr(msg), &ev), -EPROTO);
	result(ev.cmd == DPO_CMD_INSTANCE_EXIT_NTF && ev.malformed,
	       "event: malformed, its command kept");
	nlmsg_free(msg);

	msg = genl_msg(DPO_CMD_MAX + 1);
	nla_put_string(msg, DPO_A_SESSION_NAME, "e2e");
	check_int("event: a newer module's command -> ENOENT",
		  dpoctl_decode_event(nlmsg_hdr(msg), &ev), -ENOENT);
	nlmsg_free(msg);
	msg = genl_msg(DPO_CMD_SESSION_GET);
	nla_put_string(msg, DPO_A_SESSION_NAME, "e2e");
	check_int("event: a reply's command -> ENOENT",
		  dpoctl_decode_event(nlmsg_hdr(msg), &ev), -ENOENT);
	nlmsg_free(msg);
}

int main(void)
{
	test_msg();
	test_msg_traffic();
	test_event();
	return test_done();
}
