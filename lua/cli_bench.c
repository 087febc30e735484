/*
 * lua/cli_bench.c - `lsmlab bench` (lua/cli_bench.h).
 */
#include "lua/cli_bench.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/device.h"
#include "core/engine.h"
#include "lua/cli_args.h"
#include "lua/cli_list.h"
#include "lua/report.h"
#include "workloads/dbbench.h"

#define MIB (1024.0 * 1024.0)

void kv_cli_bench_help(FILE *out)
{
	fprintf(out,
		"usage: lsmlab bench [--name=value ...]\n"
		"\n"
		"Runs db_bench-style benchmarks in order on one engine over one device (a\n"
		"later benchmark sees the store the earlier ones left), prints one line per\n"
		"benchmark (wall-clock micros/op, ops/sec, MB/s), then the amplification\n"
		"summary with its definitions and, for the LSM engine, the per-level\n"
		"compaction table with trigger counts.\n"
		"\n"
		"With no options: a quick run of a few seconds,\n"
		"--benchmarks=fillrandom,readrandom --num=100000 --key_size=16 --value_size=100\n"
		"--device=mem --engine=lsm --memtable=skiplist --strategy=leveled --seed=301.\n"
		"That store fits in the default 64 MiB write buffer; add e.g.\n"
		"--write_buffer_size=1MiB to see flushes and compactions.\n"
		"\n"
		"Benchmarks (N = --num, R = --reads, S = --seek_nexts):\n"
		"  fillseq       N puts of keys 0..N-1 in order\n"
		"  fillrandom    N puts of uniform random keys in [0, N) (some overwrite)\n"
		"  overwrite     the same as fillrandom, meant to follow a fill\n"
		"  readrandom    R gets of uniform random keys in [0, N)\n"
		"  readseq       one full scan of the store\n"
		"  seekrandom    R/S seeks to uniform random keys, each reading S entries\n"
		"  deleterandom  N deletes of uniform random keys in [0, N)\n"
		"  compact       compact the whole store once\n"
		"Keys are the key number in decimal, zero-padded to --key_size bytes; values\n"
		"are incompressible random bytes.\n"
		"\n"
		"Bench options:\n");
	kv_cli_print_options(out, kv_cli_bench_options, "  ");
	fprintf(out,
		"\n"
		"Every option of the chosen engine, memtable, strategy and device is also\n"
		"accepted as --name=value (`lsmlab list` shows them with their types, defaults\n"
		"and ranges); a bare --name means --name=true for booleans. Unknown names and\n"
		"out-of-range values are errors.\n"
		"\n"
		"--device=file stores the files under --db (default ./lsmlab-db); lsmlab files\n"
		"already there (CURRENT, MANIFEST-*, *.sst, *.log) are deleted first, and a\n"
		"directory holding anything else is refused.\n"
		"\n"
		"Exit status: 0 success, 1 runtime error, 2 usage error.\n");
}

/* ---------------------------------------------------------- --db directory */

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool kv_cli_is_lsmlab_file(const char *name)
{
	size_t n = strlen(name);

	if (strcmp(name, "CURRENT") == 0 || strcmp(name, "CURRENT.tmp") == 0)
		return true;
	if (strncmp(name, "MANIFEST-", 9) == 0)
		return all_digits(name + 9, n - 9);
	if (n > 4 && (strcmp(name + n - 4, ".sst") == 0 || strcmp(name + n - 4, ".log") == 0))
		return all_digits(name, n - 4);
	return false;
}

/*
 * Make @dir ready for a fresh store: absent (the file device creates it) or
 * holding only lsmlab files, which are deleted. KV_EINVAL (refused) when it
 * holds anything else, KV_EIO on a system error.
 */
static int prepare_db_dir(const char *dir, struct kv_err *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = KV_OK;

	if (stat(dir, &st) != 0) {
		if (errno == ENOENT)
			return KV_OK;
		return kv_err_set(err, KV_EIO, "--db=%s: %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return kv_err_set(err, KV_EINVAL, "--db=%s is not a directory", dir);
	d = opendir(dir);
	if (!d)
		return kv_err_set(err, KV_EIO, "--db=%s: opendir: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = kv_err_set(err, KV_EIO, "--db=%s: stat '%s': %s", dir, de->d_name,
					strerror(errno));
			goto out_closedir;
		}
		if (!S_ISREG(st.st_mode) || !kv_cli_is_lsmlab_file(de->d_name)) {
			rc = kv_err_set(err, KV_EINVAL,
					"refusing to use --db=%s: it holds '%s', which is not an "
					"lsmlab file; the bench first deletes the lsmlab "
					"files (CURRENT, MANIFEST-*, *.sst, *.log) there, so "
					"use an empty or lsmlab-only directory",
					dir, de->d_name);
			goto out_closedir;
		}
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!kv_cli_is_lsmlab_file(de->d_name))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) != 0 && errno != ENOENT) {
			rc = kv_err_set(err, KV_EIO, "--db=%s: unlink '%s': %s", dir, de->d_name,
					strerror(errno));
			goto out_closedir;
		}
	}
out_closedir:
	closedir(d);
	return rc;
}

/* ------------------------------------------------------------------ run */

static void print_header(FILE *out, const struct kv_cli_bench_args *a, const char *version)
{
	const struct kv_cli_opts *o = &a->opts;
	size_t n = kv_config_count(a->setup.engine_cfg) + kv_config_count(a->setup.device_cfg);

	n -= (a->setup.memtable != NULL) + (a->setup.strategy != NULL); /* set by the CLI itself */

	fprintf(out, "lsmlab %s bench: engine %s", version, a->setup.engine->name);
	if (a->setup.memtable || a->setup.strategy)
		fprintf(out, " (memtable %s, strategy %s)", a->setup.memtable ? a->setup.memtable->name : "-",
			a->setup.strategy ? a->setup.strategy->name : "-");
	fprintf(out, ", device %s", a->setup.device->name);
	if (strcmp(a->setup.device->name, "file") == 0)
		fprintf(out, " (--db=%s)", o->db);
	fprintf(out, ", seed %lld\n", (long long)o->seed);
	fprintf(out, "Keys:       %llu bytes each\n", (unsigned long long)o->key_size);
	fprintf(out, "Values:     %llu bytes each (incompressible)\n",
		(unsigned long long)o->value_size);
	fprintf(out, "Entries:    %lld\n", (long long)o->num);
	fprintf(out, "RawSize:    %.1f MiB (estimated)\n",
		(double)o->num * (double)(o->key_size + o->value_size) / MIB);
	if (n) {
		fprintf(out, "Options:   ");
		for (size_t i = 0; i < kv_config_count(a->setup.engine_cfg); i++) {
			const char *name, *value;
			kv_config_entry(a->setup.engine_cfg, i, &name, &value);
			if (strcmp(name, "memtable") != 0 && strcmp(name, "strategy") != 0)
				fprintf(out, " --%s=%s", name, value);
		}
		for (size_t i = 0; i < kv_config_count(a->setup.device_cfg); i++) {
			const char *name, *value;
			kv_config_entry(a->setup.device_cfg, i, &name, &value);
			fprintf(out, " --%s=%s", name, value);
		}
		fprintf(out, "\n");
	}
	fprintf(out, "------------------------------------------------\n");
	fflush(out);
}

/* Append the CSV rows of @r to @path (with a header row if it is new or empty). */
static int write_csv(const char *path, const struct kv_report *r, const struct kv_cli_bench_args *a,
		     struct kv_err *err)
{
	char label[KV_OPT_STRING_BYTES + 64];
	FILE *f = fopen(path, "a");
	int rc;

	if (!f)
		return kv_err_set(err, KV_EIO, "--csv=%s: %s", path, strerror(errno));
	if (a->opts.label[0])
		snprintf(label, sizeof(label), "%s", a->opts.label);
	else if (a->setup.memtable)
		snprintf(label, sizeof(label), "%s/%s/%s@%s", a->setup.engine->name, a->setup.memtable->name,
			 a->setup.strategy ? a->setup.strategy->name : "-", a->setup.device->name);
	else
		snprintf(label, sizeof(label), "%s@%s", a->setup.engine->name, a->setup.device->name);
	rc = kv_report_csv(f, r, label, ftell(f) == 0);
	if (fclose(f) != 0 || rc != 0)
		return kv_err_set(err, KV_EIO, "--csv=%s: write failed: %s", path, strerror(errno));
	return KV_OK;
}

static int write_json(const char *path, const struct kv_report *r, struct kv_err *err)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (!f)
		return kv_err_set(err, KV_EIO, "--json=%s: %s", path, strerror(errno));
	rc = kv_report_json(f, r);
	if (fclose(f) != 0 || rc != KV_OK)
		return kv_err_set(err, KV_EIO, "--json=%s: write failed: %s", path,
				  strerror(errno));
	return KV_OK;
}

static size_t report_configs(const struct kv_cli_bench_args *a, struct kv_report_config *c)
{
	size_t n = 0;

	c[n++] = (struct kv_report_config){ "bench", NULL, kv_cli_bench_options, a->cli_cfg };
	c[n++] = (struct kv_report_config){ "engine", a->setup.engine->name, a->setup.engine->options,
					    a->setup.engine_cfg };
	if (a->setup.memtable)
		c[n++] = (struct kv_report_config){ "memtable", a->setup.memtable->name,
						    a->setup.memtable->options, a->setup.engine_cfg };
	if (a->setup.strategy)
		c[n++] = (struct kv_report_config){ "strategy", a->setup.strategy->name,
						    a->setup.strategy->options, a->setup.engine_cfg };
	c[n++] = (struct kv_report_config){ "device", a->setup.device->name, a->setup.device->options,
					    a->setup.device_cfg };
	return n;
}

int kv_cli_bench(int argc, char **argv, int full_argc, char **full_argv, const char *version,
		 FILE *out, FILE *errout)
{
	struct kv_cli_bench_args a;
	struct kv_bench_result results[KV_CLI_MAX_BENCHMARKS];
	struct kv_report_config configs[5];
	struct kv_bench_params p;
	struct kv_engine_args ea;
	struct kv_report rep;
	struct kv_device *dev = NULL;
	struct kv_engine *eng = NULL;
	struct kv_bench *bench = NULL;
	struct kv_err err;
	const char *path = NULL;
	int code = KV_EXIT_RUNTIME, rc;

	kv_err_clear(&err);
	rc = kv_cli_parse_bench(argc, argv, &a, &err);
	if (rc != KV_OK) {
		fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
		code = rc == KV_EINVAL ? KV_EXIT_USAGE : KV_EXIT_RUNTIME;
		goto out_free_args;
	}
	if (a.help) {
		kv_cli_bench_help(out);
		code = KV_EXIT_OK;
		goto out_free_args;
	}
	if (strcmp(a.setup.device->name, "file") == 0) {
		path = a.opts.db;
		rc = prepare_db_dir(path, &err);
		if (rc != KV_OK) {
			fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
			goto out_free_args;
		}
	}
	p = (struct kv_bench_params){
		.num = (uint64_t)a.opts.num,
		.reads = kv_cli_reads(&a.opts),
		.seek_nexts = (uint64_t)a.opts.seek_nexts,
		.key_size = (size_t)a.opts.key_size,
		.value_size = (size_t)a.opts.value_size,
		.seed = (uint64_t)a.opts.seed,
		.verify = a.opts.verify,
	};
	rc = kv_bench_new(&p, &bench, &err);
	if (rc != KV_OK) {
		fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
		code = rc == KV_EINVAL ? KV_EXIT_USAGE : KV_EXIT_RUNTIME;
		goto out_free_args;
	}
	rc = kv_dev_open(a.setup.device, a.setup.device_cfg, path, &dev, &err);
	if (rc != KV_OK) {
		fprintf(errout, "lsmlab: device %s: %s\n", a.setup.device->name, kv_err_msg(&err));
		goto out_free_bench;
	}
	ea = (struct kv_engine_args){ .cfg = a.setup.engine_cfg, .dev = dev, .memtable = a.setup.memtable,
				      .strategy = a.setup.strategy };
	rc = kv_engine_open(a.setup.engine, &ea, &eng, &err);
	if (rc != KV_OK) {
		fprintf(errout, "lsmlab: engine %s: %s\n", a.setup.engine->name, kv_err_msg(&err));
		goto out_close_dev;
	}

	print_header(out, &a, version);
	for (size_t i = 0; i < a.nbenchmarks; i++) {
		rc = kv_bench_run(bench, eng, a.benchmarks[i], &results[i], &err);
		if (rc != KV_OK) {
			fflush(out);
			fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
			goto out_close_engine;
		}
		kv_report_bench_line(out, &results[i], a.opts.histogram);
		fflush(out);
	}

	rep = (struct kv_report){
		.version = version,
		.seed = (uint64_t)a.opts.seed,
		.argc = full_argc,
		.argv = full_argv,
		.configs = configs,
		.nconfigs = report_configs(&a, configs),
		.results = results,
		.nresults = a.nbenchmarks,
		.engine = eng,
		.device = dev,
		.logical_live_keys = kv_bench_live_keys(bench),
		.logical_live_bytes = kv_bench_live_bytes(bench),
		.logical_peak_live_bytes = kv_bench_peak_live_bytes(bench),
	};
	kv_report_text(out, &rep);
	if (a.opts.json[0]) {
		rc = write_json(a.opts.json, &rep, &err);
		if (rc != KV_OK) {
			fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
			goto out_close_engine;
		}
		fprintf(out, "\nStatistics written to %s\n", a.opts.json);
	}
	if (a.opts.csv[0]) {
		rc = write_csv(a.opts.csv, &rep, &a, &err);
		if (rc != KV_OK) {
			fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
			goto out_close_engine;
		}
		fprintf(out, "Rows appended to %s\n", a.opts.csv);
	}
	if (fflush(out) != 0) {
		fprintf(errout, "lsmlab: writing the results failed: %s\n", strerror(errno));
		goto out_close_engine;
	}
	code = KV_EXIT_OK;

out_close_engine:
	kv_engine_close(eng);
out_close_dev:
	kv_dev_close(dev);
out_free_bench:
	kv_bench_free(bench);
out_free_args:
	kv_cli_bench_args_free(&a);
	return code;
}
