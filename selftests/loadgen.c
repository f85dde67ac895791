// SPDX-License-Identifier: GPL-2.0
/*
 * dpo_loadgen: load for dpo_refdb (protocol in refdb.c), closed loop
 * (--conns clients back to back), open loop (--rate requests/s on fixed
 * schedules, latency from the scheduled time: no coordinated omission),
 * or a new connection per request (--per-request-conn, like pgbench -C).
 *
 * A request whose connection was closed between requests (the send fails
 * with EPIPE/ECONNRESET, or EOF or a reset comes before any byte of the
 * answer) is retried on a new connection and counted as retried: dpo's
 * drain never closes a connection carrying a request the server read and
 * did not answer. Anything else fails, counted by kind.
 *
 * --json (default stdout), at the end, one object:
 *   {"mode":"closed|open|per-request-conn","conns":N,"rate":R|null,
 *    "duration_s":x,"requests":{"ok":N,"retried":N,"failed":N},
 *    "failed_by_kind":{"connect":N,"partial":N,"proto":N,"timeout":N,
 *                      "retries":N,"other":N},
 *    "throughput_rps":x,"latency_us":{"p50":N,"p90":N,"p99":N,"p999":N,
 *                                     "max":N,"mean":x},
 *    "pids":[{"pid":N,"ok":N,"conns":N},...],"connections":N,
 *    "series_ticks":N,"late":N}
 * pids in the order they first answered; a connection counts for the pid
 * of its first answer; late: open-loop sends that began more than one
 * interval after their scheduled time (the rate was not kept). Latencies
 * are bucket midpoints (16 buckets per power of two of us), max exact.
 *
 * --series, one line a tick (--tick-ms), flushed as it goes:
 *   # mono_s	ok	retried	failed	p50_us	p99_us	pid_ok...
 *   <CLOCK_MONOTONIC s at the tick's end, %.3f> <ok> <retried> <failed>
 *   <p50_us> <p99_us> pid=<PID>:<ok> ... (tab separated; the counts and
 *   latencies of the tick alone; one pid= column a pid that answered in it;
 *   the last line is the partial tick at the end)
 * --conn-log, at the end, a line a connection, oldest first:
 *   <CLOCK_MONOTONIC ns before connect()> <pid of its first answer, or 0>
 *
 * Exit: 0 no request failed, 3 some did, 1 usage, 2 could not start.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define PROG		"dpo_loadgen"
#define MAX_PIDS	16
#define MAX_CONNS	4096
#define MAX_VALUE	(1024 * 1024)
#define MAX_RETRIES	10	/* closed before the answer, in a row */
#define HSUB		16	/* histogram buckets per power of two */
#define HBUCKETS	(64 * HSUB)

typedef unsigned long long u64;

enum fail { F_CONNECT, F_PARTIAL, F_PROTO, F_TIMEOUT, F_RETRIES, F_OTHER, F_NR };
static const char *const fail_names[F_NR] = {
	"connect", "partial", "proto", "timeout", "retries", "other",
};

static struct {
	unsigned long port, conns, think_us, set_pct, keys, value_size;
	unsigned long reconnect_every;
	unsigned long connect_ms, timeout_ms, tick_ms;
	double rate, duration;
	bool per_request_conn;
	const char *json, *series, *conn_log;
} opt = {
	.conns = 32, .set_pct = 10, .keys = 10000, .value_size = 100,
	.connect_ms = 2000, .timeout_ms = 5000, .tick_ms = 1000,
};

struct hist {
	u64 b[HBUCKETS];
	u64 n, sum, max;
};

struct counts {
	u64 ok, retried, failed, fail[F_NR];
};

struct pid_count {
	unsigned int pid;
	u64 ok, conns, tick_ok, first_ns;
};

struct conn_ent {
	u64 ns;
	unsigned int pid;
};

struct client {
	pthread_t th;
	unsigned long idx;
	unsigned int seed;
	char *rbuf, *req;
	pthread_mutex_t lock;	/* the rest, against the ticks */
	struct counts tot, tick;
	struct hist htot, htick;
	struct pid_count pids[MAX_PIDS];
	int npids;
	struct conn_ent *log;
	size_t nlog, log_cap;
	u64 late;
};

static struct client *clients;
static volatile bool stopping;
static u64 start_ns;

static u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_until(u64 ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* ---- the latency histogram ---- */

static int hist_idx(u64 v)
{
	int e;

	if (v < HSUB)
		return v;
	e = 63 - __builtin_clzll(v);	/* >= 4 */
	return (e - 3) * HSUB + ((v >> (e - 4)) & (HSUB - 1));
}

/* The middle of bucket @i. */
static u64 hist_val(int i)
{
	int e = i / HSUB + 3;

	if (i < HSUB)
		return i;
	return ((u64)(HSUB + i % HSUB) << (e - 4)) + ((1ull << (e - 4)) >> 1);
}

static void hist_add(struct hist *h, u64 us)
{
	h->b[hist_idx(us)]++;
	h->n++;
	h->sum += us;
	if (us > h->max)
		h->max = us;
}

static void hist_merge(struct hist *to, const struct hist *from)
{
	int i;

	for (i = 0; i < HBUCKETS; i++)
		to->b[i] += from->b[i];
	to->n += from->n;
	to->sum += from->sum;
	if (from->max > to->max)
		to->max = from->max;
}

static u64 hist_pct(const struct hist *h, double q)
{
	u64 rank = ceil(q * h->n), seen = 0;
	int i;

	if (!h->n)
		return 0;
	if (!rank)
		rank = 1;
	for (i = 0; i < HBUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			return hist_val(i) < h->max ? hist_val(i) : h->max;
	}
	return h->max;
}

/* ---- counting ---- */

static struct pid_count *pid_slot(struct client *c, unsigned int pid)
{
	int i;

	for (i = 0; i < c->npids; i++)
		if (c->pids[i].pid == pid)
			return &c->pids[i];
	if (c->npids == MAX_PIDS)
		return NULL;
	c->pids[c->npids] = (struct pid_count){ .pid = pid, .first_ns = mono_ns() };
	return &c->pids[c->npids++];
}

static void count_ok(struct client *c, unsigned int pid, u64 t0,
		     size_t conn_ent)
{
	u64 us = (mono_ns() - t0) / 1000;
	struct pid_count *p;

	pthread_mutex_lock(&c->lock);
	c->tot.ok++;
	c->tick.ok++;
	hist_add(&c->htot, us);
	hist_add(&c->htick, us);
	p = pid_slot(c, pid);
	if (p) {
		p->ok++;
		p->tick_ok++;
	}
	if (conn_ent != SIZE_MAX && !c->log[conn_ent].pid) {
		c->log[conn_ent].pid = pid;
		if (p)
			p->conns++;
	}
	pthread_mutex_unlock(&c->lock);
}

static void count_retry(struct client *c)
{
	pthread_mutex_lock(&c->lock);
	c->tot.retried++;
	c->tick.retried++;
	pthread_mutex_unlock(&c->lock);
}

static void count_fail(struct client *c, enum fail kind)
{
	pthread_mutex_lock(&c->lock);
	c->tot.failed++;
	c->tick.failed++;
	c->tot.fail[kind]++;
	pthread_mutex_unlock(&c->lock);
}

/* Note a connection begun at @ns; its index in the log. */
static size_t log_conn(struct client *c, u64 ns)
{
	size_t i;

	pthread_mutex_lock(&c->lock);
	if (c->nlog == c->log_cap) {
		size_t cap = c->log_cap ? 2 * c->log_cap : 256;
		struct conn_ent *p = realloc(c->log, cap * sizeof(*p));

		if (!p) {
			pthread_mutex_unlock(&c->lock);
			return SIZE_MAX;
		}
		c->log = p;
		c->log_cap = cap;
	}
	i = c->nlog++;
	c->log[i] = (struct conn_ent){ .ns = ns };
	pthread_mutex_unlock(&c->lock);
	return i;
}

/* ---- one request ---- */

/* A connection within --connect-ms, retrying; fd or -1. */
static int connect_retry(u64 *t_ns)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(opt.port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	u64 end = mono_ns() + opt.connect_ms * 1000000ull;

	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int one = 1, err = 0;
		socklen_t len = sizeof(err);
		long long left;

		if (fd < 0)
			return -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		/* before connect(): a connection logged after T began after T */
		*t_ns = mono_ns();
		left = (long long)(end - *t_ns) / 1000000;
		if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
			err = 0;
		else if (errno != EINPROGRESS)
			err = errno;
		else if (poll(&p, 1, left > 0 ? left : 0) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		else
			err = ETIMEDOUT;
		if (!err) {
			/* blocking from now on: one request at a time */
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
			return fd;
		}
		close(fd);
		if (mono_ns() >= end)
			return -1;
		usleep(10000);
	}
}

enum { XCH_OK, XCH_RETRY, XCH_FAIL };

/*
 * Parse the answer in @buf[@len]: its length when complete (0: not yet),
 * -1 when malformed; the pid in *@pid.
 */
static ssize_t parse_answer(const char *buf, size_t len, bool set,
			    unsigned int *pid)
{
	const char *nl = memchr(buf, '\n', len);
	unsigned long vlen;
	char line[128];
	size_t llen;
	int n = 0;

	if (!nl)
		return len >= sizeof(line) ? -1 : 0;
	llen = nl - buf;
	if (llen >= sizeof(line))
		return -1;
	memcpy(line, buf, llen);
	line[llen] = 0;
	if (set) {
		if (sscanf(line, "STORED %u%n", pid, &n) != 1 || n != (int)llen)
			return -1;
		return llen + 1;
	}
	if (sscanf(line, "NOTFOUND %u%n", pid, &n) == 1 && n == (int)llen)
		return llen + 1;
	if (sscanf(line, "VALUE %u %lu%n", pid, &vlen, &n) != 2 ||
	    n != (int)llen || vlen > MAX_VALUE)
		return -1;
	if (len < llen + 1 + vlen + 1)
		return 0;
	return buf[llen + 1 + vlen] == '\n' ? (ssize_t)(llen + 1 + vlen + 1) : -1;
}

static int exchange(struct client *c, int fd, size_t qlen, bool set,
		    unsigned int *pid, enum fail *kind)
{
	u64 end = mono_ns() + opt.timeout_ms * 1000000ull;
	size_t got = 0, off = 0;
	ssize_t n;

	while (off < qlen) {
		n = send(fd, c->req + off, qlen - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EPIPE || errno == ECONNRESET)
				return XCH_RETRY;
			*kind = F_OTHER;
			return XCH_FAIL;
		}
		off += n;
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long long left = (long long)(end - mono_ns()) / 1000000;
		ssize_t alen;
		int ret;

		if (left <= 0) {
			*kind = F_TIMEOUT;
			return XCH_FAIL;
		}
		ret = poll(&p, 1, left);
		if (ret < 0 && errno != EINTR) {
			*kind = F_OTHER;
			return XCH_FAIL;
		}
		if (ret <= 0)
			continue;
		n = recv(fd, c->rbuf + got, MAX_VALUE + 256 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			bool closed = !n || errno == ECONNRESET;

			if (!got && closed)
				return XCH_RETRY;
			*kind = closed ? F_PARTIAL : F_OTHER;
			return XCH_FAIL;
		}
		got += n;
		alen = parse_answer(c->rbuf, got, set, pid);
		if (alen < 0 || (alen > 0 && (size_t)alen != got)) {
			*kind = F_PROTO;
			return XCH_FAIL;
		}
		if (alen > 0)
			return XCH_OK;
	}
}

/* A new request in c->req: its length; *@set if it is a SET. */
static size_t make_request(struct client *c, bool *set)
{
	unsigned long key = rand_r(&c->seed) % (opt.keys ? opt.keys : 1);
	int n;

	*set = (unsigned long)(rand_r(&c->seed) % 100) < opt.set_pct;
	if (!*set)
		return sprintf(c->req, "GET k%lu\n", key);
	n = sprintf(c->req, "SET k%lu %lu\n", key, opt.value_size);
	memset(c->req + n, 'a' + key % 26, opt.value_size);
	c->req[n + opt.value_size] = '\n';
	return n + opt.value_size + 1;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	u64 interval = 0, next = 0, conn_ns;
	size_t conn_ent = SIZE_MAX;
	unsigned long on_conn = 0;	/* answers on this connection */
	int fd = -1;

	if (opt.rate > 0) {
		interval = opt.conns * 1e9 / opt.rate;
		next = start_ns + c->idx * 1e9 / opt.rate;
	}
	while (!stopping) {
		enum fail kind = F_OTHER;
		unsigned int pid = 0;
		int ret = XCH_FAIL, retries = 0;
		bool set;
		size_t qlen;
		u64 t0;

		if (interval) {
			/* in steps, so that a stop ends the wait */
			while (!stopping && mono_ns() < next)
				sleep_until(next - mono_ns() > 50000000 ?
					    mono_ns() + 50000000 : next);
			if (stopping)
				break;
			t0 = next;
			if (mono_ns() > next + interval) {
				pthread_mutex_lock(&c->lock);
				c->late++;
				pthread_mutex_unlock(&c->lock);
			}
			next += interval;
		} else {
			t0 = mono_ns();
		}
		qlen = make_request(c, &set);
		for (;;) {
			if (fd < 0) {
				fd = connect_retry(&conn_ns);
				if (fd < 0) {
					kind = F_CONNECT;
					break;
				}
				conn_ent = log_conn(c, conn_ns);
				on_conn = 0;
			}
			ret = exchange(c, fd, qlen, set, &pid, &kind);
			if (ret == XCH_OK)
				break;
			close(fd);
			fd = -1;
			if (ret == XCH_FAIL)
				break;
			count_retry(c);
			if (++retries > MAX_RETRIES) {
				kind = F_RETRIES;
				ret = XCH_FAIL;
				break;
			}
		}
		if (ret == XCH_OK)
			count_ok(c, pid, t0, conn_ent);
		else
			count_fail(c, kind);
		/* a pool that recycles its connections: they spread out */
		if (fd >= 0 && (opt.per_request_conn ||
				(ret == XCH_OK && opt.reconnect_every &&
				 ++on_conn >= opt.reconnect_every))) {
			close(fd);
			fd = -1;
		}
		if (ret != XCH_OK && !interval)
			usleep(1000);	/* after a failure: do not spin */
		if (opt.think_us)
			usleep(opt.think_us);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* ---- reports ---- */

static int pid_cmp(const void *a, const void *b)
{
	const struct pid_count *x = a, *y = b;

	return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
}

static int conn_cmp(const void *a, const void *b)
{
	const struct conn_ent *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

/* Add @c's per-pid counts to @out[@n]; the new @n. */
static int add_pids(struct pid_count *out, int n, const struct client *c)
{
	int j, k;

	for (j = 0; j < c->npids; j++) {
		const struct pid_count *p = &c->pids[j];

		for (k = 0; k < n && out[k].pid != p->pid; k++)
			;
		if (k == n) {
			if (n == MAX_PIDS)
				continue;
			out[n++] = (struct pid_count){
				.pid = p->pid, .first_ns = p->first_ns };
		}
		out[k].ok += p->ok;
		out[k].conns += p->conns;
		out[k].tick_ok += p->tick_ok;
		if (p->first_ns < out[k].first_ns)
			out[k].first_ns = p->first_ns;
	}
	return n;
}

/* One line of the series for the tick ending at @end_ns; resets the tick. */
static void series_tick(FILE *f, u64 end_ns)
{
	static struct hist h;
	struct pid_count pids[MAX_PIDS];
	struct counts t = { 0 };
	unsigned long i;
	int j, n = 0;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < opt.conns; i++) {
		struct client *c = &clients[i];

		pthread_mutex_lock(&c->lock);
		t.ok += c->tick.ok;
		t.retried += c->tick.retried;
		t.failed += c->tick.failed;
		hist_merge(&h, &c->htick);
		n = add_pids(pids, n, c);
		memset(&c->tick, 0, sizeof(c->tick));
		memset(&c->htick, 0, sizeof(c->htick));
		for (j = 0; j < c->npids; j++)
			c->pids[j].tick_ok = 0;
		pthread_mutex_unlock(&c->lock);
	}
	qsort(pids, n, sizeof(*pids), pid_cmp);
	fprintf(f, "%.3f\t%llu\t%llu\t%llu\t%llu\t%llu", end_ns / 1e9,
		t.ok, t.retried, t.failed, hist_pct(&h, 0.5), hist_pct(&h, 0.99));
	for (j = 0; j < n; j++)
		if (pids[j].tick_ok)
			fprintf(f, "\tpid=%u:%llu", pids[j].pid, pids[j].tick_ok);
	fputc('\n', f);
	fflush(f);
}

static void write_json(FILE *f, double secs, u64 nticks)
{
	static struct hist h;
	struct pid_count pids[MAX_PIDS];
	struct counts t = { 0 };
	u64 conns = 0, late = 0;
	unsigned long i;
	int k, n;

	memset(&h, 0, sizeof(h));
	for (i = 0; i < opt.conns; i++) {
		struct client *c = &clients[i];

		t.ok += c->tot.ok;
		t.retried += c->tot.retried;
		t.failed += c->tot.failed;
		for (k = 0; k < F_NR; k++)
			t.fail[k] += c->tot.fail[k];
		hist_merge(&h, &c->htot);
		conns += c->nlog;
		late += c->late;
	}
	for (i = 0, n = 0; i < opt.conns; i++)
		n = add_pids(pids, n, &clients[i]);
	qsort(pids, n, sizeof(*pids), pid_cmp);
	fprintf(f, "{\"mode\":\"%s\",\"conns\":%lu,\"rate\":",
		opt.per_request_conn ? "per-request-conn" :
		opt.rate > 0 ? "open" : "closed", opt.conns);
	if (opt.rate > 0)
		fprintf(f, "%.3f", opt.rate);
	else
		fputs("null", f);
	fprintf(f, ",\"duration_s\":%.3f,\"requests\":{\"ok\":%llu,\"retried\":%llu,\"failed\":%llu},\"failed_by_kind\":{",
		secs, t.ok, t.retried, t.failed);
	for (k = 0; k < F_NR; k++)
		fprintf(f, "%s\"%s\":%llu", k ? "," : "", fail_names[k],
			t.fail[k]);
	fprintf(f, "},\"throughput_rps\":%.1f,\"latency_us\":{\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,\"p999\":%llu,\"max\":%llu,\"mean\":%.1f},\"pids\":[",
		secs > 0 ? t.ok / secs : 0.0, hist_pct(&h, 0.5),
		hist_pct(&h, 0.9), hist_pct(&h, 0.99), hist_pct(&h, 0.999),
		h.max, h.n ? (double)h.sum / h.n : 0.0);
	for (k = 0; k < n; k++)
		fprintf(f, "%s{\"pid\":%u,\"ok\":%llu,\"conns\":%llu}",
			k ? "," : "", pids[k].pid, pids[k].ok, pids[k].conns);
	fprintf(f, "],\"connections\":%llu,\"series_ticks\":%llu,\"late\":%llu}\n",
		conns, nticks, late);
	if (late)
		fprintf(stderr, PROG ": rate not kept: %llu request(s) sent over one interval late\n",
			late);
}

static void write_conn_log(FILE *f)
{
	struct conn_ent *all;
	size_t n = 0, i;
	unsigned long k;

	for (k = 0; k < opt.conns; k++)
		n += clients[k].nlog;
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all) {
		fprintf(stderr, PROG ": conn log: out of memory\n");
		return;
	}
	for (n = 0, k = 0; k < opt.conns; k++) {
		memcpy(all + n, clients[k].log, clients[k].nlog * sizeof(*all));
		n += clients[k].nlog;
	}
	qsort(all, n, sizeof(*all), conn_cmp);
	for (i = 0; i < n; i++)
		fprintf(f, "%llu %u\n", all[i].ns, all[i].pid);
	free(all);
}

/* ---- command line ---- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --port PORT [--conns N] [--rate R] [--per-request-conn]\n"
"                   [--reconnect-every N] [--think-us N] [--set-pct P] [--keys N] [--value-size B]\n"
"                   [--duration S] [--connect-ms N] [--timeout-ms N]\n"
"                   [--json FILE] [--series FILE] [--tick-ms N] [--conn-log FILE]\n"
"Load for dpo_refdb at 127.0.0.1:PORT, until --duration S (may be fractional)\n"
"or SIGINT/SIGTERM; then the requests in flight end and the summary is written.\n"
"  --conns N          connections, a thread each (default 32)\n"
"  --rate R           open loop: R requests/s in all, on fixed schedules\n"
"                     (default: closed loop, back to back)\n"
"  --per-request-conn a new connection per request\n"
"  --reconnect-every N  a new connection after N answers on one (a pool\n"
"                     recycling its connections; default 0: never)\n"
"  --think-us N       pause after each request\n"
"  --set-pct P        SETs in percent, the rest GETs (default 10)\n"
"  --keys N           random keys k0..k{N-1} (default 10000)\n"
"  --value-size B     bytes a SET writes (default 100)\n"
"  --connect-ms N     connect retries per request (default 2000)\n"
"  --timeout-ms N     wait for an answer (default 5000)\n"
"  --json FILE        the JSON summary (default stdout)\n"
"  --series FILE      a TSV line every --tick-ms N (default 1000)\n"
"  --conn-log FILE    at the end: <connect CLOCK_MONOTONIC ns> <first pid>\n"
"Exit: 0 all requests ok, 3 some failed, 1 usage error, 2 could not start.\n");
}

static double num_arg(const char *name, const char *s, double min, double max,
		      bool frac)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !*s || v < min || v > max ||
	    (!frac && v != (unsigned long)v)) {
		fprintf(stderr, PROG ": --%s: want a%s number from %g to %g, got '%s'\n",
			name, frac ? "" : " whole", min, max, s);
		exit(1);
	}
	return v;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "conns", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "per-request-conn", no_argument, NULL, 'C' },
		{ "reconnect-every", required_argument, NULL, 'R' },
		{ "think-us", required_argument, NULL, 'T' },
		{ "set-pct", required_argument, NULL, 's' },
		{ "keys", required_argument, NULL, 'k' },
		{ "value-size", required_argument, NULL, 'v' },
		{ "duration", required_argument, NULL, 'd' },
		{ "connect-ms", required_argument, NULL, 'c' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "json", required_argument, NULL, 'j' },
		{ "series", required_argument, NULL, 'S' },
		{ "tick-ms", required_argument, NULL, 'i' },
		{ "conn-log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	FILE *json = stdout, *series = NULL, *conn_log = NULL;
	u64 next_tick, end_ns = ULLONG_MAX, stop_ns, nticks = 0;
	struct timespec ts;
	unsigned long i;
	sigset_t sigs;
	int c, fd;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		const char *name = NULL;

		for (i = 0; opts[i].name; i++)
			if (opts[i].val == c)
				name = opts[i].name;
		switch (c) {
		case 'p':
			opt.port = num_arg(name, optarg, 1, 65535, false);
			break;
		case 'n':
			opt.conns = num_arg(name, optarg, 1, MAX_CONNS, false);
			break;
		case 'r':
			opt.rate = num_arg(name, optarg, 0.001, 1e7, true);
			break;
		case 'C':
			opt.per_request_conn = true;
			break;
		case 'R':
			opt.reconnect_every = num_arg(name, optarg, 0, 1e9, false);
			break;
		case 'T':
			opt.think_us = num_arg(name, optarg, 0, 60e6, false);
			break;
		case 's':
			opt.set_pct = num_arg(name, optarg, 0, 100, false);
			break;
		case 'k':
			opt.keys = num_arg(name, optarg, 1, 1e9, false);
			break;
		case 'v':
			opt.value_size = num_arg(name, optarg, 0, MAX_VALUE, false);
			break;
		case 'd':
			opt.duration = num_arg(name, optarg, 0.001, 1e7, true);
			break;
		case 'c':
			opt.connect_ms = num_arg(name, optarg, 1, 3600000, false);
			break;
		case 't':
			opt.timeout_ms = num_arg(name, optarg, 1, 3600000, false);
			break;
		case 'j':
			opt.json = optarg;
			break;
		case 'S':
			opt.series = optarg;
			break;
		case 'i':
			opt.tick_ms = num_arg(name, optarg, 10, 3600000, false);
			break;
		case 'l':
			opt.conn_log = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:	/* getopt said what */
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (!opt.port) {
		fprintf(stderr, PROG ": --port is required\n");
		usage(stderr);
		return 1;
	}
	if (opt.json)
		json = open_out(opt.json);
	if (opt.series)
		series = open_out(opt.series);
	if (opt.conn_log)
		conn_log = open_out(opt.conn_log);

	fd = connect_retry(&start_ns);
	if (fd < 0) {
		fprintf(stderr, PROG ": nothing listening at 127.0.0.1:%lu within %lu ms\n",
			opt.port, opt.connect_ms);
		return 2;
	}
	close(fd);

	/* only sigtimedwait() below sees them; the clients inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	clients = calloc(opt.conns, sizeof(*clients));
	if (!clients) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	if (series)
		fprintf(series, "# mono_s\tok\tretried\tfailed\tp50_us\tp99_us\tpid_ok...\n");
	start_ns = mono_ns();
	for (i = 0; i < opt.conns; i++) {
		struct client *cl = &clients[i];

		cl->idx = i;
		cl->seed = start_ns ^ (i * 2654435761u);
		pthread_mutex_init(&cl->lock, NULL);
		cl->rbuf = malloc(MAX_VALUE + 256);
		cl->req = malloc(opt.value_size + 64);
		if (!cl->rbuf || !cl->req ||
		    pthread_create(&cl->th, NULL, client_main, cl)) {
			fprintf(stderr, PROG ": could not start client %lu\n", i);
			return 2;
		}
	}

	if (opt.duration > 0)
		end_ns = start_ns + opt.duration * 1e9;
	next_tick = start_ns + opt.tick_ms * 1000000ull;
	for (;;) {
		u64 now = mono_ns(), wake = series && next_tick < end_ns ?
					       next_tick : end_ns;

		if (now >= end_ns)
			break;
		if (series && now >= next_tick) {
			series_tick(series, next_tick);
			nticks++;
			next_tick += opt.tick_ms * 1000000ull;
			continue;
		}
		wake -= now;
		if (wake > 1000000000ull)
			wake = 1000000000ull;
		ts.tv_sec = wake / 1000000000;
		ts.tv_nsec = wake % 1000000000;
		if (sigtimedwait(&sigs, NULL, &ts) > 0)
			break;
	}
	stopping = true;
	stop_ns = mono_ns();
	for (i = 0; i < opt.conns; i++)
		pthread_join(clients[i].th, NULL);
	if (series) {
		series_tick(series, mono_ns());	/* the last, partial tick */
		nticks++;
		fclose(series);
	}
	write_json(json, (stop_ns - start_ns) / 1e9, nticks);
	if (conn_log) {
		write_conn_log(conn_log);
		fclose(conn_log);
	}
	if (fflush(json) || (json != stdout && fclose(json))) {
		fprintf(stderr, PROG ": writing the summary: %s\n", strerror(errno));
		return 2;
	}
	for (i = 0; i < opt.conns; i++)
		if (clients[i].tot.failed)
			return 3;
	return 0;
}
