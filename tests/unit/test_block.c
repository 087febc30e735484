/*
 * tests/unit/test_block.c - the sorted block builder and cursor
 * (core/lsm/block.c): roundtrips of random keys with shared prefixes at
 * restart intervals 1, 2 and 16, seeks against a sorted reference, index
 * blocks (no metadata), long keys, the byte layout, and a fuzz of
 * malformed contents (byte flips, truncation) that must yield KV_ECORRUPT
 * or a well-formed answer, never a crash or out-of-bounds read (run it
 * under ASan: meson setup build-x -Db_sanitize=address,undefined).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/coding.h"
#include "core/lsm/block.h"
#include "core/rng.h"

static uint64_t seed;

struct ent {
	char *key;
	size_t key_len;
	char *val;
	size_t val_len;
	struct kv_entry_meta meta;
};

struct set {
	struct ent *e;
	size_t n;
};

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return kv_slice_cmp(kv_slice_make(x->key, x->key_len), kv_slice_make(y->key, y->key_len));
}

static struct kv_slice ent_key(const struct ent *e)
{
	return kv_slice_make(e->key, e->key_len);
}

/*
 * @n random entries, sorted and unique: keys share prefixes from a small
 * pool, lengths 0..max_key; values 0..max_val bytes.
 */
static struct set make_set(struct kv_rng *r, size_t n, size_t max_key, size_t max_val)
{
	static const char *prefixes[] = { "", "user", "user000", "user0001", "zz", "a" };
	struct set s;
	size_t out = 0;

	s.e = kv_calloc(KV_MEM_OTHER, n * sizeof(*s.e));
	assert_non_null(s.e);
	for (size_t i = 0; i < n; i++) {
		struct ent *e = &s.e[i];
		const char *pre = prefixes[kv_rng_below(r, 6)];
		size_t pl = strlen(pre) < max_key ? strlen(pre) : max_key;
		size_t extra = kv_rng_below(r, max_key - pl + 1);

		e->key_len = pl + extra;
		e->key = kv_malloc(KV_MEM_OTHER, e->key_len + 1);
		assert_non_null(e->key);
		memcpy(e->key, pre, pl);
		for (size_t j = 0; j < extra; j++)
			e->key[pl + j] = kv_rng_below(r, 4) ? (char)('0' + kv_rng_below(r, 4))
							    : (char)kv_rng_below(r, 256);
		e->val_len = kv_rng_below(r, max_val + 1);
		e->val = kv_malloc(KV_MEM_OTHER, e->val_len + 1);
		assert_non_null(e->val);
		tu_rand_bytes(r, e->val, e->val_len);
		e->meta.seq = kv_rng_next(r) & KV_BLOCK_MAX_SEQ;
		e->meta.ts_ns = kv_rng_below(r, 8) ? kv_rng_next(r) >> 2 : kv_rng_below(r, 5000);
		e->meta.kind = kv_rng_below(r, 5) ? KV_KIND_PUT : KV_KIND_DELETE;
	}
	qsort(s.e, n, sizeof(*s.e), ent_cmp);
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && ent_cmp(&s.e[out - 1], &s.e[i]) == 0) {
			kv_free(KV_MEM_OTHER, s.e[i].key, s.e[i].key_len + 1);
			kv_free(KV_MEM_OTHER, s.e[i].val, s.e[i].val_len + 1);
			continue;
		}
		s.e[out++] = s.e[i];
	}
	s.n = out;
	return s;
}

static void free_set(struct set *s, size_t n_alloc)
{
	for (size_t i = 0; i < s->n; i++) {
		kv_free(KV_MEM_OTHER, s->e[i].key, s->e[i].key_len + 1);
		kv_free(KV_MEM_OTHER, s->e[i].val, s->e[i].val_len + 1);
	}
	kv_free(KV_MEM_OTHER, s->e, n_alloc * sizeof(*s->e));
}

/* Build a block of @s; returns a kv_malloc'd exact-size copy in *out. */
static size_t build(const struct set *s, uint32_t interval, bool has_meta, char **out)
{
	struct kv_block_builder b;
	struct kv_slice contents;
	size_t size;

	kv_block_builder_init(&b, interval, has_meta, KV_MEM_OTHER);
	for (size_t i = 0; i < s->n; i++) {
		const struct ent *e = &s->e[i];

		assert_int_equal(kv_block_builder_add(&b, ent_key(e),
						      kv_slice_make(e->val, e->val_len),
						      has_meta ? &e->meta : NULL),
				 KV_OK);
		assert_true(kv_slice_eq(kv_block_builder_last_key(&b), ent_key(e)));
	}
	size = kv_block_builder_size(&b);
	assert_int_equal(kv_block_builder_finish(&b, &contents), KV_OK);
	assert_int_equal(contents.len, size);
	*out = kv_malloc(KV_MEM_OTHER, size ? size : 1);
	assert_non_null(*out);
	memcpy(*out, contents.data, size);
	kv_block_builder_free(&b);
	return size;
}

static void check_entry(const struct kv_block_cursor *c, const struct ent *e, bool has_meta)
{
	assert_true(c->valid);
	assert_true(kv_slice_eq(kv_block_cursor_key(c), ent_key(e)));
	assert_true(kv_slice_eq(kv_block_cursor_value(c), kv_slice_make(e->val, e->val_len)));
	if (has_meta) {
		assert_int_equal(c->meta.seq, e->meta.seq);
		assert_int_equal(c->meta.kind, e->meta.kind);
		assert_int_equal(c->meta.ts_ns, e->meta.ts_ns / 1000 * 1000);
	} else {
		assert_int_equal(c->meta.seq, 0);
		assert_int_equal(c->meta.kind, KV_KIND_PUT);
	}
}

/* Index of the first entry >= key. */
static size_t lower_bound(const struct set *s, struct kv_slice key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (kv_slice_cmp(ent_key(&s->e[mid]), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Seek @key and compare with the reference; returns the expected index. */
static size_t check_seek(struct kv_block_cursor *c, const struct set *s, struct kv_slice key,
			 bool has_meta)
{
	size_t lb = lower_bound(s, key);

	assert_int_equal(kv_block_cursor_seek(c, key), KV_OK);
	if (lb == s->n)
		assert_false(c->valid);
	else
		check_entry(c, &s->e[lb], has_meta);
	return lb;
}

static void roundtrip(uint32_t interval, bool has_meta, size_t n, size_t max_key,
		      size_t max_val)
{
	struct kv_rng r;
	struct set s;
	struct kv_block blk;
	struct kv_block_cursor c;
	const char *what = NULL;
	size_t bad = 0, size, i;
	char *data;

	kv_rng_seed(&r, seed + interval * 7 + n);
	s = make_set(&r, n, max_key, max_val);
	size = build(&s, interval, has_meta, &data);
	assert_int_equal(kv_block_parse(&blk, data, size, has_meta, &what, &bad), KV_OK);
	assert_int_equal(blk.nrestarts, s.n ? (s.n + interval - 1) / interval : 0);

	kv_block_cursor_init(&c, KV_MEM_OTHER);
	kv_block_cursor_set(&c, &blk);
	/* full scan */
	assert_int_equal(kv_block_cursor_seek_first(&c), KV_OK);
	for (i = 0; i < s.n; i++) {
		check_entry(&c, &s.e[i], has_meta);
		assert_int_equal(kv_block_cursor_next(&c), KV_OK);
	}
	assert_false(c.valid);
	/* exact seeks */
	for (i = 0; i < s.n; i++) {
		assert_int_equal(kv_block_cursor_seek(&c, ent_key(&s.e[i])), KV_OK);
		check_entry(&c, &s.e[i], has_meta);
	}
	/* random probes against the reference */
	for (int k = 0; k < 2000; k++) {
		char probe[64];
		size_t pl = kv_rng_below(&r, 12);
		size_t lb;

		if (s.n && kv_rng_below(&r, 2)) {
			/* a neighbour of an existing key: truncated or extended */
			const struct ent *e = &s.e[kv_rng_below(&r, s.n)];

			pl = e->key_len < 40 ? e->key_len : 40;
			memcpy(probe, e->key, pl);
			if (kv_rng_below(&r, 2) && pl > 0)
				pl--;
			else
				probe[pl++] = (char)kv_rng_below(&r, 256);
		} else {
			for (size_t j = 0; j < pl; j++)
				probe[j] = (char)('0' + kv_rng_below(&r, 5));
		}
		lb = check_seek(&c, &s, kv_slice_make(probe, pl), has_meta);
		/* and keep scanning a little */
		for (size_t j = lb + 1; j < s.n && j < lb + 20; j++) {
			assert_int_equal(kv_block_cursor_next(&c), KV_OK);
			check_entry(&c, &s.e[j], has_meta);
		}
	}
	/* past the end, and the empty key */
	{
		char ff[84];

		memset(ff, 0xff, sizeof(ff));
		check_seek(&c, &s, kv_slice_make(ff, sizeof(ff)), has_meta);
		check_seek(&c, &s, kv_slice_make("", 0), has_meta);
	}
	kv_block_cursor_free(&c);
	kv_free(KV_MEM_OTHER, data, size ? size : 1);
	free_set(&s, n);
}

static void test_roundtrip_interval16(void **state)
{
	(void)state;
	roundtrip(16, true, 3000, 30, 60);
}

static void test_roundtrip_interval1(void **state)
{
	(void)state;
	roundtrip(1, true, 3000, 30, 60);
}

static void test_roundtrip_interval2_small(void **state)
{
	(void)state;
	for (size_t n = 0; n < 40; n++)
		roundtrip(2, true, n, 6, 4);
}

static void test_index_block_no_meta(void **state)
{
	(void)state;
	roundtrip(1, false, 2000, 20, 20);
	roundtrip(16, false, 2000, 20, 20);
}

static void test_long_keys(void **state)
{
	(void)state;
	/* keys past the cursor's inline buffer */
	roundtrip(16, true, 300, 1000, 10);
	roundtrip(1, true, 300, 1000, 10);
}

static void test_empty_block(void **state)
{
	struct kv_block_builder b;
	struct kv_slice contents;
	struct kv_block blk;
	struct kv_block_cursor c;
	const char *what;
	size_t bad;

	(void)state;
	kv_block_builder_init(&b, 16, true, KV_MEM_OTHER);
	assert_true(kv_block_builder_empty(&b));
	assert_int_equal(kv_block_builder_finish(&b, &contents), KV_OK);
	assert_int_equal(contents.len, 4);
	assert_int_equal(kv_get_u32(contents.data), 0);
	assert_int_equal(kv_block_parse(&blk, contents.data, contents.len, true, &what, &bad),
			 KV_OK);
	kv_block_cursor_init(&c, KV_MEM_OTHER);
	kv_block_cursor_set(&c, &blk);
	assert_int_equal(kv_block_cursor_seek_first(&c), KV_OK);
	assert_false(c.valid);
	assert_int_equal(kv_block_cursor_seek(&c, kv_slice_str("a")), KV_OK);
	assert_false(c.valid);
	kv_block_cursor_free(&c);
	/* reset and reuse */
	kv_block_builder_reset(&b);
	assert_int_equal(kv_block_builder_add(&b, kv_slice_str("k"), kv_slice_str("v"),
					      &(struct kv_entry_meta){ 1, 2000, KV_KIND_PUT }),
			 KV_OK);
	assert_false(kv_block_builder_empty(&b));
	kv_block_builder_free(&b);
}

/* The documented byte layout, checked on a two-entry block. */
static void test_layout(void **state)
{
	struct kv_block_builder b;
	struct kv_slice out;
	struct kv_entry_meta m1 = { 5, 3000999, KV_KIND_PUT }, m2 = { 9, 1000, KV_KIND_DELETE };
	const unsigned char expect[] = {
		0, 3, 2, 'a', 'b', 'c',                   /* shared, unshared, vlen, key */
		0x01, 0x05, 0, 0, 0, 0, 0, 0,             /* trailer 5 << 8 | 1 */
		0xb8, 0x17,                               /* ts 3000 us, absolute */
		'x', 'y',                                 /* value */
		2, 1, 0, 'd',                             /* "ab" shared, "d", empty value */
		0x00, 0x09, 0, 0, 0, 0, 0, 0,             /* trailer 9 << 8 | 0 */
		0xed, 0x2e,                               /* zigzag(1 - 3000) = 5997 */
		0, 0, 0, 0,                               /* restart[0] = 0 */
		1, 0, 0, 0,                               /* 1 restart */
	};

	(void)state;
	kv_block_builder_init(&b, 16, true, KV_MEM_OTHER);
	assert_int_equal(kv_block_builder_add(&b, kv_slice_str("abc"), kv_slice_str("xy"), &m1),
			 KV_OK);
	assert_int_equal(kv_block_builder_add(&b, kv_slice_str("abd"), kv_slice_str(""), &m2),
			 KV_OK);
	assert_int_equal(kv_block_builder_finish(&b, &out), KV_OK);
	assert_int_equal(out.len, sizeof(expect));
	assert_memory_equal(out.data, expect, sizeof(expect));
	kv_block_builder_free(&b);
}

/*
 * Walk a (possibly malformed) block the way the readers do. Every result
 * must be OK or KV_ECORRUPT, slices must lie inside the block, offsets
 * reported inside it.
 */
static void walk_malformed(const char *data, size_t size, const struct set *s,
			   struct kv_rng *r, size_t *ncorrupt, size_t *nok)
{
	struct kv_block blk;
	struct kv_block_cursor c;
	const char *what = NULL;
	size_t bad = 0, steps = 0;
	int rc;

	rc = kv_block_parse(&blk, data, size, true, &what, &bad);
	if (rc != KV_OK) {
		assert_int_equal(rc, KV_ECORRUPT);
		assert_non_null(what);
		assert_true(bad <= size);
		(*ncorrupt)++;
		return;
	}
	kv_block_cursor_init(&c, KV_MEM_OTHER);
	kv_block_cursor_set(&c, &blk);
	for (rc = kv_block_cursor_seek_first(&c); rc == KV_OK && c.valid;
	     rc = kv_block_cursor_next(&c)) {
		struct kv_slice v = kv_block_cursor_value(&c);

		assert_true(v.data >= data && v.data + v.len <= data + size);
		assert_true(c.meta.kind == KV_KIND_PUT || c.meta.kind == KV_KIND_DELETE);
		assert_true(++steps <= size);
	}
	for (int k = 0; k < 8 && rc == KV_OK; k++) {
		const struct ent *e = &s->e[kv_rng_below(r, s->n)];

		rc = kv_block_cursor_seek(&c, ent_key(e));
		if (rc == KV_OK && c.valid) {
			struct kv_slice v = kv_block_cursor_value(&c);

			assert_true(v.data >= data && v.data + v.len <= data + size);
		}
	}
	if (rc == KV_OK) {
		(*nok)++;
	} else {
		assert_int_equal(rc, KV_ECORRUPT);
		assert_non_null(c.what);
		assert_true(c.bad_off < size);
		(*ncorrupt)++;
	}
	kv_block_cursor_free(&c);
}

static void test_malformed_fuzz(void **state)
{
	struct kv_rng r;
	struct set s;
	char *data, *copy;
	size_t size, ncorrupt = 0, nok = 0;
	int rounds = tu_slow() ? 200000 : 20000;

	(void)state;
	kv_rng_seed(&r, seed ^ 0xf00d);
	s = make_set(&r, 60, 12, 20);
	size = build(&s, 4, true, &data);
	for (int i = 0; i < rounds; i++) {
		size_t len = size;
		int flips = 1 + (int)kv_rng_below(&r, 3);

		if (kv_rng_below(&r, 10) == 0)
			len = kv_rng_below(&r, size + 1); /* truncated */
		copy = kv_malloc(KV_MEM_OTHER, len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, data, len);
		for (int f = 0; f < flips && len > 0; f++) {
			size_t at = kv_rng_below(&r, len);

			if (kv_rng_below(&r, 2))
				copy[at] ^= (char)(1u << kv_rng_below(&r, 8));
			else
				copy[at] = (char)kv_rng_below(&r, 256);
		}
		walk_malformed(copy, len, &s, &r, &ncorrupt, &nok);
		kv_free(KV_MEM_OTHER, copy, len ? len : 1);
	}
	fprintf(stderr, "fuzz: %d rounds, %zu corrupt, %zu decoded\n", rounds, ncorrupt, nok);
	assert_true(ncorrupt > 0);
	assert_true(nok > 0);
	kv_free(KV_MEM_OTHER, data, size);
	free_set(&s, 60);
}

/* Hand-made malformed blocks hit each check. */
static void test_malformed_cases(void **state)
{
	struct kv_block blk;
	struct kv_block_cursor c;
	const char *what;
	size_t bad;
	/* restart count too large */
	const char big[] = { 0, 0, 0, 0, 9, 0, 0, 0 };
	/* entries but no restarts */
	const char norestart[] = { 0, 1, 0, 'a', 0, 0, 0, 0 };
	/* restart[0] != 0 */
	const char r0[] = { 0, 1, 0, 'a', 1, 0, 0, 0, 1, 0, 0, 0 };
	/* shared prefix at a restart point */
	const char shared[] = { 1, 1, 0, 'a', 0, 0, 0, 0, 1, 0, 0, 0 };
	/* key runs past the entries */
	const char longkey[] = { 0, 9, 0, 'a', 0, 0, 0, 0, 1, 0, 0, 0 };
	/* bad kind in trailer */
	const char kind[] = { 0, 1, 0, 'a', 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 };

	(void)state;
	assert_int_equal(kv_block_parse(&blk, big, sizeof(big), true, &what, &bad), KV_ECORRUPT);
	assert_int_equal(kv_block_parse(&blk, big, 3, true, &what, &bad), KV_ECORRUPT);
	assert_int_equal(kv_block_parse(&blk, norestart, sizeof(norestart), true, &what, &bad),
			 KV_ECORRUPT);
	assert_int_equal(kv_block_parse(&blk, r0, sizeof(r0), true, &what, &bad), KV_ECORRUPT);

	kv_block_cursor_init(&c, KV_MEM_OTHER);
	assert_int_equal(kv_block_parse(&blk, shared, sizeof(shared), false, &what, &bad), KV_OK);
	kv_block_cursor_set(&c, &blk);
	assert_int_equal(kv_block_cursor_seek_first(&c), KV_ECORRUPT);
	assert_string_equal(c.what, "restart entry with a shared key prefix");
	kv_block_cursor_set(&c, &blk);
	assert_int_equal(kv_block_cursor_seek(&c, kv_slice_str("a")), KV_ECORRUPT);

	assert_int_equal(kv_block_parse(&blk, longkey, sizeof(longkey), false, &what, &bad),
			 KV_OK);
	kv_block_cursor_set(&c, &blk);
	assert_int_equal(kv_block_cursor_seek_first(&c), KV_ECORRUPT);
	assert_string_equal(c.what, "key runs past the block");

	assert_int_equal(kv_block_parse(&blk, kind, sizeof(kind), true, &what, &bad), KV_OK);
	kv_block_cursor_set(&c, &blk);
	assert_int_equal(kv_block_cursor_seek_first(&c), KV_ECORRUPT);
	assert_string_equal(c.what, "bad entry kind");
	/* an error is sticky until the cursor is set again */
	assert_int_equal(kv_block_cursor_seek_first(&c), KV_ECORRUPT);
	kv_block_cursor_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_interval16),
		cmocka_unit_test(test_roundtrip_interval1),
		cmocka_unit_test(test_roundtrip_interval2_small),
		cmocka_unit_test(test_index_block_no_meta),
		cmocka_unit_test(test_long_keys),
		cmocka_unit_test(test_empty_block),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_malformed_cases),
		cmocka_unit_test(test_malformed_fuzz),
	};

	seed = tu_seed(20240611);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
