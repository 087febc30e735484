/*
 * core/memtable/arena.h - a bump allocator over large blocks.
 *
 * Memtable kinds allocate their nodes, keys and values from an arena: one
 * pointer bump per allocation, no per-object free, everything released at
 * once by kv_arena_destroy(). Blocks come from kv_malloc(KV_MEM_MEMTABLE),
 * so the memory is counted under the memtable component.
 *
 * A request larger than a quarter of the block size gets a dedicated block
 * of exactly its size (plus a small header), so the current block is not
 * wasted on it. Smaller requests are served from the current block; when it
 * is full a new block is started and the tail of the old one is wasted
 * (at most a quarter block, usually a few bytes).
 *
 * Accounting: bytes_reserved is the sum of every block's allocation size as
 * passed to kv_malloc (header included), which is exactly what the arena
 * holds through the allocator hook; bytes_used is the sum of the bytes
 * handed out plus alignment padding. bytes_used <= bytes_reserved.
 *
 * The struct is public so kinds can embed it; its fields are private to
 * arena.c. Not thread-safe.
 */
#ifndef KV_CORE_MEMTABLE_ARENA_H
#define KV_CORE_MEMTABLE_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct kv_arena_block;

struct kv_arena {
	char *cur;                     /* next free byte of the current block */
	char *end;                     /* end of the current block */
	struct kv_arena_block *blocks; /* every block, newest first */
	size_t block_bytes;            /* size of a regular block */
	size_t bytes_used;
	size_t bytes_reserved;
	size_t nblocks;
};

/* Smallest and largest regular block size accepted by kv_arena_init(). */
#define KV_ARENA_MIN_BLOCK_BYTES ((size_t)4096)
#define KV_ARENA_MAX_BLOCK_BYTES ((size_t)1 << 30)
/* The largest alignment kv_arena_alloc() supports. */
#define KV_ARENA_MAX_ALIGN ((size_t)4096)

/*
 * Initialize an empty arena whose regular blocks are @block_bytes bytes
 * (KV_ARENA_MIN_BLOCK_BYTES..KV_ARENA_MAX_BLOCK_BYTES; callers validate
 * user input, out-of-range values are asserted). Allocates nothing.
 */
void kv_arena_init(struct kv_arena *a, size_t block_bytes);

/* Free every block. The arena is empty (and reusable) afterwards. */
void kv_arena_destroy(struct kv_arena *a);

/*
 * Allocate @n bytes aligned to @align (a power of two <= KV_ARENA_MAX_ALIGN).
 * n == 0 returns a valid unique-enough pointer into the arena. The memory is
 * uninitialized and lives until kv_arena_destroy(); it never moves.
 * Returns NULL when the allocator hook fails (KV_ENOMEM for the caller); the
 * arena is then unchanged.
 */
void *kv_arena_alloc(struct kv_arena *a, size_t n, size_t align);

/* Bytes handed out, alignment padding included. */
static inline size_t kv_arena_bytes_used(const struct kv_arena *a)
{
	return a->bytes_used;
}

/* Bytes held through the allocator hook (every block, headers included). */
static inline size_t kv_arena_bytes_reserved(const struct kv_arena *a)
{
	return a->bytes_reserved;
}

/* Number of blocks held. */
static inline size_t kv_arena_block_count(const struct kv_arena *a)
{
	return a->nblocks;
}

/* Deep consistency check (walks the block list); for asserts and tests. */
bool kv_arena_verify(const struct kv_arena *a);

#endif
