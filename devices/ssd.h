/*
 * devices/ssd.h - the modeled flash SSD (docs/ssd.md): a file namespace
 * on the logical unit space of a page-mapped FTL (devices/ftl.h) with
 * garbage collection and TRIM, NAND timing in virtual time
 * (devices/nand_timing.h), and a DRAM write buffer flushed by sync.
 *
 * Parameters and presets: devices/ssd_geometry.h. Data is stored (RAM, or
 * the sparse `backing_file`), so reads return what was written. The clock
 * is virtual and deterministic: the same calls with the same options give
 * bit-identical clock readings and counters.
 *
 * Durability: sync of any file flushes the whole write buffer (like a
 * FLUSH CACHE command). The ssd device does not simulate power loss (use
 * devices/fault.h over mem for crash tests).
 *
 * report() adds, among others: host_bytes_written, host_bytes_read,
 * nand_bytes_written, nand_pages_programmed, nand_pages_read, device_wa,
 * gc_copies, gc_fg, gc_bg, erases, erase_count_min, erase_count_max,
 * free_blocks, free_blocks_min, trimmed_units, rmw_units, padded_units,
 * op, spare_factor, logical_bytes, and <read|write|sync|trim>_lat_<mean|
 * p50|p99|max>_ns.
 */
#ifndef KV_DEVICES_SSD_H
#define KV_DEVICES_SSD_H

#include <stddef.h>
#include <stdint.h>

#include "core/device.h"
#include "devices/ftl.h"
#include "devices/ssd_geometry.h"

extern const struct kv_device_ops kv_ssd_device_ops;

/* One extent of a file: file units [file_unit, file_unit + units) live at LBAs [lba, ...). */
struct kv_ssd_extent {
	uint64_t file_unit;
	uint64_t lba;
	uint64_t units;
};

struct kv_ssd_counters {
	struct kv_ftl_counters ftl;
	uint64_t host_bytes_written;
	uint64_t host_bytes_read;
	uint64_t nand_pages_read;  /* host and GC reads */
	uint64_t rmw_units;        /* partial-unit writes over existing data */
	uint64_t rmw_reads;        /* ... of which needed a NAND read */
	uint64_t buffer_hits;      /* units read from the write buffer */
};

/* The parameters of an ssd device (@dev opened with kv_ssd_device_ops). Borrowed. */
const struct kv_ssd_params *kv_ssd_device_params(const struct kv_device *dev);

/* A snapshot of the counters. */
void kv_ssd_device_counters(const struct kv_device *dev, struct kv_ssd_counters *out);

/* The FTL of @dev (borrowed; for kv_ftl_verify in tests). */
const struct kv_ftl *kv_ssd_device_ftl(const struct kv_device *dev);

/*
 * Copy up to @max extents of file @name into @out (allocated units,
 * preallocated ones included). Returns the number of extents the file has,
 * or 0 if it does not exist.
 */
size_t kv_ssd_device_extents(struct kv_device *dev, const char *name, struct kv_ssd_extent *out,
			     size_t max);

#endif
