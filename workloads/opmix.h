/*
 * workloads/opmix.h - an operation mix: proportions of read, update,
 * insert, delete, scan and read-modify-write, drawn with one uniform
 * number per operation (like YCSB's DiscreteGenerator: the first kind
 * whose cumulative weight exceeds u x total). Weights need not sum to 1.
 */
#ifndef KV_WORKLOADS_OPMIX_H
#define KV_WORKLOADS_OPMIX_H

#include "core/rng.h"
#include "core/status.h"
#include "workloads/opstream.h"

#define KV_OPMIX_KINDS 6 /* READ, UPDATE, INSERT, DELETE, SCAN, RMW */

struct kv_opmix {
	double weight[KV_OPMIX_KINDS]; /* indexed by enum kv_wl_kind */
	double cumulative[KV_OPMIX_KINDS];
	double total;
};

/* Set up from @weight (each >= 0, sum > 0). KV_EINVAL naming the kind. */
int kv_opmix_init(struct kv_opmix *m, const double weight[KV_OPMIX_KINDS], struct kv_err *err);
/* Draw a kind. */
enum kv_wl_kind kv_opmix_next(const struct kv_opmix *m, struct kv_rng *rng);

#endif
