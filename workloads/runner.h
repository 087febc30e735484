/*
 * workloads/runner.h - executes a workload on an engine and measures it.
 *
 * A runner is made from a config of name=value strings (the same strings
 * the CLI's --name=value and a Lua options table carry), checked against
 * kv_runner_options: an unknown name or an out-of-range value is KV_EINVAL
 * naming it. The config chooses the workload:
 *
 *   workload=ycsb-a .. ycsb-f   YCSB core workloads, exactly as shipped
 *                               (REFERENCE.md "Workload standards")
 *   workload=FILE.properties    a YCSB properties file (verbatim names)
 *   workload=fillseq|fillrandom|overwrite|readrandom|seekrandom|
 *            deleterandom|readwhilewriting     db_bench's names (load phase
 *                               empty unless the benchmark reads: then a
 *                               fillseq-style load of recordcount keys)
 *   workload=timeseries         monotonic timestamped keys (TWCS)
 *   workload=deleteheavy        inserts and deletes of recent keys
 *   workload=custom             only the *_proportion options
 *   trace=FILE                  replay a trace instead (trace_format:
 *                               auto|csv|cs265|bu); workload is ignored
 *
 * and every knob (kv_runner_options, `lsmlab list` prints them; defaults
 * in parentheses): recordcount (1000), operationcount (1000), distribution
 * (workload's own: uniform|sequential|zipfian|scrambled|latest|hotspot|
 * exponential|permuted), theta (0.99), read/update/insert/delete/scan/
 * rmw_proportion (-1 = the workload's), max_scan_length (100),
 * scan_length_dist (uniform|zipfian), insert_order (hashed|ordered),
 * fieldcount (10), fieldlength (100), value_size (-1 = fieldcount x
 * fieldlength for YCSB, 100 for the rest), value_size_dist (constant|
 * uniform|pareto), value_size_min, value_size_max, key_size (16, db_bench
 * and timeseries keys), hotspot_data_fraction (0.2), hotspot_op_fraction
 * (0.8), exponential_percentile (95), exponential_frac (0.8571428571),
 * ts_* (timeseries), seed (301), verify (false), interval_ops (0 = off),
 * interval_ns (0 = off), progress (true), record (CSV trace path, "" =
 * none).
 *
 * Phases: kv_runner_load() executes the load phase (YCSB: recordcount
 * inserts in hashed order), kv_runner_run() the transaction phase
 * (operationcount operations, or the whole trace). Both can be called in
 * either order, each at most once per runner; kv_runner_drive() executes any
 * other source. The runner assumes it saw every write to the engine since
 * the store was empty (its live-byte tracking and verification are exact
 * only then).
 *
 * Measurements, per phase (struct kv_runner_result): operation counts per
 * type, latency histograms per type in device time (kv_dev_now_ns around
 * each operation; an RMW is one sample covering its get and put), wall and
 * device time, device byte deltas, and the exact logical live bytes
 * (live keys x (key + value) bytes; integer-keyed sources use an array of
 * 4 bytes per key number, others a hash table of the keys).
 * With interval_ops or interval_ns set, the callback of the params gets a
 * struct kv_runner_sample every N operations / T device-ns (and one at the
 * end of each phase for the partial interval).
 * With verify on, every get and scan result is checked against an
 * in-memory reference of the exact store (key -> value length and XXH3 of
 * the value); a mismatch is KV_ECORRUPT naming the operation number, the
 * key and what differed.
 * With progress on and stderr a terminal, a one-line progress display
 * (elapsed, percent, ETA, ops/s, WA so far) is redrawn on stderr.
 *
 * Ownership: the engine is borrowed for the duration of each call; the
 * config is copied by kv_runner_new(). Nothing here includes lua.h.
 */
#ifndef KV_WORKLOADS_RUNNER_H
#define KV_WORKLOADS_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/options.h"
#include "core/stats.h"
#include "core/status.h"
#include "workloads/opstream.h"

/* The runner's options (NULL-terminated), for validation, CLI and docs. */
extern const struct kv_option kv_runner_options[];

/* Latency summary of one histogram, device ns. */
struct kv_runner_lat {
	uint64_t count;
	double mean;
	uint64_t p50, p90, p99, p999, max;
};

/* One interval sample, handed to the interval callback. */
struct kv_runner_sample {
	const char *phase;          /* "load", "run", or kv_runner_drive's phase */
	uint64_t index;             /* 0, 1, ... across the runner's life */
	uint64_t ops;               /* operations done in this phase so far */
	uint64_t interval_ops;      /* operations in this interval */
	uint64_t wall_ns;           /* since the phase began */
	uint64_t device_ns;         /* since the phase began */
	uint64_t interval_device_ns;
	uint64_t user_bytes_written;   /* engine totals since it was opened */
	uint64_t device_bytes_written; /* device totals, WAL included */
	double wa;                  /* device / user bytes written (NaN if none) */
	uint64_t live_keys;         /* exact logical live data */
	uint64_t live_bytes;
	uint64_t device_live_bytes; /* bytes of live files on the device */
	double sa;                  /* device_live_bytes / live_bytes (NaN if 0) */
	struct kv_runner_lat lat[KV_WL__COUNT]; /* this interval only */
};

/*
 * Interval callback: return KV_OK to continue; anything else stops the
 * phase, which returns that code (with "interval callback stopped the
 * run" in its error unless the callback set one through its own means).
 */
typedef int (*kv_runner_interval_fn)(void *ud, const struct kv_runner_sample *s);

struct kv_runner_params {
	const struct kv_config *cfg;    /* options by name; NULL = all defaults; copied */
	kv_runner_interval_fn on_interval; /* NULL = no samples are delivered */
	void *ud;                       /* passed to on_interval */
};

/* What one phase did. Large (it holds KV_WL__COUNT histograms): allocate
   it on the heap or in static storage rather than on a small stack. */
struct kv_runner_result {
	char phase[32];
	uint64_t ops;                   /* operations executed (all types) */
	uint64_t count[KV_WL__COUNT];
	uint64_t reads_found;           /* READ and RMW gets that found the key */
	uint64_t reads_not_found;
	uint64_t scan_entries;          /* entries returned by SCAN */
	uint64_t range_deleted;         /* keys deleted by RANGE_DELETE */
	uint64_t user_bytes;            /* key+value of puts, key of deletes */
	uint64_t read_bytes;            /* key+value of found gets and scanned entries */
	uint64_t wall_ns;               /* CLOCK_MONOTONIC */
	uint64_t device_ns;             /* kv_dev_now_ns delta */
	uint64_t device_bytes_written;  /* deltas over the phase */
	uint64_t device_bytes_read;
	uint64_t live_keys;             /* after the phase */
	uint64_t live_bytes;
	uint64_t peak_live_bytes;       /* over the runner's life */
	uint64_t verified;              /* results checked (verify on) */
	struct kv_hist lat_ns[KV_WL__COUNT]; /* device ns per operation */
};

struct kv_runner;

/*
 * New runner from @p (borrowed; the config is copied). Validates every
 * option, resolves the workload (reading a .properties file now, opening a
 * trace now) and allocates the value pool. KV_EINVAL with a message naming
 * the option, or "file:line: expected ..." for a bad .properties file;
 * KV_EIO if a file cannot be read; KV_ENOMEM. On success *out is owned by
 * the caller (kv_runner_free); on failure it is NULL.
 */
int kv_runner_new(const struct kv_runner_params *p, struct kv_runner **out, struct kv_err *err);

/* Free a runner (closing its sources and record file); NULL is a no-op. */
void kv_runner_free(struct kv_runner *r);

/*
 * Execute the load phase on @e and fill *res. Engine failures are returned
 * with @err naming the phase, the operation number, the key and the engine
 * message; verification failures are KV_ECORRUPT; a trace parse error is
 * the reader's KV_EINVAL. Workloads without a load phase (traces, fills)
 * succeed with 0 operations.
 */
int kv_runner_load(struct kv_runner *r, struct kv_engine *e, struct kv_runner_result *res,
		   struct kv_err *err);

/* Execute the transaction phase (or the trace); errors as kv_runner_load. */
int kv_runner_run(struct kv_runner *r, struct kv_engine *e, struct kv_runner_result *res,
		  struct kv_err *err);

/*
 * Execute every operation of @src (borrowed; not closed) on @e as a phase
 * named @phase, with the runner's tracking, verification, samples,
 * recording and value generation. For sources built by the caller.
 * @src->numeric_keys must match the runner's own workload (generators
 * number their keys, traces do not): KV_EINVAL otherwise.
 */
int kv_runner_drive(struct kv_runner *r, struct kv_engine *e, struct kv_wl_source *src,
		    const char *phase, struct kv_runner_result *res, struct kv_err *err);

/* The workload's name ("ycsb-a", "replay:FILE", ...). Borrowed from @r. */
const char *kv_runner_workload(const struct kv_runner *r);

/*
 * One line describing the workload's semantics for reports, e.g.
 * "ycsb-a: read 0.5 update 0.5, zipfian (scrambled, theta 0.99), records of
 * 10 x 100 B stored as one 1000-byte value; update = full-value overwrite".
 * Borrowed from @r.
 */
const char *kv_runner_describe(const struct kv_runner *r);

/* Exact logical live data now, and the peak of live bytes. */
uint64_t kv_runner_live_keys(const struct kv_runner *r);
uint64_t kv_runner_live_bytes(const struct kv_runner *r);
uint64_t kv_runner_peak_live_bytes(const struct kv_runner *r);

/* The effective value of option @name (as formatted for echoing), into buf. */
void kv_runner_option_value(const struct kv_runner *r, const char *name, char *buf,
			    size_t len);

/* Summarize histogram @h into *out. */
void kv_runner_lat_summary(const struct kv_hist *h, struct kv_runner_lat *out);

#endif
