/*
 * devices/ftl.c - the page-mapped FTL (see devices/ftl.h).
 *
 * Physical slot numbers: ppa = block * upb + slot. l2p[lba] = ppa + 1 and
 * p2l[ppa] = lba + 1, 0 meaning none.
 *
 * Invariants (kv_ftl_verify checks them all, ftl_check the cheap ones):
 *  1. l2p[lba] = ppa + 1  <=>  p2l[ppa] = lba + 1.
 *  2. valid[b] = number of slots of b with p2l != 0.
 *  3. Every block is in exactly one state: FREE (in its lane's free queue,
 *     valid 0, all p2l 0), OPEN (the current block of one lane of one
 *     frontier), CLOSED (full; in bucket valid[b] and in the closing-order
 *     list) or VICTIM (being collected, in no list).
 *  4. nfree = number of FREE blocks = sum of the lanes' queue lengths.
 *  5. Every nonempty bucket has index >= min_v.
 *  6. A frontier's lane cursor points at the lane whose page is being
 *     filled; in_page < upp units of that page are placed.
 */
#include "devices/ftl.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"

#define NONE UINT32_MAX

enum { B_FREE = 0, B_OPEN, B_CLOSED, B_VICTIM };

struct frontier {
	uint32_t *block; /* per lane: open block or NONE */
	uint32_t *slot;  /* per lane: next slot in it */
	uint32_t lane;
	uint32_t in_page;
	bool gc;
};

struct kv_ftl {
	struct kv_ftl_hooks hooks;
	int policy;
	uint32_t lanes, nblocks, upp, upb, blocks_per_lane;
	uint32_t fg_free, bg_free;
	uint64_t logical, physical;
	uint32_t *l2p, *p2l;
	uint32_t *valid, *erase_count;
	uint64_t *close_seq;
	uint8_t *state;
	uint32_t *bnext, *bprev, *bhead; /* buckets by valid count, bhead[0..upb] */
	uint32_t min_v;
	uint32_t *fnext, *fprev; /* closed blocks, oldest first */
	uint32_t fhead, ftail;
	uint32_t *qnext; /* free queues per lane */
	uint32_t *qhead, *qtail, *qlen;
	uint32_t nfree, nfree_min;
	struct frontier host, gcf;
	uint64_t seq; /* host units ever written: the age clock of cost-benefit */
	uint64_t host_units, gc_units, pages_programmed, padded_units, erases, trimmed_units;
	uint64_t gc_fg, gc_bg;
};

static bool ftl_check(const struct kv_ftl *f)
{
	if (f->nfree > f->nblocks || f->min_v > f->upb + 1)
		return false;
	if (f->host.lane >= f->lanes || f->gcf.lane >= f->lanes)
		return false;
	return f->host.in_page < f->upp && f->gcf.in_page < f->upp;
}

/* ------------------------------------------------------------ lists */

static void bucket_add(struct kv_ftl *f, uint32_t b)
{
	uint32_t v = f->valid[b];

	f->bprev[b] = NONE;
	f->bnext[b] = f->bhead[v];
	if (f->bhead[v] != NONE)
		f->bprev[f->bhead[v]] = b;
	f->bhead[v] = b;
	if (v < f->min_v)
		f->min_v = v;
}

static void bucket_del(struct kv_ftl *f, uint32_t b)
{
	uint32_t v = f->valid[b];

	if (f->bprev[b] != NONE)
		f->bnext[f->bprev[b]] = f->bnext[b];
	else
		f->bhead[v] = f->bnext[b];
	if (f->bnext[b] != NONE)
		f->bprev[f->bnext[b]] = f->bprev[b];
}

static void fifo_add(struct kv_ftl *f, uint32_t b)
{
	f->fnext[b] = NONE;
	f->fprev[b] = f->ftail;
	if (f->ftail != NONE)
		f->fnext[f->ftail] = b;
	else
		f->fhead = b;
	f->ftail = b;
}

static void fifo_del(struct kv_ftl *f, uint32_t b)
{
	if (f->fprev[b] != NONE)
		f->fnext[f->fprev[b]] = f->fnext[b];
	else
		f->fhead = f->fnext[b];
	if (f->fnext[b] != NONE)
		f->fprev[f->fnext[b]] = f->fprev[b];
	else
		f->ftail = f->fprev[b];
}

static void free_push(struct kv_ftl *f, uint32_t b)
{
	uint32_t lane = b / f->blocks_per_lane;

	f->state[b] = B_FREE;
	f->qnext[b] = NONE;
	if (f->qtail[lane] != NONE)
		f->qnext[f->qtail[lane]] = b;
	else
		f->qhead[lane] = b;
	f->qtail[lane] = b;
	f->qlen[lane]++;
	f->nfree++;
}

/* A free block, preferably on @lane, else from the lane with the most. */
static uint32_t free_pop(struct kv_ftl *f, uint32_t lane)
{
	uint32_t b;

	assert(f->nfree > 0);
	if (f->qlen[lane] == 0) {
		for (uint32_t l = 0; l < f->lanes; l++)
			if (f->qlen[l] > f->qlen[lane])
				lane = l;
	}
	b = f->qhead[lane];
	assert(b != NONE && f->state[b] == B_FREE && f->valid[b] == 0);
	f->qhead[lane] = f->qnext[b];
	if (f->qhead[lane] == NONE)
		f->qtail[lane] = NONE;
	f->qlen[lane]--;
	f->nfree--;
	if (f->nfree < f->nfree_min)
		f->nfree_min = f->nfree;
	return b;
}

/* ------------------------------------------------------------ mapping */

static void invalidate(struct kv_ftl *f, uint32_t ppa)
{
	uint32_t b = ppa / f->upb;

	assert(f->p2l[ppa] != 0 && f->valid[b] > 0);
	f->p2l[ppa] = 0;
	if (f->state[b] == B_CLOSED) {
		bucket_del(f, b);
		f->valid[b]--;
		bucket_add(f, b);
	} else {
		f->valid[b]--;
	}
}

static void close_block(struct kv_ftl *f, uint32_t b)
{
	f->state[b] = B_CLOSED;
	f->close_seq[b] = f->seq;
	bucket_add(f, b);
	fifo_add(f, b);
}

/* The page of @fr's cursor lane is complete: program it, move to the next lane. */
static void page_done(struct kv_ftl *f, struct frontier *fr)
{
	uint32_t lane = fr->lane;
	uint32_t b = fr->block[lane];

	f->pages_programmed++;
	if (f->hooks.program)
		f->hooks.program(f->hooks.ud, b, (fr->slot[lane] - 1) / f->upp, fr->gc);
	fr->in_page = 0;
	if (fr->slot[lane] == f->upb) {
		close_block(f, b);
		fr->block[lane] = NONE;
	}
	fr->lane = (lane + 1) % f->lanes;
}

/* Place @lba (already unmapped) at @fr; the cursor lane has an open block. */
static void place(struct kv_ftl *f, struct frontier *fr, uint32_t lba)
{
	uint32_t lane = fr->lane;
	uint32_t b = fr->block[lane];
	uint32_t ppa = b * f->upb + fr->slot[lane];

	assert(b != NONE && fr->slot[lane] < f->upb && f->p2l[ppa] == 0);
	f->p2l[ppa] = lba + 1;
	f->l2p[lba] = ppa + 1;
	f->valid[b]++;
	fr->slot[lane]++;
	if (++fr->in_page == f->upp)
		page_done(f, fr);
}

static void open_block(struct kv_ftl *f, struct frontier *fr)
{
	uint32_t b = free_pop(f, fr->lane);

	f->state[b] = B_OPEN;
	fr->block[fr->lane] = b;
	fr->slot[fr->lane] = 0;
}

/* ------------------------------------------------------------ GC */

static uint32_t pick_greedy(struct kv_ftl *f)
{
	while (f->min_v <= f->upb && f->bhead[f->min_v] == NONE)
		f->min_v++;
	return f->min_v <= f->upb ? f->bhead[f->min_v] : NONE;
}

static uint32_t pick_cost_benefit(const struct kv_ftl *f)
{
	uint32_t best = NONE;
	double best_score = -1.0;

	for (uint32_t b = f->fhead; b != NONE; b = f->fnext[b]) {
		double u = (double)f->valid[b] / (double)f->upb;
		double age = (double)(f->seq - f->close_seq[b]) + 1.0;
		double score = (1.0 - u) * age / (1.0 + u);
		if (score > best_score) {
			best_score = score;
			best = b;
		}
	}
	return best;
}

static uint32_t pick_victim(struct kv_ftl *f)
{
	switch (f->policy) {
	case KV_GC_COST_BENEFIT:
		return pick_cost_benefit(f);
	case KV_GC_FIFO:
		return f->fhead;
	default:
		return pick_greedy(f);
	}
}

/* Collect one victim. KV_ENOSPC if no closed block has an invalid slot. */
static int gc_one(struct kv_ftl *f, bool fg)
{
	uint32_t v = pick_victim(f);
	uint32_t last_page = NONE;

	if (v == NONE || f->valid[v] == f->upb) {
		if (f->policy == KV_GC_GREEDY || v == NONE)
			return KV_ENOSPC;
		v = pick_greedy(f); /* the policy's pick frees nothing: fall back */
		if (v == NONE || f->valid[v] == f->upb)
			return KV_ENOSPC;
	}
	if (f->hooks.gc)
		f->hooks.gc(f->hooks.ud, fg, true);
	bucket_del(f, v);
	fifo_del(f, v);
	f->state[v] = B_VICTIM;
	for (uint32_t s = 0; s < f->upb && f->valid[v] > 0; s++) {
		uint32_t ppa = v * f->upb + s;
		uint32_t lba1 = f->p2l[ppa];
		if (lba1 == 0)
			continue;
		if (s / f->upp != last_page) {
			last_page = s / f->upp;
			if (f->hooks.read)
				f->hooks.read(f->hooks.ud, v, last_page);
		}
		f->p2l[ppa] = 0;
		f->valid[v]--;
		if (f->gcf.block[f->gcf.lane] == NONE)
			open_block(f, &f->gcf);
		place(f, &f->gcf, lba1 - 1);
		f->gc_units++;
	}
	assert(f->valid[v] == 0);
	if (f->hooks.erase)
		f->hooks.erase(f->hooks.ud, v);
	f->erase_count[v]++;
	f->erases++;
	free_push(f, v);
	if (fg)
		f->gc_fg++;
	else
		f->gc_bg++;
	if (f->hooks.gc)
		f->hooks.gc(f->hooks.ud, fg, false);
	return KV_OK;
}

bool kv_ftl_background_gc(struct kv_ftl *f)
{
	assert(ftl_check(f));
	if (f->nfree >= f->bg_free)
		return false;
	return gc_one(f, false) == KV_OK;
}

/* ------------------------------------------------------------ host API */

int kv_ftl_write(struct kv_ftl *f, uint32_t lba)
{
	struct frontier *fr = &f->host;

	assert(ftl_check(f));
	assert(lba < f->logical);
	if (fr->block[fr->lane] == NONE) {
		while (f->nfree <= f->fg_free) {
			int rc = gc_one(f, true);
			if (rc != KV_OK)
				return rc;
		}
		open_block(f, fr);
	}
	if (f->l2p[lba])
		invalidate(f, f->l2p[lba] - 1);
	f->seq++;
	f->host_units++;
	place(f, fr, lba);
	assert(ftl_check(f));
	return KV_OK;
}

void kv_ftl_pad(struct kv_ftl *f)
{
	struct frontier *fr = &f->host;
	uint32_t lane = fr->lane;

	if (fr->in_page == 0)
		return;
	f->padded_units += f->upp - fr->in_page;
	fr->slot[lane] += f->upp - fr->in_page;
	page_done(f, fr);
	assert(ftl_check(f));
}

void kv_ftl_trim(struct kv_ftl *f, uint32_t lba)
{
	assert(lba < f->logical);
	if (f->l2p[lba] == 0)
		return;
	invalidate(f, f->l2p[lba] - 1);
	f->l2p[lba] = 0;
	f->trimmed_units++;
}

bool kv_ftl_lookup(const struct kv_ftl *f, uint32_t lba, uint32_t *block, uint32_t *page)
{
	uint32_t ppa1;

	assert(lba < f->logical);
	ppa1 = f->l2p[lba];
	if (ppa1 == 0)
		return false;
	*block = (ppa1 - 1) / f->upb;
	*page = ((ppa1 - 1) % f->upb) / f->upp;
	return true;
}

uint64_t kv_ftl_logical_units(const struct kv_ftl *f)
{
	return f->logical;
}

uint32_t kv_ftl_units_per_block(const struct kv_ftl *f)
{
	return f->upb;
}

void kv_ftl_get_counters(const struct kv_ftl *f, struct kv_ftl_counters *out)
{
	memset(out, 0, sizeof(*out));
	out->host_units = f->host_units;
	out->gc_units = f->gc_units;
	out->pages_programmed = f->pages_programmed;
	out->padded_units = f->padded_units;
	out->erases = f->erases;
	out->trimmed_units = f->trimmed_units;
	out->gc_fg = f->gc_fg;
	out->gc_bg = f->gc_bg;
	out->free_blocks = f->nfree;
	out->free_blocks_min = f->nfree_min;
	out->erase_count_min = UINT32_MAX;
	for (uint32_t b = 0; b < f->nblocks; b++) {
		if (f->erase_count[b] < out->erase_count_min)
			out->erase_count_min = f->erase_count[b];
		if (f->erase_count[b] > out->erase_count_max)
			out->erase_count_max = f->erase_count[b];
	}
}

void kv_ftl_reset_counters(struct kv_ftl *f)
{
	f->host_units = f->gc_units = f->pages_programmed = f->padded_units = 0;
	f->erases = f->trimmed_units = f->gc_fg = f->gc_bg = 0;
	f->nfree_min = f->nfree;
}

/* ------------------------------------------------------------ lifecycle */

#define TABLES(X)                                                     \
	X(l2p, uint32_t, f->logical)                                  \
	X(p2l, uint32_t, f->physical)                                 \
	X(valid, uint32_t, f->nblocks)                                \
	X(erase_count, uint32_t, f->nblocks)                          \
	X(close_seq, uint64_t, f->nblocks)                            \
	X(state, uint8_t, f->nblocks)                                 \
	X(bnext, uint32_t, f->nblocks)                                \
	X(bprev, uint32_t, f->nblocks)                                \
	X(bhead, uint32_t, (uint64_t)f->upb + 1)                      \
	X(fnext, uint32_t, f->nblocks)                                \
	X(fprev, uint32_t, f->nblocks)                                \
	X(qnext, uint32_t, f->nblocks)                                \
	X(qhead, uint32_t, f->lanes)                                  \
	X(qtail, uint32_t, f->lanes)                                  \
	X(qlen, uint32_t, f->lanes)                                   \
	X(host.block, uint32_t, f->lanes)                             \
	X(host.slot, uint32_t, f->lanes)                              \
	X(gcf.block, uint32_t, f->lanes)                              \
	X(gcf.slot, uint32_t, f->lanes)

void kv_ftl_free(struct kv_ftl *f)
{
	if (!f)
		return;
#define FREE_TABLE(field, type, n) kv_free(KV_MEM_DEVICE, f->field, (size_t)(n) * sizeof(type));
	TABLES(FREE_TABLE)
#undef FREE_TABLE
	kv_free(KV_MEM_DEVICE, f, sizeof(*f));
}

int kv_ftl_new(const struct kv_ssd_params *p, const struct kv_ftl_hooks *hooks,
	       struct kv_ftl **out, struct kv_err *err)
{
	struct kv_ftl *f = kv_calloc(KV_MEM_DEVICE, sizeof(*f));
	bool ok = f != NULL;

	*out = NULL;
	if (!f)
		return kv_err_set(err, KV_ENOMEM, "ssd device: out of memory for the FTL");
	if (hooks)
		f->hooks = *hooks;
	f->policy = p->gc_policy;
	f->lanes = kv_ssd_lanes(p);
	f->nblocks = kv_ssd_blocks(p);
	f->upp = kv_ssd_units_per_page(p);
	f->upb = kv_ssd_units_per_block(p);
	f->blocks_per_lane = (uint32_t)p->blocks_per_plane;
	f->fg_free = (uint32_t)p->gc_fg_free_blocks;
	f->bg_free = (uint32_t)p->gc_bg_free_blocks;
	f->logical = kv_ssd_logical_units(p);
	f->physical = kv_ssd_physical_units(p);
	f->gcf.gc = true;
#define ALLOC_TABLE(field, type, n)                                                  \
	if (ok) {                                                                    \
		f->field = kv_calloc(KV_MEM_DEVICE, (size_t)(n) * sizeof(type));     \
		ok = f->field != NULL;                                               \
	}
	TABLES(ALLOC_TABLE)
#undef ALLOC_TABLE
	if (!ok) {
		kv_ftl_free(f);
		return kv_err_set(err, KV_ENOMEM,
				  "ssd device: out of memory for the FTL tables (%llu units)",
				  (unsigned long long)kv_ssd_physical_units(p));
	}
	for (uint32_t v = 0; v <= f->upb; v++)
		f->bhead[v] = NONE;
	f->min_v = f->upb + 1;
	f->fhead = f->ftail = NONE;
	for (uint32_t l = 0; l < f->lanes; l++) {
		f->qhead[l] = f->qtail[l] = NONE;
		f->host.block[l] = f->gcf.block[l] = NONE;
	}
	/* Enqueue lane by lane, round robin, so the first blocks taken stripe. */
	for (uint32_t i = 0; i < f->blocks_per_lane; i++)
		for (uint32_t l = 0; l < f->lanes; l++)
			free_push(f, l * f->blocks_per_lane + i);
	f->nfree_min = f->nfree;
	*out = f;
	return KV_OK;
}

bool kv_ftl_verify(const struct kv_ftl *f)
{
	uint64_t nfree = 0;

	if (!ftl_check(f))
		return false;
	for (uint64_t l = 0; l < f->logical; l++) {
		uint32_t ppa1 = f->l2p[l];
		if (ppa1 == 0)
			continue;
		if (ppa1 - 1 >= f->physical || f->p2l[ppa1 - 1] != l + 1)
			return false;
	}
	for (uint32_t b = 0; b < f->nblocks; b++) {
		uint32_t v = 0;
		for (uint32_t s = 0; s < f->upb; s++) {
			uint32_t lba1 = f->p2l[(uint64_t)b * f->upb + s];
			if (lba1 == 0)
				continue;
			v++;
			if (f->l2p[lba1 - 1] != b * f->upb + s + 1)
				return false;
		}
		if (v != f->valid[b] || f->state[b] == B_VICTIM)
			return false;
		if (f->state[b] == B_FREE) {
			nfree++;
			if (v != 0)
				return false;
		}
		if (f->state[b] == B_CLOSED && f->valid[b] < f->min_v)
			return false;
	}
	for (uint32_t v = 0; v <= f->upb; v++)
		for (uint32_t b = f->bhead[v]; b != NONE; b = f->bnext[b])
			if (f->state[b] != B_CLOSED || f->valid[b] != v)
				return false;
	for (uint32_t b = f->fhead; b != NONE; b = f->fnext[b])
		if (f->state[b] != B_CLOSED)
			return false;
	return nfree == f->nfree;
}
