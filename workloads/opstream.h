/*
 * workloads/opstream.h - the one operation-stream interface every workload
 * source implements: the generators (named workloads, YCSB .properties)
 * and the trace readers (CSV, CS265, BU). The runner (workloads/runner.h)
 * pulls operations from a source and executes them on an engine.
 *
 * An operation names its key as bytes, and, when the source works on
 * integer key numbers (every generator; the CS265 and BU readers, whose
 * keys are int32), also as a number: the runner then tracks live keys in a
 * compact array indexed by the number instead of a hash table.
 *
 * Ownership: the slices of a struct kv_wl_op are borrowed until the next
 * call on the same source.
 */
#ifndef KV_WORKLOADS_OPSTREAM_H
#define KV_WORKLOADS_OPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "core/status.h"

/* Operation types; also the index of the runner's per-type counters. */
enum kv_wl_kind {
	KV_WL_READ = 0,     /* get key */
	KV_WL_UPDATE,       /* put key (a key the workload believes exists) */
	KV_WL_INSERT,       /* put key (a new key) */
	KV_WL_DELETE,       /* delete key */
	KV_WL_SCAN,         /* read up to scan_len entries (0: no limit) from key, below hi */
	KV_WL_RMW,          /* read-modify-write: get key, then put key */
	KV_WL_RANGE_DELETE, /* delete every live key in [key, hi) (scan, then deletes) */
	KV_WL_STATS,        /* CS265 `s`: no engine call; the runner counts it */
	KV_WL__COUNT
};

/* "read", "update", "insert", "delete", "scan", "rmw", "range_delete", "stats". */
const char *kv_wl_kind_name(enum kv_wl_kind kind);

struct kv_wl_op {
	enum kv_wl_kind kind;
	bool has_keynum;      /* keynum (and hi_keynum for ranges) are valid */
	uint64_t keynum;
	uint64_t hi_keynum;
	struct kv_slice key;  /* 1..KV_MAX_KEY_BYTES bytes */
	struct kv_slice hi;   /* SCAN/RANGE_DELETE exclusive bound; data NULL = none */
	uint64_t scan_len;    /* SCAN: at most this many entries; 0 = until hi */
	size_t value_len;     /* UPDATE/INSERT/RMW: bytes of the value written */
	struct kv_slice value; /* explicit value bytes (data != NULL, len ==
				  value_len); data NULL: the runner generates
				  value_len incompressible bytes from the seed */
};

struct kv_wl_source;

struct kv_wl_source_ops {
	const char *name;
	/*
	 * The next operation into *op: KV_OK, KV_NOTFOUND at the end of the
	 * stream, or an error with @err set (trace readers: KV_EINVAL with
	 * "file:line: expected ..."; KV_EIO for read errors).
	 */
	int (*next)(struct kv_wl_source *s, struct kv_wl_op *op, struct kv_err *err);
	/* Release the source (and the struct itself). */
	void (*close)(struct kv_wl_source *s);
};

/* Implementations embed this as their first member. */
struct kv_wl_source {
	const struct kv_wl_source_ops *ops;
	uint64_t total_ops;  /* operations the stream will yield; 0 = unknown */
	bool numeric_keys;   /* every op has has_keynum set */
	uint64_t key_space;  /* numeric: key numbers seen at the start are < key_space
				(a sizing hint; inserts may go beyond it) */
};

static inline int kv_wl_next(struct kv_wl_source *s, struct kv_wl_op *op, struct kv_err *err)
{
	return s->ops->next(s, op, err);
}

/* Close a source; NULL is a no-op. */
static inline void kv_wl_close(struct kv_wl_source *s)
{
	if (s)
		s->ops->close(s);
}

#endif
