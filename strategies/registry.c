/*
 * strategies/registry.c - the NULL-terminated table of compaction strategies.
 */
#include "strategies/registry.h"

#include <string.h>

#include "strategies/leveled.h"

const struct kv_strategy_ops *const kv_strategy_registry[] = {
	&kv_leveled_strategy_ops,
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
