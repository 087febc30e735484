/*
 * tests/unit/test_merge_iter.c - the k-way merge iterator against a sorted
 * reference, over array-backed children (tu_array_iter).
 */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/iter.h"
#include "core/rng.h"

#define MAX_CHILDREN 9
#define KEY_BYTES 4

/* One generated entry, with where it came from. */
struct gen {
	char key[KEY_BYTES];
	size_t key_len;
	char val[8];
	uint64_t seq;
	size_t child;
	size_t pos; /* index within its child, breaks seq ties inside a child */
	enum kv_kind kind;
};

struct world {
	struct gen *all; /* child by child; the children's entries point here */
	struct gen *ref; /* a copy of all in merged order: the reference */
	size_t n_all;
	struct tu_entry *entries[MAX_CHILDREN];
	size_t n[MAX_CHILDREN];
	size_t children;
};

static int cmp_gen(const void *a, const void *b)
{
	const struct gen *x = a, *y = b;
	int c = kv_slice_cmp(kv_slice_make(x->key, x->key_len), kv_slice_make(y->key, y->key_len));

	if (c)
		return c;
	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	if (x->child != y->child)
		return (x->child > y->child) - (x->child < y->child);
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/*
 * Random children: keys from a small alphabet (so keys repeat within and
 * across children), unique seqs except where @seq_ties asks for collisions.
 */
static void world_make(struct world *w, struct kv_rng *r, size_t children, size_t max_per_child,
		       bool seq_ties)
{
	size_t total = 0;

	memset(w, 0, sizeof(*w));
	w->children = children;
	for (size_t c = 0; c < children; c++) {
		w->n[c] = kv_rng_below(r, max_per_child + 1);
		total += w->n[c];
	}
	w->all = kv_calloc(KV_MEM_OTHER, total * sizeof(struct gen));
	w->n_all = total;
	for (size_t c = 0, k = 0; c < children; c++) {
		size_t first = k;
		for (size_t i = 0; i < w->n[c]; i++, k++) {
			struct gen *g = &w->all[k];
			g->key_len = kv_rng_below(r, KEY_BYTES + 1);
			for (size_t j = 0; j < g->key_len; j++)
				g->key[j] = (char)('a' + kv_rng_below(r, 3));
			g->seq = seq_ties ? kv_rng_below(r, 4) : k * 7919 % 100003 + 1;
			g->child = c;
			g->kind = kv_rng_below(r, 4) ? KV_KIND_PUT : KV_KIND_DELETE;
			snprintf(g->val, sizeof(g->val), "%zu", k);
		}
		/* A child is itself in internal order. */
		qsort(&w->all[first], w->n[c], sizeof(struct gen), cmp_gen);
		w->entries[c] = kv_calloc(KV_MEM_OTHER, w->n[c] * sizeof(struct tu_entry));
		for (size_t i = 0; i < w->n[c]; i++) {
			struct gen *g = &w->all[first + i];
			g->pos = i;
			w->entries[c][i].key = kv_slice_make(g->key, g->key_len);
			w->entries[c][i].value = kv_slice_str(g->val);
			w->entries[c][i].seq = g->seq;
			w->entries[c][i].kind = g->kind;
		}
	}
	w->ref = kv_malloc(KV_MEM_OTHER, total * sizeof(struct gen));
	if (total)
		memcpy(w->ref, w->all, total * sizeof(struct gen));
	qsort(w->ref, total, sizeof(struct gen), cmp_gen);
}

static void world_free(struct world *w)
{
	for (size_t c = 0; c < w->children; c++)
		kv_free(KV_MEM_OTHER, w->entries[c], w->n[c] * sizeof(struct tu_entry));
	kv_free(KV_MEM_OTHER, w->all, w->n_all * sizeof(struct gen));
	kv_free(KV_MEM_OTHER, w->ref, w->n_all * sizeof(struct gen));
}

static struct kv_iter *world_iter(const struct world *w, long fail_child, long fail_after)
{
	struct kv_iter *kids[MAX_CHILDREN];

	for (size_t c = 0; c < w->children; c++) {
		kids[c] = tu_array_iter_new(w->entries[c], w->n[c],
					    (long)c == fail_child ? fail_after : -1);
		assert_non_null(kids[c]);
	}
	return kv_merge_iter_new(kids, w->children);
}

/* Compare the merged stream from its current position with all[from..]. */
static void expect_stream(struct kv_iter *it, const struct world *w, size_t from)
{
	for (size_t i = from; i < w->n_all; i++) {
		const struct gen *g = &w->ref[i];
		struct kv_entry_meta m;

		assert_true(kv_iter_valid(it));
		assert_true(kv_slice_eq(kv_iter_key(it), kv_slice_make(g->key, g->key_len)));
		assert_string_equal(kv_iter_value(it).data, g->val);
		kv_iter_meta(it, &m);
		assert_true(m.seq == g->seq);
		assert_int_equal(m.kind, g->kind);
		kv_iter_next(it);
	}
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
}

static size_t ref_lower_bound(const struct world *w, struct kv_slice t)
{
	size_t i = 0;

	while (i < w->n_all &&
	       kv_slice_cmp(kv_slice_make(w->ref[i].key, w->ref[i].key_len), t) < 0)
		i++;
	return i;
}

static void test_random_vs_reference(void **state)
{
	struct kv_rng r;
	int rounds = tu_slow() ? 3000 : 300;
	size_t base = kv_mem_in_use(KV_MEM_OTHER);

	(void)state;
	kv_rng_seed(&r, tu_seed(1234));
	for (int round = 0; round < rounds; round++) {
		struct world w;
		struct kv_iter *it;

		world_make(&w, &r, kv_rng_below(&r, MAX_CHILDREN + 1), 40, round % 3 == 0);
		it = world_iter(&w, -1, -1);
		assert_non_null(it);
		assert_false(kv_iter_valid(it));
		kv_iter_seek_first(it);
		expect_stream(it, &w, 0);
		for (int s = 0; s < 10; s++) {
			char t[KEY_BYTES + 1];
			size_t tl = kv_rng_below(&r, sizeof(t) + 1);
			for (size_t j = 0; j < tl; j++)
				t[j] = (char)('a' + kv_rng_below(&r, 4) - (j == 0));
			kv_iter_seek(it, kv_slice_make(t, tl));
			expect_stream(it, &w, ref_lower_bound(&w, kv_slice_make(t, tl)));
		}
		kv_iter_seek_first(it);
		expect_stream(it, &w, 0);
		kv_iter_close(it);
		world_free(&w);
	}
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
}

static void test_duplicates_seq_desc(void **state)
{
	static const struct tu_entry a[] = {
		{ { "k", 1 }, { "a9", 2 }, 9, KV_KIND_PUT },
		{ { "k", 1 }, { "a2", 2 }, 2, KV_KIND_DELETE },
		{ { "m", 1 }, { "a5", 2 }, 5, KV_KIND_PUT },
	};
	static const struct tu_entry b[] = {
		{ { "k", 1 }, { "b7", 2 }, 7, KV_KIND_PUT },
		{ { "k", 1 }, { "b2", 2 }, 2, KV_KIND_PUT },
		{ { "m", 1 }, { "b6", 2 }, 6, KV_KIND_PUT },
	};
	static const struct tu_entry c[] = {
		{ { "", 0 }, { "c0", 2 }, 1, KV_KIND_PUT },
		{ { "k", 1 }, { "c8", 2 }, 8, KV_KIND_DELETE },
	};
	static const char *const want[] = { "c0", "a9", "c8", "b7", "a2", "b2", "b6", "a5" };
	struct kv_iter *kids[3];
	struct kv_iter *it;
	size_t i = 0;

	(void)state;
	kids[0] = tu_array_iter_new(a, 3, -1);
	kids[1] = tu_array_iter_new(b, 3, -1);
	kids[2] = tu_array_iter_new(c, 2, -1);
	it = kv_merge_iter_new(kids, 3);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it), i++)
		assert_memory_equal(kv_iter_value(it).data, want[i], 2);
	assert_int_equal(i, 8);
	kv_iter_seek(it, kv_slice_str("l"));
	assert_memory_equal(kv_iter_value(it).data, "b6", 2);
	kv_iter_seek(it, kv_slice_str("z"));
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
	kv_iter_close(it);
}

static void test_empty(void **state)
{
	struct kv_iter *kids[2];
	struct kv_iter *it;

	(void)state;
	it = kv_merge_iter_new(NULL, 0);
	assert_non_null(it);
	kv_iter_seek_first(it);
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
	kv_iter_close(it);

	kids[0] = kv_empty_iter_new(KV_OK);
	kids[1] = tu_array_iter_new(NULL, 0, -1);
	it = kv_merge_iter_new(kids, 2);
	kv_iter_seek(it, kv_slice_str("x"));
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
	assert_string_equal(kv_iter_errmsg(it), "KV_OK");
	kv_iter_close(it);
	kv_iter_close(NULL);
}

static void test_error_propagates(void **state)
{
	struct kv_rng r;
	size_t base = kv_mem_in_use(KV_MEM_OTHER);

	(void)state;
	kv_rng_seed(&r, tu_seed(99));
	for (int round = 0; round < 100; round++) {
		struct world w;
		struct kv_iter *it;
		long fail_child, fail_after;
		size_t seen = 0;

		world_make(&w, &r, 1 + kv_rng_below(&r, MAX_CHILDREN), 30, false);
		fail_child = (long)kv_rng_below(&r, w.children);
		if (w.n[fail_child] == 0) {
			world_free(&w);
			continue;
		}
		fail_after = (long)kv_rng_below(&r, w.n[fail_child]);
		it = world_iter(&w, fail_child, fail_after);
		for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it))
			seen++;
		/* The failing child stops the merge: an error, never a silent end. */
		assert_int_equal(kv_iter_status(it), KV_EIO);
		assert_false(kv_iter_valid(it));
		assert_true(seen < w.n_all);
		assert_non_null(strstr(kv_iter_errmsg(it), "injected error"));
		/* Everything yielded before the error was a prefix of the reference. */
		kv_iter_seek_first(it);
		for (size_t i = 0; kv_iter_valid(it); kv_iter_next(it), i++) {
			struct kv_entry_meta m;
			kv_iter_meta(it, &m);
			assert_true(m.seq == w.ref[i].seq);
		}
		kv_iter_close(it);
		world_free(&w);
	}
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
}

static void test_error_child_status(void **state)
{
	static const struct tu_entry a[] = { { { "a", 1 }, { "1", 1 }, 1, KV_KIND_PUT } };
	struct kv_iter *kids[3];
	struct kv_iter *it;

	(void)state;
	kids[0] = tu_array_iter_new(a, 1, -1);
	kids[1] = kv_empty_iter_new(KV_ECORRUPT);
	kids[2] = kv_empty_iter_new(KV_EIO);
	it = kv_merge_iter_new(kids, 3);
	kv_iter_seek_first(it);
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_ECORRUPT);
	assert_string_equal(kv_iter_errmsg(it), "KV_ECORRUPT");
	kv_iter_close(it);
}

static void test_enomem_closes_children(void **state)
{
	size_t base = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_iter *kids[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		kids[i] = kv_empty_iter_new(KV_OK);
	assert_true(kv_mem_in_use(KV_MEM_OTHER) > base);
	kv_alloc_fail_nth(1);
	assert_null(kv_merge_iter_new(kids, 4));
	kv_alloc_fail_nth(0);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), base);
}

/* One big merge: exercises the heap with many children and long runs. */
static void test_many_children(void **state)
{
	enum { CHILDREN = 64, PER = 2000 };
	struct tu_entry *e = kv_malloc(KV_MEM_OTHER, CHILDREN * PER * sizeof(*e));
	char *keys = kv_malloc(KV_MEM_OTHER, CHILDREN * PER * 8);
	struct kv_iter *kids[CHILDREN];
	struct kv_iter *it;
	uint64_t prev = 0, count = 0;

	(void)state;
	/* Child c holds keys c, c + CHILDREN, ... as 8-byte big-endian. */
	for (size_t c = 0; c < CHILDREN; c++) {
		for (size_t i = 0; i < PER; i++) {
			size_t k = c * PER + i;
			uint64_t v = i * CHILDREN + c;
			for (int b = 0; b < 8; b++)
				keys[k * 8 + b] = (char)(v >> (56 - 8 * b));
			e[k].key = kv_slice_make(keys + k * 8, 8);
			e[k].value = kv_slice_make(NULL, 0);
			e[k].seq = v + 1;
			e[k].kind = KV_KIND_PUT;
		}
		kids[c] = tu_array_iter_new(e + c * PER, PER, -1);
	}
	it = kv_merge_iter_new(kids, CHILDREN);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it)) {
		struct kv_entry_meta m;
		kv_iter_meta(it, &m);
		assert_true(m.seq == prev + 1);
		prev = m.seq;
		count++;
	}
	assert_int_equal(count, CHILDREN * PER);
	kv_iter_close(it);
	kv_free(KV_MEM_OTHER, e, CHILDREN * PER * sizeof(*e));
	kv_free(KV_MEM_OTHER, keys, CHILDREN * PER * 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_duplicates_seq_desc),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_error_propagates),
		cmocka_unit_test(test_error_child_status),
		cmocka_unit_test(test_enomem_closes_children),
		cmocka_unit_test(test_many_children),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
