/*
 * lua/cli_run.h - `lsmlab run script.lua [--name=value ...]`: run a Lua
 * experiment script (also `lsmlab script.lua ...`, so a script can start
 * with `#!/usr/bin/env lsmlab`).
 *
 * The script runs in a fresh Lua 5.4 state whose allocator is the lsmlab
 * allocator hook (component KV_MEM_OTHER), with the standard libraries and
 * `require "lsmlab"` resolved to the built-in module. The global `arg`
 * holds the script name at 0 and its arguments at 1..n, as the stock
 * interpreter sets it; lsmlab.options{...} parses them. A failing script
 * prints "lsmlab: file:line: message" and a traceback on stderr.
 */
#ifndef KV_LUA_CLI_RUN_H
#define KV_LUA_CLI_RUN_H

#include <stdio.h>

/*
 * Run the script @argv[0] with the arguments @argv[1..argc). Returns an
 * exit code (lua/cli_bench.h): 0, 1 when the script fails, 2 when it
 * cannot be loaded (missing file, syntax error).
 */
int kv_cli_run(int argc, char **argv, FILE *errout);

/* `lsmlab run --help`. */
void kv_cli_run_help(FILE *out);

#endif
