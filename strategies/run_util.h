/*
 * strategies/run_util.h - helpers shared by the run-based strategies
 * (tiered, universal, twcs, fifo): whole sorted runs as the unit of work.
 *
 * A "run list" is one level's runs in read order (newest first), as in
 * struct kv_level. Merging runs is only correct when no run left out lies
 * between the newest and the oldest input AND overlaps their key range
 * (the outputs take one read position; such a run would be reordered
 * against them). kv_runs_mergeable() checks exactly that; the stretch and
 * STCS helpers only ever return selections it accepts. Nothing here
 * allocates; scratch space is the caller's struct kv_stcs_scratch.
 */
#ifndef KV_STRATEGIES_RUN_UTIL_H
#define KV_STRATEGIES_RUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lsm/strategy.h"
#include "core/lsm/strategy_util.h"

/* At most this many runs of a level are considered by the helpers below. */
#define KV_RUNS_MAX KV_JOB_MAX_INPUTS

/* Key range of @run (borrowed from its files). Requires run->nfiles >= 1. */
static inline void kv_run_range(const struct kv_run *run, struct kv_slice *lo,
				struct kv_slice *hi)
{
	*lo = run->files[0]->smallest;
	*hi = run->files[run->nfiles - 1]->largest;
}

/* True if any file of @run is in a running job. */
static inline bool kv_run_compacting(const struct kv_run *run)
{
	return kv_run_files_compacting(run, 0, run->nfiles);
}

/* True if some file of @run overlaps [lo, hi]. Requires lo <= hi. */
bool kv_run_overlaps(const struct kv_run *run, struct kv_slice lo, struct kv_slice hi);

/* Largest max_ts_ns / created_ns of the files of @run (0 for an empty run). */
uint64_t kv_run_max_ts(const struct kv_run *run);
uint64_t kv_run_max_created(const struct kv_run *run);

/* Sums of entries and tombstones of the files of @run. */
void kv_run_counts(const struct kv_run *run, uint64_t *entries, uint64_t *tombstones);

/*
 * True if merging the runs lv->runs[i] with sel[i] set (i < n) keeps read
 * order: no unselected run between the newest and the oldest selected one
 * overlaps the key range of all selected runs. True when fewer than two
 * are selected. Requires n <= lv->nruns and non-empty runs.
 */
bool kv_runs_mergeable(const struct kv_level *lv, const bool *sel, size_t n);

/*
 * True if no run of @lv older than position @last (index > last)
 * overlaps [lo, hi]: then no older version of those keys exists in the
 * level, and a job over runs up to @last may drop tombstones (for a
 * one-level tree).
 */
bool kv_runs_nothing_older(const struct kv_level *lv, size_t last, struct kv_slice lo,
			   struct kv_slice hi);

/*
 * The best "stretch" of member runs: walk the members (member[i], i < n,
 * newest first) and cut them into stretches of at most @max_count runs and
 * KV_JOB_MAX_INPUTS files in total, each one mergeable (a member that would
 * make the stretch unmergeable starts the next one). Among stretches of at
 * least @min_count runs, the one with the smallest average run bytes wins
 * (ties: the newer). Its runs are flagged in chosen[0 .. n-1] (all other
 * entries cleared) and its run count returned; 0 when none qualifies.
 * Requires 1 <= min_count <= max_count, n <= KV_RUNS_MAX, members not being
 * compacted.
 */
size_t kv_runs_best_stretch(const struct kv_level *lv, const bool *member, size_t n,
			    size_t min_count, size_t max_count, bool *chosen);

/*
 * Append every file of each run lv->runs[i] with sel[i] (i < n) to @job at
 * @level. False (job may hold part of them) when KV_JOB_MAX_INPUTS is hit.
 */
bool kv_job_add_runs(struct kv_job *job, int level, const struct kv_level *lv, const bool *sel,
		     size_t n);

/*
 * Fill @job to merge the runs lv->runs[i] with chosen[i] (i < n) of a
 * one-level tree into one run at level 0 (kind KV_JOB_MERGE, output_run
 * -1, no output cutting); tombstones are dropped when no older run
 * overlaps the merged key range (kv_runs_nothing_older). The caller sets
 * trigger and score. Requires at least one chosen run, all mergeable and
 * within KV_JOB_MAX_INPUTS files (asserted).
 */
void kv_job_merge_runs(struct kv_job *job, const struct kv_level *lv, const bool *chosen,
		       size_t n);

/*
 * The engine's own `ttl` option from @cfg in ns (0 when unset or
 * unparsable: the engine validates it). The engine uses its ttl when
 * non-zero and the strategy's ttl_ns otherwise; strategies that drop
 * expired files use the same effective value so that they only drop what
 * reads already treat as expired.
 */
uint64_t kv_cfg_engine_ttl_ns(const struct kv_config *cfg);

/* Cassandra size-tiered (STCS) parameters, as in the option tables. */
struct kv_stcs_params {
	int64_t min_threshold;
	int64_t max_threshold;
	double bucket_low;
	double bucket_high;
	uint64_t min_sstable_size;
};

/*
 * True when @p satisfies the option tables' ranges: 2 <= min_threshold <=
 * max_threshold <= KV_RUNS_MAX, 0 < bucket_low < 1 < bucket_high. For
 * the strategies' invariant checks.
 */
bool kv_stcs_params_valid(const struct kv_stcs_params *p);

/*
 * Validate user-given @p after kv_options_load (which checked each
 * option's range): KV_EINVAL with @err naming @strategy when max_threshold
 * is below min_threshold, else KV_OK.
 */
int kv_stcs_params_check(const struct kv_stcs_params *p, const char *strategy,
			 struct kv_err *err);

/* A run position and its bytes, for sorting by size. */
struct kv_stcs_sized {
	uint64_t bytes;
	uint32_t pos;
};

/* Scratch space for kv_stcs_pick (large: keep it in the strategy instance). */
struct kv_stcs_scratch {
	struct kv_stcs_sized by_size[KV_RUNS_MAX];
	uint32_t bucket_of[KV_RUNS_MAX];
	uint64_t bucket_avg[KV_RUNS_MAX];
	uint32_t bucket_count[KV_RUNS_MAX];
	bool member[KV_RUNS_MAX];
	bool stretch[KV_RUNS_MAX];
};

/*
 * Size-tiered choice among the runs lv->runs[i] with consider[i] set
 * (i < n; runs being compacted are skipped): sort them by bytes, put each
 * into the first bucket (in creation order) whose average avg satisfies
 * bucket_low * avg < bytes < bucket_high * avg, or whose average and the
 * run are both below min_sstable_size, else into a new bucket (averages
 * are integers, updated as Cassandra does). Buckets of at least
 * min_threshold runs are cut into mergeable stretches of at most
 * max_threshold runs (kv_runs_best_stretch); the stretch with the smallest
 * average bytes over all buckets wins. Its runs are flagged in chosen[],
 * the count returned (0: no job), and *bucket_runs is set to the size of
 * the bucket it came from. Requires n <= KV_RUNS_MAX and valid params.
 */
size_t kv_stcs_pick(const struct kv_stcs_params *p, const struct kv_level *lv, const bool *consider,
		    size_t n, struct kv_stcs_scratch *sc, bool *chosen, size_t *bucket_runs);

#endif
