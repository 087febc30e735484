/*
 * core/rng.h - the seeded PRNG every random choice comes from:
 * xoshiro256** seeded through splitmix64. Same seed, same stream, on
 * every platform.
 */
#ifndef KV_CORE_RNG_H
#define KV_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

struct kv_rng {
	uint64_t s[4];
};

uint64_t kv_splitmix64(uint64_t *state);
void kv_rng_seed(struct kv_rng *r, uint64_t seed);
uint64_t kv_rng_next(struct kv_rng *r);
/* Uniform in [0, n), unbiased (Lemire). n must be > 0. */
uint64_t kv_rng_below(struct kv_rng *r, uint64_t n);
/* Uniform in [0, 1) with 53 bits. */
double kv_rng_double(struct kv_rng *r);
/* Fill buf with pseudo-random bytes. */
void kv_rng_fill(struct kv_rng *r, void *buf, size_t n);

#endif
