/*
 * tests/contract/test_device_contract.c - the device contract
 * (core/device.h) and the wrapper's accounting, run against every device
 * of devices/registry.c. Each test gets a fresh device over a fresh
 * mkdtemp directory under /tmp (devices without files ignore it), removed
 * afterwards; each checks that the device memory (KV_MEM_DEVICE) returns
 * to where it was.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/device.h"
#include "core/options.h"
#include "core/rng.h"
#include "devices/registry.h"

#define TMP_TEMPLATE "/tmp/lsmlab-devcontract-XXXXXX"

static const struct kv_device_ops *cur_ops;

struct fixture {
	char dir[sizeof(TMP_TEMPLATE)];
	struct kv_device *dev;
	size_t mem_before;
};

/* ------------------------------------------------------------ helpers */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static struct kv_device *open_dev(struct fixture *fx)
{
	struct kv_device *dev = NULL;
	struct kv_err err;
	int rc = kv_dev_open(cur_ops, NULL, fx->dir, &dev, &err);

	if (rc != KV_OK)
		fail_msg("open %s device: %s", cur_ops->name, kv_err_msg(&err));
	assert_non_null(dev);
	return dev;
}

static int setup(void **state)
{
	struct fixture *fx = kv_calloc(KV_MEM_OTHER, sizeof(*fx));

	assert_non_null(fx);
	memcpy(fx->dir, TMP_TEMPLATE, sizeof(TMP_TEMPLATE));
	assert_non_null(mkdtemp(fx->dir));
	fx->mem_before = kv_mem_in_use(KV_MEM_DEVICE);
	fx->dev = open_dev(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	bool leak_check = kv_dev_open_files(fx->dev) == 0;

	/* A failed test may leave handles open: leak the device then. */
	if (leak_check)
		kv_dev_close(fx->dev);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (leak_check)
		assert_int_equal(kv_mem_in_use(KV_MEM_DEVICE), fx->mem_before);
	kv_free(KV_MEM_OTHER, fx, sizeof(*fx));
	return 0;
}

static void check_ok(struct kv_device *dev, int rc, const char *what)
{
	if (rc != KV_OK)
		fail_msg("%s device: %s: %s (%s)", cur_ops->name, what, kv_status_name(rc),
			 kv_dev_errmsg(dev));
}

static struct kv_file *create_with(struct kv_device *dev, const char *name,
				   enum kv_file_kind kind, const char *content)
{
	struct kv_file *f = NULL;

	check_ok(dev, kv_dev_create(dev, name, kind, &f), "create");
	assert_non_null(f);
	if (content)
		check_ok(dev, kv_dev_append(f, content, strlen(content)), "append");
	return f;
}

static void expect_content(struct kv_file *f, const char *content)
{
	size_t n = strlen(content);
	char buf[256];
	uint64_t size = 99;

	assert_true(n < sizeof(buf));
	check_ok(f->dev, kv_dev_size(f, &size), "size");
	assert_int_equal(size, n);
	check_ok(f->dev, kv_dev_read(f, 0, buf, n), "read");
	assert_memory_equal(buf, content, n);
}

static uint64_t stat_size(struct kv_device *dev, const char *name)
{
	uint64_t size = 0;

	check_ok(dev, kv_dev_stat(dev, name, &size), "stat");
	return size;
}

struct name_list {
	char names[64][32];
	size_t n;
};

static void collect_cb(void *ud, const char *name)
{
	struct name_list *l = ud;

	assert_true(l->n < 64 && strlen(name) < 32);
	memcpy(l->names[l->n++], name, strlen(name) + 1);
}

static bool listed(const struct name_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->names[i], name) == 0)
			return true;
	}
	return false;
}

struct sum_ctx {
	struct kv_device *dev;
	uint64_t bytes;
	size_t files;
};

static void sum_cb(void *ud, const char *name)
{
	struct sum_ctx *c = ud;

	c->bytes += stat_size(c->dev, name);
	c->files++;
}

/* live_bytes as the device itself says it: list + stat. */
static uint64_t recount(struct kv_device *dev)
{
	struct sum_ctx c = { dev, 0, 0 };

	check_ok(dev, kv_dev_list(dev, sum_cb, &c), "list");
	return c.bytes;
}

static void expect_live(struct kv_device *dev, uint64_t live)
{
	struct kv_dev_stats s;

	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.live_bytes, live);
	assert_int_equal(recount(dev), live);
	assert_true(s.peak_live_bytes >= s.live_bytes);
}

/* -------------------------------------------------------------- cases */

static void test_create_append_read_size(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *f = create_with(dev, "000001.log", KV_FILE_WAL, "hello");
	char buf[8];

	assert_ptr_equal(f->dev, dev);
	assert_string_equal(f->name, "000001.log");
	assert_int_equal(f->kind, KV_FILE_WAL);
	check_ok(dev, kv_dev_append(f, " world", 6), "append");
	check_ok(dev, kv_dev_append(f, "", 0), "append of 0 bytes");
	expect_content(f, "hello world");
	check_ok(dev, kv_dev_read(f, 6, buf, 5), "read");
	assert_memory_equal(buf, "world", 5);
	check_ok(dev, kv_dev_read(f, 11, buf, 0), "read of 0 bytes at the end");
	check_ok(dev, kv_dev_sync(f), "sync");
	kv_dev_close_file(f);
	kv_dev_close_file(NULL);

	assert_int_equal(stat_size(dev, "000001.log"), 11);
	check_ok(dev, kv_dev_open_file(dev, "000001.log", KV_FILE_WAL, &f), "open_file");
	expect_content(f, "hello world");
	/* Appends through a reopened handle go to the end. */
	check_ok(dev, kv_dev_append(f, "!", 1), "append");
	expect_content(f, "hello world!");
	kv_dev_close_file(f);

	/* An empty file. */
	f = create_with(dev, "empty", KV_FILE_OTHER, NULL);
	expect_content(f, "");
	kv_dev_close_file(f);
	assert_int_equal(stat_size(dev, "empty"), 0);
}

static void test_write_at_offset(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *f = create_with(dev, "pages", KV_FILE_BTREE_PAGE, NULL);
	char buf[200], zeros[100];
	uint64_t size;

	memset(zeros, 0, sizeof(zeros));
	check_ok(dev, kv_dev_write(f, 100, "xyz", 3), "write past the end");
	check_ok(dev, kv_dev_size(f, &size), "size");
	assert_int_equal(size, 103);
	check_ok(dev, kv_dev_read(f, 0, buf, 103), "read");
	assert_memory_equal(buf, zeros, 100);
	assert_memory_equal(buf + 100, "xyz", 3);

	check_ok(dev, kv_dev_write(f, 50, "ab", 2), "overwrite inside");
	check_ok(dev, kv_dev_write(f, 101, "QRST", 4), "overwrite across the end");
	check_ok(dev, kv_dev_size(f, &size), "size");
	assert_int_equal(size, 105);
	check_ok(dev, kv_dev_read(f, 48, buf, 6), "read");
	assert_memory_equal(buf, "\0\0ab\0\0", 6);
	check_ok(dev, kv_dev_read(f, 100, buf, 5), "read");
	assert_memory_equal(buf, "xQRST", 5);

	/* An append after a write goes to the new end. */
	check_ok(dev, kv_dev_append(f, "end", 3), "append");
	check_ok(dev, kv_dev_read(f, 105, buf, 3), "read");
	assert_memory_equal(buf, "end", 3);
	check_ok(dev, kv_dev_write(f, 0, "", 0), "write of 0 bytes");
	check_ok(dev, kv_dev_write(f, 500, "", 0), "write of 0 bytes past the end");
	assert_int_equal(stat_size(dev, "pages"), 108);
	expect_live(dev, 108);
	kv_dev_close_file(f);
}

static void test_read_past_end(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *f = create_with(dev, "000012.sst", KV_FILE_SST, "0123456789");
	struct kv_dev_stats s;
	char buf[16];

	assert_int_equal(kv_dev_read(f, 5, buf, 10), KV_EIO);
	assert_non_null(strstr(kv_dev_errmsg(dev), "000012.sst"));
	assert_int_equal(kv_dev_read(f, 11, buf, 1), KV_EIO);
	assert_non_null(strstr(kv_dev_errmsg(dev), "000012.sst"));
	assert_int_equal(kv_dev_read(f, 1000, buf, 0), KV_EIO);
	/* Failed reads count nothing and change nothing. */
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.kind[KV_FILE_SST].reads, 0);
	assert_int_equal(s.kind[KV_FILE_SST].bytes_read, 0);
	expect_content(f, "0123456789");
	kv_dev_close_file(f);
}

static void test_rename_replaces(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *a = create_with(dev, "CURRENT.tmp", KV_FILE_MANIFEST, "MANIFEST-000009\n");
	struct kv_file *b = create_with(dev, "CURRENT", KV_FILE_MANIFEST, "MANIFEST-000001\n");
	struct name_list l = { .n = 0 };
	uint64_t size;

	check_ok(dev, kv_dev_sync(a), "sync");
	kv_dev_close_file(a);
	kv_dev_close_file(b);
	check_ok(dev, kv_dev_rename(dev, "CURRENT.tmp", "CURRENT"), "rename over");
	assert_int_equal(kv_dev_stat(dev, "CURRENT.tmp", &size), KV_NOTFOUND);
	check_ok(dev, kv_dev_open_file(dev, "CURRENT", KV_FILE_MANIFEST, &b), "open");
	expect_content(b, "MANIFEST-000009\n");
	kv_dev_close_file(b);
	check_ok(dev, kv_dev_list(dev, collect_cb, &l), "list");
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "CURRENT");

	/* Rename to a fresh name, and of a missing file. */
	check_ok(dev, kv_dev_rename(dev, "CURRENT", "other"), "rename");
	assert_int_equal(stat_size(dev, "other"), 16);
	assert_int_equal(kv_dev_stat(dev, "CURRENT", &size), KV_NOTFOUND);
	assert_true(kv_dev_rename(dev, "missing", "x") != KV_OK);
	assert_int_equal(kv_dev_stat(dev, "x", &size), KV_NOTFOUND);
	expect_live(dev, 16);
}

static void test_remove(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *f = create_with(dev, "000003.sst", KV_FILE_SST, "data");
	uint64_t size;

	kv_dev_close_file(f);
	check_ok(dev, kv_dev_remove(dev, "000003.sst"), "remove");
	assert_int_equal(kv_dev_stat(dev, "000003.sst", &size), KV_NOTFOUND);
	assert_int_equal(kv_dev_open_file(dev, "000003.sst", KV_FILE_SST, &f), KV_NOTFOUND);
	assert_null(f);
	assert_int_equal(kv_dev_remove(dev, "000003.sst"), KV_NOTFOUND);
	assert_non_null(strstr(kv_dev_errmsg(dev), "000003.sst"));
	assert_int_equal(kv_dev_open_file(dev, "never", KV_FILE_SST, &f), KV_NOTFOUND);
	expect_live(dev, 0);

	/* A file removed while open: gone from the namespace at once. */
	f = create_with(dev, "open.log", KV_FILE_WAL, "0123456789");
	check_ok(dev, kv_dev_remove(dev, "open.log"), "remove while open");
	assert_int_equal(kv_dev_stat(dev, "open.log", &size), KV_NOTFOUND);
	expect_live(dev, 0);
	kv_dev_close_file(f);
	expect_live(dev, 0);
}

static void test_list(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct name_list l = { .n = 0 };
	char name[32];

	check_ok(dev, kv_dev_list(dev, collect_cb, &l), "list of an empty device");
	assert_int_equal(l.n, 0);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "%06d.sst", i);
		kv_dev_close_file(create_with(dev, name, KV_FILE_SST, name));
	}
	for (int i = 0; i < 40; i += 3) {
		snprintf(name, sizeof(name), "%06d.sst", i);
		check_ok(dev, kv_dev_remove(dev, name), "remove");
	}
	check_ok(dev, kv_dev_list(dev, collect_cb, &l), "list");
	assert_int_equal(l.n, 40 - 14);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "%06d.sst", i);
		assert_int_equal(listed(&l, name), i % 3 != 0);
	}
}

static void test_stat(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *f = create_with(dev, "s", KV_FILE_OTHER, NULL);
	uint64_t size = 7;

	assert_int_equal(stat_size(dev, "s"), 0);
	check_ok(dev, kv_dev_write(f, 4095, "x", 1), "write");
	assert_int_equal(stat_size(dev, "s"), 4096);
	assert_int_equal(kv_dev_stat(dev, "t", &size), KV_NOTFOUND);
	kv_dev_close_file(f);
	assert_int_equal(stat_size(dev, "s"), 4096);
}

static void test_truncate(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *f = create_with(dev, "t", KV_FILE_OTHER, NULL);
	char buf[100], expect[100];
	uint64_t size;

	for (int i = 0; i < 100; i++)
		expect[i] = (char)('a' + i % 26);
	check_ok(dev, kv_dev_append(f, expect, 100), "append");
	check_ok(dev, kv_dev_truncate(f, 40), "shrink");
	check_ok(dev, kv_dev_size(f, &size), "size");
	assert_int_equal(size, 40);
	check_ok(dev, kv_dev_read(f, 0, buf, 40), "read");
	assert_memory_equal(buf, expect, 40);
	assert_int_equal(kv_dev_read(f, 0, buf, 41), KV_EIO);
	expect_live(dev, 40);

	check_ok(dev, kv_dev_truncate(f, 80), "extend");
	check_ok(dev, kv_dev_read(f, 0, buf, 80), "read");
	assert_memory_equal(buf, expect, 40);
	memset(expect + 40, 0, 40);
	assert_memory_equal(buf + 40, expect + 40, 40);
	check_ok(dev, kv_dev_append(f, "z", 1), "append after truncate");
	check_ok(dev, kv_dev_read(f, 80, buf, 1), "read");
	assert_int_equal(buf[0], 'z');
	expect_live(dev, 81);

	check_ok(dev, kv_dev_truncate(f, 0), "to zero");
	check_ok(dev, kv_dev_append(f, "q", 1), "append");
	expect_content(f, "q");
	check_ok(dev, kv_dev_truncate(f, 1), "same size");
	expect_live(dev, 1);
	kv_dev_close_file(f);
}

static void test_counters_by_kind(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *w = create_with(dev, "000001.log", KV_FILE_WAL, NULL);
	struct kv_file *t, *p, *bw;
	struct kv_dev_stats s;
	char buf[64];

	memset(buf, 'b', sizeof(buf));
	check_ok(dev, kv_dev_append(w, buf, 10), "append");
	check_ok(dev, kv_dev_append(w, buf, 20), "append");
	check_ok(dev, kv_dev_append(w, buf, 30), "append");
	check_ok(dev, kv_dev_write(w, 5, buf, 7), "write");
	check_ok(dev, kv_dev_read(w, 0, buf, 16), "read");
	check_ok(dev, kv_dev_read(w, 50, buf, 10), "read");
	check_ok(dev, kv_dev_sync(w), "sync");
	check_ok(dev, kv_dev_sync(w), "sync");
	t = create_with(dev, "000002.sst", KV_FILE_SST, NULL);
	check_ok(dev, kv_dev_append(t, buf, 64), "append");
	check_ok(dev, kv_dev_read(t, 1, buf, 3), "read");
	check_ok(dev, kv_dev_trim(t, 0, 32), "trim");
	p = create_with(dev, "btree.db", KV_FILE_BTREE_PAGE, NULL);
	check_ok(dev, kv_dev_write(p, 4096, buf, 64), "write");
	bw = create_with(dev, "btree.wal", KV_FILE_BTREE_WAL, NULL);
	check_ok(dev, kv_dev_append(bw, buf, 5), "append");
	check_ok(dev, kv_dev_truncate(bw, 100), "truncate (counts no write)");
	assert_int_equal(kv_dev_read(bw, 99, buf, 2), KV_EIO);
	kv_dev_close_file(t);
	check_ok(dev, kv_dev_remove(dev, "000002.sst"), "remove");

	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.kind[KV_FILE_WAL].writes, 4);
	assert_int_equal(s.kind[KV_FILE_WAL].bytes_written, 67);
	assert_int_equal(s.kind[KV_FILE_WAL].reads, 2);
	assert_int_equal(s.kind[KV_FILE_WAL].bytes_read, 26);
	assert_int_equal(s.kind[KV_FILE_WAL].syncs, 2);
	assert_int_equal(s.kind[KV_FILE_WAL].files_created, 1);
	assert_int_equal(s.kind[KV_FILE_WAL].files_removed, 0);
	assert_int_equal(s.kind[KV_FILE_SST].writes, 1);
	assert_int_equal(s.kind[KV_FILE_SST].bytes_written, 64);
	assert_int_equal(s.kind[KV_FILE_SST].reads, 1);
	assert_int_equal(s.kind[KV_FILE_SST].bytes_read, 3);
	assert_int_equal(s.kind[KV_FILE_SST].syncs, 0);
	assert_int_equal(s.kind[KV_FILE_SST].files_created, 1);
	assert_int_equal(s.kind[KV_FILE_SST].files_removed, 1);
	assert_int_equal(s.kind[KV_FILE_BTREE_PAGE].writes, 1);
	assert_int_equal(s.kind[KV_FILE_BTREE_PAGE].bytes_written, 64);
	assert_int_equal(s.kind[KV_FILE_BTREE_WAL].writes, 1);
	assert_int_equal(s.kind[KV_FILE_BTREE_WAL].bytes_written, 5);
	assert_int_equal(s.kind[KV_FILE_BTREE_WAL].reads, 0);
	assert_int_equal(s.kind[KV_FILE_MANIFEST].writes, 0);
	assert_int_equal(s.kind[KV_FILE_MANIFEST].files_created, 0);
	assert_int_equal(s.kind[KV_FILE_OTHER].writes, 0);
	assert_int_equal(s.trims, 1);
	assert_int_equal(s.bytes_trimmed, 32);
	assert_int_equal(kv_io_bytes_written(&s, true), 67 + 64 + 64 + 5);
	assert_int_equal(kv_io_bytes_written(&s, false), 64 + 64);
	assert_int_equal(kv_io_bytes_read(&s), 26 + 3);
	assert_int_equal(s.live_bytes, 60 + 4160 + 100);
	assert_string_equal(kv_file_kind_name(KV_FILE_WAL), "wal");
	assert_string_equal(kv_file_kind_name(KV_FILE_BTREE_PAGE), "btree_page");

	/* A reset zeroes the I/O counters and keeps live bytes. */
	kv_dev_reset_stats(dev);
	kv_dev_get_stats(dev, &s);
	assert_int_equal(kv_io_bytes_written(&s, true), 0);
	assert_int_equal(kv_io_bytes_read(&s), 0);
	assert_int_equal(s.kind[KV_FILE_WAL].syncs, 0);
	assert_int_equal(s.kind[KV_FILE_SST].files_removed, 0);
	assert_int_equal(s.trims, 0);
	assert_int_equal(s.live_bytes, 4320);
	assert_int_equal(s.peak_live_bytes, 4320);
	check_ok(dev, kv_dev_append(w, buf, 1), "append");
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.kind[KV_FILE_WAL].writes, 1);
	assert_int_equal(s.kind[KV_FILE_WAL].bytes_written, 1);
	kv_dev_close_file(w);
	kv_dev_close_file(p);
	kv_dev_close_file(bw);
}

static void test_live_bytes(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *a, *b, *c;
	struct kv_dev_stats s;
	char buf[300];

	memset(buf, 'L', sizeof(buf));
	expect_live(dev, 0);
	a = create_with(dev, "a", KV_FILE_SST, NULL);
	check_ok(dev, kv_dev_append(a, buf, 100), "append");
	b = create_with(dev, "b", KV_FILE_SST, NULL);
	check_ok(dev, kv_dev_append(b, buf, 50), "append");
	expect_live(dev, 150);
	kv_dev_close_file(a);

	/* Create over an existing file drops its old size. */
	a = create_with(dev, "a", KV_FILE_SST, NULL);
	expect_live(dev, 50);
	check_ok(dev, kv_dev_append(a, buf, 30), "append");
	expect_live(dev, 80);
	kv_dev_close_file(a);
	kv_dev_close_file(b);

	/* Rename over an existing file drops the target. */
	check_ok(dev, kv_dev_rename(dev, "b", "a"), "rename over");
	expect_live(dev, 50);
	check_ok(dev, kv_dev_remove(dev, "a"), "remove");
	expect_live(dev, 0);

	/* Truncate and write past the end. */
	c = create_with(dev, "c", KV_FILE_OTHER, NULL);
	check_ok(dev, kv_dev_append(c, buf, 200), "append");
	check_ok(dev, kv_dev_truncate(c, 50), "shrink");
	expect_live(dev, 50);
	check_ok(dev, kv_dev_truncate(c, 120), "extend");
	expect_live(dev, 120);
	check_ok(dev, kv_dev_write(c, 300, buf, 10), "write past the end");
	expect_live(dev, 310);
	check_ok(dev, kv_dev_write(c, 0, buf, 300), "write inside");
	expect_live(dev, 310);
	kv_dev_close_file(c);

	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.peak_live_bytes, 310);
	kv_dev_reset_stats(dev);
	check_ok(dev, kv_dev_remove(dev, "c"), "remove");
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.live_bytes, 0);
	assert_int_equal(s.peak_live_bytes, 310);

	/* Peak over a create-over-existing sequence. */
	kv_dev_reset_stats(dev);
	a = create_with(dev, "a", KV_FILE_SST, NULL);
	check_ok(dev, kv_dev_append(a, buf, 200), "append");
	kv_dev_close_file(a);
	a = create_with(dev, "a", KV_FILE_SST, NULL);
	check_ok(dev, kv_dev_append(a, buf, 150), "append");
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.live_bytes, 150);
	assert_int_equal(s.peak_live_bytes, 200);
	kv_dev_close_file(a);

	/* A second device instance over the same path starts from list + stat. */
	kv_dev_close(dev);
	fx->dev = dev = open_dev(fx);
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.live_bytes, recount(dev));
	assert_int_equal(s.peak_live_bytes, s.live_bytes);
	assert_int_equal(kv_io_bytes_written(&s, true), 0);
}

static void test_now_ns_monotonic(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	struct kv_file *f = create_with(dev, "clock", KV_FILE_OTHER, NULL);
	uint64_t prev = kv_dev_now_ns(dev), now;
	char buf[512];

	memset(buf, 'c', sizeof(buf));
	for (int i = 0; i < 300; i++) {
		check_ok(dev, kv_dev_append(f, buf, sizeof(buf)), "append");
		now = kv_dev_now_ns(dev);
		assert_true(now >= prev);
		prev = now;
		check_ok(dev, kv_dev_read(f, (uint64_t)i * 512, buf, 512), "read");
		now = kv_dev_now_ns(dev);
		assert_true(now >= prev);
		prev = now;
	}
	/* Some time passed over 600 I/Os, on any clock. */
	kv_dev_close_file(f);
	assert_true(kv_dev_now_ns(dev) >= prev);
}

static void test_unknown_option(void **state)
{
	struct fixture *fx = *state;
	struct kv_config *cfg = kv_config_new();
	struct kv_device *dev = fx->dev;
	struct kv_err err;

	assert_non_null(cfg);
	assert_int_equal(kv_config_set(cfg, "no_such_option", "1"), KV_OK);
	assert_int_equal(kv_dev_open(cur_ops, cfg, fx->dir, &dev, &err), KV_EINVAL);
	assert_null(dev);
	assert_non_null(strstr(kv_err_msg(&err), "no_such_option"));
	kv_config_free(cfg);
}

/* ----------------------------------------------------- randomized model */

#define MODEL_FILES 4
#define MODEL_MAX_BYTES (1u << 20)

struct model_file {
	char name[24];
	enum kv_file_kind kind;
	struct kv_file *f;
	char *data;
	size_t len, cap;
};

static void model_reserve(struct model_file *m, size_t need)
{
	size_t cap = m->cap ? m->cap : 4096;

	if (need <= m->cap)
		return;
	while (cap < need)
		cap *= 2;
	m->data = kv_realloc(KV_MEM_OTHER, m->data, m->cap, cap);
	assert_non_null(m->data);
	m->cap = cap;
}

/* A write of 0 bytes changes nothing, even past the end (like pwrite). */
static void model_put(struct model_file *m, size_t off, const char *buf, size_t len)
{
	if (len == 0)
		return;
	model_reserve(m, off + len);
	if (off > m->len)
		memset(m->data + m->len, 0, off - m->len);
	memcpy(m->data + off, buf, len);
	if (off + len > m->len)
		m->len = off + len;
}

static size_t rand_len(struct kv_rng *r)
{
	switch (kv_rng_below(r, 10)) {
	case 0:
		return 0;
	case 1:
		return (size_t)kv_rng_below(r, 65536);
	default:
		return (size_t)kv_rng_below(r, 600);
	}
}

static void test_random_model(void **state)
{
	struct fixture *fx = *state;
	struct kv_device *dev = fx->dev;
	static const enum kv_file_kind kinds[MODEL_FILES] = { KV_FILE_WAL, KV_FILE_SST,
							      KV_FILE_BTREE_PAGE, KV_FILE_OTHER };
	struct model_file m[MODEL_FILES];
	struct kv_io_counters want[KV_FILE__COUNT];
	uint64_t seed = tu_seed(20240611);
	long ops = tu_slow() ? 200000 : 20000;
	struct kv_rng r;
	char *wbuf = kv_malloc(KV_MEM_OTHER, 65536), *rbuf = kv_malloc(KV_MEM_OTHER, 65536);
	struct kv_dev_stats s;

	assert_non_null(wbuf);
	assert_non_null(rbuf);
	kv_rng_seed(&r, seed);
	memset(m, 0, sizeof(m));
	memset(want, 0, sizeof(want));
	for (int i = 0; i < MODEL_FILES; i++) {
		snprintf(m[i].name, sizeof(m[i].name), "model%u", (unsigned)i % 10u);
		m[i].kind = kinds[i];
		m[i].f = create_with(dev, m[i].name, kinds[i], NULL);
		want[kinds[i]].files_created++;
	}
	for (long op = 0; op < ops; op++) {
		struct model_file *x = &m[kv_rng_below(&r, MODEL_FILES)];
		struct kv_io_counters *w = &want[x->kind];
		uint64_t pick = kv_rng_below(&r, 100), size;
		size_t len = rand_len(&r), off;
		int rc;

		if (x->len + len > MODEL_MAX_BYTES)
			pick = 99; /* shrink instead of growing further */
		if (pick < 30) {
			kv_rng_fill(&r, wbuf, len);
			check_ok(dev, kv_dev_append(x->f, wbuf, len), "append");
			model_put(x, x->len, wbuf, len);
			w->writes++;
			w->bytes_written += len;
		} else if (pick < 55) {
			off = (size_t)kv_rng_below(&r, x->len + 300);
			kv_rng_fill(&r, wbuf, len);
			check_ok(dev, kv_dev_write(x->f, off, wbuf, len), "write");
			model_put(x, off, wbuf, len);
			w->writes++;
			w->bytes_written += len;
		} else if (pick < 85) {
			const void *view = NULL;
			off = (size_t)kv_rng_below(&r, x->len + 1);
			if (len > x->len - off)
				len = x->len - off;
			/* A view (kv_dev_map) where the device has one, else a read. */
			rc = pick < 70 ? kv_dev_map(x->f, off, len, &view) : KV_ENOTSUP;
			if (rc == KV_ENOTSUP)
				check_ok(dev, kv_dev_read(x->f, off, rbuf, len), "read");
			else
				check_ok(dev, rc, "map");
			if (view)
				memcpy(rbuf, view, len);
			if (len && memcmp(rbuf, x->data + off, len) != 0)
				fail_msg("op %ld: %s differs at %zu (+%zu), seed=%" PRIu64, op,
					 x->name, off, len, seed);
			w->reads++;
			w->bytes_read += len;
		} else if (pick < 88) {
			/* At most 200 bytes before the end, so len fits rbuf. */
			off = x->len + 10 -
			      (size_t)kv_rng_below(&r, x->len < 200 ? x->len + 11 : 211);
			len = x->len - (off < x->len ? off : x->len) + 1 + kv_rng_below(&r, 10);
			rc = kv_dev_read(x->f, off, rbuf, len);
			assert_int_equal(rc, KV_EIO);
			assert_non_null(strstr(kv_dev_errmsg(dev), x->name));
		} else if (pick < 89) {
			check_ok(dev, kv_dev_sync(x->f), "sync");
			w->syncs++;
		} else if (pick < 94) {
			kv_dev_close_file(x->f);
			check_ok(dev, kv_dev_open_file(dev, x->name, x->kind, &x->f), "reopen");
		} else if (pick < 97) {
			check_ok(dev, kv_dev_size(x->f, &size), "size");
			assert_int_equal(size, x->len);
		} else {
			size_t nl = (size_t)kv_rng_below(&r, x->len + x->len / 2 + 100);
			if (x->len + len > MODEL_MAX_BYTES || nl > MODEL_MAX_BYTES)
				nl = x->len / 4;
			check_ok(dev, kv_dev_truncate(x->f, nl), "truncate");
			if (nl > x->len) {
				model_reserve(x, nl);
				memset(x->data + x->len, 0, nl - x->len);
			}
			x->len = nl;
		}
		if (op % 97 == 0) {
			uint64_t live = 0;
			for (int i = 0; i < MODEL_FILES; i++)
				live += m[i].len;
			kv_dev_get_stats(dev, &s);
			if (s.live_bytes != live)
				fail_msg("op %ld: live_bytes %" PRIu64 " != %" PRIu64
					 ", seed=%" PRIu64,
					 op, s.live_bytes, live, seed);
		}
	}
	kv_dev_get_stats(dev, &s);
	for (int k = 0; k < KV_FILE__COUNT; k++) {
		assert_int_equal(s.kind[k].reads, want[k].reads);
		assert_int_equal(s.kind[k].bytes_read, want[k].bytes_read);
		assert_int_equal(s.kind[k].writes, want[k].writes);
		assert_int_equal(s.kind[k].bytes_written, want[k].bytes_written);
		assert_int_equal(s.kind[k].syncs, want[k].syncs);
		assert_int_equal(s.kind[k].files_created, want[k].files_created);
	}
	for (int i = 0; i < MODEL_FILES; i++) {
		uint64_t size;
		check_ok(dev, kv_dev_size(m[i].f, &size), "size");
		assert_int_equal(size, m[i].len);
		kv_dev_close_file(m[i].f);
		kv_free(KV_MEM_OTHER, m[i].data, m[i].cap);
	}
	expect_live(dev, m[0].len + m[1].len + m[2].len + m[3].len);
	kv_free(KV_MEM_OTHER, wbuf, 65536);
	kv_free(KV_MEM_OTHER, rbuf, 65536);
}

/* ---------------------------------------------------------------- main */

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	static const struct CMUnitTest tests[] = {
		CASE(test_create_append_read_size),
		CASE(test_write_at_offset),
		CASE(test_read_past_end),
		CASE(test_rename_replaces),
		CASE(test_remove),
		CASE(test_list),
		CASE(test_stat),
		CASE(test_truncate),
		CASE(test_counters_by_kind),
		CASE(test_live_bytes),
		CASE(test_now_ns_monotonic),
		CASE(test_unknown_option),
		CASE(test_random_model),
	};
	int failed = 0;

	for (size_t i = 0; kv_device_registry[i]; i++) {
		char group[64];

		cur_ops = kv_device_registry[i];
		assert_ptr_equal(kv_device_find(cur_ops->name), cur_ops);
		snprintf(group, sizeof(group), "device contract: %s", cur_ops->name);
		failed += _cmocka_run_group_tests(group, tests, sizeof(tests) / sizeof(tests[0]),
						  NULL, NULL);
	}
	if (kv_device_find("no-such-device") != NULL)
		failed++;
	return failed;
}
