/*
 * tests/testutil.c - see tests/testutil.h.
 *
 * Refmap invariants:
 *  1. In-order traversal yields strictly increasing keys (kv_slice_cmp).
 *  2. Heap order on prio: a child's prio never exceeds its parent's.
 *  3. count and live_bytes equal the number of nodes and the sum of
 *     key_len + val_len over all nodes.
 */
#include "tests/testutil.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/status.h"

uint64_t tu_seed(uint64_t default_seed)
{
	const char *env = getenv("LSMLAB_SEED");
	uint64_t seed = default_seed;

	if (env && *env) {
		char *end;
		unsigned long long v = strtoull(env, &end, 0);
		if (*end == '\0')
			seed = v;
		else
			fprintf(stderr, "testutil: ignoring bad LSMLAB_SEED '%s'\n", env);
	}
	fprintf(stderr, "seed=%llu\n", (unsigned long long)seed);
	return seed;
}

bool tu_slow(void)
{
	const char *env = getenv("LSMLAB_SLOW");

	return env && *env && strcmp(env, "0") != 0;
}

void tu_rand_bytes(struct kv_rng *r, char *buf, size_t n)
{
	kv_rng_fill(r, buf, n);
}

/* ------------------------------------------------------------ refmap */

struct tu_refmap_node {
	struct tu_refmap_node *left, *right;
	uint64_t prio;
	char *val;
	size_t val_len;
	size_t key_len;
	char key[]; /* key_len bytes */
};

struct tu_refmap {
	struct tu_refmap_node *root;
	size_t count;
	uint64_t live_bytes;
	struct kv_rng rng;
};

/* Checks invariants 1 and 2 under @n, summing its nodes and bytes. */
static bool subtree_check(const struct tu_refmap_node *n, const struct tu_refmap_node *lo,
			  const struct tu_refmap_node *hi, size_t *count, uint64_t *bytes)
{
	if (!n)
		return true;
	if (lo && kv_slice_cmp(kv_slice_make(lo->key, lo->key_len),
			       kv_slice_make(n->key, n->key_len)) >= 0)
		return false;
	if (hi && kv_slice_cmp(kv_slice_make(n->key, n->key_len),
			       kv_slice_make(hi->key, hi->key_len)) >= 0)
		return false;
	if ((n->left && n->left->prio > n->prio) || (n->right && n->right->prio > n->prio))
		return false;
	*count += 1;
	*bytes += n->key_len + n->val_len;
	return subtree_check(n->left, lo, n, count, bytes) &&
	       subtree_check(n->right, n, hi, count, bytes);
}

/* Full check for small maps (it is O(n)); large maps are trusted. */
static bool refmap_check(const struct tu_refmap *map)
{
	size_t count = 0;
	uint64_t bytes = 0;

	if (map->count > 256)
		return true;
	return subtree_check(map->root, NULL, NULL, &count, &bytes) && count == map->count &&
	       bytes == map->live_bytes;
}

static void *must_alloc(size_t n)
{
	void *p = kv_malloc(KV_MEM_OTHER, n);

	if (!p) {
		fprintf(stderr, "testutil: out of memory (%zu bytes)\n", n);
		abort();
	}
	return p;
}

static struct kv_slice node_key(const struct tu_refmap_node *n)
{
	return kv_slice_make(n->key, n->key_len);
}

struct tu_refmap *tu_refmap_new(void)
{
	struct tu_refmap *m = must_alloc(sizeof(*m));

	m->root = NULL;
	m->count = 0;
	m->live_bytes = 0;
	kv_rng_seed(&m->rng, 0x7265666d6170ULL);
	return m;
}

static void free_node(struct tu_refmap_node *n)
{
	kv_free(KV_MEM_OTHER, n->val, n->val_len);
	kv_free(KV_MEM_OTHER, n, sizeof(*n) + n->key_len);
}

void tu_refmap_free(struct tu_refmap *map)
{
	struct tu_refmap_node *n;

	if (!map)
		return;
	assert_true(refmap_check(map));
	/* Iterative teardown by rotating left children away (no recursion). */
	n = map->root;
	while (n) {
		if (n->left) {
			struct tu_refmap_node *l = n->left;
			n->left = l->right;
			l->right = n;
			n = l;
		} else {
			struct tu_refmap_node *r = n->right;
			free_node(n);
			n = r;
		}
	}
	kv_free(KV_MEM_OTHER, map, sizeof(*map));
}

static char *copy_bytes(struct kv_slice s)
{
	char *p = must_alloc(s.len);

	if (s.len)
		memcpy(p, s.data, s.len);
	return p;
}

/* Split t into keys < k (*lo) and keys >= k (*hi). */
static void split(struct tu_refmap_node *t, struct kv_slice k, struct tu_refmap_node **lo,
		  struct tu_refmap_node **hi)
{
	while (t) {
		if (kv_slice_cmp(node_key(t), k) < 0) {
			*lo = t;
			lo = &t->right;
			t = t->right;
		} else {
			*hi = t;
			hi = &t->left;
			t = t->left;
		}
	}
	*lo = NULL;
	*hi = NULL;
}

/* Join a and b where every key of a < every key of b. */
static struct tu_refmap_node *join(struct tu_refmap_node *a, struct tu_refmap_node *b)
{
	struct tu_refmap_node *root = NULL, **link = &root;

	while (a && b) {
		if (a->prio >= b->prio) {
			*link = a;
			link = &a->right;
			a = a->right;
		} else {
			*link = b;
			link = &b->left;
			b = b->left;
		}
	}
	*link = a ? a : b;
	return root;
}

static struct tu_refmap_node *find(const struct tu_refmap *map, struct kv_slice k)
{
	struct tu_refmap_node *n = map->root;

	while (n) {
		int c = kv_slice_cmp(k, node_key(n));
		if (c == 0)
			return n;
		n = c < 0 ? n->left : n->right;
	}
	return NULL;
}

void tu_refmap_put(struct tu_refmap *map, struct kv_slice k, struct kv_slice v)
{
	struct tu_refmap_node *n = find(map, k), **link;

	if (n) {
		char *nv = copy_bytes(v);
		map->live_bytes = map->live_bytes - n->val_len + v.len;
		kv_free(KV_MEM_OTHER, n->val, n->val_len);
		n->val = nv;
		n->val_len = v.len;
		assert_true(refmap_check(map));
		return;
	}
	n = must_alloc(sizeof(*n) + k.len);
	if (k.len)
		memcpy(n->key, k.data, k.len);
	n->key_len = k.len;
	n->val = copy_bytes(v);
	n->val_len = v.len;
	n->prio = kv_rng_next(&map->rng);
	/* Descend to where n's priority belongs, then split that subtree. */
	link = &map->root;
	while (*link && (*link)->prio >= n->prio)
		link = kv_slice_cmp(k, node_key(*link)) < 0 ? &(*link)->left : &(*link)->right;
	split(*link, k, &n->left, &n->right);
	*link = n;
	map->count++;
	map->live_bytes += k.len + v.len;
	assert_true(refmap_check(map));
}

bool tu_refmap_del(struct tu_refmap *map, struct kv_slice k)
{
	struct tu_refmap_node **link = &map->root, *n;

	while (*link) {
		int c = kv_slice_cmp(k, node_key(*link));
		if (c == 0)
			break;
		link = c < 0 ? &(*link)->left : &(*link)->right;
	}
	n = *link;
	if (!n)
		return false;
	*link = join(n->left, n->right);
	map->count--;
	map->live_bytes -= n->key_len + n->val_len;
	free_node(n);
	assert_true(refmap_check(map));
	return true;
}

bool tu_refmap_get(const struct tu_refmap *map, struct kv_slice k, struct kv_slice *v)
{
	const struct tu_refmap_node *n = find(map, k);

	if (!n)
		return false;
	if (v)
		*v = kv_slice_make(n->val, n->val_len);
	return true;
}

size_t tu_refmap_count(const struct tu_refmap *map)
{
	return map->count;
}

uint64_t tu_refmap_live_bytes(const struct tu_refmap *map)
{
	return map->live_bytes;
}

/* The node with the smallest key >= lo (strict: > lo). */
static const struct tu_refmap_node *lower_bound(const struct tu_refmap *map, struct kv_slice lo,
						 bool strict)
{
	const struct tu_refmap_node *n = map->root, *best = NULL;

	while (n) {
		int c = kv_slice_cmp(node_key(n), lo);
		if (c > 0 || (c == 0 && !strict)) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

void tu_refmap_seek(const struct tu_refmap *map, struct kv_slice lo,
		    struct tu_refmap_cursor *cur)
{
	cur->map = map;
	cur->node = lower_bound(map, lo, false);
}

bool tu_refmap_cursor_valid(const struct tu_refmap_cursor *cur)
{
	return cur->node != NULL;
}

void tu_refmap_cursor_next(struct tu_refmap_cursor *cur)
{
	assert_non_null(cur->node);
	cur->node = lower_bound(cur->map, node_key(cur->node), true);
}

struct kv_slice tu_refmap_cursor_key(const struct tu_refmap_cursor *cur)
{
	assert_non_null(cur->node);
	return node_key(cur->node);
}

struct kv_slice tu_refmap_cursor_value(const struct tu_refmap_cursor *cur)
{
	assert_non_null(cur->node);
	return kv_slice_make(cur->node->val, cur->node->val_len);
}

/* -------------------------------------------------------- array iterator */

struct array_iter {
	struct kv_iter base;
	const struct tu_entry *e;
	size_t n;
	size_t pos; /* n: not valid */
	long fail_after;
	int status;
};

static void array_set_pos(struct array_iter *a, size_t pos)
{
	if (a->status != KV_OK) {
		a->pos = a->n;
		return;
	}
	if (a->fail_after >= 0 && pos < a->n && pos >= (size_t)a->fail_after) {
		a->status = KV_EIO;
		a->pos = a->n;
		return;
	}
	a->pos = pos;
}

static void array_seek_first(struct kv_iter *it)
{
	array_set_pos((struct array_iter *)it, 0);
}

static void array_seek(struct kv_iter *it, struct kv_slice target)
{
	struct array_iter *a = (struct array_iter *)it;
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (kv_slice_cmp(a->e[mid].key, target) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	array_set_pos(a, lo);
}

static bool array_valid(const struct kv_iter *it)
{
	const struct array_iter *a = (const struct array_iter *)it;

	return a->status == KV_OK && a->pos < a->n;
}

static void array_next(struct kv_iter *it)
{
	struct array_iter *a = (struct array_iter *)it;

	assert_true(array_valid(it));
	array_set_pos(a, a->pos + 1);
}

static struct kv_slice array_key(const struct kv_iter *it)
{
	const struct array_iter *a = (const struct array_iter *)it;

	assert_true(array_valid(it));
	return a->e[a->pos].key;
}

static struct kv_slice array_value(const struct kv_iter *it)
{
	const struct array_iter *a = (const struct array_iter *)it;

	assert_true(array_valid(it));
	return a->e[a->pos].value;
}

static void array_meta(const struct kv_iter *it, struct kv_entry_meta *m)
{
	const struct array_iter *a = (const struct array_iter *)it;

	assert_true(array_valid(it));
	m->seq = a->e[a->pos].seq;
	m->ts_ns = 0;
	m->kind = a->e[a->pos].kind;
}

static int array_status(const struct kv_iter *it)
{
	return ((const struct array_iter *)it)->status;
}

static const char *array_errmsg(const struct kv_iter *it)
{
	return array_status(it) == KV_OK ? NULL : "tu_array_iter: injected error";
}

static void array_close(struct kv_iter *it)
{
	kv_free(KV_MEM_OTHER, it, sizeof(struct array_iter));
}

static const struct kv_iter_ops array_iter_ops = {
	.name = "tu_array",
	.seek_first = array_seek_first,
	.seek = array_seek,
	.valid = array_valid,
	.next = array_next,
	.key = array_key,
	.value = array_value,
	.status = array_status,
	.close = array_close,
	.meta = array_meta,
	.errmsg = array_errmsg,
};

struct kv_iter *tu_array_iter_new(const struct tu_entry *entries, size_t n, long fail_after)
{
	struct array_iter *a = kv_malloc(KV_MEM_OTHER, sizeof(*a));

	if (!a)
		return NULL;
	a->base.ops = &array_iter_ops;
	a->e = entries;
	a->n = n;
	a->pos = n;
	a->fail_after = fail_after;
	a->status = KV_OK;
	return &a->base;
}

void tu_remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			tu_remove_tree(path);
		else
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

#define TU_TMPDIR_TEMPLATE "/tmp/lsmlab-test-XXXXXX"

char tu_tmpdir[sizeof(TU_TMPDIR_TEMPLATE)];

int tu_tmpdir_setup(void **state)
{
	(void)state;
	memcpy(tu_tmpdir, TU_TMPDIR_TEMPLATE, sizeof(TU_TMPDIR_TEMPLATE));
	return mkdtemp(tu_tmpdir) ? 0 : -1;
}

int tu_tmpdir_teardown(void **state)
{
	(void)state;
	tu_remove_tree(tu_tmpdir);
	return 0;
}

int tu_flip_bit(struct kv_device *dev, const char *name, enum kv_file_kind kind, uint64_t off)
{
	struct kv_file *f;
	char b;
	int r = kv_dev_open_file(dev, name, kind, &f);

	if (r != KV_OK)
		return r;
	r = kv_dev_read(f, off, &b, 1);
	if (r == KV_OK) {
		b ^= 0x01;
		r = kv_dev_write(f, off, &b, 1);
	}
	kv_dev_close_file(f);
	return r;
}
