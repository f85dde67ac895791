/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_VERSION_H
#define _DPO_VERSION_H

#define DPO_VERSION "0.1.0"

#endif /* _DPO_VERSION_H */
