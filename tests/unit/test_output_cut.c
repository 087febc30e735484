/*
 * tests/unit/test_output_cut.c - output cutting at grandparent
 * boundaries (core/lsm/output_cut.h): the size cap, the pre-cut from
 * 50 % of the target growing 5 % per boundary, the max_compaction_bytes
 * cut, the cut before a skipped grandparent file, and no cut without a
 * boundary or without an open output.
 */
#include "tests/testutil.h"

#include "core/lsm/output_cut.h"

/* Grandparent files [b,c] [e,f] [h,i] [k,l]. */
static struct kv_file_meta gp_files[4];
static const struct kv_file_meta *gp[4];

static void mk_gp(uint64_t bytes)
{
	static const char *const keys[4][2] = { { "b", "c" }, { "e", "f" }, { "h", "i" },
						{ "k", "l" } };

	for (int i = 0; i < 4; i++) {
		gp_files[i] = (struct kv_file_meta){
			.id = (uint64_t)i + 1, .smallest = kv_slice_str(keys[i][0]),
			.largest = kv_slice_str(keys[i][1]), .bytes = bytes,
		};
		gp[i] = &gp_files[i];
	}
}

static bool before(struct kv_out_cut *c, const char *key, bool open, uint64_t bytes)
{
	return kv_out_cut_before(c, kv_slice_str(key), open, bytes);
}

static void test_max_bytes(void **state)
{
	struct kv_out_cut c;

	(void)state;
	mk_gp(40);
	kv_out_cut_init(&c, gp, 4, 100, 0, true);
	assert_true(kv_out_cut_max_bytes(&c) == 200);
	kv_out_cut_init(&c, gp, 0, 100, 0, true);
	assert_true(kv_out_cut_max_bytes(&c) == 100); /* no grandparents */
	kv_out_cut_init(&c, gp, 4, 100, 1000, false);
	assert_true(kv_out_cut_max_bytes(&c) == 100); /* no alignment */
	kv_out_cut_init(&c, gp, 4, 0, 0, true);
	assert_true(kv_out_cut_max_bytes(&c) == UINT64_MAX);
}

static void test_pre_cut(void **state)
{
	struct kv_out_cut c;

	(void)state;
	mk_gp(40);
	kv_out_cut_init(&c, gp, 4, 100, 0, true);
	assert_false(before(&c, "a", false, 0)); /* first key: in the gap before [b,c] */
	assert_false(before(&c, "a1", true, 90)); /* no boundary: never a cut */
	/* Enters [b,c]: 1 boundary, threshold 55 %. */
	assert_false(before(&c, "b", true, 54));
	/* Leaves [b,c]: 2 boundaries, threshold 60 %. */
	assert_true(before(&c, "d", true, 60));
	/* The new output starts at "d" (in a gap): counting starts over. */
	assert_true(c.switches == 0 && c.overlap == 0);
	assert_false(before(&c, "e", true, 54)); /* 1 boundary: 55 % */
	assert_true(before(&c, "g", true, 60));  /* 2 boundaries: 60 % */
	/* Without alignment nothing below the cap cuts. */
	kv_out_cut_init(&c, gp, 4, 100, 0, false);
	assert_false(before(&c, "a", false, 0));
	assert_false(before(&c, "d", true, 99));
	assert_false(before(&c, "z", true, 99));
}

/* The threshold grows 5 % per boundary seen and stops at 90 %. */
static void test_pre_cut_growth(void **state)
{
	static const char *const keys[] = { "b", "d", "e", "g", "h", "j", "k", "m" };
	struct kv_out_cut c;

	(void)state;
	mk_gp(1); /* small files: the skipped-file rule stays out of the way */
	kv_out_cut_init(&c, gp, 4, 100, 0, true);
	assert_false(before(&c, "a", false, 0));
	for (size_t i = 0; i < 8; i++) {
		uint64_t pct = 50 + 5 * (i + 1);
		assert_false(before(&c, keys[i], true, pct - 1));
	}
	assert_true(c.switches == 8);
	/* The 8th boundary and beyond: 90 % cuts. */
	kv_out_cut_init(&c, gp, 4, 100, 0, true);
	assert_false(before(&c, "a", false, 0));
	for (size_t i = 0; i < 7; i++)
		assert_false(before(&c, keys[i], true, 0));
	assert_true(before(&c, keys[7], true, 90)); /* 8 boundaries: capped at 90 % */
}

static void test_max_compaction_bytes(void **state)
{
	struct kv_out_cut c;

	(void)state;
	mk_gp(40);
	kv_out_cut_init(&c, gp, 4, 1000, 100, false);
	assert_false(before(&c, "a", false, 0));
	assert_false(before(&c, "b", true, 10));  /* overlaps [b,c]: 40 + 10 */
	assert_false(before(&c, "e", true, 20));  /* + [e,f]: 80 + 20 = 100, not above */
	assert_true(before(&c, "h", true, 30));   /* + [h,i]: 120 + 30 */
	assert_true(c.overlap == 40);             /* the new output starts inside [h,i] */
	assert_false(before(&c, "k", true, 5));   /* 80 + 5 */
	assert_true(before(&c, "z", true, 30));   /* leaves [k,l]: 80 + 30 */
	/* Without an open output nothing is cut. */
	kv_out_cut_init(&c, gp, 4, 1000, 1, true);
	assert_false(before(&c, "a", false, 0));
	assert_false(before(&c, "z", false, 0));
}

/* A key that jumps over a whole grandparent file cuts when the file is big. */
static void test_skipped_file(void **state)
{
	struct kv_out_cut c;

	(void)state;
	mk_gp(40); /* > 100 / 8 */
	kv_out_cut_init(&c, gp, 4, 100, 0, true);
	assert_false(before(&c, "a", false, 0));
	assert_true(before(&c, "d", true, 5)); /* skips [b,c], ends in a gap */
	/* From inside [e,f] to inside [k,l]: leaves, skips [h,i], enters. */
	assert_false(before(&c, "e", true, 1));
	assert_true(before(&c, "k", true, 5));
	mk_gp(12); /* not above 100 / 8: no cut for small outputs */
	kv_out_cut_init(&c, gp, 4, 100, 0, true);
	assert_false(before(&c, "a", false, 0));
	assert_false(before(&c, "d", true, 5));
	assert_false(before(&c, "f", true, 5));
	assert_false(before(&c, "h", true, 5)); /* [e,f] to [h,i]: nothing skipped */
	assert_false(before(&c, "j", true, 5));
	/* Without alignment this rule is off. */
	mk_gp(40);
	kv_out_cut_init(&c, gp, 4, 100, 0, false);
	assert_false(before(&c, "a", false, 0));
	assert_false(before(&c, "d", true, 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_bytes),
		cmocka_unit_test(test_pre_cut),
		cmocka_unit_test(test_pre_cut_growth),
		cmocka_unit_test(test_max_compaction_bytes),
		cmocka_unit_test(test_skipped_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
