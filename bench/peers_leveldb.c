/*
 * bench/peers_leveldb.c - LevelDB through its C API (leveldb/c.h) as a
 * peers adapter (bench/peers.h).
 *
 * The matched configuration: write_buffer_size, block_size, an LRU cache
 * of cache_bytes, a Bloom filter of bloom_bits_per_key, max_file_size =
 * target_file_bytes (LevelDB's default is 2 MiB); no compression; sync
 * off. LevelDB compiles in the rest: the L0 trigger is 4 (as configured),
 * the L1 target 10 MiB (not the configured 16 MiB), the multiplier 10,
 * static level targets (no dynamic level bytes), one background thread.
 * It reads SSTables through mmap (up to 1000 files on 64-bit hosts).
 * LevelDB has no call that waits for compactions: the driver's wait for
 * the process's write counter to stand still covers it.
 *
 * Invariants of struct ldb (ldb_check()):
 *  1. db is open from the adapter's open until close; opts, cache,
 *     filter, wo, ro live as long as db.
 *  2. value is NULL or the malloc'd result of the last get (LevelDB owns
 *     its allocation: leveldb_free), released on the next get or at close.
 */
#include <assert.h>
#include <stdio.h>

#include <leveldb/c.h>

#include "bench/peers.h"
#include "core/alloc.h"

struct ldb {
	struct kv_engine base;
	leveldb_t *db;
	leveldb_options_t *opts;
	leveldb_cache_t *cache;
	leveldb_filterpolicy_t *filter;
	leveldb_writeoptions_t *wo;
	leveldb_readoptions_t *ro;
	char *value;
};

static bool ldb_check(const struct ldb *l)
{
	return l->db && l->opts && l->cache && l->filter && l->wo && l->ro;
}

static struct ldb *ldb_of(struct kv_engine *e)
{
	struct ldb *l = (struct ldb *)e;

	assert(ldb_check(l));
	return l;
}

static int ldb_fail(struct ldb *l, char *msg, const char *what)
{
	return peers_lib_error(&l->base, "leveldb", what, msg, leveldb_free);
}

static void ldb_version(char *buf, size_t len)
{
	snprintf(buf, len, "%d.%d", leveldb_major_version(), leveldb_minor_version());
}

/* Everything but db exists once the adapter's open() has run. */
static void ldb_close(struct kv_engine *e)
{
	struct ldb *l = (struct ldb *)e;

	leveldb_free(l->value);
	if (l->db)
		leveldb_close(l->db);
	leveldb_readoptions_destroy(l->ro);
	leveldb_writeoptions_destroy(l->wo);
	leveldb_options_destroy(l->opts);
	leveldb_filterpolicy_destroy(l->filter);
	leveldb_cache_destroy(l->cache);
}

static int ldb_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value)
{
	struct ldb *l = ldb_of(e);
	char *msg = NULL;

	leveldb_put(l->db, l->wo, key.data, key.len, value.data, value.len, &msg);
	return msg ? ldb_fail(l, msg, "put") : KV_OK;
}

static int ldb_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value)
{
	struct ldb *l = ldb_of(e);
	char *msg = NULL;
	size_t len = 0;

	leveldb_free(l->value);
	l->value = leveldb_get(l->db, l->ro, key.data, key.len, &len, &msg);
	if (msg)
		return ldb_fail(l, msg, "get");
	if (!l->value)
		return KV_NOTFOUND;
	*value = kv_slice_make(l->value, len);
	return KV_OK;
}

static int ldb_del(struct kv_engine *e, struct kv_slice key)
{
	struct ldb *l = ldb_of(e);
	char *msg = NULL;

	leveldb_delete(l->db, l->wo, key.data, key.len, &msg);
	return msg ? ldb_fail(l, msg, "delete") : KV_OK;
}

/* ---------------------------------------------------------------- scans */

struct ldb_cursor {
	leveldb_iterator_t *it;
	char *msg;
};

static void lc_move(void *cur, const struct kv_slice *target)
{
	leveldb_iterator_t *it = ((struct ldb_cursor *)cur)->it;

	if (target && target->data)
		leveldb_iter_seek(it, target->data, target->len);
	else if (target)
		leveldb_iter_seek_to_first(it);
	else
		leveldb_iter_next(it);
}

static bool lc_entry(const void *cur, struct kv_slice *key, struct kv_slice *value)
{
	const struct ldb_cursor *c = cur;

	if (leveldb_iter_valid(c->it) == 0)
		return false;
	key->data = leveldb_iter_key(c->it, &key->len);
	value->data = leveldb_iter_value(c->it, &value->len);
	return true;
}

static int lc_status(const void *cur, const char **msg)
{
	struct ldb_cursor *c = (struct ldb_cursor *)cur;

	if (c->msg == NULL)
		leveldb_iter_get_error(c->it, &c->msg);
	*msg = c->msg;
	return c->msg == NULL ? KV_OK : KV_EIO;
}

static void lc_close(void *cur)
{
	struct ldb_cursor *c = cur;

	leveldb_free(c->msg);
	leveldb_iter_destroy(c->it);
	kv_free(KV_MEM_OTHER, c, sizeof(*c));
}

static const struct peers_cursor_ops ldb_cursor_ops = {
	.move = lc_move, .entry = lc_entry, .status = lc_status, .close = lc_close,
};

static int ldb_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		    struct kv_iter **out)
{
	struct ldb *l = ldb_of(e);
	struct ldb_cursor *c = kv_calloc(KV_MEM_OTHER, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return kv_err_set(&e->err, KV_ENOMEM, "leveldb scan: out of memory");
	c->it = leveldb_create_iterator(l->db, l->ro);
	return peers_iter_new(&ldb_cursor_ops, c, lo, hi, out, &e->err);
}

/* ------------------------------------------------------------ the rest */

/* An empty synced write makes every earlier write durable. */
static int ldb_sync(struct kv_engine *e)
{
	struct ldb *l = ldb_of(e);
	leveldb_writeoptions_t *wo = leveldb_writeoptions_create();
	leveldb_writebatch_t *batch = leveldb_writebatch_create();
	char *msg = NULL;

	leveldb_writeoptions_set_sync(wo, 1);
	leveldb_write(l->db, wo, batch, &msg);
	leveldb_writebatch_destroy(batch);
	leveldb_writeoptions_destroy(wo);
	return msg ? ldb_fail(l, msg, "sync") : KV_OK;
}

/* LevelDB flushes the memtable only as part of a manual compaction. */
static int ldb_compact_all(struct kv_engine *e)
{
	leveldb_compact_range(ldb_of(e)->db, NULL, 0, NULL, 0);
	return KV_OK;
}

static void ldb_dump(struct kv_engine *e, FILE *out)
{
	char *text = leveldb_property_value(ldb_of(e)->db, "leveldb.stats");

	if (text) {
		fputs(text, out);
		leveldb_free(text);
	}
}

static const struct kv_engine_ops ldb_engine_ops = {
	.name = "leveldb",
	.version = 1,
	.instance_size = sizeof(struct ldb),
	.doc = "LevelDB through its C API",
	.options = NULL,
	.open = peers_open_nothing,
	.close = ldb_close,
	.put = ldb_put,
	.get = ldb_get,
	.del = ldb_del,
	.scan = ldb_scan,
	.sync = ldb_sync,
	.flush = ldb_compact_all,
	.compact_all = ldb_compact_all,
	.report = NULL,
	.check = NULL,
};

static int ldb_open(const struct peers_config *c, const char *dir, struct kv_device **dev,
		    struct kv_engine **eng, struct kv_err *err)
{
	struct ldb *l;
	char *msg = NULL;
	int rc = peers_peer_open(&ldb_engine_ops, dir, dev, eng, err);

	if (rc != KV_OK)
		return rc;
	l = (struct ldb *)*eng;
	l->opts = leveldb_options_create();
	l->cache = leveldb_cache_create_lru(c->cache_bytes);
	l->filter = leveldb_filterpolicy_create_bloom((int)c->bloom_bits_per_key);
	l->wo = leveldb_writeoptions_create();
	l->ro = leveldb_readoptions_create();
	leveldb_options_set_create_if_missing(l->opts, 1);
	leveldb_options_set_write_buffer_size(l->opts, c->write_buffer_bytes);
	leveldb_options_set_max_file_size(l->opts, c->target_file_bytes);
	leveldb_options_set_block_size(l->opts, c->block_bytes);
	leveldb_options_set_cache(l->opts, l->cache);
	leveldb_options_set_filter_policy(l->opts, l->filter);
	leveldb_options_set_compression(l->opts, leveldb_no_compression);
	l->db = leveldb_open(l->opts, dir, &msg);
	if (l->db == NULL) {
		rc = kv_err_set(err, KV_EIO, "leveldb_open %s: %s", dir, msg ? msg : "failed");
		leveldb_free(msg);
		return peers_open_failed(dev, eng, rc);
	}
	assert(ldb_check(l));
	return KV_OK;
}

const struct peers_adapter peers_leveldb_adapter = {
	.name = "leveldb", .family = "lsm", .version = ldb_version, .open = ldb_open,
	.settle = NULL, .dump = ldb_dump,
};
