/*
 * strategies/registry.h - the table of compaction strategies, by name.
 *
 * Names are resolved to ops tables only at the edge (CLI, Lua module);
 * core/ never names a concrete strategy. Adding a strategy is one new file
 * plus one line in registry.c.
 */
#ifndef KV_STRATEGIES_REGISTRY_H
#define KV_STRATEGIES_REGISTRY_H

#include "core/lsm/strategy.h"

/* Every strategy, NULL-terminated, in the order `lsmlab list` shows them. */
extern const struct kv_strategy_ops *const kv_strategy_registry[];

/* The strategy named @name (exact match), or NULL if there is none. */
const struct kv_strategy_ops *kv_strategy_find(const char *name);

#endif
