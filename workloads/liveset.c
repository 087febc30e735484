/*
 * workloads/liveset.c - exact live keys and bytes (workloads/liveset.h).
 *
 * Invariants (liveset_check):
 *  1. keys == number of live entries; bytes == sum of their sizes;
 *     peak_bytes >= bytes.
 *  2. numeric: sizes holds cap entries; entries >= cap are implicitly 0.
 *  3. bytes: used <= cap / 2 (load factor), cap a power of two; a live
 *     slot has key != NULL.
 */
#include "workloads/liveset.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"

#define MIN_CAP 1024
#define HASH_SEED 0x6c697665ULL

struct slot {
	char *key;      /* owned copy, KV_MEM_WORKLOAD; NULL = empty */
	uint32_t key_len;
	uint32_t size;  /* key + value bytes */
	uint64_t hash;
};

struct kv_liveset {
	bool numeric;
	uint64_t keys, bytes, peak_bytes;
	uint32_t *sizes; /* numeric */
	uint64_t cap;
	struct slot *slots; /* bytes form */
	uint64_t used;
};

static bool liveset_check(const struct kv_liveset *s)
{
	if (s->peak_bytes < s->bytes)
		return false;
	if (!s->numeric && (s->used != s->keys || s->used > s->cap / 2))
		return false;
	return true;
}

struct kv_liveset *kv_liveset_new(bool numeric, uint64_t key_space)
{
	struct kv_liveset *s = kv_calloc(KV_MEM_WORKLOAD, sizeof(*s));

	if (!s)
		return NULL;
	s->numeric = numeric;
	s->cap = MIN_CAP;
	if (numeric) {
		while (s->cap < key_space)
			s->cap *= 2;
		s->sizes = kv_calloc(KV_MEM_WORKLOAD, s->cap * sizeof(uint32_t));
		if (!s->sizes)
			goto out_free;
	} else {
		s->slots = kv_calloc(KV_MEM_WORKLOAD, s->cap * sizeof(struct slot));
		if (!s->slots)
			goto out_free;
	}
	return s;
out_free:
	kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
	return NULL;
}

void kv_liveset_free(struct kv_liveset *s)
{
	if (!s)
		return;
	if (s->numeric) {
		kv_free(KV_MEM_WORKLOAD, s->sizes, s->cap * sizeof(uint32_t));
	} else {
		for (uint64_t i = 0; i < s->cap; i++)
			if (s->slots[i].key)
				kv_free(KV_MEM_WORKLOAD, s->slots[i].key, s->slots[i].key_len);
		kv_free(KV_MEM_WORKLOAD, s->slots, s->cap * sizeof(struct slot));
	}
	kv_free(KV_MEM_WORKLOAD, s, sizeof(*s));
}

static void account(struct kv_liveset *s, uint32_t old_size, uint32_t new_size)
{
	s->keys += (new_size != 0) - (old_size != 0);
	s->bytes = s->bytes - old_size + new_size;
	if (s->bytes > s->peak_bytes)
		s->peak_bytes = s->bytes;
}

static int grow_numeric(struct kv_liveset *s, uint64_t n)
{
	uint64_t cap = s->cap;
	uint32_t *p;

	while (cap <= n)
		cap *= 2;
	p = kv_realloc(KV_MEM_WORKLOAD, s->sizes, s->cap * sizeof(uint32_t),
		       cap * sizeof(uint32_t));
	if (!p)
		return KV_ENOMEM;
	memset(p + s->cap, 0, (cap - s->cap) * sizeof(uint32_t));
	s->sizes = p;
	s->cap = cap;
	return KV_OK;
}

/* Slot of @key, or the empty slot where it would go. */
static uint64_t find_slot(const struct kv_liveset *s, struct kv_slice key, uint64_t h)
{
	uint64_t mask = s->cap - 1, i = h & mask;

	while (s->slots[i].key) {
		if (s->slots[i].hash == h && s->slots[i].key_len == key.len &&
		    memcmp(s->slots[i].key, key.data, key.len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static int grow_table(struct kv_liveset *s)
{
	uint64_t old_cap = s->cap, cap = s->cap * 2;
	struct slot *old = s->slots, *slots = kv_calloc(KV_MEM_WORKLOAD, cap * sizeof(*slots));

	if (!slots)
		return KV_ENOMEM;
	s->slots = slots;
	s->cap = cap;
	for (uint64_t i = 0; i < old_cap; i++) {
		if (old[i].key) {
			uint64_t j = old[i].hash & (cap - 1);
			while (slots[j].key)
				j = (j + 1) & (cap - 1);
			slots[j] = old[i];
		}
	}
	kv_free(KV_MEM_WORKLOAD, old, old_cap * sizeof(*old));
	return KV_OK;
}

int kv_liveset_put(struct kv_liveset *s, uint64_t keynum, struct kv_slice key, size_t value_len)
{
	uint32_t size = (uint32_t)(key.len + value_len);
	uint64_t h, i;

	assert(liveset_check(s));
	if (s->numeric) {
		if (keynum >= s->cap && grow_numeric(s, keynum) != KV_OK)
			return KV_ENOMEM;
		account(s, s->sizes[keynum], size);
		s->sizes[keynum] = size;
		return KV_OK;
	}
	if ((s->used + 1) > s->cap / 2 && grow_table(s) != KV_OK)
		return KV_ENOMEM;
	h = kv_hash64(key.data, key.len, HASH_SEED);
	i = find_slot(s, key, h);
	if (s->slots[i].key) {
		account(s, s->slots[i].size, size);
		s->slots[i].size = size;
		return KV_OK;
	}
	s->slots[i].key = kv_malloc(KV_MEM_WORKLOAD, key.len ? key.len : 1);
	if (!s->slots[i].key)
		return KV_ENOMEM;
	memcpy(s->slots[i].key, key.data, key.len);
	s->slots[i].key_len = (uint32_t)key.len;
	s->slots[i].size = size;
	s->slots[i].hash = h;
	s->used++;
	account(s, 0, size);
	assert(liveset_check(s));
	return KV_OK;
}

void kv_liveset_del(struct kv_liveset *s, uint64_t keynum, struct kv_slice key)
{
	uint64_t h, i, j, mask = s->cap - 1;

	if (s->numeric) {
		if (keynum < s->cap) {
			account(s, s->sizes[keynum], 0);
			s->sizes[keynum] = 0;
		}
		return;
	}
	h = kv_hash64(key.data, key.len, HASH_SEED);
	i = find_slot(s, key, h);
	if (!s->slots[i].key)
		return;
	account(s, s->slots[i].size, 0);
	kv_free(KV_MEM_WORKLOAD, s->slots[i].key, s->slots[i].key_len ? s->slots[i].key_len : 1);
	s->slots[i].key = NULL;
	s->used--;
	/* Backward-shift: move later entries of the probe run into the hole. */
	j = i;
	for (;;) {
		uint64_t home;

		j = (j + 1) & mask;
		if (!s->slots[j].key)
			break;
		home = s->slots[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->slots[i] = s->slots[j];
			s->slots[j].key = NULL;
			i = j;
		}
	}
	assert(liveset_check(s));
}

bool kv_liveset_numeric(const struct kv_liveset *s)
{
	return s->numeric;
}

uint64_t kv_liveset_keys(const struct kv_liveset *s)
{
	return s->keys;
}

uint64_t kv_liveset_bytes(const struct kv_liveset *s)
{
	return s->bytes;
}

uint64_t kv_liveset_peak_bytes(const struct kv_liveset *s)
{
	return s->peak_bytes;
}
