/*
 * core/lsm/strategy.c - the one wrapper per compaction-strategy method.
 *
 * The engine never calls a strategy's ops directly: these wrappers zero
 * the job, supply defaults for optional methods and assert that what the
 * strategy returned is well-formed (a broken job is a strategy bug, so it
 * is an assert, not an error).
 */
#include "core/lsm/strategy.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"

int kv_strategy_create(const struct kv_strategy_ops *ops, const struct kv_config *cfg,
		       struct kv_strategy **out, struct kv_err *err)
{
	struct kv_strategy *s;
	int rc;

	assert(ops && out);
	assert(ops->name && ops->init && ops->pick);
	assert(ops->instance_size >= sizeof(struct kv_strategy));
	*out = NULL;
	s = kv_calloc(KV_MEM_OTHER, ops->instance_size);
	if (!s)
		return kv_err_set(err, KV_ENOMEM, "strategy '%s': out of memory", ops->name);
	s->ops = ops;
	rc = ops->init(s, cfg, &s->err);
	if (rc != KV_OK) {
		kv_err_copy(err, &s->err);
		if (s->err.code == KV_OK)
			kv_err_set(err, rc, "strategy '%s': init failed", ops->name);
		goto out_free;
	}
	if (s->nlevels < 1 || s->nlevels > KV_MAX_LEVELS) {
		rc = kv_err_set(err, KV_EINVAL, "strategy '%s': %d levels, expected 1..%d",
				ops->name, s->nlevels, KV_MAX_LEVELS);
		goto out_destroy;
	}
	*out = s;
	return KV_OK;

out_destroy:
	if (ops->destroy)
		ops->destroy(s);
out_free:
	kv_free(KV_MEM_OTHER, s, ops->instance_size);
	return rc;
}

void kv_strategy_destroy(struct kv_strategy *s)
{
	if (!s)
		return;
	if (s->ops->destroy)
		s->ops->destroy(s);
	kv_free(KV_MEM_OTHER, s, s->ops->instance_size);
}

/* True if @trigger is one of the names the strategy declared. */
static bool trigger_declared(const struct kv_strategy_ops *ops, const char *trigger)
{
	if (!ops->triggers)
		return true;
	for (size_t i = 0; ops->triggers[i]; i++) {
		if (strcmp(ops->triggers[i], trigger) == 0)
			return true;
	}
	return false;
}

/* Basic well-formedness of a job the strategy returned for view @v. */
static bool job_sane(const struct kv_strategy *s, const struct kv_version_view *v,
		     const struct kv_job *job)
{
	if (job->kind == KV_JOB_NONE)
		return job->ninputs == 0;
	if (job->kind != KV_JOB_MERGE && job->kind != KV_JOB_MOVE &&
	    job->kind != KV_JOB_DELETE_FILES)
		return false;
	if (!job->trigger || !trigger_declared(s->ops, job->trigger))
		return false;
	if (job->ninputs == 0 || job->ninputs > KV_JOB_MAX_INPUTS)
		return false;
	if (job->kind != KV_JOB_DELETE_FILES &&
	    (job->output_level < 0 || job->output_level >= v->nlevels))
		return false;
	for (size_t i = 0; i < job->ninputs; i++) {
		int level = job->inputs[i].level;
		if (level < 0 || level >= v->nlevels)
			return false;
		if (job->kind != KV_JOB_DELETE_FILES && level > job->output_level)
			return false;
	}
	return true;
}

int kv_strategy_pick(struct kv_strategy *s, const struct kv_version_view *v,
		     struct kv_job *job)
{
	int rc;

	assert(s && v && job);
	/* Only the header: inputs[] is 64 KiB and is written up to ninputs. */
	memset(job, 0, offsetof(struct kv_job, inputs));
	job->kind = KV_JOB_NONE;
	job->output_run = -1;
	rc = s->ops->pick(s, v, job);
	if (rc != KV_OK) {
		if (s->err.code == KV_OK)
			kv_err_set(&s->err, rc, "strategy '%s': pick failed", s->ops->name);
		job->kind = KV_JOB_NONE;
		job->ninputs = 0;
		return rc;
	}
	assert(job_sane(s, v, job));
	return KV_OK;
}

int kv_strategy_place_flush(struct kv_strategy *s, const struct kv_version_view *v)
{
	int level;

	assert(s && v);
	if (!s->ops->place_flush)
		return 0;
	level = s->ops->place_flush(s, v);
	assert(level >= 0 && level < s->nlevels);
	return level;
}

void kv_strategy_job_done(struct kv_strategy *s, const struct kv_job *job)
{
	assert(s && job);
	if (s->ops->job_done)
		s->ops->job_done(s, job);
}
