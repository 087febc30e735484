/*
 * core/lsm/sstable_reader.c - opens SSTables, point lookups, iterators.
 * Byte layout: docs/formats.md, "SSTable".
 *
 * Open validates the footer, then reads and validates the properties, the
 * index (decoded into an array kept in memory) and the filter (kept as its
 * raw block). Data blocks are read on demand, validated (type, checksum)
 * on every device read, and go through the block cache when there is one.
 * A device that can map the file (kv_dev_map) gives the block in place:
 * no buffer, no copy; the cache then holds a borrowed pointer to it.
 * Block contents are always decoded defensively (block.c), so a block
 * whose checksum matches but whose contents are malformed still yields
 * KV_ECORRUPT, never a wrong read.
 *
 * Iterators: sstable_iter.c. Table internals and invariants:
 * sstable_impl.h.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/coding.h"
#include "core/lsm/block.h"
#include "core/lsm/block_cache.h"
#include "core/lsm/bloom.h"
#include "core/lsm/sstable.h"
#include "core/lsm/sstable_format.h"
#include "core/lsm/sstable_impl.h"

static bool sst_check(const struct kv_sst *t)
{
	if (t->nblocks != t->props.data_blocks || t->nblocks > t->index_cap)
		return false;
	if (t->has_filter != (t->filter_data != NULL))
		return false;
	if (t->nblocks && t->index[t->nblocks - 1].off + t->index[t->nblocks - 1].size +
				  KV_BLOCK_TRAILER_BYTES != t->props.data_bytes)
		return false;
	return true;
}

static struct kv_slice index_key(const struct kv_sst *t, size_t i)
{
	return kv_slice_make(t->index_keys.data + t->index[i].key_off, t->index[i].key_len);
}

int kv_sst_corrupt(const char *name, struct kv_err *err, uint64_t off, const char *fmt, ...)
{
	char what[KV_ERR_MSG_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kv_err_set(err, KV_ECORRUPT, "corrupt SSTable '%s' at offset %" PRIu64 ": %s",
			  name, off, what);
}

int kv_sst_read_failed(const struct kv_sst *t, struct kv_err *err, int rc, uint64_t off)
{
	return kv_err_set(err, rc, "reading SSTable '%s' at offset %" PRIu64 ": %s", t->name,
			  off, kv_dev_errmsg(t->dev));
}

int kv_sst_verify_block(const struct kv_sst *t, const char *buf, uint64_t off, size_t size,
			int type, struct kv_err *err)
{
	int found = (unsigned char)buf[size];

	if (found != type)
		return kv_sst_corrupt(t->name, err, off,
			       "block type mismatch (expected %s, found type %d)",
			       kv_block_type_name(type), found);
	if (kv_get_u32(buf + size + 1) != kv_checksum32(buf, size + 1))
		return kv_sst_corrupt(t->name, err, off, "block checksum mismatch (%s)",
			       kv_block_type_name(type));
	return KV_OK;
}

/*
 * Read the block (@off, @size) of @type with its trailer into a new buffer
 * of @component (*buf, size + KV_BLOCK_TRAILER_BYTES bytes) and verify it.
 */
static int read_block(const struct kv_sst *t, uint64_t off, uint64_t size, int type,
		      int component, char **buf, struct kv_err *err)
{
	size_t n = (size_t)size + KV_BLOCK_TRAILER_BYTES;
	char *p;
	int rc;

	*buf = NULL;
	p = kv_malloc((enum kv_mem_component)component, n);
	if (!p)
		return kv_err_set(err, KV_ENOMEM, "reading SSTable '%s': out of memory (%s)",
				  t->name, kv_block_type_name(type));
	rc = kv_dev_read(t->file, off, p, n);
	if (rc != KV_OK) {
		rc = kv_sst_read_failed(t, err, rc, off);
		goto out_free;
	}
	rc = kv_sst_verify_block(t, p, off, (size_t)size, type, err);
	if (rc != KV_OK)
		goto out_free;
	*buf = p;
	return KV_OK;

out_free:
	kv_free((enum kv_mem_component)component, p, n);
	return rc;
}

/* ---- open ---- */

struct handle {
	uint64_t off, size;
};

static int check_handle(const struct kv_sst *t, struct handle h, uint64_t footer_off,
			int type, bool required, uint64_t min_size, struct kv_err *err)
{
	if (h.size == 0 && !required && h.off == 0)
		return KV_OK;
	if (h.size < min_size || h.off > footer_off || h.size > footer_off - h.off ||
	    footer_off - h.off - h.size < KV_BLOCK_TRAILER_BYTES)
		return kv_sst_corrupt(t->name, err, footer_off,
			       "bad %s handle (offset %" PRIu64 ", size %" PRIu64 ", file %" PRIu64
			       " bytes)", kv_block_type_name(type), h.off, h.size,
			       t->props.file_bytes);
	return KV_OK;
}

static int decode_props(struct kv_sst *t, const char *data, size_t size, uint64_t off,
			struct kv_err *err)
{
	const char *p = data, *limit = data + size;
	uint64_t nfields, f[KV_SST_PROPS_FIELDS], len, file_bytes = t->props.file_bytes;
	struct kv_sst_props *pr = &t->props;

	p = kv_get_varint64(p, limit, &nfields);
	if (!p || nfields < KV_SST_PROPS_FIELDS)
		goto bad;
	for (uint64_t i = 0; i < nfields; i++) {
		uint64_t v;

		p = kv_get_varint64(p, limit, &v);
		if (!p)
			goto bad;
		if (i < KV_SST_PROPS_FIELDS)
			f[i] = v;
	}
	pr->entries = f[0];
	pr->tombstones = f[1];
	pr->key_bytes = f[2];
	pr->value_bytes = f[3];
	pr->min_ts_ns = f[4];
	pr->max_ts_ns = f[5];
	pr->min_seq = f[6];
	pr->max_seq = f[7];
	pr->data_blocks = f[8];
	pr->data_bytes = f[9];
	pr->index_bytes = f[10];
	pr->filter_bytes = f[11];
	pr->file_bytes = file_bytes;
	p = kv_get_varint64(p, limit, &len);
	if (!p || len > (uint64_t)(limit - p))
		goto bad;
	if (kv_buf_set(&pr->smallest, p, (size_t)len) != KV_OK)
		goto nomem;
	p += len;
	p = kv_get_varint64(p, limit, &len);
	if (!p || len != (uint64_t)(limit - p))
		goto bad;
	if (kv_buf_set(&pr->largest, p, (size_t)len) != KV_OK)
		goto nomem;
	if (pr->tombstones > pr->entries || (pr->entries == 0) != (pr->data_blocks == 0) ||
	    pr->data_blocks > pr->entries || pr->min_ts_ns > pr->max_ts_ns ||
	    pr->min_seq > pr->max_seq ||
	    kv_slice_cmp(kv_buf_slice(&pr->smallest), kv_buf_slice(&pr->largest)) > 0)
		return kv_sst_corrupt(t->name, err, off, "inconsistent properties (properties block)");
	return KV_OK;

bad:
	return kv_sst_corrupt(t->name, err, off, "malformed properties (properties block)");
nomem:
	return kv_err_set(err, KV_ENOMEM, "reading SSTable '%s': out of memory", t->name);
}

static int index_push(struct kv_sst *t, struct kv_slice key, uint64_t off, uint64_t size)
{
	struct kv_sst_index_entry *e;

	if (t->nblocks == t->index_cap) {
		size_t cap = t->index_cap ? t->index_cap * 2 : 16;

		e = kv_realloc(KV_SST_TABLE_MEM, t->index, t->index_cap * sizeof(*e), cap * sizeof(*e));
		if (!e)
			return KV_ENOMEM;
		t->index = e;
		t->index_cap = cap;
	}
	e = &t->index[t->nblocks];
	e->off = off;
	e->size = size;
	e->key_off = t->index_keys.len;
	e->key_len = key.len;
	if (kv_buf_append(&t->index_keys, key.data, key.len) != KV_OK)
		return KV_ENOMEM;
	t->nblocks++;
	return KV_OK;
}

/* Decode and validate the index block (@data, @size contents read at @off). */
static int decode_index(struct kv_sst *t, const char *data, size_t size, uint64_t off,
			struct kv_err *err)
{
	struct kv_block blk;
	struct kv_block_cursor c;
	const char *what = NULL;
	size_t bad_off = 0;
	uint64_t expect = 0;
	int rc;

	kv_block_cursor_init(&c, KV_SST_TABLE_MEM);
	rc = kv_block_parse(&blk, data, size, false, &what, &bad_off);
	if (rc != KV_OK)
		goto out_corrupt;
	kv_block_cursor_set(&c, &blk);
	for (rc = kv_block_cursor_seek_first(&c); rc == KV_OK && c.valid;
	     rc = kv_block_cursor_next(&c)) {
		struct kv_slice v = kv_block_cursor_value(&c), key = kv_block_cursor_key(&c);
		const char *p = v.data, *limit = v.data + v.len;
		uint64_t boff, bsize;

		p = kv_get_varint64(p, limit, &boff);
		if (p)
			p = kv_get_varint64(p, limit, &bsize);
		if (!p || p != limit) {
			what = "malformed block handle";
			bad_off = c.cur;
			goto out_corrupt;
		}
		if (boff != expect || bsize < 4 || bsize > t->props.data_bytes ||
		    t->props.data_bytes - bsize < KV_BLOCK_TRAILER_BYTES ||
		    boff > t->props.data_bytes - bsize - KV_BLOCK_TRAILER_BYTES) {
			what = "data block handle out of place";
			bad_off = c.cur;
			goto out_corrupt;
		}
		if (t->nblocks > 0 && kv_slice_cmp(index_key(t, t->nblocks - 1), key) >= 0) {
			what = "index keys out of order";
			bad_off = c.cur;
			goto out_corrupt;
		}
		if (index_push(t, key, boff, bsize) != KV_OK) {
			rc = kv_err_set(err, KV_ENOMEM, "reading SSTable '%s': out of memory",
					t->name);
			goto out_free;
		}
		expect = boff + bsize + KV_BLOCK_TRAILER_BYTES;
	}
	if (rc == KV_ENOMEM) {
		rc = kv_err_set(err, KV_ENOMEM, "reading SSTable '%s': out of memory", t->name);
		goto out_free;
	}
	if (rc != KV_OK) {
		what = c.what;
		bad_off = c.bad_off;
		goto out_corrupt;
	}
	if (expect != t->props.data_bytes || t->nblocks != t->props.data_blocks ||
	    (t->nblocks > 0 &&
	     !kv_slice_eq(index_key(t, t->nblocks - 1), kv_buf_slice(&t->props.largest)))) {
		rc = kv_sst_corrupt(t->name, err, off,
			     "index does not match the properties (%zu blocks ending at %" PRIu64
			     ", properties say %" PRIu64 " ending at %" PRIu64 ") (index block)",
			     t->nblocks, expect, t->props.data_blocks, t->props.data_bytes);
		goto out_free;
	}
	rc = KV_OK;
	goto out_free;

out_corrupt:
	rc = kv_sst_corrupt(t->name, err, off + bad_off, "%s (index block)", what);
out_free:
	kv_block_cursor_free(&c);
	return rc;
}

static struct handle get_handle(const char *p)
{
	struct handle h = { kv_get_u64(p), kv_get_u64(p + 8) };

	return h;
}

static int open_tail(struct kv_sst *t, struct kv_err *err)
{
	char footer[KV_SST_FOOTER_BYTES];
	uint64_t size, footer_off, first_meta;
	struct handle fh, ph, ih;
	char *buf = NULL;
	int rc;

	rc = kv_dev_size(t->file, &size);
	if (rc != KV_OK)
		return kv_sst_read_failed(t, err, rc, 0);
	t->props.file_bytes = size;
	if (size < KV_SST_FOOTER_BYTES)
		return kv_sst_corrupt(t->name, err, 0, "file of %" PRIu64 " bytes is shorter than the"
			       " %d-byte footer", size, KV_SST_FOOTER_BYTES);
	footer_off = size - KV_SST_FOOTER_BYTES;
	rc = kv_dev_read(t->file, footer_off, footer, sizeof(footer));
	if (rc != KV_OK)
		return kv_sst_read_failed(t, err, rc, footer_off);
	if (kv_get_u32(footer + KV_SST_FOOTER_CHECKSUM) !=
	    kv_checksum32(footer, KV_SST_FOOTER_CHECKSUM))
		return kv_sst_corrupt(t->name, err, footer_off, "footer checksum mismatch (footer)");
	if (kv_get_u64(footer + KV_SST_FOOTER_MAGIC) != KV_SST_MAGIC)
		return kv_sst_corrupt(t->name, err, footer_off, "bad magic 0x%016" PRIx64 " (footer)",
			       kv_get_u64(footer + KV_SST_FOOTER_MAGIC));
	if (kv_get_u32(footer + KV_SST_FOOTER_VERSION) != KV_SST_FORMAT_VERSION)
		return kv_sst_corrupt(t->name, err, footer_off, "unsupported format version %" PRIu32
			       " (footer)", kv_get_u32(footer + KV_SST_FOOTER_VERSION));
	fh = get_handle(footer + KV_SST_FOOTER_FILTER);
	ph = get_handle(footer + KV_SST_FOOTER_PROPS);
	ih = get_handle(footer + KV_SST_FOOTER_INDEX);
	rc = check_handle(t, fh, footer_off, KV_BLOCK_FILTER, false, 2, err);
	if (rc == KV_OK)
		rc = check_handle(t, ph, footer_off, KV_BLOCK_PROPS, true, 1, err);
	if (rc == KV_OK)
		rc = check_handle(t, ih, footer_off, KV_BLOCK_INDEX, true, 4, err);
	if (rc != KV_OK)
		return rc;

	rc = read_block(t, ph.off, ph.size, KV_BLOCK_PROPS, KV_SST_TABLE_MEM, &buf, err);
	if (rc != KV_OK)
		return rc;
	rc = decode_props(t, buf, (size_t)ph.size, ph.off, err);
	kv_free(KV_SST_TABLE_MEM, buf, (size_t)ph.size + KV_BLOCK_TRAILER_BYTES);
	if (rc != KV_OK)
		return rc;
	first_meta = ph.off < ih.off ? ph.off : ih.off;
	if (fh.size && fh.off < first_meta)
		first_meta = fh.off;
	if (t->props.index_bytes != ih.size + KV_BLOCK_TRAILER_BYTES ||
	    t->props.filter_bytes != (fh.size ? fh.size + KV_BLOCK_TRAILER_BYTES : 0))
		return kv_sst_corrupt(t->name, err, ph.off, "block sizes do not match the footer"
			       " (properties block)");
	if (t->props.data_bytes != first_meta)
		return kv_sst_corrupt(t->name, err, ph.off, "data region of %" PRIu64 " bytes does not end"
			       " at the first metadata block (%" PRIu64 ") (properties block)",
			       t->props.data_bytes, first_meta);

	rc = read_block(t, ih.off, ih.size, KV_BLOCK_INDEX, KV_SST_TABLE_MEM, &buf, err);
	if (rc != KV_OK)
		return rc;
	rc = decode_index(t, buf, (size_t)ih.size, ih.off, err);
	kv_free(KV_SST_TABLE_MEM, buf, (size_t)ih.size + KV_BLOCK_TRAILER_BYTES);
	if (rc != KV_OK)
		return rc;

	if (fh.size) {
		rc = read_block(t, fh.off, fh.size, KV_BLOCK_FILTER, KV_SST_TABLE_MEM, &t->filter_data,
				err);
		if (rc != KV_OK)
			return rc;
		t->filter_len = (size_t)fh.size + KV_BLOCK_TRAILER_BYTES;
		t->has_filter = true;
		if (kv_bloom_parse(&t->bloom, t->filter_data, (size_t)fh.size) != KV_OK)
			return kv_sst_corrupt(t->name, err, fh.off, "malformed filter (filter block)");
	}
	return KV_OK;
}

int kv_sst_open(struct kv_device *dev, const char *name, uint64_t file_id,
		struct kv_block_cache *cache, struct kv_sst **out, struct kv_err *err)
{
	struct kv_sst *t;
	int rc;

	*out = NULL;
	t = kv_calloc(KV_SST_TABLE_MEM, sizeof(*t));
	if (!t)
		return kv_err_set(err, KV_ENOMEM, "opening SSTable '%s': out of memory", name);
	t->dev = dev;
	t->file_id = file_id;
	t->cache = cache;
	t->props.smallest.component = KV_SST_TABLE_MEM;
	t->props.largest.component = KV_SST_TABLE_MEM;
	t->index_keys.component = KV_SST_TABLE_MEM;
	t->name = kv_strdup(KV_SST_TABLE_MEM, name);
	if (!t->name) {
		rc = kv_err_set(err, KV_ENOMEM, "opening SSTable '%s': out of memory", name);
		goto out_close;
	}
	rc = kv_dev_open_file(dev, name, KV_FILE_SST, &t->file);
	if (rc != KV_OK) {
		t->file = NULL;
		kv_err_set(err, rc, "%s", kv_dev_errmsg(dev));
		goto out_close;
	}
	rc = open_tail(t, err);
	if (rc != KV_OK)
		goto out_close;
	assert(sst_check(t));
	*out = t;
	return KV_OK;

out_close:
	kv_sst_close(t);
	return rc;
}

void kv_sst_close(struct kv_sst *t)
{
	if (!t)
		return;
	if (atomic_load_explicit(&t->borrowed_in_cache, memory_order_relaxed))
		kv_block_cache_erase_file(t->cache, t->file_id);
	kv_dev_close_file(t->file);
	kv_free(KV_SST_TABLE_MEM, t->index, t->index_cap * sizeof(*t->index));
	kv_buf_free(&t->index_keys);
	kv_free(KV_SST_TABLE_MEM, t->filter_data, t->filter_len);
	kv_sst_props_free(&t->props);
	kv_strfree(KV_SST_TABLE_MEM, t->name);
	kv_free(KV_SST_TABLE_MEM, t, sizeof(*t));
}

const struct kv_sst_props *kv_sst_props(const struct kv_sst *t)
{
	return &t->props;
}

/* ---- block access ---- */

size_t kv_sst_index_find(const struct kv_sst *t, struct kv_slice key)
{
	size_t lo = 0, hi = t->nblocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kv_slice_cmp(index_key(t, mid), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void kv_sst_block_ref_release(struct kv_sst *t, struct kv_sst_block_ref *r)
{
	kv_block_cache_release(t->cache, r->h);
	kv_free(KV_SST_TABLE_MEM, r->owned, r->owned_len);
	memset(r, 0, sizeof(*r));
}

int kv_sst_fetch_block(struct kv_sst *t, size_t i, struct kv_sst_block_ref *r,
		       struct kv_sst_read_stats *st, struct kv_err *err)
{
	const struct kv_sst_index_entry *e = &t->index[i];
	char *buf;
	int rc;

	memset(r, 0, sizeof(*r));
	r->size = (size_t)e->size;
	if (t->cache) {
		r->h = kv_block_cache_lookup(t->cache, t->file_id, e->off);
		if (r->h) {
			st->cache_hits++;
			r->data = kv_block_cache_handle_data(r->h);
			assert(kv_block_cache_handle_len(r->h) == r->size + KV_BLOCK_TRAILER_BYTES);
			return KV_OK;
		}
	}
	st->block_reads++;
	if (!atomic_load_explicit(&t->unmappable, memory_order_relaxed)) {
		const void *view;

		rc = kv_dev_map(t->file, e->off, r->size + KV_BLOCK_TRAILER_BYTES, &view);
		if (rc == KV_OK) {
			rc = kv_sst_verify_block(t, view, e->off, r->size, KV_BLOCK_DATA, err);
			if (rc != KV_OK)
				return rc;
			r->data = view;
			if (!t->cache)
				return KV_OK;
			r->h = kv_block_cache_insert_borrowed(t->cache, t->file_id, e->off, view,
							      r->size + KV_BLOCK_TRAILER_BYTES);
			if (!r->h)
				return kv_err_set(err, KV_ENOMEM, "reading SSTable '%s': out of "
						  "memory (block cache)", t->name);
			atomic_store_explicit(&t->borrowed_in_cache, true, memory_order_relaxed);
			return KV_OK;
		}
		if (rc != KV_ENOTSUP)
			return kv_sst_read_failed(t, err, rc, e->off);
		atomic_store_explicit(&t->unmappable, true, memory_order_relaxed);
	}
	rc = read_block(t, e->off, e->size, KV_BLOCK_DATA,
			t->cache ? KV_MEM_BLOCK_CACHE : KV_SST_TABLE_MEM, &buf, err);
	if (rc != KV_OK)
		return rc;
	if (t->cache) {
		r->h = kv_block_cache_insert(t->cache, t->file_id, e->off, buf,
					     r->size + KV_BLOCK_TRAILER_BYTES);
		if (!r->h)
			return kv_err_set(err, KV_ENOMEM, "reading SSTable '%s': out of memory"
					  " (block cache)", t->name);
		r->data = kv_block_cache_handle_data(r->h);
	} else {
		r->owned = buf;
		r->owned_len = r->size + KV_BLOCK_TRAILER_BYTES;
		r->data = buf;
	}
	return KV_OK;
}

int kv_sst_cursor_failed(const struct kv_sst *t, const struct kv_block_cursor *c,
			 uint64_t block_off, struct kv_err *err)
{
	if (c->status == KV_ENOMEM)
		return kv_err_set(err, KV_ENOMEM, "reading SSTable '%s': out of memory", t->name);
	return kv_sst_corrupt(t->name, err, block_off + c->bad_off, "%s (data block)", c->what);
}

uint64_t kv_sst_key_hash(struct kv_slice key)
{
	return kv_bloom_hash(key);
}

int kv_sst_get(struct kv_sst *t, struct kv_slice key, struct kv_buf *value,
	       struct kv_entry_meta *meta, struct kv_sst_read_stats *st, struct kv_err *err)
{
	return kv_sst_get_hashed(t, key, kv_bloom_hash(key), value, meta, st, err);
}

int kv_sst_get_hashed(struct kv_sst *t, struct kv_slice key, uint64_t key_hash,
		      struct kv_buf *value, struct kv_entry_meta *meta,
		      struct kv_sst_read_stats *st, struct kv_err *err)
{
	struct kv_sst_read_stats dummy;
	struct kv_sst_block_ref ref;
	struct kv_block blk;
	struct kv_block_cursor c;
	const char *what;
	size_t bad_off, i;
	bool maybe = false;
	int rc;

	assert(sst_check(t));
	if (!st)
		st = &dummy;
	if (t->has_filter) {
		st->bloom_checks++;
		if (!kv_bloom_may_contain(&t->bloom, key_hash)) {
			st->bloom_negatives++;
			return KV_NOTFOUND;
		}
		maybe = true;
	}
	if (t->nblocks == 0 || kv_slice_cmp(key, kv_buf_slice(&t->props.smallest)) < 0)
		goto out_absent;
	st->index_probes++;
	i = kv_sst_index_find(t, key);
	if (i == t->nblocks)
		goto out_absent;
	rc = kv_sst_fetch_block(t, i, &ref, st, err);
	if (rc != KV_OK)
		return rc;
	rc = kv_block_parse(&blk, ref.data, ref.size, true, &what, &bad_off);
	if (rc != KV_OK) {
		rc = kv_sst_corrupt(t->name, err, t->index[i].off + bad_off, "%s (data block)", what);
		goto out_release;
	}
	kv_block_cursor_init(&c, KV_SST_TABLE_MEM);
	kv_block_cursor_set(&c, &blk);
	rc = kv_block_cursor_seek(&c, key);
	if (rc != KV_OK) {
		rc = kv_sst_cursor_failed(t, &c, t->index[i].off, err);
	} else if (c.valid && kv_slice_eq(kv_block_cursor_key(&c), key)) {
		rc = kv_buf_set(value, c.value, c.value_len);
		if (rc != KV_OK)
			rc = kv_err_set(err, rc, "reading SSTable '%s': out of memory (value)",
					t->name);
		*meta = c.meta;
	} else {
		rc = KV_NOTFOUND;
	}
	kv_block_cursor_free(&c);
out_release:
	kv_sst_block_ref_release(t, &ref);
	if (rc != KV_NOTFOUND)
		return rc;
out_absent:
	if (maybe)
		st->bloom_false_pos++;
	return KV_NOTFOUND;
}
