/*
 * lua/cli_args.c - parsing and validation of `lsmlab bench` arguments
 * (lua/cli_args.h).
 */
#include "lua/cli_args.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "workloads/keygen.h"
#include "workloads/runner.h"

#define OPT(field) offsetof(struct kv_cli_opts, field)
#define LIST_BYTES 1024

const struct kv_option kv_cli_bench_options[] = {
	{ .name = "benchmarks", .type = KV_OPT_STRING, .def = "fillrandom,readrandom",
	  .unit = "", .doc = "comma-separated benchmarks, run in order on one store",
	  .offset = OPT(benchmarks) },
	{ .name = "num", .type = KV_OPT_INT, .def = "100000", .min = 1, .max = 1e10,
	  .unit = "keys", .doc = "key space [0, num) and operations of fills and deletes",
	  .offset = OPT(num) },
	{ .name = "reads", .type = KV_OPT_INT, .def = "-1", .min = -1, .max = 1e12,
	  .unit = "ops", .doc = "gets of readrandom, entries of seekrandom (-1: num)",
	  .offset = OPT(reads) },
	{ .name = "key_size", .type = KV_OPT_BYTES, .def = "16", .min = 1,
	  .max = KV_MAX_KEY_BYTES, .unit = "bytes",
	  .doc = "key length (zero-padded decimal key number)", .offset = OPT(key_size) },
	{ .name = "value_size", .type = KV_OPT_BYTES, .def = "100", .min = 0,
	  .max = KV_MAX_VALUE_BYTES, .unit = "bytes",
	  .doc = "value length (incompressible random bytes)", .offset = OPT(value_size) },
	{ .name = "seek_nexts", .type = KV_OPT_INT, .def = "10", .min = 1, .max = 1000000,
	  .unit = "entries", .doc = "entries read after each seek of seekrandom",
	  .offset = OPT(seek_nexts) },
	{ .name = "seed", .type = KV_OPT_INT, .def = "301", .min = 0, .max = 9.2e18, .unit = "",
	  .doc = "seed of every random choice (keys, values; plug-ins with a seed option)",
	  .offset = OPT(seed) },
	{ .name = "engine", .type = KV_OPT_STRING, .def = "lsm", .unit = "",
	  .doc = "storage engine (lsmlab list)", .offset = OPT(engine) },
	{ .name = "memtable", .type = KV_OPT_STRING, .def = "skiplist", .unit = "",
	  .doc = "memtable kind of the LSM engine (lsmlab list)", .offset = OPT(memtable) },
	{ .name = "strategy", .type = KV_OPT_STRING, .def = "leveled", .unit = "",
	  .doc = "compaction strategy of the LSM engine (lsmlab list)",
	  .offset = OPT(strategy) },
	{ .name = "device", .type = KV_OPT_STRING, .def = "mem", .unit = "",
	  .doc = "storage device: mem (RAM) or file (POSIX files under --db)",
	  .offset = OPT(device) },
	{ .name = "db", .type = KV_OPT_STRING, .def = "./lsmlab-db", .unit = "",
	  .doc = "directory of --device=file; its lsmlab files are deleted first",
	  .offset = OPT(db) },
	{ .name = "json", .type = KV_OPT_STRING, .def = "", .unit = "",
	  .doc = "also write every statistic to this JSON file", .offset = OPT(json) },
	{ .name = "csv", .type = KV_OPT_STRING, .def = "", .unit = "",
	  .doc = "append one row per benchmark to this CSV file (header when new)",
	  .offset = OPT(csv) },
	{ .name = "label", .type = KV_OPT_STRING, .def = "", .unit = "",
	  .doc = "name of this run in the CSV (default: engine/memtable/strategy@device)",
	  .offset = OPT(label) },
	{ .name = "compaction_log", .type = KV_OPT_STRING, .def = "", .unit = "",
	  .doc = "write one CSV row per flush and compaction job to this file (lsm engine)",
	  .offset = OPT(compaction_log) },
	{ .name = "histogram", .type = KV_OPT_BOOL, .def = "false", .unit = "",
	  .doc = "print latency percentiles after each benchmark", .offset = OPT(histogram) },
	{ .name = "verify", .type = KV_OPT_BOOL, .def = "true", .unit = "",
	  .doc = "check every get and scan result against the exact set of live keys",
	  .offset = OPT(verify) },
	{ .name = "workload", .type = KV_OPT_STRING, .def = "", .unit = "",
	  .doc = "run a named workload (ycsb-a..ycsb-f, timeseries, deleteheavy, db_bench "
		 "names, custom) or a YCSB FILE.properties instead of --benchmarks; its "
		 "options (docs/workloads.md) are accepted as --name=value",
	  .offset = OPT(workload) },
	{ .name = NULL },
};

/* One `--name[=value]` argument; value NULL for a bare flag. */
struct raw_arg {
	char *name; /* owned, KV_MEM_OTHER */
	const char *value; /* borrowed from argv */
};

uint64_t kv_cli_reads(const struct kv_cli_opts *o)
{
	return o->reads < 0 ? (uint64_t)o->num : (uint64_t)o->reads;
}

static int parse_benchmarks(struct kv_cli_bench_args *a, struct kv_err *err)
{
	const char *p = a->opts.benchmarks;
	const char *names[KV_BENCH__COUNT];
	char list[LIST_BYTES], name[KV_OPT_STRING_BYTES];

	for (int i = 0; i < KV_BENCH__COUNT; i++)
		names[i] = kv_bench_name((enum kv_bench_kind)i);
	kv_bench_names(list, sizeof(list), "|");
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t lo = 0, hi = len;
		int kind;

		while (lo < hi && (p[lo] == ' ' || p[lo] == '\t'))
			lo++;
		while (hi > lo && (p[hi - 1] == ' ' || p[hi - 1] == '\t'))
			hi--;
		if (hi > lo) {
			memcpy(name, p + lo, hi - lo);
			name[hi - lo] = '\0';
			kind = kv_bench_find(name);
			if (kind < 0) {
				const char *s = kv_setup_suggest(name, names, KV_BENCH__COUNT);
				if (s)
					return kv_err_set(err, KV_EINVAL,
							  "unknown benchmark '%s' (did you mean "
							  "'%s'?); expected one of %s",
							  name, s, list);
				return kv_err_set(err, KV_EINVAL,
						  "unknown benchmark '%s'; expected one of %s",
						  name, list);
			}
			if (a->nbenchmarks == KV_CLI_MAX_BENCHMARKS)
				return kv_err_set(err, KV_EINVAL,
						  "too many benchmarks (at most %d)",
						  KV_CLI_MAX_BENCHMARKS);
			a->benchmarks[a->nbenchmarks++] = (enum kv_bench_kind)kind;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (a->nbenchmarks == 0)
		return kv_err_set(err, KV_EINVAL, "no benchmarks given; expected one or more of %s",
				  list);
	return KV_OK;
}

/* ------------------------------------------------------- option values */

static int needs_value(const char *name, struct kv_err *err)
{
	return kv_err_set(err, KV_EINVAL, "option '--%s' needs a value: --%s=VALUE", name, name);
}

/* Check a value against @opt (bare flags: booleans only). */
static int check_value(const struct kv_option *opt, const char *name, const char **value,
		       struct kv_err *err)
{
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		int e;
		char s[KV_OPT_STRING_BYTES];
	} scratch;

	if (!*value) {
		if (opt->type != KV_OPT_BOOL)
			return needs_value(name, err);
		*value = "true";
	}
	return kv_option_parse(opt, *value, &scratch, err);
}

/* ------------------------------------------------------------- parsing */

static void free_raw(struct raw_arg *raw, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kv_strfree(KV_MEM_OTHER, raw[i].name);
}

/* Split argv into raw arguments; *help set for --help/-h. */
static int split_args(int argc, char **argv, struct raw_arg *raw, size_t *nraw, bool *help,
		      struct kv_err *err)
{
	*nraw = 0;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			*help = true;
			return KV_OK;
		}
		if (strncmp(arg, "--", 2) != 0)
			return kv_err_set(err, KV_EINVAL,
					  "unexpected argument '%s'; options are --name=value",
					  arg);
		arg += 2;
		eq = strchr(arg, '=');
		if ((eq ? (size_t)(eq - arg) : strlen(arg)) == 0)
			return kv_err_set(err, KV_EINVAL,
					  "malformed argument '%s'; options are --name=value",
					  argv[i]);
		raw[*nraw].name = eq ? kv_strndup(KV_MEM_OTHER, arg, (size_t)(eq - arg)) :
				       kv_strdup(KV_MEM_OTHER, arg);
		if (!raw[*nraw].name)
			return kv_err_set(err, KV_ENOMEM, "out of memory");
		raw[*nraw].value = eq ? eq + 1 : NULL;
		(*nraw)++;
	}
	return KV_OK;
}

static int load_cli_options(struct kv_cli_bench_args *a, struct raw_arg *raw, size_t nraw,
			    struct kv_err *err)
{
	int rc;

	for (size_t i = 0; i < nraw; i++) {
		const struct kv_option *o = kv_option_find(kv_cli_bench_options, raw[i].name);
		const char *value = raw[i].value;

		if (!o)
			continue;
		rc = check_value(o, raw[i].name, &value, err);
		if (rc != KV_OK)
			return rc;
		if (kv_config_set(a->cli_cfg, raw[i].name, value) != KV_OK)
			return kv_err_set(err, KV_ENOMEM, "out of memory");
	}
	rc = kv_options_load(kv_cli_bench_options, a->cli_cfg, &a->opts, err);
	if (rc != KV_OK)
		return rc;
	if (kv_keygen_digits((uint64_t)a->opts.num - 1) > a->opts.key_size)
		return kv_err_set(err, KV_EINVAL,
				  "option '--key_size': %llu bytes cannot hold the keys of "
				  "--num=%lld (they need %zu decimal digits)",
				  (unsigned long long)a->opts.key_size, (long long)a->opts.num,
				  kv_keygen_digits((uint64_t)a->opts.num - 1));
	return KV_OK;
}

/* A runner option: checked against kv_runner_options, kept for the runner. */
static int add_workload_option(struct kv_cli_bench_args *a, const struct raw_arg *r,
			       struct kv_err *err)
{
	const struct kv_option *o = kv_option_find(kv_runner_options, r->name);
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		int e;
		char s[KV_OPT_STRING_BYTES];
	} scratch;
	const char *value = r->value;
	int rc;

	if (!value) {
		if (o->type != KV_OPT_BOOL)
			return kv_err_set(err, KV_EINVAL, "option '--%s' needs a value: --%s=VALUE",
					  r->name, r->name);
		value = "true";
	}
	rc = kv_option_parse(o, value, &scratch, err);
	if (rc != KV_OK)
		return rc;
	if (kv_config_set(a->workload_cfg, r->name, value) != KV_OK)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	return KV_OK;
}

int kv_cli_parse_bench(int argc, char **argv, struct kv_cli_bench_args *a, struct kv_err *err)
{
	struct raw_arg *raw;
	size_t nraw = 0, raw_bytes = ((size_t)argc + 1) * sizeof(*raw);
	int rc;

	memset(a, 0, sizeof(*a));
	raw = kv_calloc(KV_MEM_OTHER, raw_bytes);
	a->cli_cfg = kv_config_new();
	a->workload_cfg = kv_config_new();
	rc = kv_setup_init(&a->setup, "--", kv_cli_bench_options, err);
	if (rc != KV_OK)
		goto out_free_raw;
	if (!raw || !a->cli_cfg || !a->workload_cfg) {
		rc = kv_err_set(err, KV_ENOMEM, "out of memory");
		goto out_free_raw;
	}
	rc = split_args(argc, argv, raw, &nraw, &a->help, err);
	if (rc != KV_OK || a->help)
		goto out_free_raw;
	rc = load_cli_options(a, raw, nraw, err);
	if (rc != KV_OK)
		goto out_free_raw;
	rc = kv_setup_resolve(&a->setup, a->opts.engine, a->opts.memtable, a->opts.strategy,
			      a->opts.device, err);
	if (rc != KV_OK)
		goto out_free_raw;
	for (size_t i = 0; i < nraw; i++) {
		if (kv_option_find(kv_cli_bench_options, raw[i].name))
			continue;
		if (kv_option_find(kv_runner_options, raw[i].name)) {
			rc = add_workload_option(a, &raw[i], err);
			if (rc != KV_OK)
				goto out_free_raw;
			continue;
		}
		rc = kv_setup_option(&a->setup, raw[i].name, raw[i].value, err);
		if (rc != KV_OK)
			goto out_free_raw;
	}
	rc = kv_setup_finish(&a->setup, (uint64_t)a->opts.seed, err);
	if (rc != KV_OK)
		goto out_free_raw;
	if (a->opts.workload[0] || kv_config_get(a->workload_cfg, "trace")) {
		if (kv_config_get(a->cli_cfg, "benchmarks"))
			rc = kv_err_set(err, KV_EINVAL,
					"--benchmarks and --workload/--trace exclude each other: "
					"give one");
		goto out_free_raw;
	}
	if (kv_config_count(a->workload_cfg)) {
		const char *name, *value;

		kv_config_entry(a->workload_cfg, 0, &name, &value);
		rc = kv_err_set(err, KV_EINVAL,
				"option '--%s' is a workload option: it needs --workload=NAME "
				"(or --trace=FILE)", name);
		goto out_free_raw;
	}
	rc = parse_benchmarks(a, err);

out_free_raw:
	if (raw) {
		free_raw(raw, nraw);
		kv_free(KV_MEM_OTHER, raw, raw_bytes);
	}
	return rc;
}

void kv_cli_bench_args_free(struct kv_cli_bench_args *a)
{
	kv_config_free(a->cli_cfg);
	kv_config_free(a->workload_cfg);
	a->cli_cfg = a->workload_cfg = NULL;
	kv_setup_free(&a->setup);
}
