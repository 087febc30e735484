/*
 * tests/unit/test_ycsb.c - the YCSB core workloads A-F (workloads/named.c,
 * workloads/generator.c): mixes within tolerance, keys as YCSB names them,
 * the .properties reader with every malformed case, and A-F end to end on
 * the LSM engine over the mem device with verification on.
 */
#include "tests/unit/wl_rig.h"

#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "workloads/fnv.h"
#include "workloads/generator.h"
#include "workloads/named.h"

static uint64_t g_seed;
static char g_dir[256];

static void resolve(const char *const *kv, struct kv_named_setup *ns, struct kv_runner_opts *o)
{
	struct kv_config *c = wl_cfg(kv), *eff;
	struct kv_err err;

	if (kv_named_resolve(c, &eff, o, ns, &err) != KV_OK)
		fail_msg("%s", kv_err_msg(&err));
	kv_config_free(eff);
	kv_config_free(c);
}

/* Each workload's proportions over 200000 operations, within 0.5 points. */
static void test_mix_proportions(void **state)
{
	static const struct {
		const char *name;
		double w[KV_OPMIX_KINDS]; /* read update insert delete scan rmw */
		enum kv_dist_kind dist;
	} want[] = {
		{ "ycsb-a", { 0.5, 0.5, 0, 0, 0, 0 }, KV_DIST_SCRAMBLED },
		{ "ycsb-b", { 0.95, 0.05, 0, 0, 0, 0 }, KV_DIST_SCRAMBLED },
		{ "ycsb-c", { 1, 0, 0, 0, 0, 0 }, KV_DIST_SCRAMBLED },
		{ "ycsb-d", { 0.95, 0, 0.05, 0, 0, 0 }, KV_DIST_LATEST },
		{ "ycsb-e", { 0, 0, 0.05, 0, 0.95, 0 }, KV_DIST_SCRAMBLED },
		{ "ycsb-f", { 0.5, 0, 0, 0, 0, 0.5 }, KV_DIST_SCRAMBLED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *kv[] = { "workload=x", "operationcount=200000", NULL };
		char wl[64];
		struct kv_named_setup ns;
		struct kv_runner_opts o;
		struct kv_gen *g;
		struct kv_wl_source *src;
		struct kv_wl_op op;
		struct kv_err err;
		uint64_t count[KV_WL__COUNT] = { 0 }, max_scan = 0;

		snprintf(wl, sizeof(wl), "workload=%s", want[i].name);
		kv[0] = wl;
		resolve(kv, &ns, &o);
		assert_int_equal(ns.gen.recordcount, 1000);
		assert_int_equal(ns.gen.vsize.size, 1000);
		assert_int_equal(ns.gen.dist.kind, want[i].dist);
		assert_true(ns.gen.dist.theta == 0.99);
		assert_int_equal(ns.gen.keyfmt, KV_KEYFMT_HASHED);
		assert_non_null(strstr(ns.desc, "update = full-value overwrite"));
		assert_int_equal(kv_gen_new(&ns.gen, &g, &err), KV_OK);
		src = kv_gen_load_source(g);
		for (uint64_t n = 0; kv_wl_next(src, &op, &err) == KV_OK; n++) {
			char key[32];
			int len = snprintf(key, sizeof(key), "user%llu",
					   (unsigned long long)kv_fnv1a64(n));
			assert_int_equal(op.kind, KV_WL_INSERT);
			assert_int_equal(op.keynum, n);
			assert_memory_equal(op.key.data, key, (size_t)len);
			assert_int_equal(op.key.len, (size_t)len);
			assert_int_equal(op.value_len, 1000);
		}
		src = kv_gen_run_source(g);
		while (kv_wl_next(src, &op, &err) == KV_OK) {
			count[op.kind]++;
			if (op.kind == KV_WL_SCAN) {
				assert_true(op.scan_len >= 1 && op.scan_len <= 100);
				if (op.scan_len > max_scan)
					max_scan = op.scan_len;
			}
			if (op.kind != KV_WL_INSERT)
				assert_true(op.keynum < 1000 + count[KV_WL_INSERT]);
		}
		for (int k = 0; k < KV_OPMIX_KINDS; k++)
			if (fabs((double)count[k] / 200000.0 - want[i].w[k]) > 0.005)
				fail_msg("%s: %s proportion %.4f, want %.2f", want[i].name,
					 kv_wl_kind_name((enum kv_wl_kind)k),
					 (double)count[k] / 200000.0, want[i].w[k]);
		if (want[i].w[KV_WL_SCAN] > 0)
			assert_int_equal(max_scan, 100); /* maxscanlength 100 reached */
		kv_gen_free(g);
	}
}

static void props_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", g_dir, name);
}

/* The shipped workloada file gives ycsb-a. */
static void test_properties_file(void **state)
{
	char path[512], wl[600];
	const char *kv[] = { wl, NULL };
	struct kv_named_setup ns, ns_a;
	struct kv_runner_opts o;

	(void)state;
	props_path(path, sizeof(path), "workloada.properties");
	wl_write_file(path,
		      "# Yahoo! Cloud System Benchmark\n"
		      "# Workload A: Update heavy workload\n"
		      "recordcount=1000\n"
		      "operationcount=1000\n"
		      "workload=site.ycsb.workloads.CoreWorkload\n"
		      "\n"
		      "readallfields=true\n"
		      "\n"
		      "readproportion=0.5\n"
		      "updateproportion=0.5\n"
		      "scanproportion=0\n"
		      "insertproportion=0\n"
		      "\n"
		      "requestdistribution=zipfian\n");
	snprintf(wl, sizeof(wl), "workload=%s", path);
	resolve(kv, &ns, &o);
	kv[0] = "workload=ycsb-a";
	resolve(kv, &ns_a, &o);
	assert_memory_equal(&ns.gen, &ns_a.gen, sizeof(ns.gen));

	/* Every mapped property, with : and space separators. */
	wl_write_file(path,
		      "recordcount: 500\n"
		      "operationcount 70\n"
		      "readproportion=0.1\n"
		      "updateproportion=0.2\n"
		      "insertproportion=0.3\n"
		      "scanproportion=0.25\n"
		      "readmodifywriteproportion=0.15\n"
		      "requestdistribution=hotspot\n"
		      "hotspotdatafraction=0.3\n"
		      "hotspotopnfraction=0.7\n"
		      "maxscanlength=7\n"
		      "scanlengthdistribution=zipfian\n"
		      "insertorder=ordered\n"
		      "fieldcount=4\n"
		      "fieldlength=25\n"
		      "zipfianconstant=0.8\n"
		      "  ! a comment\n");
	kv[0] = wl;
	resolve(kv, &ns, &o);
	assert_int_equal(ns.gen.recordcount, 500);
	assert_int_equal(ns.gen.operationcount, 70);
	assert_true(ns.gen.weight[KV_WL_READ] == 0.1 && ns.gen.weight[KV_WL_RMW] == 0.15);
	assert_true(ns.gen.weight[KV_WL_SCAN] == 0.25 && ns.gen.weight[KV_WL_INSERT] == 0.3);
	assert_int_equal(ns.gen.dist.kind, KV_DIST_HOTSPOT);
	assert_true(ns.gen.dist.hot_data_fraction == 0.3 && ns.gen.dist.hot_op_fraction == 0.7);
	assert_int_equal(ns.gen.max_scan_length, 7);
	assert_int_equal(ns.gen.scan_len_kind, KV_SCANLEN_ZIPFIAN);
	assert_int_equal(ns.gen.keyfmt, KV_KEYFMT_ORDERED);
	assert_int_equal(ns.gen.vsize.size, 100);
	assert_true(ns.gen.dist.theta == 0.8);
}

static void expect_props_error(const char *text, int line, const char *msg)
{
	char path[512], wl[600], want[1200];
	const char *kv[] = { wl, NULL };

	props_path(path, sizeof(path), "bad.properties");
	wl_write_file(path, text);
	snprintf(wl, sizeof(wl), "workload=%s", path);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	wl_runner_fails(kv, KV_EINVAL, want);
}

static void test_properties_malformed(void **state)
{
	(void)state;
	expect_props_error("recordcount=10\nreadproportion\n", 2,
			   "expected name=value, got: readproportion");
	expect_props_error("readproportion=\n", 1,
			   "expected a value for property 'readproportion'");
	expect_props_error("recordcount=10\n\nreadproportoin=0.5\n", 3,
			   "unknown property 'readproportoin'; expected one of recordcount, "
			   "operationcount, readproportion, updateproportion, insertproportion, "
			   "scanproportion, readmodifywriteproportion, deleteproportion, "
			   "requestdistribution, maxscanlength, scanlengthdistribution, "
			   "insertorder, fieldcount, fieldlength, fieldlengthdistribution, "
			   "zipfianconstant, hotspotdatafraction, hotspotopnfraction, "
			   "exponential.percentile, exponential.frac, workload, table, "
			   "readallfields, writeallfields");
	expect_props_error("requestdistribution=zipf\n", 1,
			   "property 'requestdistribution': expected one of uniform|zipfian|"
			   "latest|hotspot|exponential|sequential, got 'zipf'");
	expect_props_error("workload=com.example.MyWorkload\n", 1,
			   "property 'workload': expected site.ycsb.workloads.CoreWorkload (or "
			   "com.yahoo.ycsb.workloads.CoreWorkload), got 'com.example.MyWorkload'");
	expect_props_error("insertorder=random\n", 1,
			   "property 'insertorder': expected hashed or ordered, got 'random'");
	expect_props_error("scanlengthdistribution=latest\n", 1,
			   "property 'scanlengthdistribution': expected uniform or zipfian, got "
			   "'latest'");
	expect_props_error("fieldlengthdistribution=zipfian\n", 1,
			   "property 'fieldlengthdistribution': expected constant or uniform "
			   "(lsmlab sizes whole values), got 'zipfian'");
	expect_props_error("# x\nrecordcount=ten\n", 2,
			   "property 'recordcount': option 'recordcount': value 'ten' is not a valid "
			   "integer (not a number); expected -1..1000000000000 keys");
	expect_props_error("zipfianconstant=1.5\n", 1,
			   "property 'zipfianconstant': option 'theta': value '1.5' is out of "
			   "range; expected 0.0001..0.9999");
}

static void test_runner_errors(void **state)
{
	const char *unknown[] = { "workload=ycsb-z", NULL };
	const char *missing[] = { "workload=/nonexistent/w.properties", NULL };
	const char *badopt[] = { "workload=ycsb-a", "recordcnt=5", NULL };

	(void)state;
	wl_runner_fails(unknown, KV_EINVAL,
			"unknown workload 'ycsb-z'; expected one of ycsb-a|ycsb-b|ycsb-c|ycsb-d|"
			"ycsb-e|ycsb-f|fillseq|fillrandom|overwrite|readrandom|seekrandom|"
			"deleterandom|readwhilewriting|deleteheavy|timeseries|custom, or a YCSB "
			"FILE.properties");
	wl_runner_fails(missing, KV_EINVAL,
			"/nonexistent/w.properties: No such file or directory");
	{
		struct kv_config *c = wl_cfg(badopt);
		struct kv_runner_params p = { .cfg = c };
		struct kv_runner *r;
		struct kv_err err;

		assert_int_equal(kv_runner_new(&p, &r, &err), KV_EINVAL);
		assert_non_null(strstr(kv_err_msg(&err), "recordcnt"));
		kv_config_free(c);
	}
}

/* A-F end to end on the LSM engine with verification: every get and scan
   is checked; the runner's counts match the engine's. */
static void test_end_to_end(void **state)
{
	static const char *const names[] = { "ycsb-a", "ycsb-b", "ycsb-c",
					     "ycsb-d", "ycsb-e", "ycsb-f" };

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		char wl[64], seed[64];
		const char *kv[] = { wl, "recordcount=2000", "operationcount=3000", "verify=true",
				     "progress=false", seed, NULL };
		struct kv_runner_result *load = wl_result(), *run = wl_result();
		struct wl_rig rig;
		struct kv_runner *r;
		struct kv_err err;
		const struct kv_engine_stats *es;
		uint64_t gets;

		snprintf(wl, sizeof(wl), "workload=%s", names[i]);
		snprintf(seed, sizeof(seed), "seed=%llu", (unsigned long long)g_seed + i);
		wl_rig_open(&rig);
		r = wl_runner(kv, NULL, NULL);
		if (kv_runner_load(r, rig.e, load, &err) != KV_OK ||
		    kv_runner_run(r, rig.e, run, &err) != KV_OK)
			fail_msg("%s: %s", names[i], kv_err_msg(&err));
		assert_int_equal(load->ops, 2000);
		assert_int_equal(load->count[KV_WL_INSERT], 2000);
		assert_int_equal(run->ops, 3000);
		assert_int_equal(kv_runner_live_keys(r), 2000 + run->count[KV_WL_INSERT]);
		{
			/* Keys 0..live-1 were inserted, none deleted: exact bytes. */
			uint64_t want = 0;
			char key[32];

			for (uint64_t n = 0; n < kv_runner_live_keys(r); n++)
				want += (uint64_t)snprintf(key, sizeof(key), "user%llu",
							   (unsigned long long)kv_fnv1a64(n)) + 1000;
			assert_true(kv_runner_live_bytes(r) == want);
			assert_true(run->live_bytes == want);
		}
		/* Every read found its key (no deletes in A-F). */
		assert_int_equal(run->reads_not_found, 0);
		gets = run->count[KV_WL_READ] + run->count[KV_WL_RMW];
		assert_int_equal(run->reads_found, gets);
		assert_int_equal(run->verified, gets + run->count[KV_WL_SCAN]);
		es = kv_engine_stats(rig.e);
		assert_int_equal(es->ops[KV_OP_GET], gets);
		assert_int_equal(es->ops[KV_OP_SCAN], run->count[KV_WL_SCAN]);
		assert_int_equal(es->ops[KV_OP_PUT], 2000 + run->count[KV_WL_INSERT] +
							  run->count[KV_WL_UPDATE] +
							  run->count[KV_WL_RMW]);
		assert_true(run->lat_ns[KV_WL_READ].count == run->count[KV_WL_READ]);
		if (i == 4)
			assert_true(run->scan_entries > run->count[KV_WL_SCAN]);
		kv_runner_free(r);
		wl_rig_close(&rig);
		wl_result_free(load);
		wl_result_free(run);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mix_proportions),
		cmocka_unit_test(test_properties_file),
		cmocka_unit_test(test_properties_malformed),
		cmocka_unit_test(test_runner_errors),
		cmocka_unit_test(test_end_to_end),
	};
	const char *tmp = getenv("TMPDIR");
	int rc;

	g_seed = tu_seed(1001);
	snprintf(g_dir, sizeof(g_dir), "%s/lsmlab-test-ycsb-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(g_dir))
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/workloada.properties", g_dir);
		remove(path);
		snprintf(path, sizeof(path), "%s/bad.properties", g_dir);
		remove(path);
		rmdir(g_dir);
	}
	return rc;
}
