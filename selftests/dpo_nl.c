// SPDX-License-Identifier: GPL-2.0
/* Raw generic netlink helpers for the dpo selftests. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "dpo_nl.h"
#include "netlink/dpo-desc.h"

#define RBUF_SIZE	(64 * 1024)

/* Receive buffers, one per open socket, indexed by fd (tests open few). */
#define MAX_FDS		256
static struct {
	char *buf;
	int len, off;
} rbufs[MAX_FDS];

static char *rbuf_of(struct dt_sock *nl)
{
	return rbufs[nl->fd].buf;
}

int dt_open(struct dt_sock *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	int one = 1;
	struct timespec ts;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl->fd < 0)
		return -errno;
	if (nl->fd >= MAX_FDS) {
		close(nl->fd);
		nl->fd = -1;
		return -EMFILE;
	}
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &salen)) {
		int err = -errno;

		close(nl->fd);
		nl->fd = -1;
		return err;
	}
	nl->portid = sa.nl_pid;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	nl->seq = (__u32)ts.tv_nsec;
	if (!rbufs[nl->fd].buf)
		rbufs[nl->fd].buf = malloc(RBUF_SIZE);
	if (!rbufs[nl->fd].buf) {
		close(nl->fd);
		nl->fd = -1;
		return -ENOMEM;
	}
	rbufs[nl->fd].len = rbufs[nl->fd].off = 0;
	return 0;
}

void dt_close(struct dt_sock *nl)
{
	if (nl->fd >= 0 && nl->fd < MAX_FDS) {
		rbufs[nl->fd].len = rbufs[nl->fd].off = 0;
		close(nl->fd);
	}
	nl->fd = -1;
}

int dt_set_rcvbuf(struct dt_sock *nl, int bytes)
{
	if (!setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)))
		return 0;
	if (!setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return 0;
	return -errno;
}

/* ---- building ---------------------------------------------------------- */

void dt_msg_init(struct dt_msg *m, __u16 type, __u16 flags, __u8 cmd, __u8 ver)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = ver;
}

void dt_msg_dpo(struct dt_msg *m, const struct dt_sock *nl, __u8 cmd, __u16 flags)
{
	dt_msg_init(m, nl->family, flags, cmd, DPO_GENL_VERSION);
}

__u32 dt_put(struct dt_msg *m, __u16 type, const void *data, size_t len)
{
	__u32 off = NLMSG_ALIGN(m->nlh.nlmsg_len);
	struct nlattr *nla = (struct nlattr *)(m->buf + off);

	if (off + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf)) {
		fprintf(stderr, "# dt_put: message too long\n");
		abort();
	}
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->nlh.nlmsg_len = off + NLA_HDRLEN + NLA_ALIGN(len);
	return off;
}

__u32 nlm_put_u8(struct dt_msg *m, __u16 type, __u8 v)
{
	return dt_put(m, type, &v, sizeof(v));
}

__u32 nlm_put_u16(struct dt_msg *m, __u16 type, __u16 v)
{
	return dt_put(m, type, &v, sizeof(v));
}

__u32 nlm_put_u32(struct dt_msg *m, __u16 type, __u32 v)
{
	return dt_put(m, type, &v, sizeof(v));
}

__u32 nlm_put_u64(struct dt_msg *m, __u16 type, __u64 v)
{
	return dt_put(m, type, &v, sizeof(v));
}

__u32 dt_put_str(struct dt_msg *m, __u16 type, const char *s)
{
	return dt_put(m, type, s, strlen(s) + 1);
}

void dt_put_raw(struct dt_msg *m, const void *data, size_t len)
{
	__u32 off = m->nlh.nlmsg_len;

	if (off + len > sizeof(m->buf))
		abort();
	memcpy(m->buf + off, data, len);
	m->nlh.nlmsg_len = off + len;
}

void dt_nest_start(struct dt_msg *m, __u16 type)
{
	if (m->nests >= 4)
		abort();
	m->nest_off[m->nests++] = dt_put(m, type | NLA_F_NESTED, NULL, 0);
}

void dt_nest_end(struct dt_msg *m)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + m->nest_off[--m->nests]);

	nla->nla_len = m->nlh.nlmsg_len - m->nest_off[m->nests];
}

/* ---- attribute helpers ------------------------------------------------- */

#define for_each_nla(nla, head, len, rem)				\
	for (nla = (head), rem = (len);					\
	     rem >= (int)sizeof(*nla) && nla->nla_len >= sizeof(*nla) &&\
	     (int)nla->nla_len <= rem;					\
	     rem -= NLA_ALIGN(nla->nla_len),				\
	     nla = (struct nlattr *)((char *)nla + NLA_ALIGN(nla->nla_len)))

static inline void *nla_data(const struct nlattr *nla)
{
	return (char *)nla + NLA_HDRLEN;
}

static inline int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static int get_str(const struct nlattr *nla, char *dst, size_t size)
{
	int len = nla_len(nla);

	if (len < 1 || ((char *)nla_data(nla))[len - 1] != '\0')
		return -EBADMSG;
	snprintf(dst, size, "%s", (char *)nla_data(nla));
	return 0;
}

static int get_int(const struct nlattr *nla, void *dst, int size)
{
	if (nla_len(nla) != size)
		return -EBADMSG;
	memcpy(dst, nla_data(nla), size);
	return 0;
}

/* ---- acks ---------------------------------------------------------------- */

static void parse_ack_tlvs(const struct nlattr *head, int len, struct dt_ack *ack)
{
	const struct nlattr *nla;
	int rem;

	for_each_nla(nla, head, len, rem) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case NLMSGERR_ATTR_MSG:
			get_str(nla, ack->msg, sizeof(ack->msg));
			break;
		case NLMSGERR_ATTR_OFFS:
			ack->has_offs = !get_int(nla, &ack->offs, 4);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			ack->has_miss_type = !get_int(nla, &ack->miss_type, 4);
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			ack->has_miss_nest = !get_int(nla, &ack->miss_nest, 4);
			break;
		}
	}
}

static void parse_error(const struct nlmsghdr *nlh, struct dt_ack *ack)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const char *tlv;

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
		ack->err = EBADMSG;
		snprintf(ack->msg, sizeof(ack->msg), "selftest: short NLMSG_ERROR");
		return;
	}
	ack->err = -e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		tlv = (const char *)&e->msg + sizeof(e->msg);
	else
		tlv = (const char *)&e->msg + NLMSG_ALIGN(e->msg.nlmsg_len);
	if (tlv < end)
		parse_ack_tlvs((const struct nlattr *)tlv, end - tlv, ack);
}

static void parse_done(const struct nlmsghdr *nlh, struct dt_ack *ack)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const char *tlv;
	int err = 0;

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
		memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
	ack->err = -err;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	tlv = (const char *)NLMSG_DATA(nlh) + NLMSG_ALIGN(sizeof(int));
	if (tlv < end)
		parse_ack_tlvs((const struct nlattr *)tlv, end - tlv, ack);
}

/* ---- transport ----------------------------------------------------------- */

static int dt_send(struct dt_sock *nl, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t ret;

	ret = sendto(nl->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (ret < 0)
		return -errno;
	if ((size_t)ret != len)
		return -EMSGSIZE;
	return 0;
}

/* One datagram into the socket's buffer; -ETIMEDOUT after @timeout_ms. */
static int dt_fill(struct dt_sock *nl, int timeout_ms)
{
	struct pollfd pfd = { .fd = nl->fd, .events = POLLIN };
	char *buf = rbuf_of(nl);
	struct iovec iov = { buf, RBUF_SIZE };
	struct sockaddr_nl sa;
	struct msghdr mh = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;
	int ret;

	for (;;) {
		ret = poll(&pfd, 1, timeout_ms);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (ret == 0)
			return -ETIMEDOUT;
		n = recvmsg(nl->fd, &mh, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			if (errno == ENOBUFS)
				nl->overruns++;
			return -errno;
		}
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		rbufs[nl->fd].len = n;
		rbufs[nl->fd].off = 0;
		return 0;
	}
}

/* Next netlink message from the socket, or -errno. */
static int dt_next(struct dt_sock *nl, struct nlmsghdr **out, int timeout_ms)
{
	struct nlmsghdr *nlh;
	int left, ret;

	for (;;) {
		left = rbufs[nl->fd].len - rbufs[nl->fd].off;
		nlh = (struct nlmsghdr *)(rbuf_of(nl) + rbufs[nl->fd].off);
		if (left > 0 && NLMSG_OK(nlh, (unsigned int)left)) {
			rbufs[nl->fd].off += NLMSG_ALIGN(nlh->nlmsg_len);
			*out = nlh;
			return 0;
		}
		rbufs[nl->fd].len = rbufs[nl->fd].off = 0;
		ret = dt_fill(nl, timeout_ms);
		if (ret)
			return ret;
	}
}

typedef int (*reply_cb)(const struct nlmsghdr *nlh, void *arg);

#define REPLY_TIMEOUT_MS	20000

/*
 * Send and collect everything with our sequence number until the ack (doit)
 * or NLMSG_DONE (dump). Returns the ack's -errno.
 */
static int dt_transact(struct dt_sock *nl, struct dt_msg *m, bool dump,
		       struct dt_ack *ack, reply_cb cb, void *arg)
{
	struct dt_ack dummy;
	struct nlmsghdr *nlh;
	int ret, cb_err = 0;
	__u32 seq;

	if (!ack)
		ack = &dummy;
	memset(ack, 0, sizeof(*ack));
	seq = ++nl->seq;
	m->nlh.nlmsg_seq = seq;
	m->nlh.nlmsg_pid = 0;
	if (dump)
		m->nlh.nlmsg_flags |= NLM_F_DUMP;
	else
		m->nlh.nlmsg_flags |= NLM_F_ACK;
	rbufs[nl->fd].len = rbufs[nl->fd].off = 0;
	ret = dt_send(nl, m->buf, m->nlh.nlmsg_len);
	if (ret) {
		ack->err = -ret;
		snprintf(ack->msg, sizeof(ack->msg), "selftest: send: %s",
			 strerror(-ret));
		return ret;
	}
	for (;;) {
		ret = dt_next(nl, &nlh, REPLY_TIMEOUT_MS);
		if (ret) {
			ack->err = -ret;
			snprintf(ack->msg, sizeof(ack->msg),
				 "selftest: receive: %s", strerror(-ret));
			return ret;
		}
		if (nlh->nlmsg_seq != seq)
			continue;	/* stale, or a notification */
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			parse_error(nlh, ack);
			break;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			parse_done(nlh, ack);
			break;
		}
		if (cb && !cb_err)
			cb_err = cb(nlh, arg);
		if (!dump && !(nlh->nlmsg_flags & NLM_F_MULTI))
			continue;	/* wait for the ack */
	}
	if (!ack->err && cb_err) {
		ack->err = -cb_err;
		snprintf(ack->msg, sizeof(ack->msg),
			 "selftest: malformed reply: %s", strerror(-cb_err));
	}
	return -ack->err;
}

struct collect {
	struct dt_obj *objs;
	int max, n;
};

static int collect_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct collect *c = arg;
	struct dt_obj tmp;
	int ret;

	ret = dt_parse(nlh, c->n < c->max ? &c->objs[c->n] : &tmp);
	c->n++;
	return ret;
}

int dt_request(struct dt_sock *nl, struct dt_msg *m, struct dt_ack *ack,
	       struct dt_obj *reply)
{
	struct collect c = { .objs = reply, .max = reply ? 1 : 0 };

	if (reply)
		memset(reply, 0, sizeof(*reply));
	return dt_transact(nl, m, false, ack, collect_cb, &c);
}

int dt_dump(struct dt_sock *nl, struct dt_msg *m, struct dt_ack *ack,
	    struct dt_obj *replies, int max, int *nreplies)
{
	struct collect c = { .objs = replies, .max = max };
	int ret;

	ret = dt_transact(nl, m, true, ack, collect_cb, &c);
	if (nreplies)
		*nreplies = c.n;
	return ret;
}

int dt_batch(struct dt_sock *nl, struct dt_msg *const *m, int n,
	     struct dt_ack *acks)
{
	static char buf[256 * 1024];
	struct nlmsghdr *nlh;
	size_t len = 0;
	__u32 base = nl->seq + 1;
	int i, got = 0, ret;

	for (i = 0; i < n; i++) {
		size_t l = NLMSG_ALIGN(m[i]->nlh.nlmsg_len);

		if (len + l > sizeof(buf))
			return -EMSGSIZE;
		m[i]->nlh.nlmsg_seq = base + i;
		m[i]->nlh.nlmsg_pid = 0;
		m[i]->nlh.nlmsg_flags |= NLM_F_ACK;
		memcpy(buf + len, m[i]->buf, m[i]->nlh.nlmsg_len);
		memset(buf + len + m[i]->nlh.nlmsg_len, 0, l - m[i]->nlh.nlmsg_len);
		len += l;
		memset(&acks[i], 0, sizeof(acks[i]));
		acks[i].err = -1;
	}
	nl->seq += n;
	rbufs[nl->fd].len = rbufs[nl->fd].off = 0;
	ret = dt_send(nl, buf, len);
	if (ret)
		return ret;
	while (got < n) {
		ret = dt_next(nl, &nlh, REPLY_TIMEOUT_MS);
		if (ret)
			return ret;
		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    nlh->nlmsg_seq - base >= (__u32)n)
			continue;
		i = nlh->nlmsg_seq - base;
		if (acks[i].err == -1)
			got++;
		parse_error(nlh, &acks[i]);
	}
	return 0;
}

/* ---- family resolution --------------------------------------------------- */

static int parse_groups(const struct nlattr *head, int len, struct dt_sock *nl)
{
	const struct nlattr *grp, *a;
	int rem, rem2;

	for_each_nla(grp, head, len, rem) {
		char name[64] = "";
		__u32 id = 0;

		for_each_nla(a, (struct nlattr *)nla_data(grp), nla_len(grp), rem2) {
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				get_str(a, name, sizeof(name));
			else if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				get_int(a, &id, 4);
		}
		if (!strcmp(name, DPO_MCGRP_SAMPLES))
			nl->grp_samples = id;
		else if (!strcmp(name, DPO_MCGRP_EVENTS))
			nl->grp_events = id;
	}
	return 0;
}

static int parse_ops(const struct nlattr *head, int len, struct dt_sock *nl)
{
	const struct nlattr *op, *a;
	int rem, rem2;

	for_each_nla(op, head, len, rem) {
		__u32 id = 0, flags = 0;

		for_each_nla(a, (struct nlattr *)nla_data(op), nla_len(op), rem2) {
			if (a->nla_type == CTRL_ATTR_OP_ID)
				get_int(a, &id, 4);
			else if (a->nla_type == CTRL_ATTR_OP_FLAGS)
				get_int(a, &flags, 4);
		}
		if (nl->ops_count < (int)(sizeof(nl->ops) / sizeof(nl->ops[0]))) {
			nl->ops[nl->ops_count].id = id;
			nl->ops[nl->ops_count].flags = flags;
			nl->ops_count++;
		}
	}
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dt_sock *nl = arg;
	const struct nlattr *nla;
	int rem;

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -EBADMSG;
	for_each_nla(nla, (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN),
		     (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), rem) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case CTRL_ATTR_FAMILY_ID:
			get_int(nla, &nl->family, 2);
			break;
		case CTRL_ATTR_VERSION:
			get_int(nla, &nl->version, 4);
			break;
		case CTRL_ATTR_MAXATTR:
			get_int(nla, &nl->maxattr, 4);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			parse_groups(nla_data(nla), nla_len(nla), nl);
			break;
		case CTRL_ATTR_OPS:
			parse_ops(nla_data(nla), nla_len(nla), nl);
			break;
		}
	}
	return 0;
}

int dt_resolve(struct dt_sock *nl)
{
	struct dt_msg m;

	nl->family = 0;
	nl->version = nl->maxattr = 0;
	nl->grp_samples = nl->grp_events = 0;
	nl->ops_count = 0;
	dt_msg_init(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 2);
	dt_put_str(&m, CTRL_ATTR_FAMILY_NAME, DPO_GENL_NAME);
	return dt_transact(nl, &m, false, NULL, family_cb, nl);
}

/* ---- groups and notifications -------------------------------------------- */

int dt_join(struct dt_sock *nl, __u32 group)
{
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &group, sizeof(group)))
		return -errno;
	return 0;
}

int dt_leave(struct dt_sock *nl, __u32 group)
{
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP,
		       &group, sizeof(group)))
		return -errno;
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int dt_recv_ntf(struct dt_sock *nl, struct dt_obj *o, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct nlmsghdr *nlh;
	int ret;

	for (;;) {
		long long left = deadline - now_ms();

		ret = dt_next(nl, &nlh, left > 0 ? (int)left : 0);
		if (ret)
			return ret;
		if (nlh->nlmsg_type != nl->family)
			continue;
		return dt_parse(nlh, o);
	}
}

/* ---- dpo messages -------------------------------------------------------- */

/*
 * Every attribute is checked against the spec (include/netlink/dpo-desc.h,
 * generated from include/netlink/specs/dpo.yaml): an attribute the spec
 * does not know, or one whose length does not fit its type, fails the
 * message. Then it is copied to its field of struct dt_obj.
 */
static int check_attr(const struct dpo_desc_attr *set, unsigned int cnt,
		      const struct nlattr *nla)
{
	static const int fixed[] = {
		[DPO_DESC_FLAG] = 0, [DPO_DESC_U8] = 1, [DPO_DESC_U16] = 2,
		[DPO_DESC_U32] = 4, [DPO_DESC_U64] = 8,
	};
	unsigned int t = nla->nla_type & NLA_TYPE_MASK;
	const char *str = nla_data(nla);
	int len = nla_len(nla);

	if (t >= cnt || !set[t].name)
		return -EBADMSG;
	switch (set[t].type) {
	case DPO_DESC_FLAG:
	case DPO_DESC_U8:
	case DPO_DESC_U16:
	case DPO_DESC_U32:
	case DPO_DESC_U64:
		return len == fixed[set[t].type] ? 0 : -EBADMSG;
	case DPO_DESC_STRING:
		if (len < 1 || str[len - 1] != '\0' ||
		    (set[t].max_len && strlen(str) > set[t].max_len))
			return -EBADMSG;
		return 0;
	case DPO_DESC_PAD:
	case DPO_DESC_BINARY:
	case DPO_DESC_NEST:
		return 0;
	default:
		return -EBADMSG;
	}
}

/* Where an attribute goes: a field of its exact size (strings: a buffer). */
struct field {
	size_t off, size;
};

#define OBJ(attr, member) [attr] = { offsetof(struct dt_obj, member), \
				     sizeof(((struct dt_obj *)0)->member) }
#define STATS(attr, member) [attr] = { offsetof(struct dt_stats, member), \
				       sizeof(((struct dt_stats *)0)->member) }

static const struct field obj_fields[__DPO_A_MAX] = {
	OBJ(DPO_A_VERSION, version),
	OBJ(DPO_A_SESSIONS, sessions),
	OBJ(DPO_A_INSTANCES, instances),
	OBJ(DPO_A_SAMPLES, samples),
	OBJ(DPO_A_SAMPLE_TIME_NS, sample_time_ns),
	OBJ(DPO_A_LISTENERS, listeners),
	OBJ(DPO_A_SESSION_NAME, session),
	OBJ(DPO_A_INTERVAL_MS, interval_ms),
	OBJ(DPO_A_PID, pid),
	OBJ(DPO_A_ROLE, role),
	OBJ(DPO_A_START_TIME_NS, start_time_ns),
	OBJ(DPO_A_EXIT_CODE, exit_code),
	OBJ(DPO_A_LISTENER_ID, listener_id),
	OBJ(DPO_A_FAMILY, family),
	OBJ(DPO_A_PORT, port),
	OBJ(DPO_A_OWNER, owner),
	OBJ(DPO_A_CANARY_PCT, canary_pct),
	OBJ(DPO_A_SWITCH_TIME_NS, switch_time_ns),
	OBJ(DPO_A_ACCEPTED_ORIGINAL, accepted_original),
	OBJ(DPO_A_ACCEPTED_PATCHED, accepted_patched),
	OBJ(DPO_A_ACCEPTED_OTHER, accepted_other),
	OBJ(DPO_A_PEER_PORT, peer_port),
	OBJ(DPO_A_CONN_STATE, conn_state),
	OBJ(DPO_A_ACCEPT_TIME_NS, accept_time_ns),
	OBJ(DPO_A_LAST_ACTIVITY_NS, last_activity_ns),
	OBJ(DPO_A_BYTES_IN, bytes_in),
	OBJ(DPO_A_BYTES_OUT, bytes_out),
	OBJ(DPO_A_REQUESTS, requests),
	OBJ(DPO_A_DEADLINE_MS, deadline_ms),
	OBJ(DPO_A_DRAIN_REMAINING, drain_remaining),
	OBJ(DPO_A_DRAIN_CLOSED_IDLE, drain_closed_idle),
	OBJ(DPO_A_DRAIN_CLOSED_BUSY, drain_closed_busy),
	OBJ(DPO_A_DRAIN_RESET, drain_reset),
	OBJ(DPO_A_DRAIN_GONE, drain_gone),
	OBJ(DPO_A_DRAIN_ELAPSED_NS, drain_elapsed_ns),
	OBJ(DPO_A_MIN_REQUESTS, drain_min_requests),
};

static const struct field stats_fields[__DPO_STATS_A_MAX] = {
	STATS(DPO_STATS_A_TIMESTAMP_NS, timestamp_ns),
	STATS(DPO_STATS_A_SEQ, seq),
	STATS(DPO_STATS_A_CPU_NS, cpu_ns),
	STATS(DPO_STATS_A_RUN_DELAY_NS, run_delay_ns),
	STATS(DPO_STATS_A_NVCSW, nvcsw),
	STATS(DPO_STATS_A_NIVCSW, nivcsw),
	STATS(DPO_STATS_A_MIN_FLT, min_flt),
	STATS(DPO_STATS_A_MAJ_FLT, maj_flt),
	STATS(DPO_STATS_A_RSS_BYTES, rss_bytes),
	STATS(DPO_STATS_A_THREADS, threads),
	STATS(DPO_STATS_A_CONNS_ACCEPTED, conns_accepted),
	STATS(DPO_STATS_A_CONNS_ACTIVE, conns_active),
	STATS(DPO_STATS_A_REQUESTS, requests),
	STATS(DPO_STATS_A_BYTES_IN, bytes_in),
	STATS(DPO_STATS_A_BYTES_OUT, bytes_out),
	STATS(DPO_STATS_A_ACCEPTED_PER_S, accepted_per_s),
	STATS(DPO_STATS_A_REQUESTS_PER_S, requests_per_s),
	STATS(DPO_STATS_A_BYTES_IN_PER_S, bytes_in_per_s),
	STATS(DPO_STATS_A_BYTES_OUT_PER_S, bytes_out_per_s),
	STATS(DPO_STATS_A_LAT_P50_US, lat_p50_us),
	STATS(DPO_STATS_A_LAT_P99_US, lat_p99_us),
	STATS(DPO_STATS_A_LAT_MEAN_US, lat_mean_us),
};

/* A checked scalar or string into its field: 0 or -EBADMSG. */
static int copy_field(void *base, const struct field *f,
		      const struct nlattr *nla, enum dpo_desc_type type)
{
	if (type == DPO_DESC_STRING) {
		if (nla_len(nla) > (int)f->size)
			return -EBADMSG;
	} else if (nla_len(nla) != (int)f->size) {
		return -EBADMSG;	/* the field does not fit the spec */
	}
	memcpy((char *)base + f->off, nla_data(nla), nla_len(nla));
	return 0;
}

/* An address attribute: 4 or 16 bytes. */
static int copy_addr(__u8 *dst, int *dst_len, const struct nlattr *nla)
{
	if (nla_len(nla) != 4 && nla_len(nla) != 16)
		return -EBADMSG;
	*dst_len = nla_len(nla);
	memcpy(dst, nla_data(nla), *dst_len);
	return 0;
}

/* DPO_A_DRAIN_IDLE_MARK: 1 to DPO_DRAIN_IDLE_MARK_MAX bytes. */
static int copy_mark(struct dt_obj *o, const struct nlattr *nla)
{
	if (nla_len(nla) < 1 || nla_len(nla) > DPO_DRAIN_IDLE_MARK_MAX)
		return -EBADMSG;
	o->drain_idle_mark_len = nla_len(nla);
	memcpy(o->drain_idle_mark, nla_data(nla), nla_len(nla));
	return 0;
}

/* One DPO_LAT_HIST_A_BUCKET: both its index and its count, once each. */
static int parse_lat_bucket(const struct nlattr *head, int len,
			    struct dt_stats *s)
{
	const struct nlattr *nla;
	__u64 count = 0;
	__u32 index = 0;
	int rem, err = 0, have = 0;

	for_each_nla(nla, head, len, rem) {
		int t = nla->nla_type & NLA_TYPE_MASK;

		err = err ?: check_attr(dpo_desc_lat_bucket_attrs,
					__DPO_LAT_BUCKET_A_MAX, nla);
		if (err || t == DPO_LAT_BUCKET_A_PAD)
			continue;
		if (have & (1 << t))
			err = -EBADMSG;
		have |= 1 << t;
		if (t == DPO_LAT_BUCKET_A_INDEX)
			memcpy(&index, nla_data(nla), 4);
		else if (t == DPO_LAT_BUCKET_A_COUNT)
			memcpy(&count, nla_data(nla), 8);
	}
	if (rem || err ||
	    have != (1 << DPO_LAT_BUCKET_A_INDEX | 1 << DPO_LAT_BUCKET_A_COUNT) ||
	    index >= DPO_LAT_BUCKETS || !count ||
	    s->lat_have[index / 64] & (1ULL << (index % 64)))
		return err ?: -EBADMSG;
	s->lat_have[index / 64] |= 1ULL << (index % 64);
	s->lat_hist[index] = count;
	return 0;
}

/* DPO_STATS_A_LAT_HIST: one BUCKET nest per non-empty bucket. */
static int parse_lat_hist(const struct nlattr *head, int len, struct dt_stats *s)
{
	const struct nlattr *nla;
	int rem, err = 0;

	for_each_nla(nla, head, len, rem) {
		err = err ?: check_attr(dpo_desc_lat_hist_attrs,
					__DPO_LAT_HIST_A_MAX, nla);
		if (err)
			continue;
		err = parse_lat_bucket(nla_data(nla), nla_len(nla), s);
	}
	if (rem)
		err = err ?: -EBADMSG;
	return err;
}

static int parse_stats(const struct nlattr *head, int len, struct dt_stats *s)
{
	const struct nlattr *nla;
	int rem, err = 0;

	for_each_nla(nla, head, len, rem) {
		int t = nla->nla_type & NLA_TYPE_MASK;

		err = err ?: check_attr(dpo_desc_stats_attrs,
					__DPO_STATS_A_MAX, nla);
		if (err || t == DPO_STATS_A_PAD)
			continue;
		if (t == DPO_STATS_A_LAT_HIST)
			err = parse_lat_hist(nla_data(nla), nla_len(nla), s);
		else
			err = copy_field(s, &stats_fields[t], nla,
					 dpo_desc_stats_attrs[t].type);
		s->have |= 1ULL << t;
	}
	if (rem)
		err = err ?: -EBADMSG;
	return err;
}

int dt_parse(const struct nlmsghdr *nlh, struct dt_obj *o)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	const struct nlattr *nla;
	int rem, err = 0;

	memset(o, 0, sizeof(*o));
	if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -EBADMSG;
	o->cmd = g->cmd;
	for_each_nla(nla, (struct nlattr *)((char *)g + GENL_HDRLEN),
		     (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), rem) {
		int t = nla->nla_type & NLA_TYPE_MASK;
		enum dpo_desc_type type;

		err = err ?: check_attr(dpo_desc_dpo_attrs, __DPO_A_MAX, nla);
		if (err || t == DPO_A_PAD)
			continue;
		type = dpo_desc_dpo_attrs[t].type;
		if (t == DPO_A_STATS)
			err = parse_stats(nla_data(nla), nla_len(nla), &o->stats);
		else if (t == DPO_A_ADDR)
			err = copy_addr(o->addr, &o->addr_len, nla);
		else if (t == DPO_A_PEER_ADDR)
			err = copy_addr(o->peer_addr, &o->peer_addr_len, nla);
		else if (t == DPO_A_DRAIN_IDLE_MARK)
			err = copy_mark(o, nla);
		else if (type != DPO_DESC_FLAG)	/* flags: DPO_HAS() */
			err = copy_field(o, &obj_fields[t], nla, type);
		o->have |= 1ULL << t;	/* t <= DPO_A_MAX < 64 */
	}
	if (rem)
		err = err ?: -EBADMSG;
	return err;
}

const char *dt_cmd_name(__u8 cmd)
{
	size_t n = sizeof(dpo_desc_cmd_names) / sizeof(dpo_desc_cmd_names[0]);

	if (cmd < n && dpo_desc_cmd_names[cmd])
		return dpo_desc_cmd_names[cmd];
	return "?";
}

unsigned int dt_lat_bucket(__u64 us)
{
	unsigned int k;

	if (us < DPO_LAT_SUB_BUCKETS)
		return us;
	if (us >> 32)
		return DPO_LAT_BUCKETS - 1;
	k = 63 - __builtin_clzll(us);
	return (k - 3) * 16 + ((us >> (k - 4)) & 15);
}

__u64 dt_lat_bucket_lo_us(unsigned int b)
{
	return b < 16 ? b : (__u64)(16 + b % 16) << (b / 16 - 1);
}

__u64 dt_lat_bucket_width_us(unsigned int b)
{
	return b < 16 ? 1 : 1ULL << (b / 16 - 1);
}

__u64 dt_lat_percentile_us(const __u64 *hist, __u64 n, unsigned int pct)
{
	__u64 rank = (n * pct + 99) / 100, below = 0;
	unsigned int b;

	for (b = 0; b < DPO_LAT_BUCKETS - 1; b++) {
		if (below + hist[b] >= rank)
			break;
		below += hist[b];
	}
	if (!hist[b])
		return dt_lat_bucket_lo_us(b);
	return dt_lat_bucket_lo_us(b) + dt_lat_bucket_width_us(b) *
	       (2 * (rank - below) - 1) / (2 * hist[b]);
}

_Static_assert(DPO_LAT_SUB_BUCKETS == 16 && DPO_LAT_BUCKETS == (32 - 3) * 16,
	       "dt_lat_bucket(): the layout of the spec changed");
