/*
 * tests/unit/test_traces.c - the trace readers (CSV, CS265 with its
 * binary load file, BU), the CSV recorder, the CS265 generator, format
 * detection, every malformed-input case with its message, and
 * record-then-replay giving the identical operation stream.
 */
#include "tests/unit/wl_rig.h"

#include <stdlib.h>
#include <unistd.h>

#include "core/checksum.h"
#include "workloads/trace.h"

static uint64_t g_seed;
static char g_dir[256];

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", g_dir, name);
}

static struct kv_wl_source *open_ok(const char *path, enum kv_trace_format fmt)
{
	struct kv_wl_source *s;
	struct kv_err err;

	if (kv_trace_open(path, fmt, &s, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	return s;
}

static void next_ok(struct kv_wl_source *s, struct kv_wl_op *op)
{
	struct kv_err err;

	if (kv_wl_next(s, op, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
}

static void end_ok(struct kv_wl_source *s)
{
	struct kv_wl_op op;
	struct kv_err err;

	assert_int_equal(kv_wl_next(s, &op, &err), KV_NOTFOUND);
}

static void key_is_int(struct kv_slice k, int32_t v)
{
	assert_int_equal(k.len, 4);
	assert_int_equal(kv_trace_int_key_value(k.data), v);
}

static void value_is_int(struct kv_slice val, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char b[4] = { (unsigned char)u, (unsigned char)(u >> 8),
			       (unsigned char)(u >> 16), (unsigned char)(u >> 24) };

	assert_int_equal(val.len, 4);
	assert_memory_equal(val.data, b, 4);
}

static void test_int_keys_order(void **state)
{
	int32_t v[] = { INT32_MIN, -70000, -1, 0, 1, 255, 256, 70000, INT32_MAX };
	char a[4], b[4];

	(void)state;
	for (size_t i = 0; i + 1 < sizeof(v) / sizeof(v[0]); i++) {
		kv_trace_int_key(v[i], a);
		kv_trace_int_key(v[i + 1], b);
		assert_true(memcmp(a, b, 4) < 0);
		assert_int_equal(kv_trace_int_key_value(a), v[i]);
	}
}

static void test_cs265(void **state)
{
	char path[512], bin[512];
	unsigned char pairs[16] = { 5, 0, 0, 0, 6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 9, 0, 0, 0 };
	struct kv_wl_source *s;
	struct kv_wl_op op;
	FILE *f;

	(void)state;
	path_of(bin, sizeof(bin), "load.bin");
	f = fopen(bin, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(pairs, 1, 16, f), 16);
	fclose(f);
	path_of(path, sizeof(path), "w.cs265");
	wl_write_file(path, "p 10 -20\n"
			    "g 10\n"
			    "\n"
			    "r -5 17\n"
			    "d 10\n"
			    "l \"load.bin\"\n"
			    "s\n"
			    "p\t-2147483648\t2147483647\n");
	s = open_ok(path, KV_TRACE_AUTO);
	assert_string_equal(s->ops->name, "cs265");
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_UPDATE);
	key_is_int(op.key, 10);
	value_is_int(op.value, -20);
	assert_int_equal(op.value_len, 4);
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_READ);
	key_is_int(op.key, 10);
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_SCAN);
	key_is_int(op.key, -5);
	key_is_int(op.hi, 17);
	assert_int_equal(op.scan_len, 0);
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_DELETE);
	next_ok(s, &op); /* the load file, found next to the workload */
	assert_int_equal(op.kind, KV_WL_INSERT);
	key_is_int(op.key, 5);
	value_is_int(op.value, 6);
	next_ok(s, &op);
	key_is_int(op.key, -1);
	value_is_int(op.value, 9);
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_STATS);
	next_ok(s, &op);
	key_is_int(op.key, INT32_MIN);
	value_is_int(op.value, INT32_MAX);
	end_ok(s);
	kv_wl_close(s);
}

static void expect_error(const char *name, const char *text, enum kv_trace_format fmt,
			 int code, int line, const char *msg)
{
	char path[512], want[1024];
	struct kv_wl_source *s;
	struct kv_wl_op op;
	struct kv_err err;
	int rc;

	path_of(path, sizeof(path), name);
	wl_write_file(path, text);
	kv_err_clear(&err);
	rc = kv_trace_open(path, fmt, &s, &err);
	while (rc == KV_OK) {
		rc = kv_wl_next(s, &op, &err);
		if (rc != KV_OK)
			kv_wl_close(s);
	}
	assert_int_equal(rc, code);
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	else
		snprintf(want, sizeof(want), "%s", msg);
	assert_string_equal(kv_err_msg(&err), want);
}

static void test_cs265_malformed(void **state)
{
	char bad[512], msg[1024];

	(void)state;
	expect_error("m.cs265", "p 1 2\nx 5\n", KV_TRACE_CS265, KV_EINVAL, 2,
		     "expected a command p|g|r|d|l|s, got 'x'");
	expect_error("m.cs265", "p 1\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'p KEY VALUE' (int32 KEY and VALUE)");
	expect_error("m.cs265", "p 1 2 3\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'p KEY VALUE' (int32 KEY and VALUE)");
	expect_error("m.cs265", "p 2147483648 1\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'p KEY VALUE' (int32 KEY and VALUE)");
	expect_error("m.cs265", "g abc\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'g KEY' (an int32 KEY)");
	expect_error("m.cs265", "d\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'd KEY' (an int32 KEY)");
	expect_error("m.cs265", "r 1\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'r LOW HIGH' (int32 LOW and HIGH)");
	expect_error("m.cs265", "s now\n", KV_TRACE_CS265, KV_EINVAL, 1, "expected 's' alone");
	expect_error("m.cs265", "l load.bin\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'l \"FILE\"' (a quoted path)");
	expect_error("m.cs265", "l \"\"\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected 'l \"FILE\"' (a quoted path)");
	path_of(bad, sizeof(bad), "odd.bin");
	wl_write_file(bad, "1234567890");
	expect_error("m.cs265", "l \"odd.bin\"\n", KV_TRACE_CS265, KV_EINVAL, 1,
		     "expected load file 'odd.bin' to hold int32 key/value pairs (8 bytes "
		     "each), but its size 10 is not a multiple of 8");
	path_of(bad, sizeof(bad), "m.cs265");
	snprintf(msg, sizeof(msg),
		 "%s:1: cannot open load file 'missing.bin': No such file or directory", bad);
	expect_error("m.cs265", "l \"missing.bin\"\n", KV_TRACE_CS265, KV_EIO, 0, msg);
}

static void test_bu(void **state)
{
	char path[512];
	struct kv_wl_source *s;
	struct kv_wl_op op;

	(void)state;
	path_of(path, sizeof(path), "w.bu");
	wl_write_file(path, "6\nI 1 100\nU 1 7 8\nQ 1\nS 0 9\nR -3 2147483647\nD 1\n");
	s = open_ok(path, KV_TRACE_AUTO);
	assert_string_equal(s->ops->name, "bu");
	next_ok(s, &op);
	assert_int_equal(s->total_ops, 6);
	assert_int_equal(op.kind, KV_WL_INSERT);
	key_is_int(op.key, 1);
	value_is_int(op.value, 100);
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_UPDATE);
	assert_int_equal(op.value_len, 8);
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_READ);
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_SCAN);
	key_is_int(op.key, 0);
	key_is_int(op.hi, 10); /* inclusive 9 */
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_RANGE_DELETE);
	key_is_int(op.key, -3);
	assert_null(op.hi.data); /* up to INT32_MAX inclusive: unbounded */
	next_ok(s, &op);
	assert_int_equal(op.kind, KV_WL_DELETE);
	end_ok(s);
	kv_wl_close(s);

	expect_error("m.bu", "I 1 2\nX 1\n", KV_TRACE_BU, KV_EINVAL, 2,
		     "expected a command I|U|D|R|Q|S, got 'X'");
	expect_error("m.bu", "I 1\n", KV_TRACE_BU, KV_EINVAL, 1,
		     "expected 'I KEY VALUE...' (int32 KEY, 1..64 int32 values)");
	expect_error("m.bu", "U 1 2 x\n", KV_TRACE_BU, KV_EINVAL, 1,
		     "expected 'U KEY VALUE...' (int32 KEY, 1..64 int32 values), got value 'x'");
	expect_error("m.bu", "Q\n", KV_TRACE_BU, KV_EINVAL, 1, "expected 'Q KEY' (an int32 KEY)");
	expect_error("m.bu", "D 1 2\n", KV_TRACE_BU, KV_EINVAL, 1,
		     "expected 'D KEY' (an int32 KEY)");
	expect_error("m.bu", "S 1\n", KV_TRACE_BU, KV_EINVAL, 1,
		     "expected 'S LOW HIGH' (int32 LOW and HIGH)");
	expect_error("m.bu", "R 1 2 3\n", KV_TRACE_BU, KV_EINVAL, 1,
		     "expected 'R LOW HIGH' (int32 LOW and HIGH)");
}

static void test_csv_roundtrip_and_errors(void **state)
{
	char path[512];
	const char keys[][8] = { "a,b", "%x#", "k\n\x01" };
	struct kv_wl_op ops[6], op;
	struct kv_wl_source *s;
	FILE *f;

	(void)state;
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct kv_wl_op){ .kind = KV_WL_INSERT, .key = kv_slice_make(keys[0], 3),
				    .value_len = 77 };
	ops[1] = (struct kv_wl_op){ .kind = KV_WL_READ, .key = kv_slice_make(keys[1], 3) };
	ops[2] = (struct kv_wl_op){ .kind = KV_WL_SCAN, .key = kv_slice_make(keys[2], 3),
				    .scan_len = 9, .hi = kv_slice_make("zz", 2) };
	ops[3] = (struct kv_wl_op){ .kind = KV_WL_RANGE_DELETE, .key = kv_slice_make("a", 1),
				    .hi = kv_slice_make("b", 1) };
	ops[4] = (struct kv_wl_op){ .kind = KV_WL_RMW, .key = kv_slice_make("q", 1),
				    .value_len = 0 };
	ops[5] = (struct kv_wl_op){ .kind = KV_WL_STATS, .key = kv_slice_make("", 0) };
	path_of(path, sizeof(path), "t.csv");
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", KV_TRACE_CSV_HEADER);
	for (int i = 0; i < 6; i++)
		assert_int_equal(kv_trace_csv_write(f, &ops[i]), 0);
	fclose(f);
	s = open_ok(path, KV_TRACE_AUTO);
	assert_string_equal(s->ops->name, "csv");
	for (int i = 0; i < 6; i++) {
		next_ok(s, &op);
		assert_int_equal(op.kind, ops[i].kind);
		assert_true(kv_slice_eq(op.key, ops[i].key));
		assert_int_equal(op.value_len, ops[i].value_len);
		assert_int_equal(op.scan_len, ops[i].scan_len);
		assert_true(kv_slice_eq(op.hi, ops[i].hi));
	}
	end_ok(s);
	kv_wl_close(s);

	expect_error("m.csv", "op,key,value_size\nget,a,0\n", KV_TRACE_CSV, KV_EINVAL, 2,
		     "expected an operation (read|update|insert|delete|scan|rmw|range_delete|"
		     "stats), got 'get'");
	expect_error("m.csv", "read,a\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected 3 fields op,key,value_size, got 2 fields");
	expect_error("m.csv", "scan,a\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected scan,key,length[,hi], got 2 fields");
	expect_error("m.csv", "range_delete,a,0\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected range_delete,lo,0,hi, got 3 fields");
	expect_error("m.csv", "read,a,0,b,c\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected 3 fields op,key,value_size, got 5 fields");
	expect_error("m.csv", "update,a,-1\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected a decimal value_size in 0..67108864, got '-1'");
	expect_error("m.csv", "update,a,67108865\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected a decimal value_size in 0..67108864, got '67108865'");
	expect_error("m.csv", "insert,,5\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected a key of 1..65535 bytes (bytes outside '!'..'~' and , % \" # as "
		     "%XX), got ''");
	expect_error("m.csv", "insert,a%4,5\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected a key of 1..65535 bytes (bytes outside '!'..'~' and , % \" # as "
		     "%XX), got 'a%4'");
	expect_error("m.csv", "insert,a b,5\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected a key of 1..65535 bytes (bytes outside '!'..'~' and , % \" # as "
		     "%XX), got 'a b'");
	expect_error("m.csv", "delete,a,3\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected value_size 0 for delete, got 3");
	expect_error("m.csv", "stats,a,0\n", KV_TRACE_CSV, KV_EINVAL, 1, "expected 'stats,,0'");
	expect_error("m.csv", "scan,a,1,\n", KV_TRACE_CSV, KV_EINVAL, 1,
		     "expected an upper bound key (1..65535 bytes, %XX escapes), got ''");
}

static void test_detect(void **state)
{
	char path[512], msg[1024];

	(void)state;
	expect_error("d.txt", "# only a comment\n\nhello world\n", KV_TRACE_AUTO, KV_EINVAL, 3,
		     "expected a CSV trace line (op,key,value_size), a CS265 command (p g r d "
		     "l s) or a BU command (I U D R Q S); cannot detect the format");
	path_of(path, sizeof(path), "d.txt");
	snprintf(msg, sizeof(msg),
		 "%s: cannot detect the trace format of an empty file; give "
		 "trace_format=csv|cs265|bu", path);
	expect_error("d.txt", "", KV_TRACE_AUTO, KV_EINVAL, 0, msg);
}

static void test_cs265_generator(void **state)
{
	char path[512], bin[512];
	struct kv_cs265_gen_params p = { .puts = 500, .gets = 300, .ranges = 20, .deletes = 50,
					 .load = 100, .gets_miss_ratio = 0.5, .skew = 1,
					 .seed = g_seed };
	uint64_t count[KV_WL__COUNT] = { 0 };
	struct kv_wl_source *s;
	struct kv_wl_op op;
	struct kv_err err;
	FILE *f;

	(void)state;
	path_of(path, sizeof(path), "gen.cs265");
	path_of(bin, sizeof(bin), "gen.bin");
	p.load_path = bin;
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(kv_cs265_generate(&p, f, &err), KV_OK);
	fclose(f);
	s = open_ok(path, KV_TRACE_AUTO);
	while (kv_wl_next(s, &op, &err) == KV_OK)
		count[op.kind]++;
	kv_wl_close(s);
	assert_int_equal(count[KV_WL_INSERT], 100);
	assert_int_equal(count[KV_WL_UPDATE], 500);
	assert_int_equal(count[KV_WL_READ], 300);
	assert_int_equal(count[KV_WL_SCAN], 20);
	assert_int_equal(count[KV_WL_DELETE], 50);
	p.key_range = 2000000000ULL;
	path_of(path, sizeof(path), "gen-bad.cs265");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(kv_cs265_generate(&p, f, &err), KV_EINVAL);
	fclose(f);
}

/* Hash of every op a source yields (kind, key, value_len, scan_len, hi); closes it. */
static uint64_t stream_hash(struct kv_wl_source *s)
{
	struct kv_wl_op op;
	struct kv_err err;
	uint64_t h = 0;

	while (kv_wl_next(s, &op, &err) == KV_OK) {
		uint64_t f[3] = { (uint64_t)op.kind, op.value_len, op.scan_len };
		h = h * 31 + kv_checksum64(f, sizeof(f));
		h = h * 31 + kv_checksum64(op.key.data, op.key.len);
		h = h * 31 + kv_checksum64(op.hi.data, op.hi.len);
	}
	kv_wl_close(s);
	return h;
}

/* Record a run, replay it (recording again): identical streams and stores. */
static void test_record_replay(void **state)
{
	char rec1[512], rec2[512], o1[600], o2[600], t2[600];
	const char *kv1[] = { "workload=deleteheavy", "recordcount=500", "operationcount=2000",
			      "value_size_dist=uniform", "value_size_min=0",
			      "value_size_max=300", "verify=true", "progress=false", o1, NULL };
	const char *kv2[] = { t2, "verify=true", "progress=false", o2, NULL };
	struct kv_runner_result *a = wl_result(), *b = wl_result();
	struct wl_rig r1, r2;
	struct kv_runner *x, *y;
	struct kv_err err;
	uint64_t h1, h2;

	(void)state;
	path_of(rec1, sizeof(rec1), "rec1.csv");
	path_of(rec2, sizeof(rec2), "rec2.csv");
	snprintf(o1, sizeof(o1), "record=%s", rec1);
	snprintf(o2, sizeof(o2), "record=%s", rec2);
	snprintf(t2, sizeof(t2), "trace=%s", rec1);
	wl_rig_open(&r1);
	x = wl_runner(kv1, NULL, NULL);
	assert_int_equal(kv_runner_load(x, r1.e, a, &err), KV_OK);
	assert_int_equal(kv_runner_run(x, r1.e, a, &err), KV_OK);
	wl_rig_open(&r2);
	y = wl_runner(kv2, NULL, NULL);
	if (kv_runner_run(y, r2.e, b, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	assert_int_equal(b->ops, 2500);
	assert_int_equal(kv_runner_live_bytes(y), kv_runner_live_bytes(x));
	assert_int_equal(kv_runner_live_keys(y), kv_runner_live_keys(x));
	h1 = stream_hash(open_ok(rec1, KV_TRACE_CSV));
	h2 = stream_hash(open_ok(rec2, KV_TRACE_CSV));
	assert_true(h1 == h2);
	assert_int_equal(kv_engine_stats(r1.e)->user_value_bytes_written,
			 kv_engine_stats(r2.e)->user_value_bytes_written);
	kv_runner_free(x);
	kv_runner_free(y);
	wl_rig_close(&r1);
	wl_rig_close(&r2);
	wl_result_free(a);
	wl_result_free(b);
}

/* CS265 and BU traces replay on the LSM engine with verification. */
static void test_replay_engines(void **state)
{
	char path[512], t[600];
	const char *kv[] = { t, "verify=true", "progress=false", NULL };
	struct kv_runner_result *res = wl_result();
	struct wl_rig rig;
	struct kv_runner *r;
	struct kv_err err;

	(void)state;
	path_of(path, sizeof(path), "gen.cs265"); /* from test_cs265_generator */
	snprintf(t, sizeof(t), "trace=%s", path);
	wl_rig_open(&rig);
	r = wl_runner(kv, NULL, NULL);
	if (kv_runner_run(r, rig.e, res, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	assert_int_equal(res->ops, 970);
	assert_true(res->reads_found > 0 && res->reads_not_found > 0);
	kv_runner_free(r);
	wl_rig_close(&rig);

	path_of(path, sizeof(path), "w.bu");
	wl_write_file(path, "I 1 10\nI 2 20\nI 3 30\nI 5 50\nS 1 3\nR 2 3\nQ 2\nQ 5\nS -9 9\n");
	snprintf(t, sizeof(t), "trace=%s", path);
	wl_rig_open(&rig);
	r = wl_runner(kv, NULL, NULL);
	if (kv_runner_run(r, rig.e, res, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	assert_int_equal(res->range_deleted, 2);
	assert_int_equal(res->scan_entries, 3 + 2);
	assert_int_equal(res->reads_found, 1);
	assert_int_equal(kv_runner_live_keys(r), 2);
	assert_int_equal(kv_runner_live_bytes(r), 2 * 8);
	kv_runner_free(r);
	wl_rig_close(&rig);
	wl_result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int_keys_order),
		cmocka_unit_test(test_cs265),
		cmocka_unit_test(test_cs265_malformed),
		cmocka_unit_test(test_bu),
		cmocka_unit_test(test_csv_roundtrip_and_errors),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_cs265_generator),
		cmocka_unit_test(test_record_replay),
		cmocka_unit_test(test_replay_engines),
	};
	const char *tmp = getenv("TMPDIR");
	char cmd[600];
	int rc;

	g_seed = tu_seed(265);
	snprintf(g_dir, sizeof(g_dir), "%s/lsmlab-test-traces-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(g_dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
