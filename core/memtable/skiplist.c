/*
 * core/memtable/skiplist.c - the skip-list memtable kind.
 *
 * Node layout (one arena allocation, 8-byte aligned; see skiplist.h):
 *
 *   [next[h-1] ... next[1] next[0]] [struct kv_mt_rec] [key] [seq ts] [value]
 *                                   ^ node pointer
 *
 * The tower sits just below the node pointer, so next[0], the key length
 * and the first key bytes share a cache line: a descent touches one line
 * per visited node. seq and ts_ns are stored unaligned after the key
 * (memcpy); they are read only on a hit.
 *
 * Invariants:
 *  1. Every level i list (head->next[i], ...) is sorted strictly ascending
 *     by key (bytewise) and is a sub-list of level i-1; a node is on
 *     exactly the levels 0..height-1. head has max_height levels; levels
 *     >= sl->height of head are NULL.
 *  2. 1 <= sl->height <= max_height <= KV_SKIPLIST_MAX_HEIGHT; every node's
 *     height is in 1..sl->height.
 *  3. count, base.key_bytes and base.value_bytes are the number of nodes on
 *     level 0 and the sums of their key and value lengths.
 *  4. value_len <= value_cap for every node.
 *  5. A node replaced by a relocating overwrite is on no level; it carries
 *     NODE_REPLACED and its next[0] is its replacement (so an iterator
 *     positioned on it can continue); its bytes are counted in
 *     garbage_bytes.
 *  6. Each stored seq is the highest seq put for that key.
 */
#include "core/memtable/skiplist.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/memtable/arena.h"
#include "core/memtable/kind.h"
#include "core/rng.h"

#define NODE_REPLACED 0x80u
#define HEIGHT_SEED UINT64_C(0x736b69706c697374) /* "skiplist" */

/*
 * A node is a struct kv_mt_rec (core/memtable/record.h) below its tower;
 * flags: KV_MT_REC_PUT | NODE_REPLACED; aux: the tower height.
 */

struct sl_options {
	int64_t max_height;
	int64_t branching;
	uint64_t arena_block_bytes;
};

struct skiplist {
	struct kv_memtable base;
	struct kv_arena arena;
	struct kv_mt_rec *head;
	struct kv_rng rng;
	int height;
	int max_height;
	uint64_t branching;
	size_t count;
	size_t garbage_bytes;
	size_t in_place;
	size_t relocated;
	size_t open_iters;
};

struct sl_iter {
	struct kv_mt_node_iter ni; /* ni.cur is the current node's record */
	struct skiplist *sl;
};

static const struct kv_option sl_option_table[] = {
	{
		.name = "skiplist_max_height",
		.type = KV_OPT_INT,
		.def = "12",
		.min = 4,
		.max = KV_SKIPLIST_MAX_HEIGHT,
		.unit = "levels",
		.doc = "tallest tower a skip-list node may get",
		.offset = offsetof(struct sl_options, max_height),
	},
	{
		.name = "skiplist_branching",
		.type = KV_OPT_INT,
		.def = "4",
		.min = 2,
		.max = 16,
		.unit = "",
		.doc = "1/p: a skip-list node reaches the next level with probability 1/branching",
		.offset = offsetof(struct sl_options, branching),
	},
	KV_MT_ARENA_OPTION(offsetof(struct sl_options, arena_block_bytes)),
	{ .name = NULL },
};

/* ------------------------------------------------------------ nodes */

static inline struct kv_mt_rec *node_next(const struct kv_mt_rec *n, int i)
{
	return ((struct kv_mt_rec *const *)(const void *)n)[-1 - i];
}

static inline void node_set_next(struct kv_mt_rec *n, int i, struct kv_mt_rec *x)
{
	((struct kv_mt_rec **)(void *)n)[-1 - i] = x;
}

static inline size_t node_bytes(int height, size_t key_len, size_t value_cap)
{
	return (size_t)height * sizeof(struct kv_mt_rec *) + kv_mt_rec_bytes(key_len, value_cap);
}

static inline int node_height(const struct kv_mt_rec *n)
{
	return n->aux;
}

/* Allocate a node (tower links NULL, empty value); NULL on ENOMEM. */
static struct kv_mt_rec *node_new(struct skiplist *sl, int height, struct kv_slice key,
			     size_t value_cap)
{
	char *mem = kv_arena_alloc(&sl->arena, node_bytes(height, key.len, value_cap),
				   sizeof(struct kv_mt_rec *));
	struct kv_mt_rec *n;

	if (!mem)
		return NULL;
	n = (struct kv_mt_rec *)(void *)(mem + (size_t)height * sizeof(struct kv_mt_rec *));
	for (int i = 0; i < height; i++)
		node_set_next(n, i, NULL);
	kv_mt_rec_init(n, key, value_cap, (uint8_t)height);
	return n;
}

static inline int node_cmp(const struct kv_mt_rec *n, const char *k, size_t len)
{
	return kv_mt_rec_cmp(n, k, len);
}

/* ------------------------------------------------------------ list */

static struct skiplist *to_sl(const struct kv_memtable *mt)
{
	return kv_mt_self(mt, &kv_skiplist_memtable_ops);
}

/* Cheap invariants (O(1)), asserted at every mutator's entry and exit. */
static bool sl_check(const struct skiplist *sl)
{
	if (!sl->head || sl->height < 1 || sl->height > sl->max_height)
		return false;
	if (sl->max_height > KV_SKIPLIST_MAX_HEIGHT)
		return false;
	if ((sl->count == 0) != (node_next(sl->head, 0) == NULL))
		return false;
	if (sl->height < sl->max_height && node_next(sl->head, sl->height) != NULL)
		return false;
	return sl->garbage_bytes <= kv_arena_bytes_used(&sl->arena);
}

/*
 * The first node with key >= (k, len), or NULL. With @prev, prev[i] is the
 * last node on level i before that position (head if none), for every
 * level below sl->height. Nodes already found >= key at a higher level are
 * not compared again.
 */
static struct kv_mt_rec *find_ge(const struct skiplist *sl, const char *k, size_t len,
			    struct kv_mt_rec **prev)
{
	struct kv_mt_rec *x = sl->head, *bound = NULL;

	for (int i = sl->height - 1; i >= 0; i--) {
		struct kv_mt_rec *n = node_next(x, i);

		while (n != bound && node_cmp(n, k, len) < 0) {
			x = n;
			n = node_next(x, i);
		}
		bound = n;
		if (prev)
			prev[i] = x;
	}
	return bound;
}

static int random_height(struct skiplist *sl)
{
	int h = 1;

	while (h < sl->max_height && kv_rng_below(&sl->rng, sl->branching) == 0)
		h++;
	return h;
}

static int sl_init(struct kv_memtable *mt, const struct kv_config *cfg, struct kv_err *err)
{
	struct skiplist *sl = to_sl(mt);
	struct sl_options o;
	int rc;

	rc = kv_options_load(sl_option_table, cfg, &o, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "memtable skiplist");
		return rc;
	}
	sl->max_height = (int)o.max_height;
	sl->branching = (uint64_t)o.branching;
	sl->height = 1;
	sl->count = 0;
	sl->garbage_bytes = 0;
	sl->in_place = 0;
	sl->relocated = 0;
	sl->open_iters = 0;
	kv_rng_seed(&sl->rng, HEIGHT_SEED);
	kv_arena_init(&sl->arena, (size_t)o.arena_block_bytes);
	sl->head = node_new(sl, sl->max_height, kv_slice_make(NULL, 0), 0);
	if (!sl->head) {
		kv_arena_destroy(&sl->arena);
		return kv_err_set(err, KV_ENOMEM,
				  "memtable skiplist: out of memory allocating the first "
				  "arena block (%zu bytes)",
				  (size_t)o.arena_block_bytes);
	}
	mt->key_bytes = 0;
	mt->value_bytes = 0;
	assert(sl_check(sl));
	return KV_OK;
}

static void sl_destroy(struct kv_memtable *mt)
{
	struct skiplist *sl = to_sl(mt);

	assert(sl_check(sl));
	assert(sl->open_iters == 0 && "close iterators before destroying the memtable");
	kv_arena_destroy(&sl->arena);
	sl->head = NULL;
}

/* Replace @old (found with @prev) by a copy holding the new entry. */
static int relocate(struct skiplist *sl, struct kv_mt_rec *old, struct kv_mt_rec **prev,
		    struct kv_slice value, const struct kv_entry_meta *meta)
{
	int h = node_height(old);
	struct kv_mt_rec *n = node_new(sl, h, kv_mt_rec_key(old), value.len);

	if (!n)
		return KV_ENOMEM;
	kv_mt_rec_set(n, value, meta);
	for (int i = 0; i < h; i++) {
		assert(node_next(prev[i], i) == old);
		node_set_next(n, i, node_next(old, i));
		node_set_next(prev[i], i, n);
	}
	/* An iterator standing on @old continues through its replacement. */
	node_set_next(old, 0, n);
	old->flags |= NODE_REPLACED;
	sl->garbage_bytes += node_bytes(h, old->key_len, old->value_cap);
	sl->relocated++;
	return KV_OK;
}

static int sl_put(struct kv_memtable *mt, struct kv_slice key, struct kv_slice value,
		  const struct kv_entry_meta *meta)
{
	struct skiplist *sl = to_sl(mt);
	struct kv_mt_rec *prev[KV_SKIPLIST_MAX_HEIGHT];
	struct kv_mt_rec *n;
	int h, rc = KV_OK;

	assert(sl_check(sl));
	assert(meta->kind == KV_KIND_PUT || meta->kind == KV_KIND_DELETE);
	if (key.len > UINT16_MAX || value.len > UINT32_MAX)
		return KV_EINVAL;
	n = find_ge(sl, key.data, key.len, prev);
	if (n && node_cmp(n, key.data, key.len) == 0) {
		size_t old_len = n->value_len;

		if (meta->seq <= kv_mt_rec_seq(n))
			goto out; /* the stored entry is newer (contract 1) */
		if (value.len <= n->value_cap) {
			kv_mt_rec_set(n, value, meta);
			sl->in_place++;
		} else {
			rc = relocate(sl, n, prev, value, meta);
			if (rc != KV_OK)
				goto out;
		}
		mt->value_bytes = mt->value_bytes - old_len + value.len;
		goto out;
	}

	h = random_height(sl);
	n = node_new(sl, h, key, value.len);
	if (!n) {
		rc = KV_ENOMEM;
		goto out;
	}
	kv_mt_rec_set(n, value, meta);
	for (int i = sl->height; i < h; i++)
		prev[i] = sl->head;
	if (h > sl->height)
		sl->height = h;
	for (int i = 0; i < h; i++) {
		node_set_next(n, i, node_next(prev[i], i));
		node_set_next(prev[i], i, n);
	}
	sl->count++;
	mt->key_bytes += key.len;
	mt->value_bytes += value.len;
out:
	assert(sl_check(sl));
	return rc;
}

static int sl_get(struct kv_memtable *mt, struct kv_slice key, struct kv_slice *value,
		  struct kv_entry_meta *meta)
{
	const struct skiplist *sl = to_sl(mt);
	struct kv_mt_rec *n = find_ge(sl, key.data, key.len, NULL);

	if (!n || node_cmp(n, key.data, key.len) != 0)
		return KV_NOTFOUND;
	if (value)
		*value = kv_mt_rec_value(n);
	if (meta)
		kv_mt_rec_meta(n, meta);
	return KV_OK;
}

static size_t sl_approx_bytes(const struct kv_memtable *mt)
{
	const struct skiplist *sl = to_sl(mt);

	return sizeof(*sl) + kv_arena_bytes_reserved(&sl->arena);
}

static size_t sl_count(const struct kv_memtable *mt)
{
	return to_sl(mt)->count;
}

/* ------------------------------------------------------------ iterator */

static void it_seek_first(struct kv_iter *it)
{
	struct sl_iter *si = (struct sl_iter *)it;
	struct kv_mt_rec *n = node_next(si->sl->head, 0);

	si->ni.cur = n;
}

static void it_seek(struct kv_iter *it, struct kv_slice target)
{
	struct sl_iter *si = (struct sl_iter *)it;
	struct kv_mt_rec *n = find_ge(si->sl, target.data, target.len, NULL);

	si->ni.cur = n;
}

static void it_next(struct kv_iter *it)
{
	struct sl_iter *si = (struct sl_iter *)it;
	const struct kv_mt_rec *n = si->ni.cur;

	assert(n);
	/* Skip to the live copy of a node replaced under the iterator. */
	while (n->flags & NODE_REPLACED)
		n = node_next(n, 0);
	n = node_next(n, 0);
	si->ni.cur = n;
}

static const struct kv_iter_ops sl_iter_ops =
	KV_MT_NODE_ITER_OPS("skiplist", it_seek_first, it_seek, it_next);

static struct kv_iter *sl_iter(struct kv_memtable *mt)
{
	struct skiplist *sl = to_sl(mt);
	struct sl_iter *si = kv_mt_node_iter_new(sizeof(*si), &sl_iter_ops, &sl->open_iters);

	if (!si)
		return NULL;
	si->sl = sl;
	return &si->ni.base;
}

/* ------------------------------------------------------------ inspection */

void kv_skiplist_stats(const struct kv_memtable *mt, struct kv_skiplist_stats *st)
{
	const struct skiplist *sl = to_sl(mt);

	memset(st, 0, sizeof(*st));
	for (const struct kv_mt_rec *n = node_next(sl->head, 0); n; n = node_next(n, 0)) {
		st->entries++;
		st->tower_links += (size_t)node_height(n);
		st->heights[node_height(n)]++;
	}
	st->height = (size_t)sl->height;
	st->arena_bytes_used = kv_arena_bytes_used(&sl->arena);
	st->arena_bytes_reserved = kv_arena_bytes_reserved(&sl->arena);
	st->garbage_bytes = sl->garbage_bytes;
	st->overwrites_in_place = sl->in_place;
	st->overwrites_relocated = sl->relocated;
}

bool kv_skiplist_verify(const struct kv_memtable *mt)
{
	const struct skiplist *sl = to_sl(mt);
	uint64_t key_bytes = 0, value_bytes = 0;
	size_t count = 0, live_bytes;

	if (!sl_check(sl) || !kv_arena_verify(&sl->arena))
		return false;
	live_bytes = node_bytes(sl->max_height, 0, 0);
	for (const struct kv_mt_rec *n = node_next(sl->head, 0), *p = NULL; n;
	     p = n, n = node_next(n, 0)) {
		if (node_height(n) < 1 || node_height(n) > sl->height)
			return false;
		if (n->flags & ~KV_MT_REC_PUT || n->value_len > n->value_cap)
			return false;
		if (p && node_cmp(p, kv_mt_rec_keyp(n), n->key_len) >= 0)
			return false;
		count++;
		key_bytes += n->key_len;
		value_bytes += n->value_len;
		live_bytes += node_bytes(node_height(n), n->key_len, n->value_cap);
	}
	if (count != sl->count || key_bytes != mt->key_bytes || value_bytes != mt->value_bytes)
		return false;
	if (live_bytes + sl->garbage_bytes > kv_arena_bytes_used(&sl->arena))
		return false;
	for (int i = 1; i < sl->max_height; i++) {
		const struct kv_mt_rec *up = node_next(sl->head, i);

		if (i >= sl->height && up)
			return false;
		for (const struct kv_mt_rec *n = node_next(sl->head, 0); n; n = node_next(n, 0)) {
			if (node_height(n) <= i)
				continue;
			if (n != up)
				return false;
			up = node_next(up, i);
		}
		if (up)
			return false;
	}
	return true;
}

const struct kv_memtable_ops kv_skiplist_memtable_ops = {
	.name = "skiplist",
	.version = 1,
	.instance_size = sizeof(struct skiplist),
	.doc = "arena-backed skip list (LevelDB/RocksDB default): O(log n) put/get, "
	       "iteration allowed during puts",
	.options = sl_option_table,
	.init = sl_init,
	.destroy = sl_destroy,
	.put = sl_put,
	.get = sl_get,
	.iter = sl_iter,
	.approx_bytes = sl_approx_bytes,
	.count = sl_count,
};
