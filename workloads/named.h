/*
 * workloads/named.h - the named workloads and how a runner config becomes
 * a generator: presets (name=value defaults per workload), the YCSB
 * .properties file, and the user's own options, applied in that order (a
 * later one wins). Internal to the runner and its tests.
 */
#ifndef KV_WORKLOADS_NAMED_H
#define KV_WORKLOADS_NAMED_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"
#include "core/status.h"
#include "workloads/generator.h"
#include "workloads/opmix.h"

/* The runner's options (kv_runner_options stores into this). */
struct kv_runner_opts {
	char workload[KV_OPT_STRING_BYTES];
	int64_t recordcount, operationcount;
	int distribution;          /* 0 "default", then enum kv_dist_kind + 1 */
	double theta;
	double weight[KV_OPMIX_KINDS];
	int64_t max_scan_length;
	int scan_length_dist;      /* 0 default, then enum kv_scanlen_kind + 1 */
	int insert_order;          /* 0 default, 1 hashed, 2 ordered */
	int64_t fieldcount, fieldlength, value_size;
	int value_size_dist;
	int64_t value_size_min, value_size_max, key_size;
	double hot_data_fraction, hot_op_fraction, exp_percentile, exp_frac;
	uint64_t ts_step_ns;
	double ts_late_fraction;
	uint64_t ts_late_max_ns, ts_ttl_ns;
	int64_t seed;
	bool verify;
	int64_t interval_ops;
	uint64_t interval_ns;
	bool progress;
	char trace[KV_OPT_STRING_BYTES];
	int trace_format;
	char record[KV_OPT_STRING_BYTES];
};

/* Parameters of the timeseries source. */
struct kv_ts_params {
	uint64_t count;           /* writes (operationcount) */
	double read_weight, scan_weight, insert_weight;
	uint64_t max_scan_length;
	uint64_t step_ns, late_max_ns, ttl_ns;
	double late_fraction;
	double theta;             /* reads/scans: latest over the writes */
	struct kv_vsize vsize;
	uint64_t seed;
};

struct kv_named_setup {
	char name[KV_OPT_STRING_BYTES];
	char desc[512];
	bool timeseries;
	struct kv_gen_params gen;
	struct kv_ts_params ts;
};

/* Names of the built-in workloads, NULL-terminated. */
extern const char *const kv_named_workloads[];

/*
 * Resolve the workload of @user (validated runner options): build the
 * effective config (*eff, caller frees) from the preset, the .properties
 * file (workload=PATH ending in .properties) and @user, load it into *o,
 * and fill *ns. KV_EINVAL naming the option or "file:line: ...", KV_EIO.
 */
int kv_named_resolve(const struct kv_config *user, struct kv_config **eff,
		     struct kv_runner_opts *o, struct kv_named_setup *ns, struct kv_err *err);

/*
 * YCSB .properties into @cfg as lsmlab option names (docs/workloads.md
 * has the mapping). Lines: blank, "# ..." / "! ..." comments, or
 * "name=value" / "name:value" / "name value". KV_EINVAL "FILE:LINE:
 * expected ..." / "FILE:LINE: unknown property 'x'", KV_EIO.
 */
int kv_ycsb_read_properties(const char *path, struct kv_config *cfg, struct kv_err *err);

/* The timeseries source (workloads/timeseries.c); caller closes. */
int kv_timeseries_open(const struct kv_ts_params *p, struct kv_wl_source **out,
		       struct kv_err *err);
/* The key of timeseries write @seq ("%020llu" timestamp + "%010llu" seq, 30 bytes). */
#define KV_TS_KEY_BYTES 30
uint64_t kv_timeseries_ts(const struct kv_ts_params *p, uint64_t seq);

#endif
