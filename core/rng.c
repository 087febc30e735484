/*
 * core/rng.c - splitmix64 and xoshiro256** (Blackman & Vigna), with
 * Lemire's unbiased bounded draw. Same seed, same stream everywhere.
 */
#include "core/rng.h"

#include <assert.h>

uint64_t kv_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void kv_rng_seed(struct kv_rng *r, uint64_t seed)
{
	uint64_t st = seed;

	for (int i = 0; i < 4; i++)
		r->s[i] = kv_splitmix64(&st);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t kv_rng_next(struct kv_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Full 64x64 -> 128-bit product: returns the high half, *lo the low half. */
static uint64_t mul_128(uint64_t a, uint64_t b, uint64_t *lo)
{
	uint64_t a_lo = (uint32_t)a, a_hi = a >> 32;
	uint64_t b_lo = (uint32_t)b, b_hi = b >> 32;
	uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi;
	uint64_t hl = a_hi * b_lo, hh = a_hi * b_hi;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

	*lo = (mid << 32) | (uint32_t)ll;
	return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

uint64_t kv_rng_below(struct kv_rng *r, uint64_t n)
{
	uint64_t lo;
	uint64_t hi;

	assert(n > 0);
	hi = mul_128(kv_rng_next(r), n, &lo);
	if (lo < n) {
		uint64_t threshold = -n % n;
		while (lo < threshold)
			hi = mul_128(kv_rng_next(r), n, &lo);
	}
	return hi;
}

double kv_rng_double(struct kv_rng *r)
{
	return (double)(kv_rng_next(r) >> 11) * 0x1.0p-53;
}

void kv_rng_fill(struct kv_rng *r, void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n >= 8) {
		uint64_t v = kv_rng_next(r);
		for (int i = 0; i < 8; i++)
			p[i] = (unsigned char)(v >> (8 * i));
		p += 8;
		n -= 8;
	}
	if (n) {
		uint64_t v = kv_rng_next(r);
		for (size_t i = 0; i < n; i++)
			p[i] = (unsigned char)(v >> (8 * i));
	}
}
