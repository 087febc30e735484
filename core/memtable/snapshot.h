/*
 * core/memtable/snapshot.h - flat entries and sorted-snapshot iterators for
 * the unsorted memtable kinds (hash, vector).
 *
 * Entry: one arena allocation per stored version (struct kv_mt_entry, 32
 * bytes of header, then the key, then value_cap bytes of value). A kind may
 * put private words before the header (the hash kind keeps its chain link
 * there). Entries never move; a kind that replaces an entry leaves the old
 * one in its arena.
 *
 * Snapshot: an array of (8 key bytes after the longest common prefix of
 * all keys, big-endian; entry pointer)
 * pairs, sorted by (key ascending, seq descending) with an introsort that
 * compares the prefixes inline and dereferences an entry only when two
 * prefixes tie. Cost: O(n log n) per build, n = the entries the kind puts
 * in (its distinct keys), plus one entry dereference per element to read
 * its prefix; 16 bytes per element. A seek is a binary search (O(log n)
 * entry dereferences), next() is O(1).
 *
 * The snapshot cache (struct kv_mt_snapcache, embedded in the memtable)
 * keeps the last snapshot built until the next put invalidates it, so
 * repeated scans without writes in between sort once. Snapshots are
 * reference counted: every open iterator holds one reference and the cache
 * holds one, so a put while iterators are open never touches the array an
 * iterator reads; the next iterator then builds a new snapshot (reusing the
 * cached array in place when no iterator holds it). An iterator never sees
 * puts made after it was created, as long as the kind does not overwrite
 * entries in place while iterators are open (kv_mt_snapcache_iters()).
 *
 * Accounting: kv_mt_snapcache_bytes() is the allocation size of the array
 * the cache holds (what the memtable owns); a rebuilt array is never
 * smaller than the one it replaces, so a kind adding it to approx_bytes
 * stays monotonic. Arrays kept alive only by open iterators belong to the
 * iterators (like the iterator structs themselves) and are not counted.
 */
#ifndef KV_CORE_MEMTABLE_SNAPSHOT_H
#define KV_CORE_MEMTABLE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/iter.h"
#include "core/slice.h"
#include "core/status.h"

/* Stored version of one key; key bytes then value bytes follow. */
struct kv_mt_entry {
	uint32_t hash;      /* low 32 bits of kv_hash64(key) */
	uint16_t key_len;
	uint8_t kind;       /* enum kv_kind */
	uint8_t flags;      /* private to the kind */
	uint32_t value_len;
	uint32_t value_cap; /* bytes reserved for the value */
	uint64_t seq;
	uint64_t ts_ns;
	char key[];
};

/* Bytes of an entry holding a key of @key_len and @value_cap value bytes. */
static inline size_t kv_mt_entry_bytes(size_t key_len, size_t value_cap)
{
	return sizeof(struct kv_mt_entry) + key_len + value_cap;
}

static inline struct kv_slice kv_mt_entry_key(const struct kv_mt_entry *e)
{
	return kv_slice_make(e->key, e->key_len);
}

static inline struct kv_slice kv_mt_entry_value(const struct kv_mt_entry *e)
{
	return kv_slice_make(e->key + e->key_len, e->value_len);
}

static inline void kv_mt_entry_meta(const struct kv_mt_entry *e, struct kv_entry_meta *m)
{
	m->seq = e->seq;
	m->ts_ns = e->ts_ns;
	m->kind = e->kind == KV_KIND_PUT ? KV_KIND_PUT : KV_KIND_DELETE;
}

/* Store @value (value.len <= e->value_cap) and @m into @e. */
static inline void kv_mt_entry_set(struct kv_mt_entry *e, struct kv_slice value,
				   const struct kv_entry_meta *m)
{
	if (value.len)
		memmove(e->key + e->key_len, value.data, value.len);
	e->value_len = (uint32_t)value.len;
	e->seq = m->seq;
	e->ts_ns = m->ts_ns;
	e->kind = (uint8_t)m->kind;
}

/*
 * Initialize the entry at @e (kv_mt_entry_bytes(key.len, value.len) bytes):
 * hash @hash, a copy of @key, no flags, value capacity value.len, and
 * @value and @meta stored (kv_mt_entry_set).
 */
static inline void kv_mt_entry_init(struct kv_mt_entry *e, uint32_t hash, struct kv_slice key,
				    struct kv_slice value, const struct kv_entry_meta *meta)
{
	e->hash = hash;
	e->key_len = (uint16_t)key.len;
	e->flags = 0;
	e->value_cap = (uint32_t)value.len;
	if (key.len)
		memcpy(e->key, key.data, key.len);
	kv_mt_entry_set(e, value, meta);
}

/* True when @e holds exactly the key (k, len) whose hash is @h. */
static inline bool kv_mt_entry_is(const struct kv_mt_entry *e, uint32_t h, const char *k,
				  size_t len)
{
	return e->hash == h && e->key_len == len && (len == 0 || memcmp(e->key, k, len) == 0);
}

/* Hash of a key as stored in kv_mt_entry.hash (XXH3, fixed seed). */
uint32_t kv_mt_key_hash(const char *k, size_t len);

struct kv_mt_snap;

struct kv_mt_snapcache {
	struct kv_mt_snap *snap; /* last snapshot built, or NULL */
	bool fresh;              /* no put since snap was built */
	size_t open_iters;
	uint64_t builds;         /* snapshots sorted (statistics) */
};

/*
 * Writes the memtable's current entries (exactly @n, each key once) into
 * @out[0..n). Called by kv_mt_snapcache_iter() when it builds.
 */
typedef void (*kv_mt_fill_fn)(void *ctx, const struct kv_mt_entry **out, size_t n);

/* An empty cache (allocates nothing). */
void kv_mt_snapcache_init(struct kv_mt_snapcache *c);

/* Release the cached snapshot. Requires no open iterator (asserted). */
void kv_mt_snapcache_destroy(struct kv_mt_snapcache *c);

/* A put happened: the cached snapshot no longer shows the table. */
static inline void kv_mt_snapcache_invalidate(struct kv_mt_snapcache *c)
{
	c->fresh = false;
}

/* Open iterators over snapshots of this cache. */
static inline size_t kv_mt_snapcache_iters(const struct kv_mt_snapcache *c)
{
	return c->open_iters;
}

/* Bytes of the array the cache holds (0 when none). */
size_t kv_mt_snapcache_bytes(const struct kv_mt_snapcache *c);

/*
 * A new unpositioned iterator over a sorted snapshot of @n entries that
 * @fill writes. Reuses the cached snapshot when no put happened since it
 * was built. @name names the iterator (kv_iter_ops.name). The cache (and
 * the memtable embedding it) must outlive the iterator. Returns NULL on
 * ENOMEM; the cache is then still consistent.
 */
struct kv_iter *kv_mt_snapcache_iter(struct kv_mt_snapcache *c, size_t n, kv_mt_fill_fn fill,
				     void *ctx);

#endif
