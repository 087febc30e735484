/*
 * devices/file.c - the file device (see devices/file.h).
 *
 * Invariants:
 *  1. dir_fd is an open O_DIRECTORY descriptor of dir for the device's life.
 *  2. Every open file handle holds an fd opened O_RDWR relative to dir_fd
 *     and `end`, the file size as this handle has made it: appends go to
 *     `end` (writers are exclusive, core/device.h), so no syscall is spent
 *     on finding the end of the file.
 *  3. Messages name the full path: "file device: pwrite '/dir/000012.sst'
 *     at offset 4096: No space left on device".
 *  4. maps lists the handle's read-only MAP_SHARED mappings of the file,
 *     newest first; each maps [0, map_bytes) of it, and bytes below
 *     mapped_size (a size the file had, and still has, since writers do
 *     not shrink files that are being read, core/device.h) are readable
 *     through the newest. Older mappings stay until close_file, because
 *     views handed out earlier point into them. At most MAX_MAPS.
 *  5. mapped_bytes is the sum over the mappings of all open handles of the
 *     device of map_bytes rounded up to whole pages (what mmap maps: the
 *     reserve of a growing file included), and never exceeds the option
 *     mmap_bytes when that is not 0: a mapping that would is not made.
 *
 * Threading: the device is concurrent (core/device.h): map_mu guards
 * every handle's maps, nmaps and mapped sizes and the device's
 * mapped_bytes; the rest of a handle is used by its one writer, and reads
 * go through pread, which needs no lock. Error messages share dev->err.
 */
#include "devices/file.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"

struct file_options {
	bool fsync;
	bool mmap;
	uint64_t mmap_bytes;
};

struct file_device {
	struct kv_device base;
	struct file_options opt;
	char *dir; /* KV_MEM_DEVICE, strlen + 1 */
	int dir_fd;
	uint64_t page_bytes;
	pthread_mutex_t map_mu;
	bool map_mu_init;
	uint64_t mapped_bytes; /* invariant 5 */
};

/* One mapping of a file (invariant 4). */
struct file_map {
	void *addr;
	size_t map_bytes;
	uint64_t mapped_size;
	struct file_map *older;
};

#define MAX_MAPS 16

struct kv_dev_file {
	int fd;
	uint64_t end;
	char *name; /* KV_MEM_DEVICE, for messages */
	struct file_map *maps;
	int nmaps;
};

static const struct kv_option file_options_table[] = {
	{
		.name = "fsync",
		.type = KV_OPT_BOOL,
		.def = "true",
		.unit = "",
		.doc = "fdatasync on sync and fsync the directory on create/remove/rename "
		       "(false: nothing is durable; for benchmarks only)",
		.offset = offsetof(struct file_options, fsync),
	},
	{
		.name = "mmap",
		.type = KV_OPT_BOOL,
		.def = "true",
		.unit = "",
		.doc = "serve kv_dev_map (reads without a copy, e.g. SSTable blocks) from "
		       "read-only mappings of the files (false: KV_ENOTSUP, callers use pread)",
		.offset = offsetof(struct file_options, mmap),
	},
	{
		.name = "mmap_bytes",
		.type = KV_OPT_BYTES,
		.def = "128MiB",
		.min = 0,
		.max = 1099511627776.0, /* 1 TiB */
		.unit = "bytes",
		.doc = "total length of the mappings kept by all open files (mapped pages "
		       "count in RSS); a map that would exceed it is KV_ENOTSUP and callers "
		       "use pread; bytes return when a file is closed (0: unlimited)",
		.offset = offsetof(struct file_options, mmap_bytes),
	},
	{ .name = NULL },
};

static struct file_device *fdev(struct kv_device *dev)
{
	return (struct file_device *)dev;
}

/* Invariant 2 for one handle. */
static bool handle_check(const struct kv_dev_file *f)
{
	return f && f->fd >= 0 && f->name && f->name[0];
}

/* The status an errno maps to; ENOENT is KV_NOTFOUND only where asked. */
static int errno_status(int e, bool enoent_is_notfound)
{
	if (e == ENOSPC || e == EDQUOT)
		return KV_ENOSPC;
	if (e == ENOMEM)
		return KV_ENOMEM;
	if (e == ENOENT && enoent_is_notfound)
		return KV_NOTFOUND;
	return KV_EIO;
}

static int sys_fail(struct file_device *d, int e, bool enoent_is_notfound, const char *call,
		    const char *name)
{
	return kv_err_set(&d->base.err, errno_status(e, enoent_is_notfound),
			  "file device: %s '%s/%s': %s", call, d->dir, name, strerror(e));
}

static int sys_fail_at(struct file_device *d, int e, const char *call, const char *name,
		       uint64_t off)
{
	return kv_err_set(&d->base.err, errno_status(e, false),
			  "file device: %s '%s/%s' at offset %llu: %s", call, d->dir, name,
			  (unsigned long long)off, strerror(e));
}

static int sync_dir(struct file_device *d, const char *why)
{
	if (!d->opt.fsync || fsync(d->dir_fd) == 0)
		return KV_OK;
	return kv_err_set(&d->base.err, KV_EIO, "file device: fsync of directory '%s' after %s: %s",
			  d->dir, why, strerror(errno));
}

/* mkdir -p: create @path and its missing parents. */
static int make_dirs(struct file_device *d, const char *path)
{
	size_t n = strlen(path);
	char *p = kv_strdup(KV_MEM_DEVICE, path);
	int rc = KV_OK;

	if (!p)
		return kv_err_set(&d->base.err, KV_ENOMEM, "file device: out of memory");
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST) {
			rc = kv_err_set(&d->base.err, errno_status(errno, false),
					"file device: mkdir '%s': %s", p, strerror(errno));
			break;
		}
		if (i < n)
			p[i] = '/';
	}
	kv_strfree(KV_MEM_DEVICE, p);
	return rc;
}

static int file_open(struct kv_device *dev, const struct kv_config *cfg, const char *path)
{
	struct file_device *d = fdev(dev);
	int rc;

	d->dir_fd = -1;
	d->page_bytes = sysconf(_SC_PAGESIZE) > 0 ? (uint64_t)sysconf(_SC_PAGESIZE) : 4096;
	rc = kv_options_load(file_options_table, cfg, &d->opt, &dev->err);
	if (rc != KV_OK)
		return rc;
	if (!path || !path[0])
		return kv_err_set(&dev->err, KV_EINVAL,
				  "file device: a directory path is required");
	d->dir = kv_strdup(KV_MEM_DEVICE, path);
	if (!d->dir)
		return kv_err_set(&dev->err, KV_ENOMEM, "file device: out of memory");
	rc = make_dirs(d, path);
	if (rc != KV_OK)
		goto out_free_dir;
	d->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dir_fd < 0) {
		rc = kv_err_set(&dev->err, errno_status(errno, false),
				"file device: open directory '%s': %s", path, strerror(errno));
		goto out_free_dir;
	}
	if (pthread_mutex_init(&d->map_mu, NULL) != 0) {
		rc = kv_err_set(&dev->err, KV_ENOMEM, "file device: cannot create a mutex");
		close(d->dir_fd);
		d->dir_fd = -1;
		goto out_free_dir;
	}
	d->map_mu_init = true;
	return KV_OK;

out_free_dir:
	kv_strfree(KV_MEM_DEVICE, d->dir);
	d->dir = NULL;
	return rc;
}

static void file_close(struct kv_device *dev)
{
	struct file_device *d = fdev(dev);

	assert(d->mapped_bytes == 0); /* every handle is closed (core/device.h) */
	if (d->dir_fd >= 0)
		close(d->dir_fd);
	kv_strfree(KV_MEM_DEVICE, d->dir);
	if (d->map_mu_init)
		pthread_mutex_destroy(&d->map_mu);
}

static int open_handle(struct kv_device *dev, const char *name, int flags,
		       struct kv_dev_file **out)
{
	struct file_device *d = fdev(dev);
	struct kv_dev_file *f = kv_calloc(KV_MEM_DEVICE, sizeof(*f));
	bool creating = (flags & O_CREAT) != 0;
	struct stat st;
	int rc;

	if (!f)
		return kv_err_set(&dev->err, KV_ENOMEM, "file device: out of memory opening '%s'",
				  name);
	f->name = kv_strdup(KV_MEM_DEVICE, name);
	if (!f->name) {
		rc = kv_err_set(&dev->err, KV_ENOMEM, "file device: out of memory opening '%s'",
				name);
		goto out_free_handle;
	}
	f->fd = openat(d->dir_fd, name, flags | O_RDWR | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		rc = sys_fail(d, errno, !creating, creating ? "create" : "open", name);
		goto out_free_name;
	}
	if (fstat(f->fd, &st) != 0) {
		rc = sys_fail(d, errno, false, "fstat", name);
		goto out_close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = kv_err_set(&dev->err, KV_EIO, "file device: '%s/%s' is not a regular file",
				d->dir, name);
		goto out_close_fd;
	}
	f->end = (uint64_t)st.st_size;
	if (creating) {
		rc = sync_dir(d, name);
		if (rc != KV_OK)
			goto out_close_fd;
	}
	*out = f;
	return KV_OK;

out_close_fd:
	close(f->fd);
out_free_name:
	kv_strfree(KV_MEM_DEVICE, f->name);
out_free_handle:
	kv_free(KV_MEM_DEVICE, f, sizeof(*f));
	return rc;
}

static int file_create(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	return open_handle(dev, name, O_CREAT | O_TRUNC, out);
}

static int file_open_file(struct kv_device *dev, const char *name, struct kv_dev_file **out)
{
	return open_handle(dev, name, 0, out);
}

/* What a mapping of @len bytes takes from the budget (invariant 5). */
static uint64_t map_cost(const struct file_device *d, uint64_t len)
{
	return (len + d->page_bytes - 1) / d->page_bytes * d->page_bytes;
}

static void file_close_file(struct kv_device *dev, struct kv_dev_file *f)
{
	struct file_device *d = fdev(dev);

	pthread_mutex_lock(&d->map_mu);
	while (f->maps) {
		struct file_map *m = f->maps;

		f->maps = m->older;
		munmap(m->addr, m->map_bytes);
		assert(d->mapped_bytes >= map_cost(d, m->map_bytes));
		d->mapped_bytes -= map_cost(d, m->map_bytes);
		kv_free(KV_MEM_DEVICE, m, sizeof(*m));
	}
	pthread_mutex_unlock(&d->map_mu);
	close(f->fd);
	kv_strfree(KV_MEM_DEVICE, f->name);
	kv_free(KV_MEM_DEVICE, f, sizeof(*f));
}

static int file_remove(struct kv_device *dev, const char *name)
{
	struct file_device *d = fdev(dev);

	if (unlinkat(d->dir_fd, name, 0) != 0)
		return sys_fail(d, errno, true, "unlink", name);
	return sync_dir(d, name);
}

static int file_rename(struct kv_device *dev, const char *from, const char *to)
{
	struct file_device *d = fdev(dev);

	if (renameat(d->dir_fd, from, d->dir_fd, to) != 0)
		return kv_err_set(&dev->err, errno_status(errno, false),
				  "file device: rename '%s/%s' to '%s': %s", d->dir, from, to,
				  strerror(errno));
	return sync_dir(d, to);
}

static int file_list(struct kv_device *dev, void (*cb)(void *ud, const char *name), void *ud)
{
	struct file_device *d = fdev(dev);
	struct dirent *e;
	DIR *dir;
	int fd;

	fd = openat(d->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sys_fail(d, errno, false, "open directory", ".");
	dir = fdopendir(fd);
	if (!dir) {
		int err = errno;
		close(fd);
		return sys_fail(d, err, false, "opendir", ".");
	}
	for (;;) {
		errno = 0;
		e = readdir(dir);
		if (!e)
			break;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		if (e->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(d->dir_fd, e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode))
				continue;
		}
		cb(ud, e->d_name);
	}
	if (errno != 0) {
		int err = errno;
		closedir(dir);
		return sys_fail(d, err, false, "readdir", ".");
	}
	closedir(dir);
	return KV_OK;
}

static int file_stat(struct kv_device *dev, const char *name, uint64_t *size)
{
	struct file_device *d = fdev(dev);
	struct stat st;

	if (fstatat(d->dir_fd, name, &st, 0) != 0)
		return sys_fail(d, errno, true, "stat", name);
	if (!S_ISREG(st.st_mode))
		return kv_err_set(&dev->err, KV_NOTFOUND,
				  "file device: '%s/%s' is not a regular file", d->dir, name);
	*size = (uint64_t)st.st_size;
	return KV_OK;
}

static int past_end(struct file_device *d, struct kv_dev_file *f, uint64_t off, size_t len)
{
	struct stat st;
	unsigned long long size = fstat(f->fd, &st) == 0 ? (unsigned long long)st.st_size : 0;

	return kv_err_set(&d->base.err, KV_EIO,
			  "file device: read '%s/%s' at offset %llu of %zu bytes: "
			  "past the end of the file (size %llu)",
			  d->dir, f->name, (unsigned long long)off, len, size);
}

static int file_read(struct kv_device *dev, struct kv_dev_file *f, uint64_t off, void *buf,
		     size_t len)
{
	struct file_device *d = fdev(dev);
	size_t done = 0;

	assert(handle_check(f));
	while (done < len) {
		ssize_t n = pread(f->fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_fail_at(d, errno, "pread", f->name, off + done);
		if (n == 0)
			return past_end(d, f, off, len);
		done += (size_t)n;
	}
	if (len == 0 && off > f->end) {
		struct stat st;
		if (fstat(f->fd, &st) != 0 || off > (uint64_t)st.st_size)
			return past_end(d, f, off, len);
	}
	return KV_OK;
}

/*
 * A view of [off, off + len) in a mapping of the file. A range beyond
 * what the newest mapping covers maps the file again at its current size
 * plus half (so a growing file is not remapped at every read); reading
 * past the end of the file fails like file_read. KV_ENOTSUP when the
 * option mmap is off, mmap is refused, MAX_MAPS is reached or the new
 * mapping would take mapped_bytes past mmap_bytes (invariant 5).
 */
static int map_locked(struct file_device *d, struct kv_dev_file *f, uint64_t off, size_t len,
		      const void **out)
{
	struct file_map *m = f->maps;
	struct stat st;
	uint64_t want;

	if (m && off + len <= m->mapped_size) {
		*out = (const char *)m->addr + off;
		return KV_OK;
	}
	if (fstat(f->fd, &st) != 0)
		return sys_fail(d, errno, false, "fstat", f->name);
	if (off + len > (uint64_t)st.st_size)
		return past_end(d, f, off, len);
	if (m && (uint64_t)st.st_size <= m->map_bytes) {
		/* The file grew inside the mapping's reach. */
		m->mapped_size = (uint64_t)st.st_size;
		*out = (const char *)m->addr + off;
		return KV_OK;
	}
	if (f->nmaps >= MAX_MAPS)
		return KV_ENOTSUP;
	want = (uint64_t)st.st_size + (f->nmaps ? (uint64_t)st.st_size / 2 : 0);
	if (want > SIZE_MAX / 2)
		return KV_ENOTSUP;
	if (d->opt.mmap_bytes && map_cost(d, want) > d->opt.mmap_bytes - d->mapped_bytes)
		return KV_ENOTSUP;
	m = kv_malloc(KV_MEM_DEVICE, sizeof(*m));
	if (!m)
		return KV_ENOTSUP;
	m->addr = mmap(NULL, (size_t)want, PROT_READ, MAP_SHARED, f->fd, 0);
	if (m->addr == MAP_FAILED) {
		kv_free(KV_MEM_DEVICE, m, sizeof(*m));
		return KV_ENOTSUP;
	}
	m->map_bytes = (size_t)want;
	m->mapped_size = (uint64_t)st.st_size;
	d->mapped_bytes += map_cost(d, want);
	m->older = f->maps;
	f->maps = m;
	f->nmaps++;
	*out = (const char *)m->addr + off;
	return KV_OK;
}

static int file_map(struct kv_device *dev, struct kv_dev_file *f, uint64_t off, size_t len,
		    const void **out)
{
	struct file_device *d = fdev(dev);
	int rc;

	assert(handle_check(f));
	if (!d->opt.mmap)
		return KV_ENOTSUP;
	pthread_mutex_lock(&d->map_mu);
	rc = map_locked(d, f, off, len, out);
	pthread_mutex_unlock(&d->map_mu);
	return rc;
}

/* pwrite all of buf at off; on failure *done says how much got written. */
static int write_all(struct file_device *d, struct kv_dev_file *f, uint64_t off,
		     const void *buf, size_t len, size_t *done)
{
	assert(handle_check(f));
	*done = 0;
	while (*done < len) {
		ssize_t n = pwrite(f->fd, (const char *)buf + *done, len - *done,
				   (off_t)(off + *done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_fail_at(d, errno, "pwrite", f->name, off + *done);
		if (n == 0)
			return sys_fail_at(d, ENOSPC, "pwrite", f->name, off + *done);
		*done += (size_t)n;
	}
	return KV_OK;
}

static int file_append(struct kv_device *dev, struct kv_dev_file *f, const void *buf,
		       size_t len)
{
	size_t done;
	int rc = write_all(fdev(dev), f, f->end, buf, len, &done);

	f->end += done;
	return rc;
}

static int file_write(struct kv_device *dev, struct kv_dev_file *f, uint64_t off,
		      const void *buf, size_t len)
{
	size_t done;
	int rc = write_all(fdev(dev), f, off, buf, len, &done);

	if (done > 0 && off + done > f->end)
		f->end = off + done;
	return rc;
}

static int file_sync(struct kv_device *dev, struct kv_dev_file *f)
{
	struct file_device *d = fdev(dev);

	if (!d->opt.fsync || fdatasync(f->fd) == 0)
		return KV_OK;
	return sys_fail(d, errno, false, "fdatasync", f->name);
}

static int file_size(struct kv_device *dev, struct kv_dev_file *f, uint64_t *out)
{
	struct stat st;

	if (fstat(f->fd, &st) != 0)
		return sys_fail(fdev(dev), errno, false, "fstat", f->name);
	*out = (uint64_t)st.st_size;
	return KV_OK;
}

static int file_truncate(struct kv_device *dev, struct kv_dev_file *f, uint64_t len)
{
	int rc;

	while ((rc = ftruncate(f->fd, (off_t)len)) != 0 && errno == EINTR)
		;
	if (rc != 0)
		return sys_fail_at(fdev(dev), errno, "ftruncate", f->name, len);
	f->end = len;
	pthread_mutex_lock(&fdev(dev)->map_mu);
	if (f->maps && f->maps->mapped_size > len)
		f->maps->mapped_size = len;
	pthread_mutex_unlock(&fdev(dev)->map_mu);
	return KV_OK;
}

static uint64_t file_now_ns(struct kv_device *dev)
{
	struct timespec ts;

	(void)dev;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const struct kv_device_ops kv_file_device_ops = {
	.name = "file",
	.version = 1,
	.instance_size = sizeof(struct file_device),
	.doc = "a directory of POSIX files (pread/pwrite, fdatasync); wall-clock time",
	.options = file_options_table,
	.open = file_open,
	.close = file_close,
	.create = file_create,
	.open_file = file_open_file,
	.close_file = file_close_file,
	.remove = file_remove,
	.rename = file_rename,
	.list = file_list,
	.stat = file_stat,
	.read = file_read,
	.append = file_append,
	.write = file_write,
	.sync = file_sync,
	.size = file_size,
	.truncate = file_truncate,
	.trim = NULL,
	.now_ns = file_now_ns,
	.report = NULL,
	.map = file_map,
	.concurrent = true,
};
