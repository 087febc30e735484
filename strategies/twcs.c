/*
 * strategies/twcs.c - time-window compaction, Cassandra TWCS-style.
 *
 * One level; every flush and every output is its own sorted run (one
 * file). A run belongs to the time window of its largest entry timestamp
 * (struct kv_file_meta max_ts_ns: the device clock at write time, so it
 * works in virtual time): window = max_ts_ns / (unit x
 * compaction_window_size). Checks, in order:
 *  1. ttl_expired: runs whose every entry is past the TTL
 *     (max_ts_ns + ttl <= now) and under which no older overlapping run
 *     would remain are dropped whole, without reading them.
 *  2. window_stcs: the newest window, with >= min_threshold runs, is
 *     compacted by STCS rules (strategies/run_util.h, kv_stcs_pick).
 *  3. window_major: the newest older window with >= 2 runs has them merged
 *     into one run (at most max_threshold at a time).
 * Jobs never take runs of two windows. docs/strategies.md ("Time-window")
 * lists the rules and every difference from Cassandra.
 *
 * Invariants (twcs_check):
 *  1. base.nlevels == 1; base.ttl_ns == opt.ttl_ns.
 *  2. window_ns >= 60 s; ttl_ns is the engine's ttl when set, else
 *     opt.ttl_ns (fixed at init).
 *  3. The STCS parameters satisfy tiered's ranges (checked at init).
 */
#include "strategies/twcs.h"

#include <assert.h>
#include <stddef.h>

#include "core/lsm/strategy_util.h"
#include "strategies/run_util.h"

#define NS_PER_MIN 60000000000ull

struct twcs_options {
	int unit;
	int64_t window_size;
	uint64_t ttl_ns;
	struct kv_stcs_params stcs;
};

struct twcs {
	struct kv_strategy base;
	struct twcs_options opt;
	uint64_t window_ns;
	uint64_t ttl_ns; /* effective: the engine's ttl, else twcs_ttl */
	/* Scratch (no allocation in pick). */
	struct kv_stcs_scratch sc;
	uint64_t window[KV_RUNS_MAX];
	bool sel[KV_RUNS_MAX];
	bool chosen[KV_RUNS_MAX];
};

static const char *const unit_choices[] = { "MINUTES", "HOURS", "DAYS", NULL };

#define OPT(field) offsetof(struct twcs_options, field)

static const struct kv_option twcs_options_table[] = {
	{ .name = "compaction_window_unit", .type = KV_OPT_ENUM, .def = "DAYS", .unit = "",
	  .doc = "time unit of a window", .choices = unit_choices, .offset = OPT(unit) },
	{ .name = "compaction_window_size", .type = KV_OPT_INT, .def = "1", .min = 1,
	  .max = 1000000, .unit = "units", .doc = "window length in compaction_window_unit",
	  .offset = OPT(window_size) },
	{ .name = "twcs_ttl", .type = KV_OPT_DURATION, .def = "0", .min = 0, .max = 1e19,
	  .unit = "ns", .doc = "entries expire this long after they were written (0: never); "
	  "the engine's ttl wins when set", .offset = OPT(ttl_ns) },
	{ .name = "min_threshold", .type = KV_OPT_INT, .def = "4", .min = 2, .max = KV_RUNS_MAX,
	  .unit = "runs", .doc = "the newest window compacts (STCS) from this many similar runs",
	  .offset = OPT(stcs.min_threshold) },
	{ .name = "max_threshold", .type = KV_OPT_INT, .def = "32", .min = 2, .max = KV_RUNS_MAX,
	  .unit = "runs", .doc = "at most this many runs are merged by one job",
	  .offset = OPT(stcs.max_threshold) },
	{ .name = "bucket_low", .type = KV_OPT_DOUBLE, .def = "0.5", .min = 0.01, .max = 0.99,
	  .unit = "", .doc = "STCS in the newest window: bucket lower bound / average",
	  .offset = OPT(stcs.bucket_low) },
	{ .name = "bucket_high", .type = KV_OPT_DOUBLE, .def = "1.5", .min = 1.01, .max = 1000,
	  .unit = "", .doc = "STCS in the newest window: bucket upper bound / average",
	  .offset = OPT(stcs.bucket_high) },
	{ .name = "min_sstable_size", .type = KV_OPT_BYTES, .def = "50MiB", .min = 0,
	  .max = 1125899906842624.0, .unit = "bytes",
	  .doc = "STCS in the newest window: runs below this share one bucket",
	  .offset = OPT(stcs.min_sstable_size) },
	{ .name = NULL },
};

static const char TRIGGER_STCS[] = "window_stcs";
static const char TRIGGER_MAJOR[] = "window_major";
static const char TRIGGER_TTL[] = "ttl_expired";

static const char *const twcs_triggers[] = { TRIGGER_STCS, TRIGGER_MAJOR, TRIGGER_TTL, NULL };

static struct twcs *to_twcs(struct kv_strategy *s)
{
	return (struct twcs *)s;
}

static bool twcs_check(const struct twcs *t)
{
	const struct twcs_options *o = &t->opt;

	if (t->base.nlevels != 1 || t->base.ttl_ns != o->ttl_ns || t->window_ns < NS_PER_MIN)
		return false;
	if (t->ttl_ns != t->base.ttl_ns && t->ttl_ns == 0)
		return false;
	return kv_stcs_params_valid(&o->stcs);
}

static int twcs_init(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err)
{
	static const uint64_t unit_ns[] = { NS_PER_MIN, 60 * NS_PER_MIN, 24 * 60 * NS_PER_MIN };
	struct twcs *t = to_twcs(s);
	uint64_t engine_ttl;
	int rc;

	rc = kv_options_load(twcs_options_table, cfg, &t->opt, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "strategy 'twcs'");
		return rc;
	}
	rc = kv_stcs_params_check(&t->opt.stcs, "twcs", err);
	if (rc != KV_OK)
		return rc;
	assert(t->opt.unit >= KV_TWCS_MINUTES && t->opt.unit <= KV_TWCS_DAYS);
	t->window_ns = unit_ns[t->opt.unit] * (uint64_t)t->opt.window_size;
	engine_ttl = kv_cfg_engine_ttl_ns(cfg);
	t->ttl_ns = engine_ttl ? engine_ttl : t->opt.ttl_ns;
	s->nlevels = 1;
	s->ttl_ns = t->opt.ttl_ns;
	assert(twcs_check(t));
	return KV_OK;
}

static bool expired(const struct twcs *t, const struct kv_run *r, uint64_t now_ns)
{
	uint64_t ts = kv_run_max_ts(r);

	return t->ttl_ns > 0 && ts <= now_ns && now_ns - ts >= t->ttl_ns;
}

/* Check 1: drop expired runs with nothing older overlapping left behind. */
static bool pick_expired(struct twcs *t, const struct kv_version_view *v, size_t n,
			 struct kv_job *job)
{
	const struct kv_level *lv = &v->levels[0];
	size_t ndrop = 0;

	if (t->ttl_ns == 0)
		return false;
	for (size_t i = n; i-- > 0;) {
		const struct kv_run *r = &lv->runs[i];
		struct kv_slice lo, hi;
		bool ok;

		t->sel[i] = false;
		if (r->nfiles == 0 || kv_run_compacting(r) || !expired(t, r, v->now_ns))
			continue;
		kv_run_range(r, &lo, &hi);
		ok = true;
		for (size_t j = i + 1; j < lv->nruns && ok; j++) {
			if ((j >= n || !t->sel[j]) && kv_run_overlaps(&lv->runs[j], lo, hi))
				ok = false;
		}
		/* Oldest first, so a partial job still drops a closed set. */
		if (ok && job->ninputs + r->nfiles <= KV_JOB_MAX_INPUTS) {
			t->sel[i] = true;
			for (size_t f = 0; f < r->nfiles; f++)
				kv_job_add_input(job, 0, r->files[f]->id);
			ndrop++;
		}
	}
	if (ndrop == 0)
		return false;
	job->kind = KV_JOB_DELETE_FILES;
	job->trigger = TRIGGER_TTL;
	job->score = (double)ndrop;
	job->output_level = 0;
	job->output_run = -1;
	return true;
}

static int twcs_pick(struct kv_strategy *s, const struct kv_version_view *v, struct kv_job *job)
{
	struct twcs *t = to_twcs(s);
	const struct kv_level *lv;
	uint64_t newest = 0, prev;
	size_t n, count, bucket_runs;

	assert(twcs_check(t));
	if (v->nlevels != 1)
		return kv_err_set(&t->base.err, KV_EINVAL, "twcs: view has %d levels, expected 1",
				  v->nlevels);
	lv = &v->levels[0];
	n = lv->nruns < KV_RUNS_MAX ? lv->nruns : KV_RUNS_MAX;
	if (pick_expired(t, v, n, job))
		goto out;
	for (size_t i = 0; i < n; i++) {
		t->window[i] = kv_run_max_ts(&lv->runs[i]) / t->window_ns;
		if (lv->runs[i].nfiles > 0 && t->window[i] > newest)
			newest = t->window[i];
	}

	/* Check 2: STCS inside the newest window. */
	for (size_t i = 0; i < n; i++)
		t->sel[i] = lv->runs[i].nfiles > 0 && t->window[i] == newest;
	count = kv_stcs_pick(&t->opt.stcs, lv, t->sel, n, &t->sc, t->chosen, &bucket_runs);
	if (count > 0) {
		kv_job_merge_runs(job, lv, t->chosen, n);
		job->trigger = TRIGGER_STCS;
		job->score = (double)bucket_runs / (double)t->opt.stcs.min_threshold;
		goto out;
	}

	/* Check 3: older windows, newest first; >= 2 runs merge into one. */
	prev = newest;
	for (;;) {
		uint64_t w = 0;
		bool found = false;
		size_t members = 0;

		for (size_t i = 0; i < n; i++) {
			if (lv->runs[i].nfiles > 0 && t->window[i] < prev &&
			    (!found || t->window[i] > w)) {
				w = t->window[i];
				found = true;
			}
		}
		if (!found)
			break;
		for (size_t i = 0; i < n; i++) {
			t->sel[i] = lv->runs[i].nfiles > 0 && t->window[i] == w &&
				    !kv_run_compacting(&lv->runs[i]);
			members += t->sel[i];
		}
		if (members >= 2) {
			count = kv_runs_best_stretch(lv, t->sel, n, 2,
						     (size_t)t->opt.stcs.max_threshold, t->chosen);
			if (count > 0) {
				kv_job_merge_runs(job, lv, t->chosen, n);
				job->trigger = TRIGGER_MAJOR;
				job->score = (double)members / 2.0;
				goto out;
			}
		}
		prev = w;
	}
out:
	assert(twcs_check(t));
	return KV_OK;
}

const struct kv_strategy_ops kv_twcs_strategy_ops = {
	.name = "twcs",
	.version = 1,
	.instance_size = sizeof(struct twcs),
	.doc = "Cassandra-style time-window compaction: STCS in the newest window, "
	       "older windows merged to one run, whole-run TTL expiry",
	.options = twcs_options_table,
	.triggers = twcs_triggers,
	.init = twcs_init,
	.pick = twcs_pick,
};
