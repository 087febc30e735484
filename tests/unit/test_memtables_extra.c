/*
 * tests/unit/test_memtables_extra.c - what is specific to the rbtree, hash
 * and vector memtable kinds, beyond the contract suite: option validation
 * and auto sizing, hash rehash/growth, vector dedup of many versions and
 * its two get modes, red-black invariants after random and sequential
 * inserts, snapshot iterators (hash, vector) not seeing later puts and
 * being reused until a put, rbtree iteration while puts continue, and key
 * and value limits.
 */
#include "tests/testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/memtable/hash.h"
#include "core/memtable/memtable.h"
#include "core/memtable/rbtree.h"
#include "core/memtable/vector.h"
#include "core/options.h"
#include "core/rng.h"
#include "tests/unit/memtable_rig.h"

static struct kv_memtable *open_ok(const struct kv_memtable_ops *ops, const char *const *kv)
{
	struct kv_err err;
	int rc;
	struct kv_memtable *mt = mtr_open_cfg(ops, kv, &err, &rc);

	if (rc != KV_OK)
		fail_msg("create %s: %s", ops->name, kv_err_msg(&err));
	return mt;
}

static void expect_bad(const struct kv_memtable_ops *ops, const char *const *kv,
		       const char *needle)
{
	struct kv_err err;
	int rc;
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mtr_open_cfg(ops, kv, &err, &rc);

	assert_int_equal(rc, KV_EINVAL);
	assert_null(mt);
	if (!strstr(kv_err_msg(&err), needle))
		fail_msg("%s: message '%s' does not name '%s'", ops->name, kv_err_msg(&err),
			 needle);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static int put(struct kv_memtable *mt, struct kv_slice k, struct kv_slice v, uint64_t seq,
	       enum kv_kind kind)
{
	struct kv_entry_meta m = { .seq = seq, .ts_ns = seq * 3, .kind = kind };

	return kv_memtable_put(mt, k, v, &m);
}

static void assert_slice_eq(struct kv_slice a, struct kv_slice b)
{
	assert_int_equal(a.len, b.len);
	if (a.len)
		assert_memory_equal(a.data, b.data, a.len);
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(kv_memtable_find("rbtree"), &kv_rbtree_memtable_ops);
	assert_ptr_equal(kv_memtable_find("hash"), &kv_hash_memtable_ops);
	assert_ptr_equal(kv_memtable_find("vector"), &kv_vector_memtable_ops);
	/* Every kind takes arena_block_size (the engine sizes it). */
	assert_non_null(kv_option_find(kv_rbtree_memtable_ops.options, "arena_block_size"));
	assert_non_null(kv_option_find(kv_hash_memtable_ops.options, "arena_block_size"));
	assert_non_null(kv_option_find(kv_vector_memtable_ops.options, "arena_block_size"));
	assert_non_null(kv_option_find(kv_hash_memtable_ops.options, "hash_buckets"));
	assert_non_null(kv_option_find(kv_vector_memtable_ops.options, "vector_get"));
}

static void test_bad_options(void **state)
{
	static const char *const small_arena[] = { "arena_block_size", "1KiB", NULL };
	static const char *const neg_buckets[] = { "hash_buckets", "-1", NULL };
	static const char *const huge_buckets[] = { "hash_buckets", "1e12", NULL };
	static const char *const bad_wbs[] = { "write_buffer_size", "lots", NULL };
	static const char *const bad_get[] = { "vector_get", "binary", NULL };
	static const char *const neg_reserve[] = { "vector_reserve", "-5", NULL };
	(void)state;

	expect_bad(&kv_rbtree_memtable_ops, small_arena, "arena_block_size");
	expect_bad(&kv_hash_memtable_ops, small_arena, "arena_block_size");
	expect_bad(&kv_vector_memtable_ops, small_arena, "arena_block_size");
	expect_bad(&kv_hash_memtable_ops, neg_buckets, "hash_buckets");
	expect_bad(&kv_hash_memtable_ops, huge_buckets, "hash_buckets");
	expect_bad(&kv_hash_memtable_ops, bad_wbs, "write_buffer_size");
	expect_bad(&kv_vector_memtable_ops, bad_wbs, "write_buffer_size");
	expect_bad(&kv_vector_memtable_ops, bad_get, "vector_get");
	expect_bad(&kv_vector_memtable_ops, neg_reserve, "vector_reserve");
}

static void test_auto_sizing(void **state)
{
	static const char *const wbs4[] = { "write_buffer_size", "4MiB", NULL };
	static const char *const tiny[] = { "write_buffer_size", "4096", NULL };
	static const char *const b1000[] = { "hash_buckets", "1000", "write_buffer_size",
					     "lots-but-unused", NULL };
	static const char *const r10[] = { "vector_reserve", "10", NULL };
	struct kv_hash_stats hs;
	struct kv_vector_stats vs;
	struct kv_memtable *mt;
	(void)state;

	mt = open_ok(&kv_hash_memtable_ops, wbs4);
	kv_hash_stats(mt, &hs);
	assert_int_equal(hs.buckets, 16384); /* 4 MiB / 256 */
	kv_memtable_destroy(mt);
	mt = open_ok(&kv_hash_memtable_ops, tiny);
	kv_hash_stats(mt, &hs);
	assert_int_equal(hs.buckets, 1024); /* the minimum */
	kv_memtable_destroy(mt);
	mt = open_ok(&kv_hash_memtable_ops, NULL);
	kv_hash_stats(mt, &hs);
	assert_int_equal(hs.buckets, 262144); /* the engine's default 64 MiB */
	kv_memtable_destroy(mt);
	mt = open_ok(&kv_hash_memtable_ops, b1000);
	kv_hash_stats(mt, &hs);
	assert_int_equal(hs.buckets, 1024); /* rounded up to a power of two */
	kv_memtable_destroy(mt);

	mt = open_ok(&kv_vector_memtable_ops, wbs4);
	kv_vector_stats(mt, &vs);
	assert_int_equal(vs.array_slots, 16384);
	assert_true(vs.index_slots * 3 >= vs.array_slots * 4);
	kv_memtable_destroy(mt);
	mt = open_ok(&kv_vector_memtable_ops, r10);
	kv_vector_stats(mt, &vs);
	assert_int_equal(vs.array_slots, 10);
	kv_memtable_destroy(mt);
}

static void test_hash_rehash(void **state)
{
	static const char *const one[] = { "hash_buckets", "1", NULL };
	enum { N = 20000 };
	struct kv_memtable *mt = open_ok(&kv_hash_memtable_ops, one);
	struct kv_hash_stats st;
	size_t prev = kv_memtable_bytes(mt);
	char key[32];
	struct kv_slice v;
	struct kv_entry_meta m;
	(void)state;

	kv_hash_stats(mt, &st);
	assert_int_equal(st.buckets, 1);
	for (int i = 0; i < N; i++) {
		int klen = snprintf(key, sizeof(key), "key-%d", i);

		struct kv_slice ks = kv_slice_make(key, (size_t)klen);

		assert_int_equal(put(mt, ks, ks, (uint64_t)i + 1, KV_KIND_PUT), KV_OK);
		assert_true(kv_memtable_bytes(mt) >= prev);
		prev = kv_memtable_bytes(mt);
		if ((i & (i + 1)) == 0 || (i & (i - 1)) == 0 || i % 997 == 0 || i == N - 1) {
			/* around every power of two: just before and after a rehash */
			kv_hash_stats(mt, &st);
			assert_true(st.entries <= st.buckets);
			assert_true(kv_hash_verify(mt));
		}
	}
	kv_hash_stats(mt, &st);
	assert_int_equal(st.buckets, 32768);
	assert_int_equal(st.rehashes, 15);
	printf("hash: %zu entries, %zu buckets, %zu used, longest chain %zu\n", st.entries,
	       st.buckets, st.used_buckets, st.longest_chain);
	assert_true(st.longest_chain < 12);
	for (int i = 0; i < N; i++) {
		int klen = snprintf(key, sizeof(key), "key-%d", i);

		assert_int_equal(kv_memtable_get(mt, kv_slice_make(key, (size_t)klen), &v, &m),
				 KV_OK);
		assert_slice_eq(v, kv_slice_make(key, (size_t)klen));
		assert_int_equal(m.seq, (uint64_t)i + 1);
	}
	/* A failed rehash fails the put and leaves the table as it was. */
	{
		static const char *const four[] = { "hash_buckets", "4", NULL };
		struct kv_memtable *mt2 = open_ok(&kv_hash_memtable_ops, four);

		for (int i = 0; i < 4; i++) {
			key[0] = (char)('a' + i);
			assert_int_equal(put(mt2, kv_slice_make(key, 1), kv_slice_make(NULL, 0),
					     (uint64_t)i + 1, KV_KIND_PUT),
					 KV_OK);
		}
		kv_alloc_fail_nth(1);
		assert_int_equal(put(mt2, kv_slice_str("e"), kv_slice_make(NULL, 0), 5,
				     KV_KIND_PUT),
				 KV_ENOMEM);
		kv_alloc_fail_nth(0);
		assert_int_equal(kv_memtable_count(mt2), 4);
		assert_int_equal(kv_memtable_get(mt2, kv_slice_str("e"), &v, &m), KV_NOTFOUND);
		assert_true(kv_hash_verify(mt2));
		assert_int_equal(put(mt2, kv_slice_str("e"), kv_slice_make(NULL, 0), 5,
				     KV_KIND_PUT),
				 KV_OK);
		kv_hash_stats(mt2, &st);
		assert_int_equal(st.buckets, 8);
		kv_memtable_destroy(mt2);
	}
	kv_memtable_destroy(mt);
}

/* Many versions of few keys: gets and iteration show only the newest. */
static void test_vector_versions(void **state)
{
	static const char *const scan[] = { "vector_get", "scan", "vector_reserve", "1", NULL };
	static const char *const index[] = { "vector_get", "index", "vector_reserve", "1", NULL };
	enum { KEYS = 50, OPS = 20000 };
	struct kv_memtable *a = open_ok(&kv_vector_memtable_ops, scan);
	struct kv_memtable *b = open_ok(&kv_vector_memtable_ops, index);
	uint64_t newest_seq[KEYS] = { 0 };
	int newest_kind[KEYS] = { 0 };
	struct kv_vector_stats st;
	struct kv_iter *it;
	struct kv_rng r;
	char key[16], val[64];
	int k;
	(void)state;

	kv_rng_seed(&r, tu_seed(77));
	for (uint64_t seq = 1; seq <= OPS; seq++) {
		int klen, vlen;
		enum kv_kind kind;

		k = (int)kv_rng_below(&r, KEYS);
		kind = kv_rng_below(&r, 5) == 0 ? KV_KIND_DELETE : KV_KIND_PUT;
		klen = snprintf(key, sizeof(key), "k%02d", k);
		vlen = kind == KV_KIND_PUT ? snprintf(val, sizeof(val), "v%" PRIu64, seq) : 0;
		assert_int_equal(put(a, kv_slice_make(key, (size_t)klen),
				     kv_slice_make(val, (size_t)vlen), seq, kind),
				 KV_OK);
		assert_int_equal(put(b, kv_slice_make(key, (size_t)klen),
				     kv_slice_make(val, (size_t)vlen), seq, kind),
				 KV_OK);
		/* An older seq for the same key is ignored. */
		assert_int_equal(put(a, kv_slice_make(key, (size_t)klen), kv_slice_str("stale"),
				     seq - 1, KV_KIND_PUT),
				 KV_OK);
		newest_seq[k] = seq;
		newest_kind[k] = (int)kind;
		if (seq % 4096 == 0) {
			assert_true(kv_vector_verify(a));
			assert_true(kv_vector_verify(b));
		}
	}
	assert_true(kv_vector_verify(a));
	kv_vector_stats(a, &st);
	assert_int_equal(st.versions, OPS);
	assert_int_equal(st.keys, KEYS);
	assert_true(st.garbage_bytes > 0);
	assert_int_equal(kv_memtable_count(a), KEYS);
	assert_int_equal(kv_memtable_count(b), KEYS);
	for (k = 0; k < KEYS; k++) {
		struct kv_slice va, vb;
		struct kv_entry_meta ma, mb;
		int klen = snprintf(key, sizeof(key), "k%02d", k);

		assert_int_equal(kv_memtable_get(a, kv_slice_make(key, (size_t)klen), &va, &ma),
				 KV_OK);
		assert_int_equal(kv_memtable_get(b, kv_slice_make(key, (size_t)klen), &vb, &mb),
				 KV_OK);
		assert_int_equal(ma.seq, newest_seq[k]);
		assert_int_equal((int)ma.kind, newest_kind[k]);
		assert_int_equal(mb.seq, newest_seq[k]);
		assert_slice_eq(va, vb);
	}
	assert_int_equal(kv_memtable_get(a, kv_slice_str("k99"), NULL, NULL), KV_NOTFOUND);
	assert_int_equal(kv_memtable_get(b, kv_slice_str("k99"), NULL, NULL), KV_NOTFOUND);

	it = kv_memtable_iter(a);
	assert_non_null(it);
	k = 0;
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it), k++) {
		struct kv_entry_meta m;
		int klen = snprintf(key, sizeof(key), "k%02d", k);

		assert_slice_eq(kv_iter_key(it), kv_slice_make(key, (size_t)klen));
		kv_iter_meta(it, &m);
		assert_int_equal(m.seq, newest_seq[k]);
	}
	assert_int_equal(k, KEYS);
	kv_iter_close(it);
	kv_memtable_destroy(a);
	kv_memtable_destroy(b);
}

static void rb_expect_balanced(struct kv_memtable *mt)
{
	struct kv_rbtree_stats st;
	double p = 1.0, n1;

	assert_true(kv_rbtree_verify(mt));
	kv_rbtree_stats(mt, &st);
	n1 = (double)st.entries + 1.0;
	/* height <= 2 log2(n + 1)  <=>  2^height <= (n + 1)^2 */
	for (size_t i = 0; i < st.height; i++)
		p *= 2.0;
	assert_true(p <= n1 * n1);
}

static void test_rbtree_invariants(void **state)
{
	enum { N = 30000 };
	struct kv_memtable *mt = open_ok(&kv_rbtree_memtable_ops, NULL);
	struct kv_rbtree_stats st;
	struct kv_rng r;
	char key[16], val[300];
	(void)state;

	kv_rng_seed(&r, tu_seed(91));
	/* Random keys with overwrites that grow (relocate) and shrink (in place). */
	for (uint64_t seq = 1; seq <= N; seq++) {
		size_t klen = 1 + (size_t)kv_rng_below(&r, 4);
		size_t vlen = (size_t)kv_rng_below(&r, sizeof(val));

		kv_rng_fill(&r, key, klen);
		kv_rng_fill(&r, val, vlen);
		assert_int_equal(put(mt, kv_slice_make(key, klen), kv_slice_make(val, vlen), seq,
				     KV_KIND_PUT),
				 KV_OK);
		if (seq % 1000 == 0 || seq < 64)
			rb_expect_balanced(mt);
	}
	rb_expect_balanced(mt);
	kv_rbtree_stats(mt, &st);
	printf("rbtree random: %zu entries, height %zu, black height %zu, %zu red, %zu "
	       "rotations, %zu garbage bytes\n",
	       st.entries, st.height, st.black_height, st.red_nodes, st.rotations,
	       st.garbage_bytes);
	assert_true(st.garbage_bytes > 0);
	kv_memtable_destroy(mt);

	/* Ascending and descending inserts: the degenerate cases of a plain BST. */
	for (int dir = 0; dir < 2; dir++) {
		mt = open_ok(&kv_rbtree_memtable_ops, NULL);
		for (uint32_t i = 0; i < N; i++) {
			uint32_t x = dir ? N - i : i;
			char be[4] = { (char)(x >> 24), (char)(x >> 16), (char)(x >> 8), (char)x };

			assert_int_equal(put(mt, kv_slice_make(be, 4), kv_slice_make(NULL, 0),
					     (uint64_t)i + 1, KV_KIND_PUT),
					 KV_OK);
		}
		rb_expect_balanced(mt);
		kv_rbtree_stats(mt, &st);
		printf("rbtree %s: height %zu for %zu entries\n", dir ? "descending" : "ascending",
		       st.height, st.entries);
		kv_memtable_destroy(mt);
	}
}

/* hash, vector: an iterator shows the table as of its creation. */
static void test_snapshot_isolation(void **state)
{
	const struct kv_memtable_ops *kinds[] = { &kv_hash_memtable_ops,
						  &kv_vector_memtable_ops };
	(void)state;

	for (size_t kidx = 0; kidx < 2; kidx++) {
		const struct kv_memtable_ops *ops = kinds[kidx];
		struct kv_memtable *mt = open_ok(ops, NULL);
		struct kv_iter *it1, *it2, *it3;
		struct kv_entry_meta m;
		uint64_t seq = 1;
		char key[16];
		int n;

		for (int i = 0; i < 100; i += 2) {
			int klen = snprintf(key, sizeof(key), "k%03d", i);

			assert_int_equal(put(mt, kv_slice_make(key, (size_t)klen),
					     kv_slice_str("old-value"), seq++, KV_KIND_PUT),
					 KV_OK);
		}
		it1 = kv_memtable_iter(mt);
		it2 = kv_memtable_iter(mt); /* no put between: shares the sorted array */
		assert_non_null(it1);
		assert_non_null(it2);
		/* New keys (odd), a same-size overwrite, a tombstone. */
		for (int i = 1; i < 100; i += 2) {
			int klen = snprintf(key, sizeof(key), "k%03d", i);

			assert_int_equal(put(mt, kv_slice_make(key, (size_t)klen),
					     kv_slice_str("new"), seq++, KV_KIND_PUT),
					 KV_OK);
		}
		assert_int_equal(put(mt, kv_slice_str("k010"), kv_slice_str("NEW-VALUE"), seq++,
				     KV_KIND_PUT),
				 KV_OK);
		assert_int_equal(put(mt, kv_slice_str("k012"), kv_slice_make(NULL, 0), seq++,
				     KV_KIND_DELETE),
				 KV_OK);
		for (int pass = 0; pass < 2; pass++) {
			struct kv_iter *it = pass ? it2 : it1;

			n = 0;
			for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it), n += 2) {
				int klen = snprintf(key, sizeof(key), "k%03d", n);

				assert_slice_eq(kv_iter_key(it), kv_slice_make(key, (size_t)klen));
				assert_slice_eq(kv_iter_value(it), kv_slice_str("old-value"));
				kv_iter_meta(it, &m);
				assert_int_equal(m.kind, KV_KIND_PUT);
				assert_true(m.seq <= 50);
			}
			assert_int_equal(n, 100);
		}
		kv_iter_seek(it1, kv_slice_str("k011"));
		assert_slice_eq(kv_iter_key(it1), kv_slice_str("k012"));
		it3 = kv_memtable_iter(mt);
		assert_non_null(it3);
		n = 0;
		for (kv_iter_seek_first(it3); kv_iter_valid(it3); kv_iter_next(it3))
			n++;
		assert_int_equal(n, 100);
		kv_iter_seek(it3, kv_slice_str("k010"));
		assert_slice_eq(kv_iter_value(it3), kv_slice_str("NEW-VALUE"));
		kv_iter_next(it3);
		kv_iter_next(it3);
		kv_iter_meta(it3, &m);
		assert_int_equal(m.kind, KV_KIND_DELETE);
		kv_iter_close(it1);
		kv_iter_close(it2);
		kv_iter_close(it3);
		/* Still the view of it3 (and the gets) after the old ones closed. */
		assert_int_equal(kv_memtable_get(mt, kv_slice_str("k010"), NULL, &m), KV_OK);
		assert_int_equal(m.seq, seq - 2);
		kv_memtable_destroy(mt);
	}
}

/* Repeated scans without puts sort once (the cached snapshot). */
static void test_snapshot_cache(void **state)
{
	struct kv_memtable *h = open_ok(&kv_hash_memtable_ops, NULL);
	struct kv_memtable *v = open_ok(&kv_vector_memtable_ops, NULL);
	struct kv_hash_stats hs;
	struct kv_vector_stats vs;
	size_t prev_h, prev_v;
	(void)state;

	for (uint64_t i = 0; i < 1000; i++) {
		char key[16];
		int klen = snprintf(key, sizeof(key), "%06" PRIu64, i * 7919 % 1000);

		assert_int_equal(put(h, kv_slice_make(key, (size_t)klen), kv_slice_str("x"), i + 1,
				     KV_KIND_PUT),
				 KV_OK);
		assert_int_equal(put(v, kv_slice_make(key, (size_t)klen), kv_slice_str("x"), i + 1,
				     KV_KIND_PUT),
				 KV_OK);
	}
	for (int i = 0; i < 10; i++) {
		kv_iter_close(kv_memtable_iter(h));
		kv_iter_close(kv_memtable_iter(v));
	}
	kv_hash_stats(h, &hs);
	kv_vector_stats(v, &vs);
	assert_int_equal(hs.snapshot_builds, 1);
	assert_int_equal(vs.snapshot_builds, 1);
	prev_h = kv_memtable_bytes(h);
	prev_v = kv_memtable_bytes(v);
	assert_int_equal(put(h, kv_slice_str("zz"), kv_slice_str("y"), 5000, KV_KIND_PUT), KV_OK);
	assert_int_equal(put(v, kv_slice_str("zz"), kv_slice_str("y"), 5000, KV_KIND_PUT), KV_OK);
	assert_true(kv_memtable_bytes(h) >= prev_h);
	assert_true(kv_memtable_bytes(v) >= prev_v);
	kv_iter_close(kv_memtable_iter(h));
	kv_iter_close(kv_memtable_iter(v));
	kv_hash_stats(h, &hs);
	kv_vector_stats(v, &vs);
	assert_int_equal(hs.snapshot_builds, 2);
	assert_int_equal(vs.snapshot_builds, 2);
	kv_memtable_destroy(h);
	kv_memtable_destroy(v);
}

/* rbtree: puts during iteration, ahead of and behind the position. */
static void test_rbtree_iterate_while_putting(void **state)
{
	struct kv_memtable *mt = open_ok(&kv_rbtree_memtable_ops, NULL);
	struct kv_iter *it;
	struct kv_rng r;
	uint64_t seq = 1;
	char key[16], last[16];
	size_t last_len = 0, seen = 0;
	bool have_last = false;
	(void)state;

	kv_rng_seed(&r, tu_seed(5));
	for (int i = 0; i < 1000; i += 10) {
		int klen = snprintf(key, sizeof(key), "%05d", i);

		assert_int_equal(put(mt, kv_slice_make(key, (size_t)klen), kv_slice_str("v"), seq++,
				     KV_KIND_PUT),
				 KV_OK);
	}
	it = kv_memtable_iter(mt);
	assert_non_null(it);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it)) {
		struct kv_slice k = kv_iter_key(it);
		int cur = 0, ahead, behind, klen;

		if (have_last)
			assert_true(kv_slice_cmp(kv_slice_make(last, last_len), k) < 0);
		memcpy(last, k.data, k.len);
		last_len = k.len;
		have_last = true;
		seen++;
		for (size_t i = 0; i < k.len; i++)
			cur = cur * 10 + (k.data[i] - '0');
		/* One key just ahead (must be seen), one behind (must not). */
		ahead = cur + 1 + (int)kv_rng_below(&r, 3);
		behind = cur > 0 ? (int)kv_rng_below(&r, (uint64_t)cur) : 0;
		if (ahead < 1000 && ahead % 10 != 0 && ahead % 10 < 4) {
			klen = snprintf(key, sizeof(key), "%05d", ahead);
			assert_int_equal(put(mt, kv_slice_make(key, (size_t)klen),
					     kv_slice_str("ahead"), seq++, KV_KIND_PUT),
					 KV_OK);
		}
		klen = snprintf(key, sizeof(key), "%05d", behind);
		/* Grow the value of an existing key behind us: relocation. */
		if (behind % 10 == 0)
			assert_int_equal(put(mt, kv_slice_make(key, (size_t)klen),
					     kv_slice_str("a longer value than before"), seq++,
					     KV_KIND_PUT),
					 KV_OK);
		/* And grow the current one: the iterator stands on a replaced node. */
		assert_int_equal(put(mt, k, kv_slice_str("the current key, relocated now"),
				     seq++, KV_KIND_PUT),
				 KV_OK);
	}
	kv_iter_close(it);
	assert_true(kv_rbtree_verify(mt));
	/* Every key present at the end and >= the first is either seen or
	   was inserted behind the iterator: at least the 100 originals. */
	assert_true(seen >= 100);
	assert_int_equal(seen, kv_memtable_count(mt)); /* only keys ahead were added */
	printf("rbtree: iterated %zu of %zu keys while putting\n", seen, kv_memtable_count(mt));
	kv_memtable_destroy(mt);
}

static void test_limits(void **state)
{
	const struct kv_memtable_ops *kinds[] = { &kv_rbtree_memtable_ops, &kv_hash_memtable_ops,
						  &kv_vector_memtable_ops };
	size_t big = 65536;
	char *k = kv_calloc(KV_MEM_OTHER, big);
	(void)state;

	assert_non_null(k);
	for (size_t i = 0; i < 3; i++) {
		struct kv_memtable *mt = open_ok(kinds[i], NULL);
		struct kv_slice v;

		assert_int_equal(put(mt, kv_slice_make(k, big), kv_slice_str("v"), 1, KV_KIND_PUT),
				 KV_EINVAL);
		assert_int_equal(kv_memtable_count(mt), 0);
		assert_int_equal(put(mt, kv_slice_make(k, big - 1), kv_slice_str("v"), 2,
				     KV_KIND_PUT),
				 KV_OK);
		assert_int_equal(put(mt, kv_slice_make(NULL, 0), kv_slice_str("empty key"), 3,
				     KV_KIND_PUT),
				 KV_OK);
		assert_int_equal(kv_memtable_get(mt, kv_slice_make(k, big - 1), &v, NULL), KV_OK);
		assert_slice_eq(v, kv_slice_str("v"));
		assert_int_equal(kv_memtable_get(mt, kv_slice_make(NULL, 0), &v, NULL), KV_OK);
		assert_slice_eq(v, kv_slice_str("empty key"));
		assert_int_equal(kv_memtable_count(mt), 2);
		kv_memtable_destroy(mt);
	}
	kv_free(KV_MEM_OTHER, k, big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_auto_sizing),
		cmocka_unit_test(test_hash_rehash),
		cmocka_unit_test(test_vector_versions),
		cmocka_unit_test(test_rbtree_invariants),
		cmocka_unit_test(test_snapshot_isolation),
		cmocka_unit_test(test_snapshot_cache),
		cmocka_unit_test(test_rbtree_iterate_while_putting),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
