/*
 * tests/unit/test_runner.c - the workload runner (workloads/runner.c):
 * determinism of the operation stream, exact live bytes against a
 * reference map, interval samples, verification catching injected wrong
 * answers, the timeseries workload, and the live-key set.
 */
#include "tests/unit/wl_rig.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/checksum.h"
#include "workloads/fnv.h"
#include "workloads/generator.h"
#include "workloads/liveset.h"
#include "workloads/named.h"
#include "workloads/trace.h"

static uint64_t g_seed;
static char g_dir[256];

/* Hash of the whole op stream (load then run) of a workload config. */
static uint64_t stream_hash(const char *workload, uint64_t seed)
{
	char w[64], s[64];
	const char *kv[] = { w, s, "recordcount=3000", "operationcount=20000", NULL };
	struct kv_config *c, *eff;
	struct kv_named_setup ns;
	struct kv_runner_opts o;
	struct kv_gen *g;
	struct kv_wl_op op;
	struct kv_err err;
	uint64_t h = 0;

	snprintf(w, sizeof(w), "workload=%s", workload);
	snprintf(s, sizeof(s), "seed=%llu", (unsigned long long)seed);
	c = wl_cfg(kv);
	assert_int_equal(kv_named_resolve(c, &eff, &o, &ns, &err), KV_OK);
	assert_int_equal(kv_gen_new(&ns.gen, &g, &err), KV_OK);
	for (int phase = 0; phase < 2; phase++) {
		struct kv_wl_source *src = phase ? kv_gen_run_source(g) : kv_gen_load_source(g);

		while (kv_wl_next(src, &op, &err) == KV_OK) {
			uint64_t f[4] = { (uint64_t)op.kind, op.keynum, op.value_len, op.scan_len };
			h = h * 1099511628211ULL + kv_checksum64(f, sizeof(f));
			h = h * 1099511628211ULL + kv_checksum64(op.key.data, op.key.len);
		}
	}
	kv_gen_free(g);
	kv_config_free(eff);
	kv_config_free(c);
	return h;
}

static void test_determinism(void **state)
{
	static const char *const names[] = { "ycsb-a", "ycsb-d", "ycsb-e", "deleteheavy",
					     "fillrandom" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t a = stream_hash(names[i], g_seed), b = stream_hash(names[i], g_seed);
		uint64_t c = stream_hash(names[i], g_seed + 1);

		assert_true(a == b);
		assert_true(a != c);
	}
}

/* Two whole runs with one seed leave bit-identical devices' counters. */
static void test_run_determinism(void **state)
{
	const char *kv[] = { "workload=ycsb-a", "recordcount=3000", "operationcount=5000",
			     "progress=false", "seed=77", NULL };
	uint64_t written[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct kv_runner_result *res = wl_result();
		struct kv_dev_stats ds;
		struct wl_rig rig;
		struct kv_runner *r;
		struct kv_err err;

		wl_rig_open(&rig);
		r = wl_runner(kv, NULL, NULL);
		assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_OK);
		assert_int_equal(kv_runner_run(r, rig.e, res, &err), KV_OK);
		kv_dev_get_stats(rig.dev, &ds);
		written[i] = kv_io_bytes_written(&ds, true);
		kv_runner_free(r);
		wl_rig_close(&rig);
		wl_result_free(res);
	}
	assert_true(written[0] == written[1] && written[0] > 0);
}

/* Live bytes equal a reference map built from the recorded operations. */
static void test_live_bytes_exact(void **state)
{
	char rec[512], o[600];
	const char *kv[] = { "workload=deleteheavy", "recordcount=2000", "operationcount=6000",
			     "value_size_dist=pareto", "value_size=200", "value_size_max=5000",
			     "progress=false", o, NULL };
	struct kv_runner_result *res = wl_result();
	struct tu_refmap *map = tu_refmap_new();
	struct kv_wl_source *src;
	struct kv_wl_op op;
	struct wl_rig rig;
	struct kv_runner *r;
	struct kv_err err;
	static char zeros[5000];

	(void)state;
	snprintf(rec, sizeof(rec), "%s/live.csv", g_dir);
	snprintf(o, sizeof(o), "record=%s", rec);
	wl_rig_open(&rig);
	r = wl_runner(kv, NULL, NULL);
	assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_OK);
	assert_int_equal(kv_runner_run(r, rig.e, res, &err), KV_OK);
	assert_int_equal(kv_trace_csv_open(rec, &src, &err), KV_OK);
	while (kv_wl_next(src, &op, &err) == KV_OK) {
		if (op.kind == KV_WL_DELETE)
			tu_refmap_del(map, op.key);
		else if (op.kind == KV_WL_INSERT || op.kind == KV_WL_UPDATE)
			tu_refmap_put(map, op.key, kv_slice_make(zeros, op.value_len));
	}
	kv_wl_close(src);
	assert_true(res->count[KV_WL_DELETE] > 1000);
	assert_int_equal(kv_runner_live_keys(r), tu_refmap_count(map));
	assert_true(kv_runner_live_bytes(r) == tu_refmap_live_bytes(map));
	assert_true(kv_runner_peak_live_bytes(r) >= kv_runner_live_bytes(r));
	tu_refmap_free(map);
	kv_runner_free(r);
	wl_rig_close(&rig);
	wl_result_free(res);
}

struct samples {
	uint64_t n, ops_sum, last_index;
	bool ok;
	int stop_at;
};

static int on_sample(void *ud, const struct kv_runner_sample *s)
{
	struct samples *c = ud;
	uint64_t lat_count = 0;

	for (int k = 0; k < KV_WL__COUNT; k++)
		lat_count += s->lat[k].count;
	if (s->index != c->n || lat_count != s->interval_ops || s->live_bytes == 0 ||
	    !(s->wa > 0) || s->device_live_bytes == 0)
		c->ok = false;
	c->n++;
	c->ops_sum += s->interval_ops;
	if (c->stop_at && (int)c->n == c->stop_at)
		return KV_EIO;
	return KV_OK;
}

static void test_interval_samples(void **state)
{
	const char *kv[] = { "workload=ycsb-a", "recordcount=500", "operationcount=1050",
			     "interval_ops=100", "progress=false", NULL };
	const char *kv_ns[] = { "workload=ycsb-a", "recordcount=500", "operationcount=1000",
				"interval_ns=1ns", "progress=false", NULL };
	struct kv_runner_result *res = wl_result();
	struct samples c = { .ok = true };
	struct wl_rig rig;
	struct kv_runner *r;
	struct kv_err err;

	(void)state;
	wl_rig_open(&rig);
	r = wl_runner(kv, on_sample, &c);
	assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_OK);
	assert_int_equal(c.n, 5);
	assert_int_equal(kv_runner_run(r, rig.e, res, &err), KV_OK);
	assert_int_equal(c.n, 5 + 11); /* 10 full intervals + the partial one */
	assert_int_equal(c.ops_sum, 1550);
	assert_true(c.ok);
	kv_runner_free(r);
	wl_rig_close(&rig);

	/* Every T of device time (1 ns: every operation advances the clock). */
	memset(&c, 0, sizeof(c));
	c.ok = true;
	wl_rig_open(&rig);
	r = wl_runner(kv_ns, on_sample, &c);
	assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_OK);
	assert_true(c.n > 100);
	kv_runner_free(r);
	wl_rig_close(&rig);

	/* A callback's non-KV_OK stops the phase with its code. */
	memset(&c, 0, sizeof(c));
	c.ok = true;
	c.stop_at = 3;
	wl_rig_open(&rig);
	r = wl_runner(kv, on_sample, &c);
	assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_EIO);
	assert_string_equal(kv_err_msg(&err), "load: interval callback stopped the run");
	assert_int_equal(res->ops, 300);
	assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_EINVAL);
	assert_string_equal(kv_err_msg(&err), "the load phase of this runner already ran");
	kv_runner_free(r);
	wl_rig_close(&rig);
	wl_result_free(res);
}

static void ycsb_key(uint64_t n, char *buf, size_t len, struct kv_slice *k)
{
	int l = snprintf(buf, len, "user%llu", (unsigned long long)kv_fnv1a64(n));
	*k = kv_slice_make(buf, (size_t)l);
}

/* Verification catches an engine that lost a write, returned a key that
   was deleted, or returned the wrong bytes. */
static void test_verify_catches(void **state)
{
	struct kv_runner_result *res = wl_result();
	struct kv_slice k;
	char key[32];
	struct kv_err err;
	struct wl_rig rig;
	struct kv_runner *r;
	static const char *const cases[] = { "drop", "corrupt", "scan-drop", "scan-extra" };

	(void)state;
	for (size_t c = 0; c < 4; c++) {
		const char *kv_read[] = { "workload=ycsb-c", "recordcount=200",
					  "operationcount=500", "verify=true", "progress=false",
					  NULL };
		const char *kv_scan[] = { "workload=ycsb-e", "recordcount=200",
					  "operationcount=500", "verify=true", "progress=false",
					  NULL };
		bool scan = c >= 2;

		wl_rig_open(&rig);
		r = wl_runner(scan ? kv_scan : kv_read, NULL, NULL);
		assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_OK);
		/* Behind the runner's back: what a buggy engine would do. */
		for (uint64_t n = 0; n < 200; n++) {
			ycsb_key(n, key, sizeof(key), &k);
			if (c == 0 || c == 2)
				assert_int_equal(kv_engine_delete(rig.e, k), KV_OK);
			else if (c == 1)
				assert_int_equal(kv_engine_put(rig.e, k, kv_slice_make("x", 1)),
						 KV_OK);
		}
		if (c == 3) {
			for (int i = 0; i < 200; i++) {
				char extra[40];
				snprintf(extra, sizeof(extra), "user%llu~", 
					 (unsigned long long)kv_fnv1a64((uint64_t)i));
				assert_int_equal(kv_engine_put(rig.e, kv_slice_str(extra),
							       kv_slice_make("y", 1)), KV_OK);
			}
		}
		assert_int_equal(kv_runner_run(r, rig.e, res, &err), KV_ECORRUPT);
		assert_non_null(strstr(kv_err_msg(&err), "run: verify: operation "));
		switch (c) {
		case 0:
			assert_non_null(strstr(kv_err_msg(&err), "(read) key 'user"));
			assert_non_null(strstr(kv_err_msg(&err), "': not found, but it is live"));
			break;
		case 1:
			assert_non_null(strstr(kv_err_msg(&err), "value has the wrong length"));
			break;
		case 2:
			assert_non_null(strstr(kv_err_msg(&err), "(scan)"));
			break;
		default:
			assert_non_null(strstr(kv_err_msg(&err),
					       "returned by the scan, but it is not live"));
			break;
		}
		(void)cases;
		kv_runner_free(r);
		wl_rig_close(&rig);
	}
	wl_result_free(res);
}

/* timeseries: monotonic keys with late writes, TTL expiry deletes,
   verified end to end. */
static void test_timeseries(void **state)
{
	const char *kv[] = { "workload=timeseries", "operationcount=5000",
			     "ts_late_fraction=0.1", "ts_late_max_ns=20ms", "ts_ttl_ns=1s",
			     "read_proportion=0.1", "verify=true", "progress=false", NULL };
	struct kv_runner_result *res = wl_result();
	struct kv_ts_params p = { .step_ns = 1000000, .late_fraction = 0.1,
				  .late_max_ns = 20000000, .seed = 301 };
	struct wl_rig rig;
	struct kv_runner *r;
	struct kv_err err;
	uint64_t late = 0;

	(void)state;
	for (uint64_t s = 1; s < 10000; s++) {
		uint64_t ts = kv_timeseries_ts(&p, s);
		assert_true(ts <= s * 1000000 && s * 1000000 - ts <= 20000000);
		late += ts != s * 1000000;
	}
	assert_true(late > 800 && late < 1200);
	wl_rig_open(&rig);
	r = wl_runner(kv, NULL, NULL);
	assert_int_equal(kv_runner_load(r, rig.e, res, &err), KV_OK);
	assert_int_equal(res->ops, 0);
	if (kv_runner_run(r, rig.e, res, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	assert_true(res->count[KV_WL_DELETE] > 0);
	/* About 1 s / 1 ms = 1000 writes stay live (a few late ones extra). */
	assert_true(kv_runner_live_keys(r) + res->count[KV_WL_DELETE] ==
		    res->count[KV_WL_INSERT]);
	assert_true(kv_runner_live_keys(r) >= 950 && kv_runner_live_keys(r) <= 1100);
	assert_non_null(strstr(kv_runner_describe(r), "timeseries:"));
	kv_runner_free(r);
	wl_rig_close(&rig);
	wl_result_free(res);
}

static void test_liveset(void **state)
{
	struct kv_liveset *s = kv_liveset_new(false, 0);
	struct tu_refmap *map = tu_refmap_new();
	struct kv_rng rng;
	char key[16];
	static char zeros[64];

	(void)state;
	kv_rng_seed(&rng, g_seed);
	for (int i = 0; i < 100000; i++) {
		int len = snprintf(key, sizeof(key), "k%llu",
				   (unsigned long long)kv_rng_below(&rng, 5000));
		struct kv_slice k = kv_slice_make(key, (size_t)len);
		size_t v = (size_t)kv_rng_below(&rng, 64);

		if (kv_rng_below(&rng, 3) == 0) {
			kv_liveset_del(s, 0, k);
			tu_refmap_del(map, k);
		} else {
			assert_int_equal(kv_liveset_put(s, 0, k, v), KV_OK);
			tu_refmap_put(map, k, kv_slice_make(zeros, v));
		}
	}
	assert_int_equal(kv_liveset_keys(s), tu_refmap_count(map));
	assert_true(kv_liveset_bytes(s) == tu_refmap_live_bytes(map));
	kv_liveset_free(s);
	tu_refmap_free(map);

	s = kv_liveset_new(true, 10);
	assert_int_equal(kv_liveset_put(s, 100000, kv_slice_make("abc", 3), 7), KV_OK);
	assert_int_equal(kv_liveset_put(s, 100000, kv_slice_make("abc", 3), 9), KV_OK);
	assert_int_equal(kv_liveset_bytes(s), 12);
	kv_liveset_del(s, 100000, kv_slice_make("abc", 3));
	kv_liveset_del(s, 99999999, kv_slice_make("zz", 2));
	assert_int_equal(kv_liveset_keys(s), 0);
	assert_int_equal(kv_liveset_peak_bytes(s), 12);
	kv_liveset_free(s);
}

/* Values above the initial 1 MiB pool (2 MiB, pareto up to 4 MiB) work,
   and a byte-keyed source is refused by a runner that tracks numbers. */
static void test_large_values_and_mismatch(void **state)
{
	const char *kv[] = { "workload=fillseq", "recordcount=20", "value_size=2097152",
			     "value_size_dist=pareto", "value_size_max=4194304", "verify=true",
			     "progress=false", NULL };
	struct kv_runner_result *res = wl_result();
	struct kv_wl_source *src;
	struct wl_rig rig;
	struct kv_runner *r;
	struct kv_err err;
	char path[512];

	(void)state;
	wl_rig_open(&rig);
	r = wl_runner(kv, NULL, NULL);
	if (kv_runner_run(r, rig.e, res, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	assert_int_equal(res->ops, 20);
	assert_true(kv_runner_live_bytes(r) > 20 * 16);
	snprintf(path, sizeof(path), "%s/one.csv", g_dir);
	wl_write_file(path, "read,a,0\n");
	assert_int_equal(kv_trace_csv_open(path, &src, &err), KV_OK);
	assert_int_equal(kv_runner_drive(r, rig.e, src, "extra", res, &err), KV_EINVAL);
	assert_string_equal(kv_err_msg(&err), "extra: source 'csv' has byte keys, but this "
					      "runner tracks numbered keys");
	kv_wl_close(src);
	kv_runner_free(r);
	wl_rig_close(&rig);
	wl_result_free(res);
}

static void test_option_echo(void **state)
{
	const char *kv[] = { "workload=ycsb-e", "progress=false", NULL };
	struct kv_runner *r;
	char buf[64];

	(void)state;
	r = wl_runner(kv, NULL, NULL);
	kv_runner_option_value(r, "max_scan_length", buf, sizeof(buf));
	assert_string_equal(buf, "100");
	kv_runner_option_value(r, "distribution", buf, sizeof(buf));
	assert_string_equal(buf, "scrambled");
	assert_string_equal(kv_runner_workload(r), "ycsb-e");
	assert_non_null(strstr(kv_runner_describe(r),
			       "ycsb-e: insert 0.05 scan 0.95; scrambled (theta 0.99)"));
	kv_runner_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_run_determinism),
		cmocka_unit_test(test_live_bytes_exact),
		cmocka_unit_test(test_interval_samples),
		cmocka_unit_test(test_verify_catches),
		cmocka_unit_test(test_timeseries),
		cmocka_unit_test(test_liveset),
		cmocka_unit_test(test_large_values_and_mismatch),
		cmocka_unit_test(test_option_echo),
	};
	const char *tmp = getenv("TMPDIR");
	char cmd[600];
	int rc;

	g_seed = tu_seed(4242);
	snprintf(g_dir, sizeof(g_dir), "%s/lsmlab-test-runner-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(g_dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
