/*
 * core/lsm/block.h - sorted blocks with prefix-compressed keys and restart
 * points: the data and index blocks of an SSTable. Byte layout:
 * docs/formats.md, "Sorted block".
 *
 * A builder accumulates entries in ascending key order and produces the
 * block contents (entries, restart array, restart count). A cursor decodes
 * a block defensively: every varint and length is bounds-checked, so a
 * malformed block yields KV_ECORRUPT with the offending offset inside the
 * block, never an out-of-bounds read. Data blocks carry per-entry metadata
 * (seq, kind, µs timestamp); index blocks (has_meta false) do not.
 */
#ifndef KV_CORE_LSM_BLOCK_H
#define KV_CORE_LSM_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/iter.h"
#include "core/slice.h"

/* Bytes after every block on disk: u8 type, u32 checksum. */
#define KV_BLOCK_TRAILER_BYTES 5

enum kv_block_type {
	KV_BLOCK_DATA = 0,
	KV_BLOCK_INDEX = 1,
	KV_BLOCK_FILTER = 2,
	KV_BLOCK_PROPS = 3,
};

/* Name of a block type for messages ("data block", ...). Never NULL. */
const char *kv_block_type_name(int type);

/* Largest sequence number an entry may carry (seq << 8 must fit in u64). */
#define KV_BLOCK_MAX_SEQ ((UINT64_C(1) << 56) - 1)

/* Largest key or value a block accepts (offsets in a block are u32). */
#define KV_BLOCK_MAX_FIELD_BYTES (UINT32_C(1) << 30)

/*
 * The block builder. Invariants:
 *  1. entries == 0 iff buf.len == 0 and restarts.len == 0.
 *  2. restarts holds u32 LE offsets into buf, strictly ascending, the first 0.
 *  3. last_key is the key of the last entry added; keys were added in
 *     strictly ascending order.
 *  4. since_restart <= restart_interval.
 */
struct kv_block_builder {
	struct kv_buf buf;      /* encoded entries; after finish, the whole block */
	struct kv_buf restarts; /* u32 LE restart offsets */
	struct kv_buf last_key;
	uint32_t restart_interval;
	uint32_t since_restart; /* entries since the last restart point */
	uint64_t prev_ts_us;
	size_t entries;
	bool has_meta;
	bool finished;
};

/*
 * Start an empty builder. @restart_interval >= 1; @has_meta: entries
 * carry kv_entry_meta (data blocks). Memory is counted as @component.
 * Free with kv_block_builder_free().
 */
void kv_block_builder_init(struct kv_block_builder *b, uint32_t restart_interval,
			   bool has_meta, int component);
void kv_block_builder_free(struct kv_block_builder *b);

/* Empty the builder for the next block, keeping its memory. */
void kv_block_builder_reset(struct kv_block_builder *b);

/*
 * Append an entry. Requires: not finished; @key greater than every key
 * added since the last reset (asserted); @meta non-NULL iff has_meta, with
 * seq <= KV_BLOCK_MAX_SEQ and a valid kind (asserted); key and value no
 * longer than KV_BLOCK_MAX_FIELD_BYTES (asserted; callers validate).
 * Returns KV_OK or KV_ENOMEM (the builder is then unchanged).
 */
int kv_block_builder_add(struct kv_block_builder *b, struct kv_slice key, struct kv_slice value,
			 const struct kv_entry_meta *meta);

/* Bytes kv_block_builder_finish() would produce now. */
size_t kv_block_builder_size(const struct kv_block_builder *b);

static inline bool kv_block_builder_empty(const struct kv_block_builder *b)
{
	return b->entries == 0;
}

/* The key of the last entry added (borrowed until the next add/reset). */
static inline struct kv_slice kv_block_builder_last_key(const struct kv_block_builder *b)
{
	return kv_buf_slice(&b->last_key);
}

/*
 * Append the restart array and count; *out receives the block contents,
 * borrowed until the next reset or free. KV_OK or KV_ENOMEM.
 */
int kv_block_builder_finish(struct kv_block_builder *b, struct kv_slice *out);

/*
 * A parsed block: a view of borrowed contents whose restart array has been
 * validated (restart[0] = 0, strictly ascending, inside the entries area).
 */
struct kv_block {
	const char *data;
	size_t entries_end; /* start of the restart array */
	uint32_t nrestarts;
	bool has_meta;
};

/*
 * Parse @size bytes at @data (borrowed for the life of @blk). Returns
 * KV_OK, or KV_ECORRUPT with *what and *bad_off (offset inside the block)
 * describing the defect.
 */
int kv_block_parse(struct kv_block *blk, const char *data, size_t size, bool has_meta,
		   const char **what, size_t *bad_off);

#define KV_BLOCK_KEY_INLINE 128

/*
 * A cursor over a parsed block. Invariants:
 *  1. valid implies status == KV_OK and cur < next <= blk.entries_end.
 *  2. key points at key_inline (key_cap == KV_BLOCK_KEY_INLINE) or at a
 *     heap buffer of key_cap bytes of @component.
 *  3. next_restart is the index of the first restart point at an offset
 *     >= next (nrestarts if none).
 * A cursor lives on the stack or in an iterator; it allocates only for
 * keys longer than KV_BLOCK_KEY_INLINE bytes.
 */
struct kv_block_cursor {
	struct kv_block blk;
	size_t cur, next;
	uint32_t next_restart;
	bool valid;
	int status;          /* KV_OK or KV_ECORRUPT */
	const char *what;    /* static description of the defect */
	size_t bad_off;      /* offset of the defect inside the block */
	char *key;
	size_t key_len, key_cap;
	const char *value;   /* points into the block */
	size_t value_len;
	struct kv_entry_meta meta; /* zeros / KV_KIND_PUT when !has_meta */
	uint64_t ts_us;
	int component;
	char key_inline[KV_BLOCK_KEY_INLINE];
};

/* Initialise an unpositioned cursor (no block yet). */
void kv_block_cursor_init(struct kv_block_cursor *c, int component);
/* Point the cursor at @blk (copied; its bytes must outlive the use), unpositioned. */
void kv_block_cursor_set(struct kv_block_cursor *c, const struct kv_block *blk);
/* Release the cursor's key buffer. */
void kv_block_cursor_free(struct kv_block_cursor *c);

/* Position at the first entry. Returns the cursor's status. */
int kv_block_cursor_seek_first(struct kv_block_cursor *c);
/* Position at the first entry with key >= @target (invalid if none). */
int kv_block_cursor_seek(struct kv_block_cursor *c, struct kv_slice target);
/* Advance; requires valid. */
int kv_block_cursor_next(struct kv_block_cursor *c);

static inline struct kv_slice kv_block_cursor_key(const struct kv_block_cursor *c)
{
	return kv_slice_make(c->key, c->key_len);
}

static inline struct kv_slice kv_block_cursor_value(const struct kv_block_cursor *c)
{
	return kv_slice_make(c->value, c->value_len);
}

#endif
