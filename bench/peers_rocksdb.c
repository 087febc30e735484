/*
 * bench/peers_rocksdb.c - RocksDB through its C API (rocksdb/c.h) as a
 * peers adapter (bench/peers.h).
 *
 * The matched configuration: write_buffer_size, level0_file_num_compaction_
 * trigger, max_bytes_for_level_base, max_bytes_for_level_multiplier,
 * target_file_size_base from the config; level_compaction_dynamic_level_
 * bytes on (lsmlab's leveled default; RocksDB 7.8's default is off);
 * block-based tables with block_size, an LRU block cache of cache_bytes
 * and a full Bloom filter of bloom_bits_per_key; no compression; WAL on,
 * sync off (the WriteOptions default). Everything else is RocksDB's
 * default (2 background jobs, write-stall triggers 20/36 L0 files,
 * kMinOverlappingRatio). With statistics on, the report gives RocksDB's
 * own byte counters (tickers) for the write-amplification cross-check.
 *
 * Invariants of struct rdb (rdb_check()):
 *  1. db is open from the adapter's open until close; opts, topts, cache,
 *     wo, ro live as long as db.
 *  2. pinned is NULL or the value of the last get, released on the next
 *     get or at close.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rocksdb/c.h>

#include "bench/peers.h"
#include "core/alloc.h"

#define SETTLE_POLL_NS 20000000L        /* 20 ms */
#define SETTLE_LIMIT_S 1800.0

struct rdb {
	struct kv_engine base;
	rocksdb_t *db;
	rocksdb_options_t *opts;
	rocksdb_block_based_table_options_t *topts;
	rocksdb_cache_t *cache;
	rocksdb_writeoptions_t *wo;
	rocksdb_readoptions_t *ro;
	rocksdb_pinnableslice_t *pinned;
};

static bool rdb_check(const struct rdb *r)
{
	return r->db && r->opts && r->topts && r->cache && r->wo && r->ro;
}

static struct rdb *rdb_of(struct kv_engine *e)
{
	struct rdb *r = (struct rdb *)e;

	assert(rdb_check(r));
	return r;
}

static int rdb_fail(struct rdb *r, char *msg, const char *what)
{
	return peers_lib_error(&r->base, "rocksdb", what, msg, rocksdb_free);
}

static void rdb_version(char *buf, size_t len)
{
	snprintf(buf, len, "%s", PEERS_ROCKSDB_VERSION);
}

/* Everything but db exists once the adapter's open() has run. */
static void rdb_close(struct kv_engine *e)
{
	struct rdb *r = (struct rdb *)e;

	if (r->pinned)
		rocksdb_pinnableslice_destroy(r->pinned);
	if (r->db)
		rocksdb_close(r->db);
	rocksdb_readoptions_destroy(r->ro);
	rocksdb_writeoptions_destroy(r->wo);
	rocksdb_options_destroy(r->opts);
	rocksdb_block_based_options_destroy(r->topts);
	rocksdb_cache_destroy(r->cache);
}

static int rdb_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value)
{
	struct rdb *r = rdb_of(e);
	char *msg = NULL;

	rocksdb_put(r->db, r->wo, key.data, key.len, value.data, value.len, &msg);
	return msg ? rdb_fail(r, msg, "put") : KV_OK;
}

static int rdb_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value)
{
	struct rdb *r = rdb_of(e);
	char *msg = NULL;
	size_t len;
	const char *v;

	if (r->pinned) {
		rocksdb_pinnableslice_destroy(r->pinned);
		r->pinned = NULL;
	}
	r->pinned = rocksdb_get_pinned(r->db, r->ro, key.data, key.len, &msg);
	if (msg)
		return rdb_fail(r, msg, "get");
	if (!r->pinned)
		return KV_NOTFOUND;
	v = rocksdb_pinnableslice_value(r->pinned, &len);
	*value = kv_slice_make(v, len);
	return KV_OK;
}

static int rdb_del(struct kv_engine *e, struct kv_slice key)
{
	struct rdb *r = rdb_of(e);
	char *msg = NULL;

	rocksdb_delete(r->db, r->wo, key.data, key.len, &msg);
	return msg ? rdb_fail(r, msg, "delete") : KV_OK;
}

/* ---------------------------------------------------------------- scans */

struct rdb_cursor {
	rocksdb_iterator_t *it;
	char *msg; /* RocksDB's error string, or NULL */
};

static void rc_move(void *cur, const struct kv_slice *target)
{
	rocksdb_iterator_t *it = ((struct rdb_cursor *)cur)->it;

	if (!target)
		rocksdb_iter_next(it);
	else if (target->data)
		rocksdb_iter_seek(it, target->data, target->len);
	else
		rocksdb_iter_seek_to_first(it);
}

static bool rc_entry(const void *cur, struct kv_slice *key, struct kv_slice *value)
{
	const rocksdb_iterator_t *it = ((const struct rdb_cursor *)cur)->it;

	if (!rocksdb_iter_valid(it))
		return false;
	key->data = rocksdb_iter_key(it, &key->len);
	value->data = rocksdb_iter_value(it, &value->len);
	return true;
}

static int rc_status(const void *cur, const char **msg)
{
	struct rdb_cursor *c = (struct rdb_cursor *)cur;

	if (!c->msg)
		rocksdb_iter_get_error(c->it, &c->msg);
	*msg = c->msg;
	return c->msg ? KV_EIO : KV_OK;
}

static void rc_close(void *cur)
{
	struct rdb_cursor *c = cur;

	rocksdb_iter_destroy(c->it);
	if (c->msg)
		rocksdb_free(c->msg);
	kv_free(KV_MEM_OTHER, c, sizeof(*c));
}

static const struct peers_cursor_ops rdb_cursor_ops = {
	.move = rc_move, .entry = rc_entry, .status = rc_status, .close = rc_close,
};

static int rdb_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		    struct kv_iter **out)
{
	struct rdb *r = rdb_of(e);
	struct rdb_cursor *c = kv_calloc(KV_MEM_OTHER, sizeof(*c));

	*out = NULL;
	if (!c)
		return kv_err_set(&e->err, KV_ENOMEM, "rocksdb scan: out of memory");
	c->it = rocksdb_create_iterator(r->db, r->ro);
	return peers_iter_new(&rdb_cursor_ops, c, lo, hi, out, &e->err);
}

/* ------------------------------------------------------------ the rest */

static int rdb_sync(struct kv_engine *e)
{
	struct rdb *r = rdb_of(e);
	char *msg = NULL;

	rocksdb_flush_wal(r->db, 1, &msg);
	return msg ? rdb_fail(r, msg, "flush_wal") : KV_OK;
}

static int rdb_flush(struct kv_engine *e)
{
	struct rdb *r = rdb_of(e);
	rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
	char *msg = NULL;

	rocksdb_flushoptions_set_wait(fo, 1);
	rocksdb_flush(r->db, fo, &msg);
	rocksdb_flushoptions_destroy(fo);
	return msg ? rdb_fail(r, msg, "flush") : KV_OK;
}

static int rdb_compact_all(struct kv_engine *e)
{
	struct rdb *r = rdb_of(e);
	int rc = rdb_flush(e);

	if (rc == KV_OK)
		rocksdb_compact_range(r->db, NULL, 0, NULL, 0);
	return rc;
}

/*
 * RocksDB's own counters, from the statistics' text dump ("NAME COUNT :
 * V" lines): bytes written by flushes, by compactions, to the WAL, and
 * the user bytes RocksDB counts (write-batch bytes).
 */
static void rdb_report(struct kv_engine *e, void (*cb)(void *ud, const char *name, double v),
		       void *ud)
{
	static const char *const tickers[] = {
		"rocksdb.bytes.written", "rocksdb.flush.write.bytes",
		"rocksdb.compact.write.bytes", "rocksdb.compact.read.bytes",
		"rocksdb.wal.bytes", "rocksdb.number.keys.written",
		"rocksdb.stall.micros",
	};
	struct rdb *r = rdb_of(e);
	char *text = rocksdb_options_statistics_get_string(r->opts);

	if (!text)
		return;
	for (size_t i = 0; i < sizeof(tickers) / sizeof(tickers[0]); i++) {
		size_t n = strlen(tickers[i]);
		const char *p = text;

		while ((p = strstr(p, tickers[i])) != NULL) {
			bool line_start = p == text || p[-1] == '\n';

			p += n;
			if (line_start && strncmp(p, " COUNT : ", 9) == 0) {
				cb(ud, tickers[i], strtod(p + 9, NULL));
				break;
			}
		}
	}
	rocksdb_free(text);
}

static uint64_t prop_int(struct rdb *r, const char *name)
{
	uint64_t v = 0;

	if (rocksdb_property_int(r->db, name, &v) != 0)
		return 0;
	return v;
}

/* Wait until no flush or compaction is pending or running. */
static int rdb_settle(struct kv_engine *e, struct kv_err *err)
{
	static const char *const busy[] = {
		"rocksdb.mem-table-flush-pending", "rocksdb.compaction-pending",
		"rocksdb.num-running-flushes", "rocksdb.num-running-compactions",
	};
	struct rdb *r = rdb_of(e);
	struct timespec pause = { 0, SETTLE_POLL_NS };
	double waited = 0;

	for (;;) {
		uint64_t sum = 0;

		for (size_t i = 0; i < sizeof(busy) / sizeof(busy[0]); i++)
			sum += prop_int(r, busy[i]);
		if (sum == 0)
			return KV_OK;
		if (waited > SETTLE_LIMIT_S)
			return kv_err_set(err, KV_EIO, "rocksdb: background work still pending "
					  "after %.0f s", waited);
		nanosleep(&pause, NULL);
		waited += (double)SETTLE_POLL_NS / 1e9;
	}
}

static void rdb_dump(struct kv_engine *e, FILE *out)
{
	struct rdb *r = rdb_of(e);
	char *text = rocksdb_property_value(r->db, "rocksdb.stats");

	if (text) {
		fputs(text, out);
		rocksdb_free(text);
	}
}

static const struct kv_engine_ops rdb_engine_ops = {
	.name = "rocksdb",
	.version = 1,
	.instance_size = sizeof(struct rdb),
	.doc = "RocksDB through its C API",
	.options = NULL,
	.open = peers_open_nothing,
	.close = rdb_close,
	.put = rdb_put,
	.get = rdb_get,
	.del = rdb_del,
	.scan = rdb_scan,
	.sync = rdb_sync,
	.flush = rdb_flush,
	.compact_all = rdb_compact_all,
	.report = rdb_report,
	.check = NULL,
};

static void rdb_configure(struct rdb *r, const struct peers_config *c)
{
	rocksdb_options_set_create_if_missing(r->opts, 1);
	rocksdb_options_set_write_buffer_size(r->opts, c->write_buffer_bytes);
	rocksdb_options_set_level0_file_num_compaction_trigger(r->opts, (int)c->level0_trigger);
	rocksdb_options_set_max_bytes_for_level_base(r->opts, c->level_base_bytes);
	rocksdb_options_set_max_bytes_for_level_multiplier(r->opts, c->level_multiplier);
	rocksdb_options_set_target_file_size_base(r->opts, c->target_file_bytes);
	rocksdb_options_set_level_compaction_dynamic_level_bytes(r->opts, 1);
	rocksdb_options_set_compression(r->opts, rocksdb_no_compression);
	if (c->statistics)
		rocksdb_options_enable_statistics(r->opts);
	rocksdb_block_based_options_set_block_size(r->topts, c->block_bytes);
	rocksdb_block_based_options_set_block_cache(r->topts, r->cache);
	/* The table options take ownership of the filter policy. */
	rocksdb_block_based_options_set_filter_policy(
		r->topts, rocksdb_filterpolicy_create_bloom_full((double)c->bloom_bits_per_key));
	rocksdb_options_set_block_based_table_factory(r->opts, r->topts);
}

static int rdb_open(const struct peers_config *c, const char *dir, struct kv_device **dev,
		    struct kv_engine **eng, struct kv_err *err)
{
	struct rdb *r;
	char *msg = NULL;
	int rc = peers_peer_open(&rdb_engine_ops, dir, dev, eng, err);

	if (rc != KV_OK)
		return rc;
	r = (struct rdb *)*eng;
	r->opts = rocksdb_options_create();
	r->topts = rocksdb_block_based_options_create();
	r->cache = rocksdb_cache_create_lru(c->cache_bytes);
	r->wo = rocksdb_writeoptions_create();
	r->ro = rocksdb_readoptions_create();
	rdb_configure(r, c);
	r->db = rocksdb_open(r->opts, dir, &msg);
	if (!r->db) {
		rc = kv_err_set(err, KV_EIO, "rocksdb_open %s: %s", dir, msg ? msg : "failed");
		rocksdb_free(msg);
		return peers_open_failed(dev, eng, rc);
	}
	assert(rdb_check(r));
	return KV_OK;
}

const struct peers_adapter peers_rocksdb_adapter = {
	.name = "rocksdb", .family = "lsm", .version = rdb_version, .open = rdb_open,
	.settle = rdb_settle, .dump = rdb_dump,
};
