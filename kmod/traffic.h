/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DPO_TRAFFIC_H
#define _DPO_TRAFFIC_H

#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/types.h>
#include <uapi/linux/dpo.h>

/*
 * What one instance's connections did, counted per CPU so that the socket
 * wrappers never share a cache line. Shared by the instance and its
 * connections (a connection may outlive its instance's tracking). The
 * histogram (kmod/lat_hist.h) makes it 3.7 KB per CPU.
 */
struct dpo_traffic_counters {
	u64 accepted;
	u64 closed;
	u64 requests;
	u64 bytes_in;
	u64 bytes_out;
	u64 lat_sum_us;
	u64 lat_hist[DPO_LAT_BUCKETS];
};

/* Counted with this_cpu_add(): no lock, no shared cache line. */
struct dpo_traffic {
	refcount_t ref;
	struct dpo_traffic_counters __percpu *pcpu;
};

/* One sample's view: totals, and what happened since the previous one. */
struct dpo_traffic_sample {
	bool valid;			/* the totals are set */
	bool have_interval;		/* rates and latency are set */
	u64 accepted, active, requests, bytes_in, bytes_out;
	u64 accepted_per_s, requests_per_s, bytes_in_per_s, bytes_out_per_s;
	u64 interval_requests;		/* latencies in lat_hist */
	unsigned int lat_buckets_used;	/* non-empty buckets of lat_hist */
	u64 lat_p50_us, lat_p99_us, lat_mean_us;
	u64 lat_hist[DPO_LAT_BUCKETS];
};

struct dpo_traffic *dpo_traffic_new(void);
void dpo_traffic_put(struct dpo_traffic *t);

static inline struct dpo_traffic *dpo_traffic_get(struct dpo_traffic *t)
{
	refcount_inc(&t->ref);
	return t;
}

void dpo_traffic_request_done(struct dpo_traffic *t, u64 latency_ns);
void dpo_traffic_sample(struct dpo_traffic *t,
			struct dpo_traffic_counters *prev, bool have_prev,
			u64 dt_ns, struct dpo_traffic_sample *out);

#endif /* _DPO_TRAFFIC_H */
