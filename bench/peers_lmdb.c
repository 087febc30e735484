/*
 * bench/peers_lmdb.c - LMDB (lmdb.h) as a peers adapter (bench/peers.h).
 *
 * The matched configuration: MDB_NOSYNC (commits do not fsync; the
 * counterpart of the LSMs' unsynced WAL), operations grouped into
 * transactions of txn_ops operations (1000-put transactions for the
 * fills). LMDB has no cache of its own: it maps the file and reads pages
 * in place through the OS page cache; its page is the OS page (4 KiB).
 * The map size only reserves address space (64 GiB); the file grows as
 * pages are used.
 *
 * Transactions: the first operation opens one; a write turns a read
 * transaction into a write transaction (LMDB cannot upgrade: the read
 * transaction is reset and a write transaction begins); once txn_ops
 * operations have run, the next operation commits it (a write
 * transaction) or resets it (a read transaction, kept for mdb_txn_renew)
 * first, so a value a get returned stays valid until the next call.
 *
 * Invariants of struct lmdb (lmdb_check()):
 *  1. env is open and dbi valid from the adapter's open until close.
 *  2. txn == NULL implies txn_ops_done == 0 and scans_open == 0.
 *  3. idle is NULL or a reset read transaction; it is never txn.
 *  4. scans_open > 0 implies txn != NULL (a cursor lives in txn, which
 *     is neither committed nor reset while a cursor is open).
 */
#include <assert.h>
#include <stdio.h>

#include <lmdb.h>

#include "bench/peers.h"
#include "core/alloc.h"

#define MAP_BYTES ((size_t)64 << 30)

struct lmdb {
	struct kv_engine base;
	MDB_env *env;
	MDB_dbi dbi;
	MDB_txn *txn;          /* the open transaction, or NULL */
	bool txn_writes;       /* txn is a write transaction */
	MDB_txn *idle;         /* a reset read transaction, or NULL */
	unsigned txn_ops_done; /* operations run in txn */
	unsigned txn_ops;      /* operations per transaction */
	unsigned scans_open;
};

static bool lmdb_check(const struct lmdb *m)
{
	if (!m->env || m->txn_ops == 0)
		return false;
	if (!m->txn && (m->txn_ops_done != 0 || m->scans_open != 0))
		return false;
	return !m->idle || m->idle != m->txn;
}

static int lmdb_fail(struct lmdb *m, int rc, const char *what)
{
	return kv_err_set(&m->base.err, rc == MDB_MAP_FULL ? KV_ENOSPC : KV_EIO, "lmdb %s: %s",
			  what, mdb_strerror(rc));
}

static void lmdb_version(char *buf, size_t len)
{
	int major, minor, patch;

	mdb_version(&major, &minor, &patch);
	snprintf(buf, len, "%d.%d.%d", major, minor, patch);
}

/* Commit (write) or reset (read) the open transaction, if any. */
static int txn_end(struct lmdb *m)
{
	int rc = MDB_SUCCESS;

	assert(m->scans_open == 0);
	if (!m->txn)
		return KV_OK;
	if (m->txn_writes) {
		rc = mdb_txn_commit(m->txn);
	} else {
		mdb_txn_reset(m->txn);
		m->idle = m->txn;
	}
	m->txn = NULL;
	m->txn_ops_done = 0;
	return rc == MDB_SUCCESS ? KV_OK : lmdb_fail(m, rc, "commit");
}

/* Make a transaction able to @write ready for one more operation. */
static int txn_for(struct lmdb *m, bool write)
{
	int rc;

	assert(lmdb_check(m));
	if (m->txn && m->scans_open == 0 &&
	    (m->txn_ops_done >= m->txn_ops || (write && !m->txn_writes))) {
		rc = txn_end(m);
		if (rc != KV_OK)
			return rc;
	}
	if (!m->txn) {
		if (write) {
			rc = mdb_txn_begin(m->env, NULL, 0, &m->txn);
		} else if (m->idle) {
			rc = mdb_txn_renew(m->idle);
			if (rc == MDB_SUCCESS)
				m->txn = m->idle;
			m->idle = NULL;
		} else {
			rc = mdb_txn_begin(m->env, NULL, MDB_RDONLY, &m->txn);
		}
		if (rc != MDB_SUCCESS) {
			m->txn = NULL;
			return lmdb_fail(m, rc, "txn_begin");
		}
		m->txn_writes = write;
	}
	assert(!write || m->txn_writes);
	m->txn_ops_done++;
	return KV_OK;
}

static struct lmdb *lmdb_of(struct kv_engine *e)
{
	return (struct lmdb *)e;
}

static MDB_val mval(struct kv_slice s)
{
	MDB_val v = { s.len, (void *)s.data };

	return v;
}

static int lmdb_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value)
{
	struct lmdb *m = lmdb_of(e);
	MDB_val k = mval(key), v = mval(value);
	int rc = txn_for(m, true);

	if (rc != KV_OK)
		return rc;
	rc = mdb_put(m->txn, m->dbi, &k, &v, 0);
	return rc == MDB_SUCCESS ? KV_OK : lmdb_fail(m, rc, "put");
}

static int lmdb_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value)
{
	struct lmdb *m = lmdb_of(e);
	MDB_val k = mval(key), v;
	int rc = txn_for(m, false);

	if (rc != KV_OK)
		return rc;
	rc = mdb_get(m->txn, m->dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return KV_NOTFOUND;
	if (rc != MDB_SUCCESS)
		return lmdb_fail(m, rc, "get");
	*value = kv_slice_make(v.mv_data, v.mv_size);
	return KV_OK;
}

static int lmdb_del(struct kv_engine *e, struct kv_slice key)
{
	struct lmdb *m = lmdb_of(e);
	MDB_val k = mval(key);
	int rc = txn_for(m, true);

	if (rc != KV_OK)
		return rc;
	rc = mdb_del(m->txn, m->dbi, &k, NULL);
	return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? KV_OK : lmdb_fail(m, rc, "delete");
}

/* ---------------------------------------------------------------- scans */

struct lmdb_cursor {
	struct lmdb *m;
	MDB_cursor *cur;
	MDB_val key, value;
	int rc; /* of the last positioning call */
};

static void mc_move(void *cur, const struct kv_slice *target)
{
	struct lmdb_cursor *c = cur;
	MDB_cursor_op op = MDB_NEXT;

	if (target && target->data) {
		c->key = mval(*target);
		op = MDB_SET_RANGE;
	} else if (target) {
		op = MDB_FIRST;
	}
	c->rc = mdb_cursor_get(c->cur, &c->key, &c->value, op);
}

static bool mc_entry(const void *cur, struct kv_slice *key, struct kv_slice *value)
{
	const struct lmdb_cursor *c = cur;

	*key = kv_slice_make(c->key.mv_data, c->key.mv_size);
	*value = kv_slice_make(c->value.mv_data, c->value.mv_size);
	return c->rc == MDB_SUCCESS;
}

static int mc_status(const void *cur, const char **msg)
{
	const struct lmdb_cursor *c = cur;

	if (c->rc == MDB_SUCCESS || c->rc == MDB_NOTFOUND) {
		*msg = NULL;
		return KV_OK;
	}
	*msg = mdb_strerror(c->rc);
	return KV_EIO;
}

static void mc_close(void *cur)
{
	struct lmdb_cursor *c = cur;

	mdb_cursor_close(c->cur);
	c->m->scans_open--;
	kv_free(KV_MEM_OTHER, c, sizeof(*c));
}

static const struct peers_cursor_ops lmdb_cursor_ops = {
	.move = mc_move, .entry = mc_entry, .status = mc_status, .close = mc_close,
};

static int lmdb_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		     struct kv_iter **out)
{
	struct lmdb *m = lmdb_of(e);
	struct lmdb_cursor *c;
	int rc;

	*out = NULL;
	rc = txn_for(m, false);
	if (rc != KV_OK)
		return rc;
	c = kv_calloc(KV_MEM_OTHER, sizeof(*c));
	if (!c)
		return kv_err_set(&e->err, KV_ENOMEM, "lmdb scan: out of memory");
	c->m = m;
	rc = mdb_cursor_open(m->txn, m->dbi, &c->cur);
	if (rc != MDB_SUCCESS) {
		kv_free(KV_MEM_OTHER, c, sizeof(*c));
		return lmdb_fail(m, rc, "cursor_open");
	}
	m->scans_open++;
	return peers_iter_new(&lmdb_cursor_ops, c, lo, hi, out, &e->err);
}

/* ------------------------------------------------------------ the rest */

/* Commit what is open (flush, compact_all: nothing else to do). */
static int lmdb_commit(struct kv_engine *e)
{
	return txn_end(lmdb_of(e));
}

static int lmdb_sync(struct kv_engine *e)
{
	struct lmdb *m = lmdb_of(e);
	int rc = txn_end(m);

	if (rc != KV_OK)
		return rc;
	rc = mdb_env_sync(m->env, 1);
	return rc == MDB_SUCCESS ? KV_OK : lmdb_fail(m, rc, "env_sync");
}

static void lmdb_close(struct kv_engine *e)
{
	struct lmdb *m = lmdb_of(e);

	if (!m->env)
		return;
	if (txn_end(m) != KV_OK)
		fprintf(stderr, "peers: %s\n", kv_err_msg(&m->base.err));
	if (m->idle)
		mdb_txn_abort(m->idle);
	mdb_env_close(m->env);
}

static void lmdb_dump(struct kv_engine *e, FILE *out)
{
	struct lmdb *m = lmdb_of(e);
	MDB_stat st;
	MDB_envinfo info;

	if (mdb_env_stat(m->env, &st) != MDB_SUCCESS || mdb_env_info(m->env, &info) != MDB_SUCCESS)
		return;
	fprintf(out, "  depth %u, branch pages %zu, leaf pages %zu, overflow pages %zu, "
		"entries %zu, last page %zu, page %u bytes\n", st.ms_depth, st.ms_branch_pages,
		st.ms_leaf_pages, st.ms_overflow_pages, st.ms_entries, info.me_last_pgno,
		st.ms_psize);
}

static const struct kv_engine_ops lmdb_engine_ops = {
	.name = "lmdb",
	.version = 1,
	.instance_size = sizeof(struct lmdb),
	.doc = "LMDB",
	.options = NULL,
	.open = peers_open_nothing,
	.close = lmdb_close,
	.put = lmdb_put,
	.get = lmdb_get,
	.del = lmdb_del,
	.scan = lmdb_scan,
	.sync = lmdb_sync,
	.flush = lmdb_commit,
	.compact_all = lmdb_commit,
	.report = NULL,
	.check = NULL,
};

/* Create the environment in @dir and open its main database. */
static int lmdb_env(struct lmdb *m, const char *dir)
{
	MDB_txn *txn;
	int rc = mdb_env_create(&m->env);

	if (rc != MDB_SUCCESS) {
		m->env = NULL;
		return rc;
	}
	rc = mdb_env_set_mapsize(m->env, MAP_BYTES);
	if (rc == MDB_SUCCESS)
		rc = mdb_env_open(m->env, dir, MDB_NOSYNC | MDB_NOTLS, 0644);
	if (rc == MDB_SUCCESS)
		rc = mdb_txn_begin(m->env, NULL, 0, &txn);
	if (rc != MDB_SUCCESS)
		return rc;
	rc = mdb_dbi_open(txn, NULL, 0, &m->dbi);
	if (rc != MDB_SUCCESS) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

static int lmdb_open(const struct peers_config *c, const char *dir, struct kv_device **dev,
		     struct kv_engine **eng, struct kv_err *err)
{
	struct lmdb *m;
	int rc = peers_peer_open(&lmdb_engine_ops, dir, dev, eng, err);

	if (rc != KV_OK)
		return rc;
	m = lmdb_of(*eng);
	m->txn_ops = c->txn_ops ? c->txn_ops : 1;
	rc = lmdb_env(m, dir);
	if (rc != MDB_SUCCESS)
		return peers_open_failed(dev, eng, kv_err_set(err, KV_EIO, "lmdb open %s: %s", dir,
							      mdb_strerror(rc)));
	assert(lmdb_check(m));
	return KV_OK;
}

const struct peers_adapter peers_lmdb_adapter = {
	.name = "lmdb", .family = "btree", .version = lmdb_version, .open = lmdb_open,
	.settle = NULL, .dump = lmdb_dump,
};
