/*
 * devices/ssd_store.h - the data the modeled SSD holds, addressed by
 * logical unit (LBA). The FTL moves only metadata, so data stays where the
 * host put it: in RAM chunks of KV_SSD_CHUNK_UNITS units allocated on first
 * write and dropped when all their units are released, or in a sparse
 * backing file at offset lba * unit_size (for datasets larger than memory).
 *
 * A unit never written, or released, reads as unspecified bytes: the file
 * namespace never reads bytes it has not written (docs/ssd.md).
 */
#ifndef KV_DEVICES_SSD_STORE_H
#define KV_DEVICES_SSD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

#define KV_SSD_CHUNK_UNITS 32

struct kv_ssd_store;

/*
 * A store of @units units of @unit_bytes. @backing_path: NULL or "" for
 * RAM, else a file created (truncated) and sized sparsely. KV_OK, KV_ENOMEM
 * or KV_EIO (naming the file) with @err; *out owned by the caller.
 */
int kv_ssd_store_new(uint64_t units, uint32_t unit_bytes, const char *backing_path,
		     struct kv_ssd_store **out, struct kv_err *err);
/* Frees the memory and closes (and removes) the backing file. */
void kv_ssd_store_free(struct kv_ssd_store *s);

/* Copy @len bytes at byte @off of unit @lba (off + len <= unit_bytes). KV_OK, KV_ENOMEM, KV_EIO. */
int kv_ssd_store_write(struct kv_ssd_store *s, uint64_t lba, uint32_t off, const void *buf,
		       size_t len, struct kv_err *err);
int kv_ssd_store_read(struct kv_ssd_store *s, uint64_t lba, uint32_t off, void *buf, size_t len,
		      struct kv_err *err);
/* Unit @lba is no longer used: its memory may go. */
void kv_ssd_store_release(struct kv_ssd_store *s, uint64_t lba);
/* Bytes of RAM holding data now. */
uint64_t kv_ssd_store_ram_bytes(const struct kv_ssd_store *s);

#endif
