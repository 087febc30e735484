/*
 * bench/peers.h - the adapter interface of the peers harness (bench/peers.c,
 * docs/BENCHMARKS.md "Peers"): RocksDB, LevelDB, LMDB and SQLite through
 * their public C APIs, and lsmlab's LSM and B+ tree engines, all behind
 * struct kv_engine, so lsmlab's own db_bench runner (workloads/dbbench.h)
 * and workload runner (workloads/runner.h) drive every engine with the
 * same keys, values and operation streams, and verify their answers.
 *
 * A peer's kv_engine sits on a `file` device opened on the peer's
 * directory that the peer never writes through: the device supplies the
 * wall clock the engine wrapper times operations with, and its byte
 * counters stay zero. Bytes a peer writes are taken from the process's
 * I/O counters (/proc/self/io) by the driver, for lsmlab too, so every
 * engine is measured by the same counter; lsmlab's device counters are
 * reported next to them.
 *
 * Ownership: open() returns an engine and a device owned by the caller,
 * closed with peers_close() (engine first). Values returned by get and by
 * iterators are borrowed until the next call on the engine, as for every
 * kv_engine.
 */
#ifndef KV_BENCH_PEERS_H
#define KV_BENCH_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/device.h"
#include "core/engine.h"
#include "core/status.h"

/*
 * The matched configuration (the Foundation configuration of
 * docs/BENCHMARKS.md). Each adapter maps what its library has; the
 * mapping is written at the top of its file.
 */
struct peers_config {
	uint64_t write_buffer_bytes;     /* memtable size that triggers a flush */
	unsigned level0_trigger;         /* L0 files that trigger a compaction */
	uint64_t level_base_bytes;       /* target of the base level */
	double level_multiplier;         /* size ratio between levels */
	uint64_t target_file_bytes;      /* SSTable size of compaction outputs */
	unsigned bloom_bits_per_key;
	uint64_t block_bytes;            /* SSTable data block / B+ tree page */
	uint64_t cache_bytes;            /* block cache / page cache / buffer pool */
	unsigned txn_ops;                /* operations per LMDB/SQLite transaction */
	bool statistics;                 /* RocksDB: keep its statistics */
};

/* The matched configuration's values (docs/BENCHMARKS.md "Foundation"). */
void peers_config_default(struct peers_config *c);

struct peers_adapter {
	const char *name;       /* "rocksdb", "lsmlab-lsm", ... */
	const char *family;     /* "lsm" or "btree": the lsmlab engine it is compared with */
	/* The library's version, e.g. "7.8.3", into @buf. */
	void (*version)(char *buf, size_t len);
	/*
	 * Open a fresh store in the existing empty directory @dir with @c.
	 * On success *dev and *eng are owned by the caller (peers_close); on
	 * failure both are NULL and @err names the library call and @dir.
	 */
	int (*open)(const struct peers_config *c, const char *dir, struct kv_device **dev,
		    struct kv_engine **eng, struct kv_err *err);
	/*
	 * Optional (NULL: nothing to ask): return once the background work
	 * the writes so far have caused (flushes, compactions) is done, so
	 * the writes' I/O is all counted. The driver then also waits, for
	 * every engine, until the process's write counter stands still.
	 * KV_OK or KV_EIO.
	 */
	int (*settle)(struct kv_engine *e, struct kv_err *err);
	/* Optional: print the library's own statistics (rocksdb.stats, ...). */
	void (*dump)(struct kv_engine *e, FILE *out);
};

/* The adapters (one file each). lsmlab's engines are always built. */
extern const struct peers_adapter peers_lsm_adapter;
extern const struct peers_adapter peers_btree_adapter;
extern const struct peers_adapter peers_rocksdb_adapter;
extern const struct peers_adapter peers_leveldb_adapter;
extern const struct peers_adapter peers_lmdb_adapter;
extern const struct peers_adapter peers_sqlite_adapter;

/* The open() of a peer's kv_engine_ops: nothing (the instance is zeroed). */
int peers_open_nothing(struct kv_engine *e, const struct kv_engine_args *args);

/*
 * The first half of a peer adapter's open(): a clock-only `file` device
 * on @dir (the peer writes its files there itself) and a kv_engine of
 * type @ops (whose open() is peers_open_nothing) on it. The adapter then
 * opens its library on the instance. KV_OK with *dev and *eng owned by
 * the caller, or an error with both NULL.
 */
int peers_peer_open(const struct kv_engine_ops *ops, const char *dir, struct kv_device **dev,
		    struct kv_engine **eng, struct kv_err *err);

/* An adapter's open() failed after peers_peer_open(): close both, set
   them to NULL, return @rc. */
int peers_open_failed(struct kv_device **dev, struct kv_engine **eng, int rc);

/*
 * Record a library's error string @msg (then freed with @lib_free) as the
 * engine's message "@lib @what: @msg". Returns KV_EIO.
 */
int peers_lib_error(struct kv_engine *e, const char *lib, const char *what, char *msg,
		    void (*lib_free)(void *));

/* Close the engine, then the device; either may be NULL. */
void peers_close(struct kv_engine *eng, struct kv_device *dev);

/*
 * A library's native cursor, seen by peers_iter_new(), which turns it into
 * the kv_iter a scan returns (range bounds, positioning, errors). @cur is
 * the adapter's cursor state; every method gets it back.
 */
struct peers_cursor_ops {
	/* Position at the first key >= *target (target NULL: the next key;
	   target->data NULL: the first key). */
	void (*move)(void *cur, const struct kv_slice *target);
	/* The entry there (borrowed until the cursor moves or closes): true,
	   or false past the end or on an error. */
	bool (*entry)(const void *cur, struct kv_slice *key, struct kv_slice *value);
	/* KV_OK, or an error with its message in *msg (borrowed from @cur). */
	int (*status)(const void *cur, const char **msg);
	/* Release the cursor (and @cur itself). */
	void (*close)(void *cur);
};

/*
 * An iterator over the live keys in [lo, hi) (a NULL-data bound is
 * unbounded) of a cursor, positioned at the first key >= lo. Takes
 * ownership of @cur (closed by the iterator's close, and on failure).
 * The bounds are copied. KV_OK with *out owned by the caller, or
 * KV_ENOMEM with @err set.
 */
int peers_iter_new(const struct peers_cursor_ops *ops, void *cur, struct kv_slice lo,
		   struct kv_slice hi, struct kv_iter **out, struct kv_err *err);

#endif
