// SPDX-License-Identifier: GPL-2.0
/*
 * Per-instance traffic: connections, requests, bytes and request latency.
 *
 * Counted by the connection wrappers and turned into rates, a log-linear
 * latency histogram (kmod/lat_hist.h) and its percentiles once per sample.
 */
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "lat_hist.h"
#include "traffic.h"

struct dpo_traffic *dpo_traffic_new(void)
{
	struct dpo_traffic *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	t->pcpu = alloc_percpu(struct dpo_traffic_counters);
	if (!t->pcpu) {
		kfree(t);
		return NULL;
	}
	refcount_set(&t->ref, 1);
	return t;
}

void dpo_traffic_put(struct dpo_traffic *t)
{
	if (t && refcount_dec_and_test(&t->ref)) {
		free_percpu(t->pcpu);
		kfree(t);
	}
}

void dpo_traffic_request_done(struct dpo_traffic *t, u64 latency_ns)
{
	u64 us = div_u64(latency_ns, NSEC_PER_USEC);

	this_cpu_add(t->pcpu->requests, 1);
	this_cpu_add(t->pcpu->lat_sum_us, us);
	this_cpu_add(t->pcpu->lat_hist[dpo_lat_bucket(us)], 1);
}

static u64 per_second(u64 delta, u64 dt_ns)
{
	return dt_ns ? mul_u64_u64_div_u64(delta, NSEC_PER_SEC, dt_ns) : 0;
}

/* Counters are monotonic, but a sum may race an update: clamp at zero. */
static u64 delta(u64 now, u64 prev)
{
	return now > prev ? now - prev : 0;
}

/*
 * The histograms are DPO_LAT_BUCKETS u64 (3.7 KB): none goes on the stack.
 * The CPUs' sum is made in @out's histogram, then turned into the
 * interval's while @prev takes the totals.
 */
void dpo_traffic_sample(struct dpo_traffic *t,
			struct dpo_traffic_counters *prev, bool have_prev,
			u64 dt_ns, struct dpo_traffic_sample *out)
{
	struct dpo_traffic_counters *c;
	u64 accepted = 0, closed = 0, lat_sum_us = 0, n = 0, now;
	unsigned int b;
	int cpu;

	memset(out, 0, sizeof(*out));
	/* Readers may see a CPU's counters a few updates apart: fine. */
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(t->pcpu, cpu);
		accepted += READ_ONCE(c->accepted);
		closed += READ_ONCE(c->closed);
		out->requests += READ_ONCE(c->requests);
		out->bytes_in += READ_ONCE(c->bytes_in);
		out->bytes_out += READ_ONCE(c->bytes_out);
		lat_sum_us += READ_ONCE(c->lat_sum_us);
		for (b = 0; b < DPO_LAT_BUCKETS; b++)
			out->lat_hist[b] += READ_ONCE(c->lat_hist[b]);
	}
	out->valid = true;
	out->accepted = accepted;
	out->active = delta(accepted, closed);

	if (have_prev && dt_ns) {
		out->have_interval = true;
		out->accepted_per_s = per_second(delta(accepted,
						       prev->accepted), dt_ns);
		out->requests_per_s = per_second(delta(out->requests,
						       prev->requests), dt_ns);
		out->bytes_in_per_s = per_second(delta(out->bytes_in,
						       prev->bytes_in), dt_ns);
		out->bytes_out_per_s = per_second(delta(out->bytes_out,
							prev->bytes_out),
						  dt_ns);
	}
	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		now = out->lat_hist[b];
		out->lat_hist[b] = out->have_interval ?
			delta(now, prev->lat_hist[b]) : 0;
		n += out->lat_hist[b];
		out->lat_buckets_used += !!out->lat_hist[b];
		prev->lat_hist[b] = now;
	}
	if (n) {
		out->interval_requests = n;
		out->lat_p50_us = dpo_lat_percentile_us(out->lat_hist, n, 50);
		out->lat_p99_us = dpo_lat_percentile_us(out->lat_hist, n, 99);
		out->lat_mean_us = div64_u64(delta(lat_sum_us,
						   prev->lat_sum_us), n);
	}
	prev->accepted = accepted;
	prev->closed = closed;
	prev->requests = out->requests;
	prev->bytes_in = out->bytes_in;
	prev->bytes_out = out->bytes_out;
	prev->lat_sum_us = lat_sum_us;
}
