/*
 * devices/mem.h - the RAM device: files are byte buffers in memory
 * (counted as KV_MEM_DEVICE), with a deterministic virtual clock and a
 * simulated power loss.
 *
 * Durability follows core/device.h exactly: each file remembers its synced
 * image (its content as of its last sync); kv_mem_device_crash() reverts
 * every file to that image. Namespace operations are durable at once: a
 * created file exists after a crash (empty if never synced), a removed one
 * stays removed, a rename stays done.
 *
 * Virtual clock (nanoseconds, starts at 0, moves only on successful calls):
 *   read            op_latency + ceil(len * 1e9 / read_bandwidth)
 *   append, write   op_latency + ceil(len * 1e9 / write_bandwidth)
 *   sync            sync_latency
 *   create, open_file, remove, rename, truncate    op_latency
 *   close, list, stat, size, trim                  free
 * The same sequence of calls always gives the same clock readings.
 *
 * Options: op_latency (duration, 1us), read_bandwidth (bytes/s, 4GB),
 * write_bandwidth (bytes/s, 2GB), sync_latency (duration, 10us), capacity
 * (bytes, 0 = unlimited: an append/write/truncate that would make the sum
 * of all file sizes exceed it fails with KV_ENOSPC and changes nothing).
 * The device path is ignored (may be NULL).
 */
#ifndef KV_DEVICES_MEM_H
#define KV_DEVICES_MEM_H

#include <stddef.h>

#include "core/device.h"

extern const struct kv_device_ops kv_mem_device_ops;

/*
 * Simulate power loss on a mem device (opened with kv_mem_device_ops):
 * every file reverts to its last synced contents, and the wrapper's
 * live_bytes is recomputed (kv_dev_refresh). Every kv_file handle open at
 * the time of the crash is dead: the caller must drop it with
 * kv_dev_close_file() and do no I/O on it (I/O returns KV_EIO). New
 * handles opened after the crash work normally.
 * Returns KV_OK, or an error from kv_dev_refresh() (the files have been
 * reverted anyway).
 */
int kv_mem_device_crash(struct kv_device *dev);

/* Number of open file handles on a mem device, dead ones included (for tests). */
size_t kv_mem_device_files_open(const struct kv_device *dev);

#endif
