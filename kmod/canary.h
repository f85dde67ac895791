/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The canary split's turns, with nothing of the kernel's but types:
 * kmod/tests runs it on the host.
 */
#ifndef _DPO_CANARY_H
#define _DPO_CANARY_H

#include <linux/types.h>
#include <uapi/linux/dpo.h>

/*
 * Smooth weighted round robin: whose turn the next connection is, given
 * the patched role's percentage. pct 20 gives O O O O P, again and again;
 * in any run of turns the patched role gets its share rounded down or up.
 */
static inline enum dpo_role dpo_canary_next_turn(u32 *credit, u8 pct)
{
	*credit += pct;
	if (*credit >= 100) {
		*credit -= 100;
		return DPO_ROLE_PATCHED;
	}
	return DPO_ROLE_ORIGINAL;
}

#endif /* _DPO_CANARY_H */
