/*
 * core/memtable/kind.c - helpers for implementing memtable kinds (see
 * core/memtable/kind.h).
 */
#include "core/memtable/kind.h"

#include "core/alloc.h"

#define MIN_SLOTS ((size_t)1024)
#define AUTO_MAX_SLOTS ((size_t)1 << 24)
#define AUTO_BYTES_PER_SLOT 256
#define DEFAULT_WRITE_BUFFER ((uint64_t)64 << 20)

size_t kv_mt_pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

int kv_mt_auto_slots(const struct kv_config *cfg, const char *option, size_t *out,
		     struct kv_err *err)
{
	uint64_t wbs = DEFAULT_WRITE_BUFFER;
	const char *v = cfg ? kv_config_get(cfg, "write_buffer_size") : NULL;
	size_t n;

	if (v && kv_parse_bytes(v, &wbs) != KV_OK)
		return kv_err_set(err, KV_EINVAL,
				  "option 'write_buffer_size': cannot parse '%s' (needed for "
				  "%s=0)",
				  v, option);
	n = (size_t)(wbs / AUTO_BYTES_PER_SLOT);
	if (n < MIN_SLOTS)
		n = MIN_SLOTS;
	if (n > AUTO_MAX_SLOTS)
		n = AUTO_MAX_SLOTS;
	*out = n;
	return KV_OK;
}

void *kv_mt_node_iter_new(size_t bytes, const struct kv_iter_ops *ops, size_t *open_iters)
{
	struct kv_mt_node_iter *ni;

	assert(bytes >= sizeof(*ni));
	ni = kv_malloc(KV_MEM_MEMTABLE, bytes);
	if (!ni)
		return NULL;
	ni->base.ops = ops;
	ni->open_iters = open_iters;
	ni->bytes = bytes;
	ni->cur = NULL;
	(*open_iters)++;
	return ni;
}

/* The current record (asserted valid). */
static const struct kv_mt_rec *node_iter_cur(const struct kv_iter *it)
{
	const struct kv_mt_node_iter *ni = (const struct kv_mt_node_iter *)it;

	assert(ni->cur);
	return ni->cur;
}

bool kv_mt_node_iter_valid(const struct kv_iter *it)
{
	return ((const struct kv_mt_node_iter *)it)->cur != NULL;
}

void kv_mt_node_iter_meta(const struct kv_iter *it, struct kv_entry_meta *m)
{
	kv_mt_rec_meta(node_iter_cur(it), m);
}

struct kv_slice kv_mt_node_iter_key(const struct kv_iter *it)
{
	return kv_mt_rec_key(node_iter_cur(it));
}

void kv_mt_node_iter_close(struct kv_iter *it)
{
	struct kv_mt_node_iter *ni = (struct kv_mt_node_iter *)it;

	assert(*ni->open_iters > 0);
	(*ni->open_iters)--;
	kv_free(KV_MEM_MEMTABLE, ni, ni->bytes);
}

struct kv_slice kv_mt_node_iter_value(const struct kv_iter *it)
{
	return kv_mt_rec_value(node_iter_cur(it));
}

int kv_mt_iter_status(const struct kv_iter *it)
{
	(void)it;
	return KV_OK;
}
