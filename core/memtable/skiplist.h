/*
 * core/memtable/skiplist.h - the skip-list memtable kind ("skiplist").
 *
 * A single-writer skip list (Pugh 1990) whose nodes live in an arena
 * (core/memtable/arena.h): one arena allocation per new key holds the
 * tower, the key, the entry metadata and the value, so a put costs no
 * malloc except when the arena starts a new block. Only the newest version
 * of each key is kept.
 *
 * Options (kv_skiplist_memtable_ops.options):
 *   skiplist_max_height  levels, default 12, 4..32
 *   skiplist_branching   1/p, default 4, 2..16 (a node reaches level i+1
 *                        with probability 1/branching)
 *   arena_block_size     bytes, default 1 MiB, 4 KiB..1 GiB
 * Node heights come from a kv_rng with a fixed seed, so the same sequence of
 * puts builds the same structure on every run and platform.
 *
 * Cost: put, get and seek are one top-down descent, expected
 * O(branching * log_branching(n)) key comparisons (memcmp); next() is O(1)
 * and follows one pointer. Memory per entry: key + value + 28 bytes of node
 * header and metadata + 8 bytes per tower level (expected
 * branching/(branching-1) levels) + alignment to 8 bytes; the measured
 * average is in docs/memtables.md.
 *
 * Overwrites: a put of an existing key with a higher seq overwrites the
 * value in place when it fits in the node's value space (the value size
 * the node was created with), otherwise a new node with the
 * same height replaces the old one in the list; the old node's bytes stay
 * in the arena as garbage (counted by approx_bytes) so slices handed out
 * earlier stay readable. A put with a seq not higher than the stored
 * entry's is ignored (the stored entry is newer). Because of in-place
 * overwrites, the bytes behind a value slice from get() or an iterator stay
 * valid memory until the table is destroyed, but show the value current at
 * the time of the call only until the next put of the same key.
 *
 * Limits: keys up to 65535 bytes, values up to 4 GiB - 1; larger is
 * KV_EINVAL.
 *
 * Puts while an iterator is open are allowed (single thread, between
 * iterator calls): the iterator stays valid, keeps yielding keys in
 * ascending order without repeats, and sees every key inserted ahead of its
 * position (never one inserted behind it). The entry it is positioned on
 * shows the new value after an in-place overwrite and the old one after a
 * relocating overwrite; entries ahead show their values as of when it
 * reaches them.
 */
#ifndef KV_CORE_MEMTABLE_SKIPLIST_H
#define KV_CORE_MEMTABLE_SKIPLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/memtable/memtable.h"

#define KV_SKIPLIST_MAX_HEIGHT 32

extern const struct kv_memtable_ops kv_skiplist_memtable_ops;

/* Structure statistics of one skip list (for tests, docs and tuning). */
struct kv_skiplist_stats {
	size_t entries;          /* distinct keys (tombstones included) */
	size_t height;           /* current list height (tallest node) */
	size_t tower_links;      /* sum of node heights */
	size_t heights[KV_SKIPLIST_MAX_HEIGHT + 1]; /* nodes of each height */
	size_t arena_bytes_used;
	size_t arena_bytes_reserved;
	size_t garbage_bytes;    /* bytes of replaced nodes still in the arena */
	size_t overwrites_in_place;
	size_t overwrites_relocated;
};

/*
 * Fill @st for @mt, which must be a skip-list memtable (asserted). O(n):
 * walks the list.
 */
void kv_skiplist_stats(const struct kv_memtable *mt, struct kv_skiplist_stats *st);

/*
 * Deep structural check of a skip-list memtable: every level sorted
 * strictly ascending and a sub-list of the level below, node heights in
 * range, count and key/value byte totals matching the nodes. O(n * height).
 * True when consistent. For tests; cheap checks run as asserts anyway.
 */
bool kv_skiplist_verify(const struct kv_memtable *mt);

#endif
