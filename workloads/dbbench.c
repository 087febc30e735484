/*
 * workloads/dbbench.c - db_bench's benchmarks (workloads/dbbench.h).
 *
 * Invariants of struct kv_bench (checked by bench_check()):
 *  1. bits holds nwords = ceil(num / 64) words; bits at positions >= num
 *     are zero.
 *  2. live_keys == number of set bits; peak_live_keys >= live_keys.
 *  3. Every set bit is <= max_set (when live_keys > 0): max_set is the
 *     largest key number ever written, never lowered by deletes, so it
 *     bounds the bitmap scans of seek verification.
 */
#include "workloads/dbbench.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/device.h"
#include "core/rng.h"
#include "core/stats.h"
#include "workloads/keygen.h"

#define STREAM_STEP 0x9e3779b97f4a7c15ULL

struct kv_bench {
	struct kv_bench_params p;
	struct kv_keygen gen;
	uint64_t *bits;
	size_t nwords;
	uint64_t live_keys;
	uint64_t peak_live_keys;
	uint64_t max_set;
	bool any_set;
	unsigned runs;            /* benchmarks run so far: seeds each key stream */
	struct kv_rng rng;        /* key choice of the running benchmark */
	struct kv_hist lat_snap;  /* latency histogram at benchmark start */
};

static const char *const bench_names[KV_BENCH__COUNT] = {
	[KV_BENCH_FILLSEQ] = "fillseq",
	[KV_BENCH_FILLRANDOM] = "fillrandom",
	[KV_BENCH_OVERWRITE] = "overwrite",
	[KV_BENCH_READRANDOM] = "readrandom",
	[KV_BENCH_READSEQ] = "readseq",
	[KV_BENCH_SEEKRANDOM] = "seekrandom",
	[KV_BENCH_DELETERANDOM] = "deleterandom",
	[KV_BENCH_COMPACT] = "compact",
};

const char *kv_bench_name(enum kv_bench_kind kind)
{
	return (unsigned)kind < KV_BENCH__COUNT ? bench_names[kind] : "?";
}

int kv_bench_find(const char *name)
{
	for (int i = 0; i < KV_BENCH__COUNT; i++)
		if (strcmp(bench_names[i], name) == 0)
			return i;
	return -1;
}

void kv_bench_names(char *buf, size_t len, const char *sep)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < KV_BENCH__COUNT; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? sep : "", bench_names[i]);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

enum kv_op kv_bench_op(enum kv_bench_kind kind)
{
	switch (kind) {
	case KV_BENCH_READRANDOM:
		return KV_OP_GET;
	case KV_BENCH_READSEQ:
	case KV_BENCH_SEEKRANDOM:
		return KV_OP_SCAN;
	case KV_BENCH_DELETERANDOM:
		return KV_OP_DELETE;
	case KV_BENCH_FILLSEQ:
	case KV_BENCH_FILLRANDOM:
	case KV_BENCH_OVERWRITE:
	case KV_BENCH_COMPACT:
	case KV_BENCH__COUNT:
		break;
	}
	return KV_OP_PUT;
}

/* ----------------------------------------------------------- the bitmap */

static inline bool bit_get(const struct kv_bench *b, uint64_t n)
{
	return (b->bits[n >> 6] >> (n & 63)) & 1;
}

static bool bench_check(const struct kv_bench *b)
{
	uint64_t count = 0;
	size_t top = b->any_set ? (size_t)(b->max_set >> 6) : 0;

	if (b->nwords != (b->p.num + 63) / 64 || b->peak_live_keys < b->live_keys)
		return false;
	if (!b->any_set && b->live_keys != 0)
		return false;
	for (size_t w = 0; w < b->nwords; w++) {
		count += (uint64_t)__builtin_popcountll(b->bits[w]);
		if (b->bits[w] && (w > top || !b->any_set))
			return false;
	}
	if (count != b->live_keys)
		return false;
	if (b->p.num % 64 && (b->bits[b->nwords - 1] >> (b->p.num % 64)) != 0)
		return false;
	if (b->any_set && (b->max_set & 63) != 63 && (b->bits[top] >> ((b->max_set & 63) + 1)))
		return false;
	return true;
}

static inline void mark_live(struct kv_bench *b, uint64_t n)
{
	uint64_t m = (uint64_t)1 << (n & 63);

	if (!(b->bits[n >> 6] & m)) {
		b->bits[n >> 6] |= m;
		if (++b->live_keys > b->peak_live_keys)
			b->peak_live_keys = b->live_keys;
	}
	if (!b->any_set || n > b->max_set) {
		b->max_set = n;
		b->any_set = true;
	}
}

static inline void mark_dead(struct kv_bench *b, uint64_t n)
{
	uint64_t m = (uint64_t)1 << (n & 63);

	if (b->bits[n >> 6] & m) {
		b->bits[n >> 6] &= ~m;
		b->live_keys--;
	}
}

/* Smallest live key number >= n and <= limit, or UINT64_MAX if none. */
static uint64_t next_live(const struct kv_bench *b, uint64_t n, uint64_t limit)
{
	size_t w;
	uint64_t word;

	if (!b->any_set || n > b->max_set)
		return UINT64_MAX;
	if (limit > b->max_set)
		limit = b->max_set;
	w = (size_t)(n >> 6);
	word = b->bits[w] & (~(uint64_t)0 << (n & 63));
	for (;;) {
		if (word) {
			uint64_t found = ((uint64_t)w << 6) + (uint64_t)__builtin_ctzll(word);
			return found <= limit ? found : UINT64_MAX;
		}
		if (((uint64_t)w << 6) + 63 >= limit)
			return UINT64_MAX;
		word = b->bits[++w];
	}
}

/* ------------------------------------------------------------ the runner */

int kv_bench_new(const struct kv_bench_params *p, struct kv_bench **out, struct kv_err *err)
{
	struct kv_bench *b;
	int rc;

	*out = NULL;
	if (p->num == 0)
		return kv_err_set(err, KV_EINVAL, "num must be at least 1");
	if (p->seek_nexts == 0)
		return kv_err_set(err, KV_EINVAL, "seek_nexts must be at least 1");
	if ((p->num + 63) / 64 > SIZE_MAX / sizeof(uint64_t))
		return kv_err_set(err, KV_ENOMEM, "num %llu is too large for the live-key bitmap",
				  (unsigned long long)p->num);
	b = kv_calloc(KV_MEM_WORKLOAD, sizeof(*b));
	if (!b)
		return kv_err_set(err, KV_ENOMEM, "benchmark runner: out of memory");
	b->p = *p;
	rc = kv_keygen_init(&b->gen, p->num, p->key_size, p->value_size, p->seed, err);
	if (rc != KV_OK)
		goto out_free_bench;
	b->nwords = (size_t)((p->num + 63) / 64);
	b->bits = kv_calloc(KV_MEM_WORKLOAD, b->nwords * sizeof(uint64_t));
	if (!b->bits) {
		rc = kv_err_set(err, KV_ENOMEM,
				"out of memory for the live-key bitmap of num %llu (%zu bytes)",
				(unsigned long long)p->num, b->nwords * sizeof(uint64_t));
		goto out_destroy_gen;
	}
	assert(bench_check(b));
	*out = b;
	return KV_OK;

out_destroy_gen:
	kv_keygen_destroy(&b->gen);
out_free_bench:
	kv_free(KV_MEM_WORKLOAD, b, sizeof(*b));
	return rc;
}

void kv_bench_free(struct kv_bench *b)
{
	if (!b)
		return;
	kv_free(KV_MEM_WORKLOAD, b->bits, b->nwords * sizeof(uint64_t));
	kv_keygen_destroy(&b->gen);
	kv_free(KV_MEM_WORKLOAD, b, sizeof(*b));
}

uint64_t kv_bench_live_keys(const struct kv_bench *b)
{
	return b->live_keys;
}

uint64_t kv_bench_live_bytes(const struct kv_bench *b)
{
	return b->live_keys * (uint64_t)(b->p.key_size + b->p.value_size);
}

uint64_t kv_bench_peak_live_bytes(const struct kv_bench *b)
{
	return b->peak_live_keys * (uint64_t)(b->p.key_size + b->p.value_size);
}

static uint64_t wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int engine_fail(struct kv_bench *b, struct kv_engine *e, enum kv_bench_kind kind,
		       const char *what, uint64_t n, int rc, struct kv_err *err)
{
	char key[64];
	size_t len = b->gen.key_size < sizeof(key) - 1 ? b->gen.key_size : sizeof(key) - 1;

	kv_keygen_format(n, b->gen.key_buf, b->gen.key_size);
	memcpy(key, b->gen.key_buf + (b->gen.key_size - len), len);
	key[len] = '\0';
	return kv_err_set(err, rc < 0 ? rc : KV_EIO, "%s: %s of key %s failed: %s (%s)",
			  kv_bench_name(kind), what, key, kv_engine_errmsg(e),
			  kv_status_name(rc));
}

static int verify_fail(enum kv_bench_kind kind, struct kv_slice key, const char *what,
		       struct kv_err *err)
{
	return kv_err_set(err, KV_ECORRUPT, "%s: verify: key %.*s: %s", kv_bench_name(kind),
			  (int)(key.len < 64 ? key.len : 64), key.data, what);
}

static int run_puts(struct kv_bench *b, struct kv_engine *e, enum kv_bench_kind kind,
		    struct kv_bench_result *res, struct kv_err *err)
{
	bool seq = kind == KV_BENCH_FILLSEQ;

	for (uint64_t i = 0; i < b->p.num; i++) {
		uint64_t n = seq ? i : kv_rng_below(&b->rng, b->p.num);
		struct kv_slice key = kv_keygen_key(&b->gen, n);
		struct kv_slice val = kv_keygen_value(&b->gen);
		int rc = kv_engine_put(e, key, val);

		if (rc != KV_OK)
			return engine_fail(b, e, kind, "put", n, rc, err);
		mark_live(b, n);
		res->bytes += key.len + val.len;
	}
	res->ops = b->p.num;
	return KV_OK;
}

static int run_deletes(struct kv_bench *b, struct kv_engine *e, struct kv_bench_result *res,
		       struct kv_err *err)
{
	for (uint64_t i = 0; i < b->p.num; i++) {
		uint64_t n = kv_rng_below(&b->rng, b->p.num);
		struct kv_slice key = kv_keygen_key(&b->gen, n);
		int rc = kv_engine_delete(e, key);

		if (rc != KV_OK)
			return engine_fail(b, e, KV_BENCH_DELETERANDOM, "delete", n, rc, err);
		mark_dead(b, n);
		res->bytes += key.len;
	}
	res->ops = b->p.num;
	return KV_OK;
}

static int run_gets(struct kv_bench *b, struct kv_engine *e, struct kv_bench_result *res,
		    struct kv_err *err)
{
	for (uint64_t i = 0; i < b->p.reads; i++) {
		uint64_t n = kv_rng_below(&b->rng, b->p.num);
		struct kv_slice key = kv_keygen_key(&b->gen, n);
		struct kv_slice val;
		int rc = kv_engine_get(e, key, &val);

		if (rc == KV_OK) {
			res->found++;
			res->bytes += key.len + val.len;
			if (b->p.verify && !bit_get(b, n))
				return verify_fail(KV_BENCH_READRANDOM, key,
						   "found, but it was never written or was "
						   "deleted", err);
			if (b->p.verify && val.len != b->p.value_size)
				return verify_fail(KV_BENCH_READRANDOM, key,
						   "value has the wrong length", err);
		} else if (rc == KV_NOTFOUND) {
			res->not_found++;
			if (b->p.verify && bit_get(b, n))
				return verify_fail(KV_BENCH_READRANDOM, key,
						   "not found, but it is live", err);
		} else {
			return engine_fail(b, e, KV_BENCH_READRANDOM, "get", n, rc, err);
		}
	}
	res->ops = b->p.reads;
	return KV_OK;
}

/*
 * Check one scanned entry against the bitmap: it must be the first live
 * key at or after *expect_from; on success *expect_from moves past it.
 */
static int verify_scanned(struct kv_bench *b, enum kv_bench_kind kind, struct kv_slice key,
			  struct kv_slice val, uint64_t *expect_from, struct kv_err *err)
{
	uint64_t n, want;

	if (key.len != b->p.key_size || kv_keygen_parse(key, &n) != KV_OK || n >= b->p.num)
		return verify_fail(kind, key, "not a key this benchmark writes", err);
	if (n < *expect_from)
		return verify_fail(kind, key, "out of order", err);
	want = next_live(b, *expect_from, n);
	if (want != n) {
		if (want == UINT64_MAX)
			return verify_fail(kind, key, "returned, but it is not live", err);
		return verify_fail(kind, key, "returned, but a smaller live key was skipped",
				   err);
	}
	if (val.len != b->p.value_size)
		return verify_fail(kind, key, "value has the wrong length", err);
	*expect_from = n + 1;
	return KV_OK;
}

static int scan_error(struct kv_iter *it, enum kv_bench_kind kind, struct kv_err *err)
{
	int rc = kv_iter_status(it);

	return kv_err_set(err, rc < 0 ? rc : KV_EIO, "%s: scan failed: %s", kv_bench_name(kind),
			  kv_iter_errmsg(it));
}

static int run_readseq(struct kv_bench *b, struct kv_engine *e, struct kv_bench_result *res,
		       struct kv_err *err)
{
	struct kv_slice none = { NULL, 0 };
	struct kv_iter *it;
	uint64_t expect_from = 0;
	int rc = kv_engine_scan(e, none, none, &it);

	if (rc != KV_OK)
		return kv_err_set(err, rc < 0 ? rc : KV_EIO, "readseq: scan failed: %s",
				  kv_engine_errmsg(e));
	for (; kv_iter_valid(it); kv_iter_next(it)) {
		struct kv_slice key = kv_iter_key(it), val = kv_iter_value(it);

		res->entries_read++;
		res->bytes += key.len + val.len;
		if (b->p.verify) {
			rc = verify_scanned(b, KV_BENCH_READSEQ, key, val, &expect_from, err);
			if (rc != KV_OK)
				goto out_close;
		}
	}
	if (kv_iter_status(it) != KV_OK) {
		rc = scan_error(it, KV_BENCH_READSEQ, err);
		goto out_close;
	}
	if (b->p.verify && res->entries_read != b->live_keys)
		rc = kv_err_set(err, KV_ECORRUPT,
				"readseq: verify: scan returned %llu entries, %llu keys are live",
				(unsigned long long)res->entries_read,
				(unsigned long long)b->live_keys);
	res->ops = res->entries_read;
	res->found = res->entries_read;
out_close:
	kv_iter_close(it);
	return rc;
}

static int run_seeks(struct kv_bench *b, struct kv_engine *e, struct kv_bench_result *res,
		     struct kv_err *err)
{
	struct kv_slice none = { NULL, 0 };
	uint64_t seeks = b->p.reads / b->p.seek_nexts;

	if (seeks == 0)
		seeks = 1;
	for (uint64_t i = 0; i < seeks; i++) {
		uint64_t n = kv_rng_below(&b->rng, b->p.num), expect_from = n, got = 0;
		struct kv_slice lo = kv_keygen_key(&b->gen, n);
		struct kv_iter *it;
		int rc = kv_engine_scan(e, lo, none, &it);

		if (rc != KV_OK)
			return engine_fail(b, e, KV_BENCH_SEEKRANDOM, "seek", n, rc, err);
		while (kv_iter_valid(it)) {
			struct kv_slice key = kv_iter_key(it), val = kv_iter_value(it);

			got++;
			res->bytes += key.len + val.len;
			if (b->p.verify) {
				rc = verify_scanned(b, KV_BENCH_SEEKRANDOM, key, val, &expect_from,
						    err);
				if (rc != KV_OK) {
					kv_iter_close(it);
					return rc;
				}
			}
			if (got == b->p.seek_nexts)
				break;
			kv_iter_next(it);
		}
		if (kv_iter_status(it) != KV_OK) {
			rc = scan_error(it, KV_BENCH_SEEKRANDOM, err);
			kv_iter_close(it);
			return rc;
		}
		kv_iter_close(it);
		if (b->p.verify && got < b->p.seek_nexts &&
		    next_live(b, expect_from, UINT64_MAX) != UINT64_MAX)
			return kv_err_set(err, KV_ECORRUPT,
					  "seekrandom: verify: scan from key number %llu ended "
					  "after %llu entries, but live keys follow",
					  (unsigned long long)n, (unsigned long long)got);
		if (got)
			res->found++;
		else
			res->not_found++;
		res->entries_read += got;
	}
	res->ops = seeks;
	return KV_OK;
}

/* Latency of the benchmark's operations: the engine histogram minus the
   snapshot taken at its start (percentiles within one bucket, ~1.6 %). */
static void latency_delta(struct kv_bench *b, const struct kv_hist *now, enum kv_op op,
			  struct kv_bench_latency *lat)
{
	struct kv_hist *d = &b->lat_snap;

	if (d->count == 0) {
		memcpy(d, now, sizeof(*d));
	} else {
		for (unsigned i = 0; i < KV_HIST_BUCKETS; i++)
			d->buckets[i] = now->buckets[i] - d->buckets[i];
		d->count = now->count - d->count;
		d->sum = now->sum - d->sum;
		d->min = 0;
		d->max = now->max;
		if (d->count)
			d->max = kv_hist_percentile(d, 100.0 - 1e-10);
	}
	lat->op = op;
	lat->count = d->count;
	lat->mean = kv_hist_mean(d);
	lat->p50 = kv_hist_percentile(d, 50);
	lat->p90 = kv_hist_percentile(d, 90);
	lat->p99 = kv_hist_percentile(d, 99);
	lat->p999 = kv_hist_percentile(d, 99.9);
	lat->max = d->count ? d->max : 0;
}

int kv_bench_run(struct kv_bench *b, struct kv_engine *e, enum kv_bench_kind kind,
		 struct kv_bench_result *res, struct kv_err *err)
{
	struct kv_dev_stats ds;
	enum kv_op op = kv_bench_op(kind);
	uint64_t w0, d0, bw0, br0;
	int rc;

	assert(bench_check(b));
	memset(res, 0, sizeof(*res));
	res->kind = kind;
	if ((unsigned)kind >= KV_BENCH__COUNT)
		return kv_err_set(err, KV_EINVAL, "unknown benchmark %d", (int)kind);
	b->runs++;
	kv_rng_seed(&b->rng, b->p.seed + (uint64_t)b->runs * STREAM_STEP);
	memcpy(&b->lat_snap, &kv_engine_stats(e)->lat_ns[op], sizeof(b->lat_snap));
	kv_dev_get_stats(e->dev, &ds);
	bw0 = kv_io_bytes_written(&ds, true);
	br0 = kv_io_bytes_read(&ds);
	d0 = kv_dev_now_ns(e->dev);
	w0 = wall_now_ns();

	switch (kind) {
	case KV_BENCH_FILLSEQ:
	case KV_BENCH_FILLRANDOM:
	case KV_BENCH_OVERWRITE:
		rc = run_puts(b, e, kind, res, err);
		break;
	case KV_BENCH_READRANDOM:
		rc = run_gets(b, e, res, err);
		break;
	case KV_BENCH_READSEQ:
		rc = run_readseq(b, e, res, err);
		break;
	case KV_BENCH_SEEKRANDOM:
		rc = run_seeks(b, e, res, err);
		break;
	case KV_BENCH_DELETERANDOM:
		rc = run_deletes(b, e, res, err);
		break;
	case KV_BENCH_COMPACT:
		rc = kv_engine_compact_all(e);
		if (rc != KV_OK)
			rc = kv_err_set(err, rc < 0 ? rc : KV_EIO, "compact: %s",
					kv_engine_errmsg(e));
		res->ops = 1;
		break;
	default:
		rc = KV_EINVAL;
		break;
	}

	res->wall_ns = wall_now_ns() - w0;
	/* As db_bench, the phase ends when its last operation returns; the
	   engine's background work still running then is waited for here
	   (timed apart), so the next phase and the counters see it done. */
	w0 = wall_now_ns();
	res->background = kv_engine_wait_idle(e);
	res->bg_wait_ns = res->background ? wall_now_ns() - w0 : 0;
	res->device_ns = kv_dev_now_ns(e->dev) - d0;
	kv_dev_get_stats(e->dev, &ds);
	res->device_bytes_written = kv_io_bytes_written(&ds, true) - bw0;
	res->device_bytes_read = kv_io_bytes_read(&ds) - br0;
	res->live_keys = b->live_keys;
	res->live_bytes = kv_bench_live_bytes(b);
	latency_delta(b, &kv_engine_stats(e)->lat_ns[op], op, &res->lat);
	assert(bench_check(b));
	return rc;
}
