// SPDX-License-Identifier: GPL-2.0
/* Module init and exit: registers the parts in order, unwinds in reverse. */
#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/dpo.h>

#include "conn.h"
#include "debugfs.h"
#include "exit_watch.h"
#include "listener.h"
#include "netlink.h"
#include "session.h"
#include "sockops.h"
#include "dpo/version.h"

static int __init dpo_init(void)
{
	int err;

	err = dpo_sockops_init();
	if (err)
		return err;
	err = dpo_listener_init();
	if (err)
		return err;
	err = dpo_conn_init();
	if (err)
		goto err_listener;
	err = dpo_session_init();
	if (err)
		goto err_conn;
	err = dpo_exit_watch_init();
	if (err)
		goto err_session;
	err = dpo_nl_init();
	if (err)
		goto err_exit_watch;
	/* Last: it reads what the others set up, and cannot fail. */
	dpo_debugfs_init();
	pr_info("version " DPO_VERSION " loaded\n");
	return 0;

err_exit_watch:
	dpo_exit_watch_exit();
err_session:
	dpo_session_exit();
err_conn:
	dpo_conn_exit();
err_listener:
	dpo_listener_exit();
	return err;
}

static void __exit dpo_exit(void)
{
	dpo_debugfs_exit();
	dpo_nl_exit();
	dpo_exit_watch_exit();
	dpo_session_exit();
	dpo_conn_exit();
	dpo_listener_exit();
	pr_info("unloaded\n");
}

module_init(dpo_init);
module_exit(dpo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dpo: monitoring and phased rollback of fork/exec patched processes");
MODULE_AUTHOR("dpo developers");
MODULE_VERSION(DPO_VERSION);
MODULE_ALIAS_GENL_FAMILY(DPO_GENL_NAME);
