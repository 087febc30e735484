/*
 * core/lsm/version.c - levels, sorted runs and files of the LSM engine.
 * Invariants: see core/lsm/version.h.
 */
#include "core/lsm/version.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "core/alloc.h"

void kv_version_init(struct kv_version *v, int nlevels)
{
	memset(v, 0, sizeof(*v));
	assert(nlevels >= 1 && nlevels <= KV_MAX_LEVELS);
	v->nlevels = nlevels;
}

struct kv_lsm_file *kv_lsm_file_new(const struct kv_file_meta *meta)
{
	struct kv_lsm_file *f = kv_calloc(KV_MEM_TABLE, sizeof(*f));
	size_t n = meta->smallest.len + meta->largest.len;

	if (!f)
		return NULL;
	f->keys_len = n ? n : 1;
	f->keys = kv_malloc(KV_MEM_TABLE, f->keys_len);
	if (!f->keys) {
		kv_free(KV_MEM_TABLE, f, sizeof(*f));
		return NULL;
	}
	atomic_init(&f->refs, 0);
	f->meta = *meta;
	if (meta->smallest.len)
		memcpy(f->keys, meta->smallest.data, meta->smallest.len);
	if (meta->largest.len)
		memcpy(f->keys + meta->smallest.len, meta->largest.data, meta->largest.len);
	f->meta.smallest = kv_slice_make(f->keys, meta->smallest.len);
	f->meta.largest = kv_slice_make(f->keys + meta->smallest.len, meta->largest.len);
	f->meta.being_compacted = false;
	return f;
}

void kv_lsm_file_free(struct kv_lsm_file *f)
{
	if (!f)
		return;
	kv_free(KV_MEM_TABLE, f->keys, f->keys_len);
	kv_free(KV_MEM_TABLE, f, sizeof(*f));
}

void kv_lsm_file_ref(struct kv_lsm_file *f)
{
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void kv_lsm_file_unref(struct kv_lsm_file *f, kv_lsm_file_release_fn release, void *ud)
{
	/* acq_rel: whatever a holder did before dropping its reference
	   (e.g. setting obsolete) happens before the release. */
	int old = atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel);

	assert(old > 0);
	if (old == 1)
		release(ud, f);
}

void kv_version_destroy(struct kv_version *v, kv_lsm_file_release_fn release, void *ud)
{
	for (int l = 0; l < v->nlevels; l++) {
		struct kv_lsm_level *lv = &v->levels[l];
		for (size_t r = 0; r < lv->nruns; r++) {
			struct kv_lsm_run *run = &lv->runs[r];
			for (size_t i = 0; i < run->nfiles; i++)
				kv_lsm_file_unref(run->files[i], release, ud);
			kv_free(KV_MEM_TABLE, run->files, run->cap * sizeof(*run->files));
		}
		kv_free(KV_MEM_TABLE, lv->runs, lv->cap * sizeof(*lv->runs));
	}
	kv_free(KV_MEM_TABLE, v->view_runs, v->view_runs_cap * sizeof(*v->view_runs));
	kv_free(KV_MEM_TABLE, v->view_files, v->view_files_cap * sizeof(*v->view_files));
	memset(v, 0, sizeof(*v));
}

/* Position of the first file in @run whose largest key is >= @key. */
static size_t run_lower_bound(const struct kv_lsm_run *run, struct kv_slice key)
{
	size_t lo = 0, hi = run->nfiles;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (kv_slice_cmp(run->files[mid]->meta.largest, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

long kv_run_find(const struct kv_lsm_run *run, struct kv_slice key)
{
	size_t i = run_lower_bound(run, key);
	if (i < run->nfiles && kv_slice_cmp(run->files[i]->meta.smallest, key) <= 0)
		return (long)i;
	return -1;
}

static struct kv_lsm_run *level_get_run(struct kv_lsm_level *lv, uint64_t id, bool create)
{
	size_t pos = 0;
	while (pos < lv->nruns && lv->runs[pos].id > id)
		pos++;
	if (pos < lv->nruns && lv->runs[pos].id == id)
		return &lv->runs[pos];
	if (!create)
		return NULL;
	if (lv->nruns == lv->cap) {
		size_t ncap = lv->cap ? 2 * lv->cap : 8;
		struct kv_lsm_run *n = kv_realloc(KV_MEM_TABLE, lv->runs,
						  lv->cap * sizeof(*n), ncap * sizeof(*n));
		if (!n)
			return NULL;
		lv->runs = n;
		lv->cap = ncap;
	}
	memmove(&lv->runs[pos + 1], &lv->runs[pos], (lv->nruns - pos) * sizeof(*lv->runs));
	memset(&lv->runs[pos], 0, sizeof(lv->runs[pos]));
	lv->runs[pos].id = id;
	lv->nruns++;
	return &lv->runs[pos];
}

static void level_drop_run(struct kv_lsm_level *lv, struct kv_lsm_run *run)
{
	size_t pos = (size_t)(run - lv->runs);
	kv_free(KV_MEM_TABLE, run->files, run->cap * sizeof(*run->files));
	memmove(&lv->runs[pos], &lv->runs[pos + 1], (lv->nruns - pos - 1) * sizeof(*lv->runs));
	lv->nruns--;
}

struct kv_lsm_file *kv_version_find(const struct kv_version *v, uint64_t id, int *level)
{
	for (int l = 0; l < v->nlevels; l++) {
		const struct kv_lsm_level *lv = &v->levels[l];
		for (size_t r = 0; r < lv->nruns; r++)
			for (size_t i = 0; i < lv->runs[r].nfiles; i++)
				if (lv->runs[r].files[i]->meta.id == id) {
					if (level)
						*level = l;
					return lv->runs[r].files[i];
				}
	}
	return NULL;
}

int kv_version_add(struct kv_version *v, int level, struct kv_lsm_file *f,
		   struct kv_err *err)
{
	struct kv_lsm_run *run;
	size_t pos;
	bool new_run;

	if (level < 0 || level >= v->nlevels)
		return kv_err_set(err, KV_EINVAL, "file %06" PRIu64 ": level %d outside 0..%d",
				  f->meta.id, level, v->nlevels - 1);
	if (kv_slice_cmp(f->meta.smallest, f->meta.largest) > 0)
		return kv_err_set(err, KV_EINVAL, "file %06" PRIu64 ": smallest key > largest",
				  f->meta.id);
	new_run = level_get_run(&v->levels[level], f->meta.run_id, false) == NULL;
	run = level_get_run(&v->levels[level], f->meta.run_id, true);
	if (!run)
		return kv_err_set(err, KV_ENOMEM, "version: out of memory");
	pos = run_lower_bound(run, f->meta.smallest);
	if ((pos < run->nfiles &&
	     kv_slice_cmp(run->files[pos]->meta.smallest, f->meta.largest) <= 0) ||
	    (pos > 0 && kv_slice_cmp(run->files[pos - 1]->meta.largest, f->meta.smallest) >= 0)) {
		if (new_run)
			level_drop_run(&v->levels[level], run);
		return kv_err_set(err, KV_EINVAL,
				  "file %06" PRIu64 " overlaps another file of run %" PRIu64
				  " at level %d",
				  f->meta.id, f->meta.run_id, level);
	}
	if (run->nfiles == run->cap) {
		size_t ncap = run->cap ? 2 * run->cap : 8;
		struct kv_lsm_file **n = kv_realloc(KV_MEM_TABLE, run->files,
						    run->cap * sizeof(*n), ncap * sizeof(*n));
		if (!n) {
			if (new_run)
				level_drop_run(&v->levels[level], run);
			return kv_err_set(err, KV_ENOMEM, "version: out of memory");
		}
		run->files = n;
		run->cap = ncap;
	}
	memmove(&run->files[pos + 1], &run->files[pos], (run->nfiles - pos) * sizeof(*run->files));
	run->files[pos] = f;
	run->nfiles++;
	run->bytes += f->meta.bytes;
	v->nfiles++;
	v->bytes += f->meta.bytes;
	kv_lsm_file_ref(f);
	return KV_OK;
}

int kv_version_remove(struct kv_version *v, int level, uint64_t id,
		      kv_lsm_file_release_fn release, void *ud)
{
	struct kv_lsm_level *lv;

	if (level < 0 || level >= v->nlevels)
		return KV_NOTFOUND;
	lv = &v->levels[level];
	for (size_t r = 0; r < lv->nruns; r++) {
		struct kv_lsm_run *run = &lv->runs[r];
		for (size_t i = 0; i < run->nfiles; i++) {
			struct kv_lsm_file *f = run->files[i];
			if (f->meta.id != id)
				continue;
			memmove(&run->files[i], &run->files[i + 1],
				(run->nfiles - i - 1) * sizeof(*run->files));
			run->nfiles--;
			run->bytes -= f->meta.bytes;
			v->nfiles--;
			v->bytes -= f->meta.bytes;
			if (run->nfiles == 0)
				level_drop_run(lv, run);
			f->obsolete = true;
			kv_lsm_file_unref(f, release, ud);
			return KV_OK;
		}
	}
	return KV_NOTFOUND;
}

const struct kv_version_view *kv_version_view(struct kv_version *v,
					      struct kv_version_view *view)
{
	size_t nruns = 0, nfiles = 0, ri = 0, fi = 0;

	for (int l = 0; l < v->nlevels; l++) {
		nruns += v->levels[l].nruns;
		for (size_t r = 0; r < v->levels[l].nruns; r++)
			nfiles += v->levels[l].runs[r].nfiles;
	}
	if (nruns > v->view_runs_cap) {
		size_t ncap = nruns * 2;
		struct kv_run *n = kv_realloc(KV_MEM_TABLE, v->view_runs,
					      v->view_runs_cap * sizeof(*n), ncap * sizeof(*n));
		if (!n)
			return NULL;
		v->view_runs = n;
		v->view_runs_cap = ncap;
	}
	if (nfiles > v->view_files_cap) {
		size_t ncap = nfiles * 2;
		const struct kv_file_meta **n =
			kv_realloc(KV_MEM_TABLE, v->view_files, v->view_files_cap * sizeof(*n),
				   ncap * sizeof(*n));
		if (!n)
			return NULL;
		v->view_files = n;
		v->view_files_cap = ncap;
	}
	memset(view, 0, sizeof(*view));
	for (int l = 0; l < v->nlevels; l++) {
		const struct kv_lsm_level *lv = &v->levels[l];
		struct kv_level *vl = &v->view_levels[l];
		vl->runs = v->view_runs + ri;
		vl->nruns = lv->nruns;
		vl->nfiles = 0;
		vl->bytes = 0;
		for (size_t r = 0; r < lv->nruns; r++) {
			const struct kv_lsm_run *run = &lv->runs[r];
			struct kv_run *vr = &v->view_runs[ri++];
			vr->id = run->id;
			vr->files = v->view_files + fi;
			vr->nfiles = run->nfiles;
			vr->bytes = run->bytes;
			for (size_t i = 0; i < run->nfiles; i++)
				v->view_files[fi++] = &run->files[i]->meta;
			vl->nfiles += run->nfiles;
			vl->bytes += run->bytes;
		}
	}
	view->levels = v->view_levels;
	view->nlevels = v->nlevels;
	view->total_bytes = v->bytes;
	return view;
}

int kv_version_snapshot(const struct kv_version *v, struct kv_version_edit *e)
{
	for (int l = 0; l < v->nlevels; l++)
		for (size_t r = 0; r < v->levels[l].nruns; r++)
			for (size_t i = 0; i < v->levels[l].runs[r].nfiles; i++) {
				int rc = kv_edit_add_file(e, l, &v->levels[l].runs[r].files[i]->meta);
				if (rc != KV_OK)
					return rc;
			}
	return KV_OK;
}

int kv_version_check(const struct kv_version *v, struct kv_err *err)
{
	uint64_t nfiles = 0, bytes = 0;

	for (int l = 0; l < v->nlevels; l++) {
		const struct kv_lsm_level *lv = &v->levels[l];
		for (size_t r = 0; r < lv->nruns; r++) {
			const struct kv_lsm_run *run = &lv->runs[r];
			uint64_t rb = 0;
			if (run->nfiles == 0)
				return kv_err_set(err, KV_ECORRUPT, "level %d: empty run", l);
			if (r > 0 && lv->runs[r - 1].id <= run->id)
				return kv_err_set(err, KV_ECORRUPT,
						  "level %d: runs not ordered newest first", l);
			for (size_t i = 0; i < run->nfiles; i++) {
				const struct kv_lsm_file *f = run->files[i];
				rb += f->meta.bytes;
				if (atomic_load_explicit(&f->refs, memory_order_relaxed) < 1 ||
				    f->obsolete)
					return kv_err_set(err, KV_ECORRUPT,
							  "file %06" PRIu64 ": bad reference state",
							  f->meta.id);
				if (f->meta.run_id != run->id)
					return kv_err_set(err, KV_ECORRUPT,
							  "file %06" PRIu64 ": in the wrong run",
							  f->meta.id);
				if (i > 0 && kv_slice_cmp(run->files[i - 1]->meta.largest,
							  f->meta.smallest) >= 0)
					return kv_err_set(err, KV_ECORRUPT,
							  "level %d run %" PRIu64
							  ": files %06" PRIu64 " and %06" PRIu64
							  " overlap or are out of order",
							  l, run->id, run->files[i - 1]->meta.id,
							  f->meta.id);
			}
			if (rb != run->bytes)
				return kv_err_set(err, KV_ECORRUPT, "level %d: run bytes mismatch", l);
			nfiles += run->nfiles;
			bytes += rb;
		}
	}
	if (nfiles != v->nfiles || bytes != v->bytes)
		return kv_err_set(err, KV_ECORRUPT, "version totals mismatch");
	return KV_OK;
}
