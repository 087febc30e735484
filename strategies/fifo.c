/*
 * strategies/fifo.c - FIFO compaction, RocksDB-style.
 *
 * One level; every flush is its own sorted run and nothing is ever merged.
 * Checks, in order (RocksDB's):
 *  1. fifo_ttl: the oldest runs whose every entry is past the TTL
 *     (max_ts_ns + ttl <= now) are dropped, oldest first, up to the first
 *     run that is not expired. Reads already treat those entries as
 *     expired, so nothing visible is lost.
 *  2. fifo_size: while the level's bytes exceed max_table_files_size, the
 *     oldest runs are dropped until the rest fits. This LOSES DATA by
 *     design, as RocksDB FIFO does: FIFO is for data whose oldest part may
 *     go (logs, caches). Dropping always takes the oldest runs, so no older
 *     version of a key can reappear.
 * Jobs are KV_JOB_DELETE_FILES: files go without being read.
 * docs/strategies.md ("FIFO") lists the rules and every difference from
 * RocksDB.
 *
 * Invariants (fifo_check):
 *  1. base.nlevels == 1; base.ttl_ns == opt.ttl_ns.
 *  2. ttl_ns is the engine's ttl when set, else opt.ttl_ns (fixed at init);
 *     opt.max_bytes >= 1.
 */
#include "strategies/fifo.h"

#include <assert.h>
#include <stddef.h>

#include "core/lsm/strategy_util.h"
#include "strategies/run_util.h"

struct fifo_options {
	uint64_t max_bytes;
	uint64_t ttl_ns;
};

struct fifo {
	struct kv_strategy base;
	struct fifo_options opt;
	uint64_t ttl_ns; /* effective: the engine's ttl, else fifo_ttl */
};

#define OPT(field) offsetof(struct fifo_options, field)

static const struct kv_option fifo_options_table[] = {
	{ .name = "max_table_files_size", .type = KV_OPT_BYTES, .def = "1GiB", .min = 1,
	  .max = 1125899906842624.0, .unit = "bytes",
	  .doc = "drop the oldest files while all files together exceed this (loses data)",
	  .offset = OPT(max_bytes) },
	{ .name = "fifo_ttl", .type = KV_OPT_DURATION, .def = "0", .min = 0, .max = 1e19,
	  .unit = "ns", .doc = "entries expire this long after they were written and whole "
	  "expired files are dropped (0: never); the engine's ttl wins when set",
	  .offset = OPT(ttl_ns) },
	{ .name = NULL },
};

static const char TRIGGER_SIZE[] = "fifo_size";
static const char TRIGGER_TTL[] = "fifo_ttl";

static const char *const fifo_triggers[] = { TRIGGER_SIZE, TRIGGER_TTL, NULL };

static struct fifo *to_fifo(struct kv_strategy *s)
{
	return (struct fifo *)s;
}

static bool fifo_check(const struct fifo *f)
{
	if (f->base.nlevels != 1 || f->base.ttl_ns != f->opt.ttl_ns || f->opt.max_bytes < 1)
		return false;
	return f->ttl_ns == f->base.ttl_ns || f->ttl_ns != 0;
}

static int fifo_init(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err)
{
	struct fifo *f = to_fifo(s);
	uint64_t engine_ttl;
	int rc;

	rc = kv_options_load(fifo_options_table, cfg, &f->opt, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "strategy 'fifo'");
		return rc;
	}
	engine_ttl = kv_cfg_engine_ttl_ns(cfg);
	f->ttl_ns = engine_ttl ? engine_ttl : f->opt.ttl_ns;
	s->nlevels = 1;
	s->ttl_ns = f->opt.ttl_ns;
	assert(fifo_check(f));
	return KV_OK;
}

/* Add run @r's files to @job; false (job unchanged) when they do not fit. */
static bool add_run(struct kv_job *job, const struct kv_run *r)
{
	if (job->ninputs + r->nfiles > KV_JOB_MAX_INPUTS)
		return false;
	for (size_t i = 0; i < r->nfiles; i++)
		kv_job_add_input(job, 0, r->files[i]->id);
	return true;
}

static void finish(struct kv_job *job, const char *trigger, double score)
{
	job->kind = KV_JOB_DELETE_FILES;
	job->trigger = trigger;
	job->score = score;
	job->output_level = 0;
	job->output_run = -1;
}

static int fifo_pick(struct kv_strategy *s, const struct kv_version_view *v, struct kv_job *job)
{
	struct fifo *f = to_fifo(s);
	const struct kv_level *lv;
	uint64_t total;
	size_t i;

	assert(fifo_check(f));
	if (v->nlevels != 1)
		return kv_err_set(&f->base.err, KV_EINVAL, "fifo: view has %d levels, expected 1",
				  v->nlevels);
	lv = &v->levels[0];
	total = lv->bytes;

	/* 1. TTL: the oldest runs, while expired. */
	for (i = lv->nruns; f->ttl_ns > 0 && i-- > 0;) {
		const struct kv_run *r = &lv->runs[i];
		uint64_t ts = kv_run_max_ts(r);

		if (kv_run_compacting(r) || ts > v->now_ns || v->now_ns - ts < f->ttl_ns)
			break;
		if (!add_run(job, r))
			break;
	}
	if (job->ninputs > 0) {
		finish(job, TRIGGER_TTL, (double)job->ninputs);
		goto out;
	}

	/* 2. Size cap: the oldest runs until the rest fits. */
	if (total <= f->opt.max_bytes)
		goto out;
	for (i = lv->nruns; i-- > 0 && total > f->opt.max_bytes;) {
		const struct kv_run *r = &lv->runs[i];

		if (kv_run_compacting(r) || !add_run(job, r))
			break;
		total -= r->bytes;
	}
	if (job->ninputs > 0)
		finish(job, TRIGGER_SIZE, (double)lv->bytes / (double)f->opt.max_bytes);
out:
	assert(fifo_check(f));
	return KV_OK;
}

const struct kv_strategy_ops kv_fifo_strategy_ops = {
	.name = "fifo",
	.version = 1,
	.instance_size = sizeof(struct fifo),
	.doc = "RocksDB-style FIFO: no merging; drops the oldest files past a size cap "
	       "(loses data by design) or past the TTL",
	.options = fifo_options_table,
	.triggers = fifo_triggers,
	.init = fifo_init,
	.pick = fifo_pick,
};
