/*
 * core/memtable/snapshot.c - sorted snapshots of unsorted memtables.
 *
 * Invariants:
 *  1. A snapshot's elements [0, n) are sorted strictly by (key ascending,
 *     seq descending); every key is at least `skip` bytes long and all
 *     share their first `skip` bytes (the longest common prefix); each
 *     elem.prefix is the big-endian value of key bytes [skip, skip + 8),
 *     zero padded; n <= cap. (Skipping the common prefix keeps the inline
 *     prefix compare useful for keys like zero-padded numbers.)
 *  2. refs counts the cache's reference (if c->snap points at it) plus one
 *     per open iterator over it; a snapshot is freed when refs reaches 0.
 *  3. c->open_iters is the number of open iterators created from c.
 *  4. A snapshot is never modified while refs > 1 (only the cache's own,
 *     unshared snapshot is rebuilt in place).
 */
#include "core/memtable/snapshot.h"

#include <assert.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/memtable/kind.h"

#define HASH_SEED UINT64_C(0x6d656d7461626c65) /* "memtable" */
#define INSERTION_MAX 16

struct elem {
	uint64_t prefix;
	const struct kv_mt_entry *e;
};

struct kv_mt_snap {
	size_t refs;
	size_t n;
	size_t cap;
	struct elem v[];
};

struct snap_iter {
	struct kv_iter base;
	struct kv_mt_snapcache *cache;
	struct kv_mt_snap *snap;
	size_t pos; /* == snap->n: not valid */
};

uint32_t kv_mt_key_hash(const char *k, size_t len)
{
	return (uint32_t)kv_hash64(k, len, HASH_SEED);
}

/* Big-endian value of key bytes [skip, skip + 8), zero padded. */
static inline uint64_t key_prefix(const char *k, size_t len, size_t skip)
{
	uint64_t p = 0;

	for (size_t i = skip; i < skip + 8; i++)
		p = (p << 8) | (i < len ? (unsigned char)k[i] : 0u);
	return p;
}

/* (key ascending, seq descending); prefixes compared first. */
static inline bool elem_less(const struct elem *a, const struct elem *b)
{
	int r;

	if (a->prefix != b->prefix)
		return a->prefix < b->prefix;
	r = kv_mt_key_cmp(a->e->key, a->e->key_len, b->e->key, b->e->key_len);
	if (r != 0)
		return r < 0;
	return a->e->seq > b->e->seq;
}

static inline void elem_swap(struct elem *a, struct elem *b)
{
	struct elem t = *a;

	*a = *b;
	*b = t;
}

static void insertion_sort(struct elem *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct elem x = v[i];
		size_t j = i;

		while (j > 0 && elem_less(&x, &v[j - 1])) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

static void sift_down(struct elem *v, size_t i, size_t n)
{
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			return;
		if (c + 1 < n && elem_less(&v[c], &v[c + 1]))
			c++;
		if (!elem_less(&v[i], &v[c]))
			return;
		elem_swap(&v[i], &v[c]);
		i = c;
	}
}

static void heap_sort(struct elem *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t i = n; i-- > 1;) {
		elem_swap(&v[0], &v[i]);
		sift_down(v, 0, i);
	}
}

/*
 * Introsort: quicksort with a median-of-three pivot, recursing into the
 * smaller side (stack depth O(log n)), heapsort once @depth is used up,
 * insertion sort for short ranges.
 */
static void intro_sort(struct elem *v, size_t n, int depth)
{
	while (n > INSERTION_MAX) {
		size_t mid = n / 2, i = 0, j = n - 1;
		struct elem pivot;

		if (depth-- == 0) {
			heap_sort(v, n);
			return;
		}
		if (elem_less(&v[mid], &v[0]))
			elem_swap(&v[mid], &v[0]);
		if (elem_less(&v[n - 1], &v[0]))
			elem_swap(&v[n - 1], &v[0]);
		if (elem_less(&v[n - 1], &v[mid]))
			elem_swap(&v[n - 1], &v[mid]);
		pivot = v[mid];
		/* Hoare partition: [0, j] <= pivot <= [j + 1, n). */
		for (;;) {
			while (elem_less(&v[i], &pivot))
				i++;
			while (elem_less(&pivot, &v[j]))
				j--;
			if (i >= j)
				break;
			elem_swap(&v[i], &v[j]);
			i++;
			j--;
		}
		if (j + 1 < n - j - 1) {
			intro_sort(v, j + 1, depth);
			v += j + 1;
			n -= j + 1;
		} else {
			intro_sort(v + j + 1, n - j - 1, depth);
			n = j + 1;
		}
	}
	insertion_sort(v, n);
}

static void sort_elems(struct elem *v, size_t n)
{
	int depth = 0;

	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	intro_sort(v, n, depth);
}

static bool snap_check(const struct kv_mt_snap *s)
{
	if (!s || s->refs == 0 || s->n > s->cap)
		return false;
	for (size_t i = 1; i < s->n && s->n <= 64; i++) {
		if (!elem_less(&s->v[i - 1], &s->v[i]))
			return false;
	}
	return true;
}

static size_t snap_bytes(size_t cap)
{
	return sizeof(struct kv_mt_snap) + cap * sizeof(struct elem);
}

static void snap_unref(struct kv_mt_snap *s)
{
	assert(s->refs > 0);
	if (--s->refs == 0)
		kv_free(KV_MEM_MEMTABLE, s, snap_bytes(s->cap));
}

void kv_mt_snapcache_init(struct kv_mt_snapcache *c)
{
	c->snap = NULL;
	c->fresh = false;
	c->open_iters = 0;
	c->builds = 0;
}

void kv_mt_snapcache_destroy(struct kv_mt_snapcache *c)
{
	assert(c->open_iters == 0 && "close iterators before destroying the memtable");
	if (c->snap) {
		assert(c->snap->refs == 1);
		snap_unref(c->snap);
		c->snap = NULL;
	}
}

size_t kv_mt_snapcache_bytes(const struct kv_mt_snapcache *c)
{
	return c->snap ? snap_bytes(c->snap->cap) : 0;
}

/* Make c->snap a fresh sorted snapshot of the table. KV_OK or KV_ENOMEM. */
static int snapcache_build(struct kv_mt_snapcache *c, size_t n, kv_mt_fill_fn fill, void *ctx)
{
	struct kv_mt_snap *s = c->snap;
	const struct kv_mt_entry **ptrs;
	size_t skip;

	if (!s || s->refs > 1 || s->cap < n) {
		/* Never smaller than the array it replaces (monotonic accounting). */
		size_t cap = n;

		if (s && s->cap > cap)
			cap = s->cap;
		if (s && s->refs == 1) {
			struct kv_mt_snap *g = kv_realloc(KV_MEM_MEMTABLE, s, snap_bytes(s->cap),
							  snap_bytes(cap));

			if (!g)
				return KV_ENOMEM;
			s = g;
		} else {
			s = kv_malloc(KV_MEM_MEMTABLE, snap_bytes(cap));
			if (!s)
				return KV_ENOMEM;
			s->refs = 1;
			if (c->snap)
				snap_unref(c->snap); /* the open iterators keep it */
		}
		s->cap = cap;
		c->snap = s;
	}
	/*
	 * Let the kind write entry pointers into the second half of each
	 * element slot's space: the pointers are packed at the array's tail
	 * then expanded front to back into (prefix, pointer) pairs, which
	 * never overwrites a pointer not yet read.
	 */
	ptrs = (const struct kv_mt_entry **)(void *)((char *)s->v + n * sizeof(struct elem) -
						      n * sizeof(*ptrs));
	if (n)
		fill(ctx, ptrs, n);
	skip = n ? ptrs[0]->key_len : 0;
	for (size_t i = 1; i < n && skip > 0; i++) {
		const struct kv_mt_entry *e = ptrs[i];
		size_t l = 0, m = e->key_len < skip ? e->key_len : skip;

		while (l < m && e->key[l] == ptrs[0]->key[l])
			l++;
		skip = l;
	}
	for (size_t i = 0; i < n; i++) {
		const struct kv_mt_entry *e = ptrs[i];

		s->v[i].e = e;
		s->v[i].prefix = key_prefix(e->key, e->key_len, skip);
	}
	s->n = n;
	sort_elems(s->v, n);
	c->fresh = true;
	c->builds++;
	assert(snap_check(s));
	return KV_OK;
}

/* ------------------------------------------------------------ iterator */

static void it_seek_first(struct kv_iter *it)
{
	((struct snap_iter *)it)->pos = 0;
}

static void it_seek(struct kv_iter *it, struct kv_slice target)
{
	struct snap_iter *si = (struct snap_iter *)it;
	const struct kv_mt_snap *s = si->snap;
	size_t lo = 0, hi = s->n;

	/* First element whose key >= target (O(log n) full key compares). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kv_mt_entry *e = s->v[mid].e;

		if (kv_mt_key_cmp(e->key, e->key_len, target.data, target.len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	si->pos = lo;
}

static bool it_valid(const struct kv_iter *it)
{
	const struct snap_iter *si = (const struct snap_iter *)it;

	return si->pos < si->snap->n;
}

static void it_next(struct kv_iter *it)
{
	struct snap_iter *si = (struct snap_iter *)it;

	assert(si->pos < si->snap->n);
	si->pos++;
}

static const struct kv_mt_entry *it_entry(const struct kv_iter *it)
{
	const struct snap_iter *si = (const struct snap_iter *)it;

	assert(si->pos < si->snap->n);
	return si->snap->v[si->pos].e;
}

static struct kv_slice it_key(const struct kv_iter *it)
{
	return kv_mt_entry_key(it_entry(it));
}

static struct kv_slice it_value(const struct kv_iter *it)
{
	return kv_mt_entry_value(it_entry(it));
}

static void it_meta(const struct kv_iter *it, struct kv_entry_meta *m)
{
	kv_mt_entry_meta(it_entry(it), m);
}

static void it_close(struct kv_iter *it)
{
	struct snap_iter *si = (struct snap_iter *)it;

	assert(si->cache->open_iters > 0);
	si->cache->open_iters--;
	snap_unref(si->snap);
	kv_free(KV_MEM_MEMTABLE, si, sizeof(*si));
}

static const struct kv_iter_ops snap_iter_ops = {
	.name = "memtable-snapshot",
	.seek_first = it_seek_first,
	.seek = it_seek,
	.valid = it_valid,
	.next = it_next,
	.key = it_key,
	.value = it_value,
	.status = kv_mt_iter_status,
	.close = it_close,
	.meta = it_meta,
	.errmsg = NULL,
};

struct kv_iter *kv_mt_snapcache_iter(struct kv_mt_snapcache *c, size_t n, kv_mt_fill_fn fill,
				     void *ctx)
{
	struct snap_iter *si;

	if (!c->snap || !c->fresh) {
		if (snapcache_build(c, n, fill, ctx) != KV_OK)
			return NULL;
	}
	assert(c->snap->n == n);
	si = kv_malloc(KV_MEM_MEMTABLE, sizeof(*si));
	if (!si)
		return NULL;
	si->base.ops = &snap_iter_ops;
	si->cache = c;
	si->snap = c->snap;
	si->snap->refs++;
	si->pos = n; /* unpositioned */
	c->open_iters++;
	return &si->base;
}
