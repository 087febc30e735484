/*
 * tests/contract/test_memtable_contract.c - the memtable contract
 * (core/memtable/memtable.h), run against EVERY kind in
 * kv_memtable_registry[]: a new kind is covered by adding its registry
 * line, with no change here.
 *
 * Each case prints "memtable kind=<name> case=<case>". Randomized cases
 * print their seed (LSMLAB_SEED replays one; LSMLAB_SLOW=1 runs longer).
 *
 * The reference model is a tu_refmap whose values encode the whole entry:
 * [kind:1][seq:8][ts_ns:8][value bytes].
 */
#include "tests/testutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/memtable/memtable.h"
#include "core/options.h"
#include "core/rng.h"

#define ENC_HDR 17
#define MIB ((size_t)1 << 20)

/* ------------------------------------------------------------ helpers */

static const struct kv_memtable_ops *kind_of(void **state, const char *name)
{
	const struct kv_memtable_ops *ops = *state;

	printf("memtable kind=%s case=%s\n", ops->name, name);
	fflush(stdout);
	return ops;
}

static struct kv_memtable *mt_open(const struct kv_memtable_ops *ops)
{
	struct kv_memtable *mt = NULL;
	struct kv_err err;
	int rc;

	kv_err_clear(&err);
	rc = kv_memtable_create(ops, NULL, &mt, &err);
	if (rc != KV_OK)
		fail_msg("kv_memtable_create(%s): %s", ops->name, kv_err_msg(&err));
	assert_non_null(mt);
	assert_ptr_equal(mt->ops, ops);
	return mt;
}

static struct kv_entry_meta mk_meta(uint64_t seq, uint64_t ts, enum kv_kind kind)
{
	struct kv_entry_meta m = { .seq = seq, .ts_ns = ts, .kind = kind };

	return m;
}

static int put_str(struct kv_memtable *mt, const char *k, size_t klen, const char *v,
		   size_t vlen, uint64_t seq)
{
	struct kv_entry_meta m = mk_meta(seq, seq * 10, KV_KIND_PUT);

	return kv_memtable_put(mt, kv_slice_make(k, klen), kv_slice_make(v, vlen), &m);
}

static void assert_slice_eq(struct kv_slice a, struct kv_slice b)
{
	assert_int_equal(a.len, b.len);
	if (a.len)
		assert_memory_equal(a.data, b.data, a.len);
}

static void assert_meta_eq(const struct kv_entry_meta *a, const struct kv_entry_meta *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->ts_ns, b->ts_ns);
	assert_int_equal(a->kind, b->kind);
}

/* Encode an entry for the reference model into @b. */
static void enc_entry(struct kv_buf *b, struct kv_slice v, const struct kv_entry_meta *m)
{
	char hdr[ENC_HDR];

	hdr[0] = (char)m->kind;
	memcpy(hdr + 1, &m->seq, 8);
	memcpy(hdr + 9, &m->ts_ns, 8);
	assert_int_equal(kv_buf_set(b, hdr, sizeof(hdr)), KV_OK);
	assert_int_equal(kv_buf_append(b, v.data, v.len), KV_OK);
}

static void dec_entry(struct kv_slice e, struct kv_slice *v, struct kv_entry_meta *m)
{
	assert_true(e.len >= ENC_HDR);
	m->kind = (enum kv_kind)(unsigned char)e.data[0];
	memcpy(&m->seq, e.data + 1, 8);
	memcpy(&m->ts_ns, e.data + 9, 8);
	*v = kv_slice_make(e.data + ENC_HDR, e.len - ENC_HDR);
}

static void ref_put(struct tu_refmap *ref, struct kv_buf *scratch, struct kv_slice k,
		    struct kv_slice v, const struct kv_entry_meta *m)
{
	enc_entry(scratch, v, m);
	tu_refmap_put(ref, k, kv_buf_slice(scratch));
}

/* The table's held memory never exceeds approx_bytes (contract 4). */
static void assert_bytes_cover(const struct kv_memtable *mt, size_t base)
{
	size_t held = kv_mem_in_use(KV_MEM_MEMTABLE) - base;

	assert_true(kv_memtable_bytes(mt) >= held);
	assert_true(kv_memtable_bytes(mt) >= mt->key_bytes + mt->value_bytes);
}

/*
 * Full comparison with the model: iteration yields exactly the model's
 * entries in order, get finds each, count and key/value byte totals match.
 */
static void check_model(struct kv_memtable *mt, const struct tu_refmap *ref)
{
	struct tu_refmap_cursor c;
	struct kv_iter *it;
	uint64_t key_bytes = 0, value_bytes = 0;
	size_t n = 0;

	assert_int_equal(kv_memtable_count(mt), tu_refmap_count(ref));
	it = kv_memtable_iter(mt);
	assert_non_null(it);
	kv_iter_seek_first(it);
	for (tu_refmap_seek(ref, kv_slice_make(NULL, 0), &c); tu_refmap_cursor_valid(&c);
	     tu_refmap_cursor_next(&c)) {
		struct kv_entry_meta want_m, got_m;
		struct kv_slice want_v;

		assert_true(kv_iter_valid(it));
		dec_entry(tu_refmap_cursor_value(&c), &want_v, &want_m);
		assert_slice_eq(kv_iter_key(it), tu_refmap_cursor_key(&c));
		assert_slice_eq(kv_iter_value(it), want_v);
		kv_iter_meta(it, &got_m);
		assert_meta_eq(&got_m, &want_m);
		key_bytes += tu_refmap_cursor_key(&c).len;
		value_bytes += want_v.len;
		n++;
		kv_iter_next(it);
	}
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
	kv_iter_close(it);
	assert_int_equal(n, tu_refmap_count(ref));
	assert_int_equal(mt->key_bytes, key_bytes);
	assert_int_equal(mt->value_bytes, value_bytes);

	for (tu_refmap_seek(ref, kv_slice_make(NULL, 0), &c); tu_refmap_cursor_valid(&c);
	     tu_refmap_cursor_next(&c)) {
		struct kv_entry_meta want_m, got_m;
		struct kv_slice want_v, got_v;

		dec_entry(tu_refmap_cursor_value(&c), &want_v, &want_m);
		assert_int_equal(kv_memtable_get(mt, tu_refmap_cursor_key(&c), &got_v, &got_m),
				 KV_OK);
		assert_slice_eq(got_v, want_v);
		assert_meta_eq(&got_m, &want_m);
	}
}

/* get agrees with the model for @k (present or absent). */
static void check_get(struct kv_memtable *mt, const struct tu_refmap *ref, struct kv_slice k)
{
	struct kv_slice enc, want_v, got_v;
	struct kv_entry_meta want_m, got_m;
	int rc = kv_memtable_get(mt, k, &got_v, &got_m);

	if (!tu_refmap_get(ref, k, &enc)) {
		assert_int_equal(rc, KV_NOTFOUND);
		return;
	}
	assert_int_equal(rc, KV_OK);
	dec_entry(enc, &want_v, &want_m);
	assert_slice_eq(got_v, want_v);
	assert_meta_eq(&got_m, &want_m);
}

/* A seek to @target agrees with the model for the next @steps entries. */
static void check_seek(struct kv_iter *it, const struct tu_refmap *ref, struct kv_slice target,
		       int steps)
{
	struct tu_refmap_cursor c;

	kv_iter_seek(it, target);
	tu_refmap_seek(ref, target, &c);
	for (int i = 0; i < steps && tu_refmap_cursor_valid(&c); i++) {
		assert_true(kv_iter_valid(it));
		assert_slice_eq(kv_iter_key(it), tu_refmap_cursor_key(&c));
		kv_iter_next(it);
		tu_refmap_cursor_next(&c);
	}
	if (!tu_refmap_cursor_valid(&c))
		assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
}

/* A random key of 1..max_len bytes, biased toward bytes that stress order. */
static size_t rand_key(struct kv_rng *r, char *buf, size_t max_len)
{
	static const unsigned char alphabet[] = { 0x00, 0x01, 'a', 'b', 0x7f, 0x80, 0xfe, 0xff };
	size_t len = 1 + (size_t)kv_rng_below(r, kv_rng_below(r, max_len) + 1);

	for (size_t i = 0; i < len; i++) {
		if (kv_rng_below(r, 4) == 0)
			buf[i] = (char)kv_rng_next(r);
		else
			buf[i] = (char)alphabet[kv_rng_below(r, sizeof(alphabet))];
	}
	return len;
}

/* ------------------------------------------------------------ cases */

static void test_empty(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "empty");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	struct kv_slice v = kv_slice_str("untouched");
	struct kv_entry_meta m;
	struct kv_iter *it;

	assert_int_equal(kv_memtable_count(mt), 0);
	assert_int_equal(mt->key_bytes, 0);
	assert_int_equal(mt->value_bytes, 0);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("a"), &v, &m), KV_NOTFOUND);
	assert_int_equal(kv_memtable_get(mt, kv_slice_make("\0", 1), &v, &m), KV_NOTFOUND);
	assert_int_equal(kv_memtable_get(mt, kv_slice_make("\xff\xff", 2), &v, &m), KV_NOTFOUND);
	assert_bytes_cover(mt, base);

	it = kv_memtable_iter(mt);
	assert_non_null(it);
	kv_iter_seek_first(it);
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
	kv_iter_seek(it, kv_slice_str("a"));
	assert_false(kv_iter_valid(it));
	kv_iter_seek(it, kv_slice_make(NULL, 0));
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
	kv_iter_close(it);
	kv_iter_close(NULL);

	kv_memtable_destroy(mt);
	kv_memtable_destroy(NULL);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_put_get(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "put_get");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	static const char *const keys[] = { "banana", "apple", "cherry" };
	static const char *const vals[] = { "yellow", "red", "dark red" };
	static const char *const absent[] = { "a", "appl", "apple\x01", "apples", "b", "zzz" };
	struct kv_entry_meta m;
	struct kv_slice v;

	for (int i = 0; i < 3; i++)
		assert_int_equal(put_str(mt, keys[i], strlen(keys[i]), vals[i], strlen(vals[i]),
					 (uint64_t)i + 1),
				 KV_OK);
	assert_int_equal(kv_memtable_count(mt), 3);
	assert_int_equal(mt->key_bytes, 6 + 5 + 6);
	assert_int_equal(mt->value_bytes, 6 + 3 + 8);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(kv_memtable_get(mt, kv_slice_str(keys[i]), &v, &m), KV_OK);
		assert_slice_eq(v, kv_slice_str(vals[i]));
		assert_int_equal(m.seq, (uint64_t)i + 1);
		assert_int_equal(m.ts_ns, ((uint64_t)i + 1) * 10);
		assert_int_equal(m.kind, KV_KIND_PUT);
	}
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_int_equal(kv_memtable_get(mt, kv_slice_str(absent[i]), &v, &m),
				 KV_NOTFOUND);
	assert_bytes_cover(mt, base);
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_overwrite(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "overwrite");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	static const char *const vals[] = { "v1", "a much longer second value", "3", "",
					    "the fifth value is longer than all of the others" };
	struct kv_entry_meta m;
	struct kv_slice v;
	struct kv_iter *it;
	uint64_t seq = 1;

	assert_int_equal(put_str(mt, "a", 1, "before", 6, seq++), KV_OK);
	assert_int_equal(put_str(mt, "c", 1, "after", 5, seq++), KV_OK);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint64_t s = seq++;

		assert_int_equal(put_str(mt, "b", 1, vals[i], strlen(vals[i]), s), KV_OK);
		assert_int_equal(kv_memtable_get(mt, kv_slice_str("b"), &v, &m), KV_OK);
		assert_slice_eq(v, kv_slice_str(vals[i]));
		assert_int_equal(m.seq, s);
		assert_int_equal(kv_memtable_count(mt), 3);
		assert_int_equal(mt->key_bytes, 3);
		assert_int_equal(mt->value_bytes, 6 + 5 + strlen(vals[i]));

		it = kv_memtable_iter(mt);
		assert_non_null(it);
		kv_iter_seek_first(it);
		assert_slice_eq(kv_iter_key(it), kv_slice_str("a"));
		kv_iter_next(it);
		assert_slice_eq(kv_iter_key(it), kv_slice_str("b"));
		assert_slice_eq(kv_iter_value(it), kv_slice_str(vals[i]));
		kv_iter_meta(it, &m);
		assert_int_equal(m.seq, s);
		kv_iter_next(it);
		assert_slice_eq(kv_iter_key(it), kv_slice_str("c"));
		assert_slice_eq(kv_iter_value(it), kv_slice_str("after"));
		kv_iter_next(it);
		assert_false(kv_iter_valid(it));
		kv_iter_close(it);
	}
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("a"), &v, &m), KV_OK);
	assert_slice_eq(v, kv_slice_str("before"));
	assert_int_equal(m.seq, 1);
	assert_bytes_cover(mt, base);
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_tombstones(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "tombstones");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	struct kv_entry_meta del, m;
	struct kv_slice v;
	struct kv_iter *it;

	assert_int_equal(put_str(mt, "k1", 2, "one", 3, 1), KV_OK);
	assert_int_equal(put_str(mt, "k2", 2, "two", 3, 2), KV_OK);

	/* Delete an existing key and one never written. */
	del = mk_meta(3, 300, KV_KIND_DELETE);
	assert_int_equal(kv_memtable_put(mt, kv_slice_str("k1"), kv_slice_make(NULL, 0), &del),
			 KV_OK);
	del = mk_meta(4, 400, KV_KIND_DELETE);
	assert_int_equal(kv_memtable_put(mt, kv_slice_str("k0"), kv_slice_make(NULL, 0), &del),
			 KV_OK);
	assert_int_equal(kv_memtable_count(mt), 3);

	assert_int_equal(kv_memtable_get(mt, kv_slice_str("k1"), &v, &m), KV_OK);
	assert_int_equal(m.kind, KV_KIND_DELETE);
	assert_int_equal(m.seq, 3);
	assert_int_equal(m.ts_ns, 300);
	assert_int_equal(v.len, 0);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("k0"), &v, &m), KV_OK);
	assert_int_equal(m.kind, KV_KIND_DELETE);
	assert_int_equal(m.seq, 4);

	it = kv_memtable_iter(mt);
	assert_non_null(it);
	kv_iter_seek_first(it);
	assert_slice_eq(kv_iter_key(it), kv_slice_str("k0"));
	kv_iter_meta(it, &m);
	assert_int_equal(m.kind, KV_KIND_DELETE);
	kv_iter_next(it);
	assert_slice_eq(kv_iter_key(it), kv_slice_str("k1"));
	kv_iter_meta(it, &m);
	assert_int_equal(m.kind, KV_KIND_DELETE);
	assert_int_equal(m.seq, 3);
	assert_int_equal(kv_iter_value(it).len, 0);
	kv_iter_next(it);
	assert_slice_eq(kv_iter_key(it), kv_slice_str("k2"));
	kv_iter_meta(it, &m);
	assert_int_equal(m.kind, KV_KIND_PUT);
	kv_iter_next(it);
	assert_false(kv_iter_valid(it));
	kv_iter_close(it);

	/* A put after the tombstone revives the key; deleting twice is fine. */
	assert_int_equal(put_str(mt, "k1", 2, "again", 5, 5), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("k1"), &v, &m), KV_OK);
	assert_int_equal(m.kind, KV_KIND_PUT);
	assert_slice_eq(v, kv_slice_str("again"));
	del = mk_meta(6, 600, KV_KIND_DELETE);
	assert_int_equal(kv_memtable_put(mt, kv_slice_str("k0"), kv_slice_make(NULL, 0), &del),
			 KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("k0"), &v, &m), KV_OK);
	assert_int_equal(m.seq, 6);
	assert_int_equal(m.kind, KV_KIND_DELETE);
	assert_int_equal(kv_memtable_count(mt), 3);
	assert_bytes_cover(mt, base);
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

/* Keys that are prefixes of each other, with 0x00, 0x7f, 0x80 and 0xff bytes. */
static const struct {
	const char *data;
	size_t len;
} order_keys[] = {
	{ "\x00", 1 },     { "\x00\x00", 2 }, { "\x00\x01", 2 }, { "\x01", 1 },
	{ "a", 1 },        { "a\x00", 2 },    { "a\x00\x00", 3 }, { "a\x00\xff", 3 },
	{ "a\x01", 2 },    { "ab", 2 },       { "abc", 3 },      { "abd", 3 },
	{ "b", 1 },        { "\x7f", 1 },     { "\x7f\xff", 2 }, { "\x80", 1 },
	{ "\x80\x00", 2 }, { "\xfe", 1 },     { "\xff", 1 },     { "\xff\x00", 2 },
	{ "\xff\xff", 2 }, { "\xff\xff\xff", 3 },
};
#define NORDER (sizeof(order_keys) / sizeof(order_keys[0]))

/* Insert order_keys in a shuffled order; order_keys is sorted already. */
static struct kv_memtable *fill_order_keys(const struct kv_memtable_ops *ops, struct kv_rng *r)
{
	struct kv_memtable *mt = mt_open(ops);
	size_t perm[NORDER];

	for (size_t i = 0; i < NORDER; i++)
		perm[i] = i;
	for (size_t i = NORDER - 1; i > 0; i--) {
		size_t j = (size_t)kv_rng_below(r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < NORDER; i++) {
		size_t k = perm[i];
		char val[16];
		int vlen = snprintf(val, sizeof(val), "v%zu", k);

		assert_int_equal(put_str(mt, order_keys[k].data, order_keys[k].len, val,
					 (size_t)vlen, i + 1),
				 KV_OK);
	}
	return mt;
}

static void test_order(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "order");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_rng r;

	for (size_t i = 1; i < NORDER; i++) {
		struct kv_slice a = kv_slice_make(order_keys[i - 1].data, order_keys[i - 1].len);
		struct kv_slice b = kv_slice_make(order_keys[i].data, order_keys[i].len);

		assert_true(kv_slice_cmp(a, b) < 0);
	}
	kv_rng_seed(&r, 7);
	for (int round = 0; round < 20; round++) {
		struct kv_memtable *mt = fill_order_keys(ops, &r);
		struct kv_iter *it = kv_memtable_iter(mt);
		size_t n = 0;

		assert_non_null(it);
		assert_int_equal(kv_memtable_count(mt), NORDER);
		for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it)) {
			char val[16];
			int vlen = snprintf(val, sizeof(val), "v%zu", n);

			assert_true(n < NORDER);
			assert_slice_eq(kv_iter_key(it),
					kv_slice_make(order_keys[n].data, order_keys[n].len));
			assert_slice_eq(kv_iter_value(it), kv_slice_make(val, (size_t)vlen));
			n++;
		}
		assert_int_equal(n, NORDER);
		assert_int_equal(kv_iter_status(it), KV_OK);
		kv_iter_close(it);
		kv_memtable_destroy(mt);
	}
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_seek(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "seek");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_rng r;
	struct kv_memtable *mt;
	struct kv_iter *it;
	char buf[8];

	kv_rng_seed(&r, 11);
	mt = fill_order_keys(ops, &r);
	it = kv_memtable_iter(mt);
	assert_non_null(it);

	/* Existing keys: positioned on the key itself, then the rest in order. */
	for (size_t i = 0; i < NORDER; i++) {
		kv_iter_seek(it, kv_slice_make(order_keys[i].data, order_keys[i].len));
		for (size_t j = i; j < NORDER; j++) {
			assert_true(kv_iter_valid(it));
			assert_slice_eq(kv_iter_key(it),
					kv_slice_make(order_keys[j].data, order_keys[j].len));
			kv_iter_next(it);
		}
		assert_false(kv_iter_valid(it));
	}
	/* Between: key + 0x00 sorts right after the key, before its successor. */
	for (size_t i = 0; i + 1 < NORDER; i++) {
		struct kv_slice t;

		memcpy(buf, order_keys[i].data, order_keys[i].len);
		buf[order_keys[i].len] = '\0';
		t = kv_slice_make(buf, order_keys[i].len + 1);
		kv_iter_seek(it, t);
		assert_true(kv_iter_valid(it));
		if (kv_slice_eq(t, kv_slice_make(order_keys[i + 1].data, order_keys[i + 1].len)))
			continue; /* key + 0x00 is itself a key */
		assert_slice_eq(kv_iter_key(it),
				kv_slice_make(order_keys[i + 1].data, order_keys[i + 1].len));
	}
	kv_iter_seek(it, kv_slice_str("aa"));
	assert_slice_eq(kv_iter_key(it), kv_slice_str("ab"));
	kv_iter_seek(it, kv_slice_str("abcd"));
	assert_slice_eq(kv_iter_key(it), kv_slice_str("abd"));
	/* Before the first: the empty target. */
	kv_iter_seek(it, kv_slice_make(NULL, 0));
	assert_true(kv_iter_valid(it));
	assert_slice_eq(kv_iter_key(it), kv_slice_make("\x00", 1));
	/* After the last. */
	kv_iter_seek(it, kv_slice_make("\xff\xff\xff\x00", 4));
	assert_false(kv_iter_valid(it));
	kv_iter_seek(it, kv_slice_make("\xff\xff\xff\xff", 4));
	assert_false(kv_iter_valid(it));
	assert_int_equal(kv_iter_status(it), KV_OK);
	/* A seek works again after running off the end, and so does seek_first. */
	kv_iter_seek(it, kv_slice_str("b"));
	assert_slice_eq(kv_iter_key(it), kv_slice_str("b"));
	kv_iter_seek_first(it);
	assert_slice_eq(kv_iter_key(it), kv_slice_make("\x00", 1));
	kv_iter_close(it);
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_zero_byte_values(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "zero_byte_values");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	struct kv_entry_meta m;
	struct kv_slice v;
	struct kv_iter *it;
	uint64_t seq = 1;
	char key[16];
	size_t n = 0;

	for (int i = 0; i < 1000; i++) {
		int klen = snprintf(key, sizeof(key), "key%05d", i);

		assert_int_equal(put_str(mt, key, (size_t)klen, NULL, 0, seq++), KV_OK);
	}
	assert_int_equal(mt->value_bytes, 0);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("key00500"), &v, &m), KV_OK);
	assert_int_equal(v.len, 0);
	assert_int_equal(m.kind, KV_KIND_PUT);
	it = kv_memtable_iter(mt);
	assert_non_null(it);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it), n++)
		assert_int_equal(kv_iter_value(it).len, 0);
	assert_int_equal(n, 1000);
	kv_iter_close(it);

	/* empty -> non-empty -> empty */
	assert_int_equal(put_str(mt, "key00500", 8, "x", 1, seq++), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("key00500"), &v, &m), KV_OK);
	assert_slice_eq(v, kv_slice_str("x"));
	assert_int_equal(mt->value_bytes, 1);
	assert_int_equal(put_str(mt, "key00500", 8, "", 0, seq++), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("key00500"), &v, &m), KV_OK);
	assert_int_equal(v.len, 0);
	assert_int_equal(m.seq, seq - 1);
	assert_int_equal(mt->value_bytes, 0);
	assert_bytes_cover(mt, base);
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_big_values(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "1MiB_values");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	size_t big = 2 * MIB;
	char *a = kv_malloc(KV_MEM_OTHER, big), *b = kv_malloc(KV_MEM_OTHER, big);
	struct kv_entry_meta m;
	struct kv_slice v;
	struct kv_rng r;
	struct kv_iter *it;

	assert_non_null(a);
	assert_non_null(b);
	kv_rng_seed(&r, 3);
	kv_rng_fill(&r, a, big);
	kv_rng_fill(&r, b, big);

	assert_int_equal(put_str(mt, "big1", 4, a, MIB, 1), KV_OK);
	assert_int_equal(put_str(mt, "big2", 4, b, MIB, 2), KV_OK);
	assert_int_equal(put_str(mt, "small", 5, "s", 1, 3), KV_OK);
	assert_true(kv_memtable_bytes(mt) >= 2 * MIB + 1 + 13);
	assert_bytes_cover(mt, base);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("big1"), &v, &m), KV_OK);
	assert_slice_eq(v, kv_slice_make(a, MIB));
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("big2"), &v, &m), KV_OK);
	assert_slice_eq(v, kv_slice_make(b, MIB));

	/* 1 MiB over 1 MiB (other bytes), then 2 MiB, then 1 byte. */
	assert_int_equal(put_str(mt, "big1", 4, b + 1, MIB, 4), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("big1"), &v, &m), KV_OK);
	assert_slice_eq(v, kv_slice_make(b + 1, MIB));
	assert_int_equal(put_str(mt, "big2", 4, a, 2 * MIB, 5), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("big2"), &v, &m), KV_OK);
	assert_slice_eq(v, kv_slice_make(a, 2 * MIB));
	assert_int_equal(mt->value_bytes, 3 * MIB + 1);
	assert_bytes_cover(mt, base);

	it = kv_memtable_iter(mt);
	assert_non_null(it);
	kv_iter_seek_first(it);
	assert_slice_eq(kv_iter_value(it), kv_slice_make(b + 1, MIB));
	kv_iter_next(it);
	assert_slice_eq(kv_iter_value(it), kv_slice_make(a, 2 * MIB));
	kv_iter_next(it);
	assert_slice_eq(kv_iter_value(it), kv_slice_str("s"));
	kv_iter_next(it);
	assert_false(kv_iter_valid(it));
	kv_iter_close(it);

	kv_memtable_destroy(mt);
	kv_free(KV_MEM_OTHER, a, big);
	kv_free(KV_MEM_OTHER, b, big);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

/*
 * Random puts, overwrites and tombstones over a small key space, checked
 * against the model during the run (gets, seeks, byte accounting) and after
 * it (full iteration, get of every key and of absent keys).
 */
static void test_random_model(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "random_model");
	enum { NKEYS = 3000, MAX_KEY = 64, MAX_VAL = 300 };
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	size_t nops = tu_slow() ? 1000000 : 100000;
	struct kv_memtable *mt = mt_open(ops);
	struct tu_refmap *ref = tu_refmap_new();
	struct kv_buf scratch = { 0 };
	char (*keys)[MAX_KEY] = kv_malloc(KV_MEM_OTHER, (size_t)NKEYS * MAX_KEY);
	size_t *klens = kv_malloc(KV_MEM_OTHER, NKEYS * sizeof(size_t));
	char val[MAX_VAL], probe[MAX_KEY + 8];
	size_t prev_bytes = kv_memtable_bytes(mt);
	struct kv_iter *it;
	struct kv_rng r;
	uint64_t seq = 0;
	size_t puts = 0, dels = 0;

	assert_non_null(keys);
	assert_non_null(klens);
	kv_rng_seed(&r, tu_seed(0x6d656d7461626c65));
	/* Key space with many prefix relations: extend or cut earlier keys. */
	for (size_t i = 0; i < NKEYS; i++) {
		if (i > 0 && kv_rng_below(&r, 3) == 0) {
			size_t j = (size_t)kv_rng_below(&r, i);

			memcpy(keys[i], keys[j], klens[j]);
			klens[i] = klens[j];
			if (klens[i] < MAX_KEY && kv_rng_below(&r, 2) == 0)
				keys[i][klens[i]++] = (char)kv_rng_below(&r, 3) - 1; /* ff 00 01 */
			else if (klens[i] > 1)
				klens[i] = 1 + (size_t)kv_rng_below(&r, klens[i] - 1);
		} else {
			klens[i] = rand_key(&r, keys[i], MAX_KEY);
		}
	}

	for (size_t op = 0; op < nops; op++) {
		size_t k = (size_t)kv_rng_below(&r, NKEYS);
		struct kv_slice key = kv_slice_make(keys[k], klens[k]);
		uint64_t dice = kv_rng_below(&r, 100);

		if (dice < 75) {
			size_t vlen = (size_t)kv_rng_below(&r, MAX_VAL + 1);
			struct kv_entry_meta m = mk_meta(++seq, kv_rng_next(&r), KV_KIND_PUT);

			kv_rng_fill(&r, val, vlen);
			assert_int_equal(kv_memtable_put(mt, key, kv_slice_make(val, vlen), &m),
					 KV_OK);
			ref_put(ref, &scratch, key, kv_slice_make(val, vlen), &m);
			puts++;
		} else if (dice < 88) {
			struct kv_entry_meta m = mk_meta(++seq, kv_rng_next(&r), KV_KIND_DELETE);

			assert_int_equal(kv_memtable_put(mt, key, kv_slice_make(NULL, 0), &m),
					 KV_OK);
			ref_put(ref, &scratch, key, kv_slice_make(NULL, 0), &m);
			dels++;
		} else {
			check_get(mt, ref, key);
		}
		assert_true(kv_memtable_bytes(mt) >= prev_bytes);
		prev_bytes = kv_memtable_bytes(mt);
		if (op % 64 == 0)
			assert_bytes_cover(mt, base);
		if (op % 20000 == 0) {
			assert_int_equal(kv_memtable_count(mt), tu_refmap_count(ref));
			uint64_t live = tu_refmap_live_bytes(ref) - ENC_HDR * tu_refmap_count(ref);

			assert_int_equal(mt->key_bytes + mt->value_bytes, live);
		}
	}
	printf("memtable kind=%s: %zu ops (%zu puts, %zu tombstones), %zu entries, "
	       "approx_bytes=%zu\n",
	       ops->name, nops, puts, dels, kv_memtable_count(mt), kv_memtable_bytes(mt));

	check_model(mt, ref);
	for (size_t k = 0; k < NKEYS; k++)
		check_get(mt, ref, kv_slice_make(keys[k], klens[k]));
	for (int i = 0; i < 5000; i++) {
		size_t plen = rand_key(&r, probe, sizeof(probe));

		check_get(mt, ref, kv_slice_make(probe, plen));
	}
	it = kv_memtable_iter(mt);
	assert_non_null(it);
	for (int i = 0; i < 2000; i++) {
		size_t plen = rand_key(&r, probe, sizeof(probe));

		check_seek(it, ref, kv_slice_make(probe, plen), 3);
		if (i % 2) {
			size_t k = (size_t)kv_rng_below(&r, NKEYS);

			check_seek(it, ref, kv_slice_make(keys[k], klens[k]), 3);
		}
	}
	kv_iter_close(it);

	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
	tu_refmap_free(ref);
	kv_buf_free(&scratch);
	kv_free(KV_MEM_OTHER, keys, (size_t)NKEYS * MAX_KEY);
	kv_free(KV_MEM_OTHER, klens, NKEYS * sizeof(size_t));
}

static void test_approx_bytes(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "approx_bytes");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	size_t n = 100000, prev = kv_memtable_bytes(mt);
	char key[32], val[100];
	struct kv_rng r;

	kv_rng_seed(&r, 5);
	memset(val, 'v', sizeof(val));
	for (size_t i = 0; i < n; i++) {
		/* 16-byte keys in random order, 100-byte values. */
		snprintf(key, sizeof(key), "%016" PRIx64, kv_rng_next(&r));
		assert_int_equal(put_str(mt, key, 16, val, sizeof(val), i + 1), KV_OK);
		assert_true(kv_memtable_bytes(mt) >= prev);
		prev = kv_memtable_bytes(mt);
		assert_true(prev >= mt->key_bytes + mt->value_bytes);
		if (i % 97 == 0)
			assert_bytes_cover(mt, base);
	}
	assert_int_equal(kv_memtable_count(mt), n);
	assert_int_equal(mt->key_bytes, 16 * n);
	assert_int_equal(mt->value_bytes, 100 * n);
	assert_bytes_cover(mt, base);
	printf("memtable kind=%s: %zu entries of 16 B keys + 100 B values: approx_bytes=%zu, "
	       "held=%zu, overhead per entry=%.1f bytes\n",
	       ops->name, n, kv_memtable_bytes(mt), kv_mem_in_use(KV_MEM_MEMTABLE) - base,
	       (double)(kv_memtable_bytes(mt) - mt->key_bytes - mt->value_bytes) / (double)n);

	/* Overwrites and tombstones never make it shrink. */
	for (size_t i = 0; i < 1000; i++) {
		struct kv_entry_meta m = mk_meta(n + 1 + i, 0, KV_KIND_DELETE);
		struct kv_iter *it = kv_memtable_iter(mt);
		struct kv_slice k;

		assert_non_null(it);
		snprintf(key, sizeof(key), "%016" PRIx64, kv_rng_next(&r));
		kv_iter_seek(it, kv_slice_make(key, 1 + i % 16));
		if (!kv_iter_valid(it))
			kv_iter_seek_first(it);
		k = kv_iter_key(it);
		memcpy(key, k.data, k.len);
		kv_iter_close(it);
		assert_int_equal(kv_memtable_put(mt, kv_slice_make(key, k.len),
						 kv_slice_make(NULL, 0), &m),
				 KV_OK);
		assert_true(kv_memtable_bytes(mt) >= prev);
		prev = kv_memtable_bytes(mt);
	}
	assert_bytes_cover(mt, base);
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

static void test_meta_roundtrip(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "meta_roundtrip");
	static const struct kv_entry_meta metas[] = {
		{ .seq = 1, .ts_ns = 0, .kind = KV_KIND_PUT },
		{ .seq = 2, .ts_ns = UINT64_MAX, .kind = KV_KIND_DELETE },
		{ .seq = 1000, .ts_ns = 1, .kind = KV_KIND_PUT },
		{ .seq = UINT64_C(1) << 32, .ts_ns = UINT64_C(1) << 63, .kind = KV_KIND_DELETE },
		{ .seq = (UINT64_C(1) << 56) - 1, .ts_ns = 123456789, .kind = KV_KIND_PUT },
		{ .seq = UINT64_C(1) << 56, .ts_ns = 0x0123456789abcdef, .kind = KV_KIND_PUT },
		{ .seq = UINT64_MAX - 1, .ts_ns = 42, .kind = KV_KIND_DELETE },
		{ .seq = UINT64_MAX, .ts_ns = UINT64_MAX - 1, .kind = KV_KIND_PUT },
	};
	enum { N = sizeof(metas) / sizeof(metas[0]) };
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	struct kv_entry_meta m;
	struct kv_slice v;
	struct kv_iter *it;
	char key[8];
	size_t i = 0;

	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "m%zu", i);
		struct kv_slice k = kv_slice_str(key);

		assert_int_equal(kv_memtable_put(mt, k, k, &metas[i]), KV_OK);
	}
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "m%zu", i);
		assert_int_equal(kv_memtable_get(mt, kv_slice_str(key), &v, &m), KV_OK);
		assert_meta_eq(&m, &metas[i]);
		assert_slice_eq(v, kv_slice_str(key));
	}
	it = kv_memtable_iter(mt);
	assert_non_null(it);
	for (kv_iter_seek_first(it), i = 0; kv_iter_valid(it); kv_iter_next(it), i++) {
		kv_iter_meta(it, &m);
		assert_meta_eq(&m, &metas[i]);
	}
	assert_int_equal(i, N);
	kv_iter_close(it);

	/* Overwrite carries the new metadata, kind flips both ways. */
	{
		struct kv_memtable *mt2 = mt_open(ops);
		struct kv_entry_meta a = mk_meta(10, 1, KV_KIND_DELETE);
		struct kv_entry_meta b = mk_meta(11, 2, KV_KIND_PUT);
		struct kv_entry_meta c = mk_meta(12, 3, KV_KIND_DELETE);
		struct kv_slice none = kv_slice_make(NULL, 0);

		assert_int_equal(kv_memtable_put(mt2, kv_slice_str("k"), none, &a), KV_OK);
		assert_int_equal(kv_memtable_put(mt2, kv_slice_str("k"), kv_slice_str("val"), &b),
				 KV_OK);
		assert_int_equal(kv_memtable_get(mt2, kv_slice_str("k"), &v, &m), KV_OK);
		assert_meta_eq(&m, &b);
		assert_int_equal(kv_memtable_put(mt2, kv_slice_str("k"), none, &c), KV_OK);
		assert_int_equal(kv_memtable_get(mt2, kv_slice_str("k"), &v, &m), KV_OK);
		assert_meta_eq(&m, &c);
		assert_int_equal(v.len, 0);
		kv_memtable_destroy(mt2);
	}
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

/* Slices from get() and iterators stay readable while other keys are added. */
static void test_slices_stable(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "slices_stable");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct kv_memtable *mt = mt_open(ops);
	struct kv_slice got_v, it_k, it_v;
	struct kv_entry_meta m;
	struct kv_iter *it;
	char key[32];

	assert_int_equal(put_str(mt, "stable-key", 10, "stable-value", 12, 1), KV_OK);
	assert_int_equal(kv_memtable_get(mt, kv_slice_str("stable-key"), &got_v, &m), KV_OK);
	it = kv_memtable_iter(mt);
	assert_non_null(it);
	kv_iter_seek(it, kv_slice_str("stable-key"));
	assert_true(kv_iter_valid(it));
	it_k = kv_iter_key(it);
	it_v = kv_iter_value(it);
	kv_iter_close(it);
	for (int i = 0; i < 50000; i++) {
		int klen = snprintf(key, sizeof(key), "other-%08d", i);

		assert_int_equal(put_str(mt, key, (size_t)klen, key, (size_t)klen, 2 + (uint64_t)i),
				 KV_OK);
	}
	assert_slice_eq(got_v, kv_slice_str("stable-value"));
	assert_slice_eq(it_k, kv_slice_str("stable-key"));
	assert_slice_eq(it_v, kv_slice_str("stable-value"));
	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
}

/*
 * Put with the allocation armed to fail until a put needs memory; the put
 * must return KV_ENOMEM and leave the table as it was. Without @grow each
 * put adds a new key with a value of 0..vmax bytes; with @grow it overwrites
 * one of 200 keys of this run (first written unarmed with vmax / 2 bytes) with a value
 * 1..64 bytes longer than its current one (at most vmax).
 */
static void alloc_fail_run(struct kv_memtable *mt, struct tu_refmap *ref,
			   struct kv_buf *scratch, struct kv_rng *r, uint64_t *seq, bool grow,
			   size_t vmax)
{
	char *val = kv_malloc(KV_MEM_OTHER, vmax);
	char key[32];
	bool failed = false;

	assert_non_null(val);
	kv_rng_fill(r, val, vmax);
	for (int i = 0; i < 200000 && !failed; i++) {
		struct kv_entry_meta m, gm;
		struct kv_slice k, enc, gv;
		size_t klen, vlen;
		uint64_t allocs;
		int rc;

		if (grow) {
			klen = (size_t)snprintf(key, sizeof(key), "grow%zu-%03d", vmax, i % 200);
			k = kv_slice_make(key, klen);
			if (!tu_refmap_get(ref, k, &enc)) {
				struct kv_slice v0 = kv_slice_make(val, vmax / 2);

				++*seq;
				m = mk_meta(*seq, *seq, KV_KIND_PUT);
				assert_int_equal(kv_memtable_put(mt, k, v0, &m), KV_OK);
				ref_put(ref, scratch, k, v0, &m);
				assert_true(tu_refmap_get(ref, k, &enc));
			}
			vlen = enc.len - ENC_HDR + 1 + (size_t)kv_rng_below(r, 64);
			if (vlen > vmax)
				vlen = vmax;
		} else {
			klen = (size_t)snprintf(key, sizeof(key), "new-%08" PRIu64, *seq + 1);
			k = kv_slice_make(key, klen);
			vlen = (size_t)kv_rng_below(r, vmax + 1);
		}
		++*seq;
		m = mk_meta(*seq, *seq, KV_KIND_PUT);
		allocs = kv_alloc_count();
		kv_alloc_fail_nth(1);
		rc = kv_memtable_put(mt, k, kv_slice_make(val, vlen), &m);
		kv_alloc_fail_nth(0);
		allocs = kv_alloc_count() - allocs;
		if (rc == KV_OK) {
			assert_int_equal(allocs, 0); /* else an allocation failed unreported */
			ref_put(ref, scratch, k, kv_slice_make(val, vlen), &m);
			continue;
		}
		assert_int_equal(rc, KV_ENOMEM);
		assert_true(allocs >= 1);
		failed = true;
		printf("  put %d (%s, %zu B value) failed with KV_ENOMEM as injected\n", i,
		       grow ? "growing overwrite" : "new key", vlen);
		/* Unchanged: the key is absent or still has its old entry. */
		if (tu_refmap_get(ref, k, &enc))
			check_get(mt, ref, k);
		else
			assert_int_equal(kv_memtable_get(mt, k, &gv, &gm), KV_NOTFOUND);
		check_model(mt, ref);
		/* The same put succeeds once memory is back. */
		assert_int_equal(kv_memtable_put(mt, k, kv_slice_make(val, vlen), &m), KV_OK);
		ref_put(ref, scratch, k, kv_slice_make(val, vlen), &m);
		check_model(mt, ref);
	}
	assert_true(failed);
	kv_free(KV_MEM_OTHER, val, vmax);
}

static void test_alloc_failure(void **state)
{
	const struct kv_memtable_ops *ops = kind_of(state, "alloc_failure");
	size_t base = kv_mem_in_use(KV_MEM_MEMTABLE);
	struct tu_refmap *ref = tu_refmap_new();
	struct kv_buf scratch = { 0 };
	struct kv_memtable *mt = NULL;
	struct kv_iter *it = NULL;
	struct kv_rng r;
	uint64_t seq = 0;
	int rc = KV_ENOMEM;

	kv_rng_seed(&r, 13);
	/* Creation fails cleanly at every allocation it makes. */
	for (long nth = 1; nth <= 16 && rc != KV_OK; nth++) {
		struct kv_err err;

		kv_err_clear(&err);
		kv_alloc_fail_nth(nth);
		rc = kv_memtable_create(ops, NULL, &mt, &err);
		kv_alloc_fail_nth(0);
		if (rc == KV_OK)
			break;
		assert_int_equal(rc, KV_ENOMEM);
		assert_int_equal(err.code, KV_ENOMEM);
		assert_null(mt);
		assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
	}
	assert_int_equal(rc, KV_OK);
	assert_non_null(mt);

	alloc_fail_run(mt, ref, &scratch, &r, &seq, false, 300);
	alloc_fail_run(mt, ref, &scratch, &r, &seq, true, 4096);
	alloc_fail_run(mt, ref, &scratch, &r, &seq, false, MIB);
	alloc_fail_run(mt, ref, &scratch, &r, &seq, true, 4 * MIB);

	/* Iterator creation: NULL on ENOMEM, no leak. */
	kv_alloc_fail_nth(1);
	it = kv_memtable_iter(mt);
	kv_alloc_fail_nth(0);
	kv_iter_close(it);
	check_model(mt, ref);
	assert_bytes_cover(mt, base);

	kv_memtable_destroy(mt);
	assert_int_equal(kv_mem_in_use(KV_MEM_MEMTABLE), base);
	tu_refmap_free(ref);
	kv_buf_free(&scratch);
}

int main(void)
{
	int failed = 0;
	size_t nkinds = 0;

	for (size_t i = 0; kv_memtable_registry[i]; i++) {
		void *ops = (void *)kv_memtable_registry[i];
		const struct CMUnitTest tests[] = {
			cmocka_unit_test_prestate(test_empty, ops),
			cmocka_unit_test_prestate(test_put_get, ops),
			cmocka_unit_test_prestate(test_overwrite, ops),
			cmocka_unit_test_prestate(test_tombstones, ops),
			cmocka_unit_test_prestate(test_order, ops),
			cmocka_unit_test_prestate(test_seek, ops),
			cmocka_unit_test_prestate(test_zero_byte_values, ops),
			cmocka_unit_test_prestate(test_big_values, ops),
			cmocka_unit_test_prestate(test_random_model, ops),
			cmocka_unit_test_prestate(test_approx_bytes, ops),
			cmocka_unit_test_prestate(test_meta_roundtrip, ops),
			cmocka_unit_test_prestate(test_slices_stable, ops),
			cmocka_unit_test_prestate(test_alloc_failure, ops),
		};

		if (kv_memtable_find(kv_memtable_registry[i]->name) != kv_memtable_registry[i]) {
			fprintf(stderr, "kv_memtable_find(\"%s\") does not find it\n",
				kv_memtable_registry[i]->name);
			return 1;
		}
		failed += cmocka_run_group_tests_name(kv_memtable_registry[i]->name, tests, NULL,
						      NULL);
		nkinds++;
	}
	if (nkinds == 0) {
		fprintf(stderr, "no memtable kinds registered\n");
		return 1;
	}
	if (kv_memtable_find("no-such-kind") != NULL || kv_memtable_find(NULL) != NULL) {
		fprintf(stderr, "kv_memtable_find found a kind that does not exist\n");
		return 1;
	}
	return failed;
}
