/*
 * tests/contract/test_engine_contract.c - the engine contract, run against
 * every configuration of the harness matrix (every engine, the LSM with
 * every memtable kind and strategy, mem and file devices): put, get,
 * delete, scan bounds, reopen, flush, compact_all, argument errors, and a
 * model-based randomized run checked against a reference map with
 * reopens. LSMLAB_SLOW=1 makes the randomized run 10x longer.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "tests/engine_harness.h"
#include "tests/testutil.h"

static struct kv_slice S(const char *s)
{
	return kv_slice_str(s);
}

static void want_value(struct kv_engine *e, const char *key, const char *value)
{
	struct kv_slice v;
	int r = kv_engine_get(e, S(key), &v);

	if (!value) {
		if (r != KV_NOTFOUND)
			fail_msg("get '%s': expected NOTFOUND, got %d (%s)", key, r,
				 kv_engine_errmsg(e));
		return;
	}
	if (r != KV_OK)
		fail_msg("get '%s': expected '%s', got %d (%s)", key, value, r,
			 kv_engine_errmsg(e));
	assert_int_equal(v.len, strlen(value));
	assert_memory_equal(v.data, value, v.len);
}

static void for_each_config(void (*fn)(struct th_env *env))
{
	const struct th_config *cfgs;
	size_t n = th_matrix(&cfgs);

	for (size_t i = 0; i < n; i++) {
		struct th_env env;
		print_message("  [%s]\n", cfgs[i].name);
		th_env_init(&env, &cfgs[i]);
		fn(&env);
		th_env_destroy(&env);
	}
}

static void basic_case(struct th_env *env)
{
	struct kv_engine *e = th_open(env);

	want_value(e, "a", NULL);
	assert_int_equal(kv_engine_put(e, S("a"), S("1")), KV_OK);
	assert_int_equal(kv_engine_put(e, S("b"), S("2")), KV_OK);
	want_value(e, "a", "1");
	want_value(e, "b", "2");
	assert_int_equal(kv_engine_put(e, S("a"), S("one")), KV_OK);
	want_value(e, "a", "one");
	assert_int_equal(kv_engine_delete(e, S("a")), KV_OK);
	want_value(e, "a", NULL);
	assert_int_equal(kv_engine_delete(e, S("never")), KV_OK);
	want_value(e, "never", NULL);
	assert_int_equal(kv_engine_put(e, S("empty"), kv_slice_make("", 0)), KV_OK);
	want_value(e, "empty", "");
	assert_int_equal(kv_engine_flush(e), KV_OK);
	want_value(e, "a", NULL);
	want_value(e, "b", "2");
	want_value(e, "empty", "");
	assert_int_equal(kv_engine_put(e, S("a"), S("again")), KV_OK);
	want_value(e, "a", "again");
	assert_int_equal(kv_engine_check(e), KV_OK);
	kv_engine_close(e);
}

static void test_basic(void **state)
{
	(void)state;
	for_each_config(basic_case);
}

static void sizes_case(struct th_env *env)
{
	struct kv_engine *e = th_open(env);
	size_t big = 1u << 20, kmax = KV_MAX_KEY_BYTES;
	char *val = kv_malloc(KV_MEM_OTHER, big);
	char *key = kv_malloc(KV_MEM_OTHER, kmax + 1);
	struct kv_slice v;

	for (size_t i = 0; i < big; i++)
		val[i] = (char)(i * 131 + 7);
	memset(key, 'k', kmax + 1);
	assert_int_equal(kv_engine_put(e, S("big"), kv_slice_make(val, big)), KV_OK);
	assert_int_equal(kv_engine_put(e, kv_slice_make(key, kmax), S("maxkey")), KV_OK);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(kv_engine_get(e, S("big"), &v), KV_OK);
		assert_int_equal(v.len, big);
		assert_memory_equal(v.data, val, big);
		assert_int_equal(kv_engine_get(e, kv_slice_make(key, kmax), &v), KV_OK);
		assert_int_equal(v.len, 6);
		if (round == 0)
			assert_int_equal(kv_engine_flush(e), KV_OK);
		if (round == 1) {
			kv_engine_close(e);
			e = th_open(env);
		}
	}
	/* Arguments outside the contract are rejected with a message. */
	assert_int_equal(kv_engine_put(e, kv_slice_make(key, kmax + 1), S("x")), KV_EINVAL);
	assert_non_null(strstr(kv_engine_errmsg(e), "key length"));
	assert_int_equal(kv_engine_put(e, kv_slice_make("", 0), S("x")), KV_EINVAL);
	assert_int_equal(kv_engine_get(e, kv_slice_make("", 0), &v), KV_EINVAL);
	assert_int_equal(kv_engine_delete(e, kv_slice_make(NULL, 0)), KV_EINVAL);
	kv_engine_close(e);
	kv_free(KV_MEM_OTHER, val, big);
	kv_free(KV_MEM_OTHER, key, kmax + 1);
}

static void test_sizes(void **state)
{
	(void)state;
	for_each_config(sizes_case);
}

/* Scan [lo, hi) and compare with the expected keys ("k1,k2,..."). */
static void want_scan(struct kv_engine *e, const char *lo, const char *hi, const char *want)
{
	struct kv_iter *it;
	char got[1024] = "";
	size_t n = 0;

	assert_int_equal(kv_engine_scan(e, lo ? S(lo) : kv_slice_make(NULL, 0),
					hi ? S(hi) : kv_slice_make(NULL, 0), &it),
			 KV_OK);
	for (; kv_iter_valid(it); kv_iter_next(it)) {
		struct kv_slice k = kv_iter_key(it);
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%.*s", n ? "," : "",
				      (int)k.len, k.data);
	}
	assert_int_equal(kv_iter_status(it), KV_OK);
	kv_iter_close(it);
	if (strcmp(got, want) != 0)
		fail_msg("scan [%s, %s): got '%s', want '%s'", lo ? lo : "-inf",
			 hi ? hi : "+inf", got, want);
}

static void scan_case(struct th_env *env)
{
	struct kv_engine *e = th_open(env);
	const char *keys[] = { "b", "d", "f", "h", "j" };

	want_scan(e, NULL, NULL, "");
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < 5; i++)
			assert_int_equal(kv_engine_put(e, S(keys[i]), S("v")), KV_OK);
		assert_int_equal(kv_engine_delete(e, S("f")), KV_OK);
		want_scan(e, NULL, NULL, "b,d,h,j");
		want_scan(e, "c", "h", "d");
		want_scan(e, "d", "i", "d,h");
		want_scan(e, "a", "b", "");
		want_scan(e, "k", NULL, "");
		want_scan(e, NULL, "e", "b,d");
		want_scan(e, "h", "h", "");
		/* Same data from the memtable, from tables, after compaction,
		   after reopen. */
		if (round == 0)
			assert_int_equal(kv_engine_flush(e), KV_OK);
		if (round == 1)
			assert_int_equal(kv_engine_compact_all(e), KV_OK);
		if (round == 2) {
			kv_engine_close(e);
			e = th_open(env);
		}
	}
	/* A scan stays valid across writes that flush. */
	{
		struct kv_iter *it;
		char k[32];
		assert_int_equal(kv_engine_scan(e, kv_slice_make(NULL, 0), kv_slice_make(NULL, 0),
						&it),
				 KV_OK);
		assert_true(kv_iter_valid(it));
		for (int i = 0; i < 3000; i++) {
			snprintf(k, sizeof(k), "zz%05d", i);
			assert_int_equal(kv_engine_put(e, S(k), S("0123456789012345678901234567890")),
					 KV_OK);
		}
		assert_int_equal(kv_iter_key(it).data[0], 'b');
		kv_iter_next(it);
		assert_true(kv_iter_valid(it));
		assert_int_equal(kv_iter_key(it).data[0], 'd');
		kv_iter_close(it);
	}
	kv_engine_close(e);
}

static void test_scan(void **state)
{
	(void)state;
	for_each_config(scan_case);
}

static void reopen_case(struct th_env *env)
{
	struct kv_engine *e = th_open(env);
	char k[32], v[64];

	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key%06d", (i * 7919) % 5000);
		snprintf(v, sizeof(v), "value-%d-%d", i, i * 3);
		assert_int_equal(kv_engine_put(e, S(k), S(v)), KV_OK);
	}
	for (int i = 0; i < 5000; i += 3) {
		snprintf(k, sizeof(k), "key%06d", i);
		assert_int_equal(kv_engine_delete(e, S(k)), KV_OK);
	}
	for (int round = 0; round < 3; round++) {
		kv_engine_close(e);
		e = th_open(env);
		for (int i = 0; i < 5000; i++) {
			int j = (i * 7919) % 5000;
			snprintf(k, sizeof(k), "key%06d", j);
			snprintf(v, sizeof(v), "value-%d-%d", i, i * 3);
			want_value(e, k, j % 3 == 0 ? NULL : v);
		}
		assert_int_equal(kv_engine_check(e), KV_OK);
		if (round == 1)
			assert_int_equal(kv_engine_compact_all(e), KV_OK);
	}
	kv_engine_close(e);
}

static void test_reopen(void **state)
{
	(void)state;
	for_each_config(reopen_case);
}

static void stats_case(struct th_env *env)
{
	struct kv_engine *e = th_open(env);
	const struct kv_engine_stats *st;
	struct kv_dev_stats ds;

	assert_int_equal(kv_engine_put(e, S("abc"), S("12345")), KV_OK);
	assert_int_equal(kv_engine_delete(e, S("xy")), KV_OK);
	want_value(e, "abc", "12345");
	want_value(e, "zz", NULL);
	st = kv_engine_stats(e);
	assert_int_equal(st->ops[KV_OP_PUT], 1);
	assert_int_equal(st->ops[KV_OP_DELETE], 1);
	assert_int_equal(st->user_key_bytes_written, 5);
	assert_int_equal(st->user_value_bytes_written, 5);
	assert_int_equal(st->gets_found, 1);
	assert_int_equal(st->gets_notfound, 1);
	assert_int_equal(st->lat_ns[KV_OP_PUT].count, 1);
	assert_int_equal(kv_engine_flush(e), KV_OK);
	kv_dev_get_stats(env->dev, &ds);
	assert_true(kv_io_bytes_written(&ds, true) >= 10);
	assert_true(ds.live_bytes > 0 && ds.peak_live_bytes >= ds.live_bytes);
	kv_engine_close(e);
}

static void test_stats(void **state)
{
	(void)state;
	for_each_config(stats_case);
}

/* ---- the model-based randomized test ---- */

#define KEYSPACE 3000

static size_t make_key(struct kv_rng *r, char *buf)
{
	uint64_t id = kv_rng_below(r, KEYSPACE);
	/* 1..64 bytes, a deterministic function of the id. */
	size_t len = 1 + (size_t)((id * 2654435761u) % 64);
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)("abcdefghijklmnopqrstuvwxyz0123456789"[(id >> (i % 12)) % 36] ^
				(i == 0 ? 0 : (char)(id % 7)));
	buf[0] = (char)('A' + id % 26);
	memcpy(buf + (len > 4 ? len - 4 : 0), &id, len > 4 ? 4 : 0);
	return len;
}

static size_t value_len(struct kv_rng *r)
{
	uint64_t p = kv_rng_below(r, 100);
	if (p < 70)
		return (size_t)kv_rng_below(r, 101);
	if (p < 95)
		return 100 + (size_t)kv_rng_below(r, 901);
	return 1000 + (size_t)kv_rng_below(r, 3097);
}

static void compare_all(struct kv_engine *e, const struct tu_refmap *ref, uint64_t op)
{
	struct kv_iter *it;
	struct tu_refmap_cursor cur;
	size_t n = 0;

	assert_int_equal(kv_engine_scan(e, kv_slice_make(NULL, 0), kv_slice_make(NULL, 0), &it),
			 KV_OK);
	tu_refmap_seek(ref, kv_slice_make(NULL, 0), &cur);
	for (; kv_iter_valid(it); kv_iter_next(it), tu_refmap_cursor_next(&cur), n++) {
		if (!tu_refmap_cursor_valid(&cur))
			fail_msg("op %" PRIu64 ": scan returns extra key", op);
		if (!kv_slice_eq(kv_iter_key(it), tu_refmap_cursor_key(&cur)))
			fail_msg("op %" PRIu64 ": scan key #%zu differs", op, n);
		if (!kv_slice_eq(kv_iter_value(it), tu_refmap_cursor_value(&cur)))
			fail_msg("op %" PRIu64 ": scan value #%zu differs", op, n);
	}
	if (kv_iter_status(it) != KV_OK)
		fail_msg("op %" PRIu64 ": scan failed: %s", op, kv_iter_errmsg(it));
	kv_iter_close(it);
	assert_false(tu_refmap_cursor_valid(&cur));
	assert_int_equal(n, tu_refmap_count(ref));
}

static void random_case(struct th_env *env)
{
	bool primary = env->cfg->primary;
	uint64_t nops = tu_slow() ? (primary ? 1000000 : 300000) : (primary ? 100000 : 30000);
	uint64_t seed = tu_seed(0x5eed0001);
	struct tu_refmap *ref = tu_refmap_new();
	struct kv_engine *e = th_open(env);
	struct kv_rng rng;
	char key[64], *val = kv_malloc(KV_MEM_OTHER, 4096);
	uint64_t reopens = 0;

	kv_rng_seed(&rng, seed);
	print_message("    %" PRIu64 " ops\n", nops);
	for (uint64_t op = 0; op < nops; op++) {
		uint64_t p = kv_rng_below(&rng, 10000);
		size_t kl = make_key(&rng, key);
		struct kv_slice k = kv_slice_make(key, kl), v;
		if (p < 5000) {
			size_t vl = value_len(&rng);
			tu_rand_bytes(&rng, val, vl);
			if (kv_engine_put(e, k, kv_slice_make(val, vl)) != KV_OK)
				fail_msg("op %" PRIu64 ": put: %s", op, kv_engine_errmsg(e));
			tu_refmap_put(ref, k, kv_slice_make(val, vl));
		} else if (p < 6500) {
			if (kv_engine_delete(e, k) != KV_OK)
				fail_msg("op %" PRIu64 ": delete: %s", op, kv_engine_errmsg(e));
			tu_refmap_del(ref, k);
		} else if (p < 9400) {
			struct kv_slice want;
			bool present = tu_refmap_get(ref, k, &want);
			int r = kv_engine_get(e, k, &v);
			if (r != (present ? KV_OK : KV_NOTFOUND))
				fail_msg("op %" PRIu64 ": get returned %d, model says %s (%s)", op, r,
					 present ? "present" : "absent", kv_engine_errmsg(e));
			if (present && !kv_slice_eq(v, want))
				fail_msg("op %" PRIu64 ": get returned a wrong value", op);
		} else if (p < 9990) {
			/* A short scan from k, compared entry by entry. */
			struct kv_iter *it;
			struct tu_refmap_cursor cur;
			int n = 1 + (int)kv_rng_below(&rng, 20);
			assert_int_equal(kv_engine_scan(e, k, kv_slice_make(NULL, 0), &it), KV_OK);
			tu_refmap_seek(ref, k, &cur);
			for (int i = 0; i < n && tu_refmap_cursor_valid(&cur);
			     i++, tu_refmap_cursor_next(&cur), kv_iter_next(it)) {
				if (!kv_iter_valid(it))
					fail_msg("op %" PRIu64 ": scan ended early (%s)", op,
						 kv_iter_errmsg(it));
				if (!kv_slice_eq(kv_iter_key(it), tu_refmap_cursor_key(&cur)) ||
				    !kv_slice_eq(kv_iter_value(it), tu_refmap_cursor_value(&cur)))
					fail_msg("op %" PRIu64 ": scan entry %d differs", op, i);
			}
			kv_iter_close(it);
		} else if (p < 9996) {
			kv_engine_close(e);
			e = th_open(env);
			reopens++;
		} else if (p < 9999) {
			assert_int_equal(kv_engine_flush(e), KV_OK);
		} else {
			assert_int_equal(kv_engine_compact_all(e), KV_OK);
		}
		if (op % 20000 == 19999) {
			compare_all(e, ref, op);
			assert_int_equal(kv_engine_check(e), KV_OK);
		}
	}
	compare_all(e, ref, nops);
	kv_engine_close(e);
	e = th_open(env);
	compare_all(e, ref, nops);
	assert_int_equal(kv_engine_check(e), KV_OK);
	print_message("    %" PRIu64 " reopens, %zu live keys\n", reopens, tu_refmap_count(ref));
	kv_engine_close(e);
	tu_refmap_free(ref);
	kv_free(KV_MEM_OTHER, val, 4096);
}

static void test_random_model(void **state)
{
	(void)state;
	for_each_config(random_case);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_random_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
