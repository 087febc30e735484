/*
 * tests/fault/test_corruption.c - damaged files never crash an engine and
 * never produce a wrong answer. For every engine configuration on the mem
 * device: build a store (tables at several levels, a manifest, a WAL with
 * unflushed writes), then for every file and many byte positions, restore
 * the store, flip the byte, reopen and read everything back. Allowed
 * outcomes: the open fails with KV_ECORRUPT naming the damaged file, or
 * every read returns the right value or KV_ECORRUPT naming the damaged
 * file and an offset. A missing or wrong value fails the test.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "devices/mem.h"
#include "tests/engine_harness.h"
#include "tests/testutil.h"

#define NKEYS 3000
#define NWAL 100
#define MAX_FILES 256

struct snapshot {
	size_t n;
	char *names[MAX_FILES];
	char *data[MAX_FILES];
	uint64_t size[MAX_FILES];
};

static void key_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "key%06d", i);
}

static void value_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "value-%d-%0*d", i, 20 + i % 80, i * 7);
}

static void collect(void *ud, const char *name)
{
	struct snapshot *s = ud;
	assert_true(s->n < MAX_FILES);
	s->names[s->n++] = kv_strdup(KV_MEM_OTHER, name);
}

static void take_snapshot(struct kv_device *dev, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(kv_dev_list(dev, collect, s), KV_OK);
	for (size_t i = 0; i < s->n; i++) {
		struct kv_file *f;
		assert_int_equal(kv_dev_stat(dev, s->names[i], &s->size[i]), KV_OK);
		s->data[i] = kv_malloc(KV_MEM_OTHER, s->size[i] + 1);
		assert_int_equal(kv_dev_open_file(dev, s->names[i], KV_FILE_OTHER, &f), KV_OK);
		if (s->size[i])
			assert_int_equal(kv_dev_read(f, 0, s->data[i], s->size[i]), KV_OK);
		kv_dev_close_file(f);
	}
}

static void free_snapshot(struct snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		kv_free(KV_MEM_OTHER, s->data[i], s->size[i] + 1);
		kv_strfree(KV_MEM_OTHER, s->names[i]);
	}
}

/* Make the device hold exactly the snapshot, with byte @at of file @fi flipped. */
static void restore(struct kv_device *dev, const struct snapshot *s, size_t fi, uint64_t at,
		    char mask)
{
	struct snapshot cur;

	memset(&cur, 0, sizeof(cur));
	assert_int_equal(kv_dev_list(dev, collect, &cur), KV_OK);
	for (size_t i = 0; i < cur.n; i++) {
		assert_int_equal(kv_dev_remove(dev, cur.names[i]), KV_OK);
		kv_strfree(KV_MEM_OTHER, cur.names[i]);
	}
	for (size_t i = 0; i < s->n; i++) {
		struct kv_file *f;
		assert_int_equal(kv_dev_create(dev, s->names[i], KV_FILE_OTHER, &f), KV_OK);
		if (s->size[i]) {
			if (i == fi)
				s->data[i][at] ^= mask;
			assert_int_equal(kv_dev_append(f, s->data[i], s->size[i]), KV_OK);
			if (i == fi)
				s->data[i][at] ^= mask;
		}
		assert_int_equal(kv_dev_sync(f), KV_OK);
		kv_dev_close_file(f);
	}
}

static bool names_file(const char *msg, const char *file)
{
	return strstr(msg, file) != NULL;
}

struct outcome {
	int open_failed, reads_failed, clean;
};

static void check_store(struct th_env *env, const char *file, uint64_t at,
			struct outcome *o)
{
	struct kv_engine *e = NULL;
	struct kv_err err = { 0 };
	char k[32], v[160];
	bool any_err = false;
	int r = th_try_open(env, &e, &err);

	if (r != KV_OK) {
		if (r != KV_ECORRUPT || !names_file(kv_err_msg(&err), file))
			fail_msg("flip in '%s' at %" PRIu64 ": open returned %d '%s' (want "
				 "KV_ECORRUPT naming the file)",
				 file, at, r, kv_err_msg(&err));
		o->open_failed++;
		return;
	}
	for (int i = 0; i < NKEYS + NWAL; i++) {
		struct kv_slice got;
		key_of(i, k, sizeof(k));
		value_of(i, v, sizeof(v));
		r = kv_engine_get(e, kv_slice_str(k), &got);
		if (r == KV_ECORRUPT) {
			const char *msg = kv_engine_errmsg(e);
			if (!names_file(msg, file) || !strstr(msg, "offset"))
				fail_msg("flip in '%s' at %" PRIu64 ": get error '%s' does not name "
					 "the file and offset",
					 file, at, msg);
			any_err = true;
			continue;
		}
		if (r != KV_OK)
			fail_msg("flip in '%s' at %" PRIu64 ": get '%s' returned %d (%s): a wrong "
				 "answer",
				 file, at, k, r, kv_engine_errmsg(e));
		if (!kv_slice_eq(got, kv_slice_str(v)))
			fail_msg("flip in '%s' at %" PRIu64 ": get '%s' returned a wrong value",
				 file, at, k);
	}
	kv_engine_close(e);
	if (any_err)
		o->reads_failed++;
	else
		o->clean++;
}

static void corruption_case(const struct th_config *cfg, uint64_t seed)
{
	struct th_env env;
	struct kv_engine *e;
	struct snapshot snap;
	struct outcome o = { 0 };
	struct kv_rng rng;
	char k[32], v[160];

	kv_rng_seed(&rng, seed);
	th_env_init(&env, cfg);
	e = th_open(&env);
	for (int i = 0; i < NKEYS; i++) {
		key_of((i * 7919) % NKEYS, k, sizeof(k));
		value_of((i * 7919) % NKEYS, v, sizeof(v));
		assert_int_equal(kv_engine_put(e, kv_slice_str(k), kv_slice_str(v)), KV_OK);
	}
	assert_int_equal(kv_engine_flush(e), KV_OK);
	for (int i = NKEYS; i < NKEYS + NWAL; i++) {
		key_of(i, k, sizeof(k));
		value_of(i, v, sizeof(v));
		assert_int_equal(kv_engine_put(e, kv_slice_str(k), kv_slice_str(v)), KV_OK);
	}
	kv_engine_close(e);
	take_snapshot(env.dev, &snap);
	print_message("    %zu files\n", snap.n);
	for (size_t fi = 0; fi < snap.n; fi++) {
		int trials = tu_slow() ? 200 : 24;
		if (snap.size[fi] == 0)
			continue;
		for (int t = 0; t < trials; t++) {
			uint64_t at;
			if (t == 0)
				at = 0;
			else if (t == 1)
				at = snap.size[fi] - 1;
			else if (t < 12)
				at = snap.size[fi] - 1 - kv_rng_below(&rng, snap.size[fi] < 64 ? snap.size[fi] : 64);
			else
				at = kv_rng_below(&rng, snap.size[fi]);
			restore(env.dev, &snap, fi, at, (char)(1 << kv_rng_below(&rng, 8)));
			check_store(&env, snap.names[fi], at, &o);
		}
	}
	print_message("    outcomes: %d opens refused, %d stores with failing reads, %d clean\n",
		      o.open_failed, o.reads_failed, o.clean);
	free_snapshot(&snap);
	th_env_destroy(&env);
}

static void test_corruption(void **state)
{
	const struct th_config *cfgs;
	size_t n = th_matrix(&cfgs);
	uint64_t seed = tu_seed(0xbadc0de);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (cfgs[i].device != &kv_mem_device_ops)
			continue;
		print_message("  [%s]\n", cfgs[i].name);
		corruption_case(&cfgs[i], seed + i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
