/*
 * devices/ssd_store.c - unit data of the modeled SSD (see devices/ssd_store.h).
 *
 * Invariants (RAM mode):
 *  1. chunks[c] != NULL iff used[c] != 0; used[c] has bit i set iff unit
 *     c * KV_SSD_CHUNK_UNITS + i was written and not released since.
 *  2. ram_bytes = number of chunks allocated x chunk bytes.
 */
#define _GNU_SOURCE
#include "devices/ssd_store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"

struct kv_ssd_store {
	uint64_t units, nchunks, ram_bytes;
	uint32_t unit_bytes;
	char **chunks;
	uint32_t *used;
	int fd;
	char *path;
};

static size_t chunk_bytes(const struct kv_ssd_store *s)
{
	return (size_t)s->unit_bytes * KV_SSD_CHUNK_UNITS;
}

int kv_ssd_store_new(uint64_t units, uint32_t unit_bytes, const char *backing_path,
		     struct kv_ssd_store **out, struct kv_err *err)
{
	struct kv_ssd_store *s = kv_calloc(KV_MEM_DEVICE, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return kv_err_set(err, KV_ENOMEM, "ssd device: out of memory for the data store");
	s->units = units;
	s->unit_bytes = unit_bytes;
	s->fd = -1;
	if (backing_path && backing_path[0]) {
		s->path = kv_strdup(KV_MEM_DEVICE, backing_path);
		if (!s->path) {
			rc = kv_err_set(err, KV_ENOMEM, "ssd device: out of memory");
			goto out_free;
		}
		s->fd = open(backing_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->fd < 0 || ftruncate(s->fd, (off_t)(units * unit_bytes)) != 0) {
			rc = kv_err_set(err, KV_EIO, "ssd device: backing_file '%s': %s",
					backing_path, strerror(errno));
			goto out_free;
		}
	} else {
		s->nchunks = (units + KV_SSD_CHUNK_UNITS - 1) / KV_SSD_CHUNK_UNITS;
		s->chunks = kv_calloc(KV_MEM_DEVICE, s->nchunks * sizeof(*s->chunks));
		s->used = kv_calloc(KV_MEM_DEVICE, s->nchunks * sizeof(*s->used));
		if (!s->chunks || !s->used) {
			rc = kv_err_set(err, KV_ENOMEM,
					"ssd device: out of memory for the data store index");
			goto out_free;
		}
	}
	*out = s;
	return KV_OK;
out_free:
	kv_ssd_store_free(s);
	return rc;
}

void kv_ssd_store_free(struct kv_ssd_store *s)
{
	if (!s)
		return;
	for (uint64_t c = 0; c < s->nchunks; c++)
		if (s->chunks[c])
			kv_free(KV_MEM_DEVICE, s->chunks[c], chunk_bytes(s));
	kv_free(KV_MEM_DEVICE, s->chunks, s->nchunks * sizeof(*s->chunks));
	kv_free(KV_MEM_DEVICE, s->used, s->nchunks * sizeof(*s->used));
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	kv_strfree(KV_MEM_DEVICE, s->path);
	kv_free(KV_MEM_DEVICE, s, sizeof(*s));
}

static int file_io(struct kv_ssd_store *s, bool wr, uint64_t pos, void *buf, size_t len,
		   struct kv_err *err)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = wr ? pwrite(s->fd, p, len, (off_t)pos) : pread(s->fd, p, len, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return kv_err_set(err, KV_EIO, "ssd device: %s backing_file '%s' at offset "
					  "%llu: %s", wr ? "pwrite" : "pread", s->path,
					  (unsigned long long)pos, n < 0 ? strerror(errno) : "EOF");
		p += n;
		pos += (uint64_t)n;
		len -= (size_t)n;
	}
	return KV_OK;
}

int kv_ssd_store_write(struct kv_ssd_store *s, uint64_t lba, uint32_t off, const void *buf,
		       size_t len, struct kv_err *err)
{
	uint64_t c = lba / KV_SSD_CHUNK_UNITS;
	uint32_t bit = 1u << (lba % KV_SSD_CHUNK_UNITS);

	assert(lba < s->units && off + len <= s->unit_bytes);
	if (s->fd >= 0)
		return file_io(s, true, lba * s->unit_bytes + off, (void *)(uintptr_t)buf, len,
			       err);
	if (!s->chunks[c]) {
		s->chunks[c] = kv_malloc(KV_MEM_DEVICE, chunk_bytes(s));
		if (!s->chunks[c])
			return kv_err_set(err, KV_ENOMEM,
					  "ssd device: out of memory storing unit %llu",
					  (unsigned long long)lba);
		s->ram_bytes += chunk_bytes(s);
	}
	s->used[c] |= bit;
	memcpy(s->chunks[c] + (lba % KV_SSD_CHUNK_UNITS) * s->unit_bytes + off, buf, len);
	return KV_OK;
}

int kv_ssd_store_read(struct kv_ssd_store *s, uint64_t lba, uint32_t off, void *buf, size_t len,
		      struct kv_err *err)
{
	uint64_t c = lba / KV_SSD_CHUNK_UNITS;

	assert(lba < s->units && off + len <= s->unit_bytes);
	if (s->fd >= 0)
		return file_io(s, false, lba * s->unit_bytes + off, buf, len, err);
	if (!s->chunks[c])
		memset(buf, 0, len);
	else
		memcpy(buf, s->chunks[c] + (lba % KV_SSD_CHUNK_UNITS) * s->unit_bytes + off, len);
	return KV_OK;
}

void kv_ssd_store_release(struct kv_ssd_store *s, uint64_t lba)
{
	uint64_t c = lba / KV_SSD_CHUNK_UNITS;

	assert(lba < s->units);
	if (s->fd >= 0) {
#ifdef FALLOC_FL_PUNCH_HOLE
		(void)fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)(lba * s->unit_bytes), (off_t)s->unit_bytes);
#endif
		return;
	}
	s->used[c] &= ~(1u << (lba % KV_SSD_CHUNK_UNITS));
	if (s->used[c] == 0 && s->chunks[c]) {
		kv_free(KV_MEM_DEVICE, s->chunks[c], chunk_bytes(s));
		s->chunks[c] = NULL;
		s->ram_bytes -= chunk_bytes(s);
	}
}

uint64_t kv_ssd_store_ram_bytes(const struct kv_ssd_store *s)
{
	return s->ram_bytes;
}
