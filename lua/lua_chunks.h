/*
 * lua/lua_chunks.h - the Lua helpers of the lsmlab module (the .lua files in lua/lsmlab/)
 * compiled into the binary and lsmlab.so as byte arrays by
 * lua/embed_lua.py (a meson custom_target), so neither needs files
 * installed next to it. luaopen_lsmlab runs each chunk in order with
 * (module table, Engine methods table).
 */
#ifndef KV_LUA_LUA_CHUNKS_H
#define KV_LUA_LUA_CHUNKS_H

#include <stddef.h>

struct kv_lua_chunk {
	const char *name;          /* "options.lua", ...; NULL ends the table */
	const unsigned char *data; /* Lua source */
	size_t len;
};

/* The chunks in load order (the order given to embed_lua.py). */
extern const struct kv_lua_chunk kv_lua_chunks[];

#endif
