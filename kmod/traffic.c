// SPDX-License-Identifier: GPL-2.0
/*
 * Per-instance traffic: connections, requests, bytes and request latency.
 *
 * Counted by the connection wrappers and turned into rates, a log2
 * latency histogram and its percentiles once per sample.
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

/* Readers may see a CPU's counters a few updates apart: fine for stats. */
void dpo_traffic_sum(struct dpo_traffic *t, struct dpo_traffic_counters *sum)
{
	int cpu, b;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct dpo_traffic_counters *c = per_cpu_ptr(t->pcpu, cpu);

		sum->accepted += READ_ONCE(c->accepted);
		sum->closed += READ_ONCE(c->closed);
		sum->requests += READ_ONCE(c->requests);
		sum->bytes_in += READ_ONCE(c->bytes_in);
		sum->bytes_out += READ_ONCE(c->bytes_out);
		sum->lat_sum_us += READ_ONCE(c->lat_sum_us);
		for (b = 0; b < DPO_LAT_BUCKETS; b++)
			sum->lat_hist[b] += READ_ONCE(c->lat_hist[b]);
	}
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

void dpo_traffic_sample(const struct dpo_traffic_counters *prev,
			const struct dpo_traffic_counters *now, u64 dt_ns,
			struct dpo_traffic_sample *out)
{
	unsigned int b;
	u64 n = 0;

	memset(out, 0, sizeof(*out));
	out->valid = true;
	out->accepted = now->accepted;
	out->active = delta(now->accepted, now->closed);
	out->requests = now->requests;
	out->bytes_in = now->bytes_in;
	out->bytes_out = now->bytes_out;
	if (!prev || !dt_ns)
		return;

	out->have_interval = true;
	out->accepted_per_s = per_second(delta(now->accepted, prev->accepted),
					 dt_ns);
	out->requests_per_s = per_second(delta(now->requests, prev->requests),
					 dt_ns);
	out->bytes_in_per_s = per_second(delta(now->bytes_in, prev->bytes_in),
					 dt_ns);
	out->bytes_out_per_s = per_second(delta(now->bytes_out,
						prev->bytes_out), dt_ns);
	for (b = 0; b < DPO_LAT_BUCKETS; b++) {
		out->lat_hist[b] = delta(now->lat_hist[b], prev->lat_hist[b]);
		n += out->lat_hist[b];
	}
	out->interval_requests = n;
	if (!n)
		return;
	out->lat_p50_us = dpo_lat_percentile_us(out->lat_hist, n, 50);
	out->lat_p99_us = dpo_lat_percentile_us(out->lat_hist, n, 99);
	out->lat_mean_us = div64_u64(delta(now->lat_sum_us, prev->lat_sum_us),
				     n);
}
