/*
 * tests/unit/strategy_view.h - hand-made version views for strategy
 * scenario tests (test_tiered, test_universal, test_twcs, test_fifo).
 *
 * Build a view with sv_run() (start a run; within a level, newest run
 * first) and sv_file() (add a file to the current run, in key order), then
 * sv_finish(). Run ids are 1000 - (runs started before), so runs started
 * earlier are newer; file ids are 1, 2, ... in creation order. Everything
 * is static inline so each test includes only what it uses.
 */
#ifndef KV_TESTS_UNIT_STRATEGY_VIEW_H
#define KV_TESTS_UNIT_STRATEGY_VIEW_H

#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/strategy.h"
#include "core/options.h"

#define SV_MAX_FILES 512
#define SV_MAX_RUNS 128
#define SV_KEY 24
#define SV_MiB (1024ull * 1024ull)
#define SV_MIN_NS 60000000000ull

struct sv {
	int nlevels;
	struct kv_file_meta files[SV_MAX_FILES];
	char keys[SV_MAX_FILES][2][SV_KEY];
	int file_run[SV_MAX_FILES];
	size_t nfiles;
	int run_level[SV_MAX_RUNS];
	uint64_t run_id[SV_MAX_RUNS];
	size_t nruns;
	const struct kv_file_meta *ptrs[SV_MAX_FILES];
	struct kv_run runs[SV_MAX_RUNS];
	struct kv_level levels[KV_MAX_LEVELS];
	struct kv_version_view view;
};

static inline struct sv *sv_new(int nlevels)
{
	struct sv *b = kv_calloc(KV_MEM_OTHER, sizeof(*b));

	assert_non_null(b);
	b->nlevels = nlevels;
	return b;
}

static inline void sv_free(struct sv *b)
{
	kv_free(KV_MEM_OTHER, b, sizeof(*b));
}

/* Start a new run at @level (newest first within a level); returns its id. */
static inline uint64_t sv_run(struct sv *b, int level)
{
	assert_true(b->nruns < SV_MAX_RUNS);
	b->run_level[b->nruns] = level;
	b->run_id[b->nruns] = 1000 - b->nruns;
	return b->run_id[b->nruns++];
}

/* Add a file [lo, hi] of @bytes (1000 entries, no tombstones, ts 0) to the current run. */
static inline struct kv_file_meta *sv_file(struct sv *b, const char *lo, const char *hi,
					   uint64_t bytes)
{
	size_t i = b->nfiles++;
	struct kv_file_meta *f = &b->files[i];

	assert_true(i < SV_MAX_FILES && b->nruns > 0);
	snprintf(b->keys[i][0], SV_KEY, "%s", lo);
	snprintf(b->keys[i][1], SV_KEY, "%s", hi);
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

/* A one-file run [lo, hi] of @bytes at @level. */
static inline struct kv_file_meta *sv_run_file(struct sv *b, int level, const char *lo,
					       const char *hi, uint64_t bytes)
{
	sv_run(b, level);
	return sv_file(b, lo, hi, bytes);
}

/* Wire the arrays into b->view with clock @now_ns (call after the last sv_run/sv_file). */
static inline const struct kv_version_view *sv_finish(struct sv *b, uint64_t now_ns)
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
	b->view.now_ns = now_ns;
	b->view.last_seq = b->nfiles;
	for (int l = 0; l < b->nlevels; l++)
		b->view.total_bytes += b->levels[l].bytes;
	b->view.memtable_bytes_limit = 64 * SV_MiB;
	return &b->view;
}

/* ---------------------------------------------------------------- helpers */

/* Create a strategy from name/value pairs (NULL-terminated); fails the test on error. */
static inline struct kv_strategy *sv_mk(const struct kv_strategy_ops *ops, const char *const *kv)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_strategy *s = NULL;
	struct kv_err err = { 0 };
	int rc;

	assert_non_null(cfg);
	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_int_equal(kv_config_set(cfg, kv[i], kv[i + 1]), KV_OK);
	rc = kv_strategy_create(ops, cfg, &s, &err);
	if (rc != KV_OK)
		fail_msg("create: %s", kv_err_msg(&err));
	kv_config_free(cfg);
	return s;
}

/* Expect kv_strategy_create to fail with KV_EINVAL and a message naming @name. */
static inline void sv_bad_option(const struct kv_strategy_ops *ops, const char *name,
				 const char *value)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_strategy *s = NULL;
	struct kv_err err = { 0 };

	assert_non_null(cfg);
	assert_int_equal(kv_config_set(cfg, name, value), KV_OK);
	assert_int_equal(kv_strategy_create(ops, cfg, &s, &err), KV_EINVAL);
	assert_null(s);
	if (!strstr(kv_err_msg(&err), name))
		fail_msg("message for %s=%s does not name it: %s", name, value, kv_err_msg(&err));
	kv_config_free(cfg);
}

static struct kv_job sv_job; /* 64 KiB: static, not on the stack */

static inline void sv_pick(struct kv_strategy *s, const struct kv_version_view *v)
{
	int rc = kv_strategy_pick(s, v, &sv_job);

	if (rc != KV_OK)
		fail_msg("pick: %s", kv_err_msg(&s->err));
}

static inline bool sv_has(int level, uint64_t id)
{
	for (size_t i = 0; i < sv_job.ninputs; i++) {
		if (sv_job.inputs[i].level == level && sv_job.inputs[i].file_id == id)
			return true;
	}
	return false;
}

/* True if the job's inputs are exactly file ids @ids[0 .. n-1] (any levels). */
static inline bool sv_inputs_are(const uint64_t *ids, size_t n)
{
	if (sv_job.ninputs != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t k = 0; k < sv_job.ninputs; k++)
			found = found || sv_job.inputs[k].file_id == ids[i];
		if (!found)
			return false;
	}
	return true;
}

/* Fail unless every byte of KV_MEM_OTHER was freed. */
static inline int sv_leak_check(void)
{
	if (kv_mem_in_use(KV_MEM_OTHER) != 0) {
		fprintf(stderr, "leak: %zu bytes of KV_MEM_OTHER still in use\n",
			kv_mem_in_use(KV_MEM_OTHER));
		return 1;
	}
	return 0;
}

#endif
