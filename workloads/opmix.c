/*
 * workloads/opmix.c - operation mixes (workloads/opmix.h).
 */
#include "workloads/opmix.h"

#include <math.h>
#include <string.h>

static const char *const kind_names[KV_WL__COUNT] = {
	[KV_WL_READ] = "read", [KV_WL_UPDATE] = "update", [KV_WL_INSERT] = "insert",
	[KV_WL_DELETE] = "delete", [KV_WL_SCAN] = "scan", [KV_WL_RMW] = "rmw",
	[KV_WL_RANGE_DELETE] = "range_delete", [KV_WL_STATS] = "stats",
};

const char *kv_wl_kind_name(enum kv_wl_kind kind)
{
	return (unsigned)kind < KV_WL__COUNT ? kind_names[kind] : "?";
}

int kv_opmix_init(struct kv_opmix *m, const double weight[KV_OPMIX_KINDS], struct kv_err *err)
{
	double sum = 0;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < KV_OPMIX_KINDS; i++) {
		if (!(weight[i] >= 0) || isinf(weight[i]))
			return kv_err_set(err, KV_EINVAL, "%s proportion %g must be >= 0",
					  kind_names[i], weight[i]);
		m->weight[i] = weight[i];
		sum += weight[i];
		m->cumulative[i] = sum;
	}
	if (!(sum > 0))
		return kv_err_set(err, KV_EINVAL,
				  "the operation proportions sum to 0: give at least one of "
				  "read/update/insert/delete/scan/rmw a positive proportion");
	m->total = sum;
	return KV_OK;
}

enum kv_wl_kind kv_opmix_next(const struct kv_opmix *m, struct kv_rng *rng)
{
	double u = kv_rng_double(rng) * m->total;

	for (int i = 0; i < KV_OPMIX_KINDS; i++)
		if (u < m->cumulative[i] && m->weight[i] > 0)
			return (enum kv_wl_kind)i;
	for (int i = KV_OPMIX_KINDS - 1; i >= 0; i--)
		if (m->weight[i] > 0)
			return (enum kv_wl_kind)i;
	return KV_WL_READ;
}
