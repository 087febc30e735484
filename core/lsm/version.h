/*
 * core/lsm/version.h - the LSM engine's current version: which SSTables
 * exist, in which level and sorted run, and the metadata view handed to
 * compaction strategies.
 *
 * Invariants (checked by kv_version_check):
 *  1. Each level's runs are ordered by run id, descending (newest first);
 *     run ids are unique within a level and no run is empty.
 *  2. Each run's files are ordered by smallest key, and their key ranges
 *     are disjoint: largest[i] < smallest[i+1].
 *  3. run->bytes is the sum of its files' bytes.
 *  4. A file id appears at most once in the version.
 *  5. Every file in the version holds one reference for the version.
 *
 * Files are reference counted: the version holds one reference, open scan
 * iterators, point reads and running jobs hold others. A file removed from
 * the version is marked obsolete; its SSTable is closed and deleted from
 * the device when the last reference is dropped (kv_lsm_file_unref).
 *
 * Threading: the version itself is not synchronized (the LSM engine
 * guards it with its mutex). refs is atomic, so references may be taken
 * and dropped from any thread while the file is reachable; the release
 * function runs in the thread that drops the last one.
 */
#ifndef KV_CORE_LSM_VERSION_H
#define KV_CORE_LSM_VERSION_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/lsm/manifest.h"
#include "core/lsm/sstable.h"
#include "core/lsm/strategy.h"

struct kv_lsm_file {
	struct kv_file_meta meta; /* smallest/largest point into keys */
	char *keys;
	size_t keys_len;
	struct kv_sst *sst;       /* open reader; NULL until opened */
	atomic_int refs;
	bool obsolete;            /* not in the version any more (set before
				     the version drops its reference) */
};

struct kv_lsm_run {
	uint64_t id;
	struct kv_lsm_file **files;
	size_t nfiles, cap;
	uint64_t bytes;
};

struct kv_lsm_level {
	struct kv_lsm_run *runs;
	size_t nruns, cap;
};

struct kv_version {
	int nlevels;
	struct kv_lsm_level levels[KV_MAX_LEVELS];
	uint64_t nfiles;
	uint64_t bytes;
	/* The strategy view, rebuilt by kv_version_view(). */
	struct kv_level view_levels[KV_MAX_LEVELS];
	struct kv_run *view_runs;
	size_t view_runs_cap;
	const struct kv_file_meta **view_files;
	size_t view_files_cap;
};

/* Called when a file's last reference goes: close and delete it. */
typedef void (*kv_lsm_file_release_fn)(void *ud, struct kv_lsm_file *f);

void kv_version_init(struct kv_version *v, int nlevels);
/* Drop the version's references (files released through @release). */
void kv_version_destroy(struct kv_version *v, kv_lsm_file_release_fn release, void *ud);

/* A new file object holding a copy of @meta (refs = 0). NULL on ENOMEM. */
struct kv_lsm_file *kv_lsm_file_new(const struct kv_file_meta *meta);
void kv_lsm_file_ref(struct kv_lsm_file *f);
void kv_lsm_file_unref(struct kv_lsm_file *f, kv_lsm_file_release_fn release, void *ud);
/* Free the object itself (after release closed/deleted the table). */
void kv_lsm_file_free(struct kv_lsm_file *f);

/*
 * Insert @f at @level into the run f->meta.run_id (created if absent);
 * takes one reference. KV_EINVAL (with @err) if it would break
 * invariant 2 or 4 (e.g. an overlapping file in the same run).
 */
int kv_version_add(struct kv_version *v, int level, struct kv_lsm_file *f,
		   struct kv_err *err);
/*
 * Remove file @id from @level, mark it obsolete and drop the version's
 * reference. KV_NOTFOUND if absent.
 */
int kv_version_remove(struct kv_version *v, int level, uint64_t id,
		      kv_lsm_file_release_fn release, void *ud);
/* Find a file anywhere (level returned in *level); NULL if absent. */
struct kv_lsm_file *kv_version_find(const struct kv_version *v, uint64_t id, int *level);

/* Index of the file in @run whose range may hold @key, or -1. */
long kv_run_find(const struct kv_lsm_run *run, struct kv_slice key);

/* Rebuild and return the strategy view (valid until the next change). */
const struct kv_version_view *kv_version_view(struct kv_version *v,
					      struct kv_version_view *view);

/* Fill @e with a snapshot of every file (adds only). */
int kv_version_snapshot(const struct kv_version *v, struct kv_version_edit *e);

/* Check the invariants; KV_ECORRUPT with a message if one fails. */
int kv_version_check(const struct kv_version *v, struct kv_err *err);

#endif
