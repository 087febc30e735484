/*
 * core/lsm/lsm_iter.c - iterators of the LSM engine:
 *  - the run iterator: a concatenation of disjoint sorted files, opening
 *    one table iterator at a time (used for scans and compaction inputs);
 *  - the scan iterator: the merge of the memtable and every run, with
 *    older versions, tombstones, expired entries and out-of-range keys
 *    filtered out.
 * Both hold references on what they read (files, the memtables), so a
 * flush or compaction while they are open cannot free it. A scan is
 * created with the engine's mu held and closes its children under mu
 * (memtable iterators share the memtables' snapshot caches with the
 * background flush); in between it reads without the lock.
 */
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/lsm_impl.h"

struct run_iter {
	struct kv_iter base;
	struct lsm *db;
	struct kv_lsm_file **files;
	size_t n;
	size_t cur;
	struct kv_iter *it;
	bool fill_cache;
	int status;
	struct kv_err err;
};

static void ri_set_error(struct run_iter *ri, int code, const char *msg)
{
	if (ri->status == KV_OK) {
		ri->status = code;
		kv_err_set(&ri->err, code, "%s", msg);
	}
}

static void ri_open(struct run_iter *ri, size_t i)
{
	kv_iter_close(ri->it);
	ri->it = NULL;
	ri->cur = i;
	if (i >= ri->n)
		return;
	ri->it = kv_sst_iter(ri->files[i]->sst, ri->fill_cache);
	if (!ri->it)
		ri_set_error(ri, KV_ENOMEM, "run iterator: out of memory");
}

static void ri_skip_empty(struct run_iter *ri)
{
	while (ri->it && !kv_iter_valid(ri->it)) {
		int st = kv_iter_status(ri->it);
		if (st != KV_OK) {
			ri_set_error(ri, st, kv_iter_errmsg(ri->it));
			return;
		}
		ri_open(ri, ri->cur + 1);
		if (ri->it)
			kv_iter_seek_first(ri->it);
	}
}

static void ri_seek_first(struct kv_iter *it)
{
	struct run_iter *ri = (struct run_iter *)it;
	if (ri->status != KV_OK)
		return;
	ri_open(ri, 0);
	if (ri->it)
		kv_iter_seek_first(ri->it);
	ri_skip_empty(ri);
}

static void ri_seek(struct kv_iter *it, struct kv_slice target)
{
	struct run_iter *ri = (struct run_iter *)it;
	size_t lo = 0, hi = ri->n;

	if (ri->status != KV_OK)
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (kv_slice_cmp(ri->files[mid]->meta.largest, target) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	ri_open(ri, lo);
	if (ri->it)
		kv_iter_seek(ri->it, target);
	ri_skip_empty(ri);
}

static bool ri_valid(const struct kv_iter *it)
{
	const struct run_iter *ri = (const struct run_iter *)it;
	return ri->status == KV_OK && ri->it && kv_iter_valid(ri->it);
}

static void ri_next(struct kv_iter *it)
{
	struct run_iter *ri = (struct run_iter *)it;
	kv_iter_next(ri->it);
	ri_skip_empty(ri);
}

static struct kv_slice ri_key(const struct kv_iter *it)
{
	return kv_iter_key(((const struct run_iter *)it)->it);
}

static struct kv_slice ri_value(const struct kv_iter *it)
{
	return kv_iter_value(((const struct run_iter *)it)->it);
}

static void ri_meta(const struct kv_iter *it, struct kv_entry_meta *m)
{
	kv_iter_meta(((const struct run_iter *)it)->it, m);
}

static int ri_status(const struct kv_iter *it)
{
	return ((const struct run_iter *)it)->status;
}

static const char *ri_errmsg(const struct kv_iter *it)
{
	return kv_err_msg(&((const struct run_iter *)it)->err);
}

static void ri_close(struct kv_iter *it)
{
	struct run_iter *ri = (struct run_iter *)it;

	kv_iter_close(ri->it);
	for (size_t i = 0; i < ri->n; i++)
		kv_lsm_file_unref(ri->files[i], lsm_release_file, ri->db);
	kv_free(KV_MEM_OTHER, ri->files, ri->n * sizeof(*ri->files));
	kv_free(KV_MEM_OTHER, ri, sizeof(*ri));
}

static const struct kv_iter_ops run_iter_ops = {
	.name = "lsm_run",
	.seek_first = ri_seek_first,
	.seek = ri_seek,
	.valid = ri_valid,
	.next = ri_next,
	.key = ri_key,
	.value = ri_value,
	.status = ri_status,
	.close = ri_close,
	.meta = ri_meta,
	.errmsg = ri_errmsg,
};

struct kv_iter *lsm_run_iter_new(struct lsm *db, struct kv_lsm_file *const *files, size_t n,
				 bool fill_cache)
{
	struct run_iter *ri = kv_calloc(KV_MEM_OTHER, sizeof(*ri));

	if (!ri)
		return NULL;
	ri->files = kv_malloc(KV_MEM_OTHER, n * sizeof(*ri->files) + 1);
	if (!ri->files) {
		kv_free(KV_MEM_OTHER, ri, sizeof(*ri));
		return NULL;
	}
	ri->base.ops = &run_iter_ops;
	ri->db = db;
	ri->n = n;
	ri->cur = n;
	ri->fill_cache = fill_cache;
	for (size_t i = 0; i < n; i++) {
		ri->files[i] = files[i];
		kv_lsm_file_ref(files[i]);
	}
	return &ri->base;
}

/* ---- the user-facing scan ---- */

struct scan_iter {
	struct kv_iter base;
	struct lsm *db;
	struct lsm_mem *mem, *imm;
	struct kv_iter *merged;
	struct kv_buf lo, hi, cur;
	bool has_lo, has_hi, valid;
	bool nomem;
	uint64_t now_ns;
};

/* Skip every remaining version of the key in s->cur. */
static void skip_versions(struct scan_iter *s)
{
	struct kv_iter *m = s->merged;
	while (kv_iter_valid(m) && kv_slice_eq(kv_iter_key(m), kv_buf_slice(&s->cur)))
		kv_iter_next(m);
}

/* Advance to the newest version of the next visible key. */
static void find_visible(struct scan_iter *s)
{
	struct kv_iter *m = s->merged;

	s->valid = false;
	while (kv_iter_valid(m)) {
		struct kv_slice k = kv_iter_key(m);
		struct kv_entry_meta meta;
		if (s->has_hi && kv_slice_cmp(k, kv_buf_slice(&s->hi)) >= 0)
			return;
		if (kv_buf_set(&s->cur, k.data, k.len) != KV_OK) {
			s->nomem = true;
			return;
		}
		kv_iter_meta(m, &meta);
		if (meta.kind == KV_KIND_PUT && !lsm_expired(s->db, meta.ts_ns, s->now_ns)) {
			s->valid = true;
			return;
		}
		skip_versions(s);
	}
}

static void sc_seek(struct kv_iter *it, struct kv_slice target)
{
	struct scan_iter *s = (struct scan_iter *)it;
	if (s->has_lo && kv_slice_cmp(target, kv_buf_slice(&s->lo)) < 0)
		target = kv_buf_slice(&s->lo);
	kv_iter_seek(s->merged, target);
	find_visible(s);
}

static void sc_seek_first(struct kv_iter *it)
{
	struct scan_iter *s = (struct scan_iter *)it;
	if (s->has_lo)
		kv_iter_seek(s->merged, kv_buf_slice(&s->lo));
	else
		kv_iter_seek_first(s->merged);
	find_visible(s);
}

static bool sc_valid(const struct kv_iter *it)
{
	const struct scan_iter *s = (const struct scan_iter *)it;
	return s->valid && !s->nomem && kv_iter_status(s->merged) == KV_OK;
}

static void sc_next(struct kv_iter *it)
{
	struct scan_iter *s = (struct scan_iter *)it;
	skip_versions(s);
	find_visible(s);
}

static struct kv_slice sc_key(const struct kv_iter *it)
{
	return kv_buf_slice(&((const struct scan_iter *)it)->cur);
}

static struct kv_slice sc_value(const struct kv_iter *it)
{
	return kv_iter_value(((const struct scan_iter *)it)->merged);
}

static int sc_status(const struct kv_iter *it)
{
	const struct scan_iter *s = (const struct scan_iter *)it;
	int st = kv_iter_status(s->merged);
	return st == KV_OK && s->nomem ? KV_ENOMEM : st;
}

static const char *sc_errmsg(const struct kv_iter *it)
{
	const struct scan_iter *s = (const struct scan_iter *)it;
	if (kv_iter_status(s->merged) == KV_OK && s->nomem)
		return "scan: out of memory";
	return kv_iter_errmsg(s->merged);
}

static void sc_close(struct kv_iter *it)
{
	struct scan_iter *s = (struct scan_iter *)it;

	pthread_mutex_lock(&s->db->mu);
	kv_iter_close(s->merged);
	pthread_mutex_unlock(&s->db->mu);
	lsm_mem_unref(s->mem);
	lsm_mem_unref(s->imm);
	kv_buf_free(&s->lo);
	kv_buf_free(&s->hi);
	kv_buf_free(&s->cur);
	kv_free(KV_MEM_OTHER, s, sizeof(*s));
}

static const struct kv_iter_ops scan_iter_ops = {
	.name = "lsm_scan",
	.seek_first = sc_seek_first,
	.seek = sc_seek,
	.valid = sc_valid,
	.next = sc_next,
	.key = sc_key,
	.value = sc_value,
	.status = sc_status,
	.close = sc_close,
	.meta = NULL,
	.errmsg = sc_errmsg,
};

int lsm_scan_iter_new(struct lsm *db, struct kv_slice lo, struct kv_slice hi,
		      struct kv_iter **out)
{
	struct kv_version *v = &db->version;
	size_t nchildren = 2, c = 0;
	struct kv_iter **children;
	struct scan_iter *s;
	int r = KV_ENOMEM;

	*out = NULL;
	for (int l = 0; l < v->nlevels; l++)
		nchildren += v->levels[l].nruns;
	children = kv_calloc(KV_MEM_OTHER, nchildren * sizeof(*children));
	s = kv_calloc(KV_MEM_OTHER, sizeof(*s));
	if (!children || !s)
		goto out_free;
	s->base.ops = &scan_iter_ops;
	s->db = db;
	s->lo.component = s->hi.component = s->cur.component = KV_MEM_OTHER;
	s->now_ns = kv_dev_now_ns(db->dev);
	if (lo.data) {
		s->has_lo = true;
		if (kv_buf_set(&s->lo, lo.data, lo.len) != KV_OK)
			goto out_free;
	}
	if (hi.data) {
		s->has_hi = true;
		if (kv_buf_set(&s->hi, hi.data, hi.len) != KV_OK)
			goto out_free;
	}
	/* Children in read order: memtable, imm, then every run newest first. */
	children[c] = kv_memtable_iter(db->mem->mt);
	if (!children[c])
		goto out_free;
	c++;
	if (db->imm) {
		children[c] = kv_memtable_iter(db->imm->mt);
		if (!children[c])
			goto out_free;
		c++;
	}
	for (int l = 0; l < v->nlevels; l++)
		for (size_t ri = 0; ri < v->levels[l].nruns; ri++) {
			const struct kv_lsm_run *run = &v->levels[l].runs[ri];
			children[c] = lsm_run_iter_new(db, run->files, run->nfiles, true);
			if (!children[c])
				goto out_free;
			c++;
		}
	s->merged = kv_merge_iter_new(children, c);
	c = 0;
	if (!s->merged)
		goto out_free;
	s->mem = db->mem;
	atomic_fetch_add_explicit(&db->mem->refs, 1, memory_order_relaxed);
	s->imm = db->imm;
	if (s->imm)
		atomic_fetch_add_explicit(&s->imm->refs, 1, memory_order_relaxed);
	kv_free(KV_MEM_OTHER, children, nchildren * sizeof(*children));
	sc_seek_first(&s->base);
	*out = &s->base;
	return KV_OK;
out_free:
	for (size_t i = 0; i < c; i++)
		kv_iter_close(children[i]);
	kv_free(KV_MEM_OTHER, children, children ? nchildren * sizeof(*children) : 0);
	if (s) {
		kv_buf_free(&s->lo);
		kv_buf_free(&s->hi);
		kv_free(KV_MEM_OTHER, s, sizeof(*s));
	}
	return kv_err_set(&db->base.err, r, "scan: out of memory");
}
