// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/dpo/status: what STATUS_GET reports, one "name value"
 * line each, named as in the spec, for an operator without dpoctl.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "debugfs.h"
#include "instance.h"
#include "listener.h"
#include "session.h"
#include "dpo/version.h"

static struct dentry *dir;

/* The getters of dpo_nl_status_get_doit(), in the spec's order. */
static int status_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "version %s\n", DPO_VERSION);
	seq_printf(m, "sessions %u\n", dpo_session_objects());
	seq_printf(m, "instances %u\n", dpo_instance_objects());
	seq_printf(m, "samples %llu\n", dpo_samples_total());
	seq_printf(m, "sample-time-ns %llu\n", dpo_sample_time_total_ns());
	seq_printf(m, "listeners %u\n", dpo_listener_count());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(status);

/*
 * Return values ignored, as the kernel does: debugfs may be absent or
 * locked down, and its functions take an error pointer as a parent.
 */
void dpo_debugfs_init(void)
{
	dir = debugfs_create_dir("dpo", NULL);
	debugfs_create_file("status", 0444, dir, NULL, &status_fops);
}

void dpo_debugfs_exit(void)
{
	debugfs_remove_recursive(dir);
}
