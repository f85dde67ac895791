/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Request/response servers and clients for the connection registry and
 * drain selftests (conn_test, drain_test).
 *
 * A server is a child process forked after the listener was created (it
 * inherits it), so that it can be made an instance of a session. It
 * accepts on the shared listener, on command ('a') or continuously from a
 * thread ('g'), serves every connection from a thread of its own and
 * reports each accept (the client's port) on a pipe.
 *
 * The protocol: a request is a struct srv_req followed by filler up to
 * req_len bytes in all, written by the client in one call. The server
 * reads the header, notes the request id as read in the shared log, reads
 * the rest, optionally holds the request until told ('r' answer / 'c'
 * close), sleeps delay_us, and answers with resp_len bytes in one send()
 * (a struct srv_resp, then filler; or in two, see SRV_F_MORE). The server
 * closes a connection when it reads EOF, when a read or write fails, or
 * after answering a request with SRV_F_CLOSE.
 */
#ifndef DPO_SELFTEST_CONN_UTIL_H
#define DPO_SELFTEST_CONN_UTIL_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/types.h>

#include "dpo_nl.h"

#define SRV_MAGIC	0x64706f72	/* "dpor" */
#define SRV_F_HOLD	1	/* wait for 'r' (answer) or 'c' (close) */
#define SRV_F_CLOSE	2	/* close after answering */
#define SRV_F_MORE	4	/* answer in two writes, the first with
				 * MSG_MORE, delay_us apart */
#define SRV_F_CORK	8	/* the same with plain writes under
				 * TCP_CORK, taken off after the last */
#define SRV_F_IDLE	16	/* the answer ends with SRV_IDLE_MARK */
#define SRV_F_IN_TX	32	/* ... with SRV_IN_TX_MARK */

/*
 * PostgreSQL's ReadyForQuery, which ends every response: 'Z', length 5,
 * then the session's status: 'I' idle, 'T' in a transaction. Answers end
 * with filler ("xxxxxx") without SRV_F_IDLE or SRV_F_IN_TX.
 */
#define SRV_IDLE_MARK	"\x5a\x00\x00\x00\x05\x49"
#define SRV_IN_TX_MARK	"\x5a\x00\x00\x00\x05\x54"
#define SRV_MARK_LEN	6

struct srv_req {
	__u32 magic;
	__u32 id;		/* < SRV_MAX_IDS, logged when read */
	__u32 req_len;		/* bytes in all, >= sizeof(struct srv_req) */
	__u32 resp_len;		/* bytes to answer: 0 or >= sizeof(srv_resp) */
	__u32 delay_us;		/* sleep before answering */
	__u32 flags;		/* SRV_F_* */
};

struct srv_resp {
	__u32 magic;
	__u32 id;
	__u32 role;		/* the server's role (0: not an instance) */
	__u32 pid;
};

#define SRV_MAX_IDS	(1 << 18)
#define SRV_SLOTS	4
#define SRV_MAX_LEN	(256 * 1024)	/* largest request or response */

/* Shared with every server forked after srv_log_init(). */
struct srv_log {
	/* per request id: 1 + the slot of the server that read its header */
	__u8 read_by[SRV_MAX_IDS];
	/* per request id: the answer was written in full */
	__u8 answered[SRV_MAX_IDS];
	struct {
		int accepted;
		int held;	/* requests held now */
		int reads;	/* request headers read */
		int answers;	/* answers written in full */
		int partial;	/* EOF or error in the middle of a request */
		int read_err;	/* an error (ECONNRESET) between requests */
		int write_err;	/* a read request could not be answered */
		int last_write_errno;
		int closed;	/* connections the server closed */
	} slot[SRV_SLOTS];
};

extern struct srv_log *srv_log;

/* Map the shared log (once); 0 or -errno. Clears it. */
int srv_log_init(void);

struct srv {
	pid_t pid;
	int cmd_fd, rep_fd;
	int slot;		/* index in srv_log->slot */
	__u8 role;		/* what it answers in srv_resp.role */
	/* accepts reported so far: the clients' ports and address families */
	int naccepted;
	__u16 ports[1024];
	__u8 families[1024];
};

/*
 * Fork a server accepting on the @nlfd listeners @lfds (made non-blocking).
 * 0 or -errno.
 */
int srv_start(struct srv *s, const int *lfds, int nlfd, int slot, __u8 role);
/*
 * The same, with options: SRV_O_WAITALL reads each request header with one
 * recv(MSG_WAITALL) (as servers reading fixed-size headers do), so that
 * recv() can sleep with part of a request copied.
 */
#define SRV_O_WAITALL	1
int srv_start_opts(struct srv *s, const int *lfds, int nlfd, int slot,
		   __u8 role, unsigned int opts);
void srv_stop(struct srv *s);	/* SIGKILL and reap; safe twice */
/* Start accepting continuously ('g'). 0 or -errno. */
int srv_go(struct srv *s);
/*
 * Accept one connection now, from whichever listener has one ('a', waits
 * up to 3 s): the client's port or -errno.
 */
int srv_accept_one(struct srv *s);
/* Answer ('r') or close ('c') the requests held now; 0 or -errno. */
int srv_release(struct srv *s, char how);
/* Read accept reports for up to @ms, until @want accepts in all (0: all @ms). */
void srv_pump(struct srv *s, int ms, int want);
/* Whether the server reported accepting the client with local port @port. */
bool srv_took(struct srv *s, __u16 port);
/*
 * The same for a client of @family only: IPv4 and IPv6 clients can have the
 * same port.
 */
bool srv_took_from(struct srv *s, int family, __u16 port);

/* ---- sockets ---- */

socklen_t loopback(int family, __u16 port, struct sockaddr_storage *ss);
/* A TCP listener on loopback, kernel-chosen port; fd or -errno. */
int tcp_listener(int family, __u16 *port);
/* The same, blocking if not @nonblock, with listen(@backlog). */
int tcp_listener_ex(int family, bool nonblock, int backlog, __u16 *port);
/* A blocking client connected to loopback:@port; fd or -errno. */
int cli_connect(int family, __u16 port);
/* cli_connect(), then write the 4 bytes of @idx; fd or -errno. */
int cli_connect_idx(int family, __u16 port, __s32 idx);
/* The local port of a socket (host order), 0 on error. */
__u16 sock_port(int fd);
/* Send a request (one write); 0 or -errno. */
int cli_send(int fd, __u32 id, __u32 req_len, __u32 resp_len, __u32 delay_us,
	     __u32 flags);
/*
 * Read a @resp_len answer within @ms; 0 and *r filled, -EPIPE on EOF
 * before any byte, -EPROTO on EOF inside the answer or a bad answer,
 * -ETIMEDOUT or -errno (e.g. -ECONNRESET).
 */
int cli_recv(int fd, __u32 resp_len, struct srv_resp *r, int ms);
/* cli_send() + cli_recv(), checking the id. */
int cli_exchange(int fd, __u32 id, __u32 req_len, __u32 resp_len,
		 __u32 delay_us, struct srv_resp *r, int ms);
/*
 * Wait up to @ms for the end of the stream: 0 on EOF (FIN), -errno on an
 * error (-ECONNRESET), -EPROTO if data came, -ETIMEDOUT.
 */
int cli_wait_eof(int fd, int ms);
/* Accept on the (non-blocking) listener within @ms: fd or -errno. */
int accept_wait(int lfd, int ms);
/* SO_ERROR of a socket (0 if none). */
int sock_error(int fd);

/* Poll until srv_log->slot[@slot].@field (an int) reaches @want. */
int srv_wait_count(const int *field, int want, int ms);

/* ---- dpo requests of the registry and drain ---- */

/* CONN_GET dump; @session NULL and @pid 0: no filter. */
int dt_conn_dump(struct dt_sock *nl, const char *session, __u32 pid,
		  struct dt_obj *objs, int max, int *n, struct dt_ack *ack);
/* DRAIN; @role 0 or @deadline_ms 0: attribute omitted. */
int dt_drain(struct dt_sock *nl, const char *session, __u8 role,
	      __u32 deadline_ms, struct dt_obj *o, struct dt_ack *ack);
/* The same with DRAIN_IDLE_MARK (@mark NULL: omitted; @len 0 allowed). */
int dt_drain_mark(struct dt_sock *nl, const char *session, __u8 role,
		  __u32 deadline_ms, const void *mark, size_t len,
		  struct dt_obj *o, struct dt_ack *ack);
/* ... and DRAIN_MIN_REQUESTS (@min_requests < 0: omitted). */
int dt_drain_when(struct dt_sock *nl, const char *session, __u8 role,
		  __u32 deadline_ms, const void *mark, size_t len,
		  long long min_requests, struct dt_obj *o,
		  struct dt_ack *ack);

/*
 * A session @name of the calling process as its original (and @patched as
 * its patched instance, if not 0), with the IPv4 listener @lfd attached.
 * 0 or -errno, with @ack filled in.
 */
int own_session(struct dt_sock *nl, const char *name, int lfd, pid_t patched,
		struct dt_ack *ack);

/* The registry entry whose peer port is @port, or NULL. */
const struct dt_obj *conn_find(const struct dt_obj *objs, int n,
				__u16 port);

const char *conn_state_name(__u8 state);

#endif /* DPO_SELFTEST_CONN_UTIL_H */
