/*
 * core/lsm/sstable_iter.c - the internal iterator over one SSTable.
 *
 * seek() uses the in-memory index to pick the block, then the block's
 * restart points. With fill_cache, blocks come through the block cache
 * (pinned while the iterator is on them); without it (compaction inputs)
 * they are read into an iterator-owned buffer, several consecutive blocks
 * per device read (KV_SST_READAHEAD_BYTES), and never enter the cache;
 * a device that maps the file gives that window in place (kv_dev_map).
 * Every block read from the device is verified (type, checksum) when the
 * iterator reaches it.
 */
#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/block.h"
#include "core/lsm/block_cache.h"
#include "core/lsm/sstable.h"
#include "core/lsm/sstable_format.h"
#include "core/lsm/sstable_impl.h"

/*
 * Invariants:
 *  1. status != KV_OK implies !cur.valid; err holds the message.
 *  2. cur.valid implies bi < nblocks and the cursor reads block bi, held
 *     by h (pinned) or inside the window win (win_off <= block offset,
 *     block end <= win_off + win_len), which is buf.data or a view of the
 *     device's mapping of the file.
 */
struct sst_iter {
	struct kv_iter base;
	struct kv_sst *t;
	bool fill_cache;
	size_t bi;
	struct kv_cache_handle *h;
	struct kv_buf buf;
	const char *win;
	uint64_t win_off;
	size_t win_len;
	struct kv_block_cursor cur;
	int status;
	struct kv_err err;
};

static bool iter_check(const struct sst_iter *it)
{
	if (it->status != KV_OK && it->cur.valid)
		return false;
	if (it->cur.valid && it->bi >= it->t->nblocks)
		return false;
	return true;
}

static int iter_fail(struct sst_iter *it, int rc)
{
	it->status = rc;
	it->cur.valid = false;
	return rc;
}

/* Make block @i's contents available; *data receives them. */
static int iter_load_bytes(struct sst_iter *it, size_t i, const char **data)
{
	struct kv_sst *t = it->t;
	const struct kv_sst_index_entry *e = &t->index[i];
	uint64_t need = e->size + KV_BLOCK_TRAILER_BYTES, want;
	struct kv_sst_read_stats st = { 0 };
	struct kv_sst_block_ref ref;
	size_t j;
	int rc;

	kv_block_cache_release(t->cache, it->h);
	it->h = NULL;
	if (t->cache && it->fill_cache) {
		rc = kv_sst_fetch_block(t, i, &ref, &st, &it->err);
		if (rc != KV_OK)
			return rc;
		it->h = ref.h;
		*data = ref.data;
		return KV_OK;
	}
	if (!it->win || e->off < it->win_off || e->off + need > it->win_off + it->win_len) {
		const void *view;

		/* Read block i, plus following blocks up to the read-ahead window. */
		want = need;
		for (j = i + 1; !it->fill_cache && j < t->nblocks; j++) {
			uint64_t more = t->index[j].size + KV_BLOCK_TRAILER_BYTES;

			if (want + more > KV_SST_READAHEAD_BYTES)
				break;
			want += more;
		}
		it->win = NULL;
		it->win_len = 0;
		rc = atomic_load_explicit(&t->unmappable, memory_order_relaxed)
			     ? KV_ENOTSUP
			     : kv_dev_map(t->file, e->off, (size_t)want, &view);
		if (rc == KV_ENOTSUP) {
			atomic_store_explicit(&t->unmappable, true, memory_order_relaxed);
			if (kv_buf_reserve(&it->buf, (size_t)want) != KV_OK)
				return kv_err_set(&it->err, KV_ENOMEM, "reading SSTable '%s': "
						  "out of memory", t->name);
			rc = kv_dev_read(t->file, e->off, it->buf.data, (size_t)want);
			view = it->buf.data;
		}
		if (rc != KV_OK)
			return kv_sst_read_failed(t, &it->err, rc, e->off);
		it->win = view;
		it->win_len = (size_t)want;
		it->win_off = e->off;
	}
	*data = it->win + (e->off - it->win_off);
	return kv_sst_verify_block(t, *data, e->off, (size_t)e->size, KV_BLOCK_DATA, &it->err);
}

/* Point the cursor at block @i, unpositioned. */
static int iter_load(struct sst_iter *it, size_t i)
{
	struct kv_block blk;
	const char *data = NULL, *what = NULL;
	size_t bad_off;
	int rc;

	it->bi = i;
	it->cur.valid = false;
	if (i >= it->t->nblocks)
		return KV_OK;
	rc = iter_load_bytes(it, i, &data);
	if (rc != KV_OK)
		return iter_fail(it, rc);
	rc = kv_block_parse(&blk, data, (size_t)it->t->index[i].size, true, &what, &bad_off);
	if (rc != KV_OK)
		return iter_fail(it, kv_sst_corrupt(it->t->name, &it->err, it->t->index[i].off + bad_off,
					     "%s (data block)", what));
	kv_block_cursor_set(&it->cur, &blk);
	return KV_OK;
}

static void iter_check_cursor(struct sst_iter *it, int rc)
{
	if (rc != KV_OK)
		iter_fail(it, kv_sst_cursor_failed(it->t, &it->cur, it->t->index[it->bi].off, &it->err));
}

/* From an exhausted block, move to the first entry of the next non-empty one. */
static void iter_skip_empty(struct sst_iter *it)
{
	while (it->status == KV_OK && !it->cur.valid && it->bi < it->t->nblocks) {
		if (iter_load(it, it->bi + 1) != KV_OK || it->bi >= it->t->nblocks)
			return;
		iter_check_cursor(it, kv_block_cursor_seek_first(&it->cur));
	}
}

static void iter_seek_first(struct kv_iter *base)
{
	struct sst_iter *it = (struct sst_iter *)base;

	if (it->status != KV_OK)
		return;
	if (iter_load(it, 0) != KV_OK || it->bi >= it->t->nblocks)
		return;
	iter_check_cursor(it, kv_block_cursor_seek_first(&it->cur));
	iter_skip_empty(it);
	assert(iter_check(it));
}

static void iter_seek(struct kv_iter *base, struct kv_slice target)
{
	struct sst_iter *it = (struct sst_iter *)base;

	if (it->status != KV_OK)
		return;
	if (iter_load(it, kv_sst_index_find(it->t, target)) != KV_OK || it->bi >= it->t->nblocks)
		return;
	iter_check_cursor(it, kv_block_cursor_seek(&it->cur, target));
	iter_skip_empty(it);
	assert(iter_check(it));
}

static bool iter_valid(const struct kv_iter *base)
{
	const struct sst_iter *it = (const struct sst_iter *)base;

	return it->status == KV_OK && it->cur.valid;
}

static void iter_next(struct kv_iter *base)
{
	struct sst_iter *it = (struct sst_iter *)base;

	assert(iter_valid(base));
	iter_check_cursor(it, kv_block_cursor_next(&it->cur));
	iter_skip_empty(it);
	assert(iter_check(it));
}

static struct kv_slice iter_key(const struct kv_iter *base)
{
	const struct sst_iter *it = (const struct sst_iter *)base;

	assert(iter_valid(base));
	return kv_block_cursor_key(&it->cur);
}

static struct kv_slice iter_value(const struct kv_iter *base)
{
	const struct sst_iter *it = (const struct sst_iter *)base;

	assert(iter_valid(base));
	return kv_block_cursor_value(&it->cur);
}

static void iter_meta(const struct kv_iter *base, struct kv_entry_meta *m)
{
	const struct sst_iter *it = (const struct sst_iter *)base;

	assert(iter_valid(base));
	*m = it->cur.meta;
}

static int iter_status(const struct kv_iter *base)
{
	return ((const struct sst_iter *)base)->status;
}

static const char *iter_errmsg(const struct kv_iter *base)
{
	return kv_err_msg(&((const struct sst_iter *)base)->err);
}

static void iter_close(struct kv_iter *base)
{
	struct sst_iter *it = (struct sst_iter *)base;

	kv_block_cache_release(it->t->cache, it->h);
	kv_block_cursor_free(&it->cur);
	kv_buf_free(&it->buf);
	kv_free(KV_SST_TABLE_MEM, it, sizeof(*it));
}

static const struct kv_iter_ops sst_iter_ops = {
	.name = "sstable",
	.seek_first = iter_seek_first,
	.seek = iter_seek,
	.valid = iter_valid,
	.next = iter_next,
	.key = iter_key,
	.value = iter_value,
	.status = iter_status,
	.close = iter_close,
	.meta = iter_meta,
	.errmsg = iter_errmsg,
};

struct kv_iter *kv_sst_iter(struct kv_sst *t, bool fill_cache)
{
	struct sst_iter *it = kv_calloc(KV_SST_TABLE_MEM, sizeof(*it));

	if (!it)
		return NULL;
	it->base.ops = &sst_iter_ops;
	it->t = t;
	it->fill_cache = fill_cache;
	it->bi = t->nblocks;
	it->buf.component = fill_cache ? KV_SST_TABLE_MEM : KV_MEM_COMPACTION;
	kv_block_cursor_init(&it->cur, KV_SST_TABLE_MEM);
	return &it->base;
}
