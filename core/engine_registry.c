/*
 * core/engine_registry.c - engines by name (NULL-terminated, as linit.c).
 */
#include <string.h>

#include "core/engine.h"
#include "core/btree/btree.h"
#include "core/lsm/lsm.h"

const struct kv_engine_ops *const kv_engine_registry[] = {
	&kv_lsm_engine_ops,
	&kv_btree_engine_ops,
	NULL,
};

const struct kv_engine_ops *kv_engine_find(const char *name)
{
	for (size_t i = 0; kv_engine_registry[i]; i++)
		if (strcmp(kv_engine_registry[i]->name, name) == 0)
			return kv_engine_registry[i];
	return NULL;
}
