// SPDX-License-Identifier: GPL-2.0
/* Failed requests: the errno and extended ACK of NLMSG_ERROR, NLMSG_DONE. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/dpo.h>

#include "error.h"

void dpoctl_error_clear(struct dpoctl_error *e)
{
	memset(e, 0, sizeof(*e));
	e->miss_type = -1;
}

int dpoctl_error_set(struct dpoctl_error *e, int err, const char *msg)
{
	int cmd = e->cmd;

	dpoctl_error_clear(e);
	e->cmd = cmd;
	e->err = err;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	return -err;
}

/* Walks the TLVs by hand: one malformed TLV must not hide the others. */
static void parse_tlvs(struct dpoctl_error *e, const void *head, size_t len)
{
	const struct nlattr *nla = head;
	size_t alen, step;

	while (len >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN &&
	       nla->nla_len <= len) {
		alen = nla->nla_len - NLA_HDRLEN;
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			alen = strnlen((const char *)nla + NLA_HDRLEN, alen);
			if (alen >= sizeof(e->msg))
				alen = sizeof(e->msg) - 1;
			memcpy(e->msg, (const char *)nla + NLA_HDRLEN, alen);
			e->msg[alen] = '\0';
			break;
		case NLMSGERR_ATTR_POLICY:
			e->policy = true;
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (alen >= sizeof(uint32_t)) {
				uint32_t t;

				memcpy(&t, (const char *)nla + NLA_HDRLEN,
				       sizeof(t));
				e->miss_type = (int)t;
			}
			break;
		}
		step = NLA_ALIGN((size_t)nla->nla_len);
		if (step >= len)
			break;
		len -= step;
		nla = (const void *)((const char *)nla + step);
	}
}

/* Calls parse_tlvs() on the TLVs at @off bytes into the payload, if any. */
static void parse_tlvs_at(struct dpoctl_error *e, const struct nlmsghdr *nlh,
			  size_t off)
{
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;

	off = NLMSG_ALIGN(off);
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen)
		parse_tlvs(e, (const char *)NLMSG_DATA(nlh) + off, plen - off);
}

/*
 * NLMSG_ERROR: struct nlmsgerr, whose copy of the request is only the
 * header with NETLINK_CAP_ACK (NLM_F_CAPPED), then the TLVs.
 */
void dpoctl_error_from_nlmsgerr(struct dpoctl_error *e, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *ne = NLMSG_DATA(nlh);
	size_t off = sizeof(*ne);

	dpoctl_error_clear(e);
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ne))) {
		e->err = EPROTO;
		return;
	}
	e->err = -ne->error;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    ne->msg.nlmsg_len > NLMSG_HDRLEN)
		off += ne->msg.nlmsg_len - NLMSG_HDRLEN;
	parse_tlvs_at(e, nlh, off);
}

/* NLMSG_DONE of a dump: an int, negative if the dump failed, then TLVs. */
void dpoctl_error_from_done(struct dpoctl_error *e, const struct nlmsghdr *nlh)
{
	int err;

	dpoctl_error_clear(e);
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return;
	memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
	if (err >= 0)
		return;
	e->err = -err;
	parse_tlvs_at(e, nlh, sizeof(int));
}

