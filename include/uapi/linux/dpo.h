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
 *       and edge-triggered). Waiters of the old owner keep sleeping.
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

	__DPO_STATS_A_MAX,
	DPO_STATS_A_MAX = __DPO_STATS_A_MAX - 1
};

#endif /* _UAPI_LINUX_DPO_H */
