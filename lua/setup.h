/*
 * lua/setup.h - from names and name=value options to an open device and
 * engine: the one place the edge (the `lsmlab bench` command line and the
 * Lua module's lsmlab.open) resolves plug-in names through the registries
 * and routes options to the engine or the device.
 *
 * The option names split:
 *  - the caller's own keys (the bench flags, or lsmlab.open's device/path/
 *    memtable/strategy/seed), which the caller handles itself; they are
 *    passed in @own only so suggestions for misspelt names can name them;
 *  - everything else, which must be an option of the chosen engine, its
 *    memtable and strategy (when the engine has them: it declares options
 *    named "memtable" / "strategy"), or the device. Engine, memtable and
 *    strategy options go into engine_cfg (for kv_engine_open), device
 *    options into device_cfg (for kv_dev_open); a name both know goes to
 *    both.
 * Unknown names are errors suggesting the closest known name, or naming
 * the registered plug-in that has the option; values are checked by
 * kv_option_parse, whose message names the option and the allowed range or
 * choices. Unknown plug-in names are errors listing the registered names.
 * Option names appear in messages with the caller's @prefix ("--" for the
 * command line, "" for Lua tables).
 */
#ifndef KV_LUA_SETUP_H
#define KV_LUA_SETUP_H

#include <stdint.h>

#include "core/device.h"
#include "core/engine.h"
#include "core/lsm/strategy.h"
#include "core/memtable/memtable.h"
#include "core/options.h"
#include "core/status.h"
#include "lua/report.h"

struct kv_setup {
	const char *prefix;                     /* how option names are shown */
	const struct kv_option *own;            /* the caller's keys; may be NULL */
	const struct kv_engine_ops *engine;
	const struct kv_memtable_ops *memtable; /* NULL if the engine has none */
	const struct kv_strategy_ops *strategy; /* NULL if the engine has none */
	const struct kv_device_ops *device;
	struct kv_config *engine_cfg;           /* engine + memtable + strategy */
	struct kv_config *device_cfg;
};

/*
 * Make empty configs. @prefix and @own are borrowed for the life of @s.
 * KV_OK or KV_ENOMEM (with @err set); free with kv_setup_free either way.
 */
int kv_setup_init(struct kv_setup *s, const char *prefix, const struct kv_option *own,
		  struct kv_err *err);
/* Free the configs (idempotent). */
void kv_setup_free(struct kv_setup *s);

/*
 * Resolve the plug-ins by name; @memtable and @strategy are used only if
 * the engine has them. KV_OK, or KV_EINVAL naming the unknown name and the
 * registered ones.
 */
int kv_setup_resolve(struct kv_setup *s, const char *engine, const char *memtable,
		     const char *strategy, const char *device, struct kv_err *err);

/*
 * Check one plug-in option and route it (call after kv_setup_resolve).
 * @value NULL is a bare flag, accepted for booleans as "true". KV_OK,
 * KV_EINVAL (unknown name or bad value), KV_ENOMEM.
 */
int kv_setup_option(struct kv_setup *s, const char *name, const char *value,
		    struct kv_err *err);

/*
 * After the options: record the memtable and strategy names in engine_cfg
 * and give every plug-in with a "seed" option @seed (the caller owns that
 * name). KV_OK, KV_EINVAL, KV_ENOMEM.
 */
int kv_setup_finish(struct kv_setup *s, uint64_t seed, struct kv_err *err);

/*
 * Open the device (at @path, may be NULL) and the engine on it. On
 * success both are owned by the caller (kv_engine_close, then
 * kv_dev_close); on failure both are NULL and @err names the plug-in.
 */
int kv_setup_open(const struct kv_setup *s, const char *path, struct kv_device **dev,
		  struct kv_engine **eng, struct kv_err *err);

/*
 * The engine, memtable, strategy and device sections of a report's
 * config echo, into @c (room for 4). Returns how many were filled.
 */
size_t kv_setup_report_configs(const struct kv_setup *s, struct kv_report_config *c);

/*
 * The closest of the @n candidate @names (NULL entries are skipped) to @s:
 * edit distance (with transpositions) at most 2 and below strlen(s), else
 * the first name that @s is a prefix of (3+ characters); NULL if none.
 * Borrowed from @names.
 */
const char *kv_setup_suggest(const char *s, const char *const *names, size_t n);

/* "a|b|c": the names of a registry (engines, devices, memtables, strategies). */
void kv_setup_engine_names(char *buf, size_t len);
void kv_setup_device_names(char *buf, size_t len);
void kv_setup_memtable_names(char *buf, size_t len);
void kv_setup_strategy_names(char *buf, size_t len);

#endif
