/*
 * tests/unit/wl_rig.h - a small LSM-on-mem-device rig for the workload
 * tests (header-only; each test program includes it once).
 */
#ifndef KV_TESTS_UNIT_WL_RIG_H
#define KV_TESTS_UNIT_WL_RIG_H

#include "tests/testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/device.h"
#include "core/engine.h"
#include "core/lsm/lsm.h"
#include "core/memtable/memtable.h"
#include "devices/mem.h"
#include "strategies/registry.h"
#include "workloads/runner.h"

struct wl_rig {
	struct kv_device *dev;
	struct kv_engine *e;
	struct kv_config *ecfg;
};

/* LSM engine (skiplist, leveled, 64 KiB write buffer) on a mem device. */
static inline void wl_rig_open(struct wl_rig *r)
{
	struct kv_engine_args args;
	struct kv_err err;

	memset(r, 0, sizeof(*r));
	r->ecfg = kv_config_new();
	assert_non_null(r->ecfg);
	assert_int_equal(kv_config_set(r->ecfg, "write_buffer_size", "64KiB"), KV_OK);
	assert_int_equal(kv_config_set(r->ecfg, "memtable", "skiplist"), KV_OK);
	assert_int_equal(kv_config_set(r->ecfg, "strategy", "leveled"), KV_OK);
	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &r->dev, &err), KV_OK);
	args = (struct kv_engine_args){ .cfg = r->ecfg, .dev = r->dev,
					.memtable = kv_memtable_find("skiplist"),
					.strategy = kv_strategy_find("leveled") };
	if (kv_engine_open(&kv_lsm_engine_ops, &args, &r->e, &err) != KV_OK)
		fail_msg("engine open: %s", kv_err_msg(&err));
}

static inline void wl_rig_close(struct wl_rig *r)
{
	kv_engine_close(r->e);
	kv_dev_close(r->dev);
	kv_config_free(r->ecfg);
	memset(r, 0, sizeof(*r));
}

/* A config from "name=value" strings (NULL-terminated). */
static inline struct kv_config *wl_cfg(const char *const *kv)
{
	struct kv_config *c = kv_config_new();

	assert_non_null(c);
	for (; *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		char name[128];

		assert_non_null(eq);
		snprintf(name, sizeof(name), "%.*s", (int)(eq - *kv), *kv);
		assert_int_equal(kv_config_set(c, name, eq + 1), KV_OK);
	}
	return c;
}

/* New runner from "name=value" strings; fails the test on error. */
static inline struct kv_runner *wl_runner(const char *const *kv, kv_runner_interval_fn fn,
					  void *ud)
{
	struct kv_config *c = wl_cfg(kv);
	struct kv_runner_params p = { .cfg = c, .on_interval = fn, .ud = ud };
	struct kv_runner *r;
	struct kv_err err;

	if (kv_runner_new(&p, &r, &err) != KV_OK)
		fail_msg("runner: %s", kv_err_msg(&err));
	kv_config_free(c);
	return r;
}

/* The error message of kv_runner_new on @kv (which must fail with @code). */
static inline void wl_runner_fails(const char *const *kv, int code, const char *msg)
{
	struct kv_config *c = wl_cfg(kv);
	struct kv_runner_params p = { .cfg = c };
	struct kv_runner *r;
	struct kv_err err;

	kv_err_clear(&err);
	assert_int_equal(kv_runner_new(&p, &r, &err), code);
	assert_null(r);
	assert_string_equal(kv_err_msg(&err), msg);
	kv_config_free(c);
}

static inline struct kv_runner_result *wl_result(void)
{
	struct kv_runner_result *res = kv_calloc(KV_MEM_OTHER, sizeof(*res));

	assert_non_null(res);
	return res;
}

static inline void wl_result_free(struct kv_runner_result *res)
{
	kv_free(KV_MEM_OTHER, res, sizeof(*res));
}

/* Write @text to @path. */
static inline void wl_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

#endif
