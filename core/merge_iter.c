/*
 * core/merge_iter.c - k-way merge of internal iterators over a binary heap.
 *
 * Order: key ascending (kv_slice_cmp), then seq descending, then child index
 * ascending. Each heap node caches its child's current key and meta, so a
 * comparison makes no indirect call; only the child at the top moves.
 *
 * Invariants:
 *  1. heap[0..heap_len) holds exactly the children that are valid, each
 *     once, and every node's key/meta equal its child's current key/meta.
 *  2. heap order: no node is less than its parent under the order above.
 *  3. status is KV_OK or the status of the first child seen to fail since
 *     the last seek; err_child is that child's index. When status is not
 *     KV_OK the iterator is not valid.
 */
#include "core/iter.h"

#include <assert.h>

#include "core/alloc.h"
#include "core/status.h"

struct merge_node {
	struct kv_slice key;
	struct kv_entry_meta meta;
	size_t child;
};

struct merge_iter {
	struct kv_iter base;
	size_t n;
	size_t heap_len;
	int status;
	size_t err_child;
	struct merge_node *heap;   /* n nodes, in the same allocation */
	struct kv_iter **children; /* n pointers, in the same allocation */
};

static inline bool node_less(const struct merge_node *a, const struct merge_node *b)
{
	int c = kv_slice_cmp(a->key, b->key);

	if (c != 0)
		return c < 0;
	if (a->meta.seq != b->meta.seq)
		return a->meta.seq > b->meta.seq;
	return a->child < b->child;
}

static bool merge_check(const struct merge_iter *m)
{
	if (m->heap_len > m->n)
		return false;
	for (size_t i = 1; i < m->heap_len; i++) {
		if (node_less(&m->heap[i], &m->heap[(i - 1) / 2]))
			return false;
	}
	for (size_t i = 0; i < m->heap_len; i++) {
		const struct kv_iter *c = m->children[m->heap[i].child];
		if (!kv_iter_valid(c) || !kv_slice_eq(kv_iter_key(c), m->heap[i].key))
			return false;
	}
	return true;
}

static void sift_down(struct merge_iter *m, size_t i)
{
	struct merge_node *h = m->heap;
	size_t len = m->heap_len;
	struct merge_node x = h[i];

	for (;;) {
		size_t l = 2 * i + 1, best;
		if (l >= len)
			break;
		best = l;
		if (l + 1 < len && node_less(&h[l + 1], &h[l]))
			best = l + 1;
		if (!node_less(&h[best], &x))
			break;
		h[i] = h[best];
		i = best;
	}
	h[i] = x;
}

static void load_node(struct merge_node *node, const struct kv_iter *c, size_t idx)
{
	node->key = kv_iter_key(c);
	kv_iter_meta(c, &node->meta);
	node->child = idx;
}

/* Record a child that stopped being valid: an error if its status says so. */
static void note_exhausted(struct merge_iter *m, size_t idx)
{
	int st = kv_iter_status(m->children[idx]);

	if (st != KV_OK && m->status == KV_OK) {
		m->status = st;
		m->err_child = idx;
	}
}

static void rebuild(struct merge_iter *m)
{
	m->heap_len = 0;
	m->status = KV_OK;
	for (size_t i = 0; i < m->n; i++) {
		const struct kv_iter *c = m->children[i];
		if (kv_iter_valid(c))
			load_node(&m->heap[m->heap_len++], c, i);
		else
			note_exhausted(m, i);
	}
	for (size_t i = m->heap_len / 2; i-- > 0;)
		sift_down(m, i);
	assert(merge_check(m));
}

static void merge_seek_first(struct kv_iter *it)
{
	struct merge_iter *m = (struct merge_iter *)it;

	for (size_t i = 0; i < m->n; i++)
		kv_iter_seek_first(m->children[i]);
	rebuild(m);
}

static void merge_seek(struct kv_iter *it, struct kv_slice target)
{
	struct merge_iter *m = (struct merge_iter *)it;

	for (size_t i = 0; i < m->n; i++)
		kv_iter_seek(m->children[i], target);
	rebuild(m);
}

static bool merge_valid(const struct kv_iter *it)
{
	const struct merge_iter *m = (const struct merge_iter *)it;

	return m->heap_len > 0 && m->status == KV_OK;
}

static void merge_next(struct kv_iter *it)
{
	struct merge_iter *m = (struct merge_iter *)it;
	struct merge_node *top;
	struct kv_iter *c;

	assert(merge_valid(it));
	top = &m->heap[0];
	c = m->children[top->child];
	kv_iter_next(c);
	if (kv_iter_valid(c)) {
		load_node(top, c, top->child);
	} else {
		note_exhausted(m, top->child);
		m->heap[0] = m->heap[--m->heap_len];
	}
	if (m->heap_len > 1)
		sift_down(m, 0);
}

static struct kv_slice merge_key(const struct kv_iter *it)
{
	const struct merge_iter *m = (const struct merge_iter *)it;

	assert(merge_valid(it));
	return m->heap[0].key;
}

static struct kv_slice merge_value(const struct kv_iter *it)
{
	const struct merge_iter *m = (const struct merge_iter *)it;

	assert(merge_valid(it));
	return kv_iter_value(m->children[m->heap[0].child]);
}

static void merge_meta(const struct kv_iter *it, struct kv_entry_meta *meta)
{
	const struct merge_iter *m = (const struct merge_iter *)it;

	assert(merge_valid(it));
	*meta = m->heap[0].meta;
}

static int merge_status(const struct kv_iter *it)
{
	return ((const struct merge_iter *)it)->status;
}

static const char *merge_errmsg(const struct kv_iter *it)
{
	const struct merge_iter *m = (const struct merge_iter *)it;

	if (m->status == KV_OK)
		return NULL;
	return kv_iter_errmsg(m->children[m->err_child]);
}

static size_t merge_alloc_bytes(size_t n)
{
	return sizeof(struct merge_iter) + n * sizeof(struct merge_node) +
	       n * sizeof(struct kv_iter *);
}

static void merge_close(struct kv_iter *it)
{
	struct merge_iter *m = (struct merge_iter *)it;

	for (size_t i = 0; i < m->n; i++)
		kv_iter_close(m->children[i]);
	kv_free(KV_MEM_OTHER, m, merge_alloc_bytes(m->n));
}

static const struct kv_iter_ops merge_iter_ops = {
	.name = "merge",
	.seek_first = merge_seek_first,
	.seek = merge_seek,
	.valid = merge_valid,
	.next = merge_next,
	.key = merge_key,
	.value = merge_value,
	.status = merge_status,
	.close = merge_close,
	.meta = merge_meta,
	.errmsg = merge_errmsg,
};

struct kv_iter *kv_merge_iter_new(struct kv_iter *const *children, size_t n)
{
	struct merge_iter *m;

	assert(n == 0 || children != NULL);
	m = kv_malloc(KV_MEM_OTHER, merge_alloc_bytes(n));
	if (!m) {
		for (size_t i = 0; i < n; i++)
			kv_iter_close(children[i]);
		return NULL;
	}
	m->base.ops = &merge_iter_ops;
	m->n = n;
	m->heap_len = 0;
	m->status = KV_OK;
	m->err_child = 0;
	m->heap = (struct merge_node *)(m + 1);
	m->children = (struct kv_iter **)(m->heap + n);
	for (size_t i = 0; i < n; i++) {
		assert(children[i] != NULL);
		m->children[i] = children[i];
	}
	return &m->base;
}
