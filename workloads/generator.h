/*
 * workloads/generator.h - the synthetic workload generator behind every
 * named workload (YCSB core workloads, db_bench names, deleteheavy,
 * custom mixes): YCSB's CoreWorkload semantics over integer key numbers.
 *
 * Load phase: recordcount INSERTs of key numbers 0..recordcount-1 in
 * order (with hashed key names this is YCSB's "hashed insert order": the
 * keys arrive in pseudo-random byte order).
 * Run phase: operationcount operations drawn from the mix. Keys of reads,
 * updates, deletes, scans and RMWs come from the distribution; INSERTs
 * take the next key number (recordcount, recordcount+1, ...; 0, 1, ... when
 * there is no load phase). As in YCSB, zipfian and scrambled draw over
 * recordcount + 2 x expected inserts and redraw numbers not yet inserted;
 * latest and exponential follow the inserted count; uniform, hotspot,
 * sequential and permuted stay on [0, recordcount).
 *
 * Keys: YCSB "user" + decimal(fnv1a64(n)) (hashed) or "user" + decimal(n)
 * (ordered); or db_bench's zero-padded decimal of key_size bytes. Values:
 * value_len from the size distribution; the bytes come from the runner.
 */
#ifndef KV_WORKLOADS_GENERATOR_H
#define KV_WORKLOADS_GENERATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/status.h"
#include "workloads/dist.h"
#include "workloads/opmix.h"
#include "workloads/opstream.h"
#include "workloads/valuegen.h"

enum kv_keyfmt {
	KV_KEYFMT_HASHED = 0, /* "user" + decimal(fnv1a64(n)) */
	KV_KEYFMT_ORDERED,    /* "user" + decimal(n) */
	KV_KEYFMT_PADDED,     /* db_bench: zero-padded decimal, key_size bytes */
};

enum kv_scanlen_kind { KV_SCANLEN_UNIFORM = 0, KV_SCANLEN_ZIPFIAN, KV_SCANLEN_CONSTANT };

struct kv_gen_params {
	uint64_t recordcount;      /* key numbers loaded; >= 1 */
	uint64_t operationcount;
	bool load;                 /* run a load phase */
	double weight[KV_OPMIX_KINDS];
	struct kv_dist_params dist; /* items is set by the generator */
	uint64_t max_scan_length;  /* >= 1 */
	enum kv_scanlen_kind scan_len_kind;
	enum kv_keyfmt keyfmt;
	size_t key_size;           /* KV_KEYFMT_PADDED */
	struct kv_vsize vsize;
	uint64_t seed;
};

struct kv_gen;

/* New generator (caller frees with kv_gen_free). KV_EINVAL naming the
   parameter, KV_ENOMEM. */
int kv_gen_new(const struct kv_gen_params *p, struct kv_gen **out, struct kv_err *err);
void kv_gen_free(struct kv_gen *g);

/* The load and run streams (borrowed from @g; closing them is a no-op). */
struct kv_wl_source *kv_gen_load_source(struct kv_gen *g);
struct kv_wl_source *kv_gen_run_source(struct kv_gen *g);

/* Format key number @n as @fmt into @buf (>= 24 bytes, or key_size);
   returns the length. */
size_t kv_gen_format_key(enum kv_keyfmt fmt, size_t key_size, uint64_t n, char *buf);

#endif
