/*
 * tests/unit/test_refmap.c - the reference map of tests/testutil.h against
 * a brute-force sorted array, plus a large run for speed.
 */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BF_MAX 512
#define KEY_MAX 6
#define VAL_MAX 12

/* Brute force: an unsorted array of owned-inline pairs. */
struct bf_pair {
	char key[KEY_MAX];
	size_t key_len;
	char val[VAL_MAX];
	size_t val_len;
};

struct bf {
	struct bf_pair p[BF_MAX];
	size_t n;
};

static long bf_find(const struct bf *b, struct kv_slice k)
{
	for (size_t i = 0; i < b->n; i++) {
		if (kv_slice_eq(kv_slice_make(b->p[i].key, b->p[i].key_len), k))
			return (long)i;
	}
	return -1;
}

/* Index of the smallest key >= lo that is strictly greater than @after (if any). */
static long bf_next(const struct bf *b, struct kv_slice lo, const struct kv_slice *after)
{
	long best = -1;

	for (size_t i = 0; i < b->n; i++) {
		struct kv_slice k = kv_slice_make(b->p[i].key, b->p[i].key_len);
		if (kv_slice_cmp(k, lo) < 0)
			continue;
		if (after && kv_slice_cmp(k, *after) <= 0)
			continue;
		if (best < 0 ||
		    kv_slice_cmp(k, kv_slice_make(b->p[best].key, b->p[best].key_len)) < 0)
			best = (long)i;
	}
	return best;
}

static void rand_str(struct kv_rng *r, char *buf, size_t *len, size_t max, int alphabet)
{
	*len = kv_rng_below(r, max + 1);
	for (size_t i = 0; i < *len; i++)
		buf[i] = (char)kv_rng_below(r, (uint64_t)alphabet);
}

static void check_equal(const struct tu_refmap *m, const struct bf *b, struct kv_rng *r)
{
	uint64_t live = 0;
	struct tu_refmap_cursor c;
	char lo[KEY_MAX];
	size_t lo_len;
	long want;
	struct kv_slice prev;

	assert_int_equal(tu_refmap_count(m), b->n);
	for (size_t i = 0; i < b->n; i++) {
		struct kv_slice v;
		live += b->p[i].key_len + b->p[i].val_len;
		assert_true(tu_refmap_get(m, kv_slice_make(b->p[i].key, b->p[i].key_len), &v));
		assert_true(kv_slice_eq(v, kv_slice_make(b->p[i].val, b->p[i].val_len)));
	}
	assert_int_equal(tu_refmap_live_bytes(m), live);
	/* A cursor from a random lower bound walks the same keys as brute force. */
	rand_str(r, lo, &lo_len, KEY_MAX, 4);
	want = bf_next(b, kv_slice_make(lo, lo_len), NULL);
	for (tu_refmap_seek(m, kv_slice_make(lo, lo_len), &c); tu_refmap_cursor_valid(&c);
	     tu_refmap_cursor_next(&c)) {
		assert_true(want >= 0);
		assert_true(kv_slice_eq(tu_refmap_cursor_key(&c),
					kv_slice_make(b->p[want].key, b->p[want].key_len)));
		assert_true(kv_slice_eq(tu_refmap_cursor_value(&c),
					kv_slice_make(b->p[want].val, b->p[want].val_len)));
		prev = kv_slice_make(b->p[want].key, b->p[want].key_len);
		want = bf_next(b, kv_slice_make(lo, lo_len), &prev);
	}
	assert_true(want < 0);
}

static void test_vs_bruteforce(void **state)
{
	struct kv_rng r;
	struct bf *b = kv_calloc(KV_MEM_OTHER, sizeof(*b));
	size_t base = kv_mem_in_use(KV_MEM_OTHER);
	int rounds = tu_slow() ? 200 : 30;

	(void)state;
	kv_rng_seed(&r, tu_seed(5));
	for (int round = 0; round < rounds; round++) {
		struct tu_refmap *m = tu_refmap_new();
		int alphabet = 2 + (int)kv_rng_below(&r, 255);
		b->n = 0;
		for (int op = 0; op < 800; op++) {
			char k[KEY_MAX], v[VAL_MAX];
			size_t kl, vl;
			long at;

			rand_str(&r, k, &kl, 1 + kv_rng_below(&r, KEY_MAX), alphabet);
			at = bf_find(b, kv_slice_make(k, kl));
			if (kv_rng_below(&r, 3) == 0) {
				bool had = tu_refmap_del(m, kv_slice_make(k, kl));
				assert_int_equal(had, at >= 0);
				if (at >= 0)
					b->p[at] = b->p[--b->n];
			} else if (at >= 0 || b->n < BF_MAX) {
				rand_str(&r, v, &vl, VAL_MAX, 256);
				tu_refmap_put(m, kv_slice_make(k, kl), kv_slice_make(v, vl));
				if (at < 0)
					at = (long)b->n++;
				memcpy(b->p[at].key, k, kl);
				b->p[at].key_len = kl;
				memcpy(b->p[at].val, v, vl);
				b->p[at].val_len = vl;
			}
			assert_false(tu_refmap_get(m, kv_slice_str("this key is too long"), NULL));
			if (op % 50 == 0)
				check_equal(m, b, &r);
		}
		check_equal(m, b, &r);
		tu_refmap_free(m);
		assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
	}
	tu_refmap_free(NULL);
	kv_free(KV_MEM_OTHER, b, sizeof(*b));
}

static void test_empty_and_edges(void **state)
{
	struct tu_refmap *m = tu_refmap_new();
	struct tu_refmap_cursor c;
	struct kv_slice v;
	char big_val[1 << 16];

	(void)state;
	tu_refmap_seek(m, kv_slice_make(NULL, 0), &c);
	assert_false(tu_refmap_cursor_valid(&c));
	assert_false(tu_refmap_del(m, kv_slice_str("x")));
	/* The empty key and a zero-byte value are ordinary entries. */
	tu_refmap_put(m, kv_slice_make("", 0), kv_slice_make("", 0));
	assert_true(tu_refmap_get(m, kv_slice_make("", 0), &v));
	assert_int_equal(v.len, 0);
	memset(big_val, 'v', sizeof(big_val));
	tu_refmap_put(m, kv_slice_str("big"), kv_slice_make(big_val, sizeof(big_val)));
	assert_int_equal(tu_refmap_live_bytes(m), 3 + sizeof(big_val));
	tu_refmap_put(m, kv_slice_str("big"), kv_slice_str("small"));
	assert_int_equal(tu_refmap_live_bytes(m), 3 + 5);
	tu_refmap_seek(m, kv_slice_make(NULL, 0), &c);
	assert_true(tu_refmap_cursor_valid(&c));
	assert_int_equal(tu_refmap_cursor_key(&c).len, 0);
	tu_refmap_cursor_next(&c);
	assert_memory_equal(tu_refmap_cursor_key(&c).data, "big", 3);
	tu_refmap_cursor_next(&c);
	assert_false(tu_refmap_cursor_valid(&c));
	/* Binary keys order bytewise (0xff after 0x00, prefix first). */
	tu_refmap_put(m, kv_slice_make("\xff", 1), kv_slice_str("ff"));
	tu_refmap_put(m, kv_slice_make("\x00\x01", 2), kv_slice_str("0001"));
	tu_refmap_put(m, kv_slice_make("\x00", 1), kv_slice_str("00"));
	tu_refmap_seek(m, kv_slice_make("\x00", 1), &c);
	assert_memory_equal(tu_refmap_cursor_value(&c).data, "00", 2);
	tu_refmap_cursor_next(&c);
	assert_memory_equal(tu_refmap_cursor_value(&c).data, "0001", 4);
	tu_refmap_seek(m, kv_slice_make("c", 1), &c);
	assert_memory_equal(tu_refmap_cursor_value(&c).data, "ff", 2);
	tu_refmap_free(m);
}

/* 200k operations must take well under a second: O(log n) per op. */
static void test_large(void **state)
{
	struct tu_refmap *m = tu_refmap_new();
	struct kv_rng r;
	clock_t t0 = clock();
	size_t n = tu_slow() ? 2000000 : 200000, count = 0;
	struct tu_refmap_cursor c;
	char k[16], v[32];

	(void)state;
	kv_rng_seed(&r, tu_seed(8));
	for (size_t i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "%010llu", (unsigned long long)kv_rng_below(&r, n));
		if (i % 4 == 3) {
			tu_refmap_del(m, kv_slice_str(k));
		} else {
			tu_rand_bytes(&r, v, sizeof(v));
			tu_refmap_put(m, kv_slice_str(k), kv_slice_make(v, sizeof(v)));
		}
	}
	/* Sequential keys (the worst case for an unbalanced tree). */
	for (size_t i = 0; i < n / 2; i++) {
		snprintf(k, sizeof(k), "s%09zu", i);
		tu_refmap_put(m, kv_slice_str(k), kv_slice_make(NULL, 0));
	}
	for (tu_refmap_seek(m, kv_slice_make(NULL, 0), &c); tu_refmap_cursor_valid(&c);
	     tu_refmap_cursor_next(&c))
		count++;
	assert_int_equal(count, tu_refmap_count(m));
	assert_true(tu_refmap_live_bytes(m) >= (n / 2) * 10);
	tu_refmap_free(m);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0);
}

static void test_seed_env(void **state)
{
	(void)state;
	setenv("LSMLAB_SEED", "0x10", 1);
	assert_int_equal(tu_seed(5), 16);
	setenv("LSMLAB_SEED", "77", 1);
	assert_int_equal(tu_seed(5), 77);
	unsetenv("LSMLAB_SEED");
	assert_int_equal(tu_seed(5), 5);
	setenv("LSMLAB_SLOW", "0", 1);
	assert_false(tu_slow());
	setenv("LSMLAB_SLOW", "1", 1);
	assert_true(tu_slow());
	unsetenv("LSMLAB_SLOW");
	assert_false(tu_slow());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vs_bruteforce),
		cmocka_unit_test(test_empty_and_edges),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_seed_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
