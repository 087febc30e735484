/*
 * bench/peers_driver.h - the peers driver's parts (internal to bench/):
 * the run of one engine in a child process (peers_run.c) and the summary
 * of all runs (peers_report.c), tied together by bench/peers.c.
 */
#ifndef KV_BENCH_PEERS_DRIVER_H
#define KV_BENCH_PEERS_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/peers.h"

#define PEERS_MAX_PHASES 24
#define PEERS_MAX_ENGINES 8
#define PEERS_MAX_REPS 32
#define PEERS_MAX_NOTES 8
#define PEERS_PATH_BYTES 1024

/* What the command line chose. */
struct peers_params {
	uint64_t num;            /* keys of the db_bench groups */
	uint64_t reads;          /* gets of each read benchmark; entries of seekrandom */
	uint64_t seek_nexts;
	uint64_t ycsb_records, ycsb_ops;
	char ycsb[16];           /* workload letters, e.g. "abcdef"; "" = none */
	unsigned reps;
	uint64_t seed;
	bool verify;
	bool quick;
	struct peers_config cfg;
	const struct peers_adapter *engines[PEERS_MAX_ENGINES];
	unsigned nengines;
	char db[PEERS_PATH_BYTES];   /* the stores live in db/<engine> */
	char out[PEERS_PATH_BYTES];  /* results directory */
	const char *notes[PEERS_MAX_NOTES];
	unsigned nnotes;
	int argc;
	char **argv;
};

/* One measured phase (a db_bench benchmark or a YCSB load/run phase). */
struct peers_phase {
	char name[32];
	bool writes;                 /* a write phase: WA is defined */
	uint64_t ops;
	uint64_t wall_ns;            /* the operations (the db_bench figure) */
	uint64_t settle_ns;          /* waiting for background work afterwards */
	uint64_t found, not_found, entries;
	uint64_t user_bytes;         /* key+value bytes of puts, keys of deletes */
	uint64_t io_write_bytes;     /* /proc/self/io write_bytes delta, settle included */
	uint64_t io_cancelled_bytes; /* cancelled_write_bytes delta */
	uint64_t io_read_bytes;
	uint64_t io_wchar_bytes;     /* wchar delta: bytes passed to write calls */
	uint64_t dev_write_bytes;    /* lsmlab's device counters (0 for peers) */
	uint64_t dev_wal_bytes;
	/* The engine's own byte counters (RocksDB tickers; lsmlab: flush_bytes
	   from its report, the rest from its device); negative: unknown. */
	double own_flush_bytes, own_compact_bytes, own_wal_bytes;
};

/* What one child (one engine, one repetition) hands back. Lives in
   memory shared with the parent. */
struct peers_result {
	int status;                  /* KV_OK or the failure's code */
	char err[KV_ERR_MSG_BYTES];
	char version[64];
	unsigned nphases;
	struct peers_phase ph[PEERS_MAX_PHASES];
	uint64_t dir_bytes;          /* the fillrandom store after close */
	uint64_t live_bytes, live_keys;
	uint64_t rss_start_kib;      /* the child's RSS before it opened anything */
	uint64_t peak_rss_kib;       /* ru_maxrss of the child (set by the parent) */
	double wall_s;               /* the whole child */
};

/*
 * Run every group of benchmarks of @p on @a in this process (the child)
 * and fill *res. @dir is the store directory (created, emptied and
 * removed here). @stats (may be NULL) gets the engine's own statistics.
 * Returns KV_OK or the first failure (also in res->status / res->err).
 */
int peers_run_engine(const struct peers_params *p, const struct peers_adapter *a,
		     const char *dir, struct peers_result *res, FILE *stats);

/* Remove @path and everything below it (a missing path is fine). KV_OK or
   KV_EIO with @err naming the file. */
int peers_rmtree(const char *path, struct kv_err *err);

/*
 * Summarize res[rep * p->nengines + engine] for the first p->reps
 * repetitions: write @p->out/peers.csv, peers_engines.csv,
 * peers_runs.csv and peers.md, and print the markdown tables to @out
 * (NULL: print nothing). KV_OK or KV_EIO naming the file.
 */
int peers_report(const struct peers_params *p, const struct peers_result *res, FILE *out,
		 struct kv_err *err);

#endif
