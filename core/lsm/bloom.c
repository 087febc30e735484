/*
 * core/lsm/bloom.c - Bloom filter build and probe (docs/formats.md).
 *
 * Probe i of hash h tests bit (h1 + i * h2) mod nbits with h1 = low 32
 * bits, h2 = high 32 bits, in 64-bit arithmetic. Both the writer and the
 * reader walk that sequence with struct probe_seq, which needs two
 * divisions per key instead of one per probe: (h1 + i * h2) mod n =
 * (h1 mod n + i * (h2 mod n)) mod n, each step adding h2 mod n and
 * subtracting n at most once.
 */
#include "core/lsm/bloom.h"

#include <assert.h>
#include <string.h>

#include "core/checksum.h"
#include "core/status.h"

uint64_t kv_bloom_hash(struct kv_slice key)
{
	static const char empty[1];

	return kv_hash64(key.len ? key.data : empty, key.len, 0);
}

unsigned kv_bloom_probes(uint32_t bits_per_key)
{
	/* round(b * ln 2) in integer arithmetic: ln 2 ~ 693147 / 1e6 */
	uint64_t k = ((uint64_t)bits_per_key * 693147u + 500000u) / 1000000u;

	if (k < 1)
		k = 1;
	if (k > KV_BLOOM_MAX_PROBES)
		k = KV_BLOOM_MAX_PROBES;
	return (unsigned)k;
}

/* Bytes of the bit array; 0 on overflow (caller checks). */
static uint64_t array_bytes(uint64_t nkeys, uint32_t bits_per_key)
{
	uint64_t bits;

	if (bits_per_key && nkeys > UINT64_MAX / bits_per_key)
		return 0;
	bits = nkeys * bits_per_key;
	if (bits < KV_BLOOM_MIN_BITS)
		bits = KV_BLOOM_MIN_BITS;
	return bits / 8 + (bits % 8 != 0);
}

size_t kv_bloom_filter_bytes(uint64_t nkeys, uint32_t bits_per_key)
{
	uint64_t m;

	if (bits_per_key == 0)
		return 0;
	m = array_bytes(nkeys, bits_per_key);
	if (m == 0 || m >= SIZE_MAX)
		return 0;
	return (size_t)m + 1;
}

/* The probe sequence of one hash: bit is the current probe's bit. */
struct probe_seq {
	uint64_t bit, step, nbits;
};

static inline void probe_start(struct probe_seq *p, uint64_t h, uint64_t nbits)
{
	p->bit = (h & 0xffffffffu) % nbits;
	p->step = (h >> 32) % nbits;
	p->nbits = nbits;
}

static inline void probe_next(struct probe_seq *p)
{
	p->bit += p->step;
	if (p->bit >= p->nbits)
		p->bit -= p->nbits;
}

int kv_bloom_build(const uint64_t *hashes, size_t n, uint32_t bits_per_key,
		   struct kv_buf *out)
{
	size_t total = kv_bloom_filter_bytes(n, bits_per_key);
	unsigned k = kv_bloom_probes(bits_per_key);
	unsigned char *bits;
	uint64_t nbits;

	assert(bits_per_key >= 1);
	if (total == 0)
		return KV_EINVAL;
	if (kv_buf_reserve(out, total) != KV_OK)
		return KV_ENOMEM;
	bits = (unsigned char *)out->data + out->len;
	memset(bits, 0, total - 1);
	nbits = (uint64_t)(total - 1) * 8;
	for (size_t j = 0; j < n; j++) {
		struct probe_seq p;

		probe_start(&p, hashes[j], nbits);
		for (unsigned i = 0; i < k; i++, probe_next(&p))
			bits[p.bit / 8] |= (unsigned char)(1u << (p.bit % 8));
	}
	bits[total - 1] = (unsigned char)k;
	out->len += total;
	return KV_OK;
}

int kv_bloom_parse(struct kv_bloom *f, const char *data, size_t len)
{
	unsigned k;

	if (len < 2)
		return KV_ECORRUPT;
	k = (unsigned char)data[len - 1];
	if (k < 1 || k > KV_BLOOM_MAX_PROBES)
		return KV_ECORRUPT;
	f->bits = (const unsigned char *)data;
	f->nbits = (uint64_t)(len - 1) * 8;
	f->k = k;
	return KV_OK;
}

bool kv_bloom_may_contain(const struct kv_bloom *f, uint64_t h)
{
	struct probe_seq p;

	probe_start(&p, h, f->nbits);
	for (unsigned i = 0; i < f->k; i++, probe_next(&p))
		if (!(f->bits[p.bit / 8] & (1u << (p.bit % 8))))
			return false;
	return true;
}
