/*
 * core/btree/btree_impl.h - the B+ tree proper (btree.c) over the pager and
 * the buffer pool, shared by the engine (btree_engine.c) and the tests.
 * Nothing outside core/btree/ and tests/ includes this.
 *
 * Structure: leaves (level 0) hold the entries in key order and are linked
 * left to right through `next`; an internal page at level L holds a
 * leftmost child and cells (key_i, child_i) where child_i holds the keys
 * >= key_i and < key_{i+1}. Separators are the shortest prefixes that
 * separate two leaves (suffix truncation). Cells larger than a quarter of
 * the page keep a 32-byte key prefix inline and put the whole key (and the
 * value) in an overflow chain of consecutive page ids.
 *
 * Invariants (bt_tree_check, after mutations in paranoid mode and tests):
 *  1. Keys strictly ascend within a page and across the leaf chain; every
 *     key of a subtree lies within the separators around it.
 *  2. Every leaf is at depth height - 1; page levels count up from 0.
 *  3. Every non-root page uses at least min_used bytes (slots + cells),
 *     except the rightmost leaf (an append split leaves it small) and
 *     unless a rebalance was skipped after an I/O error (counted).
 *  4. The leaf chain visits exactly the leaves in key order; the last
 *     leaf's next is 0.
 *  5. entries, leaf_pages, internal_pages, overflow_pages and
 *     leaf_used_bytes equal what the pages hold.
 *  6. Between operations no frame is pinned.
 * Mutations do all their fallible work (reads, overflow writes, frame and
 * id reservation) before changing a page, so an error leaves a valid tree.
 */
#ifndef KV_CORE_BTREE_BTREE_IMPL_H
#define KV_CORE_BTREE_BTREE_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/btree/buffer_pool.h"
#include "core/btree/page.h"
#include "core/btree/pager.h"
#include "core/slice.h"
#include "core/status.h"

#define BT_MAX_HEIGHT 24
#define BT_SPARE_IDS (BT_MAX_HEIGHT + 2)

struct bt_tree_stats {
	uint64_t leaf_splits, internal_splits, root_splits;
	uint64_t merges, redistributions, root_collapses;
	uint64_t rebalance_skipped;   /* after an I/O error: the tree stays valid */
	uint64_t ovf_chains_written, ovf_pages_written, ovf_pages_read;
};

struct bt_tree {
	struct bt_pager *pager;
	struct bt_pool *pool;
	size_t page_bytes;
	uint32_t max_local;           /* largest inline cell */
	uint32_t min_used;            /* underflow threshold, slot + cell bytes */
	uint32_t root, height;
	uint64_t entries, leaf_pages, internal_pages, overflow_pages, leaf_used_bytes;
	uint64_t version;             /* bumped by every mutation */
	struct kv_err *err;           /* where messages go (borrowed) */
	struct bt_tree_stats st;

	/* scratch, allocated once */
	char *scratch;                /* one page (compaction) */
	char *ovfpage;                /* one page (overflow I/O) */
	char *gather;                 /* cells copied for split/merge: 3 pages */
	const char **cells;
	uint32_t *sizes;
	size_t cells_cap;
	char *cellbuf;                /* a new cell (<= max_local) */
	char *oldcell;                /* a removed cell kept for undo */
	char *sepcell;                /* a separator cell */
	struct kv_buf kbuf, kbuf2, sepbuf;
	uint32_t spare[BT_SPARE_IDS];
	uint32_t nspare;
};

/*
 * Set up @t over @pager and @pool from @meta (root 0: a new store; a root
 * leaf is created in the pool). Messages go to @err. KV_ENOMEM.
 */
int bt_tree_init(struct bt_tree *t, struct bt_pager *pager, struct bt_pool *pool,
		 const struct bt_meta *meta, struct kv_err *err);
/* Release the scratch memory (pool and pager are the caller's). */
void bt_tree_destroy(struct bt_tree *t);
/* Before a checkpoint: give back spare page ids (so the map can shrink)
   and copy the tree's fields into @m (root, height, counts). */
void bt_tree_prepare_checkpoint(struct bt_tree *t, struct bt_meta *m);

/* Look @key up; KV_OK with the value copied into @value, or KV_NOTFOUND. */
int bt_tree_get(struct bt_tree *t, struct kv_slice key, struct kv_buf *value);
/* Insert or replace. Errors leave the tree as it was. */
int bt_tree_put(struct bt_tree *t, struct kv_slice key, struct kv_slice value);
/* Remove; KV_NOTFOUND if absent. */
int bt_tree_delete(struct bt_tree *t, struct kv_slice key);

struct bt_check_info {
	uint64_t pages, leaves, entries, overflow_pages;
	uint32_t height;
	double leaf_fill;             /* mean (page - free) / page over leaves */
};
/* Walk the whole tree checking invariants 1-6. KV_OK or KV_ECORRUPT. */
int bt_tree_check(struct bt_tree *t, struct bt_check_info *info);

/*
 * A cursor over the leaf chain that survives writes: it keeps copies of
 * its key and value and, if the tree changed since it moved, re-seeks
 * past its key. key/value are valid while valid is true.
 */
struct bt_cursor {
	struct bt_tree *t;
	uint32_t leaf, idx;
	uint64_t version;
	bool valid;
	int status;
	struct kv_buf key, value;
};

void bt_cursor_init(struct bt_cursor *c, struct bt_tree *t);
void bt_cursor_destroy(struct bt_cursor *c);
/* Position at the first key >= @key (> @key if @after); NULL data: first. */
int bt_cursor_seek(struct bt_cursor *c, struct kv_slice key, bool after);
int bt_cursor_next(struct bt_cursor *c);

#endif
