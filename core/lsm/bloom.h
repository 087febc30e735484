/*
 * core/lsm/bloom.h - the Bloom filter of an SSTable's user keys.
 * Byte layout and probe sequence: docs/formats.md, "Filter block".
 *
 * One XXH3-64 hash per key (kv_bloom_hash); k probes by double hashing
 * from its two 32-bit halves. The writer collects hashes, then builds the
 * filter in one pass; the reader parses the block in place.
 */
#ifndef KV_CORE_LSM_BLOOM_H
#define KV_CORE_LSM_BLOOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"

/* Smallest filter, in bits. */
#define KV_BLOOM_MIN_BITS 64
/* Probe count bounds. */
#define KV_BLOOM_MAX_PROBES 30

/* The key hash a filter is built from and probed with. */
uint64_t kv_bloom_hash(struct kv_slice key);

/* Probes for @bits_per_key (>= 1): round(bits_per_key * ln 2) in 1..30. */
unsigned kv_bloom_probes(uint32_t bits_per_key);

/*
 * Bytes of the filter block contents (bit array + k byte) for @nkeys keys
 * at @bits_per_key; 0 when bits_per_key is 0 (no filter).
 */
size_t kv_bloom_filter_bytes(uint64_t nkeys, uint32_t bits_per_key);

/*
 * Append to @out the filter block over the @n key hashes at @hashes with
 * @bits_per_key >= 1. KV_OK, KV_ENOMEM, or KV_EINVAL if the filter would
 * not fit in memory (out unchanged on error).
 */
int kv_bloom_build(const uint64_t *hashes, size_t n, uint32_t bits_per_key,
		   struct kv_buf *out);

/* A parsed filter: a view of borrowed bytes. */
struct kv_bloom {
	const unsigned char *bits;
	uint64_t nbits;
	unsigned k;
};

/*
 * Parse filter block contents (@data borrowed for the life of @f).
 * KV_OK, or KV_ECORRUPT if the bit array is empty or k is outside 1..30.
 */
int kv_bloom_parse(struct kv_bloom *f, const char *data, size_t len);

/* False: the key with hash @h is certainly absent. True: it may be present. */
bool kv_bloom_may_contain(const struct kv_bloom *f, uint64_t h);

#endif
