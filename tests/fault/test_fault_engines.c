/*
 * tests/fault/test_fault_engines.c - every engine configuration of the
 * harness matrix (mem-device ones) over devices/fault.c wrapped around a
 * mem device:
 *  1. crash at the Nth sync (dropped, and torn at sector granularity) for
 *     N spread over all the syncs of a ~3000-write workload with
 *     wal_sync=always: after reset + reopen every acknowledged write is
 *     present, the one in-flight write is either fully there or not at
 *     all, and the store takes writes again;
 *  2. EIO at the Nth read/append/write/sync: the engine returns an error
 *     (for that call or a later one), still serves every acknowledged
 *     write, and after a reopen with the fault cleared loses nothing;
 *  3. ENOSPC the same, and the error message names the space problem.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "devices/fault.h"
#include "devices/mem.h"
#include "tests/engine_harness.h"
#include "tests/testutil.h"

#define KEYS 300
#define WRITES 3000


struct wop {
	uint32_t key;
	bool del;
	uint32_t vlen;
	uint64_t vseed;
};

/* The model: per key, present + value seed/length. */
struct kstate {
	bool present;
	uint32_t vlen;
	uint64_t vseed;
};

static void make_key(uint32_t id, char *buf, size_t *len)
{
	*len = (size_t)snprintf(buf, 16, "key%06" PRIu32, id);
}

static void make_val(uint64_t vseed, uint32_t vlen, char *buf)
{
	struct kv_rng r;
	kv_rng_seed(&r, vseed);
	kv_rng_fill(&r, buf, vlen);
}

static void gen_ops(struct wop *ops, size_t n, uint64_t seed)
{
	struct kv_rng r;

	kv_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		ops[i].key = (uint32_t)kv_rng_below(&r, KEYS);
		ops[i].del = kv_rng_below(&r, 8) == 0;
		ops[i].vlen = ops[i].del ? 0 : (uint32_t)kv_rng_below(&r, 300);
		ops[i].vseed = kv_rng_next(&r);
	}
}

static int do_op(struct kv_engine *e, const struct wop *o)
{
	char k[16], v[300];
	size_t klen;

	make_key(o->key, k, &klen);
	if (o->del)
		return kv_engine_delete(e, kv_slice_make(k, klen));
	make_val(o->vseed, o->vlen, v);
	return kv_engine_put(e, kv_slice_make(k, klen), kv_slice_make(v, o->vlen));
}

static void apply(struct kstate *m, const struct wop *o)
{
	m[o->key].present = !o->del;
	m[o->key].vlen = o->vlen;
	m[o->key].vseed = o->vseed;
}

/* Does key @id hold state @s in @e? */
static bool holds(struct kv_engine *e, uint32_t id, const struct kstate *s, int *rc_out)
{
	char k[16], v[300];
	size_t klen;
	struct kv_slice got;
	int rc;

	make_key(id, k, &klen);
	rc = kv_engine_get(e, kv_slice_make(k, klen), &got);
	*rc_out = rc;
	if (rc == KV_NOTFOUND)
		return !s->present;
	if (rc != KV_OK || !s->present || got.len != s->vlen)
		return false;
	make_val(s->vseed, s->vlen, v);
	return memcmp(got.data, v, s->vlen) == 0;
}

/*
 * Every key holds its model state, except that the key of @inflight (if
 * not NULL) may instead hold the in-flight op's state.
 */
static void verify(struct kv_engine *e, const struct kstate *m, const struct wop *inflight,
		   const char *ctx)
{
	for (uint32_t id = 0; id < KEYS; id++) {
		int rc;
		if (holds(e, id, &m[id], &rc))
			continue;
		if (inflight && inflight->key == id) {
			struct kstate alt = { !inflight->del, inflight->vlen, inflight->vseed };
			if (holds(e, id, &alt, &rc))
				continue;
		}
		fail_msg("%s: key %" PRIu32 " lost or half-applied (get rc %d: %s; expected %s "
			 "len %" PRIu32 ", in-flight %s key %" PRIu32 ")",
			 ctx, id, rc, kv_engine_errmsg(e), m[id].present ? "present" : "absent",
			 m[id].vlen, inflight ? (inflight->del ? "delete" : "put") : "none",
			 inflight ? inflight->key : 0);
	}
}

static struct kv_device *fault_over_mem(void)
{
	struct kv_device *mem = NULL, *dev = NULL;
	struct kv_err err;

	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &mem, &err), KV_OK);
	if (kv_fault_device_wrap(mem, &dev, &err) != KV_OK)
		fail_msg("wrap: %s", kv_err_msg(&err));
	return dev;
}

static void setup_env(struct th_env *env, const struct th_config *cfg, bool always)
{
	th_env_init_dev(env, cfg, fault_over_mem());
	th_env_set(env, "wal_sync", always ? "always" : "none");
	th_env_set(env, "write_buffer_size", "16KiB");
}

/* Syncs the whole workload performs (with no fault). */
static uint64_t count_syncs(const struct th_config *cfg, const struct wop *ops)
{
	struct th_env env;
	struct kv_engine *e;
	struct kv_fault_counters c;

	setup_env(&env, cfg, true);
	e = th_open(&env);
	for (size_t i = 0; i < WRITES; i++)
		if (do_op(e, &ops[i]) != KV_OK)
			fail_msg("%s: op %zu: %s", cfg->name, i, kv_engine_errmsg(e));
	kv_fault_device_counters(env.dev, &c);
	kv_engine_close(e);
	th_env_destroy(&env);
	return c.syncs + 1;
}

static void crash_run(const struct th_config *cfg, const struct wop *ops, uint64_t n, bool tear,
		      uint64_t seed)
{
	struct th_env env;
	struct kv_engine *e = NULL;
	struct kv_err err = { 0 };
	struct kstate *m = kv_calloc(KV_MEM_OTHER, KEYS * sizeof(*m));
	const struct wop *inflight = NULL;
	char ctx[200];
	int rc;

	setup_env(&env, cfg, true);
	assert_int_equal(kv_fault_arm_crash_at_sync(env.dev, n, tear, seed), KV_OK);
	rc = th_try_open(&env, &e, &err);
	for (size_t i = 0; rc == KV_OK && i < WRITES; i++) {
		rc = do_op(e, &ops[i]);
		if (rc == KV_OK)
			apply(m, &ops[i]);
		else
			inflight = &ops[i];
	}
	snprintf(ctx, sizeof(ctx), "%s crash at sync %" PRIu64 "%s", cfg->name, n,
		 tear ? " (torn)" : "");
	if (rc != KV_OK && !kv_fault_crashed(env.dev))
		fail_msg("%s: error without a crash: %s", ctx,
			 e ? kv_engine_errmsg(e) : kv_err_msg(&err));
	if (rc == KV_OK && kv_fault_crashed(env.dev))
		fail_msg("%s: every write was acknowledged although the device crashed", ctx);
	kv_engine_close(e);
	assert_int_equal(kv_fault_device_reset(env.dev), KV_OK);
	e = NULL;
	rc = th_try_open(&env, &e, &err);
	if (rc != KV_OK)
		fail_msg("%s: reopen: %s", ctx, kv_err_msg(&err));
	verify(e, m, inflight, ctx);
	if (inflight) {
		struct kstate alt = { !inflight->del, inflight->vlen, inflight->vseed };
		if (holds(e, inflight->key, &alt, &rc))
			apply(m, inflight);
	}
	/* The store takes writes again. */
	struct wop w = { .key = 7, .vlen = 5, .vseed = 99 };
	if (do_op(e, &w) != KV_OK)
		fail_msg("%s: write after reopen: %s", ctx, kv_engine_errmsg(e));
	apply(m, &w);
	verify(e, m, NULL, ctx);
	kv_engine_close(e);
	th_env_destroy(&env);
	kv_free(KV_MEM_OTHER, m, KEYS * sizeof(*m));
}

/* Error @code at the @n-th I/O call: the engine reports it, serves reads, loses nothing. */
static void error_run(const struct th_config *cfg, const struct wop *ops, uint64_t n, int code,
		      bool always)
{
	struct th_env env;
	struct kv_engine *e;
	struct kstate *m = kv_calloc(KV_MEM_OTHER, KEYS * sizeof(*m));
	const struct wop *inflight = NULL;
	struct kv_fault_counters c;
	struct kv_err err = { 0 };
	char ctx[200], errmsg[600] = "none";
	int rc = KV_OK;

	setup_env(&env, cfg, always);
	e = th_open(&env);
	kv_fault_arm_error(env.dev, KV_FAULT_IO, n, code, false);
	snprintf(ctx, sizeof(ctx), "%s %s at I/O %" PRIu64 " (wal_sync=%s)", cfg->name,
		 code == KV_EIO ? "EIO" : "ENOSPC", n, always ? "always" : "none");
	for (size_t i = 0; rc == KV_OK && i < WRITES; i++) {
		rc = do_op(e, &ops[i]);
		if (rc == KV_OK)
			apply(m, &ops[i]);
		else
			inflight = &ops[i];
	}
	kv_fault_device_counters(env.dev, &c);
	if (c.injected > 0 && rc == KV_OK) {
		/* Reported by a later call at the latest: a sync or flush. */
		rc = kv_engine_sync(e);
		if (rc == KV_OK)
			rc = kv_engine_flush(e);
		if (rc == KV_OK)
			fail_msg("%s: the injected error was never reported", ctx);
	}
	if (rc != KV_OK) {
		assert_true(rc < 0);
		snprintf(errmsg, sizeof(errmsg), "%s", kv_engine_errmsg(e));
		if (code == KV_ENOSPC && !strstr(kv_engine_errmsg(e), "space"))
			fail_msg("%s: message does not mention space: %s", ctx,
				 kv_engine_errmsg(e));
		/* Reads of everything acknowledged still work. */
		verify(e, m, inflight, ctx);
	}
	kv_engine_close(e);
	kv_fault_disarm(env.dev);
	e = NULL;
	/*
	 * Regression (named): a failed MANIFEST sync used to delete the new
	 * tables although the edit could be durable; reopen then failed.
	 */
	if (th_try_open(&env, &e, &err) != KV_OK) {
		fail_msg("%s: reopen after the error (%s): %s", ctx, errmsg, kv_err_msg(&err));
	}
	verify(e, m, inflight, ctx);
	kv_engine_close(e);
	th_env_destroy(&env);
	kv_free(KV_MEM_OTHER, m, KEYS * sizeof(*m));
}

/* I/O calls of the whole workload. */
static uint64_t count_ios(const struct th_config *cfg, const struct wop *ops, bool always)
{
	struct th_env env;
	struct kv_engine *e;
	struct kv_fault_counters c0, c1;

	setup_env(&env, cfg, always);
	e = th_open(&env);
	kv_fault_device_counters(env.dev, &c0);
	for (size_t i = 0; i < WRITES; i++)
		if (do_op(e, &ops[i]) != KV_OK)
			fail_msg("%s: op %zu: %s", cfg->name, i, kv_engine_errmsg(e));
	kv_fault_device_counters(env.dev, &c1);
	kv_engine_close(e);
	th_env_destroy(&env);
	return (c1.reads + c1.appends + c1.writes + c1.syncs) -
	       (c0.reads + c0.appends + c0.writes + c0.syncs);
}

static size_t mem_configs(const struct th_config **out, size_t max)
{
	const struct th_config *cfgs;
	size_t n = th_matrix(&cfgs), k = 0;

	for (size_t i = 0; i < n && k < max; i++)
		if (cfgs[i].device == &kv_mem_device_ops)
			out[k++] = &cfgs[i];
	return k;
}

/* Points per config so the whole test stays within its time budget. */
static uint64_t points(size_t nconfigs)
{
	uint64_t budget = tu_slow() ? 2000 : 400;
	uint64_t p = budget / (nconfigs ? nconfigs : 1);
	return p < 4 ? 4 : p;
}

static void test_crash_at_sync(void **state)
{
	const struct th_config *cfgs[64];
	size_t n = mem_configs(cfgs, 64);
	uint64_t seed = tu_seed(0xfa417);
	struct wop *ops = kv_malloc(KV_MEM_OTHER, WRITES * sizeof(*ops));

	(void)state;
	gen_ops(ops, WRITES, seed);
	for (size_t i = 0; i < n; i++) {
		uint64_t syncs = count_syncs(cfgs[i], ops), p = points(n);
		uint64_t step = syncs / p ? syncs / p : 1;
		print_message("  [%s] %" PRIu64 " syncs, crash every %" PRIu64 "\n", cfgs[i]->name,
			      syncs, step);
		for (uint64_t s = 1; s <= syncs; s += step)
			crash_run(cfgs[i], ops, s + (s * 7919) % step, (s / step) % 2 == 1,
				  seed + s);
		crash_run(cfgs[i], ops, 1, false, seed);
		crash_run(cfgs[i], ops, 2, true, seed);
	}
	kv_free(KV_MEM_OTHER, ops, WRITES * sizeof(*ops));
}

static void errors(int code)
{
	const struct th_config *cfgs[64];
	size_t n = mem_configs(cfgs, 64);
	uint64_t seed = tu_seed(0xe10);
	struct wop *ops = kv_malloc(KV_MEM_OTHER, WRITES * sizeof(*ops));

	gen_ops(ops, WRITES, seed);
	for (size_t i = 0; i < n; i++) {
		for (int always = 0; always < 2; always++) {
			uint64_t ios = count_ios(cfgs[i], ops, always), p = points(n) / 2;
			uint64_t step = ios / p ? ios / p : 1;
			print_message("  [%s] wal_sync=%s: %" PRIu64 " I/Os, fault every %" PRIu64
				      "\n",
				      cfgs[i]->name, always ? "always" : "none", ios, step);
			for (uint64_t s = 1; s <= ios; s += step)
				error_run(cfgs[i], ops, s + (s * 104729) % step, code, always);
		}
	}
	kv_free(KV_MEM_OTHER, ops, WRITES * sizeof(*ops));
}

static void test_eio(void **state)
{
	(void)state;
	errors(KV_EIO);
}

static void test_enospc(void **state)
{
	(void)state;
	errors(KV_ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_at_sync),
		cmocka_unit_test(test_eio),
		cmocka_unit_test(test_enospc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
