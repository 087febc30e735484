/*
 * tests/unit/ftl_model.h - the analytic write amplification of a
 * page-mapped FTL under uniform random single-unit overwrites
 * (/work/shared/REFERENCE.md "Modeled SSD"), and a driver that runs the
 * same workload on devices/ftl.c. Shared by test_ftl.c and
 * test_ftl_analytic.c; static functions only.
 */
#ifndef KV_TESTS_UNIT_FTL_MODEL_H
#define KV_TESTS_UNIT_FTL_MODEL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "devices/ftl.h"
#include "devices/ssd_geometry.h"

/* FIFO (and greedy as N_p -> inf): v = exp(-alpha (1 - v)), A = 1 / (1 - v). */
static double fm_fifo(double alpha)
{
	double lo = 0.0, hi = 1.0 - 1e-15;

	/* f(v) = v - exp(-alpha (1 - v)) is < 0 on (0, v*) and > 0 past it. */
	for (int i = 0; i < 200; i++) {
		double v = (lo + hi) / 2;
		if (v - exp(-alpha * (1.0 - v)) < 0)
			lo = v;
		else
			hi = v;
	}
	return 1.0 / (1.0 - (lo + hi) / 2);
}

/* Greedy with N_p units per block: A_FIFO(k alpha) / k, k = 1 + 1 / (2 N_p). */
static double fm_greedy(double alpha, double np)
{
	double k = 1.0 + 1.0 / (2.0 * np);
	return fm_fifo(k * alpha) / k;
}

/* alpha of a TRIM mix: a fraction q of requests TRIM an in-use unit. */
static double fm_alpha_eff(double alpha, double q)
{
	return alpha * (1.0 - q) / (1.0 - 2.0 * q);
}

/* Single-lane geometry with @blocks blocks of @np 4 KiB pages, OP @op, FTL-only. */
static void fm_params(struct kv_ssd_params *p, uint32_t blocks, uint32_t np, double op,
		      enum kv_gc_policy policy)
{
	struct kv_err err;

	kv_ssd_params_preset(KV_SSD_TINY, p);
	p->channels = 1;
	p->dies_per_channel = 1;
	p->planes_per_die = 1;
	p->blocks_per_plane = blocks;
	p->pages_per_block = np;
	p->page_size = 4096;
	p->unit_size = 4096;
	p->op = op;
	p->gc_policy = (int)policy;
	p->gc_fg_free_blocks = 1;
	p->gc_bg_free_blocks = 1;
	if (kv_ssd_params_check(p, &err) != KV_OK)
		fprintf(stderr, "params: %s\n", kv_err_msg(&err));
}

/*
 * Fill the logical space sequentially, then @warm x logical random
 * requests, reset the counters, then @measure x logical requests; a
 * fraction @q of requests TRIM a random in-use unit, the others write a
 * uniformly random unit. Returns the measured WA (host + GC) / host.
 */
static double fm_run(struct kv_ftl *ftl, double warm, double measure, double q, uint64_t seed)
{
	uint64_t n = kv_ftl_logical_units(ftl);
	uint32_t *inuse = kv_malloc(KV_MEM_OTHER, n * sizeof(uint32_t));
	uint32_t *pos = kv_malloc(KV_MEM_OTHER, n * sizeof(uint32_t));
	uint64_t ninuse = 0;
	struct kv_rng r;
	struct kv_ftl_counters c;
	uint64_t total[2] = { (uint64_t)(warm * (double)n), (uint64_t)(measure * (double)n) };
	uint64_t qthresh = (uint64_t)(q * 1e9);

	kv_rng_seed(&r, seed);
	for (uint64_t l = 0; l < n; l++) {
		if (kv_ftl_write(ftl, (uint32_t)l) != KV_OK)
			return -1;
		pos[l] = (uint32_t)ninuse;
		inuse[ninuse++] = (uint32_t)l;
	}
	for (int phase = 0; phase < 2; phase++) {
		if (phase == 1)
			kv_ftl_reset_counters(ftl);
		for (uint64_t i = 0; i < total[phase]; i++) {
			if (q > 0 && kv_rng_below(&r, 1000000000u) < qthresh && ninuse > 0) {
				uint64_t k = kv_rng_below(&r, ninuse);
				uint32_t l = inuse[k];
				kv_ftl_trim(ftl, l);
				inuse[k] = inuse[--ninuse];
				pos[inuse[k]] = (uint32_t)k;
				pos[l] = UINT32_MAX;
				continue;
			}
			uint32_t l = (uint32_t)kv_rng_below(&r, n);
			if (kv_ftl_write(ftl, l) != KV_OK)
				return -1;
			if (q > 0 && pos[l] == UINT32_MAX) {
				pos[l] = (uint32_t)ninuse;
				inuse[ninuse++] = l;
			}
		}
	}
	kv_ftl_get_counters(ftl, &c);
	kv_free(KV_MEM_OTHER, inuse, n * sizeof(uint32_t));
	kv_free(KV_MEM_OTHER, pos, n * sizeof(uint32_t));
	return (double)(c.host_units + c.gc_units) / (double)c.host_units;
}

/* Build an FTL, run, free; the measured WA (or -1 on failure). */
static double fm_measure(uint32_t blocks, uint32_t np, double op, enum kv_gc_policy policy,
			 double warm, double measure, double q, uint64_t seed)
{
	struct kv_ssd_params p;
	struct kv_ftl *ftl;
	struct kv_err err;
	double wa;

	fm_params(&p, blocks, np, op, policy);
	if (kv_ftl_new(&p, NULL, &ftl, &err) != KV_OK)
		return -1;
	wa = fm_run(ftl, warm, measure, q, seed);
	kv_ftl_free(ftl);
	return wa;
}

/* alpha = physical / logical of the geometry fm_params builds. */
static double fm_alpha(uint32_t blocks, uint32_t np, double op)
{
	struct kv_ssd_params p;

	fm_params(&p, blocks, np, op, KV_GC_GREEDY);
	return (double)kv_ssd_physical_units(&p) / (double)kv_ssd_logical_units(&p);
}

#endif
