/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one version of dpo: the module (modinfo dpo), dpoctl (dpoctl
 * version), the DKMS source and the Debian packages. debian/changelog's
 * newest entry must carry the same upstream version (make check tests it).
 */
#ifndef _DPO_VERSION_H
#define _DPO_VERSION_H

#define DPO_VERSION "0.1.0"

#endif /* _DPO_VERSION_H */
