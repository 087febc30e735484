/*
 * core/checksum.c - XXH3-64 checksums and key hashes (libxxhash).
 */
#include "core/checksum.h"

#include <xxhash.h>

uint64_t kv_checksum64(const void *p, size_t n)
{
	return (uint64_t)XXH3_64bits(p, n);
}

uint32_t kv_checksum32(const void *p, size_t n)
{
	return (uint32_t)XXH3_64bits(p, n);
}

uint64_t kv_hash64(const void *p, size_t n, uint64_t seed)
{
	return (uint64_t)XXH3_64bits_withSeed(p, n, (XXH64_hash_t)seed);
}
