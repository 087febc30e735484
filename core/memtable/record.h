/*
 * core/memtable/record.h - the node record shared by the sorted memtable
 * kinds (skiplist, rbtree): one arena allocation per key holding
 *
 *   [kind's links] [struct kv_mt_rec, 12 bytes] [key] [seq:8 ts_ns:8] [value]
 *
 * seq and ts_ns are stored unaligned right after the key (memcpy); value
 * bytes follow, value_cap of them reserved so an overwrite that fits is
 * done in place. Bit KV_MT_REC_PUT of flags is the entry kind; the other
 * flag bits and aux are the kind's own (skiplist: tower height; rbtree:
 * node colour). The record is 4-byte aligned; kinds allocate 8-aligned.
 */
#ifndef KV_CORE_MEMTABLE_RECORD_H
#define KV_CORE_MEMTABLE_RECORD_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/iter.h"
#include "core/slice.h"

#define KV_MT_REC_PUT 0x01u   /* flags: KV_KIND_PUT (else a tombstone) */
#define KV_MT_REC_META_BYTES 16 /* seq + ts_ns after the key */

struct kv_mt_rec {
	uint16_t key_len;
	uint8_t flags; /* KV_MT_REC_PUT | the kind's bits */
	uint8_t aux;   /* the kind's */
	uint32_t value_len;
	uint32_t value_cap; /* bytes reserved for the value */
	char key[];         /* key_len bytes, seq, ts_ns, value_cap bytes */
};

/* Bytes of a record (from its header on) for a key and value capacity. */
static inline size_t kv_mt_rec_bytes(size_t key_len, size_t value_cap)
{
	return sizeof(struct kv_mt_rec) + key_len + KV_MT_REC_META_BYTES + value_cap;
}

/* The first key byte (then the metadata and the value). */
static inline const char *kv_mt_rec_keyp(const struct kv_mt_rec *r)
{
	return r->key;
}

static inline struct kv_slice kv_mt_rec_key(const struct kv_mt_rec *r)
{
	return kv_slice_make(kv_mt_rec_keyp(r), r->key_len);
}

static inline struct kv_slice kv_mt_rec_value(const struct kv_mt_rec *r)
{
	return kv_slice_make(kv_mt_rec_keyp(r) + r->key_len + KV_MT_REC_META_BYTES,
			     r->value_len);
}

static inline uint64_t kv_mt_rec_seq(const struct kv_mt_rec *r)
{
	uint64_t v;

	memcpy(&v, kv_mt_rec_keyp(r) + r->key_len, sizeof(v));
	return v;
}

static inline void kv_mt_rec_meta(const struct kv_mt_rec *r, struct kv_entry_meta *m)
{
	const char *p = kv_mt_rec_keyp(r) + r->key_len;

	memcpy(&m->seq, p, sizeof(m->seq));
	memcpy(&m->ts_ns, p + 8, sizeof(m->ts_ns));
	m->kind = (r->flags & KV_MT_REC_PUT) ? KV_KIND_PUT : KV_KIND_DELETE;
}

/* Store @value (value.len <= r->value_cap, asserted) and @m into @r. */
static inline void kv_mt_rec_set(struct kv_mt_rec *r, struct kv_slice value,
				 const struct kv_entry_meta *m)
{
	char *p = r->key + r->key_len;

	assert(value.len <= r->value_cap);
	memcpy(p, &m->seq, sizeof(m->seq));
	memcpy(p + 8, &m->ts_ns, sizeof(m->ts_ns));
	if (value.len)
		memmove(p + KV_MT_REC_META_BYTES, value.data, value.len);
	r->value_len = (uint32_t)value.len;
	r->flags = (uint8_t)((r->flags & ~KV_MT_REC_PUT) |
			     (m->kind == KV_KIND_PUT ? KV_MT_REC_PUT : 0u));
}

/*
 * Initialize the record at @r (kv_mt_rec_bytes(key.len, value_cap) bytes
 * of arena memory): copy @key, no flags, aux @aux, an empty value.
 * Requires key.len <= UINT16_MAX and value_cap <= UINT32_MAX.
 */
static inline void kv_mt_rec_init(struct kv_mt_rec *r, struct kv_slice key, size_t value_cap,
				  uint8_t aux)
{
	r->key_len = (uint16_t)key.len;
	r->flags = 0;
	r->aux = aux;
	r->value_len = 0;
	r->value_cap = (uint32_t)value_cap;
	if (key.len)
		memcpy(r->key, key.data, key.len);
}

/* memcmp order of two byte strings (a shorter prefix sorts first). */
static inline int kv_mt_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t m = alen < blen ? alen : blen;
	int r = m ? memcmp(a, b, m) : 0;

	if (r != 0)
		return r;
	return (alen > blen) - (alen < blen);
}

/* memcmp order of the record's key against (k, len). */
static inline int kv_mt_rec_cmp(const struct kv_mt_rec *r, const char *k, size_t len)
{
	return kv_mt_key_cmp(kv_mt_rec_keyp(r), r->key_len, k, len);
}

#endif
