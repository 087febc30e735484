/*
 * core/memtable/memtable.h - the memtable interface.
 *
 * A memtable holds the newest writes in memory. Contract for every kind:
 *  1. put() records (key, value, seq, kind, ts). A later put of the same
 *     key with a higher seq supersedes it; seqs passed to one memtable
 *     strictly increase.
 *  2. get() returns the entry of the highest seq for a key (a tombstone is
 *     returned as found with meta.kind == KV_KIND_DELETE), or KV_NOTFOUND.
 *  3. The iterator yields entries in (key ascending, seq descending) order;
 *     a kind may keep only the newest version of each key (all shipped
 *     kinds do), since the engine has no snapshots.
 *  4. approx_bytes() never under-reports the memory the table holds through
 *     the allocator hook (KV_MEM_MEMTABLE).
 * A kind may be unsorted inside (hash, vector) as long as its iterator
 * yields sorted order; it documents the cost in its header.
 *
 * Ownership: slices returned by get() and iterators are borrowed until the
 * memtable is destroyed (memtables never move stored bytes). Input slices
 * are copied. An open iterator must be closed before the table is
 * destroyed; puts while an iterator is open are allowed only for kinds
 * that say so.
 */
#ifndef KV_CORE_MEMTABLE_MEMTABLE_H
#define KV_CORE_MEMTABLE_MEMTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/iter.h"
#include "core/options.h"
#include "core/slice.h"
#include "core/status.h"

struct kv_memtable;

struct kv_memtable_ops {
	const char *name;
	unsigned version;
	size_t instance_size; /* starts with struct kv_memtable */
	const char *doc;
	const struct kv_option *options; /* NULL-terminated; stored by offset
					    into the kind's own options struct */

	int (*init)(struct kv_memtable *mt, const struct kv_config *cfg, struct kv_err *err);
	void (*destroy)(struct kv_memtable *mt);
	int (*put)(struct kv_memtable *mt, struct kv_slice key, struct kv_slice value,
		   const struct kv_entry_meta *meta);
	int (*get)(struct kv_memtable *mt, struct kv_slice key, struct kv_slice *value,
		   struct kv_entry_meta *meta);
	/* New iterator (caller closes). NULL on ENOMEM. */
	struct kv_iter *(*iter)(struct kv_memtable *mt);
	size_t (*approx_bytes)(const struct kv_memtable *mt);
	/* Number of distinct entries the iterator would yield. */
	size_t (*count)(const struct kv_memtable *mt);
};

struct kv_memtable {
	const struct kv_memtable_ops *ops;
	uint64_t key_bytes;   /* sum of key+value bytes of entries held, for the */
	uint64_t value_bytes; /* overhead-per-entry statistic (kept by the kind) */
};

/* Allocate instance_size bytes (KV_MEM_MEMTABLE) and init. */
int kv_memtable_create(const struct kv_memtable_ops *ops, const struct kv_config *cfg,
		       struct kv_memtable **out, struct kv_err *err);
void kv_memtable_destroy(struct kv_memtable *mt);

static inline int kv_memtable_put(struct kv_memtable *mt, struct kv_slice key,
				  struct kv_slice value, const struct kv_entry_meta *meta)
{
	return mt->ops->put(mt, key, value, meta);
}

static inline int kv_memtable_get(struct kv_memtable *mt, struct kv_slice key,
				  struct kv_slice *value, struct kv_entry_meta *meta)
{
	return mt->ops->get(mt, key, value, meta);
}

static inline struct kv_iter *kv_memtable_iter(struct kv_memtable *mt)
{
	return mt->ops->iter(mt);
}

static inline size_t kv_memtable_bytes(const struct kv_memtable *mt)
{
	return mt->ops->approx_bytes(mt);
}

static inline size_t kv_memtable_count(const struct kv_memtable *mt)
{
	return mt->ops->count(mt);
}

/* Memtable kinds by name (core/memtable/registry.c). */
extern const struct kv_memtable_ops *const kv_memtable_registry[];
const struct kv_memtable_ops *kv_memtable_find(const char *name);

#endif
