/*
 * core/lsm/manifest.c - version edits, their encoding, and the manifest
 * (a kv_log of edits plus the CURRENT pointer). Byte layout:
 * docs/formats.md, "Manifest".
 *
 * Edit invariants:
 *  1. nadds <= adds_cap, ndeletes <= deletes_cap; arrays are NULL iff
 *     their cap is 0.
 *  2. Every add's smallest/largest key is either empty (pointing at a
 *     static "") or lies inside keys.data[0 .. keys.len).
 *  3. Every add and delete has 0 <= level < KV_MAX_LEVELS.
 *
 * Manifest invariants:
 *  1. log is open and, between calls, nothing is unsynced: every edit
 *     appended has been synced (or the log failed, stickily).
 *  2. CURRENT named this manifest when kv_manifest_create() returned.
 */
#include "core/lsm/manifest.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/coding.h"
#include "core/lsm/wal.h"

#define MANIFEST_SUFFIX "MANIFEST"
#define CURRENT_NAME "CURRENT"
#define CURRENT_TMP_NAME "CURRENT.tmp"
#define NAME_BYTES 64

enum edit_tag {
	TAG_NEXT_FILE_ID = 1,
	TAG_LAST_SEQ = 2,
	TAG_LOG_ID = 3,
	TAG_NLEVELS = 4,
	TAG_STRATEGY = 5,
	TAG_ADD_FILE = 6,
	TAG_DELETE_FILE = 7,
};

static const char empty_key[1] = "";

struct kv_manifest {
	struct kv_device *dev;
	struct kv_log_writer *log;
	uint64_t id;
	struct kv_buf enc;
};

void kv_lsm_file_name(char *buf, size_t len, uint64_t id, const char *suffix)
{
	if (suffix && strcmp(suffix, MANIFEST_SUFFIX) == 0)
		snprintf(buf, len, "MANIFEST-%06llu", (unsigned long long)id);
	else
		snprintf(buf, len, "%06llu%s", (unsigned long long)id, suffix ? suffix : "");
}

/* ---- edits ---- */

static bool key_in(const struct kv_buf *keys, struct kv_slice k)
{
	if (k.len == 0)
		return true;
	return keys->data && k.data >= keys->data && k.len <= keys->len &&
	       (size_t)(k.data - keys->data) <= keys->len - k.len;
}

static bool edit_check(const struct kv_version_edit *e)
{
	size_t i;

	if (e->nadds > e->adds_cap || e->ndeletes > e->deletes_cap)
		return false;
	if ((e->adds == NULL) != (e->adds_cap == 0) ||
	    (e->deletes == NULL) != (e->deletes_cap == 0))
		return false;
	for (i = 0; i < e->nadds; i++) {
		const struct kv_edit_file *a = &e->adds[i];

		if (a->level < 0 || a->level >= KV_MAX_LEVELS)
			return false;
		if (!key_in(&e->keys, a->meta.smallest) || !key_in(&e->keys, a->meta.largest))
			return false;
	}
	for (i = 0; i < e->ndeletes; i++)
		if (e->deletes[i].level < 0 || e->deletes[i].level >= KV_MAX_LEVELS)
			return false;
	return true;
}

void kv_edit_init(struct kv_version_edit *e)
{
	memset(e, 0, sizeof(*e));
	e->keys.component = KV_MEM_OTHER;
}

void kv_edit_free(struct kv_version_edit *e)
{
	kv_free(KV_MEM_OTHER, e->adds, e->adds_cap * sizeof(*e->adds));
	kv_free(KV_MEM_OTHER, e->deletes, e->deletes_cap * sizeof(*e->deletes));
	kv_buf_free(&e->keys);
	kv_edit_init(e);
}

/* Re-point a key slice from the old key storage to the new one. */
static void rebase_key(struct kv_slice *k, const char *old_base, const char *new_base)
{
	if (k->len)
		k->data = new_base + (k->data - old_base);
}

/*
 * Room for @extra more key bytes. Growing moves the storage, so every
 * add's key slices are re-pointed while the old block is still live.
 */
static int keys_reserve(struct kv_version_edit *e, size_t extra)
{
	struct kv_buf *k = &e->keys;
	size_t cap, i;
	char *p;

	if (extra <= k->cap - k->len)
		return KV_OK;
	if (extra > SIZE_MAX / 2 - k->len)
		return KV_ENOMEM;
	cap = k->cap < 64 ? 64 : k->cap;
	while (cap < k->len + extra)
		cap *= 2;
	p = kv_malloc((enum kv_mem_component)k->component, cap);
	if (!p)
		return KV_ENOMEM;
	if (k->len)
		memcpy(p, k->data, k->len);
	for (i = 0; i < e->nadds; i++) {
		rebase_key(&e->adds[i].meta.smallest, k->data, p);
		rebase_key(&e->adds[i].meta.largest, k->data, p);
	}
	kv_free((enum kv_mem_component)k->component, k->data, k->cap);
	k->data = p;
	k->cap = cap;
	return KV_OK;
}

/* Append @key to the key storage (room reserved); return its new slice. */
static struct kv_slice keys_copy(struct kv_buf *keys, struct kv_slice key)
{
	struct kv_slice s;

	if (key.len == 0)
		return kv_slice_make(empty_key, 0);
	assert(key.len <= keys->cap - keys->len);
	s = kv_slice_make(keys->data + keys->len, key.len);
	memcpy(keys->data + keys->len, key.data, key.len);
	keys->len += key.len;
	return s;
}

int kv_edit_add_file(struct kv_version_edit *e, int level, const struct kv_file_meta *meta)
{
	struct kv_edit_file *a;
	int rc;

	assert(edit_check(e));
	assert(level >= 0 && level < KV_MAX_LEVELS);
	assert(kv_slice_cmp(meta->smallest, meta->largest) <= 0);
	if (e->nadds == e->adds_cap) {
		size_t cap = e->adds_cap ? e->adds_cap * 2 : 8;
		void *p;

		if (cap > SIZE_MAX / sizeof(*e->adds))
			return KV_ENOMEM;
		p = kv_realloc(KV_MEM_OTHER, e->adds, e->adds_cap * sizeof(*e->adds),
			       cap * sizeof(*e->adds));
		if (!p)
			return KV_ENOMEM;
		e->adds = p;
		e->adds_cap = cap;
	}
	if (meta->smallest.len > SIZE_MAX / 2 - meta->largest.len)
		return KV_ENOMEM;
	rc = keys_reserve(e, meta->smallest.len + meta->largest.len);
	if (rc != KV_OK)
		return rc;
	a = &e->adds[e->nadds];
	a->level = level;
	a->meta = *meta;
	a->meta.smallest = keys_copy(&e->keys, meta->smallest);
	a->meta.largest = keys_copy(&e->keys, meta->largest);
	a->meta.being_compacted = false;
	e->nadds++;
	assert(edit_check(e));
	return KV_OK;
}

int kv_edit_delete_file(struct kv_version_edit *e, int level, uint64_t file_id)
{
	assert(edit_check(e));
	assert(level >= 0 && level < KV_MAX_LEVELS);
	if (e->ndeletes == e->deletes_cap) {
		size_t cap = e->deletes_cap ? e->deletes_cap * 2 : 8;
		void *p;

		if (cap > SIZE_MAX / sizeof(*e->deletes))
			return KV_ENOMEM;
		p = kv_realloc(KV_MEM_OTHER, e->deletes, e->deletes_cap * sizeof(*e->deletes),
			       cap * sizeof(*e->deletes));
		if (!p)
			return KV_ENOMEM;
		e->deletes = p;
		e->deletes_cap = cap;
	}
	e->deletes[e->ndeletes].level = level;
	e->deletes[e->ndeletes].file_id = file_id;
	e->ndeletes++;
	assert(edit_check(e));
	return KV_OK;
}

/* ---- encoding ---- */

/* Append varints; room must have been reserved. */
static void put_var(struct kv_buf *b, uint64_t v)
{
	b->len = (size_t)(kv_put_varint64(b->data + b->len, v) - b->data);
}

static void put_bytes(struct kv_buf *b, struct kv_slice s)
{
	put_var(b, s.len);
	if (s.len)
		memcpy(b->data + b->len, s.data, s.len);
	b->len += s.len;
}

/* An add_file's fixed varint fields: tag, level, id, 11 counters, 2 lengths. */
#define ADD_VARINTS 16

int kv_edit_encode(const struct kv_version_edit *e, struct kv_buf *out)
{
	size_t i, need;
	int rc;

	assert(edit_check(e));
	out->len = 0;
	need = 5 * 2 * KV_VARINT64_MAX + sizeof(e->strategy) + e->ndeletes * 3 * KV_VARINT64_MAX +
	       e->nadds * ADD_VARINTS * KV_VARINT64_MAX;
	for (i = 0; i < e->nadds; i++)
		need += e->adds[i].meta.smallest.len + e->adds[i].meta.largest.len;
	rc = kv_buf_reserve(out, need);
	if (rc != KV_OK)
		return rc;
	if (e->has_next_file_id) {
		put_var(out, TAG_NEXT_FILE_ID);
		put_var(out, e->next_file_id);
	}
	if (e->has_last_seq) {
		put_var(out, TAG_LAST_SEQ);
		put_var(out, e->last_seq);
	}
	if (e->has_log_id) {
		put_var(out, TAG_LOG_ID);
		put_var(out, e->log_id);
	}
	if (e->has_nlevels) {
		assert(e->nlevels >= 1 && e->nlevels <= KV_MAX_LEVELS);
		put_var(out, TAG_NLEVELS);
		put_var(out, (uint64_t)e->nlevels);
	}
	if (e->has_strategy) {
		size_t n = strnlen(e->strategy, sizeof(e->strategy));

		assert(n < sizeof(e->strategy));
		put_var(out, TAG_STRATEGY);
		put_bytes(out, kv_slice_make(e->strategy, n));
	}
	for (i = 0; i < e->ndeletes; i++) {
		put_var(out, TAG_DELETE_FILE);
		put_var(out, (uint64_t)e->deletes[i].level);
		put_var(out, e->deletes[i].file_id);
	}
	for (i = 0; i < e->nadds; i++) {
		const struct kv_file_meta *m = &e->adds[i].meta;

		put_var(out, TAG_ADD_FILE);
		put_var(out, (uint64_t)e->adds[i].level);
		put_var(out, m->id);
		put_bytes(out, m->smallest);
		put_bytes(out, m->largest);
		put_var(out, m->bytes);
		put_var(out, m->entries);
		put_var(out, m->tombstones);
		put_var(out, m->key_bytes);
		put_var(out, m->value_bytes);
		put_var(out, m->min_ts_ns);
		put_var(out, m->max_ts_ns);
		put_var(out, m->min_seq);
		put_var(out, m->max_seq);
		put_var(out, m->run_id);
		put_var(out, m->created_ns);
	}
	assert(out->len <= out->cap);
	return KV_OK;
}

/* Bounds-checked decoding cursor over an edit. */
struct edit_reader {
	const char *base, *p, *limit;
	bool bad;
};

static uint64_t get_var(struct edit_reader *r)
{
	uint64_t v = 0;
	const char *q;

	if (r->bad)
		return 0;
	q = kv_get_varint64(r->p, r->limit, &v);
	if (!q) {
		r->bad = true;
		return 0;
	}
	r->p = q;
	return v;
}

static struct kv_slice get_bytes(struct edit_reader *r)
{
	uint64_t n = get_var(r);
	struct kv_slice s = kv_slice_make(empty_key, 0);

	if (r->bad)
		return s;
	if (n > (uint64_t)(r->limit - r->p)) {
		r->bad = true;
		return s;
	}
	s = kv_slice_make(r->p, (size_t)n);
	r->p += n;
	return s;
}

static int get_level(struct edit_reader *r, int *level)
{
	uint64_t v = get_var(r);

	if (r->bad)
		return -1;
	if (v >= KV_MAX_LEVELS)
		return 1;
	*level = (int)v;
	return 0;
}

static int decode_add(struct edit_reader *r, struct kv_version_edit *e, size_t at,
		      struct kv_err *err)
{
	struct kv_file_meta m;
	int level = 0, rc;

	memset(&m, 0, sizeof(m));
	rc = get_level(r, &level);
	if (rc > 0)
		return kv_err_set(err, KV_ECORRUPT, "add_file at edit offset %zu: bad level", at);
	m.id = get_var(r);
	m.smallest = get_bytes(r);
	m.largest = get_bytes(r);
	m.bytes = get_var(r);
	m.entries = get_var(r);
	m.tombstones = get_var(r);
	m.key_bytes = get_var(r);
	m.value_bytes = get_var(r);
	m.min_ts_ns = get_var(r);
	m.max_ts_ns = get_var(r);
	m.min_seq = get_var(r);
	m.max_seq = get_var(r);
	m.run_id = get_var(r);
	m.created_ns = get_var(r);
	if (r->bad)
		return kv_err_set(err, KV_ECORRUPT, "add_file at edit offset %zu: truncated", at);
	if (kv_slice_cmp(m.smallest, m.largest) > 0)
		return kv_err_set(err, KV_ECORRUPT,
				  "add_file %" PRIu64 " at edit offset %zu: smallest key sorts "
				  "after largest key",
				  m.id, at);
	if (m.tombstones > m.entries)
		return kv_err_set(err, KV_ECORRUPT,
				  "add_file %" PRIu64 " at edit offset %zu: %" PRIu64
				  " tombstones exceed %" PRIu64 " entries",
				  m.id, at, m.tombstones, m.entries);
	rc = kv_edit_add_file(e, level, &m);
	if (rc != KV_OK)
		return kv_err_set(err, rc, "add_file at edit offset %zu: out of memory", at);
	return KV_OK;
}

/* Decode one scalar field; *seen guards against repeats. */
static int decode_scalar(struct edit_reader *r, bool *seen, uint64_t *v, const char *what,
			 size_t at, struct kv_err *err)
{
	if (*seen)
		return kv_err_set(err, KV_ECORRUPT, "%s repeated at edit offset %zu", what, at);
	*v = get_var(r);
	if (r->bad)
		return kv_err_set(err, KV_ECORRUPT, "%s at edit offset %zu: truncated", what, at);
	*seen = true;
	return KV_OK;
}

int kv_edit_decode(struct kv_slice in, struct kv_version_edit *e, struct kv_err *err)
{
	struct edit_reader r = {in.data, in.data, in.data, false};
	int rc = KV_OK;

	assert(edit_check(e));
	if (in.len == 0)
		return KV_OK;
	r.limit = in.data + in.len;
	while (r.p < r.limit && rc == KV_OK) {
		size_t at = (size_t)(r.p - r.base);
		uint64_t tag = get_var(&r), v = 0;
		struct kv_slice s;
		int level = 0;

		if (r.bad)
			return kv_err_set(err, KV_ECORRUPT, "bad tag at edit offset %zu", at);
		switch (tag) {
		case TAG_NEXT_FILE_ID:
			rc = decode_scalar(&r, &e->has_next_file_id, &e->next_file_id,
					   "next_file_id", at, err);
			break;
		case TAG_LAST_SEQ:
			rc = decode_scalar(&r, &e->has_last_seq, &e->last_seq, "last_seq", at, err);
			break;
		case TAG_LOG_ID:
			rc = decode_scalar(&r, &e->has_log_id, &e->log_id, "log_id", at, err);
			break;
		case TAG_NLEVELS:
			rc = decode_scalar(&r, &e->has_nlevels, &v, "nlevels", at, err);
			if (rc == KV_OK && (v < 1 || v > KV_MAX_LEVELS))
				rc = kv_err_set(err, KV_ECORRUPT,
						"nlevels %" PRIu64 " at edit offset %zu out of "
						"range 1..%d",
						v, at, KV_MAX_LEVELS);
			if (rc == KV_OK)
				e->nlevels = (int)v;
			break;
		case TAG_STRATEGY:
			if (e->has_strategy)
				return kv_err_set(err, KV_ECORRUPT,
						  "strategy repeated at edit offset %zu", at);
			s = get_bytes(&r);
			if (r.bad || s.len >= sizeof(e->strategy) ||
			    (s.len && memchr(s.data, '\0', s.len)))
				return kv_err_set(err, KV_ECORRUPT,
						  "bad strategy name at edit offset %zu", at);
			memcpy(e->strategy, s.data, s.len);
			e->strategy[s.len] = '\0';
			e->has_strategy = true;
			break;
		case TAG_ADD_FILE:
			rc = decode_add(&r, e, at, err);
			break;
		case TAG_DELETE_FILE:
			if (get_level(&r, &level) != 0)
				return kv_err_set(err, KV_ECORRUPT,
						  "delete_file at edit offset %zu: bad level", at);
			v = get_var(&r);
			if (r.bad)
				return kv_err_set(err, KV_ECORRUPT,
						  "delete_file at edit offset %zu: truncated", at);
			rc = kv_edit_delete_file(e, level, v);
			if (rc != KV_OK)
				rc = kv_err_set(err, rc, "delete_file: out of memory");
			break;
		default:
			return kv_err_set(err, KV_ECORRUPT,
					  "unknown tag %" PRIu64 " at edit offset %zu", tag, at);
		}
	}
	assert(edit_check(e));
	return rc;
}

/* ---- the manifest ---- */

static bool manifest_check(const struct kv_manifest *m)
{
	return m && m->dev && m->log && kv_log_unsynced_bytes(m->log) == 0;
}

/* Copy the device's last message into @err as the cause of @what. */
static int dev_fail(struct kv_device *dev, int rc, struct kv_err *err, const char *what,
		    const char *name)
{
	return kv_err_set(err, rc, "%s '%s': %s", what, name, kv_dev_errmsg(dev));
}

/* Write CURRENT.tmp naming @manifest_name, sync it, rename it over CURRENT. */
static int write_current(struct kv_device *dev, const char *manifest_name, struct kv_err *err)
{
	char line[NAME_BYTES + 2];
	struct kv_file *f;
	int n, rc;

	n = snprintf(line, sizeof(line), "%s\n", manifest_name);
	assert(n > 0 && (size_t)n < sizeof(line));
	rc = kv_dev_create(dev, CURRENT_TMP_NAME, KV_FILE_MANIFEST, &f);
	if (rc != KV_OK)
		return dev_fail(dev, rc, err, "create", CURRENT_TMP_NAME);
	rc = kv_dev_append(f, line, (size_t)n);
	if (rc != KV_OK) {
		dev_fail(dev, rc, err, "write", CURRENT_TMP_NAME);
		goto out_remove_tmp;
	}
	rc = kv_dev_sync(f);
	if (rc != KV_OK) {
		dev_fail(dev, rc, err, "sync", CURRENT_TMP_NAME);
		goto out_remove_tmp;
	}
	kv_dev_close_file(f);
	f = NULL;
	rc = kv_dev_rename(dev, CURRENT_TMP_NAME, CURRENT_NAME);
	if (rc != KV_OK) {
		kv_err_set(err, rc, "rename '%s' to '%s': %s", CURRENT_TMP_NAME, CURRENT_NAME,
			   kv_dev_errmsg(dev));
		goto out_remove_tmp;
	}
	return KV_OK;

out_remove_tmp:
	kv_dev_close_file(f);
	(void)kv_dev_remove(dev, CURRENT_TMP_NAME);
	return rc;
}

int kv_manifest_create(struct kv_device *dev, uint64_t manifest_id,
		       const struct kv_version_edit *snapshot, struct kv_manifest **out,
		       struct kv_err *err)
{
	char name[NAME_BYTES];
	struct kv_manifest *m;
	int rc;

	*out = NULL;
	kv_lsm_file_name(name, sizeof(name), manifest_id, MANIFEST_SUFFIX);
	m = kv_calloc(KV_MEM_OTHER, sizeof(*m));
	if (!m)
		return kv_err_set(err, KV_ENOMEM, "manifest '%s': out of memory", name);
	m->dev = dev;
	m->id = manifest_id;
	m->enc.component = KV_MEM_OTHER;
	rc = kv_log_writer_open(dev, name, KV_FILE_MANIFEST, &m->log, err);
	if (rc != KV_OK)
		goto out_free_manifest;
	rc = kv_edit_encode(snapshot, &m->enc);
	if (rc != KV_OK) {
		kv_err_set(err, rc, "manifest '%s': out of memory encoding the snapshot", name);
		goto out_remove_log;
	}
	rc = kv_log_add(m->log, kv_buf_slice(&m->enc));
	if (rc == KV_OK)
		rc = kv_log_sync(m->log);
	if (rc != KV_OK) {
		kv_log_err(m->log, err);
		goto out_remove_log;
	}
	rc = write_current(dev, name, err);
	if (rc != KV_OK)
		goto out_remove_log;
	assert(manifest_check(m));
	*out = m;
	return KV_OK;

out_remove_log:
	kv_log_writer_close(m->log);
	(void)kv_dev_remove(dev, name);
	kv_buf_free(&m->enc);
out_free_manifest:
	kv_free(KV_MEM_OTHER, m, sizeof(*m));
	return rc;
}

int kv_manifest_append(struct kv_manifest *m, const struct kv_version_edit *e, struct kv_err *err)
{
	int rc;

	assert(manifest_check(m));
	rc = kv_edit_encode(e, &m->enc);
	if (rc != KV_OK)
		return kv_err_set(err, rc, "manifest '%s': out of memory encoding an edit",
				  kv_log_name(m->log));
	rc = kv_log_add(m->log, kv_buf_slice(&m->enc));
	if (rc == KV_OK)
		rc = kv_log_sync(m->log);
	if (rc != KV_OK)
		return kv_log_err(m->log, err);
	assert(manifest_check(m));
	return KV_OK;
}

uint64_t kv_manifest_bytes(const struct kv_manifest *m)
{
	return kv_log_bytes(m->log);
}

uint64_t kv_manifest_id(const struct kv_manifest *m)
{
	return m->id;
}

void kv_manifest_close(struct kv_manifest *m)
{
	if (!m)
		return;
	kv_log_writer_close(m->log);
	kv_buf_free(&m->enc);
	kv_free(KV_MEM_OTHER, m, sizeof(*m));
}

/* ---- recovery ---- */

/* Parse CURRENT's content: exactly "MANIFEST-<canonical number>\n". */
static bool parse_current(const char *s, size_t n, uint64_t *id)
{
	static const char prefix[] = "MANIFEST-";
	const size_t plen = sizeof(prefix) - 1;
	char canon[NAME_BYTES];
	uint64_t v = 0;
	size_t i;

	if (n < plen + 2 || memcmp(s, prefix, plen) != 0 || s[n - 1] != '\n')
		return false;
	for (i = plen; i < n - 1; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	kv_lsm_file_name(canon, sizeof(canon), v, MANIFEST_SUFFIX);
	if (strlen(canon) != n - 1 || memcmp(canon, s, n - 1) != 0)
		return false;
	*id = v;
	return true;
}

static int read_current(struct kv_device *dev, uint64_t *id, struct kv_err *err)
{
	char buf[NAME_BYTES];
	struct kv_file *f;
	uint64_t size;
	int rc;

	rc = kv_dev_open_file(dev, CURRENT_NAME, KV_FILE_MANIFEST, &f);
	if (rc == KV_NOTFOUND)
		return kv_err_set(err, rc, "no '%s' file: a new store", CURRENT_NAME);
	if (rc != KV_OK)
		return dev_fail(dev, rc, err, "open", CURRENT_NAME);
	rc = kv_dev_size(f, &size);
	if (rc != KV_OK) {
		dev_fail(dev, rc, err, "size of", CURRENT_NAME);
		goto out_close_file;
	}
	if (size == 0 || size > sizeof(buf)) {
		rc = kv_err_set(err, KV_ECORRUPT,
				"corrupt '%s': %" PRIu64 " bytes, expected 'MANIFEST-NNNNNN\\n'",
				CURRENT_NAME, size);
		goto out_close_file;
	}
	rc = kv_dev_read(f, 0, buf, (size_t)size);
	if (rc != KV_OK) {
		dev_fail(dev, rc, err, "read", CURRENT_NAME);
		goto out_close_file;
	}
	if (!parse_current(buf, (size_t)size, id))
		rc = kv_err_set(err, KV_ECORRUPT,
				"corrupt '%s': content is not 'MANIFEST-NNNNNN\\n'", CURRENT_NAME);

out_close_file:
	kv_dev_close_file(f);
	return rc;
}

struct recover_ctx {
	int (*apply)(void *ud, const struct kv_version_edit *e);
	void *ud;
	const char *name;
	uint64_t offset; /* of the record being delivered */
	struct kv_err *err;
};

static int recover_edit(void *ud, struct kv_slice payload)
{
	struct recover_ctx *c = ud;
	struct kv_version_edit e;
	struct kv_err why;
	int rc;

	kv_err_clear(&why);
	kv_edit_init(&e);
	rc = kv_edit_decode(payload, &e, &why);
	if (rc != KV_OK) {
		if (rc == KV_ECORRUPT)
			kv_err_set(c->err, rc,
				   "corrupt manifest '%s' edit at offset %" PRIu64 ": %s", c->name,
				   c->offset, kv_err_msg(&why));
		else
			kv_err_set(c->err, rc, "manifest '%s' edit at offset %" PRIu64 ": %s",
				   c->name, c->offset, kv_err_msg(&why));
		goto out_free_edit;
	}
	rc = c->apply(c->ud, &e);
	c->offset += KV_LOG_HEADER_BYTES + payload.len;

out_free_edit:
	kv_edit_free(&e);
	return rc;
}

int kv_manifest_recover(struct kv_device *dev,
			int (*apply)(void *ud, const struct kv_version_edit *e), void *ud,
			uint64_t *manifest_id, struct kv_err *err)
{
	struct kv_log_replay_info info;
	struct recover_ctx c = {.apply = apply, .ud = ud, .err = err};
	char name[NAME_BYTES];
	uint64_t id = 0, size;
	int rc;

	rc = read_current(dev, &id, err);
	if (rc != KV_OK)
		return rc;
	kv_lsm_file_name(name, sizeof(name), id, MANIFEST_SUFFIX);
	c.name = name;
	rc = kv_dev_stat(dev, name, &size);
	if (rc == KV_NOTFOUND)
		return kv_err_set(err, KV_ECORRUPT, "'%s' names '%s', which does not exist",
				  CURRENT_NAME, name);
	if (rc != KV_OK)
		return dev_fail(dev, rc, err, "stat", name);
	rc = kv_log_replay(dev, name, KV_FILE_MANIFEST, recover_edit, &c, &info, err);
	if (rc != KV_OK)
		return rc;
	if (info.records == 0)
		return kv_err_set(err, KV_ECORRUPT,
				  "corrupt manifest '%s': no complete edit (%" PRIu64 " bytes)",
				  name, info.file_bytes);
	if (manifest_id)
		*manifest_id = id;
	return KV_OK;
}
