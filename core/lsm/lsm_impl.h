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
 *  5. imm, when not NULL, is a full memtable waiting for its flush: its
 *     entries have seqs in (flushed_seq, imm_seq] and sit in WAL files
 *     with ids in [log_id, imm_log_id); mem holds seqs above imm_seq, in
 *     WALs with ids >= imm_log_id. Reads look at mem, then imm, then the
 *     version. A flush installs imm's table and then moves flushed_seq to
 *     imm_seq and log_id to imm_log_id in the same manifest edit.
 *
 * Background jobs (docs/architecture.md, "Background flush and
 * compaction"). With bg = true one thread (bg_main in compaction.c) runs
 * every flush and compaction; otherwise the foreground runs them inline,
 * exactly as the same code runs them on the thread (the simulation
 * devices always do this, so their runs stay deterministic).
 *
 * Who owns what:
 *  - The foreground thread alone uses mem (writes and reads), wal,
 *    wal_id, last_seq, wal_rec, get_buf, get_files and reads; no lock.
 *  - mu guards everything else that changes: imm, imm_seq, imm_log_id,
 *    imm_t0, pub_seq, version and view, log_id, flushed_seq, bg_error,
 *    the statistics below, the strategy and job, manual_*, bg_busy,
 *    stop, the listener, and the memtable iterators' snapshot caches
 *    (memtable iterators are created and closed only under mu).
 *  - The job runner (the thread, or the foreground without bg) alone
 *    changes the version and writes the manifest; it holds mu for that
 *    and drops it while a job merges (reading its inputs, which the
 *    version keeps alive, and writing new files), so reads go on. A
 *    merge may flush imm on the way (copy_entries): that only adds a
 *    level-0 file newer than the merge's inputs and outputs.
 *  - next_file_id is atomic (both sides create files).
 *  - Files and memtables are reference counted with atomics; a point
 *    read or scan takes references under mu and reads without it.
 */
#ifndef KV_CORE_LSM_LSM_IMPL_H
#define KV_CORE_LSM_LSM_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
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
	bool background_jobs;
	int64_t level0_stop_writes_trigger;
	char memtable[KV_OPT_STRING_BYTES];
	char strategy[KV_OPT_STRING_BYTES];
};

/* A memtable shared by the engine and open scans, with the Bloom filter
   of every key put into it (disabled when memtable_bloom_size_ratio = 0). */
struct lsm_mem {
	struct kv_memtable *mt;
	struct kv_mem_filter filter;
	atomic_int refs;
};

#define LSM_MAX_TRIGGERS 32

struct lsm {
	struct kv_engine base;
	struct lsm_options opts;
	struct kv_device *dev;
	struct kv_config *cfg;                 /* owned copy, for new memtables */
	const struct kv_memtable_ops *mt_ops;
	struct lsm_mem *mem;
	struct lsm_mem *imm;                   /* invariant 5 */
	atomic_bool imm_pending;               /* imm != NULL, read without mu */
	uint64_t imm_seq;
	uint64_t imm_log_id;
	uint64_t imm_t0;                       /* device clock at the switch */
	uint64_t pub_seq;                      /* last_seq as of the last switch (for views) */
	struct kv_strategy *strategy;
	struct kv_block_cache *cache;
	struct kv_version version;
	struct kv_version_view view;
	struct kv_manifest *manifest;
	struct kv_log_writer *wal;
	uint64_t wal_id;
	uint64_t log_id;                       /* oldest WAL still needed */
	_Atomic uint64_t next_file_id;
	uint64_t last_seq;
	uint64_t flushed_seq;                  /* highest seq held in SSTables */
	struct kv_buf wal_rec;
	struct kv_buf get_buf;
	struct kv_lsm_file **get_files;        /* a point read's candidate files */
	size_t get_files_cap;
	struct kv_job *job;
	struct kv_err bg_error;                /* sticky write error */
	atomic_bool failed;                    /* bg_error.code != KV_OK */
	struct kv_err job_err;                 /* the job runner's messages */

	/* background jobs */
	bool bg;                               /* a thread runs the jobs */
	bool mu_init, thread_started;
	pthread_mutex_t mu;
	pthread_cond_t work_cv;                /* the thread waits for work */
	pthread_cond_t done_cv;                /* the foreground waits for the thread */
	pthread_t thread;
	bool bg_busy;                          /* the thread may have work */
	bool stop;                             /* close: flush imm, then exit */
	bool manual_req;                       /* compact_all asked of the thread */
	uint64_t manual_done;                  /* compact_all runs finished */
	int manual_rc;
	struct kv_err manual_err;
	uint64_t write_stalls;                 /* writes that waited for the thread */
	uint64_t write_stall_ns;               /* device clock spent waiting */

	/* statistics */
	struct kv_lsm_level_stats levels[KV_MAX_LEVELS];
	struct kv_lsm_read_stats reads;
	uint64_t trigger_counts[LSM_MAX_TRIGGERS]; /* by index in strategy triggers */
	uint64_t other_trigger_count;
	uint64_t manual_compactions;
	uint64_t flushes;
	uint64_t flush_bytes;
	uint64_t wal_records_replayed;
	atomic_uint_least64_t files_deleted;
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
/* Files at level 0 (mu held). */
uint64_t lsm_l0_files(const struct lsm *db);

/* compaction.c. Job functions are called with mu held (they drop it
   while merging) by the job runner; errors go to job_err and bg_error. */
/* Make mem immutable (imm, which must be NULL): start a new WAL and an
   empty memtable. No-op for an empty memtable. Foreground only;
   messages in @err. */
int lsm_switch_mem(struct lsm *db, struct kv_err *err);
/* Write imm to a new SSTable and install it (no-op without imm). */
int lsm_flush_imm(struct lsm *db);
/* Switch and flush: the whole flush, inline (without bg). */
int lsm_flush(struct lsm *db);
/* Run strategy jobs until the strategy has nothing to do. */
int lsm_maybe_compact(struct lsm *db);
/* Pick and run one strategy job; *ran says whether there was one. */
int lsm_compact_step(struct lsm *db, bool *ran);
/* Merge everything into one run at the strategy's last level. */
int lsm_compact_everything(struct lsm *db);
/* The background thread's body (arg: the struct lsm). */
void *lsm_bg_main(void *arg);
/* Write the current version as a new manifest and switch CURRENT to it
   (messages in job_err). */
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
