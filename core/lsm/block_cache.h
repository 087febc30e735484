/*
 * core/lsm/block_cache.h - an LRU cache of SSTable blocks with a byte
 * budget, keyed by (file id, block offset).
 *
 * Each entry is charged its data bytes plus a fixed per-entry overhead
 * (KV_BLOCK_CACHE_ENTRY_OVERHEAD). A lookup or insert returns a pinned
 * handle: the entry's bytes stay valid until kv_block_cache_release(),
 * and eviction never frees a pinned entry. When the charge exceeds the
 * capacity, unpinned entries are evicted least recently used first; pinned
 * entries may keep the charge above the capacity until they are released.
 * Capacity 0 disables caching: insert returns a handle that is freed on
 * release and lookup always misses.
 *
 * Threading: every function may be called from any thread; each takes the
 * cache's mutex for its whole body (the LSM engine's background jobs
 * close and delete tables while the foreground reads through the cache).
 */
#ifndef KV_CORE_LSM_BLOCK_CACHE_H
#define KV_CORE_LSM_BLOCK_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct kv_block_cache;
struct kv_cache_handle;

/* Bytes charged per entry on top of its data (entry struct + table slot). */
#define KV_BLOCK_CACHE_ENTRY_OVERHEAD 96

struct kv_block_cache_stats {
	uint64_t hits, misses;   /* lookups that found / did not find the block */
	uint64_t inserts;
	uint64_t evictions;      /* entries dropped for the byte budget */
	uint64_t erased;         /* entries dropped by kv_block_cache_erase_file */
	uint64_t bytes_in_use;   /* charge of all cached (and pinned) entries */
	uint64_t entries;
	uint64_t pinned;         /* entries with a live handle */
	uint64_t capacity_bytes;
};

/*
 * A new cache of @capacity_bytes (0: no caching). Caller frees with
 * kv_block_cache_free(). NULL on ENOMEM.
 */
struct kv_block_cache *kv_block_cache_new(size_t capacity_bytes);

/* Free the cache. Requires: no handle is still pinned (asserted). NULL is a no-op. */
void kv_block_cache_free(struct kv_block_cache *c);

/*
 * The block of (@file_id, @off), pinned, or NULL (a miss). The handle is
 * released with kv_block_cache_release(). A hit makes the entry the most
 * recently used.
 */
struct kv_cache_handle *kv_block_cache_lookup(struct kv_block_cache *c, uint64_t file_id,
					      uint64_t off);

/*
 * Insert @len bytes at @data for (@file_id, @off) and return it pinned.
 * Takes ownership of @data, which must come from
 * kv_malloc(KV_MEM_BLOCK_CACHE, @len) (len >= 1); the cache frees it.
 * An existing entry for the same key is replaced (its pinned handles stay
 * valid). NULL on ENOMEM (@data is then freed).
 */
struct kv_cache_handle *kv_block_cache_insert(struct kv_block_cache *c, uint64_t file_id,
					      uint64_t off, char *data, size_t len);

/*
 * As kv_block_cache_insert, but the cache does not own @data: the caller
 * keeps the bytes valid and unchanged until it has called
 * kv_block_cache_erase_file(c, @file_id) and released every handle of
 * that file (for blocks read in place from a mapped file). Charged like
 * an owned entry. NULL on ENOMEM.
 */
struct kv_cache_handle *kv_block_cache_insert_borrowed(struct kv_block_cache *c,
						       uint64_t file_id, uint64_t off,
						       const char *data, size_t len);

/* The cached bytes of a pinned handle (borrowed until release). */
const char *kv_block_cache_handle_data(const struct kv_cache_handle *h);
size_t kv_block_cache_handle_len(const struct kv_cache_handle *h);

/* Unpin @h (which must not be used afterwards). NULL is a no-op. */
void kv_block_cache_release(struct kv_block_cache *c, struct kv_cache_handle *h);

/*
 * Drop every entry of @file_id (its table was deleted). Pinned entries
 * leave the table at once and are freed on their last release. Cost is
 * linear in the number of cached entries.
 */
void kv_block_cache_erase_file(struct kv_block_cache *c, uint64_t file_id);

/* A snapshot of the counters into *out. */
void kv_block_cache_get_stats(struct kv_block_cache *c, struct kv_block_cache_stats *out);

/* Change the byte budget, evicting as needed. */
void kv_block_cache_set_capacity(struct kv_block_cache *c, size_t capacity_bytes);

#endif
