/* SPDX-License-Identifier: GPL-2.0 */
/* static_assert() with an optional message, as the kernel's. */
#ifndef _DPO_SHIM_LINUX_BUILD_BUG_H
#define _DPO_SHIM_LINUX_BUILD_BUG_H

#define static_assert(expr, ...)	_Static_assert(expr, #expr)

#endif
