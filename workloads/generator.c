/*
 * workloads/generator.c - the synthetic workload generator
 * (workloads/generator.h).
 *
 * Invariants of struct kv_gen:
 *  1. inserted = key numbers handed out to INSERTs so far (load + run);
 *     every key number < inserted has been inserted once.
 *  2. latest/exponential distributions have items == max(inserted, 1).
 *  3. load.emitted <= recordcount, run.emitted <= operationcount.
 */
#include "workloads/generator.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "workloads/fnv.h"
#include "workloads/keygen.h"

#define LOAD_STREAM 0x6c6f616473747265ULL
#define KEY_BUF_BYTES 64

struct gen_source {
	struct kv_wl_source base;
	struct kv_gen *g;
	uint64_t emitted;
};

struct kv_gen {
	struct kv_gen_params p;
	struct gen_source load, run;
	struct kv_rng load_rng, run_rng;
	struct kv_dist dist;
	struct kv_zipf scan_zipf;
	struct kv_opmix mix;
	uint64_t inserted;
	char *key_buf;   /* max(KEY_BUF_BYTES, key_size) bytes */
	size_t key_buf_bytes;
};

static bool gen_check(const struct kv_gen *g)
{
	if (g->load.emitted > g->p.recordcount || g->run.emitted > g->p.operationcount)
		return false;
	if ((g->p.dist.kind == KV_DIST_LATEST || g->p.dist.kind == KV_DIST_EXPONENTIAL) &&
	    g->dist.p.items != (g->inserted ? g->inserted : 1))
		return false;
	return true;
}

size_t kv_gen_format_key(enum kv_keyfmt fmt, size_t key_size, uint64_t n, char *buf)
{
	char digits[24];
	size_t len = 0;
	uint64_t v;

	if (fmt == KV_KEYFMT_PADDED) {
		kv_keygen_format(n, buf, key_size);
		return key_size;
	}
	v = fmt == KV_KEYFMT_HASHED ? kv_fnv1a64(n) : n;
	do {
		digits[len++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(buf, "user", 4);
	for (size_t i = 0; i < len; i++)
		buf[4 + i] = digits[len - 1 - i];
	return 4 + len;
}

static void set_key(struct kv_gen *g, struct kv_wl_op *op, uint64_t n)
{
	op->has_keynum = true;
	op->keynum = n;
	op->key = kv_slice_make(g->key_buf,
				kv_gen_format_key(g->p.keyfmt, g->p.key_size, n, g->key_buf));
}

static void note_insert(struct kv_gen *g)
{
	g->inserted++;
	if (g->p.dist.kind == KV_DIST_LATEST || g->p.dist.kind == KV_DIST_EXPONENTIAL)
		kv_dist_set_items(&g->dist, g->inserted);
}

/* YCSB's nextKeynum: redraw numbers that were not inserted yet. */
static uint64_t next_keynum(struct kv_gen *g)
{
	uint64_t n = kv_dist_next(&g->dist, &g->run_rng);

	if (g->p.dist.kind == KV_DIST_ZIPFIAN || g->p.dist.kind == KV_DIST_SCRAMBLED) {
		while (g->inserted > 0 && n >= g->inserted)
			n = kv_dist_next(&g->dist, &g->run_rng);
	}
	return n;
}

static void op_clear(struct kv_wl_op *op)
{
	memset(op, 0, sizeof(*op));
}

static int load_next(struct kv_wl_source *s, struct kv_wl_op *op, struct kv_err *err)
{
	struct gen_source *gs = (struct gen_source *)s;
	struct kv_gen *g = gs->g;

	(void)err;
	if (!g->p.load || gs->emitted >= g->p.recordcount)
		return KV_NOTFOUND;
	op_clear(op);
	op->kind = KV_WL_INSERT;
	set_key(g, op, gs->emitted);
	op->value_len = kv_vsize_next(&g->p.vsize, &g->load_rng);
	gs->emitted++;
	if (g->inserted < gs->emitted)
		note_insert(g);
	assert(gen_check(g));
	return KV_OK;
}

static uint64_t scan_length(struct kv_gen *g)
{
	switch (g->p.scan_len_kind) {
	case KV_SCANLEN_CONSTANT:
		return g->p.max_scan_length;
	case KV_SCANLEN_ZIPFIAN:
		return 1 + kv_zipf_rank(&g->scan_zipf, kv_rng_double(&g->run_rng));
	case KV_SCANLEN_UNIFORM:
	default:
		return 1 + kv_rng_below(&g->run_rng, g->p.max_scan_length);
	}
}

static int run_next(struct kv_wl_source *s, struct kv_wl_op *op, struct kv_err *err)
{
	struct gen_source *gs = (struct gen_source *)s;
	struct kv_gen *g = gs->g;
	enum kv_wl_kind kind;

	(void)err;
	if (gs->emitted >= g->p.operationcount)
		return KV_NOTFOUND;
	op_clear(op);
	kind = kv_opmix_next(&g->mix, &g->run_rng);
	op->kind = kind;
	switch (kind) {
	case KV_WL_INSERT:
		set_key(g, op, g->inserted);
		op->value_len = kv_vsize_next(&g->p.vsize, &g->run_rng);
		note_insert(g);
		break;
	case KV_WL_UPDATE:
	case KV_WL_RMW:
		set_key(g, op, next_keynum(g));
		op->value_len = kv_vsize_next(&g->p.vsize, &g->run_rng);
		break;
	case KV_WL_SCAN:
		set_key(g, op, next_keynum(g));
		op->scan_len = scan_length(g);
		break;
	default:
		set_key(g, op, next_keynum(g));
		break;
	}
	gs->emitted++;
	assert(gen_check(g));
	return KV_OK;
}

static void view_close(struct kv_wl_source *s)
{
	(void)s;
}

static const struct kv_wl_source_ops load_ops = {
	.name = "generator-load", .next = load_next, .close = view_close,
};
static const struct kv_wl_source_ops run_ops = {
	.name = "generator-run", .next = run_next, .close = view_close,
};

int kv_gen_new(const struct kv_gen_params *p, struct kv_gen **out, struct kv_err *err)
{
	struct kv_dist_params dp = p->dist;
	struct kv_gen *g;
	double expected_inserts;
	int rc;

	*out = NULL;
	if (p->recordcount == 0)
		return kv_err_set(err, KV_EINVAL, "recordcount must be at least 1");
	if (p->max_scan_length == 0)
		return kv_err_set(err, KV_EINVAL, "max_scan_length must be at least 1");
	if (p->keyfmt == KV_KEYFMT_PADDED &&
	    kv_keygen_digits(p->recordcount + p->operationcount) > p->key_size)
		return kv_err_set(err, KV_EINVAL,
				  "key_size %zu is too small for %llu key numbers (%zu digits)",
				  p->key_size,
				  (unsigned long long)(p->recordcount + p->operationcount),
				  kv_keygen_digits(p->recordcount + p->operationcount));
	g = kv_calloc(KV_MEM_WORKLOAD, sizeof(*g));
	if (!g)
		return kv_err_set(err, KV_ENOMEM, "workload generator: out of memory");
	g->p = *p;
	rc = kv_vsize_check(&g->p.vsize, err);
	if (rc != KV_OK)
		goto out_free_gen;
	rc = kv_opmix_init(&g->mix, p->weight, err);
	if (rc != KV_OK)
		goto out_free_gen;
	expected_inserts = p->weight[KV_WL_INSERT] / g->mix.total * (double)p->operationcount;
	switch (dp.kind) {
	case KV_DIST_ZIPFIAN:
	case KV_DIST_SCRAMBLED:
		dp.items = p->recordcount + (uint64_t)(2.0 * expected_inserts);
		break;
	default:
		dp.items = p->recordcount;
		break;
	}
	rc = kv_dist_init(&g->dist, &dp, err);
	if (rc != KV_OK)
		goto out_free_gen;
	/* latest/exponential follow the inserted count (exponential's gamma
	   stays computed from recordcount, as YCSB). */
	if (dp.kind == KV_DIST_LATEST || dp.kind == KV_DIST_EXPONENTIAL)
		kv_dist_set_items(&g->dist, 1);
	if (p->scan_len_kind == KV_SCANLEN_ZIPFIAN)
		kv_zipf_init(&g->scan_zipf, p->max_scan_length, KV_ZIPF_THETA, -1);
	g->key_buf_bytes = p->key_size > KEY_BUF_BYTES ? p->key_size : KEY_BUF_BYTES;
	g->key_buf = kv_malloc(KV_MEM_WORKLOAD, g->key_buf_bytes);
	if (!g->key_buf) {
		rc = kv_err_set(err, KV_ENOMEM, "workload generator: out of memory");
		goto out_free_gen;
	}
	kv_rng_seed(&g->run_rng, p->seed);
	kv_rng_seed(&g->load_rng, p->seed ^ LOAD_STREAM);
	g->load = (struct gen_source){
		.base = { .ops = &load_ops, .total_ops = p->load ? p->recordcount : 0,
			  .numeric_keys = true, .key_space = p->recordcount },
		.g = g,
	};
	g->run = (struct gen_source){
		.base = { .ops = &run_ops, .total_ops = p->operationcount, .numeric_keys = true,
			  .key_space = p->recordcount },
		.g = g,
	};
	assert(gen_check(g));
	*out = g;
	return KV_OK;

out_free_gen:
	kv_free(KV_MEM_WORKLOAD, g, sizeof(*g));
	return rc;
}

void kv_gen_free(struct kv_gen *g)
{
	if (!g)
		return;
	kv_free(KV_MEM_WORKLOAD, g->key_buf, g->key_buf_bytes);
	kv_free(KV_MEM_WORKLOAD, g, sizeof(*g));
}

struct kv_wl_source *kv_gen_load_source(struct kv_gen *g)
{
	return &g->load.base;
}

struct kv_wl_source *kv_gen_run_source(struct kv_gen *g)
{
	return &g->run.base;
}
