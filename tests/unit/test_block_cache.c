/*
 * tests/unit/test_block_cache.c - the LRU block cache
 * (core/lsm/block_cache.c): LRU order, the byte budget, pinning, erase by
 * file, capacity 0, replacement, stats, memory accounting, and a
 * randomized comparison against a reference LRU list.
 */
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/lsm/block_cache.h"

#define OVH KV_BLOCK_CACHE_ENTRY_OVERHEAD

static uint64_t seed;

/* A kv_malloc'd block of @len bytes filled with @fill. */
static char *blk(size_t len, int fill)
{
	char *p = kv_malloc(KV_MEM_BLOCK_CACHE, len);

	assert_non_null(p);
	memset(p, fill, len);
	return p;
}

static void put(struct kv_block_cache *c, uint64_t file, uint64_t off, size_t len, int fill)
{
	struct kv_cache_handle *h = kv_block_cache_insert(c, file, off, blk(len, fill), len);

	assert_non_null(h);
	kv_block_cache_release(c, h);
}

/* Hit or miss, checking the contents on a hit; the handle is released. */
static bool has(struct kv_block_cache *c, uint64_t file, uint64_t off, int fill)
{
	struct kv_cache_handle *h = kv_block_cache_lookup(c, file, off);

	if (!h)
		return false;
	assert_int_equal((unsigned char)kv_block_cache_handle_data(h)[0], (unsigned char)fill);
	kv_block_cache_release(c, h);
	return true;
}

static void test_basic_and_stats(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_BLOCK_CACHE);
	struct kv_block_cache *c = kv_block_cache_new(1 << 20);
	struct kv_block_cache_stats st;
	struct kv_cache_handle *h;
	char *data = blk(100, 'a');

	(void)state;
	assert_non_null(c);
	assert_null(kv_block_cache_lookup(c, 1, 0));
	h = kv_block_cache_insert(c, 1, 0, data, 100);
	assert_non_null(h);
	assert_ptr_equal(kv_block_cache_handle_data(h), data);
	assert_int_equal(kv_block_cache_handle_len(h), 100);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.pinned, 1);
	kv_block_cache_release(c, h);
	assert_true(has(c, 1, 0, 'a'));
	assert_false(has(c, 1, 4096, 'a'));
	assert_false(has(c, 2, 0, 'a'));
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.inserts, 1);
	assert_int_equal(st.evictions, 0);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.pinned, 0);
	assert_int_equal(st.bytes_in_use, 100 + OVH);
	assert_int_equal(st.capacity_bytes, 1 << 20);
	kv_block_cache_free(c);
	kv_block_cache_free(NULL);
	assert_int_equal(kv_mem_in_use(KV_MEM_BLOCK_CACHE), base);
}

static void test_lru_order(void **state)
{
	struct kv_block_cache *c = kv_block_cache_new(3 * (1000 + OVH));
	struct kv_block_cache_stats st;

	(void)state;
	put(c, 1, 0, 1000, 'A');
	put(c, 1, 1, 1000, 'B');
	put(c, 1, 2, 1000, 'C');
	assert_true(has(c, 1, 0, 'A')); /* A is now the most recent: B is the oldest */
	put(c, 1, 3, 1000, 'D');       /* evicts B */
	assert_false(has(c, 1, 1, 'B'));
	assert_true(has(c, 1, 2, 'C')); /* order now: A D C */
	assert_true(has(c, 1, 0, 'A')); /* D C A */
	put(c, 1, 4, 1000, 'E');       /* evicts D */
	assert_false(has(c, 1, 3, 'D'));
	assert_true(has(c, 1, 2, 'C'));
	assert_true(has(c, 1, 4, 'E'));
	assert_true(has(c, 1, 0, 'A'));
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.entries, 3);
	/* one big block larger than the budget: it displaces everything, then itself */
	put(c, 2, 0, 10000, 'Z');
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes_in_use, 0);
	kv_block_cache_free(c);
}

static void test_byte_budget(void **state)
{
	struct kv_rng r;
	size_t cap = 64 * 1024;
	struct kv_block_cache *c = kv_block_cache_new(cap);
	struct kv_block_cache_stats st;
	uint64_t charged = 0;

	(void)state;
	kv_rng_seed(&r, seed);
	for (int i = 0; i < 5000; i++) {
		size_t len = 1 + kv_rng_below(&r, 8192);

		put(c, kv_rng_below(&r, 4), (uint64_t)i * 8192, len, i & 0xff);
		charged += len + OVH;
		kv_block_cache_get_stats(c, &st);
		assert_true(st.bytes_in_use <= cap);
		if (st.evictions == 0)
			assert_int_equal(charged, st.bytes_in_use);
	}
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.inserts, 5000);
	assert_int_equal(st.inserts, st.entries + st.evictions);
	kv_block_cache_free(c);
}

static void test_pinned_not_evicted(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_BLOCK_CACHE);
	struct kv_block_cache *c = kv_block_cache_new(4 * (1000 + OVH));
	struct kv_block_cache_stats st;
	struct kv_cache_handle *a, *a2;

	(void)state;
	a = kv_block_cache_insert(c, 7, 0, blk(1000, 'P'), 1000);
	assert_non_null(a);
	for (int i = 1; i <= 20; i++)
		put(c, 7, (uint64_t)i, 1000, i);
	/* a is the oldest but pinned: still there and intact */
	assert_int_equal(kv_block_cache_handle_data(a)[999], 'P');
	a2 = kv_block_cache_lookup(c, 7, 0);
	assert_ptr_equal(a, a2);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.pinned, 1);
	assert_true(st.bytes_in_use <= 4 * (1000 + OVH));
	/* pins everything: budget temporarily exceeded */
	{
		struct kv_cache_handle *hs[6];

		for (int i = 0; i < 6; i++) {
			hs[i] = kv_block_cache_insert(c, 8, (uint64_t)i, blk(1000, 'Q'), 1000);
			assert_non_null(hs[i]);
		}
		kv_block_cache_get_stats(c, &st);
		assert_int_equal(st.pinned, 7);
		assert_int_equal(st.bytes_in_use, 7 * (1000 + OVH));
		for (int i = 0; i < 6; i++)
			kv_block_cache_release(c, hs[i]);
		kv_block_cache_get_stats(c, &st);
		assert_true(st.bytes_in_use <= 4 * (1000 + OVH));
		/* the newest releases survived */
		assert_true(has(c, 8, 5, 'Q'));
	}
	kv_block_cache_release(c, a);
	kv_block_cache_release(c, a2);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.pinned, 0);
	assert_true(st.bytes_in_use <= 4 * (1000 + OVH));
	kv_block_cache_free(c);
	assert_int_equal(kv_mem_in_use(KV_MEM_BLOCK_CACHE), base);
}

static void test_erase_file(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_BLOCK_CACHE);
	struct kv_block_cache *c = kv_block_cache_new(1 << 20);
	struct kv_block_cache_stats st;
	struct kv_cache_handle *pinned;

	(void)state;
	for (int i = 0; i < 100; i++) {
		put(c, 1, (uint64_t)i * 4096, 100, 1);
		put(c, 2, (uint64_t)i * 4096, 100, 2);
	}
	pinned = kv_block_cache_lookup(c, 1, 0);
	assert_non_null(pinned);
	kv_block_cache_erase_file(c, 1);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 100);
	assert_int_equal(st.erased, 100);
	/* the pinned block is gone from the table but still readable */
	assert_int_equal(kv_block_cache_handle_data(pinned)[0], 1);
	assert_int_equal(st.bytes_in_use, 101 * (100 + OVH));
	for (int i = 0; i < 100; i++) {
		assert_false(has(c, 1, (uint64_t)i * 4096, 1));
		assert_true(has(c, 2, (uint64_t)i * 4096, 2));
	}
	kv_block_cache_release(c, pinned);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.bytes_in_use, 100 * (100 + OVH));
	kv_block_cache_erase_file(c, 3); /* absent: no-op */
	kv_block_cache_erase_file(c, 2);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes_in_use, 0);
	kv_block_cache_free(c);
	assert_int_equal(kv_mem_in_use(KV_MEM_BLOCK_CACHE), base);
}

static void test_capacity_zero(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_BLOCK_CACHE);
	struct kv_block_cache *c = kv_block_cache_new(0);
	struct kv_block_cache_stats st;
	struct kv_cache_handle *h;

	(void)state;
	h = kv_block_cache_insert(c, 1, 0, blk(500, 'x'), 500);
	assert_non_null(h);
	assert_int_equal(kv_block_cache_handle_data(h)[499], 'x');
	assert_null(kv_block_cache_lookup(c, 1, 0));
	kv_block_cache_release(c, h);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes_in_use, 0);
	assert_int_equal(st.misses, 1);
	kv_block_cache_free(c);
	assert_int_equal(kv_mem_in_use(KV_MEM_BLOCK_CACHE), base);
}

static void test_replace_and_shrink(void **state)
{
	struct kv_block_cache *c = kv_block_cache_new(1 << 20);
	struct kv_block_cache_stats st;
	struct kv_cache_handle *old;

	(void)state;
	put(c, 1, 0, 10, 'o');
	old = kv_block_cache_lookup(c, 1, 0);
	put(c, 1, 0, 20, 'n'); /* replaces; the old handle stays valid */
	assert_true(has(c, 1, 0, 'n'));
	assert_int_equal(kv_block_cache_handle_data(old)[0], 'o');
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	kv_block_cache_release(c, old);
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.bytes_in_use, 20 + OVH);
	for (int i = 1; i < 50; i++)
		put(c, 1, (uint64_t)i, 100, i);
	kv_block_cache_set_capacity(c, 5 * (100 + OVH));
	kv_block_cache_get_stats(c, &st);
	assert_int_equal(st.entries, 5);
	assert_true(has(c, 1, 49, 49));
	assert_false(has(c, 1, 0, 'n'));
	kv_block_cache_free(c);
}

/* A reference LRU: keys in recency order (oldest first). */
struct ref_ent {
	uint64_t file, off;
	size_t len;
	int fill;
};

static void test_random_vs_reference(void **state)
{
	enum { MAXE = 4096 };
	struct kv_rng r;
	size_t cap = 50000, n = 0, usage = 0;
	struct ref_ent *ref = kv_malloc(KV_MEM_OTHER, MAXE * sizeof(*ref));
	struct kv_block_cache *c = kv_block_cache_new(cap);
	struct kv_block_cache_stats st;
	int ops = tu_slow() ? 200000 : 30000;

	(void)state;
	assert_non_null(ref);
	kv_rng_seed(&r, seed * 31 + 1);
	for (int op = 0; op < ops; op++) {
		uint64_t file = kv_rng_below(&r, 3), off = kv_rng_below(&r, 64);
		size_t at = n;

		for (size_t i = 0; i < n; i++)
			if (ref[i].file == file && ref[i].off == off)
				at = i;
		if (kv_rng_below(&r, 3) == 0) {
			struct ref_ent e = { file, off, 1 + kv_rng_below(&r, 3000), op & 0xff };

			put(c, file, off, e.len, e.fill);
			if (at < n) {
				usage -= ref[at].len + OVH;
				memmove(&ref[at], &ref[at + 1], (n - at - 1) * sizeof(*ref));
				n--;
			}
			ref[n++] = e;
			usage += e.len + OVH;
			while (usage > cap) {
				usage -= ref[0].len + OVH;
				memmove(&ref[0], &ref[1], (n - 1) * sizeof(*ref));
				n--;
			}
		} else if (kv_rng_below(&r, 50) == 0) {
			size_t out = 0;

			kv_block_cache_erase_file(c, file);
			for (size_t i = 0; i < n; i++) {
				if (ref[i].file == file)
					usage -= ref[i].len + OVH;
				else
					ref[out++] = ref[i];
			}
			n = out;
		} else {
			bool hit = has(c, file, off, at < n ? ref[at].fill : 0);

			assert_int_equal(hit, at < n);
			if (at < n) {
				struct ref_ent e = ref[at];

				memmove(&ref[at], &ref[at + 1], (n - at - 1) * sizeof(*ref));
				ref[n - 1] = e;
			}
		}
		assert_true(n < MAXE);
		kv_block_cache_get_stats(c, &st);
		assert_int_equal(st.entries, n);
		assert_int_equal(st.bytes_in_use, usage);
	}
	kv_block_cache_free(c);
	kv_free(KV_MEM_OTHER, ref, MAXE * sizeof(*ref));
}

/* Allocation failure in insert: NULL, the data is freed, nothing leaks. */
static void test_insert_enomem(void **state)
{
	size_t base;
	struct kv_block_cache *c = kv_block_cache_new(1 << 20);
	char *data = blk(64, 'e');

	(void)state;
	base = kv_mem_in_use(KV_MEM_BLOCK_CACHE);
	kv_alloc_fail_nth(1);
	assert_null(kv_block_cache_insert(c, 1, 0, data, 64));
	kv_alloc_fail_nth(0);
	assert_int_equal(kv_mem_in_use(KV_MEM_BLOCK_CACHE), base - 64);
	assert_null(kv_block_cache_lookup(c, 1, 0));
	kv_block_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_and_stats),
		cmocka_unit_test(test_lru_order),
		cmocka_unit_test(test_byte_budget),
		cmocka_unit_test(test_pinned_not_evicted),
		cmocka_unit_test(test_erase_file),
		cmocka_unit_test(test_capacity_zero),
		cmocka_unit_test(test_replace_and_shrink),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_insert_enomem),
	};

	seed = tu_seed(99);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
