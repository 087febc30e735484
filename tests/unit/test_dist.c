/*
 * tests/unit/test_dist.c - key distributions (workloads/dist_*.c), YCSB's
 * FNV-1a-64 (workloads/fnv.c), value sizes and operation mixes: the check
 * values of REFERENCE.md and chi-square frequency tests at fixed seeds.
 */
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "workloads/dist.h"
#include "workloads/fnv.h"
#include "workloads/opmix.h"
#include "workloads/valuegen.h"

#define DRAWS 1000000

static uint64_t g_seed;

static void dist_ok(struct kv_dist *d, enum kv_dist_kind kind, uint64_t items)
{
	struct kv_dist_params p = { .kind = kind, .items = items, .theta = 0.99,
				    .hot_data_fraction = 0.2, .hot_op_fraction = 0.8,
				    .exp_percentile = 95, .exp_frac = 0.8571428571,
				    .seed = g_seed };
	struct kv_err err;

	if (kv_dist_init(d, &p, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
}

/*
 * Chi-square statistic of @obs against probabilities @p over @k cells;
 * fails if it exceeds the 99.99th percentile of chi-square with k-1 df
 * (Wilson-Hilferty approximation, z = 3.719).
 */
static void chi_square_ok(const uint64_t *obs, const double *p, size_t k, uint64_t n,
			  const char *what)
{
	double chi = 0, df = (double)k - 1, z = 3.719, limit;

	for (size_t i = 0; i < k; i++) {
		double e = p[i] * (double)n;

		assert_true(e >= 5.0); /* the test's own validity */
		chi += ((double)obs[i] - e) * ((double)obs[i] - e) / e;
	}
	limit = df * pow(1.0 - 2.0 / (9.0 * df) + z * sqrt(2.0 / (9.0 * df)), 3);
	if (chi > limit)
		fail_msg("%s: chi-square %.1f above %.1f (%zu cells)", what, chi, limit, k);
}

static void test_fnv(void **state)
{
	(void)state;
	assert_true(kv_fnv1a64(0) == 6284781860667377211ULL);
	assert_true(kv_fnv1a64(1) == 8517097267634966620ULL);
	for (uint64_t i = 0; i < 100000; i++)
		assert_true(kv_fnv1a64(i) >> 63 == 0);
	assert_true(kv_fnv1a64(2) != kv_fnv1a64(3));
}

static void test_zeta_eta(void **state)
{
	double z = kv_zeta(1000, 0.99), eta = kv_zipf_eta(1000, 0.99, z);

	(void)state;
	assert_true(fabs(z - 7.728953217284729) < 1e-12);
	assert_true(fabs(eta - 0.07480608670689805) < 1e-14);
	/* Incremental zeta equals the direct sum. */
	assert_true(fabs(kv_zeta_extend(kv_zeta(400, 0.99), 400, 1000, 0.99) - z) < 1e-12);
	/* YCSB's precomputed zeta(10^10) from the Euler-Maclaurin form. */
	assert_true(fabs(kv_zeta_large(KV_SCRAMBLED_ITEMS, 0.99) - KV_SCRAMBLED_ZETAN) < 1e-9);
	assert_true(fabs(kv_zeta_large(5000, 0.5) - kv_zeta(5000, 0.5)) < 1e-12);
	assert_true(fabs(kv_zeta_large(3000000, 0.7) - kv_zeta(3000000, 0.7)) < 1e-8);
}

/* P(rank 0 | n = 1000) = 1/zeta(1000) = 12.94 %, within 0.3 points. */
static void test_zipf_rank0(void **state)
{
	struct kv_dist d;
	struct kv_rng rng;
	uint64_t zero = 0;

	(void)state;
	dist_ok(&d, KV_DIST_ZIPFIAN, 1000);
	kv_rng_seed(&rng, g_seed);
	for (int i = 0; i < DRAWS; i++) {
		uint64_t r = kv_dist_next(&d, &rng);
		assert_true(r < 1000);
		zero += r == 0;
	}
	assert_true(fabs(100.0 * (double)zero / DRAWS - 12.94) < 0.3);
	assert_true(fabs(1.0 / kv_zeta(1000, 0.99) - 0.1294) < 0.0001);
}

/* P(rank >= r) of Gray's generator, exactly, from its formula. */
static double gray_tail(const struct kv_zipf *z, uint64_t r)
{
	double u_lo, u_r;

	if (r == 0)
		return 1.0;
	if (r == 1)
		return 1.0 - 1.0 / z->zetan;
	u_lo = (1.0 + z->half_pow_theta) / z->zetan;
	if (r >= z->items)
		return 0.0;
	u_r = (pow((double)r / (double)z->items, 1.0 / z->alpha) - 1.0 + z->eta) / z->eta;
	return 1.0 - (u_r > u_lo ? u_r : u_lo);
}

/* Cells: ranks 0, 1, then [2,4), [4,8), ... [512, 1000). */
static size_t zipf_cells(const struct kv_zipf *z, uint64_t *lo, double *p)
{
	size_t k = 0;

	lo[k++] = 0;
	lo[k++] = 1;
	for (uint64_t b = 2; b < z->items; b *= 2)
		lo[k++] = b;
	for (size_t i = 0; i < k; i++)
		p[i] = gray_tail(z, lo[i]) - gray_tail(z, i + 1 < k ? lo[i + 1] : z->items);
	return k;
}

static size_t cell_of(const uint64_t *lo, size_t k, uint64_t v)
{
	size_t c = 0;

	while (c + 1 < k && v >= lo[c + 1])
		c++;
	return c;
}

static void test_zipf_chi_square(void **state)
{
	struct kv_dist d, l;
	struct kv_rng rng;
	uint64_t lo[16], obs[16] = { 0 }, lobs[16] = { 0 };
	double p[16];
	size_t k;

	(void)state;
	dist_ok(&d, KV_DIST_ZIPFIAN, 1000);
	k = zipf_cells(&d.zipf, lo, p);
	kv_rng_seed(&rng, g_seed + 1);
	for (int i = 0; i < DRAWS; i++)
		obs[cell_of(lo, k, kv_dist_next(&d, &rng))]++;
	chi_square_ok(obs, p, k, DRAWS, "zipfian");

	/* latest: newest minus a zipfian over the inserted count, grown
	   incrementally from 1 to 1000. */
	dist_ok(&l, KV_DIST_LATEST, 1);
	for (uint64_t n = 2; n <= 1000; n++)
		kv_dist_set_items(&l, n);
	assert_true(fabs(l.zipf.zetan - kv_zeta(1000, 0.99)) < 1e-12);
	for (int i = 0; i < DRAWS; i++) {
		uint64_t v = kv_dist_next(&l, &rng);
		assert_true(v <= 999);
		lobs[cell_of(lo, k, 999 - v)]++;
	}
	chi_square_ok(lobs, p, k, DRAWS, "latest");
}

static void test_uniform_chi_square(void **state)
{
	struct kv_dist d;
	struct kv_rng rng;
	uint64_t obs[100] = { 0 };
	double p[100];

	(void)state;
	dist_ok(&d, KV_DIST_UNIFORM, 100);
	kv_rng_seed(&rng, g_seed + 2);
	for (int i = 0; i < DRAWS; i++)
		obs[kv_dist_next(&d, &rng)]++;
	for (int i = 0; i < 100; i++)
		p[i] = 0.01;
	chi_square_ok(obs, p, 100, DRAWS, "uniform");
}

/* hotspot: 80 % of draws on the lowest 20 % of keys, uniform within each set. */
static void test_hotspot_chi_square(void **state)
{
	struct kv_dist d;
	struct kv_rng rng;
	uint64_t obs[50] = { 0 };
	double p[50];

	(void)state;
	dist_ok(&d, KV_DIST_HOTSPOT, 50);
	assert_int_equal(d.hot_items, 10);
	kv_rng_seed(&rng, g_seed + 3);
	for (int i = 0; i < DRAWS; i++)
		obs[kv_dist_next(&d, &rng)]++;
	for (int i = 0; i < 50; i++)
		p[i] = i < 10 ? 0.8 / 10 : 0.2 / 40;
	chi_square_ok(obs, p, 50, DRAWS, "hotspot");
}

/* exponential: the distance from the newest key has mean ~ 1/gamma - 1/2
   (a floored exponential truncated at items), and 95 % (renormalised) fall
   within 0.857 x items. */
static void test_exponential(void **state)
{
	struct kv_dist d;
	struct kv_rng rng;
	double sum = 0, within = 0, gamma;
	const uint64_t items = 100000;

	(void)state;
	dist_ok(&d, KV_DIST_EXPONENTIAL, items);
	gamma = -log(0.05) / ((double)items * 0.8571428571);
	assert_true(fabs(d.gamma - gamma) < 1e-15);
	kv_rng_seed(&rng, g_seed + 4);
	for (int i = 0; i < DRAWS; i++) {
		uint64_t back = items - 1 - kv_dist_next(&d, &rng);
		sum += (double)back;
		within += (double)back < 0.8571428571 * (double)items;
	}
	/* The mean of an exponential truncated at T = items (draws beyond are
	   redrawn), minus 1/2 for the floor. */
	{
		double t = (double)items, e = exp(-gamma * t);
		double mean = 1.0 / gamma - t * e / (1.0 - e) - 0.5;

		assert_true(fabs(sum / DRAWS - mean) / mean < 0.01);
	}
	assert_true(fabs(within / DRAWS - 0.95 / (1 - exp(-gamma * (double)items))) < 0.01);
}

static void test_scrambled_sequential_permuted(void **state)
{
	struct kv_dist d;
	struct kv_rng rng, r2;
	uint8_t seen[1000] = { 0 };
	uint64_t hist[1000] = { 0 }, top = 0;

	(void)state;
	/* scrambled = fnv1a64(zipf rank over 10^10) mod items. */
	dist_ok(&d, KV_DIST_SCRAMBLED, 1000);
	kv_rng_seed(&rng, g_seed + 5);
	kv_rng_seed(&r2, g_seed + 5);
	for (int i = 0; i < 1000; i++) {
		struct kv_zipf z;
		uint64_t v = kv_dist_next(&d, &rng);

		kv_zipf_init(&z, KV_SCRAMBLED_ITEMS, 0.99, KV_SCRAMBLED_ZETAN);
		assert_true(v == kv_fnv1a64(kv_zipf_rank(&z, kv_rng_double(&r2))) % 1000);
	}
	/* rank 0 and 1 of the 10^10-item zipfian are fnv(0), fnv(1) mod n. */
	for (int i = 0; i < 100000; i++)
		hist[kv_dist_next(&d, &rng)]++;
	for (int i = 0; i < 1000; i++)
		if (hist[i] > hist[top])
			top = (uint64_t)i;
	assert_true(top == kv_fnv1a64(0) % 1000);

	dist_ok(&d, KV_DIST_SEQUENTIAL, 3);
	for (int i = 0; i < 7; i++)
		assert_int_equal(kv_dist_next(&d, &rng), (uint64_t)(i % 3));

	/* permuted: a bijection of [0, n) for several n, seeded. */
	for (uint64_t n = 1; n <= 1000; n = n * 3 + 1) {
		dist_ok(&d, KV_DIST_PERMUTED, n);
		memset(seen, 0, sizeof(seen));
		for (uint64_t r = 0; r < n; r++) {
			uint64_t v = kv_dist_permute(&d, r);
			assert_true(v < n);
			assert_int_equal(seen[v], 0);
			seen[v] = 1;
		}
	}
	/* Its key frequencies are exactly the zipfian's, permuted. */
	dist_ok(&d, KV_DIST_PERMUTED, 1000);
	memset(hist, 0, sizeof(hist));
	for (int i = 0; i < 200000; i++)
		hist[kv_dist_next(&d, &rng)]++;
	assert_true(fabs((double)hist[kv_dist_permute(&d, 0)] / 200000 - 0.1294) < 0.005);
}

static void test_dist_errors(void **state)
{
	struct kv_dist d;
	struct kv_err err;
	struct kv_dist_params p = { .kind = KV_DIST_ZIPFIAN, .items = 10, .theta = 1.0 };

	(void)state;
	assert_int_equal(kv_dist_init(&d, &p, &err), KV_EINVAL);
	assert_string_equal(kv_err_msg(&err),
			    "distribution zipfian: theta 1 is outside (0, 1) (exclusive)");
	p.theta = 0.5;
	p.items = 0;
	assert_int_equal(kv_dist_init(&d, &p, &err), KV_EINVAL);
	assert_string_equal(kv_err_msg(&err), "distribution zipfian: items must be at least 1");
	p = (struct kv_dist_params){ .kind = KV_DIST_HOTSPOT, .items = 10,
				     .hot_data_fraction = 1.5 };
	assert_int_equal(kv_dist_init(&d, &p, &err), KV_EINVAL);
	assert_int_equal(kv_dist_find("latest"), KV_DIST_LATEST);
	assert_int_equal(kv_dist_find("zipf"), -1);
}

static void test_opmix_and_sizes(void **state)
{
	double w[KV_OPMIX_KINDS] = { 0.5, 0.2, 0.1, 0.05, 0.1, 0.05 };
	uint64_t obs[KV_OPMIX_KINDS] = { 0 };
	struct kv_opmix m;
	struct kv_rng rng;
	struct kv_err err;
	struct kv_vsize vs = { .kind = KV_VSIZE_PARETO, .size = 1000, .min = 10, .max = 0 };
	double sum = 0;

	(void)state;
	assert_int_equal(kv_opmix_init(&m, w, &err), KV_OK);
	kv_rng_seed(&rng, g_seed + 6);
	for (int i = 0; i < DRAWS; i++)
		obs[kv_opmix_next(&m, &rng)]++;
	chi_square_ok(obs, w, KV_OPMIX_KINDS, DRAWS, "opmix");
	w[0] = -1;
	assert_int_equal(kv_opmix_init(&m, w, &err), KV_EINVAL);
	assert_string_equal(kv_err_msg(&err), "read proportion -1 must be >= 0");
	memset(w, 0, sizeof(w));
	assert_int_equal(kv_opmix_init(&m, w, &err), KV_EINVAL);

	/* pareto: heavy tail with the configured mean (truncated at 64 MiB). */
	assert_int_equal(kv_vsize_check(&vs, &err), KV_OK);
	for (int i = 0; i < DRAWS; i++) {
		size_t s = kv_vsize_next(&vs, &rng);
		assert_true(s >= 10 && s <= vs.max);
		sum += (double)s;
	}
	assert_true(sum / DRAWS > 800 && sum / DRAWS < 1200);
	vs = (struct kv_vsize){ .kind = KV_VSIZE_UNIFORM, .size = 0, .min = 5, .max = 9 };
	assert_int_equal(kv_vsize_check(&vs, &err), KV_OK);
	for (int i = 0; i < 1000; i++) {
		size_t s = kv_vsize_next(&vs, &rng);
		assert_true(s >= 5 && s <= 9);
	}
	vs.min = 10;
	assert_int_equal(kv_vsize_check(&vs, &err), KV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv),
		cmocka_unit_test(test_zeta_eta),
		cmocka_unit_test(test_zipf_rank0),
		cmocka_unit_test(test_zipf_chi_square),
		cmocka_unit_test(test_uniform_chi_square),
		cmocka_unit_test(test_hotspot_chi_square),
		cmocka_unit_test(test_exponential),
		cmocka_unit_test(test_scrambled_sequential_permuted),
		cmocka_unit_test(test_dist_errors),
		cmocka_unit_test(test_opmix_and_sizes),
	};

	g_seed = tu_seed(265);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
