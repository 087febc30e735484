/*
 * lua/lua_rng.c - the "lsmlab.Rng" userdata: the seeded generator handed to
 * event(db, rng) workloads, also made by lsmlab.rng(seed). The same seed
 * gives the same stream on every platform (core/rng.h), unlike
 * math.random.
 */
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "lua/lua_lsmlab.h"

#define MAX_BYTES (64u << 20)

static struct kv_rng *check_rng(lua_State *L)
{
	return luaL_checkudata(L, 1, KV_LUA_RNG_MT);
}

int kv_lua_rng_new(lua_State *L)
{
	lua_Integer seed = luaL_optinteger(L, 1, 301);
	struct kv_rng *r = lua_newuserdatauv(L, sizeof(*r), 0);

	kv_rng_seed(r, (uint64_t)seed);
	luaL_setmetatable(L, KV_LUA_RNG_MT);
	return 1;
}

/* rng:random() float in [0, 1); rng:random(m) integer in [1, m];
   rng:random(m, n) integer in [m, n] (math.random's conventions). */
static int l_random(lua_State *L)
{
	struct kv_rng *r = check_rng(L);
	lua_Integer lo, hi;

	switch (lua_gettop(L)) {
	case 1:
		lua_pushnumber(L, kv_rng_double(r));
		return 1;
	case 2:
		lo = 1;
		hi = luaL_checkinteger(L, 2);
		break;
	default:
		lo = luaL_checkinteger(L, 2);
		hi = luaL_checkinteger(L, 3);
		break;
	}
	luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
	lua_pushinteger(L, lo + (lua_Integer)kv_rng_below(r, (uint64_t)hi - (uint64_t)lo + 1));
	return 1;
}

/* rng:bytes(n) -> n pseudo-random bytes (a string) */
static int l_bytes(lua_State *L)
{
	struct kv_rng *r = check_rng(L);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_Buffer b;
	char *p;

	luaL_argcheck(L, n >= 0 && n <= (lua_Integer)MAX_BYTES, 2, "0..64 MiB");
	p = luaL_buffinitsize(L, &b, (size_t)n);
	kv_rng_fill(r, p, (size_t)n);
	luaL_pushresultsize(&b, (size_t)n);
	return 1;
}

/* rng:key(i [, width]) -> i in decimal, zero-padded to width (default 16) */
static int l_key(lua_State *L)
{
	lua_Integer i = luaL_checkinteger(L, 2);
	lua_Integer w = luaL_optinteger(L, 3, 16);
	char buf[64];

	check_rng(L);
	luaL_argcheck(L, i >= 0, 2, "key numbers are non-negative");
	luaL_argcheck(L, w >= 1 && w <= 40, 3, "width is 1..40");
	snprintf(buf, sizeof(buf), "%0*lld", (int)w, (long long)i);
	lua_pushstring(L, buf);
	return 1;
}

static const luaL_Reg rng_methods[] = {
	{ "random", l_random },
	{ "bytes", l_bytes },
	{ "key", l_key },
	{ NULL, NULL },
};

void kv_lua_rng_register(lua_State *L)
{
	luaL_newmetatable(L, KV_LUA_RNG_MT);
	luaL_newlib(L, rng_methods);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}
