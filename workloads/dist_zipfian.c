/*
 * workloads/dist_zipfian.c - Gray et al.'s zipfian generator as YCSB's
 * ZipfianGenerator implements it (REFERENCE.md): zeta(n) = sum 1/i^theta,
 * alpha = 1/(1-theta), eta = (1 - (2/n)^(1-theta)) / (1 - zeta(2)/zeta(n));
 * a draw u: u*zeta(n) < 1 -> 0; < 1 + 0.5^theta -> 1; else
 * floor(n * (eta*u - eta + 1)^alpha). Rank r is key number r.
 *
 * When the item count grows, zeta(n) is extended by the new terms only,
 * as YCSB does; unlike YCSB (which keeps eta's n at the constructor's
 * count, a known quirk) eta is recomputed for the new n, per the formula.
 */
#include "workloads/dist.h"

#include <assert.h>
#include <math.h>

double kv_zeta_extend(double zeta_m, uint64_t m, uint64_t n, double theta)
{
	double sum = zeta_m;

	for (uint64_t i = m; i < n; i++)
		sum += 1.0 / pow((double)(i + 1), theta);
	return sum;
}

double kv_zeta(uint64_t n, double theta)
{
	return kv_zeta_extend(0.0, 0, n, theta);
}

double kv_zipf_eta(uint64_t n, double theta, double zetan)
{
	double zeta2 = kv_zeta(2, theta);

	return (1.0 - pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / zetan);
}

void kv_zipf_init(struct kv_zipf *z, uint64_t n, double theta, double zetan)
{
	assert(n >= 1 && theta > 0 && theta < 1);
	z->items = n;
	z->count_for_zeta = n;
	z->theta = theta;
	z->alpha = 1.0 / (1.0 - theta);
	z->zeta2 = kv_zeta(2, theta);
	z->zetan = zetan >= 0 ? zetan : kv_zeta(n, theta);
	z->eta = kv_zipf_eta(n, theta, z->zetan);
	z->half_pow_theta = pow(0.5, theta);
}

void kv_zipf_set_items(struct kv_zipf *z, uint64_t n)
{
	assert(n >= 1);
	if (n == z->count_for_zeta)
		return;
	if (n > z->count_for_zeta)
		z->zetan = kv_zeta_extend(z->zetan, z->count_for_zeta, n, z->theta);
	else
		z->zetan = kv_zeta(n, z->theta);
	z->count_for_zeta = n;
	z->items = n;
	z->eta = kv_zipf_eta(n, z->theta, z->zetan);
}

uint64_t kv_zipf_rank(const struct kv_zipf *z, double u)
{
	double uz = u * z->zetan;
	uint64_t r;

	if (uz < 1.0)
		return 0;
	if (uz < 1.0 + z->half_pow_theta)
		return z->items > 1 ? 1 : 0;
	r = (uint64_t)((double)z->items * pow(z->eta * u - z->eta + 1.0, z->alpha));
	return r < z->items ? r : z->items - 1;
}

static uint64_t zipfian_next(struct kv_dist *d, struct kv_rng *rng)
{
	return kv_zipf_rank(&d->zipf, kv_rng_double(rng));
}

static void zipfian_set_items(struct kv_dist *d, uint64_t items)
{
	d->p.items = items;
	kv_zipf_set_items(&d->zipf, items);
}

const struct kv_dist_ops kv_dist_zipfian_ops = {
	.name = "zipfian",
	.next = zipfian_next,
	.set_items = zipfian_set_items,
};
