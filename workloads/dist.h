/*
 * workloads/dist.h - key distributions: which key number an operation
 * touches. One interface (a small ops table), one file per kind:
 *
 *   uniform      dist_uniform.c     uniform over [0, items)
 *   sequential   dist_uniform.c     0, 1, ..., items-1, 0, ... (YCSB's
 *                                   SequentialGenerator)
 *   zipfian      dist_zipfian.c     Gray et al. zipfian over [0, items):
 *                                   rank r is key number r (YCSB's
 *                                   ZipfianGenerator)
 *   scrambled    dist_scrambled.c   YCSB's ScrambledZipfianGenerator: a
 *                                   zipfian rank over 10^10 items, then
 *                                   fnv1a64(rank) mod items
 *   latest       dist_latest.c      newest key number minus a zipfian draw
 *                                   over the inserted count (items)
 *   hotspot      dist_hotspot.c     a fraction op_fraction of draws uniform
 *                                   on the lowest data_fraction x items
 *                                   numbers, the rest uniform on the others
 *   exponential  dist_exponential.c newest minus floor(Exp(gamma)), gamma =
 *                                   -ln(1 - percentile/100) / (items x
 *                                   frac), negatives redrawn (YCSB)
 *   permuted     dist_permuted.c    a true Gray zipfian rank over items,
 *                                   mapped through a seeded bijection of
 *                                   [0, items) (a Feistel permutation)
 *
 * The formulas, with YCSB's quirks and where lsmlab differs, are in
 * docs/workloads.md.
 *
 * items is the current number of key numbers; kv_dist_set_items() grows
 * (or shrinks) it as inserts arrive. The zipfian kinds then extend zeta(n)
 * incrementally (O(new items)) like YCSB's ZipfianGenerator, so a growing
 * "latest" costs O(1) amortized per insert.
 *
 * Every draw takes its randomness from the caller's struct kv_rng, so the
 * stream is reproducible from a seed. A struct kv_dist holds no heap
 * memory: no destroy is needed.
 */
#ifndef KV_WORKLOADS_DIST_H
#define KV_WORKLOADS_DIST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/status.h"

enum kv_dist_kind {
	KV_DIST_UNIFORM = 0,
	KV_DIST_SEQUENTIAL,
	KV_DIST_ZIPFIAN,
	KV_DIST_SCRAMBLED,
	KV_DIST_LATEST,
	KV_DIST_HOTSPOT,
	KV_DIST_EXPONENTIAL,
	KV_DIST_PERMUTED,
	KV_DIST__COUNT
};

/* YCSB's defaults. */
#define KV_ZIPF_THETA 0.99
#define KV_SCRAMBLED_ITEMS 10000000000ULL
#define KV_SCRAMBLED_ZETAN 26.46902820178302

/* The distribution names in enum order, NULL-terminated (option choices). */
extern const char *const kv_dist_names[];

struct kv_dist_params {
	enum kv_dist_kind kind;
	uint64_t items;          /* >= 1 */
	double theta;            /* zipfian kinds: 0 < theta < 1 */
	double hot_data_fraction; /* hotspot: 0..1 */
	double hot_op_fraction;   /* hotspot: 0..1 */
	double exp_percentile;   /* exponential: 0 < p < 100 */
	double exp_frac;         /* exponential: > 0 */
	uint64_t seed;           /* permuted: the permutation's seed */
};

/* Gray et al. zipfian state (YCSB ZipfianGenerator). */
struct kv_zipf {
	uint64_t items;      /* n */
	uint64_t count_for_zeta; /* n that zetan was computed for */
	double theta;
	double alpha;        /* 1 / (1 - theta) */
	double zeta2;        /* zeta(2) */
	double zetan;        /* zeta(n) */
	double eta;
	double half_pow_theta; /* 0.5^theta */
};

struct kv_dist;

struct kv_dist_ops {
	const char *name;
	/* A key number; requires items >= 1. */
	uint64_t (*next)(struct kv_dist *d, struct kv_rng *rng);
	/* Optional: react to a new item count (NULL: just store it). */
	void (*set_items)(struct kv_dist *d, uint64_t items);
};

struct kv_dist {
	const struct kv_dist_ops *ops;
	struct kv_dist_params p;  /* p.items is the current count */
	uint64_t counter;         /* sequential */
	struct kv_zipf zipf;      /* zipfian kinds */
	uint64_t hot_items;       /* hotspot */
	double gamma;             /* exponential */
	unsigned perm_bits;       /* permuted: Feistel domain 2^perm_bits */
	uint64_t perm_keys[4];    /* permuted: round keys */
};

/*
 * Set @d up from @p. KV_EINVAL naming the parameter (items 0, theta out of
 * (0, 1), fractions out of [0, 1], percentile out of (0, 100), frac <= 0).
 */
int kv_dist_init(struct kv_dist *d, const struct kv_dist_params *p, struct kv_err *err);

static inline uint64_t kv_dist_next(struct kv_dist *d, struct kv_rng *rng)
{
	return d->ops->next(d, rng);
}

/* Change the item count (inserts); requires items >= 1. */
void kv_dist_set_items(struct kv_dist *d, uint64_t items);

/* The kind named @name, or -1. */
int kv_dist_find(const char *name);

/* ---- zipfian building blocks (dist_zipfian.c), exposed for tests ---- */

/* zeta(n, theta) = sum_{i=1..n} 1 / i^theta, summed directly. */
double kv_zeta(uint64_t n, double theta);
/* zeta(n) from zeta(m) (m <= n): adds the terms m+1..n. */
double kv_zeta_extend(double zeta_m, uint64_t m, uint64_t n, double theta);
/* zeta(n, theta) for large n: 10^6 terms summed, then the Euler-Maclaurin tail. */
double kv_zeta_large(uint64_t n, double theta);
/* eta(n) = (1 - (2/n)^(1-theta)) / (1 - zeta(2)/zeta(n)). */
double kv_zipf_eta(uint64_t n, double theta, double zetan);
/* Initialise @z over n items; zetan < 0: compute it. */
void kv_zipf_init(struct kv_zipf *z, uint64_t n, double theta, double zetan);
/* Regrow @z to n items (incremental zeta when n grows). */
void kv_zipf_set_items(struct kv_zipf *z, uint64_t n);
/* A rank in [0, n) from uniform @u in [0, 1) (Gray et al.). */
uint64_t kv_zipf_rank(const struct kv_zipf *z, double u);

/* Per-kind ops, one per dist_*.c. */
extern const struct kv_dist_ops kv_dist_uniform_ops;
extern const struct kv_dist_ops kv_dist_sequential_ops;
extern const struct kv_dist_ops kv_dist_zipfian_ops;
extern const struct kv_dist_ops kv_dist_scrambled_ops;
extern const struct kv_dist_ops kv_dist_latest_ops;
extern const struct kv_dist_ops kv_dist_hotspot_ops;
extern const struct kv_dist_ops kv_dist_exponential_ops;
extern const struct kv_dist_ops kv_dist_permuted_ops;

/* Per-kind setup called by kv_dist_init after the common checks. */
void kv_dist_hotspot_setup(struct kv_dist *d);
void kv_dist_exponential_setup(struct kv_dist *d);
void kv_dist_permuted_setup(struct kv_dist *d);

/* The permutation of dist_permuted.c: a bijection of [0, n). */
uint64_t kv_dist_permute(const struct kv_dist *d, uint64_t rank);

#endif
