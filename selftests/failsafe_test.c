// SPDX-License-Identifier: GPL-2.0
/*
 * Controller-death fail-safe: a session claimed by a controller's netlink
 * socket returns to its fail-safe owner when that socket goes away, however
 * the controller ends (close, SIGKILL), and tells the event listeners.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "dpo_harness.h"
#include "dpo_req.h"

#define SESSION "fs-claim"

/* Events that must come: generous, a slow debug VM takes its time. */
#define EVENT_MS	10000

/* Wait for the next event of @cmd for @name; 0 or -ETIMEDOUT. */
static int wait_event(struct dt_sock *ev, __u8 cmd, const char *name,
		      struct dt_obj *o, int timeout_ms)
{
	int ret;

	do {
		ret = dt_wait_ntf(ev, cmd, 0, o, timeout_ms);
	} while (!ret && strcmp(o->session, name));
	return ret;
}

FIXTURE(failsafe) {
	struct dt_sock nl;	/* the test's own, not the controller */
	struct dt_sock ev;	/* joined to "events" */
	struct dt_ack ack;
};

FIXTURE_SETUP(failsafe)
{
	ASSERT_EQ(0, dt_connect(&self->nl));
	ASSERT_EQ(0, dt_reset(&self->nl, 2000));
	ASSERT_EQ(0, dt_listen(&self->ev, &self->nl, self->nl.grp_events));
	ASSERT_NL_OK(dt_session_new(&self->nl, SESSION, 50, &self->ack),
		     self->ack);
}

FIXTURE_TEARDOWN(failsafe)
{
	teardown_begin(_metadata);
	EXPECT_RESET(&self->nl);
	dt_close(&self->ev);
	dt_close(&self->nl);
}

/* The controller closes its socket: owner PATCHED -> ORIGINAL. */
TEST_F(failsafe, socket_close_restores_original)
{
	struct dt_sock ctl;
	struct dt_obj o;

	ASSERT_EQ(0, dt_connect(&ctl));
	ASSERT_NL_OK(dt_session_claim(&ctl, SESSION, 0, &self->ack), self->ack);
	ASSERT_NL_OK(dt_owner_set(&ctl, SESSION, DPO_OWNER_PATCHED,
				   &self->ack), self->ack);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESSION, &o, &self->ack),
		     self->ack);
	ASSERT_EQ(DPO_OWNER_PATCHED, o.owner);

	dt_close(&ctl);
	ASSERT_EQ(0, wait_event(&self->ev, DPO_CMD_CONTROLLER_LOST_NTF,
				SESSION, &o, EVENT_MS));
	ASSERT_EQ(0, wait_event(&self->ev, DPO_CMD_OWNER_SET_NTF, SESSION, &o,
				EVENT_MS));
	EXPECT_EQ(DPO_OWNER_ORIGINAL, o.owner);
	ASSERT_NL_OK(dt_session_get(&self->nl, SESSION, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_OWNER_ORIGINAL, o.owner);
	EXPECT_NE(0, o.switch_time_ns);
}

/* SIGKILL of the controller process; the fail-safe owner is configurable. */
TEST_F(failsafe, controller_killed_configured_owner)
{
	int ready[2];
	struct dt_obj o;
	pid_t ctl;
	char c;

	ASSERT_EQ(0, pipe(ready));
	ctl = fork();
	ASSERT_LE(0, ctl);
	if (ctl == 0) {
		struct dt_sock nl;
		struct dt_ack ack;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dt_connect(&nl) ||
		    dt_session_claim(&nl, SESSION, DPO_OWNER_BOTH, &ack) ||
		    dt_owner_set(&nl, SESSION, DPO_OWNER_ORIGINAL, &ack))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);

	/* A second controller cannot take the session over. */
	EXPECT_NL_ERR(dt_session_claim(&self->nl, SESSION, 0, &self->ack), self->ack,
		      EBUSY, "session is claimed by another controller");

	kill(ctl, SIGKILL);
	waitpid(ctl, NULL, 0);
	ASSERT_EQ(0, wait_event(&self->ev, DPO_CMD_CONTROLLER_LOST_NTF,
				SESSION, &o, EVENT_MS));
	ASSERT_EQ(0, wait_event(&self->ev, DPO_CMD_OWNER_SET_NTF, SESSION, &o,
				EVENT_MS));
	EXPECT_EQ(DPO_OWNER_BOTH, o.owner);

	/* Unclaimed now: another controller may claim it. */
	EXPECT_NL_OK(dt_session_claim(&self->nl, SESSION, 0, &self->ack), self->ack);
}

/* Other sockets closing, or a session deleted first, change nothing. */
TEST_F(failsafe, unrelated_close_changes_nothing)
{
	struct dt_sock ctl, other;
	struct dt_obj o;

	ASSERT_EQ(0, dt_connect(&ctl));
	ASSERT_EQ(0, dt_connect(&other));
	ASSERT_NL_OK(dt_session_claim(&ctl, SESSION, 0, &self->ack), self->ack);
	ASSERT_NL_OK(dt_owner_set(&ctl, SESSION, DPO_OWNER_PATCHED,
				   &self->ack), self->ack);
	dt_close(&other);
	EXPECT_EQ(-ETIMEDOUT, wait_event(&self->ev,
					 DPO_CMD_CONTROLLER_LOST_NTF,
					 SESSION, &o, 300));
	ASSERT_NL_OK(dt_session_get(&self->nl, SESSION, &o, &self->ack),
		     self->ack);
	EXPECT_EQ(DPO_OWNER_PATCHED, o.owner);

	/* Ended properly: deleting the session first, then closing. */
	ASSERT_NL_OK(dt_session_del(&ctl, SESSION, &self->ack), self->ack);
	dt_close(&ctl);
	EXPECT_EQ(-ETIMEDOUT, wait_event(&self->ev,
					 DPO_CMD_CONTROLLER_LOST_NTF,
					 SESSION, &o, 300));
	ASSERT_NL_OK(dt_session_new(&self->nl, SESSION, 50, &self->ack),
		     self->ack);
}

TEST_F(failsafe, claim_bad_input)
{
	EXPECT_NL_ERR(dt_session_claim(&self->nl, "fs-nope", 0, &self->ack), self->ack,
		      ENOENT, "no such session");
	EXPECT_NL_ERR(dt_session_claim(&self->nl, SESSION, DPO_OWNER_CANARY, &self->ack),
		      self->ack, ERANGE, NULL);
	EXPECT_NL_ERR(dt_session_claim(&self->nl, SESSION, 9, &self->ack), self->ack,
		      ERANGE, NULL);
}

TEST_HARNESS_MAIN
