// SPDX-License-Identifier: GPL-2.0
/* Tests of nl.c against the host's genetlink controller (no dpo here). */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <linux/dpo.h>

#include "decode.h"
#include "error.h"
#include "nl.h"
#include "test.h"

static int count_families(struct nlmsghdr *nlh, void *arg)
{
	int *n = arg;
	struct dpoctl_family f;

	if (dpoctl_decode_family(nlh, &f))
		return -EPROTO;
	if (!strcmp(f.name, "nlctrl"))
		n[1] = (int)f.version;
	n[0]++;
	return 0;
}

static struct nl_msg *getfamily(int flags, int type, const void *data,
				size_t len)
{
	struct nl_msg *msg = dpoctl_nl_new_raw(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
					    1, flags);

	if (type)
		nla_put(msg, type, (int)len, data);
	return msg;
}

static int on_ntf(struct nlmsghdr *nlh, void *arg)
{
	struct dpoctl_instance in;
	int *n = arg;

	if (dpoctl_decode_cmd(nlh) == DPO_CMD_SAMPLE_NTF &&
	    !dpoctl_decode_instance(nlh, &in) && in.pid == 77)
		(*n)++;
	return 0;
}

/*
 * A notification that comes from another socket of ours (unicast between
 * user sockets needs root): no sequence number the listener expects.
 */
static void test_listen(void)
{
	struct dpoctl_error err;
	struct dpoctl_nl a, b;
	struct nl_msg *msg;
	int n = 0, ret;

	if (dpoctl_nl_open(&a, "nlctrl", &err))
		return;
	if (dpoctl_nl_open(&b, "nlctrl", &err)) {
		dpoctl_nl_close(&a);
		return;
	}
	dpoctl_nl_listen(&a, on_ntf, &n);
	msg = dpoctl_nl_new_raw(a.family, DPO_CMD_SAMPLE_NTF, 1, 0);
	nla_put_u32(msg, DPO_A_PID, 77);
	nl_socket_set_peer_port(b.sk, nl_socket_get_local_port(a.sk));
	nl_complete_msg(b.sk, msg);
	nlmsg_hdr(msg)->nlmsg_seq = 0;	/* as the kernel's */
	ret = nl_send(b.sk, msg);
	nlmsg_free(msg);
	if (ret == -NLE_PERM) {
		tests++;
		printf("ok %d - nl: listener gets notifications # SKIP not root\n",
		       tests);
	} else {
		ret = dpoctl_nl_receive(&a, &err);
		result(!ret && n == 1, "nl: listener gets notifications");
	}
	dpoctl_nl_close(&b);
	dpoctl_nl_close(&a);
}

/* The reason a user reads for @err */
static const char *reason(const struct dpoctl_error *err)
{
	static char buf[320];

	return err->whole ? err->msg : dpoctl_error_str(err, buf, sizeof(buf));
}

static void test_nl(void)
{
	static const char missing[] =
		"dpo module not loaded (family \"dpo-no-such\" not found)";
	static const char *const notify[] = { "notify" };
	static const char *const nosuch[] = { "nosuch" };
	struct dpoctl_error err;
	int n[2] = { 0, 0 };
	struct dpoctl_nl nl;
	uint8_t u8 = 1;
	int ret;

	ret = dpoctl_nl_open(&nl, "dpo-no-such", &err);
	result(ret == -ENOENT && err.whole && !strcmp(reason(&err), missing),
	       "nl: missing family reported");
	printf("#   %s\n", reason(&err));

	ret = dpoctl_nl_open(&nl, "nlctrl", &err);
	result(!ret && nl.family == GENL_ID_CTRL, "nl: open nlctrl");
	if (ret)
		return;

	ret = dpoctl_nl_request(&nl, getfamily(NLM_F_DUMP, 0, NULL, 0),
				count_families, n, &err);
	result(!ret && n[0] >= 1 && n[1] >= 1, "nl: dump until NLMSG_DONE");

	n[0] = 0;
	n[1] = 0;
	ret = dpoctl_nl_request(&nl, getfamily(0, CTRL_ATTR_FAMILY_NAME,
					       "nlctrl", 7),
				count_families, n, &err);
	result(!ret && n[0] == 1 && n[1] >= 1, "nl: doit, reply then ACK");

	ret = dpoctl_nl_request(&nl, getfamily(0, CTRL_ATTR_FAMILY_NAME,
					       "dpo-no-such", 12),
				count_families, n, &err);
	result(ret == -ENOENT && err.err == ENOENT && reason(&err)[0],
	       "nl: error keeps the raw errno");
	printf("#   %s\n", reason(&err));

	ret = dpoctl_nl_request(&nl, getfamily(0, CTRL_ATTR_FAMILY_ID, &u8, 1),
				count_families, n, &err);
	result(ret < 0 && err.msg[0] && err.policy &&
	       !strncmp(reason(&err), "bad value: ", 11),
	       "nl: policy rejection with the kernel's message");
	printf("#   %s\n", reason(&err));

	ret = dpoctl_nl_request(&nl, dpoctl_nl_new_raw(GENL_ID_CTRL, 250, 1, 0),
				NULL, NULL, &err);
	result(ret == -EOPNOTSUPP && !err.cmd, "nl: unknown command");

	ret = dpoctl_nl_request(&nl, NULL, NULL, NULL, &err);
	result(ret == -ENOMEM && !strcmp(reason(&err), "Cannot allocate memory"),
	       "nl: unbuilt request reported");

	result(!dpoctl_nl_join(&nl, notify, 1, &err),
	       "nl: join a multicast group");
	result(dpoctl_nl_join(&nl, nosuch, 1, &err) == -ENOENT &&
	       !strcmp(reason(&err), "multicast group \"nosuch\" not found"),
	       "nl: unknown multicast group reported");
	dpoctl_nl_close(&nl);
}

int main(void)
{
	test_nl();
	test_listen();
	return test_done();
}
