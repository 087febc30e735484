/*
 * strategies/run_util.c - whole-run helpers and the STCS bucketing shared
 * by the tiered, universal, twcs and fifo strategies.
 */
#include "strategies/run_util.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/options.h"

bool kv_run_overlaps(const struct kv_run *run, struct kv_slice lo, struct kv_slice hi)
{
	size_t a, b;

	if (run->nfiles == 0)
		return false;
	kv_run_overlap(run, lo, hi, &a, &b);
	return a < b;
}

uint64_t kv_run_max_ts(const struct kv_run *run)
{
	uint64_t ts = 0;

	for (size_t i = 0; i < run->nfiles; i++)
		if (run->files[i]->max_ts_ns > ts)
			ts = run->files[i]->max_ts_ns;
	return ts;
}

uint64_t kv_run_max_created(const struct kv_run *run)
{
	uint64_t t = 0;

	for (size_t i = 0; i < run->nfiles; i++)
		if (run->files[i]->created_ns > t)
			t = run->files[i]->created_ns;
	return t;
}

void kv_run_counts(const struct kv_run *run, uint64_t *entries, uint64_t *tombstones)
{
	*entries = 0;
	*tombstones = 0;
	for (size_t i = 0; i < run->nfiles; i++) {
		*entries += run->files[i]->entries;
		*tombstones += run->files[i]->tombstones;
	}
}

/* Range of the selected runs and the first/last selected position. */
static bool sel_range(const struct kv_level *lv, const bool *sel, size_t n, struct kv_slice *lo,
		      struct kv_slice *hi, size_t *first, size_t *last)
{
	bool have = false;

	for (size_t i = 0; i < n; i++) {
		struct kv_slice rlo, rhi;
		if (!sel[i] || lv->runs[i].nfiles == 0)
			continue;
		kv_run_range(&lv->runs[i], &rlo, &rhi);
		if (!have)
			*first = i;
		*last = i;
		kv_key_range_extend(lo, hi, &have, rlo, rhi);
	}
	return have;
}

bool kv_runs_mergeable(const struct kv_level *lv, const bool *sel, size_t n)
{
	struct kv_slice lo = { 0 }, hi = { 0 };
	size_t first = 0, last = 0;

	assert(n <= lv->nruns);
	if (!sel_range(lv, sel, n, &lo, &hi, &first, &last))
		return true;
	for (size_t i = first + 1; i < last; i++) {
		if (!sel[i] && kv_run_overlaps(&lv->runs[i], lo, hi))
			return false;
	}
	return true;
}

bool kv_runs_nothing_older(const struct kv_level *lv, size_t last, struct kv_slice lo,
			   struct kv_slice hi)
{
	for (size_t i = last + 1; i < lv->nruns; i++) {
		if (kv_run_overlaps(&lv->runs[i], lo, hi))
			return false;
	}
	return true;
}

size_t kv_runs_best_stretch(const struct kv_level *lv, const bool *member, size_t n,
			    size_t min_count, size_t max_count, bool *chosen)
{
	size_t best_first = 0, best_last = 0, best_count = 0, i = 0;
	double best_avg = 0;

	assert(min_count >= 1 && min_count <= max_count && n <= KV_RUNS_MAX && n <= lv->nruns);
	memset(chosen, 0, n * sizeof(*chosen));
	while (i < n) {
		struct kv_slice lo = { 0 }, hi = { 0 };
		size_t start, last, count = 0, files = 0;
		uint64_t bytes = 0;
		bool have = false;

		if (!member[i] || lv->runs[i].nfiles == 0) {
			i++;
			continue;
		}
		start = last = i;
		for (size_t j = i; j < n; j++) {
			const struct kv_run *r = &lv->runs[j];
			struct kv_slice rlo, rhi, nlo = lo, nhi = hi;
			bool nhave = have, ok = true;

			if (!member[j] || r->nfiles == 0)
				continue;
			if (count == max_count || files + r->nfiles > KV_JOB_MAX_INPUTS)
				break;
			kv_run_range(r, &rlo, &rhi);
			kv_key_range_extend(&nlo, &nhi, &nhave, rlo, rhi);
			for (size_t k = start + 1; k < j && ok; k++) {
				if (!member[k] && kv_run_overlaps(&lv->runs[k], nlo, nhi))
					ok = false;
			}
			if (!ok)
				break;
			lo = nlo;
			hi = nhi;
			have = nhave;
			count++;
			files += r->nfiles;
			bytes += r->bytes;
			last = j;
		}
		if (count >= min_count) {
			double avg = (double)bytes / (double)count;
			if (best_count == 0 || avg < best_avg) {
				best_avg = avg;
				best_first = start;
				best_last = last;
				best_count = count;
			}
		}
		i = last + 1;
	}
	if (best_count == 0)
		return 0;
	for (size_t k = best_first; k <= best_last; k++)
		chosen[k] = member[k] && lv->runs[k].nfiles > 0;
	assert(kv_runs_mergeable(lv, chosen, n));
	return best_count;
}

bool kv_job_add_runs(struct kv_job *job, int level, const struct kv_level *lv, const bool *sel,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!sel[i])
			continue;
		for (size_t f = 0; f < lv->runs[i].nfiles; f++) {
			if (!kv_job_add_input(job, level, lv->runs[i].files[f]->id))
				return false;
		}
	}
	return true;
}

void kv_job_merge_runs(struct kv_job *job, const struct kv_level *lv, const bool *chosen,
		       size_t n)
{
	struct kv_slice lo = { 0 }, hi = { 0 };
	size_t last = 0;
	bool have = false, ok;

	for (size_t i = 0; i < n; i++) {
		struct kv_slice rlo, rhi;
		if (!chosen[i])
			continue;
		kv_run_range(&lv->runs[i], &rlo, &rhi);
		kv_key_range_extend(&lo, &hi, &have, rlo, rhi);
		last = i;
	}
	assert(have);
	ok = kv_job_add_runs(job, 0, lv, chosen, n);
	assert(ok);
	(void)ok;
	job->kind = KV_JOB_MERGE;
	job->output_level = 0;
	job->output_run = -1;
	job->target_file_bytes = 0;
	job->drop_tombstones = kv_runs_nothing_older(lv, last, lo, hi);
}

uint64_t kv_cfg_engine_ttl_ns(const struct kv_config *cfg)
{
	const char *value = kv_config_get(cfg, "ttl");
	uint64_t ns = 0;

	if (!value || kv_parse_duration_ns(value, &ns) != KV_OK)
		return 0;
	return ns;
}

bool kv_stcs_params_valid(const struct kv_stcs_params *p)
{
	if (p->min_threshold < 2 || p->max_threshold < p->min_threshold ||
	    p->max_threshold > KV_RUNS_MAX)
		return false;
	return p->bucket_low > 0 && p->bucket_low < 1 && p->bucket_high > 1;
}

int kv_stcs_params_check(const struct kv_stcs_params *p, const char *strategy,
			 struct kv_err *err)
{
	if (p->max_threshold < p->min_threshold)
		return kv_err_set(err, KV_EINVAL,
				  "strategy '%s': max_threshold %" PRId64
				  " is below min_threshold %" PRId64,
				  strategy, p->max_threshold, p->min_threshold);
	assert(kv_stcs_params_valid(p));
	return KV_OK;
}

static int cmp_by_size(const void *a, const void *b)
{
	const struct kv_stcs_sized *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Cassandra's "similar size" test for a run of @bytes and a bucket average. */
static bool similar(const struct kv_stcs_params *p, uint64_t bytes, uint64_t avg)
{
	if ((double)bytes > (double)avg * p->bucket_low &&
	    (double)bytes < (double)avg * p->bucket_high)
		return true;
	return bytes < p->min_sstable_size && avg < p->min_sstable_size;
}

size_t kv_stcs_pick(const struct kv_stcs_params *p, const struct kv_level *lv, const bool *consider,
		    size_t n, struct kv_stcs_scratch *sc, bool *chosen, size_t *bucket_runs)
{
	size_t nsorted = 0, nbuckets = 0, best = 0;
	double best_avg = 0;

	assert(n <= KV_RUNS_MAX && n <= lv->nruns);
	assert(p->min_threshold >= 2 && p->max_threshold >= p->min_threshold);
	memset(chosen, 0, n * sizeof(*chosen));
	*bucket_runs = 0;
	for (size_t i = 0; i < n; i++) {
		if (!consider[i] || lv->runs[i].nfiles == 0 || kv_run_compacting(&lv->runs[i]))
			continue;
		sc->by_size[nsorted].bytes = lv->runs[i].bytes;
		sc->by_size[nsorted].pos = (uint32_t)i;
		nsorted++;
	}
	if (nsorted < (size_t)p->min_threshold)
		return 0;
	qsort(sc->by_size, nsorted, sizeof(sc->by_size[0]), cmp_by_size);
	for (size_t k = 0; k < nsorted; k++) {
		uint64_t bytes = sc->by_size[k].bytes;
		size_t b;

		for (b = 0; b < nbuckets; b++) {
			if (similar(p, bytes, sc->bucket_avg[b]))
				break;
		}
		if (b == nbuckets) {
			nbuckets++;
			sc->bucket_avg[b] = bytes;
			sc->bucket_count[b] = 1;
		} else {
			uint64_t total = sc->bucket_count[b] * sc->bucket_avg[b] + bytes;
			sc->bucket_count[b]++;
			sc->bucket_avg[b] = total / sc->bucket_count[b];
		}
		sc->bucket_of[k] = (uint32_t)b;
	}
	for (size_t b = 0; b < nbuckets; b++) {
		size_t count;
		uint64_t bytes = 0;
		double avg;

		if (sc->bucket_count[b] < (uint64_t)p->min_threshold)
			continue;
		memset(sc->member, 0, n * sizeof(sc->member[0]));
		for (size_t k = 0; k < nsorted; k++)
			if (sc->bucket_of[k] == b)
				sc->member[sc->by_size[k].pos] = true;
		count = kv_runs_best_stretch(lv, sc->member, n, (size_t)p->min_threshold,
					     (size_t)p->max_threshold, sc->stretch);
		if (count == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (sc->stretch[i])
				bytes += lv->runs[i].bytes;
		avg = (double)bytes / (double)count;
		if (best == 0 || avg < best_avg) {
			best = count;
			best_avg = avg;
			*bucket_runs = sc->bucket_count[b];
			memcpy(chosen, sc->stretch, n * sizeof(*chosen));
		}
	}
	return best;
}
