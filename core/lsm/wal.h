/*
 * core/lsm/wal.h - the log: checksummed records appended to a device file.
 * Used for the write-ahead log and for the manifest. Layout in
 * docs/formats.md.
 *
 * Recovery (kv_log_replay) delivers complete records in order and stops
 * cleanly at a torn tail: an incomplete or bad record with no valid record
 * after it is ignored (reported in the info). A bad record followed by a
 * valid one is corruption in the middle: KV_ECORRUPT naming file and
 * offset.
 */
#ifndef KV_CORE_LSM_WAL_H
#define KV_CORE_LSM_WAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/device.h"
#include "core/slice.h"
#include "core/status.h"

/* Record header: u32 checksum, u32 length, u8 type, u8 magic. */
#define KV_LOG_HEADER_BYTES 12
/* Largest payload of one record (bounds what a reader trusts). */
#define KV_LOG_MAX_PAYLOAD (256u << 20)

struct kv_log_writer;

/*
 * Create @name (truncating) as a file of @kind and open a writer on it.
 * On success *out is owned by the caller (kv_log_writer_close); on
 * failure *out is NULL and @err names the file.
 */
int kv_log_writer_open(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		       struct kv_log_writer **out, struct kv_err *err);
/*
 * Append one record (one device append). KV_EINVAL if the payload is
 * larger than KV_LOG_MAX_PAYLOAD (nothing written). A failed append or
 * sync is sticky: every later add/sync returns the same code, so a
 * partial record can only be the last bytes of the file. Messages via
 * kv_log_err().
 */
int kv_log_add(struct kv_log_writer *w, struct kv_slice payload);
/* Sync the file if anything was appended since the last sync. */
int kv_log_sync(struct kv_log_writer *w);
/* Bytes appended so far (headers included): the file size. */
uint64_t kv_log_bytes(const struct kv_log_writer *w);
/* Bytes appended since the last sync. */
uint64_t kv_log_unsynced_bytes(const struct kv_log_writer *w);
/* The file name, borrowed for the life of the writer. */
const char *kv_log_name(const struct kv_log_writer *w);
/* The last error of the writer (device messages prefixed with the log
   name); returns its code (KV_OK if none). */
int kv_log_err(const struct kv_log_writer *w, struct kv_err *err);
/* Close without syncing. NULL is a no-op. */
void kv_log_writer_close(struct kv_log_writer *w);

struct kv_log_replay_info {
	uint64_t records;
	uint64_t valid_bytes;  /* offset just past the last good record */
	uint64_t file_bytes;
	bool torn_tail;        /* bytes after valid_bytes were ignored */
};

/*
 * Read every complete record of @name in order, calling @cb (payload
 * borrowed for the call). A non-zero return from cb stops the replay and
 * is returned. KV_NOTFOUND if the file does not exist.
 */
int kv_log_replay(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		  int (*cb)(void *ud, struct kv_slice payload), void *ud,
		  struct kv_log_replay_info *info, struct kv_err *err);

#endif
