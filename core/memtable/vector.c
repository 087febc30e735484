/*
 * core/memtable/vector.c - the vector memtable kind (see vector.h).
 *
 * Invariants:
 *  1. v[0..n) are the entries in put order, seqs strictly ascending; an
 *     entry has ENTRY_SUPERSEDED iff a later entry has the same key.
 *  2. The index (nslots, a power of two) holds one slot per distinct key:
 *     {hash, pos} with v[pos] the newest (non-superseded) entry of the key;
 *     empty slots have pos == EMPTY; probing is linear from hash & mask;
 *     count * 4 <= nslots * 3.
 *  3. count, base.key_bytes and base.value_bytes are the number of
 *     non-superseded entries and the sums of their key and value lengths;
 *     garbage_bytes sums the arena bytes of the superseded ones.
 *  4. Entries are never modified after being appended, except for setting
 *     ENTRY_SUPERSEDED (not read by iterators), so snapshots stay exact.
 */
#include "core/memtable/vector.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/memtable/arena.h"
#include "core/memtable/kind.h"
#include "core/memtable/snapshot.h"
#include "core/options.h"

#define ENTRY_SUPERSEDED 0x01u
#define EMPTY UINT32_MAX
#define MAX_VERSIONS ((size_t)UINT32_MAX - 1)

enum { GET_SCAN = 0, GET_INDEX = 1 };

static const char *const get_choices[] = { "scan", "index", NULL };

struct vec_options {
	int get_mode;
	int64_t reserve;
	uint64_t arena_block_bytes;
};

struct slot {
	uint32_t hash;
	uint32_t pos;
};

struct vec_mt {
	struct kv_memtable base;
	struct kv_arena arena;
	struct kv_mt_entry **v;
	size_t n, cap;
	struct slot *slots;
	size_t nslots;
	size_t count;
	size_t garbage_bytes;
	int get_mode;
	struct kv_mt_snapcache cache;
};

static const struct kv_option vec_option_table[] = {
	{
		.name = "vector_get",
		.type = KV_OPT_ENUM,
		.def = "scan",
		.unit = "",
		.doc = "vector memtable point gets: scan (backwards, O(n), RocksDB) or index "
		       "(the key index, O(1))",
		.choices = get_choices,
		.offset = offsetof(struct vec_options, get_mode),
	},
	{
		.name = "vector_reserve",
		.type = KV_OPT_INT,
		.def = "0",
		.min = 0,
		.max = (double)((int64_t)1 << 30),
		.unit = "entries",
		.doc = "initial vector memtable array slots (0: write_buffer_size/256); grows "
		       "by doubling",
		.offset = offsetof(struct vec_options, reserve),
	},
	KV_MT_ARENA_OPTION(offsetof(struct vec_options, arena_block_bytes)),
	{ .name = NULL },
};

static struct vec_mt *to_v(const struct kv_memtable *mt)
{
	return kv_mt_self(mt, &kv_vector_memtable_ops);
}

/* Cheap invariants (O(1)). */
static bool vec_check(const struct vec_mt *vm)
{
	if (!vm->v || vm->n > vm->cap || vm->count > vm->n)
		return false;
	if (!vm->slots || (vm->nslots & (vm->nslots - 1)) != 0)
		return false;
	if (vm->count * 4 > vm->nslots * 3)
		return false;
	return vm->garbage_bytes <= kv_arena_bytes_used(&vm->arena);
}

static struct slot *slots_new(size_t n)
{
	struct slot *s = kv_malloc(KV_MEM_MEMTABLE, n * sizeof(*s));

	if (s) {
		for (size_t i = 0; i < n; i++)
			s[i].pos = EMPTY;
	}
	return s;
}

static int vec_init(struct kv_memtable *mt, const struct kv_config *cfg, struct kv_err *err)
{
	struct vec_mt *vm = to_v(mt);
	struct vec_options o;
	size_t cap;
	int rc;

	rc = kv_options_load(vec_option_table, cfg, &o, err);
	if (rc != KV_OK)
		goto out_err;
	cap = (size_t)o.reserve;
	if (o.reserve <= 0) {
		rc = kv_mt_auto_slots(cfg, "vector_reserve", &cap, err);
		if (rc != KV_OK)
			goto out_err;
	}
	vm->v = kv_malloc(KV_MEM_MEMTABLE, cap * sizeof(*vm->v));
	if (!vm->v)
		return kv_err_set(err, KV_ENOMEM,
				  "memtable vector: out of memory for %zu array slots", cap);
	vm->nslots = kv_mt_pow2_at_least(cap + cap / 3 + 1);
	vm->slots = slots_new(vm->nslots);
	if (!vm->slots) {
		kv_free(KV_MEM_MEMTABLE, vm->v, cap * sizeof(*vm->v));
		return kv_err_set(err, KV_ENOMEM,
				  "memtable vector: out of memory for %zu index slots", vm->nslots);
	}
	vm->cap = cap;
	vm->n = 0;
	vm->count = 0;
	vm->garbage_bytes = 0;
	vm->get_mode = o.get_mode;
	kv_arena_init(&vm->arena, (size_t)o.arena_block_bytes);
	kv_mt_snapcache_init(&vm->cache);
	mt->key_bytes = 0;
	mt->value_bytes = 0;
	assert(vec_check(vm));
	return KV_OK;

out_err:
	kv_err_prefix(err, "memtable vector");
	return rc;
}

static void vec_destroy(struct kv_memtable *mt)
{
	struct vec_mt *vm = to_v(mt);

	assert(vec_check(vm));
	kv_mt_snapcache_destroy(&vm->cache);
	kv_arena_destroy(&vm->arena);
	kv_free(KV_MEM_MEMTABLE, vm->v, vm->cap * sizeof(*vm->v));
	kv_free(KV_MEM_MEMTABLE, vm->slots, vm->nslots * sizeof(*vm->slots));
	vm->v = NULL;
	vm->slots = NULL;
}

/* The index slot of the key, or of the empty slot where it would go. */
static struct slot *index_find(const struct vec_mt *vm, uint32_t hv, const char *k, size_t len)
{
	size_t mask = vm->nslots - 1;

	for (size_t i = hv & mask;; i = (i + 1) & mask) {
		struct slot *s = &vm->slots[i];

		if (s->pos == EMPTY)
			return s;
		if (s->hash == hv && kv_mt_entry_is(vm->v[s->pos], hv, k, len))
			return s;
	}
}

static int index_grow(struct vec_mt *vm)
{
	size_t nn = vm->nslots * 2, mask = nn - 1;
	struct slot *ns = slots_new(nn);

	if (!ns)
		return KV_ENOMEM;
	for (size_t i = 0; i < vm->nslots; i++) {
		size_t j;

		if (vm->slots[i].pos == EMPTY)
			continue;
		for (j = vm->slots[i].hash & mask; ns[j].pos != EMPTY; j = (j + 1) & mask)
			;
		ns[j] = vm->slots[i];
	}
	kv_free(KV_MEM_MEMTABLE, vm->slots, vm->nslots * sizeof(*vm->slots));
	vm->slots = ns;
	vm->nslots = nn;
	return KV_OK;
}

static int vec_put(struct kv_memtable *mt, struct kv_slice key, struct kv_slice value,
		   const struct kv_entry_meta *meta)
{
	struct vec_mt *vm = to_v(mt);
	struct kv_mt_entry *e, *old = NULL;
	struct slot *s;
	uint32_t hv;
	int rc = KV_OK;

	assert(vec_check(vm));
	assert(meta->kind == KV_KIND_PUT || meta->kind == KV_KIND_DELETE);
	if (key.len > UINT16_MAX || value.len > UINT32_MAX)
		return KV_EINVAL;
	if (vm->n >= MAX_VERSIONS)
		return KV_ENOSPC;
	hv = kv_mt_key_hash(key.data, key.len);
	s = index_find(vm, hv, key.data, key.len);
	if (s->pos != EMPTY) {
		old = vm->v[s->pos];
		if (meta->seq <= old->seq)
			goto out; /* the stored entry is newer (contract 1) */
	}
	/* Make room first: a failure leaves the table as it was. */
	if (vm->n == vm->cap) {
		size_t nc = vm->cap * 2;
		struct kv_mt_entry **nv = kv_realloc(KV_MEM_MEMTABLE, vm->v,
						     vm->cap * sizeof(*nv), nc * sizeof(*nv));

		if (!nv) {
			rc = KV_ENOMEM;
			goto out;
		}
		vm->v = nv;
		vm->cap = nc;
	}
	if (!old && (vm->count + 1) * 4 > vm->nslots * 3) {
		rc = index_grow(vm);
		if (rc != KV_OK)
			goto out;
		s = index_find(vm, hv, key.data, key.len);
	}
	e = kv_arena_alloc(&vm->arena, kv_mt_entry_bytes(key.len, value.len),
			   _Alignof(struct kv_mt_entry));
	if (!e) {
		rc = KV_ENOMEM;
		goto out;
	}
	kv_mt_entry_init(e, hv, key, value, meta);
	vm->v[vm->n] = e;
	if (old) {
		old->flags |= ENTRY_SUPERSEDED;
		vm->garbage_bytes += kv_mt_entry_bytes(old->key_len, old->value_cap);
		mt->value_bytes = mt->value_bytes - old->value_len + value.len;
	} else {
		s->hash = hv;
		vm->count++;
		mt->key_bytes += key.len;
		mt->value_bytes += value.len;
	}
	s->pos = (uint32_t)vm->n;
	vm->n++;
	kv_mt_snapcache_invalidate(&vm->cache);
out:
	assert(vec_check(vm));
	return rc;
}

static int vec_get(struct kv_memtable *mt, struct kv_slice key, struct kv_slice *value,
		   struct kv_entry_meta *meta)
{
	const struct vec_mt *vm = to_v(mt);
	uint32_t hv = kv_mt_key_hash(key.data, key.len);
	const struct kv_mt_entry *e = NULL;

	if (vm->get_mode == GET_INDEX) {
		const struct slot *s = index_find(vm, hv, key.data, key.len);

		if (s->pos != EMPTY)
			e = vm->v[s->pos];
	} else {
		for (size_t i = vm->n; i-- > 0;) {
			if (kv_mt_entry_is(vm->v[i], hv, key.data, key.len)) {
				e = vm->v[i];
				break;
			}
		}
	}
	if (!e)
		return KV_NOTFOUND;
	if (value)
		*value = kv_mt_entry_value(e);
	if (meta)
		kv_mt_entry_meta(e, meta);
	return KV_OK;
}

static size_t vec_approx_bytes(const struct kv_memtable *mt)
{
	const struct vec_mt *vm = to_v(mt);

	return sizeof(*vm) + kv_arena_bytes_reserved(&vm->arena) + vm->cap * sizeof(*vm->v) +
	       vm->nslots * sizeof(*vm->slots) + kv_mt_snapcache_bytes(&vm->cache);
}

static size_t vec_count(const struct kv_memtable *mt)
{
	return to_v(mt)->count;
}

static void vec_fill(void *ctx, const struct kv_mt_entry **out, size_t n)
{
	const struct vec_mt *vm = ctx;
	size_t k = 0;

	for (size_t i = 0; i < vm->n; i++) {
		if (!(vm->v[i]->flags & ENTRY_SUPERSEDED))
			out[k++] = vm->v[i];
	}
	assert(k == n);
	(void)n;
}

static struct kv_iter *vec_iter(struct kv_memtable *mt)
{
	struct vec_mt *vm = to_v(mt);

	return kv_mt_snapcache_iter(&vm->cache, vm->count, vec_fill, vm);
}

void kv_vector_stats(const struct kv_memtable *mt, struct kv_vector_stats *st)
{
	const struct vec_mt *vm = to_v(mt);

	memset(st, 0, sizeof(*st));
	st->keys = vm->count;
	st->versions = vm->n;
	st->array_slots = vm->cap;
	st->index_slots = vm->nslots;
	st->garbage_bytes = vm->garbage_bytes;
	st->snapshot_builds = (size_t)vm->cache.builds;
}

bool kv_vector_verify(const struct kv_memtable *mt)
{
	const struct vec_mt *vm = to_v(mt);
	uint64_t key_bytes = 0, value_bytes = 0;
	size_t live = 0, indexed = 0, garbage = 0;

	if (!vec_check(vm) || !kv_arena_verify(&vm->arena))
		return false;
	for (size_t i = 0; i < vm->n; i++) {
		const struct kv_mt_entry *e = vm->v[i];
		const struct slot *s = index_find(vm, e->hash, e->key, e->key_len);

		if (i > 0 && vm->v[i - 1]->seq >= e->seq)
			return false;
		if (e->hash != kv_mt_key_hash(e->key, e->key_len) || e->value_len > e->value_cap)
			return false;
		if (s->pos == EMPTY || s->hash != e->hash)
			return false;
		if (e->flags & ENTRY_SUPERSEDED) {
			if (s->pos <= i)
				return false;
			garbage += kv_mt_entry_bytes(e->key_len, e->value_cap);
			continue;
		}
		if (s->pos != i)
			return false;
		live++;
		key_bytes += e->key_len;
		value_bytes += e->value_len;
	}
	for (size_t i = 0; i < vm->nslots; i++)
		indexed += vm->slots[i].pos != EMPTY;
	if (live != vm->count || indexed != vm->count || garbage != vm->garbage_bytes)
		return false;
	return key_bytes == mt->key_bytes && value_bytes == mt->value_bytes;
}

const struct kv_memtable_ops kv_vector_memtable_ops = {
	.name = "vector",
	.version = 1,
	.instance_size = sizeof(struct vec_mt),
	.doc = "append-only vector (RocksDB bulk-load memtable): O(1) put, O(n) get "
	       "(vector_get=scan), sorted once per iterator",
	.options = vec_option_table,
	.init = vec_init,
	.destroy = vec_destroy,
	.put = vec_put,
	.get = vec_get,
	.iter = vec_iter,
	.approx_bytes = vec_approx_bytes,
	.count = vec_count,
};
