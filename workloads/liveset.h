/*
 * workloads/liveset.h - the exact set of live keys and their sizes, for
 * the logical live bytes of space amplification.
 *
 * Two representations, chosen at creation:
 *  - numeric (sources with integer key numbers): an array of uint32 entry
 *    sizes (key + value bytes; 0 = not live) indexed by key number, grown
 *    by doubling up to the largest number written: 4 bytes per key number;
 *  - bytes (traces with arbitrary keys): an open-addressing hash table
 *    (linear probing, backward-shift deletion) of owned key copies with
 *    their entry sizes: ~40 bytes + the key per live key.
 * Memory is KV_MEM_WORKLOAD.
 */
#ifndef KV_WORKLOADS_LIVESET_H
#define KV_WORKLOADS_LIVESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/slice.h"
#include "core/status.h"

struct kv_liveset;

/* New set; @numeric selects the array form, sized for @key_space numbers. NULL on ENOMEM. */
struct kv_liveset *kv_liveset_new(bool numeric, uint64_t key_space);
void kv_liveset_free(struct kv_liveset *s);

/* Record a put of @key (@keynum in numeric form) with a @value_len value. KV_OK/KV_ENOMEM. */
int kv_liveset_put(struct kv_liveset *s, uint64_t keynum, struct kv_slice key, size_t value_len);
/* Record a delete. */
void kv_liveset_del(struct kv_liveset *s, uint64_t keynum, struct kv_slice key);

/* True for the array form (key numbers). */
bool kv_liveset_numeric(const struct kv_liveset *s);
uint64_t kv_liveset_keys(const struct kv_liveset *s);
uint64_t kv_liveset_bytes(const struct kv_liveset *s);
uint64_t kv_liveset_peak_bytes(const struct kv_liveset *s);

#endif
