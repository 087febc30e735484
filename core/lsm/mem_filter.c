/*
 * core/lsm/mem_filter.c - allocation of the memtable Bloom filter; the
 * probes are inline in mem_filter.h. Invariants: mem_filter.h.
 */
#include "core/lsm/mem_filter.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/status.h"

static bool filter_check(const struct kv_mem_filter *f)
{
	if (f->nlines == 0)
		return f->raw == NULL && f->lines == NULL;
	return f->raw && ((uintptr_t)f->lines % KV_MEM_FILTER_LINE_BYTES) == 0 &&
	       (char *)f->lines + f->nlines * KV_MEM_FILTER_LINE_BYTES <=
		       (char *)f->raw + f->raw_bytes;
}

int kv_mem_filter_init(struct kv_mem_filter *f, size_t bytes)
{
	size_t nlines = (bytes + KV_MEM_FILTER_LINE_BYTES - 1) / KV_MEM_FILTER_LINE_BYTES;
	uintptr_t p;

	memset(f, 0, sizeof(*f));
	if (nlines == 0)
		return KV_OK;
	if (nlines > UINT32_MAX)
		nlines = UINT32_MAX;
	f->raw_bytes = (nlines + 1) * KV_MEM_FILTER_LINE_BYTES;
	f->raw = kv_calloc(KV_MEM_MEMTABLE, f->raw_bytes);
	if (!f->raw) {
		f->raw_bytes = 0;
		return KV_ENOMEM;
	}
	p = ((uintptr_t)f->raw + KV_MEM_FILTER_LINE_BYTES - 1) &
	    ~(uintptr_t)(KV_MEM_FILTER_LINE_BYTES - 1);
	f->lines = (uint64_t *)p;
	f->nlines = nlines;
	assert(filter_check(f));
	return KV_OK;
}

void kv_mem_filter_free(struct kv_mem_filter *f)
{
	assert(filter_check(f));
	kv_free(KV_MEM_MEMTABLE, f->raw, f->raw_bytes);
	memset(f, 0, sizeof(*f));
}
