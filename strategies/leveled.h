/*
 * strategies/leveled.h - leveled compaction, RocksDB-style.
 *
 * Options (kv_leveled_strategy_ops.options), RocksDB names and defaults:
 * level0_file_num_compaction_trigger, max_bytes_for_level_base,
 * max_bytes_for_level_multiplier, target_file_size_base,
 * target_file_size_multiplier, num_levels,
 * level_compaction_dynamic_level_bytes, compaction_pri.
 * Triggers: "l0_files", "level_bytes". Rules and every difference from
 * RocksDB: docs/strategies.md, section "Leveled".
 */
#ifndef KV_STRATEGIES_LEVELED_H
#define KV_STRATEGIES_LEVELED_H

#include <stdint.h>

#include "core/lsm/strategy.h"

extern const struct kv_strategy_ops kv_leveled_strategy_ops;

/* compaction_pri values (indices into the option's choices). */
enum kv_leveled_pri {
	KV_LEVELED_MIN_OVERLAPPING_RATIO = 0,
	KV_LEVELED_BY_COMPENSATED_SIZE,
	KV_LEVELED_OLDEST_LARGEST_SEQ_FIRST,
	KV_LEVELED_OLDEST_SMALLEST_SEQ_FIRST,
	KV_LEVELED_ROUND_ROBIN,
};

/* The tree shape the strategy derives from a version. */
struct kv_leveled_shape {
	int nlevels;
	/* Where L0 compactions go: 1 with static targets; with dynamic level
	   bytes the RocksDB base level (levels 1..base_level-1 stay empty). */
	int base_level;
	/* Target bytes per level; UINT64_MAX means "no size target" (L0, and
	   with dynamic level bytes the levels above base_level, or every
	   level while L1+ is empty). */
	uint64_t target_bytes[KV_MAX_LEVELS];
	/* Compaction score per level (0 for the last level, which never
	   compacts downward): L0 files / trigger, Ln bytes / target; files
	   being compacted are not counted. */
	double score[KV_MAX_LEVELS];
	/* target_file_bytes of a job whose output goes to this level. */
	uint64_t target_file_bytes[KV_MAX_LEVELS];
};

/*
 * Compute the shape of view @v (borrowed for the call) as the leveled
 * strategy @s sees it, into *out. Requires @s created from
 * kv_leveled_strategy_ops. KV_OK, or KV_EINVAL with s->err set when @s is
 * not a leveled strategy or @v does not match it (level count, more than
 * one run in a level >= 1).
 */
int kv_leveled_shape(struct kv_strategy *s, const struct kv_version_view *v,
		     struct kv_leveled_shape *out);

#endif
