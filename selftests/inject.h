/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The regressions the fixture servers (dpo_patch_srv, dpo_refdb) inject
 * per request, each costing what a real engine's bad patch would.
 */
#ifndef DPO_SELFTEST_INJECT_H
#define DPO_SELFTEST_INJECT_H

#include <stdbool.h>

/* Burn @us of this thread's CPU time (not wall time: preemption is free). */
void inject_cpu(unsigned long us);
/*
 * Map @kb KiB of fresh anonymous memory in 4 KiB pages and touch each once
 * (one minor fault a page); unmapped again unless @keep (RSS growth).
 * 0, or -1 with errno when mmap fails.
 */
int inject_faults(unsigned long kb, bool keep);
/* Sleep @us, signals or not. */
void inject_sleep(unsigned long us);
/* Never return. */
void inject_hang(void) __attribute__((noreturn));

#endif /* DPO_SELFTEST_INJECT_H */
