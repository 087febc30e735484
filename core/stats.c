/*
 * core/stats.c - the log-bucketed histogram of core/stats.h.
 *
 * Bucket layout (S = KV_HIST_SUB_BITS, B = 2^S):
 *  - v < B: bucket v (exact).
 *  - otherwise, with e = floor(log2 v) >= S: group g = e - S + 1 >= 1,
 *    sub-bucket s = the S bits below the leading one, bucket g * B + s.
 *    The bucket covers [(B + s) << (g - 1), ((B + s + 1) << (g - 1)) - 1],
 *    whose width is at most 1/B of its lower bound.
 *
 * Invariants: count == sum of buckets; if count > 0, min <= max and both are
 * exact observed values; if count == 0, min == max == sum == 0.
 */
#include "core/stats.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#define HIST_B (1u << KV_HIST_SUB_BITS)

static unsigned bucket_of(uint64_t v)
{
	unsigned e, g;

	if (v < HIST_B)
		return (unsigned)v;
	e = 63u - (unsigned)__builtin_clzll(v);
	g = e - KV_HIST_SUB_BITS + 1;
	return g * HIST_B + (unsigned)((v >> (e - KV_HIST_SUB_BITS)) & (HIST_B - 1));
}

/* Largest value that falls into bucket @i. */
static uint64_t bucket_upper(unsigned i)
{
	unsigned g = i / HIST_B, s = i % HIST_B;
	uint64_t lower;

	if (g == 0)
		return i;
	lower = (uint64_t)(HIST_B + s) << (g - 1);
	return lower + (((uint64_t)1 << (g - 1)) - 1);
}

void kv_hist_init(struct kv_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void kv_hist_add(struct kv_hist *h, uint64_t v)
{
	unsigned b = bucket_of(v);

	assert(b < KV_HIST_BUCKETS);
	if (h->count == 0) {
		h->min = v;
		h->max = v;
	} else {
		if (v < h->min)
			h->min = v;
		if (v > h->max)
			h->max = v;
	}
	h->count++;
	h->sum = (h->sum + v < h->sum) ? UINT64_MAX : h->sum + v;
	h->buckets[b]++;
}

void kv_hist_merge(struct kv_hist *dst, const struct kv_hist *src)
{
	if (src->count == 0)
		return;
	if (dst->count == 0) {
		dst->min = src->min;
		dst->max = src->max;
	} else {
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	dst->count += src->count;
	dst->sum = (dst->sum + src->sum < dst->sum) ? UINT64_MAX : dst->sum + src->sum;
	for (unsigned i = 0; i < KV_HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

uint64_t kv_hist_percentile(const struct kv_hist *h, double p)
{
	double r;
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (!(p > 0))
		return h->min;
	if (p >= 100)
		return h->max;
	r = ceil(p / 100.0 * (double)h->count);
	rank = r < 1 ? 1 : (r >= (double)h->count ? h->count : (uint64_t)r);
	for (unsigned i = 0; i < KV_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t v = bucket_upper(i);
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}

double kv_hist_mean(const struct kv_hist *h)
{
	if (h->count == 0)
		return 0.0;
	return (double)h->sum / (double)h->count;
}
