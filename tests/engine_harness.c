/*
 * tests/engine_harness.c - see engine_harness.h.
 */
#include "tests/engine_harness.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lsm/lsm.h"
#include "core/lsm/strategy.h"
#include "core/memtable/memtable.h"
#include "devices/file.h"
#include "devices/mem.h"
#include "devices/registry.h"
#include "strategies/registry.h"
#include "tests/testutil.h"

#define TH_MAX_CONFIGS 64

static struct th_config configs[TH_MAX_CONFIGS];
static size_t nconfigs;

static void add_config(const struct kv_engine_ops *e, const struct kv_memtable_ops *mt,
		       const struct kv_strategy_ops *st, const struct kv_device_ops *dev,
		       bool primary)
{
	struct th_config *c;

	if (nconfigs == TH_MAX_CONFIGS)
		return;
	c = &configs[nconfigs++];
	c->engine = e;
	c->memtable = mt;
	c->strategy = st;
	c->device = dev;
	c->primary = primary;
	if (mt)
		snprintf(c->name, sizeof(c->name), "%s/%s/%s@%s", e->name, mt->name, st->name,
			 dev->name);
	else
		snprintf(c->name, sizeof(c->name), "%s@%s", e->name, dev->name);
}

size_t th_matrix(const struct th_config **out)
{
	if (nconfigs == 0) {
		const struct kv_memtable_ops *mt0 = kv_memtable_registry[0];
		const struct kv_strategy_ops *st0 = kv_strategy_registry[0];
		for (size_t i = 0; kv_engine_registry[i]; i++) {
			const struct kv_engine_ops *e = kv_engine_registry[i];
			bool lsm = strcmp(e->name, "lsm") == 0;
			add_config(e, lsm ? mt0 : NULL, lsm ? st0 : NULL, &kv_mem_device_ops, true);
			add_config(e, lsm ? mt0 : NULL, lsm ? st0 : NULL, &kv_file_device_ops, true);
			if (!lsm)
				continue;
			for (size_t m = 1; kv_memtable_registry[m]; m++)
				add_config(e, kv_memtable_registry[m], st0, &kv_mem_device_ops, false);
			for (size_t s = 1; kv_strategy_registry[s]; s++)
				add_config(e, mt0, kv_strategy_registry[s], &kv_mem_device_ops, false);
		}
		/* Last, so the others keep their positions (seeds derive from them). */
		add_config(&kv_lsm_engine_ops, mt0, st0, &kv_file_device_ops, false);
		configs[nconfigs - 1].inline_jobs = true;
		snprintf(configs[nconfigs - 1].name, sizeof(configs[0].name), "%s/%s/%s@%s,inline",
			 kv_lsm_engine_ops.name, mt0->name, st0->name, kv_file_device_ops.name);
	}
	*out = configs;
	return nconfigs;
}

static bool known(const struct th_env *env, const char *name)
{
	const struct th_config *c = env->cfg;
	return kv_option_find(c->engine->options, name) ||
	       (c->memtable && kv_option_find(c->memtable->options, name)) ||
	       (c->strategy && kv_option_find(c->strategy->options, name));
}

void th_env_set(struct th_env *env, const char *name, const char *value)
{
	if (known(env, name))
		assert_int_equal(kv_config_set(env->kcfg, name, value), KV_OK);
}

/* Small sizes so a few thousand operations flush and compact. */
static const char *const small_options[][2] = {
	{ "write_buffer_size", "64KiB" },
	{ "level0_file_num_compaction_trigger", "4" },
	{ "max_bytes_for_level_base", "256KiB" },
	{ "target_file_size_base", "64KiB" },
	{ "max_bytes_for_level_multiplier", "4" },
	{ "min_sstable_size", "16KiB" },
	{ "tombstone_compaction_interval", "0" },
	{ "block_cache_size", "256KiB" },
	{ "paranoid_checks", "true" },
	{ "page_cache_size", "256KiB" },
	{ "checkpoint_bytes", "256KiB" },
	{ NULL, NULL },
};

void th_env_init(struct th_env *env, const struct th_config *cfg)
{
	struct kv_err err = { 0 };
	const char *path = NULL;
	int r;

	memset(env, 0, sizeof(*env));
	env->cfg = cfg;
	env->kcfg = kv_config_new();
	assert_non_null(env->kcfg);
	for (size_t i = 0; small_options[i][0]; i++)
		th_env_set(env, small_options[i][0], small_options[i][1]);
	if (cfg->inline_jobs)
		th_env_set(env, "background_jobs", "false");
	if (cfg->device == &kv_file_device_ops) {
		snprintf(env->dir, sizeof(env->dir), "/tmp/lsmlab-test-XXXXXX");
		assert_non_null(mkdtemp(env->dir));
		path = env->dir;
	}
	r = kv_dev_open(cfg->device, NULL, path, &env->dev, &err);
	if (r != KV_OK)
		fail_msg("device %s: %s", cfg->device->name, kv_err_msg(&err));
}

void th_env_init_dev(struct th_env *env, const struct th_config *cfg, struct kv_device *dev)
{
	memset(env, 0, sizeof(*env));
	env->cfg = cfg;
	env->kcfg = kv_config_new();
	assert_non_null(env->kcfg);
	for (size_t i = 0; small_options[i][0]; i++)
		th_env_set(env, small_options[i][0], small_options[i][1]);
	if (cfg->inline_jobs)
		th_env_set(env, "background_jobs", "false");
	env->dev = dev;
}

int th_try_open(struct th_env *env, struct kv_engine **out, struct kv_err *err)
{
	struct kv_engine_args args = {
		.cfg = env->kcfg,
		.dev = env->dev,
		.memtable = env->cfg->memtable,
		.strategy = env->cfg->strategy,
	};
	return kv_engine_open(env->cfg->engine, &args, out, err);
}

struct kv_engine *th_open(struct th_env *env)
{
	struct kv_engine *e = NULL;
	struct kv_err err = { 0 };
	int r = th_try_open(env, &e, &err);

	if (r != KV_OK)
		fail_msg("open %s: %s", env->cfg->name, kv_err_msg(&err));
	return e;
}

void th_env_destroy(struct th_env *env)
{
	kv_dev_close(env->dev);
	env->dev = NULL;
	kv_config_free(env->kcfg);
	env->kcfg = NULL;
	if (env->dir[0]) {
		DIR *d = opendir(env->dir);
		struct dirent *de;
		char p[512];
		while (d && (de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", env->dir, de->d_name);
			unlink(p);
		}
		if (d)
			closedir(d);
		rmdir(env->dir);
		env->dir[0] = 0;
	}
}
