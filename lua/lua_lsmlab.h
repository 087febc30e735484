/*
 * lua/lua_lsmlab.h - the pieces of the `lsmlab` Lua module (internal to
 * lua/lua_*.c; scripts see only what luaopen_lsmlab returns).
 *
 * One userdata type per file, as in Lua's liolib.c:
 *   lua_engine.c  "lsmlab.Engine"   an open engine over its own device
 *   lua_iter.c    "lsmlab.Iterator" a scan in progress
 *   lua_rng.c     "lsmlab.Rng"      a seeded generator for event workloads
 * lua_module.c builds the module table (registry-driven name lists, option
 * tables, metric definitions, parse helpers) and runs the embedded Lua
 * helpers (the .lua files in lua/lsmlab/: options, results, sweep, plot).
 *
 * Rules (docs/lua.md): misuse raises (luaL_argerror); data-path failures
 * return nil, message, code (code is the status name, e.g. "KV_EIO"); a
 * closed handle raises "attempt to use a closed engine".
 */
#ifndef KV_LUA_LUA_LSMLAB_H
#define KV_LUA_LUA_LSMLAB_H

#include <stdbool.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "core/engine.h"
#include "lua/setup.h"

#define KV_LUA_ENGINE_MT "lsmlab.Engine"
#define KV_LUA_ITER_MT "lsmlab.Iterator"
#define KV_LUA_RNG_MT "lsmlab.Rng"

struct kv_lua_iter;
struct kv_lua_wl;
struct kv_liveset;

/* The Engine userdata. Owns the engine, its device and its configs. */
struct kv_compaction_log;

struct kv_lua_engine {
	struct kv_engine *eng;          /* NULL once closed (or before open) */
	struct kv_device *dev;
	struct kv_setup setup;
	bool setup_live;                /* setup holds configs to free */
	struct kv_lua_iter *iters;      /* open scans: closed by writes and close */
	uint64_t seed;
	struct kv_lua_wl *wl;           /* workload runner state of load/run, or NULL */
	struct kv_liveset *live;        /* live keys of direct puts/deletes, or NULL */
	uint64_t live_keys, live_bytes, peak_live_bytes; /* logical, when tracked */
	bool live_tracked;              /* false once writes escaped one tracker */
	struct kv_compaction_log *clog; /* the compaction_log key's file, or NULL */
};

/* lua_engine.c */
int kv_lua_engine_open(lua_State *L);      /* lsmlab.open(engine, config) */
void kv_lua_engine_register(lua_State *L); /* create the metatable */
/* The open engine at @idx; raises on a wrong type or a closed engine. */
struct kv_lua_engine *kv_lua_engine_check(lua_State *L, int idx);
/* Push a data-path failure: nil, message, status name. Returns 3. */
int kv_lua_fail(lua_State *L, int code, const char *msg);

/* lua_iter.c */
void kv_lua_iter_register(lua_State *L);
/* Push the generic-for quadruple of a scan of [lo, hi) (nil = unbounded):
   next function, iterator, nil, iterator (the to-be-closed value). On an
   engine error pushes nil, message, code instead. Returns the count. */
int kv_lua_iter_push_scan(lua_State *L, struct kv_lua_engine *e, int engine_idx,
			  int lo_idx, int hi_idx);
/* Close every open scan of @e (before a write or close). */
void kv_lua_iters_invalidate(struct kv_lua_engine *e, bool final);

/* lua_rng.c */
void kv_lua_rng_register(lua_State *L);
int kv_lua_rng_new(lua_State *L); /* lsmlab.rng(seed) */

/* lua_workload.c: db:load / db:run (named workloads, files, custom Lua events). */
int kv_lua_engine_load(lua_State *L);
int kv_lua_engine_run(lua_State *L);
/* Free the runner state of @e (at close). */
void kv_lua_engine_free_runner(struct kv_lua_engine *e);

/* lua_module.c */
int luaopen_lsmlab(lua_State *L);
/* Convert the value at @idx (string, number, boolean) to an option value
   string in buf; raises naming @key on other types. */
const char *kv_lua_option_string(lua_State *L, int idx, const char *key, char *buf,
				 size_t len);

#endif
