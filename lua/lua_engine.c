/*
 * lua/lua_engine.c - the "lsmlab.Engine" userdata: lsmlab.open and the
 * methods of an open engine (lua/lua_lsmlab.h, docs/lua.md).
 *
 * Invariants:
 *  1. e->eng != NULL  <=>  e->dev != NULL  <=>  the handle is open.
 *  2. Every iterator on e->iters holds an open kv_iter of e->eng; a write
 *     or close first closes them all (the engine forbids writes while a
 *     scan is open).
 *  3. Everything the userdata owns is reachable from it, so a raise at any
 *     point leaves it to __gc; nothing is allocated on the C stack's behalf
 *     across a call that can raise.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/lsm/lsm.h"
#include "lua/compaction_log.h"
#include "lua/lua_lsmlab.h"
#include "lua/report.h"
#include "workloads/liveset.h"
#include "workloads/metrics.h"

#define OPTION_VALUE_BYTES 64
#define LIST_BYTES 1024

static bool engine_check_inv(const struct kv_lua_engine *e)
{
	return (e->eng == NULL) == (e->dev == NULL) && (e->eng != NULL || e->iters == NULL);
}

int kv_lua_fail(lua_State *L, int code, const char *msg)
{
	luaL_pushfail(L);
	lua_pushstring(L, msg);
	lua_pushstring(L, kv_status_name(code));
	return 3;
}

static struct kv_lua_engine *to_engine(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, KV_LUA_ENGINE_MT);
}

struct kv_lua_engine *kv_lua_engine_check(lua_State *L, int idx)
{
	struct kv_lua_engine *e = to_engine(L, idx);

	if (!e->eng)
		luaL_error(L, "attempt to use a closed engine");
	return e;
}

/*
 * The idempotent close behind close(), __close and __gc. KV_OK, or KV_EIO
 * (in @err) if the compaction log lost rows; everything is closed anyway.
 */
static int engine_close(struct kv_lua_engine *e, struct kv_err *err)
{
	int rc;

	assert(engine_check_inv(e));
	kv_lua_iters_invalidate(e, true);
	kv_lua_engine_free_runner(e);
	kv_liveset_free(e->live);
	e->live = NULL;
	kv_engine_close(e->eng);
	kv_dev_close(e->dev);
	e->eng = NULL;
	e->dev = NULL;
	rc = kv_compaction_log_close(e->clog, err);
	e->clog = NULL;
	if (e->setup_live) {
		kv_setup_free(&e->setup);
		e->setup_live = false;
	}
	assert(engine_check_inv(e));
	return rc;
}

/* ---------------------------------------------------------------- open */

/* lsmlab.open's own keys; every other key is a plug-in option. */
static const struct kv_option own_keys[] = {
	{ .name = "device", .type = KV_OPT_STRING, .def = "mem", .doc = "device name" },
	{ .name = "path", .type = KV_OPT_STRING, .def = "", .doc = "directory of the file device" },
	{ .name = "memtable", .type = KV_OPT_STRING, .def = "skiplist", .doc = "memtable kind" },
	{ .name = "strategy", .type = KV_OPT_STRING, .def = "leveled", .doc = "strategy" },
	{ .name = "seed", .type = KV_OPT_INT, .def = "301", .min = 0, .max = 9.2e18,
	  .doc = "seed of plug-ins with a seed option" },
	{ .name = "compaction_log", .type = KV_OPT_STRING, .def = "",
	  .doc = "CSV file of one row per flush and compaction job (lsm engine)" },
	{ .name = NULL },
};

/* config[key] as a string, or @def; raises if it is not a string. */
static const char *own_string(lua_State *L, int cfg, const char *key, const char *def)
{
	const char *s;

	if (cfg == 0)
		return def;
	lua_getfield(L, cfg, key);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return def;
	}
	if (lua_type(L, -1) != LUA_TSTRING) {
		lua_pushfstring(L, "option '%s' must be a string (got %s)", key,
				luaL_typename(L, -1));
		luaL_argerror(L, 2, lua_tostring(L, -1));
	}
	s = lua_tostring(L, -1);
	lua_pop(L, 1); /* still referenced by the config table */
	return s;
}

static void raise_err(lua_State *L, int arg, const struct kv_err *err)
{
	luaL_argerror(L, arg, kv_err_msg(err));
}

/* lsmlab.open(engine [, config]) -> Engine | nil, message, code */
int kv_lua_engine_open(lua_State *L)
{
	const char *engine = luaL_checkstring(L, 1);
	int cfg = lua_isnoneornil(L, 2) ? 0 : 2;
	struct kv_lua_engine *e;
	const char *device, *memtable, *strategy, *path, *clog;
	char buf[OPTION_VALUE_BYTES];
	lua_Integer seed = 301;
	struct kv_err err;
	int rc;

	if (cfg)
		luaL_checktype(L, 2, LUA_TTABLE);
	kv_err_clear(&err);
	device = own_string(L, cfg, "device", "mem");
	memtable = own_string(L, cfg, "memtable", "skiplist");
	strategy = own_string(L, cfg, "strategy", "leveled");
	path = own_string(L, cfg, "path", NULL);
	clog = own_string(L, cfg, "compaction_log", NULL);
	if (cfg) {
		lua_getfield(L, cfg, "seed");
		if (!lua_isnil(L, -1)) {
			int isint = 0;
			seed = lua_tointegerx(L, -1, &isint);
			if (!isint || seed < 0)
				luaL_argerror(L, 2, "option 'seed' must be a non-negative integer");
		}
		lua_pop(L, 1);
	}

	e = lua_newuserdatauv(L, sizeof(*e), 1);
	memset(e, 0, sizeof(*e));
	luaL_setmetatable(L, KV_LUA_ENGINE_MT);
	e->seed = (uint64_t)seed;
	e->live_tracked = true;
	e->setup_live = true;
	rc = kv_setup_init(&e->setup, "", own_keys, &err);
	if (rc != KV_OK)
		return luaL_error(L, "lsmlab.open: %s", kv_err_msg(&err));
	rc = kv_setup_resolve(&e->setup, engine, memtable, strategy, device, &err);
	if (rc != KV_OK)
		raise_err(L, 1, &err);
	if (cfg) {
		lua_pushnil(L);
		while (lua_next(L, cfg)) {
			const char *key, *value;

			if (lua_type(L, -2) != LUA_TSTRING)
				luaL_argerror(L, 2, "config keys must be option names (strings)");
			key = lua_tostring(L, -2);
			if (kv_option_find(own_keys, key)) {
				lua_pop(L, 1);
				continue;
			}
			value = kv_lua_option_string(L, -1, key, buf, sizeof(buf));
			rc = kv_setup_option(&e->setup, key, value, &err);
			if (rc == KV_ENOMEM)
				return luaL_error(L, "lsmlab.open: out of memory");
			if (rc != KV_OK)
				raise_err(L, 2, &err);
			lua_pop(L, 1);
		}
	}
	rc = kv_setup_finish(&e->setup, e->seed, &err);
	if (rc != KV_OK)
		raise_err(L, 2, &err);
	if (strcmp(e->setup.device->name, "file") == 0 && !path)
		luaL_argerror(L, 2, "device 'file' needs a 'path' (a directory)");
	rc = kv_setup_open(&e->setup, path, &e->dev, &e->eng, &err);
	if (rc == KV_EINVAL)
		raise_err(L, 2, &err);
	if (rc != KV_OK)
		return kv_lua_fail(L, rc, kv_err_msg(&err));
	if (clog) {
		rc = kv_compaction_log_open(clog, e->eng, &e->clog, &err);
		if (rc == KV_EINVAL)
			raise_err(L, 2, &err);
		if (rc != KV_OK)
			return kv_lua_fail(L, rc, kv_err_msg(&err));
	}
	/* only a device that starts empty lets the logical live data be tracked */
	e->live_tracked = strcmp(e->setup.device->name, "file") != 0;
	assert(engine_check_inv(e));
	return 1;
}

/* ---------------------------------------------------------- data path */

static struct kv_slice check_slice(lua_State *L, int idx)
{
	size_t len;
	const char *s = luaL_checklstring(L, idx, &len);

	return kv_slice_make(s, len);
}

static int result(lua_State *L, struct kv_lua_engine *e, int rc)
{
	if (rc == KV_OK) {
		lua_pushboolean(L, 1);
		return 1;
	}
	return kv_lua_fail(L, rc, kv_engine_errmsg(e->eng));
}

/*
 * Track the logical live data of direct puts and deletes (for SA) while
 * this is the store's only writer; a store written by a workload runner,
 * or on the file device (which may hold an earlier store), is not tracked.
 */
static void track_write(lua_State *L, struct kv_lua_engine *e, struct kv_slice k,
			const struct kv_slice *v)
{
	if (!e->live_tracked)
		return;
	if (e->wl) {
		e->live_tracked = false;
		return;
	}
	if (!e->live) {
		e->live = kv_liveset_new(false, 0);
		if (!e->live)
			luaL_error(L, "out of memory");
	}
	if (v) {
		if (kv_liveset_put(e->live, 0, k, v->len) != KV_OK)
			luaL_error(L, "out of memory");
	} else {
		kv_liveset_del(e->live, 0, k);
	}
	e->live_keys = kv_liveset_keys(e->live);
	e->live_bytes = kv_liveset_bytes(e->live);
	e->peak_live_bytes = kv_liveset_peak_bytes(e->live);
}

static void check_key(lua_State *L, int idx, struct kv_slice k)
{
	if (k.len == 0 || k.len > KV_MAX_KEY_BYTES)
		luaL_argerror(L, idx, "keys are 1..65535 bytes");
}

/* db:put(key, value) -> true | nil, message, code */
static int l_put(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	struct kv_slice k = check_slice(L, 2), v = check_slice(L, 3);
	int rc;

	check_key(L, 2, k);
	if (v.len > KV_MAX_VALUE_BYTES)
		luaL_argerror(L, 3, "values are at most 64 MiB");
	kv_lua_iters_invalidate(e, false);
	rc = kv_engine_put(e->eng, k, v);
	if (rc == KV_OK)
		track_write(L, e, k, &v);
	return result(L, e, rc);
}

/* db:get(key) -> value | nil (absent) | nil, message, code */
static int l_get(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	struct kv_slice k = check_slice(L, 2), v;
	int rc;

	check_key(L, 2, k);
	rc = kv_engine_get(e->eng, k, &v);
	if (rc == KV_OK) {
		lua_pushlstring(L, v.data, v.len);
		return 1;
	}
	if (rc == KV_NOTFOUND) {
		lua_pushnil(L);
		return 1;
	}
	return kv_lua_fail(L, rc, kv_engine_errmsg(e->eng));
}

/* db:delete(key) -> true | nil, message, code */
static int l_delete(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	struct kv_slice k = check_slice(L, 2);
	int rc;

	check_key(L, 2, k);
	kv_lua_iters_invalidate(e, false);
	rc = kv_engine_delete(e->eng, k);
	if (rc == KV_OK)
		track_write(L, e, k, NULL);
	return result(L, e, rc);
}

/* for k, v in db:scan([lo [, hi]]) do ... end */
static int l_scan(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);

	if (!lua_isnoneornil(L, 2))
		check_key(L, 2, check_slice(L, 2));
	if (!lua_isnoneornil(L, 3))
		check_key(L, 3, check_slice(L, 3));
	return kv_lua_iter_push_scan(L, e, 1, 2, 3);
}

static int l_flush(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);

	kv_lua_iters_invalidate(e, false);
	return result(L, e, kv_engine_flush(e->eng));
}

static int l_compact(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);

	kv_lua_iters_invalidate(e, false);
	return result(L, e, kv_engine_compact_all(e->eng));
}

static int l_sync(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);

	return result(L, e, kv_engine_sync(e->eng));
}

static int l_check(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);

	return result(L, e, kv_engine_check(e->eng));
}

/* db:now() -> device clock in ns */
static int l_now(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);

	lua_pushinteger(L, (lua_Integer)kv_dev_now_ns(e->dev));
	return 1;
}

static int l_close(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	struct kv_err err;
	int rc;

	kv_err_clear(&err);
	rc = engine_close(e, &err);
	if (rc != KV_OK)
		return kv_lua_fail(L, rc, kv_err_msg(&err));
	lua_pushboolean(L, 1);
	return 1;
}

/* Garbage collection cannot raise: a lost compaction log row is reported on stderr. */
static int l_gc(lua_State *L)
{
	struct kv_err err;

	kv_err_clear(&err);
	if (engine_close(to_engine(L, 1), &err) != KV_OK)
		fprintf(stderr, "lsmlab: %s\n", kv_err_msg(&err));
	return 0;
}

static int l_tostring(lua_State *L)
{
	struct kv_lua_engine *e = to_engine(L, 1);

	if (!e->eng) {
		lua_pushliteral(L, "lsmlab.Engine (closed)");
		return 1;
	}
	if (e->setup.strategy)
		lua_pushfstring(L, "lsmlab.Engine (%s/%s/%s@%s)", e->setup.engine->name,
				e->setup.memtable ? e->setup.memtable->name : "-",
				e->setup.strategy->name, e->setup.device->name);
	else
		lua_pushfstring(L, "lsmlab.Engine (%s@%s)", e->setup.engine->name,
				e->setup.device->name);
	return 1;
}

/* -------------------------------------------------------------- config */

/* Set t[name] = effective value string of every option of @table. */
static void push_options(lua_State *L, const struct kv_option *table,
			 const struct kv_config *cfg)
{
	lua_newtable(L);
	for (const struct kv_option *o = table; o && o->name; o++) {
		const char *v = kv_config_get(cfg, o->name);

		lua_pushstring(L, v ? v : o->def);
		lua_setfield(L, -2, o->name);
	}
}

/*
 * db:config() -> { engine = "lsm", memtable = ..., strategy = ..., device =
 * ..., seed = N, options = { engine = {...}, memtable = {...}, strategy =
 * {...}, device = {...} }, set = { name = value, ... as given } }
 */
static int l_config(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	struct kv_report_config c[4];
	size_t n = kv_setup_report_configs(&e->setup, c);

	lua_newtable(L);
	lua_newtable(L); /* options */
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, c[i].name);
		lua_setfield(L, -3, c[i].section);
		push_options(L, c[i].options, c[i].cfg);
		lua_setfield(L, -2, c[i].section);
	}
	lua_setfield(L, -2, "options");
	lua_newtable(L); /* set: what the script gave (plus memtable/strategy/seed) */
	for (size_t i = 0; i < kv_config_count(e->setup.engine_cfg); i++) {
		const char *name, *value;
		kv_config_entry(e->setup.engine_cfg, i, &name, &value);
		lua_pushstring(L, value);
		lua_setfield(L, -2, name);
	}
	for (size_t i = 0; i < kv_config_count(e->setup.device_cfg); i++) {
		const char *name, *value;
		kv_config_entry(e->setup.device_cfg, i, &name, &value);
		lua_pushstring(L, value);
		lua_setfield(L, -2, name);
	}
	lua_setfield(L, -2, "set");
	lua_pushinteger(L, (lua_Integer)e->seed);
	lua_setfield(L, -2, "seed");
	return 1;
}

/* --------------------------------------------------------------- stats */

static void set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

static void push_hist(lua_State *L, const struct kv_hist *h)
{
	lua_newtable(L);
	set_int(L, "count", h->count);
	set_num(L, "mean", kv_hist_mean(h));
	set_int(L, "p50", kv_hist_percentile(h, 50));
	set_int(L, "p90", kv_hist_percentile(h, 90));
	set_int(L, "p99", kv_hist_percentile(h, 99));
	set_int(L, "p999", kv_hist_percentile(h, 99.9));
	set_int(L, "max", h->count ? h->max : 0);
}

static void push_level(lua_State *L, const struct kv_lsm_level_stats *s, double wamp)
{
	lua_newtable(L);
	set_int(L, "level", (uint64_t)s->level);
	set_int(L, "files", s->files);
	set_int(L, "runs", s->runs);
	set_int(L, "bytes", s->bytes);
	set_int(L, "bytes_read_upper", s->bytes_read_upper);
	set_int(L, "bytes_read_level", s->bytes_read_level);
	set_int(L, "bytes_written", s->bytes_written);
	set_int(L, "bytes_moved", s->bytes_moved);
	set_num(L, "w_amp", wamp);
	set_int(L, "compactions", s->compactions);
	set_int(L, "entries_dropped", s->entries_dropped);
	set_int(L, "tombstones_dropped", s->tombstones_dropped);
	set_int(L, "job_ns", s->job_ns);
}

static void trigger_cb(void *ud, const char *trigger, uint64_t count)
{
	lua_State *L = ud;

	set_int(L, trigger, count);
}

static void named_cb(void *ud, const char *name, double value)
{
	set_num(ud, name, value);
}

static void push_lsm(lua_State *L, struct kv_lua_engine *e, uint64_t user_bytes)
{
	struct kv_lsm_level_stats s;
	struct kv_lsm_read_stats rs;
	int n = kv_lsm_nlevels(e->eng);
	uint64_t written = 0;

	lua_newtable(L);
	for (int l = 0; l < n; l++) {
		if (kv_lsm_level_stats(e->eng, l, &s) != KV_OK)
			continue;
		written += s.bytes_written;
		push_level(L, &s, s.bytes_read_upper ?
			   (double)s.bytes_written / (double)s.bytes_read_upper : NAN);
		lua_rawseti(L, -2, l + 1);
	}
	lua_setfield(L, -2, "levels");
	set_num(L, "compaction_wamp", user_bytes ? (double)written / (double)user_bytes : NAN);
	lua_newtable(L);
	kv_lsm_trigger_counts(e->eng, trigger_cb, L);
	lua_setfield(L, -2, "triggers");
	kv_lsm_get_read_stats(e->eng, &rs);
	lua_newtable(L);
	set_int(L, "gets", rs.gets);
	set_int(L, "memtable_hits", rs.memtable_hits);
	set_int(L, "runs_probed", rs.runs_probed);
	set_int(L, "files_probed", rs.files_probed);
	set_int(L, "bloom_checks", rs.bloom_checks);
	set_int(L, "bloom_negatives", rs.bloom_negatives);
	set_int(L, "bloom_false_positives", rs.bloom_false_pos);
	set_int(L, "block_reads", rs.block_reads);
	set_int(L, "cache_hits", rs.cache_hits);
	lua_setfield(L, -2, "read");
	lua_pushstring(L, kv_lsm_strategy_name(e->eng));
	lua_setfield(L, -2, "strategy");
	lua_pushstring(L, kv_lsm_memtable_name(e->eng));
	lua_setfield(L, -2, "memtable");
}

/* Fill a struct kv_report for the report writers (no per-benchmark rows). */
static void make_report(struct kv_lua_engine *e, struct kv_report *r)
{
	bool known = e->live_tracked;

	memset(r, 0, sizeof(*r));
	r->version = LSMLAB_VERSION;
	r->seed = e->seed;
	r->engine = e->eng;
	r->device = e->dev;
	r->logical_live_keys = known ? e->live_keys : 0;
	r->logical_live_bytes = known ? e->live_bytes : 0;
	r->logical_peak_live_bytes = known ? e->peak_live_bytes : 0;
}

/*
 * Push the text report of @e as a string. Two passes (measure into a
 * temporary file, then format into a userdata buffer) so that no FILE is
 * open while Lua may raise.
 */
static void push_report_text(lua_State *L, struct kv_lua_engine *e)
{
	struct kv_report r;
	long size;
	char *buf;
	FILE *f;

	make_report(e, &r);
	f = tmpfile();
	if (!f)
		luaL_error(L, "db:report: cannot create a temporary file");
	kv_report_text(f, &r);
	size = ftell(f);
	fclose(f);
	if (size < 0)
		luaL_error(L, "db:report: cannot measure the report");
	buf = lua_newuserdatauv(L, (size_t)size + 1, 0);
	f = fmemopen(buf, (size_t)size + 1, "w");
	if (!f)
		luaL_error(L, "db:report: out of memory");
	kv_report_text(f, &r);
	fclose(f);
	buf[size] = '\0';
	lua_pushstring(L, buf);
	lua_remove(L, -2);
}

/* db:report() -> the text report (amplification summary, compaction table) */
static int l_report(lua_State *L)
{
	push_report_text(L, kv_lua_engine_check(L, 1));
	return 1;
}

static int stats_tostring(lua_State *L)
{
	if (!lua_getmetatable(L, 1))
		return 0;
	lua_getfield(L, -1, "text");
	return 1;
}

/*
 * db:stats() -> table (printing it shows the amplification summary and, for
 * the LSM engine, the per-level compaction table).
 */
static int l_stats(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	const struct kv_engine_stats *es = kv_engine_stats(e->eng);
	struct kv_report r;
	struct kv_amp a;
	struct kv_dev_stats ds;

	make_report(e, &r);
	kv_report_amp(&r, &a);
	kv_dev_get_stats(e->dev, &ds);
	lua_newtable(L);
	lua_pushstring(L, e->eng->ops->name);
	lua_setfield(L, -2, "engine");
	lua_pushstring(L, e->dev->ops->name);
	lua_setfield(L, -2, "device");
	set_int(L, "user_bytes_written", a.user_bytes_written);
	set_int(L, "device_bytes_written", a.dev_bytes_written);
	set_int(L, "device_bytes_written_no_wal", a.dev_bytes_written_no_wal);
	set_int(L, "device_bytes_read", kv_io_bytes_read(&ds));
	set_num(L, "wa", a.wa);
	set_num(L, "wa_no_wal", a.wa_no_wal);
	lua_newtable(L);
	for (int k = 0; k < KV_FILE__COUNT; k++)
		set_num(L, kv_file_kind_name((enum kv_file_kind)k), a.wa_kind[k]);
	lua_setfield(L, -2, "wa_by_kind");
	set_int(L, "gets_found", a.gets_found);
	set_int(L, "gets_notfound", a.gets_notfound);
	set_num(L, "ra_found_bytes", a.ra_found_bytes);
	set_num(L, "ra_found_ios", a.ra_found_ios);
	set_num(L, "ra_notfound_bytes", a.ra_notfound_bytes);
	set_num(L, "ra_notfound_ios", a.ra_notfound_ios);
	set_int(L, "scan_entries", a.scan_entries);
	set_num(L, "scan_bytes_per_entry", a.scan_bytes_per_entry);
	set_int(L, "device_live_bytes", a.dev_live_bytes);
	set_int(L, "device_peak_live_bytes", a.dev_peak_live_bytes);
	if (e->live_tracked) {
		set_int(L, "logical_live_keys", e->live_keys);
		set_int(L, "logical_live_bytes", e->live_bytes);
		set_int(L, "logical_peak_live_bytes", e->peak_live_bytes);
	}
	set_num(L, "sa", a.sa);
	set_num(L, "sa_peak", a.sa_peak);
	set_int(L, "device_now_ns", kv_dev_now_ns(e->dev));
	lua_newtable(L);
	for (int op = 0; op < KV_OP__COUNT; op++)
		set_int(L, kv_op_name((enum kv_op)op), es->ops[op]);
	lua_setfield(L, -2, "ops");
	lua_newtable(L);
	for (int op = 0; op < KV_OP__COUNT; op++) {
		push_hist(L, &es->lat_ns[op]);
		lua_setfield(L, -2, kv_op_name((enum kv_op)op));
	}
	lua_setfield(L, -2, "latency_ns");
	lua_newtable(L);
	kv_dev_report(e->dev, named_cb, L);
	lua_setfield(L, -2, "device_report");
	lua_newtable(L);
	kv_engine_report(e->eng, named_cb, L);
	lua_setfield(L, -2, "engine_report");
	if (kv_engine_is_lsm(e->eng)) {
		lua_newtable(L);
		push_lsm(L, e, a.user_bytes_written);
		lua_setfield(L, -2, "lsm");
	}
	/* printing the table shows the text report, captured now */
	lua_createtable(L, 0, 3);
	push_report_text(L, e);
	lua_setfield(L, -2, "text");
	lua_pushcfunction(L, stats_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, "lsmlab.Stats");
	lua_setfield(L, -2, "__name");
	lua_setmetatable(L, -2);
	return 1;
}

/*
 * db:counters() -> the few totals an interval sample needs, cheaply:
 * user/device bytes written, device bytes read, device live bytes, device
 * clock, operations, and the logical live data when it is tracked.
 */
static int l_counters(lua_State *L)
{
	struct kv_lua_engine *e = kv_lua_engine_check(L, 1);
	const struct kv_engine_stats *es = kv_engine_stats(e->eng);
	struct kv_dev_stats ds;
	uint64_t ops = 0;

	kv_dev_get_stats(e->dev, &ds);
	for (int op = 0; op < KV_OP__COUNT; op++)
		ops += es->ops[op];
	lua_createtable(L, 0, 9);
	set_int(L, "user_bytes_written", es->user_key_bytes_written + es->user_value_bytes_written);
	set_int(L, "device_bytes_written", kv_io_bytes_written(&ds, true));
	set_int(L, "device_bytes_read", kv_io_bytes_read(&ds));
	set_int(L, "device_live_bytes", ds.live_bytes);
	set_int(L, "device_now_ns", kv_dev_now_ns(e->dev));
	set_int(L, "ops", ops);
	if (e->live_tracked) {
		set_int(L, "logical_live_keys", e->live_keys);
		set_int(L, "logical_live_bytes", e->live_bytes);
	}
	return 1;
}

static const luaL_Reg engine_methods[] = {
	{ "counters", l_counters },
	{ "put", l_put },
	{ "get", l_get },
	{ "delete", l_delete },
	{ "scan", l_scan },
	{ "flush", l_flush },
	{ "compact", l_compact },
	{ "sync", l_sync },
	{ "check", l_check },
	{ "now", l_now },
	{ "config", l_config },
	{ "stats", l_stats },
	{ "report", l_report },
	{ "load", kv_lua_engine_load },
	{ "run", kv_lua_engine_run },
	{ "close", l_close },
	{ NULL, NULL },
};

static const luaL_Reg engine_meta[] = {
	{ "__index", NULL },
	{ "__gc", l_gc },
	{ "__close", l_gc },
	{ "__tostring", l_tostring },
	{ NULL, NULL },
};

void kv_lua_engine_register(lua_State *L)
{
	luaL_newmetatable(L, KV_LUA_ENGINE_MT);
	luaL_setfuncs(L, engine_meta, 0);
	luaL_newlibtable(L, engine_methods);
	luaL_setfuncs(L, engine_methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pop(L, 1);
}
