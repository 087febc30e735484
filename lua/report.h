/*
 * lua/report.h - the measurement report of a run, as text and as JSON.
 *
 * One struct kv_report names what a run produced (the engine and device it
 * measured, the per-benchmark results, the exact logical live bytes, the
 * configuration) and the functions below print it: db_bench's result line
 * per benchmark, the amplification summary with the metric definitions
 * (workloads/metrics.h, verbatim), the LSM compaction table with trigger
 * counts and read-path counters, and the JSON file with every statistic.
 * Shared by the CLI and, later, the Lua module.
 *
 * All figures come from the engine wrapper's and the device wrapper's
 * counters; nothing is estimated here. A ratio whose denominator is 0 is
 * NaN: "n/a" in text, null in JSON.
 *
 * Ownership: everything a struct kv_report points to is borrowed for the
 * duration of each call.
 */
#ifndef KV_LUA_REPORT_H
#define KV_LUA_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/device.h"
#include "core/engine.h"
#include "core/options.h"
#include "workloads/dbbench.h"

/* One echoed configuration section: every option of @options with its
   value from @cfg, or its default. */
struct kv_report_config {
	const char *section;             /* "bench", "engine", "memtable", ... */
	const char *name;                /* plug-in name; NULL for "bench" */
	const struct kv_option *options; /* NULL-terminated; NULL = none */
	const struct kv_config *cfg;     /* NULL = all defaults */
};

struct kv_report {
	const char *version;
	uint64_t seed;
	int argc;                        /* the command line, echoed in JSON */
	char *const *argv;
	const struct kv_report_config *configs;
	size_t nconfigs;
	const struct kv_bench_result *results;
	size_t nresults;
	struct kv_engine *engine;
	struct kv_device *device;
	uint64_t logical_live_keys;      /* exact, from the workload */
	uint64_t logical_live_bytes;
	uint64_t logical_peak_live_bytes;
};

/* The amplification figures of a report (NaN where undefined). */
struct kv_amp {
	uint64_t user_key_bytes, user_value_bytes, user_bytes_written;
	uint64_t puts, deletes;
	uint64_t dev_bytes_written, dev_bytes_written_no_wal;
	double wa, wa_no_wal;
	double wa_kind[KV_FILE__COUNT];
	uint64_t gets_found, gets_notfound;
	double ra_found_bytes, ra_found_ios;
	double ra_notfound_bytes, ra_notfound_ios;
	uint64_t scan_entries;
	double scan_bytes_per_entry;
	uint64_t dev_live_bytes, dev_peak_live_bytes;
	double sa, sa_peak;
};

/* Compute the amplification figures of @r (engine and device required). */
void kv_report_amp(const struct kv_report *r, struct kv_amp *out);

/*
 * db_bench's result line for one benchmark, e.g.
 * "fillrandom   :       3.456 micros/op 289351 ops/sec;   32.0 MB/s"
 * (wall-clock time; MB = 2^20 bytes), plus "(F of N found)" for reads.
 * With @latency, a second line with the benchmark's latency percentiles.
 */
void kv_report_bench_line(FILE *out, const struct kv_bench_result *res, bool latency);

/* The amplification summary, its definitions, and for the LSM engine the
   compaction table, trigger counts and read-path counters. */
void kv_report_text(FILE *out, const struct kv_report *r);

/* Only the definitions, one "  term = definition" line each. */
void kv_report_definitions(FILE *out);

/*
 * Every statistic of @r as one JSON object (pretty-printed). KV_OK, or
 * KV_EIO if writing @out failed.
 */
int kv_report_json(FILE *out, const struct kv_report *r);

/*
 * Write one CSV row per benchmark of @r, labelled @label (the header row
 * first when @header). Columns and units: results/README.md. Returns 0, or
 * -1 if a write failed.
 */
int kv_report_csv(FILE *out, const struct kv_report *r, const char *label, bool header);

#endif
