/*
 * strategies/universal.c - universal (tiered) compaction, RocksDB-style.
 *
 * Sorted runs, newest first: every run of level 0 (one per flush), then
 * the one run of each non-empty level >= 1 (RocksDB's layout: older runs
 * sit in deeper levels). Nothing happens below
 * level0_file_num_compaction_trigger runs; otherwise the checks run in
 * RocksDB's order: size amplification (compact everything), size ratio
 * (merge a stretch of similar runs), reduce sorted runs (merge the newest
 * runs). A job always takes runs that are contiguous in read order, and
 * its output goes to the level just above the next older run not taken
 * (the last level when it takes the oldest run; level 0 when that run is
 * in level 0), so read order stays newest first. docs/strategies.md
 * ("Universal") lists the rules and every difference from RocksDB.
 *
 * Invariants (universal_check):
 *  1. 1 <= base.nlevels == opt.num_levels <= KV_MAX_LEVELS; base.ttl_ns == 0.
 *  2. 1 <= trigger; 0 <= size_ratio; 2 <= min_merge_width <=
 *     max_merge_width; 0 <= max_size_amplification_percent (checked at
 *     init, never changed afterwards).
 */
#include "strategies/universal.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>

#include "core/lsm/strategy_util.h"
#include "strategies/run_util.h"

struct universal_options {
	int64_t trigger;
	int64_t size_ratio;
	int64_t min_merge_width;
	int64_t max_merge_width;
	int64_t max_amp_percent;
	int64_t num_levels;
	uint64_t target_file_bytes;
};

/* One sorted run in read order. */
struct sorted_run {
	int level;
	size_t run; /* index in the level's run list */
	uint64_t bytes;
	size_t nfiles;
	bool compacting;
};

struct universal {
	struct kv_strategy base;
	struct universal_options opt;
	struct sorted_run sr[KV_RUNS_MAX]; /* scratch for pick */
};

#define OPT(field) offsetof(struct universal_options, field)

static const struct kv_option universal_options_table[] = {
	{ .name = "level0_file_num_compaction_trigger", .type = KV_OPT_INT, .def = "4",
	  .min = 1, .max = 10000, .unit = "runs",
	  .doc = "no compaction while there are fewer sorted runs than this",
	  .offset = OPT(trigger) },
	{ .name = "size_ratio", .type = KV_OPT_INT, .def = "1", .min = 0, .max = 100000,
	  .unit = "%", .doc = "size-ratio check: accumulated bytes x (100 + size_ratio) / 100 "
	  ">= next run's bytes", .offset = OPT(size_ratio) },
	{ .name = "min_merge_width", .type = KV_OPT_INT, .def = "2", .min = 2,
	  .max = 4294967295.0, .unit = "runs",
	  .doc = "fewest runs a size-ratio or run-count job merges",
	  .offset = OPT(min_merge_width) },
	{ .name = "max_merge_width", .type = KV_OPT_INT, .def = "4294967295", .min = 2,
	  .max = 4294967295.0, .unit = "runs",
	  .doc = "most runs a size-ratio or run-count job merges", .offset = OPT(max_merge_width) },
	{ .name = "max_size_amplification_percent", .type = KV_OPT_INT, .def = "200", .min = 0,
	  .max = 1e9, .unit = "%",
	  .doc = "compact everything when newer runs' bytes x 100 >= this x oldest run's bytes",
	  .offset = OPT(max_amp_percent) },
	{ .name = "num_levels", .type = KV_OPT_INT, .def = "7", .min = 1, .max = KV_MAX_LEVELS,
	  .unit = "levels", .doc = "number of levels including L0 (older runs go deeper)",
	  .offset = OPT(num_levels) },
	{ .name = "target_file_size_base", .type = KV_OPT_BYTES, .def = "64MiB", .min = 1024,
	  .max = 1099511627776.0, .unit = "bytes",
	  .doc = "output file size for runs in levels >= 1 (level-0 outputs are one file)",
	  .offset = OPT(target_file_bytes) },
	{ .name = NULL },
};

static const char TRIGGER_AMP[] = "size_amp";
static const char TRIGGER_RATIO[] = "size_ratio";
static const char TRIGGER_COUNT[] = "run_count";

static const char *const universal_triggers[] = { TRIGGER_AMP, TRIGGER_RATIO, TRIGGER_COUNT,
						  NULL };

static struct universal *to_universal(struct kv_strategy *s)
{
	return (struct universal *)s;
}

static bool universal_check(const struct universal *u)
{
	const struct universal_options *o = &u->opt;

	if (u->base.nlevels < 1 || u->base.nlevels > KV_MAX_LEVELS ||
	    u->base.nlevels != o->num_levels || u->base.ttl_ns != 0)
		return false;
	return o->trigger >= 1 && o->size_ratio >= 0 && o->min_merge_width >= 2 &&
	       o->max_merge_width >= o->min_merge_width && o->max_amp_percent >= 0;
}

static int universal_init(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err)
{
	struct universal *u = to_universal(s);
	int rc;

	rc = kv_options_load(universal_options_table, cfg, &u->opt, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "strategy 'universal'");
		return rc;
	}
	if (u->opt.max_merge_width < u->opt.min_merge_width)
		return kv_err_set(err, KV_EINVAL,
				  "strategy 'universal': max_merge_width %" PRId64
				  " is below min_merge_width %" PRId64,
				  u->opt.max_merge_width, u->opt.min_merge_width);
	s->nlevels = (int)u->opt.num_levels;
	s->ttl_ns = 0;
	assert(universal_check(u));
	return KV_OK;
}

/* The sorted runs of @v into u->sr, newest first; their count in *n. */
static int collect_runs(struct universal *u, const struct kv_version_view *v, size_t *n)
{
	size_t k = 0;

	if (v->nlevels != u->base.nlevels)
		return kv_err_set(&u->base.err, KV_EINVAL,
				  "universal: view has %d levels, strategy has %d (num_levels)",
				  v->nlevels, u->base.nlevels);
	for (int l = 0; l < v->nlevels; l++) {
		const struct kv_level *lv = &v->levels[l];
		for (size_t r = 0; r < lv->nruns; r++) {
			const struct kv_run *run = &lv->runs[r];
			if (run->nfiles == 0)
				continue;
			if (k == KV_RUNS_MAX)
				return kv_err_set(&u->base.err, KV_EINVAL,
						  "universal: more than %d sorted runs",
						  KV_RUNS_MAX);
			u->sr[k].level = l;
			u->sr[k].run = r;
			u->sr[k].bytes = run->bytes;
			u->sr[k].nfiles = run->nfiles;
			u->sr[k].compacting = kv_run_compacting(run);
			k++;
		}
	}
	*n = k;
	return KV_OK;
}

/*
 * RocksDB's PickCompactionToReduceSortedRuns: from each run not being
 * compacted (newest first), extend over the next runs while accumulated
 * bytes x (100 + ratio) / 100 >= the next run's bytes (always, when
 * @any_ratio), up to @max_runs; the first stretch of >= min_merge_width
 * runs wins. Returns its length (0: none) and its first index in *start.
 */
static size_t stretch_by_ratio(const struct universal *u, size_t n, bool any_ratio,
			       uint64_t max_runs, size_t *start)
{
	const struct sorted_run *sr = u->sr;

	for (size_t loop = 0; loop < n; loop++) {
		uint64_t count = 0, bytes, files;

		while (loop < n && sr[loop].compacting)
			loop++;
		if (loop == n)
			break;
		count = 1;
		bytes = sr[loop].bytes;
		files = sr[loop].nfiles;
		for (size_t i = loop + 1; count < max_runs && i < n; i++) {
			double sz = (double)bytes * (100.0 + (double)u->opt.size_ratio) / 100.0;
			if (sr[i].compacting)
				break;
			if (!any_ratio && sz < (double)sr[i].bytes)
				break;
			if (files + sr[i].nfiles > KV_JOB_MAX_INPUTS)
				break;
			bytes += sr[i].bytes;
			files += sr[i].nfiles;
			count++;
		}
		if (count >= (uint64_t)u->opt.min_merge_width) {
			*start = loop;
			return (size_t)count;
		}
	}
	return 0;
}

/* Fill @job merging sorted runs [start, start + count). */
static void merge_job(struct universal *u, const struct kv_version_view *v, size_t n,
		      size_t start, size_t count, struct kv_job *job)
{
	const struct sorted_run *sr = u->sr;
	size_t end = start + count - 1;
	struct kv_slice lo = { 0 }, hi = { 0 };
	bool have = false, ok = true;
	int out;

	assert(count >= 1 && end < n);
	for (size_t i = start; i <= end; i++) {
		const struct kv_run *run = &v->levels[sr[i].level].runs[sr[i].run];
		struct kv_slice rlo, rhi;
		kv_run_range(run, &rlo, &rhi);
		kv_key_range_extend(&lo, &hi, &have, rlo, rhi);
		for (size_t f = 0; f < run->nfiles && ok; f++)
			ok = kv_job_add_input(job, sr[i].level, run->files[f]->id);
	}
	assert(ok);
	(void)ok;
	if (end == n - 1)
		out = v->nlevels - 1;
	else if (sr[end + 1].level == 0)
		out = 0;
	else
		out = sr[end + 1].level - 1;
	assert(out >= sr[end].level);
	job->kind = KV_JOB_MERGE;
	job->output_level = out;
	job->output_run = -1;
	job->target_file_bytes = out == 0 ? 0 : u->opt.target_file_bytes;
	job->drop_tombstones = true;
	for (size_t i = end + 1; i < n; i++) {
		if (kv_run_overlaps(&v->levels[sr[i].level].runs[sr[i].run], lo, hi))
			job->drop_tombstones = false;
	}
}

/* Check 1: size amplification. Returns true when it produced a job. */
static bool pick_size_amp(struct universal *u, const struct kv_version_view *v, size_t n,
			  struct kv_job *job)
{
	const struct sorted_run *sr = u->sr;
	size_t start = 0, count = 0, files = sr[n - 1].nfiles;
	uint64_t newer = 0, oldest = sr[n - 1].bytes;
	double pct = (double)u->opt.max_amp_percent;

	if (n < 2 || sr[n - 1].compacting)
		return false;
	while (start + 1 < n && sr[start].compacting)
		start++;
	if (start + 1 >= n)
		return false;
	for (size_t i = start; i + 1 < n; i++) {
		if (sr[i].compacting)
			return false;
		newer += sr[i].bytes;
		files += sr[i].nfiles;
		count++;
	}
	if ((double)newer * 100.0 < pct * (double)oldest)
		return false;
	if (files > KV_JOB_MAX_INPUTS)
		return false;
	merge_job(u, v, n, start, count + 1, job);
	job->trigger = TRIGGER_AMP;
	job->score = pct * (double)oldest > 0 ? (double)newer * 100.0 / (pct * (double)oldest)
					      : (double)count;
	return true;
}

static int universal_pick(struct kv_strategy *s, const struct kv_version_view *v,
			  struct kv_job *job)
{
	struct universal *u = to_universal(s);
	size_t n = 0, start = 0, count, idle = 0;
	uint64_t trigger = (uint64_t)u->opt.trigger;
	int rc;

	assert(universal_check(u));
	rc = collect_runs(u, v, &n);
	if (rc != KV_OK)
		return rc;
	if (n == 0 || n < trigger)
		return KV_OK;
	if (pick_size_amp(u, v, n, job))
		goto out;
	count = stretch_by_ratio(u, n, false, (uint64_t)u->opt.max_merge_width, &start);
	if (count > 0) {
		merge_job(u, v, n, start, count, job);
		job->trigger = TRIGGER_RATIO;
		job->score = (double)n / (double)trigger;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		idle += !u->sr[i].compacting;
	if (idle > trigger) {
		uint64_t want = idle - trigger + 1;
		if (want > (uint64_t)u->opt.max_merge_width)
			want = (uint64_t)u->opt.max_merge_width;
		count = stretch_by_ratio(u, n, true, want, &start);
		if (count > 0) {
			merge_job(u, v, n, start, count, job);
			job->trigger = TRIGGER_COUNT;
			job->score = (double)n / (double)trigger;
		}
	}
out:
	assert(universal_check(u));
	return KV_OK;
}

const struct kv_strategy_ops kv_universal_strategy_ops = {
	.name = "universal",
	.version = 1,
	.instance_size = sizeof(struct universal),
	.doc = "RocksDB-style universal compaction: size amplification, size ratio, "
	       "then sorted-run count",
	.options = universal_options_table,
	.triggers = universal_triggers,
	.init = universal_init,
	.pick = universal_pick,
};
