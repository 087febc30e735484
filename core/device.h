/*
 * core/device.h - the storage device interface and its accounting wrapper.
 *
 * A device is a flat namespace of files plus I/O and a clock. Devices live
 * in devices/ and implement struct kv_device_ops; engines never call the
 * ops directly. They call the kv_dev_* wrappers below, one per method,
 * which count every byte and I/O by file kind, so the LSM engine and the
 * B+ tree are measured by the same code.
 *
 * Durability contract (every device): file data written by append/write is
 * durable only after kv_dev_sync() of that file returns KV_OK. Namespace
 * operations (create, remove, rename) are durable when they return.
 * rename() atomically replaces an existing target.
 *
 * Writers are exclusive: a file may be open through several handles at
 * once, but only one of those handles may append/write/truncate it while
 * they are open together (a device may keep the end offset per handle).
 *
 * Implementations: open() that fails releases what it allocated (close()
 * is not called). docs/devices.md has the whole contract and the exact
 * definition of every counter.
 *
 * Ownership: names are borrowed for the call. A struct kv_file is owned by
 * the caller until kv_dev_close_file(). kv_dev_close(NULL) and
 * kv_dev_close_file(NULL) are no-ops.
 */
#ifndef KV_CORE_DEVICE_H
#define KV_CORE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/options.h"
#include "core/stats.h"
#include "core/status.h"

enum kv_file_kind {
	KV_FILE_WAL = 0,
	KV_FILE_SST,
	KV_FILE_MANIFEST, /* MANIFEST-* and CURRENT */
	KV_FILE_BTREE_PAGE,
	KV_FILE_BTREE_WAL,
	KV_FILE_OTHER,
	KV_FILE__COUNT
};

const char *kv_file_kind_name(enum kv_file_kind k);

struct kv_device;   /* a device instance: ops + implementation state */
struct kv_dev_file; /* an implementation's open-file handle */

struct kv_device_ops {
	const char *name;
	unsigned version;
	size_t instance_size; /* bytes of the implementation's struct, which
				 starts with struct kv_device */
	const char *doc;
	const struct kv_option *options; /* NULL-terminated */

	/* Set up the instance (already zeroed, ops/err set). @path: directory
	   for file-backed devices, may be NULL for others. */
	int (*open)(struct kv_device *dev, const struct kv_config *cfg, const char *path);
	void (*close)(struct kv_device *dev);

	/* Create (truncating an existing file) and open for read/write. */
	int (*create)(struct kv_device *dev, const char *name, struct kv_dev_file **out);
	/* Open an existing file; KV_NOTFOUND if absent. */
	int (*open_file)(struct kv_device *dev, const char *name, struct kv_dev_file **out);
	void (*close_file)(struct kv_device *dev, struct kv_dev_file *f);
	/* KV_NOTFOUND if absent. */
	int (*remove)(struct kv_device *dev, const char *name);
	int (*rename)(struct kv_device *dev, const char *from, const char *to);
	/* Call cb once per file name (order unspecified). */
	int (*list)(struct kv_device *dev, void (*cb)(void *ud, const char *name), void *ud);
	/* Size of a file by name; KV_NOTFOUND if absent. */
	int (*stat)(struct kv_device *dev, const char *name, uint64_t *size);

	/* Read exactly len bytes at off; reading past the end is KV_EIO. */
	int (*read)(struct kv_device *dev, struct kv_dev_file *f, uint64_t off, void *buf,
		    size_t len);
	int (*append)(struct kv_device *dev, struct kv_dev_file *f, const void *buf, size_t len);
	/* Write at off; may extend the file; a gap reads as zeros. A write of
	   0 bytes changes nothing, even past the end (like pwrite). */
	int (*write)(struct kv_device *dev, struct kv_dev_file *f, uint64_t off,
		     const void *buf, size_t len);
	int (*sync)(struct kv_device *dev, struct kv_dev_file *f);
	int (*size)(struct kv_device *dev, struct kv_dev_file *f, uint64_t *out);
	/* Shrink or extend (zeros) to len. */
	int (*truncate)(struct kv_device *dev, struct kv_dev_file *f, uint64_t len);
	/* Optional (NULL: no-op): the range's contents are no longer needed. */
	int (*trim)(struct kv_device *dev, struct kv_dev_file *f, uint64_t off, uint64_t len);
	/* Device clock: wall-clock monotonic for real files, virtual otherwise. */
	uint64_t (*now_ns)(struct kv_device *dev);
	/* Optional: add device-specific counters to a report (NULL: none).
	   cb is called once per (name, value). */
	void (*report)(struct kv_device *dev,
		       void (*cb)(void *ud, const char *name, double value), void *ud);
	/* Optional (NULL: never). A read without a copy: *out points at the
	   bytes [off, off + len) in the device's own read-only view of the
	   file, valid until close_file of @f as long as no handle shrinks
	   the file. KV_ENOTSUP (no message) when the device has no view of
	   that range; reading past the end fails as in read(). */
	int (*map)(struct kv_device *dev, struct kv_dev_file *f, uint64_t off, size_t len,
		   const void **out);
	/* True if the methods may be called from several threads at once
	   (on different files, or reads of the same file): a real device.
	   Simulated devices (a virtual clock) leave it false, and engines
	   then make every call from one thread, so runs stay deterministic. */
	bool concurrent;
};

/* Per file kind I/O counters kept by the wrapper. */
struct kv_io_counters {
	uint64_t bytes_read;
	uint64_t reads;
	uint64_t bytes_written;
	uint64_t writes;
	uint64_t syncs;
	uint64_t files_created;
	uint64_t files_removed;
};

struct kv_dev_stats {
	struct kv_io_counters kind[KV_FILE__COUNT];
	uint64_t live_bytes;      /* bytes of all files on the device now */
	uint64_t peak_live_bytes; /* max of live_bytes since open/reset */
	uint64_t trims;
	uint64_t bytes_trimmed;
};

/*
 * The instance header every implementation's struct starts with. The
 * wrapper fields are private to core/device.c; implementations use only
 * `ops` and `err` (which they fill with messages naming the file).
 */
struct kv_device {
	const struct kv_device_ops *ops;
	struct kv_err err;
	struct kv_dev_stats stats;
	bool stats_enabled;
	struct kv_dev_files *files; /* wrapper-private: size and kind per file name */
};

/* An open file as the engines see it. */
struct kv_file {
	struct kv_device *dev;
	struct kv_dev_file *impl;
	enum kv_file_kind kind;
	char *name;
};

/*
 * Open a device of type @ops with @cfg (validated against ops->options)
 * and @path. On success *out is owned by the caller (kv_dev_close). On
 * failure *out is NULL and @err says why.
 */
int kv_dev_open(const struct kv_device_ops *ops, const struct kv_config *cfg,
		const char *path, struct kv_device **out, struct kv_err *err);
void kv_dev_close(struct kv_device *dev);

/* The last error message of the device. */
const char *kv_dev_errmsg(const struct kv_device *dev);

int kv_dev_create(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		  struct kv_file **out);
int kv_dev_open_file(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		     struct kv_file **out);
void kv_dev_close_file(struct kv_file *f);
int kv_dev_remove(struct kv_device *dev, const char *name);
int kv_dev_rename(struct kv_device *dev, const char *from, const char *to);
int kv_dev_list(struct kv_device *dev, void (*cb)(void *ud, const char *name), void *ud);
int kv_dev_stat(struct kv_device *dev, const char *name, uint64_t *size);

int kv_dev_read(struct kv_file *f, uint64_t off, void *buf, size_t len);
/*
 * Read [off, off + len) without copying it: *out points into the device's
 * view of the file (ops->map), valid until kv_dev_close_file(f) provided
 * no handle shrinks the file meanwhile. Counted exactly as kv_dev_read of
 * the same range. KV_ENOTSUP (nothing counted, no message) when the device
 * offers no view of this range: use kv_dev_read. Other errors as
 * kv_dev_read.
 */
int kv_dev_map(struct kv_file *f, uint64_t off, size_t len, const void **out);
int kv_dev_append(struct kv_file *f, const void *buf, size_t len);
int kv_dev_write(struct kv_file *f, uint64_t off, const void *buf, size_t len);
int kv_dev_sync(struct kv_file *f);
int kv_dev_size(struct kv_file *f, uint64_t *out);
int kv_dev_truncate(struct kv_file *f, uint64_t len);
int kv_dev_trim(struct kv_file *f, uint64_t off, uint64_t len);
uint64_t kv_dev_now_ns(struct kv_device *dev);
/* ops->concurrent: the device may be used from several threads at once
   (the wrapper is thread-safe; see core/device.c). */
bool kv_dev_concurrent(const struct kv_device *dev);
/*
 * Reads counted (while stats are enabled) for calls made by the calling
 * thread, on any device, since it started: for deltas around one
 * operation that stay exact while other threads do I/O.
 */
void kv_dev_thread_reads(uint64_t *reads, uint64_t *bytes);

/*
 * Re-read every file's size from the device (list + stat) and recompute
 * live_bytes. For devices that change files behind the wrapper, e.g. a
 * simulated crash (kv_mem_device_crash). Counters other than live/peak are
 * kept. KV_OK, or an error with the device's message set.
 */
int kv_dev_refresh(struct kv_device *dev);

/* Number of kv_file handles open on @dev (0 is required by kv_dev_close). */
size_t kv_dev_open_files(const struct kv_device *dev);

/* A snapshot of the counters. */
void kv_dev_get_stats(const struct kv_device *dev, struct kv_dev_stats *out);
/* Zero the I/O counters (live bytes kept; peak reset to live). */
void kv_dev_reset_stats(struct kv_device *dev);
void kv_dev_report(struct kv_device *dev,
		   void (*cb)(void *ud, const char *name, double value), void *ud);

/* Sum of written/read bytes over all kinds, or all but WAL kinds. */
uint64_t kv_io_bytes_written(const struct kv_dev_stats *s, bool include_wal);
uint64_t kv_io_bytes_read(const struct kv_dev_stats *s);

#endif
