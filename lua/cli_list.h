/*
 * lua/cli_list.h - `lsmlab list`: the registered engines, devices,
 * memtables, strategies and benchmarks, each plug-in with its option table.
 */
#ifndef KV_LUA_CLI_LIST_H
#define KV_LUA_CLI_LIST_H

#include <stdio.h>

#include "core/options.h"

/*
 * Print one option table (NULL-terminated; NULL prints "(no options)") as
 * aligned columns: --name, type, default, range, unit, doc; each line
 * starts with @indent.
 */
void kv_cli_print_options(FILE *out, const struct kv_option *table, const char *indent);

/* Name of an option type as shown to users ("bytes", "enum", ...). */
const char *kv_cli_type_name(enum kv_opt_type type);

/* `lsmlab list`: everything registered. Returns the exit code (0). */
int kv_cli_list(FILE *out);

#endif
