/*
 * core/lsm/write_batch.c - encode and decode write batches (WAL payloads).
 * Byte layout: docs/formats.md.
 *
 * Iterator invariants: base <= p <= limit; left ops remain, the next has
 * index `index` and sequence number next_seq.
 */
#include "core/lsm/write_batch.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "core/coding.h"

#define OFF_SEQ 0
#define OFF_TS 8
#define OFF_COUNT 16

int kv_batch_begin(struct kv_buf *out, uint64_t first_seq, uint64_t ts_ns)
{
	char hdr[KV_BATCH_HEADER_BYTES];

	kv_put_u64(hdr + OFF_SEQ, first_seq);
	kv_put_u64(hdr + OFF_TS, ts_ns);
	kv_put_u32(hdr + OFF_COUNT, 0);
	return kv_buf_set(out, hdr, sizeof(hdr));
}

static int batch_add(struct kv_buf *b, enum kv_batch_kind kind, struct kv_slice key,
		     struct kv_slice value)
{
	uint32_t count;
	size_t need;
	char *p;
	int rc;

	assert(b->len >= KV_BATCH_HEADER_BYTES);
	count = kv_get_u32(b->data + OFF_COUNT);
	if (count == UINT32_MAX)
		return KV_EINVAL;
	need = 1 + KV_VARINT64_MAX + key.len;
	if (kind == KV_BATCH_PUT) {
		if (value.len > SIZE_MAX - need - KV_VARINT64_MAX)
			return KV_ENOMEM;
		need += KV_VARINT64_MAX + value.len;
	}
	rc = kv_buf_reserve(b, need);
	if (rc != KV_OK)
		return rc;
	p = b->data + b->len;
	*p++ = (char)kind;
	p = kv_put_varint64(p, key.len);
	if (key.len)
		memcpy(p, key.data, key.len);
	p += key.len;
	if (kind == KV_BATCH_PUT) {
		p = kv_put_varint64(p, value.len);
		if (value.len)
			memcpy(p, value.data, value.len);
		p += value.len;
	}
	b->len = (size_t)(p - b->data);
	kv_put_u32(b->data + OFF_COUNT, count + 1);
	return KV_OK;
}

int kv_batch_put(struct kv_buf *b, struct kv_slice key, struct kv_slice value)
{
	return batch_add(b, KV_BATCH_PUT, key, value);
}

int kv_batch_delete(struct kv_buf *b, struct kv_slice key)
{
	return batch_add(b, KV_BATCH_DELETE, key, kv_slice_make(NULL, 0));
}

void kv_batch_set_seq(struct kv_buf *b, uint64_t first_seq)
{
	assert(b->len >= KV_BATCH_HEADER_BYTES);
	kv_put_u64(b->data + OFF_SEQ, first_seq);
}

uint32_t kv_batch_count(const struct kv_buf *b)
{
	assert(b->len >= KV_BATCH_HEADER_BYTES);
	return kv_get_u32(b->data + OFF_COUNT);
}

static bool iter_check(const struct kv_batch_iter *it)
{
	return it->base <= it->p && it->p <= it->limit;
}

int kv_batch_iter_init(struct kv_batch_iter *it, struct kv_slice payload,
		       struct kv_batch_header *hdr, struct kv_err *err)
{
	struct kv_batch_header h;

	memset(it, 0, sizeof(*it));
	if (payload.len < KV_BATCH_HEADER_BYTES)
		return kv_err_set(err, KV_ECORRUPT,
				  "write batch of %zu bytes is shorter than its %d-byte header",
				  payload.len, KV_BATCH_HEADER_BYTES);
	h.first_seq = kv_get_u64(payload.data + OFF_SEQ);
	h.ts_ns = kv_get_u64(payload.data + OFF_TS);
	h.count = kv_get_u32(payload.data + OFF_COUNT);
	if (h.count > 0 && h.first_seq > UINT64_MAX - (h.count - 1))
		return kv_err_set(err, KV_ECORRUPT,
				  "write batch: sequence range %" PRIu64 " + %" PRIu32
				  " ops overflows",
				  h.first_seq, h.count);
	/* Every op takes at least 2 bytes: reject impossible counts early. */
	if (h.count > (payload.len - KV_BATCH_HEADER_BYTES) / 2)
		return kv_err_set(err, KV_ECORRUPT,
				  "write batch: count %" PRIu32 " does not fit in %zu bytes",
				  h.count, payload.len - KV_BATCH_HEADER_BYTES);
	it->base = payload.data;
	it->p = payload.data + KV_BATCH_HEADER_BYTES;
	it->limit = payload.data + payload.len;
	it->next_seq = h.first_seq;
	it->left = h.count;
	if (hdr)
		*hdr = h;
	assert(iter_check(it));
	return KV_OK;
}

/* Read a varint length and that many bytes at it->p. NULL if malformed. */
static const char *get_bytes(const char *p, const char *limit, struct kv_slice *out)
{
	uint64_t n;

	p = kv_get_varint64(p, limit, &n);
	if (!p || n > (uint64_t)(limit - p))
		return NULL;
	*out = kv_slice_make(p, (size_t)n);
	return p + n;
}

int kv_batch_iter_next(struct kv_batch_iter *it, struct kv_batch_op *op, struct kv_err *err)
{
	size_t at = (size_t)(it->p - it->base);
	const char *p = it->p;
	unsigned kind;

	assert(it->base && iter_check(it));
	if (it->left == 0) {
		if (p != it->limit)
			return kv_err_set(err, KV_ECORRUPT,
					  "write batch: %zu trailing bytes at payload offset %zu",
					  (size_t)(it->limit - p), at);
		return KV_NOTFOUND;
	}
	if (p == it->limit)
		return kv_err_set(err, KV_ECORRUPT,
				  "write batch: op %" PRIu32 " missing at payload offset %zu "
				  "(%" PRIu32 " ops declared)",
				  it->index, at, it->index + it->left);
	kind = (unsigned char)*p++;
	if (kind != KV_BATCH_DELETE && kind != KV_BATCH_PUT)
		return kv_err_set(err, KV_ECORRUPT,
				  "write batch: op %" PRIu32 " at payload offset %zu: bad kind %u",
				  it->index, at, kind);
	p = get_bytes(p, it->limit, &op->key);
	if (!p)
		return kv_err_set(err, KV_ECORRUPT,
				  "write batch: op %" PRIu32
				  " at payload offset %zu: bad key length",
				  it->index, at);
	op->value = kv_slice_make("", 0);
	if (kind == KV_BATCH_PUT) {
		p = get_bytes(p, it->limit, &op->value);
		if (!p)
			return kv_err_set(err, KV_ECORRUPT,
					  "write batch: op %" PRIu32
					  " at payload offset %zu: bad value length",
					  it->index, at);
	}
	op->kind = (enum kv_batch_kind)kind;
	op->seq = it->next_seq++;
	it->p = p;
	it->left--;
	it->index++;
	assert(iter_check(it));
	return KV_OK;
}

int kv_batch_validate(struct kv_slice payload, struct kv_batch_header *hdr, struct kv_err *err)
{
	struct kv_batch_iter it;
	struct kv_batch_op op;
	int rc;

	rc = kv_batch_iter_init(&it, payload, hdr, err);
	while (rc == KV_OK)
		rc = kv_batch_iter_next(&it, &op, err);
	return rc == KV_NOTFOUND ? KV_OK : rc;
}
