/*
 * tests/unit/test_job_rules.c - the engine's checks of strategy jobs
 * (core/lsm/compaction.c, job_resolve), driven by a scripted strategy.
 *
 * Regression: a merge of L0 runs that skips an overlapping run lying
 * BETWEEN its inputs in read order (newest and oldest taken, middle one
 * left) used to be accepted; the output took the newest input's position
 * and the oldest input's versions then shadowed the newer middle run's.
 */
#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/engine.h"
#include "core/lsm/lsm.h"
#include "core/lsm/strategy.h"
#include "core/lsm/strategy_util.h"
#include "devices/mem.h"

struct scripted {
	struct kv_strategy base;
};

/* Armed by the test: merge the newest and the oldest of exactly 3 L0 runs. */
static bool armed;
static bool skip_middle;

static const struct kv_option no_options[] = { { .name = NULL } };
static const char *const scripted_triggers[] = { "scripted", NULL };

static int scripted_init(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err)
{
	(void)cfg;
	(void)err;
	s->nlevels = 1;
	return KV_OK;
}

static int scripted_pick(struct kv_strategy *s, const struct kv_version_view *v,
			 struct kv_job *job)
{
	const struct kv_level *l0 = &v->levels[0];

	(void)s;
	if (!armed || l0->nruns != 3)
		return KV_OK;
	armed = false;
	for (size_t r = 0; r < 3; r++) {
		if (skip_middle && r == 1)
			continue;
		for (size_t i = 0; i < l0->runs[r].nfiles; i++)
			kv_job_add_input(job, 0, l0->runs[r].files[i]->id);
	}
	job->kind = KV_JOB_MERGE;
	job->trigger = "scripted";
	job->output_level = 0;
	job->output_run = -1;
	return KV_OK;
}

static const struct kv_strategy_ops scripted_ops = {
	.name = "scripted",
	.version = 1,
	.instance_size = sizeof(struct scripted),
	.doc = "test strategy",
	.options = no_options,
	.triggers = scripted_triggers,
	.init = scripted_init,
	.pick = scripted_pick,
};

static struct kv_slice S(const char *s)
{
	return kv_slice_str(s);
}

/* Runs (newest first): [a, z] without k; k=v2; k=v1. Then the scripted job. */
static int run_case(bool skip, char *got, size_t len, char *msg, size_t msglen)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_device *dev = NULL;
	struct kv_engine *e = NULL;
	struct kv_err err = { 0 };
	struct kv_slice v;
	int r;

	assert_non_null(cfg);
	assert_int_equal(kv_config_set(cfg, "wal", "false"), KV_OK);
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &dev, &err), KV_OK);
	{
		struct kv_engine_args args = { .cfg = cfg, .dev = dev, .strategy = &scripted_ops };
		r = kv_engine_open(&kv_lsm_engine_ops, &args, &e, &err);
		if (r != KV_OK)
			fail_msg("open: %s", kv_err_msg(&err));
	}
	assert_int_equal(kv_engine_put(e, S("k"), S("v1")), KV_OK);
	assert_int_equal(kv_engine_flush(e), KV_OK);
	assert_int_equal(kv_engine_put(e, S("k"), S("v2")), KV_OK);
	assert_int_equal(kv_engine_flush(e), KV_OK);
	assert_int_equal(kv_engine_put(e, S("a"), S("x")), KV_OK);
	assert_int_equal(kv_engine_put(e, S("z"), S("x")), KV_OK);
	armed = true;
	skip_middle = skip;
	r = kv_engine_flush(e);
	snprintf(msg, msglen, "%s", r == KV_OK ? "" : kv_engine_errmsg(e));
	got[0] = 0;
	if (r == KV_OK) {
		int g = kv_engine_get(e, S("k"), &v);
		assert_int_equal(g, KV_OK);
		snprintf(got, len, "%.*s", (int)v.len, (const char *)v.data);
	}
	kv_engine_close(e);
	kv_dev_close(dev);
	kv_config_free(cfg);
	return r;
}

static void test_contiguous_merge_accepted(void **state)
{
	char got[16], msg[256];

	(void)state;
	assert_int_equal(run_case(false, got, sizeof(got), msg, sizeof(msg)), KV_OK);
	assert_string_equal(got, "v2");
}

static void test_merge_skipping_middle_run_rejected(void **state)
{
	char got[16], msg[256];
	int r;

	(void)state;
	r = run_case(true, got, sizeof(got), msg, sizeof(msg));
	if (r == KV_OK)
		fail_msg("job accepted; get(k) = '%s' (the newer 'v2' was shadowed)", got);
	assert_int_equal(r, KV_EINVAL);
	assert_non_null(strstr(msg, "reorder"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contiguous_merge_accepted),
		cmocka_unit_test(test_merge_skipping_middle_run_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
