/*
 * workloads/dist_scrambled.c - YCSB's ScrambledZipfianGenerator: a Gray
 * zipfian rank over 10^10 items with theta 0.99 and YCSB's precomputed
 * zeta(10^10) = 26.46902820178302, then key = fnv1a64(rank) mod items.
 * The item count may change freely (only the modulus uses it).
 *
 * For theta other than 0.99 YCSB sums zeta over 10^10 terms; lsmlab sums
 * the first 10^6 directly and adds the Euler-Maclaurin tail (accurate to
 * ~1e-12 relative), which reproduces 26.46902820178302 at 0.99.
 */
#include "workloads/dist.h"

#include <math.h>

#include "workloads/fnv.h"

#define DIRECT_TERMS 1000000ULL

double kv_zeta_large(uint64_t n, double theta)
{
	double m = (double)DIRECT_TERMS, x = (double)n, sum, integral, f_m, f_n, df_m, df_n;

	if (n <= DIRECT_TERMS)
		return kv_zeta(n, theta);
	sum = kv_zeta(DIRECT_TERMS, theta);
	integral = (pow(x, 1.0 - theta) - pow(m, 1.0 - theta)) / (1.0 - theta);
	f_m = pow(m, -theta);
	f_n = pow(x, -theta);
	df_m = -theta * pow(m, -theta - 1.0);
	df_n = -theta * pow(x, -theta - 1.0);
	return sum + integral + (f_n - f_m) / 2.0 + (df_n - df_m) / 12.0;
}

static uint64_t scrambled_next(struct kv_dist *d, struct kv_rng *rng)
{
	return kv_fnv1a64(kv_zipf_rank(&d->zipf, kv_rng_double(rng))) % d->p.items;
}

const struct kv_dist_ops kv_dist_scrambled_ops = {
	.name = "scrambled",
	.next = scrambled_next,
};
