/*
 * core/slice.h - a borrowed byte range. A slice never owns its bytes.
 */
#ifndef KV_CORE_SLICE_H
#define KV_CORE_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct kv_slice {
	const char *data;
	size_t len;
};

static inline struct kv_slice kv_slice_make(const void *data, size_t len)
{
	struct kv_slice s = { (const char *)data, len };
	return s;
}

static inline struct kv_slice kv_slice_str(const char *s)
{
	return kv_slice_make(s, s ? strlen(s) : 0);
}

/* Bytewise order (memcmp, then the shorter first): the only key order. */
static inline int kv_slice_cmp(struct kv_slice a, struct kv_slice b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int r = n ? memcmp(a.data, b.data, n) : 0;
	if (r != 0)
		return r;
	return (a.len > b.len) - (a.len < b.len);
}

static inline bool kv_slice_eq(struct kv_slice a, struct kv_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

/*
 * A growable owned buffer (KV_MEM_OTHER unless a component is given).
 * kv_buf_free() on a zeroed buffer is a no-op.
 */
struct kv_buf {
	char *data;
	size_t len;
	size_t cap;
	int component; /* enum kv_mem_component */
};

/* Ensure room for @extra more bytes. KV_OK or KV_ENOMEM. */
int kv_buf_reserve(struct kv_buf *b, size_t extra);
int kv_buf_append(struct kv_buf *b, const void *p, size_t n);
int kv_buf_set(struct kv_buf *b, const void *p, size_t n);
void kv_buf_free(struct kv_buf *b);

static inline struct kv_slice kv_buf_slice(const struct kv_buf *b)
{
	return kv_slice_make(b->data, b->len);
}

#endif
