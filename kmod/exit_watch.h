/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_EXIT_WATCH_H
#define _DPO_EXIT_WATCH_H

int dpo_exit_watch_init(void);
void dpo_exit_watch_exit(void);

#endif /* _DPO_EXIT_WATCH_H */
