/*
 * core/btree/pager.h - the B+ tree's page file: logical page ids mapped to
 * physical slots (shadow paging), checksummed page I/O, the page map, the
 * free lists, and the two alternating meta records that make a checkpoint
 * atomic. Scheme and byte layout: docs/formats.md, "B+ tree".
 *
 * Files (all through the device wrapper): BTREE-PAGES (kind
 * KV_FILE_BTREE_PAGE; physical slot s >= 1 at offset (s - 1) * page_bytes)
 * and BTREE-META (KV_FILE_BTREE_PAGE; meta records at offsets 0 and
 * BT_META_BYTES).
 *
 * Shadow rule: a slot referenced by the last durable checkpoint is never
 * overwritten. Writing a page whose current slot is durable puts it in a
 * fresh slot and remaps the id; slots freed while the durable checkpoint
 * still references them become reusable only when the next checkpoint is
 * durable. Until then a crash leaves the durable tree intact.
 *
 * Ownership: the pager borrows the device for its life; page buffers are
 * the caller's.
 */
#ifndef KV_CORE_BTREE_PAGER_H
#define KV_CORE_BTREE_PAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/device.h"
#include "core/status.h"

#define BT_PAGES_FILE "BTREE-PAGES"
#define BT_META_FILE "BTREE-META"
#define BT_META_BYTES 256u
#define BT_FORMAT_VERSION 1u

/* What a checkpoint records besides the map (fields of the meta record). */
struct bt_meta {
	uint64_t counter;        /* checkpoint number; the higher valid record wins */
	uint64_t ckpt_seq;       /* every write with seq <= this is in the pages */
	uint32_t page_bytes;
	uint32_t root;
	uint32_t height;         /* 1 = the root is a leaf */
	uint64_t entries;        /* live keys */
	uint64_t leaf_pages, internal_pages, overflow_pages;
	uint64_t leaf_used_bytes; /* slot + cell bytes over all leaves */
};

struct bt_pager_stats {
	uint64_t page_reads, page_writes;     /* tree and overflow pages */
	uint64_t writes_in_place;             /* slot not durable: overwritten */
	uint64_t writes_relocated;            /* shadow write to a fresh slot */
	uint64_t map_pages_written, meta_writes, checkpoints;
};

struct bt_pager;

/*
 * Open the store on @dev, creating it (empty, no pages) if BTREE-META is
 * absent or empty. @page_bytes is used for a new store; an existing store
 * keeps its own (returned in meta->page_bytes). *created says which.
 * Fills *meta from the newest valid meta record. KV_ECORRUPT if the meta
 * records or the map are damaged.
 */
int bt_pager_open(struct kv_device *dev, uint32_t page_bytes, struct bt_pager **out,
		  struct bt_meta *meta, bool *created, struct kv_err *err);
void bt_pager_close(struct bt_pager *pg);

size_t bt_pager_page_bytes(const struct bt_pager *pg);

/*
 * Read logical page @id into @buf (a read call, never a view) and verify
 * it (checksum, id, structure; @want_type 0 accepts leaf, internal and
 * overflow). KV_ECORRUPT naming
 * the file and offset, KV_EIO, or KV_EINVAL-free KV_ECORRUPT if @id is
 * not mapped.
 */
int bt_pager_read(struct bt_pager *pg, uint32_t id, char *buf, unsigned want_type,
		  struct kv_err *err);
/*
 * As bt_pager_read, but without a copy where the device offers a view of
 * the page (kv_dev_map): the page is verified in place and *out points
 * into the view, which stays valid and unchanged until bt_pager_remap()
 * or bt_pager_close(), or until page @id is written (bt_pager_write) or
 * freed. Elsewhere (KV_ENOTSUP: mem, ssd, fault devices, file with
 * mmap=false) the page is read into @buf and *out == @buf.
 */
int bt_pager_view(struct bt_pager *pg, uint32_t id, char *buf, unsigned want_type,
		  const char **out, struct kv_err *err);
/*
 * True when the device stopped giving views on the current handle after
 * giving some (the file device keeps a bounded number of mappings of a
 * growing file). The holder of the views then lets go of every one and
 * calls bt_pager_remap(), which reopens the page file: the new handle
 * maps the file at its current size.
 */
bool bt_pager_remap_wanted(const struct bt_pager *pg);
void bt_pager_remap(struct bt_pager *pg);
/* Seal (checksum) and write logical page @id from @buf by the shadow rule. */
int bt_pager_write(struct bt_pager *pg, uint32_t id, char *buf, struct kv_err *err);

/* Allocate @n consecutive logical ids; *first receives the first. KV_ENOMEM. */
int bt_pager_alloc(struct bt_pager *pg, uint32_t n, uint32_t *first);
/* Free @n consecutive logical ids starting at @first (no I/O). */
void bt_pager_free(struct bt_pager *pg, uint32_t first, uint32_t n);
/* True if @id is allocated (mapped or allocated but not yet written). */
bool bt_pager_is_allocated(const struct bt_pager *pg, uint32_t id);

/*
 * Make the current state durable: write the map to fresh slots, sync the
 * page file, write the other meta record from @meta (counter incremented
 * here), sync it; then slots only the old checkpoint used become free.
 * The caller has written every dirty page first.
 */
int bt_pager_checkpoint(struct bt_pager *pg, struct bt_meta *meta, struct kv_err *err);

/* Number of the durable checkpoint (0: none yet). */
uint64_t bt_pager_counter(const struct bt_pager *pg);

void bt_pager_get_stats(const struct bt_pager *pg, struct bt_pager_stats *out);
/* Slots in the page file, of which free (reusable now). */
void bt_pager_space(const struct bt_pager *pg, uint64_t *slots, uint64_t *free_slots,
		    uint64_t *logical_ids);
/* Check the pager's internal invariants (tests, paranoid mode). */
bool bt_pager_check(const struct bt_pager *pg);

#endif
