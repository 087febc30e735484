/*
 * bench/peers_lsmlab.c - lsmlab's own engines as peers adapters
 * (bench/peers.h), opened exactly as `lsmlab bench` opens them (the
 * registries, a `file` device with fsync on, the engine's option table).
 *
 * The matched configuration:
 *   lsm:   skiplist memtable, leveled strategy (dynamic level bytes, the
 *          RocksDB default lsmlab also uses), write_buffer_size,
 *          level0_file_num_compaction_trigger, max_bytes_for_level_base,
 *          max_bytes_for_level_multiplier, target_file_size_base,
 *          bloom_bits_per_key, block_size, block_cache_size from the
 *          config; WAL on, wal_sync=none.
 *   btree: page_size = block_bytes, page_cache_size = cache_bytes; WAL on,
 *          wal_sync=none.
 *   device: `file` with mmap_bytes=0 (no mapping budget): the peers map
 *          their files without a byte limit too (LevelDB up to 1000
 *          tables, LMDB the whole file), so the default 128 MiB budget,
 *          which keeps the Foundation command under its RSS floor, would
 *          not be a matched configuration.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bench/peers.h"
#include "core/lsm/lsm.h"
#include "core/memtable/memtable.h"
#include "core/options.h"
#include "devices/file.h"
#include "strategies/registry.h"

static void lsmlab_version(char *buf, size_t len)
{
	snprintf(buf, len, "%s", LSMLAB_VERSION);
}

static int set_u64(struct kv_config *cfg, const char *name, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return kv_config_set(cfg, name, buf);
}

/* The engine options of @engine ("lsm" or "btree") for @c into @cfg. */
static int engine_config(const char *engine, const struct peers_config *c,
			 struct kv_config *cfg)
{
	char buf[32];
	int rc = KV_OK;

	rc |= kv_config_set(cfg, "wal", "true");
	rc |= kv_config_set(cfg, "wal_sync", "none");
	if (engine[0] == 'b') {
		rc |= set_u64(cfg, "page_size", c->block_bytes);
		rc |= set_u64(cfg, "page_cache_size", c->cache_bytes);
		return rc;
	}
	rc |= kv_config_set(cfg, "memtable", "skiplist");
	rc |= kv_config_set(cfg, "strategy", "leveled");
	rc |= set_u64(cfg, "write_buffer_size", c->write_buffer_bytes);
	rc |= set_u64(cfg, "level0_file_num_compaction_trigger", c->level0_trigger);
	rc |= set_u64(cfg, "max_bytes_for_level_base", c->level_base_bytes);
	snprintf(buf, sizeof(buf), "%g", c->level_multiplier);
	rc |= kv_config_set(cfg, "max_bytes_for_level_multiplier", buf);
	rc |= set_u64(cfg, "target_file_size_base", c->target_file_bytes);
	rc |= set_u64(cfg, "bloom_bits_per_key", c->bloom_bits_per_key);
	rc |= set_u64(cfg, "block_size", c->block_bytes);
	rc |= set_u64(cfg, "block_cache_size", c->cache_bytes);
	rc |= kv_config_set(cfg, "level_compaction_dynamic_level_bytes", "true");
	return rc;
}

static int lsmlab_open(const char *engine, const struct peers_config *c, const char *dir,
		       struct kv_device **dev, struct kv_engine **eng, struct kv_err *err)
{
	struct kv_engine_args args = { 0 };
	struct kv_config *cfg = kv_config_new();
	struct kv_config *devcfg = NULL;
	bool lsm = engine[0] == 'l';
	int rc;

	*dev = NULL;
	*eng = NULL;
	if (!cfg)
		return kv_err_set(err, KV_ENOMEM, "out of memory");
	if (engine_config(engine, c, cfg) != KV_OK) {
		rc = kv_err_set(err, KV_ENOMEM, "out of memory");
		goto out_free_cfg;
	}
	/* The file device's defaults (fsync on, as in every Foundation run)
	   but no mapping budget (the header comment). */
	devcfg = kv_config_new();
	if (!devcfg || kv_config_set(devcfg, "mmap_bytes", "0") != KV_OK) {
		rc = kv_err_set(err, KV_ENOMEM, "out of memory");
		goto out_free_cfg;
	}
	rc = kv_dev_open(&kv_file_device_ops, devcfg, dir, dev, err);
	if (rc != KV_OK)
		goto out_free_cfg;
	args = (struct kv_engine_args){
		.cfg = cfg, .dev = *dev,
		.memtable = lsm ? kv_memtable_find("skiplist") : NULL,
		.strategy = lsm ? kv_strategy_find("leveled") : NULL,
	};
	rc = kv_engine_open(kv_engine_find(engine), &args, eng, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "lsmlab %s engine in %s", engine, dir);
		kv_dev_close(*dev);
		*dev = NULL;
	}
out_free_cfg:
	kv_config_free(devcfg);
	kv_config_free(cfg);
	return rc;
}

static int lsm_open(const struct peers_config *c, const char *dir, struct kv_device **dev,
		    struct kv_engine **eng, struct kv_err *err)
{
	return lsmlab_open("lsm", c, dir, dev, eng, err);
}

static int btree_open(const struct peers_config *c, const char *dir, struct kv_device **dev,
		      struct kv_engine **eng, struct kv_err *err)
{
	return lsmlab_open("btree", c, dir, dev, eng, err);
}

/* The per-level compaction rows (bytes written per level: the WA split). */
/* The LSM's background thread (file device): wait until it is idle. */
static int lsm_settle(struct kv_engine *e, struct kv_err *err)
{
	(void)err;
	(void)kv_engine_wait_idle(e);
	return KV_OK;
}

static void lsm_dump(struct kv_engine *e, FILE *out)
{
	const double mib = 1024.0 * 1024.0;
	int n = kv_lsm_nlevels(e);

	fprintf(out, "  level  files  size_MiB  write_MiB  moved_MiB  jobs\n");
	for (int l = 0; l < n; l++) {
		struct kv_lsm_level_stats s;

		if (kv_lsm_level_stats(e, l, &s) != KV_OK || (!s.files && !s.bytes_written))
			continue;
		fprintf(out, "  L%-5d %5" PRIu64 "  %8.2f  %9.2f  %9.2f  %4" PRIu64 "\n", l, s.files,
			(double)s.bytes / mib, (double)s.bytes_written / mib,
			(double)s.bytes_moved / mib, s.compactions);
	}
}

const struct peers_adapter peers_lsm_adapter = {
	.name = "lsmlab-lsm", .family = "lsm", .version = lsmlab_version, .open = lsm_open,
	.settle = lsm_settle, .dump = lsm_dump,
};

const struct peers_adapter peers_btree_adapter = {
	.name = "lsmlab-btree", .family = "btree", .version = lsmlab_version,
	.open = btree_open, .settle = NULL, .dump = NULL,
};
