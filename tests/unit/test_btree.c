/*
 * tests/unit/test_btree.c - the B+ tree over the pager and buffer pool on
 * the mem device (core/btree/btree_impl.h): random inserts and deletes
 * against a reference map with the invariant checker after every batch,
 * splits to height >= 3 with small pages, overflow keys and values,
 * free-page reuse after deletes, leaf fill after random inserts, page
 * corruption found as KV_ECORRUPT, and checkpoint + reopen.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/btree/btree.h"
#include "core/btree/btree_impl.h"
#include "core/rng.h"
#include "devices/mem.h"
#include "tests/testutil.h"

struct fx {
	struct kv_device *dev;
	struct bt_pager *pg;
	struct bt_pool *pool;
	struct bt_tree t;
	struct kv_err err;
	uint32_t page_bytes;
	uint64_t cache;
};

static void fx_open(struct fx *f)
{
	struct bt_meta meta;
	bool created;
	int r;

	r = bt_pager_open(f->dev, f->page_bytes, &f->pg, &meta, &created, &f->err);
	if (r != KV_OK)
		fail_msg("pager open: %s", kv_err_msg(&f->err));
	assert_int_equal(bt_pool_new(f->pg, f->cache, 64, &f->pool, &f->err), KV_OK);
	r = bt_tree_init(&f->t, f->pg, f->pool, &meta, &f->err);
	if (r != KV_OK)
		fail_msg("tree init: %s", kv_err_msg(&f->err));
}

static void fx_init(struct fx *f, uint32_t page_bytes, uint64_t cache)
{
	memset(f, 0, sizeof(*f));
	f->page_bytes = page_bytes;
	f->cache = cache;
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &f->dev, &f->err), KV_OK);
	fx_open(f);
}

static void fx_checkpoint(struct fx *f)
{
	struct bt_meta m;

	memset(&m, 0, sizeof(m));
	bt_tree_prepare_checkpoint(&f->t, &m);
	assert_int_equal(bt_pool_flush_all(f->pool, &f->err), KV_OK);
	if (bt_pager_checkpoint(f->pg, &m, &f->err) != KV_OK)
		fail_msg("checkpoint: %s", kv_err_msg(&f->err));
}

static void fx_close_tree(struct fx *f)
{
	bt_tree_destroy(&f->t);
	bt_pool_free(f->pool);
	bt_pager_close(f->pg);
	f->pool = NULL;
	f->pg = NULL;
}

static void fx_reopen(struct fx *f)
{
	fx_checkpoint(f);
	fx_close_tree(f);
	fx_open(f);
}

static void fx_destroy(struct fx *f)
{
	fx_close_tree(f);
	kv_dev_close(f->dev);
}

static void check_tree(struct fx *f, struct bt_check_info *info)
{
	if (bt_tree_check(&f->t, info) != KV_OK)
		fail_msg("invariants: %s", kv_err_msg(&f->err));
}

/* The tree, scanned through a cursor, equals the model. */
static void compare_all(struct fx *f, const struct tu_refmap *ref)
{
	struct bt_cursor c;
	struct tu_refmap_cursor rc;
	size_t n = 0;

	bt_cursor_init(&c, &f->t);
	assert_int_equal(bt_cursor_seek(&c, kv_slice_make("", 0), false), KV_OK);
	tu_refmap_seek(ref, kv_slice_make(NULL, 0), &rc);
	for (; c.valid; bt_cursor_next(&c), tu_refmap_cursor_next(&rc), n++) {
		assert_true(tu_refmap_cursor_valid(&rc));
		if (!kv_slice_eq(kv_buf_slice(&c.key), tu_refmap_cursor_key(&rc)) ||
		    !kv_slice_eq(kv_buf_slice(&c.value), tu_refmap_cursor_value(&rc)))
			fail_msg("scan entry %zu differs", n);
	}
	assert_int_equal(c.status, KV_OK);
	assert_false(tu_refmap_cursor_valid(&rc));
	assert_int_equal(n, tu_refmap_count(ref));
	assert_int_equal(f->t.entries, n);
	bt_cursor_destroy(&c);
}

static size_t rand_key(struct kv_rng *r, char *buf, uint64_t space)
{
	uint64_t id = kv_rng_below(r, space);
	size_t len = 1 + (size_t)(id % 40);
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + (id >> (i % 8)) % 26);
	memcpy(buf, &id, len < 4 ? len : 4);
	return len;
}

static void add_stats(struct bt_tree_stats *a, const struct bt_tree_stats *b)
{
	a->leaf_splits += b->leaf_splits;
	a->internal_splits += b->internal_splits;
	a->root_splits += b->root_splits;
	a->merges += b->merges;
	a->redistributions += b->redistributions;
}

/* Random puts/deletes/gets on 512-byte pages, overflow values included. */
static void test_random_model(void **state)
{
	struct fx f;
	struct tu_refmap *ref = tu_refmap_new();
	struct kv_rng rng;
	struct kv_buf got = { 0 };
	char key[64], *val = kv_malloc(KV_MEM_OTHER, 5000);
	uint32_t max_height = 0;
	uint64_t nops = tu_slow() ? 400000 : 60000;
	struct bt_tree_stats total = { 0 };

	(void)state;
	kv_rng_seed(&rng, tu_seed(0xb7ee01));
	fx_init(&f, 512, 64 * 512);
	for (uint64_t op = 0; op < nops; op++) {
		uint64_t p = kv_rng_below(&rng, 100);
		size_t kl = rand_key(&rng, key, 4000);
		struct kv_slice k = kv_slice_make(key, kl), want;
		if (p < 55) {
			size_t vl = kv_rng_below(&rng, 20) == 0 ? (size_t)kv_rng_below(&rng, 5000)
							      : (size_t)kv_rng_below(&rng, 60);
			tu_rand_bytes(&rng, val, vl);
			if (bt_tree_put(&f.t, k, kv_slice_make(val, vl)) != KV_OK)
				fail_msg("op %" PRIu64 ": put: %s", op, kv_err_msg(&f.err));
			tu_refmap_put(ref, k, kv_slice_make(val, vl));
		} else if (p < 85) {
			bool present = tu_refmap_del(ref, k);
			assert_int_equal(bt_tree_delete(&f.t, k), present ? KV_OK : KV_NOTFOUND);
		} else {
			bool present = tu_refmap_get(ref, k, &want);
			int r = bt_tree_get(&f.t, k, &got);
			assert_int_equal(r, present ? KV_OK : KV_NOTFOUND);
			if (present)
				assert_true(kv_slice_eq(kv_buf_slice(&got), want));
		}
		if (f.t.height > max_height)
			max_height = f.t.height;
		if (op % 1000 == 999) {
			check_tree(&f, NULL);
			assert_int_equal(bt_pool_pinned(f.pool), 0);
		}
		if (op % 10000 == 9999) {
			compare_all(&f, ref);
			add_stats(&total, &f.t.st);
			fx_reopen(&f);
			compare_all(&f, ref);
		}
	}
	add_stats(&total, &f.t.st);
	print_message("    max height %" PRIu32 ", %" PRIu64 " leaf and %" PRIu64 " internal splits, %"
		      PRIu64 " merges, %" PRIu64 " redistributions, %" PRIu64 " overflow pages\n",
		      max_height, total.leaf_splits, total.internal_splits, total.merges,
		      total.redistributions, f.t.overflow_pages);
	assert_true(max_height >= 3);
	assert_true(total.merges > 0 && total.redistributions > 0);
	assert_true(total.internal_splits > 0 && total.root_splits > 0);
	check_tree(&f, NULL);
	/* Delete everything: the tree shrinks back to an empty root leaf. */
	{
		struct tu_refmap_cursor rc;
		struct kv_buf kb = { 0 };
		for (;;) {
			tu_refmap_seek(ref, kv_slice_make(NULL, 0), &rc);
			if (!tu_refmap_cursor_valid(&rc))
				break;
			kv_buf_set(&kb, tu_refmap_cursor_key(&rc).data, tu_refmap_cursor_key(&rc).len);
			assert_int_equal(bt_tree_delete(&f.t, kv_buf_slice(&kb)), KV_OK);
			tu_refmap_del(ref, kv_buf_slice(&kb));
		}
		kv_buf_free(&kb);
	}
	check_tree(&f, NULL);
	assert_int_equal(f.t.height, 1);
	assert_int_equal(f.t.entries, 0);
	assert_int_equal(f.t.overflow_pages, 0);
	assert_int_equal(f.t.leaf_pages, 1);
	assert_int_equal(f.t.internal_pages, 0);
	fx_destroy(&f);
	tu_refmap_free(ref);
	kv_buf_free(&got);
	kv_free(KV_MEM_OTHER, val, 5000);
}

/* Long keys sharing long prefixes: separators spill to overflow chains. */
static void test_long_keys_and_values(void **state)
{
	struct fx f;
	struct tu_refmap *ref = tu_refmap_new();
	size_t klen = 3000, vbig = 1u << 20;
	char *key = kv_malloc(KV_MEM_OTHER, 65535), *val = kv_malloc(KV_MEM_OTHER, vbig);
	struct kv_buf got = { 0 };
	struct kv_rng rng;

	(void)state;
	kv_rng_seed(&rng, tu_seed(0xb7ee02));
	fx_init(&f, 1024, 64 * 1024);
	memset(key, 'p', 65535);
	for (uint32_t i = 0; i < 300; i++) {
		uint32_t id = (uint32_t)kv_rng_below(&rng, 100000);
		size_t vl = i % 50 == 0 ? vbig : 100;
		snprintf(key + klen - 8, 9, "%08" PRIu32, id);
		tu_rand_bytes(&rng, val, vl);
		if (bt_tree_put(&f.t, kv_slice_make(key, klen), kv_slice_make(val, vl)) != KV_OK)
			fail_msg("put: %s", kv_err_msg(&f.err));
		tu_refmap_put(ref, kv_slice_make(key, klen), kv_slice_make(val, vl));
	}
	/* The largest key. */
	assert_int_equal(bt_tree_put(&f.t, kv_slice_make(key, 65535), kv_slice_make("max", 3)),
			 KV_OK);
	tu_refmap_put(ref, kv_slice_make(key, 65535), kv_slice_make("max", 3));
	check_tree(&f, NULL);
	assert_true(f.t.height >= 2);
	compare_all(&f, ref);
	fx_reopen(&f);
	compare_all(&f, ref);
	assert_int_equal(bt_tree_get(&f.t, kv_slice_make(key, 65535), &got), KV_OK);
	assert_int_equal(got.len, 3);
	check_tree(&f, NULL);
	/* Deleting every key frees every overflow page. */
	{
		struct tu_refmap_cursor rc;
		struct kv_buf kb = { 0 };
		for (;;) {
			tu_refmap_seek(ref, kv_slice_make(NULL, 0), &rc);
			if (!tu_refmap_cursor_valid(&rc))
				break;
			kv_buf_set(&kb, tu_refmap_cursor_key(&rc).data, tu_refmap_cursor_key(&rc).len);
			assert_int_equal(bt_tree_delete(&f.t, kv_buf_slice(&kb)), KV_OK);
			tu_refmap_del(ref, kv_buf_slice(&kb));
		}
		kv_buf_free(&kb);
	}
	check_tree(&f, NULL);
	assert_int_equal(f.t.overflow_pages, 0);
	fx_destroy(&f);
	tu_refmap_free(ref);
	kv_buf_free(&got);
	kv_free(KV_MEM_OTHER, key, 65535);
	kv_free(KV_MEM_OTHER, val, vbig);
}

/* Pages freed by deletes are reused: the page file does not grow on refill. */
static void test_free_page_reuse(void **state)
{
	struct fx f;
	uint64_t slots1, slots2, fr, lg, first = 0;
	char k[32], v[100];

	(void)state;
	fx_init(&f, 512, 64 * 512);
	memset(v, 'v', sizeof(v));
	for (int round = 0; round < 4; round++) {
		for (uint32_t i = 0; i < 5000; i++) {
			size_t kl = (size_t)snprintf(k, sizeof(k), "k%08" PRIu32, (i * 7919u) % 5000u);
			assert_int_equal(bt_tree_put(&f.t, kv_slice_make(k, kl), kv_slice_make(v, 60)),
					 KV_OK);
		}
		fx_checkpoint(&f);
		bt_pager_space(f.pg, &slots1, &fr, &lg);
		for (uint32_t i = 0; i < 5000; i++) {
			size_t kl = (size_t)snprintf(k, sizeof(k), "k%08" PRIu32, i);
			assert_int_equal(bt_tree_delete(&f.t, kv_slice_make(k, kl)), KV_OK);
		}
		check_tree(&f, NULL);
		assert_int_equal(f.t.leaf_pages, 1);
		fx_checkpoint(&f);
		fx_checkpoint(&f);
		bt_pager_space(f.pg, &slots2, &fr, &lg);
		print_message("    round %d: %" PRIu64 " slots after fill, %" PRIu64 " of %" PRIu64 " free after "
			      "deleting all, %" PRIu64 " logical ids\n", round, slots1, fr, slots2, lg);
		/* Everything but the root leaf and the map is free again... */
		assert_true(fr + 1 + (lg + 119) / 120 >= slots2);
		/* ...and refilling reuses it: the file does not grow per round. */
		if (round == 0)
			first = slots2;
		else
			assert_true(slots2 <= first + first / 20);
	}
	fx_destroy(&f);
}

/* Random inserts settle near ln 2 leaf fill (Yao). */
static void test_fill_factor(void **state)
{
	struct fx f;
	struct kv_rng rng;
	struct bt_check_info info;
	char k[16], v[100];
	uint32_t n = tu_slow() ? 1000000 : 150000;

	(void)state;
	kv_rng_seed(&rng, tu_seed(0xf111));
	fx_init(&f, 4096, 64u << 20);
	memset(v, 'x', sizeof(v));
	for (uint32_t i = 0; i < n; i++) {
		kv_rng_fill(&rng, k, sizeof(k));
		assert_int_equal(bt_tree_put(&f.t, kv_slice_make(k, 16), kv_slice_make(v, 100)),
				 KV_OK);
	}
	check_tree(&f, &info);
	print_message("    %" PRIu32 " random inserts: leaf fill %.3f (textbook ln 2 = %.3f), "
		      "height %" PRIu32 ", %" PRIu64 " leaves\n", n, info.leaf_fill,
		      KV_BTREE_TEXTBOOK_RANDOM_FILL, info.height, info.leaves);
	assert_true(info.leaf_fill > 0.60 && info.leaf_fill < 0.78);
	fx_destroy(&f);
}

/* A damaged page on disk is KV_ECORRUPT naming the file and offset. */
static void test_corrupt_page(void **state)
{
	struct fx f;
	struct kv_file *file;
	struct kv_buf got = { 0 };
	uint64_t size;
	char k[32], v[40];
	int found_corrupt = 0;

	(void)state;
	fx_init(&f, 512, 64 * 512);
	memset(v, 'v', sizeof(v));
	for (uint32_t i = 0; i < 3000; i++) {
		size_t kl = (size_t)snprintf(k, sizeof(k), "k%06" PRIu32, i);
		assert_int_equal(bt_tree_put(&f.t, kv_slice_make(k, kl), kv_slice_make(v, 40)),
				 KV_OK);
	}
	fx_checkpoint(&f);
	fx_close_tree(&f);
	/* Flip one byte in the middle of every page slot. */
	assert_int_equal(kv_dev_open_file(f.dev, BT_PAGES_FILE, KV_FILE_BTREE_PAGE, &file), KV_OK);
	assert_int_equal(kv_dev_size(file, &size), KV_OK);
	for (uint64_t off = 0; off + 512 <= size; off += 512) {
		char b;
		assert_int_equal(kv_dev_read(file, off + 300, &b, 1), KV_OK);
		b ^= 0x20;
		assert_int_equal(kv_dev_write(file, off + 300, &b, 1), KV_OK);
	}
	kv_dev_close_file(file);
	/* The map pages are damaged too: open fails cleanly... */
	{
		struct bt_meta meta;
		bool created;
		struct bt_pager *pg = NULL;
		int r = bt_pager_open(f.dev, 512, &pg, &meta, &created, &f.err);
		assert_int_equal(r, KV_ECORRUPT);
		print_message("    %s\n", kv_err_msg(&f.err));
		assert_non_null(strstr(kv_err_msg(&f.err), "BTREE-PAGES"));
		assert_non_null(strstr(kv_err_msg(&f.err), "offset"));
		assert_null(pg);
	}
	kv_dev_close(f.dev);

	/* ...and with an intact map, a damaged tree page fails the lookup. */
	fx_init(&f, 512, 64 * 512);
	for (uint32_t i = 0; i < 3000; i++) {
		size_t kl = (size_t)snprintf(k, sizeof(k), "k%06" PRIu32, i);
		assert_int_equal(bt_tree_put(&f.t, kv_slice_make(k, kl), kv_slice_make(v, 40)),
				 KV_OK);
	}
	fx_checkpoint(&f);
	fx_close_tree(&f);
	/* Damage the first page slot (written first: a tree page). */
	assert_int_equal(tu_flip_bit(f.dev, BT_PAGES_FILE, KV_FILE_BTREE_PAGE, 100), KV_OK);
	fx_open(&f);
	for (uint32_t i = 0; i < 3000; i++) {
		size_t kl = (size_t)snprintf(k, sizeof(k), "k%06" PRIu32, i);
		int r = bt_tree_get(&f.t, kv_slice_make(k, kl), &got);
		if (r == KV_ECORRUPT) {
			if (!found_corrupt)
				print_message("    %s\n", kv_err_msg(&f.err));
			assert_non_null(strstr(kv_err_msg(&f.err), "BTREE-PAGES"));
			assert_non_null(strstr(kv_err_msg(&f.err), "offset"));
			found_corrupt++;
		} else {
			assert_int_equal(r, KV_OK);
		}
	}
	assert_true(found_corrupt > 0);
	assert_int_equal(bt_tree_check(&f.t, NULL), KV_ECORRUPT);
	assert_int_equal(bt_pool_pinned(f.pool), 0);
	fx_destroy(&f);
	kv_buf_free(&got);
}

/* Both meta records damaged: open fails with KV_ECORRUPT naming BTREE-META. */
static void test_corrupt_meta(void **state)
{
	struct fx f;
	struct kv_file *file;
	struct bt_pager *pg = NULL;
	struct bt_meta meta;
	bool created;
	char junk[2 * BT_META_BYTES];

	(void)state;
	fx_init(&f, 512, 64 * 512);
	assert_int_equal(bt_tree_put(&f.t, kv_slice_make("a", 1), kv_slice_make("b", 1)), KV_OK);
	fx_checkpoint(&f);
	fx_checkpoint(&f);
	fx_close_tree(&f);
	assert_int_equal(kv_dev_open_file(f.dev, BT_META_FILE, KV_FILE_BTREE_PAGE, &file), KV_OK);
	/* One damaged record: the other one still opens the store. */
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(kv_dev_write(file, 0, junk, 16), KV_OK);
	assert_int_equal(bt_pager_open(f.dev, 512, &pg, &meta, &created, &f.err), KV_OK);
	assert_false(created);
	bt_pager_close(pg);
	pg = NULL;
	assert_int_equal(kv_dev_write(file, BT_META_BYTES + 40, junk, 16), KV_OK);
	kv_dev_close_file(file);
	assert_int_equal(bt_pager_open(f.dev, 512, &pg, &meta, &created, &f.err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&f.err), "BTREE-META"));
	assert_non_null(strstr(kv_err_msg(&f.err), "offset"));
	kv_dev_close(f.dev);
}

/* A cursor survives writes: it re-seeks past its key. */
static void test_cursor_across_writes(void **state)
{
	struct fx f;
	struct bt_cursor c;
	char k[32];

	(void)state;
	fx_init(&f, 512, 64 * 512);
	for (uint32_t i = 0; i < 100; i += 2) {
		size_t kl = (size_t)snprintf(k, sizeof(k), "k%04" PRIu32, i);
		assert_int_equal(bt_tree_put(&f.t, kv_slice_make(k, kl), kv_slice_make("v", 1)),
				 KV_OK);
	}
	bt_cursor_init(&c, &f.t);
	assert_int_equal(bt_cursor_seek(&c, kv_slice_make("k0010", 5), false), KV_OK);
	assert_true(c.valid);
	assert_memory_equal(c.key.data, "k0010", 5);
	/* Insert the next key, delete the one after, and grow the tree. */
	assert_int_equal(bt_tree_put(&f.t, kv_slice_make("k0011", 5), kv_slice_make("n", 1)), KV_OK);
	assert_int_equal(bt_tree_delete(&f.t, kv_slice_make("k0012", 5)), KV_OK);
	for (uint32_t i = 1000; i < 3000; i++) {
		size_t kl = (size_t)snprintf(k, sizeof(k), "k%04" PRIu32, i);
		assert_int_equal(bt_tree_put(&f.t, kv_slice_make(k, kl), kv_slice_make("v", 1)),
				 KV_OK);
	}
	assert_int_equal(bt_cursor_next(&c), KV_OK);
	assert_memory_equal(c.key.data, "k0011", 5);
	assert_int_equal(bt_cursor_next(&c), KV_OK);
	assert_memory_equal(c.key.data, "k0014", 5);
	bt_cursor_destroy(&c);
	fx_destroy(&f);
}

/*
 * WA of random single-key updates when every update is flushed: textbook
 * page bytes / entry bytes. Each flush here writes the leaf, the map pages
 * (shadow paging: 4 bytes per page id, rewritten at every checkpoint), the
 * meta record and the WAL record, so the measured ratio is a small multiple
 * of the textbook one; the test prints both.
 */
static void test_wa_flushed_updates(void **state)
{
	struct kv_device *dev;
	struct kv_engine *e;
	struct kv_config *cfg = kv_config_new();
	struct kv_engine_args args = { 0 };
	struct kv_err err = { 0 };
	struct kv_dev_stats ds;
	struct kv_rng rng;
	char k[16], v[100];
	uint64_t written;
	double wa, textbook;
	int n = 500;

	(void)state;
	kv_rng_seed(&rng, tu_seed(0x3a));
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &dev, &err), KV_OK);
	assert_int_equal(kv_config_set(cfg, "page_size", "4KiB"), KV_OK);
	args.cfg = cfg;
	args.dev = dev;
	assert_int_equal(kv_engine_open(&kv_btree_engine_ops, &args, &e, &err), KV_OK);
	memset(v, 'v', sizeof(v));
	for (int i = 0; i < 20000; i++) {
		snprintf(k, sizeof(k), "%015d", i);
		assert_int_equal(kv_engine_put(e, kv_slice_make(k, 16), kv_slice_make(v, 100)), KV_OK);
	}
	assert_int_equal(kv_engine_flush(e), KV_OK);
	kv_dev_reset_stats(dev);
	for (int i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "%015d", (int)kv_rng_below(&rng, 20000));
		assert_int_equal(kv_engine_put(e, kv_slice_make(k, 16), kv_slice_make(v, 100)), KV_OK);
		assert_int_equal(kv_engine_flush(e), KV_OK);
	}
	kv_dev_get_stats(dev, &ds);
	written = kv_io_bytes_written(&ds, true);
	wa = (double)written / (n * 116.0);
	textbook = 4096.0 / 116.0;
	print_message("    WA of flushed random updates: %.1f (pages %.1f, WAL %.1f); textbook "
		      "page/entry %.1f\n", wa,
		      (double)ds.kind[KV_FILE_BTREE_PAGE].bytes_written / (n * 116.0),
		      (double)ds.kind[KV_FILE_BTREE_WAL].bytes_written / (n * 116.0), textbook);
	{
		struct kv_btree_stats bs;
		kv_btree_get_stats(e, &bs);
		print_message("    %" PRIu64 " page writes, %" PRIu64 " map pages, %" PRIu64
			      " checkpoints, %" PRIu64 " leaves, writes %" PRIu64 " bytes\n",
			      bs.page_writes, bs.map_pages_written, bs.checkpoints, bs.leaf_pages,
			      ds.kind[KV_FILE_BTREE_PAGE].writes);
	}
	assert_true(wa >= textbook && wa < 4 * textbook);
	kv_engine_close(e);
	kv_dev_close(dev);
	kv_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_long_keys_and_values),
		cmocka_unit_test(test_free_page_reuse),
		cmocka_unit_test(test_fill_factor),
		cmocka_unit_test(test_corrupt_page),
		cmocka_unit_test(test_corrupt_meta),
		cmocka_unit_test(test_cursor_across_writes),
		cmocka_unit_test(test_wa_flushed_updates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
