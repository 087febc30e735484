/*
 * lua/cli_list.c - `lsmlab list` and option-table printing (lua/cli_list.h).
 */
#include "lua/cli_list.h"

#include <string.h>

#include "core/engine.h"
#include "core/lsm/strategy.h"
#include "core/memtable/memtable.h"
#include "devices/registry.h"
#include "strategies/registry.h"
#include "workloads/dbbench.h"
#include "workloads/named.h"
#include "workloads/runner.h"

#define RANGE_BYTES 512

const char *kv_cli_type_name(enum kv_opt_type type)
{
	switch (type) {
	case KV_OPT_INT:
		return "int";
	case KV_OPT_BYTES:
		return "bytes";
	case KV_OPT_DURATION:
		return "duration";
	case KV_OPT_DOUBLE:
		return "double";
	case KV_OPT_BOOL:
		return "bool";
	case KV_OPT_ENUM:
		return "enum";
	case KV_OPT_STRING:
		return "string";
	}
	return "?";
}

/* The allowed values of @o for the RANGE column: without the unit (it has its
   own column); enum choices go on a line of their own. */
static void range_of(const struct kv_option *o, char *buf, size_t len)
{
	size_t n, u;

	if (o->type == KV_OPT_ENUM) {
		snprintf(buf, len, "(see choices)");
		return;
	}
	if (o->type == KV_OPT_STRING) {
		snprintf(buf, len, "any");
		return;
	}
	kv_option_describe_range(o, buf, len);
	if (!o->unit || !o->unit[0])
		return;
	n = strlen(buf);
	u = strlen(o->unit);
	if (n > u && buf[n - u - 1] == ' ' && strcmp(buf + n - u, o->unit) == 0)
		buf[n - u - 1] = '\0';
}

static int width(const char *s, int w)
{
	int n = (int)strlen(s);
	return n > w ? n : w;
}

void kv_cli_print_options(FILE *out, const struct kv_option *table, const char *indent)
{
	int wn = (int)strlen("OPTION"), wt = (int)strlen("TYPE"), wd = (int)strlen("DEFAULT");
	int wr = (int)strlen("RANGE"), wu = (int)strlen("UNIT");
	char range[RANGE_BYTES];

	if (!table || !table->name) {
		fprintf(out, "%s(no options)\n", indent);
		return;
	}
	for (const struct kv_option *o = table; o->name; o++) {
		wn = width(o->name, wn - 2) + 2;
		wt = width(kv_cli_type_name(o->type), wt);
		wd = width(o->def ? o->def : "", wd);
		range_of(o, range, sizeof(range));
		wr = width(range, wr);
		wu = width(o->unit ? o->unit : "", wu);
	}
	fprintf(out, "%s%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", indent, wn, "OPTION", wt, "TYPE", wd,
		"DEFAULT", wr, "RANGE", wu, "UNIT", "DOC");
	for (const struct kv_option *o = table; o->name; o++) {
		char flag[KV_OPT_STRING_BYTES];

		snprintf(flag, sizeof(flag), "--%s", o->name);
		range_of(o, range, sizeof(range));
		fprintf(out, "%s%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", indent, wn, flag, wt,
			kv_cli_type_name(o->type), wd, o->def ? o->def : "", wr, range, wu,
			o->unit ? o->unit : "", o->doc ? o->doc : "");
		if (o->type == KV_OPT_ENUM) {
			kv_option_describe_range(o, range, sizeof(range));
			fprintf(out, "%s    choices: %s\n", indent,
				strncmp(range, "one of ", 7) == 0 ? range + 7 : range);
		}
	}
}

static void plugin(FILE *out, const char *name, unsigned version, const char *doc,
		   const struct kv_option *options)
{
	fprintf(out, "  %s (version %u): %s\n", name, version, doc ? doc : "");
	kv_cli_print_options(out, options, "    ");
	fprintf(out, "\n");
}

int kv_cli_list(FILE *out)
{
	char names[512];

	fprintf(out, "Engines (--engine=NAME):\n");
	for (size_t i = 0; kv_engine_registry[i]; i++) {
		const struct kv_engine_ops *o = kv_engine_registry[i];
		plugin(out, o->name, o->version, o->doc, o->options);
	}
	fprintf(out, "Devices (--device=NAME):\n");
	for (size_t i = 0; kv_device_registry[i]; i++) {
		const struct kv_device_ops *o = kv_device_registry[i];
		plugin(out, o->name, o->version, o->doc, o->options);
	}
	fprintf(out, "Memtables (--memtable=NAME, LSM engine):\n");
	for (size_t i = 0; kv_memtable_registry[i]; i++) {
		const struct kv_memtable_ops *o = kv_memtable_registry[i];
		plugin(out, o->name, o->version, o->doc, o->options);
	}
	fprintf(out, "Strategies (--strategy=NAME, LSM engine):\n");
	for (size_t i = 0; kv_strategy_registry[i]; i++) {
		const struct kv_strategy_ops *o = kv_strategy_registry[i];
		plugin(out, o->name, o->version, o->doc, o->options);
		if (o->triggers && o->triggers[0]) {
			fprintf(out, "    triggers:");
			for (size_t t = 0; o->triggers[t]; t++)
				fprintf(out, " %s", o->triggers[t]);
			fprintf(out, "\n\n");
		}
	}
	kv_bench_names(names, sizeof(names), ",");
	fprintf(out, "Benchmarks (lsmlab bench --benchmarks=A,B,...):\n  %s\n", names);
	fprintf(out, "\nWorkloads (lsmlab bench --workload=NAME|FILE.properties; "
		"docs/workloads.md):\n ");
	for (size_t i = 0; kv_named_workloads[i]; i++)
		fprintf(out, " %s", kv_named_workloads[i]);
	fprintf(out, "\n  options:\n");
	kv_cli_print_options(out, kv_runner_options, "    ");
	return 0;
}
