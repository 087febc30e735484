/*
 * core/memtable/vector.h - the vector memtable kind ("vector").
 *
 * RocksDB's vector memtable for bulk loads: every put appends a new
 * arena-allocated entry (struct kv_mt_entry, core/memtable/snapshot.h) to
 * an array; nothing is sorted until an iterator asks (a flush or a scan),
 * which sorts a snapshot of the newest version of each key (O(n log n),
 * cached until the next put).
 *
 * Point gets (option vector_get):
 *   scan  (default) walk the array backwards from the newest entry and
 *         return the first one with the key: O(n) entries compared (a
 *         32-bit hash compare each, streaming through the arena), the
 *         RocksDB behaviour. A miss always reads the whole array.
 *   index use the key index below: O(1) expected.
 *
 * The key index: the contract asks for the number of distinct keys and
 * their key/value byte sums after every put (count(), key_bytes,
 * value_bytes), which an append-only array cannot know without finding the
 * previous version of the key. The kind therefore keeps an open-addressing
 * table of (32-bit key hash, array position of the newest version), linear
 * probing, load <= 3/4, doubled when full. A put costs one hash, one probe
 * sequence (usually one cache line) and an append; a superseded entry is
 * flagged and stays in the arena (garbage, counted by approx_bytes).
 *
 * Memory per entry: key + value + 32 (header) rounded to 8, + 8 (array
 * slot, up to 2x after doubling) + 8 per index slot (1.33..2.67 per key),
 * plus 16 per key for the cached snapshot once an iterator was created.
 * Overwrites never happen in place: every version costs a full entry.
 *
 * Options: vector_get (scan|index), vector_reserve (initial array slots,
 * default 0 = auto: write_buffer_size / 256, at least 1024),
 * arena_block_size (default 1 MiB).
 *
 * Puts while iterators are open are allowed: an iterator shows the table as
 * of its creation and never sees later puts.
 *
 * Limits: keys up to 65535 bytes, values up to 4 GiB - 1 (KV_EINVAL);
 * at most 2^32 - 2 versions per table (KV_ENOSPC).
 */
#ifndef KV_CORE_MEMTABLE_VECTOR_H
#define KV_CORE_MEMTABLE_VECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/memtable/memtable.h"

extern const struct kv_memtable_ops kv_vector_memtable_ops;

struct kv_vector_stats {
	size_t keys;            /* distinct keys */
	size_t versions;        /* entries appended (all versions) */
	size_t array_slots;     /* capacity of the entry array */
	size_t index_slots;
	size_t garbage_bytes;   /* superseded versions still in the arena */
	size_t snapshot_builds;
};

/* Fill @st for @mt, which must be a vector memtable (asserted). O(1). */
void kv_vector_stats(const struct kv_memtable *mt, struct kv_vector_stats *st);

/*
 * Deep check: the index maps every key to its newest version, exactly the
 * non-superseded entries are indexed, counts and byte totals match. O(n).
 * For tests.
 */
bool kv_vector_verify(const struct kv_memtable *mt);

#endif
