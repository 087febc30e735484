/*
 * core/lsm/block.c - sorted block builder and defensive block cursor.
 *
 * Builder invariants: see struct kv_block_builder in block.h; checked by
 * builder_check(). Cursor invariants: see struct kv_block_cursor; checked
 * by cursor_check().
 *
 * The decoder never trusts the block: each entry is parsed against
 * blk.entries_end, a restart point must start with shared = 0, and the
 * entry boundaries met while scanning must coincide with the restart
 * offsets. Any violation sets status KV_ECORRUPT with the offset.
 */
#include "core/lsm/block.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/coding.h"
#include "core/status.h"

const char *kv_block_type_name(int type)
{
	switch (type) {
	case KV_BLOCK_DATA:
		return "data block";
	case KV_BLOCK_INDEX:
		return "index block";
	case KV_BLOCK_FILTER:
		return "filter block";
	case KV_BLOCK_PROPS:
		return "properties block";
	default:
		return "unknown block";
	}
}

/* ---- builder ---- */

static bool builder_check(const struct kv_block_builder *b)
{
	if ((b->entries == 0) != (b->buf.len == 0 && b->restarts.len == 0) && !b->finished)
		return false;
	if (b->restart_interval < 1 || b->since_restart > b->restart_interval)
		return false;
	if (b->restarts.len % 4 != 0)
		return false;
	if (b->restarts.len >= 4 && kv_get_u32(b->restarts.data) != 0)
		return false;
	return true;
}

void kv_block_builder_init(struct kv_block_builder *b, uint32_t restart_interval,
			   bool has_meta, int component)
{
	assert(restart_interval >= 1);
	memset(b, 0, sizeof(*b));
	b->buf.component = component;
	b->restarts.component = component;
	b->last_key.component = component;
	b->restart_interval = restart_interval;
	b->has_meta = has_meta;
	assert(builder_check(b));
}

void kv_block_builder_free(struct kv_block_builder *b)
{
	kv_buf_free(&b->buf);
	kv_buf_free(&b->restarts);
	kv_buf_free(&b->last_key);
}

void kv_block_builder_reset(struct kv_block_builder *b)
{
	b->buf.len = 0;
	b->restarts.len = 0;
	b->last_key.len = 0;
	b->since_restart = 0;
	b->prev_ts_us = 0;
	b->entries = 0;
	b->finished = false;
	assert(builder_check(b));
}

static size_t common_prefix(struct kv_slice a, struct kv_slice b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	size_t i = 0;

	while (i < n && a.data[i] == b.data[i])
		i++;
	return i;
}

int kv_block_builder_add(struct kv_block_builder *b, struct kv_slice key, struct kv_slice value,
			 const struct kv_entry_meta *meta)
{
	struct kv_slice last = kv_buf_slice(&b->last_key);
	bool restart = b->entries == 0 || b->since_restart >= b->restart_interval;
	size_t shared = restart ? 0 : common_prefix(last, key);
	size_t unshared = key.len - shared;
	uint64_t ts_us = 0;
	char *p;
	char rbuf[4];

	assert(builder_check(b));
	assert(!b->finished);
	assert(b->entries == 0 || kv_slice_cmp(last, key) < 0);
	assert((meta != NULL) == b->has_meta);
	assert(key.len <= KV_BLOCK_MAX_FIELD_BYTES && value.len <= KV_BLOCK_MAX_FIELD_BYTES);
	assert(b->buf.len <= UINT32_MAX - 3u * KV_BLOCK_MAX_FIELD_BYTES);

	if (kv_buf_reserve(&b->buf, 3 * KV_VARINT64_MAX + unshared + 8 + KV_VARINT64_MAX +
					    value.len) != KV_OK)
		return KV_ENOMEM;
	if (kv_buf_reserve(&b->last_key, unshared) != KV_OK)
		return KV_ENOMEM;
	if (restart) {
		kv_put_u32(rbuf, (uint32_t)b->buf.len);
		if (kv_buf_append(&b->restarts, rbuf, 4) != KV_OK)
			return KV_ENOMEM;
	}

	p = b->buf.data + b->buf.len;
	p = kv_put_varint64(p, shared);
	p = kv_put_varint64(p, unshared);
	p = kv_put_varint64(p, value.len);
	if (unshared)
		memcpy(p, key.data + shared, unshared);
	p += unshared;
	if (b->has_meta) {
		assert(meta->seq <= KV_BLOCK_MAX_SEQ);
		assert(meta->kind == KV_KIND_DELETE || meta->kind == KV_KIND_PUT);
		kv_put_u64(p, meta->seq << 8 | (uint64_t)meta->kind);
		p += 8;
		ts_us = meta->ts_ns / 1000;
		if (restart)
			p = kv_put_varint64(p, ts_us);
		else
			p = kv_put_varint64(p, kv_zigzag((int64_t)(ts_us - b->prev_ts_us)));
		b->prev_ts_us = ts_us;
	}
	if (value.len)
		memcpy(p, value.data, value.len);
	p += value.len;
	b->buf.len = (size_t)(p - b->buf.data);

	b->last_key.len = shared;
	if (unshared)
		memcpy(b->last_key.data + shared, key.data + shared, unshared);
	b->last_key.len = key.len;

	b->since_restart = restart ? 1 : b->since_restart + 1;
	b->entries++;
	assert(builder_check(b));
	return KV_OK;
}

size_t kv_block_builder_size(const struct kv_block_builder *b)
{
	if (b->finished)
		return b->buf.len;
	return b->buf.len + b->restarts.len + 4;
}

int kv_block_builder_finish(struct kv_block_builder *b, struct kv_slice *out)
{
	char nbuf[4];

	assert(builder_check(b));
	if (!b->finished) {
		kv_put_u32(nbuf, (uint32_t)(b->restarts.len / 4));
		if (kv_buf_reserve(&b->buf, b->restarts.len + 4) != KV_OK)
			return KV_ENOMEM;
		if (b->restarts.len)
			memcpy(b->buf.data + b->buf.len, b->restarts.data, b->restarts.len);
		b->buf.len += b->restarts.len;
		memcpy(b->buf.data + b->buf.len, nbuf, 4);
		b->buf.len += 4;
		b->finished = true;
	}
	*out = kv_buf_slice(&b->buf);
	return KV_OK;
}

/* ---- parsed block ---- */

static uint32_t restart_at(const struct kv_block *blk, uint32_t i)
{
	assert(i < blk->nrestarts);
	return kv_get_u32(blk->data + blk->entries_end + 4 * (size_t)i);
}

int kv_block_parse(struct kv_block *blk, const char *data, size_t size, bool has_meta,
		   const char **what, size_t *bad_off)
{
	uint32_t n, prev = 0;

	memset(blk, 0, sizeof(*blk));
	if (size < 4) {
		*what = "block shorter than its restart count";
		*bad_off = 0;
		return KV_ECORRUPT;
	}
	n = kv_get_u32(data + size - 4);
	if (n > (size - 4) / 4) {
		*what = "restart count larger than the block";
		*bad_off = size - 4;
		return KV_ECORRUPT;
	}
	blk->data = data;
	blk->entries_end = size - 4 - 4 * (size_t)n;
	blk->nrestarts = n;
	blk->has_meta = has_meta;
	if (n == 0 && blk->entries_end != 0) {
		*what = "entries without restart points";
		*bad_off = size - 4;
		return KV_ECORRUPT;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = restart_at(blk, i);

		if ((i == 0 && r != 0) || (i > 0 && r <= prev) || r >= blk->entries_end) {
			*what = "bad restart offset";
			*bad_off = blk->entries_end + 4 * (size_t)i;
			return KV_ECORRUPT;
		}
		prev = r;
	}
	return KV_OK;
}

/* ---- cursor ---- */

static bool cursor_check(const struct kv_block_cursor *c)
{
	if (c->valid && (c->status != KV_OK || c->cur >= c->next ||
			 c->next > c->blk.entries_end))
		return false;
	if (c->key_len > c->key_cap)
		return false;
	if ((c->key == c->key_inline) != (c->key_cap == KV_BLOCK_KEY_INLINE))
		return false;
	if (c->next_restart > c->blk.nrestarts)
		return false;
	return true;
}

void kv_block_cursor_init(struct kv_block_cursor *c, int component)
{
	memset(c, 0, offsetof(struct kv_block_cursor, key_inline));
	c->key = c->key_inline;
	c->key_cap = KV_BLOCK_KEY_INLINE;
	c->component = component;
	assert(cursor_check(c));
}

void kv_block_cursor_set(struct kv_block_cursor *c, const struct kv_block *blk)
{
	c->blk = *blk;
	c->cur = c->next = 0;
	c->next_restart = 0;
	c->valid = false;
	c->status = KV_OK;
	c->what = NULL;
	c->bad_off = 0;
	c->key_len = 0;
	c->value = NULL;
	c->value_len = 0;
	assert(cursor_check(c));
}

void kv_block_cursor_free(struct kv_block_cursor *c)
{
	if (c->key != c->key_inline)
		kv_free((enum kv_mem_component)c->component, c->key, c->key_cap);
	c->key = c->key_inline;
	c->key_cap = KV_BLOCK_KEY_INLINE;
	c->key_len = 0;
	c->valid = false;
}

static int corrupt(struct kv_block_cursor *c, const char *what, size_t off)
{
	c->valid = false;
	c->status = KV_ECORRUPT;
	c->what = what;
	c->bad_off = off;
	return KV_ECORRUPT;
}

/* Make room for a key of @n bytes, keeping the first @keep bytes. */
static int key_reserve(struct kv_block_cursor *c, size_t n, size_t keep)
{
	size_t cap = c->key_cap;
	char *p;

	if (n <= c->key_cap)
		return KV_OK;
	while (cap < n)
		cap *= 2;
	p = kv_malloc((enum kv_mem_component)c->component, cap);
	if (!p)
		return KV_ENOMEM;
	if (keep)
		memcpy(p, c->key, keep);
	if (c->key != c->key_inline)
		kv_free((enum kv_mem_component)c->component, c->key, c->key_cap);
	c->key = p;
	c->key_cap = cap;
	return KV_OK;
}

/*
 * Decode the entry at c->next into the cursor. @restart: whether that
 * offset is a restart point (shared must be 0, ts absolute).
 */
static int decode_next(struct kv_block_cursor *c, bool restart)
{
	const char *base = c->blk.data;
	const char *limit = base + c->blk.entries_end;
	const char *p = base + c->next;
	size_t off = c->next;
	uint64_t shared, unshared, vlen, ts, trailer;

	p = kv_get_varint64(p, limit, &shared);
	if (p)
		p = kv_get_varint64(p, limit, &unshared);
	if (p)
		p = kv_get_varint64(p, limit, &vlen);
	if (!p)
		return corrupt(c, "truncated entry header", off);
	if (restart && shared != 0)
		return corrupt(c, "restart entry with a shared key prefix", off);
	if (shared > c->key_len)
		return corrupt(c, "shared key prefix longer than the previous key", off);
	if (unshared > (uint64_t)(limit - p))
		return corrupt(c, "key runs past the block", off);
	if (key_reserve(c, (size_t)(shared + unshared), (size_t)shared) != KV_OK) {
		c->valid = false;
		c->status = KV_ENOMEM;
		c->what = "out of memory for a key";
		c->bad_off = off;
		return KV_ENOMEM;
	}
	memcpy(c->key + shared, p, (size_t)unshared);
	c->key_len = (size_t)(shared + unshared);
	p += unshared;
	if (c->blk.has_meta) {
		if (limit - p < 8)
			return corrupt(c, "truncated entry trailer", off);
		trailer = kv_get_u64(p);
		p += 8;
		if ((trailer & 0xff) > KV_KIND_PUT)
			return corrupt(c, "bad entry kind", off);
		p = kv_get_varint64(p, limit, &ts);
		if (!p)
			return corrupt(c, "truncated entry timestamp", off);
		if (!restart)
			ts = c->ts_us + (uint64_t)kv_unzigzag(ts);
		if (ts > UINT64_MAX / 1000)
			return corrupt(c, "entry timestamp out of range", off);
		c->ts_us = ts;
		c->meta.seq = trailer >> 8;
		c->meta.kind = (enum kv_kind)(trailer & 0xff);
		c->meta.ts_ns = ts * 1000;
	} else {
		c->meta.seq = 0;
		c->meta.ts_ns = 0;
		c->meta.kind = KV_KIND_PUT;
	}
	if (vlen > (uint64_t)(limit - p))
		return corrupt(c, "value runs past the block", off);
	c->value = p;
	c->value_len = (size_t)vlen;
	p += vlen;
	c->cur = off;
	c->next = (size_t)(p - base);
	c->valid = true;
	return KV_OK;
}

/* Decode the entry at c->next, checking it against the restart array. */
static int step(struct kv_block_cursor *c)
{
	bool restart = false;
	int rc;

	if (c->next >= c->blk.entries_end) {
		if (c->next_restart < c->blk.nrestarts)
			return corrupt(c, "entry straddles a restart point", c->cur);
		c->valid = false;
		return KV_OK;
	}
	if (c->next_restart < c->blk.nrestarts) {
		uint32_t r = restart_at(&c->blk, c->next_restart);

		if (c->next > r)
			return corrupt(c, "entry straddles a restart point", c->next);
		restart = c->next == r;
	}
	rc = decode_next(c, restart);
	if (rc == KV_OK && restart)
		c->next_restart++;
	assert(cursor_check(c));
	return rc;
}

/* Move to restart point @i (unpositioned, next entry is that point). */
static void goto_restart(struct kv_block_cursor *c, uint32_t i)
{
	c->next = restart_at(&c->blk, i);
	c->next_restart = i;
	c->key_len = 0;
	c->valid = false;
}

int kv_block_cursor_seek_first(struct kv_block_cursor *c)
{
	assert(cursor_check(c));
	if (c->status != KV_OK)
		return c->status;
	c->valid = false;
	if (c->blk.nrestarts == 0)
		return KV_OK;
	goto_restart(c, 0);
	return step(c);
}

/* The key stored at restart point @i (shared must be 0); borrowed from the block. */
static int restart_key(struct kv_block_cursor *c, uint32_t i, struct kv_slice *key)
{
	const char *base = c->blk.data;
	const char *limit = base + c->blk.entries_end;
	size_t off = restart_at(&c->blk, i);
	const char *p = base + off;
	uint64_t shared, unshared, vlen;

	p = kv_get_varint64(p, limit, &shared);
	if (p)
		p = kv_get_varint64(p, limit, &unshared);
	if (p)
		p = kv_get_varint64(p, limit, &vlen);
	if (!p)
		return corrupt(c, "truncated entry header", off);
	if (shared != 0)
		return corrupt(c, "restart entry with a shared key prefix", off);
	if (unshared > (uint64_t)(limit - p))
		return corrupt(c, "key runs past the block", off);
	*key = kv_slice_make(p, (size_t)unshared);
	return KV_OK;
}

int kv_block_cursor_seek(struct kv_block_cursor *c, struct kv_slice target)
{
	uint32_t left = 0, right;
	struct kv_slice k;
	int rc;

	assert(cursor_check(c));
	if (c->status != KV_OK)
		return c->status;
	c->valid = false;
	if (c->blk.nrestarts == 0)
		return KV_OK;
	/* Last restart point whose key is < target (or 0). */
	right = c->blk.nrestarts - 1;
	while (left < right) {
		uint32_t mid = left + (right - left + 1) / 2;

		rc = restart_key(c, mid, &k);
		if (rc != KV_OK)
			return rc;
		if (kv_slice_cmp(k, target) < 0)
			left = mid;
		else
			right = mid - 1;
	}
	goto_restart(c, left);
	for (;;) {
		rc = step(c);
		if (rc != KV_OK || !c->valid)
			return rc;
		if (kv_slice_cmp(kv_block_cursor_key(c), target) >= 0)
			return KV_OK;
	}
}

int kv_block_cursor_next(struct kv_block_cursor *c)
{
	assert(c->valid);
	return step(c);
}
