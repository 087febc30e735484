/*
 * workloads/named.c - named workloads, presets and config resolution
 * (workloads/named.h).
 */
#include "workloads/named.h"

#include <stdio.h>
#include <string.h>

#include "core/engine.h"
#include "workloads/runner.h"

#define MAX_PRESET 16

struct preset {
	const char *name;
	const char *kv[MAX_PRESET][2];
};

/* YCSB's shipped files (REFERENCE.md): every one 1000 records, 1000
   operations, zipfian = scrambled, hashed inserts, 10 x 100 B records. */
#define YCSB_COMMON                                                              \
	{ "recordcount", "1000" }, { "operationcount", "1000" },                 \
	{ "insert_order", "hashed" }, { "scan_length_dist", "uniform" },         \
	{ "fieldcount", "10" }, { "fieldlength", "100" }

#define MIX(r, u, i, d, s, m)                                                    \
	{ "read_proportion", r }, { "update_proportion", u },                    \
	{ "insert_proportion", i }, { "delete_proportion", d },                  \
	{ "scan_proportion", s }, { "rmw_proportion", m }

#define DBBENCH(dist)                                                            \
	{ "recordcount", "1000000" }, { "distribution", dist },                  \
	{ "value_size", "100" }, { "scan_length_dist", "constant" },             \
	{ "max_scan_length", "10" }

static const struct preset presets[] = {
	{ "ycsb-a", { YCSB_COMMON, MIX("0.5", "0.5", "0", "0", "0", "0"),
		      { "distribution", "scrambled" }, { "max_scan_length", "1000" } } },
	{ "ycsb-b", { YCSB_COMMON, MIX("0.95", "0.05", "0", "0", "0", "0"),
		      { "distribution", "scrambled" }, { "max_scan_length", "1000" } } },
	{ "ycsb-c", { YCSB_COMMON, MIX("1", "0", "0", "0", "0", "0"),
		      { "distribution", "scrambled" }, { "max_scan_length", "1000" } } },
	{ "ycsb-d", { YCSB_COMMON, MIX("0.95", "0", "0.05", "0", "0", "0"),
		      { "distribution", "latest" }, { "max_scan_length", "1000" } } },
	{ "ycsb-e", { YCSB_COMMON, MIX("0", "0", "0.05", "0", "0.95", "0"),
		      { "distribution", "scrambled" }, { "max_scan_length", "100" } } },
	{ "ycsb-f", { YCSB_COMMON, MIX("0.5", "0", "0", "0", "0", "0.5"),
		      { "distribution", "scrambled" }, { "max_scan_length", "1000" } } },
	{ "fillseq", { DBBENCH("uniform"), MIX("0", "0", "1", "0", "0", "0") } },
	{ "fillrandom", { DBBENCH("uniform"), MIX("0", "1", "0", "0", "0", "0") } },
	{ "overwrite", { DBBENCH("uniform"), MIX("0", "1", "0", "0", "0", "0") } },
	{ "readrandom", { DBBENCH("uniform"), MIX("1", "0", "0", "0", "0", "0") } },
	{ "seekrandom", { DBBENCH("uniform"), MIX("0", "0", "0", "0", "1", "0") } },
	{ "deleterandom", { DBBENCH("uniform"), MIX("0", "0", "0", "1", "0", "0") } },
	{ "readwhilewriting", { DBBENCH("uniform"), MIX("0.5", "0.5", "0", "0", "0", "0") } },
	{ "deleteheavy", { { "recordcount", "100000" }, { "operationcount", "100000" },
			   { "distribution", "latest" }, { "value_size", "100" },
			   MIX("0.1", "0", "0.45", "0.45", "0", "0"),
			   { "max_scan_length", "100" } } },
	{ "timeseries", { { "recordcount", "1" }, { "operationcount", "100000" },
			  { "distribution", "latest" }, { "value_size", "100" },
			  MIX("0", "0", "0.95", "0", "0.05", "0"),
			  { "max_scan_length", "100" } } },
	{ "custom", { { "recordcount", "1000" }, { "operationcount", "1000" },
		      { "distribution", "uniform" }, { "value_size", "100" },
		      { "max_scan_length", "100" } } },
	/* A .properties file starts from YCSB CoreWorkload's defaults. */
	{ ".properties", { YCSB_COMMON, MIX("0.95", "0.05", "0", "0", "0", "0"),
			   { "distribution", "uniform" }, { "max_scan_length", "1000" } } },
};

const char *const kv_named_workloads[] = {
	"ycsb-a", "ycsb-b", "ycsb-c", "ycsb-d", "ycsb-e", "ycsb-f", "fillseq", "fillrandom",
	"overwrite", "readrandom", "seekrandom", "deleterandom", "readwhilewriting",
	"deleteheavy", "timeseries", "custom", NULL,
};

static const struct preset *find_preset(const char *name)
{
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(presets[i].name, name) == 0)
			return &presets[i];
	return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_ycsb(const char *w)
{
	return strncmp(w, "ycsb-", 5) == 0 || ends_with(w, ".properties");
}

/* Workloads whose run reads or overwrites an existing store get a load. */
static bool has_load(const char *w)
{
	return strcmp(w, "fillseq") != 0 && strcmp(w, "fillrandom") != 0 &&
	       strcmp(w, "custom") != 0;
}

static int set_all(struct kv_config *dst, const struct kv_config *src, struct kv_err *err)
{
	for (size_t i = 0; src && i < kv_config_count(src); i++) {
		const char *n, *v;

		kv_config_entry(src, i, &n, &v);
		if (kv_config_set(dst, n, v) != KV_OK)
			return kv_err_set(err, KV_ENOMEM, "out of memory");
	}
	return KV_OK;
}

static void describe(const struct kv_runner_opts *o, const struct kv_named_setup *ns,
		     char *buf, size_t len)
{
	static const char *const kinds[KV_OPMIX_KINDS] = { "read", "update", "insert", "delete",
							   "scan", "rmw" };
	size_t used = (size_t)snprintf(buf, len, "%s:", ns->name);
	const double *w = ns->timeseries ? NULL : ns->gen.weight;
	const char *dist = kv_dist_names[ns->timeseries ? KV_DIST_LATEST : ns->gen.dist.kind];

	for (int k = 0; w && k < KV_OPMIX_KINDS && used < len; k++)
		if (w[k] > 0)
			used += (size_t)snprintf(buf + used, len - used, " %s %g", kinds[k], w[k]);
	if (used >= len)
		return;
	if (ns->timeseries) {
		snprintf(buf + used, len - used,
			 " insert %g scan %g read %g; monotonic timestamp keys, step %llu ns, "
			 "late fraction %g (up to %llu ns), ttl %llu ns (expiry = delete); "
			 "reads/scans latest (theta %g)",
			 ns->ts.insert_weight, ns->ts.scan_weight, ns->ts.read_weight,
			 (unsigned long long)ns->ts.step_ns, ns->ts.late_fraction,
			 (unsigned long long)ns->ts.late_max_ns, (unsigned long long)ns->ts.ttl_ns,
			 ns->ts.theta);
		return;
	}
	used += (size_t)snprintf(buf + used, len - used, "; %s", dist);
	if (used < len && (ns->gen.dist.kind == KV_DIST_ZIPFIAN ||
			   ns->gen.dist.kind == KV_DIST_SCRAMBLED ||
			   ns->gen.dist.kind == KV_DIST_LATEST ||
			   ns->gen.dist.kind == KV_DIST_PERMUTED))
		used += (size_t)snprintf(buf + used, len - used, " (theta %g)", o->theta);
	if (used < len && is_ycsb(o->workload))
		snprintf(buf + used, len - used,
			 "; a record of %lld x %lld B is stored as one %zu-byte value; update "
			 "= full-value overwrite (like YCSB writeallfields=true)",
			 (long long)o->fieldcount, (long long)o->fieldlength, ns->gen.vsize.size);
	else if (used < len)
		snprintf(buf + used, len - used, "; %zu-byte values (%s); update = full-value "
			 "overwrite", ns->gen.vsize.size, kv_vsize_names[ns->gen.vsize.kind]);
}

int kv_named_resolve(const struct kv_config *user, struct kv_config **eff,
		     struct kv_runner_opts *o, struct kv_named_setup *ns, struct kv_err *err)
{
	const char *w = kv_config_get(user, "workload");
	const struct preset *pre;
	struct kv_config *cfg;
	bool ycsb;
	int rc;

	memset(ns, 0, sizeof(*ns));
	*eff = NULL;
	if (!w)
		w = "ycsb-a";
	pre = find_preset(ends_with(w, ".properties") ? ".properties" : w);
	if (!pre || w[0] == '.') {
		char list[512];
		size_t used = 0;

		list[0] = '\0';
		for (size_t i = 0; kv_named_workloads[i] && used < sizeof(list); i++)
			used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
						 i ? "|" : "", kv_named_workloads[i]);
		return kv_err_set(err, KV_EINVAL,
				  "unknown workload '%s'; expected one of %s, or a YCSB "
				  "FILE.properties", w, list);
	}
	cfg = kv_config_new();
	if (!cfg)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	for (size_t i = 0; i < MAX_PRESET && pre->kv[i][0]; i++) {
		if (kv_config_set(cfg, pre->kv[i][0], pre->kv[i][1]) != KV_OK) {
			rc = kv_err_set(err, KV_ENOMEM, "out of memory");
			goto out_free;
		}
	}
	if (ends_with(w, ".properties")) {
		rc = kv_ycsb_read_properties(w, cfg, err);
		if (rc != KV_OK)
			goto out_free;
	}
	rc = set_all(cfg, user, err);
	if (rc != KV_OK)
		goto out_free;
	rc = kv_options_load(kv_runner_options, cfg, o, err);
	if (rc != KV_OK)
		goto out_free;

	ycsb = is_ycsb(w);
	snprintf(ns->name, sizeof(ns->name), "%s", w);
	if (o->recordcount < 1) {
		rc = kv_err_set(err, KV_EINVAL, "workload %s: recordcount %lld must be >= 1", w,
				(long long)o->recordcount);
		goto out_free;
	}
	if (o->operationcount < 0 || !kv_config_get(cfg, "operationcount"))
		o->operationcount = o->recordcount;
	ns->gen.vsize = (struct kv_vsize){
		.kind = (enum kv_vsize_kind)o->value_size_dist,
		.size = o->value_size >= 0 ? (size_t)o->value_size :
			ycsb ? (size_t)(o->fieldcount * o->fieldlength) : 100,
		.min = (size_t)o->value_size_min,
		.max = (size_t)o->value_size_max,
	};
	if (ns->gen.vsize.size > KV_MAX_VALUE_BYTES) {
		rc = kv_err_set(err, KV_EINVAL,
				"fieldcount x fieldlength = %zu bytes is above the largest value "
				"(%u bytes)", ns->gen.vsize.size, KV_MAX_VALUE_BYTES);
		goto out_free;
	}
	if (strcmp(w, "timeseries") == 0) {
		ns->timeseries = true;
		ns->ts = (struct kv_ts_params){
			.count = (uint64_t)o->operationcount,
			.read_weight = o->weight[KV_WL_READ] > 0 ? o->weight[KV_WL_READ] : 0,
			.scan_weight = o->weight[KV_WL_SCAN] > 0 ? o->weight[KV_WL_SCAN] : 0,
			.insert_weight = o->weight[KV_WL_INSERT] > 0 ? o->weight[KV_WL_INSERT] : 0,
			.max_scan_length = o->max_scan_length > 0 ? (uint64_t)o->max_scan_length
								  : 100,
			.step_ns = o->ts_step_ns,
			.late_max_ns = o->ts_late_max_ns,
			.ttl_ns = o->ts_ttl_ns,
			.late_fraction = o->ts_late_fraction,
			.theta = o->theta,
			.vsize = ns->gen.vsize,
			.seed = (uint64_t)o->seed,
		};
		rc = kv_vsize_check(&ns->ts.vsize, err);
		if (rc != KV_OK)
			goto out_free;
		describe(o, ns, ns->desc, sizeof(ns->desc));
		*eff = cfg;
		return KV_OK;
	}
	ns->gen.recordcount = (uint64_t)o->recordcount;
	ns->gen.operationcount = (uint64_t)o->operationcount;
	ns->gen.load = has_load(w);
	for (int k = 0; k < KV_OPMIX_KINDS; k++)
		ns->gen.weight[k] = o->weight[k] > 0 ? o->weight[k] : 0;
	ns->gen.dist = (struct kv_dist_params){
		.kind = o->distribution > 0 ? (enum kv_dist_kind)(o->distribution - 1) :
					      KV_DIST_UNIFORM,
		.theta = o->theta,
		.hot_data_fraction = o->hot_data_fraction,
		.hot_op_fraction = o->hot_op_fraction,
		.exp_percentile = o->exp_percentile,
		.exp_frac = o->exp_frac,
		.seed = (uint64_t)o->seed,
	};
	ns->gen.max_scan_length = o->max_scan_length > 0 ? (uint64_t)o->max_scan_length : 100;
	ns->gen.scan_len_kind = o->scan_length_dist > 0 ?
					(enum kv_scanlen_kind)(o->scan_length_dist - 1) :
					KV_SCANLEN_UNIFORM;
	if (ycsb)
		ns->gen.keyfmt = o->insert_order == 2 ? KV_KEYFMT_ORDERED : KV_KEYFMT_HASHED;
	else
		ns->gen.keyfmt = KV_KEYFMT_PADDED;
	ns->gen.key_size = (size_t)o->key_size;
	ns->gen.seed = (uint64_t)o->seed;
	describe(o, ns, ns->desc, sizeof(ns->desc));
	*eff = cfg;
	return KV_OK;

out_free:
	kv_config_free(cfg);
	return rc;
}
