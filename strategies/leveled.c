/*
 * strategies/leveled.c - leveled compaction, RocksDB-style.
 *
 * Level 0 holds one run per flush (newest first); every level >= 1 holds
 * at most one run. Each level has a target size (static: L1 = base,
 * Ln = base * multiplier^(n-1); dynamic: derived from the largest level
 * upward as RocksDB's level_compaction_dynamic_level_bytes does). The
 * level with the highest score >= 1 compacts: L0 by file count, Ln by
 * bytes over target. An L0 job takes every L0 file plus the overlapping
 * files of the base level; an Ln job takes one file chosen by
 * compaction_pri plus its overlapping files in Ln+1, or moves the file
 * down untouched when nothing overlaps. Merge jobs ask the engine to cut
 * outputs at next-level file boundaries too (max_compaction_bytes,
 * level_compaction_dynamic_file_size; core/lsm/output_cut.h).
 * docs/strategies.md ("Leveled") lists the rules and every difference
 * from RocksDB.
 *
 * Invariants (leveled_check):
 *  1. 2 <= base.nlevels == opt.num_levels <= KV_MAX_LEVELS; base.ttl_ns == 0.
 *  2. The options are in their table's ranges (checked at init, never
 *     changed afterwards).
 *  3. opt.pri is a valid enum kv_leveled_pri.
 *  4. Cursors are used by round_robin only. For each level, rr[l].set
 *     implies rr[l].cursor holds a key, and rr[l].pending_valid implies
 *     rr[l].pending holds the largest key of file rr[l].pending_file
 *     (picked, job not reported done yet).
 */
#include "strategies/leveled.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/strategy_util.h"

struct leveled_options {
	int64_t l0_trigger;
	uint64_t base_bytes;
	double level_mult;
	uint64_t target_file_base;
	int64_t target_file_mult;
	int64_t num_levels;
	bool dynamic;
	int pri;
	uint64_t max_compaction_bytes;
	bool dynamic_file_size;
};

struct rr_cursor {
	struct kv_buf cursor;  /* largest key of the last file compacted */
	bool set;
	struct kv_buf pending; /* largest key of the file picked, job not done yet */
	uint64_t pending_file;
	bool pending_valid;
};

struct leveled {
	struct kv_strategy base;
	struct leveled_options opt;
	struct rr_cursor rr[KV_MAX_LEVELS];
	/* Scratch for the L0 trivial-move check (no allocation in pick). */
	const struct kv_file_meta *scratch[KV_JOB_MAX_INPUTS];
};

static const char *const pri_choices[] = {
	"min_overlapping_ratio",
	"by_compensated_size",
	"oldest_largest_seq_first",
	"oldest_smallest_seq_first",
	"round_robin",
	NULL,
};

#define OPT(field) offsetof(struct leveled_options, field)

static const struct kv_option leveled_options_table[] = {
	{ .name = "level0_file_num_compaction_trigger", .type = KV_OPT_INT, .def = "4",
	  .min = 1, .max = 10000, .unit = "files",
	  .doc = "L0 compacts into the base level when it holds this many files",
	  .offset = OPT(l0_trigger) },
	{ .name = "max_bytes_for_level_base", .type = KV_OPT_BYTES, .def = "256MiB",
	  .min = 1024, .max = 1125899906842624.0, .unit = "bytes",
	  .doc = "target size of L1 (static) or upper bound of the base level (dynamic)",
	  .offset = OPT(base_bytes) },
	{ .name = "max_bytes_for_level_multiplier", .type = KV_OPT_DOUBLE, .def = "10",
	  .min = 1, .max = 1000, .unit = "",
	  .doc = "size ratio between adjacent levels", .offset = OPT(level_mult) },
	{ .name = "target_file_size_base", .type = KV_OPT_BYTES, .def = "64MiB",
	  .min = 1024, .max = 1099511627776.0, .unit = "bytes",
	  .doc = "output file size for compactions into L1 (or the base level)",
	  .offset = OPT(target_file_base) },
	{ .name = "target_file_size_multiplier", .type = KV_OPT_INT, .def = "1",
	  .min = 1, .max = 1000, .unit = "",
	  .doc = "output file size grows by this factor per level below L1 (or base)",
	  .offset = OPT(target_file_mult) },
	{ .name = "num_levels", .type = KV_OPT_INT, .def = "7",
	  .min = 2, .max = KV_MAX_LEVELS, .unit = "levels",
	  .doc = "number of levels including L0", .offset = OPT(num_levels) },
	{ .name = "level_compaction_dynamic_level_bytes", .type = KV_OPT_BOOL, .def = "true",
	  .unit = "",
	  .doc = "derive level targets from the largest level upward (RocksDB dynamic mode)",
	  .offset = OPT(dynamic) },
	{ .name = "compaction_pri", .type = KV_OPT_ENUM, .def = "min_overlapping_ratio",
	  .unit = "",
	  .doc = "which file of a level compacts first", .choices = pri_choices,
	  .offset = OPT(pri) },
	{ .name = "max_compaction_bytes", .type = KV_OPT_BYTES, .def = "0",
	  .min = 0, .max = 1125899906842624.0, .unit = "bytes",
	  .doc = "cut an output before it plus the next-level bytes it overlaps exceeds "
		 "this (0: 25 x target_file_size_base, RocksDB's default)",
	  .offset = OPT(max_compaction_bytes) },
	{ .name = "level_compaction_dynamic_file_size", .type = KV_OPT_BOOL, .def = "true",
	  .unit = "",
	  .doc = "align outputs to next-level file boundaries: cut at one from 50 % of the "
		 "target file size, allow up to 2x it (RocksDB >= 7.8)",
	  .offset = OPT(dynamic_file_size) },
	{ .name = NULL },
};

static const char *const leveled_triggers[] = { "l0_files", "level_bytes", NULL };

static const char TRIGGER_L0[] = "l0_files";
static const char TRIGGER_BYTES[] = "level_bytes";

static struct leveled *to_leveled(struct kv_strategy *s)
{
	return (struct leveled *)s;
}

static bool leveled_check(const struct leveled *l)
{
	if (l->base.nlevels < 2 || l->base.nlevels > KV_MAX_LEVELS ||
	    l->base.nlevels != l->opt.num_levels || l->base.ttl_ns != 0)
		return false;
	if (l->opt.l0_trigger < 1 || l->opt.base_bytes < 1 || l->opt.level_mult < 1 ||
	    l->opt.target_file_base < 1 || l->opt.target_file_mult < 1)
		return false;
	if (l->opt.pri < KV_LEVELED_MIN_OVERLAPPING_RATIO || l->opt.pri > KV_LEVELED_ROUND_ROBIN)
		return false;
	for (int i = 0; i < KV_MAX_LEVELS; i++) {
		const struct rr_cursor *c = &l->rr[i];
		if (l->opt.pri != KV_LEVELED_ROUND_ROBIN && (c->set || c->pending_valid))
			return false;
		if (c->set && !c->cursor.data && c->cursor.len != 0)
			return false;
		if (c->pending_valid && !c->pending.data && c->pending.len != 0)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ lifecycle */

static int leveled_init(struct kv_strategy *s, const struct kv_config *cfg, struct kv_err *err)
{
	struct leveled *l = to_leveled(s);
	int rc;

	rc = kv_options_load(leveled_options_table, cfg, &l->opt, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "strategy 'leveled'");
		return rc;
	}
	s->nlevels = (int)l->opt.num_levels;
	s->ttl_ns = 0;
	for (int i = 0; i < KV_MAX_LEVELS; i++) {
		l->rr[i].cursor.component = KV_MEM_OTHER;
		l->rr[i].pending.component = KV_MEM_OTHER;
	}
	assert(leveled_check(l));
	return KV_OK;
}

static void leveled_destroy(struct kv_strategy *s)
{
	struct leveled *l = to_leveled(s);

	for (int i = 0; i < KV_MAX_LEVELS; i++) {
		kv_buf_free(&l->rr[i].cursor);
		kv_buf_free(&l->rr[i].pending);
	}
}

/* ---------------------------------------------------------------- shape */

/* x * m, saturating at UINT64_MAX (RocksDB's MultiplyCheckOverflow). */
static uint64_t mul_sat(uint64_t x, double m)
{
	double r = (double)x * m;

	if (r >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)r;
}

static int check_view(struct leveled *l, const struct kv_version_view *v)
{
	if (v->nlevels != l->base.nlevels)
		return kv_err_set(&l->base.err, KV_EINVAL,
				  "leveled: view has %d levels, strategy has %d (num_levels)",
				  v->nlevels, l->base.nlevels);
	for (int i = 1; i < v->nlevels; i++) {
		if (v->levels[i].nruns > 1)
			return kv_err_set(&l->base.err, KV_EINVAL,
					  "leveled: level %d holds %zu sorted runs, expected <= 1", i,
					  v->levels[i].nruns);
	}
	return KV_OK;
}

static uint64_t level_bytes_not_compacting(const struct kv_level *lv, size_t *nfiles)
{
	uint64_t bytes = 0;
	size_t n = 0;

	for (size_t r = 0; r < lv->nruns; r++) {
		const struct kv_run *run = &lv->runs[r];
		for (size_t i = 0; i < run->nfiles; i++) {
			if (!run->files[i]->being_compacted) {
				bytes += run->files[i]->bytes;
				n++;
			}
		}
	}
	if (nfiles)
		*nfiles = n;
	return bytes;
}

static uint64_t level_bytes(const struct kv_level *lv)
{
	uint64_t bytes = 0;

	for (size_t r = 0; r < lv->nruns; r++)
		bytes += kv_run_files_bytes(&lv->runs[r], 0, lv->runs[r].nfiles);
	return bytes;
}

/* Static targets: L1 = base, Ln = L(n-1) * multiplier. */
static void static_targets(const struct leveled *l, int nlevels, struct kv_leveled_shape *sh)
{
	sh->base_level = 1;
	for (int i = 1; i < nlevels; i++) {
		if (i == 1)
			sh->target_bytes[i] = l->opt.base_bytes;
		else
			sh->target_bytes[i] = mul_sat(sh->target_bytes[i - 1], l->opt.level_mult);
	}
}

/*
 * Dynamic targets, as RocksDB computes them: start from the largest L1+
 * level, divide by the multiplier up to the first non-empty level; if
 * that is still above max_bytes_for_level_base, move the base level up
 * (dividing again) until it fits or reaches L1. The base level's target
 * lies in (base / multiplier, base]; each level below is multiplier times
 * the one above, and no level's target is below base.
 */
static void dynamic_targets(const struct leveled *l, const struct kv_version_view *v,
			    struct kv_leveled_shape *sh)
{
	int n = v->nlevels, first_non_empty = -1;
	uint64_t max_level = 0, base_max, base_min, cur, base_size, size;
	double mult = l->opt.level_mult;

	for (int i = 1; i < n; i++) {
		uint64_t b = level_bytes(&v->levels[i]);
		if (b > 0 && first_non_empty < 0)
			first_non_empty = i;
		if (b > max_level)
			max_level = b;
	}
	if (max_level == 0) {
		sh->base_level = n - 1;
		return;
	}
	base_max = l->opt.base_bytes;
	base_min = (uint64_t)((double)base_max / mult);
	cur = max_level;
	for (int i = n - 2; i >= first_non_empty; i--)
		cur = (uint64_t)((double)cur / mult);
	sh->base_level = first_non_empty;
	if (cur <= base_min) {
		base_size = base_min + 1;
	} else {
		while (sh->base_level > 1 && cur > base_max) {
			sh->base_level--;
			cur = (uint64_t)((double)cur / mult);
		}
		base_size = cur > 1 ? cur : 1;
	}
	size = base_size;
	for (int i = sh->base_level; i < n; i++) {
		if (i > sh->base_level)
			size = mul_sat(size, mult);
		sh->target_bytes[i] = size > base_max ? size : base_max;
	}
}

static void compute_shape(const struct leveled *l, const struct kv_version_view *v,
			  struct kv_leveled_shape *sh)
{
	int n = v->nlevels;

	memset(sh, 0, sizeof(*sh));
	sh->nlevels = n;
	for (int i = 0; i < KV_MAX_LEVELS; i++)
		sh->target_bytes[i] = UINT64_MAX;
	if (l->opt.dynamic)
		dynamic_targets(l, v, sh);
	else
		static_targets(l, n, sh);

	for (int i = 1; i < n; i++) {
		int exp = l->opt.dynamic ? i - sh->base_level : i - 1;
		uint64_t t = l->opt.target_file_base;
		for (int k = 0; k < exp; k++)
			t = mul_sat(t, (double)l->opt.target_file_mult);
		sh->target_file_bytes[i] = t;
	}
	sh->target_file_bytes[0] = l->opt.target_file_base;

	for (int i = 0; i < n - 1; i++) {
		size_t nfiles;
		uint64_t bytes = level_bytes_not_compacting(&v->levels[i], &nfiles);
		if (i == 0)
			sh->score[i] = (double)nfiles / (double)l->opt.l0_trigger;
		else if (sh->target_bytes[i] == UINT64_MAX)
			sh->score[i] = 0;
		else
			sh->score[i] = (double)bytes / (double)sh->target_bytes[i];
	}
}

int kv_leveled_shape(struct kv_strategy *s, const struct kv_version_view *v,
		     struct kv_leveled_shape *out)
{
	struct leveled *l = to_leveled(s);
	int rc;

	if (s->ops != &kv_leveled_strategy_ops)
		return kv_err_set(&s->err, KV_EINVAL, "strategy '%s' is not 'leveled'",
				  s->ops->name);
	rc = check_view(l, v);
	if (rc != KV_OK)
		return rc;
	compute_shape(l, v, out);
	return KV_OK;
}

/* Output cutting of a merge job (core/lsm/output_cut.h). */
static void set_output_cutting(const struct leveled *l, struct kv_job *job)
{
	if (job->kind != KV_JOB_MERGE)
		return;
	job->max_compaction_bytes = l->opt.max_compaction_bytes
					    ? l->opt.max_compaction_bytes
					    : mul_sat(l->opt.target_file_base, 25);
	job->align_outputs = l->opt.dynamic_file_size;
}

/* ------------------------------------------------------------- L0 jobs */

static int cmp_smallest(const void *a, const void *b)
{
	const struct kv_file_meta *fa = *(const struct kv_file_meta *const *)a;
	const struct kv_file_meta *fb = *(const struct kv_file_meta *const *)b;
	int c = kv_slice_cmp(fa->smallest, fb->smallest);

	if (c != 0)
		return c;
	return (fa->id > fb->id) - (fa->id < fb->id);
}

/* True if the files of L0 runs [from, nruns) have pairwise disjoint ranges. */
static bool l0_disjoint(struct leveled *l, const struct kv_level *l0, size_t from)
{
	size_t n = 0;

	for (size_t r = from; r < l0->nruns; r++) {
		for (size_t i = 0; i < l0->runs[r].nfiles; i++) {
			assert(n < KV_JOB_MAX_INPUTS);
			l->scratch[n++] = l0->runs[r].files[i];
		}
	}
	qsort(l->scratch, n, sizeof(l->scratch[0]), cmp_smallest);
	for (size_t i = 1; i < n; i++) {
		if (kv_slice_cmp(l->scratch[i - 1]->largest, l->scratch[i]->smallest) >= 0)
			return false;
	}
	return true;
}

/* True if no level deeper than @level holds a file overlapping [lo, hi]. */
static bool nothing_below(const struct kv_version_view *v, int level, struct kv_slice lo,
			  struct kv_slice hi)
{
	for (int i = level + 1; i < v->nlevels; i++) {
		if (kv_level_overlaps(&v->levels[i], lo, hi))
			return false;
	}
	return true;
}

static bool level_has_compacting(const struct kv_level *lv)
{
	for (size_t r = 0; r < lv->nruns; r++) {
		if (kv_run_files_compacting(&lv->runs[r], 0, lv->runs[r].nfiles))
			return true;
	}
	return false;
}

/*
 * L0 -> base level. Takes every L0 file (all runs; none may be in a
 * running job) and every base-level file overlapping their key range. If
 * that exceeds KV_JOB_MAX_INPUTS, the newest runs are left out (halving)
 * until it fits.
 */
static void pick_l0(struct leveled *l, const struct kv_version_view *v,
		    const struct kv_leveled_shape *sh, struct kv_job *job)
{
	const struct kv_level *l0 = &v->levels[0];
	const struct kv_level *bl = &v->levels[sh->base_level];
	const struct kv_run *brun = bl->nruns ? &bl->runs[0] : NULL;
	size_t take = l0->nruns, from = 0, a = 0, b = 0, nfiles;
	struct kv_slice lo = { 0 }, hi = { 0 };
	bool have, ok;

	if (l0->nruns == 0 || level_has_compacting(l0))
		return;
	for (;;) {
		from = l0->nruns - take;
		have = false;
		nfiles = 0;
		for (size_t r = from; r < l0->nruns; r++) {
			const struct kv_run *run = &l0->runs[r];
			if (run->nfiles == 0)
				continue;
			kv_key_range_extend(&lo, &hi, &have, run->files[0]->smallest,
					    run->files[run->nfiles - 1]->largest);
			nfiles += run->nfiles;
		}
		if (!have)
			return;
		a = b = 0;
		if (brun) {
			kv_run_overlap(brun, lo, hi, &a, &b);
			if (kv_run_files_compacting(brun, a, b))
				return;
		}
		if (nfiles + (b - a) <= KV_JOB_MAX_INPUTS)
			break;
		if (take == 1)
			return;
		take /= 2;
	}

	for (size_t r = from; r < l0->nruns; r++) {
		for (size_t i = 0; i < l0->runs[r].nfiles; i++) {
			ok = kv_job_add_input(job, 0, l0->runs[r].files[i]->id);
			assert(ok);
		}
	}
	for (size_t i = a; i < b; i++) {
		ok = kv_job_add_input(job, sh->base_level, brun->files[i]->id);
		assert(ok);
	}
	(void)ok;
	if (a < b)
		kv_key_range_extend(&lo, &hi, &have, brun->files[a]->smallest,
				    brun->files[b - 1]->largest);

	job->kind = (a == b && l0_disjoint(l, l0, from)) ? KV_JOB_MOVE : KV_JOB_MERGE;
	job->trigger = TRIGGER_L0;
	job->score = sh->score[0];
	job->output_level = sh->base_level;
	job->output_run = brun ? (int64_t)brun->id : -1;
	job->target_file_bytes = sh->target_file_bytes[sh->base_level];
	job->drop_tombstones =
		job->kind == KV_JOB_MERGE && nothing_below(v, sh->base_level, lo, hi);
	set_output_cutting(l, job);
}

/* ------------------------------------------------------------- Ln jobs */

/*
 * Whether file @f of level n may start a job: not being compacted, its
 * overlapping files in @below (may be NULL) not being compacted, and the
 * job fits KV_JOB_MAX_INPUTS. The overlap is returned in [*a, *b).
 */
static bool file_eligible(const struct kv_file_meta *f, const struct kv_run *below, size_t *a,
			  size_t *b)
{
	*a = *b = 0;
	if (f->being_compacted)
		return false;
	if (!below)
		return true;
	kv_run_overlap(below, f->smallest, f->largest, a, b);
	if (kv_run_files_compacting(below, *a, *b))
		return false;
	return 1 + (*b - *a) <= KV_JOB_MAX_INPUTS;
}

/* bytes + tombstones * average entry bytes (see docs/strategies.md). */
static uint64_t compensated_bytes(const struct kv_file_meta *f)
{
	uint64_t avg = f->entries ? f->bytes / f->entries : 0;

	return f->bytes + f->tombstones * avg;
}

/* First index i with run->files[i]->smallest > key (binary search). */
static size_t first_after(const struct kv_run *run, struct kv_slice key)
{
	size_t a = 0, b = run->nfiles;

	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (kv_slice_cmp(run->files[mid]->smallest, key) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

/* Round robin: the first eligible file past the cursor, wrapping. */
static long pick_round_robin(const struct leveled *l, int level, const struct kv_run *run,
			     const struct kv_run *below, size_t *a, size_t *b)
{
	const struct rr_cursor *c = &l->rr[level];
	size_t start = c->set ? first_after(run, kv_buf_slice(&c->cursor)) : 0;

	for (size_t k = 0; k < run->nfiles; k++) {
		size_t i = (start + k) % run->nfiles;
		if (file_eligible(run->files[i], below, a, b))
			return (long)i;
	}
	return -1;
}

/* The best eligible file of @run by compaction_pri (ties: smaller key first). */
static long pick_file(const struct leveled *l, int level, const struct kv_run *run,
		      const struct kv_run *below, size_t *best_a, size_t *best_b)
{
	long best = -1;
	double best_ratio = 0;
	uint64_t best_key = 0;

	if (l->opt.pri == KV_LEVELED_ROUND_ROBIN)
		return pick_round_robin(l, level, run, below, best_a, best_b);
	for (size_t i = 0; i < run->nfiles; i++) {
		const struct kv_file_meta *f = run->files[i];
		size_t a, b;
		bool better;

		if (!file_eligible(f, below, &a, &b))
			continue;
		switch (l->opt.pri) {
		case KV_LEVELED_MIN_OVERLAPPING_RATIO: {
			uint64_t ov = below ? kv_run_files_bytes(below, a, b) : 0;
			double ratio = (double)ov * 1024.0 / (double)(f->bytes ? f->bytes : 1);
			better = best < 0 || ratio < best_ratio;
			if (better)
				best_ratio = ratio;
			break;
		}
		case KV_LEVELED_BY_COMPENSATED_SIZE: {
			uint64_t cb = compensated_bytes(f);
			better = best < 0 || cb > best_key;
			if (better)
				best_key = cb;
			break;
		}
		case KV_LEVELED_OLDEST_LARGEST_SEQ_FIRST:
			better = best < 0 || f->max_seq < best_key;
			if (better)
				best_key = f->max_seq;
			break;
		case KV_LEVELED_OLDEST_SMALLEST_SEQ_FIRST:
			better = best < 0 || f->min_seq < best_key;
			if (better)
				best_key = f->min_seq;
			break;
		default:
			assert(!"bad compaction_pri");
			better = false;
		}
		if (better) {
			best = (long)i;
			*best_a = a;
			*best_b = b;
		}
	}
	return best;
}

/* Ln -> Ln+1 for level @n >= 1. */
static void pick_ln(struct leveled *l, const struct kv_version_view *v, int n,
		    const struct kv_leveled_shape *sh, struct kv_job *job)
{
	const struct kv_level *lv = &v->levels[n], *lb = &v->levels[n + 1];
	const struct kv_run *run, *below;
	const struct kv_file_meta *f;
	struct kv_slice lo, hi;
	size_t a = 0, b = 0;
	long idx;
	bool have = true, ok;

	if (lv->nruns == 0)
		return;
	run = &lv->runs[0];
	below = lb->nruns ? &lb->runs[0] : NULL;
	idx = pick_file(l, n, run, below, &a, &b);
	if (idx < 0)
		return;
	f = run->files[idx];
	ok = kv_job_add_input(job, n, f->id);
	assert(ok);
	for (size_t i = a; i < b; i++) {
		ok = kv_job_add_input(job, n + 1, below->files[i]->id);
		assert(ok);
	}
	(void)ok;
	lo = f->smallest;
	hi = f->largest;
	if (a < b)
		kv_key_range_extend(&lo, &hi, &have, below->files[a]->smallest,
				    below->files[b - 1]->largest);

	job->kind = a == b ? KV_JOB_MOVE : KV_JOB_MERGE;
	job->trigger = TRIGGER_BYTES;
	job->score = sh->score[n];
	job->output_level = n + 1;
	job->output_run = below ? (int64_t)below->id : -1;
	job->target_file_bytes = sh->target_file_bytes[n + 1];
	job->drop_tombstones = job->kind == KV_JOB_MERGE && nothing_below(v, n + 1, lo, hi);
	set_output_cutting(l, job);

	if (l->opt.pri == KV_LEVELED_ROUND_ROBIN) {
		struct rr_cursor *c = &l->rr[n];
		int rc = kv_buf_set(&c->pending, f->largest.data, f->largest.len);

		/* Out of memory: the cursor just does not advance this time. */
		c->pending_valid = rc == KV_OK;
		c->pending_file = f->id;
	}
}

/* ----------------------------------------------------------------- ops */

static int leveled_pick(struct kv_strategy *s, const struct kv_version_view *v,
			struct kv_job *job)
{
	struct leveled *l = to_leveled(s);
	struct kv_leveled_shape sh;
	int order[KV_MAX_LEVELS];
	int n, rc;

	assert(leveled_check(l));
	rc = check_view(l, v);
	if (rc != KV_OK)
		return rc;
	compute_shape(l, v, &sh);

	/* Candidate levels by score, highest first (ties: upper level first). */
	n = v->nlevels - 1;
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = 1; i < n; i++) {
		int x = order[i], j = i;
		while (j > 0 && sh.score[order[j - 1]] < sh.score[x]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = x;
	}
	for (int i = 0; i < n && sh.score[order[i]] >= 1.0; i++) {
		if (order[i] == 0)
			pick_l0(l, v, &sh, job);
		else
			pick_ln(l, v, order[i], &sh, job);
		if (job->kind != KV_JOB_NONE)
			break;
	}
	assert(leveled_check(l));
	return KV_OK;
}

static int leveled_place_flush(struct kv_strategy *s, const struct kv_version_view *v)
{
	return 0;
}

static void leveled_job_done(struct kv_strategy *s, const struct kv_job *job)
{
	struct leveled *l = to_leveled(s);

	assert(leveled_check(l));
	for (size_t i = 0; i < job->ninputs; i++) {
		int level = job->inputs[i].level;
		struct rr_cursor *c;

		if (level < 0 || level >= KV_MAX_LEVELS)
			continue;
		c = &l->rr[level];
		if (c->pending_valid && c->pending_file == job->inputs[i].file_id) {
			struct kv_buf tmp = c->cursor;
			c->cursor = c->pending;
			c->pending = tmp;
			c->set = true;
			c->pending_valid = false;
		}
	}
	assert(leveled_check(l));
}

const struct kv_strategy_ops kv_leveled_strategy_ops = {
	.name = "leveled",
	.version = 1,
	.instance_size = sizeof(struct leveled),
	.doc = "RocksDB-style leveled compaction: one sorted run per level >= 1, "
	       "L0 by file count, Ln by bytes over target",
	.options = leveled_options_table,
	.triggers = leveled_triggers,
	.init = leveled_init,
	.destroy = leveled_destroy,
	.pick = leveled_pick,
	.place_flush = leveled_place_flush,
	.job_done = leveled_job_done,
};
