/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol of dpo_patch_srv (patch_srv.c) and a closed-loop load
 * generator for the dpoctl patch tests (patch_test.c).
 *
 * Protocol, little endian: a request is a struct pl_req written in one
 * call; the answer a struct pl_resp followed by resp_len filler bytes,
 * written in one call (so that it ends the request for dpo).
 *
 * The load: @threads threads, each with a persistent connection doing
 * requests back to back, reconnecting after every @reconnect_every
 * requests. A request whose connection the server closed between
 * requests (the send fails with EPIPE/ECONNRESET, or EOF or a reset comes
 * before any byte of the answer) is retried on a new connection and
 * counted as retried: dpo's drain never closes a connection carrying a
 * request the server read and did not answer. Anything else fails.
 */
#ifndef DPO_SELFTEST_PATCH_LOAD_H
#define DPO_SELFTEST_PATCH_LOAD_H

#include <linux/types.h>

#define PL_MAGIC	0x44504f31	/* "DPO1" */
#define PL_MAX_RESP	(64 * 1024)

struct pl_req {
	__u32 magic;
	__u32 id;
	__u32 resp_len;		/* <= PL_MAX_RESP */
	__u32 reserved;
};

struct pl_resp {
	__u32 magic;
	__u32 id;
	__u32 pid;		/* the server's getpid() */
	__u32 resp_len;
};

struct pl_cfg {
	unsigned short port;	/* 127.0.0.1:port */
	int threads;
	int reconnect_every;	/* requests per connection; 0: never */
	int think_us;		/* pause between requests */
	__u32 resp_len;
	int timeout_ms;		/* per answer (0: 5000) */
	int connect_ms;		/* connect retries, per request (0: 2000) */
};

enum pl_fail {
	PL_F_CONNECT,		/* no connection within connect_ms */
	PL_F_PARTIAL,		/* EOF or reset inside an answer */
	PL_F_PROTO,		/* bad magic, id or length */
	PL_F_TIMEOUT,		/* no answer within timeout_ms */
	PL_F_RETRIES,		/* closed before the answer, again and again */
	PL_F_OTHER,		/* another error */
	PL_F_NR
};

#define PL_MAX_PIDS	8

struct pl_pid_stats {
	__u32 pid;
	__u64 ok;		/* answers from it */
	__u64 conns;		/* connections it answered first */
};

struct pl_stats {
	__u64 ok, retried, failed;
	__u64 fail[PL_F_NR];
	int npids;
	struct pl_pid_stats pids[PL_MAX_PIDS];
	__u64 conns;		/* connections made */
	__u64 conn_log_lost;	/* oldest entries overwritten */
};

struct pl;

/* Start the threads; NULL on failure (errno set). */
struct pl *pl_start(const struct pl_cfg *cfg);
/* Stop and join the threads; the stats stay readable until pl_free(). */
void pl_stop(struct pl *pl);
void pl_free(struct pl *pl);
void pl_stats(struct pl *pl, struct pl_stats *st);
/* The answers @pid gave so far. */
__u64 pl_pid_ok(struct pl *pl, __u32 pid);
/*
 * Connections made at or after @t_ns (CLOCK_MONOTONIC, taken before
 * connect()) whose first answer came from @pid (0: any pid). The log is
 * bounded (the newest PL_CONN_LOG), see conn_log_lost.
 */
#define PL_CONN_LOG	16384
__u64 pl_conns_since(struct pl *pl, __u64 t_ns, __u32 pid);
/* The same, but from any pid other than @pid. */
__u64 pl_conns_since_not(struct pl *pl, __u64 t_ns, __u32 pid);
const char *pl_fail_name(enum pl_fail kind);
/* One line: ok, retried, failed by kind, answers per pid. */
void pl_format(const struct pl_stats *st, char *buf, size_t len);

#endif /* DPO_SELFTEST_PATCH_LOAD_H */
