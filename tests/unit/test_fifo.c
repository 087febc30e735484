/*
 * tests/unit/test_fifo.c - the FIFO strategy on hand-made version views.
 */
#include "tests/unit/strategy_view.h"

#include "strategies/fifo.h"
#include "strategies/registry.h"

#define MiB SV_MiB
#define M SV_MIN_NS

static struct kv_strategy *mk(const char *const *kv)
{
	return sv_mk(&kv_fifo_strategy_ops, kv);
}

/* @n one-file runs of @mib MiB each, written at minutes n, n-1, ..., 1 (newest first). */
static struct sv *tree(int n, uint64_t mib)
{
	struct sv *b = sv_new(1);

	for (int i = 0; i < n; i++) {
		struct kv_file_meta *f = sv_run_file(b, 0, "a", "z", mib * MiB);
		f->max_ts_ns = f->created_ns = (uint64_t)(n - i) * M;
	}
	return b;
}

static void test_defaults_and_options(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct sv *b = tree(0, 0);

	(void)state;
	assert_ptr_equal(kv_strategy_find("fifo"), &kv_fifo_strategy_ops);
	assert_int_equal(s->nlevels, 1);
	assert_int_equal(s->ttl_ns, 0);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_free(b);
	b = sv_new(2);
	assert_int_equal(kv_strategy_pick(s, sv_finish(b, 0), &sv_job), KV_EINVAL);
	sv_free(b);
	kv_strategy_destroy(s);
	sv_bad_option(&kv_fifo_strategy_ops, "max_table_files_size", "0");
	sv_bad_option(&kv_fifo_strategy_ops, "max_table_files_size", "big");
	sv_bad_option(&kv_fifo_strategy_ops, "fifo_ttl", "1fortnight");
}

/* Size cap (default 1 GiB = 1024 MiB): drop the oldest runs until the rest fits. */
static void test_size_cap(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct sv *b;
	static const uint64_t oldest2[] = { 4, 5 };

	(void)state;
	b = tree(4, 256); /* exactly 1024 MiB: fits */
	sv_pick(s, sv_finish(b, 10 * M));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_free(b);

	b = tree(4, 300); /* 1200: drop 1 (900) */
	sv_pick(s, sv_finish(b, 10 * M));
	assert_int_equal(sv_job.kind, KV_JOB_DELETE_FILES);
	assert_string_equal(sv_job.trigger, "fifo_size");
	assert_int_equal(sv_job.ninputs, 1);
	assert_true(sv_has(0, 4));
	assert_true(sv_job.score > 1.1718 && sv_job.score < 1.1719); /* 1200 / 1024 */
	sv_free(b);

	b = tree(5, 300); /* 1500: drop 2 (900) */
	sv_pick(s, sv_finish(b, 10 * M));
	assert_true(sv_inputs_are(oldest2, 2));
	/* The oldest run in a running job: nothing (never skip over it). */
	b->files[4].being_compacted = true;
	sv_pick(s, sv_finish(b, 10 * M));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_free(b);
	kv_strategy_destroy(s);

	/* max_table_files_size 100MiB, runs of 30: 5 x 30 = 150 -> drop 2 (90). */
	{
		const char *kv[] = { "max_table_files_size", "100MiB", NULL };
		s = mk(kv);
		b = tree(5, 30);
		sv_pick(s, sv_finish(b, 10 * M));
		assert_true(sv_inputs_are(oldest2, 2));
		sv_free(b);
		kv_strategy_destroy(s);
	}
}

/* TTL: the oldest runs while all their entries are past fifo_ttl; checked first. */
static void test_ttl(void **state)
{
	const char *kv[] = { "fifo_ttl", "10min", "max_table_files_size", "100MiB", NULL };
	struct kv_strategy *s = mk(kv);
	struct sv *b = tree(5, 30); /* written at 5, 4, 3, 2, 1 min; 150 MiB */
	static const uint64_t two[] = { 4, 5 };

	(void)state;
	assert_true(s->ttl_ns == 10 * M);
	/* now 11 min - 1: nothing expired; the size cap drops 2. */
	sv_pick(s, sv_finish(b, 11 * M - 1));
	assert_string_equal(sv_job.trigger, "fifo_size");
	/* now 12 min: runs written at 1 and 2 min are expired. */
	sv_pick(s, sv_finish(b, 12 * M));
	assert_string_equal(sv_job.trigger, "fifo_ttl");
	assert_true(sv_inputs_are(two, 2));
	/* An expired run above a live older one stays: the scan stops there. */
	b->files[4].max_ts_ns = 100 * M;
	b->files[0].max_ts_ns = M;
	sv_pick(s, sv_finish(b, 12 * M));
	assert_string_equal(sv_job.trigger, "fifo_size");
	sv_free(b);
	kv_strategy_destroy(s);

	/* The engine's ttl wins for the drop decision (it is what reads use). */
	{
		const char *kv2[] = { "fifo_ttl", "10min", "ttl", "1min", NULL };
		s = mk(kv2);
		b = tree(3, 1);
		sv_pick(s, sv_finish(b, 3 * M));
		assert_string_equal(sv_job.trigger, "fifo_ttl");
		assert_int_equal(sv_job.ninputs, 2); /* written at 1 and 2 min */
		sv_free(b);
		kv_strategy_destroy(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_options),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_ttl),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + sv_leak_check();
}
