/*
 * workloads/dist_permuted.c - "permuted zipf": a true Gray zipfian rank
 * over the key count, mapped to a key number through a seeded bijection
 * of [0, items): a 4-round Feistel network on the smallest even-width
 * power-of-two domain >= items, cycle-walked until the result is below
 * items (at most ~4 steps expected). Unlike "scrambled" (a hash modulo the
 * count, where ranks collide) every rank maps to a distinct key, so the
 * key popularities are exactly zipfian. O(1) memory. Changing items
 * changes the permutation.
 */
#include "workloads/dist.h"

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

void kv_dist_permuted_setup(struct kv_dist *d)
{
	uint64_t state = d->p.seed ^ 0x7065726d75746564ULL;
	unsigned bits = 2;

	while (bits < 64 && ((uint64_t)1 << bits) < d->p.items)
		bits++;
	bits += bits & 1;
	d->perm_bits = bits;
	for (int i = 0; i < 4; i++)
		d->perm_keys[i] = kv_splitmix64(&state);
}

static uint64_t feistel(const struct kv_dist *d, uint64_t x)
{
	unsigned half = d->perm_bits / 2;
	uint64_t mask = ((uint64_t)1 << half) - 1;
	uint64_t l = (x >> half) & mask, r = x & mask;

	for (int i = 0; i < 4; i++) {
		uint64_t t = l ^ (mix(r ^ d->perm_keys[i]) & mask);
		l = r;
		r = t;
	}
	return (l << half) | r;
}

uint64_t kv_dist_permute(const struct kv_dist *d, uint64_t rank)
{
	uint64_t x = feistel(d, rank);

	while (x >= d->p.items)
		x = feistel(d, x);
	return x;
}

static uint64_t permuted_next(struct kv_dist *d, struct kv_rng *rng)
{
	return kv_dist_permute(d, kv_zipf_rank(&d->zipf, kv_rng_double(rng)));
}

static void permuted_set_items(struct kv_dist *d, uint64_t items)
{
	d->p.items = items;
	kv_zipf_set_items(&d->zipf, items);
	kv_dist_permuted_setup(d);
}

const struct kv_dist_ops kv_dist_permuted_ops = {
	.name = "permuted",
	.next = permuted_next,
	.set_items = permuted_set_items,
};
