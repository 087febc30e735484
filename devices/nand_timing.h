/*
 * devices/nand_timing.h - the virtual-time model of the NAND array.
 *
 * Each plane (lane), die and channel has a busy-until time. Operations are
 * placed on these timelines in the order they are issued, each starting
 * when its inputs are ready and its resources are free:
 *   read    die free (all planes idle) -> tR on the die -> channel transfer
 *   program channel transfer -> tPROG on the plane (the planes of a die
 *           program in parallel, as multi-plane programs do; a read or an
 *           erase on the die waits for them)
 *   erase   die free -> tBERS on the die
 * Every call returns the operation's completion time. Deterministic.
 */
#ifndef KV_DEVICES_NAND_TIMING_H
#define KV_DEVICES_NAND_TIMING_H

#include <stdint.h>

#include "core/status.h"
#include "devices/ssd_geometry.h"

struct kv_nand_timing;

/* Create the model for @p (all idle at time 0). KV_OK or KV_ENOMEM with @err. */
int kv_nand_timing_new(const struct kv_ssd_params *p, struct kv_nand_timing **out,
		       struct kv_err *err);
void kv_nand_timing_free(struct kv_nand_timing *t);

/* Read a page on @lane, data ready at @ready; @bytes cross the channel. */
uint64_t kv_nand_read(struct kv_nand_timing *t, uint32_t lane, uint64_t ready, uint64_t bytes);
/* Program a page on @lane whose data is in the controller at @ready. */
uint64_t kv_nand_program(struct kv_nand_timing *t, uint32_t lane, uint64_t ready);
/* Erase a block on @lane, issued at @ready. */
uint64_t kv_nand_erase(struct kv_nand_timing *t, uint32_t lane, uint64_t ready);
/* When every operation issued so far is complete. */
uint64_t kv_nand_idle_at(const struct kv_nand_timing *t);
/* Transfer time of @bytes at @bytes_per_s, rounded up to whole ns. */
uint64_t kv_xfer_ns(uint64_t bytes, uint64_t bytes_per_s);

#endif
