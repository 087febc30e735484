/*
 * core/btree/btree_engine.c - the B+ tree engine: options, open and
 * recovery, the redo WAL, checkpoints, scans and statistics.
 *
 * Invariants:
 *  1. Every write acknowledged with KV_OK is applied to the tree (in the
 *     buffer pool) and, if the WAL is on, appended to BTREE-WAL before it
 *     was applied.
 *  2. The durable checkpoint (meta record + the pages and map it names)
 *     holds exactly the writes with seq <= ckpt_seq; BTREE-WAL holds every
 *     acknowledged write with seq > ckpt_seq (and possibly older ones,
 *     which replay skips).
 *  3. last_seq >= ckpt_seq is the highest sequence number assigned.
 *  4. Once bg_error is set, writes, flushes and write-backs stop; reads
 *     keep working from the pool and the durable pages.
 */
#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/coding.h"
#include "core/btree/btree.h"
#include "core/btree/btree_impl.h"
#include "core/lsm/wal.h"
#include "core/lsm/write_batch.h"

#define BT_WAL_FILE "BTREE-WAL"
/* The first record of every WAL: magic + the checkpoint it follows. Shorter
   than a write batch header, so it cannot be mistaken for one. */
#define BT_EPOCH_MAGIC "BTEPOCH"
#define BT_EPOCH_BYTES 16
#define BT_MIN_FRAMES 64

enum bt_wal_sync {
	BT_WAL_SYNC_NONE = 0,
	BT_WAL_SYNC_ALWAYS,
	BT_WAL_SYNC_BYTES,
};

struct btree_options {
	uint64_t page_size;
	uint64_t page_cache_size;
	bool wal;
	int wal_sync;
	uint64_t wal_sync_bytes;
	uint64_t checkpoint_bytes;
	bool paranoid_checks;
};

struct btree_db {
	struct kv_engine base;
	struct btree_options opts;
	struct kv_device *dev;
	struct bt_pager *pager;
	struct bt_pool *pool;
	struct bt_tree tree;
	bool have_tree;
	struct kv_log_writer *wal;
	uint64_t last_seq, ckpt_seq;
	uint64_t bytes_since_ckpt;
	struct kv_buf wal_rec, get_buf;
	struct kv_err bg_error;
	uint64_t checkpoints, wal_records_replayed, gets, get_page_reads;
};

static const char *const wal_sync_choices[] = { "none", "always", "bytes", NULL };

#define OPT(field) offsetof(struct btree_options, field)

static const struct kv_option btree_options_table[] = {
	{ "page_size", KV_OPT_BYTES, "4KiB", 512, 65536, "bytes",
	  "page size, a power of two (fixed when the store is created)", NULL, OPT(page_size) },
	{ "page_cache_size", KV_OPT_BYTES, "8MiB", 0, 1099511627776.0, "bytes",
	  "buffer pool budget (LRU; at least 64 pages)", NULL, OPT(page_cache_size) },
	{ "wal", KV_OPT_BOOL, "true", 0, 1, "", "write-ahead (redo) log on/off", NULL, OPT(wal) },
	{ "wal_sync", KV_OPT_ENUM, "none", 0, 0, "",
	  "when the WAL is synced: none, every write (always), every wal_sync_bytes",
	  wal_sync_choices, OPT(wal_sync) },
	{ "wal_sync_bytes", KV_OPT_BYTES, "1MiB", 1, 1099511627776.0, "bytes",
	  "with wal_sync=bytes: sync once this many bytes are unsynced", NULL,
	  OPT(wal_sync_bytes) },
	{ "checkpoint_bytes", KV_OPT_BYTES, "64MiB", 4096, 1099511627776.0, "bytes",
	  "checkpoint (write dirty pages, switch the meta record, restart the WAL) once the "
	  "WAL holds this much", NULL, OPT(checkpoint_bytes) },
	{ "paranoid_checks", KV_OPT_BOOL, "false", 0, 1, "",
	  "check the whole tree's invariants after every checkpoint", NULL,
	  OPT(paranoid_checks) },
	{ NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0 },
};

static struct btree_db *to_db(struct kv_engine *e)
{
	return (struct btree_db *)e;
}

/* The sticky write error: record it, stop write-backs, return its code. */
static int set_bg_error(struct btree_db *db, int code, const struct kv_err *cause)
{
	if (db->bg_error.code == KV_OK) {
		kv_err_set(&db->bg_error, code,
			   "engine stopped accepting writes after an error (reopen to recover): %s",
			   cause ? kv_err_msg(cause) : kv_status_name(code));
		if (db->pool)
			bt_pool_set_readonly(db->pool);
	}
	return code;
}

/*
 * Start a new WAL (truncating the old one) that begins with the epoch
 * record. The WAL file exists even with wal=false: its epoch tells
 * recovery which checkpoint is the newest.
 */
static int open_wal(struct btree_db *db)
{
	char epoch[BT_EPOCH_BYTES];
	struct kv_log_writer *w;
	int r;

	kv_log_writer_close(db->wal);
	db->wal = NULL;
	r = kv_log_writer_open(db->dev, BT_WAL_FILE, KV_FILE_BTREE_WAL, &w, &db->base.err);
	if (r != KV_OK)
		return r;
	memcpy(epoch, BT_EPOCH_MAGIC, 8);
	kv_put_u64(epoch + 8, bt_pager_counter(db->pager));
	r = kv_log_add(w, kv_slice_make(epoch, sizeof(epoch)));
	if (r == KV_OK)
		r = kv_log_sync(w);
	if (r != KV_OK) {
		kv_log_err(w, &db->base.err);
		kv_log_writer_close(w);
		return r;
	}
	db->wal = w;
	return KV_OK;
}

/*
 * Checkpoint: write every dirty page (shadow rule), write the map, switch
 * the meta record, then restart the WAL. A failure is sticky.
 */
static int checkpoint(struct btree_db *db)
{
	struct kv_err *err = &db->base.err;
	struct bt_meta m;
	int r;

	if (db->bg_error.code != KV_OK)
		return kv_err_copy(err, &db->bg_error);
	memset(&m, 0, sizeof(m));
	bt_tree_prepare_checkpoint(&db->tree, &m);
	m.ckpt_seq = db->last_seq;
	r = bt_pool_flush_all(db->pool, err);
	if (r == KV_OK)
		r = bt_pager_checkpoint(db->pager, &m, err);
	if (r == KV_OK) {
		db->ckpt_seq = db->last_seq;
		db->bytes_since_ckpt = 0;
		db->checkpoints++;
		r = open_wal(db);
	}
	if (r != KV_OK) {
		struct kv_err cause;
		kv_err_copy(&cause, err);
		return set_bg_error(db, r, &cause);
	}
	if (db->opts.paranoid_checks) {
		r = bt_tree_check(&db->tree, NULL);
		if (r != KV_OK)
			return r;
	}
	return KV_OK;
}

/* ---- recovery ---- */

static int replay_record(void *ud, struct kv_slice payload)
{
	struct btree_db *db = ud;
	struct kv_err *err = &db->base.err;
	struct kv_batch_iter it;
	struct kv_batch_header hdr;
	struct kv_batch_op op;
	int r;

	if (payload.len == BT_EPOCH_BYTES && memcmp(payload.data, BT_EPOCH_MAGIC, 8) == 0) {
		uint64_t epoch = kv_get_u64(payload.data + 8);
		/* The WAL is restarted only after a checkpoint's meta record is
		   durable: a WAL newer than the newest valid record means that
		   record was damaged after the fact. */
		if (epoch > bt_pager_counter(db->pager))
			return kv_err_set(err, KV_ECORRUPT,
					  "btree file '%s': the meta record of checkpoint %" PRIu64
					  " (named by '%s') is damaged; the valid record at offset %u "
					  "or 0 is older (checkpoint %" PRIu64 ")", BT_META_FILE, epoch,
					  BT_WAL_FILE, BT_META_BYTES, bt_pager_counter(db->pager));
		return KV_OK;
	}
	r = kv_batch_validate(payload, &hdr, err);
	if (r != KV_OK) {
		kv_err_prefix(err, "WAL '%s'", BT_WAL_FILE);
		return r;
	}
	r = kv_batch_iter_init(&it, payload, &hdr, err);
	while (r == KV_OK && (r = kv_batch_iter_next(&it, &op, err)) == KV_OK) {
		if (op.seq <= db->ckpt_seq)
			continue; /* already in the checkpoint */
		if (op.key.len == 0 || op.key.len > KV_MAX_KEY_BYTES)
			return kv_err_set(err, KV_ECORRUPT, "WAL '%s': key of %zu bytes",
					  BT_WAL_FILE, op.key.len);
		if (op.kind == KV_BATCH_PUT)
			r = bt_tree_put(&db->tree, op.key, op.value);
		else if ((r = bt_tree_delete(&db->tree, op.key)) == KV_NOTFOUND)
			r = KV_OK;
		if (r != KV_OK) {
			kv_err_prefix(err, "WAL replay");
			return r;
		}
		if (op.seq > db->last_seq)
			db->last_seq = op.seq;
	}
	if (r == KV_NOTFOUND)
		r = KV_OK;
	db->wal_records_replayed++;
	return r;
}

static void btree_close(struct kv_engine *e);

static int btree_open(struct kv_engine *e, const struct kv_engine_args *args)
{
	struct btree_db *db = to_db(e);
	struct kv_err *err = &e->err;
	struct kv_log_replay_info info;
	struct bt_meta meta;
	bool created;
	int r;

	db->dev = args->dev;
	db->wal_rec.component = KV_MEM_OTHER;
	db->get_buf.component = KV_MEM_OTHER;
	r = kv_options_load(btree_options_table, args->cfg, &db->opts, err);
	if (r != KV_OK)
		goto out_fail;
	if (db->opts.page_size & (db->opts.page_size - 1)) {
		r = kv_err_set(err, KV_EINVAL, "option 'page_size': %" PRIu64
			       " is not a power of two in 512..65536", db->opts.page_size);
		goto out_fail;
	}
	r = bt_pager_open(db->dev, (uint32_t)db->opts.page_size, &db->pager, &meta, &created, err);
	if (r != KV_OK)
		goto out_fail;
	r = bt_pool_new(db->pager, db->opts.page_cache_size, BT_MIN_FRAMES, &db->pool, err);
	if (r != KV_OK)
		goto out_fail;
	r = bt_tree_init(&db->tree, db->pager, db->pool, &meta, err);
	if (r != KV_OK)
		goto out_fail;
	db->have_tree = true;
	db->ckpt_seq = db->last_seq = meta.ckpt_seq;
	r = kv_log_replay(db->dev, BT_WAL_FILE, KV_FILE_BTREE_WAL, replay_record, db, &info, err);
	if (r == KV_NOTFOUND) {
		kv_err_clear(err);
		r = KV_OK;
	}
	if (r != KV_OK)
		goto out_fail;
	if (created || db->last_seq > db->ckpt_seq)
		r = checkpoint(db);
	else
		r = open_wal(db);
	if (r != KV_OK)
		goto out_fail;
	return KV_OK;
out_fail:
	if (r == KV_OK)
		r = KV_EINVAL;
	if (err->code == KV_OK)
		kv_err_set(err, r, "btree: open failed");
	db->bg_error.code = KV_EIO; /* no checkpoint at close */
	btree_close(e);
	return r;
}

static void btree_close(struct kv_engine *e)
{
	struct btree_db *db = to_db(e);

	if (db->have_tree && db->bg_error.code == KV_OK)
		(void)checkpoint(db); /* a clean shutdown leaves nothing to replay */
	kv_log_writer_close(db->wal);
	db->wal = NULL;
	if (db->have_tree)
		bt_tree_destroy(&db->tree);
	db->have_tree = false;
	bt_pool_free(db->pool);
	db->pool = NULL;
	bt_pager_close(db->pager);
	db->pager = NULL;
	kv_buf_free(&db->wal_rec);
	kv_buf_free(&db->get_buf);
}

/* ---- writes ---- */

static int btree_write(struct btree_db *db, struct kv_slice key, struct kv_slice value,
		       bool put)
{
	struct kv_err *err = &db->base.err;
	uint64_t seq;
	int r;

	if (db->bg_error.code != KV_OK)
		return kv_err_copy(err, &db->bg_error);
	seq = db->last_seq + 1;
	if (db->opts.wal) {
		r = kv_batch_begin(&db->wal_rec, seq, kv_dev_now_ns(db->dev));
		if (r == KV_OK)
			r = put ? kv_batch_put(&db->wal_rec, key, value)
				: kv_batch_delete(&db->wal_rec, key);
		if (r != KV_OK)
			return kv_err_set(err, r, "WAL record: out of memory");
		r = kv_log_add(db->wal, kv_buf_slice(&db->wal_rec));
		if (r == KV_OK && (db->opts.wal_sync == BT_WAL_SYNC_ALWAYS ||
				   (db->opts.wal_sync == BT_WAL_SYNC_BYTES &&
				    kv_log_unsynced_bytes(db->wal) >= db->opts.wal_sync_bytes)))
			r = kv_log_sync(db->wal);
		if (r != KV_OK) {
			struct kv_err cause;
			kv_log_err(db->wal, &cause);
			kv_err_copy(err, &cause);
			return set_bg_error(db, r, &cause);
		}
		db->bytes_since_ckpt += db->wal_rec.len + KV_LOG_HEADER_BYTES;
	} else {
		db->bytes_since_ckpt += key.len + value.len;
	}
	r = put ? bt_tree_put(&db->tree, key, value) : bt_tree_delete(&db->tree, key);
	if (r == KV_NOTFOUND)
		r = KV_OK;
	if (r != KV_OK) {
		/* The WAL has the write, the tree does not: stop here. */
		struct kv_err cause;
		kv_err_copy(&cause, err);
		return set_bg_error(db, r, &cause);
	}
	db->last_seq = seq;
	if (db->bytes_since_ckpt >= db->opts.checkpoint_bytes)
		(void)checkpoint(db); /* the write is done; a failure is sticky */
	return KV_OK;
}

static int btree_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value)
{
	return btree_write(to_db(e), key, value, true);
}

static int btree_del(struct kv_engine *e, struct kv_slice key)
{
	return btree_write(to_db(e), key, kv_slice_make(NULL, 0), false);
}

static int btree_sync(struct kv_engine *e)
{
	struct btree_db *db = to_db(e);
	int r;

	if (db->bg_error.code != KV_OK)
		return kv_err_copy(&e->err, &db->bg_error);
	if (!db->opts.wal)
		return KV_OK;
	r = kv_log_sync(db->wal);
	if (r != KV_OK) {
		struct kv_err cause;
		kv_log_err(db->wal, &cause);
		kv_err_copy(&e->err, &cause);
		return set_bg_error(db, r, &cause);
	}
	return KV_OK;
}

static int btree_flush(struct kv_engine *e)
{
	return checkpoint(to_db(e));
}

/* ---- reads ---- */

static int btree_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value)
{
	struct btree_db *db = to_db(e);
	struct bt_pager_stats before, after;
	int r;

	bt_pager_get_stats(db->pager, &before);
	r = bt_tree_get(&db->tree, key, &db->get_buf);
	bt_pager_get_stats(db->pager, &after);
	db->gets++;
	db->get_page_reads += after.page_reads - before.page_reads;
	if (r == KV_OK)
		*value = kv_buf_slice(&db->get_buf);
	return r;
}

struct bt_scan_iter {
	struct kv_iter base;
	struct btree_db *db;
	struct bt_cursor cur;
	struct kv_buf lo, hi;
	bool has_lo, has_hi;
	struct kv_err err;
};

static void si_seek(struct kv_iter *it, struct kv_slice target)
{
	struct bt_scan_iter *s = (struct bt_scan_iter *)it;

	if (s->cur.status != KV_OK)
		return;
	if (s->has_lo && (!target.data || kv_slice_cmp(target, kv_buf_slice(&s->lo)) < 0))
		target = kv_buf_slice(&s->lo);
	if (!target.data)
		target = kv_slice_make("", 0);
	if (bt_cursor_seek(&s->cur, target, false) != KV_OK)
		kv_err_copy(&s->err, &s->db->base.err);
}

static void si_seek_first(struct kv_iter *it)
{
	si_seek(it, kv_slice_make(NULL, 0));
}

static bool si_valid(const struct kv_iter *it)
{
	const struct bt_scan_iter *s = (const struct bt_scan_iter *)it;

	if (!s->cur.valid || s->cur.status != KV_OK)
		return false;
	return !s->has_hi || kv_slice_cmp(kv_buf_slice(&s->cur.key), kv_buf_slice(&s->hi)) < 0;
}

static void si_next(struct kv_iter *it)
{
	struct bt_scan_iter *s = (struct bt_scan_iter *)it;

	assert(si_valid(it));
	if (bt_cursor_next(&s->cur) != KV_OK)
		kv_err_copy(&s->err, &s->db->base.err);
}

static struct kv_slice si_key(const struct kv_iter *it)
{
	return kv_buf_slice(&((const struct bt_scan_iter *)it)->cur.key);
}

static struct kv_slice si_value(const struct kv_iter *it)
{
	return kv_buf_slice(&((const struct bt_scan_iter *)it)->cur.value);
}

static int si_status(const struct kv_iter *it)
{
	return ((const struct bt_scan_iter *)it)->cur.status;
}

static const char *si_errmsg(const struct kv_iter *it)
{
	return kv_err_msg(&((const struct bt_scan_iter *)it)->err);
}

static void si_close(struct kv_iter *it)
{
	struct bt_scan_iter *s = (struct bt_scan_iter *)it;

	bt_cursor_destroy(&s->cur);
	kv_buf_free(&s->lo);
	kv_buf_free(&s->hi);
	kv_free(KV_MEM_OTHER, s, sizeof(*s));
}

static const struct kv_iter_ops bt_scan_iter_ops = {
	.name = "btree_scan",
	.seek_first = si_seek_first,
	.seek = si_seek,
	.valid = si_valid,
	.next = si_next,
	.key = si_key,
	.value = si_value,
	.status = si_status,
	.close = si_close,
	.meta = NULL,
	.errmsg = si_errmsg,
};

static int btree_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		      struct kv_iter **out)
{
	struct btree_db *db = to_db(e);
	struct bt_scan_iter *s = kv_calloc(KV_MEM_OTHER, sizeof(*s));

	*out = NULL;
	if (!s)
		return kv_err_set(&e->err, KV_ENOMEM, "scan: out of memory");
	s->base.ops = &bt_scan_iter_ops;
	s->db = db;
	s->lo.component = s->hi.component = KV_MEM_OTHER;
	bt_cursor_init(&s->cur, &db->tree);
	s->has_lo = lo.data != NULL;
	s->has_hi = hi.data != NULL;
	if ((s->has_lo && kv_buf_set(&s->lo, lo.data, lo.len) != KV_OK) ||
	    (s->has_hi && kv_buf_set(&s->hi, hi.data, hi.len) != KV_OK)) {
		si_close(&s->base);
		return kv_err_set(&e->err, KV_ENOMEM, "scan: out of memory");
	}
	si_seek_first(&s->base);
	*out = &s->base;
	return KV_OK;
}

static int btree_check(struct kv_engine *e)
{
	return bt_tree_check(&to_db(e)->tree, NULL);
}

/* ---- statistics ---- */

int kv_engine_is_btree(const struct kv_engine *e)
{
	return e && e->ops == &kv_btree_engine_ops;
}

int kv_btree_get_stats(const struct kv_engine *e, struct kv_btree_stats *out)
{
	const struct btree_db *db = (const struct btree_db *)e;
	const struct bt_tree *t;
	struct bt_pool_stats ps;
	struct bt_pager_stats gs;
	uint64_t logical;

	memset(out, 0, sizeof(*out));
	if (!kv_engine_is_btree(e))
		return KV_EINVAL;
	t = &db->tree;
	bt_pool_get_stats(db->pool, &ps);
	bt_pager_get_stats(db->pager, &gs);
	out->page_bytes = (uint32_t)t->page_bytes;
	out->height = t->height;
	out->entries = t->entries;
	out->leaf_pages = t->leaf_pages;
	out->internal_pages = t->internal_pages;
	out->overflow_pages = t->overflow_pages;
	out->leaf_fill = t->leaf_pages ? ((double)t->leaf_used_bytes +
					  (double)t->leaf_pages * BT_PAGE_HEADER_BYTES) /
						 ((double)t->leaf_pages * (double)t->page_bytes)
				       : 0.0;
	out->pool_frames = bt_pool_frames(db->pool);
	out->pool_hits = ps.hits;
	out->pool_misses = ps.misses;
	out->evictions = ps.evictions;
	out->dirty_evictions = ps.dirty_evictions;
	out->page_reads = gs.page_reads;
	out->page_writes = gs.page_writes;
	out->pages_relocated = gs.writes_relocated;
	out->map_pages_written = gs.map_pages_written;
	out->leaf_splits = t->st.leaf_splits;
	out->internal_splits = t->st.internal_splits;
	out->root_splits = t->st.root_splits;
	out->merges = t->st.merges;
	out->redistributions = t->st.redistributions;
	out->root_collapses = t->st.root_collapses;
	out->rebalance_skipped = t->st.rebalance_skipped;
	out->checkpoints = db->checkpoints;
	out->wal_records_replayed = db->wal_records_replayed;
	out->gets = db->gets;
	out->get_page_reads = db->get_page_reads;
	bt_pager_space(db->pager, &out->file_slots, &out->free_slots, &logical);
	return KV_OK;
}

static void btree_report(struct kv_engine *e,
			 void (*cb)(void *ud, const char *name, double value), void *ud)
{
	struct btree_db *db = to_db(e);
	const struct kv_engine_stats *es = &e->stats;
	struct kv_btree_stats s;
	double entries, entry_bytes;

	kv_btree_get_stats(e, &s);
	entries = (double)(es->ops[KV_OP_PUT] + es->ops[KV_OP_DELETE]);
	entry_bytes = entries > 0 ? (double)(es->user_key_bytes_written +
					     es->user_value_bytes_written) / entries : 0.0;
	cb(ud, "page_size", (double)s.page_bytes);
	cb(ud, "height", (double)s.height);
	cb(ud, "entries", (double)s.entries);
	cb(ud, "leaf_pages", (double)s.leaf_pages);
	cb(ud, "internal_pages", (double)s.internal_pages);
	cb(ud, "overflow_pages", (double)s.overflow_pages);
	cb(ud, "leaf_fill_factor", s.leaf_fill);
	cb(ud, "textbook_random_insert_leaf_fill", KV_BTREE_TEXTBOOK_RANDOM_FILL);
	cb(ud, "pages_read_per_get", s.gets ? (double)s.get_page_reads / (double)s.gets : 0.0);
	cb(ud, "textbook_pages_read_per_get_inner_cached", 1.0);
	if (entry_bytes > 0)
		cb(ud, "textbook_wa_update_flushed_page_over_entry",
		   (double)s.page_bytes / entry_bytes);
	cb(ud, "pool_frames", (double)s.pool_frames);
	cb(ud, "pool_hits", (double)s.pool_hits);
	cb(ud, "pool_misses", (double)s.pool_misses);
	cb(ud, "pool_evictions", (double)s.evictions);
	cb(ud, "pool_dirty_evictions", (double)s.dirty_evictions);
	cb(ud, "page_reads", (double)s.page_reads);
	cb(ud, "page_writes", (double)s.page_writes);
	cb(ud, "pages_relocated", (double)s.pages_relocated);
	cb(ud, "map_pages_written", (double)s.map_pages_written);
	cb(ud, "leaf_splits", (double)s.leaf_splits);
	cb(ud, "internal_splits", (double)s.internal_splits);
	cb(ud, "root_splits", (double)s.root_splits);
	cb(ud, "merges", (double)s.merges);
	cb(ud, "redistributions", (double)s.redistributions);
	cb(ud, "root_collapses", (double)s.root_collapses);
	cb(ud, "rebalance_skipped", (double)s.rebalance_skipped);
	cb(ud, "checkpoints", (double)s.checkpoints);
	cb(ud, "wal_records_replayed", (double)s.wal_records_replayed);
	cb(ud, "wal_bytes_current", db->wal ? (double)kv_log_bytes(db->wal) : 0.0);
	cb(ud, "file_slots", (double)s.file_slots);
	cb(ud, "free_slots", (double)s.free_slots);
	cb(ud, "mem_buffer_pool_bytes", (double)kv_mem_in_use(KV_MEM_BUFFER_POOL));
}

const struct kv_engine_ops kv_btree_engine_ops = {
	.name = "btree",
	.version = 1,
	.instance_size = sizeof(struct btree_db),
	.doc = "B+ tree baseline: slotted pages, LRU buffer pool, redo WAL, shadow-paged "
	       "checkpoints",
	.options = btree_options_table,
	.open = btree_open,
	.close = btree_close,
	.put = btree_put,
	.get = btree_get,
	.del = btree_del,
	.scan = btree_scan,
	.sync = btree_sync,
	.flush = btree_flush,
	.compact_all = btree_flush,
	.report = btree_report,
	.check = btree_check,
};
