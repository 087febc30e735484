/*
 * devices/file.h - the file device: a directory of POSIX files.
 *
 * Each device file is one regular file in the directory given as the
 * device path (created if missing, with missing parents). Data goes
 * through pread/pwrite, sync is fdatasync, and create/remove/rename fsync
 * the directory, so namespace operations are durable when they return.
 * The clock is CLOCK_MONOTONIC.
 *
 * Options:
 *   fsync (bool, default true): when false, sync and the directory fsyncs
 *   are skipped. Nothing is durable then; use it only for fast benchmarks
 *   (e.g. on tmpfs) where crash safety does not matter.
 */
#ifndef KV_DEVICES_FILE_H
#define KV_DEVICES_FILE_H

#include "core/device.h"

extern const struct kv_device_ops kv_file_device_ops;

#endif
