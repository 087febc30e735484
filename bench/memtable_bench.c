/*
 * bench/memtable_bench.c - every memtable kind side by side.
 *
 * For each kind, table size and key order: n puts of 16-byte keys with
 * 100-byte values into an empty table, then point gets that hit (existing
 * keys in random order) and miss (absent keys interleaved with the present
 * ones), then one full sorted iteration (iterator creation, which sorts a
 * snapshot for hash and vector, is timed separately and included in the
 * per-entry iteration time), and the bytes of overhead per entry beyond
 * key + value (approx_bytes before any iterator exists; the cached sorted
 * snapshot of hash/vector adds 16 bytes per entry while it is held).
 *
 * Keys: "seq" = the decimal numbers 0, 2, 4, ... zero-padded to 16 bytes,
 * inserted ascending (misses are the odd numbers); "random" = 16 hex digits
 * of a uniform 64-bit value (misses are other random values). Fixed seed.
 * Every kind gets the config write_buffer_size = n * 116 bytes (what an
 * engine sized to hold the n entries would pass; it sizes the hash buckets
 * and the vector array, which then grow by doubling).
 *
 * Usage: memtable_bench [--sizes=100000,1000000] [--kinds=skiplist,...]
 *                       [--gets=200000] [--scan_budget=200000000]
 * --gets is the number of hit and of miss lookups per cell; for the vector
 * kind in its default get mode (a backwards O(n) scan) the count is capped
 * so that gets * n <= scan_budget. Prints a markdown table.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/memtable/memtable.h"
#include "core/options.h"
#include "core/rng.h"

#define KEY_BYTES 16
#define VALUE_BYTES 100
#define SEED UINT64_C(20240601)
#define MAX_LIST 16

struct kind_spec {
	const char *label;  /* row label */
	const char *kind;   /* registry name */
	const char *opt;    /* extra option name or NULL */
	const char *optval;
};

static const struct kind_spec all_kinds[] = {
	{ "skiplist", "skiplist", NULL, NULL },
	{ "rbtree", "rbtree", NULL, NULL },
	{ "hash", "hash", NULL, NULL },
	{ "vector", "vector", NULL, NULL },
	{ "vector (get=index)", "vector", "vector_get", "index" },
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void make_key(char *out, bool seq, uint64_t i, struct kv_rng *r)
{
	char buf[24];

	if (seq)
		snprintf(buf, sizeof(buf), "%016" PRIu64, i);
	else
		snprintf(buf, sizeof(buf), "%016" PRIx64, kv_rng_next(r));
	memcpy(out, buf, KEY_BYTES);
}

struct cell {
	double insert_ns, hit_ns, miss_ns, iter_ns, create_ms, overhead;
	size_t gets;
};

static int run_cell(const struct kind_spec *ks, size_t n, bool seq, size_t gets_wanted,
		    uint64_t scan_budget, struct cell *out)
{
	const struct kv_memtable_ops *ops = kv_memtable_find(ks->kind);
	size_t nkeys = n * KEY_BYTES, gets;
	char *keys = kv_malloc(KV_MEM_WORKLOAD, nkeys), *miss = NULL;
	size_t *order = NULL;
	struct kv_config *cfg = kv_config_new();
	struct kv_memtable *mt = NULL;
	struct kv_iter *it = NULL;
	char value[VALUE_BYTES], wbs[32];
	struct kv_err err;
	struct kv_rng r;
	uint64_t t0, sink = 0;
	size_t found = 0, seen = 0;
	int rc = KV_ENOMEM;

	if (!ops) {
		fprintf(stderr, "unknown memtable kind '%s'\n", ks->kind);
		rc = KV_EINVAL;
		goto out;
	}
	gets = gets_wanted;
	if (strcmp(ks->kind, "vector") == 0 && !ks->opt && gets * n > scan_budget)
		gets = (size_t)(scan_budget / n);
	if (gets < 1)
		gets = 1;
	miss = kv_malloc(KV_MEM_WORKLOAD, gets * KEY_BYTES);
	order = kv_malloc(KV_MEM_WORKLOAD, gets * sizeof(*order));
	if (!keys || !miss || !order || !cfg)
		goto out;
	kv_rng_seed(&r, SEED);
	for (size_t i = 0; i < n; i++)
		make_key(keys + i * KEY_BYTES, seq, 2 * (uint64_t)i, &r);
	for (size_t i = 0; i < gets; i++) {
		make_key(miss + i * KEY_BYTES, seq, 2 * kv_rng_below(&r, n) + 1, &r);
		order[i] = (size_t)kv_rng_below(&r, n);
	}
	kv_rng_fill(&r, value, sizeof(value));
	snprintf(wbs, sizeof(wbs), "%zu", n * (KEY_BYTES + VALUE_BYTES));
	rc = kv_config_set(cfg, "write_buffer_size", wbs);
	if (rc == KV_OK && ks->opt)
		rc = kv_config_set(cfg, ks->opt, ks->optval);
	if (rc != KV_OK)
		goto out;
	kv_err_clear(&err);
	rc = kv_memtable_create(ops, cfg, &mt, &err);
	if (rc != KV_OK) {
		fprintf(stderr, "%s: %s\n", ks->label, kv_err_msg(&err));
		goto out;
	}

	t0 = now_ns();
	for (size_t i = 0; i < n; i++) {
		struct kv_entry_meta m = { .seq = i + 1, .ts_ns = 0, .kind = KV_KIND_PUT };

		rc = kv_memtable_put(mt, kv_slice_make(keys + i * KEY_BYTES, KEY_BYTES),
				     kv_slice_make(value, sizeof(value)), &m);
		if (rc != KV_OK)
			goto out;
	}
	out->insert_ns = (double)(now_ns() - t0) / (double)n;
	out->overhead = ((double)kv_memtable_bytes(mt) - (double)mt->key_bytes -
			 (double)mt->value_bytes) /
			(double)kv_memtable_count(mt);

	t0 = now_ns();
	for (size_t i = 0; i < gets; i++) {
		struct kv_slice v;

		if (kv_memtable_get(mt, kv_slice_make(keys + order[i] * KEY_BYTES, KEY_BYTES), &v,
				    NULL) == KV_OK) {
			found++;
			sink += (unsigned char)v.data[0];
		}
	}
	out->hit_ns = (double)(now_ns() - t0) / (double)gets;
	t0 = now_ns();
	for (size_t i = 0; i < gets; i++) {
		if (kv_memtable_get(mt, kv_slice_make(miss + i * KEY_BYTES, KEY_BYTES), NULL,
				    NULL) == KV_OK)
			found++;
	}
	out->miss_ns = (double)(now_ns() - t0) / (double)gets;
	if (found != gets) {
		fprintf(stderr, "%s: %zu of %zu gets wrong\n", ks->label, found > gets ?
			found - gets : gets - found, gets);
		rc = KV_EINVAL;
		goto out;
	}

	t0 = now_ns();
	it = kv_memtable_iter(mt);
	if (!it) {
		rc = KV_ENOMEM;
		goto out;
	}
	kv_iter_seek_first(it);
	out->create_ms = (double)(now_ns() - t0) / 1e6;
	for (; kv_iter_valid(it); kv_iter_next(it)) {
		sink += (unsigned char)kv_iter_key(it).data[KEY_BYTES - 1];
		seen++;
	}
	out->iter_ns = (double)(now_ns() - t0) / (double)n;
	if (seen != kv_memtable_count(mt)) {
		fprintf(stderr, "%s: iteration saw %zu of %zu entries\n", ks->label, seen,
			kv_memtable_count(mt));
		rc = KV_EINVAL;
		goto out;
	}
	out->gets = gets;
	if (sink == 42)
		fprintf(stderr, " ");
	rc = KV_OK;
out:
	kv_iter_close(it);
	kv_memtable_destroy(mt);
	kv_config_free(cfg);
	kv_free(KV_MEM_WORKLOAD, keys, nkeys);
	if (miss)
		kv_free(KV_MEM_WORKLOAD, miss, gets * KEY_BYTES);
	if (order)
		kv_free(KV_MEM_WORKLOAD, order, gets * sizeof(*order));
	return rc;
}

/* Split a comma list of sizes; returns the count or -1. */
static int parse_sizes(const char *s, size_t *out)
{
	int n = 0;

	while (*s && n < MAX_LIST) {
		char *end;
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s || v == 0)
			return -1;
		out[n++] = (size_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

static bool kind_wanted(const char *list, const char *label)
{
	size_t len = strlen(label);

	if (!list)
		return true;
	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == len && strncmp(p, label, l) == 0)
			return true;
		if (!c)
			break;
		p = c + 1;
	}
	return false;
}

int main(int argc, char **argv)
{
	size_t sizes[MAX_LIST] = { 100000, 1000000 };
	int nsizes = 2;
	const char *kinds = NULL;
	size_t gets = 200000;
	uint64_t scan_budget = 200000000;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--sizes=", 8) == 0) {
			nsizes = parse_sizes(argv[i] + 8, sizes);
			if (nsizes <= 0) {
				fprintf(stderr, "bad --sizes: %s\n", argv[i]);
				return 2;
			}
		} else if (strncmp(argv[i], "--kinds=", 8) == 0) {
			kinds = argv[i] + 8;
		} else if (strncmp(argv[i], "--gets=", 7) == 0) {
			gets = (size_t)strtoull(argv[i] + 7, NULL, 10);
		} else if (strncmp(argv[i], "--scan_budget=", 14) == 0) {
			scan_budget = strtoull(argv[i] + 14, NULL, 10);
		} else {
			fprintf(stderr,
				"usage: %s [--sizes=100000,1000000] [--kinds=skiplist,rbtree,hash,"
				"vector] [--gets=200000] [--scan_budget=200000000]\n",
				argv[0]);
			return 2;
		}
	}
	if (gets == 0)
		gets = 1;
	printf("| kind | n | keys | insert ns/op | get hit ns/op | get miss ns/op | gets | "
	       "iter create ms | iterate ns/entry | overhead B/entry |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|\n");
	for (int s = 0; s < nsizes; s++) {
		for (int order = 0; order < 2; order++) {
			for (size_t k = 0; k < sizeof(all_kinds) / sizeof(all_kinds[0]); k++) {
				const struct kind_spec *ks = &all_kinds[k];
				struct cell c;

				if (!kind_wanted(kinds, ks->kind))
					continue;
				memset(&c, 0, sizeof(c));
				if (run_cell(ks, sizes[s], order == 0, gets, scan_budget, &c) !=
				    KV_OK) {
					fprintf(stderr, "%s n=%zu failed\n", ks->label, sizes[s]);
					failed = 1;
					continue;
				}
				printf("| %s | %zu | %s | %.0f | %.0f | %.0f | %zu | %.1f | %.1f | "
				       "%.1f |\n",
				       ks->label, sizes[s], order == 0 ? "seq" : "random",
				       c.insert_ns, c.hit_ns, c.miss_ns, c.gets, c.create_ms,
				       c.iter_ns, c.overhead);
				fflush(stdout);
			}
		}
	}
	return failed;
}
