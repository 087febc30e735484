/*
 * devices/ssd_geometry.c - parameters and presets of the modeled SSD (see
 * devices/ssd_geometry.h).
 */
#include "devices/ssd_geometry.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

const char *const kv_ssd_preset_names[] = { "client", "enterprise", "tiny", NULL };
const char *const kv_gc_policy_names[] = { "greedy", "cost_benefit", "fifo", NULL };

#define P(field) offsetof(struct kv_ssd_params, field)

/* Defaults are the client preset's values. */
const struct kv_option kv_ssd_options[] = {
	{ "preset", KV_OPT_ENUM, "client", 0, 0, "",
	  "parameter set: client (TLC, OP 7%), enterprise (TLC, OP 28%), tiny (fast, for tests)",
	  kv_ssd_preset_names, P(preset) },
	{ "channels", KV_OPT_INT, "8", 1, 64, "", "flash channels", NULL, P(channels) },
	{ "dies_per_channel", KV_OPT_INT, "4", 1, 64, "", "dies on each channel", NULL,
	  P(dies_per_channel) },
	{ "planes_per_die", KV_OPT_INT, "2", 1, 8, "", "planes per die (programmed in parallel)",
	  NULL, P(planes_per_die) },
	{ "blocks_per_plane", KV_OPT_INT, "256", 4, 1048576, "", "erase blocks per plane", NULL,
	  P(blocks_per_plane) },
	{ "pages_per_block", KV_OPT_INT, "256", 2, 4096, "", "pages per erase block", NULL,
	  P(pages_per_block) },
	{ "page_size", KV_OPT_BYTES, "16KiB", 512, 1048576, "bytes", "NAND page size", NULL,
	  P(page_size) },
	{ "unit_size", KV_OPT_BYTES, "4KiB", 512, 1048576, "bytes",
	  "FTL mapping unit (divides page_size)", NULL, P(unit_size) },
	{ "op", KV_OPT_DOUBLE, "0.07", 0.001, 4.0, "",
	  "over-provisioning, (physical - logical) / logical", NULL, P(op) },
	{ "t_read", KV_OPT_DURATION, "50us", 0, 1e10, "ns", "tR: page read into the die register",
	  NULL, P(t_read_ns) },
	{ "t_prog", KV_OPT_DURATION, "330us", 0, 1e10, "ns",
	  "tPROG: program one page per plane (TLC one-shot amortized per page)", NULL,
	  P(t_prog_ns) },
	{ "t_erase", KV_OPT_DURATION, "3500us", 0, 1e11, "ns", "tBERS: erase one block", NULL,
	  P(t_erase_ns) },
	{ "channel_bandwidth", KV_OPT_BYTES, "1200MB", 1e6, 1e12, "bytes/s",
	  "transfer rate of one flash channel", NULL, P(channel_bandwidth) },
	{ "host_bandwidth", KV_OPT_BYTES, "3500MB", 1e6, 1e12, "bytes/s",
	  "transfer rate of the host interface", NULL, P(host_bandwidth) },
	{ "cmd_overhead", KV_OPT_DURATION, "2us", 0, 1e9, "ns",
	  "fixed cost of every host command (controller, interface)", NULL,
	  P(cmd_overhead_ns) },
	{ "write_buffer", KV_OPT_BYTES, "16MiB", 0, 1e12, "bytes",
	  "DRAM write buffer; sync flushes it to NAND", NULL, P(write_buffer) },
	{ "gc_policy", KV_OPT_ENUM, "greedy", 0, 0, "",
	  "GC victim: greedy (fewest valid), cost_benefit ((1-u)*age/(1+u)), fifo (oldest)",
	  kv_gc_policy_names, P(gc_policy) },
	{ "gc_fg_free_blocks", KV_OPT_INT, "0", 0, 1e9, "blocks",
	  "foreground GC keeps more free blocks than this (0: auto = lanes)", NULL,
	  P(gc_fg_free_blocks) },
	{ "gc_bg_free_blocks", KV_OPT_INT, "0", 0, 1e9, "blocks",
	  "background GC runs below this many free blocks (0: auto = 2 x lanes + 2)", NULL,
	  P(gc_bg_free_blocks) },
	{ "discard", KV_OPT_BOOL, "true", 0, 0, "",
	  "TRIM the units of deleted and truncated files (false: the discard-off pitfall)", NULL,
	  P(discard) },
	{ "backing_file", KV_OPT_STRING, "", 0, 0, "",
	  "store data in this sparse file instead of RAM (empty: RAM)", NULL, P(backing_file) },
	{ .name = NULL },
};

void kv_ssd_params_preset(enum kv_ssd_preset preset, struct kv_ssd_params *p)
{
	memset(p, 0, sizeof(*p));
	p->preset = (int)preset;
	p->channels = 8;
	p->dies_per_channel = 4;
	p->planes_per_die = 2;
	p->blocks_per_plane = 256;
	p->pages_per_block = 256;
	p->page_size = 16384;
	p->unit_size = 4096;
	p->op = 0.07;
	p->t_read_ns = 50000;
	p->t_prog_ns = 330000;
	p->t_erase_ns = 3500000;
	p->channel_bandwidth = 1200000000ull;
	p->host_bandwidth = 3500000000ull;
	p->cmd_overhead_ns = 2000;
	p->write_buffer = 16u << 20;
	p->gc_policy = KV_GC_GREEDY;
	p->discard = true;
	switch (preset) {
	case KV_SSD_CLIENT:
		break;
	case KV_SSD_ENTERPRISE:
		p->channels = 16;
		p->blocks_per_plane = 128;
		p->op = 0.28;
		p->write_buffer = 32u << 20;
		break;
	case KV_SSD_TINY:
		p->channels = 2;
		p->dies_per_channel = 2;
		p->planes_per_die = 1;
		p->blocks_per_plane = 64;
		p->pages_per_block = 64;
		p->page_size = 4096;
		p->op = 0.28;
		p->t_read_ns = 20000;
		p->t_prog_ns = 200000;
		p->t_erase_ns = 1500000;
		p->write_buffer = 256u << 10;
		break;
	}
}

int kv_ssd_params_load(const struct kv_config *cfg, struct kv_ssd_params *p, struct kv_err *err)
{
	struct kv_ssd_params given;
	int rc = kv_options_load(kv_ssd_options, cfg, &given, err);

	if (rc != KV_OK)
		return rc;
	kv_ssd_params_preset((enum kv_ssd_preset)given.preset, p);
	for (size_t i = 0; cfg && kv_ssd_options[i].name; i++) {
		const struct kv_option *o = &kv_ssd_options[i];
		if (kv_config_get(cfg, o->name) == NULL)
			continue;
		memcpy((char *)p + o->offset, (const char *)&given + o->offset, kv_option_size(o->type));
	}
	return kv_ssd_params_check(p, err);
}

uint32_t kv_ssd_lanes(const struct kv_ssd_params *p)
{
	return (uint32_t)(p->channels * p->dies_per_channel * p->planes_per_die);
}

uint32_t kv_ssd_dies(const struct kv_ssd_params *p)
{
	return (uint32_t)(p->channels * p->dies_per_channel);
}

uint32_t kv_ssd_blocks(const struct kv_ssd_params *p)
{
	return kv_ssd_lanes(p) * (uint32_t)p->blocks_per_plane;
}

uint32_t kv_ssd_units_per_page(const struct kv_ssd_params *p)
{
	return (uint32_t)(p->page_size / p->unit_size);
}

uint32_t kv_ssd_units_per_block(const struct kv_ssd_params *p)
{
	return kv_ssd_units_per_page(p) * (uint32_t)p->pages_per_block;
}

uint64_t kv_ssd_physical_units(const struct kv_ssd_params *p)
{
	return (uint64_t)kv_ssd_blocks(p) * kv_ssd_units_per_block(p);
}

uint64_t kv_ssd_logical_units(const struct kv_ssd_params *p)
{
	return (uint64_t)floor((double)kv_ssd_physical_units(p) / (1.0 + p->op));
}

double kv_ssd_spare_factor(const struct kv_ssd_params *p)
{
	double phys = (double)kv_ssd_physical_units(p);
	return (phys - (double)kv_ssd_logical_units(p)) / phys;
}

uint32_t kv_ssd_lane_die(const struct kv_ssd_params *p, uint32_t lane)
{
	uint32_t group = lane / (uint32_t)p->planes_per_die;
	uint32_t ch = group % (uint32_t)p->channels;
	uint32_t die_in_ch = group / (uint32_t)p->channels;

	return ch * (uint32_t)p->dies_per_channel + die_in_ch;
}

uint32_t kv_ssd_die_channel(const struct kv_ssd_params *p, uint32_t die)
{
	return die / (uint32_t)p->dies_per_channel;
}

int kv_ssd_params_check(struct kv_ssd_params *p, struct kv_err *err)
{
	uint64_t lanes = (uint64_t)p->channels * (uint64_t)p->dies_per_channel *
			 (uint64_t)p->planes_per_die;
	uint64_t blocks = lanes * (uint64_t)p->blocks_per_plane;
	uint64_t upb, logical_blocks, spare;

	if (p->unit_size > p->page_size || p->page_size % p->unit_size != 0 ||
	    (p->unit_size & (p->unit_size - 1)) != 0)
		return kv_err_set(err, KV_EINVAL,
				  "ssd device: unit_size %llu must be a power of two dividing "
				  "page_size %llu",
				  (unsigned long long)p->unit_size,
				  (unsigned long long)p->page_size);
	upb = (p->page_size / p->unit_size) * (uint64_t)p->pages_per_block;
	if (blocks >= UINT32_MAX || blocks * upb >= UINT32_MAX)
		return kv_err_set(err, KV_EINVAL,
				  "ssd device: %llu blocks of %llu units is too large "
				  "(at most 2^32 - 2 units)",
				  (unsigned long long)blocks, (unsigned long long)upb);
	if (p->gc_fg_free_blocks == 0)
		p->gc_fg_free_blocks = (int64_t)lanes;
	if (p->gc_bg_free_blocks == 0)
		p->gc_bg_free_blocks = 2 * (int64_t)lanes + 2;
	if ((uint64_t)p->gc_fg_free_blocks < lanes)
		return kv_err_set(err, KV_EINVAL,
				  "ssd device: gc_fg_free_blocks %lld is below the number of "
				  "lanes (%llu): GC could run out of blocks",
				  (long long)p->gc_fg_free_blocks, (unsigned long long)lanes);
	/* GC must always find a block with an invalid unit (docs/ssd.md). */
	logical_blocks = (kv_ssd_logical_units(p) + upb - 1) / upb;
	spare = blocks - logical_blocks;
	if (spare <= (uint64_t)p->gc_fg_free_blocks + 2 * lanes)
		return kv_err_set(err, KV_EINVAL,
				  "ssd device: op %g leaves %llu spare blocks, not more than "
				  "gc_fg_free_blocks %lld + 2 open blocks per lane (%llu lanes)",
				  p->op, (unsigned long long)spare,
				  (long long)p->gc_fg_free_blocks, (unsigned long long)lanes);
	return KV_OK;
}
