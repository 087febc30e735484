/*
 * lua/lua_iter.c - the "lsmlab.Iterator" userdata behind
 * `for k, v in db:scan(lo, hi) do ... end` (lua/lua_lsmlab.h).
 *
 * db:scan returns the generic-for quadruple (next, iterator, nil,
 * iterator): the fourth value is Lua 5.4's to-be-closed value, so leaving
 * the loop early (break, error) closes the engine scan at once.
 *
 * The engine forbids writes while a scan is open, so a write, flush or
 * compaction through the handle first closes every open scan of it
 * (kv_lua_iters_invalidate); the next step of such a loop reopens the scan
 * just after the last key it returned. A loop that deletes what it visits
 * therefore works; it sees the store as of each reopening.
 *
 * Invariants:
 *  1. it->it != NULL  =>  it is on its engine's list and the engine is open.
 *  2. it->done  =>  it->it == NULL (exhausted, failed or closed for good).
 * User values: 1 = the engine userdata (kept alive), 2 = hi bound or nil,
 * 3 = the last key returned or nil.
 */
#include <assert.h>
#include <string.h>

#include "lua/lua_lsmlab.h"

struct kv_lua_iter {
	struct kv_iter *it;           /* the open engine scan, or NULL */
	struct kv_lua_engine *owner;  /* NULL once done */
	struct kv_lua_iter *next;     /* the owner's list of open scans */
	bool started;                 /* the current scan's first entry was returned */
	bool done;
};

static bool iter_check(const struct kv_lua_iter *t)
{
	return (!t->done || t->it == NULL) && (t->it == NULL || t->owner != NULL);
}

static void unlink_iter(struct kv_lua_iter *t)
{
	struct kv_lua_iter **pp;

	if (!t->owner)
		return;
	for (pp = &t->owner->iters; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
}

/* Close the engine scan (the handle may reopen it later unless @done). */
static void iter_close(struct kv_lua_iter *t, bool done)
{
	assert(iter_check(t));
	if (t->it) {
		kv_iter_close(t->it);
		t->it = NULL;
		unlink_iter(t);
	}
	if (done) {
		unlink_iter(t);
		t->owner = NULL;
		t->done = true;
	}
	assert(iter_check(t));
}

void kv_lua_iters_invalidate(struct kv_lua_engine *e, bool final)
{
	while (e->iters) {
		struct kv_lua_iter *t = e->iters;

		e->iters = t->next;
		t->next = NULL;
		kv_iter_close(t->it);
		t->it = NULL;
		if (final) {
			t->owner = NULL;
			t->done = true;
		}
	}
}

/* Open the engine scan from @lo (NULL: unbounded) to the hi user value. */
static int iter_open(lua_State *L, struct kv_lua_iter *t, int self, struct kv_slice lo)
{
	struct kv_slice hi = { 0 };
	size_t len;
	int rc;

	lua_getiuservalue(L, self, 2);
	if (!lua_isnil(L, -1)) {
		hi.data = (const void *)lua_tolstring(L, -1, &len);
		hi.len = len;
	}
	rc = kv_engine_scan(t->owner->eng, lo, hi, &t->it);
	lua_pop(L, 1);
	if (rc != KV_OK) {
		t->it = NULL;
		return rc;
	}
	t->next = t->owner->iters;
	t->owner->iters = t;
	t->started = false;
	return KV_OK;
}

/* The for-loop step: key, value of the next entry, or nil at the end. */
static int iter_step(lua_State *L)
{
	struct kv_lua_iter *t = luaL_checkudata(L, 1, KV_LUA_ITER_MT);
	struct kv_slice k, v;
	bool skip_last = false;
	int rc;

	if (t->done)
		return 0;
	if (!t->owner->eng)
		return luaL_error(L, "attempt to use a closed engine");
	if (!t->it) {
		/* invalidated by a write: reopen after the last key returned */
		struct kv_slice lo = { 0 };
		size_t len;

		lua_getiuservalue(L, 1, 3);
		if (!lua_isnil(L, -1)) {
			lo.data = (const void *)lua_tolstring(L, -1, &len);
			lo.len = len;
			skip_last = true;
		}
		rc = iter_open(L, t, 1, lo);
		if (rc != KV_OK) {
			const char *msg = lua_pushstring(L, kv_engine_errmsg(t->owner->eng));
			iter_close(t, true);
			return luaL_error(L, "scan: %s", msg);
		}
		lua_pop(L, 1);
	}
	if (t->started)
		kv_iter_next(t->it);
	t->started = true;
	if (skip_last && kv_iter_valid(t->it)) {
		size_t len;
		const char *last;

		lua_getiuservalue(L, 1, 3);
		last = lua_tolstring(L, -1, &len);
		k = kv_iter_key(t->it);
		if (k.len == len && memcmp(k.data, last, len) == 0)
			kv_iter_next(t->it);
		lua_pop(L, 1);
	}
	if (!kv_iter_valid(t->it)) {
		rc = kv_iter_status(t->it);
		if (rc != KV_OK) {
			const char *msg = lua_pushstring(L, kv_iter_errmsg(t->it));
			iter_close(t, true);
			return luaL_error(L, "scan: %s", msg);
		}
		iter_close(t, true);
		return 0;
	}
	k = kv_iter_key(t->it);
	v = kv_iter_value(t->it);
	lua_pushlstring(L, k.data, k.len);
	lua_pushvalue(L, -1);
	lua_setiuservalue(L, 1, 3);
	lua_pushlstring(L, v.data, v.len);
	return 2;
}

static int iter_gc(lua_State *L)
{
	struct kv_lua_iter *t = luaL_checkudata(L, 1, KV_LUA_ITER_MT);

	iter_close(t, true);
	return 0;
}

static int iter_tostring(lua_State *L)
{
	struct kv_lua_iter *t = luaL_checkudata(L, 1, KV_LUA_ITER_MT);

	lua_pushstring(L, t->done ? "lsmlab.Iterator (closed)" : "lsmlab.Iterator");
	return 1;
}

int kv_lua_iter_push_scan(lua_State *L, struct kv_lua_engine *e, int engine_idx, int lo_idx,
			  int hi_idx)
{
	struct kv_lua_iter *t;
	struct kv_slice lo = { 0 };
	int self, rc;

	engine_idx = lua_absindex(L, engine_idx);
	lo_idx = lua_absindex(L, lo_idx);
	hi_idx = lua_absindex(L, hi_idx);
	lua_pushcfunction(L, iter_step);
	t = lua_newuserdatauv(L, sizeof(*t), 3);
	memset(t, 0, sizeof(*t));
	luaL_setmetatable(L, KV_LUA_ITER_MT);
	self = lua_gettop(L);
	t->owner = e;
	lua_pushvalue(L, engine_idx);
	lua_setiuservalue(L, self, 1);
	if (!lua_isnoneornil(L, hi_idx)) {
		lua_pushvalue(L, hi_idx);
		lua_setiuservalue(L, self, 2);
	}
	if (!lua_isnoneornil(L, lo_idx)) {
		size_t len;
		lo.data = (const void *)lua_tolstring(L, lo_idx, &len);
		lo.len = len;
	}
	rc = iter_open(L, t, self, lo);
	if (rc != KV_OK) {
		t->owner = NULL;
		t->done = true;
		return kv_lua_fail(L, rc, kv_engine_errmsg(e->eng));
	}
	lua_pushnil(L);
	lua_pushvalue(L, self);
	return 4;
}

static const luaL_Reg iter_meta[] = {
	{ "__gc", iter_gc },
	{ "__close", iter_gc },
	{ "__tostring", iter_tostring },
	{ NULL, NULL },
};

void kv_lua_iter_register(lua_State *L)
{
	luaL_newmetatable(L, KV_LUA_ITER_MT);
	luaL_setfuncs(L, iter_meta, 0);
	lua_pop(L, 1);
}
