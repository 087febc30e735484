/*
 * tests/unit/test_sstable.c - the SSTable writer and reader
 * (core/lsm/sstable_writer.c, sstable_reader.c) on the RAM device:
 * 50k random entries (tombstones, 0-byte and 100 KiB values) read back by
 * get and by iterators (with and without the block cache, with and
 * without read-ahead), absent keys, seeks, exact properties, append
 * batching, no allocation on a cache hit, corruption of every region
 * (and of every single byte position sampled at random), truncation,
 * allocation failure during open, writer errors, and the bytes per entry
 * of a db_bench-shaped table. The read and corruption tests run again on
 * the file device, whose reads are views of a mapping (kv_dev_map).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/coding.h"
#include "core/device.h"
#include "core/lsm/block.h"
#include "core/lsm/block_cache.h"
#include "core/lsm/sstable.h"
#include "core/lsm/sstable_format.h"
#include "core/options.h"
#include "devices/file.h"
#include "devices/mem.h"

#define NAME "000012.sst"
#define TMP_TEMPLATE "/tmp/lsmlab-sstable-XXXXXX"

/* The device of the running group: the mem device, or the file device in tmpdir. */
static const struct kv_device_ops *dev_ops = &kv_mem_device_ops;
static char tmpdir[sizeof(TMP_TEMPLATE)];

static uint64_t seed;

/* ---- the entry set ---- */

struct ent {
	size_t key_off, key_len, val_off, val_len;
	struct kv_entry_meta meta;
};

struct set {
	struct ent *e;
	size_t n, cap;
	struct kv_buf bytes;
};

static struct kv_slice skey(const struct set *s, size_t i)
{
	return kv_slice_make(s->bytes.data + s->e[i].key_off, s->e[i].key_len);
}

static struct kv_slice sval(const struct set *s, size_t i)
{
	return kv_slice_make(s->bytes.data + s->e[i].val_off, s->e[i].val_len);
}

static const struct set *sort_set;

static int ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	return kv_slice_cmp(kv_slice_make(sort_set->bytes.data + x->key_off, x->key_len),
			    kv_slice_make(sort_set->bytes.data + y->key_off, y->key_len));
}

static void set_push(struct set *s, struct kv_slice key, struct kv_slice val,
		     const struct kv_entry_meta *m)
{
	struct ent *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;

		s->e = kv_realloc(KV_MEM_OTHER, s->e, s->cap * sizeof(*s->e), cap * sizeof(*s->e));
		assert_non_null(s->e);
		s->cap = cap;
	}
	e = &s->e[s->n++];
	e->key_off = s->bytes.len;
	e->key_len = key.len;
	assert_int_equal(kv_buf_append(&s->bytes, key.data, key.len), KV_OK);
	e->val_off = s->bytes.len;
	e->val_len = val.len;
	assert_int_equal(kv_buf_append(&s->bytes, val.data, val.len), KV_OK);
	e->meta = *m;
}

/* Sort and drop duplicate keys. */
static void set_finish(struct set *s)
{
	size_t out = 0;

	sort_set = s;
	qsort(s->e, s->n, sizeof(*s->e), ent_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (out == 0 || kv_slice_cmp(skey(s, out - 1), skey(s, i)) != 0)
			s->e[out++] = s->e[i];
	s->n = out;
}

static void set_free(struct set *s)
{
	kv_free(KV_MEM_OTHER, s->e, s->cap * sizeof(*s->e));
	kv_buf_free(&s->bytes);
	memset(s, 0, sizeof(*s));
}

/*
 * @n random entries: keys 4..24 bytes over a small alphabet with shared
 * prefixes; ~10 % tombstones; some 0-byte values; every 1000th value is
 * 100 KiB (when @big).
 */
static void make_random(struct set *s, struct kv_rng *r, size_t n, bool big)
{
	static char vbuf[100 * 1024];

	for (size_t i = 0; i < n; i++) {
		char key[24];
		size_t kl = 4 + kv_rng_below(r, 21), vl;
		struct kv_entry_meta m;

		for (size_t j = 0; j < kl; j++)
			key[j] = j < 2 ? (char)('a' + kv_rng_below(r, 3))
				       : (char)(kv_rng_below(r, 8) ? 'a' + kv_rng_below(r, 26)
								   : kv_rng_below(r, 256));
		m.seq = 1 + kv_rng_below(r, UINT64_C(1) << 50);
		m.ts_ns = UINT64_C(1700000000000000000) + kv_rng_below(r, UINT64_C(1) << 40);
		m.kind = kv_rng_below(r, 10) ? KV_KIND_PUT : KV_KIND_DELETE;
		if (m.kind == KV_KIND_DELETE || i % 13 == 0)
			vl = 0;
		else if (big && i % 1000 == 999)
			vl = sizeof(vbuf);
		else
			vl = 1 + kv_rng_below(r, 200);
		tu_rand_bytes(r, vbuf, vl);
		set_push(s, kv_slice_make(key, kl), kv_slice_make(vbuf, vl), &m);
	}
	set_finish(s);
}

static bool set_contains(const struct set *s, struct kv_slice key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = kv_slice_cmp(skey(s, mid), key);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static size_t lower_bound(const struct set *s, struct kv_slice key)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (kv_slice_cmp(skey(s, mid), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- helpers ---- */

static struct kv_device *open_dev(const char *capacity)
{
	struct kv_device *dev = NULL;
	struct kv_config *cfg = NULL;
	struct kv_err err;

	if (capacity || dev_ops == &kv_file_device_ops) {
		cfg = kv_config_new();
		assert_non_null(cfg);
		if (capacity)
			assert_int_equal(kv_config_set(cfg, "capacity", capacity), KV_OK);
		else
			assert_int_equal(kv_config_set(cfg, "fsync", "false"), KV_OK);
	}
	if (kv_dev_open(capacity ? &kv_mem_device_ops : dev_ops, cfg, tmpdir, &dev, &err) != KV_OK)
		fail_msg("open device: %s", kv_err_msg(&err));
	kv_config_free(cfg);
	return dev;
}

static int use_file_device(void **state)
{
	(void)state;
	memcpy(tmpdir, TMP_TEMPLATE, sizeof(TMP_TEMPLATE));
	if (!mkdtemp(tmpdir))
		return -1;
	dev_ops = &kv_file_device_ops;
	return 0;
}

static int drop_file_device(void **state)
{
	(void)state;
	tu_remove_tree(tmpdir);
	dev_ops = &kv_mem_device_ops;
	return 0;
}

static struct kv_sst_writer_opts opts(uint32_t block, uint32_t restart, uint32_t bloom)
{
	struct kv_sst_writer_opts o = { block, restart, bloom };

	return o;
}

static void write_table(struct kv_device *dev, const char *name, const struct set *s,
			struct kv_sst_writer_opts o, struct kv_sst_props *props)
{
	struct kv_sst_writer *w;
	struct kv_err err;

	assert_int_equal(kv_sst_writer_open(dev, name, &o, &w, &err), KV_OK);
	for (size_t i = 0; i < s->n; i++) {
		assert_int_equal(kv_sst_writer_add(w, skey(s, i), sval(s, i), &s->e[i].meta),
				 KV_OK);
		assert_int_equal(kv_sst_writer_entries(w), i + 1);
	}
	assert_int_equal(kv_sst_writer_finish(w, props, &err), KV_OK);
}

static uint64_t ts_trunc(uint64_t ns)
{
	return ns / 1000 * 1000;
}

/* The properties a table of @s must have. */
static void check_props(const struct kv_sst_props *p, const struct set *s)
{
	uint64_t tomb = 0, kb = 0, vb = 0, mints = UINT64_MAX, maxts = 0, minseq = UINT64_MAX,
		 maxseq = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct kv_entry_meta *m = &s->e[i].meta;

		tomb += m->kind == KV_KIND_DELETE;
		kb += s->e[i].key_len;
		vb += s->e[i].val_len;
		mints = ts_trunc(m->ts_ns) < mints ? ts_trunc(m->ts_ns) : mints;
		maxts = ts_trunc(m->ts_ns) > maxts ? ts_trunc(m->ts_ns) : maxts;
		minseq = m->seq < minseq ? m->seq : minseq;
		maxseq = m->seq > maxseq ? m->seq : maxseq;
	}
	assert_int_equal(p->entries, s->n);
	assert_int_equal(p->tombstones, tomb);
	assert_int_equal(p->key_bytes, kb);
	assert_int_equal(p->value_bytes, vb);
	if (s->n) {
		assert_int_equal(p->min_ts_ns, mints);
		assert_int_equal(p->max_ts_ns, maxts);
		assert_int_equal(p->min_seq, minseq);
		assert_int_equal(p->max_seq, maxseq);
		assert_true(kv_slice_eq(kv_buf_slice(&p->smallest), skey(s, 0)));
		assert_true(kv_slice_eq(kv_buf_slice(&p->largest), skey(s, s->n - 1)));
		assert_true(p->data_blocks >= 1);
	} else {
		assert_int_equal(p->min_ts_ns, 0);
		assert_int_equal(p->max_seq, 0);
		assert_int_equal(p->smallest.len, 0);
		assert_int_equal(p->largest.len, 0);
		assert_int_equal(p->data_blocks, 0);
	}
	assert_true(p->data_bytes + p->index_bytes + p->filter_bytes + KV_SST_FOOTER_BYTES <
		    p->file_bytes);
}

static void props_equal(const struct kv_sst_props *a, const struct kv_sst_props *b)
{
	assert_int_equal(a->entries, b->entries);
	assert_int_equal(a->tombstones, b->tombstones);
	assert_int_equal(a->key_bytes, b->key_bytes);
	assert_int_equal(a->value_bytes, b->value_bytes);
	assert_int_equal(a->min_ts_ns, b->min_ts_ns);
	assert_int_equal(a->max_ts_ns, b->max_ts_ns);
	assert_int_equal(a->min_seq, b->min_seq);
	assert_int_equal(a->max_seq, b->max_seq);
	assert_int_equal(a->data_blocks, b->data_blocks);
	assert_int_equal(a->data_bytes, b->data_bytes);
	assert_int_equal(a->index_bytes, b->index_bytes);
	assert_int_equal(a->filter_bytes, b->filter_bytes);
	assert_int_equal(a->file_bytes, b->file_bytes);
	assert_true(kv_slice_eq(kv_buf_slice(&a->smallest), kv_buf_slice(&b->smallest)));
	assert_true(kv_slice_eq(kv_buf_slice(&a->largest), kv_buf_slice(&b->largest)));
}

static void check_get(struct kv_sst *t, const struct set *s, size_t i, struct kv_buf *v,
		      struct kv_sst_read_stats *st)
{
	struct kv_entry_meta m;
	struct kv_err err;

	assert_int_equal(kv_sst_get(t, skey(s, i), v, &m, st, &err), KV_OK);
	assert_true(kv_slice_eq(kv_buf_slice(v), sval(s, i)));
	assert_int_equal(m.seq, s->e[i].meta.seq);
	assert_int_equal(m.kind, s->e[i].meta.kind);
	assert_int_equal(m.ts_ns, ts_trunc(s->e[i].meta.ts_ns));
}

static void check_iter_at(struct kv_iter *it, const struct set *s, size_t i)
{
	struct kv_entry_meta m;

	assert_true(kv_iter_valid(it));
	assert_true(kv_slice_eq(kv_iter_key(it), skey(s, i)));
	assert_true(kv_slice_eq(kv_iter_value(it), sval(s, i)));
	kv_iter_meta(it, &m);
	assert_int_equal(m.seq, s->e[i].meta.seq);
	assert_int_equal(m.kind, s->e[i].meta.kind);
	assert_int_equal(m.ts_ns, ts_trunc(s->e[i].meta.ts_ns));
}

static void check_scan_and_seeks(struct kv_sst *t, const struct set *s, bool fill_cache,
				 struct kv_rng *r, int nseeks)
{
	struct kv_iter *it = kv_sst_iter(t, fill_cache);
	size_t i = 0;

	assert_non_null(it);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it))
		check_iter_at(it, s, i++);
	assert_int_equal(kv_iter_status(it), KV_OK);
	assert_int_equal(i, s->n);
	for (int k = 0; k < nseeks; k++) {
		char probe[32];
		size_t pl, lb;

		if (s->n && kv_rng_below(r, 2)) {
			struct kv_slice key = skey(s, kv_rng_below(r, s->n));

			pl = key.len < 30 ? key.len : 30;
			memcpy(probe, key.data, pl);
			if (kv_rng_below(r, 3) == 0)
				probe[pl++] = '\0';
			else if (kv_rng_below(r, 2) && pl)
				pl--;
		} else {
			pl = kv_rng_below(r, 8);
			for (size_t j = 0; j < pl; j++)
				probe[j] = (char)('a' + kv_rng_below(r, 26));
		}
		lb = lower_bound(s, kv_slice_make(probe, pl));
		kv_iter_seek(it, kv_slice_make(probe, pl));
		for (size_t j = lb; j < s->n && j < lb + 3; j++) {
			check_iter_at(it, s, j);
			kv_iter_next(it);
		}
		if (lb + 3 >= s->n)
			assert_false(kv_iter_valid(it));
		assert_int_equal(kv_iter_status(it), KV_OK);
	}
	kv_iter_close(it);
}

/* ---- tests ---- */

static void test_roundtrip_50k(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_block_cache *cache = kv_block_cache_new(4u << 20);
	struct kv_sst_props wp, *rp;
	struct kv_sst_read_stats st;
	struct kv_dev_stats ds;
	struct kv_buf v = { 0 };
	struct kv_block_cache_stats cs;
	struct set s = { 0 };
	struct kv_rng r;
	struct kv_sst *t;
	struct kv_err err;
	uint64_t size, absent = 0, allocs;
	struct kv_entry_meta m;

	(void)state;
	kv_rng_seed(&r, seed);
	make_random(&s, &r, 50000, true);
	kv_dev_reset_stats(dev);
	write_table(dev, NAME, &s, opts(4096, 16, 10), &wp);
	check_props(&wp, &s);
	assert_int_equal(kv_dev_stat(dev, NAME, &size), KV_OK);
	assert_int_equal(size, wp.file_bytes);
	kv_dev_get_stats(dev, &ds);
	/* appends are batched: every append but the last carries >= 64 KiB */
	assert_int_equal(ds.kind[KV_FILE_SST].bytes_written, size);
	assert_true(ds.kind[KV_FILE_SST].writes <= size / KV_SST_APPEND_BYTES + 1);
	assert_int_equal(ds.kind[KV_FILE_SST].syncs, 1);
	fprintf(stderr, "50k table: %" PRIu64 " bytes, %" PRIu64 " blocks, %" PRIu64
		" appends\n", size, wp.data_blocks, ds.kind[KV_FILE_SST].writes);

	assert_int_equal(kv_sst_open(dev, NAME, 12, cache, &t, &err), KV_OK);
	rp = (struct kv_sst_props *)kv_sst_props(t);
	props_equal(rp, &wp);

	memset(&st, 0, sizeof(st));
	for (size_t i = 0; i < s.n; i++)
		check_get(t, &s, i, &v, &st);
	assert_int_equal(st.bloom_checks, s.n);
	assert_int_equal(st.bloom_negatives, 0);
	assert_int_equal(st.bloom_false_pos, 0);
	assert_int_equal(st.block_reads + st.cache_hits, s.n);
	assert_true(st.cache_hits > 0);

	/* absent keys */
	memset(&st, 0, sizeof(st));
	for (int k = 0; k < 20000; k++) {
		char key[24];
		size_t kl = 4 + kv_rng_below(&r, 21);

		for (size_t j = 0; j < kl; j++)
			key[j] = (char)('a' + kv_rng_below(&r, 26));
		if (set_contains(&s, kv_slice_make(key, kl)))
			continue;
		absent++;
		assert_int_equal(kv_sst_get(t, kv_slice_make(key, kl), &v, &m, &st, &err),
				 KV_NOTFOUND);
	}
	assert_int_equal(st.bloom_checks, absent);
	assert_int_equal(st.bloom_negatives + st.bloom_false_pos, absent);
	fprintf(stderr, "absent lookups: %" PRIu64 ", false positives %" PRIu64 "\n", absent,
		st.bloom_false_pos);
	assert_true(st.bloom_false_pos < absent / 50);
	/* keys outside the range */
	assert_int_equal(kv_sst_get(t, kv_slice_str(""), &v, &m, NULL, &err), KV_NOTFOUND);
	assert_int_equal(kv_sst_get(t, kv_slice_str("\xff\xff"), &v, &m, NULL, &err),
			 KV_NOTFOUND);

	/* a cache hit allocates nothing */
	check_get(t, &s, 17, &v, NULL);
	kv_buf_reserve(&v, 1 << 20);
	allocs = kv_alloc_count();
	memset(&st, 0, sizeof(st));
	check_get(t, &s, 17, &v, &st);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(kv_alloc_count(), allocs);

	check_scan_and_seeks(t, &s, true, &r, 3000);
	check_scan_and_seeks(t, &s, false, &r, 3000);
	kv_block_cache_get_stats(cache, &cs);
	assert_true(cs.bytes_in_use <= 4u << 20);
	assert_int_equal(cs.pinned, 0);
	assert_true(cs.entries > 0);
	kv_sst_close(t);
	if (dev_ops == &kv_file_device_ops) {
		/* Entries point into the closed file's mapping: close dropped them. */
		kv_block_cache_get_stats(cache, &cs);
		assert_int_equal(cs.entries, 0);
		/* A block read from the mapping allocates nothing either. */
		assert_int_equal(kv_sst_open(dev, NAME, 12, cache, &t, &err), KV_OK);
		check_get(t, &s, 17, &v, NULL);
		allocs = kv_alloc_count();
		memset(&st, 0, sizeof(st));
		check_get(t, &s, s.n - 17, &v, &st);
		assert_int_equal(st.block_reads, 1);
		assert_int_equal(kv_alloc_count(), allocs);
		kv_sst_close(t);
	}

	/* no cache at all */
	assert_int_equal(kv_sst_open(dev, NAME, 12, NULL, &t, &err), KV_OK);
	for (size_t i = 0; i < s.n; i += 7)
		check_get(t, &s, i, &v, NULL);
	check_scan_and_seeks(t, &s, true, &r, 500);
	check_scan_and_seeks(t, &s, false, &r, 500);
	kv_sst_close(t);

	kv_block_cache_erase_file(cache, 12);
	kv_block_cache_get_stats(cache, &cs);
	assert_int_equal(cs.entries, 0);
	kv_buf_free(&v);
	kv_sst_props_free(&wp);
	set_free(&s);
	kv_block_cache_free(cache);
	kv_dev_close(dev);
	assert_int_equal(kv_mem_in_use(KV_MEM_TABLE), 0);
	assert_int_equal(kv_mem_in_use(KV_MEM_COMPACTION), 0);
}

/* Read-ahead reads several blocks per device read when not filling the cache. */
static void test_readahead(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_sst_props wp;
	struct kv_dev_stats ds;
	struct set s = { 0 };
	struct kv_rng r;
	struct kv_sst *t;
	struct kv_iter *it;
	struct kv_err err;
	size_t n = 0;

	(void)state;
	kv_rng_seed(&r, seed + 5);
	make_random(&s, &r, 20000, false);
	write_table(dev, NAME, &s, opts(4096, 16, 10), &wp);
	assert_int_equal(kv_sst_open(dev, NAME, 1, NULL, &t, &err), KV_OK);
	kv_dev_reset_stats(dev);
	it = kv_sst_iter(t, false);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it))
		n++;
	assert_int_equal(n, s.n);
	kv_iter_close(it);
	kv_dev_get_stats(dev, &ds);
	assert_int_equal(ds.kind[KV_FILE_SST].bytes_read, wp.data_bytes);
	assert_true(ds.kind[KV_FILE_SST].reads <= wp.data_bytes / (KV_SST_READAHEAD_BYTES / 2) + 1);
	kv_dev_reset_stats(dev);
	it = kv_sst_iter(t, true);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it))
		n--;
	assert_int_equal(n, 0);
	kv_iter_close(it);
	kv_dev_get_stats(dev, &ds);
	assert_int_equal(ds.kind[KV_FILE_SST].reads, wp.data_blocks);
	kv_sst_close(t);
	kv_sst_props_free(&wp);
	set_free(&s);
	kv_dev_close(dev);
}

static void test_variants(void **state)
{
	static const struct {
		uint32_t block, restart, bloom;
	} v[] = {
		{ 4096, 16, 0 }, { 4096, 1, 10 }, { 1, 16, 5 }, { 256, 3, 1 }, { 65536, 64, 20 },
	};
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed + 1);
	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		struct kv_device *dev = open_dev(NULL);
		struct kv_block_cache *cache = kv_block_cache_new(1u << 20);
		struct kv_sst_props wp;
		struct kv_sst_read_stats st;
		struct kv_buf val = { 0 };
		struct set s = { 0 };
		struct kv_sst *t;
		struct kv_err err;

		make_random(&s, &r, 3000, false);
		write_table(dev, NAME, &s, opts(v[k].block, v[k].restart, v[k].bloom), &wp);
		check_props(&wp, &s);
		if (v[k].bloom == 0)
			assert_int_equal(wp.filter_bytes, 0);
		else
			assert_true(wp.filter_bytes > 0);
		if (v[k].block == 1)
			assert_int_equal(wp.data_blocks, s.n);
		assert_int_equal(kv_sst_open(dev, NAME, 3, cache, &t, &err), KV_OK);
		memset(&st, 0, sizeof(st));
		for (size_t i = 0; i < s.n; i++)
			check_get(t, &s, i, &val, &st);
		if (v[k].bloom == 0)
			assert_int_equal(st.bloom_checks, 0);
		check_scan_and_seeks(t, &s, k % 2 == 0, &r, 300);
		kv_sst_close(t);
		kv_buf_free(&val);
		kv_sst_props_free(&wp);
		set_free(&s);
		kv_block_cache_free(cache);
		kv_dev_close(dev);
	}
}

static void test_empty_table(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_sst_props wp;
	struct set s = { 0 };
	struct kv_buf v = { 0 };
	struct kv_entry_meta m;
	struct kv_sst *t;
	struct kv_iter *it;
	struct kv_err err;

	(void)state;
	for (uint32_t bloom = 0; bloom <= 10; bloom += 10) {
		write_table(dev, NAME, &s, opts(4096, 16, bloom), &wp);
		check_props(&wp, &s);
		assert_int_equal(kv_sst_open(dev, NAME, 1, NULL, &t, &err), KV_OK);
		assert_int_equal(kv_sst_get(t, kv_slice_str("a"), &v, &m, NULL, &err), KV_NOTFOUND);
		assert_int_equal(kv_sst_get(t, kv_slice_str(""), &v, &m, NULL, &err), KV_NOTFOUND);
		it = kv_sst_iter(t, true);
		kv_iter_seek_first(it);
		assert_false(kv_iter_valid(it));
		kv_iter_seek(it, kv_slice_str(""));
		assert_false(kv_iter_valid(it));
		assert_int_equal(kv_iter_status(it), KV_OK);
		kv_iter_close(it);
		kv_sst_close(t);
		kv_sst_props_free(&wp);
	}
	kv_dev_close(dev);
}

static void test_huge_values(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_sst_props wp;
	struct set s = { 0 };
	struct kv_buf v = { 0 };
	struct kv_rng r;
	struct kv_sst *t;
	struct kv_err err;
	char *big = kv_malloc(KV_MEM_OTHER, 1 << 20);
	struct kv_entry_meta m = { 1, 5000, KV_KIND_PUT };

	(void)state;
	assert_non_null(big);
	kv_rng_seed(&r, seed + 2);
	tu_rand_bytes(&r, big, 1 << 20);
	set_push(&s, kv_slice_str("a"), kv_slice_str("small"), &m);
	m.seq = 2;
	set_push(&s, kv_slice_str("b"), kv_slice_make(big, 1 << 20), &m);
	m.seq = 3;
	set_push(&s, kv_slice_str("c"), kv_slice_make("", 0), &m);
	m.seq = 4;
	set_push(&s, kv_slice_str("d"), kv_slice_make(big, 100 * 1024), &m);
	set_finish(&s);
	write_table(dev, NAME, &s, opts(4096, 16, 10), &wp);
	assert_int_equal(kv_sst_open(dev, NAME, 1, NULL, &t, &err), KV_OK);
	for (size_t i = 0; i < s.n; i++)
		check_get(t, &s, i, &v, NULL);
	check_scan_and_seeks(t, &s, false, &r, 50);
	kv_sst_close(t);
	kv_buf_free(&v);
	kv_sst_props_free(&wp);
	set_free(&s);
	kv_free(KV_MEM_OTHER, big, 1 << 20);
	kv_dev_close(dev);
}

/* ---- corruption ---- */

static void assert_corrupt_msg(const char *msg)
{
	if (!strstr(msg, "'" NAME "'") || !strstr(msg, " at offset "))
		fail_msg("message lacks file name or offset: %s", msg);
}

static char *read_file(struct kv_device *dev, const char *name, uint64_t *size)
{
	struct kv_file *f;
	char *buf;

	assert_int_equal(kv_dev_stat(dev, name, size), KV_OK);
	buf = kv_malloc(KV_MEM_OTHER, (size_t)*size);
	assert_non_null(buf);
	assert_int_equal(kv_dev_open_file(dev, name, KV_FILE_OTHER, &f), KV_OK);
	assert_int_equal(kv_dev_read(f, 0, buf, (size_t)*size), KV_OK);
	kv_dev_close_file(f);
	return buf;
}

/* Replace file @name by @len bytes of @img with byte @at xor-ed with @mask. */
static void install(struct kv_device *dev, const char *name, const char *img, size_t len,
		    uint64_t at, unsigned char mask)
{
	struct kv_file *f;

	assert_int_equal(kv_dev_create(dev, name, KV_FILE_OTHER, &f), KV_OK);
	assert_int_equal(kv_dev_append(f, img, len), KV_OK);
	if (mask && at < len) {
		char c = (char)(img[at] ^ (char)mask);

		assert_int_equal(kv_dev_write(f, at, &c, 1), KV_OK);
	}
	kv_dev_close_file(f);
}

struct outcome {
	bool open_failed;
	size_t get_errors, scan_errors;
};

/*
 * Open the (damaged) table, read every key by get and by scan. Any
 * failure must be KV_ECORRUPT naming the file and an offset; a success
 * must return exactly the right bytes.
 */
static struct outcome probe_table(struct kv_device *dev, const struct set *s, bool use_cache)
{
	struct kv_block_cache *cache = use_cache ? kv_block_cache_new(1u << 20) : NULL;
	struct outcome o = { false, 0, 0 };
	struct kv_buf v = { 0 };
	struct kv_entry_meta m;
	struct kv_sst *t;
	struct kv_iter *it;
	struct kv_err err;
	size_t i = 0;
	int rc;

	rc = kv_sst_open(dev, NAME, 9, cache, &t, &err);
	if (rc != KV_OK) {
		assert_int_equal(rc, KV_ECORRUPT);
		assert_null(t);
		assert_corrupt_msg(kv_err_msg(&err));
		o.open_failed = true;
		goto out;
	}
	for (size_t j = 0; j < s->n; j++) {
		rc = kv_sst_get(t, skey(s, j), &v, &m, NULL, &err);
		if (rc == KV_ECORRUPT) {
			assert_corrupt_msg(kv_err_msg(&err));
			o.get_errors++;
			continue;
		}
		assert_int_equal(rc, KV_OK);
		assert_true(kv_slice_eq(kv_buf_slice(&v), sval(s, j)));
		assert_int_equal(m.seq, s->e[j].meta.seq);
	}
	it = kv_sst_iter(t, use_cache);
	for (kv_iter_seek_first(it); kv_iter_valid(it); kv_iter_next(it))
		check_iter_at(it, s, i++);
	if (kv_iter_status(it) != KV_OK) {
		assert_int_equal(kv_iter_status(it), KV_ECORRUPT);
		assert_corrupt_msg(kv_iter_errmsg(it));
		o.scan_errors++;
	} else {
		assert_int_equal(i, s->n);
	}
	kv_iter_close(it);
	kv_sst_close(t);
out:
	kv_buf_free(&v);
	kv_block_cache_free(cache);
	return o;
}

static void test_corrupt_regions(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_sst_props wp;
	struct set s = { 0 };
	struct kv_rng r;
	uint64_t size, foot;
	char *img;
	struct {
		const char *what;
		uint64_t at;
		bool open_fails;
	} cases[8];
	int nc = 0;

	(void)state;
	kv_rng_seed(&r, seed + 3);
	make_random(&s, &r, 5000, false);
	write_table(dev, NAME, &s, opts(4096, 16, 10), &wp);
	img = read_file(dev, NAME, &size);
	foot = size - KV_SST_FOOTER_BYTES;
	{
		uint64_t filter_off = kv_get_u64(img + foot + KV_SST_FOOTER_FILTER);
		uint64_t props_off = kv_get_u64(img + foot + KV_SST_FOOTER_PROPS);
		uint64_t index_off = kv_get_u64(img + foot + KV_SST_FOOTER_INDEX);
		uint64_t index_size = kv_get_u64(img + foot + KV_SST_FOOTER_INDEX + 8);

		assert_int_equal(filter_off, wp.data_bytes);
		cases[nc].what = "data block";
		cases[nc].at = wp.data_bytes / 2;
		cases[nc++].open_fails = false;
		cases[nc].what = "data block trailer";
		cases[nc].at = wp.data_bytes - 2;
		cases[nc++].open_fails = false;
		cases[nc].what = "filter";
		cases[nc].at = filter_off + 10;
		cases[nc++].open_fails = true;
		cases[nc].what = "properties";
		cases[nc].at = props_off + 1;
		cases[nc++].open_fails = true;
		cases[nc].what = "index";
		cases[nc].at = index_off + index_size / 2;
		cases[nc++].open_fails = true;
		cases[nc].what = "footer magic";
		cases[nc].at = foot + KV_SST_FOOTER_MAGIC + 3;
		cases[nc++].open_fails = true;
		cases[nc].what = "footer handle";
		cases[nc].at = foot + KV_SST_FOOTER_INDEX + 1;
		cases[nc++].open_fails = true;
	}
	for (int c = 0; c < nc; c++) {
		struct outcome o;

		install(dev, NAME, img, (size_t)size, cases[c].at, 0x10);
		o = probe_table(dev, &s, c % 2 == 0);
		fprintf(stderr, "flip in %s at %" PRIu64 ": open %s, %zu get errors, scan %s\n",
			cases[c].what, cases[c].at, o.open_failed ? "failed" : "ok", o.get_errors,
			o.scan_errors ? "failed" : "ok");
		if (cases[c].open_fails) {
			assert_true(o.open_failed);
		} else {
			assert_false(o.open_failed);
			assert_true(o.get_errors > 0);
			assert_true(o.scan_errors > 0);
		}
	}
	/* the message of a bad data block names its offset */
	{
		struct kv_sst *t;
		struct kv_buf v = { 0 };
		struct kv_entry_meta m;
		struct kv_err err;
		char want[64];
		size_t j = 0;

		install(dev, NAME, img, (size_t)size, 10, 0x01); /* inside block 0 */
		assert_int_equal(kv_sst_open(dev, NAME, 9, NULL, &t, &err), KV_OK);
		assert_int_equal(kv_sst_get(t, skey(&s, j), &v, &m, NULL, &err), KV_ECORRUPT);
		snprintf(want, sizeof(want), "'%s' at offset 0: block checksum mismatch", NAME);
		if (!strstr(kv_err_msg(&err), want))
			fail_msg("unexpected message: %s", kv_err_msg(&err));
		kv_sst_close(t);
		kv_buf_free(&v);
	}
	kv_free(KV_MEM_OTHER, img, (size_t)size);
	kv_sst_props_free(&wp);
	set_free(&s);
	kv_dev_close(dev);
}

/* Every byte is covered by a checksum: any single flip is detected somewhere. */
static void test_corrupt_any_byte(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_sst_props wp;
	struct set s = { 0 };
	struct kv_rng r;
	uint64_t size;
	char *img;
	int rounds = tu_slow() ? 3000 : 300;

	(void)state;
	kv_rng_seed(&r, seed + 4);
	make_random(&s, &r, 400, false);
	write_table(dev, NAME, &s, opts(512, 4, 10), &wp);
	img = read_file(dev, NAME, &size);
	for (int k = 0; k < rounds; k++) {
		uint64_t at = kv_rng_below(&r, size);
		unsigned char mask = (unsigned char)(1u << kv_rng_below(&r, 8));
		struct outcome o;

		install(dev, NAME, img, (size_t)size, at, mask);
		o = probe_table(dev, &s, k % 2 == 0);
		if (!o.open_failed && o.get_errors == 0 && o.scan_errors == 0)
			fail_msg("flip at offset %" PRIu64 " of %" PRIu64 " went unnoticed", at,
				 size);
	}
	kv_free(KV_MEM_OTHER, img, (size_t)size);
	kv_sst_props_free(&wp);
	set_free(&s);
	kv_dev_close(dev);
}

static void test_truncated(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_sst_props wp;
	struct set s = { 0 };
	struct kv_rng r;
	uint64_t size;
	char *img;

	(void)state;
	kv_rng_seed(&r, seed + 6);
	make_random(&s, &r, 2000, false);
	write_table(dev, NAME, &s, opts(4096, 16, 10), &wp);
	img = read_file(dev, NAME, &size);
	{
		const uint64_t lens[] = { 0, 1, 10, 63, 64, 65, size / 2, size - 65, size - 64,
					  size - 63, size - 1 };

		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			struct kv_sst *t;
			struct kv_err err;

			install(dev, NAME, img, (size_t)lens[k], 0, 0);
			assert_int_equal(kv_sst_open(dev, NAME, 1, NULL, &t, &err), KV_ECORRUPT);
			assert_corrupt_msg(kv_err_msg(&err));
		}
	}
	/* a missing file is the device's error, not corruption */
	{
		struct kv_sst *t;
		struct kv_err err;

		assert_int_not_equal(kv_sst_open(dev, "000099.sst", 1, NULL, &t, &err), KV_OK);
		assert_null(t);
	}
	kv_free(KV_MEM_OTHER, img, (size_t)size);
	kv_sst_props_free(&wp);
	set_free(&s);
	kv_dev_close(dev);
}

/* Allocation failure at every step of open: KV_ENOMEM, nothing leaked. */
static void test_open_enomem(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_block_cache *cache = kv_block_cache_new(1 << 20);
	struct kv_sst_props wp;
	struct set s = { 0 };
	struct kv_buf v = { 0 };
	struct kv_rng r;
	int rc = KV_ENOMEM;

	(void)state;
	kv_rng_seed(&r, seed + 7);
	make_random(&s, &r, 3000, false);
	write_table(dev, NAME, &s, opts(1024, 16, 10), &wp);
	for (long n = 1; rc == KV_ENOMEM; n++) {
		size_t base = kv_mem_in_use(KV_MEM_TABLE);
		struct kv_sst *t = NULL;
		struct kv_err err;

		kv_alloc_fail_nth(n);
		rc = kv_sst_open(dev, NAME, 1, cache, &t, &err);
		kv_alloc_fail_nth(0);
		if (rc == KV_ENOMEM) {
			assert_null(t);
			assert_int_equal(kv_mem_in_use(KV_MEM_TABLE), base);
			continue;
		}
		assert_int_equal(rc, KV_OK);
		/* and a get / a scan with failing allocations */
		for (long g = 1; g < 6; g++) {
			struct kv_entry_meta m;
			struct kv_iter *it;

			kv_alloc_fail_nth(g);
			rc = kv_sst_get(t, skey(&s, (size_t)g * 100), &v, &m, NULL, &err);
			kv_alloc_fail_nth(0);
			assert_true(rc == KV_OK || rc == KV_ENOMEM);
			kv_alloc_fail_nth(g);
			it = kv_sst_iter(t, false);
			if (it) {
				kv_iter_seek_first(it);
				assert_true(kv_iter_valid(it) || kv_iter_status(it) == KV_ENOMEM);
				kv_iter_close(it);
			}
			kv_alloc_fail_nth(0);
		}
		kv_sst_close(t);
		rc = KV_OK;
	}
	kv_buf_free(&v);
	kv_sst_props_free(&wp);
	set_free(&s);
	kv_block_cache_free(cache);
	kv_dev_close(dev);
}

static void test_writer_errors(void **state)
{
	struct kv_device *dev = open_dev("300000");
	struct kv_sst_writer *w;
	struct kv_sst_writer_opts o;
	struct kv_sst_props p;
	struct kv_entry_meta m = { 1, 0, KV_KIND_PUT };
	struct kv_err err;
	uint64_t size;
	char val[1000];
	int rc = KV_OK;

	(void)state;
	o = opts(0, 16, 10);
	assert_int_equal(kv_sst_writer_open(dev, NAME, &o, &w, &err), KV_EINVAL);
	assert_null(w);
	o = opts(4096, 0, 10);
	assert_int_equal(kv_sst_writer_open(dev, NAME, &o, &w, &err), KV_EINVAL);
	o = opts(4096, 16, 65);
	assert_int_equal(kv_sst_writer_open(dev, NAME, &o, &w, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "bloom_bits_per_key"));

	/* abandon removes the file */
	o = opts(4096, 16, 10);
	assert_int_equal(kv_sst_writer_open(dev, NAME, &o, &w, &err), KV_OK);
	assert_int_equal(kv_sst_writer_add(w, kv_slice_str("a"), kv_slice_str("1"), &m), KV_OK);
	assert_true(kv_sst_writer_bytes(w) > KV_SST_FOOTER_BYTES);
	kv_sst_writer_abandon(w);
	assert_int_equal(kv_dev_stat(dev, NAME, &size), KV_NOTFOUND);
	kv_sst_writer_abandon(NULL);

	/* ENOSPC is sticky; finish reports it and removes the file */
	memset(val, 'v', sizeof(val));
	assert_int_equal(kv_sst_writer_open(dev, NAME, &o, &w, &err), KV_OK);
	for (int i = 0; i < 1000 && rc == KV_OK; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%06d", i);
		rc = kv_sst_writer_add(w, kv_slice_str(key), kv_slice_make(val, sizeof(val)), &m);
	}
	assert_int_equal(rc, KV_ENOSPC);
	assert_int_equal(kv_sst_writer_add(w, kv_slice_str("zzz"), kv_slice_str(""), &m),
			 KV_ENOSPC);
	assert_int_equal(kv_sst_writer_finish(w, &p, &err), KV_ENOSPC);
	assert_non_null(strstr(kv_err_msg(&err), NAME));
	assert_int_equal(kv_dev_stat(dev, NAME, &size), KV_NOTFOUND);
	kv_dev_close(dev);
	assert_int_equal(kv_mem_in_use(KV_MEM_COMPACTION), 0);
}

/* The writer's size estimate tracks the real size. */
static void test_size_estimate(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_sst_writer *w;
	struct kv_sst_writer_opts o = opts(4096, 16, 10);
	struct kv_sst_props p;
	struct set s = { 0 };
	struct kv_rng r;
	struct kv_err err;
	uint64_t est;

	(void)state;
	kv_rng_seed(&r, seed + 8);
	make_random(&s, &r, 5000, false);
	assert_int_equal(kv_sst_writer_open(dev, NAME, &o, &w, &err), KV_OK);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(kv_sst_writer_add(w, skey(&s, i), sval(&s, i), &s.e[i].meta),
				 KV_OK);
	est = kv_sst_writer_bytes(w);
	assert_int_equal(kv_sst_writer_finish(w, &p, &err), KV_OK);
	fprintf(stderr, "estimate %" PRIu64 ", actual %" PRIu64 "\n", est, p.file_bytes);
	assert_true(est >= p.file_bytes && est <= p.file_bytes + 5000);
	kv_sst_props_free(&p);
	set_free(&s);
	kv_dev_close(dev);
}

/* db_bench shape: 16-byte keys, 100-byte values, 4 KiB blocks, 10 bits/key. */
static void test_bytes_per_entry(void **state)
{
	const size_t n = 100000;
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed + 9);
	for (int random_keys = 0; random_keys <= 1; random_keys++) {
		struct kv_device *dev = open_dev(NULL);
		struct kv_sst_props p;
		struct set s = { 0 };
		char key[17], val[100];
		double per;

		for (size_t i = 0; i < n; i++) {
			struct kv_entry_meta m = { i + 1, 1000 * i, KV_KIND_PUT };

			if (random_keys)
				tu_rand_bytes(&r, key, 16);
			else
				snprintf(key, sizeof(key), "%016zu", i * 7);
			tu_rand_bytes(&r, val, sizeof(val));
			set_push(&s, kv_slice_make(key, 16), kv_slice_make(val, 100), &m);
		}
		set_finish(&s);
		write_table(dev, NAME, &s, opts(4096, 16, 10), &p);
		per = (double)p.file_bytes / (double)p.entries;
		fprintf(stderr, "bytes/entry (%s 16 B keys, 100 B values, 4 KiB blocks,"
			" 10 bits/key): %.2f (data %.2f, index %.2f, filter %.2f)\n",
			random_keys ? "random" : "sequential", per,
			(double)p.data_bytes / (double)p.entries,
			(double)p.index_bytes / (double)p.entries,
			(double)p.filter_bytes / (double)p.entries);
		assert_true(per > 116 && per < 140);
		kv_sst_props_free(&p);
		set_free(&s);
		kv_dev_close(dev);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_50k),
		cmocka_unit_test(test_readahead),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_corrupt_regions),
		cmocka_unit_test(test_corrupt_any_byte),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_open_enomem),
		cmocka_unit_test(test_writer_errors),
		cmocka_unit_test(test_size_estimate),
		cmocka_unit_test(test_bytes_per_entry),
	};

	/* Reads in place from a mapping: the same checks on the file device. */
	const struct CMUnitTest file_tests[] = {
		cmocka_unit_test(test_roundtrip_50k),
		cmocka_unit_test(test_readahead),
		cmocka_unit_test(test_corrupt_regions),
		cmocka_unit_test(test_corrupt_any_byte),
		cmocka_unit_test(test_truncated),
	};
	int failed;

	seed = tu_seed(12);
	failed = cmocka_run_group_tests_name("sstable (mem device)", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("sstable (file device)", file_tests, use_file_device,
					      drop_file_device);
	return failed;
}
