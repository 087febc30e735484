/*
 * lua/compaction_log.c - the compaction log CSV (see compaction_log.h).
 *
 * Invariants:
 *  1. f is open from kv_compaction_log_open to kv_compaction_log_close.
 *  2. write_failed is sticky: once a row fails, it stays set and the
 *     failure is reported by kv_compaction_log_close.
 */
#include "lua/compaction_log.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/lsm.h"

struct kv_compaction_log {
	FILE *f;
	char *path;
	uint64_t jobs;
	bool write_failed;
	int write_errno;
};

static const char header[] =
	"job,start_ns,end_ns,job_ns,strategy,trigger,kind,output_level,inputs,"
	"in_files,in_bytes,in_entries,out_files,out_bytes,out_entries,"
	"entries_dropped,tombstones_dropped\n";

static bool log_check(const struct kv_compaction_log *log)
{
	return log && log->f && log->path;
}

/* The "inputs" cell: "mem=E/B" or "L0=F/B/E L1=..." (no commas: one cell). */
static void inputs_cell(char *buf, size_t len, const struct kv_lsm_job_record *rec,
			uint64_t tot[3])
{
	size_t used = 0;

	buf[0] = '\0';
	tot[0] = tot[1] = tot[2] = 0;
	if (strcmp(rec->kind, "flush") == 0) {
		snprintf(buf, len, "mem=%" PRIu64 "/%" PRIu64, rec->mem_entries, rec->mem_bytes);
		tot[1] = rec->mem_bytes;
		tot[2] = rec->mem_entries;
		return;
	}
	for (int l = 0; l < KV_MAX_LEVELS; l++) {
		int n;

		if (rec->in_files[l] == 0)
			continue;
		tot[0] += rec->in_files[l];
		tot[1] += rec->in_bytes[l];
		tot[2] += rec->in_entries[l];
		n = snprintf(buf + used, len - used, "%sL%d=%" PRIu64 "/%" PRIu64 "/%" PRIu64,
			     used ? " " : "", l, rec->in_files[l], rec->in_bytes[l],
			     rec->in_entries[l]);
		if (n < 0 || (size_t)n >= len - used)
			break; /* KV_MAX_LEVELS rows always fit; see the buffer size */
		used += (size_t)n;
	}
}

static void on_job(void *ud, const struct kv_lsm_job_record *rec)
{
	struct kv_compaction_log *log = ud;
	/* KV_MAX_LEVELS entries of "Lnn=" + three 20-digit numbers + separators */
	char inputs[KV_MAX_LEVELS * 72];
	uint64_t tot[3];
	int n;

	assert(log_check(log));
	inputs_cell(inputs, sizeof(inputs), rec, tot);
	log->jobs++;
	n = fprintf(log->f,
		    "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,%s,%s,%d,%s,"
		    "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		    ",%" PRIu64 ",%" PRIu64 "\n",
		    log->jobs, rec->start_ns, rec->end_ns, rec->end_ns - rec->start_ns,
		    rec->strategy, rec->trigger, rec->kind, rec->output_level, inputs, tot[0],
		    tot[1], tot[2], rec->out_files, rec->out_bytes, rec->out_entries,
		    rec->entries_dropped, rec->tombstones_dropped);
	if (n < 0 && !log->write_failed) {
		log->write_failed = true;
		log->write_errno = errno;
	}
}

int kv_compaction_log_open(const char *path, struct kv_engine *e,
			   struct kv_compaction_log **out, struct kv_err *err)
{
	struct kv_compaction_log *log;
	int rc;

	*out = NULL;
	if (!kv_engine_is_lsm(e))
		return kv_err_set(err, KV_EINVAL,
				  "compaction_log=%s: engine '%s' has no flushes or compactions "
				  "(only the lsm engine keeps a compaction log)",
				  path, e->ops->name);
	log = kv_calloc(KV_MEM_OTHER, sizeof(*log));
	if (!log)
		return kv_err_set(err, KV_ENOMEM, "compaction_log: out of memory");
	log->path = kv_strdup(KV_MEM_OTHER, path);
	if (!log->path) {
		rc = kv_err_set(err, KV_ENOMEM, "compaction_log: out of memory");
		goto out_free;
	}
	log->f = fopen(path, "w");
	if (!log->f) {
		rc = kv_err_set(err, KV_EIO, "compaction_log=%s: cannot create: %s", path,
				strerror(errno));
		goto out_free_path;
	}
	if (fputs(header, log->f) < 0) {
		rc = kv_err_set(err, KV_EIO, "compaction_log=%s: write failed: %s", path,
				strerror(errno));
		fclose(log->f);
		goto out_free_path;
	}
	kv_lsm_set_job_listener(e, on_job, log);
	assert(log_check(log));
	*out = log;
	return KV_OK;

out_free_path:
	kv_strfree(KV_MEM_OTHER, log->path);
out_free:
	kv_free(KV_MEM_OTHER, log, sizeof(*log));
	return rc;
}

uint64_t kv_compaction_log_jobs(const struct kv_compaction_log *log)
{
	return log->jobs;
}

int kv_compaction_log_close(struct kv_compaction_log *log, struct kv_err *err)
{
	int rc = KV_OK;

	if (!log)
		return KV_OK;
	assert(log_check(log));
	if (fclose(log->f) != 0 && !log->write_failed) {
		log->write_failed = true;
		log->write_errno = errno;
	}
	if (log->write_failed)
		rc = kv_err_set(err, KV_EIO, "compaction_log=%s: write failed after %" PRIu64
				" jobs: %s", log->path, log->jobs, strerror(log->write_errno));
	kv_strfree(KV_MEM_OTHER, log->path);
	kv_free(KV_MEM_OTHER, log, sizeof(*log));
	return rc;
}
