/*
 * lua/report.c - the measurement report as text and JSON (lua/report.h).
 */
#include "lua/report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/lsm/lsm.h"
#include "workloads/json.h"
#include "workloads/metrics.h"

#define MIB (1024.0 * 1024.0)

static double ratio(double num, double den)
{
	return den > 0 ? num / den : NAN;
}

void kv_report_amp(const struct kv_report *r, struct kv_amp *a)
{
	const struct kv_engine_stats *es = kv_engine_stats(r->engine);
	struct kv_dev_stats ds;

	memset(a, 0, sizeof(*a));
	kv_dev_get_stats(r->device, &ds);
	a->user_key_bytes = es->user_key_bytes_written;
	a->user_value_bytes = es->user_value_bytes_written;
	a->user_bytes_written = a->user_key_bytes + a->user_value_bytes;
	a->puts = es->ops[KV_OP_PUT];
	a->deletes = es->ops[KV_OP_DELETE];
	a->dev_bytes_written = kv_io_bytes_written(&ds, true);
	a->dev_bytes_written_no_wal = kv_io_bytes_written(&ds, false);
	a->wa = ratio((double)a->dev_bytes_written, (double)a->user_bytes_written);
	a->wa_no_wal = ratio((double)a->dev_bytes_written_no_wal, (double)a->user_bytes_written);
	for (int k = 0; k < KV_FILE__COUNT; k++)
		a->wa_kind[k] = ratio((double)ds.kind[k].bytes_written,
				      (double)a->user_bytes_written);
	a->gets_found = es->gets_found;
	a->gets_notfound = es->gets_notfound;
	a->ra_found_bytes = ratio((double)es->get_found_bytes_read, (double)es->gets_found);
	a->ra_found_ios = ratio((double)es->get_found_reads, (double)es->gets_found);
	a->ra_notfound_bytes = ratio((double)es->get_notfound_bytes_read,
				     (double)es->gets_notfound);
	a->ra_notfound_ios = ratio((double)es->get_notfound_reads, (double)es->gets_notfound);
	a->scan_entries = es->scan_entries;
	a->scan_bytes_per_entry = ratio((double)es->scan_bytes_read, (double)es->scan_entries);
	a->dev_live_bytes = ds.live_bytes;
	a->dev_peak_live_bytes = ds.peak_live_bytes;
	a->sa = ratio((double)ds.live_bytes, (double)r->logical_live_bytes);
	a->sa_peak = ratio((double)ds.peak_live_bytes, (double)r->logical_peak_live_bytes);
}

/* ------------------------------------------------------------------ text */

/* The name of a result row: the benchmark, or the workload phase. */
static const char *result_name(const struct kv_bench_result *b)
{
	return b->name ? b->name : kv_bench_name(b->kind);
}

void kv_report_bench_line(FILE *out, const struct kv_bench_result *res, bool latency)
{
	double secs = (double)res->wall_ns / 1e9;
	double ops = res->ops ? (double)res->ops : 1.0;
	char rate[64] = "", msg[128] = "";

	if (res->bytes > 0 && secs > 0)
		snprintf(rate, sizeof(rate), " %6.1f MB/s", (double)res->bytes / MIB / secs);
	switch (res->kind) {
	case KV_BENCH_READRANDOM:
		snprintf(msg, sizeof(msg), " (%" PRIu64 " of %" PRIu64 " found)", res->found,
			 res->ops);
		break;
	case KV_BENCH_SEEKRANDOM:
		snprintf(msg, sizeof(msg), " (%" PRIu64 " of %" PRIu64 " found, %" PRIu64
			 " entries)", res->found, res->ops, res->entries_read);
		break;
	case KV_BENCH_READSEQ:
		snprintf(msg, sizeof(msg), " (%" PRIu64 " entries)", res->entries_read);
		break;
	default:
		break;
	}
	fprintf(out, "%-12s : %11.3f micros/op %.0f ops/sec;%s%s\n", result_name(res),
		(double)res->wall_ns / 1e3 / ops, secs > 0 ? (double)res->ops / secs : 0.0, rate,
		msg);
	if (res->background) {
		double all = (double)(res->wall_ns + res->bg_wait_ns) / 1e9;
		fprintf(out, "%-12s   then %.3f s of background work: %.0f ops/sec with it\n", "",
			(double)res->bg_wait_ns / 1e9, all > 0 ? (double)res->ops / all : 0.0);
	}
	if (latency && res->lat.count)
		fprintf(out,
			"%-12s   %s latency (device ns): count %" PRIu64 " mean %.1f p50 %" PRIu64
			" p90 %" PRIu64 " p99 %" PRIu64 " p99.9 %" PRIu64 " max %" PRIu64 "\n",
			"", kv_op_name(res->lat.op), res->lat.count, res->lat.mean, res->lat.p50,
			res->lat.p90, res->lat.p99, res->lat.p999, res->lat.max);
}

/* "%.3f", or "n/a" for NaN. */
static const char *fmt3(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}

void kv_report_definitions(FILE *out)
{
#define PRINT_DEF(id, term, def) fprintf(out, "  %s = %s\n", term, def);
	KV_METRIC_DEFS(PRINT_DEF)
#undef PRINT_DEF
}

static void text_amp(FILE *out, const struct kv_report *r, const struct kv_amp *a)
{
	struct kv_dev_stats ds;
	char b1[32], b2[32];

	kv_dev_get_stats(r->device, &ds);
	fprintf(out, "\n** Amplification (engine %s, device %s) **\n", r->engine->ops->name,
		r->device->ops->name);
	fprintf(out, "user bytes written : %.2f MiB (%" PRIu64 " bytes: %" PRIu64 " puts, %" PRIu64
		" deletes)\n", (double)a->user_bytes_written / MIB, a->user_bytes_written, a->puts,
		a->deletes);
	fprintf(out, "device written     : %.2f MiB (%" PRIu64 " bytes; without WAL %" PRIu64 ")\n",
		(double)a->dev_bytes_written / MIB, a->dev_bytes_written,
		a->dev_bytes_written_no_wal);
	fprintf(out, "WA                 : %s (without WAL %s)\n", fmt3(b1, sizeof(b1), a->wa),
		fmt3(b2, sizeof(b2), a->wa_no_wal));
	fprintf(out, "WA by file kind    :");
	for (int k = 0; k < KV_FILE__COUNT; k++)
		if (ds.kind[k].bytes_written)
			fprintf(out, " %s %s", kv_file_kind_name((enum kv_file_kind)k),
				fmt3(b1, sizeof(b1), a->wa_kind[k]));
	fprintf(out, "\n");
	fprintf(out, "RA get found       : %s I/Os, %s bytes per lookup (%" PRIu64 " lookups)\n",
		fmt3(b1, sizeof(b1), a->ra_found_ios), fmt3(b2, sizeof(b2), a->ra_found_bytes),
		a->gets_found);
	fprintf(out, "RA get not found   : %s I/Os, %s bytes per lookup (%" PRIu64 " lookups)\n",
		fmt3(b1, sizeof(b1), a->ra_notfound_ios),
		fmt3(b2, sizeof(b2), a->ra_notfound_bytes), a->gets_notfound);
	fprintf(out, "scan RA            : %s bytes per entry (%" PRIu64 " entries)\n",
		fmt3(b1, sizeof(b1), a->scan_bytes_per_entry), a->scan_entries);
	fprintf(out, "SA                 : %s (device live %.2f MiB / logical live %.2f MiB, %"
		PRIu64 " keys)\n", fmt3(b1, sizeof(b1), a->sa), (double)a->dev_live_bytes / MIB,
		(double)r->logical_live_bytes / MIB, r->logical_live_keys);
	fprintf(out, "peak SA            : %s (device peak %.2f MiB / logical peak %.2f MiB)\n",
		fmt3(b1, sizeof(b1), a->sa_peak), (double)a->dev_peak_live_bytes / MIB,
		(double)r->logical_peak_live_bytes / MIB);
	fprintf(out, "Definitions:\n");
	kv_report_definitions(out);
}

static void print_trigger(void *ud, const char *trigger, uint64_t count)
{
	fprintf((FILE *)ud, " %s %" PRIu64, trigger, count);
}

static void text_level_row(FILE *out, const char *label, const struct kv_lsm_level_stats *s,
			   double wamp)
{
	char w[32];

	if (isnan(wamp))
		snprintf(w, sizeof(w), "-");
	else
		snprintf(w, sizeof(w), "%.2f", wamp);
	fprintf(out, "%5s %6" PRIu64 " %5" PRIu64 " %10.2f %12.2f %14.2f %11.2f %11.2f %6s %12"
		PRIu64 " %9" PRIu64 "\n", label, s->files, s->runs, (double)s->bytes / MIB,
		(double)s->bytes_read_upper / MIB, (double)s->bytes_read_level / MIB,
		(double)s->bytes_written / MIB, (double)s->bytes_moved / MIB, w, s->compactions,
		s->entries_dropped);
}

static void sum_levels(struct kv_lsm_level_stats *sum, const struct kv_lsm_level_stats *s)
{
	sum->files += s->files;
	sum->runs += s->runs;
	sum->bytes += s->bytes;
	sum->bytes_read_upper += s->bytes_read_upper;
	sum->bytes_read_level += s->bytes_read_level;
	sum->bytes_written += s->bytes_written;
	sum->bytes_moved += s->bytes_moved;
	sum->entries_dropped += s->entries_dropped;
	sum->tombstones_dropped += s->tombstones_dropped;
	sum->compactions += s->compactions;
	sum->job_ns += s->job_ns;
}

/* The LSM engine's write stalls (reported only with background jobs). */
static void find_stall_values(void *ud, const char *name, double value)
{
	double *stall = ud;

	if (strcmp(name, "write_stalls") == 0)
		stall[0] = value;
	else if (strcmp(name, "write_stall_seconds") == 0)
		stall[1] = value;
}

static void text_lsm(FILE *out, const struct kv_report *r, const struct kv_amp *a)
{
	struct kv_lsm_level_stats s, sum;
	struct kv_lsm_read_stats rs;
	double stall[2] = { -1, 0 };
	int n = kv_lsm_nlevels(r->engine);
	double gets;

	memset(&sum, 0, sizeof(sum));
	fprintf(out, "\n** Compaction (strategy %s, memtable %s) **\n",
		kv_lsm_strategy_name(r->engine), kv_lsm_memtable_name(r->engine));
	fprintf(out, "Level  Files  Runs  Size(MiB)  Read-n(MiB)  Read-n+1(MiB)  Write(MiB)  "
		"Moved(MiB)  W-Amp  Comp(count)   Dropped\n");
	for (int l = 0; l < n; l++) {
		char label[16];

		if (kv_lsm_level_stats(r->engine, l, &s) != KV_OK)
			continue;
		sum_levels(&sum, &s);
		if (l > 0 && s.files == 0 && s.compactions == 0 && s.bytes_written == 0)
			continue;
		snprintf(label, sizeof(label), "L%d", l);
		text_level_row(out, label, &s, ratio((double)s.bytes_written,
						      (double)s.bytes_read_upper));
	}
	text_level_row(out, "Sum", &sum,
		       ratio((double)sum.bytes_written, (double)a->user_bytes_written));
	fprintf(out, "Triggers:");
	kv_lsm_trigger_counts(r->engine, print_trigger, out);
	fprintf(out, "\n");
	kv_lsm_get_read_stats(r->engine, &rs);
	gets = (double)rs.gets;
	fprintf(out, "Read path: %" PRIu64 " gets, %" PRIu64 " memtable hits, %.3f runs and %.3f "
		"files probed per get, %" PRIu64 " Bloom checks (%" PRIu64 " negatives, %" PRIu64
		" false positives), %" PRIu64 " block reads, %" PRIu64 " cache hits\n", rs.gets,
		rs.memtable_hits, gets > 0 ? (double)rs.runs_probed / gets : 0.0,
		gets > 0 ? (double)rs.files_probed / gets : 0.0, rs.bloom_checks,
		rs.bloom_negatives, rs.bloom_false_pos, rs.block_reads, rs.cache_hits);
	kv_engine_report(r->engine, find_stall_values, stall);
	if (stall[0] >= 0)
		fprintf(out, "Background jobs: %.0f writes waited for the thread, %.3f s in all\n",
			stall[0], stall[1]);
}

static void print_named_value(void *ud, const char *name, double value)
{
	fprintf((FILE *)ud, "  %-44s %.6g\n", name, value);
}

/* Engines without a dedicated section: their named metrics, as reported
   (the B+ tree puts textbook values next to the measured ones). */
static void text_engine_report(FILE *out, const struct kv_report *r)
{
	fprintf(out, "\n** Engine report (%s) **\n", r->engine->ops->name);
	kv_engine_report(r->engine, print_named_value, out);
}

struct dev_wa {
	double value;
	bool found;
};

static void find_device_wa(void *ud, const char *name, double value)
{
	struct dev_wa *d = ud;
	if (strcmp(name, "device_wa") == 0) {
		d->value = value;
		d->found = true;
	}
}

/* The device's own write amplification (NAND bytes / host bytes), if it models one. */
static bool device_wa(const struct kv_report *r, double *out)
{
	struct dev_wa d = { 0, false };
	kv_dev_report(r->device, find_device_wa, &d);
	*out = d.value;
	return d.found;
}

/* Modeled devices: device WA, end-to-end WA and the device's own report. */
static void text_device(FILE *out, const struct kv_report *r, const struct kv_amp *a)
{
	double dwa;

	if (!device_wa(r, &dwa))
		return;
	fprintf(out, "device WA          : %.3f (NAND bytes programmed / host bytes written)\n", dwa);
	fprintf(out, "end-to-end WA      : %.3f (WA x device WA)\n", a->wa * dwa);
	fprintf(out, "\n** Device report (%s) **\n", r->device->ops->name);
	kv_dev_report(r->device, print_named_value, out);
}

void kv_report_text(FILE *out, const struct kv_report *r)
{
	struct kv_amp a;

	kv_report_amp(r, &a);
	text_amp(out, r, &a);
	text_device(out, r, &a);
	if (kv_engine_is_lsm(r->engine))
		text_lsm(out, r, &a);
	else
		text_engine_report(out, r);
}

/* ------------------------------------------------------------------ JSON */

static void json_option_value(struct kv_json *j, const struct kv_option *o, const char *value)
{
	union {
		int64_t i;
		uint64_t u;
		double d;
		bool b;
		int e;
		char s[KV_OPT_STRING_BYTES];
	} v;
	char buf[KV_OPT_STRING_BYTES];

	memset(&v, 0, sizeof(v));
	if (value && kv_option_parse(o, value, &v, NULL) != KV_OK) {
		kv_json_string(j, value);
		return;
	}
	switch (o->type) {
	case KV_OPT_INT:
		kv_json_int(j, v.i);
		return;
	case KV_OPT_BYTES:
	case KV_OPT_DURATION:
		kv_json_uint(j, v.u);
		return;
	case KV_OPT_DOUBLE:
		kv_json_double(j, v.d);
		return;
	case KV_OPT_BOOL:
		kv_json_bool(j, v.b);
		return;
	case KV_OPT_ENUM:
		kv_option_format(o, &v, buf, sizeof(buf));
		kv_json_string(j, buf);
		return;
	case KV_OPT_STRING:
		kv_json_string(j, v.s);
		return;
	}
	kv_json_null(j);
}

static void json_configs(struct kv_json *j, const struct kv_report *r)
{
	kv_json_key(j, "config");
	kv_json_begin_object(j);
	for (size_t i = 0; i < r->nconfigs; i++) {
		const struct kv_report_config *c = &r->configs[i];

		kv_json_key(j, c->section);
		kv_json_begin_object(j);
		if (c->name)
			kv_json_kv_string(j, "name", c->name);
		kv_json_key(j, "options");
		kv_json_begin_object(j);
		for (const struct kv_option *o = c->options; o && o->name; o++) {
			const char *v = c->cfg ? kv_config_get(c->cfg, o->name) : NULL;
			kv_json_key(j, o->name);
			json_option_value(j, o, v ? v : o->def);
		}
		kv_json_end_object(j);
		kv_json_end_object(j);
	}
	kv_json_end_object(j);
}

static void json_latency(struct kv_json *j, const struct kv_bench_latency *l)
{
	kv_json_begin_object(j);
	kv_json_kv_string(j, "op", kv_op_name(l->op));
	kv_json_kv_uint(j, "count", l->count);
	kv_json_kv_double(j, "mean", l->mean);
	kv_json_kv_uint(j, "p50", l->p50);
	kv_json_kv_uint(j, "p90", l->p90);
	kv_json_kv_uint(j, "p99", l->p99);
	kv_json_kv_uint(j, "p99.9", l->p999);
	kv_json_kv_uint(j, "max", l->max);
	kv_json_end_object(j);
}

static void json_results(struct kv_json *j, const struct kv_report *r)
{
	kv_json_key(j, "benchmarks");
	kv_json_begin_array(j);
	for (size_t i = 0; i < r->nresults; i++) {
		const struct kv_bench_result *b = &r->results[i];
		double secs = (double)b->wall_ns / 1e9;

		kv_json_begin_object(j);
		kv_json_kv_string(j, "name", result_name(b));
		kv_json_kv_uint(j, "ops", b->ops);
		kv_json_kv_uint(j, "wall_ns", b->wall_ns);
		if (b->background) /* waited for after wall_ns (docs/metrics.md) */
			kv_json_kv_uint(j, "background_wait_ns", b->bg_wait_ns);
		kv_json_kv_uint(j, "device_ns", b->device_ns);
		kv_json_kv_double(j, "micros_per_op",
				  (double)b->wall_ns / 1e3 / (b->ops ? (double)b->ops : 1.0));
		kv_json_kv_double(j, "ops_per_sec", ratio((double)b->ops, secs));
		kv_json_kv_double(j, "mb_per_sec", ratio((double)b->bytes / MIB, secs));
		kv_json_kv_uint(j, "bytes", b->bytes);
		kv_json_kv_uint(j, "found", b->found);
		kv_json_kv_uint(j, "not_found", b->not_found);
		kv_json_kv_uint(j, "entries_read", b->entries_read);
		kv_json_kv_uint(j, "device_bytes_written", b->device_bytes_written);
		kv_json_kv_uint(j, "device_bytes_read", b->device_bytes_read);
		kv_json_kv_uint(j, "live_keys", b->live_keys);
		kv_json_kv_uint(j, "live_bytes", b->live_bytes);
		kv_json_key(j, "latency_ns");
		json_latency(j, &b->lat);
		kv_json_end_object(j);
	}
	kv_json_end_array(j);
}

static void json_hist(struct kv_json *j, const struct kv_hist *h)
{
	kv_json_begin_object(j);
	kv_json_kv_uint(j, "count", h->count);
	kv_json_kv_double(j, "mean", kv_hist_mean(h));
	kv_json_kv_uint(j, "min", h->count ? h->min : 0);
	kv_json_kv_uint(j, "p50", kv_hist_percentile(h, 50));
	kv_json_kv_uint(j, "p90", kv_hist_percentile(h, 90));
	kv_json_kv_uint(j, "p99", kv_hist_percentile(h, 99));
	kv_json_kv_uint(j, "p99.9", kv_hist_percentile(h, 99.9));
	kv_json_kv_uint(j, "max", h->count ? h->max : 0);
	kv_json_end_object(j);
}

static void json_named_value(void *ud, const char *name, double value)
{
	kv_json_kv_double(ud, name, value);
}

static void json_engine(struct kv_json *j, const struct kv_report *r)
{
	const struct kv_engine_stats *es = kv_engine_stats(r->engine);

	kv_json_key(j, "engine");
	kv_json_begin_object(j);
	kv_json_kv_string(j, "name", r->engine->ops->name);
	kv_json_kv_uint(j, "version", r->engine->ops->version);
	kv_json_key(j, "ops");
	kv_json_begin_object(j);
	for (int op = 0; op < KV_OP__COUNT; op++)
		kv_json_kv_uint(j, kv_op_name((enum kv_op)op), es->ops[op]);
	kv_json_end_object(j);
	kv_json_kv_uint(j, "user_key_bytes_written", es->user_key_bytes_written);
	kv_json_kv_uint(j, "user_value_bytes_written", es->user_value_bytes_written);
	kv_json_kv_uint(j, "gets_found", es->gets_found);
	kv_json_kv_uint(j, "gets_notfound", es->gets_notfound);
	kv_json_kv_uint(j, "get_found_bytes_read", es->get_found_bytes_read);
	kv_json_kv_uint(j, "get_found_reads", es->get_found_reads);
	kv_json_kv_uint(j, "get_notfound_bytes_read", es->get_notfound_bytes_read);
	kv_json_kv_uint(j, "get_notfound_reads", es->get_notfound_reads);
	kv_json_kv_uint(j, "scan_entries", es->scan_entries);
	kv_json_kv_uint(j, "scan_bytes_read", es->scan_bytes_read);
	kv_json_kv_uint(j, "scan_reads", es->scan_reads);
	kv_json_key(j, "latency_ns");
	kv_json_begin_object(j);
	for (int op = 0; op < KV_OP__COUNT; op++) {
		kv_json_key(j, kv_op_name((enum kv_op)op));
		json_hist(j, &es->lat_ns[op]);
	}
	kv_json_end_object(j);
	kv_json_key(j, "report");
	kv_json_begin_object(j);
	kv_engine_report(r->engine, json_named_value, j);
	kv_json_end_object(j);
	kv_json_end_object(j);
}

static void json_device(struct kv_json *j, const struct kv_report *r)
{
	struct kv_dev_stats ds;

	kv_dev_get_stats(r->device, &ds);
	kv_json_key(j, "device");
	kv_json_begin_object(j);
	kv_json_kv_string(j, "name", r->device->ops->name);
	kv_json_kv_uint(j, "version", r->device->ops->version);
	kv_json_key(j, "kinds");
	kv_json_begin_object(j);
	for (int k = 0; k < KV_FILE__COUNT; k++) {
		const struct kv_io_counters *c = &ds.kind[k];

		kv_json_key(j, kv_file_kind_name((enum kv_file_kind)k));
		kv_json_begin_object(j);
		kv_json_kv_uint(j, "bytes_read", c->bytes_read);
		kv_json_kv_uint(j, "reads", c->reads);
		kv_json_kv_uint(j, "bytes_written", c->bytes_written);
		kv_json_kv_uint(j, "writes", c->writes);
		kv_json_kv_uint(j, "syncs", c->syncs);
		kv_json_kv_uint(j, "files_created", c->files_created);
		kv_json_kv_uint(j, "files_removed", c->files_removed);
		kv_json_end_object(j);
	}
	kv_json_end_object(j);
	kv_json_kv_uint(j, "bytes_written", kv_io_bytes_written(&ds, true));
	kv_json_kv_uint(j, "bytes_written_no_wal", kv_io_bytes_written(&ds, false));
	kv_json_kv_uint(j, "bytes_read", kv_io_bytes_read(&ds));
	kv_json_kv_uint(j, "live_bytes", ds.live_bytes);
	kv_json_kv_uint(j, "peak_live_bytes", ds.peak_live_bytes);
	kv_json_kv_uint(j, "trims", ds.trims);
	kv_json_kv_uint(j, "bytes_trimmed", ds.bytes_trimmed);
	kv_json_kv_uint(j, "now_ns", kv_dev_now_ns(r->device));
	kv_json_key(j, "report");
	kv_json_begin_object(j);
	kv_dev_report(r->device, json_named_value, j);
	kv_json_end_object(j);
	kv_json_end_object(j);
}

static void json_amp(struct kv_json *j, const struct kv_report *r, const struct kv_amp *a)
{
	kv_json_key(j, "amplification");
	kv_json_begin_object(j);
	kv_json_kv_uint(j, "user_bytes_written", a->user_bytes_written);
	kv_json_kv_uint(j, "user_key_bytes_written", a->user_key_bytes);
	kv_json_kv_uint(j, "user_value_bytes_written", a->user_value_bytes);
	kv_json_kv_uint(j, "device_bytes_written", a->dev_bytes_written);
	kv_json_kv_uint(j, "device_bytes_written_no_wal", a->dev_bytes_written_no_wal);
	kv_json_kv_double(j, "wa", a->wa);
	kv_json_kv_double(j, "wa_no_wal", a->wa_no_wal);
	kv_json_key(j, "wa_by_kind");
	kv_json_begin_object(j);
	for (int k = 0; k < KV_FILE__COUNT; k++)
		kv_json_kv_double(j, kv_file_kind_name((enum kv_file_kind)k), a->wa_kind[k]);
	kv_json_end_object(j);
	kv_json_kv_uint(j, "gets_found", a->gets_found);
	kv_json_kv_uint(j, "gets_notfound", a->gets_notfound);
	kv_json_kv_double(j, "ra_found_bytes_per_get", a->ra_found_bytes);
	kv_json_kv_double(j, "ra_found_ios_per_get", a->ra_found_ios);
	kv_json_kv_double(j, "ra_notfound_bytes_per_get", a->ra_notfound_bytes);
	kv_json_kv_double(j, "ra_notfound_ios_per_get", a->ra_notfound_ios);
	kv_json_kv_uint(j, "scan_entries", a->scan_entries);
	kv_json_kv_double(j, "scan_bytes_per_entry", a->scan_bytes_per_entry);
	kv_json_kv_uint(j, "logical_live_keys", r->logical_live_keys);
	kv_json_kv_uint(j, "logical_live_bytes", r->logical_live_bytes);
	kv_json_kv_uint(j, "logical_peak_live_bytes", r->logical_peak_live_bytes);
	kv_json_kv_uint(j, "device_live_bytes", a->dev_live_bytes);
	kv_json_kv_uint(j, "device_peak_live_bytes", a->dev_peak_live_bytes);
	kv_json_kv_double(j, "sa", a->sa);
	kv_json_kv_double(j, "sa_peak", a->sa_peak);
	kv_json_key(j, "definitions");
	kv_json_begin_object(j);
#define JSON_DEF(id, term, def) kv_json_kv_string(j, #id, term " = " def);
	KV_METRIC_DEFS(JSON_DEF)
#undef JSON_DEF
	kv_json_end_object(j);
	kv_json_end_object(j);
}

static void json_level(struct kv_json *j, const struct kv_lsm_level_stats *s, double wamp)
{
	kv_json_kv_uint(j, "files", s->files);
	kv_json_kv_uint(j, "runs", s->runs);
	kv_json_kv_uint(j, "bytes", s->bytes);
	kv_json_kv_uint(j, "bytes_read_upper", s->bytes_read_upper);
	kv_json_kv_uint(j, "bytes_read_level", s->bytes_read_level);
	kv_json_kv_uint(j, "bytes_written", s->bytes_written);
	kv_json_kv_uint(j, "bytes_moved", s->bytes_moved);
	kv_json_kv_double(j, "w_amp", wamp);
	kv_json_kv_uint(j, "compactions", s->compactions);
	kv_json_kv_uint(j, "entries_dropped", s->entries_dropped);
	kv_json_kv_uint(j, "tombstones_dropped", s->tombstones_dropped);
	kv_json_kv_uint(j, "job_ns", s->job_ns);
}

static void json_trigger(void *ud, const char *trigger, uint64_t count)
{
	kv_json_kv_uint(ud, trigger, count);
}

static void json_lsm(struct kv_json *j, const struct kv_report *r, const struct kv_amp *a)
{
	struct kv_lsm_level_stats s, sum;
	struct kv_lsm_read_stats rs;
	int n = kv_lsm_nlevels(r->engine);

	memset(&sum, 0, sizeof(sum));
	kv_json_key(j, "lsm");
	kv_json_begin_object(j);
	kv_json_kv_string(j, "strategy", kv_lsm_strategy_name(r->engine));
	kv_json_kv_string(j, "memtable", kv_lsm_memtable_name(r->engine));
	kv_json_key(j, "levels");
	kv_json_begin_array(j);
	for (int l = 0; l < n; l++) {
		if (kv_lsm_level_stats(r->engine, l, &s) != KV_OK)
			continue;
		sum_levels(&sum, &s);
		kv_json_begin_object(j);
		kv_json_kv_int(j, "level", l);
		json_level(j, &s, ratio((double)s.bytes_written, (double)s.bytes_read_upper));
		kv_json_end_object(j);
	}
	kv_json_end_array(j);
	kv_json_key(j, "sum");
	kv_json_begin_object(j);
	json_level(j, &sum, ratio((double)sum.bytes_written, (double)a->user_bytes_written));
	kv_json_end_object(j);
	kv_json_key(j, "triggers");
	kv_json_begin_object(j);
	kv_lsm_trigger_counts(r->engine, json_trigger, j);
	kv_json_end_object(j);
	kv_lsm_get_read_stats(r->engine, &rs);
	kv_json_key(j, "read");
	kv_json_begin_object(j);
	kv_json_kv_uint(j, "gets", rs.gets);
	kv_json_kv_uint(j, "memtable_hits", rs.memtable_hits);
	kv_json_kv_uint(j, "runs_probed", rs.runs_probed);
	kv_json_kv_uint(j, "files_probed", rs.files_probed);
	kv_json_kv_uint(j, "bloom_checks", rs.bloom_checks);
	kv_json_kv_uint(j, "bloom_negatives", rs.bloom_negatives);
	kv_json_kv_uint(j, "bloom_false_positives", rs.bloom_false_pos);
	kv_json_kv_uint(j, "block_reads", rs.block_reads);
	kv_json_kv_uint(j, "cache_hits", rs.cache_hits);
	kv_json_end_object(j);
	kv_json_end_object(j);
}

static void json_memory(struct kv_json *j)
{
	kv_json_key(j, "memory");
	kv_json_begin_object(j);
	for (int c = 0; c < KV_MEM__COUNT; c++) {
		kv_json_key(j, kv_mem_component_name((enum kv_mem_component)c));
		kv_json_begin_object(j);
		kv_json_kv_uint(j, "in_use", kv_mem_in_use((enum kv_mem_component)c));
		kv_json_kv_uint(j, "peak", kv_mem_peak((enum kv_mem_component)c));
		kv_json_end_object(j);
	}
	kv_json_end_object(j);
}

int kv_report_json(FILE *out, const struct kv_report *r)
{
	struct kv_json j;
	struct kv_amp a;

	kv_report_amp(r, &a);
	kv_json_init(&j, out, true);
	kv_json_begin_object(&j);
	kv_json_kv_string(&j, "lsmlab_version", r->version);
	kv_json_kv_uint(&j, "seed", r->seed);
	kv_json_key(&j, "argv");
	kv_json_begin_array(&j);
	for (int i = 0; i < r->argc; i++)
		kv_json_string(&j, r->argv[i]);
	kv_json_end_array(&j);
	json_configs(&j, r);
	json_results(&j, r);
	json_amp(&j, r, &a);
	json_engine(&j, r);
	json_device(&j, r);
	if (kv_engine_is_lsm(r->engine))
		json_lsm(&j, r, &a);
	json_memory(&j);
	kv_json_end_object(&j);
	return kv_json_finish(&j) == KV_OK ? KV_OK : KV_EIO;
}

/* ---- CSV rows (columns documented in results/README.md) ---- */

static void csv_field(FILE *out, const char *s)
{
	bool quote = strpbrk(s, ",\"\n") != NULL;

	if (!quote) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

int kv_report_csv(FILE *out, const struct kv_report *r, const char *label, bool header)
{
	struct kv_amp a;
	struct kv_dev_stats ds;
	const char *strategy = kv_engine_is_lsm(r->engine) ? kv_lsm_strategy_name(r->engine) : "";
	const char *memtable = kv_engine_is_lsm(r->engine) ? kv_lsm_memtable_name(r->engine) : "";

	double dwa = 0;
	bool have_dwa = device_wa(r, &dwa);

	kv_report_amp(r, &a);
	kv_dev_get_stats(r->device, &ds);
	if (header)
		fputs("label,engine,memtable,strategy,device,seed,benchmark,ops,micros_per_op,"
		      "ops_per_sec,device_ops_per_sec,bench_device_bytes_written,"
		      "bench_device_bytes_read,bench_read_bytes_per_op,lat_p50_ns,lat_p99_ns,"
		      "lat_p999_ns,lat_max_ns,wa,wa_no_wal,ra_found_ios,ra_found_bytes,"
		      "ra_notfound_ios,ra_notfound_bytes,sa,sa_peak,user_bytes_written,"
		      "device_bytes_written,device_live_bytes,logical_live_bytes,device_wa,"
		      "end_to_end_wa\n",
		      out);
	for (size_t i = 0; i < r->nresults; i++) {
		const struct kv_bench_result *b = &r->results[i];
		double wall_s = (double)b->wall_ns / 1e9, dev_s = (double)b->device_ns / 1e9;

		csv_field(out, label);
		fputc(',', out);
		csv_field(out, r->engine->ops->name);
		fprintf(out, ",%s,%s,%s,%" PRIu64 ",%s,%" PRIu64 ",%.4f,%.1f,%.1f,%" PRIu64
			     ",%" PRIu64 ",%.2f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
			memtable, strategy, r->device->ops->name, r->seed, result_name(b),
			b->ops, b->ops ? (double)b->wall_ns / 1e3 / (double)b->ops : 0.0,
			ratio((double)b->ops, wall_s), ratio((double)b->ops, dev_s),
			b->device_bytes_written, b->device_bytes_read,
			ratio((double)b->device_bytes_read, (double)b->ops), b->lat.p50, b->lat.p99,
			b->lat.p999, b->lat.max);
		fprintf(out, ",%.4f,%.4f,%.4f,%.1f,%.4f,%.1f,%.4f,%.4f,%" PRIu64 ",%" PRIu64
			     ",%" PRIu64 ",%" PRIu64,
			a.wa, a.wa_no_wal, a.ra_found_ios, a.ra_found_bytes, a.ra_notfound_ios,
			a.ra_notfound_bytes, a.sa, a.sa_peak, a.user_bytes_written,
			a.dev_bytes_written, ds.live_bytes, r->logical_live_bytes);
		if (have_dwa)
			fprintf(out, ",%.4f,%.4f\n", dwa, a.wa * dwa);
		else
			fputs(",,\n", out);
	}
	return ferror(out) ? -1 : 0;
}
