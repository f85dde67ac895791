// SPDX-License-Identifier: GPL-2.0
/* Command-line values: numbers, durations, roles, owners; and values as text. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/dpo.h>

#include "parse.h"

/* pid_max can be raised at most to PID_MAX_LIMIT (4M on 64-bit). */
#define DPOCTL_PID_MAX	(4 * 1024 * 1024)

/*
 * Decimal digits only: no sign, no blanks, no base prefix, so that "-1"
 * or "0x10" never turn silently into another number. Saturates instead
 * of wrapping, which keeps huge inputs a range error.
 */
static int parse_digits(const char **s, uint64_t *v)
{
	const char *p = *s;

	*v = 0;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (*v > UINT32_MAX * 10ULL)
			continue;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	return 0;
}

int dpoctl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	uint64_t n;

	if (parse_digits(&s, &n) || *s)
		return -EINVAL;
	if (n < min || n > max)
		return -ERANGE;
	*v = (uint32_t)n;
	return 0;
}

/*
 * "100" and "100ms" are milliseconds, "1s" and "1.5s" seconds, and with
 * @minutes "2m" and "1.5m" minutes. The result must be a whole number of
 * milliseconds (the unit of the protocol); the caller checks the range.
 */
static int parse_ms(const char *s, bool minutes, uint64_t *ms)
{
	uint64_t whole, frac = 0, scale = 1, mult;
	bool nonzero_tail = false;
	int ndigits = 0;

	if (parse_digits(&s, &whole))
		return -EINVAL;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* keep three decimals, remember whether anything finer follows */
		for (; *s >= '0' && *s <= '9'; s++, ndigits++) {
			if (ndigits < 3) {
				frac = frac * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			} else if (*s != '0') {
				nonzero_tail = true;
			}
		}
	}
	if (!*s || !strcmp(s, "ms"))
		mult = 1;
	else if (!strcmp(s, "s"))
		mult = 1000;
	else if (minutes && !strcmp(s, "m"))
		mult = 60000;
	else
		return -EINVAL;

	/* the fraction in milliseconds: frac / scale * mult */
	if (nonzero_tail || (frac * mult) % scale)
		return -EINVAL;
	/* parse_digits() saturates: this cannot overflow */
	*ms = whole * mult + frac * mult / scale;
	return 0;
}

int dpoctl_parse_interval(const char *s, uint32_t *ms)
{
	uint64_t v;

	if (parse_ms(s, false, &v))
		return -EINVAL;
	if (v < DPO_INTERVAL_MS_MIN || v > DPO_INTERVAL_MS_MAX)
		return -ERANGE;
	*ms = (uint32_t)v;
	return 0;
}

/* A drain's deadline: minutes too, it may be up to an hour. */
int dpoctl_parse_deadline(const char *s, uint32_t *ms)
{
	uint64_t v;

	if (parse_ms(s, true, &v))
		return -EINVAL;
	if (v < 1 || v > DPO_DRAIN_DEADLINE_MS_MAX)
		return -ERANGE;
	*ms = (uint32_t)v;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

int dpoctl_parse_idle_mark(const char *s, uint8_t *mark, uint8_t *len)
{
	size_t n = strlen(s), i;

	if (strspn(s, "0123456789abcdefABCDEF") != n || n % 2)
		return -EINVAL;
	if (!n || n > 2 * DPO_DRAIN_IDLE_MARK_MAX)
		return -ERANGE;
	for (i = 0; i < n / 2; i++)
		mark[i] = (uint8_t)(hex_digit(s[2 * i]) << 4 |
				    hex_digit(s[2 * i + 1]));
	*len = (uint8_t)(n / 2);
	return 0;
}

void dpoctl_idle_mark_str(char *buf, size_t len, const uint8_t *mark,
			  uint8_t n)
{
	size_t i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, len - 2 * i, "%02x", mark[i]);
}

int dpoctl_parse_pid(const char *s, uint32_t *pid)
{
	return dpoctl_parse_u32(s, 1, DPOCTL_PID_MAX, pid);
}

static const char *const role_names[] = {
	[DPO_ROLE_ORIGINAL] = "original",
	[DPO_ROLE_PATCHED] = "patched",
};

int dpoctl_parse_role(const char *s, uint8_t *role)
{
	uint8_t r;

	for (r = 1; r <= DPO_ROLE_MAX; r++) {
		if (!strcmp(s, role_names[r])) {
			*role = r;
			return 0;
		}
	}
	return -EINVAL;
}

const char *dpoctl_role_name(uint8_t role)
{
	if (role >= 1 && role <= DPO_ROLE_MAX)
		return role_names[role];
	return "unknown";
}

static const char *const owner_names[] = {
	[DPO_OWNER_ORIGINAL] = "original",
	[DPO_OWNER_PATCHED] = "patched",
	[DPO_OWNER_BOTH] = "both",
	[DPO_OWNER_CANARY] = "canary",
};

/*
 * "canary:PCT" gives the patched instance PCT percent (1 to 99) of the new
 * connections (DPO_A_CANARY_PCT). A bare "canary" parses, and the module
 * refuses it with its own message (a canary needs a percentage).
 */
int dpoctl_parse_owner(const char *s, uint8_t *owner, uint32_t *pct)
{
	size_t n = strlen(owner_names[DPO_OWNER_CANARY]);
	uint8_t o;
	int ret;

	*pct = 0;
	if (!strncmp(s, owner_names[DPO_OWNER_CANARY], n) && s[n] == ':') {
		ret = dpoctl_parse_u32(s + n + 1, 1, 99, pct);
		if (!ret)
			*owner = DPO_OWNER_CANARY;
		return ret;
	}
	for (o = 1; o <= DPO_OWNER_MAX; o++) {
		if (o < sizeof(owner_names) / sizeof(owner_names[0]) &&
		    owner_names[o] && !strcmp(s, owner_names[o])) {
			*owner = o;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const conn_state_names[] = {
	[DPO_CONN_IDLE] = "idle",
	[DPO_CONN_BUSY] = "busy",
	[DPO_CONN_DRAINING] = "draining",
	[DPO_CONN_CLOSED] = "closed",
	[DPO_CONN_RESET] = "reset",
};

const char *dpoctl_conn_state_name(uint8_t state)
{
	if (state >= 1 &&
	    state < sizeof(conn_state_names) / sizeof(conn_state_names[0]) &&
	    conn_state_names[state])
		return conn_state_names[state];
	return "unknown";
}

const char *dpoctl_owner_name(uint8_t owner)
{
	if (owner >= 1 && owner < sizeof(owner_names) / sizeof(owner_names[0]) &&
	    owner_names[owner])
		return owner_names[owner];
	return "unknown";
}

int dpoctl_parse_port(const char *s, uint16_t *port)
{
	uint32_t v;
	int ret = dpoctl_parse_u32(s, 1, UINT16_MAX, &v);

	if (!ret)
		*port = (uint16_t)v;
	return ret;
}

int dpoctl_parse_fd(const char *s, int *fd)
{
	uint32_t v;
	int ret = dpoctl_parse_u32(s, 0, INT_MAX, &v);

	if (!ret)
		*fd = (int)v;
	return ret;
}

/* Listener ids start at 1. */
int dpoctl_parse_listener_id(const char *s, uint32_t *id)
{
	return dpoctl_parse_u32(s, 1, UINT32_MAX, id);
}

int dpoctl_check_session_name(const char *s)
{
	size_t len = strlen(s);

	return len >= 1 && len < DPO_SESSION_NAME_MAX ? 0 : -ERANGE;
}

/* A wait(2) status as a shell user reads it. */
void dpoctl_exit_str(char *buf, size_t len, uint32_t status)
{
	int st = (int)status, sig;
	const char *name;

	if (WIFEXITED(st)) {
		snprintf(buf, len, "exited %d", WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		sig = WTERMSIG(st);
		name = sigabbrev_np(sig);
		if (name)
			snprintf(buf, len, "killed by SIG%s%s", name,
				 WCOREDUMP(st) ? " (core dumped)" : "");
		else
			snprintf(buf, len, "killed by signal %d%s", sig,
				 WCOREDUMP(st) ? " (core dumped)" : "");
	} else {
		snprintf(buf, len, "status 0x%x", status);
	}
}

const char *dpoctl_family_name(int family)
{
	return family == AF_INET ? "inet" : family == AF_INET6 ? "inet6" :
		"unknown";
}

void dpoctl_addr_str(char *buf, size_t len, int family, const void *addr)
{
	char a[INET6_ADDRSTRLEN];

	if ((family != AF_INET && family != AF_INET6) ||
	    !inet_ntop(family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s", a);
}

void dpoctl_addr_port_str(char *buf, size_t len, int family, const void *addr,
		       uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	dpoctl_addr_str(a, sizeof(a), family, addr);
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

/*
 * An age for people: two significant units at most, never rounded up
 * (a connection 59.99 s old is "59.9s", not "1m00s").
 */
void dpoctl_duration_str(char *buf, size_t len, uint64_t ns)
{
	uint64_t ms = ns / 1000000, s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, len, "%" PRIu64 "ms", ms);
	else if (s < 60)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", s, ms % 1000 / 100);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s % 86400 / 3600);
}

