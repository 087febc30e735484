/*
 * lua/main.c - the lsmlab executable: subcommands bench, run, replay, gen, list, help,
 * version; `lsmlab SCRIPT.lua ...` is `lsmlab run SCRIPT.lua ...`. Exit status 0 success, 1 runtime error, 2 usage error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lua/cli_bench.h"
#include "lua/cli_gen.h"
#include "lua/cli_list.h"
#ifdef KV_HAVE_LUA
#include "lua/cli_run.h"
#endif

#ifndef LSMLAB_VERSION
#define LSMLAB_VERSION "unknown"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"usage: lsmlab <command> [options]\n"
		"\n"
		"lsmlab is a storage-engine research framework: swappable memtables,\n"
		"compaction strategies and devices, with every byte at the device boundary\n"
		"counted.\n"
		"\n"
		"Commands:\n"
		"  bench     run db_bench-style benchmarks and report throughput, write/read/\n"
		"            space amplification and the compaction table\n"
		"            (lsmlab bench --help; with no options a quick in-memory run)\n"
		"  run       run a Lua experiment script: lsmlab run SCRIPT.lua [--name=value ...]\n"
		"            (also `lsmlab SCRIPT.lua`, for #!/usr/bin/env lsmlab; lsmlab run --help)\n"
		"  replay    replay a trace (lsmlab CSV, CS265 or BU) with the bench reports:\n"
		"            lsmlab replay FILE [--format=auto|csv|cs265|bu] [options]\n"
		"  gen       write a workload file: lsmlab gen cs265 [--puts=N ...]\n"
		"  list      list the engines, devices, memtables, strategies and benchmarks,\n"
		"            with every option (type, default, range, unit, doc)\n"
		"  help      show this text\n"
		"  version   print the version (also --version)\n"
		"\n"
		"Examples:\n"
		"  lsmlab run experiments/quickstart.lua --quick\n"
		"  lsmlab bench --benchmarks=fillrandom,readrandom --num=1000000 \\\n"
		"      --write_buffer_size=4MiB --device=file --db=/tmp/lsmlab-db --json=run.json\n"
		"\n"
		"Exit status: 0 success, 1 runtime error, 2 usage error.\n");
}

#ifdef KV_HAVE_LUA
/* A script path: ends in .lua, or names an existing file (shebang use). */
static bool is_script(const char *cmd)
{
	size_t n = strlen(cmd);

	if (n > 4 && strcmp(cmd + n - 4, ".lua") == 0)
		return true;
	return strchr(cmd, '/') != NULL && access(cmd, R_OK) == 0;
}
#endif

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		fprintf(stderr, "lsmlab: no command given\n\n");
		usage(stderr);
		return KV_EXIT_USAGE;
	}
	if (strcmp(cmd, "bench") == 0)
		return kv_cli_bench(argc - 2, argv + 2, argc, argv, LSMLAB_VERSION, stdout, stderr);
	if (strcmp(cmd, "replay") == 0)
		return kv_cli_replay(argc - 2, argv + 2, argc, argv, LSMLAB_VERSION, stdout, stderr);
	if (strcmp(cmd, "gen") == 0)
		return kv_cli_gen(argc - 2, argv + 2, stdout, stderr);
#ifdef KV_HAVE_LUA
	if (strcmp(cmd, "run") == 0)
		return kv_cli_run(argc - 2, argv + 2, stderr);
	if (is_script(cmd))
		return kv_cli_run(argc - 1, argv + 1, stderr);
#endif
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2 && strcmp(argv[2], "bench") == 0)
			kv_cli_bench_help(stdout);
#ifdef KV_HAVE_LUA
		else if (argc > 2 && strcmp(argv[2], "run") == 0)
			kv_cli_run_help(stdout);
#endif
		else
			usage(stdout);
		return KV_EXIT_OK;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("lsmlab %s\n", LSMLAB_VERSION);
		return KV_EXIT_OK;
	}
	if (strcmp(cmd, "list") == 0) {
		if (argc > 2) {
			fprintf(stderr, "lsmlab: list takes no arguments (got '%s')\n", argv[2]);
			return KV_EXIT_USAGE;
		}
		kv_cli_list(stdout);
		return fflush(stdout) == 0 ? KV_EXIT_OK : KV_EXIT_RUNTIME;
	}
	fprintf(stderr, "lsmlab: unknown command '%s'; expected bench|run|replay|gen|list|help|version "
		"(lsmlab --help)\n", cmd);
	return KV_EXIT_USAGE;
}
