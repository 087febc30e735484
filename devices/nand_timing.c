/*
 * devices/nand_timing.c - die/plane/channel busy-until timelines (see
 * devices/nand_timing.h).
 *
 * Invariants:
 *  1. die_all[d] >= plane_busy[l] for every lane l of die d, and
 *     die_all[d] >= die_excl[d].
 *  2. idle_at >= every busy-until time.
 */
#include "devices/nand_timing.h"

#include <assert.h>

#include "core/alloc.h"

struct kv_nand_timing {
	struct kv_ssd_params p;
	uint32_t lanes, dies, channels;
	uint64_t *plane_busy; /* per lane: end of its last program */
	uint64_t *die_excl;   /* per die: end of its last read or erase */
	uint64_t *die_all;    /* per die: end of its last operation of any kind */
	uint64_t *ch_busy;    /* per channel */
	uint64_t idle_at;
};

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

uint64_t kv_xfer_ns(uint64_t bytes, uint64_t bytes_per_s)
{
	/* ceil(bytes * 1e9 / rate) exactly, without overflow for rate <= 1e12 */
	uint64_t q = bytes / bytes_per_s, r = bytes % bytes_per_s;
	uint64_t x = r * 1000u, a = x / bytes_per_s, b = x % bytes_per_s;
	uint64_t y = b * 1000000u;

	return q * 1000000000u + a * 1000000u + (y + bytes_per_s - 1) / bytes_per_s;
}

int kv_nand_timing_new(const struct kv_ssd_params *p, struct kv_nand_timing **out,
		       struct kv_err *err)
{
	struct kv_nand_timing *t = kv_calloc(KV_MEM_DEVICE, sizeof(*t));

	*out = NULL;
	if (!t)
		goto out_nomem;
	t->p = *p;
	t->lanes = kv_ssd_lanes(p);
	t->dies = kv_ssd_dies(p);
	t->channels = (uint32_t)p->channels;
	t->plane_busy = kv_calloc(KV_MEM_DEVICE, t->lanes * sizeof(uint64_t));
	t->die_excl = kv_calloc(KV_MEM_DEVICE, t->dies * sizeof(uint64_t));
	t->die_all = kv_calloc(KV_MEM_DEVICE, t->dies * sizeof(uint64_t));
	t->ch_busy = kv_calloc(KV_MEM_DEVICE, t->channels * sizeof(uint64_t));
	if (!t->plane_busy || !t->die_excl || !t->die_all || !t->ch_busy)
		goto out_free;
	*out = t;
	return KV_OK;
out_free:
	kv_nand_timing_free(t);
out_nomem:
	return kv_err_set(err, KV_ENOMEM, "ssd device: out of memory for the timing model");
}

void kv_nand_timing_free(struct kv_nand_timing *t)
{
	if (!t)
		return;
	kv_free(KV_MEM_DEVICE, t->plane_busy, t->lanes * sizeof(uint64_t));
	kv_free(KV_MEM_DEVICE, t->die_excl, t->dies * sizeof(uint64_t));
	kv_free(KV_MEM_DEVICE, t->die_all, t->dies * sizeof(uint64_t));
	kv_free(KV_MEM_DEVICE, t->ch_busy, t->channels * sizeof(uint64_t));
	kv_free(KV_MEM_DEVICE, t, sizeof(*t));
}

uint64_t kv_nand_read(struct kv_nand_timing *t, uint32_t lane, uint64_t ready, uint64_t bytes)
{
	uint32_t die = kv_ssd_lane_die(&t->p, lane);
	uint32_t ch = kv_ssd_die_channel(&t->p, die);
	uint64_t s, e, cs;

	assert(lane < t->lanes);
	s = max_u64(ready, t->die_all[die]);
	e = s + t->p.t_read_ns;
	t->die_excl[die] = e;
	t->die_all[die] = e;
	cs = max_u64(e, t->ch_busy[ch]);
	t->ch_busy[ch] = cs + kv_xfer_ns(bytes, t->p.channel_bandwidth);
	t->idle_at = max_u64(t->idle_at, t->ch_busy[ch]);
	return t->ch_busy[ch];
}

uint64_t kv_nand_program(struct kv_nand_timing *t, uint32_t lane, uint64_t ready)
{
	uint32_t die = kv_ssd_lane_die(&t->p, lane);
	uint32_t ch = kv_ssd_die_channel(&t->p, die);
	uint64_t cs, ce, ps, pe;

	assert(lane < t->lanes);
	cs = max_u64(ready, t->ch_busy[ch]);
	ce = cs + kv_xfer_ns(t->p.page_size, t->p.channel_bandwidth);
	t->ch_busy[ch] = ce;
	ps = max_u64(ce, max_u64(t->plane_busy[lane], t->die_excl[die]));
	pe = ps + t->p.t_prog_ns;
	t->plane_busy[lane] = pe;
	t->die_all[die] = max_u64(t->die_all[die], pe);
	t->idle_at = max_u64(t->idle_at, pe);
	return pe;
}

uint64_t kv_nand_erase(struct kv_nand_timing *t, uint32_t lane, uint64_t ready)
{
	uint32_t die = kv_ssd_lane_die(&t->p, lane);
	uint64_t s, e;

	assert(lane < t->lanes);
	s = max_u64(ready, t->die_all[die]);
	e = s + t->p.t_erase_ns;
	t->die_excl[die] = e;
	t->die_all[die] = e;
	t->idle_at = max_u64(t->idle_at, e);
	return e;
}

uint64_t kv_nand_idle_at(const struct kv_nand_timing *t)
{
	return t->idle_at;
}
