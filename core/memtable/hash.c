/*
 * core/memtable/hash.c - the hash memtable kind (see hash.h).
 *
 * Node layout (one arena allocation, 8-byte aligned):
 *
 *   [next] [struct kv_mt_entry] [key] [value_cap bytes]
 *          ^ entry pointer; next is the word before it
 *
 * Invariants:
 *  1. nbuckets is a power of two (<= MAX_BUCKETS); every entry is on the
 *     chain of bucket (hash & (nbuckets - 1)), which is the low 32 bits of
 *     kv_mt_key_hash() of its key; no key is on a chain twice.
 *  2. count, base.key_bytes and base.value_bytes are the number of chained
 *     entries and the sums of their key and value lengths.
 *  3. count <= nbuckets unless nbuckets == MAX_BUCKETS.
 *  4. value_len <= value_cap; each chained entry's seq is the highest put
 *     for its key. Replaced entries are on no chain; their bytes are in
 *     garbage_bytes.
 *  5. No entry reachable from an open iterator's snapshot is modified:
 *     overwrites are in place only while cache.open_iters == 0.
 */
#include "core/memtable/hash.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "core/alloc.h"
#include "core/memtable/arena.h"
#include "core/memtable/kind.h"
#include "core/memtable/snapshot.h"
#include "core/options.h"

#define MAX_BUCKETS ((size_t)1 << 31)

struct hash_options {
	int64_t buckets;
	uint64_t arena_block_bytes;
};

struct hash_mt {
	struct kv_memtable base;
	struct kv_arena arena;
	struct kv_mt_entry **buckets;
	size_t nbuckets;
	size_t count;
	size_t garbage_bytes;
	size_t rehashes;
	struct kv_mt_snapcache cache;
};

static const struct kv_option hash_option_table[] = {
	{
		.name = "hash_buckets",
		.type = KV_OPT_INT,
		.def = "0",
		.min = 0,
		.max = (double)((int64_t)1 << 30),
		.unit = "buckets",
		.doc = "initial hash memtable buckets (power of two; 0: write_buffer_size/256); "
		       "doubles when entries exceed buckets",
		.offset = offsetof(struct hash_options, buckets),
	},
	KV_MT_ARENA_OPTION(offsetof(struct hash_options, arena_block_bytes)),
	{ .name = NULL },
};

static inline struct kv_mt_entry *entry_next(const struct kv_mt_entry *e)
{
	return ((struct kv_mt_entry *const *)(const void *)e)[-1];
}

static inline void entry_set_next(struct kv_mt_entry *e, struct kv_mt_entry *n)
{
	((struct kv_mt_entry **)(void *)e)[-1] = n;
}

static inline size_t node_bytes(size_t key_len, size_t value_cap)
{
	return sizeof(struct kv_mt_entry *) + kv_mt_entry_bytes(key_len, value_cap);
}

static struct hash_mt *to_h(const struct kv_memtable *mt)
{
	return kv_mt_self(mt, &kv_hash_memtable_ops);
}

/* Cheap invariants (O(1)). */
static bool hash_check(const struct hash_mt *h)
{
	if (!h->buckets || h->nbuckets < 1 || (h->nbuckets & (h->nbuckets - 1)) != 0)
		return false;
	if (h->count > h->nbuckets && h->nbuckets < MAX_BUCKETS)
		return false;
	return h->garbage_bytes <= kv_arena_bytes_used(&h->arena);
}

/* Initial bucket count: the option, or auto from write_buffer_size. */
static int initial_buckets(const struct hash_options *o, const struct kv_config *cfg,
			   size_t *out, struct kv_err *err)
{
	size_t n = (size_t)o->buckets;
	int rc = KV_OK;

	if (o->buckets <= 0)
		rc = kv_mt_auto_slots(cfg, "hash_buckets", &n, err);
	*out = kv_mt_pow2_at_least(n);
	return rc;
}

static int hash_init(struct kv_memtable *mt, const struct kv_config *cfg, struct kv_err *err)
{
	struct hash_mt *h = to_h(mt);
	struct hash_options o;
	size_t nb = 0;
	int rc;

	rc = kv_options_load(hash_option_table, cfg, &o, err);
	if (rc == KV_OK)
		rc = initial_buckets(&o, cfg, &nb, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "memtable hash");
		return rc;
	}
	h->buckets = kv_calloc(KV_MEM_MEMTABLE, nb * sizeof(*h->buckets));
	if (!h->buckets)
		return kv_err_set(err, KV_ENOMEM,
				  "memtable hash: out of memory allocating %zu buckets", nb);
	h->nbuckets = nb;
	h->count = 0;
	h->garbage_bytes = 0;
	h->rehashes = 0;
	kv_arena_init(&h->arena, (size_t)o.arena_block_bytes);
	kv_mt_snapcache_init(&h->cache);
	mt->key_bytes = 0;
	mt->value_bytes = 0;
	assert(hash_check(h));
	return KV_OK;
}

static void hash_destroy(struct kv_memtable *mt)
{
	struct hash_mt *h = to_h(mt);

	assert(hash_check(h));
	kv_mt_snapcache_destroy(&h->cache);
	kv_arena_destroy(&h->arena);
	kv_free(KV_MEM_MEMTABLE, h->buckets, h->nbuckets * sizeof(*h->buckets));
	h->buckets = NULL;
}

/* Double the bucket array and relink every entry. KV_OK or KV_ENOMEM. */
static int rehash(struct hash_mt *h)
{
	size_t nb = h->nbuckets * 2;
	struct kv_mt_entry **b = kv_calloc(KV_MEM_MEMTABLE, nb * sizeof(*b));

	if (!b)
		return KV_ENOMEM;
	for (size_t i = 0; i < h->nbuckets; i++) {
		struct kv_mt_entry *e = h->buckets[i];

		while (e) {
			struct kv_mt_entry *next = entry_next(e);
			size_t j = e->hash & (nb - 1);

			entry_set_next(e, b[j]);
			b[j] = e;
			e = next;
		}
	}
	kv_free(KV_MEM_MEMTABLE, h->buckets, h->nbuckets * sizeof(*h->buckets));
	h->buckets = b;
	h->nbuckets = nb;
	h->rehashes++;
	return KV_OK;
}

static struct kv_mt_entry *node_new(struct hash_mt *h, uint32_t hash, struct kv_slice key,
				    struct kv_slice value, const struct kv_entry_meta *meta)
{
	char *mem = kv_arena_alloc(&h->arena, node_bytes(key.len, value.len),
				   sizeof(struct kv_mt_entry *));
	struct kv_mt_entry *e;

	if (!mem)
		return NULL;
	e = (struct kv_mt_entry *)(void *)(mem + sizeof(struct kv_mt_entry *));
	entry_set_next(e, NULL);
	kv_mt_entry_init(e, hash, key, value, meta);
	return e;
}

static int hash_put(struct kv_memtable *mt, struct kv_slice key, struct kv_slice value,
		    const struct kv_entry_meta *meta)
{
	struct hash_mt *h = to_h(mt);
	struct kv_mt_entry **link, *e, *n;
	uint32_t hv;
	int rc = KV_OK;

	assert(hash_check(h));
	assert(meta->kind == KV_KIND_PUT || meta->kind == KV_KIND_DELETE);
	if (key.len > UINT16_MAX || value.len > UINT32_MAX)
		return KV_EINVAL;
	hv = kv_mt_key_hash(key.data, key.len);
	link = &h->buckets[hv & (h->nbuckets - 1)];
	for (e = *link; e; link = (struct kv_mt_entry **)(void *)e - 1, e = *link) {
		if (kv_mt_entry_is(e, hv, key.data, key.len))
			break;
	}
	if (e) {
		size_t old_len = e->value_len;

		if (meta->seq <= e->seq)
			goto out; /* the stored entry is newer (contract 1) */
		if (value.len <= e->value_cap && kv_mt_snapcache_iters(&h->cache) == 0) {
			kv_mt_entry_set(e, value, meta);
		} else {
			n = node_new(h, hv, key, value, meta);
			if (!n) {
				rc = KV_ENOMEM;
				goto out;
			}
			entry_set_next(n, entry_next(e));
			*link = n;
			h->garbage_bytes += node_bytes(e->key_len, e->value_cap);
		}
		mt->value_bytes = mt->value_bytes - old_len + value.len;
		kv_mt_snapcache_invalidate(&h->cache);
		goto out;
	}
	if (h->count >= h->nbuckets && h->nbuckets < MAX_BUCKETS) {
		rc = rehash(h);
		if (rc != KV_OK)
			goto out;
	}
	n = node_new(h, hv, key, value, meta);
	if (!n) {
		rc = KV_ENOMEM;
		goto out;
	}
	link = &h->buckets[hv & (h->nbuckets - 1)];
	entry_set_next(n, *link);
	*link = n;
	h->count++;
	mt->key_bytes += key.len;
	mt->value_bytes += value.len;
	kv_mt_snapcache_invalidate(&h->cache);
out:
	assert(hash_check(h));
	return rc;
}

static int hash_get(struct kv_memtable *mt, struct kv_slice key, struct kv_slice *value,
		    struct kv_entry_meta *meta)
{
	const struct hash_mt *h = to_h(mt);
	uint32_t hv = kv_mt_key_hash(key.data, key.len);
	const struct kv_mt_entry *e;

	for (e = h->buckets[hv & (h->nbuckets - 1)]; e; e = entry_next(e)) {
		if (kv_mt_entry_is(e, hv, key.data, key.len)) {
			if (value)
				*value = kv_mt_entry_value(e);
			if (meta)
				kv_mt_entry_meta(e, meta);
			return KV_OK;
		}
	}
	return KV_NOTFOUND;
}

static size_t hash_approx_bytes(const struct kv_memtable *mt)
{
	const struct hash_mt *h = to_h(mt);

	return sizeof(*h) + kv_arena_bytes_reserved(&h->arena) +
	       h->nbuckets * sizeof(*h->buckets) + kv_mt_snapcache_bytes(&h->cache);
}

static size_t hash_count(const struct kv_memtable *mt)
{
	return to_h(mt)->count;
}

static void hash_fill(void *ctx, const struct kv_mt_entry **out, size_t n)
{
	const struct hash_mt *h = ctx;
	size_t k = 0;

	for (size_t i = 0; i < h->nbuckets; i++) {
		for (const struct kv_mt_entry *e = h->buckets[i]; e; e = entry_next(e))
			out[k++] = e;
	}
	assert(k == n);
	(void)n;
}

static struct kv_iter *hash_iter(struct kv_memtable *mt)
{
	struct hash_mt *h = to_h(mt);

	return kv_mt_snapcache_iter(&h->cache, h->count, hash_fill, h);
}

void kv_hash_stats(const struct kv_memtable *mt, struct kv_hash_stats *st)
{
	const struct hash_mt *h = to_h(mt);

	memset(st, 0, sizeof(*st));
	st->entries = h->count;
	st->buckets = h->nbuckets;
	for (size_t i = 0; i < h->nbuckets; i++) {
		size_t len = 0;

		for (const struct kv_mt_entry *e = h->buckets[i]; e; e = entry_next(e))
			len++;
		st->used_buckets += len > 0;
		if (len > st->longest_chain)
			st->longest_chain = len;
	}
	st->rehashes = h->rehashes;
	st->garbage_bytes = h->garbage_bytes;
	st->snapshot_builds = (size_t)h->cache.builds;
}

bool kv_hash_verify(const struct kv_memtable *mt)
{
	const struct hash_mt *h = to_h(mt);
	uint64_t key_bytes = 0, value_bytes = 0;
	size_t count = 0, live = 0;

	if (!hash_check(h) || !kv_arena_verify(&h->arena))
		return false;
	for (size_t i = 0; i < h->nbuckets; i++) {
		for (const struct kv_mt_entry *e = h->buckets[i]; e; e = entry_next(e)) {
			if ((e->hash & (h->nbuckets - 1)) != i)
				return false;
			if (e->hash != kv_mt_key_hash(e->key, e->key_len))
				return false;
			if (e->value_len > e->value_cap || e->kind > KV_KIND_PUT)
				return false;
			for (const struct kv_mt_entry *f = entry_next(e); f; f = entry_next(f)) {
				if (kv_mt_entry_is(f, e->hash, e->key, e->key_len))
					return false;
			}
			count++;
			key_bytes += e->key_len;
			value_bytes += e->value_len;
			live += node_bytes(e->key_len, e->value_cap);
		}
	}
	if (count != h->count || key_bytes != mt->key_bytes || value_bytes != mt->value_bytes)
		return false;
	return live + h->garbage_bytes <= kv_arena_bytes_used(&h->arena);
}

const struct kv_memtable_ops kv_hash_memtable_ops = {
	.name = "hash",
	.version = 1,
	.instance_size = sizeof(struct hash_mt),
	.doc = "chained hash table: O(1) put/get; iterators sort a snapshot "
	       "(O(n log n), cached until the next put)",
	.options = hash_option_table,
	.init = hash_init,
	.destroy = hash_destroy,
	.put = hash_put,
	.get = hash_get,
	.iter = hash_iter,
	.approx_bytes = hash_approx_bytes,
	.count = hash_count,
};
