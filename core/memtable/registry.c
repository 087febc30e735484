/*
 * core/memtable/registry.c - every memtable kind, by name.
 *
 * Adding a kind: one new file in this folder (listed in meson.build) that
 * exports its `const struct kv_memtable_ops`, plus one line here. The
 * contract suite (tests/contract/test_memtable_contract.c) runs against
 * every entry automatically.
 */
#include "core/memtable/memtable.h"
#include "core/memtable/hash.h"
#include "core/memtable/rbtree.h"
#include "core/memtable/skiplist.h"
#include "core/memtable/vector.h"

const struct kv_memtable_ops *const kv_memtable_registry[] = {
	&kv_skiplist_memtable_ops,
	&kv_rbtree_memtable_ops,
	&kv_hash_memtable_ops,
	&kv_vector_memtable_ops,
	NULL,
};
