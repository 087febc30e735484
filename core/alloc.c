/*
 * core/alloc.c - the allocator hook and per-component accounting.
 *
 * This file is the only place in lsmlab that calls realloc()/free().
 *
 * Invariants:
 *  1. in_use[c] is the sum of the sizes of the live blocks of component c
 *     as reported by callers (sized deallocation); a failed allocation or
 *     resize leaves every counter unchanged.
 *  2. peak[c] >= in_use[c] at every moment a counter is read by one thread
 *     (peaks are raised after the in_use update, with a CAS loop).
 *  3. alloc_count counts every call with new_size > 0 handed to the hook,
 *     including the ones that fail.
 *  4. The conveniences (kv_malloc, kv_calloc, kv_realloc, kv_free) treat a
 *     size of 0 as 1 byte, so kv_malloc(c, 0) returns a unique non-NULL
 *     pointer that kv_free(c, p, 0) releases; kv_mem_alloc() itself keeps the
 *     raw lua_Alloc meaning (new_size 0 frees).
 */
#include "core/alloc.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void *default_hook(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	(void)ud;
	(void)old_size;
	if (new_size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, new_size);
}

static kv_alloc_fn hook_fn = default_hook;
static void *hook_ud;

static _Atomic size_t in_use[KV_MEM__COUNT];
static _Atomic size_t peak[KV_MEM__COUNT];
static _Atomic uint64_t alloc_count;

/* Fail-the-Nth state: the hook it wraps, and the countdown (0 = off). */
static kv_alloc_fn fail_inner_fn;
static void *fail_inner_ud;
static _Atomic long fail_countdown;

static const char *const component_names[KV_MEM__COUNT] = {
	[KV_MEM_OTHER] = "other",
	[KV_MEM_MEMTABLE] = "memtable",
	[KV_MEM_BLOCK_CACHE] = "block_cache",
	[KV_MEM_TABLE] = "table",
	[KV_MEM_BUFFER_POOL] = "buffer_pool",
	[KV_MEM_DEVICE] = "device",
	[KV_MEM_WORKLOAD] = "workload",
	[KV_MEM_COMPACTION] = "compaction",
};

/* True when this allocation is the one the countdown selected. */
static bool fail_now(void)
{
	long cur = atomic_load(&fail_countdown);

	while (cur > 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &cur, cur - 1))
			return cur == 1;
	}
	return false;
}

static void *fail_hook(void *ud, void *ptr, size_t old_size, size_t new_size)
{
	(void)ud;
	if (new_size > 0 && fail_now())
		return NULL;
	return fail_inner_fn(fail_inner_ud, ptr, old_size, new_size);
}

void kv_alloc_set_hook(kv_alloc_fn fn, void *ud)
{
	if (!fn) {
		fn = default_hook;
		ud = NULL;
	}
	if (hook_fn == fail_hook) {
		/* Keep failure injection on top of the new hook. */
		fail_inner_fn = fn;
		fail_inner_ud = ud;
		return;
	}
	hook_fn = fn;
	hook_ud = ud;
}

void kv_alloc_fail_nth(long n)
{
	if (n <= 0) {
		atomic_store(&fail_countdown, 0);
		if (hook_fn == fail_hook) {
			hook_fn = fail_inner_fn;
			hook_ud = fail_inner_ud;
		}
		return;
	}
	if (hook_fn != fail_hook) {
		fail_inner_fn = hook_fn;
		fail_inner_ud = hook_ud;
		hook_fn = fail_hook;
		hook_ud = NULL;
	}
	atomic_store(&fail_countdown, n);
}

uint64_t kv_alloc_count(void)
{
	return atomic_load(&alloc_count);
}

static void raise_peak(enum kv_mem_component c, size_t now)
{
	size_t p = atomic_load(&peak[c]);

	while (now > p && !atomic_compare_exchange_weak(&peak[c], &p, now))
		;
}

void *kv_mem_alloc(enum kv_mem_component c, void *ptr, size_t old_size, size_t new_size)
{
	void *np;

	assert((unsigned)c < KV_MEM__COUNT);
	assert(ptr != NULL || old_size == 0);
	if (new_size == 0) {
		if (ptr) {
			hook_fn(hook_ud, ptr, old_size, 0);
			atomic_fetch_sub(&in_use[c], old_size);
		}
		return NULL;
	}
	atomic_fetch_add(&alloc_count, 1);
	np = hook_fn(hook_ud, ptr, old_size, new_size);
	if (!np)
		return NULL;
	if (new_size >= old_size) {
		size_t delta = new_size - old_size;
		size_t now = atomic_fetch_add(&in_use[c], delta) + delta;
		raise_peak(c, now);
	} else {
		atomic_fetch_sub(&in_use[c], old_size - new_size);
	}
	return np;
}

static size_t conv_size(size_t n)
{
	return n ? n : 1;
}

void *kv_malloc(enum kv_mem_component c, size_t n)
{
	return kv_mem_alloc(c, NULL, 0, conv_size(n));
}

void *kv_calloc(enum kv_mem_component c, size_t n)
{
	void *p = kv_mem_alloc(c, NULL, 0, conv_size(n));

	if (p)
		memset(p, 0, conv_size(n));
	return p;
}

void *kv_realloc(enum kv_mem_component c, void *p, size_t old_n, size_t new_n)
{
	return kv_mem_alloc(c, p, p ? conv_size(old_n) : 0, conv_size(new_n));
}

void kv_free(enum kv_mem_component c, void *p, size_t n)
{
	if (p)
		kv_mem_alloc(c, p, conv_size(n), 0);
}

char *kv_strndup(enum kv_mem_component c, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = kv_malloc(c, len + 1);

	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *kv_strdup(enum kv_mem_component c, const char *s)
{
	return kv_strndup(c, s, strlen(s));
}

void kv_strfree(enum kv_mem_component c, char *s)
{
	if (s)
		kv_free(c, s, strlen(s) + 1);
}

size_t kv_mem_in_use(enum kv_mem_component c)
{
	assert((unsigned)c < KV_MEM__COUNT);
	return atomic_load(&in_use[c]);
}

size_t kv_mem_peak(enum kv_mem_component c)
{
	assert((unsigned)c < KV_MEM__COUNT);
	return atomic_load(&peak[c]);
}

size_t kv_mem_total_in_use(void)
{
	size_t total = 0;

	for (int c = 0; c < KV_MEM__COUNT; c++)
		total += atomic_load(&in_use[c]);
	return total;
}

void kv_mem_reset_peaks(void)
{
	for (int c = 0; c < KV_MEM__COUNT; c++)
		atomic_store(&peak[c], atomic_load(&in_use[c]));
}

const char *kv_mem_component_name(enum kv_mem_component c)
{
	if ((unsigned)c >= KV_MEM__COUNT)
		return "unknown";
	return component_names[c];
}
