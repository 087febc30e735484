/*
 * tests/unit/test_twcs.c - the time-window (TWCS) strategy on hand-made
 * version views. Windows are 1 minute (compaction_window_unit MINUTES)
 * unless a test says otherwise; window k holds max_ts_ns in
 * [k min, (k + 1) min).
 */
#include "tests/unit/strategy_view.h"

#include "strategies/registry.h"
#include "strategies/twcs.h"

#define MiB SV_MiB
#define M SV_MIN_NS

static struct kv_strategy *mk(const char *const *kv)
{
	return sv_mk(&kv_twcs_strategy_ops, kv);
}

static struct kv_strategy *mk_min(void)
{
	const char *kv[] = { "compaction_window_unit", "MINUTES", NULL };
	return mk(kv);
}

/* A one-file run over [lo, hi] of @mib MiB whose entries were written at @ts. */
static struct kv_file_meta *run_at(struct sv *b, const char *lo, const char *hi, uint64_t mib,
				   uint64_t ts)
{
	struct kv_file_meta *f = sv_run_file(b, 0, lo, hi, mib * MiB);

	f->min_ts_ns = ts > M / 2 ? ts - M / 2 : 0;
	f->max_ts_ns = ts;
	f->created_ns = ts;
	return f;
}

static void test_defaults_and_options(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct sv *b = sv_new(1);

	(void)state;
	assert_ptr_equal(kv_strategy_find("twcs"), &kv_twcs_strategy_ops);
	assert_int_equal(s->nlevels, 1);
	assert_int_equal(s->ttl_ns, 0);
	/* Default window is a day: runs at 1 min and 23 h are in one window. */
	run_at(b, "a", "z", 1, 23 * 60 * M);
	run_at(b, "a", "z", 1, M);
	sv_pick(s, sv_finish(b, 24 * 60 * M));
	assert_int_equal(sv_job.kind, KV_JOB_NONE); /* newest window, 2 < 4 */
	sv_free(b);
	kv_strategy_destroy(s);
	{
		const char *kv[] = { "twcs_ttl", "10min", NULL };
		s = mk(kv);
		assert_true(s->ttl_ns == 10 * M);
		kv_strategy_destroy(s);
	}
	sv_bad_option(&kv_twcs_strategy_ops, "compaction_window_unit", "WEEKS");
	sv_bad_option(&kv_twcs_strategy_ops, "compaction_window_size", "0");
	sv_bad_option(&kv_twcs_strategy_ops, "twcs_ttl", "forever");
	sv_bad_option(&kv_twcs_strategy_ops, "min_threshold", "1");
	sv_bad_option(&kv_twcs_strategy_ops, "max_threshold", "3");
	sv_bad_option(&kv_twcs_strategy_ops, "bucket_high", "1");

	b = sv_new(2);
	s = mk(NULL);
	assert_int_equal(kv_strategy_pick(s, sv_finish(b, 0), &sv_job), KV_EINVAL);
	sv_free(b);
	kv_strategy_destroy(s);
}

/* The newest window compacts by STCS once it holds min_threshold runs. */
static void test_newest_window_stcs(void **state)
{
	struct kv_strategy *s = mk_min();
	struct sv *b = sv_new(1);

	(void)state;
	for (int i = 0; i < 3; i++) /* window 10, ids 1..3 */
		run_at(b, "a", "z", 1, 10 * M + 30 - (uint64_t)i);
	run_at(b, "a", "z", 1, 9 * M + 5); /* window 9, id 4 */
	sv_pick(s, sv_finish(b, 11 * M));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);

	/* A 4th run in window 10 (a new newest run, id 5). */
	b->nfiles = 0;
	b->nruns = 0;
	run_at(b, "a", "z", 1, 10 * M + 40); /* id 1 */
	for (int i = 0; i < 3; i++)          /* ids 2..4 */
		run_at(b, "a", "z", 1, 10 * M + 30 - (uint64_t)i);
	run_at(b, "a", "z", 1, 9 * M + 5); /* id 5 */
	sv_pick(s, sv_finish(b, 11 * M));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_string_equal(sv_job.trigger, "window_stcs");
	assert_int_equal(sv_job.ninputs, 4);
	assert_false(sv_has(0, 5));
	assert_true(sv_job.score == 1.0);
	assert_int_equal(sv_job.output_level, 0);
	assert_true(sv_job.output_run == -1 && sv_job.target_file_bytes == 0);
	assert_false(sv_job.drop_tombstones); /* window 9's run overlaps, older */

	/* STCS rules apply: with min_sstable_size 0, 1 1 1 100 MiB is a bucket of 3. */
	kv_strategy_destroy(s);
	{
		const char *kv[] = { "compaction_window_unit", "MINUTES", "min_sstable_size", "0",
				     NULL };
		s = mk(kv);
		b->files[0].bytes = 100 * MiB;
		sv_pick(s, sv_finish(b, 11 * M));
		assert_int_equal(sv_job.kind, KV_JOB_NONE);
	}
	sv_free(b);
	kv_strategy_destroy(s);
}

/* Older windows: >= 2 runs merge into one; never across windows. */
static void test_older_windows(void **state)
{
	struct kv_strategy *s = mk_min();
	struct sv *b = sv_new(1);
	static const uint64_t w9[] = { 2, 3 };

	(void)state;
	/* Newest window 10 with 1 run; windows 9, 8, 7 with 1 run each. */
	run_at(b, "a", "z", 1, 10 * M);
	run_at(b, "a", "z", 1, 9 * M + 1);
	run_at(b, "a", "z", 1, 8 * M + 1);
	run_at(b, "a", "z", 1, 7 * M + 1);
	sv_pick(s, sv_finish(b, 20 * M));
	assert_int_equal(sv_job.kind, KV_JOB_NONE); /* never merges across windows */

	/* Run 3 moved into window 9 (ts 9 min - 1 ns is window 8; 9 min is 9). */
	b->files[2].max_ts_ns = 9 * M - 1;
	sv_pick(s, sv_finish(b, 20 * M));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	b->files[2].max_ts_ns = 9 * M;
	sv_pick(s, sv_finish(b, 20 * M));
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_string_equal(sv_job.trigger, "window_major");
	assert_true(sv_inputs_are(w9, 2));
	assert_false(sv_job.drop_tombstones); /* window 7's run overlaps */

	/* Windows 9 and 7 both have 2 runs: the newer window (9) goes first. */
	run_at(b, "a", "z", 1, 7 * M + 2 - 1);
	sv_pick(s, sv_finish(b, 20 * M));
	assert_true(sv_inputs_are(w9, 2));
	/* Once window 9 is one run, window 7 follows; its runs are the oldest
	   and nothing older overlaps: tombstones may go. */
	b->files[2].max_ts_ns = 8 * M;
	sv_pick(s, sv_finish(b, 20 * M));
	assert_string_equal(sv_job.trigger, "window_major");
	assert_true(sv_has(0, 4) && sv_has(0, 5) && sv_job.ninputs == 2);
	assert_true(sv_job.drop_tombstones);
	sv_free(b);
	kv_strategy_destroy(s);
}

/* max_threshold caps a window merge; compaction_window_size widens windows. */
static void test_window_size_and_max_threshold(void **state)
{
	struct kv_strategy *s;
	struct sv *b = sv_new(1);

	(void)state;
	run_at(b, "a", "z", 1, 20 * M);    /* newest window */
	run_at(b, "a", "z", 1, 9 * M + 1); /* 1-min window 9, 2-min window 4 */
	run_at(b, "a", "z", 1, 8 * M + 1); /* 1-min window 8, 2-min window 4 */
	run_at(b, "a", "z", 1, 8 * M);     /* 1-min window 8, 2-min window 4 */
	{
		s = mk_min(); /* 1-min windows: window 8 holds runs 3 and 4 */
		sv_pick(s, sv_finish(b, 30 * M));
		assert_true(sv_has(0, 3) && sv_has(0, 4) && sv_job.ninputs == 2);
		kv_strategy_destroy(s);
	}
	{
		const char *kv[] = { "compaction_window_unit", "MINUTES",
				     "compaction_window_size", "2", NULL };
		s = mk(kv);
		sv_pick(s, sv_finish(b, 30 * M));
		assert_string_equal(sv_job.trigger, "window_major");
		assert_int_equal(sv_job.ninputs, 3);
		kv_strategy_destroy(s);
	}
	{
		const char *kv[] = { "compaction_window_unit", "MINUTES",
				     "compaction_window_size", "2", "max_threshold", "2",
				     "min_threshold", "2", NULL };
		s = mk(kv);
		/* max_threshold 2: the window's 2 newest runs first. */
		sv_pick(s, sv_finish(b, 30 * M));
		assert_string_equal(sv_job.trigger, "window_major");
		assert_true(sv_has(0, 2) && sv_has(0, 3) && sv_job.ninputs == 2);
		kv_strategy_destroy(s);
	}
	{
		const char *kv[] = { "compaction_window_unit", "HOURS", NULL };
		s = mk(kv);
		/* One hour holds all 4 runs: the newest window, STCS, 4 runs. */
		sv_pick(s, sv_finish(b, 30 * M));
		assert_string_equal(sv_job.trigger, "window_stcs");
		assert_int_equal(sv_job.ninputs, 4);
		kv_strategy_destroy(s);
	}
	sv_free(b);
}

/*
 * Whole-run expiry: twcs_ttl 10 min. Runs (newest first) written at
 * 30, 20 and 5 min, one per window, all over [a,z].
 */
static void test_ttl_expired(void **state)
{
	const char *kv[] = { "compaction_window_unit", "MINUTES", "twcs_ttl", "10min", NULL };
	struct kv_strategy *s = mk(kv);
	struct sv *b = sv_new(1);
	static const uint64_t bc[] = { 2, 3 };

	(void)state;
	run_at(b, "a", "z", 1, 30 * M);
	run_at(b, "a", "z", 1, 20 * M);
	run_at(b, "a", "z", 1, 5 * M);
	sv_pick(s, sv_finish(b, 15 * M - 1));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_pick(s, sv_finish(b, 15 * M));
	assert_int_equal(sv_job.kind, KV_JOB_DELETE_FILES);
	assert_string_equal(sv_job.trigger, "ttl_expired");
	assert_int_equal(sv_job.ninputs, 1);
	assert_true(sv_has(0, 3));
	sv_pick(s, sv_finish(b, 30 * M));
	assert_true(sv_inputs_are(bc, 2));

	/* An expired run over a live, older, overlapping run stays (contrived
	   timestamps: the older run was written later). */
	b->files[1].max_ts_ns = 40 * M;
	sv_pick(s, sv_finish(b, 30 * M));
	assert_int_equal(sv_job.kind, KV_JOB_DELETE_FILES);
	assert_int_equal(sv_job.ninputs, 1);
	assert_true(sv_has(0, 3));
	b->files[2].max_ts_ns = 40 * M;
	b->files[0].max_ts_ns = 5 * M;
	sv_pick(s, sv_finish(b, 30 * M));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	/* ... unless their keys do not overlap. */
	snprintf(b->keys[1][0], SV_KEY, "zz");
	snprintf(b->keys[1][1], SV_KEY, "zz");
	b->files[1].smallest = kv_slice_str(b->keys[1][0]);
	b->files[1].largest = kv_slice_str(b->keys[1][1]);
	b->files[2].smallest = b->files[1].smallest;
	b->files[2].largest = b->files[1].largest;
	sv_pick(s, sv_finish(b, 30 * M));
	assert_int_equal(sv_job.kind, KV_JOB_DELETE_FILES);
	assert_true(sv_has(0, 1) && sv_job.ninputs == 1);
	sv_free(b);
	kv_strategy_destroy(s);
}

/* The engine's ttl, when set, is what expiry uses (the engine applies it). */
static void test_engine_ttl_wins(void **state)
{
	const char *kv[] = { "compaction_window_unit", "MINUTES", "twcs_ttl", "10min", "ttl",
			     "5min", NULL };
	const char *kv2[] = { "compaction_window_unit", "MINUTES", "ttl", "5min", NULL };
	struct kv_strategy *s = mk(kv), *s2 = mk(kv2);
	struct sv *b = sv_new(1);

	(void)state;
	assert_true(s->ttl_ns == 10 * M);
	assert_true(s2->ttl_ns == 0);
	run_at(b, "a", "z", 1, 5 * M);
	sv_pick(s, sv_finish(b, 10 * M - 1));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_pick(s, sv_finish(b, 10 * M));
	assert_int_equal(sv_job.kind, KV_JOB_DELETE_FILES);
	sv_pick(s2, &b->view);
	assert_int_equal(sv_job.kind, KV_JOB_DELETE_FILES);
	sv_free(b);
	kv_strategy_destroy(s);
	kv_strategy_destroy(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_options),
		cmocka_unit_test(test_newest_window_stcs),
		cmocka_unit_test(test_older_windows),
		cmocka_unit_test(test_window_size_and_max_threshold),
		cmocka_unit_test(test_ttl_expired),
		cmocka_unit_test(test_engine_ttl_wins),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + sv_leak_check();
}
