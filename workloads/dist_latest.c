/*
 * workloads/dist_latest.c - YCSB's "latest": the newest key number minus
 * a zipfian draw over the inserted count, so the newest keys are the most
 * popular. items = key numbers inserted so far (newest = items - 1); the
 * zipfian grows with it incrementally. YCSB's SkewedLatestGenerator draws
 * over max = newest items and so never returns key 0; lsmlab draws over
 * the inserted count as REFERENCE.md states (result in [0, newest]).
 */
#include "workloads/dist.h"

static uint64_t latest_next(struct kv_dist *d, struct kv_rng *rng)
{
	return d->p.items - 1 - kv_zipf_rank(&d->zipf, kv_rng_double(rng));
}

static void latest_set_items(struct kv_dist *d, uint64_t items)
{
	d->p.items = items;
	kv_zipf_set_items(&d->zipf, items);
}

const struct kv_dist_ops kv_dist_latest_ops = {
	.name = "latest",
	.next = latest_next,
	.set_items = latest_set_items,
};
