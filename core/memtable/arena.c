/*
 * core/memtable/arena.c - a bump allocator over large blocks.
 *
 * Invariants:
 *  1. Every block is on the list a->blocks; a block of b bytes (header
 *     included) was obtained with kv_malloc(KV_MEM_MEMTABLE, b) and is
 *     freed with kv_free(KV_MEM_MEMTABLE, blk, b).
 *  2. bytes_reserved == sum of the blocks' sizes; nblocks == list length.
 *  3. cur == end == NULL before the first regular block; afterwards
 *     [cur, end] lies inside the current regular block (the newest one).
 *     Dedicated blocks never become current.
 *  4. bytes_used <= bytes_reserved.
 *  5. A failed allocation changes nothing.
 */
#include "core/memtable/arena.h"

#include <assert.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"

struct kv_arena_block {
	struct kv_arena_block *next;
	size_t bytes; /* whole allocation, this header included */
	alignas(max_align_t) char data[];
};

#define HEADER_BYTES (offsetof(struct kv_arena_block, data))

static bool arena_check(const struct kv_arena *a)
{
	if (a->bytes_used > a->bytes_reserved)
		return false;
	if ((a->cur == NULL) != (a->end == NULL))
		return false;
	if (a->cur && a->cur > a->end)
		return false;
	if ((a->blocks == NULL) != (a->nblocks == 0))
		return false;
	return true;
}

bool kv_arena_verify(const struct kv_arena *a)
{
	size_t bytes = 0, n = 0;
	bool cur_found = a->cur == NULL;

	if (!arena_check(a))
		return false;
	for (const struct kv_arena_block *b = a->blocks; b; b = b->next) {
		const char *lo = b->data, *hi = (const char *)b + b->bytes;

		if (b->bytes < HEADER_BYTES)
			return false;
		if (a->cur && a->cur >= lo && a->end == hi && a->cur <= hi)
			cur_found = true;
		bytes += b->bytes;
		n++;
	}
	return cur_found && bytes == a->bytes_reserved && n == a->nblocks;
}

void kv_arena_init(struct kv_arena *a, size_t block_bytes)
{
	assert(block_bytes >= KV_ARENA_MIN_BLOCK_BYTES);
	assert(block_bytes <= KV_ARENA_MAX_BLOCK_BYTES);
	a->cur = NULL;
	a->end = NULL;
	a->blocks = NULL;
	a->block_bytes = block_bytes;
	a->bytes_used = 0;
	a->bytes_reserved = 0;
	a->nblocks = 0;
	assert(arena_check(a));
}

void kv_arena_destroy(struct kv_arena *a)
{
	struct kv_arena_block *b = a->blocks;

	assert(arena_check(a));
	while (b) {
		struct kv_arena_block *next = b->next;

		kv_free(KV_MEM_MEMTABLE, b, b->bytes);
		b = next;
	}
	kv_arena_init(a, a->block_bytes);
}

/* A new block of @bytes (header included) pushed on the list, or NULL. */
static struct kv_arena_block *new_block(struct kv_arena *a, size_t bytes)
{
	struct kv_arena_block *b = kv_malloc(KV_MEM_MEMTABLE, bytes);

	if (!b)
		return NULL;
	b->bytes = bytes;
	b->next = a->blocks;
	a->blocks = b;
	a->bytes_reserved += bytes;
	a->nblocks++;
	return b;
}

static size_t pad_for(const char *p, size_t align)
{
	return (size_t)(-(uintptr_t)p) & (align - 1);
}

void *kv_arena_alloc(struct kv_arena *a, size_t n, size_t align)
{
	struct kv_arena_block *b;
	size_t pad;
	char *p;

	assert(align > 0 && (align & (align - 1)) == 0 && align <= KV_ARENA_MAX_ALIGN);
	assert(arena_check(a));
	if (a->cur) {
		pad = pad_for(a->cur, align);
		if (pad <= (size_t)(a->end - a->cur) && n <= (size_t)(a->end - a->cur) - pad) {
			p = a->cur + pad;
			a->cur = p + n;
			a->bytes_used += pad + n;
			return p;
		}
	}
	if (n > SIZE_MAX / 2)
		return NULL;
	if (n + align - 1 > a->block_bytes / 4) {
		/* Dedicated block: the current block stays current. */
		size_t extra = align > alignof(max_align_t) ? align - 1 : 0;
		size_t bytes = HEADER_BYTES + n + extra;

		b = new_block(a, bytes);
		if (!b)
			return NULL;
		p = b->data + pad_for(b->data, align);
		assert(p + n <= (char *)b + bytes);
		a->bytes_used += (size_t)(p - b->data) + n;
		assert(arena_check(a));
		return p;
	}
	b = new_block(a, a->block_bytes);
	if (!b)
		return NULL;
	pad = pad_for(b->data, align);
	p = b->data + pad;
	a->cur = p + n;
	a->end = (char *)b + a->block_bytes;
	assert(a->cur <= a->end);
	a->bytes_used += pad + n;
	assert(arena_check(a));
	return p;
}
