/*
 * tests/engine_harness.h - opening engines for the contract, crash and
 * corruption suites over a matrix of configurations: every engine in the
 * registry, the LSM engine with every memtable kind and every strategy,
 * on the mem device, and the defaults on the file device (the LSM engine
 * there twice: with background jobs, its default, and inline). Options are
 * scaled down so that flushes and compactions happen within a few
 * thousand operations; an option a configuration's plug-ins do not know
 * is left out, so new plug-ins join the matrix with no test changes.
 */
#ifndef KV_TESTS_ENGINE_HARNESS_H
#define KV_TESTS_ENGINE_HARNESS_H

#include <stdbool.h>

#include "core/device.h"
#include "core/engine.h"
#include "core/options.h"

struct th_config {
	char name[128];
	const struct kv_engine_ops *engine;
	const struct kv_memtable_ops *memtable;   /* NULL for non-LSM engines */
	const struct kv_strategy_ops *strategy;   /* NULL for non-LSM engines */
	const struct kv_device_ops *device;
	bool primary; /* an engine with its default plug-ins (long runs go here) */
	bool inline_jobs; /* LSM: background_jobs=false */
};

/* The matrix (static storage). */
size_t th_matrix(const struct th_config **out);

struct th_env {
	const struct th_config *cfg;
	struct kv_device *dev;
	struct kv_config *kcfg;   /* engine + plug-in options */
	char dir[256];            /* file device directory */
};

/* Create the device (a fresh temporary directory for the file device). */
void th_env_init(struct th_env *env, const struct th_config *cfg);
/*
 * Like th_env_init, but over @dev (opened by the caller, e.g. a fault
 * device): the env takes ownership and closes it in th_env_destroy.
 */
void th_env_init_dev(struct th_env *env, const struct th_config *cfg, struct kv_device *dev);
/* Add name=value to the engine options if a plug-in knows the name. */
void th_env_set(struct th_env *env, const char *name, const char *value);
/* Open the engine; fails the test on error. */
struct kv_engine *th_open(struct th_env *env);
/* Open the engine; returns the status and the error text in err. */
int th_try_open(struct th_env *env, struct kv_engine **out, struct kv_err *err);
/* Close the device and remove the directory. */
void th_env_destroy(struct th_env *env);

#endif
