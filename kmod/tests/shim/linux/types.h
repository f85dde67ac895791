/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's short type names over the host's UAPI types. */
#ifndef _DPO_SHIM_LINUX_TYPES_H
#define _DPO_SHIM_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#endif
