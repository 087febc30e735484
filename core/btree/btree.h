/*
 * core/btree/btree.h - the B+ tree baseline engine (struct kv_engine_ops
 * "btree") and its engine-specific statistics. Design, options and the
 * textbook comparisons: docs/btree.md; on-disk formats and the crash-safety
 * scheme: docs/formats.md, "B+ tree".
 *
 * Options (kv_btree_engine_ops.options): page_size, page_cache_size, wal,
 * wal_sync, wal_sync_bytes (same names and meaning as the LSM's),
 * checkpoint_bytes, paranoid_checks.
 */
#ifndef KV_CORE_BTREE_BTREE_H
#define KV_CORE_BTREE_BTREE_H

#include <stdint.h>

#include "core/engine.h"

extern const struct kv_engine_ops kv_btree_engine_ops;

/* Textbook reference: steady-state leaf fill under random inserts (ln 2, Yao 1978). */
#define KV_BTREE_TEXTBOOK_RANDOM_FILL 0.6931471805599453

struct kv_btree_stats {
	uint32_t page_bytes;
	uint32_t height;            /* 1: the root is a leaf */
	uint64_t entries;
	uint64_t leaf_pages, internal_pages, overflow_pages;
	double leaf_fill;           /* leaf bytes in use (header, slots, cells) / leaf page bytes */
	uint64_t pool_frames, pool_hits, pool_misses, evictions, dirty_evictions;
	uint64_t page_reads, page_writes;     /* device page I/Os of tree + overflow pages */
	uint64_t pages_relocated;             /* shadow writes to a fresh slot */
	uint64_t map_pages_written;
	uint64_t leaf_splits, internal_splits, root_splits;
	uint64_t merges, redistributions, root_collapses, rebalance_skipped;
	uint64_t checkpoints, wal_records_replayed;
	uint64_t gets, get_page_reads;        /* page reads (pool misses + overflow) during gets */
	uint64_t file_slots, free_slots;      /* page-file slots, and how many are reusable */
};

/* True if @e is a B+ tree engine. */
int kv_engine_is_btree(const struct kv_engine *e);
/* The statistics of a B+ tree engine; KV_EINVAL if @e is not one. */
int kv_btree_get_stats(const struct kv_engine *e, struct kv_btree_stats *out);

#endif
