// SPDX-License-Identifier: GPL-2.0
/*
 * dpo process monitoring: what the samples say about real workloads (CPU
 * time, faults, threads that exited), exit notifications, the sampling
 * interval, monotonic counters and several sessions at once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "dpo_harness.h"

#define MAX_SAMPLES	1024

static struct dt_obj samples[MAX_SAMPLES];

/*
 * Sample notifications for @pid (0: any) until one was taken after
 * @after_ns and then one more (so its counters were read after @after_ns),
 * and at least @min_n in all; the deadline is only for a sampler that
 * stopped. Returns how many.
 */
static int collect_past(struct dt_sock *ntf, __u32 pid, __u64 after_ns,
			int min_n, int timeout_ms, struct dt_obj *out, int max)
{
	__u64 end = now_ns() + (__u64)timeout_ms * 1000000;
	__u64 first_seq = 0;
	struct dt_obj o;
	int n = 0;

	for (;;) {
		int ret = dt_recv_ntf_until(ntf, &o, end);

		if (ret == -ETIMEDOUT)
			break;
		if (ret)
			continue;	/* overrun (counted) or malformed */
		if (o.cmd != DPO_CMD_SAMPLE_NTF || (pid && o.pid != pid))
			continue;
		if (n < max)
			out[n] = o;
		n++;
		if (!first_seq && o.stats.timestamp_ns > after_ns)
			first_seq = o.stats.seq;
		if (first_seq && o.stats.seq > first_seq && n >= min_n)
			break;
	}
	return n < max ? n : max;
}

/* Sample notifications for @pid (0: any) during @ms; returns how many. */
static int collect(struct dt_sock *ntf, __u32 pid, int ms, struct dt_obj *out,
		   int max)
{
	return collect_past(ntf, pid, ~0ULL, 0, ms, out, max);
}

/* Every counter of @b is >= @a's, and @b is a later sample. */
static void expect_monotonic(struct __test_metadata *_metadata,
			     const struct dt_stats *a, const struct dt_stats *b)
{
#define MONO(f) EXPECT_LE(a->f, b->f) {					\
		TH_LOG(#f " decreased: seq %llu -> %llu: %llu -> %llu",	\
		       (unsigned long long)a->seq, (unsigned long long)b->seq,\
		       (unsigned long long)a->f, (unsigned long long)b->f);	\
	}
	EXPECT_LT(a->seq, b->seq);
	MONO(timestamp_ns);
	MONO(cpu_ns);
	MONO(run_delay_ns);
	MONO(nvcsw);
	MONO(nivcsw);
	MONO(min_flt);
	MONO(maj_flt);
#undef MONO
}

static void expect_all_stats(struct __test_metadata *_metadata,
			     const struct dt_obj *o)
{
	int a;

	EXPECT_TRUE(DPO_HAS(o, DPO_A_STATS));
	/* The process, and its connections' totals (rates need two). */
	for (a = DPO_STATS_A_TIMESTAMP_NS; a <= DPO_STATS_A_BYTES_OUT; a++) {
		EXPECT_TRUE(DPO_STATS_HAS(&o->stats, a)) {
			TH_LOG("stats attribute %d missing", a);
		}
	}
}

static __u64 proc_cpu_ns(struct proc_stat *ps)
{
	return (ps->utime + ps->stime) * (1000000000ULL / sysconf(_SC_CLK_TCK));
}

/* |a - b| / b in thousandths (integers print well in the harness' logs). */
static __u64 permille_off(__u64 a, __u64 b)
{
	__u64 d = a > b ? a - b : b - a;

	if (!b)
		return a ? 1000 : 0;
	return d * 1000 / b;
}

FIXTURE(mon) {
	struct dt_sock nl;
	struct dt_sock ntf, ev;
	struct child kid[3];
	struct dt_ack ack;
};

FIXTURE_SETUP(mon)
{
	int i;

	for (i = 0; i < 3; i++)
		self->kid[i].pid = self->kid[i].cmd_fd = self->kid[i].rep_fd = -1;
	self->nl.fd = self->ntf.fd = self->ev.fd = -1;
	ASSERT_CONNECT_RESET(&self->nl);
}

FIXTURE_TEARDOWN(mon)
{
	int i;

	teardown_begin(_metadata);
	for (i = 0; i < 3; i++)
		child_kill(&self->kid[i]);
	dt_close(&self->ntf);
	dt_close(&self->ev);
	EXPECT_RESET_CLOSE(&self->nl);
}

TEST_F(mon, first_sample_immediate)
{
	struct child_cfg cfg = { .pages = 16 };
	struct dt_obj o, st0, st1;
	struct proc_stat ps;
	__u64 t0, t1, ticks;
	long hz = sysconf(_SC_CLK_TCK);

	ASSERT_EQ(0, child_start(&self->kid[0], &cfg));
	/* A long interval: the only sample is the one taken by the add. */
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-first", 10000, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_status(&self->nl, &st0, &self->ack), self->ack);
	t0 = now_ns();
	ASSERT_NL_OK(dt_instance_add(&self->nl, "st-first", self->kid[0].pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);
	t1 = now_ns();
	ASSERT_NL_OK(dt_instance_get(&self->nl, self->kid[0].pid, &o,
				      &self->ack), self->ack);
	expect_all_stats(_metadata, &o);
	EXPECT_EQ(1, o.stats.seq);
	/* TIMESTAMP_NS is CLOCK_MONOTONIC, taken during the add. */
	EXPECT_LE(t0, o.stats.timestamp_ns);
	EXPECT_GE(t1, o.stats.timestamp_ns);
	EXPECT_STREQ("st-first", o.session);
	EXPECT_EQ((__u32)self->kid[0].pid, o.pid);
	EXPECT_EQ(DPO_ROLE_ORIGINAL, o.role);
	EXPECT_EQ(1, o.stats.threads);
	EXPECT_LT(0, o.stats.rss_bytes);

	/* START_TIME_NS is the process start, as /proc's starttime. */
	ASSERT_EQ(0, proc_stat_read(self->kid[0].pid, &ps));
	ticks = o.start_time_ns / (1000000000ULL / hz);
	EXPECT_GE(1, ticks > ps.starttime ? ticks - ps.starttime :
					   ps.starttime - ticks) {
		TH_LOG("start_time_ns %llu (%llu ticks) vs /proc %llu ticks",
		       (unsigned long long)o.start_time_ns,
		       (unsigned long long)ticks,
		       (unsigned long long)ps.starttime);
	}

	ASSERT_NL_OK(dt_status(&self->nl, &st1, &self->ack), self->ack);
	EXPECT_LT(st0.samples, st1.samples);
	EXPECT_LE(st0.sample_time_ns, st1.sample_time_ns);
	EXPECT_EQ(1, st1.instances);
}

TEST_F(mon, cpu_time_matches_proc)
{
	struct child_cfg cfg = { .pages = 1, .burn_ms = 600 };
	struct child_report r;
	struct proc_stat ps;
	struct dt_obj o;
	__u64 done, proc_ns;

	ASSERT_EQ(0, child_start(&self->kid[0], &cfg));
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-cpu", 20, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_instance_add(&self->nl, "st-cpu", self->kid[0].pid,
				      DPO_ROLE_PATCHED, &self->ack), self->ack);
	ASSERT_EQ(0, child_cmd(&self->kid[0], 'b', &r, 20000));
	done = now_ns();
	/* The child now blocks on its pipe: its CPU time stands still. */
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, self->kid[0].pid, done,
					   &o, 5000));
	ASSERT_EQ(0, proc_stat_read(self->kid[0].pid, &ps));
	proc_ns = proc_cpu_ns(&ps);
	TH_LOG("dpo %llu ns, /proc %llu ns (%llu+%llu ticks), self %llu ns",
	       (unsigned long long)o.stats.cpu_ns,
	       (unsigned long long)proc_ns, (unsigned long long)ps.utime,
	       (unsigned long long)ps.stime, (unsigned long long)r.cpu_ns);
	EXPECT_LE(600000000ULL * 95 / 100, o.stats.cpu_ns);
	EXPECT_GE(50, permille_off(o.stats.cpu_ns, proc_ns)) {
		TH_LOG("CPU_NS differs from /proc utime+stime by more than 5%%");
	}
	EXPECT_GE(50, permille_off(o.stats.cpu_ns, r.cpu_ns)) {
		TH_LOG("CPU_NS differs from the child's own clock by more than 5%%");
	}
	/* The counter includes everything the child had used when it said so. */
	EXPECT_LE(r.cpu_ns * 99 / 100, o.stats.cpu_ns);
	EXPECT_EQ(1, o.stats.threads);
}

TEST_F(mon, minor_faults_counted)
{
	const unsigned int pages = 4096;
	struct child_cfg cfg = { .pages = pages };
	struct dt_obj before, after;
	struct child_report r;
	struct proc_stat ps;
	long psize = getpagesize();

	ASSERT_EQ(0, child_start(&self->kid[0], &cfg));
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-flt", 20, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_instance_add(&self->nl, "st-flt", self->kid[0].pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, self->kid[0].pid, now_ns(),
					   &before, 5000));
	ASSERT_EQ(0, child_cmd(&self->kid[0], 't', &r, 20000));
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, self->kid[0].pid, now_ns(),
					   &after, 5000));
	ASSERT_EQ(0, proc_stat_read(self->kid[0].pid, &ps));
	TH_LOG("min_flt %llu -> %llu (/proc %llu), rss %llu -> %llu",
	       (unsigned long long)before.stats.min_flt,
	       (unsigned long long)after.stats.min_flt,
	       (unsigned long long)ps.minflt,
	       (unsigned long long)before.stats.rss_bytes,
	       (unsigned long long)after.stats.rss_bytes);
	EXPECT_LE(before.stats.min_flt + pages, after.stats.min_flt);
	EXPECT_GE(20, permille_off(after.stats.min_flt, ps.minflt));
	EXPECT_LE(before.stats.rss_bytes + (__u64)pages * psize * 9 / 10,
		  after.stats.rss_bytes);
	EXPECT_LE((__u64)pages * psize, after.stats.rss_bytes);
	EXPECT_GE(50, permille_off(after.stats.rss_bytes,
				   (__u64)ps.rss_pages * psize));
	EXPECT_LE(before.stats.maj_flt, after.stats.maj_flt);
}

TEST_F_TIMEOUT(mon, exited_threads_still_counted, 60)
{
	const unsigned int nth = 4, pages = 256, burn = 150;
	struct child_cfg cfg = { .pages = pages, .burn_ms = burn, .threads = nth };
	struct dt_obj base, after, o;
	struct child_report r0, r1;
	struct proc_stat ps;
	__u32 max_threads = 0;
	int n, k;

	ASSERT_EQ(0, child_start(&self->kid[0], &cfg));
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-thr", 20, &self->ack),
		     self->ack);
	ASSERT_EQ(0, dt_listen(&self->ntf, &self->nl, self->nl.grp_samples));
	ASSERT_EQ(0, dt_listen(&self->ev, &self->nl, self->nl.grp_events));
	ASSERT_NL_OK(dt_instance_add(&self->nl, "st-thr", self->kid[0].pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);

	ASSERT_EQ(0, child_cmd(&self->kid[0], 'T', &r0, 10000));
	ASSERT_EQ(nth + 1, r0.threads);
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, self->kid[0].pid, now_ns(),
					   &base, 5000));
	EXPECT_EQ(nth + 1, base.stats.threads);

	/* The threads burn, fault and exit; the process lives on. */
	ASSERT_EQ(0, child_cmd(&self->kid[0], 'g', &r1, 30000));
	ASSERT_EQ(1, r1.threads);
	ASSERT_EQ(0, dt_wait_fresh_sample(&self->nl, self->kid[0].pid, now_ns(),
					   &after, 5000));
	ASSERT_EQ(0, proc_stat_read(self->kid[0].pid, &ps));
	TH_LOG("cpu %llu -> %llu ns (self %llu, /proc %llu), min_flt %llu -> %llu (self %llu)",
	       (unsigned long long)base.stats.cpu_ns,
	       (unsigned long long)after.stats.cpu_ns,
	       (unsigned long long)r1.cpu_ns,
	       (unsigned long long)proc_cpu_ns(&ps),
	       (unsigned long long)base.stats.min_flt,
	       (unsigned long long)after.stats.min_flt,
	       (unsigned long long)r1.minflt);
	EXPECT_EQ(1, after.stats.threads);
	EXPECT_LE(base.stats.cpu_ns + nth * burn * 1000000ULL * 95 / 100,
		  after.stats.cpu_ns);
	EXPECT_LE(r1.cpu_ns * 97 / 100, after.stats.cpu_ns);
	EXPECT_GE(50, permille_off(after.stats.cpu_ns, proc_cpu_ns(&ps)));
	EXPECT_LE(base.stats.min_flt + nth * pages, after.stats.min_flt);
	EXPECT_GE(20, permille_off(after.stats.min_flt, ps.minflt));

	/* Everything sampled along the way: counters never went back. */
	n = collect(&self->ntf, self->kid[0].pid, 300, samples, MAX_SAMPLES);
	EXPECT_LE(5, n);
	EXPECT_EQ(0, self->ntf.overruns);
	for (k = 0; k < n; k++) {
		if (samples[k].stats.threads > max_threads)
			max_threads = samples[k].stats.threads;
		if (k)
			expect_monotonic(_metadata, &samples[k - 1].stats,
					 &samples[k].stats);
	}
	EXPECT_EQ(nth + 1, max_threads);
	if (n) {
		EXPECT_LE(after.stats.cpu_ns, samples[n - 1].stats.cpu_ns);
	}

	/* Threads exiting is not the process exiting. */
	while (dt_recv_ntf(&self->ev, &o, 100) != -ETIMEDOUT) {
		EXPECT_NE(DPO_CMD_INSTANCE_EXIT_NTF, o.cmd) {
			TH_LOG("exit notification while the process lives");
		}
	}
	EXPECT_NL_OK(dt_instance_get(&self->nl, self->kid[0].pid, &o,
				      &self->ack), self->ack);
}

TEST_F_TIMEOUT(mon, counters_monotonic, 60)
{
	struct child_cfg cfg = { .pages = 2048, .burn_ms = 100 };
	struct dt_obj first;
	__u64 done;
	int n, k, same = -1;

	ASSERT_EQ(0, child_start(&self->kid[0], &cfg));
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-mono", 10, &self->ack),
		     self->ack);
	ASSERT_EQ(0, dt_listen(&self->ntf, &self->nl, self->nl.grp_samples));
	ASSERT_NL_OK(dt_instance_add(&self->nl, "st-mono", self->kid[0].pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);
	/*
	 * The latest sample before the child works. The timer can take more
	 * before this reply while their notifications still wait in @ntf:
	 * no order between the two is assumed.
	 */
	ASSERT_NL_OK(dt_instance_get(&self->nl, self->kid[0].pid, &first,
				      &self->ack), self->ack);
	ASSERT_EQ(0, child_cmd(&self->kid[0], 'b', NULL, 20000));
	ASSERT_EQ(0, child_cmd(&self->kid[0], 't', NULL, 20000));
	ASSERT_EQ(0, child_cmd(&self->kid[0], 'b', NULL, 20000));
	done = now_ns();
	n = collect_past(&self->ntf, self->kid[0].pid, done, 10, 20000,
			 samples, MAX_SAMPLES);
	ASSERT_LE(10, n);
	EXPECT_EQ(0, self->ntf.overruns);
	/* Joined before the add: every sample from the add's first on. */
	EXPECT_EQ(1, samples[0].stats.seq);
	for (k = 0; k < n; k++) {
		if (samples[k].stats.seq == first.stats.seq)
			same = k;
		if (!k)
			continue;
		expect_monotonic(_metadata, &samples[k - 1].stats,
				 &samples[k].stats);
		/* one notification per sample: no gaps */
		if (!self->ntf.overruns) {
			EXPECT_EQ(samples[k - 1].stats.seq + 1,
				  samples[k].stats.seq);
		}
	}
	/* The reply's sample was notified too, with the same counters. */
	ASSERT_LE(0, same) {
		TH_LOG("no notification of sample %llu (got %llu..%llu)",
		       (unsigned long long)first.stats.seq,
		       (unsigned long long)samples[0].stats.seq,
		       (unsigned long long)samples[n - 1].stats.seq);
	}
	EXPECT_EQ(first.stats.timestamp_ns, samples[same].stats.timestamp_ns);
	EXPECT_EQ(first.stats.cpu_ns, samples[same].stats.cpu_ns);
	EXPECT_EQ(first.stats.min_flt, samples[same].stats.min_flt);
	/* The last sample was read after the child's work: all of it counts. */
	EXPECT_LT(done, samples[n - 1].stats.timestamp_ns);
	EXPECT_LE(first.stats.cpu_ns + 190000000ULL, samples[n - 1].stats.cpu_ns);
	EXPECT_LE(first.stats.min_flt + 2048, samples[n - 1].stats.min_flt);
	EXPECT_LT(first.stats.nvcsw, samples[n - 1].stats.nvcsw);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The median gap between samples is the interval. Not the average: a
 * stalled worker (a slow, busy VM) merges ticks into one long gap, which
 * says nothing about the interval the session was set to.
 */
static void expect_spacing(struct __test_metadata *_metadata,
			   const struct dt_obj *s, int n, unsigned int ms)
{
	static __u64 gap[MAX_SAMPLES];
	double avg, med;
	int k;

	ASSERT_LE(2, n);
	for (k = 1; k < n; k++)
		gap[k - 1] = s[k].stats.timestamp_ns - s[k - 1].stats.timestamp_ns;
	qsort(gap, n - 1, sizeof(gap[0]), cmp_u64);
	med = gap[(n - 1) / 2] / 1e6;
	avg = (double)(s[n - 1].stats.timestamp_ns - s[0].stats.timestamp_ns) /
	      (n - 1) / 1e6;
	TH_LOG("interval %u ms: %d samples, %.1f ms apart (median), %.1f on average, %.1f at most",
	       ms, n, med, avg, gap[n - 2] / 1e6);
	EXPECT_LE(ms * 0.8, med);
	EXPECT_GE(ms * 1.6, med);
}

TEST_F_TIMEOUT(mon, samples_at_interval, 60)
{
	struct child_cfg cfg = { .pages = 1 };
	struct dt_obj o;
	__u64 set_at;
	int n, k;

	ASSERT_EQ(0, child_start(&self->kid[0], &cfg));
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-ival", 50, &self->ack),
		     self->ack);
	ASSERT_EQ(0, dt_listen(&self->ntf, &self->nl, self->nl.grp_samples));
	ASSERT_NL_OK(dt_instance_add(&self->nl, "st-ival", self->kid[0].pid,
				      DPO_ROLE_ORIGINAL, &self->ack), self->ack);

	/* 50 ms for one second: about 20 samples, never more. */
	n = collect(&self->ntf, self->kid[0].pid, 1000, samples, MAX_SAMPLES);
	EXPECT_GE(22, n);
	/* Fewer only when the VM is slow: wait for enough to measure. */
	if (n < 10)
		n += collect_past(&self->ntf, self->kid[0].pid, 0, 10 - n,
				  20000, samples + n, MAX_SAMPLES - n);
	EXPECT_LE(10, n);
	for (k = 0; k < n; k++) {
		EXPECT_STREQ("st-ival", samples[k].session);
		EXPECT_EQ(DPO_ROLE_ORIGINAL, samples[k].role);
		if (k && !self->ntf.overruns) {
			EXPECT_EQ(samples[k - 1].stats.seq + 1,
				  samples[k].stats.seq);
		}
	}
	expect_spacing(_metadata, samples, n, 50);

	/* 200 ms from now on. */
	ASSERT_NL_OK(dt_session_set(&self->nl, "st-ival", 200, &self->ack),
		     self->ack);
	set_at = now_ns();
	ASSERT_NL_OK(dt_session_get(&self->nl, "st-ival", &o, &self->ack),
		     self->ack);
	EXPECT_EQ(200, o.interval_ms);
	n = collect(&self->ntf, self->kid[0].pid, 1500, samples, MAX_SAMPLES);
	/* skip what was already scheduled before the change */
	for (k = 0; k < n && samples[k].stats.timestamp_ns < set_at + 60000000;)
		k++;
	EXPECT_GE(9, n - k);
	if (n - k < 4)
		n += collect_past(&self->ntf, self->kid[0].pid, 0, k + 4 - n,
				  20000, samples + n, MAX_SAMPLES - n);
	EXPECT_LE(4, n - k);
	if (n - k >= 2)
		expect_spacing(_metadata, samples + k, n - k, 200);

	/* No samples once the instance is removed. */
	ASSERT_NL_OK(dt_instance_del(&self->nl, self->kid[0].pid, &self->ack),
		     self->ack);
	collect(&self->ntf, 0, 100, samples, MAX_SAMPLES);
	EXPECT_EQ(0, collect(&self->ntf, self->kid[0].pid, 500, samples,
			     MAX_SAMPLES));
	EXPECT_EQ(0, self->ntf.overruns);
}

TEST_F_TIMEOUT(mon, several_sessions, 60)
{
	static const struct { const char *name; __u32 ms; __u8 role; } s[3] = {
		{ "st-multi-a", 20, DPO_ROLE_ORIGINAL },
		{ "st-multi-b", 50, DPO_ROLE_PATCHED },
		{ "st-multi-c", 100, DPO_ROLE_ORIGINAL },
	};
	struct child_cfg cfg = { .pages = 1 };
	struct dt_obj objs[8], st;
	int count[3] = { 0 }, i, k, n, t;
	__u64 end;

	ASSERT_EQ(0, dt_listen(&self->ntf, &self->nl, self->nl.grp_samples));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, child_start(&self->kid[i], &cfg));
		ASSERT_NL_OK(dt_session_new(&self->nl, s[i].name, s[i].ms,
					     &self->ack), self->ack);
		ASSERT_NL_OK(dt_instance_add(&self->nl, s[i].name,
					      self->kid[i].pid, s[i].role,
					      &self->ack), self->ack);
	}
	ASSERT_NL_OK(dt_status(&self->nl, &st, &self->ack), self->ack);
	EXPECT_EQ(3, st.sessions);
	EXPECT_EQ(3, st.instances);

	ASSERT_NL_OK(dt_session_dump(&self->nl, objs, 8, &n, &self->ack),
		     self->ack);
	EXPECT_EQ(3, n);
	for (k = 0; k < n && k < 8; k++)
		for (i = 0; i < 3; i++)
			if (!strcmp(objs[k].session, s[i].name)) {
				EXPECT_EQ(s[i].ms, objs[k].interval_ms);
				EXPECT_EQ(1, objs[k].instances);
			}
	ASSERT_NL_OK(dt_instance_dump(&self->nl, objs, 8, &n, &self->ack),
		     self->ack);
	EXPECT_EQ(3, n);
	for (k = 0; k < n && k < 8; k++)
		for (i = 0; i < 3; i++)
			if (objs[k].pid == (__u32)self->kid[i].pid) {
				EXPECT_STREQ(s[i].name, objs[k].session);
				EXPECT_EQ(s[i].role, objs[k].role);
			}

	n = collect(&self->ntf, 0, 1000, samples, MAX_SAMPLES);
	for (k = 0; k < n; k++) {
		for (i = 0; i < 3; i++)
			if (samples[k].pid == (__u32)self->kid[i].pid)
				break;
		if (i == 3)
			continue;
		count[i]++;
		EXPECT_STREQ(s[i].name, samples[k].session);
		EXPECT_EQ(s[i].role, samples[k].role);
	}
	TH_LOG("samples in 1 s: %d (20 ms), %d (50 ms), %d (100 ms)",
	       count[0], count[1], count[2]);
	EXPECT_LT(0, count[2]);
	EXPECT_LT(count[2], count[1]);
	EXPECT_LT(count[1], count[0]);
	EXPECT_LE(2 * count[2], count[0]);

	/* Deleting one session leaves the others sampling. */
	ASSERT_NL_OK(dt_session_del(&self->nl, s[1].name, &self->ack),
		     self->ack);
	EXPECT_NL_ERR(dt_instance_get(&self->nl, self->kid[1].pid, NULL,
				       &self->ack),
		      self->ack, ENOENT, "process not tracked");
	collect(&self->ntf, 0, 100, samples, MAX_SAMPLES);
	memset(count, 0, sizeof(count));
	/* At least 400 ms, longer if a slow VM has not sampled both yet. */
	end = now_ns() + 20000 * 1000000ULL;
	for (t = 0; t < 2 || ((!count[0] || !count[2]) && now_ns() < end); t++) {
		n = collect(&self->ntf, 0, 200, samples, MAX_SAMPLES);
		for (k = 0; k < n; k++)
			for (i = 0; i < 3; i++)
				if (samples[k].pid == (__u32)self->kid[i].pid)
					count[i]++;
	}
	EXPECT_LT(0, count[0]);
	EXPECT_EQ(0, count[1]);
	EXPECT_LT(0, count[2]);
	ASSERT_NL_OK(dt_status(&self->nl, &st, &self->ack), self->ack);
	EXPECT_EQ(2, st.sessions);
	EXPECT_EQ(0, self->ntf.overruns);
}

/* ---- exit notification -------------------------------------------------------- */

FIXTURE(proc_exit) {
	struct dt_sock nl, ev;
	struct child kid;
	struct dt_ack ack;
};

FIXTURE_VARIANT(proc_exit) {
	char how;		/* child command, or 'K': the test kills it */
	unsigned int threads;
	int status;		/* as from waitpid() */
};

FIXTURE_VARIANT_ADD(proc_exit, exit_3) {
	.how = 'x', .threads = 0, .status = 3 << 8,
};

FIXTURE_VARIANT_ADD(proc_exit, sigkill) {
	.how = 'K', .threads = 0, .status = SIGKILL,
};

FIXTURE_VARIANT_ADD(proc_exit, exit_3_threaded) {
	.how = 'x', .threads = 3, .status = 3 << 8,
};

FIXTURE_VARIANT_ADD(proc_exit, sigkill_threaded) {
	.how = 'K', .threads = 3, .status = SIGKILL,
};

FIXTURE_SETUP(proc_exit)
{
	self->kid.pid = self->kid.cmd_fd = self->kid.rep_fd = -1;
	self->nl.fd = self->ev.fd = -1;
	ASSERT_CONNECT_RESET(&self->nl);
}

FIXTURE_TEARDOWN(proc_exit)
{
	teardown_begin(_metadata);
	child_kill(&self->kid);
	dt_close(&self->ev);
	EXPECT_RESET_CLOSE(&self->nl);
}

TEST_F(proc_exit, notified)
{
	struct child_cfg cfg = { .pages = 1, .threads = variant->threads };
	struct dt_obj o, o2, sess;
	struct proc_stat ps;
	__u64 end;
	pid_t pid;
	int status;

	ASSERT_EQ(0, child_start(&self->kid, &cfg));
	pid = self->kid.pid;
	if (variant->threads) {
		ASSERT_EQ(0, child_cmd(&self->kid, 'S', NULL, 10000));
	}
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-exit", 50, &self->ack),
		     self->ack);
	ASSERT_EQ(0, dt_listen(&self->ev, &self->nl, self->nl.grp_events));
	ASSERT_NL_OK(dt_instance_add(&self->nl, "st-exit", pid,
				      DPO_ROLE_PATCHED, &self->ack), self->ack);
	sleep_ms(120);

	if (variant->how == 'K') {
		ASSERT_EQ(0, kill(pid, SIGKILL));
	} else {
		ASSERT_EQ(0, child_send(&self->kid, variant->how));
	}

	ASSERT_EQ(0, dt_wait_ntf(&self->ev, DPO_CMD_INSTANCE_EXIT_NTF, pid, &o,
				 5000)) {
		TH_LOG("no exit notification for %d", pid);
	}
	/* Not reaped: the process is (or is about to be) a zombie. */
	end = now_ns() + 10000 * 1000000ULL;
	for (;;) {
		ASSERT_EQ(0, proc_stat_read(pid, &ps));
		if (ps.state == 'Z' || now_ns() > end)
			break;
		sleep_ms(10);
	}
	EXPECT_EQ('Z', ps.state);

	EXPECT_TRUE(DPO_HAS(&o, DPO_A_EXIT_CODE));
	EXPECT_EQ((__u32)variant->status, o.exit_code) {
		TH_LOG("exit code 0x%x, want 0x%x", o.exit_code,
		       variant->status);
	}
	EXPECT_STREQ("st-exit", o.session);
	EXPECT_EQ(DPO_ROLE_PATCHED, o.role);
	EXPECT_TRUE(DPO_HAS(&o, DPO_A_START_TIME_NS));
	EXPECT_TRUE(DPO_HAS(&o, DPO_A_STATS));
	EXPECT_LE(1, o.stats.seq);

	/* The instance is gone once the notification is out. */
	EXPECT_NL_ERR(dt_instance_get(&self->nl, pid, NULL, &self->ack),
		      self->ack, ENOENT, "process not tracked");
	ASSERT_NL_OK(dt_session_get(&self->nl, "st-exit", &sess, &self->ack),
		     self->ack);
	EXPECT_EQ(0, sess.instances);

	ASSERT_EQ(0, child_reap(&self->kid, &status, 5000));
	EXPECT_EQ(variant->status, status);
	EXPECT_EQ((__u32)status, o.exit_code);

	/* Exactly one notification. */
	EXPECT_EQ(-ETIMEDOUT, dt_wait_ntf(&self->ev, DPO_CMD_INSTANCE_EXIT_NTF,
					  pid, &o2, 300));

	/* The object itself is freed soon after (an RCU grace period). */
	end = now_ns() + 10000 * 1000000ULL;
	for (;;) {
		ASSERT_NL_OK(dt_status(&self->nl, &o2, &self->ack), self->ack);
		if (!o2.instances || now_ns() > end)
			break;
		sleep_ms(10);
	}
	EXPECT_EQ(0, o2.instances);
	EXPECT_EQ(1, o2.sessions);
}

TEST_HARNESS_MAIN
