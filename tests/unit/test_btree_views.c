/*
 * tests/unit/test_btree_views.c - B+ tree reads without a copy
 * (bt_pager_view, bt_pool_get_ro): on the file device a pool miss of a
 * reader is a verified view of the mapped page file; a writer's get turns
 * it into a copy first; damaged pages are still found on the view path;
 * on the mem device, and beyond the file device's mapping budget, there
 * are no views and the answers are the same; and when the device's
 * mappings of the growing page file are used up, the pool lets go of its
 * views and the pager reopens the file (bt_pool_maybe_remap).
 */
#define _XOPEN_SOURCE 700
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/btree/btree_impl.h"
#include "core/options.h"
#include "devices/file.h"
#include "devices/mem.h"
#include "tests/testutil.h"

#define NKEYS 3000u

struct fx {
	struct kv_device *dev;
	struct bt_pager *pg;
	struct bt_pool *pool;
	struct bt_tree t;
	struct kv_err err;
};

static struct kv_device *open_file_dev(void)
{
	struct kv_device *dev = NULL;
	struct kv_err err;

	if (kv_dev_open(&kv_file_device_ops, NULL, tu_tmpdir, &dev, &err) != KV_OK)
		fail_msg("file device: %s", kv_err_msg(&err));
	return dev;
}

static void fx_open(struct fx *f)
{
	struct bt_meta meta;
	bool created;

	if (bt_pager_open(f->dev, 512, &f->pg, &meta, &created, &f->err) != KV_OK)
		fail_msg("pager open: %s", kv_err_msg(&f->err));
	assert_int_equal(bt_pool_new(f->pg, 64 * 512, 64, &f->pool, &f->err), KV_OK);
	if (bt_tree_init(&f->t, f->pg, f->pool, &meta, &f->err) != KV_OK)
		fail_msg("tree init: %s", kv_err_msg(&f->err));
}

static void fx_close(struct fx *f)
{
	bt_tree_destroy(&f->t);
	bt_pool_free(f->pool);
	bt_pager_close(f->pg);
}

static size_t key_of(uint32_t i, char *k)
{
	return (size_t)snprintf(k, 32, "k%07" PRIu32, i);
}

static void value_of(uint32_t i, uint32_t gen, char *v)
{
	for (size_t j = 0; j < 40; j++)
		v[j] = (char)('a' + (i * 7 + gen + j) % 26);
}

/* NKEYS keys on @dev, checkpointed; the tree is then reopened cold. */
static void fx_fill(struct fx *f, struct kv_device *dev)
{
	struct bt_meta m;
	char k[32], v[40];

	memset(f, 0, sizeof(*f));
	f->dev = dev;
	fx_open(f);
	for (uint32_t i = 0; i < NKEYS; i++) {
		value_of(i, 0, v);
		assert_int_equal(bt_tree_put(&f->t, kv_slice_make(k, key_of(i, k)),
					     kv_slice_make(v, 40)), KV_OK);
	}
	memset(&m, 0, sizeof(m));
	bt_tree_prepare_checkpoint(&f->t, &m);
	assert_int_equal(bt_pool_flush_all(f->pool, &f->err), KV_OK);
	assert_int_equal(bt_pager_checkpoint(f->pg, &m, &f->err), KV_OK);
	fx_close(f);
	fx_open(f);
}

/* Every key holds the value of generation gen[i]. */
static void check_all(struct fx *f, const uint32_t *gen)
{
	struct kv_buf got = { 0 };
	char k[32], v[40];

	for (uint32_t i = 0; i < NKEYS; i++) {
		int r = bt_tree_get(&f->t, kv_slice_make(k, key_of(i, k)), &got);
		if (r != KV_OK)
			fail_msg("get %s: %s", k, kv_err_msg(&f->err));
		value_of(i, gen[i], v);
		assert_int_equal(got.len, 40);
		assert_memory_equal(got.data, v, 40);
	}
	assert_int_equal(bt_pool_pinned(f->pool), 0);
	kv_buf_free(&got);
}

/* File device: reads are views; a writer's get copies; writes read back. */
static void test_views_then_writes(void **state)
{
	static uint32_t gen[NKEYS];
	struct fx f;
	struct bt_pool_stats st;
	struct bt_frame *fr, *fw;
	char k[32], v[40], *copy;

	(void)state;
	fx_fill(&f, open_file_dev());
	memset(gen, 0, sizeof(gen));
	check_all(&f, gen);
	bt_pool_get_stats(f.pool, &st);
	print_message("    cold gets: %" PRIu64 " misses, %" PRIu64 " served by views\n",
		      st.misses, st.views);
	assert_true(st.views > 0);
	assert_int_equal(st.views, st.misses);

	/* The root is resident as a view; a writer's get makes it a copy. */
	assert_int_equal(bt_pool_get_ro(f.pool, f.t.root, 0, &fr, &f.err), KV_OK);
	assert_true(fr->view);
	assert_ptr_not_equal(fr->data, fr->buf);
	copy = kv_malloc(KV_MEM_OTHER, 512);
	assert_non_null(copy);
	memcpy(copy, fr->data, 512);
	bt_pool_unpin(f.pool, fr);
	assert_int_equal(bt_pool_get(f.pool, f.t.root, 0, &fw, &f.err), KV_OK);
	assert_ptr_equal(fw, fr);
	assert_false(fw->view);
	assert_ptr_equal(fw->data, fw->buf);
	assert_memory_equal(fw->data, copy, 512);
	bt_pool_unpin(f.pool, fw);
	kv_free(KV_MEM_OTHER, copy, 512);

	/* Overwrite every third key: pages that were views are modified
	   through copies and written back; every value reads back. */
	for (uint32_t i = 0; i < NKEYS; i += 3) {
		gen[i] = 1;
		value_of(i, 1, v);
		assert_int_equal(bt_tree_put(&f.t, kv_slice_make(k, key_of(i, k)),
					     kv_slice_make(v, 40)), KV_OK);
		if (i % 300 == 0)
			check_all(&f, gen);
	}
	check_all(&f, gen);
	assert_int_equal(bt_pool_flush_all(f.pool, &f.err), KV_OK);
	check_all(&f, gen);
	assert_int_equal(bt_tree_check(&f.t, NULL), KV_OK);
	fx_close(&f);
	kv_dev_close(f.dev);
}

/* Mem device: no views; the reads are the same as before (copies). */
static void test_mem_device_no_views(void **state)
{
	static uint32_t gen[NKEYS];
	struct fx f;
	struct bt_pool_stats st;
	struct bt_pager_stats ps;
	struct kv_device *dev;
	struct kv_err err;

	(void)state;
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &dev, &err), KV_OK);
	fx_fill(&f, dev);
	memset(gen, 0, sizeof(gen));
	check_all(&f, gen);
	bt_pool_get_stats(f.pool, &st);
	bt_pager_get_stats(f.pg, &ps);
	assert_true(st.misses > 0);
	assert_int_equal(st.views, 0);
	assert_int_equal(ps.page_reads, st.misses);
	assert_false(bt_pager_remap_wanted(f.pg));
	fx_close(&f);
	kv_dev_close(f.dev);
}

/* A mapping budget too small for the page file: no views, same answers. */
static void test_views_refused_by_budget(void **state)
{
	static uint32_t gen[NKEYS];
	struct kv_config *cfg = kv_config_new();
	struct kv_device *dev = NULL;
	struct bt_pool_stats st;
	struct kv_err err;
	struct fx f;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(kv_config_set(cfg, "mmap_bytes", "4096"), KV_OK);
	if (kv_dev_open(&kv_file_device_ops, cfg, tu_tmpdir, &dev, &err) != KV_OK)
		fail_msg("file device: %s", kv_err_msg(&err));
	kv_config_free(cfg);
	fx_fill(&f, dev);
	memset(gen, 0, sizeof(gen));
	check_all(&f, gen);
	check_all(&f, gen);
	bt_pool_get_stats(f.pool, &st);
	assert_true(st.misses > 0);
	assert_int_equal(st.views, 0);
	assert_false(bt_pager_remap_wanted(f.pg));
	fx_close(&f);
	kv_dev_close(f.dev);
}

/* A damaged page is found on the view path too (checksum in place). */
static void test_corrupt_page_view(void **state)
{
	struct fx f;
	struct kv_buf got = { 0 };
	struct bt_pool_stats st;
	char k[32];
	uint32_t corrupt = 0;

	(void)state;
	fx_fill(&f, open_file_dev());
	fx_close(&f);
	assert_int_equal(tu_flip_bit(f.dev, BT_PAGES_FILE, KV_FILE_BTREE_PAGE, 100), KV_OK);
	fx_open(&f);
	for (uint32_t i = 0; i < NKEYS; i++) {
		int r = bt_tree_get(&f.t, kv_slice_make(k, key_of(i, k)), &got);
		if (r == KV_ECORRUPT) {
			if (!corrupt)
				print_message("    %s\n", kv_err_msg(&f.err));
			assert_non_null(strstr(kv_err_msg(&f.err), "checksum"));
			corrupt++;
		} else {
			assert_int_equal(r, KV_OK);
		}
	}
	bt_pool_get_stats(f.pool, &st);
	assert_true(st.views > 0);
	assert_true(corrupt > 0);
	assert_int_equal(bt_pool_pinned(f.pool), 0);
	kv_buf_free(&got);
	fx_close(&f);
	kv_dev_close(f.dev);
}

/* Write overflow page @id (512 bytes) with a pattern of its id. */
static void write_page(struct fx *f, char *buf, uint32_t id)
{
	bt_page_init(buf, 512, BT_PAGE_OVERFLOW, id, 0);
	bt_page_set_aux(buf, bt_ovf_data_bytes(512));
	memset(buf + BT_PAGE_HEADER_BYTES, (int)(id % 251), bt_ovf_data_bytes(512));
	if (bt_pager_write(f->pg, id, buf, &f->err) != KV_OK)
		fail_msg("write page %" PRIu32 ": %s", id, kv_err_msg(&f->err));
}

/* Read page @id (a view where there is one) and check its pattern. */
static bool read_page(struct fx *f, char *buf, uint32_t id)
{
	const char *p;

	if (bt_pager_view(f->pg, id, buf, BT_PAGE_OVERFLOW, &p, &f->err) != KV_OK)
		fail_msg("view page %" PRIu32 ": %s", id, kv_err_msg(&f->err));
	assert_int_equal((unsigned char)p[BT_PAGE_HEADER_BYTES], id % 251);
	assert_int_equal((unsigned char)p[511], id % 251);
	return p != buf;
}

/*
 * Grow the page file by 1.6x between reads of its last page, so that each
 * read needs a new mapping, until the device has no more to give; then a
 * remap brings views back, and the pool lets go of its views first.
 */
static void test_remap_after_growth(void **state)
{
	struct fx f;
	struct bt_frame *fr;
	char buf[512];
	uint32_t n = 0, first, step;
	bool exhausted = false;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.dev = open_file_dev();
	{
		struct bt_meta meta;
		bool created;
		assert_int_equal(bt_pager_open(f.dev, 512, &f.pg, &meta, &created, &f.err), KV_OK);
		assert_int_equal(bt_pool_new(f.pg, 64 * 512, 64, &f.pool, &f.err), KV_OK);
	}
	for (step = 0; step < 24 && !exhausted; step++) {
		uint32_t want = n < 2 ? n + 1 : n + n * 3 / 5;
		assert_int_equal(bt_pager_alloc(f.pg, want - n, &first), KV_OK);
		assert_int_equal(first, n + 1);
		for (uint32_t id = first; id <= want; id++)
			write_page(&f, buf, id);
		n = want;
		if (n == 2) {
			/* Page 2 stays in the pool as a view of the first mappings. */
			assert_int_equal(bt_pool_get_ro(f.pool, 2, BT_PAGE_OVERFLOW, &fr, &f.err),
					 KV_OK);
			assert_true(fr->view);
			bt_pool_unpin(f.pool, fr);
		}
		exhausted = !read_page(&f, buf, n);
	}
	print_message("    views ran out after %" PRIu32 " growth steps (%" PRIu32 " pages)\n",
		      step, n);
	assert_true(exhausted);
	/* After the refusal, pages are read (no view) until a file's worth of
	   reads has passed; then the next refusal asks for a remap. */
	assert_false(read_page(&f, buf, 1));
	/* A remap is asked for once about a file's worth of pages was read. */
	for (uint32_t id = 1; id <= n && !bt_pager_remap_wanted(f.pg); id++)
		assert_false(read_page(&f, buf, id));
	for (uint32_t id = 1; id <= n && !bt_pager_remap_wanted(f.pg); id++)
		assert_false(read_page(&f, buf, id));
	assert_true(bt_pager_remap_wanted(f.pg));
	bt_pool_maybe_remap(f.pool);
	assert_false(bt_pager_remap_wanted(f.pg));
	/* The pool kept page 2, now as a copy; the new handle maps it all. */
	assert_int_equal(bt_pool_get_ro(f.pool, 2, BT_PAGE_OVERFLOW, &fr, &f.err), KV_OK);
	assert_false(fr->view);
	assert_ptr_equal(fr->data, fr->buf);
	assert_int_equal((unsigned char)fr->data[BT_PAGE_HEADER_BYTES], 2);
	bt_pool_unpin(f.pool, fr);
	assert_true(read_page(&f, buf, n));
	assert_true(read_page(&f, buf, 1));
	/* Writes go through the new handle. */
	write_page(&f, buf, n);
	assert_true(read_page(&f, buf, n));
	bt_pool_free(f.pool);
	bt_pager_close(f.pg);
	kv_dev_close(f.dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU_TMPDIR_TEST(test_views_then_writes),
		cmocka_unit_test(test_mem_device_no_views),
		TU_TMPDIR_TEST(test_views_refused_by_budget),
		TU_TMPDIR_TEST(test_corrupt_page_view),
		TU_TMPDIR_TEST(test_remap_after_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
