/*
 * bench/peers_run.c - one engine's run of the peers harness, in the child
 * process the driver forks for it (bench/peers_driver.h).
 *
 * Groups, each on a fresh store in the engine's directory:
 *   1. fillrandom, readrandom (the Foundation pair: about 63 % of the
 *      gets find their key), overwrite; then the store's size on disk
 *      after close against the exact logical live bytes (SA);
 *   2. fillseq, readfound (gets of random keys, all written), readmissing
 *      (gets of keys never written: one byte longer, so they fall between
 *      the written keys), seekrandom (seek + seek_nexts entries);
 *   3. per YCSB workload: its load phase, then its run phase.
 * The db_bench groups are workloads/dbbench.c's benchmarks, the YCSB
 * groups workloads/runner.c's workloads: the same key and value streams
 * (same seed) for every engine, checked against the exact live set when
 * verify is on.
 *
 * Every phase is measured by the process's own I/O counters
 * (/proc/self/io: write_bytes counts each page the process dirtied, once
 * per write-back, so appends are counted in whole pages and a page
 * rewritten before write-back once; wchar counts the bytes passed to
 * write calls, page rewrites included, as lsmlab's device does), taken after a
 * write phase's background work is done: the adapter's settle(), then,
 * if the process has other threads, until write_bytes stands still for
 * QUIET_NS. The db_bench figure (ops/s) is the operations' own time, as
 * db_bench reports it; the wait is recorded apart (settle_ns).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/peers_driver.h"
#include "core/alloc.h"
#include "workloads/dbbench.h"
#include "workloads/runner.h"

#define POLL_NS 50000000L            /* 50 ms */
#define QUIET_NS 300000000ULL        /* write_bytes unchanged this long */
#define QUIESCE_LIMIT_NS (1800ULL * 1000000000ULL)

/* ------------------------------------------------------ process counters */

struct proc_io {
	uint64_t write_bytes, cancelled_bytes, read_bytes, wchar;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Read the small /proc file @path into @buf (NUL-terminated; empty if it
   cannot be read). */
static void proc_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* The number after "@name" (e.g. "wchar:") at a line start of @text; 0 if absent. */
static uint64_t proc_value(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *l = text;

	while (l) {
		if (strncmp(l, name, n) == 0)
			return strtoull(l + n, NULL, 10);
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return 0;
}

static uint64_t proc_field(const char *path, const char *name)
{
	char text[4096];

	proc_read(path, text, sizeof(text));
	return proc_value(text, name);
}

static void proc_io_read(struct proc_io *io)
{
	char text[1024];

	proc_read("/proc/self/io", text, sizeof(text));
	io->write_bytes = proc_value(text, "write_bytes:");
	io->cancelled_bytes = proc_value(text, "cancelled_write_bytes:");
	io->read_bytes = proc_value(text, "read_bytes:");
	io->wchar = proc_value(text, "wchar:");
}

/* Wait while other threads of the process may still be writing. */
static void quiesce(void)
{
	struct timespec pause = { 0, POLL_NS };
	uint64_t start = now_ns(), quiet_since = start, last;

	if (proc_field("/proc/self/status", "Threads:") <= 1)
		return;
	last = proc_field("/proc/self/io", "write_bytes:");
	while (now_ns() - quiet_since < QUIET_NS && now_ns() - start < QUIESCE_LIMIT_NS) {
		uint64_t w;

		nanosleep(&pause, NULL);
		w = proc_field("/proc/self/io", "write_bytes:");
		if (w != last) {
			last = w;
			quiet_since = now_ns();
		}
	}
}

/* ---------------------------------------------------------- directories */

/* Sum the sizes of the regular files below @path (into *bytes) and, with
   @remove, delete everything there, @path included. */
static int walk(const char *path, bool remove, uint64_t *bytes, struct kv_err *err)
{
	struct stat st;
	struct dirent *de;
	char child[PEERS_PATH_BYTES];
	DIR *d;
	int rc = KV_OK;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? KV_OK : kv_err_set(err, KV_EIO, "stat %s: %s", path,
							    strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		*bytes += S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
		if (remove && unlink(path) != 0)
			return kv_err_set(err, KV_EIO, "unlink %s: %s", path, strerror(errno));
		return KV_OK;
	}
	d = opendir(path);
	if (!d)
		return kv_err_set(err, KV_EIO, "opendir %s: %s", path, strerror(errno));
	while (rc == KV_OK && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child))
			rc = kv_err_set(err, KV_EINVAL, "path too long below %s", path);
		else
			rc = walk(child, remove, bytes, err);
	}
	closedir(d);
	if (rc == KV_OK && remove && rmdir(path) != 0)
		rc = kv_err_set(err, KV_EIO, "rmdir %s: %s", path, strerror(errno));
	return rc;
}

int peers_rmtree(const char *path, struct kv_err *err)
{
	uint64_t bytes = 0;

	return walk(path, true, &bytes, err);
}

/* ----------------------------------------------------------- snapshots */

/* The counters a phase is measured by, taken before and after it. */
struct snap {
	struct proc_io io;
	struct kv_dev_stats dev;
	double flush, compact, wal; /* the engine's own; -1: unknown */
};

static void own_counter(void *ud, const char *name, double v)
{
	struct snap *s = ud;

	if (strcmp(name, "rocksdb.flush.write.bytes") == 0 || strcmp(name, "flush_bytes") == 0)
		s->flush = v;
	else if (strcmp(name, "rocksdb.compact.write.bytes") == 0)
		s->compact = v;
	else if (strcmp(name, "rocksdb.wal.bytes") == 0)
		s->wal = v;
}

static void snap_take(struct kv_engine *e, struct snap *s)
{
	s->flush = s->compact = s->wal = -1;
	kv_engine_report(e, own_counter, s);
	kv_dev_get_stats(e->dev, &s->dev);
	if (kv_io_bytes_written(&s->dev, true) > 0) {
		/* lsmlab: WAL and SSTable bytes from its device counters. */
		s->wal = (double)(s->dev.kind[KV_FILE_WAL].bytes_written +
				  s->dev.kind[KV_FILE_BTREE_WAL].bytes_written);
		if (s->flush >= 0)
			s->compact = (double)s->dev.kind[KV_FILE_SST].bytes_written - s->flush;
	}
	proc_io_read(&s->io);
}

static double own_delta(double a, double b)
{
	return a < 0 || b < 0 ? -1 : b - a;
}

/* ----------------------------------------------------------------- run */

struct run {
	const struct peers_params *p;
	const struct peers_adapter *a;
	const char *dir;
	struct peers_result *res;
	FILE *stats;
	struct kv_err err;
	struct kv_device *dev;
	struct kv_engine *eng;
	struct snap s0;
};

static int store_open(struct run *r)
{
	int rc = peers_rmtree(r->dir, &r->err);

	if (rc != KV_OK)
		return rc;
	if (mkdir(r->dir, 0755) != 0)
		return kv_err_set(&r->err, KV_EIO, "mkdir %s: %s", r->dir, strerror(errno));
	rc = r->a->open(&r->p->cfg, r->dir, &r->dev, &r->eng, &r->err);
	if (rc != KV_OK)
		kv_err_prefix(&r->err, "%s", r->a->name);
	return rc;
}

/*
 * Close the store; with @bytes, then measure its files; remove it. Returns
 * @rc if it is an error (the store is closed anyway), else the outcome.
 */
static int store_finish(struct run *r, int rc, uint64_t *bytes)
{
	uint64_t ignored = 0;
	int crc;

	peers_close(r->eng, r->dev);
	r->eng = NULL;
	r->dev = NULL;
	if (rc != KV_OK) {
		struct kv_err keep = r->err;

		peers_rmtree(r->dir, &r->err);
		r->err = keep;
		return rc;
	}
	crc = walk(r->dir, false, bytes ? bytes : &ignored, &r->err);
	if (crc == KV_OK)
		crc = peers_rmtree(r->dir, &r->err);
	return crc;
}

static struct peers_phase *phase_begin(struct run *r, const char *name, bool writes)
{
	struct peers_phase *ph;

	if (r->res->nphases == PEERS_MAX_PHASES) {
		kv_err_set(&r->err, KV_EINVAL, "more than %d phases", PEERS_MAX_PHASES);
		return NULL;
	}
	ph = &r->res->ph[r->res->nphases];
	memset(ph, 0, sizeof(*ph));
	snprintf(ph->name, sizeof(ph->name), "%s", name);
	ph->writes = writes;
	snap_take(r->eng, &r->s0);
	return ph;
}

/* After the operations: wait for background work, then take the deltas. */
static int phase_end(struct run *r, struct peers_phase *ph)
{
	struct snap s1;
	uint64_t t0 = now_ns();
	int rc = KV_OK;

	if (ph->writes && r->a->settle)
		rc = r->a->settle(r->eng, &r->err);
	if (rc != KV_OK)
		return rc;
	if (ph->writes)
		quiesce();
	ph->settle_ns = now_ns() - t0;
	snap_take(r->eng, &s1);
	ph->io_write_bytes = s1.io.write_bytes - r->s0.io.write_bytes;
	ph->io_cancelled_bytes = s1.io.cancelled_bytes - r->s0.io.cancelled_bytes;
	ph->io_read_bytes = s1.io.read_bytes - r->s0.io.read_bytes;
	ph->io_wchar_bytes = s1.io.wchar - r->s0.io.wchar;
	ph->dev_write_bytes = kv_io_bytes_written(&s1.dev, true) -
			      kv_io_bytes_written(&r->s0.dev, true);
	ph->dev_wal_bytes = (s1.dev.kind[KV_FILE_WAL].bytes_written +
			     s1.dev.kind[KV_FILE_BTREE_WAL].bytes_written) -
			    (r->s0.dev.kind[KV_FILE_WAL].bytes_written +
			     r->s0.dev.kind[KV_FILE_BTREE_WAL].bytes_written);
	ph->own_flush_bytes = own_delta(r->s0.flush, s1.flush);
	ph->own_compact_bytes = own_delta(r->s0.compact, s1.compact);
	ph->own_wal_bytes = own_delta(r->s0.wal, s1.wal);
	r->res->nphases++;
	return KV_OK;
}

static int bench_phase(struct run *r, struct kv_bench *b, enum kv_bench_kind kind,
		       const char *name)
{
	bool writes = kind == KV_BENCH_FILLSEQ || kind == KV_BENCH_FILLRANDOM ||
		      kind == KV_BENCH_OVERWRITE || kind == KV_BENCH_DELETERANDOM;
	struct peers_phase *ph = phase_begin(r, name, writes);
	struct kv_bench_result br;
	int rc;

	if (!ph)
		return KV_EINVAL;
	rc = kv_bench_run(b, r->eng, kind, &br, &r->err);
	if (rc != KV_OK)
		return rc;
	ph->ops = br.ops;
	ph->wall_ns = br.wall_ns;
	ph->found = br.found;
	ph->not_found = br.not_found;
	ph->entries = br.entries_read;
	ph->user_bytes = writes ? br.bytes : 0;
	return phase_end(r, ph);
}

static void dump_stats(struct run *r, const char *when)
{
	if (!r->stats || !r->a->dump)
		return;
	fprintf(r->stats, "== %s %s: %s ==\n", r->a->name, r->res->version, when);
	r->a->dump(r->eng, r->stats);
	fprintf(r->stats, "\n");
}

static struct kv_bench_params bench_params(const struct peers_params *p, size_t key_size,
					   uint64_t seed)
{
	return (struct kv_bench_params){
		.num = p->num, .reads = p->reads, .seek_nexts = p->seek_nexts,
		.key_size = key_size, .value_size = 100, .seed = seed, .verify = p->verify,
	};
}

/* One benchmark of a db_bench group. */
struct step {
	enum kv_bench_kind kind;
	const char *name;
	bool missing; /* on the runner of keys never written */
};

/* Group 1: the Foundation pair, then overwrite; SA of the store. */
static const struct step random_steps[] = {
	{ KV_BENCH_FILLRANDOM, "fillrandom", false },
	{ KV_BENCH_READRANDOM, "readrandom", false },
	{ KV_BENCH_OVERWRITE, "overwrite", false },
};

/* Group 2: a sequential load, then reads that all find their key, reads
   that never do (keys one byte longer), and short scans. */
static const struct step seq_steps[] = {
	{ KV_BENCH_FILLSEQ, "fillseq", false },
	{ KV_BENCH_READRANDOM, "readfound", false },
	{ KV_BENCH_READRANDOM, "readmissing", true },
	{ KV_BENCH_SEEKRANDOM, "seekrandom", false },
};

/*
 * Run @steps on a fresh store with runners seeded @seed (written keys) and
 * @seed + 1 (missing keys). With @measure, record the store's live and
 * file bytes at the end (after close).
 */
static int group_dbbench(struct run *r, const struct step *steps, size_t n, uint64_t seed,
			 bool measure)
{
	struct kv_bench_params bp = bench_params(r->p, 16, seed);
	struct kv_bench_params mp = bench_params(r->p, 17, seed + 1);
	struct kv_bench *b = NULL, *missing = NULL;
	int rc = kv_bench_new(&bp, &b, &r->err);

	if (rc == KV_OK)
		rc = kv_bench_new(&mp, &missing, &r->err);
	if (rc == KV_OK)
		rc = store_open(r);
	if (rc != KV_OK)
		goto out_free_bench;
	for (size_t i = 0; rc == KV_OK && i < n; i++) {
		rc = bench_phase(r, steps[i].missing ? missing : b, steps[i].kind, steps[i].name);
		if (rc == KV_OK && steps[i].kind == KV_BENCH_FILLRANDOM)
			dump_stats(r, "after fillrandom");
	}
	if (measure) {
		r->res->live_bytes = kv_bench_live_bytes(b);
		r->res->live_keys = kv_bench_live_keys(b);
	}
	rc = store_finish(r, rc, measure ? &r->res->dir_bytes : NULL);
out_free_bench:
	kv_bench_free(missing);
	kv_bench_free(b);
	return rc;
}

static int runner_for(struct run *r, char letter, struct kv_runner **out)
{
	struct kv_config *cfg = kv_config_new();
	struct kv_runner_params rp = { 0 };
	char buf[32];
	int rc = KV_OK;

	*out = NULL;
	if (!cfg)
		return kv_err_set(&r->err, KV_ENOMEM, "out of memory");
	snprintf(buf, sizeof(buf), "ycsb-%c", letter);
	rc |= kv_config_set(cfg, "workload", buf);
	snprintf(buf, sizeof(buf), "%" PRIu64, r->p->ycsb_records);
	rc |= kv_config_set(cfg, "recordcount", buf);
	snprintf(buf, sizeof(buf), "%" PRIu64, r->p->ycsb_ops);
	rc |= kv_config_set(cfg, "operationcount", buf);
	rc |= kv_config_set(cfg, "value_size", "100");
	snprintf(buf, sizeof(buf), "%" PRIu64, r->p->seed);
	rc |= kv_config_set(cfg, "seed", buf);
	rc |= kv_config_set(cfg, "verify", r->p->verify ? "true" : "false");
	rc |= kv_config_set(cfg, "progress", "false");
	rp.cfg = cfg;
	if (rc != KV_OK)
		rc = kv_err_set(&r->err, KV_ENOMEM, "out of memory");
	else
		rc = kv_runner_new(&rp, out, &r->err);
	kv_config_free(cfg);
	return rc;
}

/* One YCSB phase (load or run) as a peers phase. */
static int ycsb_phase(struct run *r, struct kv_runner *rn, bool load, const char *name,
		      struct kv_runner_result *rr)
{
	struct peers_phase *ph = phase_begin(r, name, true);
	int rc;

	if (!ph)
		return KV_EINVAL;
	rc = load ? kv_runner_load(rn, r->eng, rr, &r->err) : kv_runner_run(rn, r->eng, rr, &r->err);
	if (rc != KV_OK)
		return rc;
	ph->ops = rr->ops;
	ph->wall_ns = rr->wall_ns;
	ph->found = rr->reads_found;
	ph->not_found = rr->reads_not_found;
	ph->entries = rr->scan_entries;
	ph->user_bytes = rr->user_bytes;
	ph->writes = rr->user_bytes > 0;
	return phase_end(r, ph);
}

/* Group 3: YCSB workload @letter, load then run. */
static int group_ycsb(struct run *r, char letter)
{
	struct kv_runner_result *rr = kv_calloc(KV_MEM_OTHER, sizeof(*rr));
	struct kv_runner *rn = NULL;
	char name[32];
	int rc;

	if (!rr)
		return kv_err_set(&r->err, KV_ENOMEM, "out of memory");
	rc = runner_for(r, letter, &rn);
	if (rc != KV_OK)
		goto out_free;
	rc = store_open(r);
	if (rc != KV_OK)
		goto out_free;
	snprintf(name, sizeof(name), "ycsb-%c/load", letter);
	rc = ycsb_phase(r, rn, true, name, rr);
	snprintf(name, sizeof(name), "ycsb-%c", letter);
	if (rc == KV_OK)
		rc = ycsb_phase(r, rn, false, name, rr);
	rc = store_finish(r, rc, NULL);
out_free:
	kv_runner_free(rn);
	kv_free(KV_MEM_OTHER, rr, sizeof(*rr));
	return rc;
}

int peers_run_engine(const struct peers_params *p, const struct peers_adapter *a,
		     const char *dir, struct peers_result *res, FILE *stats)
{
	struct run r = { .p = p, .a = a, .dir = dir, .res = res, .stats = stats };
	uint64_t t0 = now_ns();
	int rc;

	kv_err_clear(&r.err);
	a->version(res->version, sizeof(res->version));
	res->rss_start_kib = proc_field("/proc/self/status", "VmRSS:");
	rc = group_dbbench(&r, random_steps, sizeof(random_steps) / sizeof(random_steps[0]),
			   p->seed, true);
	if (rc == KV_OK)
		rc = group_dbbench(&r, seq_steps, sizeof(seq_steps) / sizeof(seq_steps[0]),
				   p->seed + 2, false);
	for (const char *l = p->ycsb; rc == KV_OK && *l; l++)
		rc = group_ycsb(&r, *l);
	res->wall_s = (double)(now_ns() - t0) / 1e9;
	res->status = rc;
	if (rc != KV_OK)
		snprintf(res->err, sizeof(res->err), "%s", kv_err_msg(&r.err));
	return rc;
}
