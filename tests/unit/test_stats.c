/*
 * tests/unit/test_stats.c - the log-bucketed histogram against a sorted
 * reference.
 */
#include "tests/testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "core/stats.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The true percentile under the header's rank definition. */
static uint64_t ref_percentile(const uint64_t *sorted, size_t n, double p)
{
	double r = ceil(p / 100.0 * (double)n);
	size_t rank = r < 1 ? 1 : (size_t)r;

	if (p <= 0)
		return sorted[0];
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static const double pcts[] = { 0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100 };

static void check_against_ref(const struct kv_hist *h, uint64_t *vals, size_t n, bool exact)
{
	qsort(vals, n, sizeof(vals[0]), cmp_u64);
	assert_int_equal(h->count, n);
	assert_true(h->min == vals[0]);
	assert_true(h->max == vals[n - 1]);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t want = ref_percentile(vals, n, pcts[i]);
		uint64_t got = kv_hist_percentile(h, pcts[i]);
		if (exact && got != want)
			fail_msg("p%g: got %llu want %llu", pcts[i], (unsigned long long)got,
				 (unsigned long long)want);
		/* Upper bound of the bucket: never below, at most 1/64 above. */
		if (got < want || got - want > want / 64)
			fail_msg("p%g: got %llu want %llu (+1/64)", pcts[i],
				 (unsigned long long)got, (unsigned long long)want);
	}
}

static uint64_t draw(struct kv_rng *r, int kind)
{
	switch (kind) {
	case 0:
		return kv_rng_below(r, 64);
	case 1:
		return kv_rng_below(r, 1000000);
	case 2: /* log-uniform over the whole range */
		return kv_rng_next(r) >> kv_rng_below(r, 64);
	default:
		return 1000 + kv_rng_below(r, 50);
	}
}

static void test_random_vs_reference(void **state)
{
	struct kv_rng r;
	size_t n_max = tu_slow() ? 6000000 : 200000;
	uint64_t *vals = kv_malloc(KV_MEM_OTHER, n_max * sizeof(uint64_t));
	struct kv_hist *h = kv_malloc(KV_MEM_OTHER, sizeof(*h));

	(void)state;
	kv_rng_seed(&r, tu_seed(42));
	for (int kind = 0; kind < 4; kind++) {
		for (size_t n = 1; n <= n_max; n *= 7) {
			kv_hist_init(h);
			for (size_t i = 0; i < n; i++) {
				vals[i] = draw(&r, kind);
				kv_hist_add(h, vals[i]);
			}
			check_against_ref(h, vals, n, kind == 0);
		}
	}
	kv_free(KV_MEM_OTHER, vals, n_max * sizeof(uint64_t));
	kv_free(KV_MEM_OTHER, h, sizeof(*h));
}

static void test_exact_small(void **state)
{
	struct kv_hist h;
	uint64_t vals[128];

	(void)state;
	/* Below 2^SUB_BITS every value is its own bucket: every rank is exact. */
	kv_hist_init(&h);
	for (uint64_t v = 0; v < 64; v++) {
		vals[v] = v;
		kv_hist_add(&h, v);
	}
	for (int p = 1; p <= 100; p++) {
		uint64_t want = ref_percentile(vals, 64, p);
		assert_int_equal(kv_hist_percentile(&h, p), want);
	}
	/* A single value is returned for every percentile. */
	kv_hist_init(&h);
	kv_hist_add(&h, 123456789);
	assert_int_equal(kv_hist_percentile(&h, 0), 123456789);
	assert_int_equal(kv_hist_percentile(&h, 50), 123456789);
	assert_int_equal(kv_hist_percentile(&h, 100), 123456789);
	assert_true(kv_hist_mean(&h) == 123456789.0);
}

static void test_empty_and_extremes(void **state)
{
	struct kv_hist h;

	(void)state;
	kv_hist_init(&h);
	assert_int_equal(kv_hist_percentile(&h, 50), 0);
	assert_true(kv_hist_mean(&h) == 0.0);
	kv_hist_add(&h, UINT64_MAX);
	kv_hist_add(&h, 0);
	kv_hist_add(&h, 1ULL << 63);
	assert_int_equal(h.count, 3);
	assert_true(h.min == 0);
	assert_true(h.max == UINT64_MAX);
	assert_true(kv_hist_percentile(&h, 100) == UINT64_MAX);
	assert_true(kv_hist_percentile(&h, 0) == 0);
	assert_true(kv_hist_percentile(&h, 33) == 0);
	/* 1<<63 is the lower bound of its bucket; the upper bound is reported. */
	assert_true(kv_hist_percentile(&h, 66) >= 1ULL << 63);
	assert_true(kv_hist_percentile(&h, 66) <= (1ULL << 63) + (1ULL << 57));
	uint64_t total = 0;
	for (int i = 0; i < KV_HIST_BUCKETS; i++)
		total += h.buckets[i];
	assert_int_equal(total, 3);
}

static void test_merge_and_mean(void **state)
{
	struct kv_rng r;
	struct kv_hist *a = kv_malloc(KV_MEM_OTHER, sizeof(*a));
	struct kv_hist *b = kv_malloc(KV_MEM_OTHER, sizeof(*b));
	struct kv_hist *all = kv_malloc(KV_MEM_OTHER, sizeof(*all));
	struct kv_hist *empty = kv_malloc(KV_MEM_OTHER, sizeof(*empty));
	uint64_t sum = 0;

	(void)state;
	kv_rng_seed(&r, tu_seed(7));
	kv_hist_init(a);
	kv_hist_init(b);
	kv_hist_init(all);
	kv_hist_init(empty);
	for (int i = 0; i < 10000; i++) {
		uint64_t v = 100 + kv_rng_below(&r, 1u << 20);
		kv_hist_add(i % 3 ? a : b, v);
		kv_hist_add(all, v);
		sum += v;
	}
	kv_hist_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	assert_true(kv_hist_mean(all) == (double)sum / 10000.0);
	/* Merging an empty histogram changes nothing; into an empty one copies. */
	kv_hist_merge(a, empty);
	assert_memory_equal(a, all, sizeof(*a));
	kv_hist_merge(empty, all);
	assert_memory_equal(empty, all, sizeof(*a));
	kv_free(KV_MEM_OTHER, a, sizeof(*a));
	kv_free(KV_MEM_OTHER, b, sizeof(*b));
	kv_free(KV_MEM_OTHER, all, sizeof(*all));
	kv_free(KV_MEM_OTHER, empty, sizeof(*empty));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_exact_small),
		cmocka_unit_test(test_empty_and_extremes),
		cmocka_unit_test(test_merge_and_mean),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
