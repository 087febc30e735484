/*
 * tests/unit/test_bloom.c - the Bloom filter (core/lsm/bloom.c): no false
 * negatives, the false-positive rate at 10 bits/key, probe counts, sizes,
 * the documented probe sequence, and malformed filter blocks.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/lsm/bloom.h"
#include "core/rng.h"

static uint64_t seed;

/* Distinct key numbers per seed (a plain xor would permute the same set). */
static uint64_t mix(uint64_t s, uint64_t i)
{
	return s * UINT64_C(0x9e3779b97f4a7c15) + i;
}

static struct kv_slice fmt_key(char *buf, size_t cap, const char *prefix, uint64_t i)
{
	int n = snprintf(buf, cap, "%s%016llx", prefix, (unsigned long long)i);

	return kv_slice_make(buf, (size_t)n);
}

/* Build a filter over keys prefix+(mix(salt, i)) for i < n at @bpk. */
static void build(struct kv_buf *out, size_t n, uint32_t bpk, uint64_t salt)
{
	uint64_t *h = kv_malloc(KV_MEM_OTHER, (n ? n : 1) * sizeof(*h));
	char buf[64];

	assert_non_null(h);
	for (size_t i = 0; i < n; i++)
		h[i] = kv_bloom_hash(fmt_key(buf, sizeof(buf), "key", mix(salt, i)));
	assert_int_equal(kv_bloom_build(h, n, bpk, out), KV_OK);
	kv_free(KV_MEM_OTHER, h, (n ? n : 1) * sizeof(*h));
}

static void test_no_false_negatives(void **state)
{
	static const uint32_t bpks[] = { 1, 2, 5, 10, 16, 30, 64 };
	char buf[64];

	(void)state;
	for (size_t b = 0; b < sizeof(bpks) / sizeof(bpks[0]); b++) {
		struct kv_buf f = { 0 };
		struct kv_bloom bloom;
		size_t n = 20000;

		build(&f, n, bpks[b], seed);
		assert_int_equal(f.len, kv_bloom_filter_bytes(n, bpks[b]));
		assert_int_equal(kv_bloom_parse(&bloom, f.data, f.len), KV_OK);
		assert_int_equal(bloom.k, kv_bloom_probes(bpks[b]));
		for (size_t i = 0; i < n; i++) {
			struct kv_slice k = fmt_key(buf, sizeof(buf), "key", mix(seed, i));

			assert_true(kv_bloom_may_contain(&bloom, kv_bloom_hash(k)));
		}
		kv_buf_free(&f);
	}
}

static void test_false_positive_rate(void **state)
{
	struct kv_buf f = { 0 };
	struct kv_bloom bloom;
	size_t n = 100000, fp = 0;
	char buf[64];
	double rate;

	(void)state;
	build(&f, n, 10, seed);
	assert_int_equal(kv_bloom_parse(&bloom, f.data, f.len), KV_OK);
	assert_int_equal(bloom.k, 7);
	assert_int_equal(bloom.nbits, 1000000);
	for (size_t i = 0; i < 100000; i++)
		fp += kv_bloom_may_contain(
			&bloom, kv_bloom_hash(fmt_key(buf, sizeof(buf), "absent", mix(seed, i))));
	rate = (double)fp / 100000.0;
	fprintf(stderr, "bloom 10 bits/key: false-positive rate %.4f %% (theory %.4f %%)\n",
		rate * 100, 100 * pow(1 - exp(-7.0 / 10.0), 7));
	assert_true(rate >= 0.005 && rate <= 0.012);
	kv_buf_free(&f);
}

static void test_probes_and_sizes(void **state)
{
	(void)state;
	assert_int_equal(kv_bloom_probes(1), 1);
	assert_int_equal(kv_bloom_probes(2), 1);
	assert_int_equal(kv_bloom_probes(3), 2);
	assert_int_equal(kv_bloom_probes(5), 3);
	assert_int_equal(kv_bloom_probes(10), 7);
	assert_int_equal(kv_bloom_probes(20), 14);
	assert_int_equal(kv_bloom_probes(43), 30);
	assert_int_equal(kv_bloom_probes(64), 30);
	/* 0 bits per key: no filter at all */
	assert_int_equal(kv_bloom_filter_bytes(1000, 0), 0);
	/* minimum 64 bits */
	assert_int_equal(kv_bloom_filter_bytes(0, 10), 9);
	assert_int_equal(kv_bloom_filter_bytes(1, 10), 9);
	assert_int_equal(kv_bloom_filter_bytes(6, 10), 9);
	assert_int_equal(kv_bloom_filter_bytes(7, 10), 10);
	/* bits rounded up to whole bytes */
	assert_int_equal(kv_bloom_filter_bytes(101, 3), 38 + 1);
}

/* The probe sequence documented in docs/formats.md, recomputed here. */
static void test_documented_layout(void **state)
{
	struct kv_buf f = { 0 };
	const char *key = "hello";
	uint64_t h = kv_hash64(key, 5, 0), h1 = h & 0xffffffffu, h2 = h >> 32;
	unsigned char expect[16];

	(void)state;
	assert_int_equal(kv_bloom_hash(kv_slice_str(key)), h);
	build(&f, 0, 10, 0); /* empty: 64 zero bits, k = 7 */
	assert_int_equal(f.len, 9);
	for (int i = 0; i < 8; i++)
		assert_int_equal(f.data[i], 0);
	assert_int_equal(f.data[8], 7);
	f.len = 0;
	assert_int_equal(kv_bloom_build(&h, 1, 10, &f), KV_OK);
	memset(expect, 0, sizeof(expect));
	for (uint64_t i = 0; i < 7; i++) {
		uint64_t b = (h1 + i * h2) % 64;

		expect[b / 8] |= (unsigned char)(1u << (b % 8));
	}
	expect[8] = 7;
	assert_int_equal(f.len, 9);
	assert_memory_equal(f.data, expect, 9);
	kv_buf_free(&f);
}

/*
 * The documented probe sequence (h1 + i * h2) mod nbits, recomputed
 * directly for filters of many sizes (not powers of two) and hashes whose
 * halves exceed nbits, against the writer's incremental walk; the reader
 * finds every key.
 */
static void test_probe_sequence_any_size(void **state)
{
	static const size_t ns[] = { 1, 3, 7, 100, 1001 };
	static const uint32_t bpks[] = { 1, 3, 10, 23, 64 };
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed);
	for (size_t a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
		for (size_t b = 0; b < sizeof(bpks) / sizeof(bpks[0]); b++) {
			size_t n = ns[a], total = kv_bloom_filter_bytes(n, bpks[b]);
			uint64_t h[1001], nbits = (uint64_t)(total - 1) * 8;
			unsigned k = kv_bloom_probes(bpks[b]);
			unsigned char *expect = kv_calloc(KV_MEM_OTHER, total);
			struct kv_buf f = { 0 };
			struct kv_bloom bloom;

			assert_non_null(expect);
			for (size_t j = 0; j < n; j++)
				h[j] = j == 0 ? UINT64_MAX : j == 1 ? 0 : kv_rng_next(&r);
			for (size_t j = 0; j < n; j++) {
				uint64_t h1 = h[j] & 0xffffffffu, h2 = h[j] >> 32;

				for (uint64_t i = 0; i < k; i++) {
					uint64_t bit = (h1 + i * h2) % nbits;

					expect[bit / 8] |= (unsigned char)(1u << (bit % 8));
				}
			}
			expect[total - 1] = (unsigned char)k;
			assert_int_equal(kv_bloom_build(h, n, bpks[b], &f), KV_OK);
			assert_int_equal(f.len, total);
			if (memcmp(f.data, expect, total) != 0)
				fail_msg("n %zu, %u bits/key: bits differ from the formula, seed=%llu",
					 n, bpks[b], (unsigned long long)seed);
			assert_int_equal(kv_bloom_parse(&bloom, f.data, f.len), KV_OK);
			for (size_t j = 0; j < n; j++)
				assert_true(kv_bloom_may_contain(&bloom, h[j]));
			kv_buf_free(&f);
			kv_free(KV_MEM_OTHER, expect, total);
		}
	}
}

static void test_malformed(void **state)
{
	struct kv_bloom b;
	char buf[10] = { 0 };

	(void)state;
	assert_int_equal(kv_bloom_parse(&b, buf, 0), KV_ECORRUPT);
	assert_int_equal(kv_bloom_parse(&b, buf, 1), KV_ECORRUPT); /* no bit array */
	buf[9] = 0;
	assert_int_equal(kv_bloom_parse(&b, buf, 10), KV_ECORRUPT); /* k = 0 */
	buf[9] = 31;
	assert_int_equal(kv_bloom_parse(&b, buf, 10), KV_ECORRUPT); /* k > 30 */
	buf[9] = 30;
	assert_int_equal(kv_bloom_parse(&b, buf, 10), KV_OK);
	/* all-zero bits: every key absent */
	assert_false(kv_bloom_may_contain(&b, kv_bloom_hash(kv_slice_str("x"))));
	memset(buf, 0xff, 9);
	assert_true(kv_bloom_may_contain(&b, kv_bloom_hash(kv_slice_str("x"))));
	/* a 1-byte bit array is accepted (8 bits) */
	buf[1] = 1;
	assert_int_equal(kv_bloom_parse(&b, buf, 2), KV_OK);
	assert_int_equal(b.nbits, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_false_negatives),
		cmocka_unit_test(test_false_positive_rate),
		cmocka_unit_test(test_probes_and_sizes),
		cmocka_unit_test(test_documented_layout),
		cmocka_unit_test(test_probe_sequence_any_size),
		cmocka_unit_test(test_malformed),
	};

	seed = tu_seed(7);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
