/*
 * lua/main.c - the lsmlab executable: subcommands bench, list, help,
 * version. Exit status 0 success, 1 runtime error, 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "lua/cli_bench.h"
#include "lua/cli_list.h"

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
		"  list      list the engines, devices, memtables, strategies and benchmarks,\n"
		"            with every option (type, default, range, unit, doc)\n"
		"  help      show this text\n"
		"  version   print the version (also --version)\n"
		"\n"
		"Example:\n"
		"  lsmlab bench --benchmarks=fillrandom,readrandom --num=1000000 \\\n"
		"      --write_buffer_size=4MiB --device=file --db=/tmp/lsmlab-db --json=run.json\n"
		"\n"
		"Exit status: 0 success, 1 runtime error, 2 usage error.\n");
}

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
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		if (argc > 2 && strcmp(argv[2], "bench") == 0)
			kv_cli_bench_help(stdout);
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
	fprintf(stderr, "lsmlab: unknown command '%s'; expected bench|list|help|version "
		"(lsmlab --help)\n", cmd);
	return KV_EXIT_USAGE;
}
