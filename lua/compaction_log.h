/*
 * lua/compaction_log.h - the compaction log: one CSV row per flush and
 * compaction job of an LSM engine, written as the jobs finish (the
 * `--compaction_log=FILE` bench flag and lsmlab.open's compaction_log key).
 *
 * Columns (docs/metrics.md, "Compaction log"):
 *   job, start_ns, end_ns, job_ns (device clock), strategy, trigger, kind
 *   (flush|merge|move|delete), output_level, inputs ("mem=ENTRIES/BYTES"
 *   for a flush, "L0=FILES/BYTES/ENTRIES L1=..." for a compaction),
 *   in_files, in_bytes, in_entries (totals over the inputs; a flush's are
 *   0 files and the memtable's entries and approximate bytes), out_files,
 *   out_bytes, out_entries, entries_dropped, tombstones_dropped.
 * A trivial move writes no bytes: its out_* name the moved files.
 */
#ifndef KV_LUA_COMPACTION_LOG_H
#define KV_LUA_COMPACTION_LOG_H

#include "core/engine.h"
#include "core/status.h"

struct kv_compaction_log;

/*
 * Create (truncate) @path, write the header and attach the log to @e as
 * its job listener. @e must be an LSM engine (KV_EINVAL otherwise, naming
 * the engine); KV_EIO if the file cannot be created (naming it and the
 * reason); KV_ENOMEM. On success *@out is owned by the caller.
 */
int kv_compaction_log_open(const char *path, struct kv_engine *e,
			   struct kv_compaction_log **out, struct kv_err *err);

/* Jobs written so far. */
uint64_t kv_compaction_log_jobs(const struct kv_compaction_log *log);

/*
 * Close the file and free @log (NULL is a no-op). The engine must be
 * closed first, or its listener removed. KV_EIO (naming the file) if any
 * row failed to reach the file; the log is freed either way.
 */
int kv_compaction_log_close(struct kv_compaction_log *log, struct kv_err *err);

#endif
