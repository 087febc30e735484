/*
 * workloads/keygen.c - db_bench-style keys and values (workloads/keygen.h).
 */
#include "workloads/keygen.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/engine.h"

/* Seed-stream separator so value offsets never replay the pool's bytes. */
#define OFFSET_STREAM 0x76616c75655f6f66ULL

size_t kv_keygen_digits(uint64_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

void kv_keygen_format(uint64_t n, char *buf, size_t key_size)
{
	size_t i = key_size;

	assert(kv_keygen_digits(n) <= key_size);
	do {
		buf[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	memset(buf, '0', i);
}

int kv_keygen_parse(struct kv_slice key, uint64_t *n)
{
	uint64_t v = 0;

	if (key.len == 0)
		return KV_EINVAL;
	for (size_t i = 0; i < key.len; i++) {
		unsigned d = (unsigned char)key.data[i] - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return KV_EINVAL;
		v = v * 10 + d;
	}
	*n = v;
	return KV_OK;
}

int kv_keygen_init(struct kv_keygen *g, uint64_t num, size_t key_size, size_t value_size,
		   uint64_t seed, struct kv_err *err)
{
	struct kv_rng fill;

	memset(g, 0, sizeof(*g));
	if (num == 0)
		return kv_err_set(err, KV_EINVAL, "num must be at least 1");
	if (key_size == 0 || key_size > KV_MAX_KEY_BYTES)
		return kv_err_set(err, KV_EINVAL, "key_size %zu is outside 1..%u bytes", key_size,
				  KV_MAX_KEY_BYTES);
	if (kv_keygen_digits(num - 1) > key_size)
		return kv_err_set(err, KV_EINVAL,
				  "key_size %zu is too small for num %llu: keys need %zu digits",
				  key_size, (unsigned long long)num, kv_keygen_digits(num - 1));
	if (value_size > KV_MAX_VALUE_BYTES)
		return kv_err_set(err, KV_EINVAL, "value_size %zu is above %u bytes", value_size,
				  KV_MAX_VALUE_BYTES);
	g->num = num;
	g->key_size = key_size;
	g->value_size = value_size;
	g->pool_bytes = KV_KEYGEN_POOL_MIN_BYTES;
	if (g->pool_bytes < 2 * value_size)
		g->pool_bytes = 2 * value_size;
	g->key_buf = kv_malloc(KV_MEM_WORKLOAD, key_size);
	g->pool = kv_malloc(KV_MEM_WORKLOAD, g->pool_bytes);
	if (!g->key_buf || !g->pool) {
		kv_keygen_destroy(g);
		return kv_err_set(err, KV_ENOMEM, "keygen: out of memory for a %zu-byte value pool",
				  g->pool_bytes);
	}
	kv_rng_seed(&fill, seed);
	kv_rng_fill(&fill, g->pool, g->pool_bytes);
	kv_rng_seed(&g->rng, seed ^ OFFSET_STREAM);
	return KV_OK;
}

void kv_keygen_destroy(struct kv_keygen *g)
{
	kv_free(KV_MEM_WORKLOAD, g->key_buf, g->key_size);
	kv_free(KV_MEM_WORKLOAD, g->pool, g->pool_bytes);
	memset(g, 0, sizeof(*g));
}
