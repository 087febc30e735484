/*
 * workloads/valuegen.c - value sizes and bytes (workloads/valuegen.h).
 */
#include "workloads/valuegen.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/engine.h"

#define POOL_MIN_BYTES ((size_t)1 << 20)
#define OFFSET_STREAM 0x76616c67656e6f66ULL

const char *const kv_vsize_names[] = { "constant", "uniform", "pareto", NULL };

int kv_vsize_check(struct kv_vsize *s, struct kv_err *err)
{
	if (s->size > KV_MAX_VALUE_BYTES)
		return kv_err_set(err, KV_EINVAL, "value_size %zu is above %u bytes", s->size,
				  KV_MAX_VALUE_BYTES);
	switch (s->kind) {
	case KV_VSIZE_CONSTANT:
		s->min = s->max = s->size;
		break;
	case KV_VSIZE_UNIFORM:
		if (s->min > s->max || s->max > KV_MAX_VALUE_BYTES)
			return kv_err_set(err, KV_EINVAL,
					  "value_size_dist=uniform needs value_size_min %zu <= "
					  "value_size_max %zu <= %u",
					  s->min, s->max, KV_MAX_VALUE_BYTES);
		break;
	case KV_VSIZE_PARETO:
		if (s->max == 0)
			s->max = KV_MAX_VALUE_BYTES;
		if (s->min > s->max || s->max > KV_MAX_VALUE_BYTES || s->size == 0)
			return kv_err_set(err, KV_EINVAL,
					  "value_size_dist=pareto needs value_size >= 1 and "
					  "value_size_min %zu <= value_size_max %zu <= %u",
					  s->min, s->max, KV_MAX_VALUE_BYTES);
		break;
	default:
		return kv_err_set(err, KV_EINVAL, "unknown value_size_dist %d", (int)s->kind);
	}
	return KV_OK;
}

size_t kv_vsize_max(const struct kv_vsize *s)
{
	return s->max;
}

size_t kv_vsize_next(const struct kv_vsize *s, struct kv_rng *rng)
{
	double xm, v;

	switch (s->kind) {
	case KV_VSIZE_UNIFORM:
		return s->min + (size_t)kv_rng_below(rng, (uint64_t)(s->max - s->min) + 1);
	case KV_VSIZE_PARETO:
		xm = (double)s->size * (KV_PARETO_SHAPE - 1.0) / KV_PARETO_SHAPE;
		v = floor(xm / pow(1.0 - kv_rng_double(rng), 1.0 / KV_PARETO_SHAPE));
		if (v < (double)s->min)
			return s->min;
		if (v > (double)s->max)
			return s->max;
		return (size_t)v;
	case KV_VSIZE_CONSTANT:
	default:
		return s->size;
	}
}

int kv_valuegen_init(struct kv_valuegen *g, size_t max_len, uint64_t seed, struct kv_err *err)
{
	struct kv_rng fill;

	memset(g, 0, sizeof(*g));
	g->pool_bytes = POOL_MIN_BYTES;
	if (max_len > g->pool_bytes / 2)
		g->pool_bytes = 2 * max_len;
	g->pool = kv_malloc(KV_MEM_WORKLOAD, g->pool_bytes);
	if (!g->pool)
		return kv_err_set(err, KV_ENOMEM, "out of memory for a %zu-byte value pool",
				  g->pool_bytes);
	kv_rng_seed(&fill, seed);
	kv_rng_fill(&fill, g->pool, g->pool_bytes);
	kv_rng_seed(&g->rng, seed ^ OFFSET_STREAM);
	return KV_OK;
}

void kv_valuegen_destroy(struct kv_valuegen *g)
{
	kv_free(KV_MEM_WORKLOAD, g->pool, g->pool_bytes);
	memset(g, 0, sizeof(*g));
}
