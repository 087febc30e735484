/*
 * workloads/dist.c - the key-distribution interface (workloads/dist.h):
 * names, parameter checks and dispatch to the per-kind files.
 */
#include "workloads/dist.h"

#include <math.h>
#include <string.h>

const char *const kv_dist_names[] = {
	[KV_DIST_UNIFORM] = "uniform",
	[KV_DIST_SEQUENTIAL] = "sequential",
	[KV_DIST_ZIPFIAN] = "zipfian",
	[KV_DIST_SCRAMBLED] = "scrambled",
	[KV_DIST_LATEST] = "latest",
	[KV_DIST_HOTSPOT] = "hotspot",
	[KV_DIST_EXPONENTIAL] = "exponential",
	[KV_DIST_PERMUTED] = "permuted",
	[KV_DIST__COUNT] = NULL,
};

static const struct kv_dist_ops *const dist_ops[KV_DIST__COUNT] = {
	[KV_DIST_UNIFORM] = &kv_dist_uniform_ops,
	[KV_DIST_SEQUENTIAL] = &kv_dist_sequential_ops,
	[KV_DIST_ZIPFIAN] = &kv_dist_zipfian_ops,
	[KV_DIST_SCRAMBLED] = &kv_dist_scrambled_ops,
	[KV_DIST_LATEST] = &kv_dist_latest_ops,
	[KV_DIST_HOTSPOT] = &kv_dist_hotspot_ops,
	[KV_DIST_EXPONENTIAL] = &kv_dist_exponential_ops,
	[KV_DIST_PERMUTED] = &kv_dist_permuted_ops,
};

int kv_dist_find(const char *name)
{
	for (int i = 0; i < KV_DIST__COUNT; i++)
		if (strcmp(kv_dist_names[i], name) == 0)
			return i;
	return -1;
}

static bool is_zipf_kind(enum kv_dist_kind k)
{
	return k == KV_DIST_ZIPFIAN || k == KV_DIST_SCRAMBLED || k == KV_DIST_LATEST ||
	       k == KV_DIST_PERMUTED;
}

int kv_dist_init(struct kv_dist *d, const struct kv_dist_params *p, struct kv_err *err)
{
	memset(d, 0, sizeof(*d));
	if ((unsigned)p->kind >= KV_DIST__COUNT)
		return kv_err_set(err, KV_EINVAL, "unknown distribution %d", (int)p->kind);
	if (p->items == 0)
		return kv_err_set(err, KV_EINVAL, "distribution %s: items must be at least 1",
				  kv_dist_names[p->kind]);
	if (is_zipf_kind(p->kind) && !(p->theta > 0 && p->theta < 1))
		return kv_err_set(err, KV_EINVAL,
				  "distribution %s: theta %g is outside (0, 1) (exclusive)",
				  kv_dist_names[p->kind], p->theta);
	if (p->kind == KV_DIST_HOTSPOT &&
	    (!(p->hot_data_fraction >= 0 && p->hot_data_fraction <= 1) ||
	     !(p->hot_op_fraction >= 0 && p->hot_op_fraction <= 1)))
		return kv_err_set(err, KV_EINVAL,
				  "distribution hotspot: data fraction %g and operation fraction "
				  "%g must be within [0, 1]",
				  p->hot_data_fraction, p->hot_op_fraction);
	if (p->kind == KV_DIST_EXPONENTIAL &&
	    (!(p->exp_percentile > 0 && p->exp_percentile < 100) || !(p->exp_frac > 0)))
		return kv_err_set(err, KV_EINVAL,
				  "distribution exponential: percentile %g must be in (0, 100) "
				  "and frac %g above 0",
				  p->exp_percentile, p->exp_frac);
	d->ops = dist_ops[p->kind];
	d->p = *p;
	switch (p->kind) {
	case KV_DIST_ZIPFIAN:
	case KV_DIST_LATEST:
		kv_zipf_init(&d->zipf, p->items, p->theta, -1);
		break;
	case KV_DIST_PERMUTED:
		kv_zipf_init(&d->zipf, p->items, p->theta, -1);
		kv_dist_permuted_setup(d);
		break;
	case KV_DIST_SCRAMBLED:
		kv_zipf_init(&d->zipf, KV_SCRAMBLED_ITEMS, p->theta,
			     p->theta == KV_ZIPF_THETA ? KV_SCRAMBLED_ZETAN :
						     kv_zeta_large(KV_SCRAMBLED_ITEMS, p->theta));
		break;
	case KV_DIST_HOTSPOT:
		kv_dist_hotspot_setup(d);
		break;
	case KV_DIST_EXPONENTIAL:
		kv_dist_exponential_setup(d);
		break;
	default:
		break;
	}
	return KV_OK;
}

void kv_dist_set_items(struct kv_dist *d, uint64_t items)
{
	if (items == 0 || items == d->p.items)
		return;
	if (d->ops->set_items)
		d->ops->set_items(d, items);
	else
		d->p.items = items;
}
