/*
 * tests/unit/test_cli.c - the real lsmlab binary (path in LSMLAB_BIN), run
 * with fork + exec and its stdout/stderr captured: usage errors (exit 2)
 * with helpful messages, `list`, `bench` output, the --json file (checked
 * to be valid JSON with the expected keys), the --db safety check, and
 * bit-identical reports for the same seed on the mem device.
 */
#include "tests/testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/engine.h"
#include "core/lsm/strategy.h"
#include "core/memtable/memtable.h"
#include "devices/registry.h"
#include "strategies/registry.h"
#include "workloads/metrics.h"

#define MAX_ARGS 32

static const char *g_bin;
static char g_tmp[256];

struct run {
	int code;   /* exit status, or -1 if killed */
	char *out;  /* NUL-terminated, KV_MEM_OTHER */
	size_t out_bytes;
	char *err;
	size_t err_bytes;
};

/* Read all of @fd (rewound) into a NUL-terminated buffer. */
static char *slurp_fd(int fd, size_t *bytes)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *buf;
	size_t got = 0;

	assert_true(size >= 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	*bytes = (size_t)size + 1;
	buf = kv_malloc(KV_MEM_OTHER, *bytes);
	assert_non_null(buf);
	while (got < (size_t)size) {
		ssize_t n = read(fd, buf + got, (size_t)size - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	buf[got] = '\0';
	return buf;
}

static int temp_fd(const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", g_tmp, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/* Run the binary with the NULL-terminated arguments after argv[0]. */
static void run_lsmlab(struct run *r, const char *const *args)
{
	char *argv[MAX_ARGS + 2];
	int out_fd = temp_fd("stdout"), err_fd = temp_fd("stderr"), status;
	size_t n = 0;
	pid_t pid;

	argv[n++] = (char *)g_bin;
	for (size_t i = 0; args[i]; i++) {
		assert_true(n < MAX_ARGS);
		argv[n++] = (char *)args[i];
	}
	argv[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0 || chdir(g_tmp) != 0)
			_exit(127);
		execv(g_bin, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->out = slurp_fd(out_fd, &r->out_bytes);
	r->err = slurp_fd(err_fd, &r->err_bytes);
	close(out_fd);
	close(err_fd);
}

static void run_free(struct run *r)
{
	kv_free(KV_MEM_OTHER, r->out, r->out_bytes);
	kv_free(KV_MEM_OTHER, r->err, r->err_bytes);
}

static void expect_has(const char *text, const char *needle, const char *what)
{
	if (!strstr(text, needle))
		fail_msg("%s lacks \"%s\"; it is:\n%s", what, needle, text);
}

/* Run, expect exit @code and (if non-NULL) each needle in stderr. */
static void expect_usage(const char *const *args, int code, const char *n1, const char *n2,
			 const char *n3)
{
	struct run r;

	run_lsmlab(&r, args);
	if (r.code != code)
		fail_msg("%s %s: exit %d, expected %d; stderr:\n%s", args[0],
			 args[1] ? args[1] : "", r.code, code, r.err);
	if (n1)
		expect_has(r.err, n1, "stderr");
	if (n2)
		expect_has(r.err, n2, "stderr");
	if (n3)
		expect_has(r.err, n3, "stderr");
	if (code == 2)
		assert_int_equal(strncmp(r.err, "lsmlab", 6), 0);
	run_free(&r);
}

/* -------------------------------------------------------- usage errors */

static void test_bad_option_name(void **state)
{
	(void)state;
	expect_usage((const char *const[]){ "bench", "--blok_size=4096", NULL }, 2,
		     "lsmlab: unknown option '--blok_size' (did you mean '--block_size'?)", NULL,
		     NULL);
	expect_usage((const char *const[]){ "bench", "--key-size=8", NULL }, 2,
		     "did you mean '--key_size'?", NULL, NULL);
	expect_usage((const char *const[]){ "bench", "--zzzzzzzzzzzz=1", NULL }, 2,
		     "unknown option '--zzzzzzzzzzzz'", NULL, NULL);
	/* An option of a device this run does not use. */
	expect_usage((const char *const[]){ "bench", "--device=mem", "--fsync=false", NULL }, 2,
		     "unknown option '--fsync'", "device 'file'", NULL);
	expect_usage((const char *const[]){ "bench", "stray", NULL }, 2,
		     "unexpected argument 'stray'", NULL, NULL);
	expect_usage((const char *const[]){ "bench", "--=1", NULL }, 2, "malformed", NULL, NULL);
}

static void test_bad_values(void **state)
{
	const struct kv_engine_ops *lsm = kv_engine_find("lsm");
	char arg[256];
	bool tried = false;

	(void)state;
	expect_usage((const char *const[]){ "bench", "--key_size=0", NULL }, 2,
		     "option 'key_size'", "1..65535", NULL);
	expect_usage((const char *const[]){ "bench", "--num=abc", NULL }, 2, "'num'", "'abc'",
		     NULL);
	expect_usage((const char *const[]){ "bench", "--num", NULL }, 2,
		     "option '--num' needs a value", NULL, NULL);
	expect_usage((const char *const[]){ "bench", "--histogram=maybe", NULL }, 2,
		     "'histogram'", "'maybe'", NULL);
	expect_usage((const char *const[]){ "bench", "--num=100000", "--key_size=4", NULL }, 2,
		     "key_size", "5 decimal digits", NULL);
	/* A bounded numeric engine option below its minimum names the range. */
	assert_non_null(lsm);
	for (const struct kv_option *o = lsm->options; o && o->name && !tried; o++) {
		if ((o->type != KV_OPT_INT && o->type != KV_OPT_BYTES) || o->min < 1)
			continue;
		snprintf(arg, sizeof(arg), "--%s=0", o->name);
		expect_usage((const char *const[]){ "bench", arg, NULL }, 2, o->name, "..",
			     "out of range");
		tried = true;
	}
	assert_true(tried);
}

/* Every enum option of the default plug-ins rejects a bad choice, listing all. */
static void test_bad_enum(void **state)
{
	const struct kv_option *tables[] = {
		kv_engine_find("lsm")->options,
		kv_memtable_find("skiplist")->options,
		kv_strategy_find("leveled")->options,
		kv_device_find("mem")->options,
	};
	int tested = 0;

	(void)state;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (const struct kv_option *o = tables[t]; o && o->name; o++) {
			char arg[256], choices[512] = "";
			size_t used = 0;

			if (o->type != KV_OPT_ENUM || strcmp(o->name, "memtable") == 0)
				continue;
			for (size_t i = 0; o->choices[i]; i++)
				used += (size_t)snprintf(choices + used, sizeof(choices) - used,
							 "%s%s", i ? "|" : "", o->choices[i]);
			snprintf(arg, sizeof(arg), "--%s=no_such_choice", o->name);
			expect_usage((const char *const[]){ "bench", arg, NULL }, 2, o->name,
				     "no_such_choice", choices);
			tested++;
		}
	}
	print_message("enum options tested: %d\n", tested);
	assert_true(tested > 0);
}

static void test_unknown_names(void **state)
{
	(void)state;
	expect_usage((const char *const[]){ "bench", "--benchmarks=fillrandm", NULL }, 2,
		     "unknown benchmark 'fillrandm'", "did you mean 'fillrandom'",
		     "expected one of fillseq|fillrandom|overwrite|readrandom|readseq|seekrandom|"
		     "deleterandom");
	expect_usage((const char *const[]){ "bench", "--benchmarks=fillseq,,bogus", NULL }, 2,
		     "unknown benchmark 'bogus'", NULL, NULL);
	expect_usage((const char *const[]){ "bench", "--benchmarks=,", NULL }, 2,
		     "no benchmarks", NULL, NULL);
	expect_usage((const char *const[]){ "bench", "--device=nope", NULL }, 2,
		     "unknown device 'nope'", "mem", "file");
	expect_usage((const char *const[]){ "bench", "--engine=nope", NULL }, 2,
		     "unknown engine 'nope'", "lsm", NULL);
	expect_usage((const char *const[]){ "bench", "--memtable=nope", NULL }, 2,
		     "unknown memtable 'nope'", "skiplist", NULL);
	expect_usage((const char *const[]){ "bench", "--strategy=nope", NULL }, 2,
		     "unknown strategy 'nope'", "leveled", NULL);
	expect_usage((const char *const[]){ "frobnicate", NULL }, 2, "unknown command", NULL,
		     NULL);
	expect_usage((const char *const[]){ NULL }, 2, "usage", NULL, NULL);
}

static void test_help_version(void **state)
{
	static const char *const bench_flags[] = {
		"--benchmarks ", "--num ", "--reads ", "--key_size ", "--value_size ",
		"--seek_nexts ", "--seed ", "--engine ", "--memtable ", "--strategy ", "--device ",
		"--db ", "--json ", "--histogram ", "--verify ",
	};
	struct run r;

	(void)state;
	run_lsmlab(&r, (const char *const[]){ "--version", NULL });
	assert_int_equal(r.code, 0);
	expect_has(r.out, "lsmlab ", "stdout");
	run_free(&r);
	run_lsmlab(&r, (const char *const[]){ "--help", NULL });
	assert_int_equal(r.code, 0);
	expect_has(r.out, "bench", "stdout");
	expect_has(r.out, "list", "stdout");
	run_free(&r);
	run_lsmlab(&r, (const char *const[]){ "bench", "--help", NULL });
	assert_int_equal(r.code, 0);
	for (size_t i = 0; i < sizeof(bench_flags) / sizeof(bench_flags[0]); i++)
		expect_has(r.out, bench_flags[i], "bench --help");
	expect_has(r.out, "fillrandom,readrandom", "bench --help");
	expect_has(r.out, "Exit status", "bench --help");
	run_free(&r);
}

/* `list` shows every registered plug-in and every one of its options. */
static void test_list(void **state)
{
	struct run r;
	char flag[256];

	(void)state;
	run_lsmlab(&r, (const char *const[]){ "list", NULL });
	assert_int_equal(r.code, 0);
	expect_has(r.out, "skiplist", "list");
	expect_has(r.out, "leveled", "list");
	expect_has(r.out, "mem", "list");
	expect_has(r.out, "file", "list");
#define CHECK_REGISTRY(registry)                                                           \
	for (size_t i = 0; (registry)[i]; i++) {                                           \
		expect_has(r.out, (registry)[i]->name, "list");                            \
		for (const struct kv_option *o = (registry)[i]->options; o && o->name; o++) { \
			snprintf(flag, sizeof(flag), "--%s ", o->name);                    \
			expect_has(r.out, flag, "list");                                   \
			if (o->doc)                                                        \
				expect_has(r.out, o->doc, "list");                         \
		}                                                                          \
	}
	CHECK_REGISTRY(kv_engine_registry)
	CHECK_REGISTRY(kv_device_registry)
	CHECK_REGISTRY(kv_memtable_registry)
	CHECK_REGISTRY(kv_strategy_registry)
#undef CHECK_REGISTRY
	run_free(&r);
	expect_usage((const char *const[]){ "list", "extra", NULL }, 2, "no arguments", NULL,
		     NULL);
}

/* ------------------------------------------------------------ bench runs */

static void test_bench_mem(void **state)
{
	struct run r;

	(void)state;
	run_lsmlab(&r, (const char *const[]){ "bench", "--device=mem", "--num=2000", NULL });
	if (r.code != 0)
		fail_msg("exit %d; stderr:\n%s", r.code, r.err);
	expect_has(r.out, "fillrandom   :", "stdout");
	expect_has(r.out, "micros/op", "stdout");
	expect_has(r.out, "ops/sec;", "stdout");
	expect_has(r.out, "readrandom   :", "stdout");
	expect_has(r.out, "found)", "stdout");
	expect_has(r.out, "\nWA                 : ", "stdout");
	expect_has(r.out, "(without WAL ", "stdout");
	expect_has(r.out, "RA get found", "stdout");
	expect_has(r.out, "RA get not found", "stdout");
	expect_has(r.out, "\nSA ", "stdout");
	expect_has(r.out, "peak SA", "stdout");
	expect_has(r.out, "user bytes written = sum of (key + value) bytes of puts", "stdout");
	expect_has(r.out, "Level  Files  Runs  Size(MiB)  Read-n(MiB)  Read-n+1(MiB)  Write(MiB)  "
		   "Moved(MiB)  W-Amp  Comp(count)   Dropped", "stdout");
	expect_has(r.out, "\n  Sum ", "stdout");
	expect_has(r.out, "Triggers:", "stdout");
	expect_has(r.out, "seed 301", "stdout");
	if (r.err[0])
		fail_msg("stderr is not empty:\n%s", r.err);
	run_free(&r);
}

/* The report after the benchmark lines: identical for the same seed. */
static const char *report_part(const char *out)
{
	const char *p = strstr(out, "** Amplification");
	assert_non_null(p);
	return p;
}

static void test_bench_deterministic(void **state)
{
	const char *const args[] = { "bench", "--num=3000", "--write_buffer_size=64KiB",
				     "--benchmarks=fillrandom,deleterandom,overwrite,readrandom",
				     "--seed=7", NULL };
	struct run a, b;

	(void)state;
	run_lsmlab(&a, args);
	run_lsmlab(&b, args);
	if (a.code != 0)
		fail_msg("exit %d; stderr:\n%s", a.code, a.err);
	assert_int_equal(b.code, 0);
	assert_string_equal(report_part(a.out), report_part(b.out));
	expect_has(a.out, "seed 7", "stdout");
	run_free(&a);
	run_free(&b);
}

/* A minimal JSON validator (RFC 8259 grammar); returns the end or NULL. */
static const char *jv_value(const char *p, int depth);

static const char *jv_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *jv_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return p + 1;
}

static const char *jv_number(const char *p)
{
	const char *s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		s = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == s)
			return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		s = p;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == s)
			return NULL;
	}
	return p;
}

static const char *jv_value(const char *p, int depth)
{
	if (depth > 64)
		return NULL;
	p = jv_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		bool object = *p == '{';

		p = jv_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (object) {
				p = jv_string(jv_ws(p));
				if (!p)
					return NULL;
				p = jv_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = jv_value(p, depth + 1);
			if (!p)
				return NULL;
			p = jv_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return jv_string(p);
	if (strncmp(p, "true", 4) == 0)
		return p + 4;
	if (strncmp(p, "false", 5) == 0)
		return p + 5;
	if (strncmp(p, "null", 4) == 0)
		return p + 4;
	return jv_number(p);
}

static void test_bench_json(void **state)
{
	static const char *const keys[] = {
		"\"lsmlab_version\"", "\"seed\": 42", "\"argv\"", "\"config\"", "\"bench\"",
		"\"engine\"", "\"memtable\"", "\"strategy\"", "\"device\"", "\"options\"",
		"\"write_buffer_size\": 65536", "\"num\": 2000", "\"benchmarks\"",
		"\"name\": \"fillseq\"", "\"name\": \"readrandom\"", "\"name\": \"seekrandom\"",
		"\"name\": \"readseq\"", "\"name\": \"deleterandom\"", "\"micros_per_op\"",
		"\"ops_per_sec\"", "\"wall_ns\"", "\"device_ns\"", "\"found\"",
		"\"amplification\"", "\"user_bytes_written\"", "\"wa\"", "\"wa_no_wal\"",
		"\"wa_by_kind\"", "\"ra_found_bytes_per_get\"", "\"ra_notfound_ios_per_get\"",
		"\"sa\"", "\"sa_peak\"", "\"logical_live_bytes\"", "\"definitions\"",
		"\"latency_ns\"", "\"p50\"", "\"p90\"", "\"p99\"", "\"p99.9\"", "\"max\"",
		"\"put\"", "\"get\"", "\"delete\"", "\"scan\"", "\"kinds\"", "\"wal\"", "\"sst\"",
		"\"manifest\"", "\"bytes_written\"", "\"peak_live_bytes\"", "\"lsm\"",
		"\"levels\"", "\"sum\"", "\"w_amp\"", "\"triggers\"", "\"flush\"", "\"read\"",
		"\"bloom_checks\"", "\"memory\"",
	};
	char path[512], arg[600];
	struct run r;
	size_t bytes;
	char *text;
	const char *end;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.json", g_tmp);
	snprintf(arg, sizeof(arg), "--json=%s", path);
	run_lsmlab(&r, (const char *const[]){ "bench", "--num=2000", "--seed=42",
			"--benchmarks=fillseq,readrandom,seekrandom,readseq,deleterandom,"
			"readrandom",
			"--write_buffer_size=64KiB", arg, NULL });
	if (r.code != 0)
		fail_msg("exit %d; stderr:\n%s", r.code, r.err);
	expect_has(r.out, "Statistics written to", "stdout");
	run_free(&r);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	text = slurp_fd(fd, &bytes);
	close(fd);
	end = jv_value(text, 0);
	if (!end || *jv_ws(end) != '\0')
		fail_msg("not valid JSON near offset %ld", end ? (long)(end - text) : -1L);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect_has(text, keys[i], "the JSON file");
	kv_free(KV_MEM_OTHER, text, bytes);

	/* An unwritable path is a runtime error. */
	expect_usage((const char *const[]){ "bench", "--num=100",
			"--json=/nonexistent-dir/x.json", NULL }, 1, "--json=/nonexistent-dir",
		     NULL, NULL);
}

static void test_bench_file_device(void **state)
{
	char db[512], arg[600], foreign[600], current[600];
	struct stat st;
	struct run r;
	int fd;

	(void)state;
	snprintf(db, sizeof(db), "%s/db", g_tmp);
	snprintf(arg, sizeof(arg), "--db=%s", db);
	snprintf(current, sizeof(current), "%s/CURRENT", db);
	run_lsmlab(&r, (const char *const[]){ "bench", "--device=file", arg, "--num=2000",
			"--benchmarks=fillrandom,readrandom,readseq", NULL });
	if (r.code != 0)
		fail_msg("exit %d; stderr:\n%s", r.code, r.err);
	expect_has(r.out, "device file", "stdout");
	expect_has(r.out, "readseq      :", "stdout");
	run_free(&r);
	assert_int_equal(stat(current, &st), 0);

	/* A second run starts from scratch over the lsmlab files. */
	run_lsmlab(&r, (const char *const[]){ "bench", "--device=file", arg, "--num=2000",
			"--benchmarks=readseq", NULL });
	if (r.code != 0)
		fail_msg("exit %d; stderr:\n%s", r.code, r.err);
	expect_has(r.out, "(0 entries)", "stdout");
	run_free(&r);

	/* A directory with anything else in it is refused and left alone. */
	snprintf(foreign, sizeof(foreign), "%s/notes.txt", db);
	fd = open(foreign, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	close(fd);
	expect_usage((const char *const[]){ "bench", "--device=file", arg, "--num=100", NULL },
		     1, "refusing to use --db=", "notes.txt", NULL);
	assert_int_equal(stat(foreign, &st), 0);
	assert_int_equal(stat(current, &st), 0);
}

static void test_bench_histogram_flag(void **state)
{
	struct run r;

	(void)state;
	run_lsmlab(&r, (const char *const[]){ "bench", "--num=500", "--histogram", NULL });
	if (r.code != 0)
		fail_msg("exit %d; stderr:\n%s", r.code, r.err);
	expect_has(r.out, "put latency (device ns): count 500", "stdout");
	expect_has(r.out, "get latency (device ns): count 500", "stdout");
	expect_has(r.out, "p99.9", "stdout");
	run_free(&r);
}

/* --compaction_log: a CSV row per job; the B+ tree and bad paths refused. */
static void test_bench_compaction_log(void **state)
{
	char file[512], arg[600], bad[600];
	struct run r;
	FILE *f;
	char line[1024];
	int rows = 0;

	(void)state;
	snprintf(file, sizeof(file), "%s/jobs.csv", g_tmp);
	snprintf(arg, sizeof(arg), "--compaction_log=%s", file);
	run_lsmlab(&r, (const char *const[]){ "bench", "--num=20000", "--write_buffer_size=64KiB",
			"--benchmarks=fillrandom", arg, NULL });
	if (r.code != 0)
		fail_msg("exit %d; stderr:\n%s", r.code, r.err);
	expect_has(r.out, "Compaction log written to", "stdout");
	run_free(&r);
	f = fopen(file, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(strncmp(line, "job,start_ns,end_ns,job_ns,strategy,trigger,kind,", 49), 0);
	while (fgets(line, sizeof(line), f))
		rows++;
	fclose(f);
	assert_true(rows > 10);
	unlink(file);

	expect_usage((const char *const[]){ "bench", "--engine=btree", "--num=100", arg, NULL }, 2,
		     "compaction_log", "btree", NULL);
	assert_int_equal(access(file, F_OK), -1);
	snprintf(bad, sizeof(bad), "--compaction_log=%s/no/such/dir.csv", g_tmp);
	expect_usage((const char *const[]){ "bench", "--num=100", bad, NULL }, 1,
		     "no/such/dir.csv", NULL, NULL);
}

/* docs/metrics.md quotes every printed definition verbatim. */
static void test_metrics_doc(void **state)
{
	const char *src = getenv("LSMLAB_SRC");
	char path[512], line[1024];
	size_t bytes;
	char *text;
	int fd;

	(void)state;
	if (!src || !src[0])
		skip();
	snprintf(path, sizeof(path), "%s/docs/metrics.md", src);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	text = slurp_fd(fd, &bytes);
	close(fd);
#define CHECK_DEF(id, term, def)                                                           \
	snprintf(line, sizeof(line), "\n- %s = %s\n", term, def);                         \
	expect_has(text, line, "docs/metrics.md");
	KV_METRIC_DEFS(CHECK_DEF)
#undef CHECK_DEF
	kv_free(KV_MEM_OTHER, text, bytes);
}

/* --workload, --record, replay (CSV and CS265) and gen cs265, with their errors. */
static void test_workload_replay_gen(void **state)
{
	struct run r;
	char bad[512];
	FILE *f;

	(void)state;
	run_lsmlab(&r, (const char *const[]){ "bench", "--workload=ycsb-a", "--recordcount=500",
					      "--operationcount=1000", "--record=rec.csv", NULL });
	assert_int_equal(r.code, 0);
	expect_has(r.out, "update = full-value overwrite", "the update semantics");
	expect_has(r.out, "ycsb-a/load", "the load line");
	expect_has(r.out, "ycsb-a/run", "the run line");
	expect_has(r.out, "results verified", "verification");
	expect_has(r.out, "SA ", "the amplification summary");
	run_free(&r);
	run_lsmlab(&r, (const char *const[]){ "replay", "rec.csv", "--format=csv", NULL });
	assert_int_equal(r.code, 0);
	expect_has(r.out, "replay:rec.csv/replay", "the replay line");
	expect_has(r.out, "insert 500", "the recorded load");
	run_free(&r);
	run_lsmlab(&r, (const char *const[]){ "gen", "cs265", "--puts=300", "--gets=100",
					      "--ranges=5", "--deletes=10", "--load=50",
					      "--load_file=w.bin", "--out=w.txt", NULL });
	assert_int_equal(r.code, 0);
	run_free(&r);
	run_lsmlab(&r, (const char *const[]){ "replay", "w.txt", NULL });
	assert_int_equal(r.code, 0);
	expect_has(r.out, "update 300", "the CS265 puts");
	expect_has(r.out, "insert 50", "the CS265 load file");
	run_free(&r);

	snprintf(bad, sizeof(bad), "%s/bad.csv", g_tmp);
	f = fopen(bad, "w");
	assert_non_null(f);
	fputs("insert,a,5\nfetch,a,0\n", f);
	fclose(f);
	run_lsmlab(&r, (const char *const[]){ "replay", "bad.csv", NULL });
	assert_int_equal(r.code, 1);
	expect_has(r.err, "bad.csv:2: expected an operation", "the trace error");
	run_free(&r);
	expect_usage((const char *const[]){ "bench", "--recordcount=5", NULL }, 2,
		     "--recordcount", "needs --workload", NULL);
	expect_usage((const char *const[]){ "bench", "--workload=ycsb-a", "--benchmarks=fillseq",
					    NULL }, 2, "exclude each other", NULL, NULL);
	expect_usage((const char *const[]){ "bench", "--workload=ycsb-q", NULL }, 2,
		     "unknown workload 'ycsb-q'", "ycsb-a", NULL);
	expect_usage((const char *const[]){ "bench", "--workload=ycsb-a", "--theta=2", NULL }, 2,
		     "theta", "0.0001..0.9999", NULL);
	expect_usage((const char *const[]){ "replay", NULL }, 2, "replay needs a trace FILE",
		     NULL, NULL);
	expect_usage((const char *const[]){ "gen", "bu", NULL }, 2, "lsmlab gen cs265", NULL,
		     NULL);
	expect_usage((const char *const[]){ "gen", "cs265", "--putz=1", NULL }, 2, "putz", NULL,
		     NULL);
}

/* ------------------------------------------------------------------ main */

/* Remove @dir and everything below it. */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];
	struct stat st;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_option_name),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_enum),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_bench_mem),
		cmocka_unit_test(test_bench_deterministic),
		cmocka_unit_test(test_bench_json),
		cmocka_unit_test(test_bench_file_device),
		cmocka_unit_test(test_bench_histogram_flag),
		cmocka_unit_test(test_bench_compaction_log),
		cmocka_unit_test(test_metrics_doc),
		cmocka_unit_test(test_workload_replay_gen),
	};
	const char *tmp = getenv("TMPDIR");
	int rc;

	g_bin = getenv("LSMLAB_BIN");
	if (!g_bin || !g_bin[0]) {
		fprintf(stderr, "test_cli: set LSMLAB_BIN to the lsmlab binary\n");
		return 1;
	}
	snprintf(g_tmp, sizeof(g_tmp), "%s/lsmlab-test-cli-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(g_tmp)) {
		fprintf(stderr, "test_cli: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	remove_tree(g_tmp);
	return rc;
}
