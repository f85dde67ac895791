/* SPDX-License-Identifier: GPL-2.0 */
/* min_t(), as the kernel's (without its checks). */
#ifndef _DPO_SHIM_LINUX_MINMAX_H
#define _DPO_SHIM_LINUX_MINMAX_H

#define min_t(type, x, y) \
	((type)(x) < (type)(y) ? (type)(x) : (type)(y))

#endif
