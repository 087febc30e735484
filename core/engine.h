/*
 * core/engine.h - the store interface both engines implement (LSM, B+ tree)
 * and the wrapper through which every caller uses them.
 *
 * The wrapper (core/engine.c) is where the shared measurements are taken,
 * so no engine can miscount itself: user bytes written, operation counts,
 * per-operation latency in device time, and device bytes/I/Os read per
 * point lookup (split found / not found) and per scanned entry, taken as
 * deltas of the device wrapper's counters.
 *
 * Keys are 1..KV_MAX_KEY_BYTES bytes, values 0..KV_MAX_VALUE_BYTES bytes.
 * Ownership: a value returned by kv_engine_get() is borrowed until the next
 * call on the same engine. The device is borrowed: it must outlive the
 * engine. kv_engine_close(NULL) is a no-op.
 */
#ifndef KV_CORE_ENGINE_H
#define KV_CORE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/device.h"
#include "core/iter.h"
#include "core/options.h"
#include "core/slice.h"
#include "core/stats.h"
#include "core/status.h"

#define KV_MAX_KEY_BYTES 65535u
#define KV_MAX_VALUE_BYTES (64u << 20)

struct kv_memtable_ops;
struct kv_strategy_ops;

enum kv_op {
	KV_OP_PUT = 0,
	KV_OP_GET,
	KV_OP_DELETE,
	KV_OP_SCAN,
	KV_OP__COUNT
};

const char *kv_op_name(enum kv_op op);

/* Measurements common to every engine, taken by the wrapper. */
struct kv_engine_stats {
	uint64_t ops[KV_OP__COUNT];
	uint64_t user_key_bytes_written;   /* keys of puts and deletes */
	uint64_t user_value_bytes_written; /* values of puts */
	uint64_t gets_found, gets_notfound;
	uint64_t get_found_bytes_read, get_found_reads;
	uint64_t get_notfound_bytes_read, get_notfound_reads;
	uint64_t scan_entries, scan_bytes_read, scan_reads;
	struct kv_hist lat_ns[KV_OP__COUNT]; /* device time */
};

/* What an engine is opened with. Borrowed for the duration of open(). */
struct kv_engine_args {
	const struct kv_config *cfg;            /* engine + plug-in options */
	struct kv_device *dev;                  /* borrowed for the engine's life */
	const struct kv_memtable_ops *memtable; /* LSM only; NULL = default */
	const struct kv_strategy_ops *strategy; /* LSM only; NULL = default */
};

struct kv_engine;

struct kv_engine_ops {
	const char *name;
	unsigned version;
	size_t instance_size; /* the implementation struct, starting with struct kv_engine */
	const char *doc;
	const struct kv_option *options;

	int (*open)(struct kv_engine *e, const struct kv_engine_args *args);
	/* Flush what must be durable and release everything. */
	void (*close)(struct kv_engine *e);
	int (*put)(struct kv_engine *e, struct kv_slice key, struct kv_slice value);
	/* KV_OK with *value borrowed until the next call, or KV_NOTFOUND. */
	int (*get)(struct kv_engine *e, struct kv_slice key, struct kv_slice *value);
	int (*del)(struct kv_engine *e, struct kv_slice key);
	/* Live keys in [lo, hi); a NULL-data bound is unbounded. Caller closes
	   the iterator before the next write to the engine. */
	int (*scan)(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		    struct kv_iter **out);
	/* Make every acknowledged write durable (WAL sync). */
	int (*sync)(struct kv_engine *e);
	/* Persist the memtable (LSM: to an SSTable; B+ tree: checkpoint). */
	int (*flush)(struct kv_engine *e);
	/* Flush, then compact until nothing is left to do (LSM: one run per
	   key range at the strategy's last level; B+ tree: checkpoint). */
	int (*compact_all)(struct kv_engine *e);
	/* Optional: engine-specific named metrics (cb once per name). */
	void (*report)(struct kv_engine *e,
		       void (*cb)(void *ud, const char *name, double value), void *ud);
	/* Optional: check internal invariants; KV_OK or KV_ECORRUPT. */
	int (*check)(struct kv_engine *e);
	/* Optional: wait until the engine's background work (LSM: flushes
	   and compactions on its thread) is done. Returns false, at once,
	   when the engine runs no background work. */
	bool (*wait_idle)(struct kv_engine *e);
};

/* The instance header. Implementations set err; the rest is the wrapper's. */
struct kv_engine {
	const struct kv_engine_ops *ops;
	struct kv_device *dev;
	struct kv_err err;
	struct kv_engine_stats stats;
};

/*
 * Open an engine. @args->cfg is checked against the engine's, the
 * memtable's and the strategy's option tables (unknown keys are errors).
 * On failure *out is NULL and @err says why.
 */
int kv_engine_open(const struct kv_engine_ops *ops, const struct kv_engine_args *args,
		   struct kv_engine **out, struct kv_err *err);
void kv_engine_close(struct kv_engine *e);

int kv_engine_put(struct kv_engine *e, struct kv_slice key, struct kv_slice value);
int kv_engine_get(struct kv_engine *e, struct kv_slice key, struct kv_slice *value);
int kv_engine_delete(struct kv_engine *e, struct kv_slice key);
int kv_engine_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		   struct kv_iter **out);
int kv_engine_sync(struct kv_engine *e);
int kv_engine_flush(struct kv_engine *e);
int kv_engine_compact_all(struct kv_engine *e);
int kv_engine_check(struct kv_engine *e);
/* ops->wait_idle, or false when the engine has none. */
bool kv_engine_wait_idle(struct kv_engine *e);
void kv_engine_report(struct kv_engine *e,
		      void (*cb)(void *ud, const char *name, double value), void *ud);
const struct kv_engine_stats *kv_engine_stats(const struct kv_engine *e);
const char *kv_engine_errmsg(const struct kv_engine *e);

/* Engines by name: a NULL-terminated table (core/engine_registry.c). */
extern const struct kv_engine_ops *const kv_engine_registry[];
const struct kv_engine_ops *kv_engine_find(const char *name);

#endif
