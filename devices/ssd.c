/*
 * devices/ssd.c - the modeled SSD device (see devices/ssd.h, docs/ssd.md).
 *
 * Layers: a file namespace (hash table of files, each a size and a list of
 * extents of logical units) -> a write buffer (dirty units in FIFO order)
 * -> the FTL (devices/ftl.c), whose NAND operations are placed on the
 * timelines of devices/nand_timing.c through hooks. Data lives in
 * devices/ssd_store.c by LBA.
 *
 * Invariants of a file (sfile_check):
 *  1. extents cover file units [0, alloc) in order without gaps; alloc >=
 *     ceil(size / unit).
 *  2. Bytes [0, size) of the file are the bytes of its units in the store;
 *     bytes past size in its last unit are unspecified (extending a file
 *     writes zeros over them first).
 *  3. handles counts open handles; a file is in the name table until
 *     removed or renamed over, then lives on as an orphan while handles
 *     remain; its units are released when it is both unlinked and closed.
 * Invariants of the device:
 *  4. ndirty = number of set bits of dirty <= ring_len; every dirty LBA is
 *     in the ring (stale ring entries, whose bit is clear, are skipped).
 *  5. inflight_len <= inflight_cap; host_prog_done >= every inflight entry.
 *  6. open_handles = sum of handles over all files.
 */
#include "devices/ssd.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/stats.h"
#include "devices/name_table.h"
#include "devices/nand_timing.h"
#include "devices/ssd_space.h"
#include "devices/ssd_store.h"

#define HASH_SEED 0x737364646576ULL
#define PREALLOC_MIN_UNITS 16
#define PREALLOC_MAX_UNITS 4096
#define ZERO_PIECE 4096

enum { LAT_READ, LAT_WRITE, LAT_SYNC, LAT_TRIM, LAT__COUNT };
static const char *const lat_names[LAT__COUNT] = { "read", "write", "sync", "trim" };

static const char zeros[ZERO_PIECE];

struct ssd_file {
	struct kv_name_entry n; /* first: name, chain link, handle count */
	uint64_t size;
	struct kv_ssd_extent *ext;
	size_t ext_count, ext_cap;
	uint64_t alloc; /* units allocated (extents) */
};

struct kv_dev_file {
	struct ssd_file *file;
};

struct ssd_device {
	struct kv_device base;
	struct kv_ssd_params p;
	struct kv_ftl *ftl;
	struct kv_nand_timing *nt;
	struct kv_ssd_space *space;
	struct kv_ssd_store *store;
	uint32_t unit, lanes, blocks_per_lane;
	uint64_t logical;
	struct kv_name_table names; /* namespace; counts files and open handles */
	/* write buffer */
	uint64_t *dirty;
	uint32_t *ring;
	uint64_t ring_cap, ring_head, ring_len, ndirty, dirty_limit;
	uint64_t *inflight;
	uint64_t inflight_cap, inflight_head, inflight_len;
	uint64_t host_prog_done;
	/* clock */
	uint64_t now, gc_ready, gc_done;
	/* counters */
	uint64_t host_bytes_written, host_bytes_read, nand_pages_read;
	uint64_t rmw_units, rmw_reads, buffer_hits;
	struct kv_hist lat[LAT__COUNT];
};

static struct ssd_device *sdev(struct kv_device *dev)
{
	return (struct ssd_device *)dev;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t units_of(const struct ssd_device *d, uint64_t bytes)
{
	return (bytes + d->unit - 1) / d->unit;
}

static bool sfile_check(const struct ssd_device *d, const struct ssd_file *f)
{
	uint64_t fu = 0;

	for (size_t i = 0; i < f->ext_count; i++) {
		if (f->ext[i].file_unit != fu || f->ext[i].units == 0)
			return false;
		fu += f->ext[i].units;
	}
	return fu == f->alloc && f->alloc >= units_of(d, f->size) && f->n.name;
}

static uint32_t lane_of(const struct ssd_device *d, uint32_t block)
{
	return block / d->blocks_per_lane;
}

/* ------------------------------------------------------------ FTL hooks */

static void hook_read(void *ud, uint32_t block, uint32_t page)
{
	struct ssd_device *d = ud;
	uint64_t done = kv_nand_read(d->nt, lane_of(d, block), d->now, d->p.page_size);

	(void)page;
	d->gc_ready = max_u64(d->gc_ready, done);
	d->nand_pages_read++;
}

static void hook_program(void *ud, uint32_t block, uint32_t page, bool gc)
{
	struct ssd_device *d = ud;
	uint64_t done;

	(void)page;
	if (gc) {
		done = kv_nand_program(d->nt, lane_of(d, block), max_u64(d->now, d->gc_ready));
		d->gc_done = max_u64(d->gc_done, done);
		return;
	}
	if (d->inflight_len == d->inflight_cap) {
		/* The buffer is full of pages being programmed: wait for the oldest. */
		d->now = max_u64(d->now, d->inflight[d->inflight_head]);
		d->inflight_head = (d->inflight_head + 1) % d->inflight_cap;
		d->inflight_len--;
	}
	done = kv_nand_program(d->nt, lane_of(d, block), d->now);
	d->inflight[(d->inflight_head + d->inflight_len) % d->inflight_cap] = done;
	d->inflight_len++;
	d->host_prog_done = max_u64(d->host_prog_done, done);
}

static void hook_erase(void *ud, uint32_t block)
{
	struct ssd_device *d = ud;
	uint64_t done = kv_nand_erase(d->nt, lane_of(d, block), max_u64(d->now, d->gc_ready));

	d->gc_done = max_u64(d->gc_done, done);
}

static void hook_gc(void *ud, bool foreground, bool begin)
{
	struct ssd_device *d = ud;

	if (begin) {
		d->gc_ready = d->now;
		d->gc_done = d->now;
	} else if (foreground) {
		d->now = max_u64(d->now, d->gc_done); /* the host waits for the free block */
	}
}

/* ------------------------------------------------------------ write buffer */

static bool is_dirty(const struct ssd_device *d, uint64_t lba)
{
	return (d->dirty[lba >> 6] >> (lba & 63)) & 1u;
}

static void forget_dirty(struct ssd_device *d, uint64_t lba)
{
	if (!is_dirty(d, lba))
		return;
	d->dirty[lba >> 6] &= ~(1ull << (lba & 63));
	d->ndirty--;
}

static int ftl_error(struct ssd_device *d, int rc)
{
	return kv_err_set(&d->base.err, rc,
			  "ssd device: no space left on device: the FTL found no block to "
			  "reclaim");
}

/* Program up to one page's worth of the oldest dirty units. */
static int flush_page(struct ssd_device *d)
{
	uint32_t upp = kv_ssd_units_per_page(&d->p);
	uint32_t written = 0;

	while (d->ring_len > 0 && written < upp) {
		uint32_t lba = d->ring[d->ring_head];
		d->ring_head = (d->ring_head + 1) % d->ring_cap;
		d->ring_len--;
		if (!is_dirty(d, lba))
			continue;
		forget_dirty(d, lba);
		int rc = kv_ftl_write(d->ftl, lba);
		if (rc != KV_OK)
			return ftl_error(d, rc);
		written++;
	}
	return KV_OK;
}

static int mark_dirty(struct ssd_device *d, uint64_t lba)
{
	int rc = KV_OK;

	if (is_dirty(d, lba))
		return KV_OK;
	if (d->ring_len == d->ring_cap)
		rc = flush_page(d);
	if (rc != KV_OK)
		return rc;
	assert(d->ring_len < d->ring_cap);
	d->dirty[lba >> 6] |= 1ull << (lba & 63);
	d->ndirty++;
	d->ring[(d->ring_head + d->ring_len) % d->ring_cap] = (uint32_t)lba;
	d->ring_len++;
	while (rc == KV_OK && d->ndirty > d->dirty_limit)
		rc = flush_page(d);
	return rc;
}

static int flush_all(struct ssd_device *d)
{
	int rc = KV_OK;

	while (rc == KV_OK && d->ring_len > 0)
		rc = flush_page(d);
	if (rc == KV_OK)
		kv_ftl_pad(d->ftl);
	return rc;
}

/* ------------------------------------------------------------ extents */

/* The LBA of file unit @fu (< alloc). */
static uint64_t lba_of(const struct ssd_file *f, uint64_t fu)
{
	size_t lo = 0, hi = f->ext_count;

	assert(fu < f->alloc);
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->ext[mid].file_unit <= fu)
			lo = mid;
		else
			hi = mid;
	}
	return f->ext[lo].lba + (fu - f->ext[lo].file_unit);
}

static int ensure_alloc(struct ssd_device *d, struct ssd_file *f, uint64_t need, uint64_t off)
{
	while (f->alloc < need) {
		uint64_t pre = f->alloc < PREALLOC_MIN_UNITS ? PREALLOC_MIN_UNITS : f->alloc;
		uint64_t want = max_u64(need - f->alloc, min_u64(pre, PREALLOC_MAX_UNITS));
		struct kv_ssd_extent *last = f->ext_count ? &f->ext[f->ext_count - 1] : NULL;
		uint64_t hint = last ? last->lba + last->units : UINT64_MAX;
		uint64_t start, n;

		if (kv_ssd_space_alloc(d->space, hint, want, &start, &n) != KV_OK)
			return kv_err_set(&d->base.err, KV_ENOSPC,
					  "ssd device: write '%s' at offset %llu: no space left "
					  "on device (%llu logical bytes, all allocated)",
					  f->n.name, (unsigned long long)off,
					  (unsigned long long)(d->logical * d->unit));
		if (last && start == hint) {
			last->units += n;
		} else {
			if (f->ext_count == f->ext_cap) {
				size_t cap = f->ext_cap ? f->ext_cap * 2 : 4;
				struct kv_ssd_extent *e = kv_realloc(
					KV_MEM_DEVICE, f->ext, f->ext_cap * sizeof(*e),
					cap * sizeof(*e));
				if (!e) {
					kv_ssd_space_release(d->space, start, n);
					return kv_err_set(&d->base.err, KV_ENOMEM,
							  "ssd device: out of memory growing '%s'",
							  f->n.name);
				}
				f->ext = e;
				f->ext_cap = cap;
			}
			f->ext[f->ext_count++] =
				(struct kv_ssd_extent){ .file_unit = f->alloc, .lba = start, .units = n };
		}
		f->alloc += n;
	}
	return KV_OK;
}

/* Release the file's units [keep, alloc): TRIM them (if discard) and free their LBAs. */
static void release_from(struct ssd_device *d, struct ssd_file *f, uint64_t keep)
{
	while (f->alloc > keep) {
		struct kv_ssd_extent *e = &f->ext[f->ext_count - 1];
		uint64_t from = keep > e->file_unit ? keep - e->file_unit : 0;
		uint64_t n = e->units - from;

		for (uint64_t i = from; i < e->units; i++) {
			uint64_t lba = e->lba + i;
			if (d->p.discard) {
				kv_ftl_trim(d->ftl, (uint32_t)lba);
				forget_dirty(d, lba);
			}
			kv_ssd_store_release(d->store, lba);
		}
		kv_ssd_space_release(d->space, e->lba + from, n);
		e->units -= n;
		f->alloc -= n;
		if (e->units == 0)
			f->ext_count--;
	}
	if (f->ext_count == 0 && f->ext) {
		kv_free(KV_MEM_DEVICE, f->ext, f->ext_cap * sizeof(*f->ext));
		f->ext = NULL;
		f->ext_cap = 0;
	}
}

/*
 * Write @len bytes at @off (zeros if @buf is NULL) through the buffer;
 * the file grows to off + len if shorter. The caller zero-filled any gap.
 */
static int put_bytes(struct ssd_device *d, struct ssd_file *f, uint64_t off, const void *buf,
		     size_t len)
{
	uint64_t end = off + len, pos = off;
	int rc;

	assert(off <= f->size);
	rc = ensure_alloc(d, f, units_of(d, end), off);
	while (rc == KV_OK && pos < end) {
		uint64_t fu = pos / d->unit, lba = lba_of(f, fu);
		uint32_t o = (uint32_t)(pos % d->unit);
		uint64_t n = min_u64(d->unit - o, end - pos);
		uint32_t block, page;

		if (!buf)
			n = min_u64(n, ZERO_PIECE);
		if (buf && (o != 0 || n != d->unit) && fu * d->unit < f->size) {
			d->rmw_units++;
			if (!is_dirty(d, lba) && kv_ftl_lookup(d->ftl, (uint32_t)lba, &block, &page)) {
				d->rmw_reads++;
				d->nand_pages_read++;
				d->now = kv_nand_read(d->nt, lane_of(d, block), d->now, d->unit);
			}
		}
		rc = kv_ssd_store_write(d->store, lba, o,
					buf ? (const char *)buf + (pos - off) : zeros, (size_t)n,
					&d->base.err);
		if (rc == KV_OK)
			rc = mark_dirty(d, lba);
		pos += n;
		if (pos > f->size)
			f->size = pos;
	}
	assert(sfile_check(d, f));
	return rc;
}

/* Write at @off, zero-filling a gap after the end first. */
static int write_at(struct ssd_device *d, struct ssd_file *f, uint64_t off, const void *buf,
		    size_t len)
{
	int rc = KV_OK;

	if (len == 0)
		return KV_OK;
	if (off > f->size)
		rc = put_bytes(d, f, f->size, NULL, (size_t)(off - f->size));
	if (rc == KV_OK)
		rc = put_bytes(d, f, off, buf, len);
	return rc;
}

/* ------------------------------------------------------------ files */

static struct ssd_file *sfile(struct kv_name_entry *e)
{
	return (struct ssd_file *)(void *)e;
}

static struct ssd_file *file_find(const struct ssd_device *d, const char *name)
{
	struct kv_name_entry *e = kv_names_find(&d->names, name);

	return e ? sfile(e) : NULL;
}

/* kv_name_free_fn: release a file's units and free it (name already freed). */
static void file_destroy(void *ud, struct kv_name_entry *e)
{
	struct ssd_device *d = ud;
	struct ssd_file *f = sfile(e);

	release_from(d, f, 0);
	kv_free(KV_MEM_DEVICE, f, sizeof(*f));
}

/* ------------------------------------------------------------ lifecycle */

static void ssd_close(struct kv_device *dev);

static int ssd_open(struct kv_device *dev, const struct kv_config *cfg, const char *path)
{
	struct ssd_device *d = sdev(dev);
	struct kv_ftl_hooks hooks = { .ud = d, .read = hook_read, .program = hook_program,
				      .erase = hook_erase, .gc = hook_gc };
	uint64_t pages;
	int rc;

	(void)path;
	rc = kv_ssd_params_load(cfg, &d->p, &dev->err);
	if (rc != KV_OK)
		return rc;
	d->unit = (uint32_t)d->p.unit_size;
	d->lanes = kv_ssd_lanes(&d->p);
	d->blocks_per_lane = (uint32_t)d->p.blocks_per_plane;
	d->logical = kv_ssd_logical_units(&d->p);
	d->dirty_limit = d->p.write_buffer / d->unit / 2;
	d->ring_cap = 2 * (d->dirty_limit + kv_ssd_units_per_page(&d->p)) + 16;
	pages = d->p.write_buffer / 2 / d->p.page_size;
	d->inflight_cap = max_u64(pages, 2 * (uint64_t)d->lanes);
	for (int i = 0; i < LAT__COUNT; i++)
		kv_hist_init(&d->lat[i]);
	rc = kv_ftl_new(&d->p, &hooks, &d->ftl, &dev->err);
	if (rc == KV_OK)
		rc = kv_nand_timing_new(&d->p, &d->nt, &dev->err);
	if (rc == KV_OK)
		rc = kv_ssd_space_new(d->logical, &d->space, &dev->err);
	if (rc == KV_OK)
		rc = kv_ssd_store_new(d->logical, d->unit, d->p.backing_file, &d->store,
				      &dev->err);
	if (rc == KV_OK)
		rc = kv_names_init(&d->names, "ssd device", HASH_SEED, file_destroy, d, &dev->err);
	if (rc == KV_OK) {
		d->dirty = kv_calloc(KV_MEM_DEVICE, ((d->logical + 63) / 64) * sizeof(uint64_t));
		d->ring = kv_calloc(KV_MEM_DEVICE, d->ring_cap * sizeof(uint32_t));
		d->inflight = kv_calloc(KV_MEM_DEVICE, d->inflight_cap * sizeof(uint64_t));
		if (!d->dirty || !d->ring || !d->inflight)
			rc = kv_err_set(&dev->err, KV_ENOMEM, "ssd device: out of memory");
	}
	if (rc != KV_OK)
		ssd_close(dev);
	return rc;
}

static void ssd_close(struct kv_device *dev)
{
	struct ssd_device *d = sdev(dev);

	kv_names_destroy(&d->names);
	if (d->dirty)
		kv_free(KV_MEM_DEVICE, d->dirty, ((d->logical + 63) / 64) * sizeof(uint64_t));
	if (d->ring)
		kv_free(KV_MEM_DEVICE, d->ring, d->ring_cap * sizeof(uint32_t));
	if (d->inflight)
		kv_free(KV_MEM_DEVICE, d->inflight, d->inflight_cap * sizeof(uint64_t));
	kv_ssd_store_free(d->store);
	kv_ssd_space_free(d->space);
	kv_nand_timing_free(d->nt);
	kv_ftl_free(d->ftl);
}

/* ------------------------------------------------------------ namespace ops */

/* Charge a metadata command (latency class trim). */
static void meta_cost(struct ssd_device *d)
{
	d->now += d->p.cmd_overhead_ns;
	kv_hist_add(&d->lat[LAT_TRIM], d->p.cmd_overhead_ns);
}

static int new_handle(struct ssd_device *d, struct ssd_file *f, struct kv_dev_file **out)
{
	struct kv_dev_file *h = kv_malloc(KV_MEM_DEVICE, sizeof(*h));

	if (!h)
		return kv_err_set(&d->base.err, KV_ENOMEM, "ssd device: out of memory opening '%s'",
				  f->n.name);
	h->file = f;
	kv_names_hold(&d->names, &f->n);
	*out = h;
	return KV_OK;
}

static int ssd_create(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	struct ssd_device *d = sdev(dev);
	struct ssd_file *f = file_find(d, name);
	bool fresh = f == NULL;
	int rc;

	if (fresh) {
		f = kv_calloc(KV_MEM_DEVICE, sizeof(*f));
		if (!f || kv_names_set_name(&d->names, &f->n, name) != KV_OK) {
			if (f)
				kv_free(KV_MEM_DEVICE, f, sizeof(*f));
			return kv_err_set(&dev->err, KV_ENOMEM,
					  "ssd device: out of memory creating '%s'", name);
		}
	}
	rc = new_handle(d, f, out);
	if (rc != KV_OK) {
		if (fresh)
			kv_names_discard(&d->names, &f->n);
		return rc;
	}
	if (fresh) {
		kv_names_link(&d->names, &f->n);
	} else {
		release_from(d, f, 0);
		f->size = 0;
	}
	meta_cost(d);
	return KV_OK;
}

static int ssd_open_file(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	struct ssd_device *d = sdev(dev);
	struct kv_name_entry *e = kv_names_lookup(&d->names, name, "open", &dev->err);

	if (!e)
		return KV_NOTFOUND;
	return new_handle(d, sfile(e), out);
}

static void ssd_close_file(struct kv_device *dev, struct kv_dev_file *h)
{
	struct ssd_device *d = sdev(dev);
	struct ssd_file *f = h->file;

	if (kv_names_release(&d->names, &f->n)) {
		if (!f->n.linked)
			kv_names_discard(&d->names, &f->n);
		else
			release_from(d, f, units_of(d, f->size)); /* drop the preallocation */
	}
	kv_free(KV_MEM_DEVICE, h, sizeof(*h));
}

static int ssd_remove(struct kv_device *dev, const char *name)
{
	struct ssd_device *d = sdev(dev);
	struct kv_name_entry *e = kv_names_lookup(&d->names, name, "remove", &dev->err);

	if (!e)
		return KV_NOTFOUND;
	kv_names_unlink(&d->names, e);
	meta_cost(d);
	return KV_OK;
}

static int ssd_rename(struct kv_device *dev, const char *from, const char *to)
{
	struct ssd_device *d = sdev(dev);
	int rc = kv_names_rename(&d->names, from, to, &dev->err);

	if (rc == KV_OK && strcmp(from, to) != 0)
		meta_cost(d);
	return rc;
}

static int ssd_list(struct kv_device *dev, void (*cb)(void *ud, const char *name), void *ud)
{
	kv_names_list(&sdev(dev)->names, cb, ud);
	return KV_OK;
}

static int ssd_stat(struct kv_device *dev, const char *name, uint64_t *size)
{
	struct kv_name_entry *e = kv_names_lookup(&sdev(dev)->names, name, "stat", &dev->err);

	if (!e)
		return KV_NOTFOUND;
	*size = sfile(e)->size;
	return KV_OK;
}

/* ------------------------------------------------------------ I/O ops */

static int ssd_read(struct kv_device *dev, struct kv_dev_file *h, uint64_t off, void *buf,
		    size_t len)
{
	struct ssd_device *d = sdev(dev);
	struct ssd_file *f = h->file;
	uint64_t start = d->now, t0 = d->now + d->p.cmd_overhead_ns, done = t0;
	uint64_t pos = off, end = off + len;
	uint32_t gblock = UINT32_MAX, gpage = 0;
	uint64_t gbytes = 0;
	int rc = KV_OK;

	if (off > f->size || len > f->size - off)
		return kv_err_set(&dev->err, KV_EIO,
				  "ssd device: read '%s' at offset %llu of %zu bytes: past the "
				  "end of the file (size %llu)",
				  f->n.name, (unsigned long long)off, len,
				  (unsigned long long)f->size);
	while (rc == KV_OK && pos < end) {
		uint64_t fu = pos / d->unit, lba = lba_of(f, fu);
		uint32_t o = (uint32_t)(pos % d->unit);
		uint64_t n = min_u64(d->unit - o, end - pos);
		uint32_t block, page;

		if (is_dirty(d, lba)) {
			d->buffer_hits++;
		} else if (kv_ftl_lookup(d->ftl, (uint32_t)lba, &block, &page)) {
			if (block != gblock || page != gpage) {
				if (gblock != UINT32_MAX) {
					done = max_u64(done, kv_nand_read(d->nt, lane_of(d, gblock),
									  t0, gbytes));
					d->nand_pages_read++;
				}
				gblock = block;
				gpage = page;
				gbytes = 0;
			}
			gbytes += n;
		}
		rc = kv_ssd_store_read(d->store, lba, o, (char *)buf + (pos - off), (size_t)n,
				       &dev->err);
		pos += n;
	}
	if (rc != KV_OK)
		return rc;
	if (gblock != UINT32_MAX) {
		done = max_u64(done, kv_nand_read(d->nt, lane_of(d, gblock), t0, gbytes));
		d->nand_pages_read++;
	}
	d->now = done + kv_xfer_ns(len, d->p.host_bandwidth);
	d->host_bytes_read += len;
	kv_hist_add(&d->lat[LAT_READ], d->now - start);
	return KV_OK;
}

/* A host write command: interface cost, data, one background GC step. */
static int host_write(struct ssd_device *d, struct ssd_file *f, uint64_t off, const void *buf,
		      size_t len)
{
	uint64_t start = d->now;
	int rc;

	d->now += d->p.cmd_overhead_ns + kv_xfer_ns(len, d->p.host_bandwidth);
	rc = write_at(d, f, off, buf, len);
	if (rc != KV_OK)
		return rc;
	kv_ftl_background_gc(d->ftl);
	d->host_bytes_written += len;
	kv_hist_add(&d->lat[LAT_WRITE], d->now - start);
	return KV_OK;
}

static int ssd_write(struct kv_device *dev, struct kv_dev_file *h, uint64_t off, const void *buf,
		     size_t len)
{
	return host_write(sdev(dev), h->file, off, buf, len);
}

static int ssd_append(struct kv_device *dev, struct kv_dev_file *h, const void *buf, size_t len)
{
	return host_write(sdev(dev), h->file, h->file->size, buf, len);
}

static int ssd_sync(struct kv_device *dev, struct kv_dev_file *h)
{
	struct ssd_device *d = sdev(dev);
	uint64_t start = d->now;
	int rc;

	(void)h;
	d->now += d->p.cmd_overhead_ns;
	rc = flush_all(d);
	if (rc != KV_OK)
		return rc;
	d->now = max_u64(d->now, d->host_prog_done);
	kv_hist_add(&d->lat[LAT_SYNC], d->now - start);
	return KV_OK;
}

static int ssd_size(struct kv_device *dev, struct kv_dev_file *h, uint64_t *out)
{
	(void)dev;
	*out = h->file->size;
	return KV_OK;
}

static int ssd_truncate(struct kv_device *dev, struct kv_dev_file *h, uint64_t len)
{
	struct ssd_device *d = sdev(dev);
	struct ssd_file *f = h->file;
	int rc = KV_OK;

	if (len < f->size) {
		release_from(d, f, units_of(d, len));
		f->size = len;
	} else if (len > f->size) {
		rc = put_bytes(d, f, f->size, NULL, (size_t)(len - f->size));
	}
	if (rc == KV_OK)
		meta_cost(d);
	return rc;
}

static int ssd_trim(struct kv_device *dev, struct kv_dev_file *h, uint64_t off, uint64_t len)
{
	struct ssd_device *d = sdev(dev);
	struct ssd_file *f = h->file;
	uint64_t end = min_u64(off + len, f->size);

	if (d->p.discard) {
		/* Only whole units inside the range. */
		for (uint64_t fu = units_of(d, off); (fu + 1) * d->unit <= end; fu++) {
			uint64_t lba = lba_of(f, fu);
			kv_ftl_trim(d->ftl, (uint32_t)lba);
			forget_dirty(d, lba);
		}
	}
	meta_cost(d);
	return KV_OK;
}

static uint64_t ssd_now_ns(struct kv_device *dev)
{
	return sdev(dev)->now;
}

/* ------------------------------------------------------------ reporting */

void kv_ssd_device_counters(const struct kv_device *dev, struct kv_ssd_counters *out)
{
	const struct ssd_device *d = (const struct ssd_device *)dev;

	assert(dev->ops == &kv_ssd_device_ops);
	memset(out, 0, sizeof(*out));
	kv_ftl_get_counters(d->ftl, &out->ftl);
	out->host_bytes_written = d->host_bytes_written;
	out->host_bytes_read = d->host_bytes_read;
	out->nand_pages_read = d->nand_pages_read;
	out->rmw_units = d->rmw_units;
	out->rmw_reads = d->rmw_reads;
	out->buffer_hits = d->buffer_hits;
}

static void ssd_report(struct kv_device *dev,
		       void (*cb)(void *ud, const char *name, double value), void *ud)
{
	struct ssd_device *d = sdev(dev);
	struct kv_ssd_counters c;
	double nand_bytes;
	char name[64];

	kv_ssd_device_counters(dev, &c);
	nand_bytes = (double)c.ftl.pages_programmed * (double)d->p.page_size;
	cb(ud, "host_bytes_written", (double)c.host_bytes_written);
	cb(ud, "host_bytes_read", (double)c.host_bytes_read);
	cb(ud, "nand_bytes_written", nand_bytes);
	cb(ud, "nand_pages_programmed", (double)c.ftl.pages_programmed);
	cb(ud, "nand_pages_read", (double)c.nand_pages_read);
	cb(ud, "device_wa",
	   c.host_bytes_written ? nand_bytes / (double)c.host_bytes_written : 0.0);
	cb(ud, "host_units_written", (double)c.ftl.host_units);
	cb(ud, "gc_copies", (double)c.ftl.gc_units);
	cb(ud, "gc_fg", (double)c.ftl.gc_fg);
	cb(ud, "gc_bg", (double)c.ftl.gc_bg);
	cb(ud, "erases", (double)c.ftl.erases);
	cb(ud, "erase_count_min", (double)c.ftl.erase_count_min);
	cb(ud, "erase_count_max", (double)c.ftl.erase_count_max);
	cb(ud, "free_blocks", (double)c.ftl.free_blocks);
	cb(ud, "free_blocks_min", (double)c.ftl.free_blocks_min);
	cb(ud, "trimmed_units", (double)c.ftl.trimmed_units);
	cb(ud, "padded_units", (double)c.ftl.padded_units);
	cb(ud, "rmw_units", (double)c.rmw_units);
	cb(ud, "rmw_reads", (double)c.rmw_reads);
	cb(ud, "buffer_hits", (double)c.buffer_hits);
	cb(ud, "logical_bytes", (double)d->logical * d->unit);
	cb(ud, "physical_bytes", (double)kv_ssd_physical_units(&d->p) * d->unit);
	cb(ud, "op", d->p.op);
	cb(ud, "spare_factor", kv_ssd_spare_factor(&d->p));
	cb(ud, "ram_bytes", (double)kv_ssd_store_ram_bytes(d->store));
	for (int i = 0; i < LAT__COUNT; i++) {
		snprintf(name, sizeof(name), "%s_ops", lat_names[i]);
		cb(ud, name, (double)d->lat[i].count);
		snprintf(name, sizeof(name), "%s_lat_mean_ns", lat_names[i]);
		cb(ud, name, kv_hist_mean(&d->lat[i]));
		snprintf(name, sizeof(name), "%s_lat_p50_ns", lat_names[i]);
		cb(ud, name, (double)kv_hist_percentile(&d->lat[i], 50));
		snprintf(name, sizeof(name), "%s_lat_p99_ns", lat_names[i]);
		cb(ud, name, (double)kv_hist_percentile(&d->lat[i], 99));
		snprintf(name, sizeof(name), "%s_lat_max_ns", lat_names[i]);
		cb(ud, name, (double)d->lat[i].max);
	}
}

const struct kv_ssd_params *kv_ssd_device_params(const struct kv_device *dev)
{
	assert(dev->ops == &kv_ssd_device_ops);
	return &((const struct ssd_device *)dev)->p;
}

const struct kv_ftl *kv_ssd_device_ftl(const struct kv_device *dev)
{
	assert(dev->ops == &kv_ssd_device_ops);
	return ((const struct ssd_device *)dev)->ftl;
}

size_t kv_ssd_device_extents(struct kv_device *dev, const char *name, struct kv_ssd_extent *out,
			     size_t max)
{
	struct ssd_file *f;

	assert(dev->ops == &kv_ssd_device_ops);
	f = file_find(sdev(dev), name);
	if (!f)
		return 0;
	for (size_t i = 0; i < f->ext_count && i < max; i++)
		out[i] = f->ext[i];
	return f->ext_count;
}

const struct kv_device_ops kv_ssd_device_ops = {
	.name = "ssd",
	.version = 1,
	.instance_size = sizeof(struct ssd_device),
	.doc = "modeled flash SSD: page-mapped FTL with GC and TRIM, NAND timing in virtual time",
	.options = kv_ssd_options,
	.open = ssd_open,
	.close = ssd_close,
	.create = ssd_create,
	.open_file = ssd_open_file,
	.close_file = ssd_close_file,
	.remove = ssd_remove,
	.rename = ssd_rename,
	.list = ssd_list,
	.stat = ssd_stat,
	.read = ssd_read,
	.append = ssd_append,
	.write = ssd_write,
	.sync = ssd_sync,
	.size = ssd_size,
	.truncate = ssd_truncate,
	.trim = ssd_trim,
	.now_ns = ssd_now_ns,
	.report = ssd_report,
};
