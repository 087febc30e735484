/*
 * strategies/fifo.h - FIFO compaction, RocksDB-style: no merging; whole
 * oldest files are dropped past a total-size cap (LOSES DATA by design,
 * as RocksDB FIFO does) or once all their entries are past the TTL.
 *
 * Options (kv_fifo_strategy_ops.options): max_table_files_size (RocksDB
 * name), fifo_ttl (RocksDB's ttl).
 * Triggers: "fifo_size", "fifo_ttl". Rules and every difference from
 * RocksDB: docs/strategies.md, section "FIFO".
 */
#ifndef KV_STRATEGIES_FIFO_H
#define KV_STRATEGIES_FIFO_H

#include "core/lsm/strategy.h"

extern const struct kv_strategy_ops kv_fifo_strategy_ops;

#endif
