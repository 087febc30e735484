/*
 * devices/ssd_space.c - the LBA free-space bitmap (see devices/ssd_space.h).
 *
 * Invariants:
 *  1. bit u of bits is set iff unit u is allocated; bits past `units` in
 *     the last word are set (never handed out).
 *  2. nfree = number of clear bits; cursor < units.
 */
#include "devices/ssd_space.h"

#include <assert.h>
#include <stdbool.h>

#include "core/alloc.h"

struct kv_ssd_space {
	uint64_t *bits;
	uint64_t words, units, nfree, cursor;
};

static bool is_set(const struct kv_ssd_space *s, uint64_t u)
{
	return (s->bits[u >> 6] >> (u & 63)) & 1u;
}

int kv_ssd_space_new(uint64_t units, struct kv_ssd_space **out, struct kv_err *err)
{
	struct kv_ssd_space *s = kv_calloc(KV_MEM_DEVICE, sizeof(*s));

	*out = NULL;
	if (!s)
		goto out_nomem;
	s->units = units;
	s->words = (units + 63) / 64;
	s->bits = kv_calloc(KV_MEM_DEVICE, s->words * sizeof(uint64_t));
	if (!s->bits) {
		kv_free(KV_MEM_DEVICE, s, sizeof(*s));
		goto out_nomem;
	}
	if (units % 64)
		s->bits[s->words - 1] = ~0ull << (units % 64);
	s->nfree = units;
	*out = s;
	return KV_OK;
out_nomem:
	return kv_err_set(err, KV_ENOMEM, "ssd device: out of memory for the space map");
}

void kv_ssd_space_free(struct kv_ssd_space *s)
{
	if (!s)
		return;
	kv_free(KV_MEM_DEVICE, s->bits, s->words * sizeof(uint64_t));
	kv_free(KV_MEM_DEVICE, s, sizeof(*s));
}

/* First clear bit at or after @from (wrapping); s->nfree > 0. */
static uint64_t find_free(const struct kv_ssd_space *s, uint64_t from)
{
	uint64_t w = from >> 6;
	uint64_t word = s->bits[w] | ((1ull << (from & 63)) - 1);

	for (uint64_t i = 0; i <= s->words; i++) {
		if (word != ~0ull)
			return (w << 6) + (uint64_t)__builtin_ctzll(~word);
		w = (w + 1) % s->words;
		word = s->bits[w];
	}
	assert(0 && "no free unit although nfree > 0");
	return 0;
}

int kv_ssd_space_alloc(struct kv_ssd_space *s, uint64_t hint, uint64_t want, uint64_t *start,
		       uint64_t *count)
{
	uint64_t u, n = 0;

	assert(want > 0);
	if (s->nfree == 0)
		return KV_ENOSPC;
	u = hint < s->units && !is_set(s, hint) ? hint : find_free(s, s->cursor);
	while (n < want && u + n < s->units && !is_set(s, u + n)) {
		s->bits[(u + n) >> 6] |= 1ull << ((u + n) & 63);
		n++;
	}
	assert(n > 0);
	s->nfree -= n;
	s->cursor = (u + n) % s->units;
	*start = u;
	*count = n;
	return KV_OK;
}

void kv_ssd_space_release(struct kv_ssd_space *s, uint64_t start, uint64_t count)
{
	assert(start + count <= s->units);
	for (uint64_t u = start; u < start + count; u++) {
		assert(is_set(s, u));
		s->bits[u >> 6] &= ~(1ull << (u & 63));
	}
	s->nfree += count;
}

uint64_t kv_ssd_space_free_units(const struct kv_ssd_space *s)
{
	return s->nfree;
}
