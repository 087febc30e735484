/*
 * core/btree/buffer_pool.c - frames, hash table, LRU (core/btree/buffer_pool.h).
 *
 * Invariants (pool_check):
 *  1. A frame is either free (id 0, on the free stack, not hashed, not in
 *     the LRU list) or in use (id != 0, hashed under id, in the LRU list).
 *  2. No two frames in use hold the same id.
 *  3. pins >= 0; a free frame has pins == 0 and is clean.
 *  4. A frame with view set is in use and clean; every other frame has
 *     data == buf.
 */
#include "core/btree/buffer_pool.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"

struct bt_pool {
	struct bt_pager *pager;
	size_t page_bytes;
	size_t nframes;
	struct bt_frame *frames;
	char *data;
	int32_t *buckets;
	size_t nbuckets; /* power of two */
	int32_t *free_stack;
	size_t nfree;
	int32_t head, tail; /* LRU: head = most recently used */
	bool readonly;
	struct bt_pool_stats st;
};

static size_t bucket_of(const struct bt_pool *p, uint32_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (p->nbuckets - 1);
}

static int32_t lookup(const struct bt_pool *p, uint32_t id)
{
	for (int32_t i = p->buckets[bucket_of(p, id)]; i >= 0; i = p->frames[i].hnext)
		if (p->frames[i].id == id)
			return i;
	return -1;
}

static void hash_remove(struct bt_pool *p, int32_t fi)
{
	int32_t *pp = &p->buckets[bucket_of(p, p->frames[fi].id)];
	while (*pp != fi)
		pp = &p->frames[*pp].hnext;
	*pp = p->frames[fi].hnext;
}

static void lru_unlink(struct bt_pool *p, int32_t fi)
{
	struct bt_frame *f = &p->frames[fi];
	if (f->prev >= 0)
		p->frames[f->prev].next = f->next;
	else
		p->head = f->next;
	if (f->next >= 0)
		p->frames[f->next].prev = f->prev;
	else
		p->tail = f->prev;
	f->prev = f->next = -1;
}

static void lru_push_head(struct bt_pool *p, int32_t fi)
{
	struct bt_frame *f = &p->frames[fi];
	f->prev = -1;
	f->next = p->head;
	if (p->head >= 0)
		p->frames[p->head].prev = fi;
	p->head = fi;
	if (p->tail < 0)
		p->tail = fi;
}

static bool pool_check(const struct bt_pool *p)
{
	size_t used = 0;
	for (size_t i = 0; i < p->nframes; i++) {
		const struct bt_frame *f = &p->frames[i];
		if (f->pins < 0)
			return false;
		if (f->id) {
			used++;
			if (lookup(p, f->id) != (int32_t)i)
				return false;
		} else if (f->pins || f->dirty || f->view) {
			return false;
		}
		if (f->view ? f->dirty : f->data != f->buf)
			return false;
	}
	return used + p->nfree == p->nframes;
}

int bt_pool_new(struct bt_pager *pager, uint64_t budget_bytes, size_t min_frames,
		struct bt_pool **out, struct kv_err *err)
{
	size_t pb = bt_pager_page_bytes(pager);
	size_t n = (size_t)(budget_bytes / pb);
	struct bt_pool *p;

	*out = NULL;
	if (n < min_frames)
		n = min_frames;
	p = kv_calloc(KV_MEM_BUFFER_POOL, sizeof(*p));
	if (!p)
		return kv_err_set(err, KV_ENOMEM, "btree buffer pool: out of memory");
	p->pager = pager;
	p->page_bytes = pb;
	p->nframes = n;
	p->nbuckets = 16;
	while (p->nbuckets < 2 * n)
		p->nbuckets *= 2;
	p->frames = kv_calloc(KV_MEM_BUFFER_POOL, n * sizeof(*p->frames));
	p->data = kv_malloc(KV_MEM_BUFFER_POOL, n * pb);
	p->buckets = kv_malloc(KV_MEM_BUFFER_POOL, p->nbuckets * sizeof(int32_t));
	p->free_stack = kv_malloc(KV_MEM_BUFFER_POOL, n * sizeof(int32_t));
	if (!p->frames || !p->data || !p->buckets || !p->free_stack) {
		bt_pool_free(p);
		return kv_err_set(err, KV_ENOMEM,
				  "btree buffer pool: out of memory for %zu frames of %zu bytes", n,
				  pb);
	}
	memset(p->buckets, 0xff, p->nbuckets * sizeof(int32_t));
	for (size_t i = 0; i < n; i++) {
		p->frames[i].data = p->frames[i].buf = p->data + i * pb;
		p->frames[i].prev = p->frames[i].next = p->frames[i].hnext = -1;
		p->free_stack[i] = (int32_t)(n - 1 - i);
	}
	p->nfree = n;
	p->head = p->tail = -1;
	*out = p;
	return KV_OK;
}

void bt_pool_free(struct bt_pool *p)
{
	if (!p)
		return;
	kv_free(KV_MEM_BUFFER_POOL, p->frames, p->frames ? p->nframes * sizeof(*p->frames) : 0);
	kv_free(KV_MEM_BUFFER_POOL, p->data, p->data ? p->nframes * p->page_bytes : 0);
	kv_free(KV_MEM_BUFFER_POOL, p->buckets, p->buckets ? p->nbuckets * sizeof(int32_t) : 0);
	kv_free(KV_MEM_BUFFER_POOL, p->free_stack,
		p->free_stack ? p->nframes * sizeof(int32_t) : 0);
	kv_free(KV_MEM_BUFFER_POOL, p, sizeof(*p));
}

size_t bt_pool_frames(const struct bt_pool *p)
{
	return p->nframes;
}

/* Evict the least recently used unpinned frame onto the free stack. */
static int evict_one(struct bt_pool *p, struct kv_err *err)
{
	int32_t fi = p->tail;
	struct bt_frame *f;
	int r;

	while (fi >= 0 && (p->frames[fi].pins > 0 || (p->readonly && p->frames[fi].dirty)))
		fi = p->frames[fi].prev;
	if (fi < 0)
		return kv_err_set(err, p->readonly ? KV_EIO : KV_ENOMEM,
				  p->readonly ? "btree buffer pool: every frame holds a page "
						"that cannot be written after a write error"
					      : "btree buffer pool: every frame is pinned (%zu frames)",
				  p->nframes);
	f = &p->frames[fi];
	if (f->dirty) {
		r = bt_pager_write(p->pager, f->id, f->data, err);
		if (r != KV_OK)
			return r;
		f->dirty = false;
		p->st.dirty_evictions++;
		p->st.writebacks++;
	}
	p->st.evictions++;
	hash_remove(p, fi);
	lru_unlink(p, fi);
	f->id = 0;
	f->view = false;
	f->data = f->buf;
	p->free_stack[p->nfree++] = fi;
	return KV_OK;
}

int bt_pool_reserve(struct bt_pool *p, size_t n, struct kv_err *err)
{
	int r;

	if (n > p->nframes)
		return kv_err_set(err, KV_ENOMEM, "btree buffer pool: %zu frames needed, %zu exist",
				  n, p->nframes);
	while (p->nfree < n) {
		r = evict_one(p, err);
		if (r != KV_OK)
			return r;
	}
	return KV_OK;
}

/* A free frame for @id, hashed and at the LRU head. */
static int take_frame(struct bt_pool *p, uint32_t id, int32_t *out, struct kv_err *err)
{
	int32_t fi;
	int r;

	if (p->nfree == 0) {
		r = evict_one(p, err);
		if (r != KV_OK)
			return r;
	}
	fi = p->free_stack[--p->nfree];
	p->frames[fi].id = id;
	p->frames[fi].pins = 1;
	p->frames[fi].dirty = false;
	p->frames[fi].hnext = p->buckets[bucket_of(p, id)];
	p->buckets[bucket_of(p, id)] = fi;
	lru_push_head(p, fi);
	*out = fi;
	return KV_OK;
}

static void drop_frame(struct bt_pool *p, int32_t fi)
{
	hash_remove(p, fi);
	lru_unlink(p, fi);
	p->frames[fi].id = 0;
	p->frames[fi].pins = 0;
	p->frames[fi].dirty = false;
	p->frames[fi].view = false;
	p->frames[fi].data = p->frames[fi].buf;
	p->free_stack[p->nfree++] = fi;
}

/* A copy of a viewed page in the frame's own buffer. */
static void own_copy(struct bt_pool *p, struct bt_frame *f)
{
	if (!f->view)
		return;
	memcpy(f->buf, f->data, p->page_bytes);
	f->data = f->buf;
	f->view = false;
}

/* The page @id, pinned; a miss is read (a view if @ro allows one). */
static int get(struct bt_pool *p, uint32_t id, unsigned want_type, bool ro,
	       struct bt_frame **out, struct kv_err *err)
{
	int32_t fi = lookup(p, id);
	struct bt_frame *f;
	const char *data;
	int r;

	if (fi >= 0) {
		f = &p->frames[fi];
		p->st.hits++;
		if (p->head != fi) {
			lru_unlink(p, fi);
			lru_push_head(p, fi);
		}
		if (want_type && (unsigned char)f->data[8] != want_type)
			return kv_err_set(err, KV_ECORRUPT,
					  "btree: page %u has type %u, expected %u", (unsigned)id,
					  (unsigned char)f->data[8], want_type);
		if (!ro)
			own_copy(p, f);
		f->pins++;
		*out = f;
		return KV_OK;
	}
	r = take_frame(p, id, &fi, err);
	if (r != KV_OK)
		return r;
	f = &p->frames[fi];
	p->st.misses++;
	if (ro)
		r = bt_pager_view(p->pager, id, f->buf, want_type, &data, err);
	else
		r = bt_pager_read(p->pager, id, f->buf, want_type, err);
	if (r != KV_OK) {
		drop_frame(p, fi);
		return r;
	}
	if (ro && data != f->buf) {
		f->data = (char *)data; /* read-only by invariant 4 */
		f->view = true;
		p->st.views++;
	}
	*out = f;
	return KV_OK;
}

int bt_pool_get(struct bt_pool *p, uint32_t id, unsigned want_type, struct bt_frame **out,
		struct kv_err *err)
{
	return get(p, id, want_type, false, out, err);
}

int bt_pool_get_ro(struct bt_pool *p, uint32_t id, unsigned want_type, struct bt_frame **out,
		   struct kv_err *err)
{
	return get(p, id, want_type, true, out, err);
}

void bt_pool_maybe_remap(struct bt_pool *p)
{
	if (!bt_pager_remap_wanted(p->pager))
		return;
	assert(bt_pool_pinned(p) == 0);
	for (size_t i = 0; i < p->nframes; i++)
		own_copy(p, &p->frames[i]);
	bt_pager_remap(p->pager);
}

int bt_pool_new_page(struct bt_pool *p, uint32_t id, struct bt_frame **out, struct kv_err *err)
{
	int32_t fi;
	int r;

	assert(lookup(p, id) < 0);
	r = take_frame(p, id, &fi, err);
	if (r != KV_OK)
		return r;
	memset(p->frames[fi].data, 0, p->page_bytes);
	p->frames[fi].dirty = true;
	*out = &p->frames[fi];
	return KV_OK;
}

void bt_pool_unpin(struct bt_pool *p, struct bt_frame *f)
{
	(void)p;
	assert(f->pins > 0);
	f->pins--;
}

void bt_pool_discard(struct bt_pool *p, uint32_t id)
{
	int32_t fi = lookup(p, id);

	if (fi < 0)
		return;
	assert(p->frames[fi].pins == 0);
	drop_frame(p, fi);
}

int bt_pool_flush_all(struct bt_pool *p, struct kv_err *err)
{
	int r;

	if (p->readonly)
		return kv_err_set(err, KV_EIO, "btree buffer pool: read-only after a write error");
	for (size_t i = 0; i < p->nframes; i++) {
		struct bt_frame *f = &p->frames[i];
		if (!f->id || !f->dirty)
			continue;
		r = bt_pager_write(p->pager, f->id, f->data, err);
		if (r != KV_OK)
			return r;
		f->dirty = false;
		p->st.writebacks++;
	}
	assert(pool_check(p));
	return KV_OK;
}

void bt_pool_set_readonly(struct bt_pool *p)
{
	p->readonly = true;
}

size_t bt_pool_pinned(const struct bt_pool *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nframes; i++)
		n += p->frames[i].pins > 0;
	return n;
}

size_t bt_pool_dirty(const struct bt_pool *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->nframes; i++)
		n += p->frames[i].id && p->frames[i].dirty;
	return n;
}

void bt_pool_get_stats(const struct bt_pool *p, struct bt_pool_stats *out)
{
	*out = p->st;
}
