/*
 * tests/unit/test_leveled.c - the strategy wrapper, the shared metadata
 * helpers and the leveled strategy, on hand-made version views.
 */
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/strategy.h"
#include "core/lsm/strategy_util.h"
#include "core/options.h"
#include "core/rng.h"
#include "strategies/leveled.h"
#include "strategies/registry.h"

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)

/* ------------------------------------------------------------ view builder */

#define VB_MAX_FILES 12000
#define VB_MAX_RUNS 64
#define VB_KEY 24

struct vb {
	int nlevels;
	struct kv_file_meta files[VB_MAX_FILES];
	char keys[VB_MAX_FILES][2][VB_KEY];
	int file_run[VB_MAX_FILES];
	size_t nfiles;
	int run_level[VB_MAX_RUNS];
	uint64_t run_id[VB_MAX_RUNS];
	size_t nruns;
	const struct kv_file_meta *ptrs[VB_MAX_FILES];
	struct kv_run runs[VB_MAX_RUNS];
	struct kv_level levels[KV_MAX_LEVELS];
	struct kv_version_view view;
};

static struct vb *vb_new(int nlevels)
{
	struct vb *b = kv_calloc(KV_MEM_OTHER, sizeof(*b));

	assert_non_null(b);
	b->nlevels = nlevels;
	return b;
}

static void vb_free(struct vb *b)
{
	kv_free(KV_MEM_OTHER, b, sizeof(*b));
}

/* Start a new run at @level; L0 runs must be started newest first. */
static uint64_t vb_run(struct vb *b, int level)
{
	assert_true(b->nruns < VB_MAX_RUNS);
	b->run_level[b->nruns] = level;
	b->run_id[b->nruns] = 1000 - b->nruns;
	return b->run_id[b->nruns++];
}

/* Add a file [lo, hi] of @bytes to the current run (files in key order). */
static struct kv_file_meta *vb_file(struct vb *b, const char *lo, const char *hi,
				    uint64_t bytes)
{
	size_t i = b->nfiles++;
	struct kv_file_meta *f = &b->files[i];

	assert_true(i < VB_MAX_FILES && b->nruns > 0);
	snprintf(b->keys[i][0], VB_KEY, "%s", lo);
	snprintf(b->keys[i][1], VB_KEY, "%s", hi);
	f->id = i + 1;
	f->smallest = kv_slice_str(b->keys[i][0]);
	f->largest = kv_slice_str(b->keys[i][1]);
	f->bytes = bytes;
	f->entries = 1000;
	f->min_seq = f->max_seq = i + 1;
	f->run_id = b->run_id[b->nruns - 1];
	b->file_run[i] = (int)b->nruns - 1;
	return f;
}

/* Wire the arrays into b->view (call after the last vb_run/vb_file). */
static const struct kv_version_view *vb_finish(struct vb *b)
{
	size_t nr = 0, np = 0;

	for (int l = 0; l < b->nlevels; l++) {
		struct kv_level *lv = &b->levels[l];
		memset(lv, 0, sizeof(*lv));
		lv->runs = &b->runs[nr];
		for (size_t r = 0; r < b->nruns; r++) {
			struct kv_run *run;
			if (b->run_level[r] != l)
				continue;
			run = &b->runs[nr++];
			memset(run, 0, sizeof(*run));
			run->id = b->run_id[r];
			run->files = &b->ptrs[np];
			for (size_t i = 0; i < b->nfiles; i++) {
				if (b->file_run[i] != (int)r)
					continue;
				b->ptrs[np++] = &b->files[i];
				run->nfiles++;
				run->bytes += b->files[i].bytes;
			}
			lv->nruns++;
			lv->nfiles += run->nfiles;
			lv->bytes += run->bytes;
		}
	}
	memset(&b->view, 0, sizeof(b->view));
	b->view.levels = b->levels;
	b->view.nlevels = b->nlevels;
	b->view.last_seq = b->nfiles;
	for (int l = 0; l < b->nlevels; l++)
		b->view.total_bytes += b->levels[l].bytes;
	b->view.memtable_bytes_limit = 64 * MiB;
	return &b->view;
}

/* ---------------------------------------------------------------- helpers */

static struct kv_job job; /* 64 KiB: static, not on the stack */

/* Create the leveled strategy from name/value pairs (NULL-terminated). */
static struct kv_strategy *mk(const char *const *kv)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_strategy *s = NULL;
	struct kv_err err = { 0 };
	int rc;

	assert_non_null(cfg);
	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_int_equal(kv_config_set(cfg, kv[i], kv[i + 1]), KV_OK);
	rc = kv_strategy_create(&kv_leveled_strategy_ops, cfg, &s, &err);
	if (rc != KV_OK)
		fail_msg("create: %s", kv_err_msg(&err));
	kv_config_free(cfg);
	return s;
}

static struct kv_strategy *mk_static(int nlevels, const char *base, const char *mult)
{
	char n[16];

	snprintf(n, sizeof(n), "%d", nlevels);
	const char *kv[] = { "level_compaction_dynamic_level_bytes", "false", "num_levels", n,
			     "max_bytes_for_level_base", base, "max_bytes_for_level_multiplier",
			     mult, NULL };
	return mk(kv);
}

static void pick(struct kv_strategy *s, const struct kv_version_view *v)
{
	int rc = kv_strategy_pick(s, v, &job);

	if (rc != KV_OK)
		fail_msg("pick: %s", kv_err_msg(&s->err));
}

static bool has_input(int level, uint64_t id)
{
	for (size_t i = 0; i < job.ninputs; i++) {
		if (job.inputs[i].level == level && job.inputs[i].file_id == id)
			return true;
	}
	return false;
}

/* ------------------------------------------------- registry and wrapper */

static void test_registry(void **state)
{
	size_t n = 0;

	(void)state;
	assert_ptr_equal(kv_strategy_find("leveled"), &kv_leveled_strategy_ops);
	assert_null(kv_strategy_find("leveledx"));
	assert_null(kv_strategy_find(""));
	assert_null(kv_strategy_find(NULL));
	while (kv_strategy_registry[n]) {
		const struct kv_strategy_ops *o = kv_strategy_registry[n];
		assert_non_null(o->name);
		assert_non_null(o->options);
		assert_non_null(o->triggers);
		assert_true(o->instance_size >= sizeof(struct kv_strategy));
		assert_ptr_equal(kv_strategy_find(o->name), o);
		n++;
	}
	assert_true(n >= 1);
}

static void test_defaults(void **state)
{
	struct kv_strategy *s = mk(NULL);
	struct vb *b = vb_new(7);
	struct kv_leveled_shape sh;
	const struct kv_version_view *v;

	(void)state;
	assert_int_equal(s->nlevels, 7);
	assert_int_equal(s->ttl_ns, 0);
	assert_int_equal(kv_strategy_place_flush(s, vb_finish(b)), 0);
	/* Empty tree, dynamic: L0 goes straight to the last level. */
	v = vb_finish(b);
	assert_int_equal(kv_leveled_shape(s, v, &sh), KV_OK);
	assert_int_equal(sh.base_level, 6);
	for (int i = 0; i < 7; i++)
		assert_true(sh.target_bytes[i] == UINT64_MAX);
	assert_true(sh.target_file_bytes[6] == 64 * MiB);
	/* The wrapper resets the header: garbage in, a clean NONE out. */
	job.kind = KV_JOB_MERGE;
	job.ninputs = 17;
	job.output_run = 5;
	job.trigger = "x";
	pick(s, v);
	assert_int_equal(job.kind, KV_JOB_NONE);
	assert_int_equal(job.ninputs, 0);
	assert_int_equal(job.output_run, -1);
	assert_null(job.trigger);
	vb_free(b);
	kv_strategy_destroy(s);
	kv_strategy_destroy(NULL);
}

static void test_bad_options(void **state)
{
	static const char *const bad[][2] = {
		{ "level0_file_num_compaction_trigger", "0" },
		{ "level0_file_num_compaction_trigger", "four" },
		{ "max_bytes_for_level_base", "12" },
		{ "max_bytes_for_level_multiplier", "0.5" },
		{ "max_bytes_for_level_multiplier", "ten" },
		{ "target_file_size_base", "0" },
		{ "target_file_size_multiplier", "0" },
		{ "num_levels", "1" },
		{ "num_levels", "17" },
		{ "level_compaction_dynamic_level_bytes", "maybe" },
		{ "compaction_pri", "fastest" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct kv_config *cfg = kv_config_new();
		static struct kv_strategy dummy;
		struct kv_strategy *s = &dummy;
		struct kv_err err = { 0 };

		assert_int_equal(kv_config_set(cfg, bad[i][0], bad[i][1]), KV_OK);
		assert_int_equal(kv_strategy_create(&kv_leveled_strategy_ops, cfg, &s, &err),
				 KV_EINVAL);
		assert_null(s);
		if (!strstr(kv_err_msg(&err), bad[i][0]))
			fail_msg("message for %s=%s does not name it: %s", bad[i][0], bad[i][1],
				 kv_err_msg(&err));
		kv_config_free(cfg);
	}
	/* Unknown keys belong to other modules and are ignored. */
	{
		const char *kv[] = { "write_buffer_size", "1MiB", "num_levels", "3", NULL };
		struct kv_strategy *s = mk(kv);
		assert_int_equal(s->nlevels, 3);
		kv_strategy_destroy(s);
	}
}

static void test_bad_view(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b = vb_new(5);

	(void)state;
	assert_int_equal(kv_strategy_pick(s, vb_finish(b), &job), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&s->err), "levels"));
	vb_free(b);

	b = vb_new(4);
	vb_run(b, 1);
	vb_file(b, "a", "b", MiB);
	vb_run(b, 1);
	vb_file(b, "c", "d", MiB);
	assert_int_equal(kv_strategy_pick(s, vb_finish(b), &job), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&s->err), "level 1"));
	assert_int_equal(job.kind, KV_JOB_NONE);
	vb_free(b);
	kv_strategy_destroy(s);
}

/* ------------------------------------------------------------ helpers */

static void test_util_overlap_random(void **state)
{
	struct kv_rng rng;
	struct vb *b = vb_new(2);

	(void)state;
	kv_rng_seed(&rng, tu_seed(42));
	for (int round = 0; round < 300; round++) {
		size_t n = kv_rng_below(&rng, 12), first, end;
		unsigned k = 0;
		const struct kv_version_view *v;
		char lo[8], hi[8];
		unsigned a, c;

		b->nfiles = 0;
		b->nruns = 0;
		vb_run(b, 1);
		for (size_t i = 0; i < n; i++) {
			char x[8], y[8];
			k += 1 + (unsigned)kv_rng_below(&rng, 3);
			snprintf(x, sizeof(x), "%03u", k);
			k += (unsigned)kv_rng_below(&rng, 3);
			snprintf(y, sizeof(y), "%03u", k);
			vb_file(b, x, y, 1 + i);
		}
		v = vb_finish(b);
		a = (unsigned)kv_rng_below(&rng, k + 3);
		c = a + (unsigned)kv_rng_below(&rng, 6);
		snprintf(lo, sizeof(lo), "%03u", a);
		snprintf(hi, sizeof(hi), "%03u", c);
		kv_run_overlap(&v->levels[1].runs[0], kv_slice_str(lo), kv_slice_str(hi), &first,
			       &end);
		/* Brute force: exactly the files in [first, end) overlap. */
		for (size_t i = 0; i < n; i++) {
			bool ov = kv_file_overlaps(&b->files[i], kv_slice_str(lo),
						   kv_slice_str(hi));
			assert_int_equal(ov, i >= first && i < end);
		}
		assert_true(first <= end);
		{
			uint64_t want = 0;
			for (size_t i = first; i < end; i++)
				want += 1 + i;
			assert_true(kv_run_files_bytes(&v->levels[1].runs[0], first, end) == want);
		}
		assert_int_equal(kv_level_overlaps(&v->levels[1], kv_slice_str(lo),
						   kv_slice_str(hi)),
				 first < end);
	}
	vb_free(b);
}

static void test_util_misc(void **state)
{
	struct vb *b = vb_new(2);
	const struct kv_version_view *v;
	struct kv_slice lo, hi;
	bool have = false;

	(void)state;
	vb_run(b, 1);
	vb_file(b, "b", "c", 1);
	vb_file(b, "e", "f", 1)->being_compacted = true;
	vb_file(b, "h", "k", 1);
	v = vb_finish(b);
	assert_false(kv_run_files_compacting(&v->levels[1].runs[0], 0, 1));
	assert_true(kv_run_files_compacting(&v->levels[1].runs[0], 0, 2));
	assert_false(kv_run_files_compacting(&v->levels[1].runs[0], 2, 3));
	kv_files_key_range(v->levels[1].runs[0].files, 3, &lo, &hi);
	assert_true(kv_slice_eq(lo, kv_slice_str("b")) && kv_slice_eq(hi, kv_slice_str("k")));
	kv_key_range_extend(&lo, &hi, &have, kv_slice_str("m"), kv_slice_str("n"));
	assert_true(have && kv_slice_eq(lo, kv_slice_str("m")));
	kv_key_range_extend(&lo, &hi, &have, kv_slice_str("a"), kv_slice_str("c"));
	assert_true(kv_slice_eq(lo, kv_slice_str("a")) && kv_slice_eq(hi, kv_slice_str("n")));
	assert_false(kv_level_overlaps(&v->levels[0], kv_slice_str("a"), kv_slice_str("z")));

	job.ninputs = 0;
	for (size_t i = 0; i < KV_JOB_MAX_INPUTS; i++)
		assert_true(kv_job_add_input(&job, 1, i));
	assert_false(kv_job_add_input(&job, 1, 99999));
	assert_int_equal(job.ninputs, KV_JOB_MAX_INPUTS);
	assert_true(job.inputs[KV_JOB_MAX_INPUTS - 1].file_id == KV_JOB_MAX_INPUTS - 1);
	vb_free(b);
}

/* ------------------------------------------------------------------ L0 */

/*
 * Static, 4 levels, base 1 MiB. L1: [a,b] [c,e] [f,h] [k,n] [p,z].
 * L0 (n files, newest first): [c,d] [d,g] [e,f] [g,m]: union [c,m], which
 * overlaps L1's [c,e] [f,h] [k,n] only. @l2 is one L2 file's range.
 */
static struct vb *l0_tree(int n_l0, const char *l2lo, const char *l2hi)
{
	static const char *const l0[][2] = { { "c", "d" }, { "d", "g" }, { "e", "f" },
					     { "g", "m" }, { "c", "m" } };
	struct vb *b = vb_new(4);

	for (int i = 0; i < n_l0; i++) {
		vb_run(b, 0);
		vb_file(b, l0[i][0], l0[i][1], MiB / 4);
	}
	vb_run(b, 1);
	vb_file(b, "a", "b", MiB / 8);
	vb_file(b, "c", "e", MiB / 8);
	vb_file(b, "f", "h", MiB / 8);
	vb_file(b, "k", "n", MiB / 8);
	vb_file(b, "p", "z", MiB / 8);
	vb_run(b, 2);
	vb_file(b, l2lo, l2hi, 2 * MiB);
	vb_finish(b);
	return b;
}

static void test_l0_below_trigger(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b;

	(void)state;
	for (int n = 0; n <= 3; n++) {
		b = l0_tree(n, "x", "y");
		pick(s, &b->view);
		assert_int_equal(job.kind, KV_JOB_NONE);
		vb_free(b);
	}
	kv_strategy_destroy(s);
}

static void test_l0_trigger(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b = l0_tree(4, "x", "y");

	(void)state;
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_string_equal(job.trigger, "l0_files");
	assert_true(job.score == 1.0);
	assert_int_equal(job.output_level, 1);
	assert_true(job.output_run == (int64_t)b->levels[1].runs[0].id);
	assert_true(job.target_file_bytes == 64 * MiB);
	/* All 4 L0 files + L1 [c,e] [f,h] [k,n] (ids 6, 7, 8). */
	assert_int_equal(job.ninputs, 7);
	for (uint64_t id = 1; id <= 4; id++)
		assert_true(has_input(0, id));
	assert_true(has_input(1, 6) && has_input(1, 7) && has_input(1, 8));
	assert_false(has_input(1, 5) || has_input(1, 9));
	/* L2 [x,y] is outside [c,n]: tombstones may go. */
	assert_true(job.drop_tombstones);
	/* RocksDB's output cutting: 25 x target file size, aligned outputs. */
	assert_true(job.max_compaction_bytes == 25 * 64 * MiB);
	assert_true(job.align_outputs);
	vb_free(b);

	/* L2 [n,o] overlaps the range [c,n] the job covers: keep tombstones. */
	b = l0_tree(4, "n", "o");
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_false(job.drop_tombstones);
	vb_free(b);
	kv_strategy_destroy(s);
}

/* The output-cutting options reach merge jobs; moves carry none. */
static void test_output_cutting_options(void **state)
{
	const char *kv[] = { "level_compaction_dynamic_level_bytes", "false", "num_levels", "4",
			     "max_bytes_for_level_base", "1MiB", "max_compaction_bytes", "3MiB",
			     "level_compaction_dynamic_file_size", "false", NULL };
	struct kv_strategy *s = mk(kv);
	struct vb *b = l0_tree(4, "x", "y");

	(void)state;
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_true(job.max_compaction_bytes == 3 * MiB);
	assert_false(job.align_outputs);
	vb_free(b);
	kv_strategy_destroy(s);
}

static void test_l0_trivial_move(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b = vb_new(4);

	(void)state;
	/* 4 disjoint L0 files, nothing in L1 overlaps [c,j]: moved as they are. */
	vb_run(b, 0);
	vb_file(b, "i", "j", 1);
	vb_run(b, 0);
	vb_file(b, "c", "d", 1);
	vb_run(b, 0);
	vb_file(b, "g", "h", 1);
	vb_run(b, 0);
	vb_file(b, "e", "f", 1);
	vb_run(b, 1);
	vb_file(b, "a", "b", 1);
	vb_file(b, "k", "l", 1);
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MOVE);
	assert_int_equal(job.ninputs, 4);
	assert_int_equal(job.output_level, 1);
	assert_true(job.output_run == (int64_t)b->levels[1].runs[0].id);
	assert_false(job.drop_tombstones);
	assert_true(job.max_compaction_bytes == 0 && !job.align_outputs);

	/* Two of them overlap ([e,f] -> [e,g]): a merge. */
	snprintf(b->keys[3][1], VB_KEY, "g");
	b->files[3].largest = kv_slice_str(b->keys[3][1]);
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_int_equal(job.ninputs, 4);
	vb_free(b);
	kv_strategy_destroy(s);
}

/* ------------------------------------------------------------ Ln scores */

static void test_ln_highest_score(void **state)
{
	/* Static, base 100 MiB, x10: targets L1 100 MiB, L2 1000 MiB, L3 10000. */
	struct kv_strategy *s = mk_static(4, "100MiB", "10");
	struct vb *b = vb_new(4);
	struct kv_leveled_shape sh;

	(void)state;
	for (int i = 0; i < 4; i++) { /* L0 score 4/4 = 1.0 */
		vb_run(b, 0);
		vb_file(b, "a", "z", MiB);
	}
	vb_run(b, 1); /* 150 MiB: score 1.5 */
	vb_file(b, "a", "c", 100 * MiB);
	vb_file(b, "d", "f", 50 * MiB);
	vb_run(b, 2); /* 2500 MiB: score 2.5 */
	vb_file(b, "a", "b", 1000 * MiB);
	vb_file(b, "g", "h", 1500 * MiB);
	vb_run(b, 3); /* last level: never scored */
	vb_file(b, "a", "z", 100000 * MiB);
	vb_finish(b);
	assert_int_equal(kv_leveled_shape(s, &b->view, &sh), KV_OK);
	assert_true(sh.score[0] == 1.0 && sh.score[1] == 1.5 && sh.score[2] == 2.5);
	assert_true(sh.score[3] == 0);
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_string_equal(job.trigger, "level_bytes");
	assert_true(job.score == 2.5);
	assert_int_equal(job.inputs[0].level, 2);
	assert_int_equal(job.output_level, 3);
	assert_true(job.output_run == (int64_t)b->levels[3].runs[0].id);

	/* L1 at 300 MiB (score 3.0) now wins. */
	b->files[4].bytes = 250 * MiB;
	pick(s, vb_finish(b));
	assert_true(job.score == 3.0);
	assert_int_equal(job.inputs[0].level, 1);
	assert_int_equal(job.output_level, 2);

	/* 16 L0 files (score 4.0) beat everything. */
	vb_free(b);
	b = vb_new(4);
	for (int i = 0; i < 16; i++) {
		vb_run(b, 0);
		vb_file(b, "a", "z", MiB);
	}
	vb_run(b, 1);
	vb_file(b, "a", "c", 300 * MiB);
	pick(s, vb_finish(b));
	assert_string_equal(job.trigger, "l0_files");
	assert_true(job.score == 4.0);
	assert_int_equal(job.ninputs, 17);
	vb_free(b);
	kv_strategy_destroy(s);
}

/* ------------------------------------------------------- compaction_pri */

/*
 * Static, 3 levels, base 10 MiB. L1 (35 MiB, score 3.5):
 *   A [a,c] 10 MiB seq 3..50    overlaps L2 [a,b] 30 + [c,e] 10 = 40 MiB
 *   B [d,f] 20 MiB seq 5..60    overlaps L2 [c,e] 10 MiB
 *   C [g,i]  5 MiB seq 20..30   overlaps L2 [h,j] 4 MiB
 * min_overlapping_ratio: A 40*1024/10 = 4096, B 10*1024/20 = 512,
 * C 4*1024/5 = 819.2 -> B.
 */
static struct vb *pri_tree(void)
{
	struct vb *b = vb_new(3);
	struct kv_file_meta *f;

	vb_run(b, 1);
	f = vb_file(b, "a", "c", 10 * MiB); /* id 1 */
	f->min_seq = 3;
	f->max_seq = 50;
	f = vb_file(b, "d", "f", 20 * MiB); /* id 2 */
	f->min_seq = 5;
	f->max_seq = 60;
	f = vb_file(b, "g", "i", 5 * MiB); /* id 3 */
	f->min_seq = 20;
	f->max_seq = 30;
	vb_run(b, 2);
	vb_file(b, "a", "b", 30 * MiB); /* id 4 */
	vb_file(b, "c", "e", 10 * MiB); /* id 5 */
	vb_file(b, "h", "j", 4 * MiB);  /* id 6 */
	vb_finish(b);
	return b;
}

static struct kv_strategy *mk_pri(const char *pri)
{
	const char *kv[] = { "level_compaction_dynamic_level_bytes", "false", "num_levels", "3",
			     "max_bytes_for_level_base", "10MiB", "compaction_pri", pri, NULL };
	return mk(kv);
}

static void test_min_overlapping_ratio(void **state)
{
	struct kv_strategy *s = mk_pri("min_overlapping_ratio");
	struct vb *b = pri_tree();

	(void)state;
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_int_equal(job.ninputs, 2);
	assert_true(has_input(1, 2) && has_input(2, 5));
	assert_true(job.score == 3.5);
	assert_true(job.drop_tombstones);

	/* B being compacted (L1 now counts 15 MiB, score 1.5): next best is
	   C (819.2), with L2 [h,j]. */
	b->files[1].being_compacted = true;
	pick(s, vb_finish(b));
	assert_true(job.score == 1.5);
	assert_int_equal(job.ninputs, 2);
	assert_true(has_input(1, 3) && has_input(2, 6));

	/* C's overlap [h,j] in a running job too: only A (4096) is left. */
	b->files[5].being_compacted = true;
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_int_equal(job.ninputs, 3);
	assert_true(has_input(1, 1) && has_input(2, 4) && has_input(2, 5));
	/* A's overlap [c,e] being compacted: nothing eligible. */
	b->files[4].being_compacted = true;
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_NONE);
	vb_free(b);
	kv_strategy_destroy(s);
}

static void test_other_pris(void **state)
{
	struct kv_strategy *s;
	struct vb *b = pri_tree();

	(void)state;
	/* oldest_smallest_seq_first: min_seq A 3 < B 5 < C 20 -> A. */
	s = mk_pri("oldest_smallest_seq_first");
	pick(s, &b->view);
	assert_true(job.inputs[0].level == 1 && job.inputs[0].file_id == 1);
	assert_int_equal(job.ninputs, 3);
	kv_strategy_destroy(s);

	/* oldest_largest_seq_first: max_seq C 30 < A 50 < B 60 -> C. */
	s = mk_pri("oldest_largest_seq_first");
	pick(s, &b->view);
	assert_true(job.inputs[0].file_id == 3 && has_input(2, 6));
	kv_strategy_destroy(s);

	/* by_compensated_size without tombstones: B (20 MiB) is largest. */
	s = mk_pri("by_compensated_size");
	pick(s, &b->view);
	assert_true(job.inputs[0].file_id == 2);
	/* A at 11 MiB, all 1000 entries tombstones: 11534336 + 1000 * 11534
	   = 23068336 > B's 20971520 -> A. */
	b->files[0].bytes = 11 * MiB;
	b->files[0].tombstones = 1000;
	pick(s, vb_finish(b));
	assert_true(job.inputs[0].file_id == 1);
	/* 500 tombstones: 11534336 + 500 * 11534 = 17301336 < 20971520 -> B. */
	b->files[0].tombstones = 500;
	pick(s, vb_finish(b));
	assert_true(job.inputs[0].file_id == 2);
	kv_strategy_destroy(s);
	vb_free(b);
}

static void test_round_robin(void **state)
{
	struct kv_strategy *s = mk_pri("round_robin");
	struct vb *b = pri_tree();
	uint64_t order[6];

	(void)state;
	/* No cursor yet: the first file; picking again without job_done does
	   not advance. */
	pick(s, &b->view);
	assert_true(job.inputs[0].file_id == 1);
	pick(s, &b->view);
	assert_true(job.inputs[0].file_id == 1);
	/* Each job_done moves the cursor past the file; it wraps. */
	for (int i = 0; i < 6; i++) {
		pick(s, &b->view);
		order[i] = job.inputs[0].file_id;
		kv_strategy_job_done(s, &job);
	}
	assert_true(order[0] == 1 && order[1] == 2 && order[2] == 3);
	assert_true(order[3] == 1 && order[4] == 2 && order[5] == 3);
	/* Cursor after A ("c"); B being compacted -> C. */
	pick(s, &b->view);
	kv_strategy_job_done(s, &job);
	b->files[1].being_compacted = true;
	pick(s, vb_finish(b));
	assert_true(job.inputs[0].file_id == 3);
	kv_strategy_job_done(s, &job);
	/* Cursor "i": wraps to A (B still busy). */
	pick(s, &b->view);
	assert_true(job.inputs[0].file_id == 1);
	/* Cursor "c" again; B is free now and is the next file past it. */
	kv_strategy_job_done(s, &job);
	b->files[1].being_compacted = false;
	pick(s, &b->view);
	assert_true(job.inputs[0].file_id == 2);
	vb_free(b);
	kv_strategy_destroy(s);
}

static void test_trivial_move(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b = vb_new(4);

	(void)state;
	/* L1 [m,n] 2 MiB (score 2): nothing in L2 overlaps -> move, joins L2's run. */
	vb_run(b, 1);
	vb_file(b, "m", "n", 2 * MiB);
	vb_run(b, 2);
	vb_file(b, "a", "b", MiB);
	vb_file(b, "x", "y", MiB);
	vb_run(b, 3);
	vb_file(b, "m", "m", MiB);
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MOVE);
	assert_int_equal(job.ninputs, 1);
	assert_true(has_input(1, 1));
	assert_int_equal(job.output_level, 2);
	assert_true(job.output_run == (int64_t)b->levels[2].runs[0].id);
	assert_false(job.drop_tombstones);
	vb_free(b);

	/* Empty L2: move into a new run. */
	b = vb_new(4);
	vb_run(b, 1);
	vb_file(b, "m", "n", 2 * MiB);
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MOVE);
	assert_true(job.output_run == -1);
	vb_free(b);
	kv_strategy_destroy(s);
}

static void test_drop_tombstones(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b = vb_new(4);

	(void)state;
	/* L1 [d,f] + L2 [e,g]: the job covers [d,g]. */
	vb_run(b, 1);
	vb_file(b, "d", "f", 2 * MiB);
	vb_run(b, 2);
	vb_file(b, "e", "g", MiB);
	vb_run(b, 3);
	vb_file(b, "a", "b", MiB); /* id 3 */
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_true(job.drop_tombstones);
	/* L3 [g,h]: outside L1's [d,f] but inside the job's [d,g]. */
	snprintf(b->keys[2][0], VB_KEY, "g");
	snprintf(b->keys[2][1], VB_KEY, "h");
	b->files[2].smallest = kv_slice_str(b->keys[2][0]);
	b->files[2].largest = kv_slice_str(b->keys[2][1]);
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_false(job.drop_tombstones);
	/* [h,i]: clear again. */
	snprintf(b->keys[2][0], VB_KEY, "h");
	snprintf(b->keys[2][1], VB_KEY, "i");
	b->files[2].smallest = kv_slice_str(b->keys[2][0]);
	b->files[2].largest = kv_slice_str(b->keys[2][1]);
	pick(s, vb_finish(b));
	assert_true(job.drop_tombstones);
	vb_free(b);
	kv_strategy_destroy(s);
}

/* ------------------------------------------------------------- targets */

static void test_static_targets(void **state)
{
	const char *kv[] = { "level_compaction_dynamic_level_bytes", "false",
			     "max_bytes_for_level_multiplier", "2.5",
			     "target_file_size_multiplier", "2", NULL };
	struct kv_strategy *s = mk(kv);
	struct vb *b = vb_new(7);
	struct kv_leveled_shape sh;

	(void)state;
	vb_run(b, 3);
	vb_file(b, "a", "b", 10 * GiB); /* data does not move static targets */
	assert_int_equal(kv_leveled_shape(s, vb_finish(b), &sh), KV_OK);
	assert_int_equal(sh.base_level, 1);
	assert_true(sh.target_bytes[0] == UINT64_MAX);
	/* 256 MiB x 2.5^(n-1), truncated level by level. */
	assert_true(sh.target_bytes[1] == 268435456ull);
	assert_true(sh.target_bytes[2] == 671088640ull);
	assert_true(sh.target_bytes[3] == 1677721600ull);
	assert_true(sh.target_bytes[4] == 4194304000ull);
	assert_true(sh.target_bytes[5] == 10485760000ull);
	assert_true(sh.target_bytes[6] == 26214400000ull);
	/* Files: 64 MiB x 2^(n-1). */
	assert_true(sh.target_file_bytes[1] == 64 * MiB);
	assert_true(sh.target_file_bytes[2] == 128 * MiB);
	assert_true(sh.target_file_bytes[4] == 512 * MiB);
	/* L3 score 10 GiB / 1677721600 = 6.4. */
	assert_true(sh.score[3] > 6.3999 && sh.score[3] < 6.4001);
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_MOVE);
	assert_int_equal(job.output_level, 4);
	assert_true(job.target_file_bytes == 512 * MiB);
	vb_free(b);
	kv_strategy_destroy(s);
}

static void test_dynamic_targets(void **state)
{
	const char *kv[] = { "target_file_size_multiplier", "2", NULL };
	struct kv_strategy *s = mk(kv); /* dynamic, 7 levels, 256 MiB, x10 */
	struct kv_leveled_shape sh;
	struct vb *b;

	(void)state;
	/*
	 * Only L6 = 100 GiB = 107374182400. base_max = 268435456,
	 * base_min = 26843545. cur = 107374182400 > base_max: base 5 (cur
	 * 10737418240), base 4 (1073741824), base 3 (107374182 <= base_max).
	 * Targets: L3 max(107374182, base) = 268435456, L4 1073741820,
	 * L5 10737418200, L6 107374182000; L1, L2 none.
	 */
	b = vb_new(7);
	vb_run(b, 6);
	vb_file(b, "a", "z", 100 * GiB);
	assert_int_equal(kv_leveled_shape(s, vb_finish(b), &sh), KV_OK);
	assert_int_equal(sh.base_level, 3);
	assert_true(sh.target_bytes[1] == UINT64_MAX && sh.target_bytes[2] == UINT64_MAX);
	assert_true(sh.target_bytes[3] == 268435456ull);
	assert_true(sh.target_bytes[4] == 1073741820ull);
	assert_true(sh.target_bytes[5] == 10737418200ull);
	assert_true(sh.target_bytes[6] == 107374182000ull);
	/* File sizes count from the base level: 64 MiB there, x2 below. */
	assert_true(sh.target_file_bytes[3] == 64 * MiB);
	assert_true(sh.target_file_bytes[5] == 256 * MiB);
	vb_free(b);

	/*
	 * Same, plus L5 = 20 GiB = 21474836480: score 21474836480 /
	 * 10737418200 = 2.0000000007 -> L5 compacts into L6; and 4 L0 files
	 * (score 1) would go to base level 3, which is empty (new run).
	 */
	b = vb_new(7);
	for (int i = 0; i < 4; i++) {
		vb_run(b, 0);
		vb_file(b, "a", "z", MiB);
	}
	vb_run(b, 5);
	vb_file(b, "c", "d", 20 * GiB);
	vb_run(b, 6);
	vb_file(b, "a", "z", 100 * GiB);
	pick(s, vb_finish(b));
	assert_int_equal(job.inputs[0].level, 5);
	assert_true(job.score > 1.99999 && job.score < 2.00001);
	assert_int_equal(job.output_level, 6);
	assert_true(job.target_file_bytes == 512 * MiB);
	b->files[4].bytes = 5 * GiB; /* L5 score < 1: the L0 job runs */
	pick(s, vb_finish(b));
	assert_string_equal(job.trigger, "l0_files");
	assert_int_equal(job.output_level, 3);
	assert_true(job.output_run == -1);
	assert_int_equal(job.ninputs, 4);
	assert_true(job.target_file_bytes == 64 * MiB);
	assert_true(job.drop_tombstones == false); /* L5 and L6 overlap [a,z] */
	vb_free(b);

	/*
	 * L6 = 1 GiB only: cur 1073741824 > base_max -> base 5, cur 107374182.
	 * L5 max(107374182, 268435456) = 268435456, L6 1073741820.
	 */
	b = vb_new(7);
	vb_run(b, 6);
	vb_file(b, "a", "z", GiB);
	assert_int_equal(kv_leveled_shape(s, vb_finish(b), &sh), KV_OK);
	assert_int_equal(sh.base_level, 5);
	assert_true(sh.target_bytes[4] == UINT64_MAX);
	assert_true(sh.target_bytes[5] == 268435456ull);
	assert_true(sh.target_bytes[6] == 1073741820ull);
	vb_free(b);

	/*
	 * L1 = 1 MiB, L6 = 1 GiB: first non-empty L1, cur = 1073741824 / 10^5
	 * (truncating each step) = 10737 <= base_min 26843545, so base level
	 * 1 with size base_min + 1 = 26843546: L1 268435456 (clamped),
	 * L2 268435460, L3 2684354600, L4 26843546000, L5 268435460000,
	 * L6 2684354600000.
	 */
	b = vb_new(7);
	vb_run(b, 1);
	vb_file(b, "a", "b", MiB);
	vb_run(b, 6);
	vb_file(b, "a", "z", GiB);
	assert_int_equal(kv_leveled_shape(s, vb_finish(b), &sh), KV_OK);
	assert_int_equal(sh.base_level, 1);
	assert_true(sh.target_bytes[1] == 268435456ull);
	assert_true(sh.target_bytes[2] == 268435460ull);
	assert_true(sh.target_bytes[3] == 2684354600ull);
	assert_true(sh.target_bytes[4] == 26843546000ull);
	assert_true(sh.target_bytes[5] == 268435460000ull);
	assert_true(sh.target_bytes[6] == 2684354600000ull);
	vb_free(b);

	/* Nothing below L0: base level is the last; L0 goes there, and
	   tombstones may be dropped. */
	b = vb_new(7);
	for (int i = 0; i < 4; i++) {
		vb_run(b, 0);
		vb_file(b, "a", "z", MiB);
	}
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_int_equal(job.output_level, 6);
	assert_true(job.output_run == -1);
	assert_true(job.drop_tombstones);
	vb_free(b);
	kv_strategy_destroy(s);
}

/* ------------------------------------------------------- being compacted */

static void test_being_compacted(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b = l0_tree(5, "x", "y");
	struct kv_leveled_shape sh;

	(void)state;
	/* 5 L0 files, 2 in a running job: score 3/4, no job. */
	b->files[3].being_compacted = true;
	b->files[4].being_compacted = true;
	assert_int_equal(kv_leveled_shape(s, vb_finish(b), &sh), KV_OK);
	assert_true(sh.score[0] == 0.75);
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_NONE);
	/* 1 of 5 busy: score 1.0, but an L0 job is already running. */
	b->files[3].being_compacted = false;
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_NONE);
	/* L0 free, but L1 [f,h] (in the job's range) is busy. */
	b->files[4].being_compacted = false;
	b->files[7].being_compacted = true;
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_NONE);
	/* A busy L1 file outside the range does not matter. */
	b->files[7].being_compacted = false;
	b->files[9].being_compacted = true;
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_int_equal(job.ninputs, 8);
	vb_free(b);

	/* Ln bytes being compacted do not count toward the score. */
	b = vb_new(4);
	vb_run(b, 1);
	vb_file(b, "a", "b", MiB);
	vb_file(b, "c", "d", MiB / 2)->being_compacted = true;
	assert_int_equal(kv_leveled_shape(s, vb_finish(b), &sh), KV_OK);
	assert_true(sh.score[1] == 1.0);
	b->files[0].bytes = MiB - 1;
	assert_int_equal(kv_leveled_shape(s, vb_finish(b), &sh), KV_OK);
	assert_true(sh.score[1] < 1.0);
	pick(s, &b->view);
	assert_int_equal(job.kind, KV_JOB_NONE);
	vb_free(b);
	kv_strategy_destroy(s);
}

/* ------------------------------------------------------------ input cap */

static void test_input_cap(void **state)
{
	struct kv_strategy *s = mk_static(4, "1MiB", "10");
	struct vb *b = vb_new(4);
	char lo[16], hi[16];

	(void)state;
	/* L1 file [k00000,k99999] over 5000 L2 files: skipped (would exceed
	   KV_JOB_MAX_INPUTS); the other L1 file [zz0,zz1] moves instead. */
	vb_run(b, 1);
	vb_file(b, "k00000", "k99999", 2 * MiB);
	vb_file(b, "zz0", "zz1", 1);
	vb_run(b, 2);
	for (int i = 0; i < 5000; i++) {
		snprintf(lo, sizeof(lo), "k%05d", 2 * i);
		snprintf(hi, sizeof(hi), "k%05d", 2 * i + 1);
		vb_file(b, lo, hi, 1);
	}
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MOVE);
	assert_true(has_input(1, 2));
	vb_free(b);

	/* An L0 job that cannot fit even one run: none. */
	b = vb_new(4);
	for (int i = 0; i < 4; i++) {
		vb_run(b, 0);
		vb_file(b, "k00000", "k99999", 1);
	}
	vb_run(b, 1);
	for (int i = 0; i < 5000; i++) {
		snprintf(lo, sizeof(lo), "k%05d", 2 * i);
		snprintf(hi, sizeof(hi), "k%05d", 2 * i + 1);
		vb_file(b, lo, hi, 1);
	}
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_NONE);
	vb_free(b);

	/* 40 L0 runs over 4070 overlapping L1 files: 40 + 4070 > 4096, so
	   only the oldest 20 runs go (halving): 20 + 4070 fits. */
	b = vb_new(4);
	for (int i = 0; i < 40; i++) {
		vb_run(b, 0);
		vb_file(b, "k00000", "k99999", 1);
	}
	vb_run(b, 1);
	for (int i = 0; i < 4070; i++) {
		snprintf(lo, sizeof(lo), "k%05d", 2 * i);
		snprintf(hi, sizeof(hi), "k%05d", 2 * i + 1);
		vb_file(b, lo, hi, 1);
	}
	pick(s, vb_finish(b));
	assert_int_equal(job.kind, KV_JOB_MERGE);
	assert_int_equal(job.ninputs, 20 + 4070);
	/* The oldest runs (ids 21..40 were created last = oldest). */
	assert_true(has_input(0, 40) && has_input(0, 21) && !has_input(0, 20));
	vb_free(b);
	kv_strategy_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_bad_view),
		cmocka_unit_test(test_util_overlap_random),
		cmocka_unit_test(test_util_misc),
		cmocka_unit_test(test_l0_below_trigger),
		cmocka_unit_test(test_l0_trigger),
		cmocka_unit_test(test_output_cutting_options),
		cmocka_unit_test(test_l0_trivial_move),
		cmocka_unit_test(test_ln_highest_score),
		cmocka_unit_test(test_min_overlapping_ratio),
		cmocka_unit_test(test_other_pris),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_trivial_move),
		cmocka_unit_test(test_drop_tombstones),
		cmocka_unit_test(test_static_targets),
		cmocka_unit_test(test_dynamic_targets),
		cmocka_unit_test(test_being_compacted),
		cmocka_unit_test(test_input_cap),
	};

	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	if (kv_mem_in_use(KV_MEM_OTHER) != 0) {
		fprintf(stderr, "leak: %zu bytes of KV_MEM_OTHER still in use\n",
			kv_mem_in_use(KV_MEM_OTHER));
		failed++;
	}
	return failed;
}
