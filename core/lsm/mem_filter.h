/*
 * core/lsm/mem_filter.h - a Bloom filter over the keys put into one
 * memtable, kept in memory beside it and never written (RocksDB's
 * memtable Bloom filter with whole-key filtering).
 *
 * A point read that misses the memtable — almost every read once the
 * store is larger than the write buffer — would otherwise pay a full
 * memtable search (a skip-list descent: one cache miss per level). The
 * filter answers most of those with one cache line. It is probed with the
 * same key hash as the SSTable filters (kv_bloom_hash), so a get hashes
 * its key once.
 *
 * Layout: nlines 64-byte lines; a key's KV_MEM_FILTER_PROBES bits all lie
 * in the line picked by the high 32 bits of its hash, at 9-bit positions
 * taken from a remix of the hash. No false negatives: every key added
 * stays "maybe present" until the filter is freed.
 *
 * Invariants: lines is 64-byte aligned inside raw (raw_bytes bytes, of
 * component KV_MEM_MEMTABLE); nlines == 0 iff the filter is disabled
 * (then raw is NULL and every probe says "maybe").
 */
#ifndef KV_CORE_LSM_MEM_FILTER_H
#define KV_CORE_LSM_MEM_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KV_MEM_FILTER_LINE_BYTES 64
#define KV_MEM_FILTER_PROBES 6

struct kv_mem_filter {
	uint64_t *lines; /* nlines * 8 words */
	size_t nlines;
	void *raw;
	size_t raw_bytes;
};

/*
 * Set up a filter of about @bytes bytes (rounded up to whole lines; 0:
 * disabled). KV_OK or KV_ENOMEM (then @f is disabled, still safe to use
 * and to free).
 */
int kv_mem_filter_init(struct kv_mem_filter *f, size_t bytes);

/* Release the bit array; @f becomes disabled. */
void kv_mem_filter_free(struct kv_mem_filter *f);

static inline bool kv_mem_filter_enabled(const struct kv_mem_filter *f)
{
	return f->nlines != 0;
}

/* The line of hash @h and its probe bits (positions 0..511 in 9-bit groups). */
static inline uint64_t *kv_mem_filter_line(const struct kv_mem_filter *f, uint64_t h,
					   uint64_t *bits)
{
	*bits = h * UINT64_C(0x9e3779b97f4a7c15);
	return f->lines + ((h >> 32) * f->nlines >> 32) * 8;
}

/* Add the key whose kv_bloom_hash() is @h (no-op when disabled). */
static inline void kv_mem_filter_add(struct kv_mem_filter *f, uint64_t h)
{
	uint64_t bits, *line;

	if (!f->nlines)
		return;
	line = kv_mem_filter_line(f, h, &bits);
	for (int i = 0; i < KV_MEM_FILTER_PROBES; i++, bits >>= 9)
		line[(bits >> 6) & 7] |= UINT64_C(1) << (bits & 63);
}

/* False: no key with hash @h was added. True: maybe (or disabled). */
static inline bool kv_mem_filter_may_contain(const struct kv_mem_filter *f, uint64_t h)
{
	uint64_t bits;
	const uint64_t *line;

	if (!f->nlines)
		return true;
	line = kv_mem_filter_line(f, h, &bits);
	for (int i = 0; i < KV_MEM_FILTER_PROBES; i++, bits >>= 9)
		if (!(line[(bits >> 6) & 7] & (UINT64_C(1) << (bits & 63))))
			return false;
	return true;
}

#endif
