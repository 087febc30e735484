/*
 * tests/unit/test_skiplist.c - skip-list specifics beyond the memtable
 * contract suite: options and their validation, deterministic structure,
 * height distribution, overwrite paths (in place / relocated), iteration
 * while puts continue, key/value limits, and the measured cost: bytes of
 * overhead per entry and time per insert/get at 1M entries (printed; the
 * overhead is asserted <= 48 bytes at the default branching).
 */
#include "tests/testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/memtable/memtable.h"
#include "core/memtable/skiplist.h"
#include "core/options.h"
#include "core/rng.h"
#include "tests/unit/memtable_rig.h"

static struct kv_memtable *open_cfg(const char *const *kv, struct kv_err *err, int *rc)
{
	return mtr_open_cfg(&kv_skiplist_memtable_ops, kv, err, rc);
}

static struct kv_memtable *open_ok(const char *const *kv)
{
	struct kv_err err;
	int rc;
	struct kv_memtable *mt = open_cfg(kv, &err, &rc);

	if (rc != KV_OK)
		fail_msg("create: %s", kv_err_msg(&err));
	return mt;
}

static int put(struct kv_memtable *mt, struct kv_slice k, struct kv_slice v, uint64_t seq)
{
	struct kv_entry_meta m = { .seq = seq, .ts_ns = seq, .kind = KV_KIND_PUT };

	return kv_memtable_put(mt, k, v, &m);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(kv_memtable_find("skiplist"), &kv_skiplist_memtable_ops);
	assert_string_equal(kv_skiplist_memtable_ops.name, "skiplist");
	assert_non_null(kv_option_find(kv_skiplist_memtable_ops.options, "skiplist_max_height"));
	assert_non_null(kv_option_find(kv_skiplist_memtable_ops.options, "skiplist_branching"));
	assert_non_null(kv_option_find(kv_skiplist_memtable_ops.options, "arena_block_size"));
}

static void test_bad_options(void **state)
{
	static const char *const bad[][3] = {
		{ "skiplist_max_height", "3", "skiplist_max_height" },
		{ "skiplist_max_height", "33", "skiplist_max_height" },
		{ "skiplist_branching", "1", "skiplist_branching" },
		{ "skiplist_branching", "17", "skiplist_branching" },
		{ "skiplist_branching", "four", "skiplist_branching" },
		{ "arena_block_size", "1000", "arena_block_size" },
		{ "arena_block_size", "2GiB", "arena_block_size" },
	};
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *kv[] = { bad[i][0], bad[i][1], NULL };
		struct kv_err err;
		int rc;
		struct kv_memtable *mt = open_cfg(kv, &err, &rc);

		assert_int_equal(rc, KV_EINVAL);
		assert_null(mt);
		printf("%s=%s -> %s\n", bad[i][0], bad[i][1], kv_err_msg(&err));
		assert_non_null(strstr(kv_err_msg(&err), bad[i][2]));
		assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
	}
}

/* Extreme but valid options still give a correct table. */
static void test_option_extremes(void **state)
{
	static const char *const cfgs[][6] = {
		{ "skiplist_max_height", "4", "skiplist_branching", "2", "arena_block_size",
		  "4KiB" },
		{ "skiplist_max_height", "32", "skiplist_branching", "16", "arena_block_size",
		  "256MiB" },
		{ "skiplist_max_height", "32", "skiplist_branching", "2", "arena_block_size",
		  "64K" },
	};
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);

	(void)state;
	for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
		const char *kv[] = { cfgs[c][0], cfgs[c][1], cfgs[c][2], cfgs[c][3], cfgs[c][4],
				     cfgs[c][5], NULL };
		struct kv_memtable *mt = open_ok(kv);
		struct kv_skiplist_stats st;
		struct kv_rng r;
		char key[16];
		size_t n = 20000;

		kv_rng_seed(&r, c);
		for (size_t i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "%012" PRIx64, kv_rng_below(&r, 1u << 30));
			struct kv_slice k = kv_slice_make(key, 12);

			assert_int_equal(put(mt, k, kv_slice_make(key, 6), i + 1), KV_OK);
		}
		assert_true(kv_skiplist_verify(mt));
		kv_skiplist_stats(mt, &st);
		assert_int_equal(st.entries, kv_memtable_count(mt));
		assert_true(st.height <= (size_t)atoi(cfgs[c][1]));
		printf("%s=%s %s=%s: %zu entries, height %zu, %.3f links/node\n", cfgs[c][0],
		       cfgs[c][1], cfgs[c][2], cfgs[c][3], st.entries, st.height,
		       (double)st.tower_links / (double)st.entries);
		kv_memtable_destroy(mt);
		assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
	}
}

/* Heights follow the geometric distribution of the branching factor. */
static void test_height_distribution(void **state)
{
	static const char *const b[] = { "2", "4", "8" };

	(void)state;
	for (size_t c = 0; c < 3; c++) {
		const char *kv[] = { "skiplist_branching", b[c], NULL };
		struct kv_memtable *mt = open_ok(kv);
		struct kv_skiplist_stats st;
		double p = 1.0 / atof(b[c]), expect_links;
		size_t n = 100000;
		char key[16];

		for (size_t i = 0; i < n; i++) {
			snprintf(key, sizeof(key), "%08zu", i);
			assert_int_equal(put(mt, kv_slice_str(key), kv_slice_make(NULL, 0), i + 1),
					 KV_OK);
		}
		kv_skiplist_stats(mt, &st);
		/* P(height = 1) = 1 - p, mean height ~ 1 / (1 - p). */
		assert_true(st.heights[1] > (size_t)((1 - p - 0.01) * (double)n));
		assert_true(st.heights[1] < (size_t)((1 - p + 0.01) * (double)n));
		expect_links = 1.0 / (1.0 - p) * (double)n;
		assert_true((double)st.tower_links > 0.98 * expect_links);
		assert_true((double)st.tower_links < 1.02 * expect_links);
		assert_true(kv_skiplist_verify(mt));
		kv_memtable_destroy(mt);
	}
}

/* Same puts, same structure: heights come from a fixed seed. */
static void test_deterministic(void **state)
{
	struct kv_skiplist_stats a, b;
	struct kv_memtable *m1 = open_ok(NULL), *m2 = open_ok(NULL);
	char key[16];

	(void)state;
	for (size_t i = 0; i < 30000; i++) {
		snprintf(key, sizeof(key), "%08zu", (i * 7919) % 30000);
		assert_int_equal(put(m1, kv_slice_str(key), kv_slice_str(key), i + 1), KV_OK);
		assert_int_equal(put(m2, kv_slice_str(key), kv_slice_str(key), i + 1), KV_OK);
	}
	kv_skiplist_stats(m1, &a);
	kv_skiplist_stats(m2, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(kv_memtable_bytes(m1), kv_memtable_bytes(m2));
	kv_memtable_destroy(m1);
	kv_memtable_destroy(m2);
}

static void test_overwrite_paths(void **state)
{
	struct kv_memtable *mt = open_ok(NULL);
	struct kv_skiplist_stats st;
	struct kv_entry_meta m;
	struct kv_slice v, held;
	size_t before;

	(void)state;
	assert_int_equal(put(mt, kv_slice_str("a"), kv_slice_str("0123456789"), 1), KV_OK);
	assert_int_equal(put(mt, kv_slice_str("b"), kv_slice_str("bbb"), 2), KV_OK);
	assert_int_equal(put(mt, kv_slice_str("c"), kv_slice_str("ccc"), 3), KV_OK);

	/* Shorter and then equal-length values fit in place. */
	before = kv_memtable_bytes(mt);
	assert_int_equal(put(mt, kv_slice_str("a"), kv_slice_str("xyz"), 4), KV_OK);
	assert_int_equal(put(mt, kv_slice_str("a"), kv_slice_str("9876543210"), 5), KV_OK);
	kv_skiplist_stats(mt, &st);
	assert_int_equal(st.overwrites_in_place, 2);
	assert_int_equal(st.overwrites_relocated, 0);
	assert_int_equal(st.garbage_bytes, 0);
	assert_int_equal(kv_memtable_bytes(mt), before);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("a"), &v, &m), KV_OK);
	assert_int_equal(v.len, 10);
	assert_memory_equal(v.data, "9876543210", 10);

	/* Longer: relocated; the old bytes stay readable (garbage, counted). */
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("b"), &held, &m), KV_OK);
	assert_int_equal(put(mt, kv_slice_str("b"), kv_slice_str("a longer value"), 6), KV_OK);
	kv_skiplist_stats(mt, &st);
	assert_int_equal(st.overwrites_relocated, 1);
	assert_true(st.garbage_bytes > 0);
	assert_int_equal(held.len, 3);
	assert_memory_equal(held.data, "bbb", 3);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("b"), &v, &m), KV_OK);
	assert_int_equal(v.len, 14);
	assert_int_equal(m.seq, 6);
	assert_int_equal(kv_memtable_count(mt), 3);
	assert_int_equal(mt->value_bytes, 10 + 14 + 3);
	assert_true(kv_skiplist_verify(mt));

	/* A put whose seq is not newer than the stored one is ignored. */
	assert_int_equal(put(mt, kv_slice_str("c"), kv_slice_str("stale"), 2), KV_OK);
	assert_int_equal(put(mt, kv_slice_str("c"), kv_slice_str("same"), 3), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("c"), &v, &m), KV_OK);
	assert_int_equal(v.len, 3);
	assert_memory_equal(v.data, "ccc", 3);
	assert_int_equal(m.seq, 3);

	/* Overwrite with the table's own bytes (aliasing input). */
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("a"), &v, &m), KV_OK);
	assert_int_equal(put(mt, kv_slice_str("a"), kv_slice_make(v.data + 2, 5), 7), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("a"), &v, &m), KV_OK);
	assert_int_equal(v.len, 5);
	assert_memory_equal(v.data, "76543", 5);
	assert_true(kv_skiplist_verify(mt));
	kv_memtable_destroy(mt);
}

static void test_limits(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = open_ok(NULL);
	size_t big = 65536;
	char *k = kv_malloc(KV_MEM_OTHER, big);
	struct kv_entry_meta m;
	struct kv_slice v;

	(void)state;
	assert_non_null(k);
	memset(k, 'k', big);
	assert_int_equal(put(mt, kv_slice_make(k, big - 1), kv_slice_str("max"), 1), KV_OK);
	assert_int_equal(put(mt, kv_slice_make(k, big), kv_slice_str("too long"), 2), KV_EINVAL);
	assert_int_equal(put(mt, kv_slice_make(k, 0), kv_slice_str("empty key"), 3), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_make(k, big - 1), &v, &m), KV_OK);
	assert_int_equal(v.len, 3);
	assert_int_equal(kv_memtable_get(mt, kv_slice_make(k, big - 2), &v, &m), KV_NOTFOUND);
	assert_int_equal(kv_memtable_get(mt, kv_slice_make(k, big), &v, &m), KV_NOTFOUND);
	assert_int_equal(kv_memtable_get(mt, kv_slice_make(NULL, 0), &v, &m), KV_OK);
	assert_int_equal(v.len, 9);
	assert_int_equal(kv_memtable_count(mt), 2);
	assert_true(kv_skiplist_verify(mt));
	kv_memtable_destroy(mt);
	kv_free(KV_MEM_OTHER, k, big);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

/*
 * Iteration while puts continue: an iterator walks even keys while the test
 * inserts odd keys just ahead of and just behind it and overwrites the
 * current key (in place and relocating). It must yield strictly ascending
 * keys, every key inserted ahead, none inserted behind.
 */
static void test_iterate_while_putting(void **state)
{
	enum { N = 4000 };
	struct kv_memtable *mt = open_ok(NULL);
	struct kv_iter *it;
	struct kv_rng r;
	char key[24], prev[24] = "";
	uint64_t seq = 1;
	size_t yielded = 0, ahead = 0;
	bool expect_odd = false;
	long expect_next = 0;

	(void)state;
	kv_rng_seed(&r, tu_seed(99));
	for (long i = 0; i < N; i += 2) {
		snprintf(key, sizeof(key), "%08ld", i);
		assert_int_equal(put(mt, kv_slice_str(key), kv_slice_str("init"), seq++), KV_OK);
	}
	it = kv_memtable_iter(mt);
	assert_non_null(it);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it)) {
		struct kv_slice k = kv_iter_key(it);
		long cur;
		uint64_t dice = kv_rng_below(&r, 6);

		assert_int_equal(k.len, 8);
		memcpy(key, k.data, 8);
		key[8] = '\0';
		assert_true(strcmp(prev, key) < 0);
		memcpy(prev, key, 9);
		cur = atol(key);
		/* Exactly the expected key: an odd one inserted ahead, or the next even. */
		assert_int_equal(cur, expect_next);
		assert_int_equal(cur % 2 != 0, expect_odd);
		yielded++;
		expect_odd = false;
		expect_next = cur % 2 ? cur + 1 : cur + 2;
		if (cur % 2)
			continue;
		if (dice == 0 && cur > 0) {
			/* Behind: never seen. */
			snprintf(key, sizeof(key), "%08ld", cur - 1);
			assert_int_equal(put(mt, kv_slice_str(key), kv_slice_str("behind"), seq++),
					 KV_OK);
		} else if (dice == 1) {
			/* Ahead: seen next. */
			snprintf(key, sizeof(key), "%08ld", cur + 1);
			assert_int_equal(put(mt, kv_slice_str(key), kv_slice_str("ahead"), seq++),
					 KV_OK);
			expect_odd = true;
			expect_next = cur + 1;
			ahead++;
		} else if (dice == 2) {
			/* Relocate the current node, then insert right after it. */
			snprintf(key, sizeof(key), "%08ld", cur);
			assert_int_equal(put(mt, kv_slice_str(key),
					     kv_slice_str("a much longer value than init"), seq++),
					 KV_OK);
			snprintf(key, sizeof(key), "%08ld", cur + 1);
			assert_int_equal(put(mt, kv_slice_str(key), kv_slice_str("ahead"), seq++),
					 KV_OK);
			expect_odd = true;
			expect_next = cur + 1;
			ahead++;
		} else if (dice == 3) {
			/* In place: the iterator shows the new value. */
			snprintf(key, sizeof(key), "%08ld", cur);
			assert_int_equal(put(mt, kv_slice_str(key), kv_slice_str("INIT"), seq++),
					 KV_OK);
			assert_memory_equal(kv_iter_value(it).data, "INIT", 4);
		} else if (dice == 4 && cur + 2 < N) {
			/* Relocate the next node: seen with its new value. */
			snprintf(key, sizeof(key), "%08ld", cur + 2);
			assert_int_equal(put(mt, kv_slice_str(key), kv_slice_str("grown value"),
					     seq++),
					 KV_OK);
		}
	}
	assert_int_equal(kv_iter_status(it), KV_OK);
	assert_int_equal(expect_next, N);
	assert_int_equal(yielded, N / 2 + ahead);
	kv_iter_close(it);
	assert_true(kv_skiplist_verify(mt));
	kv_memtable_destroy(mt);
}

/*
 * Random dependent loads over @bytes of memory: the latency of one cache
 * (and TLB) miss on this machine, to read the timings below against.
 */
static double miss_latency_ns(size_t bytes)
{
	size_t n = bytes / 64, steps = 1000000, x = 0;
	size_t *a = kv_malloc(KV_MEM_OTHER, n * 64);
	struct kv_rng r;
	uint64_t t0;

	assert_non_null(a);
	kv_rng_seed(&r, 2);
	for (size_t i = 0; i < n; i++)
		a[i * 8] = i;
	for (size_t i = n - 1; i > 0; i--) { /* one random cycle (Sattolo) */
		size_t j = (size_t)kv_rng_below(&r, i), t = a[i * 8];

		a[i * 8] = a[j * 8];
		a[j * 8] = t;
	}
	t0 = now_ns();
	for (size_t i = 0; i < steps; i++)
		x = a[x * 8];
	t0 = now_ns() - t0;
	assert_true(x < n);
	kv_free(KV_MEM_OTHER, a, n * 64);
	return (double)t0 / (double)steps;
}

/*
 * The cost at scale: 1M random 16-byte keys with 100-byte values, keys made
 * up front. Prints ns per insert and per get (wall clock, so a loaded
 * machine shows) next to the machine's miss latency, and the bytes of
 * overhead per entry; asserts the overhead stays <= 48 bytes at the default
 * branching.
 */
static void test_cost_at_scale(void **state)
{
	size_t n = 1000000;
	struct kv_memtable *mt = open_ok(NULL);
	struct kv_skiplist_stats st;
	struct kv_rng r;
	char *keys = kv_malloc(KV_MEM_OTHER, n * 17), val[100];
	uint64_t t0, t_put, t_get;
	double over_reserved, over_used, miss_ns;

	(void)state;
	assert_non_null(keys);
	memset(val, 'v', sizeof(val));
	kv_rng_seed(&r, 1);
	for (size_t i = 0; i < n; i++)
		snprintf(keys + 17 * i, 17, "%016" PRIx64, kv_rng_next(&r));
	t0 = now_ns();
	for (size_t i = 0; i < n; i++)
		assert_int_equal(put(mt, kv_slice_make(keys + 17 * i, 16), kv_slice_make(val, 100),
				     i + 1),
				 KV_OK);
	t_put = now_ns() - t0;
	t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		struct kv_slice v;
		struct kv_entry_meta m;
		size_t j = (i * 7919) % n;

		assert_int_equal(kv_memtable_get(mt, kv_slice_make(keys + 17 * j, 16), &v, &m),
				 KV_OK);
	}
	t_get = now_ns() - t0;
	miss_ns = miss_latency_ns(64u << 20);
	kv_skiplist_stats(mt, &st);
	over_reserved = (double)(kv_memtable_bytes(mt) - mt->key_bytes - mt->value_bytes) /
			(double)n;
	over_used = (double)(st.arena_bytes_used - mt->key_bytes - mt->value_bytes) / (double)n;
	printf("skiplist, %zu random 16 B keys + 100 B values, default options:\n"
	       "  put %.0f ns/op, get %.0f ns/op (one random memory miss here: %.0f ns)\n"
	       "  height %zu, %.3f links/node\n"
	       "  overhead per entry: %.1f bytes (approx_bytes), %.1f bytes (arena bytes used)\n",
	       n, (double)t_put / (double)n, (double)t_get / (double)n, miss_ns, st.height,
	       (double)st.tower_links / (double)n, over_reserved, over_used);
	assert_int_equal(kv_memtable_count(mt), n);
	assert_true(over_reserved <= 48.0);
	if (tu_slow())
		assert_true(kv_skiplist_verify(mt));
	kv_memtable_destroy(mt);
	kv_free(KV_MEM_OTHER, keys, n * 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_option_extremes),
		cmocka_unit_test(test_height_distribution),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_overwrite_paths),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_iterate_while_putting),
		cmocka_unit_test(test_cost_at_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
