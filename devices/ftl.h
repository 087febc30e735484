/*
 * devices/ftl.h - a page-mapped flash translation layer over an abstract
 * NAND (metadata only: it never sees data).
 *
 * The FTL maps logical units (LBAs of unit_size bytes) to physical slots
 * (block, slot-in-block). Writes are log-structured: a host frontier and a
 * separate GC frontier each keep one open block per lane and stripe pages
 * across lanes (devices/ssd_geometry.h). An overwrite or TRIM invalidates
 * the old slot. Garbage collection picks a closed block by the configured
 * policy (greedy: fewest valid units, O(1) amortized through buckets by
 * valid count; cost-benefit: highest (1-u)*age/(1+u), a scan; FIFO: the
 * oldest closed block), copies its valid units to the GC frontier and
 * erases it. Foreground GC runs before the host frontier takes a free
 * block while free blocks <= gc_fg_free_blocks; background GC
 * (kv_ftl_background_gc) collects one block while free blocks <
 * gc_bg_free_blocks.
 *
 * NAND operations are reported through optional hooks so a timing model
 * can place them on die timelines: a page program when a page of a
 * frontier is complete (or padded), a page read per distinct page GC reads
 * from, an erase per collected block. Everything is deterministic.
 *
 * Usable standalone: the analytic-validation tests drive it with LBA
 * writes and trims, no file namespace.
 */
#ifndef KV_DEVICES_FTL_H
#define KV_DEVICES_FTL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/status.h"
#include "devices/ssd_geometry.h"

struct kv_ftl;

struct kv_ftl_hooks {
	void *ud;
	/* GC reads page @page of @block (once per distinct page). */
	void (*read)(void *ud, uint32_t block, uint32_t page);
	/* A page of a frontier is programmed (its last unit placed or padded). */
	void (*program)(void *ud, uint32_t block, uint32_t page, bool gc);
	void (*erase)(void *ud, uint32_t block);
	/* One GC of one victim begins (begin) or ends (!begin). */
	void (*gc)(void *ud, bool foreground, bool begin);
};

struct kv_ftl_counters {
	uint64_t host_units;       /* units written by the host */
	uint64_t gc_units;         /* valid units copied by GC */
	uint64_t pages_programmed; /* program operations (pages), padded ones included */
	uint64_t padded_units;     /* slots skipped by kv_ftl_pad */
	uint64_t erases;
	uint64_t trimmed_units;    /* TRIMs of mapped units */
	uint64_t gc_fg;            /* victims collected by foreground GC */
	uint64_t gc_bg;            /* ... by background GC */
	uint32_t free_blocks;      /* now */
	uint32_t free_blocks_min;  /* lowest since creation */
	uint32_t erase_count_min;  /* over all blocks */
	uint32_t erase_count_max;
};

/*
 * Create an FTL for the geometry and policy of @p (already checked by
 * kv_ssd_params_check). @hooks may be NULL or have NULL members; it is
 * copied. Tables are allocated zeroed (KV_MEM_DEVICE), so a large device
 * costs memory only where it is written. On success *out is owned by the
 * caller (kv_ftl_free). KV_OK or KV_ENOMEM with @err.
 */
int kv_ftl_new(const struct kv_ssd_params *p, const struct kv_ftl_hooks *hooks,
	       struct kv_ftl **out, struct kv_err *err);
void kv_ftl_free(struct kv_ftl *ftl);

/* Logical units (LBAs 0 .. n-1). */
uint64_t kv_ftl_logical_units(const struct kv_ftl *ftl);
uint32_t kv_ftl_units_per_block(const struct kv_ftl *ftl);

/*
 * Write logical unit @lba (< logical units) at the host frontier,
 * invalidating its old copy; runs foreground GC first if needed. KV_OK, or
 * KV_ENOSPC if GC found no block to reclaim (cannot happen with checked
 * parameters; the mapping is unchanged then).
 */
int kv_ftl_write(struct kv_ftl *ftl, uint32_t lba);

/* Close the host frontier's partly filled page (program it padded). */
void kv_ftl_pad(struct kv_ftl *ftl);

/* TRIM: forget @lba's mapping (no-op if unmapped). */
void kv_ftl_trim(struct kv_ftl *ftl, uint32_t lba);

/* Where @lba lives: true and its block and page, or false if unmapped. */
bool kv_ftl_lookup(const struct kv_ftl *ftl, uint32_t lba, uint32_t *block, uint32_t *page);

/*
 * Background GC: if free blocks < gc_bg_free_blocks, collect one victim.
 * Returns true if it collected one.
 */
bool kv_ftl_background_gc(struct kv_ftl *ftl);

/* A snapshot of the counters (the erase-count spread is computed here, O(blocks)). */
void kv_ftl_get_counters(const struct kv_ftl *ftl, struct kv_ftl_counters *out);

/* Zero host_units, gc_units, pages_programmed, padded_units, erases, trims and GC counts. */
void kv_ftl_reset_counters(struct kv_ftl *ftl);

/*
 * Full consistency check, O(units): L2P and P2L are inverse, valid counts
 * match P2L, block states, lists and the free count agree. For tests.
 */
bool kv_ftl_verify(const struct kv_ftl *ftl);

#endif
