/*
 * bench/peers_report.c - the peers harness's summary (bench/peers_driver.h):
 * medians over the repetitions, the ratio of each engine to its lsmlab
 * counterpart (the LSM for RocksDB and LevelDB, the B+ tree for LMDB and
 * SQLite: the median over repetitions of lsmlab's ops/s divided by the
 * engine's, both from the same repetition), write and space
 * amplification, peak RSS; as CSV, markdown, and the tables printed.
 *
 * Definitions (also written into the CSV header):
 *   kops_per_s  operations / wall seconds of the operations (db_bench's
 *               figure; the wait for background work is not included)
 *   wa_io_x     /proc/self/io write_bytes delta / user bytes written
 *               (key + value bytes of puts); the wait for background work
 *               after the phase is included
 *   wa_net_x    (write_bytes - cancelled_write_bytes) delta / user bytes:
 *               without the pages of files deleted or truncated before
 *               write-back (an unsynced WAL deleted after its flush)
 *   wa_wchar_x  /proc/self/io wchar delta (bytes passed to write calls) /
 *               user bytes: a page rewritten before write-back counts
 *               each time here, once in wa_io_x
 *   wa_dev_x    lsmlab's device counters: bytes written / user bytes
 *   own_*_x     the engine's own counters (RocksDB tickers; lsmlab flush
 *               bytes, SSTable and WAL device bytes) / user bytes
 *   sa_x        bytes of the files of the fillrandom store after
 *               fillrandom, readrandom, overwrite and close / exact
 *               logical live bytes (live keys x 116 bytes)
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "bench/peers_driver.h"

#define MIB (1024.0 * 1024.0)

struct table {
	const struct peers_params *p;
	const struct peers_result *res;
};

static const struct peers_result *result(const struct table *t, unsigned rep, unsigned e)
{
	const struct peers_result *r = &t->res[rep * t->p->nengines + e];

	return r->status == KV_OK ? r : NULL;
}

static const struct peers_phase *phase(const struct peers_result *r, const char *name)
{
	if (!r)
		return NULL;
	for (unsigned i = 0; i < r->nphases; i++)
		if (strcmp(r->ph[i].name, name) == 0)
			return &r->ph[i];
	return NULL;
}

/* Median of the non-NaN values; NaN if none. Sorts @v. */
static double median(double *v, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		if (!isnan(v[i]))
			v[k++] = v[i];
	for (unsigned i = 1; i < k; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double x = v[j];

			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	if (k == 0)
		return NAN;
	return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

static double ratio(double a, double b)
{
	return b > 0 && !isnan(a) && !isnan(b) ? a / b : NAN;
}

/* ---------------------------------------------------------- the metrics */

typedef double (*phase_metric)(const struct peers_phase *ph);

static double m_kops(const struct peers_phase *ph)
{
	return ph->wall_ns ? (double)ph->ops / ((double)ph->wall_ns / 1e9) / 1e3 : NAN;
}

static double per_user(const struct peers_phase *ph, double bytes)
{
	return ph->writes && ph->user_bytes && bytes >= 0 ? bytes / (double)ph->user_bytes : NAN;
}

static double m_wa_io(const struct peers_phase *ph)
{
	return per_user(ph, (double)ph->io_write_bytes);
}

/* Pages dirtied minus those truncated or deleted before write-back: what
   reached the device (or will). */
static double m_wa_net(const struct peers_phase *ph)
{
	return per_user(ph, (double)ph->io_write_bytes - (double)ph->io_cancelled_bytes);
}

static double m_wa_wchar(const struct peers_phase *ph)
{
	return per_user(ph, (double)ph->io_wchar_bytes);
}

static double m_wa_dev(const struct peers_phase *ph)
{
	return ph->dev_write_bytes ? per_user(ph, (double)ph->dev_write_bytes) : NAN;
}

static double m_own_flush(const struct peers_phase *ph)
{
	return per_user(ph, ph->own_flush_bytes);
}

static double m_own_compact(const struct peers_phase *ph)
{
	return per_user(ph, ph->own_compact_bytes);
}

static double m_own_wal(const struct peers_phase *ph)
{
	return per_user(ph, ph->own_wal_bytes);
}

/* Flush + compaction (no WAL): RocksDB's compaction-stats W-Amp numerator. */
static double m_own_tables(const struct peers_phase *ph)
{
	if (ph->own_flush_bytes < 0 || ph->own_compact_bytes < 0)
		return NAN;
	return per_user(ph, ph->own_flush_bytes + ph->own_compact_bytes);
}

static double m_own_all(const struct peers_phase *ph)
{
	if (ph->own_flush_bytes < 0 || ph->own_compact_bytes < 0 || ph->own_wal_bytes < 0)
		return NAN;
	return per_user(ph, ph->own_flush_bytes + ph->own_compact_bytes + ph->own_wal_bytes);
}

static double m_found(const struct peers_phase *ph)
{
	uint64_t n = ph->found + ph->not_found;

	return n ? (double)ph->found / (double)n : NAN;
}

static double m_settle_s(const struct peers_phase *ph)
{
	return (double)ph->settle_ns / 1e9;
}

/* Median over the repetitions of metric @m of phase @name of engine @e. */
static double phase_median(const struct table *t, unsigned e, const char *name, phase_metric m)
{
	double v[PEERS_MAX_REPS];

	for (unsigned rep = 0; rep < t->p->reps; rep++) {
		const struct peers_phase *ph = phase(result(t, rep, e), name);

		v[rep] = ph ? m(ph) : NAN;
	}
	return median(v, t->p->reps);
}

/* The lsmlab engine @e is compared with, or -1. */
static int counterpart(const struct table *t, unsigned e)
{
	const char *want = strcmp(t->p->engines[e]->family, "lsm") == 0 ? "lsmlab-lsm" :
									  "lsmlab-btree";

	for (unsigned i = 0; i < t->p->nengines; i++)
		if (strcmp(t->p->engines[i]->name, want) == 0)
			return (int)i;
	return -1;
}

/* Median over repetitions of lsmlab's ops/s / engine @e's, same repetition. */
static double ratio_median(const struct table *t, unsigned e, const char *name)
{
	double v[PEERS_MAX_REPS];
	int c = counterpart(t, e);

	for (unsigned rep = 0; rep < t->p->reps; rep++) {
		const struct peers_phase *a = c < 0 ? NULL : phase(result(t, rep, (unsigned)c), name);
		const struct peers_phase *b = phase(result(t, rep, e), name);

		v[rep] = a && b ? ratio(m_kops(a), m_kops(b)) : NAN;
	}
	return median(v, t->p->reps);
}

typedef double (*result_metric)(const struct peers_result *r);

static double r_sa(const struct peers_result *r)
{
	return ratio((double)r->dir_bytes, (double)r->live_bytes);
}

static double r_dir_mib(const struct peers_result *r)
{
	return (double)r->dir_bytes / MIB;
}

static double r_live_mib(const struct peers_result *r)
{
	return (double)r->live_bytes / MIB;
}

static double r_rss_mib(const struct peers_result *r)
{
	return (double)r->peak_rss_kib / 1024.0;
}

static double r_rss_start_mib(const struct peers_result *r)
{
	return (double)r->rss_start_kib / 1024.0;
}

static double r_wall_s(const struct peers_result *r)
{
	return r->wall_s;
}

static double result_median(const struct table *t, unsigned e, result_metric m)
{
	double v[PEERS_MAX_REPS];

	for (unsigned rep = 0; rep < t->p->reps; rep++) {
		const struct peers_result *r = result(t, rep, e);

		v[rep] = r ? m(r) : NAN;
	}
	return median(v, t->p->reps);
}

/* A successful run of engine @e (its phase list), or NULL. */
static const struct peers_result *any_run(const struct table *t, unsigned e)
{
	for (unsigned rep = 0; rep < t->p->reps; rep++)
		if (result(t, rep, e))
			return result(t, rep, e);
	return NULL;
}

/* The phase names in order (from the first engine that ran). */
static const struct peers_result *phase_list(const struct table *t)
{
	for (unsigned e = 0; e < t->p->nengines; e++)
		if (any_run(t, e))
			return any_run(t, e);
	return NULL;
}

/* ----------------------------------------------------------------- CSV */

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		fprintf(f, ",");
	else
		fprintf(f, ",%.6g", v);
}

static void meta(FILE *f, const struct table *t, const char *prefix)
{
	const struct peers_config *c = &t->p->cfg;

	fprintf(f, "%speers harness (bench/peers), lsmlab %s; command:", prefix, LSMLAB_VERSION);
	for (int i = 0; i < t->p->argc; i++)
		fprintf(f, " %s", t->p->argv[i]);
	fprintf(f, "\n");
	for (unsigned i = 0; i < t->p->nnotes; i++)
		fprintf(f, "%s%s\n", prefix, t->p->notes[i]);
	fprintf(f, "%snum %" PRIu64 ", reads %" PRIu64 ", seek_nexts %" PRIu64 ", 16-byte keys, "
		"100-byte values, YCSB %s (%" PRIu64 " records, %" PRIu64 " operations, 100-byte "
		"values), %u repetitions, seed %" PRIu64 "%s\n", prefix, t->p->num, t->p->reads,
		t->p->seek_nexts, t->p->ycsb[0] ? t->p->ycsb : "none", t->p->ycsb_records,
		t->p->ycsb_ops, t->p->reps, t->p->seed, t->p->verify ? ", verify on" : "");
	fprintf(f, "%sconfig: write buffer %" PRIu64 " KiB, L0 trigger %u, base level %" PRIu64
		" KiB, multiplier %g, target file %" PRIu64 " KiB, Bloom %u bits/key, block %" PRIu64
		" B, cache %" PRIu64 " KiB, %u operations per LMDB/SQLite transaction, no "
		"compression, WAL on and unsynced\n", prefix, c->write_buffer_bytes >> 10,
		c->level0_trigger, c->level_base_bytes >> 10, c->level_multiplier,
		c->target_file_bytes >> 10, c->bloom_bits_per_key, c->block_bytes,
		c->cache_bytes >> 10, c->txn_ops);
	fprintf(f, "%sversions:", prefix);
	for (unsigned e = 0; e < t->p->nengines; e++) {
		const struct peers_result *r = any_run(t, e);

		fprintf(f, " %s %s;", t->p->engines[e]->name, r ? r->version : "?");
	}
	fprintf(f, "\n");
}

static const char *const column_docs =
	"# column kops_per_s: thousands of operations per wall second of the operations "
	"(median over repetitions)\n"
	"# column ratio_x: the lsmlab counterpart's ops/s / this engine's, same repetition "
	"(median); lsmlab-lsm for LSMs, lsmlab-btree for B-trees\n"
	"# column wa_io_x: /proc/self/io write_bytes / user bytes written, background work "
	"included\n"
	"# column wa_net_x: (write_bytes - cancelled_write_bytes) / user bytes: without pages "
	"of files deleted before write-back\n"
	"# column wa_wchar_x: /proc/self/io wchar (bytes passed to write calls) / user bytes\n"
	"# column wa_dev_x: lsmlab's device counters: bytes written / user bytes\n"
	"# column own_*_x: the engine's own counters / user bytes (RocksDB statistics; lsmlab "
	"flush bytes, SSTable and WAL device bytes)\n"
	"# column found_frac: gets that found their key / gets\n";

/* @path opened for writing, with the metadata block, the column
   definitions @docs and the header row @header written; NULL on error. */
static FILE *csv_open(const struct table *t, const char *path, const char *docs,
		      const char *header)
{
	FILE *f = fopen(path, "w");

	if (f) {
		meta(f, t, "# ");
		fprintf(f, "%s%s\n", docs, header);
	}
	return f;
}

static int write_phases_csv(const struct table *t, const char *path)
{
	static const phase_metric amp_cols[] = { m_wa_io, m_wa_net, m_wa_wchar, m_wa_dev,
						  m_own_flush, m_own_compact, m_own_wal, m_found,
						  m_settle_s };
	const struct peers_result *pl = phase_list(t);
	FILE *f = csv_open(t, path, column_docs,
			   "engine,family,phase,runs,kops_per_s,kops_min,kops_max,ratio_x,wa_io_x,"
			   "wa_net_x,wa_wchar_x,wa_dev_x,own_flush_x,own_compact_x,own_wal_x,found_frac,"
			   "settle_s");

	if (!f)
		return KV_EIO;
	for (unsigned e = 0; e < t->p->nengines && pl; e++) {
		for (unsigned i = 0; i < pl->nphases; i++) {
			const char *name = pl->ph[i].name;
			double lo = NAN, hi = NAN;
			unsigned runs = 0;

			for (unsigned rep = 0; rep < t->p->reps; rep++) {
				const struct peers_phase *ph = phase(result(t, rep, e), name);
				double k = ph ? m_kops(ph) : NAN;

				if (isnan(k))
					continue;
				runs++;
				lo = isnan(lo) || k < lo ? k : lo;
				hi = isnan(hi) || k > hi ? k : hi;
			}
			fprintf(f, "%s,%s,%s,%u", t->p->engines[e]->name, t->p->engines[e]->family,
				name, runs);
			csv_num(f, phase_median(t, e, name, m_kops));
			csv_num(f, lo);
			csv_num(f, hi);
			csv_num(f, ratio_median(t, e, name));
			for (size_t k = 0; k < sizeof(amp_cols) / sizeof(amp_cols[0]); k++)
				csv_num(f, phase_median(t, e, name, amp_cols[k]));
			fprintf(f, "\n");
		}
	}
	return fclose(f) == 0 ? KV_OK : KV_EIO;
}

static int write_engines_csv(const struct table *t, const char *path)
{
	static const result_metric cols[] = { r_sa, r_dir_mib, r_live_mib, r_rss_mib,
					      r_rss_start_mib };
	static const phase_metric fill_cols[] = { m_wa_io, m_wa_net, m_wa_wchar, m_wa_dev };
	FILE *f = csv_open(t, path,
			   "# column sa_x: bytes of the fillrandom store's files after overwrite "
			   "and close / logical live bytes\n"
			   "# column peak_rss_mib: ru_maxrss of the engine's child process (its "
			   "whole run); rss_start_mib: its RSS before it opened anything\n",
			   "engine,family,version,runs,sa_x,dir_mib,live_mib,peak_rss_mib,"
			   "rss_start_mib,fillrandom_wa_io_x,fillrandom_wa_net_x,fillrandom_wa_wchar_x,"
			   "fillrandom_wa_dev_x,run_s");

	if (!f)
		return KV_EIO;
	for (unsigned e = 0; e < t->p->nengines; e++) {
		const struct peers_result *r = any_run(t, e);
		unsigned runs = 0;

		for (unsigned rep = 0; rep < t->p->reps; rep++)
			runs += result(t, rep, e) != NULL;
		fprintf(f, "%s,%s,%s,%u", t->p->engines[e]->name, t->p->engines[e]->family,
			r ? r->version : "", runs);
		for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
			csv_num(f, result_median(t, e, cols[i]));
		for (size_t i = 0; i < sizeof(fill_cols) / sizeof(fill_cols[0]); i++)
			csv_num(f, phase_median(t, e, "fillrandom", fill_cols[i]));
		csv_num(f, result_median(t, e, r_wall_s));
		fprintf(f, "\n");
	}
	return fclose(f) == 0 ? KV_OK : KV_EIO;
}

static int write_runs_csv(const struct table *t, const char *path)
{
	FILE *f = csv_open(t, path, "",
			   "rep,engine,phase,ops,wall_s,kops_per_s,settle_s,found,not_found,"
			   "entries,user_bytes,io_write_bytes,io_cancelled_bytes,io_read_bytes,"
			   "io_wchar_bytes,dev_write_bytes,dev_wal_bytes,own_flush_bytes,"
			   "own_compact_bytes,own_wal_bytes,dir_bytes,live_bytes,peak_rss_kib,"
			   "status");

	if (!f)
		return KV_EIO;
	for (unsigned rep = 0; rep < t->p->reps; rep++) {
		for (unsigned e = 0; e < t->p->nengines; e++) {
			const struct peers_result *r = &t->res[rep * t->p->nengines + e];

			for (unsigned i = 0; i < r->nphases; i++) {
				const struct peers_phase *ph = &r->ph[i];

				fprintf(f, "%u,%s,%s,%" PRIu64, rep + 1, t->p->engines[e]->name,
					ph->name, ph->ops);
				csv_num(f, (double)ph->wall_ns / 1e9);
				csv_num(f, m_kops(ph));
				csv_num(f, m_settle_s(ph));
				fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
					",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
					ph->found, ph->not_found, ph->entries, ph->user_bytes,
					ph->io_write_bytes, ph->io_cancelled_bytes, ph->io_read_bytes,
					ph->io_wchar_bytes, ph->dev_write_bytes, ph->dev_wal_bytes);
				csv_num(f, ph->own_flush_bytes < 0 ? NAN : ph->own_flush_bytes);
				csv_num(f, ph->own_compact_bytes < 0 ? NAN : ph->own_compact_bytes);
				csv_num(f, ph->own_wal_bytes < 0 ? NAN : ph->own_wal_bytes);
				fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s\n", r->dir_bytes,
					r->live_bytes, r->peak_rss_kib,
					r->status == KV_OK ? "ok" : "failed");
			}
		}
	}
	return fclose(f) == 0 ? KV_OK : KV_EIO;
}

/* ------------------------------------------------------------ markdown */

static void md_num(FILE *f, double v, const char *fmt)
{
	if (isnan(v))
		fprintf(f, " — |");
	else {
		fprintf(f, " ");
		fprintf(f, fmt, v);
		fprintf(f, " |");
	}
}

static void md_kops(FILE *f, double kops, double r, bool show_ratio)
{
	if (isnan(kops))
		fprintf(f, " — |");
	else if (kops >= 1000)
		fprintf(f, " %.2fM", kops / 1e3);
	else
		fprintf(f, " %.0fk", kops);
	if (!isnan(kops) && show_ratio && !isnan(r))
		fprintf(f, " (%.2f×) |", r);
	else if (!isnan(kops))
		fprintf(f, " |");
}

static void md_header(FILE *f, const struct table *t, const char *first)
{
	fprintf(f, "| %s |", first);
	for (unsigned e = 0; e < t->p->nengines; e++)
		fprintf(f, " %s |", t->p->engines[e]->name);
	fprintf(f, "\n|---|");
	for (unsigned e = 0; e < t->p->nengines; e++)
		fprintf(f, "---|");
	fprintf(f, "\n");
}

static void md_throughput(FILE *f, const struct table *t)
{
	const struct peers_result *pl = phase_list(t);

	fprintf(f, "Throughput, median of %u (ops/s; in parentheses the lsmlab counterpart's "
		"ops/s ÷ this engine's, median of the per-repetition ratios):\n\n", t->p->reps);
	md_header(f, t, "benchmark");
	for (unsigned i = 0; pl && i < pl->nphases; i++) {
		const char *name = pl->ph[i].name;

		fprintf(f, "| %s |", name);
		for (unsigned e = 0; e < t->p->nengines; e++)
			md_kops(f, phase_median(t, e, name, m_kops), ratio_median(t, e, name),
				strncmp(t->p->engines[e]->name, "lsmlab-", 7) != 0);
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

static void md_row(FILE *f, const struct table *t, const char *label, const char *name,
		   phase_metric pm, result_metric rm, const char *fmt)
{
	fprintf(f, "| %s |", label);
	for (unsigned e = 0; e < t->p->nengines; e++)
		md_num(f, pm ? phase_median(t, e, name, pm) : result_median(t, e, rm), fmt);
	fprintf(f, "\n");
}

static void md_amplification(FILE *f, const struct table *t)
{
	fprintf(f, "Amplification and memory, medians (WA: bytes written / user bytes; "
		"`write_bytes`: pages the process dirtied, as /proc/self/io counts them; "
		"`wchar`: bytes passed to write calls; `device`: lsmlab's own counters):\n\n");
	md_header(f, t, "quantity");
	md_row(f, t, "fillrandom WA, write_bytes", "fillrandom", m_wa_io, NULL, "%.2f");
	md_row(f, t, "fillrandom WA, write_bytes − cancelled", "fillrandom", m_wa_net, NULL,
	       "%.2f");
	md_row(f, t, "fillrandom WA, wchar", "fillrandom", m_wa_wchar, NULL, "%.2f");
	md_row(f, t, "fillrandom WA, device", "fillrandom", m_wa_dev, NULL, "%.2f");
	md_row(f, t, "overwrite WA, write_bytes", "overwrite", m_wa_io, NULL, "%.2f");
	md_row(f, t, "overwrite WA, write_bytes − cancelled", "overwrite", m_wa_net, NULL,
	       "%.2f");
	md_row(f, t, "overwrite WA, wchar", "overwrite", m_wa_wchar, NULL, "%.2f");
	md_row(f, t, "overwrite WA, device", "overwrite", m_wa_dev, NULL, "%.2f");
	md_row(f, t, "fillseq WA, write_bytes", "fillseq", m_wa_io, NULL, "%.2f");
	md_row(f, t, "SA (files / live bytes)", NULL, NULL, r_sa, "%.2f");
	md_row(f, t, "store after overwrite, MiB", NULL, NULL, r_dir_mib, "%.1f");
	md_row(f, t, "peak RSS, MiB", NULL, NULL, r_rss_mib, "%.1f");
	md_row(f, t, "readrandom found", "readrandom", m_found, NULL, "%.3f");
	md_row(f, t, "fillrandom settle, s", "fillrandom", m_settle_s, NULL, "%.1f");
	fprintf(f, "\n");
}

/* RocksDB's own WA beside lsmlab's, fillrandom. */
static void md_crosscheck(FILE *f, const struct table *t)
{
	static const struct {
		const char *label;
		phase_metric m;
	} rows[] = {
		{ "flush / user bytes", m_own_flush },
		{ "compaction / user bytes", m_own_compact },
		{ "WAL / user bytes", m_own_wal },
		{ "flush + compaction (no WAL)", m_own_tables },
		{ "flush + compaction + WAL", m_own_all },
		{ "all, /proc write_bytes", m_wa_io },
		{ "all, /proc write_bytes − cancelled", m_wa_net },
		{ "all, /proc wchar", m_wa_wchar },
		{ "all, lsmlab device counters", m_wa_dev },
	};
	int lsm = -1, rdb = -1;

	for (unsigned e = 0; e < t->p->nengines; e++) {
		if (strcmp(t->p->engines[e]->name, "lsmlab-lsm") == 0)
			lsm = (int)e;
		if (strcmp(t->p->engines[e]->name, "rocksdb") == 0)
			rdb = (int)e;
	}
	if (lsm < 0 || rdb < 0)
		return;
	fprintf(f, "Fidelity cross-check, fillrandom, bytes written / user bytes (RocksDB: its "
		"statistics tickers; lsmlab: its flush counter and device counters; medians):\n\n"
		"| bytes written | rocksdb | lsmlab-lsm | lsmlab ÷ rocksdb |\n|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		double a = phase_median(t, (unsigned)rdb, "fillrandom", rows[i].m);
		double b = phase_median(t, (unsigned)lsm, "fillrandom", rows[i].m);

		fprintf(f, "| %s |", rows[i].label);
		md_num(f, a, "%.3f");
		md_num(f, b, "%.3f");
		md_num(f, ratio(b, a), "%.3f");
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

static void markdown(FILE *f, const struct table *t)
{
	meta(f, t, "    ");
	fprintf(f, "\n");
	md_throughput(f, t);
	md_amplification(f, t);
	md_crosscheck(f, t);
	for (unsigned rep = 0; rep < t->p->reps; rep++)
		for (unsigned e = 0; e < t->p->nengines; e++)
			if (!result(t, rep, e))
				fprintf(f, "- repetition %u, %s: FAILED: %s\n", rep + 1,
					t->p->engines[e]->name, t->res[rep * t->p->nengines + e].err);
}

static int write_md(const struct table *t, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return KV_EIO;
	markdown(f, t);
	return fclose(f) == 0 ? KV_OK : KV_EIO;
}

int peers_report(const struct peers_params *p, const struct peers_result *res, FILE *out,
		 struct kv_err *err)
{
	static const struct {
		const char *name;
		int (*write)(const struct table *t, const char *path);
	} files[] = {
		{ "peers.csv", write_phases_csv },
		{ "peers_engines.csv", write_engines_csv },
		{ "peers_runs.csv", write_runs_csv },
		{ "peers.md", write_md },
	};
	struct table t = { p, res };
	char path[PEERS_PATH_BYTES + 64];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->out, files[i].name);
		if (files[i].write(&t, path) != KV_OK)
			return kv_err_set(err, KV_EIO, "writing %s: %s", path, strerror(errno));
	}
	if (!out)
		return KV_OK;
	fprintf(out, "\n");
	markdown(out, &t);
	fprintf(out, "Written: %s/{peers.csv,peers_engines.csv,peers_runs.csv,peers.md,"
		"peers_stats.txt}\n", p->out);
	return KV_OK;
}
