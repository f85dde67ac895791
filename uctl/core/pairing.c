// SPDX-License-Identifier: GPL-2.0
/* The engine's steps: an original interval and the patched one of its tick. */
#include <errno.h>
#include <string.h>
#include <linux/dpo.h>

#include "interval.h"
#include "pairing.h"

enum { ORIG, PATCHED };

void dpoctl_pairing_init(struct dpoctl_pairing *p, const char *session)
{
	memset(p, 0, sizeof(*p));
	strncpy(p->session, session, sizeof(p->session) - 1);
}

static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Drops the queued patched intervals up to and including index @i. */
static void dequeue(struct dpoctl_pairing *p, size_t i)
{
	size_t j;

	memmove(p->q, p->q + i + 1, (p->nq - i - 1) * sizeof(p->q[0]));
	p->nq -= i + 1;
	/* the histograms moved with their entries */
	for (j = 0; j < p->nq; j++)
		p->q[j].iv.lat_hist = p->q[j].iv.lat_hist_len ? p->q[j].hist : NULL;
}

/* Drops those that end before @t (they can pair with nothing later). */
static void drop_before(struct dpoctl_pairing *p, uint64_t t)
{
	size_t n = 0;

	while (n < p->nq && p->q[n].end_ns < t)
		n++;
	if (n)
		dequeue(p, n - 1);
}

/* Copies @n buckets of @from into @to; the interval's pointer follows. */
static void copy_hist(struct dpoctl_interval *iv, struct dpoctl_lat_bucket *to,
		      const struct dpoctl_lat_bucket *from)
{
	if (iv->lat_hist_len)
		memcpy(to, from, iv->lat_hist_len * sizeof(*to));
	iv->lat_hist = iv->lat_hist_len ? to : NULL;
}

/* The pending step goes, with the patched interval @e or none. */
static int emit(struct dpoctl_pairing *p, const struct dpoctl_pairing_entry *e,
		struct dpoctl_step *out)
{
	out->now_ns = p->step.now_ns;
	out->orig = p->step.orig;
	copy_hist(&out->orig, out->orig_hist, p->step.orig_hist);
	out->has_patched = e != NULL;
	if (e) {
		out->patched = e->iv;
		out->patched_ns = e->end_ns;
		copy_hist(&out->patched, out->patched_hist, e->hist);
	}
	p->pending = false;
	return 1;
}

static uint64_t window_lo(const struct dpoctl_pairing *p)
{
	return p->step.now_ns > p->half_ns ? p->step.now_ns - p->half_ns : 0;
}

/* A new original interval: paired now, pending, or alone. */
static int orig_interval(struct dpoctl_pairing *p, uint64_t t,
			 const struct dpoctl_interval *iv, struct dpoctl_step *out)
{
	const struct dpoctl_pairing_role *pr = &p->role[PATCHED];
	size_t i, best = 0;
	bool found = false;

	p->step.now_ns = t;
	p->step.orig = *iv;
	copy_hist(&p->step.orig, p->step.orig_hist, iv->lat_hist);
	p->step.has_patched = false;
	p->half_ns = (uint64_t)(iv->dt_s * 1e9) / 2;
	p->pending = true;
	drop_before(p, window_lo(p));
	for (i = 0; i < p->nq && p->q[i].end_ns <= t + p->half_ns; i++) {
		/* strictly closer: on a tie the earlier one stays */
		if (!found || dist(p->q[i].end_ns, t) < dist(p->q[best].end_ns, t))
			best = i;
		found = true;
	}
	if (found) {
		emit(p, &p->q[best], out);
		dequeue(p, best);
		return 1;
	}
	/* the patched sample of this tick may still come */
	if (pr->valid && pr->prev.timestamp_ns < window_lo(p))
		return 0;
	return emit(p, NULL, out);
}

/* A new patched interval ending at @t: pairs with the pending step or waits. */
static int patched_interval(struct dpoctl_pairing *p, uint64_t t,
			    const struct dpoctl_interval *iv,
			    struct dpoctl_step *out)
{
	struct dpoctl_pairing_entry e;
	int n = 0;

	e.end_ns = t;
	e.iv = *iv;
	copy_hist(&e.iv, e.hist, iv->lat_hist);
	if (p->pending) {
		if (t < window_lo(p))
			return 0;	/* too old for it and for later ones */
		if (t <= p->step.now_ns + p->half_ns)
			return emit(p, &e, out);
		n = emit(p, NULL, out);
	}
	if (p->nq == DPOCTL_PAIRING_QUEUE)
		dequeue(p, 0);
	p->q[p->nq] = e;
	/* the copy's histogram is its own */
	p->q[p->nq].iv.lat_hist = e.iv.lat_hist_len ? p->q[p->nq].hist : NULL;
	p->nq++;
	return n;
}

static int role_index(uint8_t role)
{
	if (role == DPO_ROLE_ORIGINAL)
		return ORIG;
	if (role == DPO_ROLE_PATCHED)
		return PATCHED;
	return -1;
}

/* The role starts over: a waiting step goes without a patched interval. */
static int reset(struct dpoctl_pairing *p, int r, struct dpoctl_step *out)
{
	int n = p->pending ? emit(p, NULL, out) : 0;

	p->role[r].valid = false;
	if (r == PATCHED)
		p->nq = 0;
	return n;
}

int dpoctl_pairing_add(struct dpoctl_pairing *p, const struct dpoctl_instance *in,
		       struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS])
{
	struct dpoctl_lat_bucket hist[DPO_LAT_BUCKETS];
	struct dpoctl_pairing_role *pr;
	struct dpoctl_interval iv;
	bool same;
	int r, ret, n = 0;

	if (!in->has_stats || strcmp(in->session, p->session))
		return 0;
	r = role_index(in->role);
	if (r < 0)
		return -EINVAL;
	pr = &p->role[r];
	same = pr->valid && pr->pid == in->pid &&
	       pr->start_time_ns == in->start_time_ns;
	if (same) {
		ret = dpoctl_interval_from_stats(&pr->prev, &in->stats, &iv, hist);
		if (ret)
			return ret;
	} else if (pr->valid) {
		n = reset(p, r, out);
	}
	pr->valid = true;
	pr->pid = in->pid;
	pr->start_time_ns = in->start_time_ns;
	pr->prev = in->stats;
	if (!same)
		return n;
	if (r == PATCHED)
		return patched_interval(p, in->stats.timestamp_ns, &iv, out);
	if (p->pending)
		n = emit(p, NULL, out);
	return n + orig_interval(p, in->stats.timestamp_ns, &iv, out + n);
}

int dpoctl_pairing_forget(struct dpoctl_pairing *p,
			  const struct dpoctl_instance *in,
			  struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS])
{
	int r = role_index(in->role);

	if (r < 0 || strcmp(in->session, p->session) || !p->role[r].valid ||
	    p->role[r].pid != in->pid ||
	    p->role[r].start_time_ns != in->start_time_ns)
		return 0;
	return reset(p, r, out);
}

int dpoctl_pairing_flush(struct dpoctl_pairing *p,
			 struct dpoctl_step out[DPOCTL_PAIRING_MAX_STEPS])
{
	return p->pending ? emit(p, NULL, out) : 0;
}
