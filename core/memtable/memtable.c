/*
 * core/memtable/memtable.c - creating, destroying and finding memtables.
 *
 * The per-operation wrappers are static inline in memtable.h; this file
 * owns the instance allocation (KV_MEM_MEMTABLE, ops->instance_size bytes)
 * and the lookup over the registry.
 */
#include "core/memtable/memtable.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"

int kv_memtable_create(const struct kv_memtable_ops *ops, const struct kv_config *cfg,
		       struct kv_memtable **out, struct kv_err *err)
{
	struct kv_memtable *mt;
	int rc;

	assert(ops && ops->name && out);
	assert(ops->instance_size >= sizeof(struct kv_memtable));
	assert(ops->init && ops->destroy && ops->put && ops->get && ops->iter &&
	       ops->approx_bytes && ops->count);
	*out = NULL;
	mt = kv_calloc(KV_MEM_MEMTABLE, ops->instance_size);
	if (!mt)
		return kv_err_set(err, KV_ENOMEM, "memtable %s: out of memory (%zu bytes)",
				  ops->name, ops->instance_size);
	mt->ops = ops;
	rc = ops->init(mt, cfg, err);
	if (rc != KV_OK)
		goto out_free;
	*out = mt;
	return KV_OK;

out_free:
	kv_free(KV_MEM_MEMTABLE, mt, ops->instance_size);
	return rc;
}

void kv_memtable_destroy(struct kv_memtable *mt)
{
	const struct kv_memtable_ops *ops;

	if (!mt)
		return;
	ops = mt->ops;
	ops->destroy(mt);
	kv_free(KV_MEM_MEMTABLE, mt, ops->instance_size);
}

const struct kv_memtable_ops *kv_memtable_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; kv_memtable_registry[i]; i++) {
		if (strcmp(kv_memtable_registry[i]->name, name) == 0)
			return kv_memtable_registry[i];
	}
	return NULL;
}
