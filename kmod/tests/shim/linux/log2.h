/* SPDX-License-Identifier: GPL-2.0 */
/* ilog2() of a non-zero 64-bit value, as the kernel's. */
#ifndef _DPO_SHIM_LINUX_LOG2_H
#define _DPO_SHIM_LINUX_LOG2_H

#define ilog2(n)	(63 - __builtin_clzll(n))

#endif
