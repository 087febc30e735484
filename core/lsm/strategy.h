/*
 * core/lsm/strategy.h - the compaction-strategy interface.
 *
 * A strategy sees only metadata: a read-only view of the current version
 * and the device clock. It returns at most one job per call; the engine
 * executes it (merge iterator -> SSTable writer -> atomic version edit).
 * Strategies never touch data, so the same code can drive a metadata-only
 * simulator.
 *
 * The version: levels 0..nlevels-1; each level an ordered list of sorted
 * runs, NEWEST FIRST; each run a list of files sorted by smallest key with
 * disjoint key ranges. Read order is level 0 run 0, level 0 run 1, ...,
 * level 1 run 0, ...: for any key, a version found earlier in read order
 * is newer. Flushes land as a new newest run of level 0 (unless the
 * strategy's place_flush says otherwise).
 *
 * Rules a job must respect (the engine rejects a job that breaks them):
 *  1. Input files exist and are not part of another running job.
 *  2. Within a level, the input runs form a contiguous range of the run
 *     list, and for leveled-style jobs every input of a run can be any
 *     subset of its files (a partial run).
 *  3. output_level >= the deepest input level; the outputs take the read
 *     position of the newest input run (output_run == -1), or join the
 *     existing run output_run of output_level, which must then not overlap
 *     the outputs outside the replaced inputs.
 *  4. Tombstones may be dropped only if no older version of the same keys
 *     can exist outside the inputs; the engine re-checks this on metadata
 *     and keeps tombstones when the check fails.
 */
#ifndef KV_CORE_LSM_STRATEGY_H
#define KV_CORE_LSM_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/options.h"
#include "core/slice.h"
#include "core/status.h"

/* Metadata of one SSTable, as recorded in the manifest. */
struct kv_file_meta {
	uint64_t id;
	struct kv_slice smallest, largest; /* user keys, inclusive */
	uint64_t bytes;        /* file size */
	uint64_t entries;      /* including tombstones */
	uint64_t tombstones;
	uint64_t key_bytes, value_bytes; /* raw, uncompressed */
	uint64_t min_ts_ns, max_ts_ns;   /* write times of its entries */
	uint64_t min_seq, max_seq;
	uint64_t run_id;       /* run membership; larger = newer */
	uint64_t created_ns;   /* device clock when the file was written */
	bool being_compacted;
};

struct kv_run {
	uint64_t id;
	const struct kv_file_meta *const *files; /* by smallest key */
	size_t nfiles;
	uint64_t bytes;
};

struct kv_level {
	const struct kv_run *runs; /* newest first */
	size_t nruns;
	size_t nfiles;
	uint64_t bytes;
};

struct kv_version_view {
	const struct kv_level *levels;
	int nlevels;
	uint64_t now_ns;       /* device clock */
	uint64_t last_seq;
	uint64_t total_bytes;
	uint64_t memtable_bytes_limit; /* write_buffer_size, for sizing */
};

enum kv_job_kind {
	KV_JOB_NONE = 0,
	KV_JOB_MERGE,        /* rewrite inputs into output_level */
	KV_JOB_MOVE,         /* trivial move: relink inputs into output_level */
	KV_JOB_DELETE_FILES, /* drop whole files (TTL/FIFO expiry) */
};

struct kv_job_input {
	int level;
	uint64_t file_id;
};

#define KV_JOB_MAX_INPUTS 4096

struct kv_job {
	enum kv_job_kind kind;
	const char *trigger;   /* static string naming the rule that fired */
	double score;          /* the trigger's score, for logs */
	int output_level;
	int64_t output_run;    /* run id at output_level to join, or -1: new run */
	uint64_t target_file_bytes;
	/* Output cutting at the file boundaries of level output_level + 1
	   (core/lsm/output_cut.h; RocksDB's leveled rules): cut before an
	   output plus the next-level bytes it overlaps exceeds
	   max_compaction_bytes (0: off); align_outputs: also pre-cut at
	   those boundaries from 50 % of target_file_bytes, up to 2x it. */
	uint64_t max_compaction_bytes;
	bool align_outputs;
	bool drop_tombstones;
	size_t ninputs;
	struct kv_job_input inputs[KV_JOB_MAX_INPUTS];
};

struct kv_strategy;

struct kv_strategy_ops {
	const char *name;
	unsigned version;
	size_t instance_size; /* starts with struct kv_strategy */
	const char *doc;
	const struct kv_option *options;
	/* Names of every trigger the strategy can report (NULL-terminated). */
	const char *const *triggers;

	/* Parse options (cfg holds all engine options; ignore unknown keys)
	   and set s->nlevels. On failure init releases what it allocated
	   (destroy is not called) and sets s->err. */
	int (*init)(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err);
	void (*destroy)(struct kv_strategy *s);
	/* Fill *job (already zeroed) or leave kind KV_JOB_NONE. Never fails
	   on a consistent view; KV_EINVAL with err set for a view it cannot
	   handle. */
	int (*pick)(struct kv_strategy *s, const struct kv_version_view *v, struct kv_job *job);
	/* Optional: level for a flushed memtable (NULL: 0). */
	int (*place_flush)(struct kv_strategy *s, const struct kv_version_view *v);
	/* Optional: called after a job was applied (e.g. round-robin cursors). */
	void (*job_done)(struct kv_strategy *s, const struct kv_job *job);
};

struct kv_strategy {
	const struct kv_strategy_ops *ops;
	int nlevels;     /* set by init; 1..KV_MAX_LEVELS */
	uint64_t ttl_ns; /* entries older than this expire (0: never); set by init */
	struct kv_err err;
};

#define KV_MAX_LEVELS 16

/*
 * Allocate an instance of @ops (KV_MEM_OTHER), run its init over @cfg and
 * check 1 <= nlevels <= KV_MAX_LEVELS. On success *out is owned by the
 * caller (free with kv_strategy_destroy). KV_EINVAL (bad option, message
 * naming it, copied into @err) or KV_ENOMEM; *out is NULL on failure.
 */
int kv_strategy_create(const struct kv_strategy_ops *ops, const struct kv_config *cfg,
		       struct kv_strategy **out, struct kv_err *err);
/* Destroy and free @s; NULL is a no-op. */
void kv_strategy_destroy(struct kv_strategy *s);
/*
 * Ask for at most one job on view @v (borrowed for the call). Zeroes the
 * job header (kind KV_JOB_NONE, output_run -1, ninputs 0; inputs[] is not
 * cleared) before calling pick, and asserts the result is well-formed.
 * KV_OK (job->kind may be KV_JOB_NONE) or the strategy's error, with the
 * message in s->err and job->kind reset to KV_JOB_NONE.
 */
int kv_strategy_pick(struct kv_strategy *s, const struct kv_version_view *v,
		     struct kv_job *job);
/* Level a flushed memtable lands on (0 when place_flush is NULL). */
int kv_strategy_place_flush(struct kv_strategy *s, const struct kv_version_view *v);
/* Tell the strategy @job was applied (no-op when job_done is NULL). */
void kv_strategy_job_done(struct kv_strategy *s, const struct kv_job *job);

/* Metadata helpers shared by strategies. */
static inline bool kv_file_overlaps(const struct kv_file_meta *f, struct kv_slice lo,
				    struct kv_slice hi)
{
	return kv_slice_cmp(f->largest, lo) >= 0 && kv_slice_cmp(f->smallest, hi) <= 0;
}

#endif
