/*
 * strategies/tiered.c - size-tiered compaction, Cassandra STCS-style.
 *
 * One level; every flush and every output is its own sorted run (one
 * file: jobs ask for no output cutting). Runs of similar size are
 * bucketed (strategies/run_util.h, kv_stcs_pick); a bucket of at least
 * min_threshold runs is merged (at most max_threshold at once) into one
 * new run at the newest input's read position. With no such bucket, one
 * run whose tombstone ratio exceeds tombstone_threshold, old enough and
 * with no older overlapping run (so its tombstones can really go), is
 * rewritten alone. docs/strategies.md ("Size-tiered") lists the rules and
 * every difference from Cassandra.
 *
 * Invariants (tiered_check):
 *  1. base.nlevels == 1, base.ttl_ns == 0.
 *  2. 2 <= min_threshold <= max_threshold <= KV_RUNS_MAX;
 *     0 < bucket_low < 1 < bucket_high; 0 <= tombstone_threshold <= 1
 *     (checked at init, never changed afterwards).
 */
#include "strategies/tiered.h"

#include <assert.h>
#include <stddef.h>

#include "core/lsm/strategy_util.h"
#include "strategies/run_util.h"

struct tiered_options {
	struct kv_stcs_params stcs;
	double tombstone_threshold;
	uint64_t tombstone_interval_ns;
};

struct tiered {
	struct kv_strategy base;
	struct tiered_options opt;
	/* Scratch (no allocation in pick). */
	struct kv_stcs_scratch sc;
	bool consider[KV_RUNS_MAX];
	bool chosen[KV_RUNS_MAX];
};

#define OPT(field) offsetof(struct tiered_options, field)

static const struct kv_option tiered_options_table[] = {
	{ .name = "min_threshold", .type = KV_OPT_INT, .def = "4", .min = 2, .max = KV_RUNS_MAX,
	  .unit = "runs", .doc = "a bucket compacts when it holds this many similar-sized runs",
	  .offset = OPT(stcs.min_threshold) },
	{ .name = "max_threshold", .type = KV_OPT_INT, .def = "32", .min = 2, .max = KV_RUNS_MAX,
	  .unit = "runs", .doc = "at most this many runs are merged by one job",
	  .offset = OPT(stcs.max_threshold) },
	{ .name = "bucket_low", .type = KV_OPT_DOUBLE, .def = "0.5", .min = 0.01, .max = 0.99,
	  .unit = "", .doc = "a run joins a bucket if bytes > bucket_low x the bucket average",
	  .offset = OPT(stcs.bucket_low) },
	{ .name = "bucket_high", .type = KV_OPT_DOUBLE, .def = "1.5", .min = 1.01, .max = 1000,
	  .unit = "", .doc = "... and bytes < bucket_high x the bucket average",
	  .offset = OPT(stcs.bucket_high) },
	{ .name = "min_sstable_size", .type = KV_OPT_BYTES, .def = "50MiB", .min = 0,
	  .max = 1125899906842624.0, .unit = "bytes",
	  .doc = "runs smaller than this all share one bucket", .offset = OPT(stcs.min_sstable_size) },
	{ .name = "tombstone_threshold", .type = KV_OPT_DOUBLE, .def = "0.2", .min = 0, .max = 1,
	  .unit = "", .doc = "a run whose tombstones / entries exceeds this is rewritten alone",
	  .offset = OPT(tombstone_threshold) },
	{ .name = "tombstone_compaction_interval", .type = KV_OPT_DURATION, .def = "1d", .min = 0,
	  .max = 1e19, .unit = "ns",
	  .doc = "a run must be this old (device clock) before a tombstone compaction",
	  .offset = OPT(tombstone_interval_ns) },
	{ .name = NULL },
};

static const char TRIGGER_BUCKET[] = "bucket";
static const char TRIGGER_TOMBSTONES[] = "tombstone_ratio";

static const char *const tiered_triggers[] = { TRIGGER_BUCKET, TRIGGER_TOMBSTONES, NULL };

static struct tiered *to_tiered(struct kv_strategy *s)
{
	return (struct tiered *)s;
}

static bool tiered_check(const struct tiered *t)
{
	const struct tiered_options *o = &t->opt;

	if (t->base.nlevels != 1 || t->base.ttl_ns != 0)
		return false;
	if (!kv_stcs_params_valid(&o->stcs))
		return false;
	return o->tombstone_threshold >= 0 && o->tombstone_threshold <= 1;
}

static int tiered_init(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err)
{
	struct tiered *t = to_tiered(s);
	int rc;

	rc = kv_options_load(tiered_options_table, cfg, &t->opt, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "strategy 'tiered'");
		return rc;
	}
	rc = kv_stcs_params_check(&t->opt.stcs, "tiered", err);
	if (rc != KV_OK)
		return rc;
	s->nlevels = 1;
	s->ttl_ns = 0;
	assert(tiered_check(t));
	return KV_OK;
}

static int check_view(struct tiered *t, const struct kv_version_view *v)
{
	if (v->nlevels != 1)
		return kv_err_set(&t->base.err, KV_EINVAL,
				  "tiered: view has %d levels, expected 1", v->nlevels);
	return KV_OK;
}

/* Single-run tombstone compaction: the largest eligible run, or none. */
static void pick_tombstones(struct tiered *t, const struct kv_version_view *v, size_t n,
			    struct kv_job *job)
{
	const struct kv_level *lv = &v->levels[0];
	long best = -1;
	double best_ratio = 0;

	for (size_t i = 0; i < n; i++) {
		const struct kv_run *r = &lv->runs[i];
		uint64_t entries, tombstones, created;
		struct kv_slice lo, hi;
		double ratio;

		if (r->nfiles == 0 || kv_run_compacting(r) || r->nfiles > KV_JOB_MAX_INPUTS)
			continue;
		kv_run_counts(r, &entries, &tombstones);
		if (entries == 0)
			continue;
		ratio = (double)tombstones / (double)entries;
		if (!(ratio > t->opt.tombstone_threshold))
			continue;
		created = kv_run_max_created(r);
		if (v->now_ns < created || v->now_ns - created < t->opt.tombstone_interval_ns)
			continue;
		kv_run_range(r, &lo, &hi);
		if (!kv_runs_nothing_older(lv, i, lo, hi))
			continue;
		if (best < 0 || r->bytes > lv->runs[best].bytes) {
			best = (long)i;
			best_ratio = ratio;
		}
	}
	if (best < 0)
		return;
	for (size_t i = 0; i < n; i++)
		t->chosen[i] = (long)i == best;
	kv_job_merge_runs(job, lv, t->chosen, n);
	assert(job->drop_tombstones);
	job->trigger = TRIGGER_TOMBSTONES;
	job->score = t->opt.tombstone_threshold > 0 ? best_ratio / t->opt.tombstone_threshold
						    : best_ratio;
}

static int tiered_pick(struct kv_strategy *s, const struct kv_version_view *v, struct kv_job *job)
{
	struct tiered *t = to_tiered(s);
	const struct kv_level *lv;
	size_t n, count, bucket_runs;
	int rc;

	assert(tiered_check(t));
	rc = check_view(t, v);
	if (rc != KV_OK)
		return rc;
	lv = &v->levels[0];
	n = lv->nruns < KV_RUNS_MAX ? lv->nruns : KV_RUNS_MAX;
	for (size_t i = 0; i < n; i++)
		t->consider[i] = true;
	count = kv_stcs_pick(&t->opt.stcs, lv, t->consider, n, &t->sc, t->chosen,
			     &bucket_runs);
	if (count > 0) {
		kv_job_merge_runs(job, lv, t->chosen, n);
		job->trigger = TRIGGER_BUCKET;
		job->score = (double)bucket_runs / (double)t->opt.stcs.min_threshold;
	} else {
		pick_tombstones(t, v, n, job);
	}
	assert(tiered_check(t));
	return KV_OK;
}

const struct kv_strategy_ops kv_tiered_strategy_ops = {
	.name = "tiered",
	.version = 1,
	.instance_size = sizeof(struct tiered),
	.doc = "Cassandra-style size-tiered compaction (STCS): merge buckets of "
	       "similar-sized runs; single-run tombstone compaction",
	.options = tiered_options_table,
	.triggers = tiered_triggers,
	.init = tiered_init,
	.pick = tiered_pick,
};
