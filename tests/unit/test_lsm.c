/*
 * tests/unit/test_lsm.c - LSM-engine behaviour beyond the engine contract:
 * reopen rebuilds the exact version; the job executor rejects a job that
 * would reorder versions (a buggy strategy gets an error, not a corrupted
 * store); tombstones are dropped only when nothing older can exist below;
 * TTL hides expired entries and compaction drops them; the per-level
 * statistics add up; the memtable Bloom filter never hides a key;
 * leveled outputs cut at next-level boundaries write fewer bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/lsm.h"
#include "core/lsm/lsm_impl.h"
#include "core/memtable/memtable.h"
#include "devices/mem.h"
#include "strategies/registry.h"
#include "tests/testutil.h"

static struct kv_device *mem_dev(const char *op_latency)
{
	struct kv_device *dev;
	struct kv_config *c = kv_config_new();
	struct kv_err err = { 0 };

	if (op_latency)
		kv_config_set(c, "op_latency", op_latency);
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, c, NULL, &dev, &err), KV_OK);
	kv_config_free(c);
	return dev;
}

static struct kv_engine *open_lsm(struct kv_device *dev, const struct kv_strategy_ops *st,
				  const char *const *kv)
{
	struct kv_config *c = kv_config_new();
	struct kv_engine *e = NULL;
	struct kv_err err = { 0 };
	struct kv_engine_args a = { .cfg = c, .dev = dev, .strategy = st };
	int r;

	for (size_t i = 0; kv && kv[i]; i += 2)
		assert_int_equal(kv_config_set(c, kv[i], kv[i + 1]), KV_OK);
	r = kv_engine_open(&kv_lsm_engine_ops, &a, &e, &err);
	if (r != KV_OK)
		fail_msg("open: %s", kv_err_msg(&err));
	kv_config_free(c);
	return e;
}

static const char *const small[] = {
	"write_buffer_size", "64KiB", "max_bytes_for_level_base", "256KiB",
	"target_file_size_base", "64KiB", "max_bytes_for_level_multiplier", "4",
	"paranoid_checks", "true", NULL,
};

/* A printable description of the version: "L0:r12[5,7] L3:r9[3,4] ...". */
static void describe(struct kv_engine *e, char *buf, size_t len)
{
	const struct lsm *db = (const struct lsm *)e;
	size_t n = 0;

	buf[0] = 0;
	for (int l = 0; l < db->version.nlevels; l++)
		for (size_t r = 0; r < db->version.levels[l].nruns; r++) {
			const struct kv_lsm_run *run = &db->version.levels[l].runs[r];
			n += (size_t)snprintf(buf + n, len - n, "L%d:r%" PRIu64 "[", l, run->id);
			for (size_t i = 0; i < run->nfiles && n < len; i++)
				n += (size_t)snprintf(buf + n, len - n, "%s%" PRIu64 "/%" PRIu64,
						      i ? "," : "", run->files[i]->meta.id,
						      run->files[i]->meta.bytes);
			n += (size_t)snprintf(buf + n, len - n, "] ");
			if (n >= len)
				return;
		}
}

static void put_n(struct kv_engine *e, int from, int to, int vlen)
{
	char k[32], v[512];

	memset(v, 'v', sizeof(v));
	for (int i = from; i < to; i++) {
		snprintf(k, sizeof(k), "key%08d", (int)(((unsigned)i * 2654435761u) % 1000000u));
		assert_int_equal(kv_engine_put(e, kv_slice_str(k), kv_slice_make(v, (size_t)vlen)),
				 KV_OK);
	}
}

static void test_reopen_rebuilds_exact_version(void **state)
{
	struct kv_device *dev = mem_dev(NULL);
	struct kv_engine *e = open_lsm(dev, kv_strategy_registry[0], small);
	char before[8192], after[8192];

	(void)state;
	put_n(e, 0, 20000, 100);
	describe(e, before, sizeof(before));
	assert_true(strlen(before) > 10);
	kv_engine_close(e);
	e = open_lsm(dev, kv_strategy_registry[0], small);
	describe(e, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(kv_engine_check(e), KV_OK);
	kv_engine_close(e);
	kv_dev_close(dev);
}

/* ---- a deliberately wrong strategy ---- */

static int bad_init(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err)
{
	(void)cfg;
	(void)err;
	s->nlevels = 2;
	return KV_OK;
}

static void bad_destroy(struct kv_strategy *s)
{
	(void)s;
}

static const char *const bad_triggers[] = { "bad", NULL };

/* With two overlapping L0 runs, move the OLDER one's data above... rather:
   merge only the NEWEST L0 run into level 1 while an older overlapping L0
   run stays, which would let the older version shadow the newer one. */
static int bad_pick(struct kv_strategy *s, const struct kv_version_view *v, struct kv_job *job)
{
	(void)s;
	if (v->levels[0].nruns < 2)
		return KV_OK;
	job->kind = KV_JOB_MERGE;
	job->trigger = "bad";
	job->output_level = 1;
	job->output_run = -1;
	job->target_file_bytes = 1 << 20;
	job->ninputs = 1;
	job->inputs[0].level = 0;
	job->inputs[0].file_id = v->levels[0].runs[0].files[0]->id;
	return KV_OK;
}

static const struct kv_strategy_ops bad_strategy = {
	.name = "bad",
	.version = 1,
	.instance_size = sizeof(struct kv_strategy),
	.doc = "test: picks jobs that break the read order",
	.options = NULL,
	.triggers = bad_triggers,
	.init = bad_init,
	.destroy = bad_destroy,
	.pick = bad_pick,
};

static void test_reordering_job_is_rejected(void **state)
{
	struct kv_device *dev = mem_dev(NULL);
	struct kv_engine *e = open_lsm(dev, &bad_strategy, NULL);
	struct kv_slice v;
	int r;

	(void)state;
	assert_int_equal(kv_engine_put(e, kv_slice_str("a"), kv_slice_str("old")), KV_OK);
	assert_int_equal(kv_engine_put(e, kv_slice_str("z"), kv_slice_str("old")), KV_OK);
	assert_int_equal(kv_engine_flush(e), KV_OK);
	assert_int_equal(kv_engine_put(e, kv_slice_str("a"), kv_slice_str("new")), KV_OK);
	r = kv_engine_flush(e);
	assert_int_equal(r, KV_EINVAL);
	assert_non_null(strstr(kv_engine_errmsg(e), "would reorder"));
	/* Reads keep working and see the newest value; writes are refused. */
	assert_int_equal(kv_engine_get(e, kv_slice_str("a"), &v), KV_OK);
	assert_true(kv_slice_eq(v, kv_slice_str("new")));
	assert_int_equal(kv_engine_put(e, kv_slice_str("b"), kv_slice_str("x")), KV_EINVAL);
	assert_non_null(strstr(kv_engine_errmsg(e), "stopped accepting writes"));
	kv_engine_close(e);
	kv_dev_close(dev);
}

static void test_tombstones_dropped_only_at_the_bottom(void **state)
{
	struct kv_device *dev = mem_dev(NULL);
	struct kv_engine *e = open_lsm(dev, kv_strategy_registry[0], small);
	struct kv_lsm_level_stats ls;
	uint64_t dropped = 0;
	char k[32];

	(void)state;
	put_n(e, 0, 5000, 100);
	assert_int_equal(kv_engine_compact_all(e), KV_OK);
	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "key%08d", (int)(((unsigned)i * 2654435761u) % 1000000u));
		assert_int_equal(kv_engine_delete(e, kv_slice_str(k)), KV_OK);
	}
	assert_int_equal(kv_engine_flush(e), KV_OK);
	/* The tombstones sit above the data they delete: kept so far. */
	for (int l = 0; l < kv_lsm_nlevels(e); l++) {
		assert_int_equal(kv_lsm_level_stats(e, l, &ls), KV_OK);
		dropped += ls.tombstones_dropped;
	}
	assert_int_equal(dropped, 0);
	/* Merging everything down lets them (and what they deleted) go. */
	assert_int_equal(kv_engine_compact_all(e), KV_OK);
	dropped = 0;
	for (int l = 0; l < kv_lsm_nlevels(e); l++) {
		assert_int_equal(kv_lsm_level_stats(e, l, &ls), KV_OK);
		dropped += ls.tombstones_dropped;
		assert_int_equal(ls.files, 0);
	}
	assert_int_equal(dropped, 5000);
	kv_engine_close(e);
	kv_dev_close(dev);
}

static void test_ttl(void **state)
{
	/* 1 ms of virtual time per I/O: every WAL append ages the store. */
	struct kv_device *dev = mem_dev("1ms");
	const char *const opts[] = { "ttl", "100ms", "write_buffer_size", "64KiB", NULL };
	struct kv_engine *e = open_lsm(dev, kv_strategy_registry[0], opts);
	struct kv_slice v;
	struct kv_iter *it;
	size_t n = 0;

	(void)state;
	assert_int_equal(kv_engine_put(e, kv_slice_str("early"), kv_slice_str("x")), KV_OK);
	assert_int_equal(kv_engine_get(e, kv_slice_str("early"), &v), KV_OK);
	put_n(e, 0, 300, 100); /* 300 appends: 300 ms */
	assert_int_equal(kv_engine_get(e, kv_slice_str("early"), &v), KV_NOTFOUND);
	assert_int_equal(kv_engine_scan(e, kv_slice_str("e"), kv_slice_str("f"), &it), KV_OK);
	for (; kv_iter_valid(it); kv_iter_next(it))
		n++;
	kv_iter_close(it);
	assert_int_equal(n, 0);
	/* Compaction drops what expired. */
	assert_int_equal(kv_engine_compact_all(e), KV_OK);
	assert_int_equal(kv_engine_get(e, kv_slice_str("early"), &v), KV_NOTFOUND);
	kv_engine_close(e);
	kv_dev_close(dev);
}

static void test_level_stats_add_up(void **state)
{
	struct kv_device *dev = mem_dev(NULL);
	struct kv_engine *e = open_lsm(dev, kv_strategy_registry[0], small);
	struct kv_dev_stats ds;
	uint64_t written = 0;

	(void)state;
	put_n(e, 0, 30000, 100);
	for (int l = 0; l < kv_lsm_nlevels(e); l++) {
		struct kv_lsm_level_stats ls;
		assert_int_equal(kv_lsm_level_stats(e, l, &ls), KV_OK);
		written += ls.bytes_written;
	}
	kv_dev_get_stats(dev, &ds);
	/* Every SST byte written is a flush or a compaction output. */
	assert_int_equal(written, ds.kind[KV_FILE_SST].bytes_written);
	kv_engine_close(e);
	kv_dev_close(dev);
}

/* SST bytes written by 30000 puts into leveled with @kv (after small). */
static uint64_t leveled_sst_bytes(const char *const *kv, int *max_level_files)
{
	const char *cfg[32];
	size_t n = 0;
	struct kv_device *dev = mem_dev(NULL);
	struct kv_engine *e;
	struct kv_dev_stats ds;
	const struct lsm *db;

	for (size_t i = 0; small[i]; i++)
		cfg[n++] = small[i];
	for (size_t i = 0; kv[i]; i++)
		cfg[n++] = kv[i];
	cfg[n] = NULL;
	e = open_lsm(dev, kv_strategy_registry[0], cfg);
	put_n(e, 0, 30000, 100);
	assert_int_equal(kv_engine_check(e), KV_OK);
	db = (const struct lsm *)e;
	*max_level_files = 0;
	for (int l = 1; l < db->version.nlevels - 1; l++)
		for (size_t r = 0; r < db->version.levels[l].nruns; r++)
			*max_level_files += (int)db->version.levels[l].runs[r].nfiles;
	kv_dev_get_stats(dev, &ds);
	kv_engine_close(e);
	kv_dev_close(dev);
	return ds.kind[KV_FILE_SST].bytes_written;
}

/*
 * Cutting outputs at next-level file boundaries (RocksDB 7.8's
 * level_compaction_dynamic_file_size, on by default) writes fewer bytes
 * than cutting at the target size only, on the same deterministic
 * workload, and leaves a consistent store (paranoid checks on).
 */
static void test_leveled_output_alignment(void **state)
{
	static const char *const on[] = { NULL };
	static const char *const off[] = { "level_compaction_dynamic_file_size", "false",
					   "max_compaction_bytes", "1PiB", NULL };
	int files_on, files_off;
	uint64_t b_on = leveled_sst_bytes(on, &files_on);
	uint64_t b_off = leveled_sst_bytes(off, &files_off);

	(void)state;
	print_message("leveled SST bytes: aligned %" PRIu64 ", target size only %" PRIu64
		      " (upper-level files %d / %d)\n",
		      b_on, b_off, files_on, files_off);
	assert_true(files_on > 0 && files_off > 0);
	assert_true(b_on < b_off);
}

/* Every get agrees with @ref for keys 0..nkeys-1 (some never written). */
static void check_all(struct kv_engine *e, const struct tu_refmap *ref, int nkeys,
		      const char *ratio, const char *when)
{
	char k[32];

	for (int i = 0; i < nkeys; i++) {
		struct kv_slice v, want;
		bool live;
		int r;

		snprintf(k, sizeof(k), "mf%07d", i);
		live = tu_refmap_get(ref, kv_slice_str(k), &want);
		r = kv_engine_get(e, kv_slice_str(k), &v);
		if (r != (live ? KV_OK : KV_NOTFOUND))
			fail_msg("ratio %s, %s: get %s = %d, expected %s", ratio, when, k, r,
				 live ? "found" : "not found");
		if (live && (v.len != want.len || memcmp(v.data, want.data, v.len) != 0))
			fail_msg("ratio %s, %s: get %s: wrong value", ratio, when, k);
	}
}

static void report_value(void *ud, const char *name, double value)
{
	if (strcmp(name, "memtable_filter_bytes") == 0)
		*(double *)ud = value;
}

/*
 * The memtable Bloom filter never hides a key: gets agree with a model
 * with the filter off, saturated (one 64-byte line), the default and the
 * largest, across flushes, deletes and a reopen that replays the WAL into
 * a fresh memtable (and filter); its size is reported.
 */
static void test_memtable_filter(void **state)
{
	static const char *const ratios[] = { "0", "0.0001", "0.02", "0.25" };
	uint64_t seed = tu_seed(91);

	(void)state;
	for (size_t ri = 0; ri < sizeof(ratios) / sizeof(ratios[0]); ri++) {
		const char *const kv[] = { "write_buffer_size", "64KiB", "memtable_bloom_size_ratio",
					   ratios[ri], NULL };
		struct kv_device *dev = mem_dev(NULL);
		struct kv_engine *e = open_lsm(dev, kv_strategy_registry[0], kv);
		struct tu_refmap *ref = tu_refmap_new();
		struct kv_rng r;
		double filter_bytes = -1;
		char k[32], v[64];

		kv_rng_seed(&r, seed + ri);
		kv_engine_report(e, report_value, &filter_bytes);
		if (strcmp(ratios[ri], "0") == 0)
			assert_true(filter_bytes == 0);
		else
			assert_true(filter_bytes >= 64 && filter_bytes <= 65536 * 0.25 + 128);
		for (int op = 0; op < 6000; op++) {
			int i = (int)kv_rng_below(&r, 3000);

			snprintf(k, sizeof(k), "mf%07d", i);
			if (kv_rng_below(&r, 5) == 0) {
				assert_int_equal(kv_engine_delete(e, kv_slice_str(k)), KV_OK);
				tu_refmap_del(ref, kv_slice_str(k));
			} else {
				size_t len = (size_t)kv_rng_below(&r, sizeof(v));

				kv_rng_fill(&r, v, len);
				assert_int_equal(kv_engine_put(e, kv_slice_str(k),
							       kv_slice_make(v, len)), KV_OK);
				tu_refmap_put(ref, kv_slice_str(k), kv_slice_make(v, len));
			}
		}
		check_all(e, ref, 3500, ratios[ri], "after writes");
		kv_engine_close(e);
		e = open_lsm(dev, kv_strategy_registry[0], kv);
		check_all(e, ref, 3500, ratios[ri], "after reopen");
		kv_engine_close(e);
		tu_refmap_free(ref);
		kv_dev_close(dev);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reopen_rebuilds_exact_version),
		cmocka_unit_test(test_reordering_job_is_rejected),
		cmocka_unit_test(test_tombstones_dropped_only_at_the_bottom),
		cmocka_unit_test(test_ttl),
		cmocka_unit_test(test_level_stats_add_up),
		cmocka_unit_test(test_memtable_filter),
		cmocka_unit_test(test_leveled_output_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
