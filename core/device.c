/*
 * core/device.c - the accounting wrapper around struct kv_device_ops.
 *
 * Every engine I/O passes through one function here, which asserts the
 * preconditions, calls the device and counts the bytes and I/Os by file
 * kind. The wrapper also keeps a table of the device's files (name, size,
 * kind), so that live_bytes is exact without asking the device on the hot
 * path, and so that kv_dev_remove() knows which kind a removed file had.
 *
 * Invariants (1, 2 and 5 are checked by files_check()):
 *  1. The table holds exactly one linked node per file name the wrapper
 *     knows of; a node is linked iff it is reachable from a bucket.
 *  2. live_bytes == sum of node->size over linked nodes;
 *     peak_live_bytes >= live_bytes.
 *  3. An unlinked node (its file was removed or renamed over) stays alive
 *     while handles point at it (an orphan) and is freed with its last
 *     handle; its size no longer counts in live_bytes.
 *  4. open_handles == sum of node->handles over all nodes, linked or not.
 *  5. nbuckets is a power of two, and count <= nbuckets after an insert.
 *
 * Threading: files->mu guards the table, every node and dev->stats. The
 * device's own method runs outside it for data calls (read, map, append,
 * write, sync, size, truncate, trim) and remove; the counters and sizes
 * are updated under it afterwards. Namespace calls (create, open, close,
 * rename, refresh) hold it throughout. So a device that allows concurrent
 * calls (kv_dev_concurrent) may be used from several threads at once, as
 * long as each file has one writer (core/device.h). dev->err is shared:
 * the message of a failure may be overwritten by a concurrent failure.
 *
 * Counting rules (docs/devices.md): only successful calls are counted;
 * appends and writes both count as writes; a trim counts even when the
 * device has no trim method. Counters move only while stats_enabled; live
 * bytes are tracked always.
 */
#include "core/device.h"

#include <assert.h>
#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"

#define NAME_MAX_BYTES 255
#define MIN_BUCKETS 16
#define CHECK_MAX_FILES 256
#define HASH_SEED 0x6c736d6c6162ULL

struct file_node {
	struct file_node *next; /* bucket chain */
	char *name;             /* KV_MEM_DEVICE, strlen + 1 bytes */
	uint64_t hash;
	uint64_t size;          /* bytes, as tracked by the wrapper */
	enum kv_file_kind kind; /* last kind declared; KV_FILE_OTHER if never opened */
	uint32_t handles;       /* open struct kv_file pointing here */
	bool linked;
	bool seen;              /* scratch for kv_dev_refresh() */
};

struct kv_dev_files {
	pthread_mutex_t mu;
	struct file_node **buckets;
	size_t nbuckets;
	size_t count;        /* linked nodes */
	size_t open_handles; /* every open struct kv_file */
};

/* What kv_dev_create/open_file hand out: the public part first. */
struct file_handle {
	struct kv_file pub;
	struct file_node *node;
};

static const struct kv_option no_options[] = { { .name = NULL } };

static const char *const kind_names[KV_FILE__COUNT] = {
	[KV_FILE_WAL] = "wal",
	[KV_FILE_SST] = "sst",
	[KV_FILE_MANIFEST] = "manifest",
	[KV_FILE_BTREE_PAGE] = "btree_page",
	[KV_FILE_BTREE_WAL] = "btree_wal",
	[KV_FILE_OTHER] = "other",
};

const char *kv_file_kind_name(enum kv_file_kind k)
{
	if ((unsigned)k >= KV_FILE__COUNT)
		return "?";
	return kind_names[k];
}

/* ------------------------------------------------------------ file table */

static bool name_ok(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	return n > 0 && n <= NAME_MAX_BYTES && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

static uint64_t name_hash(const char *name)
{
	return kv_hash64(name, strlen(name), HASH_SEED);
}

/*
 * Invariants 1, 2 and 5. The walk over the table is skipped above
 * CHECK_MAX_FILES files, so that asserts stay cheap in long runs.
 */
static bool files_check(const struct kv_device *dev)
{
	const struct kv_dev_files *t = dev->files;
	uint64_t live = 0;
	size_t count = 0;

	if (!t || t->nbuckets < MIN_BUCKETS || (t->nbuckets & (t->nbuckets - 1)) != 0)
		return false;
	if (dev->stats.peak_live_bytes < dev->stats.live_bytes)
		return false;
	if (t->count > CHECK_MAX_FILES)
		return true;
	for (size_t b = 0; b < t->nbuckets; b++) {
		for (const struct file_node *n = t->buckets[b]; n; n = n->next) {
			if (!n->linked || (n->hash & (t->nbuckets - 1)) != b)
				return false;
			live += n->size;
			count++;
		}
	}
	return count == t->count && live == dev->stats.live_bytes;
}

static struct file_node *node_find(const struct kv_dev_files *t, const char *name)
{
	uint64_t h = name_hash(name);

	for (struct file_node *n = t->buckets[h & (t->nbuckets - 1)]; n; n = n->next) {
		if (n->hash == h && strcmp(n->name, name) == 0)
			return n;
	}
	return NULL;
}

static void node_free(struct file_node *n)
{
	kv_strfree(KV_MEM_DEVICE, n->name);
	kv_free(KV_MEM_DEVICE, n, sizeof(*n));
}

/* A new unlinked node named @name, size 0, kind OTHER; NULL on ENOMEM. */
static struct file_node *node_new(const char *name)
{
	struct file_node *n = kv_calloc(KV_MEM_DEVICE, sizeof(*n));

	if (!n)
		return NULL;
	n->name = kv_strdup(KV_MEM_DEVICE, name);
	if (!n->name) {
		kv_free(KV_MEM_DEVICE, n, sizeof(*n));
		return NULL;
	}
	n->hash = name_hash(name);
	n->kind = KV_FILE_OTHER;
	return n;
}

/* Double the bucket array if it is full; failure only keeps chains longer. */
static void table_grow(struct kv_dev_files *t)
{
	size_t nb = t->nbuckets * 2;
	struct file_node **nbk;

	if (t->count < t->nbuckets)
		return;
	nbk = kv_calloc(KV_MEM_DEVICE, nb * sizeof(*nbk));
	if (!nbk)
		return;
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct file_node *n = t->buckets[b];
		while (n) {
			struct file_node *next = n->next;
			n->next = nbk[n->hash & (nb - 1)];
			nbk[n->hash & (nb - 1)] = n;
			n = next;
		}
	}
	kv_free(KV_MEM_DEVICE, t->buckets, t->nbuckets * sizeof(*t->buckets));
	t->buckets = nbk;
	t->nbuckets = nb;
}

static void live_add(struct kv_device *dev, uint64_t n)
{
	dev->stats.live_bytes += n;
	if (dev->stats.live_bytes > dev->stats.peak_live_bytes)
		dev->stats.peak_live_bytes = dev->stats.live_bytes;
}

static void live_sub(struct kv_device *dev, uint64_t n)
{
	assert(dev->stats.live_bytes >= n);
	dev->stats.live_bytes -= n;
}

/* Set a node's tracked size, moving live_bytes if the node is linked. */
static void node_set_size(struct kv_device *dev, struct file_node *n, uint64_t size)
{
	if (n->linked) {
		if (size > n->size)
			live_add(dev, size - n->size);
		else
			live_sub(dev, n->size - size);
	}
	n->size = size;
}

/* Link an unlinked node (no node of that name may be linked). */
static void node_link(struct kv_device *dev, struct file_node *n)
{
	struct kv_dev_files *t = dev->files;
	size_t b;

	assert(!n->linked && !node_find(t, n->name));
	table_grow(t);
	b = n->hash & (t->nbuckets - 1);
	n->next = t->buckets[b];
	t->buckets[b] = n;
	n->linked = true;
	t->count++;
	live_add(dev, n->size);
}

/* Take a linked node out of the table (it stays allocated). */
static void node_detach(struct kv_device *dev, struct file_node *n)
{
	struct kv_dev_files *t = dev->files;
	struct file_node **pp = &t->buckets[n->hash & (t->nbuckets - 1)];

	assert(n->linked);
	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	n->next = NULL;
	n->linked = false;
	t->count--;
	live_sub(dev, n->size);
}

/* The file of a linked node is gone: drop it (an orphan while handles remain). */
static void node_unlink(struct kv_device *dev, struct file_node *n)
{
	node_detach(dev, n);
	if (n->handles == 0)
		node_free(n);
}

/* Give a linked node a new name; takes ownership of @new_name. */
static void node_rename(struct kv_device *dev, struct file_node *n, char *new_name)
{
	node_detach(dev, n);
	kv_strfree(KV_MEM_DEVICE, n->name);
	n->name = new_name;
	n->hash = name_hash(new_name);
	node_link(dev, n);
}

static int table_init(struct kv_device *dev)
{
	struct kv_dev_files *t = kv_calloc(KV_MEM_DEVICE, sizeof(*t));

	if (!t)
		return KV_ENOMEM;
	t->buckets = kv_calloc(KV_MEM_DEVICE, MIN_BUCKETS * sizeof(*t->buckets));
	if (!t->buckets) {
		kv_free(KV_MEM_DEVICE, t, sizeof(*t));
		return KV_ENOMEM;
	}
	if (pthread_mutex_init(&t->mu, NULL) != 0) {
		kv_free(KV_MEM_DEVICE, t->buckets, MIN_BUCKETS * sizeof(*t->buckets));
		kv_free(KV_MEM_DEVICE, t, sizeof(*t));
		return KV_ENOMEM;
	}
	t->nbuckets = MIN_BUCKETS;
	dev->files = t;
	return KV_OK;
}

static void table_free(struct kv_device *dev)
{
	struct kv_dev_files *t = dev->files;

	if (!t)
		return;
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct file_node *n = t->buckets[b];
		while (n) {
			struct file_node *next = n->next;
			node_free(n);
			n = next;
		}
	}
	kv_free(KV_MEM_DEVICE, t->buckets, t->nbuckets * sizeof(*t->buckets));
	pthread_mutex_destroy(&t->mu);
	kv_free(KV_MEM_DEVICE, t, sizeof(*t));
	dev->files = NULL;
}

/* ------------------------------------------------------------- helpers */

/* Make sure dev->err carries @rc even if the device forgot to say why. */
static int failed(struct kv_device *dev, int rc, const char *what, const char *name)
{
	if (dev->err.code != rc)
		kv_err_set(&dev->err, rc, "%s device: %s '%s' failed", dev->ops->name, what, name);
	return rc;
}

static int out_of_memory(struct kv_device *dev, const char *what, const char *name)
{
	return kv_err_set(&dev->err, KV_ENOMEM, "%s device: %s '%s': out of memory",
			  dev->ops->name, what, name);
}

/*
 * After a failed create: learn whether @name exists now and how big it is,
 * keeping the device's error message. @fresh is an unlinked spare node for
 * @name (freed if unused).
 */
static void resync_name(struct kv_device *dev, const char *name, struct file_node *fresh)
{
	struct kv_err saved = dev->err;
	struct file_node *n = node_find(dev->files, name);
	uint64_t size = 0;
	int rc = dev->ops->stat(dev, name, &size);

	if (rc == KV_OK && n) {
		node_set_size(dev, n, size);
	} else if (rc == KV_OK && fresh) {
		fresh->size = size;
		node_link(dev, fresh);
		fresh = NULL;
	} else if (rc == KV_NOTFOUND && n) {
		node_unlink(dev, n);
	}
	if (fresh)
		node_free(fresh);
	dev->err = saved;
}

/* After a failed modification: re-read the file size, keeping the message. */
static void resync_handle(struct file_handle *h)
{
	struct kv_device *dev = h->pub.dev;
	struct kv_err saved = dev->err;
	uint64_t size;

	if (dev->ops->size(dev, h->pub.impl, &size) == KV_OK)
		node_set_size(dev, h->node, size);
	dev->err = saved;
}

static struct file_handle *handle_new(struct kv_device *dev, const char *name,
				      enum kv_file_kind kind)
{
	struct file_handle *h = kv_calloc(KV_MEM_DEVICE, sizeof(*h));

	if (!h)
		return NULL;
	h->pub.name = kv_strdup(KV_MEM_DEVICE, name);
	if (!h->pub.name) {
		kv_free(KV_MEM_DEVICE, h, sizeof(*h));
		return NULL;
	}
	h->pub.dev = dev;
	h->pub.kind = kind;
	return h;
}

static void handle_free(struct file_handle *h)
{
	kv_strfree(KV_MEM_DEVICE, h->pub.name);
	kv_free(KV_MEM_DEVICE, h, sizeof(*h));
}

/* Attach an opened handle to its node. */
static void handle_attach(struct kv_device *dev, struct file_handle *h, struct file_node *n)
{
	n->kind = h->pub.kind;
	n->handles++;
	dev->files->open_handles++;
	h->node = n;
}

static struct file_handle *handle_of(struct kv_file *f)
{
	return (struct file_handle *)f;
}

static void lock(struct kv_device *dev)
{
	pthread_mutex_lock(&dev->files->mu);
}

static void unlock(struct kv_device *dev)
{
	pthread_mutex_unlock(&dev->files->mu);
}

/* Reads of the calling thread (kv_dev_thread_reads). */
static _Thread_local uint64_t thread_reads, thread_bytes_read;

/* Count a successful read of @len bytes (files->mu held). */
static void count_read(struct kv_device *dev, enum kv_file_kind kind, size_t len)
{
	if (dev->stats_enabled) {
		dev->stats.kind[kind].reads++;
		dev->stats.kind[kind].bytes_read += len;
		thread_reads++;
		thread_bytes_read += len;
	}
}

void kv_dev_thread_reads(uint64_t *reads, uint64_t *bytes)
{
	*reads = thread_reads;
	*bytes = thread_bytes_read;
}

bool kv_dev_concurrent(const struct kv_device *dev)
{
	return dev->ops->concurrent;
}

/* ------------------------------------------------------------ refresh */

struct refresh_ctx {
	struct kv_device *dev;
	int rc;
};

static void refresh_cb(void *ud, const char *name)
{
	struct refresh_ctx *ctx = ud;
	struct file_node *n;

	if (ctx->rc != KV_OK || !name_ok(name))
		return;
	n = node_find(ctx->dev->files, name);
	if (!n) {
		n = node_new(name);
		if (!n) {
			ctx->rc = out_of_memory(ctx->dev, "list", name);
			return;
		}
		node_link(ctx->dev, n);
	}
	n->seen = true;
}

static int refresh_locked(struct kv_device *dev)
{
	struct refresh_ctx ctx = { dev, KV_OK };
	struct kv_dev_files *t = dev->files;
	int rc;

	rc = dev->ops->list(dev, refresh_cb, &ctx);
	if (rc == KV_OK)
		rc = ctx.rc;
	else
		failed(dev, rc, "list", ".");
	for (size_t b = 0; b < t->nbuckets; b++) {
		struct file_node *n = t->buckets[b];
		while (n) {
			struct file_node *next = n->next;
			bool seen = n->seen;
			uint64_t size;
			int src;

			n->seen = false;
			if (rc == KV_OK && !seen) {
				node_unlink(dev, n);
			} else if (rc == KV_OK) {
				src = dev->ops->stat(dev, n->name, &size);
				if (src == KV_OK)
					node_set_size(dev, n, size);
				else if (src == KV_NOTFOUND)
					node_unlink(dev, n);
				else
					rc = failed(dev, src, "stat", n->name);
			}
			n = next;
		}
	}
	assert(files_check(dev));
	return rc;
}

int kv_dev_refresh(struct kv_device *dev)
{
	int rc;

	assert(dev);
	if (!dev->files)
		return KV_OK; /* not opened through kv_dev_open(): nothing tracked */
	lock(dev);
	rc = refresh_locked(dev);
	unlock(dev);
	return rc;
}

/* ------------------------------------------------------- open and close */

int kv_dev_open(const struct kv_device_ops *ops, const struct kv_config *cfg,
		const char *path, struct kv_device **out, struct kv_err *err)
{
	const struct kv_option *tables[2];
	struct kv_device *dev;
	int rc;

	assert(ops && out && ops->name);
	assert(ops->instance_size >= sizeof(struct kv_device));
	assert(ops->open && ops->close && ops->create && ops->open_file && ops->close_file &&
	       ops->remove && ops->rename && ops->list && ops->stat && ops->read &&
	       ops->append && ops->write && ops->sync && ops->size && ops->truncate &&
	       ops->now_ns);
	*out = NULL;
	tables[0] = ops->options ? ops->options : no_options;
	tables[1] = NULL;
	rc = kv_config_check(cfg, tables, err);
	if (rc != KV_OK) {
		kv_err_prefix(err, "%s device", ops->name);
		return rc;
	}
	dev = kv_calloc(KV_MEM_DEVICE, ops->instance_size);
	if (!dev)
		return kv_err_set(err, KV_ENOMEM, "%s device: out of memory", ops->name);
	dev->ops = ops;
	rc = table_init(dev);
	if (rc != KV_OK) {
		kv_err_set(err, rc, "%s device: out of memory", ops->name);
		goto out_free_dev;
	}
	rc = ops->open(dev, cfg, path);
	if (rc != KV_OK) {
		kv_err_copy(err, &dev->err);
		if (!err || err->code != rc)
			kv_err_set(err, rc, "%s device: open '%s' failed", ops->name,
				   path ? path : "");
		goto out_free_table;
	}
	rc = kv_dev_refresh(dev);
	if (rc != KV_OK) {
		kv_err_copy(err, &dev->err);
		goto out_close_device;
	}
	dev->stats.peak_live_bytes = dev->stats.live_bytes;
	dev->stats_enabled = true;
	kv_err_clear(&dev->err);
	*out = dev;
	return KV_OK;

out_close_device:
	ops->close(dev);
out_free_table:
	table_free(dev);
out_free_dev:
	kv_free(KV_MEM_DEVICE, dev, ops->instance_size);
	return rc;
}

void kv_dev_close(struct kv_device *dev)
{
	const struct kv_device_ops *ops;

	if (!dev)
		return;
	assert(files_check(dev)); /* no other thread uses @dev any more */
	assert(dev->files->open_handles == 0 && "kv_dev_close() with files still open");
	ops = dev->ops;
	ops->close(dev);
	table_free(dev);
	kv_free(KV_MEM_DEVICE, dev, ops->instance_size);
}

size_t kv_dev_open_files(const struct kv_device *dev)
{
	size_t n;

	assert(dev);
	if (!dev->files)
		return 0;
	pthread_mutex_lock(&dev->files->mu);
	n = dev->files->open_handles;
	pthread_mutex_unlock(&dev->files->mu);
	return n;
}

const char *kv_dev_errmsg(const struct kv_device *dev)
{
	assert(dev);
	return kv_err_msg(&dev->err);
}

/* ------------------------------------------------------------ namespace */

static int create_locked(struct kv_device *dev, const char *name, enum kv_file_kind kind,
			 struct kv_file **out)
{
	struct file_node *n, *fresh = NULL;
	struct file_handle *h;
	int rc;

	assert(dev && out && name_ok(name) && (unsigned)kind < KV_FILE__COUNT);
	assert(files_check(dev));
	*out = NULL;
	h = handle_new(dev, name, kind);
	if (!h)
		return out_of_memory(dev, "create", name);
	n = node_find(dev->files, name);
	if (!n) {
		fresh = node_new(name);
		if (!fresh) {
			rc = out_of_memory(dev, "create", name);
			goto out_free_handle;
		}
	}
	rc = dev->ops->create(dev, name, &h->pub.impl);
	if (rc != KV_OK) {
		failed(dev, rc, "create", name);
		resync_name(dev, name, fresh);
		goto out_free_handle;
	}
	if (n) {
		node_set_size(dev, n, 0);
	} else {
		n = fresh;
		node_link(dev, n);
	}
	handle_attach(dev, h, n);
	if (dev->stats_enabled)
		dev->stats.kind[kind].files_created++;
	assert(files_check(dev));
	*out = &h->pub;
	return KV_OK;

out_free_handle:
	handle_free(h);
	assert(files_check(dev));
	return rc;
}

static int open_file_locked(struct kv_device *dev, const char *name, enum kv_file_kind kind,
			    struct kv_file **out)
{
	struct file_node *n, *fresh = NULL;
	struct file_handle *h;
	uint64_t size;
	int rc;

	assert(dev && out && name_ok(name) && (unsigned)kind < KV_FILE__COUNT);
	assert(files_check(dev));
	*out = NULL;
	h = handle_new(dev, name, kind);
	if (!h)
		return out_of_memory(dev, "open", name);
	n = node_find(dev->files, name);
	if (!n) {
		fresh = node_new(name);
		if (!fresh) {
			rc = out_of_memory(dev, "open", name);
			goto out_free_handle;
		}
	}
	rc = dev->ops->open_file(dev, name, &h->pub.impl);
	if (rc != KV_OK) {
		failed(dev, rc, "open", name);
		if (rc == KV_NOTFOUND && n)
			node_unlink(dev, n);
		goto out_free_fresh;
	}
	rc = dev->ops->size(dev, h->pub.impl, &size);
	if (rc != KV_OK) {
		failed(dev, rc, "size of", name);
		dev->ops->close_file(dev, h->pub.impl);
		goto out_free_fresh;
	}
	if (n) {
		node_set_size(dev, n, size);
	} else {
		n = fresh;
		n->size = size;
		node_link(dev, n);
	}
	handle_attach(dev, h, n);
	assert(files_check(dev));
	*out = &h->pub;
	return KV_OK;

out_free_fresh:
	if (fresh)
		node_free(fresh);
out_free_handle:
	handle_free(h);
	assert(files_check(dev));
	return rc;
}

int kv_dev_create(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		  struct kv_file **out)
{
	int rc;

	lock(dev);
	rc = create_locked(dev, name, kind, out);
	unlock(dev);
	return rc;
}

int kv_dev_open_file(struct kv_device *dev, const char *name, enum kv_file_kind kind,
		     struct kv_file **out)
{
	int rc;

	lock(dev);
	rc = open_file_locked(dev, name, kind, out);
	unlock(dev);
	return rc;
}

void kv_dev_close_file(struct kv_file *f)
{
	struct file_handle *h;
	struct kv_device *dev;
	struct file_node *n;

	if (!f)
		return;
	h = handle_of(f);
	dev = f->dev;
	lock(dev);
	n = h->node;
	assert(n && n->handles > 0 && dev->files->open_handles > 0);
	dev->ops->close_file(dev, f->impl);
	n->handles--;
	dev->files->open_handles--;
	if (!n->linked && n->handles == 0)
		node_free(n);
	unlock(dev);
	handle_free(h);
}

int kv_dev_remove(struct kv_device *dev, const char *name)
{
	struct file_node *n;
	enum kv_file_kind kind = KV_FILE_OTHER;
	int rc;

	assert(dev && name_ok(name));
	rc = dev->ops->remove(dev, name);
	lock(dev);
	assert(files_check(dev));
	n = node_find(dev->files, name);
	if (rc == KV_OK) {
		if (n) {
			kind = n->kind;
			node_unlink(dev, n);
		}
		if (dev->stats_enabled)
			dev->stats.kind[kind].files_removed++;
	} else {
		failed(dev, rc, "remove", name);
		if (rc == KV_NOTFOUND && n)
			node_unlink(dev, n);
	}
	assert(files_check(dev));
	unlock(dev);
	return rc;
}

static int rename_locked(struct kv_device *dev, const char *from, const char *to)
{
	struct file_node *src, *dst, *fresh = NULL;
	char *new_name = NULL;
	int rc;

	assert(dev && name_ok(from) && name_ok(to));
	assert(files_check(dev));
	if (strcmp(from, to) == 0) {
		rc = dev->ops->rename(dev, from, to);
		return rc == KV_OK ? rc : failed(dev, rc, "rename", from);
	}
	src = node_find(dev->files, from);
	if (src)
		new_name = kv_strdup(KV_MEM_DEVICE, to);
	else
		fresh = node_new(to);
	if (!new_name && !fresh)
		return out_of_memory(dev, "rename", from);
	rc = dev->ops->rename(dev, from, to);
	if (rc != KV_OK) {
		failed(dev, rc, "rename", from);
		goto out_free;
	}
	dst = node_find(dev->files, to);
	if (dst)
		node_unlink(dev, dst);
	if (src) {
		node_rename(dev, src, new_name);
		new_name = NULL;
	} else {
		/* A file the wrapper did not know of: learn its size. */
		struct kv_err saved = dev->err;
		if (dev->ops->stat(dev, to, &fresh->size) != KV_OK)
			fresh->size = 0;
		dev->err = saved;
		node_link(dev, fresh);
		fresh = NULL;
	}
out_free:
	if (new_name)
		kv_strfree(KV_MEM_DEVICE, new_name);
	if (fresh)
		node_free(fresh);
	assert(files_check(dev));
	return rc;
}

int kv_dev_rename(struct kv_device *dev, const char *from, const char *to)
{
	int rc;

	lock(dev);
	rc = rename_locked(dev, from, to);
	unlock(dev);
	return rc;
}

int kv_dev_list(struct kv_device *dev, void (*cb)(void *ud, const char *name), void *ud)
{
	int rc;

	assert(dev && cb);
	rc = dev->ops->list(dev, cb, ud);
	return rc == KV_OK ? rc : failed(dev, rc, "list", ".");
}

int kv_dev_stat(struct kv_device *dev, const char *name, uint64_t *size)
{
	int rc;

	assert(dev && name_ok(name) && size);
	rc = dev->ops->stat(dev, name, size);
	return rc == KV_OK ? rc : failed(dev, rc, "stat", name);
}

/* ------------------------------------------------------------- file I/O */

int kv_dev_read(struct kv_file *f, uint64_t off, void *buf, size_t len)
{
	struct kv_device *dev;
	int rc;

	assert(f && f->dev && (buf || len == 0) && off <= UINT64_MAX - len);
	dev = f->dev;
	rc = dev->ops->read(dev, f->impl, off, buf, len);
	if (rc != KV_OK)
		return failed(dev, rc, "read", f->name);
	lock(dev);
	count_read(dev, f->kind, len);
	unlock(dev);
	return KV_OK;
}

int kv_dev_map(struct kv_file *f, uint64_t off, size_t len, const void **out)
{
	struct kv_device *dev;
	int rc;

	assert(f && f->dev && out && off <= UINT64_MAX - len);
	dev = f->dev;
	*out = NULL;
	if (!dev->ops->map || len == 0)
		return KV_ENOTSUP;
	rc = dev->ops->map(dev, f->impl, off, len, out);
	if (rc == KV_ENOTSUP)
		return rc;
	if (rc != KV_OK)
		return failed(dev, rc, "read", f->name);
	assert(*out);
	lock(dev);
	count_read(dev, f->kind, len);
	unlock(dev);
	return KV_OK;
}

int kv_dev_append(struct kv_file *f, const void *buf, size_t len)
{
	struct file_handle *h = handle_of(f);
	struct kv_device *dev;
	int rc;

	assert(f && f->dev && (buf || len == 0));
	dev = f->dev;
	rc = dev->ops->append(dev, f->impl, buf, len);
	lock(dev);
	if (rc != KV_OK) {
		failed(dev, rc, "append to", f->name);
		resync_handle(h);
		unlock(dev);
		return rc;
	}
	assert(h->node->size <= UINT64_MAX - len);
	h->node->size += len;
	if (h->node->linked)
		live_add(dev, len);
	if (dev->stats_enabled) {
		dev->stats.kind[f->kind].writes++;
		dev->stats.kind[f->kind].bytes_written += len;
	}
	unlock(dev);
	return KV_OK;
}

int kv_dev_write(struct kv_file *f, uint64_t off, const void *buf, size_t len)
{
	struct file_handle *h = handle_of(f);
	struct kv_device *dev;
	int rc;

	assert(f && f->dev && (buf || len == 0) && off <= UINT64_MAX - len);
	dev = f->dev;
	rc = dev->ops->write(dev, f->impl, off, buf, len);
	lock(dev);
	if (rc != KV_OK) {
		failed(dev, rc, "write to", f->name);
		resync_handle(h);
		unlock(dev);
		return rc;
	}
	if (len > 0 && off + len > h->node->size)
		node_set_size(dev, h->node, off + len);
	if (dev->stats_enabled) {
		dev->stats.kind[f->kind].writes++;
		dev->stats.kind[f->kind].bytes_written += len;
	}
	unlock(dev);
	return KV_OK;
}

int kv_dev_sync(struct kv_file *f)
{
	struct kv_device *dev;
	int rc;

	assert(f && f->dev);
	dev = f->dev;
	rc = dev->ops->sync(dev, f->impl);
	if (rc != KV_OK)
		return failed(dev, rc, "sync", f->name);
	lock(dev);
	if (dev->stats_enabled)
		dev->stats.kind[f->kind].syncs++;
	unlock(dev);
	return KV_OK;
}

int kv_dev_size(struct kv_file *f, uint64_t *out)
{
	int rc;

	assert(f && f->dev && out);
	rc = f->dev->ops->size(f->dev, f->impl, out);
	return rc == KV_OK ? rc : failed(f->dev, rc, "size of", f->name);
}

int kv_dev_truncate(struct kv_file *f, uint64_t len)
{
	struct file_handle *h = handle_of(f);
	struct kv_device *dev;
	int rc;

	assert(f && f->dev);
	dev = f->dev;
	rc = dev->ops->truncate(dev, f->impl, len);
	lock(dev);
	if (rc != KV_OK) {
		failed(dev, rc, "truncate", f->name);
		resync_handle(h);
	} else {
		node_set_size(dev, h->node, len);
	}
	unlock(dev);
	return rc;
}

int kv_dev_trim(struct kv_file *f, uint64_t off, uint64_t len)
{
	struct kv_device *dev;
	int rc = KV_OK;

	assert(f && f->dev && off <= UINT64_MAX - len);
	dev = f->dev;
	if (dev->ops->trim)
		rc = dev->ops->trim(dev, f->impl, off, len);
	if (rc != KV_OK)
		return failed(dev, rc, "trim", f->name);
	lock(dev);
	if (dev->stats_enabled) {
		dev->stats.trims++;
		dev->stats.bytes_trimmed += len;
	}
	unlock(dev);
	return KV_OK;
}

uint64_t kv_dev_now_ns(struct kv_device *dev)
{
	assert(dev);
	return dev->ops->now_ns(dev);
}

/* ------------------------------------------------------------- counters */

void kv_dev_get_stats(const struct kv_device *dev, struct kv_dev_stats *out)
{
	assert(dev && out);
	if (dev->files)
		pthread_mutex_lock(&dev->files->mu);
	*out = dev->stats;
	if (dev->files)
		pthread_mutex_unlock(&dev->files->mu);
}

void kv_dev_reset_stats(struct kv_device *dev)
{
	assert(dev);
	if (dev->files)
		lock(dev);
	memset(dev->stats.kind, 0, sizeof(dev->stats.kind));
	dev->stats.trims = 0;
	dev->stats.bytes_trimmed = 0;
	dev->stats.peak_live_bytes = dev->stats.live_bytes;
	if (dev->files)
		unlock(dev);
}

void kv_dev_report(struct kv_device *dev,
		   void (*cb)(void *ud, const char *name, double value), void *ud)
{
	assert(dev && cb);
	if (dev->ops->report)
		dev->ops->report(dev, cb, ud);
}

uint64_t kv_io_bytes_written(const struct kv_dev_stats *s, bool include_wal)
{
	uint64_t sum = 0;

	for (int k = 0; k < KV_FILE__COUNT; k++) {
		if (!include_wal && (k == KV_FILE_WAL || k == KV_FILE_BTREE_WAL))
			continue;
		sum += s->kind[k].bytes_written;
	}
	return sum;
}

uint64_t kv_io_bytes_read(const struct kv_dev_stats *s)
{
	uint64_t sum = 0;

	for (int k = 0; k < KV_FILE__COUNT; k++)
		sum += s->kind[k].bytes_read;
	return sum;
}
