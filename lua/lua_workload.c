/*
 * lua/lua_workload.c - db:load and db:run of named workloads, .properties
 * files, traces and declarative mixes, executed in C by the workload
 * runner (workloads/runner.h). The Lua wrappers in lua/lsmlab/workload.lua
 * normalise the arguments (mix tables, event functions) and call the
 * natives here as native(db, params_table, reuse_key, phase).
 *
 * One runner per engine handle: a load followed by a run with the same
 * workload and parameters (the same reuse_key) share it, as YCSB's load
 * and transaction phases do, so the logical live bytes stay exact. A new
 * runner on a store that already holds writes it did not see cannot know
 * the live data: SA is then reported as NaN (e->live_tracked false).
 *
 * The interval callback runs the Lua function under lua_pcall, so an error
 * in it never unwinds through the runner's C frames: the phase is stopped
 * and the error re-raised once the runner has returned.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "lua/lua_lsmlab.h"
#include "workloads/opstream.h"
#include "workloads/runner.h"

#define VALUE_BYTES 64

/* What the interval trampoline needs. */
struct interval_ctx {
	lua_State *L;
	int fn;      /* stack index of the Lua callback; 0: none */
	bool failed; /* the callback raised; its error is on the stack top */
};

/* Per-handle runner state, owned by the Engine userdata. */
struct kv_lua_wl {
	struct interval_ctx ctx; /* the runner's callback data: reset per call */
	struct kv_runner *runner;
	struct kv_runner_result res;
	struct kv_config *cfg;  /* the config being built (freed on the next call) */
	char *key;              /* reuse key of runner (KV_MEM_OTHER) */
	bool loaded, ran;
	uint64_t base_user_bytes; /* engine user bytes when the runner was made */
};

void kv_lua_engine_free_runner(struct kv_lua_engine *e)
{
	struct kv_lua_wl *w = e->wl;

	if (!w)
		return;
	kv_runner_free(w->runner);
	kv_config_free(w->cfg);
	if (w->key)
		kv_strfree(KV_MEM_OTHER, w->key);
	kv_free(KV_MEM_OTHER, w, sizeof(*w));
	e->wl = NULL;
}

static void set_int(lua_State *L, const char *k, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

static void set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void push_lat(lua_State *L, const struct kv_runner_lat *l)
{
	lua_createtable(L, 0, 7);
	set_int(L, "count", l->count);
	set_num(L, "mean", l->mean);
	set_int(L, "p50", l->p50);
	set_int(L, "p90", l->p90);
	set_int(L, "p99", l->p99);
	set_int(L, "p999", l->p999);
	set_int(L, "max", l->max);
}

/* Protected: build the sample table and call the Lua callback with it. */
static int call_interval(lua_State *L)
{
	const struct kv_runner_sample *s = lua_touserdata(L, 2);

	lua_settop(L, 1);
	lua_createtable(L, 0, 18);
	lua_pushstring(L, s->phase);
	lua_setfield(L, -2, "phase");
	set_int(L, "index", s->index);
	set_int(L, "ops", s->ops);
	set_int(L, "interval_ops", s->interval_ops);
	set_int(L, "wall_ns", s->wall_ns);
	set_int(L, "device_ns", s->device_ns);
	set_int(L, "interval_device_ns", s->interval_device_ns);
	set_int(L, "user_bytes_written", s->user_bytes_written);
	set_int(L, "device_bytes_written", s->device_bytes_written);
	set_num(L, "wa", s->wa);
	set_int(L, "live_keys", s->live_keys);
	set_int(L, "live_bytes", s->live_bytes);
	set_int(L, "device_live_bytes", s->device_live_bytes);
	set_num(L, "sa", s->sa);
	lua_newtable(L);
	for (int k = 0; k < KV_WL__COUNT; k++) {
		if (!s->lat[k].count)
			continue;
		push_lat(L, &s->lat[k]);
		lua_setfield(L, -2, kv_wl_kind_name((enum kv_wl_kind)k));
	}
	lua_setfield(L, -2, "latency_ns");
	lua_call(L, 1, 0);
	return 0;
}

static int interval_trampoline(void *ud, const struct kv_runner_sample *s)
{
	struct interval_ctx *c = ud;
	lua_State *L = c->L;

	if (c->failed)
		return KV_EINVAL;
	if (c->fn == 0)
		return KV_OK;
	/* lua_checkstack was done before the phase: these pushes cannot raise */
	lua_pushcfunction(L, call_interval);
	lua_pushvalue(L, c->fn);
	lua_pushlightuserdata(L, (void *)s);
	if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
		c->failed = true; /* the error stays on the stack top */
		return KV_EINVAL;
	}
	return KV_OK;
}

/* Push the result table of a phase. */
static void push_result(lua_State *L, struct kv_lua_engine *e, const struct kv_runner_result *r)
{
	struct kv_runner_lat lat;
	struct kv_dev_stats ds;
	const struct kv_engine_stats *es = kv_engine_stats(e->eng);
	uint64_t user = es->user_key_bytes_written + es->user_value_bytes_written;
	double wall_s = (double)r->wall_ns / 1e9, dev_s = (double)r->device_ns / 1e9;

	kv_dev_get_stats(e->dev, &ds);
	lua_createtable(L, 0, 26);
	lua_pushstring(L, r->phase);
	lua_setfield(L, -2, "phase");
	lua_pushstring(L, kv_runner_workload(e->wl->runner));
	lua_setfield(L, -2, "workload");
	lua_pushstring(L, kv_runner_describe(e->wl->runner));
	lua_setfield(L, -2, "description");
	set_int(L, "ops", r->ops);
	lua_newtable(L);
	for (int k = 0; k < KV_WL__COUNT; k++)
		set_int(L, kv_wl_kind_name((enum kv_wl_kind)k), r->count[k]);
	lua_setfield(L, -2, "count");
	set_int(L, "reads_found", r->reads_found);
	set_int(L, "reads_not_found", r->reads_not_found);
	set_int(L, "scan_entries", r->scan_entries);
	set_int(L, "range_deleted", r->range_deleted);
	set_int(L, "user_bytes", r->user_bytes);
	set_int(L, "read_bytes", r->read_bytes);
	set_int(L, "wall_ns", r->wall_ns);
	set_int(L, "device_ns", r->device_ns);
	set_num(L, "ops_per_sec", wall_s > 0 ? (double)r->ops / wall_s : NAN);
	set_num(L, "device_ops_per_sec", dev_s > 0 ? (double)r->ops / dev_s : NAN);
	set_int(L, "device_bytes_written", r->device_bytes_written);
	set_int(L, "device_bytes_read", r->device_bytes_read);
	set_num(L, "phase_wa", r->user_bytes ? (double)r->device_bytes_written /
			       (double)r->user_bytes : NAN);
	set_num(L, "wa", user ? (double)kv_io_bytes_written(&ds, true) / (double)user : NAN);
	set_int(L, "verified", r->verified);
	set_int(L, "device_live_bytes", ds.live_bytes);
	if (e->live_tracked) {
		set_int(L, "live_keys", r->live_keys);
		set_int(L, "live_bytes", r->live_bytes);
		set_int(L, "peak_live_bytes", r->peak_live_bytes);
		set_num(L, "sa", r->live_bytes ? (double)ds.live_bytes / (double)r->live_bytes :
			NAN);
	} else {
		set_num(L, "sa", NAN);
	}
	lua_newtable(L);
	for (int k = 0; k < KV_WL__COUNT; k++) {
		if (!r->lat_ns[k].count)
			continue;
		kv_runner_lat_summary(&r->lat_ns[k], &lat);
		push_lat(L, &lat);
		lua_setfield(L, -2, kv_wl_kind_name((enum kv_wl_kind)k));
	}
	lua_setfield(L, -2, "latency_ns");
}

/* Build w->cfg from the params table at @idx (Lua-only keys skipped). */
static void build_config(lua_State *L, struct kv_lua_engine *e, int idx)
{
	struct kv_lua_wl *w = e->wl;
	char buf[VALUE_BYTES], seed[32];
	bool has_seed = false;

	kv_config_free(w->cfg);
	w->cfg = kv_config_new();
	if (!w->cfg)
		luaL_error(L, "out of memory");
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *key, *value;

		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "workload parameters are name = value pairs");
		key = lua_tostring(L, -2);
		if (strcmp(key, "on_interval") == 0 || strcmp(key, "on_done") == 0) {
			lua_pop(L, 1);
			continue;
		}
		if (!kv_option_find(kv_runner_options, key)) {
			const char *names[256];
			size_t n = 0;
			const char *sug;

			for (const struct kv_option *o = kv_runner_options; o->name && n < 256; o++)
				names[n++] = o->name;
			sug = kv_setup_suggest(key, names, n);
			if (sug)
				lua_pushfstring(L, "unknown workload parameter '%s' (did you mean "
						"'%s'?)", key, sug);
			else
				lua_pushfstring(L, "unknown workload parameter '%s'; `lsmlab list` "
						"shows the workload options", key);
			lua_error(L);
		}
		if (strcmp(key, "seed") == 0)
			has_seed = true;
		value = kv_lua_option_string(L, -1, key, buf, sizeof(buf));
		if (kv_config_set(w->cfg, key, value) != KV_OK)
			luaL_error(L, "out of memory");
		lua_pop(L, 1);
	}
	if (!has_seed) {
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)e->seed);
		if (kv_config_set(w->cfg, "seed", seed) != KV_OK)
			luaL_error(L, "out of memory");
	}
}

/*
 * native(db, params, reuse_key, phase): phase "load" or "run". Returns the
 * result table, or nil, message, code on an engine or file failure.
 */
static int phase(lua_State *L, bool load)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	const char *key = luaL_checkstring(L, 3);
	const struct kv_engine_stats *es;
	struct kv_runner_params p;
	struct kv_lua_wl *w;
	struct kv_err err;
	uint64_t user;
	int rc;

	luaL_checktype(L, 2, LUA_TTABLE);
	kv_err_clear(&err);
	if (!e->wl) {
		e->wl = kv_calloc(KV_MEM_OTHER, sizeof(*e->wl));
		if (!e->wl)
			return luaL_error(L, "out of memory");
	}
	w = e->wl;
	w->ctx = (struct interval_ctx){ .L = L, .fn = 0, .failed = false };
	lua_getfield(L, 2, "on_interval");
	if (!lua_isnil(L, -1)) {
		if (!lua_isfunction(L, -1))
			luaL_error(L, "'on_interval' must be a function");
		w->ctx.fn = lua_gettop(L);
	} else {
		lua_pop(L, 1);
	}
	es = kv_engine_stats(e->eng);
	user = es->user_key_bytes_written + es->user_value_bytes_written;
	if (!w->runner || !w->key || strcmp(w->key, key) != 0 || (load && w->loaded) ||
	    (!load && w->ran)) {
		build_config(L, e, 2);
		kv_runner_free(w->runner);
		w->runner = NULL;
		if (w->key)
			kv_strfree(KV_MEM_OTHER, w->key);
		w->key = NULL;
		w->loaded = w->ran = false;
		p = (struct kv_runner_params){ .cfg = w->cfg, .on_interval = interval_trampoline,
					       .ud = &w->ctx };
		rc = kv_runner_new(&p, &w->runner, &err);
		if (rc == KV_EINVAL)
			luaL_error(L, "%s", kv_err_msg(&err));
		if (rc != KV_OK)
			return kv_lua_fail(L, rc, kv_err_msg(&err));
		w->key = kv_strdup(KV_MEM_OTHER, key);
		if (!w->key)
			return luaL_error(L, "out of memory");
		/* a fresh runner knows the live data only of an empty store */
		if (user > 0)
			e->live_tracked = false;
		w->base_user_bytes = user;
	}
	kv_lua_iters_invalidate(e, false);
	luaL_checkstack(L, 8, "db:run");
	if (load)
		rc = kv_runner_load(w->runner, e->eng, &w->res, &err);
	else
		rc = kv_runner_run(w->runner, e->eng, &w->res, &err);
	if (load)
		w->loaded = true;
	else
		w->ran = true;
	if (w->ctx.failed)
		return lua_error(L); /* the callback's error, on the stack top */
	if (e->live_tracked) {
		e->live_keys = kv_runner_live_keys(w->runner);
		e->live_bytes = kv_runner_live_bytes(w->runner);
		e->peak_live_bytes = kv_runner_peak_live_bytes(w->runner);
	}
	if (rc != KV_OK)
		return kv_lua_fail(L, rc, kv_err_msg(&err));
	push_result(L, e, &w->res);
	return 1;
}

int kv_lua_engine_load(lua_State *L)
{
	return phase(L, true);
}

int kv_lua_engine_run(lua_State *L)
{
	return phase(L, false);
}
