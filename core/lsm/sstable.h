/*
 * core/lsm/sstable.h - SSTable writer and reader. Byte layout: docs/formats.md.
 *
 * A table holds entries in strictly ascending user-key order (one version
 * per key: the engine deduplicates before writing), each with its
 * kv_entry_meta (seq, ts, kind). It has data blocks of block_bytes with
 * restart points, a block index, an optional Bloom filter over user keys,
 * a properties block (the metadata strategies need), and a footer with
 * magic and format version. Every block carries an XXH3 checksum that the
 * reader validates before it trusts a byte: a bad checksum, length or
 * magic is KV_ECORRUPT with the file name and offset in the message.
 *
 * Reader memory: the index and the filter are held in memory for the life
 * of the reader (KV_MEM_TABLE); data blocks go through the block cache.
 */
#ifndef KV_CORE_LSM_SSTABLE_H
#define KV_CORE_LSM_SSTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/device.h"
#include "core/iter.h"
#include "core/slice.h"
#include "core/status.h"

struct kv_block_cache;

struct kv_sst_writer_opts {
	uint32_t block_bytes;        /* target uncompressed data block size */
	uint32_t restart_interval;   /* keys between restart points (16) */
	uint32_t bloom_bits_per_key; /* 0: no filter */
};

/* The properties block: what the manifest and the strategies need. */
struct kv_sst_props {
	uint64_t entries, tombstones;
	uint64_t key_bytes, value_bytes;
	uint64_t min_ts_ns, max_ts_ns;
	uint64_t min_seq, max_seq;
	uint64_t data_blocks;
	uint64_t data_bytes, index_bytes, filter_bytes;
	uint64_t file_bytes;
	struct kv_buf smallest, largest; /* owned by the props */
};

void kv_sst_props_free(struct kv_sst_props *p);

/* Counters a lookup adds to (owned by the caller). */
struct kv_sst_read_stats {
	uint64_t bloom_checks;     /* filter consulted */
	uint64_t bloom_negatives;  /* filter said "absent": block read avoided */
	uint64_t bloom_false_pos;  /* filter said "maybe", key absent */
	uint64_t index_probes;
	uint64_t block_reads;      /* data blocks read from the device */
	uint64_t cache_hits;       /* data blocks found in the cache */
};

struct kv_sst_writer;

/*
 * Create file @name on @dev (kind KV_FILE_SST) and start a table.
 * On failure *out is NULL and the device error names the file.
 */
int kv_sst_writer_open(struct kv_device *dev, const char *name,
		       const struct kv_sst_writer_opts *opts, struct kv_sst_writer **out,
		       struct kv_err *err);

/* Add an entry; keys strictly ascending. Errors are sticky. */
int kv_sst_writer_add(struct kv_sst_writer *w, struct kv_slice key, struct kv_slice value,
		      const struct kv_entry_meta *meta);

/* Bytes the file would have if finished now (estimate, for rotation). */
uint64_t kv_sst_writer_bytes(const struct kv_sst_writer *w);
uint64_t kv_sst_writer_entries(const struct kv_sst_writer *w);

/*
 * Write filter, index, properties and footer; sync; close the file.
 * Fills *props (caller frees with kv_sst_props_free). Frees the writer
 * whatever the outcome.
 */
int kv_sst_writer_finish(struct kv_sst_writer *w, struct kv_sst_props *props,
			 struct kv_err *err);

/* Close and remove the unfinished file; frees the writer. NULL is a no-op. */
void kv_sst_writer_abandon(struct kv_sst_writer *w);

struct kv_sst;

/*
 * Open table @name: read and validate footer, properties, index and filter.
 * @file_id keys its blocks in @cache (may be NULL: no cache).
 */
int kv_sst_open(struct kv_device *dev, const char *name, uint64_t file_id,
		struct kv_block_cache *cache, struct kv_sst **out, struct kv_err *err);
void kv_sst_close(struct kv_sst *t);

const struct kv_sst_props *kv_sst_props(const struct kv_sst *t);

/*
 * Point lookup of user key @key. KV_OK: *value holds a copy of the value
 * (empty for a tombstone) and *meta its metadata; KV_NOTFOUND; or an error
 * with @err naming file and offset. @st (may be NULL) is added to.
 */
int kv_sst_get(struct kv_sst *t, struct kv_slice key, struct kv_buf *value,
	       struct kv_entry_meta *meta, struct kv_sst_read_stats *st, struct kv_err *err);

/*
 * The same lookup with the key's hash computed once by the caller
 * (kv_sst_key_hash), so a read that probes several tables hashes once.
 */
int kv_sst_get_hashed(struct kv_sst *t, struct kv_slice key, uint64_t key_hash,
		      struct kv_buf *value, struct kv_entry_meta *meta,
		      struct kv_sst_read_stats *st, struct kv_err *err);
uint64_t kv_sst_key_hash(struct kv_slice key);

/*
 * An internal iterator over the table (meta() implemented). @fill_cache:
 * whether blocks read are inserted into the block cache (false for
 * compaction inputs). The table must outlive the iterator. NULL on ENOMEM.
 */
struct kv_iter *kv_sst_iter(struct kv_sst *t, bool fill_cache);

#endif
