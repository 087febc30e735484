/*
 * core/lsm/sstable_writer.c - writes one SSTable sequentially.
 * Byte layout: docs/formats.md, "SSTable".
 *
 * Entries go into a data block builder; a block that reaches block_bytes
 * is framed (type + checksum) into the output buffer and indexed by its
 * last key. The output buffer is appended to the file once it holds
 * KV_SST_APPEND_BYTES, so the device sees large sequential appends.
 * finish() adds the filter, properties and index blocks and the footer.
 *
 * Invariants:
 *  1. flushed = bytes appended to the file so far; the file offset of
 *     out.data[0] is flushed.
 *  2. The data blocks emitted so far are contiguous from offset 0 and end
 *     at flushed + out.len; props.data_bytes is their total with trailers,
 *     props.data_blocks their number = index.entries.
 *  3. props.entries = entries in emitted blocks + data.entries;
 *     nhashes = props.entries when a filter is built, else 0.
 *  4. props.largest is the last key added; keys were strictly ascending.
 *  5. status != KV_OK is sticky: nothing is written after an error.
 */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/coding.h"
#include "core/lsm/block.h"
#include "core/lsm/bloom.h"
#include "core/lsm/sstable.h"
#include "core/lsm/sstable_format.h"

#define WRITER_MEM KV_MEM_COMPACTION

struct kv_sst_writer {
	struct kv_device *dev;
	struct kv_file *file;
	char *name;
	struct kv_sst_writer_opts opts;
	struct kv_block_builder data;
	struct kv_block_builder index;
	struct kv_buf out;
	uint64_t flushed;
	uint64_t *hashes;
	size_t nhashes, hashes_cap;
	struct kv_sst_props props;
	int status;
	struct kv_err err;
};

static bool writer_check(const struct kv_sst_writer *w)
{
	if (w->props.data_blocks != w->index.entries)
		return false;
	if (w->props.data_bytes > w->flushed + w->out.len)
		return false;
	if (w->props.entries < w->data.entries || w->props.tombstones > w->props.entries)
		return false;
	if (w->opts.bloom_bits_per_key ? w->nhashes != w->props.entries : w->nhashes != 0)
		return false;
	return true;
}

void kv_sst_props_free(struct kv_sst_props *p)
{
	if (!p)
		return;
	kv_buf_free(&p->smallest);
	kv_buf_free(&p->largest);
}

static void writer_free(struct kv_sst_writer *w)
{
	kv_dev_close_file(w->file);
	kv_block_builder_free(&w->data);
	kv_block_builder_free(&w->index);
	kv_buf_free(&w->out);
	kv_free(WRITER_MEM, w->hashes, w->hashes_cap * sizeof(*w->hashes));
	kv_sst_props_free(&w->props);
	kv_strfree(WRITER_MEM, w->name);
	kv_free(WRITER_MEM, w, sizeof(*w));
}

int kv_sst_writer_open(struct kv_device *dev, const char *name,
		       const struct kv_sst_writer_opts *opts, struct kv_sst_writer **out,
		       struct kv_err *err)
{
	struct kv_sst_writer *w;
	int rc;

	*out = NULL;
	if (opts->block_bytes < 1 || opts->block_bytes > KV_SST_MAX_BLOCK_BYTES)
		return kv_err_set(err, KV_EINVAL, "SSTable '%s': block_bytes %" PRIu32
				  " outside 1..%" PRIu32, name, opts->block_bytes,
				  KV_SST_MAX_BLOCK_BYTES);
	if (opts->restart_interval < 1 || opts->restart_interval > KV_SST_MAX_RESTART_INTERVAL)
		return kv_err_set(err, KV_EINVAL, "SSTable '%s': restart_interval %" PRIu32
				  " outside 1..%u", name, opts->restart_interval,
				  KV_SST_MAX_RESTART_INTERVAL);
	if (opts->bloom_bits_per_key > KV_SST_MAX_BLOOM_BITS)
		return kv_err_set(err, KV_EINVAL, "SSTable '%s': bloom_bits_per_key %" PRIu32
				  " outside 0..%u", name, opts->bloom_bits_per_key,
				  KV_SST_MAX_BLOOM_BITS);
	w = kv_calloc(WRITER_MEM, sizeof(*w));
	if (!w)
		return kv_err_set(err, KV_ENOMEM, "SSTable '%s': out of memory", name);
	w->dev = dev;
	w->opts = *opts;
	kv_block_builder_init(&w->data, opts->restart_interval, true, WRITER_MEM);
	kv_block_builder_init(&w->index, 1, false, WRITER_MEM);
	w->out.component = WRITER_MEM;
	w->props.smallest.component = KV_MEM_OTHER;
	w->props.largest.component = KV_MEM_OTHER;
	w->name = kv_strdup(WRITER_MEM, name);
	if (!w->name) {
		rc = kv_err_set(err, KV_ENOMEM, "SSTable '%s': out of memory", name);
		goto out_free;
	}
	rc = kv_dev_create(dev, name, KV_FILE_SST, &w->file);
	if (rc != KV_OK) {
		w->file = NULL;
		kv_err_set(err, rc, "%s", kv_dev_errmsg(dev));
		goto out_free;
	}
	assert(writer_check(w));
	*out = w;
	return KV_OK;

out_free:
	writer_free(w);
	return rc;
}

static int fail(struct kv_sst_writer *w, int rc, const char *what)
{
	if (w->status == KV_OK) {
		w->status = rc;
		if (rc == KV_ENOMEM)
			kv_err_set(&w->err, rc, "writing SSTable '%s': out of memory (%s)",
				   w->name, what);
		else
			kv_err_set(&w->err, rc, "writing SSTable '%s' at offset %" PRIu64
				   ": %s: %s", w->name, w->flushed, what,
				   kv_dev_errmsg(w->dev));
	}
	return w->status;
}

/* Append the pending output to the file. */
static int write_out(struct kv_sst_writer *w)
{
	int rc;

	if (w->out.len == 0)
		return KV_OK;
	rc = kv_dev_append(w->file, w->out.data, w->out.len);
	if (rc != KV_OK)
		return fail(w, rc, "append");
	w->flushed += w->out.len;
	w->out.len = 0;
	return KV_OK;
}

/*
 * Frame @contents as a block of @type into the output buffer; *off and
 * *size receive its handle.
 */
static int emit_block(struct kv_sst_writer *w, struct kv_slice contents, int type,
		      uint64_t *off, uint64_t *size)
{
	char *p;

	if (kv_buf_reserve(&w->out, contents.len + KV_BLOCK_TRAILER_BYTES) != KV_OK)
		return fail(w, KV_ENOMEM, kv_block_type_name(type));
	*off = w->flushed + w->out.len;
	*size = contents.len;
	p = w->out.data + w->out.len;
	memcpy(p, contents.data, contents.len);
	p[contents.len] = (char)type;
	kv_put_u32(p + contents.len + 1, kv_checksum32(p, contents.len + 1));
	w->out.len += contents.len + KV_BLOCK_TRAILER_BYTES;
	return KV_OK;
}

static int add_index_entry(struct kv_sst_writer *w, struct kv_slice last_key, uint64_t off,
			   uint64_t size)
{
	char hbuf[2 * KV_VARINT64_MAX];
	char *p = kv_put_varint64(hbuf, off);

	p = kv_put_varint64(p, size);
	if (kv_block_builder_add(&w->index, last_key, kv_slice_make(hbuf, (size_t)(p - hbuf)),
				 NULL) != KV_OK)
		return fail(w, KV_ENOMEM, "index entry");
	return KV_OK;
}

/* Close the current data block: frame it, index it, maybe write out. */
static int flush_block(struct kv_sst_writer *w)
{
	struct kv_slice contents;
	uint64_t off, size;
	int rc;

	assert(!kv_block_builder_empty(&w->data));
	if (kv_block_builder_finish(&w->data, &contents) != KV_OK)
		return fail(w, KV_ENOMEM, "data block");
	rc = emit_block(w, contents, KV_BLOCK_DATA, &off, &size);
	if (rc != KV_OK)
		return rc;
	rc = add_index_entry(w, kv_block_builder_last_key(&w->data), off, size);
	if (rc != KV_OK)
		return rc;
	w->props.data_blocks++;
	w->props.data_bytes += size + KV_BLOCK_TRAILER_BYTES;
	kv_block_builder_reset(&w->data);
	if (w->out.len >= KV_SST_APPEND_BYTES)
		return write_out(w);
	return KV_OK;
}

static int add_hash(struct kv_sst_writer *w, struct kv_slice key)
{
	if (w->nhashes == w->hashes_cap) {
		size_t cap = w->hashes_cap ? w->hashes_cap * 2 : 1024;
		uint64_t *h = kv_realloc(WRITER_MEM, w->hashes, w->hashes_cap * sizeof(*h),
					 cap * sizeof(*h));

		if (!h)
			return fail(w, KV_ENOMEM, "filter hashes");
		w->hashes = h;
		w->hashes_cap = cap;
	}
	w->hashes[w->nhashes++] = kv_bloom_hash(key);
	return KV_OK;
}

int kv_sst_writer_add(struct kv_sst_writer *w, struct kv_slice key, struct kv_slice value,
		      const struct kv_entry_meta *meta)
{
	struct kv_sst_props *p = &w->props;
	uint64_t ts_ns;
	int rc;

	if (w->status != KV_OK)
		return w->status;
	assert(writer_check(w));
	assert(p->entries == 0 || kv_slice_cmp(kv_buf_slice(&p->largest), key) < 0);
	if (key.len > KV_BLOCK_MAX_FIELD_BYTES || value.len > KV_BLOCK_MAX_FIELD_BYTES) {
		w->status = kv_err_set(&w->err, KV_EINVAL, "writing SSTable '%s': key (%zu bytes)"
				       " or value (%zu bytes) larger than %" PRIu32 " bytes",
				       w->name, key.len, value.len, KV_BLOCK_MAX_FIELD_BYTES);
		return w->status;
	}
	if (w->opts.bloom_bits_per_key) {
		rc = add_hash(w, key);
		if (rc != KV_OK)
			return rc;
	}
	if (kv_block_builder_add(&w->data, key, value, meta) != KV_OK) {
		if (w->opts.bloom_bits_per_key)
			w->nhashes--;
		return fail(w, KV_ENOMEM, "data block");
	}
	if (p->entries == 0 && kv_buf_set(&p->smallest, key.data, key.len) != KV_OK)
		return fail(w, KV_ENOMEM, "smallest key");
	if (kv_buf_set(&p->largest, key.data, key.len) != KV_OK)
		return fail(w, KV_ENOMEM, "largest key");
	ts_ns = meta->ts_ns / 1000 * 1000;
	if (p->entries == 0) {
		p->min_ts_ns = p->max_ts_ns = ts_ns;
		p->min_seq = p->max_seq = meta->seq;
	}
	p->entries++;
	p->tombstones += meta->kind == KV_KIND_DELETE;
	p->key_bytes += key.len;
	p->value_bytes += value.len;
	p->min_ts_ns = ts_ns < p->min_ts_ns ? ts_ns : p->min_ts_ns;
	p->max_ts_ns = ts_ns > p->max_ts_ns ? ts_ns : p->max_ts_ns;
	p->min_seq = meta->seq < p->min_seq ? meta->seq : p->min_seq;
	p->max_seq = meta->seq > p->max_seq ? meta->seq : p->max_seq;
	if (kv_block_builder_size(&w->data) >= w->opts.block_bytes)
		return flush_block(w);
	assert(writer_check(w));
	return KV_OK;
}

uint64_t kv_sst_writer_bytes(const struct kv_sst_writer *w)
{
	uint64_t n = w->flushed + w->out.len;

	if (!kv_block_builder_empty(&w->data))
		n += kv_block_builder_size(&w->data) + KV_BLOCK_TRAILER_BYTES;
	n += kv_block_builder_size(&w->index) + KV_BLOCK_TRAILER_BYTES;
	if (!kv_block_builder_empty(&w->data))
		n += w->props.largest.len + 2 * KV_VARINT64_MAX + 3 * KV_VARINT64_MAX;
	if (w->opts.bloom_bits_per_key)
		n += kv_bloom_filter_bytes(w->props.entries, w->opts.bloom_bits_per_key) +
		     KV_BLOCK_TRAILER_BYTES;
	n += (KV_SST_PROPS_FIELDS + 3) * KV_VARINT64_MAX + w->props.smallest.len +
	     w->props.largest.len + KV_BLOCK_TRAILER_BYTES;
	return n + KV_SST_FOOTER_BYTES;
}

uint64_t kv_sst_writer_entries(const struct kv_sst_writer *w)
{
	return w->props.entries;
}

static int encode_props(const struct kv_sst_props *p, struct kv_buf *out)
{
	const uint64_t f[KV_SST_PROPS_FIELDS] = {
		p->entries,    p->tombstones, p->key_bytes,   p->value_bytes,
		p->min_ts_ns,  p->max_ts_ns,  p->min_seq,     p->max_seq,
		p->data_blocks, p->data_bytes, p->index_bytes, p->filter_bytes,
	};
	char *q;

	if (kv_buf_reserve(out, (KV_SST_PROPS_FIELDS + 3) * KV_VARINT64_MAX + p->smallest.len +
					p->largest.len) != KV_OK)
		return KV_ENOMEM;
	q = out->data + out->len;
	q = kv_put_varint64(q, KV_SST_PROPS_FIELDS);
	for (int i = 0; i < KV_SST_PROPS_FIELDS; i++)
		q = kv_put_varint64(q, f[i]);
	q = kv_put_varint64(q, p->smallest.len);
	if (p->smallest.len)
		memcpy(q, p->smallest.data, p->smallest.len);
	q += p->smallest.len;
	q = kv_put_varint64(q, p->largest.len);
	if (p->largest.len)
		memcpy(q, p->largest.data, p->largest.len);
	q += p->largest.len;
	out->len = (size_t)(q - out->data);
	return KV_OK;
}

static void put_handle(char *p, uint64_t off, uint64_t size)
{
	kv_put_u64(p, off);
	kv_put_u64(p + 8, size);
}

/* Write the metadata blocks and the footer, then sync. */
static int write_tail(struct kv_sst_writer *w)
{
	struct kv_buf tmp = { .component = WRITER_MEM };
	struct kv_slice index;
	uint64_t filter_off = 0, filter_size = 0, props_off, props_size, index_off, index_size;
	char footer[KV_SST_FOOTER_BYTES];
	int rc;

	if (!kv_block_builder_empty(&w->data)) {
		rc = flush_block(w);
		if (rc != KV_OK)
			return rc;
	}
	if (kv_block_builder_finish(&w->index, &index) != KV_OK)
		return fail(w, KV_ENOMEM, "index block");
	w->props.index_bytes = index.len + KV_BLOCK_TRAILER_BYTES;

	if (w->opts.bloom_bits_per_key) {
		rc = kv_bloom_build(w->hashes, w->nhashes, w->opts.bloom_bits_per_key, &tmp);
		if (rc != KV_OK) {
			rc = fail(w, rc, "filter block");
			goto out_free_tmp;
		}
		rc = emit_block(w, kv_buf_slice(&tmp), KV_BLOCK_FILTER, &filter_off, &filter_size);
		if (rc != KV_OK)
			goto out_free_tmp;
		w->props.filter_bytes = filter_size + KV_BLOCK_TRAILER_BYTES;
	}

	tmp.len = 0;
	if (encode_props(&w->props, &tmp) != KV_OK) {
		rc = fail(w, KV_ENOMEM, "properties block");
		goto out_free_tmp;
	}
	rc = emit_block(w, kv_buf_slice(&tmp), KV_BLOCK_PROPS, &props_off, &props_size);
	if (rc != KV_OK)
		goto out_free_tmp;
	rc = emit_block(w, index, KV_BLOCK_INDEX, &index_off, &index_size);
	if (rc != KV_OK)
		goto out_free_tmp;

	put_handle(footer + KV_SST_FOOTER_FILTER, filter_off, filter_size);
	put_handle(footer + KV_SST_FOOTER_PROPS, props_off, props_size);
	put_handle(footer + KV_SST_FOOTER_INDEX, index_off, index_size);
	kv_put_u32(footer + KV_SST_FOOTER_VERSION, KV_SST_FORMAT_VERSION);
	kv_put_u64(footer + KV_SST_FOOTER_MAGIC, KV_SST_MAGIC);
	kv_put_u32(footer + KV_SST_FOOTER_CHECKSUM,
		   kv_checksum32(footer, KV_SST_FOOTER_CHECKSUM));
	if (kv_buf_append(&w->out, footer, sizeof(footer)) != KV_OK) {
		rc = fail(w, KV_ENOMEM, "footer");
		goto out_free_tmp;
	}
	rc = write_out(w);
	if (rc != KV_OK)
		goto out_free_tmp;
	rc = kv_dev_sync(w->file);
	if (rc != KV_OK)
		rc = fail(w, rc, "sync");
	w->props.file_bytes = w->flushed;

out_free_tmp:
	kv_buf_free(&tmp);
	return rc;
}

int kv_sst_writer_finish(struct kv_sst_writer *w, struct kv_sst_props *props,
			 struct kv_err *err)
{
	int rc = w->status;

	memset(props, 0, sizeof(*props));
	if (rc == KV_OK) {
		assert(writer_check(w));
		rc = write_tail(w);
	}
	if (rc != KV_OK) {
		kv_err_copy(err, &w->err);
		kv_sst_writer_abandon(w);
		return rc;
	}
	*props = w->props;
	memset(&w->props, 0, sizeof(w->props));
	writer_free(w);
	return KV_OK;
}

void kv_sst_writer_abandon(struct kv_sst_writer *w)
{
	if (!w)
		return;
	kv_dev_close_file(w->file);
	w->file = NULL;
	(void)kv_dev_remove(w->dev, w->name);
	writer_free(w);
}
