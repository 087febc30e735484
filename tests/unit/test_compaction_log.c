/*
 * tests/unit/test_compaction_log.c - the compaction log CSV against the
 * engine's own per-level statistics, for every registered strategy: one
 * row per job, rows per output level = jobs into that level, bytes written
 * and moved, entries and tombstones dropped all add up; each row's inputs
 * cell agrees with its totals; flush rows carry the memtable. Errors: an
 * engine without compactions and an uncreatable file are rejected by name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lsm/lsm.h"
#include "core/rng.h"
#include "devices/mem.h"
#include "lua/compaction_log.h"
#include "strategies/registry.h"
#include "tests/testutil.h"

static uint64_t g_seed;
static char g_dir[256];

/* Sums of the log's rows for one output level. */
struct level_sums {
	uint64_t jobs, written, moved, dropped, tombstones;
};

static struct kv_device *mem_dev(void)
{
	struct kv_device *dev;
	struct kv_config *c = kv_config_new();
	struct kv_err err = { 0 };

	assert_non_null(c);
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, c, NULL, &dev, &err), KV_OK);
	kv_config_free(c);
	return dev;
}

static struct kv_engine *open_engine(const struct kv_engine_ops *ops, struct kv_device *dev,
				     const struct kv_strategy_ops *st)
{
	static const char *const small[] = {
		"write_buffer_size", "32KiB", "max_bytes_for_level_base", "128KiB",
		"target_file_size_base", "32KiB", NULL,
	};
	struct kv_config *c = kv_config_new();
	struct kv_engine_args a = { .cfg = c, .dev = dev, .strategy = st };
	struct kv_engine *e = NULL;
	struct kv_err err = { 0 };

	assert_non_null(c);
	/* write_buffer_size always; the level sizes where the strategy has them */
	for (size_t i = 0; st && small[i]; i += 2)
		if (i == 0 || kv_option_find(st->options, small[i]))
			assert_int_equal(kv_config_set(c, small[i], small[i + 1]), KV_OK);
	if (kv_engine_open(ops, &a, &e, &err) != KV_OK)
		fail_msg("open %s: %s", ops->name, kv_err_msg(&err));
	kv_config_free(c);
	return e;
}

/* Overwrites and deletes over a small key space: drops happen. */
static void write_mix(struct kv_engine *e, struct kv_rng *rng, int n)
{
	char key[16], value[80];

	for (int i = 0; i < n; i++) {
		int len = snprintf(key, sizeof(key), "k%06" PRIu64, kv_rng_below(rng, 4000));
		struct kv_slice k = kv_slice_make(key, (size_t)len);

		if (kv_rng_below(rng, 10) == 0) {
			assert_int_equal(kv_engine_delete(e, k), KV_OK);
		} else {
			kv_rng_fill(rng, value, sizeof(value));
			assert_int_equal(kv_engine_put(e, k, kv_slice_make(value, sizeof(value))),
					 KV_OK);
		}
	}
}

/* Check one row's inputs cell against its totals; returns the output level. */
static int check_row(char *line, struct level_sums *sums, uint64_t expect_job, int *flushes)
{
	char *field[17], *save = NULL, *p = line;
	uint64_t in_files = 0, in_bytes = 0, in_entries = 0, job;
	int n = 0, level;

	for (char *t = strtok_r(p, ",\n", &save); t && n < 17; t = strtok_r(NULL, ",\n", &save))
		field[n++] = t;
	assert_int_equal(n, 17);
	job = strtoull(field[0], NULL, 10);
	assert_int_equal(job, expect_job);
	assert_int_equal(strtoull(field[3], NULL, 10),
			 strtoull(field[2], NULL, 10) - strtoull(field[1], NULL, 10));
	level = atoi(field[7]);
	assert_true(level >= 0 && level < KV_MAX_LEVELS);
	if (strcmp(field[6], "flush") == 0) {
		unsigned long long e, b;
		assert_int_equal(sscanf(field[8], "mem=%llu/%llu", &e, &b), 2);
		assert_true(e > 0 && b > 0);
		in_bytes = b;
		in_entries = e;
		(*flushes)++;
	} else {
		char *cell_save = NULL;
		for (char *t = strtok_r(field[8], " ", &cell_save); t;
		     t = strtok_r(NULL, " ", &cell_save)) {
			unsigned long long f, b, e;
			int l;
			assert_int_equal(sscanf(t, "L%d=%llu/%llu/%llu", &l, &f, &b, &e), 4);
			in_files += f;
			in_bytes += b;
			in_entries += e;
		}
		assert_true(in_files > 0);
	}
	assert_int_equal(strtoull(field[9], NULL, 10), in_files);
	assert_int_equal(strtoull(field[10], NULL, 10), in_bytes);
	assert_int_equal(strtoull(field[11], NULL, 10), in_entries);
	sums[level].jobs++;
	if (strcmp(field[6], "move") == 0)
		sums[level].moved += strtoull(field[13], NULL, 10);
	else
		sums[level].written += strtoull(field[13], NULL, 10);
	sums[level].dropped += strtoull(field[15], NULL, 10);
	sums[level].tombstones += strtoull(field[16], NULL, 10);
	return level;
}

static void count_flushes(void *ud, const char *trigger, uint64_t count)
{
	if (strcmp(trigger, "flush") == 0)
		*(uint64_t *)ud = count;
}

static void run_strategy(const struct kv_strategy_ops *st)
{
	struct kv_device *dev = mem_dev();
	struct kv_engine *e = open_engine(&kv_lsm_engine_ops, dev, st);
	struct level_sums sums[KV_MAX_LEVELS] = { 0 };
	struct kv_compaction_log *log;
	struct kv_err err = { 0 };
	struct kv_rng rng;
	char path[300], line[4096];
	uint64_t rows = 0, flushes_engine = 0;
	int flushes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.csv", g_dir, st->name);
	assert_int_equal(kv_compaction_log_open(path, e, &log, &err), KV_OK);
	kv_rng_seed(&rng, g_seed);
	write_mix(e, &rng, 40000);
	/* Detach before the engine's close, whose own flush the stats below miss. */
	kv_lsm_set_job_listener(e, NULL, NULL);
	rows = kv_compaction_log_jobs(log);
	assert_int_equal(kv_compaction_log_close(log, &err), KV_OK);

	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_true(strncmp(line, "job,start_ns,end_ns,job_ns,strategy,", 36) == 0);
	for (uint64_t i = 1; fgets(line, sizeof(line), f); i++) {
		assert_non_null(strstr(line, st->name));
		check_row(line, sums, i, &flushes);
		assert_true(i <= rows);
	}
	fclose(f);
	assert_true(flushes > 10);
	for (int l = 0; l < kv_lsm_nlevels(e); l++) {
		struct kv_lsm_level_stats ls;
		assert_int_equal(kv_lsm_level_stats(e, l, &ls), KV_OK);
		assert_int_equal(sums[l].jobs, ls.compactions);
		assert_int_equal(sums[l].written, ls.bytes_written);
		assert_int_equal(sums[l].moved, ls.bytes_moved);
		assert_int_equal(sums[l].dropped, ls.entries_dropped);
		assert_int_equal(sums[l].tombstones, ls.tombstones_dropped);
	}
	kv_lsm_trigger_counts(e, count_flushes, &flushes_engine);
	assert_int_equal(flushes_engine, (uint64_t)flushes);
	kv_engine_close(e);
	kv_dev_close(dev);
	unlink(path);
}

static void test_every_strategy(void **state)
{
	(void)state;
	for (size_t i = 0; kv_strategy_registry[i]; i++) {
		print_message("strategy %s\n", kv_strategy_registry[i]->name);
		run_strategy(kv_strategy_registry[i]);
	}
}

static void test_errors(void **state)
{
	struct kv_device *dev = mem_dev();
	struct kv_engine *e = open_engine(kv_engine_find("btree"), dev, NULL);
	struct kv_compaction_log *log = (struct kv_compaction_log *)&log;
	struct kv_err err = { 0 };
	struct kv_rng rng;
	char path[300];

	(void)state;
	kv_rng_seed(&rng, g_seed);
	snprintf(path, sizeof(path), "%s/btree.csv", g_dir);
	assert_int_equal(kv_compaction_log_open(path, e, &log, &err), KV_EINVAL);
	assert_null(log);
	assert_non_null(strstr(kv_err_msg(&err), "btree"));
	assert_int_equal(access(path, F_OK), -1); /* nothing created */
	kv_engine_close(e);
	kv_dev_close(dev);

	dev = mem_dev();
	e = open_engine(&kv_lsm_engine_ops, dev, kv_strategy_find("leveled"));
	snprintf(path, sizeof(path), "%s/no-such-dir/x.csv", g_dir);
	assert_int_equal(kv_compaction_log_open(path, e, &log, &err), KV_EIO);
	assert_non_null(strstr(kv_err_msg(&err), path));
	/* No listener left behind: writes and flushes still work. */
	write_mix(e, &rng, 2000);
	assert_int_equal(kv_compaction_log_close(NULL, &err), KV_OK);
	kv_engine_close(e);
	kv_dev_close(dev);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_strategy),
		cmocka_unit_test(test_errors),
	};
	int failed;

	g_seed = tu_seed(61);
	snprintf(g_dir, sizeof(g_dir), "%s/lsmlab-test-clog-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 1;
	}
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(g_dir);
	return failed;
}
