/*
 * core/coding.h - little-endian fixed-width and LEB128 varint encodings,
 * used by every on-disk format. Decoders are bounds-checked: they return
 * NULL (never read past @limit) on truncated input.
 */
#ifndef KV_CORE_CODING_H
#define KV_CORE_CODING_H

#include <stdint.h>
#include <string.h>

static inline void kv_put_u16(char *p, uint16_t v)
{
	p[0] = (char)v;
	p[1] = (char)(v >> 8);
}

static inline void kv_put_u32(char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

static inline void kv_put_u64(char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (char)(v >> (8 * i));
}

static inline uint16_t kv_get_u16(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint16_t)(u[0] | (u[1] << 8));
}

static inline uint32_t kv_get_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] | ((uint32_t)u[1] << 8) | ((uint32_t)u[2] << 16) |
	       ((uint32_t)u[3] << 24);
}

static inline uint64_t kv_get_u64(const char *p)
{
	return (uint64_t)kv_get_u32(p) | ((uint64_t)kv_get_u32(p + 4) << 32);
}

/* Maximum encoded length of a 64-bit varint. */
#define KV_VARINT64_MAX 10

/* Encode @v at @p; returns the byte after the encoding. */
static inline char *kv_put_varint64(char *p, uint64_t v)
{
	unsigned char *u = (unsigned char *)p;
	while (v >= 0x80) {
		*u++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*u++ = (unsigned char)v;
	return (char *)u;
}

static inline int kv_varint_len(uint64_t v)
{
	int n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Decode a varint from [p, limit); NULL if truncated or over-long. */
static inline const char *kv_get_varint64(const char *p, const char *limit, uint64_t *v)
{
	uint64_t result = 0;
	for (unsigned shift = 0; shift <= 63 && p < limit; shift += 7) {
		uint64_t byte = (unsigned char)*p++;
		if (shift == 63 && byte > 1)
			return NULL; /* the 10th byte may only hold bit 63 */
		result |= (byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*v = result;
			return p;
		}
	}
	return NULL;
}

static inline const char *kv_get_varint32(const char *p, const char *limit, uint32_t *v)
{
	uint64_t x;
	p = kv_get_varint64(p, limit, &x);
	if (!p || x > UINT32_MAX)
		return NULL;
	*v = (uint32_t)x;
	return p;
}

static inline uint64_t kv_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t kv_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
