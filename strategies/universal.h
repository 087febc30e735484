/*
 * strategies/universal.h - universal (tiered) compaction, RocksDB-style.
 *
 * Options (kv_universal_strategy_ops.options), RocksDB names and defaults:
 * level0_file_num_compaction_trigger, size_ratio, min_merge_width,
 * max_merge_width, max_size_amplification_percent, num_levels,
 * target_file_size_base.
 * Triggers: "size_amp", "size_ratio", "run_count". Rules and every
 * difference from RocksDB: docs/strategies.md, section "Universal".
 */
#ifndef KV_STRATEGIES_UNIVERSAL_H
#define KV_STRATEGIES_UNIVERSAL_H

#include "core/lsm/strategy.h"

extern const struct kv_strategy_ops kv_universal_strategy_ops;

#endif
