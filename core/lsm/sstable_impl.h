/*
 * core/lsm/sstable_impl.h - the SSTable reader's internals, shared by
 * sstable_reader.c (open, get) and sstable_iter.c (iterators). Private to
 * those files and their tests.
 *
 * Invariants of an open table (checked by sst_check in sstable_reader.c):
 *  1. index[0..nblocks) are the data block handles in file order,
 *     contiguous from offset 0 to props.data_bytes, each size >= 4; their
 *     last keys (in index_keys) are strictly ascending; the last one is
 *     props.largest; nblocks = props.data_blocks.
 *  2. has_filter iff the footer's filter handle is present; bloom then
 *     points into filter_data (filter_len bytes, trailer included).
 *  3. props.file_bytes is the file size; every handle lies before the footer.
 *  4. unmappable: the device gave no view of the file (kv_dev_map), so
 *     blocks are read into buffers. borrowed_in_cache: some cache entry
 *     points into the device's view, so close erases the file's entries
 *     before the file is closed.
 *
 * Threading: an open table may be read from several threads at once (the
 * LSM engine's foreground reads and background compactions). Everything
 * but the two flags is immutable after open; the flags only ever go from
 * false to true and are atomic.
 */
#ifndef KV_CORE_LSM_SSTABLE_IMPL_H
#define KV_CORE_LSM_SSTABLE_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/device.h"
#include "core/lsm/block.h"
#include "core/lsm/block_cache.h"
#include "core/lsm/bloom.h"
#include "core/lsm/sstable.h"

/* Memory component of open tables: index, filter, iterators. */
#define KV_SST_TABLE_MEM KV_MEM_TABLE

struct kv_sst_index_entry {
	uint64_t off, size; /* data block handle */
	size_t key_off;     /* its last key: index_keys.data + key_off */
	size_t key_len;
};

struct kv_sst {
	struct kv_device *dev;
	struct kv_file *file;
	char *name;
	uint64_t file_id;
	struct kv_block_cache *cache; /* may be NULL */
	struct kv_sst_props props;
	struct kv_sst_index_entry *index;
	size_t nblocks, index_cap;
	struct kv_buf index_keys;
	char *filter_data;
	size_t filter_len;
	struct kv_bloom bloom;
	bool has_filter;
	atomic_bool unmappable;
	atomic_bool borrowed_in_cache;
};

/* A data block in use: pinned in the cache (h), or owned (owned). */
struct kv_sst_block_ref {
	struct kv_cache_handle *h;
	char *owned;
	size_t owned_len;
	const char *data; /* contents, without the trailer */
	size_t size;
};

/*
 * Record "corrupt SSTable '<name>' at offset <off>: <what>" in @err;
 * returns KV_ECORRUPT.
 */
int kv_sst_corrupt(const char *name, struct kv_err *err, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record a device read failure @rc at @off (with the device's message); returns @rc. */
int kv_sst_read_failed(const struct kv_sst *t, struct kv_err *err, int rc, uint64_t off);

/*
 * Check type and checksum of the block whose @size contents start at @buf
 * and are followed by its trailer (read from file offset @off).
 * KV_OK or KV_ECORRUPT.
 */
int kv_sst_verify_block(const struct kv_sst *t, const char *buf, uint64_t off, size_t size,
			int type, struct kv_err *err);

/* Index of the first data block whose last key is >= @key (nblocks if none). */
size_t kv_sst_index_find(const struct kv_sst *t, struct kv_slice key);

/*
 * Fetch data block @i: from the cache (pinned), or read and verified from
 * the device and inserted into the cache, or into an owned buffer when
 * the table has no cache. Adds to @st. Release with
 * kv_sst_block_ref_release(). KV_OK, or an error with @err set.
 */
int kv_sst_fetch_block(struct kv_sst *t, size_t i, struct kv_sst_block_ref *r,
		       struct kv_sst_read_stats *st, struct kv_err *err);
void kv_sst_block_ref_release(struct kv_sst *t, struct kv_sst_block_ref *r);

/* Turn a failed cursor over the data block at @block_off into an error in @err. */
int kv_sst_cursor_failed(const struct kv_sst *t, const struct kv_block_cursor *c,
			 uint64_t block_off, struct kv_err *err);

#endif
