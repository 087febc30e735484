/*
 * core/iter.h - the one iterator interface for every sorted source:
 * memtable, block, SSTable, level, merged view, B+ tree leaf chain, and
 * the user-facing scan.
 *
 * Order: entries ascend by user key (kv_slice_cmp); an "internal" source
 * (one that can hold several versions of a key) yields versions of the same
 * key newest first (descending sequence number). A user-facing iterator
 * yields each live key once.
 *
 * Ownership: key() and value() are borrowed until the next call that moves
 * the iterator or closes it. kv_iter_close(NULL) is a no-op.
 * Errors: once status() is not KV_OK, valid() is false.
 */
#ifndef KV_CORE_ITER_H
#define KV_CORE_ITER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/slice.h"

enum kv_kind {
	KV_KIND_DELETE = 0, /* tombstone */
	KV_KIND_PUT = 1,
};

/* Per-entry metadata of internal sources. */
struct kv_entry_meta {
	uint64_t seq;     /* sequence number, unique per write */
	uint64_t ts_ns;   /* device clock when written (TTL, time windows) */
	enum kv_kind kind;
};

struct kv_iter;

struct kv_iter_ops {
	const char *name;
	void (*seek_first)(struct kv_iter *it);
	/* Position at the first entry whose user key is >= target. */
	void (*seek)(struct kv_iter *it, struct kv_slice target);
	bool (*valid)(const struct kv_iter *it);
	void (*next)(struct kv_iter *it);
	struct kv_slice (*key)(const struct kv_iter *it);
	struct kv_slice (*value)(const struct kv_iter *it);
	int (*status)(const struct kv_iter *it);
	void (*close)(struct kv_iter *it);
	/* Optional (NULL: seq 0, ts 0, KV_KIND_PUT). */
	void (*meta)(const struct kv_iter *it, struct kv_entry_meta *m);
	/* Optional: the message behind a non-OK status (NULL: status name). */
	const char *(*errmsg)(const struct kv_iter *it);
};

/* Implementations embed this as their first member. */
struct kv_iter {
	const struct kv_iter_ops *ops;
};

static inline void kv_iter_seek_first(struct kv_iter *it) { it->ops->seek_first(it); }
static inline void kv_iter_seek(struct kv_iter *it, struct kv_slice t) { it->ops->seek(it, t); }
static inline bool kv_iter_valid(const struct kv_iter *it) { return it->ops->valid(it); }
static inline void kv_iter_next(struct kv_iter *it) { it->ops->next(it); }
static inline struct kv_slice kv_iter_key(const struct kv_iter *it) { return it->ops->key(it); }
static inline struct kv_slice kv_iter_value(const struct kv_iter *it) { return it->ops->value(it); }
static inline int kv_iter_status(const struct kv_iter *it) { return it->ops->status(it); }

static inline void kv_iter_meta(const struct kv_iter *it, struct kv_entry_meta *m)
{
	if (it->ops->meta) {
		it->ops->meta(it, m);
	} else {
		m->seq = 0;
		m->ts_ns = 0;
		m->kind = KV_KIND_PUT;
	}
}

const char *kv_iter_errmsg(const struct kv_iter *it);

static inline void kv_iter_close(struct kv_iter *it)
{
	if (it)
		it->ops->close(it);
}

/*
 * A k-way merge of internal sources (binary heap). Yields every entry of
 * every child in (key ascending, seq descending) order; ties on both break
 * toward the lower child index. Takes ownership of the children (closes
 * them on close) and of the @children array itself is NOT taken (it is
 * copied). On ENOMEM returns NULL and closes the children.
 * The merged status is the first non-OK child status.
 * The new iterator is unpositioned (not valid): call seek_first or seek.
 */
struct kv_iter *kv_merge_iter_new(struct kv_iter *const *children, size_t n);

/* An iterator over nothing, with the given status (KV_OK for empty). */
struct kv_iter *kv_empty_iter_new(int status);

#endif
