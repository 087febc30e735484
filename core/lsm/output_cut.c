/*
 * core/lsm/output_cut.c - output cutting at grandparent boundaries (see
 * output_cut.h for the rules and docs/strategies.md, "Leveled").
 *
 * User keys are unique in a compaction's output and the grandparent
 * files are one run (disjoint ranges), so unlike RocksDB no key can sit
 * in two grandparent files and no same-key special cases are needed.
 */
#include "core/lsm/output_cut.h"

#include <assert.h>

void kv_out_cut_init(struct kv_out_cut *c, const struct kv_file_meta *const *gp, size_t ngp,
		     uint64_t target, uint64_t max_compaction_bytes, bool align)
{
	*c = (struct kv_out_cut){
		.gp = gp, .ngp = ngp, .target = target,
		.max_compaction_bytes = max_compaction_bytes, .align = align,
		.gap = true,
	};
	assert(kv_out_cut_check(c));
}

bool kv_out_cut_check(const struct kv_out_cut *c)
{
	if (c->idx > c->ngp || (c->ngp && !c->gp))
		return false;
	if (c->seen && c->idx == c->ngp && !c->gap)
		return false;
	return true;
}

/* Bytes of the grandparent file holding the last key (0 in a gap). */
static uint64_t key_overlap(const struct kv_out_cut *c)
{
	return c->gap || c->idx == c->ngp ? 0 : c->gp[c->idx]->bytes;
}

/* Move past the boundaries before @key; returns how many it crossed. */
static size_t advance(struct kv_out_cut *c, struct kv_slice key)
{
	size_t crossed = 0;

	while (c->idx < c->ngp) {
		const struct kv_file_meta *f = c->gp[c->idx];
		if (c->gap) {
			if (kv_slice_cmp(key, f->smallest) < 0)
				break;
			/* Entering file idx. */
			if (c->seen) {
				crossed++;
				c->overlap += f->bytes;
			}
			c->gap = false;
		} else {
			if (kv_slice_cmp(key, f->largest) <= 0)
				break;
			/* Leaving file idx. */
			if (c->seen)
				crossed++;
			c->gap = true;
			c->idx++;
		}
	}
	if (!c->seen)
		c->overlap = key_overlap(c);
	c->seen = true;
	c->switches += crossed;
	return crossed;
}

uint64_t kv_out_cut_max_bytes(const struct kv_out_cut *c)
{
	if (c->target == 0)
		return UINT64_MAX;
	if (c->align && c->ngp > 0 && c->target <= UINT64_MAX / 2)
		return 2 * c->target;
	return c->target;
}

static bool should_cut(const struct kv_out_cut *c, size_t crossed, uint64_t prev_overlap,
		       uint64_t out_bytes)
{
	uint64_t pct;

	if (crossed == 0)
		return false;
	if (c->max_compaction_bytes && c->overlap + out_bytes > c->max_compaction_bytes)
		return true;
	if (!c->align || c->target == 0)
		return false;
	/* A whole grandparent file skipped: entered and left (2 crossings
	   ending in a gap) or left, skipped and entered the next (3). */
	if (crossed >= (c->gap ? 2u : 3u) && c->overlap - prev_overlap > c->target / 8)
		return true;
	/* switches already counts this key's crossings, as in RocksDB. */
	pct = 50 + (c->switches >= 8 ? 40 : 5 * (uint64_t)c->switches);
	return out_bytes >= (c->target + 99) / 100 * pct;
}

bool kv_out_cut_before(struct kv_out_cut *c, struct kv_slice key, bool open, uint64_t out_bytes)
{
	uint64_t prev_overlap = c->overlap;
	size_t crossed = advance(c, key);
	bool cut = open && should_cut(c, crossed, prev_overlap, out_bytes);

	if (cut || !open) {
		/* A new output begins with @key. */
		c->switches = 0;
		c->overlap = key_overlap(c);
	}
	assert(kv_out_cut_check(c));
	return cut;
}
