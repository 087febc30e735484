/*
 * core/lsm/block_cache.c - LRU block cache with a byte budget.
 *
 * Entries live in a chained hash table (power-of-two bucket count, doubled
 * when the load passes 1) and, while unpinned, on a doubly-linked LRU list
 * whose head side is the least recently used.
 *
 * Invariants:
 *  1. usage = the sum of the charges of all entries not yet freed (in the
 *     table, or detached but still pinned).
 *  2. An entry is on the LRU list iff it is in the table and refs == 0.
 *  3. nentries = the number of entries in the table; each sits in the
 *     chain of bucket (hash & (nbuckets - 1)); no two share a key.
 *  4. pinned = the number of entries with refs > 0.
 *  5. Between public calls, usage <= capacity or the LRU list is empty.
 *  6. A detached entry (not in the table) has refs > 0; it is freed when
 *     its last handle is released.
 *  7. owned is data (the cache frees it) or NULL (borrowed bytes, which
 *     the inserter keeps valid until it erases the file).
 *  8. spare holds nspare <= MAX_SPARE freed entry structs for reuse, so
 *     an insert that evicts allocates nothing in the steady state.
 *
 * Threading: mu guards every field of the cache and of its entries except
 * an entry's key, data and len, which do not change while it is pinned.
 * Each public function takes mu for its whole body, so the cache may be
 * used from several threads (the LSM engine's background jobs).
 */
#include "core/lsm/block_cache.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "core/alloc.h"

#define MIN_BUCKETS 64
#define MAX_SPARE 64

struct kv_cache_handle {
	uint64_t file_id, off, hash;
	const char *data;
	char *owned;
	size_t len;
	size_t charge;
	uint32_t refs;
	bool in_table;
	struct kv_cache_handle *chain;
	struct kv_cache_handle *lru_prev, *lru_next;
};

struct kv_block_cache {
	pthread_mutex_t mu;
	size_t capacity;
	size_t usage;
	size_t nentries;
	size_t pinned;
	size_t nbuckets;
	struct kv_cache_handle **buckets;
	struct kv_cache_handle lru; /* sentinel: lru.lru_next is the oldest */
	struct kv_cache_handle *spare; /* chained through chain */
	size_t nspare;
	uint64_t hits, misses, inserts, evictions, erased;
};

static bool cache_check(const struct kv_block_cache *c)
{
	if (c->nbuckets < MIN_BUCKETS || (c->nbuckets & (c->nbuckets - 1)) != 0)
		return false;
	if ((c->lru.lru_next == &c->lru) != (c->lru.lru_prev == &c->lru))
		return false;
	if (c->usage > c->capacity && c->lru.lru_next != &c->lru)
		return false;
	if (c->pinned > c->usage / KV_BLOCK_CACHE_ENTRY_OVERHEAD)
		return false;
	return c->nspare <= MAX_SPARE;
}

static uint64_t key_hash(uint64_t file_id, uint64_t off)
{
	uint64_t z = file_id * UINT64_C(0x9e3779b97f4a7c15) ^ off;

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

struct kv_block_cache *kv_block_cache_new(size_t capacity_bytes)
{
	struct kv_block_cache *c = kv_calloc(KV_MEM_BLOCK_CACHE, sizeof(*c));

	if (!c)
		return NULL;
	c->nbuckets = MIN_BUCKETS;
	c->buckets = kv_calloc(KV_MEM_BLOCK_CACHE, c->nbuckets * sizeof(*c->buckets));
	if (!c->buckets) {
		kv_free(KV_MEM_BLOCK_CACHE, c, sizeof(*c));
		return NULL;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		kv_free(KV_MEM_BLOCK_CACHE, c->buckets, c->nbuckets * sizeof(*c->buckets));
		kv_free(KV_MEM_BLOCK_CACHE, c, sizeof(*c));
		return NULL;
	}
	c->capacity = capacity_bytes;
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	assert(cache_check(c));
	return c;
}

static void entry_free(struct kv_block_cache *c, struct kv_cache_handle *e)
{
	assert(c->usage >= e->charge);
	c->usage -= e->charge;
	if (e->owned)
		kv_free(KV_MEM_BLOCK_CACHE, e->owned, e->len);
	if (c->nspare < MAX_SPARE) {
		e->chain = c->spare;
		c->spare = e;
		c->nspare++;
		return;
	}
	kv_free(KV_MEM_BLOCK_CACHE, e, sizeof(*e));
}

static struct kv_cache_handle *entry_alloc(struct kv_block_cache *c)
{
	struct kv_cache_handle *e = c->spare;

	if (e) {
		c->spare = e->chain;
		c->nspare--;
	} else {
		e = kv_malloc(KV_MEM_BLOCK_CACHE, sizeof(*e));
		if (!e)
			return NULL;
	}
	memset(e, 0, sizeof(*e));
	return e;
}

void kv_block_cache_free(struct kv_block_cache *c)
{
	if (!c)
		return;
	assert(cache_check(c));
	assert(c->pinned == 0);
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct kv_cache_handle *e = c->buckets[i];

		while (e) {
			struct kv_cache_handle *next = e->chain;

			entry_free(c, e);
			e = next;
		}
	}
	while (c->spare) {
		struct kv_cache_handle *e = c->spare;

		c->spare = e->chain;
		kv_free(KV_MEM_BLOCK_CACHE, e, sizeof(*e));
	}
	kv_free(KV_MEM_BLOCK_CACHE, c->buckets, c->nbuckets * sizeof(*c->buckets));
	pthread_mutex_destroy(&c->mu);
	kv_free(KV_MEM_BLOCK_CACHE, c, sizeof(*c));
}

static void lru_remove(struct kv_cache_handle *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_append(struct kv_block_cache *c, struct kv_cache_handle *e)
{
	e->lru_next = &c->lru;
	e->lru_prev = c->lru.lru_prev;
	e->lru_prev->lru_next = e;
	c->lru.lru_prev = e;
}

static struct kv_cache_handle **find_slot(struct kv_block_cache *c, uint64_t hash,
					  uint64_t file_id, uint64_t off)
{
	struct kv_cache_handle **pp = &c->buckets[hash & (c->nbuckets - 1)];

	while (*pp && ((*pp)->file_id != file_id || (*pp)->off != off))
		pp = &(*pp)->chain;
	return pp;
}

/* Take @e (found at *pp) out of the table; free it unless pinned. */
static void detach(struct kv_block_cache *c, struct kv_cache_handle **pp)
{
	struct kv_cache_handle *e = *pp;

	assert(e->in_table);
	*pp = e->chain;
	e->chain = NULL;
	e->in_table = false;
	c->nentries--;
	if (e->refs == 0) {
		lru_remove(e);
		entry_free(c, e);
	}
}

static void evict(struct kv_block_cache *c)
{
	while (c->usage > c->capacity && c->lru.lru_next != &c->lru) {
		struct kv_cache_handle *e = c->lru.lru_next;

		detach(c, find_slot(c, e->hash, e->file_id, e->off));
		c->evictions++;
	}
}

static void grow(struct kv_block_cache *c)
{
	size_t n = c->nbuckets * 2;
	struct kv_cache_handle **b = kv_calloc(KV_MEM_BLOCK_CACHE, n * sizeof(*b));

	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct kv_cache_handle *e = c->buckets[i];

		while (e) {
			struct kv_cache_handle *next = e->chain;
			size_t j = e->hash & (n - 1);

			e->chain = b[j];
			b[j] = e;
			e = next;
		}
	}
	kv_free(KV_MEM_BLOCK_CACHE, c->buckets, c->nbuckets * sizeof(*c->buckets));
	c->buckets = b;
	c->nbuckets = n;
}

struct kv_cache_handle *kv_block_cache_lookup(struct kv_block_cache *c, uint64_t file_id,
					      uint64_t off)
{
	struct kv_cache_handle *e;

	pthread_mutex_lock(&c->mu);
	assert(cache_check(c));
	e = *find_slot(c, key_hash(file_id, off), file_id, off);
	if (!e) {
		c->misses++;
	} else {
		if (e->refs++ == 0) {
			lru_remove(e);
			c->pinned++;
		}
		c->hits++;
	}
	pthread_mutex_unlock(&c->mu);
	return e;
}

/* Insert @data (owned by the cache iff @owned) and return it pinned. */
static struct kv_cache_handle *insert(struct kv_block_cache *c, uint64_t file_id, uint64_t off,
				      const char *data, char *owned, size_t len)
{
	struct kv_cache_handle *e, **pp;

	assert(cache_check(c));
	assert(data && len >= 1 && (!owned || owned == data));
	e = entry_alloc(c);
	if (!e) {
		if (owned)
			kv_free(KV_MEM_BLOCK_CACHE, owned, len);
		return NULL;
	}
	e->file_id = file_id;
	e->off = off;
	e->hash = key_hash(file_id, off);
	e->data = data;
	e->owned = owned;
	e->len = len;
	e->charge = len + KV_BLOCK_CACHE_ENTRY_OVERHEAD;
	e->refs = 1;
	c->usage += e->charge;
	c->pinned++;
	c->inserts++;
	if (c->capacity == 0)
		return e; /* detached: freed on release */
	pp = find_slot(c, e->hash, file_id, off);
	if (*pp)
		detach(c, pp);
	pp = &c->buckets[e->hash & (c->nbuckets - 1)];
	e->chain = *pp;
	*pp = e;
	e->in_table = true;
	c->nentries++;
	if (c->nentries > c->nbuckets)
		grow(c);
	evict(c);
	assert(cache_check(c));
	return e;
}

static struct kv_cache_handle *insert_locked(struct kv_block_cache *c, uint64_t file_id,
					     uint64_t off, const char *data, char *owned, size_t len)
{
	struct kv_cache_handle *e;

	pthread_mutex_lock(&c->mu);
	e = insert(c, file_id, off, data, owned, len);
	pthread_mutex_unlock(&c->mu);
	return e;
}

struct kv_cache_handle *kv_block_cache_insert(struct kv_block_cache *c, uint64_t file_id,
					      uint64_t off, char *data, size_t len)
{
	return insert_locked(c, file_id, off, data, data, len);
}

struct kv_cache_handle *kv_block_cache_insert_borrowed(struct kv_block_cache *c,
						       uint64_t file_id, uint64_t off,
						       const char *data, size_t len)
{
	return insert_locked(c, file_id, off, data, NULL, len);
}

const char *kv_block_cache_handle_data(const struct kv_cache_handle *h)
{
	return h->data;
}

size_t kv_block_cache_handle_len(const struct kv_cache_handle *h)
{
	return h->len;
}

void kv_block_cache_release(struct kv_block_cache *c, struct kv_cache_handle *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&c->mu);
	assert(h->refs > 0);
	if (--h->refs == 0) {
		c->pinned--;
		if (!h->in_table) {
			entry_free(c, h);
		} else {
			lru_append(c, h);
			evict(c);
		}
		assert(cache_check(c));
	}
	pthread_mutex_unlock(&c->mu);
}

void kv_block_cache_erase_file(struct kv_block_cache *c, uint64_t file_id)
{
	pthread_mutex_lock(&c->mu);
	assert(cache_check(c));
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct kv_cache_handle **pp = &c->buckets[i];

		while (*pp) {
			if ((*pp)->file_id == file_id) {
				detach(c, pp);
				c->erased++;
			} else {
				pp = &(*pp)->chain;
			}
		}
	}
	assert(cache_check(c));
	pthread_mutex_unlock(&c->mu);
}

void kv_block_cache_get_stats(struct kv_block_cache *c, struct kv_block_cache_stats *out)
{
	pthread_mutex_lock(&c->mu);
	memset(out, 0, sizeof(*out));
	out->hits = c->hits;
	out->misses = c->misses;
	out->inserts = c->inserts;
	out->evictions = c->evictions;
	out->erased = c->erased;
	out->bytes_in_use = c->usage;
	out->entries = c->nentries;
	out->pinned = c->pinned;
	out->capacity_bytes = c->capacity;
	pthread_mutex_unlock(&c->mu);
}

void kv_block_cache_set_capacity(struct kv_block_cache *c, size_t capacity_bytes)
{
	pthread_mutex_lock(&c->mu);
	c->capacity = capacity_bytes;
	evict(c);
	assert(cache_check(c));
	pthread_mutex_unlock(&c->mu);
}
