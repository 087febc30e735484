/*
 * bench/peers.c - the peers harness (docs/BENCHMARKS.md "Peers"): lsmlab's
 * LSM and B+ tree engines side by side with RocksDB, LevelDB, LMDB and
 * SQLite on the same workloads, with matched configurations.
 *
 * Each repetition runs every engine once, in the order given (A B C ...
 * A B C ...), each in its own forked child process, so the process's I/O
 * counters and its peak RSS belong to that engine alone. The children
 * write their measurements into memory shared with the parent; the
 * parent then writes the summary (bench/peers_report.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/peers_driver.h"

#define STATS_BUF_BYTES (256u << 10)

static const struct peers_adapter *const all_adapters[] = {
	&peers_lsm_adapter, &peers_rocksdb_adapter, &peers_leveldb_adapter,
	&peers_btree_adapter, &peers_lmdb_adapter, &peers_sqlite_adapter,
};

#define NADAPTERS (sizeof(all_adapters) / sizeof(all_adapters[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: peers [--name=value ...]\n"
		"\n"
		"Runs lsmlab's engines and RocksDB, LevelDB, LMDB and SQLite side by side on\n"
		"the same workloads with the matched configuration of docs/BENCHMARKS.md\n"
		"(\"Peers\"), alternating engines (A B C ... A B C ...) for --reps repetitions,\n"
		"each engine in its own child process; writes OUT/peers.csv (medians per\n"
		"engine and benchmark), peers_engines.csv, peers_runs.csv, peers.md,\n"
		"peers_stats.txt, and prints the markdown tables.\n"
		"\n"
		"  --engines=LIST      comma-separated, from lsmlab-lsm,rocksdb,leveldb,\n"
		"                      lsmlab-btree,lmdb,sqlite (default: all, in that order)\n"
		"  --num=N             keys of the db_bench groups (2000000; --quick 20000)\n"
		"  --reads=N           gets of each read benchmark, entries of seekrandom (num)\n"
		"  --seek_nexts=N      entries read per seek (10)\n"
		"  --ycsb=LETTERS      YCSB workloads to run, e.g. abcdef (default), or none\n"
		"  --ycsb_records=N    YCSB recordcount (num / 4)\n"
		"  --ycsb_ops=N        YCSB operationcount (num / 4)\n"
		"  --reps=N            repetitions (3)\n"
		"  --seed=N            workload seed (301)\n"
		"  --verify            check every answer against the exact live set\n"
		"  --quick             a run of seconds: --num=20000\n"
		"  --db=DIR            stores go to DIR/<engine> (default: a new directory\n"
		"                      /tmp/lsmlab-peers-XXXXXX, removed at the end)\n"
		"  --out=DIR           results directory (results/peers)\n"
		"  --note=TEXT         a line echoed into the outputs (repeatable)\n"
		"  --rocksdb_statistics=BOOL  keep RocksDB's statistics (true): its own WA\n"
		"\n"
		"Exit status: 0 success, 1 an engine failed, 2 usage error.\n");
}

static int parse_u64(const char *name, const char *v, uint64_t min, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (!*v || *end || errno || v[0] == '-' || x < min) {
		fprintf(stderr, "peers: --%s=%s: expected an integer >= %" PRIu64 "\n", name, v,
			min);
		return KV_EINVAL;
	}
	*out = x;
	return KV_OK;
}

static int parse_engines(struct peers_params *p, const char *list)
{
	char buf[256];
	char *save = NULL;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", list) >= sizeof(buf))
		return KV_EINVAL;
	p->nengines = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < NADAPTERS && strcmp(all_adapters[i]->name, t) != 0; i++)
			;
		if (i == NADAPTERS || p->nengines == PEERS_MAX_ENGINES) {
			fprintf(stderr, "peers: --engines: unknown engine '%s' (lsmlab-lsm, "
				"rocksdb, leveldb, lsmlab-btree, lmdb, sqlite)\n", t);
			return KV_EINVAL;
		}
		p->engines[p->nengines++] = all_adapters[i];
	}
	return p->nengines ? KV_OK : KV_EINVAL;
}

static int parse_ycsb(struct peers_params *p, const char *v)
{
	if (strcmp(v, "none") == 0) {
		p->ycsb[0] = '\0';
		return KV_OK;
	}
	if (!*v || strlen(v) >= sizeof(p->ycsb) || strspn(v, "abcdef") != strlen(v)) {
		fprintf(stderr, "peers: --ycsb=%s: expected letters a-f (e.g. abcdef) or none\n",
			v);
		return KV_EINVAL;
	}
	snprintf(p->ycsb, sizeof(p->ycsb), "%s", v);
	return KV_OK;
}

/* One --name=value (value NULL for a bare --name). */
static int parse_one(struct peers_params *p, const char *name, const char *v, bool *set_num,
		     uint64_t *reads, uint64_t *yrec, uint64_t *yops)
{
	uint64_t x;
	int rc = KV_OK;

	if (strcmp(name, "verify") == 0 || strcmp(name, "quick") == 0) {
		if (v)
			return KV_EINVAL;
		*(name[0] == 'v' ? &p->verify : &p->quick) = true;
		return KV_OK;
	}
	if (!v)
		return KV_EINVAL;
	if (strcmp(name, "num") == 0) {
		*set_num = true;
		rc = parse_u64(name, v, 1, &p->num);
	} else if (strcmp(name, "reads") == 0) {
		rc = parse_u64(name, v, 1, reads);
	} else if (strcmp(name, "seek_nexts") == 0) {
		rc = parse_u64(name, v, 1, &p->seek_nexts);
	} else if (strcmp(name, "ycsb_records") == 0) {
		rc = parse_u64(name, v, 1, yrec);
	} else if (strcmp(name, "ycsb_ops") == 0) {
		rc = parse_u64(name, v, 1, yops);
	} else if (strcmp(name, "reps") == 0) {
		rc = parse_u64(name, v, 1, &x);
		if (rc == KV_OK && x > PEERS_MAX_REPS)
			rc = KV_EINVAL;
		p->reps = (unsigned)x;
	} else if (strcmp(name, "seed") == 0) {
		rc = parse_u64(name, v, 0, &p->seed);
	} else if (strcmp(name, "engines") == 0) {
		rc = parse_engines(p, v);
	} else if (strcmp(name, "ycsb") == 0) {
		rc = parse_ycsb(p, v);
	} else if (strcmp(name, "db") == 0 || strcmp(name, "out") == 0) {
		char *dst = name[0] == 'd' ? p->db : p->out;

		if (!*v || (size_t)snprintf(dst, PEERS_PATH_BYTES, "%s", v) >= PEERS_PATH_BYTES - 64)
			rc = KV_EINVAL;
	} else if (strcmp(name, "rocksdb_statistics") == 0) {
		p->cfg.statistics = strcmp(v, "true") == 0;
		rc = p->cfg.statistics || strcmp(v, "false") == 0 ? KV_OK : KV_EINVAL;
	} else if (strcmp(name, "note") == 0 && p->nnotes < PEERS_MAX_NOTES) {
		p->notes[p->nnotes++] = v;
	} else {
		rc = KV_EINVAL;
	}
	return rc;
}

static int parse_args(int argc, char **argv, struct peers_params *p)
{
	uint64_t reads = 0, yrec = 0, yops = 0;
	bool set_num = false;

	*p = (struct peers_params){ .num = 2000000, .seek_nexts = 10, .reps = 3, .seed = 301,
				    .argc = argc, .argv = argv };
	snprintf(p->ycsb, sizeof(p->ycsb), "abcdef");
	snprintf(p->out, sizeof(p->out), "results/peers");
	peers_config_default(&p->cfg);
	for (size_t i = 0; i < NADAPTERS; i++)
		p->engines[p->nengines++] = all_adapters[i];
	for (int i = 1; i < argc; i++) {
		char name[64];
		const char *eq = strchr(argv[i], '=');
		size_t n = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return KV_NOTFOUND;
		if (strncmp(argv[i], "--", 2) != 0 || n - 2 >= sizeof(name) || n < 3) {
			fprintf(stderr, "peers: unexpected argument '%s' (see --help)\n", argv[i]);
			return KV_EINVAL;
		}
		memcpy(name, argv[i] + 2, n - 2);
		name[n - 2] = '\0';
		if (parse_one(p, name, eq ? eq + 1 : NULL, &set_num, &reads, &yrec, &yops) !=
		    KV_OK) {
			fprintf(stderr, "peers: bad option '%s' (see --help)\n", argv[i]);
			return KV_EINVAL;
		}
	}
	if (p->quick && !set_num)
		p->num = 20000;
	p->reads = reads ? reads : p->num;
	p->ycsb_records = yrec ? yrec : (p->num / 4 ? p->num / 4 : 1);
	p->ycsb_ops = yops ? yops : (p->num / 4 ? p->num / 4 : 1);
	return KV_OK;
}

/* ------------------------------------------------------------ children */

/* In the child: run, then write the engine's statistics text (after every
   measurement, so the file's own bytes are not counted). Never returns. */
static void child(const struct peers_params *p, const struct peers_adapter *a, unsigned rep,
		  struct peers_result *res)
{
	static char stats_buf[STATS_BUF_BYTES];
	char dir[PEERS_PATH_BYTES + 64], path[PEERS_PATH_BYTES + 64];
	FILE *stats = fmemopen(stats_buf, sizeof(stats_buf), "w");
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", p->db, a->name);
	rc = peers_run_engine(p, a, dir, res, stats);
	if (stats) {
		long n = ftell(stats);
		FILE *f;

		fclose(stats);
		snprintf(path, sizeof(path), "%s/peers_stats.txt", p->out);
		f = fopen(path, rep == 0 && a == p->engines[0] ? "w" : "a");
		if (f && n > 0) {
			fprintf(f, "-- repetition %u --\n", rep + 1);
			fwrite(stats_buf, 1, (size_t)n < sizeof(stats_buf) ? (size_t)n :
				sizeof(stats_buf), f);
		}
		if (f)
			fclose(f);
	}
	fflush(stdout);
	_exit(rc == KV_OK ? 0 : 1);
}

static void print_run(const struct peers_adapter *a, unsigned rep, unsigned reps,
		      const struct peers_result *r)
{
	printf("rep %u/%u %-12s %6.1f s", rep + 1, reps, a->name, r->wall_s);
	if (r->status != KV_OK) {
		printf("  FAILED: %s\n", r->err);
		return;
	}
	for (unsigned i = 0; i < r->nphases; i++)
		if (r->ph[i].wall_ns && !strstr(r->ph[i].name, "/load"))
			printf("  %s %.0fk", r->ph[i].name,
			       (double)r->ph[i].ops / ((double)r->ph[i].wall_ns / 1e9) / 1e3);
	printf("  RSS %.1f MiB\n", (double)r->peak_rss_kib / 1024.0);
	fflush(stdout);
}

static int run_one(const struct peers_params *p, unsigned e, unsigned rep,
		   struct peers_result *res)
{
	const struct peers_adapter *a = p->engines[e];
	struct rusage ru;
	int status = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		snprintf(res->err, sizeof(res->err), "fork: %s", strerror(errno));
		res->status = KV_EIO;
		return KV_EIO;
	}
	if (pid == 0)
		child(p, a, rep, res);
	if (wait4(pid, &status, 0, &ru) < 0) {
		snprintf(res->err, sizeof(res->err), "wait4: %s", strerror(errno));
		res->status = KV_EIO;
		return KV_EIO;
	}
	res->peak_rss_kib = (uint64_t)ru.ru_maxrss;
	if (res->status == KV_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		res->status = KV_EIO;
		snprintf(res->err, sizeof(res->err), "child %s (status %d)",
			 WIFSIGNALED(status) ? "killed by a signal" : "failed", status);
	}
	print_run(a, rep, p->reps, res);
	return res->status;
}

int main(int argc, char **argv)
{
	struct peers_params p;
	struct peers_result *res;
	size_t bytes;
	bool temp_db = false;
	struct kv_err err;
	int rc, failed = 0;

	kv_err_clear(&err);
	rc = parse_args(argc, argv, &p);
	if (rc != KV_OK) {
		usage(rc == KV_NOTFOUND ? stdout : stderr);
		return rc == KV_NOTFOUND ? 0 : 2;
	}
	if (!p.db[0]) {
		snprintf(p.db, sizeof(p.db), "/tmp/lsmlab-peers-XXXXXX");
		if (!mkdtemp(p.db)) {
			fprintf(stderr, "peers: mkdtemp %s: %s\n", p.db, strerror(errno));
			return 1;
		}
		temp_db = true;
	} else if (mkdir(p.db, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "peers: mkdir %s: %s\n", p.db, strerror(errno));
		return 1;
	}
	if (mkdir(p.out, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "peers: mkdir %s: %s (its parent must exist)\n", p.out,
			strerror(errno));
		return 1;
	}
	bytes = (size_t)p.reps * p.nengines * sizeof(*res);
	res = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		fprintf(stderr, "peers: mmap: %s\n", strerror(errno));
		return 1;
	}
	printf("peers: %u engines x %u repetitions, num %" PRIu64 ", reads %" PRIu64
	       ", YCSB %s (%" PRIu64 " records, %" PRIu64 " ops), stores in %s\n",
	       p.nengines, p.reps, p.num, p.reads, p.ycsb[0] ? p.ycsb : "none", p.ycsb_records,
	       p.ycsb_ops, p.db);
	for (unsigned rep = 0; rep < p.reps; rep++) {
		struct peers_params done = p;

		for (unsigned e = 0; e < p.nengines; e++)
			failed |= run_one(&p, e, rep, &res[rep * p.nengines + e]) != KV_OK;
		/* The files so far after each repetition: an interrupted run
		   keeps the repetitions it finished. */
		done.reps = rep + 1;
		rc = peers_report(&done, res, rep + 1 == p.reps ? stdout : NULL, &err);
		if (rc != KV_OK)
			break;
	}
	if (rc != KV_OK) {
		fprintf(stderr, "peers: %s\n", kv_err_msg(&err));
		failed = 1;
	}
	munmap(res, bytes);
	if (temp_db && peers_rmtree(p.db, &err) != KV_OK)
		fprintf(stderr, "peers: %s\n", kv_err_msg(&err));
	return failed ? 1 : 0;
}
