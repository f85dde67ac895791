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
/* original, patched, both or canary[:PCT] (*pct 0 when not given) */
int dpo_parse_owner(const char *s, uint8_t *owner, uint32_t *pct);
int dpo_parse_port(const char *s, uint16_t *port);
int dpo_parse_fd(const char *s, int *fd);
int dpo_parse_listener_id(const char *s, uint32_t *id);
int dpo_check_session_name(const char *s);

/* ... and back to text. */
const char *dpo_role_name(uint8_t role);
const char *dpo_owner_name(uint8_t owner);
void dpo_exit_str(char *buf, size_t len, uint32_t status);
/* "inet", "inet6" (as ip(8) -j), else "unknown" */
const char *dpo_family_name(int family);
/* @addr in network order (4 or 16 bytes): "10.0.0.1", "::1"; "?" if unknown */
void dpo_addr_str(char *buf, size_t len, int family, const void *addr);
/* ... with the port: "10.0.0.1:5432", "[::1]:5432" */
void dpo_addr_port_str(char *buf, size_t len, int family, const void *addr,
		       uint16_t port);

#endif
