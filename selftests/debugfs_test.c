// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/dpo/status: one "name value" line for each thing
 * STATUS_GET reports, named as in the spec; the counts follow the objects
 * and equal STATUS_GET's; the file is read-only, root's only, pins the
 * module while open and goes with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "dpo_harness.h"
#include "conn_util.h"

#define DIR	"/sys/kernel/debug/dpo"
#define STATUS	DIR "/status"
#define SESS_A	"st-dbg-a"
#define SESS_B	"st-dbg-b"
#define NOBODY	65534

/* The file, parsed. */
struct dbg_status {
	char version[64];
	__u64 sessions, instances, samples, sample_time_ns, listeners;
};

enum {
	F_VERSION, F_SESSIONS, F_INSTANCES, F_SAMPLES, F_SAMPLE_TIME,
	F_LISTENERS, F_MAX
};

/* STATUS_GET's attributes, by their names in the spec. */
static const char *const field_name[F_MAX] = {
	"version", "sessions", "instances", "samples", "sample-time-ns",
	"listeners",
};

static __u64 *field_u64(struct dbg_status *st, int f)
{
	switch (f) {
	case F_SESSIONS:	return &st->sessions;
	case F_INSTANCES:	return &st->instances;
	case F_SAMPLES:		return &st->samples;
	case F_SAMPLE_TIME:	return &st->sample_time_ns;
	case F_LISTENERS:	return &st->listeners;
	}
	return NULL;
}

/* The whole file in @chunk-byte reads; its length, or -errno. */
static ssize_t read_status(char *buf, size_t len, size_t chunk)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = open(STATUS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		size_t want = len - 1 - got < chunk ? len - 1 - got : chunk;

		n = read(fd, buf + got, want);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		got += n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

/*
 * Every line is "name value\n" with a known name, each name exactly once,
 * numbers in decimal digits only. 0, or -EPROTO with @why filled in.
 */
static int parse_status(const char *text, struct dbg_status *st, char *why,
			size_t whylen)
{
	unsigned int seen = 0;
	const char *line = text;

	memset(st, 0, sizeof(*st));
	while (*line) {
		const char *nl = strchr(line, '\n'), *sp, *val;
		char name[32], value[64];
		size_t nlen, vlen;
		int f;

		if (!nl) {
			snprintf(why, whylen, "no newline after '%s'", line);
			return -EPROTO;
		}
		sp = memchr(line, ' ', nl - line);
		if (!sp || sp == line || sp + 1 == nl) {
			snprintf(why, whylen, "not 'name value': '%.*s'",
				 (int)(nl - line), line);
			return -EPROTO;
		}
		nlen = sp - line;
		val = sp + 1;
		vlen = nl - val;
		if (nlen >= sizeof(name) || vlen >= sizeof(value) ||
		    memchr(val, ' ', vlen)) {
			snprintf(why, whylen, "bad line '%.*s'",
				 (int)(nl - line), line);
			return -EPROTO;
		}
		memcpy(name, line, nlen);
		name[nlen] = '\0';
		memcpy(value, val, vlen);
		value[vlen] = '\0';
		for (f = 0; f < F_MAX; f++)
			if (!strcmp(name, field_name[f]))
				break;
		if (f == F_MAX) {
			snprintf(why, whylen, "unknown name '%s'", name);
			return -EPROTO;
		}
		if (seen & (1U << f)) {
			snprintf(why, whylen, "'%s' twice", name);
			return -EPROTO;
		}
		seen |= 1U << f;
		if (f == F_VERSION) {
			snprintf(st->version, sizeof(st->version), "%s", value);
		} else {
			char *end;

			if (strspn(value, "0123456789") != vlen) {
				snprintf(why, whylen, "%s: not a number: '%s'",
					 name, value);
				return -EPROTO;
			}
			errno = 0;
			*field_u64(st, f) = strtoull(value, &end, 10);
			if (errno) {
				snprintf(why, whylen, "%s: out of range: '%s'",
					 name, value);
				return -EPROTO;
			}
		}
		line = nl + 1;
	}
	if (seen != (1U << F_MAX) - 1) {
		for (int f = 0; f < F_MAX; f++)
			if (!(seen & (1U << f))) {
				snprintf(why, whylen, "no '%s' line",
					 field_name[f]);
				break;
			}
		return -EPROTO;
	}
	return 0;
}

/* Read and parse the file; fails the test (ASSERT) if it cannot. */
#define READ_STATUS(st) do {						\
	char __buf[4096], __why[256] = "";				\
	ssize_t __n = read_status(__buf, sizeof(__buf), sizeof(__buf)); \
	ASSERT_LT(0, __n) {						\
		TH_LOG("read %s: %s", STATUS, strerror(-__n));		\
	}								\
	ASSERT_EQ(0, parse_status(__buf, (st), __why, sizeof(__why))) { \
		TH_LOG("%s: %s in:\n%s", STATUS, __why, __buf);		\
	}								\
} while (0)

static bool same_counts(const struct dbg_status *a, const struct dbg_status *b)
{
	return a->sessions == b->sessions && a->instances == b->instances &&
	       a->samples == b->samples &&
	       a->sample_time_ns == b->sample_time_ns &&
	       a->listeners == b->listeners;
}

/* Poll the file until @field is @want; 0, or -ETIMEDOUT (last in @st). */
static int wait_field(int f, __u64 want, struct dbg_status *st, int ms)
{
	__u64 end = now_ns() + (__u64)ms * 1000000;
	char buf[4096], why[256];

	for (;;) {
		if (read_status(buf, sizeof(buf), sizeof(buf)) > 0 &&
		    !parse_status(buf, st, why, sizeof(why)) &&
		    *field_u64(st, f) == want)
			return 0;
		if (now_ns() > end)
			return -ETIMEDOUT;
		sleep_ms(10);
	}
}

FIXTURE(dbg) {
	struct dt_sock nl;
	struct child kid[2];
	int lfd;
	struct dt_ack ack;
};

FIXTURE_SETUP(dbg)
{
	int i;

	for (i = 0; i < 2; i++)
		self->kid[i].pid = self->kid[i].cmd_fd = self->kid[i].rep_fd = -1;
	self->nl.fd = self->lfd = -1;
	kmod_ensure_loaded(_metadata);
	ASSERT_CONNECT_RESET(&self->nl);
}

FIXTURE_TEARDOWN(dbg)
{
	int i;

	teardown_begin(_metadata);
	for (i = 0; i < 2; i++)
		child_kill(&self->kid[i]);
	if (self->lfd >= 0)
		close(self->lfd);
	EXPECT_KMOD_RELOADED();
	if (self->nl.fd >= 0) {
		/* The family id changes over a reload. */
		EXPECT_EQ(0, dt_resolve(&self->nl));
		EXPECT_RESET(&self->nl);
		dt_close(&self->nl);
	}
}

static bool debugfs_mounted(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/mounts", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " /sys/kernel/debug debugfs ");
	fclose(f);
	return found;
}

/*
 * Skips where debugfs is not mounted (the module does not need it); where
 * it is, the module's directory must be there.
 */
#define REQUIRE_DEBUGFS() do {						\
	if (!debugfs_mounted())						\
		SKIP(return, "debugfs not mounted on /sys/kernel/debug"); \
	ASSERT_EQ(0, access(DIR, F_OK)) {				\
		TH_LOG("%s: %s", DIR, strerror(errno));			\
	}								\
} while (0)

TEST_F(dbg, format)
{
	char whole[4096], bytewise[4096], why[256] = "";
	struct dbg_status st;
	struct dt_obj o;
	struct stat sb;
	ssize_t n;

	REQUIRE_DEBUGFS();
	ASSERT_EQ(0, stat(STATUS, &sb));
	EXPECT_TRUE(S_ISREG(sb.st_mode));
	EXPECT_EQ(0444, sb.st_mode & 07777);
	EXPECT_EQ(0, (int)sb.st_uid);

	/* Nothing tracked: nothing changes between the reads. */
	n = read_status(whole, sizeof(whole), sizeof(whole));
	ASSERT_LT(0, n);
	TH_LOG("%s:\n%s", STATUS, whole);
	ASSERT_EQ(0, parse_status(whole, &st, why, sizeof(why))) {
		TH_LOG("%s", why);
	}
	/* seq_file: a byte at a time reads the same text. */
	EXPECT_EQ(n, read_status(bytewise, sizeof(bytewise), 1));
	EXPECT_STREQ(whole, bytewise);

	ASSERT_NL_OK(dt_status(&self->nl, &o, &self->ack), self->ack);
	EXPECT_STREQ(o.version, st.version);
	EXPECT_EQ(0, st.sessions);
	EXPECT_EQ(0, st.instances);
	EXPECT_EQ(0, st.listeners);
}

TEST_F(dbg, follows_objects)
{
	struct child_cfg cfg = { .pages = 1 };
	struct dbg_status st0, st;
	struct dt_obj o;
	__u16 port;
	__u32 lid;
	int i;

	REQUIRE_DEBUGFS();
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, child_start(&self->kid[i], &cfg));
	self->lfd = tcp_listener(AF_INET, &port);
	ASSERT_LE(0, self->lfd);
	READ_STATUS(&st0);

	ASSERT_NL_OK(dt_session_new(&self->nl, SESS_A, 10000, &self->ack),
		     self->ack);
	READ_STATUS(&st);
	EXPECT_EQ(st0.sessions + 1, st.sessions);
	ASSERT_NL_OK(dt_session_new(&self->nl, SESS_B, 10000, &self->ack),
		     self->ack);
	READ_STATUS(&st);
	EXPECT_EQ(st0.sessions + 2, st.sessions);
	EXPECT_EQ(st0.instances, st.instances);

	/* Each add samples its instance once. */
	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS_A, self->kid[0].pid,
				      DPO_ROLE_ORIGINAL, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_instance_add(&self->nl, SESS_B, self->kid[1].pid,
				      DPO_ROLE_PATCHED, &self->ack),
		     self->ack);
	READ_STATUS(&st);
	EXPECT_EQ(st0.instances + 2, st.instances);
	EXPECT_LE(st0.samples + 2, st.samples);
	EXPECT_LE(st0.sample_time_ns, st.sample_time_ns);

	ASSERT_NL_OK(dt_listener_add(&self->nl, SESS_A, self->lfd, &o,
				      &self->ack), self->ack);
	lid = o.listener_id;
	READ_STATUS(&st);
	EXPECT_EQ(st0.listeners + 1, st.listeners);
	ASSERT_NL_OK(dt_listener_del(&self->nl, lid, &self->ack), self->ack);
	READ_STATUS(&st);
	EXPECT_EQ(st0.listeners, st.listeners);

	/* Objects are counted until freed, after an RCU grace period. */
	ASSERT_NL_OK(dt_instance_del(&self->nl, self->kid[0].pid, &self->ack),
		     self->ack);
	EXPECT_EQ(0, wait_field(F_INSTANCES, st0.instances + 1, &st, 10000)) {
		TH_LOG("instances %llu, want %llu",
		       (unsigned long long)st.instances,
		       (unsigned long long)st0.instances + 1);
	}
	EXPECT_EQ(st0.sessions + 2, st.sessions);

	/* A session takes its instance along. */
	ASSERT_NL_OK(dt_session_del(&self->nl, SESS_B, &self->ack), self->ack);
	EXPECT_EQ(0, wait_field(F_INSTANCES, st0.instances, &st, 10000));
	EXPECT_EQ(0, wait_field(F_SESSIONS, st0.sessions + 1, &st, 10000)) {
		TH_LOG("sessions %llu, want %llu",
		       (unsigned long long)st.sessions,
		       (unsigned long long)st0.sessions + 1);
	}
	ASSERT_NL_OK(dt_session_del(&self->nl, SESS_A, &self->ack), self->ack);
	EXPECT_EQ(0, wait_field(F_SESSIONS, st0.sessions, &st, 10000));
	EXPECT_EQ(st0.instances, st.instances);
	EXPECT_EQ(st0.listeners, st.listeners);
}

/*
 * With objects of every kind: the file, STATUS_GET and the file again;
 * when the two reads agree nothing changed in between (a sample may have
 * been taken: then again), and STATUS_GET must say the same.
 */
TEST_F(dbg, equals_status_get)
{
	struct child_cfg cfg = { .pages = 1 };
	struct dbg_status before, after;
	struct dt_obj o;
	__u16 port;
	int i, tries;

	REQUIRE_DEBUGFS();
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, child_start(&self->kid[i], &cfg));
	self->lfd = tcp_listener(AF_INET, &port);
	ASSERT_LE(0, self->lfd);
	ASSERT_NL_OK(dt_session_pair(&self->nl, SESS_A, self->kid[0].pid,
				      self->kid[1].pid, self->lfd, NULL, 0,
				      &self->ack), self->ack);
	/* Sampled seldom, so that most tries see no sample in between. */
	ASSERT_NL_OK(dt_session_set(&self->nl, SESS_A, 10000, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_new(&self->nl, SESS_B, 10000, &self->ack),
		     self->ack);

	for (tries = 0; tries < 50; tries++) {
		READ_STATUS(&before);
		ASSERT_NL_OK(dt_status(&self->nl, &o, &self->ack), self->ack);
		READ_STATUS(&after);
		if (same_counts(&before, &after))
			break;
	}
	ASSERT_GT(50, tries) {
		TH_LOG("the counts changed between every two reads");
	}
	TH_LOG("stable after %d tries: %llu samples", tries + 1,
	       (unsigned long long)after.samples);
	EXPECT_STREQ(o.version, after.version);
	EXPECT_EQ(o.sessions, after.sessions);
	EXPECT_EQ(o.instances, after.instances);
	EXPECT_EQ(o.samples, after.samples);
	EXPECT_EQ(o.sample_time_ns, after.sample_time_ns);
	EXPECT_EQ(o.listeners, after.listeners);
	EXPECT_EQ(2, after.sessions);
	EXPECT_EQ(2, after.instances);
	EXPECT_EQ(1, after.listeners);
}

TEST_F(dbg, read_only)
{
	struct dbg_status st0, st;
	int fd, err, status, flags[] = { O_WRONLY, O_RDWR }, i;
	ssize_t n;
	pid_t pid;

	REQUIRE_DEBUGFS();
	READ_STATUS(&st0);
	for (i = 0; i < 2; i++) {
		fd = open(STATUS, flags[i] | O_CLOEXEC);
		if (fd < 0) {
			/* Under lockdown, debugfs refuses to open for writing. */
			EXPECT_TRUE(errno == EPERM || errno == EACCES) {
				TH_LOG("open(%s): %s", flags[i] == O_WRONLY ?
				       "O_WRONLY" : "O_RDWR", strerror(errno));
			}
			continue;
		}
		/* Root may open it so, but there is nothing to write to. */
		n = write(fd, "sessions 7\n", 11);
		err = n < 0 ? errno : 0;
		EXPECT_EQ(-1, n);
		EXPECT_EQ(EINVAL, err) {
			TH_LOG("write: %s", strerror(err));
		}
		close(fd);
	}
	READ_STATUS(&st);
	EXPECT_EQ(st0.sessions, st.sessions);

	/* Anyone else: debugfs's root is root's (0700). */
	pid = fork_flushed();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (drop_root(NOBODY))
			_exit(10);
		fd = open(STATUS, O_RDONLY);
		if (fd >= 0)
			_exit(11);
		_exit(errno == EACCES ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("as uid %d: %s", NOBODY,
		       WEXITSTATUS(status) == 10 ? "could not drop root" :
		       WEXITSTATUS(status) == 11 ? "could open the file" :
		       "open failed, but not with EACCES");
	}
}

/*
 * An open file holds the module (debugfs takes a reference for it);
 * unloaded, the file and its directory are gone; loaded again, back.
 */
TEST_F(dbg, goes_with_module)
{
	char buf[4096], why[256];
	struct dbg_status st;
	long base;
	int fd, ret;
	ssize_t n;

	REQUIRE_DEBUGFS();
	if (access(kmod_path(), R_OK))
		SKIP(return, "no module file at %s (set DPO_KO)", kmod_path());
	/* A detached listener's reference may still be on its way back. */
	base = kmod_refcnt_settle(0, 15000);
	ASSERT_EQ(0, base);

	fd = open(STATUS, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(base + 1, kmod_refcnt());
	ret = kmod_unload();
	EXPECT_EQ(-EWOULDBLOCK, ret) {
		TH_LOG("delete_module with the status file open: %s",
		       ret ? strerror(-ret) : "unloaded");
	}
	n = read(fd, buf, sizeof(buf) - 1);
	EXPECT_LT(0, n);
	if (n > 0) {
		buf[n] = '\0';
		EXPECT_EQ(0, parse_status(buf, &st, why, sizeof(why))) {
			TH_LOG("%s", why);
		}
	}
	close(fd);
	EXPECT_EQ(base, kmod_refcnt());

	if (kmod_loaded())
		ASSERT_EQ(0, kmod_unload());
	ret = access(STATUS, F_OK) ? errno : 0;
	EXPECT_EQ(ENOENT, ret);
	ret = access(DIR, F_OK) ? errno : 0;
	EXPECT_EQ(ENOENT, ret);

	ASSERT_EQ(0, kmod_load());
	ASSERT_EQ(0, dt_resolve(&self->nl));
	READ_STATUS(&st);
	EXPECT_EQ(0, st.sessions);
	EXPECT_EQ(0, st.instances);
	EXPECT_EQ(0, st.samples);
	EXPECT_EQ(0, st.listeners);
}

TEST_HARNESS_MAIN
