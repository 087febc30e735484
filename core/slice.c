/*
 * core/slice.c - the growable owned buffer of core/slice.h.
 *
 * Invariants: len <= cap; data == NULL iff cap == 0; data holds cap bytes
 * allocated from component b->component.
 */
#include "core/slice.h"

#include <assert.h>
#include <stdint.h>

#include "core/alloc.h"
#include "core/status.h"

#define BUF_MIN_CAP 16

static bool buf_check(const struct kv_buf *b)
{
	return b->len <= b->cap && (b->data == NULL) == (b->cap == 0) &&
	       (unsigned)b->component < KV_MEM__COUNT;
}

int kv_buf_reserve(struct kv_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	assert(buf_check(b));
	if (extra > SIZE_MAX - b->len)
		return KV_ENOMEM;
	need = b->len + extra;
	if (need <= b->cap)
		return KV_OK;
	cap = b->cap < BUF_MIN_CAP ? BUF_MIN_CAP : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = kv_realloc((enum kv_mem_component)b->component, b->data, b->cap, cap);
	if (!p)
		return KV_ENOMEM;
	b->data = p;
	b->cap = cap;
	assert(buf_check(b));
	return KV_OK;
}

int kv_buf_append(struct kv_buf *b, const void *p, size_t n)
{
	int rc = kv_buf_reserve(b, n);

	if (rc != KV_OK)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return KV_OK;
}

int kv_buf_set(struct kv_buf *b, const void *p, size_t n)
{
	b->len = 0;
	return kv_buf_append(b, p, n);
}

void kv_buf_free(struct kv_buf *b)
{
	if (b->data)
		kv_free((enum kv_mem_component)b->component, b->data, b->cap);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
