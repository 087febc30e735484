/*
 * tests/unit/test_btree_page.c - the B+ tree's slotted page format
 * (core/btree/page.h): cell encoding, insert/remove/compact, space
 * accounting against a model, and verification of damaged pages
 * (KV_ECORRUPT naming the file and offset, never a crash).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/btree/page.h"
#include "core/rng.h"
#include "tests/testutil.h"

#define PB 4096

static void key_of(char *buf, size_t *len, uint32_t i)
{
	*len = (size_t)snprintf(buf, 32, "key%08" PRIu32, i);
}

/* Insert cells in random order, then check order, accounting and content. */
static void test_insert_remove_model(void **state)
{
	char *p = kv_malloc(KV_MEM_OTHER, PB), *scratch = kv_malloc(KV_MEM_OTHER, PB);
	char cell[256], k[32], v[64];
	uint32_t ids[200], n = 0, live_bytes = 0;
	struct kv_rng rng;
	struct kv_err err = { 0 };
	struct bt_cell c;

	(void)state;
	kv_rng_seed(&rng, tu_seed(7));
	bt_page_init(p, PB, BT_PAGE_LEAF, 9, 0);
	assert_int_equal(bt_page_free_bytes(p, PB), PB - BT_PAGE_HEADER_BYTES);
	/* Keys ascend with i; insert at the sorted position. */
	for (;;) {
		uint32_t id = (uint32_t)kv_rng_below(&rng, 100000), pos = 0;
		size_t kl, vl = (size_t)kv_rng_below(&rng, 40);
		uint32_t len;
		key_of(k, &kl, id);
		memset(v, 'a' + (int)(id % 26), vl);
		len = bt_leaf_cell_encode(cell, kv_slice_make(k, kl), kv_slice_make(v, vl), false, 0);
		assert_int_equal(len, bt_leaf_cell_size((uint32_t)kl, (uint32_t)vl, false));
		while (pos < n && ids[pos] < id)
			pos++;
		if (pos < n && ids[pos] == id)
			continue;
		if (bt_page_insert(p, PB, pos, cell, len, scratch) != KV_OK) {
			assert_true(bt_page_free_bytes(p, PB) < len + 2);
			break;
		}
		memmove(ids + pos + 1, ids + pos, (n - pos) * sizeof(ids[0]));
		ids[pos] = id;
		n++;
		live_bytes += len + 2;
		assert_true(n < 200);
	}
	assert_int_equal(bt_page_ncells(p), n);
	assert_int_equal(bt_page_used_bytes(p, PB), live_bytes);
	bt_page_seal(p, PB);
	assert_int_equal(bt_page_verify(p, PB, 9, BT_PAGE_LEAF, "f", 0, &err), KV_OK);
	for (uint32_t i = 0; i < n; i++) {
		size_t kl;
		bt_page_cell(p, i, &c);
		key_of(k, &kl, ids[i]);
		assert_int_equal(c.klen, kl);
		assert_memory_equal(c.key, k, kl);
		assert_false(c.flags & BT_CELL_OVF);
	}
	/* Remove every other cell: holes are counted, then reused by compaction. */
	for (uint32_t i = n; i-- > 0;)
		if (i % 2 == 0) {
			bt_page_cell(p, i, &c);
			live_bytes -= c.size + 2;
			bt_page_remove(p, PB, i);
		}
	assert_int_equal(bt_page_used_bytes(p, PB), live_bytes);
	bt_page_seal(p, PB);
	assert_int_equal(bt_page_verify(p, PB, 9, BT_PAGE_LEAF, "f", 0, &err), KV_OK);
	{
		/* A cell bigger than the contiguous gap but not than the free total. */
		uint32_t len, free_before = bt_page_free_bytes(p, PB);
		char big[200];
		memset(big, 'z', sizeof(big));
		len = bt_leaf_cell_encode(cell, kv_slice_make("zzzz", 4), kv_slice_make(big, 180),
					  false, 0);
		assert_int_equal(bt_page_insert(p, PB, bt_page_ncells(p), cell, len, scratch), KV_OK);
		assert_int_equal(bt_page_free_bytes(p, PB), free_before - len - 2);
		bt_page_seal(p, PB);
		assert_int_equal(bt_page_verify(p, PB, 9, BT_PAGE_LEAF, "f", 0, &err), KV_OK);
	}
	kv_free(KV_MEM_OTHER, p, PB);
	kv_free(KV_MEM_OTHER, scratch, PB);
}

static void test_cells(void **state)
{
	char cell[128], key[100];
	struct bt_cell c;
	uint32_t len;

	(void)state;
	memset(key, 'k', sizeof(key));
	/* An overflow leaf cell keeps a 32-byte prefix and the chain. */
	len = bt_leaf_cell_encode(cell, kv_slice_make(key, 100), kv_slice_make("v", 1), true, 77);
	assert_int_equal(len, bt_leaf_cell_size(100, 1, true));
	assert_int_equal(bt_cell_decode(cell, cell + len, BT_PAGE_LEAF, &c), len);
	assert_int_equal(c.klen, 100);
	assert_int_equal(c.vlen, 1);
	assert_int_equal(c.key_inline, BT_KEY_PREFIX);
	assert_int_equal(c.chain, 77);
	/* Truncated input is rejected, never read past. */
	for (uint32_t cut = 0; cut < len; cut++)
		assert_int_equal(bt_cell_decode(cell, cell + cut, BT_PAGE_LEAF, &c), 0);
	len = bt_internal_cell_encode(cell, 42, kv_slice_make("sep", 3), false, 0);
	assert_int_equal(len, bt_internal_cell_size(3, false));
	assert_int_equal(bt_cell_decode(cell, cell + len, BT_PAGE_INTERNAL, &c), len);
	assert_int_equal(c.child, 42);
	assert_memory_equal(c.key, "sep", 3);
	bt_internal_cell_set_child(cell, 43);
	bt_cell_decode(cell, cell + len, BT_PAGE_INTERNAL, &c);
	assert_int_equal(c.child, 43);
	/* Unknown flags and a zero-length key are malformed. */
	cell[4] = 0x40;
	assert_int_equal(bt_cell_decode(cell, cell + len, BT_PAGE_INTERNAL, &c), 0);
	assert_true(bt_max_local(512) < 512 / 4);
	assert_int_equal(bt_ovf_pages(4096, 0), 1);
	assert_int_equal(bt_ovf_pages(4096, 4064), 1);
	assert_int_equal(bt_ovf_pages(4096, 4065), 2);
}

static void expect_corrupt(const char *p, unsigned type, const char *what)
{
	struct kv_err err = { 0 };
	int r = bt_page_verify(p, PB, 5, type, "BTREE-PAGES", 8192, &err);

	if (r != KV_ECORRUPT)
		fail_msg("%s: verify returned %d", what, r);
	assert_non_null(strstr(kv_err_msg(&err), "BTREE-PAGES"));
	assert_non_null(strstr(kv_err_msg(&err), "offset"));
}

static void test_corruption(void **state)
{
	char *p = kv_malloc(KV_MEM_OTHER, PB), *q = kv_malloc(KV_MEM_OTHER, PB);
	char cell[64];
	struct kv_err err = { 0 };
	struct kv_rng rng;
	uint32_t len;

	(void)state;
	kv_rng_seed(&rng, tu_seed(11));
	bt_page_init(p, PB, BT_PAGE_LEAF, 5, 0);
	for (uint32_t i = 0; i < 20; i++) {
		char k[16];
		size_t kl = (size_t)snprintf(k, sizeof(k), "k%02" PRIu32, i);
		len = bt_leaf_cell_encode(cell, kv_slice_make(k, kl), kv_slice_make("value", 5),
					  false, 0);
		assert_int_equal(bt_page_insert(p, PB, i, cell, len, NULL), KV_OK);
	}
	bt_page_seal(p, PB);
	assert_int_equal(bt_page_verify(p, PB, 5, BT_PAGE_LEAF, "BTREE-PAGES", 0, &err), KV_OK);
	/* Every single flipped bit is caught by the checksum. */
	for (int trial = 0; trial < 2000; trial++) {
		size_t off = (size_t)kv_rng_below(&rng, PB);
		memcpy(q, p, PB);
		q[off] ^= (char)(1u << kv_rng_below(&rng, 8));
		expect_corrupt(q, BT_PAGE_LEAF, "bit flip");
	}
	/* Structural damage behind a valid checksum is caught too. */
	memcpy(q, p, PB);
	kv_put_u16(q + BT_PAGE_HEADER_BYTES, 10); /* slot into the header */
	bt_page_seal(q, PB);
	expect_corrupt(q, BT_PAGE_LEAF, "bad slot");
	memcpy(q, p, PB);
	kv_put_u32(q + BT_OFF_NCELLS, 3000);
	bt_page_seal(q, PB);
	expect_corrupt(q, BT_PAGE_LEAF, "bad count");
	memcpy(q, p, PB);
	kv_put_u32(q + BT_OFF_FRAG, 7);
	bt_page_seal(q, PB);
	expect_corrupt(q, BT_PAGE_LEAF, "bad accounting");
	/* Wrong id or type: a misdirected read. */
	memcpy(q, p, PB);
	expect_corrupt(q, BT_PAGE_INTERNAL, "wrong type");
	kv_put_u32(q + BT_OFF_ID, 6);
	bt_page_seal(q, PB);
	expect_corrupt(q, BT_PAGE_LEAF, "wrong id");
	/* All zeros (a never-written slot) is corrupt, not a crash. */
	memset(q, 0, PB);
	expect_corrupt(q, 0, "zero page");
	kv_free(KV_MEM_OTHER, p, PB);
	kv_free(KV_MEM_OTHER, q, PB);
}

static void test_set_cells(void **state)
{
	char *p = kv_malloc(KV_MEM_OTHER, 512);
	char cells[10][16];
	const char *ptrs[10];
	uint32_t sizes[10];
	struct kv_err err = { 0 };
	struct bt_cell c;

	(void)state;
	bt_page_init(p, 512, BT_PAGE_INTERNAL, 3, 1);
	bt_page_set_aux(p, 99);
	for (uint32_t i = 0; i < 10; i++) {
		char k[4] = { 'a', (char)('a' + i), 0, 0 };
		sizes[i] = bt_internal_cell_encode(cells[i], 100 + i, kv_slice_make(k, 2), false, 0);
		ptrs[i] = cells[i];
	}
	bt_page_set_cells(p, 512, ptrs, sizes, 10);
	bt_page_seal(p, 512);
	assert_int_equal(bt_page_verify(p, 512, 3, BT_PAGE_INTERNAL, "f", 0, &err), KV_OK);
	assert_int_equal(bt_page_aux(p), 99);
	for (uint32_t i = 0; i < 10; i++) {
		bt_page_cell(p, i, &c);
		assert_int_equal(c.child, 100 + i);
		assert_int_equal(c.key[1], 'a' + (int)i);
	}
	bt_page_set_cells(p, 512, ptrs + 5, sizes + 5, 5);
	assert_int_equal(bt_page_ncells(p), 5);
	bt_page_cell(p, 0, &c);
	assert_int_equal(c.child, 105);
	kv_free(KV_MEM_OTHER, p, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_remove_model),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_set_cells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
