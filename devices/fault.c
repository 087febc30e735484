/*
 * devices/fault.c - the fault-injection device (see devices/fault.h).
 *
 * Invariants (fault_check):
 *  1. Every open handle is on the `handles` list exactly once; nhandles is
 *     its length.
 *  2. A handle whose gen differs from the device's gen was opened before a
 *     crash: every call but close_file fails on it with KV_EIO.
 *  3. tail_len <= tail_cap; tail_valid implies the inner file's size is
 *     tail_off + tail_len as far as this handle knows.
 *  4. crashed implies every call but close_file fails with KV_EIO.
 */
#include "devices/fault.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "devices/mem.h"
#include "devices/registry.h"

#define SECTOR_BYTES 512

static const char *const errno_choices[] = { "eio", "enospc", NULL };

struct fault_options {
	char inner[KV_OPT_STRING_BYTES];
	int64_t crash_at_sync;
	bool tear;
	int64_t fail_op;
	int fail_errno;
	bool fail_persist;
	int64_t seed;
};

struct kv_dev_file {
	struct kv_dev_file *next, *prev;
	struct kv_file *inner;
	char *name;
	uint64_t gen;
	bool gone; /* removed or renamed over */
	bool tail_valid;
	bool tail_blocked; /* a write or truncate since the last sync: no tearing */
	uint64_t tail_off;
	char *tail;
	size_t tail_len, tail_cap;
};

struct fault_device {
	struct kv_device base;
	struct fault_options opt;
	struct kv_device *inner;
	struct kv_dev_file *handles;
	size_t nhandles;
	uint64_t gen;
	bool crashed;
	/* crash fault */
	uint64_t syncs_left; /* 0: not armed */
	bool tear;
	struct kv_rng rng;
	/* error fault */
	unsigned err_mask;
	uint64_t err_left; /* 0: not armed */
	int err_code;
	bool err_persist, err_firing;
	struct kv_fault_counters c;
};

static const struct kv_option fault_options_table[] = {
	{ "inner", KV_OPT_STRING, "mem", 0, 0, "", "inner device type (its default options)",
	  NULL, offsetof(struct fault_options, inner) },
	{ "crash_at_sync", KV_OPT_INT, "0", 0, 1e15, "syncs",
	  "crash at this sync (1 = the first; 0: never); inner must be mem", NULL,
	  offsetof(struct fault_options, crash_at_sync) },
	{ "tear", KV_OPT_BOOL, "false", 0, 0, "",
	  "at the crash, keep a sector-aligned prefix of unsynced appends", NULL,
	  offsetof(struct fault_options, tear) },
	{ "fail_op", KV_OPT_INT, "0", 0, 1e15, "ops",
	  "fail this read/append/write/sync call (1 = the first; 0: never)", NULL,
	  offsetof(struct fault_options, fail_op) },
	{ "fail_errno", KV_OPT_ENUM, "eio", 0, 0, "", "error of fail_op: eio or enospc",
	  errno_choices, offsetof(struct fault_options, fail_errno) },
	{ "fail_persist", KV_OPT_BOOL, "false", 0, 0, "",
	  "keep failing every call after fail_op", NULL,
	  offsetof(struct fault_options, fail_persist) },
	{ "seed", KV_OPT_INT, "1", 0, 9.2e18, "", "seed of the torn-prefix lengths", NULL,
	  offsetof(struct fault_options, seed) },
	{ .name = NULL },
};

static struct fault_device *fdev(struct kv_device *dev)
{
	return (struct fault_device *)dev;
}

static bool fault_check(const struct fault_device *d)
{
	size_t n = 0;

	for (const struct kv_dev_file *h = d->handles; h; h = h->next) {
		if (h->tail_len > h->tail_cap || (h->next && h->next->prev != h))
			return false;
		n++;
	}
	return n == d->nhandles && d->inner != NULL;
}

/* ------------------------------------------------------------ fault gates */

static const char *kind_name(unsigned kind)
{
	switch (kind) {
	case KV_FAULT_READ:
		return "read";
	case KV_FAULT_APPEND:
		return "append";
	case KV_FAULT_WRITE:
		return "write";
	case KV_FAULT_SYNC:
		return "sync";
	case KV_FAULT_TRUNCATE:
		return "truncate";
	default:
		return "namespace operation";
	}
}

/*
 * Every call passes here first: KV_EIO if crashed or @h is dead, the
 * injected error if this is the armed call, else KV_OK.
 */
static int gate(struct fault_device *d, const struct kv_dev_file *h, unsigned kind,
		const char *name)
{
	assert(fault_check(d));
	if (d->crashed)
		return kv_err_set(&d->base.err, KV_EIO,
				  "fault device: %s '%s': device crashed (simulated power loss)",
				  kind_name(kind), name);
	if (h && h->gen != d->gen)
		return kv_err_set(&d->base.err, KV_EIO,
				  "fault device: %s '%s': handle opened before a simulated crash",
				  kind_name(kind), name);
	if (kind)
		d->c.ops++;
	if (!(d->err_mask & kind) || (d->err_left == 0 && !d->err_firing))
		return KV_OK;
	if (!d->err_firing && --d->err_left > 0)
		return KV_OK;
	d->err_firing = d->err_persist;
	d->c.injected++;
	if (d->err_code == KV_ENOSPC)
		return kv_err_set(&d->base.err, KV_ENOSPC,
				  "fault device: %s '%s': no space left on device (injected "
				  "ENOSPC)",
				  kind_name(kind), name);
	return kv_err_set(&d->base.err, KV_EIO,
			  "fault device: %s '%s': input/output error (injected EIO)",
			  kind_name(kind), name);
}

static int inner_error(struct fault_device *d, int rc)
{
	return kv_err_set(&d->base.err, rc, "%s", kv_dev_errmsg(d->inner));
}

/* ------------------------------------------------------------ tearing */

static void tail_drop(struct kv_dev_file *h)
{
	kv_free(KV_MEM_DEVICE, h->tail, h->tail_cap);
	h->tail = NULL;
	h->tail_cap = h->tail_len = 0;
	h->tail_valid = false;
}

/* Remember @len appended bytes for tearing; on ENOMEM tearing of this file is off. */
static void tail_add(struct fault_device *d, struct kv_dev_file *h, uint64_t off_before,
		     const void *buf, size_t len)
{
	if (!d->tear || h->gone || d->syncs_left == 0)
		return;
	if (h->tail_blocked)
		return;
	if (!h->tail_valid) {
		h->tail_valid = true;
		h->tail_off = off_before;
	}
	if (h->tail_len + len > h->tail_cap) {
		size_t cap = h->tail_cap ? h->tail_cap : 4096;
		char *p;
		while (cap < h->tail_len + len)
			cap *= 2;
		p = kv_realloc(KV_MEM_DEVICE, h->tail, h->tail_cap, cap);
		if (!p) {
			tail_drop(h);
			h->tail_blocked = true;
			return;
		}
		h->tail = p;
		h->tail_cap = cap;
	}
	memcpy(h->tail + h->tail_len, buf, len);
	h->tail_len += len;
}

/* A positional write or truncate: no tearing for this file until its next sync. */
static void tail_invalidate(struct kv_dev_file *h)
{
	tail_drop(h);
	h->tail_blocked = true;
}

static void tail_synced(struct kv_dev_file *h)
{
	tail_drop(h);
	h->tail_blocked = false;
}

struct torn {
	char *name;
	uint64_t off;
	char *bytes;
	size_t len, cap;
};

/* Re-apply one torn prefix after the inner crash (best effort). */
static void reapply(struct fault_device *d, const struct torn *t)
{
	struct kv_file *f;
	uint64_t size;

	if (kv_dev_open_file(d->inner, t->name, KV_FILE_OTHER, &f) != KV_OK)
		return;
	if (kv_dev_size(f, &size) == KV_OK && size == t->off &&
	    kv_dev_append(f, t->bytes, t->len) == KV_OK && kv_dev_sync(f) == KV_OK)
		d->c.torn_bytes += t->len;
	kv_dev_close_file(f);
}

static void crash(struct fault_device *d)
{
	struct torn *torn = NULL;
	size_t ntorn = 0;

	if (d->tear && d->nhandles) {
		torn = kv_calloc(KV_MEM_DEVICE, d->nhandles * sizeof(*torn));
		for (struct kv_dev_file *h = d->handles; torn && h; h = h->next) {
			size_t sectors, keep;
			if (!h->tail_valid || h->gone || h->tail_len == 0 || h->gen != d->gen)
				continue;
			sectors = (h->tail_len + SECTOR_BYTES - 1) / SECTOR_BYTES;
			keep = (size_t)kv_rng_below(&d->rng, sectors + 1) * SECTOR_BYTES;
			if (keep > h->tail_len)
				keep = h->tail_len;
			if (keep == 0)
				continue;
			torn[ntorn] = (struct torn){ .name = h->name, .off = h->tail_off,
						     .bytes = h->tail, .len = keep,
						     .cap = h->tail_cap };
			h->tail = NULL; /* ownership moves to torn */
			h->tail_cap = 0;
			tail_drop(h);
			torn[ntorn].name = kv_strdup(KV_MEM_DEVICE, h->name);
			if (!torn[ntorn].name) {
				kv_free(KV_MEM_DEVICE, torn[ntorn].bytes, torn[ntorn].cap);
				continue;
			}
			ntorn++;
		}
	}
	(void)kv_mem_device_crash(d->inner);
	for (size_t i = 0; i < ntorn; i++) {
		reapply(d, &torn[i]);
		kv_strfree(KV_MEM_DEVICE, torn[i].name);
		kv_free(KV_MEM_DEVICE, torn[i].bytes, torn[i].cap);
	}
	if (torn)
		kv_free(KV_MEM_DEVICE, torn, d->nhandles * sizeof(*torn));
	for (struct kv_dev_file *h = d->handles; h; h = h->next)
		tail_drop(h);
	d->gen++;
	d->crashed = true;
	d->syncs_left = 0;
	d->c.crashes++;
}

/* ------------------------------------------------------------ lifecycle */

static int fault_open(struct kv_device *dev, const struct kv_config *cfg, const char *path)
{
	struct fault_device *d = fdev(dev);
	const struct kv_device_ops *inner_ops;
	struct kv_err err = { 0 };
	int rc = kv_options_load(fault_options_table, cfg, &d->opt, &dev->err);

	if (rc != KV_OK)
		return rc;
	inner_ops = kv_device_find(d->opt.inner);
	if (!inner_ops || inner_ops == &kv_fault_device_ops)
		return kv_err_set(&dev->err, KV_EINVAL,
				  "fault device: option inner: '%s' is not a device type "
				  "(a registered device other than fault)",
				  d->opt.inner);
	if (d->opt.crash_at_sync > 0 && inner_ops != &kv_mem_device_ops)
		return kv_err_set(&dev->err, KV_EINVAL,
				  "fault device: option crash_at_sync needs inner=mem, not '%s'",
				  d->opt.inner);
	rc = kv_dev_open(inner_ops, NULL, path, &d->inner, &err);
	if (rc != KV_OK)
		return kv_err_set(&dev->err, rc, "fault device: inner %s: %s", d->opt.inner,
				  kv_err_msg(&err));
	kv_rng_seed(&d->rng, (uint64_t)d->opt.seed);
	d->syncs_left = (uint64_t)d->opt.crash_at_sync;
	d->tear = d->opt.tear;
	if (d->opt.fail_op > 0)
		kv_fault_arm_error(dev, KV_FAULT_IO, (uint64_t)d->opt.fail_op,
				   d->opt.fail_errno == 1 ? KV_ENOSPC : KV_EIO, d->opt.fail_persist);
	return KV_OK;
}

static void fault_close(struct kv_device *dev)
{
	struct fault_device *d = fdev(dev);

	assert(d->nhandles == 0);
	kv_dev_close(d->inner);
	d->inner = NULL;
}

/* ------------------------------------------------------------ namespace */

static int new_handle(struct fault_device *d, const char *name, struct kv_file *inner,
		      struct kv_dev_file **out)
{
	struct kv_dev_file *h = kv_calloc(KV_MEM_DEVICE, sizeof(*h));

	if (h)
		h->name = kv_strdup(KV_MEM_DEVICE, name);
	if (!h || !h->name) {
		if (h)
			kv_free(KV_MEM_DEVICE, h, sizeof(*h));
		kv_dev_close_file(inner);
		return kv_err_set(&d->base.err, KV_ENOMEM,
				  "fault device: out of memory opening '%s'", name);
	}
	h->inner = inner;
	h->gen = d->gen;
	h->next = d->handles;
	if (d->handles)
		d->handles->prev = h;
	d->handles = h;
	d->nhandles++;
	*out = h;
	return KV_OK;
}

static int fault_create(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	struct fault_device *d = fdev(dev);
	struct kv_file *f;
	int rc = gate(d, NULL, KV_FAULT_NAMESPACE, name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_create(d->inner, name, KV_FILE_OTHER, &f);
	if (rc != KV_OK)
		return inner_error(d, rc);
	return new_handle(d, name, f, out);
}

static int fault_open_file(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	struct fault_device *d = fdev(dev);
	struct kv_file *f;
	int rc = gate(d, NULL, 0, name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_open_file(d->inner, name, KV_FILE_OTHER, &f);
	if (rc != KV_OK)
		return rc == KV_NOTFOUND ? kv_err_set(&dev->err, KV_NOTFOUND, "%s",
						      kv_dev_errmsg(d->inner))
					 : inner_error(d, rc);
	return new_handle(d, name, f, out);
}

static void fault_close_file(struct kv_device *dev, struct kv_dev_file *h)
{
	struct fault_device *d = fdev(dev);

	if (h->prev)
		h->prev->next = h->next;
	else
		d->handles = h->next;
	if (h->next)
		h->next->prev = h->prev;
	d->nhandles--;
	kv_dev_close_file(h->inner);
	tail_drop(h);
	kv_strfree(KV_MEM_DEVICE, h->name);
	kv_free(KV_MEM_DEVICE, h, sizeof(*h));
}

static void mark_gone(struct fault_device *d, const char *name)
{
	for (struct kv_dev_file *h = d->handles; h; h = h->next)
		if (strcmp(h->name, name) == 0) {
			h->gone = true;
			tail_drop(h);
		}
}

static int fault_remove(struct kv_device *dev, const char *name)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, NULL, KV_FAULT_NAMESPACE, name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_remove(d->inner, name);
	if (rc == KV_NOTFOUND)
		return kv_err_set(&dev->err, KV_NOTFOUND, "%s", kv_dev_errmsg(d->inner));
	if (rc != KV_OK)
		return inner_error(d, rc);
	mark_gone(d, name);
	return KV_OK;
}

static int fault_rename(struct kv_device *dev, const char *from, const char *to)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, NULL, KV_FAULT_NAMESPACE, from);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_rename(d->inner, from, to);
	if (rc != KV_OK)
		return inner_error(d, rc);
	if (strcmp(from, to) == 0)
		return KV_OK;
	mark_gone(d, to);
	for (struct kv_dev_file *h = d->handles; h; h = h->next) {
		if (strcmp(h->name, from) != 0)
			continue;
		char *n = kv_strdup(KV_MEM_DEVICE, to);
		if (!n) {
			h->gone = true; /* no tearing for it; the rename itself is done */
			tail_drop(h);
			continue;
		}
		kv_strfree(KV_MEM_DEVICE, h->name);
		h->name = n;
	}
	return KV_OK;
}

static int fault_list(struct kv_device *dev, void (*cb)(void *ud, const char *name), void *ud)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, NULL, 0, "(list)");

	if (rc == KV_OK)
		rc = kv_dev_list(d->inner, cb, ud);
	return rc;
}

static int fault_stat(struct kv_device *dev, const char *name, uint64_t *size)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, NULL, 0, name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_stat(d->inner, name, size);
	if (rc == KV_NOTFOUND)
		return kv_err_set(&dev->err, KV_NOTFOUND, "%s", kv_dev_errmsg(d->inner));
	return rc == KV_OK ? KV_OK : inner_error(d, rc);
}

/* ------------------------------------------------------------ I/O */

static int fault_read(struct kv_device *dev, struct kv_dev_file *h, uint64_t off, void *buf,
		      size_t len)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, h, KV_FAULT_READ, h->name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_read(h->inner, off, buf, len);
	if (rc != KV_OK)
		return inner_error(d, rc);
	d->c.reads++;
	return KV_OK;
}

static int fault_append(struct kv_device *dev, struct kv_dev_file *h, const void *buf,
			size_t len)
{
	struct fault_device *d = fdev(dev);
	uint64_t size = 0;
	int rc = gate(d, h, KV_FAULT_APPEND, h->name);

	if (rc != KV_OK)
		return rc;
	if (d->tear && d->syncs_left > 0)
		rc = kv_dev_size(h->inner, &size);
	if (rc == KV_OK)
		rc = kv_dev_append(h->inner, buf, len);
	if (rc != KV_OK)
		return inner_error(d, rc);
	tail_add(d, h, size, buf, len);
	d->c.appends++;
	return KV_OK;
}

static int fault_write(struct kv_device *dev, struct kv_dev_file *h, uint64_t off,
		       const void *buf, size_t len)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, h, KV_FAULT_WRITE, h->name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_write(h->inner, off, buf, len);
	if (rc != KV_OK)
		return inner_error(d, rc);
	if (len)
		tail_invalidate(h);
	d->c.writes++;
	return KV_OK;
}

static int fault_sync(struct kv_device *dev, struct kv_dev_file *h)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, h, KV_FAULT_SYNC, h->name);

	if (rc != KV_OK)
		return rc;
	if (d->syncs_left > 0 && --d->syncs_left == 0) {
		crash(d);
		return kv_err_set(&dev->err, KV_EIO,
				  "fault device: sync '%s': simulated power loss during the sync",
				  h->name);
	}
	rc = kv_dev_sync(h->inner);
	if (rc != KV_OK)
		return inner_error(d, rc);
	/* mem syncs per file: every handle of this file is synced now. */
	for (struct kv_dev_file *o = d->handles; o; o = o->next)
		if (o == h || (!o->gone && strcmp(o->name, h->name) == 0))
			tail_synced(o);
	d->c.syncs++;
	return KV_OK;
}

static int fault_size(struct kv_device *dev, struct kv_dev_file *h, uint64_t *out)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, h, 0, h->name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_size(h->inner, out);
	return rc == KV_OK ? KV_OK : inner_error(d, rc);
}

static int fault_truncate(struct kv_device *dev, struct kv_dev_file *h, uint64_t len)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, h, KV_FAULT_TRUNCATE, h->name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_truncate(h->inner, len);
	if (rc != KV_OK)
		return inner_error(d, rc);
	tail_invalidate(h);
	return KV_OK;
}

static int fault_trim(struct kv_device *dev, struct kv_dev_file *h, uint64_t off, uint64_t len)
{
	struct fault_device *d = fdev(dev);
	int rc = gate(d, h, 0, h->name);

	if (rc != KV_OK)
		return rc;
	rc = kv_dev_trim(h->inner, off, len);
	return rc == KV_OK ? KV_OK : inner_error(d, rc);
}

static uint64_t fault_now_ns(struct kv_device *dev)
{
	return kv_dev_now_ns(fdev(dev)->inner);
}

static void fault_report(struct kv_device *dev,
			 void (*cb)(void *ud, const char *name, double value), void *ud)
{
	struct fault_device *d = fdev(dev);

	kv_dev_report(d->inner, cb, ud);
	cb(ud, "fault_ops", (double)d->c.ops);
	cb(ud, "fault_injected", (double)d->c.injected);
	cb(ud, "fault_crashes", (double)d->c.crashes);
	cb(ud, "fault_torn_bytes", (double)d->c.torn_bytes);
}

const struct kv_device_ops kv_fault_device_ops = {
	.name = "fault",
	.version = 1,
	.instance_size = sizeof(struct fault_device),
	.doc = "fault injection over another device: crash at the Nth sync (drop or tear "
	       "unsynced data), EIO/ENOSPC at the Nth operation",
	.options = fault_options_table,
	.open = fault_open,
	.close = fault_close,
	.create = fault_create,
	.open_file = fault_open_file,
	.close_file = fault_close_file,
	.remove = fault_remove,
	.rename = fault_rename,
	.list = fault_list,
	.stat = fault_stat,
	.read = fault_read,
	.append = fault_append,
	.write = fault_write,
	.sync = fault_sync,
	.size = fault_size,
	.truncate = fault_truncate,
	.trim = fault_trim,
	.now_ns = fault_now_ns,
	.report = fault_report,
};

/* ------------------------------------------------------------ C API */

int kv_fault_device_wrap(struct kv_device *inner, struct kv_device **out, struct kv_err *err)
{
	struct kv_device *dev = NULL;
	struct fault_device *d;
	int rc;

	assert(inner && kv_dev_open_files(inner) == 0);
	*out = NULL;
	rc = kv_dev_open(&kv_fault_device_ops, NULL, NULL, &dev, err);
	if (rc != KV_OK) {
		kv_dev_close(inner);
		return rc;
	}
	d = fdev(dev);
	kv_dev_close(d->inner);
	d->inner = inner;
	rc = kv_dev_refresh(dev);
	if (rc != KV_OK) {
		kv_err_copy(err, &dev->err);
		kv_dev_close(dev);
		return rc;
	}
	*out = dev;
	return KV_OK;
}

struct kv_device *kv_fault_device_inner(struct kv_device *dev)
{
	assert(dev->ops == &kv_fault_device_ops);
	return fdev(dev)->inner;
}

int kv_fault_arm_crash_at_sync(struct kv_device *dev, uint64_t n, bool tear, uint64_t seed)
{
	struct fault_device *d = fdev(dev);

	assert(dev->ops == &kv_fault_device_ops);
	if (n > 0 && d->inner->ops != &kv_mem_device_ops)
		return kv_err_set(&dev->err, KV_ENOTSUP,
				  "fault device: crash simulation needs a mem inner device, not %s",
				  d->inner->ops->name);
	d->syncs_left = n;
	d->tear = tear;
	kv_rng_seed(&d->rng, seed);
	/* Tails are recorded from the next sync of each open file on. */
	for (struct kv_dev_file *h = d->handles; h; h = h->next)
		tail_invalidate(h);
	return KV_OK;
}

void kv_fault_arm_error(struct kv_device *dev, unsigned op_mask, uint64_t n, int code,
			bool persist)
{
	struct fault_device *d = fdev(dev);

	assert(dev->ops == &kv_fault_device_ops);
	assert(code == KV_EIO || code == KV_ENOSPC);
	d->err_mask = op_mask;
	d->err_left = n;
	d->err_code = code;
	d->err_persist = persist;
	d->err_firing = false;
}

void kv_fault_disarm(struct kv_device *dev)
{
	struct fault_device *d = fdev(dev);

	assert(dev->ops == &kv_fault_device_ops);
	d->syncs_left = 0;
	d->err_left = 0;
	d->err_firing = false;
	d->err_mask = 0;
}

bool kv_fault_crashed(const struct kv_device *dev)
{
	assert(dev->ops == &kv_fault_device_ops);
	return ((const struct fault_device *)dev)->crashed;
}

int kv_fault_device_reset(struct kv_device *dev)
{
	struct fault_device *d = fdev(dev);

	assert(dev->ops == &kv_fault_device_ops);
	kv_fault_disarm(dev);
	d->crashed = false;
	return kv_dev_refresh(dev);
}

void kv_fault_device_counters(const struct kv_device *dev, struct kv_fault_counters *out)
{
	assert(dev->ops == &kv_fault_device_ops);
	*out = ((const struct fault_device *)dev)->c;
}
