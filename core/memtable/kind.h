/*
 * core/memtable/kind.h - helpers for implementing memtable kinds: the
 * downcast to a kind's instance, the shared arena_block_size option,
 * sizing from write_buffer_size, and the iterator over node records that
 * the sorted kinds (skiplist, rbtree) share.
 *
 * Node iterator (struct kv_mt_node_iter, embedded first in the kind's
 * iterator): the kind positions it (seek_first, seek, next in its own
 * kv_iter_ops) by setting cur to the current record, or NULL when not
 * valid; valid/key/value/meta/status/close are the shared functions
 * below. Each open iterator counts in the memtable's *open_iters until
 * closed.
 */
#ifndef KV_CORE_MEMTABLE_KIND_H
#define KV_CORE_MEMTABLE_KIND_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/iter.h"
#include "core/memtable/arena.h"
#include "core/memtable/memtable.h"
#include "core/memtable/record.h"
#include "core/options.h"

/*
 * @mt as the instance of kind @ops (asserted); const is the caller's to
 * keep (like strchr), so one accessor serves const and non-const uses.
 */
static inline void *kv_mt_self(const struct kv_memtable *mt, const struct kv_memtable_ops *ops)
{
	assert(mt->ops == ops);
	(void)ops;
	return (void *)(uintptr_t)mt;
}

/* The arena_block_size option row, stored at @off (a uint64_t). */
#define KV_MT_ARENA_OPTION(off)                                                   \
	{                                                                         \
		.name = "arena_block_size", .type = KV_OPT_BYTES, .def = "1MiB", \
		.min = (double)KV_ARENA_MIN_BLOCK_BYTES,                          \
		.max = (double)KV_ARENA_MAX_BLOCK_BYTES, .unit = "bytes",         \
		.doc = "size of the memory blocks memtable nodes are carved from", \
		.offset = (off),                                                  \
	}

/* The smallest power of two >= n (1 for n <= 1). */
size_t kv_mt_pow2_at_least(size_t n);

/*
 * Automatic table size: write_buffer_size (from @cfg; 64 MiB when unset)
 * / 256, clamped to 1024 .. 2^24. @option names the option whose 0
 * requested it, for the message. KV_OK, or KV_EINVAL when
 * write_buffer_size does not parse (message without a kind prefix).
 */
int kv_mt_auto_slots(const struct kv_config *cfg, const char *option, size_t *out,
		     struct kv_err *err);

struct kv_mt_node_iter {
	struct kv_iter base;
	size_t *open_iters;         /* the memtable's count, decremented at close */
	size_t bytes;               /* allocation size of the kind's iterator */
	const struct kv_mt_rec *cur; /* the current record; NULL: not valid */
};

/*
 * Allocate (KV_MEM_MEMTABLE) an unpositioned iterator of @bytes (>= the
 * node iterator, which it starts with) using @ops, and count it in
 * *open_iters. The kind initializes the rest of its struct. NULL on ENOMEM.
 */
void *kv_mt_node_iter_new(size_t bytes, const struct kv_iter_ops *ops, size_t *open_iters);

/* kv_iter_ops entries of a node iterator. */
bool kv_mt_node_iter_valid(const struct kv_iter *it);
struct kv_slice kv_mt_node_iter_key(const struct kv_iter *it);
struct kv_slice kv_mt_node_iter_value(const struct kv_iter *it);
void kv_mt_node_iter_meta(const struct kv_iter *it, struct kv_entry_meta *m);
void kv_mt_node_iter_close(struct kv_iter *it);

/* kv_iter_ops.status of memtable iterators, which cannot fail: KV_OK. */
int kv_mt_iter_status(const struct kv_iter *it);

/*
 * The kv_iter_ops initializer of a node iterator named @nm whose kind
 * positions it with @first, @seek and @next; every other entry is shared.
 */
#define KV_MT_NODE_ITER_OPS(nm, first, seek_fn, next_fn)                                       \
	{                                                                                         \
		.name = (nm), .seek_first = (first), .seek = (seek_fn), .next = (next_fn),       \
		.valid = kv_mt_node_iter_valid, .key = kv_mt_node_iter_key,                       \
		.value = kv_mt_node_iter_value, .meta = kv_mt_node_iter_meta,                     \
		.status = kv_mt_iter_status, .close = kv_mt_node_iter_close, .errmsg = NULL,      \
	}

#endif
