/*
 * strategies/registry.c - the NULL-terminated table of compaction strategies.
 */
#include "strategies/registry.h"

#include <string.h>

#include "strategies/fifo.h"
#include "strategies/leveled.h"
#include "strategies/tiered.h"
#include "strategies/twcs.h"
#include "strategies/universal.h"

const struct kv_strategy_ops *const kv_strategy_registry[] = {
	&kv_leveled_strategy_ops,
	&kv_tiered_strategy_ops,
	&kv_universal_strategy_ops,
	&kv_twcs_strategy_ops,
	&kv_fifo_strategy_ops,
	NULL,
};

const struct kv_strategy_ops *kv_strategy_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; kv_strategy_registry[i]; i++) {
		if (strcmp(kv_strategy_registry[i]->name, name) == 0)
			return kv_strategy_registry[i];
	}
	return NULL;
}
