/*
 * tests/unit/test_mem_device.c - the RAM device (devices/mem.c): crash
 * semantics (named cases and a randomized model of the synced image),
 * capacity and ENOSPC, allocation failure, the virtual clock's cost model
 * and determinism, options and report.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/device.h"
#include "core/options.h"
#include "core/rng.h"
#include "devices/mem.h"

/* ------------------------------------------------------------ helpers */

static struct kv_device *open_cfg(const char *const *kv)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_device *dev = NULL;
	struct kv_err err;

	assert_non_null(cfg);
	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_int_equal(kv_config_set(cfg, kv[i], kv[i + 1]), KV_OK);
	if (kv_dev_open(&kv_mem_device_ops, cfg, NULL, &dev, &err) != KV_OK)
		fail_msg("open mem device: %s", kv_err_msg(&err));
	kv_config_free(cfg);
	return dev;
}

static struct kv_device *open_dev(void)
{
	return open_cfg(NULL);
}

static void ok(struct kv_device *dev, int rc)
{
	if (rc != KV_OK)
		fail_msg("%s: %s", kv_status_name(rc), kv_dev_errmsg(dev));
}

static struct kv_file *create(struct kv_device *dev, const char *name)
{
	struct kv_file *f = NULL;

	ok(dev, kv_dev_create(dev, name, KV_FILE_OTHER, &f));
	return f;
}

static struct kv_file *reopen(struct kv_device *dev, const char *name)
{
	struct kv_file *f = NULL;

	ok(dev, kv_dev_open_file(dev, name, KV_FILE_OTHER, &f));
	return f;
}

static void append(struct kv_file *f, const char *s)
{
	ok(f->dev, kv_dev_append(f, s, strlen(s)));
}

/* The whole content of @name equals @want (reading through a new handle). */
static void expect_file(struct kv_device *dev, const char *name, const void *want, size_t n)
{
	struct kv_file *f = reopen(dev, name);
	char *buf = kv_malloc(KV_MEM_OTHER, n + 1);
	uint64_t size;

	assert_non_null(buf);
	ok(dev, kv_dev_size(f, &size));
	assert_int_equal(size, n);
	ok(dev, kv_dev_read(f, 0, buf, n));
	if (n > 0)
		assert_memory_equal(buf, want, n);
	kv_free(KV_MEM_OTHER, buf, n + 1);
	kv_dev_close_file(f);
}

static void expect_str(struct kv_device *dev, const char *name, const char *want)
{
	expect_file(dev, name, want, strlen(want));
}

static void expect_live(struct kv_device *dev, uint64_t live)
{
	struct kv_dev_stats s;

	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.live_bytes, live);
}

static void close_dev(struct kv_device *dev)
{
	assert_int_equal(kv_mem_device_files_open(dev), 0);
	kv_dev_close(dev);
	assert_int_equal(kv_mem_in_use(KV_MEM_DEVICE), 0);
}

/* ---------------------------------------------------------- crash cases */

static void test_crash_unsynced_appends_vanish(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "000001.log");
	char buf[4];

	(void)state;
	append(f, "abc");
	ok(dev, kv_dev_sync(f));
	append(f, "def");
	append(f, "ghi");
	expect_live(dev, 9);
	ok(dev, kv_mem_device_crash(dev));
	/* The engine's handle is dead: I/O fails, close is the only use. */
	assert_int_equal(kv_mem_device_files_open(dev), 1);
	assert_int_equal(kv_dev_read(f, 0, buf, 1), KV_EIO);
	assert_non_null(strstr(kv_dev_errmsg(dev), "crash"));
	assert_non_null(strstr(kv_dev_errmsg(dev), "000001.log"));
	assert_int_equal(kv_dev_append(f, "x", 1), KV_EIO);
	assert_int_equal(kv_dev_sync(f), KV_EIO);
	kv_dev_close_file(f);
	assert_int_equal(kv_mem_device_files_open(dev), 0);
	expect_str(dev, "000001.log", "abc");
	expect_live(dev, 3);

	/* Work goes on after a crash through new handles. */
	f = reopen(dev, "000001.log");
	append(f, "XY");
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);
	ok(dev, kv_mem_device_crash(dev));
	expect_str(dev, "000001.log", "abcXY");
	close_dev(dev);
}

static void test_crash_create_then_crash_empty(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "new");
	uint64_t size = 1;

	(void)state;
	append(f, "never synced");
	kv_dev_close_file(f);
	ok(dev, kv_mem_device_crash(dev));
	ok(dev, kv_dev_stat(dev, "new", &size));
	assert_int_equal(size, 0);
	expect_live(dev, 0);

	/* Create over a synced file is durable at once: empty after a crash. */
	f = create(dev, "old");
	append(f, "synced");
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);
	f = create(dev, "old");
	append(f, "replacement");
	kv_dev_close_file(f);
	ok(dev, kv_mem_device_crash(dev));
	expect_str(dev, "old", "");
	close_dev(dev);
}

static void test_crash_namespace_is_durable(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "CURRENT.tmp");
	uint64_t size;

	(void)state;
	append(f, "MANIFEST-2\n");
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);
	f = create(dev, "CURRENT");
	append(f, "MANIFEST-1\n");
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);
	f = create(dev, "gone");
	append(f, "x");
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);

	ok(dev, kv_dev_rename(dev, "CURRENT.tmp", "CURRENT"));
	ok(dev, kv_dev_remove(dev, "gone"));
	ok(dev, kv_mem_device_crash(dev));
	expect_str(dev, "CURRENT", "MANIFEST-2\n");
	assert_int_equal(kv_dev_stat(dev, "CURRENT.tmp", &size), KV_NOTFOUND);
	assert_int_equal(kv_dev_stat(dev, "gone", &size), KV_NOTFOUND);
	expect_live(dev, 11);
	close_dev(dev);
}

static void test_crash_write_in_middle_reverts(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "pages");
	char page[1000], want[1000];

	(void)state;
	for (int i = 0; i < 1000; i++)
		page[i] = (char)('A' + i % 23);
	memcpy(want, page, sizeof(want));
	ok(dev, kv_dev_append(f, page, 1000));
	ok(dev, kv_dev_sync(f));
	/* Several disjoint and overlapping ranges, then a crash. */
	ok(dev, kv_dev_write(f, 100, "1111111111", 10));
	ok(dev, kv_dev_write(f, 800, "22222", 5));
	ok(dev, kv_dev_write(f, 50, "333333333333333333333333333333333333333333333333333333333"
				    "3333333333333333333333333333333333333333333333333",
			     100));
	ok(dev, kv_dev_write(f, 990, "4444444444444444444444444", 25)); /* across the end */
	ok(dev, kv_dev_write(f, 5, "5", 1));
	kv_dev_close_file(f);
	ok(dev, kv_mem_device_crash(dev));
	expect_file(dev, "pages", want, 1000);

	/* A partial sync: only what was there at the sync survives. */
	f = reopen(dev, "pages");
	ok(dev, kv_dev_write(f, 200, "66666", 5));
	memcpy(want + 200, "66666", 5);
	ok(dev, kv_dev_sync(f));
	ok(dev, kv_dev_write(f, 202, "777", 3));
	ok(dev, kv_dev_write(f, 0, "888", 3));
	kv_dev_close_file(f);
	ok(dev, kv_mem_device_crash(dev));
	expect_file(dev, "pages", want, 1000);
	close_dev(dev);
}

static void test_crash_truncate_reverts(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "t");

	(void)state;
	append(f, "0123456789abcdef");
	ok(dev, kv_dev_sync(f));
	ok(dev, kv_dev_truncate(f, 4));
	append(f, "ZZ");
	ok(dev, kv_dev_truncate(f, 2));
	ok(dev, kv_dev_truncate(f, 30));
	ok(dev, kv_dev_write(f, 10, "W", 1));
	kv_dev_close_file(f);
	ok(dev, kv_mem_device_crash(dev));
	expect_str(dev, "t", "0123456789abcdef");

	/* A synced truncate stays. */
	f = reopen(dev, "t");
	ok(dev, kv_dev_truncate(f, 5));
	ok(dev, kv_dev_sync(f));
	append(f, "lost");
	kv_dev_close_file(f);
	ok(dev, kv_mem_device_crash(dev));
	expect_str(dev, "t", "01234");
	close_dev(dev);
}

static void test_crash_removed_open_file(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "orphan");

	(void)state;
	append(f, "data");
	ok(dev, kv_dev_remove(dev, "orphan"));
	append(f, "more"); /* an unlinked file is still writable, like POSIX */
	ok(dev, kv_mem_device_crash(dev));
	assert_int_equal(kv_mem_device_files_open(dev), 1);
	kv_dev_close_file(f);
	expect_live(dev, 0);
	close_dev(dev);
}

/*
 * A model of the durability contract: per file the current content and the
 * synced image; random appends, writes, truncates, syncs, and crashes that
 * must bring back exactly the synced image.
 */
struct crash_model {
	struct kv_file *f;
	char name[8];
	struct kv_buf cur, synced;
};

static void buf_put(struct kv_buf *b, size_t off, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (off + n > b->len) {
		size_t old = b->len;
		assert_int_equal(kv_buf_reserve(b, off + n - b->len), KV_OK);
		memset(b->data + old, 0, off + n - old);
		b->len = off + n;
	}
	memcpy(b->data + off, p, n);
}

static void buf_resize(struct kv_buf *b, size_t n)
{
	if (n > b->len) {
		size_t old = b->len;
		assert_int_equal(kv_buf_reserve(b, n - b->len), KV_OK);
		memset(b->data + old, 0, n - old);
	}
	b->len = n;
}

static void test_crash_random_model(void **state)
{
	enum { NFILES = 3 };
	struct kv_device *dev = open_dev();
	struct crash_model m[NFILES];
	uint64_t seed = tu_seed(77);
	long ops = tu_slow() ? 300000 : 30000;
	char wbuf[3000];
	struct kv_rng r;
	int crashes = 0;

	(void)state;
	kv_rng_seed(&r, seed);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < NFILES; i++) {
		snprintf(m[i].name, sizeof(m[i].name), "f%d", i % 10);
		m[i].f = create(dev, m[i].name);
	}
	for (long op = 0; op < ops; op++) {
		struct crash_model *x = &m[kv_rng_below(&r, NFILES)];
		uint64_t pick = kv_rng_below(&r, 100);
		size_t len = (size_t)kv_rng_below(&r, pick % 7 == 0 ? sizeof(wbuf) : 100);
		size_t off;

		if (x->cur.len > 200000)
			pick = 60; /* shrink */
		if (pick < 25) {
			kv_rng_fill(&r, wbuf, len);
			ok(dev, kv_dev_append(x->f, wbuf, len));
			buf_put(&x->cur, x->cur.len, wbuf, len);
		} else if (pick < 50) {
			off = (size_t)kv_rng_below(&r, x->cur.len + 200);
			kv_rng_fill(&r, wbuf, len);
			ok(dev, kv_dev_write(x->f, off, wbuf, len));
			buf_put(&x->cur, off, wbuf, len);
		} else if (pick < 62) {
			off = (size_t)kv_rng_below(&r, x->cur.len + 300);
			if (pick == 60)
				off = x->cur.len / 3;
			ok(dev, kv_dev_truncate(x->f, off));
			buf_resize(&x->cur, off);
		} else if (pick < 80) {
			ok(dev, kv_dev_sync(x->f));
			assert_int_equal(kv_buf_set(&x->synced, x->cur.data, x->cur.len), KV_OK);
		} else if (pick < 99) {
			off = (size_t)kv_rng_below(&r, x->cur.len + 1);
			len = len < x->cur.len - off ? len : x->cur.len - off;
			ok(dev, kv_dev_read(x->f, off, wbuf, len));
			if (len && memcmp(wbuf, x->cur.data + off, len) != 0)
				fail_msg("op %ld: %s differs, seed=%" PRIu64, op, x->name, seed);
		} else {
			ok(dev, kv_mem_device_crash(dev));
			crashes++;
			for (int i = 0; i < NFILES; i++) {
				kv_dev_close_file(m[i].f);
				assert_int_equal(
					kv_buf_set(&m[i].cur, m[i].synced.data, m[i].synced.len),
					KV_OK);
				expect_file(dev, m[i].name, m[i].cur.data, m[i].cur.len);
				m[i].f = reopen(dev, m[i].name);
			}
			assert_int_equal(kv_mem_device_files_open(dev), NFILES);
		}
	}
	assert_true(crashes > 0);
	for (int i = 0; i < NFILES; i++) {
		kv_dev_close_file(m[i].f);
		expect_file(dev, m[i].name, m[i].cur.data, m[i].cur.len);
		kv_buf_free(&m[i].cur);
		kv_buf_free(&m[i].synced);
	}
	close_dev(dev);
}

/* -------------------------------------------------- capacity and memory */

static void test_capacity_enospc(void **state)
{
	static const char *const cfg[] = { "capacity", "1000", NULL };
	struct kv_device *dev = open_cfg(cfg);
	struct kv_file *a = create(dev, "a"), *b;
	char buf[1200];
	struct kv_dev_stats s;

	(void)state;
	memset(buf, 'c', sizeof(buf));
	ok(dev, kv_dev_append(a, buf, 600));
	assert_int_equal(kv_dev_append(a, buf, 500), KV_ENOSPC);
	assert_non_null(strstr(kv_dev_errmsg(dev), "'a'"));
	assert_non_null(strstr(kv_dev_errmsg(dev), "no space"));
	expect_file(dev, "a", buf, 600);
	expect_live(dev, 600);

	/* Another file shares the capacity; growth is what counts. */
	b = create(dev, "b");
	ok(dev, kv_dev_append(b, buf, 400));
	assert_int_equal(kv_dev_append(b, buf, 1), KV_ENOSPC);
	assert_int_equal(kv_dev_write(a, 599, buf, 2), KV_ENOSPC);
	ok(dev, kv_dev_write(a, 0, "xyz", 3)); /* no growth: fine when full */
	assert_int_equal(kv_dev_truncate(b, 401), KV_ENOSPC);
	expect_live(dev, 1000);
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.kind[KV_FILE_OTHER].writes, 3);
	assert_int_equal(s.kind[KV_FILE_OTHER].bytes_written, 1003);

	/* Space comes back with shrinking and removing. */
	ok(dev, kv_dev_truncate(b, 100));
	ok(dev, kv_dev_append(a, buf, 300));
	kv_dev_close_file(b);
	ok(dev, kv_dev_remove(dev, "b"));
	ok(dev, kv_dev_append(a, buf, 100));
	expect_live(dev, 1000);
	kv_dev_close_file(a);
	close_dev(dev);
}

static void test_alloc_failure_changes_nothing(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "a"), *g = NULL;
	char big[5000];

	(void)state;
	memset(big, 'm', sizeof(big));
	ok(dev, kv_dev_append(f, big, 10));
	ok(dev, kv_dev_sync(f));
	kv_alloc_fail_nth(1);
	assert_int_equal(kv_dev_append(f, big, sizeof(big)), KV_ENOMEM);
	kv_alloc_fail_nth(0);
	assert_non_null(strstr(kv_dev_errmsg(dev), "'a'"));
	expect_file(dev, "a", big, 10);
	expect_live(dev, 10);

	/* Saving synced bytes before an overwrite can fail too. */
	kv_alloc_fail_nth(1);
	assert_int_equal(kv_dev_write(f, 2, "zz", 2), KV_ENOMEM);
	kv_alloc_fail_nth(0);
	expect_file(dev, "a", big, 10);

	for (long n = 1; n <= 20; n++) {
		kv_alloc_fail_nth(n);
		int rc = kv_dev_create(dev, "b", KV_FILE_SST, &g);
		kv_alloc_fail_nth(0);
		if (rc == KV_OK) {
			kv_dev_close_file(g);
			break;
		}
		assert_int_equal(rc, KV_ENOMEM);
		assert_null(g);
		expect_live(dev, 10);
	}
	kv_dev_close_file(f);
	close_dev(dev);
}

/* ---------------------------------------------------------------- clock */

static void run_sequence(struct kv_device *dev, uint64_t *times, size_t n)
{
	struct kv_file *f = create(dev, "seq");
	struct kv_rng r;
	char buf[4096];

	kv_rng_seed(&r, 5);
	for (size_t i = 0; i < n; i++) {
		size_t len = (size_t)kv_rng_below(&r, sizeof(buf));
		uint64_t size;

		kv_rng_fill(&r, buf, len);
		ok(dev, kv_dev_append(f, buf, len));
		if (i % 3 == 0)
			ok(dev, kv_dev_sync(f));
		ok(dev, kv_dev_size(f, &size));
		ok(dev, kv_dev_read(f, size - len, buf, len));
		times[i] = kv_dev_now_ns(dev);
	}
	kv_dev_close_file(f);
}

static void test_clock_deterministic(void **state)
{
	struct kv_device *a = open_dev(), *b = open_dev();
	uint64_t ta[500], tb[500];

	(void)state;
	assert_int_equal(kv_dev_now_ns(a), 0);
	run_sequence(a, ta, 500);
	run_sequence(b, tb, 500);
	assert_memory_equal(ta, tb, sizeof(ta));
	for (size_t i = 1; i < 500; i++)
		assert_true(ta[i] > ta[i - 1]);
	kv_dev_close(a);
	close_dev(b);
}

static void test_clock_cost_model(void **state)
{
	static const char *const cfg[] = { "op_latency",      "1us", "read_bandwidth", "1GB",
					   "write_bandwidth", "500MB", "sync_latency", "1ms",
					   NULL };
	struct kv_device *dev = open_cfg(cfg);
	struct kv_file *f;
	char buf[1000];
	uint64_t t;

	(void)state;
	memset(buf, 1, sizeof(buf));
	f = create(dev, "c");
	assert_int_equal(kv_dev_now_ns(dev), 1000);
	ok(dev, kv_dev_append(f, buf, 1000)); /* 1 us + 2 us */
	assert_int_equal(kv_dev_now_ns(dev), 4000);
	ok(dev, kv_dev_read(f, 0, buf, 1000)); /* 1 us + 1 us */
	assert_int_equal(kv_dev_now_ns(dev), 6000);
	ok(dev, kv_dev_read(f, 0, buf, 1)); /* 1 us + 1 ns */
	assert_int_equal(kv_dev_now_ns(dev), 7001);
	ok(dev, kv_dev_sync(f));
	assert_int_equal(kv_dev_now_ns(dev), 1007001);
	t = kv_dev_now_ns(dev);
	assert_int_equal(kv_dev_read(f, 999, buf, 2), KV_EIO); /* failures are free */
	assert_int_equal(kv_dev_now_ns(dev), t);
	kv_dev_close_file(f);
	close_dev(dev);
}

/* ------------------------------------------------------ options, report */

static void test_bad_options(void **state)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_device *dev = NULL;
	struct kv_err err;

	(void)state;
	assert_int_equal(kv_config_set(cfg, "read_bandwidth", "0"), KV_OK);
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, cfg, NULL, &dev, &err), KV_EINVAL);
	assert_null(dev);
	assert_non_null(strstr(kv_err_msg(&err), "read_bandwidth"));
	kv_config_free(cfg);

	cfg = kv_config_new();
	assert_int_equal(kv_config_set(cfg, "op_latncy", "1us"), KV_OK);
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, cfg, NULL, &dev, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "op_latncy"));
	assert_non_null(strstr(kv_err_msg(&err), "op_latency")); /* the suggestion */
	kv_config_free(cfg);
	assert_int_equal(kv_mem_in_use(KV_MEM_DEVICE), 0);
}

struct report_ctx {
	double stored, files;
	int calls;
};

static void report_cb(void *ud, const char *name, double value)
{
	struct report_ctx *c = ud;

	c->calls++;
	if (strcmp(name, "mem_bytes_stored") == 0)
		c->stored = value;
	if (strcmp(name, "mem_files") == 0)
		c->files = value;
}

static void test_report(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_file *f = create(dev, "r");
	struct report_ctx c = { -1, -1, 0 };

	(void)state;
	append(f, "12345");
	kv_dev_close_file(create(dev, "s"));
	kv_dev_report(dev, report_cb, &c);
	assert_true(c.calls >= 2);
	assert_true(c.stored == 5.0);
	assert_true(c.files == 2.0);
	kv_dev_close_file(f);
	close_dev(dev);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_unsynced_appends_vanish),
		cmocka_unit_test(test_crash_create_then_crash_empty),
		cmocka_unit_test(test_crash_namespace_is_durable),
		cmocka_unit_test(test_crash_write_in_middle_reverts),
		cmocka_unit_test(test_crash_truncate_reverts),
		cmocka_unit_test(test_crash_removed_open_file),
		cmocka_unit_test(test_crash_random_model),
		cmocka_unit_test(test_capacity_enospc),
		cmocka_unit_test(test_alloc_failure_changes_nothing),
		cmocka_unit_test(test_clock_deterministic),
		cmocka_unit_test(test_clock_cost_model),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests_name("mem device", tests, NULL, NULL);
}
