/*
 * core/stats.h - a log-bucketed latency histogram.
 *
 * Buckets: values below 2^KV_HIST_SUB_BITS are exact; above, each power of
 * two is split into 2^KV_HIST_SUB_BITS linear sub-buckets, so a reported
 * percentile is within 1/2^KV_HIST_SUB_BITS (~1.6 %) of the true value.
 * Percentiles report the upper bound of the bucket holding the rank
 * (ceil(p * count)), clamped to the observed max; max and min are exact.
 */
#ifndef KV_CORE_STATS_H
#define KV_CORE_STATS_H

#include <stdint.h>

#define KV_HIST_SUB_BITS 6
#define KV_HIST_BUCKETS ((64 - KV_HIST_SUB_BITS + 1) << KV_HIST_SUB_BITS)

struct kv_hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t buckets[KV_HIST_BUCKETS];
};

void kv_hist_init(struct kv_hist *h);
void kv_hist_add(struct kv_hist *h, uint64_t v);
void kv_hist_merge(struct kv_hist *dst, const struct kv_hist *src);
/* p in [0, 100]; 0 for an empty histogram. */
uint64_t kv_hist_percentile(const struct kv_hist *h, double p);
double kv_hist_mean(const struct kv_hist *h);

#endif
