// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions are scoped to their creator's pid namespace: a process with
 * CAP_NET_ADMIN in a pid namespace of its own (a host-network container)
 * neither sees nor acts on another tenant's session, its instances,
 * listeners or connections; a process in the creator's namespace or an
 * ancestor of it does, and so does CAP_SYS_ADMIN.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "dpo_harness.h"
#include "conn_util.h"

#define HOST	"sc-host"	/* the host's session */
#define MINE	"sc-ctr"	/* the container's own */
#define MAXOBJ	64

/* What the container saw, one entry per request. */
enum probe {
	P_GET, P_SET, P_DEL, P_OWNER, P_CLAIM, P_DRAIN, P_INST_ADD,
	P_INST_GET, P_INST_DEL, P_LST_GET, P_LST_DEL, P_MAX
};

static const char *const probe_name[] = {
	"SESSION_GET", "SESSION_SET", "SESSION_DEL", "OWNER_SET",
	"SESSION_CLAIM", "DRAIN", "INSTANCE_ADD", "INSTANCE_GET",
	"INSTANCE_DEL", "LISTENER_GET", "LISTENER_DEL",
};

struct seen {
	int stage, setup_err;
	int err[P_MAX];
	char msg[P_MAX][256];
	int sessions, host_listed, mine_listed;	/* SESSION_GET dump */
	int instances, listeners, conns;	/* dumps of the host's */
	int mine_err;				/* SESSION_NEW of its own */
};

static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
	d[CAP_SYS_ADMIN / 32].inheritable &= ~(1U << (CAP_SYS_ADMIN % 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static struct dt_obj objs[MAXOBJ];

/* In the container: probe the host's session @lid / @pid. */
static void container(struct seen *sn, __u32 lid, pid_t host_pid,
		      bool keep_sys_admin)
{
	struct dt_sock nl;
	struct dt_ack ack;
	int k, n;

	sn->stage = 1;
	if (!keep_sys_admin && (sn->setup_err = -drop_sys_admin()))
		return;
	sn->setup_err = -dt_connect(&nl);
	if (sn->setup_err)
		return;
	sn->stage = 2;
	for (k = 0; k < P_MAX; k++) {
		memset(&ack, 0, sizeof(ack));
		switch (k) {
		case P_GET:
			dt_session_get(&nl, HOST, NULL, &ack);
			break;
		case P_SET:
			dt_session_set(&nl, HOST, 500, &ack);
			break;
		case P_DEL:
			dt_session_del(&nl, HOST, &ack);
			break;
		case P_OWNER:
			dt_owner_set(&nl, HOST, DPO_OWNER_PATCHED, &ack);
			break;
		case P_CLAIM:
			dt_session_claim(&nl, HOST, 0, &ack);
			break;
		case P_DRAIN:
			dt_drain(&nl, HOST, DPO_ROLE_ORIGINAL, 1000, NULL,
				  &ack);
			break;
		case P_INST_ADD:
			/* pid 1 here: the container's own init, us. */
			dt_instance_add(&nl, HOST, getpid(),
					 DPO_ROLE_PATCHED, &ack);
			break;
		case P_INST_GET:
			/* The host's instance is not even named here. */
			dt_instance_get(&nl, host_pid, NULL, &ack);
			break;
		case P_INST_DEL:
			dt_instance_del(&nl, host_pid, &ack);
			break;
		case P_LST_GET:
			dt_listener_get(&nl, lid, NULL, &ack);
			break;
		case P_LST_DEL:
			dt_listener_del(&nl, lid, &ack);
			break;
		}
		sn->err[k] = ack.err;
		snprintf(sn->msg[k], sizeof(sn->msg[k]), "%s", ack.msg);
	}
	sn->mine_err = -dt_session_new(&nl, MINE, 100, NULL);
	if (!dt_session_dump(&nl, objs, MAXOBJ, &n, NULL)) {
		sn->sessions = n;
		for (k = 0; k < n; k++) {
			sn->host_listed += !strcmp(objs[k].session, HOST);
			sn->mine_listed += !strcmp(objs[k].session, MINE);
		}
	}
	if (!dt_instance_dump(&nl, objs, MAXOBJ, &n, NULL))
		sn->instances = n;
	if (!dt_listener_dump(&nl, objs, MAXOBJ, &n, NULL))
		sn->listeners = n;
	if (!dt_conn_dump(&nl, NULL, 0, objs, MAXOBJ, &n, NULL))
		sn->conns = n;
	dt_close(&nl);
	sn->stage = 100;
}

/* Fork a child in a new pid namespace that runs container(). */
static int run_container(struct seen *sn, __u32 lid, pid_t host_pid,
			 bool keep_sys_admin)
{
	pid_t pid;
	int status;

	memset(sn, 0, sizeof(*sn));
	pid = fork_flushed();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID)) {
			sn->setup_err = errno;
			_exit(1);
		}
		init = fork();
		if (init == 0) {
			container(sn, lid, host_pid, keep_sys_admin);
			_exit(0);
		}
		_exit(init > 0 && waitpid(init, &status, 0) == init ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -EINTR;
}

FIXTURE(sc) {
	struct dt_sock nl;
	struct dt_ack ack;
	struct seen *sn;
	int lfd, cli, srv;
	__u16 port;
	__u32 lid;
};

FIXTURE_SETUP(sc)
{
	struct dt_obj o;
	int n;

	self->nl.fd = self->lfd = self->cli = self->srv = -1;
	self->sn = shared_mem(sizeof(*self->sn));
	ASSERT_NE(MAP_FAILED, self->sn);
	ASSERT_CONNECT_RESET(&self->nl);
	/* The host's session: this process, a listener, a connection. */
	self->lfd = tcp_listener(AF_INET, &self->port);
	ASSERT_LE(0, self->lfd);
	ASSERT_NL_OK(own_session(&self->nl, HOST, self->lfd, 0, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_listener_dump(&self->nl, &o, 1, &n, &self->ack),
		     self->ack);
	ASSERT_EQ(1, n);
	self->lid = o.listener_id;
	self->cli = cli_connect(AF_INET, self->port);
	ASSERT_LE(0, self->cli);
	self->srv = accept_wait(self->lfd, 10000);
	ASSERT_LE(0, self->srv);
}

FIXTURE_TEARDOWN(sc)
{
	teardown_begin(_metadata);
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	if (self->lfd >= 0)
		close(self->lfd);
	EXPECT_RESET_CLOSE(&self->nl);
	if (self->sn != MAP_FAILED)
		munmap(self->sn, sizeof(*self->sn));
}

static void expect_host_untouched(struct __test_metadata *_metadata,
				  FIXTURE_DATA(sc) *self)
{
	struct dt_obj o;
	int n;

	ASSERT_NL_OK(dt_session_get(&self->nl, HOST, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(100, o.interval_ms);
	EXPECT_EQ(DPO_OWNER_BOTH, o.owner);
	EXPECT_EQ(1, o.instances);
	ASSERT_NL_OK(dt_conn_dump(&self->nl, HOST, 0, objs, MAXOBJ, &n,
				   &self->ack), self->ack);
	EXPECT_EQ(1, n);
	ASSERT_NL_OK(dt_listener_get(&self->nl, self->lid, &o, &self->ack),
		     self->ack);
}

TEST_F(sc, container_sees_only_its_own)
{
	struct seen *sn = self->sn;
	struct dt_obj o;
	int k;

	ASSERT_EQ(0, run_container(sn, self->lid, getpid(), false));
	ASSERT_EQ(100, sn->stage) {
		TH_LOG("container stopped at stage %d: %s", sn->stage,
		       strerror(sn->setup_err));
	}
	for (k = 0; k < P_MAX; k++) {
		EXPECT_EQ(ENOENT, sn->err[k]) {
			TH_LOG("container %s on the host's session: errno %d '%s'",
			       probe_name[k], sn->err[k], sn->msg[k]);
		}
	}
	EXPECT_STREQ("no such session", sn->msg[P_DEL]);
	EXPECT_STREQ("no such listener", sn->msg[P_LST_DEL]);
	EXPECT_EQ(0, sn->host_listed);
	EXPECT_EQ(0, sn->instances);
	EXPECT_EQ(0, sn->listeners);
	EXPECT_EQ(0, sn->conns) {
		TH_LOG("the container read %d of the host's connections",
		       sn->conns);
	}
	/* Its own session: made, and listed for it. */
	EXPECT_EQ(0, sn->mine_err);
	EXPECT_EQ(1, sn->mine_listed);
	EXPECT_EQ(1, sn->sessions);
	expect_host_untouched(_metadata, self);
	/* The host (an ancestor namespace) sees and removes it. */
	ASSERT_NL_OK(dt_session_get(&self->nl, MINE, &o, &self->ack),
		     self->ack);
	ASSERT_NL_OK(dt_session_del(&self->nl, MINE, &self->ack), self->ack);
}

TEST_F(sc, sys_admin_sees_all)
{
	struct seen *sn = self->sn;

	ASSERT_EQ(0, run_container(sn, self->lid, getpid(), true));
	ASSERT_EQ(100, sn->stage) {
		TH_LOG("container stopped at stage %d: %s", sn->stage,
		       strerror(sn->setup_err));
	}
	/* It found the session: the first probe read it, SET changed it. */
	EXPECT_EQ(0, sn->err[P_GET]);
	EXPECT_EQ(0, sn->err[P_SET]);
	EXPECT_EQ(0, sn->err[P_DEL]);
	EXPECT_EQ(0, sn->host_listed);	/* deleted by its own P_DEL */
}

TEST_HARNESS_MAIN
