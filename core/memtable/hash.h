/*
 * core/memtable/hash.h - the hash memtable kind ("hash").
 *
 * A chained hash table over arena-allocated entries (struct kv_mt_entry
 * from core/memtable/snapshot.h, with the chain link in the 8 bytes before
 * each entry). Only the newest version of each key is kept.
 *
 * Options (kv_hash_memtable_ops.options):
 *   hash_buckets      initial bucket count, rounded up to a power of two;
 *                     0 (default) = auto: write_buffer_size (from the same
 *                     config, 64 MiB when absent) / 256, clamped to
 *                     1024..16M. The table doubles (rehash) whenever it
 *                     holds more entries than buckets, so the option only
 *                     saves the early rehashes; it never limits the size.
 *   arena_block_size  bytes, default 1 MiB, 4 KiB..1 GiB.
 *
 * Cost: put and get hash the key (XXH3) and walk one chain: expected O(1),
 * about two cache misses (bucket, entry) at load <= 1. A put that crosses
 * the load limit first rehashes every entry into a twice larger bucket
 * array (O(n), amortized O(1) per put; entries keep their hash so keys are
 * not hashed again). Iteration is a sorted snapshot
 * (core/memtable/snapshot.h): O(n log n) to build, once per flush and once
 * per user scan, cached until the next put, so scan-heavy workloads with
 * writes in between pay the sort on every scan.
 *
 * Memory per entry: key + value + 8 (chain) + 32 (header) rounded to 8,
 * plus 8 bytes per bucket (1..2 buckets per entry after growth), plus 16
 * bytes per entry for the cached snapshot once an iterator was created.
 *
 * Overwrites: in place when the new value fits the entry's value space
 * and no iterator is open; otherwise a new entry replaces the old one in
 * its chain and the old one stays in the arena (garbage, counted by
 * approx_bytes), so slices and open snapshots stay valid.
 *
 * Puts while iterators are open are allowed: an iterator shows the table as
 * of its creation and never sees later puts.
 *
 * Limits: keys up to 65535 bytes, values up to 4 GiB - 1 (else KV_EINVAL).
 */
#ifndef KV_CORE_MEMTABLE_HASH_H
#define KV_CORE_MEMTABLE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/memtable/memtable.h"

extern const struct kv_memtable_ops kv_hash_memtable_ops;

struct kv_hash_stats {
	size_t entries;
	size_t buckets;
	size_t used_buckets;   /* non-empty chains */
	size_t longest_chain;
	size_t rehashes;       /* times the bucket array doubled */
	size_t garbage_bytes;  /* replaced entries still in the arena */
	size_t snapshot_builds;
};

/* Fill @st for @mt, which must be a hash memtable (asserted). O(buckets). */
void kv_hash_stats(const struct kv_memtable *mt, struct kv_hash_stats *st);

/*
 * Deep check: every entry in the bucket its hash selects, no key twice,
 * count and byte totals match, load <= 1. O(n). For tests.
 */
bool kv_hash_verify(const struct kv_memtable *mt);

#endif
