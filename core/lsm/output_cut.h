/*
 * core/lsm/output_cut.h - where a compaction cuts its output files
 * besides the target size: at file boundaries of the level below the
 * output level (the "grandparent" level), as RocksDB 7.8's leveled
 * compaction does (CompactionOutputs::ShouldStopBefore with
 * max_compaction_bytes and level_compaction_dynamic_file_size).
 *
 * Rules, checked before each key is added to an open output, only when
 * that key crosses at least one grandparent boundary (enters or leaves
 * a grandparent file):
 *  1. output bytes + bytes of the grandparent files the output overlaps
 *     > max_compaction_bytes (when > 0): cut;
 *  2. align: the key skips a whole grandparent file of more than
 *     target / 8 bytes: cut (the skipped file stays out of later jobs);
 *  3. align: output bytes >= (50 + 5 * boundaries crossed so far, at most
 *     90) % of target: cut (pre-cut at a boundary).
 * With align and a non-empty grandparent set the hard size cap is
 * 2 x target instead of target (kv_out_cut_max_bytes).
 *
 * Invariants (kv_out_cut_check):
 *  1. idx <= ngp; gap is true when idx == ngp and a key was seen.
 *  2. the files are sorted by key with disjoint ranges (a run).
 * Nothing here allocates; the grandparent metadata is borrowed.
 */
#ifndef KV_CORE_LSM_OUTPUT_CUT_H
#define KV_CORE_LSM_OUTPUT_CUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lsm/strategy.h"
#include "core/slice.h"

struct kv_out_cut {
	const struct kv_file_meta *const *gp; /* grandparent files, a run */
	size_t ngp;
	uint64_t target;               /* the job's target_file_bytes */
	uint64_t max_compaction_bytes; /* rule 1 (0: off) */
	bool align;                    /* rules 2 and 3, 2 x target cap */
	/* Position of the last key seen. */
	size_t idx;        /* first grandparent file whose largest >= last key */
	bool gap;          /* the last key lies before gp[idx] (outside any file) */
	bool seen;         /* a key was seen */
	uint64_t overlap;  /* grandparent bytes the open output overlaps */
	size_t switches;   /* boundaries crossed since the open output began */
};

/*
 * Start tracking for a job whose outputs go to a level with grandparent
 * files @gp[0 .. ngp-1] (borrowed until the job ends; ngp may be 0).
 * @target: target file bytes (0: no size cut).
 */
void kv_out_cut_init(struct kv_out_cut *c, const struct kv_file_meta *const *gp, size_t ngp,
		     uint64_t target, uint64_t max_compaction_bytes, bool align);

/*
 * Called for every key in output order, before it is added. @open: an
 * output file is open, holding @out_bytes (false: a new output begins
 * with @key). Returns true if the open output must be finished before
 * @key (the tracker then counts for the next output, which begins with
 * @key).
 */
bool kv_out_cut_before(struct kv_out_cut *c, struct kv_slice key, bool open, uint64_t out_bytes);

/* The size at which an output is finished regardless of boundaries. */
uint64_t kv_out_cut_max_bytes(const struct kv_out_cut *c);

bool kv_out_cut_check(const struct kv_out_cut *c);

#endif
