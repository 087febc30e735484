/*
 * lua/lua_module.c - luaopen_lsmlab: the module table of `require
 * "lsmlab"` (docs/lua.md).
 *
 * Everything named comes from the registries at the time of the call
 * (engines, devices, memtables, strategies and their option tables), so a
 * plug-in added to a registry is usable from Lua with no change here. The
 * embedded helpers (the .lua files in lua/lsmlab/, compiled into lua_chunks.c at build
 * time) are run with the module table and add options, results, sweep and
 * plot. Nothing touches a global.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/options.h"
#include "devices/registry.h"
#include "lua/lua_chunks.h"
#include "lua/lua_lsmlab.h"
#include "strategies/registry.h"
#include "workloads/metrics.h"

#ifndef LSMLAB_VERSION
#define LSMLAB_VERSION "unknown"
#endif

const char *kv_lua_option_string(lua_State *L, int idx, const char *key, char *buf,
				 size_t len)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
		return lua_tostring(L, idx);
	case LUA_TBOOLEAN:
		return lua_toboolean(L, idx) ? "true" : "false";
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
		} else {
			double d = lua_tonumber(L, idx);
			if (d == floor(d) && fabs(d) < 9.2e18)
				snprintf(buf, len, "%lld", (long long)d);
			else
				snprintf(buf, len, "%.17g", d);
		}
		return buf;
	default:
		lua_pushfstring(L, "option '%s': expected a string, number or boolean, got %s", key,
				luaL_typename(L, idx));
		lua_error(L);
		return NULL;
	}
}

/* ------------------------------------------------------- option tables */

static const char *type_name(enum kv_opt_type t)
{
	switch (t) {
	case KV_OPT_INT:
		return "int";
	case KV_OPT_BYTES:
		return "bytes";
	case KV_OPT_DURATION:
		return "duration";
	case KV_OPT_DOUBLE:
		return "double";
	case KV_OPT_BOOL:
		return "bool";
	case KV_OPT_ENUM:
		return "enum";
	case KV_OPT_STRING:
		return "string";
	}
	return "?";
}

/* Push an array of { name, type, default, min, max, unit, doc, choices }. */
static void push_option_table(lua_State *L, const struct kv_option *table)
{
	int i = 0;

	lua_newtable(L);
	for (const struct kv_option *o = table; o && o->name; o++) {
		lua_createtable(L, 0, 8);
		lua_pushstring(L, o->name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, type_name(o->type));
		lua_setfield(L, -2, "type");
		lua_pushstring(L, o->def ? o->def : "");
		lua_setfield(L, -2, "default");
		if (o->type != KV_OPT_BOOL && o->type != KV_OPT_ENUM && o->type != KV_OPT_STRING) {
			lua_pushnumber(L, o->min);
			lua_setfield(L, -2, "min");
			lua_pushnumber(L, o->max);
			lua_setfield(L, -2, "max");
		}
		lua_pushstring(L, o->unit ? o->unit : "");
		lua_setfield(L, -2, "unit");
		lua_pushstring(L, o->doc ? o->doc : "");
		lua_setfield(L, -2, "doc");
		if (o->choices) {
			int c = 0;
			lua_newtable(L);
			for (const char *const *ch = o->choices; *ch; ch++) {
				lua_pushstring(L, *ch);
				lua_rawseti(L, -2, ++c);
			}
			lua_setfield(L, -2, "choices");
		}
		lua_rawseti(L, -2, ++i);
	}
}

/* One registry as { name = { name, version, doc, options = {...} }, ... } plus
   an array part of the names in registry order. */
#define PUSH_REGISTRY(L, registry)                                                        \
	do {                                                                              \
		int n_ = 0;                                                               \
		lua_newtable(L);                                                          \
		for (size_t i_ = 0; (registry)[i_]; i_++) {                               \
			lua_pushstring(L, (registry)[i_]->name);                          \
			lua_rawseti(L, -2, ++n_);                                         \
			lua_createtable(L, 0, 4);                                         \
			lua_pushstring(L, (registry)[i_]->name);                          \
			lua_setfield(L, -2, "name");                                      \
			lua_pushinteger(L, (lua_Integer)(registry)[i_]->version);         \
			lua_setfield(L, -2, "version");                                   \
			lua_pushstring(L, (registry)[i_]->doc ? (registry)[i_]->doc : ""); \
			lua_setfield(L, -2, "doc");                                       \
			push_option_table(L, (registry)[i_]->options);                    \
			lua_setfield(L, -2, "options");                                   \
			lua_setfield(L, -2, (registry)[i_]->name);                        \
		}                                                                         \
	} while (0)

/*
 * lsmlab.list() -> { engines = R, devices = R, memtables = R, strategies = R }
 * where R[1..n] are the names in registry order and R[name] describes one.
 */
static int l_list(lua_State *L)
{
	lua_createtable(L, 0, 4);
	PUSH_REGISTRY(L, kv_engine_registry);
	lua_setfield(L, -2, "engines");
	PUSH_REGISTRY(L, kv_device_registry);
	lua_setfield(L, -2, "devices");
	PUSH_REGISTRY(L, kv_memtable_registry);
	lua_setfield(L, -2, "memtables");
	PUSH_REGISTRY(L, kv_strategy_registry);
	lua_setfield(L, -2, "strategies");
	return 1;
}

/* ------------------------------------------------------------- parsing */

/* lsmlab.parse_bytes("4MiB") -> 4194304 | nil, message */
static int l_parse_bytes(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	uint64_t v;

	if (kv_parse_bytes(s, &v) != KV_OK) {
		luaL_pushfail(L);
		lua_pushfstring(L, "'%s' is not a size (e.g. 4096, 1e6, 4KiB, 64MiB, 1GB)", s);
		return 2;
	}
	lua_pushinteger(L, (lua_Integer)v);
	return 1;
}

/* lsmlab.parse_duration("10ms") -> 10000000 (ns) | nil, message */
static int l_parse_duration(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	uint64_t v;

	if (kv_parse_duration_ns(s, &v) != KV_OK) {
		luaL_pushfail(L);
		lua_pushfstring(L, "'%s' is not a duration (e.g. 500ns, 10us, 10ms, 2s, 1min, 1h, 1d)",
				s);
		return 2;
	}
	lua_pushinteger(L, (lua_Integer)v);
	return 1;
}

/* lsmlab.parse_number("1e6") -> 1000000 | nil, message (integers stay integers) */
static int l_parse_number(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	double d;

	if (kv_parse_double(s, &d) != KV_OK) {
		luaL_pushfail(L);
		lua_pushfstring(L, "'%s' is not a number", s);
		return 2;
	}
	if (d == floor(d) && fabs(d) < 9.2e18)
		lua_pushinteger(L, (lua_Integer)d);
	else
		lua_pushnumber(L, d);
	return 1;
}

/* lsmlab.parse_bool("yes") -> true | nil, message */
static int l_parse_bool(lua_State *L)
{
	const char *s = luaL_checkstring(L, 1);
	bool b;

	if (kv_parse_bool(s, &b) != KV_OK) {
		luaL_pushfail(L);
		lua_pushfstring(L, "'%s' is not a boolean (true/false/yes/no/on/off/1/0)", s);
		return 2;
	}
	lua_pushboolean(L, b);
	return 1;
}

/* lsmlab.suggest(name, {names...}) -> the closest name (as the CLI suggests) or nil */
static int l_suggest(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	const char *names[256];
	size_t n = 0;
	const char *s;

	luaL_checktype(L, 2, LUA_TTABLE);
	for (lua_Integer i = 1; n < 256; i++) {
		if (lua_rawgeti(L, 2, i) != LUA_TSTRING) {
			lua_pop(L, 1);
			break;
		}
		names[n++] = lua_tostring(L, -1);
		lua_pop(L, 1); /* the string stays referenced by the table */
	}
	s = kv_setup_suggest(name, names, n);
	if (s)
		lua_pushstring(L, s);
	else
		lua_pushnil(L);
	return 1;
}

/* lsmlab.wall_ns() -> CLOCK_MONOTONIC in ns */
static int l_wall_ns(lua_State *L)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	lua_pushinteger(L, (lua_Integer)ts.tv_sec * 1000000000 + ts.tv_nsec);
	return 1;
}

/* lsmlab.mkdir(path) -> true | nil, message: create a directory and its parents */
static int l_mkdir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	char buf[4096];
	size_t len = strlen(path);

	luaL_argcheck(L, len > 0 && len < sizeof(buf), 1, "path is empty or too long");
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
			luaL_pushfail(L);
			lua_pushfstring(L, "mkdir %s: %s", buf, strerror(errno));
			return 2;
		}
		buf[i] = path[i];
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* lsmlab.metrics: { id = { term = ..., definition = ... }, [i] = id } */
static void push_metrics(lua_State *L)
{
	int i = 0;

	lua_newtable(L);
#define PUSH_DEF(id, term, def)                                                            \
	lua_pushliteral(L, #id);                                                           \
	lua_rawseti(L, -2, ++i);                                                           \
	lua_createtable(L, 0, 2);                                                          \
	lua_pushliteral(L, term);                                                          \
	lua_setfield(L, -2, "term");                                                       \
	lua_pushliteral(L, def);                                                           \
	lua_setfield(L, -2, "definition");                                                 \
	lua_setfield(L, -2, #id);
	KV_METRIC_DEFS(PUSH_DEF)
#undef PUSH_DEF
}

static const luaL_Reg module_funcs[] = {
	{ "open", kv_lua_engine_open },
	{ "rng", kv_lua_rng_new },
	{ "list", l_list },
	{ "parse_bytes", l_parse_bytes },
	{ "parse_duration", l_parse_duration },
	{ "parse_number", l_parse_number },
	{ "parse_bool", l_parse_bool },
	{ "wall_ns", l_wall_ns },
	{ "mkdir", l_mkdir },
	{ "suggest", l_suggest },
	{ NULL, NULL },
};

int luaopen_lsmlab(lua_State *L)
{
	kv_lua_engine_register(L);
	kv_lua_iter_register(L);
	kv_lua_rng_register(L);
	luaL_newlib(L, module_funcs);
	lua_pushliteral(L, LSMLAB_VERSION);
	lua_setfield(L, -2, "version");
	push_metrics(L);
	lua_setfield(L, -2, "metrics");
	/* the Engine methods, for the helpers that add Lua-side methods */
	luaL_getmetatable(L, KV_LUA_ENGINE_MT);
	lua_getfield(L, -1, "__index");
	lua_remove(L, -2);
	for (const struct kv_lua_chunk *c = kv_lua_chunks; c->name; c++) {
		char chunkname[128];

		snprintf(chunkname, sizeof(chunkname), "=[lsmlab] %s", c->name);
		if (luaL_loadbufferx(L, (const char *)c->data, c->len, chunkname, "t") != LUA_OK)
			return lua_error(L);
		lua_pushvalue(L, -3); /* module */
		lua_pushvalue(L, -3); /* engine methods */
		lua_call(L, 2, 0);
	}
	lua_pop(L, 1);
	return 1;
}
