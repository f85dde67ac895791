// SPDX-License-Identifier: GPL-2.0
/*
 * dpo module lifecycle: unload and reload (also while processes are
 * tracked and sampled), and no leak over many register/unregister cycles.
 * Every test leaves the module loaded.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dpo_harness.h"

FIXTURE(life) {
	struct dt_sock nl, ntf, ev;
	struct child kid[3];
	struct dt_ack ack;
};

FIXTURE_SETUP(life)
{
	int i;

	for (i = 0; i < 3; i++)
		self->kid[i].pid = self->kid[i].cmd_fd = self->kid[i].rep_fd = -1;
	self->nl.fd = self->ntf.fd = self->ev.fd = -1;
	kmod_ensure_loaded(_metadata);
	ASSERT_CONNECT_RESET(&self->nl);
}

FIXTURE_TEARDOWN(life)
{
	int i;

	teardown_begin(_metadata);
	for (i = 0; i < 3; i++)
		child_kill(&self->kid[i]);
	dt_close(&self->ntf);
	dt_close(&self->ev);
	EXPECT_KMOD_RELOADED();
	if (self->nl.fd >= 0) {
		/* The family id changes over a reload. */
		EXPECT_EQ(0, dt_resolve(&self->nl));
		EXPECT_RESET(&self->nl);
		dt_close(&self->nl);
	}
}

static bool have_module_file(void)
{
	return !access(kmod_path(), R_OK);
}

TEST_F(life, unload_reload)
{
	struct dt_obj st;
	struct dt_msg m;
	__u16 old_family = self->nl.family;

	if (!have_module_file())
		SKIP(return, "no module file at %s (set DPO_KO)", kmod_path());

	/* Loading it twice is refused. */
	EXPECT_EQ(-EEXIST, kmod_load());

	ASSERT_EQ(0, kmod_unload()) {
		TH_LOG("delete_module: %s", strerror(errno));
	}
	EXPECT_FALSE(kmod_loaded());
	EXPECT_EQ(-ENOENT, dt_resolve(&self->nl));
	dt_msg_init(&m, old_family, 0, DPO_CMD_STATUS_GET, DPO_GENL_VERSION);
	EXPECT_EQ(-ENOENT, dt_request(&self->nl, &m, &self->ack, NULL));

	ASSERT_EQ(0, kmod_load());
	EXPECT_TRUE(kmod_loaded());
	ASSERT_EQ(0, dt_resolve(&self->nl));
	EXPECT_EQ(DPO_GENL_VERSION, self->nl.version);
	EXPECT_NE(0, self->nl.grp_samples);
	EXPECT_NE(0, self->nl.grp_events);
	ASSERT_NL_OK(dt_status(&self->nl, &st, &self->ack), self->ack);
	EXPECT_EQ(0, st.sessions);
	EXPECT_EQ(0, st.instances);
	EXPECT_EQ(0, st.samples);

	/* And it works. */
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-reload", 100, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_del(&self->nl, "st-reload", &self->ack),
		     self->ack);
}

TEST_F_TIMEOUT(life, unload_while_tracking, 60)
{
	struct child_cfg one = { .pages = 1 }, mt = { .pages = 1, .threads = 3 };
	struct dt_obj o, objs[8];
	struct proc_stat ps;
	int i, n, got = 0;
	__u64 end;

	if (!have_module_file())
		SKIP(return, "no module file at %s (set DPO_KO)", kmod_path());

	ASSERT_EQ(0, child_start(&self->kid[0], &one));
	ASSERT_EQ(0, child_start(&self->kid[1], &mt));
	ASSERT_EQ(0, child_cmd(&self->kid[1], 'S', NULL, 10000));
	ASSERT_EQ(0, child_start(&self->kid[2], &one));
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-unl-a", 10, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-unl-b", 10, &self->ack),
		     self->ack);
	ASSERT_EQ(0, dt_listen(&self->ntf, &self->nl, self->nl.grp_samples));
	ASSERT_EQ(0, dt_listen(&self->ev, &self->nl, self->nl.grp_events));
	for (i = 0; i < 3; i++)
		ASSERT_NL_OK(dt_instance_add(&self->nl,
					      i < 2 ? "st-unl-a" : "st-unl-b",
					      self->kid[i].pid,
					      i ? DPO_ROLE_PATCHED :
						  DPO_ROLE_ORIGINAL,
					      &self->ack), self->ack);
	/* Sampling is running (a slow VM can pause it for a while). */
	end = now_ns() + 20000 * 1000000ULL;
	while (got < 10 && now_ns() < end)
		if (!dt_recv_ntf(&self->ntf, &o, 1000) &&
		    o.cmd == DPO_CMD_SAMPLE_NTF)
			got++;
	EXPECT_LE(10, got);

	/* One of them dies right as the module goes. */
	kill(self->kid[2].pid, SIGKILL);
	ASSERT_EQ(0, kmod_unload()) {
		TH_LOG("delete_module with tracked instances: %s",
		       strerror(errno));
	}
	EXPECT_FALSE(kmod_loaded());

	/* The processes did not notice. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, proc_stat_read(self->kid[i].pid, &ps));
		EXPECT_NE('Z', ps.state);
		EXPECT_EQ(0, child_cmd(&self->kid[i], 'p', NULL, 5000));
	}
	/* Nothing arrives from a module that is gone. */
	while (dt_recv_ntf(&self->ntf, &o, 100) == 0)
		;
	EXPECT_EQ(-ETIMEDOUT, dt_recv_ntf(&self->ntf, &o, 300));

	ASSERT_EQ(0, kmod_load());
	ASSERT_EQ(0, dt_resolve(&self->nl));
	ASSERT_NL_OK(dt_status(&self->nl, &o, &self->ack), self->ack);
	EXPECT_EQ(0, o.sessions);
	EXPECT_EQ(0, o.instances);
	ASSERT_NL_OK(dt_session_dump(&self->nl, objs, 8, &n, &self->ack),
		     self->ack);
	EXPECT_EQ(0, n);
	ASSERT_NL_OK(dt_instance_dump(&self->nl, objs, 8, &n, &self->ack),
		     self->ack);
	EXPECT_EQ(0, n);
	EXPECT_NL_ERR(dt_instance_get(&self->nl, self->kid[0].pid, NULL,
				       &self->ack),
		      self->ack, ENOENT, "process not tracked");

	/* Nothing stale: the same processes can be tracked again. */
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-unl-a", 10, &self->ack),
		     self->ack);
	for (i = 0; i < 2; i++) {
		EXPECT_NL_OK(dt_instance_add(&self->nl, "st-unl-a",
					      self->kid[i].pid,
					      DPO_ROLE_ORIGINAL, &self->ack),
			     self->ack);
	}
	ASSERT_NL_OK(dt_instance_get(&self->nl, self->kid[1].pid, &o,
				      &self->ack), self->ack);
	EXPECT_EQ(4, o.stats.threads);
	EXPECT_LE(1, o.stats.seq);
}

/* @cycles ADD+DEL pairs over @kids, sent in batches; returns failures. */
static int add_del_cycles(struct __test_metadata *_metadata,
			  struct dt_sock *nl, const char *session,
			  struct child *kids, int nkids, int cycles)
{
	enum { BATCH = 32 };
	static struct dt_msg msgs[2 * BATCH];
	static struct dt_ack acks[2 * BATCH];
	struct dt_msg *mp[2 * BATCH];
	int c = 0, i, failed = 0;

	while (c < cycles) {
		int n = cycles - c < BATCH ? cycles - c : BATCH;

		for (i = 0; i < n; i++) {
			pid_t pid = kids[(c + i) % nkids].pid;

			dt_msg_dpo(&msgs[2 * i], nl, DPO_CMD_INSTANCE_ADD, 0);
			dt_put_str(&msgs[2 * i], DPO_A_SESSION_NAME, session);
			nlm_put_u32(&msgs[2 * i], DPO_A_PID, pid);
			nlm_put_u8(&msgs[2 * i], DPO_A_ROLE,
				   1 + (c + i) % 2);
			dt_msg_dpo(&msgs[2 * i + 1], nl, DPO_CMD_INSTANCE_DEL, 0);
			nlm_put_u32(&msgs[2 * i + 1], DPO_A_PID, pid);
			mp[2 * i] = &msgs[2 * i];
			mp[2 * i + 1] = &msgs[2 * i + 1];
		}
		ASSERT_EQ(0, dt_batch(nl, mp, 2 * n, acks));
		for (i = 0; i < 2 * n; i++) {
			if (!acks[i].err)
				continue;
			if (!failed++)
				TH_LOG("cycle %d %s: errno %d '%s'", c + i / 2,
				       i % 2 ? "DEL" : "ADD", acks[i].err,
				       acks[i].msg);
		}
		c += n;
	}
	return failed;
}

static int wait_instances_zero(struct dt_sock *nl, int timeout_ms,
			       struct dt_obj *st)
{
	__u64 end = now_ns() + (__u64)timeout_ms * 1000000;

	for (;;) {
		int ret = dt_status(nl, st, NULL);

		if (ret)
			return ret;
		if (!st->instances)
			return 0;
		if (now_ns() > end)
			return -ETIMEDOUT;
		sleep_ms(10);
	}
}

TEST_F_TIMEOUT(life, register_cycles_no_leak, 180)
{
	enum { CYCLES = 10000, SESSION_CYCLES = 300, EXITS = 30 };
	struct child_cfg cfg = { .pages = 1 };
	long long slab0, slab1, mem0, mem1;
	struct dt_obj st0, st1;
	__u64 t0, t_free;
	int i, c, failed = 0;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, child_start(&self->kid[i], &cfg));
	dt_set_rcvbuf(&self->nl, 4 << 20);
	ASSERT_NL_OK(dt_session_new(&self->nl, "st-cyc", 10000, &self->ack),
		     self->ack);

	/* Warm the caches up before measuring. */
	EXPECT_EQ(0, add_del_cycles(_metadata, &self->nl, "st-cyc",
				    self->kid, 2, 1000));
	ASSERT_EQ(0, wait_instances_zero(&self->nl, 5000, &st0));
	sleep_ms(300);
	slab0 = slab_bytes();
	mem0 = meminfo_kb("MemAvailable");
	ASSERT_NL_OK(dt_status(&self->nl, &st0, &self->ack), self->ack);

	t0 = now_ns();
	failed += add_del_cycles(_metadata, &self->nl, "st-cyc", self->kid, 2,
				 CYCLES);
	TH_LOG("%d add/del cycles in %llu ms", CYCLES,
	       (unsigned long long)(now_ns() - t0) / 1000000);

	/* Sessions that go away with their instance inside. */
	for (c = 0; c < SESSION_CYCLES; c++) {
		char name[32];

		snprintf(name, sizeof(name), "st-cyc-%d", c);
		if (dt_session_new(&self->nl, name, 10 + c % 100, &self->ack) ||
		    dt_instance_add(&self->nl, name, self->kid[c % 2].pid,
				     DPO_ROLE_ORIGINAL, &self->ack) ||
		    dt_session_del(&self->nl, name, &self->ack)) {
			if (!failed++)
				TH_LOG("session cycle %d: errno %d '%s'", c,
				       self->ack.err, self->ack.msg);
		}
	}
	/* Instances whose process exits while tracked. */
	for (c = 0; c < EXITS; c++) {
		struct child k;

		ASSERT_EQ(0, child_start(&k, &cfg));
		if (dt_instance_add(&self->nl, "st-cyc", k.pid,
				     DPO_ROLE_PATCHED, &self->ack)) {
			if (!failed++)
				TH_LOG("exit cycle %d: errno %d '%s'", c,
				       self->ack.err, self->ack.msg);
		}
		child_kill(&k);
	}
	EXPECT_EQ(0, failed);
	ASSERT_NL_OK(dt_session_del(&self->nl, "st-cyc", &self->ack),
		     self->ack);

	t0 = now_ns();
	EXPECT_EQ(0, dt_wait_idle(&self->nl, 30000, &st1)) {
		TH_LOG("still %u sessions, %u instances", st1.sessions,
		       st1.instances);
	}
	t_free = now_ns() - t0;
	TH_LOG("all objects freed %llu ms after the last delete",
	       (unsigned long long)t_free / 1000000);
	/*
	 * Freed after RCU grace periods, not on a timer or the next sample:
	 * seconds at most even on a slow debug VM.
	 */
	EXPECT_GE(10000000000ULL, t_free);
	/* Every add took a sample. */
	EXPECT_LE(st0.samples + CYCLES + SESSION_CYCLES + EXITS, st1.samples);
	EXPECT_LT(st0.sample_time_ns, st1.sample_time_ns);

	sleep_ms(500);
	slab1 = slab_bytes();
	mem1 = meminfo_kb("MemAvailable");
	TH_LOG("slab %lld -> %lld bytes (%+lld), MemAvailable %lld -> %lld kB",
	       slab0, slab1, slab1 - slab0, mem0, mem1);
	if (access("/sys/kernel/debug/kmemleak", F_OK) == 0) {
		/*
		 * Debug kernel: KASAN's quarantine holds freed objects, so
		 * slab totals grow; kmemleak, scanned by the VM harness after
		 * the suite, is the leak check there.
		 */
		TH_LOG("kmemleak present: slab growth not checked here");
	} else if (slab0 >= 0 && slab1 >= 0) {
		/* A leak of even 64 bytes per cycle would be 640 KB. */
		EXPECT_GT(512LL * 1024, slab1 - slab0);
	}
	if (mem0 >= 0 && mem1 >= 0)
		EXPECT_GT(8LL * 1024, mem0 - mem1);
}

TEST_HARNESS_MAIN
