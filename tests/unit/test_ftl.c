/*
 * tests/unit/test_ftl.c - devices/ftl.c: mapping consistency under random
 * writes and trims on a multi-lane geometry (kv_ftl_verify against a
 * reference of which LBAs are mapped), scaled-down analytic WA checks
 * (256 blocks, loose tolerances; the exact ones are test_ftl_analytic),
 * every GC policy, padding, striping, and determinism.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"
#include "tests/unit/ftl_model.h"

struct events {
	uint64_t programs, gc_programs, reads, erases, gc_begin, gc_end;
	uint32_t last_block;
	uint64_t lane_hits[16];
	uint32_t blocks_per_lane;
};

static void ev_read(void *ud, uint32_t block, uint32_t page)
{
	struct events *e = ud;
	(void)block;
	(void)page;
	e->reads++;
}

static void ev_program(void *ud, uint32_t block, uint32_t page, bool gc)
{
	struct events *e = ud;
	(void)page;
	if (gc) {
		e->gc_programs++;
	} else {
		e->programs++;
		e->lane_hits[(block / e->blocks_per_lane) % 16]++;
	}
	e->last_block = block;
}

static void ev_erase(void *ud, uint32_t block)
{
	struct events *e = ud;
	(void)block;
	e->erases++;
}

static void ev_gc(void *ud, bool fg, bool begin)
{
	struct events *e = ud;
	(void)fg;
	if (begin)
		e->gc_begin++;
	else
		e->gc_end++;
}

static void multi_lane_params(struct kv_ssd_params *p, enum kv_gc_policy policy)
{
	struct kv_err err;

	kv_ssd_params_preset(KV_SSD_TINY, p);
	p->channels = 2;
	p->dies_per_channel = 2;
	p->planes_per_die = 2;
	p->blocks_per_plane = 16;
	p->pages_per_block = 8;
	p->page_size = 16384;
	p->unit_size = 4096;
	p->op = 0.5;
	p->gc_policy = (int)policy;
	assert_int_equal(kv_ssd_params_check(p, &err), KV_OK);
}

static void random_consistency(enum kv_gc_policy policy)
{
	struct kv_ssd_params p;
	struct kv_ftl *ftl;
	struct kv_err err;
	struct events ev = { 0 };
	struct kv_ftl_hooks hooks = { &ev, ev_read, ev_program, ev_erase, ev_gc };
	struct kv_rng r;
	uint64_t seed = tu_seed(42);
	uint64_t n, ops = tu_slow() ? 400000 : 60000;
	bool *mapped;
	struct kv_ftl_counters c;

	multi_lane_params(&p, policy);
	ev.blocks_per_lane = (uint32_t)p.blocks_per_plane;
	assert_int_equal(kv_ftl_new(&p, &hooks, &ftl, &err), KV_OK);
	n = kv_ftl_logical_units(ftl);
	mapped = kv_calloc(KV_MEM_OTHER, n * sizeof(bool));
	kv_rng_seed(&r, seed);
	for (uint64_t i = 0; i < ops; i++) {
		uint32_t l = (uint32_t)kv_rng_below(&r, n);
		uint32_t b, pg;
		uint64_t pick = kv_rng_below(&r, 100);
		if (pick < 10) {
			kv_ftl_trim(ftl, l);
			mapped[l] = false;
		} else if (pick < 12) {
			kv_ftl_pad(ftl);
		} else if (pick < 14) {
			kv_ftl_background_gc(ftl);
		} else {
			assert_int_equal(kv_ftl_write(ftl, l), KV_OK);
			mapped[l] = true;
		}
		assert_int_equal(kv_ftl_lookup(ftl, l, &b, &pg), mapped[l]);
		if (mapped[l]) {
			assert_true(b < kv_ssd_blocks(&p));
			assert_true(pg < (uint32_t)p.pages_per_block);
		}
		if (i % 5000 == 0 && !kv_ftl_verify(ftl))
			fail_msg("FTL inconsistent after %" PRIu64 " ops, seed=%" PRIu64, i, seed);
	}
	assert_true(kv_ftl_verify(ftl));
	for (uint64_t l = 0; l < n; l++) {
		uint32_t b, pg;
		assert_int_equal(kv_ftl_lookup(ftl, (uint32_t)l, &b, &pg), mapped[l]);
	}
	kv_ftl_get_counters(ftl, &c);
	assert_true(c.erases > 0);
	assert_int_equal(ev.erases, c.erases);
	assert_int_equal(ev.programs + ev.gc_programs, c.pages_programmed);
	assert_int_equal(ev.gc_begin, ev.gc_end);
	assert_int_equal(ev.gc_begin, c.gc_fg + c.gc_bg);
	assert_true(c.gc_units == 0 || ev.reads > 0);
	assert_true(c.erase_count_min <= c.erase_count_max);
	assert_true(c.free_blocks_min <= c.free_blocks);
	/* Host pages stripe over all 8 lanes. */
	for (int l = 0; l < 8; l++)
		assert_true(ev.lane_hits[l] > ev.programs / 16);
	kv_free(KV_MEM_OTHER, mapped, n * sizeof(bool));
	kv_ftl_free(ftl);
}

static void test_consistency_greedy(void **state)
{
	(void)state;
	random_consistency(KV_GC_GREEDY);
}

static void test_consistency_cost_benefit(void **state)
{
	(void)state;
	random_consistency(KV_GC_COST_BENEFIT);
}

static void test_consistency_fifo(void **state)
{
	(void)state;
	random_consistency(KV_GC_FIFO);
}

static void near(const char *what, double measured, double expected, double tol)
{
	printf("  %-30s measured %.4f expected %.4f (%+.2f %%)\n", what, measured, expected,
	       100 * (measured - expected) / expected);
	if (fabs(measured - expected) / expected > tol)
		fail_msg("%s: %.4f not within %.0f %% of %.4f", what, measured, 100 * tol, expected);
}

/*
 * 256 blocks, warm-up 3x, measure 3x: loose tolerances. At OP 7 % the
 * spare is only ~17 blocks, so the block GC keeps free and the open
 * frontier blocks (~2) raise WA by several percent: 10 % there.
 */
static void test_analytic_scaled_down(void **state)
{
	uint64_t seed = tu_seed(3);
	double a7 = fm_alpha(256, 64, 0.07), a28 = fm_alpha(256, 64, 0.28);

	(void)state;
	near("greedy OP 7%", fm_measure(256, 64, 0.07, KV_GC_GREEDY, 3, 3, 0, seed),
	     fm_greedy(a7, 64), 0.10);
	near("greedy OP 28%", fm_measure(256, 64, 0.28, KV_GC_GREEDY, 3, 3, 0, seed),
	     fm_greedy(a28, 64), 0.05);
	near("fifo OP 7%", fm_measure(256, 64, 0.07, KV_GC_FIFO, 3, 3, 0, seed), fm_fifo(a7),
	     0.10);
	near("fifo OP 28%", fm_measure(256, 64, 0.28, KV_GC_FIFO, 3, 3, 0, seed), fm_fifo(a28),
	     0.05);
	near("greedy TRIM q=0.2 OP 28%", fm_measure(256, 64, 0.28, KV_GC_GREEDY, 3, 3, 0.2, seed),
	     fm_greedy(fm_alpha_eff(a28, 0.2), 64), 0.05);
	/* Cost-benefit is no worse than FIFO under uniform traffic. */
	assert_true(fm_measure(256, 64, 0.28, KV_GC_COST_BENEFIT, 3, 3, 0, seed) <
		    fm_fifo(a28) * 1.02);
}

/* Same seed and config: bit-identical counters. */
static void test_determinism(void **state)
{
	struct kv_ssd_params p;
	struct kv_ftl_counters c[2];
	struct kv_err err;

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct kv_ftl *ftl;
		fm_params(&p, 128, 32, 0.1, KV_GC_COST_BENEFIT);
		assert_int_equal(kv_ftl_new(&p, NULL, &ftl, &err), KV_OK);
		assert_true(fm_run(ftl, 2, 2, 0.1, 99) > 1.0);
		kv_ftl_get_counters(ftl, &c[i]);
		kv_ftl_free(ftl);
	}
	assert_memory_equal(&c[0], &c[1], sizeof(c[0]));
}

/* Sequential writes of the whole space, twice: greedy finds whole invalid blocks (WA 1). */
static void test_sequential_overwrite_wa1(void **state)
{
	struct kv_ssd_params p;
	struct kv_ftl *ftl;
	struct kv_err err;
	struct kv_ftl_counters c;
	uint64_t n;

	(void)state;
	fm_params(&p, 64, 16, 0.2, KV_GC_GREEDY);
	assert_int_equal(kv_ftl_new(&p, NULL, &ftl, &err), KV_OK);
	n = kv_ftl_logical_units(ftl);
	for (int round = 0; round < 5; round++)
		for (uint64_t l = 0; l < n; l++)
			assert_int_equal(kv_ftl_write(ftl, (uint32_t)l), KV_OK);
	kv_ftl_get_counters(ftl, &c);
	assert_int_equal(c.gc_units, 0);
	assert_true(c.erases > 0);
	assert_true(kv_ftl_verify(ftl));
	kv_ftl_free(ftl);
}

/* Padding consumes the rest of the page; trims of unmapped units count nothing. */
static void test_pad_and_trim(void **state)
{
	struct kv_ssd_params p;
	struct kv_ftl *ftl;
	struct kv_err err;
	struct kv_ftl_counters c;
	uint32_t b, pg;

	(void)state;
	multi_lane_params(&p, KV_GC_GREEDY);
	assert_int_equal(kv_ftl_new(&p, NULL, &ftl, &err), KV_OK);
	kv_ftl_pad(ftl); /* nothing to pad */
	assert_int_equal(kv_ftl_write(ftl, 5), KV_OK);
	kv_ftl_pad(ftl);
	kv_ftl_trim(ftl, 6);
	kv_ftl_get_counters(ftl, &c);
	assert_int_equal(c.pages_programmed, 1);
	assert_int_equal(c.padded_units, 3);
	assert_int_equal(c.trimmed_units, 0);
	assert_true(kv_ftl_lookup(ftl, 5, &b, &pg));
	kv_ftl_trim(ftl, 5);
	assert_false(kv_ftl_lookup(ftl, 5, &b, &pg));
	kv_ftl_get_counters(ftl, &c);
	assert_int_equal(c.trimmed_units, 1);
	assert_true(kv_ftl_verify(ftl));
	kv_ftl_free(ftl);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistency_greedy),
		cmocka_unit_test(test_consistency_cost_benefit),
		cmocka_unit_test(test_consistency_fifo),
		cmocka_unit_test(test_analytic_scaled_down),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_sequential_overwrite_wa1),
		cmocka_unit_test(test_pad_and_trim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
