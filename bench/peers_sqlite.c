/*
 * bench/peers_sqlite.c - SQLite (sqlite3.h) as a peers adapter
 * (bench/peers.h): one table kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT
 * ROWID (a clustered B-tree on the key, like LMDB and lsmlab's B+ tree),
 * prepared statements, journal_mode=WAL, synchronous=OFF, page_size =
 * block_bytes, cache_size = cache_bytes, operations grouped into
 * transactions of txn_ops operations (BEGIN ... COMMIT; 1000-row
 * transactions for the fills). The WAL is checkpointed by SQLite's
 * default autocheckpoint (1000 pages).
 *
 * Invariants of struct sql (sql_check()):
 *  1. db and every statement are valid from the adapter's open until close.
 *  2. in_txn == false implies txn_ops_done == 0 and scans_open == 0.
 *  3. get_pending: the get statement holds a row (the value the last get
 *     returned) and is reset at the start of the next call.
 *  4. scan_idle is the cached scan statement when no scan uses it, else
 *     NULL (a second concurrent scan prepares its own statement).
 */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include <sqlite3.h>

#include "bench/peers.h"
#include "core/alloc.h"

#define SQL_SCAN "SELECT k, v FROM kv WHERE k >= ?1 ORDER BY k"

struct sql {
	struct kv_engine base;
	sqlite3 *db;
	sqlite3_stmt *put, *get, *del, *begin, *commit;
	sqlite3_stmt *scan_idle;
	bool in_txn;
	bool get_pending;
	unsigned txn_ops_done, txn_ops;
	unsigned scans_open;
};

static bool sql_check(const struct sql *s)
{
	if (!s->db || !s->put || !s->get || !s->del || !s->begin || !s->commit)
		return false;
	return s->in_txn || (s->txn_ops_done == 0 && s->scans_open == 0);
}

static struct sql *sql_of(struct kv_engine *e)
{
	return (struct sql *)e;
}

static int sql_fail(struct sql *s, const char *what)
{
	return kv_err_set(&s->base.err, KV_EIO, "sqlite %s: %s", what, sqlite3_errmsg(s->db));
}

static void sql_version(char *buf, size_t len)
{
	snprintf(buf, len, "%s", sqlite3_libversion());
}

/* Run a prepared statement that returns no rows, then reset it. */
static int run_done(struct sql *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? KV_OK : sql_fail(s, what);
}

static void drop_get(struct sql *s)
{
	if (s->get_pending) {
		sqlite3_reset(s->get);
		s->get_pending = false;
	}
}

static int txn_commit(struct sql *s)
{
	assert(s->scans_open == 0);
	drop_get(s);
	if (!s->in_txn)
		return KV_OK;
	s->in_txn = false;
	s->txn_ops_done = 0;
	return run_done(s, s->commit, "COMMIT");
}

/* Make a transaction ready for one more operation. */
static int txn_step(struct sql *s)
{
	int rc;

	assert(sql_check(s));
	drop_get(s);
	if (s->in_txn && s->txn_ops_done >= s->txn_ops && s->scans_open == 0) {
		rc = txn_commit(s);
		if (rc != KV_OK)
			return rc;
	}
	if (!s->in_txn) {
		rc = run_done(s, s->begin, "BEGIN");
		if (rc != KV_OK)
			return rc;
		s->in_txn = true;
	}
	s->txn_ops_done++;
	return KV_OK;
}

static int bind_blob(sqlite3_stmt *st, int i, struct kv_slice b)
{
	/* A 0-byte value is an empty blob, not NULL. */
	return sqlite3_bind_blob(st, i, b.len ? b.data : "", (int)b.len, SQLITE_STATIC);
}

static int sql_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value)
{
	struct sql *s = sql_of(e);
	int rc = txn_step(s);

	if (rc != KV_OK)
		return rc;
	if (bind_blob(s->put, 1, key) != SQLITE_OK || bind_blob(s->put, 2, value) != SQLITE_OK)
		return sql_fail(s, "bind");
	return run_done(s, s->put, "put");
}

static int sql_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value)
{
	struct sql *s = sql_of(e);
	int rc = txn_step(s);

	if (rc != KV_OK)
		return rc;
	if (bind_blob(s->get, 1, key) != SQLITE_OK)
		return sql_fail(s, "bind");
	rc = sqlite3_step(s->get);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s->get);
		return KV_NOTFOUND;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s->get);
		return sql_fail(s, "get");
	}
	s->get_pending = true;
	*value = kv_slice_make(sqlite3_column_blob(s->get, 0),
			       (size_t)sqlite3_column_bytes(s->get, 0));
	return KV_OK;
}

static int sql_del(struct kv_engine *e, struct kv_slice key)
{
	struct sql *s = sql_of(e);
	int rc = txn_step(s);

	if (rc != KV_OK)
		return rc;
	if (bind_blob(s->del, 1, key) != SQLITE_OK)
		return sql_fail(s, "bind");
	return run_done(s, s->del, "delete");
}

/* ---------------------------------------------------------------- scans */

struct sql_cursor {
	struct sql *s;
	sqlite3_stmt *st;
	int rc; /* of the last step */
};

static void qc_move(void *cur, const struct kv_slice *target)
{
	struct sql_cursor *c = cur;

	if (target) {
		sqlite3_reset(c->st);
		/* Every key is >= the empty blob. */
		bind_blob(c->st, 1, target->data ? *target : kv_slice_make("", 0));
	}
	c->rc = sqlite3_step(c->st);
}

static struct kv_slice column(const struct sql_cursor *c, int i)
{
	return kv_slice_make(sqlite3_column_blob(c->st, i), (size_t)sqlite3_column_bytes(c->st, i));
}

static bool qc_entry(const void *cur, struct kv_slice *key, struct kv_slice *value)
{
	const struct sql_cursor *c = cur;

	if (c->rc != SQLITE_ROW)
		return false;
	*key = column(c, 0);
	*value = column(c, 1);
	return true;
}

static int qc_status(const void *cur, const char **msg)
{
	const struct sql_cursor *c = cur;

	*msg = NULL;
	if (c->rc == SQLITE_ROW || c->rc == SQLITE_DONE)
		return KV_OK;
	*msg = sqlite3_errmsg(c->s->db);
	return KV_EIO;
}

static void qc_close(void *cur)
{
	struct sql_cursor *c = cur;

	sqlite3_reset(c->st);
	if (c->s->scan_idle)
		sqlite3_finalize(c->st);
	else
		c->s->scan_idle = c->st;
	c->s->scans_open--;
	kv_free(KV_MEM_OTHER, c, sizeof(*c));
}

static const struct peers_cursor_ops sql_cursor_ops = {
	.move = qc_move, .entry = qc_entry, .status = qc_status, .close = qc_close,
};

static int sql_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		    struct kv_iter **out)
{
	struct sql *s = sql_of(e);
	struct sql_cursor *c;
	int rc;

	*out = NULL;
	rc = txn_step(s);
	if (rc != KV_OK)
		return rc;
	c = kv_calloc(KV_MEM_OTHER, sizeof(*c));
	if (!c)
		return kv_err_set(&e->err, KV_ENOMEM, "sqlite scan: out of memory");
	c->s = s;
	c->st = s->scan_idle;
	s->scan_idle = NULL;
	if (!c->st && sqlite3_prepare_v2(s->db, SQL_SCAN, -1, &c->st, NULL) != SQLITE_OK) {
		kv_free(KV_MEM_OTHER, c, sizeof(*c));
		return sql_fail(s, "prepare scan");
	}
	s->scans_open++;
	return peers_iter_new(&sql_cursor_ops, c, lo, hi, out, &e->err);
}

/* ------------------------------------------------------------ the rest */

/* Commit what is open (sync, flush, compact_all: synchronous=OFF makes
   nothing more durable than a commit). */
static int sql_commit(struct kv_engine *e)
{
	return txn_commit(sql_of(e));
}

static void sql_close(struct kv_engine *e)
{
	struct sql *s = sql_of(e);

	if (!s->db)
		return;
	if (s->begin && s->commit && txn_commit(s) != KV_OK)
		fprintf(stderr, "peers: %s\n", kv_err_msg(&s->base.err));
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->begin);
	sqlite3_finalize(s->commit);
	sqlite3_finalize(s->scan_idle);
	if (sqlite3_close(s->db) != SQLITE_OK)
		fprintf(stderr, "peers: sqlite close: %s\n", sqlite3_errmsg(s->db));
}

static void sql_dump(struct kv_engine *e, FILE *out)
{
	struct sql *s = sql_of(e);
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, "PRAGMA page_count", -1, &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "  pages %" PRId64 "\n", (int64_t)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
}

static const struct kv_engine_ops sql_engine_ops = {
	.name = "sqlite",
	.version = 1,
	.instance_size = sizeof(struct sql),
	.doc = "SQLite, one WITHOUT ROWID table",
	.options = NULL,
	.open = peers_open_nothing,
	.close = sql_close,
	.put = sql_put,
	.get = sql_get,
	.del = sql_del,
	.scan = sql_scan,
	.sync = sql_commit,
	.flush = sql_commit,
	.compact_all = sql_commit,
	.report = NULL,
	.check = NULL,
};

/* The pragmas and the table, then the statements. */
static int sql_setup(struct sql *s, const struct peers_config *c, struct kv_err *err)
{
	char ddl[512];
	char *msg = NULL;
	int rc;

	snprintf(ddl, sizeof(ddl),
		 "PRAGMA page_size=%" PRIu64 "; PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; "
		 "PRAGMA cache_size=-%" PRIu64 "; "
		 "CREATE TABLE IF NOT EXISTS kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID;",
		 c->block_bytes, c->cache_bytes / 1024);
	rc = sqlite3_exec(s->db, ddl, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		rc = kv_err_set(err, KV_EIO, "sqlite setup: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return rc;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO kv(k, v) VALUES(?1, ?2)", -1,
			       &s->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT v FROM kv WHERE k = ?1", -1, &s->get, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM kv WHERE k = ?1", -1, &s->del, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "BEGIN", -1, &s->begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "COMMIT", -1, &s->commit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, SQL_SCAN, -1, &s->scan_idle, NULL) != SQLITE_OK)
		return kv_err_set(err, KV_EIO, "sqlite prepare: %s", sqlite3_errmsg(s->db));
	return KV_OK;
}

static int sql_open(const struct peers_config *c, const char *dir, struct kv_device **dev,
		    struct kv_engine **eng, struct kv_err *err)
{
	struct sql *s;
	char path[4096];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/kv.sqlite", dir) >= sizeof(path))
		return kv_err_set(err, KV_EINVAL, "sqlite: directory name too long: %s", dir);
	rc = peers_peer_open(&sql_engine_ops, dir, dev, eng, err);
	if (rc != KV_OK)
		return rc;
	s = sql_of(*eng);
	s->txn_ops = c->txn_ops ? c->txn_ops : 1;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		rc = kv_err_set(err, KV_EIO, "sqlite3_open %s: %s", path,
				s->db ? sqlite3_errmsg(s->db) : "out of memory");
	else
		rc = sql_setup(s, c, err);
	if (rc != KV_OK)
		return peers_open_failed(dev, eng, rc);
	assert(sql_check(s));
	return KV_OK;
}

const struct peers_adapter peers_sqlite_adapter = {
	.name = "sqlite", .family = "btree", .version = sql_version, .open = sql_open,
	.settle = NULL, .dump = sql_dump,
};
