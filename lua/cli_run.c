/*
 * lua/cli_run.c - `lsmlab run` (lua/cli_run.h).
 */
#include "lua/cli_run.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <string.h>

#include "core/alloc.h"
#include "lua/cli_bench.h"
#include "lua/lua_lsmlab.h"

/* Lua's allocator over the lsmlab hook: every byte of the state is counted. */
static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	(void)ud;
	/* when ptr is NULL, osize encodes the object type, not a size */
	return kv_mem_alloc(KV_MEM_OTHER, ptr, ptr ? osize : 0, nsize);
}

static int lua_panic(lua_State *L)
{
	const char *msg = lua_tostring(L, -1);

	fprintf(stderr, "lsmlab: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
	return 0;
}

/* Message handler: the message (file:line: ...) plus a traceback. */
static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
			return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

void kv_cli_run_help(FILE *out)
{
	fprintf(out,
		"usage: lsmlab run SCRIPT.lua [--name=value ...]\n"
		"       lsmlab SCRIPT.lua [--name=value ...]   (#!/usr/bin/env lsmlab)\n"
		"\n"
		"Runs a Lua 5.4 experiment script with the lsmlab module built in\n"
		"(local lsmlab = require \"lsmlab\"). The arguments after the script are in\n"
		"the global `arg`; scripts declare them with lsmlab.options{...}, which gives\n"
		"--help and accepts 1e6, 4MiB, 10ms. docs/lua.md describes the API;\n"
		"experiments/ holds the shipped experiments, e.g.\n"
		"  lsmlab run experiments/quickstart.lua --quick\n"
		"\n"
		"Exit status: 0 success, 1 the script failed, 2 it could not be loaded.\n");
}

static int setup_state(lua_State *L, int argc, char **argv)
{
	luaL_openlibs(L);
	luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
	lua_pushcfunction(L, luaopen_lsmlab);
	lua_setfield(L, -2, "lsmlab");
	lua_pop(L, 1);
	lua_createtable(L, argc, 1);
	lua_pushliteral(L, "lsmlab");
	lua_rawseti(L, -2, -1);
	for (int i = 0; i < argc; i++) {
		lua_pushstring(L, argv[i]);
		lua_rawseti(L, -2, i);
	}
	lua_setglobal(L, "arg");
	return 0;
}

static int pmain(lua_State *L)
{
	int argc = (int)lua_tointeger(L, 1);
	char **argv = lua_touserdata(L, 2);

	return setup_state(L, argc, argv);
}

int kv_cli_run(int argc, char **argv, FILE *errout)
{
	lua_State *L;
	int code = KV_EXIT_RUNTIME, rc;

	if (argc < 1) {
		fprintf(errout, "lsmlab: run needs a script: lsmlab run SCRIPT.lua [--name=value ...]\n");
		return KV_EXIT_USAGE;
	}
	if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		kv_cli_run_help(stdout);
		return KV_EXIT_OK;
	}
	L = lua_newstate(lua_alloc, NULL);
	if (!L) {
		fprintf(errout, "lsmlab: cannot create a Lua state: out of memory\n");
		return KV_EXIT_RUNTIME;
	}
	lua_atpanic(L, lua_panic);
	lua_pushcfunction(L, pmain);
	lua_pushinteger(L, argc);
	lua_pushlightuserdata(L, argv);
	if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
		fprintf(errout, "lsmlab: %s\n", lua_tostring(L, -1));
		goto out_close;
	}
	lua_pushcfunction(L, traceback);
	rc = luaL_loadfile(L, argv[0]);
	if (rc != LUA_OK) {
		fprintf(errout, "lsmlab: %s\n", lua_tostring(L, -1));
		code = KV_EXIT_USAGE;
		goto out_close;
	}
	for (int i = 1; i < argc; i++)
		lua_pushstring(L, argv[i]);
	rc = lua_pcall(L, argc - 1, 0, -(argc + 1));
	if (rc != LUA_OK) {
		fflush(stdout);
		fprintf(errout, "lsmlab: %s\n", lua_tostring(L, -1));
		goto out_close;
	}
	code = KV_EXIT_OK;
out_close:
	fflush(stdout);
	lua_close(L);
	return code;
}
