/*
 * strategies/tiered.h - size-tiered compaction, Cassandra STCS-style.
 *
 * Options (kv_tiered_strategy_ops.options), Cassandra names and defaults:
 * min_threshold, max_threshold, bucket_low, bucket_high, min_sstable_size,
 * tombstone_threshold, tombstone_compaction_interval.
 * Triggers: "bucket", "tombstone_ratio". Rules and every difference from
 * Cassandra: docs/strategies.md, section "Size-tiered".
 */
#ifndef KV_STRATEGIES_TIERED_H
#define KV_STRATEGIES_TIERED_H

#include "core/lsm/strategy.h"

extern const struct kv_strategy_ops kv_tiered_strategy_ops;

#endif
