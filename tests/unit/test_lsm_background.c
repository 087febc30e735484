/*
 * tests/unit/test_lsm_background.c - the LSM engine with background jobs
 * (a flush and compaction thread) on the file device:
 *  - a randomized run of puts, deletes, gets and scans with tiny buffers,
 *    so flushes and compactions overlap the foreground, checked against
 *    a reference map at every read (run it under ThreadSanitizer too);
 *  - close with a flush and compactions pending, reopen (with and without
 *    background jobs): every acknowledged write is there;
 *  - the same after the process is killed in the middle of its jobs;
 *  - the option is ignored on a simulation device (jobs stay inline).
 * LSMLAB_SLOW=1 makes the randomized run 10x longer.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/lsm/lsm.h"
#include "devices/file.h"
#include "devices/mem.h"
#include "tests/engine_harness.h"
#include "tests/testutil.h"

#define NKEYS 3000
#define VAL_MAX 300

/* Small buffers and triggers: a flush every few hundred writes, and
   compactions nearly all the time. */
static const char *const tiny[] = {
	"write_buffer_size", "16KiB", "level0_file_num_compaction_trigger", "2",
	"max_bytes_for_level_base", "64KiB", "target_file_size_base", "16KiB",
	"max_bytes_for_level_multiplier", "4", "block_cache_size", "64KiB",
	"level0_stop_writes_trigger", "4", "paranoid_checks", "true", NULL,
};

/* The file-device LSM configuration of the harness, with @background. */
static void env_init(struct th_env *env, const char *background)
{
	const struct th_config *cfgs;
	size_t n = th_matrix(&cfgs);

	for (size_t i = 0; i < n; i++) {
		if (cfgs[i].engine != &kv_lsm_engine_ops || cfgs[i].device != &kv_file_device_ops ||
		    cfgs[i].inline_jobs)
			continue;
		struct kv_config *c = kv_config_new();
		struct kv_device *dev;
		struct kv_err err = { 0 };
		char dir[sizeof(env->dir)];

		snprintf(dir, sizeof(dir), "/tmp/lsmlab-bg-XXXXXX");
		assert_non_null(mkdtemp(dir));
		/* fsync off: the test is about threads, not disks. */
		assert_int_equal(kv_config_set(c, "fsync", "false"), KV_OK);
		if (kv_dev_open(&kv_file_device_ops, c, dir, &dev, &err) != KV_OK)
			fail_msg("file device: %s", kv_err_msg(&err));
		kv_config_free(c);
		th_env_init_dev(env, &cfgs[i], dev);
		memcpy(env->dir, dir, sizeof(dir)); /* th_env_destroy removes it */
		for (size_t k = 0; tiny[k]; k += 2)
			th_env_set(env, tiny[k], tiny[k + 1]);
		th_env_set(env, "background_jobs", background);
		return;
	}
	fail_msg("no lsm@file configuration in the harness matrix");
}

struct report_find {
	const char *name;
	bool found;
	double value;
};

static void report_cb(void *ud, const char *name, double value)
{
	struct report_find *f = ud;

	if (strcmp(name, f->name) == 0) {
		f->found = true;
		f->value = value;
	}
}

/* True if the engine reports @name (write_stalls: background jobs on). */
static bool reports(struct kv_engine *e, const char *name, double *value)
{
	struct report_find f = { .name = name };

	kv_engine_report(e, report_cb, &f);
	if (value)
		*value = f.value;
	return f.found;
}

static void key_of(char *buf, size_t len, uint64_t i)
{
	snprintf(buf, len, "k%06llu", (unsigned long long)i);
}

static void want_get(struct kv_engine *e, const struct tu_refmap *ref, struct kv_slice k)
{
	struct kv_slice v, want;
	bool present = tu_refmap_get(ref, k, &want);
	int r = kv_engine_get(e, k, &v);

	if (!present) {
		if (r != KV_NOTFOUND)
			fail_msg("get '%.*s': expected NOTFOUND, got %d (%s)", (int)k.len, k.data, r,
				 kv_engine_errmsg(e));
		return;
	}
	if (r != KV_OK)
		fail_msg("get '%.*s': got %d (%s)", (int)k.len, k.data, r, kv_engine_errmsg(e));
	assert_int_equal(v.len, want.len);
	assert_memory_equal(v.data, want.data, v.len);
}

/* Scan from @lo for at most @max entries (0: all) and compare. */
static void want_scan(struct kv_engine *e, const struct tu_refmap *ref, struct kv_slice lo,
		      size_t max)
{
	struct tu_refmap_cursor c;
	struct kv_iter *it;
	size_t n = 0;

	assert_int_equal(kv_engine_scan(e, lo, kv_slice_make(NULL, 0), &it), KV_OK);
	tu_refmap_seek(ref, lo.data ? lo : kv_slice_make("", 0), &c);
	for (; kv_iter_valid(it) && (max == 0 || n < max); kv_iter_next(it), n++) {
		struct kv_slice k = kv_iter_key(it), v = kv_iter_value(it);
		if (!tu_refmap_cursor_valid(&c))
			fail_msg("scan: extra key '%.*s'", (int)k.len, k.data);
		if (!kv_slice_eq(k, tu_refmap_cursor_key(&c)))
			fail_msg("scan: got '%.*s', expected '%.*s'", (int)k.len, k.data,
				 (int)tu_refmap_cursor_key(&c).len, tu_refmap_cursor_key(&c).data);
		assert_true(kv_slice_eq(v, tu_refmap_cursor_value(&c)));
		tu_refmap_cursor_next(&c);
	}
	assert_int_equal(kv_iter_status(it), KV_OK);
	if (max == 0 || n < max)
		assert_false(tu_refmap_cursor_valid(&c));
	kv_iter_close(it);
}

/* Random writes (recorded in @ref) and checked reads. */
static void random_ops(struct kv_engine *e, struct tu_refmap *ref, struct kv_rng *rng, long n)
{
	char key[32], val[VAL_MAX];

	for (long i = 0; i < n; i++) {
		uint64_t op = kv_rng_below(rng, 100);
		struct kv_slice k;

		key_of(key, sizeof(key), kv_rng_below(rng, NKEYS));
		k = kv_slice_str(key);
		if (op < 55) {
			size_t vl = (size_t)kv_rng_below(rng, VAL_MAX + 1);
			tu_rand_bytes(rng, val, vl);
			assert_int_equal(kv_engine_put(e, k, kv_slice_make(val, vl)), KV_OK);
			tu_refmap_put(ref, k, kv_slice_make(val, vl));
		} else if (op < 70) {
			assert_int_equal(kv_engine_delete(e, k), KV_OK);
			tu_refmap_del(ref, k);
		} else if (op < 96) {
			want_get(e, ref, k);
		} else if (op < 99) {
			want_scan(e, ref, k, 1 + (size_t)kv_rng_below(rng, 40));
		} else if (kv_rng_below(rng, 100) == 0) {
			assert_int_equal(kv_engine_flush(e), KV_OK);
		}
	}
}

static void test_random_with_background_jobs(void **state)
{
	struct th_env env;
	struct kv_engine *e;
	struct tu_refmap *ref = tu_refmap_new();
	struct kv_rng rng;
	double flushes = 0, stalls = 0;
	long n = tu_slow() ? 600000 : 60000;

	(void)state;
	env_init(&env, "true");
	e = th_open(&env);
	kv_rng_seed(&rng, tu_seed(0xb6c0de));
	assert_true(reports(e, "write_stalls", NULL));
	random_ops(e, ref, &rng, n);
	want_scan(e, ref, kv_slice_make(NULL, 0), 0);
	assert_true(reports(e, "flushes", &flushes));
	assert_true(flushes > 20);
	assert_true(reports(e, "write_stalls", &stalls));
	/* How much the threads overlapped (timing: printed, not asserted). */
	print_message("flushes %.0f, writes that waited for the thread %.0f\n", flushes, stalls);
	assert_true(kv_engine_wait_idle(e));
	assert_int_equal(kv_engine_check(e), KV_OK);
	assert_int_equal(kv_engine_compact_all(e), KV_OK);
	want_scan(e, ref, kv_slice_make(NULL, 0), 0);
	assert_int_equal(kv_engine_check(e), KV_OK);
	kv_engine_close(e);
	tu_refmap_free(ref);
	th_env_destroy(&env);
}

static void check_all(struct kv_engine *e, const struct tu_refmap *ref)
{
	char key[32];

	for (uint64_t i = 0; i < NKEYS; i++) {
		key_of(key, sizeof(key), i);
		want_get(e, ref, kv_slice_str(key));
	}
	want_scan(e, ref, kv_slice_make(NULL, 0), 0);
	assert_int_equal(kv_engine_check(e), KV_OK);
}

/* Close right after writes (work pending), reopen: nothing is lost. */
static void test_close_with_pending_work(void **state)
{
	struct th_env env;
	struct tu_refmap *ref = tu_refmap_new();
	struct kv_rng rng;
	char key[32], val[VAL_MAX];

	(void)state;
	env_init(&env, "true");
	kv_rng_seed(&rng, tu_seed(0xc105e));
	for (int round = 0; round < 6; round++) {
		/* Alternate: reopen with background jobs, and without. */
		struct kv_engine *e;
		th_env_set(&env, "background_jobs", round % 2 ? "false" : "true");
		e = th_open(&env);
		check_all(e, ref);
		for (int i = 0; i < 4000; i++) {
			size_t vl = (size_t)kv_rng_below(&rng, VAL_MAX + 1);
			key_of(key, sizeof(key), kv_rng_below(&rng, NKEYS));
			if (kv_rng_below(&rng, 10) == 0) {
				assert_int_equal(kv_engine_delete(e, kv_slice_str(key)), KV_OK);
				tu_refmap_del(ref, kv_slice_str(key));
				continue;
			}
			tu_rand_bytes(&rng, val, vl);
			assert_int_equal(kv_engine_put(e, kv_slice_str(key), kv_slice_make(val, vl)),
					 KV_OK);
			tu_refmap_put(ref, kv_slice_str(key), kv_slice_make(val, vl));
		}
		kv_engine_close(e);
	}
	{
		struct kv_engine *e;
		th_env_set(&env, "background_jobs", "true");
		e = th_open(&env);
		check_all(e, ref);
		kv_engine_close(e);
	}
	tu_refmap_free(ref);
	th_env_destroy(&env);
}

/* Key i's value in the crash test: deterministic, 20..219 bytes. */
static size_t crash_value(uint64_t i, char *buf)
{
	size_t n = 20 + (size_t)(i * 2654435761u % 200);

	for (size_t k = 0; k < n; k++)
		buf[k] = (char)('a' + (i + k) % 26);
	return n;
}

/* The child of the crash test: puts keys 0, 1, ... and reports each
   acknowledged one on @fd until it is killed. Never returns. */
static void crash_child(struct th_env *env, int fd)
{
	struct kv_engine *e = NULL;
	struct kv_err err = { 0 };
	char key[32], val[VAL_MAX];

	if (th_try_open(env, &e, &err) != KV_OK)
		_exit(2);
	for (uint64_t i = 0;; i++) {
		size_t n = crash_value(i, val);
		key_of(key, sizeof(key), i % 50000);
		if (kv_engine_put(e, kv_slice_str(key), kv_slice_make(val, n)) != KV_OK)
			_exit(3);
		if (write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i))
			_exit(4);
	}
}

/*
 * A process killed while its background thread flushes and compacts (the
 * kill lands anywhere in a job: a table half written, a manifest edit not
 * yet made, files not yet deleted): every acknowledged put is there after
 * reopening. (A kill, not a power cut: written bytes are in the page
 * cache, which is what wal_sync=none promises.)
 */
static void test_kill_during_background_jobs(void **state)
{
	struct th_env env;
	struct kv_engine *e;
	uint64_t acked = 0, i, got;
	char key[32], val[VAL_MAX];
	int fds[2];
	pid_t pid;

	(void)state;
	env_init(&env, "true");
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(&env, fds[1]);
	}
	close(fds[1]);
	/* Enough puts for many flushes and compactions, then kill. */
	while (acked < 60000 && read(fds[0], &got, sizeof(got)) == (ssize_t)sizeof(got))
		acked = got + 1;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	while (read(fds[0], &got, sizeof(got)) == (ssize_t)sizeof(got))
		acked = got + 1;
	close(fds[0]);
	print_message("killed after %llu acknowledged puts\n", (unsigned long long)acked);
	assert_true(acked >= 60000);
	assert_int_equal(kv_dev_refresh(env.dev), KV_OK); /* files the child made */
	e = th_open(&env);
	/* The last acknowledged value of each key (keys repeat every 50000). */
	for (i = acked > 50000 ? acked - 50000 : 0; i < acked; i++) {
		struct kv_slice v;
		size_t n = crash_value(i, val);
		key_of(key, sizeof(key), i % 50000);
		if (kv_engine_get(e, kv_slice_str(key), &v) != KV_OK)
			fail_msg("put %llu ('%s') lost", (unsigned long long)i, key);
		if (v.len != n || memcmp(v.data, val, n) != 0) {
			/* Only a put after the last acknowledged one may show. */
			size_t n2 = crash_value(i + 50000, val);
			assert_int_equal(v.len, n2);
			assert_memory_equal(v.data, val, n2);
			assert_true(i + 50000 == acked);
		}
	}
	assert_int_equal(kv_engine_check(e), KV_OK);
	kv_engine_close(e);
	th_env_destroy(&env);
}

/* A simulation device runs the jobs inline whatever the option says. */
static void test_simulation_device_stays_inline(void **state)
{
	const struct th_config *cfgs;
	size_t n = th_matrix(&cfgs);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct th_env env;
		struct kv_engine *e;

		if (cfgs[i].engine != &kv_lsm_engine_ops || cfgs[i].device != &kv_mem_device_ops)
			continue;
		th_env_init(&env, &cfgs[i]);
		th_env_set(&env, "background_jobs", "true");
		e = th_open(&env);
		assert_false(reports(e, "write_stalls", NULL));
		assert_false(kv_engine_wait_idle(e));
		kv_engine_close(e);
		th_env_destroy(&env);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_with_background_jobs),
		cmocka_unit_test(test_close_with_pending_work),
		cmocka_unit_test(test_kill_during_background_jobs),
		cmocka_unit_test(test_simulation_device_stays_inline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
