/*
 * core/lsm/lsm.h - the LSM engine (struct kv_engine_ops "lsm") and its
 * engine-specific statistics: the RocksDB-style per-level compaction table,
 * trigger counts and read-path counters.
 *
 * Options (kv_lsm_engine_ops.options): write_buffer_size, wal, wal_sync,
 * wal_sync_bytes, block_size, bloom_bits_per_key, block_cache_size,
 * restart_interval, memtable, strategy, ttl, max_open_files,
 * paranoid_checks, background_jobs, level0_stop_writes_trigger (see the
 * option table in lsm.c; background jobs: docs/architecture.md). The memtable kind and the strategy are chosen by the
 * edge and passed as ops in struct kv_engine_args; their own options are
 * in the same config.
 */
#ifndef KV_CORE_LSM_LSM_H
#define KV_CORE_LSM_LSM_H

#include <stdint.h>

#include "core/engine.h"
#include "core/lsm/strategy.h"

extern const struct kv_engine_ops kv_lsm_engine_ops;

/* One row of the compaction table. Row `level` counts jobs whose OUTPUT
   went to that level (flushes count at the level they land on). */
struct kv_lsm_level_stats {
	int level;
	uint64_t files;
	uint64_t runs;
	uint64_t bytes;             /* live bytes in the level now */
	uint64_t bytes_read_upper;  /* compaction input bytes from level-1 and above (Rn) */
	uint64_t bytes_read_level;  /* compaction input bytes from this level (Rnp1) */
	uint64_t bytes_written;     /* output bytes written to this level */
	uint64_t bytes_moved;       /* trivial-moved into this level */
	uint64_t entries_dropped;   /* obsolete versions and tombstones dropped */
	uint64_t tombstones_dropped;
	uint64_t compactions;       /* jobs (merges + moves + flushes) into this level */
	uint64_t job_ns;            /* device time spent in those jobs */
};

struct kv_lsm_read_stats {
	uint64_t gets;
	uint64_t memtable_hits;
	uint64_t runs_probed;       /* sorted runs whose key range covered the key */
	uint64_t files_probed;      /* files whose range covered the key */
	uint64_t bloom_checks;
	uint64_t bloom_negatives;
	uint64_t bloom_false_pos;
	uint64_t block_reads;
	uint64_t cache_hits;
};

/* One finished job (a flush, a merge, a trivial move or a file deletion),
   as the engine hands it to a job listener. Strings are static. */
struct kv_lsm_job_record {
	uint64_t start_ns, end_ns;   /* device clock */
	const char *strategy;
	const char *trigger;         /* "flush" for flushes */
	const char *kind;            /* "flush", "merge", "move", "delete" */
	int output_level;
	uint64_t in_files[KV_MAX_LEVELS];   /* inputs per level */
	uint64_t in_bytes[KV_MAX_LEVELS];
	uint64_t in_entries[KV_MAX_LEVELS];
	uint64_t mem_entries, mem_bytes;    /* a flush's input: the memtable */
	uint64_t out_files, out_bytes, out_entries;
	uint64_t entries_dropped, tombstones_dropped;
};

typedef void (*kv_lsm_job_listener)(void *ud, const struct kv_lsm_job_record *rec);

/*
 * Call @fn after every job of @e (NULL removes the listener). @ud is
 * borrowed until the listener is replaced or the engine closed. No-op if
 * @e is not an LSM engine.
 */
void kv_lsm_set_job_listener(struct kv_engine *e, kv_lsm_job_listener fn, void *ud);

/* Number of levels (rows) and one row. KV_EINVAL if @e is not an LSM. */
int kv_lsm_nlevels(const struct kv_engine *e);
int kv_lsm_level_stats(const struct kv_engine *e, int level, struct kv_lsm_level_stats *out);
void kv_lsm_get_read_stats(const struct kv_engine *e, struct kv_lsm_read_stats *out);
/* Call cb once per trigger name of the strategy (count may be 0), then
   "flush" with the number of flushes. */
void kv_lsm_trigger_counts(const struct kv_engine *e,
			   void (*cb)(void *ud, const char *trigger, uint64_t count), void *ud);
/* Name of the strategy and memtable kind in use. */
const char *kv_lsm_strategy_name(const struct kv_engine *e);
const char *kv_lsm_memtable_name(const struct kv_engine *e);
/* True if @e is an LSM engine. */
int kv_engine_is_lsm(const struct kv_engine *e);

#endif
