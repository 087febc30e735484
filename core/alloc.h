/*
 * core/alloc.h - the one allocator hook, with per-component accounting.
 *
 * All heap memory of lsmlab goes through kv_mem_alloc() (the lua_Alloc
 * shape: ptr, old size, new size). Each allocation names the component it
 * belongs to, so memory per component is a measured quantity (memtable
 * bytes, block cache bytes, ...). Tests install a hook that fails the Nth
 * allocation. Counters are atomic, so a later background thread may
 * allocate too.
 */
#ifndef KV_CORE_ALLOC_H
#define KV_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

enum kv_mem_component {
	KV_MEM_OTHER = 0,
	KV_MEM_MEMTABLE,
	KV_MEM_BLOCK_CACHE,
	KV_MEM_TABLE,      /* open SSTable readers: index + Bloom filter */
	KV_MEM_BUFFER_POOL,
	KV_MEM_DEVICE,     /* data stored by RAM-backed devices */
	KV_MEM_WORKLOAD,
	KV_MEM_COMPACTION, /* merge buffers, job state */
	KV_MEM__COUNT
};

/*
 * The hook: like lua_Alloc. new_size 0 frees ptr (returns NULL); ptr NULL
 * allocates. Returns NULL on failure (the old block is left untouched).
 */
typedef void *(*kv_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

/* Install a hook (NULL restores the default realloc/free hook). Not thread-safe. */
void kv_alloc_set_hook(kv_alloc_fn fn, void *ud);

/*
 * Allocate, resize or free through the hook, counting bytes for @c.
 * Callers pass the exact old size (sized deallocation).
 */
void *kv_mem_alloc(enum kv_mem_component c, void *ptr, size_t old_size, size_t new_size);

/* Conveniences over kv_mem_alloc(). kv_free(c, NULL, n) is a no-op. */
void *kv_malloc(enum kv_mem_component c, size_t n);
void *kv_calloc(enum kv_mem_component c, size_t n);
void *kv_realloc(enum kv_mem_component c, void *p, size_t old_n, size_t new_n);
void kv_free(enum kv_mem_component c, void *p, size_t n);

/* NUL-terminated copy of s; free with kv_free(c, p, strlen(p) + 1). */
char *kv_strdup(enum kv_mem_component c, const char *s);
char *kv_strndup(enum kv_mem_component c, const char *s, size_t n);
void kv_strfree(enum kv_mem_component c, char *s);

/* Bytes currently allocated / peak since start (or last reset) for @c. */
size_t kv_mem_in_use(enum kv_mem_component c);
size_t kv_mem_peak(enum kv_mem_component c);
size_t kv_mem_total_in_use(void);
void kv_mem_reset_peaks(void);
const char *kv_mem_component_name(enum kv_mem_component c);

/*
 * Test helper: make the Nth allocation from now fail (1 = the next one);
 * 0 disables. Implemented as a hook over the default one.
 */
void kv_alloc_fail_nth(long n);
/* Number of allocations made through the hook since start. */
uint64_t kv_alloc_count(void);

#endif
