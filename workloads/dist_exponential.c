/*
 * workloads/dist_exponential.c - YCSB's exponential key choice: newest
 * key number minus floor(-ln(u) / gamma), u uniform in (0, 1], redrawn
 * while it would fall below key 0. gamma = -ln(1 - percentile/100) /
 * (items x frac) with items at setup (YCSB: recordcount), so percentile %
 * of draws fall within the newest items x frac keys. YCSB's defaults:
 * percentile 95, frac 0.8571428571. The mean distance is ~1/gamma.
 */
#include "workloads/dist.h"

#include <math.h>

void kv_dist_exponential_setup(struct kv_dist *d)
{
	d->gamma = -log(1.0 - d->p.exp_percentile / 100.0) /
		   ((double)d->p.items * d->p.exp_frac);
}

static uint64_t exponential_next(struct kv_dist *d, struct kv_rng *rng)
{
	uint64_t newest = d->p.items - 1;
	double back;

	do {
		back = floor(-log(1.0 - kv_rng_double(rng)) / d->gamma);
	} while (back > (double)newest);
	return newest - (uint64_t)back;
}

const struct kv_dist_ops kv_dist_exponential_ops = {
	.name = "exponential",
	.next = exponential_next,
};
