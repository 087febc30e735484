/*
 * tests/unit/test_manifest.c - version edits (encoding, decoding, key
 * storage), the manifest log and CURRENT (core/lsm/manifest.c) on the RAM
 * device: roundtrips, truncations, recovery after crashes, bad CURRENT
 * files, switching manifests.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/coding.h"
#include "core/device.h"
#include "core/lsm/manifest.h"
#include "core/lsm/wal.h"
#include "core/rng.h"
#include "devices/mem.h"

static uint64_t seed;

static struct kv_device *open_dev(void)
{
	struct kv_device *dev = NULL;
	struct kv_err err;

	assert_int_equal(kv_dev_open(&kv_mem_device_ops, NULL, NULL, &dev, &err), KV_OK);
	return dev;
}

/* Key bytes for random metas; a 64 KiB key now and then. */
static char keypool[2 * 65536 + 64];

static struct kv_slice rand_key(struct kv_rng *r)
{
	uint64_t c = kv_rng_below(r, 20);
	size_t len = c == 0 ? 0 : c == 1 ? 65536 : (size_t)kv_rng_below(r, 24);
	size_t off = (size_t)kv_rng_below(r, sizeof(keypool) - len);

	return kv_slice_make(keypool + off, len);
}

static uint64_t rand_u64(struct kv_rng *r)
{
	return kv_rng_next(r) >> kv_rng_below(r, 64);
}

static void rand_meta(struct kv_rng *r, struct kv_file_meta *m)
{
	struct kv_slice a = rand_key(r), b = rand_key(r);

	memset(m, 0, sizeof(*m));
	m->id = rand_u64(r);
	if (kv_slice_cmp(a, b) > 0) {
		m->smallest = b;
		m->largest = a;
	} else {
		m->smallest = a;
		m->largest = b;
	}
	m->bytes = rand_u64(r);
	m->entries = rand_u64(r);
	m->tombstones = m->entries ? kv_rng_below(r, m->entries) : 0;
	m->key_bytes = rand_u64(r);
	m->value_bytes = rand_u64(r);
	m->min_ts_ns = rand_u64(r);
	m->max_ts_ns = rand_u64(r);
	m->min_seq = rand_u64(r);
	m->max_seq = rand_u64(r);
	m->run_id = rand_u64(r);
	m->created_ns = rand_u64(r);
	m->being_compacted = kv_rng_below(r, 2);
}

/* A random edit with up to @max_adds adds; returns its number of fields. */
static size_t rand_edit(struct kv_rng *r, struct kv_version_edit *e, size_t max_adds)
{
	size_t fields = 0, nadds = (size_t)kv_rng_below(r, max_adds + 1);
	size_t ndel = (size_t)kv_rng_below(r, 10);

	kv_edit_init(e);
	e->has_next_file_id = kv_rng_below(r, 2);
	e->next_file_id = e->has_next_file_id ? rand_u64(r) : 0;
	e->has_last_seq = kv_rng_below(r, 2);
	e->last_seq = e->has_last_seq ? rand_u64(r) : 0;
	e->has_log_id = kv_rng_below(r, 2);
	e->log_id = e->has_log_id ? rand_u64(r) : 0;
	e->has_nlevels = kv_rng_below(r, 2);
	e->nlevels = e->has_nlevels ? 1 + (int)kv_rng_below(r, KV_MAX_LEVELS) : 0;
	fields += e->has_next_file_id + e->has_last_seq + e->has_log_id + e->has_nlevels;
	e->has_strategy = kv_rng_below(r, 2);
	if (e->has_strategy) {
		static const char *const names[] = {
		    "", "leveled", "tiered",
		    "a-strategy-name-of-exactly-sixty-three-bytes-long-xxxxxxxxxxxxx"};
		const char *n = names[kv_rng_below(r, 4)];

		assert_true(strlen(n) < sizeof(e->strategy));
		memcpy(e->strategy, n, strlen(n) + 1);
		fields++;
	}
	for (size_t i = 0; i < nadds; i++) {
		struct kv_file_meta m;

		rand_meta(r, &m);
		assert_int_equal(kv_edit_add_file(e, (int)kv_rng_below(r, KV_MAX_LEVELS), &m),
				 KV_OK);
		fields++;
	}
	for (size_t i = 0; i < ndel; i++) {
		assert_int_equal(
		    kv_edit_delete_file(e, (int)kv_rng_below(r, KV_MAX_LEVELS), rand_u64(r)),
		    KV_OK);
		fields++;
	}
	return fields;
}

static void assert_meta_equal(const struct kv_file_meta *a, const struct kv_file_meta *b)
{
	assert_int_equal(a->id, b->id);
	assert_true(kv_slice_eq(a->smallest, b->smallest));
	assert_true(kv_slice_eq(a->largest, b->largest));
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->entries, b->entries);
	assert_int_equal(a->tombstones, b->tombstones);
	assert_int_equal(a->key_bytes, b->key_bytes);
	assert_int_equal(a->value_bytes, b->value_bytes);
	assert_int_equal(a->min_ts_ns, b->min_ts_ns);
	assert_int_equal(a->max_ts_ns, b->max_ts_ns);
	assert_int_equal(a->min_seq, b->min_seq);
	assert_int_equal(a->max_seq, b->max_seq);
	assert_int_equal(a->run_id, b->run_id);
	assert_int_equal(a->created_ns, b->created_ns);
}

static void assert_edit_equal(const struct kv_version_edit *a, const struct kv_version_edit *b)
{
	assert_int_equal(a->has_next_file_id, b->has_next_file_id);
	if (a->has_next_file_id)
		assert_int_equal(a->next_file_id, b->next_file_id);
	assert_int_equal(a->has_last_seq, b->has_last_seq);
	if (a->has_last_seq)
		assert_int_equal(a->last_seq, b->last_seq);
	assert_int_equal(a->has_log_id, b->has_log_id);
	if (a->has_log_id)
		assert_int_equal(a->log_id, b->log_id);
	assert_int_equal(a->has_nlevels, b->has_nlevels);
	if (a->has_nlevels)
		assert_int_equal(a->nlevels, b->nlevels);
	assert_int_equal(a->has_strategy, b->has_strategy);
	if (a->has_strategy)
		assert_string_equal(a->strategy, b->strategy);
	assert_int_equal(a->nadds, b->nadds);
	for (size_t i = 0; i < a->nadds; i++) {
		assert_int_equal(a->adds[i].level, b->adds[i].level);
		assert_meta_equal(&a->adds[i].meta, &b->adds[i].meta);
	}
	assert_int_equal(a->ndeletes, b->ndeletes);
	for (size_t i = 0; i < a->ndeletes; i++) {
		assert_int_equal(a->deletes[i].level, b->deletes[i].level);
		assert_int_equal(a->deletes[i].file_id, b->deletes[i].file_id);
	}
}

/* ---- edits ---- */

static void test_edit_keys_survive_growth(void **state)
{
	size_t mem0 = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_file_meta src[300];
	struct kv_version_edit e;
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed);
	kv_edit_init(&e);
	for (size_t i = 0; i < 300; i++) {
		rand_meta(&r, &src[i]);
		assert_int_equal(kv_edit_add_file(&e, (int)(i % KV_MAX_LEVELS), &src[i]), KV_OK);
		/* Every earlier add still points at its own bytes in the edit. */
		for (size_t j = 0; j <= i; j += 1 + i / 8) {
			assert_meta_equal(&e.adds[j].meta, &src[j]);
			assert_false(e.adds[j].meta.being_compacted);
			assert_true(e.adds[j].meta.smallest.len == 0 ||
				    e.adds[j].meta.smallest.data != src[j].smallest.data);
		}
	}
	for (size_t i = 0; i < 300; i++)
		assert_meta_equal(&e.adds[i].meta, &src[i]);
	kv_edit_free(&e);
	assert_int_equal(e.nadds, 0);
	kv_edit_free(&e);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

static void test_edit_roundtrip(void **state)
{
	size_t mem0 = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_buf buf = {0}, again = {0};
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed + 1);
	for (int round = 0; round < 300; round++) {
		struct kv_version_edit e, d;
		struct kv_err err;

		rand_edit(&r, &e, round % 10 == 0 ? 200 : 8);
		assert_int_equal(kv_edit_encode(&e, &buf), KV_OK);
		kv_edit_init(&d);
		assert_int_equal(kv_edit_decode(kv_buf_slice(&buf), &d, &err), KV_OK);
		assert_edit_equal(&e, &d);
		/* Encoding is deterministic. */
		assert_int_equal(kv_edit_encode(&d, &again), KV_OK);
		assert_true(kv_slice_eq(kv_buf_slice(&buf), kv_buf_slice(&again)));
		kv_edit_free(&d);
		kv_edit_free(&e);
	}
	/* The empty edit encodes to nothing and decodes back. */
	{
		struct kv_version_edit e;
		struct kv_err err;

		kv_edit_init(&e);
		assert_int_equal(kv_edit_encode(&e, &buf), KV_OK);
		assert_int_equal(buf.len, 0);
		assert_int_equal(kv_edit_decode(kv_buf_slice(&buf), &e, &err), KV_OK);
		assert_int_equal(e.nadds + e.ndeletes, 0);
		kv_edit_free(&e);
	}
	kv_buf_free(&buf);
	kv_buf_free(&again);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

/*
 * Every prefix of an encoding either fails with KV_ECORRUPT or ends on a
 * field boundary, decoding to an edit that re-encodes to exactly that
 * prefix; there are exactly fields + 1 such boundaries.
 */
static void test_edit_truncations(void **state)
{
	size_t mem0 = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_buf buf = {0}, again = {0};
	struct kv_rng r;

	(void)state;
	kv_rng_seed(&r, seed + 2);
	for (int round = 0; round < 30; round++) {
		struct kv_version_edit e;
		size_t fields, ok = 0;

		/* Small encodings only: every prefix is decoded. */
		for (;;) {
			fields = rand_edit(&r, &e, 4);
			assert_int_equal(kv_edit_encode(&e, &buf), KV_OK);
			if (buf.len <= 4000)
				break;
			kv_edit_free(&e);
		}
		for (size_t len = 0; len <= buf.len; len++) {
			struct kv_version_edit d;
			struct kv_err err;
			char *copy = kv_malloc(KV_MEM_OTHER, len + 1);
			int rc;

			assert_non_null(copy);
			memcpy(copy, buf.data, len);
			kv_edit_init(&d);
			kv_err_clear(&err);
			rc = kv_edit_decode(kv_slice_make(copy, len), &d, &err);
			if (rc == KV_OK) {
				ok++;
				assert_int_equal(kv_edit_encode(&d, &again), KV_OK);
				/* Scalars come first in both; a prefix re-encodes to itself. */
				assert_true(kv_slice_eq(kv_buf_slice(&again),
							kv_slice_make(buf.data, len)));
			} else {
				assert_int_equal(rc, KV_ECORRUPT);
				assert_int_equal(err.code, KV_ECORRUPT);
				assert_non_null(strstr(kv_err_msg(&err), "edit offset"));
			}
			kv_edit_free(&d);
			kv_free(KV_MEM_OTHER, copy, len + 1);
		}
		assert_int_equal(ok, fields + 1);
		kv_edit_free(&e);
	}
	kv_buf_free(&buf);
	kv_buf_free(&again);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

static int decode_bytes(const char *p, size_t len, struct kv_err *err)
{
	struct kv_version_edit d;
	int rc;

	kv_edit_init(&d);
	kv_err_clear(err);
	rc = kv_edit_decode(kv_slice_make(p, len), &d, err);
	kv_edit_free(&d);
	return rc;
}

static void test_edit_malformed(void **state)
{
	struct kv_err err;
	/* add_file: tag 6, level, id 9, smallest "b", largest "a", 11 counters */
	char add[] = {6, 0, 9, 1, 'b', 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	struct kv_rng r;
	struct kv_buf buf = {0};

	(void)state;
	assert_int_equal(decode_bytes("\x63\x01", 2, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "unknown tag 99"));
	assert_int_equal(decode_bytes("\x00", 1, &err), KV_ECORRUPT);
	assert_int_equal(decode_bytes("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11, &err),
			 KV_ECORRUPT);
	assert_int_equal(decode_bytes("\x01\x05\x01\x06", 4, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "repeated"));
	assert_int_equal(decode_bytes("\x04\x00", 2, &err), KV_ECORRUPT);
	assert_int_equal(decode_bytes("\x04\x11", 2, &err), KV_ECORRUPT);
	assert_int_equal(decode_bytes("\x04\x10", 2, &err), KV_OK);
	assert_int_equal(decode_bytes("\x05\x03"
				      "a\0b",
				      5, &err),
			 KV_ECORRUPT);
	assert_int_equal(decode_bytes("\x05\x03"
				      "abc",
				      5, &err),
			 KV_OK);
	{
		char s[2 + 64];

		s[0] = 5;
		s[1] = 64;
		memset(s + 2, 'x', 64);
		assert_int_equal(decode_bytes(s, sizeof(s), &err), KV_ECORRUPT);
		s[1] = 63;
		assert_int_equal(decode_bytes(s, sizeof(s) - 1, &err), KV_OK);
	}
	assert_int_equal(decode_bytes("\x07\x10\x01", 3, &err), KV_ECORRUPT);
	assert_int_equal(decode_bytes("\x07\x0f\x01", 3, &err), KV_OK);
	/* smallest > largest, then fixed; tombstones > entries; bad level. */
	assert_int_equal(decode_bytes(add, sizeof(add), &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "smallest"));
	add[4] = 'a';
	assert_int_equal(decode_bytes(add, sizeof(add), &err), KV_OK);
	add[8] = 1;
	add[9] = 2;
	assert_int_equal(decode_bytes(add, sizeof(add), &err), KV_ECORRUPT);
	add[9] = 1;
	assert_int_equal(decode_bytes(add, sizeof(add), &err), KV_OK);
	add[1] = 16;
	assert_int_equal(decode_bytes(add, sizeof(add), &err), KV_ECORRUPT);
	add[1] = 3;
	/* A key length past the end. */
	add[3] = 100;
	assert_int_equal(decode_bytes(add, sizeof(add), &err), KV_ECORRUPT);
	add[3] = 1;

	/* Random damage to real encodings: OK or KV_ECORRUPT, never a crash. */
	kv_rng_seed(&r, seed + 3);
	for (int i = 0; i < 3000; i++) {
		struct kv_version_edit e;
		char *copy;
		int rc;

		rand_edit(&r, &e, 3);
		assert_int_equal(kv_edit_encode(&e, &buf), KV_OK);
		kv_edit_free(&e);
		if (buf.len == 0)
			continue;
		copy = kv_malloc(KV_MEM_OTHER, buf.len);
		assert_non_null(copy);
		memcpy(copy, buf.data, buf.len);
		copy[kv_rng_below(&r, buf.len)] ^= (char)(1 + kv_rng_below(&r, 255));
		rc = decode_bytes(copy, buf.len, &err);
		assert_true(rc == KV_OK || rc == KV_ECORRUPT);
		kv_free(KV_MEM_OTHER, copy, buf.len);
	}
	kv_buf_free(&buf);
}

static void test_file_names(void **state)
{
	char buf[64];

	(void)state;
	kv_lsm_file_name(buf, sizeof(buf), 12, ".log");
	assert_string_equal(buf, "000012.log");
	kv_lsm_file_name(buf, sizeof(buf), 12, ".sst");
	assert_string_equal(buf, "000012.sst");
	kv_lsm_file_name(buf, sizeof(buf), 12, "MANIFEST");
	assert_string_equal(buf, "MANIFEST-000012");
	kv_lsm_file_name(buf, sizeof(buf), 12345678, ".sst");
	assert_string_equal(buf, "12345678.sst");
	kv_lsm_file_name(buf, sizeof(buf), UINT64_MAX, "MANIFEST");
	assert_string_equal(buf, "MANIFEST-18446744073709551615");
	kv_lsm_file_name(buf, 5, 12, ".log");
	assert_string_equal(buf, "0000");
}

/* ---- the manifest ---- */

/* Edits as written and as recovered, compared by their encodings. */
struct edit_log {
	size_t n;
	struct kv_buf enc[128];
	size_t applied;
	int fail_at; /* apply returns KV_EIO at this edit (-1: never) */
};

static void log_push(struct edit_log *l, const struct kv_version_edit *e)
{
	assert_true(l->n < 128);
	memset(&l->enc[l->n], 0, sizeof(l->enc[l->n]));
	assert_int_equal(kv_edit_encode(e, &l->enc[l->n]), KV_OK);
	l->n++;
}

static void log_free(struct edit_log *l)
{
	for (size_t i = 0; i < l->n; i++)
		kv_buf_free(&l->enc[i]);
	l->n = 0;
}

static int check_apply(void *ud, const struct kv_version_edit *e)
{
	struct edit_log *l = ud;
	struct kv_buf b = {0};

	if (l->fail_at >= 0 && l->applied == (size_t)l->fail_at)
		return KV_EIO;
	assert_true(l->applied < l->n);
	assert_int_equal(kv_edit_encode(e, &b), KV_OK);
	assert_true(kv_slice_eq(kv_buf_slice(&b), kv_buf_slice(&l->enc[l->applied])));
	kv_buf_free(&b);
	l->applied++;
	return 0;
}

static int recover(struct kv_device *dev, struct edit_log *l, uint64_t *id, struct kv_err *err)
{
	l->applied = 0;
	*id = 0;
	kv_err_clear(err);
	return kv_manifest_recover(dev, check_apply, l, id, err);
}

/* Create manifest @id with a random snapshot and @nedits appended edits. */
static struct kv_manifest *write_manifest(struct kv_device *dev, struct kv_rng *r, uint64_t id,
					  size_t nedits, struct edit_log *l)
{
	struct kv_manifest *m;
	struct kv_version_edit e;
	struct kv_err err;

	rand_edit(r, &e, 50);
	assert_int_equal(kv_manifest_create(dev, id, &e, &m, &err), KV_OK);
	log_push(l, &e);
	kv_edit_free(&e);
	assert_int_equal(kv_manifest_id(m), id);
	for (size_t i = 0; i < nedits; i++) {
		uint64_t before = kv_manifest_bytes(m);

		rand_edit(r, &e, 4);
		assert_int_equal(kv_manifest_append(m, &e, &err), KV_OK);
		assert_true(kv_manifest_bytes(m) > before);
		log_push(l, &e);
		kv_edit_free(&e);
	}
	return m;
}

static void file_content(struct kv_device *dev, const char *name, char *buf, size_t cap,
			 size_t *len)
{
	struct kv_file *f;
	uint64_t size;

	assert_int_equal(kv_dev_open_file(dev, name, KV_FILE_MANIFEST, &f), KV_OK);
	assert_int_equal(kv_dev_size(f, &size), KV_OK);
	assert_true(size <= cap);
	if (size)
		assert_int_equal(kv_dev_read(f, 0, buf, size), KV_OK);
	kv_dev_close_file(f);
	*len = size;
}

static void set_content(struct kv_device *dev, const char *name, const char *p, size_t len)
{
	struct kv_file *f;

	assert_int_equal(kv_dev_create(dev, name, KV_FILE_MANIFEST, &f), KV_OK);
	if (len)
		assert_int_equal(kv_dev_append(f, p, len), KV_OK);
	assert_int_equal(kv_dev_sync(f), KV_OK);
	kv_dev_close_file(f);
}

static void test_create_append_recover(void **state)
{
	size_t mem0 = kv_mem_in_use(KV_MEM_OTHER);
	struct kv_device *dev = open_dev();
	struct edit_log l = {.fail_at = -1};
	struct kv_manifest *m;
	struct kv_err err;
	struct kv_rng r;
	char buf[64];
	size_t len;
	uint64_t id, size;

	(void)state;
	kv_rng_seed(&r, seed + 4);
	assert_int_equal(recover(dev, &l, &id, &err), KV_NOTFOUND);
	assert_non_null(strstr(kv_err_msg(&err), "CURRENT"));

	m = write_manifest(dev, &r, 1, 60, &l);
	assert_int_equal(kv_dev_stat(dev, "MANIFEST-000001", &size), KV_OK);
	assert_int_equal(size, kv_manifest_bytes(m));
	file_content(dev, "CURRENT", buf, sizeof(buf), &len);
	assert_int_equal(len, 16);
	assert_memory_equal(buf, "MANIFEST-000001\n", 16);
	assert_int_equal(kv_dev_stat(dev, "CURRENT.tmp", &size), KV_NOTFOUND);

	/* Recover while the manifest is still open, then after a crash. */
	assert_int_equal(recover(dev, &l, &id, &err), KV_OK);
	assert_int_equal(l.applied, l.n);
	assert_int_equal(id, 1);
	kv_manifest_close(m);
	kv_manifest_close(NULL);
	assert_int_equal(kv_mem_device_crash(dev), KV_OK);
	assert_int_equal(recover(dev, &l, &id, &err), KV_OK);
	assert_int_equal(l.applied, l.n);
	assert_int_equal(id, 1);

	/* apply's error stops the replay and is returned. */
	l.fail_at = 7;
	assert_int_equal(recover(dev, &l, &id, &err), KV_EIO);
	assert_int_equal(l.applied, 7);
	l.fail_at = -1;

	log_free(&l);
	kv_dev_close(dev);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

static void test_torn_and_corrupt_manifest(void **state)
{
	struct kv_device *dev = open_dev();
	struct edit_log l = {.fail_at = -1};
	struct kv_manifest *m;
	struct kv_err err;
	struct kv_rng r;
	struct kv_file *f;
	uint64_t id, size, rec_off;
	char *all, want[64];

	(void)state;
	kv_rng_seed(&r, seed + 5);
	m = write_manifest(dev, &r, 3, 10, &l);
	kv_manifest_close(m);
	assert_int_equal(kv_dev_stat(dev, "MANIFEST-000003", &size), KV_OK);
	all = kv_malloc(KV_MEM_OTHER, size + 20);
	assert_non_null(all);
	assert_int_equal(kv_dev_open_file(dev, "MANIFEST-000003", KV_FILE_MANIFEST, &f), KV_OK);
	assert_int_equal(kv_dev_read(f, 0, all, size), KV_OK);
	kv_dev_close_file(f);

	/* A torn last edit (never acknowledged) is ignored. */
	memcpy(all + size, all, 20);
	all[size + 4] = 0x7f; /* its length runs past the end */
	{
		uint16_t c = (uint16_t)kv_checksum32(all + size + 4, 6);
		all[size + 10] = (char)(c & 0xff);
		all[size + 11] = (char)(c >> 8);
	}
	set_content(dev, "MANIFEST-000003", all, size + 20);
	assert_int_equal(recover(dev, &l, &id, &err), KV_OK);
	assert_int_equal(l.applied, l.n);

	/* Damage in the first edit, with valid ones after it. */
	all[2] ^= 0x40;
	set_content(dev, "MANIFEST-000003", all, size);
	assert_int_equal(recover(dev, &l, &id, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "'MANIFEST-000003'"));
	assert_non_null(strstr(kv_err_msg(&err), "at offset 0:"));
	all[2] ^= 0x40;

	/* A record whose checksum is fine but whose edit is malformed. */
	{
		struct kv_log_writer *w;

		assert_int_equal(
		    kv_log_writer_open(dev, "MANIFEST-000003", KV_FILE_MANIFEST, &w, &err), KV_OK);
		assert_int_equal(kv_log_add(w, kv_slice_make("\x02\x05", 2)), KV_OK);
		rec_off = kv_log_bytes(w);
		assert_int_equal(kv_log_add(w, kv_slice_make("\x63\x05", 2)), KV_OK);
		assert_int_equal(kv_log_sync(w), KV_OK);
		kv_log_writer_close(w);
		l.fail_at = -1;
		log_free(&l);
		{
			struct kv_version_edit e;

			kv_edit_init(&e);
			e.has_last_seq = true;
			e.last_seq = 5;
			log_push(&l, &e);
		}
		assert_int_equal(recover(dev, &l, &id, &err), KV_ECORRUPT);
		assert_int_equal(l.applied, 1);
		snprintf(want, sizeof(want), "edit at offset %" PRIu64 ":", rec_off);
		assert_non_null(strstr(kv_err_msg(&err), "corrupt manifest 'MANIFEST-000003'"));
		assert_non_null(strstr(kv_err_msg(&err), want));
		assert_non_null(strstr(kv_err_msg(&err), "unknown tag 99"));
	}

	/* A manifest without a single complete edit. */
	set_content(dev, "MANIFEST-000003", all, 5);
	assert_int_equal(recover(dev, &l, &id, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "MANIFEST-000003"));

	kv_free(KV_MEM_OTHER, all, size + 20);
	log_free(&l);
	kv_dev_close(dev);
}

static void test_bad_current(void **state)
{
	static const char *const bad[] = {
	    "",
	    "MANIFEST-000001",
	    "MANIFEST-000001\n\n",
	    "MANIFEST-1\n",
	    "MANIFEST-0000001\n",
	    "MANIFEST-\n",
	    "MANIFEST-00000a\n",
	    "garbage\n",
	    "manifest-000001\n",
	    "MANIFEST-000001\nX",
	    "MANIFEST-99999999999999999999999\n",
	    "MANIFEST-18446744073709551616\n",
	    "MANIFEST-000001 \n",
	    "MANIFEST-000001\r\n",
	    "MANIFEST-000001\n_______________________________________________________________",
	};
	struct kv_device *dev = open_dev();
	struct edit_log l = {.fail_at = -1};
	struct kv_manifest *m;
	struct kv_err err;
	struct kv_rng r;
	uint64_t id;

	(void)state;
	kv_rng_seed(&r, seed + 6);
	m = write_manifest(dev, &r, 1, 3, &l);
	kv_manifest_close(m);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		set_content(dev, "CURRENT", bad[i], strlen(bad[i]));
		assert_int_equal(recover(dev, &l, &id, &err), KV_ECORRUPT);
		assert_non_null(strstr(kv_err_msg(&err), "CURRENT"));
		assert_int_equal(l.applied, 0);
	}
	/* Restored, it works again. */
	set_content(dev, "CURRENT", "MANIFEST-000001\n", 16);
	assert_int_equal(recover(dev, &l, &id, &err), KV_OK);
	assert_int_equal(l.applied, l.n);

	/* CURRENT naming a manifest that does not exist. */
	set_content(dev, "CURRENT", "MANIFEST-000042\n", 16);
	assert_int_equal(recover(dev, &l, &id, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "MANIFEST-000042"));
	set_content(dev, "CURRENT", "MANIFEST-000001\n", 16);
	assert_int_equal(kv_dev_remove(dev, "MANIFEST-000001"), KV_OK);
	assert_int_equal(recover(dev, &l, &id, &err), KV_ECORRUPT);
	assert_non_null(strstr(kv_err_msg(&err), "MANIFEST-000001"));

	/* No CURRENT at all: a new store. */
	assert_int_equal(kv_dev_remove(dev, "CURRENT"), KV_OK);
	assert_int_equal(recover(dev, &l, &id, &err), KV_NOTFOUND);

	log_free(&l);
	kv_dev_close(dev);
}

static void test_switch_manifests(void **state)
{
	struct kv_device *dev = open_dev();
	struct edit_log l5 = {.fail_at = -1}, l9 = {.fail_at = -1};
	struct kv_manifest *m5, *m9;
	struct kv_err err;
	struct kv_rng r;
	char buf[64];
	size_t len;
	uint64_t id;

	(void)state;
	kv_rng_seed(&r, seed + 7);
	m5 = write_manifest(dev, &r, 5, 8, &l5);
	assert_int_equal(recover(dev, &l5, &id, &err), KV_OK);
	assert_int_equal(id, 5);
	assert_int_equal(l5.applied, l5.n);

	m9 = write_manifest(dev, &r, 9, 4, &l9);
	file_content(dev, "CURRENT", buf, sizeof(buf), &len);
	assert_int_equal(len, 16);
	assert_memory_equal(buf, "MANIFEST-000009\n", 16);
	assert_int_equal(recover(dev, &l9, &id, &err), KV_OK);
	assert_int_equal(id, 9);
	assert_int_equal(l9.applied, l9.n);

	/* Appending to the old one does not change what is live. */
	{
		struct kv_version_edit e;

		kv_edit_init(&e);
		e.has_log_id = true;
		e.log_id = 77;
		assert_int_equal(kv_manifest_append(m5, &e, &err), KV_OK);
		kv_edit_free(&e);
	}
	kv_manifest_close(m5);
	kv_manifest_close(m9);
	assert_int_equal(kv_mem_device_crash(dev), KV_OK);
	assert_int_equal(recover(dev, &l9, &id, &err), KV_OK);
	assert_int_equal(id, 9);
	assert_int_equal(l9.applied, l9.n);

	log_free(&l5);
	log_free(&l9);
	kv_dev_close(dev);
}

/*
 * Fail every allocation in turn during create + appends: each call
 * returns KV_OK or KV_ENOMEM, nothing leaks, and recovery then finds
 * exactly the acknowledged edits (or no store) - never corruption.
 */
static void test_alloc_failures(void **state)
{
	size_t mem0 = kv_mem_in_use(KV_MEM_OTHER), mem1;
	struct kv_version_edit edits[4];
	struct kv_rng r;
	bool hit = true;

	(void)state;
	kv_rng_seed(&r, seed + 8);
	for (size_t i = 0; i < 4; i++) {
		for (;;) {
			rand_edit(&r, &edits[i], 20);
			if (edits[i].keys.len <= 5000)
				break;
			kv_edit_free(&edits[i]);
		}
	}
	mem1 = kv_mem_in_use(KV_MEM_OTHER);
	for (long nth = 1; hit; nth++) {
		struct edit_log l = {.fail_at = -1};
		struct kv_device *dev = open_dev();
		struct kv_manifest *m = NULL;
		size_t acked = 0;
		struct kv_err err;
		uint64_t before, id;
		int rc;

		before = kv_alloc_count();
		kv_alloc_fail_nth(nth);
		rc = kv_manifest_create(dev, 1, &edits[0], &m, &err);
		if (rc == KV_OK)
			acked++;
		for (size_t i = 1; i < 4 && rc == KV_OK; i++) {
			rc = kv_manifest_append(m, &edits[i], &err);
			if (rc == KV_OK)
				acked++;
		}
		hit = kv_alloc_count() - before >= (uint64_t)nth;
		kv_alloc_fail_nth(0);
		assert_true(rc == KV_OK || rc == KV_ENOMEM);
		assert_true(hit || rc == KV_OK);
		kv_manifest_close(m);
		for (size_t i = 0; i < acked; i++)
			log_push(&l, &edits[i]);
		rc = recover(dev, &l, &id, &err);
		if (acked == 0) {
			assert_true(rc == KV_NOTFOUND);
		} else {
			assert_int_equal(rc, KV_OK);
			assert_int_equal(l.applied, acked);
		}
		log_free(&l);
		kv_dev_close(dev);
		assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem1);
	}
	for (size_t i = 0; i < 4; i++)
		kv_edit_free(&edits[i]);
	assert_int_equal(kv_mem_in_use(KV_MEM_OTHER), mem0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_edit_keys_survive_growth),
	    cmocka_unit_test(test_edit_roundtrip),
	    cmocka_unit_test(test_edit_truncations),
	    cmocka_unit_test(test_edit_malformed),
	    cmocka_unit_test(test_file_names),
	    cmocka_unit_test(test_create_append_recover),
	    cmocka_unit_test(test_torn_and_corrupt_manifest),
	    cmocka_unit_test(test_bad_current),
	    cmocka_unit_test(test_switch_manifests),
	    cmocka_unit_test(test_alloc_failures),
	};

	seed = tu_seed(20240608);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
