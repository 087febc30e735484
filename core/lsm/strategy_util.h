/*
 * core/lsm/strategy_util.h - metadata helpers shared by compaction
 * strategies.
 *
 * All helpers work on the read-only version view of core/lsm/strategy.h.
 * A run's files are sorted by smallest key with disjoint ranges, so they
 * are also sorted by largest key; the overlap helpers binary-search on
 * that order and cost O(log nfiles). Nothing here allocates.
 */
#ifndef KV_CORE_LSM_STRATEGY_UTIL_H
#define KV_CORE_LSM_STRATEGY_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lsm/strategy.h"
#include "core/slice.h"

/*
 * The files of @run whose key range overlaps [lo, hi] (inclusive) are
 * run->files[*first .. *end - 1]; *first == *end when none does (then
 * *first is where such a range would be inserted).
 * Requires lo <= hi and a well-formed run.
 */
void kv_run_overlap(const struct kv_run *run, struct kv_slice lo, struct kv_slice hi,
		    size_t *first, size_t *end);

/* Sum of the bytes of run->files[first .. end - 1]. Requires first <= end <= nfiles. */
uint64_t kv_run_files_bytes(const struct kv_run *run, size_t first, size_t end);

/* True if any of run->files[first .. end - 1] is being compacted. */
bool kv_run_files_compacting(const struct kv_run *run, size_t first, size_t end);

/* True if any file of any run of @level overlaps [lo, hi]. */
bool kv_level_overlaps(const struct kv_level *level, struct kv_slice lo, struct kv_slice hi);

/*
 * The smallest smallest-key and largest largest-key of @files[0 .. n-1]
 * into *lo and *hi (borrowed from the file metadata). Requires n >= 1.
 */
void kv_files_key_range(const struct kv_file_meta *const *files, size_t n, struct kv_slice *lo,
			struct kv_slice *hi);

/*
 * Widen [*lo, *hi] to include [flo, fhi]. When *have is false the range
 * is set to [flo, fhi] and *have becomes true.
 */
void kv_key_range_extend(struct kv_slice *lo, struct kv_slice *hi, bool *have, struct kv_slice flo,
			 struct kv_slice fhi);

/*
 * Append input (level, file_id) to @job. Returns false, leaving the job
 * unchanged, when it already holds KV_JOB_MAX_INPUTS inputs.
 */
bool kv_job_add_input(struct kv_job *job, int level, uint64_t file_id);

#endif
