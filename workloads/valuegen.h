/*
 * workloads/valuegen.h - value sizes and value bytes.
 *
 * Sizes (drawn by the workload source, so they are part of the operation
 * stream):
 *   constant  every value is `size` bytes
 *   uniform   uniform in [min, max]
 *   pareto    heavy-tailed: floor(xm / u^(1/1.5)) with u uniform in (0, 1],
 *             shape 1.5 and scale xm = size / 3 (so the untruncated mean is
 *             `size`), clamped to [min, max] (max 0: KV_MAX_VALUE_BYTES)
 *
 * Bytes (drawn by the runner): a slice of one pool of incompressible
 * pseudo-random bytes generated from the seed, at a pseudo-random offset
 * (db_bench's RandomGenerator scheme): no per-operation fill. The pool is
 * max(1 MiB, 2 x the largest size) bytes.
 */
#ifndef KV_WORKLOADS_VALUEGEN_H
#define KV_WORKLOADS_VALUEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/slice.h"
#include "core/status.h"

enum kv_vsize_kind { KV_VSIZE_CONSTANT = 0, KV_VSIZE_UNIFORM, KV_VSIZE_PARETO };

/* "constant", "uniform", "pareto", NULL. */
extern const char *const kv_vsize_names[];

#define KV_PARETO_SHAPE 1.5

struct kv_vsize {
	enum kv_vsize_kind kind;
	size_t size, min, max;
};

/*
 * Check and normalise @s (max 0 becomes KV_MAX_VALUE_BYTES for pareto, size
 * for constant). KV_EINVAL naming value_size/value_size_min/value_size_max.
 */
int kv_vsize_check(struct kv_vsize *s, struct kv_err *err);
/* The largest size @s can draw. */
size_t kv_vsize_max(const struct kv_vsize *s);
/* Draw one size. */
size_t kv_vsize_next(const struct kv_vsize *s, struct kv_rng *rng);

struct kv_valuegen {
	char *pool;          /* KV_MEM_WORKLOAD */
	size_t pool_bytes;
	struct kv_rng rng;   /* offsets */
};

/* A pool for values up to @max_len bytes from @seed. KV_ENOMEM. */
int kv_valuegen_init(struct kv_valuegen *g, size_t max_len, uint64_t seed, struct kv_err *err);
/* Free the pool; a zeroed @g is a no-op. */
void kv_valuegen_destroy(struct kv_valuegen *g);

/* @len (<= the init max_len) bytes, borrowed until kv_valuegen_destroy. */
static inline struct kv_slice kv_valuegen_bytes(struct kv_valuegen *g, size_t len)
{
	uint64_t off = kv_rng_below(&g->rng, g->pool_bytes - len + 1);
	return kv_slice_make(g->pool + off, len);
}

#endif
