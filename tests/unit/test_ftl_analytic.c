/*
 * tests/unit/test_ftl_analytic.c - devices/ftl.c against the analytic
 * steady-state write amplification (REFERENCE.md "Modeled SSD"): uniform
 * random single-unit overwrites after a full sequential fill, 2048 blocks
 * of 64 pages (one lane), warm-up 8x and measurement 10x the logical
 * capacity. Greedy within 2 % of 7.001 (OP 7 %) and 2.402 (OP 28 %), FIFO
 * within 1 % of 7.817 and 2.481, a TRIM mix within 2 % of greedy at
 * alpha_eff. With LSMLAB_SLOW=1 also the other rows of the table and more
 * seeds. Prints measured vs expected.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "tests/testutil.h"
#include "tests/unit/ftl_model.h"

#define BLOCKS 2048
#define WARM 8.0
#define MEASURE 10.0

static void check(const char *what, double measured, double expected, double tol)
{
	double err = (measured - expected) / expected;

	if (tol <= 0) {
		printf("  %-42s measured %.4f expected %.4f (%+.2f %%, not checked)\n", what,
		       measured, expected, 100 * err);
		return;
	}
	printf("  %-42s measured %.4f expected %.4f (%+.2f %%, tolerance %.0f %%)\n", what,
	       measured, expected, 100 * err, 100 * tol);
	if (fabs(err) > tol)
		fail_msg("%s: WA %.4f is not within %.0f %% of %.4f", what, measured, 100 * tol,
			 expected);
}

static void run_row(uint32_t np, double op, double greedy_ref, double fifo_ref, uint64_t seed)
{
	/* Larger blocks: more of them, so the ~2 blocks GC holds back weigh no more than at 64. */
	uint32_t blocks = np > 64 ? BLOCKS * np / 64 : BLOCKS;
	char what[64];
	double a = fm_alpha(blocks, np, op);

	/* The table values and the formula agree (alpha = 1 + OP up to rounding). */
	assert_true(fabs(fm_greedy(1.0 + op, np) - greedy_ref) < 0.001);
	assert_true(fabs(fm_fifo(1.0 + op) - fifo_ref) < 0.001);
	snprintf(what, sizeof(what), "greedy N_p=%u OP=%.0f%% %u blocks", np, 100 * op, blocks);
	check(what, fm_measure(blocks, np, op, KV_GC_GREEDY, WARM, MEASURE, 0, seed),
	      fm_greedy(a, np), 0.02);
	snprintf(what, sizeof(what), "fifo   N_p=%u OP=%.0f%% %u blocks", np, 100 * op, blocks);
	/* The FIFO formula is the large-N_p limit: at N_p = 32 FIFO measures ~4 % lower. */
	check(what, fm_measure(blocks, np, op, KV_GC_FIFO, WARM, MEASURE, 0, seed), fm_fifo(a),
	      np >= 64 ? 0.01 : 0);
}

static void test_greedy_fifo_table(void **state)
{
	uint64_t seed = tu_seed(7001);
	int seeds = tu_slow() ? 3 : 1;

	(void)state;
	for (int s = 0; s < seeds; s++) {
		run_row(64, 0.07, 7.001, 7.817, seed + (uint64_t)s);
		run_row(64, 0.28, 2.402, 2.481, seed + (uint64_t)s);
		if (tu_slow()) {
			run_row(256, 0.07, 7.595, 7.817, seed + (uint64_t)s);
			run_row(256, 0.28, 2.461, 2.481, seed + (uint64_t)s);
			run_row(32, 0.10, 4.870, 5.677, seed + (uint64_t)s);
		}
	}
}

static void test_trim_mix(void **state)
{
	uint64_t seed = tu_seed(2402);
	static const double qs[] = { 0.1, 0.25 };
	static const double ops[] = { 0.07, 0.28 };

	(void)state;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			char what[64];
			double a = fm_alpha(BLOCKS, 64, ops[i]);
			snprintf(what, sizeof(what), "greedy TRIM q=%.2f OP=%.0f%%", qs[j],
				 100 * ops[i]);
			check(what,
			      fm_measure(BLOCKS, 64, ops[i], KV_GC_GREEDY, WARM, MEASURE, qs[j], seed),
			      fm_greedy(fm_alpha_eff(a, qs[j]), 64), 0.02);
		}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greedy_fifo_table),
		cmocka_unit_test(test_trim_mix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
