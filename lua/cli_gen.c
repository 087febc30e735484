/*
 * lua/cli_gen.c - `lsmlab gen cs265` (lua/cli_gen.h).
 */
#include "lua/cli_gen.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/options.h"
#include "lua/cli_bench.h"
#include "workloads/trace.h"

struct gen_opts {
	int64_t puts, gets, ranges, deletes, load, key_range, seed;
	double gets_miss_ratio;
	int skew;
	char load_file[KV_OPT_STRING_BYTES];
	char out[KV_OPT_STRING_BYTES];
};

#define OPT(f) offsetof(struct gen_opts, f)

static const char *const skews[] = { "uniform", "zipfian", NULL };

static const struct kv_option gen_options[] = {
	{ "puts", KV_OPT_INT, "1000", 0, 1e12, "ops", "p (put) commands", NULL, OPT(puts) },
	{ "gets", KV_OPT_INT, "1000", 0, 1e12, "ops", "g (get) commands", NULL, OPT(gets) },
	{ "ranges", KV_OPT_INT, "100", 0, 1e12, "ops", "r (range) commands", NULL, OPT(ranges) },
	{ "deletes", KV_OPT_INT, "100", 0, 1e12, "ops", "d (delete) commands", NULL,
	  OPT(deletes) },
	{ "load", KV_OPT_INT, "0", 0, 1e12, "pairs",
	  "pairs in a binary load file, loaded first by an l command", NULL, OPT(load) },
	{ "load_file", KV_OPT_STRING, "", 0, 0, "", "path of the binary load file", NULL,
	  OPT(load_file) },
	{ "gets_miss_ratio", KV_OPT_DOUBLE, "0.1", 0, 1, "",
	  "fraction of gets of keys never put", NULL, OPT(gets_miss_ratio) },
	{ "skew", KV_OPT_ENUM, "uniform", 0, 0, "",
	  "key choice: uniform, or zipfian (theta 0.99, permuted ranks)", skews, OPT(skew) },
	{ "key_range", KV_OPT_INT, "0", 0, 1e9, "keys",
	  "keys drawn from [0, key_range), doubled (0: 4 x (puts + load) + 1)", NULL,
	  OPT(key_range) },
	{ "seed", KV_OPT_INT, "301", 0, 9.2e18, "", "seed of every random choice", NULL,
	  OPT(seed) },
	{ "out", KV_OPT_STRING, "", 0, 0, "", "write the workload here (default stdout)", NULL,
	  OPT(out) },
	{ NULL },
};

static void gen_help(FILE *out)
{
	fprintf(out, "usage: lsmlab gen cs265 [--name=value ...]\n\n"
		     "Writes a workload in the Harvard CS265 DSL (p g r d l s; docs/workloads.md),\n"
		     "operations interleaved at random; puts use even keys so that missing gets\n"
		     "(odd keys) really miss. Options:\n");
	for (const struct kv_option *o = gen_options; o->name; o++)
		fprintf(out, "  --%-16s %s (default %s)\n", o->name, o->doc,
			o->def[0] ? o->def : "\"\"");
}

int kv_cli_gen(int argc, char **argv, FILE *out, FILE *errout)
{
	const struct kv_option *tables[] = { gen_options, NULL };
	struct kv_cs265_gen_params p;
	struct kv_config *cfg;
	struct gen_opts o;
	struct kv_err err;
	FILE *f = out;
	int code = KV_EXIT_USAGE, rc;

	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		gen_help(out);
		return KV_EXIT_OK;
	}
	if (argc < 1 || strcmp(argv[0], "cs265") != 0) {
		fprintf(errout, "lsmlab: gen: expected a format: lsmlab gen cs265 [options] "
			"(lsmlab gen --help)\n");
		return KV_EXIT_USAGE;
	}
	cfg = kv_config_new();
	if (!cfg)
		return KV_EXIT_RUNTIME;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		char name[128];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			gen_help(out);
			code = KV_EXIT_OK;
			goto out_free;
		}
		if (strncmp(a, "--", 2) != 0 || !eq || eq == a + 2 || (size_t)(eq - a) > 100) {
			fprintf(errout, "lsmlab: gen: unexpected argument '%s'; options are "
				"--name=value\n", a);
			goto out_free;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - a - 2), a + 2);
		if (kv_config_set(cfg, name, eq + 1) != KV_OK) {
			code = KV_EXIT_RUNTIME;
			goto out_free;
		}
	}
	kv_err_clear(&err);
	rc = kv_config_check(cfg, tables, &err);
	if (rc == KV_OK)
		rc = kv_options_load(gen_options, cfg, &o, &err);
	if (rc != KV_OK) {
		fprintf(errout, "lsmlab: gen: %s\n", kv_err_msg(&err));
		goto out_free;
	}
	p = (struct kv_cs265_gen_params){
		.puts = (uint64_t)o.puts, .gets = (uint64_t)o.gets, .ranges = (uint64_t)o.ranges,
		.deletes = (uint64_t)o.deletes, .load = (uint64_t)o.load,
		.load_path = o.load_file[0] ? o.load_file : NULL,
		.gets_miss_ratio = o.gets_miss_ratio, .skew = o.skew,
		.key_range = (uint64_t)o.key_range, .seed = (uint64_t)o.seed,
	};
	if (o.out[0]) {
		f = fopen(o.out, "w");
		if (!f) {
			fprintf(errout, "lsmlab: gen: --out=%s: %s\n", o.out, strerror(errno));
			code = KV_EXIT_RUNTIME;
			goto out_free;
		}
	}
	rc = kv_cs265_generate(&p, f, &err);
	if (f != out && fclose(f) != 0 && rc == KV_OK)
		rc = kv_err_set(&err, KV_EIO, "--out=%s: write failed", o.out);
	if (rc != KV_OK) {
		fprintf(errout, "lsmlab: gen: %s\n", kv_err_msg(&err));
		code = rc == KV_EINVAL ? KV_EXIT_USAGE : KV_EXIT_RUNTIME;
		goto out_free;
	}
	code = KV_EXIT_OK;
out_free:
	kv_config_free(cfg);
	return code;
}
