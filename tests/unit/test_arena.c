/*
 * tests/unit/test_arena.c - the memtable arena (core/memtable/arena.h):
 * alignment, dedicated blocks for large requests, accounting against the
 * allocator's KV_MEM_MEMTABLE counter, allocation failure, and a randomized
 * no-overlap check.
 */
#include "tests/testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/memtable/arena.h"
#include "core/rng.h"

#define KIB ((size_t)1024)

static bool aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

static void test_empty(void **state)
{
	struct kv_arena a;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);

	(void)state;
	kv_arena_init(&a, 64 * KIB);
	assert_int_equal(kv_arena_bytes_used(&a), 0);
	assert_int_equal(kv_arena_bytes_reserved(&a), 0);
	assert_int_equal(kv_arena_block_count(&a), 0);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
	assert_true(kv_arena_verify(&a));
	kv_arena_destroy(&a);
	kv_arena_destroy(&a); /* idempotent */
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_alignment(void **state)
{
	static const size_t aligns[] = { 1, 2, 4, 8, 16, 32, 64, 128, 4096 };
	struct kv_arena a;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);

	(void)state;
	kv_arena_init(&a, 64 * KIB);
	for (size_t round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
			size_t n = (round * 7 + i * 3) % 61;
			/* Make the bump pointer odd first. */
			char *odd = kv_arena_alloc(&a, 1, 1);
			char *p = kv_arena_alloc(&a, n, aligns[i]);

			assert_non_null(odd);
			assert_non_null(p);
			assert_true(aligned(p, aligns[i]));
			memset(p, 0xab, n);
		}
	}
	/* Alignment of dedicated blocks too. */
	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		char *p = kv_arena_alloc(&a, 100 * KIB, aligns[i]);

		assert_non_null(p);
		assert_true(aligned(p, aligns[i]));
		memset(p, 0xcd, 100 * KIB);
	}
	assert_true(kv_arena_verify(&a));
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE) - base, kv_arena_bytes_reserved(&a));
	kv_arena_destroy(&a);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_large_allocations(void **state)
{
	struct kv_arena a;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	size_t block = 16 * KIB;
	char *small1, *small2, *big;
	size_t reserved;

	(void)state;
	kv_arena_init(&a, block);
	small1 = kv_arena_alloc(&a, 100, 8);
	assert_non_null(small1);
	assert_int_equal(kv_arena_block_count(&a), 1);
	assert_int_equal(kv_arena_bytes_reserved(&a), block);

	/* Bigger than the block: a dedicated block of about its size. */
	big = kv_arena_alloc(&a, 5 * block, 8);
	assert_non_null(big);
	memset(big, 0x5a, 5 * block);
	assert_int_equal(kv_arena_block_count(&a), 2);
	reserved = kv_arena_bytes_reserved(&a);
	assert_true(reserved >= block + 5 * block);
	assert_true(reserved <= block + 5 * block + 64);

	/* The current block is still current: the next small request fits there. */
	small2 = kv_arena_alloc(&a, 100, 8);
	assert_non_null(small2);
	assert_int_equal(kv_arena_block_count(&a), 2);
	assert_ptr_equal(small2, small1 + 104);

	/* Requests that fit in the rest of the current block are served there. */
	for (int i = 0; i < 7; i++)
		assert_non_null(kv_arena_alloc(&a, block / 8, 1));
	assert_int_equal(kv_arena_block_count(&a), 2);
	/* ~1.8 KiB left: over a quarter block gets a dedicated block ... */
	assert_non_null(kv_arena_alloc(&a, block / 4 + 1, 1));
	assert_int_equal(kv_arena_block_count(&a), 3);
	/* ... a smaller request still fits in the current block ... */
	assert_non_null(kv_arena_alloc(&a, block / 16, 1));
	assert_int_equal(kv_arena_block_count(&a), 3);
	/* ... and one that does not fit starts a new regular block. */
	assert_non_null(kv_arena_alloc(&a, block / 8, 1));
	assert_int_equal(kv_arena_block_count(&a), 4);
	assert_int_equal(kv_arena_bytes_reserved(&a), reserved + block / 4 + 1 + 16 + block);

	/* Exhaust the regular block: a new one starts. */
	for (int i = 0; i < 40; i++)
		assert_non_null(kv_arena_alloc(&a, block / 8, 1));
	assert_true(kv_arena_block_count(&a) > 3);

	/* A 1 MiB value in a 16 KiB-block arena. */
	big = kv_arena_alloc(&a, 1024 * KIB, 16);
	assert_non_null(big);
	memset(big, 0x11, 1024 * KIB);

	assert_true(kv_arena_verify(&a));
	assert_true(kv_arena_bytes_used(&a) <= kv_arena_bytes_reserved(&a));
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE) - base, kv_arena_bytes_reserved(&a));
	kv_arena_destroy(&a);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_accounting(void **state)
{
	struct kv_arena a;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	size_t asked = 0;

	(void)state;
	kv_arena_init(&a, 4 * KIB);
	for (size_t i = 0; i < 5000; i++) {
		size_t n = (i * 37) % 300;

		assert_non_null(kv_arena_alloc(&a, n, 8));
		asked += n;
		assert_true(kv_arena_bytes_used(&a) >= asked);
		assert_true(kv_arena_bytes_used(&a) <= kv_arena_bytes_reserved(&a));
		assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE) - base,
				 kv_arena_bytes_reserved(&a));
	}
	/* Padding to 8 bytes at most: used <= asked + 7 per allocation. */
	assert_true(kv_arena_bytes_used(&a) <= asked + 7 * 5000);
	assert_true(kv_arena_verify(&a));
	printf("arena: %zu bytes asked, %zu used, %zu reserved in %zu blocks\n", asked,
	       kv_arena_bytes_used(&a), kv_arena_bytes_reserved(&a), kv_arena_block_count(&a));
	kv_arena_destroy(&a);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
	assert_int_equal(kv_arena_bytes_reserved(&a), 0);

	/* Reusable after destroy. */
	assert_non_null(kv_arena_alloc(&a, 10, 8));
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE) - base, 4 * KIB);
	kv_arena_destroy(&a);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_zero_bytes(void **state)
{
	struct kv_arena a;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);

	(void)state;
	kv_arena_init(&a, 4 * KIB);
	assert_non_null(kv_arena_alloc(&a, 0, 1));
	assert_non_null(kv_arena_alloc(&a, 0, 64));
	assert_true(aligned(kv_arena_alloc(&a, 0, 64), 64));
	assert_true(kv_arena_verify(&a));
	kv_arena_destroy(&a);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_alloc_failure(void **state)
{
	struct kv_arena a;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	char *p;

	(void)state;
	kv_arena_init(&a, 4 * KIB);

	/* First block fails. */
	kv_alloc_fail_nth(1);
	assert_null(kv_arena_alloc(&a, 10, 8));
	kv_alloc_fail_nth(0);
	assert_int_equal(kv_arena_bytes_reserved(&a), 0);
	assert_int_equal(kv_arena_bytes_used(&a), 0);
	assert_true(kv_arena_verify(&a));

	p = kv_arena_alloc(&a, 1000, 8);
	assert_non_null(p);
	memset(p, 0x77, 1000);

	/* A dedicated block fails; nothing changes. */
	kv_alloc_fail_nth(1);
	assert_null(kv_arena_alloc(&a, 64 * KIB, 8));
	kv_alloc_fail_nth(0);
	assert_int_equal(kv_arena_bytes_reserved(&a), 4 * KIB);
	assert_int_equal(kv_arena_block_count(&a), 1);

	/* A request that fits in the current block needs no allocation. */
	kv_alloc_fail_nth(1);
	assert_non_null(kv_arena_alloc(&a, 500, 8));
	kv_alloc_fail_nth(0);

	/* 1000 + 500 + 2 * 1000 used; 1000 more needs a new block, which fails. */
	assert_non_null(kv_arena_alloc(&a, 1000, 8));
	assert_non_null(kv_arena_alloc(&a, 1000, 8));
	assert_int_equal(kv_arena_block_count(&a), 1);
	kv_alloc_fail_nth(1);
	assert_null(kv_arena_alloc(&a, 1000, 8));
	kv_alloc_fail_nth(0);
	assert_true(kv_arena_verify(&a));
	assert_int_equal(kv_arena_block_count(&a), 1);
	assert_int_equal(kv_arena_bytes_reserved(&a), 4 * KIB);
	assert_non_null(kv_arena_alloc(&a, 100, 8)); /* the current block stays usable */
	assert_int_equal(kv_arena_block_count(&a), 1);
	assert_non_null(kv_arena_alloc(&a, 1000, 8));
	assert_int_equal(kv_arena_block_count(&a), 2);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal((unsigned char)p[i], 0x77);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE) - base, kv_arena_bytes_reserved(&a));
	kv_arena_destroy(&a);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

struct rec {
	unsigned char *p;
	size_t n;
	unsigned char fill;
};

/* Random sizes and alignments; every allocation keeps its own bytes. */
static void test_random_no_overlap(void **state)
{
	enum { N = 20000 };
	struct kv_rng rng;
	struct kv_arena a;
	struct rec *recs;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);

	(void)state;
	kv_rng_seed(&rng, tu_seed(42));
	recs = kv_calloc(KV_MEM_OTHER, N * sizeof(*recs));
	assert_non_null(recs);
	kv_arena_init(&a, 8 * KIB);
	for (size_t i = 0; i < N; i++) {
		size_t align = (size_t)1 << kv_rng_below(&rng, 7);
		size_t n = kv_rng_below(&rng, 10) == 0 ? kv_rng_below(&rng, 20000)
						       : kv_rng_below(&rng, 200);

		recs[i].p = kv_arena_alloc(&a, n, align);
		assert_non_null(recs[i].p);
		assert_true(aligned(recs[i].p, align));
		recs[i].n = n;
		recs[i].fill = (unsigned char)kv_rng_next(&rng);
		memset(recs[i].p, recs[i].fill, n);
	}
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < recs[i].n; j++)
			assert_int_equal(recs[i].p[j], recs[i].fill);
	}
	assert_true(kv_arena_verify(&a));
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE) - base, kv_arena_bytes_reserved(&a));
	kv_arena_destroy(&a);
	kv_free(KV_MEM_OTHER, recs, N * sizeof(*recs));
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_large_allocations),
		cmocka_unit_test(test_accounting),
		cmocka_unit_test(test_zero_bytes),
		cmocka_unit_test(test_alloc_failure),
		cmocka_unit_test(test_random_no_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
