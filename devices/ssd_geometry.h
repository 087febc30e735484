/*
 * devices/ssd_geometry.h - the parameters of the modeled SSD: geometry,
 * NAND timing, FTL policy, and the named presets (docs/ssd.md).
 *
 * Geometry: channels x dies_per_channel x planes_per_die x
 * blocks_per_plane x pages_per_block pages of page_size bytes; the FTL maps
 * units of unit_size bytes (a page holds page_size / unit_size units).
 *
 * Over-provisioning uses the industry definition
 *     OP = (physical - logical) / logical,
 * so logical capacity = floor(physical units / (1 + OP)); the spare factor
 * (physical - logical) / physical is printed next to it.
 *
 * A "lane" is one plane of one die: the FTL stripes pages across lanes in
 * the order plane, channel, die-in-channel (consecutive pages go to the two
 * planes of a die, then to the next channel). Blocks are numbered lane by
 * lane: block b lives on lane b / blocks_per_plane.
 *
 * Every parameter has an option of the same name; a preset fills them all
 * and an option given explicitly overrides the preset's value.
 */
#ifndef KV_DEVICES_SSD_GEOMETRY_H
#define KV_DEVICES_SSD_GEOMETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"
#include "core/status.h"

enum kv_gc_policy { KV_GC_GREEDY = 0, KV_GC_COST_BENEFIT, KV_GC_FIFO };

enum kv_ssd_preset { KV_SSD_CLIENT = 0, KV_SSD_ENTERPRISE, KV_SSD_TINY };

struct kv_ssd_params {
	int preset; /* enum kv_ssd_preset */
	/* geometry */
	int64_t channels;
	int64_t dies_per_channel;
	int64_t planes_per_die;
	int64_t blocks_per_plane;
	int64_t pages_per_block;
	uint64_t page_size;
	uint64_t unit_size;
	double op; /* (physical - logical) / logical */
	/* NAND and interface timing */
	uint64_t t_read_ns;
	uint64_t t_prog_ns;
	uint64_t t_erase_ns;
	uint64_t channel_bandwidth; /* bytes/s per channel */
	uint64_t host_bandwidth;    /* bytes/s of the host interface */
	uint64_t cmd_overhead_ns;   /* fixed cost of every host command */
	uint64_t write_buffer;      /* bytes of the DRAM write buffer */
	/* FTL */
	int gc_policy; /* enum kv_gc_policy */
	int64_t gc_fg_free_blocks; /* 0: auto (lanes) */
	int64_t gc_bg_free_blocks; /* 0: auto (2 x lanes + 2) */
	bool discard;
	char backing_file[KV_OPT_STRING_BYTES];
};

/* The option table of the ssd device (NULL-terminated). */
extern const struct kv_option kv_ssd_options[];

/* Names of the presets and GC policies, NULL-terminated. */
extern const char *const kv_ssd_preset_names[];
extern const char *const kv_gc_policy_names[];

/*
 * Fill @p from @cfg: the preset named by the `preset` option (default
 * client), then every option present in @cfg on top. Validates values and
 * the derived geometry (kv_ssd_params_check). KV_OK or KV_EINVAL with @err.
 */
int kv_ssd_params_load(const struct kv_config *cfg, struct kv_ssd_params *p, struct kv_err *err);

/* The values of preset @preset (no validation needed: presets are valid). */
void kv_ssd_params_preset(enum kv_ssd_preset preset, struct kv_ssd_params *p);

/*
 * Check the cross-parameter rules (unit divides page, counts fit 32-bit
 * block and unit numbers, enough spare blocks for the watermarks) and
 * resolve the auto watermarks. KV_OK or KV_EINVAL naming the parameter.
 */
int kv_ssd_params_check(struct kv_ssd_params *p, struct kv_err *err);

/* Derived quantities. */
uint32_t kv_ssd_lanes(const struct kv_ssd_params *p);
uint32_t kv_ssd_dies(const struct kv_ssd_params *p);
uint32_t kv_ssd_blocks(const struct kv_ssd_params *p);
uint32_t kv_ssd_units_per_page(const struct kv_ssd_params *p);
uint32_t kv_ssd_units_per_block(const struct kv_ssd_params *p);
uint64_t kv_ssd_physical_units(const struct kv_ssd_params *p);
uint64_t kv_ssd_logical_units(const struct kv_ssd_params *p);
/* (physical - logical) / physical. */
double kv_ssd_spare_factor(const struct kv_ssd_params *p);
/* The die (0 .. dies-1) and channel of lane @lane. */
uint32_t kv_ssd_lane_die(const struct kv_ssd_params *p, uint32_t lane);
uint32_t kv_ssd_die_channel(const struct kv_ssd_params *p, uint32_t die);

#endif
