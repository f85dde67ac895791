/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_DEBUGFS_H
#define _DPO_DEBUGFS_H

/* Nothing to check: without debugfs the module works as before. */
void dpo_debugfs_init(void);
void dpo_debugfs_exit(void);

#endif /* _DPO_DEBUGFS_H */
