/*
 * strategies/twcs.h - time-window compaction, Cassandra TWCS-style.
 *
 * Options (kv_twcs_strategy_ops.options): compaction_window_unit,
 * compaction_window_size (Cassandra names), twcs_ttl (Cassandra's table
 * default_time_to_live), and the STCS options used inside the newest
 * window: min_threshold, max_threshold, bucket_low, bucket_high,
 * min_sstable_size.
 * Triggers: "window_stcs", "window_major", "ttl_expired". Rules and every
 * difference from Cassandra: docs/strategies.md, section "Time-window".
 */
#ifndef KV_STRATEGIES_TWCS_H
#define KV_STRATEGIES_TWCS_H

#include "core/lsm/strategy.h"

extern const struct kv_strategy_ops kv_twcs_strategy_ops;

/* compaction_window_unit values (indices into the option's choices). */
enum kv_twcs_unit {
	KV_TWCS_MINUTES = 0,
	KV_TWCS_HOURS,
	KV_TWCS_DAYS,
};

#endif
