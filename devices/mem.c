/*
 * devices/mem.c - the RAM device (see devices/mem.h).
 *
 * A file is a growable buffer `data` (the current content) plus what is
 * needed to rebuild its synced image S (the content as of its last sync):
 * S is data[0, synced_len) except on the dirty range [lo, hi), whose
 * original bytes are saved in `undo` before they are first overwritten.
 * A sync therefore costs O(1) (forget the undo bytes, synced_len = len),
 * an append past synced_len costs nothing extra, and only overwrites and
 * shrinks of synced bytes copy them, once per sync interval.
 *
 * Invariants of a file (mfile_check()):
 *  1. len <= cap and synced_len <= cap: the buffer never shrinks below the
 *     synced image, so a crash needs no allocation.
 *  2. lo <= hi <= synced_len; lo == hi means clean (no undo bytes);
 *     undo holds hi - lo bytes, undo_cap >= hi - lo.
 *  3. Every byte of [0, min(len, synced_len)) outside [lo, hi) equals S.
 *  4. If len < synced_len then lo <= len and hi == synced_len: the synced
 *     bytes past the end are all saved.
 *  5. handles counts the open handles of the file; a file is linked into
 *     the name table until removed or renamed over, then lives on as an
 *     orphan while handles remain.
 * Invariants of the device:
 *  6. bytes_stored == sum of len over all files, linked or orphaned.
 *  7. open_handles == sum of handles over all files.
 *  8. A handle whose gen differs from the device's gen was opened before a
 *     crash: every call but close_file fails on it with KV_EIO.
 */
#include "devices/mem.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "devices/name_table.h"

#define MIN_FILE_CAP 64
#define UNDO_KEEP_BYTES (64u << 10) /* an undo buffer above this is freed at sync */
#define HASH_SEED 0x6d656d646576ULL

struct mem_options {
	uint64_t op_latency_ns;
	uint64_t read_bandwidth;
	uint64_t write_bandwidth;
	uint64_t sync_latency_ns;
	uint64_t capacity;
};

struct mem_file {
	struct kv_name_entry n; /* first: name, chain link, handle count */
	char *data;
	size_t cap, len;
	size_t synced_len;
	char *undo;
	size_t undo_cap;
	size_t lo, hi;
};

struct kv_dev_file {
	struct mem_file *file;
	uint64_t gen;
};

struct mem_device {
	struct kv_device base;
	struct mem_options opt;
	struct kv_name_table names; /* the namespace; counts files and open handles */
	uint64_t bytes_stored;
	uint64_t clock_ns;
	uint64_t gen;
};

static const struct kv_option mem_options_table[] = {
	{
		.name = "op_latency",
		.type = KV_OPT_DURATION,
		.def = "1us",
		.min = 0,
		.max = 1e12,
		.unit = "ns",
		.doc = "virtual time charged per I/O call",
		.offset = offsetof(struct mem_options, op_latency_ns),
	},
	{
		.name = "read_bandwidth",
		.type = KV_OPT_BYTES,
		.def = "4GB",
		.min = 1,
		.max = 1e15,
		.unit = "bytes/s",
		.doc = "virtual transfer rate of reads",
		.offset = offsetof(struct mem_options, read_bandwidth),
	},
	{
		.name = "write_bandwidth",
		.type = KV_OPT_BYTES,
		.def = "2GB",
		.min = 1,
		.max = 1e15,
		.unit = "bytes/s",
		.doc = "virtual transfer rate of appends and writes",
		.offset = offsetof(struct mem_options, write_bandwidth),
	},
	{
		.name = "sync_latency",
		.type = KV_OPT_DURATION,
		.def = "10us",
		.min = 0,
		.max = 1e12,
		.unit = "ns",
		.doc = "virtual time charged per sync",
		.offset = offsetof(struct mem_options, sync_latency_ns),
	},
	{
		.name = "capacity",
		.type = KV_OPT_BYTES,
		.def = "0",
		.min = 0,
		.max = 1e18,
		.unit = "bytes",
		.doc = "sum of file sizes beyond which writes fail with ENOSPC (0: unlimited)",
		.offset = offsetof(struct mem_options, capacity),
	},
	{ .name = NULL },
};

static struct mem_device *mdev(struct kv_device *dev)
{
	return (struct mem_device *)dev;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t max_size(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Invariants 1, 2 and 4 (3 would need a copy of S). */
static bool mfile_check(const struct mem_file *f)
{
	if (f->len > f->cap || f->synced_len > f->cap)
		return false;
	if (f->lo > f->hi || f->hi > f->synced_len || f->undo_cap < f->hi - f->lo)
		return false;
	if ((f->data == NULL) != (f->cap == 0) || (f->undo == NULL) != (f->undo_cap == 0))
		return false;
	if (f->len < f->synced_len && (f->lo > f->len || f->hi != f->synced_len))
		return false;
	return f->n.name != NULL;
}

/* ------------------------------------------------------------ clock */

static uint64_t xfer_ns(size_t len, uint64_t bytes_per_s)
{
	return (uint64_t)ceil((double)len * 1e9 / (double)bytes_per_s);
}

static void charge(struct mem_device *d, uint64_t ns)
{
	d->clock_ns += ns;
}

/* ------------------------------------------------------------ files */

static struct mem_file *mfile(struct kv_name_entry *e)
{
	return (struct mem_file *)(void *)e;
}

static struct mem_file *file_find(const struct mem_device *d, const char *name)
{
	struct kv_name_entry *e = kv_names_find(&d->names, name);

	return e ? mfile(e) : NULL;
}

/* kv_name_free_fn: free a file record (its name is already freed). */
static void file_free(void *ud, struct kv_name_entry *e)
{
	struct mem_device *d = ud;
	struct mem_file *f = mfile(e);

	d->bytes_stored -= f->len;
	kv_free(KV_MEM_DEVICE, f->data, f->cap);
	kv_free(KV_MEM_DEVICE, f->undo, f->undo_cap);
	kv_free(KV_MEM_DEVICE, f, sizeof(*f));
}

/* ----------------------------------------------------- content changes */

static int grow_buffer(struct mem_device *d, struct mem_file *f, size_t need)
{
	size_t cap;
	char *p;

	if (need <= f->cap)
		return KV_OK;
	cap = max_size(max_size(need, MIN_FILE_CAP), f->cap > SIZE_MAX / 2 ? need : f->cap * 2);
	p = kv_realloc(KV_MEM_DEVICE, f->data, f->cap, cap);
	if (!p)
		return kv_err_set(&d->base.err, KV_ENOMEM,
				  "mem device: out of memory growing '%s' to %zu bytes", f->n.name,
				  need);
	f->data = p;
	f->cap = cap;
	return KV_OK;
}

/*
 * Save the synced bytes of [a, b) that are not saved yet, so they can be
 * overwritten. Only bytes below synced_len matter; by invariant 4 the ones
 * not yet saved are all below len, hence still equal to S.
 */
static int protect(struct mem_device *d, struct mem_file *f, size_t a, size_t b)
{
	size_t nlo, nhi, need;

	b = min_size(b, f->synced_len);
	if (a >= b)
		return KV_OK;
	if (f->lo == f->hi) {
		nlo = a;
		nhi = b;
	} else {
		nlo = min_size(f->lo, a);
		nhi = max_size(f->hi, b);
		if (nlo == f->lo && nhi == f->hi)
			return KV_OK;
	}
	need = nhi - nlo;
	if (need > f->undo_cap) {
		char *p = kv_realloc(KV_MEM_DEVICE, f->undo, f->undo_cap, need);
		if (!p)
			return kv_err_set(&d->base.err, KV_ENOMEM,
					  "mem device: out of memory saving synced bytes of '%s'",
					  f->n.name);
		f->undo = p;
		f->undo_cap = need;
	}
	if (f->lo == f->hi) {
		memcpy(f->undo, f->data + nlo, need);
	} else {
		assert(nhi <= f->len || f->hi == nhi);
		memmove(f->undo + (f->lo - nlo), f->undo, f->hi - f->lo);
		memcpy(f->undo, f->data + nlo, f->lo - nlo);
		memcpy(f->undo + (f->hi - nlo), f->data + f->hi, nhi - f->hi);
	}
	f->lo = nlo;
	f->hi = nhi;
	return KV_OK;
}

/* KV_ENOSPC (with a message) if growing @f to @new_len would pass capacity. */
static int check_space(struct mem_device *d, struct mem_file *f, const char *what,
		       uint64_t off, uint64_t new_len)
{
	uint64_t growth = new_len > f->len ? new_len - f->len : 0;

	if (new_len > SIZE_MAX / 2)
		return kv_err_set(&d->base.err, KV_ENOSPC,
				  "mem device: %s '%s' at offset %llu: file would be too large",
				  what, f->n.name, (unsigned long long)off);
	if (d->opt.capacity == 0 || d->bytes_stored + growth <= d->opt.capacity)
		return KV_OK;
	return kv_err_set(&d->base.err, KV_ENOSPC,
			  "mem device: %s '%s' at offset %llu: no space left on device "
			  "(%llu of %llu bytes used, %llu more needed)",
			  what, f->n.name, (unsigned long long)off,
			  (unsigned long long)d->bytes_stored, (unsigned long long)d->opt.capacity,
			  (unsigned long long)growth);
}

/* Write len bytes at off (zero-filling a gap); nothing changes on failure or if len is 0. */
static int put_bytes(struct mem_device *d, struct mem_file *f, const char *what, uint64_t off,
		     const void *buf, size_t len)
{
	uint64_t end = off + len;
	int rc;

	assert(mfile_check(f));
	if (len == 0)
		return KV_OK; /* like pwrite: nothing changes, even past the end */
	rc = check_space(d, f, what, off, end > f->len ? end : f->len);
	if (rc != KV_OK)
		return rc;
	rc = grow_buffer(d, f, (size_t)end);
	if (rc != KV_OK)
		return rc;
	rc = protect(d, f, (size_t)off, (size_t)end);
	if (rc != KV_OK)
		return rc;
	if (off > f->len)
		memset(f->data + f->len, 0, (size_t)off - f->len);
	if (len)
		memcpy(f->data + off, buf, len);
	if (end > f->len) {
		d->bytes_stored += end - f->len;
		f->len = (size_t)end;
	}
	assert(mfile_check(f));
	return KV_OK;
}

/* Forget the synced image: the file is empty and durably so. */
static void reset_file(struct mem_device *d, struct mem_file *f)
{
	d->bytes_stored -= f->len;
	f->len = 0;
	f->synced_len = 0;
	f->lo = f->hi = 0;
}

/* Revert a file to its synced image (power loss). */
static void revert_file(struct mem_device *d, struct mem_file *f)
{
	assert(mfile_check(f));
	if (f->lo < f->hi)
		memcpy(f->data + f->lo, f->undo, f->hi - f->lo);
	d->bytes_stored = d->bytes_stored - f->len + f->synced_len;
	f->len = f->synced_len;
	f->lo = f->hi = 0;
	assert(mfile_check(f));
}

/* ------------------------------------------------------------ device ops */

static int mem_open(struct kv_device *dev, const struct kv_config *cfg, const char *path)
{
	struct mem_device *d = mdev(dev);
	int rc;

	(void)path;
	rc = kv_options_load(mem_options_table, cfg, &d->opt, &dev->err);
	if (rc != KV_OK)
		return rc;
	return kv_names_init(&d->names, "mem device", HASH_SEED, file_free, d, &dev->err);
}

static void mem_close(struct kv_device *dev)
{
	struct mem_device *d = mdev(dev);

	kv_names_destroy(&d->names);
	assert(d->bytes_stored == 0);
}

static int new_handle(struct mem_device *d, struct mem_file *f, struct kv_dev_file **out)
{
	struct kv_dev_file *h = kv_malloc(KV_MEM_DEVICE, sizeof(*h));

	if (!h)
		return kv_err_set(&d->base.err, KV_ENOMEM, "mem device: out of memory opening '%s'",
				  f->n.name);
	h->file = f;
	h->gen = d->gen;
	kv_names_hold(&d->names, &f->n);
	*out = h;
	return KV_OK;
}

static int mem_create(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	struct mem_device *d = mdev(dev);
	struct mem_file *f = file_find(d, name);
	bool fresh = f == NULL;
	int rc;

	if (fresh) {
		f = kv_calloc(KV_MEM_DEVICE, sizeof(*f));
		if (!f)
			return kv_err_set(&dev->err, KV_ENOMEM,
					  "mem device: out of memory creating '%s'", name);
		if (kv_names_set_name(&d->names, &f->n, name) != KV_OK) {
			kv_free(KV_MEM_DEVICE, f, sizeof(*f));
			return kv_err_set(&dev->err, KV_ENOMEM,
					  "mem device: out of memory creating '%s'", name);
		}
	}
	rc = new_handle(d, f, out);
	if (rc != KV_OK) {
		if (fresh)
			kv_names_discard(&d->names, &f->n);
		return rc;
	}
	if (fresh)
		kv_names_link(&d->names, &f->n);
	else
		reset_file(d, f);
	charge(d, d->opt.op_latency_ns);
	return KV_OK;
}

static int mem_open_file(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	struct mem_device *d = mdev(dev);
	struct kv_name_entry *e = kv_names_lookup(&d->names, name, "open", &dev->err);
	int rc;

	if (!e)
		return KV_NOTFOUND;
	rc = new_handle(d, mfile(e), out);
	if (rc == KV_OK)
		charge(d, d->opt.op_latency_ns);
	return rc;
}

static void mem_close_file(struct kv_device *dev, struct kv_dev_file *h)
{
	struct mem_device *d = mdev(dev);
	struct mem_file *f = h->file;

	if (kv_names_release(&d->names, &f->n) && !f->n.linked)
		kv_names_discard(&d->names, &f->n);
	kv_free(KV_MEM_DEVICE, h, sizeof(*h));
}

static int mem_remove(struct kv_device *dev, const char *name)
{
	struct mem_device *d = mdev(dev);
	struct kv_name_entry *e = kv_names_lookup(&d->names, name, "remove", &dev->err);

	if (!e)
		return KV_NOTFOUND;
	kv_names_unlink(&d->names, e);
	charge(d, d->opt.op_latency_ns);
	return KV_OK;
}

static int mem_rename(struct kv_device *dev, const char *from, const char *to)
{
	struct mem_device *d = mdev(dev);
	int rc = kv_names_rename(&d->names, from, to, &dev->err);

	if (rc == KV_OK && strcmp(from, to) != 0)
		charge(d, d->opt.op_latency_ns);
	return rc;
}

static int mem_list(struct kv_device *dev, void (*cb)(void *ud, const char *name), void *ud)
{
	kv_names_list(&mdev(dev)->names, cb, ud);
	return KV_OK;
}

static int mem_stat(struct kv_device *dev, const char *name, uint64_t *size)
{
	struct kv_name_entry *e = kv_names_lookup(&mdev(dev)->names, name, "stat", &dev->err);

	if (!e)
		return KV_NOTFOUND;
	*size = mfile(e)->len;
	return KV_OK;
}

/* KV_EIO if @h was opened before a crash. */
static int check_live(struct mem_device *d, const struct kv_dev_file *h, const char *what)
{
	if (h->gen == d->gen)
		return KV_OK;
	return kv_err_set(&d->base.err, KV_EIO,
			  "mem device: %s '%s': handle opened before a simulated crash; close it",
			  what, h->file->n.name);
}

static int mem_read(struct kv_device *dev, struct kv_dev_file *h, uint64_t off, void *buf,
		    size_t len)
{
	struct mem_device *d = mdev(dev);
	struct mem_file *f = h->file;
	int rc = check_live(d, h, "read");

	if (rc != KV_OK)
		return rc;
	if (off > f->len || len > f->len - off)
		return kv_err_set(&dev->err, KV_EIO,
				  "mem device: read '%s' at offset %llu of %zu bytes: "
				  "past the end of the file (size %zu)",
				  f->n.name, (unsigned long long)off, len, f->len);
	if (len)
		memcpy(buf, f->data + off, len);
	charge(d, d->opt.op_latency_ns + xfer_ns(len, d->opt.read_bandwidth));
	return KV_OK;
}

static int mem_write(struct kv_device *dev, struct kv_dev_file *h, uint64_t off,
		     const void *buf, size_t len)
{
	struct mem_device *d = mdev(dev);
	int rc = check_live(d, h, "write");

	if (rc == KV_OK)
		rc = put_bytes(d, h->file, "write", off, buf, len);
	if (rc == KV_OK)
		charge(d, d->opt.op_latency_ns + xfer_ns(len, d->opt.write_bandwidth));
	return rc;
}

static int mem_append(struct kv_device *dev, struct kv_dev_file *h, const void *buf, size_t len)
{
	struct mem_device *d = mdev(dev);
	int rc = check_live(d, h, "append");

	if (rc == KV_OK)
		rc = put_bytes(d, h->file, "append", h->file->len, buf, len);
	if (rc == KV_OK)
		charge(d, d->opt.op_latency_ns + xfer_ns(len, d->opt.write_bandwidth));
	return rc;
}

static int mem_sync(struct kv_device *dev, struct kv_dev_file *h)
{
	struct mem_device *d = mdev(dev);
	struct mem_file *f = h->file;
	int rc = check_live(d, h, "sync");

	if (rc != KV_OK)
		return rc;
	assert(mfile_check(f));
	f->synced_len = f->len;
	f->lo = f->hi = 0;
	if (f->undo_cap > UNDO_KEEP_BYTES) {
		kv_free(KV_MEM_DEVICE, f->undo, f->undo_cap);
		f->undo = NULL;
		f->undo_cap = 0;
	}
	charge(d, d->opt.sync_latency_ns);
	return KV_OK;
}

static int mem_size(struct kv_device *dev, struct kv_dev_file *h, uint64_t *out)
{
	int rc = check_live(mdev(dev), h, "size of");

	if (rc == KV_OK)
		*out = h->file->len;
	return rc;
}

static int mem_truncate(struct kv_device *dev, struct kv_dev_file *h, uint64_t len)
{
	struct mem_device *d = mdev(dev);
	struct mem_file *f = h->file;
	int rc = check_live(d, h, "truncate");

	if (rc != KV_OK)
		return rc;
	assert(mfile_check(f));
	if (len < f->len) {
		rc = protect(d, f, (size_t)len, f->len);
		if (rc != KV_OK)
			return rc;
		d->bytes_stored -= f->len - len;
		f->len = (size_t)len;
	} else if (len > f->len) {
		rc = check_space(d, f, "truncate", len, len);
		if (rc == KV_OK)
			rc = grow_buffer(d, f, (size_t)len);
		if (rc != KV_OK)
			return rc;
		memset(f->data + f->len, 0, (size_t)len - f->len);
		d->bytes_stored += len - f->len;
		f->len = (size_t)len;
	}
	assert(mfile_check(f));
	charge(d, d->opt.op_latency_ns);
	return KV_OK;
}

static uint64_t mem_now_ns(struct kv_device *dev)
{
	return mdev(dev)->clock_ns;
}

static void mem_report(struct kv_device *dev,
		       void (*cb)(void *ud, const char *name, double value), void *ud)
{
	struct mem_device *d = mdev(dev);

	cb(ud, "mem_bytes_stored", (double)d->bytes_stored);
	cb(ud, "mem_files", (double)d->names.count);
}

const struct kv_device_ops kv_mem_device_ops = {
	.name = "mem",
	.version = 1,
	.instance_size = sizeof(struct mem_device),
	.doc = "files in RAM with a virtual clock and simulated power loss (tests, simulation)",
	.options = mem_options_table,
	.open = mem_open,
	.close = mem_close,
	.create = mem_create,
	.open_file = mem_open_file,
	.close_file = mem_close_file,
	.remove = mem_remove,
	.rename = mem_rename,
	.list = mem_list,
	.stat = mem_stat,
	.read = mem_read,
	.append = mem_append,
	.write = mem_write,
	.sync = mem_sync,
	.size = mem_size,
	.truncate = mem_truncate,
	.trim = NULL,
	.now_ns = mem_now_ns,
	.report = mem_report,
};

/* ------------------------------------------------------------ crash */

/* kv_names_each callback: revert one file. */
static void revert_entry(void *ud, struct kv_name_entry *e)
{
	revert_file(ud, mfile(e));
}

int kv_mem_device_crash(struct kv_device *dev)
{
	struct mem_device *d = mdev(dev);

	assert(dev && dev->ops == &kv_mem_device_ops);
	kv_names_each(&d->names, revert_entry, d);
	d->gen++;
	return kv_dev_refresh(dev);
}

size_t kv_mem_device_files_open(const struct kv_device *dev)
{
	assert(dev && dev->ops == &kv_mem_device_ops);
	return ((const struct mem_device *)dev)->names.open_handles;
}
