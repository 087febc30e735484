/*
 * tests/fault/test_crash.c - crash recovery of every engine on the mem
 * device: crash (drop everything not synced) at many random points, then
 * reopen and check that
 *   - every write acknowledged as synced is present (wal_sync=always, or
 *     before an explicit kv_engine_sync);
 *   - nothing is half-applied: the store equals the synced state plus some
 *     prefix of the writes made after the last sync;
 *   - the store accepts writes again.
 * Crashes mid-operation (between the syncs of a flush or a compaction)
 * are in test_fault_device.c, over devices/fault.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "devices/mem.h"
#include "tests/engine_harness.h"
#include "tests/testutil.h"

#define KEYS 400

struct hop {
	char key[16];
	size_t klen;
	char val[200];
	size_t vlen;
	bool del;
};

static void apply(struct tu_refmap *m, const struct hop *h)
{
	struct kv_slice k = kv_slice_make(h->key, h->klen);
	if (h->del)
		tu_refmap_del(m, k);
	else
		tu_refmap_put(m, k, kv_slice_make(h->val, h->vlen));
}

static struct tu_refmap *clone_map(const struct tu_refmap *m)
{
	struct tu_refmap *c = tu_refmap_new();
	struct tu_refmap_cursor cur;
	for (tu_refmap_seek(m, kv_slice_make(NULL, 0), &cur); tu_refmap_cursor_valid(&cur);
	     tu_refmap_cursor_next(&cur))
		tu_refmap_put(c, tu_refmap_cursor_key(&cur), tu_refmap_cursor_value(&cur));
	return c;
}

/* Does the engine hold exactly the contents of @m? */
static bool equals(struct kv_engine *e, const struct tu_refmap *m)
{
	struct kv_iter *it;
	struct tu_refmap_cursor cur;
	bool same = true;

	assert_int_equal(kv_engine_scan(e, kv_slice_make(NULL, 0), kv_slice_make(NULL, 0), &it),
			 KV_OK);
	tu_refmap_seek(m, kv_slice_make(NULL, 0), &cur);
	for (; kv_iter_valid(it); kv_iter_next(it), tu_refmap_cursor_next(&cur))
		if (!tu_refmap_cursor_valid(&cur) ||
		    !kv_slice_eq(kv_iter_key(it), tu_refmap_cursor_key(&cur)) ||
		    !kv_slice_eq(kv_iter_value(it), tu_refmap_cursor_value(&cur))) {
			same = false;
			break;
		}
	if (same && tu_refmap_cursor_valid(&cur))
		same = false;
	assert_int_equal(kv_iter_status(it), KV_OK);
	kv_iter_close(it);
	return same;
}

static void random_op(struct kv_rng *r, struct hop *h)
{
	uint64_t id = kv_rng_below(r, KEYS);
	h->klen = (size_t)snprintf(h->key, sizeof(h->key), "k%05" PRIu64, id);
	h->del = kv_rng_below(r, 5) == 0;
	h->vlen = h->del ? 0 : (size_t)kv_rng_below(r, sizeof(h->val));
	tu_rand_bytes(r, h->val, h->vlen);
}

static int do_op(struct kv_engine *e, const struct hop *h)
{
	struct kv_slice k = kv_slice_make(h->key, h->klen);
	return h->del ? kv_engine_delete(e, k) : kv_engine_put(e, k, kv_slice_make(h->val, h->vlen));
}

/*
 * @always: wal_sync=always (every acknowledged write must survive);
 * otherwise wal_sync=none with an explicit sync now and then.
 */
static void crash_loop(const struct th_config *cfg, bool always, uint64_t seed)
{
	struct th_env env;
	struct kv_rng rng;
	struct tu_refmap *synced = tu_refmap_new(), *current = tu_refmap_new();
	struct hop *hist = kv_malloc(KV_MEM_OTHER, 2000 * sizeof(*hist));
	size_t nhist = 0;
	int cycles = tu_slow() ? 400 : 60;
	struct kv_engine *e;

	kv_rng_seed(&rng, seed);
	th_env_init(&env, cfg);
	th_env_set(&env, "wal_sync", always ? "always" : "none");
	th_env_set(&env, "write_buffer_size", "16KiB");
	e = th_open(&env);
	for (int c = 0; c < cycles; c++) {
		int nops = 1 + (int)kv_rng_below(&rng, 1500);
		for (int i = 0; i < nops; i++) {
			struct hop h;
			random_op(&rng, &h);
			if (do_op(e, &h) != KV_OK)
				fail_msg("cycle %d op %d: %s", c, i, kv_engine_errmsg(e));
			apply(current, &h);
			if (always) {
				apply(synced, &h);
			} else if (kv_rng_below(&rng, 200) == 0) {
				assert_int_equal(kv_engine_sync(e), KV_OK);
				tu_refmap_free(synced);
				synced = clone_map(current);
				nhist = 0;
			} else if (nhist < 2000) {
				hist[nhist++] = h;
			} else {
				/* History full: sync so the check stays bounded. */
				assert_int_equal(kv_engine_sync(e), KV_OK);
				tu_refmap_free(synced);
				synced = clone_map(current);
				nhist = 0;
			}
		}
		assert_int_equal(kv_mem_device_crash(env.dev), KV_OK);
		kv_engine_close(e);
		e = th_open(&env);
		if (always) {
			if (!equals(e, synced))
				fail_msg("cycle %d: an acknowledged synced write is missing", c);
		} else {
			/* The store must equal synced + a prefix of the history. */
			struct tu_refmap *cand = clone_map(synced);
			bool found = equals(e, cand);
			size_t p = 0;
			while (!found && p < nhist) {
				apply(cand, &hist[p++]);
				found = equals(e, cand);
			}
			if (!found)
				fail_msg("cycle %d: state is not synced + any prefix of %zu writes", c,
					 nhist);
			tu_refmap_free(current);
			current = cand;
			tu_refmap_free(synced);
			synced = clone_map(current);
			nhist = 0;
		}
		assert_int_equal(kv_engine_check(e), KV_OK);
	}
	kv_engine_close(e);
	th_env_destroy(&env);
	tu_refmap_free(synced);
	tu_refmap_free(current);
	kv_free(KV_MEM_OTHER, hist, 2000 * sizeof(*hist));
}

static void for_mem_configs(bool always)
{
	const struct th_config *cfgs;
	size_t n = th_matrix(&cfgs);
	uint64_t seed = tu_seed(0xc4a5b0);

	for (size_t i = 0; i < n; i++) {
		if (cfgs[i].device != &kv_mem_device_ops)
			continue;
		print_message("  [%s]\n", cfgs[i].name);
		crash_loop(&cfgs[i], always, seed + i);
	}
}

static void test_crash_sync_always(void **state)
{
	(void)state;
	for_mem_configs(true);
}

static void test_crash_sync_none(void **state)
{
	(void)state;
	for_mem_configs(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crash_sync_always),
		cmocka_unit_test(test_crash_sync_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
