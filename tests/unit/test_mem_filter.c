/*
 * tests/unit/test_mem_filter.c - the memtable Bloom filter
 * (core/lsm/mem_filter.h): sizes and alignment, the disabled filter, no
 * false negatives (also when the filter is saturated), the false-positive
 * rate against the formula of a blocked Bloom filter, accounting, and
 * allocation failure.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/lsm/bloom.h"
#include "core/lsm/mem_filter.h"
#include "core/rng.h"
#include "core/status.h"

static uint64_t seed;

/* The hash of key number i of set @salt, as the engine computes it. */
static uint64_t key_hash(uint64_t salt, uint64_t i)
{
	char buf[48];
	int n = snprintf(buf, sizeof(buf), "k%016llx-%llu", (unsigned long long)salt,
			 (unsigned long long)i);

	return kv_bloom_hash(kv_slice_make(buf, (size_t)n));
}

/*
 * Expected false-positive rate: keys fall into lines as a Poisson process
 * of mean lambda = n / nlines; a line holding j keys has each of its 512
 * bits set with probability 1 - (1 - 1/512)^(6j), and an absent key is a
 * false positive when its 6 probes all hit set bits.
 */
static double fp_formula(size_t n, size_t nlines)
{
	double lambda = (double)n / (double)nlines, p = exp(-lambda), sum = 0;
	double bits = KV_MEM_FILTER_LINE_BYTES * 8.0;

	for (unsigned j = 0; j < (unsigned)(lambda * 4 + 64); j++) {
		double set = 1 - pow(1 - 1 / bits, (double)KV_MEM_FILTER_PROBES * j);

		sum += p * pow(set, KV_MEM_FILTER_PROBES);
		p *= lambda / (j + 1);
	}
	return sum;
}

static void test_sizes(void **state)
{
	static const size_t sizes[] = { 1, 63, 64, 65, 1000, 4096, 1u << 20 };
	struct kv_mem_filter f;

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t before = kv_mem_in_use(KV_MEM_MEMTABLE);

		assert_int_equal(kv_mem_filter_init(&f, sizes[i]), KV_OK);
		assert_true(kv_mem_filter_enabled(&f));
		assert_int_equal(f.nlines, (sizes[i] + 63) / 64);
		assert_int_equal((uintptr_t)f.lines % KV_MEM_FILTER_LINE_BYTES, 0);
		assert_true((char *)f.lines + f.nlines * KV_MEM_FILTER_LINE_BYTES <=
			    (char *)f.raw + f.raw_bytes);
		assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), before + f.raw_bytes);
		/* Fresh: every bit clear, so nothing is "maybe". */
		for (uint64_t k = 0; k < 1000; k++)
			assert_false(kv_mem_filter_may_contain(&f, key_hash(seed, k)));
		kv_mem_filter_free(&f);
		assert_false(kv_mem_filter_enabled(&f));
		assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), before);
	}
}

/* Size 0: disabled, every probe "maybe", adds are no-ops, free is safe. */
static void test_disabled(void **state)
{
	struct kv_mem_filter f;

	(void)state;
	assert_int_equal(kv_mem_filter_init(&f, 0), KV_OK);
	assert_false(kv_mem_filter_enabled(&f));
	assert_null(f.raw);
	kv_mem_filter_add(&f, 42);
	for (uint64_t k = 0; k < 100; k++)
		assert_true(kv_mem_filter_may_contain(&f, key_hash(seed, k)));
	kv_mem_filter_free(&f);
	kv_mem_filter_free(&f);
}

/* Every added hash stays "maybe", from one line up to a roomy filter. */
static void test_no_false_negatives(void **state)
{
	static const size_t sizes[] = { 64, 640, 25000, 1u << 18 };
	struct kv_mem_filter f;
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = 20000;

		assert_int_equal(kv_mem_filter_init(&f, sizes[s]), KV_OK);
		for (uint64_t i = 0; i < n; i++)
			kv_mem_filter_add(&f, key_hash(seed, i));
		/* Raw hashes too, including the extremes of the 64-bit range. */
		kv_mem_filter_add(&f, 0);
		kv_mem_filter_add(&f, UINT64_MAX);
		for (uint64_t i = 0; i < n; i++)
			if (!kv_mem_filter_may_contain(&f, key_hash(seed, i)))
				fail_msg("size %zu: key %llu lost, seed=%llu", sizes[s],
					 (unsigned long long)i, (unsigned long long)seed);
		assert_true(kv_mem_filter_may_contain(&f, 0));
		assert_true(kv_mem_filter_may_contain(&f, UINT64_MAX));
		kv_mem_filter_free(&f);
	}
	/* Random hashes, interleaving adds and checks of everything added. */
	assert_int_equal(kv_mem_filter_init(&f, 4096), KV_OK);
	{
		uint64_t h[2000];

		for (size_t i = 0; i < 2000; i++) {
			h[i] = kv_rng_next(&r);
			kv_mem_filter_add(&f, h[i]);
			if (i % 97 == 0)
				for (size_t j = 0; j <= i; j++)
					assert_true(kv_mem_filter_may_contain(&f, h[j]));
		}
	}
	kv_mem_filter_free(&f);
}

/* The measured false-positive rate is the formula's within sampling noise. */
static void test_false_positive_rate(void **state)
{
	static const double bits_per_key[] = { 6, 10, 16, 24 };
	const size_t n = 50000, probes = 400000;

	(void)state;
	for (size_t b = 0; b < sizeof(bits_per_key) / sizeof(bits_per_key[0]); b++) {
		struct kv_mem_filter f;
		size_t bytes = (size_t)(bits_per_key[b] * (double)n / 8), fp = 0;
		double expect, got, sd;

		assert_int_equal(kv_mem_filter_init(&f, bytes), KV_OK);
		for (uint64_t i = 0; i < n; i++)
			kv_mem_filter_add(&f, key_hash(seed, i));
		for (uint64_t i = 0; i < probes; i++)
			fp += kv_mem_filter_may_contain(&f, key_hash(seed + 1, i));
		expect = fp_formula(n, f.nlines);
		got = (double)fp / (double)probes;
		sd = sqrt(expect * (1 - expect) / (double)probes);
		print_message("%4.0f bits/key: false positives %.4f %%, formula %.4f %%\n",
			      bits_per_key[b], got * 100, expect * 100);
		if (fabs(got - expect) > 0.1 * expect + 5 * sd)
			fail_msg("%.0f bits/key: false-positive rate %.5f, formula %.5f, seed=%llu",
				 bits_per_key[b], got, expect, (unsigned long long)seed);
		kv_mem_filter_free(&f);
	}
}

/* Out of memory: KV_ENOMEM, the filter disabled and still safe to use. */
static void test_enomem(void **state)
{
	struct kv_mem_filter f;
	size_t before = kv_mem_in_use(KV_MEM_MEMTABLE);

	(void)state;
	kv_alloc_fail_nth(1);
	assert_int_equal(kv_mem_filter_init(&f, 1u << 16), KV_ENOMEM);
	kv_alloc_fail_nth(0);
	assert_false(kv_mem_filter_enabled(&f));
	assert_true(kv_mem_filter_may_contain(&f, 7));
	kv_mem_filter_free(&f);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), before);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_no_false_negatives),
		cmocka_unit_test(test_false_positive_rate),
		cmocka_unit_test(test_enomem),
	};

	seed = tu_seed(9);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
