/*
 * core/lsm/strategy_util.c - metadata helpers shared by compaction strategies.
 */
#include "core/lsm/strategy_util.h"

#include <assert.h>

void kv_run_overlap(const struct kv_run *run, struct kv_slice lo, struct kv_slice hi,
		    size_t *first, size_t *end)
{
	size_t a = 0, b = run->nfiles;

	assert(kv_slice_cmp(lo, hi) <= 0);
	/* First file whose largest key is >= lo. */
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (kv_slice_cmp(run->files[mid]->largest, lo) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*first = a;
	/* From there, the first file whose smallest key is > hi. */
	b = run->nfiles;
	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (kv_slice_cmp(run->files[mid]->smallest, hi) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*end = a;
}

uint64_t kv_run_files_bytes(const struct kv_run *run, size_t first, size_t end)
{
	uint64_t bytes = 0;

	assert(first <= end && end <= run->nfiles);
	for (size_t i = first; i < end; i++)
		bytes += run->files[i]->bytes;
	return bytes;
}

bool kv_run_files_compacting(const struct kv_run *run, size_t first, size_t end)
{
	assert(first <= end && end <= run->nfiles);
	for (size_t i = first; i < end; i++) {
		if (run->files[i]->being_compacted)
			return true;
	}
	return false;
}

bool kv_level_overlaps(const struct kv_level *level, struct kv_slice lo, struct kv_slice hi)
{
	for (size_t r = 0; r < level->nruns; r++) {
		size_t first, end;

		kv_run_overlap(&level->runs[r], lo, hi, &first, &end);
		if (first < end)
			return true;
	}
	return false;
}

void kv_files_key_range(const struct kv_file_meta *const *files, size_t n, struct kv_slice *lo,
			struct kv_slice *hi)
{
	assert(n >= 1);
	*lo = files[0]->smallest;
	*hi = files[0]->largest;
	for (size_t i = 1; i < n; i++) {
		if (kv_slice_cmp(files[i]->smallest, *lo) < 0)
			*lo = files[i]->smallest;
		if (kv_slice_cmp(files[i]->largest, *hi) > 0)
			*hi = files[i]->largest;
	}
}

void kv_key_range_extend(struct kv_slice *lo, struct kv_slice *hi, bool *have, struct kv_slice flo,
			 struct kv_slice fhi)
{
	if (!*have) {
		*lo = flo;
		*hi = fhi;
		*have = true;
		return;
	}
	if (kv_slice_cmp(flo, *lo) < 0)
		*lo = flo;
	if (kv_slice_cmp(fhi, *hi) > 0)
		*hi = fhi;
}

bool kv_job_add_input(struct kv_job *job, int level, uint64_t file_id)
{
	if (job->ninputs >= KV_JOB_MAX_INPUTS)
		return false;
	job->inputs[job->ninputs].level = level;
	job->inputs[job->ninputs].file_id = file_id;
	job->ninputs++;
	return true;
}
