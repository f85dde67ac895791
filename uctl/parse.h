/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPO_PARSE_H
#define DPO_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Command line values. Pure functions: 0 on success, -EINVAL when the
 * text is not a value of the kind, -ERANGE when it is one out of range.
 */
int dpo_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v);
int dpo_parse_interval(const char *s, uint32_t *ms);
int dpo_parse_pid(const char *s, uint32_t *pid);
int dpo_parse_role(const char *s, uint8_t *role);
int dpo_check_session_name(const char *s);

/* ... and back to text. */
const char *dpo_role_name(uint8_t role);
void dpo_exit_str(char *buf, size_t len, uint32_t status);

#endif
