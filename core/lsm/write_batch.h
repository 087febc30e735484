/*
 * core/lsm/write_batch.h - the write batch: the payload of one WAL record
 * (the operations of one commit). Byte layout: docs/formats.md, "WAL
 * payload: the write batch".
 *
 * Building: a batch lives in a caller-owned struct kv_buf. Start it with
 * kv_batch_begin(), add ops with kv_batch_put()/kv_batch_delete(); the
 * count in the header is kept up to date, so kv_buf_slice() of the buffer
 * is a complete payload at any time. kv_batch_set_seq() fixes the first
 * sequence number late (at commit).
 *
 * Reading: kv_batch_iter over a payload that came from a file (untrusted).
 * Every read is bounds-checked; malformed input is KV_ECORRUPT with the
 * payload offset in the message, never a crash. Use kv_batch_validate()
 * first to apply a batch all-or-nothing.
 */
#ifndef KV_CORE_LSM_WRITE_BATCH_H
#define KV_CORE_LSM_WRITE_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"
#include "core/status.h"

/* u64 first_seq, u64 ts_ns, u32 count. */
#define KV_BATCH_HEADER_BYTES 20

enum kv_batch_kind {
	KV_BATCH_DELETE = 0,
	KV_BATCH_PUT = 1,
};

/* Clear @out and write a batch header with count 0. KV_OK or KV_ENOMEM. */
int kv_batch_begin(struct kv_buf *out, uint64_t first_seq, uint64_t ts_ns);
/*
 * Append a put / a delete to the batch begun in @b (key and value are
 * copied). KV_ENOMEM (batch unchanged), KV_EINVAL if the batch already
 * holds UINT32_MAX ops.
 */
int kv_batch_put(struct kv_buf *b, struct kv_slice key, struct kv_slice value);
int kv_batch_delete(struct kv_buf *b, struct kv_slice key);
/* Rewrite the first sequence number of the batch begun in @b. */
void kv_batch_set_seq(struct kv_buf *b, uint64_t first_seq);
/* Number of ops in the batch begun in @b. */
uint32_t kv_batch_count(const struct kv_buf *b);

struct kv_batch_header {
	uint64_t first_seq;
	uint64_t ts_ns;
	uint32_t count;
};

struct kv_batch_op {
	enum kv_batch_kind kind;
	uint64_t seq;          /* first_seq + index */
	struct kv_slice key;   /* borrowed from the payload */
	struct kv_slice value; /* empty for deletes; borrowed from the payload */
};

/* Decoder state; fields are private. */
struct kv_batch_iter {
	const char *base, *p, *limit;
	uint64_t next_seq;
	uint32_t left;
	uint32_t index;
};

/*
 * Start decoding @payload (borrowed until the iterator is no longer
 * used); fills *hdr (may be NULL). KV_ECORRUPT if the header is short or
 * the sequence range overflows.
 */
int kv_batch_iter_init(struct kv_batch_iter *it, struct kv_slice payload,
		       struct kv_batch_header *hdr, struct kv_err *err);
/*
 * Decode the next op into *op (slices borrowed from the payload). KV_OK,
 * KV_NOTFOUND after the last op (the payload was fully consumed), or
 * KV_ECORRUPT (malformed op, fewer ops than the count, trailing bytes).
 */
int kv_batch_iter_next(struct kv_batch_iter *it, struct kv_batch_op *op, struct kv_err *err);
/* Decode the whole payload without delivering it: KV_OK or KV_ECORRUPT. */
int kv_batch_validate(struct kv_slice payload, struct kv_batch_header *hdr, struct kv_err *err);

#endif
