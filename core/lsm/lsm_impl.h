/*
 * core/lsm/lsm_impl.h - the LSM engine's state, shared by the files that
 * implement it (lsm.c: open, recovery, reads and writes; compaction.c:
 * flushes and compaction jobs; lsm_iter.c: run and scan iterators) and by
 * their tests. Nothing outside core/lsm/ and tests/ includes this.
 *
 * Invariants:
 *  1. Every write acknowledged with KV_OK is in the memtable and, if the WAL
 *     is on, in a WAL file with id >= log_id (or already in an SSTable
 *     listed in the manifest).
 *  2. last_seq is the highest sequence number ever assigned; the memtable
 *     only holds seqs in (flushed_seq, last_seq]; the manifest records
 *     flushed_seq, so WAL entries at or below it are already in SSTables.
 *  3. next_file_id is larger than the id of every file on the device.
 *  4. Once bg_error is set, writes fail with it and reads keep working.
 */
#ifndef KV_CORE_LSM_LSM_IMPL_H
#define KV_CORE_LSM_LSM_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/lsm/lsm.h"
#include "core/lsm/manifest.h"
#include "core/lsm/mem_filter.h"
#include "core/lsm/sstable.h"
#include "core/lsm/strategy.h"
#include "core/lsm/version.h"
#include "core/lsm/wal.h"
#include "core/memtable/memtable.h"

enum lsm_wal_sync {
	LSM_WAL_SYNC_NONE = 0,
	LSM_WAL_SYNC_ALWAYS,
	LSM_WAL_SYNC_BYTES,
};

struct lsm_options {
	uint64_t write_buffer_size;
	bool wal;
	int wal_sync;
	uint64_t wal_sync_bytes;
	uint64_t block_size;
	int64_t restart_interval;
	int64_t bloom_bits_per_key;
	double memtable_bloom_size_ratio;
	uint64_t block_cache_size;
	uint64_t ttl_ns;
	uint64_t manual_compaction_file_size;
	uint64_t max_manifest_file_size;
	bool paranoid_checks;
	char memtable[KV_OPT_STRING_BYTES];
	char strategy[KV_OPT_STRING_BYTES];
};

/* A memtable shared by the engine and open scans, with the Bloom filter
   of every key put into it (disabled when memtable_bloom_size_ratio = 0). */
struct lsm_mem {
	struct kv_memtable *mt;
	struct kv_mem_filter filter;
	int refs;
};

#define LSM_MAX_TRIGGERS 32

struct lsm {
	struct kv_engine base;
	struct lsm_options opts;
	struct kv_device *dev;
	struct kv_config *cfg;                 /* owned copy, for new memtables */
	const struct kv_memtable_ops *mt_ops;
	struct lsm_mem *mem;
	struct kv_strategy *strategy;
	struct kv_block_cache *cache;
	struct kv_version version;
	struct kv_version_view view;
	struct kv_manifest *manifest;
	struct kv_log_writer *wal;
	uint64_t wal_id;
	uint64_t log_id;                       /* oldest WAL still needed */
	uint64_t next_file_id;
	uint64_t last_seq;
	uint64_t flushed_seq;                  /* highest seq held in SSTables */
	struct kv_buf wal_rec;
	struct kv_buf get_buf;
	struct kv_job *job;
	struct kv_err bg_error;                /* sticky write error */

	/* statistics */
	struct kv_lsm_level_stats levels[KV_MAX_LEVELS];
	struct kv_lsm_read_stats reads;
	uint64_t trigger_counts[LSM_MAX_TRIGGERS]; /* by index in strategy triggers */
	uint64_t other_trigger_count;
	uint64_t manual_compactions;
	uint64_t flushes;
	uint64_t flush_bytes;
	uint64_t wal_records_replayed;
	uint64_t files_deleted;
	kv_lsm_job_listener job_listener;
	void *job_listener_ud;
};

/* SSTable and WAL names. */
void lsm_sst_name(char *buf, size_t len, uint64_t id);
void lsm_wal_name(char *buf, size_t len, uint64_t id);

/* The sticky write error: record it and return its code. */
int lsm_set_bg_error(struct lsm *db, int code, const struct kv_err *cause);

/* Release callback for version files: close the table, delete obsolete files. */
void lsm_release_file(void *ud, struct kv_lsm_file *f);

void lsm_mem_unref(struct lsm_mem *m);
/* Replace the memtable with a new empty one (the old one lives on while
   scans hold it). */
int lsm_new_memtable(struct lsm *db, struct kv_err *err);
/* Start a new WAL file and make it the current one. */
int lsm_open_wal(struct lsm *db, struct kv_err *err);

/* compaction.c */
/* Write the memtable to a new SSTable, start a new WAL, record both. */
int lsm_flush(struct lsm *db);
/* Run strategy jobs until the strategy has nothing to do. */
int lsm_maybe_compact(struct lsm *db);
/* Merge everything into one run at the strategy's last level. */
int lsm_compact_everything(struct lsm *db);
/* Write the current version as a new manifest and switch CURRENT to it. */
int lsm_new_manifest(struct lsm *db);
/* Append @e (filled with next_file_id, last_seq, log_id) to the manifest. */
int lsm_log_edit(struct lsm *db, struct kv_version_edit *e);
/* Open the SSTable reader of a file in the version. */
int lsm_open_table(struct lsm *db, struct kv_lsm_file *f, struct kv_err *err);

/* lsm_iter.c */
/* A concatenating iterator over disjoint sorted files (takes references). */
struct kv_iter *lsm_run_iter_new(struct lsm *db, struct kv_lsm_file *const *files, size_t n,
				 bool fill_cache);
/* The user-facing scan over [lo, hi) (NULL-data bounds are open). */
int lsm_scan_iter_new(struct lsm *db, struct kv_slice lo, struct kv_slice hi,
		      struct kv_iter **out);

/* Whether an entry written at @ts_ns has expired. */
static inline bool lsm_expired(const struct lsm *db, uint64_t ts_ns, uint64_t now_ns)
{
	return db->opts.ttl_ns && now_ns > ts_ns && now_ns - ts_ns >= db->opts.ttl_ns;
}

#endif
