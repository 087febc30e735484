/*
 * workloads/timeseries.c - the "timeseries" workload (workloads/named.h).
 *
 * Write seq (0, 1, ...) carries timestamp ts(seq) = seq x step, or, for a
 * late write (a seeded fraction late_fraction of writes, chosen by a hash
 * of seq), that minus a hashed offset in [0, late_max] (clamped at 0): an
 * out-of-order arrival. Its key is the 20-digit zero-padded timestamp
 * followed by the 10-digit seq (unique, and time-ordered bytewise). The
 * stream's clock is the newest timestamp written. Reads and scans pick a
 * write with "latest" (newest seq minus a zipfian draw). With ttl > 0,
 * writes expire in write order: before each operation, every write whose
 * ts + ttl <= clock is deleted (these deletes come on top of count).
 *
 * Invariants: expired <= seq; every seq < expired got its delete.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "workloads/dist.h"
#include "workloads/named.h"
#include "workloads/opmix.h"

struct ts_source {
	struct kv_wl_source base;
	struct kv_ts_params p;
	struct kv_rng rng;
	struct kv_dist latest;
	struct kv_opmix mix;
	uint64_t seq;      /* writes done */
	uint64_t expired;  /* writes deleted by ttl */
	uint64_t emitted;  /* operations of the mix emitted */
	uint64_t clock;
	char key[KV_TS_KEY_BYTES + 1];
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t kv_timeseries_ts(const struct kv_ts_params *p, uint64_t seq)
{
	uint64_t nominal = seq * p->step_ns, h = mix64(seq ^ mix64(p->seed));
	double u = (double)(h >> 11) * (1.0 / 9007199254740992.0);
	uint64_t back;

	if (p->late_fraction <= 0 || u >= p->late_fraction || p->late_max_ns == 0)
		return nominal;
	back = mix64(h) % (p->late_max_ns + 1);
	return back > nominal ? 0 : nominal - back;
}

static void set_key(struct ts_source *s, struct kv_wl_op *op, uint64_t seq)
{
	snprintf(s->key, sizeof(s->key), "%020llu%010llu",
		 (unsigned long long)kv_timeseries_ts(&s->p, seq),
		 (unsigned long long)(seq % 10000000000ULL));
	op->has_keynum = true;
	op->keynum = seq;
	op->key = kv_slice_make(s->key, KV_TS_KEY_BYTES);
}

static int ts_next(struct kv_wl_source *base, struct kv_wl_op *op, struct kv_err *err)
{
	struct ts_source *s = (struct ts_source *)base;
	enum kv_wl_kind kind;

	(void)err;
	assert(s->expired <= s->seq);
	memset(op, 0, sizeof(*op));
	if (s->p.ttl_ns && s->expired < s->seq &&
	    kv_timeseries_ts(&s->p, s->expired) + s->p.ttl_ns <= s->clock) {
		op->kind = KV_WL_DELETE;
		set_key(s, op, s->expired++);
		return KV_OK;
	}
	if (s->emitted >= s->p.count)
		return KV_NOTFOUND;
	s->emitted++;
	kind = s->seq == 0 ? KV_WL_INSERT : kv_opmix_next(&s->mix, &s->rng);
	op->kind = kind;
	if (kind == KV_WL_INSERT) {
		uint64_t ts;

		set_key(s, op, s->seq);
		ts = kv_timeseries_ts(&s->p, s->seq);
		if (ts > s->clock)
			s->clock = ts;
		op->value_len = kv_vsize_next(&s->p.vsize, &s->rng);
		s->seq++;
		kv_dist_set_items(&s->latest, s->seq);
		return KV_OK;
	}
	set_key(s, op, kv_dist_next(&s->latest, &s->rng));
	if (kind == KV_WL_SCAN)
		op->scan_len = 1 + kv_rng_below(&s->rng, s->p.max_scan_length);
	return KV_OK;
}

static void ts_close(struct kv_wl_source *base)
{
	kv_free(KV_MEM_WORKLOAD, base, sizeof(struct ts_source));
}

static const struct kv_wl_source_ops ts_ops = {
	.name = "timeseries", .next = ts_next, .close = ts_close,
};

int kv_timeseries_open(const struct kv_ts_params *p, struct kv_wl_source **out,
		       struct kv_err *err)
{
	double w[KV_OPMIX_KINDS] = { 0 };
	struct kv_dist_params dp = { .kind = KV_DIST_LATEST, .items = 1, .theta = p->theta };
	struct ts_source *s;
	int rc;

	*out = NULL;
	if (p->insert_weight <= 0)
		return kv_err_set(err, KV_EINVAL,
				  "timeseries: insert_proportion must be above 0 (it writes the "
				  "series)");
	s = kv_calloc(KV_MEM_WORKLOAD, sizeof(*s));
	if (!s)
		return kv_err_set(err, KV_ENOMEM, "timeseries: out of memory");
	s->p = *p;
	w[KV_WL_READ] = p->read_weight;
	w[KV_WL_SCAN] = p->scan_weight;
	w[KV_WL_INSERT] = p->insert_weight;
	rc = kv_opmix_init(&s->mix, w, err);
	if (rc == KV_OK)
		rc = kv_dist_init(&s->latest, &dp, err);
	if (rc != KV_OK) {
		kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
		return rc;
	}
	kv_rng_seed(&s->rng, p->seed);
	s->base = (struct kv_wl_source){ .ops = &ts_ops, .total_ops = p->count,
					 .numeric_keys = true, .key_space = p->count };
	*out = &s->base;
	return KV_OK;
}
