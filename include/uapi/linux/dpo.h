/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dpo: dynamic patch orchestration -- generic netlink protocol.
 *
 * Family "dpo" (DPO_GENL_NAME), version DPO_GENL_VERSION, init_net only.
 * Multicast groups: "samples" (DPO_MCGRP_SAMPLES) and "events"
 * (DPO_MCGRP_EVENTS). Joining either needs CAP_NET_ADMIN.
 *
 * Objects
 *   session   a named set of instances sampled together, on one clock, at
 *             one interval. Name: 1..DPO_SESSION_NAME_MAX-1 bytes.
 *   instance  a process (thread group) inside a session, with a role:
 *             DPO_ROLE_ORIGINAL or DPO_ROLE_PATCHED. A process is tracked
 *             by at most one session at a time.
 *
 * Permissions
 *   DPO_CMD_STATUS_GET is open to every user (it shows no process data).
 *   Every other command needs CAP_NET_ADMIN: reading included, because
 *   samples describe processes that the caller may not see in /proc
 *   (hidepid) and name the processes being patched.
 *   A session belongs to the pid namespace and network namespace of the
 *   process that created it: only a caller in that network namespace and
 *   in that pid namespace or an ancestor of it (or one with CAP_SYS_ADMIN)
 *   sees it, its instances, listeners and connections, in replies and
 *   dumps, and acts on it; to others it does not exist (ENOENT, "no such
 *   session" / "process not tracked" / "no such listener"). Multicast
 *   notifications are not scoped: any CAP_NET_ADMIN holder that joins a
 *   group receives every session's.
 *
 * Commands (request attributes; "?" = optional). Every error carries an
 * extended ACK message; missing attributes are also reported with
 * NLMSGERR_ATTR_MISS_TYPE.
 *
 *   DPO_CMD_STATUS_GET      doit; no attributes.
 *       reply: DPO_A_VERSION, DPO_A_SESSIONS, DPO_A_INSTANCES,
 *              DPO_A_SAMPLES, DPO_A_SAMPLE_TIME_NS, DPO_A_LISTENERS
 *   DPO_CMD_SESSION_NEW     doit; DPO_A_SESSION_NAME, DPO_A_INTERVAL_MS?
 *       (default DPO_INTERVAL_MS_DEFAULT, range DPO_INTERVAL_MS_MIN..MAX)
 *       errors: EEXIST session exists, ENOSPC too many sessions
 *   DPO_CMD_SESSION_SET     doit; DPO_A_SESSION_NAME, DPO_A_INTERVAL_MS
 *       errors: ENOENT no such session
 *   DPO_CMD_SESSION_DEL     doit; DPO_A_SESSION_NAME. Detaches its listeners
 *       and untracks its instances (with their LISTENER_DEL and
 *       INSTANCE_DEL events).
 *       errors: ENOENT no such session
 *   DPO_CMD_SESSION_GET     doit (DPO_A_SESSION_NAME) or dump (no attributes)
 *       reply: DPO_A_SESSION_NAME, DPO_A_INTERVAL_MS, DPO_A_INSTANCES,
 *              DPO_A_OWNER, DPO_A_CANARY_PCT (0 unless canary),
 *              DPO_A_SWITCH_TIME_NS (CLOCK_MONOTONIC of the last
 *              ownership switch, 0 if none)
 *   DPO_CMD_INSTANCE_ADD    doit; DPO_A_SESSION_NAME, DPO_A_PID, DPO_A_ROLE
 *       The pid is a process id (thread group id) in the caller's pid
 *       namespace. The first sample is taken at once (and multicast).
 *       errors: ENOENT no such session, ESRCH no such process,
 *               EINVAL pid is a thread of another process, or a kernel
 *               thread,
 *               EEXIST process already tracked, ENOSPC too many instances
 *   DPO_CMD_INSTANCE_DEL    doit; DPO_A_PID
 *       errors: ENOENT process not tracked
 *   DPO_CMD_INSTANCE_GET    doit (DPO_A_PID) or dump (no attributes)
 *       reply: the instance attributes below, latest sample in DPO_A_STATS
 *   DPO_CMD_LISTENER_ADD    doit; DPO_A_SESSION_NAME, DPO_A_FD
 *       Hands the session a listening TCP socket (IPv4 or IPv6) shared by
 *       its instances: DPO_A_FD is a descriptor of it in the caller's file
 *       table (e.g. taken from the database with pidfd_getfd(2)). dpo
 *       holds the socket open until the listener is removed (and the
 *       module stays in use: delete_module(2) fails), and from then
 *       on decides which instance may accept from it (DPO_CMD_OWNER_SET;
 *       a new session's owner is DPO_OWNER_BOTH). Processes that are not
 *       instances of the session are never restricted. Setting TCP_ULP
 *       or IPV6_ADDRFORM on the socket fails with EBUSY meanwhile.
 *       reply: the listener attributes below
 *       errors: ENOENT no such session, EBADF/ENOTSOCK bad descriptor,
 *               EINVAL not a listening TCP socket, EOPNOTSUPP socket with
 *               a ULP (kTLS) or MPTCP, EEXIST already attached, ENOSPC
 *       Listener ids are handed out cyclically from 1 and are never 0 or
 *       the id of another attached listener.
 *   DPO_CMD_LISTENER_DEL    doit; DPO_A_LISTENER_ID. Restores the socket.
 *       errors: ENOENT no such listener
 *   DPO_CMD_LISTENER_GET    doit (DPO_A_LISTENER_ID) or dump
 *       reply: DPO_A_LISTENER_ID, DPO_A_SESSION_NAME, DPO_A_FAMILY,
 *              DPO_A_ADDR, DPO_A_PORT, DPO_A_ACCEPTED_ORIGINAL,
 *              DPO_A_ACCEPTED_PATCHED, DPO_A_ACCEPTED_OTHER
 *   DPO_CMD_OWNER_SET       doit; DPO_A_SESSION_NAME, DPO_A_OWNER,
 *                           DPO_A_CANARY_PCT (with DPO_OWNER_CANARY only)
 *       Switches who may accept new connections on the session's
 *       listeners, atomically: once the reply is sent, every connection is
 *       accepted by the new owner, and the new owner is woken for the
 *       connections already queued (blocking accept, poll, epoll level-
 *       and edge-triggered, EPOLLEXCLUSIVE, io_uring). The reply waits for
 *       accepts decided under the old owner: one that waits for the
 *       listener's socket lock (held by a process) holds the reply up.
 *       A running drain of a role that the new owner lets accept again is
 *       cut short (DPO_CMD_DRAIN_DONE_NTF with DPO_A_DRAIN_CANCELLED).
 *       DPO_OWNER_CANARY gives DPO_A_CANARY_PCT percent (1..99) of the new
 *       connections of each listener to the patched instance and the rest
 *       to the original, in a fixed interleaving (smooth weighted round
 *       robin: 20 gives every fifth one). The connection at the head of
 *       the queue waits for the instance whose turn it is for at most
 *       DPO_CANARY_WAIT_MS; then either may take it. With only one of the
 *       two roles present, that one takes everything.
 *       errors: ENOENT no such session, EINVAL canary without percentage
 *               or percentage without canary
 *   DPO_CMD_SESSION_CLAIM   doit; DPO_A_SESSION_NAME, DPO_A_OWNER?
 *       The sending socket becomes the session's controller. When that
 *       socket is closed (the controller exits or dies) before the session
 *       is deleted, the session's owner is set to DPO_A_OWNER (default
 *       DPO_OWNER_ORIGINAL; not CANARY), and DPO_CMD_CONTROLLER_LOST_NTF
 *       and DPO_CMD_OWNER_SET events are sent. Claiming again from the
 *       same socket updates the fail-safe owner.
 *       errors: ENOENT no such session, EBUSY claimed by another socket
 *   DPO_CMD_CONN_GET        dump; DPO_A_SESSION_NAME?, DPO_A_PID? (filters:
 *                           an unknown session or a pid that names no
 *                           process gives an empty list)
 *       One message per registered connection: every connection accepted
 *       by an instance through one of the session's listeners, from the
 *       accept until its socket is closed (or the session is deleted).
 *       reply: DPO_A_SESSION_NAME, DPO_A_PID (the accepting process),
 *              DPO_A_ROLE, DPO_A_FAMILY, DPO_A_ADDR + DPO_A_PORT (local),
 *              DPO_A_PEER_ADDR + DPO_A_PEER_PORT, DPO_A_CONN_STATE,
 *              DPO_A_ACCEPT_TIME_NS, DPO_A_LAST_ACTIVITY_NS,
 *              DPO_A_BYTES_IN, DPO_A_BYTES_OUT, DPO_A_REQUESTS
 *       A connection is busy while bytes wait unread, and from the first
 *       byte the server reads after being idle until a write that starts
 *       with nothing unread; then idle, and one request (its latency: that
 *       first read to the end of that write) is counted. Writes with
 *       MSG_MORE or under TCP_CORK do not end a request (taking the cork
 *       off does), but a response written in several plain writes ends it
 *       at the first (a drain may then cut the rest: use MSG_MORE or
 *       TCP_CORK). Pipelined requests answered together count as one.
 *       Reads are recv/read, splice and TCP_ZEROCOPY_RECEIVE (not
 *       MSG_ERRQUEUE); sendfile() ends a request with its last byte. Reads
 *       and writes the kernel makes itself for a sockmap (BPF: read_sock,
 *       read_skb, sendmsg_locked of redirects) bypass dpo: their bytes are
 *       not counted, and a request read that way ends at the server's next
 *       write that starts with nothing unread, counted without a latency.
 *       A connection reset by a drain stays listed (DPO_CONN_RESET) until
 *       the server closes it.
 *   DPO_CMD_DRAIN           doit; DPO_A_SESSION_NAME, DPO_A_ROLE,
 *                           DPO_A_DEADLINE_MS? (default
 *                           DPO_DRAIN_DEADLINE_MS_DEFAULT)
 *       Drains every instance of the role (phase 2 of a rollback, or of a
 *       promotion): new connections go to the other role from now on
 *       (DPO_CMD_OWNER_SET event); its idle connections are shut down
 *       (FIN, both directions) at once, busy ones at the write that makes
 *       them idle; at the deadline the rest are reset (RST). The shutdown
 *       is decided under the socket lock with nothing unread, so a request
 *       arriving afterwards is refused by TCP (RST) before the server can
 *       read it: a drained connection never carries a request the server
 *       read and did not answer. Progress: DPO_CMD_DRAIN_PROGRESS_NTF when
 *       the number of remaining connections changes (at most every
 *       DPO_DRAIN_TICK_MS), DPO_CMD_DRAIN_DONE_NTF at the end.
 *       reply: the drain attributes below (the state at the start:
 *              DPO_A_DRAIN_REMAINING counts the idle connections too,
 *              shut down right after the reply)
 *       errors: ENOENT no such session, EINVAL no instance of the other
 *               role to take new connections, EBUSY a drain of this
 *               session is running, ERANGE role or deadline out of range
 *
 * Notifications (kernel -> user, multicast)
 *   DPO_CMD_SAMPLE_NTF      group "samples": one per instance per interval,
 *                           instance attributes
 *   DPO_CMD_INSTANCE_EXIT_NTF  group "events": the process exited (all of its
 *                           threads); instance attributes with the last
 *                           sample taken before the exit was seen, plus
 *                           DPO_A_EXIT_CODE. The instance is gone afterwards.
 *   DPO_CMD_INSTANCE_ADD / DPO_CMD_INSTANCE_DEL / DPO_CMD_SESSION_NEW /
 *   DPO_CMD_SESSION_DEL / DPO_CMD_LISTENER_ADD / DPO_CMD_LISTENER_DEL
 *                           group "events": the change was made (by any
 *                           caller); same attributes as the GET replies.
 *   DPO_CMD_OWNER_SET       group "events": an ownership switch; the
 *                           session attributes, DPO_A_SWITCH_TIME_NS the
 *                           moment it took effect.
 *   DPO_CMD_CONTROLLER_LOST_NTF  group "events": the socket that claimed
 *                           the session was closed; the session attributes.
 *   DPO_CMD_DRAIN_PROGRESS_NTF / DPO_CMD_DRAIN_DONE_NTF  group "events":
 *                           the drain attributes below. DONE is also sent,
 *                           with DPO_A_DRAIN_CANCELLED, when the drain is
 *                           cut short (DPO_A_DRAIN_REMAINING may then be
 *                           non-zero): the session is deleted, or its
 *                           owner changes so that the drained role may
 *                           accept again (DPO_CMD_OWNER_SET, or a
 *                           fail-safe: the other role's last instance
 *                           exited, the controller's socket closed). The
 *                           connections not closed yet are left alone.
 *
 * Drain attributes
 *   DPO_A_SESSION_NAME, DPO_A_ROLE (the role drained), DPO_A_DEADLINE_MS,
 *   DPO_A_DRAIN_REMAINING      u32  connections not closed yet
 *   DPO_A_DRAIN_CLOSED_IDLE    u32  shut down while idle
 *   DPO_A_DRAIN_CLOSED_BUSY    u32  shut down after their response
 *   DPO_A_DRAIN_RESET          u32  reset at the deadline
 *   DPO_A_DRAIN_GONE           u32  closed by the server or the client first
 *   DPO_A_DRAIN_ELAPSED_NS     u64  since the drain started
 *   DPO_A_DRAIN_CANCELLED      flag in DONE: cut short (see above)
 *
 * Instance attributes
 *   DPO_A_SESSION_NAME  string
 *   DPO_A_PID           u32   process id: in replies, in the caller's pid
 *                             namespace (0 when not visible there); in
 *                             notifications, in the initial namespace
 *   DPO_A_ROLE          u8    enum dpo_role
 *   DPO_A_START_TIME_NS u64   process start, CLOCK_BOOTTIME ns (guards
 *                             against pid reuse)
 *   DPO_A_STATS         nest  DPO_STATS_A_*, all u64 unless noted:
 *       TIMESTAMP_NS   CLOCK_MONOTONIC time of the sample
 *       SEQ            sample number within the instance, from 1
 *       CPU_NS         CPU time, user + system
 *       RUN_DELAY_NS   time spent runnable, waiting for a CPU
 *       NVCSW, NIVCSW  voluntary / involuntary context switches
 *       MIN_FLT, MAJ_FLT  minor / major page faults
 *       RSS_BYTES      resident set size
 *       THREADS  (u32) live threads
 *     Traffic of the connections the process accepted through the
 *     session's listeners (see DPO_CMD_CONN_GET):
 *       CONNS_ACCEPTED, CONNS_ACTIVE, REQUESTS, BYTES_IN, BYTES_OUT  totals
 *       ACCEPTED_PER_S, REQUESTS_PER_S, BYTES_IN_PER_S, BYTES_OUT_PER_S
 *                      rates over the interval since the previous sample
 *                      (absent in the first sample)
 *       LAT_HIST       nest: the latencies of the requests completed in
 *                      that interval (of those whose first read dpo saw,
 *                      see DPO_CMD_CONN_GET), a log2 histogram; attribute
 *                      type B + 1 holds (u64) the count of bucket B,
 *                      which is [2^B, 2^(B+1)) microseconds (bucket 0:
 *                      [0, 2)); empty buckets are left out; type 0 is
 *                      padding
 *       LAT_P50_US, LAT_P99_US, LAT_MEAN_US  of that interval, when it
 *                      completed requests; percentiles are interpolated
 *                      linearly inside their bucket, the mean is exact
 *   Counters are summed over every thread of the process, including threads
 *   that already exited, and never decrease between samples.
 *
 * 64-bit attributes are padded with DPO_A_PAD / DPO_STATS_A_PAD.
 */
#ifndef _UAPI_LINUX_DPO_H
#define _UAPI_LINUX_DPO_H

#define DPO_GENL_NAME		"dpo"
#define DPO_GENL_VERSION	1
#define DPO_MCGRP_SAMPLES	"samples"
#define DPO_MCGRP_EVENTS	"events"

#define DPO_SESSION_NAME_MAX	32	/* including the terminating NUL */
#define DPO_INTERVAL_MS_MIN	10
#define DPO_INTERVAL_MS_MAX	10000
#define DPO_INTERVAL_MS_DEFAULT	100
#define DPO_CANARY_WAIT_MS	20	/* longest wait for the turn's owner */
#define DPO_LAT_BUCKETS		32	/* log2 latency histogram, microseconds */
#define DPO_DRAIN_DEADLINE_MS_DEFAULT	30000
#define DPO_DRAIN_DEADLINE_MS_MAX	3600000
#define DPO_DRAIN_TICK_MS	20	/* progress events at most this often */

enum dpo_role {
	DPO_ROLE_UNSPEC,
	DPO_ROLE_ORIGINAL,
	DPO_ROLE_PATCHED,

	__DPO_ROLE_MAX,
	DPO_ROLE_MAX = __DPO_ROLE_MAX - 1
};

enum dpo_owner {
	DPO_OWNER_UNSPEC,
	DPO_OWNER_ORIGINAL,	/* only the original instance accepts */
	DPO_OWNER_PATCHED,	/* only the patched instance accepts */
	DPO_OWNER_BOTH,		/* both accept, as without dpo */
	DPO_OWNER_CANARY,	/* DPO_A_CANARY_PCT percent to the patched */

	__DPO_OWNER_MAX,
	DPO_OWNER_MAX = __DPO_OWNER_MAX - 1
};

enum dpo_conn_state {
	DPO_CONN_UNSPEC,
	DPO_CONN_IDLE,		/* answered everything it read, nothing unread */
	DPO_CONN_BUSY,		/* a request is being read, waits or is answered */
	DPO_CONN_DRAINING,	/* to be shut down at its next idle moment */
	DPO_CONN_CLOSED,	/* shut down by a drain (FIN), not yet closed */
	DPO_CONN_RESET,		/* reset by a drain at its deadline */

	__DPO_CONN_MAX,
	DPO_CONN_MAX = __DPO_CONN_MAX - 1
};

enum dpo_cmd {
	DPO_CMD_UNSPEC,
	DPO_CMD_STATUS_GET,
	DPO_CMD_SESSION_NEW,
	DPO_CMD_SESSION_SET,
	DPO_CMD_SESSION_DEL,
	DPO_CMD_SESSION_GET,
	DPO_CMD_INSTANCE_ADD,
	DPO_CMD_INSTANCE_DEL,
	DPO_CMD_INSTANCE_GET,
	DPO_CMD_SAMPLE_NTF,
	DPO_CMD_INSTANCE_EXIT_NTF,
	DPO_CMD_LISTENER_ADD,
	DPO_CMD_LISTENER_DEL,
	DPO_CMD_LISTENER_GET,
	DPO_CMD_OWNER_SET,
	DPO_CMD_SESSION_CLAIM,
	DPO_CMD_CONTROLLER_LOST_NTF,
	DPO_CMD_CONN_GET,
	DPO_CMD_DRAIN,
	DPO_CMD_DRAIN_PROGRESS_NTF,
	DPO_CMD_DRAIN_DONE_NTF,

	__DPO_CMD_MAX,
	DPO_CMD_MAX = __DPO_CMD_MAX - 1
};

enum dpo_attr {
	DPO_A_UNSPEC,
	DPO_A_PAD,
	DPO_A_VERSION,		/* string */
	DPO_A_SESSIONS,		/* u32 */
	DPO_A_INSTANCES,	/* u32 */
	DPO_A_SAMPLES,		/* u64 */
	DPO_A_SAMPLE_TIME_NS,	/* u64 */
	DPO_A_SESSION_NAME,	/* string */
	DPO_A_INTERVAL_MS,	/* u32 */
	DPO_A_PID,		/* u32 */
	DPO_A_ROLE,		/* u8, enum dpo_role */
	DPO_A_START_TIME_NS,	/* u64 */
	DPO_A_STATS,		/* nest, enum dpo_stats_attr */
	DPO_A_EXIT_CODE,	/* u32, as in wait(2) status */
	DPO_A_FD,		/* u32, a file descriptor of the caller */
	DPO_A_LISTENER_ID,	/* u32 */
	DPO_A_FAMILY,		/* u16, AF_INET or AF_INET6 */
	DPO_A_ADDR,		/* binary, 4 or 16 bytes, network order */
	DPO_A_PORT,		/* u16, host order */
	DPO_A_OWNER,		/* u8, enum dpo_owner */
	DPO_A_SWITCH_TIME_NS,	/* u64 */
	DPO_A_ACCEPTED_ORIGINAL,	/* u64, connections accepted */
	DPO_A_ACCEPTED_PATCHED,		/* u64 */
	DPO_A_ACCEPTED_OTHER,		/* u64, by other processes */
	DPO_A_LISTENERS,	/* u32 */
	DPO_A_CANARY_PCT,	/* u8, 1..99 */
	DPO_A_PEER_ADDR,	/* binary, 4 or 16 bytes, network order */
	DPO_A_PEER_PORT,	/* u16, host order */
	DPO_A_CONN_STATE,	/* u8, enum dpo_conn_state */
	DPO_A_ACCEPT_TIME_NS,	/* u64, CLOCK_MONOTONIC */
	DPO_A_LAST_ACTIVITY_NS,	/* u64, CLOCK_MONOTONIC: last read or write */
	DPO_A_BYTES_IN,		/* u64, read by the server */
	DPO_A_BYTES_OUT,	/* u64, written by the server */
	DPO_A_REQUESTS,		/* u64, requests answered */
	DPO_A_DEADLINE_MS,	/* u32, 1..DPO_DRAIN_DEADLINE_MS_MAX */
	DPO_A_DRAIN_REMAINING,	/* u32 */
	DPO_A_DRAIN_CLOSED_IDLE,	/* u32 */
	DPO_A_DRAIN_CLOSED_BUSY,	/* u32 */
	DPO_A_DRAIN_RESET,	/* u32 */
	DPO_A_DRAIN_GONE,	/* u32 */
	DPO_A_DRAIN_ELAPSED_NS,	/* u64 */
	DPO_A_DRAIN_CANCELLED,	/* flag */

	__DPO_A_MAX,
	DPO_A_MAX = __DPO_A_MAX - 1
};

enum dpo_stats_attr {
	DPO_STATS_A_UNSPEC,
	DPO_STATS_A_PAD,
	DPO_STATS_A_TIMESTAMP_NS,
	DPO_STATS_A_SEQ,
	DPO_STATS_A_CPU_NS,
	DPO_STATS_A_RUN_DELAY_NS,
	DPO_STATS_A_NVCSW,
	DPO_STATS_A_NIVCSW,
	DPO_STATS_A_MIN_FLT,
	DPO_STATS_A_MAJ_FLT,
	DPO_STATS_A_RSS_BYTES,
	DPO_STATS_A_THREADS,	/* u32 */
	DPO_STATS_A_CONNS_ACCEPTED,
	DPO_STATS_A_CONNS_ACTIVE,
	DPO_STATS_A_REQUESTS,
	DPO_STATS_A_BYTES_IN,
	DPO_STATS_A_BYTES_OUT,
	DPO_STATS_A_ACCEPTED_PER_S,
	DPO_STATS_A_REQUESTS_PER_S,
	DPO_STATS_A_BYTES_IN_PER_S,
	DPO_STATS_A_BYTES_OUT_PER_S,
	DPO_STATS_A_LAT_HIST,	/* nest, see above */
	DPO_STATS_A_LAT_P50_US,
	DPO_STATS_A_LAT_P99_US,
	DPO_STATS_A_LAT_MEAN_US,

	__DPO_STATS_A_MAX,
	DPO_STATS_A_MAX = __DPO_STATS_A_MAX - 1
};

#endif /* _UAPI_LINUX_DPO_H */
