/*
 * workloads/dist_hotspot.c - YCSB's HotspotIntegerGenerator: with
 * probability op_fraction a key uniform on the hot set [0, hot), hot =
 * floor(items x data_fraction); otherwise uniform on [hot, items). An
 * empty hot or cold set sends every draw to the other.
 */
#include "workloads/dist.h"

void kv_dist_hotspot_setup(struct kv_dist *d)
{
	d->hot_items = (uint64_t)((double)d->p.items * d->p.hot_data_fraction);
	if (d->hot_items > d->p.items)
		d->hot_items = d->p.items;
}

static uint64_t hotspot_next(struct kv_dist *d, struct kv_rng *rng)
{
	uint64_t cold = d->p.items - d->hot_items;
	bool hot = kv_rng_double(rng) < d->p.hot_op_fraction;

	if (d->hot_items == 0)
		hot = false;
	else if (cold == 0)
		hot = true;
	if (hot)
		return kv_rng_below(rng, d->hot_items);
	return d->hot_items + kv_rng_below(rng, cold);
}

static void hotspot_set_items(struct kv_dist *d, uint64_t items)
{
	d->p.items = items;
	kv_dist_hotspot_setup(d);
}

const struct kv_dist_ops kv_dist_hotspot_ops = {
	.name = "hotspot",
	.next = hotspot_next,
	.set_items = hotspot_set_items,
};
