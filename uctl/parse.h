/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_PARSE_H
#define DPOCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Command line values. Pure functions: 0 on success, -EINVAL when the
 * text is not a value of the kind, -ERANGE when it is one out of range.
 */
int dpoctl_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v);
/* DUR: 100, 100ms, 1.5s: DPO_INTERVAL_MS_MIN..MAX */
int dpoctl_parse_interval(const char *s, uint32_t *ms);
/* ... and 2m, 1.5m too: 1..DPO_DRAIN_DEADLINE_MS_MAX */
int dpoctl_parse_deadline(const char *s, uint32_t *ms);
int dpoctl_parse_pid(const char *s, uint32_t *pid);
int dpoctl_parse_role(const char *s, uint8_t *role);
/* original, patched, both or canary[:PCT] (*pct 0 when not given) */
int dpoctl_parse_owner(const char *s, uint8_t *owner, uint32_t *pct);
int dpoctl_parse_port(const char *s, uint16_t *port);
int dpoctl_parse_fd(const char *s, int *fd);
int dpoctl_parse_listener_id(const char *s, uint32_t *id);
int dpoctl_check_session_name(const char *s);
/*
 * A drain's idle mark: 2 to 2 * DPO_DRAIN_IDLE_MARK_MAX hex digits, an
 * even number of them ("5a0000000549"), into @mark; *@len its bytes.
 */
int dpoctl_parse_idle_mark(const char *s, uint8_t *mark, uint8_t *len);

/* ... and back to text. */
const char *dpoctl_role_name(uint8_t role);
const char *dpoctl_owner_name(uint8_t owner);
/* enum dpo_conn_state: "idle", "busy", ...; "unknown" */
const char *dpoctl_conn_state_name(uint8_t state);
/* "850ms", "12.3s", "5m03s", "2h01m", "3d04h" */
void dpoctl_duration_str(char *buf, size_t len, uint64_t ns);
void dpoctl_exit_str(char *buf, size_t len, uint32_t status);
/* An idle mark as lower-case hex digits ("" for none); @len >= 33 */
void dpoctl_idle_mark_str(char *buf, size_t len, const uint8_t *mark,
			  uint8_t n);
/* "inet", "inet6" (as ip(8) -j), else "unknown" */
const char *dpoctl_family_name(int family);
/* @addr in network order (4 or 16 bytes): "10.0.0.1", "::1"; "?" if unknown */
void dpoctl_addr_str(char *buf, size_t len, int family, const void *addr);
/* ... with the port: "10.0.0.1:5432", "[::1]:5432" */
void dpoctl_addr_port_str(char *buf, size_t len, int family, const void *addr,
		       uint16_t port);

#endif
