/*
 * lua/cli_bench.h - `lsmlab bench`: db_bench-style runs on one engine.
 *
 * Opens the chosen device and engine, runs the benchmarks in order on the
 * same store, prints db_bench's result line per benchmark, then the
 * amplification summary and (LSM) the compaction table, and with --json
 * writes every statistic to a file. With --device=file the --db directory
 * is emptied of lsmlab files first; a directory holding anything else is
 * refused.
 */
#ifndef KV_LUA_CLI_BENCH_H
#define KV_LUA_CLI_BENCH_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes of the lsmlab command. */
enum {
	KV_EXIT_OK = 0,
	KV_EXIT_RUNTIME = 1, /* an engine, device or file error */
	KV_EXIT_USAGE = 2,   /* bad command line */
};

/*
 * Run `lsmlab bench` with the arguments after "bench" (@argc/@argv) and
 * the whole command line (@full_argc/@full_argv, echoed into the JSON).
 * Results go to @out, messages ("lsmlab: ...") to @errout. Returns an exit
 * code above.
 */
int kv_cli_bench(int argc, char **argv, int full_argc, char **full_argv, const char *version,
		 FILE *out, FILE *errout);

/*
 * `lsmlab replay FILE [--format=auto|csv|cs265|bu] [options]`: the bench
 * with --trace=FILE (and --trace_format); arguments after "replay".
 */
int kv_cli_replay(int argc, char **argv, int full_argc, char **full_argv, const char *version,
		  FILE *out, FILE *errout);

/* `lsmlab bench --help`. */
void kv_cli_bench_help(FILE *out);

/*
 * True if @name is a file the LSM engine creates: CURRENT, CURRENT.tmp,
 * MANIFEST-<digits>, <digits>.sst, <digits>.log.
 */
bool kv_cli_is_lsmlab_file(const char *name);

#endif
