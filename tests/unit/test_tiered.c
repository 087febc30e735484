/*
 * tests/unit/test_tiered.c - the size-tiered (STCS) strategy and the run
 * helpers of strategies/run_util.h, on hand-made version views.
 */
#include "tests/unit/strategy_view.h"

#include "strategies/registry.h"
#include "strategies/run_util.h"
#include "strategies/tiered.h"

#define MiB SV_MiB

static struct kv_strategy *mk(const char *const *kv)
{
	return sv_mk(&kv_tiered_strategy_ops, kv);
}

/* min_sstable_size 0: every run is bucketed by size alone. */
static struct kv_strategy *mk_nomin(void)
{
	const char *kv[] = { "min_sstable_size", "0", NULL };
	return mk(kv);
}

static void test_defaults_and_options(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct sv *b = sv_new(1);

	(void)state;
	assert_ptr_equal(kv_strategy_find("tiered"), &kv_tiered_strategy_ops);
	assert_int_equal(s->nlevels, 1);
	assert_int_equal(s->ttl_ns, 0);
	assert_int_equal(kv_strategy_place_flush(s, sv_finish(b, 0)), 0);
	sv_pick(s, &b->view);
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	kv_strategy_destroy(s);
	sv_free(b);

	sv_bad_option(&kv_tiered_strategy_ops, "min_threshold", "1");
	sv_bad_option(&kv_tiered_strategy_ops, "min_threshold", "four");
	sv_bad_option(&kv_tiered_strategy_ops, "max_threshold", "1");
	sv_bad_option(&kv_tiered_strategy_ops, "max_threshold", "3"); /* below min 4 */
	sv_bad_option(&kv_tiered_strategy_ops, "bucket_low", "1.5");
	sv_bad_option(&kv_tiered_strategy_ops, "bucket_high", "0.9");
	sv_bad_option(&kv_tiered_strategy_ops, "min_sstable_size", "-1");
	sv_bad_option(&kv_tiered_strategy_ops, "tombstone_threshold", "1.5");
	sv_bad_option(&kv_tiered_strategy_ops, "tombstone_compaction_interval", "soon");
}

static void test_bad_view(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct sv *b = sv_new(2);

	(void)state;
	assert_int_equal(kv_strategy_pick(s, sv_finish(b, 0), &sv_job), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&s->err), "levels"));
	sv_free(b);
	kv_strategy_destroy(s);
}

/* min_threshold: 3 similar runs do nothing, the 4th makes a bucket job. */
static void test_min_threshold(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct sv *b = sv_new(1);

	(void)state;
	for (int i = 0; i < 3; i++)
		sv_run_file(b, 0, "a", "z", 100 * MiB);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_run_file(b, 0, "a", "z", 100 * MiB); /* oldest: id 4 */
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_string_equal(sv_job.trigger, "bucket");
	assert_true(sv_job.score == 1.0);
	assert_int_equal(sv_job.ninputs, 4);
	for (uint64_t id = 1; id <= 4; id++)
		assert_true(sv_has(0, id));
	assert_int_equal(sv_job.output_level, 0);
	assert_true(sv_job.output_run == -1);
	assert_true(sv_job.target_file_bytes == 0); /* one output file */
	assert_true(sv_job.drop_tombstones);        /* nothing older */
	kv_strategy_destroy(s);

	/* min_threshold 2: two runs suffice. */
	{
		const char *kv[] = { "min_threshold", "2", NULL };
		struct sv *c = sv_new(1);
		s = mk(kv);
		sv_run_file(c, 0, "a", "z", 100 * MiB);
		sv_pick(s, sv_finish(c, 0));
		assert_int_equal(sv_job.kind, KV_JOB_NONE);
		sv_run_file(c, 0, "a", "z", 100 * MiB);
		sv_pick(s, sv_finish(c, 0));
		assert_int_equal(sv_job.ninputs, 2);
		assert_true(sv_job.score == 1.0);
		sv_free(c);
		kv_strategy_destroy(s);
	}
	sv_free(b);
}

/*
 * Buckets split at bucket_high: sorted sizes 100, 100, 100, X MiB. The
 * bucket average stays 100 MiB, so X joins iff X < 1.5 x 100 = 150 MiB.
 */
static void test_bucket_high(void **state)
{
	static const struct {
		const char *high;
		uint64_t x_mib;
		bool job;
	} cases[] = {
		{ "1.5", 149, true }, { "1.5", 150, false }, { "2", 150, true },
		{ "2", 199, true },   { "2", 200, false },
	};

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *kv[] = { "min_sstable_size", "0", "bucket_high", cases[c].high, NULL };
		struct kv_strategy *s = mk(kv);
		struct sv *b = sv_new(1);

		sv_run_file(b, 0, "a", "z", cases[c].x_mib * MiB);
		for (int i = 0; i < 3; i++)
			sv_run_file(b, 0, "a", "z", 100 * MiB);
		sv_pick(s, sv_finish(b, 0));
		if (cases[c].job) {
			assert_int_equal(sv_job.kind, KV_JOB_MERGE);
			assert_int_equal(sv_job.ninputs, 4);
		} else {
			assert_int_equal(sv_job.kind, KV_JOB_NONE);
		}
		sv_free(b);
		kv_strategy_destroy(s);
	}
}

/*
 * bucket_low matters for a run smaller than its bucket's average. Sorted
 * ascending, the first run founds the bucket: Y, then 100, 100, 100 MiB.
 * Y = 67: 100 < 1.5 x 67 = 100.5 joins (avg 83.5 MiB), the others follow.
 * Y = 66: 100 >= 99 -> new bucket of 3: nothing. With bucket_high 1.5 the
 * limiting side is always high, because runs come in ascending order: a
 * run is never below bucket_low x an average of smaller runs.
 */
static void test_bucket_low_and_first_run(void **state)
{
	struct kv_strategy *s = mk_nomin();
	struct sv *b = sv_new(1);

	(void)state;
	for (int i = 0; i < 3; i++)
		sv_run_file(b, 0, "a", "z", 100 * MiB);
	sv_run_file(b, 0, "a", "z", 67 * MiB);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_int_equal(sv_job.ninputs, 4);
	b->files[3].bytes = 66 * MiB;
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	kv_strategy_destroy(s);
	sv_free(b);
}

/* min_sstable_size: runs below it share one bucket whatever their sizes. */
static void test_min_sstable_size(void **state)
{
	struct kv_strategy *s = mk(NULL); /* 50 MiB */
	struct sv *b = sv_new(1);

	(void)state;
	sv_run_file(b, 0, "a", "z", 1024);
	sv_run_file(b, 0, "a", "z", 10 * MiB);
	sv_run_file(b, 0, "a", "z", 40 * MiB);
	sv_run_file(b, 0, "a", "z", 49 * MiB);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_int_equal(sv_job.ninputs, 4);
	/* 50 MiB is not small; average of the 3 small ones is 16.7 MiB and
	   50 >= 1.5 x 16.7: its own bucket, 3 small ones left: nothing. */
	b->files[3].bytes = 50 * MiB;
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	kv_strategy_destroy(s);
	sv_free(b);
}

/* Two full buckets: the one with the smaller average wins; max_threshold caps. */
static void test_smallest_bucket_and_max_threshold(void **state)
{
	struct kv_strategy *s = mk_nomin();
	const char *kv[] = { "min_sstable_size", "0", "max_threshold", "4", NULL };
	struct sv *b = sv_new(1);

	(void)state;
	for (int i = 0; i < 6; i++) /* ids 1..6, 1 MiB */
		sv_run_file(b, 0, "a", "z", MiB);
	for (int i = 0; i < 4; i++) /* ids 7..10, 100 MiB */
		sv_run_file(b, 0, "a", "z", 100 * MiB);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_int_equal(sv_job.ninputs, 6);
	for (uint64_t id = 1; id <= 6; id++)
		assert_true(sv_has(0, id));
	assert_true(sv_job.score == 6.0 / 4.0);
	/* The big runs overlap the job's range and are older: keep tombstones. */
	assert_false(sv_job.drop_tombstones);
	kv_strategy_destroy(s);

	/* max_threshold 4: the 4 newest small runs; the remaining two (ids 5,
	   6) form a stretch below min_threshold. */
	s = mk(kv);
	sv_pick(s, &b->view);
	assert_int_equal(sv_job.ninputs, 4);
	for (uint64_t id = 1; id <= 4; id++)
		assert_true(sv_has(0, id));
	kv_strategy_destroy(s);
	sv_free(b);
}

/*
 * Read order: a bucket may only merge runs that are contiguous in
 * recency, except across runs whose keys do not overlap the job's range.
 * Newest first: A B (1 MiB) C (100 MiB) D E (1 MiB).
 */
static void test_contiguity(void **state)
{
	struct kv_strategy *s = mk_nomin();
	struct sv *b = sv_new(1);
	bool sel[5] = { true, true, false, true, true };
	static const uint64_t want[] = { 1, 2, 4, 5 };

	(void)state;
	sv_run_file(b, 0, "a", "m", MiB);
	sv_run_file(b, 0, "a", "m", MiB);
	sv_run_file(b, 0, "a", "z", 100 * MiB);
	sv_run_file(b, 0, "a", "m", MiB);
	sv_run_file(b, 0, "a", "m", MiB);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_NONE); /* C splits {A,B} and {D,E} */
	assert_false(kv_runs_mergeable(&b->levels[0], sel, 5));

	/* C over [x,y] does not overlap [a,m]: the bucket merges across it. */
	snprintf(b->keys[2][0], SV_KEY, "x");
	snprintf(b->keys[2][1], SV_KEY, "y");
	b->files[2].smallest = kv_slice_str(b->keys[2][0]);
	b->files[2].largest = kv_slice_str(b->keys[2][1]);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_true(sv_inputs_are(want, 4));
	assert_true(kv_runs_mergeable(&b->levels[0], sel, 5));
	assert_true(sv_job.drop_tombstones);
	kv_strategy_destroy(s);
	sv_free(b);
}

/* drop_tombstones: only when no older run overlaps the job's keys. */
static void test_drop_tombstones(void **state)
{
	struct kv_strategy *s = mk_nomin();
	struct sv *b = sv_new(1);

	(void)state;
	for (int i = 0; i < 4; i++)
		sv_run_file(b, 0, "c", "f", MiB);
	sv_run_file(b, 0, "g", "z", 100 * MiB); /* older, disjoint */
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.ninputs, 4);
	assert_true(sv_job.drop_tombstones);
	snprintf(b->keys[4][0], SV_KEY, "f"); /* now it shares key f */
	b->files[4].smallest = kv_slice_str(b->keys[4][0]);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.ninputs, 4);
	assert_false(sv_job.drop_tombstones);
	kv_strategy_destroy(s);
	sv_free(b);
}

/* Being compacted: such runs are not bucketed. */
static void test_being_compacted(void **state)
{
	struct kv_strategy *s = mk_nomin();
	struct sv *b = sv_new(1);

	(void)state;
	for (int i = 0; i < 4; i++)
		sv_run_file(b, 0, "a", "z", MiB);
	b->files[0].being_compacted = true;
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_run_file(b, 0, "a", "z", MiB);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.ninputs, 4);
	assert_false(sv_has(0, 1));
	kv_strategy_destroy(s);
	sv_free(b);
}

/*
 * Single-run tombstone compaction: ratio > tombstone_threshold (strictly),
 * the run at least tombstone_compaction_interval old, and no older run
 * overlapping it. Runs (newest first): X [a,c] 10 MiB, Y [d,f] 20 MiB;
 * no bucket (2 runs).
 */
static void test_tombstone_ratio(void **state)
{
	const uint64_t day = 86400ull * 1000000000ull;
	struct kv_strategy *s = mk(NULL);
	struct sv *b = sv_new(1);
	struct kv_file_meta *x, *y;

	(void)state;
	x = sv_run_file(b, 0, "a", "c", 10 * MiB);
	y = sv_run_file(b, 0, "d", "f", 20 * MiB);
	x->tombstones = 300; /* 0.3 */
	y->tombstones = 200; /* 0.2: not above the threshold */
	x->created_ns = y->created_ns = 5;
	sv_pick(s, sv_finish(b, day + 4)); /* X is 1 ns too young */
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_pick(s, sv_finish(b, day + 5));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_string_equal(sv_job.trigger, "tombstone_ratio");
	assert_int_equal(sv_job.ninputs, 1);
	assert_true(sv_has(0, 1));
	assert_true(sv_job.drop_tombstones);
	assert_true(sv_job.output_run == -1);
	assert_true(sv_job.score > 1.4999 && sv_job.score < 1.5001);

	/* Both qualify: the larger (Y) goes first. */
	y->tombstones = 201;
	sv_pick(s, sv_finish(b, day + 5));
	assert_true(sv_has(0, 2) && sv_job.ninputs == 1);

	/* An older run overlapping X: its tombstones could not go -> not X. */
	y->tombstones = 0;
	sv_run_file(b, 0, "b", "b", MiB);
	sv_pick(s, sv_finish(b, day + 5));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	kv_strategy_destroy(s);

	/* tombstone_threshold 0.1 and interval 0: Y at 0.15 qualifies at once. */
	{
		const char *kv[] = { "tombstone_threshold", "0.1",
				     "tombstone_compaction_interval", "0", NULL };
		s = mk(kv);
		y->tombstones = 150;
		sv_pick(s, sv_finish(b, 5));
		assert_true(sv_has(0, 2) && sv_job.ninputs == 1);
		kv_strategy_destroy(s);
	}
	sv_free(b);
}

/* run_util: the best stretch among members and its cut rules. */
static void test_best_stretch(void **state)
{
	struct sv *b = sv_new(1);
	bool member[6] = { true, true, true, true, true, true }, chosen[6];

	(void)state;
	/* Sizes 1 1 1 | 5 5 5 MiB, all overlapping; max 3 -> stretches of 3. */
	for (int i = 0; i < 3; i++)
		sv_run_file(b, 0, "a", "z", MiB);
	for (int i = 0; i < 3; i++)
		sv_run_file(b, 0, "a", "z", 5 * MiB);
	sv_finish(b, 0);
	assert_int_equal(kv_runs_best_stretch(&b->levels[0], member, 6, 2, 3, chosen), 3);
	assert_true(chosen[0] && chosen[1] && chosen[2] && !chosen[3]);
	/* Run 1 not a member: it overlaps, so run 2 cannot join run 0's
	   stretch: {0} (too short), {2, 3, 4} (max 3), {5} (too short). */
	member[1] = false;
	assert_int_equal(kv_runs_best_stretch(&b->levels[0], member, 6, 2, 3, chosen), 3);
	assert_true(!chosen[0] && !chosen[1] && chosen[2] && chosen[3] && chosen[4]);
	assert_false(chosen[5]);
	/* min 4, max 5, run 5 not a member (last, so nothing to skip): {0..4}. */
	member[1] = true;
	member[5] = false;
	assert_int_equal(kv_runs_best_stretch(&b->levels[0], member, 6, 4, 5, chosen), 5);
	assert_false(chosen[5]);
	/* min 6: no stretch qualifies. */
	assert_int_equal(kv_runs_best_stretch(&b->levels[0], member, 6, 6, 6, chosen), 0);
	sv_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_options),
		cmocka_unit_test(test_bad_view),
		cmocka_unit_test(test_min_threshold),
		cmocka_unit_test(test_bucket_high),
		cmocka_unit_test(test_bucket_low_and_first_run),
		cmocka_unit_test(test_min_sstable_size),
		cmocka_unit_test(test_smallest_bucket_and_max_threshold),
		cmocka_unit_test(test_contiguity),
		cmocka_unit_test(test_drop_tombstones),
		cmocka_unit_test(test_being_compacted),
		cmocka_unit_test(test_tombstone_ratio),
		cmocka_unit_test(test_best_stretch),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + sv_leak_check();
}
