/*
 * workloads/dbbench.h - db_bench's benchmarks on a struct kv_engine.
 *
 * A runner (struct kv_bench) holds what the benchmarks of one run share:
 * the key/value generator, the exact set of live key numbers (a bitmap of
 * num bits, KV_MEM_WORKLOAD) and so the exact logical live bytes
 * (live keys x (key_size + value_size)), and the benchmark counter that
 * seeds each benchmark's key stream. Benchmarks run one after another on
 * the same engine, like db_bench: fillrandom then readrandom reads the
 * store fillrandom wrote. The runner assumes it saw every write since the
 * store was empty.
 *
 * The benchmarks (N = num, R = reads, S = seek_nexts):
 *   fillseq       N puts of keys 0..N-1 in order
 *   fillrandom    N puts of uniform random keys in [0, N) (some overwrite)
 *   overwrite     the same as fillrandom, meant for a filled store
 *   readrandom    R gets of uniform random keys in [0, N)
 *   readseq       one full scan (kv_engine_scan) counting entries
 *   seekrandom    max(1, R / S) scans from uniform random keys, each reading
 *                 up to S entries (db_bench's seek_nexts)
 *   deleterandom  N deletes of uniform random keys in [0, N)
 *   compact       kv_engine_compact_all() once
 *
 * With verify on, every result is checked against the live-key bitmap: a
 * get must find exactly the live keys, with value_size bytes; a scan must
 * yield the live keys in order. A mismatch is KV_ECORRUPT naming the key.
 *
 * The per-operation loop allocates nothing and formats keys into a reusable
 * buffer; it is measured against the engine.
 */
#ifndef KV_WORKLOADS_DBBENCH_H
#define KV_WORKLOADS_DBBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/status.h"

enum kv_bench_kind {
	KV_BENCH_FILLSEQ = 0,
	KV_BENCH_FILLRANDOM,
	KV_BENCH_OVERWRITE,
	KV_BENCH_READRANDOM,
	KV_BENCH_READSEQ,
	KV_BENCH_SEEKRANDOM,
	KV_BENCH_DELETERANDOM,
	KV_BENCH_COMPACT,
	KV_BENCH__COUNT
};

/* Name of a benchmark ("fillrandom"); "?" when out of range. */
const char *kv_bench_name(enum kv_bench_kind kind);
/* The benchmark named @name, or -1. */
int kv_bench_find(const char *name);
/* All names joined by @sep ("fillseq|fillrandom|...") into @buf. */
void kv_bench_names(char *buf, size_t len, const char *sep);
/* The engine operation a benchmark measures (its latency histogram). */
enum kv_op kv_bench_op(enum kv_bench_kind kind);

struct kv_bench_params {
	uint64_t num;        /* key space [0, num) and ops of fills/deletes; >= 1 */
	uint64_t reads;      /* ops of readrandom, entries of seekrandom */
	uint64_t seek_nexts; /* entries read per seek; >= 1 */
	size_t key_size;
	size_t value_size;
	uint64_t seed;
	bool verify;
};

/* Latency summary of one benchmark's operations, in device-time ns. */
struct kv_bench_latency {
	enum kv_op op;
	uint64_t count;
	double mean;
	uint64_t p50, p90, p99, p999, max;
};

struct kv_bench_result {
	enum kv_bench_kind kind;
	uint64_t ops;
	uint64_t wall_ns;      /* CLOCK_MONOTONIC: the db_bench line (until
				  the last operation returned) */
	bool background;       /* the engine runs background work: the
				  runner then waited for it after the phase */
	uint64_t bg_wait_ns;   /* CLOCK_MONOTONIC: that wait (not in wall_ns) */
	uint64_t device_ns;    /* kv_dev_now_ns delta */
	uint64_t bytes;        /* key+value of puts, found gets and scanned
				  entries; keys of deletes (for MB/s) */
	uint64_t found;        /* gets found / seeks landing on an entry /
				  entries scanned */
	uint64_t not_found;    /* gets not found / seeks past the end */
	uint64_t entries_read; /* entries returned by scans */
	uint64_t device_bytes_written, device_bytes_read; /* deltas, all kinds */
	uint64_t live_keys;    /* after the benchmark */
	uint64_t live_bytes;
	struct kv_bench_latency lat;
	const char *name;      /* NULL: kv_bench_name(kind); else a workload
				  phase ("ycsb-a/run"), borrowed */
};

struct kv_bench;

/*
 * New runner for @p. KV_EINVAL with a message naming the bad parameter
 * (key_size too small for num, ...), KV_ENOMEM. On success *out is owned by
 * the caller (kv_bench_free).
 */
int kv_bench_new(const struct kv_bench_params *p, struct kv_bench **out, struct kv_err *err);
/* Free a runner; NULL is a no-op. */
void kv_bench_free(struct kv_bench *b);

/*
 * Run one benchmark on @e (borrowed) and fill *res. Engine failures are
 * returned with @err naming the benchmark, the key and the engine message;
 * verification failures are KV_ECORRUPT.
 */
int kv_bench_run(struct kv_bench *b, struct kv_engine *e, enum kv_bench_kind kind,
		 struct kv_bench_result *res, struct kv_err *err);

/* Exact logical live data: keys, bytes, and the largest byte count seen. */
uint64_t kv_bench_live_keys(const struct kv_bench *b);
uint64_t kv_bench_live_bytes(const struct kv_bench *b);
uint64_t kv_bench_peak_live_bytes(const struct kv_bench *b);

#endif
