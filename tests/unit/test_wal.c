/*
 * tests/unit/test_wal.c - the log (core/lsm/wal.c) and the write batch
 * (core/lsm/write_batch.c) on the RAM device: roundtrips, torn tails at
 * every byte, crashes, mid-log corruption, malformed batches.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/coding.h"
#include "core/device.h"
#include "core/lsm/wal.h"
#include "core/lsm/write_batch.h"
#include "core/rng.h"
#include "devices/mem.h"

#define LOG_NAME "000007.log"

static uint64_t seed;

static struct kv_device *open_dev(void)
{
	struct kv_device *dev = NULL;
	struct kv_err err;

	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &dev, &err), KV_OK);
	return dev;
}

/* Payload of record @i of a stream: size @len, bytes derived from seed and i. */
static void make_payload(uint64_t stream, uint64_t i, char *buf, size_t len)
{
	struct kv_rng r;

	kv_rng_seed(&r, stream * 1000003u + i);
	kv_rng_fill(&r, buf, len);
}

/* The expected records of a test: sizes; bytes regenerated on demand. */
struct expect {
	uint64_t stream;
	size_t n;
	size_t *sizes;
	uint64_t *ends; /* file offset just past record i */
	size_t seen;
	char *scratch;
	size_t scratch_len;
	int stop_at; /* return 99 from the callback at this record (-1: never) */
};

static int expect_cb(void *ud, struct kv_slice payload)
{
	struct expect *x = ud;

	if (x->stop_at >= 0 && x->seen == (size_t)x->stop_at)
		return 99;
	assert_true(x->seen < x->n);
	assert_int_equal(payload.len, x->sizes[x->seen]);
	make_payload(x->stream, x->seen, x->scratch, payload.len);
	assert_true(payload.len == 0 || memcmp(payload.data, x->scratch, payload.len) == 0);
	x->seen++;
	return 0;
}

static void expect_init(struct expect *x, uint64_t stream, size_t n, size_t max_len)
{
	memset(x, 0, sizeof(*x));
	x->stream = stream;
	x->n = n;
	x->sizes = kv_calloc(KV_MEM_OTHER, n * sizeof(*x->sizes));
	x->ends = kv_calloc(KV_MEM_OTHER, n * sizeof(*x->ends));
	x->scratch_len = max_len + 1;
	x->scratch = kv_malloc(KV_MEM_OTHER, x->scratch_len);
	x->stop_at = -1;
	assert_non_null(x->sizes);
	assert_non_null(x->ends);
	assert_non_null(x->scratch);
}

static void expect_free(struct expect *x)
{
	kv_free(KV_MEM_OTHER, x->sizes, x->n * sizeof(*x->sizes));
	kv_free(KV_MEM_OTHER, x->ends, x->n * sizeof(*x->ends));
	kv_free(KV_MEM_OTHER, x->scratch, x->scratch_len);
}

/* Write records [from, to) of @x with @w, syncing none. */
static void write_records(struct kv_log_writer *w, struct expect *x, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		make_payload(x->stream, i, x->scratch, x->sizes[i]);
		assert_int_equal(kv_log_add(w, kv_slice_make(x->scratch, x->sizes[i])), KV_OK);
		x->ends[i] = kv_log_bytes(w);
	}
}

/* Write a whole small-record log of @n records; returns the file bytes. */
static void small_log(struct kv_device *dev, struct expect *x, struct kv_rng *r, size_t n,
		      size_t max_len)
{
	struct kv_log_writer *w;
	struct kv_err err;

	expect_init(x, kv_rng_next(r), n, max_len);
	for (size_t i = 0; i < n; i++)
		x->sizes[i] = (size_t)kv_rng_below(r, max_len + 1);
	assert_int_equal(kv_log_writer_open(dev, LOG_NAME, KV_FILE_WAL, &w, &err), KV_OK);
	write_records(w, x, 0, n);
	assert_int_equal(kv_log_sync(w), KV_OK);
	kv_log_writer_close(w);
}

/* The whole file's bytes (caller frees with kv_free(KV_MEM_OTHER, p, *len)). */
static char *read_all(struct kv_device *dev, const char *name, size_t *len)
{
	struct kv_file *f;
	uint64_t size;
	char *p;

	assert_int_equal(kv_dev_open_file(dev, name, KV_FILE_WAL, &f), KV_OK);
	assert_int_equal(kv_dev_size(f, &size), KV_OK);
	p = kv_malloc(KV_MEM_OTHER, size ? size : 1);
	assert_non_null(p);
	if (size)
		assert_int_equal(kv_dev_read(f, 0, p, size), KV_OK);
	kv_dev_close_file(f);
	*len = size;
	return p;
}

/* Replace the file's content with @len bytes of @p. */
static void write_all(struct kv_device *dev, const char *name, const char *p, size_t len)
{
	struct kv_file *f;

	assert_int_equal(kv_dev_create(dev, name, KV_FILE_WAL, &f), KV_OK);
	if (len)
		assert_int_equal(kv_dev_append(f, p, len), KV_OK);
	assert_int_equal(kv_dev_sync(f), KV_OK);
	kv_dev_close_file(f);
}

static int replay(struct kv_device *dev, struct expect *x, struct kv_log_replay_info *info,
		  struct kv_err *err)
{
	x->seen = 0;
	memset(info, 0xa5, sizeof(*info));
	kv_err_clear(err);
	return kv_log_replay(dev, LOG_NAME, KV_FILE_WAL, expect_cb, x, info, err);
}

/* ---- tests ---- */

static void test_roundtrip_random_sizes(void **state)
{
	size_t n = tu_slow() ? 400 : 120, mem0 = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_device *dev = open_dev();
	struct kv_log_replay_info info;
	struct kv_dev_stats st;
	struct kv_log_writer *w;
	struct kv_rng r;
	struct expect x;
	struct kv_err err;
	uint64_t big = 0;

	(void)state;
	kv_rng_seed(&r, seed);
	expect_init(&x, kv_rng_next(&r), n, 1 << 20);
	for (size_t i = 0; i < n; i++) {
		uint64_t c = kv_rng_below(&r, 20);

		x.sizes[i] = c == 0   ? 0
			     : c == 1 ? (1 << 20)
			     : c < 4  ? kv_rng_below(&r, 300000)
				      : kv_rng_below(&r, 2000);
		if (x.sizes[i] + KV_LOG_HEADER_BYTES > (1 << 20))
			big++;
	}
	x.sizes[0] = 0;
	x.sizes[n - 1] = 1 << 20;
	big++;
	assert_int_equal(kv_log_writer_open(dev, LOG_NAME, KV_FILE_WAL, &w, &err), KV_OK);
	assert_string_equal(kv_log_name(w), LOG_NAME);
	write_records(w, &x, 0, n / 2);
	assert_int_equal(kv_log_unsynced_bytes(w), kv_log_bytes(w));
	assert_int_equal(kv_log_sync(w), KV_OK);
	assert_int_equal(kv_log_unsynced_bytes(w), 0);
	write_records(w, &x, n / 2, n);
	assert_int_equal(kv_log_sync(w), KV_OK);
	assert_int_equal(kv_log_err(w, &err), KV_OK);
	kv_dev_get_stats(dev, &st);
	assert_int_equal(st.kind[KV_FILE_WAL].writes, n); /* one append per record */
	assert_int_equal(st.kind[KV_FILE_WAL].bytes_written, kv_log_bytes(w));
	assert_int_equal(kv_log_bytes(w), x.ends[n - 1]);
	kv_log_writer_close(w);

	kv_dev_reset_stats(dev);
	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_int_equal(x.seen, n);
	assert_int_equal(info.records, n);
	assert_int_equal(info.valid_bytes, x.ends[n - 1]);
	assert_int_equal(info.file_bytes, x.ends[n - 1]);
	assert_false(info.torn_tail);
	/* Large reads, not one per record. */
	kv_dev_get_stats(dev, &st);
	assert_true(st.kind[KV_FILE_WAL].reads <= info.file_bytes / (1 << 20) + 2 * big + 2);
	assert_int_equal(st.kind[KV_FILE_WAL].bytes_read, info.file_bytes);

	/* The callback's non-zero return stops replay and is returned. */
	x.stop_at = (int)(n / 3);
	assert_int_equal(replay(dev, &x, &info, &err), 99);
	assert_int_equal(x.seen, n / 3);

	expect_free(&x);
	kv_dev_close(dev);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

static void test_torn_tail_every_offset(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_log_replay_info info;
	size_t n = 30, len;
	struct kv_rng r;
	struct expect x;
	struct kv_err err;
	uint64_t from;
	char *all;

	(void)state;
	kv_rng_seed(&r, seed + 1);
	small_log(dev, &x, &r, n, 400);
	all = read_all(dev, LOG_NAME, &len);
	assert_int_equal(len, x.ends[n - 1]);
	from = x.ends[n - 3];
	for (uint64_t cut = from; cut <= len; cut++) {
		size_t whole = 0;

		while (whole < n && x.ends[whole] <= cut)
			whole++;
		write_all(dev, LOG_NAME, all, (size_t)cut);
		assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
		assert_int_equal(x.seen, whole);
		assert_int_equal(info.records, whole);
		assert_int_equal(info.valid_bytes, x.ends[whole - 1]);
		assert_int_equal(info.file_bytes, cut);
		assert_int_equal(info.torn_tail, cut != x.ends[whole - 1]);
	}
	kv_free(KV_MEM_OTHER, all, len);
	expect_free(&x);
	kv_dev_close(dev);
}

/* Recompute the header check of the record header at p (as a writer would). */
static void fix_header_check(char *p)
{
	uint16_t c = (uint16_t)kv_checksum32(p + 4, 6);
	p[10] = (char)(c & 0xff);
	p[11] = (char)(c >> 8);
}

static void test_torn_tail_shapes(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_log_replay_info info;
	size_t n = 10, len;
	struct kv_rng r;
	struct expect x;
	struct kv_err err;
	char *all, *grown;

	(void)state;
	kv_rng_seed(&r, seed + 2);
	small_log(dev, &x, &r, n, 200);
	all = read_all(dev, LOG_NAME, &len);
	grown = kv_calloc(KV_MEM_OTHER, len + 8192);
	assert_non_null(grown);
	memcpy(grown, all, len);

	/* A zero-filled tail (preallocation, a torn page). */
	write_all(dev, LOG_NAME, grown, len + 8192);
	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_int_equal(info.records, n);
	assert_true(info.torn_tail);
	assert_int_equal(info.valid_bytes, len);

	/* A header whose length runs past the end of the file. */
	memcpy(grown + len, all, KV_LOG_HEADER_BYTES);
	grown[len + 4] = (char)0xff;
	grown[len + 5] = (char)0x7f;
	fix_header_check(grown + len);
	write_all(dev, LOG_NAME, grown, len + 100);
	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_int_equal(info.records, n);
	assert_true(info.torn_tail);

	/* A length beyond the limit. */
	grown[len + 7] = (char)0x7f;
	fix_header_check(grown + len);
	write_all(dev, LOG_NAME, grown, len + 100);
	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_int_equal(info.records, n);
	assert_true(info.torn_tail);

	/* The same header with a damaged field is damage, not a torn append. */
	grown[len + 6] ^= 0x01;
	write_all(dev, LOG_NAME, grown, len + 100);
	assert_int_equal(replay(dev, &x, &info, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "header checksum mismatch"));
	assert_int_equal(info.records, n);

	kv_free(KV_MEM_OTHER, grown, len + 8192);
	kv_free(KV_MEM_OTHER, all, len);
	expect_free(&x);
	kv_dev_close(dev);
}

static void test_crash_drops_unsynced(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_log_replay_info info;
	struct kv_log_writer *w;
	size_t n = 60;
	struct kv_rng r;
	struct expect x;
	struct kv_err err;

	(void)state;
	kv_rng_seed(&r, seed + 3);
	expect_init(&x, kv_rng_next(&r), n, 5000);
	for (size_t i = 0; i < n; i++)
		x.sizes[i] = (size_t)kv_rng_below(&r, 5001);
	assert_int_equal(kv_log_writer_open(dev, LOG_NAME, KV_FILE_WAL, &w, &err), KV_OK);
	write_records(w, &x, 0, 25);
	assert_int_equal(kv_log_sync(w), KV_OK);
	write_records(w, &x, 25, 40);
	assert_int_equal(kv_log_sync(w), KV_OK);
	write_records(w, &x, 40, n);
	assert_true(kv_log_unsynced_bytes(w) > 0);
	kv_log_writer_close(w);
	assert_int_equal(kv_mem_device_crash(dev), KV_OK);

	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_int_equal(x.seen, 40);
	assert_int_equal(info.valid_bytes, x.ends[39]);
	assert_false(info.torn_tail);

	/* A crash before the first sync leaves an empty log. */
	assert_int_equal(kv_log_writer_open(dev, LOG_NAME, KV_FILE_WAL, &w, &err), KV_OK);
	write_records(w, &x, 0, 5);
	kv_log_writer_close(w);
	assert_int_equal(kv_mem_device_crash(dev), KV_OK);
	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_int_equal(x.seen, 0);
	assert_int_equal(info.file_bytes, 0);

	expect_free(&x);
	kv_dev_close(dev);
}

static void test_corruption_in_the_middle(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_log_replay_info info;
	size_t n = 20, len;
	struct kv_rng r;
	struct expect x;
	struct kv_err err;
	char *all;

	(void)state;
	kv_rng_seed(&r, seed + 4);
	small_log(dev, &x, &r, n, 300);
	all = read_all(dev, LOG_NAME, &len);
	/* Every byte of record 1, then random bytes of records 2 .. n-2. */
	for (size_t round = 0; round < 300; round++) {
		size_t rec1_len = (size_t)(x.ends[1] - x.ends[0]), rec, at;
		char want[64], saved;

		if (round < rec1_len) {
			rec = 1;
			at = (size_t)x.ends[0] + round;
		} else {
			rec = 2 + (size_t)kv_rng_below(&r, n - 3);
			at = (size_t)(x.ends[rec - 1] +
				      kv_rng_below(&r, x.ends[rec] - x.ends[rec - 1]));
		}
		saved = all[at];
		all[at] ^= (char)(1 + kv_rng_below(&r, 255));
		write_all(dev, LOG_NAME, all, len);
		all[at] = saved;
		assert_int_equal(replay(dev, &x, &info, &err), KV_ECORRUPT);
		assert_int_equal(err.code, KV_ECORRUPT);
		assert_int_equal(x.seen, rec);
		snprintf(want, sizeof(want), "at offset %" PRIu64 ":", x.ends[rec - 1]);
		assert_non_null(strstr(kv_err_msg(&err), "corrupt log '" LOG_NAME "'"));
		assert_non_null(strstr(kv_err_msg(&err), want));
		assert_true(strstr(kv_err_msg(&err), "(valid records follow)") ||
			    strstr(kv_err_msg(&err), "checksum mismatch"));
		assert_int_equal(info.records, rec);
		assert_int_equal(info.valid_bytes, x.ends[rec - 1]);
	}

	/* Garbage inserted between records 5 and 6. */
	{
		size_t glen = 37;
		char *g = kv_malloc(KV_MEM_OTHER, len + glen);
		char want[64];

		assert_non_null(g);
		memcpy(g, all, (size_t)x.ends[5]);
		kv_rng_fill(&r, g + x.ends[5], glen);
		memcpy(g + x.ends[5] + glen, all + x.ends[5], len - (size_t)x.ends[5]);
		write_all(dev, LOG_NAME, g, len + glen);
		assert_int_equal(replay(dev, &x, &info, &err), KV_ECORRUPT);
		assert_int_equal(x.seen, 6);
		snprintf(want, sizeof(want), "at offset %" PRIu64 ":", x.ends[5]);
		assert_non_null(strstr(kv_err_msg(&err), want));
		kv_free(KV_MEM_OTHER, g, len + glen);
	}
	kv_free(KV_MEM_OTHER, all, len);
	expect_free(&x);
	kv_dev_close(dev);
}

/*
 * A flip anywhere in the last record is damage (KV_ECORRUPT): the header
 * check covers the header fields, the checksum the rest. Never a wrong
 * record, never a silently dropped one.
 */
static void test_flip_in_last_record(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_log_replay_info info;
	size_t n = 12, len;
	struct kv_rng r;
	struct expect x;
	struct kv_err err;
	char *all;

	(void)state;
	int rc, torn = 0, corrupt = 0;

	kv_rng_seed(&r, seed + 5);
	small_log(dev, &x, &r, n, 300);
	all = read_all(dev, LOG_NAME, &len);
	for (size_t at = (size_t)x.ends[n - 2]; at < len; at++) {
		char saved = all[at];

		all[at] ^= (char)(1 + kv_rng_below(&r, 255));
		write_all(dev, LOG_NAME, all, len);
		rc = replay(dev, &x, &info, &err);
		assert_int_equal(x.seen, n - 1);
		assert_int_equal(info.valid_bytes, x.ends[n - 2]);
		if (rc == KV_OK) {
			assert_true(info.torn_tail);
			assert_int_equal(info.file_bytes, len);
			torn++;
		} else {
			assert_int_equal(rc, KV_ECORRUPT);
			assert_non_null(strstr(kv_err_msg(&err), "checksum mismatch"));
			corrupt++;
		}
		all[at] = saved;
	}
	assert_int_equal(torn, 0);
	assert_true(corrupt > 0);
	kv_free(KV_MEM_OTHER, all, len);
	expect_free(&x);
	kv_dev_close(dev);
}

static void test_empty_and_missing(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_log_replay_info info;
	struct kv_log_writer *w;
	struct expect x;
	struct kv_err err;

	(void)state;
	expect_init(&x, 1, 1, 16);
	assert_int_equal(replay(dev, &x, &info, &err), KV_NOTFOUND);
	assert_non_null(strstr(kv_err_msg(&err), LOG_NAME));

	assert_int_equal(kv_log_writer_open(dev, LOG_NAME, KV_FILE_WAL, &w, &err), KV_OK);
	assert_int_equal(kv_log_bytes(w), 0);
	assert_int_equal(kv_log_sync(w), KV_OK);
	kv_log_writer_close(w);
	kv_log_writer_close(NULL);
	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_int_equal(x.seen, 0);
	assert_int_equal(info.records, 0);
	assert_int_equal(info.valid_bytes, 0);
	assert_int_equal(info.file_bytes, 0);
	assert_false(info.torn_tail);

	/* Fewer bytes than a header. */
	write_all(dev, LOG_NAME, "\x01\x02\x03", 3);
	assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
	assert_true(info.torn_tail);
	assert_int_equal(info.records, 0);

	/* NULL info is allowed. */
	assert_int_equal(kv_log_replay(dev, LOG_NAME, KV_FILE_WAL, expect_cb, &x, NULL, &err),
			 KV_OK);
	expect_free(&x);
	kv_dev_close(dev);
}

static void test_oversized_record_rejected(void **state)
{
	struct kv_device *dev = open_dev();
	struct kv_log_writer *w;
	struct kv_err err;
	char one = 'x';

	(void)state;
	assert_int_equal(kv_log_writer_open(dev, LOG_NAME, KV_FILE_WAL, &w, &err), KV_OK);
	/* The length is checked before a byte is read. */
	assert_int_equal(kv_log_add(w, kv_slice_make(&one, (size_t)KV_LOG_MAX_PAYLOAD + 1)),
			 KV_EINVAL);
	assert_int_equal(kv_log_err(w, &err), KV_EINVAL);
	assert_non_null(strstr(kv_err_msg(&err), LOG_NAME));
	assert_int_equal(kv_log_bytes(w), 0);
	/* Not sticky: nothing was written. */
	assert_int_equal(kv_log_add(w, kv_slice_make(&one, 1)), KV_OK);
	kv_log_writer_close(w);
	kv_dev_close(dev);
}

/*
 * Fail every allocation in turn while writing and replaying a log: each
 * call returns KV_OK or KV_ENOMEM, nothing leaks, and a replay without
 * failures finds exactly the acknowledged records.
 */
static void test_alloc_failures(void **state)
{
	size_t mem0 = kv_mem_in_use(KV_MEM_OTHER), mem1, n = 6;
	struct kv_rng r;
	struct expect x;
	bool hit = true;

	(void)state;
	kv_rng_seed(&r, seed + 8);
	expect_init(&x, kv_rng_next(&r), n, 3 << 20);
	for (size_t i = 0; i < n; i++)
		x.sizes[i] = (size_t)kv_rng_below(&r, 100);
	x.sizes[3] = (size_t)3 << 20; /* grows, then drops, the record buffer */
	mem1 = kv_mem_in_use(KV_MEM_OTHER);
	for (long nth = 1; hit; nth++) {
		struct kv_device *dev = open_dev();
		struct kv_log_replay_info info;
		struct kv_log_writer *w = NULL;
		size_t acked = 0;
		struct kv_err err;
		uint64_t before;
		int rc;

		before = kv_alloc_count();
		kv_alloc_fail_nth(nth);
		rc = kv_log_writer_open(dev, LOG_NAME, KV_FILE_WAL, &w, &err);
		for (size_t i = 0; i < n && rc == KV_OK; i++) {
			make_payload(x.stream, i, x.scratch, x.sizes[i]);
			rc = kv_log_add(w, kv_slice_make(x.scratch, x.sizes[i]));
			if (rc == KV_OK)
				rc = kv_log_sync(w);
			if (rc == KV_OK)
				acked++;
		}
		if (rc == KV_OK) {
			x.seen = 0;
			rc = kv_log_replay(dev, LOG_NAME, KV_FILE_WAL, expect_cb, &x, &info, &err);
		}
		hit = kv_alloc_count() - before >= (uint64_t)nth;
		kv_alloc_fail_nth(0);
		assert_true(rc == KV_OK || rc == KV_ENOMEM);
		assert_true(hit || rc == KV_OK);
		kv_log_writer_close(w);
		if (w || rc == KV_OK) {
			assert_int_equal(replay(dev, &x, &info, &err), KV_OK);
			assert_int_equal(x.seen, acked);
			assert_false(info.torn_tail);
		}
		kv_dev_close(dev);
		assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem1);
	}
	expect_free(&x);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

/* ---- write batches ---- */

struct ref_op {
	int kind;
	size_t klen, vlen;
	size_t koff, voff; /* into a byte pool */
};

static void test_batch_roundtrip(void **state)
{
	size_t mem0 = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_buf b = {0};
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed + 6);
	for (int round = 0; round < 200; round++) {
		size_t nops = round == 0 ? 0 : (size_t)kv_rng_below(&r, 60);
		uint64_t first = round == 1 ? UINT64_MAX - (nops ? nops - 1 : 0)
					    : kv_rng_next(&r) >> (1 + kv_rng_below(&r, 63));
		uint64_t ts = kv_rng_next(&r);
		struct ref_op ops[64];
		struct kv_batch_header h;
		struct kv_batch_iter it;
		struct kv_batch_op op;
		struct kv_err err;
		static char pool[1 << 21];
		size_t used = 0;

		assert_int_equal(kv_batch_begin(&b, first + 1, ts), KV_OK);
		for (size_t i = 0; i < nops; i++) {
			uint64_t c = kv_rng_below(&r, 10);

			ops[i].kind = c < 3 ? KV_BATCH_DELETE : KV_BATCH_PUT;
			ops[i].klen = c == 9 ? 0 : (size_t)kv_rng_below(&r, 40);
			ops[i].vlen = ops[i].kind == KV_BATCH_DELETE ? 0
				      : c == 8 && round % 50 == 7    ? (size_t)1 << 20
				      : c == 7                       ? 0
					       : (size_t)kv_rng_below(&r, 300);
			if (used + ops[i].klen + ops[i].vlen > sizeof(pool))
				ops[i].vlen = 0;
			ops[i].koff = used;
			kv_rng_fill(&r, pool + used, ops[i].klen);
			used += ops[i].klen;
			ops[i].voff = used;
			kv_rng_fill(&r, pool + used, ops[i].vlen);
			used += ops[i].vlen;
			if (ops[i].kind == KV_BATCH_PUT)
				assert_int_equal(
				    kv_batch_put(&b, kv_slice_make(pool + ops[i].koff, ops[i].klen),
						 kv_slice_make(pool + ops[i].voff, ops[i].vlen)),
				    KV_OK);
			else
				assert_int_equal(
				    kv_batch_delete(&b,
						    kv_slice_make(pool + ops[i].koff, ops[i].klen)),
				    KV_OK);
			assert_int_equal(kv_batch_count(&b), i + 1);
		}
		kv_batch_set_seq(&b, first);
		assert_int_equal(kv_batch_validate(kv_buf_slice(&b), &h, &err), KV_OK);
		assert_int_equal(h.first_seq, first);
		assert_int_equal(h.ts_ns, ts);
		assert_int_equal(h.count, nops);
		assert_int_equal(kv_batch_iter_init(&it, kv_buf_slice(&b), NULL, &err), KV_OK);
		for (size_t i = 0; i < nops; i++) {
			assert_int_equal(kv_batch_iter_next(&it, &op, &err), KV_OK);
			assert_int_equal(op.kind, ops[i].kind);
			assert_int_equal(op.seq, first + i);
			assert_true(
			    kv_slice_eq(op.key, kv_slice_make(pool + ops[i].koff, ops[i].klen)));
			assert_true(
			    kv_slice_eq(op.value, kv_slice_make(pool + ops[i].voff, ops[i].vlen)));
		}
		assert_int_equal(kv_batch_iter_next(&it, &op, &err), KV_NOTFOUND);
	}
	kv_buf_free(&b);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

/* Decode a copy of exactly @len bytes (so overreads are caught by tools). */
static int decode_copy(const char *p, size_t len, struct kv_err *err)
{
	char *copy = kv_malloc(KV_MEM_OTHER, len ? len : 1);
	int rc;

	assert_non_null(copy);
	if (len)
		memcpy(copy, p, len);
	rc = kv_batch_validate(kv_slice_make(copy, len), NULL, err);
	kv_free(KV_MEM_OTHER, copy, len ? len : 1);
	return rc;
}

static void test_batch_malformed(void **state)
{
	struct kv_buf b = {0};
	struct kv_err err;
	struct kv_rng r;
	char *p;

	(void)state;
	kv_rng_seed(&r, seed + 7);
	assert_int_equal(kv_batch_begin(&b, 100, 5), KV_OK);
	assert_int_equal(kv_batch_put(&b, kv_slice_str("alpha"), kv_slice_str("one")), KV_OK);
	assert_int_equal(kv_batch_delete(&b, kv_slice_str("beta")), KV_OK);
	assert_int_equal(kv_batch_put(&b, kv_slice_make("", 0), kv_slice_make("", 0)), KV_OK);
	{
		char big[300];

		memset(big, 'k', sizeof(big)); /* two-byte varint lengths */
		assert_int_equal(kv_batch_put(&b, kv_slice_make(big, 200), kv_slice_make(big, 300)),
				 KV_OK);
	}
	assert_int_equal(kv_batch_validate(kv_buf_slice(&b), NULL, &err), KV_OK);

	/* Every truncation. */
	for (size_t len = 0; len < b.len; len++) {
		kv_err_clear(&err);
		assert_int_equal(decode_copy(b.data, len, &err), KV_ECORRUPT);
		assert_int_equal(err.code, KV_ECORRUPT);
	}
	/* Trailing bytes. */
	assert_int_equal(kv_buf_append(&b, "z", 1), KV_OK);
	assert_int_equal(decode_copy(b.data, b.len, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "trailing"));
	b.len--;
	p = b.data;
	/* Bad kind. */
	p[KV_BATCH_HEADER_BYTES] = 2;
	assert_int_equal(decode_copy(p, b.len, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "offset 20"));
	p[KV_BATCH_HEADER_BYTES] = KV_BATCH_PUT;
	/* Count larger and smaller than the ops present. */
	p[16] = 5;
	assert_int_equal(decode_copy(p, b.len, &err), KV_ECORRUPT);
	p[16] = 3;
	assert_int_equal(decode_copy(p, b.len, &err), KV_ECORRUPT);
	p[16] = (char)0xff;
	p[19] = (char)0xff;
	assert_int_equal(decode_copy(p, b.len, &err), KV_ECORRUPT);
	p[16] = 4;
	p[19] = 0;
	/* Sequence range overflow. */
	memset(p, 0xff, 8);
	assert_int_equal(decode_copy(p, b.len, &err), KV_ECORRUPT);
	memset(p, 0, 8);
	assert_int_equal(decode_copy(p, b.len, &err), KV_OK);
	/* Over-long varint key length. */
	{
		char bad[KV_BATCH_HEADER_BYTES + 12];

		memcpy(bad, p, KV_BATCH_HEADER_BYTES);
		kv_put_u32(bad + 16, 1);
		bad[KV_BATCH_HEADER_BYTES] = KV_BATCH_DELETE;
		memset(bad + KV_BATCH_HEADER_BYTES + 1, 0x80, 11);
		assert_int_equal(decode_copy(bad, sizeof(bad), &err), KV_ECORRUPT);
	}
	/* Random damage: any result but a crash, and OK only if it decodes fully. */
	for (int i = 0; i < 20000; i++) {
		char *copy = kv_malloc(KV_MEM_OTHER, b.len);
		int rc, flips = 1 + (int)kv_rng_below(&r, 3);

		assert_non_null(copy);
		memcpy(copy, b.data, b.len);
		for (int f = 0; f < flips; f++)
			copy[kv_rng_below(&r, b.len)] ^= (char)(1 + kv_rng_below(&r, 255));
		rc = decode_copy(copy, b.len - (size_t)kv_rng_below(&r, 4), &err);
		assert_true(rc == KV_OK || rc == KV_ECORRUPT);
		kv_free(KV_MEM_OTHER, copy, b.len);
	}
	kv_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_random_sizes),
	    cmocka_unit_test(test_torn_tail_every_offset),
	    cmocka_unit_test(test_torn_tail_shapes),
	    cmocka_unit_test(test_crash_drops_unsynced),
	    cmocka_unit_test(test_corruption_in_the_middle),
	    cmocka_unit_test(test_flip_in_last_record),
	    cmocka_unit_test(test_empty_and_missing),
	    cmocka_unit_test(test_oversized_record_rejected),
	    cmocka_unit_test(test_alloc_failures),
	    cmocka_unit_test(test_batch_roundtrip),
	    cmocka_unit_test(test_batch_malformed),
	};

	seed = tu_seed(20240607);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
