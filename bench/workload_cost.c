/*
 * bench/workload_cost.c - what generating and driving the operations of a
 * workload costs next to the engine (docs/BENCHMARKS.md "Workloads").
 *
 * usage: workload_cost [N] [SEED]
 *
 * 1. generator alone: N operations of the fillrandom workload (uniform
 *    keys over N, 100-byte values) drawn from the generator, with the value
 *    bytes taken from the value pool and the exact live-key set updated,
 *    exactly as the runner does per operation, but no engine call;
 * 2. generator + runner: the same through kv_runner_run() on a null engine
 *    whose put does nothing (adds the runner's per-operation work: device
 *    clock reads, latency histograms, the engine wrapper's counters);
 * 3. the whole run: the same workload through kv_runner_run() on the LSM
 *    engine (skiplist, leveled, 64 MiB write buffer) over the mem device.
 * Prints both rates and the generator's share of the whole run's time.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/engine.h"
#include "core/lsm/lsm.h"
#include "core/memtable/memtable.h"
#include "devices/mem.h"
#include "strategies/registry.h"
#include "workloads/generator.h"
#include "workloads/liveset.h"
#include "workloads/named.h"
#include "workloads/runner.h"
#include "workloads/valuegen.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct kv_config *make_cfg(uint64_t n, uint64_t seed)
{
	struct kv_config *c = kv_config_new();
	char buf[32];

	if (!c)
		exit(1);
	snprintf(buf, sizeof(buf), "%" PRIu64, n);
	kv_config_set(c, "workload", "fillrandom");
	kv_config_set(c, "recordcount", buf);
	kv_config_set(c, "operationcount", buf);
	snprintf(buf, sizeof(buf), "%" PRIu64, seed);
	kv_config_set(c, "seed", buf);
	kv_config_set(c, "progress", "false");
	return c;
}

static double generator_alone(uint64_t n, uint64_t seed, uint64_t *sink)
{
	struct kv_config *c = make_cfg(n, seed), *eff;
	struct kv_named_setup ns;
	struct kv_runner_opts o;
	struct kv_valuegen vg;
	struct kv_liveset *live;
	struct kv_gen *g;
	struct kv_wl_source *src;
	struct kv_wl_op op;
	struct kv_err err;
	double t0, t;

	if (kv_named_resolve(c, &eff, &o, &ns, &err) != KV_OK ||
	    kv_gen_new(&ns.gen, &g, &err) != KV_OK ||
	    kv_valuegen_init(&vg, 100, seed, &err) != KV_OK) {
		fprintf(stderr, "%s\n", kv_err_msg(&err));
		exit(1);
	}
	live = kv_liveset_new(true, n);
	src = kv_gen_run_source(g);
	t0 = now_s();
	while (kv_wl_next(src, &op, &err) == KV_OK) {
		struct kv_slice v = kv_valuegen_bytes(&vg, op.value_len);

		*sink += (uint64_t)(unsigned char)op.key.data[op.key.len - 1] +
			 (uint64_t)(unsigned char)v.data[0];
		kv_liveset_put(live, op.keynum, op.key, v.len);
	}
	t = now_s() - t0;
	kv_liveset_free(live);
	kv_valuegen_destroy(&vg);
	kv_gen_free(g);
	kv_config_free(eff);
	kv_config_free(c);
	return t;
}

static int null_open(struct kv_engine *e, const struct kv_engine_args *a)
{
	(void)e;
	(void)a;
	return KV_OK;
}

static void null_close(struct kv_engine *e)
{
	(void)e;
}

static int null_put(struct kv_engine *e, struct kv_slice k, struct kv_slice v)
{
	(void)e;
	(void)k;
	(void)v;
	return KV_OK;
}

static const struct kv_engine_ops null_engine_ops = {
	.name = "null", .version = 1, .instance_size = sizeof(struct kv_engine),
	.doc = "does nothing", .open = null_open, .close = null_close, .put = null_put,
};

static double whole_run(uint64_t n, uint64_t seed, bool null_engine)
{
	struct kv_config *c = make_cfg(n, seed);
	struct kv_runner_params p = { .cfg = c };
	struct kv_runner_result *res = kv_calloc(KV_MEM_OTHER, sizeof(*res));
	struct kv_engine_args args;
	struct kv_device *dev;
	struct kv_engine *e;
	struct kv_runner *r;
	struct kv_err err;
	double t0, t;

	if (!res || kv_dev_open(&kv_mem_device_ops, NULL, NULL, &dev, &err) != KV_OK)
		exit(1);
	args = (struct kv_engine_args){ .cfg = NULL, .dev = dev,
					.memtable = kv_memtable_find("skiplist"),
					.strategy = kv_strategy_find("leveled") };
	if (kv_engine_open(null_engine ? &null_engine_ops : &kv_lsm_engine_ops, &args, &e,
			   &err) != KV_OK ||
	    kv_runner_new(&p, &r, &err) != KV_OK) {
		fprintf(stderr, "%s\n", kv_err_msg(&err));
		exit(1);
	}
	t0 = now_s();
	if (kv_runner_run(r, e, res, &err) != KV_OK) {
		fprintf(stderr, "%s\n", kv_err_msg(&err));
		exit(1);
	}
	t = now_s() - t0;
	kv_runner_free(r);
	kv_engine_close(e);
	kv_dev_close(dev);
	kv_free(KV_MEM_OTHER, res, sizeof(*res));
	kv_config_free(c);
	return t;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 301, sink = 0;
	double gen = generator_alone(n, seed, &sink), driven = whole_run(n, seed, true);
	double whole = whole_run(n, seed, false);

	printf("fillrandom, %" PRIu64 " ops, 16-byte keys, 100-byte values, seed %" PRIu64 "\n",
	       n, seed);
	printf("generator alone : %8.3f s  %10.0f ops/s\n", gen, (double)n / gen);
	printf("gen + runner    : %8.3f s  %10.0f ops/s (null engine)\n", driven,
	       (double)n / driven);
	printf("whole run (mem) : %8.3f s  %10.0f ops/s\n", whole, (double)n / whole);
	printf("generator share : %6.2f %% of the whole run; generating + driving %.2f %% "
	       "(checksum %" PRIu64 ")\n", 100.0 * gen / whole, 100.0 * driven / whole,
	       sink % 1000);
	return 0;
}
