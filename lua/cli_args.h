/*
 * lua/cli_args.h - the command line of `lsmlab bench`.
 *
 * Syntax: every argument is `--name=value`; a bare `--name` means `true`
 * and is accepted only for boolean options. `--help` / `-h` asks for help.
 *
 * The names split in two:
 *  - the bench's own flags (kv_cli_bench_options: benchmarks, num, seed,
 *    engine, device, ...), validated through their option table like any
 *    plug-in's options;
 *  - the workload runner's options (kv_runner_options: recordcount,
 *    distribution, trace, ...), which go into workload_cfg and need
 *    --workload (or --trace);
 *  - everything else, which must be an option of the chosen engine, its
 *    memtable and strategy (when the engine has them: it declares options
 *    named "memtable" / "strategy"), or the device. Engine, memtable and
 *    strategy options go into engine_cfg (for kv_engine_open), device
 *    options into device_cfg (for kv_dev_open).
 * Unknown names are errors with the closest known name suggested; values
 * are checked by kv_option_parse, whose message names the option and the
 * allowed range or choices. Names of engines, devices, memtables,
 * strategies and benchmarks are resolved here; an unknown one is an error
 * listing the registered names.
 */
#ifndef KV_LUA_CLI_ARGS_H
#define KV_LUA_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/device.h"
#include "core/engine.h"
#include "core/lsm/strategy.h"
#include "core/memtable/memtable.h"
#include "core/options.h"
#include "core/status.h"
#include "lua/setup.h"
#include "workloads/dbbench.h"

#define KV_CLI_MAX_BENCHMARKS 64

/* The bench's own flags, loaded from kv_cli_bench_options. */
struct kv_cli_opts {
	char benchmarks[KV_OPT_STRING_BYTES];
	int64_t num;
	int64_t reads;         /* -1: num */
	uint64_t key_size;
	uint64_t value_size;
	int64_t seek_nexts;
	int64_t seed;
	char engine[KV_OPT_STRING_BYTES];
	char memtable[KV_OPT_STRING_BYTES];
	char strategy[KV_OPT_STRING_BYTES];
	char device[KV_OPT_STRING_BYTES];
	char db[KV_OPT_STRING_BYTES];
	char json[KV_OPT_STRING_BYTES]; /* "" = no JSON file */
	char csv[KV_OPT_STRING_BYTES];  /* "" = no CSV file; rows are appended */
	char label[KV_OPT_STRING_BYTES]; /* first CSV column */
	char compaction_log[KV_OPT_STRING_BYTES]; /* "" = none (lua/compaction_log.h) */
	bool histogram;
	bool verify;
	char workload[KV_OPT_STRING_BYTES]; /* "" = run --benchmarks */
};

/* The option table of the bench's own flags (NULL-terminated). */
extern const struct kv_option kv_cli_bench_options[];

struct kv_cli_bench_args {
	bool help;                              /* --help given: nothing else is set */
	struct kv_cli_opts opts;
	struct kv_config *cli_cfg;              /* the bench flags as given */
	struct kv_setup setup;                  /* plug-ins, engine and device configs */
	struct kv_config *workload_cfg;         /* runner options (workloads/runner.h) */
	enum kv_bench_kind benchmarks[KV_CLI_MAX_BENCHMARKS];
	size_t nbenchmarks;
};

/*
 * Parse the arguments after `bench` (argv[0..argc) are options only).
 * KV_OK with *a filled (free with kv_cli_bench_args_free, also after an
 * error), KV_EINVAL for a usage error with @err saying what is wrong and
 * what is allowed, KV_ENOMEM.
 */
int kv_cli_parse_bench(int argc, char **argv, struct kv_cli_bench_args *a, struct kv_err *err);
/* Free the configs of @a (idempotent; also after a failed parse). */
void kv_cli_bench_args_free(struct kv_cli_bench_args *a);

/* The effective read count (reads, or num when reads is -1). */
uint64_t kv_cli_reads(const struct kv_cli_opts *o);

#endif
