/*
 * core/lsm/compaction.c - the job executor: memtable flushes, strategy
 * jobs (merge, trivial move, whole-file deletion), manual full
 * compaction, and the manifest edits that make each of them atomic.
 *
 * Crash safety: every output file is synced before the manifest edit that
 * adds it; input files and old WALs are deleted only after the edit that
 * drops them is durable. Recovery deletes files no edit references.
 *
 * Locking (core/lsm/lsm_impl.h): every job function is entered and left
 * with db->mu held. A flush or merge drops it while it reads its inputs
 * (imm, or files the version keeps alive: only the job runner changes
 * the version) and writes its outputs, and takes it again to install
 * them. Without background jobs nobody else wants the lock, so the same
 * code runs the same I/O in the same order as a single-threaded engine.
 * The end of the file is the background thread.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/block_cache.h"
#include "core/lsm/lsm_impl.h"
#include "core/lsm/output_cut.h"
#include "core/lsm/strategy_util.h"

int lsm_open_table(struct lsm *db, struct kv_lsm_file *f, struct kv_err *err)
{
	char name[64];

	lsm_sst_name(name, sizeof(name), f->meta.id);
	return kv_sst_open(db->dev, name, f->meta.id, db->cache, &f->sst, err);
}

static void fill_edit_header(struct lsm *db, struct kv_version_edit *e)
{
	e->has_next_file_id = true;
	e->next_file_id = db->next_file_id;
	e->has_last_seq = true;
	e->last_seq = db->flushed_seq;
	e->has_log_id = true;
	e->log_id = db->log_id;
}

int lsm_new_manifest(struct lsm *db)
{
	struct kv_version_edit snap;
	struct kv_manifest *m = NULL;
	uint64_t old_id = db->manifest ? kv_manifest_id(db->manifest) : 0;
	uint64_t id = db->next_file_id++;
	char name[64];
	int r;

	kv_edit_init(&snap);
	r = kv_version_snapshot(&db->version, &snap);
	if (r != KV_OK) {
		r = kv_err_set(&db->job_err, r, "manifest snapshot: out of memory");
		goto out_edit;
	}
	fill_edit_header(db, &snap);
	snap.has_nlevels = true;
	snap.nlevels = db->version.nlevels;
	snap.has_strategy = true;
	snprintf(snap.strategy, sizeof(snap.strategy), "%s", db->strategy->ops->name);
	r = kv_manifest_create(db->dev, id, &snap, &m, &db->job_err);
	if (r != KV_OK)
		goto out_edit;
	kv_manifest_close(db->manifest);
	db->manifest = m;
	if (old_id) {
		kv_lsm_file_name(name, sizeof(name), old_id, "MANIFEST");
		kv_dev_remove(db->dev, name);
	}
out_edit:
	kv_edit_free(&snap);
	return r;
}

int lsm_log_edit(struct lsm *db, struct kv_version_edit *e)
{
	int r;

	fill_edit_header(db, e);
	r = kv_manifest_append(db->manifest, e, &db->job_err);
	if (r != KV_OK)
		return lsm_set_bg_error(db, r, &db->job_err);
	if (kv_manifest_bytes(db->manifest) >= db->opts.max_manifest_file_size) {
		/* The edit is durable in the old manifest; a failure to roll
		   over is not fatal for it. */
		if (lsm_new_manifest(db) != KV_OK)
			return lsm_set_bg_error(db, db->job_err.code, &db->job_err);
	}
	return KV_OK;
}

/* ---- output files ---- */

struct outputs {
	struct lsm *db;
	struct kv_sst_writer *w;
	uint64_t cur_id;
	uint64_t target_bytes;  /* finish an output once it holds this much */
	struct kv_out_cut *cut; /* grandparent cutting, or NULL */
	uint64_t run_id;        /* 0: each file is its own run (flush) */
	struct kv_lsm_file **files;
	size_t n, cap;
	uint64_t bytes;
	uint64_t entries;
};

static int out_finish(struct outputs *o)
{
	struct lsm *db = o->db;
	struct kv_sst_props props;
	struct kv_file_meta meta;
	struct kv_lsm_file *f;
	int r;

	if (!o->w)
		return KV_OK;
	memset(&props, 0, sizeof(props));
	r = kv_sst_writer_finish(o->w, &props, &db->job_err);
	o->w = NULL;
	if (r != KV_OK)
		goto out_remove;
	memset(&meta, 0, sizeof(meta));
	meta.id = o->cur_id;
	meta.smallest = kv_buf_slice(&props.smallest);
	meta.largest = kv_buf_slice(&props.largest);
	meta.bytes = props.file_bytes;
	meta.entries = props.entries;
	meta.tombstones = props.tombstones;
	meta.key_bytes = props.key_bytes;
	meta.value_bytes = props.value_bytes;
	meta.min_ts_ns = props.min_ts_ns;
	meta.max_ts_ns = props.max_ts_ns;
	meta.min_seq = props.min_seq;
	meta.max_seq = props.max_seq;
	meta.run_id = o->run_id ? o->run_id : o->cur_id;
	meta.created_ns = kv_dev_now_ns(db->dev);
	f = kv_lsm_file_new(&meta);
	kv_sst_props_free(&props);
	if (!f) {
		r = kv_err_set(&db->job_err, KV_ENOMEM, "compaction: out of memory");
		goto out_remove;
	}
	if (o->n == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 8;
		struct kv_lsm_file **nf = kv_realloc(KV_MEM_COMPACTION, o->files,
						     o->cap * sizeof(*nf), ncap * sizeof(*nf));
		if (!nf) {
			kv_lsm_file_free(f);
			r = kv_err_set(&db->job_err, KV_ENOMEM, "compaction: out of memory");
			goto out_remove;
		}
		o->files = nf;
		o->cap = ncap;
	}
	o->files[o->n++] = f;
	r = lsm_open_table(db, f, &db->job_err);
	if (r != KV_OK)
		return r; /* out_abort removes it with the others */
	o->bytes += meta.bytes;
	return KV_OK;
out_remove: {
	char name[64];
	lsm_sst_name(name, sizeof(name), o->cur_id);
	kv_dev_remove(db->dev, name);
	return r;
}
}

static int out_add(struct outputs *o, struct kv_slice key, struct kv_slice value,
		   const struct kv_entry_meta *m)
{
	struct lsm *db = o->db;
	int r;

	if (o->cut && kv_out_cut_before(o->cut, key, o->w != NULL,
					o->w ? kv_sst_writer_bytes(o->w) : 0)) {
		r = out_finish(o);
		if (r != KV_OK)
			return r;
	}
	if (!o->w) {
		struct kv_sst_writer_opts wo = {
			.block_bytes = (uint32_t)db->opts.block_size,
			.restart_interval = (uint32_t)db->opts.restart_interval,
			.bloom_bits_per_key = (uint32_t)db->opts.bloom_bits_per_key,
		};
		char name[64];
		o->cur_id = db->next_file_id++;
		lsm_sst_name(name, sizeof(name), o->cur_id);
		r = kv_sst_writer_open(db->dev, name, &wo, &o->w, &db->job_err);
		if (r != KV_OK)
			return r;
	}
	r = kv_sst_writer_add(o->w, key, value, m);
	if (r != KV_OK)
		return r;
	o->entries++;
	if (kv_sst_writer_bytes(o->w) >= o->target_bytes)
		return out_finish(o);
	return KV_OK;
}

/*
 * Undo: drop every output written so far. @remove: delete the files too.
 * After a failed manifest append the outcome of the edit is unknown (the
 * record may be durable even though the sync reported an error), so the
 * files are kept: recovery deletes them if no edit references them.
 */
static void out_abort(struct outputs *o, bool remove)
{
	char name[64];

	if (o->w)
		kv_sst_writer_abandon(o->w);
	o->w = NULL;
	for (size_t i = 0; i < o->n; i++) {
		struct kv_lsm_file *f = o->files[i];
		kv_sst_close(f->sst);
		if (remove) {
			lsm_sst_name(name, sizeof(name), f->meta.id);
			kv_dev_remove(o->db->dev, name);
		}
		kv_lsm_file_free(f);
	}
	o->n = 0;
}

static void out_free(struct outputs *o)
{
	kv_free(KV_MEM_COMPACTION, o->files, o->cap * sizeof(*o->files));
}

struct copy_counts {
	uint64_t entries_in;
	uint64_t dropped;
	uint64_t tombstones_dropped;
};

/* Entries a merge copies between two looks at imm_pending. */
#define LSM_FLUSH_CHECK_ENTRIES 1024

/*
 * In a merge, without mu: if a full memtable waits (imm), flush it now
 * rather than after the merge, so writes do not stall for a whole
 * compaction (LevelDB does the same). The new level-0 file is newer than
 * every input and every output, so the merge stays valid.
 */
static int flush_during_merge(struct lsm *db)
{
	int r = KV_OK;

	if (!atomic_load_explicit(&db->imm_pending, memory_order_relaxed))
		return KV_OK;
	pthread_mutex_lock(&db->mu);
	if (db->imm) {
		r = lsm_flush_imm(db);
		pthread_cond_broadcast(&db->done_cv);
	}
	pthread_mutex_unlock(&db->mu);
	return r;
}

/*
 * Copy the newest version of each key from @in to @o, dropping older
 * versions, expired entries, and tombstones when @drop_tombstones. A
 * merge (@merge, run without mu) flushes imm on the way when one waits.
 */
static int copy_entries(struct lsm *db, struct kv_iter *in, struct outputs *o,
			bool drop_tombstones, bool merge, struct copy_counts *c)
{
	struct kv_buf prev = { .component = KV_MEM_COMPACTION };
	bool have_prev = false;
	uint64_t now = kv_dev_now_ns(db->dev);
	int r = KV_OK;

	for (kv_iter_seek_first(in); kv_iter_valid(in); kv_iter_next(in)) {
		struct kv_slice key = kv_iter_key(in);
		struct kv_entry_meta m;

		if (merge && c->entries_in % LSM_FLUSH_CHECK_ENTRIES == 0 &&
		    (r = flush_during_merge(db)) != KV_OK)
			goto out;
		c->entries_in++;
		if (have_prev && kv_slice_eq(key, kv_buf_slice(&prev))) {
			c->dropped++;
			continue;
		}
		r = kv_buf_set(&prev, key.data, key.len);
		if (r != KV_OK) {
			kv_err_set(&db->job_err, r, "compaction: out of memory");
			goto out;
		}
		have_prev = true;
		kv_iter_meta(in, &m);
		if (m.kind == KV_KIND_DELETE && drop_tombstones) {
			c->dropped++;
			c->tombstones_dropped++;
			continue;
		}
		if (lsm_expired(db, m.ts_ns, now)) {
			c->dropped++;
			continue;
		}
		r = out_add(o, key, kv_iter_value(in), &m);
		if (r != KV_OK)
			goto out;
	}
	r = kv_iter_status(in);
	if (r != KV_OK)
		kv_err_set(&db->job_err, r, "compaction input: %s", kv_iter_errmsg(in));
	else
		r = out_finish(o);
out:
	kv_buf_free(&prev);
	return r;
}

/* ---- flush ---- */

int lsm_switch_mem(struct lsm *db, struct kv_err *err)
{
	struct lsm_mem *old = db->mem;
	uint64_t t0;
	int r;

	assert(!db->imm);
	if (db->bg_error.code != KV_OK)
		return kv_err_copy(err, &db->bg_error);
	if (kv_memtable_count(old->mt) == 0)
		return KV_OK;
	t0 = kv_dev_now_ns(db->dev);
	if (db->opts.wal) {
		/* New writes go to a new log from now on. */
		r = lsm_open_wal(db, err);
		if (r != KV_OK)
			return lsm_set_bg_error(db, r, err);
	}
	atomic_fetch_add_explicit(&old->refs, 1, memory_order_relaxed);
	r = lsm_new_memtable(db, err); /* drops mem's reference to old */
	if (r != KV_OK) {
		lsm_mem_unref(old);
		return lsm_set_bg_error(db, r, err);
	}
	db->imm = old;
	atomic_store_explicit(&db->imm_pending, true, memory_order_relaxed);
	db->imm_seq = db->last_seq;
	db->imm_log_id = db->wal_id;
	db->imm_t0 = t0;
	db->pub_seq = db->last_seq;
	return KV_OK;
}

int lsm_flush(struct lsm *db)
{
	int r = lsm_switch_mem(db, &db->job_err);

	if (r != KV_OK)
		return r;
	return lsm_flush_imm(db);
}

int lsm_flush_imm(struct lsm *db)
{
	struct lsm_mem *imm = db->imm;
	struct outputs o = { .db = db, .target_bytes = UINT64_MAX };
	struct copy_counts cc = { 0 };
	struct kv_version_edit edit;
	struct kv_version_view *view;
	uint64_t t0 = db->imm_t0, old_log_id = db->log_id, old_flushed_seq;
	uint64_t mem_entries, mem_bytes;
	struct kv_iter *it;
	bool drop_tombstones;
	int level = 0, r;

	if (!imm)
		return KV_OK;
	if (db->bg_error.code != KV_OK)
		return kv_err_copy(&db->job_err, &db->bg_error);
	mem_entries = kv_memtable_count(imm->mt);
	mem_bytes = kv_memtable_bytes(imm->mt);
	kv_edit_init(&edit);
	it = kv_memtable_iter(imm->mt); /* under mu: memtable snapshot caches */
	if (!it) {
		r = kv_err_set(&db->job_err, KV_ENOMEM, "flush: out of memory");
		goto out_fail;
	}
	drop_tombstones = db->version.nfiles == 0;
	pthread_mutex_unlock(&db->mu);
	r = copy_entries(db, it, &o, drop_tombstones, false, &cc);
	if (r != KV_OK)
		out_abort(&o, true);
	pthread_mutex_lock(&db->mu);
	kv_iter_close(it);
	if (r != KV_OK)
		goto out_fail;
	view = &db->view;
	if (kv_version_view(&db->version, view))
		level = kv_strategy_place_flush(db->strategy, view);
	if (level < 0 || level >= db->version.nlevels)
		level = 0;
	for (size_t i = 0; i < o.n; i++) {
		r = kv_edit_add_file(&edit, level, &o.files[i]->meta);
		if (r != KV_OK) {
			kv_err_set(&db->job_err, r, "flush: out of memory");
			out_abort(&o, true);
			goto out_fail;
		}
	}
	old_flushed_seq = db->flushed_seq;
	db->flushed_seq = db->imm_seq;
	if (db->opts.wal)
		db->log_id = db->imm_log_id;
	r = lsm_log_edit(db, &edit);
	if (r != KV_OK) {
		db->log_id = old_log_id;
		db->flushed_seq = old_flushed_seq;
		out_abort(&o, false);
		goto out_edit;
	}
	for (size_t i = 0; i < o.n; i++) {
		r = kv_version_add(&db->version, level, o.files[i], &db->job_err);
		if (r != KV_OK) {
			/* The manifest already holds the edit: stop writing. */
			lsm_set_bg_error(db, KV_ECORRUPT, &db->job_err);
			goto out_edit;
		}
	}
	/* The memtable is durable: drop it and the logs that held it. */
	db->imm = NULL;
	atomic_store_explicit(&db->imm_pending, false, memory_order_relaxed);
	lsm_mem_unref(imm);
	for (uint64_t id = old_log_id; db->opts.wal && id < db->log_id; id++) {
		char name[64];
		lsm_wal_name(name, sizeof(name), id);
		if (kv_dev_stat(db->dev, name, &(uint64_t){ 0 }) == KV_OK)
			kv_dev_remove(db->dev, name);
	}
	db->flushes++;
	db->flush_bytes += o.bytes;
	db->levels[level].bytes_written += o.bytes;
	db->levels[level].entries_dropped += cc.dropped;
	db->levels[level].tombstones_dropped += cc.tombstones_dropped;
	db->levels[level].compactions++;
	db->levels[level].job_ns += kv_dev_now_ns(db->dev) - t0;
	if (db->job_listener) {
		struct kv_lsm_job_record rec = {
			.start_ns = t0, .end_ns = kv_dev_now_ns(db->dev),
			.strategy = db->strategy->ops->name, .trigger = "flush", .kind = "flush",
			.output_level = level, .mem_entries = mem_entries, .mem_bytes = mem_bytes,
			.out_files = o.n, .out_bytes = o.bytes,
			.out_entries = o.entries, .entries_dropped = cc.dropped,
			.tombstones_dropped = cc.tombstones_dropped,
		};
		db->job_listener(db->job_listener_ud, &rec);
	}
	if (db->opts.paranoid_checks) {
		r = kv_version_check(&db->version, &db->job_err);
		if (r != KV_OK)
			lsm_set_bg_error(db, r, &db->job_err);
	}
	goto out_edit;
out_fail:
	lsm_set_bg_error(db, r, &db->job_err);
out_edit:
	kv_edit_free(&edit);
	out_free(&o);
	return r;
}

/* ---- strategy jobs ---- */

struct job_file {
	struct kv_lsm_file *f;
	int level;
	size_t run_pos; /* index of its run in the level */
};

/* Read-order position of a run: (level, index in level). */
static int pos_cmp(int la, size_t ra, int lb, size_t rb)
{
	if (la != lb)
		return la < lb ? -1 : 1;
	return (ra > rb) - (ra < rb);
}

static bool is_input(const struct job_file *in, size_t n, const struct kv_lsm_file *f)
{
	for (size_t i = 0; i < n; i++)
		if (in[i].f == f)
			return true;
	return false;
}

/*
 * Check the job against the version (strategy.h rules): inputs exist and
 * are unique; no file outside the inputs would be reordered relative to
 * the outputs (an overlapping non-input between the newest input and the
 * output position, or between the newest and the oldest input, is an
 * error); joining a run does not overlap its other files. Computes
 * whether tombstones can be dropped.
 */
static int job_resolve(struct lsm *db, const struct kv_job *job, struct job_file *in,
		       uint64_t *out_run, bool *drop_tombstones)
{
	struct kv_version *v = &db->version;
	struct kv_err *err = &db->job_err;
	struct kv_slice lo = { 0 }, hi = { 0 };
	int first_level = KV_MAX_LEVELS, last_level = -1, out_level = job->output_level;
	size_t first_run = 0, last_run = 0, out_pos;
	uint64_t max_run = 0;

	if (job->ninputs == 0 || job->ninputs > KV_JOB_MAX_INPUTS)
		return kv_err_set(err, KV_EINVAL, "strategy '%s': job with %zu inputs",
				  db->strategy->ops->name, job->ninputs);
	if (out_level < 0 || out_level >= v->nlevels)
		return kv_err_set(err, KV_EINVAL, "strategy '%s': output level %d outside 0..%d",
				  db->strategy->ops->name, out_level, v->nlevels - 1);
	for (size_t i = 0; i < job->ninputs; i++) {
		const struct kv_job_input *ji = &job->inputs[i];
		const struct kv_lsm_level *lv;
		int lvl = -1;
		struct kv_lsm_file *f = kv_version_find(v, ji->file_id, &lvl);
		if (!f || lvl != ji->level)
			return kv_err_set(err, KV_EINVAL,
					  "strategy '%s': job input %06" PRIu64
					  " is not at level %d",
					  db->strategy->ops->name, ji->file_id, ji->level);
		if (is_input(in, i, f))
			return kv_err_set(err, KV_EINVAL, "strategy '%s': input %06" PRIu64
					  " listed twice", db->strategy->ops->name, ji->file_id);
		lv = &v->levels[lvl];
		in[i].f = f;
		in[i].level = lvl;
		for (size_t r = 0; r < lv->nruns; r++)
			if (lv->runs[r].id == f->meta.run_id)
				in[i].run_pos = r;
		if (pos_cmp(lvl, in[i].run_pos, first_level, first_run) < 0) {
			first_level = lvl;
			first_run = in[i].run_pos;
		}
		if (last_level < 0 || pos_cmp(lvl, in[i].run_pos, last_level, last_run) > 0) {
			last_level = lvl;
			last_run = in[i].run_pos;
		}
		if (f->meta.run_id > max_run)
			max_run = f->meta.run_id;
		if (!lo.data || kv_slice_cmp(f->meta.smallest, lo) < 0)
			lo = f->meta.smallest;
		if (!hi.data || kv_slice_cmp(f->meta.largest, hi) > 0)
			hi = f->meta.largest;
		if (lvl > out_level && job->kind != KV_JOB_DELETE_FILES)
			return kv_err_set(err, KV_EINVAL,
					  "strategy '%s': input at level %d above output level %d",
					  db->strategy->ops->name, lvl, out_level);
	}
	*out_run = job->output_run >= 0 ? (uint64_t)job->output_run : max_run;
	/* Where the outputs will sit in read order. */
	out_pos = 0;
	while (out_pos < v->levels[out_level].nruns &&
	       v->levels[out_level].runs[out_pos].id > *out_run)
		out_pos++;
	*drop_tombstones = job->drop_tombstones;
	for (int l = 0; l < v->nlevels; l++) {
		const struct kv_lsm_level *lv = &v->levels[l];
		for (size_t r = 0; r < lv->nruns; r++) {
			const struct kv_lsm_run *run = &lv->runs[r];
			bool after_first = pos_cmp(l, r, first_level, first_run) > 0;
			bool before_out = pos_cmp(l, r, out_level, out_pos) < 0;
			/* Between two inputs: newer than some, older than others. */
			bool before_last = pos_cmp(l, r, last_level, last_run) < 0;
			bool same_target = l == out_level && run->id == *out_run;
			if (!after_first && !same_target)
				continue;
			for (size_t i = 0; i < run->nfiles; i++) {
				const struct kv_lsm_file *f = run->files[i];
				if (is_input(in, job->ninputs, f) ||
				    !kv_file_overlaps(&f->meta, lo, hi))
					continue;
				/* An older version of some input key may live here. */
				*drop_tombstones = false;
				if (job->kind == KV_JOB_DELETE_FILES)
					continue;
				if (same_target || (after_first && (before_out || before_last)))
					return kv_err_set(err, KV_EINVAL,
							  "strategy '%s': job would reorder file "
							  "%06" PRIu64 " (level %d) against its "
							  "outputs",
							  db->strategy->ops->name, f->meta.id, l);
			}
		}
	}
	return KV_OK;
}

static void count_trigger(struct lsm *db, const char *trigger)
{
	const char *const *t = db->strategy->ops->triggers;

	for (size_t i = 0; t && t[i] && i < LSM_MAX_TRIGGERS; i++)
		if (t[i] == trigger || strcmp(t[i], trigger) == 0) {
			db->trigger_counts[i]++;
			return;
		}
	if (strcmp(trigger, "manual") == 0)
		db->manual_compactions++;
	else
		db->other_trigger_count++;
}

/* The input side of a job's record (before the inputs leave the version). */
static void job_record_inputs(struct kv_lsm_job_record *rec, const struct kv_job *job,
			      const struct job_file *in)
{
	memset(rec, 0, sizeof(*rec));
	for (size_t i = 0; i < job->ninputs; i++) {
		int l = in[i].level;
		rec->in_files[l]++;
		rec->in_bytes[l] += in[i].f->meta.bytes;
		rec->in_entries[l] += in[i].f->meta.entries;
	}
}

/* Complete the record of a finished job and hand it to the listener. */
static void report_job(struct lsm *db, const struct kv_job *job, struct kv_lsm_job_record *rec,
		       const struct outputs *o, const struct copy_counts *cc, uint64_t t0)
{
	static const char *const kinds[] = { "none", "merge", "move", "delete" };

	rec->start_ns = t0;
	rec->end_ns = kv_dev_now_ns(db->dev);
	rec->strategy = db->strategy->ops->name;
	rec->trigger = job->trigger ? job->trigger : "other";
	rec->kind = (unsigned)job->kind < 4 ? kinds[job->kind] : "?";
	rec->output_level = job->output_level;
	rec->out_files = o->n;
	rec->out_bytes = o->bytes;
	rec->out_entries = o->entries;
	if (job->kind == KV_JOB_MOVE) {
		rec->out_files = job->ninputs;
		for (int l = 0; l < KV_MAX_LEVELS; l++) {
			rec->out_bytes += rec->in_bytes[l];
			rec->out_entries += rec->in_entries[l];
		}
	}
	rec->entries_dropped = cc->dropped;
	rec->tombstones_dropped = cc->tombstones_dropped;
	db->job_listener(db->job_listener_ud, rec);
}

static int cmp_job_file(const void *a, const void *b)
{
	const struct job_file *x = a, *y = b;
	int c = pos_cmp(x->level, x->run_pos, y->level, y->run_pos);
	return c ? c : kv_slice_cmp(x->f->meta.smallest, y->f->meta.smallest);
}

/*
 * The grandparent files of a merge job (level output_level + 1, one run,
 * files overlapping the inputs' key range) into a new array *gp
 * (KV_MEM_COMPACTION, room for *cap entries, *ngp used; NULL and 0 when
 * the job asks for no cutting or that level is not one run). KV_OK or
 * KV_ENOMEM.
 */
static int job_grandparents(struct lsm *db, const struct kv_job *job, const struct job_file *in,
			    const struct kv_file_meta ***gp, size_t *ngp, size_t *cap)
{
	int gl = job->output_level + 1;
	const struct kv_lsm_run *run;
	struct kv_slice lo = { 0 }, hi = { 0 };
	struct kv_run view;
	const struct kv_file_meta **all;
	size_t a, b;
	bool have = false;

	*gp = NULL;
	*ngp = *cap = 0;
	if ((!job->max_compaction_bytes && !job->align_outputs) || job->output_level == 0 ||
	    gl >= db->version.nlevels || db->version.levels[gl].nruns != 1)
		return KV_OK;
	run = &db->version.levels[gl].runs[0];
	all = kv_malloc(KV_MEM_COMPACTION, run->nfiles * sizeof(*all) + 1);
	if (!all)
		return KV_ENOMEM;
	for (size_t i = 0; i < run->nfiles; i++)
		all[i] = &run->files[i]->meta;
	for (size_t i = 0; i < job->ninputs; i++)
		kv_key_range_extend(&lo, &hi, &have, in[i].f->meta.smallest,
				    in[i].f->meta.largest);
	view = (struct kv_run){ .id = run->id, .files = all, .nfiles = run->nfiles };
	kv_run_overlap(&view, lo, hi, &a, &b);
	memmove(all, all + a, (b - a) * sizeof(*all));
	*gp = all;
	*ngp = b - a;
	*cap = run->nfiles;
	return KV_OK;
}

static int run_job(struct lsm *db, const struct kv_job *job)
{
	struct kv_err *err = &db->job_err;
	struct outputs o = { .db = db };
	struct copy_counts cc = { 0 };
	struct kv_version_edit edit;
	struct kv_lsm_job_record rec;
	struct job_file *in;
	struct kv_iter **children = NULL;
	struct kv_iter *merged = NULL;
	struct kv_out_cut cut;
	const struct kv_file_meta **gp = NULL;
	size_t nchildren = 0, ngp = 0, gp_alloc = 0;
	uint64_t out_run = 0, t0 = kv_dev_now_ns(db->dev), read_upper = 0, read_level = 0;
	bool drop_tombstones;
	int ol = job->output_level, r;

	in = kv_calloc(KV_MEM_COMPACTION, job->ninputs * sizeof(*in) + 1);
	if (!in)
		return kv_err_set(err, KV_ENOMEM, "compaction: out of memory");
	kv_edit_init(&edit);
	r = job_resolve(db, job, in, &out_run, &drop_tombstones);
	if (r != KV_OK)
		goto out_free;
	qsort(in, job->ninputs, sizeof(*in), cmp_job_file);
	job_record_inputs(&rec, job, in);
	for (size_t i = 0; i < job->ninputs; i++) {
		if (in[i].level < ol)
			read_upper += in[i].f->meta.bytes;
		else
			read_level += in[i].f->meta.bytes;
		r = kv_edit_delete_file(&edit, in[i].level, in[i].f->meta.id);
		if (r != KV_OK)
			goto out_nomem;
	}

	if (job->kind == KV_JOB_MOVE) {
		for (size_t i = 0; i < job->ninputs; i++) {
			struct kv_file_meta m = in[i].f->meta;
			m.run_id = out_run;
			if ((r = kv_edit_add_file(&edit, ol, &m)) != KV_OK)
				goto out_nomem;
		}
		if ((r = lsm_log_edit(db, &edit)) != KV_OK)
			goto out_free;
		for (size_t i = 0; i < job->ninputs; i++) {
			struct kv_lsm_file *f = in[i].f;
			kv_lsm_file_ref(f);
			kv_version_remove(&db->version, in[i].level, f->meta.id, lsm_release_file, db);
			f->obsolete = false;
			f->meta.run_id = out_run;
			r = kv_version_add(&db->version, ol, f, err);
			kv_lsm_file_unref(f, lsm_release_file, db);
			if (r != KV_OK) {
				lsm_set_bg_error(db, KV_ECORRUPT, err);
				goto out_free;
			}
		}
		db->levels[ol].bytes_moved += read_upper + read_level;
		db->levels[ol].compactions++;
		goto out_done;
	}

	if (job->kind == KV_JOB_MERGE) {
		if (job_grandparents(db, job, in, &gp, &ngp, &gp_alloc) != KV_OK)
			goto out_nomem;
		kv_out_cut_init(&cut, gp, ngp, job->target_file_bytes, job->max_compaction_bytes,
				job->align_outputs);
		children = kv_calloc(KV_MEM_COMPACTION, job->ninputs * sizeof(*children));
		if (!children)
			goto out_nomem;
		for (size_t i = 0; i < job->ninputs;) {
			size_t j = i;
			struct kv_lsm_file *group[KV_JOB_MAX_INPUTS];
			size_t ng = 0;
			while (j < job->ninputs && in[j].level == in[i].level &&
			       in[j].run_pos == in[i].run_pos)
				group[ng++] = in[j++].f;
			children[nchildren] = lsm_run_iter_new(db, group, ng, false);
			if (!children[nchildren])
				goto out_nomem;
			nchildren++;
			i = j;
		}
		merged = kv_merge_iter_new(children, nchildren);
		nchildren = 0; /* owned by the merge now */
		if (!merged)
			goto out_nomem;
		o.target_bytes = kv_out_cut_max_bytes(&cut);
		o.cut = gp ? &cut : NULL;
		o.run_id = out_run;
		/* The inputs and the grandparents stay in the version (only
		   this thread changes it), so the merge needs no lock. */
		pthread_mutex_unlock(&db->mu);
		r = copy_entries(db, merged, &o, drop_tombstones, true, &cc);
		kv_iter_close(merged);
		merged = NULL;
		if (r != KV_OK)
			out_abort(&o, true);
		pthread_mutex_lock(&db->mu);
		if (r != KV_OK)
			goto out_free;
		for (size_t i = 0; i < o.n; i++)
			if ((r = kv_edit_add_file(&edit, ol, &o.files[i]->meta)) != KV_OK) {
				kv_err_set(err, r, "compaction: out of memory");
				goto out_abort;
			}
	} else if (job->kind != KV_JOB_DELETE_FILES) {
		r = kv_err_set(err, KV_EINVAL, "strategy '%s': unknown job kind %d",
			       db->strategy->ops->name, (int)job->kind);
		goto out_free;
	}
	if ((r = lsm_log_edit(db, &edit)) != KV_OK) {
		out_abort(&o, false);
		goto out_free;
	}
	for (size_t i = 0; i < job->ninputs; i++)
		kv_version_remove(&db->version, in[i].level, in[i].f->meta.id, lsm_release_file, db);
	for (size_t i = 0; i < o.n; i++) {
		r = kv_version_add(&db->version, ol, o.files[i], err);
		if (r != KV_OK) {
			for (size_t k = i; k < o.n; k++)
				lsm_release_file(db, o.files[k]);
			o.n = 0;
			lsm_set_bg_error(db, KV_ECORRUPT, err);
			goto out_free;
		}
	}
	db->levels[ol].bytes_read_upper += read_upper;
	db->levels[ol].bytes_read_level += read_level;
	db->levels[ol].bytes_written += o.bytes;
	db->levels[ol].entries_dropped += cc.dropped;
	db->levels[ol].tombstones_dropped += cc.tombstones_dropped;
	db->levels[ol].compactions++;
out_done:
	db->levels[ol].job_ns += kv_dev_now_ns(db->dev) - t0;
	count_trigger(db, job->trigger ? job->trigger : "other");
	if (db->job_listener)
		report_job(db, job, &rec, &o, &cc, t0);
	if (db->strategy->ops->job_done)
		db->strategy->ops->job_done(db->strategy, job);
	if (db->opts.paranoid_checks) {
		r = kv_version_check(&db->version, err);
		if (r != KV_OK)
			lsm_set_bg_error(db, r, err);
	}
	r = db->bg_error.code;
	goto out_free;
out_nomem:
	r = kv_err_set(err, KV_ENOMEM, "compaction: out of memory");
out_abort:
	out_abort(&o, true);
out_free:
	for (size_t i = 0; i < nchildren; i++)
		kv_iter_close(children[i]);
	kv_free(KV_MEM_COMPACTION, children, children ? job->ninputs * sizeof(*children) : 0);
	kv_free(KV_MEM_COMPACTION, gp, gp ? gp_alloc * sizeof(*gp) + 1 : 0);
	kv_edit_free(&edit);
	out_free(&o);
	kv_free(KV_MEM_COMPACTION, in, job->ninputs * sizeof(*in) + 1);
	return r;
}

/* Upper bound on jobs per call, so a strategy bug cannot spin forever. */
#define LSM_MAX_JOBS_PER_CALL 100000

int lsm_compact_step(struct lsm *db, bool *ran)
{
	const struct kv_version_view *v = kv_version_view(&db->version, &db->view);
	struct kv_job *job = db->job;
	int r;

	*ran = false;
	if (db->bg_error.code != KV_OK)
		return kv_err_copy(&db->job_err, &db->bg_error);
	if (!v)
		return kv_err_set(&db->job_err, KV_ENOMEM, "compaction: out of memory");
	db->view.now_ns = kv_dev_now_ns(db->dev);
	/* With background jobs last_seq belongs to the foreground. */
	db->view.last_seq = db->bg ? db->pub_seq : db->last_seq;
	db->view.memtable_bytes_limit = db->opts.write_buffer_size;
	r = kv_strategy_pick(db->strategy, &db->view, job);
	if (r != KV_OK) {
		kv_err_copy(&db->job_err, &db->strategy->err);
		return lsm_set_bg_error(db, r, &db->job_err);
	}
	if (job->kind == KV_JOB_NONE)
		return KV_OK;
	*ran = true;
	r = run_job(db, job);
	if (r != KV_OK)
		return lsm_set_bg_error(db, r, &db->job_err);
	return KV_OK;
}

int lsm_maybe_compact(struct lsm *db)
{
	for (int i = 0; i < LSM_MAX_JOBS_PER_CALL; i++) {
		bool ran;
		int r = lsm_compact_step(db, &ran);

		if (r != KV_OK || !ran)
			return r;
	}
	return KV_OK;
}

int lsm_compact_everything(struct lsm *db)
{
	struct kv_version *v = &db->version;
	struct kv_job *job = db->job;
	int last = v->nlevels - 1, r;

	if (v->nfiles == 0)
		return KV_OK;
	if (v->nfiles > KV_JOB_MAX_INPUTS)
		return kv_err_set(&db->job_err, KV_ENOTSUP,
				  "compact_all: %" PRIu64 " files exceed the %d-input job limit",
				  v->nfiles, KV_JOB_MAX_INPUTS);
	memset(job, 0, offsetof(struct kv_job, inputs));
	job->kind = KV_JOB_MERGE;
	job->trigger = "manual";
	job->output_level = last;
	job->output_run = -1;
	job->target_file_bytes = db->opts.manual_compaction_file_size;
	job->drop_tombstones = true;
	for (int l = 0; l < v->nlevels; l++)
		for (size_t ri = 0; ri < v->levels[l].nruns; ri++)
			for (size_t i = 0; i < v->levels[l].runs[ri].nfiles; i++) {
				job->inputs[job->ninputs].level = l;
				job->inputs[job->ninputs].file_id =
					v->levels[l].runs[ri].files[i]->meta.id;
				job->ninputs++;
			}
	r = run_job(db, job);
	if (r != KV_OK)
		return lsm_set_bg_error(db, r, &db->job_err);
	return lsm_maybe_compact(db);
}

/* ---- the background thread ---- */

/*
 * Flush imm first (writes may be waiting for it), then a compact_all the
 * foreground asked for, then one strategy job at a time, telling the
 * foreground (done_cv) after each; sleep on work_cv when there is nothing
 * to do. With stop set: flush imm, then exit (compaction debt waits for
 * the next open). After an error (bg_error) run nothing more.
 */
void *lsm_bg_main(void *arg)
{
	struct lsm *db = arg;

	pthread_mutex_lock(&db->mu);
	for (;;) {
		bool ran = false;

		if (db->bg_error.code == KV_OK) {
			if (db->imm) {
				(void)lsm_flush_imm(db);
				ran = true;
			} else if (db->manual_req) {
				db->manual_rc = lsm_compact_everything(db);
				if (db->manual_rc != KV_OK)
					kv_err_copy(&db->manual_err, &db->job_err);
				db->manual_req = false;
				db->manual_done++;
				ran = true;
			} else if (!db->stop) {
				(void)lsm_compact_step(db, &ran);
			}
		}
		pthread_cond_broadcast(&db->done_cv);
		if (ran && db->bg_error.code == KV_OK)
			continue;
		if (db->stop)
			break;
		db->bg_busy = false;
		pthread_cond_broadcast(&db->done_cv);
		while (!db->bg_busy && !db->stop)
			pthread_cond_wait(&db->work_cv, &db->mu);
	}
	db->bg_busy = false;
	pthread_cond_broadcast(&db->done_cv);
	pthread_mutex_unlock(&db->mu);
	return NULL;
}
