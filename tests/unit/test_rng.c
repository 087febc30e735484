/*
 * tests/unit/test_rng.c - splitmix64 / xoshiro256** determinism, known
 * outputs, bounded draws.
 */
#include "tests/testutil.h"

#include <string.h>

#include "core/rng.h"

static void test_known_outputs(void **state)
{
	/* Computed from the published definitions (splitmix64 seeding, then
	 * xoshiro256**), independently of this implementation. */
	static const uint64_t want[5] = {
		0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL,
		0x6aa594f1262d2d2cULL, 0xbba5ad4a1f842e59ULL,
	};
	struct kv_rng r;
	uint64_t st = 0;

	(void)state;
	assert_true(kv_splitmix64(&st) == 0xe220a8397b1dcdafULL);
	assert_true(kv_splitmix64(&st) == 0x6e789e6aa1b965f4ULL);
	kv_rng_seed(&r, 0);
	assert_true(r.s[0] == 0xe220a8397b1dcdafULL);
	assert_true(r.s[3] == 0xf88bb8a8724c81ecULL);
	for (int i = 0; i < 5; i++)
		assert_true(kv_rng_next(&r) == want[i]);
}

static void test_determinism(void **state)
{
	struct kv_rng a, b, c;
	int same = 0;

	(void)state;
	kv_rng_seed(&a, 12345);
	kv_rng_seed(&b, 12345);
	kv_rng_seed(&c, 12346);
	for (int i = 0; i < 1000; i++) {
		uint64_t x = kv_rng_next(&a);
		assert_true(x == kv_rng_next(&b));
		same += x == kv_rng_next(&c);
	}
	assert_int_equal(same, 0);
}

static void test_below(void **state)
{
	static const uint64_t ns[] = { 1, 2, 3, 7, 10, 1000, (1ULL << 32) + 1,
				       (1ULL << 63) + 1, UINT64_MAX };
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, tu_seed(1));
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		for (int k = 0; k < 10000; k++)
			assert_true(kv_rng_below(&r, ns[i]) < ns[i]);
	}
	for (int k = 0; k < 100; k++)
		assert_int_equal(kv_rng_below(&r, 1), 0);
	/* n = 2^63 + 1: about half the draws land in [2^62, n). */
	{
		int high = 0;
		for (int k = 0; k < 1000; k++)
			high += kv_rng_below(&r, (1ULL << 63) + 1) >= (1ULL << 62);
		assert_true(high > 400 && high < 600);
	}
}

/* Chi-square of kv_rng_below(n) over @draws draws. */
static double chi_square(struct kv_rng *r, uint64_t n, int draws)
{
	uint64_t counts[64] = { 0 };
	double expect = (double)draws / (double)n, chi = 0;

	for (int i = 0; i < draws; i++)
		counts[kv_rng_below(r, n)]++;
	for (uint64_t k = 0; k < n; k++) {
		double d = (double)counts[k] - expect;
		chi += d * d / expect;
	}
	return chi;
}

static void test_uniformity(void **state)
{
	struct kv_rng r;
	double chi;

	(void)state;
	kv_rng_seed(&r, 2024);
	/* Critical values at p = 0.001: df 9 -> 27.88, df 2 -> 13.82, df 36 -> 67.99. */
	chi = chi_square(&r, 10, 200000);
	assert_true(chi < 27.88);
	chi = chi_square(&r, 3, 200000);
	assert_true(chi < 13.82);
	chi = chi_square(&r, 37, 370000);
	assert_true(chi < 67.99);
	/* And it is not suspiciously perfect either. */
	assert_true(chi > 0.5);
}

static void test_double(void **state)
{
	struct kv_rng r;
	double sum = 0, lo = 1, hi = 0;

	(void)state;
	kv_rng_seed(&r, 99);
	for (int i = 0; i < 100000; i++) {
		double d = kv_rng_double(&r);
		assert_true(d >= 0.0 && d < 1.0);
		sum += d;
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
	assert_true(lo < 0.001 && hi > 0.999);
	/* The 53-bit construction: exactly next() >> 11 scaled. */
	{
		struct kv_rng a, b;
		kv_rng_seed(&a, 5);
		kv_rng_seed(&b, 5);
		assert_true(kv_rng_double(&a) == (double)(kv_rng_next(&b) >> 11) / 9007199254740992.0);
	}
}

static void test_fill(void **state)
{
	struct kv_rng a, b;
	unsigned char buf[37], one[37];

	(void)state;
	for (size_t n = 0; n <= sizeof(buf); n++) {
		kv_rng_seed(&a, 77);
		kv_rng_seed(&b, 77);
		memset(buf, 0xAA, sizeof(buf));
		kv_rng_fill(&a, buf, n);
		/* Little-endian bytes of successive next() values. */
		for (size_t i = 0; i < n; i += 8) {
			uint64_t v = kv_rng_next(&b);
			for (size_t j = 0; j < 8 && i + j < n; j++)
				one[i + j] = (unsigned char)(v >> (8 * j));
		}
		assert_memory_equal(buf, one, n);
		for (size_t i = n; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xAA);
		/* Both streams are at the same point afterwards. */
		assert_true(kv_rng_next(&a) == kv_rng_next(&b));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_outputs),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_below),
		cmocka_unit_test(test_uniformity),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
