/*
 * tests/unit/test_file_device.c - the file device (devices/file.c): errno
 * mapping and messages, options, directory creation, persistence across
 * device instances, what list shows, views without a copy (kv_dev_map)
 * and their budget (option mmap_bytes).
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/device.h"
#include "core/options.h"
#include "devices/file.h"



/* Open a file device on @path with name/value pairs (NULL-terminated). */
static int try_open(const char *path, const char *const *kv, struct kv_device **dev,
		    struct kv_err *err)
{
	struct kv_config *cfg = kv_config_new();
	int rc;

	assert_non_null(cfg);
	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_int_equal(kv_config_set(cfg, kv[i], kv[i + 1]), KV_OK);
	rc = kv_dev_open(&kv_file_device_ops, cfg, path, dev, err);
	kv_config_free(cfg);
	return rc;
}

static struct kv_device *open_dev(const char *const *kv)
{
	struct kv_device *dev = NULL;
	struct kv_err err;

	if (try_open(tu_tmpdir, kv, &dev, &err) != KV_OK)
		fail_msg("open file device: %s", kv_err_msg(&err));
	return dev;
}

static void ok(struct kv_device *dev, int rc)
{
	if (rc != KV_OK)
		fail_msg("%s: %s", kv_status_name(rc), kv_dev_errmsg(dev));
}

static void test_read_past_eof_message(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_file *f = NULL;
	char buf[64], path[128];

	(void)state;
	ok(dev, kv_dev_create(dev, "000012.sst", KV_FILE_SST, &f));
	ok(dev, kv_dev_append(f, "0123456789", 10));
	assert_int_equal(kv_dev_read(f, 4, buf, 20), KV_EIO);
	snprintf(path, sizeof(path), "'%s/000012.sst'", tu_tmpdir);
	assert_non_null(strstr(kv_dev_errmsg(dev), path));
	assert_non_null(strstr(kv_dev_errmsg(dev), "offset 4"));
	assert_non_null(strstr(kv_dev_errmsg(dev), "size 10"));
	assert_int_equal(kv_dev_read(f, 11, buf, 0), KV_EIO);
	ok(dev, kv_dev_read(f, 10, buf, 0));
	kv_dev_close_file(f);
	kv_dev_close(dev);
}

/*
 * kv_dev_map: the view shows the file's bytes and is counted as a read;
 * past the end is KV_EIO naming the file; a file that grows (here by
 * another handle) is mapped again while earlier views stay readable; a
 * write through a handle shows in the view (one page cache).
 */
static void test_map(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_file *w = NULL, *r = NULL;
	struct kv_dev_stats st;
	const void *v = NULL, *v2 = NULL;
	char big[20000];

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	ok(dev, kv_dev_create(dev, "000007.sst", KV_FILE_SST, &w));
	ok(dev, kv_dev_append(w, big, 100));
	ok(dev, kv_dev_open_file(dev, "000007.sst", KV_FILE_SST, &r));
	kv_dev_reset_stats(dev);
	ok(dev, kv_dev_map(r, 10, 50, &v));
	assert_memory_equal(v, big + 10, 50);
	kv_dev_get_stats(dev, &st);
	assert_int_equal(st.kind[KV_FILE_SST].reads, 1);
	assert_int_equal(st.kind[KV_FILE_SST].bytes_read, 50);
	assert_int_equal(kv_dev_map(r, 0, 0, &v2), KV_ENOTSUP);
	assert_int_equal(kv_dev_map(r, 60, 41, &v2), KV_EIO);
	assert_non_null(strstr(kv_dev_errmsg(dev), "000007.sst"));
	assert_non_null(strstr(kv_dev_errmsg(dev), "past the end"));
	kv_dev_get_stats(dev, &st);
	assert_int_equal(st.kind[KV_FILE_SST].reads, 1);

	ok(dev, kv_dev_append(w, big + 100, sizeof(big) - 100));
	ok(dev, kv_dev_map(r, sizeof(big) - 300, 300, &v2));
	assert_memory_equal(v2, big + sizeof(big) - 300, 300);
	assert_memory_equal(v, big + 10, 50); /* the first view is still mapped */
	ok(dev, kv_dev_write(w, 10, "XYZ", 3));
	assert_memory_equal(v, "XYZ", 3);
	kv_dev_close_file(r);
	kv_dev_close_file(w);
	kv_dev_close(dev);
}

/*
 * A handle that shrinks its own file no longer maps past the new end
 * (KV_EIO, as a read); the option mmap=false makes every map KV_ENOTSUP,
 * counted as nothing, while reads work.
 */
static void test_map_shrink_and_option(void **state)
{
	static const char *const no_mmap[] = { "mmap", "false", NULL };
	struct kv_device *dev = open_dev(NULL);
	struct kv_file *f = NULL;
	struct kv_dev_stats st;
	const void *v = NULL;
	char buf[8192];

	(void)state;
	memset(buf, 'q', sizeof(buf));
	ok(dev, kv_dev_create(dev, "000009.sst", KV_FILE_SST, &f));
	ok(dev, kv_dev_append(f, buf, sizeof(buf)));
	ok(dev, kv_dev_map(f, 8000, 192, &v));
	assert_memory_equal(v, buf, 192);
	ok(dev, kv_dev_truncate(f, 100));
	assert_int_equal(kv_dev_map(f, 90, 20, &v), KV_EIO);
	assert_non_null(strstr(kv_dev_errmsg(dev), "past the end"));
	ok(dev, kv_dev_map(f, 90, 10, &v));
	assert_memory_equal(v, buf, 10);
	kv_dev_close_file(f);
	kv_dev_close(dev);

	dev = open_dev(no_mmap);
	ok(dev, kv_dev_open_file(dev, "000009.sst", KV_FILE_SST, &f));
	kv_dev_reset_stats(dev);
	v = NULL;
	assert_int_equal(kv_dev_map(f, 0, 10, &v), KV_ENOTSUP);
	assert_null(v);
	kv_dev_get_stats(dev, &st);
	assert_int_equal(st.kind[KV_FILE_SST].reads, 0);
	ok(dev, kv_dev_read(f, 0, buf, 100));
	kv_dev_close_file(f);
	kv_dev_close(dev);
}

/* Create @name holding @len bytes of @c; the handle is closed. */
static void make_file(struct kv_device *dev, const char *name, size_t len, char c)
{
	struct kv_file *f = NULL;
	char buf[4096];

	memset(buf, c, sizeof(buf));
	ok(dev, kv_dev_create(dev, name, KV_FILE_SST, &f));
	for (size_t done = 0; done < len; done += sizeof(buf))
		ok(dev, kv_dev_append(f, buf, len - done < sizeof(buf) ? len - done : sizeof(buf)));
	kv_dev_close_file(f);
}

/* A file device whose mappings may take @pages pages (option mmap_bytes). */
static struct kv_device *open_budget_dev(size_t pages)
{
	char budget[32];
	const char *const opts[] = { "mmap_bytes", budget, NULL };

	snprintf(budget, sizeof(budget), "%zu", pages * (size_t)sysconf(_SC_PAGESIZE));
	return open_dev(opts);
}

/*
 * mmap_bytes = 3 pages: a 2-page file maps; a second one would pass the
 * budget, so its map is KV_ENOTSUP (counted as nothing) while reads of it
 * work; closing the first handle returns its pages, and then the second
 * maps and the first, opened again, does not.
 */
static void test_map_budget(void **state)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct kv_device *dev = open_budget_dev(3);
	struct kv_file *a = NULL, *b = NULL;
	struct kv_dev_stats st;
	const void *va = NULL, *vb = NULL;
	char buf[64];

	(void)state;
	make_file(dev, "000001.sst", 2 * page, 'a');
	make_file(dev, "000002.sst", 2 * page, 'b');
	ok(dev, kv_dev_open_file(dev, "000001.sst", KV_FILE_SST, &a));
	ok(dev, kv_dev_open_file(dev, "000002.sst", KV_FILE_SST, &b));
	ok(dev, kv_dev_map(a, page, 64, &va));
	assert_memory_equal(va, "aaaa", 4);
	kv_dev_reset_stats(dev);
	assert_int_equal(kv_dev_map(b, 0, 64, &vb), KV_ENOTSUP);
	assert_null(vb);
	kv_dev_get_stats(dev, &st);
	assert_int_equal(st.kind[KV_FILE_SST].reads, 0);
	ok(dev, kv_dev_read(b, page, buf, sizeof(buf)));
	assert_memory_equal(buf, "bbbb", 4);
	ok(dev, kv_dev_map(a, 0, 2 * page, &va)); /* inside a's mapping: no new pages */

	kv_dev_close_file(a);
	ok(dev, kv_dev_map(b, 0, 64, &vb));
	assert_memory_equal(vb, "bbbb", 4);
	ok(dev, kv_dev_open_file(dev, "000001.sst", KV_FILE_SST, &a));
	assert_int_equal(kv_dev_map(a, 0, 64, &va), KV_ENOTSUP);
	ok(dev, kv_dev_read(a, 0, buf, sizeof(buf)));
	kv_dev_close_file(a);
	kv_dev_close_file(b);
	kv_dev_close(dev);
}

/*
 * A growing file is mapped again at 1.5 times its size, and that whole
 * length is what the budget counts: with 3 pages, a 1-page file maps, but
 * at 2 pages its new mapping (3 pages) would take 4 in all, so the map of
 * the new bytes is KV_ENOTSUP while the first view and ranges inside the
 * first mapping still work. After close the whole budget is free again.
 */
static void test_map_budget_growing_file(void **state)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct kv_device *dev = open_budget_dev(3);
	struct kv_file *w = NULL, *r = NULL;
	const void *v = NULL, *v2 = NULL;
	char *buf = kv_malloc(KV_MEM_OTHER, 2 * page);

	(void)state;
	assert_non_null(buf);
	memset(buf, 'g', 2 * page);
	ok(dev, kv_dev_create(dev, "000003.sst", KV_FILE_SST, &w));
	ok(dev, kv_dev_append(w, buf, page));
	ok(dev, kv_dev_open_file(dev, "000003.sst", KV_FILE_SST, &r));
	ok(dev, kv_dev_map(r, 0, page, &v));
	ok(dev, kv_dev_append(w, buf, page));
	assert_int_equal(kv_dev_map(r, page, 16, &v2), KV_ENOTSUP);
	ok(dev, kv_dev_map(r, 16, 16, &v2));
	assert_memory_equal(v, buf, page);
	kv_dev_close_file(r);

	/* Nothing of r's mapping is left over: 2 pages map in one go. */
	ok(dev, kv_dev_open_file(dev, "000003.sst", KV_FILE_SST, &r));
	ok(dev, kv_dev_map(r, page, 16, &v2));
	assert_memory_equal(v2, buf, 16);
	kv_dev_close_file(r);
	kv_dev_close_file(w);
	kv_dev_close(dev);
	kv_free(KV_MEM_OTHER, buf, 2 * page);
}

static void test_missing_files(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_file *f = NULL;
	uint64_t size;

	(void)state;
	assert_int_equal(kv_dev_open_file(dev, "000099.log", KV_FILE_WAL, &f), KV_NOTFOUND);
	assert_null(f);
	assert_non_null(strstr(kv_dev_errmsg(dev), "000099.log"));
	assert_int_equal(kv_dev_remove(dev, "000099.log"), KV_NOTFOUND);
	assert_int_equal(kv_dev_stat(dev, "000099.log", &size), KV_NOTFOUND);
	/* Renaming a missing file is an error, not an outcome. */
	assert_int_equal(kv_dev_rename(dev, "000099.log", "x"), KV_EIO);
	assert_non_null(strstr(kv_dev_errmsg(dev), "000099.log"));
	assert_non_null(strstr(kv_dev_errmsg(dev), "No such file"));
	kv_dev_close(dev);
}

static void test_options(void **state)
{
	static const char *const no_fsync[] = { "fsync", "false", NULL };
	static const char *const bad_value[] = { "fsync", "maybe", NULL };
	static const char *const unknown[] = { "fsyncc", "true", NULL };
	static const char *const mem_only[] = { "capacity", "1GB", NULL };
	static const char *const budget_too_big[] = { "mmap_bytes", "2TiB", NULL };
	static const char *const budget_not_bytes[] = { "mmap_bytes", "lots", NULL };
	struct kv_device *dev = open_dev(no_fsync);
	struct kv_file *f = NULL;
	struct kv_err err;

	(void)state;
	ok(dev, kv_dev_create(dev, "a", KV_FILE_OTHER, &f));
	ok(dev, kv_dev_append(f, "x", 1));
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);
	kv_dev_close(dev);

	dev = NULL;
	assert_int_equal(try_open(tu_tmpdir, bad_value, &dev, &err), KV_EINVAL);
	assert_null(dev);
	assert_non_null(strstr(kv_err_msg(&err), "fsync"));
	assert_non_null(strstr(kv_err_msg(&err), "maybe"));
	assert_int_equal(try_open(tu_tmpdir, unknown, &dev, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "fsyncc"));
	assert_int_equal(try_open(tu_tmpdir, mem_only, &dev, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "capacity"));
	assert_int_equal(try_open(tu_tmpdir, budget_too_big, &dev, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "'mmap_bytes'"));
	assert_non_null(strstr(kv_err_msg(&err), "out of range"));
	assert_int_equal(try_open(tu_tmpdir, budget_not_bytes, &dev, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "'mmap_bytes'"));
	assert_non_null(strstr(kv_err_msg(&err), "lots"));
	assert_null(dev);
	assert_int_equal(kv_mem_in_use(KV_MEM_DEVICE), 0);
}

static void test_bad_paths(void **state)
{
	struct kv_device *dev = NULL;
	struct kv_err err;
	char path[128];
	int fd;

	(void)state;
	assert_int_equal(try_open(NULL, NULL, &dev, &err), KV_EINVAL);
	assert_null(dev);
	assert_non_null(strstr(kv_err_msg(&err), "path"));

	/* A regular file where the directory should be. */
	snprintf(path, sizeof(path), "%s/plain", tu_tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_true(try_open(path, NULL, &dev, &err) < 0);
	assert_null(dev);
	assert_non_null(strstr(kv_err_msg(&err), path));
	assert_int_equal(kv_mem_in_use(KV_MEM_DEVICE), 0);
}

static void test_nested_dir_and_persistence(void **state)
{
	struct kv_device *dev = NULL;
	struct kv_file *f = NULL;
	struct kv_dev_stats s;
	struct kv_err err;
	char path[128], buf[8];
	uint64_t size;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", tu_tmpdir);
	if (try_open(path, NULL, &dev, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	ok(dev, kv_dev_create(dev, "000001.sst", KV_FILE_SST, &f));
	ok(dev, kv_dev_append(f, "persist", 7));
	ok(dev, kv_dev_sync(f));
	kv_dev_close_file(f);
	ok(dev, kv_dev_create(dev, "000002.sst", KV_FILE_SST, &f));
	ok(dev, kv_dev_append(f, "abc", 3));
	kv_dev_close_file(f);
	kv_dev_close(dev);

	/* A new instance sees the files and counts them as live. */
	dev = NULL;
	if (try_open(path, NULL, &dev, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.live_bytes, 10);
	ok(dev, kv_dev_stat(dev, "000001.sst", &size));
	assert_int_equal(size, 7);
	ok(dev, kv_dev_open_file(dev, "000001.sst", KV_FILE_SST, &f));
	ok(dev, kv_dev_read(f, 0, buf, 7));
	assert_memory_equal(buf, "persist", 7);
	kv_dev_close_file(f);
	/* The kind of a removed file is the one it was last opened with; a
	   file this instance never opened is removed as kind "other". */
	ok(dev, kv_dev_remove(dev, "000001.sst"));
	ok(dev, kv_dev_remove(dev, "000002.sst"));
	kv_dev_get_stats(dev, &s);
	assert_int_equal(s.kind[KV_FILE_SST].files_removed, 1);
	assert_int_equal(s.kind[KV_FILE_OTHER].files_removed, 1);
	assert_int_equal(s.live_bytes, 0);
	kv_dev_close(dev);
}

static void count_cb(void *ud, const char *name)
{
	size_t *n = ud;

	assert_string_not_equal(name, "subdir");
	(*n)++;
}

static void test_list_skips_directories(void **state)
{
	struct kv_device *dev = open_dev(NULL);
	struct kv_file *f = NULL;
	char path[128];
	size_t n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/subdir", tu_tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	ok(dev, kv_dev_create(dev, "one", KV_FILE_OTHER, &f));
	kv_dev_close_file(f);
	ok(dev, kv_dev_list(dev, count_cb, &n));
	assert_int_equal(n, 1);
	kv_dev_close(dev);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		TU_TMPDIR_TEST(test_read_past_eof_message),
		TU_TMPDIR_TEST(test_map),
		TU_TMPDIR_TEST(test_map_shrink_and_option),
		TU_TMPDIR_TEST(test_map_budget),
		TU_TMPDIR_TEST(test_map_budget_growing_file),
		TU_TMPDIR_TEST(test_missing_files),
		TU_TMPDIR_TEST(test_options),
		TU_TMPDIR_TEST(test_bad_paths),
		TU_TMPDIR_TEST(test_nested_dir_and_persistence),
		TU_TMPDIR_TEST(test_list_skips_directories),
	};

	return cmocka_run_group_tests_name("file device", tests, NULL, NULL);
}
