/*
 * devices/fault.h - a fault-injection device wrapped around another
 * device (docs/devices.md "fault"). Every call is passed to the inner
 * device unless a fault is armed:
 *
 * - Crash at the Nth sync (inner device must be mem): that sync does not
 *   happen; the inner device loses everything not synced
 *   (kv_mem_device_crash). With tear, each file's unsynced appended bytes
 *   (appended through a handle since its last sync, with no positional
 *   write or truncate in between) come back in part: a prefix of whole
 *   512-byte sectors, its length drawn from the fault seed. The sync
 *   returns KV_EIO and from then on every call fails with KV_EIO until
 *   kv_fault_device_reset() (the reboot); handles opened before it stay
 *   dead (close them).
 * - An error (KV_EIO or KV_ENOSPC) at the Nth operation of the kinds in an
 *   op mask, once or persistently. A failed call changes nothing. ENOSPC
 *   messages say "no space left on device".
 *
 * Through the registry, the `fault` device opens its inner device by name
 * (option `inner`, default mem, with that device's default options) and
 * arms faults from options; tests rather wrap a device they opened
 * themselves (kv_fault_device_wrap) and arm faults at run time. N counts
 * from the moment of arming (1 = the next matching call).
 */
#ifndef KV_DEVICES_FAULT_H
#define KV_DEVICES_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/device.h"

extern const struct kv_device_ops kv_fault_device_ops;

/* Operation kinds for kv_fault_arm_error(). */
enum {
	KV_FAULT_READ = 1u << 0,
	KV_FAULT_APPEND = 1u << 1,
	KV_FAULT_WRITE = 1u << 2,
	KV_FAULT_SYNC = 1u << 3,
	KV_FAULT_TRUNCATE = 1u << 4,
	KV_FAULT_NAMESPACE = 1u << 5, /* create, remove, rename */
	KV_FAULT_IO = KV_FAULT_READ | KV_FAULT_APPEND | KV_FAULT_WRITE | KV_FAULT_SYNC,
	KV_FAULT_ALL = 0x3f,
};

struct kv_fault_counters {
	uint64_t ops;    /* calls of every kind in KV_FAULT_ALL that reached the wrapper */
	uint64_t reads, appends, writes, syncs;
	uint64_t injected; /* calls failed on purpose */
	uint64_t crashes;
	uint64_t torn_bytes; /* unsynced bytes re-applied by tearing */
};

/*
 * Wrap @inner (takes ownership: closed by kv_dev_close of the wrapper; it
 * must have no open files) in a fault device. KV_OK with *out owned by the
 * caller, or an error with @err (then @inner is closed too).
 */
int kv_fault_device_wrap(struct kv_device *inner, struct kv_device **out, struct kv_err *err);

/* The inner device (borrowed). */
struct kv_device *kv_fault_device_inner(struct kv_device *dev);

/*
 * Crash at the @n-th sync from now (n >= 1; 0 disarms). @tear: re-apply
 * torn prefixes of unsynced appends (see above), drawn from @seed.
 * KV_OK, or KV_ENOTSUP if the inner device is not mem.
 */
int kv_fault_arm_crash_at_sync(struct kv_device *dev, uint64_t n, bool tear, uint64_t seed);

/*
 * Fail the @n-th call from now whose kind is in @op_mask with @code
 * (KV_EIO or KV_ENOSPC); with @persist every matching call from then on
 * fails until disarmed. n = 0 disarms.
 */
void kv_fault_arm_error(struct kv_device *dev, unsigned op_mask, uint64_t n, int code,
			bool persist);

/* Disarm every fault (a crashed device stays crashed until reset). */
void kv_fault_disarm(struct kv_device *dev);

/* True between a simulated crash and kv_fault_device_reset(). */
bool kv_fault_crashed(const struct kv_device *dev);

/*
 * The reboot: revive a crashed device (faults disarmed) so the store can
 * be reopened; the wrapper's sizes are recounted (kv_dev_refresh). Handles
 * from before the crash stay dead. KV_OK or the refresh's error.
 */
int kv_fault_device_reset(struct kv_device *dev);

void kv_fault_device_counters(const struct kv_device *dev, struct kv_fault_counters *out);

#endif
