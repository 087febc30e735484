/*
 * workloads/keygen.h - db_bench-style keys and values.
 *
 * Keys: key number n -> exactly key_size bytes of decimal digits,
 * zero-padded on the left ("0000000000001234" for n = 1234, key_size 16),
 * so bytewise key order equals numeric order. A key_size too small for the
 * largest key number (num - 1) is rejected.
 *
 * Values: value_size bytes sliced out of one pool of pseudo-random bytes
 * (incompressible) generated once from the seed, at pseudo-random offsets
 * (like db_bench's RandomGenerator, which slices one 1 MiB buffer): no
 * per-operation fill. The pool is max(1 MiB, 2 x value_size) bytes.
 * The same seed and sizes give the same sequence of values.
 *
 * Ownership: slices returned by kv_keygen_key() are borrowed until the next
 * kv_keygen_key() call; slices returned by kv_keygen_value() until
 * kv_keygen_destroy().
 */
#ifndef KV_WORKLOADS_KEYGEN_H
#define KV_WORKLOADS_KEYGEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/slice.h"
#include "core/status.h"

#define KV_KEYGEN_POOL_MIN_BYTES ((size_t)1 << 20)

struct kv_keygen {
	uint64_t num;        /* key numbers are in [0, num) */
	size_t key_size;
	size_t value_size;
	char *key_buf;       /* key_size bytes, KV_MEM_WORKLOAD */
	char *pool;          /* pool_bytes random bytes, KV_MEM_WORKLOAD */
	size_t pool_bytes;
	struct kv_rng rng;   /* draws value offsets */
};

/* Decimal digits needed to write @n (1 for 0). */
size_t kv_keygen_digits(uint64_t n);

/*
 * Write key number @n as exactly @key_size zero-padded decimal digits into
 * @buf (no NUL). Requires kv_keygen_digits(n) <= key_size.
 */
void kv_keygen_format(uint64_t n, char *buf, size_t key_size);

/*
 * Parse a key written by kv_keygen_format back into its number. KV_OK, or
 * KV_EINVAL if @key is not all decimal digits or overflows.
 */
int kv_keygen_parse(struct kv_slice key, uint64_t *n);

/*
 * Set up @g for key numbers [0, @num) (num >= 1), keys of @key_size bytes
 * (1..KV_MAX_KEY_BYTES, enough digits for num - 1) and values of
 * @value_size bytes (0..KV_MAX_VALUE_BYTES). KV_EINVAL with a message
 * naming key_size/value_size when out of range, KV_ENOMEM. On failure @g
 * holds nothing to free. Release with kv_keygen_destroy().
 */
int kv_keygen_init(struct kv_keygen *g, uint64_t num, size_t key_size, size_t value_size,
		   uint64_t seed, struct kv_err *err);
/* Free what init allocated; a zeroed @g is a no-op. */
void kv_keygen_destroy(struct kv_keygen *g);

/* Key number @n (< num) in the internal buffer. */
static inline struct kv_slice kv_keygen_key(struct kv_keygen *g, uint64_t n)
{
	kv_keygen_format(n, g->key_buf, g->key_size);
	return kv_slice_make(g->key_buf, g->key_size);
}

/* The next value: value_size bytes at a pseudo-random pool offset. */
static inline struct kv_slice kv_keygen_value(struct kv_keygen *g)
{
	uint64_t off = kv_rng_below(&g->rng, g->pool_bytes - g->value_size + 1);
	return kv_slice_make(g->pool + off, g->value_size);
}

#endif
