/*
 * core/lsm/wal.c - the log: checksummed records appended to a device file
 * (write-ahead logs and manifests). Byte layout: docs/formats.md, "Log
 * records".
 *
 * Writer invariants:
 *  1. bytes is the number of bytes this writer appended to the file;
 *     synced_bytes <= bytes is the prefix known durable.
 *  2. Once failed != KV_OK, the writer issues no device write again
 *     (sticky failure), so a partial record is always the file's tail.
 *  3. rec is scratch space: empty between calls, and its capacity stays
 *     at most KEEP_REC_BYTES between calls.
 *
 * Reader: a window [win_off, win_off + win_len) of the file held in one
 * buffer, refilled by large reads; every byte offset handed out lies
 * inside the window and the file.
 */
#include "core/lsm/wal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/coding.h"

#define LOG_TYPE_FULL 1
#define LOG_MAGIC 0x4C
#define LOG_HEADER_CHECKED 6 /* length, type, magic: covered by header_check */

/* The 16-bit check of the header fields at p + 4 (length, type, magic). */
static uint16_t header_check(const char *p)
{
	return (uint16_t)kv_checksum32(p + 4, LOG_HEADER_CHECKED);
}
#define READ_CHUNK_BYTES ((size_t)1 << 20)
#define KEEP_REC_BYTES (((size_t)1 << 20) + KV_LOG_HEADER_BYTES)

struct kv_log_writer {
	struct kv_device *dev;
	struct kv_file *file;
	char *name;
	uint64_t bytes;
	uint64_t synced_bytes;
	int failed;
	struct kv_buf rec;
	struct kv_err err;
};

static bool writer_check(const struct kv_log_writer *w)
{
	return w && w->file && w->name && w->synced_bytes <= w->bytes && w->rec.len == 0 &&
	       w->rec.cap <= KEEP_REC_BYTES && w->failed <= KV_OK;
}

int kv_log_writer_open(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		       struct kv_log_writer **out, struct kv_err *err)
{
	struct kv_log_writer *w;
	int rc;

	*out = NULL;
	w = kv_calloc(KV_MEM_OTHER, sizeof(*w));
	if (!w)
		return kv_err_set(err, KV_ENOMEM, "log '%s': out of memory", name);
	w->dev = dev;
	w->rec.component = KV_MEM_OTHER;
	w->name = kv_strdup(KV_MEM_OTHER, name);
	if (!w->name) {
		rc = kv_err_set(err, KV_ENOMEM, "log '%s': out of memory", name);
		goto out_free_writer;
	}
	rc = kv_dev_create(dev, name, kind, &w->file);
	if (rc != KV_OK) {
		kv_err_set(err, rc, "create log '%s': %s", name, kv_dev_errmsg(dev));
		goto out_free_name;
	}
	assert(writer_check(w));
	*out = w;
	return KV_OK;

out_free_name:
	kv_strfree(KV_MEM_OTHER, w->name);
out_free_writer:
	kv_free(KV_MEM_OTHER, w, sizeof(*w));
	return rc;
}

/* Record a device failure: sticky, message prefixed with the log name. */
static int writer_fail(struct kv_log_writer *w, int rc, const char *what)
{
	assert(rc < 0);
	w->failed = rc;
	return kv_err_set(&w->err, rc, "%s log '%s' at offset %" PRIu64 ": %s", what, w->name,
			  w->bytes, kv_dev_errmsg(w->dev));
}

int kv_log_add(struct kv_log_writer *w, struct kv_slice payload)
{
	uint32_t sum;
	size_t n;
	int rc;

	assert(writer_check(w));
	if (w->failed)
		return w->failed;
	if (payload.len > KV_LOG_MAX_PAYLOAD)
		return kv_err_set(&w->err, KV_EINVAL,
				  "log '%s': record of %zu bytes exceeds the limit of %u bytes",
				  w->name, payload.len, KV_LOG_MAX_PAYLOAD);
	n = KV_LOG_HEADER_BYTES + payload.len;
	rc = kv_buf_reserve(&w->rec, n);
	if (rc != KV_OK)
		return kv_err_set(&w->err, rc, "log '%s': out of memory for a %zu-byte record",
				  w->name, payload.len);
	kv_put_u32(w->rec.data + 4, (uint32_t)payload.len);
	w->rec.data[8] = (char)LOG_TYPE_FULL;
	w->rec.data[9] = (char)LOG_MAGIC;
	kv_put_u16(w->rec.data + 10, header_check(w->rec.data));
	if (payload.len)
		memcpy(w->rec.data + KV_LOG_HEADER_BYTES, payload.data, payload.len);
	sum = kv_checksum32(w->rec.data + 4, n - 4);
	kv_put_u32(w->rec.data, sum);
	rc = kv_dev_append(w->file, w->rec.data, n);
	if (w->rec.cap > KEEP_REC_BYTES)
		kv_buf_free(&w->rec);
	w->rec.len = 0;
	if (rc != KV_OK)
		return writer_fail(w, rc, "append to");
	w->bytes += n;
	assert(writer_check(w));
	return KV_OK;
}

int kv_log_sync(struct kv_log_writer *w)
{
	int rc;

	assert(writer_check(w));
	if (w->failed)
		return w->failed;
	if (w->synced_bytes == w->bytes)
		return KV_OK;
	rc = kv_dev_sync(w->file);
	if (rc != KV_OK)
		return writer_fail(w, rc, "sync");
	w->synced_bytes = w->bytes;
	assert(writer_check(w));
	return KV_OK;
}

uint64_t kv_log_bytes(const struct kv_log_writer *w)
{
	return w->bytes;
}

uint64_t kv_log_unsynced_bytes(const struct kv_log_writer *w)
{
	return w->bytes - w->synced_bytes;
}

const char *kv_log_name(const struct kv_log_writer *w)
{
	return w->name;
}

int kv_log_err(const struct kv_log_writer *w, struct kv_err *err)
{
	return kv_err_copy(err, &w->err);
}

void kv_log_writer_close(struct kv_log_writer *w)
{
	if (!w)
		return;
	kv_dev_close_file(w->file);
	kv_buf_free(&w->rec);
	kv_strfree(KV_MEM_OTHER, w->name);
	kv_free(KV_MEM_OTHER, w, sizeof(*w));
}

/* ---- replay ---- */

struct log_reader {
	struct kv_file *file;
	const char *name;
	uint64_t file_bytes;
	char *buf;
	size_t cap;
	uint64_t win_off;
	size_t win_len;
	struct kv_err *err;
};

/*
 * Make [off, off + len) (inside the file) available in the window and
 * point *out at it. Reads at least READ_CHUNK_BYTES (up to the file end)
 * so records are not read one by one.
 */
static int reader_fill(struct log_reader *r, uint64_t off, size_t len, const char **out)
{
	uint64_t want64;
	size_t keep = 0, want;
	int rc;

	assert(off <= r->file_bytes && len <= r->file_bytes - off);
	if (off >= r->win_off && off - r->win_off <= r->win_len &&
	    len <= r->win_len - (off - r->win_off)) {
		*out = r->buf + (off - r->win_off);
		return KV_OK;
	}
	if (off >= r->win_off && off - r->win_off < r->win_len) {
		keep = r->win_len - (size_t)(off - r->win_off);
		memmove(r->buf, r->buf + (off - r->win_off), keep);
	}
	want64 = r->file_bytes - off;
	if (want64 > (len > READ_CHUNK_BYTES ? len : READ_CHUNK_BYTES))
		want64 = len > READ_CHUNK_BYTES ? len : READ_CHUNK_BYTES;
	want = (size_t)want64;
	if (want > r->cap) {
		char *p = kv_realloc(KV_MEM_OTHER, r->buf, r->cap, want);

		if (!p) {
			r->win_len = 0;
			return kv_err_set(r->err, KV_ENOMEM, "replay log '%s': out of memory",
					  r->name);
		}
		r->buf = p;
		r->cap = want;
	}
	r->win_off = off;
	r->win_len = keep;
	rc = kv_dev_read(r->file, off + keep, r->buf + keep, want - keep);
	if (rc != KV_OK)
		return kv_err_set(r->err, rc, "read log '%s' at offset %" PRIu64 ": %s", r->name,
				  off + keep, kv_dev_errmsg(r->file->dev));
	r->win_len = want;
	*out = r->buf;
	return KV_OK;
}

/*
 * A record at @off failed a check that a torn append cannot fail (its
 * header is complete but inconsistent): 2 (damage), unless every byte from
 * @off to the end is zero — a file system may leave a zero-filled tail
 * after a crash — which is 1 (torn). Negative on I/O error.
 */
static int rc_if_damaged(struct log_reader *r, uint64_t off)
{
	while (off < r->file_bytes) {
		size_t n = r->file_bytes - off > 65536 ? 65536 : (size_t)(r->file_bytes - off);
		const char *p;
		int rc = reader_fill(r, off, n, &p);
		if (rc != KV_OK)
			return rc;
		for (size_t i = 0; i < n; i++)
			if (p[i])
				return 2;
		off += n;
	}
	return 1;
}

/*
 * Check the record at @off. 0: valid, *len its payload length and the
 * whole record in the window. 1: invalid, reason in @why (if non-NULL).
 * 2: damage a torn append cannot cause: a complete header whose header
 * check fails, or a complete record whose checksum does not match.
 * Negative: I/O or memory error (r->err set).
 */
static int check_record(struct log_reader *r, uint64_t off, uint32_t *len, char *why,
			size_t why_len)
{
	const char *p;
	uint64_t left = r->file_bytes - off;
	uint32_t n;
	int rc;

	if (left < KV_LOG_HEADER_BYTES) {
		if (why)
			snprintf(why, why_len, "truncated header");
		return 1;
	}
	rc = reader_fill(r, off, KV_LOG_HEADER_BYTES, &p);
	if (rc != KV_OK)
		return rc;
	if (kv_get_u16(p + 10) != header_check(p)) {
		if (why)
			snprintf(why, why_len, "header checksum mismatch");
		return rc_if_damaged(r, off);
	}
	if ((unsigned char)p[8] != LOG_TYPE_FULL) {
		if (why)
			snprintf(why, why_len, "bad record type %u", (unsigned char)p[8]);
		return 1;
	}
	if ((unsigned char)p[9] != LOG_MAGIC) {
		if (why)
			snprintf(why, why_len, "bad magic 0x%02x", (unsigned char)p[9]);
		return 1;
	}
	n = kv_get_u32(p + 4);
	if (n > KV_LOG_MAX_PAYLOAD) {
		if (why)
			snprintf(why, why_len, "record length %" PRIu32 " exceeds limit", n);
		return 1;
	}
	if (n > left - KV_LOG_HEADER_BYTES) {
		if (why)
			snprintf(why, why_len,
				 "record length %" PRIu32 " exceeds remaining %" PRIu64 " bytes", n,
				 left - KV_LOG_HEADER_BYTES);
		return 1;
	}
	rc = reader_fill(r, off, KV_LOG_HEADER_BYTES + (size_t)n, &p);
	if (rc != KV_OK)
		return rc;
	if (kv_checksum32(p + 4, KV_LOG_HEADER_BYTES - 4 + (size_t)n) != kv_get_u32(p)) {
		if (why)
			snprintf(why, why_len, "checksum mismatch");
		return 2;
	}
	*len = n;
	return 0;
}

/*
 * The record at @bad failed. Is there a valid record anywhere after it?
 * 1: yes, 0: no (a torn tail), negative: error.
 */
static int valid_record_follows(struct log_reader *r, uint64_t bad)
{
	uint64_t off;
	uint32_t n;
	int rc;

	for (off = bad + 1; r->file_bytes - off >= KV_LOG_HEADER_BYTES; off++) {
		const char *p;

		rc = reader_fill(r, off, KV_LOG_HEADER_BYTES, &p);
		if (rc != KV_OK)
			return rc;
		if ((unsigned char)p[8] != LOG_TYPE_FULL || (unsigned char)p[9] != LOG_MAGIC)
			continue;
		rc = check_record(r, off, &n, NULL, 0);
		if (rc <= 0)
			return rc < 0 ? rc : 1;
		/* rc 1 or 2: not a valid record here; keep scanning. */
	}
	return 0;
}

int kv_log_replay(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		  int (*cb)(void *ud, struct kv_slice payload), void *ud,
		  struct kv_log_replay_info *info, struct kv_err *err)
{
	struct log_reader r = {.name = name, .err = err};
	struct kv_log_replay_info inf = {0};
	uint64_t off = 0;
	int rc;

	rc = kv_dev_open_file(dev, name, kind, &r.file);
	if (rc == KV_NOTFOUND) {
		kv_err_set(err, rc, "log '%s' does not exist", name);
		goto out;
	}
	if (rc != KV_OK) {
		kv_err_set(err, rc, "open log '%s': %s", name, kv_dev_errmsg(dev));
		goto out;
	}
	rc = kv_dev_size(r.file, &r.file_bytes);
	if (rc != KV_OK) {
		kv_err_set(err, rc, "size of log '%s': %s", name, kv_dev_errmsg(dev));
		goto out_close_file;
	}
	inf.file_bytes = r.file_bytes;
	while (off < r.file_bytes) {
		char why[96];
		const char *p;
		uint32_t n;

		rc = check_record(&r, off, &n, why, sizeof(why));
		if (rc < 0)
			goto out_free_buf;
		if (rc == 2) {
			/* A torn append leaves a short record, never a complete one
			   with a wrong checksum: this is damage. */
			rc = kv_err_set(err, KV_ECORRUPT,
					"corrupt log '%s' at offset %" PRIu64 ": %s", name, off, why);
			goto out_free_buf;
		}
		if (rc == 1) {
			rc = valid_record_follows(&r, off);
			if (rc < 0)
				goto out_free_buf;
			if (rc == 1) {
				rc = kv_err_set(err, KV_ECORRUPT,
						"corrupt log '%s' at offset %" PRIu64
						": %s (valid records follow)",
						name, off, why);
				goto out_free_buf;
			}
			inf.torn_tail = true;
			break;
		}
		p = r.buf + (off - r.win_off);
		inf.records++;
		off += KV_LOG_HEADER_BYTES + (uint64_t)n;
		inf.valid_bytes = off;
		rc = cb(ud, kv_slice_make(p + KV_LOG_HEADER_BYTES, n));
		if (rc != 0)
			goto out_free_buf;
	}
	rc = KV_OK;

out_free_buf:
	kv_free(KV_MEM_OTHER, r.buf, r.cap);
out_close_file:
	kv_dev_close_file(r.file);
out:
	if (info)
		*info = inf;
	return rc;
}
