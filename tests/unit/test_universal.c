/*
 * tests/unit/test_universal.c - the universal (RocksDB tiered) strategy on
 * hand-made version views, plus a small metadata simulator that applies
 * its jobs flush after flush.
 */
#include "tests/unit/strategy_view.h"

#include <inttypes.h>

#include "strategies/registry.h"
#include "strategies/universal.h"

#define MiB SV_MiB

static struct kv_strategy *mk(const char *const *kv)
{
	return sv_mk(&kv_universal_strategy_ops, kv);
}

/* Runs of @mib[i] MiB, newest first, run i at level @lvl[i], all over [a,z]. */
static struct sv *tree(const uint64_t *mib, const int *lvl, size_t n)
{
	struct sv *b = sv_new(7);

	for (size_t i = 0; i < n; i++)
		sv_run_file(b, lvl[i], "a", "z", mib[i] * MiB);
	sv_finish(b, 0);
	return b;
}

static void test_defaults_and_options(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct sv *b = sv_new(7);

	(void)state;
	assert_ptr_equal(kv_strategy_find("universal"), &kv_universal_strategy_ops);
	assert_int_equal(s->nlevels, 7);
	assert_int_equal(s->ttl_ns, 0);
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_free(b);
	/* A view with another level count is refused. */
	b = sv_new(3);
	assert_int_equal(kv_strategy_pick(s, sv_finish(b, 0), &sv_job), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&s->err), "num_levels"));
	sv_free(b);
	kv_strategy_destroy(s);
	{
		const char *kv[] = { "num_levels", "1", NULL };
		s = mk(kv);
		assert_int_equal(s->nlevels, 1);
		kv_strategy_destroy(s);
	}
	sv_bad_option(&kv_universal_strategy_ops, "level0_file_num_compaction_trigger", "0");
	sv_bad_option(&kv_universal_strategy_ops, "size_ratio", "-1");
	sv_bad_option(&kv_universal_strategy_ops, "min_merge_width", "1");
	sv_bad_option(&kv_universal_strategy_ops, "max_merge_width", "1");
	sv_bad_option(&kv_universal_strategy_ops, "max_size_amplification_percent", "x");
	sv_bad_option(&kv_universal_strategy_ops, "num_levels", "17");
	sv_bad_option(&kv_universal_strategy_ops, "target_file_size_base", "1");
	{
		struct kv_config *cfg = kv_config_new();
		struct kv_err err = { 0 };
		assert_int_equal(kv_config_set(cfg, "min_merge_width", "5"), KV_OK);
		assert_int_equal(kv_config_set(cfg, "max_merge_width", "4"), KV_OK);
		assert_int_equal(kv_strategy_create(&kv_universal_strategy_ops, cfg, &s, &err),
				 KV_EINVAL);
		assert_non_null(strstr(kv_err_msg(&err), "max_merge_width"));
		kv_config_free(cfg);
	}
}

/* The examples with size_ratio 0 (trigger 2): 1 1 -> 2; 1 1 2 -> 4. */
static void test_size_ratio_zero_examples(void **state)
{
	const char *kv[] = { "size_ratio", "0", "level0_file_num_compaction_trigger", "2", NULL };
	struct kv_strategy *s = mk(kv);
	static const uint64_t a[] = { 1, 1 }, c[] = { 1, 1, 2 }, d[] = { 1, 2 };
	static const int la[] = { 0, 0 }, lc[] = { 0, 0, 6 }, ld[] = { 0, 6 };
	static const uint64_t ids2[] = { 1, 2 }, ids3[] = { 1, 2, 3 };
	struct sv *b;

	(void)state;
	b = tree(a, la, 2);
	sv_pick(s, &b->view);
	assert_int_equal(sv_job.kind, KV_JOB_MERGE);
	assert_string_equal(sv_job.trigger, "size_ratio");
	assert_true(sv_inputs_are(ids2, 2));
	assert_int_equal(sv_job.output_level, 6); /* took the oldest run */
	assert_true(sv_job.output_run == -1);
	assert_true(sv_job.target_file_bytes == 64 * MiB);
	assert_true(sv_job.drop_tombstones);
	sv_free(b);

	b = tree(c, lc, 3);
	sv_pick(s, &b->view);
	assert_string_equal(sv_job.trigger, "size_ratio");
	assert_true(sv_inputs_are(ids3, 3));
	assert_true(sv_has(6, 3));
	assert_int_equal(sv_job.output_level, 6);
	sv_free(b);

	/* 1 2: 1 x 1.0 < 2, amplification 100 < 200 x 2, 2 runs = trigger. */
	b = tree(d, ld, 2);
	sv_pick(s, &b->view);
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_free(b);
	kv_strategy_destroy(s);
}

/* ------------------------------------------------------------ simulator */

struct sim_run {
	int level;
	uint64_t mib;
	uint64_t id;
};

struct sim {
	struct sim_run runs[64]; /* read order: newest first */
	size_t n;
	uint64_t next_id;
};

/* View of the simulated tree: run ids as file ids, [a,z] each. */
static struct sv *sim_view(const struct sim *m)
{
	struct sv *b = sv_new(7);

	for (size_t i = 0; i < m->n; i++) {
		struct kv_file_meta *f = sv_run_file(b, m->runs[i].level, "a", "z",
						     m->runs[i].mib * MiB);
		f->id = m->runs[i].id;
		b->run_id[b->nruns - 1] = m->runs[i].id;
		f->run_id = m->runs[i].id;
	}
	sv_finish(b, 0);
	return b;
}

/* Apply sv_job to @m: the input runs become one run at the output level. */
static void sim_apply(struct sim *m)
{
	struct sim_run out = { .level = sv_job.output_level };
	size_t pos = SIZE_MAX, k = 0;

	for (size_t i = 0; i < m->n; i++) {
		bool in = false;
		for (size_t j = 0; j < sv_job.ninputs; j++)
			in = in || sv_job.inputs[j].file_id == m->runs[i].id;
		if (!in) {
			m->runs[k++] = m->runs[i];
			continue;
		}
		if (pos == SIZE_MAX)
			pos = k;
		out.mib += m->runs[i].mib;
		if (m->runs[i].id > out.id)
			out.id = m->runs[i].id;
	}
	assert_true(pos != SIZE_MAX);
	memmove(&m->runs[pos + 1], &m->runs[pos], (k - pos) * sizeof(m->runs[0]));
	m->runs[pos] = out;
	m->n = k + 1;
}

/* Flush a 1 MiB run, then apply jobs until none; the jobs' triggers into @log. */
static void sim_flush(struct sim *m, struct kv_strategy *s, char *log, size_t len)
{
	memmove(&m->runs[1], &m->runs[0], m->n * sizeof(m->runs[0]));
	m->runs[0] = (struct sim_run){ .level = 0, .mib = 1, .id = ++m->next_id };
	m->n++;
	log[0] = 0;
	for (int guard = 0; guard < 10; guard++) {
		struct sv *b = sim_view(m);
		sv_pick(s, &b->view);
		sv_free(b);
		if (sv_job.kind == KV_JOB_NONE)
			return;
		snprintf(log + strlen(log), len - strlen(log), "%s%s", log[0] ? "," : "",
			 sv_job.trigger);
		sim_apply(m);
	}
	fail_msg("no fixpoint");
}

/* "size@level ..." of the tree, newest first. */
static void sim_shape(const struct sim *m, char *buf, size_t len)
{
	buf[0] = 0;
	for (size_t i = 0; i < m->n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%" PRIu64 "@%d", i ? " " : "",
			 m->runs[i].mib, m->runs[i].level);
}

/*
 * size_ratio 0, trigger 2, 1 MiB flushes (hand-computed, see
 * docs/strategies.md for the rules):
 *  f2 1 1 -> ratio -> 2@6;  f3 1 2: nothing;  f4 1 1 2 -> 4@6;
 *  f6 1 1 4: ratio takes 1 1 (2 < 4), next older run at L6 -> 2@5;
 *  f7 1 2 4: no ratio stretch, 3 runs > trigger 2 -> run_count merges the
 *  newest 2 -> 3@5; f8 1 3 4 -> run_count -> 4@5 4@6, then ratio 4 4 -> 8@6.
 */
static void test_simulated_flushes(void **state)
{
	static const char *const shape[] = {
		"1@0", "2@6", "1@0 2@6", "4@6", "1@0 4@6", "2@5 4@6", "3@5 4@6", "8@6",
	};
	static const char *const log[] = {
		"", "size_ratio", "", "size_ratio", "", "size_ratio", "run_count",
		"run_count,size_ratio",
	};
	const char *kv[] = { "size_ratio", "0", "level0_file_num_compaction_trigger", "2", NULL };
	struct kv_strategy *s = mk(kv);
	struct sim *m = kv_calloc(KV_MEM_OTHER, sizeof(*m));
	char buf[256], tl[256];

	(void)state;
	assert_non_null(m);
	for (size_t f = 0; f < sizeof(shape) / sizeof(shape[0]); f++) {
		sim_flush(m, s, tl, sizeof(tl));
		sim_shape(m, buf, sizeof(buf));
		if (strcmp(buf, shape[f]) != 0 || strcmp(tl, log[f]) != 0)
			fail_msg("flush %zu: tree '%s' (want '%s'), triggers '%s' (want '%s')",
				 f + 1, buf, shape[f], tl, log[f]);
	}
	kv_free(KV_MEM_OTHER, m, sizeof(*m));
	kv_strategy_destroy(s);
}

/*
 * Size amplification fires at exactly newer x 100 >= pct x oldest.
 * min_merge_width 4 keeps the ratio check out of 3-run trees; trigger 3
 * keeps run_count out (3 runs is not more than 3).
 */
static void test_size_amp_threshold(void **state)
{
	static const struct {
		const char *pct;
		uint64_t r0, r1, oldest;
		bool fires;
	} cases[] = {
		{ "200", 100, 100, 100, true }, { "200", 100, 99, 100, false },
		{ "50", 25, 25, 100, true },    { "50", 25, 24, 100, false },
		{ "0", 1, 1, 1000, true },
	};
	static const int lvl[] = { 0, 0, 6 };

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *kv[] = { "max_size_amplification_percent", cases[c].pct,
				     "min_merge_width", "4", "level0_file_num_compaction_trigger",
				     "3", NULL };
		uint64_t mib[] = { cases[c].r0, cases[c].r1, cases[c].oldest };
		struct kv_strategy *s = mk(kv);
		struct sv *b = tree(mib, lvl, 3);

		sv_pick(s, &b->view);
		if (cases[c].fires) {
			assert_int_equal(sv_job.kind, KV_JOB_MERGE);
			assert_string_equal(sv_job.trigger, "size_amp");
			assert_int_equal(sv_job.ninputs, 3);
			assert_int_equal(sv_job.output_level, 6);
			assert_true(sv_job.drop_tombstones);
		} else {
			assert_int_equal(sv_job.kind, KV_JOB_NONE);
		}
		sv_free(b);
		kv_strategy_destroy(s);
	}
}

/* size_ratio 1 (default): accumulated x 1.01 >= next. */
static void test_size_ratio_option(void **state)
{
	const char *kv1[] = { "level0_file_num_compaction_trigger", "2", NULL };
	const char *kv0[] = { "level0_file_num_compaction_trigger", "2", "size_ratio", "0", NULL };
	static const uint64_t a[] = { 100, 101, 1000 }, c[] = { 100, 102, 1000 };
	static const int lvl[] = { 0, 0, 6 };
	struct kv_strategy *s1 = mk(kv1), *s0 = mk(kv0);
	struct sv *b;

	(void)state;
	/* 100 x 1.01 = 101 >= 101: merge the two newest; then 201 x 1.01 < 1000. */
	b = tree(a, lvl, 3);
	sv_pick(s1, &b->view);
	assert_string_equal(sv_job.trigger, "size_ratio");
	assert_int_equal(sv_job.ninputs, 2);
	assert_true(sv_has(0, 1) && sv_has(0, 2));
	assert_int_equal(sv_job.output_level, 5); /* just above the next run (L6) */
	assert_false(sv_job.drop_tombstones);     /* L6 overlaps */
	/* ratio 0: 100 < 101; 101 < 1000; then run_count (3 > 2) takes the newest 2. */
	sv_pick(s0, &b->view);
	assert_string_equal(sv_job.trigger, "run_count");
	assert_int_equal(sv_job.ninputs, 2);
	sv_free(b);
	/* 100 x 1.01 < 102: no ratio job, run_count again. */
	b = tree(c, lvl, 3);
	sv_pick(s1, &b->view);
	assert_string_equal(sv_job.trigger, "run_count");
	sv_free(b);
	kv_strategy_destroy(s1);
	kv_strategy_destroy(s0);
}

/* min_merge_width / max_merge_width, and output levels. */
static void test_merge_width(void **state)
{
	static const uint64_t mib[] = { 1, 1, 1, 1, 100 };
	static const int lvl[] = { 0, 0, 0, 0, 6 };
	struct sv *b = tree(mib, lvl, 5);
	struct kv_strategy *s;

	(void)state;
	/* max 3: 1 1 1 (the next older run is in L0 -> output L0, one file). */
	{
		const char *kv[] = { "max_merge_width", "3", NULL };
		s = mk(kv);
		sv_pick(s, &b->view);
		assert_string_equal(sv_job.trigger, "size_ratio");
		assert_int_equal(sv_job.ninputs, 3);
		assert_true(sv_has(0, 1) && sv_has(0, 2) && sv_has(0, 3));
		assert_int_equal(sv_job.output_level, 0);
		assert_true(sv_job.target_file_bytes == 0);
		assert_false(sv_job.drop_tombstones);
		kv_strategy_destroy(s);
	}
	/* Default: 1 1 1 1 (4 x 1.01 < 100), output L5. */
	s = mk(NULL);
	sv_pick(s, &b->view);
	assert_int_equal(sv_job.ninputs, 4);
	assert_int_equal(sv_job.output_level, 5);
	kv_strategy_destroy(s);
	/* min 5: no ratio stretch of 5; run_count wants 5 - 4 + 1 = 2 < 5: none. */
	{
		const char *kv[] = { "min_merge_width", "5", NULL };
		s = mk(kv);
		sv_pick(s, &b->view);
		assert_int_equal(sv_job.kind, KV_JOB_NONE);
		kv_strategy_destroy(s);
	}
	sv_free(b);
}

/* run_count: the newest (runs - trigger + 1) runs; output above the next run. */
static void test_run_count(void **state)
{
	static const uint64_t mib[] = { 1, 10, 100, 1000, 10000 };
	static const int all0[] = { 0, 0, 0, 0, 6 }, deep[] = { 0, 0, 4, 5, 6 };
	struct kv_strategy *s = mk(NULL); /* trigger 4 */
	struct sv *b;

	(void)state;
	b = tree(mib, all0, 5);
	sv_pick(s, &b->view);
	assert_string_equal(sv_job.trigger, "run_count");
	assert_true(sv_job.score == 5.0 / 4.0);
	assert_int_equal(sv_job.ninputs, 2);
	assert_true(sv_has(0, 1) && sv_has(0, 2));
	assert_int_equal(sv_job.output_level, 0);
	sv_free(b);
	b = tree(mib, deep, 5);
	sv_pick(s, &b->view);
	assert_int_equal(sv_job.ninputs, 2);
	assert_int_equal(sv_job.output_level, 3);
	sv_free(b);
	/* 4 runs: below "more than trigger", and no other check fires. */
	b = tree(mib + 1, deep + 1, 4);
	sv_pick(s, &b->view);
	assert_int_equal(sv_job.kind, KV_JOB_NONE);
	sv_free(b);
	/* Below the trigger nothing happens even at huge amplification. */
	{
		static const uint64_t amp[] = { 1000, 1000, 1 };
		static const int l3[] = { 0, 0, 6 };
		b = tree(amp, l3, 3);
		sv_pick(s, &b->view);
		assert_int_equal(sv_job.kind, KV_JOB_NONE);
		sv_free(b);
	}
	kv_strategy_destroy(s);
}

/* Being compacted runs are skipped by ratio; a busy oldest run blocks size_amp. */
static void test_being_compacted(void **state)
{
	const char *kv[] = { "level0_file_num_compaction_trigger", "2", NULL };
	static const uint64_t mib[] = { 5, 1, 1, 1 };
	static const int lvl[] = { 0, 0, 0, 6 };
	struct kv_strategy *s = mk(kv);
	struct sv *b = tree(mib, lvl, 4);

	(void)state;
	/* amp: 7 x 100 >= 200 x 1: all 4. */
	sv_pick(s, &b->view);
	assert_string_equal(sv_job.trigger, "size_amp");
	assert_int_equal(sv_job.ninputs, 4);
	/* Oldest busy: no size_amp; ratio from run 0: 5 x 1.01 >= 1 ... up to the
	   busy run: 5 1 1 (output L5). */
	b->files[3].being_compacted = true;
	sv_pick(s, sv_finish(b, 0));
	assert_string_equal(sv_job.trigger, "size_ratio");
	assert_int_equal(sv_job.ninputs, 3);
	assert_int_equal(sv_job.output_level, 5);
	/* Newest busy too: ratio starts at run 1: 1 1 (stops at the busy run). */
	b->files[0].being_compacted = true;
	sv_pick(s, sv_finish(b, 0));
	assert_int_equal(sv_job.ninputs, 2);
	assert_true(sv_has(0, 2) && sv_has(0, 3));
	sv_free(b);
	kv_strategy_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_options),
		cmocka_unit_test(test_size_ratio_zero_examples),
		cmocka_unit_test(test_simulated_flushes),
		cmocka_unit_test(test_size_amp_threshold),
		cmocka_unit_test(test_size_ratio_option),
		cmocka_unit_test(test_merge_width),
		cmocka_unit_test(test_run_count),
		cmocka_unit_test(test_being_compacted),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + sv_leak_check();
}
