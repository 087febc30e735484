/*
 * core/memtable/rbtree.c - the red-black tree memtable kind (see rbtree.h).
 *
 * Node layout (one arena allocation, 8-byte aligned):
 *
 *   [child[0] child[1]] [key_len:2 flags:1 pad:1 value_len:4 value_cap:4]
 *   [key] [seq:8 ts_ns:8, unaligned] [value_cap bytes]
 *
 * Invariants:
 *  1. In-order traversal yields keys strictly ascending (bytewise).
 *  2. The root is black (or NULL); a red node has no red child; every path
 *     from the root to a NULL link has the same number of black nodes. So
 *     the height is at most 2 log2(n + 1) <= MAX_DEPTH.
 *  3. count, base.key_bytes and base.value_bytes are the number of nodes
 *     in the tree and the sums of their key and value lengths.
 *  4. value_len <= value_cap. A node replaced by a relocating overwrite is
 *     in no link of the tree; its bytes are counted in garbage_bytes.
 *  5. version changes whenever a link of the tree changes (insert,
 *     rotation, relocation); iterators positioned under an older version
 *     re-seek before moving.
 *  6. Each stored seq is the highest seq put for that key.
 */
#include "core/memtable/rbtree.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/memtable/arena.h"
#include "core/memtable/kind.h"
#include "core/options.h"

#define FLAG_RED 0x02u /* r.flags, besides KV_MT_REC_PUT */
#define MAX_DEPTH 128 /* 2 log2(n + 1) for n < 2^63 */

/* A node's links; its struct kv_mt_rec (core/memtable/record.h) follows. */
struct node {
	struct node *child[2];
};

struct rb_options {
	uint64_t arena_block_bytes;
};

struct rbtree {
	struct kv_memtable base;
	struct kv_arena arena;
	struct node *root;
	size_t count;
	size_t garbage_bytes;
	size_t rotations;
	uint64_t version;
	size_t open_iters;
};

struct rb_iter {
	struct kv_mt_node_iter ni; /* ni.cur: stack[depth - 1]'s record or NULL */
	struct rbtree *t;
	uint64_t version; /* t->version when the stack was built */
	size_t depth;     /* stack[depth - 1] is the current node; 0: not valid */
	struct node *stack[MAX_DEPTH];
};

static const struct kv_option rb_option_table[] = {
	KV_MT_ARENA_OPTION(offsetof(struct rb_options, arena_block_bytes)),
	{ .name = NULL },
};

/* ------------------------------------------------------------ nodes */

/* The record after the links (const is the caller's to keep). */
static inline struct kv_mt_rec *node_rec(const struct node *n)
{
	return (struct kv_mt_rec *)(uintptr_t)((const char *)n + sizeof(*n));
}

static inline size_t node_bytes(size_t key_len, size_t value_cap)
{
	return sizeof(struct node) + kv_mt_rec_bytes(key_len, value_cap);
}

static inline bool is_red(const struct node *n)
{
	return n && (node_rec(n)->flags & FLAG_RED);
}

static inline void set_red(struct node *n, bool red)
{
	struct kv_mt_rec *r = node_rec(n);

	r->flags = (uint8_t)(red ? r->flags | FLAG_RED : r->flags & ~FLAG_RED);
}

static struct node *node_new(struct rbtree *t, struct kv_slice key, struct kv_slice value,
			     const struct kv_entry_meta *meta)
{
	struct node *n = kv_arena_alloc(&t->arena, node_bytes(key.len, value.len),
					_Alignof(struct node));

	if (!n)
		return NULL;
	n->child[0] = n->child[1] = NULL;
	kv_mt_rec_init(node_rec(n), key, value.len, 0);
	kv_mt_rec_set(node_rec(n), value, meta);
	return n;
}

static inline int node_cmp(const struct node *n, const char *k, size_t len)
{
	return kv_mt_rec_cmp(node_rec(n), k, len);
}

/* ------------------------------------------------------------ tree */

static struct rbtree *to_t(const struct kv_memtable *mt)
{
	return kv_mt_self(mt, &kv_rbtree_memtable_ops);
}

/* Cheap invariants (O(1)). */
static bool rb_check(const struct rbtree *t)
{
	if ((t->count == 0) != (t->root == NULL))
		return false;
	if (is_red(t->root))
		return false;
	return t->garbage_bytes <= kv_arena_bytes_used(&t->arena);
}

/*
 * Deep check of the subtree @n with keys strictly between @lo and @hi
 * (NULL: unbounded). Returns its black height, or -1 when an invariant is
 * broken. Adds the nodes to *count and their lengths to the byte sums.
 */
static int rb_check_subtree(const struct node *n, const struct node *lo, const struct node *hi,
			    size_t depth, size_t *count, uint64_t *kb, uint64_t *vb)
{
	const struct kv_mt_rec *rec;
	int l, r;

	if (!n)
		return 1;
	rec = node_rec(n);
	if (depth >= MAX_DEPTH || rec->value_len > rec->value_cap ||
	    (rec->flags & ~(KV_MT_REC_PUT | FLAG_RED)))
		return -1;
	if (lo && node_cmp(lo, rec->key, rec->key_len) >= 0)
		return -1;
	if (hi && node_cmp(hi, rec->key, rec->key_len) <= 0)
		return -1;
	if (is_red(n) && (is_red(n->child[0]) || is_red(n->child[1])))
		return -1;
	l = rb_check_subtree(n->child[0], lo, n, depth + 1, count, kb, vb);
	r = rb_check_subtree(n->child[1], n, hi, depth + 1, count, kb, vb);
	if (l < 0 || r < 0 || l != r)
		return -1;
	(*count)++;
	*kb += rec->key_len;
	*vb += rec->value_len;
	return l + (is_red(n) ? 0 : 1);
}

/* Rotate @x down in direction @d (0: left rotation); returns the new top. */
static struct node *rotate(struct rbtree *t, struct node *x, int d)
{
	struct node *y = x->child[!d];

	x->child[!d] = y->child[d];
	y->child[d] = x;
	t->rotations++;
	return y;
}

/*
 * Restore the red-black invariants after linking the red node path[i]
 * (dirs[k]: path[k + 1] == path[k]->child[dirs[k]]).
 */
static void insert_fixup(struct rbtree *t, struct node **path, const int *dirs, size_t i)
{
	while (i >= 1 && is_red(path[i - 1])) {
		struct node *p = path[i - 1], *g, *u, *top;
		int pd;

		assert(i >= 2); /* a red parent is not the (black) root */
		g = path[i - 2];
		pd = dirs[i - 2];
		u = g->child[!pd];
		if (is_red(u)) {
			set_red(p, false);
			set_red(u, false);
			set_red(g, true);
			i -= 2;
			continue;
		}
		if (dirs[i - 1] != pd) {
			/* Inner grandchild: rotate it above its parent first. */
			g->child[pd] = rotate(t, p, pd);
			p = g->child[pd];
		}
		top = rotate(t, g, !pd);
		assert(top == p);
		if (i == 2)
			t->root = top;
		else
			path[i - 3]->child[dirs[i - 3]] = top;
		set_red(p, false);
		set_red(g, true);
		break;
	}
	set_red(t->root, false);
}

static int rb_init(struct kv_memtable *mt, const struct kv_config *cfg, struct kv_err *err)
{
	struct rbtree *t = to_t(mt);
	struct rb_options o;
	int rc;

	rc = kv_options_load(rb_option_table, cfg, &o, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "memtable rbtree");
		return rc;
	}
	kv_arena_init(&t->arena, (size_t)o.arena_block_bytes);
	t->root = NULL;
	t->count = 0;
	t->garbage_bytes = 0;
	t->rotations = 0;
	t->version = 0;
	t->open_iters = 0;
	mt->key_bytes = 0;
	mt->value_bytes = 0;
	assert(rb_check(t));
	return KV_OK;
}

static void rb_destroy(struct kv_memtable *mt)
{
	struct rbtree *t = to_t(mt);

	assert(rb_check(t));
	assert(t->open_iters == 0 && "close iterators before destroying the memtable");
	kv_arena_destroy(&t->arena);
	t->root = NULL;
}

static int rb_put(struct kv_memtable *mt, struct kv_slice key, struct kv_slice value,
		  const struct kv_entry_meta *meta)
{
	struct rbtree *t = to_t(mt);
	struct node *path[MAX_DEPTH + 1];
	int dirs[MAX_DEPTH];
	struct node *n = t->root, *z;
	size_t d = 0;
	int rc = KV_OK;

	assert(rb_check(t));
	assert(meta->kind == KV_KIND_PUT || meta->kind == KV_KIND_DELETE);
	if (key.len > UINT16_MAX || value.len > UINT32_MAX)
		return KV_EINVAL;
	while (n) {
		int c = node_cmp(n, key.data, key.len);

		if (c == 0)
			break;
		assert(d < MAX_DEPTH);
		path[d] = n;
		dirs[d] = c < 0; /* node key < key: go right */
		d++;
		n = n->child[c < 0];
	}
	if (n) {
		struct kv_mt_rec *old = node_rec(n);
		size_t old_len = old->value_len;

		if (meta->seq <= kv_mt_rec_seq(old))
			goto out; /* the stored entry is newer (contract 1) */
		if (value.len <= old->value_cap) {
			kv_mt_rec_set(old, value, meta);
		} else {
			z = node_new(t, key, value, meta);
			if (!z) {
				rc = KV_ENOMEM;
				goto out;
			}
			z->child[0] = n->child[0];
			z->child[1] = n->child[1];
			set_red(z, is_red(n));
			if (d == 0)
				t->root = z;
			else
				path[d - 1]->child[dirs[d - 1]] = z;
			t->garbage_bytes += node_bytes(old->key_len, old->value_cap);
			t->version++;
		}
		mt->value_bytes = mt->value_bytes - old_len + value.len;
		goto out;
	}
	z = node_new(t, key, value, meta);
	if (!z) {
		rc = KV_ENOMEM;
		goto out;
	}
	set_red(z, true);
	if (d == 0)
		t->root = z;
	else
		path[d - 1]->child[dirs[d - 1]] = z;
	path[d] = z;
	insert_fixup(t, path, dirs, d);
	t->version++;
	t->count++;
	mt->key_bytes += key.len;
	mt->value_bytes += value.len;
out:
	assert(rb_check(t));
	return rc;
}

static int rb_get(struct kv_memtable *mt, struct kv_slice key, struct kv_slice *value,
		  struct kv_entry_meta *meta)
{
	const struct node *n = to_t(mt)->root;

	while (n) {
		int c = node_cmp(n, key.data, key.len);

		if (c == 0) {
			if (value)
				*value = kv_mt_rec_value(node_rec(n));
			if (meta)
				kv_mt_rec_meta(node_rec(n), meta);
			return KV_OK;
		}
		n = n->child[c < 0];
	}
	return KV_NOTFOUND;
}

static size_t rb_approx_bytes(const struct kv_memtable *mt)
{
	const struct rbtree *t = to_t(mt);

	return sizeof(*t) + kv_arena_bytes_reserved(&t->arena);
}

static size_t rb_count(const struct kv_memtable *mt)
{
	return to_t(mt)->count;
}

/* ------------------------------------------------------------ iterator */

/* Point ni.cur at the top of the stack (NULL when empty). */
static void iter_sync(struct rb_iter *ri)
{
	ri->ni.cur = ri->depth > 0 ? node_rec(ri->stack[ri->depth - 1]) : NULL;
}

/*
 * Position at the first key >= target (@strict: > target). The stack holds
 * the nodes whose left subtree the position is in; its top is the current
 * node.
 */
static void iter_seek(struct rb_iter *ri, const char *k, size_t len, bool strict)
{
	struct node *n = ri->t->root;

	ri->depth = 0;
	ri->version = ri->t->version;
	while (n) {
		int c = node_cmp(n, k, len);

		if (c > 0 || (c == 0 && !strict)) {
			assert(ri->depth < MAX_DEPTH);
			ri->stack[ri->depth++] = n;
			if (c == 0)
				break;
			n = n->child[0];
		} else {
			n = n->child[1];
		}
	}
	iter_sync(ri);
}

static void it_seek_first(struct kv_iter *it)
{
	iter_seek((struct rb_iter *)it, NULL, 0, false);
}

static void it_seek(struct kv_iter *it, struct kv_slice target)
{
	iter_seek((struct rb_iter *)it, target.data, target.len, false);
}

static void it_next(struct kv_iter *it)
{
	struct rb_iter *ri = (struct rb_iter *)it;
	struct node *n;

	assert(ri->depth > 0);
	n = ri->stack[ri->depth - 1];
	if (ri->version != ri->t->version) {
		/* The tree changed shape under us: find the successor again. */
		iter_seek(ri, node_rec(n)->key, node_rec(n)->key_len, true);
		return;
	}
	ri->depth--;
	for (n = n->child[1]; n; n = n->child[0]) {
		assert(ri->depth < MAX_DEPTH);
		ri->stack[ri->depth++] = n;
	}
	iter_sync(ri);
}

static const struct kv_iter_ops rb_iter_ops =
	KV_MT_NODE_ITER_OPS("rbtree", it_seek_first, it_seek, it_next);

static struct kv_iter *rb_iter(struct kv_memtable *mt)
{
	struct rbtree *t = to_t(mt);
	struct rb_iter *ri = kv_mt_node_iter_new(sizeof(*ri), &rb_iter_ops, &t->open_iters);

	if (!ri)
		return NULL;
	ri->t = t;
	ri->version = t->version;
	ri->depth = 0;
	return &ri->ni.base;
}

/* ------------------------------------------------------------ inspection */

static void stats_walk(const struct node *n, size_t depth, struct kv_rbtree_stats *st)
{
	if (!n)
		return;
	depth++;
	if (depth > st->height)
		st->height = depth;
	st->entries++;
	st->red_nodes += is_red(n);
	stats_walk(n->child[0], depth, st);
	stats_walk(n->child[1], depth, st);
}

void kv_rbtree_stats(const struct kv_memtable *mt, struct kv_rbtree_stats *st)
{
	const struct rbtree *t = to_t(mt);

	memset(st, 0, sizeof(*st));
	stats_walk(t->root, 0, st);
	for (const struct node *n = t->root; n; n = n->child[0])
		st->black_height += !is_red(n);
	st->rotations = t->rotations;
	st->garbage_bytes = t->garbage_bytes;
}

bool kv_rbtree_verify(const struct kv_memtable *mt)
{
	const struct rbtree *t = to_t(mt);
	uint64_t kb = 0, vb = 0;
	size_t count = 0;

	if (!rb_check(t) || !kv_arena_verify(&t->arena))
		return false;
	if (rb_check_subtree(t->root, NULL, NULL, 0, &count, &kb, &vb) < 0)
		return false;
	return count == t->count && kb == mt->key_bytes && vb == mt->value_bytes;
}

const struct kv_memtable_ops kv_rbtree_memtable_ops = {
	.name = "rbtree",
	.version = 1,
	.instance_size = sizeof(struct rbtree),
	.doc = "arena-backed red-black tree: O(log n) put/get (at most 2 log2 n "
	       "comparisons), iteration allowed during puts",
	.options = rb_option_table,
	.init = rb_init,
	.destroy = rb_destroy,
	.put = rb_put,
	.get = rb_get,
	.iter = rb_iter,
	.approx_bytes = rb_approx_bytes,
	.count = rb_count,
};
