/*
 * core/btree/btree.c - B+ tree operations: search, insert with splits at
 * any level, delete with merge or redistribution below min_used, overflow
 * chains, the leaf-chain cursor and the invariant checker. Invariants:
 * core/btree/btree_impl.h.
 */
#include "core/btree/btree_impl.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "core/alloc.h"

struct path_elem {
	struct bt_frame *f;
	uint32_t child; /* internal pages: index of the child taken (0 = leftmost) */
};

struct path {
	struct path_elem e[BT_MAX_HEIGHT];
	uint32_t depth;
};

static uint32_t usable(const struct bt_tree *t)
{
	return (uint32_t)(t->page_bytes - BT_PAGE_HEADER_BYTES);
}

static uint32_t used(const struct bt_tree *t, const char *p)
{
	return bt_page_used_bytes(p, t->page_bytes);
}

static void unpin_path(struct bt_tree *t, struct path *p)
{
	for (uint32_t d = 0; d < p->depth; d++)
		if (p->e[d].f) {
			bt_pool_unpin(t->pool, p->e[d].f);
			p->e[d].f = NULL;
		}
	p->depth = 0;
}

static uint32_t child_at(const char *p, uint32_t c)
{
	return c == 0 ? bt_page_aux(p) : bt_page_cell_child(p, c - 1);
}

/* ---- overflow chains ---- */

static void copy_concat(char *dst, struct kv_slice a, struct kv_slice b, uint64_t off,
			uint64_t len)
{
	while (len > 0) {
		if (off < a.len) {
			uint64_t n = a.len - off < len ? a.len - off : len;
			memcpy(dst, a.data + off, n);
			dst += n;
			off += n;
			len -= n;
		} else {
			memcpy(dst, b.data + (off - a.len), len);
			return;
		}
	}
}

/* Read [off, off+len) of the chain at @first holding @total bytes. */
static int read_chain(struct bt_tree *t, uint32_t first, uint64_t total, uint64_t off,
		      uint64_t len, char *dst)
{
	uint32_t dpp = bt_ovf_data_bytes(t->page_bytes);
	uint64_t pos = off;
	int r;

	while (pos < off + len) {
		uint32_t i = (uint32_t)(pos / dpp), within = (uint32_t)(pos % dpp);
		uint64_t expect = total - (uint64_t)i * dpp < dpp ? total - (uint64_t)i * dpp : dpp;
		uint64_t take;
		const char *pg;
		/* Overflow pages are never rewritten in place (a chain is written
		   once, under fresh ids), so a view is safe to read here. */
		r = bt_pager_view(t->pager, first + i, t->ovfpage, BT_PAGE_OVERFLOW, &pg, t->err);
		if (r != KV_OK)
			return r;
		t->st.ovf_pages_read++;
		if (bt_page_aux(pg) != expect)
			return kv_err_set(t->err, KV_ECORRUPT,
					  "btree file '%s': overflow page %" PRIu32 " holds %" PRIu32
					  " bytes, its cell says %" PRIu64, BT_PAGES_FILE, first + i,
					  bt_page_aux(pg), expect);
		take = expect - within < off + len - pos ? expect - within : off + len - pos;
		memcpy(dst + (pos - off), pg + BT_PAGE_HEADER_BYTES + within, take);
		pos += take;
	}
	return KV_OK;
}

/* Write a @a || @b chain to new consecutive pages; *first is its head. */
static int write_chain(struct bt_tree *t, struct kv_slice a, struct kv_slice b, uint32_t *first)
{
	uint64_t total = (uint64_t)a.len + b.len;
	uint32_t dpp = bt_ovf_data_bytes(t->page_bytes), n = bt_ovf_pages(t->page_bytes, total);
	uint32_t f;
	int r;

	r = bt_pager_alloc(t->pager, n, &f);
	if (r != KV_OK)
		return kv_err_set(t->err, r, "btree: no page ids for an overflow chain of %" PRIu32
				  " pages", n);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = (uint64_t)i * dpp;
		uint32_t bytes = (uint32_t)(total - off < dpp ? total - off : dpp);
		bt_page_init(t->ovfpage, t->page_bytes, BT_PAGE_OVERFLOW, f + i, 0);
		bt_page_set_next(t->ovfpage, i + 1 < n ? f + i + 1 : 0);
		bt_page_set_aux(t->ovfpage, bytes);
		copy_concat(t->ovfpage + BT_PAGE_HEADER_BYTES, a, b, off, bytes);
		r = bt_pager_write(t->pager, f + i, t->ovfpage, t->err);
		if (r != KV_OK) {
			bt_pager_free(t->pager, f, n);
			return r;
		}
	}
	t->overflow_pages += n;
	t->st.ovf_chains_written++;
	t->st.ovf_pages_written += n;
	*first = f;
	return KV_OK;
}

static void free_chain(struct bt_tree *t, const struct bt_cell *c)
{
	uint32_t n;

	if (!(c->flags & BT_CELL_OVF))
		return;
	n = bt_ovf_pages(t->page_bytes, (uint64_t)c->klen + c->vlen);
	bt_pager_free(t->pager, c->chain, n);
	t->overflow_pages -= n;
}

/* The full key of a cell: borrowed from the page, or read into @buf. */
static int cell_key(struct bt_tree *t, const struct bt_cell *c, struct kv_buf *buf,
		    struct kv_slice *out)
{
	int r;

	if (c->key_inline == c->klen) {
		*out = kv_slice_make(c->key, c->klen);
		return KV_OK;
	}
	buf->len = 0;
	if (kv_buf_reserve(buf, c->klen) != KV_OK)
		return kv_err_set(t->err, KV_ENOMEM, "btree: out of memory reading a long key");
	r = read_chain(t, c->chain, (uint64_t)c->klen + c->vlen, 0, c->klen, buf->data);
	if (r != KV_OK)
		return r;
	buf->len = c->klen;
	*out = kv_buf_slice(buf);
	return KV_OK;
}

/* Compare @key with the @klen bytes at @k (<0, 0, >0). */
static int cmp_bytes(struct kv_slice key, const char *k, uint32_t klen)
{
	size_t n = key.len < klen ? key.len : klen;
	int r = n ? memcmp(key.data, k, n) : 0;

	return r ? r : (key.len > klen) - (key.len < klen);
}

/* Compare @key with the key of @c into *res (<0, 0, >0). */
static int cmp_cell(struct bt_tree *t, struct kv_slice key, const struct bt_cell *c, int *res)
{
	size_t n = key.len < c->key_inline ? key.len : c->key_inline;
	int r = n ? memcmp(key.data, c->key, n) : 0;
	struct kv_slice full;

	if (r != 0) {
		*res = r;
		return KV_OK;
	}
	if (c->key_inline == c->klen) {
		*res = (key.len > c->klen) - (key.len < c->klen);
		return KV_OK;
	}
	if (key.len < c->key_inline) {
		*res = -1;
		return KV_OK;
	}
	r = cell_key(t, c, &t->kbuf, &full);
	if (r != KV_OK)
		return r;
	*res = kv_slice_cmp(key, full);
	return KV_OK;
}

/*
 * Binary search of a slotted page: *pos = the first cell whose key is >=
 * @key (> @key with @upper); *found if a cell equals @key.
 */
static int search(struct bt_tree *t, const char *p, struct kv_slice key, bool upper,
		  uint32_t *pos, bool *found)
{
	uint32_t lo = 0, hi = bt_page_ncells(p), klen;
	unsigned type = bt_page_type(p);
	struct bt_cell c;
	const char *k;
	int r, cmp;

	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (bt_page_cell_key(p, type, mid, &k, &klen)) {
			cmp = cmp_bytes(key, k, klen);
		} else {
			bt_page_cell(p, mid, &c);
			r = cmp_cell(t, key, &c, &cmp);
			if (r != KV_OK)
				return r;
		}
		if (cmp == 0)
			*found = true;
		if (cmp > 0 || (upper && cmp == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return KV_OK;
}

/*
 * Walk from the root to the leaf for @key, pinning the path. @ro: the
 * caller only reads the pages (they may be views, bt_pool_get_ro).
 * Called with nothing pinned, so views can be let go of here first.
 */
static int descend(struct bt_tree *t, struct kv_slice key, bool ro, struct path *p)
{
	uint32_t id = t->root;
	bool found;
	int r;

	bt_pool_maybe_remap(t->pool);
	p->depth = 0;
	for (uint32_t d = 0; d < t->height; d++) {
		bool leaf = d + 1 == t->height;
		struct bt_frame *f;
		r = ro ? bt_pool_get_ro(t->pool, id, leaf ? BT_PAGE_LEAF : BT_PAGE_INTERNAL, &f,
					t->err)
		       : bt_pool_get(t->pool, id, leaf ? BT_PAGE_LEAF : BT_PAGE_INTERNAL, &f, t->err);
		if (r != KV_OK)
			goto out_unpin;
		p->e[d].f = f;
		p->e[d].child = 0;
		p->depth = d + 1;
		if (bt_page_level(f->data) != t->height - 1 - d) {
			r = kv_err_set(t->err, KV_ECORRUPT,
				       "btree file '%s': page %" PRIu32 " at depth %" PRIu32
				       " has level %u, expected %" PRIu32, BT_PAGES_FILE, id, d,
				       bt_page_level(f->data), t->height - 1 - d);
			goto out_unpin;
		}
		if (leaf)
			break;
		r = search(t, f->data, key, true, &p->e[d].child, &found);
		if (r != KV_OK)
			goto out_unpin;
		id = child_at(f->data, p->e[d].child);
	}
	return KV_OK;
out_unpin:
	unpin_path(t, p);
	return r;
}

/* ---- reservation: everything a mutation may need, taken up front ---- */

static int prepare(struct bt_tree *t)
{
	uint32_t need = t->height + 2;
	int r;

	if (t->height + 2 >= BT_MAX_HEIGHT)
		return kv_err_set(t->err, KV_ENOSPC, "btree: the tree reached %" PRIu32
				  " levels (limit %d)", t->height, BT_MAX_HEIGHT);
	while (t->nspare < need) {
		r = bt_pager_alloc(t->pager, 1, &t->spare[t->nspare]);
		if (r != KV_OK)
			return kv_err_set(t->err, r, "btree: no page id available");
		t->nspare++;
	}
	return bt_pool_reserve(t->pool, 2 * (size_t)t->height + 4, t->err);
}

static struct bt_frame *new_page(struct bt_tree *t, unsigned type, unsigned level)
{
	struct bt_frame *f = NULL;
	uint32_t id;
	int r;

	assert(t->nspare > 0);
	id = t->spare[--t->nspare];
	r = bt_pool_new_page(t->pool, id, &f, t->err);
	assert(r == KV_OK); /* frames were reserved */
	(void)r;
	bt_page_init(f->data, t->page_bytes, type, id, level);
	if (type == BT_PAGE_LEAF)
		t->leaf_pages++;
	else
		t->internal_pages++;
	return f;
}

/* Drop a page that left the tree (its frame is unpinned by the caller). */
static void free_page(struct bt_tree *t, uint32_t id, bool leaf)
{
	bt_pool_discard(t->pool, id);
	bt_pager_free(t->pager, id, 1);
	if (leaf)
		t->leaf_pages--;
	else
		t->internal_pages--;
}

/* ---- gathering cells for split, merge and redistribution ---- */

struct gather {
	uint32_t n;
	size_t bytes_used; /* of t->gather */
	uint64_t total;    /* sum of cell size + slot */
};

static void gather_add(struct bt_tree *t, struct gather *g, const char *cell, uint32_t size)
{
	char *dst = t->gather + g->bytes_used;

	assert(g->n < t->cells_cap && g->bytes_used + size <= 3 * t->page_bytes);
	memcpy(dst, cell, size);
	t->cells[g->n] = dst;
	t->sizes[g->n] = size;
	g->n++;
	g->bytes_used += size;
	g->total += size + 2;
}

static void gather_page(struct bt_tree *t, struct gather *g, const char *p, uint32_t from,
			uint32_t to)
{
	struct bt_cell c;

	for (uint32_t i = from; i < to; i++) {
		bt_page_cell(p, i, &c);
		gather_add(t, g, bt_page_cell_bytes(p, i), c.size);
	}
}

/* The split point balancing bytes: cells [0, m) go left. */
static uint32_t balance_point(const struct bt_tree *t, const struct gather *g)
{
	uint64_t acc = 0;
	uint32_t m = 1;

	for (uint32_t i = 0; i < g->n; i++) {
		acc += t->sizes[i] + 2;
		if (acc * 2 >= g->total) {
			m = i + 1;
			break;
		}
	}
	if (m >= g->n)
		m = g->n - 1;
	if (m < 1)
		m = 1;
	return m;
}

/*
 * Build the separator cell between two gathered leaf cells @a < @b into
 * t->sepcell (child 0, set later): the shortest prefix of b's key above
 * a's key, spilled to a chain if long.
 */
static int make_separator(struct bt_tree *t, const char *a, uint32_t asz, const char *b,
			  uint32_t bsz, uint32_t *len)
{
	struct bt_cell ca, cb;
	struct kv_slice ka, kb, sep;
	uint32_t chain = 0;
	size_t i = 0;
	bool ovf;
	int r;

	bt_cell_decode(a, a + asz, BT_PAGE_LEAF, &ca);
	bt_cell_decode(b, b + bsz, BT_PAGE_LEAF, &cb);
	r = cell_key(t, &ca, &t->kbuf, &ka);
	if (r == KV_OK)
		r = cell_key(t, &cb, &t->kbuf2, &kb);
	if (r != KV_OK)
		return r;
	while (i < ka.len && i < kb.len && ka.data[i] == kb.data[i])
		i++;
	assert(i < kb.len);
	sep = kv_slice_make(kb.data, i + 1);
	ovf = bt_internal_cell_size((uint32_t)sep.len, false) > t->max_local;
	if (ovf) {
		r = write_chain(t, sep, kv_slice_make(NULL, 0), &chain);
		if (r != KV_OK)
			return r;
	}
	*len = bt_internal_cell_encode(t->sepcell, 0, sep, ovf, chain);
	return KV_OK;
}

static void insert_parent(struct bt_tree *t, struct path *p, uint32_t d, char *cell,
			  uint32_t len);

/*
 * Insert internal @cell at index @idx of the page at depth @d, splitting
 * upward as needed. Cannot fail (frames and ids reserved). *split says
 * whether the page split.
 */
static void insert_internal(struct bt_tree *t, struct path *p, uint32_t d, uint32_t idx,
			    const char *cell, uint32_t len, bool *split)
{
	struct bt_frame *f = p->e[d].f, *rf;
	char *pg = f->data, *up = d & 1 ? t->oldcell + t->page_bytes : t->cellbuf + t->page_bytes;
	struct gather g = { 0 };
	struct bt_cell upc;
	uint32_t n = bt_page_ncells(pg), m, uplen;

	*split = false;
	bt_pool_mark_dirty(f);
	if (bt_page_insert(pg, t->page_bytes, idx, cell, len, t->scratch) == KV_OK)
		return;
	*split = true;
	gather_page(t, &g, pg, 0, idx);
	gather_add(t, &g, cell, len);
	gather_page(t, &g, pg, idx, n);
	m = balance_point(t, &g);
	if (m + 1 >= g.n)
		m = g.n - 2;
	rf = new_page(t, BT_PAGE_INTERNAL, bt_page_level(pg));
	uplen = t->sizes[m];
	memcpy(up, t->cells[m], uplen);
	bt_cell_decode(up, up + uplen, BT_PAGE_INTERNAL, &upc);
	bt_page_set_aux(rf->data, upc.child);
	bt_page_set_cells(pg, t->page_bytes, t->cells, t->sizes, m);
	bt_page_set_cells(rf->data, t->page_bytes, t->cells + m + 1, t->sizes + m + 1,
			  g.n - m - 1);
	bt_internal_cell_set_child(up, bt_page_id(rf->data));
	t->st.internal_splits++;
	insert_parent(t, p, d, up, uplen);
	bt_pool_unpin(t->pool, rf);
}

/* The page at depth @d split: insert the separator @cell (child set) above it. */
static void insert_parent(struct bt_tree *t, struct path *p, uint32_t d, char *cell,
			  uint32_t len)
{
	bool split;

	if (d == 0) {
		struct bt_frame *old = p->e[0].f;
		struct bt_frame *nr = new_page(t, BT_PAGE_INTERNAL, bt_page_level(old->data) + 1);
		int r;
		bt_page_set_aux(nr->data, bt_page_id(old->data));
		r = bt_page_insert(nr->data, t->page_bytes, 0, cell, len, NULL);
		assert(r == KV_OK);
		(void)r;
		t->root = bt_page_id(nr->data);
		t->height++;
		t->st.root_splits++;
		bt_pool_unpin(t->pool, nr);
		return;
	}
	insert_internal(t, p, d - 1, p->e[d - 1].child, cell, len, &split);
}

/*
 * Insert the leaf @cell at @pos of the full leaf at depth @d: split it.
 * The fallible part (separator keys and chain) comes first; on error
 * nothing changed.
 */
static int split_leaf(struct bt_tree *t, struct path *p, uint32_t d, uint32_t pos,
		      const char *cell, uint32_t len, bool seq_hint)
{
	struct bt_frame *f = p->e[d].f, *rf;
	char *pg = f->data;
	struct gather g = { 0 };
	uint32_t n = bt_page_ncells(pg), m, seplen, before = used(t, pg);
	int r;

	gather_page(t, &g, pg, 0, pos);
	gather_add(t, &g, cell, len);
	gather_page(t, &g, pg, pos, n);
	m = seq_hint ? g.n - 1 : balance_point(t, &g);
	r = make_separator(t, t->cells[m - 1], t->sizes[m - 1], t->cells[m], t->sizes[m],
			   &seplen);
	if (r != KV_OK)
		return r;
	rf = new_page(t, BT_PAGE_LEAF, 0);
	bt_page_set_cells(pg, t->page_bytes, t->cells, t->sizes, m);
	bt_page_set_cells(rf->data, t->page_bytes, t->cells + m, t->sizes + m, g.n - m);
	bt_page_set_next(rf->data, bt_page_next(pg));
	bt_page_set_next(pg, bt_page_id(rf->data));
	t->leaf_used_bytes += (uint64_t)used(t, pg) + used(t, rf->data) - before;
	bt_pool_mark_dirty(f);
	bt_internal_cell_set_child(t->sepcell, bt_page_id(rf->data));
	t->st.leaf_splits++;
	insert_parent(t, p, d, t->sepcell, seplen);
	bt_pool_unpin(t->pool, rf);
	return KV_OK;
}

/* ---- rebalancing after a page fell below min_used ---- */

static int rebalance(struct bt_tree *t, struct path *p, uint32_t d);

/* The parent at depth @d lost or changed a cell: collapse or rebalance it. */
static int fix_parent(struct bt_tree *t, struct path *p, uint32_t d)
{
	char *pg = p->e[d].f->data;

	if (d == 0) {
		if (bt_page_ncells(pg) == 0 && !bt_page_is_leaf(pg)) {
			uint32_t old = t->root;
			t->root = bt_page_aux(pg);
			t->height--;
			bt_pool_unpin(t->pool, p->e[0].f);
			p->e[0].f = NULL;
			free_page(t, old, false);
			t->st.root_collapses++;
		}
		return KV_OK;
	}
	if (used(t, pg) < t->min_used)
		return rebalance(t, p, d);
	return KV_OK;
}

static int rebalance(struct bt_tree *t, struct path *p, uint32_t d)
{
	struct bt_frame *nf = p->e[d].f, *pf = p->e[d - 1].f, *sf, *lf, *rf;
	char *par = pf->data;
	uint32_t c = p->e[d - 1].child, np = bt_page_ncells(par), sepidx, sib, level;
	bool n_left, leaf = bt_page_is_leaf(nf->data), split;
	struct gather g = { 0 };
	struct bt_cell sc;
	uint32_t before, m, seplen;
	int r;

	if (np == 0)
		return KV_OK;
	n_left = c < np;
	sepidx = n_left ? c : c - 1;
	sib = child_at(par, n_left ? c + 1 : c - 1);
	level = bt_page_level(nf->data);
	r = bt_pool_get(t->pool, sib, leaf ? BT_PAGE_LEAF : BT_PAGE_INTERNAL, &sf, t->err);
	if (r != KV_OK)
		return r;
	if (bt_page_level(sf->data) != level) {
		bt_pool_unpin(t->pool, sf);
		return kv_err_set(t->err, KV_ECORRUPT, "btree file '%s': sibling page %" PRIu32
				  " has level %u, expected %" PRIu32, BT_PAGES_FILE, sib,
				  bt_page_level(sf->data), level);
	}
	lf = n_left ? nf : sf;
	rf = n_left ? sf : nf;
	before = used(t, lf->data) + used(t, rf->data);
	gather_page(t, &g, lf->data, 0, bt_page_ncells(lf->data));
	if (!leaf) {
		uint32_t psz;
		bt_page_cell(par, sepidx, &sc);
		psz = sc.size;
		gather_add(t, &g, bt_page_cell_bytes(par, sepidx), psz);
		bt_internal_cell_set_child((char *)t->cells[g.n - 1], bt_page_aux(rf->data));
	}
	gather_page(t, &g, rf->data, 0, bt_page_ncells(rf->data));
	bt_page_cell(par, sepidx, &sc);

	if (g.total <= usable(t)) {
		/* Merge into the left page; the right one leaves the tree. */
		uint32_t rid = bt_page_id(rf->data);
		bt_page_set_cells(lf->data, t->page_bytes, t->cells, t->sizes, g.n);
		if (leaf) {
			bt_page_set_next(lf->data, bt_page_next(rf->data));
			t->leaf_used_bytes += used(t, lf->data);
			t->leaf_used_bytes -= before;
			free_chain(t, &sc); /* the separator is gone */
		}
		bt_page_remove(par, t->page_bytes, sepidx);
		bt_pool_mark_dirty(lf);
		bt_pool_mark_dirty(pf);
		bt_pool_unpin(t->pool, rf);
		if (rf == nf)
			p->e[d].f = lf; /* the path keeps the sibling's pin */
		else
			assert(lf == nf);
		free_page(t, rid, leaf);
		t->st.merges++;
		return fix_parent(t, p, d - 1);
	}

	/* Redistribute evenly; a new separator replaces the old one. */
	if (leaf) {
		m = balance_point(t, &g);
		r = make_separator(t, t->cells[m - 1], t->sizes[m - 1], t->cells[m], t->sizes[m],
				   &seplen);
		if (r != KV_OK) {
			bt_pool_unpin(t->pool, sf);
			return r;
		}
		bt_page_set_cells(lf->data, t->page_bytes, t->cells, t->sizes, m);
		bt_page_set_cells(rf->data, t->page_bytes, t->cells + m, t->sizes + m, g.n - m);
		t->leaf_used_bytes += (uint64_t)used(t, lf->data) + used(t, rf->data);
		t->leaf_used_bytes -= before;
		free_chain(t, &sc);
	} else {
		struct bt_cell upc;
		m = balance_point(t, &g);
		if (m + 1 >= g.n)
			m = g.n - 2;
		seplen = t->sizes[m];
		memcpy(t->sepcell, t->cells[m], seplen);
		bt_cell_decode(t->sepcell, t->sepcell + seplen, BT_PAGE_INTERNAL, &upc);
		bt_page_set_cells(lf->data, t->page_bytes, t->cells, t->sizes, m);
		bt_page_set_aux(rf->data, upc.child);
		bt_page_set_cells(rf->data, t->page_bytes, t->cells + m + 1, t->sizes + m + 1,
				  g.n - m - 1);
	}
	bt_internal_cell_set_child(t->sepcell, bt_page_id(rf->data));
	bt_pool_mark_dirty(lf);
	bt_pool_mark_dirty(rf);
	bt_pool_unpin(t->pool, sf);
	bt_page_remove(par, t->page_bytes, sepidx);
	t->st.redistributions++;
	insert_internal(t, p, d - 1, sepidx, t->sepcell, seplen, &split);
	if (split)
		return KV_OK;
	return fix_parent(t, p, d - 1);
}

/* Rebalance the leaf at the end of @p if it is an underfull non-root. */
static void maybe_rebalance_leaf(struct bt_tree *t, struct path *p)
{
	uint32_t d = p->depth - 1;

	if (d == 0 || used(t, p->e[d].f->data) >= t->min_used)
		return;
	if (rebalance(t, p, d) != KV_OK)
		t->st.rebalance_skipped++;
}

/* ---- public operations ---- */

int bt_tree_get(struct bt_tree *t, struct kv_slice key, struct kv_buf *value)
{
	struct path p;
	struct bt_cell c;
	uint32_t pos;
	bool found;
	int r;

	r = descend(t, key, true, &p);
	if (r != KV_OK)
		return r;
	r = search(t, p.e[p.depth - 1].f->data, key, false, &pos, &found);
	if (r != KV_OK || !found) {
		unpin_path(t, &p);
		return r != KV_OK ? r : KV_NOTFOUND;
	}
	bt_page_cell(p.e[p.depth - 1].f->data, pos, &c);
	value->len = 0;
	if (kv_buf_reserve(value, c.vlen) != KV_OK) {
		r = kv_err_set(t->err, KV_ENOMEM, "btree get: out of memory");
	} else if (c.flags & BT_CELL_OVF) {
		r = read_chain(t, c.chain, (uint64_t)c.klen + c.vlen, c.klen, c.vlen, value->data);
	} else if (c.vlen) {
		memcpy(value->data, c.value, c.vlen);
	}
	if (r == KV_OK)
		value->len = c.vlen;
	unpin_path(t, &p);
	return r;
}

int bt_tree_put(struct bt_tree *t, struct kv_slice key, struct kv_slice value)
{
	struct path p;
	struct bt_frame *lf;
	struct bt_cell old;
	uint32_t pos, len, oldlen = 0, chain = 0, before;
	bool found, ovf, split = false;
	int r;

	r = descend(t, key, false, &p);
	if (r != KV_OK)
		return r;
	lf = p.e[p.depth - 1].f;
	r = search(t, lf->data, key, false, &pos, &found);
	if (r != KV_OK)
		goto out_unpin;
	ovf = bt_leaf_cell_size((uint32_t)key.len, (uint32_t)value.len, false) > t->max_local;
	if (ovf) {
		r = write_chain(t, key, value, &chain);
		if (r != KV_OK)
			goto out_unpin;
	}
	len = bt_leaf_cell_encode(t->cellbuf, key, value, ovf, chain);
	r = prepare(t);
	if (r != KV_OK) {
		if (ovf) {
			struct bt_cell tmp;
			bt_cell_decode(t->cellbuf, t->cellbuf + len, BT_PAGE_LEAF, &tmp);
			free_chain(t, &tmp);
		}
		goto out_unpin;
	}
	t->version++;
	before = used(t, lf->data);
	if (found) {
		bt_page_cell(lf->data, pos, &old);
		oldlen = old.size;
		memcpy(t->oldcell, bt_page_cell_bytes(lf->data, pos), oldlen);
		bt_cell_decode(t->oldcell, t->oldcell + oldlen, BT_PAGE_LEAF, &old);
		bt_page_remove(lf->data, t->page_bytes, pos);
	}
	bt_pool_mark_dirty(lf);
	r = bt_page_insert(lf->data, t->page_bytes, pos, t->cellbuf, len, t->scratch);
	if (r == KV_OK) {
		t->leaf_used_bytes += used(t, lf->data);
		t->leaf_used_bytes -= before;
	} else {
		bool seq = !found && pos == bt_page_ncells(lf->data) && bt_page_next(lf->data) == 0;
		t->leaf_used_bytes -= before;
		t->leaf_used_bytes += used(t, lf->data); /* split_leaf counts from here */
		split = true;
		r = split_leaf(t, &p, p.depth - 1, pos, t->cellbuf, len, seq);
		if (r != KV_OK) {
			/* Nothing changed but the removal: undo it. */
			if (found) {
				int u = bt_page_insert(lf->data, t->page_bytes, pos, t->oldcell,
						       oldlen, t->scratch);
				assert(u == KV_OK);
				(void)u;
				t->leaf_used_bytes += oldlen + 2;
			}
			if (ovf) {
				struct bt_cell tmp;
				bt_cell_decode(t->cellbuf, t->cellbuf + len, BT_PAGE_LEAF, &tmp);
				free_chain(t, &tmp);
			}
			goto out_unpin;
		}
	}
	if (found)
		free_chain(t, &old);
	else
		t->entries++;
	/* Only a replacement by a smaller cell can leave the leaf underfull;
	   a growing page is never rebalanced (that would undo the append
	   split of the rightmost leaf). */
	if (!split && found && len < oldlen)
		maybe_rebalance_leaf(t, &p);
	r = KV_OK;
out_unpin:
	unpin_path(t, &p);
	return r;
}

int bt_tree_delete(struct bt_tree *t, struct kv_slice key)
{
	struct path p;
	struct bt_frame *lf;
	struct bt_cell old;
	uint32_t pos, before;
	bool found;
	int r;

	r = descend(t, key, false, &p);
	if (r != KV_OK)
		return r;
	lf = p.e[p.depth - 1].f;
	r = search(t, lf->data, key, false, &pos, &found);
	if (r != KV_OK || !found) {
		unpin_path(t, &p);
		return r != KV_OK ? r : KV_NOTFOUND;
	}
	r = prepare(t);
	if (r != KV_OK) {
		unpin_path(t, &p);
		return r;
	}
	t->version++;
	before = used(t, lf->data);
	bt_page_cell(lf->data, pos, &old);
	free_chain(t, &old);
	bt_page_remove(lf->data, t->page_bytes, pos);
	bt_pool_mark_dirty(lf);
	t->leaf_used_bytes -= before - used(t, lf->data);
	t->entries--;
	maybe_rebalance_leaf(t, &p);
	unpin_path(t, &p);
	return KV_OK;
}

/* ---- set-up ---- */

int bt_tree_init(struct bt_tree *t, struct bt_pager *pager, struct bt_pool *pool,
		 const struct bt_meta *meta, struct kv_err *err)
{
	size_t pb = bt_pager_page_bytes(pager);
	struct bt_frame *f;
	int r;

	memset(t, 0, sizeof(*t));
	t->pager = pager;
	t->pool = pool;
	t->err = err;
	t->page_bytes = pb;
	t->max_local = bt_max_local(pb);
	t->min_used = (uint32_t)((pb - BT_PAGE_HEADER_BYTES) / 4);
	t->kbuf.component = t->kbuf2.component = t->sepbuf.component = KV_MEM_BUFFER_POOL;
	t->cells_cap = 3 * pb / 4 + 8;
	t->scratch = kv_malloc(KV_MEM_BUFFER_POOL, pb);
	t->ovfpage = kv_malloc(KV_MEM_BUFFER_POOL, pb);
	t->gather = kv_malloc(KV_MEM_BUFFER_POOL, 3 * pb);
	t->cells = kv_malloc(KV_MEM_BUFFER_POOL, t->cells_cap * sizeof(*t->cells));
	t->sizes = kv_malloc(KV_MEM_BUFFER_POOL, t->cells_cap * sizeof(*t->sizes));
	t->cellbuf = kv_malloc(KV_MEM_BUFFER_POOL, 2 * pb);
	t->oldcell = kv_malloc(KV_MEM_BUFFER_POOL, 2 * pb);
	t->sepcell = kv_malloc(KV_MEM_BUFFER_POOL, pb);
	if (!t->scratch || !t->ovfpage || !t->gather || !t->cells || !t->sizes || !t->cellbuf ||
	    !t->oldcell || !t->sepcell) {
		bt_tree_destroy(t);
		return kv_err_set(err, KV_ENOMEM, "btree: out of memory");
	}
	if (meta->root != 0) {
		t->root = meta->root;
		t->height = meta->height;
		t->entries = meta->entries;
		t->leaf_pages = meta->leaf_pages;
		t->internal_pages = meta->internal_pages;
		t->overflow_pages = meta->overflow_pages;
		t->leaf_used_bytes = meta->leaf_used_bytes;
		if (t->height == 0 || t->height >= BT_MAX_HEIGHT) {
			bt_tree_destroy(t);
			return kv_err_set(err, KV_ECORRUPT, "btree file '%s': tree height %" PRIu32
					  " out of range", BT_META_FILE, meta->height);
		}
		return KV_OK;
	}
	r = prepare(t);
	if (r != KV_OK) {
		bt_tree_destroy(t);
		return r;
	}
	t->height = 1;
	f = new_page(t, BT_PAGE_LEAF, 0);
	t->root = bt_page_id(f->data);
	bt_pool_unpin(pool, f);
	return KV_OK;
}

void bt_tree_destroy(struct bt_tree *t)
{
	size_t pb = t->page_bytes;

	kv_free(KV_MEM_BUFFER_POOL, t->scratch, t->scratch ? pb : 0);
	kv_free(KV_MEM_BUFFER_POOL, t->ovfpage, t->ovfpage ? pb : 0);
	kv_free(KV_MEM_BUFFER_POOL, t->gather, t->gather ? 3 * pb : 0);
	kv_free(KV_MEM_BUFFER_POOL, t->cells, t->cells ? t->cells_cap * sizeof(*t->cells) : 0);
	kv_free(KV_MEM_BUFFER_POOL, t->sizes, t->sizes ? t->cells_cap * sizeof(*t->sizes) : 0);
	kv_free(KV_MEM_BUFFER_POOL, t->cellbuf, t->cellbuf ? 2 * pb : 0);
	kv_free(KV_MEM_BUFFER_POOL, t->oldcell, t->oldcell ? 2 * pb : 0);
	kv_free(KV_MEM_BUFFER_POOL, t->sepcell, t->sepcell ? pb : 0);
	kv_buf_free(&t->kbuf);
	kv_buf_free(&t->kbuf2);
	kv_buf_free(&t->sepbuf);
	t->scratch = t->ovfpage = t->gather = t->cellbuf = t->oldcell = t->sepcell = NULL;
	t->cells = NULL;
	t->sizes = NULL;
}

void bt_tree_prepare_checkpoint(struct bt_tree *t, struct bt_meta *m)
{
	while (t->nspare > 0)
		bt_pager_free(t->pager, t->spare[--t->nspare], 1);
	m->root = t->root;
	m->height = t->height;
	m->entries = t->entries;
	m->leaf_pages = t->leaf_pages;
	m->internal_pages = t->internal_pages;
	m->overflow_pages = t->overflow_pages;
	m->leaf_used_bytes = t->leaf_used_bytes;
}

/* ---- cursor ---- */

void bt_cursor_init(struct bt_cursor *c, struct bt_tree *t)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->key.component = KV_MEM_OTHER;
	c->value.component = KV_MEM_OTHER;
}

void bt_cursor_destroy(struct bt_cursor *c)
{
	kv_buf_free(&c->key);
	kv_buf_free(&c->value);
	c->valid = false;
}

static int cursor_fail(struct bt_cursor *c, int r)
{
	c->valid = false;
	c->status = r;
	return r;
}

/* From leaf frame @f at @pos, move right past exhausted leaves and load. */
static int cursor_settle(struct bt_cursor *c, struct bt_frame *f, uint32_t pos)
{
	struct bt_tree *t = c->t;
	struct bt_cell cell;
	struct kv_slice k;
	int r;

	while (pos >= bt_page_ncells(f->data)) {
		uint32_t next = bt_page_next(f->data);
		bt_pool_unpin(t->pool, f);
		if (next == 0) {
			c->valid = false;
			return KV_OK;
		}
		r = bt_pool_get_ro(t->pool, next, BT_PAGE_LEAF, &f, t->err);
		if (r != KV_OK)
			return cursor_fail(c, r);
		pos = 0;
	}
	bt_page_cell(f->data, pos, &cell);
	r = cell_key(t, &cell, &t->kbuf, &k);
	if (r == KV_OK)
		r = kv_buf_set(&c->key, k.data, k.len) == KV_OK ? KV_OK : KV_ENOMEM;
	if (r == KV_OK) {
		c->value.len = 0;
		if (kv_buf_reserve(&c->value, cell.vlen) != KV_OK)
			r = KV_ENOMEM;
		else if (cell.flags & BT_CELL_OVF)
			r = read_chain(t, cell.chain, (uint64_t)cell.klen + cell.vlen, cell.klen,
				       cell.vlen, c->value.data);
		else if (cell.vlen)
			memcpy(c->value.data, cell.value, cell.vlen);
		if (r == KV_OK)
			c->value.len = cell.vlen;
	}
	c->leaf = bt_page_id(f->data);
	c->idx = pos;
	bt_pool_unpin(t->pool, f);
	if (r != KV_OK) {
		if (r == KV_ENOMEM)
			kv_err_set(t->err, r, "btree scan: out of memory");
		return cursor_fail(c, r);
	}
	c->version = t->version;
	c->valid = true;
	return KV_OK;
}

int bt_cursor_seek(struct bt_cursor *c, struct kv_slice key, bool after)
{
	struct bt_tree *t = c->t;
	struct path p;
	struct bt_frame *f;
	uint32_t pos;
	bool found;
	int r;

	c->status = KV_OK;
	r = descend(t, key, true, &p);
	if (r != KV_OK)
		return cursor_fail(c, r);
	f = p.e[p.depth - 1].f;
	r = search(t, f->data, key, after, &pos, &found);
	if (r != KV_OK) {
		unpin_path(t, &p);
		return cursor_fail(c, r);
	}
	/* Keep only the leaf pinned. */
	p.e[p.depth - 1].f = NULL;
	unpin_path(t, &p);
	return cursor_settle(c, f, pos);
}

int bt_cursor_next(struct bt_cursor *c)
{
	struct bt_tree *t = c->t;
	struct bt_frame *f;
	int r;

	if (!c->valid)
		return c->status;
	if (c->version != t->version) {
		/* The tree changed under us: find the key after ours again.
		   c->key is copied first because seek reuses it. */
		r = kv_buf_set(&t->sepbuf, c->key.data, c->key.len);
		if (r != KV_OK)
			return cursor_fail(c, kv_err_set(t->err, KV_ENOMEM, "btree scan: out of memory"));
		return bt_cursor_seek(c, kv_buf_slice(&t->sepbuf), true);
	}
	r = bt_pool_get_ro(t->pool, c->leaf, BT_PAGE_LEAF, &f, t->err);
	if (r != KV_OK)
		return cursor_fail(c, r);
	return cursor_settle(c, f, c->idx + 1);
}

/* ---- the invariant checker ---- */

struct check_ctx {
	struct bt_tree *t;
	struct bt_check_info *info;
	uint32_t expect_next;  /* next pointer of the previous leaf */
	bool have_leaf;
	uint64_t leaf_used, internals, ovf_pages, fill_sum_x1000;
	struct kv_buf bounds[BT_MAX_HEIGHT][2];
};

static int check_fail(struct check_ctx *x, uint32_t id, const char *what)
{
	return kv_err_set(x->t->err, KV_ECORRUPT, "btree check: page %" PRIu32 ": %s", id, what);
}

static int check_page(struct check_ctx *x, uint32_t id, uint32_t depth, const struct kv_slice *lo,
		      const struct kv_slice *hi)
{
	struct bt_tree *t = x->t;
	struct bt_frame *f;
	struct bt_cell c;
	struct kv_slice k, prev = { NULL, 0 };
	bool leaf = depth + 1 == t->height;
	uint32_t n;
	int r;

	r = bt_pool_get_ro(t->pool, id, leaf ? BT_PAGE_LEAF : BT_PAGE_INTERNAL, &f, t->err);
	if (r != KV_OK)
		return r;
	n = bt_page_ncells(f->data);
	if (bt_page_level(f->data) != t->height - 1 - depth) {
		r = check_fail(x, id, leaf ? "leaf not at the bottom level"
					   : "internal page at the wrong level");
		goto out;
	}
	/* The rightmost leaf is exempt: an append split leaves it small. */
	if (depth > 0 && used(t, f->data) < t->min_used && t->st.rebalance_skipped == 0 &&
	    !(leaf && bt_page_next(f->data) == 0)) {
		r = check_fail(x, id, "non-root page below the fill bound");
		goto out;
	}
	x->info->pages++;
	for (uint32_t i = 0; i < n; i++) {
		struct kv_buf *kb = &x->bounds[depth][i & 1];
		bt_page_cell(f->data, i, &c);
		r = cell_key(t, &c, kb, &k);
		if (r != KV_OK)
			goto out;
		if (k.data != kb->data) {
			/* keep the key stable across the child walk */
			if (kv_buf_set(kb, k.data, k.len) != KV_OK) {
				r = kv_err_set(t->err, KV_ENOMEM, "btree check: out of memory");
				goto out;
			}
			k = kv_buf_slice(kb);
		}
		if ((i > 0 && kv_slice_cmp(prev, k) >= 0) || (lo && kv_slice_cmp(k, *lo) < 0) ||
		    (hi && kv_slice_cmp(k, *hi) >= 0)) {
			r = check_fail(x, id, "keys out of order or outside the parent's range");
			goto out;
		}
		if (c.flags & BT_CELL_OVF) {
			uint32_t np = bt_ovf_pages(t->page_bytes, (uint64_t)c.klen + c.vlen);
			for (uint32_t j = 0; j < np; j++)
				if (!bt_pager_is_allocated(t->pager, c.chain + j)) {
					r = check_fail(x, id, "overflow chain page not allocated");
					goto out;
				}
			x->ovf_pages += np;
		}
		prev = k;
	}
	if (leaf) {
		if (x->have_leaf && x->expect_next != id) {
			r = check_fail(x, id, "leaf chain skips or repeats a leaf");
			goto out;
		}
		x->have_leaf = true;
		x->expect_next = bt_page_next(f->data);
		x->info->leaves++;
		x->info->entries += n;
		x->leaf_used += used(t, f->data);
		x->fill_sum_x1000 += (uint64_t)(t->page_bytes - bt_page_free_bytes(f->data,
							t->page_bytes)) * 1000 / t->page_bytes;
		r = KV_OK;
		goto out;
	}
	x->internals++;
	if (depth > 0 && n == 0) {
		r = check_fail(x, id, "non-root internal page without keys");
		goto out;
	}
	/* Children: [lo, k0), [k0, k1), ..., [k_{n-1}, hi). Keys are re-read
	   per child because the bounds buffers alternate. */
	for (uint32_t i = 0; i <= n; i++) {
		struct kv_slice kl, kh;
		const struct kv_slice *cl = lo, *ch = hi;
		struct kv_buf *bl = &x->bounds[depth][0], *bh = &x->bounds[depth][1];
		if (i > 0) {
			bt_page_cell(f->data, i - 1, &c);
			r = cell_key(t, &c, bl, &kl);
			if (r == KV_OK && kl.data != bl->data)
				r = kv_buf_set(bl, kl.data, kl.len);
			if (r != KV_OK)
				goto out;
			kl = kv_buf_slice(bl);
			cl = &kl;
		}
		if (i < n) {
			bt_page_cell(f->data, i, &c);
			r = cell_key(t, &c, bh, &kh);
			if (r == KV_OK && kh.data != bh->data)
				r = kv_buf_set(bh, kh.data, kh.len);
			if (r != KV_OK)
				goto out;
			kh = kv_buf_slice(bh);
			ch = &kh;
		}
		r = check_page(x, child_at(f->data, i), depth + 1, cl, ch);
		if (r != KV_OK)
			goto out;
	}
	r = KV_OK;
out:
	bt_pool_unpin(t->pool, f);
	return r;
}

int bt_tree_check(struct bt_tree *t, struct bt_check_info *info)
{
	struct check_ctx *x;
	struct bt_check_info local;
	int r;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (bt_pool_pinned(t->pool) != 0)
		return kv_err_set(t->err, KV_ECORRUPT, "btree check: frames left pinned");
	x = kv_calloc(KV_MEM_OTHER, sizeof(*x));
	if (!x)
		return kv_err_set(t->err, KV_ENOMEM, "btree check: out of memory");
	x->t = t;
	x->info = info;
	for (int d = 0; d < BT_MAX_HEIGHT; d++)
		x->bounds[d][0].component = x->bounds[d][1].component = KV_MEM_OTHER;
	r = check_page(x, t->root, 0, NULL, NULL);
	if (r == KV_OK && x->expect_next != 0)
		r = check_fail(x, x->expect_next, "the last leaf has a next pointer");
	info->height = t->height;
	info->overflow_pages = x->ovf_pages;
	info->leaf_fill = info->leaves ? (double)x->fill_sum_x1000 / 1000.0 / (double)info->leaves
				       : 0.0;
	if (r == KV_OK && (info->entries != t->entries || info->leaves != t->leaf_pages ||
			   x->internals != t->internal_pages || x->ovf_pages != t->overflow_pages ||
			   x->leaf_used != t->leaf_used_bytes))
		r = kv_err_set(t->err, KV_ECORRUPT,
			       "btree check: counters differ from the pages: entries %" PRIu64
			       "/%" PRIu64 ", leaves %" PRIu64 "/%" PRIu64 ", internal %" PRIu64
			       "/%" PRIu64 ", overflow %" PRIu64 "/%" PRIu64 ", leaf bytes %" PRIu64
			       "/%" PRIu64, info->entries, t->entries, info->leaves, t->leaf_pages,
			       x->internals, t->internal_pages, x->ovf_pages, t->overflow_pages,
			       x->leaf_used, t->leaf_used_bytes);
	if (r == KV_OK && !bt_pager_check(t->pager))
		r = kv_err_set(t->err, KV_ECORRUPT, "btree check: pager invariants violated");
	for (int d = 0; d < BT_MAX_HEIGHT; d++) {
		kv_buf_free(&x->bounds[d][0]);
		kv_buf_free(&x->bounds[d][1]);
	}
	kv_free(KV_MEM_OTHER, x, sizeof(*x));
	return r;
}
