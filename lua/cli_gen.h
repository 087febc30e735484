/*
 * lua/cli_gen.h - `lsmlab gen cs265 ...`: write a Harvard CS265 workload
 * (and its binary load file) with workloads/trace.h's generator.
 */
#ifndef KV_LUA_CLI_GEN_H
#define KV_LUA_CLI_GEN_H

#include <stdio.h>

/* Run `lsmlab gen` with the arguments after "gen". Returns an exit code. */
int kv_cli_gen(int argc, char **argv, FILE *out, FILE *errout);

#endif
