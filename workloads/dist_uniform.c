/*
 * workloads/dist_uniform.c - the uniform and sequential key distributions
 * (workloads/dist.h).
 */
#include "workloads/dist.h"

static uint64_t uniform_next(struct kv_dist *d, struct kv_rng *rng)
{
	return kv_rng_below(rng, d->p.items);
}

const struct kv_dist_ops kv_dist_uniform_ops = {
	.name = "uniform",
	.next = uniform_next,
};

/* YCSB's SequentialGenerator: the counter wraps at items. */
static uint64_t sequential_next(struct kv_dist *d, struct kv_rng *rng)
{
	uint64_t n;

	(void)rng;
	if (d->counter >= d->p.items)
		d->counter = 0;
	n = d->counter++;
	return n;
}

const struct kv_dist_ops kv_dist_sequential_ops = {
	.name = "sequential",
	.next = sequential_next,
};
