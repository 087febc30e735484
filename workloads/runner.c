/*
 * workloads/runner.c - executes workloads on an engine (workloads/runner.h).
 *
 * Invariants of struct kv_runner (runner_check):
 *  1. exactly one of gen / trace is set once kv_runner_new succeeded
 *     (trace when the "trace" option is set).
 *  2. live is non-NULL and, with verify on, ref is non-NULL.
 *  3. sample_index counts the samples delivered so far.
 */
#include "workloads/runner.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/device.h"
#include "core/memtable/memtable.h"
#include "workloads/generator.h"
#include "workloads/liveset.h"
#include "workloads/named.h"
#include "workloads/trace.h"
#include "workloads/valuegen.h"

#define OPT(f) offsetof(struct kv_runner_opts, f)
#define DESC_BYTES 512
#define PROGRESS_CHECK_MASK 1023u
#define PROGRESS_EVERY_NS 200000000ULL
#define DIGEST_BYTES 12

static const char *const dist_choices[] = { "default", "uniform", "sequential", "zipfian",
					    "scrambled", "latest", "hotspot", "exponential",
					    "permuted", NULL };
static const char *const scanlen_choices[] = { "default", "uniform", "zipfian", "constant",
					       NULL };
static const char *const order_choices[] = { "default", "hashed", "ordered", NULL };

const struct kv_option kv_runner_options[] = {
	{ "workload", KV_OPT_STRING, "ycsb-a", 0, 0, "",
	  "named workload (ycsb-a..ycsb-f, db_bench names, timeseries, deleteheavy, custom) "
	  "or a YCSB .properties file", NULL, OPT(workload) },
	{ "recordcount", KV_OPT_INT, "-1", -1, 1e12, "keys",
	  "records of the load phase / key space (-1: the workload's)", NULL, OPT(recordcount) },
	{ "operationcount", KV_OPT_INT, "-1", -1, 1e13, "ops",
	  "operations of the run phase (-1: the workload's)", NULL, OPT(operationcount) },
	{ "distribution", KV_OPT_ENUM, "default", 0, 0, "",
	  "key distribution (default: the workload's)", dist_choices, OPT(distribution) },
	{ "theta", KV_OPT_DOUBLE, "0.99", 0.0001, 0.9999, "",
	  "zipfian constant of zipfian/scrambled/latest/permuted", NULL, OPT(theta) },
	{ "read_proportion", KV_OPT_DOUBLE, "-1", -1, 1e9, "",
	  "weight of reads (-1: the workload's)", NULL, OPT(weight[KV_WL_READ]) },
	{ "update_proportion", KV_OPT_DOUBLE, "-1", -1, 1e9, "",
	  "weight of updates (full-value overwrites)", NULL, OPT(weight[KV_WL_UPDATE]) },
	{ "insert_proportion", KV_OPT_DOUBLE, "-1", -1, 1e9, "",
	  "weight of inserts of new keys", NULL, OPT(weight[KV_WL_INSERT]) },
	{ "delete_proportion", KV_OPT_DOUBLE, "-1", -1, 1e9, "",
	  "weight of deletes", NULL, OPT(weight[KV_WL_DELETE]) },
	{ "scan_proportion", KV_OPT_DOUBLE, "-1", -1, 1e9, "",
	  "weight of scans", NULL, OPT(weight[KV_WL_SCAN]) },
	{ "rmw_proportion", KV_OPT_DOUBLE, "-1", -1, 1e9, "",
	  "weight of read-modify-writes", NULL, OPT(weight[KV_WL_RMW]) },
	{ "max_scan_length", KV_OPT_INT, "-1", -1, 1e9, "entries",
	  "longest scan (-1: the workload's)", NULL, OPT(max_scan_length) },
	{ "scan_length_dist", KV_OPT_ENUM, "default", 0, 0, "",
	  "scan lengths in 1..max_scan_length", scanlen_choices, OPT(scan_length_dist) },
	{ "insert_order", KV_OPT_ENUM, "default", 0, 0, "",
	  "YCSB key names: hashed (user+fnv1a64(n)) or ordered (user+n)", order_choices,
	  OPT(insert_order) },
	{ "fieldcount", KV_OPT_INT, "10", 1, 1e6, "fields",
	  "YCSB fields per record (value = fieldcount x fieldlength bytes)", NULL,
	  OPT(fieldcount) },
	{ "fieldlength", KV_OPT_INT, "100", 0, KV_MAX_VALUE_BYTES, "bytes",
	  "YCSB bytes per field", NULL, OPT(fieldlength) },
	{ "value_size", KV_OPT_INT, "-1", -1, KV_MAX_VALUE_BYTES, "bytes",
	  "value bytes (-1: fieldcount x fieldlength for YCSB, 100 otherwise)", NULL,
	  OPT(value_size) },
	{ "value_size_dist", KV_OPT_ENUM, "constant", 0, 0, "",
	  "value sizes: constant, uniform in [min, max], pareto (shape 1.5, mean value_size)",
	  kv_vsize_names, OPT(value_size_dist) },
	{ "value_size_min", KV_OPT_INT, "0", 0, KV_MAX_VALUE_BYTES, "bytes",
	  "smallest value (uniform, pareto)", NULL, OPT(value_size_min) },
	{ "value_size_max", KV_OPT_INT, "0", 0, KV_MAX_VALUE_BYTES, "bytes",
	  "largest value (uniform; pareto: 0 = 64 MiB)", NULL, OPT(value_size_max) },
	{ "key_size", KV_OPT_INT, "16", 1, KV_MAX_KEY_BYTES, "bytes",
	  "key bytes of db_bench names and timeseries (zero-padded decimal)", NULL,
	  OPT(key_size) },
	{ "hotspot_data_fraction", KV_OPT_DOUBLE, "0.2", 0, 1, "",
	  "hotspot: fraction of key numbers that is hot", NULL, OPT(hot_data_fraction) },
	{ "hotspot_op_fraction", KV_OPT_DOUBLE, "0.8", 0, 1, "",
	  "hotspot: fraction of operations on the hot keys", NULL, OPT(hot_op_fraction) },
	{ "exponential_percentile", KV_OPT_DOUBLE, "95", 0.0001, 99.9999, "%",
	  "exponential: this percentile of draws falls in the newest frac x records", NULL,
	  OPT(exp_percentile) },
	{ "exponential_frac", KV_OPT_DOUBLE, "0.8571428571", 1e-9, 1e9, "",
	  "exponential: see exponential_percentile", NULL, OPT(exp_frac) },
	{ "ts_step_ns", KV_OPT_DURATION, "1ms", 1, 1e18, "ns",
	  "timeseries: timestamp increment per write", NULL, OPT(ts_step_ns) },
	{ "ts_late_fraction", KV_OPT_DOUBLE, "0", 0, 1, "",
	  "timeseries: fraction of writes that arrive late (out of order)", NULL,
	  OPT(ts_late_fraction) },
	{ "ts_late_max_ns", KV_OPT_DURATION, "1s", 0, 1e18, "ns",
	  "timeseries: a late write's timestamp is up to this much in the past", NULL,
	  OPT(ts_late_max_ns) },
	{ "ts_ttl_ns", KV_OPT_DURATION, "0", 0, 1e18, "ns",
	  "timeseries: delete each key once the clock passes its timestamp + ttl (0: never)",
	  NULL, OPT(ts_ttl_ns) },
	{ "seed", KV_OPT_INT, "301", 0, 9.2e18, "", "seed of every random choice", NULL,
	  OPT(seed) },
	{ "verify", KV_OPT_BOOL, "false", 0, 0, "",
	  "check every get and scan against an in-memory reference of the store", NULL,
	  OPT(verify) },
	{ "interval_ops", KV_OPT_INT, "0", 0, 1e13, "ops",
	  "deliver an interval sample every N operations (0: off)", NULL, OPT(interval_ops) },
	{ "interval_ns", KV_OPT_DURATION, "0", 0, 1e19, "ns",
	  "deliver an interval sample every T of device time (0: off)", NULL,
	  OPT(interval_ns) },
	{ "progress", KV_OPT_BOOL, "true", 0, 0, "",
	  "one-line progress on stderr when it is a terminal", NULL, OPT(progress) },
	{ "trace", KV_OPT_STRING, "", 0, 0, "",
	  "replay this trace file instead of a generated workload", NULL, OPT(trace) },
	{ "trace_format", KV_OPT_ENUM, "auto", 0, 0, "", "format of the trace file",
	  kv_trace_format_names, OPT(trace_format) },
	{ "record", KV_OPT_STRING, "", 0, 0, "",
	  "write every executed operation to this CSV trace file", NULL, OPT(record) },
	{ NULL },
};

struct kv_runner {
	struct kv_runner_opts o;
	struct kv_config *cfg;
	char name[KV_OPT_STRING_BYTES + 16];
	char desc[DESC_BYTES];
	struct kv_gen *gen;
	struct kv_wl_source *ts;       /* timeseries source (owned) */
	struct kv_wl_source *trace;    /* trace reader (owned) */
	bool loaded, ran;
	struct kv_liveset *live;
	struct kv_memtable *ref;       /* verify: key -> digest */
	uint64_t ref_seq;
	struct kv_valuegen values;
	FILE *record;
	kv_runner_interval_fn on_interval;
	void *ud;
	uint64_t sample_index;
	bool tty;
	struct kv_buf scratch;         /* range-delete keys, error keys */
};

static bool runner_check(const struct kv_runner *r)
{
	if (!r->live || (r->o.verify && !r->ref))
		return false;
	if (r->trace && (r->gen || r->ts))
		return false;
	return true;
}

/* ------------------------------------------------------------ setup */

static int load_options(struct kv_runner *r, const struct kv_config *cfg, struct kv_err *err)
{
	const struct kv_option *tables[2] = { kv_runner_options, NULL };
	int rc;

	r->cfg = cfg ? kv_config_dup(cfg) : kv_config_new();
	if (!r->cfg)
		return kv_err_set(err, KV_ENOMEM, "runner: out of memory");
	rc = kv_config_check(r->cfg, tables, err);
	if (rc != KV_OK)
		return rc;
	return kv_options_load(kv_runner_options, r->cfg, &r->o, err);
}

static int open_record(struct kv_runner *r, struct kv_err *err)
{
	if (!r->o.record[0])
		return KV_OK;
	r->record = fopen(r->o.record, "w");
	if (!r->record)
		return kv_err_set(err, KV_EIO, "record=%s: %s", r->o.record, strerror(errno));
	if (fprintf(r->record, "%s\n", KV_TRACE_CSV_HEADER) < 0)
		return kv_err_set(err, KV_EIO, "record=%s: write failed", r->o.record);
	return KV_OK;
}

int kv_runner_new(const struct kv_runner_params *p, struct kv_runner **out, struct kv_err *err)
{
	struct kv_runner *r;
	bool numeric = true;
	uint64_t key_space = 0;
	int rc;

	*out = NULL;
	r = kv_calloc(KV_MEM_WORKLOAD, sizeof(*r));
	if (!r)
		return kv_err_set(err, KV_ENOMEM, "runner: out of memory");
	r->on_interval = p->on_interval;
	r->ud = p->ud;
	r->scratch.component = KV_MEM_WORKLOAD;
	rc = load_options(r, p->cfg, err);
	if (rc != KV_OK)
		goto out_free;
	if (r->o.trace[0]) {
		rc = kv_trace_open(r->o.trace, (enum kv_trace_format)r->o.trace_format, &r->trace,
				   err);
		if (rc != KV_OK)
			goto out_free;
		snprintf(r->name, sizeof(r->name), "replay:%s", r->o.trace);
		snprintf(r->desc, sizeof(r->desc),
			 "replay of %s (%s): operations as recorded; generated values "
			 "are incompressible bytes from the seed; update = full-value overwrite",
			 r->o.trace, r->trace->ops->name);
		numeric = r->trace->numeric_keys;
	} else {
		struct kv_named_setup ns;
		struct kv_config *eff;

		rc = kv_named_resolve(r->cfg, &eff, &r->o, &ns, err);
		if (rc != KV_OK)
			goto out_free;
		kv_config_free(r->cfg);
		r->cfg = eff;
		snprintf(r->name, sizeof(r->name), "%s", ns.name);
		snprintf(r->desc, sizeof(r->desc), "%s", ns.desc);
		if (ns.timeseries) {
			rc = kv_timeseries_open(&ns.ts, &r->ts, err);
			if (rc != KV_OK)
				goto out_free;
			key_space = ns.ts.count;
		} else {
			rc = kv_gen_new(&ns.gen, &r->gen, err);
			if (rc != KV_OK)
				goto out_free;
			key_space = ns.gen.recordcount;
		}
	}
	r->live = kv_liveset_new(numeric, key_space);
	if (!r->live) {
		rc = kv_err_set(err, KV_ENOMEM, "runner: out of memory for the live-key set");
		goto out_free;
	}
	if (r->o.verify) {
		rc = kv_memtable_create(kv_memtable_find("skiplist"), NULL, &r->ref, err);
		if (rc != KV_OK)
			goto out_free;
	}
	/* The pool starts at 1 MiB and grows when a larger value comes. */
	rc = kv_valuegen_init(&r->values, 0, (uint64_t)r->o.seed, err);
	if (rc != KV_OK)
		goto out_free;
	rc = open_record(r, err);
	if (rc != KV_OK)
		goto out_free;
	r->tty = r->o.progress && isatty(2);
	assert(runner_check(r));
	*out = r;
	return KV_OK;

out_free:
	kv_runner_free(r);
	return rc;
}

void kv_runner_free(struct kv_runner *r)
{
	if (!r)
		return;
	if (r->record)
		fclose(r->record);
	kv_valuegen_destroy(&r->values);
	kv_memtable_destroy(r->ref);
	kv_liveset_free(r->live);
	kv_gen_free(r->gen);
	kv_wl_close(r->ts);
	kv_wl_close(r->trace);
	kv_config_free(r->cfg);
	kv_buf_free(&r->scratch);
	kv_free(KV_MEM_WORKLOAD, r, sizeof(*r));
}

const char *kv_runner_workload(const struct kv_runner *r)
{
	return r->name;
}

const char *kv_runner_describe(const struct kv_runner *r)
{
	return r->desc;
}

uint64_t kv_runner_live_keys(const struct kv_runner *r)
{
	return kv_liveset_keys(r->live);
}

uint64_t kv_runner_live_bytes(const struct kv_runner *r)
{
	return kv_liveset_bytes(r->live);
}

uint64_t kv_runner_peak_live_bytes(const struct kv_runner *r)
{
	return kv_liveset_peak_bytes(r->live);
}

void kv_runner_option_value(const struct kv_runner *r, const char *name, char *buf, size_t len)
{
	const struct kv_option *o = kv_option_find(kv_runner_options, name);

	if (!o) {
		snprintf(buf, len, "?");
		return;
	}
	kv_option_format(o, (const char *)&r->o + o->offset, buf, len);
}

void kv_runner_lat_summary(const struct kv_hist *h, struct kv_runner_lat *out)
{
	out->count = h->count;
	out->mean = kv_hist_mean(h);
	out->p50 = kv_hist_percentile(h, 50);
	out->p90 = kv_hist_percentile(h, 90);
	out->p99 = kv_hist_percentile(h, 99);
	out->p999 = kv_hist_percentile(h, 99.9);
	out->max = h->count ? h->max : 0;
}

/* ------------------------------------------------------- verification */

struct digest {
	uint32_t len;
	uint64_t hash;
};

static void make_digest(struct kv_slice v, char out[DIGEST_BYTES])
{
	uint32_t len = (uint32_t)v.len;
	uint64_t h = kv_checksum64(v.data, v.len);

	memcpy(out, &len, 4);
	memcpy(out + 4, &h, 8);
}

static int ref_put(struct kv_runner *r, struct kv_slice key, struct kv_slice value, bool del,
		   struct kv_err *err)
{
	char d[DIGEST_BYTES];
	struct kv_entry_meta m = { .seq = ++r->ref_seq, .ts_ns = 0,
				   .kind = del ? KV_KIND_DELETE : KV_KIND_PUT };
	int rc;

	if (!del)
		make_digest(value, d);
	rc = kv_memtable_put(r->ref, key, kv_slice_make(d, del ? 0 : DIGEST_BYTES), &m);
	if (rc != KV_OK)
		return kv_err_set(err, rc, "verify: the reference store failed (%s)",
				  kv_status_name(rc));
	return KV_OK;
}

/* Reference lookup: true with *d if the key is live. */
static bool ref_get(struct kv_runner *r, struct kv_slice key, char d[DIGEST_BYTES])
{
	struct kv_slice v;
	struct kv_entry_meta m;

	if (kv_memtable_get(r->ref, key, &v, &m) != KV_OK || m.kind == KV_KIND_DELETE)
		return false;
	memcpy(d, v.data, DIGEST_BYTES);
	return true;
}

/* Printable form of a key for messages (hex when not printable). */
static const char *key_text(struct kv_slice key, char *buf, size_t len)
{
	bool printable = true;
	size_t n = key.len < 48 ? key.len : 48, used = 0;

	for (size_t i = 0; i < n; i++)
		if (key.data[i] < 0x21 || key.data[i] > 0x7e)
			printable = false;
	if (printable) {
		snprintf(buf, len, "'%.*s'%s", (int)n, key.data, key.len > n ? "..." : "");
		return buf;
	}
	used = (size_t)snprintf(buf, len, "0x");
	for (size_t i = 0; i < n && used + 3 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%02x",
					 (unsigned char)key.data[i]);
	return buf;
}

static int verify_fail(const char *phase, uint64_t opno, enum kv_wl_kind kind,
		       struct kv_slice key, const char *what, struct kv_err *err)
{
	char kt[128];

	return kv_err_set(err, KV_ECORRUPT, "%s: verify: operation %llu (%s) key %s: %s", phase,
			  (unsigned long long)opno, kv_wl_kind_name(kind),
			  key_text(key, kt, sizeof(kt)), what);
}

static int verify_get(struct kv_runner *r, const char *phase, uint64_t opno,
		      enum kv_wl_kind kind, struct kv_slice key, int rc, struct kv_slice val,
		      struct kv_err *err)
{
	char want[DIGEST_BYTES], got[DIGEST_BYTES];
	bool live = ref_get(r, key, want);

	if (rc == KV_OK && !live)
		return verify_fail(phase, opno, kind, key,
				   "found, but it was never written or was deleted", err);
	if (rc == KV_NOTFOUND && live)
		return verify_fail(phase, opno, kind, key, "not found, but it is live", err);
	if (rc == KV_OK) {
		make_digest(val, got);
		if (memcmp(want, got, 4) != 0)
			return verify_fail(phase, opno, kind, key, "value has the wrong length",
					   err);
		if (memcmp(want, got, DIGEST_BYTES) != 0)
			return verify_fail(phase, opno, kind, key, "value bytes differ", err);
	}
	return KV_OK;
}

/* Advance a reference iterator to the next live entry below @hi. */
static void ref_skip_dead(struct kv_iter *it, struct kv_slice hi)
{
	struct kv_entry_meta m;

	while (kv_iter_valid(it)) {
		if (hi.data && kv_slice_cmp(kv_iter_key(it), hi) >= 0)
			return;
		kv_iter_meta(it, &m);
		if (m.kind != KV_KIND_DELETE)
			return;
		kv_iter_next(it);
	}
}

static bool ref_valid(struct kv_iter *it, struct kv_slice hi)
{
	return kv_iter_valid(it) && (!hi.data || kv_slice_cmp(kv_iter_key(it), hi) < 0);
}

/* ------------------------------------------------------------ the loop */

static uint64_t wall_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct phase {
	struct kv_runner *r;
	struct kv_engine *e;
	struct kv_wl_source *src;
	const char *name;
	struct kv_runner_result *res;
	uint64_t wall0, dev0, bw0, br0;
	uint64_t last_sample_ops, last_sample_dev;
	uint64_t last_progress_wall;
	struct kv_hist *interval_lat;   /* KV_WL__COUNT, since the last sample */
};

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static int deliver_sample(struct phase *ph, uint64_t dev_now)
{
	struct kv_runner *r = ph->r;
	const struct kv_engine_stats *es = kv_engine_stats(ph->e);
	struct kv_runner_sample *s;
	struct kv_dev_stats ds;
	int rc;

	if (!r->on_interval)
		goto out_reset;
	s = kv_calloc(KV_MEM_WORKLOAD, sizeof(*s));
	if (!s)
		return KV_ENOMEM;
	kv_dev_get_stats(ph->e->dev, &ds);
	s->phase = ph->name;
	s->index = r->sample_index++;
	s->ops = ph->res->ops;
	s->interval_ops = ph->res->ops - ph->last_sample_ops;
	s->wall_ns = wall_now_ns() - ph->wall0;
	s->device_ns = dev_now - ph->dev0;
	s->interval_device_ns = dev_now - ph->last_sample_dev;
	s->user_bytes_written = es->user_key_bytes_written + es->user_value_bytes_written;
	s->device_bytes_written = kv_io_bytes_written(&ds, true);
	s->wa = ratio((double)s->device_bytes_written, (double)s->user_bytes_written);
	s->live_keys = kv_liveset_keys(r->live);
	s->live_bytes = kv_liveset_bytes(r->live);
	s->device_live_bytes = ds.live_bytes;
	s->sa = ratio((double)s->device_live_bytes, (double)s->live_bytes);
	for (int k = 0; k < KV_WL__COUNT; k++)
		kv_runner_lat_summary(&ph->interval_lat[k], &s->lat[k]);
	rc = r->on_interval(r->ud, s);
	kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
	if (rc != KV_OK)
		return rc;
out_reset:
	for (int k = 0; k < KV_WL__COUNT; k++)
		kv_hist_init(&ph->interval_lat[k]);
	ph->last_sample_ops = ph->res->ops;
	ph->last_sample_dev = dev_now;
	return KV_OK;
}

/* The error of a phase stopped by its interval callback (or out of memory). */
static int sample_stopped(const char *phase, int rc, struct kv_err *err)
{
	if (rc == KV_ENOMEM)
		return kv_err_set(err, KV_ENOMEM, "%s: out of memory for an interval sample", phase);
	return kv_err_set(err, rc < 0 ? rc : KV_EINVAL, "%s: interval callback stopped the run",
			  phase);
}

static void progress(struct phase *ph, bool final)
{
	uint64_t now = wall_now_ns(), total = ph->src->total_ops, el = now - ph->wall0;
	const struct kv_engine_stats *es;
	struct kv_dev_stats ds;
	double secs = (double)el / 1e9, rate, wa;
	char pct[32] = "", eta[32] = "";

	if (!final && now - ph->last_progress_wall < PROGRESS_EVERY_NS)
		return;
	ph->last_progress_wall = now;
	es = kv_engine_stats(ph->e);
	kv_dev_get_stats(ph->e->dev, &ds);
	rate = secs > 0 ? (double)ph->res->ops / secs : 0;
	wa = ratio((double)kv_io_bytes_written(&ds, true),
		   (double)(es->user_key_bytes_written + es->user_value_bytes_written));
	if (total) {
		snprintf(pct, sizeof(pct), " %5.1f%%", 100.0 * (double)ph->res->ops / (double)total);
		if (rate > 0 && total > ph->res->ops)
			snprintf(eta, sizeof(eta), " ETA %.0fs",
				 (double)(total - ph->res->ops) / rate);
	}
	fprintf(stderr, "\r%s %s: %.1fs%s%s %.0f ops/s WA %.2f%s", ph->r->name, ph->name, secs,
		pct, eta, rate, isnan(wa) ? 0.0 : wa, final ? "\n" : "   ");
	fflush(stderr);
}

static int engine_fail(struct phase *ph, uint64_t opno, const char *what, struct kv_slice key,
		       int rc, struct kv_err *err)
{
	char kt[128];

	return kv_err_set(err, rc < 0 ? rc : KV_EIO, "%s: operation %llu: %s of key %s failed: %s (%s)",
			  ph->name, (unsigned long long)opno, what, key_text(key, kt, sizeof(kt)),
			  kv_engine_errmsg(ph->e), kv_status_name(rc));
}

static int do_put(struct phase *ph, const struct kv_wl_op *op, uint64_t opno, struct kv_err *err)
{
	struct kv_runner *r = ph->r;
	struct kv_slice v;
	int rc;

	if (!op->value.data && op->value_len > r->values.pool_bytes / 2) {
		/* A larger value than any before: regrow the pool (same seed). */
		kv_valuegen_destroy(&r->values);
		rc = kv_valuegen_init(&r->values, op->value_len, (uint64_t)r->o.seed, err);
		if (rc != KV_OK)
			return rc;
	}
	v = op->value.data ? op->value : kv_valuegen_bytes(&r->values, op->value_len);
	rc = kv_engine_put(ph->e, op->key, v);

	if (rc != KV_OK)
		return engine_fail(ph, opno, "put", op->key, rc, err);
	if (kv_liveset_put(r->live, op->keynum, op->key, v.len) != KV_OK)
		return kv_err_set(err, KV_ENOMEM, "runner: out of memory for the live-key set");
	ph->res->user_bytes += op->key.len + v.len;
	if (r->ref)
		return ref_put(r, op->key, v, false, err);
	return KV_OK;
}

static int do_delete(struct phase *ph, uint64_t keynum, struct kv_slice key, uint64_t opno,
		     struct kv_err *err)
{
	struct kv_runner *r = ph->r;
	int rc = kv_engine_delete(ph->e, key);

	if (rc != KV_OK)
		return engine_fail(ph, opno, "delete", key, rc, err);
	kv_liveset_del(r->live, keynum, key);
	ph->res->user_bytes += key.len;
	if (r->ref)
		return ref_put(r, key, kv_slice_make(NULL, 0), true, err);
	return KV_OK;
}

static int do_get(struct phase *ph, const struct kv_wl_op *op, uint64_t opno, struct kv_err *err)
{
	struct kv_slice val = { NULL, 0 };
	int rc = kv_engine_get(ph->e, op->key, &val);

	if (rc == KV_OK) {
		ph->res->reads_found++;
		ph->res->read_bytes += op->key.len + val.len;
	} else if (rc == KV_NOTFOUND) {
		ph->res->reads_not_found++;
	} else {
		return engine_fail(ph, opno, "get", op->key, rc, err);
	}
	if (ph->r->ref) {
		ph->res->verified++;
		return verify_get(ph->r, ph->name, opno, op->kind, op->key, rc, val, err);
	}
	return KV_OK;
}

static int scan_error(struct phase *ph, struct kv_iter *it, uint64_t opno, struct kv_err *err)
{
	int rc = kv_iter_status(it);

	return kv_err_set(err, rc < 0 ? rc : KV_EIO, "%s: operation %llu: scan failed: %s",
			  ph->name, (unsigned long long)opno, kv_iter_errmsg(it));
}

static int do_scan(struct phase *ph, const struct kv_wl_op *op, uint64_t opno, struct kv_err *err)
{
	struct kv_runner *r = ph->r;
	struct kv_iter *it, *ref = NULL;
	uint64_t got = 0;
	char d[DIGEST_BYTES];
	int rc = kv_engine_scan(ph->e, op->key, op->hi, &it);

	if (rc != KV_OK)
		return engine_fail(ph, opno, "scan", op->key, rc, err);
	if (r->ref) {
		ref = kv_memtable_iter(r->ref);
		if (!ref) {
			rc = kv_err_set(err, KV_ENOMEM, "verify: out of memory");
			goto out_close;
		}
		kv_iter_seek(ref, op->key);
		ref_skip_dead(ref, op->hi);
	}
	while (kv_iter_valid(it) && (op->scan_len == 0 || got < op->scan_len)) {
		struct kv_slice key = kv_iter_key(it), val = kv_iter_value(it);

		got++;
		ph->res->read_bytes += key.len + val.len;
		if (ref) {
			if (!ref_valid(ref, op->hi)) {
				rc = verify_fail(ph->name, opno, op->kind, key,
						 "returned by the scan, but no live key is left "
						 "in the range", err);
				goto out_close;
			}
			if (!kv_slice_eq(kv_iter_key(ref), key)) {
				rc = verify_fail(ph->name, opno, op->kind, key,
						 kv_slice_cmp(key, kv_iter_key(ref)) < 0 ?
						 "returned by the scan, but it is not live" :
						 "returned by the scan after skipping a live key",
						 err);
				goto out_close;
			}
			make_digest(val, d);
			if (memcmp(d, kv_iter_value(ref).data, DIGEST_BYTES) != 0) {
				rc = verify_fail(ph->name, opno, op->kind, key,
						 "scanned value differs", err);
				goto out_close;
			}
			kv_iter_next(ref);
			ref_skip_dead(ref, op->hi);
		}
		if (op->scan_len && got == op->scan_len)
			break;
		kv_iter_next(it);
	}
	if (kv_iter_status(it) != KV_OK) {
		rc = scan_error(ph, it, opno, err);
		goto out_close;
	}
	if (ref) {
		ph->res->verified++;
		if ((op->scan_len == 0 || got < op->scan_len) && ref_valid(ref, op->hi)) {
			rc = verify_fail(ph->name, opno, op->kind, op->key,
					 "the scan ended early: a live key follows", err);
			goto out_close;
		}
	}
	ph->res->scan_entries += got;
out_close:
	kv_iter_close(ref);
	kv_iter_close(it);
	return rc;
}

/* Range delete: collect the live keys of [key, hi) (iterator closed before
   writing), then delete each. */
static int do_range_delete(struct phase *ph, const struct kv_wl_op *op, uint64_t opno,
			   struct kv_err *err)
{
	struct kv_runner *r = ph->r;
	struct kv_iter *it;
	size_t off = 0;
	int rc = kv_engine_scan(ph->e, op->key, op->hi, &it);

	if (rc != KV_OK)
		return engine_fail(ph, opno, "range delete scan", op->key, rc, err);
	r->scratch.len = 0;
	for (; kv_iter_valid(it); kv_iter_next(it)) {
		struct kv_slice k = kv_iter_key(it);
		uint32_t len = (uint32_t)k.len;

		if (kv_buf_append(&r->scratch, &len, 4) != KV_OK ||
		    kv_buf_append(&r->scratch, k.data, k.len) != KV_OK) {
			kv_iter_close(it);
			return kv_err_set(err, KV_ENOMEM, "range delete: out of memory");
		}
	}
	rc = kv_iter_status(it);
	if (rc != KV_OK) {
		rc = scan_error(ph, it, opno, err);
		kv_iter_close(it);
		return rc;
	}
	kv_iter_close(it);
	while (off < r->scratch.len) {
		uint32_t len;
		struct kv_slice k;

		memcpy(&len, r->scratch.data + off, 4);
		k = kv_slice_make(r->scratch.data + off + 4, len);
		off += 4 + len;
		rc = do_delete(ph, 0, k, opno, err);
		if (rc != KV_OK)
			return rc;
		ph->res->range_deleted++;
	}
	return KV_OK;
}

static int exec_op(struct phase *ph, const struct kv_wl_op *op, uint64_t opno,
		   struct kv_err *err)
{
	int rc;

	switch (op->kind) {
	case KV_WL_READ:
		return do_get(ph, op, opno, err);
	case KV_WL_UPDATE:
	case KV_WL_INSERT:
		return do_put(ph, op, opno, err);
	case KV_WL_DELETE:
		return do_delete(ph, op->keynum, op->key, opno, err);
	case KV_WL_SCAN:
		return do_scan(ph, op, opno, err);
	case KV_WL_RMW:
		rc = do_get(ph, op, opno, err);
		return rc == KV_OK ? do_put(ph, op, opno, err) : rc;
	case KV_WL_RANGE_DELETE:
		return do_range_delete(ph, op, opno, err);
	case KV_WL_STATS:
		return KV_OK;
	default:
		return kv_err_set(err, KV_EINVAL, "%s: operation %llu: unknown kind %d", ph->name,
				  (unsigned long long)opno, (int)op->kind);
	}
}

static bool op_valid(const struct kv_wl_op *op)
{
	if (op->kind == KV_WL_STATS)
		return true;
	if (op->key.len == 0 || op->key.len > KV_MAX_KEY_BYTES ||
	    op->value_len > KV_MAX_VALUE_BYTES)
		return false;
	return !op->value.data || op->value.len == op->value_len;
}

int kv_runner_drive(struct kv_runner *r, struct kv_engine *e, struct kv_wl_source *src,
		    const char *phase, struct kv_runner_result *res, struct kv_err *err)
{
	struct phase ph = { .r = r, .e = e, .src = src, .name = phase, .res = res };
	struct kv_dev_stats ds;
	struct kv_wl_op op;
	size_t lat_bytes = KV_WL__COUNT * sizeof(struct kv_hist);
	bool sampling = r->o.interval_ops > 0 || r->o.interval_ns > 0;
	int rc;

	assert(runner_check(r));
	memset(res, 0, sizeof(*res));
	snprintf(res->phase, sizeof(res->phase), "%s", phase);
	if (src->numeric_keys != kv_liveset_numeric(r->live))
		return kv_err_set(err, KV_EINVAL,
				  "%s: source '%s' has %s keys, but this runner tracks %s keys",
				  phase, src->ops->name, src->numeric_keys ? "numbered" : "byte",
				  kv_liveset_numeric(r->live) ? "numbered" : "byte");
	for (int k = 0; k < KV_WL__COUNT; k++)
		kv_hist_init(&res->lat_ns[k]);
	ph.interval_lat = kv_malloc(KV_MEM_WORKLOAD, lat_bytes);
	if (!ph.interval_lat)
		return kv_err_set(err, KV_ENOMEM, "runner: out of memory");
	for (int k = 0; k < KV_WL__COUNT; k++)
		kv_hist_init(&ph.interval_lat[k]);
	kv_dev_get_stats(e->dev, &ds);
	ph.bw0 = kv_io_bytes_written(&ds, true);
	ph.br0 = kv_io_bytes_read(&ds);
	ph.dev0 = ph.last_sample_dev = kv_dev_now_ns(e->dev);
	ph.wall0 = wall_now_ns();

	for (;;) {
		uint64_t t0, t1, opno = res->ops;

		rc = kv_wl_next(src, &op, err);
		if (rc == KV_NOTFOUND) {
			rc = KV_OK;
			break;
		}
		if (rc != KV_OK)
			break;
		if (!op_valid(&op)) {
			rc = kv_err_set(err, KV_EINVAL,
					"%s: operation %llu: key of %zu bytes or value of %zu "
					"bytes is out of range (keys 1..%u, values 0..%u bytes)",
					phase, (unsigned long long)opno, op.key.len, op.value_len,
					KV_MAX_KEY_BYTES, KV_MAX_VALUE_BYTES);
			break;
		}
		if (!src->numeric_keys)
			op.has_keynum = false;
		if (r->record && kv_trace_csv_write(r->record, &op) != 0) {
			rc = kv_err_set(err, KV_EIO, "record=%s: write failed", r->o.record);
			break;
		}
		t0 = kv_dev_now_ns(e->dev);
		rc = exec_op(&ph, &op, opno, err);
		t1 = kv_dev_now_ns(e->dev);
		if (rc != KV_OK)
			break;
		kv_hist_add(&res->lat_ns[op.kind], t1 - t0);
		res->count[op.kind]++;
		res->ops++;
		if (sampling) {
			kv_hist_add(&ph.interval_lat[op.kind], t1 - t0);
			if ((r->o.interval_ops && res->ops - ph.last_sample_ops >=
						     (uint64_t)r->o.interval_ops) ||
			    (r->o.interval_ns && t1 - ph.last_sample_dev >= r->o.interval_ns)) {
				rc = deliver_sample(&ph, t1);
				if (rc != KV_OK) {
					rc = sample_stopped(phase, rc, err);
					break;
				}
			}
		}
		if (r->tty && (res->ops & PROGRESS_CHECK_MASK) == 0)
			progress(&ph, false);
	}
	if (rc == KV_OK && sampling && res->ops > ph.last_sample_ops) {
		rc = deliver_sample(&ph, kv_dev_now_ns(e->dev));
		if (rc != KV_OK)
			rc = sample_stopped(phase, rc, err);
	}
	if (r->tty)
		progress(&ph, true);
	res->wall_ns = wall_now_ns() - ph.wall0;
	/* Background work of the phase (an LSM on a real device) finishes
	   before the counters are read; not counted in wall_ns. */
	(void)kv_engine_wait_idle(e);
	res->device_ns = kv_dev_now_ns(e->dev) - ph.dev0;
	kv_dev_get_stats(e->dev, &ds);
	res->device_bytes_written = kv_io_bytes_written(&ds, true) - ph.bw0;
	res->device_bytes_read = kv_io_bytes_read(&ds) - ph.br0;
	res->live_keys = kv_liveset_keys(r->live);
	res->live_bytes = kv_liveset_bytes(r->live);
	res->peak_live_bytes = kv_liveset_peak_bytes(r->live);
	if (r->record && fflush(r->record) != 0 && rc == KV_OK)
		rc = kv_err_set(err, KV_EIO, "record=%s: write failed", r->o.record);
	kv_free(KV_MEM_WORKLOAD, ph.interval_lat, lat_bytes);
	assert(runner_check(r));
	return rc;
}

static int phase_once(bool *flag, const char *what, struct kv_err *err)
{
	if (*flag)
		return kv_err_set(err, KV_EINVAL, "the %s phase of this runner already ran", what);
	*flag = true;
	return KV_OK;
}

int kv_runner_load(struct kv_runner *r, struct kv_engine *e, struct kv_runner_result *res,
		   struct kv_err *err)
{
	int rc = phase_once(&r->loaded, "load", err);

	if (rc != KV_OK)
		return rc;
	if (r->gen)
		return kv_runner_drive(r, e, kv_gen_load_source(r->gen), "load", res, err);
	memset(res, 0, sizeof(*res));
	snprintf(res->phase, sizeof(res->phase), "load");
	for (int k = 0; k < KV_WL__COUNT; k++)
		kv_hist_init(&res->lat_ns[k]);
	res->live_keys = kv_liveset_keys(r->live);
	res->live_bytes = kv_liveset_bytes(r->live);
	res->peak_live_bytes = kv_liveset_peak_bytes(r->live);
	return KV_OK;
}

int kv_runner_run(struct kv_runner *r, struct kv_engine *e, struct kv_runner_result *res,
		  struct kv_err *err)
{
	int rc = phase_once(&r->ran, "run", err);

	if (rc != KV_OK)
		return rc;
	if (r->trace)
		return kv_runner_drive(r, e, r->trace, "replay", res, err);
	if (r->ts)
		return kv_runner_drive(r, e, r->ts, "run", res, err);
	return kv_runner_drive(r, e, kv_gen_run_source(r->gen), "run", res, err);
}
