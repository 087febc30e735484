/*
 * tests/unit/test_file_device.c - the file device (devices/file.c): errno
 * mapping and messages, options, directory creation, persistence across
 * device instances, what list shows, views without a copy (kv_dev_map).
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

#define TMP_TEMPLATE "/tmp/lsmlab-filedev-XXXXXX"

static char tmpdir[sizeof(TMP_TEMPLATE)];

static int setup(void **state)
{
	(void)state;
	memcpy(tmpdir, TMP_TEMPLATE, sizeof(TMP_TEMPLATE));
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tu_remove_tree(tmpdir);
	return 0;
}

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

	if (try_open(tmpdir, kv, &dev, &err) != KV_OK)
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
	snprintf(path, sizeof(path), "'%s/000012.sst'", tmpdir);
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
	assert_int_equal(try_open(tmpdir, bad_value, &dev, &err), KV_EINVAL);
	assert_null(dev);
	assert_non_null(strstr(kv_err_msg(&err), "fsync"));
	assert_non_null(strstr(kv_err_msg(&err), "maybe"));
	assert_int_equal(try_open(tmpdir, unknown, &dev, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "fsyncc"));
	assert_int_equal(try_open(tmpdir, mem_only, &dev, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), "capacity"));
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
	snprintf(path, sizeof(path), "%s/plain", tmpdir);
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
	snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
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
	snprintf(path, sizeof(path), "%s/subdir", tmpdir);
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
		cmocka_unit_test_setup_teardown(test_read_past_eof_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_shrink_and_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested_dir_and_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_skips_directories, setup, teardown),
	};

	return cmocka_run_group_tests_name("file device", tests, NULL, NULL);
}
