/*
 * core/lsm/manifest.h - version edits and the manifest that persists them.
 *
 * The manifest MANIFEST-<id> is a kv_log of encoded version edits; the
 * first edit is a full snapshot. CURRENT names the live manifest and is
 * replaced atomically (write CURRENT.tmp, sync, rename). An edit is
 * durable (and may be acted upon, e.g. by deleting obsolete files) once
 * kv_manifest_append() returns KV_OK.
 */
#ifndef KV_CORE_LSM_MANIFEST_H
#define KV_CORE_LSM_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/device.h"
#include "core/lsm/strategy.h"
#include "core/slice.h"
#include "core/status.h"

struct kv_edit_file {
	int level;
	struct kv_file_meta meta; /* smallest/largest point into key storage
				     owned by the edit */
};

struct kv_edit_delete {
	int level;
	uint64_t file_id;
};

struct kv_version_edit {
	bool has_next_file_id;
	uint64_t next_file_id;
	bool has_last_seq;
	uint64_t last_seq;
	bool has_log_id;       /* WALs with id < log_id are obsolete */
	uint64_t log_id;
	bool has_nlevels;
	int nlevels;
	bool has_strategy;     /* name of the strategy that shaped the tree */
	char strategy[64];
	size_t nadds, adds_cap;
	struct kv_edit_file *adds;
	size_t ndeletes, deletes_cap;
	struct kv_edit_delete *deletes;
	struct kv_buf keys;    /* storage for the adds' key bytes */
};

/* An empty edit. kv_edit_free() releases its memory and re-initialises it. */
void kv_edit_init(struct kv_version_edit *e);
void kv_edit_free(struct kv_version_edit *e);
/*
 * Copy @meta (including its key bytes) into the edit; the add's key
 * slices point into e->keys and stay valid until kv_edit_free() (later
 * adds fix them up). Requires 0 <= level < KV_MAX_LEVELS, smallest <=
 * largest, and @meta's keys not pointing into @e itself.
 * being_compacted is not copied. KV_OK or KV_ENOMEM (edit unchanged).
 */
int kv_edit_add_file(struct kv_version_edit *e, int level, const struct kv_file_meta *meta);
/* Record a deleted file. KV_OK or KV_ENOMEM. */
int kv_edit_delete_file(struct kv_version_edit *e, int level, uint64_t file_id);

/* Encode @e, replacing the content of @out. KV_OK or KV_ENOMEM. */
int kv_edit_encode(const struct kv_version_edit *e, struct kv_buf *out);
/* Decode into an initialised edit. KV_ECORRUPT on malformed input (the
   edit may then hold part of the input; free it with kv_edit_free). */
int kv_edit_decode(struct kv_slice in, struct kv_version_edit *e, struct kv_err *err);

struct kv_manifest;

/* Write MANIFEST-<id> holding @snapshot, sync it, then point CURRENT at it.
   @manifest_id must not be the live manifest's. Caller closes *out. */
int kv_manifest_create(struct kv_device *dev, uint64_t manifest_id,
		       const struct kv_version_edit *snapshot, struct kv_manifest **out,
		       struct kv_err *err);
/* Append and sync one edit; durable when KV_OK. A failure is sticky (the
   manifest must then be abandoned: recover and create a new one). */
int kv_manifest_append(struct kv_manifest *m, const struct kv_version_edit *e,
		       struct kv_err *err);
/* Size of the manifest file (for rotation decisions). */
uint64_t kv_manifest_bytes(const struct kv_manifest *m);
uint64_t kv_manifest_id(const struct kv_manifest *m);
/* Close (everything appended is already synced). NULL is a no-op. */
void kv_manifest_close(struct kv_manifest *m);

/*
 * Read CURRENT and replay its manifest, calling @apply for each edit in
 * order (the edit is freed after the call). KV_NOTFOUND if there is no
 * CURRENT (a new store). *manifest_id (may be NULL) receives the id of
 * the manifest. A torn last edit is ignored; a bad CURRENT, a missing or
 * empty manifest, a malformed edit or damage before the tail is
 * KV_ECORRUPT naming the file (and offset). A non-zero return of @apply
 * stops the replay and is returned.
 */
int kv_manifest_recover(struct kv_device *dev,
			int (*apply)(void *ud, const struct kv_version_edit *e), void *ud,
			uint64_t *manifest_id, struct kv_err *err);

/* File names: "000012.log", "000012.sst", "MANIFEST-000012": @suffix
   ".log"/".sst"/... is appended to the number; the suffix "MANIFEST"
   gives the manifest's name. Truncated to fit @len (snprintf). */
void kv_lsm_file_name(char *buf, size_t len, uint64_t id, const char *suffix);

#endif
