// SPDX-License-Identifier: GPL-2.0
/* Request/response servers and clients for conn_test and drain_test. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "conn_util.h"
#include "dpo_req.h"
#include "proc_util.h"

struct srv_log *srv_log;

int srv_log_init(void)
{
	if (!srv_log) {
		void *p = shared_mem(sizeof(*srv_log));

		if (p == MAP_FAILED)
			return -errno;
		srv_log = p;
	}
	memset(srv_log, 0, sizeof(*srv_log));
	return 0;
}

/* ---- the server child ------------------------------------------------------ */

enum { REP_ACCEPT = 1, REP_CMD };

struct srv_rep {
	__s32 kind;
	__s32 port;		/* REP_ACCEPT: the client's port */
	__s32 err;		/* REP_CMD: 0 or an errno; 'a': the port;
				 * REP_ACCEPT: the client's address family
				 */
};

#define SRV_MAX_LFD	4
static int c_lfd[SRV_MAX_LFD], c_nlfd, c_rep, c_slot;
static __u8 c_role;
static unsigned int c_opts;
static pthread_mutex_t c_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c_cond = PTHREAD_COND_INITIALIZER;
static unsigned int c_hold_gen;
static char c_hold_how;

#define SLOT(f)	(srv_log->slot[c_slot].f)
#define INC(f)	__atomic_add_fetch(&SLOT(f), 1, __ATOMIC_SEQ_CST)
#define DEC(f)	__atomic_sub_fetch(&SLOT(f), 1, __ATOMIC_SEQ_CST)

static void c_report(int kind, int port, int err)
{
	struct srv_rep r = { kind, port, err };

	/* Less than PIPE_BUF: atomic even from several threads. */
	if (write(c_rep, &r, sizeof(r)) != sizeof(r))
		_exit(110);
}

/*
 * Read exactly @len bytes (blocking): 0, 1 on EOF (*got bytes before it),
 * or -errno.
 */
static int c_read_full(int fd, void *buf, size_t len, size_t *got, int flags)
{
	*got = 0;
	while (*got < len) {
		ssize_t n = recv(fd, (char *)buf + *got, len - *got, flags);

		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*got += n;
	}
	return 0;
}

static void c_sleep_us(__u32 us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* Wait for the next release; its kind ('r' or 'c'). */
static char c_hold(void)
{
	unsigned int gen;
	char how;

	pthread_mutex_lock(&c_lock);
	gen = c_hold_gen;
	INC(held);
	while (c_hold_gen == gen)
		pthread_cond_wait(&c_cond, &c_lock);
	how = c_hold_how;
	DEC(held);
	pthread_mutex_unlock(&c_lock);
	return how;
}

static void *c_serve(void *arg)
{
	int fd = (int)(long)arg;
	char *scratch = malloc(65536), *out = NULL;
	size_t out_size = 0;

	if (!scratch)
		_exit(113);
	for (;;) {
		struct srv_req h;
		struct srv_resp *r;
		size_t got, left;
		int ret;

		ret = c_read_full(fd, &h, sizeof(h), &got,
				  c_opts & SRV_O_WAITALL ? MSG_WAITALL : 0);
		if (ret) {
			/* EOF or an error (a reset) between requests is fine. */
			if (got)
				INC(partial);
			else if (ret < 0)
				INC(read_err);
			break;
		}
		if (h.magic != SRV_MAGIC || h.id >= SRV_MAX_IDS ||
		    h.req_len < sizeof(h) || h.req_len > SRV_MAX_LEN ||
		    (h.resp_len && h.resp_len < sizeof(*r)) ||
		    h.resp_len > SRV_MAX_LEN) {
			INC(partial);
			break;
		}
		__atomic_store_n(&srv_log->read_by[h.id], c_slot + 1,
				 __ATOMIC_SEQ_CST);
		INC(reads);
		for (left = h.req_len - sizeof(h); left; ) {
			size_t chunk = left < 65536 ? left : 65536;

			if (c_read_full(fd, scratch, chunk, &got, 0))
				break;
			left -= chunk;
		}
		if (left) {
			INC(partial);
			break;
		}
		if ((h.flags & SRV_F_HOLD) && c_hold() == 'c')
			break;
		/* SRV_F_MORE, _CORK: the delay is between the two parts. */
		if (h.delay_us && !(h.flags & (SRV_F_MORE | SRV_F_CORK)))
			c_sleep_us(h.delay_us);
		if (h.resp_len) {
			size_t done = 0, split = h.resp_len;
			int one = 1, zero = 0;

			if (out_size < h.resp_len) {
				free(out);
				out = malloc(h.resp_len);
				if (!out)
					_exit(114);
				memset(out, 'x', h.resp_len);
				out_size = h.resp_len;
			}
			r = (struct srv_resp *)out;
			r->magic = SRV_MAGIC;
			r->id = h.id;
			r->role = c_role;
			r->pid = getpid();
			if (h.resp_len >= sizeof(*r) + SRV_MARK_LEN)
				memcpy(out + h.resp_len - SRV_MARK_LEN,
				       h.flags & SRV_F_IDLE ? SRV_IDLE_MARK :
				       h.flags & SRV_F_IN_TX ? SRV_IN_TX_MARK :
				       "xxxxxx", SRV_MARK_LEN);
			if (h.flags & (SRV_F_MORE | SRV_F_CORK))
				split = h.resp_len / 2;
			if (h.flags & SRV_F_CORK)
				setsockopt(fd, SOL_TCP, TCP_CORK, &one,
					   sizeof(one));
			while (done < h.resp_len) {
				size_t end = done < split ? split : h.resp_len;
				bool more = end < h.resp_len &&
					    (h.flags & SRV_F_MORE);
				ssize_t n = send(fd, out + done, end - done,
						 MSG_NOSIGNAL |
						 (more ? MSG_MORE : 0));

				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				done += n;
				if (done == split && split < h.resp_len &&
				    h.delay_us)
					c_sleep_us(h.delay_us);
			}
			if (done < h.resp_len) {
				SLOT(last_write_errno) = errno;
				INC(write_err);
				break;
			}
			if (h.flags & SRV_F_CORK)
				setsockopt(fd, SOL_TCP, TCP_CORK, &zero,
					   sizeof(zero));
			__atomic_store_n(&srv_log->answered[h.id], 1,
					 __ATOMIC_SEQ_CST);
			INC(answers);
		}
		if (h.flags & SRV_F_CLOSE)
			break;
	}
	close(fd);
	INC(closed);
	free(scratch);
	free(out);
	return NULL;
}

/* The port (host order) of an IPv4 or IPv6 address. */
static __u16 ss_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* The peer's port; its address family in *@family. */
static __u16 peer_port(int fd, int *family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	*family = 0;
	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		return 0;
	*family = ss.ss_family;
	return ss_port(&ss);
}

/* A connection was accepted: report it and serve it from a thread. */
static void c_take(int cfd)
{
	pthread_attr_t attr;
	pthread_t th;
	int family;
	__u16 port = peer_port(cfd, &family);

	INC(accepted);
	c_report(REP_ACCEPT, port, family);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&th, &attr, c_serve, (void *)(long)cfd))
		_exit(111);
	pthread_attr_destroy(&attr);
}

/* Accept one within @ms (-1: forever): the fd or -errno. */
static int c_accept(int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;

	for (;;) {
		struct pollfd p[SRV_MAX_LFD];
		__u64 now = now_ns();
		int i, cfd;

		for (i = 0; i < c_nlfd; i++) {
			cfd = accept4(c_lfd[i], NULL, NULL, SOCK_CLOEXEC);
			if (cfd >= 0)
				return cfd;
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				return -errno;
			p[i].fd = c_lfd[i];
			p[i].events = POLLIN;
			p[i].revents = 0;
		}
		if (ms >= 0 && now >= end)
			return -ETIMEDOUT;
		poll(p, c_nlfd, ms < 0 ? 1000 : (int)((end - now) / 1000000) + 1);
	}
}

static void *c_accept_loop(void *arg)
{
	for (;;) {
		int cfd = c_accept(-1);

		if (cfd >= 0)
			c_take(cfd);
		else
			sleep_ms(10);
	}
	return arg;
}

static void __attribute__((noreturn))
srv_main(const int *lfds, int nlfd, int cmd_fd, int rep_fd, int slot,
	 __u8 role, unsigned int opts)
{
	bool started = false;
	pthread_t th;
	int fd, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_IGN);
	c_nlfd = nlfd;
	for (i = 0; i < nlfd; i++)
		c_lfd[i] = lfds[i];
	/*
	 * Hold no descriptor of the test's (its clients, its netlink
	 * sockets, the other servers' pipes).
	 */
	for (fd = 3; fd < 1024; fd++) {
		bool keep = fd == cmd_fd || fd == rep_fd;

		for (i = 0; i < nlfd; i++)
			keep |= fd == lfds[i];
		if (!keep)
			close(fd);
	}
	c_rep = rep_fd;
	c_slot = slot;
	c_role = role;
	c_opts = opts;
	for (;;) {
		char c;
		int cfd;

		if (read(cmd_fd, &c, 1) != 1)
			_exit(0);
		switch (c) {
		case 'g':
			if (!started &&
			    pthread_create(&th, NULL, c_accept_loop, NULL))
				_exit(112);
			started = true;
			c_report(REP_CMD, 0, 0);
			break;
		case 'a':
			cfd = c_accept(3000);
			if (cfd >= 0) {
				int family, port = peer_port(cfd, &family);

				c_take(cfd);
				c_report(REP_CMD, 0, port);
			} else {
				c_report(REP_CMD, 0, cfd);
			}
			break;
		case 'r':
		case 'c':
			pthread_mutex_lock(&c_lock);
			c_hold_how = c;
			c_hold_gen++;
			pthread_cond_broadcast(&c_cond);
			pthread_mutex_unlock(&c_lock);
			c_report(REP_CMD, 0, 0);
			break;
		default:
			_exit(115);
		}
	}
}

int srv_start(struct srv *s, const int *lfds, int nlfd, int slot, __u8 role)
{
	return srv_start_opts(s, lfds, nlfd, slot, role, 0);
}

int srv_start_opts(struct srv *s, const int *lfds, int nlfd, int slot,
		   __u8 role, unsigned int opts)
{
	int cmd_fd, rep_fd, fl, i;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	s->pid = -1;
	s->cmd_fd = s->rep_fd = -1;
	s->slot = slot;
	s->role = role;
	if (!srv_log || slot < 0 || slot >= SRV_SLOTS || nlfd < 1 ||
	    nlfd > SRV_MAX_LFD)
		return -EINVAL;
	for (i = 0; i < nlfd; i++) {
		fl = fcntl(lfds[i], F_GETFL);
		if (fl < 0 || fcntl(lfds[i], F_SETFL, fl | O_NONBLOCK))
			return -errno;
	}
	pid = fork_piped(&cmd_fd, &rep_fd);
	if (pid < 0)
		return pid;
	if (pid == 0)
		srv_main(lfds, nlfd, cmd_fd, rep_fd, slot, role, opts);
	s->pid = pid;
	s->cmd_fd = cmd_fd;
	s->rep_fd = rep_fd;
	return 0;
}

void srv_stop(struct srv *s)
{
	kill_piped(&s->pid, &s->cmd_fd, &s->rep_fd);
}

/* Wait up to @ms for @fd to be readable; 0, -ETIMEDOUT or -errno. */
static int poll_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&p, 1, ms);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	return ret ? 0 : -ETIMEDOUT;
}

/* One report within @ms (accepts are recorded); 0 or -errno. */
static int srv_read_rep(struct srv *s, struct srv_rep *r, int ms)
{
	ssize_t n;
	int ret;

	if (s->rep_fd < 0)
		return -EBADF;
	ret = poll_in(s->rep_fd, ms);
	if (ret)
		return ret;
	n = read(s->rep_fd, r, sizeof(*r));
	if (n != sizeof(*r))
		return n < 0 ? -errno : -EPIPE;
	if (r->kind == REP_ACCEPT) {
		if (s->naccepted < (int)(sizeof(s->ports) / sizeof(s->ports[0]))) {
			s->ports[s->naccepted] = r->port;
			s->families[s->naccepted] = r->err;
		}
		s->naccepted++;
	}
	return 0;
}

static int srv_cmd(struct srv *s, char c, struct srv_rep *out, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	struct srv_rep r;
	int ret;

	if (write(s->cmd_fd, &c, 1) != 1)
		return -errno;
	for (;;) {
		__u64 now = now_ns();

		if (now >= end)
			return -ETIMEDOUT;
		ret = srv_read_rep(s, &r, (end - now) / 1000000 + 1);
		if (ret)
			return ret;
		if (r.kind == REP_CMD) {
			if (out)
				*out = r;
			return 0;
		}
	}
}

int srv_go(struct srv *s)
{
	return srv_cmd(s, 'g', NULL, 5000);
}

int srv_accept_one(struct srv *s)
{
	struct srv_rep r;
	int ret = srv_cmd(s, 'a', &r, 10000);

	return ret ? ret : r.err;
}

int srv_release(struct srv *s, char how)
{
	return srv_cmd(s, how, NULL, 5000);
}

void srv_pump(struct srv *s, int ms, int want)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	struct srv_rep r;

	for (;;) {
		__u64 now = now_ns();
		int ret;

		if (want && s->naccepted >= want)
			return;
		/* Past the end: only what is there already. */
		ret = srv_read_rep(s, &r, now >= end ? 0 :
				   (int)((end - now) / 1000000) + 1);
		if (ret && (ret != -ETIMEDOUT || now >= end))
			return;
	}
}

bool srv_took(struct srv *s, __u16 port)
{
	return srv_took_from(s, 0, port);
}

bool srv_took_from(struct srv *s, int family, __u16 port)
{
	int i;

	for (i = 0; i < s->naccepted && i < 1024; i++)
		if (s->ports[i] == port &&
		    (!family || s->families[i] == family))
			return true;
	return false;
}

int srv_wait_count(const int *field, int want, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;

	while (__atomic_load_n(field, __ATOMIC_SEQ_CST) < want) {
		if (now_ns() >= end)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return 0;
}

/* ---- sockets ------------------------------------------------------------------ */

socklen_t loopback(int family, __u16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		return sizeof(*a);
	}
}

int tcp_listener(int family, __u16 *port)
{
	return tcp_listener_ex(family, true, 1024, port);
}

int tcp_listener_ex(int family, bool nonblock, int backlog, __u16 *port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, 0, &ss);
	int fd, one = 1, err;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC |
			    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	*port = ss_port(&ss);
	return fd;
}

int cli_connect(int family, __u16 port)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(family, port, &ss);
	int fd, err;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int cli_connect_idx(int family, __u16 port, __s32 idx)
{
	int fd = cli_connect(family, port), err;

	if (fd >= 0 && write(fd, &idx, sizeof(idx)) != sizeof(idx)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

__u16 sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	return ss_port(&ss);
}

int cli_send(int fd, __u32 id, __u32 req_len, __u32 resp_len, __u32 delay_us,
	     __u32 flags)
{
	static __thread char *buf;
	struct srv_req h = {
		.magic = SRV_MAGIC, .id = id, .req_len = req_len,
		.resp_len = resp_len, .delay_us = delay_us, .flags = flags,
	};
	size_t done = 0;

	if (req_len < sizeof(h) || req_len > SRV_MAX_LEN)
		return -EINVAL;
	if (!buf) {
		buf = malloc(SRV_MAX_LEN);
		if (!buf)
			return -ENOMEM;
		memset(buf, 'q', SRV_MAX_LEN);
	}
	memcpy(buf, &h, sizeof(h));
	while (done < req_len) {
		ssize_t n = send(fd, buf + done, req_len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += n;
	}
	return 0;
}

int cli_recv(int fd, __u32 resp_len, struct srv_resp *r, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	char tmp[4096];
	size_t got = 0;

	memset(r, 0, sizeof(*r));
	while (got < resp_len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		__u64 now = now_ns();
		size_t want = resp_len - got;
		ssize_t n;

		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&p, 1, (end - now) / 1000000 + 1) < 0 && errno != EINTR)
			return -errno;
		if (!p.revents)
			continue;
		n = recv(fd, tmp, want < sizeof(tmp) ? want : sizeof(tmp),
			 MSG_DONTWAIT);
		if (n == 0)
			return got ? -EPROTO : -EPIPE;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if (got < sizeof(*r))
			memcpy((char *)r + got, tmp,
			       (size_t)n < sizeof(*r) - got ? (size_t)n :
							      sizeof(*r) - got);
		got += n;
	}
	if (resp_len && r->magic != SRV_MAGIC)
		return -EPROTO;
	return 0;
}

int cli_exchange(int fd, __u32 id, __u32 req_len, __u32 resp_len,
		 __u32 delay_us, struct srv_resp *r, int ms)
{
	struct srv_resp tmp;
	int ret;

	if (!r)
		r = &tmp;
	ret = cli_send(fd, id, req_len, resp_len, delay_us, 0);
	if (ret)
		return ret;
	ret = cli_recv(fd, resp_len, r, ms);
	if (!ret && r->id != id)
		return -EPROTO;
	return ret;
}

int own_session(struct dt_sock *nl, const char *name, int lfd, pid_t patched,
		struct dt_ack *ack)
{
	int ret = dt_session_new(nl, name, 100, ack);

	if (!ret)
		ret = dt_instance_add(nl, name, getpid(), DPO_ROLE_ORIGINAL,
				       ack);
	if (!ret && patched)
		ret = dt_instance_add(nl, name, patched, DPO_ROLE_PATCHED,
				       ack);
	if (!ret)
		ret = dt_listener_add(nl, name, lfd, NULL, ack);
	return ret;
}

int accept_wait(int lfd, int ms)
{
	int ret = poll_in(lfd, ms), fd;

	if (ret)
		return ret;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int cli_wait_eof(int fd, int ms)
{
	int ret = poll_in(fd, ms);
	ssize_t n;
	char c;

	if (ret)
		return ret;
	n = recv(fd, &c, 1, MSG_DONTWAIT);
	if (n == 0)
		return 0;
	if (n > 0)
		return -EPROTO;
	return -errno;
}

int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

/* ---- dpo requests -------------------------------------------------------------- */

int dt_conn_dump(struct dt_sock *nl, const char *session, __u32 pid,
		  struct dt_obj *objs, int max, int *n, struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, DPO_CMD_CONN_GET, 0);
	if (session)
		dt_put_str(&m, DPO_A_SESSION_NAME, session);
	if (pid)
		nlm_put_u32(&m, DPO_A_PID, pid);
	return dt_dump(nl, &m, ack, objs, max, n);
}

int dt_drain(struct dt_sock *nl, const char *session, __u8 role,
	      __u32 deadline_ms, struct dt_obj *o, struct dt_ack *ack)
{
	return dt_drain_mark(nl, session, role, deadline_ms, NULL, 0, o, ack);
}

int dt_drain_mark(struct dt_sock *nl, const char *session, __u8 role,
		  __u32 deadline_ms, const void *mark, size_t len,
		  struct dt_obj *o, struct dt_ack *ack)
{
	return dt_drain_when(nl, session, role, deadline_ms, mark, len, -1, o,
			     ack);
}

int dt_drain_when(struct dt_sock *nl, const char *session, __u8 role,
		  __u32 deadline_ms, const void *mark, size_t len,
		  long long min_requests, struct dt_obj *o,
		  struct dt_ack *ack)
{
	struct dt_msg m;

	dt_msg_dpo(&m, nl, DPO_CMD_DRAIN, 0);
	if (session)
		dt_put_str(&m, DPO_A_SESSION_NAME, session);
	if (role)
		nlm_put_u8(&m, DPO_A_ROLE, role);
	if (deadline_ms)
		nlm_put_u32(&m, DPO_A_DEADLINE_MS, deadline_ms);
	if (mark)
		dt_put(&m, DPO_A_DRAIN_IDLE_MARK, mark, len);
	if (min_requests >= 0)
		nlm_put_u32(&m, DPO_A_MIN_REQUESTS, (__u32)min_requests);
	return dt_request(nl, &m, ack, o);
}

const struct dt_obj *conn_find(const struct dt_obj *objs, int n, __u16 port)
{
	int i;

	for (i = 0; i < n; i++)
		if (objs[i].peer_port == port)
			return &objs[i];
	return NULL;
}

const char *conn_state_name(__u8 state)
{
	static const char *const names[] = {
		[DPO_CONN_UNSPEC] = "unspec", [DPO_CONN_IDLE] = "idle",
		[DPO_CONN_BUSY] = "busy", [DPO_CONN_DRAINING] = "draining",
		[DPO_CONN_CLOSED] = "closed", [DPO_CONN_RESET] = "reset",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}
