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

#include "core/alloc.h"
#include "core/device.h"
#include "core/engine.h"
#include "lua/cli_args.h"
#include "lua/cli_list.h"
#include "lua/compaction_log.h"
#include "lua/report.h"
#include "workloads/dbbench.h"
#include "workloads/runner.h"

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
	if (strcmp(name, "BTREE-PAGES") == 0 || strcmp(name, "BTREE-META") == 0 ||
	    strcmp(name, "BTREE-WAL") == 0)
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
		fprintf(out, " (memtable %s, strategy %s)",
			a->setup.memtable ? a->setup.memtable->name : "-",
			a->setup.strategy ? a->setup.strategy->name : "-");
	fprintf(out, ", device %s", a->setup.device->name);
	if (strcmp(a->setup.device->name, "file") == 0)
		fprintf(out, " (--db=%s)", o->db);
	fprintf(out, ", seed %lld\n", (long long)o->seed);
	if (!o->workload[0] && !kv_config_get(a->workload_cfg, "trace")) {
		fprintf(out, "Keys:       %llu bytes each\n", (unsigned long long)o->key_size);
		fprintf(out, "Values:     %llu bytes each (incompressible)\n",
			(unsigned long long)o->value_size);
		fprintf(out, "Entries:    %lld\n", (long long)o->num);
		fprintf(out, "RawSize:    %.1f MiB (estimated)\n",
			(double)o->num * (double)(o->key_size + o->value_size) / MIB);
	}
	for (size_t i = 0; i < kv_config_count(a->workload_cfg); i++) {
		const char *name, *value;

		kv_config_entry(a->workload_cfg, i, &name, &value);
		fprintf(out, "%s --%s=%s", i ? "" : "Workload options:", name, value);
		if (i + 1 == kv_config_count(a->workload_cfg))
			fprintf(out, "\n");
	}
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
		snprintf(label, sizeof(label), "%s/%s/%s@%s", a->setup.engine->name,
			 a->setup.memtable->name, a->setup.strategy ? a->setup.strategy->name : "-",
			 a->setup.device->name);
	else
		snprintf(label, sizeof(label), "%s@%s", a->setup.engine->name,
			 a->setup.device->name);
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
	c[0] = (struct kv_report_config){ "bench", NULL, kv_cli_bench_options, a->cli_cfg };
	return 1 + kv_setup_report_configs(&a->setup, c + 1);
}

/* ------------------------------------------------------ --workload runs */

/* The runner's config: its own options, plus the bench's seed and verify,
   and key_size/value_size/num when given on the command line. */
static int workload_config(const struct kv_cli_bench_args *a, struct kv_config **out,
			   struct kv_err *err)
{
	struct kv_config *c = kv_config_dup(a->workload_cfg);
	char buf[64];
	int rc = KV_OK;

	*out = NULL;
	if (!c)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	if (a->opts.workload[0])
		rc |= kv_config_set(c, "workload", a->opts.workload);
	snprintf(buf, sizeof(buf), "%lld", (long long)a->opts.seed);
	rc |= kv_config_set(c, "seed", buf);
	rc |= kv_config_set(c, "verify", a->opts.verify ? "true" : "false");
	/* Parsed values (the bench accepts size suffixes; the runner's ints do not). */
	if (kv_config_get(a->cli_cfg, "value_size")) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)a->opts.value_size);
		rc |= kv_config_set(c, "value_size", buf);
	}
	if (kv_config_get(a->cli_cfg, "key_size")) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)a->opts.key_size);
		rc |= kv_config_set(c, "key_size", buf);
	}
	if (kv_config_get(a->cli_cfg, "num") && !kv_config_get(c, "recordcount")) {
		snprintf(buf, sizeof(buf), "%lld", (long long)a->opts.num);
		rc |= kv_config_set(c, "recordcount", buf);
	}
	if (rc != KV_OK) {
		kv_config_free(c);
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	}
	*out = c;
	return KV_OK;
}

static enum kv_op dominant_op(const struct kv_runner_result *r)
{
	static const enum kv_op map[KV_WL__COUNT] = {
		[KV_WL_READ] = KV_OP_GET, [KV_WL_UPDATE] = KV_OP_PUT,
		[KV_WL_INSERT] = KV_OP_PUT, [KV_WL_DELETE] = KV_OP_DELETE,
		[KV_WL_SCAN] = KV_OP_SCAN, [KV_WL_RMW] = KV_OP_PUT,
		[KV_WL_RANGE_DELETE] = KV_OP_DELETE, [KV_WL_STATS] = KV_OP_GET,
	};
	int best = KV_WL_INSERT;

	for (int k = 0; k < KV_WL__COUNT; k++)
		if (r->count[k] > r->count[best])
			best = k;
	return map[best];
}

/* A phase as a report row (all operation types' latencies merged). */
static void phase_row(const struct kv_runner_result *r, const char *name,
		      struct kv_bench_result *b)
{
	struct kv_hist *all = kv_calloc(KV_MEM_OTHER, sizeof(*all));

	memset(b, 0, sizeof(*b));
	b->kind = KV_BENCH__COUNT;
	b->name = name;
	b->ops = r->ops;
	b->wall_ns = r->wall_ns;
	b->device_ns = r->device_ns;
	b->bytes = r->user_bytes + r->read_bytes;
	b->found = r->reads_found;
	b->not_found = r->reads_not_found;
	b->entries_read = r->scan_entries;
	b->device_bytes_written = r->device_bytes_written;
	b->device_bytes_read = r->device_bytes_read;
	b->live_keys = r->live_keys;
	b->live_bytes = r->live_bytes;
	b->lat.op = dominant_op(r);
	if (all) {
		struct kv_runner_lat l;

		kv_hist_init(all);
		for (int k = 0; k < KV_WL__COUNT; k++)
			kv_hist_merge(all, &r->lat_ns[k]);
		kv_runner_lat_summary(all, &l);
		b->lat = (struct kv_bench_latency){ b->lat.op, l.count, l.mean, l.p50, l.p90,
						    l.p99, l.p999, l.max };
		kv_free(KV_MEM_OTHER, all, sizeof(*all));
	}
}

static void print_phase(FILE *out, const struct kv_runner_result *r,
			const struct kv_bench_result *b)
{
	kv_report_bench_line(out, b, false);
	fprintf(out, "%-12s   ops:", "");
	for (int k = 0; k < KV_WL__COUNT; k++)
		if (r->count[k])
			fprintf(out, " %s %llu", kv_wl_kind_name((enum kv_wl_kind)k),
				(unsigned long long)r->count[k]);
	if (r->count[KV_WL_READ] || r->count[KV_WL_RMW])
		fprintf(out, "; gets found %llu of %llu",
			(unsigned long long)r->reads_found,
			(unsigned long long)(r->reads_found + r->reads_not_found));
	if (r->count[KV_WL_SCAN])
		fprintf(out, "; %llu entries scanned", (unsigned long long)r->scan_entries);
	if (r->verified)
		fprintf(out, "; %llu results verified", (unsigned long long)r->verified);
	fprintf(out, "\n");
	for (int k = 0; k < KV_WL__COUNT; k++) {
		struct kv_runner_lat l;

		if (!r->lat_ns[k].count)
			continue;
		kv_runner_lat_summary(&r->lat_ns[k], &l);
		fprintf(out,
			"%-12s   %-6s latency (device ns): mean %.1f p50 %llu p90 %llu p99 %llu "
			"p99.9 %llu max %llu\n",
			"", kv_wl_kind_name((enum kv_wl_kind)k), l.mean, (unsigned long long)l.p50,
			(unsigned long long)l.p90, (unsigned long long)l.p99,
			(unsigned long long)l.p999, (unsigned long long)l.max);
	}
}

/*
 * Run the --workload (or --trace) on @eng: the load phase, then the run
 * phase, a result line each, into @results[0..1]; *n set to the rows made.
 */
static int run_workload(const struct kv_cli_bench_args *a, struct kv_runner *rn,
			struct kv_engine *eng, struct kv_bench_result *results, size_t *n,
			char names[2][KV_OPT_STRING_BYTES + 32], FILE *out, struct kv_err *err)
{
	struct kv_runner_result *res = kv_calloc(KV_MEM_OTHER, sizeof(*res));
	int rc;

	(void)a;
	*n = 0;
	if (!res)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	fprintf(out, "Workload:   %s\n", kv_runner_describe(rn));
	fprintf(out, "------------------------------------------------\n");
	rc = kv_runner_load(rn, eng, res, err);
	if (rc != KV_OK)
		goto out_free;
	if (res->ops) {
		snprintf(names[*n], sizeof(names[0]), "%s/load", kv_runner_workload(rn));
		phase_row(res, names[*n], &results[*n]);
		print_phase(out, res, &results[*n]);
		(*n)++;
	}
	rc = kv_runner_run(rn, eng, res, err);
	if (rc != KV_OK)
		goto out_free;
	snprintf(names[*n], sizeof(names[0]), "%s/%s", kv_runner_workload(rn), res->phase);
	phase_row(res, names[*n], &results[*n]);
	print_phase(out, res, &results[*n]);
	(*n)++;
out_free:
	kv_free(KV_MEM_OTHER, res, sizeof(*res));
	return rc;
}

int kv_cli_replay(int argc, char **argv, int full_argc, char **full_argv, const char *version,
		  FILE *out, FILE *errout)
{
	size_t bytes = ((size_t)argc + 1) * sizeof(char *);
	char **args, *trace = NULL, *fmt = NULL;
	size_t fmt_bytes = 0;
	int n = 0, code = KV_EXIT_USAGE;

	if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		fprintf(out,
			"usage: lsmlab replay FILE [--format=auto|csv|cs265|bu] [bench options]\n"
			"\n"
			"Replays a trace on one engine and device, with the reports of `lsmlab\n"
			"bench` (every bench, engine and device option is accepted). Formats\n"
			"(docs/workloads.md): the lsmlab CSV trace (op,key,value_size; written by\n"
			"--record=FILE on any run), the Harvard CS265 DSL and the BU format;\n"
			"auto detects them from the first line.\n");
		return KV_EXIT_OK;
	}
	if (argc < 1 || strncmp(argv[0], "--", 2) == 0) {
		fprintf(errout, "lsmlab: replay needs a trace FILE: lsmlab replay FILE "
			"[--format=auto|csv|cs265|bu] [options]\n");
		return KV_EXIT_USAGE;
	}
	args = kv_calloc(KV_MEM_OTHER, bytes);
	trace = kv_malloc(KV_MEM_OTHER, strlen(argv[0]) + 9);
	if (!args || !trace) {
		fprintf(errout, "lsmlab: out of memory\n");
		code = KV_EXIT_RUNTIME;
		goto out_free;
	}
	snprintf(trace, strlen(argv[0]) + 9, "--trace=%s", argv[0]);
	args[n++] = trace;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--format=", 9) == 0) {
			if (fmt) {
				fprintf(errout, "lsmlab: --format given twice\n");
				goto out_free;
			}
			fmt_bytes = strlen(argv[i]) + 7;
			fmt = kv_malloc(KV_MEM_OTHER, fmt_bytes);
			if (!fmt) {
				code = KV_EXIT_RUNTIME;
				goto out_free;
			}
			snprintf(fmt, fmt_bytes, "--trace_format=%s", argv[i] + 9);
			args[n++] = fmt;
		} else {
			args[n++] = argv[i];
		}
	}
	code = kv_cli_bench(n, args, full_argc, full_argv, version, out, errout);
out_free:
	kv_free(KV_MEM_OTHER, fmt, fmt_bytes);
	kv_free(KV_MEM_OTHER, trace, trace ? strlen(argv[0]) + 9 : 0);
	kv_free(KV_MEM_OTHER, args, bytes);
	return code;
}

int kv_cli_bench(int argc, char **argv, int full_argc, char **full_argv, const char *version,
		 FILE *out, FILE *errout)
{
	struct kv_cli_bench_args a;
	struct kv_bench_result results[KV_CLI_MAX_BENCHMARKS];
	struct kv_report_config configs[5];
	struct kv_bench_params p;
	struct kv_report rep;
	struct kv_device *dev = NULL;
	struct kv_engine *eng = NULL;
	struct kv_compaction_log *clog = NULL;
	struct kv_bench *bench = NULL;
	struct kv_runner *runner = NULL;
	struct kv_config *wcfg = NULL;
	char phase_names[2][KV_OPT_STRING_BYTES + 32];
	size_t nresults = 0;
	bool workload;
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
	workload = a.opts.workload[0] || kv_config_get(a.workload_cfg, "trace");
	if (workload) {
		struct kv_runner_params rp = { 0 };

		rc = workload_config(&a, &wcfg, &err);
		if (rc == KV_OK) {
			rp.cfg = wcfg;
			rc = kv_runner_new(&rp, &runner, &err);
		}
		if (rc != KV_OK) {
			fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
			code = rc == KV_EINVAL ? KV_EXIT_USAGE : KV_EXIT_RUNTIME;
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
	rc = kv_setup_open(&a.setup, path, &dev, &eng, &err);
	if (rc != KV_OK) {
		fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
		goto out_free_bench;
	}
	if (a.opts.compaction_log[0]) {
		rc = kv_compaction_log_open(a.opts.compaction_log, eng, &clog, &err);
		if (rc != KV_OK) {
			fprintf(errout, "lsmlab: --%s\n", kv_err_msg(&err));
			code = rc == KV_EINVAL ? KV_EXIT_USAGE : KV_EXIT_RUNTIME;
			goto out_close_engine;
		}
	}

	print_header(out, &a, version);
	if (workload) {
		rc = run_workload(&a, runner, eng, results, &nresults, phase_names, out, &err);
		if (rc != KV_OK) {
			fflush(out);
			fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
			goto out_close_engine;
		}
	}
	for (size_t i = 0; !workload && i < a.nbenchmarks; i++) {
		rc = kv_bench_run(bench, eng, a.benchmarks[i], &results[i], &err);
		if (rc != KV_OK) {
			fflush(out);
			fprintf(errout, "lsmlab: %s\n", kv_err_msg(&err));
			goto out_close_engine;
		}
		kv_report_bench_line(out, &results[i], a.opts.histogram);
		fflush(out);
		nresults = i + 1;
	}

	rep = (struct kv_report){
		.version = version,
		.seed = (uint64_t)a.opts.seed,
		.argc = full_argc,
		.argv = full_argv,
		.configs = configs,
		.nconfigs = report_configs(&a, configs),
		.results = results,
		.nresults = nresults,
		.engine = eng,
		.device = dev,
		.logical_live_keys = workload ? kv_runner_live_keys(runner) :
						kv_bench_live_keys(bench),
		.logical_live_bytes = workload ? kv_runner_live_bytes(runner) :
						 kv_bench_live_bytes(bench),
		.logical_peak_live_bytes = workload ? kv_runner_peak_live_bytes(runner) :
						      kv_bench_peak_live_bytes(bench),
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
	kv_dev_close(dev);
	if (kv_compaction_log_close(clog, &err) != KV_OK) {
		fprintf(errout, "lsmlab: --%s\n", kv_err_msg(&err));
		code = KV_EXIT_RUNTIME;
	} else if (clog && code == KV_EXIT_OK) {
		fprintf(out, "Compaction log written to %s\n", a.opts.compaction_log);
	}
out_free_bench:
	kv_bench_free(bench);
out_free_args:
	kv_runner_free(runner);
	kv_config_free(wcfg);
	kv_cli_bench_args_free(&a);
	return code;
}
