// SPDX-License-Identifier: GPL-2.0
/* Tests of client.c on the host, where the dpo module is not loaded. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "test.h"

static void test_open(void)
{
	static const char missing[] =
		"dpo module not loaded (family \"dpo\" not found)";
	struct dpoctl_error err;
	struct dpoctl_client c;
	int ret;

	if (!access("/sys/module/dpo", F_OK)) {
		skip("client: module missing", "dpo module loaded");
		return;
	}
	ret = dpoctl_client_open(&c, &err);
	result(ret == -ENOENT && err.err == ENOENT && err.whole &&
	       !strcmp(err.msg, missing) && !c.nl,
	       "client: a missing module is one whole message");
	dpoctl_client_close(&c);
	result(!c.nl, "client: closing a client that did not open");
}

int main(void)
{
	test_open();
	return test_done();
}
