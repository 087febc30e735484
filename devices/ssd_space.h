/*
 * devices/ssd_space.h - the free-space map of the SSD's logical block
 * (unit) addresses, from which the file namespace allocates extents.
 *
 * Policy (docs/ssd.md): a bitmap, one bit per unit. An allocation first
 * tries to continue at a hint (the unit after the file's last extent) so a
 * growing file stays contiguous; otherwise it takes the first free run at
 * or after a roving cursor (next-fit, wrapping), which spreads files over
 * the address space in allocation order like a log.
 */
#ifndef KV_DEVICES_SSD_SPACE_H
#define KV_DEVICES_SSD_SPACE_H

#include <stdint.h>

#include "core/status.h"

struct kv_ssd_space;

/* A map of @units free units. KV_OK or KV_ENOMEM with @err; *out owned by the caller. */
int kv_ssd_space_new(uint64_t units, struct kv_ssd_space **out, struct kv_err *err);
void kv_ssd_space_free(struct kv_ssd_space *s);

/*
 * Allocate one run of 1..@want units: at @hint if that unit is free,
 * otherwise the first free run from the cursor. *start and *count receive
 * it. KV_OK, or KV_ENOSPC if no unit is free.
 */
int kv_ssd_space_alloc(struct kv_ssd_space *s, uint64_t hint, uint64_t want, uint64_t *start,
		       uint64_t *count);
/* Return [start, start + count) (all allocated) to the map. */
void kv_ssd_space_release(struct kv_ssd_space *s, uint64_t start, uint64_t count);
uint64_t kv_ssd_space_free_units(const struct kv_ssd_space *s);

#endif
