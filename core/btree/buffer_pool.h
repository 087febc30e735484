/*
 * core/btree/buffer_pool.h - the B+ tree's buffer pool: a fixed set of
 * page frames under a byte budget, found by logical page id through a hash
 * table, replaced in LRU order among unpinned frames. A dirty frame is
 * written back (through the pager, by the shadow rule) when it is evicted
 * and at checkpoints.
 *
 * Pinning: bt_pool_get() and bt_pool_new_page() return a pinned frame; the
 * caller unpins it with bt_pool_unpin(). A pinned frame is never evicted,
 * so frame->data stays valid until the unpin. bt_pool_reserve(n) evicts
 * ahead of a mutation so that the next n new pages or misses need no
 * write-back (a mutation then does no write I/O halfway through).
 *
 * Views: bt_pool_get_ro() serves a miss, where the device offers it, with
 * a view of the page in the device's mapping of the page file (verified
 * in place, bt_pager_view) instead of a copy into the frame's buffer.
 * Such a frame is clean and read-only: its data must not be written.
 * bt_pool_get() (for writers) first copies a viewed page into the
 * frame's own buffer, so every page that is modified, and so every page
 * the pager writes, is a copy; a view is never written through and its
 * slot is not rewritten while it is viewed.
 *
 * After bt_pool_set_readonly(), dirty frames are never written again
 * (sticky write error): eviction uses clean frames only.
 *
 * Ownership: the pool borrows the pager; frames belong to the pool.
 */
#ifndef KV_CORE_BTREE_BUFFER_POOL_H
#define KV_CORE_BTREE_BUFFER_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/btree/pager.h"
#include "core/status.h"

struct bt_frame {
	uint32_t id;     /* logical page id; 0: frame unused */
	int pins;
	bool dirty;
	bool view;       /* data points into the device's view (clean, read-only) */
	char *data;      /* page_bytes: buf, or a view when view is set */
	char *buf;       /* the frame's own page buffer */
	int32_t prev, next;  /* LRU list (most recent at head) */
	int32_t hnext;       /* hash chain */
};

struct bt_pool_stats {
	uint64_t hits, misses, evictions, dirty_evictions, writebacks;
	uint64_t views;          /* misses served by a view (bt_pool_get_ro) */
};

struct bt_pool;

/*
 * A pool of max(@budget_bytes / page_bytes, @min_frames) frames.
 * KV_ENOMEM.
 */
int bt_pool_new(struct bt_pager *pager, uint64_t budget_bytes, size_t min_frames,
		struct bt_pool **out, struct kv_err *err);
/* Free the pool without writing anything back. NULL is a no-op. */
void bt_pool_free(struct bt_pool *pool);

size_t bt_pool_frames(const struct bt_pool *pool);

/* The page @id, pinned; read and verified on a miss (@want_type as
   bt_pager_read). */
int bt_pool_get(struct bt_pool *pool, uint32_t id, unsigned want_type, struct bt_frame **out,
		struct kv_err *err);
/* As bt_pool_get, for a caller that only reads the page: a miss may be
   served by a view (see above). */
int bt_pool_get_ro(struct bt_pool *pool, uint32_t id, unsigned want_type,
		   struct bt_frame **out, struct kv_err *err);
/*
 * Let go of every view (copy each viewed page into its frame) and reopen
 * the page file when the pager asks for it (bt_pager_remap_wanted). Call
 * between operations, when no frame is pinned.
 */
void bt_pool_maybe_remap(struct bt_pool *pool);
/* A frame for the new page @id (zeroed, pinned, dirty); no read. */
int bt_pool_new_page(struct bt_pool *pool, uint32_t id, struct bt_frame **out,
		     struct kv_err *err);
void bt_pool_unpin(struct bt_pool *pool, struct bt_frame *f);
static inline void bt_pool_mark_dirty(struct bt_frame *f)
{
	f->dirty = true;
}
/* Make @n frames free now (evicting, writing dirty victims back). */
int bt_pool_reserve(struct bt_pool *pool, size_t n, struct kv_err *err);
/* Drop page @id from the pool without writing it (the page was freed). */
void bt_pool_discard(struct bt_pool *pool, uint32_t id);
/* Write every dirty frame back (checkpoint). */
int bt_pool_flush_all(struct bt_pool *pool, struct kv_err *err);
/* Never write back again (after a write error). */
void bt_pool_set_readonly(struct bt_pool *pool);
/* Number of pinned frames (0 between operations). */
size_t bt_pool_pinned(const struct bt_pool *pool);
size_t bt_pool_dirty(const struct bt_pool *pool);
void bt_pool_get_stats(const struct bt_pool *pool, struct bt_pool_stats *out);

#endif
