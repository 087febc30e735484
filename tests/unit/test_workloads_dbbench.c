/*
 * tests/unit/test_workloads_dbbench.c - db_bench keys/values
 * (workloads/keygen.c), the benchmark runner (workloads/dbbench.c) against
 * a reference-map engine, with injected engine bugs its verification must
 * catch, and the JSON writer (workloads/json.c).
 */
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/device.h"
#include "core/engine.h"
#include "devices/mem.h"
#include "workloads/dbbench.h"
#include "workloads/json.h"
#include "workloads/keygen.h"

static uint64_t g_seed;

/* ------------------------------------------------------------- keygen */

static void test_keygen_digits_and_format(void **state)
{
	char buf[32];
	uint64_t n;

	(void)state;
	assert_int_equal(kv_keygen_digits(0), 1);
	assert_int_equal(kv_keygen_digits(9), 1);
	assert_int_equal(kv_keygen_digits(10), 2);
	assert_int_equal(kv_keygen_digits(99999), 5);
	assert_int_equal(kv_keygen_digits(100000), 6);
	assert_int_equal(kv_keygen_digits(UINT64_MAX), 20);

	kv_keygen_format(1234, buf, 16);
	assert_memory_equal(buf, "0000000000001234", 16);
	kv_keygen_format(0, buf, 1);
	assert_memory_equal(buf, "0", 1);
	kv_keygen_format(7, buf, 3);
	assert_memory_equal(buf, "007", 3);
	kv_keygen_format(UINT64_MAX, buf, 20);
	assert_memory_equal(buf, "18446744073709551615", 20);
	kv_keygen_format(99999, buf, 5);
	assert_memory_equal(buf, "99999", 5);

	assert_int_equal(kv_keygen_parse(kv_slice_make("0000000000001234", 16), &n), KV_OK);
	assert_int_equal(n, 1234);
	assert_int_equal(kv_keygen_parse(kv_slice_make("18446744073709551615", 20), &n), KV_OK);
	assert_true(n == UINT64_MAX);
	assert_int_equal(kv_keygen_parse(kv_slice_make("18446744073709551616", 20), &n),
			 KV_EINVAL);
	assert_int_equal(kv_keygen_parse(kv_slice_make("12a4", 4), &n), KV_EINVAL);
	assert_int_equal(kv_keygen_parse(kv_slice_make("", 0), &n), KV_EINVAL);
	assert_int_equal(kv_keygen_parse(kv_slice_make("-1", 2), &n), KV_EINVAL);
}

/* Random numbers round-trip, and bytewise key order is numeric order. */
static void test_keygen_roundtrip_and_order(void **state)
{
	struct kv_rng r;
	char a[20], b[20];

	(void)state;
	kv_rng_seed(&r, g_seed);
	for (int i = 0; i < 20000; i++) {
		uint64_t x = kv_rng_next(&r) >> (kv_rng_next(&r) % 64);
		uint64_t y = kv_rng_next(&r) >> (kv_rng_next(&r) % 64);
		uint64_t back;
		int c;

		kv_keygen_format(x, a, sizeof(a));
		kv_keygen_format(y, b, sizeof(b));
		assert_int_equal(kv_keygen_parse(kv_slice_make(a, sizeof(a)), &back), KV_OK);
		assert_true(back == x);
		c = kv_slice_cmp(kv_slice_make(a, sizeof(a)), kv_slice_make(b, sizeof(b)));
		assert_true((x < y && c < 0) || (x == y && c == 0) || (x > y && c > 0));
	}
}

static void test_keygen_init_errors(void **state)
{
	struct kv_keygen g;
	struct kv_err err;
	size_t before = kv_mem_in_use(KV_MEM_WORKLOAD);

	(void)state;
	assert_int_equal(kv_keygen_init(&g, 100000, 4, 100, 1, &err), KV_EINVAL);
	assert_non_null(strstr(err.msg, "key_size"));
	assert_non_null(strstr(err.msg, "5 digits"));
	/* num - 1 = 99999 fits in exactly 5 digits. */
	assert_int_equal(kv_keygen_init(&g, 100000, 5, 100, 1, &err), KV_OK);
	kv_keygen_destroy(&g);
	assert_int_equal(kv_keygen_init(&g, 0, 16, 100, 1, &err), KV_EINVAL);
	assert_int_equal(kv_keygen_init(&g, 10, 0, 100, 1, &err), KV_EINVAL);
	assert_int_equal(kv_keygen_init(&g, 10, KV_MAX_KEY_BYTES + 1, 100, 1, &err), KV_EINVAL);
	assert_int_equal(kv_keygen_init(&g, 10, 16, (size_t)KV_MAX_VALUE_BYTES + 1, 1, &err),
			 KV_EINVAL);
	assert_non_null(strstr(err.msg, "value_size"));
	/* Allocation failure leaves nothing behind. */
	kv_alloc_fail_nth(2);
	assert_int_equal(kv_keygen_init(&g, 10, 16, 100, 1, &err), KV_ENOMEM);
	kv_alloc_fail_nth(0);
	kv_keygen_destroy(&g);
	assert_int_equal(kv_mem_in_use(KV_MEM_WORKLOAD), before);
}

static void test_keygen_values(void **state)
{
	struct kv_keygen g1, g2, g3;
	struct kv_err err;
	uint64_t counts[256] = { 0 };
	bool differ = false;

	(void)state;
	assert_int_equal(kv_keygen_init(&g1, 1000, 16, 100, g_seed, &err), KV_OK);
	assert_int_equal(kv_keygen_init(&g2, 1000, 16, 100, g_seed, &err), KV_OK);
	assert_int_equal(kv_keygen_init(&g3, 1000, 16, 100, g_seed + 1, &err), KV_OK);
	assert_int_equal(g1.pool_bytes, KV_KEYGEN_POOL_MIN_BYTES);
	for (int i = 0; i < 5000; i++) {
		struct kv_slice v1 = kv_keygen_value(&g1), v2 = kv_keygen_value(&g2);
		struct kv_slice v3 = kv_keygen_value(&g3);

		assert_int_equal(v1.len, 100);
		assert_int_equal(v3.len, 100);
		assert_memory_equal(v1.data, v2.data, 100);
		assert_true(v1.data >= g1.pool && v1.data + v1.len <= g1.pool + g1.pool_bytes);
		if (memcmp(v1.data, v3.data, 100) != 0)
			differ = true;
	}
	assert_true(differ);
	/* Incompressible: every byte value about equally frequent in the pool. */
	for (size_t i = 0; i < g1.pool_bytes; i++)
		counts[(unsigned char)g1.pool[i]]++;
	for (int c = 0; c < 256; c++) {
		assert_true(counts[c] > 4096 - 400);
		assert_true(counts[c] < 4096 + 400);
	}
	kv_keygen_destroy(&g1);
	kv_keygen_destroy(&g2);
	kv_keygen_destroy(&g3);

	/* Empty values and values larger than the default pool. */
	assert_int_equal(kv_keygen_init(&g1, 10, 2, 0, g_seed, &err), KV_OK);
	assert_int_equal(kv_keygen_value(&g1).len, 0);
	assert_memory_equal(kv_keygen_key(&g1, 9).data, "09", 2);
	kv_keygen_destroy(&g1);
	assert_int_equal(kv_keygen_init(&g1, 10, 2, 1 << 20, g_seed, &err), KV_OK);
	assert_int_equal(g1.pool_bytes, 2u << 20);
	for (int i = 0; i < 50; i++) {
		struct kv_slice v = kv_keygen_value(&g1);
		assert_int_equal(v.len, 1 << 20);
		assert_true(v.data >= g1.pool && v.data + v.len <= g1.pool + g1.pool_bytes);
	}
	kv_keygen_destroy(&g1);
}

/* ------------------------------------------ a reference-map fake engine */

struct fake {
	struct kv_engine base;
	struct tu_refmap *map;
};

/* Bugs to inject, set by the tests (one engine at a time). */
static struct {
	bool lose_put;        /* drop puts of lose_key (returns OK) */
	bool skip_in_scan;    /* scans do not return lose_key */
	bool short_value;     /* get of lose_key returns one byte less */
	bool found_deleted;   /* get of lose_key says found even when deleted */
	char lose_key[32];
	long fail_put_after;  /* > 0: the Nth put from now fails with KV_EIO */
} bug;

static bool is_lose_key(struct kv_slice k)
{
	return kv_slice_eq(k, kv_slice_str(bug.lose_key));
}

static int fake_open(struct kv_engine *e, const struct kv_engine_args *args)
{
	(void)args;
	((struct fake *)e)->map = tu_refmap_new();
	return KV_OK;
}

static void fake_close(struct kv_engine *e)
{
	tu_refmap_free(((struct fake *)e)->map);
}

static int fake_put(struct kv_engine *e, struct kv_slice k, struct kv_slice v)
{
	if (bug.fail_put_after > 0 && --bug.fail_put_after == 0)
		return kv_err_set(&e->err, KV_EIO, "injected put failure");
	if (bug.lose_put && is_lose_key(k))
		return KV_OK;
	tu_refmap_put(((struct fake *)e)->map, k, v);
	return KV_OK;
}

static int fake_get(struct kv_engine *e, struct kv_slice k, struct kv_slice *v)
{
	static const char junk[8];

	if (!tu_refmap_get(((struct fake *)e)->map, k, v)) {
		if (bug.found_deleted && is_lose_key(k)) {
			*v = kv_slice_make(junk, 0);
			return KV_OK;
		}
		return KV_NOTFOUND;
	}
	if (bug.short_value && is_lose_key(k) && v->len > 0)
		v->len--;
	return KV_OK;
}

static int fake_del(struct kv_engine *e, struct kv_slice k)
{
	tu_refmap_del(((struct fake *)e)->map, k);
	return KV_OK;
}

struct fake_iter {
	struct kv_iter base;
	struct tu_refmap_cursor cur;
	const struct tu_refmap *map;
};

static void fi_skip(struct fake_iter *it)
{
	if (bug.skip_in_scan && tu_refmap_cursor_valid(&it->cur) &&
	    is_lose_key(tu_refmap_cursor_key(&it->cur)))
		tu_refmap_cursor_next(&it->cur);
}

static void fi_seek_first(struct kv_iter *i)
{
	struct fake_iter *it = (struct fake_iter *)i;
	tu_refmap_seek(it->map, kv_slice_make(NULL, 0), &it->cur);
	fi_skip(it);
}

static void fi_seek(struct kv_iter *i, struct kv_slice t)
{
	struct fake_iter *it = (struct fake_iter *)i;
	tu_refmap_seek(it->map, t, &it->cur);
	fi_skip(it);
}

static bool fi_valid(const struct kv_iter *i)
{
	return tu_refmap_cursor_valid(&((const struct fake_iter *)i)->cur);
}

static void fi_next(struct kv_iter *i)
{
	struct fake_iter *it = (struct fake_iter *)i;
	tu_refmap_cursor_next(&it->cur);
	fi_skip(it);
}

static struct kv_slice fi_key(const struct kv_iter *i)
{
	return tu_refmap_cursor_key(&((const struct fake_iter *)i)->cur);
}

static struct kv_slice fi_value(const struct kv_iter *i)
{
	return tu_refmap_cursor_value(&((const struct fake_iter *)i)->cur);
}

static int fi_status(const struct kv_iter *i)
{
	(void)i;
	return KV_OK;
}

static void fi_close(struct kv_iter *i)
{
	kv_free(KV_MEM_OTHER, i, sizeof(struct fake_iter));
}

static const struct kv_iter_ops fake_iter_ops = {
	.name = "fake",
	.seek_first = fi_seek_first,
	.seek = fi_seek,
	.valid = fi_valid,
	.next = fi_next,
	.key = fi_key,
	.value = fi_value,
	.status = fi_status,
	.close = fi_close,
};

/* Unbounded above only: the runner never passes an upper bound. */
static int fake_scan(struct kv_engine *e, struct kv_slice lo, struct kv_slice hi,
		     struct kv_iter **out)
{
	struct fake_iter *it = kv_calloc(KV_MEM_OTHER, sizeof(*it));

	assert_null(hi.data);
	assert_non_null(it);
	it->base.ops = &fake_iter_ops;
	it->map = ((struct fake *)e)->map;
	fi_seek(&it->base, lo);
	*out = &it->base;
	return KV_OK;
}

static int fake_noop(struct kv_engine *e)
{
	(void)e;
	return KV_OK;
}

static const struct kv_engine_ops fake_engine_ops = {
	.name = "fake",
	.version = 1,
	.instance_size = sizeof(struct fake),
	.doc = "reference map",
	.options = NULL,
	.open = fake_open,
	.close = fake_close,
	.put = fake_put,
	.get = fake_get,
	.del = fake_del,
	.scan = fake_scan,
	.sync = fake_noop,
	.flush = fake_noop,
	.compact_all = fake_noop,
};

struct rig {
	struct kv_device *dev;
	struct kv_engine *e;
	struct kv_bench *b;
};

static void rig_open(struct rig *r, uint64_t num, uint64_t reads, uint64_t seed)
{
	struct kv_bench_params p = {
		.num = num, .reads = reads, .seek_nexts = 10, .key_size = 16,
		.value_size = 100, .seed = seed, .verify = true,
	};
	struct kv_engine_args args;
	struct kv_err err;

	memset(&bug, 0, sizeof(bug));
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &r->dev, &err), KV_OK);
	args = (struct kv_engine_args){ .cfg = NULL, .dev = r->dev };
	assert_int_equal(kv_engine_open(&fake_engine_ops, &args, &r->e, &err), KV_OK);
	assert_int_equal(kv_bench_new(&p, &r->b, &err), KV_OK);
}

static void rig_close(struct rig *r)
{
	kv_bench_free(r->b);
	kv_engine_close(r->e);
	kv_dev_close(r->dev);
	memset(&bug, 0, sizeof(bug));
}

static const struct tu_refmap *rig_map(const struct rig *r)
{
	return ((const struct fake *)r->e)->map;
}

static void run_ok(struct rig *r, enum kv_bench_kind kind, struct kv_bench_result *res)
{
	struct kv_err err;
	int rc = kv_bench_run(r->b, r->e, kind, res, &err);

	if (rc != KV_OK)
		fail_msg("%s: %s", kv_bench_name(kind), kv_err_msg(&err));
	assert_int_equal(res->kind, kind);
	/* The exact logical live data equals the reference's. */
	assert_int_equal(kv_bench_live_keys(r->b), tu_refmap_count(rig_map(r)));
	assert_true(kv_bench_live_bytes(r->b) == tu_refmap_live_bytes(rig_map(r)));
	assert_true(kv_bench_peak_live_bytes(r->b) >= kv_bench_live_bytes(r->b));
	assert_int_equal(res->live_keys, kv_bench_live_keys(r->b));
}

/* Run expecting success, without comparing against the (bugged) reference. */
static void run_bugged(struct rig *r, enum kv_bench_kind kind)
{
	struct kv_bench_result res;
	struct kv_err err;

	assert_int_equal(kv_bench_run(r->b, r->e, kind, &res, &err), KV_OK);
}

static void test_bench_names(void **state)
{
	char buf[256];

	(void)state;
	for (int i = 0; i < KV_BENCH__COUNT; i++)
		assert_int_equal(kv_bench_find(kv_bench_name((enum kv_bench_kind)i)), i);
	assert_int_equal(kv_bench_find("fillrandm"), -1);
	assert_int_equal(kv_bench_find(""), -1);
	kv_bench_names(buf, sizeof(buf), "|");
	assert_string_equal(buf, "fillseq|fillrandom|overwrite|readrandom|readseq|seekrandom|"
				 "deleterandom|compact");
	kv_bench_names(buf, 10, "|");
	assert_true(strlen(buf) < 10);
	assert_int_equal(kv_bench_op(KV_BENCH_READRANDOM), KV_OP_GET);
	assert_int_equal(kv_bench_op(KV_BENCH_SEEKRANDOM), KV_OP_SCAN);
	assert_int_equal(kv_bench_op(KV_BENCH_DELETERANDOM), KV_OP_DELETE);
	assert_int_equal(kv_bench_op(KV_BENCH_FILLSEQ), KV_OP_PUT);
}

static void test_bench_every_benchmark(void **state)
{
	const uint64_t num = 3000;
	struct kv_bench_result res;
	struct rig r;
	const struct kv_engine_stats *es;

	(void)state;
	rig_open(&r, num, 2000, g_seed);
	es = kv_engine_stats(r.e);

	run_ok(&r, KV_BENCH_READRANDOM, &res); /* empty store */
	assert_int_equal(res.ops, 2000);
	assert_int_equal(res.found, 0);
	assert_int_equal(res.not_found, 2000);
	assert_int_equal(res.lat.op, KV_OP_GET);
	assert_int_equal(res.lat.count, 2000);

	run_ok(&r, KV_BENCH_FILLSEQ, &res);
	assert_int_equal(res.ops, num);
	assert_int_equal(res.bytes, num * 116);
	assert_int_equal(res.live_keys, num);
	assert_int_equal(res.lat.count, num);
	assert_true(res.lat.p50 <= res.lat.p99 && res.lat.p99 <= res.lat.max);
	assert_true(res.device_ns == 0 || res.device_ns > 0);

	run_ok(&r, KV_BENCH_READRANDOM, &res); /* full store: everything found */
	assert_int_equal(res.found, 2000);
	assert_int_equal(res.bytes, 2000 * 116);

	run_ok(&r, KV_BENCH_READSEQ, &res);
	assert_int_equal(res.entries_read, num);
	assert_int_equal(res.ops, num);

	run_ok(&r, KV_BENCH_DELETERANDOM, &res);
	assert_int_equal(res.ops, num);
	assert_int_equal(res.bytes, num * 16);
	assert_true(res.live_keys < num / 2); /* ~ num / e survive */
	assert_true(res.live_keys > num / 5);

	run_ok(&r, KV_BENCH_READRANDOM, &res);
	assert_int_equal(res.found + res.not_found, 2000);
	assert_true(res.found > 0 && res.not_found > 0);

	run_ok(&r, KV_BENCH_SEEKRANDOM, &res);
	assert_int_equal(res.ops, 200); /* reads / seek_nexts */
	assert_int_equal(res.found + res.not_found, 200);
	assert_true(res.entries_read <= 2000);
	assert_true(res.entries_read > 1000);
	assert_int_equal(res.lat.count, 200);

	run_ok(&r, KV_BENCH_FILLRANDOM, &res);
	run_ok(&r, KV_BENCH_OVERWRITE, &res);
	assert_true(res.live_keys > num / 2);
	assert_true(kv_bench_peak_live_bytes(r.b) >= res.live_bytes);
	run_ok(&r, KV_BENCH_COMPACT, &res);
	assert_int_equal(res.ops, 1);
	run_ok(&r, KV_BENCH_READSEQ, &res);
	assert_int_equal(res.entries_read, tu_refmap_count(rig_map(&r)));

	/* The engine wrapper saw exactly the runner's operations. */
	assert_int_equal(es->ops[KV_OP_PUT], 3 * num);
	assert_int_equal(es->ops[KV_OP_DELETE], num);
	assert_int_equal(es->ops[KV_OP_GET], 3 * 2000);
	assert_int_equal(es->user_key_bytes_written, 4 * num * 16);
	assert_int_equal(es->user_value_bytes_written, 3 * num * 100);
	rig_close(&r);
}

/* The same seed gives the same store and results; another seed does not. */
static void test_bench_determinism(void **state)
{
	struct kv_bench_result r1, r2, r3;
	struct rig a, b, c;
	struct tu_refmap_cursor ca, cb;

	(void)state;
	rig_open(&a, 2000, 2000, g_seed);
	rig_open(&b, 2000, 2000, g_seed);
	rig_open(&c, 2000, 2000, g_seed + 1);
	run_ok(&a, KV_BENCH_FILLRANDOM, &r1);
	run_ok(&b, KV_BENCH_FILLRANDOM, &r2);
	run_ok(&c, KV_BENCH_FILLRANDOM, &r3);
	assert_int_equal(r1.live_keys, r2.live_keys);
	run_ok(&a, KV_BENCH_READRANDOM, &r1);
	run_ok(&b, KV_BENCH_READRANDOM, &r2);
	assert_int_equal(r1.found, r2.found);
	/* readrandom draws other keys than fillrandom: some miss (~1/e). */
	assert_true(r1.found < 2000);
	tu_refmap_seek(rig_map(&a), kv_slice_make(NULL, 0), &ca);
	tu_refmap_seek(rig_map(&b), kv_slice_make(NULL, 0), &cb);
	while (tu_refmap_cursor_valid(&ca)) {
		assert_true(tu_refmap_cursor_valid(&cb));
		assert_true(kv_slice_eq(tu_refmap_cursor_key(&ca), tu_refmap_cursor_key(&cb)));
		assert_true(kv_slice_eq(tu_refmap_cursor_value(&ca),
					tu_refmap_cursor_value(&cb)));
		tu_refmap_cursor_next(&ca);
		tu_refmap_cursor_next(&cb);
	}
	assert_false(tu_refmap_cursor_valid(&cb));
	/* Another seed writes other keys or other values. */
	tu_refmap_seek(rig_map(&a), kv_slice_make(NULL, 0), &ca);
	tu_refmap_seek(rig_map(&c), kv_slice_make(NULL, 0), &cb);
	assert_false(kv_slice_eq(tu_refmap_cursor_key(&ca), tu_refmap_cursor_key(&cb)) &&
		     kv_slice_eq(tu_refmap_cursor_value(&ca), tu_refmap_cursor_value(&cb)));
	(void)r3;
	rig_close(&a);
	rig_close(&b);
	rig_close(&c);
}

static void expect_corrupt(struct rig *r, enum kv_bench_kind kind, const char *needle)
{
	struct kv_bench_result res;
	struct kv_err err;

	assert_int_equal(kv_bench_run(r->b, r->e, kind, &res, &err), KV_ECORRUPT);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
	assert_non_null(strstr(err.msg, kv_bench_name(kind)));
}

/* Each injected engine bug is caught by the verification of some benchmark. */
static void test_bench_verify_catches_bugs(void **state)
{
	struct kv_bench_result res;
	struct kv_err err;
	struct rig r;

	(void)state;
	/* A lost write (the last key): gets and scans both notice. */
	rig_open(&r, 500, 20000, g_seed);
	bug.lose_put = true;
	snprintf(bug.lose_key, sizeof(bug.lose_key), "%016d", 499);
	run_bugged(&r, KV_BENCH_FILLSEQ);
	expect_corrupt(&r, KV_BENCH_READRANDOM, "not found, but it is live");
	expect_corrupt(&r, KV_BENCH_READSEQ, "scan returned 499 entries, 500 keys are live");
	expect_corrupt(&r, KV_BENCH_SEEKRANDOM, "but live keys follow");
	rig_close(&r);

	/* A lost write in the middle: the scan sees the gap. */
	rig_open(&r, 500, 500, g_seed);
	bug.lose_put = true;
	snprintf(bug.lose_key, sizeof(bug.lose_key), "%016d", 123);
	run_bugged(&r, KV_BENCH_FILLSEQ);
	expect_corrupt(&r, KV_BENCH_READSEQ, "key 0000000000000124: returned, but a smaller "
			"live key was skipped");
	rig_close(&r);

	/* A scan that skips a live key. */
	rig_open(&r, 500, 500, g_seed);
	run_bugged(&r, KV_BENCH_FILLSEQ);
	bug.skip_in_scan = true;
	snprintf(bug.lose_key, sizeof(bug.lose_key), "%016d", 250);
	expect_corrupt(&r, KV_BENCH_READSEQ, "smaller live key was skipped");
	rig_close(&r);

	/* A value of the wrong length. */
	rig_open(&r, 100, 20000, g_seed);
	run_bugged(&r, KV_BENCH_FILLSEQ);
	bug.short_value = true;
	snprintf(bug.lose_key, sizeof(bug.lose_key), "%016d", 42);
	expect_corrupt(&r, KV_BENCH_READRANDOM, "wrong length");
	rig_close(&r);

	/* A key that was never written comes back. */
	rig_open(&r, 100, 20000, g_seed);
	bug.found_deleted = true;
	snprintf(bug.lose_key, sizeof(bug.lose_key), "%016d", 7);
	expect_corrupt(&r, KV_BENCH_READRANDOM, "never written or was deleted");
	rig_close(&r);

	/* An engine error stops the benchmark with the key and the message. */
	rig_open(&r, 1000, 1000, g_seed);
	bug.fail_put_after = 10;
	assert_int_equal(kv_bench_run(r.b, r.e, KV_BENCH_FILLSEQ, &res, &err), KV_EIO);
	assert_non_null(strstr(err.msg, "fillseq: put of key 0000000000000009"));
	assert_non_null(strstr(err.msg, "injected put failure"));
	assert_int_equal(kv_bench_live_keys(r.b), 9);
	rig_close(&r);
}

static void test_bench_new_errors(void **state)
{
	struct kv_bench_params p = { .num = 100000, .reads = 1, .seek_nexts = 10, .key_size = 4,
				     .value_size = 100, .seed = 1, .verify = true };
	struct kv_bench *b;
	struct kv_err err;
	size_t before = kv_mem_in_use(KV_MEM_WORKLOAD);

	(void)state;
	assert_int_equal(kv_bench_new(&p, &b, &err), KV_EINVAL);
	assert_null(b);
	assert_non_null(strstr(err.msg, "key_size"));
	p.key_size = 16;
	p.seek_nexts = 0;
	assert_int_equal(kv_bench_new(&p, &b, &err), KV_EINVAL);
	p.seek_nexts = 10;
	p.num = 0;
	assert_int_equal(kv_bench_new(&p, &b, &err), KV_EINVAL);
	p.num = 1000;
	for (long n = 1;; n++) {
		int rc;

		assert_true(n < 100);
		kv_alloc_fail_nth(n);
		rc = kv_bench_new(&p, &b, &err);
		kv_alloc_fail_nth(0);
		if (rc == KV_OK) {
			assert_true(n > 3); /* runner, key buffer, pool, bitmap */
			kv_bench_free(b);
			break;
		}
		assert_int_equal(rc, KV_ENOMEM);
		assert_null(b);
		assert_int_equal(kv_mem_in_use(KV_MEM_WORKLOAD), before);
	}
	assert_int_equal(kv_mem_in_use(KV_MEM_WORKLOAD), before);
}

/* --------------------------------------------------------------- JSON */

/* Run @fn writing JSON to a temporary file; return its text in @buf. */
static void capture_json(void (*fn)(struct kv_json *j), bool pretty, char *buf, size_t len,
			 int expect_finish)
{
	FILE *f = tmpfile();
	struct kv_json j;
	size_t n;

	assert_non_null(f);
	kv_json_init(&j, f, pretty);
	fn(&j);
	assert_int_equal(kv_json_finish(&j), expect_finish);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void write_escapes(struct kv_json *j)
{
	kv_json_begin_array(j);
	kv_json_string(j, "plain");
	kv_json_string(j, "q\"b\\s/");
	kv_json_string(j, "\b\f\n\r\t\x01\x1f\x7f");
	kv_json_string_n(j, "a\0b", 3);
	kv_json_string(j, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	kv_json_string(j, "bad \xff \xc3");
	kv_json_string(j, "\xc0\x80");         /* overlong NUL */
	kv_json_string(j, "\xed\xa0\x80");     /* UTF-16 surrogate */
	kv_json_string(j, "\xf4\x90\x80\x80"); /* above U+10FFFF */
	kv_json_string(j, NULL);
	kv_json_end_array(j);
}

static void test_json_escaping(void **state)
{
	char buf[1024];

	(void)state;
	capture_json(write_escapes, false, buf, sizeof(buf), KV_OK);
	assert_string_equal(buf,
			    "[\"plain\",\"q\\\"b\\\\s/\",\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\","
			    "\"a\\u0000b\",\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
			    "\"bad \\ufffd \\ufffd\",\"\\ufffd\\ufffd\","
			    "\"\\ufffd\\ufffd\\ufffd\",\"\\ufffd\\ufffd\\ufffd\\ufffd\",null]\n");
}

static void write_numbers(struct kv_json *j)
{
	kv_json_begin_object(j);
	kv_json_kv_uint(j, "u", UINT64_MAX);
	kv_json_kv_int(j, "i", INT64_MIN);
	kv_json_kv_double(j, "d", 0.1);
	kv_json_kv_double(j, "whole", 3.0);
	kv_json_kv_double(j, "nan", NAN);
	kv_json_kv_double(j, "inf", -INFINITY);
	kv_json_kv_bool(j, "t", true);
	kv_json_key(j, "n");
	kv_json_null(j);
	kv_json_kv_string(j, "k\"ey", "v");
	kv_json_end_object(j);
}

static void test_json_numbers(void **state)
{
	char buf[1024];

	(void)state;
	capture_json(write_numbers, false, buf, sizeof(buf), KV_OK);
	assert_string_equal(buf, "{\"u\":18446744073709551615,\"i\":-9223372036854775808,"
				 "\"d\":0.10000000000000001,\"whole\":3,\"nan\":null,"
				 "\"inf\":null,\"t\":true,\"n\":null,\"k\\\"ey\":\"v\"}\n");
}

static void write_nested(struct kv_json *j)
{
	kv_json_begin_object(j);
	kv_json_key(j, "a");
	kv_json_begin_array(j);
	kv_json_uint(j, 1);
	kv_json_begin_object(j);
	kv_json_end_object(j);
	kv_json_begin_array(j);
	kv_json_end_array(j);
	kv_json_end_array(j);
	kv_json_key(j, "b");
	kv_json_begin_object(j);
	kv_json_kv_uint(j, "c", 2);
	kv_json_end_object(j);
	kv_json_end_object(j);
}

static void write_unfinished(struct kv_json *j)
{
	kv_json_begin_object(j);
	kv_json_kv_uint(j, "a", 1);
}

static void test_json_structure(void **state)
{
	char buf[1024];

	(void)state;
	capture_json(write_nested, false, buf, sizeof(buf), KV_OK);
	assert_string_equal(buf, "{\"a\":[1,{},[]],\"b\":{\"c\":2}}\n");
	capture_json(write_nested, true, buf, sizeof(buf), KV_OK);
	assert_string_equal(buf, "{\n  \"a\": [\n    1,\n    {},\n    []\n  ],\n"
				 "  \"b\": {\n    \"c\": 2\n  }\n}\n");
	capture_json(write_unfinished, false, buf, sizeof(buf), KV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_digits_and_format),
		cmocka_unit_test(test_keygen_roundtrip_and_order),
		cmocka_unit_test(test_keygen_init_errors),
		cmocka_unit_test(test_keygen_values),
		cmocka_unit_test(test_bench_names),
		cmocka_unit_test(test_bench_every_benchmark),
		cmocka_unit_test(test_bench_determinism),
		cmocka_unit_test(test_bench_verify_catches_bugs),
		cmocka_unit_test(test_bench_new_errors),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_json_structure),
	};

	g_seed = tu_seed(20240601);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
