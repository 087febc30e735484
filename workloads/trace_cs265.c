/*
 * workloads/trace_cs265.c - the Harvard CS265 workload DSL: reader and
 * generator (workloads/trace.h).
 *
 * Grammar (one command per line, fields separated by spaces or tabs;
 * blank lines are skipped; keys and values are decimal int32):
 *   p KEY VALUE     put                        -> update (a put)
 *   g KEY           get                        -> read
 *   r LOW HIGH      range: keys in [LOW, HIGH) -> scan with bound HIGH
 *   d KEY           delete                     -> delete
 *   l "FILE"        load FILE: a binary file of (int32 key, int32 value)
 *                   pairs, little-endian, 8 bytes each -> one insert per
 *                   pair; a relative FILE is looked up in the current
 *                   directory, then next to the workload file
 *   s               print statistics           -> stats (counted only)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "workloads/dist.h"
#include "workloads/trace.h"
#include "workloads/trace_reader.h"

#define PATH_BYTES 4096

struct cs265_source {
	struct kv_wl_source base;
	struct kv_line_reader in;
	FILE *load;                  /* open load file, or NULL */
	char load_path[PATH_BYTES];
	uint64_t load_pairs, load_done;
	char key[4], hi[4], value[4];
};

static void set_int_value(char out[4], int32_t v)
{
	uint32_t u = (uint32_t)v;

	out[0] = (char)u;
	out[1] = (char)(u >> 8);
	out[2] = (char)(u >> 16);
	out[3] = (char)(u >> 24);
}

static int load_pair(struct cs265_source *s, struct kv_wl_op *op, struct kv_err *err)
{
	unsigned char pair[8];
	int32_t k, v;

	if (fread(pair, 1, 8, s->load) != 8)
		return kv_err_set(err, KV_EIO, "%s: read error at offset %llu: %s", s->load_path,
				  (unsigned long long)(s->load_done * 8),
				  ferror(s->load) ? strerror(errno) : "unexpected end of file");
	k = (int32_t)((uint32_t)pair[0] | (uint32_t)pair[1] << 8 | (uint32_t)pair[2] << 16 |
		      (uint32_t)pair[3] << 24);
	v = (int32_t)((uint32_t)pair[4] | (uint32_t)pair[5] << 8 | (uint32_t)pair[6] << 16 |
		      (uint32_t)pair[7] << 24);
	s->load_done++;
	if (s->load_done == s->load_pairs) {
		fclose(s->load);
		s->load = NULL;
	}
	memset(op, 0, sizeof(*op));
	op->kind = KV_WL_INSERT;
	kv_trace_int_key(k, s->key);
	set_int_value(s->value, v);
	op->key = kv_slice_make(s->key, 4);
	op->value_len = 4;
	op->value = kv_slice_make(s->value, 4);
	return KV_OK;
}

/* Open the load file named on the current line; KV_EINVAL/KV_EIO. */
static int open_load(struct cs265_source *s, const char *name, struct kv_err *err)
{
	struct stat st;
	const char *slash;

	snprintf(s->load_path, sizeof(s->load_path), "%s", name);
	if (name[0] != '/' && stat(s->load_path, &st) != 0 &&
	    (slash = strrchr(s->in.path, '/')) != NULL)
		snprintf(s->load_path, sizeof(s->load_path), "%.*s/%s",
			 (int)(slash - s->in.path), s->in.path, name);
	s->load = fopen(s->load_path, "rb");
	if (!s->load)
		return kv_err_set(err, KV_EIO, "%s:%lu: cannot open load file '%s': %s",
				  s->in.path, s->in.line, name, strerror(errno));
	if (fstat(fileno(s->load), &st) != 0 || st.st_size % 8 != 0) {
		fclose(s->load);
		s->load = NULL;
		return kv_line_error(&s->in, err,
				     "expected load file '%s' to hold int32 key/value pairs (8 "
				     "bytes each), but its size %lld is not a multiple of 8",
				     name, (long long)st.st_size);
	}
	s->load_pairs = (uint64_t)st.st_size / 8;
	s->load_done = 0;
	if (s->load_pairs == 0) {
		fclose(s->load);
		s->load = NULL;
	}
	return KV_OK;
}

static int cs265_next(struct kv_wl_source *base, struct kv_wl_op *op, struct kv_err *err)
{
	struct cs265_source *s = (struct cs265_source *)base;
	char *t[4];
	int n, rc;
	int32_t a, b;

	for (;;) {
		if (s->load)
			return load_pair(s, op, err);
		rc = kv_line_next(&s->in, err);
		if (rc != KV_OK)
			return rc;
		if (s->in.buf.data[0] == 'l') {
			char *p = s->in.buf.data + 1, *q;

			while (*p == ' ' || *p == '\t')
				p++;
			q = *p == '"' ? strchr(p + 1, '"') : NULL;
			if (p == s->in.buf.data + 1 || !q || q == p + 1 || q[1] != '\0')
				return kv_line_error(&s->in, err,
						     "expected 'l \"FILE\"' (a quoted path)");
			*q = '\0';
			rc = open_load(s, p + 1, err);
			if (rc != KV_OK)
				return rc;
			continue;
		}
		n = kv_split_ws(s->in.buf.data, t, 3);
		if (n == 0)
			continue;
		break;
	}
	memset(op, 0, sizeof(*op));
	if (strlen(t[0]) != 1 || !strchr("pgrds", t[0][0]))
		return kv_line_error(&s->in, err, "expected a command p|g|r|d|l|s, got '%.40s'",
				     t[0]);
	switch (t[0][0]) {
	case 'p':
		if (n != 3 || !kv_parse_i32(t[1], &a) || !kv_parse_i32(t[2], &b))
			return kv_line_error(&s->in, err, "expected 'p KEY VALUE' (int32 KEY and VALUE)");
		op->kind = KV_WL_UPDATE;
		set_int_value(s->value, b);
		op->value_len = 4;
		op->value = kv_slice_make(s->value, 4);
		break;
	case 'g':
	case 'd':
		if (n != 2 || !kv_parse_i32(t[1], &a))
			return kv_line_error(&s->in, err, "expected '%c KEY' (an int32 KEY)", t[0][0]);
		op->kind = t[0][0] == 'g' ? KV_WL_READ : KV_WL_DELETE;
		break;
	case 'r':
		if (n != 3 || !kv_parse_i32(t[1], &a) || !kv_parse_i32(t[2], &b))
			return kv_line_error(&s->in, err, "expected 'r LOW HIGH' (int32 LOW and HIGH)");
		op->kind = KV_WL_SCAN;
		kv_trace_int_key(b, s->hi);
		op->hi = kv_slice_make(s->hi, 4);
		break;
	default: /* 's' */
		if (n != 1)
			return kv_line_error(&s->in, err, "expected 's' alone");
		op->kind = KV_WL_STATS;
		op->key = kv_slice_make("", 0);
		return KV_OK;
	}
	kv_trace_int_key(a, s->key);
	op->key = kv_slice_make(s->key, 4);
	return KV_OK;
}

static void cs265_close(struct kv_wl_source *base)
{
	struct cs265_source *s = (struct cs265_source *)base;

	if (s->load)
		fclose(s->load);
	kv_line_close(&s->in);
	kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
}

static const struct kv_wl_source_ops cs265_ops = {
	.name = "cs265", .next = cs265_next, .close = cs265_close,
};

int kv_trace_cs265_open(const char *path, struct kv_wl_source **out, struct kv_err *err)
{
	struct cs265_source *s = kv_calloc(KV_MEM_WORKLOAD, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	rc = kv_line_open(&s->in, path, err);
	if (rc != KV_OK) {
		kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
		return rc;
	}
	s->base.ops = &cs265_ops;
	*out = &s->base;
	return KV_OK;
}

/* ---------------------------------------------------------- generator */

static int32_t draw_key(const struct kv_cs265_gen_params *p, struct kv_dist *d,
			struct kv_rng *rng)
{
	(void)p;
	return (int32_t)kv_dist_next(d, rng);
}

/* Keys written so far (puts and the load file), to aim gets and deletes. */
struct put_keys {
	int32_t *k;
	size_t n, cap;
};

static int remember(struct put_keys *pk, int32_t key)
{
	if (pk->n == pk->cap) {
		size_t cap = pk->cap ? 2 * pk->cap : 1024;
		int32_t *p = kv_realloc(KV_MEM_WORKLOAD, pk->k, pk->cap * sizeof(int32_t),
					cap * sizeof(int32_t));
		if (!p)
			return KV_ENOMEM;
		pk->k = p;
		pk->cap = cap;
	}
	pk->k[pk->n++] = key;
	return KV_OK;
}

/* A key that was written (uniform over the writes), or a fresh draw. */
static int32_t written_key(const struct kv_cs265_gen_params *p, struct put_keys *pk,
			   struct kv_dist *d, struct kv_rng *rng)
{
	if (pk->n == 0)
		return 2 * draw_key(p, d, rng);
	return pk->k[kv_rng_below(rng, pk->n)];
}

int kv_cs265_generate(const struct kv_cs265_gen_params *p, FILE *out, struct kv_err *err)
{
	struct kv_dist_params dp = { .kind = p->skew ? KV_DIST_PERMUTED : KV_DIST_UNIFORM,
				     .theta = 0.99, .seed = p->seed };
	struct put_keys pk = { NULL, 0, 0 };
	struct kv_dist dist;
	struct kv_rng rng;
	uint64_t left[4] = { p->puts, p->gets, p->ranges, p->deletes }, total;
	uint64_t range = p->key_range ? p->key_range : 4 * (p->puts + p->load) + 1;
	int rc;

	if (range > 1000000000ULL)
		return kv_err_set(err, KV_EINVAL,
				  "key range %llu is above 1000000000 (keys are written doubled "
				  "as int32)", (unsigned long long)range);
	if (!(p->gets_miss_ratio >= 0 && p->gets_miss_ratio <= 1))
		return kv_err_set(err, KV_EINVAL, "gets-miss-ratio %g is outside [0, 1]",
				  p->gets_miss_ratio);
	if (p->load && !p->load_path)
		return kv_err_set(err, KV_EINVAL, "a load file needs a path (--load_file)");
	dp.items = range;
	rc = kv_dist_init(&dist, &dp, err);
	if (rc != KV_OK)
		return rc;
	kv_rng_seed(&rng, p->seed);
	if (p->load) {
		FILE *lf = fopen(p->load_path, "wb");

		if (!lf)
			return kv_err_set(err, KV_EIO, "%s: %s", p->load_path, strerror(errno));
		for (uint64_t i = 0; i < p->load; i++) {
			int32_t key = 2 * draw_key(p, &dist, &rng);
			uint32_t k = (uint32_t)key;
			uint32_t v = (uint32_t)kv_rng_next(&rng);
			unsigned char pair[8] = { (unsigned char)k, (unsigned char)(k >> 8),
						  (unsigned char)(k >> 16), (unsigned char)(k >> 24),
						  (unsigned char)v, (unsigned char)(v >> 8),
						  (unsigned char)(v >> 16), (unsigned char)(v >> 24) };
			if (fwrite(pair, 1, 8, lf) != 8 || remember(&pk, key) != KV_OK) {
				fclose(lf);
				rc = kv_err_set(err, KV_EIO, "%s: write failed", p->load_path);
				goto out_free;
			}
		}
		if (fclose(lf) != 0) {
			rc = kv_err_set(err, KV_EIO, "%s: write failed", p->load_path);
			goto out_free;
		}
		fprintf(out, "l \"%s\"\n", p->load_name ? p->load_name : p->load_path);
	}
	/* Puts use even keys; a missing get asks for an odd one, so it misses. */
	total = left[0] + left[1] + left[2] + left[3];
	while (total > 0) {
		uint64_t pick = kv_rng_below(&rng, total);
		int k = 0;
		int32_t key;

		while (pick >= left[k])
			pick -= left[k++];
		left[k]--;
		total--;
		switch (k) {
		case 0:
			key = 2 * draw_key(p, &dist, &rng);
			if (remember(&pk, key) != KV_OK) {
				rc = kv_err_set(err, KV_ENOMEM, "out of memory");
				goto out_free;
			}
			fprintf(out, "p %d %d\n", key, (int32_t)(uint32_t)kv_rng_next(&rng));
			break;
		case 1:
			if (pk.n == 0 || kv_rng_double(&rng) < p->gets_miss_ratio)
				key = 2 * draw_key(p, &dist, &rng) + 1;
			else
				key = written_key(p, &pk, &dist, &rng);
			fprintf(out, "g %d\n", key);
			break;
		case 2:
			key = 2 * draw_key(p, &dist, &rng);
			fprintf(out, "r %d %d\n", key, key + 2 * (int32_t)(1 + kv_rng_below(&rng, 50)));
			break;
		default:
			fprintf(out, "d %d\n", written_key(p, &pk, &dist, &rng));
			break;
		}
	}
	rc = ferror(out) ? kv_err_set(err, KV_EIO, "writing the workload failed") : KV_OK;
out_free:
	kv_free(KV_MEM_WORKLOAD, pk.k, pk.cap * sizeof(int32_t));
	return rc;
}
