// SPDX-License-Identifier: GPL-2.0
/*
 * The sample-stream generator of the engine benchmark.
 *
 * The model, per interval of dt_s and per role:
 * - load: L = 1 + load_amp * tanh(x), x an AR(1) with time constant
 *   load_tau_s and unit variance, the same for both roles (clients come
 *   and go for the whole database, not per instance);
 * - connections: the role's share of conns (1 for the original in the
 *   baseline, then 1 - share and share), +-2% noise;
 * - requests: Poisson(req_per_s x role share x L x dt), so a role's
 *   requests, CPU and faults per second scale with its share while its
 *   per-request values do not;
 * - latency: the interval's requests take a lognormal time whose median
 *   (p50) and 99th percentile (p99) change from interval to interval:
 *   p50 lognormal with CV cv_lat/2, p99 = p50 x a tail ratio with its own
 *   lognormal noise, together a CV of cv_lat; both ~ L^0.5. The requests
 *   of the interval are drawn into the kernel's log-linear histogram
 *   (sigma = ln(p99/p50) / z99; exactly multinomial, by inverting the
 *   CDF over the buckets within 6 sigma of the median), and the interval's
 *   p50, p99 and mean are read from that histogram as the kernel does:
 *   so a percentile of few requests has the bias and the noise it has in
 *   reality (the p99 of 80 requests is their largest). Without
 *   histograms (lat_hist = false), the model's p50 and p99 are reported,
 *   and the mean of the lognormal through them;
 * - CPU: requests x cpu_per_req x lognormal(cv_cpu); run delay a
 *   fraction of it with the same noise; faults Poisson(requests x per
 *   request); RSS a flat level with noise, of which the delta is given;
 * - shared bursts (a traffic spike, a host-wide stall): load x U(1, max)
 *   and p99 x U(1.5, max) on both roles for a few intervals;
 * - per-role bursts (one instance stalls: a checkpoint, a lock convoy, a
 *   page-cache miss storm): that role's p99 x U(1.5, max), its p50 x the
 *   cube root of that, its completed requests x 0.7, its run delay x 3.
 *   On the patched instance these look exactly like a short regression:
 *   the hard case for false rollbacks;
 * - the regression multiplies the patched instance's per-request values
 *   from exposure, as a step or a linear ramp.
 */
#include <math.h>

#include "sim.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void dpoctl_rng_seed(struct dpoctl_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
	r->has_spare = false;
	r->spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna) */
uint64_t dpoctl_rng_next(struct dpoctl_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double dpoctl_rng_uniform(struct dpoctl_rng *r)
{
	return (double)(dpoctl_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Marsaglia's polar method: two deviates per accepted pair */
double dpoctl_rng_normal(struct dpoctl_rng *r)
{
	double u, v, q, f;

	if (r->has_spare) {
		r->has_spare = false;
		return r->spare;
	}
	do {
		u = 2 * dpoctl_rng_uniform(r) - 1;
		v = 2 * dpoctl_rng_uniform(r) - 1;
		q = u * u + v * v;
	} while (q >= 1 || q == 0);
	f = sqrt(-2 * log(q) / q);
	r->spare = v * f;
	r->has_spare = true;
	return u * f;
}

/* mean 1, log-variance @s2 */
static double lognormal_s2(struct dpoctl_rng *r, double s2)
{
	if (s2 <= 0)
		return 1;
	return exp(sqrt(s2) * dpoctl_rng_normal(r) - s2 / 2);
}

double dpoctl_rng_lognormal(struct dpoctl_rng *r, double cv)
{
	return lognormal_s2(r, log1p(cv * cv));
}

/* Knuth's product below 10, Hoermann's PTRS (transformed rejection) above */
double dpoctl_rng_poisson(struct dpoctl_rng *r, double lambda)
{
	double slam, loglam, b, a, inva, vr;

	if (lambda <= 0)
		return 0;
	if (lambda < 10) {
		double lim = exp(-lambda), p = dpoctl_rng_uniform(r);
		double k = 0;

		while (p > lim) {
			p *= dpoctl_rng_uniform(r);
			k++;
		}
		return k;
	}
	slam = sqrt(lambda);
	loglam = log(lambda);
	b = 0.931 + 2.53 * slam;
	a = -0.059 + 0.02483 * b;
	inva = 1.1239 + 1.1328 / (b - 3.4);
	vr = 0.9277 - 3.6224 / (b - 2);
	for (;;) {
		double u = dpoctl_rng_uniform(r) - 0.5;
		double v = dpoctl_rng_uniform(r);
		double us = 0.5 - fabs(u);
		double k = floor((2 * a / us + b) * u + lambda + 0.43);

		if (us >= 0.07 && v <= vr)
			return k;
		if (k < 0 || (us < 0.013 && v > us))
			continue;
		if (log(v) + log(inva) - log(a / (us * us) + b) <=
		    -lambda + k * loglam - lgamma(k + 1))
			return k;
	}
}

void dpoctl_sim_regression_none(struct dpoctl_sim_regression *reg)
{
	*reg = (struct dpoctl_sim_regression){
		.lat_p50 = 1, .lat_p99 = 1, .cpu_per_req = 1,
		.min_flt_per_req = 1, .maj_flt_per_req = 1,
		.req_per_conn = 1, .ramp_s = 0,
	};
}

void dpoctl_sim_cfg_default(struct dpoctl_sim_cfg *cfg)
{
	*cfg = (struct dpoctl_sim_cfg){
		.dt_s = 0.1,
		.baseline_s = 60,
		.share = 0.2,
		.req_per_s = 4000,
		.conns = 200,
		.lat_p50_us = 400,
		.lat_p99_us = 2000,
		.cpu_per_req_us = 150,
		.run_delay_frac = 0.05,
		.min_flt_per_req = 2,
		.maj_flt_per_req = 0,	/* a warm page cache */
		.rss_sd_bytes = 256 << 10,
		.cv_lat = 0.2,
		.cv_cpu = 0.2,
		.load_amp = 0.25,
		.load_tau_s = 60,
		.lat_load_exp = 0.5,
		.shared_burst_per_s = 1.0 / 60,
		.shared_burst_min_s = 0.5,
		.shared_burst_max_s = 3,
		.shared_burst_load_max = 2,
		.shared_burst_p99_max = 3,
		.role_burst_per_s = 1.0 / 120,
		.role_burst_min_s = 0.2,
		.role_burst_max_s = 1.5,
		.role_burst_p99_max = 4,
		.lat_hist = true,
	};
	dpoctl_sim_regression_none(&cfg->reg);
}

static double gauss_rss(struct dpoctl_sim *s)
{
	return s->cfg.rss_sd_bytes * dpoctl_rng_normal(&s->rng);
}

unsigned int dpoctl_sim_bucket(double us)
{
	uint64_t v;
	unsigned int k;

	if (!(us >= 0))
		return 0;
	if (us < 16)
		return (unsigned int)us;
	if (us >= 0x1p32)
		return DPOCTL_SIM_HIST_BUCKETS - 1;
	v = (uint64_t)us;
	k = 63 - (unsigned int)__builtin_clzll(v);
	return (k - 3) * 16 + ((v >> (k - 4)) & 15);
}

double dpoctl_sim_bucket_lo(unsigned int b)
{
	return b < 16 ? b : (double)((uint64_t)(16 + b % 16) << (b / 16 - 1));
}

double dpoctl_sim_bucket_hi(unsigned int b)
{
	return b < 16 ? b + 1 : (double)((uint64_t)(17 + b % 16) << (b / 16 - 1));
}

/* as dpo_lat_percentile_us(): the middle of the rank's share, truncated */
double dpoctl_sim_hist_percentile(const struct dpoctl_lat_bucket *h,
				  uint32_t len, unsigned int pct)
{
	uint64_t n = 0, rank, below = 0;
	uint32_t i;

	for (i = 0; i < len; i++)
		n += h[i].count;
	if (!n)
		return 0;
	rank = (n * pct + 99) / 100;
	for (i = 0; i + 1 < len; i++) {
		if (below + h[i].count >= rank)
			break;
		below += h[i].count;
	}
	return h[i].lo_us + floor((h[i].hi_us - h[i].lo_us) *
				  (double)(2 * (rank - below) - 1) /
				  (double)(2 * h[i].count));
}

#define PHI_Z DPOCTL_SIM_PHI_Z
#define PHI_PER DPOCTL_SIM_PHI_PER
#define PHI_N DPOCTL_SIM_PHI_N

static void tables_init(struct dpoctl_sim *s)
{
	for (int i = 0; i < PHI_N; i++) {
		double z = -PHI_Z + (double)i / PHI_PER;

		s->phi_tab[i][0] = 0.5 * erfc(-z / M_SQRT2);
		s->phi_tab[i][1] = exp(-z * z / 2) / sqrt(2 * M_PI);
	}
	s->ln_lo[0] = -INFINITY;
	for (unsigned int b = 1; b < DPOCTL_SIM_HIST_BUCKETS; b++)
		s->ln_lo[b] = log(dpoctl_sim_bucket_lo(b));
	s->ln_lo[DPOCTL_SIM_HIST_BUCKETS] = 32 * M_LN2;
}

/*
 * The standard normal's CDF: cubic Hermite interpolation of the table's
 * values and derivatives, error below h^4/384 x max|phi'''| < 2e-9.
 */
static double phi_cdf(const struct dpoctl_sim *s, double z)
{
	const double h = 1.0 / PHI_PER;
	double x, t, t2, t3;
	const double *a, *b;
	int i;

	if (!(z > -PHI_Z))
		return 0;
	if (z >= PHI_Z)
		return 1;
	x = (z + PHI_Z) * PHI_PER;
	i = (int)x;
	if (i > PHI_N - 2)
		i = PHI_N - 2;
	t = x - i;
	t2 = t * t;
	t3 = t2 * t;
	a = s->phi_tab[i];
	b = s->phi_tab[i + 1];
	return (2 * t3 - 3 * t2 + 1) * a[0] + (t3 - 2 * t2 + t) * h * a[1] +
	       (3 * t2 - 2 * t3) * b[0] + (t3 - t2) * h * b[1];
}

void dpoctl_sim_init(struct dpoctl_sim *s, const struct dpoctl_sim_cfg *cfg,
		     uint64_t seed)
{
	*s = (struct dpoctl_sim){ .cfg = *cfg };
	tables_init(s);
	dpoctl_rng_seed(&s->rng, seed);
	s->load_x = dpoctl_rng_normal(&s->rng);	/* stationary from the start */
	s->shared_last = UINT64_MAX;
	for (int r = 0; r < DPOCTL_SIM_ROLES; r++) {
		s->rss[r] = gauss_rss(s);
		s->role_last[r] = UINT64_MAX;
	}
}

static uint64_t baseline_intervals(const struct dpoctl_sim *s)
{
	return (uint64_t)llround(s->cfg.baseline_s / s->cfg.dt_s);
}

double dpoctl_sim_exposed_s(const struct dpoctl_sim *s)
{
	return ((double)s->k - (double)baseline_intervals(s)) * s->cfg.dt_s;
}

static double uniform_in(struct dpoctl_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * dpoctl_rng_uniform(r);
}

/* A burst starts with probability per_s x dt; its length in intervals. */
static uint32_t burst_start(struct dpoctl_sim *s, double per_s, double min_s,
			    double max_s)
{
	long n;

	if (per_s <= 0 || dpoctl_rng_uniform(&s->rng) >= per_s * s->cfg.dt_s)
		return 0;
	n = lround(uniform_in(&s->rng, min_s, max_s) / s->cfg.dt_s);
	return n < 1 ? 1 : (uint32_t)n;
}

/* A regression factor @f at @t_s after exposure. */
static double ramped(double f, double ramp_s, double t_s)
{
	if (ramp_s > 0 && t_s < ramp_s)
		return 1 + (f - 1) * (t_s > 0 ? t_s / ramp_s : 0);
	return f;
}

/* z of the 99th percentile of a normal */
#define Z99 2.3263478740408408
/* the histogram covers the lognormal within this many sigma of its median */
#define HIST_SIGMAS 6.0

/*
 * @n requests of a lognormal with median @p50 and 99th percentile @p99
 * into the kernel's buckets, as s->hist[role]; returns the buckets used.
 * Each request's bucket by inverting the CDF over the buckets within
 * HIST_SIGMAS (what lies beyond, 2e-9 of the requests, is left out), with
 * a guide table (Chen and Asau) so that a request costs a uniform and a
 * comparison or two: an exact multinomial draw of the counts.
 */
static uint32_t draw_hist(struct dpoctl_sim *s, int role, uint64_t n,
			  double p50, double p99)
{
	double cdf[DPOCTL_SIM_HIST_BUCKETS + 1], mu, sig, c0, scale;
	uint16_t guide[DPOCTL_SIM_HIST_BUCKETS];
	uint32_t cnt[DPOCTL_SIM_HIST_BUCKETS] = { 0 }, len = 0;
	struct dpoctl_lat_bucket *h = s->hist[role];
	unsigned int b0, b1, nb, i, j;

	mu = log(p50);
	sig = log(p99 / p50) / Z99;
	if (!(sig > 1e-9)) {
		b0 = dpoctl_sim_bucket(p50);
		nb = 1;
		cnt[0] = (uint32_t)n;
	} else {
		b0 = dpoctl_sim_bucket(exp(mu - HIST_SIGMAS * sig));
		b1 = dpoctl_sim_bucket(exp(mu + HIST_SIGMAS * sig));
		nb = b1 - b0 + 1;
		for (i = 0; i <= nb; i++)
			cdf[i] = phi_cdf(s, (s->ln_lo[b0 + i] - mu) / sig);
		/* the CDF over the range, scaled to [0, nb] */
		c0 = cdf[0];
		scale = nb / (cdf[nb] - c0);
		for (i = 0; i <= nb; i++)
			cdf[i] = (cdf[i] - c0) * scale;
		cdf[nb] = nb;
		/* guide[j]: the first bucket whose end is beyond j */
		for (i = 0, j = 0; i < nb; i++)
			while (j < nb && j < cdf[i + 1])
				guide[j++] = (uint16_t)i;
		while (j < nb)
			guide[j++] = (uint16_t)(nb - 1);
		for (uint64_t k = 0; k < n; k++) {
			double u = dpoctl_rng_uniform(&s->rng) * nb;

			i = guide[(unsigned int)u];
			while (cdf[i + 1] <= u)
				i++;
			cnt[i]++;
		}
	}
	for (i = 0; i < nb; i++)
		if (cnt[i])
			h[len++] = (struct dpoctl_lat_bucket){
				.lo_us = dpoctl_sim_bucket_lo(b0 + i),
				.hi_us = dpoctl_sim_bucket_hi(b0 + i),
				.count = cnt[i],
			};
	return len;
}

/* The mean as the kernel has it: whole us summed, divided, truncated. */
static double hist_mean(const struct dpoctl_lat_bucket *h, uint32_t len)
{
	double sum = 0, n = 0;

	for (uint32_t i = 0; i < len; i++) {
		/* the mean of the whole us in [lo, hi) */
		sum += h[i].count * (h[i].lo_us + h[i].hi_us - 1) / 2;
		n += h[i].count;
	}
	return n ? floor(sum / n) : 0;
}

static void role_interval(struct dpoctl_sim *s, int role, double share,
			  double load, double t_s, struct dpoctl_interval *out)
{
	const struct dpoctl_sim_cfg *c = &s->cfg;
	struct dpoctl_rng *r = &s->rng;
	struct dpoctl_sim_regression reg;
	double lf, p50f, p99f, lam, req, s99, s50, tail, rss, p50;
	bool stall = s->role_left[role] > 0;

	/* every field, the ones this model does not set too (lat_hist) */
	*out = (struct dpoctl_interval){ 0 };
	if (role == DPOCTL_SIM_PATCHED) {
		reg = c->reg;
		reg.lat_p50 = ramped(reg.lat_p50, reg.ramp_s, t_s);
		reg.lat_p99 = ramped(reg.lat_p99, reg.ramp_s, t_s);
		reg.cpu_per_req = ramped(reg.cpu_per_req, reg.ramp_s, t_s);
		reg.min_flt_per_req = ramped(reg.min_flt_per_req, reg.ramp_s, t_s);
		reg.maj_flt_per_req = ramped(reg.maj_flt_per_req, reg.ramp_s, t_s);
		reg.req_per_conn = ramped(reg.req_per_conn, reg.ramp_s, t_s);
	} else {
		dpoctl_sim_regression_none(&reg);
	}

	out->dt_s = c->dt_s;
	out->conns_held = fmax(1, round(c->conns * share *
					(1 + 0.02 * dpoctl_rng_normal(r))));
	lam = c->req_per_s * share * load * c->dt_s * reg.req_per_conn;
	if (s->shared_left)
		lam *= s->shared_load;
	if (stall)
		lam *= 0.7;
	req = dpoctl_rng_poisson(r, lam);
	out->requests = req;

	/* the latency of the interval, before noise */
	lf = pow(load, c->lat_load_exp);
	p50f = lf * reg.lat_p50;
	p99f = lf * reg.lat_p99;
	if (s->shared_left) {
		p50f *= sqrt(s->shared_p99);
		p99f *= s->shared_p99;
	}
	if (stall) {
		p50f *= cbrt(s->role_p99[role]);
		p99f *= s->role_p99[role];
	}
	s99 = log1p(c->cv_lat * c->cv_lat);
	s50 = log1p(c->cv_lat * c->cv_lat / 4);
	out->has_lat = req > 0;
	p50 = c->lat_p50_us * p50f * lognormal_s2(r, s50);
	tail = fmax(c->lat_p99_us / c->lat_p50_us * p99f / p50f *
		    lognormal_s2(r, s99 - s50), 1);
	s->lat_p50_us[role] = p50;
	s->lat_p99_us[role] = p50 * tail;
	if (!out->has_lat) {
		out->lat_p50_us = out->lat_p99_us = out->lat_mean_us = 0;
	} else if (c->lat_hist) {
		out->lat_hist = s->hist[role];
		out->lat_hist_len = draw_hist(s, role, (uint64_t)req, p50,
					      p50 * tail);
		out->lat_p50_us = dpoctl_sim_hist_percentile(out->lat_hist,
							     out->lat_hist_len, 50);
		out->lat_p99_us = dpoctl_sim_hist_percentile(out->lat_hist,
							     out->lat_hist_len, 99);
		out->lat_mean_us = hist_mean(out->lat_hist, out->lat_hist_len);
	} else {
		out->lat_p50_us = p50;
		out->lat_p99_us = p50 * tail;
		/* the mean of the lognormal with this median and p99 */
		out->lat_mean_us = p50 * exp(pow(log(tail) / Z99, 2) / 2);
	}

	out->cpu_s = req * c->cpu_per_req_us * 1e-6 * reg.cpu_per_req *
		     dpoctl_rng_lognormal(r, c->cv_cpu);
	out->run_delay_s = out->cpu_s * c->run_delay_frac * (stall ? 3 : 1) *
			   dpoctl_rng_lognormal(r, c->cv_cpu);
	out->min_flt = dpoctl_rng_poisson(r, req * c->min_flt_per_req *
					     reg.min_flt_per_req);
	out->maj_flt = dpoctl_rng_poisson(r, req * c->maj_flt_per_req *
					     reg.maj_flt_per_req);
	rss = gauss_rss(s);
	out->rss_delta_bytes = round(rss - s->rss[role]);
	s->rss[role] = rss;
}

bool dpoctl_sim_next(struct dpoctl_sim *s, uint64_t *now_ns,
		     struct dpoctl_interval *orig,
		     struct dpoctl_interval *patched)
{
	const struct dpoctl_sim_cfg *c = &s->cfg;
	double a = exp(-c->dt_s / c->load_tau_s), load, t_s;
	bool exposed = s->k >= baseline_intervals(s);
	uint32_t n;

	s->load_x = a * s->load_x + sqrt(1 - a * a) * dpoctl_rng_normal(&s->rng);
	load = 1 + c->load_amp * tanh(s->load_x);

	if (!s->shared_left) {
		n = burst_start(s, c->shared_burst_per_s, c->shared_burst_min_s,
				c->shared_burst_max_s);
		if (n) {
			s->shared_left = n;
			s->shared_load = uniform_in(&s->rng, 1,
						    c->shared_burst_load_max);
			s->shared_p99 = uniform_in(&s->rng, 1.5,
						   c->shared_burst_p99_max);
		}
	}
	for (int r = 0; r < DPOCTL_SIM_ROLES; r++) {
		if (s->role_left[r])
			continue;
		n = burst_start(s, c->role_burst_per_s, c->role_burst_min_s,
				c->role_burst_max_s);
		if (n) {
			s->role_left[r] = n;
			s->role_p99[r] = uniform_in(&s->rng, 1.5,
						    c->role_burst_p99_max);
		}
	}

	s->k++;
	t_s = dpoctl_sim_exposed_s(s);
	*now_ns = (uint64_t)llround((double)s->k * c->dt_s * 1e9);
	role_interval(s, DPOCTL_SIM_ORIG, exposed ? 1 - c->share : 1, load,
		      t_s, orig);
	if (exposed)
		role_interval(s, DPOCTL_SIM_PATCHED, c->share, load, t_s,
			      patched);

	if (s->shared_left) {
		s->shared_left--;
		s->shared_last = s->k - 1;
	}
	for (int r = 0; r < DPOCTL_SIM_ROLES; r++) {
		if (s->role_left[r]) {
			s->role_left[r]--;
			s->role_last[r] = s->k - 1;
		}
	}
	return exposed;
}
