/*
 * core/memtable/rbtree.h - the red-black tree memtable kind ("rbtree").
 *
 * A red-black tree (Guibas and Sedgewick 1978; the insertion of CLRS,
 * driven by the search path instead of parent pointers) whose nodes live in
 * an arena (core/memtable/arena.h): one arena allocation per new key holds
 * the two child links, the key, the entry metadata and the value. Only the
 * newest version of each key is kept.
 *
 * Options (kv_rbtree_memtable_ops.options):
 *   arena_block_size  bytes, default 1 MiB, 4 KiB..1 GiB
 *
 * Cost: put, get and seek are one root-to-leaf descent, at most
 * 2 log2(n + 1) key comparisons (about 1.0-1.4 log2 n in practice); a put of
 * a new key then recolors up the path and does at most two rotations.
 * next() is amortized O(1) (an explicit stack of ancestors in the
 * iterator). Memory per entry: key + value + 44 bytes (two links 16,
 * lengths/flags 12, seq/ts 16), rounded up to 8.
 *
 * Overwrites: as in the skip list: in place when the value fits the node's
 * value space, otherwise a new node takes the old one's place (links and
 * color copied) and the old one stays in the arena as garbage. A put with
 * a seq not higher than the stored one is ignored.
 *
 * Puts while an iterator is open are allowed: the tree counts structural
 * changes, and an iterator that notices one re-seeks past its current key
 * (O(log n)) before moving, so it keeps yielding ascending keys without
 * repeats and sees keys inserted ahead of its position. The entry it is
 * positioned on shows the new value after an in-place overwrite and the
 * old one after a relocating overwrite.
 *
 * Limits: keys up to 65535 bytes, values up to 4 GiB - 1 (KV_EINVAL).
 */
#ifndef KV_CORE_MEMTABLE_RBTREE_H
#define KV_CORE_MEMTABLE_RBTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/memtable/memtable.h"

extern const struct kv_memtable_ops kv_rbtree_memtable_ops;

struct kv_rbtree_stats {
	size_t entries;
	size_t height;        /* longest root-to-leaf path, in nodes */
	size_t black_height;  /* black nodes on every root-to-leaf path */
	size_t red_nodes;
	size_t rotations;
	size_t garbage_bytes; /* replaced nodes still in the arena */
};

/* Fill @st for @mt, which must be an rbtree memtable (asserted). O(n). */
void kv_rbtree_stats(const struct kv_memtable *mt, struct kv_rbtree_stats *st);

/*
 * Deep check of the red-black invariants (root black, no red node with a
 * red child, equal black height on every path), strict key order, count
 * and byte totals. O(n). For tests; cheap checks run as asserts anyway.
 */
bool kv_rbtree_verify(const struct kv_memtable *mt);

#endif
