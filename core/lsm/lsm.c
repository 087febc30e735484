/*
 * core/lsm/lsm.c - the LSM engine: options, open and recovery, the write
 * and point-read paths, and the engine-specific statistics. Flushes and
 * compaction jobs are in compaction.c, iterators in lsm_iter.c.
 * Invariants: core/lsm/lsm_impl.h.
 */
#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/block_cache.h"
#include "core/lsm/lsm_impl.h"
#include "core/lsm/write_batch.h"
#include "core/memtable/arena.h"

static const char *const wal_sync_choices[] = { "none", "always", "bytes", NULL };

#define OPT(field) offsetof(struct lsm_options, field)

static const struct kv_option lsm_options_table[] = {
	{ "write_buffer_size", KV_OPT_BYTES, "64MiB", 4096, 4294967296.0, "bytes",
	  "memtable size that triggers a flush (RocksDB write_buffer_size)", NULL,
	  OPT(write_buffer_size) },
	{ "wal", KV_OPT_BOOL, "true", 0, 1, "", "write-ahead log on/off", NULL, OPT(wal) },
	{ "wal_sync", KV_OPT_ENUM, "none", 0, 0, "",
	  "when the WAL is synced: none, every write (always), every wal_sync_bytes",
	  wal_sync_choices, OPT(wal_sync) },
	{ "wal_sync_bytes", KV_OPT_BYTES, "1MiB", 1, 1099511627776.0, "bytes",
	  "with wal_sync=bytes: sync once this many bytes are unsynced", NULL,
	  OPT(wal_sync_bytes) },
	{ "block_size", KV_OPT_BYTES, "4KiB", 256, 16777216, "bytes",
	  "target size of an SSTable data block", NULL, OPT(block_size) },
	{ "restart_interval", KV_OPT_INT, "16", 1, 1024, "keys",
	  "keys between restart points in a data block", NULL, OPT(restart_interval) },
	{ "bloom_bits_per_key", KV_OPT_INT, "10", 0, 64, "bits",
	  "Bloom filter bits per key (0: no filter)", NULL, OPT(bloom_bits_per_key) },
	{ "memtable_bloom_size_ratio", KV_OPT_DOUBLE, "0.02", 0, 0.25, "",
	  "bytes of the memtable's in-memory Bloom filter / write_buffer_size, probed before "
	  "searching the memtable (RocksDB memtable_prefix_bloom_size_ratio with whole-key "
	  "filtering); 0: none", NULL, OPT(memtable_bloom_size_ratio) },
	{ "block_cache_size", KV_OPT_BYTES, "8MiB", 0, 1099511627776.0, "bytes",
	  "LRU block cache budget (0: no cache)", NULL, OPT(block_cache_size) },
	{ "ttl", KV_OPT_DURATION, "0", 0, 1e19, "ns",
	  "entries older than this (device clock) expire; 0: never", NULL, OPT(ttl_ns) },
	{ "manual_compaction_file_size", KV_OPT_BYTES, "64MiB", 4096, 1099511627776.0, "bytes",
	  "output file size of compact_all", NULL, OPT(manual_compaction_file_size) },
	{ "max_manifest_file_size", KV_OPT_BYTES, "64MiB", 4096, 1099511627776.0, "bytes",
	  "start a new manifest once the current one is this large", NULL,
	  OPT(max_manifest_file_size) },
	{ "paranoid_checks", KV_OPT_BOOL, "false", 0, 1, "",
	  "check the version invariants after every flush and compaction", NULL,
	  OPT(paranoid_checks) },
	{ "background_jobs", KV_OPT_BOOL, "true", 0, 1, "",
	  "run flushes and compactions on a background thread when the device allows "
	  "concurrent calls (file); simulation devices always run them inline, in the "
	  "writing thread", NULL, OPT(background_jobs) },
	{ "level0_stop_writes_trigger", KV_OPT_INT, "36", 1, 1048576, "files",
	  "with background jobs: a full memtable waits while level 0 has this many files "
	  "and a job is running (RocksDB level0_stop_writes_trigger)", NULL,
	  OPT(level0_stop_writes_trigger) },
	{ "memtable", KV_OPT_STRING, "skiplist", 0, 0, "",
	  "memtable kind (resolved by name by the caller)", NULL, OPT(memtable) },
	{ "strategy", KV_OPT_STRING, "leveled", 0, 0, "",
	  "compaction strategy (resolved by name by the caller)", NULL, OPT(strategy) },
	{ NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0 },
};

void lsm_sst_name(char *buf, size_t len, uint64_t id)
{
	kv_lsm_file_name(buf, len, id, ".sst");
}

void lsm_wal_name(char *buf, size_t len, uint64_t id)
{
	kv_lsm_file_name(buf, len, id, ".log");
}

static struct lsm *to_lsm(struct kv_engine *e)
{
	return (struct lsm *)e;
}

int lsm_set_bg_error(struct lsm *db, int code, const struct kv_err *cause)
{
	if (db->bg_error.code == KV_OK) {
		kv_err_set(&db->bg_error, code,
			   "engine stopped accepting writes after an error (reopen to recover): %s",
			   cause ? kv_err_msg(cause) : kv_status_name(code));
		atomic_store_explicit(&db->failed, true, memory_order_release);
	}
	return code;
}

/* The sticky error into the caller's message (mu held). */
static int copy_bg_error(struct lsm *db)
{
	return kv_err_copy(&db->base.err, &db->bg_error);
}

uint64_t lsm_l0_files(const struct lsm *db)
{
	const struct kv_lsm_level *lv = &db->version.levels[0];
	uint64_t n = 0;

	for (size_t r = 0; r < lv->nruns; r++)
		n += lv->runs[r].nfiles;
	return n;
}

/* mu of an engine the caller only reads (statistics). */
static pthread_mutex_t *mu_of(const struct kv_engine *e)
{
	return (pthread_mutex_t *)&((const struct lsm *)e)->mu;
}

void lsm_release_file(void *ud, struct kv_lsm_file *f)
{
	struct lsm *db = ud;
	char name[64];

	kv_sst_close(f->sst);
	f->sst = NULL;
	if (f->obsolete) {
		if (db->cache)
			kv_block_cache_erase_file(db->cache, f->meta.id);
		lsm_sst_name(name, sizeof(name), f->meta.id);
		if (kv_dev_remove(db->dev, name) == KV_OK)
			atomic_fetch_add_explicit(&db->files_deleted, 1, memory_order_relaxed);
	}
	kv_lsm_file_free(f);
}

/* Release without deleting (recovery and close). */
static void release_keep(void *ud, struct kv_lsm_file *f)
{
	(void)ud;
	kv_sst_close(f->sst);
	kv_lsm_file_free(f);
}

void lsm_mem_unref(struct lsm_mem *m)
{
	if (m && atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) == 1) {
		kv_memtable_destroy(m->mt);
		kv_mem_filter_free(&m->filter);
		kv_free(KV_MEM_MEMTABLE, m, sizeof(*m));
	}
}

int lsm_new_memtable(struct lsm *db, struct kv_err *err)
{
	struct lsm_mem *m = kv_calloc(KV_MEM_MEMTABLE, sizeof(*m));
	int r;

	if (!m)
		return kv_err_set(err, KV_ENOMEM, "memtable: out of memory");
	r = kv_memtable_create(db->mt_ops, db->cfg, &m->mt, err);
	if (r != KV_OK) {
		kv_free(KV_MEM_MEMTABLE, m, sizeof(*m));
		return r;
	}
	if (kv_mem_filter_init(&m->filter, (size_t)((double)db->opts.write_buffer_size *
						    db->opts.memtable_bloom_size_ratio)) !=
	    KV_OK) {
		kv_memtable_destroy(m->mt);
		kv_free(KV_MEM_MEMTABLE, m, sizeof(*m));
		return kv_err_set(err, KV_ENOMEM, "memtable Bloom filter: out of memory");
	}
	atomic_init(&m->refs, 1);
	lsm_mem_unref(db->mem);
	db->mem = m;
	return KV_OK;
}

/* Put into the current memtable and its filter. */
static int mem_put(struct lsm *db, struct kv_slice key, struct kv_slice value,
		   const struct kv_entry_meta *m)
{
	if (kv_mem_filter_enabled(&db->mem->filter))
		kv_mem_filter_add(&db->mem->filter, kv_sst_key_hash(key));
	return kv_memtable_put(db->mem->mt, key, value, m);
}

/* ---- recovery ---- */

struct recover_state {
	struct lsm *db;
	bool have_nlevels;
	int nlevels;
	char strategy[64];
	uint64_t *wal_ids;
	size_t nwal, wal_cap;
	uint64_t max_id_on_device;
};

static int apply_edit(void *ud, const struct kv_version_edit *e)
{
	struct recover_state *rs = ud;
	struct lsm *db = rs->db;
	int r;

	if (e->has_nlevels && e->nlevels > db->version.nlevels) {
		/* Files may sit at levels the current strategy lacks. */
		for (size_t i = 0; i < e->nadds; i++)
			if (e->adds[i].level >= db->version.nlevels)
				return kv_err_set(&db->base.err, KV_EINVAL,
						  "the store has files at level %d but strategy '%s' "
						  "uses %d levels",
						  e->adds[i].level, db->strategy->ops->name,
						  db->version.nlevels);
	}
	if (e->has_strategy)
		snprintf(rs->strategy, sizeof(rs->strategy), "%s", e->strategy);
	if (e->has_next_file_id && e->next_file_id > db->next_file_id)
		db->next_file_id = e->next_file_id;
	if (e->has_last_seq && e->last_seq > db->last_seq) {
		db->last_seq = e->last_seq;
		db->flushed_seq = e->last_seq;
	}
	if (e->has_log_id)
		db->log_id = e->log_id;
	for (size_t i = 0; i < e->ndeletes; i++) {
		r = kv_version_remove(&db->version, e->deletes[i].level, e->deletes[i].file_id,
				      release_keep, db);
		if (r != KV_OK)
			return kv_err_set(&db->base.err, KV_ECORRUPT,
					  "manifest deletes file %06" PRIu64
					  " at level %d, which is not in the version",
					  e->deletes[i].file_id, e->deletes[i].level);
	}
	for (size_t i = 0; i < e->nadds; i++) {
		struct kv_lsm_file *f = kv_lsm_file_new(&e->adds[i].meta);
		if (!f)
			return kv_err_set(&db->base.err, KV_ENOMEM, "recovery: out of memory");
		r = kv_version_add(&db->version, e->adds[i].level, f, &db->base.err);
		if (r != KV_OK) {
			kv_lsm_file_free(f);
			kv_err_prefix(&db->base.err, "manifest");
			return r == KV_ENOMEM ? r : KV_ECORRUPT;
		}
	}
	return KV_OK;
}

static int parse_file_id(const char *name, const char *suffix, uint64_t *id)
{
	size_t n = strlen(name), sl = strlen(suffix);
	char *end;
	unsigned long long v;

	if (n <= sl || strcmp(name + n - sl, suffix) != 0)
		return 0;
	if (name[0] < '0' || name[0] > '9')
		return 0;
	v = strtoull(name, &end, 10);
	if (end != name + n - sl)
		return 0;
	*id = v;
	return 1;
}

struct list_state {
	struct recover_state *rs;
	char **names;
	size_t n, cap;
	int err;
};

static void collect_name(void *ud, const char *name)
{
	struct list_state *ls = ud;
	if (ls->err)
		return;
	if (ls->n == ls->cap) {
		size_t ncap = ls->cap ? ls->cap * 2 : 64;
		char **nn = kv_realloc(KV_MEM_OTHER, ls->names, ls->cap * sizeof(char *),
				       ncap * sizeof(char *));
		if (!nn) {
			ls->err = KV_ENOMEM;
			return;
		}
		ls->names = nn;
		ls->cap = ncap;
	}
	ls->names[ls->n] = kv_strdup(KV_MEM_OTHER, name);
	if (!ls->names[ls->n]) {
		ls->err = KV_ENOMEM;
		return;
	}
	ls->n++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

struct replay_ctx {
	struct lsm *db;
	const char *name;
	uint64_t durable_seq; /* last_seq recorded in the manifest */
};

static int replay_record(void *ud, struct kv_slice payload)
{
	struct replay_ctx *rc = ud;
	struct lsm *db = rc->db;
	struct kv_batch_iter it;
	struct kv_batch_header hdr;
	struct kv_batch_op op;
	int r;

	r = kv_batch_validate(payload, &hdr, &db->base.err);
	if (r != KV_OK) {
		kv_err_prefix(&db->base.err, "WAL '%s'", rc->name);
		return r;
	}
	r = kv_batch_iter_init(&it, payload, &hdr, &db->base.err);
	while (r == KV_OK && (r = kv_batch_iter_next(&it, &op, &db->base.err)) == KV_OK) {
		struct kv_entry_meta m = { .seq = op.seq, .ts_ns = hdr.ts_ns,
					   .kind = op.kind == KV_BATCH_PUT ? KV_KIND_PUT
									   : KV_KIND_DELETE };
		if (op.seq <= rc->durable_seq)
			continue; /* already in an SSTable */
		r = mem_put(db, op.key, op.value, &m);
		if (r != KV_OK)
			return kv_err_set(&db->base.err, r, "WAL replay: memtable put failed");
		if (op.seq > db->last_seq)
			db->last_seq = op.seq;
	}
	if (r == KV_NOTFOUND)
		r = KV_OK;
	db->wal_records_replayed++;
	return r;
}

static int recover(struct lsm *db)
{
	struct recover_state rs = { .db = db };
	struct list_state ls = { .rs = &rs };
	struct kv_err *err = &db->base.err;
	uint64_t manifest_id = 0, durable_seq;
	char name[64];
	int r;

	r = kv_manifest_recover(db->dev, apply_edit, &rs, &manifest_id, err);
	if (r == KV_NOTFOUND) {
		kv_err_clear(err);
		db->next_file_id = 1;
		db->log_id = 0;
	} else if (r != KV_OK) {
		return r;
	}

	/* Every file of the version must open and validate. */
	for (int l = 0; l < db->version.nlevels; l++)
		for (size_t ri = 0; ri < db->version.levels[l].nruns; ri++) {
			struct kv_lsm_run *run = &db->version.levels[l].runs[ri];
			for (size_t i = 0; i < run->nfiles; i++) {
				r = lsm_open_table(db, run->files[i], err);
				if (r != KV_OK)
					return r == KV_NOTFOUND ? KV_ECORRUPT : r;
			}
		}

	r = kv_dev_list(db->dev, collect_name, &ls);
	if (r == KV_OK && ls.err)
		r = kv_err_set(err, ls.err, "recovery: out of memory listing files");
	if (r != KV_OK)
		goto out_names;
	for (size_t i = 0; i < ls.n; i++) {
		uint64_t id;
		const char *n = ls.names[i];
		if (parse_file_id(n, ".log", &id)) {
			if (id > rs.max_id_on_device)
				rs.max_id_on_device = id;
			if (id < db->log_id) {
				kv_dev_remove(db->dev, n);
				continue;
			}
			if (rs.nwal == rs.wal_cap) {
				size_t nc = rs.wal_cap ? rs.wal_cap * 2 : 8;
				uint64_t *w = kv_realloc(KV_MEM_OTHER, rs.wal_ids,
							 rs.wal_cap * sizeof(*w), nc * sizeof(*w));
				if (!w) {
					r = kv_err_set(err, KV_ENOMEM, "recovery: out of memory");
					goto out_names;
				}
				rs.wal_ids = w;
				rs.wal_cap = nc;
			}
			rs.wal_ids[rs.nwal++] = id;
		} else if (parse_file_id(n, ".sst", &id)) {
			if (id > rs.max_id_on_device)
				rs.max_id_on_device = id;
			if (!kv_version_find(&db->version, id, NULL))
				kv_dev_remove(db->dev, n); /* output of an unfinished job */
		} else if (strncmp(n, "MANIFEST-", 9) == 0) {
			unsigned long long mid = strtoull(n + 9, NULL, 10);
			if (mid > rs.max_id_on_device)
				rs.max_id_on_device = mid;
			if (mid != manifest_id)
				kv_dev_remove(db->dev, n);
		} else if (strcmp(n, "CURRENT.tmp") == 0) {
			kv_dev_remove(db->dev, n);
		}
	}
	if (rs.max_id_on_device >= db->next_file_id)
		db->next_file_id = rs.max_id_on_device + 1;

	/* Replay the WALs still needed, oldest first. */
	if (rs.nwal > 1)
		qsort(rs.wal_ids, rs.nwal, sizeof(uint64_t), cmp_u64);
	durable_seq = db->flushed_seq;
	for (size_t i = 0; i < rs.nwal; i++) {
		struct replay_ctx rc = { .db = db, .name = name, .durable_seq = durable_seq };
		struct kv_log_replay_info info;
		lsm_wal_name(name, sizeof(name), rs.wal_ids[i]);
		r = kv_log_replay(db->dev, name, KV_FILE_WAL, replay_record, &rc, &info, err);
		if (r != KV_OK)
			goto out_names;
	}
	if (rs.nwal > 0 && db->log_id < rs.wal_ids[0])
		db->log_id = rs.wal_ids[0];
	r = KV_OK;
out_names:
	for (size_t i = 0; i < ls.n; i++)
		kv_strfree(KV_MEM_OTHER, ls.names[i]);
	kv_free(KV_MEM_OTHER, ls.names, ls.cap * sizeof(char *));
	kv_free(KV_MEM_OTHER, rs.wal_ids, rs.wal_cap * sizeof(uint64_t));
	return r;
}

int lsm_open_wal(struct lsm *db, struct kv_err *err)
{
	char name[64];
	struct kv_log_writer *w;
	uint64_t id;
	int r;

	if (!db->opts.wal)
		return KV_OK;
	id = db->next_file_id++;
	lsm_wal_name(name, sizeof(name), id);
	r = kv_log_writer_open(db->dev, name, KV_FILE_WAL, &w, err);
	if (r != KV_OK)
		return r;
	kv_log_writer_close(db->wal);
	db->wal = w;
	db->wal_id = id;
	return KV_OK;
}

static void lsm_close(struct kv_engine *e);

static int lsm_open(struct kv_engine *e, const struct kv_engine_args *args)
{
	struct lsm *db = to_lsm(e);
	struct kv_err *err = &e->err;
	int r;

	db->dev = args->dev;
	db->get_buf.component = KV_MEM_OTHER;
	db->wal_rec.component = KV_MEM_OTHER;
	atomic_init(&db->next_file_id, 0);
	atomic_init(&db->failed, false);
	atomic_init(&db->imm_pending, false);
	atomic_init(&db->files_deleted, 0);
	if (pthread_mutex_init(&db->mu, NULL) != 0)
		return kv_err_set(err, KV_ENOMEM, "lsm: cannot create a mutex");
	if (pthread_cond_init(&db->work_cv, NULL) != 0) {
		pthread_mutex_destroy(&db->mu);
		return kv_err_set(err, KV_ENOMEM, "lsm: cannot create a condition variable");
	}
	if (pthread_cond_init(&db->done_cv, NULL) != 0) {
		pthread_cond_destroy(&db->work_cv);
		pthread_mutex_destroy(&db->mu);
		return kv_err_set(err, KV_ENOMEM, "lsm: cannot create a condition variable");
	}
	db->mu_init = true;
	db->cfg = args->cfg ? kv_config_dup(args->cfg) : kv_config_new();
	if (!db->cfg) {
		r = kv_err_set(err, KV_ENOMEM, "lsm: out of memory");
		goto out_fail;
	}
	r = kv_options_load(lsm_options_table, db->cfg, &db->opts, err);
	if (r != KV_OK)
		goto out_fail;
	db->bg = db->opts.background_jobs && kv_dev_concurrent(db->dev);
	db->mt_ops = args->memtable ? args->memtable : kv_memtable_find(db->opts.memtable);
	if (!db->mt_ops) {
		r = kv_err_set(err, KV_EINVAL, "option 'memtable': unknown memtable kind '%s'",
			       db->opts.memtable);
		goto out_fail;
	}
	/* RocksDB's rule: arena blocks of at most 1/8 of the write buffer, so a
	   small buffer is not "full" after its first block. */
	if (kv_option_find(db->mt_ops->options, "arena_block_size") &&
	    !kv_config_get(db->cfg, "arena_block_size")) {
		char v[32];
		uint64_t b = db->opts.write_buffer_size / 8;
		if (b < KV_ARENA_MIN_BLOCK_BYTES)
			b = KV_ARENA_MIN_BLOCK_BYTES;
		if (b > (1u << 20))
			b = 1u << 20;
		snprintf(v, sizeof(v), "%" PRIu64, b);
		if (kv_config_set(db->cfg, "arena_block_size", v) != KV_OK) {
			r = kv_err_set(err, KV_ENOMEM, "lsm: out of memory");
			goto out_fail;
		}
	}
	if (!args->strategy) {
		r = kv_err_set(err, KV_EINVAL, "lsm: no compaction strategy given");
		goto out_fail;
	}
	r = kv_strategy_create(args->strategy, db->cfg, &db->strategy, err);
	if (r != KV_OK)
		goto out_fail;
	if (db->strategy->ttl_ns && !db->opts.ttl_ns)
		db->opts.ttl_ns = db->strategy->ttl_ns;
	db->job = kv_calloc(KV_MEM_COMPACTION, sizeof(*db->job));
	if (!db->job) {
		r = kv_err_set(err, KV_ENOMEM, "lsm: out of memory");
		goto out_fail;
	}
	if (db->opts.block_cache_size) {
		db->cache = kv_block_cache_new(db->opts.block_cache_size);
		if (!db->cache) {
			r = kv_err_set(err, KV_ENOMEM, "lsm: out of memory for the block cache");
			goto out_fail;
		}
	}
	kv_version_init(&db->version, db->strategy->nlevels);
	r = lsm_new_memtable(db, err);
	if (r != KV_OK)
		goto out_fail;
	r = recover(db);
	if (r != KV_OK)
		goto out_fail;
	r = lsm_new_manifest(db);
	if (r != KV_OK) {
		kv_err_copy(err, &db->job_err);
		goto out_fail;
	}
	r = lsm_open_wal(db, err);
	if (r != KV_OK)
		goto out_fail;
	db->pub_seq = db->last_seq;
	if (kv_memtable_bytes(db->mem->mt) >= db->opts.write_buffer_size) {
		pthread_mutex_lock(&db->mu);
		r = lsm_flush(db);
		if (r == KV_OK)
			r = lsm_maybe_compact(db);
		pthread_mutex_unlock(&db->mu);
		if (r != KV_OK) {
			kv_err_copy(err, &db->job_err);
			goto out_fail;
		}
	}
	if (db->bg) {
		db->bg_busy = true; /* a first look for compaction work */
		if (pthread_create(&db->thread, NULL, lsm_bg_main, db) != 0) {
			r = kv_err_set(err, KV_ENOMEM, "lsm: cannot start the background thread");
			goto out_fail;
		}
		db->thread_started = true;
	}
	return KV_OK;
out_fail:
	if (r == KV_OK)
		r = KV_EINVAL;
	if (err->code == KV_OK)
		kv_err_set(err, r, "lsm: open failed");
	lsm_close(e);
	return r;
}

static void lsm_close(struct kv_engine *e)
{
	struct lsm *db = to_lsm(e);

	if (db->thread_started) {
		/* The thread flushes imm (if any) and exits. */
		pthread_mutex_lock(&db->mu);
		db->stop = true;
		pthread_cond_signal(&db->work_cv);
		pthread_mutex_unlock(&db->mu);
		pthread_join(db->thread, NULL);
		db->thread_started = false;
	}
	if (db->wal) {
		if (db->bg_error.code == KV_OK)
			kv_log_sync(db->wal);
		kv_log_writer_close(db->wal);
		db->wal = NULL;
	}
	kv_manifest_close(db->manifest);
	db->manifest = NULL;
	kv_version_destroy(&db->version, release_keep, db);
	lsm_mem_unref(db->mem);
	db->mem = NULL;
	lsm_mem_unref(db->imm); /* left by a failed flush: its WALs are kept */
	db->imm = NULL;
	if (db->cache)
		kv_block_cache_free(db->cache);
	db->cache = NULL;
	kv_strategy_destroy(db->strategy);
	db->strategy = NULL;
	kv_free(KV_MEM_COMPACTION, db->job, db->job ? sizeof(*db->job) : 0);
	db->job = NULL;
	kv_buf_free(&db->wal_rec);
	kv_buf_free(&db->get_buf);
	kv_free(KV_MEM_OTHER, db->get_files, db->get_files_cap * sizeof(*db->get_files));
	db->get_files = NULL;
	db->get_files_cap = 0;
	kv_config_free(db->cfg);
	db->cfg = NULL;
	if (db->mu_init) {
		pthread_cond_destroy(&db->done_cv);
		pthread_cond_destroy(&db->work_cv);
		pthread_mutex_destroy(&db->mu);
		db->mu_init = false;
	}
}

/* ---- writes ---- */

/* Tell the thread there is work (mu held). */
static void bg_signal(struct lsm *db)
{
	db->bg_busy = true;
	pthread_cond_signal(&db->work_cv);
}

/* Wait until the thread has nothing left to do, or failed (mu held). */
static void bg_wait_idle(struct lsm *db)
{
	while ((db->bg_busy || db->imm || db->manual_req) && db->bg_error.code == KV_OK)
		pthread_cond_wait(&db->done_cv, &db->mu);
}

/*
 * The memtable is full, with background jobs (mu held): hand it to the
 * thread as imm. Waits (a write stall) while the previous imm is still
 * being flushed, or while level 0 has level0_stop_writes_trigger files
 * and the thread is working (it may bring level 0 down; an idle thread
 * will not, so the write goes on rather than wait forever).
 */
static void bg_make_room(struct lsm *db)
{
	uint64_t t0 = 0;

	while (db->bg_error.code == KV_OK) {
		if (!db->imm && (lsm_l0_files(db) < (uint64_t)db->opts.level0_stop_writes_trigger ||
				 !db->bg_busy)) {
			if (lsm_switch_mem(db, &db->base.err) == KV_OK && db->imm)
				bg_signal(db);
			break;
		}
		if (!t0) {
			db->write_stalls++;
			t0 = kv_dev_now_ns(db->dev);
		}
		pthread_cond_wait(&db->done_cv, &db->mu);
	}
	if (t0)
		db->write_stall_ns += kv_dev_now_ns(db->dev) - t0;
}

/* The memtable is full: flush it (mu held). Errors stay in bg_error. */
static void memtable_full(struct lsm *db)
{
	if (db->bg) {
		bg_make_room(db);
	} else if (lsm_flush(db) == KV_OK) {
		(void)lsm_maybe_compact(db);
	}
}

/* A write error of the foreground becomes the sticky error. */
static int write_failed(struct lsm *db, int r, const struct kv_err *cause)
{
	kv_err_copy(&db->base.err, cause);
	pthread_mutex_lock(&db->mu);
	lsm_set_bg_error(db, r, cause);
	pthread_mutex_unlock(&db->mu);
	return r;
}

/* KV_OK, or the sticky error (copied into the engine's message). */
static int check_failed(struct lsm *db)
{
	int r;

	if (!atomic_load_explicit(&db->failed, memory_order_acquire))
		return KV_OK;
	pthread_mutex_lock(&db->mu);
	r = copy_bg_error(db);
	pthread_mutex_unlock(&db->mu);
	return r;
}

static int lsm_write(struct lsm *db, struct kv_slice key, struct kv_slice value,
		     enum kv_kind kind)
{
	struct kv_entry_meta m;
	int r;

	r = check_failed(db);
	if (r != KV_OK)
		return r;
	m.seq = db->last_seq + 1;
	m.ts_ns = kv_dev_now_ns(db->dev);
	m.kind = kind;
	if (db->wal) {
		r = kv_batch_begin(&db->wal_rec, m.seq, m.ts_ns);
		if (r == KV_OK)
			r = kind == KV_KIND_PUT ? kv_batch_put(&db->wal_rec, key, value)
						: kv_batch_delete(&db->wal_rec, key);
		if (r != KV_OK)
			return kv_err_set(&db->base.err, r, "WAL record: out of memory");
		r = kv_log_add(db->wal, kv_buf_slice(&db->wal_rec));
		if (r == KV_OK && (db->opts.wal_sync == LSM_WAL_SYNC_ALWAYS ||
				   (db->opts.wal_sync == LSM_WAL_SYNC_BYTES &&
				    kv_log_unsynced_bytes(db->wal) >= db->opts.wal_sync_bytes)))
			r = kv_log_sync(db->wal);
		if (r != KV_OK) {
			struct kv_err cause;
			kv_log_err(db->wal, &cause);
			return write_failed(db, r, &cause);
		}
	}
	r = mem_put(db, key, value, &m);
	if (r != KV_OK) {
		struct kv_err cause;
		kv_err_set(&cause, r, "memtable put failed");
		return write_failed(db, r, &cause);
	}
	db->last_seq = m.seq;
	if (kv_memtable_bytes(db->mem->mt) >= db->opts.write_buffer_size) {
		/* The write itself is durable in the WAL and visible: a flush
		   failure shows through the sticky error only. */
		pthread_mutex_lock(&db->mu);
		memtable_full(db);
		pthread_mutex_unlock(&db->mu);
	}
	return KV_OK;
}

static int lsm_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value)
{
	return lsm_write(to_lsm(e), key, value, KV_KIND_PUT);
}

static int lsm_del(struct kv_engine *e, struct kv_slice key)
{
	return lsm_write(to_lsm(e), key, kv_slice_make(NULL, 0), KV_KIND_DELETE);
}

static int lsm_sync(struct kv_engine *e)
{
	struct lsm *db = to_lsm(e);
	int r;

	if (!db->wal)
		return check_failed(db);
	r = kv_log_sync(db->wal);
	if (r != KV_OK) {
		struct kv_err cause;
		kv_log_err(db->wal, &cause);
		return write_failed(db, r, &cause);
	}
	return KV_OK;
}

/* ---- point reads ---- */

/* A memtable hit: the value into get_buf, or KV_NOTFOUND for a tombstone. */
static int mem_hit(struct lsm *db, struct kv_slice v, const struct kv_entry_meta *m,
		   uint64_t now, struct kv_slice *value)
{
	int r;

	db->reads.memtable_hits++;
	if (m->kind == KV_KIND_DELETE || lsm_expired(db, m->ts_ns, now))
		return KV_NOTFOUND;
	r = kv_buf_set(&db->get_buf, v.data, v.len);
	if (r != KV_OK)
		return kv_err_set(&db->base.err, r, "get: out of memory");
	*value = kv_buf_slice(&db->get_buf);
	return KV_OK;
}

/* Probe one memtable, through its filter when it has one. */
static int mem_get(const struct lsm_mem *mem, struct kv_slice key, uint64_t *hash,
		   bool *hashed, struct kv_slice *v, struct kv_entry_meta *m)
{
	if (!kv_mem_filter_enabled(&mem->filter))
		return kv_memtable_get(mem->mt, key, v, m);
	if (!*hashed) {
		*hash = kv_sst_key_hash(key);
		*hashed = true;
	}
	if (!kv_mem_filter_may_contain(&mem->filter, *hash))
		return KV_NOTFOUND;
	return kv_memtable_get(mem->mt, key, v, m);
}

/*
 * Under mu: a reference on imm (into *imm) and on the file of each run
 * whose range covers @key, in read order (into get_files, *n of them).
 */
static int get_candidates(struct lsm *db, struct kv_slice key, struct lsm_mem **imm, size_t *n)
{
	const struct kv_version *ver = &db->version;
	size_t nruns = 0;

	*n = 0;
	for (int l = 0; l < ver->nlevels; l++)
		nruns += ver->levels[l].nruns;
	if (nruns > db->get_files_cap) {
		struct kv_lsm_file **nf = kv_realloc(KV_MEM_OTHER, db->get_files,
						     db->get_files_cap * sizeof(*nf),
						     nruns * 2 * sizeof(*nf));
		if (!nf)
			return kv_err_set(&db->base.err, KV_ENOMEM, "get: out of memory");
		db->get_files = nf;
		db->get_files_cap = nruns * 2;
	}
	*imm = db->imm;
	if (*imm)
		atomic_fetch_add_explicit(&(*imm)->refs, 1, memory_order_relaxed);
	for (int l = 0; l < ver->nlevels; l++) {
		const struct kv_lsm_level *lv = &ver->levels[l];
		for (size_t ri = 0; ri < lv->nruns; ri++) {
			long fi = kv_run_find(&lv->runs[ri], key);
			if (fi < 0)
				continue;
			db->get_files[*n] = lv->runs[ri].files[fi];
			kv_lsm_file_ref(db->get_files[(*n)++]);
		}
	}
	return KV_OK;
}

/* Probe the candidate files in order; the first entry found decides. */
static int get_from_files(struct lsm *db, struct kv_slice key, uint64_t hash, size_t n,
			  uint64_t now, struct kv_slice *value)
{
	struct kv_entry_meta m;
	int r;

	for (size_t i = 0; i < n; i++) {
		struct kv_sst_read_stats st = { 0 };

		db->reads.runs_probed++;
		db->reads.files_probed++;
		r = kv_sst_get_hashed(db->get_files[i]->sst, key, hash, &db->get_buf, &m, &st,
				      &db->base.err);
		db->reads.bloom_checks += st.bloom_checks;
		db->reads.bloom_negatives += st.bloom_negatives;
		db->reads.bloom_false_pos += st.bloom_false_pos;
		db->reads.block_reads += st.block_reads;
		db->reads.cache_hits += st.cache_hits;
		if (r == KV_NOTFOUND)
			continue;
		if (r != KV_OK)
			return r;
		if (m.kind == KV_KIND_DELETE || lsm_expired(db, m.ts_ns, now))
			return KV_NOTFOUND;
		*value = kv_buf_slice(&db->get_buf);
		return KV_OK;
	}
	return KV_NOTFOUND;
}

static int lsm_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value)
{
	struct lsm *db = to_lsm(e);
	struct kv_entry_meta m;
	struct kv_slice v;
	struct lsm_mem *imm = NULL;
	uint64_t now = db->opts.ttl_ns ? kv_dev_now_ns(db->dev) : 0, hash = 0;
	bool hashed = false;
	size_t n = 0;
	int r;

	db->reads.gets++;
	r = mem_get(db->mem, key, &hash, &hashed, &v, &m);
	if (r == KV_OK)
		return mem_hit(db, v, &m, now, value);
	pthread_mutex_lock(&db->mu);
	r = get_candidates(db, key, &imm, &n);
	pthread_mutex_unlock(&db->mu);
	if (r != KV_OK)
		return r;
	r = imm ? mem_get(imm, key, &hash, &hashed, &v, &m) : KV_NOTFOUND;
	if (r == KV_OK) {
		r = mem_hit(db, v, &m, now, value);
	} else {
		if (!hashed && n > 0)
			hash = kv_sst_key_hash(key);
		r = get_from_files(db, key, hash, n, now, value);
	}
	for (size_t i = 0; i < n; i++)
		kv_lsm_file_unref(db->get_files[i], lsm_release_file, db);
	lsm_mem_unref(imm);
	return r;
}

static int lsm_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		    struct kv_iter **out)
{
	struct lsm *db = to_lsm(e);
	int r;

	pthread_mutex_lock(&db->mu);
	r = lsm_scan_iter_new(db, lo, hi, out);
	pthread_mutex_unlock(&db->mu);
	return r;
}

/* Flush the memtable and run the compactions it calls for (mu held). */
static int flush_locked(struct lsm *db)
{
	int r;

	if (db->bg_error.code != KV_OK)
		return copy_bg_error(db);
	if (!db->bg) {
		r = lsm_flush(db);
		if (r == KV_OK)
			r = lsm_maybe_compact(db);
		if (r != KV_OK)
			kv_err_copy(&db->base.err, &db->job_err);
		return r;
	}
	while (db->imm && db->bg_error.code == KV_OK)
		pthread_cond_wait(&db->done_cv, &db->mu);
	if (db->bg_error.code == KV_OK && lsm_switch_mem(db, &db->base.err) == KV_OK && db->imm)
		bg_signal(db);
	bg_wait_idle(db);
	return db->bg_error.code != KV_OK ? copy_bg_error(db) : KV_OK;
}

static int lsm_flush_op(struct kv_engine *e)
{
	struct lsm *db = to_lsm(e);
	int r;

	pthread_mutex_lock(&db->mu);
	r = flush_locked(db);
	pthread_mutex_unlock(&db->mu);
	return r;
}

static int lsm_compact_all(struct kv_engine *e)
{
	struct lsm *db = to_lsm(e);
	uint64_t want;
	int r;

	pthread_mutex_lock(&db->mu);
	r = flush_locked(db);
	if (r != KV_OK)
		goto out;
	if (!db->bg) {
		r = lsm_compact_everything(db);
		if (r != KV_OK)
			kv_err_copy(&e->err, &db->job_err);
		goto out;
	}
	db->manual_req = true;
	want = db->manual_done + 1;
	bg_signal(db);
	while (db->manual_done < want && db->bg_error.code == KV_OK)
		pthread_cond_wait(&db->done_cv, &db->mu);
	if (db->manual_done < want)
		r = copy_bg_error(db);
	else if ((r = db->manual_rc) != KV_OK)
		kv_err_copy(&e->err, &db->manual_err);
	else
		bg_wait_idle(db);
out:
	pthread_mutex_unlock(&db->mu);
	return r;
}

static bool lsm_wait_idle(struct kv_engine *e)
{
	struct lsm *db = to_lsm(e);

	if (!db->bg)
		return false;
	pthread_mutex_lock(&db->mu);
	bg_wait_idle(db);
	pthread_mutex_unlock(&db->mu);
	return true;
}

static int lsm_check(struct kv_engine *e)
{
	struct lsm *db = to_lsm(e);
	int r;

	pthread_mutex_lock(&db->mu);
	r = kv_version_check(&db->version, &e->err);
	pthread_mutex_unlock(&db->mu);
	return r;
}

static void lsm_report(struct kv_engine *e,
		       void (*cb)(void *ud, const char *name, double value), void *ud)
{
	struct lsm *db = to_lsm(e);
	uint64_t wal_bytes = db->wal ? kv_log_bytes(db->wal) : 0;

	pthread_mutex_lock(&db->mu);
	cb(ud, "memtable_bytes", (double)kv_memtable_bytes(db->mem->mt));
	cb(ud, "memtable_entries", (double)kv_memtable_count(db->mem->mt));
	if (kv_memtable_count(db->mem->mt))
		cb(ud, "memtable_overhead_bytes_per_entry",
		   ((double)kv_memtable_bytes(db->mem->mt) -
		    (double)(db->mem->mt->key_bytes + db->mem->mt->value_bytes)) /
			   (double)kv_memtable_count(db->mem->mt));
	cb(ud, "memtable_filter_bytes", (double)db->mem->filter.raw_bytes);
	cb(ud, "wal_bytes_current", (double)wal_bytes);
	cb(ud, "sst_files", (double)db->version.nfiles);
	cb(ud, "sst_bytes", (double)db->version.bytes);
	cb(ud, "flushes", (double)db->flushes);
	cb(ud, "flush_bytes", (double)db->flush_bytes);
	cb(ud, "last_seq", (double)db->last_seq);
	cb(ud, "wal_records_replayed", (double)db->wal_records_replayed);
	cb(ud, "files_deleted",
	   (double)atomic_load_explicit(&db->files_deleted, memory_order_relaxed));
	cb(ud, "runs_probed", (double)db->reads.runs_probed);
	cb(ud, "bloom_checks", (double)db->reads.bloom_checks);
	cb(ud, "bloom_negatives", (double)db->reads.bloom_negatives);
	cb(ud, "bloom_false_positives", (double)db->reads.bloom_false_pos);
	cb(ud, "block_reads", (double)db->reads.block_reads);
	cb(ud, "block_cache_hits", (double)db->reads.cache_hits);
	cb(ud, "memtable_hits", (double)db->reads.memtable_hits);
	cb(ud, "mem_table_index_filter_bytes", (double)kv_mem_in_use(KV_MEM_TABLE));
	cb(ud, "mem_block_cache_bytes", (double)kv_mem_in_use(KV_MEM_BLOCK_CACHE));
	if (db->bg) {
		cb(ud, "write_stalls", (double)db->write_stalls);
		cb(ud, "write_stall_seconds", (double)db->write_stall_ns / 1e9);
		cb(ud, "immutable_memtable_bytes",
		   db->imm ? (double)kv_memtable_bytes(db->imm->mt) : 0.0);
	}
	pthread_mutex_unlock(&db->mu);
}

const struct kv_engine_ops kv_lsm_engine_ops = {
	.name = "lsm",
	.version = 1,
	.instance_size = sizeof(struct lsm),
	.doc = "log-structured merge tree: WAL, memtable, SSTables, pluggable compaction",
	.options = lsm_options_table,
	.open = lsm_open,
	.close = lsm_close,
	.put = lsm_put,
	.get = lsm_get,
	.del = lsm_del,
	.scan = lsm_scan,
	.sync = lsm_sync,
	.flush = lsm_flush_op,
	.compact_all = lsm_compact_all,
	.report = lsm_report,
	.check = lsm_check,
	.wait_idle = lsm_wait_idle,
};

/* ---- engine-specific statistics ---- */

void kv_lsm_set_job_listener(struct kv_engine *e, kv_lsm_job_listener fn, void *ud)
{
	if (!kv_engine_is_lsm(e))
		return;
	pthread_mutex_lock(mu_of(e));
	((struct lsm *)e)->job_listener = fn;
	((struct lsm *)e)->job_listener_ud = ud;
	pthread_mutex_unlock(mu_of(e));
}

int kv_engine_is_lsm(const struct kv_engine *e)
{
	return e && e->ops == &kv_lsm_engine_ops;
}

int kv_lsm_nlevels(const struct kv_engine *e)
{
	if (!kv_engine_is_lsm(e))
		return KV_EINVAL;
	return ((const struct lsm *)e)->version.nlevels;
}

int kv_lsm_level_stats(const struct kv_engine *e, int level, struct kv_lsm_level_stats *out)
{
	const struct lsm *db = (const struct lsm *)e;
	const struct kv_lsm_level *lv;

	if (!kv_engine_is_lsm(e) || level < 0 || level >= db->version.nlevels)
		return KV_EINVAL;
	pthread_mutex_lock(mu_of(e));
	*out = db->levels[level];
	out->level = level;
	lv = &db->version.levels[level];
	out->runs = lv->nruns;
	out->files = 0;
	out->bytes = 0;
	for (size_t r = 0; r < lv->nruns; r++) {
		out->files += lv->runs[r].nfiles;
		out->bytes += lv->runs[r].bytes;
	}
	pthread_mutex_unlock(mu_of(e));
	return KV_OK;
}

void kv_lsm_get_read_stats(const struct kv_engine *e, struct kv_lsm_read_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (kv_engine_is_lsm(e))
		*out = ((const struct lsm *)e)->reads;
}

void kv_lsm_trigger_counts(const struct kv_engine *e,
			   void (*cb)(void *ud, const char *trigger, uint64_t count), void *ud)
{
	const struct lsm *db = (const struct lsm *)e;
	const char *const *t;

	if (!kv_engine_is_lsm(e))
		return;
	pthread_mutex_lock(mu_of(e));
	t = db->strategy->ops->triggers;
	for (size_t i = 0; t && t[i] && i < LSM_MAX_TRIGGERS; i++)
		cb(ud, t[i], db->trigger_counts[i]);
	if (db->other_trigger_count)
		cb(ud, "other", db->other_trigger_count);
	cb(ud, "manual", db->manual_compactions);
	cb(ud, "flush", db->flushes);
	pthread_mutex_unlock(mu_of(e));
}

const char *kv_lsm_strategy_name(const struct kv_engine *e)
{
	return kv_engine_is_lsm(e) ? ((const struct lsm *)e)->strategy->ops->name : "";
}

const char *kv_lsm_memtable_name(const struct kv_engine *e)
{
	return kv_engine_is_lsm(e) ? ((const struct lsm *)e)->mt_ops->name : "";
}
